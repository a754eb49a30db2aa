"""Tests of helpers.stats.roc: pROC reference values on aSAH, brute-force checks and invariants."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from helpers.stats.diagnostic import accuracy_from_counts
from helpers.stats.logistic import logistic_regression
from helpers.stats.roc import (
    classification_metrics,
    compare_auc,
    delong_auc,
    roc_auc,
    roc_curve_points,
    youden_threshold,
)
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

POOR = dict(outcome="outcome", positive="Poor")  # pROC: roc(aSAH$outcome, ...) -> controls Good, cases Poor


@pytest.fixture(scope="module")
def asah(reference_data):
    return pd.read_csv(reference_data / "aSAH.csv")




def brute_force_delong(y, scores):
    """O(n^2) structural components (DeLong 1988), written independently of the module."""
    y = np.asarray(y, bool)
    scores = np.atleast_2d(scores)
    m, n = y.sum(), (~y).sum()
    v10, v01 = [], []
    for s in scores:
        cases, controls = s[y], s[~y]
        psi = (cases[:, None] > controls[None, :]) + 0.5 * (cases[:, None] == controls[None, :])
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    v10, v01 = np.array(v10), np.array(v01)
    auc = v10.mean(axis=1)
    s10 = (v10 - auc[:, None]) @ (v10 - auc[:, None]).T / (m - 1)
    s01 = (v01 - auc[:, None]) @ (v01 - auc[:, None]).T / (n - 1)
    return auc, s10 / m + s01 / n


# ----------------------------------------------------------------------------- pROC on aSAH
# R's values come from tests/r/results/proc.json (tests/r/proc.R); test_r_parity.py compares every one of
# them. These tests add the invariants around them.
def test_s100b_auc_variance_ci(asah, r_reference):
    # R: r <- roc(aSAH$outcome, aSAH$s100b, direction = "<"); var(r); ci.auc(r)   (1e-10 relative: closed forms)
    row = roc_auc(asah, predictor="s100b", direction="<", **POOR).iloc[0]
    for column, quantity in (("estimate", "auc"), ("variance", "auc_variance"), ("ci_low", "auc_ci_low"),
                             ("ci_high", "auc_ci_high")):
        assert row[column] == pytest.approx(r_reference("proc", "aSAH", f"{quantity}[s100b]"), rel=1e-10)
    assert row["ci_high"] - row["estimate"] == pytest.approx(1.959963984540054 * np.sqrt(row["variance"]))
    assert (row["n"], row["n_cases"], row["n_controls"]) == (113, 41, 72)
    assert row["method"] == "DeLong (Sun & Xu 2014)"


def test_ndka_and_wfns_variance(asah, r_reference):
    # R: var(roc(aSAH$outcome, aSAH$ndka)); var(roc(aSAH$outcome, as.numeric(aSAH$wfns)))   (1e-10 relative)
    for name in ("ndka", "wfns"):
        row = roc_auc(asah, predictor=name, **POOR).iloc[0]
        assert row["variance"] == pytest.approx(r_reference("proc", "aSAH", f"auc_variance[{name}]"), rel=1e-10)
        assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_fitted_logistic_model_as_predictor(asah):
    # R: d <- aSAH; d$poor <- as.integer(d$outcome == "Poor")
    #    fit <- glm(poor ~ s100b + ndka, family = binomial, data = d)
    #    r <- roc(d$poor, fitted(fit), levels = c(0, 1), direction = "<"); auc(r); var(r)
    data = asah.assign(poor=(asah["outcome"] == "Poor").astype(int))
    model = logistic_regression(data, outcome="poor", predictors=["s100b", "ndka"])
    row = roc_auc(data, outcome="poor", predictor=model).iloc[0]
    assert row["predictor"] == "logistic(s100b + ndka)"
    assert row["estimate"] == pytest.approx(0.781842818428184, rel=1e-10)
    assert row["variance"] == pytest.approx(0.00200297605563464, rel=1e-8)


@pytest.mark.parametrize("first, second", [("ndka", "s100b"), ("wfns", "s100b"), ("wfns", "ndka")])
def test_paired_delong_test(asah, r_reference, first, second):
    # R: roc.test(r.first, r.second, method = "delong", paired = TRUE)   (1e-10 relative)
    label = f"{first}-{second}"
    row = compare_auc(asah, predictors=(first, second), **POOR).iloc[0]
    assert row["statistic"] == pytest.approx(r_reference("proc", "aSAH", f"delong_z[{label}]"), rel=1e-10)
    assert row["p_value"] == pytest.approx(r_reference("proc", "aSAH", f"delong_p[{label}]"), rel=1e-10)
    assert row["estimate"] == pytest.approx(row["auc_1"] - row["auc_2"])  # roc.test(roc1, roc2): AUC1 - AUC2
    swapped = compare_auc(asah, predictors=(second, first), **POOR).iloc[0]
    assert swapped["statistic"] == pytest.approx(-row["statistic"])
    assert swapped["p_value"] == pytest.approx(row["p_value"])


def test_paired_difference_ci(asah, r_reference):
    # R: roc.test(r.ndka, r.s100b)$conf.int   (1e-10 relative)
    row = compare_auc(asah, predictors=("ndka", "s100b"), **POOR).iloc[0]
    assert row["ci_low"] == pytest.approx(r_reference("proc", "aSAH", "delong_ci_low[ndka-s100b]"), rel=1e-10)
    assert row["ci_high"] == pytest.approx(r_reference("proc", "aSAH", "delong_ci_high[ndka-s100b]"), rel=1e-10)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_youden_threshold_s100b(asah, r_reference):
    # R: coords(r.s100b, "best", best.method = "youden", ret = c("threshold", "specificity", "sensitivity"))
    row = youden_threshold(asah, predictor="s100b", **POOR).iloc[0]
    assert row["threshold"] == pytest.approx(r_reference("proc", "aSAH", "youden_threshold[s100b]"), rel=1e-12)
    assert row["specificity"] == pytest.approx(r_reference("proc", "aSAH", "youden_specificity[s100b]"), rel=1e-12)
    assert row["sensitivity"] == pytest.approx(r_reference("proc", "aSAH", "youden_sensitivity[s100b]"), rel=1e-12)
    assert (row["specificity"], row["sensitivity"]) == pytest.approx((58 / 72, 26 / 41))
    observed = youden_threshold(asah, predictor="s100b", convention="observed", **POOR).iloc[0]
    assert observed["threshold"] == pytest.approx(0.22)  # scikit-learn reports the observed value
    assert observed["youden_index"] == pytest.approx(row["youden_index"])


def test_curve_points_match_proc_and_sklearn(asah):
    points = roc_curve_points(asah, predictor="s100b", **POOR)
    distinct = np.unique(asah["s100b"])
    assert len(points) == len(distinct) + 1
    assert points["threshold"].iloc[0] == -np.inf and points["threshold"].iloc[-1] == np.inf
    np.testing.assert_allclose(points["threshold"].iloc[1:-1], (distinct[:-1] + distinct[1:]) / 2)
    observed = roc_curve_points(asah, predictor="s100b", convention="observed", **POOR)
    fpr, tpr, thresholds = roc_curve(asah["outcome"] == "Poor", asah["s100b"], drop_intermediate=False)
    ours = observed.sort_values("threshold", ascending=False)
    np.testing.assert_allclose(ours["threshold"], thresholds)
    np.testing.assert_allclose(ours["sensitivity"], tpr)
    np.testing.assert_allclose(ours["false_positive_rate"], fpr)


def test_metrics_at_youden_threshold(asah):
    table = classification_metrics(asah, predictor="s100b", threshold=0.205, **POOR).set_index("quantity")
    assert table.loc["sensitivity", "estimate"] == pytest.approx(26 / 41)
    assert table.loc["specificity", "estimate"] == pytest.approx(58 / 72)
    assert table.loc[["true_positives", "false_positives", "false_negatives", "true_negatives"],
                     "estimate"].tolist() == [26, 14, 15, 58]


# ----------------------------------------------------------------------------- invariants
def test_extreme_predictors():
    y = np.repeat([0, 1], 12)
    df = pd.DataFrame({"y": y, "perfect": np.arange(24.0), "reversed": -np.arange(24.0), "tied": np.ones(24)})
    with pytest.warns(UserWarning, match="zero DeLong variance"):
        assert roc_auc(df, outcome="y", predictor="perfect")["estimate"].iloc[0] == 1.0
    with pytest.warns(UserWarning, match="zero DeLong variance"):
        assert roc_auc(df, outcome="y", predictor="reversed", direction="<")["estimate"].iloc[0] == 0.0
    with pytest.warns(UserWarning, match="zero DeLong variance"):
        assert roc_auc(df, outcome="y", predictor="reversed", direction=">")["estimate"].iloc[0] == 1.0
    # A predictor with one value ranks nobody: its AUC would be 0.5 by construction with a zero-width CI, so it is
    # not estimated (pROC reports 0.5); the reason names the column, its value and the patients.
    with pytest.raises(NotEstimable, match=r"'tied' has the same value \(1.0\) for all 24 patients.*0.5 by construction"):
        roc_auc(df, outcome="y", predictor="tied")


def test_a_constant_predictor_has_no_auc_comparison_or_threshold_but_a_curve():
    y = np.repeat([0, 1], 12)
    df = pd.DataFrame({"y": y, "x": np.arange(24.0), "f": np.full(24, 9.0)})
    with pytest.raises(NotEstimable, match=r"'f' has the same value \(9.0\).*no AUC to compare"):
        compare_auc(df, outcome="y", predictors=("x", "f"))
    with pytest.raises(NotEstimable, match=r"'f' has the same value \(9.0\).*no threshold on it separates them"):
        youden_threshold(df, outcome="y", predictor="f", direction=">", n_boot=10, rng=1)
    # its ROC curve is the diagonal, which is still drawn
    curve = roc_curve_points(df, outcome="y", predictor="f")
    assert curve[["sensitivity", "false_positive_rate"]].to_numpy().tolist() == [[1.0, 1.0], [0.0, 0.0]]
    # one other value is enough to rank, and the AUC is estimated again
    varied = df.assign(f=np.r_[np.full(23, 9.0), 9.5])
    assert roc_auc(varied, outcome="y", predictor="f")["estimate"].iloc[0] == pytest.approx(0.5 + 0.5 / 12)


def test_auc_matches_sklearn_and_ci_contains_estimate():
    rng = np.random.default_rng(7)
    y = rng.random(500) < 0.3
    x = np.round(rng.normal(size=500) + 0.8 * y, 1)  # rounding creates ties
    df = pd.DataFrame({"y": y, "x": x})
    row = roc_auc(df, outcome="y", predictor="x", positive=True).iloc[0]
    assert row["estimate"] == pytest.approx(roc_auc_score(y, x), abs=1e-12)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    with pytest.warns(UserWarning, match="against the stated direction"):
        reversed_row = roc_auc(df, outcome="y", predictor="x", positive=True, direction=">").iloc[0]
    assert reversed_row["estimate"] == pytest.approx(1 - roc_auc_score(y, x), abs=1e-12)


def test_delong_covariance_matches_brute_force():
    rng = np.random.default_rng(11)
    y = rng.random(150) < 0.4
    scores = np.vstack([np.round(rng.normal(size=150) + y, 1), rng.integers(0, 4, 150) + y, rng.normal(size=150)])
    result = delong_auc(y, scores, directions=["<", "<", ">"])
    expected_auc, expected_cov = brute_force_delong(y, scores * np.array([[1], [1], [-1]]))
    np.testing.assert_allclose(result.auc, expected_auc, rtol=1e-12)
    np.testing.assert_allclose(result.covariance, expected_cov, rtol=1e-10)


def test_compare_accepts_model_scores_and_arrays(roc_cohort):
    model = logistic_regression(roc_cohort, outcome="good", predictors=["fa", "f"])
    with_model = compare_auc(roc_cohort, outcome="good", predictors=(model, "noise")).iloc[0]
    frame = roc_cohort.assign(score=model.predicted_probability)
    with_column = compare_auc(frame, outcome="good", predictors=("score", "noise")).iloc[0]
    with_array = compare_auc(roc_cohort, outcome="good", predictors=(model.predicted_probability.to_numpy(), "noise"))
    assert with_model["predictor_1"] == "logistic(fa + f)" and with_array["predictor_1"].iloc[0] == "score_1"
    assert with_model["statistic"] == pytest.approx(with_column["statistic"])
    assert with_array["statistic"].iloc[0] == pytest.approx(with_column["statistic"])
    with pytest.warns(UserWarning, match="Demler"):
        compare_auc(roc_cohort, outcome="good", predictors=(model, "fa"))
    shuffled = model.predicted_probability.sample(frac=1, random_state=1)  # aligned on the index
    assert compare_auc(roc_cohort, outcome="good", predictors=(shuffled, "noise"))["statistic"].iloc[0] == \
        pytest.approx(with_model["statistic"])


def test_unpaired_test_uses_welch_formula(roc_cohort):
    half = len(roc_cohort) // 2
    frame = roc_cohort.assign(fa_a=roc_cohort["fa"].where(np.arange(len(roc_cohort)) < half),
                          f_b=roc_cohort["f"].where(np.arange(len(roc_cohort)) >= half))
    row = compare_auc(frame, outcome="good", predictors=("fa_a", "f_b"), directions=("<", ">"), paired=False).iloc[0]
    first = roc_auc(roc_cohort.iloc[:half], outcome="good", predictor="fa").iloc[0]
    second = roc_auc(roc_cohort.iloc[half:], outcome="good", predictor="f", direction=">").iloc[0]
    se = np.sqrt(first["variance"] + second["variance"])
    assert row["statistic"] == pytest.approx((first["estimate"] - second["estimate"]) / se)
    assert row["df"] > 0 and np.isnan(row["correlation"])


@pytest.mark.parametrize("predictor, direction, convention", [
    ("s100b", "<", "midpoint"), ("minus_s100b", ">", "observed")])
def test_youden_bootstrap_matches_naive_loop(asah, predictor, direction, convention):
    asah = asah.assign(minus_s100b=-asah["s100b"])
    seed = 3
    options = dict(predictor=predictor, direction=direction, convention=convention, **POOR)
    result = youden_threshold(asah, n_boot=50, rng=np.random.default_rng(seed), **options).iloc[0]
    # naive: the same draws (all cases, then all controls, for every resample), one search per resample
    generator = np.random.default_rng(seed)
    cases, controls = asah[asah["outcome"] == "Poor"], asah[asah["outcome"] == "Good"]
    case_draws = generator.integers(0, len(cases), (50, len(cases)))
    control_draws = generator.integers(0, len(controls), (50, len(controls)))
    thresholds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c, k in zip(case_draws, control_draws):
            sample = pd.concat([cases.iloc[c], controls.iloc[k]], ignore_index=True)
            thresholds.append(youden_threshold(sample, **options)["threshold"].iloc[0])
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(tuple(np.quantile(thresholds, [0.025, 0.975])))


def test_youden_bootstrap_is_seeded(asah):
    first = youden_threshold(asah, predictor="ndka", n_boot=200, rng=42, **POOR)
    again = youden_threshold(asah, predictor="ndka", n_boot=200, rng=np.random.default_rng(42), **POOR)
    other = youden_threshold(asah, predictor="ndka", n_boot=200, rng=43, **POOR)
    pd.testing.assert_frame_equal(first, again)
    assert (first["ci_low"].iloc[0], first["ci_high"].iloc[0]) != (other["ci_low"].iloc[0], other["ci_high"].iloc[0])
    assert np.isnan(youden_threshold(asah, predictor="ndka", **POOR)["ci_low"].iloc[0])
    reversed_frame = asah.assign(minus_s100b=-asah["s100b"])
    unstratified = youden_threshold(reversed_frame, predictor="minus_s100b", direction=">", n_boot=100,
                                    stratified=False, rng=1, **POOR).iloc[0]
    assert unstratified["threshold"] == pytest.approx(-0.205)
    assert unstratified["ci_low"] <= -0.205 <= unstratified["ci_high"]


def test_youden_ties_report_highest_sensitivity():
    frame = pd.DataFrame({"y": [0, 0, 1, 0, 1, 1], "x": [1.0, 2, 3, 4, 5, 6]})
    frame["minus_x"] = -frame["x"]
    with pytest.warns(UserWarning, match="2 thresholds share the maximal Youden index"):
        row = youden_threshold(frame, outcome="y", predictor="x").iloc[0]
    assert (row["threshold"], row["sensitivity"], row["specificity"]) == pytest.approx((2.5, 1, 2 / 3))
    with pytest.warns(UserWarning, match="share the maximal"):
        row = youden_threshold(frame, outcome="y", predictor="minus_x", direction=">").iloc[0]
    assert (row["threshold"], row["sensitivity"]) == pytest.approx((-2.5, 1))


def test_youden_without_information_warns():
    # every case below every control, against the stated direction: no threshold has J above 0 (a constant
    # predictor, which ranks nobody, is not estimable at all: see the test above)
    frame = pd.DataFrame({"y": np.repeat([0, 1], 15), "x": np.r_[np.arange(15.0, 30.0), np.arange(15.0)]})
    with pytest.warns(UserWarning) as record:
        row = youden_threshold(frame, outcome="y", predictor="x", n_boot=20, rng=1).iloc[0]
    messages = " | ".join(str(w.message) for w in record)
    assert "no threshold has a Youden index above 0" in messages and "share the maximal Youden" in messages
    assert "20 resamples had no threshold" in messages
    assert np.isinf(row["threshold"]) and row["youden_index"] == 0


def wilson(count, total, z=1.959963984540054):
    centre = (count + z * z / 2) / (total + z * z)
    half = z * np.sqrt(count * (total - count) / total + z * z / 4) / (total + z * z)
    return centre - half, centre + half


def test_wilson_and_likelihood_ratio_limits():
    z = 1.959963984540054
    df = pd.DataFrame({"y": [1] * 10 + [0] * 10, "x": list(range(10, 20)) + list(range(10))})
    with pytest.warns(UserWarning, match="zero cell"):
        table = classification_metrics(df, outcome="y", predictor="x", threshold=10).set_index("quantity")
    sens, _spec = table.loc["sensitivity"], table.loc["specificity"]
    assert sens["estimate"] == 1.0 and (sens["ci_low"], sens["ci_high"]) == pytest.approx(wilson(10, 10))
    assert 0.6 < sens["ci_low"] < 0.75 and sens["ci_high"] == pytest.approx(1.0)
    # TP 10, FP 0, FN 0, TN 10: a zero cell, so 0.5 is added to every cell (Simel log method, as in
    # helpers.stats.diagnostic): LR+ = (10.5 / 11) / (0.5 / 11) = 21, SE = sqrt(1/10.5 - 1/11 + 1/0.5 - 1/11)
    se = np.sqrt(1 / 10.5 - 1 / 11 + 1 / 0.5 - 1 / 11)
    lr_positive = table.loc["positive_likelihood_ratio"]
    assert [lr_positive["estimate"], lr_positive["ci_low"], lr_positive["ci_high"]] == \
        pytest.approx([21.0, 21.0 * np.exp(-z * se), 21.0 * np.exp(z * se)])
    assert "0.5 added to every cell" in lr_positive["method"]
    assert table.loc["negative_likelihood_ratio", "estimate"] == pytest.approx(1 / 21)
    with pytest.warns(UserWarning, match="zero cell|undefined"):
        none = classification_metrics(df, outcome="y", predictor="x", threshold=100).set_index("quantity")
    assert none.loc["sensitivity", "estimate"] == 0.0 and none.loc["sensitivity", "ci_low"] == pytest.approx(0.0)
    assert none.loc["sensitivity", "ci_high"] == pytest.approx(wilson(0, 10)[1])  # about 0.278
    assert np.isnan(none.loc["positive_predictive_value", "estimate"])
    rng = np.random.default_rng(5)
    noisy = pd.DataFrame({"y": rng.random(200) < 0.4})
    noisy["x"] = rng.normal(size=200) + noisy["y"]
    table = classification_metrics(noisy, outcome="y", predictor="x", threshold=0.5, positive=True).set_index("quantity")
    tp, fp, fn, tn = table.loc[["true_positives", "false_positives", "false_negatives", "true_negatives"], "estimate"]
    lr = (tp / (tp + fn)) / (fp / (fp + tn))
    se = np.sqrt(1 / tp - 1 / (tp + fn) + 1 / fp - 1 / (fp + tn))
    assert table.loc["positive_likelihood_ratio", ["estimate", "ci_low", "ci_high"]].tolist() == \
        pytest.approx([lr, lr * np.exp(-z * se), lr * np.exp(z * se)])
    assert table.loc["sensitivity", ["numerator", "denominator"]].tolist() == [tp, tp + fn]


@pytest.mark.parametrize("threshold", [0.5, 10.0, -10.0])
def test_metrics_agree_with_diagnostic_module(threshold):
    # one convention in the book: classification_metrics is accuracy_from_counts on the 2x2 table
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"y": (rng.random(120) < 0.3).astype(int)})
    frame["x"] = rng.normal(size=120) + frame["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = classification_metrics(frame, outcome="y", predictor="x", threshold=threshold).set_index("quantity")
        reference = accuracy_from_counts(pd.DataFrame({"test_positive": (frame["x"] >= threshold).astype(int),
                                                       "disease_present": frame["y"]})).set_index("quantity")
    names = {"sensitivity": "sensitivity", "specificity": "specificity", "positive_predictive_value": "ppv",
             "negative_predictive_value": "npv", "positive_likelihood_ratio": "lr_positive",
             "negative_likelihood_ratio": "lr_negative", "true_positives": "true_positive",
             "false_negatives": "false_negative"}
    for ours_name, reference_name in names.items():
        np.testing.assert_allclose(ours.loc[ours_name, ["estimate", "ci_low", "ci_high"]].to_numpy(float),
                                   reference.loc[reference_name, ["estimate", "ci_low", "ci_high"]].to_numpy(float))
    assert list(ours.reset_index().columns) == ["quantity", "estimate", "ci_low", "ci_high", "numerator",
                                                "denominator", "threshold", "direction", "n", "method"]


def test_input_frame_unchanged(asah):
    before_asah = asah.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        roc_auc(asah, predictor="s100b", **POOR)
        compare_auc(asah, predictors=("ndka", "s100b"), **POOR)
        roc_curve_points(asah, predictor="ndka", direction=">", **POOR)
        youden_threshold(asah, predictor="s100b", n_boot=20, rng=1, **POOR)
        classification_metrics(asah, predictor="s100b", threshold=0.2, **POOR)
    pd.testing.assert_frame_equal(asah, before_asah)


@pytest.mark.parametrize("kwargs, message", [
    (dict(outcome="nope", predictor="s100b", positive="Poor"), "column 'nope' not found"),
    (dict(outcome="outcome", predictor="s100b", positive="Bad"), "positive='Bad' does not occur"),
    (dict(outcome="outcome", predictor="s100b", positive="Poor", direction="auto"), "There is no 'auto'"),
    (dict(outcome="gos6", predictor="s100b", positive=1), "distinct values"),
    (dict(outcome="outcome", predictor="gender", positive="Poor"), "not numeric"),
])
def test_input_errors(asah, kwargs, message):
    with pytest.raises(InputError, match=message):
        roc_auc(asah, **kwargs)


def test_missing_values_are_named(asah):
    frame = asah.copy()
    frame.loc[[3, 17], "ndka"] = np.nan
    with pytest.raises(InputError, match=r"rows 3, 17.*dropna"):
        compare_auc(frame, predictors=("ndka", "s100b"), **POOR)



def test_midranks_are_scipys_rankdata_from_one_sort():
    from scipy import stats

    from helpers.stats.roc import _midranks

    rng = np.random.default_rng(5)
    for n in (2, 3, 10, 100, 1000):
        for _ in range(20):
            values, is_case = rng.integers(0, max(2, n // 3), n).astype(float), rng.random(n) < 0.4
            pooled, within = _midranks(values, is_case)
            np.testing.assert_array_equal(pooled, stats.rankdata(values))
            np.testing.assert_array_equal(within[is_case], stats.rankdata(values[is_case]))
            np.testing.assert_array_equal(within[~is_case], stats.rankdata(values[~is_case]))
