"""The step-3 explorer's maths: what to show for a filtered part of the deals.

The notebook's filter panel hands over the deals chosen; the notebook builds
``frame.subset(ids)`` and calls :func:`explorer_views`, then only displays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .funnel import funnel
from .lost import lost_analysis
from .stage_time import stage_durations, stage_time_summary

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame


def explorer_views(sub: "AuditFrame") -> dict[str, pd.DataFrame | None]:
    """The tables the explorer shows for a subset frame (``frame.subset(deal_ids)``).

    Keys: ``"funnel"`` (:func:`funnel` of the subset's deals created in the period), ``"stage_times"``
    (:func:`stage_time_summary`; None without stage history), ``"lost_by_reason"`` (the by-reason table of
    :func:`lost_analysis`: the subset's deals lost in the period). Units in each table's ``attrs``.
    """
    f = funnel(sub)
    durations = stage_durations(sub)
    times = None if durations.attrs.get("estimate") else stage_time_summary(durations)
    return {"funnel": f, "stage_times": times, "lost_by_reason": lost_analysis(sub)["by_reason"]}
