"""Figures of repeated measures: odds ratios by visit, model-estimated trajectories, spaghetti plots."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.validation.checks import DEFAULT_SEED, as_rng

GROUP_COLOURS = {"non-severe": "#1b6ca8", "severe": "#c0392b"}
"""Colour per IMF group (colour-blind safe blue and red, also told apart by line style and marker)."""

GROUP_STYLE = {"non-severe": {"linestyle": "-", "marker": "o"}, "severe": {"linestyle": "--", "marker": "s"}}


def _visit_axis(axes, visits: Sequence[float],
                label: str = "Time since surgery (months; 0 = before surgery)") -> None:
    axes.set_xticks(list(visits))
    axes.set_xticklabels([f"{v:g}" for v in visits])
    axes.set_xlabel(label)


def plot_odds_ratio_forest(table: pd.DataFrame, *, published_range: tuple[float, float] | None = None,
                           title: str = "Odds ratios of non-severe vs severe IMF, per muscle and visit"):
    """Forest plot of odds ratios with 95 % CIs: one panel per outcome (stacked), rows = muscle x visit.

    ``table``: :func:`helpers.chapters.paraspinal_imf.analysis.odds_ratio_table` (muscle, label, outcome, visit, model,
    estimate, ci_low, ci_high). Adjusted odds ratios are filled markers, unadjusted open ones; the
    published range is shaded when given. Log scale; 1 = no association. Returns the Figure.
    """
    outcomes = list(dict.fromkeys(table["outcome"]))
    rows = table[["muscle", "label", "visit"]].drop_duplicates().reset_index(drop=True)
    position = {(r.muscle, r.visit): len(rows) - i for i, r in enumerate(rows.itertuples())}
    figure, panels = plt.subplots(len(outcomes), 1, figsize=(8.5, (0.26 * len(rows) + 1.3) * len(outcomes) + 0.8),
                                  sharex=True, squeeze=False)
    panels = panels.T
    finite = table[np.isfinite(table["ci_low"]) & np.isfinite(table["ci_high"])]
    low = max(min(finite["ci_low"].min(), 0.5) * 0.8, 0.02)
    high = min(max(finite["ci_high"].max(), 10.0) * 1.25, 200.0)
    for axes, outcome in zip(panels[0], outcomes):
        part = table[table["outcome"] == outcome]
        if published_range is not None:
            axes.axvspan(*published_range, color="#f3d9a4", alpha=0.6, zorder=0)
        axes.axvline(1.0, color="black", linewidth=1)
        for model, offset, face in (("adjusted", 0.15, None), ("unadjusted", -0.15, "white")):
            for row in part[part["model"] == model].itertuples():
                y = position[(row.muscle, row.visit)] + offset
                colour = "#1b6ca8" if row.muscle.startswith("multifidus") else "#6c6c6c"
                axes.plot([max(row.ci_low, low), min(row.ci_high, high)], [y, y], color=colour, linewidth=1.6)
                axes.plot(min(max(row.estimate, low), high), y, marker="o" if model == "adjusted" else "D",
                          markersize=6, color=colour, markerfacecolor=face or colour)
        axes.set_xscale("log")
        axes.set_xlim(low, high)
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low <= t <= high]
        axes.set_xticks(ticks)
        axes.set_xticklabels([f"{t:g}" for t in ticks])  # plain numbers, not 10^0
        axes.minorticks_off()
        axes.set_xlabel("Odds ratio, non-severe vs severe IMF (log scale)")
        axes.xaxis.set_tick_params(labelbottom=True)
        axes.set_title(outcome.replace("_", " ").capitalize())
        axes.set_yticks([position[(r.muscle, r.visit)] for r in rows.itertuples()])
        axes.set_yticklabels([f"{r.label}, {r.visit:g} mo" for r in rows.itertuples()], fontsize=9)
        axes.set_ylabel("Muscle, visit (months after surgery)")
        axes.grid(axis="x", alpha=0.3, which="both")
        for boundary in range(1, rows["muscle"].nunique()):
            axes.axhline(len(rows) - boundary * rows["visit"].nunique() + 0.5, color="#bbbbbb", linewidth=0.8)
    handles = [Line2D([], [], marker="o", color="#444444", linestyle="-", label="adjusted (95 % CI)"),
               Line2D([], [], marker="D", color="#444444", markerfacecolor="white", linestyle="-",
                      label="unadjusted (95 % CI)")]
    if published_range is not None:
        handles.append(Patch(color="#f3d9a4", label=f"published range {published_range[0]:g}-{published_range[1]:g}"))
    figure.legend(handles=handles, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, 0.0))
    figure.suptitle(title)
    figure.tight_layout(rect=(0, 0.035, 1, 1))
    return figure


def plot_trajectories(means: Mapping[str, pd.DataFrame], *, labels: Mapping[str, str] | None = None,
                      title: str = "Model-estimated course by IMF group (95 % CI)"):
    """Estimated means with 95 % CIs by group at each visit, one panel per outcome (stacked).

    ``means``: outcome -> ``estimated_means`` of a :class:`~helpers.stats.longitudinal.TrajectoryResult`
    (exposure, visit, estimate, ci_low, ci_high). ``labels``: outcome -> y-axis label with units.
    Groups are offset slightly along the time axis so the intervals do not hide each other.
    Returns the Figure.
    """
    labels = dict(labels or {})
    figure, panels = plt.subplots(len(means), 1, figsize=(8.0, 2.9 * len(means) + 0.8), squeeze=False)
    for axes, (outcome, table) in zip(panels[:, 0], means.items()):
        visits = sorted(table["visit"].unique())
        spread = 0.012 * (max(visits) - min(visits))
        for k, (group, part) in enumerate(table.groupby("exposure", sort=False)):
            part = part.sort_values("visit")
            x = part["visit"].to_numpy(dtype=float) + (k - 0.5) * spread
            colour = GROUP_COLOURS.get(str(group), None)
            style = GROUP_STYLE.get(str(group), {"linestyle": "-", "marker": "o"})
            axes.fill_between(x, part["ci_low"], part["ci_high"], color=colour, alpha=0.15, linewidth=0)
            error = [part["estimate"] - part["ci_low"], part["ci_high"] - part["estimate"]]
            axes.errorbar(x, part["estimate"], yerr=error, color=colour, capsize=3, label=f"{group} IMF", **style)
        _visit_axis(axes, visits)
        axes.set_ylabel(labels.get(outcome, outcome))
        axes.set_title(outcome.replace("_", " ").capitalize())
        axes.grid(alpha=0.3)
    panels[0, 0].legend(frameon=False)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_spaghetti(df: pd.DataFrame, *, outcome: str, group: str, subject: str = "patient_id",
                   visit: str = "visit_month", n_per_group: int = 30, means: pd.DataFrame | None = None,
                   ylabel: str | None = None, rng: int | np.random.Generator | None = None,
                   title: str | None = None):
    """Observed courses of individual patients, one panel per group, for a seeded random subset.

    Parameters
    ----------
    df : DataFrame
        Long data (one row per patient per visit).
    outcome, group, subject, visit : str
        Columns.
    n_per_group : int
        Patients drawn per group (at random, with ``rng``): the figure stays readable for any cohort size.
    means : DataFrame, optional
        Model-estimated means (exposure, visit, estimate) drawn over the individual lines.
    ylabel, title : str, optional
        Axis label (with units) and title.
    rng : int or numpy Generator, optional
        Seed or Generator for the subset (the book's seed when None).

    Returns
    -------
    matplotlib Figure
    """
    generator = as_rng(rng, default_seed=DEFAULT_SEED)
    groups = [g for g in ("non-severe", "severe") if g in set(df[group])] or sorted(df[group].unique())
    figure, panels = plt.subplots(1, len(groups), figsize=(4.8 * len(groups), 4.4), sharey=True, squeeze=False)
    visits = sorted(df[visit].unique())
    for axes, level in zip(panels[0], groups):
        part = df[(df[group] == level) & df[outcome].notna()]
        ids = np.sort(part[subject].unique())
        chosen = generator.choice(ids, size=min(n_per_group, len(ids)), replace=False)
        colour = GROUP_COLOURS.get(str(level), "#444444")
        for _, course in part[part[subject].isin(chosen)].groupby(subject):
            course = course.sort_values(visit)
            axes.plot(course[visit], course[outcome], color=colour, alpha=0.35, linewidth=0.9, marker=".",
                      markersize=3)
        if means is not None:
            line = means[means["exposure"] == level].sort_values("visit")
            axes.plot(line["visit"], line["estimate"], color="black", linewidth=2.5, label="model-estimated mean")
            axes.legend(frameon=False, loc="upper right")
        axes.set_title(f"{level} IMF: {len(chosen)} of {len(ids)} patients drawn at random")
        _visit_axis(axes, visits)
        axes.grid(alpha=0.3)
    panels[0, 0].set_ylabel(ylabel or outcome)
    figure.suptitle(title or f"Observed {outcome.replace('_', ' ')} of individual patients (lines end at drop-out)")
    figure.tight_layout()
    return figure
