"""Step 3, the sales process: funnel, time in stage, bottlenecks, cohorts, segments, lost deals,
velocity and leads, computed on the :class:`~auditkit.frame.AuditFrame`.

One module per concern; every public metric takes the frame and returns DataFrames whose columns and
units are documented (units also in each table's ``attrs["units"]``, see :func:`units_of`):

=================  ==========================================================================
module             what it holds
=================  ==========================================================================
``entries``        :func:`stage_entries`: the deal table and the stage entries (history, or the
                   current-stage estimate), parsed once per frame and cached on it
``funnel``         :func:`funnel`: every entry accounted for, conversion over entries that left
``stage_time``     :func:`stage_durations`, :func:`stage_time_summary`, :func:`sales_cycle`
``bottlenecks``    :func:`bottlenecks`: stages that leak or stall, with revenue at risk
``cohorts``        :func:`cohort_funnel`: the funnel by month of creation
``segments``       :func:`segment_funnel`, :func:`segment_table`, :func:`most_different_segment`
``lost``           :func:`lost_analysis`: by reason, by stage, time to loss, summary
``velocity``       :func:`velocity`, :func:`velocity_levers`, :func:`lever_table`
``leads``          :func:`lead_conversion`
``explore``        :func:`explorer_views`: the notebook explorer's maths
``findings``       :func:`process_findings`
=================  ==========================================================================

Use the package's names (``from auditkit.metrics import process as P; P.funnel(frame)``): the functions
``funnel``, ``bottlenecks`` and ``velocity`` share their module's name, so ``P.funnel`` is the function.

Populations (see :data:`auditkit.frame.POPULATIONS`), so that step 2 and step 3 agree on every shared
number: funnel, stage times, cohorts and per-segment stage conversion read the deals created in the
period; the sales cycle, lost deals, segment win rates and velocity read the deals won, lost or closed in
the period and the deals open at its end, as the KPIs of :mod:`auditkit.kpis` do; lead conversion reads
the leads created in the period.

The metrics of the other steps live beside this package, one per step: step 4's (the people) in
``auditkit/metrics/people.py``, with shared helpers in ``auditkit/metrics/reasons.py``,
``survival.py`` and ``trends.py``.
"""

from ..reasons import NO_REASON, REASON_SYNONYMS, normalise_reason, normalise_reasons
from ._common import ALL, NO_VALUE, UNKNOWN_STAGE, units_of
from .bottlenecks import (
    BOTTLENECK_RULES,
    BOTTLENECK_UNITS,
    CONVERSION_PEER_RATIO,
    CONVERSION_TARGET_MARGIN,
    FLAG_RULES,
    MIN_STAGE_ENTRIES,
    REVENUE_AT_RISK_RULE,
    STUCK_PEER_RATIO,
    TIME_PEER_RATIO,
    bottlenecks,
)
from .cohorts import DEFAULT_MATURE_AFTER_DAYS, cohort_funnel
from .entries import FUNNEL_OUTCOMES, DealTable, StageEntries, stage_entries
from .explore import explorer_views
from .findings import LEVER_ACTIONS, LOST_REASON_MISSING_MAX, VELOCITY_LEVER_MIN_CHANGE, process_findings
from .funnel import FUNNEL_COLUMNS, FUNNEL_MODE_LABELS, FUNNEL_UNITS, FunnelMode, check_funnel_accounting, funnel
from .leads import LEAD_UNITS, lead_conversion
from .lost import lost_analysis
from .segments import (
    MIN_SEGMENT_DEALS,
    SEGMENT_COLUMNS,
    SEGMENT_MIN_DIFFERENCE,
    most_different_segment,
    segment_funnel,
    segment_table,
)
from .stage_time import SALES_CYCLE_UNITS, STAGE_TIME_UNITS, sales_cycle, stage_durations, stage_time_summary
from .velocity import (
    LEVER_LABELS,
    LEVER_UNITS,
    LEVERS,
    MIN_COMPLETE_MONTHS_PER_HALF,
    VELOCITY_UNITS,
    lever_summary,
    lever_table,
    velocity,
    velocity_levers,
)

__all__ = [
    "ALL", "BOTTLENECK_RULES", "BOTTLENECK_UNITS", "CONVERSION_PEER_RATIO", "CONVERSION_TARGET_MARGIN",
    "DEFAULT_MATURE_AFTER_DAYS", "FLAG_RULES", "FUNNEL_COLUMNS", "FUNNEL_MODE_LABELS", "FUNNEL_OUTCOMES",
    "FUNNEL_UNITS", "LEAD_UNITS", "LEVERS", "LEVER_ACTIONS", "LEVER_LABELS", "LEVER_UNITS",
    "LOST_REASON_MISSING_MAX", "MIN_COMPLETE_MONTHS_PER_HALF", "MIN_SEGMENT_DEALS", "MIN_STAGE_ENTRIES",
    "NO_REASON", "NO_VALUE", "REASON_SYNONYMS", "REVENUE_AT_RISK_RULE", "SALES_CYCLE_UNITS", "SEGMENT_COLUMNS",
    "SEGMENT_MIN_DIFFERENCE", "STAGE_TIME_UNITS", "STUCK_PEER_RATIO", "TIME_PEER_RATIO", "UNKNOWN_STAGE",
    "VELOCITY_LEVER_MIN_CHANGE", "VELOCITY_UNITS", "DealTable", "FunnelMode", "StageEntries", "bottlenecks",
    "check_funnel_accounting", "cohort_funnel", "explorer_views", "funnel", "lead_conversion", "lever_summary",
    "lever_table", "lost_analysis", "most_different_segment", "normalise_reason", "normalise_reasons",
    "process_findings", "sales_cycle", "segment_funnel", "segment_table", "stage_durations", "stage_entries",
    "stage_time_summary", "units_of", "velocity", "velocity_levers",
]
