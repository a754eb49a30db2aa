"""The "Run this chapter on your data" kit of each chapter page, and the glossary of ``results.csv``.

* :func:`stage_kit` writes a chapter's downloads (notebook pair, blank template and mapping skeleton,
  synthetic example, the built run's ``results.csv`` and ``report.html``) into the staged site sources.
* :func:`kit_markdown` is the section appended to the chapter's page: download links and the commands to copy.
* :func:`glossary_markdown` is the glossary page of the quantity names of every chapter's ``results.csv``,
  with the one-line meanings of each chapter's ``glossary.py`` (``QUANTITIES``).
"""

from __future__ import annotations

import re
import shutil
from importlib import import_module
from pathlib import Path
from typing import Mapping

import nbformat
import pandas as pd
import yaml

from helpers.chapters import registry
from helpers.chapters.common import Chapter
from helpers.validation.errors import InputError

KIT_FOLDER = "book/kit"
"""Where the staged sources hold the kits (``book/kit/<id>/``), relative to the source root."""

KIT_HEADING = "Run this chapter on your data"

SOLUTION_BLOCK = re.compile(r"^(`{3,})\{solution\}.*?^\1[ \t]*\n?", re.M | re.S)
"""A sphinx-exercise ``solution`` directive in MyST markdown (fence, options and body)."""


def without_solutions(markdown: str) -> str:
    """``markdown`` with every ``{solution}`` block removed (the student edition's downloads).

    >>> without_solutions("Q\\n```{solution} q1\\n:class: dropdown\\n\\nA\\n```\\nNext\\n")
    'Q\\nNext\\n'
    """
    return SOLUTION_BLOCK.sub("", markdown)


def _notebook_without_solutions(source: Path, target: Path) -> Path:
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = without_solutions(cell.source)
    nbformat.write(notebook, target)
    return target


def repository_url(root: Path) -> str:
    """The repository address, written once in ``_config.yml`` (``repository: url:``)."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    url = (config.get("repository") or {}).get("url")
    if not url:
        raise InputError("_config.yml: 'repository: url:' is missing; write the repository's address there once.")
    return str(url)


def quantity_meanings(chapter: Chapter | str) -> dict[str, str]:
    """The chapter's ``glossary.QUANTITIES``: each ``quantity`` of its ``results.csv`` and its meaning."""
    chapter = registry.get_chapter(chapter)
    return dict(import_module(f"{chapter.package}.glossary").QUANTITIES)


def stage_kit(chapter: Chapter, *, root: Path, outputs: Path, target: Path, solutions: bool = True) -> dict[str, Path]:
    """Write ``chapter``'s downloads into ``target`` and return them by label (in display order).

    ``outputs`` is the folder of the built run (executed notebook, ``results.csv``); its ``report.html``
    is written there with :func:`helpers.book.report.notebook_to_html` when absent. Without ``solutions``
    (the student edition) the notebook pair and the report leave out the exercises' solutions.
    """
    from helpers.book import templates
    from helpers.book.report import notebook_to_html

    target.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for suffix in (".ipynb", ".md"):
        source = root / "notebooks" / f"{chapter.notebook}{suffix}"
        if solutions:
            files[f"notebook ({suffix})"] = Path(shutil.copy2(source, target / source.name))
        elif suffix == ".md":
            (target / source.name).write_text(without_solutions(source.read_text(encoding="utf-8")), encoding="utf-8")
            files[f"notebook ({suffix})"] = target / source.name
        else:
            files[f"notebook ({suffix})"] = _notebook_without_solutions(source, target / source.name)
    for path in templates.write_template(chapter.id, target):
        label = "blank template (CSV)" if path.suffix == ".csv" else "mapping skeleton (YAML)"
        files[label] = path
    synthetic = registry.synthetic_data_path(chapter, root)
    files["synthetic example (CSV)"] = Path(shutil.copy2(synthetic, target / synthetic.name))
    executed = outputs / f"{chapter.notebook}.ipynb"
    report = outputs / "report.html"
    if executed.is_file() and not report.is_file():
        report.write_text(notebook_to_html(executed), encoding="utf-8")
    if executed.is_file() and not solutions:
        student = _notebook_without_solutions(executed, target / "student.ipynb")
        report = target / f"{chapter.id}-report.html"
        report.write_text(notebook_to_html(student), encoding="utf-8")
        student.unlink()
    for name, label in (("results.csv", "results of this page (results.csv)"),
                        ("report.html", "report of this page (report.html)")):
        copy = target / f"{chapter.id}-{name}"
        if copy.is_file():  # the student edition's report, written above
            files[label] = copy
        elif (outputs / name).is_file():
            files[label] = Path(shutil.copy2(outputs / name, copy))
    return files


def kit_markdown(chapter: Chapter, files: Mapping[str, Path], *, source_root: Path, url: str) -> str:
    """The "Run this chapter on your data" section of a chapter page (MyST markdown).

    Links use the ``{download}`` role with paths from the source root, so Sphinx copies each file into the
    site's ``_downloads`` folder.
    """
    links = "\n".join(f"- {{download}}`{label} </{path.relative_to(source_root).as_posix()}>`"
                      for label, path in files.items())
    cid = chapter.id
    return f"""## {KIT_HEADING}

Everything this page needs, to run it again on your own cohort:

{links}

With the book installed (`git clone {url}`, then `make book` or `pip install -e .`), copy these commands:

```bash
spinebook template {cid} --out .                 # writes {cid}-template.csv and {cid}-columns.yaml
spinebook check-data {cid} --data my_cohort.csv --columns {cid}-columns.yaml   # checks, writes nothing
spinebook run {cid} --data my_cohort.csv --columns {cid}-columns.yaml          # a new folder under runs/
```

Leave `--columns` out when your file already uses the template's column names. The run folder holds the
executed notebook, `report.html`, `results.csv` (its quantities are explained in the
[glossary](../book/glossary.md)) and `provenance.json`. Source code: <{url}>.
"""


def glossary_markdown(results: Mapping[str, pd.DataFrame]) -> str:
    """The glossary page: for each chapter (``results`` maps chapter ids to their ``results.csv``), every
    quantity name in order of first appearance, with its meaning and the groups it is reported for.

    Raises :class:`InputError` naming the chapter and quantity when a quantity has no meaning in the
    chapter's ``glossary.py``.
    """
    lines = ["# Glossary of results.csv", "",
             "Every chapter writes `results.csv`: one row per estimate, with the columns `quantity`, `group`, "
             "`estimate`, `ci_low`, `ci_high`, `p_value`, `method` and `n`. This page lists each chapter's "
             "`quantity` names and what they mean; `method` in the file says how each row was computed. "
             "Generated by the build from the chapters' results and their `glossary.py`.", ""]
    for chapter_id, frame in results.items():
        chapter = registry.get_chapter(chapter_id)
        meanings = quantity_meanings(chapter)
        lines += [f"## {chapter.title}", "", f"Chapter `{chapter_id}` ([page](../notebooks/{chapter.notebook}.ipynb)).",
                  "", "| quantity | meaning | groups |", "|---|---|---|"]
        for quantity, rows in frame.groupby("quantity", sort=False):
            if quantity not in meanings:
                raise InputError(f"chapter {chapter_id}: results.csv quantity '{quantity}' has no meaning in "
                                 f"{chapter.package.replace('.', '/')}/glossary.py; add one line to QUANTITIES.")
            groups = [str(g) for g in rows["group"].dropna().unique()]
            shown = ", ".join(f"`{g}`" for g in groups[:4]) + (f" and {len(groups) - 4} more" if len(groups) > 4 else "")
            meaning = meanings[quantity].replace("|", "\\|")
            lines.append(f"| `{quantity}` | {meaning} | {shown.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)
