"""Figure of the dti-ivim chapter: the mJOA score before and after surgery, and the recovery rate."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def plot_recovery(df: pd.DataFrame, *, before: str, after: str, recovery: str, cutoff: float,
                  title: str = "mJOA before and after surgery, and the recovery rate"):
    """Two panels: histograms of the score before and after surgery (points); the recovery rate (%) with
    the good-recovery cut-off marked."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    scores = pd.concat([df[before], df[after]]).dropna()
    bins = np.arange(np.floor(scores.min()) - 0.5, np.ceil(scores.max()) + 1.5, 1.0)
    left.hist(df[before].dropna(), bins=bins, alpha=0.6, color="#c62828", label="before surgery")
    left.hist(df[after].dropna(), bins=bins, alpha=0.6, color="#1565c0", label="after surgery")
    left.set_xlabel("mJOA score (points, 0-18)")
    left.set_ylabel("Patients (n)")
    left.set_title("mJOA score")
    left.legend(fontsize=9)
    rate = df[recovery].dropna()
    right.hist(rate, bins=np.arange(np.floor(rate.min() / 10) * 10, 110, 10), color="#78909c", edgecolor="white")
    right.axvline(cutoff, color="black", ls="--", lw=1.5, label=f"good recovery: >= {cutoff:g}%")
    right.set_xlabel("Recovery rate (%)")
    right.set_ylabel("Patients (n)")
    right.set_title("Recovery rate (Hirabayashi)")
    right.legend(fontsize=9)
    for axes in (left, right):
        axes.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    return figure
