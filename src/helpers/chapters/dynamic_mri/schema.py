"""Schema of the dynamic-mri chapter's data: one row per operated patient with cervical myelopathy."""

from __future__ import annotations

import pandera.pandas as pa

from helpers.validation.schema import BINARY


def _score(low: float, high: float, description: str) -> pa.Column:
    return pa.Column(float, pa.Check.in_range(low, high, error=f"a value from {low:g} to {high:g}"), coerce=True,
                     description=description)


SCHEMA = pa.DataFrameSchema(
    {
        "patient_id": pa.Column(str, unique=True, coerce=True,
                                description="patient identifier (pseudonymous; never a record number)"),
        "imaging": pa.Column(str, pa.Check.isin(["dynamic", "conventional"], error="dynamic or conventional"),
                             description="pre-operative planning: dynamic (flexion-extension) or conventional MRI"),
        "age": _score(18, 100, "age at surgery, years"),
        "sex": pa.Column(str, pa.Check.isin(["female", "male"], error="female or male"), description="sex"),
        "bmi": _score(12, 70, "body-mass index, kg/m2"),
        "duration_months": _score(0, 600, "duration of symptoms before surgery, months"),
        "mjoa_pre": _score(0, 18, "modified JOA score before surgery (0-18, higher is better)"),
        "compressed_segments": pa.Column(int, pa.Check.ge(1, error="a whole number of at least 1"), coerce=True,
                                         description="number of compressed cervical segments"),
        "mjoa_6m": _score(0, 18, "modified JOA score 6 months after surgery"),
        "vas_pre": _score(0, 10, "neck/arm pain, visual analogue scale 0-10, before surgery"),
        "vas_6m": _score(0, 10, "pain (VAS 0-10) 6 months after surgery"),
        "ndi_pre": _score(0, 100, "Neck Disability Index, percent, before surgery"),
        "ndi_6m": _score(0, 100, "Neck Disability Index, percent, 6 months after surgery"),
        "reoperation": pa.Column(int, BINARY, coerce=True, description="reoperation during follow-up: 1 yes, 0 no"),
        "complication": pa.Column(int, BINARY, coerce=True,
                                  description="first complication observed: 1 yes, 0 censored"),
        "complication_months": _score(0, 600, "months from surgery to the first complication or to censoring"),
    },
    checks=[
        pa.Check(lambda frame: bool(frame["imaging"].eq("dynamic").sum() >= 3
                                    and frame["imaging"].eq("conventional").sum() >= 3),
                 error="at least 3 patients in each arm (imaging dynamic and conventional): matching compares "
                       "the two"),
    ],
    name="dynamic-mri",
    strict=False,
)
"""Columns of the dynamic-mri chapter (also the columns a user's file must have)."""
