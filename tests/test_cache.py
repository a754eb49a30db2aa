"""helpers.book.cache: keys change with what a chapter depends on; corrupt or half-written entries are never used."""

from __future__ import annotations

import json

import nbformat
import pytest

from helpers.book.cache import MANIFEST, ExecutionCache, chapter_key, tree_digest


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
                       parameters=changes.get("parameters", {}), helpers_digest=changes.get("helpers", "h"))


@pytest.mark.parametrize("change", [{"notebook": "nb2"}, {"data": "a,b\n1,3\n"}, {"lock": "numpy==3\n"},
                                    {"parameters": {"level": 0.9}}, {"helpers": "h2"}])
def test_key_changes_with_each_dependency(tmp_path, change):
    assert make_key(tmp_path) == make_key(tmp_path)
    assert make_key(tmp_path, **change) != make_key(tmp_path)


def test_tree_digest_sees_content_and_names(tmp_path):
    (tmp_path / "a.py").write_text("x = 1")
    first = tree_digest(tmp_path)
    (tmp_path / "a.py").write_text("x = 2")
    assert tree_digest(tmp_path) != first
    (tmp_path / "a.py").rename(tmp_path / "b.py")
    assert tree_digest(tmp_path) not in (first,)


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
