"""Schema of the paraspinal-imf chapter's data: long format, one row per patient per attended visit.

A missed visit is a missing row (or a row with empty scores); the pre-operative row (``visit_month`` 0) is
required for every patient. Any visit schedule is accepted: the analysis reads the visits from the data.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

IMF_COLUMNS = ("imf_multifidus_left", "imf_multifidus_right", "imf_erector_left", "imf_erector_right")
"""Intramuscular fat (% of the muscle's cross-section) per muscle, measured before surgery."""

PATIENT_CONSTANT = ("age", "sex", "bmi", *IMF_COLUMNS)
"""Columns that describe the patient before surgery and must not change between visits."""


def _flag(frame: pd.DataFrame, ok: pd.Series, column: str) -> pd.DataFrame:
    """A row-wise result reported against one column (pandera lists a Series result under every column)."""
    result = pd.DataFrame(True, index=frame.index, columns=frame.columns)
    result[column] = ok.to_numpy()
    return result


def _constant_within_patient(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [column for column in PATIENT_CONSTANT if column in frame]
    values = frame.groupby("patient_id")[columns].nunique(dropna=False).max(axis=1)
    return _flag(frame, ~frame["patient_id"].isin(values[values > 1].index), "patient_id")


def _has_baseline(frame: pd.DataFrame) -> pd.DataFrame:
    with_baseline = set(frame.loc[frame["visit_month"] == 0, "patient_id"])
    return _flag(frame, frame["patient_id"].isin(with_baseline), "patient_id")


def _one_row_per_visit(frame: pd.DataFrame) -> pd.DataFrame:
    return _flag(frame, ~frame.duplicated(["patient_id", "visit_month"], keep=False), "visit_month")


def _no_gpe_at_baseline(frame: pd.DataFrame) -> pd.DataFrame:
    return _flag(frame, ~((frame["visit_month"] == 0) & frame["gpe"].notna()), "gpe")


_SCORE = {"coerce": True, "nullable": True}

SCHEMA = pa.DataFrameSchema(
    {
        "patient_id": pa.Column(str, coerce=True, description="patient identifier (pseudonymous)"),
        "visit_month": pa.Column(float, pa.Check.in_range(0, 240, error="months 0-240"), coerce=True,
                                 description="months since surgery; 0 = the pre-operative visit"),
        "age": pa.Column(float, pa.Check.in_range(18, 110, error="age 18-110 years"), coerce=True,
                         description="age at surgery (years)"),
        "sex": pa.Column(str, pa.Check.isin(["male", "female"], error="'male' or 'female'"), coerce=True,
                         description="sex: 'male' or 'female'"),
        "bmi": pa.Column(float, pa.Check.in_range(12, 70, error="BMI 12-70 kg/m2"), coerce=True,
                         description="body mass index (kg/m2)"),
        **{column: pa.Column(float, pa.Check.in_range(0, 100, error="% fat 0-100"), coerce=True,
                             description=f"intramuscular fat of the {muscle} (% of its cross-section, "
                                         "pre-operative MRI)")
           for column, muscle in zip(IMF_COLUMNS, ("left multifidus", "right multifidus", "left erector spinae",
                                                   "right erector spinae"))},
        "leg_pain": pa.Column(float, pa.Check.in_range(0, 10, error="0-10"), **_SCORE,
                              description="leg pain, numeric rating scale 0-10"),
        "back_pain": pa.Column(float, pa.Check.in_range(0, 10, error="0-10"), **_SCORE,
                               description="back pain, numeric rating scale 0-10"),
        "disability": pa.Column(float, pa.Check.in_range(0, 100, error="0-100"), **_SCORE,
                                description="disability questionnaire score 0-100 (e.g. ODI; higher = worse)"),
        "gpe": pa.Column(float, pa.Check.isin([1, 2, 3, 4, 5, 6, 7], error="a whole number 1-7"), **_SCORE,
                         description="global perceived effect, 1 = completely recovered ... 7 = worse than ever; "
                                     "empty at the pre-operative visit"),
    },
    checks=[
        pa.Check(_has_baseline, error="a pre-operative row (visit_month 0) for every patient"),
        pa.Check(_constant_within_patient,
                 error="age, sex, bmi and imf_* identical on every row of a patient (pre-operative values)"),
        pa.Check(_no_gpe_at_baseline, error="gpe empty at visit_month 0 (no perceived effect before surgery)"),
        pa.Check(_one_row_per_visit, error="one row per patient per visit (this patient_id and visit_month repeat)"),
    ],
    name="paraspinal-imf",
    strict=False,
)
