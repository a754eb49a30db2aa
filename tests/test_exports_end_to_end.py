"""One chapter run end to end on an export with dates: the same results.csv as the schema-shaped file, the
detected format in provenance.json, and no date of the input in any output.

``mscc-separation`` written as an SPSS file with value labels and the dates of surgery, last contact and death
instead of ``survival_months`` and ``death`` (:func:`helpers.book.exports.write_export`) is run with
``spinebook run``, as is the schema-shaped file it stands for (follow-up in whole days).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from helpers.book.build import copy_sources

from helpers.book import exports

pytestmark = pytest.mark.book

CHAPTER = "mscc-separation"


def spinebook(*arguments: str, root: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SPINEBOOK_ROOT": str(root)}
    return subprocess.run([sys.executable, "-m", "helpers.book.cli", *arguments], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, repo: Path) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("exports-e2e")
    root = work / "book"
    root.mkdir()
    copy_sources(repo, root)
    files = exports.write_export(CHAPTER, "sav", work / "export")
    schema_shaped = work / "schema-shaped.csv"
    files.reference.to_csv(schema_shaped, index=False)
    exported = spinebook("run", CHAPTER, "--data", str(files.data), "--columns", str(files.mapping),
                         "--out", str(work / "exported"), root=root)
    assert exported.returncode == 0, exported.stderr[-3000:]
    plain = spinebook("run", CHAPTER, "--data", str(schema_shaped), "--out", str(work / "plain"), root=root)
    assert plain.returncode == 0, plain.stderr[-3000:]
    return {"exported": work / "exported", "plain": work / "plain", "data": files.data, "stdout": exported.stdout}


def test_the_export_gives_the_results_of_the_schema_shaped_file(runs):
    exported = pd.read_csv(runs["exported"] / "results.csv")
    plain = pd.read_csv(runs["plain"] / "results.csv")
    pd.testing.assert_frame_equal(exported, plain, rtol=1e-9, atol=0)
    assert len(exported) >= 10 and exported["estimate"].notna().all()


def test_provenance_records_what_was_detected(runs):
    record = json.loads((runs["exported"] / "provenance.json").read_text())
    detected = record["input_format"]
    assert detected["format"] == "SPSS .sav" and detected["value_labels"]["SEX"] == {"1": "Female", "2": "Male"}
    assert record["column_map"]["derive"]["death"] == {"event_from": "DEATH_DATE"}
    plain = json.loads((runs["plain"] / "provenance.json").read_text())["input_format"]
    assert (plain["format"], plain["encoding"], plain["delimiter"]) == ("CSV", "utf-8", ",")
    assert "format: SPSS .sav" in runs["stdout"] and "dropped after the derivation" in runs["stdout"]


def date_strings(path: Path) -> set[str]:
    frame, _ = pyreadstat.read_sav(str(path), dates_as_pandas_datetime=True)
    found = set()
    for column in ("SURGERY_DATE", "LAST_CONTACT_DATE", "DEATH_DATE"):
        for value in frame[column].dropna():
            day = value.date()
            found |= {day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d.%m.%Y"), day.strftime("%m/%d/%Y"),
                      str((day - dt.date(1899, 12, 30)).days) + ".0"}
    return found


def test_no_date_of_the_input_reaches_any_output(runs, tmp_path):
    dates = date_strings(runs["data"])
    assert len(dates) > 100
    outputs = [p for p in runs["exported"].rglob("*") if p.is_file()]
    assert {p.name for p in outputs} >= {"results.csv", "provenance.json", "report.html", f"{CHAPTER}.ipynb"}
    leaked = {}
    for path in outputs:
        text = path.read_bytes().decode("utf-8", errors="replace")
        hits = sorted(d for d in dates if d in text)
        if hits:
            leaked[path.name] = hits[:5]
    assert not leaked, f"dates of the input found in the outputs: {leaked}"
    # the search can fail: it finds the same dates written as text in a CSV export of the same data
    text = exports.write_export(CHAPTER, "bom-csv", tmp_path).data.read_text(encoding="utf-8-sig")
    assert sum(d in text for d in dates) > 100
