"""Analyses a valid cohort cannot support, and how a chapter goes on without them.

A file can be perfectly valid and still not support every analysis of a chapter: a predictor with one
value, two predictors that say the same thing (Bilsky grade 3 exactly when not separated), an outcome
perfectly predicted by a term, too few pairs to match. The statistics raise :class:`NotEstimable` for
these (a kind of :class:`~helpers.validation.errors.InputError`, so a direct call still stops with the
reason). A chapter calls such an analysis through :func:`attempt`: it returns the result, or a
:class:`Skipped` that shows a note on the page where the result would have been, passes quietly through
later steps that use it, and becomes a ``results.csv`` row whose ``method`` says why
(:meth:`Skipped.row`). The run goes on and exits 0.

>>> def fit(x):
...     raise NotEstimable("the predictor 'f' has a single value (9.0) in every row")
>>> skipped = attempt("combined model", fit, 1, display=False)
>>> skipped.table.query("term == 'f'") is skipped        # later steps pass through
True
>>> skipped.row("auc", "combined_model")["method"]
"not estimated for this cohort: combined model: the predictor 'f' has a single value (9.0) in every row"
"""

from __future__ import annotations

import html
from typing import Any, Callable

from helpers.validation.errors import InputError

NOT_ESTIMATED = "not estimated for this cohort"
"""How the ``method`` of a skipped analysis's results row begins (``spinebook run`` counts these rows)."""


class NotEstimable(InputError):
    """A valid cohort that cannot support one analysis: a constant or collinear predictor, an outcome
    separated by a term, too few events, pairs or patients. The message says what and why in words."""


class Skipped:
    """An analysis this cohort could not support, in place of its result.

    Shown in a notebook it is a visible note ("Not estimated for this cohort: ..."); any attribute, item
    or call of it returns it again, and ``.pipe(show, ...)`` hands it to ``show``, so the table and figure
    cells that read the missing result show the note instead of failing. ``bool(skipped)`` is False.
    """

    def __init__(self, analysis: str, reason: str, cause: "Skipped | None" = None):
        self.analysis = analysis
        self.reason = reason.strip().rstrip(".")
        self.cause = cause if cause is not None else self
        """The first analysis of the chain that could not be estimated (itself unless this one needed it)."""
        self._shown = False
        self._shown_in: int | None = None

    @property
    def method(self) -> str:
        """The ``method`` text of the analysis's results rows."""
        return f"{NOT_ESTIMATED}: {self.analysis}: {self.reason}"

    def row(self, quantity: str, group: str = "", n: int | None = None) -> dict[str, Any]:
        """One ``results.csv`` row for a quantity this analysis would have given: no estimate, and why."""
        return {"quantity": quantity, "group": group, "method": self.method, "n": n}

    # --- passing through later steps ------------------------------------------------------------------
    def __getattr__(self, name: str) -> "Skipped":
        if name.startswith("__") or name.startswith("_repr") or name.startswith("_ipython"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> "Skipped":
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> "Skipped":
        return self

    def pipe(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``function(self, ...)`` as pandas' ``pipe``: :func:`helpers.presentation.tables.show` turns a
        skipped table into its note (nothing when the same cell showed it already)."""
        return function(self, *args, **kwargs)

    def __bool__(self) -> bool:
        return False

    def __iter__(self):
        return iter(())

    # --- on the page ----------------------------------------------------------------------------------
    def for_display(self) -> "Skipped | None":
        """What a table or figure call shows in its place: nothing when the full note was shown by the same
        notebook cell (no repeated note), else this object (the full note, or a line pointing to it)."""
        return None if self._shown and self._shown_in == _cell_number() else self

    def __repr__(self) -> str:
        return f"Not estimated for this cohort: {self.analysis}. {self.reason}."

    def _repr_html_(self) -> str:
        if self._shown:  # the full note is already on the page, where the analysis was attempted
            return (f'<p class="spinebook-skipped-ref"><em>Not estimated for this cohort: '
                    f'{html.escape(self.analysis)} (see the note above).</em></p>')
        self._shown, self._shown_in = True, _cell_number()
        return ('<div class="admonition warning spinebook-skipped" style="border-left: 4px solid #c77c02; '
                'padding: 0.4em 0.8em; margin: 0.6em 0; overflow-wrap: anywhere">'
                '<p class="admonition-title" style="font-weight: bold">Not estimated for this cohort</p>'
                f"<p><strong>{html.escape(self.analysis[:1].upper() + self.analysis[1:])}</strong>: "
                f"{html.escape(self.reason)}.</p>"
                "<p>The rest of the chapter goes on without it; its row in <code>results.csv</code> says why.</p>"
                "</div>")


def attempt(analysis: str, function: Callable[..., Any], /, *args: Any, display: bool = True,
            **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, or a :class:`Skipped` when this cohort cannot support it.

    Parameters
    ----------
    analysis : str
        What is attempted, in words ("adjusted Cox model"); it heads the note.
    function, args, kwargs
        The call. When an argument is itself a :class:`Skipped` (an earlier analysis this one needs), or a
        list, tuple or dict holding one (the tables to stack, the curves to plot), the call is not made and
        the reason names that analysis.
    display : bool
        Show the note at once when running in a notebook (default), so it sits where the result would.

    Returns
    -------
    The function's result, or a :class:`Skipped`.

    Only :class:`NotEstimable` is caught: an invalid file or a programming error still stops the chapter.
    """
    needed = [item for value in [*args, *kwargs.values()]
              for item in (value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple))
                           else [value])
              if isinstance(item, Skipped)]
    if needed:
        cause = needed[0].cause
        skipped = Skipped(analysis, f"it needs the {cause.analysis}, which was not estimated for this cohort "
                                    f"({cause.reason})", cause=cause)
    else:
        try:
            return function(*args, **kwargs)
        except NotEstimable as error:
            skipped = Skipped(analysis, str(error))
    if display:
        _display(skipped)
    return skipped


def stack_tables(fits: Any, *, column: str = "model") -> Any:
    """The ``table`` of each fitted model in ``fits`` (a mapping name -> result), stacked with a ``column``
    naming the model; models that were :class:`Skipped` are left out (their notes are on the page). When
    every model was skipped, the first :class:`Skipped` is returned, so later cells show its note.

    >>> import pandas as pd
    >>> class Fit:
    ...     table = pd.DataFrame({"term": ["age"], "estimate": [1.2]})
    >>> stack_tables({"unadjusted": Fit(), "adjusted": Skipped("adjusted model", "collinear")})
      term  estimate       model
    0  age       1.2  unadjusted
    """
    import pandas as pd

    tables = [fit.table.assign(**{column: name}) for name, fit in fits.items() if not isinstance(fit, Skipped)]
    if not tables:
        return next(iter(fits.values()))
    return pd.concat(tables, ignore_index=True)


def note_not_estimated(table: Any) -> list[Skipped]:
    """Show a note on the page for each row of a results table that a helper could not estimate for this
    cohort (its ``method`` reads "not estimated for this cohort: <analysis>: <reason>", as a 0/0 predictive
    value does), where the table is; returns their :class:`Skipped`, one per distinct ``method``.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"quantity": ["sensitivity", "ppv"], "method": [
    ...     "Wilson score interval", "not estimated for this cohort: positive predictive value: never positive"]})
    >>> [note.analysis for note in note_not_estimated(rows)]
    ['positive predictive value']
    """
    notes = []
    for method in skipped_rows(table):
        analysis, _, reason = method[len(NOT_ESTIMATED) + 2:].partition(": ")
        notes.append(Skipped(analysis, reason) if reason else Skipped("this quantity", analysis))
        _display(notes[-1])
    return notes


def listed(method: str) -> str:
    """How ``spinebook run`` lists a skipped analysis (from its results row's ``method``): the analysis and
    its reason; an analysis that needed a skipped one names it without repeating that one's reason.

    >>> listed("not estimated for this cohort: E-value: it needs the matching, which was not estimated "
    ...        "for this cohort (only 2 pairs)")
    'E-value: it needs the matching, which was not estimated for this cohort'
    """
    import re

    text = method.split(": ", 1)[1] if method.startswith(NOT_ESTIMATED + ": ") else method
    return re.sub(r"(which was not estimated for this cohort) \(.*\)$", r"\1", text)


def skipped_rows(results: Any) -> list[str]:
    """The ``method`` texts of a results table's rows that were not estimated (for the command's summary)."""
    methods = results["method"].fillna("").astype(str)
    return list(methods[methods.str.startswith(NOT_ESTIMATED)].drop_duplicates())


def _shell() -> Any:
    """The running IPython kernel's shell, None outside a notebook (or without IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return None
    return get_ipython()


def _display(skipped: Skipped) -> None:
    if _shell() is not None:
        from IPython.display import display

        display(skipped)


def _cell_number() -> int | None:
    """The notebook cell being executed (IPython's execution count), None outside a kernel."""
    shell = _shell()
    return None if shell is None else shell.execution_count
