"""Shared pieces of the synthetic-data generators: the book's seed, Generators, byte-stable CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SEED = 20261121


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed, a Generator (returned as is) or None (the book's seed)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(DEFAULT_SEED if rng is None else rng)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a synthetic table as UTF-8 CSV with fixed formatting (same frame, same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6f")
    return path
