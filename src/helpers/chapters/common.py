"""What every chapter shares: the :class:`Chapter` description, the paper's numbers beside the
reproduced ones, and the run's outputs.

* :class:`Chapter`: a chapter's id, title, data file and folder (its modules are imported when first used).
* :class:`PublishedValue` and :func:`compare_with_published`: a chapter keeps its paper's numbers in one
  place (``helpers/chapters/<id>/published.py``); the page and the chapter's test call the same function.
* :func:`write_outputs`, :func:`provenance_record`, :func:`provenance_table`: ``results.csv`` and
  ``provenance.json`` of a run (parameters, input file SHA-256 and the format detected in it, package versions,
  git commit, UTC time).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import platform
import subprocess
from dataclasses import dataclass
from importlib import import_module, metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from helpers.validation.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

# numpy, pandas and the file readers are imported where used: the registry, the command line and the
# build's cache check import this module and must not pay for them (issue 16).


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file (:func:`helpers.validation.files.sha256_of`, imported when first needed)."""
    from helpers.validation.files import sha256_of as digest

    return digest(path)

TOLERANCE_KINDS = ("absolute", "relative", "exact")


@dataclass(frozen=True)
class PublishedValue:
    """One number as the paper reports it: the one type every chapter keeps its paper's numbers in.

    ``quantity`` and ``group`` name the matching row of the chapter's results; ``tolerance`` (with
    ``kind`` "absolute" or "relative"; "exact" needs no tolerance) is how close the chapter must come,
    None for a number shown but not held to a tolerance; ``label`` is the row's name on the page;
    ``p_value`` is the paper's p for the comparison (a reproduced p must fall on the same side of 0.05);
    ``ci_low``/``ci_high`` the paper's interval (a reproduced estimate must lie inside it, when given);
    ``note`` how the book reads an ambiguous report.
    """

    quantity: str
    group: str
    value: float
    label: str = ""
    tolerance: float | None = None
    kind: str = "absolute"
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in TOLERANCE_KINDS:
            raise ValueError(f"kind={self.kind!r}: use one of {TOLERANCE_KINDS}.")

    @property
    def rule(self) -> str:
        """The agreement rule in words, e.g. "within 2% (relative) and inside the published 95% CI"."""
        if self.kind == "exact":
            text = "exact"
        elif self.tolerance is None:
            text = ""
        elif self.kind == "relative":
            text = f"within {self.tolerance:.0%} (relative)"
        else:
            text = f"within {self.tolerance:g}"
        if self.ci_low is not None:
            text += " and inside the published 95% CI"
        if self.p_value is not None:
            text += "; p on the same side of 0.05"
        return text

    def agrees(self, reproduced: float, p_value: float | None = None) -> bool | None:
        """Whether a reproduced estimate (and its p) meets :attr:`rule`; None when no rule is set."""
        if self.kind != "exact" and self.tolerance is None and self.ci_low is None and self.p_value is None:
            return None
        difference = abs(reproduced - self.value)
        if self.kind == "exact":
            ok = reproduced == self.value
        elif self.tolerance is None:
            ok = True
        elif self.kind == "relative":
            ok = difference <= self.tolerance * abs(self.value) + 1e-12
        else:
            ok = difference <= self.tolerance + 1e-12
        if self.ci_low is not None:
            ok = ok and self.ci_low <= reproduced <= self.ci_high
        if self.p_value is not None and p_value is not None:
            ok = ok and (p_value < 0.05) == (self.p_value < 0.05)
        return bool(ok)


def published_values(published: Iterable[PublishedValue]) -> dict[str, float]:
    """The published numbers by quantity (``quantity`` or ``quantity:group``), for code that reads them."""
    return {(item.quantity if not item.group else f"{item.quantity}:{item.group}"): item.value for item in published}


def compare_with_published(results: pd.DataFrame, published: Iterable[PublishedValue]) -> pd.DataFrame:
    """Each published number beside the reproduced one, the difference and whether it is within tolerance.

    Parameters
    ----------
    results : DataFrame
        Tidy results with columns ``quantity``, ``group`` and ``estimate`` (e.g. a chapter's
        ``results.csv``); each published (quantity, group) must occur exactly once.
    published : iterable of PublishedValue

    Returns
    -------
    DataFrame
        One row per published value: ``label, quantity, group, published, reproduced, difference``
        (reproduced - published), ``relative_difference`` (difference / |published|), ``tolerance``
        (text, e.g. "+/- 0.03" or "+/- 2%"; empty when none is set), ``within_tolerance`` (bool, or
        NA when no tolerance is set or the results row has no estimate, as for a quantity not estimated for
        this cohort).

    Raises
    ------
    InputError
        When a published (quantity, group) is missing from the results or occurs more than once.

    Examples
    --------
    >>> import pandas as pd
    >>> results = pd.DataFrame({"quantity": ["auc"], "group": ["fa"], "estimate": [0.874]})
    >>> table = compare_with_published(results, [PublishedValue("auc", "fa", 0.86, "AUC of FA", 0.03)])
    >>> table[["published", "reproduced", "tolerance", "within_tolerance"]].round(3)
       published  reproduced tolerance  within_tolerance
    0       0.86       0.874  +/- 0.03              True
    """
    import pandas as pd

    missing = {"quantity", "group", "estimate"} - set(results.columns)
    if missing:
        raise InputError(f"results lack column(s) {sorted(missing)}; pass the chapter's tidy results table.")
    rows = []
    for item in published:
        match = results[(results["quantity"] == item.quantity) & (results["group"].astype(str) == item.group)]
        if len(match) != 1:
            found = "no row" if match.empty else f"{len(match)} rows"
            raise InputError(f"published value '{item.label}': {found} with quantity '{item.quantity}' and group "
                             f"'{item.group}' in the results; add exactly one.")
        reproduced = float(match["estimate"].iloc[0])
        difference = reproduced - item.value
        agrees = None if pd.isna(reproduced) else item.agrees(reproduced)  # NaN: not estimated for this cohort
        within = pd.NA if agrees is None else agrees
        if item.tolerance is None or item.kind == "exact":
            text = "exact" if item.kind == "exact" else ""
        else:
            text = f"+/- {item.tolerance:.0%}" if item.kind == "relative" else f"+/- {item.tolerance:g}"
        rows.append({"label": item.label, "quantity": item.quantity, "group": item.group, "published": item.value,
                     "reproduced": reproduced, "difference": difference,
                     "relative_difference": difference / abs(item.value) if item.value else float("nan"),
                     "tolerance": text, "within_tolerance": within})
    table = pd.DataFrame(rows)
    table["within_tolerance"] = table["within_tolerance"].astype("boolean")
    return table


@dataclass(frozen=True)
class Chapter:
    """One chapter of the book: its folder ``helpers/chapters/<package>/`` and its notebook pair.

    The folder holds ``schema.py`` (the pandera schema ``SCHEMA``), ``simulate.py`` (``simulate(...)``,
    the synthetic data generator), ``published.py`` (the paper's numbers), optionally ``parameters.py``
    (``check_parameters(**values)``), the chapter's own ``analysis.py`` and ``figures.py``, and
    ``results.py`` (``results(...)``, the rows of ``results.csv``). Modules are imported when first
    used, so reading the registry imports no statistics.
    """

    id: str
    title: str
    data_file: str
    seed_file: str
    paper_n: int = 100
    """Patients in the paper (or the synthetic default); ``make bench`` runs the chapter at 1x, 10x, 100x."""

    @property
    def package(self) -> str:
        """Import path of the chapter's folder (the id with underscores)."""
        return "helpers.chapters." + self.id.replace("-", "_")

    @property
    def notebook(self) -> str:
        """Stem of the paired notebook files in ``notebooks/`` (``<id>.md`` and ``<id>.ipynb``)."""
        return self.id

    def module(self, part: str) -> ModuleType:
        """One module of the chapter's folder, e.g. ``chapter.module("simulate")``."""
        return import_module(f"{self.package}.{part}")

    @property
    def schema(self):
        """The chapter's pandera schema (``schema.SCHEMA``)."""
        return self.module("schema").SCHEMA

    def generate(self, **options: Any) -> pd.DataFrame:
        """The chapter's synthetic data (``simulate.simulate(**options)``; the default data without options,
        e.g. ``n=`` for ``make bench``'s larger cohorts)."""
        return self.module("simulate").simulate(**options)

    @property
    def check_parameters(self) -> Callable[..., None] | None:
        """``parameters.check_parameters`` (raises InputError before execution), or None if the chapter has none."""
        try:
            return self.module("parameters").check_parameters
        except ModuleNotFoundError:
            return None


PROVENANCE_PACKAGES = [
    "numpy", "scipy", "pandas", "statsmodels", "scikit-learn", "lifelines", "pingouin", "tableone",
    "pandera", "matplotlib", "seaborn", "papermill", "jupytext", "jupyter-book", "sphinx", "openpyxl", "pyreadstat",
]
"""Packages whose versions a provenance record lists (besides Python and ``helpers`` itself)."""


def package_versions(packages: Iterable[str] = PROVENANCE_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``packages`` (None for a package that is not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in ["spine-mri-outcomes", *packages]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(directory: str | Path | None = None) -> str | None:
    """The commit of the repository holding ``directory`` (default: this package), '+dirty' if changed."""
    directory = Path(directory) if directory else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=directory,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "") if commit else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def input_format(data_path: str | Path, column_map: str | Path | Mapping | None = None) -> dict[str, Any]:
    """What the reader detected in the input file (format, encoding, delimiter, decimal mark, sheet, value labels
    applied, columns dropped; :class:`helpers.validation.readers.ReadInfo`), for ``provenance.json``."""
    from helpers.validation import mapping, readers

    rules: Mapping[str, Any] = {}
    if column_map:
        rules = column_map if isinstance(column_map, Mapping) else mapping.read_column_map(column_map)
    try:
        info = readers.read_export(data_path, sheet=rules.get("sheet"),
                                   redcap_dictionary=rules.get("redcap_dictionary")).info.as_dict()
    except InputError as error:
        return {"error": str(error)}
    if rules.get("redcap_dictionary"):
        info["redcap_dictionary_sha256"] = sha256_of(rules["redcap_dictionary"])
    if rules.get("derive"):
        info["dates"] = "day-first" if rules.get("dayfirst", True) else "month-first"
    return info


def provenance_record(*, chapter: str, parameters: Mapping[str, Any], data_path: str | Path | None,
                      extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the provenance record of one chapter run (see the module docstring)."""
    data_path = Path(data_path) if data_path else None
    record: dict[str, Any] = {
        "chapter": chapter,
        "parameters": _jsonable(dict(parameters)),
        "input_file": str(data_path.resolve()) if data_path else None,
        "input_sha256": sha256_of(data_path) if data_path else None,
        "input_format": input_format(data_path, parameters.get("column_map")) if data_path else None,
        "packages": package_versions(),
        "git_commit": git_commit(),
        "utc_time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": platform.platform(),
    }
    column_map = parameters.get("column_map")
    if column_map:
        import yaml

        record["column_map"] = yaml.safe_load(Path(column_map).read_text(encoding="utf-8"))
    if extra:
        record.update(_jsonable(dict(extra)))
    return record


def write_outputs(results: pd.DataFrame, *, output_dir: str | Path, chapter: str,
                  parameters: Mapping[str, Any], data_path: str | Path | None,
                  extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``results.csv`` and ``provenance.json`` into ``output_dir`` and return the provenance.

    ``results`` must have exactly the columns of :data:`RESULT_COLUMNS`. With a ``suppress_small_cells``
    parameter above 1, small counts are masked (:func:`helpers.presentation.privacy.suppress_small_results`). Existing files are replaced
    only inside ``output_dir``, which the caller owns (the command line gives every run a new folder). The
    analyses this cohort could not support (rows whose method begins "not estimated for this cohort") are
    listed in the provenance as ``not_estimated``.
    """
    from helpers.validation.results import RESULT_COLUMNS

    if list(results.columns) != RESULT_COLUMNS:
        raise ValueError(f"results must have columns {RESULT_COLUMNS}, got {list(results.columns)}")
    threshold = int(parameters.get("suppress_small_cells") or 0)
    if threshold > 1:
        from helpers.presentation.privacy import suppress_small_results

        results = suppress_small_results(results, threshold)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    from helpers.validation.estimable import skipped_rows

    skipped = skipped_rows(results)
    extra = {**(extra or {}), "not_estimated": skipped} if skipped else extra
    record = provenance_record(chapter=chapter, parameters=parameters, data_path=data_path, extra=extra)
    results.to_csv(output_dir / "results.csv", index=False, float_format="%.10g")
    (output_dir / "provenance.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def provenance_table(record: Mapping[str, Any]) -> pd.DataFrame:
    """A provenance record as a two-column table (``item``, ``value``) for the page's footer.

    Paths show the file's name only (the page may be shared; the full path stays in ``provenance.json``),
    lists read as text and empty values as empty cells.

    >>> provenance_table({"input_file": "/home/me/study/cohort.csv", "input_format": {"notes": ["a", "b"]}})["value"].tolist()
    ['cohort.csv', 'a; b']
    """
    import pandas as pd

    rows = []
    for key, value in record.items():
        if isinstance(value, Mapping):
            rows.extend((f"{key}: {name}", _provenance_text(name, item)) for name, item in value.items())
        else:
            rows.append((key, _provenance_text(key, value)))
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": str})


# --------------------------------------------------------------------------------------------------------
# Multi-centre studies: what a site may share (see helpers.book.pool for the files and the pooling).

POOLING_SCALES = ("log", "logit", "identity")
SE_RULES = ("wald", "t_n_minus_1")
SITE_LOCAL_PARAMETERS = ("column_map", "allow_identifiers", "suppress_small_cells")
"""Parameters that may differ between sites (and are not shared: a mapping file's path is local)."""

SITE_SUMMARY_FORMAT = "spinebook-site-summary/1"


@dataclass(frozen=True)
class PoolableQuantity:
    """One quantity of a chapter's ``results.csv`` that sites may pool, and how.

    ``quantity``/``group`` name the results row; ``scale`` is the analysis scale the estimate is pooled on
    ("log" for ratios, "logit" for proportions and AUCs, "identity" for differences and coefficients);
    ``se_from`` how the standard error follows from the row's interval at the run's ``level``: "wald"
    (SE = (g(hi) - g(lo)) / (2 z), g the scale's transform) or "t_n_minus_1" (SE = (hi - lo) / (2 t), t with
    the row's n - 1 degrees of freedom, for a paired t interval); ``events`` an optional (quantity, group) row
    whose estimate is the number of events.
    """

    name: str
    quantity: str
    group: str
    scale: str
    label: str
    se_from: str = "wald"
    events: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.scale not in POOLING_SCALES or self.se_from not in SE_RULES:
            raise ValueError(f"{self.name}: scale in {POOLING_SCALES}, se_from in {SE_RULES}")

    def transform(self, value: float) -> float:
        """The value on the analysis scale (NaN for a value outside its domain)."""
        import numpy as np
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.scale == "log":
                return float(np.log(value)) if value > 0 else float("nan")
            if self.scale == "logit":
                return float(np.log(value / (1 - value))) if 0 < value < 1 else float("nan")
        return float(value)


@dataclass(frozen=True)
class SiteDiagnostic:
    """A number of ``results.csv`` a site shares to show how its analysis went (``field``: "estimate" or
    "p_value" of the row ``quantity``, and ``group`` when given), e.g. the proportional-hazards test's p."""

    name: str
    quantity: str
    field: str = "estimate"
    group: str | None = None
    count: bool = False
    """A count of patients or events: left out (null) below the small-cell threshold like n and events."""


def _row(results: pd.DataFrame, quantity: str, group: str | None) -> pd.Series | None:
    match = results[results["quantity"] == quantity]
    if group is not None:
        match = match[match["group"].astype(str) == group]
    return match.iloc[0] if len(match) == 1 else None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def schema_version(schema) -> str:
    """A short hash of a pandera schema's column specification (names, types, nullability, checks)."""
    import hashlib

    spec = [(name, str(column.dtype), bool(column.nullable), bool(column.required),
             sorted(str(check) for check in column.checks)) for name, column in sorted(schema.columns.items())]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:16]


def site_summary(results: pd.DataFrame, *, chapter: str, site: str, parameters: Mapping[str, Any],
                 poolable: Iterable[PoolableQuantity], diagnostics: Iterable[SiteDiagnostic] = (),
                 schema=None, small_cell_threshold: int = 0) -> dict[str, Any]:
    """The shareable summary of one site's run: aggregates only, built from the chapter's tidy results.

    For each poolable quantity: the estimate on its analysis scale, its standard error (from the interval, see
    :class:`PoolableQuantity`), n and events; the chapter, its shared parameters (without
    :data:`SITE_LOCAL_PARAMETERS`), the schema version, package versions and the site's diagnostics. With
    ``small_cell_threshold`` K > 1, n and events from 1 to K - 1 are left out (null). No patient-level value
    is read: only the rows of ``results``.
    """
    from scipy import stats as sps

    level = float(parameters.get("level", 0.95))
    z = float(sps.norm.ppf(0.5 + level / 2))

    def shareable_count(value: Any) -> int | None:
        number = _number(value)
        if number is None:
            return None
        if small_cell_threshold > 1 and 1 <= number < small_cell_threshold:
            return None
        return int(round(number))

    quantities: dict[str, Any] = {}
    for item in poolable:
        row = _row(results, item.quantity, item.group)
        entry: dict[str, Any] = {"label": item.label, "scale": item.scale, "se_from": item.se_from,
                                 "estimate": None, "standard_error": None, "n": None, "events": None}
        if row is not None:
            estimate, low, high = (_number(row[name]) for name in ("estimate", "ci_low", "ci_high"))
            n = _number(row["n"])
            entry["n"] = shareable_count(n)
            if item.events is not None:
                events_row = _row(results, *item.events)
                entry["events"] = shareable_count(events_row["estimate"]) if events_row is not None else None
            if None not in (estimate, low, high):
                if item.se_from == "wald":
                    se = (item.transform(high) - item.transform(low)) / (2 * z)
                else:
                    se = (high - low) / (2 * float(sps.t.ppf(0.5 + level / 2, n - 1))) if n and n > 1 else None
                value = item.transform(estimate)
                if se is not None and math.isfinite(value) and math.isfinite(se) and se > 0:
                    entry["estimate"], entry["standard_error"] = value, float(se)
        quantities[item.name] = entry
    shared_diagnostics = {}
    for item in diagnostics:
        row = _row(results, item.quantity, item.group)
        value = _number(row[item.field]) if row is not None else None
        shared_diagnostics[item.name] = shareable_count(value) if item.count else value
    versions = package_versions(["numpy", "scipy", "pandas", "statsmodels", "lifelines", "pandera"])
    return _jsonable({
        "format": SITE_SUMMARY_FORMAT,
        "chapter": chapter,
        "site": site,
        "parameters": {name: value for name, value in parameters.items() if name not in SITE_LOCAL_PARAMETERS},
        "level": level,
        "small_cell_threshold": int(small_cell_threshold or 0),
        "schema_version": schema_version(schema) if schema is not None else None,
        "packages": versions,
        "quantities": quantities,
        "diagnostics": shared_diagnostics,
    })


def _provenance_text(key: str, value: Any) -> str:
    if value is None or (isinstance(value, (list, tuple, dict)) and not value):
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{name}: {item}" for name, item in value.items())
    text = str(value)
    if (key.endswith(("_file", "_path", "_dir")) or key in ("data", "output")) and ("/" in text or "\\" in text):
        return Path(text).name
    return text
