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
    from ...report.text import t

    lang = fmt.language
    num = lambda x, d=1: fmt.number(x, d)  # noqa: E731
    out: list[Finding] = []
    money = fair.attrs.get("company_rate") is not None
    for row in fair.loc[fair["group"] == SUPPORT].itertuples():
        rep_leaks = leaks.loc[(leaks["rep"] == row.rep) & leaks["leak"].astype(bool)].sort_values("extra_lost", ascending=False)
        rep_stalls = stalls.loc[(stalls["rep"] == row.rep) & stalls["stall"].astype(bool)] if len(stalls) else stalls
        rep_plan = plan.loc[plan["rep"] == row.rep]
        where = ", ".join(rep_leaks["stage"]) or t("f4.spread", lang)
        gaps = ", ".join(rep_plan["competency"]) or t("f4.none_assessed", lang)
        stake = t("f4.stake", lang, money=fmt.money(row.money_at_stake)) if money and not np.isnan(row.money_at_stake) else ""
        detail = (
            t("f4.low.detail", lang, won=fmt.number(int(row.won)), closed=fmt.number(int(row.closed)), rate=fmt.share(row.win_rate),
              team_rate=fmt.share(row.team_rate), team=row.team, z_team=num(row.z_team), expected=num(row.expected_wins),
              mix_ratio=num(row.mix_ratio, 2), z_mix=num(row.z_mix), where=where)
            + (t("f4.low.stalls", lang, stages=", ".join(rep_stalls["stage"])) if len(rep_stalls) else "")
            + t("f4.low.gaps", lang, gaps=gaps)
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
            title=t("f4.low.title", lang, name=row.name, team=row.team, rate=fmt.share(row.win_rate),
                    team_rate=fmt.share(row.team_rate), where=where, gaps=gaps, stake=stake),
            severity=severity_for(-float(row.z_team), UNDERPERFORMANCE_SEVERITY), metric="win_rate",
            value=row.win_rate, target=row.team_rate, unit="share",
            benchmark=t("f4.rate.benchmark", lang), detail=detail,
            action="people.coach_underperformer", evidence=records(ev),
        ))
    support = set(fair.loc[fair["group"] == SUPPORT, "rep"])
    names = fair.set_index("rep")["name"]
    for row in plan.itertuples():
        if row.rep not in support and not row.explains:
            continue
        why = t("f4.gap.explains", lang, stages=row.explains) if row.explains else t("f4.gap.part", lang)
        out.append(Finding(
            step=4, kind="people.skill_gap", subject=f"{row.rep}\x1f{row.competency}", area="people",
            title=t("f4.gap.title", lang, name=names.get(row.rep, row.rep), competency=row.competency,
                    score=num(row.score, 0 if float(row.score).is_integer() else 1), mean=num(row.team_mean)),
            severity="medium" if row.rep in support else "low", metric="competency_score", value=row.score,
            target=row.team_mean, unit="score", benchmark=t("f4.gap.benchmark", lang),
            detail=t("f4.gap.detail", lang, order=int(row.order), why=why),
            action="people.train_competency", evidence=records(pd.DataFrame([row._asdict()]).drop(columns="Index")),
        ))
    for row in shared.itertuples():
        out.append(Finding(
            step=4, kind="people.shared_gap", subject=f"{row.team}\x1f{row.competency}", area="people",
            title=t("f4.shared.title", lang, team=row.team, with_gap=int(row.reps_with_gap), assessed=int(row.assessed),
                    competency=row.competency),
            severity="medium", metric="competency_score", value=row.team_mean, unit="score",
            benchmark=t("f4.shared.benchmark", lang),
            detail=t("f4.shared.detail", lang), action="people.group_training",
            evidence=records(pd.DataFrame([row._asdict()]).drop(columns="Index")),
        ))
    for row in fair.loc[fair["group"] == TOP].itertuples():
        out.append(Finding(
            step=4, kind="people.win_rate.high", subject=row.rep, area="people",
            title=t("f4.top.title", lang, name=row.name, team=row.team, rate=fmt.share(row.win_rate),
                    team_rate=fmt.share(row.team_rate)),
            severity="info", metric="win_rate", value=row.win_rate, target=row.team_rate, unit="share",
            benchmark=t("f4.rate.benchmark", lang),
            detail=t("f4.top.detail", lang, won=fmt.number(int(row.won)), closed=fmt.number(int(row.closed)), z_team=num(row.z_team), z_mix=num(row.z_mix)),
            action="people.share_practice", evidence=records(fair.loc[fair["rep"] == row.rep]),
        ))
    return out
