"""Figures of the equivocal-mri chapter: the imaging pathway, the Fagan nomogram, predictive values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import FancyBboxPatch, Polygon

# --------------------------------------------------------------------------------------------------
# Imaging pathway flowchart (equivocal-mri)
# --------------------------------------------------------------------------------------------------

PATHWAY_NODES = {
    # key: (x, y, kind, text)
    "start": (0.50, 0.95, "box", "Suspected cervical myelopathy\n(hand clumsiness, gait instability, UMN signs)"),
    "evident": (0.50, 0.80, "decision", "Myelopathy clinically\nevident?"),
    "refer": (0.86, 0.80, "action", "Refer promptly to a spine surgeon;\ndo not wait for more imaging [2]"),
    "mri_possible": (0.50, 0.64, "decision", "Can MRI be\nperformed?"),
    "ctm_contra": (0.14, 0.64, "action", "CT myelography\n(pacemaker, claustrophobia,\nimplants) [1]"),
    "mri": (0.50, 0.50, "box", "Cervical MRI"),
    "other_dx": (0.50, 0.36, "decision", "Demyelinating, inflammatory\nor ischaemic disease suspected?"),
    "contrast": (0.86, 0.36, "action", "MRI with IV contrast [1];\nadd DWI if ischaemia\nis suspected [1]"),
    "equivocal": (0.50, 0.20, "decision", "MRI equivocal for\ncord compression?"),
    "ctm": (0.14, 0.20, "action", "CT myelography [1]"),
    "correlate": (0.50, 0.05, "box", "Correlate imaging with the clinical picture [1, 2]"),
    "not_next": (0.86, 0.08, "caution", "Not the next step: plain radiographs\nor CT without myelography\n(too little soft-tissue detail) [1]"),
}

PATHWAY_EDGES = [
    ("start", "evident", ""), ("evident", "refer", "yes"), ("evident", "mri_possible", "no / unsure"),
    ("mri_possible", "ctm_contra", "no"), ("mri_possible", "mri", "yes"), ("mri", "other_dx", ""),
    ("other_dx", "contrast", "yes"), ("other_dx", "equivocal", "no"), ("equivocal", "ctm", "yes"),
    ("equivocal", "correlate", "no"),
]

_PATHWAY_STYLE = {
    "box": {"facecolor": "#e8eef7", "edgecolor": "#2b4c7e"},
    "decision": {"facecolor": "#fff4d6", "edgecolor": "#9a6b00"},
    "action": {"facecolor": "#e3f3e6", "edgecolor": "#2e7d32"},
    "caution": {"facecolor": "#fbe4e4", "edgecolor": "#b71c1c"},
}


def plot_imaging_pathway(*, title: str = "Imaging pathway when cervical MRI is equivocal for myelopathy"):
    """Draw the book's imaging pathway as a flowchart (matplotlib only: no graphviz, no network).

    Bracketed numbers cite the sources listed under the figure in the chapter. Returns the Figure.
    """
    figure, axes = plt.subplots(figsize=(11, 9.5))
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.02, 1.02)
    axes.axis("off")
    half_width, half_height = 0.13, 0.045
    for key, (x, y, kind, text) in PATHWAY_NODES.items():
        style = _PATHWAY_STYLE[kind]
        if kind == "decision":
            diamond = Polygon([(x - half_width * 1.05, y), (x, y + half_height * 1.3), (x + half_width * 1.05, y),
                               (x, y - half_height * 1.3)], closed=True, linewidth=1.5, **style)
            axes.add_patch(diamond)
        else:
            width = 0.38 if key == "correlate" else 2 * half_width
            axes.add_patch(FancyBboxPatch((x - width / 2, y - half_height), width, 2 * half_height,
                                          boxstyle="round,pad=0.008", linewidth=1.5, **style))
        axes.text(x, y, text, ha="center", va="center", fontsize=9, wrap=True)
    for source, target, label in PATHWAY_EDGES:
        x0, y0 = PATHWAY_NODES[source][:2]
        x1, y1 = PATHWAY_NODES[target][:2]
        if abs(y0 - y1) < 1e-9:  # horizontal edge
            sign = 1 if x1 > x0 else -1
            start, end = (x0 + sign * half_width * 1.05, y0), (x1 - sign * half_width, y1)
        else:
            start, end = (x0, y0 - half_height * 1.3), (x1, y1 + half_height)
        axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.3})
        if label:
            axes.text((start[0] + end[0]) / 2 + (0.012 if start[0] == end[0] else 0),
                      (start[1] + end[1]) / 2 + 0.012, label, fontsize=8.5, style="italic", color="#333333",
                      ha="left" if start[0] == end[0] else "center")
    axes.set_title(title, fontsize=13, pad=10)
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------------------------------
# Fagan nomogram and predictive values (equivocal-mri)
# --------------------------------------------------------------------------------------------------

_PROBABILITY_TICKS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
                      0.95, 0.98, 0.99, 0.995, 0.998, 0.999]
_RATIO_TICKS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


def _logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def plot_fagan_nomogram(*, pretest_probability: float, lr_positive: float, lr_negative: float,
                        post_test_positive: float, post_test_negative: float,
                        title: str = "Fagan nomogram"):
    """Draw a Fagan nomogram with the lines for a positive and a negative result.

    Geometry: left axis at -logit(pre-test), middle axis at ln(LR)/2, right axis at logit(post-test),
    so a straight line through the first two meets the third at the post-test probability. The
    post-test probabilities are drawn as given (computed by :mod:`helpers.diagnostic`).
    """
    figure, axes = plt.subplots(figsize=(6.5, 8))
    left, middle, right = 0.0, 1.0, 2.0
    limit = _logit(0.9995)
    for x in (left, middle, right):
        axes.plot([x, x], [-limit, limit], color="black", lw=1.2)
    for p in _PROBABILITY_TICKS:
        axes.plot([left - 0.03, left], [-_logit(p)] * 2, color="black", lw=0.8)
        axes.text(left - 0.05, -_logit(p), f"{100 * p:g}", ha="right", va="center", fontsize=8)
        axes.plot([right, right + 0.03], [_logit(p)] * 2, color="black", lw=0.8)
        axes.text(right + 0.05, _logit(p), f"{100 * p:g}", ha="left", va="center", fontsize=8)
    for ratio in _RATIO_TICKS:
        y = np.log(ratio) / 2
        if abs(y) <= limit:
            axes.plot([middle - 0.03, middle + 0.03], [y, y], color="black", lw=0.8)
            axes.text(middle + 0.05, y, f"{ratio:g}", ha="left", va="center", fontsize=8)
    for label, ratio, post, colour in (("positive test", lr_positive, post_test_positive, "#c62828"),
                                       ("negative test", lr_negative, post_test_negative, "#1565c0")):
        axes.plot([left, right], [-_logit(pretest_probability), _logit(post)], color=colour, lw=2,
                  label=f"{label}: LR {ratio:.2f}, post-test {100 * post:.1f}%")
    axes.text(left, limit + 0.5, "Pre-test\nprobability (%)", ha="center", va="bottom", fontsize=9)
    axes.text(middle, limit + 0.5, "Likelihood\nratio", ha="center", va="bottom", fontsize=9)
    axes.text(right, limit + 0.5, "Post-test\nprobability (%)", ha="center", va="bottom", fontsize=9)
    axes.set_xlim(-0.6, 2.6)
    axes.set_ylim(-limit - 2.6, limit + 1.6)
    axes.axis("off")
    axes.legend(loc="lower center", fontsize=8.5, frameon=False)
    axes.set_title(f"{title} (pre-test probability {100 * pretest_probability:.0f}%)", fontsize=12)
    figure.tight_layout()
    return figure


def plot_predictive_values(table: pd.DataFrame, *, pretest_probability: float | None = None,
                           title: str = "Predictive values depend on prevalence"):
    """PPV and NPV (y, %) against prevalence or pre-test probability (x, %), from
    :func:`helpers.diagnostic.predictive_values_by_prevalence`."""
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot(100 * table["prevalence"], 100 * table["ppv"], color="#c62828", lw=2,
              label="PPV: P(disease | positive)")
    axes.plot(100 * table["prevalence"], 100 * table["npv"], color="#1565c0", lw=2,
              label="NPV: P(no disease | negative)")
    if pretest_probability is not None:
        axes.axvline(100 * pretest_probability, color="grey", ls="--", lw=1,
                     label=f"chosen pre-test probability ({100 * pretest_probability:.0f}%)")
    axes.set_xlabel("Prevalence / pre-test probability (%)")
    axes.set_ylabel("Predictive value (%)")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 100)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8.5, loc="center right")
    axes.set_title(title)
    figure.tight_layout()
    return figure
