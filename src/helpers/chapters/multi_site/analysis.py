"""Analysis steps of the multi-site chapter: each hospital's Cox model (the helper the mscc-separation chapter
uses), what each hospital shares, the two-stage pooled estimates and the one-stage stratified model."""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from helpers.chapters.common import PoolableQuantity, SiteDiagnostic, site_summary
from helpers.chapters.multi_site.schema import NON_SEPARATED, SEPARATED
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable, Skipped
from helpers.validation.results import results_frame

TERM = f"group[T.{NON_SEPARATED}]"
CONTRAST = "non_separated_vs_separated"

SITE_POOLABLE = (
    PoolableQuantity("log_hazard_ratio_unadjusted", "hazard_ratio", f"{CONTRAST}_unadjusted", "log",
                     "log HR of death, not separated vs separated, unadjusted (Cox, Wald SE)", events=("deaths", "all")),
    PoolableQuantity("log_hazard_ratio_adjusted", "hazard_ratio", f"{CONTRAST}_adjusted", "log",
                     "log HR of death, not separated vs separated, adjusted (Cox, Wald SE)", events=("deaths", "all")),
)
"""What each hospital shares, in the vocabulary of the mscc-separation chapter's ``results.csv``."""

SITE_DIAGNOSTICS = (SiteDiagnostic("smallest_arm_deaths", "smallest_arm_deaths", count=True),)


def add_group(data: pd.DataFrame) -> pd.DataFrame:
    """The data with ``group`` (separated / non_separated) and ``bilsky_3`` (0/1)."""
    return data.assign(group=np.where(data["separated"] == 1, SEPARATED, NON_SEPARATED),
                       bilsky_3=(data["bilsky_grade"].astype(str) == "3").astype(int))


def site_results(part: pd.DataFrame, *, covariates: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """One hospital's tidy results (the rows its ``results.csv`` would hold): the unadjusted and adjusted hazard
    ratio of death (not separated vs separated; :func:`helpers.stats.cox.cox_model`, as in mscc-separation),
    deaths, and the smallest number of deaths in an arm. A hazard ratio is left empty ("not estimable") when
    an arm has no death (its maximum-likelihood estimate is infinite) or a covariate takes one value at the
    hospital (its coefficient is not identified)."""
    from helpers.stats.cox import cox_model

    part = add_group(part)
    deaths = part.groupby("group")["death"].sum().reindex([SEPARATED, NON_SEPARATED], fill_value=0)
    rows = [{"quantity": "deaths", "group": "all", "estimate": int(deaths.sum()), "method": "count", "n": len(part)},
            {"quantity": "smallest_arm_deaths", "group": "min", "estimate": int(deaths.min()), "method": "count",
             "n": len(part)}]
    for model, terms in (("unadjusted", ["group"]), ("adjusted", ["group", *covariates])):
        row = {"quantity": "hazard_ratio", "group": f"{CONTRAST}_{model}", "n": len(part),
               "method": f"Cox model ~ {' + '.join(terms)}"}
        if deaths.min() == 0:
            row["method"] += "; not estimable (an arm without deaths)"
        else:
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*events per (variable|parameter).*")
                    warnings.filterwarnings("ignore", module="lifelines")
                    table = cox_model(part, time="survival_months", event="death", covariates=terms, level=level,
                                      reference={"group": SEPARATED}).table.set_index("term").loc[TERM]
            except InputError as error:  # e.g. a covariate with one value at a small hospital
                row["method"] += f"; not estimable ({str(error).split(';')[0]})"
            else:
                row.update(estimate=table["hazard_ratio"], ci_low=table["ci_low"], ci_high=table["ci_high"],
                           p_value=table["p_value"])
        rows.append(row)
    return results_frame(rows)


def site_summaries(data: pd.DataFrame, *, covariates: Sequence[str], level: float = 0.95,
                   parameters: dict | None = None, small_cell_threshold: int = 0) -> list[dict]:
    """Each hospital's shareable summary (:func:`helpers.chapters.common.site_summary`, what
    ``spinebook run --site`` writes), from its own tidy results only."""
    parameters = {"level": level, "cox_covariates": ",".join(covariates), **(parameters or {})}
    return [site_summary(site_results(part, covariates=covariates, level=level), chapter="multi-site", site=str(site),
                         parameters=parameters, poolable=SITE_POOLABLE, diagnostics=SITE_DIAGNOSTICS,
                         small_cell_threshold=small_cell_threshold)
            for site, part in data.groupby("site", sort=False)]


def site_table(summaries: Sequence[dict], quantity: str = "log_hazard_ratio_adjusted") -> pd.DataFrame:
    """One row per hospital from the summaries: ``site``, ``n``, ``events``, ``estimate`` (log HR),
    ``standard_error``, ``estimable``."""
    rows = [{"site": summary["site"], **{key: summary["quantities"][quantity][key]
                                         for key in ("n", "events", "estimate", "standard_error")}}
            for summary in summaries]
    table = pd.DataFrame(rows)
    table["estimable"] = table["estimate"].notna()
    return table


def pool(table: pd.DataFrame, *, level: float = 0.95) -> dict:
    """Two-stage pooled log hazard ratios over the estimable hospitals: fixed effect, DerSimonian-Laird, REML and
    REML with Hartung-Knapp (:func:`helpers.stats.meta_analysis.meta_analysis`), keyed by :data:`POOLED_FITS`.

    Raises :class:`~helpers.validation.estimable.NotEstimable` with fewer than two estimable hospitals (one
    hospital's estimate is not a pooled one, and between-hospital variation needs two)."""
    from helpers.stats.meta_analysis import meta_analysis

    usable = table[table["estimable"]]
    if len(usable) < 2:
        raise NotEstimable(f"pooling needs hazard ratios from at least two hospitals; {_hospitals(usable)} "
                           f"of the {len(table)} in this cohort could estimate one")
    specs = {"fixed_effect": ("FE", False), "random_effects_DL": ("DL", False),
             "random_effects_REML": ("REML", False), "random_effects_REML_knha": ("REML", True)}
    return {name: meta_analysis(usable["estimate"], usable["standard_error"], method=method, knha=knha, level=level)
            for name, (method, knha) in specs.items()}


def one_stage(data: pd.DataFrame, *, covariates: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """The one-stage analysis of all patients together (possible only with synthetic or shared data): Cox models
    of death on the group, stratified by hospital (own baseline hazard each) or not, unadjusted and adjusted."""
    from helpers.stats.cox import cox_model

    data = add_group(data)
    rows = []
    for model, terms in (("unadjusted", ["group"]), ("adjusted", ["group", *covariates])):
        for strata in ("site", None):
            fit = cox_model(data, time="survival_months", event="death", covariates=terms, level=level,
                            reference={"group": SEPARATED}, strata=strata)
            row = fit.table.set_index("term").loc[TERM]
            rows.append({"model": model, "stratified": strata is not None, "coef": row["coef"],
                         "standard_error": row["standard_error"], "hazard_ratio": row["hazard_ratio"],
                         "ci_low": row["ci_low"], "ci_high": row["ci_high"], "p_value": row["p_value"],
                         "n": fit.n, "n_events": fit.n_event, "method": row["method"]})
    return pd.DataFrame(rows)


POOLED_FITS = ("fixed_effect", "random_effects_DL", "random_effects_REML", "random_effects_REML_knha")
"""The two-stage fits :func:`pool` returns, in order."""


def _hospitals(table: pd.DataFrame) -> str:
    names = ", ".join(map(str, table["site"]))
    return f"{len(table)} ({names})" if len(table) else "none"


def pooled_table(pooled: dict | Skipped) -> pd.DataFrame | Skipped:
    """One row per two-stage fit of :func:`pool`: ``model``, ``k``, ``HR`` and its CI, ``p``, ``tau2``,
    ``I2 %`` and the prediction interval (``PI low``, ``PI high``); a skipped pooling is returned as it is."""
    if isinstance(pooled, Skipped):
        return pooled
    return pd.DataFrame([{"model": name, "k": fit.k, "HR": np.exp(fit.estimate), "ci_low": np.exp(fit.ci_low),
                          "ci_high": np.exp(fit.ci_high), "p": fit.p_value, "tau2": fit.tau2, "I2 %": fit.i2,
                          "PI low": np.exp(fit.pi_low), "PI high": np.exp(fit.pi_high)} for name, fit in pooled.items()])


def heterogeneity_line(pooled: dict | Skipped) -> str:
    """Cochran's Q, I^2 and the REML tau^2 in one sentence ("" when the pooling was skipped)."""
    if isinstance(pooled, Skipped):
        return ""
    fit = pooled["random_effects_REML"]
    return (f"Cochran's Q = {fit.q:.2f} on {fit.q_df} df, p = {fit.q_p_value:.4f}; I^2 = {fit.i2:.0f}%; "
            f"tau^2 (REML) = {fit.tau2:.3f}")


def leave_one_out(table: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """REML pooled hazard ratio, tau^2 and I^2 with each estimable hospital left out in turn.

    Raises :class:`~helpers.validation.estimable.NotEstimable` with fewer than three estimable hospitals
    (leaving one out must still leave two to pool)."""
    from helpers.stats.meta_analysis import meta_analysis

    usable = table[table["estimable"]]
    if len(usable) < 3:
        raise NotEstimable(f"leaving one hospital out needs at least three with an estimate; {_hospitals(usable)} "
                           "in this cohort")
    rows = []
    for site in usable["site"]:
        rest = usable[usable["site"] != site]
        item = meta_analysis(rest["estimate"], rest["standard_error"], method="REML", level=level)
        rows.append({"left out": site, "HR": np.exp(item.estimate), "ci_low": np.exp(item.ci_low),
                     "ci_high": np.exp(item.ci_high), "tau2": item.tau2, "I2 %": item.i2})
    return pd.DataFrame(rows)



def case_mix(data: pd.DataFrame) -> pd.DataFrame:
    """Each hospital's patients, deaths, % separated, % Bilsky 3, mean age, % radiotherapy and longest
    follow-up, indexed by ``site`` in the order of the data (``data`` as :func:`add_group` returns it)."""
    table = data.groupby("site", sort=False).agg(
        patients=("death", "size"), deaths=("death", "sum"), separated_pct=("separated", "mean"),
        bilsky_3_pct=("bilsky_3", "mean"), mean_age=("age", "mean"), radiotherapy_pct=("radiotherapy", "mean"),
        longest_follow_up_months=("survival_months", "max"))
    for column in ("separated_pct", "bilsky_3_pct", "radiotherapy_pct"):
        table[column] *= 100
    return table


def affected_sites(summaries: Sequence[dict], adjusted: pd.DataFrame, unadjusted: pd.DataFrame) -> pd.DataFrame:
    """The hospitals whose unadjusted or adjusted hazard ratio is not estimable: patients, deaths, the
    smallest arm's deaths and which models could be fitted (from :func:`site_table` of both quantities)."""
    table = pd.DataFrame({
        "site": adjusted["site"], "patients": adjusted["n"], "deaths": adjusted["events"],
        "smallest arm's deaths": [summary["diagnostics"]["smallest_arm_deaths"] for summary in summaries],
        "unadjusted estimable": unadjusted["estimable"], "adjusted estimable": adjusted["estimable"]})
    return table[~(table["unadjusted estimable"] & table["adjusted estimable"])]


def one_versus_two_stage(single: pd.DataFrame, pooled: dict | Skipped) -> pd.DataFrame:
    """The adjusted hazard ratio of the one-stage Cox model stratified by hospital beside each two-stage
    pooled one (none when the pooling was skipped): ``analysis``, ``HR``, ``ci_low``, ``ci_high``."""
    stratified = single[(single["model"] == "adjusted") & single["stratified"]].iloc[0]
    rows = [{"analysis": "one stage, Cox stratified by hospital", "HR": stratified["hazard_ratio"],
             "ci_low": stratified["ci_low"], "ci_high": stratified["ci_high"]}]
    if not isinstance(pooled, Skipped):
        rows += [{"analysis": f"two stage, {name.replace('_', ' ')}", "HR": np.exp(item.estimate),
                  "ci_low": np.exp(item.ci_low), "ci_high": np.exp(item.ci_high)} for name, item in pooled.items()]
    return pd.DataFrame(rows)
