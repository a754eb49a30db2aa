"""Every table a chapter page displays goes through :func:`show`: human labels, numbers formatted by kind,
no ``NaN``/``None``/``True`` in a page, padded cells. It computes nothing: it only turns values into text.

Labels come from one place per chapter (``helpers.chapters.<id>.labels.LABELS``) on top of
:data:`COMMON_LABELS`; model terms such as ``imaging[T.dynamic]`` or
``visit_month[T.3.0]:group[T.non-severe]`` are read by :func:`term_label`.

>>> format_p(9.2e-42), format_p(0.0), format_p(0.0312), format_p(0.2)
('<0.001', '<0.001', '0.031', '0.20')
>>> format_estimate(39.164491), format_estimate(0.23294008488947307), format_estimate(-0.0001), format_estimate(62.0)
('39.2', '0.233', '0', '62')
>>> text_label("Shapiro-Wilk rejected normality (W = 0.940, p = 0.000139)", {})
'Shapiro-Wilk rejected normality (W = 0.940, p <0.001)'
>>> term_label("imaging[T.dynamic]", {"imaging": "Imaging"}, {"imaging": "conventional"})
'Imaging: dynamic vs conventional'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.presentation import privacy
from helpers.validation.estimable import Skipped

COMMON_LABELS: dict[str, str] = {
    "quantity": "Quantity", "estimate": "Estimate", "ci_low": "CI lower", "ci_high": "CI upper",
    "p_value": "p", "p_adjusted": "p (adjusted)", "test": "Test", "method": "Method", "n": "n",
    "n1": "n (group 1)", "n2": "n (group 2)", "term": "Term", "odds_ratio": "Odds ratio",
    "hazard_ratio": "Hazard ratio", "statistic": "Statistic", "df": "df", "group": "Group",
    "item": "Item", "value": "Value", "column": "Column", "type": "Type", "allowed": "Allowed values",
    "description": "Description", "meaning": "Meaning", "outcome": "Outcome", "analysis": "Analysis",
    "covariate": "Covariate", "published": "Published", "reproduced": "Reproduced", "rule": "Rule",
    "agrees": "Agrees", "chapter": "Chapter", "standard_error": "Standard error", "coef": "Coefficient (log scale)",
    "Intercept": "Intercept", "observed": "Observed", "expected": "Expected",
    "observed_over_expected": "Observed / expected", "events": "Events", "n_events": "Events",
    "setting": "Setting", "caliper_width": "Caliper width", "time": "Time", "survival": "Survival",
    "visit": "Visit", "model": "Model", "predictor": "Predictor", "cutoff": "Cut-off", "pairs": "Pairs",
    "power": "Power", "sd": "SD", "scenario": "Scenario", "smd_before": "SMD before",
    "smd_after": "SMD after", "smd_after_pooled": "SMD after (pooled SD)", "smd_max": "Largest |SMD|",
    "variance_ratio_before": "Variance ratio before", "variance_ratio_after": "Variance ratio after",
    "effect_size_d": "Effect size d", "difference": "Difference", "relative_difference": "Relative difference",
    "how": "How", "conf_type": "Interval type", "patients": "Patients", "min_expected": "Smallest expected count",
    "apparent": "Apparent", "optimism": "Optimism", "corrected": "Optimism-corrected", "ideal": "Ideal",
    "n_boot": "Bootstrap samples", "risk_ratio": "Risk ratio", "e_value_estimate": "E-value (estimate)",
    "e_value_ci": "E-value (CI limit)", "p_published": "p (published)", "p_reproduced": "p (reproduced)",
    "random_effects": "Random effects", "random_effects_reason": "Why these random effects",
    "concordance": "Concordance", "effect": "Effect", "assumed value": "Assumed value",
    "treated": "Treated", "control": "Control",
}
"""Labels of the column names the package's functions return, shared by every chapter."""

COUNT_NAMES = re.compile(r"^(n|n\d|n_\w+|\w+_n|pairs|patients|events|observed|unmatched|df|n_boot|count|counts|"
                         r"true_positive|false_positive|true_negative|false_negative|excluded|matched|"
                         r"unmatched_\w+|at_risk|n_at_risk)$", re.I)
P_NAMES = re.compile(r"(^|_)p($|_)|p_value|^p$", re.I)
TERM = re.compile(r"^(?:C\()?(?P<name>[^\[\(\)]+?)\)?\[T\.(?P<level>[^\]]+)\]$")
RATIO_NAMES = re.compile(r"(odds|hazard|risk|likelihood)_ratio|^lr_", re.I)
P_IN_TEXT = re.compile(r"\bp = (\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")
SNAKE_TOKEN = re.compile(r"(?<![\w.=])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.(=])")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
BLANKS = {"nan", "none", "nat", "<na>", ""}

TABLE_STYLES = [
    {"selector": "", "props": [("border-collapse", "collapse"), ("margin", "0.5em 0")]},
    {"selector": "th, td", "props": [("padding", "0.3em 0.75em"), ("text-align", "left"), ("vertical-align", "top")]},
    {"selector": "td.number", "props": [("text-align", "right"), ("font-variant-numeric", "tabular-nums")]},
]


def format_p(value: object) -> str:
    """A p-value as a reader should see it: ``"<0.001"``, never 0 and never an exponent."""
    if _blank(value):
        return ""
    p = float(value)
    if p < 0.001:
        return "<0.001"
    if p < 0.01:
        return f"{p:.3f}"
    return f"{p:.2f}" if p >= 0.1 else f"{p:.3f}"


def format_estimate(value: object, digits: int = 3, max_decimals: int = 3) -> str:
    """A number to ``digits`` significant digits (at most ``max_decimals`` decimals), whole numbers without
    decimals, no ``-0``; values closer to 0 than the last decimal read ``"<0.001"``/``">-0.001"`` unless they
    round to 0 at that precision."""
    if _blank(value):
        return ""
    x = float(value)
    if not math.isfinite(x):
        return "infinite" if x > 0 else "minus infinite"
    if x.is_integer():
        return f"{int(x):,}" if abs(x) >= 10000 else f"{int(x)}"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    magnitude = math.floor(math.log10(abs(x))) + 1
    decimals = min(max_decimals, max(0, digits - magnitude))
    text = f"{x:.{decimals}f}"
    if float(text) == 0:
        return "0"
    return text


def format_count(value: object) -> str:
    """A count: an integer, no decimals."""
    if _blank(value):
        return ""
    if isinstance(value, str):
        return value
    x = float(value)
    return f"{int(round(x))}" if math.isfinite(x) else ""


def format_percent(value: object, decimals: int = 1) -> str:
    """A proportion (0.123) as a percentage (``"12.3%"``)."""
    if _blank(value):
        return ""
    text = f"{float(value) * 100:.{decimals}f}"
    return ("0" if float(text) == 0 else text) + "%"


def format_value(value: object, kind: str = "estimate", labels: Mapping[str, str] | None = None,
                 references: Mapping[str, str] | None = None) -> str:
    """One cell as text, by ``kind``: ``"p"``, ``"count"``, ``"percent"``, ``"ratio"`` (a positive ratio:
    never shown as 0), ``"estimate"``, ``"text"``."""
    if _blank(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, str) or kind == "text":
        return text_label(str(value), labels or {}, references or {})
    if kind == "p":
        return format_p(value)
    if kind == "count":
        return format_count(value)
    if kind == "percent":
        return format_percent(value)
    if kind == "ratio":
        text = format_estimate(value)
        return "<0.001" if text == "0" and float(value) > 0 else text
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return format_estimate(value)
    return text_label(str(value), labels or {}, references or {})


def term_label(term: str, labels: Mapping[str, str], references: Mapping[str, str] | None = None) -> str:
    """A model term in words: ``imaging[T.dynamic]`` -> ``"Imaging: dynamic vs conventional"``.

    Interactions (``a:b``) are joined by `` x ``. A label containing ``{level}`` is filled in
    (``{"visit_month": "{level} months"}`` turns ``visit_month[T.3.0]`` into ``"3 months"``).
    """
    references = references or {}
    if ":" in term and not term.startswith("http"):
        return " x ".join(term_label(part, labels, references) for part in term.split(":"))
    if term in labels:
        return labels[term]
    match = TERM.match(term)
    if not match:
        return labels.get(term, _humanise(term) if SNAKE.match(term) else term)
    name, level = match.group("name"), _level(match.group("level"))
    label = labels.get(name, _humanise(name))
    if "{level}" in label:
        return label.format(level=level)
    reference = references.get(name)
    return f"{label}: {level} vs {reference}" if reference is not None else f"{label}: {level}"


def text_label(text: str, labels: Mapping[str, str], references: Mapping[str, str] | None = None) -> str:
    """A text cell: a code name becomes its label; other text is left alone."""
    stripped = text.strip()
    if stripped.lower() in BLANKS:
        return ""
    if stripped in ("True", "False"):
        return "yes" if stripped == "True" else "no"
    if stripped in labels:
        return labels[stripped]
    if "[T." in stripped or SNAKE.match(stripped):
        return term_label(stripped, labels, references)
    if ", " in stripped and all(part in labels for part in stripped.split(", ")):
        return ", ".join(labels[part] for part in stripped.split(", "))
    stripped = SNAKE_TOKEN.sub(lambda m: labels.get(m.group(0), m.group(0)), text)
    return P_IN_TEXT.sub(lambda m: "p " + _p_phrase(m.group(1)), stripped)


def _p_phrase(number: str) -> str:
    text = format_p(float(number))
    return text if text.startswith("<") else f"= {text}"


def column_kind(name: object, series: pd.Series, kinds: Mapping[str, str]) -> str:
    """The kind of a column: given in ``kinds``, else from its name (p-values, counts) or its dtype."""
    if name in kinds:
        return kinds[name]
    text = str(name)
    if P_NAMES.search(text):
        return "p"
    if COUNT_NAMES.match(text) or pd.api.types.is_integer_dtype(series.dtype):
        return "count"
    if pd.api.types.is_bool_dtype(series.dtype):
        return "text"
    if RATIO_NAMES.search(text):
        return "ratio"
    return "estimate"


def show(table: pd.DataFrame | pd.Series, labels: Mapping[str, str] | None = None,
         kinds: Mapping[str, str] | None = None, references: Mapping[str, str] | None = None,
         code: tuple[str, ...] | list[str] = (), index: bool = False, caption: str | None = None,
         missing: str | Mapping[str, str] = "", code_headers: bool = False):
    """``table`` as a pandas Styler ready for a page: labelled columns and cells, numbers by kind.

    ``labels`` (usually a chapter's ``LABELS``) extends :data:`COMMON_LABELS`; ``kinds`` overrides the kind
    of a column (``"p"``, ``"count"``, ``"percent"``, ``"estimate"``, ``"text"``); ``references`` names the
    reference level of categorical model terms; the columns in ``code`` are shown as code (column names a
    user must type, kept verbatim); ``missing`` is the text of an empty number cell (e.g. ``"not reached"`` for
    a median survival), or a mapping column -> text; ``code_headers=True`` shows the column names verbatim as code (a data file's own
    header, as in example rows); ``index=True`` keeps the index as the first column. With small-cell
    suppression on, counts from 1 to K - 1 read ``"<K"`` before formatting. An analysis this cohort could
    not support (a :class:`helpers.validation.estimable.Skipped`) is returned as it is: its note shows.
    """
    if isinstance(table, Skipped):
        return table.for_display()
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    frame = frame.reset_index() if index else frame.reset_index(drop=True)
    threshold = privacy.active_threshold()
    if threshold:
        frame = privacy.suppress_small_cells(frame, threshold)
    names = {**COMMON_LABELS, **(labels or {})}
    kinds = dict(kinds or {})
    if any(RATIO_NAMES.search(str(c)) for c in frame.columns):
        kinds = {"ci_low": "ratio", "ci_high": "ratio", **kinds}
    shown = pd.DataFrame(index=frame.index)
    numeric = []
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        header = f"<code>{_escape(str(column))}</code>" if code_headers else _header(column, names)
        while header in shown.columns:
            header += " "
        if column in code:
            shown[header] = [("" if _blank(v) else f"<code>{_escape(str(v))}</code>") for v in series]
            continue
        kind = column_kind(column, series, kinds)
        if kind == "count" and threshold:
            series = series.map(lambda value: privacy.mask_count(value, threshold))
        empty = missing.get(column, "") if isinstance(missing, Mapping) else missing
        cells = [empty if _blank(value) else format_value(value, kind, names, references) for value in series]
        shown[header] = [_escape(cell) for cell in cells]
        if kind != "text" and not pd.api.types.is_object_dtype(series.dtype):
            numeric.append(header)
    styler = shown.style.hide(axis="index").set_table_styles(TABLE_STYLES)
    styler = styler.set_table_attributes('class="spinebook-table dataframe"')  # dataframe: themes style it as a table
    if numeric:
        styler = styler.set_td_classes(pd.DataFrame(
            [["number" if c in numeric else "" for c in shown.columns] for _ in shown.index],
            index=shown.index, columns=shown.columns))
    if caption:
        styler = styler.set_caption(caption)
    styler.small_cells_masked = True  # read by privacy.styler_to_html: the cells are already masked text
    return styler


def _header(column: object, names: Mapping[str, str]) -> str:
    if isinstance(column, tuple):
        return " ".join(_header(part, names) for part in column if str(part))
    text = str(column)
    if text in names:
        return names[text]
    if re.fullmatch(r"level_\d+|index", text):
        return ""  # an unnamed index level (tableone's variable and level)
    if "[T." in text or SNAKE.match(text):
        return term_label(text, names)
    text = SNAKE_TOKEN.sub(lambda m: names.get(m.group(0), m.group(0)), text)
    return _humanise(text) if re.fullmatch(r"[a-z][a-z0-9]*", text) else text


def _humanise(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _level(level: str) -> str:
    try:
        number = float(level)
    except ValueError:
        return level
    return format_estimate(number)


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)) and not np.isfinite(value) and not np.isinf(value):
        return True
    if isinstance(value, str):
        return value.strip().lower() in BLANKS
    return False


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")



def two_by_two_grid(counts: Mapping[str, int], rows: tuple[str, str] = ("Test positive", "Test negative"),
                    columns: tuple[str, str] = ("Disease present", "Disease absent")) -> pd.DataFrame:
    """The counts of ``helpers.stats.diagnostic.two_by_two`` laid out as the 2x2 grid a reader expects:
    test result (rows) by reference standard (columns), with row and column totals. With small-cell
    suppression on, small cells and those that would give them away are masked
    (:func:`helpers.presentation.privacy.suppress_with_totals`).

    >>> two_by_two_grid({"true_positive": 9, "false_positive": 3, "false_negative": 1, "true_negative": 27})
    ... # doctest: +NORMALIZE_WHITESPACE
                   Disease present  Disease absent  Total
    Index test
    Test positive                9               3     12
    Test negative                1              27     28
    Total                       10              30     40
    """
    cells = [[counts["true_positive"], counts["false_positive"]], [counts["false_negative"], counts["true_negative"]]]
    frame = pd.DataFrame(cells, index=list(rows), columns=list(columns))
    frame["Total"] = frame.sum(axis=1)
    frame.loc["Total"] = frame.sum(axis=0)
    frame.index.name = "Index test"
    frame = frame.astype(int)
    threshold = privacy.active_threshold()
    if threshold > 1:  # a masked cell must not be recoverable from the totals and the other cells
        frame = privacy.suppress_with_totals(frame, threshold)
    return frame


def readable_warnings() -> None:
    """Show warnings on a chapter page as one plain line ("Warning: ..."), not as a source path, line
    number and category. Does nothing outside a notebook kernel (scripts and tests keep Python's format)."""
    import sys
    import warnings

    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return
    if get_ipython() is None:
        return

    def plain(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001 - warnings' signature
        print(f"Warning: {message}", file=file or sys.stderr)

    warnings.showwarning = plain

