"""Helpers shared by the step-4 modules: who the reps are, the Wilson interval, the rules' constants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..process._common import NO_VALUE, ratio, units_of, with_units

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

__all__ = ["NO_VALUE", "ratio", "units_of", "with_units"]

#: Below this many deals closed in the period a rep is "too few deals to judge": shown, not ranked.
MIN_CLOSED_DEALS = 20
#: A rep is below (above) the team when both z-scores, against the team and against the company mix,
#: are at or below -Z (at or above +Z).
GROUP_Z = 2.0
#: The z of a 95 % two-sided normal interval.
Z95 = 1.959963984540054
#: Deal columns whose mix the fair win rate adjusts for (those the export has).
MIX_COLUMNS: tuple[str, ...] = ("source", "product")
#: Label of a rep's team when neither the reps table nor the deals say it.
NO_TEAM = NO_VALUE

POPULATION_COLUMNS = ("deals_created", "deals_closed", "deals_open_at_end")


def wilson_interval(won: Any, n: Any, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a proportion ``won / n`` (arrays; NaN where ``n`` is 0), as shares.

    With p = won / n: centre = (p + z²/2n) / (1 + z²/n), half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n),
    interval = centre ± half-width (E. B. Wilson, 1927, "Probable inference, the law of succession, and
    statistical inference", JASA 22). Unlike p ± z·sqrt(p(1-p)/n) it stays inside [0, 1] and is not
    zero-width at 0 or n wins: 3 of 10 gives 0.1078..0.6032 at 95 %, 0 of 10 gives 0..0.2775.
    """
    won = np.asarray(won, dtype=float)
    n = np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, np.nan)
    p = won / safe
    z2 = z * z
    denom = 1 + z2 / safe
    centre = (p + z2 / (2 * safe)) / denom
    half = z * np.sqrt(p * (1 - p) / safe + z2 / (4 * safe * safe)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def _mode(values: pd.Series, keys: pd.Series) -> pd.Series:
    """The most frequent non-empty value per key (ties: the first in sort order)."""
    df = pd.DataFrame({"k": keys.astype("string"), "v": values.astype("string")}).dropna()
    if df.empty:
        return pd.Series(dtype="string")
    counts = df.groupby(["k", "v"]).size().reset_index(name="n").sort_values(["k", "n", "v"], ascending=[True, False, True])
    return counts.drop_duplicates("k").set_index("k")["v"]


#: Optional columns of the reps table shown beside the team when the export has them (the reps schema may
#: or may not carry them; they are read only where present and not empty).
REP_EXTRA_COLUMNS: tuple[str, ...] = ("manager", "office")


def reps_provided(frame: "AuditFrame") -> bool:
    """True when the client provided a reps table (not one the loader derived from the deals' owners)."""
    if not frame.has("reps"):
        return False
    return not frame.data.sources.get("reps", {}).get("derived_from")


def extra_columns(frame: "AuditFrame") -> list[str]:
    """The columns of :data:`REP_EXTRA_COLUMNS` the client's reps table has, with values."""
    table = frame.table("reps")
    if table is None or not reps_provided(frame):
        return []
    return [c for c in REP_EXTRA_COLUMNS if c in table.columns and frame.availability("reps", c).ok]


def reps(frame: "AuditFrame") -> pd.DataFrame:
    """The reps of the audit: one row per owner of a deal created, closed in or open at the end of the period.

    Index ``rep`` (the deals' ``owner_id``). Columns: ``name`` (reps.name; without a reps table, or for an
    owner the reps table does not list, the owner id itself), ``team`` (reps.team, else the team most of
    the rep's deals carry, else "(none)"), ``role``, ``hired_at`` (NaT when unknown), ``listed`` (True when
    the reps table lists the rep), and ``manager`` / ``office`` where the reps table has them (see
    :data:`REP_EXTRA_COLUMNS`). ``attrs["source"]`` is "reps" or "deals" (no reps table, or one the loader
    derived from the owners); ``attrs["extra_columns"]`` the extra columns present.
    """
    owners = pd.concat([frame.population(p)["owner_id"] for p in POPULATION_COLUMNS]).astype("string").dropna()
    ids = sorted(owners.unique())  # Arrow's distinct values, not a Python set of every deal's owner
    out = pd.DataFrame(index=pd.Index(ids, name="rep", dtype="str"))
    deals = frame.deals
    deal_team = _mode(deals["team"], deals["owner_id"]) if frame.availability("deals", "team").ok else pd.Series(dtype="string")
    table = frame.table("reps")
    extras = extra_columns(frame)
    if table is not None and len(table) and reps_provided(frame):
        r = table.dropna(subset=["rep_id"]).drop_duplicates("rep_id").set_index("rep_id")
        r.index = r.index.astype("str")
        out["name"] = r["name"].reindex(out.index).astype("string")
        out["team"] = r["team"].reindex(out.index).astype("string")
        out["role"] = r["role"].reindex(out.index).astype("string")
        out["hired_at"] = pd.to_datetime(r["hired_at"].reindex(out.index))
        for col in extras:
            out[col] = r[col].reindex(out.index).astype("string")
        out["listed"] = out.index.isin(r.index)
        source = "reps"
    else:
        out["name"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["team"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["role"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["hired_at"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        out["listed"] = False
        source = "deals"
    out["name"] = out["name"].fillna(pd.Series(out.index, index=out.index, dtype="string"))
    out["team"] = out["team"].fillna(deal_team.reindex(out.index)).fillna(NO_TEAM).astype("string")
    out.attrs["source"] = source
    out.attrs["extra_columns"] = extras
    return out


def rep_names(frame: "AuditFrame") -> dict[str, str]:
    """Each rep's name by rep id (the id itself where the reps table gives no name, or there is none): what a
    finding about a rep calls the rep, in every step."""
    names = {str(k): str(v) for k, v in reps(frame)["name"].items()}
    table = frame.table("reps")
    if table is not None:  # also the people the reps table lists who own no deal of the period (an SDR)
        listed = table.dropna(subset=["rep_id", "name"])
        names = {**{str(k): str(v) for k, v in zip(listed["rep_id"], listed["name"])}, **names}
    return names
