"""Fair comparison: win rate adjusted for each rep's mix, a z-score against the team, the groups, and the
money at stake per under-performer.

Population: the deals closed in the period (``deals_closed``), as the KPI ``win_rate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from ._common import GROUP_Z, MIN_CLOSED_DEALS, MIX_COLUMNS, NO_VALUE, ratio, with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

TOP, CORE, SUPPORT, TOO_FEW = "top performer", "core", "needs support", "too few deals to judge"
GROUPS: tuple[str, ...] = (TOP, CORE, SUPPORT, TOO_FEW)

FAIR_UNITS: dict[str, str] = {
    "closed": "count", "won": "count", "win_rate": "share", "expected_wins": "number", "mix_ratio": "number",
    "adjusted_win_rate": "share", "z_mix": "number", "team_rate": "share", "z_team": "number", "rank": "count",
    "avg_won_deal": "money", "money_at_stake": "money",
}


def fair_rules(min_closed: int = MIN_CLOSED_DEALS, z: float = GROUP_Z, mix: Sequence[str] = MIX_COLUMNS) -> str:
    """The rules of the fair comparison and the groups, in one paragraph (English; the notebook shows the
    catalogue's translation with the same numbers)."""
    return (
        f"Only reps with at least {min_closed} deals closed in the period are ranked; the others are "
        f"'too few deals to judge'. Expected wins: for each of the rep's closed deals, the company's win rate in "
        f"the deal's segment ({', '.join(mix) or 'none'}), summed; the mix ratio is actual / expected wins and "
        f"the adjusted win rate the company's rate times that ratio. z against the mix: (won - expected) / "
        f"sqrt(sum p(1-p)). z against the team: (won - closed x team rate) / sqrt(closed x rate x (1 - rate)), "
        f"the team's rate without the rep. 'Needs support': both z at or below -{z:g}; 'top performer': both at "
        f"or above +{z:g}; the rest 'core'. Money at stake of a rep who needs support: closed deals x (team rate "
        f"- rep rate) x the rep's average won deal (the team's when the rep won none)."
    )


def fair_comparison(
    frame: "AuditFrame", card: pd.DataFrame, mix: Sequence[str] = MIX_COLUMNS,
    min_closed: int = MIN_CLOSED_DEALS, z: float = GROUP_Z,
) -> pd.DataFrame:
    """One row per rep of a :func:`scorecard`, ranked: the fair comparison and the group.

    Columns: ``rep``, ``name``, ``team``, ``closed``, ``won``, ``win_rate``; ``expected_wins`` (sum over
    the rep's closed deals of the company's win rate in the deal's segment, the segment being the values of
    ``mix`` the export has), ``mix_ratio`` (won / expected), ``adjusted_win_rate`` (company rate x
    mix_ratio), ``z_mix``; ``team_rate`` (the team's win rate without the rep; the company's without the rep
    when the rep is alone), ``z_team``; ``ranked`` (closed >= ``min_closed``), ``rank`` (1 = best adjusted
    win rate; NaN when not ranked), ``group`` (see :data:`GROUPS`), ``avg_won_deal``, ``money_at_stake``
    (needs support only). ``attrs``: mix_columns, company_rate, rules.
    """
    closed = frame.population("deals_closed")
    used = [c for c in mix if frame.availability("deals", c).ok]
    key = pd.Series("", index=closed.index, dtype="string")
    for c in used:
        key = key + "|" + closed[c].astype("string").fillna(NO_VALUE)
    won = closed["status"].eq("won").astype(float)
    p_seg = won.groupby(key).transform("mean")
    owner = closed["owner_id"].astype("string")
    exp = p_seg.groupby(owner).sum()
    var = (p_seg * (1 - p_seg)).groupby(owner).sum()
    company_rate = float(won.mean()) if len(won) else np.nan
    r = card.loc[card["kind"] == "rep"].set_index("rep")
    teams = card.loc[card["kind"] == "team"].set_index("rep")
    out = pd.DataFrame({"rep": r.index, "name": r["name"].to_numpy(), "team": r["team"].to_numpy()})
    n = r["closed"].fillna(0).to_numpy(dtype=float)
    w = r["deals_won"].fillna(0).to_numpy(dtype=float)
    out["closed"], out["won"] = n, w
    out["win_rate"] = ratio(w, n)
    out["expected_wins"] = exp.reindex(r.index).fillna(0).to_numpy()
    out["mix_ratio"] = ratio(w, out["expected_wins"])
    out["adjusted_win_rate"] = company_rate * out["mix_ratio"]
    out["z_mix"] = ratio(w - out["expected_wins"], np.sqrt(var.reindex(r.index).fillna(0).to_numpy()))
    team_won = teams["deals_won"].reindex(out["team"]).fillna(0).to_numpy()
    team_closed = teams["closed"].reindex(out["team"]).fillna(0).to_numpy()
    alone = (team_closed - n) <= 0
    total_won, total_closed = float(np.nansum(w)), float(np.nansum(n))
    others_won = np.where(alone, total_won - w, team_won - w)
    others_closed = np.where(alone, total_closed - n, team_closed - n)
    p_team = ratio(others_won, others_closed)
    out["team_rate"] = p_team
    out["z_team"] = ratio(w - n * p_team, np.sqrt(n * p_team * (1 - p_team)))
    out["ranked"] = n >= min_closed
    score = out["adjusted_win_rate"].where(out["ranked"])
    out["rank"] = score.rank(ascending=False, method="min")
    low = out["ranked"] & (out["z_team"] <= -z) & (out["z_mix"] <= -z)
    high = out["ranked"] & (out["z_team"] >= z) & (out["z_mix"] >= z)
    out["group"] = np.select([~out["ranked"], low, high], [TOO_FEW, SUPPORT, TOP], CORE)
    avg = r["avg_won_deal"].to_numpy(dtype=float)
    team_avg = teams["avg_won_deal"].reindex(out["team"]).to_numpy(dtype=float)
    out["avg_won_deal"] = np.where(np.isnan(avg), team_avg, avg)
    stake = n * (p_team - out["win_rate"]) * out["avg_won_deal"]
    out["money_at_stake"] = np.where(low, np.maximum(stake, 0), np.nan)
    out = out.sort_values(["ranked", "rank", "closed"], ascending=[False, True, False], kind="stable")
    out = out.reset_index(drop=True).astype({"rep": "str", "name": "str", "team": "str", "group": "str"})
    return with_units(out, FAIR_UNITS, mix_columns=used, company_rate=company_rate,
                      rules=fair_rules(min_closed, z, used), min_closed=min_closed, z=z)
