"""Steps 5 and 6's filters for JupyterLab: a team filter (step 5: the team's score and stale deals; step 6:
the response to its reps' leads) and a department filter (step 6: the handoffs a department sends or
answers). The filtering is pure (:func:`handoffs_of`, :func:`leads_of_team`, :func:`deals_of_team`), tested
without a browser; the panels only redraw one output area with it."""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from . import ALL, _draw


def options(values: Any) -> list[str]:
    """The dropdown options: ``(all)`` then the distinct non-empty values, sorted."""
    return [ALL, *sorted({str(v) for v in pd.Series(values).dropna()})]


def handoffs_of(times: pd.DataFrame, department: str | None) -> pd.DataFrame:
    """The handoff rows a department sends (``from_dept``) or answers (``to_dept``); all with None or ``(all)``."""
    if department in (None, ALL):
        return times
    return times.loc[(times["from_dept"] == department) | (times["to_dept"] == department)]


def leads_of_team(times: pd.DataFrame, rep_team: pd.Series, team: str | None) -> pd.DataFrame:
    """The lead-response rows whose rep (``rep`` column) is in ``team`` (``rep_team``: rep id -> team)."""
    if team in (None, ALL):
        return times
    return times.loc[times["rep"].map(rep_team).eq(team).fillna(False).astype(bool)]


def deals_of_team(deals: pd.DataFrame, team: str | None) -> pd.Series:
    """The ids of the deals of ``team`` (all deals with None or ``(all)``)."""
    if team in (None, ALL):
        return deals["deal_id"]
    return deals.loc[deals["team"].eq(team).fillna(False).astype(bool), "deal_id"]


def dropdown_panel(choices: dict[str, list[str]], render: Callable[..., None]) -> Any:
    """One dropdown per entry of ``choices`` (name -> options) above an output area that
    ``render(**chosen)`` redraws on every change. Returns the widget."""
    import ipywidgets as w
    from IPython.display import display

    drops = {name: w.Dropdown(options=opts, value=opts[0], description=name.title()) for name, opts in choices.items()}
    out = w.Output()

    def redraw(*_: Any, strict: bool = False) -> None:
        _draw(out, lambda: render(**{n: d.value for n, d in drops.items()}), strict)

    for d in drops.values():
        d.observe(redraw, names="value")
    panel = w.VBox([w.HBox(list(drops.values())), out])
    display(panel)
    redraw(strict=True)
    return panel


def column_labels(columns: Any, lang: str = "en") -> dict[str, str]:
    """Report labels of steps 5 and 6's table columns (``comms.col.<c>`` first, then ``tc.col.<c>``); columns
    with neither keep their name."""
    from ..report.text import CATALOG, t

    out = {}
    for c in columns:
        for key in (f"comms.col.{c}", f"tc.col.{c}"):
            if key in CATALOG:
                out[str(c)] = t(key, lang)
                break
    return out
