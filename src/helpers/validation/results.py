"""The tidy results table every chapter writes (``results.csv``), and turning a helper's table into its rows."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import pandas as pd


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
        Columns :data:`helpers.validation.results.RESULT_COLUMNS`, one row per row of ``table``.

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


RESULT_COLUMNS = ["quantity", "group", "estimate", "ci_low", "ci_high", "p_value", "method", "n"]
"""Columns of every chapter's ``results.csv``, in order."""


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
