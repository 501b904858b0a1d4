"""Segments: stage conversion and win rate per source, product, team or region.

Stage conversion per segment: the deals created in the period
(``deals_created``) with their stage entries, as in the funnel. Win rate per
segment: the deals closed in the period (``deals_closed``), as the KPI
``win_rate``; pooled over a column's values it is that KPI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._common import NO_VALUE, ratio, text, with_units
from .entries import ADVANCED, IN_PROGRESS, stage_entries
from .funnel import ESTIMATE_REASON

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

#: Columns :func:`segment_funnel` splits by (those the export has).
SEGMENT_COLUMNS: tuple[str, ...] = ("source", "product", "team", "region")
#: A segment value is compared only with at least this many closed deals, in it and in the rest.
MIN_SEGMENT_DEALS = 30
#: A segment's win rate must differ from the rest by at least this much (absolute) to become a finding.
SEGMENT_MIN_DIFFERENCE = 0.10

SEGMENT_COLUMNS_OUT: tuple[str, ...] = (
    "by", "value", "stage", "entered", "advanced", "in_progress", "left", "conversion",
    "deals", "closed", "won", "lost", "win_rate",
)
SEGMENT_UNITS: dict[str, str] = {
    **dict.fromkeys(["entered", "advanced", "in_progress", "left", "deals", "closed", "won", "lost"], "count"),
    "conversion": "share", "win_rate": "share",
}


def segment_funnel(frame: "AuditFrame", by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Stage conversion and win rate per segment value, for each column in ``by`` the export has.

    ``by`` defaults to :data:`SEGMENT_COLUMNS`. One row per (by, value, stage). Columns: ``by`` (the
    column), ``value`` (missing values as "(none)"), ``stage``, ``entered``, ``advanced``, ``in_progress``,
    ``left`` (entry counts of the segment's deals created in the period), ``conversion`` (advanced / left,
    as in :func:`funnel`; NaN on an estimate), and the segment's totals repeated on each of its rows:
    ``deals`` (created in the period), ``closed``, ``won``, ``lost`` (closed in the period, whenever
    created), ``win_rate`` (won / closed). Values are ordered by deals, then closed deals, most first.
    ``attrs``: missing_columns (requested columns that are not available, with why in
    ``missing_reasons``), estimate, reason, units.
    """
    e = stage_entries(frame)
    t, k = e.deals, e.k
    wanted = list(SEGMENT_COLUMNS if by is None else ([by] if isinstance(by, str) else by))
    present = [c for c in wanted if frame.availability("deals", c).ok]
    missing = {c: frame.availability("deals", c).reason(frame.lang) or "" for c in wanted if c not in present}
    created = t.member("deals_created")
    won = t.member("deals_won")
    lost = t.member("deals_lost")
    counted = created | won | lost
    rows = (e.pos < k) & created[e.code]
    adv = rows & (e.outcome == ADVANCED)
    open_ = rows & (e.outcome == IN_PROGRESS)
    parts = []
    for col in present:
        values = text(t.frame[col])
        values[values == ""] = NO_VALUE
        values[~counted] = None  # deals in none of the populations do not make a segment value
        seg, labels = pd.factorize(values, sort=False)
        n_seg = len(labels)

        def per_stage(mask: np.ndarray) -> np.ndarray:
            return np.bincount(seg[e.code[mask]] * k + e.pos[mask], minlength=n_seg * k).reshape(n_seg, k)

        entered, advanced, in_progress = per_stage(rows), per_stage(adv), per_stage(open_)
        ok = seg >= 0
        n_deals = np.bincount(seg[ok & created], minlength=n_seg)
        n_won = np.bincount(seg[ok & won], minlength=n_seg)
        n_lost = np.bincount(seg[ok & lost], minlength=n_seg)
        order = np.lexsort((np.asarray(labels, dtype=str), -(n_won + n_lost), -n_deals))
        left = (entered - in_progress)[order].ravel()
        part = pd.DataFrame(
            {
                "by": col,
                "value": np.repeat(np.asarray(labels, dtype=object)[order], k),
                "stage": np.tile(np.asarray(e.stages, dtype=object), n_seg),
                "entered": entered[order].ravel(),
                "advanced": advanced[order].ravel(),
                "in_progress": in_progress[order].ravel(),
                "left": left,
                "conversion": np.nan if e.estimate else ratio(advanced[order].ravel(), left),
                "deals": np.repeat(n_deals[order], k),
                "closed": np.repeat((n_won + n_lost)[order], k),
                "won": np.repeat(n_won[order], k),
                "lost": np.repeat(n_lost[order], k),
                "win_rate": np.repeat(ratio(n_won, n_won + n_lost)[order], k),
            }
        )
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(SEGMENT_COLUMNS_OUT))
    out = out.astype({"by": "str", "value": "str", "stage": "str"})
    return with_units(
        out,
        SEGMENT_UNITS,
        missing_columns=list(missing),
        missing_reasons=missing,
        estimate=e.estimate,
        reason=ESTIMATE_REASON if e.estimate else None,
        stages=list(e.stages),
    )


def segment_table(seg_df: pd.DataFrame, by: str) -> pd.DataFrame:
    """One segment column of a :func:`segment_funnel` frame as a table for the report.

    One row per value (in the frame's order). Columns: ``<by>`` (the value), ``deals``, ``closed``,
    ``won``, ``win_rate``, then one column per stage with its conversion (share). Units in ``attrs``.
    """
    part = seg_df.loc[seg_df["by"] == by]
    stages = list(seg_df.attrs.get("stages") or pd.unique(part["stage"]))
    conv = part.pivot_table(index="value", columns="stage", values="conversion", sort=False, dropna=False)
    conv = conv.reindex(columns=stages)
    totals = part.drop_duplicates("value").set_index("value")[["deals", "closed", "won", "win_rate"]]
    shown = totals.join(conv).reset_index().rename(columns={"value": by})
    shown.columns = [str(c) for c in shown.columns]
    units = {"deals": "count", "closed": "count", "won": "count", "win_rate": "share", **dict.fromkeys(stages, "share")}
    return with_units(shown, units, by=by)


def most_different_segment(seg_df: pd.DataFrame, min_deals: int = MIN_SEGMENT_DEALS) -> dict[str, Any] | None:
    """The segment value whose win rate differs most from the rest of its column.

    Compares, within each ``by`` column of a :func:`segment_funnel` frame, a value's win rate with the
    pooled win rate of the other values; only values with at least ``min_deals`` closed deals, and a rest
    with as many, are eligible. Returns ``{"by", "value", "deals", "closed", "win_rate", "rest_win_rate",
    "difference"}`` (shares; difference = win_rate - rest_win_rate) or None when no value is eligible.
    """
    if seg_df.empty:
        return None
    s = seg_df.drop_duplicates(["by", "value"])[["by", "value", "deals", "won", "lost", "win_rate"]].copy()
    s["closed"] = s["won"] + s["lost"]
    totals = s.groupby("by")[["won", "closed"]].transform("sum")
    s["rest_closed"] = totals["closed"] - s["closed"]
    s["rest_win_rate"] = ratio(totals["won"] - s["won"], s["rest_closed"])
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
