"""Figures of propensity-score matching: the love plot and the overlap of the scores before and after.

They draw what :func:`helpers.stats.matching.match_on_propensity` and :func:`helpers.stats.balance.balance_table`
return; nothing is estimated here.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.presentation.privacy import active_threshold, count_text

BEFORE_COLOUR, AFTER_COLOUR, WEIGHTED_COLOUR = "#b2182b", "#2166ac", "#1b7837"

TREATED_COLOUR, CONTROL_COLOUR = "#d95f02", "#1f78b4"


def plot_love(balance: pd.DataFrame, *, threshold: float = 0.1, labels: Mapping[str, str] | None = None,
              weighted: pd.DataFrame | None = None, include_distance: bool = False,
              title: str = "Covariate balance before and after matching"):
    """Love plot: absolute standardised mean difference of each covariate before and after matching.

    Parameters
    ----------
    balance : DataFrame
        ``MatchResult.balance``: columns ``covariate``, ``smd_before``, ``smd_after``.
    threshold : float
        Dashed reference line (|SMD| = 0.1 by convention).
    labels : mapping, optional
        Display names of the covariates (``{"mjoa_pre": "Baseline mJOA"}``); others shown as they are.
    weighted : DataFrame, optional
        A :func:`helpers.stats.balance.balance_table` of the weighted sample (columns ``covariate``, ``smd``),
        drawn as a third marker.
    include_distance : bool
        Also draw the propensity score itself (row ``distance``).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = balance if include_distance else balance[balance["covariate"] != "distance"]
    table = table.assign(before=table["smd_before"].abs(), after=table["smd_after"].abs())
    table = table.sort_values("before").reset_index(drop=True)
    names = [dict(labels or {}).get(name, name) for name in table["covariate"]]
    position = np.arange(len(table))
    figure, axes = plt.subplots(figsize=(7.5, 0.5 * len(table) + 1.8))
    for y, low, high in zip(position, np.minimum(table["before"], table["after"]),
                            np.maximum(table["before"], table["after"])):
        axes.plot([low, high], [y, y], color="#bbbbbb", linewidth=1, zorder=1)
    axes.scatter(table["before"], position, s=55, facecolors="white", edgecolors=BEFORE_COLOUR, linewidths=1.8,
                 label="before matching", zorder=3)
    axes.scatter(table["after"], position, s=55, color=AFTER_COLOUR, label="after matching", zorder=4)
    if weighted is not None:
        smd = weighted.set_index("covariate")["smd"].abs()
        axes.scatter(smd.reindex(table["covariate"]).to_numpy(), position, marker="D", s=40, color=WEIGHTED_COLOUR,
                     label="inverse-probability weighted (ATT)", zorder=5)
    axes.axvline(threshold, color="#444444", linestyle="--", linewidth=1)
    axes.text(threshold, len(table) - 0.35, f" |SMD| = {threshold:g}", fontsize=9, color="#444444", va="bottom")
    axes.set_yticks(position, names)
    axes.set_ylim(-0.6, len(table) - 0.1)
    axes.set_xlim(left=0)
    axes.set_xlabel("Absolute standardised mean difference (SD units)")
    axes.set_ylabel("Covariate")
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=9, frameon=True)
    figure.tight_layout()
    return figure


def plot_score_overlap(scores: pd.DataFrame, *, treated_label: str = "treated", control_label: str = "control",
                       bins: int = 20, title: str = "Propensity scores before and after matching"):
    """Mirrored histograms of the propensity score by arm, in all patients and in the matched sample.

    Parameters
    ----------
    scores : DataFrame
        ``MatchResult.scores``: columns ``treated`` (bool), ``propensity`` and ``pair_id`` (<NA> when
        unmatched).
    treated_label, control_label : str
        Names of the arms in the legend.
    bins : int
        Number of bins over [0, 1].
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two stacked panels sharing the axes: treated patients drawn upwards, controls downwards. With
        small-cell suppression on (threshold K), a bin of 1 to K - 1 patients is drawn as a hatched bar
        up to K - 1, labelled "fewer than K patients (masked)", not with its count.
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    threshold = active_threshold()
    treated = scores["treated"].to_numpy(dtype=bool)
    matched = scores["pair_id"].notna().to_numpy()
    samples = [("All patients (before matching)", np.ones(len(scores), dtype=bool)),
               ("Matched patients", matched)]
    counts = [np.histogram(scores.loc[keep & arm, "propensity"], bins=edges)[0]
              for _, keep in samples for arm in (treated, ~treated)]
    height = max(1, max(int(c.max()) for c in counts)) * 1.1
    figure, panels = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True, sharey=True)
    width = edges[1] - edges[0]
    for axes, (name, keep) in zip(panels, samples):
        up = np.histogram(scores.loc[keep & treated, "propensity"], bins=edges)[0]
        down = np.histogram(scores.loc[keep & ~treated, "propensity"], bins=edges)[0]
        small_up, small_down = _small(up, threshold), _small(down, threshold)
        axes.bar(edges[:-1], np.where(small_up, 0, up), width=width, align="edge", color=TREATED_COLOUR,
                 alpha=0.8, edgecolor="white", label=f"{treated_label} (n = {count_text((keep & treated).sum())})")
        axes.bar(edges[:-1], -np.where(small_down, 0, down), width=width, align="edge", color=CONTROL_COLOUR,
                 alpha=0.8, edgecolor="white", label=f"{control_label} (n = {count_text((keep & ~treated).sum())})")
        if small_up.any() or small_down.any():  # bins of 1 to K - 1 patients: a hatched bar up to K - 1
            axes.bar(edges[:-1][small_up], threshold - 1, width=width, align="edge", color="none",
                     edgecolor=TREATED_COLOUR, hatch="///", label=f"fewer than {threshold} patients (masked)")
            axes.bar(edges[:-1][small_down], -(threshold - 1), width=width, align="edge", color="none",
                     edgecolor=CONTROL_COLOUR, hatch="///")
        axes.axhline(0, color="#333333", linewidth=0.8)
        axes.set_xlim(0, 1)
        axes.set_ylim(-height, height)
        axes.set_title(name)
        axes.set_ylabel("Patients per bin (count)")
        axes.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{abs(value):g}"))
        axes.legend(loc="upper left", fontsize=9)
        axes.grid(axis="y", alpha=0.3)
    panels[1].set_xlabel(f"Propensity score (probability of {treated_label}); {control_label} drawn below the line")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def _small(counts: np.ndarray, threshold: int) -> np.ndarray:
    """Bins whose count is masked under small-cell suppression (1 to threshold - 1; none when it is off)."""
    return (counts > 0) & (counts < threshold) if threshold > 1 else np.zeros(len(counts), dtype=bool)


def plot_effect_estimates(table: pd.DataFrame, *, label: str = "analysis", truth: float | None = None,
                          truth_label: str = "true effect (generator parameter)",
                          xlabel: str = "Difference, dynamic minus conventional",
                          title: str = "Estimates under different adjustments"):
    """Forest plot: one estimate with its confidence interval per row of ``table``.

    Parameters
    ----------
    table : DataFrame
        Columns ``label`` (row names), ``estimate``, ``ci_low``, ``ci_high`` (e.g.
        :func:`helpers.chapters.dynamic_mri.analysis.compare_adjustment_methods`), drawn top to bottom in table order;
        a row without an estimate (not estimated for this cohort) is labelled so.
    label : str
        Column holding the row names.
    truth : float, optional
        Draw the known true value (synthetic data only) as a dashed line.
    truth_label : str
        Legend text of that line.
    xlabel, title : str
        Axis label (with units) and title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    position = np.arange(len(table))[::-1]
    figure, axes = plt.subplots(figsize=(8, 0.6 * len(table) + 1.8))
    estimate = table["estimate"].to_numpy(dtype=float)
    low, high = table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float)
    axes.errorbar(estimate, position, xerr=[estimate - low, high - estimate], fmt="o", color=AFTER_COLOUR,
                  ecolor=AFTER_COLOUR, capsize=4, markersize=7, label="estimate and confidence interval")
    axes.axvline(0, color="#444444", linewidth=1)
    if truth is not None:
        axes.axvline(truth, color=WEIGHTED_COLOUR, linestyle="--", linewidth=1.5, label=truth_label)
    for y, value, a, b in zip(position, estimate, low, high):
        if not np.isfinite(value):  # an analysis this cohort could not support: say so on its row
            axes.text(0, y, "  not estimated for this cohort", fontsize=9, va="center", ha="left", color="#333333")
            continue
        axes.text(b, y + 0.18, f"  {value:.1f} ({a:.1f} to {b:.1f})", fontsize=9, va="bottom", ha="right",
                  color="#333333")
    axes.set_yticks(position, table[label].astype(str))
    axes.set_ylim(-0.7, len(table) - 0.3)
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9, frameon=False)
    figure.tight_layout()
    return figure
