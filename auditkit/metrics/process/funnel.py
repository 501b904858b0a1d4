"""The funnel: every entry into a stage accounted for, conversion over the entries that have left.

Population: the deals created in the period (``deals_created``, the cohort
view) with their stage entries before ``as_of``. A deal won after the period's
end is open at ``as_of``: it is still in its stage, not won.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ._common import UNKNOWN_STAGE, at_least, ratio, with_units
from .entries import ADVANCED, FUNNEL_OUTCOMES, IN_PROGRESS, LOST, WON, stage_entries

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

FunnelMode = Literal["any", "strict"]

#: Columns of :func:`funnel`, in order.
FUNNEL_COLUMNS: tuple[str, ...] = (
    "stage",
    "entered",
    "deals",
    *FUNNEL_OUTCOMES,
    "left",
    "conversion",
    "reached",
    "cumulative_conversion",
    "win_rate_from_stage",
)

#: Units of the funnel's columns.
FUNNEL_UNITS: dict[str, str] = {
    **dict.fromkeys(["entered", "deals", *FUNNEL_OUTCOMES, "left", "reached"], "count"),
    "conversion": "share",
    "cumulative_conversion": "share",
    "win_rate_from_stage": "share",
}

#: One-line labels of the funnel modes, for the report.
FUNNEL_MODE_LABELS: dict[str, str] = {
    "any": "any: a deal counts for every stage it reached; stages it skipped count as passed through",
    "strict": "strict: only deals that passed every stage in order (no skip, no move back) are counted",
    "estimate": "estimate: no stage history; each deal is assumed to have passed every stage before its current "
    "one, so no conversion is claimed",
}

ESTIMATE_REASON = (
    "not available, because there is no stage history: the funnel is an estimate from each deal's current stage"
)


def _check_mode(mode: str) -> None:
    if mode not in ("any", "strict"):
        raise ValueError(f"funnel mode must be 'any' or 'strict', not {mode!r}")


def funnel(frame: "AuditFrame", mode: FunnelMode | None = None) -> pd.DataFrame:
    """The funnel of the deals created in the period: one row per open stage, in pipeline order.

    Columns (counts are stage *entries* unless said otherwise; units in ``attrs["units"]``):

    - ``stage``; ``entered``: entries into the stage (a deal that moves back and re-enters counts twice);
      ``deals``: distinct deals that entered it
    - where each entry went next: ``advanced`` (the next stage; the won stage after the last open stage),
      ``skipped_ahead`` (a later stage beyond the next, or won from a stage other than the last),
      ``moved_back`` (an earlier stage), ``lost`` (the lost stage), ``in_progress`` (still in the stage
      at ``as_of``); the five add up to ``entered``
    - ``left``: entries that have left the stage (entered - in_progress)
    - ``conversion`` (share): advanced / left, NaN when no entry has left. Entries still in the stage have
      not converted nor failed to: ten entries, two advanced and eight in progress is 100 %, not 20 %.
    - ``reached`` (count of deals): deals that reached the stage or a later one (a skipped stage counts as
      passed through)
    - ``cumulative_conversion`` (share): of the deals that reached the first stage, leaving out those still
      in progress at this stage or before, the share that got past this one (won, after the last)
    - ``win_rate_from_stage`` (share): won / (won + lost) at ``as_of`` among the deals that reached the stage

    ``mode`` (default ``params.pipeline.funnel_mode``): "any" counts every deal; "strict" only the deals
    whose history is stage 1, 2, 3, ... in order (``attrs["excluded_deals"]`` says how many were left out).

    Without stage history the funnel is the current-stage estimate (``attrs["estimate"]`` True): the counts
    follow the assumption that every deal passed each stage before its current one, ``conversion``,
    ``cumulative_conversion`` and ``win_rate_from_stage`` are NaN (the data cannot say them), ``lost``
    counts only lost deals whose current stage is an open stage (the export says where they were lost),
    and the lost deals whose stage is not known are a last row, stage "(unknown)", also in
    ``attrs["lost_at_unknown_stage"]``; this matches :func:`lost_analysis`'s by-stage table for the same deals.

    ``attrs``: mode, estimate, label, population, funnel_deals, excluded_deals, won_stage_reached,
    lost_at_unknown_stage, reason (why conversions are NaN, on an estimate), the history counts of
    :mod:`.entries` (unknown_stage_rows, ...), units.
    """
    mode = mode or frame.params.pipeline.funnel_mode
    _check_mode(mode)
    e = stage_entries(frame)
    t, k = e.deals, e.k
    in_pop = t.member("deals_created")
    keep = e.has_entries & in_pop
    if mode == "strict" and not e.estimate:
        keep &= ~e.strict_violations()
    sel = keep[e.code]
    rows = sel & (e.pos < k)
    p, o = e.pos[rows], e.outcome[rows]
    counts = np.bincount(p * 5 + o, minlength=k * 5).reshape(k, 5)
    entered = counts.sum(axis=1)
    pairs = np.bincount(e.code[rows] * k + p, minlength=t.n * k) > 0
    distinct = pairs.reshape(t.n, k).sum(axis=0)
    left = entered - counts[:, IN_PROGRESS]
    mp = e.max_pos(sel)
    inside = mp >= 0
    reached = at_least(mp[inside], k + 1)
    won_r = at_least(mp[inside & (t.status == WON)], k + 1)
    lost_r = at_least(mp[inside & (t.status == LOST)], k + 1)
    # a deal still open whose furthest stage is i or earlier has not yet passed stage i, nor failed to
    still_open = inside & (t.status != WON) & (t.status != LOST)
    undecided = np.cumsum(np.bincount(np.minimum(mp[still_open], k), minlength=k + 1))[:k]
    df = pd.DataFrame(
        {
            "stage": pd.array(e.stages, dtype="str"),
            "entered": entered,
            "deals": distinct,
            **{name: counts[:, i] for i, name in enumerate(FUNNEL_OUTCOMES)},
            "left": left,
            "conversion": ratio(counts[:, ADVANCED], left),
            "reached": reached[:k],
            "cumulative_conversion": ratio(reached[1:], reached[0] - undecided),
            "win_rate_from_stage": ratio(won_r[:k], won_r[:k] + lost_r[:k]),
        }
    )
    unknown_lost = int((in_pop & (t.status == LOST) & (e.lost_at < 0)).sum()) if e.estimate else 0
    attrs = dict(e.info)
    attrs.update(
        mode="any" if e.estimate else mode,
        estimate=e.estimate,
        label=FUNNEL_MODE_LABELS["estimate" if e.estimate else mode],
        population="deals_created",
        funnel_deals=int(inside.sum()),
        excluded_deals=int((e.has_entries & in_pop & ~keep).sum()),
        deals_without_history=int(in_pop.sum()) if e.estimate else int((in_pop & ~e.has_entries).sum()),
        won_stage_reached=int(reached[k]),
        lost_at_unknown_stage=unknown_lost,
        reason=ESTIMATE_REASON if e.estimate else None,
    )
    if e.estimate:
        df[["conversion", "cumulative_conversion", "win_rate_from_stage"]] = np.nan
        if unknown_lost:
            row = dict.fromkeys(FUNNEL_COLUMNS, 0) | {
                "stage": UNKNOWN_STAGE, "entered": unknown_lost, "deals": unknown_lost, "lost": unknown_lost,
                "left": unknown_lost, "reached": unknown_lost, "conversion": np.nan, "cumulative_conversion": np.nan,
                "win_rate_from_stage": np.nan,
            }
            df = pd.concat([df, pd.DataFrame([row])], ignore_index=True).astype({"stage": "str"})
    check_funnel_accounting(df)
    return with_units(df, FUNNEL_UNITS, **attrs)


def check_funnel_accounting(df: pd.DataFrame) -> None:
    """Raise ValueError naming every stage whose five outcome columns do not add up to ``entered``."""
    total = df[list(FUNNEL_OUTCOMES)].sum(axis=1)
    bad = df.loc[total != df["entered"]]
    if len(bad):
        detail = "; ".join(
            f"{r.stage}: entered {r.entered} but outcomes add up to {int(total[i])}" for i, r in bad.iterrows()
        )
        raise ValueError(f"funnel accounting does not add up at {len(bad)} stage(s): {detail}")
