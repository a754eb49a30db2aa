"""Reading the user's table (CSV, TSV, Excel, Parquet) and writing the synthetic tables byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from helpers.validation.errors import InputError

TABLE_SUFFIXES = {".csv": "CSV", ".tsv": "TSV", ".txt": "TSV", ".xlsx": "Excel", ".parquet": "Parquet"}


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


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a synthetic table as UTF-8 CSV with fixed formatting (same frame, same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6f")
    return path
