"""Lead-to-deal conversion by lead source.

Population: the leads created in the period (``leads_created``). A lead is
converted when its ``deal_id`` is set: the frame has already cleared links to
deals created after ``as_of`` (or not in the export). The "(all)" row is the
KPI ``lead_to_deal_conversion``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...kpis import evaluate
from ._common import ALL, DAY, NAT, NO_VALUE, lookup, ns, ratio, text, with_units
from .entries import stage_entries

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

LEAD_COLUMNS = ["source", "leads", "converted", "conversion", "median_days_to_deal"]
LEAD_UNITS = {"leads": "count", "converted": "count", "conversion": "share", "median_days_to_deal": "days"}


def lead_conversion(frame: "AuditFrame") -> pd.DataFrame:
    """Lead-to-deal conversion of the leads created in the period, by source, with a final "(all)" row.

    Columns: ``source`` (missing as "(none)"), ``leads``, ``converted`` (counts), ``conversion`` (share,
    converted / leads; the "(all)" row is the KPI ``lead_to_deal_conversion``), ``median_days_to_deal``
    (lead created -> deal created, over the converted leads whose deal was created at or after them: a deal
    that predates its lead was not reached from it, and a negative time to a deal means nothing).
    Sources with most leads first. Without a leads table the frame is empty; when the KPI is not available
    (e.g. no ``deal_id`` column), ``converted`` and ``conversion`` are NaN. ``attrs``: available, reason,
    population, units.
    """
    kv = evaluate(frame, "lead_to_deal_conversion")
    reason = kv.reason(frame.lang)
    if not frame.has("leads"):
        return with_units(pd.DataFrame(columns=LEAD_COLUMNS), LEAD_UNITS, available=False, reason=reason, population="leads_created")
    leads = frame.population("leads_created")
    source = text(leads["source"])
    source[source == ""] = NO_VALUE
    t = stage_entries(frame).deals
    where = lookup(t.index, leads["deal_id"]) if kv.available else np.full(len(leads), -1)
    converted = leads["deal_id"].notna().to_numpy() if kv.available else np.zeros(len(leads), dtype=bool)
    deal_created = np.where(where >= 0, t.created[np.maximum(where, 0)], NAT)
    days = (deal_created - ns(leads["created_at"])) / DAY
    days[days < 0] = np.nan  # the deal predates the lead: still converted, no time to the deal
    g = pd.DataFrame({"source": source, "converted": converted, "days": days})

    by = (
        g.groupby("source", sort=True)
        .agg(leads=("converted", "size"), converted=("converted", "sum"), median_days_to_deal=("days", "median"))
        .reset_index()
    )
    by = by.sort_values(["leads", "source"], ascending=[False, True], kind="stable")
    total = {
        "source": ALL, "leads": len(g), "converted": int(converted.sum()),
        "median_days_to_deal": float(np.nanmedian(days)) if (~np.isnan(days)).any() else math.nan,
    }
    out = pd.concat([by, pd.DataFrame([total])], ignore_index=True)
    out["leads"] = out["leads"].astype(np.int64)
    out["converted"] = out["converted"].astype(float if not kv.available else np.int64)
    if not kv.available:
        out["converted"] = math.nan
    out["conversion"] = ratio(out["converted"], out["leads"])
    out = out[LEAD_COLUMNS].astype({"source": "str"})
    return with_units(out, LEAD_UNITS, available=kv.available, reason=reason, population="leads_created")
