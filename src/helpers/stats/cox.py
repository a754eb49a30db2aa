"""Cox proportional-hazards regression and the Schoenfeld-residual test of proportional hazards.

Split from :mod:`helpers.stats.survival` (which keeps Kaplan-Meier, the log-rank test and RMST); the data
conventions are the same: one row per patient, a follow-up time (>= 0) and an event indicator 1 = event,
0 = censored. Everything is computed here as R's survival package does it: the
partial likelihood with Efron's ties by Newton-Raphson (reverse cumulative sums over sorted times), the
concordance, the Schoenfeld residuals and their test (R's time transforms and global test).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers.stats.design import EPV_THRESHOLD, design_matrix, readable_terms
from helpers.stats.survival import product_limit, survival_data
from helpers.validation.checks import z_quantile
from helpers.validation.errors import InputError
from helpers.validation.estimable import NotEstimable

COX_COLUMNS = ["term", "variable", "level", "reference", "coef", "hazard_ratio", "standard_error", "z",
               "p_value", "ci_low", "ci_high", "method"]


@dataclass(frozen=True, eq=False)
class CoxResult:
    """Fitted Cox proportional-hazards model.

    Attributes
    ----------
    table : DataFrame
        Per term: ``term``, ``variable``, ``level``, ``reference``, ``coef`` (log hazard ratio),
        ``hazard_ratio``, ``standard_error``, ``z``, ``p_value`` (Wald), ``ci_low``, ``ci_high``
        (hazard-ratio scale), ``method``.
    n, n_event, events_per_parameter, log_likelihood (partial), concordance (Harrell's C, as R's coxph)
        Numbers.
    likelihood_ratio, likelihood_ratio_df, likelihood_ratio_p_value
        Likelihood-ratio test against the model without covariates.
    variance : DataFrame
        Inverse of the observed information at the estimate (terms x terms), R's ``vcov(fit)``.
    schoenfeld : DataFrame
        Schoenfeld residuals (Efron ties, R's ``residuals(fit, "schoenfeld")``): one row per event,
        indexed by the row of ``data``, in time order; one column per term.
    data : DataFrame
        Columns ``time``, ``event`` and one per term (the design actually fitted).
    """

    table: pd.DataFrame
    n: int
    n_event: int
    concordance: float
    likelihood_ratio: float
    likelihood_ratio_df: int
    likelihood_ratio_p_value: float
    log_likelihood: float
    events_per_parameter: float
    variance: pd.DataFrame
    schoenfeld: pd.DataFrame
    data: pd.DataFrame
    time: str
    event: str


class _EfronLikelihood:
    """Cox partial likelihood with Efron's ties on sorted data: value, gradient and information.

    Risk-set sums are reverse cumulative sums over the time-sorted rows, read at the first row of each
    distinct event time; Efron's correction expands each time with ``d`` deaths into ``d`` rows with
    weights ``l / d`` (``l = 0 .. d - 1``). No loop over patients or times.
    """

    def __init__(self, durations: np.ndarray, events: np.ndarray, x: np.ndarray):
        order = np.lexsort((1 - events, durations))                   # by time, deaths first
        self.order = order
        self.t, self.e = durations[order], events[order].astype(float)
        self.x = x[order] - x.mean(axis=0)  # centred, as R's coxph
        self.n, self.p = self.x.shape
        changes = np.r_[True, self.t[1:] != self.t[:-1]]             # np.unique of the sorted times
        first, inverse = np.flatnonzero(changes), np.cumsum(changes) - 1
        times = self.t[first]
        deaths = np.bincount(inverse, weights=self.e, minlength=len(times))
        used = deaths > 0
        self.deaths = deaths[used]
        counts = self.deaths.astype(int)
        self.tie = np.repeat(np.arange(len(counts)), counts)           # expanded row -> event time
        self.fraction = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)) / self.deaths[self.tie]
        self.event_time = inverse  # sorted row -> distinct time (all times)
        self.used_index = np.cumsum(used) - 1                          # distinct time -> event time (if used)
        self.x_events = self.e @ self.x
        self.used, self.deaths_all = used, deaths
        self.survivors = np.diff(np.r_[first, self.n]) - deaths         # rows at each time that are not deaths
        self.bounds = np.column_stack([first, first + deaths.astype(int)]).ravel()
        # x_j x_k for j <= k only (the information is symmetric), and a last row of zeros: the sums below
        # are read at row n for an empty range
        self.upper = np.triu_indices(self.p)
        self.base = np.zeros((self.n + 1, 1 + self.p + len(self.upper[0])))
        self.base[:-1] = np.column_stack([np.ones(self.n), self.x, self.x[:, self.upper[0]] * self.x[:, self.upper[1]]])

    def _sums(self, beta: np.ndarray, derivatives: bool) -> tuple[np.ndarray, ...]:
        lp = self.x @ beta
        w = np.exp(np.r_[lp, 0.0])  # the zero row's weight multiplies zeros
        block = self.base * w[:, None] if derivatives else self.base[:, :1] * w[:, None]
        # rows are sorted by time, deaths first: [first, first + d) are the deaths, [first + d, next) the rest
        parts = np.add.reduceat(block, self.bounds, axis=0)
        dead, rest = parts[0::2], parts[1::2]
        dead[self.deaths_all == 0] = 0.0                                # reduceat gives a row for an empty range
        rest[self.survivors == 0] = 0.0
        per_time = dead + rest                                          # rows leaving at each distinct time
        risk = np.cumsum(per_time[::-1], axis=0)[::-1][self.used]        # sums over the risk set
        return lp, risk, dead[self.used]

    def evaluate(self, beta: np.ndarray, derivatives: bool = True) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Log partial likelihood, gradient, information and the Efron-averaged mean per event time.

        With ``D_l = S0 - f_l A0`` (``f_l = l / d``; ``S`` risk-set sums, ``A`` sums over the deaths) the
        Efron terms ``sum_l (S1 - f_l A1) / D_l`` etc. need only the per-time scalars ``sum_l f_l^a / D_l^b``.
        """
        p, m = self.p, len(self.deaths)
        lp, risk, tied = self._sums(beta, derivatives)
        f = self.fraction
        denominator = risk[self.tie, 0] - f * tied[self.tie, 0]
        loglik = float(self.e @ lp - np.sum(np.log(denominator)))
        if not derivatives:
            return loglik, np.empty(0), np.empty(0), np.empty(0)
        inverse = 1 / denominator
        c0, c1 = (np.bincount(self.tie, weights=values, minlength=m) for values in (inverse, f * inverse))
        c00, c01, c11 = (np.bincount(self.tie, weights=values, minlength=m)
                         for values in (inverse ** 2, f * inverse ** 2, f * f * inverse ** 2))
        s1, a1 = risk[:, 1:1 + p], tied[:, 1:1 + p]
        mean_sum = s1 * c0[:, None] - a1 * c1[:, None]                   # sum_l (S1 - f_l A1) / D_l per time
        gradient = self.x_events - mean_sum.sum(axis=0)
        second = np.empty((p, p))
        second[self.upper] = (risk[:, 1 + p:] * c0[:, None] - tied[:, 1 + p:] * c1[:, None]).sum(axis=0)
        second[self.upper[1], self.upper[0]] = second[self.upper]
        cross = (s1 * c01[:, None]).T @ a1
        squares = (s1 * c00[:, None]).T @ s1 - cross - cross.T + (a1 * c11[:, None]).T @ a1
        return loglik, gradient, second - squares, mean_sum / self.deaths[:, None]

    def fit(self, max_iterations: int = 50) -> tuple[np.ndarray, float, float, np.ndarray, np.ndarray]:
        """Newton-Raphson from 0 with step halving, as R's coxph, until the step is below 1e-10 (R stops
        when the log-likelihood changes by less than 1e-9 relative, a few 1e-9 earlier on the coefficients)."""
        beta = np.zeros(self.p)
        loglik, gradient, information, _ = self.evaluate(beta)
        null = loglik
        for _ in range(max_iterations):
            step = np.linalg.solve(information, gradient)
            candidate = beta + step
            new = self.evaluate(candidate, derivatives=False)[0]
            halvings = 0
            while not new >= loglik - 1e-12 * abs(loglik) and halvings < 30:  # NaN (overflow) too; rounding not
                step = step / 2
                candidate = beta + step
                new = self.evaluate(candidate, derivatives=False)[0]
                halvings += 1
            beta = candidate
            converged = (np.max(np.abs(step)) <= 1e-10 * (1 + np.max(np.abs(beta)))
                         or abs(new - loglik) <= 1e-15 * abs(loglik))
            loglik, gradient, information, _ = self.evaluate(beta)
            if converged:
                break
        return beta, loglik, null, gradient, information

    def schoenfeld(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sorted rows of the events and their Schoenfeld residuals ``x_i - mean(t_i)`` (Efron mean)."""
        per_time = self.evaluate(beta)[3]
        rows = np.flatnonzero(self.e == 1)
        return self.order[rows], self.x[rows] - per_time[self.used_index[self.event_time[rows]]]

    def concordance(self, beta: np.ndarray) -> float:
        """Harrell's C of the linear predictor, as R's ``coxph(...)$concordance`` (:meth:`pair_counts`)."""
        return _harrell(*self.pair_counts(beta))

    def pair_counts(self, beta: np.ndarray) -> tuple[float, float, float]:
        """Concordant, discordant and tied comparable pairs of the linear predictor (Harrell's C's counts).

        Pairs (event i, j followed longer, or censored at i's time); concordant when i's risk score is
        higher, ties in the score count 1/2, tied event times are not compared. Concordant pairs are counted
        by the binary digits of the score's rank (:func:`_lower_rank_later_key`; no loop over patients).
        """
        rank = np.unique(self.x @ beta, return_inverse=True)[1].astype(np.int64)
        key = 2 * self.event_time.astype(np.int64) + (1 - self.e.astype(np.int64))  # later = larger key; sorted
        events = self.e == 1
        later = self.n - np.searchsorted(key, key[events], side="right")
        concordant, tied = _later_pairs_by_rank(rank, key, events)
        return float(concordant), float(later.sum()) - concordant - tied, float(tied)


def _later_pairs_by_rank(rank: np.ndarray, key: np.ndarray, asking: np.ndarray) -> tuple[int, int]:
    """The numbers of pairs (i, j) with ``asking[i]`` and ``key[j] > key[i]``: with ``rank[j] < rank[i]``,
    and with ``rank[j] == rank[i]``.

    From the highest binary digit of the rank down, the rows are kept in order of (the rank's higher
    digits, key). At each digit, within a block of equal higher digits, the rows whose digit is 0 have a
    lower rank than those whose digit is 1, so each asking row with digit 1 counts the digit-0 rows of its
    block with a larger key (a cumulative count); the block is then split by the digit, keeping the key
    order (a stable partition by counting). Every pair with ``rank[j] < rank[i]`` is counted once, at the
    first digit where the ranks differ; at the end the blocks are the ranks themselves, and the equal
    ranks are counted the same way. About log2(n) passes of a few linear operations, no sort.
    """
    n = len(rank)
    order = np.argsort(key, kind="stable")
    positions = np.arange(n)

    def layout(values: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, ...]:
        """Blocks of equal ``values`` and runs of equal keys within them, in the current order."""
        new_block = np.r_[True, values[1:] != values[:-1]]
        new_run = new_block | np.r_[True, keys[1:] != keys[:-1]]
        block_start, run_start = np.flatnonzero(new_block), np.flatnonzero(new_run)
        block_end, run_end = np.r_[block_start[1:], n], np.r_[run_start[1:], n]
        return block_start, block_end, np.cumsum(new_block) - 1, run_end, np.cumsum(new_run) - 1

    lower = 0
    for bit in reversed(range(max(int(rank.max()).bit_length(), 1))):
        r = rank[order]
        block_start, block_end, block_id, run_end, run_id = layout(r >> (bit + 1), key[order])
        low = ((r >> bit) & 1) == 0
        below = np.zeros(n + 1, dtype=np.int64)                          # digit-0 rows before each position
        np.cumsum(low, out=below[1:])
        low_in_block = below[block_end] - below[block_start]
        asks = np.flatnonzero(~low & asking[order])
        owner = block_id[asks]
        not_later = below[run_end[run_id[asks]]] - below[block_start[owner]]   # digit 0, key <= key_i
        lower += int(np.sum(low_in_block[owner] - not_later))
        start = block_start[block_id]
        before = below[:-1] - below[start]                               # digit-0 rows before, in the block
        destination = np.where(low, start + before, start + low_in_block[block_id] + (positions - start) - before)
        split = np.empty_like(order)
        split[destination] = order
        order = split
    _, block_end, block_id, run_end, run_id = layout(rank[order], key[order])  # blocks: equal ranks
    asks = np.flatnonzero(asking[order])
    return lower, int(np.sum(block_end[block_id[asks]] - run_end[run_id[asks]]))


def _harrell(concordant: float, discordant: float, tied: float) -> float:
    return (concordant + tied / 2) / (concordant + discordant + tied)


class _StratifiedLikelihood:
    """The partial likelihood of a model stratified by a column (R's ``+ strata(column)``): each stratum has its
    own baseline hazard, so its own risk sets; log-likelihood, gradient and information are the sums over the
    strata of :class:`_EfronLikelihood`, and concordance compares pairs within a stratum only (as coxph)."""

    def __init__(self, durations: np.ndarray, events: np.ndarray, x: np.ndarray, strata: np.ndarray):
        codes = pd.factorize(pd.Series(strata))[0]
        self.p = x.shape[1]
        self.parts = [(rows, _EfronLikelihood(durations[rows], events[rows], x[rows]))
                      for rows in (np.flatnonzero(codes == code) for code in range(codes.max() + 1))]

    def evaluate(self, beta: np.ndarray, derivatives: bool = True) -> tuple[float, np.ndarray, np.ndarray, None]:
        values = [part.evaluate(beta, derivatives) for _, part in self.parts]
        if not derivatives:
            return float(sum(value[0] for value in values)), np.empty(0), np.empty(0), None
        return (float(sum(value[0] for value in values)), sum(value[1] for value in values),
                sum(value[2] for value in values), None)

    fit = _EfronLikelihood.fit

    def schoenfeld(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pieces = [(rows[part_rows], residuals) for rows, part in self.parts
                  for part_rows, residuals in [part.schoenfeld(beta)]]
        return np.concatenate([rows for rows, _ in pieces]), np.vstack([residuals for _, residuals in pieces])

    def concordance(self, beta: np.ndarray) -> float:
        return _harrell(*np.sum([part.pair_counts(beta) for _, part in self.parts], axis=0))


def cox_model(df: pd.DataFrame, *, time: str, event: str, covariates: Sequence[str], ties: str = "efron",
              reference: Mapping[str, Any] | None = None, level: float = 0.95,
              missing: Literal["raise", "drop"] = "raise", strata: str | None = None) -> CoxResult:
    """Cox proportional-hazards regression with hazard ratios, concordance and likelihood-ratio test.

    Parameters
    ----------
    df, time, event, level, missing
        As in :func:`kaplan_meier`.
    covariates : list of str
        Numeric columns enter as they are; text and category columns as dummies against a reference
        level (see :func:`helpers.stats.design.design_matrix`).
    ties : {"efron"}
        Efron's method (R's default).
    reference : dict, optional
        Reference level per categorical covariate.
    strata : str, optional
        A column whose levels each get their own baseline hazard (R's ``+ strata(column)``), e.g. the
        hospital in a one-stage analysis of a multi-centre cohort.

    Returns
    -------
    CoxResult

    Raises
    ------
    InputError
        Bad columns or values, ``ties`` other than "efron".
    NotEstimable
        No events; constant or collinear terms; a coefficient that is not finite (monotone likelihood,
        R's ``coxph`` rule), with the events in each level of a categorical term.

    Warns
    -----
    UserWarning
        Fewer than 10 events per parameter (Peduzzi et al. 1995).

    Notes
    -----
    Partial likelihood with Efron's ties (Efron 1977) maximised by Newton-Raphson from 0 with step
    halving on centred covariates, as R's ``coxph``; risk-set sums by reverse cumulative sums over the
    sorted times (O(n log n)). SEs from the inverse observed information. Wald ``z = coef / SE``;
    interval ``exp(coef +/- z SE)``; likelihood-ratio statistic ``2 (l(b_hat) - l(0))`` on the number of
    terms; concordance is Harrell's C as ``coxph`` reports it (ties in the linear predictor count 1/2).

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6], "dead": [1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "arm": ["a", "b", "a", "b", "a", "b", "a", "b"]})
    >>> fit = cox_model(df, time="months", event="dead", covariates=["arm"])
    >>> fit.table["term"].tolist(), fit.table["reference"].tolist()
    (['arm[T.b]'], ['a'])
    """
    if ties != "efron":
        raise InputError(f"ties={ties!r} is not available: Efron's method (R's default) is implemented. "
                         "Use ties='efron'.")
    covariates = list(covariates)
    if not covariates or {time, event} & set(covariates):
        raise InputError(f"covariates must be a non-empty list of columns other than '{time}' and '{event}'.")
    z = z_quantile(level)
    if strata is not None and strata in covariates:
        raise InputError(f"strata='{strata}' is also a covariate; a stratum gets its own baseline hazard instead.")
    data = survival_data(df, time, event, covariates + ([strata] if strata else []), missing)
    n_event = int(data[event].sum())
    if n_event == 0:
        raise NotEstimable(f"there are no events in column '{event}' (all {len(data)} patients censored), so "
                           "there is no hazard to compare: a Cox model needs at least one event")
    design = design_matrix(data, predictors=covariates, reference=reference)
    frame = pd.concat([data[[time, event]], design.matrix], axis=1)
    terms = list(design.matrix.columns)
    per_parameter = n_event / len(terms)
    if per_parameter < EPV_THRESHOLD:
        warnings.warn(f"{per_parameter:.3g} events per parameter (< {EPV_THRESHOLD}; {n_event} events for "
                      f"{len(terms)} parameters): hazard ratios may be biased and unstable.", stacklevel=2)
    arrays = (frame[time].to_numpy(dtype=float), frame[event].to_numpy(dtype=float),
              design.matrix.to_numpy(dtype=float))
    likelihood = (_EfronLikelihood(*arrays) if strata is None
                  else _StratifiedLikelihood(*arrays, data[strata].astype(str).to_numpy()))
    try:
        beta, loglik, null, gradient, information = likelihood.fit()
        variance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        raise NotEstimable(f"the Cox model cannot be estimated: the terms {terms} are constant or collinear among "
                         "the patients analysed. Remove a covariate or merge rare levels.") from None
    infinite = _infinite_terms(beta, gradient @ variance, readable_terms(design.terms))
    if infinite:
        raise NotEstimable(_events_by_level(data, event, design.terms, infinite)
                           + f"the likelihood keeps increasing as the hazard ratio "
                           f"of {', '.join(infinite)} goes to 0 or infinity (monotone "
                           "likelihood: typically no events in one group, or events only in one group, among the "
                           "patients analysed), so the hazard ratio is not finite. Compare the groups with the "
                           "log-rank test and the restricted mean survival time instead.")
    standard_error = np.sqrt(np.diag(variance))
    wald = beta / standard_error
    ratio = max(0.0, 2 * (loglik - null))
    rows, residuals = likelihood.schoenfeld(beta)
    table = design.terms.assign(coef=beta, hazard_ratio=np.exp(beta), standard_error=standard_error, z=wald,
                                p_value=2 * stats.norm.sf(np.abs(wald)), ci_low=np.exp(beta - z * standard_error),
                                ci_high=np.exp(beta + z * standard_error),
                                method="Cox partial likelihood, Efron ties (Newton-Raphson as R coxph); Wald CI and test"
                                       + (f"; stratified by {strata}" if strata else ""))
    return CoxResult(table=table[COX_COLUMNS], n=len(frame), n_event=n_event,
                     concordance=likelihood.concordance(beta), likelihood_ratio=ratio,
                     likelihood_ratio_df=len(terms), likelihood_ratio_p_value=float(stats.chi2.sf(ratio, len(terms))),
                     log_likelihood=loglik, events_per_parameter=float(per_parameter),
                     variance=pd.DataFrame(variance, index=terms, columns=terms),
                     schoenfeld=pd.DataFrame(residuals, index=frame.index[rows], columns=terms),
                     data=frame, time=time, event=event)


def _events_by_level(data: pd.DataFrame, event: str, terms: pd.DataFrame, infinite: Sequence[str]) -> str:
    """The events in each level (and its reference) of the categorical terms in ``infinite`` (their
    :func:`helpers.stats.design.readable_terms`), in words, so a note says which group had none: "0 of the
    16 patients with imaging 'dynamic' and 3 of the 16 with imaging 'conventional' had an event
    ('complication' = 1): "; empty for numeric terms."""
    flagged = pd.Series(readable_terms(terms), index=terms.index).isin(infinite)
    said = []
    for term in terms[flagged & terms["level"].ne("")].itertuples(index=False):
        values = data[term.variable].astype(str)
        in_level, in_reference = values == term.level, values == term.reference
        said.append(f"{int(data.loc[in_level, event].sum())} of the {int(in_level.sum())} patients with "
                    f"{term.variable} '{term.level}' and {int(data.loc[in_reference, event].sum())} of the "
                    f"{int(in_reference.sum())} with {term.variable} '{term.reference}'")
    return f"{'; '.join(said)} had an event ('{event}' = 1): " if said else ""


def _infinite_terms(beta: np.ndarray, remaining_step: np.ndarray, terms: Sequence[str]) -> list[str]:
    """Terms whose coefficient is still moving at convergence, R's rule in ``coxph.fit``: ``infs =
    abs(u %*% var)`` flagged where ``infs > eps`` and ``infs > toler.inf * abs(coef)`` (eps = 1e-9,
    toler.inf = sqrt(eps)), the case R warns "Loglik converged before variable ...; coefficient may be
    infinite"."""
    step = np.abs(np.asarray(remaining_step, dtype=float))
    flagged = (step > 1e-9) & (step > np.sqrt(1e-9) * np.abs(beta))
    return [term for term, flag in zip(terms, flagged) if flag]


def _time_transform(durations: Sequence[float], events: Sequence[float], kind: str) -> np.ndarray:
    """Transformed times for the Schoenfeld test, one per patient, as R's ``cox.zph`` defines them.

    "km": ``1 - S(t-)`` with the left-continuous Kaplan-Meier estimate (lifelines uses ``1 - S(t)``);
    "rank": ranks of the event times with ties averaged, NaN when censored (lifelines numbers tied
    times 1, 2, ... in data order); "identity"; "log".
    """
    t, e = np.asarray(durations, dtype=float), np.asarray(events, dtype=float) == 1
    if kind == "identity":
        return t
    if kind == "log":
        return np.log(t)
    if kind == "rank":
        ranks = np.full(len(t), np.nan)
        ranks[e] = stats.rankdata(t[e])
        return ranks
    if kind == "km":
        curve = product_limit(t, e)
        before = np.searchsorted(curve["time"].to_numpy(), t, side="left") - 1
        return 1 - np.where(before >= 0, curve["survival"].to_numpy()[np.clip(before, 0, None)], 1.0)
    raise InputError(f"transform must be 'km', 'rank', 'identity' or 'log', not {kind!r}.")


@dataclass(frozen=True, eq=False)
class ProportionalHazardsResult:
    """Schoenfeld-residual test of proportional hazards.

    Attributes
    ----------
    table : DataFrame
        Per term and ``GLOBAL``: ``term``, ``statistic`` (chi-squared), ``df``, ``p_value``, ``transform``,
        ``method``.
    residuals : DataFrame
        Plot data, per term and event: ``term``, ``time``, ``transformed_time``, ``scaled_residual``
        (``s V D``), ``beta_t`` (coef + scaled residual, as R's ``plot(cox.zph(fit))``).
    """

    table: pd.DataFrame
    residuals: pd.DataFrame


def proportional_hazards_test(model: CoxResult, *, transform: Literal["km", "rank", "identity", "log"] = "km",
                              ) -> ProportionalHazardsResult:
    """Test the proportional-hazards assumption of a Cox model with scaled Schoenfeld residuals.

    Parameters
    ----------
    model : CoxResult
        From :func:`cox_model`.
    transform : {"km", "rank", "identity", "log"}
        Function of time against which the residuals are tested; "km" (R's default) is ``1 - S(t-)``
        with the left-continuous Kaplan-Meier estimate, "rank" the ranks of the event times.

    Returns
    -------
    ProportionalHazardsResult

    Notes
    -----
    Grambsch & Therneau (Biometrika 1994) in the approximation of R's survival before version 3.0,
    (also lifelines' ``proportional_hazard_test``, per term). With ``g`` the centred transformed event
    times, ``D`` events, ``V`` the model covariance and ``s`` the Schoenfeld residuals: per term
    ``(g' s V D)_k^2 / (D V_kk g'g)`` on 1 df; global ``(g's) V (s'g) D / g'g`` on (number of terms) df.
    R 3.0 and later (``cox.zph`` since 2019) use an exact score test, so their p-values differ
    somewhat. The transforms follow R: with tied event times lifelines' own "km" (``1 - S(t)``,
    right-continuous) and "rank" (1, 2, ... in data order, no averaging of ties) differ.

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6], "dead": [1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "age": [70, 62, 75, 50, 58, 66, 80, 55]})
    >>> fit = cox_model(df, time="months", event="dead", covariates=["age"])
    >>> proportional_hazards_test(fit).table["term"].tolist()
    ['age', 'GLOBAL']
    """
    data = model.data
    if transform not in ("km", "rank", "identity", "log"):
        raise InputError(f"transform must be 'km', 'rank', 'identity' or 'log', not {transform!r}.")
    transformed = pd.Series(_time_transform(data[model.time], data[model.event], transform), index=data.index)
    schoenfeld = model.schoenfeld
    variance = model.variance.to_numpy()
    terms = list(model.variance.columns)
    deaths = len(schoenfeld)
    centred = (transformed.loc[schoenfeld.index] - transformed.loc[schoenfeld.index].mean()).to_numpy()
    scaled = schoenfeld.to_numpy() @ variance * deaths                 # scaled Schoenfeld residuals
    per_term = (centred @ scaled) ** 2 / (np.diag(variance) * deaths * np.sum(centred ** 2))
    weighted = centred @ schoenfeld.to_numpy()
    statistic = float(weighted @ variance @ weighted * deaths / np.sum(centred ** 2))
    method = (f"Grambsch-Therneau test of scaled Schoenfeld residuals against {transform}-transformed time "
              "(R survival < 3.0 cox.zph)")
    table = pd.DataFrame({"term": [*terms, "GLOBAL"],
                          "statistic": [*per_term, statistic],
                          "df": [1] * len(terms) + [len(terms)],
                          "p_value": [*stats.chi2.sf(per_term, 1), stats.chi2.sf(statistic, len(terms))],
                          "transform": transform, "method": method})
    coefficients = model.table.set_index("term")["coef"]
    residuals = (pd.DataFrame(scaled, index=schoenfeld.index, columns=terms).rename_axis("row").reset_index()
                 .melt(id_vars="row", var_name="term", value_name="scaled_residual"))
    residuals["time"] = data.loc[residuals["row"], model.time].to_numpy()
    residuals["transformed_time"] = transformed.loc[residuals["row"]].to_numpy()
    residuals["beta_t"] = residuals["scaled_residual"] + coefficients.loc[residuals["term"]].to_numpy()
    return ProportionalHazardsResult(
        table=table, residuals=residuals[["term", "time", "transformed_time", "scaled_residual", "beta_t"]])


def smooth_schoenfeld_residuals(result: ProportionalHazardsResult, *, fraction: float = 2 / 3) -> pd.DataFrame:
    """Lowess curve of ``beta(t)`` per term: the visual guide drawn on a scaled Schoenfeld residual plot.

    Parameters
    ----------
    result : ProportionalHazardsResult
        From :func:`proportional_hazards_test`.
    fraction : float
        Share of the events used for each local fit (lowess ``frac``).

    Returns
    -------
    DataFrame
        ``term``, ``time``, ``transformed_time``, ``beta_t_smooth``, sorted by time within term: a flat
        curve at the model's coefficient is what proportional hazards predicts.

    Notes
    -----
    Locally weighted linear regression (Cleveland 1979; statsmodels ``lowess``, no robustness
    iterations) of ``beta_t`` on the transformed time of the test, so the curve shows the trend the test
    measures. R's ``plot(cox.zph(fit))`` draws a natural spline instead; both are visual guides only.

    Examples
    --------
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 9, 11, 4, 6, 8, 10, 12, 1],
    ...                    "dead": [1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1],
    ...                    "age": [70, 62, 75, 50, 58, 66, 80, 55, 61, 72, 49, 77]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fit = cox_model(df, time="months", event="dead", covariates=["age"])
    >>> smooth = smooth_schoenfeld_residuals(proportional_hazards_test(fit))
    >>> len(smooth) == fit.n_event
    True
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess

    if not 0 < fraction <= 1:
        raise InputError(f"fraction must lie in (0, 1], not {fraction!r}.")
    frames = []
    for term, part in result.residuals.groupby("term", sort=False):
        part = part.sort_values(["transformed_time", "time"], kind="stable")
        fitted = lowess(part["beta_t"].to_numpy(), part["transformed_time"].to_numpy(), frac=fraction, it=0,
                        return_sorted=False)
        frames.append(pd.DataFrame({"term": term, "time": part["time"].to_numpy(),
                                    "transformed_time": part["transformed_time"].to_numpy(),
                                    "beta_t_smooth": fitted}))
    return pd.concat(frames, ignore_index=True)
