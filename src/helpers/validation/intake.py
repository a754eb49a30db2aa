"""From a user's export to the frame a chapter sees, in fixed steps, with a record of each.

Steps (:func:`load_export`):

1. read the file and report what was detected (:mod:`helpers.validation.readers`);
2. rename columns (``columns:``, :mod:`helpers.validation.mapping`);
3. blank declared missing-value codes (``missing:``, :mod:`helpers.validation.missing`);
4. derive durations and events from dates, then drop the dates (``derive:``, :mod:`helpers.validation.dates`);
5. recode values (``values:``);
6. refuse direct identifiers (:mod:`helpers.validation.identifiers`), unless allowed;
7. validate against the schema, listing every problem (:mod:`helpers.validation.schema`), with hints for
   undeclared missing-value codes, unmapped value labels and REDCap's layout.

The result (:class:`Intake`) holds the frame and what each step did; ``spinebook check-data`` prints it.
An :class:`~helpers.validation.errors.InputError` raised on the way carries the steps done so far in its
``report`` attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import pandera.pandas as pa

from helpers.validation import dates, identifiers, mapping, missing, readers, schema
from helpers.validation.errors import InputError


@dataclass(frozen=True)
class Intake:
    """A file taken in: the validated ``frame`` and what each step did."""

    frame: pd.DataFrame
    source: str
    read: readers.ReadInfo
    renamed: Mapping[str, str] = field(default_factory=dict)
    missing_applied: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    derived: tuple[dates.DateRule, ...] = ()
    date_notes: tuple[str, ...] = ()
    recoded: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    identifiers: tuple[identifiers.Finding, ...] = ()

    def missing_per_column(self) -> dict[str, int]:
        """Blank cells per column of the frame the chapter sees."""
        return {str(column): int(count) for column, count in self.frame.isna().sum().items()}

    def report_lines(self) -> list[str]:
        """What the chapter would see and how it got there, one line per item."""
        return _describe(self.read, self.renamed, self.missing_applied, self.derived, self.date_notes, self.recoded,
                         self.identifiers, self.frame)


def _describe(read: readers.ReadInfo | None, renamed: Mapping[str, str] | None = None,
              missing_applied: Mapping | None = None, derived: tuple = (), date_notes: tuple = (),
              recoded: Mapping | None = None, found: tuple | None = None, frame: pd.DataFrame | None = None
              ) -> list[str]:
    lines = []
    if read is not None:
        lines.append(f"format: {read.summary()}")
        lines += [f"  {note}" for note in read.notes]
        if read.dropped:
            lines.append(f"  columns dropped by the reader: {', '.join(read.dropped)}")
    if renamed is not None:
        lines.append("columns mapped: " + (", ".join(f"{their} -> {ours}" for their, ours in renamed.items())
                                           or "none (the file uses the schema's names)"))
    if missing_applied is not None:
        lines.append("missing-value codes applied: " + ("; ".join(
            f"{column}: " + ", ".join(f"{code} ({cells} cells)" for code, cells in codes.items())
            for column, codes in missing_applied.items()) or "none"))
    if derived or date_notes:
        lines.append("derived from dates:")
        lines += [f"  {rule.describe()}" for rule in derived]
        lines += [f"  {note}" for note in date_notes]
    if recoded is not None:
        lines.append("codes recoded: " + ("; ".join(
            f"{column}: " + ", ".join(f"{change} ({cells})" for change, cells in changes.items())
            for column, changes in recoded.items()) or "none"))
    if found is not None:
        lines.append("identifiers found: " + ("; ".join(f"{f.column} ({f.reason})" for f in found) or "none"))
    if frame is not None:
        lines.append(f"rows: {len(frame)}; columns the chapter sees: {', '.join(map(str, frame.columns))}")
        blanks = {str(c): int(n) for c, n in frame.isna().sum().items() if n}
        lines.append("missing per column: " + (", ".join(f"{c} {n}" for c, n in blanks.items()) or "none"))
    return lines


def _fail(error: InputError, lines: list[str], hints: list[str] = ()) -> InputError:
    message = str(error) + "".join(f"\n  hint: {hint}" for hint in hints)
    failure = InputError(message)
    failure.report = lines  # type: ignore[attr-defined]
    return failure


def _resolve_derive(spec: Mapping[str, Mapping[str, Any]], renames: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    def name(column: str) -> str:
        return renames.get(column, column)

    resolved = {}
    for target, rule in spec.items():
        if "event_from" in rule:
            resolved[target] = {"event_from": name(rule["event_from"])}
        else:
            resolved[target] = {"from": name(rule["from"]), "to": [name(end) for end in rule["to"]],
                                "unit": rule["unit"]}
    return resolved


def _allowed_values(table: pa.DataFrameSchema, column: str) -> list | None:
    checks = table.columns[column].checks if column in table.columns else []
    for check in checks:
        statistics = getattr(check, "statistics", None) or {}
        if "allowed_values" in statistics:
            return list(statistics["allowed_values"])
    return None


def _hints(frame: pd.DataFrame, table: pa.DataFrameSchema, read: readers.ReadInfo,
           labels: Mapping[str, Mapping[Any, str]], rules: tuple[dates.DateRule, ...], message: str) -> list[str]:
    hints = []
    for column, codes in labels.items():
        allowed = _allowed_values(table, column)
        if allowed is None or column not in frame.columns:
            continue
        label_texts = {str(label): code for code, label in codes.items()}
        unmapped = sorted({str(v) for v in frame[column].dropna() if str(v) in label_texts
                           and str(v) not in map(str, allowed)})
        if unmapped:
            shown = ", ".join(f"'{label}' (code {readers.as_code_text(label_texts[label])})" for label in unmapped)
            hints.append(f"column '{column}': the file's value label(s) {shown} have no entry under values: "
                         f"{column} in the mapping file; add one (for example {column}: {{{unmapped[0]}: "
                         f"{allowed[0]}}}) or declare it under missing:")
    for rule in rules:
        if f"'{rule.target}'" in message and rule.event_from is None:
            hints.append(f"column '{rule.target}' is derived from dates ({rule.describe()}): a blank means that "
                         f"{rule.start} or every end date is blank on that line")
    if read.format.startswith("REDCap"):
        event = next((c for c in ("redcap_event_name", "Event Name") if c in frame.columns), None)
        if event:
            events = ", ".join(map(str, frame[event].dropna().unique()[:5]))
            hints.append(f"this REDCap export has several events in '{event}' ({events}): one row per record and "
                         "event, so patients repeat. Export one event (REDCap: Data Exports, filter by event) or "
                         "keep the rows of one event in a copy of the file.")
        repeat = next((c for c in ("redcap_repeat_instrument", "Repeat Instrument") if c in frame.columns), None)
        if repeat and frame[repeat].notna().any():
            hints.append(f"rows with '{repeat}' set are repeating-instrument rows (instance 1, 2, ... of a form), "
                         "not patients: export without the repeating instruments, or keep only the rows where "
                         f"'{repeat}' is blank.")
        if read.redcap_checkboxes and "missing column" in message:
            hints.append("REDCap exports a checkbox field as one 0/1 column per choice "
                         f"({', '.join(read.redcap_checkboxes[:4])}): map the choice you need under columns:, "
                         f"for example {read.redcap_checkboxes[0]}: SCHEMA_COLUMN.")
    return hints


def load_export(path: str | Path, table: pa.DataFrameSchema, *, column_map: str | Path | Mapping | None = None,
                sheet: str | None = None, allow_identifiers: bool = False, check_identifiers: bool = True) -> Intake:
    """Read, map, clean and validate a user's file for a chapter with schema ``table`` (steps in the module
    docstring).

    Parameters
    ----------
    path
        The file (any format of :func:`helpers.validation.readers.read_export`); it is only read.
    table
        The chapter's schema.
    column_map
        A mapping (a YAML path or a dict, :mod:`helpers.validation.mapping`).
    sheet
        The Excel sheet; overrides nothing: it must agree with the mapping's ``sheet`` when both are given.
    allow_identifiers, check_identifiers
        Whether identifier-like columns are allowed, and whether they are looked for at all (not for the book's
        own synthetic files).

    Raises
    ------
    InputError
        Naming the file, the column, the lines and the fix; its ``report`` attribute lists the steps done.
    """
    source = str(path)
    lines: list[str] = []
    rules = (column_map if isinstance(column_map, Mapping) else mapping.read_column_map(column_map)) \
        if column_map else dict(mapping.EMPTY)
    rules = mapping.normalise_column_map(rules, source=column_map if isinstance(column_map, (str, Path)) else "mapping")
    if sheet is not None and rules.get("sheet") not in (None, sheet):
        raise InputError(f"--sheet '{sheet}' and the mapping's sheet: '{rules['sheet']}' differ; give one.")
    sheet = sheet if sheet is not None else rules.get("sheet")
    export = readers.read_export(path, sheet=sheet, redcap_dictionary=rules.get("redcap_dictionary"))
    read = export.info
    lines += _describe(read)
    renames = rules["columns"]
    labels = {renames.get(column, column): codes for column, codes in read.value_labels.items()}
    derived_rules: tuple[dates.DateRule, ...] = ()
    frame = export.frame
    try:
        frame = mapping.rename_columns(export.frame, rules, source=source)
        lines += _describe(None, renamed=renames)
        cleaned = missing.apply_missing_codes(frame, mapping.resolve_keys(rules.get("missing", {}), renames),
                                              decimal=read.decimal or ".", labels=labels)
        lines += _describe(None, missing_applied=cleaned.applied)
        derived = dates.derive_from_dates(cleaned.frame, _resolve_derive(rules.get("derive", {}), renames),
                                          dayfirst=rules.get("dayfirst", True), source=source)
        derived_rules = derived.rules
        lines += _describe(None, derived=derived.rules, date_notes=derived.notes)
        frame, recoded = mapping.recode_values(derived.frame, mapping.resolve_keys(rules["values"], renames),
                                               labels=labels, source=source)
        lines += _describe(None, recoded=recoded)
        found = tuple(identifiers.find_identifiers(frame)) if check_identifiers else ()
        lines += _describe(None, found=found)
        if found and not allow_identifiers:
            identifiers.guard_identifiers(frame, source=source, allow=False)
        validated = schema.validate(frame, table, source=source)
    except InputError as error:
        hints = _hints(frame, table, read, labels, derived_rules, str(error))
        raise _fail(error, lines, hints) from None
    ordered = [c for c in table.columns if c in validated.columns] + [c for c in validated.columns
                                                                       if c not in table.columns]
    return Intake(validated[ordered], source, read, renames, cleaned.applied, derived.rules, derived.notes, recoded,
                  found)
