"""``make bench``: speed and memory of the book, written to ``bench/results.csv`` and printed as a table.

Measured (each figure the median of ``--repeats`` runs, in a scratch copy of the book's sources):

* the whole book: clean build (no cache) with peak memory, rebuild with nothing changed, and rebuild after
  one chapter's text changed, for each chapter in turn (one row per chapter; the slowest is the bound);
* each chapter executed with ``spinebook run`` on its synthetic data at 1x, 10x and 100x the paper's size;
* the book's propensity-score matching against the PyPI package ``psmpy`` on the same 5,000 patients
  (time and the largest absolute SMD after matching);
* the DeLong AUC interval against 2,000 bootstrap resamples on the same data;
* ``spinebook pool``'s reading, checking and pooling of 200 site summaries, every declared quantity (target < 2 s).
* when ``Rscript`` is on the path, the helpers against R on the same data at the issue's sizes and one
  tenth (:func:`bench_versus_r`): 1:1 matching (the greedy rule written in R, as Debian's MatchIt 4.5.1
  ignores calipers), AUC with DeLong's interval (pROC), Cox PH with Efron ties (survival::coxph),
  Kaplan-Meier by group and the log-rank test (survfit, survdiff), a linear mixed model with random
  intercept and slope by REML (lme4::lmer); R is timed after its packages and the data are loaded, the
  helpers after import, each the median of ``--repeats`` runs;
* the import time of each chapter kernel (the imports of its notebook's cells, in a fresh interpreter).

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
from typing import Any

import numpy as np
import pandas as pd

from helpers.book.build import copy_sources
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


def bench_chapters(root: Path, repeats: int, factors: tuple[int, ...], echo,
                   only: tuple[str, ...] | None = None) -> list[dict]:
    """Each chapter (or those in ``only``) run on synthetic data at several multiples of the paper's size."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="spinebook-bench-") as scratch:
        copy = copy_sources(root, Path(scratch) / "book")
        env = {**os.environ, "SPINEBOOK_ROOT": str(copy)}
        for chapter in registry.CHAPTERS.values():
            if only is not None and chapter.id not in only:
                continue
            for factor in factors:
                n = chapter.paper_n * factor
                data = Path(scratch) / f"{chapter.id}-{factor}x.csv"
                from helpers.validation.files import write_csv

                write_csv(chapter.module("simulate").simulate(n=n), data)  # every generator takes n
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
R_MATCHING = r"""
d <- read.csv(commandArgs(TRUE)[1])
run <- function() {
  model <- glm(treat ~ age + bmi + sex + duration, family = binomial, data = d)
  logit <- predict(model)                              # linear predictor: the logit of the score
  width <- 0.2 * sd(logit)
  treated <- which(d$treat == 1); controls <- which(d$treat == 0)
  treated <- treated[order(-logit[treated])]           # MatchIt's m.order = "largest", ties in data order
  controls <- controls[order(logit[controls])]
  x <- logit[controls]; m <- length(x)
  left <- seq_len(m); right <- seq_len(m)              # left[k] == k: control k unused; else skip left
  pairs <- 0L
  for (t in treated) {
    k <- findInterval(logit[t], x)
    a <- k; while (a >= 1L && left[a] != a) a <- left[a]          # nearest unused at or left of k
    b <- k + 1L; while (b <= m && right[b] != b) b <- right[b]    # nearest unused right of k
    i <- k; while (i >= 1L && left[i] != i) { nx <- left[i]; left[i] <- a; i <- nx }        # path compression
    i <- k + 1L; while (i <= m && right[i] != i) { nx <- right[i]; right[i] <- b; i <- nx }
    da <- if (a >= 1L) abs(logit[t] - x[a]) else Inf
    db <- if (b <= m) abs(logit[t] - x[b]) else Inf
    j <- if (da <= db) a else b
    if (min(da, db) <= width) {
      pairs <- pairs + 1L
      left[j] <- j - 1L; right[j] <- j + 1L
    }
  }
  pairs
}
"""

R_SCRIPTS = {
    "matching": ("", R_MATCHING),
    "auc_delong": ("suppressMessages(library(pROC))", r"""
d <- read.csv(commandArgs(TRUE)[1])
run <- function() ci.auc(roc(d$y, d$x, levels = c(0, 1), direction = "<", quiet = TRUE), method = "delong")
"""),
    "cox": ("library(survival)", r"""
d <- read.csv(commandArgs(TRUE)[1])
run <- function() coxph(Surv(months, dead) ~ age + female + score + group, data = d)
"""),
    "kaplan_meier_logrank": ("library(survival)", r"""
d <- read.csv(commandArgs(TRUE)[1])
run <- function() list(summary(survfit(Surv(months, dead) ~ group, data = d))$table,
                       survdiff(Surv(months, dead) ~ group, data = d))
"""),
    "lmer": ("suppressMessages(library(lme4))", r"""
d <- read.csv(commandArgs(TRUE)[1])
run <- function() lmer(score ~ visit * exposed + (visit | id), data = d)
"""),
}
"""Per method: the packages to load and R code defining ``d`` (the data) and ``run()`` (what is timed)."""

R_TIMER = r"""
invisible(run())  # not timed: warms up lazily loaded code, as the helpers are timed after import
times <- replicate(as.integer(commandArgs(TRUE)[2]), system.time(run())[["elapsed"]])
cat(sprintf("%.6f", median(times)), "\n")
"""


def registry_cohort(n: int, seed: int = 16) -> pd.DataFrame:
    """Simulated registry: whole months of follow-up (80 distinct times, so many ties), about half with an event;
    the R cross-checks at scale (tests/simulated_registry.py) and the R benchmarks read the same rows."""
    rng = np.random.default_rng(seed)
    age = rng.normal(65, 10, n).round(0)
    female = rng.integers(0, 2, n)
    score = rng.normal(0, 1, n).round(2)
    group = rng.integers(0, 3, n)
    rate = 0.02 * np.exp(0.03 * (age - 65) - 0.4 * female + 0.25 * score + 0.2 * group)
    event_time = rng.exponential(1 / rate)
    censor_time = rng.uniform(0, 80, n)
    return pd.DataFrame({"months": np.ceil(np.minimum(event_time, censor_time)),
                         "dead": (event_time <= censor_time).astype(int),
                         "age": age, "female": female, "score": score, "group": group})


def _visits(patients: int, seed: int = 16) -> pd.DataFrame:
    """Five visits per patient, random intercept and slope, an exposure modifying the slope."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(patients), 5)
    visit = np.tile(np.arange(5.0), patients)
    exposed = rng.integers(0, 2, patients)[ids]
    outcome = (20 + 1.5 * visit - 2 * exposed + 0.5 * exposed * visit + rng.normal(0, 3, patients)[ids]
               + rng.normal(0, 1, patients)[ids] * visit + rng.normal(0, 2, len(ids)))
    return pd.DataFrame({"id": ids, "visit": visit, "exposed": exposed, "score": outcome})


def _versus_r_cases() -> list[tuple[str, str, int, Any, Any]]:
    """(method, label, size, data builder, helpers call) at the issue's sizes and one tenth."""
    from helpers.stats.cox import cox_model
    from helpers.stats.matching import match_on_propensity
    from helpers.stats.mixed_models import fit_mixed_model
    from helpers.stats.roc import roc_auc
    from helpers.stats.survival import kaplan_meier, logrank

    def auc_data(n: int) -> pd.DataFrame:
        rng = np.random.default_rng(7)
        outcome = rng.integers(0, 2, n)
        return pd.DataFrame({"y": outcome, "x": rng.normal(outcome * 0.8, 1.0).round(6)})

    cases = []
    for n in (50_000, 5_000):
        cases.append(("matching", "1:1 greedy matching on the logit, caliper 0.2 SD, largest score first",
                      n, lambda n=n: _confounded_cohort(n, np.random.default_rng(20261121)),
                      lambda d: match_on_propensity(d, treatment="treat", covariates=["age", "bmi", "sex", "duration"],
                                                    caliper=0.2, caliper_scale="logit", order="largest",
                                                    smd_threshold=np.inf)))
    for n in (1_000_000, 100_000):
        cases.append(("auc_delong", "AUC with DeLong's interval (pROC ci.auc)", n, lambda n=n: auc_data(n),
                      lambda d: roc_auc(d, outcome="y", predictor="x")))
    for n in (100_000, 10_000):
        cases.append(("cox", "Cox PH, Efron ties, 4 covariates (survival::coxph)", n, lambda n=n: registry_cohort(n),
                      lambda d: cox_model(d, time="months", event="dead",
                                          covariates=["age", "female", "score", "group"])))
        cases.append(("kaplan_meier_logrank", "Kaplan-Meier by 3 groups + log-rank (survfit, survdiff)", n,
                      lambda n=n: registry_cohort(n),
                      lambda d: (kaplan_meier(d, time="months", event="dead", group="group"),
                                 logrank(d, time="months", event="dead", group="group"))))
    for patients in (15_000, 1_500):
        cases.append(("lmer", "linear mixed model, random intercept + slope, REML (lme4::lmer)", patients,
                      lambda patients=patients: _visits(patients),
                      lambda d: fit_mixed_model(d, formula="score ~ visit * exposed", group="id",
                                                re_formula="~visit")))
    return cases


def bench_versus_r(repeats: int, echo) -> list[dict]:
    """Each method on the same CSV in the helpers and in R: helpers seconds, R seconds and R / helpers."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="spinebook-bench-r-") as scratch:
        for method, label, n, make, call in _versus_r_cases():
            data = make()
            path = Path(scratch) / f"{method}-{n}.csv"
            data.to_csv(path, index=False)
            data = pd.read_csv(path)  # the helpers read the very values R reads
            size = f"{n} patients" + (" x 5 visits" if method == "lmer" else "")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call(data)  # not timed, as R's first run
                ours = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    call(data)
                    ours.append((time.perf_counter() - started, 0.0))
            packages, code = R_SCRIPTS[method]
            script = Path(scratch) / f"{method}.R"
            script.write_text(f"{packages}\n{code}\n{R_TIMER}", encoding="utf-8")
            finished = subprocess.run(["Rscript", str(script), str(path), str(repeats)], capture_output=True,
                                      text=True, check=False)
            if finished.returncode != 0:
                raise RuntimeError(f"R failed on {method} ({n}):\n{finished.stderr[-2000:]}")
            r_seconds = float(finished.stdout.split()[-1])
            helpers_seconds = statistics.median(r[0] for r in ours)
            ratio = r_seconds / helpers_seconds
            echo(f"  {method:<22} {size:<26} helpers {helpers_seconds:7.3f} s   R {r_seconds:7.3f} s   "
                 f"R / helpers {ratio:5.2f}")
            rows += [
                _median_row(f"vs_r_{method}_helpers", ours, size=size, detail=label),
                {"benchmark": f"vs_r_{method}_r", "chapter": "", "size": size, "seconds": r_seconds,
                 "peak_memory_mb": np.nan, "runs": repeats, "detail": f"R {label}; median of {repeats} after loading"},
                {"benchmark": f"vs_r_{method}_ratio", "chapter": "", "size": size, "seconds": ratio,
                 "peak_memory_mb": np.nan, "runs": repeats, "detail": "R time / helpers time (a ratio, not seconds)"},
            ]
    return rows


def kernel_imports(notebook_text: str) -> str:
    """The import statements of a chapter notebook's code cells (top level), as one script."""
    import ast

    import jupytext

    statements = []
    for cell in jupytext.reads(notebook_text, fmt="md:myst").cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        statements += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(statements)


def bench_imports(root: Path, repeats: int, echo) -> list[dict]:
    """Wall time of a fresh interpreter running the imports of each chapter's notebook (a kernel's start)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="spinebook-bench-") as scratch:
        empty = [measure([sys.executable, "-c", "pass"], cwd=Path(scratch)) for _ in range(repeats)]
        for chapter in registry.CHAPTERS.values():
            script = Path(scratch) / f"{chapter.id}.py"
            script.write_text(kernel_imports((root / "notebooks" / f"{chapter.notebook}.md").read_text(encoding="utf-8")),
                              encoding="utf-8")
            results = [measure([sys.executable, str(script)], cwd=Path(scratch)) for _ in range(repeats)]
            row = _median_row("kernel_imports", results, chapter=chapter.id,
                              detail=f"python running the notebook's imports; bare interpreter "
                                     f"{statistics.median(r[0] for r in empty):.2f} s")
            echo(f"  {chapter.id}: {row['seconds']:.2f} s")
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100], help="multiples of the paper's size")
    parts = ["build", "chapters", "matching", "delong", "pool", "r", "imports"]
    parser.add_argument("--only", nargs="+", choices=parts, default=parts, help="the parts to measure (default: all)")
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
        echo("paraspinal-imf at 1000x (one run)")
        rows += bench_chapters(root, 1, (1000,), echo, only=("paraspinal-imf",))
    if "matching" in arguments.only:
        echo("Matching: helpers.stats.matching vs psmpy")
        rows += bench_matching(5000, arguments.repeats, max(1, min(arguments.repeats, 3)), echo)
    if "delong" in arguments.only:
        echo("AUC interval: DeLong vs bootstrap")
        rows += bench_delong(10_500, 2000, arguments.repeats, echo)
    if "pool" in arguments.only:
        echo("Pooling site summaries")
        rows += bench_pool(200, arguments.repeats, echo)
    if "r" in arguments.only:
        if shutil.which("Rscript") is None:
            echo("Rscript not found: the comparison with R is skipped")
        else:
            echo("The helpers against R, same data (R timed after loading, helpers after import)")
            rows += bench_versus_r(arguments.repeats, echo)
    if "imports" in arguments.only:
        echo("Import time of each chapter kernel")
        rows += bench_imports(root, arguments.repeats, echo)
    table = pd.DataFrame(rows, columns=COLUMNS)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
