"""``make bench``: speed and memory of the book, written to ``bench/results.csv`` and printed as a table.

Measured (each figure the median of ``--repeats`` runs, in a scratch copy of the book's sources):

* the whole book: clean build (no cache) with peak memory, rebuild with nothing changed, and rebuild after
  one chapter's text changed, for each chapter in turn (one row per chapter; the slowest is the bound);
* each chapter executed with ``spinebook run`` on its synthetic data at 1x, 10x and 100x the paper's size;
* the book's propensity-score matching against the PyPI package ``psmpy`` on the same 5,000 patients
  (time and the largest absolute SMD after matching);
* the DeLong AUC interval against 2,000 bootstrap resamples on the same data;
* ``spinebook pool``'s reading, checking and pooling of 200 site summaries, every declared quantity (target < 2 s).

Peak memory is the largest total resident memory of the measured process and all its children
(sampled every 50 ms with psutil).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.chapters import registry

COLUMNS = ["benchmark", "chapter", "size", "seconds", "peak_memory_mb", "runs", "detail"]


def measure(command: list[str], *, cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak MB of the process tree). Raises on a non-zero exit."""
    import psutil

    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            parent = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            try:
                total = parent.memory_info().rss + sum(
                    child.memory_info().rss for child in parent.children(recursive=True))
                peak = max(peak, total)
            except psutil.Error:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    return seconds, peak / 2**20


def _median_row(benchmark: str, results: list[tuple[float, float]], *, chapter: str = "", size: str = "",
                detail: str = "") -> dict:
    return {"benchmark": benchmark, "chapter": chapter, "size": size,
            "seconds": statistics.median(r[0] for r in results),
            "peak_memory_mb": max(r[1] for r in results), "runs": len(results), "detail": detail}


def copy_sources(root: Path, target: Path) -> Path:
    """A scratch copy of the book's sources (no outputs, caches or runs)."""
    target.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "requirements.lock"):
        shutil.copy2(root / name, target / name)
    for folder in ("book", "notebooks", "data"):
        shutil.copytree(root / folder, target / folder, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    return target


def _spinebook(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "helpers.book.cli", *arguments]


def bench_build(root: Path, repeats: int, echo) -> list[dict]:
    """Clean build, no-change rebuild and one-changed-chapter rebuild of the whole book."""
    import jupytext

    rows = []
    with tempfile.TemporaryDirectory(prefix="spinebook-bench-") as scratch:
        clean, unchanged = [], []
        changed: dict[str, list] = {chapter_id: [] for chapter_id in registry.CHAPTERS}
        for attempt in range(repeats):
            copy = copy_sources(root, Path(scratch) / f"book-{attempt}")
            env = {**os.environ, "SPINEBOOK_ROOT": str(copy)}
            clean.append(measure(_spinebook("build", "--force"), cwd=copy, env=env))
            echo(f"  clean build {attempt + 1}/{repeats}: {clean[-1][0]:.1f} s, {clean[-1][1]:.0f} MB")
            unchanged.append(measure(_spinebook("build"), cwd=copy, env=env))
            echo(f"  no-change rebuild {unchanged[-1][0]:.1f} s")
            for chapter in registry.CHAPTERS.values():  # each chapter in turn: the slowest one is the bound
                text = copy / "notebooks" / f"{chapter.notebook}.md"
                text.write_text(text.read_text() + f"\nBenchmark edit {attempt}: one more sentence.\n")
                jupytext.write(jupytext.read(text), copy / "notebooks" / f"{chapter.notebook}.ipynb")
                changed[chapter.id].append(measure(_spinebook("build"), cwd=copy, env=env))
                echo(f"  {chapter.id} changed: {changed[chapter.id][-1][0]:.1f} s")
        rows.append(_median_row("build_clean", clean, detail="spinebook build --force, every chapter executed"))
        rows.append(_median_row("build_no_change", unchanged, detail="spinebook build, nothing changed"))
        for chapter_id, results in changed.items():
            rows.append(_median_row("build_one_chapter_changed", results, chapter=chapter_id,
                                    detail="this chapter's text changed: it alone re-executed, site rebuilt"))
    return rows


def bench_chapters(root: Path, repeats: int, factors: tuple[int, ...], echo) -> list[dict]:
    """Each chapter run on synthetic data at several multiples of the paper's size."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="spinebook-bench-") as scratch:
        copy = copy_sources(root, Path(scratch) / "book")
        env = {**os.environ, "SPINEBOOK_ROOT": str(copy)}
        for chapter in registry.CHAPTERS.values():
            for factor in factors:
                n = chapter.paper_n * factor
                data = Path(scratch) / f"{chapter.id}-{factor}x.csv"
                from helpers.validation.files import write_csv

                write_csv(chapter.generate(n=n), data)
                results = []
                for attempt in range(repeats):
                    out = Path(scratch) / "runs" / f"{chapter.id}-{factor}x-{attempt}"
                    results.append(measure(_spinebook("run", chapter.id, "--data", str(data), "--out", str(out)),
                                           cwd=copy, env=env))
                row = _median_row("chapter_run", results, chapter=chapter.id, size=f"{factor}x ({n} patients)",
                                  detail="spinebook run on synthetic data, including kernel start and HTML report")
                echo(f"  {chapter.id} {factor}x: {row['seconds']:.1f} s, {row['peak_memory_mb']:.0f} MB")
                rows.append(row)
    return rows


def _confounded_cohort(n: int, rng: np.random.Generator) -> pd.DataFrame:
    age = rng.normal(60, 10, n)
    bmi = rng.normal(27, 4, n)
    sex = rng.integers(0, 2, n)
    duration = rng.gamma(2.0, 6.0, n)
    linear = -0.4 + 0.04 * (age - 60) + 0.08 * (bmi - 27) + 0.3 * sex + 0.03 * (duration - 12)
    treated = (rng.random(n) < 1 / (1 + np.exp(-linear))).astype(int)
    return pd.DataFrame({"id": np.arange(n), "treat": treated, "age": age, "bmi": bmi, "sex": sex,
                         "duration": duration})


def bench_matching(n: int, repeats: int, psmpy_repeats: int, echo) -> list[dict]:
    """The book's matching against psmpy on the same patients: time and balance (max |SMD| after)."""
    from helpers.stats.balance import balance_table
    from helpers.stats.matching import match_on_propensity

    cohort = _confounded_cohort(n, np.random.default_rng(20261121))
    covariates = ["age", "bmi", "sex", "duration"]

    def max_smd(matched: pd.DataFrame) -> float:
        table = balance_table(matched, treatment="treat", covariates=covariates, denominator="pooled")
        column = next(c for c in table.columns if c.lower() in ("smd", "standardized_mean_difference"))
        return float(table[column].abs().max())

    ours, result = [], None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            started = time.perf_counter()
            result = match_on_propensity(cohort, treatment="treat", covariates=covariates, caliper=0.2,
                                         caliper_scale="logit", order="closest")
            ours.append((time.perf_counter() - started, 0.0))
    ours_smd = max_smd(result.matched[["treat", *covariates]])
    echo(f"  helpers.stats.matching: {statistics.median(r[0] for r in ours):.3f} s, {result.n_pairs} pairs, "
         f"max |SMD| {ours_smd:.3f}")
    from psmpy import PsmPy

    theirs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(psmpy_repeats):
            started = time.perf_counter()
            model = PsmPy(cohort, treatment="treat", indx="id", exclude=[])
            model.logistic_ps(balance=False)
            model.kdtree_matched(matcher="propensity_logit", replacement=False, caliper=result.caliper_width,
                                 drop_unmatched=True)
            theirs.append((time.perf_counter() - started, 0.0))
    theirs_pairs = len(model.df_matched) // 2
    theirs_smd = max_smd(model.df_matched[["treat", *covariates]])
    echo(f"  psmpy: {statistics.median(r[0] for r in theirs):.1f} s, {theirs_pairs} pairs, max |SMD| {theirs_smd:.3f}")
    speedup = statistics.median(r[0] for r in theirs) / statistics.median(r[0] for r in ours)
    setting = f"1:1 nearest neighbour on the logit, caliper {result.caliper_width:.4f} (0.2 SD of the logit)"
    return [
        _median_row("matching_helpers", ours, size=f"{n} patients",
                    detail=f"{setting}, closest pairs first; {result.n_pairs} pairs, max |SMD| after {ours_smd:.4f}"),
        _median_row("matching_psmpy", theirs, size=f"{n} patients",
                    detail=f"psmpy kdtree_matched, {setting}; {theirs_pairs} pairs, max |SMD| after {theirs_smd:.4f}"),
        {"benchmark": "matching_speedup", "chapter": "", "size": f"{n} patients", "seconds": speedup,
         "peak_memory_mb": np.nan, "runs": min(repeats, psmpy_repeats),
         "detail": "psmpy time / helpers.stats.matching time (a ratio, not seconds)"},
    ]


def bench_delong(n: int, resamples: int, repeats: int, echo) -> list[dict]:
    """DeLong AUC interval against a percentile bootstrap of the AUC on the same data."""
    from sklearn.metrics import roc_auc_score

    from helpers.stats.roc import roc_auc

    rng = np.random.default_rng(7)
    outcome = rng.integers(0, 2, n)
    frame = pd.DataFrame({"y": outcome, "x": rng.normal(outcome * 0.8, 1.0)})
    delong, boot = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        roc_auc(frame, outcome="y", predictor="x")
        delong.append((time.perf_counter() - started, 0.0))
        started = time.perf_counter()
        draws = np.random.default_rng(8).integers(0, n, size=(resamples, n))
        [roc_auc_score(frame["y"].to_numpy()[i], frame["x"].to_numpy()[i]) for i in draws]
        boot.append((time.perf_counter() - started, 0.0))
    ratio = statistics.median(r[0] for r in boot) / statistics.median(r[0] for r in delong)
    echo(f"  DeLong {statistics.median(r[0] for r in delong):.4f} s vs bootstrap {statistics.median(r[0] for r in boot):.1f} s")
    return [
        _median_row("auc_ci_delong", delong, size=f"{n} patients", detail="helpers.stats.roc.roc_auc (Sun & Xu)"),
        _median_row("auc_ci_bootstrap", boot, size=f"{n} patients", detail=f"{resamples} resamples, scikit-learn AUC"),
        {"benchmark": "auc_ci_speedup", "chapter": "", "size": f"{n} patients", "seconds": ratio,
         "peak_memory_mb": np.nan, "runs": repeats, "detail": "bootstrap time / DeLong time (a ratio, not seconds)"},
    ]


def pool_benchmark_summaries(results: pd.DataFrame, n_sites: int, seed: int = 15) -> list[dict]:
    """``n_sites`` mscc-separation site summaries: one site's results (e.g. from
    :func:`helpers.chapters.multi_site.analysis.site_results`) with each quantity's estimate drawn around its
    value, and every declared quantity filled (a quantity the results lack gets a drawn estimate and SE)."""
    from helpers.book.pool import summary_from_results

    rng = np.random.default_rng(seed)
    parameters = {"level": 0.95, "cox_covariates": "bilsky_3,age,radiotherapy"}
    template = summary_from_results("mscc-separation", results, site="S0", parameters=parameters)
    summaries = []
    for index in range(n_sites):
        summary = json.loads(json.dumps(template))
        summary["site"] = f"S{index}"
        for entry in summary["quantities"].values():
            se = entry["standard_error"] or float(rng.uniform(0.1, 0.6))
            entry["standard_error"] = se * float(rng.uniform(0.7, 2.0))
            entry["estimate"] = (entry["estimate"] or 0.0) + float(rng.normal(0, 0.3 + se))
        summaries.append(summary)
    return summaries


def bench_pool(n_sites: int, repeats: int, echo) -> list[dict]:
    """``spinebook pool``'s reading, checking and pooling (FE, DL, REML for every quantity) of many site summaries
    (the HTML report's figures are not timed)."""
    from helpers.book.pool import pool_summaries, read_summaries
    from helpers.chapters.multi_site.analysis import site_results
    from helpers.chapters.multi_site.simulate import simulate

    cohort = simulate()
    results = site_results(cohort[cohort["site"] == "Alpha"], covariates=["bilsky_3", "age", "radiotherapy"])
    timings = []
    with tempfile.TemporaryDirectory(prefix="spinebook-bench-pool-") as scratch:
        paths = []
        for summary in pool_benchmark_summaries(results, n_sites):
            path = Path(scratch) / f"{summary['site']}.json"
            path.write_text(json.dumps(summary), encoding="utf-8")
            paths.append(path)
        for _ in range(repeats):
            started = time.perf_counter()
            pool_summaries("mscc-separation", read_summaries("mscc-separation", paths))
            timings.append((time.perf_counter() - started, 0.0))
    row = _median_row("pool_site_summaries", timings, chapter="mscc-separation", size=f"{n_sites} sites",
                      detail="read, check and pool (FE, DL, REML) every declared quantity; target < 2 s")
    echo(f"  pooling {n_sites} site summaries: {row['seconds']:.2f} s")
    return [row]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100], help="multiples of the paper's size")
    parser.add_argument("--only", nargs="+", choices=["build", "chapters", "matching", "delong", "pool"],
                        default=["build", "chapters", "matching", "delong", "pool"])
    parser.add_argument("--out", type=Path, default=None, help="results file (default: bench/results.csv)")
    arguments = parser.parse_args(argv)
    root = registry.project_root()
    out = arguments.out or root / "bench" / "results.csv"
    echo = lambda message: print(message, flush=True)  # noqa: E731
    rows: list[dict] = []
    if "build" in arguments.only:
        echo("Whole-book builds")
        rows += bench_build(root, arguments.repeats, echo)
    if "chapters" in arguments.only:
        echo("Chapters on synthetic data")
        rows += bench_chapters(root, arguments.repeats, tuple(arguments.factors), echo)
    if "matching" in arguments.only:
        echo("Matching: helpers.stats.matching vs psmpy")
        rows += bench_matching(5000, arguments.repeats, max(1, min(arguments.repeats, 3)), echo)
    if "delong" in arguments.only:
        echo("AUC interval: DeLong vs bootstrap")
        rows += bench_delong(10_500, 2000, arguments.repeats, echo)
    if "pool" in arguments.only:
        echo("Pooling site summaries")
        rows += bench_pool(200, arguments.repeats, echo)
    table = pd.DataFrame(rows, columns=COLUMNS)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
