"""Figures of diagnostic reasoning: the Fagan nomogram and predictive values by prevalence."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

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
    post-test probabilities are drawn as given (computed by :mod:`helpers.stats.diagnostic`).
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
    :func:`helpers.stats.diagnostic.predictive_values_by_prevalence`."""
    figure, axes = plt.subplots(figsize=(7, 5.2))
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
    # below the axes: inside, any corner hides part of a curve at some pre-test probability
    axes.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    axes.set_title(title)
    figure.tight_layout()
    return figure
