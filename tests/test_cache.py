"""helpers.book.cache: keys change with what a chapter depends on; corrupt or half-written entries are never used."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from helpers.book import imports
from helpers.book.cache import MANIFEST, ExecutionCache, chapter_code_digest, chapter_key
from helpers.chapters import registry


@pytest.fixture()
def executed(tmp_path):
    folder = tmp_path / "outputs"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(notebook, folder / "chapter.ipynb")
    (folder / "results.csv").write_text("quantity,estimate\nx,1\n")
    (folder / "provenance.json").write_text("{}")
    return folder


def make_key(tmp_path, **changes):
    files = {"notebook": "nb", "data": "a,b\n1,2\n", "lock": "numpy==2\n"}
    files.update({k: v for k, v in changes.items() if k in files})
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(content)
    return chapter_key(notebook=paths["notebook"], data=paths["data"], lock=paths["lock"],
                       parameters=changes.get("parameters", {}), code_digest=changes.get("code", "h"))


@pytest.mark.parametrize("change", [{"notebook": "nb2"}, {"data": "a,b\n1,3\n"}, {"lock": "numpy==3\n"},
                                    {"parameters": {"level": 0.9}}, {"code": "h2"}])
def test_key_changes_with_each_dependency(tmp_path, change):
    assert make_key(tmp_path) == make_key(tmp_path)
    assert make_key(tmp_path, **change) != make_key(tmp_path)


@pytest.fixture()
def package_copy(tmp_path):
    copy = tmp_path / "helpers"
    shutil.copytree(imports.package_root(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def digests(root):
    chapters = registry.CHAPTERS.values()
    notebooks = {c.id: (registry.project_root() / "notebooks" / f"{c.notebook}.md").read_text() for c in chapters}
    return {c.id: chapter_code_digest(c, notebooks[c.id], root) for c in chapters}


@pytest.mark.parametrize("edited, changed", [
    ("book/cli.py", set()),                                 # the command line re-executes nothing
    ("book/build.py", set()),
    ("chapters/dti_ivim/published.py", {"dti-ivim"}),       # a chapter's own folder: that chapter only
    ("stats/mixed_models.py", {"paraspinal-imf"}),          # a statistic: the chapters that use it
    ("stats/cox.py", {"dynamic-mri", "mscc-separation", "multi-site"}),
    ("validation/checks.py", set(registry.CHAPTERS)),        # the bottom layer: every chapter
])
def test_chapter_code_digest_follows_what_the_chapter_imports(package_copy, edited, changed):
    before = digests(package_copy)
    target = package_copy / edited
    target.write_text(target.read_text() + "\n# edited\n")
    after = digests(package_copy)
    assert {chapter for chapter in before if before[chapter] != after[chapter]} == changed

def test_store_lookup_restore(tmp_path, executed):
    cache = ExecutionCache(tmp_path / "cache")
    assert cache.lookup("chapter", "k1") is None
    entry = cache.store("chapter", "k1", executed)
    assert cache.lookup("chapter", "k1") == entry
    restored = cache.restore(entry, tmp_path / "restored")
    assert sorted(p.name for p in restored.iterdir()) == ["chapter.ipynb", "provenance.json", "results.csv"]
    cache.store("chapter", "k2", executed)
    assert cache.lookup("chapter", "k1") is None, "older entries of a chapter are dropped"


@pytest.mark.parametrize("damage", ["truncate-notebook", "edit-results", "drop-manifest", "bad-manifest",
                                    "half-written"])
def test_corrupt_entries_are_detected_and_removed(tmp_path, executed, damage):
    cache = ExecutionCache(tmp_path / "cache")
    entry = cache.store("chapter", "k", executed)
    if damage == "truncate-notebook":
        (entry / "chapter.ipynb").write_text('{"cells": [')
    elif damage == "edit-results":
        (entry / "results.csv").write_text("quantity,estimate\nx,999\n")
    elif damage == "drop-manifest":
        (entry / MANIFEST).unlink()
    elif damage == "bad-manifest":
        (entry / MANIFEST).write_text(json.dumps({"key": "k", "files": {}}))
    elif damage == "half-written":  # a copy interrupted before the manifest was written
        (entry / MANIFEST).unlink()
        (entry / "results.csv").unlink()
    assert cache.lookup("chapter", "k") is None
    assert not entry.exists()
