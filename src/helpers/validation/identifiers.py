"""Identifier guard: refuse user data that carries direct identifiers before it is executed into a page.

Columns are flagged by name (names, medical record numbers, dates of birth, addresses, phone numbers,
e-mails, national ids) and by content (values that look like e-mail addresses, phone numbers, national
identification numbers or full dates, and date cells of SPSS, Stata or Excel files). Dates that a mapping
turns into durations (``derive:``) are dropped before this check. ``spinebook run --allow-identifiers`` overrides the
refusal; chapters run on user data show only aggregate tables and figures either way.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import pandas as pd

from helpers.validation.errors import InputError
from helpers.validation.readers import REDCAP_LABELLED, REDCAP_RAW

NAME_PATTERNS = {
    "a person's name": r"(^|_)(first|last|given|family|full|sur|maiden|patient|middle)?_?name(s)?($|_)|^surname$|^forename$",
    "a medical record number": r"(^|_)(mrn|medical_?record|record_?(no|num|number)|hospital_?(no|num|number|id)|"
                               r"case_?note|chart_?(no|num|number)|nhs(_?(no|num|number))?|chi_?(no|num|number)?)($|_)",
    "a date of birth": r"(^|_)(dob|birth_?date|date_?of_?birth|birthday|geburtsdatum)($|_)",
    "an address": r"(^|_)(address|street|postcode|post_?code|zip|zip_?code|city|town)($|_)",
    "a phone number": r"(^|_)(phone|telephone|tel|mobile|cell_?phone|fax)($|_)",
    "an e-mail address": r"(^|_)e_?mail($|_)",
    "a national identification number": r"(^|_)(ssn|social_?security|national_?id|passport|insurance_?(no|num|number)|"
                                        r"bsn|personnummer|nir|aadhaar|medicare)($|_)",
}

CONTENT_PATTERNS = {
    "e-mail addresses": r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
    "phone numbers": r"^(?=(?:\D*\d){8,15}\D*$)(\+|0|\()[\d\s().-]+$",
    "US social security numbers": r"^\d{3}-\d{2}-\d{4}$",
    "NHS-style 10-digit numbers": r"^\d{3}\s\d{3}\s\d{4}$",
    "full dates (possible dates of birth)": r"^(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{4})$",
}


NOT_IDENTIFIERS = frozenset(REDCAP_RAW + REDCAP_LABELLED)
"""Column names that look like identifiers but are not (REDCap's ``redcap_event_name`` is an event, not a
person's name)."""


@dataclass(frozen=True)
class Finding:
    """One column that looks like a direct identifier."""

    column: str
    reason: str


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def find_identifiers(frame: pd.DataFrame, *, sample: int = 200, share: float = 0.5) -> list[Finding]:
    """Columns of ``frame`` that look like direct identifiers, by name or by content.

    A column is flagged by content when at least ``share`` of its first ``sample`` non-missing text values
    match one pattern.
    """
    findings = []
    for column in frame.columns:
        if str(column) in NOT_IDENTIFIERS:
            continue
        normalised = _normalise(column)
        by_name = next((what for what, pattern in NAME_PATTERNS.items() if re.search(pattern, normalised)), None)
        if by_name:
            findings.append(Finding(str(column), f"its name suggests {by_name}"))
            continue
        values = frame[column].dropna()
        if not values.empty and (pd.api.types.is_datetime64_any_dtype(values) or isinstance(
                values.iloc[0], (_dt.date, _dt.datetime))):
            findings.append(Finding(str(column), "its values are dates (dates are identifiers; turn them into "
                                                 "durations with derive: in the mapping file)"))
            continue
        if values.empty or not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype(str).str.strip().head(sample)
        for what, pattern in CONTENT_PATTERNS.items():
            if text.str.match(pattern, flags=re.I).mean() >= share:
                findings.append(Finding(str(column), f"its values look like {what}"))
                break
    return findings


def guard_identifiers(frame: pd.DataFrame, *, source: str = "data", allow: bool = False) -> list[Finding]:
    """Raise :class:`InputError` naming every identifier-like column, unless ``allow`` is true."""
    findings = find_identifiers(frame)
    if findings and not allow:
        listed = "\n".join(f"  - column '{f.column}': {f.reason}" for f in findings)
        raise InputError(
            f"{source}: refusing to run on columns that look like direct identifiers:\n{listed}\n"
            "Remove these columns from a copy of the file (the chapters do not need them), or, if they are not "
            "identifiers, run again with --allow-identifiers.")
    return findings
