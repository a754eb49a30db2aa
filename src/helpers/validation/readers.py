"""Reading a user's file as hospitals export it, and saying what was detected.

Formats, each through a maintained library:

* CSV and text tables (pandas): the encoding, delimiter and decimal mark are detected by fixed rules and
  reported, never guessed silently (:func:`detect_encoding`, :func:`detect_delimiter`, :func:`detect_decimal`);
  CSV saved by European Excel (semicolons, decimal commas, Windows-1252) and CSV with a UTF-8 byte-order
  mark are read as such. A REDCap export is recognised by its bookkeeping columns (:data:`REDCAP_RAW`,
  :data:`REDCAP_LABELLED`): single-event and empty repeat columns and the forms' ``*_complete`` status
  columns are dropped (and reported); with a REDCap data dictionary the coded answers become their labels.
* SPSS ``.sav``/``.zsav`` and Stata ``.dta`` (pyreadstat): value labels become the values, so that the
  mapping file's ``values:`` recodes what the researcher sees in SPSS or Stata (it may also name the
  underlying codes, see :mod:`helpers.validation.mapping`). Labels are applied to a variable when every
  value it holds has one (a coded categorical variable); a numeric variable labelled only on a few values
  (typically missing-value codes such as -99 "not recorded") keeps its numbers, and its labels are reported.
  SPSS user-missing values and Stata's ``.a``-``.z`` are read as blank, as SPSS and Stata treat them.
* Excel ``.xlsx`` (openpyxl): one sheet is read; a workbook with several sheets holding data needs a choice
  (``--sheet NAME``), which the error lists.
* Parquet (pyarrow).

A header that repeats a column name is refused at read time, naming the name and its positions (pandas
would silently rename the second one, so that the real problem surfaced as a missing column later).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from helpers.validation.errors import InputError

TABLE_SUFFIXES = {".csv": "CSV", ".tsv": "TSV", ".txt": "text table", ".xlsx": "Excel", ".parquet": "Parquet",
                  ".sav": "SPSS", ".zsav": "SPSS", ".dta": "Stata"}
"""File types read by :func:`read_export`, by suffix."""

DELIMITERS = (",", ";", "\t", "|")
"""Delimiters considered for a CSV or text table, in order of preference when several fit."""

REDCAP_RAW = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance", "redcap_data_access_group",
              "redcap_survey_identifier")
"""Bookkeeping columns of a REDCap export with raw (coded) values and field names as headers."""

REDCAP_LABELLED = ("Event Name", "Repeat Instrument", "Repeat Instance", "Data Access Group", "Survey Identifier")
"""The same columns in a REDCap export with labels (field labels as headers)."""

REDCAP_CHECKBOX = re.compile(r"^(?P<field>[a-z][a-z0-9_]*?)___(?P<code>[A-Za-z0-9_-]+)$")
"""REDCap writes a checkbox field as one 0/1 column per choice: ``field___1``, ``field___2``, ..."""

_SAMPLE_RECORDS = 200


@dataclass(frozen=True)
class ReadInfo:
    """What was detected while reading a file, reported by ``spinebook check-data`` and ``run`` and recorded in
    ``provenance.json`` (key ``input_format``).

    ``value_labels`` holds the labels applied ({column: {code: label}}); ``labels_not_applied`` those left on
    numeric variables labelled only on some values; ``dropped`` the bookkeeping columns removed (REDCap);
    ``notes`` how each choice was made, in words.
    """

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    labels_not_applied: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    redcap_checkboxes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (label codes as text)."""
        def labels(groups: Mapping[str, Mapping[Any, str]]) -> dict[str, dict[str, str]]:
            return {str(column): {as_code_text(code): str(label) for code, label in codes.items()}
                    for column, codes in groups.items()}

        return {"format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
                "decimal": self.decimal, "sheet": self.sheet, "value_labels": labels(self.value_labels),
                "labels_not_applied": labels(self.labels_not_applied), "dropped_columns": list(self.dropped),
                "redcap_checkboxes": list(self.redcap_checkboxes), "notes": list(self.notes)}

    def summary(self) -> str:
        """One line: format, encoding, delimiter, decimal mark, sheet."""
        parts = [self.format]
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.delimiter:
            parts.append(f"delimiter {_show_delimiter(self.delimiter)}")
        if self.decimal:
            parts.append(f"decimal mark '{self.decimal}'")
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        return ", ".join(parts)


@dataclass(frozen=True)
class Export:
    """A file as read: the table and what was detected."""

    frame: pd.DataFrame
    info: ReadInfo


def as_code_text(code: Any) -> str:
    """A value-label code as text: ``1.0`` -> ``'1'``, ``'a'`` -> ``'a'``."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _show_delimiter(delimiter: str) -> str:
    return {"\t": "tab", ",": "',' (comma)", ";": "';' (semicolon)", "|": "'|' (bar)"}.get(delimiter, repr(delimiter))


def _line_of(raw: bytes, position: int) -> int:
    return raw[:position].count(b"\n") + 1


def detect_encoding(raw: bytes, *, source: str | Path = "file") -> tuple[str, str]:
    """The encoding of a text file, by a fixed rule, and a note saying why.

    A byte-order mark decides (UTF-8 → ``utf-8-sig``, UTF-16 → ``utf-16``); otherwise text that is valid
    UTF-8 is UTF-8; otherwise Windows-1252 (what Excel on a Western European Windows machine writes for
    "CSV (semicolon/comma delimited)"). Text that is neither is refused.

    >>> detect_encoding("age;sex\\n61;männlich\\n".encode("cp1252"))[0]
    'cp1252'
    >>> detect_encoding(b"\\xef\\xbb\\xbfage,sex\\n")[0]
    'utf-8-sig'
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with a byte-order mark (Excel's 'CSV UTF-8'); the mark was removed"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 with a byte-order mark (Excel's 'Unicode text')"
    try:
        raw.decode("utf-8")
        return "utf-8", "valid UTF-8"
    except UnicodeDecodeError as error:
        first = error.start
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{source}: neither UTF-8 nor Windows-1252 text (byte {error.start}, line {_line_of(raw, error.start)}). "
            "Save the file as UTF-8 (in Excel: 'CSV UTF-8').") from None
    return "cp1252", (f"not valid UTF-8 (first at byte {first}, line {_line_of(raw, first)}): read as Windows-1252, "
                      "the encoding of Excel's CSV on Western European Windows")


def _records(text: str, delimiter: str, limit: int = _SAMPLE_RECORDS) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records = []
    try:
        for record in reader:
            if record and any(cell.strip() for cell in record):
                records.append(record)
            if len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def detect_delimiter(text: str, *, default: str = ",") -> tuple[str, str]:
    """The delimiter of a text table, by a fixed rule, and a note saying why.

    Each of :data:`DELIMITERS` splits the first rows; a delimiter fits when the header has at least two
    fields and every row as many as the header. The fitting delimiter giving the most columns wins (ties in
    the order of :data:`DELIMITERS`); when none fits, ``default``.

    >>> detect_delimiter("age;bmi\\n61;22,3\\n70;25,1\\n")[0]
    ';'
    """
    best, best_width = None, 1
    for delimiter in DELIMITERS:
        records = _records(text, delimiter)
        if not records:
            continue
        width = len(records[0])
        if width > best_width and all(len(record) == width for record in records):
            best, best_width = delimiter, width
    if best is None:
        return default, f"no delimiter gives the same number of fields on every row; using {_show_delimiter(default)}"
    return best, f"{_show_delimiter(best)}: {best_width} columns on every row"


_COMMA_DECIMAL = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_POINT_DECIMAL = re.compile(r"^\s*[+-]?\d*\.\d+\s*$")


def detect_decimal(text: str, delimiter: str) -> tuple[str, str]:
    """The decimal mark of a text table: ``','`` when numbers such as ``22,3`` outnumber numbers such as
    ``22.3`` (possible only when the delimiter is not a comma), else ``'.'``; with a note saying why.

    >>> detect_decimal("age;bmi\\n61;22,3\\n70;25,1\\n", ";")[0]
    ','
    """
    if delimiter == ",":
        return ".", "point (the delimiter is a comma)"
    cells = [cell for record in _records(text, delimiter)[1:] for cell in record]
    commas = sum(bool(_COMMA_DECIMAL.match(cell)) for cell in cells)
    points = sum(bool(_POINT_DECIMAL.match(cell)) for cell in cells)
    if commas > points:
        note = f"comma ({commas} numbers such as 22,3" + (f"; {points} with a point were read as text" if points else "")
        return ",", note + ")"
    return ".", "point" + (f" ({points} numbers such as 22.3)" if points else " (no decimal numbers seen)")


def _column_letters(position: int) -> str:
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_unique_header(names: list[Any], *, source: str | Path = "file", spreadsheet: bool = False) -> None:
    """Refuse a header that repeats a column name, naming it and its positions (1-based, with the
    spreadsheet letter when ``spreadsheet``)."""
    cleaned = [str(name).strip() for name in names]
    counts = Counter(name for name in cleaned if name and name.lower() != "nan")
    repeated = [name for name, count in counts.items() if count > 1]
    if not repeated:
        return
    described = []
    for name in repeated:
        positions = [i + 1 for i, other in enumerate(cleaned) if other == name]
        shown = [f"{p} ({_column_letters(p)})" if spreadsheet else str(p) for p in positions]
        described.append(f"'{name}' at columns {', '.join(shown)}")
    raise InputError(f"{source}: the header repeats column name(s): {'; '.join(described)}. Each column must "
                     "appear once: rename or delete the extra one(s) in a copy of the file.")


def _read_text(path: Path, suffix: str) -> Export:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: a binary file, not a text table (is it an image, a PDF or a database?). "
                         "Export the data as CSV, TSV, Excel (.xlsx), SPSS (.sav), Stata (.dta) or Parquet.")
    encoding, encoding_note = detect_encoding(raw, source=path)
    text = raw.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if suffix == ".tsv":
        delimiter, delimiter_note = "\t", "tab (a .tsv file)"
    else:
        delimiter, delimiter_note = detect_delimiter(text, default="," if suffix == ".csv" else "\t")
    decimal, decimal_note = detect_decimal(text, delimiter)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    check_unique_header(header, source=path, spreadsheet=True)
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, decimal=decimal)
    kind = TABLE_SUFFIXES[suffix]
    notes = [f"encoding: {encoding_note}", f"delimiter: {delimiter_note}", f"decimal mark: {decimal_note}"]
    frame, redcap_kind, dropped, checkboxes, redcap_notes = _redcap_bookkeeping(frame)
    if redcap_kind:
        kind = f"REDCap export ({redcap_kind}, {kind})"
    return Export(frame, ReadInfo(format=kind, encoding=encoding, delimiter=delimiter, decimal=decimal,
                                  dropped=dropped, redcap_checkboxes=checkboxes, notes=tuple(notes + redcap_notes)))


def _redcap_bookkeeping(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None, tuple[str, ...], tuple[str, ...],
                                                       list[str]]:
    """Recognise a REDCap export; drop its bookkeeping columns where they carry nothing (one event, no repeats,
    the forms' completion status), keeping those that change the shape of the data for the error messages."""
    columns = [str(c) for c in frame.columns]
    raw_found = [c for c in REDCAP_RAW if c in columns]
    labelled_found = [c for c in REDCAP_LABELLED if c in columns]
    complete = [c for c in columns if c.endswith("_complete") or c == "Complete?"]
    checkboxes = tuple(c for c in columns if REDCAP_CHECKBOX.match(c))
    is_raw = bool(raw_found) or (columns[:1] == ["record_id"] and bool(complete or checkboxes))
    is_labelled = bool(labelled_found) or (columns[:1] == ["Record ID"] and "Complete?" in columns)
    if not (is_raw or is_labelled):
        return frame, None, (), (), []
    event, repeat, instance = (("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")
                               if is_raw else ("Event Name", "Repeat Instrument", "Repeat Instance"))
    dropped, notes = list(complete), []
    if event in frame.columns:
        events = frame[event].dropna().unique()
        if len(events) <= 1:
            dropped.append(event)
            notes.append(f"REDCap: one event ({events[0] if len(events) else 'none'}); column {event} dropped")
        else:
            notes.append(f"REDCap: {len(events)} events in {event} ({', '.join(map(str, events[:5]))}): one row per "
                         "record and event")
    for column in (repeat, instance):
        if column in frame.columns:
            if frame[column].isna().all():
                dropped.append(column)
            else:
                notes.append(f"REDCap: {int(frame[column].notna().sum())} rows of repeating instruments "
                             f"({column} is set on them)")
    if complete:
        notes.append(f"REDCap: form status column(s) {', '.join(complete)} dropped (0 incomplete, 1 unverified, "
                     "2 complete)")
    if checkboxes:
        notes.append(f"REDCap: checkbox field(s) exported as one 0/1 column per choice: {', '.join(checkboxes)}")
    return (frame.drop(columns=dropped), "raw codes" if is_raw else "labels", tuple(dropped), checkboxes, notes)


def read_redcap_dictionary(path: str | Path) -> dict[str, dict[str, str]]:
    """The coded answers of a REDCap data dictionary (CSV): {field: {code: label}} for radio, dropdown,
    yes/no and true/false fields (checkbox choices under ``field___code``, label 1 = the choice)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: REDCap data dictionary not found (redcap_dictionary: in the mapping file).")
    dictionary = _read_text(path, ".csv").frame
    names = {c.lower(): c for c in map(str, dictionary.columns)}
    field_column = next((names[c] for c in names if c.startswith("variable / field name")), None)
    type_column = next((names[c] for c in names if c.startswith("field type")), None)
    choice_column = next((names[c] for c in names if c.startswith("choices, calculations")), None)
    if not (field_column and type_column and choice_column):
        raise InputError(f"{path}: not a REDCap data dictionary (expected the columns 'Variable / Field Name', "
                         "'Field Type' and 'Choices, Calculations, OR Slider Labels').")
    labels: dict[str, dict[str, str]] = {}
    for row in dictionary.itertuples(index=False):
        record = dict(zip(dictionary.columns, row))
        name, kind = str(record[field_column]).strip(), str(record[type_column]).strip().lower()
        choices = record[choice_column]
        if kind == "yesno":
            labels[name] = {"1": "Yes", "0": "No"}
        elif kind == "truefalse":
            labels[name] = {"1": "True", "0": "False"}
        elif kind in ("radio", "dropdown", "checkbox") and isinstance(choices, str):
            parsed = {}
            for choice in choices.split("|"):
                code, _, label = choice.partition(",")
                if code.strip():
                    parsed[code.strip()] = label.strip()
            if kind == "checkbox":
                for code, label in parsed.items():
                    labels[f"{name}___{code}"] = {"1": f"{label} (checked)", "0": f"{label} (unchecked)"}
            else:
                labels[name] = parsed
    return labels


def _apply_labels(frame: pd.DataFrame, labels: Mapping[str, Mapping[Any, str]], *, by_text: bool = False,
                  skip: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict, dict]:
    """Replace codes by labels in columns where every value has a label; return the frame, the labels applied
    and those left (a numeric column labelled on a few values only)."""
    frame = frame.copy()
    applied, left = {}, {}
    for column, codes in labels.items():
        if column not in frame.columns or not codes or column in skip:
            continue
        values = frame[column]
        present = values.dropna()
        lookup = {as_code_text(code): label for code, label in codes.items()} if by_text else dict(codes)
        key = (lambda v: as_code_text(v)) if by_text else (lambda v: v)
        if all(key(v) in lookup for v in present.unique()):
            frame[column] = values.map(lambda v: lookup[key(v)] if pd.notna(v) else v).astype(object)
            applied[column] = dict(codes)
        else:
            left[column] = dict(codes)
    return frame, applied, left


def _describe_range(missing_range: Mapping[str, Any]) -> str:
    low, high = missing_range["lo"], missing_range["hi"]
    return as_code_text(low) if low == high else f"{as_code_text(low)} to {as_code_text(high)}"


def _read_stat(path: Path, suffix: str) -> Export:
    try:
        import pyreadstat
    except ImportError:
        raise InputError(f"{path}: reading SPSS and Stata files needs the package pyreadstat "
                         "(pip install pyreadstat).") from None
    reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
    frame, meta = reader(str(path), apply_value_formats=False, dates_as_pandas_datetime=True, user_missing=False)
    check_unique_header(list(frame.columns), source=path)
    kind = "Stata .dta" if suffix == ".dta" else "SPSS .sav"
    frame, applied, left = _apply_labels(frame, meta.variable_value_labels or {})
    notes = [f"read with pyreadstat {getattr(pyreadstat, '__version__', '')}".strip()]
    if applied:
        notes.append(f"value labels applied to {', '.join(applied)}: recode their labels (or codes) under values:")
    if left:
        notes.append("labels not applied to numeric variable(s) labelled only on some values: "
                     + "; ".join(f"{c} ({', '.join(f'{as_code_text(k)}={v!r}' for k, v in codes.items())})"
                                 for c, codes in left.items())
                     + "; declare such codes under missing: if they mean 'not recorded'")
    if suffix != ".dta":
        _, user_meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
        declared = {column: ranges for column, ranges in (user_meta.missing_ranges or {}).items() if ranges}
        if declared:
            notes.append("SPSS user-missing values read as blank: " + "; ".join(
                f"{column} ({', '.join(_describe_range(r) for r in ranges)})" for column, ranges in declared.items()))
    else:
        notes.append("Stata missing values (. and .a-.z) read as blank")
    encoding = getattr(meta, "file_encoding", None)
    return Export(frame, ReadInfo(format=kind, encoding=encoding, value_labels=applied, labels_not_applied=left,
                                  notes=tuple(notes)))


def _read_excel(path: Path, sheet: str | None) -> Export:
    workbook = pd.ExcelFile(path, engine="openpyxl")
    names = list(workbook.sheet_names)
    if sheet is not None and sheet not in names:
        raise InputError(f"{path}: no sheet named '{sheet}'. Sheets: {', '.join(repr(n) for n in names)}.")
    raw = {name: workbook.parse(name, header=None) for name in ([sheet] if sheet else names)}
    with_data = {name: table.dropna(how="all").dropna(axis=1, how="all") for name, table in raw.items()}
    with_data = {name: table for name, table in with_data.items() if not table.empty}
    if sheet is None:
        if not with_data:
            raise InputError(f"{path}: every sheet is empty. Expected a header row and one row per patient.")
        if len(with_data) > 1:
            listed = ", ".join(f"'{name}' ({max(len(t) - 1, 0)} rows x {t.shape[1]} columns)"
                               for name, t in with_data.items())
            raise InputError(f"{path}: the workbook has {len(with_data)} sheets with data: {listed}. Choose one with "
                             "--sheet NAME (or sheet: NAME in the mapping file).")
        sheet = next(iter(with_data))
        note = (f"the only sheet with data, of {len(names)}" if len(names) > 1 else "the only sheet")
    else:
        note = "chosen with --sheet (or sheet: in the mapping file)"
    header = raw[sheet].iloc[0].tolist() if not raw[sheet].empty else []
    check_unique_header(header, source=f"{path} (sheet '{sheet}')", spreadsheet=True)
    frame = workbook.parse(sheet)
    return Export(frame, ReadInfo(format="Excel workbook", sheet=sheet, notes=(f"sheet '{sheet}': {note}",)))


def read_export(path: str | Path, *, sheet: str | None = None,
                redcap_dictionary: str | Path | None = None) -> Export:
    """Read a CSV, TSV, text, Excel, SPSS, Stata or Parquet file and report what was detected.

    Parameters
    ----------
    path
        The file; its suffix decides the reader (:data:`TABLE_SUFFIXES`).
    sheet
        The sheet of an Excel workbook; needed when several sheets hold data.
    redcap_dictionary
        A REDCap data dictionary (CSV) whose coded answers become labels in a raw REDCap export.

    Returns
    -------
    Export
        ``frame`` (the table; the file is only read) and ``info`` (:class:`ReadInfo`).

    Raises
    ------
    InputError
        When the file is missing, empty, of an unknown type, not text in a known encoding, repeats a
        column name, is an Excel workbook with several candidate sheets and no choice, or is not a table.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found. Give the path of a CSV, TSV, Excel, SPSS, Stata or Parquet file.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file. Give the path of a data file.")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        known = ", ".join(sorted(TABLE_SUFFIXES))
        raise InputError(f"{path}: unknown file type '{suffix or '(none)'}'. Expected one of {known}.")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes). Expected a header row and one row per patient.")
    if sheet is not None and suffix != ".xlsx":
        raise InputError(f"{path}: --sheet (sheet: '{sheet}') applies to Excel workbooks only; this is a "
                         f"{TABLE_SUFFIXES[suffix]} file.")
    try:
        if suffix in (".csv", ".tsv", ".txt"):
            export = _read_text(path, suffix)
        elif suffix == ".xlsx":
            export = _read_excel(path, sheet)
        elif suffix in (".sav", ".zsav", ".dta"):
            export = _read_stat(path, suffix)
        else:
            frame = pd.read_parquet(path)
            check_unique_header(list(frame.columns), source=path)
            export = Export(frame, ReadInfo(format="Parquet"))
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file has no columns. Expected a header row and one row per patient.") from None
    except Exception as error:  # noqa: BLE001 - every reader's own failure becomes one clear message
        kind = TABLE_SUFFIXES[suffix]
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"{path}: could not be read as a {kind} file ({first}).") from None
    if export.frame.empty:
        raise InputError(f"{path}: the file has a header but no data rows. Expected one row per patient.")
    if redcap_dictionary is not None:
        export = _apply_redcap_dictionary(export, redcap_dictionary)
    return export


def _apply_redcap_dictionary(export: Export, dictionary: str | Path) -> Export:
    labels = read_redcap_dictionary(dictionary)
    frame, applied, left = _apply_labels(export.frame, labels, by_text=True, skip=export.info.redcap_checkboxes)
    notes = [*export.info.notes, f"REDCap data dictionary {Path(dictionary).name}: labels applied to "
             f"{', '.join(applied) or 'no column'}"]
    if left:
        notes.append("codes without a label in the dictionary left as codes in: " + ", ".join(left))
    info = ReadInfo(**{**export.info.__dict__, "value_labels": {**export.info.value_labels, **applied},
                       "labels_not_applied": {**export.info.labels_not_applied, **left}, "notes": tuple(notes)})
    return Export(frame, info)
