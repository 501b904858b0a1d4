"""Stale open deals: one definition, read by step 4 (per rep) and step 5 (CRM hygiene).

A deal open at the end of the period is stale when its last sign of life (its creation, its last stage
entry or its last activity before the as-of moment) is more than ``thresholds.stale_after_days`` old.
Without an activities table staleness is not assessed (``<NA>``): a deal with no stage change may still
be worked every day, and only the activities would show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..frame import per_frame
from ..io.vector import positions

if TYPE_CHECKING:  # pragma: no cover
    from ..frame import AuditFrame


@per_frame
def last_sign_of_life(frame: "AuditFrame") -> pd.Series:
    """Per deal open at the end (in the population's order, indexed by ``deal_id``): the latest of its
    creation, its stage entries and its activities before the as-of moment (timestamps). Only the entries
    and activity rows of open deals are grouped (a few thousand of millions), by their deal's code; a deal
    without an id has its creation alone."""
    open_ = frame.population("deals_open_at_end")
    codes, ids = pd.factorize(open_["deal_id"])  # -1 where the id is missing
    ids = pd.Index(ids)
    last = open_["created_at"].to_numpy(dtype="datetime64[ns]").copy()
    later = []
    history = frame.table("stage_history")
    if history is not None and len(history):
        later.append((history["deal_id"], history["entered_at"]))
    summary = frame.activity
    if summary is not None and len(summary.by_deal):
        later.append((summary.by_deal["deal_id"], summary.by_deal["last_at"]))
    known = codes >= 0
    for deal_ids, stamps in later:
        code = positions(deal_ids, ids)  # 4.6M stage entries at 1M deals: by Arrow's hash table
        mine = code >= 0
        latest = np.full(len(ids), np.datetime64("NaT", "ns"))
        grouped = pd.Series(stamps.to_numpy(dtype="datetime64[ns]")[mine]).groupby(code[mine]).max()
        latest[grouped.index.to_numpy()] = grouped.to_numpy(dtype="datetime64[ns]")
        last[known] = np.fmax(last[known], latest[codes[known]])  # fmax: a missing time is no sign of life
    return pd.Series(last, index=pd.Index(open_["deal_id"], name="deal_id"), name=None if later else "created_at")


def stale(frame: "AuditFrame") -> pd.Series:
    """Per deal open at the end (indexed by ``deal_id``): True when stale, False when not, <NA> for every
    deal when the client has no activities table (not assessed)."""
    last = last_sign_of_life(frame)
    if not frame.has("activities"):
        return pd.Series(pd.NA, index=last.index, dtype="boolean")
    limit = frame.as_of - pd.Timedelta(days=frame.params.thresholds.stale_after_days)
    return pd.Series((last < limit).to_numpy(), index=last.index, dtype="boolean")
