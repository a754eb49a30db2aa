"""helpers.validation.mapping and helpers.validation.identifiers: renaming and recoding a user's file, and the identifier guard."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.validation import identifiers, mapping
from helpers.validation.errors import InputError


def test_rename_and_recode_without_touching_the_input():
    frame = pd.DataFrame({"Sex": ["M", "F", " f ", None], "Sep": ["yes", "no", "Yes", "no"]})
    before = frame.copy()
    rules = {"columns": {"Sex": "sex", "Sep": "separated"},
             "values": {"sex": {"M": "male", "F": "female"}, "separated": {True: 1, False: 0}}}
    mapped = mapping.apply_column_map(frame, rules)
    pd.testing.assert_frame_equal(frame, before)
    assert list(mapped.columns) == ["sex", "separated"]
    assert mapped["sex"].tolist()[:3] == ["male", "female", "female"] and pd.isna(mapped["sex"].iloc[3])
    assert mapped["separated"].tolist() == [1, 0, 1, 0]


def test_yaml_mapping_file_round_trip(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("columns:\n  Result: test_positive\nvalues:\n  test_positive: {pos: 1, neg: 0}\n")
    rules = mapping.read_column_map(path)
    assert rules == {"columns": {"Result": "test_positive"}, "values": {"test_positive": {"pos": 1, "neg": 0}}}
    mapped = mapping.apply_column_map(pd.DataFrame({"Result": ["pos", "neg"]}), rules)
    assert mapped["test_positive"].tolist() == [1, 0]


@pytest.mark.parametrize("content, words", [
    ("columns: [a, b]\n", "columns"), ("rename:\n  a: b\n", "two sections"), ("values:\n  sex: male\n", "values"),
    ("columns: {a: [1]}\n", "columns"), (":\n- [\n", "YAML"),
])
def test_malformed_mapping_files(tmp_path, content, words):
    path = tmp_path / "map.yaml"
    path.write_text(content)
    with pytest.raises(InputError, match=words):
        mapping.read_column_map(path)


def test_mapping_errors_name_the_problem():
    frame = pd.DataFrame({"a": [1], "b": [2]})
    with pytest.raises(InputError, match="'zzz'"):
        mapping.apply_column_map(frame, {"columns": {"zzz": "x"}, "values": {}})
    with pytest.raises(InputError, match="several columns"):
        mapping.apply_column_map(frame, {"columns": {"a": "x", "b": "x"}, "values": {}})
    with pytest.raises(InputError, match="expected THEIR_COLUMN=SCHEMA_COLUMN"):
        mapping.parse_map_arguments(["nonsense"])
    assert mapping.parse_map_arguments(["Sex = sex"]) == {"Sex": "sex"}


@pytest.mark.parametrize("column", ["name", "Patient Name", "surname", "MRN", "medical_record_number", "DOB",
                                    "date_of_birth", "Address", "postcode", "phone", "E-mail", "SSN", "NHS number"])
def test_identifier_columns_are_found_by_name(column):
    found = identifiers.find_identifiers(pd.DataFrame({column: ["x"], "age": [60]}))
    assert [f.column for f in found] == [column]


@pytest.mark.parametrize("values", [["ann@example.org", "bob@example.org"], ["+44 7700 900123", "07700 900456"],
                                    ["123-45-6789", "987-65-4321"], ["1956-02-11", "1961-10-30"]])
def test_identifier_columns_are_found_by_content(values):
    found = identifiers.find_identifiers(pd.DataFrame({"notes": values}))
    assert [f.column for f in found] == ["notes"]


def test_study_columns_are_not_flagged():
    frame = pd.DataFrame({"patient_id": ["EQ0001", "EQ0002"], "sex": ["male", "female"], "age": [60, 70],
                          "mjoa_pre": [12, 13], "bilsky_grade": ["1a", "3"], "visit_month": [0, 3]})
    assert identifiers.find_identifiers(frame) == []


def test_guard_refuses_unless_allowed():
    frame = pd.DataFrame({"mrn": ["123"], "age": [61]})
    with pytest.raises(InputError, match="(?s)mrn.*--allow-identifiers"):
        identifiers.guard_identifiers(frame, source="f.csv")
    assert identifiers.guard_identifiers(frame, allow=True)[0].column == "mrn"


def test_template_and_dictionary(tmp_path):
    from helpers.book import templates
    from helpers.chapters import registry

    written = templates.write_template("equivocal-mri", tmp_path)
    header = written[0].read_text().strip().split(",")
    assert header == list(registry.get_chapter("equivocal-mri").schema.columns)
    assert mapping.read_column_map(written[1]) == mapping.EMPTY  # the commented skeleton is a valid, empty map
    with pytest.raises(InputError, match="never overwrite"):
        templates.write_template("equivocal-mri", tmp_path)
    page = templates.data_dictionary_markdown({"equivocal-mri": registry.get_chapter("equivocal-mri").schema}, {"equivocal-mri": registry.load_data("equivocal-mri")},
                                            {"equivocal-mri": "Equivocal MRI"})
    for column in header:
        assert f"`{column}`" in page
    assert "one of 0, 1" in page
