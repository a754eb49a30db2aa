"""Checks of the dynamic-mri chapter's parameters, run before anything executes."""

from __future__ import annotations

import math


def check_parameters(*, caliper: float = 0.2, caliper_scale: str = "logit", matching_order: str = "largest",
                     smd_threshold: float = 0.1, normality_alpha: float = 0.05, significance: float = 0.05,
                     level: float = 0.95, target_power: float = 0.8, planning_sd: float = 20.0,
                     **_: object) -> None:
    """Check the dynamic-mri chapter's parameters before anything runs (raises :class:`helpers.validation.errors.InputError`).

    Examples
    --------
    >>> check_parameters(caliper=0.1, caliper_scale="propensity")
    >>> check_parameters(caliper=-1)
    Traceback (most recent call last):
    ...
    helpers.validation.errors.InputError: parameter caliper: expected a width of at least 0 SD (0 for no caliper), got -1.
    """
    from helpers.validation.errors import InputError

    if not (isinstance(caliper, (int, float)) and math.isfinite(caliper) and caliper >= 0):
        raise InputError(f"parameter caliper: expected a width of at least 0 SD (0 for no caliper), got {caliper!r}.")
    choices = {"caliper_scale": (caliper_scale, ("logit", "propensity")),
               "matching_order": (matching_order, ("largest", "random"))}
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            raise InputError(f"parameter {name}: expected one of {', '.join(allowed)}, got {value!r}.")
    for name, value in (("normality_alpha", normality_alpha), ("significance", significance), ("level", level),
                        ("target_power", target_power)):
        if not (isinstance(value, (int, float)) and 0 < value < 1):
            raise InputError(f"parameter {name}: expected a number between 0 and 1, got {value!r}.")
    for name, value in (("smd_threshold", smd_threshold), ("planning_sd", planning_sd)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise InputError(f"parameter {name}: expected a positive number, got {value!r}.")
