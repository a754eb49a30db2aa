"""Write the odd-but-valid cohorts of the dynamic-mri and equivocal-mri chapters (issue 18, item 5) from the
chapters' synthetic files, deterministically (rows are selected, never edited; values keep their text).

    python tests/data/odd/make_odd_cohorts_dynamic_equivocal.py

dynamic_mri_twelve_patients.csv     the issue's cohort: the first 6 patients of each arm. With 6 covariates the
                                    propensity model separates the arms perfectly (every score 0 or 1), so
                                    nothing can be matched or weighted; the crude comparison is still valid.
dynamic_mri_no_complications_dynamic.csv
                                    a small series in which no dynamic-MRI patient had a complication (the first
                                    30 such patients and the first 30 conventional-MRI patients): the hazard ratio
                                    is 0 (monotone likelihood), so the Cox model is skipped; the log-rank test is not.
dynamic_mri_two_segments.csv        every patient with 2 compressed segments (the first 30 of each arm): the
                                    covariate cannot differ between the arms and is left out of the propensity
                                    model, as R's glm does; everything is estimated.
equivocal_mri_never_positive.csv    a series in which the index test was never positive (the first 20 such
                                    patients): PPV, LR+ and the post-test probability after a positive result are 0/0.
equivocal_mri_always_positive.csv   a series in which it was always positive (the first 20 such patients, as when
                                    only test-positive patients reach the reference standard): NPV, LR- and the
                                    post-test probability after a negative result are 0/0.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SYNTHETIC = HERE.parents[2] / "data" / "synthetic"


def dynamic_cohorts(source: pd.DataFrame) -> dict[str, pd.DataFrame]:
    dynamic, conventional = source["imaging"] == "dynamic", source["imaging"] == "conventional"
    two = source["compressed_segments"] == "2"
    return {
        "dynamic_mri_twelve_patients": pd.concat([source[dynamic].head(6), source[conventional].head(6)]),
        "dynamic_mri_no_complications_dynamic": pd.concat(
            [source[dynamic & (source["complication"] == "0")].head(30), source[conventional].head(30)]),
        "dynamic_mri_two_segments": pd.concat([source[dynamic & two].head(30), source[conventional & two].head(30)]),
    }


def equivocal_cohorts(source: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {"equivocal_mri_never_positive": source[source["test_positive"] == "0"].head(20),
            "equivocal_mri_always_positive": source[source["test_positive"] == "1"].head(20)}


def main() -> None:
    for name, source in (("dynamic_mri", dynamic_cohorts), ("equivocal_mri", equivocal_cohorts)):
        data = pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
        for cohort, frame in source(data).items():
            frame.sort_index().to_csv(HERE / f"{cohort}.csv", index=False)


if __name__ == "__main__":
    main()
