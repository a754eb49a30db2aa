"""Figures of the paraspinal-imf chapter: IMF distributions by muscle and the measured axial slice."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.presentation.figures.longitudinal import GROUP_COLOURS


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
