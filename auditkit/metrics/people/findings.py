"""Step 4's findings: each rep who needs support (with where they leak and the competency gaps that
plausibly explain it), each skill gap behind an under-performance or a leak, each gap a team shares, and
each top performer whose practice others could copy. Never built on a number that is not available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...findings import Bands, Finding, records, severity_for
from .fair import SUPPORT, TOP

if TYPE_CHECKING:  # pragma: no cover
    from ...report.format import Formatter

#: Severity of a rep who needs support, on -z against the team.
UNDERPERFORMANCE_SEVERITY: Bands = ((4.0, "high"), (3.0, "medium"), (0.0, "low"))


def people_findings(
    fair: pd.DataFrame, leaks: pd.DataFrame, stalls: pd.DataFrame, plan: pd.DataFrame, shared: pd.DataFrame,
    fmt: "Formatter",
) -> list[Finding]:
    """The findings of step 4 (see the module docstring), from the tables of :func:`people_report`."""
    out: list[Finding] = []
    money = fair.attrs.get("company_rate") is not None
    for row in fair.loc[fair["group"] == SUPPORT].itertuples():
        rep_leaks = leaks.loc[(leaks["rep"] == row.rep) & leaks["leak"].astype(bool)].sort_values("extra_lost", ascending=False)
        rep_stalls = stalls.loc[(stalls["rep"] == row.rep) & stalls["stall"].astype(bool)] if len(stalls) else stalls
        rep_plan = plan.loc[plan["rep"] == row.rep]
        where = ", ".join(rep_leaks["stage"]) or "no single stage (the losses are spread)"
        gaps = ", ".join(rep_plan["competency"]) or "none assessed"
        stake = f"; about {fmt.money(row.money_at_stake)} of won value at stake" if money and not np.isnan(row.money_at_stake) else ""
        detail = (
            f"Why flagged: {int(row.won)} won of {int(row.closed)} closed ({fmt.share(row.win_rate)}), against "
            f"{fmt.share(row.team_rate)} for the rest of {row.team} (z {row.z_team:.1f}) and {row.expected_wins:.1f} "
            f"wins expected from the company's rates in the rep's mix of segments (mix ratio {row.mix_ratio:.2f}, "
            f"z {row.z_mix:.1f}). Loses more than the team at: {where}."
            + (f" Stalls longer than the team at: {', '.join(rep_stalls['stage'])}." if len(rep_stalls) else "")
            + f" Competency gaps, to train first to last: {gaps}."
        )
        ev = pd.concat([
            pd.DataFrame([{"part": "win rate", "what": "rep", "value": row.win_rate, "against": row.team_rate,
                           "n": row.closed, "z": row.z_team}]),
            rep_leaks.assign(part="stage conversion").rename(columns={"stage": "what", "conversion": "value",
                                                                      "team_conversion": "against", "left": "n"})
            [["part", "what", "value", "against", "n", "z"]],
            rep_plan.assign(part="competency score").rename(columns={"competency": "what", "score": "value",
                                                                     "team_mean": "against"})[["part", "what", "value", "against"]],
        ], ignore_index=True)
        out.append(Finding(
            step=4, kind="people.win_rate.low", subject=row.rep, area="people",
            title=f"{row.name} ({row.team}) wins {fmt.share(row.win_rate)} of closed deals against "
                  f"{fmt.share(row.team_rate)} for the team; loses most at {where}; gaps: {gaps}{stake}",
            severity=severity_for(-float(row.z_team), UNDERPERFORMANCE_SEVERITY), metric="win_rate",
            value=row.win_rate, target=row.team_rate, unit="share",
            benchmark="the team's win rate without the rep (deals closed in the period)", detail=detail,
            action="people.coach_underperformer", evidence=records(ev),
        ))
    support = set(fair.loc[fair["group"] == SUPPORT, "rep"])
    names = fair.set_index("rep")["name"]
    for row in plan.itertuples():
        if row.rep not in support and not row.explains:
            continue
        why = (f"it plausibly explains the stages where the rep leaks or stalls: {row.explains}" if row.explains
               else "the rep needs support and this competency is part of the gap")
        out.append(Finding(
            step=4, kind="people.skill_gap", subject=f"{row.rep}\x1f{row.competency}", area="people",
            title=f"{names.get(row.rep, row.rep)}: {row.competency} scored {row.score:g} against a team mean of "
                  f"{row.team_mean:.1f}",
            severity="medium" if row.rep in support else "low", metric="competency_score", value=row.score,
            target=row.team_mean, unit="score", benchmark="the team's mean score without the rep",
            detail=f"Train first: priority {int(row.order)} of the rep's gaps; {why}.",
            action="people.train_competency", evidence=records(pd.DataFrame([row._asdict()]).drop(columns="Index")),
        ))
    for row in shared.itertuples():
        out.append(Finding(
            step=4, kind="people.shared_gap", subject=f"{row.team}\x1f{row.competency}", area="people",
            title=f"{row.team}: {int(row.reps_with_gap)} of {int(row.assessed)} reps score low in {row.competency}",
            severity="medium", metric="competency_score", value=row.team_mean, unit="score",
            benchmark="a shared gap (see the rule in the report)",
            detail="A group training is cheaper than coaching each rep.", action="people.group_training",
            evidence=records(pd.DataFrame([row._asdict()]).drop(columns="Index")),
        ))
    for row in fair.loc[fair["group"] == TOP].itertuples():
        out.append(Finding(
            step=4, kind="people.win_rate.high", subject=row.rep, area="people",
            title=f"{row.name} ({row.team}) wins {fmt.share(row.win_rate)} of closed deals against "
                  f"{fmt.share(row.team_rate)} for the team: a practice worth copying",
            severity="info", metric="win_rate", value=row.win_rate, target=row.team_rate, unit="share",
            benchmark="the team's win rate without the rep (deals closed in the period)",
            detail=(f"{int(row.won)} won of {int(row.closed)} closed; z {row.z_team:.1f} against the team and "
                    f"{row.z_mix:.1f} against the company's rates in the rep's mix of segments."),
            action="people.share_practice", evidence=records(fair.loc[fair["rep"] == row.rep]),
        ))
    return out
