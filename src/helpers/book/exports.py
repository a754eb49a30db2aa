"""The chapters' synthetic data written as hospitals export it, each file with the mapping that reads it back.

One function, :func:`write_export`, writes a chapter's synthetic data in one of :data:`KINDS` with the habits
of that kind of export (other column names, coded values with labels, codes for "not recorded", dates instead
of follow-up times) and the mapping file that undoes them. The tests read every chapter in every kind back to
the schema-shaped frame; :func:`write_examples` writes the worked examples of ``book/own-data.md`` into
``data/examples/`` (``spinebook data``).

=================  =======================================================================================
kind               what the file looks like
=================  =======================================================================================
``sav``            SPSS: UPPERCASE names, coded categories with value labels, -99 declared as SPSS
                   user-missing, date variables
``dta``            Stata: coded categories with value labels (categories recoded by code in the mapping,
                   yes/no by label), 999 for "not recorded" (declared per column), %td dates
``redcap``         REDCap raw export with its data dictionary: ``record_id``, one event, a checkbox field,
                   form status, missing-data code ``UNK``, ISO dates
``bom-csv``        Excel "CSV UTF-8": byte-order mark, Windows line ends, words for codes, -99 for "not
                   recorded", day-first dates 31/12/2023
``european-csv``   Excel "CSV" on a German machine: Windows-1252, semicolons, decimal commas, German
                   headers and labels, ``.`` for "not recorded", dates 31.12.2023
``xlsx``           Excel workbook with two sheets (data and a codebook), ``n.a.`` for "not recorded",
                   date cells
=================  =======================================================================================

Bytes are deterministic: the CSV kinds by construction; Stata with a fixed time stamp; SPSS and Excel embed
the time of writing (the SPSS header's creation date and time, the workbook's ``docProps/core.xml`` and its
zip entries), which are set to a fixed time after writing.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from helpers.book.templates import DATED_OUTCOMES
from helpers.chapters import registry
from helpers.validation.dates import DAYS_PER

KINDS = ("sav", "dta", "redcap", "bom-csv", "european-csv", "xlsx")
"""Kinds of export :func:`write_export` writes."""

SUFFIXES = {"sav": ("spss", ".sav"), "dta": ("stata", ".dta"), "redcap": ("redcap", ".csv"),
            "bom-csv": ("excel-utf8", ".csv"), "european-csv": ("excel-european", ".csv"), "xlsx": ("workbook", ".xlsx")}
"""File name tag and suffix of each kind."""

EXAMPLES = {"mscc-separation": "sav", "dynamic-mri": "european-csv", "dti-ivim": "redcap",
            "equivocal-mri": ("dta", "bom-csv"), "paraspinal-imf": "xlsx"}
"""The worked examples of ``book/own-data.md``: chapter -> kind(s) written into ``data/examples/``."""

FIXED_TIME = _dt.datetime(2024, 1, 1, 0, 0, 0)
"""Time stamp written into SPSS, Stata and Excel files, so that the same data give the same bytes."""

FIRST_SURGERY = _dt.date(2016, 1, 4)
"""Surgery dates of the dated exports are spread over four years from this day."""

MISSING_CODE = {"sav": -99, "dta": 999, "redcap": "UNK", "bom-csv": -99, "european-csv": ".", "xlsx": "n.a."}
"""How each kind writes "not recorded"."""

ENGLISH = {"female": "Female", "male": "Male", "dynamic": "Dynamic MRI", "conventional": "Conventional MRI"}
GERMAN = {"female": "weiblich", "male": "männlich", "dynamic": "dynamisch", "conventional": "konventionell"}
YES_NO = {"en": {1: "Yes", 0: "No"}, "de": {1: "ja", 0: "nein"}, "text": {1: "yes", 0: "no"}}
GERMAN_HEADERS = {
    "patient_id": "Patienten-Nr", "age": "Alter (Jahre)", "sex": "Geschlecht", "bmi": "BMI (kg/m²)",
    "imaging": "Bildgebung", "test_positive": "MRT-Befund positiv", "disease_present": "Myelopathie bestätigt",
    "surgery_date": "OP-Datum", "last_contact_date": "Letzter Kontakt", "death_date": "Todesdatum",
    "complication_date": "Komplikation am", "last_followup_date": "Letzte Nachsorge",
}
NOT_RECORDED = "not recorded"
"""Value label of the missing-value code in coded variables."""


@dataclass(frozen=True)
class ExportFiles:
    """An export written by :func:`write_export`: the data file, its mapping file, the REDCap data dictionary
    (``redcap`` only), the sheet to choose (``xlsx`` only) and the schema-shaped frame the export stands for."""

    chapter: str
    kind: str
    data: Path
    mapping: Path
    dictionary: Path | None
    sheet: str | None
    reference: pd.DataFrame


def _coded_columns(chapter_id: str) -> tuple[dict[str, list[str]], list[str]]:
    """Categorical columns (text codes, in the schema's order) and binary 0/1 columns of a chapter."""
    categorical, binary = {}, []
    for name, column in registry.get_chapter(chapter_id).schema.columns.items():
        for check in column.checks:
            allowed = (getattr(check, "statistics", None) or {}).get("allowed_values")
            if allowed is None:
                continue
            if sorted(map(str, allowed)) == ["0", "1"]:
                binary.append(name)
            elif not all(re.fullmatch(r"\d+", str(a)) for a in allowed):
                categorical[name] = [str(a) for a in allowed]
    return categorical, binary


def schema_shaped(chapter_id: str) -> pd.DataFrame:
    """The chapter's synthetic data as the schema has it, with each follow-up time rounded to whole days (what
    dates can express): the frame an export stands for."""
    frame = pd.read_csv(registry.synthetic_data_path(chapter_id))
    outcome = DATED_OUTCOMES.get(chapter_id)
    if outcome is not None:
        days = np.rint(frame[outcome.duration].to_numpy() * DAYS_PER["months"])
        frame[outcome.duration] = days / DAYS_PER["months"]
    return frame


def _with_dates(chapter_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Replace the duration and event of a dated outcome by the dates they stand for."""
    outcome = DATED_OUTCOMES.get(chapter_id)
    if outcome is None:
        return frame
    days = np.rint(frame[outcome.duration].to_numpy() * DAYS_PER["months"]).astype(int)
    event = frame[outcome.event].to_numpy() == 1
    start = [FIRST_SURGERY + _dt.timedelta(days=int((i * 37) % 1461)) for i in range(len(frame))]
    end = [s + _dt.timedelta(days=int(d)) for s, d in zip(start, days)]
    dated = frame.drop(columns=[outcome.duration, outcome.event])
    dated[outcome.start] = start
    dated[outcome.event_date] = [e if hit else None for e, hit in zip(end, event)]
    for other in outcome.ends:
        if other == outcome.event_date:
            continue
        # follow-up goes on for a month after an event when the event has its own date column
        later = len(outcome.ends) > 1
        dated[other] = [e + _dt.timedelta(days=30) if hit and later else e for e, hit in zip(end, event)]
    return dated


def _labels(chapter_id: str, language: str) -> dict[str, dict[Any, str]]:
    categorical, binary = _coded_columns(chapter_id)
    words = GERMAN if language == "de" else ENGLISH
    labels: dict[str, dict[Any, str]] = {}
    for column, codes in categorical.items():
        stem = column.split("_")[0].title()
        labels[column] = {i + 1: words.get(code, f"{stem} {code}") for i, code in enumerate(codes)}
    for column in binary:
        labels[column] = dict(YES_NO["de" if language == "de" else "en"])
    return labels


def _their_name(kind: str, column: str) -> str:
    if kind == "sav":
        return "PATID" if column == "patient_id" else column.upper()
    if kind == "dta":
        return "id" if column == "patient_id" else column
    if kind == "redcap":
        return "record_id" if column == "patient_id" else column
    if kind == "european-csv":
        return GERMAN_HEADERS.get(column, column.replace("_", " ").title())
    return column.replace("_", " ").title()


def _decimal_comma(value: Any) -> Any:
    if pd.isna(value):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value)).replace(".", ",")


def _date_text(value: Any, pattern: str) -> Any:
    return value.strftime(pattern) if isinstance(value, _dt.date) else value


def _patch_sav_timestamp(path: Path) -> None:
    """Set the creation date and time of an SPSS file's header (bytes 92-108, after the magic ``$FL2``, the
    product name and five numbers) to :data:`FIXED_TIME`."""
    raw = bytearray(path.read_bytes())
    if raw[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(f"{path}: not an SPSS system file")
    raw[92:109] = (FIXED_TIME.strftime("%d %b %y") + FIXED_TIME.strftime("%H:%M:%S")).encode("ascii")
    path.write_bytes(bytes(raw))


def _normalise_xlsx(path: Path) -> None:
    """Rewrite a workbook with fixed zip entry times and fixed document times (openpyxl stamps the time of
    writing into both)."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            entry = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = item.external_attr
            archive.writestr(entry, content)
    path.write_bytes(target.getvalue())


def write_export(chapter_id: str, kind: str, folder: str | Path) -> ExportFiles:
    """Write the chapter's synthetic data as an export of ``kind`` (:data:`KINDS`) and its mapping file into
    ``folder``; return the paths and the schema-shaped frame the export stands for."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}; kinds: {', '.join(KINDS)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tag, suffix = SUFFIXES[kind]
    data_path = folder / f"{chapter_id}-{tag}{suffix}"
    mapping_path = folder / f"{chapter_id}-{tag}.yaml"
    reference = schema_shaped(chapter_id)
    frame = _with_dates(chapter_id, reference.copy())
    outcome = DATED_OUTCOMES.get(chapter_id)
    categorical, binary = _coded_columns(chapter_id)
    binary = [column for column in binary if column in frame.columns]
    language = "de" if kind == "european-csv" else "en"
    labels = {column: codes for column, codes in _labels(chapter_id, language).items() if column in frame.columns}
    code = MISSING_CODE[kind]
    rules: dict[str, Any] = {"columns": {}, "values": {}}
    dictionary_path, sheet = None, None
    schema_description = {name: column.description or "" for name, column in
                          registry.get_chapter(chapter_id).schema.columns.items()}
    date_columns = [c for c in frame.columns if isinstance(frame[c].dropna().iloc[0] if frame[c].notna().any()
                                                            else None, _dt.date)]

    # codes for the coded columns; words for the text kinds
    if kind in ("sav", "dta", "redcap"):
        for column, codes in labels.items():
            if column in categorical:
                lookup = {schema_code: number for number, schema_code in
                          zip(codes, categorical[column])}
                frame[column] = frame[column].astype(str).map(lookup).where(frame[column].notna())
                if kind == "dta":
                    rules["values"][column] = {number: schema_code for number, schema_code in
                                               zip(codes, categorical[column])}
                else:
                    rules["values"][column] = {codes[number]: schema_code for number, schema_code in
                                               zip(codes, categorical[column])}
            else:
                rules["values"][column] = {label: value for value, label in codes.items()}
    else:
        style = "de" if kind == "european-csv" else "text"
        for column in categorical:
            if column in frame.columns:
                words = labels[column]
                by_code = {schema_code: words[i + 1] for i, schema_code in enumerate(categorical[column])}
                frame[column] = frame[column].astype(str).map(by_code).where(frame[column].notna())
                rules["values"][column] = {word: schema_code for schema_code, word in by_code.items()}
        for column in binary:
            words = YES_NO[style]
            frame[column] = frame[column].map(words)
            rules["values"][column] = {word: number for number, word in words.items()}

    checkbox = None
    if kind == "redcap" and binary:
        checkbox = binary[0]
        rules["values"].pop(checkbox, None)

    renames = {column: _their_name(kind, column) for column in frame.columns}
    if checkbox:
        renames[checkbox] = f"{checkbox}___1"
    rules["columns"] = {their: ours for ours, their in renames.items() if their != ours and ours not in date_columns}
    rules["values"] = {column: codes for column, codes in rules["values"].items() if codes}

    if outcome is not None:  # derive: names the date columns as the file does (they are not renamed)
        ends = [renames[end] for end in outcome.ends]
        rules["derive"] = {outcome.duration: {"from": renames[outcome.start], "to": ends if len(ends) > 1 else ends[0],
                                              "unit": "months"},
                           outcome.event: {"event_from": renames[outcome.event_date]}}

    if kind == "sav":
        import pyreadstat

        out = frame.copy()
        missing_ranges = {}
        for column in out.columns:
            if column in date_columns:
                continue
            if pd.api.types.is_numeric_dtype(out[column]) and out[column].isna().any():
                out[column] = out[column].fillna(code)
                missing_ranges[renames[column]] = [code]
                if column in labels:
                    labels[column] = {**labels[column], code: NOT_RECORDED}
            elif out[column].dtype == object and column not in date_columns:
                out[column] = out[column].fillna("")
        value_labels = {renames[c]: {float(k): v for k, v in codes.items()} for c, codes in labels.items()}
        out = out.rename(columns=renames)
        for column in out.columns:
            if column in value_labels:
                out[column] = out[column].astype(float)
        pyreadstat.write_sav(out, str(data_path), column_labels={renames[c]: schema_description.get(c, c)[:80]
                                                                  for c in frame.columns},
                             variable_value_labels=value_labels, missing_ranges=missing_ranges or None,
                             variable_format={renames[c]: "DATE11" for c in date_columns})
        _patch_sav_timestamp(data_path)
    elif kind == "dta":
        out = frame.copy()
        per_column = {}
        for column in out.columns:
            if column in date_columns:
                out[column] = pd.to_datetime(out[column])
            elif pd.api.types.is_numeric_dtype(out[column]) and out[column].isna().any():
                out[column] = out[column].fillna(code)
                per_column[renames[column]] = [code]
                if column in labels:
                    labels[column] = {**labels[column], code: NOT_RECORDED}
            elif out[column].dtype == object:
                out[column] = out[column].fillna("")
        for column in labels:
            out[column] = out[column].astype("int32")
        out = out.rename(columns=renames)
        out.to_stata(data_path, write_index=False, version=118, time_stamp=FIXED_TIME,
                     data_label=f"{chapter_id} (synthetic)",
                     variable_labels={renames[c]: schema_description.get(c, c)[:80] for c in frame.columns},
                     value_labels={renames[c]: codes for c, codes in labels.items()},
                     convert_dates={renames[c]: "td" for c in date_columns})
        if per_column:
            rules["missing"] = per_column
    else:
        out = frame.copy()
        for column in date_columns:
            pattern = {"redcap": "%Y-%m-%d", "bom-csv": "%d/%m/%Y", "european-csv": "%d.%m.%Y"}.get(kind)
            out[column] = [pd.Timestamp(v) if kind == "xlsx" and v is not None else _date_text(v, pattern or "%Y-%m-%d")
                           for v in out[column]]
        blanks = [c for c in out.columns if out[c].isna().any()]
        if kind == "european-csv":  # numbers in a column that also holds text, written as Excel would
            for column in blanks:
                if pd.api.types.is_float_dtype(out[column]):
                    out[column] = out[column].map(_decimal_comma)
        for column in blanks:
            out[column] = out[column].astype(object).where(out[column].notna(), code)
        if blanks:
            rules["missing"] = [code]
        out = out.rename(columns=renames)
        if kind == "redcap":
            out.insert(1, "redcap_event_name", "baseline_arm_1")
            form = chapter_id.replace("-", "_")
            out[f"{form}_complete"] = 2
            out.to_csv(data_path, index=False, lineterminator="\n")
            dictionary_path = folder / f"{chapter_id}-{tag}-dictionary.csv"
            _write_redcap_dictionary(dictionary_path, form, frame, renames, labels, categorical, binary, checkbox,
                                     date_columns, schema_description)
            rules["redcap_dictionary"] = dictionary_path.name
        elif kind == "bom-csv":
            data_path.write_bytes(out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
        elif kind == "european-csv":
            data_path.write_bytes(out.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
                                  .encode("cp1252"))
        else:
            sheet = "Visits" if "visit_month" in frame.columns else "Patients"
            codebook = pd.DataFrame({"column": list(out.columns),
                                     "meaning": [schema_description.get(c, c) for c in frame.columns]})
            with pd.ExcelWriter(data_path, engine="openpyxl") as writer:
                out.to_excel(writer, sheet_name=sheet, index=False)
                codebook.to_excel(writer, sheet_name="Codebook", index=False)
            _normalise_xlsx(data_path)
    _write_mapping(mapping_path, chapter_id, kind, data_path.name, rules, sheet)
    return ExportFiles(chapter_id, kind, data_path, mapping_path, dictionary_path, sheet, reference)


def _write_redcap_dictionary(path: Path, form: str, frame: pd.DataFrame, renames: dict, labels: dict,
                             categorical: dict, binary: list, checkbox: str | None, date_columns: list,
                             descriptions: dict) -> None:
    rows = []
    for column in frame.columns:
        name = renames[column]
        kind, choices, validation = "text", "", ""
        if column == checkbox:
            name, kind, choices = column, "checkbox", f"1, {column.replace('_', ' ')}"
        elif column in categorical:
            kind = "radio"
            choices = " | ".join(f"{number}, {label}" for number, label in labels[column].items())
        elif column in binary:
            kind = "yesno"
        elif column in date_columns:
            validation = "date_ymd"
        elif pd.api.types.is_integer_dtype(frame[column]):
            validation = "integer"
        elif pd.api.types.is_numeric_dtype(frame[column]):
            validation = "number"
        rows.append({"Variable / Field Name": name, "Form Name": form, "Section Header": "", "Field Type": kind,
                     "Field Label": descriptions.get(column, column), "Choices, Calculations, OR Slider Labels": choices,
                     "Field Note": "", "Text Validation Type OR Show Slider Number": validation,
                     "Text Validation Min": "", "Text Validation Max": "", "Identifier?": ""})
    pd.DataFrame(rows).to_csv(path, index=False, lineterminator="\n")


def _write_mapping(path: Path, chapter_id: str, kind: str, data_name: str, rules: dict, sheet: str | None) -> None:
    ordered = {key: rules[key] for key in ("columns", "values", "missing", "derive", "dayfirst", "redcap_dictionary")
               if rules.get(key) not in (None, {}, [])}
    command = f"spinebook run {chapter_id} --data {data_name} --columns {path.name}"
    if sheet:
        command += f" --sheet {sheet}"
    header = [f"# Mapping of {data_name} ({kind} export of the synthetic {chapter_id} data) onto the chapter's "
              "schema, for:", f"#   {command}"]
    body = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, default_flow_style=None, width=110)
    path.write_text("\n".join(header) + "\n" + body, encoding="utf-8")


def write_examples(root: Path | None = None) -> list[Path]:
    """(Re)write the worked examples of ``book/own-data.md`` into ``data/examples/`` (:data:`EXAMPLES`)."""
    folder = (root or registry.project_root()) / "data" / "examples"
    written = []
    for chapter_id, kinds in EXAMPLES.items():
        for kind in (kinds,) if isinstance(kinds, str) else kinds:
            files = write_export(chapter_id, kind, folder)
            written += [p for p in (files.data, files.mapping, files.dictionary) if p is not None]
    return written
