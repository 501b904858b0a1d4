"""The funnel by month of creation (cohorts).

Population: the deals created in the period (``deals_created``), one cohort
per month of the period, with their stage entries and status at ``as_of``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._common import DAY, ratio, ts_ns, with_units
from .entries import LOST, OPEN, WON, stage_entries
from .funnel import ESTIMATE_REASON
from .stage_time import sales_cycle

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

#: Maturity age used by :func:`cohort_funnel` when nothing was won in the period to measure the won cycle on.
DEFAULT_MATURE_AFTER_DAYS = 90.0


def cohort_funnel(frame: "AuditFrame", mature_after_days: float | None = None) -> pd.DataFrame:
    """The funnel by month of creation: one row per month of the period.

    Columns: ``cohort`` (month, first day), ``created`` (deals created in the month), ``funnel_deals``
    (those of them with stage entries), ``reached_<stage>`` for each open stage (share of ``funnel_deals``
    that reached the stage or a later one; skipped stages count as passed; NaN without stage history, when
    the funnel is an estimate), ``won``, ``lost``, ``open`` (deals, status at ``as_of``), ``win_rate``
    (won / created, a share that grows while the cohort matures), ``age_days`` (days from the end of the
    month to ``as_of``), ``mature`` (age_days >= ``mature_after_days``), ``coverage`` (the month's data
    coverage: complete, partial or no_data). The default maturity age is the 75th percentile of the cycle
    of the deals won in the period (:data:`DEFAULT_MATURE_AFTER_DAYS` when nothing was won).
    ``attrs``: stages, reached_columns, mature_after_days, estimate, reason, population, units.
    """
    e = stage_entries(frame)
    t, k = e.deals, e.k
    if mature_after_days is None:
        p75 = float(sales_cycle(frame).set_index("outcome").loc["won", "p75_days"])
        mature_after_days = DEFAULT_MATURE_AFTER_DAYS if math.isnan(p75) else p75
    cov = frame.month_coverage()
    months = cov["month"].to_numpy(dtype="datetime64[ns]")
    pop = t.member("deals_created")
    month = t.created.astype("datetime64[M]").astype("datetime64[ns]")
    idx = np.searchsorted(months, month, side="right") - 1
    idx = np.where(pop & (idx >= 0), idx, -1)
    n = len(months)
    inside = idx >= 0
    created = np.bincount(idx[inside], minlength=n)
    mp = e.max_pos()
    tracked = inside & (mp >= 0)
    cols = [f"reached_{s}" for s in e.stages]
    out = pd.DataFrame({"cohort": cov["month"].to_numpy(), "created": created.astype(np.int64)})
    out["funnel_deals"] = np.bincount(idx[tracked], minlength=n).astype(np.int64)
    for i, c in enumerate(cols):
        hit = tracked & (mp >= i)
        out[c] = np.nan if e.estimate else ratio(np.bincount(idx[hit], minlength=n), out["funnel_deals"])
    for name, code in (("won", WON), ("lost", LOST), ("open", OPEN)):
        out[name] = np.bincount(idx[inside & (t.status == code)], minlength=n).astype(np.int64)
    out["win_rate"] = ratio(out["won"], out["created"])
    out["age_days"] = (ts_ns(frame.as_of) - cov["to"].to_numpy(dtype="datetime64[ns]")) / DAY
    out["mature"] = out["age_days"] >= mature_after_days
    out["coverage"] = cov["coverage"].astype("str").to_numpy()
    units = {
        "cohort": "month", "created": "count", "funnel_deals": "count", **dict.fromkeys(cols, "share"),
        "won": "count", "lost": "count", "open": "count", "win_rate": "share", "age_days": "days",
    }
    return with_units(
        out.astype({"coverage": "str"}),
        units,
        stages=list(e.stages),
        reached_columns=cols,
        mature_after_days=float(mature_after_days),
        estimate=e.estimate,
        reason=ESTIMATE_REASON if e.estimate else None,
        population="deals_created",
    )
