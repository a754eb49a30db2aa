"""Schema of the dti-ivim chapter's data: one row per operated patient with preoperative DTI and IVIM."""

from __future__ import annotations

import pandera.pandas as pa

MJOA_RANGE = pa.Check.in_range(0, 18)
"""The modified Japanese Orthopaedic Association score runs from 0 (worst) to 18 (normal)."""

SCHEMA = pa.DataFrameSchema(
    {
        "patient_id": pa.Column(str, unique=True, coerce=True,
                                description="patient identifier (pseudonymous; never a record number)"),
        "age": pa.Column(float, pa.Check.in_range(18, 100), coerce=True, nullable=True, required=False,
                         description="age at surgery, years"),
        "sex": pa.Column(str, pa.Check.isin(["female", "male"]), coerce=True, nullable=True, required=False,
                         description="sex: female or male"),
        "mjoa_pre": pa.Column(float, MJOA_RANGE, coerce=True,
                              description="mJOA score before surgery, points (0-18; 18 = normal)"),
        "mjoa_post": pa.Column(float, MJOA_RANGE, coerce=True,
                               description="mJOA score at follow-up after surgery, points (0-18)"),
        "fa": pa.Column(float, pa.Check.in_range(0, 1), coerce=True,
                        description="fractional anisotropy at the level of maximal compression (DTI), 0-1"),
        "adc": pa.Column(float, pa.Check.gt(0), coerce=True,
                         description="apparent diffusion coefficient (DTI), x10^-3 mm2/s"),
        "d": pa.Column(float, pa.Check.gt(0), coerce=True,
                       description="true diffusion coefficient D (IVIM), x10^-3 mm2/s"),
        "d_star": pa.Column(float, pa.Check.gt(0), coerce=True,
                            description="pseudo-diffusion coefficient D* (IVIM), x10^-3 mm2/s"),
        "f": pa.Column(float, pa.Check.in_range(0, 100), coerce=True,
                       description="perfusion fraction f (IVIM), percent (0-100, not a fraction 0-1)"),
    },
    checks=[
        pa.Check(lambda frame: bool(frame["f"].max() > 1.0),
                 error="f in percent (0-100): every value is at most 1, which looks like a fraction; multiply "
                       "by 100"),
    ],
    name="dti-ivim",
    strict=False,
)
