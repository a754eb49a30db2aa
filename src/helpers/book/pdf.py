"""The book as PDF, offline: ``make pdf`` (``python -m helpers.book.pdf``).

Writes into ``book/_build/pdf/``:

* ``book.pdf``: every page of the site in the order of ``_toc.yml``;
* ``<id>.pdf``: a handout per chapter (code hidden, tables fitted to the page, figures whole, the exercises
  without their solutions);
* ``<id>-answers.pdf``: the chapter's answer sheet (each exercise with its solution).

Pages are printed by Debian's Chromium (``chromium --headless --print-to-pdf``) from the built teacher
edition with the print stylesheet ``book/_static/print.css`` (``@media print``); the pages of
``book.pdf`` are joined with ``pdfunite`` (Debian's poppler-utils). Nothing is downloaded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

import yaml

from helpers.chapters import registry
from helpers.validation.errors import InputError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _tool(names: tuple[str, ...], package: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise InputError(f"{names[0]} not found: install Debian's {package} (apt-get install {package}); "
                     "make pdf prints the book with it, offline.")


def print_to_pdf(page: Path, target: Path, *, browser: str | None = None) -> Path:
    """Print one HTML file to ``target`` with headless Chromium (no header or footer; scripts such as
    MathJax get up to 20 s of virtual time to finish)."""
    browser = browser or _tool(BROWSERS, "chromium")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="spinebook-chromium-") as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   f"--user-data-dir={profile}", "--no-first-run", "--no-pdf-header-footer",
                   "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
                   f"--print-to-pdf={target}", page.resolve().as_uri()]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if not target.is_file() or target.stat().st_size == 0:
        raise RuntimeError(f"Chromium did not print {page}:\n{finished.stderr[-2000:]}")
    return target


def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def handout_html(page: Path) -> str:
    """The chapter page without the exercises' solutions (the handout; the print stylesheet hides code)."""
    soup = _soup(page)
    for solution in soup.select("div.solution"):
        solution.decompose()
    return str(soup)


def answers_html(page: Path, title: str) -> str:
    """The chapter's answer sheet: the page's article replaced by each exercise followed by its solution,
    shown open."""
    soup = _soup(page)
    article = soup.select_one("article.bd-article") or soup.body
    blocks = [block for block in article.select("div.exercise, div.solution")]
    for block in blocks:
        block.extract()
        classes = [c for c in block.get("class", []) if c not in ("dropdown", "toggle", "toggle-hidden")]
        block["class"] = classes
        for hidden in block.select(".toggle-hidden, .toggle-details__summary, button"):
            if hidden.name == "button":
                hidden.decompose()
            else:
                hidden["class"] = [c for c in hidden.get("class", []) if c != "toggle-hidden"]
    article.clear()
    for printed in soup.select("#jb-print-docs-body"):  # the theme's printed title and contents
        printed.decompose()
    heading = soup.new_tag("p", attrs={"class": "answer-sheet-title", "style": "font-size: 16pt; font-weight: bold"})
    heading.string = f"Answer sheet: {title}"  # not an h1, which the theme's print script takes away
    article.append(heading)
    for block in blocks:
        article.append(block)
    return str(soup)


def _pages_in_order(root: Path) -> list[str]:
    from helpers.book.build import toc_files

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return toc_files(toc)


def write_pdfs(root: Path | None = None, *, site: Path | None = None, target: Path | None = None,
               chapters: list[str] | None = None, echo: Callable[[str], None] = print) -> list[Path]:
    """Print the whole book, and a handout and an answer sheet per chapter, from the built site ``site``
    (``book/_build/html``) into ``target`` (``book/_build/pdf``); return the files written."""
    root = root or registry.project_root()
    site = site or root / "book" / "_build" / "html"
    target = target or root / "book" / "_build" / "pdf"
    if not (site / "index.html").is_file():
        raise InputError(f"{site}: no built site; run make book (spinebook build) first.")
    browser = _tool(BROWSERS, "chromium")
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="spinebook-pdf-") as scratch:
        work = Path(scratch)
        copy = work / "site"
        shutil.copytree(site, copy)  # the handout variants sit beside the pages, so relative links resolve
        selected = list(registry.CHAPTERS) if not chapters else [registry.get_chapter(c).id for c in chapters]
        for chapter_id in selected:
            chapter = registry.get_chapter(chapter_id)
            page = copy / "notebooks" / f"{chapter.notebook}.html"
            for suffix, html in (("", handout_html(page)), ("-answers", answers_html(page, chapter.title))):
                variant = page.with_name(f".{chapter.notebook}{suffix or '-handout'}.html")
                variant.write_text(html, encoding="utf-8")
                written.append(print_to_pdf(variant, target / f"{chapter.id}{suffix}.pdf", browser=browser))
                echo(f"wrote {written[-1]}")
        if chapters:
            return written
        unite = _tool(("pdfunite",), "poppler-utils")
        parts = []
        for number, entry in enumerate(_pages_in_order(root)):
            page = copy / f"{entry}.html"
            if page.is_file():
                parts.append(print_to_pdf(page, work / "pages" / f"{number:03d}.pdf", browser=browser))
        book = target / "book.pdf"
        subprocess.run([unite, *map(str, parts), str(book)], check=True, capture_output=True, timeout=300)
        written.append(book)
        echo(f"wrote {book} ({len(parts)} pages of the site)")
    return written


def main(argv: list[str] | None = None) -> int:
    """``make pdf``: build the site if anything changed, then print it (exit 2 on invalid input)."""
    from helpers.book.build import build_book

    try:
        build_book()
        write_pdfs()
    except InputError as error:
        print(f"make pdf: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
