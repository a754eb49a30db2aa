"""Validation of a frame against a chapter's schema, reporting every problem at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from helpers.io import InputError

BINARY = pa.Check.isin([0, 1], error="0 or 1")
"""Check for 0/1 event and indicator columns."""


def _describe_check(check: str) -> str | None:
    """Plain words for a pandera check name (None: a duplicate of another message)."""
    if check.startswith("coerce_dtype("):
        kind = check[len("coerce_dtype("):].strip("')")
        return {"int64": "a whole number", "float64": "a number", "object": "text", "str": "text"}.get(kind, kind)
    if check.startswith("dtype("):
        return None
    return {"not_nullable": "a value (blank cells are not allowed here)",
            "field_uniqueness": "unique values (each patient once)",
            "column_in_dataframe": "this column"}.get(check, check)


def _rows_label(frame: pd.DataFrame, index: list) -> str:
    """Describe offending rows by their line number in the file (header = line 1)."""
    lines = [str(int(i) + 2) for i in index[:5] if isinstance(i, (int, float)) and pd.notna(i)]
    more = f" and {len(index) - 5} more" if len(index) > 5 else ""
    if not lines:
        return "the whole column"
    return ("line " if len(lines) == 1 and not more else "lines ") + ", ".join(lines) + more


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, *, source: str | Path = "data") -> pd.DataFrame:
    """Check ``frame`` against ``schema`` and return the coerced copy.

    Raises
    ------
    InputError
        Listing every problem (column, first offending lines, what was expected and found).
    """
    missing = [name for name, column in schema.columns.items() if column.required and name not in frame.columns]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)}. Found columns: "
                         f"{', '.join(map(str, frame.columns))}. Rename your columns or map them onto these names.")
    try:
        return schema.validate(frame.copy(), lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        problems = []
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
            expected = _describe_check(str(check))
            if expected is None:
                continue
            found = ", ".join(map(repr, group["failure_case"].drop_duplicates().head(5).tolist()))
            rows = _rows_label(frame, group["index"].dropna().tolist())
            problems.append(f"  - column '{column}', {rows}: expected {expected}; found {found}")
        problems = sorted(set(problems))
        raise InputError(f"{source}: {len(problems)} problem(s) with the data:\n" + "\n".join(problems)) from None
