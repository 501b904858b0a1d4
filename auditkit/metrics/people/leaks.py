"""Where each rep leaks: the rep's stage conversions and stage times against the team's, from the step-3
funnel (:func:`auditkit.metrics.process.segment_funnel` by owner, :func:`stage_durations`).

Population: the deals created in the period with their stage entries before ``as_of``, as the funnel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...io.vector import by_value, group_rows, positions
from ...kpis import deal_ids_repeat
from ..process import MIN_STAGE_ENTRIES, segment_funnel, stage_durations
from ..process.stage_time import duration_deal_rows
from ..survival import km_quantiles
from ._common import GROUP_Z, ratio, with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

#: A rep leaks at a stage when its conversion is at least this much (absolute) below the team's ...
LEAK_MIN_DIFFERENCE = 0.05
#: ... and the binomial z of the difference is at or below -GROUP_Z, with at least MIN_STAGE_ENTRIES left.
#: A rep stalls at a stage when its median days there are at least this multiple of the team's.
STALL_RATIO = 1.5

LEAK_UNITS: dict[str, str] = {
    "left": "count", "advanced": "count", "conversion": "share", "team_conversion": "share",
    "difference": "change", "z": "number", "extra_lost": "number", "entries": "count",
    "median_days": "days", "team_median_days": "days", "days_ratio": "number",
}


def leak_rules() -> str:
    """The rule that flags a leaking or stalling stage, in one sentence (English)."""
    return (
        f"A rep leaks at a stage when at least {MIN_STAGE_ENTRIES} of their entries have left it, their conversion "
        f"(advanced / left, as in the funnel) is at least {LEAK_MIN_DIFFERENCE:.0%} below their team's without "
        f"them, and z = (advanced - left x team rate) / sqrt(left x rate x (1 - rate)) is at or below -{GROUP_Z:g}. "
        f"A rep stalls at a stage when their median days in it (Kaplan-Meier, open entries censored) are at least "
        f"{STALL_RATIO:g} times their team's, with at least {MIN_STAGE_ENTRIES} entries."
    )


def rep_funnel(frame: "AuditFrame", team_of: pd.Series) -> pd.DataFrame:
    """Each rep's stage conversions against the team's (the team without the rep).

    One row per (rep, stage), stages in pipeline order. Columns: ``rep``, ``team``, ``stage``, ``left``,
    ``advanced``, ``conversion`` (advanced / left), ``team_conversion``, ``difference`` (rep - team),
    ``z``, ``extra_lost`` (left x (team - rep conversion): entries the rep lost beyond the team's rate),
    ``leak`` (see :func:`leak_rules`). ``attrs``: estimate (no stage history: no conversion is claimed),
    reason, stages.
    """
    seg = segment_funnel(frame, by="owner_id")
    cols = ["rep", "team", "stage", "left", "advanced", "conversion", "team_conversion", "difference", "z",
            "extra_lost", "leak"]
    if seg.empty or seg.attrs.get("estimate"):
        out = pd.DataFrame(columns=cols)
        return with_units(out, LEAK_UNITS, estimate=bool(seg.attrs.get("estimate")), reason=seg.attrs.get("reason"),
                          stages=seg.attrs.get("stages", []))
    s = seg.loc[seg["value"].isin(team_of.index), ["value", "stage", "left", "advanced"]].rename(columns={"value": "rep"})
    s["team"] = s["rep"].map(team_of).astype("str")
    tot = s.groupby(["team", "stage"], sort=False)[["left", "advanced"]].transform("sum")
    others_left = tot["left"] - s["left"]
    others_adv = tot["advanced"] - s["advanced"]
    s["conversion"] = ratio(s["advanced"], s["left"])
    s["team_conversion"] = ratio(others_adv, others_left)
    s["difference"] = s["conversion"] - s["team_conversion"]
    p = s["team_conversion"].to_numpy()
    n = s["left"].to_numpy(dtype=float)
    s["z"] = ratio(s["advanced"] - n * p, np.sqrt(n * p * (1 - p)))
    s["extra_lost"] = n * (p - s["conversion"])
    s["leak"] = (n >= MIN_STAGE_ENTRIES) & (s["difference"] <= -LEAK_MIN_DIFFERENCE) & (s["z"] <= -GROUP_Z)
    out = s[cols].reset_index(drop=True).astype({"rep": "str", "team": "str", "stage": "str"})
    return with_units(out, LEAK_UNITS, estimate=False, reason=None, stages=list(seg.attrs.get("stages", [])))


def rep_stage_time(frame: "AuditFrame", team_of: pd.Series) -> pd.DataFrame:
    """Each rep's median days in each stage against the team's (the team without the rep).

    One row per (rep, stage). Columns: ``rep``, ``team``, ``stage``, ``entries``, ``median_days``,
    ``team_median_days`` (Kaplan-Meier medians, entries still in the stage at ``as_of`` censored; NaN when
    fewer than half have left), ``days_ratio``, ``stall``. Empty without stage history.
    """
    d = stage_durations(frame)
    cols = ["rep", "team", "stage", "entries", "median_days", "team_median_days", "days_ratio", "stall"]
    if d.empty:
        return with_units(pd.DataFrame(columns=cols), LEAK_UNITS, estimate=bool(d.attrs.get("estimate")),
                          reason=d.attrs.get("reason"))
    # each entry's rep, team and stage as codes (4.6M entries at 1M deals): the rep through its deal's row,
    # entries of a rep the reps table does not list, or without days, left out
    if deal_ids_repeat(frame):
        owner = frame.deals.drop_duplicates("deal_id").set_index("deal_id")["owner_id"].astype("string")
        at = positions(d["deal_id"], owner.index)  # each entry's deal (-1: none)
    else:  # each deal is one row of the deals, where its entries were matched when parsed
        owner, at = frame.deals["owner_id"].astype("string"), duration_deal_rows(frame)
    team = by_value(owner, lambda o: o.map(team_of).astype("string"))  # each deal's rep's team
    listed = (owner.notna() & owner.isin(team_of.index) & team.notna()).to_numpy()
    rep_code, rep_names = pd.factorize(owner.where(listed))
    team_code, team_names = pd.factorize(team.where(listed))
    entry_rep = np.where(at >= 0, rep_code[at], -1)
    entry_team = np.where(at >= 0, team_code[at], -1)
    stage_code = np.asarray(d["stage"].cat.codes, dtype=np.int64)
    days_all, censored_all = d["days"].to_numpy(float), d["censored"].to_numpy(bool)
    kept = np.flatnonzero((entry_rep >= 0) & (stage_code >= 0) & ~np.isnan(days_all))
    # sorted by duration once, every group's durations come sorted, and each Kaplan-Meier sort is one pass
    kept = kept[np.argsort(days_all[kept], kind="stable")]
    n_stages = len(d["stage"].cat.categories)
    rows = []
    # each (team, stage) together, in duration order within
    for at_group in group_rows(entry_team[kept] * n_stages + stage_code[kept], len(team_names) * n_stages):
        if not len(at_group):
            continue
        part = kept[at_group]
        days, censored, who = days_all[part], censored_all[part], entry_rep[part]
        team_name = str(team_names[entry_team[part[0]]])
        stage_name = str(d["stage"].cat.categories[stage_code[part[0]]])
        for code in sorted(set(who.tolist()), key=lambda c: rep_names[c]):
            own = who == code
            med = km_quantiles(days[own], censored[own], (0.5,))[0]
            team_med = km_quantiles(days[~own], censored[~own], (0.5,))[0] if not own.all() else np.nan
            rows.append({"rep": rep_names[code], "team": team_name, "stage": stage_name, "entries": int(own.sum()),
                         "median_days": med, "team_median_days": team_med})
    out = pd.DataFrame(rows, columns=cols[:6])
    out["days_ratio"] = ratio(out["median_days"], out["team_median_days"])
    out["stall"] = (out["entries"] >= MIN_STAGE_ENTRIES) & (out["days_ratio"] >= STALL_RATIO)
    stages = list(frame.params.pipeline.open_stages)
    out["_o"] = out["stage"].map({s: i for i, s in enumerate(stages)})
    out = out.sort_values(["rep", "_o"]).drop(columns="_o").reset_index(drop=True)
    return with_units(out.astype({"rep": "str", "team": "str", "stage": "str"}), LEAK_UNITS, estimate=False, reason=None)


def leak_summary(funnel_by_rep: pd.DataFrame, time_by_rep: pd.DataFrame) -> pd.DataFrame:
    """Per rep: ``leaks`` (the stages where the rep leaks, worst first by extra lost entries, joined by
    ", "), ``worst_leak`` (the first of them, "" when none), ``stalls`` (stages where the rep stalls)."""
    leaks = (funnel_by_rep.loc[funnel_by_rep["leak"]].sort_values("extra_lost", ascending=False)
             .groupby("rep", sort=False)["stage"].agg(lambda s: ", ".join(s)))
    stalls = time_by_rep.loc[time_by_rep["stall"]].groupby("rep", sort=False)["stage"].agg(lambda s: ", ".join(s))
    reps = sorted(set(funnel_by_rep["rep"]) | set(time_by_rep["rep"]))
    out = pd.DataFrame({"rep": reps})
    out["leaks"] = out["rep"].map(leaks).fillna("")
    out["worst_leak"] = [x.split(", ")[0] if x else "" for x in out["leaks"]]
    out["stalls"] = out["rep"].map(stalls).fillna("")
    return out.astype("str")
