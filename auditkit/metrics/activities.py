"""The activities, summarised once: steps 4 to 6 read these few tables, never the activities themselves.

A client's activities are the largest table by far (30 activities a deal is common: 35M rows at 1M
deals). Every metric that reads them asks a question of one of four shapes, so the table is summarised
once per client, in the frame (:func:`summarise`), and a run's clean cache keeps the summary instead of
the rows (``frame.save(run_dir, activities="summary")``):

- ``by_deal``: per (deal, person who logged it), over the activities before the as-of moment: how many,
  how many in the period, and the last one (staleness, collaboration, handovers, deals touched);
- ``by_rep``: per (person, activity type, week) in the period: how many (activity counts and per week,
  activities by type, weeks with an activity);
- ``lag``: the logging lag per rep and overall (its median and 90th percentile need every activity);
- ``fill``: per assessed column, the activities of the period that need a value and those that have one.

Every figure read from the summary equals the figure computed from the rows (tests/metrics/test_activities.py
checks each against the rows it summarises).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

if TYPE_CHECKING:
    from ..params import AuditParams

HOUR = pd.Timedelta(hours=1)
#: The columns of the activities assessed for completeness (step 5), and the rows that need a value in
#: them (default: every activity of the period).
ASSESSED: tuple[str, ...] = ("owner_id", "deal_id", "logged_at", "duration_min", "outcome")
NEEDED: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "duration_min": lambda a: a["type"].isin(["call", "meeting"]),
    "deal_id": lambda a: a["lead_id"].isna(),  # an activity on a lead needs no deal
}
#: An activity logged later than this after it happened is logged late.
LATE_LOG_HOURS = 24.0
ALL = "(all)"
NO_VALUE = "(none)"
_PARTS = ("by_deal", "by_rep", "lag", "fill")


@dataclass(frozen=True)
class ActivitySummary:
    """A client's activities summarised for one period (see the module's docstring for each table)."""

    by_deal: pd.DataFrame  # deal_id, owner_id (<NA> kept), activities, in_period (counts), last_at (timestamp)
    by_rep: pd.DataFrame  # owner_id, type (<NA> kept), week (Monday 00:00 of its Monday-Sunday week), activities
    lag: pd.DataFrame  # rep, activities, median_lag_hours, p90_lag_hours, late_share (hours, share)
    fill: pd.DataFrame  # column, needed, filled (counts)

    def save(self, folder: Path) -> None:
        """Write the four tables as Parquet into ``folder`` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in _PARTS:
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "summary.json").write_text(json.dumps({"parts": list(_PARTS)}), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> "ActivitySummary":
        """The summary :meth:`save` wrote into ``folder``."""
        return cls(**{name: pd.read_parquet(folder / f"{name}.parquet") for name in _PARTS})

    @staticmethod
    def saved_in(folder: Path) -> bool:
        return (folder / "summary.json").is_file()


def week_start(at: pd.Series) -> pd.Series:
    """Monday 00:00 of each timestamp's week (weeks run Monday to Sunday, pandas' ``W-SUN``)."""
    day = at.dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D")


def summarise(activities: pd.DataFrame, params: "AuditParams") -> ActivitySummary:
    """The summary of ``activities`` (the clean table, any period) for the period of ``params``: nothing at or
    after the as-of moment is counted; ``by_rep``, ``lag`` and ``fill`` read the activities of the period."""
    start, as_of = params.period.start_ts(), params.period.end_ts()
    a = activities.loc[~(activities["at"].notna() & (activities["at"] >= as_of))]
    in_period = (a["at"].notna() & (a["at"] >= start)).to_numpy()
    on_deal = a["deal_id"].notna().to_numpy()
    d = pd.DataFrame({"deal_id": a["deal_id"].to_numpy()[on_deal], "owner_id": a["owner_id"].to_numpy()[on_deal],
                      "at": a["at"].to_numpy()[on_deal], "in_period": in_period[on_deal]})
    g = d.groupby(["deal_id", "owner_id"], dropna=False, sort=True, observed=True)
    by_deal = pd.DataFrame({"activities": g.size(), "in_period": g["in_period"].sum(), "last_at": g["at"].max()})
    by_deal = by_deal.reset_index().astype({"deal_id": "string", "owner_id": "string", "activities": "int64",
                                            "in_period": "int64", "last_at": "datetime64[ns]"})
    p = a.loc[in_period]
    keys = pd.DataFrame({"owner_id": p["owner_id"].astype("string").to_numpy(), "type": p["type"].astype("string").to_numpy(),
                         "week": week_start(p["at"]).to_numpy()})
    by_rep = keys.groupby(["owner_id", "type", "week"], dropna=False, sort=True).size().rename("activities").reset_index()
    by_rep = by_rep.astype({"owner_id": "string", "type": "string", "week": "datetime64[ns]", "activities": "int64"})
    fill = pd.DataFrame(
        [{"column": col, "needed": int(needed.sum()), "filled": int(p.loc[needed, col].notna().sum())}
         for col in ASSESSED for needed in [NEEDED[col](p) if col in NEEDED else pd.Series(True, index=p.index)]],
        columns=["column", "needed", "filled"],
    )
    return ActivitySummary(by_deal=by_deal, by_rep=by_rep, lag=lag_table(p), fill=fill)


def lag_table(period: pd.DataFrame) -> pd.DataFrame:
    """Per rep (``(none)`` for activities without one), the ``(all)`` row first and then the slowest median
    first, over the activities of ``period`` with a ``logged_at``: ``activities``, ``median_lag_hours``,
    ``p90_lag_hours`` (hours) and ``late_share`` (logged more than LATE_LOG_HOURS after; share)."""
    cols = ["rep", "activities", "median_lag_hours", "p90_lag_hours", "late_share"]
    a = period.loc[period["logged_at"].notna()]
    if a.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c == "rep" else "float64") for c in cols})
    lag = ((a["logged_at"] - a["at"]) / HOUR).astype("float64")
    rep = a["owner_id"].astype("string").fillna(NO_VALUE)

    def stats(g: Any) -> pd.DataFrame:
        return pd.DataFrame({"activities": g.size(), "median_lag_hours": g.median(), "p90_lag_hours": g.quantile(0.9),
                             "late_share": (g.apply(lambda s: float((s > LATE_LOG_HOURS).mean())))})

    every = stats(pd.Series(lag.to_numpy(), index=pd.Index([ALL] * len(lag), dtype="string")).groupby(level=0))
    each = stats(pd.Series(lag.to_numpy(), index=pd.Index(rep.to_numpy(), dtype="string")).groupby(level=0, sort=False))
    each = each.sort_values("median_lag_hours", ascending=False, kind="stable")
    out = pd.concat([every, each]).rename_axis("rep").reset_index()
    return out.astype({"rep": "string", "activities": "int64"})[cols]

