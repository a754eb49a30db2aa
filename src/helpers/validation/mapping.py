"""Mapping a user's file onto a chapter's schema without editing the file.

A mapping has two parts, both optional:

``columns``
    ``{their_column: schema_column}``: columns to rename.
``values``
    ``{schema_column: {their_value: schema_value}}``: codes to translate, for example
    ``sex: {M: male, F: female}`` or ``separated: {yes: 1, no: 0}``.

It comes from ``--map their=schema`` (repeatable) and/or ``--columns MAP.yaml`` on the command line,
travels to the notebook as the ``column_map`` parameter (the path of a YAML file), and is recorded in
``provenance.json``. The user's file itself is only read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import yaml

from helpers.validation.errors import InputError

EMPTY: dict[str, dict] = {"columns": {}, "values": {}}


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
    return normalise_column_map(content, source=path)


def normalise_column_map(content: Any, *, source: str | Path = "mapping") -> dict[str, dict]:
    """Check a mapping's shape and return ``{"columns": {...}, "values": {...}}`` with string keys."""
    if not isinstance(content, Mapping) or set(content) - {"columns", "values"}:
        raise InputError(f"{source}: a mapping has two sections, 'columns' (their name: schema name) and "
                         "'values' (schema column: {their code: schema code}).")
    columns = content.get("columns") or {}
    values = content.get("values") or {}
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        raise InputError(f"{source}: 'columns' must map each of your column names to a schema column name.")
    if not isinstance(values, Mapping) or not all(isinstance(v, Mapping) for v in values.values()):
        raise InputError(f"{source}: 'values' must map a schema column to {{your code: schema code}}, "
                         "for example sex: {M: male, F: female}.")
    return {"columns": {str(k): str(v) for k, v in columns.items()},
            "values": {str(column): dict(codes) for column, codes in values.items()}}


def merge_column_maps(*maps: Mapping[str, dict]) -> dict[str, dict]:
    """Later maps win on conflicts."""
    merged = {"columns": {}, "values": {}}
    for mapping in maps:
        merged["columns"].update(mapping.get("columns", {}))
        for column, codes in mapping.get("values", {}).items():
            merged["values"].setdefault(column, {}).update(codes)
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
    return value == code or text == str(code).strip().lower()


def apply_column_map(frame: pd.DataFrame, mapping: Mapping[str, dict] | None, *,
                     source: str | Path = "data") -> pd.DataFrame:
    """Rename and recode a copy of ``frame`` (the input is not modified).

    Codes match exactly or, for text, ignoring case and surrounding spaces. Values without a code in the
    mapping are left as they are (the schema check then reports them).
    """
    if not mapping:
        return frame.copy()
    mapping = normalise_column_map(mapping, source=source)
    missing = [their for their in mapping["columns"] if their not in frame.columns]
    if missing:
        raise InputError(f"{source}: the mapping renames column(s) {', '.join(map(repr, missing))}, which the "
                         f"file does not have. Found columns: {', '.join(map(str, frame.columns))}.")
    targets = list(mapping["columns"].values())
    duplicated = sorted({t for t in targets if targets.count(t) > 1})
    if duplicated:
        raise InputError(f"{source}: the mapping sends several columns to {', '.join(duplicated)}; map one each.")
    mapped = frame.rename(columns=mapping["columns"])
    for column, codes in mapping["values"].items():
        if column not in mapped.columns:
            raise InputError(f"{source}: the mapping recodes column '{column}', which is not in the data "
                             "after renaming. Recode by schema column name.")
        original = mapped[column]
        recoded = original.astype(object).copy()
        for their, ours in codes.items():
            recoded[original.map(lambda value, code=their: _same_code(value, code))] = ours
        mapped[column] = recoded
    return mapped
