"""Step 4's rep card: a rep selector that shows one rep's KPIs with intervals, funnel against the team,
skills and training needs. The card's content is a pure function (:func:`rep_card`), tested without a
browser; its numbers are those of the step's tables (the same frames, the same rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

from . import _draw

if TYPE_CHECKING:  # pragma: no cover
    from ..metrics.people import PeopleReport

#: The scorecard columns a card shows, in order.
CARD_KPIS: tuple[str, ...] = (
    "deals_created", "deals_won", "deals_lost", "open_deals", "win_rate", "win_rate_low", "win_rate_high",
    "won_value", "avg_won_deal", "median_cycle_days", "open_pipeline_value", "lead_response_hours",
    "activities_per_week", "activities_per_deal", "quota", "attainment", "coverage", "tenure_years",
)


def column_labels(columns: Any, lang: str = "en") -> dict[str, str]:
    """Report labels of step 4's columns: a registered KPI's own label, else the text catalogue's
    ``people.col.<column>``, else its ``col.<column>`` (the report's shared headings); columns with none of
    them are left out (the report then shows the name itself, so every column step 4 shows has an entry)."""
    from ..kpis import KPIS
    from ..report.text import CATALOG, t

    out = {}
    for c in columns:
        if c in KPIS:
            out[c] = KPIS[c].label_in(lang)
        elif f"people.col.{c}" in CATALOG:
            out[c] = t(f"people.col.{c}", lang)
        elif f"col.{c}" in CATALOG:
            out[c] = t(f"col.{c}", lang)
    return out


def rep_card(report: "PeopleReport", rep: str) -> dict[str, Any]:
    """One rep's card: ``kpis`` (kpi, unit, rep, team, company: the scorecard rows of the rep, its team and
    the company), ``group`` and ``fair`` (the rep's fair-comparison row as a dict), ``funnel`` (the rep's
    rows of the leak table), ``skills`` (the rep's scores against the team) and ``plan`` (the rep's training
    plan). KeyError for a rep not in the scorecard."""
    card = report.card
    row = card.loc[(card["kind"] == "rep") & (card["rep"] == rep)]
    if row.empty:
        raise KeyError(f"unknown rep {rep!r}")
    team = str(row["team"].iloc[0])
    team_row = card.loc[(card["kind"] == "team") & (card["rep"] == team)]
    company = card.loc[card["kind"] == "company"]
    units = card.attrs.get("units", {})
    kpis = pd.DataFrame({
        "kpi": list(CARD_KPIS),
        "unit": [units.get(k, "number") for k in CARD_KPIS],
        "rep": [row[k].iloc[0] for k in CARD_KPIS],
        "team": [team_row[k].iloc[0] if len(team_row) else float("nan") for k in CARD_KPIS],
        "company": [company[k].iloc[0] for k in CARD_KPIS],
    })
    fair = report.fair.loc[report.fair["rep"] == rep]
    return {
        "rep": rep,
        "name": str(row["name"].iloc[0]),
        "team": team,
        "kpis": kpis,
        "group": str(fair["group"].iloc[0]) if len(fair) else "",
        "fair": fair.iloc[0].to_dict() if len(fair) else {},
        "funnel": report.leaks.loc[report.leaks["rep"] == rep].reset_index(drop=True),
        "skills": report.skills.loc[report.skills["rep"] == rep].reset_index(drop=True) if len(report.skills) else report.skills,
        "plan": report.plan.loc[report.plan["rep"] == rep].reset_index(drop=True) if len(report.plan) else report.plan,
    }


def rep_selector(report: "PeopleReport", show: Callable[[dict[str, Any]], None], lang: str = "en") -> Any:
    """A dropdown of the reps (weakest ranked first), labelled in ``lang``; ``show(rep_card(...))`` draws the
    chosen card below."""
    import ipywidgets as w
    from IPython.display import display

    from ..report.text import t

    fair = report.fair
    order = list(fair.loc[fair["ranked"]].iloc[::-1]["rep"]) + list(fair.loc[~fair["ranked"]]["rep"])
    names = fair.set_index("rep")["name"]
    if not order:
        return None
    pick = w.Dropdown(options=[(f"{names[r]} ({r})", r) for r in order], description=t("people.col.rep", lang), layout=w.Layout(width="60%"))
    out = w.Output()

    def redraw(*_: Any, strict: bool = False) -> None:
        _draw(out, lambda: show(rep_card(report, pick.value)), strict)

    pick.observe(redraw, names="value")
    panel = w.VBox([pick, out])
    display(panel)
    redraw(strict=True)
    return panel
