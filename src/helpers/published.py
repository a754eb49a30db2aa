"""A chapter's tidy results, and its published numbers beside them ("published vs reproduced").

:func:`as_results` turns a helper's output table into rows of ``results.csv``
(:data:`helpers.io.RESULT_COLUMNS`). A chapter keeps its paper's numbers in one place (a tuple of :class:`PublishedValue`, e.g.
``helpers.synthetic.dti_ivim.PUBLISHED``); :func:`compare_with_published` looks each one up in the
chapter's tidy results (``quantity``, ``group``, ``estimate``) and says whether it lies within the stated
tolerance. The chapter's page and its test call the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from helpers.io import RESULT_COLUMNS, InputError, results_frame

TOLERANCE_KINDS = ("absolute", "relative")


def as_results(table: pd.DataFrame, *, quantity: str | None = None, group: str | None = None,
               columns: Mapping[str, str] | None = None, method: str | None = None) -> pd.DataFrame:
    """Rows of a helper's output table as tidy results (the columns of ``results.csv``).

    Parameters
    ----------
    table : DataFrame
        A helper's output, one row per result; not modified.
    quantity, group, method : str, optional
        A constant for every row (e.g. ``quantity="auc"``); overrides ``columns``.
    columns : mapping, optional
        Result column -> column of ``table`` (e.g. ``{"group": "predictor"}``). Result columns not
        mapped are taken from ``table`` when it has a column of that name, else left empty.

    Returns
    -------
    DataFrame
        Columns :data:`helpers.io.RESULT_COLUMNS`, one row per row of ``table``.

    Examples
    --------
    >>> auc = pd.DataFrame({"predictor": ["fa"], "estimate": [0.86], "ci_low": [0.79], "ci_high": [0.93],
    ...                     "n": [105], "method": ["DeLong"]})
    >>> as_results(auc, quantity="auc", columns={"group": "predictor"})
      quantity group  estimate  ci_low  ci_high  p_value  method    n
    0      auc    fa      0.86    0.79     0.93      NaN  DeLong  105
    """
    columns = dict(columns or {})
    unknown = set(columns) - set(RESULT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown result columns {sorted(unknown)}; allowed: {RESULT_COLUMNS}")
    absent = sorted(source for source in columns.values() if source not in table.columns)
    if absent:
        raise ValueError(f"columns {absent} are not in the table (it has {list(table.columns)}).")
    constants = {"quantity": quantity, "group": group, "method": method}
    rows = []
    for _, row in table.iterrows():
        record = {}
        for name in RESULT_COLUMNS:
            if constants.get(name) is not None:
                record[name] = constants[name]
            elif name in columns:
                record[name] = row[columns[name]]
            elif name in table.columns:
                record[name] = row[name]
        rows.append(record)
    return results_frame(rows)


@dataclass(frozen=True)
class PublishedValue:
    """One number as the paper reports it.

    ``quantity`` and ``group`` name the matching row of the chapter's results; ``tolerance`` (with
    ``kind`` "absolute" or "relative") is how close the chapter must come, None for a number shown but
    not held to a tolerance; ``label`` is the row's name on the page.
    """

    quantity: str
    group: str
    value: float
    label: str
    tolerance: float | None = None
    kind: str = "absolute"

    def __post_init__(self) -> None:
        if self.kind not in TOLERANCE_KINDS:
            raise ValueError(f"kind={self.kind!r}: use one of {TOLERANCE_KINDS}.")


def compare_with_published(results: pd.DataFrame, published: Iterable[PublishedValue]) -> pd.DataFrame:
    """Each published number beside the reproduced one, the difference and whether it is within tolerance.

    Parameters
    ----------
    results : DataFrame
        Tidy results with columns ``quantity``, ``group`` and ``estimate`` (e.g. a chapter's
        ``results.csv``); each published (quantity, group) must occur exactly once.
    published : iterable of PublishedValue

    Returns
    -------
    DataFrame
        One row per published value: ``label, quantity, group, published, reproduced, difference``
        (reproduced - published), ``relative_difference`` (difference / |published|), ``tolerance``
        (text, e.g. "+/- 0.03" or "+/- 2%"; empty when none is set), ``within_tolerance`` (bool, or
        NA when no tolerance is set).

    Raises
    ------
    InputError
        When a published (quantity, group) is missing from the results or occurs more than once.

    Examples
    --------
    >>> results = pd.DataFrame({"quantity": ["auc"], "group": ["fa"], "estimate": [0.874]})
    >>> table = compare_with_published(results, [PublishedValue("auc", "fa", 0.86, "AUC of FA", 0.03)])
    >>> table[["published", "reproduced", "tolerance", "within_tolerance"]].round(3)
       published  reproduced tolerance  within_tolerance
    0       0.86       0.874  +/- 0.03              True
    """
    missing = {"quantity", "group", "estimate"} - set(results.columns)
    if missing:
        raise InputError(f"results lack column(s) {sorted(missing)}; pass the chapter's tidy results table.")
    rows = []
    for item in published:
        match = results[(results["quantity"] == item.quantity) & (results["group"].astype(str) == item.group)]
        if len(match) != 1:
            found = "no row" if match.empty else f"{len(match)} rows"
            raise InputError(f"published value '{item.label}': {found} with quantity '{item.quantity}' and group "
                             f"'{item.group}' in the results; add exactly one.")
        reproduced = float(match["estimate"].iloc[0])
        difference = reproduced - item.value
        if item.tolerance is None:
            text, within = "", pd.NA
        elif item.kind == "relative":
            text = f"+/- {item.tolerance:.0%}"
            within = bool(abs(difference) <= item.tolerance * abs(item.value) + 1e-12)
        else:
            text = f"+/- {item.tolerance:g}"
            within = bool(abs(difference) <= item.tolerance + 1e-12)
        rows.append({"label": item.label, "quantity": item.quantity, "group": item.group, "published": item.value,
                     "reproduced": reproduced, "difference": difference,
                     "relative_difference": difference / abs(item.value) if item.value else np.nan,
                     "tolerance": text, "within_tolerance": within})
    table = pd.DataFrame(rows)
    table["within_tolerance"] = table["within_tolerance"].astype("boolean")
    return table
