"""Time in stage (with open entries censored) and the sales cycle.

Time in stage: the deals created in the period (``deals_created``) and their
stage entries before ``as_of``; an entry still open at ``as_of`` is a censored
observation (Kaplan-Meier), not a finished one. Sales cycle: the deals won and
lost in the period (``deals_won``, ``deals_lost``, whenever created; the won
median is the KPI ``median_cycle_days``) and the age at ``as_of`` of the deals
open then (``deals_open_at_end``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...frame import per_frame
from ...kpis import cycle_days
from ..survival import km_quantiles
from ._common import DAY, NAT, ts_ns, with_units
from .entries import StageEntries, stage_entries
from .funnel import ESTIMATE_REASON

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

DURATION_UNITS: dict[str, str] = {"entered_at": "date", "left_at": "date", "days": "days"}
STAGE_TIME_UNITS: dict[str, str] = {
    "entries": "count", "closed": "count", "censored": "count",
    **dict.fromkeys(["median_days", "p75_days", "p90_days", "naive_median_days"], "days"),
}
SALES_CYCLE_UNITS: dict[str, str] = {
    "deals": "count", "timed": "count", **dict.fromkeys(["median_days", "p75_days", "p90_days", "mean_days"], "days"),
}


def _timed(e: StageEntries) -> np.ndarray:
    """Which stage entries :func:`stage_durations` times: entries into an open stage of deals created in the period."""
    return (e.pos < e.k) & e.deals.member("deals_created")[e.code]


def duration_deal_rows(frame: "AuditFrame") -> np.ndarray:
    """Each row of :func:`stage_durations`'s deal as a row of ``frame.deals``, in the same order (empty
    without stage history): the deal was matched when the entries were parsed, and is not looked up again."""
    e = stage_entries(frame)
    return np.zeros(0, dtype=np.int64) if e.estimate else e.code[_timed(e)]


@per_frame
def stage_durations(frame: "AuditFrame") -> pd.DataFrame:
    """One row per entry of a deal created in the period into an open stage, with how long it stayed.

    Columns: ``deal_id``; ``stage`` (categorical, ordered as the pipeline); ``entered_at``; ``left_at``
    (the next entry, or ``closed_at`` for a deal closed before ``as_of`` whose history stops; NaT when
    still there at ``as_of``); ``days`` (float days to ``left_at``, or to ``as_of`` when censored; negative
    gaps from inconsistent dates are clipped to 0; NaN when a closed deal has no ``closed_at``);
    ``censored`` (True when the deal was still in the stage at ``as_of``).
    Without stage history the frame is empty (the stage categories are kept), ``attrs["estimate"]`` is
    True and ``attrs["reason"]`` says why. Computed once per frame (steps 3 and 4 both read it).
    """
    e = stage_entries(frame)
    cat = pd.CategoricalDtype(list(e.stages), ordered=True)
    if e.estimate:
        out = pd.DataFrame(
            {
                "deal_id": pd.Series([], dtype="str"),
                "stage": pd.Series([], dtype=cat),
                "entered_at": pd.Series([], dtype="datetime64[ns]"),
                "left_at": pd.Series([], dtype="datetime64[ns]"),
                "days": pd.Series([], dtype=float),
                "censored": pd.Series([], dtype=bool),
            }
        )
        return with_units(out, DURATION_UNITS, estimate=True, population="deals_created", reason=ESTIMATE_REASON)
    end = ts_ns(frame.as_of)
    rows = _timed(e)
    at = e.at[rows]
    censored = e.next_pos[rows] < 0
    left = np.where(censored, NAT, e.next_at[rows])
    days = np.where(censored, (end - at) / DAY, (left - at) / DAY)
    days = np.where(np.isnan(days), np.nan, np.maximum(days, 0.0))
    out = pd.DataFrame(
        {
            "deal_id": pd.Series(e.deals.index).take(e.code[rows]).array,  # taken as Arrow text, not Python strings
            "stage": pd.Categorical.from_codes(e.pos[rows], dtype=cat),
            "entered_at": at,
            "left_at": left,
            "days": days,
            "censored": censored,
        }
    )
    return with_units(out, DURATION_UNITS, estimate=False, population="deals_created", reason=None)


def stage_time_summary(durations: pd.DataFrame) -> pd.DataFrame:
    """Time in stage per stage, with open entries counted as censored (Kaplan-Meier), in days.

    Columns: ``stage``, ``entries``, ``closed`` (entries that left the stage), ``censored`` (still there
    at ``as_of``), ``median_days``, ``p75_days``, ``p90_days`` (Kaplan-Meier quantiles: the first time the
    share still in the stage falls to 50/25/10 %; NaN when it never does), ``naive_median_days`` (median
    of the closed entries only, which understates a stage where deals pile up). Rows follow the categories
    of ``durations.stage`` (every pipeline stage, even one nobody entered). ``attrs`` carry over estimate
    and reason from ``durations``.
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
    for i, name in enumerate(names):  # one pass per stage: a handful, not per deal
        m = (key == i) & timed
        days, cens = days_all[m], cens_all[m]
        med, p75, p90 = km_quantiles(days, cens, (0.5, 0.75, 0.9))
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
    out = pd.DataFrame(rows, columns=columns).astype({"stage": "str"})
    return with_units(
        out, STAGE_TIME_UNITS, estimate=bool(durations.attrs.get("estimate", False)),
        reason=durations.attrs.get("reason"),
    )


def _cycle_stats(label: str, population: str, days: np.ndarray) -> dict[str, Any]:
    """deals (the population), timed (those with a duration), median, p75, p90 (linear percentiles) and
    mean of the durations in days."""
    total = len(days)
    days = days[~np.isnan(days)]
    row: dict[str, Any] = {"outcome": label, "population": population, "deals": total, "timed": len(days)}
    if not len(days):
        return row | dict.fromkeys(["median_days", "p75_days", "p90_days", "mean_days"], math.nan)
    p50, p75, p90 = np.percentile(days, [50, 75, 90])
    return row | {"median_days": float(p50), "p75_days": float(p75), "p90_days": float(p90), "mean_days": float(days.mean())}


def sales_cycle(frame: "AuditFrame") -> pd.DataFrame:
    """Sales cycle (created -> closed, in days) of the deals won and lost in the period, and the age of the
    deals open at the end.

    One row per ``outcome``: "won" (``deals_won``; its median is the KPI ``median_cycle_days``), "lost"
    (``deals_lost``), "open" (``deals_open_at_end``: days from creation to ``as_of``). Columns: ``outcome``,
    ``population``, ``deals`` (the population: the KPI's count), ``timed`` (those with both dates, which the
    durations are of), ``median_days``, ``p75_days``, ``p90_days``
    (linear-interpolated percentiles), ``mean_days``. Cycles are not clipped: a negative cycle is a data
    problem reported by the quality checks, and clipping it would move the median away from the KPI.
    """
    won = cycle_days(frame.population("deals_won")).to_numpy(dtype=float, na_value=np.nan)
    lost = cycle_days(frame.population("deals_lost")).to_numpy(dtype=float, na_value=np.nan)
    open_ = frame.population("deals_open_at_end")
    age = ((frame.as_of - open_["created_at"]) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
    out = pd.DataFrame(
        [
            _cycle_stats("won", "deals_won", won),
            _cycle_stats("lost", "deals_lost", lost),
            _cycle_stats("open", "deals_open_at_end", age),
        ]
    ).astype({"outcome": "str", "population": "str"})
    return with_units(out, SALES_CYCLE_UNITS)
