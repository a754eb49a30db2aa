"""Schema of the multi-site chapter's data: one row per patient of a (synthetic) multi-centre cohort of surgery
for metastatic spinal cord compression, with the hospital in ``site`` and otherwise the columns of the
mscc-separation chapter (so that each hospital's file, without ``site``, is an mscc-separation file).
"""

from __future__ import annotations

import pandera.pandas as pa

from helpers.validation.schema import BINARY

BILSKY_GRADES = ("0", "1a", "1b", "1c", "2", "3")
"""Bilsky epidural spinal cord compression grades, least to most compression (Bilsky et al. 2010)."""

SEPARATED, NON_SEPARATED = "separated", "non_separated"
"""Labels of the two groups in the ``group`` column and in ``results.csv``."""

SCHEMA = pa.DataFrameSchema(
    {
        "site": pa.Column(str, pa.Check.str_matches(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$"), coerce=True,
                          description="hospital (short name): the stratum of the one-stage analysis and the unit "
                                      "of the two-stage one"),
        "patient_id": pa.Column(str, unique=True, required=False, coerce=True,
                                description="patient identifier (pseudonymous; never a record number)"),
        "age": pa.Column(float, pa.Check.in_range(18, 110), coerce=True, description="age at surgery (years)"),
        "sex": pa.Column(str, pa.Check.isin(["female", "male"], error="female or male"), coerce=True,
                         description="sex: female or male"),
        "separated": pa.Column(int, BINARY, coerce=True,
                               description="1 = CSF margin >= 2 mm around the cord on the 2-3-week MRI, 0 = not"),
        "bilsky_grade": pa.Column(str, pa.Check.isin(list(BILSKY_GRADES), error="one of 0, 1a, 1b, 1c, 2, 3"),
                                  coerce=True, description="preoperative Bilsky grade (0, 1a, 1b, 1c, 2, 3)"),
        "sins": pa.Column(int, pa.Check.in_range(0, 18), coerce=True,
                          description="Spinal Instability Neoplastic Score (0-18 points)"),
        "motor_grade_post": pa.Column(int, pa.Check.in_range(0, 5), coerce=True,
                                      description="postoperative motor grade (0-5, MRC scale)"),
        "ambulatory_post": pa.Column(int, BINARY, coerce=True, description="1 = walking after surgery, 0 = not"),
        "los_days": pa.Column(float, pa.Check.ge(0), coerce=True, description="length of hospital stay (days)"),
        "radiotherapy": pa.Column(int, BINARY, coerce=True, description="1 = postoperative radiotherapy given"),
        "complication": pa.Column(int, BINARY, coerce=True, description="1 = postoperative complication"),
        "survival_months": pa.Column(float, pa.Check.ge(0), coerce=True,
                                     description="months from surgery to death or last follow-up"),
        "death": pa.Column(int, BINARY, coerce=True, description="1 = died, 0 = alive at last follow-up (censored)"),
    },
    checks=[
        pa.Check(lambda frame: bool(frame["separated"].eq(1).sum() >= 3 and frame["separated"].eq(0).sum() >= 3),
                 error="at least 3 patients in each group (separated 1 and 0): every analysis compares the two"),
        pa.Check(lambda frame: bool(frame["death"].eq(1).sum() >= 5),
                 error="at least 5 deaths (death = 1): Kaplan-Meier medians, the log-rank test and the Cox "
                       "model need events"),
    ],
    name="multi-site",
    strict=False,
)
