"""Analyses a valid cohort cannot support: NotEstimable, attempt, Skipped (helpers.validation.estimable)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.presentation.tables import show
from helpers.validation.errors import InputError
from helpers.validation.estimable import NOT_ESTIMATED, NotEstimable, Skipped, attempt, skipped_rows, stack_tables


def _constant(frame):
    raise NotEstimable("predictor 'f' has a single value (9.0) in every row")


def test_attempt_returns_the_result_or_a_skipped_with_the_reason():
    assert attempt("sum", sum, [1, 2], display=False) == 3
    skipped = attempt("combined model", _constant, None, display=False)
    assert isinstance(skipped, Skipped) and not skipped
    assert skipped.row("auc", "combined")["method"] == (
        f"{NOT_ESTIMATED}: combined model: predictor 'f' has a single value (9.0) in every row")
    note = skipped._repr_html_()
    assert "Not estimated for this cohort" in note and "single value (9.0)" in note
    assert "see the note above" in skipped._repr_html_()        # shown once in full, then pointed to


def test_only_not_estimable_is_caught():
    def invalid(_):
        raise InputError("column 'age' is missing")

    with pytest.raises(InputError, match="age"):
        attempt("model", invalid, None, display=False)
    with pytest.raises(ZeroDivisionError):
        attempt("model", lambda: 1 / 0, display=False)
    assert issubclass(NotEstimable, InputError)     # a direct call still stops with exit 2 and the reason


def test_later_steps_pass_through_and_name_the_first_cause():
    first = attempt("adjusted Cox model", _constant, None, display=False)
    assert first.table.query("x") is first and first["a"] is first and first() is first
    assert list(first) == []
    check = attempt("proportional-hazards check", len, first.table, display=False)
    plot = attempt("plot", len, check, display=False)
    assert plot.cause is first and check.cause is first
    assert plot.reason.startswith("it needs the adjusted Cox model, which was not estimated")
    assert show(first) is first                       # outside a kernel: the note (or its pointer) shows
    assert first.pipe(show) is first


def test_a_skipped_analysis_inside_a_list_or_dict_argument_is_needed_too():
    first = attempt("mixed model", _constant, None, display=False)
    for argument in ([pd.DataFrame(), first], (first,), {"disability": first}):
        stacked = attempt("table of both tests", len, argument, display=False)
        assert isinstance(stacked, Skipped) and stacked.cause is first
    assert attempt("count", len, {"a": 1, "b": 2}, display=False) == 2


def test_stack_tables_and_skipped_rows():
    class Fit:
        table = pd.DataFrame({"term": ["age"], "estimate": [1.5]})

    missing = Skipped("adjusted model", "collinear")
    stacked = stack_tables({"unadjusted": Fit(), "adjusted": missing})
    assert stacked["model"].tolist() == ["unadjusted"]
    assert stack_tables({"adjusted": missing}) is missing
    results = pd.DataFrame([missing.row("hazard_ratio", "adjusted"), {"quantity": "n", "method": "count"}])
    assert skipped_rows(results) == [missing.method]
