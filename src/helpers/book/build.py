"""Executing chapters and building the book.

* :func:`check_project` verifies notebook pairs, the table of contents and the synthetic data files.
* :func:`execute_chapter` runs one chapter with papermill into a folder (executed notebook,
  ``results.csv``, ``provenance.json``).
* :func:`build_book` executes chapters in parallel, then runs Jupyter Book (execution off, warnings as
  errors) in a temporary folder and swaps the new site in only when everything succeeded.
* :func:`run_chapter` executes one chapter on a user's file into a new run folder, with an HTML report.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from helpers.chapters import registry
from helpers.chapters.common import Chapter
from helpers.validation.errors import InputError

# nbformat, yaml, pandas and the readers are imported where used: a build with nothing changed decides so
# from file digests alone, before any of them is needed (issue 16).

KERNEL = "python3"

GENERATED_PAGES = {"book/data-dictionary": "generated from the schemas by the build"}

VERSION_PLACEHOLDER = "@VERSION@"
"""Written in ``_config.yml`` (the footer) where the build puts the book's version (:func:`book_version`)."""

RESERVED_PARAMETERS = {"data_path": "--data FILE", "output_dir": "--out DIR", "column_map": "--map or --columns",
                       "allow_identifiers": "--allow-identifiers", "suppress_small_cells": "--suppress-small-cells"}


class ChapterFailure(RuntimeError):
    """A chapter's notebook raised an exception while executing (the message names chapter and cell)."""

    def __init__(self, message: str, *, input_error: bool = False):
        super().__init__(message)
        self.input_error = input_error


@dataclass(frozen=True)
class ChapterRun:
    """Outcome of executing one chapter."""

    chapter: str
    ok: bool
    seconds: float
    notebook: Path | None
    message: str = ""
    input_error: bool = False


def _cell_signature(notebook: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(cell.cell_type, cell.source.strip(), tuple(sorted(cell.get("metadata", {}).get("tags", []))))
            for cell in notebook.cells]


def check_pairs(root: Path) -> list[str]:
    """Problems with the jupytext pairs in ``notebooks/`` (text file and committed ``.ipynb``)."""
    import jupytext
    import nbformat

    problems = []
    folder = root / "notebooks"
    for chapter in registry.CHAPTERS.values():
        text, ipynb = folder / f"{chapter.notebook}.md", folder / f"{chapter.notebook}.ipynb"
        fix = f"run: jupytext --sync {text.relative_to(root)}"
        if not text.is_file() or not ipynb.is_file():
            missing = [str(p.relative_to(root)) for p in (text, ipynb) if not p.is_file()]
            problems.append(f"chapter {chapter.id}: missing {', '.join(missing)} ({fix})")
            continue
        from_text = jupytext.read(text)
        from_ipynb = nbformat.read(ipynb, as_version=4)
        if _cell_signature(from_text) != _cell_signature(from_ipynb):
            problems.append(f"chapter {chapter.id}: {ipynb.relative_to(root)} is out of sync with "
                            f"{text.relative_to(root)} ({fix})")
        with_outputs = [i for i, cell in enumerate(from_ipynb.cells)
                        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]
        if with_outputs:
            problems.append(f"chapter {chapter.id}: {ipynb.relative_to(root)} has outputs in cells "
                            f"{with_outputs[:5]}; commit it without outputs ({fix})")
        tagged = [cell for cell in from_ipynb.cells if "parameters" in cell.get("metadata", {}).get("tags", [])]
        if len(tagged) != 1:
            problems.append(f"chapter {chapter.id}: expected exactly one cell tagged 'parameters', found {len(tagged)}")
    return problems


def _toc_files(toc: Mapping[str, Any]) -> list[str]:
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def check_toc(root: Path) -> list[str]:
    """Problems with ``_toc.yml``: missing pages, and chapters of the registry that it does not list."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = _toc_files(toc)
    problems = []
    for entry in files:
        if entry in GENERATED_PAGES:
            continue
        candidates = [root / f"{entry}{suffix}" for suffix in ("", ".md", ".ipynb")]
        if not any(path.is_file() for path in candidates):
            problems.append(f"_toc.yml: '{entry}' has no page (expected {entry}.md or {entry}.ipynb)")
    for chapter in registry.CHAPTERS.values():
        if f"notebooks/{chapter.notebook}" not in files:
            problems.append(f"_toc.yml: chapter {chapter.id} (notebooks/{chapter.notebook}) is not listed")
    return problems


def check_data(root: Path) -> list[str]:
    """Problems with ``data/synthetic/``: missing files, schema failures, bytes that differ from the generator."""
    from helpers.validation import files, schema

    problems = []
    for chapter in registry.CHAPTERS.values():
        path = registry.synthetic_data_path(chapter.id, root)
        if not path.is_file():
            problems.append(f"{path.relative_to(root)}: missing (run: spinebook data)")
            continue
        try:
            schema.validate(files.read_table(path), chapter.schema, source=path.relative_to(root))
        except InputError as error:
            problems.append(str(error))
        with tempfile.TemporaryDirectory() as scratch:
            fresh = files.write_csv(chapter.generate(), Path(scratch) / path.name)
            if fresh.read_bytes() != path.read_bytes():
                problems.append(f"{path.relative_to(root)}: differs from what the generator writes "
                                "(run: spinebook data, and commit the result)")
    return problems


def check_examples(root: Path) -> list[str]:
    """Problems with ``data/examples/`` (the worked examples of ``book/own-data.md``): missing files, or bytes
    that differ from what :func:`helpers.book.exports.write_examples` writes."""
    from helpers.book import exports

    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        for fresh in exports.write_examples(Path(scratch)):
            relative = fresh.relative_to(scratch)
            current = root / relative
            if not current.is_file():
                problems.append(f"{relative}: missing (run: spinebook data)")
            elif current.read_bytes() != fresh.read_bytes():
                problems.append(f"{relative}: differs from what the generator writes (run: spinebook data, and "
                                "commit the result)")
    return problems


def check_project(root: Path | None = None) -> list[str]:
    """Every problem found by :func:`check_pairs`, :func:`check_toc`, :func:`check_data` and
    :func:`check_examples`."""
    root = root or registry.project_root()
    return check_pairs(root) + check_toc(root) + check_data(root) + check_examples(root)


def notebook_parameters(chapter: Chapter, root: Path | None = None) -> dict[str, dict[str, Any]]:
    """The chapter's parameters (name -> papermill's inferred type, default and help)."""
    import papermill

    root = root or registry.project_root()
    path = root / "notebooks" / f"{chapter.notebook}.ipynb"
    return papermill.inspect_notebook(str(path))


def parse_parameters(chapter: Chapter, pairs: list[tuple[str, str]], root: Path | None = None) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` pairs into typed parameters, refusing unknown or mistyped ones."""
    import yaml

    known = notebook_parameters(chapter, root)
    parsed: dict[str, Any] = {}
    for name, text in pairs:
        if name in RESERVED_PARAMETERS:
            raise InputError(f"parameter {name}: set it with {RESERVED_PARAMETERS[name]}, not -p.")
        if name not in known:
            names = ", ".join(n for n in known if n not in RESERVED_PARAMETERS)
            raise InputError(f"unknown parameter '{name}' for chapter {chapter.id}. Parameters: {names}.")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        expected = known[name]["inferred_type_name"]
        if expected == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        checks = {"float": float, "int": int, "bool": bool, "str": str}
        if expected in checks and not isinstance(value, checks[expected]) or (
                expected in ("int", "float") and isinstance(value, bool)):
            if expected == "str":
                value = str(text)
            else:
                raise InputError(f"parameter {name}: expected a {expected} (default "
                                 f"{known[name]['default']}), got {text!r}.")
        parsed[name] = value
    return parsed


def check_chapter_parameters(chapter: Chapter, overrides: Mapping[str, Any], root: Path | None = None) -> None:
    """Run the chapter's own parameter check on its defaults merged with ``overrides`` (before execution)."""
    import yaml

    if chapter.check_parameters is None:
        return
    values: dict[str, Any] = {}
    for name, spec in notebook_parameters(chapter, root).items():
        try:
            values[name] = yaml.safe_load(spec["default"])
        except yaml.YAMLError:
            values[name] = spec["default"]
    values.update(overrides)
    chapter.check_parameters(**values)


def _describe_failure(chapter_id: str, error: Exception) -> ChapterFailure:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        source = next((line for line in (error.source or "").splitlines() if line.strip()), "")
        message = (f"chapter {chapter_id} failed in cell {error.cell_index} (execution count {error.exec_count}): "
                   f"{error.ename}: {error.evalue}\n    first line of the cell: {source}")
        return ChapterFailure(message, input_error=error.ename == "InputError")
    return ChapterFailure(f"chapter {chapter_id} could not be executed: {type(error).__name__}: {error}")


def _collapse_parameter_cells(path: Path) -> None:
    """Keep the injected-parameters cell in the page but collapsed (myst-nb tag ``hide-input``)."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            tags.append("hide-input")
    nbformat.write(notebook, path)


def execute_chapter(chapter: Chapter, *, output_dir: Path, parameters: Mapping[str, Any] | None = None,
                    data_path: Path | None = None, root: Path | None = None,
                    progress_bar: bool = False) -> Path:
    """Execute a chapter into ``output_dir`` and return the executed notebook's path.

    The chapter writes ``results.csv`` and ``provenance.json`` next to it. Raises
    :class:`ChapterFailure` naming the failing cell and exception.
    """
    import papermill

    root = root or registry.project_root()
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    source = root / "notebooks" / f"{chapter.notebook}.ipynb"
    target = output_dir / f"{chapter.notebook}.ipynb"
    injected = dict(parameters or {})
    injected["data_path"] = str(Path(data_path).resolve()) if data_path else str(
        registry.synthetic_data_path(chapter, root))
    injected["output_dir"] = str(output_dir.resolve())
    try:
        papermill.execute_notebook(str(source), str(target), parameters=injected, kernel_name=KERNEL,
                                   cwd=str(root / "notebooks"), progress_bar=progress_bar, log_output=False,
                                   report_mode=False,
                                   # the kernel's start-up notice about TCP transport is noise on loopback
                                   extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except Exception as error:  # papermill re-raises the notebook's exception wrapped
        raise _describe_failure(chapter.id, error) from None
    _collapse_parameter_cells(target)
    return target


def book_version(root: Path) -> str:
    """The book's version: ``[project] version`` in ``pyproject.toml``, the one place it is written
    (``helpers.__version__`` without a ``pyproject.toml``, as in an installed wheel)."""
    path = Path(root) / "pyproject.toml"
    if not path.is_file():
        from helpers import __version__

        return __version__
    with path.open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def _execute_worker(chapter: Chapter, output_dir: str, root: str) -> ChapterRun:
    started = time.perf_counter()
    try:
        notebook = execute_chapter(chapter, output_dir=Path(output_dir), root=Path(root))
    except ChapterFailure as failure:
        return ChapterRun(chapter.id, False, time.perf_counter() - started, None, str(failure), failure.input_error)
    return ChapterRun(chapter.id, True, time.perf_counter() - started, notebook)


def _print(message: str) -> None:
    print(message, flush=True)


def _jupyter_book_command() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jupyter_book.cli.main"]


def _site_key(root: Path, chapter_keys: Mapping[str, str]) -> str:
    """Everything the built site depends on: chapter keys, pages, configuration and the code that stages
    and builds the pages (not the command line, which builds nothing itself)."""
    from helpers.book.cache import modules_digest
    from helpers.book.imports import dependencies

    digest = hashlib.sha256(json.dumps(dict(chapter_keys), sort_keys=True).encode())
    for name in ("_config.yml", "_toc.yml"):
        digest.update((root / name).read_bytes())
    for chapter in registry.CHAPTERS.values():  # the text half of each pair (the .ipynb is in the chapter key)
        text = root / "notebooks" / f"{chapter.notebook}.md"
        digest.update(text.read_bytes() if text.is_file() else b"absent")
    book = root / "book"
    for path in sorted(p for p in book.rglob("*") if p.is_file() and "_build" not in p.relative_to(book).parts):
        digest.update(str(path.relative_to(book)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(modules_digest(dependencies(["helpers.book.build", "helpers.book.sphinx_offline"])).encode())
    digest.update(book_version(root).encode())
    return digest.hexdigest()


def build_book(root: Path | None = None, *, chapters: list[str] | None = None, jobs: int | None = None,
               force: bool = False, echo: Callable[[str], None] = _print) -> Path:
    """Execute chapters and build the site into ``book/_build/html``; return the path of ``index.html``.

    A chapter is executed only when its cache key changed (:mod:`helpers.book.cache`; ``force`` ignores the
    cache); when nothing at all changed the site is left as it is. Chapters not selected with
    ``chapters`` reuse their cached or last executed notebook. Execution and the Jupyter Book build
    happen away from ``book/_build/html``, which is replaced only when every step succeeded.

    Raises
    ------
    ChapterFailure
        When a chapter fails (named with its cell and exception) or Jupyter Book reports an error or warning.
    """
    from helpers.book.cache import ExecutionCache, chapter_code_digest, chapter_key

    started_all = time.perf_counter()
    root = root or registry.project_root()

    def chapter_keys() -> dict[str, str]:
        keys = {}
        for chapter in registry.CHAPTERS.values():
            text = root / "notebooks" / f"{chapter.notebook}.md"
            keys[chapter.id] = chapter_key(
                notebook=root / "notebooks" / f"{chapter.notebook}.ipynb",
                data=registry.synthetic_data_path(chapter, root), parameters={}, lock=root / "requirements.lock",
                code_digest=chapter_code_digest(chapter, text.read_text(encoding="utf-8") if text.is_file() else ""))
        return keys

    # Nothing changed? Decided from digests alone (the site key covers both files of every notebook pair,
    # _toc.yml and the data files, which the checks below passed when the key was written).
    build_dir = root / "book" / "_build"
    keys = chapter_keys()
    site_key = _site_key(root, keys)
    key_file, index = build_dir / "site-key.txt", build_dir / "html" / "index.html"
    if not force and not chapters and index.is_file() and key_file.is_file() and key_file.read_text() == site_key:
        echo(f"Nothing changed since the last build ({time.perf_counter() - started_all:.1f} s): {index}")
        return index
    problems = check_pairs(root) + check_toc(root)
    if problems:
        raise InputError("the book's sources are inconsistent:\n  - " + "\n  - ".join(problems))
    created = registry.generate_all(root, only_missing=True)
    for path in created:
        echo(f"generated {path.relative_to(root)}")
    if created:
        keys = chapter_keys()
        site_key = _site_key(root, keys)
    selected = list(registry.CHAPTERS) if not chapters else [registry.get_chapter(c).id for c in chapters]
    jobs = max(1, jobs or os.cpu_count() or 1)
    build_dir.mkdir(parents=True, exist_ok=True)
    cache = ExecutionCache(build_dir / "cache")
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=build_dir))
    try:
        outputs = staging / "outputs"
        available: dict[str, Path] = {}
        to_execute = []
        for chapter_id in registry.CHAPTERS:
            entry = None if force else cache.lookup(chapter_id, keys[chapter_id])
            if entry is not None:
                available[chapter_id] = cache.restore(entry, outputs / chapter_id)
            elif chapter_id in selected:
                to_execute.append(chapter_id)
        cached = [c for c in selected if c in available]
        echo(f"Executing {len(to_execute)} chapter(s), {min(jobs, max(1, len(to_execute)))} at a time"
             + (f"; {len(cached)} unchanged, taken from the cache" if cached else ""))
        for chapter_id in cached:
            echo(f"  [cached] {chapter_id:<18} ok        0.0 s")
        failures: list[ChapterRun] = []
        if to_execute:
            with ProcessPoolExecutor(max_workers=min(jobs, len(to_execute))) as pool:
                futures = [pool.submit(_execute_worker, registry.CHAPTERS[chapter_id], str(outputs / chapter_id), str(root))
                           for chapter_id in to_execute]
                for done, future in enumerate(as_completed(futures), start=1):
                    run = future.result()
                    status = "ok" if run.ok else "FAILED"
                    echo(f"  [{done}/{len(to_execute)}] {run.chapter:<18} {status:<6} {run.seconds:6.1f} s")
                    if not run.ok:
                        failures.append(run)
                    else:
                        cache.store(run.chapter, keys[run.chapter], outputs / run.chapter)
                        available[run.chapter] = outputs / run.chapter
        if failures:
            raise ChapterFailure("\n".join(run.message for run in failures))
        source = _stage_sources(root, staging, available, echo)
        html = _run_jupyter_book(source, build_dir, echo)
        _swap_in(html, build_dir / "html")
        for chapter_id, folder in available.items():
            if folder.is_relative_to(staging):
                _swap_in(folder, build_dir / "outputs" / chapter_id)
        if set(available) == set(registry.CHAPTERS):
            key_file.write_text(site_key)
        else:
            key_file.unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    echo(f"Book built in {time.perf_counter() - started_all:.1f} s: {index}")
    return index


def _sync_tree(source: Path, target: Path) -> None:
    """Make ``target`` equal to ``source``, rewriting only files whose bytes differ (Sphinx then rebuilds
    only the pages that changed)."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    for relative in wanted:
        new, old = source / relative, target / relative
        if not old.is_file() or old.read_bytes() != new.read_bytes():
            old.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(new, old)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(target) not in wanted:
            path.unlink()


def _run_jupyter_book(source: Path, build_dir: Path, echo: Callable[[str], None]) -> Path:
    """Build the staged sources with Jupyter Book in a persistent work folder (incremental) and return a
    fresh copy of the HTML, ready to be swapped in."""
    work = build_dir / ".jupyter-book"
    _sync_tree(source, work / "source")
    echo("Building the site with Jupyter Book (execution off, warnings as errors)")
    started = time.perf_counter()
    command = [*_jupyter_book_command(), "build", str(work / "source"), "--path-output", str(work / "site"),
               "-W", "--keep-going", "--builder", "html"]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        shutil.rmtree(work / "site", ignore_errors=True)  # the next build starts clean
        log = re.sub(r"\x1b\[[0-9;]*m", "", finished.stdout + finished.stderr).strip().splitlines()
        interesting = list(dict.fromkeys(
            line.strip() for line in log if re.search(r"WARNING|ERROR|Exception|\w+Error\b", line)
            and "NbParserConfig" not in line)) or log[-20:]
        raise ChapterFailure("Jupyter Book failed (the previous site is untouched):\n    " +
                             "\n    ".join(interesting[:40]))
    fresh = Path(tempfile.mkdtemp(prefix=".html-", dir=build_dir))
    shutil.rmtree(fresh)
    shutil.copytree(work / "site" / "_build" / "html", fresh)
    echo(f"  site built in {time.perf_counter() - started:.1f} s")
    return fresh


def _stage_sources(root: Path, staging: Path, executed: Mapping[str, Path], echo: Callable[[str], None]) -> Path:
    """Copy the book's pages and the executed notebooks into a fresh source folder for Jupyter Book.

    ``executed`` maps chapter ids to folders holding their executed notebook; other chapters use their
    last executed notebook from ``book/_build/outputs`` or, if none, the unexecuted one (with a warning).
    The book's version (:func:`book_version`) replaces ``@VERSION@`` in the staged ``_config.yml``.
    """
    source = staging / "source"
    source.mkdir()
    shutil.copy2(root / "_toc.yml", source / "_toc.yml")
    config = (root / "_config.yml").read_text(encoding="utf-8")
    (source / "_config.yml").write_text(config.replace(VERSION_PLACEHOLDER, book_version(root)), encoding="utf-8")
    shutil.copytree(root / "book", source / "book", ignore=shutil.ignore_patterns("_build", ".*"))
    _write_data_dictionary(root, source / "book" / "data-dictionary.md")
    (source / "notebooks").mkdir()
    for chapter in registry.CHAPTERS.values():
        folder = executed.get(chapter.id, root / "book" / "_build" / "outputs" / chapter.id)
        notebook = folder / f"{chapter.notebook}.ipynb"
        if not notebook.is_file():
            echo(f"  warning: chapter {chapter.id} has never been executed; its page is built without outputs")
            notebook = root / "notebooks" / f"{chapter.notebook}.ipynb"
        shutil.copy2(notebook, source / "notebooks" / f"{chapter.notebook}.ipynb")
    return source


def _write_data_dictionary(root: Path, target: Path) -> Path:
    """Generate the data-dictionary page from the schemas, with an example row of each synthetic file."""
    from helpers.book import templates

    examples = {chapter_id: registry.load_data(chapter_id, registry.synthetic_data_path(chapter_id, root)).head(1)
                for chapter_id in registry.CHAPTERS}
    titles = {chapter.id: chapter.title for chapter in registry.CHAPTERS.values()}
    ordered = {chapter_id: chapter.schema for chapter_id, chapter in registry.CHAPTERS.items()}
    target.write_text(templates.data_dictionary_markdown(ordered, examples, titles), encoding="utf-8")
    return target


def _swap_in(new: Path, current: Path) -> None:
    """Replace ``current`` by ``new`` with two renames (the old copy is removed only afterwards)."""
    current.parent.mkdir(parents=True, exist_ok=True)
    old = current.with_name(f".{current.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        current.rename(old)
    shutil.move(str(new), str(current))
    shutil.rmtree(old, ignore_errors=True)


def _utc_stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def default_run_folder(chapter_id: str, root: Path) -> Path:
    """``runs/<chapter>-<UTC timestamp>``, with a numeric suffix if that folder already exists."""
    base = root / "runs" / f"{chapter_id}-{_utc_stamp()}"
    candidate, counter = base, 1
    while candidate.exists():
        counter += 1
        candidate = base.with_name(f"{base.name}-{counter}")
    return candidate


def validate_data_file(chapter: Chapter, data_path: Path | None, *, column_map: Mapping | None = None,
                       allow_identifiers: bool = False):
    """Read a user's file, map it and check it as the notebook will; return the
    :class:`helpers.validation.intake.Intake` (raises :class:`InputError`)."""
    return registry.inspect_data(chapter, data_path, column_map=column_map, allow_identifiers=allow_identifiers)


def export_html_report(notebook_path: Path, target: Path) -> Path:
    """Write a standalone HTML report of an executed notebook (images embedded; no code cells)."""
    from helpers.book.report import notebook_to_html

    target.write_text(notebook_to_html(notebook_path), encoding="utf-8")
    return target


def run_chapter(chapter: Chapter | str, *, data_path: Path | None = None, parameters: Mapping[str, Any] | None = None,
                out: Path | None = None, column_map: Mapping | None = None, allow_identifiers: bool = False,
                root: Path | None = None, progress_bar: bool = True, echo: Callable[[str], None] = _print) -> Path:
    """Execute one chapter into a new run folder and return it.

    The folder holds the executed notebook, ``report.html``, ``results.csv`` and ``provenance.json``
    (and ``column_map.yaml`` when a mapping was given). Nothing is written when the run fails; an
    existing folder is never overwritten; the input file is only read.
    """
    from helpers.validation import mapping

    root = root or registry.project_root()
    chapter = registry.get_chapter(chapter)
    parameters = dict(parameters or {})
    check_chapter_parameters(chapter, parameters, root)
    has_mapping = not mapping.is_empty(column_map)
    if data_path is not None or has_mapping:
        data_path = Path(data_path) if data_path is not None else None
        intake = validate_data_file(chapter, data_path, column_map=column_map if has_mapping else None,
                                    allow_identifiers=allow_identifiers)
        echo(f"Checked {intake.source} (spinebook check-data prints the same):")
        for line in intake.report_lines():
            echo(f"  {line}")
    parameters["allow_identifiers"] = bool(allow_identifiers)
    if out is not None and Path(out).exists():
        raise InputError(f"{out}: already exists; runs never overwrite earlier outputs. Choose a new --out "
                         "folder or leave --out out for a new timestamped folder under runs/.")
    with tempfile.TemporaryDirectory(prefix=f"spinebook-{chapter.id}-") as scratch:
        work = Path(scratch) / "run"
        work.mkdir()
        if has_mapping:
            parameters["column_map"] = str(mapping.write_column_map(column_map, work / "column_map.yaml"))
        echo(f"Running chapter {chapter.id} on {data_path or 'its synthetic data'}")
        started = time.perf_counter()
        notebook = execute_chapter(chapter, output_dir=work, parameters=parameters, data_path=data_path,
                                   root=root, progress_bar=progress_bar)
        export_html_report(notebook, work / "report.html")
        missing = [name for name in ("results.csv", "provenance.json") if not (work / name).is_file()]
        if missing:
            raise ChapterFailure(f"chapter {chapter.id} did not write {', '.join(missing)}")
        target = Path(out) if out is not None else default_run_folder(chapter.id, root)
        if target.exists():
            raise InputError(f"{target}: already exists; runs never overwrite earlier outputs.")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(work), str(target))
    echo(f"  done in {time.perf_counter() - started:.1f} s: {target}")
    return target
