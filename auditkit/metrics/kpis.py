"""Headline KPIs of the audit period (step 2) and their comparison with targets.

Definitions (all over the period [start, end], end inclusive by day):

- deals_created: deals whose created_at falls in the period.
- deals_won / deals_lost, won_value / lost_value: deals won/lost whose closed_at
  falls in the period (count; sum of amount in the params' currency).
- win_rate = won / (won + lost), both closed in the period (share 0-1).
- avg_won_deal, median_won_deal: amount of deals won in the period (currency).
- median_cycle_days: median of closed_at - created_at of deals won in the
  period, in days.
- open_pipeline_value: sum of amount of deals open at the end of the period.
- leads, lead_to_deal_conversion: leads created in the period; share of them
  with a deal (deal_id set).
- lead_response_hours: median hours from lead creation to first contact, for
  leads created in the period and contacted.
- lost_without_reason_share: share of deals lost in the period with no reason.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..params import Goal

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Bands, Finding

#: Severity of a missed target, on the gap relative to the target.
KPI_GAP_SEVERITY: "Bands" = ((0.5, "high"), (0.2, "medium"), (0.0, "low"))

DAY = pd.Timedelta(days=1)
HOUR = pd.Timedelta(hours=1)

KPI_LABELS: dict[str, tuple[str, str]] = {
    # kpi: (label, unit) -- unit is one of count, money, share, days, hours
    "deals_created": ("Deals created", "count"),
    "deals_won": ("Deals won", "count"),
    "deals_lost": ("Deals lost", "count"),
    "won_value": ("Won value", "money"),
    "lost_value": ("Lost value", "money"),
    "win_rate": ("Win rate (won / closed)", "share"),
    "avg_won_deal": ("Average won deal", "money"),
    "median_won_deal": ("Median won deal", "money"),
    "median_cycle_days": ("Median sales cycle of won deals, days", "days"),
    "open_deals": ("Open deals at period end", "count"),
    "open_pipeline_value": ("Open pipeline value", "money"),
    "leads": ("Leads created", "count"),
    "lead_to_deal_conversion": ("Lead-to-deal conversion", "share"),
    "lead_response_hours": ("Median lead response time, hours", "hours"),
    "lost_without_reason_share": ("Lost deals without a reason", "share"),
}


def _bounds(start: dt.date | pd.Timestamp, end: dt.date | pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end + 1 day) as timestamps: the end day is included whole."""
    return pd.Timestamp(start), pd.Timestamp(end).normalize() + DAY


def _in(s: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.Series:
    return s.notna() & (s >= lo) & (s < hi)


def closed_in_period(deals: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Deals won or lost with closed_at in the period."""
    lo, hi = _bounds(start, end)
    return deals[deals["status"].isin(["won", "lost"]) & _in(deals["closed_at"], lo, hi)]


def open_at(deals: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Deals open at the end of the period: created by then and not closed by then."""
    _, hi = _bounds(end, end)
    created = deals["created_at"].notna() & (deals["created_at"] < hi)
    still_open = deals["status"].eq("open") | (deals["closed_at"].notna() & (deals["closed_at"] >= hi))
    return deals[created & still_open]


def _median(s: pd.Series) -> float:
    s = s.dropna()
    return float(s.median()) if len(s) else float("nan")


def headline_kpis(
    deals: pd.DataFrame, start: dt.date, end: dt.date, leads: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The period's headline KPIs: one row each with kpi, label, value and unit."""
    lo, hi = _bounds(start, end)
    created = deals[_in(deals["created_at"], lo, hi)]
    closed = closed_in_period(deals, start, end)
    won = closed[closed["status"].eq("won")]
    lost = closed[closed["status"].eq("lost")]
    opened = open_at(deals, end)
    n_closed = len(won) + len(lost)
    cycle_days = (won["closed_at"] - won["created_at"]) / DAY
    reason = lost["lost_reason"].astype("string").str.strip() if "lost_reason" in lost else pd.Series(pd.NA, index=lost.index)
    values: dict[str, float] = {
        "deals_created": len(created),
        "deals_won": len(won),
        "deals_lost": len(lost),
        "won_value": float(won["amount"].sum()),
        "lost_value": float(lost["amount"].sum()),
        "win_rate": len(won) / n_closed if n_closed else np.nan,
        "avg_won_deal": float(won["amount"].mean()) if won["amount"].notna().any() else np.nan,
        "median_won_deal": _median(won["amount"]),
        "median_cycle_days": _median(cycle_days),
        "open_deals": len(opened),
        "open_pipeline_value": float(opened["amount"].sum()),
        "lost_without_reason_share": float((reason.isna() | reason.eq("")).mean()) if len(lost) else np.nan,
    }
    if leads is not None:
        in_period = leads[_in(leads["created_at"], lo, hi)]
        values["leads"] = len(in_period)
        values["lead_to_deal_conversion"] = float(in_period["deal_id"].notna().mean()) if len(in_period) else np.nan
        values["lead_response_hours"] = _median((in_period["first_contact_at"] - in_period["created_at"]) / HOUR)
    rows = [
        {"kpi": k, "label": KPI_LABELS[k][0], "value": float(v), "unit": KPI_LABELS[k][1]}
        for k, v in values.items()
    ]
    return pd.DataFrame(rows, columns=["kpi", "label", "value", "unit"])


def kpis_vs_targets(kpis: pd.DataFrame, goals: list[Goal]) -> pd.DataFrame:
    """KPIs that have a goal: kpi, label, value, target, better ('max'/'min'), met (bool), gap (value - target)."""
    by_kpi = kpis.set_index("kpi")
    rows = []
    for goal in goals:
        if goal.kpi not in by_kpi.index:
            continue
        value = float(by_kpi.at[goal.kpi, "value"])
        met = (value >= goal.target) if goal.better == "max" else (value <= goal.target)
        rows.append(
            {
                "kpi": goal.kpi,
                "label": by_kpi.at[goal.kpi, "label"],
                "unit": by_kpi.at[goal.kpi, "unit"],
                "value": value,
                "target": goal.target,
                "better": goal.better,
                "met": bool(met) if not np.isnan(value) else False,
                "gap": value - goal.target,
            }
        )
    return pd.DataFrame(rows, columns=["kpi", "label", "unit", "value", "target", "better", "met", "gap"])


def lost_by_reason(deals: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Deals lost in the period by reason as written: reason, deals, value (currency), share of lost deals."""
    closed = closed_in_period(deals, start, end)
    lost = closed[closed["status"].eq("lost")]
    reason = lost["lost_reason"].astype("string").str.strip().replace("", pd.NA).fillna("(no reason)")
    out = (
        lost.assign(reason=reason)
        .groupby("reason", sort=False)
        .agg(deals=("deal_id", "size"), value=("amount", "sum"))
        .sort_values(["deals", "value"], ascending=False)
        .reset_index()
    )
    out["share"] = out["deals"] / out["deals"].sum() if len(out) else pd.Series(dtype=float)
    return out


def monthly_deals(deals: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per month of the period: created, won, lost (counts) and won_value (currency)."""
    lo, hi = _bounds(start, end)
    months = pd.period_range(lo, hi - DAY, freq="M")
    created = deals.loc[_in(deals["created_at"], lo, hi), "created_at"].dt.to_period("M").value_counts()
    closed = closed_in_period(deals, start, end)
    month = closed["closed_at"].dt.to_period("M")
    won = closed["status"].eq("won")
    out = pd.DataFrame(index=months)
    out["created"] = created.reindex(months, fill_value=0)
    out["won"] = month[won].value_counts().reindex(months, fill_value=0)
    out["lost"] = month[~won].value_counts().reindex(months, fill_value=0)
    out["won_value"] = closed.loc[won, "amount"].groupby(month[won]).sum().reindex(months, fill_value=0.0)
    out.index.name = "month"
    return out.reset_index().assign(month=lambda d: d["month"].dt.to_timestamp())


def kpi_findings(vs_targets: pd.DataFrame) -> list["Finding"]:
    """One finding per KPI that misses its target (severity by the relative gap)."""
    from ..findings import Finding, severity_for

    out = []
    for row in vs_targets.itertuples():
        if row.met or np.isnan(row.value):
            continue
        rel = abs(row.gap) / abs(row.target) if row.target else 1.0
        out.append(
            Finding(
                id=f"kpi.{row.kpi}.off_target",
                step=2,
                area="kpis",
                title=f"{row.label} misses its target",
                severity=severity_for(rel, KPI_GAP_SEVERITY),
                metric=row.kpi,
                value=row.value,
                target=row.target,
                benchmark="audit target (params goals)",
                unit=row.unit,
                detail=f"{'Higher' if row.better == 'max' else 'Lower'} is better; the gap is {rel:.0%} of the target.",
                action=f"kpi.{row.kpi}",
            )
        )
    return out
