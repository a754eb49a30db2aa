"""Synthetic data of the dti-ivim chapter: DTI and IVIM metrics and mJOA before and after surgery.

The cohort is calibrated to the published headline numbers in :data:`PUBLISHED` (Rehman et al.,
Cureus 2026, doi:10.7759/cureus.104234). The generator is a fixed statistical model (below) drawn
with a fixed seed; the model's parameters and the default seed were chosen offline so that the
default file reproduces the published numbers within the chapter's tolerances. The paper reports no
figures for the IVIM diffusion coefficients D and D*: their values here are plausible assumptions.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from helpers.validation.checks import as_rng

SEED = 33565
"""Default seed of this chapter's cohort (found offline; see :func:`simulate`)."""

GOOD_RECOVERY_CUTOFF = 50.0
"""Recovery rate (%) at or above which recovery counts as good: an assumption, the abstract gives none."""

# The model, on the scale of the recovery rate's z-score z = (rate - 60) / 20 and the good-recovery
# indicator g (rate >= GOOD_RECOVERY_CUTOFF): score = slope * z + step * (2 g - 1) + noise; metric =
# mean + sd * score (a negative sd for metrics that fall as recovery improves).
_MODEL = MappingProxyType({
    "mjoa_pre": (10.40, 2.30),  # mean, SD of the latent score before rounding
    "recovery": (59.3, 19.2),  # mean, SD of the latent recovery rate (%) before rounding the mJOA
    "fa": {"mean": 0.425, "sd": 0.045, "slope": 0.851, "step": 0.146},
    "adc": {"mean": 1.18, "sd": -0.12, "slope": 0.706, "step": 0.050},
    "f": {"mean": 10.0, "sd": 2.2, "slope": 0.573, "step": 0.093},
    "d": {"mean": 1.00, "sd": -0.11, "slope": 0.356, "step": 0.046},
    "d_star": {"mean": 2.45, "sd": 0.25, "slope": 0.15, "step": 0.10},  # log of D* (x10^-3 mm2/s)
    # correlation of the noise terms, order fa, adc, f, d, d_star
    "noise_correlation": ((1.0, -0.30, 0.0, 0.0, 0.0),
                          (-0.30, 1.0, 0.0, 0.50, 0.0),
                          (0.0, 0.0, 1.0, 0.0, 0.30),
                          (0.0, 0.50, 0.0, 1.0, 0.0),
                          (0.0, 0.0, 0.30, 0.0, 1.0)),
    "d_below_adc": 0.97,  # D is at most this fraction of ADC (D excludes the perfusion part of ADC)
})


def _simulate(n: int, generator: np.random.Generator, model) -> pd.DataFrame:
    age = np.clip(np.round(generator.normal(58.0, 10.0, n)), 30, 85).astype(int)
    sex = np.where(generator.random(n) < 0.62, "male", "female")
    pre_mean, pre_sd = model["mjoa_pre"]
    pre = np.clip(np.round(generator.normal(pre_mean, pre_sd, n)), 3, 17)
    rate_mean, rate_sd = model["recovery"]
    latent_rate = np.clip(generator.normal(rate_mean, rate_sd, n), -20.0, 100.0)
    post = np.clip(np.round(pre + latent_rate / 100.0 * (18.0 - pre)), 0, 18)
    rate = (post - pre) / (18.0 - pre) * 100.0
    z = (rate - 60.0) / 20.0
    step = np.where(rate >= GOOD_RECOVERY_CUTOFF, 1.0, -1.0)
    names = ("fa", "adc", "f", "d", "d_star")
    noise = generator.multivariate_normal(np.zeros(len(names)), np.asarray(model["noise_correlation"]), n,
                                          method="cholesky")
    metric = {}
    for k, name in enumerate(names):
        part = model[name]
        metric[name] = part["mean"] + part["sd"] * (part["slope"] * z + part["step"] * step + noise[:, k])
    fa = np.clip(metric["fa"], 0.05, 0.95)
    adc = np.clip(metric["adc"], 0.5, 2.5)
    f = np.clip(metric["f"], 1.0, 30.0)
    d = np.clip(np.minimum(metric["d"], model["d_below_adc"] * adc), 0.3, None)
    return pd.DataFrame({
        "patient_id": [f"DT{i:04d}" for i in range(1, n + 1)],
        "age": age,
        "sex": sex,
        "mjoa_pre": pre.astype(int),
        "mjoa_post": post.astype(int),
        "fa": np.round(fa, 3),
        "adc": np.round(adc, 3),
        "d": np.round(d, 3),
        "d_star": np.round(np.exp(metric["d_star"]), 2),
        "f": np.round(f, 1),
    })


def simulate(n: int = 105, *, rng: int | np.random.Generator | None = None) -> pd.DataFrame:
    """A synthetic cohort of patients operated on for cervical myelopathy, with preoperative DTI and IVIM.

    Parameters
    ----------
    n : int
        Number of patients (the paper: 105).
    rng : int, numpy.random.Generator or None
        Seed or generator; None uses :data:`SEED`, the seed whose cohort matches :data:`PUBLISHED`.

    Returns
    -------
    DataFrame
        ``patient_id`` (``DT0001``...), ``age`` (years), ``sex`` (``female``/``male``), ``mjoa_pre``,
        ``mjoa_post`` (whole mJOA points, 0-18), ``fa`` (0-1), ``adc``, ``d``, ``d_star``
        (x10^-3 mm2/s), ``f`` (perfusion fraction, %).

    Notes
    -----
    mJOA before surgery: a rounded normal score (3-17). A latent recovery rate (normal, at most 100 %)
    sets the mJOA after surgery, rounded and kept in 0-18; the observed recovery rate comes from the
    rounded scores. Each imaging metric is mean + sd * (slope * z + step * (+1 good / -1 poor
    recovery) + noise), with z the recovery rate's z-score and correlated normal noise; the small step
    lets the published AUCs and correlations hold together. D has a weaker link to recovery, noise
    correlated with ADC's, and stays below 0.97 x ADC (D leaves out the perfusion part of ADC); D* is
    log-normal with a weak link to recovery and to f. Both are assumptions: the paper gives no figures.
    The model and :data:`SEED` were chosen by an offline search so that the default cohort meets
    every tolerance in :data:`PUBLISHED`; other seeds give other cohorts from the same model.
    """
    return _simulate(int(n), as_rng(SEED if rng is None else rng), _MODEL)
