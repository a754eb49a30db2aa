"""The teaching material of the site: each chapter's "Run this chapter on your data" kit, the glossary of
``results.csv``, the student and teacher editions and the PDF handouts."""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
import yaml

from helpers.book import build, kit
from helpers.chapters import registry
from helpers.validation.errors import InputError

CHAPTER_IDS = list(registry.CHAPTERS)


def _local_links(page: Path) -> list[str]:
    """Every ``href`` and ``src`` of ``page`` that points at a file of the site (no scheme, no bare anchor)."""
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"]*)"', html)
    return [link for link in links if link and not urlsplit(link).scheme and not link.startswith(("#", "//"))]


# ---------------------------------------------------------------- fast: the kit and the glossary as functions


def test_repository_url_is_written_once_and_matches_the_citation(repo):
    url = kit.repository_url(repo)
    citation = yaml.safe_load((repo / "CITATION.cff").read_text(encoding="utf-8"))
    assert url == citation["repository-code"]
    config = (repo / "_config.yml").read_text(encoding="utf-8")
    assert config.count(url) == 1


def test_repository_url_missing_is_named(tmp_path):
    (tmp_path / "_config.yml").write_text("title: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="repository: url"):
        kit.repository_url(tmp_path)


def test_repository_button_is_copied_into_the_theme_options(repo):
    staged = yaml.safe_load(build._with_repository_button((repo / "_config.yml").read_text(encoding="utf-8")))
    options = staged["sphinx"]["config"]["html_theme_options"]
    assert options["use_repository_button"] is True
    assert options["repository_url"] == kit.repository_url(repo)
    assert "@VERSION@" in options["extra_footer"]  # the rest of the configuration is kept


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_kit_stages_every_download_and_links_them(repo, tmp_path, chapter_id):
    chapter = registry.get_chapter(chapter_id)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "results.csv").write_text("quantity,group\nx,y\n", encoding="utf-8")
    source = tmp_path / "source"
    files = kit.stage_kit(chapter, root=repo, outputs=outputs, target=source / kit.KIT_FOLDER / chapter_id)
    names = {path.name for path in files.values()}
    assert names == {f"{chapter_id}.ipynb", f"{chapter_id}.md", f"{chapter_id}-template.csv",
                     f"{chapter_id}-columns.yaml", chapter.data_file, f"{chapter_id}-results.csv"}
    assert all(path.is_file() for path in files.values())
    header = (source / kit.KIT_FOLDER / chapter_id / f"{chapter_id}-template.csv").read_text().strip().split(",")
    assert header == list(chapter.schema.columns)
    text = kit.kit_markdown(chapter, files, source_root=source, url="https://example.org/book")
    for path in files.values():
        assert f"</{path.relative_to(source).as_posix()}>" in text
    for command in (f"spinebook run {chapter_id} --data my_cohort.csv", f"spinebook check-data {chapter_id} ",
                    f"spinebook template {chapter_id} "):
        assert command in text
    assert "git clone https://example.org/book" in text


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_meanings_are_one_line_each(chapter_id):
    """(That every quantity of a built results.csv has one: test_glossary_page_holds_every_quantity_of_every_chapter.)"""
    meanings = kit.quantity_meanings(chapter_id)
    assert meanings
    for quantity, text in meanings.items():
        assert re.fullmatch(r"[a-z0-9_.]+", quantity) and text.strip() and "\n" not in text and len(text) < 160


def test_glossary_lists_each_quantity_once_and_refuses_an_unknown_one():
    frame = pd.DataFrame({"quantity": ["sensitivity", "sensitivity", "prevalence"], "group": ["a", "b", "a"]})
    page = kit.glossary_markdown({"equivocal-mri": frame})
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == ["sensitivity", "prevalence"]
    assert kit.quantity_meanings("equivocal-mri")["sensitivity"] in rows[0]
    with pytest.raises(InputError, match="'made_up'.*glossary.py"):
        kit.glossary_markdown({"equivocal-mri": pd.DataFrame({"quantity": ["made_up"], "group": ["a"]})})


def test_kit_section_goes_before_provenance(repo, tmp_path):
    notebook = repo / "notebooks" / "equivocal-mri.ipynb"
    target = build._add_kit_section(notebook, tmp_path / "page.ipynb", "## Run this chapter on your data\n")
    import nbformat

    cells = [cell.source for cell in nbformat.read(target, as_version=4).cells]
    position = cells.index("## Run this chapter on your data\n")
    assert cells[position + 1].lstrip().startswith("## Provenance")
    original = [cell.source for cell in nbformat.read(notebook, as_version=4).cells]
    squeeze = lambda texts: re.sub(r"\s+", " ", " ".join(texts))  # noqa: E731 - the text, split or not
    assert squeeze(cells[:position] + cells[position + 1:]) == squeeze(original)


# ---------------------------------------------------------------- book: the built site


@pytest.mark.book
@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_every_local_link_of_a_chapter_page_resolves(built_site: Path, chapter_id):
    page = built_site / "notebooks" / f"{chapter_id}.html"
    links = _local_links(page)
    downloads = [link for link in links if "_downloads/" in link]
    assert len(downloads) >= 7, downloads  # notebook pair, template, mapping, synthetic data, results, report
    broken = [link for link in links
              if not (page.parent / unquote(urlsplit(link).path)).resolve().exists()]
    assert not broken


@pytest.mark.book
@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_kit_downloads_are_the_built_run(built_site: Path, repo, chapter_id):
    page = built_site / "notebooks" / f"{chapter_id}.html"
    html = page.read_text(encoding="utf-8")
    assert "Run this chapter on your data" in html
    text = html_module.unescape(re.sub(r"<[^>]+>", "", html))
    assert f"spinebook run {chapter_id} --data my_cohort.csv" in text
    results = next(link for link in _local_links(page) if link.endswith(f"{chapter_id}-results.csv"))
    built = repo / "book" / "_build" / "outputs" / chapter_id
    assert (page.parent / results).read_bytes() == (built / "results.csv").read_bytes()
    report = next(link for link in _local_links(page) if link.endswith(f"{chapter_id}-report.html"))
    assert "<html" in (page.parent / report).read_text(encoding="utf-8")[:2000].lower()
    assert 'title="Source repository"' in html and kit.repository_url(repo) in html


@pytest.mark.book
def test_glossary_page_holds_every_quantity_of_every_chapter(built_site: Path, repo):
    page = (built_site / "book" / "glossary.html").read_text(encoding="utf-8")
    for chapter_id in CHAPTER_IDS:
        quantities = pd.read_csv(repo / "book" / "_build" / "outputs" / chapter_id / "results.csv")["quantity"]
        meanings = kit.quantity_meanings(chapter_id)
        for quantity in quantities.unique():
            assert f"<code class=\"docutils literal notranslate\"><span class=\"pre\">{quantity}</span></code>" in page
            assert meanings[quantity].replace("'", "&#8217;")[:30] in page.replace("’", "&#8217;")
