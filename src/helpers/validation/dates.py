"""Follow-up times and events derived from dates, after which the dates are dropped.

Exports hold dates (surgery, last contact, death, complication); the chapters need durations. The mapping
file declares the derivations::

    derive:
      survival_months: {from: surgery_date, to: last_contact_date, unit: months}
      death: {event_from: death_date}
      complication_months: {from: surgery_date, to: [complication_date, last_followup_date], unit: months}
      complication: {event_from: complication_date}
    dayfirst: true        # default: 03/04/2023 is 3 April 2023; false reads it as 4 March 2023

* A duration (``from``, ``to``, ``unit``) is the time from the ``from`` date to the ``to`` date: with a list
  of ``to`` columns, the first one filled on each row (the complication date when there was one, else the last
  follow-up). Units: ``days``; ``weeks`` = days / 7; ``months`` = days / (365.25 / 12); ``years`` = days /
  365.25. Without ``unit``, the target's name decides (``_days``, ``_weeks``, ``_months``, ``_years``).
* An event (``event_from``) is 1 where that date is filled and 0 where it is blank.

Dates are read from date cells (SPSS, Stata, Excel), Excel serial numbers (days since 1899-12-30), ISO text
(``2023-12-31``, optionally with a time) and day-first text (``31/12/2023``, ``31.12.2023``, ``31-12-2023``),
or month-first text with ``dayfirst: false``. Years have four digits. A value that is none of these is an
error naming its lines; so is an end before its start.

After the derivation every date column named in ``derive`` is dropped, before the identifier check and
before anything else sees the data: dates are identifiers under HIPAA's Safe Harbor rule; only durations
and events reach a chapter.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from helpers.validation.checks import lines_label
from helpers.validation.errors import InputError

DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
"""Days in one unit of a derived duration."""

EXCEL_EPOCH = _dt.date(1899, 12, 30)
"""Day 0 of Excel's serial dates (1900 date system, as Windows Excel writes them)."""

EXCEL_SERIALS = (1, 2958465)
"""Serial numbers read as Excel dates: 1900-01-01 to 9999-12-31."""

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


@dataclass(frozen=True)
class DateRule:
    """How a duration or an event is derived (one entry of ``derive:``)."""

    target: str
    start: str | None = None
    ends: tuple[str, ...] = ()
    unit: str | None = None
    event_from: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.start, *self.ends) if self.event_from is None else (self.event_from,)

    def describe(self) -> str:
        if self.event_from is not None:
            return f"{self.target} = 1 where {self.event_from} is filled, 0 where it is blank"
        ends = self.ends[0] if len(self.ends) == 1 else "the first filled of " + ", ".join(self.ends)
        per = DAYS_PER[self.unit]
        scale = "" if per == 1 else f" / {per:g}"
        return f"{self.target} = days from {self.start} to {ends}{scale} ({self.unit})"


def _unit_for(target: str, unit: Any, source: Any) -> str:
    if unit is None:
        suffix = next((name for name in DAYS_PER if target.endswith("_" + name)), None)
        if suffix is None:
            raise InputError(f"{source}: derive: {target}: give the unit (unit: days, weeks, months or years).")
        return suffix
    if str(unit) not in DAYS_PER:
        raise InputError(f"{source}: derive: {target}: unknown unit '{unit}'; use days, weeks, months or years.")
    return str(unit)


def normalise_derive(spec: Any, *, source: Any = "mapping") -> dict[str, dict[str, Any]]:
    """Check ``derive:`` and return it with lists for ``to`` and an explicit ``unit``."""
    if spec is None:
        return {}
    example = ("derive: {survival_months: {from: surgery_date, to: last_contact_date, unit: months}, "
               "death: {event_from: death_date}}")
    if not isinstance(spec, Mapping):
        raise InputError(f"{source}: 'derive' maps each derived column to its dates, for example {example}.")
    normalised = {}
    for target, rule in spec.items():
        target = str(target)
        if not isinstance(rule, Mapping):
            raise InputError(f"{source}: derive: {target}: expected {{from: DATE, to: DATE, unit: months}} or "
                             f"{{event_from: DATE}}, for example {example}.")
        keys = set(map(str, rule))
        if keys == {"event_from"}:
            normalised[target] = {"event_from": str(rule["event_from"])}
            continue
        if not {"from", "to"} <= keys or keys - {"from", "to", "unit"}:
            raise InputError(f"{source}: derive: {target}: expected {{from: DATE, to: DATE, unit: months}} (to may "
                             f"list several dates, the first filled is used) or {{event_from: DATE}}; got "
                             f"{sorted(keys)}.")
        ends = rule["to"] if isinstance(rule["to"], (list, tuple)) else [rule["to"]]
        normalised[target] = {"from": str(rule["from"]), "to": [str(end) for end in ends],
                              "unit": _unit_for(target, rule.get("unit"), source)}
    return normalised


def rules_of(spec: Mapping[str, Mapping[str, Any]]) -> list[DateRule]:
    """The :class:`DateRule` of each entry of a normalised ``derive:``."""
    rules = []
    for target, rule in spec.items():
        if "event_from" in rule:
            rules.append(DateRule(target, event_from=rule["event_from"]))
        else:
            rules.append(DateRule(target, start=rule["from"], ends=tuple(rule["to"]), unit=rule["unit"]))
    return rules


@dataclass(frozen=True)
class ParsedDates:
    """Dates of one column (``datetime64``, NaT where blank), with how they were read."""

    dates: pd.Series
    formats: tuple[str, ...]
    ambiguous: int


def _date_or_none(year: int, month: int, day: int) -> _dt.date | None:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def parse_dates(values: pd.Series, *, dayfirst: bool = True, column: str = "date",
                source: Any = "data") -> ParsedDates:
    """Read a column of dates in any accepted form (see the module docstring); the time of day is ignored.

    Raises
    ------
    InputError
        Naming the column, the lines and the values that are not dates.

    >>> parsed = parse_dates(pd.Series(["2023-12-31", "31.12.2023", "05/04/2023", 45291, None]))
    >>> [str(d.date()) if pd.notna(d) else None for d in parsed.dates]
    ['2023-12-31', '2023-12-31', '2023-04-05', '2023-12-31', None]
    >>> parsed.ambiguous
    1
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        return ParsedDates(dates.dt.normalize().astype("datetime64[ns]"), ("date cells",), 0)
    parsed: list[Any] = []
    bad: list[tuple[int, Any]] = []
    formats: set[str] = set()
    ambiguous = 0
    for position, value in enumerate(values.tolist()):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            parsed.append(pd.NaT)
            continue
        date = None
        if isinstance(value, (_dt.datetime, pd.Timestamp)):
            date, kind = value.date() if not isinstance(value, pd.Timestamp) else value.to_pydatetime().date(), "date cells"
        elif isinstance(value, _dt.date):
            date, kind = value, "date cells"
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            date, kind = _serial(float(value)), "Excel serial numbers"
        else:
            text = str(value).strip()
            date, kind, is_ambiguous = _text_date(text, dayfirst)
            ambiguous += is_ambiguous
        if date is None:
            bad.append((position, value))
            parsed.append(pd.NaT)
        else:
            formats.add(kind)
            parsed.append(pd.Timestamp(date))
    if bad:
        shown = ", ".join(f"{value!r}" for _, value in bad[:5])
        swapped = [v for _, v in bad if isinstance(v, str) and _text_date(v.strip(), not dayfirst)[0] is not None
                   and _NUMERIC_DATE.match(v.strip())]
        hint = (f" Dates such as {swapped[0]!r} are valid only {'month' if dayfirst else 'day'} first: if your file "
                f"writes them so, add 'dayfirst: {str(not dayfirst).lower()}' to the mapping file." if swapped else "")
        raise InputError(f"{source}: column '{column}', {lines_label([p for p, _ in bad])}: not a date: {shown}. "
                         "Accepted: 2023-12-31, 31/12/2023, 31.12.2023 (day first; dayfirst: false for 12/31/2023), "
                         f"date cells, Excel serial numbers; declare codes for 'not recorded' under missing:.{hint}")
    series = pd.Series(parsed, index=values.index, dtype="datetime64[ns]")
    return ParsedDates(series, tuple(sorted(formats)), ambiguous)


def _serial(value: float) -> _dt.date | None:
    if not (EXCEL_SERIALS[0] <= value <= EXCEL_SERIALS[1]):
        return None
    return EXCEL_EPOCH + _dt.timedelta(days=int(np.floor(value)))


def _text_date(text: str, dayfirst: bool) -> tuple[_dt.date | None, str, bool]:
    match = _ISO.match(text)
    if match:
        year, month, day = map(int, match.groups())
        return _date_or_none(year, month, day), "ISO (2023-12-31)", False
    match = _NUMERIC_DATE.match(text)
    if match:
        first, second, year = map(int, match.groups())
        day, month = (first, second) if dayfirst else (second, first)
        kind = "day-first (31/12/2023)" if dayfirst else "month-first (12/31/2023)"
        return _date_or_none(year, month, day), kind, first <= 12 and second <= 12 and first != second
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None, "", False
    return _serial(number), "Excel serial numbers", False


@dataclass(frozen=True)
class Derived:
    """The frame with derived columns added and date columns dropped, and what was done (in words)."""

    frame: pd.DataFrame
    rules: tuple[DateRule, ...]
    dropped: tuple[str, ...]
    notes: tuple[str, ...]


def derive_from_dates(frame: pd.DataFrame, spec: Mapping[str, Mapping[str, Any]] | None, *, dayfirst: bool = True,
                      source: Any = "data") -> Derived:
    """Add the durations and events of ``derive:`` (normalised) and drop every date column it names.

    Raises
    ------
    InputError
        When a date column is absent, a value is not a date, or an end lies before its start (naming the lines).

    >>> frame = pd.DataFrame({"op": ["2023-01-01", "01.02.2023"], "last": ["2023-01-31", "03.03.2023"],
    ...                       "died": [None, "03.03.2023"]})
    >>> spec = {"months": {"from": "op", "to": ["last"], "unit": "days"}, "death": {"event_from": "died"}}
    >>> derive_from_dates(frame, spec).frame
       months  death
    0    30.0      0
    1    30.0      1
    """
    if not spec:
        return Derived(frame.copy(), (), (), ())
    rules = rules_of(spec)
    needed = list(dict.fromkeys(name for rule in rules for name in rule.sources))
    absent = [name for name in needed if name not in frame.columns]
    if absent:
        raise InputError(f"{source}: derive: the date column(s) {', '.join(map(repr, absent))} are not in the file. "
                         f"Found columns: {', '.join(map(str, frame.columns))}.")
    clash = [rule.target for rule in rules if rule.target in frame.columns and rule.target not in needed]
    if clash:
        raise InputError(f"{source}: derive: the file already has column(s) {', '.join(map(repr, clash))}; derive "
                         "them from dates or keep the file's own, not both (remove one from the mapping file).")
    parsed = {name: parse_dates(frame[name], dayfirst=dayfirst, column=name, source=source) for name in needed}
    result = frame.copy()
    for rule in rules:
        if rule.event_from is not None:
            result[rule.target] = parsed[rule.event_from].dates.notna().astype("int64")
            continue
        start = parsed[rule.start].dates
        end = parsed[rule.ends[0]].dates
        for other in rule.ends[1:]:
            end = end.fillna(parsed[other].dates)
        days = (end - start).dt.days.astype(float)
        backwards = np.flatnonzero((days < 0).to_numpy())
        if len(backwards):
            first = backwards[0]
            end_name = rule.ends[0] if len(rule.ends) == 1 else f"the end date (the first filled of {', '.join(rule.ends)})"
            raise InputError(
                f"{source}: derive: {rule.target}: {end_name} is before {rule.start} on {lines_label(backwards)} "
                f"(line {first + 2}: {rule.start} {start.iloc[first].date()}, end {end.iloc[first].date()}). "
                "Check these dates (a day-first/month-first mix-up?).")
        result[rule.target] = days / DAYS_PER[rule.unit]
    dropped = tuple(name for name in needed if name not in {rule.target for rule in rules})
    result = result.drop(columns=list(dropped))
    formats = sorted({kind for item in parsed.values() for kind in item.formats})
    ambiguous = sum(item.ambiguous for item in parsed.values())
    notes = [f"dates read as: {', '.join(formats) or 'none filled'}"]
    if ambiguous:
        order = "day-first (03/04/2023 = 3 April 2023)" if dayfirst else "month-first (03/04/2023 = 4 March 2023)"
        notes.append(f"{ambiguous} dates could be read either way and were read {order}; "
                     f"set 'dayfirst: {str(not dayfirst).lower()}' in the mapping file if that is wrong")
    notes.append(f"date column(s) dropped after the derivation: {', '.join(dropped)}")
    return Derived(result, tuple(rules), dropped, tuple(notes))
