"""The rows of the multi-site chapter's ``results.csv``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.chapters.multi_site.analysis import POOLED_FITS
from helpers.validation.checks import z_quantile
from helpers.validation.estimable import Skipped
from helpers.validation.results import RESULT_COLUMNS, results_frame


def results(*, sites: pd.DataFrame, pooled: dict, one_stage: pd.DataFrame, n_patients: int,
            level: float = 0.95, quantity: str = "adjusted") -> pd.DataFrame:
    """The chapter's tidy results: ``patients`` and ``sites``; ``site_hazard_ratio`` per hospital (empty when
    not estimable); ``pooled_hazard_ratio`` (fixed effect, DL, REML, REML with Hartung-Knapp) with the
    ``prediction_interval`` of each random-effects fit, ``tau2``, ``i2`` and Cochran's ``q``; and
    ``one_stage_hazard_ratio`` (Cox stratified by hospital, and unstratified). Ratios on the ratio scale.
    ``pooled`` may be a :class:`helpers.validation.estimable.Skipped` (fewer than two hospitals with an
    estimate): every pooled row is then written without an estimate, its ``method`` saying why."""
    z = z_quantile(level)
    rows = [{"quantity": "patients", "group": "all", "estimate": n_patients, "method": "count", "n": n_patients},
            {"quantity": "sites", "group": "all", "estimate": len(sites), "method": "count",
             "n": int(sites["estimable"].sum())}]
    for site in sites.itertuples(index=False):
        row = {"quantity": "site_hazard_ratio", "group": site.site, "n": site.n,
               "method": f"Cox model, {quantity}, at this hospital; Wald CI"}
        if site.estimable:
            row.update(estimate=np.exp(site.estimate), ci_low=np.exp(site.estimate - z * site.standard_error),
                       ci_high=np.exp(site.estimate + z * site.standard_error))
        else:
            row["method"] += "; not estimable (an arm without deaths), left out of the pooling"
        rows.append(row)
    n_estimable = int(sites.loc[sites["estimable"], "n"].fillna(0).sum())
    if isinstance(pooled, Skipped):
        rows += [pooled.row(quantity, name, n_estimable) for name in POOLED_FITS
                 for quantity in ("pooled_hazard_ratio",
                                  *(("prediction_interval", "tau2", "i2") if name != "fixed_effect" else ()))]
        rows.append(pooled.row("q", "cochran", n_estimable))
        pooled = {}
    for name, fit in pooled.items():
        test = "Hartung-Knapp t" if fit.knha else "Wald z"
        rows.append({"quantity": "pooled_hazard_ratio", "group": name, "estimate": np.exp(fit.estimate),
                     "ci_low": np.exp(fit.ci_low), "ci_high": np.exp(fit.ci_high), "p_value": fit.p_value,
                     "method": f"two-stage, {quantity} log HR, {fit.method}; {test}; {fit.k} hospitals", "n": n_estimable})
        if fit.method != "FE":
            rows += [{"quantity": "prediction_interval", "group": name, "estimate": np.exp(fit.estimate),
                      "ci_low": np.exp(fit.pi_low), "ci_high": np.exp(fit.pi_high),
                      "method": "hazard ratio expected at a new hospital (metafor predict())", "n": n_estimable},
                     {"quantity": "tau2", "group": name, "estimate": fit.tau2,
                      "method": "between-hospital variance of the log HR", "n": n_estimable},
                     {"quantity": "i2", "group": name, "estimate": fit.i2,
                      "method": "I^2 (%): share of the variation due to between-hospital differences", "n": n_estimable}]
    first = next(iter(pooled.values()), None)
    if first is not None:
        rows.append({"quantity": "q", "group": "cochran", "estimate": first.q, "p_value": first.q_p_value,
                     "method": f"Cochran's Q on {first.q_df} df", "n": n_estimable})
    for row in one_stage.itertuples(index=False):
        rows.append({"quantity": "one_stage_hazard_ratio",
                     "group": f"{row.model}_{'stratified_by_site' if row.stratified else 'unstratified'}",
                     "estimate": row.hazard_ratio, "ci_low": row.ci_low, "ci_high": row.ci_high,
                     "p_value": row.p_value, "method": row.method, "n": row.n})
    return results_frame(pd.DataFrame(rows).reindex(columns=RESULT_COLUMNS).to_dict("records"))
