"""Checks of the equivocal-mri chapter's parameters, run before anything executes."""

from __future__ import annotations

from helpers.stats.diagnostic import INTERVAL_METHODS
from helpers.validation.checks import check_probability
from helpers.validation.errors import InputError


def check_parameters(*, pretest_probability: float, sensitivity: float, specificity: float, level: float = 0.95,
                     interval: str = "wilson", **_: object) -> None:
    """Check the equivocal-mri chapter's parameters before anything runs (raises :class:`InputError`)."""
    check_probability("pretest_probability", pretest_probability)
    check_probability("sensitivity", sensitivity)
    check_probability("specificity", specificity)
    check_probability("level", level)
    if interval not in INTERVAL_METHODS:
        raise InputError(f"parameter interval: expected one of {', '.join(INTERVAL_METHODS)}, got {interval!r}.")
