"""The registry of the book's chapters, and what every chapter does with its data.

One registry that the command line, the build and the tests read: :data:`CHAPTER_PACKAGES` lists the
chapter folders; each folder's ``__init__.py`` describes its chapter (:class:`helpers.chapters.common.Chapter`).
Adding a chapter means adding its folder, its notebook pair, one line here and one in ``_toc.yml``.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.chapters.common import Chapter
from helpers.validation.errors import InputError

if TYPE_CHECKING:  # pandas and the readers are imported where used: the command line reads CHAPTERS only
    import pandas as pd

CHAPTER_PACKAGES = ("equivocal_mri", "dynamic_mri", "mscc_separation", "dti_ivim", "paraspinal_imf",
                    "multi_site")
"""The chapters in book order: one folder each under ``helpers/chapters/`` (see "Adding a chapter")."""

CHAPTERS: dict[str, Chapter] = {
    chapter.id: chapter for chapter in (import_module(f"helpers.chapters.{name}").CHAPTER for name in CHAPTER_PACKAGES)
}


def project_root() -> Path:
    """The book's repository: ``$SPINEBOOK_ROOT``, else the nearest folder up from here holding ``_toc.yml``."""
    if os.environ.get("SPINEBOOK_ROOT"):
        return Path(os.environ["SPINEBOOK_ROOT"]).resolve()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "_toc.yml").is_file() and (folder / "notebooks").is_dir():
                return folder
    raise FileNotFoundError("the book's folder (with _toc.yml and notebooks/) was not found; run spinebook "
                            "from inside the repository or set SPINEBOOK_ROOT")


def get_chapter(chapter_id: str | Chapter) -> Chapter:
    """Look a chapter up by id, with the list of valid ids in the error (a :class:`Chapter` is returned as is)."""
    if isinstance(chapter_id, Chapter):
        return chapter_id
    if chapter_id not in CHAPTERS:
        raise InputError(f"unknown chapter '{chapter_id}'. Chapters: {', '.join(CHAPTERS)}.")
    return CHAPTERS[chapter_id]


def synthetic_data_path(chapter_id: str | Chapter, root: Path | None = None) -> Path:
    """Path of a chapter's synthetic data file in ``data/synthetic/``."""
    return (root or project_root()) / "data" / "synthetic" / get_chapter(chapter_id).data_file


def generate_all(root: Path | None = None, *, only_missing: bool = False) -> list[Path]:
    """(Re)write every chapter's synthetic data file; with ``only_missing``, only the absent ones."""
    written = []
    for chapter in CHAPTERS.values():
        path = synthetic_data_path(chapter.id, root)
        if only_missing and path.exists():
            continue
        from helpers.validation import files

        written.append(files.write_csv(chapter.generate(), path))
    return written


def inspect_data(chapter_id: str | Chapter, data_path: str | Path | None = None, *,
                 column_map: str | Path | dict | None = None, allow_identifiers: bool = False,
                 sheet: str | None = None):
    """Take a chapter's data in (default: its synthetic file) and return the
    :class:`helpers.validation.intake.Intake`: the validated frame and what each step did.

    Steps (:mod:`helpers.validation.intake`): read the file (CSV, TSV, Excel, SPSS, Stata, REDCap, Parquet;
    encoding, delimiter and decimal mark detected); rename columns; blank declared missing-value codes; derive
    durations and events from dates and drop the dates; recode values (a YAML path or a dict, see
    :mod:`helpers.validation.mapping`); refuse direct identifiers in a user's file unless ``allow_identifiers``;
    validate against the chapter's schema. Raises :class:`helpers.validation.errors.InputError` listing every
    problem.
    """
    from helpers.validation import intake

    path = Path(data_path) if data_path else synthetic_data_path(chapter_id)
    return intake.load_export(path, get_chapter(chapter_id).schema, column_map=column_map or None, sheet=sheet,
                              allow_identifiers=allow_identifiers,
                              check_identifiers=not is_synthetic(chapter_id, path))


def load_data(chapter_id: str | Chapter, data_path: str | Path | None = None, *, column_map: str | Path | dict | None = None,
              allow_identifiers: bool = False, sheet: str | None = None) -> pd.DataFrame:
    """Read a chapter's data (default: its synthetic file), map it onto the schema and check it: the frame of
    :func:`inspect_data`. The same function runs before ``spinebook run`` executes anything and inside the
    notebook (where the mapping file, ``column_map``, carries ``sheet``, ``missing`` and ``derive``)."""
    return inspect_data(chapter_id, data_path, column_map=column_map, allow_identifiers=allow_identifiers,
                        sheet=sheet).frame


def is_synthetic(chapter_id: str | Chapter, data_path: str | Path) -> bool:
    """Whether ``data_path`` is the book's own synthetic file for the chapter (not a user's data)."""
    return Path(data_path).resolve() == synthetic_data_path(chapter_id).resolve()


def example_rows(chapter_id: str | Chapter, data_path: str | Path, frame: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The first rows of the book's synthetic data, to show what a row looks like; for a user's data only a
    note (pages run on user data show aggregate tables and figures, never individual patients)."""
    if is_synthetic(chapter_id, data_path):
        return frame.head(n)
    import pandas as pd

    return pd.DataFrame({"note": [f"{len(frame)} rows read; individual rows are not shown for your own data."]})


def resolve_paths(chapter_id: str | Chapter, data_path: str | Path | None, output_dir: str | Path | None) -> tuple[Path, Path]:
    """The data file and output folder a chapter uses: the given ones, else its synthetic data and a new
    ``runs/<chapter>-<UTC timestamp>-notebook`` folder (for a notebook opened directly in Jupyter).

    Relative paths are read against the book's root (``data/synthetic/...``, ``runs/...``), as the page's
    parameters cell shows them, whatever folder the notebook runs in."""
    import datetime as _dt

    from helpers.presentation.tables import readable_warnings

    readable_warnings()  # the first call of every chapter: warnings read as one plain line on its page
    data = (Path(data_path) if Path(data_path).exists() else _from_root(data_path)) if data_path \
        else synthetic_data_path(chapter_id)
    if output_dir:
        return data, _from_root(output_dir)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return data, project_root() / "runs" / f"{chapter_id}-{stamp}-notebook"


def _from_root(path: str | Path) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root() / path


NOT_RECORDED = ("data_path", "output_dir")
"""Parameters that provenance records in their own fields (input file and its SHA-256; the run folder)."""


def parameter_names(chapter_id: str | Chapter, root: Path | None = None) -> list[str]:
    """The names in the chapter notebook's ``parameters`` cell, in order (``name: type = value`` lines)."""
    import json
    import re

    chapter = get_chapter(chapter_id)
    notebook = json.loads((root or project_root()).joinpath("notebooks", f"{chapter.notebook}.ipynb").read_text())
    for cell in notebook["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            return re.findall(r"^(\w+)\s*:", source, flags=re.M)
    raise InputError(f"notebooks/{chapter.notebook}.ipynb has no cell tagged 'parameters'.")


def write_run(chapter_id: str | Chapter, results: pd.DataFrame, *, data_path: str | Path, output_dir: str | Path,
              values: dict, extra: dict | None = None) -> dict:
    """Write a chapter run's ``results.csv`` and ``provenance.json`` (:func:`helpers.chapters.common.write_outputs`),
    recording every parameter of the notebook's parameters cell with its value in ``values`` (the
    notebook's namespace), so no chapter types its parameters twice."""
    from helpers.chapters.common import write_outputs

    chapter = get_chapter(chapter_id)
    parameters = {name: values[name] for name in parameter_names(chapter) if name not in NOT_RECORDED}
    return write_outputs(results, output_dir=output_dir, chapter=chapter.id, parameters=parameters,
                         data_path=data_path, extra=extra)
