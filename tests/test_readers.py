"""helpers.validation.readers: every export format read as it is, with what was detected reported."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from helpers.validation import readers
from helpers.validation.errors import InputError


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_bom_csv_loses_its_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"patient_id,age\r\nA1,61\r\nA2,70\r\n")
    export = readers.read_export(path)
    assert list(export.frame.columns) == ["patient_id", "age"]  # not '\ufeffpatient_id'
    assert export.info.encoding == "utf-8-sig" and "byte-order mark" in export.info.notes[0]


def test_european_excel_csv(tmp_path):
    path = write(tmp_path / "de.csv", "Alter;Geschlecht;BMI (kg/m²)\r\n61;männlich;22,3\r\n70;weiblich;25,15\r\n",
                 "cp1252")
    export = readers.read_export(path)
    assert (export.info.encoding, export.info.delimiter, export.info.decimal) == ("cp1252", ";", ",")
    assert export.frame["BMI (kg/m²)"].tolist() == [22.3, 25.15]
    assert export.frame["Geschlecht"].tolist() == ["männlich", "weiblich"]
    assert "Windows-1252" in " ".join(export.info.notes)
    assert "semicolon" in export.info.summary() and "decimal mark ','" in export.info.summary()


def test_semicolons_with_decimal_points_keep_the_point(tmp_path):
    export = readers.read_export(write(tmp_path / "x.csv", "a;b\n1.5;2\n2.5;3\n"))
    assert (export.info.delimiter, export.info.decimal) == (";", ".")
    assert export.frame["a"].tolist() == [1.5, 2.5]


def test_utf16_tab_text_from_excel(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("age\tsex\n61\tmale\n".encode("utf-16"))
    export = readers.read_export(path)
    assert export.info.encoding == "utf-16" and export.info.delimiter == "\t"
    assert export.frame.to_dict("list") == {"age": [61], "sex": ["male"]}


@pytest.mark.parametrize("text, expected", [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1,5;2;3\n", ";"), ("a\tb\n1\t2\n", "\t"), ("a|b\n1|2\n", "|"),
    ("a;b\n1,5;2,5\n3,5;4,5\n", ";"),  # commas as decimals do not make a comma-delimited table
])
def test_delimiter_rule(text, expected):
    assert readers.detect_delimiter(text)[0] == expected


def test_encoding_rule():
    assert readers.detect_encoding("é".encode("utf-8"))[0] == "utf-8"
    assert readers.detect_encoding("é".encode("cp1252"))[0] == "cp1252"
    with pytest.raises(InputError, match="neither UTF-8 nor Windows-1252.*line 2"):
        readers.detect_encoding(b"a\n\x81\n", source="f.csv")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_duplicated_header_names_the_column_and_positions(tmp_path, suffix):
    path = tmp_path / f"twins{suffix}"
    if suffix == ".csv":
        write(path, "age,sex,age,bmi\n61,male,62,22\n")
    else:
        pd.DataFrame([[61, "male", 62, 22]]).to_excel(path, index=False, header=["age", "sex", "age", "bmi"])
    with pytest.raises(InputError, match=r"repeats column name\(s\): 'age' at columns 1 \(A\), 3 \(C\)"):
        readers.read_export(path)


def test_a_single_sheet_with_data_is_read_without_asking(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Notes")
        pd.DataFrame({"age": [61, 70]}).to_excel(writer, sheet_name="Data", index=False)
    export = readers.read_export(path)
    assert export.info.sheet == "Data" and export.frame["age"].tolist() == [61, 70]


def test_several_sheets_need_a_choice(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"age": [61, 70]}).to_excel(writer, sheet_name="Baseline", index=False)
        pd.DataFrame({"age": [1]}).to_excel(writer, sheet_name="Follow-up", index=False)
    with pytest.raises(InputError, match=r"2 sheets with data: 'Baseline' \(2 rows x 1 columns\), 'Follow-up'.*--sheet"):
        readers.read_export(path)
    assert readers.read_export(path, sheet="Follow-up").frame["age"].tolist() == [1]
    with pytest.raises(InputError, match="no sheet named 'baseline'"):
        readers.read_export(path, sheet="baseline")
    with pytest.raises(InputError, match="Excel workbooks only"):
        readers.read_export(write(tmp_path / "a.csv", "a\n1\n"), sheet="Baseline")


def test_spss_value_labels_user_missing_and_dates(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / "cohort.sav"
    frame = pd.DataFrame({"sex": [1.0, 2.0, 2.0, 9.0], "age": [61.0, -99.0, 70.0, 999.0],
                          "op": [dt.date(2020, 1, 2), dt.date(2021, 3, 4), None, dt.date(2022, 5, 6)]})
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "sex": {1.0: "Male", 2.0: "Female", 9.0: "not recorded"}, "age": {999.0: "unknown"}},
        missing_ranges={"age": [-99]})
    export = readers.read_export(path)
    assert export.frame["sex"].tolist() == ["Male", "Female", "Female", "not recorded"]  # every value labelled
    assert export.frame["age"].tolist()[0] == 61 and pd.isna(export.frame["age"].iloc[1])  # SPSS user-missing
    assert export.frame["age"].iloc[3] == 999  # labelled on one value only: numbers kept, labels reported
    assert set(export.info.value_labels) == {"sex"} and set(export.info.labels_not_applied) == {"age"}
    assert pd.api.types.is_datetime64_any_dtype(export.frame["op"]) and pd.isna(export.frame["op"].iloc[2])
    notes = " ".join(export.info.notes)
    assert "user-missing values read as blank: age (-99)" in notes and "age (999='unknown')" in notes
    assert export.info.as_dict()["value_labels"]["sex"] == {"1": "Male", "2": "Female", "9": "not recorded"}


def test_stata_value_labels(tmp_path):
    path = tmp_path / "cohort.dta"
    pd.DataFrame({"sex": [1, 2], "age": [61.0, 70.0]}).to_stata(
        path, write_index=False, value_labels={"sex": {1: "male", 2: "female"}})
    export = readers.read_export(path)
    assert export.frame["sex"].tolist() == ["male", "female"] and export.info.format == "Stata .dta"


REDCAP = ("record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,sex,smoker,comorb___1,"
          "comorb___2,baseline_complete\n1,baseline_arm_1,,,1,0,1,0,2\n2,baseline_arm_1,,,2,1,0,0,2\n")
DICTIONARY = ('Variable / Field Name,Form Name,Section Header,Field Type,Field Label,'
              '"Choices, Calculations, OR Slider Labels"\n'
              'record_id,baseline,,text,ID,\nsex,baseline,,radio,Sex,"1, Male | 2, Female"\n'
              'smoker,baseline,,yesno,Smoker,\ncomorb,baseline,,checkbox,Comorbidities,"1, Diabetes | 2, COPD"\n')


def test_redcap_export_bookkeeping_and_dictionary(tmp_path):
    data = write(tmp_path / "export.csv", REDCAP)
    plain = readers.read_export(data)
    assert plain.info.format.startswith("REDCap export (raw codes")
    assert set(plain.info.dropped) == {"baseline_complete", "redcap_event_name", "redcap_repeat_instrument",
                                       "redcap_repeat_instance"}
    assert plain.info.redcap_checkboxes == ("comorb___1", "comorb___2")
    assert plain.frame["sex"].tolist() == [1, 2]
    labelled = readers.read_export(data, redcap_dictionary=write(tmp_path / "dictionary.csv", DICTIONARY))
    assert labelled.frame["sex"].tolist() == ["Male", "Female"]
    assert labelled.frame["smoker"].tolist() == ["No", "Yes"]
    assert labelled.frame["comorb___1"].tolist() == [1, 0]  # checkbox columns stay 0/1


def test_redcap_several_events_are_kept_and_named(tmp_path):
    data = write(tmp_path / "export.csv", REDCAP.replace("2,baseline_arm_1", "1,month_6_arm_1"))
    export = readers.read_export(data)
    assert "redcap_event_name" in export.frame.columns
    assert any("2 events" in note for note in export.info.notes)


def test_not_a_redcap_dictionary(tmp_path):
    data = write(tmp_path / "export.csv", REDCAP)
    with pytest.raises(InputError, match="not a REDCap data dictionary"):
        readers.read_export(data, redcap_dictionary=write(tmp_path / "d.csv", "a,b\n1,2\n"))


def test_input_format_for_provenance(tmp_path):
    from helpers.chapters.common import input_format

    path = write(tmp_path / "de.csv", "a;b\n1,5;x\n", "utf-8")
    recorded = input_format(path)
    assert (recorded["format"], recorded["encoding"], recorded["delimiter"], recorded["decimal"]) == \
        ("CSV", "utf-8", ";", ",")
