"""The book's chapters: identifiers, notebooks, synthetic data files and schemas.

One registry that the command line, the build and the tests read; adding a chapter means adding
an entry here and to ``_toc.yml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from helpers import synthetic


@dataclass(frozen=True)
class Chapter:
    """One chapter of the book."""

    id: str
    title: str
    data_file: str
    generate: Callable[[], pd.DataFrame]
    seed_file: str

    @property
    def notebook(self) -> str:
        """Stem of the paired notebook files in ``notebooks/`` (``<id>.md`` and ``<id>.ipynb``)."""
        return self.id


CHAPTERS: dict[str, Chapter] = {
    chapter.id: chapter
    for chapter in [
        Chapter("equivocal-mri", "When cervical MRI is equivocal for myelopathy", "equivocal_mri.csv",
                synthetic.simulate_equivocal_mri, "003_72dfbfb565217ad5.txt"),
        Chapter("paraspinal-imf", "Paraspinal fat and 5-year recovery after decompression for lumbar stenosis",
                "paraspinal_imf.csv", synthetic.simulate_paraspinal_imf, "004_697f0fdbcb95d937.txt"),
    ]
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


def get_chapter(chapter_id: str) -> Chapter:
    """Look a chapter up by id, with the list of valid ids in the error."""
    from helpers.io import InputError

    if chapter_id not in CHAPTERS:
        raise InputError(f"unknown chapter '{chapter_id}'. Chapters: {', '.join(CHAPTERS)}.")
    return CHAPTERS[chapter_id]


def synthetic_data_path(chapter_id: str, root: Path | None = None) -> Path:
    """Path of a chapter's synthetic data file in ``data/synthetic/``."""
    return (root or project_root()) / "data" / "synthetic" / get_chapter(chapter_id).data_file


def generate_all(root: Path | None = None, *, only_missing: bool = False) -> list[Path]:
    """(Re)write every chapter's synthetic data file; with ``only_missing``, only the absent ones."""
    written = []
    for chapter in CHAPTERS.values():
        path = synthetic_data_path(chapter.id, root)
        if only_missing and path.exists():
            continue
        written.append(synthetic.write_csv(chapter.generate(), path))
    return written


def load_data(chapter_id: str, data_path: str | Path | None = None) -> pd.DataFrame:
    """Read a chapter's data (default: its synthetic file) and check it against the chapter's schema.

    Raises :class:`helpers.io.InputError` listing every problem; the same check runs before
    ``spinebook run`` executes anything and inside the notebook.
    """
    from helpers import schemas
    from helpers.io import read_table

    path = Path(data_path) if data_path else synthetic_data_path(chapter_id)
    return schemas.validate(read_table(path), schemas.SCHEMAS[chapter_id], source=path)


def resolve_paths(chapter_id: str, data_path: str | Path | None, output_dir: str | Path | None) -> tuple[Path, Path]:
    """The data file and output folder a chapter uses: the given ones, else its synthetic data and a new
    ``runs/<chapter>-<UTC timestamp>-notebook`` folder (for a notebook opened directly in Jupyter)."""
    import datetime as _dt

    data = Path(data_path) if data_path else synthetic_data_path(chapter_id)
    if output_dir:
        return data, Path(output_dir)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return data, project_root() / "runs" / f"{chapter_id}-{stamp}-notebook"
