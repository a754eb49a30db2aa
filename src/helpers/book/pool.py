"""Multi-centre studies: a site's shareable summary, and pooling the summaries of several sites.

* ``spinebook run CHAPTER --data FILE --site NAME [--suppress-small-cells K]`` also writes
  ``site-summary.json`` (:func:`write_site_summary`): for each quantity the chapter declares poolable (its
  ``pooling.py``), the estimate on its analysis scale, its standard error, n and events; the chapter, its shared
  parameters, the schema version, package versions and the site's diagnostics. Built from the run's
  ``results.csv`` only: no patient row, no identifier, and with K no count from 1 to K - 1.
* ``spinebook pool CHAPTER SUMMARY... --out DIR`` (:func:`pool_to_folder`) checks that the summaries belong
  together and hold nothing else (exit 2, naming the file and the problem, nothing written), pools each
  quantity (:func:`helpers.stats.meta_analysis.meta_analysis`: fixed effect, DerSimonian-Laird, REML, optionally
  Hartung-Knapp) and writes ``results.csv``, ``provenance.json`` and ``report.html`` (a forest plot per
  quantity).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from helpers.chapters import registry
from helpers.chapters.common import SITE_SUMMARY_FORMAT, git_commit, package_versions, schema_version, site_summary
from helpers.stats.meta_analysis import meta_analysis
from helpers.validation.errors import InputError
from helpers.validation.files import sha256_of
from helpers.validation.results import RESULT_COLUMNS, results_frame

SUMMARY_FILE = "site-summary.json"
SUMMARY_KEYS = {"format", "chapter", "site", "parameters", "level", "small_cell_threshold", "schema_version",
                "packages", "quantities", "diagnostics"}
QUANTITY_KEYS = {"label", "scale", "se_from", "estimate", "standard_error", "n", "events"}
MAX_LIST_LENGTH = 10
"""The longest list a summary may hold (a parameter such as a covariate list); a longer one is refused as
possibly patient-level."""
POOLING_METHODS = ("FE", "DL", "REML")


def pooling_declaration(chapter_id: str) -> tuple[tuple, tuple]:
    """The chapter's ``pooling.POOLABLE`` and ``pooling.DIAGNOSTICS``; InputError if it declares none."""
    chapter = registry.get_chapter(chapter_id)
    try:
        module = chapter.module("pooling")
    except ModuleNotFoundError:
        raise InputError(f"chapter {chapter.id} declares no poolable quantities (no pooling.py in its folder); "
                         "--site and pool work for: " + ", ".join(poolable_chapters()) + ".") from None
    return tuple(module.POOLABLE), tuple(getattr(module, "DIAGNOSTICS", ()))


def poolable_chapters() -> list[str]:
    """The chapters with a pooling declaration."""
    found = []
    for chapter in registry.CHAPTERS.values():
        try:
            chapter.module("pooling")
        except ModuleNotFoundError:
            continue
        found.append(chapter.id)
    return found


def check_site_name(site: str) -> str:
    """A site name: 1-40 letters, digits, '-', '_' or spaces (it appears in other sites' reports)."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,39}", site or ""):
        raise InputError(f"--site '{site}': use 1-40 letters, digits, spaces, '-' or '_' (a hospital's short "
                         "name, not a patient's).")
    return site


def summary_from_results(chapter_id: str, results: pd.DataFrame, *, site: str, parameters: dict,
                         small_cell_threshold: int = 0) -> dict[str, Any]:
    """The site summary of one run's tidy results (what ``--site`` writes), in memory."""
    chapter = registry.get_chapter(chapter_id)
    poolable, diagnostics = pooling_declaration(chapter.id)
    return site_summary(results, chapter=chapter.id, site=check_site_name(site), parameters=parameters,
                        poolable=poolable, diagnostics=diagnostics, schema=chapter.schema,
                        small_cell_threshold=small_cell_threshold)


def write_site_summary(chapter_id: str, run_folder: Path, *, site: str) -> Path:
    """Write ``site-summary.json`` into a run folder from its ``results.csv`` and ``provenance.json``."""
    run_folder = Path(run_folder)
    provenance = json.loads((run_folder / "provenance.json").read_text(encoding="utf-8"))
    results = pd.read_csv(run_folder / "results.csv", keep_default_na=True)
    parameters = dict(provenance.get("parameters") or {})
    threshold = int(parameters.get("suppress_small_cells") or 0)
    summary = summary_from_results(chapter_id, results, site=site, parameters=parameters,
                                   small_cell_threshold=threshold)
    path = run_folder / SUMMARY_FILE
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ checks

def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _walk_lists(value: Any, where: str) -> Iterable[str]:
    if isinstance(value, list):
        if len(value) > MAX_LIST_LENGTH:
            yield f"'{where}' holds a list of {len(value)} values (more than {MAX_LIST_LENGTH}: patient-level data?)"
        for index, item in enumerate(value):
            yield from _walk_lists(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_lists(item, f"{where}.{key}")


def summary_problems(summary: Any, chapter_id: str) -> list[str]:
    """What is wrong with one summary on its own (empty when it may be pooled)."""
    if not isinstance(summary, dict):
        return ["not a site summary (expected a JSON object)"]
    problems = [f"key '{key}' is not in the site-summary schema (only aggregates may be shared)"
                for key in sorted(set(summary) - SUMMARY_KEYS)]
    problems += [f"key '{key}' is missing" for key in sorted(SUMMARY_KEYS - set(summary))]
    problems += list(_walk_lists(summary, "summary"))
    if SUMMARY_KEYS - set(summary):
        return problems
    if summary["format"] != SITE_SUMMARY_FORMAT:
        problems.append(f"format '{summary['format']}', expected '{SITE_SUMMARY_FORMAT}'")
    if summary["chapter"] != chapter_id:
        problems.append(f"chapter '{summary['chapter']}', not '{chapter_id}'")
        return problems
    poolable, diagnostics = pooling_declaration(chapter_id)
    names = {item.name for item in poolable}
    threshold = summary["small_cell_threshold"] or 0
    if not isinstance(summary["quantities"], dict) or not isinstance(summary["diagnostics"], dict):
        return problems + ["'quantities' and 'diagnostics' must be objects"]
    for name, entry in summary["quantities"].items():
        if name not in names:
            problems.append(f"quantity '{name}' is not declared poolable by chapter {chapter_id}")
            continue
        if not isinstance(entry, dict):
            problems.append(f"quantity '{name}' is not an object")
            continue
        problems += [f"quantity '{name}': key '{key}' is not in the site-summary schema"
                     for key in sorted(set(entry) - QUANTITY_KEYS)]
        problems += [f"quantity '{name}': '{key}' is not a single value" for key, value in entry.items()
                     if not _is_scalar(value)]
        for key in ("n", "events"):
            value = entry.get(key)
            if threshold > 1 and isinstance(value, (int, float)) and 1 <= value < threshold:
                problems.append(f"quantity '{name}': {key} = {value} is below the site's small-cell threshold "
                                f"{threshold}")
    declared = {item.name: item for item in diagnostics}
    for name, value in summary["diagnostics"].items():
        if name not in declared:
            problems.append(f"diagnostic '{name}' is not declared by chapter {chapter_id}")
        elif not _is_scalar(value):
            problems.append(f"diagnostic '{name}' is not a single value")
        elif (declared[name].count and threshold > 1 and isinstance(value, (int, float))
              and 1 <= value < threshold):
            problems.append(f"diagnostic '{name}' = {value} is below the site's small-cell threshold {threshold}")
    for key in ("parameters", "packages"):
        if not isinstance(summary[key], dict):
            problems.append(f"'{key}' must be an object")
            continue
        problems += [f"{key}: '{name}' is not a single value or a short list" for name, value in summary[key].items()
                     if not (_is_scalar(value) or (isinstance(value, list) and all(map(_is_scalar, value))))]
    return problems


def _release(versions: dict) -> str | None:
    version = (versions or {}).get("spine-mri-outcomes")
    return ".".join(str(version).split(".")[:2]) if version else None


def read_summaries(chapter_id: str, paths: Sequence[Path]) -> list[dict]:
    """Read and check site summaries: each on its own (:func:`summary_problems`) and together (same
    parameters, level, schema version and book release; no duplicate site). InputError lists every problem,
    each with its file."""
    registry.get_chapter(chapter_id)
    problems, summaries = [], []
    for path in map(Path, paths):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{path}: not a readable JSON site summary ({error})")
            continue
        problems += [f"{path}: {problem}" for problem in summary_problems(summary, chapter_id)]
        summaries.append((path, summary))
    if problems:
        raise InputError("site summaries refused, nothing written:\n  " + "\n  ".join(problems))
    if not summaries:
        raise InputError("no site summaries given.")
    first_path, first = summaries[0]
    expected_schema = schema_version(registry.get_chapter(chapter_id).schema)
    seen: dict[str, Path] = {}
    for path, summary in summaries:
        if summary["site"] in seen:
            problems.append(f"{path}: duplicate site '{summary['site']}' (also in {seen[summary['site']]})")
        seen.setdefault(summary["site"], path)
        if summary["parameters"] != first["parameters"]:
            differing = sorted(name for name in set(summary["parameters"]) | set(first["parameters"])
                               if summary["parameters"].get(name) != first["parameters"].get(name))
            values = "; ".join(f"{name} = {summary['parameters'].get(name)!r} here, "
                               f"{first['parameters'].get(name)!r} there" for name in differing)
            problems.append(f"{path}: parameter(s) {', '.join(differing)} differ from {first_path} ({values})")
        if summary["schema_version"] != expected_schema:
            problems.append(f"{path}: schema version {summary['schema_version']} differs from this book's "
                            f"{expected_schema} for {chapter_id}")
        if _release(summary["packages"]) != _release(first["packages"]):
            problems.append(f"{path}: made with spine-mri-outcomes {_release(summary['packages'])}, {first_path} "
                            f"with {_release(first['packages'])}")
    if problems:
        raise InputError("site summaries refused, nothing written:\n  " + "\n  ".join(problems))
    return [summary for _, summary in summaries]


# ------------------------------------------------------------------------------------------ pooling

def pool_summaries(chapter_id: str, summaries: Sequence[dict], *, knha: bool = False) -> tuple[pd.DataFrame, dict]:
    """Pool each declared quantity over the sites that estimated it.

    Returns the pooled ``results.csv`` rows (per quantity: one row per site, ``fixed_effect``,
    ``random_effects_DL`` and ``random_effects_REML`` with their CI and p, ``tau2_*``, ``i2_*``, ``q`` (p of
    Cochran's Q) and ``prediction_interval_*``; estimates on the analysis scale) and, per quantity, the
    :class:`helpers.stats.meta_analysis.MetaAnalysis` results and the site table for the forest plot.
    """
    poolable, _ = pooling_declaration(chapter_id)
    level = float(summaries[0]["level"])
    rows: list[dict] = []
    details: dict[str, dict] = {}
    test = "Hartung-Knapp t test and CI" if knha else "Wald z test and CI"
    for item in poolable:
        entries = [(summary["site"], summary["quantities"].get(item.name) or {}) for summary in summaries]
        usable = [(site, entry) for site, entry in entries
                  if entry.get("estimate") is not None and entry.get("standard_error") is not None]
        skipped = [site for site, entry in entries if (site, entry) not in usable]
        if not usable:
            details[item.name] = {"label": item.label, "scale": item.scale, "fits": {}, "sites": pd.DataFrame(),
                                  "skipped": skipped}
            continue
        estimates = [entry["estimate"] for _, entry in usable]
        errors = [entry["standard_error"] for _, entry in usable]
        total_n = sum(entry.get("n") or 0 for _, entry in usable) or None
        fits = {method: meta_analysis(estimates, errors, method=method, knha=knha and method != "FE", level=level)
                for method in POOLING_METHODS}
        from scipy import stats as sps

        z = float(sps.norm.ppf(0.5 + level / 2))
        sites = pd.DataFrame({"site": [site for site, _ in usable], "estimate": estimates,
                              "standard_error": errors, "n": [entry.get("n") for _, entry in usable],
                              "events": [entry.get("events") for _, entry in usable]})
        sites["ci_low"] = sites["estimate"] - z * sites["standard_error"]
        sites["ci_high"] = sites["estimate"] + z * sites["standard_error"]
        for method, fit in fits.items():
            sites[f"weight_{method}"] = fit.weights
        for site in sites.itertuples(index=False):
            rows.append({"quantity": item.name, "group": f"site {site.site}", "estimate": site.estimate,
                         "ci_low": site.ci_low, "ci_high": site.ci_high, "p_value": None,
                         "method": f"site estimate ({item.scale} scale), Wald CI from its SE",
                         "n": site.n})
        for method, fit in fits.items():
            name = "fixed_effect" if method == "FE" else f"random_effects_{method}"
            how = ("inverse-variance fixed effect" if method == "FE"
                   else f"random effects, tau^2 by {'DerSimonian-Laird' if method == 'DL' else 'REML'}; {test}")
            rows.append({"quantity": item.name, "group": name, "estimate": fit.estimate, "ci_low": fit.ci_low,
                         "ci_high": fit.ci_high, "p_value": fit.p_value,
                         "method": f"{how}; {fit.k} sites; {item.scale} scale", "n": total_n})
            if method != "FE":
                rows.append({"quantity": item.name, "group": f"prediction_interval_{method}", "estimate": fit.estimate,
                             "ci_low": fit.pi_low, "ci_high": fit.pi_high, "p_value": None,
                             "method": "prediction interval of a new site's effect (metafor predict())",
                             "n": total_n})
                rows.append({"quantity": item.name, "group": f"tau2_{method}", "estimate": fit.tau2,
                             "ci_low": None, "ci_high": None, "p_value": None,
                             "method": "between-site variance tau^2", "n": total_n})
                rows.append({"quantity": item.name, "group": f"i2_{method}", "estimate": fit.i2, "ci_low": None,
                             "ci_high": None, "p_value": None,
                             "method": "I^2 (%), tau^2 / (tau^2 + typical within-site variance)", "n": total_n})
        rows.append({"quantity": item.name, "group": "q", "estimate": fits["FE"].q, "ci_low": None, "ci_high": None,
                     "p_value": fits["FE"].q_p_value, "method": f"Cochran's Q on {fits['FE'].q_df} df",
                     "n": total_n})
        details[item.name] = {"label": item.label, "scale": item.scale, "fits": fits, "sites": sites,
                              "skipped": skipped}
    table = results_frame(rows) if rows else pd.DataFrame(columns=RESULT_COLUMNS)
    return table, details


def _figure_html(figure, alt: str) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def report_html(chapter_id: str, summaries: Sequence[dict], details: dict, *, knha: bool) -> str:
    """A standalone HTML page: what was pooled, a forest plot and a table per quantity."""
    from helpers.presentation.figures.meta_analysis import plot_meta_forest

    chapter = registry.get_chapter(chapter_id)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Pooled {html.escape(chapter.id)}"
             "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:"
             "collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{max-width:100%}</style>"
             "</head><body>",
             f"<h1>Pooled analysis: {html.escape(chapter.title)}</h1>",
             f"<p>{len(summaries)} site summaries: {html.escape(', '.join(s['site'] for s in summaries))}. "
             "Only aggregates were shared (estimates on their analysis scale, standard errors, n and events, "
             "diagnostics); no patient-level data. Educational; not clinical advice. "
             f"Random-effects tests: {'Hartung-Knapp' if knha else 'Wald (normal)'}.</p>"]
    for name, detail in details.items():
        parts.append(f"<h2>{html.escape(detail['label'])}</h2>")
        if not detail["fits"]:
            parts.append("<p>No site could estimate this quantity.</p>")
            continue
        fits, sites = detail["fits"], detail["sites"]
        pooled = [{"label": "Fixed effect", **_interval(fits["FE"])},
                  {"label": "Random effects (DL)", **_interval(fits["DL"])},
                  {"label": "Random effects (REML)", **_interval(fits["REML"]), "pi_low": fits["REML"].pi_low,
                   "pi_high": fits["REML"].pi_high}]
        figure = plot_meta_forest(sites.assign(weight=sites["weight_REML"]), pooled, title=name,
                                  xlabel=("ratio (log axis)" if detail["scale"] == "log" else f"{detail['scale']} scale"),
                                  exponentiate=detail["scale"] == "log")
        parts.append(_figure_html(figure, f"Forest plot of {detail['label']}: each site's estimate with its "
                                          "confidence interval and random-effects weight, the fixed-effect and "
                                          "random-effects pooled diamonds and the prediction interval"))
        summary_rows = pd.DataFrame([{"method": method, "k": fit.k, "estimate": fit.estimate, "ci_low": fit.ci_low,
                                      "ci_high": fit.ci_high, "p": fit.p_value, "tau2": fit.tau2, "I2 (%)": fit.i2,
                                      "Q": fit.q, "Q p": fit.q_p_value, "PI low": fit.pi_low, "PI high": fit.pi_high}
                                     for method, fit in fits.items()])
        parts.append(summary_rows.to_html(index=False, float_format=lambda x: f"{x:.4g}"))
        if detail["skipped"]:
            parts.append(f"<p>Sites without an estimate (left out): {html.escape(', '.join(detail['skipped']))}.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _interval(fit) -> dict:
    return {"estimate": fit.estimate, "ci_low": fit.ci_low, "ci_high": fit.ci_high}


def pool_to_folder(chapter_id: str, paths: Sequence[Path], out: Path, *, knha: bool = False) -> Path:
    """``spinebook pool``: check, pool and write ``results.csv``, ``provenance.json`` and ``report.html`` into
    the new folder ``out`` (written whole or not at all)."""
    out = Path(out)
    if out.exists():
        raise InputError(f"{out}: already exists; pooled outputs never overwrite earlier ones. Choose a new --out.")
    summaries = read_summaries(chapter_id, paths)
    table, details = pool_summaries(chapter_id, summaries, knha=knha)
    provenance = {
        "chapter": chapter_id,
        "command": "pool",
        "sites": [summary["site"] for summary in summaries],
        "summaries": [{"file": str(Path(path).resolve()), "sha256": sha256_of(path)} for path in paths],
        "parameters": summaries[0]["parameters"],
        "level": summaries[0]["level"],
        "knha": bool(knha),
        "methods": list(POOLING_METHODS),
        "site_packages": {summary["site"]: summary["packages"] for summary in summaries},
        "site_diagnostics": {summary["site"]: summary["diagnostics"] for summary in summaries},
        "packages": package_versions(),
        "git_commit": git_commit(),
        "utc_time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    page = report_html(chapter_id, summaries, details, knha=knha)
    with tempfile.TemporaryDirectory(prefix="spinebook-pool-") as scratch:
        work = Path(scratch) / "pooled"
        work.mkdir()
        table.to_csv(work / "results.csv", index=False, float_format="%.10g")
        (work / "provenance.json").write_text(json.dumps(_finite(provenance), indent=2) + "\n", encoding="utf-8")
        (work / "report.html").write_text(page, encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(work), str(out))
    return out


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
