"""Synthetic multi-centre cohort of the multi-site chapter: eight hospitals of different sizes and case-mix.

Survival after surgery for metastatic cord compression follows a Weibull proportional-hazards model with a
hospital-specific baseline; not achieving separation on the 2-3-week MRI multiplies the hazard of death by
:data:`TRUE_HAZARD_RATIO` everywhere except at one hospital (:data:`DIFFERENT_SITE`), where it is
:data:`DIFFERENT_SITE_HAZARD_RATIO`. Every patient is alive at the separation MRI (0.7 months). It imports no
estimator: the chapter's tests check what the estimators recover.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.validation.checks import as_rng

SEED = 20261130
"""Seed of the book's default cohort."""

TRUE_HAZARD_RATIO = 2.2
"""Hazard ratio of death, not separated vs separated, at every hospital but one (the generating value)."""

DIFFERENT_SITE, DIFFERENT_SITE_HAZARD_RATIO = "Delta", 0.8
"""The hospital whose effect differs (for instance, a centre that gives every non-separated patient
stereotactic radiotherapy), and its hazard ratio."""

LANDMARK_MONTHS = 0.7

# name: patients, share separated, share Bilsky 3, mean age, share radiotherapy, baseline median (months of a
# separated patient), follow-up range (months)
SITES = {
    "Alpha": (150, 0.45, 0.70, 61, 0.90, 14.0, (6.0, 54.0)),
    "Bravo": (120, 0.40, 0.75, 64, 0.85, 12.0, (6.0, 48.0)),
    "Charlie": (90, 0.55, 0.60, 58, 0.92, 16.0, (6.0, 54.0)),
    "Delta": (80, 0.45, 0.70, 62, 0.95, 13.0, (6.0, 48.0)),
    "Echo": (60, 0.35, 0.85, 67, 0.75, 9.0, (6.0, 36.0)),
    "Foxtrot": (40, 0.50, 0.65, 60, 0.88, 14.0, (6.0, 42.0)),
    "Golf": (25, 0.40, 0.80, 66, 0.80, 11.0, (4.0, 30.0)),
    "Hotel": (12, 0.50, 0.70, 63, 0.90, 15.0, (2.0, 8.0)),
}
"""Hospitals: a large academic centre down to a 12-patient unit that started last year (short follow-up)."""

_WEIBULL_SHAPE = 1.15
_BILSKY_OTHER = ("0", "1a", "1b", "1c", "2")


def simulate(rng: int | np.random.Generator | None = SEED, *, n: int | None = None) -> pd.DataFrame:
    """The synthetic multi-centre cohort: the columns of :data:`helpers.chapters.multi_site.schema.SCHEMA`.

    Parameters
    ----------
    rng : int, Generator or None
        Seed or Generator (same seed, same cohort).
    n : int, optional
        Larger cohorts (benchmarks): every hospital's size multiplied by ``round(n / 577)``. Default: the 577
        patients of :data:`SITES`.

    Examples
    --------
    >>> cohort = simulate()
    >>> cohort.groupby("site").size().sort_values(ascending=False).head(2).to_dict()
    {'Alpha': 150, 'Bravo': 120}
    """
    generator = as_rng(rng, default_seed=SEED)
    scale = 1 if n is None else max(1, round(n / sum(spec[0] for spec in SITES.values())))
    frames = []
    counter = 0
    for site, (n, p_separated, p_bilsky_3, mean_age, p_radiotherapy, median, follow_up) in SITES.items():
        n = n * scale
        separated = (generator.random(n) < p_separated).astype(int)
        bilsky_3 = (generator.random(n) < p_bilsky_3 + 0.1 * (1 - separated)).astype(int)
        bilsky = np.where(bilsky_3 == 1, "3", generator.choice(_BILSKY_OTHER, n, p=[0.05, 0.1, 0.15, 0.3, 0.4]))
        age = np.clip(np.round(generator.normal(mean_age, 11, n)), 30, 88).astype(int)
        sex = np.where(generator.random(n) < 0.6, "male", "female")
        sins = np.clip(np.round(generator.normal(10.0 + 0.8 * bilsky_3 - 0.6 * separated, 2.8, n)), 0, 18).astype(int)
        radiotherapy = (generator.random(n) < p_radiotherapy).astype(int)
        motor = np.clip(np.round(generator.normal(3.7 + 0.8 * separated, 1.1, n)), 0, 5).astype(int)
        ambulatory = (motor >= 4).astype(int)
        complication = (generator.random(n) < 0.24 - 0.1 * separated).astype(int)
        los = np.round(np.exp(generator.normal(np.log(16 + 6 * (1 - separated)), 0.5, n)))
        effect = DIFFERENT_SITE_HAZARD_RATIO if site == DIFFERENT_SITE else TRUE_HAZARD_RATIO
        log_risk = (np.log(effect) * (1 - separated) + 0.2 * bilsky_3 - 0.3 * radiotherapy + 0.01 * (age - 62))
        # Weibull with median `median` (months after the landmark) for a reference patient
        scale_months = median / np.log(2) ** (1 / _WEIBULL_SHAPE)
        residual = scale_months * (generator.exponential(1.0, n) / np.exp(log_risk)) ** (1 / _WEIBULL_SHAPE)
        censor = generator.uniform(*follow_up, n)
        death = (LANDMARK_MONTHS + residual <= censor).astype(int)
        months = np.round(np.where(death == 1, LANDMARK_MONTHS + residual, censor), 2)
        frames.append(pd.DataFrame({
            "site": site, "patient_id": [f"{site[0]}{counter + i:05d}" for i in range(n)],
            "age": age, "sex": sex, "separated": separated, "bilsky_grade": bilsky, "sins": sins,
            "motor_grade_post": motor, "ambulatory_post": ambulatory, "los_days": los,
            "radiotherapy": radiotherapy, "complication": complication, "survival_months": months, "death": death}))
        counter += n
    return pd.concat(frames, ignore_index=True)
