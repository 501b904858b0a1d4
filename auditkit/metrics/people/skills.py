"""Skills and knowledge from the competency assessments: the rep x competency matrix, the gaps, and the
training plan (per rep, the competencies ranked by how plausibly they explain the rep's leaking stages;
per team, the shared gaps worth a group training).

Assessments: the latest score (1-5) of each rep in each competency (the mean of that day's scores when a
rep was assessed twice on the same day); the client's own list of competencies is used as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._common import with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

#: A score at or below this is a gap ...
GAP_SCORE = 2.0
#: ... when it is also at least this far below the team's mean in the competency (the team without the rep).
GAP_BELOW_TEAM = 1.0
#: A competency is a shared gap of a team when at least this share of its assessed reps (and two) have it,
#: or the team's mean is at or below GAP_SCORE + 0.5.
SHARED_GAP_SHARE = 0.5

#: Where in the pipeline a competency shows: words in its name (lower case, English and Russian) -> part of
#: the pipeline ("early", "middle", "late", "all"). Competencies matching none are "all".
PHASE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("late", ("objection", "возраж", "negotiat", "перегов", "closing", "закрыт", "close")),
    ("middle", ("product", "продукт", "presentation", "презентац", "demo", "демо")),
    ("early", ("prospect", "поиск", "discovery", "needs", "потребност", "qualif", "квалиф", "выявлен")),
    ("all", ("crm", "client", "клиент", "communication", "коммуникац")),
)

SKILL_UNITS: dict[str, str] = {"score": "score", "team_mean": "score", "gap": "score", "relevance": "number",
                               "priority": "number", "reps_with_gap": "count", "assessed": "count", "share": "share"}


def skill_rules() -> str:
    """The rule that makes a score a gap and ranks the training plan (English)."""
    return (
        f"A score is a gap when it is at most {GAP_SCORE:g} and at least {GAP_BELOW_TEAM:g} below the mean of the "
        f"rep's team without the rep. Each competency is placed in a part of the pipeline by its name (objection "
        f"handling, negotiation, closing: the last third of the open stages; product knowledge, presentation: "
        f"the middle third; prospecting, needs discovery, qualification: the first third; others, such as CRM "
        f"discipline or client communication: all stages, counted once). A rep's gaps are ranked by priority = (team mean - "
        f"score) x (1 + the number of the rep's leaking or stalling stages in that part of the pipeline). A team "
        f"shares a gap when at least {SHARED_GAP_SHARE:.0%} of its assessed reps (and at least two) have it."
    )


def phase_of(competency: str) -> str:
    """The part of the pipeline a competency shows in ("early", "middle", "late" or "all"), by its name."""
    name = str(competency).lower()
    for phase, words in PHASE_WORDS:
        if any(w in name for w in words):
            return phase
    return "all"


def stage_phase(stages: list[str]) -> dict[str, str]:
    """Each open stage's part of the pipeline: first, middle or last third ("early", "middle", "late")."""
    k = len(stages)
    return {s: ("early", "middle", "late")[min(2, (3 * i) // max(k, 1))] for i, s in enumerate(stages)}


def skill_matrix(frame: "AuditFrame", team_of: pd.Series) -> pd.DataFrame:
    """The latest score of each rep in each competency, long: ``rep``, ``team``, ``competency``, ``score``,
    ``team_mean`` (the team's mean without the rep; the company's without the rep for a rep alone in a
    team), ``gap_size`` (team_mean - score), ``gap`` (see :func:`skill_rules`). Empty without assessments.
    Only reps of the audit (``team_of``'s index) are kept; ``attrs["competencies"]`` keeps the client's order."""
    a = frame.table("assessments")
    cols = ["rep", "team", "competency", "score", "team_mean", "gap_size", "gap"]
    if a is None or a.empty:
        return with_units(pd.DataFrame(columns=cols), SKILL_UNITS, competencies=[])
    a = a.dropna(subset=["rep_id", "competency", "score"]).assign(rep=lambda x: x["rep_id"].astype("string"))
    competencies = list(pd.unique(a["competency"].astype("str")))
    a = a.loc[a["rep"].isin(team_of.index)]
    when = a["assessed_at"].fillna(pd.Timestamp.min) if "assessed_at" in a else pd.Series(0, index=a.index)
    last = when.groupby([a["rep"], a["competency"]]).transform("max")
    a = a.loc[when == last]
    m = a.groupby(["rep", "competency"], as_index=False)["score"].mean()
    m["team"] = m["rep"].map(team_of).astype("string")
    grp = m.groupby(["team", "competency"])["score"]
    tsum, tcnt = grp.transform("sum"), grp.transform("count")
    csum = m.groupby("competency")["score"].transform("sum")
    ccnt = m.groupby("competency")["score"].transform("count")
    alone = tcnt <= 1
    m["team_mean"] = np.where(alone, (csum - m["score"]) / (ccnt - 1).where(ccnt > 1), (tsum - m["score"]) / (tcnt - 1).where(tcnt > 1))
    m["gap_size"] = m["team_mean"] - m["score"]
    m["gap"] = (m["score"] <= GAP_SCORE) & (m["gap_size"] >= GAP_BELOW_TEAM)
    m["_o"] = m["competency"].map({c: i for i, c in enumerate(competencies)})
    m = m.sort_values(["rep", "_o"]).drop(columns="_o").reset_index(drop=True)[cols]
    return with_units(m.astype({"rep": "str", "team": "str", "competency": "str"}), SKILL_UNITS, competencies=competencies)


def skill_heatmap(skills: pd.DataFrame, names: pd.Series | None = None) -> pd.DataFrame:
    """The rep x competency matrix (rows: reps, labelled by name when given; columns: competencies in
    the client's order; values: scores, NaN where not assessed)."""
    if skills.empty:
        return pd.DataFrame()
    wide = skills.pivot_table(index="rep", columns="competency", values="score", aggfunc="mean")
    wide = wide.reindex(columns=[c for c in skills.attrs.get("competencies", []) if c in wide.columns])
    if names is not None:
        wide.index = [f"{names.get(r, r)}" for r in wide.index]
    wide.columns = [str(c) for c in wide.columns]
    return wide


def training_plan(skills: pd.DataFrame, funnel_by_rep: pd.DataFrame, time_by_rep: pd.DataFrame,
                  stages: list[str]) -> pd.DataFrame:
    """Per rep, the competencies to train, most plausible first.

    One row per (rep, competency) gap. Columns: ``rep``, ``team``, ``competency``, ``score``, ``team_mean``,
    ``phase`` (part of the pipeline), ``explains`` (the rep's leaking or stalling stages in that part,
    joined by ", "), ``relevance`` (how many), ``priority`` ((team_mean - score) x (1 + relevance)),
    ``order`` (1 = train first, per rep).
    """
    cols = ["rep", "team", "competency", "score", "team_mean", "phase", "explains", "relevance", "priority", "order"]
    gaps = skills.loc[skills["gap"]].copy() if len(skills) else pd.DataFrame(columns=skills.columns)
    if gaps.empty:
        return with_units(pd.DataFrame(columns=cols), SKILL_UNITS)
    phase = stage_phase(stages)
    flagged = pd.concat([
        funnel_by_rep.loc[funnel_by_rep["leak"].astype(bool), ["rep", "stage"]] if len(funnel_by_rep) else pd.DataFrame(columns=["rep", "stage"]),
        time_by_rep.loc[time_by_rep["stall"].astype(bool), ["rep", "stage"]] if len(time_by_rep) else pd.DataFrame(columns=["rep", "stage"]),
    ]).drop_duplicates()
    flagged["phase"] = flagged["stage"].map(phase)
    gaps["phase"] = gaps["competency"].map(phase_of)

    def explains(row: pd.Series) -> str:
        f = flagged.loc[flagged["rep"] == row["rep"]]
        if row["phase"] != "all":
            f = f.loc[f["phase"] == row["phase"]]
        ordered = [s for s in stages if s in set(f["stage"])]
        return ", ".join(ordered)

    gaps["explains"] = gaps.apply(explains, axis=1).astype("str")
    count = gaps["explains"].map(lambda s: len(s.split(", ")) if s else 0)
    gaps["relevance"] = np.where(gaps["phase"] == "all", np.minimum(count, 1), count)
    gaps["priority"] = gaps["gap_size"] * (1 + gaps["relevance"])
    gaps = gaps.sort_values(["rep", "priority", "competency"], ascending=[True, False, True])
    gaps["order"] = gaps.groupby("rep").cumcount() + 1
    return with_units(gaps[cols].reset_index(drop=True), SKILL_UNITS)


def team_training(skills: pd.DataFrame) -> pd.DataFrame:
    """Per team, the competencies worth a group training: ``team``, ``competency``, ``assessed`` (reps),
    ``reps_with_gap`` (score at or below GAP_SCORE), ``share``, ``team_mean``; only shared gaps (see
    :func:`skill_rules`), lowest team mean first."""
    cols = ["team", "competency", "assessed", "reps_with_gap", "share", "team_mean"]
    if skills.empty:
        return with_units(pd.DataFrame(columns=cols), SKILL_UNITS)
    s = skills.assign(low=skills["score"] <= GAP_SCORE)
    g = s.groupby(["team", "competency"], as_index=False).agg(
        assessed=("score", "count"), reps_with_gap=("low", "sum"), team_mean=("score", "mean"))
    g["share"] = g["reps_with_gap"] / g["assessed"]
    shared = ((g["share"] >= SHARED_GAP_SHARE) & (g["reps_with_gap"] >= 2)) | (g["team_mean"] <= GAP_SCORE + 0.5)
    out = g.loc[shared, cols].sort_values(["team_mean", "team"]).reset_index(drop=True)
    return with_units(out.astype({"team": "str", "competency": "str"}), SKILL_UNITS)
