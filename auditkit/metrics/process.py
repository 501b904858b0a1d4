"""Step 3, the sales process: funnel, time in stage, bottlenecks, cohorts, lost deals, velocity, leads.

Pure functions over the canonical tables (see :mod:`auditkit.schema`): already
cleaned DataFrames in, DataFrames (or plain dicts) out, no global state.

Conventions used by every function here:

- ``stages`` are the pipeline's *open* stages in order
  (``params.pipeline.open_stages``); ``won`` and ``lost`` name the stages that
  mean a deal is won or lost. A ``stages`` list that still contains ``won`` or
  ``lost`` is accepted: they are dropped from it.
- Durations are float **days**; shares, rates and conversions are fractions
  (0..1); amounts are in the params' currency.
- ``as_of`` is the end of the audit period: anything still open then is a
  censored observation, not a finished one.
- A deal's status comes from ``deals.status``; where it is missing it is
  derived from ``deals.stage`` (the won stage means won, the lost stage lost,
  anything else open).

Stage history is read as follows (the same way by every function): rows whose
stage is not in the pipeline are ignored (and counted), rows without a date are
ignored (and counted), rows of deals missing from ``deals`` are ignored (and
counted), a stage repeated in consecutive rows is one entry (the first), and a
closed deal whose history does not end in the won or lost stage gets an implied
final entry into it at ``closed_at``. The counts are in the ``attrs`` of the
funnel frames.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..findings import Bands, Finding, records, severity_for

FunnelMode = Literal["any", "strict"]

# --- funnel -----------------------------------------------------------------

#: Where a stage entry went next; the five always add up to ``entered``.
FUNNEL_OUTCOMES: tuple[str, ...] = ("advanced", "skipped_ahead", "moved_back", "lost", "still_there")
_ADVANCED, _SKIPPED, _MOVED_BACK, _LOST, _STILL = range(5)

#: Columns of :func:`funnel` and :func:`funnel_from_current_stage`, in order.
FUNNEL_COLUMNS: tuple[str, ...] = (
    "stage",
    "entered",
    "deals",
    *FUNNEL_OUTCOMES,
    "conversion",
    "reached",
    "cumulative_conversion",
    "win_rate_from_stage",
)

#: One-line labels of the funnel modes, for the report.
FUNNEL_MODE_LABELS: dict[str, str] = {
    "any": "any: a deal counts for every stage it reached; stages it skipped count as passed through",
    "strict": "strict: only deals that passed every stage in order (no skip, no move back) are counted",
    "estimate": "estimate: no stage history; each deal is assumed to have passed every stage before its current one",
}

# --- bottlenecks ------------------------------------------------------------

#: With a conversion target, a stage is a conversion bottleneck when its conversion is below target minus this.
CONVERSION_TARGET_MARGIN = 0.10
#: Without a target, a stage is a conversion bottleneck below this fraction of the other stages' median conversion.
CONVERSION_PEER_RATIO = 0.6
#: A stage is a time bottleneck when its Kaplan-Meier median days exceed this multiple of the other stages' median.
TIME_PEER_RATIO = 2.5
#: Neither rule flags a stage with fewer entries than this (too few to judge).
MIN_STAGE_ENTRIES = 10
#: A still-open entry is "stuck" when it has been in its stage longer than this multiple of the peer median days.
STUCK_PEER_RATIO = 2.0

BOTTLENECK_RULES = (
    f"A stage is a conversion bottleneck when its conversion is more than {CONVERSION_TARGET_MARGIN:.0%} "
    f"(absolute) below its target, or, without a target, below {CONVERSION_PEER_RATIO:g} x the median "
    f"conversion of the other stages. It is a time bottleneck when its Kaplan-Meier median time in stage is "
    f"more than {TIME_PEER_RATIO:g} x the median of the other stages' medians. Either rule needs at least "
    f"{MIN_STAGE_ENTRIES} entries. Revenue at risk = (entries lost at the stage + open entries older than "
    f"{STUCK_PEER_RATIO:g} x the peer median days) x the average won deal x the win rate from the next stage."
)

# --- cohorts and segments ---------------------------------------------------

#: Maturity age used by :func:`cohort_funnel` when the data has no won deal to measure the won cycle on.
DEFAULT_MATURE_AFTER_DAYS = 90.0
#: Columns :func:`segment_funnel` splits by (those present in ``deals``).
SEGMENT_COLUMNS: tuple[str, ...] = ("source", "product", "team", "region")
#: A segment value is compared only with at least this many closed deals, in it and in the rest.
MIN_SEGMENT_DEALS = 30
#: A segment's win rate must differ from the rest by at least this much (absolute) to become a finding.
SEGMENT_MIN_DIFFERENCE = 0.10
#: Label of a missing segment value, lead source or stage.
NO_VALUE = "(none)"
#: Label of a total row.
ALL = "(all)"

# --- lost deals -------------------------------------------------------------

NO_REASON = "(no reason)"
UNKNOWN_STAGE = "(unknown)"
#: Cleaned reason text (lower case, punctuation removed, single spaces) -> the reason it means.
REASON_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ["price", "pricing", "too expensive", "expensive", "price too high", "high price", "too pricey",
         "too costly", "cost", "цена", "дорого", "высокая цена"],
        "Price",
    ),
    **dict.fromkeys(
        ["competitor", "competition", "went with competitor", "went with a competitor", "chose competitor",
         "chose a competitor", "lost to competitor", "lost to a competitor", "chose another vendor",
         "конкурент", "ушли к конкуренту", "выбрали конкурента"],
        "Competitor",
    ),
    **dict.fromkeys(
        ["no budget", "budget", "lack of budget", "budget cut", "budget cuts", "no funds", "no money",
         "нет бюджета"],
        "No budget",
    ),
    **dict.fromkeys(
        ["no decision", "no decision made", "indecision", "undecided", "status quo", "do nothing",
         "decided to do nothing", "нет решения"],
        "No decision",
    ),
    **dict.fromkeys(
        ["timing", "bad timing", "wrong timing", "not now", "not the right time", "postponed", "too early",
         "не время", "сроки"],
        "Timing",
    ),
    **dict.fromkeys(
        ["no response", "no reply", "went dark", "ghosted", "unresponsive", "нет ответа"],
        "No response",
    ),
    **dict.fromkeys(["n a", "na", "none", "null", "nan", "no reason", "unknown"], NO_REASON),
}
#: Share of lost deals without a reason tolerated when the params set no goal for it.
LOST_REASON_MISSING_MAX = 0.05

# --- velocity ---------------------------------------------------------------

#: The four levers of pipeline velocity (columns of :func:`velocity`).
LEVERS: tuple[str, ...] = ("open_deals", "win_rate", "avg_won", "median_cycle_days")
#: A lever whose effect on velocity is smaller than this (relative) does not become a finding.
VELOCITY_LEVER_MIN_CHANGE = 0.10

# --- findings ---------------------------------------------------------------

#: Action keys this module emits (step 7's catalog maps them to recommendations).
ACTIONS: dict[str, str] = {
    "process.fix_stage_conversion": "fix the exit criteria, qualification and coaching at a stage that loses deals",
    "process.unblock_stalled_stage": "find and remove what keeps deals waiting in a stage",
    "process.enforce_lost_reasons": "make a lost reason from a short list mandatory when a deal is closed lost",
    "process.address_top_loss_reason": "work on the most frequent reason deals are lost",
    "process.review_segment": "find out why one segment wins far more or less often than the rest",
    "process.grow_pipeline": "create more qualified pipeline",
    "process.improve_win_rate": "raise the win rate",
    "process.raise_deal_value": "raise the average won deal",
    "process.shorten_cycle": "shorten the sales cycle",
    "process.improve_lead_conversion": "turn more leads into deals",
    "process.record_stage_history": "export or start recording the stage history of deals",
}
_LEVER_ACTIONS = {
    "open_deals": "process.grow_pipeline",
    "win_rate": "process.improve_win_rate",
    "avg_won": "process.raise_deal_value",
    "median_cycle_days": "process.shorten_cycle",
}
# Severity bands of the findings (see auditkit.findings.severity_for).
#: On the relative shortfall ``1 - conversion / reference`` of a conversion bottleneck.
CONVERSION_SEVERITY: Bands = ((0.6, "critical"), (0.45, "high"), (0.3, "medium"), (0.0, "low"))
#: On ``median_days / peer_median_days`` of a time bottleneck.
TIME_SEVERITY: Bands = ((5.0, "critical"), (3.5, "high"), (2.5, "medium"), (0.0, "low"))
#: On the share of lost deals with no reason.
MISSING_REASON_SEVERITY: Bands = ((0.5, "critical"), (0.3, "high"), (0.15, "medium"), (0.0, "low"))
#: On the absolute difference between a segment's win rate and the rest's.
SEGMENT_SEVERITY: Bands = ((0.25, "high"), (0.15, "medium"), (0.0, "low"))
#: On the relative loss of velocity the lever that moved most caused (a gain is ``info``).
LEVER_SEVERITY: Bands = ((0.5, "high"), (0.25, "medium"), (0.0, "low"))
#: On the relative shortfall of lead-to-deal conversion against its target.
LEAD_CONVERSION_SEVERITY: Bands = ((0.5, "high"), (0.25, "medium"), (0.0, "low"))

_DAY = np.timedelta64(1, "D")
_NAT = np.datetime64("NaT", "ns")
_OPEN, _WON_S, _LOST_S = 0, 1, 2


# =============================================================================
# shared machinery
# =============================================================================


def _open_stages(stages: Sequence[str], won: str | None, lost: str | None) -> list[str]:
    return [str(s) for s in stages if s not in (won, lost)]


def _ns(values: Any) -> np.ndarray:
    """Timestamps as a ``datetime64[ns]`` numpy array (NaT kept)."""
    return pd.DatetimeIndex(values).as_unit("ns").to_numpy()


def _text(series: pd.Series, lower: bool = False) -> np.ndarray:
    """Text stripped (and lower-cased), missing values as '' (an object array; cleaned once per distinct value)."""
    codes, uniques = pd.factorize(series)
    clean = np.array([(str(u).strip().lower() if lower else str(u).strip()) for u in uniques] + [""], dtype=object)
    return clean[codes]  # code -1 (missing) picks the trailing ""


def _lookup(index: pd.Index, ids: pd.Series) -> np.ndarray:
    """Position of each id in ``index`` (string ids), -1 when absent or missing."""
    codes, uniques = pd.factorize(ids)
    where = index.get_indexer(pd.Index(uniques.astype(str), dtype="str")) if len(uniques) else np.zeros(0, np.intp)
    return np.r_[where, -1][codes].astype(np.int64)


def _same_as_next(a: np.ndarray) -> np.ndarray:
    """True where the element equals the next one (False for the last; empty for an empty array)."""
    out = np.zeros(len(a), dtype=bool)
    out[:-1] = a[1:] == a[:-1]
    return out


def _same_as_prev(a: np.ndarray) -> np.ndarray:
    """True where the element equals the previous one (False for the first)."""
    out = np.zeros(len(a), dtype=bool)
    out[1:] = a[1:] == a[:-1]
    return out


def _ratio(num: Any, den: Any) -> np.ndarray:
    """num / den as floats, NaN where den is 0."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


@dataclass(frozen=True)
class _Deals:
    """The deals table reduced to what the metrics need, one row per deal_id."""

    frame: pd.DataFrame
    status: np.ndarray  # int: _OPEN, _WON_S, _LOST_S
    created: np.ndarray  # datetime64[ns]
    closed: np.ndarray  # datetime64[ns]; NaT when open or unknown
    amount: np.ndarray  # float

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.frame["deal_id"])


def _deal_table(deals: pd.DataFrame, won: str | None, lost: str | None) -> _Deals:
    d = deals.drop_duplicates("deal_id").reset_index(drop=True)
    d = d.assign(deal_id=d["deal_id"].astype("str"))
    stage = _text(d["stage"]) if "stage" in d else np.full(len(d), "", dtype=object)
    from_stage = np.where(stage == (won or "\0"), _WON_S, np.where(stage == (lost or "\0"), _LOST_S, _OPEN))
    if "status" in d:
        st = _text(d["status"], lower=True)
        known = np.where(st == "open", _OPEN, from_stage)
        status = np.where(st == "won", _WON_S, np.where(st == "lost", _LOST_S, known))
    else:
        status = from_stage
    closed = _ns(d["closed_at"]) if "closed_at" in d else np.full(len(d), _NAT)
    return _Deals(
        frame=d,
        status=status.astype(np.int64),
        created=_ns(d["created_at"]),
        closed=np.where(status != _OPEN, closed, _NAT),
        amount=pd.to_numeric(d["amount"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
    )


@dataclass(frozen=True)
class _Entries:
    """Stage entries sorted by deal then time. pos: 0..k-1 open stages, k won, k+1 lost."""

    code: np.ndarray  # index into _Deals
    pos: np.ndarray
    at: np.ndarray  # datetime64[ns]
    k: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def next_pos(self) -> np.ndarray:
        """Position of the deal's next entry; -1 after its last."""
        return np.where(_same_as_next(self.code), np.roll(self.pos, -1), -1)

    @property
    def next_at(self) -> np.ndarray:
        """Time of the deal's next entry; NaT after its last."""
        return np.where(_same_as_next(self.code), np.roll(self.at, -1), _NAT)

    @property
    def outcome(self) -> np.ndarray:
        """Where each entry went next (an index into FUNNEL_OUTCOMES; meaningful for open stages)."""
        pos, nxt, k = self.pos, self.next_pos, self.k
        out = np.full(len(pos), _STILL)
        has = nxt >= 0
        out[has & (nxt == k + 1)] = _LOST
        out[has & (nxt == pos + 1)] = _ADVANCED
        out[has & (nxt > pos + 1) & (nxt <= k)] = _SKIPPED
        out[has & (nxt < pos)] = _MOVED_BACK
        return out

    def strict_violations(self, n_deals: int) -> np.ndarray:
        """Per deal: True when its entries are not stage 0, 1, 2, ... in order (then optionally won or lost)."""
        code, pos, k = self.code, self.pos, self.k
        first = ~_same_as_prev(code)
        prev = np.roll(pos, 1)
        valid = np.where(first, pos == 0, (prev < k) & ((pos == prev + 1) | (pos == k + 1)))
        bad = np.zeros(n_deals, dtype=bool)
        bad[code[~valid]] = True
        return bad

    def max_pos(self, n_deals: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Per deal: the furthest position reached (won = k; the lost stage does not count); -1 when none."""
        m = self.pos <= self.k
        if mask is not None:
            m &= mask
        out = np.full(n_deals, -1, dtype=np.int64)
        np.maximum.at(out, self.code[m], self.pos[m])
        return out


def _positions(names: pd.Series, stages: list[str], won: str, lost: str) -> np.ndarray:
    """Stage names as positions (float, NaN for names not in the pipeline)."""
    k = len(stages)
    mapping = {s: float(i) for i, s in enumerate(stages)} | {won: float(k), lost: float(k + 1)}
    codes, uniques = pd.factorize(names)
    lut = np.array([mapping.get(str(u).strip(), np.nan) for u in uniques] + [np.nan], dtype=float)
    return lut[codes]


def _history_entries(history: pd.DataFrame, t: _Deals, stages: list[str], won: str, lost: str) -> _Entries:
    k = len(stages)
    pos = _positions(history["stage"], stages, won, lost)
    code = _lookup(t.index, history["deal_id"])
    at = _ns(history["entered_at"])
    unknown = np.isnan(pos)
    orphan = code < 0
    undated = np.isnat(at)
    keep = ~unknown & ~orphan & ~undated
    info: dict[str, Any] = {
        "unknown_stage_rows": int(unknown.sum()),
        "unknown_stages": sorted(set(_text(history["stage"])[unknown].tolist()) - {""}),
        "orphan_rows": int((orphan & ~unknown).sum()),
        "undated_rows": int((undated & ~unknown & ~orphan).sum()),
    }
    code, pos, at = code[keep].astype(np.int64), pos[keep].astype(np.int64), at[keep]
    order = np.lexsort((at.view(np.int64), code))  # stable: same-time rows keep their order
    code, pos, at = code[order], pos[order], at[order]
    repeat = _same_as_prev(code) & _same_as_prev(pos)
    info["collapsed_repeats"] = int(repeat.sum())
    code, pos, at = code[~repeat], pos[~repeat], at[~repeat]
    # implied final entry into won/lost for closed deals whose history stops at an open stage
    need = ~_same_as_next(code) & (pos < k) & (t.status[code] != _OPEN)
    add_code = code[need]
    add_pos = np.where(t.status[add_code] == _WON_S, k, k + 1)
    info["implied_terminal_entries"] = int(need.sum())
    code = np.concatenate([code, add_code])
    pos = np.concatenate([pos, add_pos])
    at = np.concatenate([at, t.closed[add_code]])
    order = np.argsort(code, kind="stable")
    code, pos, at = code[order], pos[order], at[order]
    info["deals_without_history"] = int((np.bincount(code, minlength=t.n) == 0).sum())
    return _Entries(code, pos, at, k, info)


def _current_positions(
    t: _Deals, stages: list[str], won: str, lost: str, among: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Per deal, the furthest position implied by the current stage (won = k); -1 when unknown.

    A lost deal whose stage is the lost stage itself (the stage where it was lost is unknown) is
    placed at the first stage, so that every deal still counts once in the funnel's totals. The counts
    in the returned info are of the deals in ``among`` (all deals by default).
    """
    k = len(stages)
    sp = _positions(t.frame["stage"], stages, won, lost) if "stage" in t.frame else np.full(t.n, np.nan)
    open_stage = ~np.isnan(sp) & (sp < k)
    p = np.full(t.n, -1, dtype=np.int64)
    p[t.status == _WON_S] = k
    p[(t.status != _WON_S) & open_stage] = sp[(t.status != _WON_S) & open_stage].astype(np.int64)
    lost_unknown = (t.status == _LOST_S) & ~open_stage
    p[lost_unknown] = 0
    among = np.ones(t.n, dtype=bool) if among is None else among
    info = {
        "lost_at_unknown_stage": int((lost_unknown & among).sum()),
        "unknown_stage_deals": int(((t.status == _OPEN) & ~open_stage & among).sum()),
    }
    return p, info


def _current_entries(t: _Deals, stages: list[str], won: str, lost: str) -> _Entries:
    """Synthetic entries: every stage up to the current one, then the won/lost stage for closed deals."""
    k = len(stages)
    p, info = _current_positions(t, stages, won, lost)
    deals = np.flatnonzero(p >= 0)
    n_open = np.minimum(p[deals], k - 1) + 1
    code = np.repeat(deals, n_open)
    starts = np.repeat(np.cumsum(n_open) - n_open, n_open)
    pos = np.arange(len(code)) - starts
    closed = deals[t.status[deals] != _OPEN]
    term = np.where(t.status[closed] == _WON_S, k, k + 1)
    code = np.concatenate([code, closed])
    pos = np.concatenate([pos, term]).astype(np.int64)
    order = np.argsort(code, kind="stable")
    at = np.full(len(code), _NAT)
    info = {**info, "deals_without_history": int(t.n)}
    return _Entries(code[order], pos[order], at, k, info)


def _entries(
    deals: pd.DataFrame, stage_history: pd.DataFrame | None, stages: list[str], won: str, lost: str
) -> tuple[_Deals, _Entries, bool]:
    """The deal table, its entries (history, or the current-stage estimate) and whether it is an estimate."""
    t = _deal_table(deals, won, lost)
    if stage_history is None or len(stage_history) == 0:
        return t, _current_entries(t, stages, won, lost), True
    return t, _history_entries(stage_history, t, stages, won, lost), False


def _at_least(values: np.ndarray, size: int) -> np.ndarray:
    """For i in 0..size-1, how many of ``values`` (non-negative ints) are >= i."""
    counts = np.bincount(values, minlength=size)[:size]
    return counts[::-1].cumsum()[::-1]


def _funnel_frame(t: _Deals, e: _Entries, stages: list[str], mode: str, estimate: bool) -> pd.DataFrame:
    k = len(stages)
    has = np.zeros(t.n, dtype=bool)
    has[e.code] = True
    keep = has.copy()
    if mode == "strict":
        keep &= ~e.strict_violations(t.n)
    sel = keep[e.code]
    rows = sel & (e.pos < k)
    p, o = e.pos[rows], e.outcome[rows]
    counts = np.bincount(p * 5 + o, minlength=k * 5).reshape(k, 5)
    entered = counts.sum(axis=1)
    pairs = np.bincount(e.code[rows] * k + p, minlength=t.n * k) > 0  # (deal, stage) entered at least once
    distinct = pairs.reshape(t.n, k).sum(axis=0)
    mp = e.max_pos(t.n, sel)
    inside = mp >= 0
    reached = _at_least(mp[inside], k + 1)
    won_r = _at_least(mp[inside & (t.status == _WON_S)], k + 1)
    lost_r = _at_least(mp[inside & (t.status == _LOST_S)], k + 1)
    df = pd.DataFrame(
        {
            "stage": pd.array(stages, dtype="str"),
            "entered": entered,
            "deals": distinct,
            **{name: counts[:, i] for i, name in enumerate(FUNNEL_OUTCOMES)},
            "conversion": _ratio(counts[:, _ADVANCED], entered),
            "reached": reached[:k],
            "cumulative_conversion": _ratio(reached[1:], np.full(k, reached[0])),
            "win_rate_from_stage": _ratio(won_r[:k], won_r[:k] + lost_r[:k]),
        }
    )
    check_funnel_accounting(df)
    df.attrs.update(e.info)
    df.attrs.update(
        mode=mode,
        estimate=estimate,
        label=FUNNEL_MODE_LABELS["estimate" if estimate else mode],
        funnel_deals=int(inside.sum()),
        excluded_deals=int((has & ~keep).sum()),
        won_stage_reached=int(reached[k]),
    )
    return df


def _check_mode(mode: str) -> None:
    if mode not in ("any", "strict"):
        raise ValueError(f"funnel mode must be 'any' or 'strict', not {mode!r}")


# =============================================================================
# 1. funnel
# =============================================================================


def funnel(
    deals: pd.DataFrame,
    stage_history: pd.DataFrame | None,
    stages: Sequence[str],
    won: str,
    lost: str,
    mode: FunnelMode = "any",
) -> pd.DataFrame:
    """The funnel from stage history: one row per open stage, in pipeline order.

    Columns (counts are stage *entries* unless said otherwise):

    - ``stage``; ``entered``: entries into the stage (a deal that moves back and re-enters counts twice);
      ``deals``: distinct deals that entered it
    - ``advanced`` (next entry is the next stage; the won stage after the last open stage),
      ``skipped_ahead`` (a later stage beyond the next, or won from a stage other than the last),
      ``moved_back`` (an earlier stage), ``lost`` (the lost stage), ``still_there`` (last entry of an
      open deal); the five add up to ``entered``
    - ``conversion``: advanced / entered (NaN when nobody entered)
    - ``reached``: distinct deals that reached the stage or a later one (a skipped stage counts as passed
      through); ``cumulative_conversion``: share of the deals that reached the first stage that got past
      this one (``reached`` of the next stage, the won stage after the last)
    - ``win_rate_from_stage``: won / (won + lost) among the deals that reached the stage (open deals left out)

    ``mode="any"`` counts every deal; ``mode="strict"`` only the deals whose history is stage 1, 2, 3, ...
    in order (optionally ending won or lost); ``attrs["excluded_deals"]`` says how many were left out.
    Without stage history (None or empty) this returns :func:`funnel_from_current_stage`.
    ``attrs``: mode, estimate, label, funnel_deals, excluded_deals, won_stage_reached, unknown_stage_rows,
    unknown_stages, orphan_rows, undated_rows, collapsed_repeats, implied_terminal_entries,
    deals_without_history.
    """
    _check_mode(mode)
    stages = _open_stages(stages, won, lost)
    t, e, estimate = _entries(deals, stage_history, stages, won, lost)
    return _funnel_frame(t, e, stages, "any" if estimate else mode, estimate)


def funnel_from_current_stage(deals: pd.DataFrame, stages: Sequence[str], won: str, lost: str) -> pd.DataFrame:
    """An estimated funnel when there is no stage history (same columns as :func:`funnel`).

    Each deal is assumed to have passed every stage before its current one: an open deal is still at
    its current stage, a lost deal was lost at its current stage, a won deal passed every stage. A lost
    deal whose stage is the lost stage itself is counted as lost at the first stage
    (``attrs["lost_at_unknown_stage"]``); an open deal at a stage outside the pipeline is left out
    (``attrs["unknown_stage_deals"]``). ``attrs["estimate"]`` is True.
    """
    stages = _open_stages(stages, won, lost)
    t = _deal_table(deals, won, lost)
    return _funnel_frame(t, _current_entries(t, stages, won, lost), stages, "any", True)


def check_funnel_accounting(df: pd.DataFrame) -> None:
    """Raise ValueError naming every stage whose five outcome columns do not add up to ``entered``."""
    total = df[list(FUNNEL_OUTCOMES)].sum(axis=1)
    bad = df.loc[total != df["entered"]]
    if len(bad):
        detail = "; ".join(
            f"{r.stage}: entered {r.entered} but outcomes add up to {int(total[i])}" for i, r in bad.iterrows()
        )
        raise ValueError(f"funnel accounting does not add up at {len(bad)} stage(s): {detail}")


# =============================================================================
# 2. time in stage
# =============================================================================


def stage_durations(
    stage_history: pd.DataFrame | None,
    deals: pd.DataFrame,
    stages: Sequence[str],
    won: str,
    lost: str,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """One row per entry into an open stage, with how long the deal stayed there.

    Columns: ``deal_id``; ``stage`` (categorical, ordered as the pipeline); ``entered_at``; ``left_at``
    (the next entry, or ``closed_at`` for a closed deal whose history stops; NaT when still there at
    ``as_of``); ``days`` (float days to ``left_at``, or to ``as_of`` when censored; negative gaps from
    inconsistent dates are clipped to 0; NaN when a closed deal has no ``closed_at``); ``censored`` (True
    when the deal was still in the stage at ``as_of``). Entries made after ``as_of`` are left out.
    Without stage history the frame is empty (the stage categories are kept).
    """
    stages = _open_stages(stages, won, lost)
    cat = pd.CategoricalDtype(stages, ordered=True)
    if stage_history is None or len(stage_history) == 0:
        return pd.DataFrame(
            {
                "deal_id": pd.Series([], dtype="str"),
                "stage": pd.Series([], dtype=cat),
                "entered_at": pd.Series([], dtype="datetime64[ns]"),
                "left_at": pd.Series([], dtype="datetime64[ns]"),
                "days": pd.Series([], dtype=float),
                "censored": pd.Series([], dtype=bool),
            }
        )
    t = _deal_table(deals, won, lost)
    e = _history_entries(stage_history, t, stages, won, lost)
    end = _ns([pd.Timestamp(as_of)])[0]
    rows = (e.pos < e.k) & (e.at <= end)
    nxt = e.next_pos[rows]
    left = e.next_at[rows]
    at = e.at[rows]
    censored = (nxt < 0) | (left > end)
    left = np.where(censored, _NAT, left)
    days = np.where(censored, (end - at) / _DAY, (left - at) / _DAY)
    days = np.where(np.isnan(days), np.nan, np.maximum(days, 0.0))
    return pd.DataFrame(
        {
            "deal_id": t.frame["deal_id"].to_numpy()[e.code[rows]].astype(str),
            "stage": pd.Categorical.from_codes(e.pos[rows], dtype=cat),
            "entered_at": at,
            "left_at": left,
            "days": days,
            "censored": censored,
        }
    )


def _km_quantiles(days: np.ndarray, censored: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Kaplan-Meier quantiles of durations with right censoring.

    The q-quantile is the smallest observed time t at which the survival function S(t) <= 1 - q;
    NaN when S never gets that low (too many observations still open).
    """
    from scipy import stats

    if not (~censored).any():
        return [math.nan] * len(qs)
    res = stats.ecdf(stats.CensoredData(uncensored=days[~censored], right=days[censored]))
    times, surv = res.sf.quantiles, res.sf.probabilities
    out = []
    for q in qs:
        hit = np.flatnonzero(surv <= 1 - q + 1e-9)
        out.append(float(times[hit[0]]) if len(hit) else math.nan)
    return out


def stage_time_summary(durations: pd.DataFrame) -> pd.DataFrame:
    """Time in stage per stage, with open entries counted as censored (Kaplan-Meier).

    Columns: ``stage``, ``entries``, ``closed`` (entries that left the stage), ``censored`` (still there
    at ``as_of``), ``median_days``, ``p75_days``, ``p90_days`` (Kaplan-Meier quantiles in days: the first
    time the share still in the stage falls to 50/25/10%; NaN when it never does), ``naive_median_days``
    (median of the closed entries only, which understates a stage where deals pile up). Rows follow the
    categories of ``durations.stage`` (every pipeline stage, even one nobody entered).
    """
    stage = durations["stage"]
    if not isinstance(stage.dtype, pd.CategoricalDtype):
        stage = stage.astype(pd.CategoricalDtype(list(pd.unique(stage))))
    names = [str(c) for c in stage.cat.categories]
    key = stage.cat.codes.to_numpy()
    timed = durations["days"].notna().to_numpy()
    days_all = durations["days"].to_numpy(dtype=float, na_value=np.nan)
    cens_all = durations["censored"].to_numpy(dtype=bool)
    rows = []
    for i, name in enumerate(names):
        m = (key == i) & timed
        days, cens = days_all[m], cens_all[m]
        med, p75, p90 = _km_quantiles(days, cens, (0.5, 0.75, 0.9)) if len(days) else [math.nan] * 3
        rows.append(
            {
                "stage": name,
                "entries": int((key == i).sum()),
                "closed": int((~cens).sum()),
                "censored": int(cens.sum()),
                "median_days": med,
                "p75_days": p75,
                "p90_days": p90,
                "naive_median_days": float(np.median(days[~cens])) if (~cens).any() else math.nan,
            }
        )
    columns = ["stage", "entries", "closed", "censored", "median_days", "p75_days", "p90_days", "naive_median_days"]
    return pd.DataFrame(rows, columns=columns).astype({"stage": "str"})


def _cycle_stats(label: str, days: np.ndarray) -> dict[str, Any]:
    """deals, median, p75, p90 (linear percentiles) and mean of durations in days."""
    days = days[~np.isnan(days)]
    if not len(days):
        empty = dict.fromkeys(["median_days", "p75_days", "p90_days", "mean_days"], math.nan)
        return {"outcome": label, "deals": 0, **empty}
    p50, p75, p90 = np.percentile(days, [50, 75, 90])
    return {
        "outcome": label, "deals": len(days),
        "median_days": float(p50), "p75_days": float(p75), "p90_days": float(p90), "mean_days": float(days.mean()),
    }


def sales_cycle(deals: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Sales cycle (created -> closed, in days) of won and of lost deals, and the age of open deals.

    One row per ``outcome``: "won", "lost" (deals closed by ``as_of``), "open" (deals created by
    ``as_of`` and still open then: their age at ``as_of``). Columns: ``outcome``, ``deals``,
    ``median_days``, ``p75_days``, ``p90_days`` (linear-interpolated percentiles), ``mean_days``.
    Negative cycles from inconsistent dates are clipped to 0.
    """
    t = _deal_table(deals, None, None)
    end = _ns([pd.Timestamp(as_of)])[0]
    cycle = np.maximum((t.closed - t.created) / _DAY, 0.0)
    done = t.closed <= end
    age = (end - t.created) / _DAY
    still_open = ((t.status == _OPEN) | (t.closed > end)) & (t.created <= end)
    return pd.DataFrame(
        [
            _cycle_stats("won", cycle[done & (t.status == _WON_S)]),
            _cycle_stats("lost", cycle[done & (t.status == _LOST_S)]),
            _cycle_stats("open", age[still_open]),
        ]
    ).astype({"outcome": "str"})


# =============================================================================
# 3. bottlenecks
# =============================================================================


def _peer_median(values: np.ndarray) -> np.ndarray:
    """For each position, the median of the *other* positions' finite values (NaN when none)."""
    out = np.full(len(values), np.nan)
    for i in range(len(values)):  # one pass per stage: a handful, not per deal
        others = np.delete(values, i)
        others = others[np.isfinite(others)]
        if len(others):
            out[i] = np.median(others)
    return out


def bottlenecks(
    funnel_df: pd.DataFrame,
    time_summary: pd.DataFrame | None,
    deals: pd.DataFrame,
    won: str,
    lost: str,
    conversion_targets: Mapping[str, float] | None = None,
    *,
    durations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Stages that leak or stall, ranked by the revenue they cost (see :data:`BOTTLENECK_RULES`).

    ``funnel_df`` is a :func:`funnel` frame, ``time_summary`` a :func:`stage_time_summary` frame (None
    without stage history: no time rule), ``deals`` gives the average won deal (status from ``won``/``lost``
    where missing), ``conversion_targets`` maps stage -> target conversion, and ``durations`` (a
    :func:`stage_durations` frame) is needed to count stuck entries (without it, ``stuck`` is 0).

    Columns: ``stage``, ``entered``, ``conversion``, ``target_conversion`` (NaN when none),
    ``peer_conversion`` (median of the other stages), ``conversion_gap`` (conversion minus the target, or
    minus the peer median without a target; negative = below), ``timed_entries``, ``median_days``,
    ``peer_median_days``, ``time_ratio`` (median / peer median), ``lost``, ``stuck``,
    ``downstream_win_rate`` (win rate from the next stage; 1 for the last open stage), ``revenue_at_risk``
    (currency), ``is_conversion_bottleneck``, ``is_time_bottleneck``, ``is_bottleneck``, ``rank`` (1 = the
    bottleneck costing most; <NA> for other stages). ``attrs["top_stage"]``: the rank-1 stage or None;
    ``attrs["avg_won"]``: the average won deal used.
    """
    f = funnel_df.reset_index(drop=True)
    stages = f["stage"].astype(str).tolist()
    entered = f["entered"].to_numpy(dtype=float)
    conv = f["conversion"].to_numpy(dtype=float)
    targets = np.array([float((conversion_targets or {}).get(s, math.nan)) for s in stages])
    has_target = ~np.isnan(targets)
    peer_conv = _peer_median(conv)
    reference = np.where(has_target, targets, peer_conv)
    conv_flag = np.where(
        has_target, conv < targets - CONVERSION_TARGET_MARGIN, conv < CONVERSION_PEER_RATIO * peer_conv
    )
    conv_flag &= entered >= MIN_STAGE_ENTRIES

    if time_summary is not None and len(time_summary):
        ts = time_summary.assign(stage=time_summary["stage"].astype(str)).set_index("stage").reindex(stages)
        median = ts["median_days"].to_numpy(dtype=float)
        timed = ts["entries"].fillna(0).to_numpy(dtype=float)
    else:
        median = np.full(len(stages), np.nan)
        timed = np.zeros(len(stages))
    peer_median = _peer_median(median)
    time_flag = (median > TIME_PEER_RATIO * peer_median) & (timed >= MIN_STAGE_ENTRIES)

    stuck = np.zeros(len(stages), dtype=np.int64)
    if durations is not None and len(durations):
        open_ = durations.loc[durations["censored"].astype(bool)]
        where = pd.Index(stages).get_indexer(open_["stage"].astype(str))
        limit = np.where(where >= 0, STUCK_PEER_RATIO * peer_median[where], np.nan)
        over = (open_["days"].to_numpy(dtype=float) > limit) & (where >= 0)
        stuck = np.bincount(where[over], minlength=len(stages))

    t = _deal_table(deals, won, lost)
    won_amounts = t.amount[(t.status == _WON_S) & ~np.isnan(t.amount)]
    avg_won = float(won_amounts.mean()) if len(won_amounts) else math.nan
    wr = f["win_rate_from_stage"].to_numpy(dtype=float)
    downstream = np.r_[wr[1:], 1.0] if len(wr) else wr
    lost_n = f["lost"].to_numpy(dtype=np.int64)
    risk = (lost_n + stuck) * avg_won * downstream

    out = pd.DataFrame(
        {
            "stage": pd.array(stages, dtype="str"),
            "entered": f["entered"].to_numpy(),
            "conversion": conv,
            "target_conversion": targets,
            "peer_conversion": peer_conv,
            "conversion_gap": conv - reference,
            "timed_entries": timed.astype(np.int64),
            "median_days": median,
            "peer_median_days": peer_median,
            "time_ratio": _ratio(median, peer_median),
            "lost": lost_n,
            "stuck": stuck,
            "downstream_win_rate": downstream,
            "revenue_at_risk": risk,
            "is_conversion_bottleneck": conv_flag,
            "is_time_bottleneck": time_flag,
            "is_bottleneck": conv_flag | time_flag,
        }
    )
    ranked = out.loc[out["is_bottleneck"]].sort_values(
        "revenue_at_risk", ascending=False, na_position="last", kind="stable"
    )
    rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
    rank.loc[ranked.index] = np.arange(1, len(ranked) + 1)
    out["rank"] = rank
    top = str(ranked["stage"].iloc[0]) if len(ranked) else None
    out.attrs.update(top_stage=top, avg_won=avg_won, rules=BOTTLENECK_RULES)
    return out


# =============================================================================
# 4. cohorts and segments
# =============================================================================


def _reached_positions(
    t: _Deals, stage_history: pd.DataFrame | None, stages: list[str], won: str, lost: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """Per deal, the furthest position reached: from stage history, else from the current stage."""
    if stage_history is None or len(stage_history) == 0:
        current, info = _current_positions(t, stages, won, lost)
        return current, {**info, "estimate": True, "deals_from_current_stage": t.n}
    e = _history_entries(stage_history, t, stages, won, lost)
    has = np.zeros(t.n, dtype=bool)
    has[e.code] = True
    current, info = _current_positions(t, stages, won, lost, among=~has)
    mp = np.where(has, e.max_pos(t.n), current)
    return mp, {**info, "estimate": False, "deals_from_current_stage": int((~has).sum())}


def cohort_funnel(
    deals: pd.DataFrame,
    stage_history: pd.DataFrame | None,
    stages: Sequence[str],
    won: str,
    lost: str,
    as_of: pd.Timestamp,
    mature_after_days: float | None = None,
) -> pd.DataFrame:
    """The funnel by month of creation: one row per month in which deals were created.

    Columns: ``cohort`` (first day of the month), ``created`` (deals), ``reached_<stage>`` for each open
    stage (share of the cohort that reached the stage or a later one; skipped stages count as passed),
    ``won``, ``lost``, ``open`` (deals), ``win_rate`` (won / created, so it grows while the cohort
    matures), ``age_days`` (days from the end of the month to ``as_of``), ``mature`` (age_days >=
    ``mature_after_days``). The default maturity age is the 75th percentile of the won sales cycle
    (:data:`DEFAULT_MATURE_AFTER_DAYS` when nothing was won). Deals without stage history are placed
    by their current stage. ``attrs``: stages, reached_columns, mature_after_days, estimate,
    deals_from_current_stage.
    """
    stages = _open_stages(stages, won, lost)
    k = len(stages)
    t = _deal_table(deals, won, lost)
    end = _ns([pd.Timestamp(as_of)])[0]
    if mature_after_days is None:
        won_cycle = (t.closed - t.created) / _DAY
        p75 = _cycle_stats("won", won_cycle[(t.status == _WON_S) & (t.closed <= end)])["p75_days"]
        mature_after_days = DEFAULT_MATURE_AFTER_DAYS if math.isnan(p75) else float(p75)
    mp, info = _reached_positions(t, stage_history, stages, won, lost)
    month = t.created.astype("datetime64[M]")
    cols = [f"reached_{s}" for s in stages]
    reached = mp[:, None] >= np.arange(k)[None, :]
    frame = pd.DataFrame(reached, columns=cols)
    frame["created"] = 1
    frame["won"] = t.status == _WON_S
    frame["lost"] = t.status == _LOST_S
    frame["open"] = t.status == _OPEN
    frame["cohort"] = month.astype("datetime64[ns]")
    frame = frame.loc[~np.isnat(month)]
    g = frame.groupby("cohort", sort=True).sum()
    out = pd.DataFrame({"cohort": g.index.to_numpy(), "created": g["created"].to_numpy()})
    for c in cols:
        out[c] = g[c].to_numpy() / out["created"].to_numpy()
    for c in ("won", "lost", "open"):
        out[c] = g[c].to_numpy().astype(np.int64)
    out["win_rate"] = out["won"] / out["created"]
    month_end = (g.index.to_numpy().astype("datetime64[M]") + 1).astype("datetime64[ns]")
    out["age_days"] = (end - month_end) / _DAY
    out["mature"] = out["age_days"] >= mature_after_days
    out.attrs.update(stages=stages, reached_columns=cols, mature_after_days=float(mature_after_days), **info)
    return out


def segment_funnel(
    deals: pd.DataFrame,
    stage_history: pd.DataFrame | None,
    stages: Sequence[str],
    won: str,
    lost: str,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Stage conversion per segment value, for each column in ``by`` present in ``deals``.

    ``by`` defaults to :data:`SEGMENT_COLUMNS`. One row per (by, value, stage). Columns: ``by`` (the
    column), ``value`` (missing values as "(none)"), ``stage``, ``entered``, ``advanced``, ``conversion``
    (as in :func:`funnel`, mode "any"; estimated from the current stage without history), and the
    segment's totals repeated on each of its rows: ``deals``, ``won``, ``lost``, ``win_rate`` (won /
    (won + lost)). Values are ordered by deals, most first. ``attrs["missing_columns"]``: requested
    columns absent from ``deals``; ``attrs["estimate"]``.
    """
    stages = _open_stages(stages, won, lost)
    k = len(stages)
    wanted = list(SEGMENT_COLUMNS if by is None else ([by] if isinstance(by, str) else by))
    t, e, estimate = _entries(deals, stage_history, stages, won, lost)
    rows = e.pos < k
    adv = rows & (e.outcome == _ADVANCED)
    parts = []
    for col in wanted:
        if col not in t.frame:
            continue
        values = _text(t.frame[col])
        values[values == ""] = NO_VALUE
        seg, labels = pd.factorize(values, sort=False)
        n_seg = len(labels)
        entered = np.bincount(seg[e.code[rows]] * k + e.pos[rows], minlength=n_seg * k).reshape(n_seg, k)
        advanced = np.bincount(seg[e.code[adv]] * k + e.pos[adv], minlength=n_seg * k).reshape(n_seg, k)
        n_deals = np.bincount(seg, minlength=n_seg)
        n_won = np.bincount(seg[t.status == _WON_S], minlength=n_seg)
        n_lost = np.bincount(seg[t.status == _LOST_S], minlength=n_seg)
        order = np.lexsort((np.asarray(labels, dtype=str), -n_deals))
        part = pd.DataFrame(
            {
                "by": col,
                "value": np.repeat(np.asarray(labels, dtype=object)[order], k),
                "stage": np.tile(np.asarray(stages, dtype=object), n_seg),
                "entered": entered[order].ravel(),
                "advanced": advanced[order].ravel(),
                "conversion": _ratio(advanced[order].ravel(), entered[order].ravel()),
                "deals": np.repeat(n_deals[order], k),
                "won": np.repeat(n_won[order], k),
                "lost": np.repeat(n_lost[order], k),
                "win_rate": np.repeat(_ratio(n_won, n_won + n_lost)[order], k),
            }
        )
        parts.append(part)
    columns = ["by", "value", "stage", "entered", "advanced", "conversion", "deals", "won", "lost", "win_rate"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out = out.astype({"by": "str", "value": "str", "stage": "str"})
    out.attrs.update(missing_columns=[c for c in wanted if c not in t.frame], estimate=estimate)
    return out


def most_different_segment(seg_df: pd.DataFrame, min_deals: int = MIN_SEGMENT_DEALS) -> dict[str, Any] | None:
    """The segment value whose win rate differs most from the rest of its column.

    Compares, within each ``by`` column of a :func:`segment_funnel` frame, a value's win rate with the
    pooled win rate of the other values; only values with at least ``min_deals`` closed deals, and a rest
    with as many, are eligible. Returns ``{"by", "value", "deals", "closed", "win_rate", "rest_win_rate",
    "difference"}`` (difference = win_rate - rest_win_rate) or None when no value is eligible.
    """
    if seg_df.empty:
        return None
    s = seg_df.drop_duplicates(["by", "value"])[["by", "value", "deals", "won", "lost", "win_rate"]].copy()
    s["closed"] = s["won"] + s["lost"]
    totals = s.groupby("by")[["won", "closed"]].transform("sum")
    s["rest_closed"] = totals["closed"] - s["closed"]
    s["rest_win_rate"] = _ratio(totals["won"] - s["won"], s["rest_closed"])
    s["difference"] = s["win_rate"] - s["rest_win_rate"]
    s = s.loc[(s["closed"] >= min_deals) & (s["rest_closed"] >= min_deals) & s["difference"].notna()]
    if s.empty:
        return None
    best = s.loc[s["difference"].abs().idxmax()]
    return {
        "by": str(best["by"]),
        "value": str(best["value"]),
        "deals": int(best["deals"]),
        "closed": int(best["closed"]),
        "win_rate": float(best["win_rate"]),
        "rest_win_rate": float(best["rest_win_rate"]),
        "difference": float(best["difference"]),
    }


# =============================================================================
# 5. lost deals
# =============================================================================

_PUNCT = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def normalise_reason(text: object) -> str:
    """A lost reason in canonical form: "Price", "Competitor", ..., or the cleaned, capitalised text.

    Case, surrounding and repeated spaces and punctuation are ignored; known variants map through
    :data:`REASON_SYNONYMS`; empty or missing text is "(no reason)".
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):  # type: ignore[arg-type]
        return NO_REASON
    cleaned = _SPACES.sub(" ", _PUNCT.sub(" ", str(text).lower())).strip()
    if not cleaned:
        return NO_REASON
    return REASON_SYNONYMS.get(cleaned, cleaned[:1].upper() + cleaned[1:])


def _normalise_reasons(series: pd.Series) -> pd.Series:
    """normalise_reason over a column, computed once per distinct text."""
    raw = series.astype("string").fillna("")
    mapping = {v: normalise_reason(v) for v in raw.unique()}
    return raw.map(mapping).astype("str")


def _time_stats(days: pd.Series) -> dict[str, float]:
    d = days.dropna().to_numpy(dtype=float)
    if not len(d):
        return {"deals": 0, "median_days": math.nan, "p75_days": math.nan, "mean_days": math.nan}
    return {
        "deals": len(d),
        "median_days": float(np.median(d)),
        "p75_days": float(np.percentile(d, 75)),
        "mean_days": float(d.mean()),
    }


def lost_analysis(
    deals: pd.DataFrame, stage_history: pd.DataFrame | None, stages: Sequence[str], lost: str
) -> dict[str, pd.DataFrame]:
    """Lost deals by reason, by the stage they were lost at, and how long they took to lose.

    The stage a deal was lost at is its last open-stage entry in the stage history, else its current
    stage when that is an open stage, else "(unknown)". Returns a dict of frames:

    - ``"by_reason"``: reason (normalised, see :func:`normalise_reason`), deals, value (currency),
      share (of lost deals), value_share; most deals first
    - ``"by_stage"``: stage (every open stage in order, then "(unknown)" when any), deals, value, share
    - ``"time_to_loss"``: stage (each stage with losses, then "(all)"), deals, median_days, p75_days,
      mean_days (created -> closed)
    - ``"summary"``: one row: lost_deals, lost_value, no_reason_deals, no_reason_share, no_reason_value
    """
    stages = _open_stages(stages, None, lost)
    t = _deal_table(deals, None, lost)
    d = t.frame.loc[t.status == _LOST_S]
    amount = pd.Series(t.amount[t.status == _LOST_S], index=d.index)
    if "lost_reason" in d:
        reason = _normalise_reasons(d["lost_reason"])
    else:
        reason = pd.Series(NO_REASON, index=d.index, dtype="str")
    current = _text(t.frame["stage"]) if "stage" in t.frame else np.full(t.n, "", dtype=object)
    at_stage = np.where(np.isin(current, stages), current, "")
    if stage_history is not None and len(stage_history):
        e = _history_entries(stage_history, t, stages, "\0", lost)
        rows = np.flatnonzero(e.pos < e.k)
        last = rows[~_same_as_next(e.code[rows])]
        names = np.asarray(stages, dtype=object)
        at_stage[e.code[last]] = names[e.pos[last]]
    at_stage = pd.Series(at_stage[t.status == _LOST_S], index=d.index, dtype="str")
    at_stage = at_stage.replace("", UNKNOWN_STAGE)
    is_lost = t.status == _LOST_S
    days = pd.Series((t.closed[is_lost] - t.created[is_lost]) / _DAY, index=d.index).clip(lower=0)
    n = len(d)
    total_value = float(amount.sum())

    by_reason = (
        pd.DataFrame({"reason": reason, "value": amount})
        .groupby("reason", sort=False)["value"]
        .agg(deals="size", value="sum")
        .reset_index()
        .sort_values(["deals", "value", "reason"], ascending=[False, False, True], kind="stable")
        .reset_index(drop=True)
    )
    by_reason["share"] = _ratio(by_reason["deals"], n)
    by_reason["value_share"] = _ratio(by_reason["value"], total_value)

    order = stages + ([UNKNOWN_STAGE] if (at_stage == UNKNOWN_STAGE).any() else [])
    grouped = pd.DataFrame({"stage": at_stage, "value": amount}).groupby("stage")["value"]
    by_stage = pd.DataFrame({"stage": order})
    by_stage["deals"] = grouped.size().reindex(order, fill_value=0).to_numpy().astype(np.int64)
    by_stage["value"] = grouped.sum().reindex(order, fill_value=0.0).to_numpy(dtype=float)
    by_stage["share"] = _ratio(by_stage["deals"], n)

    time_rows = [{"stage": s, **_time_stats(days[at_stage == s])} for s in order if (at_stage == s).any()]
    time_rows.append({"stage": ALL, **_time_stats(days)})
    time_to_loss = pd.DataFrame(time_rows, columns=["stage", "deals", "median_days", "p75_days", "mean_days"])

    missing = reason == NO_REASON
    summary = pd.DataFrame(
        [
            {
                "lost_deals": n,
                "lost_value": total_value,
                "no_reason_deals": int(missing.sum()),
                "no_reason_share": float(missing.sum() / n) if n else math.nan,
                "no_reason_value": float(amount[missing].sum()),
            }
        ]
    )
    return {
        "by_reason": by_reason.astype({"reason": "str"}),
        "by_stage": by_stage.astype({"stage": "str"}),
        "time_to_loss": time_to_loss.astype({"stage": "str"}),
        "summary": summary,
    }


# =============================================================================
# 6. velocity
# =============================================================================

_VELOCITY_COLUMNS = [
    "period", "period_end", "open_deals", "won_deals", "lost_deals", "won_value",
    "win_rate", "avg_won", "median_cycle_days", "velocity",
]


def velocity(
    deals: pd.DataFrame, as_of: pd.Timestamp, freq: str = "MS", *, start: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Pipeline velocity per period (month by default), from ``start`` (default: the first deal's
    creation) up to ``as_of`` (exclusive; the last period is cut at ``as_of``).

    Columns: ``period`` (start), ``period_end`` (exclusive), ``open_deals`` (open at the period's end),
    ``won_deals``, ``lost_deals`` (closed in the period), ``won_value`` (currency), ``win_rate`` (won /
    closed in the period), ``avg_won`` (won_value / won_deals), ``median_cycle_days`` (created -> won, of
    the deals won in the period), ``velocity`` = open_deals x win_rate x avg_won / median_cycle_days
    (currency per day; NaN when a lever is missing or the cycle is 0).
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    t = _deal_table(deals, None, None)
    as_of = pd.Timestamp(as_of)
    first = pd.Timestamp(start) if start is not None else (pd.Timestamp(t.created.min()) if t.n else pd.NaT)
    if pd.isna(first) or first >= as_of:
        return pd.DataFrame(columns=_VELOCITY_COLUMNS)
    starts = pd.date_range(offset.rollback(first.normalize()), as_of, freq=offset)
    starts = starts[starts < as_of]
    s_ns = _ns(starts)
    e_ns = np.minimum(_ns(starts + offset), _ns([as_of])[0])
    closed_mask = ~np.isnat(t.closed)
    created_sorted = np.sort(t.created[~np.isnat(t.created)])
    closed_sorted = np.sort(t.closed[closed_mask])
    open_deals = np.searchsorted(created_sorted, e_ns, "left") - np.searchsorted(closed_sorted, e_ns, "left")

    n = len(starts)
    in_range = closed_mask & (t.closed >= s_ns[0]) & (t.closed < e_ns[-1])
    idx = np.searchsorted(s_ns, t.closed[in_range], "right") - 1
    st = t.status[in_range]
    amount = np.nan_to_num(t.amount[in_range])
    won = st == _WON_S
    won_deals = np.bincount(idx[won], minlength=n)
    lost_deals = np.bincount(idx[st == _LOST_S], minlength=n)
    won_value = np.bincount(idx[won], weights=amount[won], minlength=n)
    cycle = (t.closed[in_range][won] - t.created[in_range][won]) / _DAY
    med = pd.Series(cycle).groupby(idx[won]).median().reindex(range(n)).to_numpy(dtype=float)
    win_rate = _ratio(won_deals, won_deals + lost_deals)
    avg_won = _ratio(won_value, won_deals)
    vel = open_deals * win_rate * avg_won * _ratio(1.0, np.where(med > 0, med, 0.0))
    return pd.DataFrame(
        {
            "period": starts,
            "period_end": pd.DatetimeIndex(e_ns),
            "open_deals": open_deals.astype(np.int64),
            "won_deals": won_deals.astype(np.int64),
            "lost_deals": lost_deals.astype(np.int64),
            "won_value": won_value,
            "win_rate": win_rate,
            "avg_won": avg_won,
            "median_cycle_days": med,
            "velocity": vel,
        }
    )


def _half(v: pd.DataFrame) -> dict[str, float]:
    won = float(v["won_deals"].sum())
    closed = won + float(v["lost_deals"].sum())
    timed = v.loc[v["median_cycle_days"].notna()]
    weights = float(timed["won_deals"].sum())
    out = {
        "open_deals": float(v["open_deals"].mean()),
        "win_rate": won / closed if closed else math.nan,
        "avg_won": float(v["won_value"].sum()) / won if won else math.nan,
        "median_cycle_days": (
            float((timed["median_cycle_days"] * timed["won_deals"]).sum()) / weights if weights else math.nan
        ),
    }
    cyc = out["median_cycle_days"]
    out["velocity"] = out["open_deals"] * out["win_rate"] * out["avg_won"] / cyc if cyc and cyc > 0 else math.nan
    return out


def velocity_levers(vel_df: pd.DataFrame) -> pd.DataFrame:
    """How each lever of velocity changed between the first and the second half of the period.

    The periods of a :func:`velocity` frame are split in two (the second half gets the extra period when
    their number is odd). Per half: open_deals = mean of the periods, win_rate and avg_won pooled over the
    half's closed and won deals, median_cycle_days = the periods' medians weighted by won deals, velocity
    from those four. Rows: the four :data:`LEVERS`, then "velocity". Columns: ``lever``, ``first_half``,
    ``second_half``, ``change_pct`` (second / first - 1, in %), ``velocity_effect_pct`` (the change of
    velocity this lever alone causes, in %; for the cycle a rise lowers velocity), ``moved_most`` (True on
    the lever with the largest |ln(second / first)|, i.e. the largest effect on velocity).
    """
    columns = ["lever", "first_half", "second_half", "change_pct", "velocity_effect_pct", "moved_most"]
    v = vel_df.reset_index(drop=True)
    if len(v) < 2:
        return pd.DataFrame(columns=columns)
    h = len(v) // 2
    a, b = _half(v.iloc[:h]), _half(v.iloc[h:])
    names = [*LEVERS, "velocity"]
    first = np.array([a[x] for x in names])
    second = np.array([b[x] for x in names])
    ratio = _ratio(second, first)
    change = (ratio - 1) * 100
    effect = change.copy()
    effect[names.index("median_cycle_days")] = (_ratio(first, second)[names.index("median_cycle_days")] - 1) * 100
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.abs(np.log(ratio[: len(LEVERS)]))
    size = np.where(np.isfinite(size), size, -1.0)
    moved = np.zeros(len(names), dtype=bool)
    if (size >= 0).any():
        moved[int(np.argmax(size))] = True
    out = pd.DataFrame(
        {
            "lever": names,
            "first_half": first,
            "second_half": second,
            "change_pct": change,
            "velocity_effect_pct": effect,
            "moved_most": moved,
        }
    ).astype({"lever": "str"})
    out.attrs.update(
        first_half=(pd.Timestamp(v["period"].iloc[0]), pd.Timestamp(v["period"].iloc[h - 1])),
        second_half=(pd.Timestamp(v["period"].iloc[h]), pd.Timestamp(v["period"].iloc[-1])),
    )
    return out


# =============================================================================
# 7. leads
# =============================================================================


def lead_conversion(leads: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """Lead-to-deal conversion by lead source, with a final "(all)" row.

    A lead is converted when its ``deal_id`` is set and names a deal in ``deals``. Columns: ``source``
    (missing as "(none)"), ``leads``, ``converted``, ``conversion`` (converted / leads),
    ``median_days_to_deal`` (lead created -> deal created, converted leads only; negative when the deal
    predates the lead). Sources with most leads first.
    """
    t = _deal_table(deals, None, None)
    source = _text(leads["source"]) if "source" in leads else np.full(len(leads), "", dtype=object)
    source[source == ""] = NO_VALUE
    where = _lookup(t.index, leads["deal_id"]) if "deal_id" in leads else np.full(len(leads), -1)
    converted = where >= 0
    deal_created = np.where(converted, t.created[np.maximum(where, 0)], _NAT)
    days = (deal_created - _ns(leads["created_at"])) / _DAY
    frame = pd.DataFrame({"source": source, "converted": converted, "days": days})

    def summarise(g: pd.DataFrame) -> dict[str, Any]:
        n, c = len(g), int(g["converted"].sum())
        d = g["days"].to_numpy(dtype=float)
        d = d[~np.isnan(d)]
        return {
            "leads": n,
            "converted": c,
            "conversion": c / n if n else math.nan,
            "median_days_to_deal": float(np.median(d)) if len(d) else math.nan,
        }

    rows = [{"source": str(s), **summarise(g)} for s, g in frame.groupby("source", sort=True)]
    rows.sort(key=lambda r: -r["leads"])
    rows.append({"source": ALL, **summarise(frame)})
    columns = ["source", "leads", "converted", "conversion", "median_days_to_deal"]
    return pd.DataFrame(rows, columns=columns).astype({"source": "str"})


# =============================================================================
# 8. findings
# =============================================================================


def _slug(text: str) -> str:
    """A stable id part: lower case, runs of other characters as '-'."""
    return re.sub(r"[\W_]+", "-", str(text).lower()).strip("-") or "none"


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0%}"


def _money(x: float, currency: str) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:,.0f}{(' ' + currency) if currency else ''}"


def _bottleneck_findings(b: pd.DataFrame, currency: str) -> list[Finding]:
    cols = [c for c in ("stage", "entered", "conversion", "peer_conversion", "target_conversion", "median_days",
                        "peer_median_days", "lost", "stuck", "revenue_at_risk", "rank") if c in b]
    evidence = records(b[cols])
    top = b.attrs.get("top_stage")
    out = []
    for _, r in b.loc[b["is_bottleneck"]].iterrows():
        stage = str(r["stage"])
        most = " It costs the most of all bottlenecks." if stage == top else ""
        risk = f" Revenue at risk: {_money(r['revenue_at_risk'], currency)} (rank {r['rank']})." + most
        if r["is_conversion_bottleneck"]:
            has_target = not math.isnan(r["target_conversion"])
            ref = r["target_conversion"] if has_target else r["peer_conversion"]
            shortfall = 1 - r["conversion"] / ref if ref else 1.0
            bench = f"target {_pct(ref)}" if has_target else f"median conversion of the other stages ({_pct(ref)})"
            out.append(
                Finding(
                    id=f"process.bottleneck.conversion.{_slug(stage)}",
                    step=3,
                    area="process",
                    title=f"Conversion collapses at {stage}: {_pct(r['conversion'])} of entries advance, "
                    f"against {_pct(ref)}",
                    severity=severity_for(shortfall, CONVERSION_SEVERITY),
                    metric="stage_conversion",
                    value=r["conversion"],
                    target=ref,
                    benchmark=bench,
                    unit="share",
                    detail=f"{int(r['entered'])} entries into {stage}, {int(r['lost'])} lost there.{risk}",
                    action="process.fix_stage_conversion",
                    evidence=evidence,
                )
            )
        if r["is_time_bottleneck"]:
            out.append(
                Finding(
                    id=f"process.bottleneck.time.{_slug(stage)}",
                    step=3,
                    area="process",
                    title=f"Deals stall at {stage}: median {r['median_days']:.0f} days, "
                    f"against {r['peer_median_days']:.0f} at the other stages",
                    severity=severity_for(r["time_ratio"], TIME_SEVERITY),
                    metric="stage_median_days",
                    value=r["median_days"],
                    target=r["peer_median_days"],
                    benchmark="median of the other stages' median days in stage (Kaplan-Meier, open deals censored)",
                    unit="days",
                    detail=f"{r['time_ratio']:.1f} x the other stages; "
                    f"{int(r['stuck'])} open entries stuck there.{risk}",
                    action="process.unblock_stalled_stage",
                    evidence=evidence,
                )
            )
    return out


def _lost_findings(lost: Mapping[str, pd.DataFrame], target: float | None, currency: str) -> list[Finding]:
    out = []
    s = lost["summary"].iloc[0]
    by_reason = lost["by_reason"]
    share = float(s["no_reason_share"])
    limit = LOST_REASON_MISSING_MAX if target is None else float(target)
    if not math.isnan(share) and share > limit:
        out.append(
            Finding(
                id="process.lost_reason_missing",
                step=3,
                area="process",
                title=f"{_pct(share)} of lost deals have no lost reason",
                severity=severity_for(share, MISSING_REASON_SEVERITY),
                metric="lost_without_reason_share",
                value=share,
                target=limit,
                benchmark=(
                    "goal lost_without_reason_share" if target is not None else f"at most {_pct(limit)} (default)"
                ),
                unit="share",
                detail=f"{int(s['no_reason_deals'])} of {int(s['lost_deals'])} lost deals, "
                f"worth {_money(s['no_reason_value'], currency)}.",
                action="process.enforce_lost_reasons",
                evidence=records(by_reason),
            )
        )
    known = by_reason.loc[by_reason["reason"] != NO_REASON]
    if len(known):
        top = known.iloc[0]
        out.append(
            Finding(
                id="process.lost_reason.top",
                step=3,
                area="process",
                title=f"The most frequent lost reason is {top['reason']}: {_pct(top['share'])} of lost deals",
                severity="info",
                metric="lost_reason_share",
                value=float(top["share"]),
                benchmark="share of all lost deals",
                unit="share",
                detail=f"{int(top['deals'])} deals worth {_money(top['value'], currency)}.",
                action="process.address_top_loss_reason",
                evidence=records(by_reason),
            )
        )
    return out


def _segment_finding(seg_df: pd.DataFrame, min_deals: int) -> list[Finding]:
    best = most_different_segment(seg_df, min_deals)
    if best is None or abs(best["difference"]) < SEGMENT_MIN_DIFFERENCE:
        return []
    by, value = best["by"], best["value"]
    seg = seg_df.loc[seg_df["by"] == by].drop_duplicates("value")[["value", "deals", "won", "lost", "win_rate"]]
    better = "higher" if best["difference"] > 0 else "lower"
    return [
        Finding(
            id=f"process.segment.{_slug(by)}.{_slug(value)}",
            step=3,
            area="process",
            title=f"{by} '{value}' wins {_pct(best['win_rate'])} of closed deals, "
            f"{better} than the rest ({_pct(best['rest_win_rate'])})",
            severity=severity_for(abs(best["difference"]), SEGMENT_SEVERITY),
            metric="segment_win_rate",
            value=best["win_rate"],
            target=best["rest_win_rate"],
            benchmark=f"pooled win rate of the other {by} values",
            unit="share",
            detail=f"{best['closed']} closed of {best['deals']} deals; "
            f"difference {best['difference'] * 100:+.0f} points.",
            action="process.review_segment",
            evidence=records(seg),
        )
    ]


def _lever_finding(levers: pd.DataFrame) -> list[Finding]:
    moved = levers.loc[levers["moved_most"]]
    if moved.empty:
        return []
    r = moved.iloc[0]
    effect = float(r["velocity_effect_pct"]) / 100
    if math.isnan(effect) or abs(effect) < VELOCITY_LEVER_MIN_CHANGE:
        return []
    worse = effect < 0
    lever = str(r["lever"])
    unit = {"open_deals": "deals", "win_rate": "share", "avg_won": "currency", "median_cycle_days": "days"}[lever]
    return [
        Finding(
            id="process.velocity.lever",
            step=3,
            area="process",
            title=f"Velocity lever that moved most: {lever.replace('_', ' ')} ({r['change_pct']:+.0f}%), "
            f"{'costing' if worse else 'adding'} {abs(effect):.0%} of velocity",
            severity=severity_for(abs(effect), LEVER_SEVERITY) if worse else "info",
            metric=f"velocity_lever.{lever}",
            value=r["second_half"],
            target=r["first_half"],
            benchmark="the same lever in the first half of the period",
            unit=unit,
            detail="Velocity = open deals x win rate x average won deal / median cycle days; "
            "the lever with the largest relative change between the halves.",
            action=_LEVER_ACTIONS[lever],
            evidence=records(levers),
        )
    ]


def _lead_finding(leads_df: pd.DataFrame, target: float | None) -> list[Finding]:
    total = leads_df.loc[leads_df["source"] == ALL]
    if target is None or total.empty:
        return []
    conv = float(total["conversion"].iloc[0])
    if math.isnan(conv) or conv >= target:
        return []
    return [
        Finding(
            id="process.lead_conversion",
            step=3,
            area="process",
            title=f"{_pct(conv)} of leads become deals, against a target of {_pct(target)}",
            severity=severity_for(1 - conv / target, LEAD_CONVERSION_SEVERITY),
            metric="lead_to_deal_conversion",
            value=conv,
            target=target,
            benchmark="goal lead_to_deal_conversion",
            unit="share",
            action="process.improve_lead_conversion",
            evidence=records(leads_df),
        )
    ]


def process_findings(
    *,
    funnel_df: pd.DataFrame | None = None,
    bottlenecks_df: pd.DataFrame | None = None,
    lost: Mapping[str, pd.DataFrame] | None = None,
    segments_df: pd.DataFrame | None = None,
    levers_df: pd.DataFrame | None = None,
    leads_df: pd.DataFrame | None = None,
    lost_reason_target: float | None = None,
    lead_conversion_target: float | None = None,
    currency: str = "",
    min_segment_deals: int = MIN_SEGMENT_DEALS,
) -> list[Finding]:
    """The step-3 findings from the outputs of this module's functions (each optional).

    Pass plain values: the frames returned by :func:`funnel`, :func:`bottlenecks`, :func:`lost_analysis`
    (the dict), :func:`segment_funnel`, :func:`velocity_levers`, :func:`lead_conversion`; the goal targets
    ``lost_reason_target`` (``params.target("lost_without_reason_share")``, else
    :data:`LOST_REASON_MISSING_MAX`) and ``lead_conversion_target`` (no finding without it); the
    ``currency`` code for the texts. Ids are stable: ``process.funnel_estimate``,
    ``process.bottleneck.conversion.<stage>``, ``process.bottleneck.time.<stage>``,
    ``process.lost_reason_missing``, ``process.lost_reason.top``, ``process.segment.<by>.<value>``,
    ``process.velocity.lever``, ``process.lead_conversion`` (slugs: lower case, '-' for other characters).
    Action keys are listed in :data:`ACTIONS`.
    """
    out: list[Finding] = []
    if funnel_df is not None and funnel_df.attrs.get("estimate"):
        out.append(
            Finding(
                id="process.funnel_estimate",
                step=3,
                area="process",
                title="No stage history: the funnel is estimated from each deal's current stage",
                severity="info",
                metric="funnel_source",
                value=None,
                benchmark="a funnel read from stage history",
                detail="Stage times, skips and moves back cannot be measured; conversions assume every "
                "deal passed each stage before its current one.",
                action="process.record_stage_history",
                evidence=records(funnel_df[["stage", "entered", "conversion"]]),
            )
        )
    if bottlenecks_df is not None and len(bottlenecks_df):
        out.extend(_bottleneck_findings(bottlenecks_df, currency))
    if lost is not None and int(lost["summary"]["lost_deals"].iloc[0]):
        out.extend(_lost_findings(lost, lost_reason_target, currency))
    if segments_df is not None and len(segments_df):
        out.extend(_segment_finding(segments_df, min_segment_deals))
    if levers_df is not None and len(levers_df):
        out.extend(_lever_finding(levers_df))
    if leads_df is not None and len(leads_df):
        out.extend(_lead_finding(leads_df, lead_conversion_target))
    return out
