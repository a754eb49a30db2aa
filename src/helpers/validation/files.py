"""Reading the user's table (any format of :mod:`helpers.validation.readers`) and writing the synthetic tables byte for
byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from helpers.validation.readers import TABLE_SUFFIXES, read_export  # noqa: F401 - TABLE_SUFFIXES re-exported


def sha256_of(path: str | Path) -> str:
    """Return the hexadecimal SHA-256 of a file's bytes (read in blocks; the file is not changed)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_table(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV, TSV, Excel, SPSS, Stata or Parquet file into a DataFrame (see
    :func:`helpers.validation.readers.read_export`, which also reports what it detected).

    Raises
    ------
    InputError
        When the file is missing, empty, of an unknown type, not text in a known encoding or not a table.
    """
    return read_export(path, sheet=sheet).frame


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a synthetic table as UTF-8 CSV with fixed formatting (same frame, same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6f")
    return path
