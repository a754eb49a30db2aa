"""Schema of the equivocal-mri chapter's data: one row per patient of a diagnostic-accuracy 2x2 table."""

from __future__ import annotations

import pandera.pandas as pa

from helpers.validation.schema import BINARY

SCHEMA = pa.DataFrameSchema(
    {
        "patient_id": pa.Column(str, unique=True, required=False, coerce=True,
                                description="patient identifier (pseudonymous; never a record number)"),
        "test_positive": pa.Column(int, BINARY, coerce=True,
                                   description="index test result: 1 = positive, 0 = negative"),
        "disease_present": pa.Column(int, BINARY, coerce=True,
                                     description="reference standard: 1 = myelopathy present, 0 = absent"),
    },
    checks=[
        pa.Check(lambda frame: bool(frame["disease_present"].isin([0]).any() and frame["disease_present"].isin([1]).any()),
                 error="patients both with and without the disease (disease_present 1 and 0): sensitivity and "
                       "specificity each need one group"),
    ],
    name="equivocal-mri",
    strict=False,
)
