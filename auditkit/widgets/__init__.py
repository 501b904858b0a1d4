"""ipywidgets for JupyterLab: filters that redraw a view, and explorers.

Only notebooks import this package, and only when ``interactive`` is true; a
batch run under papermill never builds a widget. The filtering itself is a
pure function (:func:`filter_deals`) so it is tested without a browser. The
shared pieces live here; a step's own widgets go in a module of their own
beside it (``widgets/people.py`` for step 4).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterable

import pandas as pd

ALL = "(all)"


def filter_deals(
    deals: pd.DataFrame,
    start: dt.date | pd.Timestamp | None = None,
    end: dt.date | pd.Timestamp | None = None,
    **equals: str | None,
) -> pd.DataFrame:
    """Deals created in [start, end] (end day included) whose columns equal the given values.

    A value of None or ``"(all)"`` does not filter; unknown columns are ignored.
    """
    mask = pd.Series(True, index=deals.index)
    if start is not None:
        mask &= deals["created_at"] >= pd.Timestamp(start)
    if end is not None:
        mask &= deals["created_at"] < pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
    for col, value in equals.items():
        if value is not None and value != ALL and col in deals.columns:
            mask &= deals[col].eq(value).fillna(False)
    return deals[mask]


def filter_panel(
    deals: pd.DataFrame,
    render: Callable[[pd.DataFrame], None],
    columns: Iterable[str] = ("team", "source", "product", "region"),
) -> Any:
    """A panel of filters (creation month range and one dropdown per present column) above an
    output area that ``render(filtered_deals)`` redraws on every change. Returns the widget."""
    import ipywidgets as w
    from IPython.display import display

    months = pd.period_range(deals["created_at"].min(), deals["created_at"].max(), freq="M")
    options = [(m.strftime("%b %Y"), m) for m in months]
    period = w.SelectionRangeSlider(options=options, index=(0, len(options) - 1), description="Created", layout=w.Layout(width="60%"))
    drops = {
        col: w.Dropdown(options=[ALL, *sorted(deals[col].dropna().unique().tolist())], value=ALL, description=col.title())
        for col in columns
        if col in deals.columns and deals[col].notna().any()
    }
    out = w.Output()

    def redraw(*_: Any, strict: bool = False) -> None:
        lo, hi = period.value
        chosen = filter_deals(deals, lo.start_time, hi.end_time, **{c: d.value for c, d in drops.items()})
        if chosen.empty:
            _draw(out, lambda: print("No deals match these filters."), strict)
        else:
            _draw(out, lambda: render(chosen), strict)

    for widget in (period, *drops.values()):
        widget.observe(redraw, names="value")
    panel = w.VBox([period, w.HBox(list(drops.values())), out])
    display(panel)
    redraw(strict=True)
    return panel


def _draw(out: Any, draw: Callable[[], None], strict: bool) -> None:
    """Redraw ``out``. An Output widget swallows exceptions, so a failure is shown in it and,
    when ``strict`` (the first draw, as the notebook runs), raised to the notebook as well."""
    error: Exception | None = None
    out.clear_output(wait=True)
    with out:
        try:
            draw()
        except Exception as exc:  # shown to the analyst; re-raised below on the first draw
            error = exc
            print(f"Could not draw this selection: {type(exc).__name__}: {exc}")
    if error is not None and strict:
        raise error


def quality_explorer(issues: list[Any], show: Callable[[Any], None]) -> Any:
    """A dropdown of data-quality issues; ``show(issue)`` draws the chosen one below it."""
    import ipywidgets as w
    from IPython.display import display

    if not issues:
        return None
    labels = [(f"{i.table}.{i.column or '*'}: {i.check} ({i.count})", n) for n, i in enumerate(issues)]
    pick = w.Dropdown(options=labels, description="Issue", layout=w.Layout(width="70%"))
    out = w.Output()

    def redraw(*_: Any, strict: bool = False) -> None:
        _draw(out, lambda: show(issues[pick.value]), strict)

    pick.observe(redraw, names="value")
    panel = w.VBox([pick, out])
    display(panel)
    redraw(strict=True)
    return panel
