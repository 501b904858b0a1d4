"""Deals month by month over the audit period, with each month's data coverage.

Step 2's monthly chart reads this. Every month carries its ``coverage`` from
:meth:`auditkit.frame.AuditFrame.month_coverage`, so a month the data reaches
only in part (or not at all) is marked instead of read as a real drop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ..frame import AuditFrame


def monthly_deals(frame: "AuditFrame") -> pd.DataFrame:
    """Per month of the period: ``month`` (first day), ``created`` (deals created in it), ``won``, ``lost``
    (deals closed in it, counts), ``won_value`` (currency; NaN when amounts are not available),
    ``coverage`` (complete, partial or no_data) and ``complete`` (bool). A month the data does not reach
    (no_data) has no counts (<NA>, NaN): nothing was seen there, which is not the same as none happening.

    Sums over the months equal the KPIs deals_created, deals_won, deals_lost and won_value."""
    cov = frame.month_coverage()
    months = pd.PeriodIndex(cov["month"], freq="M")
    created = frame.population("deals_created")["created_at"].dt.to_period("M").value_counts()
    won = frame.population("deals_won")
    lost = frame.population("deals_lost")
    out = cov[["month"]].copy()
    out["created"] = created.reindex(months, fill_value=0).to_numpy()
    out["won"] = won["closed_at"].dt.to_period("M").value_counts().reindex(months, fill_value=0).to_numpy()
    out["lost"] = lost["closed_at"].dt.to_period("M").value_counts().reindex(months, fill_value=0).to_numpy()
    if frame.availability("deals", "amount").ok:
        value = won["amount"].groupby(won["closed_at"].dt.to_period("M")).sum()
        out["won_value"] = value.reindex(months, fill_value=0.0).to_numpy(dtype=float)
    else:
        out["won_value"] = float("nan")
    out["coverage"] = cov["coverage"].to_numpy()
    out["complete"] = cov["complete"].to_numpy()
    unseen = (out["coverage"] == "no_data").to_numpy()
    for col in ("created", "won", "lost"):
        out[col] = out[col].astype("Int64").mask(unseen)
    out["won_value"] = out["won_value"].mask(unseen)
    return out
