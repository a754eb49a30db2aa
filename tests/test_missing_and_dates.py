"""helpers.validation.missing and helpers.validation.dates: missing-value codes, sentinels, follow-up from dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from helpers.validation import dates, mapping, missing
from helpers.validation.errors import InputError


def test_codes_for_every_column_and_per_column_add_up():
    frame = pd.DataFrame({"age": [61, 999, -99, 70], "note": [".", "NA ", "x", "-99"]})
    rules = missing.normalise_missing({"age": [999], "default": [".", "na", -99]})
    done = missing.apply_missing_codes(frame, rules)
    assert done.frame["age"].isna().tolist() == [False, True, True, False]
    assert done.frame["note"].isna().tolist() == [True, True, False, True]  # text ignores case and spaces
    assert done.applied == {"age": {"999": 1, "-99": 1}, "note": {".": 1, "na": 1, "-99": 1}}
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"age": [61, 999, -99, 70], "note": [".", "NA ", "x", "-99"]}))


def test_a_list_means_every_column():
    assert missing.normalise_missing([".", -99]) == {"default": [".", -99]}
    with pytest.raises(InputError, match="missing"):
        missing.normalise_missing({"age": [[1]]})


def test_a_text_column_becomes_numbers_once_its_codes_are_blank():
    frame = pd.DataFrame({"bmi": ["22,3", ".", "25,1"], "id": ["A1", ".", "A3"]})
    done = missing.apply_missing_codes(frame, {"default": ["."]}, decimal=",")
    assert done.frame["bmi"].tolist()[0] == 22.3 and pd.isna(done.frame["bmi"].iloc[1])
    assert done.frame["id"].tolist()[0] == "A1"


def test_codes_match_their_value_labels():
    frame = pd.DataFrame({"sex": ["Male", "not recorded", "Female"]})
    done = missing.apply_missing_codes(frame, {"sex": [9]}, labels={"sex": {1: "Male", 2: "Female", 9: "not recorded"}})
    assert done.frame["sex"].isna().tolist() == [False, True, False]


def test_undeclared_sentinel_rule():
    frame = pd.DataFrame({"age": [999, 999, 999, 61, -99, -99], "los": [999, 999, 999, 2, 3, 4]})
    allowed = {"age": lambda x: 18 <= x <= 110, "los": lambda x: x >= 0}
    found = missing.undeclared_sentinels(frame, allowed)
    assert [(s.column, s.value, s.rows) for s in found] == [("age", 999.0, (0, 1, 2))]  # -99 twice only; los allows 999
    assert "missing: {age: [999]}" in found[0].hint() and "lines 2, 3, 4" in found[0].hint()


def test_values_match_labels_or_the_codes_underneath():
    frame = pd.DataFrame({"sex": ["Male", "Female", "Male"]})
    labels = {"sex": {1.0: "Male", 2.0: "Female"}}
    by_code, done = mapping.recode_values(frame, {"sex": {1: "male", 2: "female"}}, labels=labels)
    by_label, _ = mapping.recode_values(frame, {"sex": {"male": "male", "FEMALE": "female"}}, labels=labels)
    assert by_code["sex"].tolist() == by_label["sex"].tolist() == ["male", "female", "male"]
    assert done == {"sex": {"1 (Male) -> male": 2, "2 (Female) -> female": 1}}


def test_mapping_sections_are_checked():
    rules = mapping.normalise_column_map({"missing": [".", 999], "dayfirst": False, "sheet": "Data",
                                          "derive": {"survival_months": {"from": "op", "to": "last"}}})
    assert rules["missing"] == {"default": [".", 999]} and rules["sheet"] == "Data"
    assert rules["derive"] == {"survival_months": {"from": "op", "to": ["last"], "unit": "months"}}
    for bad, words in [({"dayfirst": "yes"}, "dayfirst"), ({"derive": {"x": {"from": "a", "to": "b"}}}, "unit"),
                       ({"derive": {"t_days": {"from": "a"}}}, "event_from"), ({"extra": 1}, "unknown: extra"),
                       ({"derive": {"t": {"from": "a", "to": "b", "unit": "fortnights"}}}, "unknown unit")]:
        with pytest.raises(InputError, match=words):
            mapping.normalise_column_map(bad)
    assert mapping.is_empty({"columns": {}, "values": {}}) and not mapping.is_empty({"sheet": "Data"})


@pytest.mark.parametrize("value, expected", [
    ("2023-12-31", "2023-12-31"), ("2023-12-31 14:05:00", "2023-12-31"), ("2023/12/31", "2023-12-31"),
    ("31/12/2023", "2023-12-31"), ("31.12.2023", "2023-12-31"), ("31-12-2023", "2023-12-31"),
    ("05/04/2023", "2023-04-05"), (45291, "2023-12-31"), (45291.75, "2023-12-31"), ("45291", "2023-12-31"),
    (dt.date(2023, 12, 31), "2023-12-31"), (dt.datetime(2023, 12, 31, 8, 0), "2023-12-31"),
])
def test_accepted_dates(value, expected):
    parsed = dates.parse_dates(pd.Series([value], dtype=object))
    assert str(parsed.dates.iloc[0].date()) == expected


def test_month_first_on_request():
    parsed = dates.parse_dates(pd.Series(["05/04/2023", "12/31/2023"]), dayfirst=False)
    assert [str(d.date()) for d in parsed.dates] == ["2023-05-04", "2023-12-31"]
    assert parsed.ambiguous == 1


def test_date_cells_pass_through():
    cells = pd.Series(pd.to_datetime(["2023-12-31 10:00", None]))
    parsed = dates.parse_dates(cells)
    assert str(parsed.dates.iloc[0]) == "2023-12-31 00:00:00" and pd.isna(parsed.dates.iloc[1])


def test_unparseable_dates_name_lines_and_values():
    with pytest.raises(InputError, match=r"f\.csv: column 'op', lines 3, 5: not a date: 'soon', '2023-02-30'"):
        dates.parse_dates(pd.Series(["2023-01-01", "soon", "2023-01-02", "2023-02-30"]), column="op", source="f.csv")
    with pytest.raises(InputError, match="dayfirst: false"):
        dates.parse_dates(pd.Series(["12/31/2023"]))
    with pytest.raises(InputError, match="not a date: 20231231"):  # not an Excel serial: a day after 9999
        dates.parse_dates(pd.Series([20231231]))


SPEC = {"survival_months": {"from": "op", "to": ["died", "last"], "unit": "months"},
        "death": {"event_from": "died"}, "stay_days": {"from": "op", "to": ["home"], "unit": "days"}}


def test_durations_events_and_the_dates_dropped():
    frame = pd.DataFrame({"id": ["a", "b"], "op": ["2020-01-01", "15.03.2020"], "last": ["2021-01-01", "15.04.2021"],
                          "died": [None, "15.03.2021"], "home": ["2020-01-11", "20.03.2020"]})
    derived = dates.derive_from_dates(frame, SPEC)
    assert list(derived.frame.columns) == ["id", "survival_months", "death", "stay_days"]
    assert derived.frame["survival_months"].tolist() == pytest.approx([366 / (365.25 / 12), 365 / (365.25 / 12)],
                                                                      rel=1e-12)
    assert derived.frame["death"].tolist() == [0, 1] and derived.frame["stay_days"].tolist() == [10.0, 5.0]
    assert derived.dropped == ("op", "died", "last", "home")
    assert any("dropped" in note for note in derived.notes)
    assert list(frame.columns) == ["id", "op", "last", "died", "home"]  # the input is not modified


def test_an_end_before_its_start_names_the_lines():
    frame = pd.DataFrame({"op": ["2020-01-01", "2020-06-01", "2020-06-01"], "last": ["2021-01-01", "2020-05-01",
                                                                                  "2019-01-01"]})
    with pytest.raises(InputError, match=r"d\.sav: derive: t_days: last is before op on lines 3, 4 \(line 3: op "
                                         r"2020-06-01, end 2020-05-01\)"):
        dates.derive_from_dates(frame, {"t_days": {"from": "op", "to": ["last"], "unit": "days"}}, source="d.sav")


def test_absent_date_columns_and_clashes():
    frame = pd.DataFrame({"op": ["2020-01-01"], "death": [1]})
    with pytest.raises(InputError, match="'died'"):
        dates.derive_from_dates(frame, {"death": {"event_from": "died"}})
    with pytest.raises(InputError, match="already has column"):
        dates.derive_from_dates(frame.assign(died=None), {"death": {"event_from": "died"}})


def test_template_derive_lines_are_valid_yaml():
    import yaml

    from helpers.book.templates import DATED_OUTCOMES

    for outcome in DATED_OUTCOMES.values():
        spec = yaml.safe_load("derive:\n" + "\n".join(outcome.derive_lines()))
        rules = mapping.normalise_column_map(spec)["derive"]
        assert set(rules) == {outcome.duration, outcome.event}
        assert rules[outcome.duration]["to"] == list(outcome.ends)


def test_months_are_days_over_30_4375():
    assert dates.DAYS_PER["months"] == 30.4375
    assert np.isclose(dates.DAYS_PER["years"] / 12, dates.DAYS_PER["months"])
