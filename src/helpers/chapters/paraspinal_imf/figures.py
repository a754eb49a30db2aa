"""Figures of the paraspinal-imf chapter: IMF distributions by muscle, the measured axial slice, odds ratios
by muscle and visit, model-estimated trajectories and spaghetti plots by IMF group."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.validation.checks import DEFAULT_SEED, as_rng


def plot_imf_distributions(patients: pd.DataFrame, summary: pd.DataFrame, *, cutoff: float = 50.0,
                           title: str = "Pre-operative intramuscular fat per muscle"):
    """Histograms of IMF (% of the muscle's cross-section) per muscle, with the severity cut-off.

    ``patients``: one row per patient with ``imf_<muscle>``; ``summary``: :func:`helpers.chapters.paraspinal_imf.analysis.imf_summary`
    (muscle, label, n_severe, percent_severe), used for the annotations. Returns the Figure.
    """
    figure, grid = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True, sharey=True)
    bins = np.arange(0, 102, 4)
    for axes, row in zip(grid.ravel(), summary.itertuples()):
        values = patients[f"imf_{row.muscle}"].dropna()
        axes.hist(values[values < cutoff], bins=bins, color=GROUP_COLOURS["non-severe"], alpha=0.85,
                  label=f"non-severe (< {cutoff:g} %)")
        axes.hist(values[values >= cutoff], bins=bins, color=GROUP_COLOURS["severe"], alpha=0.85, hatch="//",
                  label=f"severe (>= {cutoff:g} %)")
        axes.axvline(cutoff, color="black", linestyle="--", linewidth=1.2)
        axes.set_title(f"{row.label}: {row.n_severe} of {row.n} severe ({row.percent_severe:.0f} %)", fontsize=11)
        axes.grid(axis="y", alpha=0.3)
        axes.set_xlabel("Intramuscular fat (% of cross-sectional area)")
        axes.set_ylabel("Patients (count)")
        axes.tick_params(labelbottom=True, labelleft=True)
    grid[0, 0].legend(loc="upper left", fontsize=9, frameon=False)
    figure.suptitle(f"{title} (dashed line: the {cutoff:g} % cut-off)")
    figure.tight_layout()
    return figure


def plot_axial_imf(image: np.ndarray, mask: np.ndarray, fat_mask: np.ndarray, *, threshold: float,
                   imf_percent: float, true_imf_percent: float | None = None, muscle_label: str = "muscle",
                   pixel_size_mm: float | None = None):
    """The synthetic axial slice, the muscle mask, the fat pixels and the signal histogram with the threshold.

    Arguments come from :func:`helpers.chapters.paraspinal_imf.simulate_image.simulate_axial_slice` and :func:`helpers.stats.imaging.measure_imf`.
    Returns the Figure.
    """
    figure, grid = plt.subplots(2, 2, figsize=(10, 9.6))
    panels = grid.ravel()
    extent = None
    unit = "pixels"
    if pixel_size_mm is not None:
        extent = (0, image.shape[1] * pixel_size_mm, image.shape[0] * pixel_size_mm, 0)
        unit = "mm"
    for axes in panels[:3]:
        axes.imshow(image, cmap="gray", vmin=0, vmax=max(1.0, float(image.max())), extent=extent)
        axes.set_xlabel(f"\u2190 patient's right | patient's left \u2192 ({unit})")
        axes.set_ylabel(f"anterior \u2192 posterior ({unit})")
    panels[0].set_title("1. Synthetic T2-weighted axial slice")
    panels[1].contour(mask, levels=[0.5], colors="#ffd400", linewidths=1.5, extent=extent,
                      origin="upper" if extent else None)
    panels[1].set_title(f"2. Mask: the {muscle_label}")
    overlay = np.zeros((*image.shape, 4))
    overlay[fat_mask] = (1.0, 0.55, 0.0, 0.85)
    overlay[mask & ~fat_mask] = (0.1, 0.45, 0.85, 0.55)
    panels[2].imshow(overlay, extent=extent)
    panels[2].set_title("3. Fat (orange) and lean (blue) pixels")
    inside = image[mask]
    panels[3].hist(inside[inside <= threshold], bins=40, color="#1b6ca8", alpha=0.85, label="lean (<= threshold)")
    panels[3].hist(inside[inside > threshold], bins=40, color="#e67e22", alpha=0.85, label="fat (> threshold)")
    panels[3].axvline(threshold, color="black", linestyle="--", label=f"Otsu threshold {threshold:.2f}")
    panels[3].set_xlabel("Signal inside the mask (arbitrary units)")
    panels[3].set_ylabel("Pixels (count)")
    panels[3].legend(frameon=False, fontsize=9)
    truth = f" (true {true_imf_percent:.1f} %)" if true_imf_percent is not None else ""
    panels[3].set_title(f"4. IMF = {imf_percent:.1f} % of the mask{truth}")
    figure.suptitle(f"How an IMF percentage is measured: {muscle_label}")
    figure.tight_layout()
    return figure


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
