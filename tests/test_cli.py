"""The command-line contract: exit codes, run folders, nothing written on failure, the site kept intact.

Commands run as a user runs them (``python -m helpers.book.cli``, the same entry point as ``spinebook``) in
a scratch copy of the book's sources, so the repository's own outputs are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.book.build import copy_sources

from helpers.chapters import registry
from helpers.validation.results import RESULT_COLUMNS

pytestmark = pytest.mark.book


def spinebook(*arguments: str, root: Path, timeout: int = 900, source: Path | None = None) -> subprocess.CompletedProcess:
    """Run the command line on a book folder; with ``source``, import ``helpers`` from that ``src`` folder."""
    environment = {**os.environ, "SPINEBOOK_ROOT": str(root)}
    if source is not None:
        environment["PYTHONPATH"] = str(source)
    return subprocess.run([sys.executable, "-m", "helpers.book.cli", *arguments], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def project(tmp_path: Path, repo: Path) -> Path:
    """A scratch copy of the book's sources (no build outputs, no runs)."""
    root = tmp_path / "book-copy"
    root.mkdir()
    copy_sources(repo, root)
    return root


def assert_clean_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in: {result.stderr}"


def test_run_writes_a_new_folder_with_all_four_outputs(project: Path):
    result = spinebook("run", "equivocal-mri", "-p", "pretest_probability", "0.3", root=project)
    assert result.returncode == 0, result.stderr
    runs = sorted((project / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("equivocal-mri-")
    folder = runs[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["equivocal-mri.ipynb", "report.html", "results.csv", "provenance.json"])
    results = pd.read_csv(folder / "results.csv")
    assert list(results.columns) == RESULT_COLUMNS
    positive = results[(results.quantity == "post_test_probability_positive") & (results.group == "parameters")]
    # pre-test 0.3 with the default sensitivity 0.85 and specificity 0.90: LR+ 8.5 -> odds 3/7 * 8.5
    assert positive.estimate.iloc[0] == pytest.approx((3 / 7 * 8.5) / (1 + 3 / 7 * 8.5))
    provenance = json.loads((folder / "provenance.json").read_text())
    assert provenance["chapter"] == "equivocal-mri"
    assert provenance["parameters"]["pretest_probability"] == 0.3
    data = registry.synthetic_data_path("equivocal-mri", project)
    assert provenance["input_sha256"] == digest(data)
    for key in ("packages", "git_commit", "utc_time", "input_file"):
        assert key in provenance
    report = (folder / "report.html").read_text()
    assert "cdnjs" not in report and "When cervical MRI is equivocal" in report
    # a second run never overwrites the first: it gets its own folder
    again = spinebook("run", "equivocal-mri", root=project)
    assert again.returncode == 0, again.stderr
    assert len(list((project / "runs").iterdir())) == 2


def test_run_on_a_user_file_leaves_it_unchanged(project: Path, tmp_path: Path):
    user_file = tmp_path / "my cohort.csv"
    pd.DataFrame({"test_positive": [1] * 9 + [0] + [1] * 3 + [0] * 27,
                  "disease_present": [1] * 10 + [0] * 30}).to_csv(user_file, index=False)
    before = digest(user_file)
    out = tmp_path / "my-run"
    result = spinebook("run", "equivocal-mri", "--data", str(user_file), "--out", str(out), root=project)
    assert result.returncode == 0, result.stderr
    assert digest(user_file) == before
    results = pd.read_csv(out / "results.csv").set_index(["quantity", "group"])
    assert results.loc[("sensitivity", "data"), "estimate"] == pytest.approx(0.9)
    assert json.loads((out / "provenance.json").read_text())["input_sha256"] == before


def test_existing_out_folder_is_never_overwritten(project: Path, tmp_path: Path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "earlier.txt").write_text("earlier output")
    result = spinebook("run", "equivocal-mri", "--out", str(out), root=project)
    assert_clean_error(result, "already exists")
    assert sorted(p.name for p in out.iterdir()) == ["earlier.txt"]


@pytest.mark.parametrize("content, words", [
    ("test_positive,disease\n1,1\n0,0\n", ["disease_present", "missing column"]),
    ("test_positive,disease_present\n1,1\n2,0\n0,7\n", ["test_positive", "line 3", "disease_present", "0 or 1"]),
    ("", ["empty"]),
    ("test_positive,disease_present\n", ["no data rows"]),
])
def test_invalid_data_exits_2_and_writes_nothing(project: Path, tmp_path: Path, content: str, words: list[str]):
    user_file = tmp_path / "bad.csv"
    user_file.write_text(content)
    out = tmp_path / "should-not-exist"
    result = spinebook("run", "equivocal-mri", "--data", str(user_file), "--out", str(out), root=project)
    assert_clean_error(result, "bad.csv", *words)
    assert not out.exists() and not (project / "runs").exists()


def test_missing_and_non_utf8_files_are_clear_errors(project: Path, tmp_path: Path):
    assert_clean_error(spinebook("run", "equivocal-mri", "--data", str(tmp_path / "nope.csv"), root=project),
                       "not found")
    latin = tmp_path / "latin.csv"  # Windows-1252 text is read (and reported); bytes that are neither are refused
    latin.write_bytes(b"test_positive,disease_present,note\n1,1,caf\x81\n")
    assert_clean_error(spinebook("run", "equivocal-mri", "--data", str(latin), root=project), "UTF-8",
                       "Windows-1252")
    assert not (project / "runs").exists()


@pytest.mark.parametrize("arguments, words", [
    (["-p", "prevalence", "0.3"], ["unknown parameter", "pretest_probability"]),
    (["-p", "pretest_probability", "high"], ["pretest_probability", "float"]),
    (["-p", "data_path", "x.csv"], ["--data"]),
    (["-p", "pretest_probability", "1.5"], ["pretest_probability", "probability"]),
])
def test_invalid_parameters_exit_2_and_write_nothing(project: Path, arguments: list[str], words: list[str]):
    result = spinebook("run", "equivocal-mri", *arguments, root=project)
    assert_clean_error(result, *words)
    assert not (project / "runs").exists()


def test_unknown_chapter_exits_2(project: Path):
    result = spinebook("run", "no-such-chapter", root=project)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_check_passes_on_the_repository(repo: Path):
    result = spinebook("check", root=repo, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all good" in result.stdout


def test_check_finds_an_unsynced_pair_and_altered_data(project: Path):
    text = project / "notebooks" / "equivocal-mri.md"
    text.write_text(text.read_text() + "\n```{code-cell} ipython3\nprint('new cell')\n```\n")
    data = registry.synthetic_data_path("equivocal-mri", project)
    data.write_text(data.read_text().replace("EQ0001,", "EQ0001x,", 1))
    result = spinebook("check", root=project)
    assert result.returncode == 1
    assert "out of sync" in result.stdout and "differs from what the generator writes" in result.stdout


def test_data_regenerates_identical_bytes(project: Path, repo: Path):
    for chapter in registry.CHAPTERS.values():
        registry.synthetic_data_path(chapter.id, project).unlink()
    result = spinebook("data", root=project)
    assert result.returncode == 0, result.stderr
    for chapter in registry.CHAPTERS.values():
        assert digest(registry.synthetic_data_path(chapter.id, project)) == \
            digest(registry.synthetic_data_path(chapter.id, repo)), chapter.id


def test_failing_chapter_exits_1_names_the_cell_and_keeps_the_site(project: Path):
    first = spinebook("build", root=project)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "equivocal-mri" in first.stdout and "index.html" in first.stdout
    site = project / "book" / "_build" / "html"
    before = {p.relative_to(site): digest(p) for p in site.rglob("*") if p.is_file()}
    # break the chapter: a cell that divides by zero, in both files of the pair
    import jupytext

    text = project / "notebooks" / "equivocal-mri.md"
    text.write_text(text.read_text().replace("## Diagnostic reasoning with the chosen parameters",
                                             "```{code-cell} ipython3\nbroken = 1 / 0\n```\n\n"
                                             "## Diagnostic reasoning with the chosen parameters"))
    jupytext.write(jupytext.read(text), project / "notebooks" / "equivocal-mri.ipynb")
    second = spinebook("build", root=project)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "equivocal-mri" in second.stderr and "cell" in second.stderr and "ZeroDivisionError" in second.stderr
    assert "Traceback" not in second.stderr
    after = {p.relative_to(site): digest(p) for p in site.rglob("*") if p.is_file()}
    assert after == before, "the previous site was changed by a failed build"
    assert not [p for p in (project / "book" / "_build").iterdir() if p.name.startswith(".staging")]


def test_mapped_copy_gives_the_same_results(project: Path, tmp_path: Path):
    original = pd.read_csv(registry.synthetic_data_path("equivocal-mri", project))
    renamed = original.rename(columns={"test_positive": "CT myelogram", "disease_present": "Myelopathy"})
    renamed["CT myelogram"] = renamed["CT myelogram"].map({1: "pos", 0: "neg"})
    renamed["Myelopathy"] = renamed["Myelopathy"].map({1: "yes", 0: "no"})
    user_file = tmp_path / "registry.xlsx"
    renamed.to_excel(user_file, index=False)
    column_map = tmp_path / "map.yaml"
    column_map.write_text("columns:\n  CT myelogram: test_positive\nvalues:\n  test_positive: {pos: 1, neg: 0}\n"
                          "  disease_present: {yes: 1, no: 0}\n")
    mapped = spinebook("run", "equivocal-mri", "--data", str(user_file), "--columns", str(column_map),
                       "--map", "Myelopathy=disease_present", "--out", str(tmp_path / "mapped"), root=project)
    assert mapped.returncode == 0, mapped.stderr
    plain = spinebook("run", "equivocal-mri", "--out", str(tmp_path / "plain"), root=project)
    assert plain.returncode == 0, plain.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "mapped" / "results.csv"),
                                  pd.read_csv(tmp_path / "plain" / "results.csv"))
    provenance = json.loads((tmp_path / "mapped" / "provenance.json").read_text())
    assert provenance["column_map"]["columns"] == {"CT myelogram": "test_positive", "Myelopathy": "disease_present"}


@pytest.mark.parametrize("column, values", [("name", ["Ann Smith"] * 40), ("MRN", [f"{i:08d}" for i in range(40)]),
                                            ("contact", [f"p{i}@example.org" for i in range(40)])])
def test_identifier_columns_are_refused(project: Path, tmp_path: Path, column: str, values: list):
    user_file = tmp_path / "with-identifiers.csv"
    frame = pd.DataFrame({"test_positive": [1, 0] * 20, "disease_present": [1, 1, 0, 0] * 10, column: values})
    frame.to_csv(user_file, index=False)
    out = tmp_path / "refused"
    assert_clean_error(spinebook("run", "equivocal-mri", "--data", str(user_file), "--out", str(out), root=project),
                       column, "--allow-identifiers")
    assert not out.exists()
    allowed = spinebook("run", "equivocal-mri", "--data", str(user_file), "--out", str(out), "--allow-identifiers",
                        root=project)
    assert allowed.returncode == 0, allowed.stderr


def test_template_writes_header_and_mapping_once(project: Path, tmp_path: Path):
    result = spinebook("template", "equivocal-mri", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "equivocal-mri-template.csv").read_text().startswith("patient_id,test_positive")
    assert_clean_error(spinebook("template", "equivocal-mri", "--out", str(tmp_path), root=project), "never overwrite")


def test_build_reuses_the_cache_and_rebuilds_corrupt_entries(project: Path):
    first = spinebook("build", root=project)
    assert first.returncode == 0, first.stderr
    assert f"Executing {len(registry.CHAPTERS)} chapter(s)" in first.stdout
    again = spinebook("build", root=project)
    assert again.returncode == 0 and "Nothing changed" in again.stdout, again.stdout
    page = project / "book" / "using.md"
    page.write_text(page.read_text() + "\nA new sentence.\n")
    pages_only = spinebook("build", root=project)
    assert pages_only.returncode == 0, pages_only.stderr
    assert "Executing 0 chapter(s)" in pages_only.stdout and "[cached] equivocal-mri" in pages_only.stdout
    assert "A new sentence." in (project / "book" / "_build" / "html" / "book" / "using.html").read_text()
    # per-chapter keys: editing the command line executes nothing; editing a statistic, only its chapters
    source = project / "src"
    shutil.copytree(Path(registry.__file__).resolve().parents[2], source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    cli = source / "helpers" / "book" / "cli.py"
    cli.write_text(cli.read_text() + "\n# an edit to the command line\n")
    after_cli = spinebook("build", root=project, source=source)
    assert after_cli.returncode == 0 and "Nothing changed" in after_cli.stdout, after_cli.stdout
    cox = source / "helpers" / "stats" / "cox.py"
    cox.write_text(cox.read_text() + "\n# an edit to the Cox model\n")
    after_cox = spinebook("build", root=project, source=source)
    assert after_cox.returncode == 0, after_cox.stderr
    assert "Executing 3 chapter(s)" in after_cox.stdout and "[cached] equivocal-mri" in after_cox.stdout
    assert {"dynamic-mri", "mscc-separation", "multi-site"} == {line.split()[1] for line in after_cox.stdout.splitlines()
                                                                if line.strip().startswith("[") and "/3]" in line}
    # a damaged cache entry is detected and the chapter re-executed, never published
    entry = next((project / "book" / "_build" / "cache" / "equivocal-mri").iterdir())
    (entry / "equivocal-mri.ipynb").write_text('{"cells": [')
    page.write_text(page.read_text() + "\nAnother sentence.\n")
    repaired = spinebook("build", root=project, source=source)
    assert repaired.returncode == 0, repaired.stderr
    assert "Executing 1 chapter(s)" in repaired.stdout
    forced = spinebook("build", "--force", root=project, source=source)
    assert forced.returncode == 0 and f"Executing {len(registry.CHAPTERS)} chapter(s)" in forced.stdout


def test_small_cells_are_suppressed_on_request(project: Path, tmp_path: Path):
    user_file = tmp_path / "small.csv"
    pd.DataFrame({"test_positive": [1, 1, 1, 0] + [0] * 30 + [1] * 3,
                  "disease_present": [1, 1, 1, 1] + [0] * 30 + [0] * 3}).to_csv(user_file, index=False)
    out = tmp_path / "suppressed"
    result = spinebook("run", "equivocal-mri", "--data", str(user_file), "--suppress-small-cells", "--out", str(out),
                       root=project)
    assert result.returncode == 0, result.stderr
    results = pd.read_csv(out / "results.csv").set_index(["quantity", "group"])
    assert pd.isna(results.loc[("true_positive", "data"), "estimate"])  # 3 < 5
    assert results.loc[("true_negative", "data"), "estimate"] == 30
    assert pd.isna(results.loc[("sensitivity", "data"), "estimate"])  # n = 4 diseased
    import nbformat

    executed = nbformat.read(out / "equivocal-mri.ipynb", as_version=4)
    shown = "\n".join(str(output) for cell in executed.cells for output in cell.get("outputs", []))
    assert "suppressed (&lt;5)" in shown
    assert json.loads((out / "provenance.json").read_text())["parameters"]["suppress_small_cells"] == 5
