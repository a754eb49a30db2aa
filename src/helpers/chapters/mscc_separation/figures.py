"""Figure of the mscc-separation chapter: the preoperative Bilsky grade by group."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.presentation.figures.survival import PALETTE, group_label
from helpers.presentation.privacy import active_threshold, count_text


def plot_bilsky_distribution(df: pd.DataFrame, *, group: str, grade: str = "bilsky_grade",
                             grades: Sequence[str] = ("0", "1a", "1b", "1c", "2", "3"),
                             group_labels: Mapping[Any, str] | None = None,
                             title: str = "Preoperative Bilsky grade by group"):
    """Bar chart of the grade distribution within each group (percent of the group; bars labelled with n).

    With small-cell suppression on (``--suppress-small-cells K``), a count from 1 to K - 1 is labelled
    ``"<K"`` and its bar is drawn hatched up to the largest value it could have (K - 1), so neither the
    label nor the height gives it away.

    Parameters
    ----------
    df : DataFrame
        One row per patient.
    group, grade : str
        Group column and grade column.
    grades : sequence of str
        Grades in display order (all shown, including empty ones).
    group_labels : mapping, optional
        Display name per group value.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    values = df[grade].astype(str)
    levels = list(df[group].cat.categories) if isinstance(df[group].dtype, pd.CategoricalDtype) else sorted(df[group].unique())
    width = 0.8 / len(levels)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    x = np.arange(len(grades))
    for index, level in enumerate(levels):
        members = values[df[group] == level]
        n = len(members)
        count = np.array([(members == g).sum() for g in grades])
        threshold = active_threshold()
        hidden = (count > 0) & (count < threshold) if threshold > 1 else np.zeros(len(count), dtype=bool)
        shown = np.where(hidden, threshold - 1, count)
        bars = axes.bar(x - 0.4 + width * (index + 0.5), 100 * shown / n, width=width * 0.95,
                        color=PALETTE[index % len(PALETTE)],
                        label=f"{group_label(group_labels, level)} (n = {count_text(n)})")
        for bar, masked in zip(bars, hidden):
            if masked:
                bar.set_hatch("//")
                bar.set_alpha(0.35)
        for bar, k in zip(bars, count):
            axes.annotate(count_text(k), xy=(bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                          textcoords="offset points", ha="center", va="bottom", fontsize=8.5)
    axes.set_xticks(x)
    axes.set_xticklabels(grades)
    axes.set_xlabel("Bilsky grade (0 = bone only ... 3 = cord compressed, no CSF visible)")
    axes.set_ylabel("Patients in the group (%)")
    axes.set_ylim(0, 100)
    axes.set_title(title)
    axes.grid(alpha=0.3, axis="y")
    axes.legend(fontsize=9, loc="upper left", title="bar labels: number of patients", title_fontsize=8)
    figure.tight_layout()
    return figure
