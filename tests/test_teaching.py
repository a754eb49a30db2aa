"""The teaching material of the site: each chapter's "Run this chapter on your data" kit, the glossary of
``results.csv``, the student and teacher editions and the PDF handouts."""

from __future__ import annotations

import html as html_module
import json
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


# ---------------------------------------------------------------- the student and teacher editions

SOLUTION = re.compile(r"^```\{solution\} (?P<exercise>\S+)\n(?P<body>.*?)^```$", re.M | re.S)
EXERCISE = re.compile(r"^```\{exercise\} \d+\n:label: (?P<label>\S+)\n:nonumber:\n", re.M)


def _solutions(repo: Path, chapter_id: str) -> list[tuple[str, str]]:
    """(label, a phrase of plain words) of every solution of the chapter's notebook: the longest run of
    letters, digits, spaces, commas and semicolons, which Sphinx renders unchanged."""
    text = (repo / "notebooks" / f"{chapter_id}.md").read_text(encoding="utf-8")
    found = []
    for match in SOLUTION.finditer(text):
        body = " ".join(line for line in match["body"].splitlines() if not line.startswith(":"))
        body = re.sub(r"\s+", " ", body)
        label = re.search(r"^:label: (\S+)", match["body"], re.M)[1]
        found.append((label, max(re.findall(r"[A-Za-z0-9 ,;]+", body), key=len).strip()))
    return found


def _page_text(path: Path) -> str:
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_every_exercise_has_one_solution_directive(repo, chapter_id):
    text = (repo / "notebooks" / f"{chapter_id}.md").read_text(encoding="utf-8")
    exercises = [m["label"] for m in EXERCISE.finditer(text)]
    solved = [m["exercise"] for m in SOLUTION.finditer(text)]
    assert exercises and solved == exercises
    assert all(len(phrase) >= 25 for _, phrase in _solutions(repo, chapter_id))
    assert "{dropdown} Solution" not in text  # the old form, which no edition could hide


def test_without_solutions_removes_each_solution_and_keeps_the_exercises(repo):
    text = (repo / "notebooks" / "dynamic-mri.md").read_text(encoding="utf-8")
    student = kit.without_solutions(text)
    assert "{solution}" in text and "{solution}" not in student
    assert len(EXERCISE.findall(student)) == len(EXERCISE.findall(text))
    assert all(phrase not in re.sub(r"\s+", " ", student) for _, phrase in _solutions(repo, "dynamic-mri"))
    assert student.count("\n") < text.count("\n")


@pytest.fixture(scope="session")
def student_site(built_site: Path, repo: Path) -> Path:
    """The student edition, built after the teacher edition (from the same executed chapters)."""
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-m", "helpers.book.cli", "build", "--edition", "student"], cwd=repo,
                              capture_output=True, text=True, timeout=1800)
    assert finished.returncode == 0, f"spinebook build --edition student failed:\n{finished.stdout}\n{finished.stderr}"
    return repo / "book" / "_build" / "student" / "html"


@pytest.mark.book
@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_teacher_edition_holds_every_solution_and_student_edition_none(built_site, student_site, repo, chapter_id):
    solutions = _solutions(repo, chapter_id)
    teacher = (built_site / "notebooks" / f"{chapter_id}.html")
    student = (student_site / "notebooks" / f"{chapter_id}.html")
    teacher_text, student_text = _page_text(teacher), _page_text(student)
    for label, phrase in solutions:
        assert f'id="{label}"' in teacher.read_text(encoding="utf-8")
        assert phrase in teacher_text, label
        assert phrase not in student_text, label
    assert 'class="solution' not in student.read_text(encoding="utf-8")
    assert student_text.count("Exercise") >= len(solutions)  # the exercises themselves stay
    # nothing in the student site holds a solution: no page source, download, report or search index
    for path in (p for p in student_site.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".md", ".ipynb")):
        content = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":  # the cells' text, not its JSON escapes
            content = " ".join("".join(cell["source"]) for cell in json.loads(content)["cells"])
        content = re.sub(r"\s+", " ", html_module.unescape(content))
        leaked = [label for label, phrase in solutions if phrase in content]
        assert not leaked, f"{path.relative_to(student_site)}: {leaked}"


@pytest.mark.book
def test_student_edition_links_resolve(student_site):
    for chapter_id in CHAPTER_IDS:
        page = student_site / "notebooks" / f"{chapter_id}.html"
        assert not [link for link in _local_links(page)
                    if not (page.parent / unquote(urlsplit(link).path)).resolve().exists()]


def test_teaching_page_has_a_session_per_chapter_and_is_in_start_here(repo):
    text = (repo / "book" / "teaching.md").read_text(encoding="utf-8")
    sessions = re.split(r"^## Session \d+: ", text, flags=re.M)[1:]
    assert [re.search(r"notebooks/([\w-]+)>", s)[1] for s in sessions] == CHAPTER_IDS
    for session in sessions:
        assert "Discussion questions:" in session and "Common misconceptions:" in session
        assert re.search(r"[Ee]xercises? \d", session)
        ends = [int(m) for m in re.findall(r"^\| \d+-(\d+) \|", session, re.M)]
        assert ends and 60 <= ends[-1] <= 90  # a 60-90 minute session
    toc = yaml.safe_load((repo / "_toc.yml").read_text(encoding="utf-8"))
    start = next(part for part in toc["parts"] if part["caption"] == "Start here")
    assert {"file": "book/teaching"} in start["chapters"]


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_each_chapter_has_an_offline_self_check_quiz(repo, chapter_id):
    text = (repo / "notebooks" / f"{chapter_id}.md").read_text(encoding="utf-8")
    quiz = text.split("## Self-check quiz", 1)[1].split("\n## ", 1)[0]
    questions = re.findall(r"^\*\*Question \d+\.\*\*", quiz, re.M)
    answers = re.findall(r"^```\{dropdown\} Answer\n\((\w)\)", quiz, re.M)
    assert len(questions) >= 3 and len(answers) == len(questions)
    assert "<script" not in quiz and "http" not in quiz  # nothing to fetch: works offline


# ---------------------------------------------------------------- PDF: the whole book, handouts, answer sheets


def _pdf_text(path: Path) -> str:
    import subprocess
    import unicodedata

    finished = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                              check=True)
    return unicodedata.normalize("NFKC", finished.stdout)


def _squeezed(text: str) -> str:
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="session")
def pdfs(built_site: Path, repo: Path) -> Path:
    """``make pdf``'s command, after the site is built; skipped without Chromium or pdftotext unless
    SPINEBOOK_REQUIRE_BROWSER=1 (as in CI), where their absence fails."""
    import os
    import shutil
    import subprocess
    import sys

    missing = [tool for tool in ("chromium", "pdftotext", "pdfunite") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (Debian: chromium, poppler-utils)"
        if os.environ.get("SPINEBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    finished = subprocess.run([sys.executable, "-m", "helpers.book.pdf"], cwd=repo, capture_output=True, text=True,
                              timeout=1800)
    assert finished.returncode == 0, f"make pdf failed:\n{finished.stdout}\n{finished.stderr}"
    return repo / "book" / "_build" / "pdf"


@pytest.mark.book
def test_whole_book_pdf_holds_every_page(pdfs: Path, built_site: Path, repo):
    text = _squeezed(_pdf_text(pdfs / "book.pdf"))
    toc = yaml.safe_load((repo / "_toc.yml").read_text(encoding="utf-8"))
    for entry in build.toc_files(toc):
        title = re.search(r"<title>(.*?) &#8212;", (built_site / f"{entry}.html").read_text(encoding="utf-8"))[1]
        assert _squeezed(html_module.unescape(title)) in text, entry


@pytest.mark.book
@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_handout_shows_every_table_header_and_no_code_or_solution(pdfs: Path, built_site: Path, repo, chapter_id):
    from bs4 import BeautifulSoup

    handout = _pdf_text(pdfs / f"{chapter_id}.pdf")
    text = _squeezed(handout)
    soup = BeautifulSoup((built_site / "notebooks" / f"{chapter_id}.html").read_text(encoding="utf-8"), "html.parser")
    tables = [table for table in soup.select("article.bd-article table") if not table.find_parent("div", "solution")]
    assert tables
    for table in tables:
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        for header in filter(None, headers):
            # a header may wrap at a space or after a hyphen; each piece must be on the page (a clipped
            # table loses its right-hand columns)
            missing = [piece for piece in re.findall(r"[^\s-]+-?", header) if _squeezed(piece) not in text]
            assert not missing, f"{chapter_id}: column header {header!r} not in the handout's text ({missing})"
    assert "registry.load_data" not in handout and "import " not in handout  # code cells hidden
    for label, phrase in _solutions(repo, chapter_id):
        assert _squeezed(phrase) not in text, label
    assert "Exercise (1)" in handout


@pytest.mark.book
@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_answer_sheet_holds_every_solution(pdfs: Path, repo, chapter_id):
    answers = _squeezed(_pdf_text(pdfs / f"{chapter_id}-answers.pdf"))
    solutions = _solutions(repo, chapter_id)
    for label, phrase in solutions:
        assert _squeezed(phrase) in answers, label
    assert answers.count(_squeezed("Solution to Exercise")) == len(solutions)
