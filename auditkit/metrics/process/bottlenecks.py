"""Bottlenecks: stages that leak or stall, ranked by the revenue they put at risk.

Reads the :func:`~.funnel.funnel` (deals created in the period), the stage
times and the KPI ``avg_won_deal`` (deals won in the period). On a funnel that
is an estimate (no stage history) nothing is flagged: the data cannot say
where deals leak or stall.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...kpis import evaluate
from ._common import ratio, with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

#: With a conversion target, a stage is a conversion bottleneck when its conversion is below target minus this.
CONVERSION_TARGET_MARGIN = 0.10
#: Without a target, a stage is a conversion bottleneck below this fraction of the other stages' median conversion.
CONVERSION_PEER_RATIO = 0.6
#: A stage is a time bottleneck when its Kaplan-Meier median days exceed this multiple of the other stages' median.
TIME_PEER_RATIO = 2.5
#: Neither rule judges a stage with fewer than this many entries that have left it (conversion) or
#: entries timed (time): too few to judge.
MIN_STAGE_ENTRIES = 10
#: A still-open entry is "stuck" when it has been in its stage longer than this multiple of the peer median days.
STUCK_PEER_RATIO = 2.0

FLAG_RULES = (
    f"A stage is a conversion bottleneck when its conversion (advanced / entries that have left the stage) is "
    f"more than {CONVERSION_TARGET_MARGIN:.0%} (absolute) below its target, or, without a target, below "
    f"{CONVERSION_PEER_RATIO:g} x the median conversion of the other stages; at least {MIN_STAGE_ENTRIES} entries "
    f"must have left the stage. It is a time bottleneck when its Kaplan-Meier median time in stage is more than "
    f"{TIME_PEER_RATIO:g} x the median of the other stages' medians, with at least {MIN_STAGE_ENTRIES} entries."
)
REVENUE_AT_RISK_RULE = (
    f"Revenue at risk = (entries lost at the stage + open entries older than {STUCK_PEER_RATIO:g} x the peer "
    f"median days) x the average won deal x the win rate from the next stage."
)
#: The rules, in words (the revenue sentence only applies when the average won deal is available).
BOTTLENECK_RULES = f"{FLAG_RULES} {REVENUE_AT_RISK_RULE}"

NOT_JUDGED_ON_ESTIMATE = (
    "No stage is judged: without stage history the funnel is an estimate from each deal's current stage, "
    "which cannot show where deals leak or stall."
)

BOTTLENECK_UNITS: dict[str, str] = {
    "entered": "count", "in_progress": "count", "left": "count", "lost": "count", "stuck": "count",
    "timed_entries": "count",
    **dict.fromkeys(["conversion", "target_conversion", "peer_conversion", "conversion_gap", "downstream_win_rate"], "share"),
    "median_days": "days", "peer_median_days": "days", "time_ratio": "number", "revenue_at_risk": "money",
    "rank": "count",
}


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
    frame: "AuditFrame",
    funnel_df: pd.DataFrame,
    time_summary: pd.DataFrame | None = None,
    durations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Stages that leak or stall, ranked by the revenue they cost (see :data:`BOTTLENECK_RULES`).

    ``funnel_df`` is a :func:`funnel` frame, ``time_summary`` a :func:`stage_time_summary` frame (None or
    empty: no time rule), ``durations`` a :func:`stage_durations` frame (needed to count stuck entries;
    without it ``stuck`` is 0). Conversion targets come from ``params.pipeline.conversion_targets``; the
    average won deal is the KPI ``avg_won_deal``: when it is not available, ``revenue_at_risk`` is NaN.

    One row per open stage. Columns: ``stage``, ``entered``, ``in_progress``, ``left`` (counts),
    ``conversion``, ``target_conversion`` (NaN when none), ``peer_conversion`` (median of the other stages),
    ``conversion_gap`` (conversion minus the target, or minus the peer median without one; negative = below;
    all shares), ``timed_entries``, ``median_days``, ``peer_median_days`` (days), ``time_ratio`` (median /
    peer median), ``lost`` (NaN when no lost deal's stage is known), ``stuck`` (counts), ``downstream_win_rate`` (win rate from the next stage; 1 after
    the last open stage), ``revenue_at_risk`` (money), ``is_conversion_bottleneck``, ``is_time_bottleneck``,
    ``is_bottleneck``, ``rank`` (1 = the bottleneck costing most; <NA> for the others).

    ``attrs``: top_stage (rank 1 or None), avg_won (money, NaN when not available), avg_won_reason (None when
    available), estimate, mode, judged (False on an estimate), reason (why nothing was judged), rules (in words;
    without the revenue sentence when the average won deal is not available), units.
    """
    stages = list(frame.params.pipeline.open_stages)
    f = funnel_df.loc[funnel_df["stage"].astype(str).isin(stages)].reset_index(drop=True)
    names = f["stage"].astype(str).tolist()
    estimate = bool(funnel_df.attrs.get("estimate", False))
    left = f["left"].to_numpy(dtype=float)
    conv = f["conversion"].to_numpy(dtype=float)
    targets_map = frame.params.pipeline.conversion_targets or {}
    targets = np.array([float(targets_map.get(s, math.nan)) for s in names])
    has_target = ~np.isnan(targets)
    peer_conv = _peer_median(conv)
    reference = np.where(has_target, targets, peer_conv)
    conv_flag = np.where(has_target, conv < targets - CONVERSION_TARGET_MARGIN, conv < CONVERSION_PEER_RATIO * peer_conv)
    conv_flag &= left >= MIN_STAGE_ENTRIES

    if time_summary is not None and len(time_summary):
        ts = time_summary.assign(stage=time_summary["stage"].astype(str)).set_index("stage").reindex(names)
        median = ts["median_days"].to_numpy(dtype=float)
        timed = ts["entries"].fillna(0).to_numpy(dtype=float)
    else:
        median = np.full(len(names), np.nan)
        timed = np.zeros(len(names))
    peer_median = _peer_median(median)
    time_flag = (median > TIME_PEER_RATIO * peer_median) & (timed >= MIN_STAGE_ENTRIES)

    stuck = np.zeros(len(names), dtype=np.int64)
    if durations is not None and len(durations):
        open_ = durations.loc[durations["censored"].astype(bool)]
        where = pd.Index(names).get_indexer(open_["stage"].astype(str))
        limit = np.where(where >= 0, STUCK_PEER_RATIO * peer_median[where], np.nan)
        over = (open_["days"].to_numpy(dtype=float) > limit) & (where >= 0)
        stuck = np.bincount(where[over], minlength=len(names))

    if estimate:
        conv_flag = np.zeros(len(names), dtype=bool)
        time_flag = np.zeros(len(names), dtype=bool)

    avg = evaluate(frame, "avg_won_deal")
    avg_won = avg.value if avg.value is not None else math.nan
    wr = f["win_rate_from_stage"].to_numpy(dtype=float)
    downstream = np.r_[wr[1:], 1.0] if len(wr) else wr
    lost_n: np.ndarray = f["lost"].to_numpy(dtype=np.int64)
    if f.attrs.get("lost_at_unknown_stage", 0) and not lost_n.sum():
        # no lost deal's stage is known (no stage history, every lost deal at the lost stage): a zero would
        # claim that no deal was lost at the stage, and the money at risk would rest on it
        lost_n = np.full(len(names), np.nan)
    risk = (lost_n + stuck) * avg_won * downstream

    out = pd.DataFrame(
        {
            "stage": pd.array(names, dtype="str"),
            "entered": f["entered"].to_numpy(dtype=np.int64),
            "in_progress": f["in_progress"].to_numpy(dtype=np.int64),
            "left": f["left"].to_numpy(dtype=np.int64),
            "conversion": conv,
            "target_conversion": targets,
            "peer_conversion": peer_conv,
            "conversion_gap": conv - reference,
            "timed_entries": timed.astype(np.int64),
            "median_days": median,
            "peer_median_days": peer_median,
            "time_ratio": ratio(median, peer_median),
            "lost": lost_n,
            "stuck": stuck.astype(np.int64),
            "downstream_win_rate": downstream,
            "revenue_at_risk": risk,
            "is_conversion_bottleneck": conv_flag.astype(bool),
            "is_time_bottleneck": time_flag.astype(bool),
        }
    )
    out["is_bottleneck"] = out["is_conversion_bottleneck"] | out["is_time_bottleneck"]
    ranked = out.loc[out["is_bottleneck"]].sort_values("revenue_at_risk", ascending=False, na_position="last", kind="stable")
    rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
    rank.loc[ranked.index] = np.arange(1, len(ranked) + 1)
    out["rank"] = rank
    return with_units(
        out,
        BOTTLENECK_UNITS,
        top_stage=str(ranked["stage"].iloc[0]) if len(ranked) else None,
        avg_won=avg_won,
        avg_won_reason=avg.reason(frame.lang),
        estimate=estimate,
        mode=funnel_df.attrs.get("mode", "any"),
        judged=not estimate,
        reason=NOT_JUDGED_ON_ESTIMATE if estimate else None,
        rules=BOTTLENECK_RULES if avg.value is not None else FLAG_RULES,
    )
