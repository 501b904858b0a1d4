"""Activity and effort (activities against results, stale open deals per rep) and new hires (the ramp).

Activities: those in the period (the frame hides those after ``as_of``). Stale: deals open at the end of
the period whose last sign of life (creation, a stage entry, an activity on the deal) is more than
``params.thresholds.stale_after_days`` before ``as_of``. Ramp: deals closed in the period, by whole months
(30.44 days) from the owner's hire date to the deal's close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..staleness import stale

from ._common import ratio, with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

DAY = pd.Timedelta(days=1)
MONTH_DAYS = 30.44
#: Months since hire shown in the ramp curve (0 = the first month).
RAMP_MONTHS = 12

MANY_FEW, FEW_FEW, MANY_MANY, FEW_MANY = ("many activities, few wins", "few activities, few wins",
                                          "many activities, many wins", "few activities, many wins")
ACTIVITY_UNITS: dict[str, str] = {"activities_per_week": "number", "win_rate": "share", "open_deals": "count",
                                  "stale_deals": "count", "stale_share": "share", "stale_value": "money",
                                  "months_since_hire": "count", "reps": "count", "closed": "count", "won": "count",
                                  "win_rate_ramp": "share", "won_value": "money"}


def activity_by_type(frame: "AuditFrame", card: pd.DataFrame) -> pd.DataFrame:
    """Activities per week by type, one row per rep (and the company row): ``rep``, ``name``, then one
    column per activity type (number per week, over the weeks the rep was hired for in the period).
    Empty without activities."""
    summary = frame.activity
    if summary is None:
        return pd.DataFrame()
    a = summary.by_rep.dropna(subset=["owner_id", "type"])
    rows = card.loc[card["kind"].isin(["rep", "company"])]
    weeks = ratio(rows["activities"], rows["activities_per_week"])
    counts = a.pivot_table(index="owner_id", columns="type", values="activities", aggfunc="sum", fill_value=0)
    counts = counts.rename_axis(index=None, columns=None)
    counts.loc["(company)"] = counts.sum()
    wide = counts.reindex(rows["rep"]).fillna(0).to_numpy(dtype=float) / weeks[:, None]
    out = pd.DataFrame(wide, columns=[str(c) for c in counts.columns])
    out.insert(0, "name", rows["name"].to_numpy())
    out.insert(0, "rep", rows["rep"].to_numpy())
    return with_units(out, {c: "number" for c in counts.columns})


def stale_by_rep(frame: "AuditFrame") -> pd.DataFrame:
    """Per rep: ``open_deals`` (at the period's end), ``stale_deals``, ``stale_share``, ``stale_value``
    (their amounts). A deal is stale as :func:`auditkit.metrics.staleness.stale` says (the same rule as step
    5's); without an activities table the stale columns are NaN (not assessed), never 0, and so is the value
    when the deals have no usable amounts."""
    open_ = frame.population("deals_open_at_end")
    flags = stale(frame)  # one definition with step 5; <NA> without an activities table
    known = bool(flags.notna().all()) and len(flags) > 0
    is_stale = flags.fillna(False).to_numpy(dtype=bool)
    d = pd.DataFrame({"rep": open_["owner_id"].astype("string").to_numpy(), "stale": is_stale,
                      "value": np.where(is_stale, open_["amount"].to_numpy(dtype=float, na_value=np.nan), 0.0)})
    g = d.groupby("rep").agg(open_deals=("stale", "size"), stale_deals=("stale", "sum"), stale_value=("value", "sum"))
    g["stale_share"] = ratio(g["stale_deals"], g["open_deals"])
    if not frame.availability("deals", "amount").ok:  # no amounts: the value is not known, not zero
        g["stale_value"] = np.nan
    if not known:  # not assessed: never a zero
        g[["stale_deals", "stale_value", "stale_share"]] = np.nan
    out = g.reset_index()[["rep", "open_deals", "stale_deals", "stale_share", "stale_value"]]
    return with_units(out.astype({"rep": "str"}), ACTIVITY_UNITS, stale_after_days=frame.params.thresholds.stale_after_days)


def activity_vs_results(card: pd.DataFrame, fair: pd.DataFrame) -> pd.DataFrame:
    """Each ranked rep's activities per week against their win rate, with the quadrant against the company
    medians: ``rep``, ``name``, ``team``, ``activities_per_week``, ``win_rate``, ``quadrant`` ("many
    activities, few wins" is an effectiveness problem; "few activities, few wins" an effort problem).
    Empty without activities."""
    reps = card.loc[card["kind"] == "rep"].set_index("rep")
    if reps["activities_per_week"].isna().all():
        return pd.DataFrame(columns=["rep", "name", "team", "activities_per_week", "win_rate", "quadrant"])
    f = fair.loc[fair["ranked"]].set_index("rep")
    out = pd.DataFrame({"rep": f.index, "name": f["name"].to_numpy(), "team": f["team"].to_numpy(),
                        "activities_per_week": reps["activities_per_week"].reindex(f.index).to_numpy(),
                        "win_rate": f["win_rate"].to_numpy()})
    busy = out["activities_per_week"] >= out["activities_per_week"].median()
    wins = out["win_rate"] >= out["win_rate"].median()
    out["quadrant"] = np.select([busy & ~wins, ~busy & ~wins, busy & wins], [MANY_FEW, FEW_FEW, MANY_MANY], FEW_MANY)
    return with_units(out.astype({"rep": "str", "name": "str", "team": "str", "quadrant": "str"}), ACTIVITY_UNITS)


def ramp(frame: "AuditFrame", team_of: pd.Series, hired: pd.Series, months: int = RAMP_MONTHS) -> pd.DataFrame:
    """The ramp curve: per whole month since hire (0..months-1), over every rep with a hire date: ``reps``
    (whose deals closed that month), ``closed``, ``won``, ``win_rate``, ``won_value`` (per rep: the month's
    won value / reps; NaN when the deals have no usable amounts). Empty without hire dates."""
    cols = ["months_since_hire", "reps", "closed", "won", "win_rate", "won_value"]
    hired = hired.dropna()
    if hired.empty:
        return with_units(pd.DataFrame(columns=cols), ACTIVITY_UNITS)
    c = frame.population("deals_closed")
    h = c["owner_id"].astype("string").map(hired)
    m = np.floor(((c["closed_at"] - h) / DAY) / MONTH_DAYS)
    d = pd.DataFrame({"rep": c["owner_id"].astype("string"), "m": m, "won": c["status"].eq("won"),
                      "value": np.where(c["status"].eq("won"), c["amount"].to_numpy(dtype=float, na_value=np.nan), 0.0)})
    d = d.loc[d["m"].notna() & (d["m"] >= 0) & (d["m"] < months)]
    g = d.groupby("m").agg(reps=("rep", "nunique"), closed=("won", "size"), won=("won", "sum"), value=("value", "sum"))
    g = g.reindex(np.arange(months, dtype=float), fill_value=0)
    out = pd.DataFrame({"months_since_hire": g.index.astype(int), "reps": g["reps"].to_numpy(),
                        "closed": g["closed"].to_numpy(), "won": g["won"].to_numpy()})
    out["win_rate"] = ratio(out["won"], out["closed"])
    out["won_value"] = ratio(g["value"].to_numpy(), out["reps"]) if frame.availability("deals", "amount").ok else np.nan
    return with_units(out, ACTIVITY_UNITS)
