"""helpers.stats.diagnostic against values computed by hand (formulas written out here, not imported)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.stats import diagnostic
from helpers.validation.errors import InputError
from helpers.validation.estimable import NOT_ESTIMATED
from helpers.validation.results import RESULT_COLUMNS

Z = 1.959963984540054  # qnorm(0.975)


def wilson(successes: int, total: int, z: float = Z) -> tuple[float, float]:
    # Wilson (1927) score interval, written out independently of statsmodels.
    # R: binom::binom.confint(x, n, methods = "wilson")
    p = successes / total
    centre = p + z * z / (2 * total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - half) / (1 + z * z / total), (centre + half) / (1 + z * z / total)


def patients(tp: int, fn: int, fp: int, tn: int) -> pd.DataFrame:
    rows = [(1, 1)] * tp + [(0, 1)] * fn + [(1, 0)] * fp + [(0, 0)] * tn
    return pd.DataFrame(rows, columns=["test_positive", "disease_present"])


def test_post_test_probability_by_hand():
    # pre-test 0.3 -> odds 3/7; LR+ = 0.9 / 0.1 = 9 -> odds 27/7 -> probability 27/34
    table = diagnostic.diagnostic_reasoning(pretest_probability=0.3, sensitivity=0.9, specificity=0.9)
    values = table.set_index("quantity")["estimate"]
    assert values["lr_positive"] == pytest.approx(9.0)
    assert values["lr_negative"] == pytest.approx(0.1 / 0.9)
    assert values["post_test_probability_positive"] == pytest.approx(27 / 34)
    # LR- = 1/9 -> odds 3/63 = 1/21 -> probability 1/22
    assert values["post_test_probability_negative"] == pytest.approx(1 / 22)
    assert values["npv"] == pytest.approx(21 / 22)
    assert list(table.columns) == RESULT_COLUMNS


def test_likelihood_ratio_of_one_leaves_the_probability_unchanged():
    assert diagnostic.post_test_probability(0.37, 1.0) == pytest.approx(0.37)
    assert diagnostic.post_test_probability(np.array([0.1, 0.5]), 1.0) == pytest.approx([0.1, 0.5])


@pytest.mark.parametrize("name, value", [("pretest_probability", 0), ("pretest_probability", 1),
                                         ("sensitivity", 1.2), ("specificity", -0.1),
                                         ("pretest_probability", 30), ("sensitivity", "high")])
def test_invalid_probabilities_are_input_errors(name, value):
    arguments = dict(pretest_probability=0.3, sensitivity=0.8, specificity=0.9)
    arguments[name] = value
    with pytest.raises(InputError, match=name):
        diagnostic.diagnostic_reasoning(**arguments)


def test_accuracy_from_counts_by_hand():
    # 9 TP, 1 FN, 3 FP, 27 TN (the chapter's exercise 3)
    data = patients(9, 1, 3, 27)
    before = data.copy()
    table = diagnostic.accuracy_from_counts(data, pretest_probability=0.2).set_index("quantity")
    pd.testing.assert_frame_equal(data, before)  # input unchanged
    assert table.loc["true_positive", "estimate"] == 9 and table.loc["true_negative", "estimate"] == 27
    assert table.loc["sensitivity", "estimate"] == pytest.approx(0.9)
    assert (table.loc["sensitivity", "ci_low"], table.loc["sensitivity", "ci_high"]) == pytest.approx(wilson(9, 10))
    assert table.loc["sensitivity", "ci_low"] == pytest.approx(0.5958, abs=1e-4)  # Wilson 9/10 in the literature
    assert table.loc["specificity", "estimate"] == pytest.approx(0.9)
    assert (table.loc["specificity", "ci_low"], table.loc["specificity", "ci_high"]) == pytest.approx(wilson(27, 30))
    assert table.loc["ppv", "estimate"] == pytest.approx(9 / 12)
    assert table.loc["npv", "estimate"] == pytest.approx(27 / 28)
    assert table.loc["prevalence", "estimate"] == pytest.approx(10 / 40)
    # LR+ = 0.9 / 0.1 = 9, SE(ln) = sqrt(1/9 - 1/10 + 1/3 - 1/30) (Simel 1991)
    se = math.sqrt(1 / 9 - 1 / 10 + 1 / 3 - 1 / 30)
    assert table.loc["lr_positive", "estimate"] == pytest.approx(9.0)
    assert table.loc["lr_positive", "ci_low"] == pytest.approx(9 * math.exp(-Z * se))
    assert table.loc["lr_positive", "ci_high"] == pytest.approx(9 * math.exp(Z * se))
    assert table.loc["lr_positive", "ci_low"] == pytest.approx(3.016, abs=1e-3)
    se = math.sqrt(1 / 1 - 1 / 10 + 1 / 27 - 1 / 30)
    assert table.loc["lr_negative", "ci_high"] == pytest.approx((1 / 9) * math.exp(Z * se))
    # post-test probability at 0.2 with LR+ = 9: odds 0.25 * 9 = 2.25 -> 2.25 / 3.25
    assert table.loc["post_test_probability_positive", "estimate"] == pytest.approx(2.25 / 3.25)
    low = table.loc["post_test_probability_positive", "ci_low"]
    assert low == pytest.approx(0.25 * 9 * math.exp(-Z * math.sqrt(1 / 9 - 1 / 10 + 1 / 3 - 1 / 30)) /
                                (1 + 0.25 * 9 * math.exp(-Z * math.sqrt(1 / 9 - 1 / 10 + 1 / 3 - 1 / 30))))
    for quantity, row in table.iterrows():
        if pd.notna(row["ci_low"]):
            assert row["ci_low"] <= row["estimate"] <= row["ci_high"], quantity


def test_exact_interval_is_clopper_pearson():
    # R: binom.test(9, 10)$conf.int -> 0.5549839 0.9974714
    table = diagnostic.accuracy_from_counts(patients(9, 1, 3, 27), interval="exact").set_index("quantity")
    assert table.loc["sensitivity", "ci_low"] == pytest.approx(0.5549839, abs=1e-6)
    assert table.loc["sensitivity", "ci_high"] == pytest.approx(0.9974714, abs=1e-6)
    assert "Clopper-Pearson" in table.loc["sensitivity", "method"]


def test_zero_cell_adds_one_half_with_a_warning():
    with pytest.warns(UserWarning, match="zero cell"):
        table = diagnostic.accuracy_from_counts(patients(10, 0, 0, 30)).set_index("quantity")
    assert np.isfinite(table.loc["lr_positive", "estimate"])
    assert "0.5 added" in table.loc["lr_positive", "method"]
    # Wilson intervals stay inside [0, 1] at 10/10
    assert table.loc["sensitivity", "ci_high"] == pytest.approx(1.0)
    assert 0.6 < table.loc["sensitivity", "ci_low"] < 0.75


def test_one_class_only_is_an_input_error():
    with pytest.raises(InputError, match="disease_present"):
        diagnostic.accuracy_from_counts(patients(5, 0, 0, 0))


def test_predictive_values_move_with_prevalence():
    curve = diagnostic.predictive_values_by_prevalence(sensitivity=0.85, specificity=0.9)
    assert curve["ppv"].is_monotonic_increasing and curve["npv"].is_monotonic_decreasing
    middle = diagnostic.predictive_values_by_prevalence(sensitivity=0.85, specificity=0.9, prevalence=[0.5])
    # at 50% prevalence PPV = sens / (sens + 1 - spec)
    assert middle["ppv"].iloc[0] == pytest.approx(0.85 / (0.85 + 0.1))


def test_figures_have_titles_and_labels():
    import matplotlib.pyplot as plt

    from helpers.chapters.equivocal_mri import figures as equivocal_mri_figures
    from helpers.presentation import figures

    curve = diagnostic.predictive_values_by_prevalence(sensitivity=0.85, specificity=0.9)
    figure = figures.plot_predictive_values(curve, pretest_probability=0.2)
    axes = figure.axes[0]
    assert axes.get_title() and "(%)" in axes.get_xlabel() and "(%)" in axes.get_ylabel()
    values = diagnostic.diagnostic_reasoning(pretest_probability=0.2, sensitivity=0.85,
                                             specificity=0.9).set_index("quantity")["estimate"]
    nomogram = figures.plot_fagan_nomogram(
        pretest_probability=0.2, lr_positive=values["lr_positive"], lr_negative=values["lr_negative"],
        post_test_positive=values["post_test_probability_positive"],
        post_test_negative=values["post_test_probability_negative"])
    assert "Fagan" in nomogram.axes[0].get_title()
    # the positive line ends at logit(post-test) on the right axis: the drawing agrees with the arithmetic
    line = nomogram.axes[0].get_lines()[-2]
    post = values["post_test_probability_positive"]
    assert line.get_ydata()[-1] == pytest.approx(math.log(post / (1 - post)))
    pathway = equivocal_mri_figures.plot_imaging_pathway()
    texts = " ".join(t.get_text() for t in pathway.axes[0].texts)
    for branch in ("CT myelography", "contrast", "DWI", "Refer promptly", "plain radiographs"):
        assert branch in texts
    plt.close("all")


# ------------------------------------------------------------ series a 2x2 table cannot fully describe
def test_a_test_never_positive_has_no_ppv_or_positive_likelihood_ratio():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # LR-: both proportions 1, 0.5 added (tested below)
        table = diagnostic.accuracy_from_counts(patients(0, 2, 0, 18), pretest_probability=0.2).set_index("quantity")
    undefined = ["ppv", "lr_positive", "post_test_probability_positive"]
    assert table.loc[undefined, ["estimate", "ci_low", "ci_high"]].isna().all().all()
    assert table.loc["ppv", "method"] == (f"{NOT_ESTIMATED}: positive predictive value: the test was positive in "
                                          "none of the 20 patients, so the share of positive results with the "
                                          "disease is 0/0")
    assert "sensitivity and 1 - specificity are both 0 and their ratio is 0/0" in table.loc["lr_positive", "method"]
    assert table.loc["post_test_probability_positive", "method"].startswith(
        f"{NOT_ESTIMATED}: post-test probability after a positive result: it needs the positive likelihood ratio")
    # The rest is estimated: sensitivity 0/2, specificity 18/18 with their Wilson intervals, NPV 18/20.
    assert table.loc["sensitivity", ["estimate", "ci_low"]].tolist() == [0.0, 0.0]
    assert table.loc["sensitivity", "ci_high"] == pytest.approx(wilson(0, 2)[1])
    assert table.loc["specificity", "estimate"] == 1.0
    assert table.loc["specificity", "ci_low"] == pytest.approx(wilson(18, 18)[0])
    assert table.loc["specificity", "ci_high"] == pytest.approx(1.0)
    assert table.loc["npv", "estimate"] == pytest.approx(0.9)
    assert table.drop(index=undefined)["estimate"].notna().all()


def test_a_test_always_positive_has_no_npv_or_negative_likelihood_ratio():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = diagnostic.accuracy_from_counts(patients(15, 0, 5, 0), pretest_probability=0.2).set_index("quantity")
    undefined = ["npv", "lr_negative", "post_test_probability_negative"]
    assert table.loc[undefined, "estimate"].isna().all()
    assert all(table.loc[undefined, "method"].str.startswith(NOT_ESTIMATED))
    assert "the test was negative in none of the 20 patients" in table.loc["npv", "method"]
    assert table.drop(index=undefined)["estimate"].notna().all()


def test_both_proportions_of_one_get_an_interval_not_a_point():
    # LR- of a test never positive: (2/2) / (18/18) = 1 with a log-method SE of 0 -- an interval of no width.
    with pytest.warns(UserWarning, match="lr_negative: a zero cell"):
        table = diagnostic.accuracy_from_counts(patients(0, 2, 0, 18)).set_index("quantity")
    a, b, c, d = 2.5, 18.5, 0.5, 0.5  # 0.5 added to every cell
    se = math.sqrt(1 / a - 1 / (a + c) + 1 / b - 1 / (b + d))
    estimate = (a / (a + c)) / (b / (b + d))
    assert table.loc["lr_negative", "estimate"] == pytest.approx(estimate)
    assert table.loc["lr_negative", "ci_low"] == pytest.approx(estimate * math.exp(-Z * se))
    assert table.loc["lr_negative", "ci_high"] == pytest.approx(estimate * math.exp(Z * se))
    # A sensitivity of 1 alone (no false negatives) keeps the uncorrected log method for LR+: its SE is not 0
    # (LR- = 0/... is corrected, as before).
    with pytest.warns(UserWarning, match="lr_negative: a zero cell") as caught:
        table = diagnostic.accuracy_from_counts(patients(10, 0, 3, 27)).set_index("quantity")
    assert not [w for w in caught if "lr_positive" in str(w.message)]
    assert table.loc["lr_positive", "estimate"] == pytest.approx(1 / (3 / 30))
    assert table.loc["lr_positive", "method"] == "log method (Simel 1991)"


def test_no_false_positives_give_a_specificity_of_one_with_its_wilson_interval():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # LR+ infinite: 0.5 added
        table = diagnostic.accuracy_from_counts(patients(9, 3, 0, 28)).set_index("quantity")
    assert table.loc["specificity", "estimate"] == 1.0
    assert table.loc[["specificity", "ppv"], "ci_low"].to_numpy() == pytest.approx([wilson(28, 28)[0], wilson(9, 9)[0]])
    assert table.loc[["specificity", "ppv"], "ci_high"].to_numpy() == pytest.approx([1.0, 1.0])
    assert not table["method"].str.startswith(NOT_ESTIMATED).any()
