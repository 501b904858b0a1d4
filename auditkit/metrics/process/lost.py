"""Lost deals: by reason, by the stage they were lost at, and how long they took to lose.

Population: the deals lost in the period (``deals_lost``, whenever created).
The summary's lost deals, lost value and share without a reason are the KPIs
``deals_lost``, ``lost_value`` and ``lost_without_reason_share``; reasons are
normalised with :mod:`auditkit.metrics.reasons`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...kpis import evaluate
from ..reasons import NO_REASON, normalise_reasons
from ._common import ALL, DAY, UNKNOWN_STAGE, ratio, with_units
from .entries import stage_entries

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

BY_REASON_UNITS = {"deals": "count", "value": "money", "share": "share", "value_share": "share"}
BY_STAGE_UNITS = {"deals": "count", "value": "money", "share": "share"}
TIME_TO_LOSS_UNITS = {"deals": "count", "median_days": "days", "p75_days": "days", "mean_days": "days"}
SUMMARY_UNITS = {
    "lost_deals": "count", "lost_value": "money", "no_reason_deals": "count", "no_reason_share": "share",
    "no_reason_value": "money",
}


def _time_stats(days: np.ndarray) -> dict[str, float]:
    d = days[~np.isnan(days)]
    if not len(d):
        return {"deals": 0, "median_days": math.nan, "p75_days": math.nan, "mean_days": math.nan}
    return {
        "deals": len(d),
        "median_days": float(np.median(d)),
        "p75_days": float(np.percentile(d, 75)),
        "mean_days": float(d.mean()),
    }


def lost_analysis(frame: "AuditFrame") -> dict[str, pd.DataFrame]:
    """Lost deals by reason, by the stage they were lost at, and how long they took to lose.

    The stage a deal was lost at is its last open-stage entry in the stage history; without history, its
    current stage when that is an open stage (the export says it); otherwise "(unknown)" (the same rule as
    the funnel's ``lost`` column on an estimate). Returns a dict of frames (units in their ``attrs``):

    - ``"by_reason"``: reason (normalised), deals, value (money), share (of lost deals), value_share;
      most deals first. Without a usable ``lost_reason`` column, one row whose reason says why
      ("(not available, because the deals export has no lost_reason column)"); ``attrs["available"]``.
    - ``"by_stage"``: stage (every open stage in order, then "(unknown)" when any; only "(unknown)" when no
      lost deal's stage is known, rather than a zero for every stage), deals, value, share
    - ``"time_to_loss"``: stage (each stage with losses, then "(all)"), deals, median_days, p75_days,
      mean_days (created -> closed; the "(all)" median is :func:`sales_cycle`'s lost median)
    - ``"summary"``: one row: lost_deals, lost_value (money), no_reason_deals, no_reason_share,
      no_reason_value (money). lost_deals, lost_value and no_reason_share are the KPIs ``deals_lost``,
      ``lost_value`` and ``lost_without_reason_share``: NaN when not available, with the reasons in
      ``attrs["reasons"]`` (column -> sentence).

    Amounts not available: values and value shares are NaN.
    """
    lang = frame.lang
    e = stage_entries(frame)
    t = e.deals
    mask = t.member("deals_lost")
    d = t.frame.loc[mask]
    n = int(mask.sum())
    # as the KPI lost_value: no amount column, or no lost deal with an amount, means no value (not zero)
    amounts_ok = frame.availability("deals", "amount").ok and (n == 0 or bool(np.isfinite(t.amount[mask]).any()))
    amount = t.amount[mask] if amounts_ok else np.full(n, np.nan)
    reasons_av = frame.availability("deals", "lost_reason")

    # -- by reason
    if reasons_av.ok:
        reason = normalise_reasons(d["lost_reason"]).to_numpy(dtype=object)
    else:
        reason = np.full(n, f"({reasons_av.reason(lang)})", dtype=object)
    by_reason = (
        pd.DataFrame({"reason": reason, "value": amount})
        .groupby("reason", sort=False)["value"]
        .agg(deals="size", value="sum")
        .reset_index()
        .sort_values(["deals", "value", "reason"], ascending=[False, False, True], kind="stable", na_position="last")
        .reset_index(drop=True)
    )
    total_value = float(np.nansum(amount)) if amounts_ok else math.nan
    by_reason["deals"] = by_reason["deals"].astype(np.int64)
    if not amounts_ok:
        by_reason["value"] = math.nan
    by_reason["share"] = ratio(by_reason["deals"], n)
    by_reason["value_share"] = ratio(by_reason["value"], total_value)
    by_reason = with_units(
        by_reason.astype({"reason": "str"}), BY_REASON_UNITS, population="deals_lost", available=reasons_av.ok,
        reason=reasons_av.reason(lang),
    )

    # -- by stage
    names = np.asarray([*e.stages, UNKNOWN_STAGE], dtype=object)
    at = e.lost_at[mask]
    at = np.where(at >= 0, at, len(e.stages))
    deals_at = np.bincount(at, minlength=len(names))
    value_at = np.bincount(at, weights=np.nan_to_num(amount), minlength=len(names))
    if not amounts_ok:
        value_at = np.full(len(names), np.nan)
    # the open stages, then "(unknown)" when any; when no lost deal's stage is known (no stage history, every
    # lost deal at the lost stage) the open stages' zeros would claim that none was lost there: only "(unknown)"
    known = bool(deals_at[:-1].sum()) or not deals_at[-1]
    keep = np.r_[np.full(len(e.stages), known), deals_at[-1] > 0]
    by_stage = pd.DataFrame(
        {
            "stage": names[keep],
            "deals": deals_at[keep].astype(np.int64),
            "value": value_at[keep],
            "share": ratio(deals_at[keep], n),
        }
    )
    by_stage = with_units(
        by_stage.astype({"stage": "str"}), BY_STAGE_UNITS, population="deals_lost", estimate=e.estimate,
        lost_at_unknown_stage=int(deals_at[-1]),
    )

    # -- time to loss
    days = (t.closed[mask] - t.created[mask]) / DAY
    time_rows = [{"stage": str(names[i]), **_time_stats(days[at == i])} for i in range(len(names)) if (at == i).any()]
    time_rows.append({"stage": ALL, **_time_stats(days)})
    time_to_loss = pd.DataFrame(time_rows, columns=["stage", "deals", "median_days", "p75_days", "mean_days"])
    time_to_loss = with_units(time_to_loss.astype({"stage": "str"}), TIME_TO_LOSS_UNITS, population="deals_lost")

    # -- summary: the KPIs themselves
    pairs = (("lost_deals", "deals_lost"), ("lost_value", "lost_value"), ("no_reason_share", "lost_without_reason_share"))
    kpis = {c: evaluate(frame, kpi) for c, kpi in pairs}
    missing = reason == NO_REASON if reasons_av.ok else np.zeros(n, dtype=bool)
    row: dict[str, Any] = {c: (v.value if v.value is not None else math.nan) for c, v in kpis.items()}
    row["no_reason_deals"] = int(missing.sum()) if reasons_av.ok else math.nan
    row["no_reason_value"] = float(np.nansum(amount[missing])) if reasons_av.ok and amounts_ok else math.nan
    summary = pd.DataFrame([row], columns=list(SUMMARY_UNITS))
    summary = with_units(
        summary, SUMMARY_UNITS, population="deals_lost",
        reasons={c: v.reason(lang) for c, v in kpis.items() if v.value is None},
    )
    return {"by_reason": by_reason, "by_stage": by_stage, "time_to_loss": time_to_loss, "summary": summary}
