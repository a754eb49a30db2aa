"""``spinebook``: build the book, run a chapter on your own data, regenerate or check the synthetic data.

Exit status: 0 success; 2 invalid input (a clear message, no traceback); 1 an analysis or build failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from helpers.validation.errors import InputError

EXIT_OK, EXIT_FAILURE, EXIT_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    from helpers.chapters.registry import CHAPTERS

    parser = argparse.ArgumentParser(
        prog="spinebook",
        description="Spine MRI Outcomes: a reproducible analysis book (educational; not clinical advice).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="execute the chapters and build the site into book/_build/html")
    build.add_argument("--chapters", nargs="+", metavar="ID", choices=list(CHAPTERS),
                       help="execute only these chapters (the others reuse their last execution)")
    build.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="chapters executed at a time (default: one per core)")
    build.add_argument("--force", action="store_true",
                       help="re-execute every selected chapter, ignoring the execution cache")
    build.add_argument("--edition", choices=("teacher", "student"), default="teacher",
                       help="teacher (default): with the exercises' solutions, into book/_build/html; student: "
                            "without them, into book/_build/student/html")

    run = commands.add_parser("run", help="execute one chapter on your data into a new run folder")
    run.add_argument("chapter", choices=list(CHAPTERS), metavar="CHAPTER", help=f"one of: {', '.join(CHAPTERS)}")
    run.add_argument("--data", type=Path, metavar="FILE",
                     help="your data file (CSV, TSV, Excel, SPSS .sav, Stata .dta, REDCap CSV or Parquet); default: "
                          "the chapter's synthetic data")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set a chapter parameter (repeatable)")
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="new folder for the outputs (default: runs/<chapter>-<UTC timestamp>/)")
    run.add_argument("--map", action="append", default=[], metavar="THEIRS=SCHEMA",
                     help="rename one of your columns to the schema's name (repeatable)")
    run.add_argument("--columns", type=Path, metavar="MAP.yaml",
                     help="mapping file: 'columns' (your name: schema name), 'values' (recoding), 'missing' "
                          "(missing-value codes), 'derive' (durations from dates)")
    run.add_argument("--sheet", metavar="NAME", help="the sheet of an Excel workbook with several sheets")
    run.add_argument("--suppress-small-cells", nargs="?", type=int, const=5, default=0, metavar="K",
                     help="mask counts from 1 to K-1 in the page's tables and results.csv (K defaults to 5)")
    run.add_argument("--allow-identifiers", action="store_true",
                     help="run even if columns look like direct identifiers (names, record numbers, ...)")
    run.add_argument("--site", metavar="NAME",
                     help="also write site-summary.json, the aggregates this hospital may share for pooling "
                          "(estimates, standard errors, n, events, diagnostics; no patient rows)")

    pool = commands.add_parser("pool", help="pool the site summaries of a multi-centre study (meta-analysis)")
    pool.add_argument("chapter", choices=list(CHAPTERS), metavar="CHAPTER", help=f"one of: {', '.join(CHAPTERS)}")
    pool.add_argument("summaries", nargs="+", type=Path, metavar="SUMMARY",
                      help="site-summary.json files, one per site")
    pool.add_argument("--out", type=Path, required=True, metavar="DIR", help="new folder for the pooled outputs")
    pool.add_argument("--knha", action="store_true",
                      help="Hartung-Knapp adjustment of the random-effects tests and intervals")

    check_data = commands.add_parser(
        "check-data", help="check your file for a chapter and print what the chapter would see (writes nothing)")
    check_data.add_argument("chapter", choices=list(CHAPTERS), metavar="CHAPTER",
                            help=f"one of: {', '.join(CHAPTERS)}")
    check_data.add_argument("--data", type=Path, metavar="FILE", required=True, help="your data file")
    check_data.add_argument("--columns", type=Path, metavar="MAP.yaml", help="mapping file (as for run)")
    check_data.add_argument("--map", action="append", default=[], metavar="THEIRS=SCHEMA",
                            help="rename one of your columns to the schema's name (repeatable)")
    check_data.add_argument("--sheet", metavar="NAME", help="the sheet of an Excel workbook with several sheets")
    check_data.add_argument("--allow-identifiers", action="store_true",
                            help="report identifier-like columns instead of refusing the file")

    template = commands.add_parser("template", help="write an empty CSV with the expected header and a mapping file")
    template.add_argument("chapter", choices=list(CHAPTERS), metavar="CHAPTER", help=f"one of: {', '.join(CHAPTERS)}")
    template.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="folder to write into (default: .)")

    commands.add_parser("data", help="regenerate data/synthetic/ and the export examples in data/examples/ "
                                     "(identical bytes for the same seed)")
    commands.add_parser("check", help="check notebook pairs, the table of contents and the data files")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``spinebook`` console script; returns the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        return _dispatch(arguments)
    except InputError as error:
        print(f"spinebook: invalid input: {error}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("spinebook: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the command line reports failures without a traceback
        from helpers.book.build import ChapterFailure

        if isinstance(error, ChapterFailure):
            status = EXIT_INPUT if error.input_error else EXIT_FAILURE
            label = "invalid input" if error.input_error else "failed"
            print(f"spinebook: {label}: {error}", file=sys.stderr)
            return status
        if os.environ.get("SPINEBOOK_DEBUG"):
            raise
        print(f"spinebook: failed: {type(error).__name__}: {error} (set SPINEBOOK_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return EXIT_FAILURE


def _column_map(arguments: argparse.Namespace) -> dict:
    """The mapping of ``--columns``, ``--map`` and ``--sheet`` (later ones win)."""
    from helpers.validation import mapping

    extra: dict = {"columns": mapping.parse_map_arguments(arguments.map), "values": {}}
    from_file = mapping.read_column_map(arguments.columns) if arguments.columns else mapping.EMPTY
    if arguments.sheet is not None:
        if from_file.get("sheet") not in (None, arguments.sheet):
            raise InputError(f"--sheet '{arguments.sheet}' and sheet: '{from_file['sheet']}' in {arguments.columns} "
                             "differ; give one.")
        extra["sheet"] = arguments.sheet
    return mapping.merge_column_maps(from_file, extra)


def _check_data(arguments: argparse.Namespace) -> int:
    """``spinebook check-data``: what the chapter would see, or the problems (exit 2); writes nothing."""
    from helpers.chapters import registry

    print(f"check-data {arguments.chapter}: {arguments.data}")
    try:
        intake = registry.inspect_data(arguments.chapter, arguments.data, column_map=_column_map(arguments),
                                       allow_identifiers=arguments.allow_identifiers)
    except InputError as error:
        for line in getattr(error, "report", []):
            print(f"  {line}")
        raise
    for line in intake.report_lines():
        print(f"  {line}")
    print(f"valid: chapter {arguments.chapter} would see {len(intake.frame)} rows and {intake.frame.shape[1]} columns "
          f"(run it with: spinebook run {arguments.chapter} --data {arguments.data}"
          + (f" --columns {arguments.columns}" if arguments.columns else "")
          + (f" --sheet {arguments.sheet}" if arguments.sheet else "") + ")")
    return EXIT_OK


def _dispatch(arguments: argparse.Namespace) -> int:
    from helpers.book import build
    from helpers.chapters import registry

    if arguments.command == "build":
        if arguments.jobs is not None and arguments.jobs < 1:
            raise InputError(f"--jobs: expected a positive number of chapters at a time, got {arguments.jobs}.")
        build.build_book(chapters=arguments.chapters, jobs=arguments.jobs, force=arguments.force,
                         edition=arguments.edition)
        return EXIT_OK
    if arguments.command == "run":
        chapter = registry.get_chapter(arguments.chapter)
        parameters = build.parse_parameters(chapter, [tuple(pair) for pair in arguments.parameter])
        if arguments.suppress_small_cells:
            if arguments.suppress_small_cells < 2:
                raise InputError(f"--suppress-small-cells: expected a count of at least 2, got "
                                 f"{arguments.suppress_small_cells}.")
            parameters["suppress_small_cells"] = arguments.suppress_small_cells
        column_map = _column_map(arguments)
        build.run_chapter(chapter, data_path=arguments.data, parameters=parameters, out=arguments.out,
                          column_map=column_map, allow_identifiers=arguments.allow_identifiers, site=arguments.site)
        return EXIT_OK
    if arguments.command == "pool":
        from helpers.book import pool

        folder = pool.pool_to_folder(arguments.chapter, arguments.summaries, arguments.out, knha=arguments.knha)
        print(f"pooled {len(arguments.summaries)} site summaries of {arguments.chapter}: {folder}")
        return EXIT_OK
    if arguments.command == "check-data":
        return _check_data(arguments)
    if arguments.command == "template":
        from helpers.book import templates

        for path in templates.write_template(arguments.chapter, arguments.out):
            print(f"wrote {path}")
        return EXIT_OK
    if arguments.command == "data":
        from helpers.book import exports

        root = registry.project_root()
        for path in registry.generate_all(root):
            print(f"wrote {path.relative_to(root)}")
        for path in exports.write_examples(root):
            print(f"wrote {path.relative_to(root)}")
        return EXIT_OK
    if arguments.command == "check":
        problems = build.check_project()
        for problem in problems:
            print(f"- {problem}")
        print("check: all good" if not problems else f"check: {len(problems)} problem(s)")
        return EXIT_OK if not problems else EXIT_FAILURE
    raise AssertionError(arguments.command)


if __name__ == "__main__":  # python -m helpers.book.cli, as the tests run it
    sys.exit(main())
