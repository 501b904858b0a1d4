"""The scorecard: one row per rep, per team and for the company, every deal and lead number from the KPI
registry (:func:`auditkit.kpis.kpi_table_by`), so a rep's row and the company row are defined the same way.

Populations: as the KPIs (deals created, closed, won, lost in the period; open at its end; leads created
in the period, by the lead's owner). Activities: those at or after the period's start (the frame already
hides those after ``as_of``). Quotas: the targets rows overlapping the period, pro-rated by days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...kpis import COMPANY, kpi_table_by
from ._common import ratio, reps, reps_provided, wilson_interval, with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

DAY = pd.Timedelta(days=1)

#: The registered KPIs of the scorecard (lead response only with a leads table).
SCORECARD_KPIS: tuple[str, ...] = (
    "deals_created", "deals_won", "deals_lost", "open_deals", "win_rate", "won_value", "avg_won_deal",
    "median_cycle_days", "open_pipeline_value", "lead_response_hours",
)

SCORECARD_UNITS: dict[str, str] = {
    "deals_created": "count", "deals_won": "count", "deals_lost": "count", "open_deals": "count", "closed": "count",
    "win_rate": "share", "win_rate_low": "share", "win_rate_high": "share", "won_value": "money",
    "avg_won_deal": "money", "median_cycle_days": "days", "open_pipeline_value": "money",
    "lead_response_hours": "hours", "activities": "count", "activities_per_week": "number",
    "activities_per_deal": "number", "quota": "money", "attainment": "share", "remaining_quota": "money",
    "coverage": "number", "tenure_years": "number",
}


def quotas(frame: "AuditFrame") -> pd.DataFrame:
    """Each targets row's quota pro-rated to its overlap with the period: columns rep, team, quota (money).

    A targets period runs from period_start to period_end inclusive (a whole day); a row overlapping the
    audit period by half its days counts half its quota. Empty without a targets table.
    """
    t = frame.table("targets")
    cols = ["rep", "team", "quota"]
    if t is None or t.empty:
        return pd.DataFrame(columns=cols)
    lo = t["period_start"].clip(lower=frame.start)
    hi = (t["period_end"] + DAY).clip(upper=frame.as_of)
    span = (t["period_end"] + DAY - t["period_start"]) / DAY
    share = ratio(((hi - lo) / DAY).clip(lower=0), span)
    out = pd.DataFrame({"rep": t["rep_id"].astype("string"), "team": t["team"].astype("string"),
                        "quota": t["quota"].to_numpy(dtype=float, na_value=np.nan) * share})
    return out.loc[out["quota"].notna() & (out["quota"] > 0)].reset_index(drop=True)


def _distinct_per_key(keys: pd.Series, codes: np.ndarray) -> dict[Any, int]:
    """How many distinct ``codes`` (non-negative integers, one per row) each value of ``keys`` has; a missing
    key counts none."""
    key_code, key_values = pd.factorize(keys)
    has = key_code >= 0
    width = int(codes.max(initial=0)) + 1
    pairs = pd.unique(key_code[has].astype(np.int64) * width + codes[has])  # each (key, code) once: hashed, not sorted
    counts = np.bincount(pairs // width, minlength=len(key_values))
    return dict(zip(key_values, counts.tolist()))


def scorecard(frame: "AuditFrame") -> pd.DataFrame:
    """The scorecard: one row per rep (``kind`` "rep"), per team ("team") and the company ("company").

    Columns (units in ``attrs["units"]``): ``kind``, ``rep`` (owner id; the team's or "(company)" on the
    other rows), ``name``, ``team``, ``manager`` and ``office`` (where the reps table has them), ``role``; from the KPI registry: ``deals_created`` (deals owned, created
    in the period), ``deals_won``, ``deals_lost``, ``open_deals`` (at the period's end), ``win_rate``,
    ``won_value``, ``avg_won_deal``, ``median_cycle_days``, ``open_pipeline_value``, ``lead_response_hours``
    (with a leads table that has owner_id); ``closed`` (won + lost), ``win_rate_low``/``win_rate_high`` (95 %
    Wilson interval); ``activities`` (in the period), ``activities_per_week`` (per rep, over the weeks of
    the period the rep was hired for), ``activities_per_deal`` (activities on a deal / distinct deals they
    touch); ``quota`` (targets pro-rated to the period), ``attainment`` (won value / quota),
    ``remaining_quota`` (quota - won value, at least 0), ``coverage`` (open pipeline / remaining quota;
    NaN once the quota is met); ``tenure_years`` (hired_at to the period's end). NaN where the data cannot
    say; ``attrs["reasons"]`` gives the KPI reasons per (row, kpi), ``attrs["missing"]`` the optional tables
    the client did not provide.
    """
    r = reps(frame)
    kpis = [k for k in SCORECARD_KPIS if k != "lead_response_hours" or frame.has("leads")]
    by_rep = kpi_table_by(frame, "owner_id", kpis)
    team_of = r["team"]
    by_team = kpi_table_by(frame, "owner_id", kpis, groups=team_of)
    values = [k for k in kpis]
    rep_rows = by_rep.loc[by_rep["group"].isin(r.index)].set_index("group")[values].reindex(r.index)
    extras = list(r.attrs.get("extra_columns", []))
    rep_rows = rep_rows.assign(kind="rep", rep=r.index, name=r["name"], team=r["team"], role=r["role"],
                               **{c: r[c] for c in extras})
    team_rows = by_team.loc[by_team["group"] != COMPANY].set_index("group")[values]
    team_rows = team_rows.assign(kind="team", rep=team_rows.index, name=team_rows.index, team=team_rows.index)
    company = by_rep.loc[by_rep["group"] == COMPANY].set_index("group")[values]
    company = company.assign(kind="company", rep=COMPANY, name=COMPANY, team=COMPANY)
    out = pd.concat([rep_rows, team_rows, company], ignore_index=True)
    out["role"] = out["role"].astype("string")
    out["closed"] = out["deals_won"] + out["deals_lost"]
    out["win_rate_low"], out["win_rate_high"] = wilson_interval(out["deals_won"], out["closed"])
    # reps of each row: the rep itself, the team's reps, every rep
    members = {("rep", x): [x] for x in r.index}
    members |= {("team", tm): list(r.index[r["team"] == tm]) for tm in r["team"].unique()}
    members[("company", COMPANY)] = list(r.index)
    keys = list(zip(out["kind"], out["rep"]))
    hired = r["hired_at"]
    weeks = ((frame.as_of - hired.where(hired > frame.start, frame.start)).clip(lower=pd.Timedelta(0)) / (7 * DAY))
    weeks = weeks.fillna((frame.as_of - frame.start) / (7 * DAY))
    missing = [tbl for tbl in ("activities", "targets", "leads") if not frame.has(tbl)]
    missing += [] if reps_provided(frame) else ["reps"]
    summary = frame.activity
    if summary is not None:
        # the activities of the period, per rep; on deals, per rep and the distinct deals of each row's reps
        per_rep = summary.by_rep.groupby("owner_id")["activities"].sum().reindex(r.index, fill_value=0)
        on_deal = summary.by_deal.loc[(summary.by_deal["in_period"] > 0) & summary.by_deal["owner_id"].isin(r.index)]
        on_deal_n = on_deal.groupby("owner_id")["in_period"].sum()
        group = {"rep": on_deal["owner_id"], "team": on_deal["owner_id"].map(r["team"]),
                 "company": pd.Series(COMPANY, index=on_deal.index)}
        deal_code = pd.factorize(on_deal["deal_id"])[0] + 1  # distinct deals per key on codes (a missing id is one: 0)
        touched = {kind: _distinct_per_key(key, deal_code) for kind, key in group.items()}
        out["activities"] = [float(per_rep.reindex(members[k]).sum()) for k in keys]
        out["activities_per_week"] = ratio(out["activities"], [weeks.reindex(members[k]).sum() for k in keys])
        deals_touched = [int(touched[kind].get(key, 0)) for kind, key in keys]
        out["activities_per_deal"] = ratio([on_deal_n.reindex(members[k]).sum() for k in keys], deals_touched)
    else:
        out[["activities", "activities_per_week", "activities_per_deal"]] = np.nan
    q = quotas(frame)
    if len(q):
        by_rep_q = q.dropna(subset=["rep"]).groupby("rep")["quota"].sum()
        team_only = q.loc[q["rep"].isna()].groupby("team")["quota"].sum()
        quota = []
        for kind, key in keys:
            if kind == "team" and key in team_only.index:
                quota.append(float(team_only[key]))
            else:
                have = by_rep_q.reindex(members[(kind, key)]).dropna()
                quota.append(float(have.sum()) if len(have) else np.nan)
        out["quota"] = quota
        out["attainment"] = ratio(out["won_value"], out["quota"])
        out["remaining_quota"] = (out["quota"] - out["won_value"]).clip(lower=0)  # won value unknown: so is what remains
        out["coverage"] = ratio(out["open_pipeline_value"], out["remaining_quota"])
    else:
        out[["quota", "attainment", "remaining_quota", "coverage"]] = np.nan
    tenure = ((frame.as_of - hired) / (365.25 * DAY)).clip(lower=0)
    out["tenure_years"] = out["rep"].map(tenure).where(out["kind"] == "rep").astype(float)
    if "lead_response_hours" not in out:
        out["lead_response_hours"] = np.nan
    cols = ["kind", "rep", "name", "team", *extras, "role", "deals_created", "deals_won", "deals_lost", "open_deals", "closed",
            "win_rate", "win_rate_low", "win_rate_high", "won_value", "avg_won_deal", "median_cycle_days",
            "open_pipeline_value", "lead_response_hours", "activities", "activities_per_week", "activities_per_deal",
            "quota", "attainment", "remaining_quota", "coverage", "tenure_years"]
    out = out[cols].astype({"kind": "str", "rep": "str", "name": "str", "team": "str"})
    reasons = {**{(g, k): v for (g, k), v in by_rep.attrs["reasons"].items()},
               **{(g, k): v for (g, k), v in by_team.attrs["reasons"].items() if g != COMPANY}}
    return with_units(out, SCORECARD_UNITS, reasons=reasons, missing=missing, rep_source=r.attrs["source"])


def card_view(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as a page shows it: a team's and the company's rows name themselves once (in ``name``),
    not in ``rep``, ``name`` and ``team`` alike ("Enterprise Enterprise Enterprise"). Same rows, same units;
    the CSV export keeps :func:`scorecard`'s columns as they are."""
    other = (card["kind"] != "rep").to_numpy()
    view = card.assign(rep=card["rep"].where(~other, ""), team=card["team"].where(~other, ""))
    view.attrs = dict(card.attrs)
    return view
