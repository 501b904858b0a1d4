"""Step 4, the salespeople: fair scorecards, who leaks where, skills and a training plan, activity and
new hires, computed on the :class:`~auditkit.frame.AuditFrame`.

One module per concern; every table carries ``attrs["units"]`` (see :func:`units_of`):

=============  ==============================================================================
module         what it holds
=============  ==============================================================================
``_common``    :func:`reps` (who the reps are; without a reps table, the deals' owners by id),
               :func:`wilson_interval`, the rules' constants
``scorecard``  :func:`scorecard`: rep, team and company rows, the KPIs from the registry
``fair``       :func:`fair_comparison`: mix-adjusted win rate, z against the team, the groups
``leaks``      :func:`rep_funnel`, :func:`rep_stage_time`, :func:`leak_summary`
``skills``     :func:`skill_matrix`, :func:`skill_heatmap`, :func:`training_plan`, :func:`team_training`
``activity``   :func:`activity_by_type`, :func:`activity_vs_results`, :func:`stale_by_rep`, :func:`ramp`
``findings``   :func:`people_findings`
=============  ==============================================================================

:func:`people_report` computes them all once, for the notebook and the rep card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ...kpis import COMPANY
from ..process import MIN_STAGE_ENTRIES
from ..process._common import units_of
from ._common import (GROUP_Z, MIN_CLOSED_DEALS, MIX_COLUMNS, NO_TEAM, REP_EXTRA_COLUMNS, Z95, extra_columns, rep_names, reps,
                      reps_provided, wilson_interval)
from .activity import RAMP_MONTHS, activity_by_type, activity_vs_results, ramp, stale_by_rep
from .fair import CORE, GROUPS, SUPPORT, TOO_FEW, TOP, fair_comparison, fair_rules
from .findings import people_findings
from .leaks import LEAK_MIN_DIFFERENCE, STALL_RATIO, leak_rules, leak_summary, rep_funnel, rep_stage_time
from .scorecard import SCORECARD_KPIS, SCORECARD_UNITS, card_view, quotas, scorecard
from .skills import (GAP_BELOW_TEAM, GAP_SCORE, SHARED_GAP_SHARE, phase_of, skill_heatmap, skill_matrix, skill_rules,
                     stage_phase, team_training, training_plan)

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

#: What each optional table unlocks, and the columns it needs (for the "not assessed" notes).
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "reps": ("rep_id", "name", "team", "role", "hired_at"),
    "targets": ("rep_id or team", "period_start", "period_end", "quota"),
    "activities": ("activity_id", "at", "type", "owner_id", "deal_id or lead_id"),
    "assessments": ("rep_id", "competency", "score (1-5)", "assessed_at"),
    "leads": ("lead_id", "created_at", "source", "owner_id", "first_contact_at"),
}


def not_assessed(frame: "AuditFrame") -> list[str]:
    """The optional tables of :data:`OPTIONAL_TABLES` the client did not provide (a reps table the loader
    derived from the deals' owners counts as not provided), in that order."""
    return [t for t in OPTIONAL_TABLES if not (reps_provided(frame) if t == "reps" else frame.has(t))]


def not_assessed_note(table: str, lang: str = "en") -> str:
    """The "not assessed: provide <table> (<columns>) to see <what>" sentence for an optional table."""
    from ...report.text import t

    columns = ", ".join(OPTIONAL_TABLES[table])
    return t("people.not_assessed", lang, table=table, columns=columns, what=t("people.what." + table, lang))


@dataclass
class PeopleReport:
    """Every table of step 4, computed once (see the modules for their columns)."""

    reps: pd.DataFrame
    card: pd.DataFrame
    fair: pd.DataFrame
    leaks: pd.DataFrame
    stalls: pd.DataFrame
    leak_summary: pd.DataFrame
    skills: pd.DataFrame
    plan: pd.DataFrame
    shared: pd.DataFrame
    activity_types: pd.DataFrame
    activity: pd.DataFrame
    stale: pd.DataFrame
    ramp: pd.DataFrame


def people_report(frame: "AuditFrame") -> PeopleReport:
    """All of step 4's tables for ``frame``."""
    r = reps(frame)
    team_of = r["team"]
    card = scorecard(frame)
    fair = fair_comparison(frame, card)
    leaks = rep_funnel(frame, team_of)
    stalls = rep_stage_time(frame, team_of)
    skills = skill_matrix(frame, team_of)
    plan = training_plan(skills, leaks, stalls, list(frame.params.pipeline.open_stages))
    return PeopleReport(
        reps=r, card=card, fair=fair, leaks=leaks, stalls=stalls, leak_summary=leak_summary(leaks, stalls),
        skills=skills, plan=plan, shared=team_training(skills), activity_types=activity_by_type(frame, card),
        activity=activity_vs_results(card, fair), stale=stale_by_rep(frame), ramp=ramp(frame, team_of, r["hired_at"]),
    )


__all__ = [
    "COMPANY", "CORE", "GAP_BELOW_TEAM", "GAP_SCORE", "GROUPS", "GROUP_Z", "LEAK_MIN_DIFFERENCE", "MIN_CLOSED_DEALS",
    "MIN_STAGE_ENTRIES", "MIX_COLUMNS", "NO_TEAM", "OPTIONAL_TABLES", "REP_EXTRA_COLUMNS", "RAMP_MONTHS", "SCORECARD_KPIS", "SCORECARD_UNITS",
    "SHARED_GAP_SHARE", "STALL_RATIO", "SUPPORT", "TOO_FEW", "TOP", "Z95", "PeopleReport", "activity_by_type", "card_view",
    "activity_vs_results", "extra_columns", "fair_comparison", "fair_rules", "leak_rules", "leak_summary", "not_assessed", "not_assessed_note", "people_findings",
    "people_report", "phase_of", "quotas", "ramp", "rep_funnel", "rep_names", "rep_stage_time", "reps", "reps_provided", "scorecard",
    "skill_heatmap", "skill_matrix", "skill_rules", "stage_phase", "stale_by_rep", "team_training",
    "training_plan", "units_of", "wilson_interval",
]
