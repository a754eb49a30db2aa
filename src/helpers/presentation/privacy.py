"""Small-cell suppression for pages and results run on a user's data (``--suppress-small-cells K``).

Counts from 1 to K - 1 can identify patients in a small cohort. With suppression on, every table a chapter
displays passes through :func:`suppress_small_cells` (registered once as an IPython display formatter by
:func:`enable_small_cell_suppression`), and ``results.csv`` through :func:`suppress_small_results`. Zero
is not masked: an empty cell identifies nobody.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

COUNT_COLUMN = re.compile(
    r"^(n|count|counts|events?|n_\w+|\w+_n|\w*count\w*|\w*events?|observed|true_positive|false_positive|"
    r"true_negative|false_negative|numerator|denominator|n_at_risk|patients|pairs)$", re.I)
"""Column names treated as counts (integers in these columns are masked)."""

COUNT_WITH_PERCENT = re.compile(r"^\s*(\d+)\s*\(")
"""Cells such as ``"3 (4.2)"`` (count and percentage, as tableone prints them)."""


def _masked(value: object, threshold: int) -> object:
    label = f"<{threshold}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return label if 0 < value < threshold else value
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return label if 0 < value < threshold else value
    if isinstance(value, str):
        match = COUNT_WITH_PERCENT.match(value)
        if match and 0 < int(match.group(1)) < threshold:
            return f"{label} (suppressed)"
    return value


def suppress_with_totals(grid: pd.DataFrame, threshold: int, total: str = "Total") -> pd.DataFrame:
    """A count table with a ``total`` row and column, with its small cells masked so that none can be
    worked out from the others (complementary suppression).

    Cells from 1 to ``threshold - 1`` read ``"<threshold"``. Then, as long as a row or a column (its
    total included) has exactly one masked entry, which its other entries would give away by
    subtraction, its smallest visible entry is masked too and reads ``"suppressed"`` (a cell masked only
    to protect another). The grand total stays. Returns an object-dtype copy; the input is not modified.

    >>> grid = pd.DataFrame([[9, 6, 15], [1, 27, 28], [10, 33, 43]], index=["pos", "neg", "Total"],
    ...                     columns=["present", "absent", "Total"])
    >>> suppress_with_totals(grid, 5)
              present      absent Total
    pos    suppressed  suppressed    15
    neg            <5  suppressed    28
    Total          10          33    43
    """
    values = grid.to_numpy(dtype=float)
    masked = (values > 0) & (values < threshold)
    masked[-1, -1] = False                              # the grand total is the cohort's size
    small = masked.copy()
    if masked.any():
        while True:
            changed = False
            for lines in (masked, masked.T):            # rows, then columns (a view: writes go to masked)
                source = values if lines is masked else values.T
                for i in range(lines.shape[0]):
                    if lines[i].sum() == 1:
                        visible = [j for j in range(lines.shape[1]) if not lines[i, j]
                                   and not (lines is masked and (i, j) == (lines.shape[0] - 1, lines.shape[1] - 1))
                                   and not (lines is not masked and (j, i) == (values.shape[0] - 1, values.shape[1] - 1))]
                        if visible:
                            j = min(visible, key=lambda k: source[i, k])
                            lines[i, j] = True
                            changed = True
            if not changed:
                break
    shown = grid.astype(object).copy()
    for i, j in zip(*np.nonzero(masked)):
        shown.iat[i, j] = f"<{threshold}" if small[i, j] else "suppressed"
    return shown


def suppress_small_cells(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A copy of ``frame`` in which counts from 1 to ``threshold - 1`` read ``"<threshold"``.

    Counts are integers in count-like columns (:data:`COUNT_COLUMN`) and ``"n (%)"`` strings in any column.
    ``threshold`` 0 or 1 returns an unchanged copy.
    """
    masked = frame.copy()
    if threshold is None or threshold <= 1:
        return masked
    if {"estimate", "method", "n"} <= set(masked.columns):  # a tidy results table: counts sit in 'estimate'
        for column in ("ci_low", "ci_high", "p_value"):
            if column not in masked.columns:
                masked[column] = np.nan
        masked = suppress_small_results(masked, threshold)
        hidden = masked["method"].astype(str).str.contains("(suppressed", regex=False)
        masked["estimate"] = masked["estimate"].astype(object)
        masked.loc[hidden, "estimate"] = f"suppressed (<{threshold})"
        masked = masked[list(frame.columns)]
    for column in masked.columns:
        series = masked[column]
        count_like = bool(COUNT_COLUMN.match(str(column)))
        if count_like or series.dtype == object:
            values = [_masked(value, threshold) if (count_like or isinstance(value, str)) else value
                      for value in series]
            if any(a is not b for a, b in zip(values, series)):
                masked[column] = pd.Series(values, index=series.index, dtype=object)
    return masked


def suppress_small_results(results: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """``results.csv`` with small cells masked: count rows (``method == "count"``) with estimate from 1 to
    ``threshold - 1``, and every row whose ``n`` is below ``threshold``, lose estimate, interval and n."""
    masked = results.copy()
    if threshold is None or threshold <= 1:
        return masked
    masked[["estimate", "ci_low", "ci_high", "p_value"]] = masked[["estimate", "ci_low", "ci_high", "p_value"]].astype(float)
    estimate = pd.to_numeric(masked["estimate"], errors="coerce")
    n = pd.to_numeric(masked["n"], errors="coerce")
    small_count = masked["method"].astype(str).eq("count") & estimate.between(1, threshold - 1)
    small_n = n.between(1, threshold - 1)
    rows = small_count | small_n
    masked.loc[rows, ["estimate", "ci_low", "ci_high", "p_value"]] = np.nan
    masked["n"] = masked["n"].astype("Int64")
    masked.loc[rows, "n"] = pd.NA
    masked.loc[rows, "method"] = masked.loc[rows, "method"].astype(str) + f" (suppressed: count or n below {threshold})"
    return masked


ACTIVE = {"threshold": 0}
"""The threshold of the small-cell suppression switched on in this process (0: off)."""


def active_threshold() -> int:
    """The threshold K of the suppression switched on by :func:`enable_small_cell_suppression` (0: off); the
    table and figure helpers read it to mask counts from 1 to K - 1 themselves."""
    return int(ACTIVE["threshold"] or 0)


def mask_count(value: object, threshold: int | None = None) -> object:
    """``value`` or ``"<K"`` when it is a count from 1 to K - 1 (K: ``threshold`` or the active one)."""
    threshold = active_threshold() if threshold is None else threshold
    if not threshold or threshold <= 1:
        return value
    return _masked(value, threshold)


def count_text(value: object, threshold: int | None = None) -> str:
    """A count as a figure prints it: ``"12"``, or ``"<K"`` for 1 to K - 1 when suppression is on.

    >>> count_text(3, 5), count_text(12, 5), count_text(0, 5), count_text(3, 0)
    ('<5', '12', '0', '3')
    """
    masked = mask_count(value, threshold)
    return masked if isinstance(masked, str) else f"{int(masked)}"


def enable_small_cell_suppression(threshold: int) -> bool:
    """Mask small cells in every DataFrame or Styler the notebook displays from now on.

    Returns whether suppression is on (``threshold`` > 1 and running inside IPython).
    """
    if threshold is None or threshold <= 1:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    ACTIVE["threshold"] = int(threshold)
    from pandas.io.formats.style import Styler

    html = shell.display_formatter.formatters["text/html"]
    plain = shell.display_formatter.formatters["text/plain"]

    html.for_type(pd.DataFrame, lambda frame: suppress_small_cells(frame, threshold).to_html())
    html.for_type(Styler, lambda styler: styler_to_html(styler, threshold))
    plain.for_type(pd.DataFrame, lambda frame, printer, cycle: printer.text(
        suppress_small_cells(frame, threshold).to_string()))
    return True


def styler_to_html(styler, threshold: int) -> str:
    """HTML of a pandas Styler's data with small cells masked (the chapter's number formats are replaced by
    four significant digits: masked cells hold text). A Styler from ``helpers.presentation.tables.show`` is
    already masked and formatted: it is rendered as it is."""
    if getattr(styler, "small_cells_masked", False):
        return styler.to_html()
    masked = suppress_small_cells(styler.data, threshold)
    restyled = masked.style.format(lambda value: value if isinstance(value, str) else _plain(value), escape="html")
    if getattr(styler, "hide_index_", False) and any(styler.hide_index_ if isinstance(styler.hide_index_, list)
                                                     else [styler.hide_index_]):
        restyled = restyled.hide(axis="index")
    return restyled.to_html()


def _plain(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if not np.isfinite(value) else f"{value:.4g}"
    return str(value)
