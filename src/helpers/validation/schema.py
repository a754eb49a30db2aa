"""Validation of a frame against a chapter's schema, reporting every problem at once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pandas as pd
import pandera.pandas as pa

from helpers.validation.checks import lines_label
from helpers.validation.errors import InputError
from helpers.validation.missing import undeclared_sentinels

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


def _hint(check: str) -> str:
    """How to fix one kind of problem."""
    if check.startswith("coerce_dtype("):
        return "numbers only; recode words such as yes/no with a 'values' mapping (--columns)"
    if check == "not_nullable":
        return "fill the cell, or leave the patient out of a copy of the file"
    if check == "field_uniqueness":
        return "each patient once; long-format chapters use one row per patient and visit"
    if check.startswith("isin") or "one of" in check or " or " in check:
        return "recode your codes with a 'values' mapping (--columns; spinebook template writes one)"
    if "one row per patient" in check or "identical on every row" in check or "pre-operative row" in check:
        return "long format: one row per patient and visit, patient-level values repeated unchanged on each row"
    if any(word in check for word in ("range", "greater", "less", "from", ">=", "<=")) or re.search(r"\d\s*-\s*\d", check):
        return "check the unit (for example percent, not a fraction) and the value"
    return "see the data dictionary for what this column holds"


def _rows_label(frame: pd.DataFrame, index: list) -> str:
    """Describe offending rows by their line number in the file (header = line 1), first lines first."""
    return lines_label(sorted(i for i in index if isinstance(i, (int, float)) and pd.notna(i)))


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
        # a range check on a column that also failed conversion only repeats the conversion error
        noise = cases["failure_case"].astype(str).str.startswith("TypeError(")
        cases = cases.loc[~noise]
        problems = []
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
            expected = _describe_check(str(check))
            if expected is None:
                continue
            if pd.isna(column) or column == schema.name:  # a check on the table as a whole
                problems.append(f"  - the table as a whole: expected {expected}")
                continue
            found = ", ".join(map(repr, group["failure_case"].drop_duplicates().head(5).tolist()))
            rows = _rows_label(frame, group["index"].dropna().tolist())
            where = f"column '{column}'" if column in frame.columns else "rows of several columns"
            problems.append(f"  - {where}, {rows}: expected {expected}; found {found} (fix: {_hint(str(check))})")
        problems = sorted(set(problems))
        hints = [f"  hint: {sentinel.hint()}" for sentinel in undeclared_sentinels(frame, allowed_numbers(schema))]
        raise InputError(f"{source}: {len(problems)} problem(s) with the data:\n" + "\n".join(problems + hints)
                         ) from None


def _allows(check: pa.Check, value: float) -> bool:
    statistics = getattr(check, "statistics", None) or {}
    name = getattr(check, "name", "") or ""
    low, high = statistics.get("min_value"), statistics.get("max_value")
    if name == "in_range":
        above = value >= low if statistics.get("include_min", True) else value > low
        below = value <= high if statistics.get("include_max", True) else value < high
        return above and below
    if name == "greater_than_or_equal_to":
        return value >= low
    if name == "greater_than":
        return value > low
    if name == "less_than_or_equal_to":
        return value <= high
    if name == "less_than":
        return value < high
    if "allowed_values" in statistics:
        return any(str(value) == str(allowed) or _same_number(value, allowed) for allowed in statistics["allowed_values"])
    return True


def _same_number(value: float, allowed: object) -> bool:
    try:
        return float(allowed) == value  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def allowed_numbers(schema: pa.DataFrameSchema) -> dict[str, Callable[[float], bool]]:
    """For each column of ``schema`` with a range or a set of allowed values: a test of whether a number is
    allowed there (used to tell a missing-value code such as 999 from a value)."""
    tests = {}
    for name, column in schema.columns.items():
        checks = [check for check in column.checks
                  if getattr(check, "name", "") in ("in_range", "greater_than_or_equal_to", "greater_than",
                                                    "less_than_or_equal_to", "less_than")
                  or "allowed_values" in (getattr(check, "statistics", None) or {})]
        if checks:
            tests[name] = lambda value, checks=checks: all(_allows(check, value) for check in checks)
    return tests


def _describe_rule(check: pa.Check) -> str:
    statistics = getattr(check, "statistics", None) or {}
    name = getattr(check, "name", "") or ""
    if "allowed_values" in statistics:
        return "one of " + ", ".join(map(str, statistics["allowed_values"]))
    if name == "in_range":
        return f"{statistics.get('min_value')} to {statistics.get('max_value')}"
    if name == "greater_than_or_equal_to":
        return f">= {statistics.get('min_value')}"
    if name == "greater_than":
        return f"> {statistics.get('min_value')}"
    if name == "less_than_or_equal_to":
        return f"<= {statistics.get('max_value')}"
    if name == "less_than":
        return f"< {statistics.get('max_value')}"
    return getattr(check, "error", None) or name


def describe_schema(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """One row per column: ``column``, ``type``, ``required``, ``missing_allowed``, ``allowed``,
    ``unique`` and ``description`` (units are part of the description)."""
    rows = []
    for name, column in schema.columns.items():
        rows.append({
            "column": name,
            "type": str(column.dtype) if column.dtype is not None else "any",
            "required": "yes" if column.required else "optional",
            "missing_allowed": "yes" if column.nullable else "no",
            "allowed": "; ".join(_describe_rule(check) for check in column.checks) or "",
            "unique": "yes" if column.unique else "",
            "description": column.description or "",
        })
    return pd.DataFrame(rows)
