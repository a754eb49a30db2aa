"""Every chapter's synthetic data, exported as hospitals export it, reads back through its mapping file into
exactly the frame the schema-shaped file gives; ``spinebook check-data`` says what a chapter would see.

The exports (:mod:`helpers.book.exports`) rename columns, code categories with value labels, write codes for
"not recorded" and, for ``mscc-separation`` and ``dynamic-mri``, dates instead of follow-up times. Comparing
the loaded frames is what a chapter sees, without executing notebooks (``test_exports_end_to_end.py`` runs
one chapter on one export).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.book import cli, exports
from helpers.book.templates import DATED_OUTCOMES
from helpers.chapters import registry


@pytest.mark.parametrize("kind", exports.KINDS)
@pytest.mark.parametrize("chapter_id", list(registry.CHAPTERS))
def test_export_reads_back_to_the_schema_shaped_frame(chapter_id: str, kind: str, tmp_path: Path):
    files = exports.write_export(chapter_id, kind, tmp_path / "export")
    schema_shaped = tmp_path / "schema-shaped.csv"
    files.reference.to_csv(schema_shaped, index=False)
    expected = registry.load_data(chapter_id, schema_shaped)
    before = hashlib.sha256(files.data.read_bytes()).hexdigest()
    loaded = registry.load_data(chapter_id, files.data, column_map=files.mapping, sheet=files.sheet)
    pd.testing.assert_frame_equal(loaded, expected, rtol=1e-9, atol=0)
    assert hashlib.sha256(files.data.read_bytes()).hexdigest() == before, "the export was modified"


@pytest.mark.parametrize("kind", exports.KINDS)
def test_the_exports_really_differ_from_the_schema(kind: str, tmp_path: Path):
    files = exports.write_export("mscc-separation", kind, tmp_path)
    rules = yaml.safe_load(files.mapping.read_text(encoding="utf-8"))
    schema_columns = set(registry.get_chapter("mscc-separation").schema.columns)
    assert rules["derive"]["survival_months"]["unit"] == "months" and "event_from" in rules["derive"]["death"]
    assert rules["values"]  # coded values to recode
    raw = files.data.read_bytes()
    assert b"survival_months" not in raw and b"separated,1" not in raw
    if kind in ("bom-csv", "european-csv", "redcap"):
        assert not set(pd.read_csv(files.data, sep=None, engine="python", encoding="cp1252" if kind == "european-csv"
                                   else "utf-8-sig", nrows=1).columns) >= schema_columns
    if kind == "european-csv":
        assert b";" in raw and "männlich".encode("cp1252") in raw  # (mscc-separation has no decimals)
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    if kind == "bom-csv":
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw


def test_dated_exports_hold_dates_and_the_mapping_derives_durations(tmp_path: Path):
    files = exports.write_export("dynamic-mri", "european-csv", tmp_path)
    table = pd.read_csv(files.data, sep=";", encoding="cp1252", dtype=str)
    assert {"OP-Datum", "Komplikation am", "Letzte Nachsorge"} <= set(table.columns)
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", table["OP-Datum"].iloc[0])
    outcome = DATED_OUTCOMES["dynamic-mri"]
    assert (table["Komplikation am"] == ".").sum() == (files.reference[outcome.event] == 0).sum()


def test_examples_in_the_repository_are_what_the_generator_writes(repo: Path):
    from helpers.book.build import check_examples

    assert check_examples(repo) == []


def test_the_page_shows_the_example_mappings_as_they_are(repo: Path):
    page = (repo / "book" / "own-data.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n# (data/examples/[^\n]+\.yaml)\n(.*?)```", page, flags=re.S)
    shown = {name for name, _ in blocks}
    expected = {f"data/examples/{p.name}" for p in (repo / "data" / "examples").glob("*.yaml")}
    assert shown == expected
    for name, body in blocks:
        assert body == (repo / name).read_text(encoding="utf-8"), f"{name} differs from the page"
    for chapter_id in exports.EXAMPLES:
        assert f"spinebook check-data {chapter_id}" in page


@pytest.mark.parametrize("chapter_id, kinds", list(exports.EXAMPLES.items()))
def test_every_example_is_valid(chapter_id: str, kinds, repo: Path):
    for kind in (kinds,) if isinstance(kinds, str) else kinds:
        tag, suffix = exports.SUFFIXES[kind]
        folder = repo / "data" / "examples"
        sheet = "Visits" if kind == "xlsx" else None
        intake = registry.inspect_data(chapter_id, folder / f"{chapter_id}-{tag}{suffix}",
                                       column_map=folder / f"{chapter_id}-{tag}.yaml", sheet=sheet)
        assert len(intake.frame) == len(pd.read_csv(registry.synthetic_data_path(chapter_id)))


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*")
            if p.is_file()}


def test_check_data_prints_what_the_chapter_would_see(tmp_path: Path, repo: Path, monkeypatch, capsys):
    monkeypatch.setenv("SPINEBOOK_ROOT", str(repo))
    monkeypatch.chdir(tmp_path)
    files = exports.write_export("mscc-separation", "sav", tmp_path / "in")
    before = _snapshot(tmp_path)
    status = cli.main(["check-data", "mscc-separation", "--data", str(files.data), "--columns", str(files.mapping)])
    printed = capsys.readouterr().out
    assert status == 0, printed
    for words in ["format: SPSS .sav", "value labels applied to SEX", "columns mapped: PATID -> patient_id",
                  "survival_months = days from SURGERY_DATE to LAST_CONTACT_DATE / 30.4375 (months)",
                  "death = 1 where DEATH_DATE is filled", "date column(s) dropped after the derivation: SURGERY_DATE",
                  "codes recoded: sex: Female -> female (22), Male -> male (37)", "identifiers found: none",
                  "rows: 59;", "missing per column: none", "valid: chapter mscc-separation would see 59 rows"]:
        assert words in printed, f"{words!r} not in:\n{printed}"
    assert _snapshot(tmp_path) == before, "check-data wrote something"


def test_check_data_reports_missing_codes_encoding_and_delimiter(tmp_path: Path, repo: Path, monkeypatch, capsys):
    monkeypatch.setenv("SPINEBOOK_ROOT", str(repo))
    files = exports.write_export("paraspinal-imf", "european-csv", tmp_path)
    assert cli.main(["check-data", "paraspinal-imf", "--data", str(files.data), "--columns", str(files.mapping)]) == 0
    printed = capsys.readouterr().out
    for words in ["encoding cp1252", "delimiter ';' (semicolon)", "decimal mark ','",
                  "missing-value codes applied: gpe: . (149 cells)", "missing per column: gpe 149"]:
        assert words in printed, f"{words!r} not in:\n{printed}"


def test_check_data_refuses_with_the_messages_of_run(tmp_path: Path, repo: Path, monkeypatch, capsys):
    monkeypatch.setenv("SPINEBOOK_ROOT", str(repo))
    monkeypatch.chdir(tmp_path)
    files = exports.write_export("paraspinal-imf", "xlsx", tmp_path / "in")
    before = _snapshot(tmp_path)
    arguments = ["paraspinal-imf", "--data", str(files.data), "--columns", str(files.mapping)]
    assert cli.main(["check-data", *arguments]) == 2
    checked = capsys.readouterr().err
    assert cli.main(["run", *arguments, "--out", str(tmp_path / "out")]) == 2
    ran = capsys.readouterr().err
    assert checked == ran and "'Visits'" in checked and "--sheet" in checked
    assert cli.main(["check-data", *arguments, "--sheet", "Visits"]) == 0
    assert "sheet 'Visits'" in capsys.readouterr().out
    assert _snapshot(tmp_path) == before, "nothing is written on failure or by check-data"
