"""Odd but valid cohorts of the dti-ivim and paraspinal-imf chapters (issue 18, item 5), made from the
chapters' synthetic files, deterministically (no random numbers). Run from the repository root:

    python tests/data/odd/make_odd_cohorts_dti_paraspinal.py

and it rewrites the CSVs beside it; tests/test_odd_cohorts_dti_paraspinal.py checks that they are what this
script makes and runs each chapter on them.

* ``dti_ivim_constant_f.csv`` (the issue's): every patient's perfusion fraction f is 9.0 (a site that
  reported one value). f has no correlation, AUC, threshold or DeLong comparison, and the FA + f model
  cannot be fitted; FA, ADC, D and D* are reported as usual.
* ``dti_ivim_separated.csv``: a pilot series of 30 patients in which FA separates good from poor recovery
  completely (every good recoverer has FA >= 0.43, every poor one FA <= 0.39). The AUC of FA is 1; the
  logistic model has no maximum likelihood estimate, so its odds ratios, bootstrap validation,
  calibration and decision curve are not estimated.
* ``paraspinal_imf_all_female.csv``: every patient female (a women's cohort). No model can be adjusted for
  sex: the adjusted odds ratios, the mixed models and the GEE analysis are not estimated; the unadjusted
  odds ratios, percentages and per-visit tests are reported.
* ``paraspinal_imf_all_recovered_3_months.csv``: at the 3-month visit every patient who answered reported
  at least "much improved" (GPE at most 2). Recovery has no odds ratio at 3 months; every other visit and
  outcome has.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SYNTHETIC = HERE.parents[2] / "data" / "synthetic"


def dti_ivim_constant_f(data: pd.DataFrame) -> pd.DataFrame:
    return data.assign(f=9.0)


def dti_ivim_separated(data: pd.DataFrame) -> pd.DataFrame:
    pilot = data.head(30).copy()
    good = 100 * (pilot["mjoa_post"] - pilot["mjoa_pre"]) / (18 - pilot["mjoa_pre"]) >= 50
    pilot.loc[good, "fa"] = pilot.loc[good, "fa"].clip(lower=0.43)
    pilot.loc[~good, "fa"] = pilot.loc[~good, "fa"].clip(upper=0.39)
    return pilot


def paraspinal_imf_all_female(data: pd.DataFrame) -> pd.DataFrame:
    return data.assign(sex="female")


def paraspinal_imf_all_recovered_3_months(data: pd.DataFrame) -> pd.DataFrame:
    at_3 = data["visit_month"] == 3
    return data.assign(gpe=data["gpe"].where(~at_3, data["gpe"].clip(upper=2)))


COHORTS = {
    "dti_ivim_constant_f": ("dti_ivim.csv", dti_ivim_constant_f),
    "dti_ivim_separated": ("dti_ivim.csv", dti_ivim_separated),
    "paraspinal_imf_all_female": ("paraspinal_imf.csv", paraspinal_imf_all_female),
    "paraspinal_imf_all_recovered_3_months": ("paraspinal_imf.csv", paraspinal_imf_all_recovered_3_months),
}
"""Name -> (the chapter's synthetic file, what makes it odd)."""


def make(name: str) -> str:
    """The CSV text of one odd cohort (numbers written as pandas writes them: 62.7, not 62.700000)."""
    source, change = COHORTS[name]
    data = pd.read_csv(SYNTHETIC / source)
    frame = change(data)
    if "gpe" in frame:
        frame["gpe"] = frame["gpe"].astype("Int64")
    return frame.to_csv(index=False, lineterminator="\n")


if __name__ == "__main__":
    for name in COHORTS:
        (HERE / f"{name}.csv").write_text(make(name), encoding="utf-8")
        print(f"wrote {name}.csv")
