"""Diagnostic reasoning: likelihood ratios, pre- and post-test probability, accuracy from a 2x2 table.

Conventions: ``sensitivity`` = P(test positive | disease), ``specificity`` = P(test negative | no
disease); a pre-test probability is the clinician's probability of disease before the test. All
probabilities are fractions in (0, 1), not percentages.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from helpers.validation.checks import check_probability
from helpers.validation.errors import InputError
from helpers.validation.estimable import NOT_ESTIMATED
from helpers.validation.results import results_frame

INTERVAL_METHODS = {"wilson": "Wilson score", "exact": "Clopper-Pearson exact"}


def odds(probability: float | np.ndarray) -> float | np.ndarray:
    """Odds p / (1 - p) of a probability."""
    probability = np.asarray(probability, dtype=float)
    return probability / (1.0 - probability)


def post_test_probability(pretest_probability: float | np.ndarray,
                          likelihood_ratio: float | np.ndarray) -> float | np.ndarray:
    """Post-test probability from a pre-test probability and a likelihood ratio (Bayes' theorem, odds form).

    Notes
    -----
    post-test odds = pre-test odds x LR; probability = odds / (1 + odds).

    Examples
    --------
    >>> round(float(post_test_probability(0.3, 9.0)), 4)
    0.7941
    """
    post_odds = odds(pretest_probability) * np.asarray(likelihood_ratio, dtype=float)
    result = post_odds / (1.0 + post_odds)
    return float(result) if np.ndim(result) == 0 else result


def likelihood_ratios(sensitivity: float, specificity: float) -> tuple[float, float]:
    """Positive and negative likelihood ratios: sens / (1 - spec) and (1 - sens) / spec.

    Examples
    --------
    >>> [round(x, 4) for x in likelihood_ratios(0.9, 0.8)]
    [4.5, 0.125]
    """
    sensitivity = check_probability("sensitivity", sensitivity, closed=True)
    specificity = check_probability("specificity", specificity, closed=True)
    lr_positive = sensitivity / (1.0 - specificity) if specificity < 1 else np.inf
    lr_negative = (1.0 - sensitivity) / specificity if specificity > 0 else np.inf
    return lr_positive, lr_negative


def diagnostic_reasoning(*, pretest_probability: float, sensitivity: float,
                         specificity: float) -> pd.DataFrame:
    """Likelihood ratios and post-test probabilities for one test at one pre-test probability.

    Parameters
    ----------
    pretest_probability, sensitivity, specificity
        Fractions in (0, 1).

    Returns
    -------
    DataFrame
        Tidy rows (columns of :data:`helpers.validation.results.RESULT_COLUMNS`): ``lr_positive``, ``lr_negative``,
        ``post_test_probability_positive`` (= PPV at this prevalence), ``post_test_probability_negative``
        (= 1 - NPV), ``ppv``, ``npv``, all with ``group`` = ``"parameters"`` and no interval (the inputs
        are taken as known).

    Raises
    ------
    InputError
        When an input is not a probability strictly between 0 and 1.

    Examples
    --------
    >>> table = diagnostic_reasoning(pretest_probability=0.3, sensitivity=0.9, specificity=0.9)
    >>> round(float(table.set_index("quantity").loc["post_test_probability_positive", "estimate"]), 4)
    0.7941
    """
    pretest = check_probability("pretest_probability", pretest_probability)
    sensitivity = check_probability("sensitivity", sensitivity)
    specificity = check_probability("specificity", specificity)
    lr_positive, lr_negative = likelihood_ratios(sensitivity, specificity)
    positive = post_test_probability(pretest, lr_positive)
    negative = post_test_probability(pretest, lr_negative)
    method = "Bayes' theorem (odds form) with the given sensitivity and specificity"
    rows = [
        ("lr_positive", lr_positive, "sensitivity / (1 - specificity)"),
        ("lr_negative", lr_negative, "(1 - sensitivity) / specificity"),
        ("post_test_probability_positive", positive, method),
        ("post_test_probability_negative", negative, method),
        ("ppv", positive, method),
        ("npv", 1.0 - negative, method),
    ]
    return results_frame({"quantity": q, "group": "parameters", "estimate": e, "method": m} for q, e, m in rows)


def proportion_interval(successes: int, total: int, *, level: float = 0.95,
                        method: str = "wilson") -> tuple[float, float]:
    """Confidence interval of a proportion: Wilson score (default) or Clopper-Pearson exact.

    Examples
    --------
    >>> [round(x, 4) for x in proportion_interval(8, 10)]
    [0.4902, 0.9433]
    """
    from statsmodels.stats.proportion import proportion_confint

    if method not in INTERVAL_METHODS:
        raise InputError(f"interval method: expected one of {sorted(INTERVAL_METHODS)}, got {method!r}.")
    if total <= 0:
        return (np.nan, np.nan)
    low, high = proportion_confint(successes, total, alpha=1.0 - level,
                                   method="wilson" if method == "wilson" else "beta")
    return float(low), float(high)


def _log_ratio_interval(estimate: float, standard_error: float, level: float) -> tuple[float, float]:
    z = stats.norm.ppf(0.5 + level / 2.0)
    return float(np.exp(np.log(estimate) - z * standard_error)), float(np.exp(np.log(estimate) + z * standard_error))


def two_by_two(df: pd.DataFrame, *, test: str = "test_positive",
               disease: str = "disease_present") -> dict[str, int]:
    """Counts of a 2x2 table: true/false positives and negatives from 0/1 columns."""
    for column in (test, disease):
        if column not in df.columns:
            raise InputError(f"column '{column}' not found; expected 0/1 columns '{test}' and '{disease}'.")
    tested = df[test].astype(int).to_numpy()
    diseased = df[disease].astype(int).to_numpy()
    return {
        "true_positive": int(np.sum((tested == 1) & (diseased == 1))),
        "false_positive": int(np.sum((tested == 1) & (diseased == 0))),
        "false_negative": int(np.sum((tested == 0) & (diseased == 1))),
        "true_negative": int(np.sum((tested == 0) & (diseased == 0))),
    }


def accuracy_from_counts(df: pd.DataFrame, *, test: str = "test_positive", disease: str = "disease_present",
                         pretest_probability: float | None = None, level: float = 0.95,
                         interval: str = "wilson") -> pd.DataFrame:
    """Sensitivity, specificity, predictive values and likelihood ratios estimated from patient rows.

    Parameters
    ----------
    df
        One row per patient with 0/1 columns ``test`` and ``disease``.
    pretest_probability
        If given, post-test probabilities for a positive and a negative result at this pre-test
        probability are added, with intervals carried over from the likelihood-ratio intervals.
    level
        Confidence level of every interval.
    interval
        ``"wilson"`` (Wilson score) or ``"exact"`` (Clopper-Pearson) for the proportions.

    Returns
    -------
    DataFrame
        Tidy rows (columns of :data:`helpers.validation.results.RESULT_COLUMNS`), ``group`` = ``"data"``: the four
        counts, ``prevalence``, ``sensitivity``, ``specificity``, ``ppv``, ``npv`` (proportions with the
        chosen interval), ``lr_positive`` and ``lr_negative`` (log-method intervals), and the post-test
        probabilities when ``pretest_probability`` is given. PPV and NPV here use the sample's own
        prevalence, which equals the population's only in a cohort (not a case-control) sample.
        A quantity that is 0/0 for these patients (the PPV, LR+ and post-test probability after a positive
        result when the test was never positive; the NPV, LR- and post-test probability after a negative
        result when it was never negative) has no estimate and a ``method`` starting "not estimated for
        this cohort" that says why.

    Notes
    -----
    Likelihood-ratio intervals use the log method (Simel, Samsa & Matchar 1991):
    SE(ln LR+) = sqrt(1/TP - 1/(TP+FN) + 1/FP - 1/(FP+TN)) and
    SE(ln LR-) = sqrt(1/FN - 1/(TP+FN) + 1/TN - 1/(FP+TN)). When a cell in the ratio's numerator is zero
    (a ratio of 0 or infinity), or both of the other two are (both proportions are 1, so the SE is 0 and the
    interval has no width), 0.5 is added to every cell for that ratio only, with a warning; when both
    numerator cells are zero (no positive
    results for LR+, no negative ones for LR-) the ratio is 0/0 and no correction gives it a meaning.
    """
    counts = two_by_two(df, test=test, disease=disease)
    tp, fp, fn, tn = (counts[k] for k in ("true_positive", "false_positive", "false_negative", "true_negative"))
    diseased, healthy, total = tp + fn, fp + tn, tp + fp + fn + tn
    if diseased == 0 or healthy == 0:
        missing = "with the disease" if diseased == 0 else "without the disease"
        raise InputError(f"column '{disease}': no patients {missing}; sensitivity and specificity need both "
                         "(1 = disease present, 0 = absent).")
    proportion_method = f"{INTERVAL_METHODS[interval]} interval"
    # Why a quantity is 0/0 for these patients: the test was never positive, or never negative.
    never = {result: f"the test was {result} in none of the {total} patients"
             for result, count in (("positive", tp + fp), ("negative", fn + tn)) if count == 0}
    rows = [{"quantity": name, "group": "data", "estimate": value, "method": "count", "n": total}
            for name, value in counts.items()]
    for name, numerator, denominator in (("prevalence", diseased, total), ("sensitivity", tp, diseased),
                                         ("specificity", tn, healthy), ("ppv", tp, tp + fp), ("npv", tn, tn + fn)):
        if denominator == 0:  # PPV or NPV of a test that was never positive or never negative
            result, words = {"ppv": ("positive", "positive predictive value"),
                             "npv": ("negative", "negative predictive value")}[name]
            rows.append({"quantity": name, "group": "data", "n": 0,
                         "method": f"{NOT_ESTIMATED}: {words}: {never[result]}, so the share of {result} results "
                                   f"{'with' if result == 'positive' else 'without'} the disease is 0/0"})
            continue
        low, high = proportion_interval(numerator, denominator, level=level, method=interval)
        rows.append({"quantity": name, "group": "data", "estimate": numerator / denominator, "ci_low": low,
                     "ci_high": high, "method": proportion_method, "n": denominator})

    def ratio(a: float, b: float, c: float, d: float, label: str) -> tuple[float, float, float, str]:
        # ratio (a / (a + c)) / (b / (b + d)) with the log-method interval
        method = "log method (Simel 1991)"
        if min(a, b) == 0 or c == d == 0:  # a ratio of 0 or infinity, or an SE of 0 (both proportions 1)
            warnings.warn(f"{label}: a zero cell; 0.5 added to every cell for this ratio", stacklevel=3)
            a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
            method += ", 0.5 added to every cell"
        estimate = (a / (a + c)) / (b / (b + d))
        standard_error = np.sqrt(1 / a - 1 / (a + c) + 1 / b - 1 / (b + d))
        low, high = _log_ratio_interval(estimate, standard_error, level)
        return estimate, low, high, method

    undefined = {  # a likelihood ratio whose two proportions are both 0: 0/0
        "lr_positive": "positive" in never and (f"{NOT_ESTIMATED}: positive likelihood ratio: {never['positive']}, so "
                                                "sensitivity and 1 - specificity are both 0 and their ratio is 0/0"),
        "lr_negative": "negative" in never and (f"{NOT_ESTIMATED}: negative likelihood ratio: {never['negative']}, so "
                                                "1 - sensitivity and specificity are both 0 and their ratio is 0/0"),
    }
    lr_pos = None if undefined["lr_positive"] else ratio(tp, fp, fn, tn, "lr_positive")
    lr_neg = None if undefined["lr_negative"] else ratio(fn, tn, tp, fp, "lr_negative")
    for name, fitted in (("lr_positive", lr_pos), ("lr_negative", lr_neg)):
        if fitted is None:
            rows.append({"quantity": name, "group": "data", "method": undefined[name], "n": total})
            continue
        estimate, low, high, method = fitted
        rows.append({"quantity": name, "group": "data", "estimate": estimate, "ci_low": low, "ci_high": high,
                     "method": method, "n": total})
    if pretest_probability is not None:
        pretest = check_probability("pretest_probability", pretest_probability)
        for name, result, fitted in (("post_test_probability_positive", "positive", lr_pos),
                                     ("post_test_probability_negative", "negative", lr_neg)):
            if fitted is None:
                rows.append({"quantity": name, "group": "data", "n": total,
                             "method": f"{NOT_ESTIMATED}: post-test probability after a {result} result: it needs "
                                       f"the {result} likelihood ratio, which is 0/0 here ({never[result]})"})
                continue
            estimate, low, high, _ = fitted
            rows.append({"quantity": name, "group": "data", "estimate": post_test_probability(pretest, estimate),
                         "ci_low": post_test_probability(pretest, low), "ci_high": post_test_probability(pretest, high),
                         "method": f"pre-test probability {pretest:g} x likelihood ratio from the data "
                                   "(interval from the likelihood-ratio interval)", "n": total})
    return results_frame(rows)


def predictive_values_by_prevalence(*, sensitivity: float, specificity: float,
                                    prevalence: np.ndarray | None = None) -> pd.DataFrame:
    """PPV and NPV over a grid of prevalences (pre-test probabilities) for a fixed test.

    Returns
    -------
    DataFrame
        Columns ``prevalence``, ``ppv``, ``npv`` (one row per prevalence; default 199 points in 0.005-0.995).
    """
    sensitivity = check_probability("sensitivity", sensitivity)
    specificity = check_probability("specificity", specificity)
    prevalence = np.linspace(0.005, 0.995, 199) if prevalence is None else np.asarray(prevalence, dtype=float)
    lr_positive, lr_negative = likelihood_ratios(sensitivity, specificity)
    return pd.DataFrame({
        "prevalence": prevalence,
        "ppv": post_test_probability(prevalence, lr_positive),
        "npv": 1.0 - post_test_probability(prevalence, lr_negative),
    })
