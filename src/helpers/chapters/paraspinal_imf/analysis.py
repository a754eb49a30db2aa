"""Analysis steps of the paraspinal-imf chapter: IMF groups, outcome definitions, per-muscle models.

The chapter asks whether pre-operative intramuscular fat (IMF) of the lumbar multifidus and erector spinae
relates to recovery over 5 years after decompression for lumbar stenosis (Wesselink et al., Spine 2025).
Each function here is one step of that analysis, run over the four muscles, on long data validated by
:data:`helpers.chapters.paraspinal_imf.schema.PARASPINAL_IMF`; the statistics themselves come from :mod:`helpers.stats.longitudinal`
(per-visit logistic regression, model-based differences), :mod:`helpers.stats.longitudinal` (mixed models) and
:mod:`helpers.stats.two_groups` (two-group tests), so this module sits at the top of the import flow, just below the
notebook. Visits are always read from the data, never assumed.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from helpers.chapters.paraspinal_imf.published import ASSUMPTIONS, VALUES
from helpers.chapters.paraspinal_imf.simulate_image import AxialSlice
from helpers.presentation.tables import format_p
from helpers.stats.imaging import measure_imf
from helpers.stats.longitudinal import fit_trajectory_models, logistic_by_visit, mean_difference_by_visit
from helpers.stats.mixed_models import wald_test
from helpers.stats.two_groups import compare_two_groups
from helpers.validation.errors import InputError
from helpers.validation.estimable import Skipped

MUSCLES = ("multifidus_left", "multifidus_right", "erector_left", "erector_right")
"""The four muscles; the data hold ``imf_<muscle>`` and the analysis adds ``group_<muscle>``."""

BINARY_OUTCOMES = ("recovery", "success")

CONTINUOUS_OUTCOMES = ("leg_pain", "back_pain", "disability")

SEVERE, NON_SEVERE = "severe", "non-severe"

CORRECTIONS = ("holm", "bonferroni", "fdr_bh", "hommel", "sidak", "holm-sidak", "fdr_by")
"""Multiple-testing corrections accepted by :func:`odds_ratio_table` (statsmodels ``multipletests`` names)."""

TOLERANCES = {"sample_relative": 0.02, "percent_points": 2.0, "alpha": 0.05}
"""Agreement rules of :func:`published_vs_reproduced` (relative, percentage points, significance level)."""


def muscle_label(muscle: str) -> str:
    """'multifidus_right' -> 'right multifidus' (for tables and figures); InputError for other names."""
    if muscle not in MUSCLES:
        raise InputError(f"unknown muscle {muscle!r}; use one of {list(MUSCLES)}.")
    name, side = muscle.rsplit("_", 1)
    return f"{side} {'erector spinae' if name == 'erector' else name}"


VARIABLE_LABELS = {"age": "age (years)", "bmi": "BMI (kg/m2)", "sex": "sex",
                   **{f"imf_{m}": f"IMF {muscle_label(m)} (%)" for m in MUSCLES},
                   "baseline_disability": "disability before surgery (0-100)",
                   "baseline_leg_pain": "leg pain before surgery (0-10)",
                   "baseline_back_pain": "back pain before surgery (0-10)"}
"""Display names of the patient-level variables (for :func:`helpers.stats.descriptive.describe_by_group`)."""

# ------------------------------------------------------------------------------------ preparation


def prepare_cohort(df: pd.DataFrame, *, cutoff: float = VALUES["imf_cutoff_percent"],
                   recovery_gpe_max: int = ASSUMPTIONS["recovery_gpe_max"],
                   success_improvement: float = ASSUMPTIONS["success_improvement_percent"]) -> pd.DataFrame:
    """Add the IMF groups, the pre-operative scores and the binary outcomes to the long data.

    Parameters
    ----------
    df : DataFrame
        Long data validated by the chapter's schema (``patient_id``, ``visit_month`` with 0 = before
        surgery, ``imf_<muscle>``, ``leg_pain``, ``back_pain``, ``disability``, ``gpe``). Not modified.
    cutoff : float
        IMF (%) from which a muscle counts as severe (published: 50).
    recovery_gpe_max : int
        Recovery = global perceived effect at most this (default 2: "completely recovered" or "much
        improved").
    success_improvement : float
        Surgical success = disability improved by at least this percentage of its pre-operative value.

    Returns
    -------
    DataFrame
        A copy with ``group_<muscle>`` ("severe" if IMF >= cutoff, else "non-severe"),
        ``baseline_disability``, ``baseline_leg_pain``, ``baseline_back_pain`` (the visit-0 values),
        ``disability_improvement`` (% of baseline), ``recovery`` and ``success`` (1/0; empty before
        surgery, when the score is missing, or, for success, when baseline disability is 0).

    Raises
    ------
    InputError
        A missing column or a patient without a pre-operative row.
    """
    required = ["patient_id", "visit_month", "gpe", *CONTINUOUS_OUTCOMES, *(f"imf_{m}" for m in MUSCLES)]
    missing = [column for column in required if column not in df.columns]
    if missing:
        raise InputError(f"column(s) {missing} not found; the chapter's data need {required}.")
    if not 1 <= recovery_gpe_max <= 7:
        raise InputError(f"recovery_gpe_max={recovery_gpe_max}: the GPE scale runs 1-7.")
    if not 0 < cutoff < 100:
        raise InputError(f"cutoff={cutoff}: give the IMF cut-off in percent, between 0 and 100 (published: 50).")
    if not 0 < success_improvement <= 100:
        raise InputError(f"success_improvement={success_improvement}: give a relative improvement in percent, "
                         "above 0 and at most 100 (e.g. 30).")
    cohort = df.copy()
    baseline = cohort[cohort["visit_month"] == 0].set_index("patient_id")
    without = sorted(set(cohort["patient_id"]) - set(baseline.index))
    if without:
        raise InputError(f"patients {without[:5]} have no pre-operative row (visit_month 0); every patient needs one.")
    for muscle in MUSCLES:
        cohort[f"group_{muscle}"] = np.where(cohort[f"imf_{muscle}"] >= cutoff, SEVERE, NON_SEVERE)
    for score in CONTINUOUS_OUTCOMES:
        cohort[f"baseline_{score}"] = cohort["patient_id"].map(baseline[score])
    follow_up = cohort["visit_month"] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        improvement = 100.0 * (cohort["baseline_disability"] - cohort["disability"]) / cohort["baseline_disability"]
    improvement = improvement.where(cohort["baseline_disability"] > 0)
    cohort["disability_improvement"] = improvement.where(follow_up)
    cohort["recovery"] = (cohort["gpe"] <= recovery_gpe_max).astype(float).where(follow_up & cohort["gpe"].notna())
    cohort["success"] = (improvement >= success_improvement).astype(float).where(follow_up & improvement.notna())
    return cohort


def patients(cohort: pd.DataFrame) -> pd.DataFrame:
    """One row per patient: the pre-operative (visit 0) rows of the prepared cohort."""
    return cohort[cohort["visit_month"] == 0].reset_index(drop=True)


def imf_summary(cohort: pd.DataFrame, *, cutoff: float = VALUES["imf_cutoff_percent"]) -> pd.DataFrame:
    """IMF per muscle: n, mean, sd, median, q1, q3, n_severe, percent_severe (IMF >= cutoff)."""
    rows = []
    for muscle in MUSCLES:
        values = patients(cohort)[f"imf_{muscle}"].dropna()
        rows.append({"muscle": muscle, "label": muscle_label(muscle), "n": len(values), "mean": values.mean(),
                     "sd": values.std(), "median": values.median(), "q1": values.quantile(0.25),
                     "q3": values.quantile(0.75), "n_severe": int((values >= cutoff).sum()),
                     "percent_severe": 100.0 * float((values >= cutoff).mean())})
    return pd.DataFrame(rows)


def outcome_percentages(cohort: pd.DataFrame, *, muscles: Sequence[str] = MUSCLES,
                        outcomes: Sequence[str] = BINARY_OUTCOMES) -> pd.DataFrame:
    """Share of follow-up observations with each binary outcome, by IMF group: per visit and pooled.

    Returns
    -------
    DataFrame
        muscle, outcome, visit ("all" for every follow-up visit pooled, else the month), group, n_events,
        n (observations), percent.
    """
    follow_up = cohort[cohort["visit_month"] > 0]
    rows = []
    for muscle in muscles:
        for outcome in outcomes:
            data = follow_up[[f"group_{muscle}", "visit_month", outcome]].dropna()
            for visit, part in [("all", data), *data.groupby("visit_month")]:
                for group in (NON_SEVERE, SEVERE):
                    values = part.loc[part[f"group_{muscle}"] == group, outcome]
                    rows.append({"muscle": muscle, "outcome": outcome, "visit": visit, "group": group,
                                 "n_events": int(values.sum()), "n": len(values),
                                 "percent": 100.0 * float(values.mean()) if len(values) else np.nan})
    return pd.DataFrame(rows)


def attendance(cohort: pd.DataFrame, *, muscle: str = ASSUMPTIONS["headline_muscle"],
               outcome: str = "disability") -> pd.DataFrame:
    """Patients with the outcome at each visit, by IMF group: visit, group, n, percent_of_baseline,
    previous_mean (mean outcome at the previous visit of those seen) and previous_mean_missing (of those
    not seen now but seen at the previous visit), to show whether drop-out follows the observed course.
    """
    data = cohort[cohort[outcome].notna()]
    visits = sorted(data["visit_month"].unique())
    wide = data.pivot(index="patient_id", columns="visit_month", values=outcome)
    groups = cohort.drop_duplicates("patient_id").set_index("patient_id")[f"group_{muscle}"].reindex(wide.index)
    rows = []
    for k, visit in enumerate(visits):
        for group in (NON_SEVERE, SEVERE):
            members = wide[groups == group]
            seen = members[visit].notna()
            row = {"visit": visit, "group": group, "n": int(seen.sum()),
                   "percent_of_baseline": 100.0 * float(seen.sum()) / max(int(members[visits[0]].notna().sum()), 1),
                   "previous_mean": np.nan, "previous_mean_missing": np.nan}
            if k > 0:
                before = members[visits[k - 1]]
                row["previous_mean"] = float(before[seen & before.notna()].mean())
                row["previous_mean_missing"] = float(before[~seen & before.notna()].mean())
            rows.append(row)
    return pd.DataFrame(rows)


def repeated_tests(cohort: pd.DataFrame, *, outcome: str = "disability",
                   muscle: str = ASSUMPTIONS["headline_muscle"], normality_alpha: float = 0.05,
                   level: float = 0.95) -> pd.DataFrame:
    """A two-group test at every visit (the approach mixed models replace), for comparison.

    Each visit's test (:func:`helpers.stats.two_groups.compare_two_groups`: Welch's t-test or Mann-Whitney by the
    Shapiro-Wilk rule at ``normality_alpha``) uses only the patients seen at that visit, and each row is that
    test's own analysis. Returns visit, test, quantity (mean difference for Welch, Hodges-Lehmann shift for
    Mann-Whitney; non-severe minus severe), estimate, ci_low, ci_high, p_value, n.
    """
    rows = []
    for visit, part in cohort[cohort[outcome].notna()].groupby("visit_month"):
        result = compare_two_groups(part, outcome=outcome, group=f"group_{muscle}", reference=SEVERE,
                                    normality_alpha=normality_alpha, level=level).iloc[0]
        rows.append({"visit": visit, "test": result["test"], "quantity": result["quantity"],
                     "estimate": result["estimate"],
                     "ci_low": result["ci_low"], "ci_high": result["ci_high"], "p_value": result["p_value"],
                     "n": int(result["n"])})
    return pd.DataFrame(rows)

# --------------------------------------------------------------------------------- odds ratios


def odds_ratio_table(cohort: pd.DataFrame, *, muscles: Sequence[str] = MUSCLES,
                     outcomes: Sequence[str] = BINARY_OUTCOMES, confounders: Sequence[str] = (),
                     correction: str = "holm", level: float = 0.95) -> pd.DataFrame:
    """Odds ratios of non-severe vs severe IMF, per muscle, outcome and follow-up visit.

    Parameters
    ----------
    cohort : DataFrame
        Output of :func:`prepare_cohort`.
    muscles, outcomes : sequence of str
        Muscles and binary outcome columns.
    confounders : sequence of str
        Adjustment variables of the adjusted models (e.g. age, sex, bmi, baseline_disability).
    correction : str
        Multiple-testing correction over all adjusted odds ratios (statsmodels ``multipletests``
        method, e.g. "holm", "fdr_bh"); reported in ``p_adjusted``.
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    DataFrame
        muscle, label, outcome, visit, model ("unadjusted"/"adjusted"), estimate (odds ratio),
        ci_low, ci_high, p_value, p_adjusted (adjusted models only), n, n_events, method, note.

    Notes
    -----
    One logistic model per muscle, outcome and visit (:func:`helpers.stats.longitudinal.logistic_by_visit`), with
    severe IMF as the reference, so an odds ratio above 1 means better odds of the outcome with
    non-severe IMF (as published).
    """
    if correction not in CORRECTIONS:
        raise InputError(f"correction={correction!r}; use one of {list(CORRECTIONS)}.")
    follow_up = cohort[cohort["visit_month"] > 0]
    tables = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*events per variable.*")
        for muscle in muscles:
            for outcome in outcomes:
                table = logistic_by_visit(follow_up, outcome=outcome, exposure=f"group_{muscle}", visit="visit_month",
                                          confounders=list(confounders), exposure_reference=SEVERE,
                                          level=level)
                tables.append(table.assign(muscle=muscle, label=muscle_label(muscle), outcome=outcome))
    table = pd.concat(tables, ignore_index=True)
    table["p_adjusted"] = np.nan
    adjusted = (table["model"] == ("adjusted" if confounders else "unadjusted")) & table["p_value"].notna()
    if adjusted.any():
        table.loc[adjusted, "p_adjusted"] = multipletests(table.loc[adjusted, "p_value"], method=correction)[1]
    columns = ["muscle", "label", "outcome", "visit", "model", "estimate", "ci_low", "ci_high", "p_value",
               "p_adjusted", "n", "n_events", "method", "note"]
    return table[columns]


def continuous_odds_ratio_table(cohort: pd.DataFrame, *, muscles: Sequence[str] = MUSCLES,
                                outcomes: Sequence[str] = BINARY_OUTCOMES, confounders: Sequence[str] = (),
                                per: float = 10.0, level: float = 0.95) -> pd.DataFrame:
    """Adjusted odds ratios per ``per`` percentage points *less* IMF (IMF kept continuous).

    Returns the columns of :func:`odds_ratio_table` (adjusted models, no ``p_adjusted``), so the two
    can be set side by side; an odds ratio above 1 means better odds with less fat.
    """
    follow_up = cohort[cohort["visit_month"] > 0].copy()
    tables = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*events per variable.*")
        for muscle in muscles:
            follow_up["imf_less"] = -follow_up[f"imf_{muscle}"] / per
            for outcome in outcomes:
                model = "adjusted" if confounders else "unadjusted"
                table = logistic_by_visit(follow_up, outcome=outcome, exposure="imf_less", visit="visit_month",
                                          confounders=list(confounders), level=level, models=[model])
                tables.append(table.assign(muscle=muscle, label=muscle_label(muscle), outcome=outcome,
                                           method=table["method"] + f"; IMF continuous, per {per:g} points less"))
    columns = ["muscle", "label", "outcome", "visit", "model", "estimate", "ci_low", "ci_high", "p_value", "n",
               "n_events", "method", "note"]
    return pd.concat(tables, ignore_index=True)[columns]


def _p_text(p: float) -> str:
    text = format_p(p)
    return text if text.startswith("<") else f"= {text}"


def odds_ratio_display(table: pd.DataFrame, *, model: str = "adjusted", decimals: int = 2) -> pd.DataFrame:
    """Odds ratios as text "OR (low-high), p" in a wide table: rows muscle and outcome, columns visits."""
    part = table[table["model"] == model].copy()
    part["text"] = [f"{r.estimate:.{decimals}f} ({r.ci_low:.{decimals}f}-{r.ci_high:.{decimals}f}), p {_p_text(r.p_value)}"
                    if np.isfinite(r.estimate) else "not estimable" for r in part.itertuples()]
    wide = part.pivot_table(index=["label", "outcome"], columns="visit", values="text", aggfunc="first", sort=False)
    wide.columns = [f"{visit:g} months" for visit in wide.columns]
    return wide.rename_axis(index=["muscle", "outcome"])


def dichotomised_vs_continuous(odds_ratios: pd.DataFrame, continuous: pd.DataFrame, *,
                               muscle: str = ASSUMPTIONS["headline_muscle"]) -> pd.DataFrame:
    """The same adjusted models with IMF in two groups and IMF continuous, side by side for one muscle.

    Returns outcome, visit, groups_or, groups_ci_low, groups_ci_high, groups_p, continuous_or,
    continuous_ci_low, continuous_ci_high, continuous_p (odds ratios of :func:`odds_ratio_table` and
    :func:`continuous_odds_ratio_table`).
    """
    keys = ["outcome", "visit"]
    pick = {"estimate": "or", "ci_low": "ci_low", "ci_high": "ci_high", "p_value": "p"}
    model = "adjusted" if (odds_ratios["model"] == "adjusted").any() else "unadjusted"
    groups = odds_ratios[(odds_ratios["muscle"] == muscle) & (odds_ratios["model"] == model)]
    groups = groups[keys + list(pick)].rename(columns={k: f"groups_{v}" for k, v in pick.items()})
    per = continuous[continuous["muscle"] == muscle][keys + list(pick)]
    per = per.rename(columns={k: f"continuous_{v}" for k, v in pick.items()})
    return groups.merge(per, on=keys, how="outer").reset_index(drop=True)

# ------------------------------------------------------------------------------- mixed models


@dataclass(frozen=True)
class MuscleTrajectories:
    """Mixed models of the continuous outcomes per muscle (see :func:`fit_muscle_trajectories`)."""

    fits: dict
    summary: pd.DataFrame
    mean_differences: pd.DataFrame
    seconds: float


def fit_muscle_trajectories(cohort: pd.DataFrame, *, muscles: Sequence[str] = MUSCLES,
                            outcomes: Sequence[str] = CONTINUOUS_OUTCOMES, confounders: Sequence[str] = (),
                            slope_muscle: str | None = ASSUMPTIONS["headline_muscle"],
                            level: float = 0.95) -> MuscleTrajectories:
    """Linear mixed models of each outcome by IMF group (visit x group), for every muscle.

    Parameters
    ----------
    cohort : DataFrame
        Output of :func:`prepare_cohort`.
    muscles, outcomes : sequence of str
        Muscles (exposure ``group_<muscle>``, reference "severe") and continuous outcome columns.
    confounders : sequence of str
        Adjustment variables (patient-level, e.g. age, sex, bmi).
    slope_muscle : str or None
        The muscle whose models try a random slope on time (``random_slope="try"`` of
        :func:`~helpers.stats.longitudinal.fit_trajectory_models`: kept only if it converges, is not singular
        and improves the fit); the other muscles' models have a random intercept only, so that one
        muscle's models show the random-slope decision. None: try the slope in every model.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    MuscleTrajectories
        ``fits``: (muscle, outcome) -> :class:`~helpers.stats.longitudinal.TrajectoryResult`. ``summary``:
        muscle, label, outcome, random_effects, random_effects_reason, statistic, df, group_by_time_p
        (joint Wald test of the visit x group terms in the kept model), group_by_time_p_intercept_only
        (the same test in the random-intercept model, to show whether the choice matters), n_subjects,
        n_observations, converged. ``mean_differences``: muscle, outcome and the columns of
        :func:`helpers.stats.longitudinal.mean_difference_by_visit` (non-severe minus severe). ``seconds``.
    """
    started = time.perf_counter()
    if slope_muscle is not None and slope_muscle not in muscles:
        raise InputError(f"slope_muscle={slope_muscle!r} is not among the muscles {list(muscles)}.")
    fits, summary, differences = {}, [], []
    for muscle in muscles:
        for outcome in outcomes:
            mode = "try" if slope_muscle is None or muscle == slope_muscle else "never"
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*(mixed model|singular fit|did not converge).*")
                fit = fit_trajectory_models(cohort, outcome=outcome, exposure=f"group_{muscle}", visit="visit_month",
                                            subject="patient_id", confounders=list(confounders),
                                            exposure_reference=SEVERE, random_slope=mode, level=level)
            fits[(muscle, outcome)] = fit
            test = fit.interaction_test.iloc[0]
            intercept_only = wald_test(fit.intercept_model.estimates,
                                               fit.intercept_model.fixed_effects_covariance, "Wald")["p_value"].iloc[0]
            reason = fit.random_effects_reason
            if mode == "never" and slope_muscle is not None:
                reason = f"random intercept only (the random slope is tried on the {muscle_label(slope_muscle)} models)"
            summary.append({"muscle": muscle, "label": muscle_label(muscle), "outcome": outcome,
                            "random_effects": fit.random_effects, "random_effects_reason": reason,
                            "statistic": float(test["statistic"]), "df": int(test["df"]),
                            "group_by_time_p": float(test["p_value"]),
                            "group_by_time_p_intercept_only": float(intercept_only), "n_subjects": fit.n_subjects,
                            "n_observations": fit.n_observations, "converged": fit.model.converged})
            difference = mean_difference_by_visit(fit, exposure=f"group_{muscle}", visit="visit_month",
                                                  level=level)
            differences.append(difference.assign(muscle=muscle, outcome=outcome))
    differences = pd.concat(differences, ignore_index=True)
    leading = ["muscle", "outcome"]
    differences = differences[leading + [c for c in differences.columns if c not in leading]]
    return MuscleTrajectories(fits=fits, summary=pd.DataFrame(summary), mean_differences=differences,
                              seconds=time.perf_counter() - started)

# ------------------------------------------------------------------------ published vs reproduced


def published_vs_reproduced(cohort: pd.DataFrame, odds_ratios: pd.DataFrame, trajectories: MuscleTrajectories,
                            *, headline_muscle: str = ASSUMPTIONS["headline_muscle"],
                            published: Mapping[str, float] = VALUES) -> pd.DataFrame:
    """The study's headline numbers beside the chapter's, with the agreement rule of each.

    Parameters
    ----------
    cohort : DataFrame
        Output of :func:`prepare_cohort`.
    odds_ratios : DataFrame
        Output of :func:`odds_ratio_table` (with confounders: its adjusted rows are used).
    trajectories : MuscleTrajectories
        Output of :func:`fit_muscle_trajectories`.
    headline_muscle : str
        Muscle whose groups define the four published percentages (pooled over all follow-up visits).
    published : mapping
        The published numbers (default :data:`helpers.chapters.paraspinal_imf.published.PUBLISHED`).

    Returns
    -------
    DataFrame
        quantity, published (text), reproduced (text), published_value, reproduced_value (numbers
        where the row has one), rule (the agreement rule in words), agrees (bool; empty when this cohort could
        not give the number: no adjusted odds ratio estimated, or ``trajectories`` a
        :class:`~helpers.validation.estimable.Skipped`).

    Notes
    -----
    Rules (:data:`TOLERANCES`): sample characteristics within 2 % (relative); the four percentages
    within 2 percentage points; for each outcome, more than half of the multifidus adjusted odds ratios
    (both sides, every follow-up visit) inside the published 2.26-7.32 with p <= 0.049 and none below 1;
    no erector spinae adjusted odds ratio with p < 0.05; the right multifidus disability group-by-time
    p < 0.05; every leg and back pain group-by-time p >= 0.05.
    """
    relative, points, alpha = (TOLERANCES[k] for k in ("sample_relative", "percent_points", "alpha"))
    people = patients(cohort)
    rows = []

    def add(quantity, published_text, reproduced_text, published_value, reproduced_value, rule, agrees):
        rows.append({"quantity": quantity, "published": published_text, "reproduced": reproduced_text,
                     "published_value": published_value, "reproduced_value": reproduced_value, "rule": rule,
                     "agrees": None if agrees is None else bool(agrees)})

    skipped = "not estimated for this cohort (see the notes above)"

    n = len(people)
    add("patients", f"{published['n_patients']}", f"{n}", published["n_patients"], n, "exact",
        n == published["n_patients"])
    sample = {"male (%)": ("male_percent", 100.0 * float((people["sex"] == "male").mean())),
              "age, mean (years)": ("age_mean", people["age"].mean()),
              "age, SD (years)": ("age_sd", people["age"].std()),
              "BMI, mean (kg/m2)": ("bmi_mean", people["bmi"].mean()),
              "BMI, SD (kg/m2)": ("bmi_sd", people["bmi"].std())}
    for quantity, (key, value) in sample.items():
        add(quantity, f"{published[key]:g}", f"{value:.1f}", published[key], value, f"within {relative:.0%} (relative)",
            abs(value - published[key]) <= relative * abs(published[key]))
    percentages = outcome_percentages(cohort, muscles=[headline_muscle])
    pooled = percentages[percentages["visit"] == "all"].set_index(["outcome", "group"])
    for outcome in BINARY_OUTCOMES:
        for group, key in ((NON_SEVERE, "non_severe"), (SEVERE, "severe")):
            value = float(pooled.loc[(outcome, group), "percent"])
            target = published[f"{outcome}_percent_{key}"]
            add(f"{outcome} (%), {group} {muscle_label(headline_muscle)} IMF, all follow-up visits", f"{target:g}",
                f"{value:.1f}", target, value, f"within {points:g} percentage points", abs(value - target) <= points)
    adjusted = odds_ratios[odds_ratios["model"] == "adjusted"]
    low, high, p_max = published["odds_ratio_low"], published["odds_ratio_high"], published["odds_ratio_p_max"]
    for outcome in BINARY_OUTCOMES:
        every = adjusted[adjusted["muscle"].str.startswith("multifidus") & (adjusted["outcome"] == outcome)]
        part = every[every["estimate"].notna()]  # the models this cohort could fit
        quantity, rule = (f"adjusted OR, multifidus (both sides), {outcome}",
                          "more than half inside the published range with p <= 0.049, none below 1")
        if part.empty:
            add(quantity, f"{low:g}-{high:g} (p <= {p_max:g}) at most time points", skipped, np.nan, np.nan, rule,
                None)
            continue
        inside = part["estimate"].between(low, high) & (part["p_value"] <= p_max)
        add(quantity, f"{low:g}-{high:g} (p <= {p_max:g}) at most time points",
            f"{part['estimate'].min():.2f}-{part['estimate'].max():.2f}; {int(inside.sum())} of {len(part)} inside"
            + (f" ({len(every) - len(part)} not estimated)" if len(part) < len(every) else ""),
            np.nan, float(inside.mean()), rule, inside.mean() > 0.5 and (part["estimate"] > 1).all())
    every = adjusted[adjusted["muscle"].str.startswith("erector")]
    erector = every[every["estimate"].notna()]
    significant = int((erector["p_value"] < alpha).sum())
    if erector.empty:
        add("adjusted OR, erector spinae (both sides, both outcomes)", "no association", skipped, np.nan, np.nan,
            f"none with p < {alpha:g}", None)
    else:
        add("adjusted OR, erector spinae (both sides, both outcomes)", "no association",
            f"{significant} of {len(erector)} with p < {alpha:g} (ORs {erector['estimate'].min():.2f}-"
            f"{erector['estimate'].max():.2f})" + (f"; {len(every) - len(erector)} not estimated"
                                                   if len(erector) < len(every) else ""),
            np.nan, float(significant), f"none with p < {alpha:g}", significant == 0)
    if isinstance(trajectories, Skipped):  # the mixed models were not estimated for this cohort
        add("disability, right multifidus: group-by-time p", f"{published['disability_p_multifidus_right']:g}",
            skipped, published["disability_p_multifidus_right"], np.nan, f"p < {alpha:g} (published side)", None)
        add("leg and back pain, every muscle: smallest group-by-time p", f">= {published['pain_p_min']:g}", skipped,
            published["pain_p_min"], np.nan, f"p >= {alpha:g} (published side)", None)
        return pd.DataFrame(rows)
    summary = trajectories.summary.set_index(["muscle", "outcome"])
    p_disability = float(summary.loc[("multifidus_right", "disability"), "group_by_time_p"])
    target = published["disability_p_multifidus_right"]
    add("disability, right multifidus: group-by-time p", f"{target:g}", f"{p_disability:.3f}", target, p_disability,
        f"p < {alpha:g} (published side)", p_disability < alpha)
    pain = summary.loc[summary.index.get_level_values("outcome").isin(["leg_pain", "back_pain"]), "group_by_time_p"]
    add("leg and back pain, every muscle: smallest group-by-time p", f">= {published['pain_p_min']:g}",
        f"{pain.min():.3f}", published["pain_p_min"], float(pain.min()), f"p >= {alpha:g} (published side)",
        pain.min() >= alpha)
    return pd.DataFrame(rows)

# ---------------------------------------------------------------------------------- results.csv




def measure_slice(axial: AxialSlice, *, muscles: tuple[str, ...] = MUSCLES) -> pd.DataFrame:
    """Measure every muscle of a synthetic slice: muscle, true_imf_percent, measured_imf_percent,
    difference (measured - true, percentage points), threshold, area_mm2."""
    rows = []
    for muscle in muscles:
        result = measure_imf(axial.image, axial.masks[muscle], pixel_size_mm=axial.pixel_size_mm)
        truth = axial.true_imf_percent[muscle]
        rows.append({"muscle": muscle, "true_imf_percent": truth, "measured_imf_percent": result.imf_percent,
                     "difference": result.imf_percent - truth, "threshold": result.threshold,
                     "area_mm2": result.area_mm2})
    return pd.DataFrame(rows)
