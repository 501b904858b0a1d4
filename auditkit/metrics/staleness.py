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

if TYPE_CHECKING:  # pragma: no cover
    from ..frame import AuditFrame


@per_frame
def last_sign_of_life(frame: "AuditFrame") -> pd.Series:
    """Per deal open at the end (in the population's order, indexed by ``deal_id``): the latest of its
    creation, its stage entries and its activities before the as-of moment (timestamps)."""
    open_ = frame.population("deals_open_at_end")
    ids = open_["deal_id"]
    if ids.isna().any() or not ids.is_unique:  # ids the loader did not check: grouped by id, as they come
        return _last_by_id(frame, open_)
    index = pd.Index(ids)
    last = open_["created_at"].to_numpy(dtype="datetime64[ns]").copy()
    history = frame.table("stage_history")
    later = []
    if history is not None and len(history):
        later.append((history["deal_id"], history["entered_at"]))
    summary = frame.activity
    if summary is not None and len(summary.by_deal):
        later.append((summary.by_deal["deal_id"], summary.by_deal["last_at"]))
    for deal_ids, stamps in later:
        # only the rows of open deals are grouped: a few thousand of millions
        code = index.get_indexer(deal_ids)
        mine = code >= 0
        latest = pd.Series(stamps.to_numpy(dtype="datetime64[ns]")[mine]).groupby(code[mine]).max()
        at = latest.index.to_numpy()
        last[at] = np.fmax(last[at], latest.to_numpy(dtype="datetime64[ns]"))  # fmax: a missing time is no sign of life
    return pd.Series(last, index=pd.Index(ids, name="deal_id"), name=None if later else "created_at")


def _last_by_id(frame: "AuditFrame", open_: pd.DataFrame) -> pd.Series:
    last = open_.set_index("deal_id")["created_at"]
    history = frame.table("stage_history")
    if history is not None and len(history):
        last = pd.concat([last, history.groupby("deal_id")["entered_at"].max()], axis=1).max(axis=1)
    summary = frame.activity
    if summary is not None and len(summary.by_deal):
        touched = summary.by_deal.groupby("deal_id")["last_at"].max()
        last = pd.concat([last, touched], axis=1).max(axis=1)
    return last.reindex(open_["deal_id"])


def stale(frame: "AuditFrame") -> pd.Series:
    """Per deal open at the end (indexed by ``deal_id``): True when stale, False when not, <NA> for every
    deal when the client has no activities table (not assessed)."""
    last = last_sign_of_life(frame)
    if not frame.has("activities"):
        return pd.Series(pd.NA, index=last.index, dtype="boolean")
    limit = frame.as_of - pd.Timedelta(days=frame.params.thresholds.stale_after_days)
    return pd.Series((last < limit).to_numpy(), index=last.index, dtype="boolean")
