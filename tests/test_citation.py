"""Citing the book: CITATION.cff validates (the CFF 1.2.0 schema) and agrees with pyproject.toml and the bibliography;
the landing page, the README and every chapter say how to cite; the built site shows the version."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_file

import helpers
from helpers.book.build import VERSION_PLACEHOLDER, book_version
from helpers.chapters import registry

SOURCE_STUDIES = {
    "equivocal-mri": "equivocalmri2025overview",
    "dynamic-mri": "dynamicmri2026protocol",
    "mscc-separation": "cho2026separation",
    "dti-ivim": "rehman2026dtiivim",
    "paraspinal-imf": "wesselink2025imf",
    "multi-site": "cho2026separation",  # the single-centre study its synthetic multi-centre cohort is modelled on
}
"""Each chapter's source (the study, protocol or overview it re-runs), as keyed in book/references.bib."""


CFF_SCHEMA = Path(__file__).parent / "data" / "cff-schema-1.2.0.json"
"""The Citation File Format 1.2.0 schema (citation-file-format/citation-file-format, CC-BY-4.0), as shipped in
cffconvert 2.0.0's wheel (cffconvert/schemas/1.2.0/schema.json)."""


def cff_problems(path: Path) -> list[str]:
    """Every way a CITATION.cff breaks the CFF 1.2.0 schema (what ``cffconvert --validate`` checks).

    YAML dates are cast to strings first, as the schema's note to implementers asks."""
    import datetime
    import json

    import jsonschema

    def as_text(value):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: as_text(item) for key, item in value.items()}
        if isinstance(value, list):
            return [as_text(item) for item in value]
        return value

    document = as_text(yaml.safe_load(path.read_text(encoding="utf-8")))
    validator = jsonschema.Draft7Validator(json.loads(CFF_SCHEMA.read_text(encoding="utf-8")),
                                           format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, error.path)) or '(top)'}: {error.message}" for error in validator.iter_errors(document)]


def citation(repo: Path) -> dict:
    return yaml.safe_load((repo / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_cff_validates(repo):
    assert cff_problems(repo / "CITATION.cff") == []


@pytest.mark.parametrize("change", [("cff-version: 1.2.0\n", ""),
                                    ('date-released: "2026-11-30"', 'date-released: "30/11/2026"'),
                                    ('title: "Spine MRI Outcomes: a', 'titel: "Spine MRI Outcomes: a')])
def test_schema_rejects_a_broken_copy(repo, tmp_path, change):
    text = (repo / "CITATION.cff").read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "CITATION.cff").write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    assert cff_problems(tmp_path / "CITATION.cff")


def test_one_version_everywhere(repo):
    version = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    assert book_version(repo) == version
    assert helpers.__version__ == version, "src/helpers/__init__.py and pyproject.toml disagree on the version"
    assert str(citation(repo)["version"]) == version, "CITATION.cff: update version (and date-released)"
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$",
                     (repo / "CHANGELOG.md").read_text(), re.M), f"CHANGELOG.md has no dated section for {version}"


def test_references_are_the_source_studies_with_a_doi(repo):
    bibliography = parse_file(str(repo / "book" / "references.bib")).entries
    with_doi = {bibliography[key].fields["doi"].lower() for key in SOURCE_STUDIES.values()
                if "doi" in bibliography[key].fields}
    cited = {str(reference["doi"]).lower() for reference in citation(repo)["references"]}
    assert cited == with_doi and len(with_doi) == 3


def test_citation_names_the_licences_and_the_pyproject_licence(repo):
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    assert project["license"] in citation(repo)["license"] and "CC-BY-4.0" in citation(repo)["license"]
    assert "MIT License" in (repo / "LICENSE").read_text() and "CC BY 4.0" in (repo / "LICENSE-text.md").read_text()


def test_landing_page_and_readme_say_how_to_cite(repo):
    index = (repo / "book" / "index.md").read_text(encoding="utf-8")
    section = index.split("## How to cite", 1)
    assert len(section) == 2 and "{{ version }}" in section[1], "book/index.md: a How to cite section with the version"
    assert "## How to cite" in (repo / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("chapter_id", list(registry.CHAPTERS))
def test_every_chapter_ends_by_citing_its_source_beside_the_book(repo, chapter_id):
    assert set(SOURCE_STUDIES) == set(registry.CHAPTERS)
    text = (repo / "notebooks" / f"{registry.get_chapter(chapter_id).notebook}.md").read_text(encoding="utf-8")
    body, _, last = text.rpartition("\n## ")
    assert last.startswith("How to cite this chapter\n"), f"{chapter_id}: the last section is '{last.splitlines()[0]}'"
    key = SOURCE_STUDIES[chapter_id]
    assert re.search(rf"\{{cite(:[a-z]+)?\}}`{key}`", last), f"{chapter_id}: the cite line does not cite {key}"
    assert "Spine MRI Outcomes" in last
    assert re.search(rf"\{{cite(:[a-z]+)?\}}`[^`]*{key}", body), f"{chapter_id}: the chapter's text never cites {key}"


@pytest.mark.book
def test_the_built_site_shows_the_version(built_site: Path, repo):
    version = book_version(repo)
    assert "book/index.html" in (built_site / "index.html").read_text(encoding="utf-8")  # a redirect
    landing = (built_site / "book" / "index.html").read_text(encoding="utf-8")
    footer = re.search(r'<p class="book-version">(.*?)</p>', landing, re.S)
    assert footer and f"version {version}" in footer.group(1), "the version is not in the landing page's footer"
    cite = landing.split('id="how-to-cite"', 1)[-1].split('<p class="book-version">')[0]
    assert f"version {version}" in cite and f"<strong>{version}</strong>" in cite, "How to cite lacks the version"
    chapter = (built_site / "notebooks" / "equivocal-mri.html").read_text(encoding="utf-8")
    assert f'<p class="book-version">Spine MRI Outcomes, version {version}.' in chapter
    leftovers = [p.name for p in built_site.rglob("*.html") if VERSION_PLACEHOLDER in p.read_text(encoding="utf-8")
                 or "{{ version }}" in p.read_text(encoding="utf-8")]
    assert not leftovers, f"pages with an unfilled version: {leftovers}"
