"""Pipeline velocity month by month, and which of its levers moved.

Per month of the period: the deals open at the month's end (the pipeline
view; the last month's is the KPI ``open_deals``), and the deals won and lost
in the month (their sums over the months are the KPIs ``deals_won``,
``deals_lost`` and ``won_value``). Every month carries its data ``coverage``
(:meth:`auditkit.frame.AuditFrame.month_coverage`): the levers compare complete
months only, so a month the data reaches in part, or not at all, is never read
as a drop.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...kpis import cycle_days, evaluate
from ._common import ns, ratio, with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame
    from ...report.format import Formatter

#: The four levers of pipeline velocity (columns of :func:`velocity`).
LEVERS: tuple[str, ...] = ("open_deals", "win_rate", "avg_won", "median_cycle_days")
#: The unit of each lever's value (and of velocity itself: money per day).
LEVER_UNITS: dict[str, str] = {
    "open_deals": "count", "win_rate": "share", "avg_won": "money", "median_cycle_days": "days", "velocity": "money",
}
#: Labels of the levers, for tables and texts.
LEVER_LABELS: dict[str, str] = {
    "open_deals": "Open deals", "win_rate": "Win rate", "avg_won": "Average won deal",
    "median_cycle_days": "Median sales cycle, days", "velocity": "Velocity (per day)",
}
#: Each half of the period needs at least this many complete months for the levers to be compared.
MIN_COMPLETE_MONTHS_PER_HALF = 2

VELOCITY_UNITS: dict[str, str] = {
    "period": "month", "period_end": "date", "open_deals": "count", "won_deals": "count", "lost_deals": "count",
    "won_with_amount": "count", "won_value": "money", "win_rate": "share", "avg_won": "money",
    "median_cycle_days": "days", "velocity": "money",
}
LEVERS_TABLE_UNITS: dict[str, str] = {"change": "change", "velocity_effect": "change"}


def velocity(frame: "AuditFrame") -> pd.DataFrame:
    """Pipeline velocity per month of the period.

    Columns: ``period`` (month, first day), ``period_end`` (exclusive; the period's end cuts the last
    month), ``open_deals`` (deals open at ``period_end``, whenever created; the last month's is the KPI
    ``open_deals``), ``won_deals``, ``lost_deals`` (closed in the month), ``won_with_amount`` (won deals
    with an amount), ``won_value`` (money; NaN when amounts are not available), ``win_rate`` (won / closed
    in the month, share), ``avg_won`` (won_value / won_with_amount, money), ``median_cycle_days``
    (created -> won of the deals won in the month, days), ``velocity`` = open_deals x win_rate x avg_won /
    median_cycle_days (money per day; NaN when a lever is missing or the cycle is 0), ``coverage``
    (complete, partial or no_data) and ``complete`` (bool).
    ``attrs``: amounts_available (the KPI won_value is available), amounts_reason (why not), units.
    """
    cov = frame.month_coverage()
    starts = cov["month"].to_numpy(dtype="datetime64[ns]")
    ends = cov["to"].to_numpy(dtype="datetime64[ns]")
    n = len(cov)
    d = frame.deals
    created = ns(d["created_at"])
    closed = ns(d["closed_at"])
    status = d["status"].astype("string").fillna("")
    is_open = status.eq("open").to_numpy()
    is_closed = status.isin(["won", "lost"]).to_numpy()
    # open at t: created before t, and open at as_of or closed at t or later
    # (a deal won or lost without a closing date is never counted open)
    valid = ~np.isnat(created)
    still = valid & is_open
    late = valid & is_closed & ~np.isnat(closed)
    t = ends[:, None]
    open_deals = (created[still][None, :] < t).sum(axis=1) + (
        (created[late][None, :] < t) & (closed[late][None, :] >= t)
    ).sum(axis=1)

    # as the KPI won_value: no amount column, or no won deal with an amount, means no value (not zero)
    value_kpi = evaluate(frame, "won_value")
    won = frame.population("deals_won")
    lost = frame.population("deals_lost")

    def month_of(s: pd.Series) -> np.ndarray:
        return np.searchsorted(starts, ns(s), "right") - 1

    w_idx, l_idx = month_of(won["closed_at"]), month_of(lost["closed_at"])
    won_deals = np.bincount(w_idx, minlength=n)[:n]
    lost_deals = np.bincount(l_idx, minlength=n)[:n]
    w_amount = won["amount"].to_numpy(dtype=float, na_value=np.nan)
    has_amount = ~np.isnan(w_amount)
    if value_kpi.available:
        won_value = np.bincount(w_idx, weights=np.nan_to_num(w_amount), minlength=n)[:n]
        with_amount = np.bincount(w_idx[has_amount], minlength=n)[:n]
    else:
        won_value = np.full(n, np.nan)
        with_amount = np.zeros(n, dtype=np.int64)
    cycle = cycle_days(won).to_numpy(dtype=float, na_value=np.nan)
    med = pd.Series(cycle).groupby(w_idx).median().reindex(range(n)).to_numpy(dtype=float)
    win_rate = ratio(won_deals, won_deals + lost_deals)
    avg_won = ratio(won_value, with_amount)
    vel = open_deals * win_rate * avg_won * ratio(1.0, np.where(med > 0, med, 0.0))
    out = pd.DataFrame(
        {
            "period": cov["month"].to_numpy(),
            "period_end": cov["to"].to_numpy(),
            "open_deals": np.asarray(open_deals, dtype=np.int64),
            "won_deals": won_deals.astype(np.int64),
            "lost_deals": lost_deals.astype(np.int64),
            "won_with_amount": with_amount.astype(np.int64),
            "won_value": won_value,
            "win_rate": win_rate,
            "avg_won": avg_won,
            "median_cycle_days": med,
            "velocity": vel,
            "coverage": cov["coverage"].astype("str").to_numpy(),
            "complete": cov["complete"].to_numpy(dtype=bool),
        }
    )
    return with_units(
        out.astype({"coverage": "str"}), VELOCITY_UNITS,
        amounts_available=value_kpi.available, amounts_reason=value_kpi.reason(frame.lang), lang=frame.lang,
    )


def _half(v: pd.DataFrame) -> dict[str, float]:
    won = float(v["won_deals"].sum())
    closed = won + float(v["lost_deals"].sum())
    priced = float(v["won_with_amount"].sum())
    timed = v.loc[v["median_cycle_days"].notna()]
    weights = float(timed["won_deals"].sum())
    out = {
        "open_deals": float(v["open_deals"].mean()),
        "win_rate": won / closed if closed else math.nan,
        "avg_won": float(v["won_value"].sum(min_count=1)) / priced if priced else math.nan,
        "median_cycle_days": (
            float((timed["median_cycle_days"] * timed["won_deals"]).sum()) / weights if weights else math.nan
        ),
    }
    cyc = out["median_cycle_days"]
    out["velocity"] = out["open_deals"] * out["win_rate"] * out["avg_won"] / cyc if cyc and cyc > 0 else math.nan
    return out


def velocity_levers(vel_df: pd.DataFrame) -> pd.DataFrame:
    """How each lever of velocity changed between the first and the second half of the period's complete months.

    Only complete months (``vel_df["complete"]``) are used: partial and no-data months are left out. They are
    split in two (the second half gets the extra month when their number is odd); with fewer than
    :data:`MIN_COMPLETE_MONTHS_PER_HALF` complete months per half the result is empty and ``attrs["reason"]``
    says why. Per half: open_deals = mean of the months, win_rate and avg_won pooled over the half's closed
    and won deals, median_cycle_days = the months' medians weighted by won deals, velocity from those four.

    Rows: the four :data:`LEVERS`, then "velocity". Columns: ``lever``, ``label``, ``unit`` (of the halves,
    see :data:`LEVER_UNITS`), ``first_half``, ``second_half``, ``change`` (second / first - 1, a fraction,
    unit "change"), ``velocity_effect`` (the change of velocity this lever alone causes, a fraction; for the
    cycle a rise lowers velocity), ``available`` (both halves known and positive), ``moved_most`` (True on
    the lever with the largest |ln(second / first)|, i.e. the largest effect on velocity; on none when a
    lever is not available, such as the average won deal without amounts).
    ``attrs``: months (the complete months used), first_half, second_half ((first, last) month), reason, units.
    """
    columns = ["lever", "label", "unit", "first_half", "second_half", "change", "velocity_effect", "available", "moved_most"]
    v = vel_df.loc[vel_df["complete"].astype(bool)].reset_index(drop=True) if "complete" in vel_df else vel_df.iloc[0:0]
    h = len(v) // 2
    if h < MIN_COMPLETE_MONTHS_PER_HALF:
        from ...report.text import na_reason

        reason = na_reason("velocity_halves", vel_df.attrs.get("lang", "en"), n=len(v), minimum=2 * MIN_COMPLETE_MONTHS_PER_HALF)
        return with_units(pd.DataFrame(columns=columns), LEVERS_TABLE_UNITS, months=[], reason=reason)
    a, b = _half(v.iloc[:h]), _half(v.iloc[h:])
    names = [*LEVERS, "velocity"]
    first = np.array([a[x] for x in names])
    second = np.array([b[x] for x in names])
    r = ratio(second, first)
    change = r - 1
    effect = change.copy()
    cyc = names.index("median_cycle_days")
    effect[cyc] = ratio(first[cyc], second[cyc]) - 1
    available = np.isfinite(first) & np.isfinite(second) & (first > 0) & (second > 0)
    size = np.where(available, np.abs(np.log(np.where(available, r, 1.0))), -1.0)
    size[len(LEVERS):] = -1.0  # velocity itself is not a lever
    moved = np.zeros(len(names), dtype=bool)
    if available[: len(LEVERS)].all():  # "moved most" needs every lever: an unknown one may have moved more
        moved[int(np.argmax(size))] = True
    out = pd.DataFrame(
        {
            "lever": names,
            "label": [LEVER_LABELS[x] for x in names],
            "unit": [LEVER_UNITS[x] for x in names],
            "first_half": first,
            "second_half": second,
            "change": change,
            "velocity_effect": effect,
            "available": available,
            "moved_most": moved,
        }
    ).astype({"lever": "str", "label": "str", "unit": "str"})
    months = [pd.Timestamp(m) for m in v["period"]]
    return with_units(
        out, LEVERS_TABLE_UNITS, months=months, first_half=(months[0], months[h - 1]),
        second_half=(months[h], months[-1]), reason=None,
    )


def lever_table(levers_df: pd.DataFrame, fmt: "Formatter") -> pd.DataFrame:
    """A :func:`velocity_levers` frame for the report: each half formatted by its lever's unit (text),
    then ``change`` and ``velocity_effect`` (unit "change", in ``attrs["units"]``)."""
    from ...report.text import t

    shown = levers_df[["label", "first_half", "second_half", "change", "velocity_effect"]].copy()
    shown["label"] = [t(f"lever.{lever}", fmt.language) for lever in levers_df["lever"]]
    for col in ("first_half", "second_half"):
        shown[col] = fmt.values(levers_df[col], levers_df["unit"])
    return with_units(shown.rename(columns={"label": "lever"}), LEVERS_TABLE_UNITS)


def lever_summary(levers_df: pd.DataFrame) -> dict[str, Any] | None:
    """The lever that moved most (a row of :func:`velocity_levers` as a dict), or None."""
    moved = levers_df.loc[levers_df["moved_most"].astype(bool)] if len(levers_df) else levers_df
    return None if moved.empty else moved.iloc[0].to_dict()
