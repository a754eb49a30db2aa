"""Files a user starts from: the blank template and mapping skeleton of a chapter, and the data-dictionary page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from helpers.chapters import registry
from helpers.validation.errors import InputError
from helpers.validation.schema import describe_schema


@dataclass(frozen=True)
class DatedOutcome:
    """A chapter's time-to-event pair and the dates an export usually holds instead: ``duration`` runs from
    ``start`` to the first filled of ``ends``; ``event`` is 1 where ``event_date`` is filled."""

    duration: str
    event: str
    start: str
    ends: tuple[str, ...]
    event_date: str

    def derive_lines(self, indent: str = "  ") -> list[str]:
        """The ``derive:`` entries of a mapping file, as YAML lines."""
        ends = self.ends[0] if len(self.ends) == 1 else "[" + ", ".join(self.ends) + "]"
        return [f"{indent}{self.duration}: {{from: {self.start}, to: {ends}, unit: months}}",
                f"{indent}{self.event}: {{event_from: {self.event_date}}}"]


DATED_OUTCOMES = {
    "mscc-separation": DatedOutcome("survival_months", "death", "surgery_date", ("last_contact_date",), "death_date"),
    "dynamic-mri": DatedOutcome("complication_months", "complication", "surgery_date",
                                ("complication_date", "last_followup_date"), "complication_date"),
}
"""Follow-up times that a mapping can derive from dates (``derive:``), per chapter."""


def write_template(chapter_id: str, folder: str | Path) -> list[Path]:
    """Write ``<chapter>-template.csv`` (the expected header) and ``<chapter>-columns.yaml`` (a mapping
    to fill in) into ``folder``; existing files are never overwritten."""
    schema = registry.get_chapter(chapter_id).schema
    folder = Path(folder)
    csv_path, yaml_path = folder / f"{chapter_id}-template.csv", folder / f"{chapter_id}-columns.yaml"
    taken = [str(p) for p in (csv_path, yaml_path) if p.exists()]
    if taken:
        raise InputError(f"{', '.join(taken)}: already exist(s); templates never overwrite files. Choose "
                         "another --out folder.")
    folder.mkdir(parents=True, exist_ok=True)
    table = describe_schema(schema)
    csv_path.write_text(",".join(table["column"]) + "\n", encoding="utf-8")
    lines = [f"# Mapping of your file onto the {chapter_id} schema, for:",
             f"#   spinebook run {chapter_id} --data YOUR_FILE --columns {yaml_path.name}",
             "# columns: your column name -> schema name (delete lines you do not need).", "columns:"]
    lines += [f"  # your_{row.column}: {row.column}    # {row.type}; {row.allowed or 'any value'}; {row.description}"
              for row in table.itertuples()]
    lines += ["# values: recode your codes to the schema's, per schema column, for example", "values:"]
    coded = [row for row in table.itertuples() if row.allowed.startswith("one of ")]
    lines += [f"  # {row.column}: {{your_code: {row.allowed[len('one of '):].split(', ')[0]}}}" for row in coded]
    lines += ["# In an SPSS, Stata or REDCap file (with its data dictionary) the codes' labels are applied: recode the",
              "# label you see (Male: male) or the code underneath (1: male).",
              "#",
              "# missing: codes your file uses for 'not recorded', blanked before the check: for every column,",
              "# missing: ['.', NA, -99, 999]",
              "# or per column (default: applies to every column as well):",
              "# missing: {age: [999], default: ['.']}"]
    outcome = DATED_OUTCOMES.get(chapter_id)
    if outcome is not None:
        lines += ["#",
                  f"# derive: {outcome.duration} and {outcome.event} from dates instead of columns of their own. The",
                  "# dates (ISO 2023-12-31, day-first 31/12/2023 or 31.12.2023, date cells or Excel serial numbers)",
                  "# are dropped after the derivation: only durations reach the chapter. months = days / 30.4375;",
                  f"# {outcome.event} is 1 where {outcome.event_date} is filled, 0 where it is blank."
                  + (" 'to' may list several dates: the first filled one is used." if len(outcome.ends) > 1 else ""),
                  "# derive:", *[f"#{line}" for line in outcome.derive_lines("   ")],
                  "# dayfirst: true     # 03/04/2023 is 3 April 2023 (the default); false reads it as 4 March"]
    lines += ["#",
              "# sheet: Sheet1      # the sheet of an Excel workbook with several sheets (or --sheet NAME)",
              "# redcap_dictionary: MyProject_DataDictionary.csv   # a raw REDCap export: its codes become labels"]
    yaml_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [csv_path, yaml_path]


def accepted_codes_markdown(chapter_id: str, schema: pa.DataFrameSchema) -> list[str]:
    """Lines listing each coded column's accepted codes, and the follow-up times derivable from dates."""
    coded = []
    for name, column in schema.columns.items():
        for check in column.checks:
            allowed = (getattr(check, "statistics", None) or {}).get("allowed_values")
            if allowed is not None:
                codes = ", ".join(f"`{code}`" for code in allowed)
                blank = " or blank" if column.nullable else ""
                coded.append(f"- `{name}`: {codes}{blank}")
    lines = ["Accepted codes:", "", *coded, ""] if coded else []
    outcome = DATED_OUTCOMES.get(chapter_id)
    if outcome is not None:
        lines += [f"`{outcome.duration}` and `{outcome.event}` may instead be derived from dates (the dates are "
                  "dropped afterwards):", "", "```yaml", "derive:", *outcome.derive_lines(), "```", ""]
    return lines


def data_dictionary_markdown(schemas: dict[str, pa.DataFrameSchema], examples: dict[str, pd.DataFrame],
                             titles: dict[str, str]) -> str:
    """The book's data-dictionary page (MyST markdown), generated from the schemas at build time."""
    parts = ["# Data dictionary", "",
             "Generated from the chapters' schemas (`helpers/chapters/<id>/schema.py`) when the book is built: the columns each",
             "chapter expects, with type, allowed values, whether they are required, and an example row from the",
             "synthetic data. `spinebook template CHAPTER` writes an empty file with this header and a mapping",
             "file for renaming and recoding your own columns (`spinebook run CHAPTER --data FILE --columns MAP`).",
             "Below each table, the accepted codes of each coded column: codes of your own are recoded under `values:`",
             "in the mapping file, codes for 'not recorded' declared under `missing:`, and follow-up times can be",
             "derived from dates (`derive:`); {doc}`own-data` shows one worked example per kind of export.",
             ""]
    for chapter_id, schema in schemas.items():
        table = describe_schema(schema)
        example = examples.get(chapter_id)
        if example is not None and not example.empty:
            first = example.iloc[0]
            table["example"] = [str(first[c]) if c in example.columns and pd.notna(first[c]) else ""
                                for c in table["column"]]
        parts += [f"## {titles.get(chapter_id, chapter_id)} (`{chapter_id}`)", "",
                  "| " + " | ".join(table.columns) + " |", "| " + " | ".join("---" for _ in table.columns) + " |"]
        for row in table.itertuples(index=False):
            cells = [str(value).replace("|", "\\|") for value in row]
            parts.append("| " + " | ".join(f"`{cells[0]}`" if i == 0 else cell for i, cell in enumerate(cells)) + " |")
        parts.append("")
        parts += accepted_codes_markdown(chapter_id, schema)
    return "\n".join(parts) + "\n"
