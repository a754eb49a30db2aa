"""helpers.validation.intake: the steps from an export to the chapter's frame, and the hints on refusal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.chapters import registry
from helpers.validation import intake
from helpers.validation.errors import InputError

SCHEMA = registry.get_chapter("equivocal-mri").schema
TWO_BY_TWO = "test_positive,disease_present\n1,1\n0,0\n1,0\n0,1\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_chapter_sees_schema_columns_first(tmp_path):
    path = write(tmp_path, "x.csv", "note,disease_present,test_positive\na,1,1\nb,0,0\nc,0,1\nd,1,0\n")
    taken = intake.load_export(path, SCHEMA)
    assert list(taken.frame.columns) == ["test_positive", "disease_present", "note"]


def test_sections_may_name_the_files_columns_or_the_schemas(tmp_path):
    path = write(tmp_path, "x.csv", "CT,ref\npos,1\nneg,0\npos,0\nneg,1\n999,1\n")
    rules = {"columns": {"CT": "test_positive", "ref": "disease_present"},
             "values": {"CT": {"pos": 1, "neg": 0}}, "missing": {"CT": [999]}}
    with pytest.raises(InputError, match="blank"):  # 999 blanked in a column that may not be blank
        intake.load_export(path, SCHEMA, column_map=rules)
    taken = intake.load_export(write(tmp_path, "y.csv", "CT,ref\npos,1\nneg,0\npos,0\nneg,1\n"), SCHEMA,
                               column_map=rules)
    assert taken.frame["test_positive"].tolist() == [1, 0, 1, 0]
    assert taken.recoded == {"test_positive": {"pos -> 1": 2, "neg -> 0": 2}}


def test_a_date_column_left_in_the_file_is_an_identifier(tmp_path):
    path = write(tmp_path, "x.csv", "test_positive,disease_present,mri_date\n1,1,2020-01-02\n0,0,2020-02-03\n")
    with pytest.raises(InputError, match="(?s)mri_date.*dates"):
        intake.load_export(path, SCHEMA)
    taken = intake.load_export(path, SCHEMA, allow_identifiers=True)
    assert [f.column for f in taken.identifiers] == ["mri_date"]


def test_refusals_carry_the_steps_done(tmp_path):
    path = write(tmp_path, "x.csv", "test_positive,disease_present\n1,1\n0,0\n5,1\n")
    with pytest.raises(InputError) as caught:
        intake.load_export(path, SCHEMA)
    assert any(line.startswith("format: CSV") for line in caught.value.report)


def test_redcap_repeating_rows_and_checkboxes_are_explained(tmp_path):
    repeats = write(tmp_path, "r.csv", "record_id,redcap_repeat_instrument,redcap_repeat_instance,test_positive,"
                                       "disease_present\n1,,,1,1\n1,imaging,1,0,1\n2,,,0,0\n")
    with pytest.raises(InputError, match="repeating-instrument rows"):
        intake.load_export(repeats, SCHEMA, column_map={"columns": {"record_id": "patient_id"}})
    boxes = write(tmp_path, "c.csv", "record_id,findings___1,findings___2,disease_present,form_complete\n"
                                     "1,1,0,1,2\n2,0,1,0,2\n")
    with pytest.raises(InputError, match=r"(?s)missing column.*checkbox field as one 0/1 column per choice.*"
                                         r"findings___1: SCHEMA_COLUMN"):
        intake.load_export(boxes, SCHEMA)
    taken = intake.load_export(boxes, SCHEMA, column_map={"columns": {"findings___1": "test_positive"}})
    assert taken.frame["test_positive"].tolist() == [1, 0] and "form_complete" not in taken.frame


def test_labelled_redcap_export_is_recognised(tmp_path):
    path = write(tmp_path, "l.csv", "Record ID,Event Name,CT result,Myelopathy,Complete?\n"
                                    "1,Baseline,1,1,Complete\n2,Baseline,0,0,Complete\n")
    taken = intake.load_export(path, SCHEMA, column_map={"columns": {"CT result": "test_positive",
                                                                     "Myelopathy": "disease_present"}})
    assert taken.read.format.startswith("REDCap export (labels")
    assert set(taken.read.dropped) == {"Complete?", "Event Name"}


def test_a_blank_derived_duration_points_at_its_dates(tmp_path):
    dynamic = registry.get_chapter("mscc-separation").schema
    frame = pd.read_csv(registry.synthetic_data_path("mscc-separation")).drop(columns=["survival_months"])
    frame["op"] = "2020-01-01"
    frame["last"] = "2021-01-01"
    frame.loc[3, "last"] = None
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    rules = {"derive": {"survival_months": {"from": "op", "to": "last", "unit": "months"}}}
    with pytest.raises(InputError, match=r"(?s)survival_months', line 5.*derived from dates.*op or every end date"):
        intake.load_export(path, dynamic, column_map=rules)


def test_sheet_given_twice_must_agree(tmp_path):
    path = write(tmp_path, "x.csv", TWO_BY_TWO)
    with pytest.raises(InputError, match="differ"):
        intake.load_export(path, SCHEMA, column_map={"sheet": "A"}, sheet="B")
