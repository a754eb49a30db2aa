"""Forest plot of a meta-analysis: site estimates with their intervals and weights, the pooled diamonds and
the prediction interval. Computes nothing: the numbers come from :mod:`helpers.stats.meta_analysis`."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

SITE_COLOR, POOLED_COLOR, PREDICTION_COLOR = "#1f5fa8", "#c0392b", "#2e7d32"


def plot_meta_forest(sites: pd.DataFrame, pooled: Sequence[dict], *, title: str, xlabel: str,
                     exponentiate: bool = False, null_value: float = 0.0):
    """Forest plot: one row per site (square sized by weight, horizontal CI, weight in % on the right), one
    diamond per pooled estimate, and the prediction interval of the last pooled row as a bar under it.

    Parameters
    ----------
    sites : DataFrame
        Columns ``site``, ``estimate``, ``ci_low``, ``ci_high``, ``weight`` (percent, of the last pooled row),
        on the analysis scale.
    pooled : sequence of dict
        Each with ``label``, ``estimate``, ``ci_low``, ``ci_high`` and optionally ``pi_low``, ``pi_high``.
    exponentiate : bool
        Show exp() of the analysis scale on a log axis (ratios).
    null_value : float
        The no-effect line on the analysis scale (0 for log ratios and differences).
    """
    transform = np.exp if exponentiate else (lambda x: x)
    n_rows = len(sites) + 2 * len(pooled) + 1
    figure, axis = plt.subplots(figsize=(8.5, 1.2 + 0.32 * n_rows))
    y = n_rows
    labels, ticks = [], []
    maximum_weight = max(float(np.nanmax(sites["weight"])) if len(sites) else 1.0, 1e-9)
    for row in sites.itertuples(index=False):
        y -= 1
        axis.plot([transform(row.ci_low), transform(row.ci_high)], [y, y], color=SITE_COLOR, lw=1.2)
        axis.plot(transform(row.estimate), y, "s", color=SITE_COLOR,
                  markersize=4 + 8 * np.sqrt(max(row.weight, 0) / maximum_weight))
        labels.append(f"{row.site}  ({row.weight:.1f}%)")
        ticks.append(y)
    y -= 1
    for item in pooled:
        y -= 1
        centre, low, high = (transform(item[name]) for name in ("estimate", "ci_low", "ci_high"))
        axis.fill([low, centre, high, centre], [y, y + 0.3, y, y - 0.3], color=POOLED_COLOR, alpha=0.85)
        labels.append(item["label"])
        ticks.append(y)
        if item.get("pi_low") is not None and np.isfinite(item["pi_low"]):
            y -= 1
            axis.plot([transform(item["pi_low"]), transform(item["pi_high"])], [y, y], color=PREDICTION_COLOR,
                      lw=3, alpha=0.7)
            labels.append("  prediction interval")
            ticks.append(y)
    axis.axvline(transform(null_value), color="grey", lw=0.8, ls="--")
    if exponentiate:
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

        axis.set_xscale("log")
        low, high = axis.get_xlim()
        ratios = [value for value in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if low <= value <= high]
        axis.xaxis.set_major_locator(FixedLocator(ratios))
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.xaxis.set_minor_formatter(NullFormatter())
    axis.set_yticks(ticks, labels)
    axis.set_ylim(y - 0.8, n_rows - 0.2)
    axis.set_xlabel(xlabel)
    axis.set_title(title)
    axis.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure
