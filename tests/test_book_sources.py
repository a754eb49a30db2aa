"""The book's sources: a bibliography that parses with every cited key present, and a table of contents
that lists every chapter of the registry (the full build checks the rest)."""

from __future__ import annotations

import re

import pytest
from pybtex.database import parse_file

from helpers.book import build
from helpers.chapters import registry


def test_bibliography_parses_and_has_no_duplicate_keys(repo):
    text = (repo / "book" / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"@\w+\{([^,\s]+),", text)
    assert len(keys) == len(set(keys)), f"duplicate keys: {sorted(k for k in keys if keys.count(k) > 1)}"
    database = parse_file(str(repo / "book" / "references.bib"))  # raises on unbalanced braces
    assert set(database.entries) == set(keys)


def test_every_cited_key_is_in_the_bibliography(repo):
    database = parse_file(str(repo / "book" / "references.bib"))
    sources = list((repo / "notebooks").glob("*.md")) + list((repo / "book").glob("*.md"))
    cited = set()
    for path in sources:
        for group in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", path.read_text(encoding="utf-8")):
            cited.update(key.strip() for key in group.split(","))
    missing = sorted(cited - set(database.entries))
    assert not missing, f"cited but not in book/references.bib: {missing}"
    assert cited, "no citations found: the pattern is wrong"


def test_toc_lists_every_chapter(repo):
    assert build.check_toc(repo) == []
    for chapter in registry.CHAPTERS.values():
        assert (repo / "notebooks" / f"{chapter.notebook}.md").is_file()


@pytest.mark.parametrize("broken", ["@article{a,\n  title = {x},\n", "@article{a, title={x}}\n@article{a, title={y}}\n"])
def test_the_bibliography_check_can_fail(tmp_path, broken):
    path = tmp_path / "references.bib"
    path.write_text(broken)
    text = path.read_text()
    keys = re.findall(r"@\w+\{([^,\s]+),", text)
    with pytest.raises(Exception):
        assert len(keys) == len(set(keys))
        parse_file(str(path))
