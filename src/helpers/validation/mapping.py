"""Mapping a user's file onto a chapter's schema without editing the file.

A mapping has these parts, all optional:

``columns``
    ``{their_column: schema_column}``: columns to rename.
``values``
    ``{schema_column: {their_value: schema_value}}``: codes to translate, for example
    ``sex: {M: male, F: female}`` or ``separated: {yes: 1, no: 0}``. In a column whose value labels were
    applied (SPSS, Stata, REDCap with its data dictionary), ``their_value`` may be the label the researcher
    sees (``Male``) or the code underneath (``1``).
``missing``
    Missing-value codes, for every column (``missing: [".", "NA", -99, 999]``) or per column
    (``missing: {age: [999], default: ["."]}``); see :mod:`helpers.validation.missing`.
``derive`` and ``dayfirst``
    Durations and events computed from dates, after which the dates are dropped; see
    :mod:`helpers.validation.dates`.
``sheet``
    The sheet of an Excel workbook (what ``--sheet NAME`` sets).
``redcap_dictionary``
    A REDCap data dictionary (CSV) whose coded answers become labels in a raw REDCap export; a relative path
    is relative to the mapping file.

Keys of ``values``, ``missing`` and ``derive`` may use either the file's column names or the schema's names.
The mapping comes from ``--map their=schema`` (repeatable), ``--sheet`` and/or ``--columns MAP.yaml`` on the
command line, travels to the notebook as the ``column_map`` parameter (the path of a YAML file), and is
recorded in ``provenance.json``. The user's file itself is only read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import yaml

from helpers.validation.errors import InputError

EMPTY: dict[str, dict] = {"columns": {}, "values": {}}

SECTIONS = ("columns", "values", "missing", "derive", "dayfirst", "sheet", "redcap_dictionary")
"""The sections a mapping may have (see the module docstring)."""

OPTIONAL = SECTIONS[2:]
"""Sections present in a normalised mapping only when given."""


def is_empty(mapping: Mapping[str, Any] | None) -> bool:
    """Whether a mapping asks for nothing (no renaming, recoding, codes, derivations, sheet or dictionary)."""
    return not mapping or not any(mapping.get(section) not in (None, {}, [], "") for section in SECTIONS)


def parse_map_arguments(pairs: list[str]) -> dict[str, str]:
    """``["their=schema", ...]`` from ``--map`` into ``{their: schema}``."""
    columns = {}
    for pair in pairs:
        their, sep, schema = pair.partition("=")
        if not sep or not their.strip() or not schema.strip():
            raise InputError(f"--map {pair!r}: expected THEIR_COLUMN=SCHEMA_COLUMN, for example --map Sex=sex.")
        columns[their.strip()] = schema.strip()
    return columns


def read_column_map(path: str | Path) -> dict[str, dict]:
    """Read a mapping file (YAML with ``columns:`` and ``values:``), checking its shape."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: mapping file not found.")
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a readable YAML mapping file ({str(error).splitlines()[0]}).") from None
    rules = normalise_column_map(content, source=path)
    dictionary = rules.get("redcap_dictionary")
    if dictionary and not Path(dictionary).is_absolute():
        rules["redcap_dictionary"] = str((path.parent / dictionary).resolve())
    return rules


def normalise_column_map(content: Any, *, source: str | Path = "mapping") -> dict[str, Any]:
    """Check a mapping's shape and return ``{"columns": {...}, "values": {...}}`` with string keys, plus the
    optional sections (:data:`OPTIONAL`) that were given."""
    from helpers.validation.dates import normalise_derive
    from helpers.validation.missing import normalise_missing

    if not isinstance(content, Mapping) or set(content) - set(SECTIONS):
        unknown = sorted(map(str, set(content) - set(SECTIONS))) if isinstance(content, Mapping) else []
        raise InputError(f"{source}: a mapping has two sections, 'columns' (their name: schema name) and "
                         "'values' (schema column: {their code: schema code}), and optionally 'missing', 'derive', "
                         "'dayfirst', 'sheet' and 'redcap_dictionary'"
                         + (f"; unknown: {', '.join(unknown)}" if unknown else "") + ".")
    columns = content.get("columns") or {}
    values = content.get("values") or {}
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        raise InputError(f"{source}: 'columns' must map each of your column names to a schema column name.")
    if not isinstance(values, Mapping) or not all(isinstance(v, Mapping) for v in values.values()):
        raise InputError(f"{source}: 'values' must map a schema column to {{your code: schema code}}, "
                         "for example sex: {M: male, F: female}.")
    rules: dict[str, Any] = {"columns": {str(k): str(v) for k, v in columns.items()},
                             "values": {str(column): dict(codes) for column, codes in values.items()}}
    if content.get("missing") is not None:
        rules["missing"] = normalise_missing(content["missing"], source=source)
    if content.get("derive") is not None:
        rules["derive"] = normalise_derive(content["derive"], source=source)
    if content.get("dayfirst") is not None:
        if not isinstance(content["dayfirst"], bool):
            raise InputError(f"{source}: 'dayfirst' is true (31/12/2023, the default) or false (12/31/2023).")
        rules["dayfirst"] = content["dayfirst"]
    for key in ("sheet", "redcap_dictionary"):
        if content.get(key) is not None:
            if not isinstance(content[key], (str, int)) or isinstance(content[key], bool):
                raise InputError(f"{source}: '{key}' must be a name, got {content[key]!r}.")
            rules[key] = str(content[key])
    return rules


def merge_column_maps(*maps: Mapping[str, Any]) -> dict[str, Any]:
    """Later maps win on conflicts."""
    merged: dict[str, Any] = {"columns": {}, "values": {}}
    for mapping in maps:
        merged["columns"].update(mapping.get("columns", {}))
        for column, codes in mapping.get("values", {}).items():
            merged["values"].setdefault(column, {}).update(codes)
        for column, codes in (mapping.get("missing") or {}).items():
            merged.setdefault("missing", {}).setdefault(column, [])
            merged["missing"][column] += [code for code in codes if code not in merged["missing"][column]]
        if mapping.get("derive"):
            merged.setdefault("derive", {}).update(mapping["derive"])
        for key in ("dayfirst", "sheet", "redcap_dictionary"):
            if mapping.get(key) is not None:
                merged[key] = mapping[key]
    return merged


def write_column_map(mapping: Mapping[str, dict], path: str | Path) -> Path:
    path = Path(path)
    path.write_text(yaml.safe_dump(dict(mapping), sort_keys=True, allow_unicode=True), encoding="utf-8")
    return path


_YAML_BOOLEANS = {True: {"yes", "y", "true", "on"}, False: {"no", "n", "false", "off"}}


def _same_code(value: Any, code: Any) -> bool:
    if pd.isna(value):
        return False
    text = str(value).strip().lower()
    if isinstance(code, bool):  # YAML reads unquoted yes/no/on/off as booleans
        return text in _YAML_BOOLEANS[code] or (not isinstance(value, str) and value == code)
    if value == code or text == str(code).strip().lower():
        return True
    number, their_number = _number(value), _number(code)
    return number is not None and number == their_number


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _label_of(code: Any, labels: Mapping[Any, str]) -> str | None:
    """The value label of ``code`` (matched as it is, as a number or as text), if it has one."""
    for key, label in labels.items():
        if _same_code(key, code) and not isinstance(code, bool):
            return label
    return None


def resolve_keys(section: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """A section keyed by column (``values``, ``missing``, ``derive`` sources) with the file's names translated
    to the schema's names through ``renames`` (keys already in schema names stay)."""
    return {renames.get(str(key), str(key)): value for key, value in section.items()}


def rename_columns(frame: pd.DataFrame, mapping: Mapping[str, Any] | None, *, source: str | Path = "data"
                   ) -> pd.DataFrame:
    """Rename a copy of ``frame`` by the mapping's ``columns`` (every renamed column must exist, and no two may
    get the same name)."""
    columns = dict((mapping or {}).get("columns") or {})
    absent = [their for their in columns if their not in frame.columns]
    if absent:
        raise InputError(f"{source}: the mapping renames column(s) {', '.join(map(repr, absent))}, which the "
                         f"file does not have. Found columns: {', '.join(map(str, frame.columns))}.")
    targets = list(columns.values())
    duplicated = sorted({t for t in targets if targets.count(t) > 1})
    if duplicated:
        raise InputError(f"{source}: the mapping sends several columns to {', '.join(duplicated)}; map one each.")
    kept = [their for their, ours in columns.items() if ours in frame.columns and ours not in columns]
    if kept:
        raise InputError(f"{source}: the mapping renames {', '.join(map(repr, kept))} to a name the file already "
                         "has; rename or drop the file's own column first.")
    return frame.rename(columns=columns)


def recode_values(frame: pd.DataFrame, values: Mapping[str, Mapping[Any, Any]] | None, *,
                  labels: Mapping[str, Mapping[Any, str]] | None = None, source: str | Path = "data"
                  ) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """Recode a copy of ``frame`` by ``values`` ({column: {their code: schema code}}); return it and what was
    recoded, ``{column: {"their -> ours": cells}}``.

    Codes match exactly, as numbers, or, for text, ignoring case and surrounding spaces. In a column with value
    labels (``labels``: {column: {code: label}}, as applied by the reader), a code also matches its label.
    Values without a code are left as they are (the schema check then reports them).
    """
    frame = frame.copy()
    labels = labels or {}
    done: dict[str, dict[str, int]] = {}
    for column, codes in (values or {}).items():
        if column not in frame.columns:
            raise InputError(f"{source}: the mapping recodes column '{column}', which is not in the data "
                             "after renaming. Recode by schema column name (or by the file's name of the column).")
        original = frame[column]
        recoded = original.astype(object).copy()
        for their, ours in codes.items():
            hits = original.map(lambda value, code=their: _same_code(value, code))
            label = _label_of(their, labels.get(column, {}))
            if label is not None:
                hits |= original.map(lambda value, code=label: _same_code(value, code))
            if hits.any():
                shown = f"{their} ({label})" if label is not None and str(label) != str(their) else str(their)
                done.setdefault(column, {})[f"{shown} -> {ours}"] = int(hits.sum())
            recoded[hits.to_numpy()] = ours
        frame[column] = recoded
    return frame, done


def apply_column_map(frame: pd.DataFrame, mapping: Mapping[str, Any] | None, *,
                     source: str | Path = "data") -> pd.DataFrame:
    """Rename and recode a copy of ``frame`` (the input is not modified).

    Codes match exactly or, for text, ignoring case and surrounding spaces. Values without a code in the
    mapping are left as they are (the schema check then reports them). Missing-value codes and dates
    (``missing``, ``derive``) are applied by :func:`helpers.validation.intake.load_export`.
    """
    if not mapping:
        return frame.copy()
    mapping = normalise_column_map(mapping, source=source)
    mapped = rename_columns(frame, mapping, source=source)
    return recode_values(mapped, resolve_keys(mapping["values"], mapping["columns"]), source=source)[0]
