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

import numpy as np
import pandas as pd

from ..io.vector import group_rows, merged_values, recoded

if TYPE_CHECKING:
    from ..params import AuditParams

#: The columns of the activities assessed for completeness (step 5), and the rows that need a value in
#: them (default: every activity of the period).
ASSESSED: tuple[str, ...] = ("owner_id", "deal_id", "logged_at", "duration_min", "outcome")
NEEDED: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "duration_min": lambda a: a["type"].isin(["call", "meeting"]),
    "deal_id": lambda a: a["lead_id"].isna(),  # an activity on a lead needs no deal
}
#: An activity logged later than this after it happened is logged late.
LATE_LOG_HOURS = 24.0
#: The clean cache's Parquet compression: zstd is about a third smaller than the default snappy on the
#: audit's tables (timestamps and ids) and as quick to write and read.
CACHE_COMPRESSION = "zstd"
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
            to_cache(getattr(self, name), folder / f"{name}.parquet")
        (folder / "summary.json").write_text(json.dumps({"parts": list(_PARTS)}), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> "ActivitySummary":
        """The summary :meth:`save` wrote into ``folder``."""
        return cls(**{name: from_cache(folder / f"{name}.parquet") for name in _PARTS})

    @staticmethod
    def saved_in(folder: Path) -> bool:
        return (folder / "summary.json").is_file()


def to_cache(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as Parquet for a clean cache (read back by :func:`from_cache` with the same dtypes):
    zstd, integers and timestamps delta-encoded (row numbers and times mostly rise from row to row: a third
    smaller than dictionary encoding on the audit's tables), and timestamps in milliseconds when none is
    finer (CRM exports' never are): the deltas of 4.6M stage entries take 20 MB, against 30 MB in
    nanoseconds. The file stays plain Parquet, with timestamps any reader reads as such."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns":
            try:  # refused when a value has a finer part, which would be lost
                millis = table.column(i).cast(pa.timestamp("ms", tz=field.type.tz), safe=True)
            except pa.ArrowInvalid:
                continue
            table = table.set_column(i, pa.field(field.name, millis.type), millis)
    deltas = [f.name for f in table.schema if pa.types.is_integer(f.type) or pa.types.is_timestamp(f.type)]
    pq.write_table(table, path, compression=CACHE_COMPRESSION,
                   use_dictionary=[c for c in table.column_names if c not in deltas],
                   column_encoding={c: "DELTA_BINARY_PACKED" for c in deltas})


def from_cache(path: Path) -> pd.DataFrame:
    """A table :func:`to_cache` wrote, with the dtypes it had (timestamps in nanoseconds again)."""
    df = pd.read_parquet(path)
    coarse: dict[Any, Any] = {}
    for column, dtype in df.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype) and dtype.unit != "ns":
            coarse[column] = pd.DatetimeTZDtype("ns", dtype.tz)
        elif isinstance(dtype, np.dtype) and dtype.kind == "M" and dtype != np.dtype("datetime64[ns]"):
            coarse[column] = "datetime64[ns]"
    return df.astype(coarse) if coarse else df


def _codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(per row the position of its value in the distinct values, -1 when missing; the distinct values). The
    positions are int32 (int64 beyond 2**31 values): 35M activities' owners and deals in 140 MB each, not 280."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int32 if len(uniques) < 2**31 else np.int64, copy=False), pd.Index(uniques, dtype="string")


def _labels(codes: np.ndarray, uniques: pd.Index) -> pd.Series:
    """The values of ``codes`` (missing for -1), as text."""
    return pd.Series(pd.array(uniques.to_numpy(dtype=object, na_value=pd.NA), dtype="string").take(codes, allow_fill=True))


def summarise(activities: pd.DataFrame, params: "AuditParams") -> ActivitySummary:
    """The summary of ``activities`` (the clean table, any period) for the period of ``params``: nothing at or
    after the as-of moment is counted; ``by_rep``, ``lag`` and ``fill`` read the activities of the period.

    Works on integer codes of the ids rather than their text, and never copies the table: 35M activities
    are a few NumPy arrays, and each part lets go of its own before the next is built."""
    parts = Summariser(params)
    parts.add(activities)
    return parts.finish()


@dataclass
class _Part:
    """One part's summary (:meth:`Summariser.add`), on the part's own codes: its distinct owners, deals and
    types in order of first appearance, and per (deal, owner) seen, per (owner, type, week) of the period,
    the logging lags of the period with their owners, and the fill counts."""

    owners: pd.Index
    deals: pd.Index
    kinds: pd.Index
    by_deal: dict[str, np.ndarray]  # deal, owner (codes, -1 for none), activities, in_period, last_at (int64 ns)
    by_rep: dict[str, np.ndarray]  # owner, kind (codes, -1 for none), week (weeks since Monday 1969-12-29), activities
    lags: "_Lags"
    fill: pd.DataFrame


@dataclass
class _Lags:
    """One part's logging lags (hours) grouped by their owner's code (-1: none), each group in row order:
    ``first`` holds the codes in order of first appearance, ``cuts`` where each code's group starts in
    ``hours`` (code c from ``cuts[c + 1]`` to ``cuts[c + 2]``)."""

    hours: np.ndarray
    first: np.ndarray
    cuts: np.ndarray

    @classmethod
    def of(cls, hours: np.ndarray, owner: np.ndarray, n_owners: int) -> "_Lags":
        """The lags ``hours`` of owners ``owner`` (codes below ``n_owners``, -1: none), grouped."""
        small = owner.astype(np.int16 if n_owners < 2**15 - 1 else np.int64, copy=False)
        order = np.argsort(small, kind="stable")
        return cls(hours[order], pd.unique(small).astype(np.int64), np.concatenate([[0], np.cumsum(np.bincount(small + 1, minlength=n_owners + 1))]))

    def of_code(self, code: int) -> np.ndarray:
        """The lags of owner ``code`` (-1: none), in row order."""
        return self.hours[self.cuts[code + 1]:self.cuts[code + 2]]


class Summariser:
    """The activities summarised from parts of the clean table given in row order (:meth:`add`), as
    :func:`summarise` gives it for the whole table: a table read in parts (:mod:`auditkit.io.stream`) is
    never held whole. The parts' owners may be renamed at the end (:meth:`finish`), as the loader renames
    owners written as a rep's name once the reps are read."""

    def __init__(self, params: "AuditParams") -> None:
        self._start = params.period.start_ts().to_datetime64()
        self._as_of = params.period.end_ts().to_datetime64()
        self._parts: list[_Part] = []

    def add(self, activities: pd.DataFrame) -> None:
        """Summarise the next part of the clean activities (the rows after the previous part's)."""
        self.append(self.part(activities))

    def append(self, part: "_Part") -> None:
        """Add the next part, summarised by :meth:`part` (on any thread)."""
        self._parts.append(part)

    def part(self, activities: pd.DataFrame) -> "_Part":
        """A part of the clean activities summarised, for :meth:`append`."""
        at = activities["at"].to_numpy(dtype="datetime64[ns]")
        seen = ~(at >= self._as_of)  # NaT compares False: an activity without a date is not after the as-of moment
        in_period = seen & (at >= self._start)
        owner, owners = _codes(activities["owner_id"])
        deal, deals = _codes(activities["deal_id"])
        by_deal = _by_deal(deal, len(deals), at, seen, in_period, owner, len(owners))
        del seen, deal
        kind, kinds = _codes(activities["type"])
        by_rep = _by_rep(kind, len(kinds), at, in_period, owner, len(owners))
        del kind
        fill = _fill(activities, in_period)
        logged = activities["logged_at"].to_numpy(dtype="datetime64[ns]")
        lagged = in_period & ~np.isnat(logged)
        lag_ns = logged[lagged].view(np.int64)  # nanoseconds, in place: one array of the period's activities at a time
        del logged
        lag_ns -= at[lagged].view(np.int64)
        del at
        lag_hours = lag_ns / np.float64(3_600 * 10**9)  # as timedelta64 / timedelta64(1, "h") divides them, to the bit
        del lag_ns
        return _Part(owners, deals, kinds, by_deal, by_rep, _Lags.of(lag_hours, owner[lagged], len(owners)), fill)

    def finish(self, owner_names: dict[str, str] | None = None) -> ActivitySummary:
        """The summary of every part added; ``owner_names`` renames owners (the parts' value to the one the
        summary gives), as if the table's owners had been renamed before it was summarised. The parts stay:
        another call may rename the owners otherwise."""
        parts = self._parts
        if not parts:
            raise ValueError("no part of the activities was added")
        renamed = bool(owner_names) and any(o in owner_names for p in parts for o in p.owners)  # type: ignore[operator]
        if len(parts) == 1 and not renamed:
            one = parts[0]
            owners, deals, kinds = one.owners, one.deals, one.kinds
            by_deal, by_rep, owner_of = one.by_deal, one.by_rep, [np.arange(len(owners))]
            fill = one.fill
        else:
            owners, owner_of = merged_values([p.owners for p in parts], owner_names or {})
            deals, deal_of = merged_values([p.deals for p in parts], {})
            kinds, kind_of = merged_values([p.kinds for p in parts], {})
            by_deal = _merged_by_deal(parts, owner_of, deal_of, len(owners))
            by_rep = _merged_by_rep(parts, owner_of, kind_of, len(owners), len(kinds))
            fill = parts[0].fill.assign(
                needed=sum(p.fill["needed"] for p in parts), filled=sum(p.fill["filled"] for p in parts))
        return ActivitySummary(
            by_deal=pd.DataFrame({
                "deal_id": _labels(by_deal["deal"], deals),
                "owner_id": _labels(by_deal["owner"], owners),
                "activities": by_deal["activities"],
                "in_period": by_deal["in_period"],
                "last_at": by_deal["last_at"].view("datetime64[ns]"),  # NaT (the smallest) only when every date is missing
            }),
            by_rep=_by_rep_table(by_rep, owners, kinds),
            lag=_lag_table([p.lags for p in parts], owner_of, owners),
            fill=fill,
        )


def _merged_by_deal(parts: list[_Part], owner_of: list[np.ndarray], deal_of: list[np.ndarray], n_owners: int) -> dict[str, np.ndarray]:
    """The parts' rows per (deal, owner) on the merged codes, summed (the last activity: the latest), in the
    order of the merged codes."""
    width = n_owners + 1
    frames = []
    for p, owners, deals in zip(parts, owner_of, deal_of):
        key = recoded(p.by_deal["deal"], deals) * width + recoded(p.by_deal["owner"], owners) + 1
        frames.append(pd.DataFrame({"key": key, "activities": p.by_deal["activities"], "in_period": p.by_deal["in_period"],
                                    "last_at": p.by_deal["last_at"]}))
    agg = pd.concat(frames, ignore_index=True).groupby("key", sort=True).agg(
        activities=("activities", "sum"), in_period=("in_period", "sum"), last_at=("last_at", "max"))
    keys = agg.index.to_numpy(dtype=np.int64)
    return {"deal": keys // width, "owner": keys % width - 1, "activities": agg["activities"].to_numpy(dtype=np.int64),
            "in_period": agg["in_period"].to_numpy(dtype=np.int64), "last_at": agg["last_at"].to_numpy(dtype=np.int64)}


def _merged_by_rep(parts: list[_Part], owner_of: list[np.ndarray], kind_of: list[np.ndarray], n_owners: int, n_kinds: int) -> dict[str, np.ndarray]:
    """The parts' rows per (owner, type, week) on the merged codes, summed, in the order of (owner, type, week)."""
    frames = [pd.DataFrame({"owner": recoded(p.by_rep["owner"], o), "kind": recoded(p.by_rep["kind"], k),
                            "week": p.by_rep["week"], "activities": p.by_rep["activities"]})
              for p, o, k in zip(parts, owner_of, kind_of)]
    agg = pd.concat(frames, ignore_index=True).groupby(["owner", "kind", "week"], sort=True)["activities"].sum()
    return {"owner": agg.index.get_level_values("owner").to_numpy(dtype=np.int64),
            "kind": agg.index.get_level_values("kind").to_numpy(dtype=np.int64),
            "week": agg.index.get_level_values("week").to_numpy(dtype=np.int64),
            "activities": agg.to_numpy(dtype=np.int64)}


def _by_deal(
    deal: np.ndarray, n_deals: int, at: np.ndarray, seen: np.ndarray, in_period: np.ndarray, owner: np.ndarray, n_owners: int
) -> dict[str, np.ndarray]:
    """Per (deal, owner) code of the activities ``seen`` by the as-of moment, in the order of the codes: deal,
    owner (-1: none), activities, in_period (counts), last_at (int64 ns)."""
    # per (deal, owner): one integer key, the owner's code shifted by one so that a missing owner is 0
    rows = seen & (deal >= 0)
    width = n_owners + 1
    key = deal[rows].astype(np.int64)
    key *= width
    key += owner[rows]
    key += 1
    keys, activities, in_period_n, last_at = per_key(key, in_period[rows], at[rows].view(np.int64), n_deals * width)
    del key, rows
    return {"deal": keys // width, "owner": keys % width - 1, "activities": activities, "in_period": in_period_n, "last_at": last_at}


#: :func:`per_key` counts over a table of every possible key when there are at most this many possible keys
#: per row (deal codes times owners: about one at 1M deals), and groups by hashing beyond.
DENSE_KEYS_PER_ROW = 4


def per_key(
    key: np.ndarray, flag: np.ndarray, value: np.ndarray, n_keys: int, dense: bool | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each distinct ``key`` (non-negative integers below ``n_keys``), in ascending order: the key, its
    rows, its rows whose ``flag`` is set, and the largest ``value`` (int64) of its rows (counts as int64).

    Counted over a table of all ``n_keys`` possible keys (a rank per key, then bincounts) when they are
    few enough (``dense``; by default up to :data:`DENSE_KEYS_PER_ROW` per row), which at 1M deals takes
    0.55 s where pandas' grouping took 1.8 s; grouped by pandas otherwise, with the same result."""
    if dense is None:
        dense = n_keys <= DENSE_KEYS_PER_ROW * len(key) + 2**16
    if not dense:
        g = pd.DataFrame({"key": key, "flag": flag, "value": value}).groupby("key", sort=True)
        agg = g.agg(rows=("flag", "size"), flagged=("flag", "sum"), top=("value", "max"))
        return (agg.index.to_numpy(dtype=np.int64), agg["rows"].to_numpy(dtype=np.int64),
                agg["flagged"].to_numpy(dtype=np.int64), agg["top"].to_numpy(dtype=np.int64))
    present = np.zeros(n_keys, dtype=bool)
    present[key] = True
    keys = np.flatnonzero(present)
    rank = np.cumsum(present, dtype=np.int32 if n_keys < 2**31 else np.int64) - 1  # each key's place among them
    del present
    code = rank[key]
    del rank
    rows = np.bincount(code, minlength=len(keys)).astype(np.int64)
    flagged = np.bincount(code[np.asarray(flag, dtype=bool)], minlength=len(keys)).astype(np.int64)
    top = np.full(len(keys), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(top, code, value)
    return keys.astype(np.int64), rows, flagged, top


def _by_rep(kind: np.ndarray, n_kinds: int, at: np.ndarray, in_period: np.ndarray, owner: np.ndarray, n_owners: int) -> dict[str, np.ndarray]:
    """Per owner, type and week (Monday) code of the period's activities, in the order of the codes: owner,
    kind (-1: none), week (weeks from Monday 1969-12-29), activities."""
    kind = kind[in_period]
    week = at[in_period].view(np.int64)  # a copy, worked in place: days, then weeks
    week //= 86_400 * 10**9
    week += 3
    week //= 7  # weeks from Monday 1969-12-29 (1970-01-01 was a Thursday)
    n_kind = n_kinds + 1
    wk0 = int(week.min()) if len(week) else 0
    n_week = int(week.max()) - wk0 + 1 if len(week) else 1
    week -= wk0
    rep_key = owner[in_period].astype(np.int64)
    rep_key += 1
    rep_key *= n_kind
    rep_key += kind
    del kind
    rep_key += 1
    rep_key *= n_week
    rep_key += week
    del week
    counts = pd.Series(rep_key).value_counts(sort=False).sort_index()
    del rep_key
    rk = counts.index.to_numpy()
    return {"owner": rk // (n_kind * n_week) - 1, "kind": rk // n_week % n_kind - 1, "week": rk % n_week + wk0,
            "activities": counts.to_numpy(dtype=np.int64)}


def _by_rep_table(by_rep: dict[str, np.ndarray], owners: pd.Index, kinds: pd.Index) -> pd.DataFrame:
    """:func:`_by_rep`'s counts with their owners, types and weeks (the Monday 00:00 starting each)."""
    table = pd.DataFrame({
        "owner_id": _labels(by_rep["owner"], owners),
        "type": _labels(by_rep["kind"], kinds),
        "week": (by_rep["week"] * 7 - 3).astype("timedelta64[D]") + np.datetime64("1970-01-01", "ns"),
        "activities": by_rep["activities"],
    })
    table["week"] = table["week"].astype("datetime64[ns]")
    return table


def _fill(activities: pd.DataFrame, in_period: np.ndarray) -> pd.DataFrame:
    """Per assessed column, of the period's activities: those that need a value, and of them those with one."""
    fill = []
    for col in ASSESSED:
        # which rows need a value, on the whole table and then the period's rows: no copy of the table's columns
        needed = NEEDED[col](activities).to_numpy(dtype=bool)[in_period] if col in NEEDED else np.ones(int(in_period.sum()), dtype=bool)
        has = activities[col].notna().to_numpy()[in_period]
        fill.append({"column": col, "needed": int(needed.sum()), "filled": int((has & needed).sum())})
    return pd.DataFrame(fill, columns=["column", "needed", "filled"])


def _lag_stats(lag: np.ndarray, in_place: bool = False) -> tuple[int, float, float, float]:
    """Of one group's logging lags (hours, none missing): how many, the median and the 90th percentile (linear
    between the two nearest values, as pandas' grouped median and quantile give them, to the last bit), and the
    share logged more than LATE_LOG_HOURS after; found by partial sorting (a full sort of 20M lags is not needed),
    of ``lag`` itself when ``in_place`` (the caller's own copy), else of a copy."""
    n = len(lag)
    at = 0.9 * (n - 1)
    k, frac = int(at), at % 1
    kth = sorted({(n - 1) // 2, n // 2, k, min(k + 1, n - 1)})
    if in_place:
        lag.partition(kth)
        part = lag
    else:
        part = np.partition(lag, kth)
    median = part[n // 2] if n % 2 else (part[n // 2] + part[n // 2 - 1]) / 2
    p90 = part[k] if frac == 0.0 or k == n - 1 else part[k] + (part[k + 1] - part[k]) * frac
    return n, float(median), float(p90), float(np.count_nonzero(lag > LATE_LOG_HOURS) / n)


def lag_table(lag: np.ndarray, owner: np.ndarray, owner_values: pd.Index) -> pd.DataFrame:
    """Per rep (``(none)`` for activities without one), the ``(all)`` row first and then the slowest median
    first, given each activity's logging ``lag`` (hours) and its rep's code in ``owner_values`` (-1: none):
    ``activities``, ``median_lag_hours``, ``p90_lag_hours`` (hours) and ``late_share`` (logged more than
    LATE_LOG_HOURS after; share). Reps in the order they first appear, before sorting."""
    return _lag_table([_Lags.of(lag, owner, len(owner_values))], [np.arange(len(owner_values))], owner_values)


def _lag_table(parts: list[_Lags], owner_of: list[np.ndarray], owner_values: pd.Index) -> pd.DataFrame:
    """:func:`lag_table` of the parts' lags (in row order), each part's owner codes taken to codes of
    ``owner_values`` by ``owner_of`` (several may become one: owners renamed)."""
    cols = ["rep", "activities", "median_lag_hours", "p90_lag_hours", "late_share"]
    if not sum(len(p.hours) for p in parts):
        return pd.DataFrame({c: pd.Series(dtype="string" if c == "rep" else "float64") for c in cols})
    # an activity without a rep is "(none)", the same rep as one so named
    named_none = np.flatnonzero(owner_values == NO_VALUE)
    none_code = int(named_none[0]) if len(named_none) else len(owner_values)
    groups: dict[int, list[np.ndarray]] = {}  # each rep's lags from every part, the reps in order of first appearance
    for lags, codes in zip(parts, owner_of):
        for local in lags.first:
            rep = none_code if local < 0 else int(codes[local])
            groups.setdefault(rep, []).append(lags.of_code(int(local)))
    rep_values = [owner_values[c] if c < len(owner_values) else NO_VALUE for c in groups]
    each = pd.DataFrame([_lag_stats(np.concatenate(groups[c]), in_place=True) for c in groups], columns=cols[1:],
                        index=pd.Index(rep_values, dtype="string"))
    del groups
    whole = np.concatenate([p.hours for p in parts])  # the lags' order does not change their median
    every = pd.DataFrame([_lag_stats(whole, in_place=True)], columns=cols[1:], index=pd.Index([ALL], dtype="string"))
    del whole
    each = each.sort_values("median_lag_hours", ascending=False, kind="stable")
    out = pd.concat([every, each]).rename_axis("rep").reset_index()
    return out.astype({"rep": "string", "activities": "int64"})[cols]

