"""Step 5, CRM hygiene measured from the data itself, and one CRM data-quality score.

What is measured (each on the audit frame, so nothing after the as-of moment is seen):

- **completeness**: per table and column, the share of the rows that need a value and have one (an event time
  such as a lead's first contact is not a field to fill, and is not assessed); a column
  the export does not have is listed as *not in the export*, apart from a column that is there but empty;
  the columns that matter most (deals: amount, closed_at, owner_id, lost_reason, source) weigh
  :data:`KEY_WEIGHT` times the others;
- **stale deals**: open at the end with no sign of life (created, stage entry or activity) for more than
  ``stale_after_days`` (the same rule as step 4's stale deals);
- **overdue expected close**: open at the end with ``expected_close_at`` before the as-of moment;
- **stage-history gaps**: entries that skip a stage or move back, per deal created in the period;
- **logging lag**: hours from an activity to its logging, where ``logged_at`` exists;
- **duplicates**: the duplicate rows and ids the loader set aside.

The **score** (0-100) is the mean of four parts, each 0-100 (see :data:`SCORE_RULE`); a part the data cannot
measure is left out and the others share its weight, and the report says so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..frame import per_frame
from ..io.vector import group_rows, isin, lex_order, positions
from .activities import LATE_LOG_HOURS
from .process.entries import stage_positions
from .staleness import last_sign_of_life, stale
from .tables import units_of  # noqa: F401  (re-exported: the notebooks read units through this module)
from .tables import with_units as _units

from ..findings import Bands, Finding, records, severity_for
from ..kpis import MIN_JUDGED

if TYPE_CHECKING:  # pragma: no cover
    from ..frame import AuditFrame
    from ..report.format import Formatter

DAY = pd.Timedelta(days=1)
ALL = "(all)"
NO_VALUE = "(none)"

#: The columns that matter most for the analysis, per table; they weigh KEY_WEIGHT in completeness.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "deals": ("amount", "closed_at", "owner_id", "lost_reason", "source"),
    "leads": ("source", "owner_id"),
    "activities": ("owner_id", "deal_id"),
}
KEY_WEIGHT = 3.0
#: The columns assessed for completeness (the CRM objects reps fill in).
ASSESSED_COLUMNS: dict[str, tuple[str, ...]] = {
    "deals": ("amount", "closed_at", "owner_id", "lost_reason", "source", "expected_close_at", "product", "team",
              "region", "account_id"),
    "leads": ("source", "owner_id", "status"),
    "activities": ("owner_id", "deal_id", "logged_at", "duration_min", "outcome"),
}
#: Rows that need a value in a column (default: every row).
_NEEDED = {
    ("deals", "closed_at"): lambda d: d["status"].isin(["won", "lost"]),
    ("deals", "lost_reason"): lambda d: d["status"].eq("lost"),
    ("deals", "expected_close_at"): lambda d: d["status"].eq("open"),
    # the activities' own (duration of calls and meetings, a deal unless on a lead) are in activities.NEEDED
}
#: A rep whose median logging lag is above LATE_LOG_HOURS is a finding (with MIN_JUDGED activities).
#: Severity of a late logger, on median lag / LATE_LOG_HOURS.
LAG_SEVERITY: Bands = ((3.0, "high"), (1.5, "medium"), (0.0, "low"))
#: Stale open deals are a finding above this share of the open deals (or at least STALE_MIN_COUNT of them).
STALE_SHARE = 0.05
STALE_MIN_COUNT = 10
STALE_SEVERITY: Bands = ((0.2, "high"), (0.1, "medium"), (0.0, "low"))
#: Overdue expected close dates are a finding above this share of the open deals that have one.
OVERDUE_SHARE = 0.25
#: A key column filled in fewer than this share of the rows that need it is a finding.
KEY_FILL_MIN = 0.8
#: Stage-history gaps are a finding above this share of the deals with a history.
GAP_SHARE = 0.15
#: Score parts, each 0-100.
PARTS = ("completeness", "freshness", "consistency", "validity")
SCORE_RULE = {
    "en": ("CRM data-quality score = mean of the parts that can be measured, each 0-100: "
           "completeness = weighted share of filled values in the deal columns that need one (amount, close date, owner, "
           "lost reason and source weigh 3, others 1); freshness = share of open deals that are not stale (no sign of life "
           "for more than {stale} days) and, where expected close dates exist, not past them; consistency = share of deals "
           "whose stage history neither skips a stage nor moves back; validity = share of deal rows without a "
           "data-quality issue (unreadable or impossible value, duplicate, unknown stage). A part the data cannot measure "
           "is left out and the others share its weight."),
    "ru": ("Оценка качества данных CRM = среднее измеримых составляющих, каждая от 0 до 100: "
           "полнота = взвешенная доля заполненных значений в полях сделок, где значение нужно (сумма, дата закрытия, "
           "владелец, причина проигрыша и источник весят 3, остальные 1); актуальность = доля открытых сделок, которые не "
           "зависли (нет признаков жизни дольше {stale} дн.) и, где есть ожидаемая дата закрытия, не просрочили её; "
           "согласованность = доля сделок, история этапов которых не пропускает этапы и не возвращается назад; "
           "корректность = доля строк сделок без проблем качества данных (нечитаемое или невозможное значение, дубликат, "
           "неизвестный этап). Неизмеримая составляющая не учитывается, её вес делят остальные."),
}
VALIDITY_CHECKS = frozenset({
    "unparseable_date", "unparseable_number", "unparseable_bool", "unknown_value", "decimal_mismatch", "absurd_number",
    "negative_amount", "closed_before_created", "closed_without_date", "unknown_stage", "duplicate_row", "duplicate_id",
})

#: What each optional table must hold for its part of step 5 ("not assessed: provide X").
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "activities": ("activity_id", "at", "type", "owner_id", "deal_id", "logged_at"),
    "stage_history": ("deal_id", "stage", "entered_at"),
    "tools": ("tool", "category", "seats", "active_users", "monthly_cost", "integrated_with_crm"),
    "survey": ("respondent_id", "department", "role", "question_id", "answer"),
}






def not_assessed(frame: "AuditFrame") -> list[str]:
    """The optional tables of step 5 the client did not provide."""
    return [name for name in OPTIONAL_TABLES if not frame.has(name)]


# --------------------------------------------------------------------------- completeness


@per_frame
def _scoped(frame: "AuditFrame", table: str) -> pd.DataFrame | None:
    """The rows of ``table`` a hygiene check reads: deals of the period (created in it, closed in it or open
    at its end), leads created in it, activities that happened in it."""
    if table == "deals":
        keep = frame.in_population("deals_created") | frame.in_population("deals_closed") | frame.in_population("deals_open_at_end")
        return frame.deals.loc[keep]
    if table == "leads":
        return frame.population("leads_created") if frame.has("leads") else None
    if table == "activities":
        raise ValueError("the activities are read summarised: frame.activity")
    return frame.table(table)


def completeness(frame: "AuditFrame", deals: pd.DataFrame | None = None, tables: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per table and column: ``status`` (ok / not_in_export / empty), ``key`` (a column that matters most),
    ``weight``, ``needed`` (rows that need a value), ``filled`` and ``share`` (filled / needed; NaN when the
    column is not in the export or no row needs it). ``deals`` restricts the deals (a team, a rep);
    ``tables`` the tables assessed (all by default)."""
    counts = {}
    for table in ASSESSED_COLUMNS:
        if tables is None or table in tables:
            counts[table] = _fill_counts(frame, table, deals)
    return _completeness(frame, counts)


def _completeness(frame: "AuditFrame", counts: dict[str, dict[str, tuple[int, int]] | None]) -> pd.DataFrame:
    """:func:`completeness` from each table's fill counts (None: the client has no such table)."""
    rows = []
    for table, table_counts in counts.items():
        if table_counts is None:
            continue
        present = frame.data.sources.get(table, {}).get("columns_present")
        for col in ASSESSED_COLUMNS[table]:
            n, filled_n = table_counts[col]
            if present is not None and col not in present:
                status, filled, share = "not_in_export", math.nan, math.nan
            else:
                filled = filled_n
                status = "ok" if filled or not n else "empty"
                share = filled / n if n else math.nan
            key = col in KEY_COLUMNS.get(table, ())
            rows.append({"table": table, "column": col, "status": status, "key": key, "weight": KEY_WEIGHT if key else 1.0,
                         "needed": n, "filled": filled, "share": share})
    out = pd.DataFrame(rows, columns=["table", "column", "status", "key", "weight", "needed", "filled", "share"])
    return _units(out, {"needed": "count", "filled": "count", "share": "share", "weight": "number"})


def _fill_counts(frame: "AuditFrame", table: str, deals: pd.DataFrame | None) -> dict[str, tuple[int, int]] | None:
    """Per assessed column of ``table``: (rows of the period that need a value, of those with one); None
    when the client has no such table. The activities' are read from their summary."""
    if table == "activities":
        summary = frame.activity
        if summary is None:
            return None
        return {r.column: (int(r.needed), int(r.filled)) for r in summary.fill.itertuples()}
    df = _scoped(frame, table) if table != "deals" or deals is None else deals
    if df is None:
        return None
    return {col: (int(needed.sum()), int(filled.sum())) for col, (needed, filled) in _fill_masks(table, df).items()}


def _fill_masks(table: str, df: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per assessed column of ``table``: which rows of ``df`` need a value, and which of those have one
    (boolean arrays; no rows taken)."""
    out = {}
    for col in ASSESSED_COLUMNS[table]:
        needed_fn = _NEEDED.get((table, col))
        needed = needed_fn(df).to_numpy(dtype=bool, na_value=False) if needed_fn is not None else np.ones(len(df), dtype=bool)
        out[col] = (needed, needed & df[col].notna().to_numpy(dtype=bool))
    return out


def completeness_part(table: pd.DataFrame) -> float:
    """The completeness part of the score (0-100): the weighted fill share over the deal columns in the export
    (weights by ``weight`` x rows needed); NaN when no such column needs a value."""
    d = table.loc[(table["table"] == "deals") & (table["status"] != "not_in_export") & (table["needed"] > 0)]
    if d.empty:
        return math.nan
    w = d["weight"] * d["needed"]
    return float(100 * (d["weight"] * d["filled"].astype(float)).sum() / w.sum())


# --------------------------------------------------------------------------- freshness


@per_frame
def open_deal_status(frame: "AuditFrame") -> pd.DataFrame:
    """Per deal open at the end: ``deal_id``, ``rep``, ``team``, ``amount``, ``last_sign`` (its last sign of life:
    created, stage entry or activity before the as-of moment), ``idle_days``, ``stale`` (idle longer than
    ``stale_after_days``; <NA> without an activities table), ``expected_close_at`` and ``overdue`` (expected close before the as-of moment; <NA>
    when the deal has no date)."""
    open_ = frame.population("deals_open_at_end")
    last = last_sign_of_life(frame).to_numpy()
    idle = (frame.as_of - pd.DatetimeIndex(last)) / DAY
    exp = open_["expected_close_at"]
    out = pd.DataFrame({
        "deal_id": open_["deal_id"].astype("string").to_numpy(),
        "rep": open_["owner_id"].astype("string").fillna(NO_VALUE).to_numpy(),
        "team": open_["team"].astype("string").fillna(NO_VALUE).to_numpy(),
        "stage": open_["stage"].astype("string").to_numpy(),
        "amount": open_["amount"].to_numpy(dtype=float, na_value=np.nan),
        "last_sign": last,
        "idle_days": np.asarray(idle, dtype=float),
        "expected_close_at": exp.to_numpy(),
    })
    out["stale"] = stale(frame).to_numpy()  # <NA> without an activities table: not assessed
    out["overdue"] = pd.array(np.where(exp.isna(), None, exp < frame.as_of), dtype="boolean")
    return _units(out, {"amount": "money", "last_sign": "date", "idle_days": "days", "expected_close_at": "date"},
                  stale_after_days=frame.params.thresholds.stale_after_days)


def freshness_part(status: pd.DataFrame) -> float:
    """The freshness part (0-100): the mean of the share of open deals not stale (where that is known) and,
    where open deals have an expected close date, the share of those not past it; NaN when neither is known."""
    if status.empty:
        return math.nan
    parts = []
    stale = status["stale"].dropna()
    if len(stale):
        parts.append(1 - float(stale.astype(bool).mean()))
    dated = status["overdue"].dropna()
    if len(dated):
        parts.append(1 - float(dated.astype(bool).mean()))
    return float(100 * np.mean(parts)) if parts else math.nan


# --------------------------------------------------------------------------- consistency


@per_frame
def stage_gaps(frame: "AuditFrame") -> pd.DataFrame:
    """Per deal created in the period with stage entries: ``entries``, ``skips`` (entries more than one open
    stage ahead of the previous one, the won stage counting as after the last open stage) and ``moves_back``
    (entries to an earlier stage); entries of stages not in the pipeline and of the lost stage are not judged.
    Empty without a stage history."""
    h = frame.table("stage_history")
    cols = ["deal_id", "rep", "team", "entries", "skips", "moves_back"]
    if h is None or h.empty:
        return _units(pd.DataFrame(columns=cols), {"entries": "count", "skips": "count", "moves_back": "count"})
    p = frame.params.pipeline
    deals = frame.population("deals_created")
    # each entry's deal as a code in the deals' sorted ids, so that sorting and grouping run on integers
    ids = pd.Index(deals["deal_id"].dropna().unique()).sort_values()
    code = positions(h["deal_id"], ids)
    pos = stage_positions(h["stage"], list(p.open_stages), p.won, p.lost)  # open stages 0.., won after them
    pos[pos > len(p.open_stages)] = np.nan  # the lost stage is not judged
    at = h["entered_at"]
    keep = (code >= 0) & at.notna().to_numpy() & ~np.isnan(pos)
    code, pos, at = code[keep], pos[keep], at.to_numpy(dtype="datetime64[ns]")[keep]
    order_ = lex_order((at, code))  # by deal, then by time; stable, so equal times keep the file's order
    code, pos = code[order_], pos[order_]
    same = np.r_[False, code[1:] == code[:-1]]
    prev = np.where(same, np.r_[np.nan, pos[:-1]], np.nan)
    skip = (pos - prev > 1)  # NaN (a deal's first entry) compares False
    back = pos < prev
    n = len(ids)
    entries = np.bincount(code, minlength=n)
    has = np.flatnonzero(entries)
    g = pd.DataFrame({
        "deal_id": pd.Series(ids[has], dtype=deals["deal_id"].dtype),
        "entries": entries[has].astype("int64"),
        "skips": np.bincount(code, weights=skip, minlength=n)[has].astype("int64"),
        "moves_back": np.bincount(code, weights=back, minlength=n)[has].astype("int64"),
    })
    row = positions(g["deal_id"], pd.Index(deals["deal_id"]))  # each deal's row (ids of the period do not repeat)
    g["rep"] = deals["owner_id"].iloc[row].reset_index(drop=True).astype("string").fillna(NO_VALUE)
    g["team"] = deals["team"].iloc[row].reset_index(drop=True).astype("string").fillna(NO_VALUE)
    return _units(g[cols], {"entries": "count", "skips": "count", "moves_back": "count"})


def irregular_deals(gaps: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`stage_gaps` with a skip or a move back: the deals to look at (the export of a
    step, rather than every deal of the period)."""
    return gaps.loc[(gaps["skips"] > 0) | (gaps["moves_back"] > 0)].reset_index(drop=True)


def consistency_part(gaps: pd.DataFrame) -> float:
    """The consistency part (0-100): share of deals with a stage history that neither skip nor move back."""
    if gaps.empty:
        return math.nan
    return float(100 * ((gaps["skips"] == 0) & (gaps["moves_back"] == 0)).mean())


# --------------------------------------------------------------------------- validity and duplicates


def issue_rows(frame: "AuditFrame", table: str = "deals") -> set[int]:
    """Source rows (``_row``) of ``table`` touched by a data-quality issue that makes a value invalid."""
    rows: set[int] = set()
    for i in frame.data.issues:
        if i.table == table and i.check in VALIDITY_CHECKS:
            rows.update(int(r) for r in i.rows)
    return rows


def validity_part(rows: int, invalid: int) -> float:
    """The validity part (0-100): the share of deal rows without an issue, of ``rows`` judged with ``invalid``
    among them (rows the loader dropped as duplicates count in both); NaN without rows."""
    return float(100 * (1 - invalid / rows)) if rows else math.nan


def duplicates(frame: "AuditFrame") -> pd.DataFrame:
    """Per table: ``duplicate_row`` (repeats with the same values) and ``duplicate_id`` (same key, other values)
    rows the loader set aside, and ``rows`` kept."""
    rows = []
    for name, n in frame.data.rows().items():
        counts = {c: sum(i.count for i in frame.data.issues if i.table == name and i.check == c) for c in ("duplicate_row", "duplicate_id")}
        rows.append({"table": name, "rows": n, **counts})
    out = pd.DataFrame(rows, columns=["table", "rows", "duplicate_row", "duplicate_id"])
    return _units(out, {"rows": "count", "duplicate_row": "count", "duplicate_id": "count"})


# --------------------------------------------------------------------------- logging lag


@per_frame
def logging_lag(frame: "AuditFrame") -> pd.DataFrame:
    """Per rep (and ``(all)``) over the activities of the period with a ``logged_at``: ``activities``,
    ``median_lag_hours``, ``p90_lag_hours`` and ``late_share`` (logged more than LATE_LOG_HOURS after);
    empty without ``activities.logged_at``."""
    cols = ["rep", "activities", "median_lag_hours", "p90_lag_hours", "late_share"]
    units = {"activities": "count", "median_lag_hours": "hours", "p90_lag_hours": "hours", "late_share": "share"}
    summary = frame.activity
    if summary is None or not frame.availability("activities", "logged_at").ok:
        return _units(pd.DataFrame(columns=cols), units)
    return _units(summary.lag[cols].copy(), units)


@per_frame
def weekly_loggers(frame: "AuditFrame") -> pd.DataFrame:
    """Per rep with deals in the period: ``weeks`` (full weeks of the period from the rep's first logged
    activity in it), ``weeks_logged`` (of those, weeks with at least one activity) and ``share``; the ``(all)``
    row's ``share`` is the share of reps who logged activities every week."""
    units = {"weeks": "count", "weeks_logged": "count", "share": "share"}
    summary = frame.activity
    if summary is None or summary.by_rep.empty:
        return _units(pd.DataFrame(columns=["rep", *units]), units)
    weeks = pd.period_range(frame.start, frame.as_of - pd.Timedelta(seconds=1), freq="W-SUN")
    full = [w for w in weeks if w.start_time >= frame.start and w.end_time < frame.as_of]
    position = {w.start_time: i for i, w in enumerate(full)}
    a = summary.by_rep.loc[summary.by_rep["week"].isin(list(position))]
    reps = pd.Index(frame.population("deals_created")["owner_id"].dropna().astype("string").unique())
    g = a.groupby("owner_id")["week"].nunique().reindex(reps, fill_value=0)
    first = a.groupby("owner_id")["week"].min().reindex(reps)
    weeks_active = np.array([len(full) - position[w] if not pd.isna(w) else 0 for w in first])
    out = pd.DataFrame({"rep": g.index.astype(str), "weeks": weeks_active, "weeks_logged": g.to_numpy()})
    out["share"] = np.where(out["weeks"] > 0, out["weeks_logged"] / out["weeks"].clip(lower=1), np.nan)
    active = out.loc[out["weeks"] > 0]
    every = float((active["weeks_logged"] == active["weeks"]).mean()) if len(active) else math.nan
    total = pd.DataFrame([{"rep": ALL, "weeks": len(full), "weeks_logged": np.nan, "share": every}])
    return _units(pd.concat([total, out.sort_values("share", kind="stable")], ignore_index=True), units)


# --------------------------------------------------------------------------- the score


def score_parts(
    frame: "AuditFrame", deal_ids: Any = None, status: pd.DataFrame | None = None, gaps: pd.DataFrame | None = None,
) -> dict[str, float]:
    """The four parts (0-100, NaN when not measurable) and ``score`` for the deals ``deal_ids`` (all deals of
    the period when None); ``status`` and ``gaps`` may be passed when already computed."""
    deals = _scoped(frame, "deals")
    assert deals is not None
    status = open_deal_status(frame) if status is None else status
    gaps = stage_gaps(frame) if gaps is None else gaps
    dup = sum(i.count for i in frame.data.issues if i.table == "deals" and i.check in ("duplicate_row", "duplicate_id"))
    if deal_ids is not None:
        keep = (deal_ids if isinstance(deal_ids, pd.Series) else pd.Series(list(deal_ids))).astype("string")
        deals, status, gaps, dup = (deals.loc[isin(deals["deal_id"], keep).to_numpy()], status.loc[isin(status["deal_id"], keep).to_numpy()],
                                    gaps.loc[isin(gaps["deal_id"], keep).to_numpy()], 0)
    fill = _fill_counts(frame, "deals", deals)
    assert fill is not None
    bad = int(deals["_row"].isin(issue_rows(frame)).sum())
    return _parts(frame, fill, status, gaps, len(deals) + dup, bad + dup)


def _parts(frame: "AuditFrame", fill: dict[str, tuple[int, int]], status: pd.DataFrame, gaps: pd.DataFrame, rows: int,
           invalid: int) -> dict[str, float]:
    """The four parts and ``score`` (their mean over those measured; NaN when none is) of a group of deals:
    its deal columns' fill counts (:func:`_fill_counts`), its ``status`` and ``gaps`` rows, and its deal rows
    judged for validity with the invalid ones among them."""
    parts = {
        "completeness": completeness_part(_completeness(frame, {"deals": fill})),
        "freshness": freshness_part(status),
        "consistency": consistency_part(gaps),
        "validity": validity_part(rows, invalid),
    }
    known = [v for v in parts.values() if not math.isnan(v)]
    return {**parts, "score": float(np.mean(known)) if known else math.nan}


def score_table(frame: "AuditFrame") -> pd.DataFrame:
    """The score and its parts for the company (``(all)``), each team and each rep: ``level`` (company /
    team / rep), ``group``, ``deals`` and the parts."""
    deals = _scoped(frame, "deals")
    assert deals is not None
    status, gaps = open_deal_status(frame), stage_gaps(frame)
    bad = issue_rows(frame)
    rows = [{"level": "company", "group": ALL, "deals": len(deals), **score_parts(frame, None, status, gaps)}]
    # each group's parts from masks and codes over the rows once (a DataFrame per group cost 3 s at 1M deals)
    masks = _fill_masks("deals", deals)
    invalid = deals["_row"].isin(bad).to_numpy(dtype=bool)
    first = ~deals["deal_id"].duplicated().to_numpy()
    ids = pd.Index(deals["deal_id"].array[first])
    fresh, steps = status[["stale", "overdue"]], gaps[["skips", "moves_back"]]
    status_at, gaps_at = positions(status["deal_id"], ids), positions(gaps["deal_id"], ids)  # each row's deal
    for level, col in (("team", "team"), ("rep", "owner_id")):
        keys = deals[col].astype("string").fillna(NO_VALUE)
        if level == "team" and (keys == NO_VALUE).all():
            continue
        code, names = pd.factorize(keys, sort=True)
        n = len(names)
        sizes, bad_n = np.bincount(code, minlength=n), np.bincount(code[invalid], minlength=n)
        needed = {c: np.bincount(code[need], minlength=n) for c, (need, _) in masks.items()}
        filled = {c: np.bincount(code[have], minlength=n) for c, (_, have) in masks.items()}
        of_id = code[first]  # each deal id's group, its first row's as the id's map did
        at_status = group_rows(np.where(status_at >= 0, of_id[np.maximum(status_at, 0)], -1), n)
        at_gaps = group_rows(np.where(gaps_at >= 0, of_id[np.maximum(gaps_at, 0)], -1), n)
        for g, key in enumerate(names):
            fill = {c: (int(needed[c][g]), int(filled[c][g])) for c in masks}
            parts = _parts(frame, fill, fresh.iloc[at_status[g]], steps.iloc[at_gaps[g]], int(sizes[g]), int(bad_n[g]))
            rows.append({"level": level, "group": str(key), "deals": int(sizes[g]), **parts})
    out = pd.DataFrame(rows, columns=["level", "group", "deals", *PARTS, "score"])
    return _units(out, {"deals": "count", **{p: "points" for p in (*PARTS, "score")}})


def score_rule(frame: "AuditFrame", lang: str = "en") -> str:
    """The score's rule in words, in ``lang``."""
    return SCORE_RULE.get(lang, SCORE_RULE["en"]).format(stale=frame.params.thresholds.stale_after_days)


# --------------------------------------------------------------------------- findings


def stale_value(stale: pd.DataFrame, amounts: bool, fmt: "Formatter") -> str:
    """The stale deals' value in words (step 5's summary, the finding's detail): their amounts added up, over
    those that have one when not all do; not available when the deals have no usable amounts (never a zero)."""
    from ..report.text import plural, t

    known = stale["amount"].dropna()
    if not amounts or known.empty:
        return t("tech.stale.value_na", fmt.language)
    if len(known) < len(stale):
        return t("tech.stale.value_part", fmt.language, value=fmt.money(known.sum()), deals=plural(len(known), "n.deal", fmt.language))
    return t("tech.stale.value", fmt.language, value=fmt.money(known.sum()))


def hygiene_findings(
    frame: "AuditFrame", comp: pd.DataFrame, status: pd.DataFrame, gaps: pd.DataFrame, lag: pd.DataFrame,
    fmt: "Formatter",
) -> list[Finding]:
    """Step 5's hygiene findings:

    - ``tech.hygiene.stale_deals``: stale open deals above ``STALE_SHARE`` of the open deals and at least
      ``STALE_MIN_COUNT`` of them;
    - ``tech.hygiene.overdue_close``: open deals past their expected close date above ``OVERDUE_SHARE`` of
      those with a date (at least ``MIN_JUDGED`` dated);
    - ``tech.hygiene.key_field_empty``: a key column in the export, filled in some rows, filled in fewer than
      ``KEY_FILL_MIN`` of the rows that need it (at least ``MIN_JUDGED``);
    - ``tech.hygiene.stage_gaps``: deals skipping or moving back above ``GAP_SHARE`` (at least ``MIN_JUDGED``);
    - ``tech.hygiene.logging_lag``: a rep with at least ``MIN_JUDGED`` activities whose median lag is above
      ``LATE_LOG_HOURS``.
    """
    lang = fmt.language
    out: list[Finding] = []

    def tr(en: str, ru: str) -> str:
        return ru if lang == "ru" else en

    days = frame.params.thresholds.stale_after_days
    if len(status) and status["stale"].notna().any():
        stale = status.loc[status["stale"].fillna(False).astype(bool)]
        share = len(stale) / len(status)
        if len(stale) >= STALE_MIN_COUNT and share > STALE_SHARE:
            out.append(Finding(
                step=5, kind="tech.hygiene.stale_deals", subject="deals", area="technology",
                title=tr(f"{len(stale)} open deals ({fmt.share(share)}) have had no activity or stage change for more than {days} days",
                         f"{len(stale)} открытых сделок ({fmt.share(share)}) без активности и смены этапа дольше {days} дней"),
                severity=severity_for(share, STALE_SEVERITY), metric="stale_open_deals", value=len(stale), unit="count",
                benchmark=tr(f"{fmt.share(STALE_SHARE, 0)} of open deals", f"{fmt.share(STALE_SHARE, 0)} открытых сделок"),
                action="tech.clean_stale_deals", detail=stale_value(stale, frame.availability("deals", "amount").ok, fmt),
                evidence=records(stale.sort_values("idle_days", ascending=False)),
            ))
    if len(status):
        dated = status.loc[status["overdue"].notna()]
        if len(dated) >= MIN_JUDGED:
            over = dated.loc[dated["overdue"].astype(bool)]
            share = len(over) / len(dated)
            if share > OVERDUE_SHARE:
                out.append(Finding(
                    step=5, kind="tech.hygiene.overdue_close", subject="deals", area="technology",
                    title=tr(f"{len(over)} open deals ({fmt.share(share)}) are past their expected close date",
                             f"{len(over)} открытых сделок ({fmt.share(share)}) просрочили ожидаемую дату закрытия"),
                    severity="medium" if share > 2 * OVERDUE_SHARE else "low", metric="overdue_close_share", value=share,
                    unit="share", target=OVERDUE_SHARE, action="tech.update_close_dates", evidence=records(over),
                ))
    # lost_reason is step 3's (process.enforce_lost_reasons on lost_without_reason_share): not raised twice
    # a column empty in every row is shown (and counts in the score) but raises no finding: an export that
    # leaves a column out cannot be told from a team that never fills it in
    key = comp.loc[comp["key"] & (comp["column"] != "lost_reason") & (comp["status"] == "ok") & (comp["needed"] >= MIN_JUDGED) & (comp["share"] < KEY_FILL_MIN)]
    for _, r in key.iterrows():
        out.append(Finding(
            step=5, kind="tech.hygiene.key_field_empty", subject=f"{r['table']}.{r['column']}", area="technology",
            title=tr(f"{r['table']}.{r['column']} is filled in only {fmt.share(r['share'])} of the rows that need it",
                     f"Поле {r['table']}.{r['column']} заполнено лишь в {fmt.share(r['share'])} строк, где оно нужно"),
            severity="high" if r["share"] < 0.5 else "medium", metric="fill_share", value=r["share"], unit="share",
            target=KEY_FILL_MIN, action="tech.enforce_required_fields", evidence=records(comp.loc[[_]]),
        ))
    if len(gaps) >= MIN_JUDGED:
        bad = gaps.loc[(gaps["skips"] > 0) | (gaps["moves_back"] > 0)]
        share = len(bad) / len(gaps)
        if share > GAP_SHARE:
            out.append(Finding(
                step=5, kind="tech.hygiene.stage_gaps", subject="stage_history", area="technology",
                title=tr(f"{fmt.share(share)} of deals skip a stage or move back in their stage history",
                         f"{fmt.share(share)} сделок пропускают этап или возвращаются назад в истории этапов"),
                severity="medium", metric="stage_gap_share", value=share, unit="share", target=GAP_SHARE,
                action="tech.fix_stage_discipline", evidence=records(bad),
            ))
    from .people import rep_names  # who the reps are is step 4's concern

    names = rep_names(frame) if len(lag) > 1 else {}
    for _, r in lag.iloc[1:].iterrows() if len(lag) else []:
        med = r["median_lag_hours"]
        if r["activities"] < MIN_JUDGED or not (med > LATE_LOG_HOURS):
            continue
        who = names.get(str(r["rep"]), str(r["rep"]))  # the rep's name where the reps table gives one
        out.append(Finding(
            step=5, kind="tech.hygiene.logging_lag", subject=str(r["rep"]), area="technology",
            title=tr(f"{who} logs activities {fmt.number(med, 1)} hours (median) after they happen",
                     f"{who} вносит активности через {fmt.number(med, 1)} ч (медиана) после того, как они произошли"),
            severity=severity_for(med / LATE_LOG_HOURS, LAG_SEVERITY), metric="median_logging_lag_hours", value=med,
            unit="hours", target=LATE_LOG_HOURS, benchmark=tr(f"all reps: {fmt.number(lag['median_lag_hours'].iloc[0], 1)} h", f"все менеджеры: {fmt.number(lag['median_lag_hours'].iloc[0], 1)} ч"),
            action="tech.log_activities_promptly", evidence=records(lag.loc[lag["rep"].isin([ALL, r["rep"]])]),
        ))
    return out


def step_findings(frame: "AuditFrame", fmt: "Formatter") -> list[Finding]:
    """Every finding of step 5 on ``frame``: hygiene, tools and the survey's step-5 dimensions (what the
    notebook adds)."""
    from . import survey as S
    from .tools import tool_findings, tool_usage

    out = hygiene_findings(frame, completeness(frame), open_deal_status(frame), stage_gaps(frame), logging_lag(frame), fmt)
    out += tool_findings(tool_usage(frame), fmt)
    if frame.has("survey"):
        scores = S.dimension_scores(S.scored(S.survey_of(frame)), ("department",), step=5, lang=fmt.language)
        out += S.survey_findings(scores, None, 5, fmt)
    return out
