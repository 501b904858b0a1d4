"""The demo client: a deterministic generator of raw CRM exports with planted problems.

``generate_demo(out_dir)`` writes the raw files that ``params/demo.yaml`` reads
(a Pipedrive-style ``deals.csv`` and nine companion tables) for a fictional
sales department of about 30 reps in four teams, audited over 18 months
(2025-04-01 to 2026-09-30), and a ``truth.json`` that lists what was planted
in them: nine process, people, technology and communication problems, and a
handful of data-quality defects in ``deals.csv``. The same seed gives
byte-identical files (with the same library versions), so tests and notebooks
can assert on the findings. The survey answers the kit's standard questionnaire
(``auditkit.questionnaire``), with nothing planted in it, from a random stream of
its own, so changing it never moves the other tables.

Like a real CRM export, the files are not cut to the audit period:

- the simulated world starts three months before it (2025-01-01), with the
  reps already working, so the export holds deals created and closed before
  the period and deals created before it and closed inside it, with their
  leads, stage history and activities;
- the export is taken on 2026-10-20, three weeks after the period's end, so it
  holds what happened up to then: deals created after the period, deals of the
  period won or lost after it, later stage entries, leads, activities and
  handoffs.

Every measured number in ``truth.json`` is computed over the period as the kit
sees it at the as-of moment (the end of 2026-09-30): deals closed in the
period for win rates and lost reasons, deals created in the period for the
funnel, leads, activities and handoffs of the period, with nothing after the
end visible (see :data:`POPULATIONS`); ``outside_period`` counts what lies
outside it.

How the world is built (all times are simulated in *business hours*: 9:00 to
18:00 on working days, so every event falls on a weekday at a working hour):

- reps are hired at fixed dates; leads arrive with monthly seasonality and a
  growth trend and go to the reps active at that time;
- a contacted lead may become a deal, outbound deals come without a lead;
- each deal walks the open stages: it stays a lognormal number of days in a
  stage, then advances (probability: the stage's conversion times the owner's
  skill) or is lost; ~5% skip a stage, ~3% move back one stage once;
- whatever would happen after the export (2026-10-20 18:00) is cut off, so
  open deals are mostly recent;
- activities are spread over each deal's and lead's life; every open deal but
  the planted stale ones has a touch in the last few weeks before the period's
  end, and again before the export; the stale ones stay untouched until the
  export;
- the data-quality defects sit on deals created and closed inside the period,
  so a corrupted cell never moves a deal across the period's edges.

``truth.json`` holds ``seed``, ``generator_version``, ``period``, ``as_of``,
``exported_at``, ``world_start``, ``currency``, ``stages``, ``populations``
(what each measured number is computed on), ``counts`` (rows per file: the
whole export), ``period_counts`` (the size of each population),
``outside_period``, ``planted``, ``quality`` and ``files`` (sizes in bytes).
It is written last: ``demo_is_current`` trusts a folder only when
it finds it, with this seed and ``GENERATOR_VERSION``, and every file in it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from .report.xlsx import workbook_bytes

DEMO_SEED: int = 7
GENERATOR_VERSION: str = "3"

# --------------------------------------------------------------------------- constants

#: the simulated world starts before the audit period, so the export holds older deals too
WORLD_START = dt.date(2025, 1, 1)
PERIOD_START = dt.date(2025, 4, 1)
PERIOD_END = dt.date(2026, 9, 30)
#: the as-of moment of the audit: the end of the period's last day
AS_OF = dt.datetime(2026, 9, 30, 23, 59, 0)
#: when the CRM export was taken: three weeks after the period, so later events are in the files
EXPORT_DATE = dt.date(2026, 10, 20)
EXPORTED_AT = dt.datetime(2026, 10, 20, 23, 59, 0)
#: the period as the kit scopes it: [start, end) with end the first instant after PERIOD_END
_PERIOD_LO = pd.Timestamp(PERIOD_START)
_PERIOD_HI = pd.Timestamp(PERIOD_END + dt.timedelta(days=1))

OPEN_STAGES: tuple[str, ...] = ("New", "Qualified", "Discovery", "Demo", "Proposal", "Negotiation")
WON, LOST = "Won", "Lost"
STAGES: tuple[str, ...] = (*OPEN_STAGES, WON, LOST)

#: designed chance that a deal leaves each open stage forward (the rest is lost)
STAGE_CONVERSION: dict[str, float] = {
    "New": 0.85, "Qualified": 0.83, "Discovery": 0.83, "Demo": 0.32, "Proposal": 0.82, "Negotiation": 0.84,
}
#: designed median time in each open stage, in calendar days (lognormal)
STAGE_DWELL_DAYS: dict[str, float] = {
    "New": 4.0, "Qualified": 5.0, "Discovery": 7.0, "Demo": 6.0, "Proposal": 8.0, "Negotiation": 35.0,
}
_DWELL_SIGMA = 0.55

TEAMS: tuple[str, ...] = ("SMB North", "SMB South", "Mid-Market", "Enterprise")
_TEAM_SIZE = {"SMB North": 8, "SMB South": 8, "Mid-Market": 8, "Enterprise": 6}
_TEAM_LEAD_WEIGHT = {"SMB North": 1.2, "SMB South": 1.2, "Mid-Market": 0.9, "Enterprise": 0.6}
_TEAM_SKILL = {"SMB North": 1.0, "SMB South": 1.0, "Mid-Market": 0.99, "Enterprise": 0.975}
_TEAM_AMOUNT_MEDIAN = {"SMB North": 4800.0, "SMB South": 4200.0, "Mid-Market": 14000.0, "Enterprise": 42000.0}
_TEAM_CYCLE_DAYS = {"SMB North": 35.0, "SMB South": 35.0, "Mid-Market": 60.0, "Enterprise": 90.0}
_TEAM_ACCOUNTS = {"SMB North": 1500, "SMB South": 1500, "Mid-Market": 600, "Enterprise": 200}
_TEAM_REGIONS = {
    "SMB North": (("North", "East"), (0.8, 0.2)),
    "SMB South": (("South", "West"), (0.8, 0.2)),
    "Mid-Market": (("North", "South", "East", "West"), (0.3, 0.3, 0.2, 0.2)),
    "Enterprise": (("North", "South", "East", "West"), (0.35, 0.25, 0.2, 0.2)),
}

PRODUCTS: tuple[str, ...] = ("Core", "Professional", "Enterprise Suite", "Add-on")
_PRODUCT_MULT = np.array([1.0, 1.8, 3.2, 0.35])
_TEAM_PRODUCT_P = {
    "SMB North": (0.55, 0.30, 0.0, 0.15),
    "SMB South": (0.55, 0.30, 0.0, 0.15),
    "Mid-Market": (0.25, 0.45, 0.15, 0.15),
    "Enterprise": (0.0, 0.25, 0.60, 0.15),
}

LEAD_SOURCES: tuple[str, ...] = ("Website", "Paid ads", "Referral", "Partner", "Events", "Webinar")
_SOURCE_P = (0.32, 0.20, 0.12, 0.12, 0.12, 0.12)
_SOURCE_CONVERSION = (0.35, 0.25, 0.50, 0.45, 0.30, 0.30)
#: median first response per source, in business hours (Partner is the planted slow one)
_SOURCE_RESPONSE_BH = (1.8, 1.8, 1.8, 12.0, 1.8, 1.8)
OUTBOUND = "Outbound"

COMPETENCIES: tuple[str, ...] = (
    "Prospecting", "Discovery", "Product knowledge", "Objection handling", "Negotiation",
    "Client handling", "CRM discipline",
)
WEAK_COMPETENCY = "Objection handling"

#: lost-reason variants as typed in the CRM, and what each means
LOST_REASON_VARIANTS: dict[str, str] = {
    "Price": "price", "price ": "price", "PRICE": "price", "Too expensive": "price",
    "Competitor": "competitor", "went with competitor": "competitor", "Chose competitor": "competitor",
    "No budget": "no budget", "no budget": "no budget",
    "No decision": "no decision",
    "Timing": "timing", "Bad timing": "timing",
    "Product fit": "product fit",
}
_REASONS = ("price", "competitor", "no budget", "no decision", "timing", "product fit")
_REASON_P_BY_STAGE = {  # by the open stage the deal was lost in
    "early": (0.05, 0.05, 0.30, 0.20, 0.25, 0.15),
    "Demo": (0.15, 0.30, 0.05, 0.10, 0.05, 0.35),
    "late": (0.40, 0.30, 0.10, 0.15, 0.05, 0.00),
}
MISSING_REASON_TEAM = "SMB South"
_MISSING_REASON_P = {"SMB South": 0.42, "others": 0.13}

SLOW_SOURCE = "Partner"
STALL_STAGE = "Negotiation"
COLLAPSE_STAGE = "Demo"
STALE_COUNT = 40
STALE_MIN_IDLE_DAYS = 46

#: the questions of the survey of generator version 2 (before the standard questionnaire); only their number
#: and kinds matter now, to replay that survey's draws (see :func:`_replay_v2_survey_draws`)
#: (kind, number of free-text options) of each of its 17 questions
_V2_SURVEY_KINDS: tuple[tuple[str, int], ...] = (("likert", 0),) * 15 + (("text", 8), ("text", 7))
#: the demo's survey answers the standard questionnaire (auditkit.questionnaire); mean score (1-5, higher is
#: better, reverse-scored items already turned) per dimension; nothing is planted in the survey
_SURVEY_MEANS: dict[str, float] = {
    "crm_usability": 3.7, "data_trust": 3.5, "tool_coverage": 3.8, "automation": 3.5, "analytics": 3.7,
    "team": 3.9, "marketing": 3.7, "finance": 3.8, "delivery": 3.7, "management": 3.7, "sales": 3.8,
    "transparency": 3.7, "meetings": 3.6,
}
_SURVEY_DEPARTMENTS = {"Sales": 20, "Marketing": 10, "Legal": 6, "Finance": 8, "Delivery": 9, "Support": 7}
_SURVEY_ROLES = {
    "Sales": ("Account executive", "Team lead"), "Marketing": ("Specialist", "Manager"),
    "Legal": ("Counsel", "Manager"), "Finance": ("Analyst", "Manager"),
    "Delivery": ("Consultant", "Manager"), "Support": ("Agent", "Manager"),
}
_SURVEY_TEXT = {
    "X01": (
        "Entering the same data twice", "Too many tools that do not talk to each other", "The CRM is slow on my phone",
        "Finding the latest version of a proposal", "Reports I cannot build myself", "Logging calls by hand",
    ),
    "X02": (
        "A contract review SLA with legal", "Clear lead scoring with marketing", "A shared handover checklist with delivery",
        "Shorter internal meetings with clear owners", "One place for customer information", "Faster discount approvals",
    ),
}

#: (from_dept, to_dept, kind, share of requests, median response in business hours)
_HANDOFF_PAIRS: tuple[tuple[str, str, str, float, float], ...] = (
    ("Sales", "Legal", "contract review", 0.22, 23.0),
    ("Sales", "Finance", "discount approval", 0.20, 3.0),
    ("Sales", "Delivery", "onboarding handover", 0.18, 5.0),
    ("Marketing", "Sales", "lead handover", 0.12, 3.0),
    ("Support", "Sales", "upsell request", 0.08, 4.0),
    ("Delivery", "Sales", "scope change", 0.08, 4.0),
    ("Sales", "Marketing", "case study request", 0.06, 6.0),
    ("Finance", "Sales", "overdue invoice", 0.06, 3.0),
)
SLA_PAIR = ("Sales", "Legal")
HANDOFF_SLA_HOURS = 48.0

#: (tool, category, seats, active_users, monthly_cost EUR, integrated_with_crm)
_TOOLS: tuple[tuple[str, str, int, int, float, bool], ...] = (
    ("PipeCRM", "CRM", 34, 31, 2720.0, True),
    ("CloudDialer", "Dialer", 26, 22, 1040.0, True),
    ("SignFast", "E-signature", 12, 9, 300.0, True),
    ("InsightBI", "BI", 8, 6, 560.0, False),
    ("SeqMail", "Sales sequencing", 22, 18, 990.0, True),
    ("CallLens", "Conversation intelligence", 30, 3, 2850.0, False),
    ("DataBoost", "Data enrichment", 6, 5, 450.0, True),
    ("MeetEasy", "Scheduling", 30, 26, 240.0, True),
)
UNUSED_TOOL = "CallLens"

_REP_NAMES = (
    "Anna Berg", "Jonas Keller", "Marta Novak", "Lukas Brandt", "Sofia Rossi", "David Meyer",
    "Elena Petrova", "Tom Jansen", "Laura Fischer", "Marco Bianchi", "Nina Schulz", "Paul Weber",
    "Clara Dubois", "Felix Wagner", "Ines Costa", "Jan de Vries", "Lea Hoffmann", "Mateo Garcia",
    "Hanna Lindqvist", "Oskar Nowak", "Julia Wolf", "Simon Lang", "Eva Horvat", "Max Richter",
    "Sara Moreau", "Leon Becker", "Mia Kowalski", "Noah Schmitt", "Emma Vogel", "Adam Kral",
)
#: planted hires in the last three months of the period, and one during it (team, date)
_LATE_HIRES = (("SMB North", dt.date(2026, 7, 6)), ("SMB South", dt.date(2026, 8, 3)), ("Mid-Market", dt.date(2026, 9, 1)))
_MID_HIRE = ("Enterprise", dt.date(2025, 10, 6))

_HOLIDAYS = (
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-12-24", "2025-12-25", "2025-12-26",
    "2025-12-31", "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01",
)
_SEASON = np.array([0.9, 1.0, 1.1, 1.05, 1.0, 0.95, 0.85, 0.7, 1.1, 1.15, 1.1, 0.8])  # Jan..Dec
_GROWTH_PER_MONTH = 0.02

N_LEADS = 16_500  # over the whole world (January 2025 to the export), about 13,900 in the period
N_OUTBOUND = 1_000
N_HANDOFFS = 2_200
_DEAL_ACTIVITY_RATE = 1.5  # activities per business day while a deal is open
_FIXED_STAMP = dt.datetime(2026, 10, 20, 0, 0, 0)  # xlsx properties and zip entry times (the export day)

DATA_FILES: tuple[str, ...] = (
    "deals.csv", "stage_history.csv", "leads.csv", "activities.parquet", "reps.xlsx",
    "targets.csv", "assessments.csv", "survey.csv", "tools.csv", "handoffs.csv",
)
DEALS_COLUMNS: tuple[str, ...] = (
    "Deal ID", "Created", "Closed", "Status", "Stage", "Value", "Owner", "Source", "Product", "Team",
    "Region", "Lost reason", "Expected close", "Account",
)


# --------------------------------------------------------------------------- calendar


_DAY_H = 9.0  # business hours per working day (9:00-18:00)
_BH_PER_DAY = _DAY_H * 5.0 / 7.0  # business hours per calendar day, on average


class _Calendar:
    """Working days of the simulated world; converts business hours to wall-clock timestamps.

    Business time ``b`` (hours) counts only working hours from 9:00 on the
    world's first working day (January 2025); ``wall(b)`` maps it onto that
    day and hour. ``start`` and ``end`` bound the audit period, ``export`` the
    whole world (the export is taken then): all three in business hours.
    """

    def __init__(self) -> None:
        origin = np.datetime64(WORLD_START, "D")
        days = np.arange(origin, origin + np.timedelta64(1200, "D"), dtype="datetime64[D]")
        weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        keep = (weekday < 5) & ~np.isin(days, np.array(_HOLIDAYS, dtype="datetime64[D]"))
        self.days = days[keep]
        #: business hours at 9:00 of the period's first working day
        self.start = self.at_date(PERIOD_START)
        #: business hours at 18:00 of the last working day of the period (exclusive upper bound)
        self.end = self._close_of(PERIOD_END)
        #: business hours at 18:00 of the export day: nothing after it is in the files
        self.export = self._close_of(EXPORT_DATE)
        months = self.days.astype("datetime64[M]").astype("int64")
        month0 = np.datetime64(PERIOD_START, "M").astype("int64")
        self.weight = _SEASON[months % 12] * (1.0 + _GROWTH_PER_MONTH * (months - month0))

    def _close_of(self, day: dt.date) -> float:
        """Business hours at 18:00 of the last working day on or before ``day``."""
        return float(np.searchsorted(self.days, np.datetime64(day, "D"), side="right") * _DAY_H)

    def at_date(self, day: dt.date) -> float:
        """Business hours at 9:00 of the first working day on or after ``day``."""
        return float(np.searchsorted(self.days, np.datetime64(day, "D")) * _DAY_H)

    def wall(self, bh: np.ndarray) -> np.ndarray:
        """Wall-clock timestamps (``datetime64[s]``, NaT for NaN) of business hours ``bh``."""
        bh = np.asarray(bh, dtype="float64")
        ok = np.isfinite(bh)
        b = np.where(ok, np.maximum(bh, 0.0), 0.0)
        idx = np.minimum((b // _DAY_H).astype("int64"), len(self.days) - 1)
        secs = np.round((9.0 + b - idx * _DAY_H) * 3600.0).astype("int64")
        out = self.days[idx].astype("datetime64[s]") + secs.astype("timedelta64[s]")
        out[~ok] = np.datetime64("NaT")
        return out

    def sample(self, rng: np.random.Generator, n: int, lo: float = 0.0, hi: float | None = None) -> np.ndarray:
        """``n`` business-hour moments in [lo, hi) with seasonality, trend and a midday peak."""
        hi = self.export if hi is None else hi
        first, last = int(lo // _DAY_H), int(np.ceil(hi / _DAY_H))
        w = self.weight[first:last]
        day = first + rng.choice(len(w), size=n, p=w / w.sum())
        t = day * _DAY_H + rng.beta(2.0, 2.2, size=n) * _DAY_H
        return np.clip(t, lo, np.nextafter(hi, -np.inf))


def _lognormal(rng: np.random.Generator, median: Any, sigma: float, size: Any = None) -> np.ndarray:
    """Lognormal draws with the given median (same unit as ``median``)."""
    median = np.asarray(median, dtype="float64")
    return median * np.exp(sigma * rng.standard_normal(median.shape if size is None else size))


def _fmt_ts(ts: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` strings of ``datetime64`` values ('' for NaT)."""
    s = np.datetime_as_string(np.asarray(ts).astype("datetime64[s]"), unit="s")
    s = np.char.replace(s, "T", " ")
    return np.where(np.isnat(ts), "", s).astype(object)


def _fmt_date(ts: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` strings of ``datetime64`` values ('' for NaT)."""
    s = np.datetime_as_string(np.asarray(ts).astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(ts), "", s).astype(object)


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` + 1-based zero-padded numbers, as an object array of str."""
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


# --------------------------------------------------------------------------- reps


@dataclass
class _Reps:
    ids: np.ndarray  # object[str]
    names: np.ndarray
    team: np.ndarray  # object[str]
    role: np.ndarray
    hired: np.ndarray  # datetime64[D]
    hired_bh: np.ndarray  # business hours (negative infinity before the world starts)
    weight: np.ndarray  # relative share of new leads
    factor: np.ndarray  # (n_reps, n_open_stages) multiplier on stage conversion
    low: np.ndarray  # indices of the planted low-win-rate reps
    lag: int  # index of the planted late logger
    new_hires: np.ndarray  # indices of reps hired in the last three months


def _make_reps(rng: np.random.Generator, cal: _Calendar) -> _Reps:
    """Reps, teams, hire dates, skills, and the planted low-win and late-logging reps."""
    team, role = [], []
    for t in TEAMS:
        team += [t] * _TEAM_SIZE[t]
        role += ["Team lead"] + ["Account executive"] * (_TEAM_SIZE[t] - 1)
    team_a, role_a = np.array(team, dtype=object), np.array(role, dtype=object)
    n = len(team_a)
    old = np.datetime64("2017-01-02", "D") + rng.integers(0, 8 * 365, size=n).astype("timedelta64[D]")
    old = np.where(role_a == "Team lead", old - np.timedelta64(700, "D"), old)
    hired = old.copy()
    late: list[int] = []
    for t, day in (*_LATE_HIRES, _MID_HIRE):
        i = int(np.flatnonzero(team_a == t)[-1])
        hired[i] = np.datetime64(day, "D")
        if day >= dt.date(2026, 7, 1):
            late.append(i)
    hired_bh = np.array([cal.at_date(d.astype(object)) if d >= np.datetime64(WORLD_START) else -np.inf for d in hired])

    weight = np.array([_TEAM_LEAD_WEIGHT[t] for t in team_a]) * np.where(role_a == "Team lead", 0.35, 1.0)
    skill = np.exp(0.035 * rng.standard_normal(n)) * np.array([_TEAM_SKILL[t] for t in team_a])
    factor = np.repeat(skill[:, None], len(OPEN_STAGES), axis=1)
    factor[late] *= 0.97

    eligible = (role_a == "Account executive") & (hired < np.datetime64(PERIOD_START))
    low = np.array([int(rng.choice(np.flatnonzero(eligible & (team_a == t)))) for t in TEAMS[:3]])
    weight[low] *= 1.15
    weak = np.array([OPEN_STAGES.index(s) for s in ("Demo", "Proposal", "Negotiation")])
    factor[np.ix_(low, weak)] = 0.75
    rest = np.flatnonzero(eligible & ~np.isin(np.arange(n), low))
    lag = int(rng.choice(rest))
    return _Reps(
        ids=_ids("R", n, 3), names=np.array(_REP_NAMES[:n], dtype=object), team=team_a, role=role_a,
        hired=hired, hired_bh=hired_bh, weight=weight, factor=factor, low=low, lag=lag,
        new_hires=np.array(late),
    )


def _assign_owners(rng: np.random.Generator, reps: _Reps, t: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """For each moment ``t`` (business hours) a rep index among the reps hired by then."""
    owner = np.empty(len(t), dtype="int64")
    edges = np.unique(np.concatenate([[-np.inf], reps.hired_bh[np.isfinite(reps.hired_bh)], [np.inf]]))
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (t >= lo) & (t < hi)
        w = np.where(reps.hired_bh <= lo, weight, 0.0)
        owner[sel] = rng.choice(len(w), size=int(sel.sum()), p=w / w.sum())
    return owner


# --------------------------------------------------------------------------- leads


@dataclass
class _Leads:
    created: np.ndarray  # business hours
    source: np.ndarray  # int index into LEAD_SOURCES
    owner: np.ndarray  # rep index
    contact: np.ndarray  # business hours, NaN if not contacted by the export
    deal_created: np.ndarray  # business hours of the deal it became, NaN if none by the export


def _make_leads(rng: np.random.Generator, cal: _Calendar, reps: _Reps, n: int = N_LEADS) -> _Leads:
    """``n`` inbound leads with response times by source and their conversion into deals."""
    created = np.sort(cal.sample(rng, n))
    source = rng.choice(len(LEAD_SOURCES), size=n, p=_SOURCE_P)
    owner = _assign_owners(rng, reps, created, reps.weight)
    resp = np.where(
        source == LEAD_SOURCES.index(SLOW_SOURCE),
        _lognormal(rng, np.take(_SOURCE_RESPONSE_BH, source), 0.55),
        _lognormal(rng, np.take(_SOURCE_RESPONSE_BH, source), 0.9),
    )
    contact = created + resp
    never = rng.random(n) < 0.025
    contact[never | (contact >= cal.export)] = np.nan
    converts = (rng.random(n) < np.take(_SOURCE_CONVERSION, source)) & np.isfinite(contact)
    deal_created = np.where(converts, contact + _lognormal(rng, 14.0, 0.8, n), np.nan)
    deal_created[deal_created >= cal.export] = np.nan
    return _Leads(created=created, source=source, owner=owner, contact=contact, deal_created=deal_created)


def _lead_status(rng: np.random.Generator, cal: _Calendar, leads: _Leads) -> np.ndarray:
    """Lead status at the export: converted, new (never contacted), contacted/qualified (recent) or disqualified."""
    n = len(leads.created)
    recent = leads.created >= cal.export - 15 * _DAY_H
    status = np.where(rng.random(n) < 0.85, "disqualified", "qualified").astype(object)
    status[recent] = np.where(rng.random(int(recent.sum())) < 0.6, "contacted", "qualified")
    status[np.isnan(leads.contact)] = "new"
    status[np.isfinite(leads.deal_created)] = "converted"
    return status


# --------------------------------------------------------------------------- deals


@dataclass
class _Deals:
    created: np.ndarray  # business hours
    owner: np.ndarray  # rep index
    source: np.ndarray  # object[str]
    lead: np.ndarray  # lead index, -1 for outbound deals
    status: np.ndarray  # object[str]: open/won/lost, as at the export
    stage: np.ndarray  # object[str]: current stage (won: Won; lost: the stage it was lost in)
    closed: np.ndarray  # business hours, NaN while open at the export
    active_until: np.ndarray  # business hours up to which the deal gets activities
    stale: np.ndarray  # indices of the planted stale deals
    history: pd.DataFrame  # deal (index), stage (str), t (business hours), sorted


def _simulate_pipeline(rng: np.random.Generator, created: np.ndarray, factor: np.ndarray) -> tuple[np.ndarray, ...]:
    """Walk every deal through the open stages.

    Returns the stage-entry rows as three arrays (deal position, stage index,
    business hours; stage index 6 is Won and 7 is Lost; unsorted and not yet
    cut at the export), then per deal the final stage index (6 or 7)
    and its time in business hours.
    """
    n, k = len(created), len(OPEN_STAGES)
    conv = np.clip(np.array([STAGE_CONVERSION[s] for s in OPEN_STAGES]) * factor, 0.02, 0.97)
    advance = rng.random((n, k)) < conv
    medians = np.array([STAGE_DWELL_DAYS[s] for s in OPEN_STAGES])
    dwell = _lognormal(rng, medians, _DWELL_SIGMA, (n, k)) * _BH_PER_DAY

    skipped = np.zeros((n, k), dtype=bool)
    skip = np.flatnonzero(rng.random(n) < 0.08)  # ~5% of deals visibly skip (the rest end before)
    skipped[skip, rng.choice([1, 2, 4, 5], size=len(skip), p=(0.4, 0.4, 0.1, 0.1))] = True
    advance |= skipped
    dwell[skipped] = 0.0

    back = np.full(n, -1)
    mb = rng.random(n) < 0.06  # ~3% of deals visibly move back once
    back[mb] = rng.choice([2, 3, 4, 5], size=int(mb.sum()), p=(0.35, 0.35, 0.15, 0.15))
    d_back = _lognormal(rng, 2.0, 0.5, n) * _BH_PER_DAY  # in the stage before moving back
    d_prev = _lognormal(rng, 3.0, 0.5, n) * _BH_PER_DAY  # in the earlier stage

    reached = np.ones((n, k), dtype=bool)
    reached[:, 1:] = np.cumprod(advance[:, :-1], axis=1).astype(bool)
    entered = reached & ~skipped
    extra = np.zeros((n, k))
    has_back = back >= 0
    extra[has_back, back[has_back]] = (d_back + d_prev)[has_back]
    extra *= entered
    stay = (dwell + extra) * entered
    entry = created[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(stay, axis=1)[:, :-1]], axis=1)
    exit_ = entry + stay

    won = reached[:, -1] & advance[:, -1]
    last = np.where(won, k - 1, np.argmin(np.where(entered, advance, True), axis=1))
    final_stage = np.where(won, k, k + 1)
    final_t = exit_[np.arange(n), last]

    di, si = np.nonzero(entered)
    rows_d, rows_s, rows_t = [di], [si], [entry[di, si]]
    bd = np.flatnonzero(has_back & entered[np.arange(n), np.maximum(back, 0)])
    t_b = entry[bd, back[bd]]
    rows_d += [bd, bd]
    rows_s += [back[bd] - 1, back[bd]]
    rows_t += [t_b + d_back[bd], t_b + d_back[bd] + d_prev[bd]]
    rows_d.append(np.arange(n))
    rows_s.append(final_stage)
    rows_t.append(final_t)
    return np.concatenate(rows_d), np.concatenate(rows_s), np.concatenate(rows_t), final_stage, final_t


def _win_rates(
    owner: np.ndarray, final_stage: np.ndarray, final_t: np.ndarray, lo: float, hi: float, n_reps: int
) -> np.ndarray:
    """Per rep: won / closed among the deals closed in [lo, hi) (NaN without closed deals)."""
    closed = (final_t >= lo) & (final_t < hi)
    won = closed & (final_stage == len(OPEN_STAGES))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(owner, weights=won, minlength=n_reps) / np.bincount(owner, weights=closed, minlength=n_reps)


def _plant_low_win_rates(
    rng: np.random.Generator, cal: _Calendar, reps: _Reps, created: np.ndarray, owner: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray, np.ndarray], final_stage: np.ndarray, final_t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Make sure each planted low-win rep really ends at most half the others' median win rate.

    Measured on the deals closed in the audit period. Their weaker conversion
    gives about 0.4x on average, but a rep closes only a few hundred deals in
    it; when chance lifts one above half, that rep's deals (all of them) are
    walked again (a fresh draw, so still deterministic). Updates
    ``final_stage``/``final_t`` in place and returns the new stage-entry rows.
    """
    hd, hs, ht = rows
    n_reps = len(reps.ids)
    for r in reps.low:
        sel = np.flatnonzero(owner == r)
        for _ in range(100):
            rates = _win_rates(owner, final_stage, final_t, cal.start, cal.end, n_reps)
            if rates[r] <= 0.5 * np.nanmedian(np.delete(rates, reps.low)):
                break
            sd, ss, st, fs, ft = _simulate_pipeline(rng, created[sel], reps.factor[owner[sel]])
            keep = owner[hd] != r
            hd, hs, ht = np.concatenate([hd[keep], sel[sd]]), np.concatenate([hs[keep], ss]), np.concatenate([ht[keep], st])
            final_stage[sel], final_t[sel] = fs, ft
    return hd, hs, ht


def _make_deals(rng: np.random.Generator, cal: _Calendar, reps: _Reps, leads: _Leads, n_outbound: int = N_OUTBOUND) -> _Deals:
    """Deals from leads and ``n_outbound`` outbound ones, their stage history, status and planted stale ones."""
    from_lead = np.flatnonzero(np.isfinite(leads.deal_created))
    ae_weight = np.where(reps.role == "Account executive", reps.weight, 0.0)
    out_created = cal.sample(rng, n_outbound)
    created = np.concatenate([leads.deal_created[from_lead], out_created])
    owner = np.concatenate([leads.owner[from_lead], _assign_owners(rng, reps, out_created, ae_weight)])
    lead = np.concatenate([from_lead, np.full(n_outbound, -1)])
    source = np.concatenate([np.take(LEAD_SOURCES, leads.source[from_lead]), np.full(n_outbound, OUTBOUND)])
    order = np.argsort(created, kind="stable")
    created, owner, lead, source = created[order], owner[order], lead[order], source[order].astype(object)
    n = len(created)

    hd, hs, ht, final_stage, final_t = _simulate_pipeline(rng, created, reps.factor[owner])
    hd, hs, ht = _plant_low_win_rates(rng, cal, reps, created, owner, (hd, hs, ht), final_stage, final_t)

    # planted stale deals: frozen in their stage long before the period's end, no activity since
    # (and none up to the export either: nobody touches them)
    idle_from = cal.at_date(PERIOD_END - dt.timedelta(days=STALE_MIN_IDLE_DAYS)) - _DAY_H
    freeze_at = idle_from - rng.uniform(0, 45, n).round() * _DAY_H
    alive = (created < freeze_at - 5 * _DAY_H) & (final_t > freeze_at) & (created > freeze_at - 200 * _DAY_H)
    alive &= ~np.isin(owner, reps.low)  # keep the planted win rates as they are
    stale = np.sort(rng.choice(np.flatnonzero(alive), size=min(STALE_COUNT, int(alive.sum())), replace=False))
    cut = np.full(n, cal.export)
    cut[stale] = freeze_at[stale]

    keep = ht < cut[hd]
    hist = pd.DataFrame({"deal": hd[keep], "s": hs[keep], "t": ht[keep]}).sort_values(["deal", "t"], kind="stable")
    closed_ok = final_t < cut
    status = np.where(closed_ok, np.where(final_stage == len(OPEN_STAGES), "won", "lost"), "open").astype(object)
    closed = np.where(closed_ok, final_t, np.nan)
    open_rows = hist[hist["s"] < len(OPEN_STAGES)]
    current = open_rows.groupby("deal", sort=True)["s"].last().to_numpy()  # every deal enters New
    stage = np.take(OPEN_STAGES, current).astype(object)
    stage[status == "won"] = WON
    hist = hist.assign(stage=np.take(STAGES, hist["s"].to_numpy())).drop(columns="s").reset_index(drop=True)
    active_until = np.where(closed_ok, final_t, cut)
    return _Deals(
        created=created, owner=owner, source=source, lead=lead, status=status, stage=stage, closed=closed,
        active_until=active_until, stale=stale, history=hist,
    )


def _deal_attributes(rng: np.random.Generator, cal: _Calendar, reps: _Reps, deals: _Deals) -> pd.DataFrame:
    """Team, product, amount (EUR), region, account, expected close and lost reason per deal."""
    n = len(deals.created)
    team = reps.team[deals.owner]
    product = np.empty(n, dtype="int64")
    region = np.empty(n, dtype=object)
    account = np.empty(n, dtype=object)
    median = np.empty(n)
    cycle = np.empty(n)
    offset = 0
    for t in TEAMS:
        sel = np.flatnonzero(team == t)
        product[sel] = rng.choice(len(PRODUCTS), size=len(sel), p=_TEAM_PRODUCT_P[t])
        names, p = _TEAM_REGIONS[t]
        region[sel] = rng.choice(np.array(names, dtype=object), size=len(sel), p=p)
        pool = _TEAM_ACCOUNTS[t]
        account[sel] = [f"AC{offset + i:05d}" for i in 1 + rng.integers(0, pool, size=len(sel))]
        offset += pool
        median[sel] = _TEAM_AMOUNT_MEDIAN[t]
        cycle[sel] = _TEAM_CYCLE_DAYS[t]
    amount = np.maximum(100.0, np.round(median * _PRODUCT_MULT[product] * _lognormal(rng, 1.0, 0.45, n) / 10.0) * 10.0)
    expected = cal.wall(deals.created).astype("datetime64[D]") + np.round(_lognormal(rng, cycle, 0.35)).astype(
        "timedelta64[D]"
    )

    lost = deals.status == "lost"
    lost_stage = deals.stage
    group = np.where(np.isin(lost_stage, ("New", "Qualified", "Discovery")), "early", np.where(lost_stage == "Demo", "Demo", "late"))
    reason = np.full(n, "", dtype=object)
    by_reason: dict[str, list[str]] = {}
    for variant, canon in LOST_REASON_VARIANTS.items():
        by_reason.setdefault(canon, []).append(variant)
    for g, p in _REASON_P_BY_STAGE.items():
        sel = np.flatnonzero(lost & (group == g))
        picked = rng.choice(len(_REASONS), size=len(sel), p=p)
        pick = rng.random(len(sel))
        reason[sel] = [
            by_reason[_REASONS[c]][int(u * len(by_reason[_REASONS[c]]))] for c, u in zip(picked, pick, strict=True)
        ]
    p_missing = np.where(team == MISSING_REASON_TEAM, _MISSING_REASON_P[MISSING_REASON_TEAM], _MISSING_REASON_P["others"])
    reason[lost & (rng.random(n) < p_missing)] = ""

    return pd.DataFrame(
        {
            "deal_id": _ids("D", n, 5),
            "created_at": cal.wall(deals.created),
            "closed_at": cal.wall(deals.closed),
            "status": deals.status,
            "stage": deals.stage,
            "amount": amount,
            "owner_id": reps.ids[deals.owner],
            "source": deals.source,
            "product": np.take(PRODUCTS, product).astype(object),
            "team": team,
            "region": region,
            "lost_reason": reason,
            "expected_close_at": expected.astype("datetime64[s]"),
            "account_id": account,
        }
    )


# --------------------------------------------------------------------------- data-quality defects


def _plant_quality(rng: np.random.Generator, deals: pd.DataFrame, exclude: np.ndarray) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The raw ``deals.csv`` frame (export column names, text cells) with planted defects.

    Returns the frame and the ``quality`` part of the truth: per defect its
    count and the affected deal ids. Defects go only to deals created and
    closed inside the audit period (created at least five weeks after its
    start, so a "closed before created" date stays inside it too) and outside
    ``exclude`` (deal positions), each deal at most one defect: a deal's place
    inside or outside the period never depends on a corrupted cell.
    """
    raw = pd.DataFrame(
        {
            "Deal ID": deals["deal_id"].to_numpy(),
            "Created": _fmt_ts(deals["created_at"].to_numpy()),
            "Closed": _fmt_ts(deals["closed_at"].to_numpy()),
            "Status": deals["status"].str.capitalize().to_numpy(),
            "Stage": deals["stage"].to_numpy(),
            "Value": deals["amount"].to_numpy(),
            "Owner": deals["owner_id"].to_numpy(),
            "Source": deals["source"].to_numpy(),
            "Product": deals["product"].to_numpy(),
            "Team": deals["team"].to_numpy(),
            "Region": deals["region"].to_numpy(),
            "Lost reason": deals["lost_reason"].to_numpy(),
            "Expected close": _fmt_ts(deals["expected_close_at"].to_numpy()),
            "Account": deals["account_id"].to_numpy(),
        }
    )
    raw = raw[list(DEALS_COLUMNS)]
    sizes = {
        "unparseable_created_at": 5, "negative_amount": 3, "duplicate_deal_id": 4,
        "closed_before_created": 5, "unknown_stage": 3, "missing_owner": 6,
    }
    created, closed = deals["created_at"], deals["closed_at"]
    inside = (
        (deals["status"] != "open") & (created >= _PERIOD_LO + pd.Timedelta(days=35)) & (closed < _PERIOD_HI)
    ).to_numpy()
    pool = np.flatnonzero(inside & ~np.isin(np.arange(len(deals)), exclude))
    picked = rng.choice(pool, size=sum(sizes.values()), replace=False)
    chosen: dict[str, np.ndarray] = {}
    start = 0
    for key, size in sizes.items():
        chosen[key] = np.sort(picked[start : start + size])
        start += size

    cols = {c: raw.columns.get_loc(c) for c in raw.columns}
    # none of these is in pandas' default NA list, so a plain read keeps them as text
    bad_dates = ["31.02.2026", "2026-02-30 10:00:00", "2026-13-05 10:00:00", "tbd", "00.00.0000"]
    for i, row in enumerate(chosen["unparseable_created_at"]):
        raw.iat[row, cols["Created"]] = bad_dates[i % len(bad_dates)]
    for row in chosen["negative_amount"]:
        raw.iat[row, cols["Value"]] = -raw.iat[row, cols["Value"]]
    for row in chosen["closed_before_created"]:
        created = deals["created_at"].iat[row]
        raw.iat[row, cols["Closed"]] = (created - pd.Timedelta(days=int(rng.integers(1, 30)), hours=3)).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
    for row in chosen["unknown_stage"]:
        raw.iat[row, cols["Stage"]] = "Legacy"
    for row in chosen["missing_owner"]:
        raw.iat[row, cols["Owner"]] = ""
    exact, conflicting = chosen["duplicate_deal_id"][:2], chosen["duplicate_deal_id"][2:]
    dup = raw.iloc[np.concatenate([exact, conflicting])].copy()
    dup.iloc[2:, cols["Value"]] = (dup["Value"].iloc[2:] * 1.15).round(-1).to_numpy()
    dup.iloc[2:, cols["Expected close"]] = [
        (pd.Timestamp(v) + pd.Timedelta(days=14)).strftime("%Y-%m-%d %H:%M:%S") for v in dup["Expected close"].iloc[2:]
    ]
    raw = pd.concat([raw, dup], ignore_index=True)

    ids = deals["deal_id"].to_numpy()
    quality: dict[str, Any] = {key: {"count": len(rows), "deal_ids": ids[rows].tolist()} for key, rows in chosen.items()}
    quality["duplicate_deal_id"]["exact_deal_ids"] = ids[exact].tolist()
    quality["duplicate_deal_id"]["conflicting_deal_ids"] = ids[conflicting].tolist()
    quality["duplicate_deal_id"]["extra_rows"] = len(dup)
    return raw, quality


# --------------------------------------------------------------------------- activities


def _make_activities(
    rng: np.random.Generator, cal: _Calendar, reps: _Reps, leads: _Leads, deals: _Deals, lead_ids: np.ndarray,
    deal_ids: np.ndarray,
) -> pd.DataFrame:
    """Calls, emails, meetings, tasks and notes on deals and leads, with the time they were logged."""
    # deals: a Poisson number over the open life, plus a recent touch on every live deal that is
    # open at the period's end, and on every one open at the export (the stale ones get none)
    life = np.maximum(deals.active_until - deals.created, 0.5)
    n_act = 1 + rng.poisson(_DEAL_ACTIVITY_RATE * life / _DAY_H)
    d_idx = np.repeat(np.arange(len(life)), n_act)
    d_at = deals.created[d_idx] + rng.random(len(d_idx)) * life[d_idx]
    not_stale = ~np.isin(np.arange(len(life)), deals.stale)
    idx_parts, at_parts = [d_idx], [d_at]
    for moment in (cal.end, cal.export):
        live = np.flatnonzero((deals.created < moment) & ~(deals.closed < moment) & not_stale)
        created = deals.created[live]
        touch_lo = np.maximum(created, moment - 25 * _BH_PER_DAY)
        touch_hi = np.maximum(touch_lo, moment - 10 * _BH_PER_DAY)
        touch = touch_lo + rng.random(len(live)) * (np.maximum(touch_hi, created + 0.5) - touch_lo)
        idx_parts.append(live)
        at_parts.append(np.minimum(touch, np.maximum(created, moment - 0.05)))
    d_idx, d_at = np.concatenate(idx_parts), np.concatenate(at_parts)

    # leads: the first contact, then a few follow-ups until the deal or two weeks
    contacted = np.flatnonzero(np.isfinite(leads.contact))
    n_follow = rng.poisson(1.3, size=len(contacted))
    f_idx = np.repeat(contacted, n_follow)
    f_end = np.fmin(leads.deal_created[f_idx], np.minimum(leads.contact[f_idx] + 10 * _DAY_H, cal.export))
    f_at = leads.contact[f_idx] + rng.random(len(f_idx)) * (f_end - leads.contact[f_idx])
    l_idx = np.concatenate([contacted, f_idx])
    l_at = np.concatenate([leads.contact[contacted], f_at])

    at = np.concatenate([d_at, l_at])
    owner = np.concatenate([deals.owner[d_idx], leads.owner[l_idx]])
    is_deal = np.arange(len(at)) < len(d_at)
    n = len(at)
    kinds = np.array(["call", "email", "meeting", "task", "note"], dtype=object)
    kind = np.where(
        is_deal,
        rng.choice(5, size=n, p=(0.32, 0.36, 0.11, 0.11, 0.10)),
        rng.choice(2, size=n, p=(0.6, 0.4)),
    )
    lag = np.where(
        owner == reps.lag, _lognormal(rng, 20.0, 0.35, n), _lognormal(rng, 0.3, 1.0, n)
    )
    logged = at + lag
    keep = logged < cal.export  # logged after the export: not in the files yet
    duration = np.full(n, np.nan)
    calls, meetings = kind == 0, kind == 2
    duration[calls] = np.maximum(1.0, np.round(_lognormal(rng, 5.0, 0.8, int(calls.sum()))))
    duration[meetings] = rng.choice([30.0, 45.0, 60.0, 90.0], size=int(meetings.sum()), p=(0.35, 0.25, 0.3, 0.1))
    outcome = np.full(n, None, dtype=object)
    for k, (labels, p) in {
        0: (("connected", "no answer", "voicemail"), (0.55, 0.3, 0.15)),
        1: (("sent", "replied"), (0.7, 0.3)),
        2: (("held", "rescheduled", "no-show"), (0.85, 0.1, 0.05)),
        3: (("done", "open"), (0.9, 0.1)),
    }.items():
        sel = kind == k
        outcome[sel] = rng.choice(np.array(labels, dtype=object), size=int(sel.sum()), p=p)

    deal_col = np.full(n, None, dtype=object)
    lead_col = np.full(n, None, dtype=object)
    deal_col[: len(d_at)] = deal_ids[d_idx]
    lead_col[len(d_at) :] = lead_ids[l_idx]
    frame = pd.DataFrame(
        {
            "at": cal.wall(at), "type": kinds[kind], "owner_id": reps.ids[owner], "deal_id": deal_col,
            "lead_id": lead_col, "logged_at": cal.wall(logged), "duration_min": duration, "outcome": outcome,
            "_b": at,
        }
    )[keep]
    frame = frame.sort_values("_b", kind="stable").drop(columns="_b").reset_index(drop=True)
    frame.insert(0, "activity_id", _ids("ACT", len(frame), 7))
    return frame


# --------------------------------------------------------------------------- smaller tables


def _make_targets(reps: _Reps, deals: pd.DataFrame) -> pd.DataFrame:
    """Quarterly revenue quota per rep (EUR) for the period, about 10% above what the team wins in it per rep."""
    quarters = pd.period_range(PERIOD_START, PERIOD_END, freq="Q")
    won = deals[(deals["status"] == "won") & (deals["closed_at"] >= _PERIOD_LO) & (deals["closed_at"] < _PERIOD_HI)]
    rows = []
    team_base = {}
    for t in TEAMS:
        members = reps.team == t
        rep_quarters = sum(
            ((reps.hired[members] <= np.datetime64(q.end_time.date())) * np.where(reps.role[members] == "Team lead", 0.5, 1.0)).sum()
            for q in quarters
        )
        team_base[t] = 1.1 * won.loc[won["team"] == t, "amount"].sum() / rep_quarters
    for i, q in enumerate(quarters):
        q_start, q_end = q.start_time.date(), q.end_time.date()
        trend = 0.85 + 0.06 * i
        for r in range(len(reps.ids)):
            hired = reps.hired[r].astype(object)
            if hired > q_end:
                continue
            share = min(1.0, ((q_end - max(hired, q_start)).days + 1) / ((q_end - q_start).days + 1))
            quota = team_base[reps.team[r]] * trend * share * (0.5 if reps.role[r] == "Team lead" else 1.0)
            rows.append((reps.ids[r], reps.team[r], q_start.isoformat(), q_end.isoformat(), round(quota / 500.0) * 500.0))
    return pd.DataFrame(rows, columns=["rep_id", "team", "period_start", "period_end", "quota"])


def _make_assessments(rng: np.random.Generator, reps: _Reps) -> pd.DataFrame:
    """Competency scores (1-5) per rep; the planted low-win reps score <= 2 in objection handling."""
    n, m = len(reps.ids), len(COMPETENCIES)
    skill = np.log(reps.factor[:, 0]) / 0.035  # standardised skill
    scores = np.clip(np.round(3.6 + 0.35 * skill[:, None] + 0.75 * rng.standard_normal((n, m))), 2, 5)
    weak = COMPETENCIES.index(WEAK_COMPETENCY)
    scores[:, weak] = np.clip(np.round(4.0 + 0.7 * rng.standard_normal(n)), 3, 5)
    scores[reps.low, weak] = rng.choice([1.0, 2.0], size=len(reps.low), p=(0.4, 0.6))
    scores[reps.new_hires, COMPETENCIES.index("Product knowledge")] = 2.0
    leads_of = {t: reps.names[(reps.team == t) & (reps.role == "Team lead")][0] for t in TEAMS}
    assessor = np.where(reps.role == "Team lead", "Head of Sales", [leads_of[t] for t in reps.team])
    when = np.datetime64("2026-09-07") + rng.integers(0, 14, size=n).astype("timedelta64[D]")
    when = np.where((when.astype("int64") + 3) % 7 >= 5, when - np.timedelta64(2, "D"), when)
    return pd.DataFrame(
        {
            "rep_id": np.repeat(reps.ids, m),
            "competency": np.tile(np.array(COMPETENCIES, dtype=object), n),
            "score": scores.ravel().astype("int64"),
            "assessor": np.repeat(assessor.astype(object), m),
            "assessed_at": np.repeat(_fmt_date(when), m),
        }
    )


def _replay_v2_survey_draws(rng: np.random.Generator) -> None:
    """Take from ``rng`` exactly the draws the survey of generator version 2 took, so that every table drawn
    after it (the handoffs) stays as it was when the survey moved to the standard questionnaire."""
    for count in _SURVEY_DEPARTMENTS.values():
        for _ in range(count):
            rng.random()
            for kind, options in _V2_SURVEY_KINDS:
                if kind == "likert":
                    if rng.random() >= 0.03:
                        rng.standard_normal()
                elif rng.random() >= 0.3:
                    rng.integers(0, options)


def _make_survey(seed: int) -> pd.DataFrame:
    """Answers to the standard questionnaire (auditkit.questionnaire) of ~60 respondents from six departments,
    one row per respondent and answered item; drawn from a stream of its own (``seed``, 5), so the survey
    never moves the other tables. A department does not answer the items about itself, and sales does not
    answer the item about sales. Reverse-scored items are answered the other way round (answer = 6 - score)."""
    from .questionnaire import ITEMS

    rng = np.random.default_rng([seed, 5])
    rows = []
    rid = 0
    for dept, count in _SURVEY_DEPARTMENTS.items():
        for _ in range(count):
            rid += 1
            role = _SURVEY_ROLES[dept][int(rng.random() < 0.2)]
            person = 0.4 * rng.standard_normal()
            for item in ITEMS:
                if item.counterpart.lower() == dept.lower():
                    continue
                if item.kind == "likert":
                    if rng.random() < 0.03:
                        continue
                    score = int(np.clip(np.round(_SURVEY_MEANS[item.dimension] + person + 0.8 * rng.standard_normal()), 1, 5))
                    answer = str(6 - score if item.reverse else score)
                else:
                    if rng.random() < 0.3:
                        continue
                    options = _SURVEY_TEXT[item.id]
                    answer = options[int(rng.integers(0, len(options)))]
                rows.append((f"S{rid:03d}", dept, role, item.id, answer))
    return pd.DataFrame(rows, columns=["respondent_id", "department", "role", "question_id", "answer"])


def _make_tools() -> pd.DataFrame:
    """The tool inventory: seats, active users and monthly cost (EUR)."""
    frame = pd.DataFrame(_TOOLS, columns=["tool", "category", "seats", "active_users", "monthly_cost", "integrated_with_crm"])
    frame["integrated_with_crm"] = np.where(frame["integrated_with_crm"], "true", "false")
    return frame


def _make_handoffs(rng: np.random.Generator, cal: _Calendar) -> pd.DataFrame:
    """Requests between departments with response and resolution times, from the world's start to the export."""
    n = N_HANDOFFS
    created = np.sort(cal.sample(rng, n))
    pair = rng.choice(len(_HANDOFF_PAIRS), size=n, p=[p[3] for p in _HANDOFF_PAIRS])
    median = np.array([p[4] for p in _HANDOFF_PAIRS])[pair]
    responded = created + _lognormal(rng, median, 0.6)
    resolved = responded + _lognormal(rng, 10.0, 0.7, n)
    responded[responded >= cal.export] = np.nan
    resolved[~(resolved < cal.export)] = np.nan
    return pd.DataFrame(
        {
            "request_id": _ids("H", n, 5),
            "from_dept": np.array([p[0] for p in _HANDOFF_PAIRS], dtype=object)[pair],
            "to_dept": np.array([p[1] for p in _HANDOFF_PAIRS], dtype=object)[pair],
            "kind": np.array([p[2] for p in _HANDOFF_PAIRS], dtype=object)[pair],
            "created_at": _fmt_ts(cal.wall(created)),
            "responded_at": _fmt_ts(cal.wall(responded)),
            "resolved_at": _fmt_ts(cal.wall(resolved)),
        }
    )


# --------------------------------------------------------------------------- measurements for the truth

#: the populations every measured number in truth.json is computed on (the audit period as the kit
#: sees it at the as-of moment: nothing after the period's end is visible)
POPULATIONS: dict[str, str] = {
    "deals_created": "deals created in the period",
    "deals_closed": "deals won or lost in the period, whenever they were created",
    "deals_lost": "deals lost in the period, whenever they were created",
    "deals_open_at_end": "deals created before the period's end and not won or lost before it "
    "(a deal won or lost after the end counts as open)",
    "funnel": "deals created in the period with their stage entries before its end; 'closed' means won or lost "
    "before the end",
    "leads_created": "leads created in the period; a first contact after the period's end has not happened yet",
    "activities": "activities that happened in the period (logged at any time before the export)",
    "handoffs_created": "requests created in the period; a response after the period's end has not happened yet",
    "tools": "the tool inventory (a snapshot without dates)",
}


def _in_period(ts: pd.Series) -> pd.Series:
    """True where a timestamp falls in the period [start, end) (NaT: False)."""
    return (ts >= _PERIOD_LO) & (ts < _PERIOD_HI)


@dataclass
class _Period:
    """The clean tables scoped to the audit period (see :data:`POPULATIONS`)."""

    deals_created: pd.DataFrame
    deals_closed: pd.DataFrame
    deals_open_at_end: pd.DataFrame
    funnel_history: pd.DataFrame  # stage entries before the end of the deals created in the period
    funnel_closed_ids: pd.Series  # of those deals, the ones won or lost before the end
    leads_created: pd.DataFrame  # with response_hours (NaN when not contacted before the end)
    activities: pd.DataFrame
    handoffs_created: pd.DataFrame  # with response_hours (NaN when no response before the end)
    last_event: pd.Series  # per deal: its last activity or stage entry before the end


def _period_view(
    deals: pd.DataFrame, history: pd.DataFrame, leads: pd.DataFrame, activities: pd.DataFrame, handoffs: pd.DataFrame
) -> _Period:
    """The period's populations from the clean tables (timestamps in ``deals``/``history``/``activities``, text elsewhere)."""
    done = deals["status"] != "open"
    created = _in_period(deals["created_at"])
    closed_by_end = done & (deals["closed_at"] < _PERIOD_HI)
    funnel_ids = deals.loc[created, "deal_id"]
    before_end = history["entered_at"] < _PERIOD_HI
    l_created, l_contact = pd.to_datetime(leads["created_at"]), pd.to_datetime(leads["first_contact_at"])
    l_in = _in_period(l_created)
    l_hours = (l_contact.where(l_contact < _PERIOD_HI) - l_created).dt.total_seconds() / 3600
    h_created, h_resp = pd.to_datetime(handoffs["created_at"]), pd.to_datetime(handoffs["responded_at"])
    h_in = _in_period(h_created)
    h_hours = (h_resp.where(h_resp < _PERIOD_HI) - h_created).dt.total_seconds() / 3600
    acts_before = activities[activities["at"] < _PERIOD_HI]
    last_event = pd.concat(
        [acts_before.groupby("deal_id")["at"].max(), history[before_end].groupby("deal_id")["entered_at"].max()], axis=1
    ).max(axis=1)
    return _Period(
        deals_created=deals[created],
        deals_closed=deals[done & _in_period(deals["closed_at"])],
        deals_open_at_end=deals[(deals["created_at"] < _PERIOD_HI) & ~closed_by_end],
        funnel_history=history[before_end & history["deal_id"].isin(funnel_ids)],
        funnel_closed_ids=deals.loc[created & closed_by_end, "deal_id"],
        leads_created=leads[l_in].assign(response_hours=l_hours[l_in]),
        activities=activities[_in_period(activities["at"])],
        handoffs_created=handoffs[h_in].assign(response_hours=h_hours[h_in]),
        last_event=last_event,
    )


def _period_counts(period: _Period) -> dict[str, int]:
    """The size of each population of the period."""
    return {
        "deals_created": len(period.deals_created), "deals_closed": len(period.deals_closed),
        "deals_won": int((period.deals_closed["status"] == "won").sum()),
        "deals_lost": int((period.deals_closed["status"] == "lost").sum()),
        "deals_open_at_end": len(period.deals_open_at_end), "funnel_deals_closed": len(period.funnel_closed_ids),
        "leads_created": len(period.leads_created), "activities": len(period.activities),
        "handoffs_created": len(period.handoffs_created),
    }


def _outside_period(
    deals: pd.DataFrame, history: pd.DataFrame, leads: pd.DataFrame, activities: pd.DataFrame, handoffs: pd.DataFrame
) -> dict[str, int]:
    """What the export holds outside the audit period (true dates, before any planted defect)."""
    created, closed = deals["created_at"], deals["closed_at"]
    done = deals["status"] != "open"
    before, after = created < _PERIOD_LO, created >= _PERIOD_HI
    closed_after = done & (closed >= _PERIOD_HI)

    def split(ts: pd.Series, what: str) -> dict[str, int]:
        return {f"{what}_before_period": int((ts < _PERIOD_LO).sum()), f"{what}_after_period": int((ts >= _PERIOD_HI).sum())}

    return {
        "deals_created_before_period": int(before.sum()),
        "deals_created_after_period": int(after.sum()),
        "deals_created_in_period_closed_after_it": int((~before & ~after & closed_after).sum()),
        "deals_created_and_closed_before_period": int((before & done & (closed < _PERIOD_LO)).sum()),
        "deals_created_before_period_closed_in_it": int((before & done & _in_period(closed)).sum()),
        "deals_created_before_period_open_at_its_end": int((before & ~(done & (closed < _PERIOD_HI))).sum()),
        "deals_closed_after_period": int((~after & closed_after).sum()),
        **split(history["entered_at"], "stage_entries"),
        **split(pd.to_datetime(leads["created_at"]), "leads_created"),
        **split(activities["at"], "activities"),
        **split(pd.to_datetime(handoffs["created_at"]), "handoffs_created"),
    }


def _stage_conversion(history: pd.DataFrame, closed_deal_ids: Any) -> dict[str, float]:
    """Share of closed deals that entered each open stage and later reached a later stage (incl. Won)."""
    h = history[history["deal_id"].isin(closed_deal_ids)]
    order = {s: i for i, s in enumerate(STAGES)}
    pos = h["stage"].map(order)
    best = pos.where(h["stage"] != LOST).groupby(h["deal_id"]).max()
    out = {}
    for s in OPEN_STAGES:
        ids = h.loc[h["stage"] == s, "deal_id"].unique()
        out[s] = float((best.loc[ids] > order[s]).mean())
    return out


def _stage_dwell_days(history: pd.DataFrame) -> dict[str, float]:
    """Median days from entering each open stage to the deal's next stage entry."""
    h = history.sort_values(["deal_id", "entered_at"], kind="stable")
    nxt = h.groupby("deal_id")["entered_at"].shift(-1)
    days = (nxt - h["entered_at"]).dt.total_seconds() / 86400.0
    return {s: float(days[(h["stage"] == s) & nxt.notna()].median()) for s in OPEN_STAGES}


def _r3(x: Any) -> float:
    """``x`` as a float rounded to three decimals (for the truth file)."""
    return round(float(x), 3)


def _median_by(values: pd.Series, keys: list[pd.Series] | pd.Series) -> dict[Any, float]:
    """Median of ``values`` per key (a plain dict with float values)."""
    med = values.groupby(keys).median()
    return {k: round(float(v), 2) for k, v in med.items()}


def _truth_planted(
    reps: _Reps, period: _Period, assessments: pd.DataFrame, stale_ids: list[str],
) -> list[dict[str, Any]]:
    """The planted problems with their designed values and their values measured over the period."""
    conv = _stage_conversion(period.funnel_history, period.funnel_closed_ids)
    dwell = _stage_dwell_days(period.funnel_history)

    leads = period.leads_created
    resp = _median_by(leads["response_hours"], leads["source"])

    c = period.deals_closed
    win = (c["status"] == "won").groupby(c["owner_id"]).mean()
    low_ids = reps.ids[reps.low].tolist()
    others_win = float(win.drop(index=low_ids).median())
    weak = assessments[assessments["competency"] == WEAK_COMPETENCY].set_index("rep_id")["score"]

    lost = c[c["status"] == "lost"]
    missing = lost["lost_reason"].eq("")
    by_team = missing.groupby(lost["team"]).mean()

    handoffs = period.handoffs_created
    pair_med = handoffs.groupby(["from_dept", "to_dept"])["response_hours"].median()
    activities = period.activities
    lag_h = (activities["logged_at"] - activities["at"]).dt.total_seconds() / 3600
    lag_med = lag_h.groupby(activities["owner_id"]).median()
    lag_id = str(reps.ids[reps.lag])

    tool = next(t for t in _TOOLS if t[0] == UNUSED_TOOL)
    stale_idle = min((pd.Timestamp(AS_OF) - period.last_event[d]).days for d in stale_ids)
    return [
        {
            "id": "conversion_collapse", "kind": "conversion_collapse", "step": 3, "area": "process",
            "population": "funnel",
            "description": f"Only about 30% of deals leave {COLLAPSE_STAGE} forward; most deals that reach it are lost there.",
            "stage": COLLAPSE_STAGE, "next_stage": OPEN_STAGES[OPEN_STAGES.index(COLLAPSE_STAGE) + 1],
            "expected_conversion": STAGE_CONVERSION[COLLAPSE_STAGE], "measured_conversion": _r3(conv[COLLAPSE_STAGE]),
            "stage_conversion": {s: _r3(v) for s, v in conv.items()},
            "definition": "deals created in the period and won or lost before its end that entered the stage "
            "and later entered any later stage (Won included)",
        },
        {
            "id": "stalling_stage", "kind": "stalling_stage", "step": 3, "area": "process",
            "population": "funnel",
            "description": f"Deals sit in {STALL_STAGE} about five weeks (other stages: 4-10 days), though it converts normally.",
            "stage": STALL_STAGE, "median_days": round(dwell[STALL_STAGE], 1),
            "designed_median_days": STAGE_DWELL_DAYS[STALL_STAGE], "conversion": _r3(conv[STALL_STAGE]),
            "stage_median_days": {s: round(v, 1) for s, v in dwell.items()},
            "definition": "median days from entering the stage to the deal's next stage entry, both before the period's end",
        },
        {
            "id": "slow_lead_source", "kind": "slow_lead_source", "step": 6, "area": "communication",
            "population": "leads_created",
            "description": f"{SLOW_SOURCE} leads wait about 40 hours for a first response; other sources about 2 hours.",
            "source": SLOW_SOURCE, "median_response_hours": resp[SLOW_SOURCE],
            "median_response_hours_by_source": resp,
        },
        {
            "id": "low_win_rate_reps", "kind": "low_win_rate_reps", "step": 4, "area": "people",
            "population": "deals_closed",
            "description": "Three experienced reps win less than half as often as their peers; "
            "all three score low in objection handling.",
            "rep_ids": low_ids, "names": reps.names[reps.low].tolist(), "competency": WEAK_COMPETENCY,
            "win_rates": {r: _r3(win[r]) for r in low_ids}, "others_median_win_rate": _r3(others_win),
            "scores": {r: int(weak[r]) for r in low_ids},
            "peers_mean_score": round(float(weak.drop(index=low_ids).mean()), 2),
        },
        {
            "id": "stale_deals", "kind": "stale_deals", "step": 5, "area": "technology",
            "population": "deals_open_at_end",
            "description": f"{len(stale_ids)} open deals have had no activity and no stage change for more than 45 days.",
            "deal_ids": stale_ids, "count": len(stale_ids), "min_idle_days": int(stale_idle),
        },
        {
            "id": "missing_lost_reasons", "kind": "missing_lost_reasons", "step": 3, "area": "process",
            "population": "deals_lost",
            "description": f"About a fifth of lost deals have no lost reason, twice as many in {MISSING_REASON_TEAM}; "
            "the reasons given are free text with spelling variants.",
            "share": _r3(missing.mean()), "team": MISSING_REASON_TEAM, "team_share": _r3(by_team[MISSING_REASON_TEAM]),
            "share_by_team": {t: _r3(v) for t, v in by_team.items()}, "reason_variants": dict(LOST_REASON_VARIANTS),
        },
        {
            "id": "handoff_sla_breach", "kind": "handoff_sla_breach", "step": 6, "area": "communication",
            "population": "handoffs_created",
            "description": "Legal takes about 90 hours to respond to sales' contract reviews (SLA 48 h); other handoffs take hours.",
            "from_dept": SLA_PAIR[0], "to_dept": SLA_PAIR[1], "median_response_hours": round(float(pair_med[SLA_PAIR]), 1),
            "sla_hours": HANDOFF_SLA_HOURS,
            "median_response_hours_by_pair": {f"{a}->{b}": round(float(v), 1) for (a, b), v in pair_med.items()},
        },
        {
            "id": "unused_tool", "kind": "unused_tool", "step": 5, "area": "technology",
            "population": "tools",
            "description": f"{UNUSED_TOOL} ({tool[1].lower()}) is paid for 30 seats but used by 3 people.",
            "tool": tool[0], "category": tool[1], "seats": tool[2], "active_users": tool[3], "monthly_cost": tool[4],
        },
        {
            "id": "logging_lag", "kind": "logging_lag", "step": 5, "area": "technology",
            "population": "activities",
            "description": f"{reps.names[reps.lag]} logs activities about three days after they happen; others the same day.",
            "rep_id": lag_id, "median_lag_hours": round(float(lag_med[lag_id]), 1),
            "others_median_lag_hours": round(float(lag_med.drop(index=lag_id).median()), 2),
        },
    ]


# --------------------------------------------------------------------------- writers


def _write_csv(frame: pd.DataFrame, path: Path, sep: str = ",") -> None:
    """CSV in UTF-8 with '\\n' line ends and two-decimal floats."""
    frame.to_csv(path, sep=sep, index=False, encoding="utf-8", lineterminator="\n", float_format="%.2f")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """The activities as parquet with an explicit schema (no pandas metadata)."""
    schema = pa.schema(
        [
            ("activity_id", pa.string()), ("at", pa.timestamp("ns")), ("type", pa.string()), ("owner_id", pa.string()),
            ("deal_id", pa.string()), ("lead_id", pa.string()), ("logged_at", pa.timestamp("ns")),
            ("duration_min", pa.float64()), ("outcome", pa.string()),
        ]
    )
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd")


def _write_reps_xlsx(reps: _Reps, path: Path) -> None:
    """reps.xlsx with one sheet 'reps'; fixed properties and zip times so the bytes are stable."""
    wb = Workbook()
    ws = wb.active
    ws.title = "reps"
    ws.append(["rep_id", "name", "team", "role", "hired_at"])
    for i in range(len(reps.ids)):
        hired = dt.datetime.combine(reps.hired[i].astype(object), dt.time())
        ws.append([reps.ids[i], reps.names[i], reps.team[i], reps.role[i], hired])
        ws.cell(row=i + 2, column=5).number_format = "yyyy-mm-dd"
    path.write_bytes(workbook_bytes(wb, _FIXED_STAMP, "auditkit demo"))


# --------------------------------------------------------------------------- public API


def generate_demo(out_dir: Path | str, seed: int = DEMO_SEED, scale: float = 1.0) -> dict:
    """Write the demo client's raw files and truth.json into out_dir; return the truth dict.

    The same seed gives the same files. ``truth.json`` is removed first and
    written last, so an interrupted run never leaves a folder that
    :func:`demo_is_current` accepts. ``scale`` multiplies the leads and the
    outbound deals, and with them the deals, stage history and activities
    (165 gives about 1M deals, 4M stage entries, 30M activities and 2.7M
    leads), for benchmarks; the reps, teams and the other tables keep their
    size, and the planted problems are only checked at scale 1.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    n_leads, n_outbound = round(N_LEADS * scale), round(N_OUTBOUND * scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth.json").unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    cal = _Calendar()

    reps = _make_reps(rng, cal)
    leads = _make_leads(rng, cal, reps, n_leads)
    sim = _make_deals(rng, cal, reps, leads, n_outbound)
    deals = _deal_attributes(rng, cal, reps, sim)
    deal_ids = deals["deal_id"].to_numpy()

    lead_ids = _ids("L", n_leads, 5)
    lead_deal = np.full(n_leads, None, dtype=object)
    lead_deal[sim.lead[sim.lead >= 0]] = deal_ids[sim.lead >= 0]
    leads_df = pd.DataFrame(
        {
            "lead_id": lead_ids,
            "created_at": _fmt_ts(cal.wall(leads.created)),
            "source": np.take(LEAD_SOURCES, leads.source).astype(object),
            "owner_id": reps.ids[leads.owner],
            "first_contact_at": _fmt_ts(cal.wall(leads.contact)),
            "status": _lead_status(rng, cal, leads),
            "deal_id": lead_deal,
        }
    )
    history = pd.DataFrame(
        {"deal_id": deal_ids[sim.history["deal"].to_numpy()], "stage": sim.history["stage"].to_numpy(),
         "entered_at": cal.wall(sim.history["t"].to_numpy())}
    )
    activities = _make_activities(rng, cal, reps, leads, sim, lead_ids, deal_ids)
    exclude = np.concatenate([sim.stale, np.flatnonzero(np.isin(sim.owner, reps.low))])
    raw_deals, quality = _plant_quality(rng, deals, exclude)
    targets = _make_targets(reps, deals)
    assessments = _make_assessments(rng, reps)
    _replay_v2_survey_draws(rng)
    survey = _make_survey(seed)
    tools = _make_tools()
    handoffs = _make_handoffs(rng, cal)

    _write_csv(raw_deals, out / "deals.csv", sep=";")
    _write_csv(history.assign(entered_at=_fmt_ts(history["entered_at"].to_numpy())), out / "stage_history.csv")
    _write_csv(leads_df, out / "leads.csv")
    _write_parquet(activities, out / "activities.parquet")
    _write_reps_xlsx(reps, out / "reps.xlsx")
    _write_csv(targets, out / "targets.csv")
    _write_csv(assessments, out / "assessments.csv")
    _write_csv(survey, out / "survey.csv")
    _write_csv(tools, out / "tools.csv")
    _write_csv(handoffs, out / "handoffs.csv")

    stale_ids = deal_ids[sim.stale].tolist()
    period = _period_view(deals, history, leads_df, activities, handoffs)
    truth: dict[str, Any] = {
        "seed": int(seed),
        **({"scale": scale} if scale != 1 else {}),
        "generator_version": GENERATOR_VERSION,
        "period": {"start": PERIOD_START.isoformat(), "end": PERIOD_END.isoformat()},
        "as_of": AS_OF.strftime("%Y-%m-%d %H:%M:%S"),
        "exported_at": EXPORTED_AT.strftime("%Y-%m-%d %H:%M:%S"),
        "world_start": WORLD_START.isoformat(),
        "currency": "EUR",
        "stages": list(STAGES),
        "populations": {
            "note": "Every measured number in 'planted' and every 'period_counts' entry is computed over the audit "
            "period as the kit sees it at the as-of moment (the end of the period's last day): nothing after it is "
            "visible, so a deal won or lost after the end counts as open and a first contact or a response after it "
            "has not happened yet. Each planted problem names its population. 'counts' are the rows in the files "
            "(the whole export, from world_start to exported_at); 'outside_period' counts what lies outside the "
            "period; 'quality' defects all sit on deals created and closed inside the period.",
            **POPULATIONS,
        },
        "counts": {
            "deals": len(raw_deals), "stage_history": len(history), "leads": len(leads_df),
            "activities": len(activities), "reps": len(reps.ids), "targets": len(targets),
            "assessments": len(assessments), "survey": len(survey), "tools": len(tools), "handoffs": len(handoffs),
        },
        "period_counts": _period_counts(period),
        "outside_period": _outside_period(deals, history, leads_df, activities, handoffs),
        "planted": _truth_planted(reps, period, assessments, stale_ids),
        "quality": quality,
        "files": {name: (out / name).stat().st_size for name in DATA_FILES},
    }
    tmp = out / "truth.json.tmp"
    tmp.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out / "truth.json")
    return truth


def demo_is_current(out_dir: Path | str, seed: int = DEMO_SEED, scale: float = 1.0) -> bool:
    """True when out_dir holds a complete demo of this seed, scale and GENERATOR_VERSION.

    Checks truth.json (written last) for the seed and version, and that every
    data file it lists exists with the recorded size in bytes.
    """
    out = Path(out_dir)
    try:
        truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(truth, dict) or truth.get("seed") != seed or truth.get("generator_version") != GENERATOR_VERSION:
        return False
    if truth.get("scale", 1) != scale:
        return False
    files = truth.get("files")
    if not isinstance(files, dict) or set(files) != set(DATA_FILES):
        return False
    for name, size in files.items():
        path = out / name
        if not path.is_file() or path.stat().st_size != size:
            return False
    return True


def write_demo_params(path: Path | str, data_dir: Path | str) -> Path:
    """Write a params file that reads the demo client in ``data_dir`` (the template the package ships,
    the same as the repository's params/demo.yaml); refuses to overwrite a file. Returns the path."""
    from importlib import resources

    from .errors import RunError

    path = Path(path)
    if path.exists():
        raise RunError(f"{path}: already exists; the demo never overwrites a params file. Choose another path.")
    text = resources.files("auditkit.catalog").joinpath("demo_params.yaml").read_text(encoding="utf-8")
    data = Path(data_dir).resolve()
    try:
        where = os.path.relpath(data, path.resolve().parent)
    except ValueError:  # another drive
        where = str(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace("dir: ../data/demo", f"dir: {Path(where).as_posix()}"), encoding="utf-8")
    return path
