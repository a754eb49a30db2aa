"""Meta-analysis (helpers.stats.meta_analysis) against R's metafor 3.8-1 on dat.bcg (13 BCG trials)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from helpers.stats.meta_analysis import meta_analysis, tau2_dersimonian_laird, tau2_reml
from helpers.validation.errors import InputError

# metafor's dat.bcg: trial, tpos, tneg, cpos, cneg (Colditz et al. 1994).
BCG = [(1, 4, 119, 11, 128), (2, 6, 300, 29, 274), (3, 3, 228, 11, 209), (4, 62, 13536, 248, 12619),
       (5, 33, 5036, 47, 5761), (6, 180, 1361, 372, 1079), (7, 8, 2537, 10, 619), (8, 505, 87886, 499, 87892),
       (9, 29, 7470, 45, 7232), (10, 17, 1699, 65, 1600), (11, 186, 50448, 141, 27197),
       (12, 5, 2493, 3, 2338), (13, 27, 16886, 29, 17825)]


def bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray]:
    """escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg): yi and sqrt(vi)."""
    a, b, c, d = (np.array([row[i] for row in BCG], dtype=float) for i in range(1, 5))
    yi = np.log((a / (a + b)) / (c / (c + d)))
    return yi, np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))


# R 4.2, metafor 3.8-1:
#   dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
#   r <- rma(dat$yi, sei = sqrt(dat$vi), method = m, test = t); p <- predict(r)
#   c(r$b, r$se, r$ci.lb, r$ci.ub, r$pval, r$tau2, r$I2, r$QE, r$QEp, p$pi.lb, p$pi.ub)
METAFOR_BCG = {
    ("FE", False): (-0.430285, 0.040499, -0.509661, -0.350909, 2.288629e-26, 0.0, 92.117350, 152.233008, 0.0,
                    -0.509661, -0.350909),
    ("DL", False): (-0.714117, 0.178742, -1.064445, -0.363789, 0.000065, 0.308760, 92.117347, 152.233008, 0.0,
                    -1.858154, 0.429919),
    ("DL", True): (-0.714117, 0.180697, -1.107821, -0.320413, 0.001921, 0.308760, 92.117347, 152.233008, 0.0,
                   -1.987207, 0.558973),
    ("REML", False): (-0.714532, 0.179782, -1.066898, -0.362167, 0.000071, 0.313243, 92.221386, 152.233008, 0.0,
                      -1.866692, 0.437628),
    ("REML", True): (-0.714532, 0.180792, -1.108444, -0.320621, 0.001920, 0.313243, 92.221386, 152.233008, 0.0,
                     -1.996017, 0.566952),
}
FIELDS = ("estimate", "standard_error", "ci_low", "ci_high", "p_value", "tau2", "i2", "q", "q_p_value",
          "pi_low", "pi_high")


@pytest.mark.parametrize("method, knha", list(METAFOR_BCG))
def test_bcg_matches_metafor_to_4_decimals(method, knha):
    yi, sei = bcg_log_risk_ratios()
    result = meta_analysis(yi, sei, method=method, knha=knha)
    for field, expected in zip(FIELDS, METAFOR_BCG[(method, knha)]):
        assert getattr(result, field) == pytest.approx(expected, abs=5e-5), field
    assert sum(result.weights) == pytest.approx(100)
    assert result.k == 13 and result.q_df == 12


def test_reml_differs_from_dl_and_converges_to_its_estimating_equation():
    yi, sei = bcg_log_risk_ratios()
    tau2 = tau2_reml(yi, sei)
    assert tau2 != pytest.approx(tau2_dersimonian_laird(yi, sei), abs=1e-4)
    w = 1 / (sei**2 + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    assert np.sum(w**2 * ((yi - mu) ** 2 - sei**2)) / np.sum(w**2) + 1 / np.sum(w) == pytest.approx(tau2, abs=1e-9)


def test_homogeneous_sites_give_zero_tau2_and_the_fixed_effect():
    result = meta_analysis([0.5, 0.5, 0.5], [0.1, 0.2, 0.3], method="REML")
    fixed = meta_analysis([0.5, 0.5, 0.5], [0.1, 0.2, 0.3], method="FE")
    assert result.tau2 == 0 and result.estimate == pytest.approx(fixed.estimate)
    assert result.pi_low == pytest.approx(result.ci_low)


@pytest.mark.parametrize("estimates, ses, needle", [
    ([0.1, np.nan], [0.1, 0.2], "position(s) [1]"),
    ([0.1, 0.2], [0.1, 0.0], "position(s) [1]"),
    ([0.1], [0.1, 0.2], "same length"),
    ([], [], "no estimates"),
])
def test_bad_input_is_refused(estimates, ses, needle):
    with pytest.raises(InputError, match=needle.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
                       .replace(")", r"\)")):
        meta_analysis(estimates, ses)


def test_unknown_method_is_refused():
    with pytest.raises(InputError, match="PM"):
        meta_analysis([0.1, 0.2], [0.1, 0.1], method="PM")


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not installed")
def test_live_metafor_agrees_on_bcg_and_on_random_sites():
    yi, sei = bcg_log_risk_ratios()
    rng = np.random.default_rng(15)
    sets = {"bcg": (yi, sei), "sites": (rng.normal(0.7, 0.3, 8), rng.uniform(0.15, 0.8, 8))}
    script = ["suppressMessages(library(metafor)); suppressMessages(library(jsonlite)); out <- list()"]
    for name, (y, s) in sets.items():
        for method in ("DL", "REML"):
            for test in ("z", "knha"):
                script.append(
                    f"r <- rma(c({','.join(map(repr, map(float, y)))}), sei = c({','.join(map(repr, map(float, s)))}),"
                    f" method = '{method}', test = '{test}'); p <- predict(r); "
                    f"out[['{name}_{method}_{test}']] <- c(r$b, r$se, r$ci.lb, r$ci.ub, r$pval, r$tau2, r$I2, r$QE, "
                    "r$QEp, p$pi.lb, p$pi.ub)")
    script.append("cat(toJSON(out, digits = NA))")
    output = subprocess.run(["Rscript", "-e", "\n".join(script)], capture_output=True, text=True, timeout=120,
                            check=True).stdout
    expected = json.loads(output)
    for name, (y, s) in sets.items():
        for method in ("DL", "REML"):
            for test in ("z", "knha"):
                result = meta_analysis(y, s, method=method, knha=test == "knha")
                for field, value in zip(FIELDS, expected[f"{name}_{method}_{test}"]):
                    assert getattr(result, field) == pytest.approx(value, abs=5e-5), (name, method, test, field)
