"""Step 6, communication, measured from the data: lead response, handoffs between departments, and
collaboration inside sales.

Every duration is **censored** where the event had not happened by the as-of moment: a lead not yet
contacted, a request not yet answered, has waited *at least* that long. Medians and 90th percentiles are
Kaplan-Meier quantiles (:func:`auditkit.metrics.survival.km_quantiles`), so the overall median lead
response is exactly step 2's KPI ``lead_response_hours`` (both read :func:`auditkit.kpis.lead_response`).

The share within an SLA is censored too: a lead contacted within the SLA counts as within, one contacted
later or still waiting beyond the SLA as not, and one still waiting but not yet for as long as the SLA is
left out (its outcome is not known yet).

Every returned table carries ``attrs["units"]`` (column -> unit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .tables import units_of  # noqa: F401  (re-exported: the notebooks read units through this module)
from .tables import with_units as _units

from ..findings import Bands, Finding, records, severity_for
from ..frame import per_frame
from ..kpis import HOUR, MIN_JUDGED, lead_response
from .survival import km_quantiles

if TYPE_CHECKING:  # pragma: no cover
    from ..frame import AuditFrame
    from ..report.format import Formatter

ALL = "(all)"
NO_VALUE = "(none)"

#: A lead source or rep is slow when its median response is above the SLA and at least this many times the
#: median of all leads.
SLOW_RATIO = 2.0
#: Leads never contacted by the end and overdue (waiting longer than the SLA): a finding above this share.
NEVER_CONTACTED_SHARE = 0.05
#: Severity of a slow source, rep or department pair, on median / SLA.
SLOW_SEVERITY: Bands = ((3.0, "high"), (1.5, "medium"), (0.0, "low"))

#: What each optional table must hold for its part of step 6 ("not assessed: provide X").
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "leads": ("lead_id", "created_at", "source", "owner_id", "first_contact_at"),
    "handoffs": ("request_id", "from_dept", "to_dept", "created_at", "responded_at", "resolved_at"),
    "activities": ("activity_id", "at", "type", "owner_id", "deal_id"),
    "survey": ("respondent_id", "department", "role", "question_id", "answer"),
}

RESPONSE_UNITS: dict[str, str] = {
    "leads": "count", "contacted": "count", "waiting": "count", "median_hours": "hours", "p90_hours": "hours",
    "within_sla": "share", "judged": "count",
}
HANDOFF_UNITS: dict[str, str] = {
    "requests": "count", "answered": "count", "waiting": "count", "median_response_hours": "hours",
    "p90_response_hours": "hours", "median_resolution_hours": "hours", "breaches": "count", "breach_share": "share",
    "month": "month",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")






def not_assessed(frame: "AuditFrame") -> list[str]:
    """The optional tables of step 6 the client did not provide (each part says "not assessed: provide X")."""
    return [name for name in OPTIONAL_TABLES if not frame.has(name)]


# --------------------------------------------------------------------------- censored summaries


def censored_summary(hours: np.ndarray, censored: np.ndarray, sla: float) -> dict[str, float]:
    """Of durations in hours (``censored`` True where the event had not happened by the end): ``n``,
    ``done`` (events seen), ``waiting`` (censored), ``median`` and ``p90`` (Kaplan-Meier, hours; NaN when
    not reached), ``within_sla`` (share of those whose outcome at the SLA is known that ended within it;
    NaN when none is known) and ``judged`` (that denominator)."""
    hours = np.asarray(hours, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    median, p90 = km_quantiles(hours, censored, (0.5, 0.9))
    within = (~censored) & (hours <= sla)
    known = within | (hours > sla)
    return {
        "n": float(len(hours)), "done": float((~censored).sum()), "waiting": float(censored.sum()),
        "median": median, "p90": p90,
        "within_sla": float(within.sum() / known.sum()) if known.any() else math.nan, "judged": float(known.sum()),
    }


def _summaries(keys: pd.Series, hours: np.ndarray, censored: np.ndarray, sla: float, name: str) -> pd.DataFrame:
    rows = []
    for key, idx in keys.groupby(keys, sort=True).indices.items():
        s = censored_summary(hours[idx], censored[idx], sla)
        rows.append({name: key, "leads": int(s["n"]), "contacted": int(s["done"]), "waiting": int(s["waiting"]),
                     "median_hours": s["median"], "p90_hours": s["p90"], "within_sla": s["within_sla"],
                     "judged": int(s["judged"])})
    return pd.DataFrame(rows, columns=[name, "leads", "contacted", "waiting", "median_hours", "p90_hours", "within_sla", "judged"])


# --------------------------------------------------------------------------- lead response


@per_frame
def lead_response_times(frame: "AuditFrame") -> pd.DataFrame:
    """One row per lead created in the period: ``lead_id``, ``source``, ``rep``, ``weekday`` (0 = Monday)
    and ``hour`` of creation, ``hours`` (to first contact, or waited so far), ``censored`` (not contacted
    by the as-of moment). Empty when the client has no leads. Computed once per frame (step 6 shows it and
    its findings read it)."""
    leads = frame.population("leads_created")
    cols = ["lead_id", "source", "rep", "created_at", "weekday", "hour", "hours", "censored"]
    if leads.empty:
        return pd.DataFrame(columns=cols)
    hours, censored = lead_response(leads, frame.as_of)  # created_at is set on every lead of the population
    created = leads["created_at"]
    def text(s: pd.Series, missing: str | None = None) -> pd.Series:  # kept in Arrow: not one Python string per lead
        s = s.astype("string").reset_index(drop=True)
        return (s.fillna(missing) if missing is not None else s).astype("str")

    out = pd.DataFrame({
        "lead_id": text(leads["lead_id"]),
        "source": text(leads["source"], NO_VALUE),
        "rep": text(leads["owner_id"], NO_VALUE),
        "created_at": created.to_numpy(),
        "weekday": created.dt.day_of_week.to_numpy(),
        "hour": created.dt.hour.to_numpy(),
        "hours": hours, "censored": censored,
    })
    return _units(out, {"hours": "hours", "created_at": "date"})


def lead_response_by(times: pd.DataFrame, by: str, sla: float) -> pd.DataFrame:
    """Lead response per value of ``by`` (``source``, ``rep``, ``weekday``, ``hour``, or ``all`` for one
    row): leads, contacted, waiting (censored), median and p90 hours (Kaplan-Meier), share within the SLA
    and the leads it is judged on."""
    if times.empty:
        return _units(pd.DataFrame(columns=[by, *RESPONSE_UNITS]), RESPONSE_UNITS)
    keys = pd.Series(ALL, index=times.index) if by == "all" else times[by]
    out = _summaries(keys.reset_index(drop=True), times["hours"].to_numpy(float), times["censored"].to_numpy(bool), sla, by)
    if by == "weekday":
        out["weekday"] = [WEEKDAYS[int(d)] for d in out["weekday"]]
    return _units(out, RESPONSE_UNITS, sla_hours=sla)


@per_frame
def lead_response_table(frame: "AuditFrame", by: str, sla: float) -> pd.DataFrame:
    """:func:`lead_response_by` over the frame's leads of the period (:func:`lead_response_times`), once per
    frame, grouping and SLA: step 6's page and its findings show the same tables."""
    return lead_response_by(lead_response_times(frame), by, sla)


def never_contacted(times: pd.DataFrame, sla: float) -> pd.DataFrame:
    """Leads not contacted by the as-of moment, per source: ``waiting`` (all of them), ``overdue`` (waiting
    longer than the SLA), ``leads`` (created in the period) and ``overdue_share`` (overdue / leads)."""
    cols = ["source", "leads", "waiting", "overdue", "overdue_share"]
    units = {"leads": "count", "waiting": "count", "overdue": "count", "overdue_share": "share"}
    if times.empty:
        return _units(pd.DataFrame(columns=cols), units)
    d = times[["source", "censored"]].assign(overdue=times["censored"] & (times["hours"] > sla))
    per_source = d.groupby("source", sort=False).agg(leads=("censored", "size"), waiting=("censored", "sum"), overdue=("overdue", "sum"))
    every = pd.DataFrame({"leads": [len(d)], "waiting": [d["censored"].sum()], "overdue": [d["overdue"].sum()]},
                         index=pd.Index([ALL], name="source"))
    g = pd.concat([every, per_source])  # all leads first, then each source as it first appears
    g["overdue_share"] = g["overdue"] / g["leads"]
    return _units(g.reset_index()[cols].astype({"waiting": "int64", "overdue": "int64"}), units, sla_hours=sla)


def lead_response_heatmap(times: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier median response hours by weekday (rows, Mon..Sun present) and hour of creation (columns)."""
    if times.empty:
        return pd.DataFrame()
    cells = {}
    for (wd, hr), idx in times.groupby(["weekday", "hour"]).indices.items():
        cells[(WEEKDAYS[int(wd)], int(hr))] = km_quantiles(times["hours"].to_numpy(float)[idx], times["censored"].to_numpy(bool)[idx], (0.5,))[0]
    s = pd.Series(cells)
    table = s.unstack()
    return table.reindex([w for w in WEEKDAYS if w in table.index])


# --------------------------------------------------------------------------- handoffs


def handoff_times(frame: "AuditFrame") -> pd.DataFrame:
    """One row per request created in the period: ``from_dept``, ``to_dept``, ``pair`` ("A -> B"),
    ``month`` (of creation), ``response_hours`` / ``response_censored`` and ``resolution_hours`` /
    ``resolution_censored`` (hours to the event, or waited so far when it had not happened by the end).
    Rows whose timestamps are missing are left out; empty when there is no handoffs table."""
    h = frame.table("handoffs")
    cols = ["request_id", "from_dept", "to_dept", "pair", "month", "created_at", "response_hours", "response_censored",
            "resolution_hours", "resolution_censored"]
    if h is None or h.empty:
        return pd.DataFrame(columns=cols)
    h = h.loc[h["created_at"].notna() & (h["created_at"] >= frame.start) & (h["created_at"] < frame.as_of)]
    out = pd.DataFrame({
        "request_id": h["request_id"].astype("string"),
        "from_dept": h["from_dept"].astype("string").fillna(NO_VALUE),
        "to_dept": h["to_dept"].astype("string").fillna(NO_VALUE),
        "created_at": h["created_at"],
    })
    out["pair"] = out["from_dept"] + " -> " + out["to_dept"]
    out["month"] = h["created_at"].dt.to_period("M").dt.start_time
    for what, col in (("response", "responded_at"), ("resolution", "resolved_at")):
        event = h[col]
        out[f"{what}_censored"] = event.isna().to_numpy()
        out[f"{what}_hours"] = np.maximum(((event.fillna(frame.as_of) - h["created_at"]) / HOUR).to_numpy(float), 0.0)
    return _units(out.reset_index(drop=True)[cols], {"response_hours": "hours", "resolution_hours": "hours", "month": "month"})


def _handoff_rows(times: pd.DataFrame, keys: list[str], sla: float) -> pd.DataFrame:
    rows = []
    for key, idx in times.groupby(keys, sort=True).indices.items():
        part = times.iloc[idx]
        r_h, r_c = part["response_hours"].to_numpy(float), part["response_censored"].to_numpy(bool)
        s = censored_summary(r_h, r_c, sla)
        resolution = km_quantiles(part["resolution_hours"].to_numpy(float), part["resolution_censored"].to_numpy(bool), (0.5,))[0]
        breaches = int(((~r_c) & (r_h > sla) | r_c & (r_h > sla)).sum())
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)), "requests": len(part), "answered": int(s["done"]), "waiting": int(s["waiting"]),
                     "median_response_hours": s["median"], "p90_response_hours": s["p90"],
                     "median_resolution_hours": resolution, "breaches": breaches,
                     "breach_share": breaches / s["judged"] if s["judged"] else math.nan})
    return pd.DataFrame(rows, columns=[*keys, *[c for c in HANDOFF_UNITS if c != "month"]])


def handoff_pairs(times: pd.DataFrame, sla: float) -> pd.DataFrame:
    """Per department pair (``from_dept``, ``to_dept``): requests, answered, waiting, median and p90
    response hours and median resolution hours (Kaplan-Meier), SLA ``breaches`` (answered after the SLA,
    or still waiting longer than it) and ``breach_share`` (of the requests whose outcome at the SLA is
    known). Slowest median response first."""
    if times.empty:
        return _units(pd.DataFrame(columns=["from_dept", "to_dept", *HANDOFF_UNITS]), HANDOFF_UNITS)
    out = _handoff_rows(times, ["from_dept", "to_dept"], sla)
    out = out.sort_values("median_response_hours", ascending=False, na_position="first", kind="stable").reset_index(drop=True)
    return _units(out, HANDOFF_UNITS, sla_hours=sla)


def handoff_matrix(pairs: pd.DataFrame, value: str = "median_response_hours") -> pd.DataFrame:
    """``value`` of :func:`handoff_pairs` as a matrix: requesting department (rows) x answering (columns)."""
    if pairs.empty:
        return pd.DataFrame()
    return pairs.pivot(index="from_dept", columns="to_dept", values=value)


def handoff_trend(times: pd.DataFrame, sla: float, frame: "AuditFrame | None" = None) -> pd.DataFrame:
    """Per month and pair (and ``(all)`` pairs): requests, median response hours, breaches and breach share;
    ``complete`` says whether the month is complete in the data (see ``AuditFrame.month_coverage``)."""
    if times.empty:
        return _units(pd.DataFrame(columns=["month", "pair", *HANDOFF_UNITS]), HANDOFF_UNITS)
    both = pd.concat([times.assign(pair=ALL), times], ignore_index=True)
    out = _handoff_rows(both, ["month", "pair"], sla)
    if frame is not None:
        cov = frame.month_coverage().set_index("month")["complete"]
        out["complete"] = out["month"].map(cov).fillna(False).astype(bool)
    return _units(out, HANDOFF_UNITS, sla_hours=sla)


# --------------------------------------------------------------------------- collaboration inside sales


def collaboration(frame: "AuditFrame") -> pd.DataFrame:
    """Per deal created in the period that has activities: ``owner`` and ``reps`` (how many different
    people logged activities on it), ``others`` (activities by someone other than the owner). Empty when
    there is no activities table."""
    a = _pairs(frame)
    cols = ["deal_id", "owner", "reps", "activities", "others"]
    if a is None or a.empty:
        return pd.DataFrame(columns=cols)
    a = a.assign(others=a["activities"].where(a["owner_id"] != a["owner"], 0))
    g = a.groupby("deal_id").agg(owner=("owner", "first"), reps=("owner_id", "size"), activities=("activities", "sum"), others=("others", "sum"))
    out = g.reset_index()[cols].astype({"reps": "int64", "activities": "int64", "others": "int64"})
    return _units(out, {"reps": "count", "activities": "count", "others": "count"})


@per_frame
def _pairs(frame: "AuditFrame") -> pd.DataFrame | None:
    """Per (deal created in the period, person who logged activities on it before the as-of moment):
    ``deal_id``, ``owner_id`` (who logged them), ``owner`` (who owns the deal), ``activities`` (count); None
    without an activities table. Once per frame: the collaboration and the handovers both read it."""
    summary = frame.activity
    if summary is None:
        return None
    deals = frame.population("deals_created")[["deal_id", "owner_id"]].rename(columns={"owner_id": "owner"})
    pairs = summary.by_deal.loc[summary.by_deal["owner_id"].notna(), ["deal_id", "owner_id", "activities"]]
    return pairs.merge(deals, on="deal_id")


def collaboration_summary(collab: pd.DataFrame) -> pd.DataFrame:
    """Per owner: deals with activities, deals worked by more than one person and that share."""
    units = {"deals": "count", "shared_deals": "count", "shared_share": "share"}
    if collab.empty:
        return _units(pd.DataFrame(columns=["owner", *units]), units)
    d = collab.assign(shared=collab["reps"] > 1)
    both = pd.concat([d.assign(owner=ALL), d])
    g = both.groupby("owner", sort=False).agg(deals=("shared", "size"), shared_deals=("shared", "sum"))
    g["shared_share"] = g["shared_deals"] / g["deals"]
    return _units(g.reset_index().astype({"shared_deals": "int64"}), units)


def rep_handovers(frame: "AuditFrame") -> pd.DataFrame:
    """Handovers between reps: per (owner, helper) pair, the deals created in the period on which the
    helper logged activities though another rep owns the deal. Most deals first."""
    a = _pairs(frame)
    cols = ["owner", "helper", "deals"]
    if a is None or a.empty:
        return _units(pd.DataFrame(columns=cols), {"deals": "count"})
    a = a.loc[a["owner_id"] != a["owner"]]  # one row per (deal, helper) already
    g = a.groupby(["owner", "owner_id"]).size().rename("deals").reset_index().rename(columns={"owner_id": "helper"})
    return _units(g.sort_values("deals", ascending=False, kind="stable").reset_index(drop=True)[cols], {"deals": "count"})


# --------------------------------------------------------------------------- findings


def comms_findings(
    by_source: pd.DataFrame, by_rep: pd.DataFrame, overall: pd.DataFrame, never: pd.DataFrame, pairs: pd.DataFrame,
    fmt: "Formatter", sla: float, handoff_sla: float, names: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Step 6's findings from its data tables:

    - ``comms.lead_response.slow_source`` / ``slow_rep``: a source or rep with at least ``MIN_JUDGED``
      leads whose median response is above the SLA and at least ``SLOW_RATIO`` times the overall median;
    - ``comms.lead_response.never_contacted``: leads not contacted and overdue above
      ``NEVER_CONTACTED_SHARE`` of the leads (with at least ``MIN_JUDGED`` leads);
    - ``comms.handoff.sla_breach``: a department pair with at least ``MIN_JUDGED`` requests whose median
      response is above the handoff SLA.
    """
    lang = fmt.language
    out: list[Finding] = []
    base = float(overall["median_hours"].iloc[0]) if len(overall) else math.nan
    for table, col, kind in ((by_source, "source", "slow_source"), (by_rep, "rep", "slow_rep")):
        for _, r in table.iterrows():
            med = r["median_hours"]
            if r[col] == NO_VALUE or r["leads"] < MIN_JUDGED or not (med > sla) or not (math.isnan(base) or med >= SLOW_RATIO * base):
                continue
            who = (names or {}).get(str(r[col]), str(r[col])) if col == "rep" else r[col]  # a rep by name
            title = {"en": f"Leads from {col} {who} wait {fmt.number(med, 1)} hours (median) for a first contact; the SLA is {fmt.number(sla, 0)} hours",
                     "ru": f"Лиды ({'источник' if col == 'source' else 'менеджер'} {who}) ждут первого контакта {fmt.number(med, 1)} ч (медиана) при SLA {fmt.number(sla, 0)} ч"}
            out.append(Finding(
                step=6, kind=f"comms.lead_response.{kind}", subject=str(r[col]), area="communication",
                title=title.get(lang, title["en"]), severity=severity_for(med / sla, SLOW_SEVERITY),
                metric="median_lead_response_hours", value=med, unit="hours", target=sla,
                benchmark=f"all leads: {fmt.number(base, 1)} h" if lang != "ru" else f"все лиды: {fmt.number(base, 1)} ч",
                action="comms.speed_up_lead_response",
                detail=(f"{int(r['leads'])} leads; p90 {fmt.number(r['p90_hours'], 1)} h; within SLA {fmt.share(r['within_sla'])}" if lang != "ru"
                        else f"лидов: {int(r['leads'])}; 90-й перцентиль {fmt.number(r['p90_hours'], 1)} ч; в рамках SLA {fmt.share(r['within_sla'])}"),
                evidence=records(table.loc[table[col] == r[col]]),
            ))
    if len(never):
        total = never.loc[never["source"] == ALL]
        if len(total) and total["leads"].iloc[0] >= MIN_JUDGED and total["overdue_share"].iloc[0] > NEVER_CONTACTED_SHARE:
            share = float(total["overdue_share"].iloc[0])
            n = fmt.number(int(total["overdue"].iloc[0]))  # after a colon: no noun or verb to agree with the number
            title = {"en": f"Leads never contacted, waiting longer than the SLA: {n} ({fmt.share(share)})",
                     "ru": f"Лиды без первого контакта, ждущие дольше SLA: {n} ({fmt.share(share)})"}
            out.append(Finding(
                step=6, kind="comms.lead_response.never_contacted", subject="leads", area="communication",
                title=title.get(lang, title["en"]), severity="high" if share > 3 * NEVER_CONTACTED_SHARE else "medium",
                metric="never_contacted_overdue_share", value=share, unit="share", target=NEVER_CONTACTED_SHARE,
                action="comms.work_uncontacted_leads", evidence=records(never),
            ))
    for _, r in pairs.iterrows():
        med = r["median_response_hours"]
        if r["requests"] < MIN_JUDGED or not (med > handoff_sla):
            continue
        pair = f"{r['from_dept']} -> {r['to_dept']}"
        title = {"en": f"{r['to_dept']} answers {r['from_dept']}'s requests in {fmt.number(med, 1)} hours (median); the SLA is {fmt.number(handoff_sla, 0)} hours",
                 "ru": f"{r['to_dept']} отвечает на запросы {r['from_dept']} за {fmt.number(med, 1)} ч (медиана) при SLA {fmt.number(handoff_sla, 0)} ч"}
        out.append(Finding(
            step=6, kind="comms.handoff.sla_breach", subject=pair, area="communication",
            title=title.get(lang, title["en"]), severity=severity_for(med / handoff_sla, SLOW_SEVERITY),
            metric="median_handoff_response_hours", value=med, unit="hours", target=handoff_sla,
            benchmark="handoff SLA" if lang != "ru" else "SLA на ответ между отделами", action="comms.handoff_sla",
            detail=(f"{int(r['requests'])} requests; {int(r['breaches'])} breaches ({fmt.share(r['breach_share'])})" if lang != "ru"
                    else f"запросов: {int(r['requests'])}; нарушений: {int(r['breaches'])} ({fmt.share(r['breach_share'])})"),
            evidence=records(pairs.loc[(pairs["from_dept"] == r["from_dept"]) & (pairs["to_dept"] == r["to_dept"])]),
        ))
    return out


def step_findings(frame: "AuditFrame", fmt: "Formatter") -> list[Finding]:
    """Every finding of step 6 on ``frame``: lead response, handoffs and the survey's step-6 dimensions and
    sales gaps (what the notebook adds)."""
    from . import people as P
    from . import survey as S

    sla = float(frame.params.thresholds.lead_response_sla_hours)
    handoff_sla = float(frame.params.thresholds.handoff_sla_hours)
    times = lead_response_times(frame)
    out = comms_findings(
        lead_response_table(frame, "source", sla), lead_response_table(frame, "rep", sla), lead_response_table(frame, "all", sla),
        never_contacted(times, sla), handoff_pairs(handoff_times(frame), handoff_sla), fmt, sla, handoff_sla,
        P.rep_names(frame),
    )
    if frame.has("survey"):
        answers = S.scored(S.survey_of(frame))
        out += S.survey_findings(S.dimension_scores(answers, ("department",), step=6, lang=fmt.language), S.sales_gaps(answers), 6, fmt)
    return out
