"""Malformed user files: each gives exit status 2, a message naming the problem, and writes nothing.

The command line runs in-process (``helpers.book.cli.main``), the same code path as the ``spinebook`` script
(whose exit codes and absence of tracebacks ``test_cli.py`` checks in a subprocess).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from helpers.book import cli
from helpers.chapters import registry

GOOD_2X2 = "test_positive,disease_present\n1,1\n0,0\n1,0\n0,1\n"


@dataclass
class Case:
    id: str
    chapter: str
    write: Callable[[Path], Path]
    words: list[str]
    arguments: list[str] = field(default_factory=list)


def text(name: str, content: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content.encode(encoding))
        return path
    return write


def raw(name: str, content: bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path
    return write


def frame(name: str, data: dict, kind: str = "csv") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        table = pd.DataFrame(data)
        {"csv": lambda: table.to_csv(path, index=False), "xlsx": lambda: table.to_excel(path, index=False),
         "parquet": lambda: table.to_parquet(path)}[kind]()
        return path
    return write


def synthetic_copy(chapter: str, name: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        change(pd.read_csv(registry.synthetic_data_path(chapter))).to_csv(path, index=False)
        return path
    return write


def export(chapter: str, kind: str, change: Callable[[Path, Path], None] | None = None) -> Callable[[Path], Path]:
    """An export of the chapter's synthetic data (helpers.book.exports) with its mapping at {inputs}/map.yaml,
    after ``change(data, mapping)``."""
    def write(folder: Path) -> Path:
        from helpers.book import exports

        files = exports.write_export(chapter, kind, folder)
        files.mapping.rename(folder / "map.yaml")
        if change is not None:
            change(files.data, folder / "map.yaml")
        return files.data
    return write


def edit_csv(column: str, rows: list[int], value: str, encoding: str = "utf-8-sig", sep: str = ","):
    """Set ``column`` to ``value`` on ``rows`` of a CSV export, keeping its encoding and delimiter."""
    def change(data: Path, mapping: Path) -> None:
        table = pd.read_csv(data, encoding=encoding, sep=sep, dtype=str, keep_default_na=False)
        table.loc[rows, column] = value
        data.write_bytes(table.to_csv(index=False, sep=sep, lineterminator="\r\n").encode(encoding))
    return change


def drop_code(column: str, label: str):
    """Remove one label's entry under values: in the mapping file."""
    def change(data: Path, mapping: Path) -> None:
        import yaml

        rules = yaml.safe_load(mapping.read_text(encoding="utf-8"))
        del rules["values"][column][label]
        mapping.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    return change


def two_events(data: Path, mapping: Path) -> None:
    table = pd.read_csv(data, dtype=str, keep_default_na=False)
    later = table.assign(redcap_event_name="month_6_arm_1")
    pd.concat([table, later]).to_csv(data, index=False)


MAP = ["--columns", "{inputs}/map.yaml"]

CASES = [
    Case("empty-file", "equivocal-mri", text("empty.csv", ""), ["empty"]),
    Case("header-only", "equivocal-mri", text("header.csv", "test_positive,disease_present\n"), ["no data rows"]),
    Case("neither-utf8-nor-cp1252", "equivocal-mri",
         raw("bytes.csv", b"test_positive,disease_present,note\n1,1,caf\x81\n0,0,x\n"),
         ["UTF-8", "Windows-1252", "line 2"]),
    Case("binary-not-a-table", "equivocal-mri", raw("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
         ["binary file"]),
    Case("ragged-text", "equivocal-mri", text("notes.csv", "a,b\n1,2\n3,4,5,6\n"), ["could not be read as a CSV"]),
    Case("unknown-suffix", "equivocal-mri", text("data.json", '{"a": 1}'), ["unknown file type", ".json"]),
    Case("corrupt-xlsx", "equivocal-mri", text("book.xlsx", "not really excel"), ["Excel"]),
    Case("corrupt-parquet", "equivocal-mri", text("table.parquet", "not parquet"), ["Parquet"]),
    Case("missing-file", "equivocal-mri", lambda folder: folder / "absent.csv", ["not found"]),
    Case("folder-not-file", "equivocal-mri", lambda folder: folder, ["folder"]),
    Case("missing-column", "equivocal-mri", text("missing.csv", "test_positive,diagnosis\n1,1\n"),
         ["missing column", "disease_present", "diagnosis"]),
    Case("value-out-of-range", "equivocal-mri", text("range.csv", GOOD_2X2 + "2,1\n"),
         ["test_positive", "line 6", "0 or 1", "found 2"]),
    Case("text-in-number-column", "equivocal-mri", text("words.csv", GOOD_2X2 + "positive,1\n"),
         ["test_positive", "whole number", "'positive'"]),
    Case("blank-cell", "equivocal-mri", text("blank.csv", GOOD_2X2 + "1,\n"),
         ["disease_present", "line 6", "blank cells"]),
    Case("duplicate-ids", "equivocal-mri", text("dupes.csv", "patient_id,test_positive,disease_present\n"
                                                "A1,1,1\nA2,0,0\nA1,1,0\n"), ["patient_id", "each patient once"]),
    Case("several-problems-at-once", "equivocal-mri", text("many.csv", GOOD_2X2 + "3,1\n1,9\n"),
         ["2 problem(s)", "test_positive", "disease_present"]),
    Case("one-class-only", "equivocal-mri", text("healthy.csv", "test_positive,disease_present\n1,0\n0,0\n"),
         ["disease_present", "both with and without the disease"]),
    Case("identifier-by-name", "equivocal-mri", text("names.csv", "name,test_positive,disease_present\nAnn,1,1\n"),
         ["name", "identifiers"]),
    Case("identifier-by-content", "equivocal-mri",
         frame("emails.xlsx", {"contact": ["a@b.org", "c@d.org"], "test_positive": [1, 0],
                               "disease_present": [1, 0]}, "xlsx"), ["contact", "e-mail"]),
    Case("mapping-to-absent-column", "equivocal-mri", text("ok.csv", GOOD_2X2), ["'CT'", "does not have"],
         ["--map", "CT=test_positive"]),
    Case("malformed-map-argument", "equivocal-mri", text("ok.csv", GOOD_2X2), ["THEIR_COLUMN=SCHEMA_COLUMN"],
         ["--map", "test_positive"]),
    Case("tsv-with-commas", "equivocal-mri", text("wrong-separator.tsv", GOOD_2X2),
         ["missing column", "test_positive"]),
    Case("parquet-wrong-values", "equivocal-mri",
         frame("values.parquet", {"test_positive": ["maybe", "1"], "disease_present": [1, 0]}, "parquet"),
         ["test_positive", "'maybe'"]),
    Case("xlsx-header-only", "equivocal-mri", frame("empty.xlsx", {"test_positive": [], "disease_present": []}, "xlsx"),
         ["no data rows"]),
    Case("mapping-file-missing", "equivocal-mri", text("ok.csv", GOOD_2X2), ["mapping file not found"],
         ["--columns", "/nonexistent/map.yaml"]),
    Case("mapping-file-malformed", "equivocal-mri",
         lambda folder: (text("map.yaml", "rename:\n  a: b\n")(folder), text("ok.csv", GOOD_2X2)(folder))[1],
         ["map.yaml", "two sections"], ["--columns", "{inputs}/map.yaml"]),
    Case("dynamic-single-arm", "dynamic-mri",
         synthetic_copy("dynamic-mri", "one-arm.csv", lambda d: d[d["imaging"] == "dynamic"]),
         ["at least 3 patients in each arm"]),
    Case("dynamic-mjoa-out-of-range", "dynamic-mri",
         synthetic_copy("dynamic-mri", "mjoa.csv", lambda d: d.assign(mjoa_pre=d["mjoa_pre"].where(d.index != 3, 21))),
         ["mjoa_pre", "line 5", "0 to 18", "21"]),
    Case("dynamic-negative-time", "dynamic-mri",
         synthetic_copy("dynamic-mri", "time.csv",
                        lambda d: d.assign(complication_months=d["complication_months"].where(d.index != 5, -2))),
         ["complication_months", "line 7"]),
    Case("dynamic-unknown-arm-code", "dynamic-mri",
         synthetic_copy("dynamic-mri", "codes.csv", lambda d: d.assign(imaging=d["imaging"].replace("dynamic", "dMRI"))),
         ["imaging", "dynamic or conventional", "'dMRI'", "--columns"]),
    Case("mscc-unknown-bilsky-grade", "mscc-separation",
         synthetic_copy("mscc-separation", "bilsky.csv",
                        lambda d: d.assign(bilsky_grade=d["bilsky_grade"].astype(str).where(d.index != 2, "4"))),
         ["bilsky_grade", "line 4", "'4'"]),
    Case("mscc-one-group", "mscc-separation",
         synthetic_copy("mscc-separation", "one-group.csv", lambda d: d.assign(separated=1)),
         ["at least 3 patients in each group"]),
    Case("mscc-too-few-events", "mscc-separation",
         synthetic_copy("mscc-separation", "no-deaths.csv", lambda d: d.assign(death=0)),
         ["at least 5 deaths"]),
    Case("mscc-duplicate-ids", "mscc-separation",
         synthetic_copy("mscc-separation", "dupes.csv",
                        lambda d: d.assign(patient_id=d["patient_id"].where(d.index != 1, d["patient_id"].iloc[0]))),
         ["patient_id", "each patient once"]),
    Case("suppress-threshold-too-small", "equivocal-mri", text("ok.csv", GOOD_2X2), ["--suppress-small-cells", "at least 2"],
         ["--suppress-small-cells", "1"]),
    Case("dti-fa-out-of-range", "dti-ivim",
         synthetic_copy("dti-ivim", "fa.csv", lambda d: d.assign(fa=d["fa"].where(d.index != 2, 1.4))),
         ["fa", "line 4", "1.4"]),
    Case("dti-perfusion-fraction-not-percent", "dti-ivim",
         synthetic_copy("dti-ivim", "fraction.csv", lambda d: d.assign(f=d["f"] / 100)),
         ["f in percent", "multiply by 100"]),
    Case("dti-missing-mjoa", "dti-ivim",
         synthetic_copy("dti-ivim", "no-post.csv", lambda d: d.drop(columns=["mjoa_post"])), ["missing column", "mjoa_post"]),
    Case("imf-duplicate-visit", "paraspinal-imf",
         synthetic_copy("paraspinal-imf", "dup.csv", lambda d: pd.concat([d, d.iloc[[5]]]).reset_index(drop=True)),
         ["one row per patient per visit", "long format"]),
    Case("imf-no-baseline-row", "paraspinal-imf",
         synthetic_copy("paraspinal-imf", "no-baseline.csv",
                        lambda d: d[~((d["patient_id"] == "PF003") & (d["visit_month"] == 0))]),
         ["pre-operative row", "PF003"]),
    Case("imf-percent-over-100", "paraspinal-imf",
         synthetic_copy("paraspinal-imf", "imf.csv",
                        lambda d: d.assign(imf_multifidus_left=d["imf_multifidus_left"].where(d.index != 4, 140))),
         ["imf_multifidus_left", "140"]),
    Case("imf-patient-values-change", "paraspinal-imf",
         synthetic_copy("paraspinal-imf", "age.csv", lambda d: d.assign(age=d["age"].where(d.index != 1, 99))),
         ["identical on every row of a patient", "PF001"]),
    # exports (issue 18): each names the file, the column and the lines
    Case("export-end-before-start", "mscc-separation",
         export("mscc-separation", "bom-csv", edit_csv("Last Contact Date", [3], "01/01/2015")),
         ["mscc-separation-excel-utf8.csv", "Last Contact Date is before Surgery Date", "line 5", "survival_months"],
         MAP),
    Case("export-unparseable-date", "dynamic-mri",
         export("dynamic-mri", "european-csv", edit_csv("OP-Datum", [2, 7], "unbekannt", "cp1252", ";")),
         ["dynamic-mri-excel-european.csv", "'OP-Datum'", "lines 4, 9", "'unbekannt'", "not a date"], MAP),
    Case("export-month-first-dates", "dynamic-mri",
         export("dynamic-mri", "european-csv", edit_csv("OP-Datum", [0], "12.31.2016", "cp1252", ";")),
         ["'OP-Datum'", "line 2", "'12.31.2016'", "dayfirst: false"], MAP),
    Case("export-undeclared-sentinel", "mscc-separation",
         export("mscc-separation", "bom-csv", edit_csv("Age", [1, 4, 6, 10, 20], "999")),
         ["mscc-separation-excel-utf8.csv", "column 'age'", "lines 3, 6, 8, 12, 22", "999 looks like a missing-value code",
          "missing: {age: [999]}"], MAP),
    Case("export-ambiguous-workbook", "paraspinal-imf", export("paraspinal-imf", "xlsx"),
         ["paraspinal-imf-workbook.xlsx", "2 sheets with data", "'Visits'", "'Codebook'", "--sheet NAME"], MAP),
    Case("export-unknown-sheet", "paraspinal-imf", export("paraspinal-imf", "xlsx"),
         ["no sheet named 'visits'", "'Visits'"], [*MAP, "--sheet", "visits"]),
    Case("export-value-label-without-mapping", "mscc-separation",
         export("mscc-separation", "sav", drop_code("sex", "Male")),
         ["mscc-separation-spss.sav", "column 'sex'", "found 'Male'", "value label(s) 'Male' (code 2)", "values: sex"],
         MAP),
    Case("export-redcap-several-events", "dti-ivim", export("dti-ivim", "redcap", two_events),
         ["dti-ivim-redcap.csv", "patient_id", "each patient once", "several events in 'redcap_event_name'",
          "month_6_arm_1"], MAP),
    Case("duplicated-header", "dti-ivim",
         lambda folder: (folder / "twins.csv", (folder / "twins.csv").write_text(
             registry.synthetic_data_path("dti-ivim").read_text().replace("mjoa_pre,", "age,", 1)))[0],
         ["twins.csv", "repeats", "'age' at columns 2 (B), 4 (D)"]),
    Case("unknown-parameter", "equivocal-mri", text("ok.csv", GOOD_2X2), ["unknown parameter"],
         ["-p", "prevalence", "0.2"]),
    Case("parameter-out-of-range", "equivocal-mri", text("ok.csv", GOOD_2X2), ["pretest_probability"],
         ["-p", "pretest_probability", "20"]),
]


@pytest.fixture()
def isolated(tmp_path, repo, monkeypatch):
    """Run from a scratch folder so that any stray output would be visible, with the repo as the book root."""
    monkeypatch.setenv("SPINEBOOK_ROOT", str(repo))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_input_exits_2_with_a_clear_message(case: Case, isolated: Path, tmp_path: Path, repo: Path,
                                                      capsys):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    data = case.write(inputs)
    before = _snapshot(inputs)
    runs_before = _snapshot(repo / "runs")
    out = tmp_path / "out"
    arguments = [argument.replace("{inputs}", str(inputs)) for argument in case.arguments]
    status = cli.main(["run", case.chapter, "--data", str(data), "--out", str(out), *arguments])
    message = capsys.readouterr().err
    assert status == 2, message
    assert "spinebook: invalid input:" in message, message
    assert "Executing" not in message, "invalid input should be refused before the notebook runs"
    assert "Traceback" not in message
    for word in case.words:
        assert word in message, f"{word!r} not in {message!r}"
    assert not out.exists(), "a failed run wrote its output folder"
    assert _snapshot(inputs) == before, "the input file was modified"
    assert _snapshot(repo / "runs") == runs_before, "a failed run wrote under runs/"
    assert os.listdir(isolated) == []


def test_the_suite_is_large_enough():
    assert len(CASES) >= 25, f"{len(CASES)} malformed files; the issue asks for at least 25 across the chapters"
