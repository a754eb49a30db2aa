"""Missing-value codes: declared ones applied before validation, undeclared ones detected for the error message.

Exports code "not recorded" as ``.``, ``NA``, ``-99`` or ``999``. The mapping file declares them::

    missing: [".", "NA", -99, 999]            # every column
    missing: {age: [999], default: ["."]}     # per column; default applies to every column as well

Codes are matched as numbers when both the code and the cell read as numbers (``-99`` matches ``-99``,
``-99.0`` and, in a file with decimal commas, ``-99,0``), otherwise as text ignoring case and surrounding
spaces. In a column whose value labels were applied (SPSS, Stata, REDCap), a code also matches its label.

A code left undeclared is caught by :func:`undeclared_sentinels`: a value of :data:`SENTINELS` that occurs at
least :data:`SENTINEL_MIN_COUNT` times in a numeric column and lies outside the column's allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from helpers.validation.checks import lines_label
from helpers.validation.errors import InputError

SENTINELS = (-99, -999, 99, 999, 9999, 88, 888)
"""Numbers that exports commonly use for "not recorded"."""

SENTINEL_MIN_COUNT = 3
"""How often a sentinel must occur in a column before it is named in the error message."""

DEFAULT = "default"
"""Key of a per-column ``missing:`` mapping whose codes apply to every column."""


def normalise_missing(spec: Any, *, source: Any = "mapping") -> dict[str, list]:
    """``missing:`` as ``{column or "default": [codes]}`` (a list alone means every column)."""
    if spec is None:
        return {}
    if isinstance(spec, (list, tuple)):
        spec = {DEFAULT: list(spec)}
    elif not isinstance(spec, Mapping):
        spec = {DEFAULT: [spec]}
    normalised = {}
    for column, codes in spec.items():
        codes = list(codes) if isinstance(codes, (list, tuple)) else [codes]
        if any(isinstance(code, (Mapping, list, tuple)) or code is None for code in codes):
            raise InputError(f"{source}: 'missing' lists codes such as '.', 'NA', -99, 999, either for every column "
                             "(missing: ['.', -99]) or per column (missing: {age: [999], default: ['.']}).")
        normalised[str(column)] = codes
    return normalised


def _as_number(value: Any, decimal: str = ".") -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if pd.isna(value) else float(value)
    text = str(value).strip()
    if decimal == ",":
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def numbers_of(values: pd.Series, decimal: str = ".") -> pd.Series:
    """The cells of ``values`` read as numbers (NaN where a cell is not a number); text with a decimal comma is
    read when ``decimal`` is ``','``."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.Series(np.nan, index=values.index)
    return values.map(lambda value: _as_number(value, decimal)).astype(float)


def _matcher(code: Any, decimal: str) -> Callable[[pd.Series, pd.Series], pd.Series]:
    number = _as_number(code)
    text = str(code).strip().lower()

    def matches(values: pd.Series, numbers: pd.Series) -> pd.Series:
        found = pd.Series(False, index=values.index)
        if number is not None:
            found |= numbers.eq(number)
        if not pd.api.types.is_numeric_dtype(values):
            found |= values.map(lambda v: isinstance(v, str) and v.strip().lower() == text)
        return found.fillna(False).astype(bool)

    return matches


@dataclass(frozen=True)
class MissingApplied:
    """The frame with declared codes blanked, and what was blanked: ``{column: {code: cells}}``."""

    frame: pd.DataFrame
    applied: Mapping[str, Mapping[str, int]]


def apply_missing_codes(frame: pd.DataFrame, spec: Mapping[str, list] | None, *, decimal: str = ".",
                        labels: Mapping[str, Mapping[Any, str]] | None = None) -> MissingApplied:
    """Blank the cells holding a declared missing-value code (a copy; the input is not modified).

    A column whose cells were blanked and whose other cells are all numbers becomes numeric (a ``.`` in a column
    had made the whole column text).

    >>> frame = pd.DataFrame({"age": [61, 999, 70], "sex": ["male", ".", "female"]})
    >>> done = apply_missing_codes(frame, {"age": [999], "default": ["."]})
    >>> done.frame["age"].tolist()[1], done.frame["sex"].tolist()[1], dict(done.applied)
    (nan, nan, {'age': {'999': 1}, 'sex': {'.': 1}})
    """
    frame = frame.copy()
    spec = dict(spec or {})
    labels = labels or {}
    applied: dict[str, dict[str, int]] = {}
    for column in frame.columns:
        codes = [*spec.get(DEFAULT, []), *spec.get(str(column), [])]
        if not codes:
            continue
        values = frame[column]
        numbers = numbers_of(values, decimal)
        blank = pd.Series(False, index=values.index)
        for code in codes:
            found = _matcher(code, decimal)(values, numbers)
            label = _label_of(code, labels.get(str(column), {}))
            if label is not None:
                found |= _matcher(label, decimal)(values, numbers)
            found &= values.notna()
            if found.any():
                applied.setdefault(str(column), {})[str(code)] = int(found.sum())
                blank |= found
        if blank.any():
            kept = values.mask(blank)
            if kept.dtype == object:
                as_numbers = numbers_of(kept, decimal)
                if as_numbers.notna().sum() == kept.notna().sum() and kept.notna().any():
                    kept = as_numbers
            frame[column] = kept
    return MissingApplied(frame, applied)


def _label_of(code: Any, labels: Mapping[Any, str]) -> str | None:
    number = _as_number(code)
    for key, label in labels.items():
        if key == code or (number is not None and _as_number(key) == number) or str(key) == str(code):
            return label
    return None


@dataclass(frozen=True)
class Sentinel:
    """A likely undeclared missing-value code: ``value`` in ``column`` on ``rows`` (0-based positions)."""

    column: str
    value: float
    rows: tuple[int, ...]

    def hint(self) -> str:
        shown = int(self.value) if float(self.value).is_integer() else self.value
        return (f"column '{self.column}' holds {shown} on {len(self.rows)} rows ({lines_label(self.rows)}), outside "
                f"its allowed values: {shown} looks like a missing-value code. If it means 'not recorded', add to "
                f"the mapping file (--columns):  missing: {{{self.column}: [{shown}]}}")


def undeclared_sentinels(frame: pd.DataFrame, allowed: Mapping[str, Callable[[float], bool]]) -> list[Sentinel]:
    """Values of :data:`SENTINELS` occurring at least :data:`SENTINEL_MIN_COUNT` times in a column of ``allowed``
    (column -> a test of whether a number is allowed there) and not allowed there.

    >>> frame = pd.DataFrame({"age": [61, 999, 999, 999, 70]})
    >>> [(s.column, s.value, s.rows) for s in undeclared_sentinels(frame, {"age": lambda x: 18 <= x <= 110})]
    [('age', 999.0, (1, 2, 3))]
    """
    found = []
    for column, is_allowed in allowed.items():
        if column not in frame.columns:
            continue
        numbers = numbers_of(frame[column]).reset_index(drop=True)
        for value in SENTINELS:
            rows = tuple(int(i) for i in np.flatnonzero(numbers.eq(value).to_numpy()))
            if len(rows) >= SENTINEL_MIN_COUNT and not is_allowed(float(value)):
                found.append(Sentinel(str(column), float(value), rows))
    return found
