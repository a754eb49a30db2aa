"""Reading user tables, writing tidy results and provenance records.

Every chapter ends by writing two files next to its executed notebook:

* ``results.csv``: one row per reported quantity, columns :data:`RESULT_COLUMNS`;
* ``provenance.json``: chapter, parameters, input file and its SHA-256, package versions, git commit
  and UTC time.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

RESULT_COLUMNS = ["quantity", "group", "estimate", "ci_low", "ci_high", "p_value", "method", "n"]
"""Columns of every chapter's ``results.csv``, in order."""

PROVENANCE_PACKAGES = [
    "numpy", "scipy", "pandas", "statsmodels", "scikit-learn", "lifelines", "pingouin", "tableone",
    "pandera", "matplotlib", "seaborn", "papermill", "jupytext", "jupyter-book", "sphinx",
]
"""Packages whose versions a provenance record lists (besides Python and ``helpers`` itself)."""

TABLE_SUFFIXES = {".csv": "CSV", ".tsv": "TSV", ".txt": "TSV", ".xlsx": "Excel", ".parquet": "Parquet"}


class InputError(ValueError):
    """A problem with the user's input (file, column, values or parameters).

    The command line turns it into exit status 2 and prints its message without a traceback.
    The message names the file, the column, the offending rows and the fix.
    """


def sha256_of(path: str | Path) -> str:
    """Return the hexadecimal SHA-256 of a file's bytes (read in blocks; the file is not changed)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, TSV, Excel (.xlsx) or Parquet file into a DataFrame.

    Raises
    ------
    InputError
        When the file is missing, empty, of an unknown type, not valid UTF-8 text or not a table.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found. Give the path of a CSV, TSV, Excel or Parquet file.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file. Give the path of a data file.")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        known = ", ".join(sorted(TABLE_SUFFIXES))
        raise InputError(f"{path}: unknown file type '{suffix or '(none)'}'. Expected one of {known}.")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes). Expected a header row and one row per patient.")
    try:
        if suffix in (".csv", ".tsv", ".txt"):
            raw = path.read_bytes()
            if b"\x00" in raw[:8192]:
                raise InputError(f"{path}: a binary file, not a text table (is it an image, a PDF or a "
                                 "database?). Export the data as CSV, TSV, Excel (.xlsx) or Parquet.")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                line = raw[: error.start].count(b"\n") + 1
                raise InputError(
                    f"{path}: not valid UTF-8 text (byte {error.start}, line {line}). "
                    "Save the file as UTF-8 (in Excel: 'CSV UTF-8')."
                ) from None
            sep = "," if suffix == ".csv" else "\t"
            frame = pd.read_csv(path, sep=sep, encoding="utf-8")
        elif suffix == ".xlsx":
            frame = pd.read_excel(path)
        else:
            frame = pd.read_parquet(path)
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file has no columns. Expected a header row and one row per patient.") from None
    except (pd.errors.ParserError, ValueError, OSError, ImportError) as error:
        kind = TABLE_SUFFIXES[suffix]
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"{path}: could not be read as a {kind} table ({first}).") from None
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no data rows. Expected one row per patient.")
    return frame


def results_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build a tidy results table with exactly the columns of :data:`RESULT_COLUMNS`.

    Missing keys become empty cells; unknown keys raise ``ValueError`` (a programming error).
    """
    rows = list(rows)
    for row in rows:
        unknown = set(row) - set(RESULT_COLUMNS)
        if unknown:
            raise ValueError(f"unknown result fields {sorted(unknown)}; allowed: {RESULT_COLUMNS}")
        if "quantity" not in row:
            raise ValueError(f"every result row needs a 'quantity': {row}")
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    frame["n"] = frame["n"].astype("Int64")
    return frame


def package_versions(packages: Iterable[str] = PROVENANCE_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``packages`` (None for a package that is not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in ["spine-mri-outcomes", *packages]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(directory: str | Path | None = None) -> str | None:
    """The commit of the repository holding ``directory`` (default: this package), '+dirty' if changed."""
    directory = Path(directory) if directory else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=directory,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "") if commit else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def provenance_record(*, chapter: str, parameters: Mapping[str, Any], data_path: str | Path | None,
                      extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the provenance record of one chapter run (see the module docstring)."""
    data_path = Path(data_path) if data_path else None
    record: dict[str, Any] = {
        "chapter": chapter,
        "parameters": _jsonable(dict(parameters)),
        "input_file": str(data_path.resolve()) if data_path else None,
        "input_sha256": sha256_of(data_path) if data_path else None,
        "packages": package_versions(),
        "git_commit": git_commit(),
        "utc_time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": platform.platform(),
    }
    column_map = parameters.get("column_map")
    if column_map:
        import yaml

        record["column_map"] = yaml.safe_load(Path(column_map).read_text(encoding="utf-8"))
    if extra:
        record.update(_jsonable(dict(extra)))
    return record


def write_outputs(results: pd.DataFrame, *, output_dir: str | Path, chapter: str,
                  parameters: Mapping[str, Any], data_path: str | Path | None,
                  extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``results.csv`` and ``provenance.json`` into ``output_dir`` and return the provenance.

    ``results`` must have exactly the columns of :data:`RESULT_COLUMNS`. With a ``suppress_small_cells``
    parameter above 1, small counts are masked (:func:`helpers.privacy.suppress_small_results`). Existing files are replaced
    only inside ``output_dir``, which the caller owns (the command line gives every run a new folder).
    """
    if list(results.columns) != RESULT_COLUMNS:
        raise ValueError(f"results must have columns {RESULT_COLUMNS}, got {list(results.columns)}")
    threshold = int(parameters.get("suppress_small_cells") or 0)
    if threshold > 1:
        from helpers.privacy import suppress_small_results

        results = suppress_small_results(results, threshold)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    record = provenance_record(chapter=chapter, parameters=parameters, data_path=data_path, extra=extra)
    results.to_csv(output_dir / "results.csv", index=False, float_format="%.10g")
    (output_dir / "provenance.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def provenance_table(record: Mapping[str, Any]) -> pd.DataFrame:
    """A provenance record as a two-column table (``item``, ``value``) for the page's footer."""
    rows = []
    for key, value in record.items():
        if isinstance(value, Mapping):
            rows.extend((f"{key}: {name}", item) for name, item in value.items())
        else:
            rows.append((key, value))
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": str})
