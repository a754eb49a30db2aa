"""Tests of helpers.stats.paired: one paired analysis behind both entry points, and the Hodges-Lehmann
pseudo-median with its distribution-free interval against R's ``wilcox.test(..., conf.int = TRUE)``.

R switches between an exact interval (fewer than 50 differences, no zeros, no tied |d|) and the inversion
of the normal-approximation test with tie and continuity corrections, whose ends it finds with ``uniroot``
(tol = 1e-4); the helpers follow the same switch and find the ends exactly, so R's limits are matched to
1e-4. R's estimate in the normal-approximation case is a root between the two middle Walsh averages; the
helpers report their midpoint, the median.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.stats.paired import compare_matched_pairs, hodges_lehmann_pseudomedian, paired_comparison
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable


def walsh_averages(differences) -> np.ndarray:
    values = np.asarray(differences, dtype=float)
    values = values[values != 0]
    i, j = np.triu_indices(values.size)
    return np.sort((values[i] + values[j]) / 2)


def test_fewer_than_three_complete_pairs_is_not_estimable():
    matched = pd.DataFrame({"pair_id": [1, 1, 2, 2, 3, 3], "arm": ["a", "b"] * 3, "y": [10, 12, 8, 11, 9, np.nan]})
    with pytest.raises(NotEstimable, match=r"only 2 pair\(s\) have 'y' for both members; at least 3 are needed"):
        compare_matched_pairs(matched, outcome="y", group="arm")


def test_pseudomedian_matches_r_exact():
    # R: wilcox.test(c(1.2, 2.9, 0.4, 3.8, -0.7, 2.2, 1.6), conf.int = TRUE)
    #    -> V = 26, p-value = 0.04688, 95 percent CI 0.25 3.00, (pseudo)median 1.625
    #    conf.level = 0.8 -> 80 percent CI 0.75 2.55
    differences = [1.2, 2.9, 0.4, 3.8, -0.7, 2.2, 1.6]
    result = hodges_lehmann_pseudomedian(differences)
    assert result.exact and (result.estimate, result.ci_low, result.ci_high) == pytest.approx((1.625, 0.25, 3.0))
    narrower = hodges_lehmann_pseudomedian(differences, level=0.8)
    assert (narrower.ci_low, narrower.ci_high) == pytest.approx((0.75, 2.55))


def test_pseudomedian_matches_r_with_zeros_and_ties():
    # R: d <- c(0, 0, 0, 1, 2, 2, 3, 5, -1, 4); wilcox.test(d, conf.int = TRUE)
    #    -> V = 26.5, p-value = 0.04179, 95 percent CI 4.723e-05 4.49996 (uniroot), (pseudo)median 2.468225
    #    (the zeros are dropped; R's estimate is a root between the two middle Walsh averages, 2 and 2.5)
    #    conf.level = 0.8 -> 80 percent CI 1.00002 3.49996
    d = [0, 0, 0, 1, 2, 2, 3, 5, -1, 4]
    result = hodges_lehmann_pseudomedian(d)
    assert not result.exact and "3 zero difference(s) dropped" in result.method
    assert (result.ci_low, result.ci_high) == pytest.approx((0.0, 4.5), abs=1e-4)
    walsh = walsh_averages(d)
    assert result.estimate == np.median(walsh) == 2.25 and walsh[13] <= 2.468225 <= walsh[14]
    assert (hodges_lehmann_pseudomedian(d, level=0.8).ci_low, hodges_lehmann_pseudomedian(d, level=0.8).ci_high) \
        == pytest.approx((1.0, 3.5), abs=1e-4)


def test_pseudomedian_edge_cases_follow_r():
    # R: wilcox.test(c(3, 3, 3, 0), conf.int = TRUE) -> CI NaN NaN ("all observations are zero or tied")
    tied = hodges_lehmann_pseudomedian([3, 3, 3, 0])
    assert tied.estimate == 3 and np.isnan(tied.ci_low) and np.isnan(tied.ci_high) and "same" in tied.method
    # R: wilcox.test(c(1, 1, 2, -1, 0), conf.int = TRUE) -> CI -5e-05 1.5 at conf.level 0.8 (lowered, warning)
    with pytest.warns(UserWarning, match="not achievable"):
        lowered = hodges_lehmann_pseudomedian([1, 1, 2, -1, 0])
    assert (lowered.ci_low, lowered.ci_high) == pytest.approx((0.0, 1.5), abs=1e-4) and "level 0.8" in lowered.method
    with pytest.raises(InputError, match="zero"):
        hodges_lehmann_pseudomedian([0.0, 0.0])


def test_pseudomedian_matches_live_r(rscript):
    # Seeded differences on both sides of R's switch: R: wilcox.test(d, conf.int = TRUE, conf.level = level)
    rng = np.random.default_rng(11)
    cases = [(np.round(rng.normal(1, 2, 30), 5), 0.95), (np.round(rng.normal(1, 2, 80), 5), 0.95),
             (rng.integers(-2, 7, 105).astype(float), 0.95), (rng.integers(-1, 4, 40).astype(float), 0.9),
             (np.round(rng.normal(0.5, 1, 20), 5), 0.8)]
    code = "".join(f"r <- suppressWarnings(wilcox.test(c({', '.join(repr(float(v)) for v in d)}), conf.int = TRUE, "
                   f"conf.level = {level}))\ncat(sprintf('%.17g', c(r$estimate, r$conf.int)), '\\n')\n"
                   for d, level in cases)
    lines = [line.split() for line in rscript(code).strip().splitlines()]
    for (d, level), line in zip(cases, lines, strict=True):
        estimate, low, high = map(float, line)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            result = hodges_lehmann_pseudomedian(d, level=level)
        assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-4)
        walsh = walsh_averages(d)
        if result.exact:
            assert result.estimate == pytest.approx(estimate, abs=1e-12)
        else:
            assert walsh[(walsh.size - 1) // 2] - 1e-4 <= estimate <= walsh[walsh.size // 2] + 1e-4


@pytest.mark.parametrize("normality", ["normal", "nonnormal", "shapiro"])
@pytest.mark.parametrize("differences", [
    [0.952, -0.147, 1.022, 0.43, 0.62, 0.59, 0.49, -0.08, 0.01],       # Hollander and Wolfe: exact Wilcoxon
    [3, 3, -1, 2, 2, 2, 5, 0, -2, 4, 1, 1, 6, 2],                      # ties and a zero: normal approximation
    list(np.round(np.random.default_rng(4).exponential(3, 40) ** 2, 1)),  # skewed: the rule picks Wilcoxon
])
def test_both_entry_points_are_one_analysis(differences, normality):
    # The same pairs as a before/after table and as a matched cohort: the same test, estimate, CI and p.
    before = np.linspace(10, 20, len(differences))
    after = before + np.asarray(differences, dtype=float)
    wide = pd.DataFrame({"pre": before, "post": after})
    n = len(differences)
    long = pd.DataFrame({"pair_id": np.repeat(np.arange(n), 2), "arm": ["control", "treated"] * n,
                         "y": np.column_stack([before, after]).ravel()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # small samples: R's "level not achievable"
        one = paired_comparison(wide, before="pre", after="post", normality=normality).iloc[0]
        other = compare_matched_pairs(long, outcome="y", group="arm", reference="control",
                                      normality=normality).iloc[0]
    for column in ("quantity", "test", "n"):
        assert one[column] == other[column], column
    for column in ("estimate", "ci_low", "ci_high", "p_value", "statistic"):
        assert one[column] == pytest.approx(other[column], rel=1e-12, nan_ok=True), column
    assert one["method"] in other["method"]
    if one["test"] == "Wilcoxon signed-rank":
        assert one["quantity"] == "Hodges-Lehmann pseudo-median"
        assert one["estimate"] == pytest.approx(np.median(walsh_averages(after - before)), rel=1e-12)
    else:
        assert one["quantity"] == "mean difference"
        assert one["estimate"] == pytest.approx(np.mean(after - before), rel=1e-12)


def test_walsh_averages_by_distinct_values_equal_every_pair():
    # the distinct Walsh averages and their counts, against all n(n + 1)/2 pairs written out
    from helpers.stats.paired import _walsh_averages

    rng = np.random.default_rng(8)
    for values in (rng.integers(-4, 5, 60) / 2, rng.normal(0, 1, 40), np.array([3.0]), np.array([1.0, 1.0])):
        i, j = np.triu_indices(len(values))
        every = np.sort((values[i] + values[j]) / 2)
        points, at_most = _walsh_averages(values)
        np.testing.assert_array_equal(points, np.unique(every))
        np.testing.assert_array_equal(at_most, np.searchsorted(every, points, side="right"))
