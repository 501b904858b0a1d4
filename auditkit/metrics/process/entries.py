"""The deal table and its stage entries, parsed once per audit frame.

:func:`stage_entries` reads the frame's deals and stage history (both already scoped
to the as-of moment: an entry at or after ``as_of`` is not seen, a deal won or
lost later is open) and returns a :class:`StageEntries`, which every step-3
metric reads. It is cached on the frame, so the history is parsed once however
many metrics run.

Stage positions: ``0 .. k-1`` are the pipeline's open stages in order
(``params.pipeline.open_stages``), ``k`` the won stage, ``k+1`` the lost stage.

The stage history is read as follows: rows whose stage is not in the pipeline
are ignored (``unknown_stage_rows``), rows without a date are ignored
(``undated_rows``), rows of deals missing from ``deals`` are ignored
(``orphan_rows``), a stage repeated in consecutive rows is one entry (the first;
``collapsed_repeats``), and a deal won or lost before ``as_of`` whose history
does not end in the won or lost stage gets an implied final entry into it at
``closed_at`` (``implied_terminal_entries``). The counts are in ``info``.

Without stage history (no table, or no row before ``as_of``) the entries are the
**current-stage estimate**: each deal is assumed to have passed every stage
before its current one (an open deal is still at its current stage, a won deal
passed every stage, a lost deal whose current stage is an open stage was lost
there). A lost deal whose stage is the lost stage itself has no entry: the
export does not say where it was lost, and the metrics count it as lost at an
unknown stage. ``StageEntries.estimate`` is then True and the metrics make no
conversion claim from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...io.vector import lex_order
from ._common import NAT, lookup, ns, same_as_next, same_as_prev, text

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

#: Status codes of :attr:`DealTable.status`.
OPEN, WON, LOST, UNKNOWN_STATUS = 0, 1, 2, -1
#: The populations whose membership :attr:`DealTable.members` holds (see :data:`auditkit.frame.POPULATIONS`).
DEAL_POPULATIONS: tuple[str, ...] = ("deals_created", "deals_closed", "deals_won", "deals_lost", "deals_open_at_end")
#: Where each stage entry went next; the five always add up to the stage's entries.
FUNNEL_OUTCOMES: tuple[str, ...] = ("advanced", "skipped_ahead", "moved_back", "lost", "in_progress")
ADVANCED, SKIPPED, MOVED_BACK, LOST_OUT, IN_PROGRESS = range(5)

_CACHE_KEY = "_process_stage_entries"


@dataclass(frozen=True)
class DealTable:
    """The frame's deals (every deal created before ``as_of``, one row each, in ``frame.deals`` order)
    reduced to arrays: status code, created, closed (NaT unless won or lost), amount (currency, NaN when
    missing), current stage position (-1 when not a pipeline stage) and population membership."""

    frame: pd.DataFrame
    status: np.ndarray
    created: np.ndarray
    closed: np.ndarray
    amount: np.ndarray
    stage: np.ndarray
    members: dict[str, np.ndarray] = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.frame)

    @cached_property
    def index(self) -> pd.Index:
        """deal_id of each row (string)."""
        return pd.Index(self.frame["deal_id"].astype("str"), dtype="str")

    def member(self, population: str) -> np.ndarray:
        """Per deal: True when it belongs to ``population`` (one of :data:`DEAL_POPULATIONS`)."""
        return self.members[population]


def stage_positions(names: pd.Series, stages: list[str], won: str, lost: str) -> np.ndarray:
    """Stage names as positions (float; NaN for names not in the pipeline)."""
    k = len(stages)
    mapping = {s: float(i) for i, s in enumerate(stages)} | {won: float(k), lost: float(k + 1)}
    codes, uniques = pd.factorize(names)
    lut = np.array([mapping.get(str(u).strip(), np.nan) for u in uniques] + [np.nan], dtype=float)
    return lut[codes]


def deal_table(frame: "AuditFrame") -> DealTable:
    """The frame's deals as a :class:`DealTable` (see there)."""
    pipe = frame.params.pipeline
    stages = list(pipe.open_stages)
    d = frame.deals
    st = text(d["status"], lower=True)
    status = np.select([st == "open", st == "won", st == "lost"], [OPEN, WON, LOST], UNKNOWN_STATUS).astype(np.int64)
    closed = ns(d["closed_at"])
    sp = stage_positions(d["stage"], stages, pipe.won, pipe.lost)
    members = {name: frame.in_population(name) for name in DEAL_POPULATIONS}
    return DealTable(
        frame=d,
        status=status,
        created=ns(d["created_at"]),
        closed=np.where((status == WON) | (status == LOST), closed, NAT),
        amount=d["amount"].to_numpy(dtype=float, na_value=np.nan),
        stage=np.where(np.isnan(sp), -1, sp).astype(np.int64),
        members=members,
    )


@dataclass(frozen=True)
class StageEntries:
    """Stage entries of the frame's deals, sorted by deal then time.

    ``code`` is the deal's row in :attr:`deals`, ``pos`` the stage position (see the module docstring),
    ``at`` the entry time (NaT in the estimate). ``estimate`` is True when there is no stage history.
    """

    deals: DealTable
    stages: tuple[str, ...]
    code: np.ndarray
    pos: np.ndarray
    at: np.ndarray
    estimate: bool
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of open stages."""
        return len(self.stages)

    @cached_property
    def next_pos(self) -> np.ndarray:
        """Position of the deal's next entry; -1 after its last."""
        return np.where(same_as_next(self.code), np.roll(self.pos, -1), -1)

    @cached_property
    def next_at(self) -> np.ndarray:
        """Time of the deal's next entry; NaT after its last."""
        return np.where(same_as_next(self.code), np.roll(self.at, -1), NAT)

    @cached_property
    def outcome(self) -> np.ndarray:
        """Where each entry went next: an index into :data:`FUNNEL_OUTCOMES` (meaningful for open stages)."""
        pos, nxt, k = self.pos, self.next_pos, self.k
        out = np.full(len(pos), IN_PROGRESS)
        has = nxt >= 0
        out[has & (nxt == k + 1)] = LOST_OUT
        out[has & (nxt == pos + 1)] = ADVANCED
        out[has & (nxt > pos + 1) & (nxt <= k)] = SKIPPED
        out[has & (nxt < pos)] = MOVED_BACK
        return out

    @cached_property
    def has_entries(self) -> np.ndarray:
        """Per deal: True when it has at least one entry."""
        out = np.zeros(self.deals.n, dtype=bool)
        out[self.code] = True
        return out

    def strict_violations(self) -> np.ndarray:
        """Per deal: True when its entries are not stage 0, 1, 2, ... in order (then optionally won or lost)."""
        code, pos, k = self.code, self.pos, self.k
        first = ~same_as_prev(code)
        prev = np.roll(pos, 1)
        valid = np.where(first, pos == 0, (prev < k) & ((pos == prev + 1) | (pos == k + 1)))
        bad = np.zeros(self.deals.n, dtype=bool)
        bad[code[~valid]] = True
        return bad

    def max_pos(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Per deal: the furthest position reached among ``rows`` (entry mask; all by default); won = k, the
        lost stage does not count; -1 when none."""
        m = self.pos <= self.k
        if rows is not None:
            m &= rows
        out = np.full(self.deals.n, -1, dtype=np.int64)
        np.maximum.at(out, self.code[m], self.pos[m])
        return out

    @cached_property
    def lost_at(self) -> np.ndarray:
        """Per deal: the open-stage position a lost deal was lost at, -1 when unknown (or not lost).

        From the stage history, the deal's last open-stage entry; for a deal without history (and in the
        estimate), its current stage when that is an open stage, as the export states it; otherwise unknown.
        """
        t, k = self.deals, self.k
        out = np.where((t.stage >= 0) & (t.stage < k), t.stage, -1)
        if not self.estimate:
            rows = np.flatnonzero(self.pos < k)
            last = rows[~same_as_next(self.code[rows])]
            out[self.code[last]] = self.pos[last]
        return np.where(t.status == LOST, out, -1)


def _history_entries(history: pd.DataFrame, t: DealTable, stages: list[str], won: str, lost: str) -> StageEntries:
    k = len(stages)
    pos = stage_positions(history["stage"], stages, won, lost)
    code = lookup(t.index, history["deal_id"])
    at = ns(history["entered_at"])
    unknown = np.isnan(pos)
    orphan = code < 0
    undated = np.isnat(at)
    keep = ~unknown & ~orphan & ~undated
    info: dict[str, Any] = {
        "unknown_stage_rows": int(unknown.sum()),
        "unknown_stages": sorted(set(text(history["stage"][unknown]).tolist()) - {""}) if unknown.any() else [],
        "orphan_rows": int((orphan & ~unknown).sum()),
        "undated_rows": int((undated & ~unknown & ~orphan).sum()),
    }
    code, pos, at = code[keep], pos[keep].astype(np.int64), at[keep]
    # entries of one deal at the same moment (exports with dates only) follow the pipeline's order, so the
    # result never depends on the order of the file's rows
    order = lex_order((pos, at.view(np.int64), code))
    code, pos, at = code[order], pos[order], at[order]
    repeat = same_as_prev(code) & same_as_prev(pos)
    info["collapsed_repeats"] = int(repeat.sum())
    code, pos, at = code[~repeat], pos[~repeat], at[~repeat]
    # the implied final entry into won/lost of a deal closed before as_of whose history stops at an open stage
    closed = (t.status == WON) | (t.status == LOST)
    need = ~same_as_next(code) & (pos < k) & closed[code]
    add_code = code[need]
    add_pos = np.where(t.status[add_code] == WON, k, k + 1)
    info["implied_terminal_entries"] = int(need.sum())
    code = np.concatenate([code, add_code])
    pos = np.concatenate([pos, add_pos]).astype(np.int64)
    at = np.concatenate([at, t.closed[add_code]])
    order = np.argsort(code, kind="stable")
    entries = StageEntries(t, tuple(stages), code[order], pos[order], at[order], False, info)
    info["deals_without_history"] = int((~entries.has_entries).sum())
    return entries


def _estimate_entries(t: DealTable, stages: list[str]) -> StageEntries:
    """Synthetic entries: every open stage up to the current one, then the won or lost stage for closed deals."""
    k = len(stages)
    open_stage = (t.stage >= 0) & (t.stage < k)
    last = np.full(t.n, -1, dtype=np.int64)  # last open stage entered
    last[t.status == WON] = k - 1
    keep = ((t.status == OPEN) | (t.status == LOST)) & open_stage
    last[keep] = t.stage[keep]
    deals = np.flatnonzero(last >= 0)
    n_open = last[deals] + 1
    code = np.repeat(deals, n_open)
    starts = np.repeat(np.cumsum(n_open) - n_open, n_open)
    pos = np.arange(len(code)) - starts
    closed = deals[t.status[deals] != OPEN]
    term = np.where(t.status[closed] == WON, k, k + 1)
    code = np.concatenate([code, closed])
    pos = np.concatenate([pos, term]).astype(np.int64)
    order = np.argsort(code, kind="stable")
    info = {
        "deals_without_history": int(t.n),
        "lost_at_unknown_stage": int(((t.status == LOST) & ~open_stage).sum()),
        "unknown_stage_deals": int(((t.status == OPEN) & ~open_stage).sum()),
        "unknown_status_deals": int((t.status == UNKNOWN_STATUS).sum()),
    }
    return StageEntries(t, tuple(stages), code[order], pos[order], np.full(len(code), NAT), True, info)


def parse_entries(frame: "AuditFrame") -> StageEntries:
    """Parse the frame's stage history (or build the current-stage estimate); prefer :func:`stage_entries`."""
    pipe = frame.params.pipeline
    stages = list(pipe.open_stages)
    t = deal_table(frame)
    history = frame.table("stage_history")
    if history is None or len(history) == 0:
        return _estimate_entries(t, stages)
    return _history_entries(history, t, stages, pipe.won, pipe.lost)


def stage_entries(frame: "AuditFrame") -> StageEntries:
    """The frame's :class:`StageEntries`, parsed on the first call and cached on the frame."""
    cached = frame.__dict__.get(_CACHE_KEY)
    if cached is None:
        cached = parse_entries(frame)
        frame.__dict__[_CACHE_KEY] = cached
    return cached
