"""The audit frame: one client's data, loaded, validated and scoped once per run.

Every step reads the same :class:`AuditFrame`. It holds

- the params as they were when the run started (a snapshot, not the file);
- the period ``[start, end)`` and the **as-of moment** ``as_of`` (= ``end``, the
  first instant after the period's last day, in the params' time zone);
- the clean tables, with every event after ``as_of`` made invisible: a deal
  created later is gone, a deal won or lost later is open at ``as_of`` (its
  stage unknown unless the stage history says it), a stage entry, a lead, an
  activity or a handoff after ``as_of`` is gone, a first contact or a response
  after ``as_of`` has not happened yet;
- the named **populations** (:data:`POPULATIONS`) every KPI and metric is
  defined on;
- what each column can support (:meth:`AuditFrame.availability`): absent from
  the export, empty, mostly unparseable, or usable;
- the real coverage of the data (:meth:`AuditFrame.month_coverage`): months the
  data does not reach, or reaches only in part, are marked so that no trend is
  read from them.

The runner builds the frame once, before the first step, and writes it to the
run's ``clean/`` folder (:meth:`AuditFrame.save`); the steps read it back from
there (:func:`run_frame`: once per kernel, and a run's steps share a warm kernel),
so the report and the manifest describe the same inputs even if a file or the
params change while the run goes on.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Literal, TypeVar

import numpy as np
import pandas as pd

from .errors import DataError
from .io.load import AuditData
from .metrics.activities import ActivitySummary, from_cache, to_cache
from .io.vector import isin
from .params import AuditParams, parse_params
from .quality import QualityIssue

CLEAN = "clean"
ACTIVITIES = "activities"  # the folder, in the clean cache, of the activities' summary
FRAME_VERSION = 3  # 2: the activities kept summarised (clean/activities/), each table's counts in sources.json;
# 3: timestamps stored in milliseconds

#: A column is "mostly unparseable" when more than this share of its non-empty values could not be read.
UNPARSEABLE_MAX = 0.5

#: Checks whose issues mean a value was present but could not be used (see docs/data-model.md).
UNREADABLE_CHECKS: frozenset[str] = frozenset(
    {"unparseable_date", "unparseable_number", "unparseable_bool", "unknown_value", "decimal_mismatch", "absurd_number",
     "ambiguous_date", "currency_mismatch"}
)

#: Where the data's edge may fall inside a month and the month still count as complete:
#: at least this many days, or twice the median gap between consecutive days with an event.
COVERAGE_MIN_TOLERANCE_DAYS = 1.0


#: Columns that only some rows need: empty everywhere is fine when no row needs a value.
_NEEDED_ONLY_WHERE: dict[tuple[str, str], Any] = {
    ("deals", "closed_at"): lambda d: d["status"].isin(["won", "lost"]),
    ("deals", "lost_reason"): lambda d: d["status"].eq("lost"),
}


@dataclass(frozen=True)
class Population:
    """A named set of rows every KPI and metric is defined on."""

    id: str
    table: str
    label: dict[str, str]
    definition: dict[str, str]


POPULATIONS: dict[str, Population] = {
    p.id: p
    for p in (
        Population(
            "deals_created", "deals",
            {"en": "Deals created in the period", "ru": "Сделки, созданные в периоде"},
            {"en": "deals whose created_at falls in [start, as_of): the cohort view",
             "ru": "сделки, у которых created_at попадает в [начало, момент среза): когортный взгляд"},
        ),
        Population(
            "deals_closed", "deals",
            {"en": "Deals closed in the period", "ru": "Сделки, закрытые в периоде"},
            {"en": "deals won or lost with closed_at in [start, as_of): the outcome view",
             "ru": "сделки, выигранные или проигранные с closed_at в [начало, момент среза): взгляд по результату"},
        ),
        Population(
            "deals_won", "deals",
            {"en": "Deals won in the period", "ru": "Сделки, выигранные в периоде"},
            {"en": "deals closed in the period with status won", "ru": "закрытые в периоде сделки со статусом «выиграна»"},
        ),
        Population(
            "deals_lost", "deals",
            {"en": "Deals lost in the period", "ru": "Сделки, проигранные в периоде"},
            {"en": "deals closed in the period with status lost", "ru": "закрытые в периоде сделки со статусом «проиграна»"},
        ),
        Population(
            "deals_open_at_end", "deals",
            {"en": "Deals open at the end of the period", "ru": "Сделки, открытые на конец периода"},
            {"en": "deals created before as_of and neither won nor lost before as_of: the pipeline view",
             "ru": "сделки, созданные до момента среза и не закрытые до него: взгляд на воронку"},
        ),
        Population(
            "leads_created", "leads",
            {"en": "Leads created in the period", "ru": "Лиды, созданные в периоде"},
            {"en": "leads whose created_at falls in [start, as_of)",
             "ru": "лиды, у которых created_at попадает в [начало, момент среза)"},
        ),
    )
}

AvailabilityStatus = Literal["ok", "no_table", "not_in_export", "empty", "unparseable", "no_rows"]

def reason_text(code: str, lang: str = "en", **values: Any) -> str:
    """A "not available, because ..." sentence in ``lang`` for a reason ``code``: the catalog's ``na.<code>``
    (:func:`auditkit.report.text.na_reason`), which names ``table`` and ``column`` in ``lang``."""
    from .report.text import na_reason

    return na_reason(code, lang, **values)


@dataclass(frozen=True)
class Availability:
    """Whether a column can support a number: ``ok``, or why not (``status`` and ``reason(lang)``)."""

    table: str
    column: str | None
    status: AvailabilityStatus
    unreadable_share: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def reason(self, lang: str = "en") -> str | None:
        """None when usable; else the sentence that says why not."""
        if self.ok:
            return None
        from .report.text import table_name

        return reason_text(self.status, lang, table=self.table, column=self.column or "", share=float(self.unreadable_share),
                           population=table_name(self.table, lang))

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "column": self.column, "status": self.status, "reason": self.reason("en")}


@dataclass
class AuditFrame:
    """One client's data scoped to the audit period; see the module docstring."""

    params: AuditParams
    data: AuditData
    _notes: dict[str, int] = field(default_factory=dict, repr=False)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def notes(self) -> dict[str, int]:
        """What the as-of moment cut: deals created after it, deals closed after it (open at it), stage
        entries and leads after it."""
        for name in ("deals", "stage_history", "leads"):  # scoping these fills the notes; the others note nothing
            if name in self.data.tables:
                self._tables[name]
        return dict(self._notes)

    # -- the period --------------------------------------------------------------
    @property
    def start(self) -> pd.Timestamp:
        """The first instant of the period (local time of the params' time zone)."""
        return self.params.period.start_ts()

    @property
    def as_of(self) -> pd.Timestamp:
        """The as-of moment: the first instant after the period's last day; nothing at or after it is seen."""
        return self.params.period.end_ts()

    @property
    def end(self) -> pd.Timestamp:
        """The period's exclusive end (the same instant as :attr:`as_of`)."""
        return self.as_of

    @property
    def lang(self) -> str:
        return self.params.language

    # -- the scoped tables -------------------------------------------------------
    def has(self, table: str) -> bool:
        return table in self.data.tables

    def table(self, name: str) -> pd.DataFrame | None:
        """A canonical table as seen at ``as_of`` (None when the client has no such data)."""
        return self._tables.get(name)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every scoped table the client has, read now; on a run's cache, which keeps the activities only
        summarised, the ones whose rows it has (read :attr:`activity` for the rest)."""
        return {name: self._tables[name] for name in self.data.tables if LazyTables.readable(self.data.tables, name)}

    @cached_property
    def _tables(self) -> "_Scoped":
        return _Scoped(self)

    def _scoped(self, name: str) -> pd.DataFrame:
        """Table ``name`` as seen at ``as_of``: nothing created (or entered) at or after it."""
        as_of = self.as_of
        df = self.data.tables[name]
        if name == "deals":
            df = self._deals_as_of(df)
        elif name == "stage_history":
            late = df["entered_at"].notna() & (df["entered_at"] >= as_of)
            self._notes["stage_entries_after_as_of"] = int(late.sum())
            df = df.loc[~late]
        elif name == "leads":
            late = df["created_at"].notna() & (df["created_at"] >= as_of)
            self._notes["leads_created_after_as_of"] = int(late.sum())
            df = df.loc[~late].assign(first_contact_at=_before(df.loc[~late, "first_contact_at"], as_of))
            df = _leads_of_known_deals(df, self._tables["deals"])
        elif name == "activities":
            df = df.loc[~(df["at"].notna() & (df["at"] >= as_of))]
        elif name == "handoffs":
            df = df.loc[~(df["created_at"].notna() & (df["created_at"] >= as_of))]
            df = df.assign(responded_at=_before(df["responded_at"], as_of), resolved_at=_before(df["resolved_at"], as_of))
        return df.reset_index(drop=True)

    def _deals_as_of(self, deals: pd.DataFrame) -> pd.DataFrame:
        as_of = self.as_of
        later = deals["created_at"].notna() & (deals["created_at"] >= as_of)
        self._notes["deals_created_after_as_of"] = int(later.sum())
        d = deals.loc[~later].copy()
        closed_later = d["status"].isin(["won", "lost"]) & d["closed_at"].notna() & (d["closed_at"] >= as_of)
        self._notes["deals_closed_after_as_of"] = int(closed_later.sum())
        if closed_later.any():
            stage_at = self._stage_at_as_of(d.loc[closed_later, "deal_id"])
            d.loc[closed_later, "status"] = "open"
            d.loc[closed_later, "closed_at"] = pd.NaT
            d.loc[closed_later, "stage"] = stage_at.to_numpy()
            d.loc[closed_later, "lost_reason"] = pd.NA
        return d

    def _stage_at_as_of(self, deal_ids: pd.Series) -> pd.Series:
        """The last open stage each deal entered before ``as_of`` (from the stage history; <NA> when unknown)."""
        history = self.data.tables.get("stage_history")
        unknown = pd.Series(pd.NA, index=deal_ids.index, dtype="string")
        if history is None or history.empty:
            return unknown
        open_stages = set(self.params.pipeline.open_stages)
        h = history.loc[
            isin(history["deal_id"], set(deal_ids)) & history["stage"].isin(open_stages)
            & history["entered_at"].notna() & (history["entered_at"] < self.as_of)
        ]
        last = h.sort_values("entered_at", kind="stable").drop_duplicates("deal_id", keep="last").set_index("deal_id")["stage"]
        return deal_ids.map(last).astype("string")

    @property
    def deals(self) -> pd.DataFrame:
        """Every deal as seen at ``as_of`` (created before it; status and stage as they were then)."""
        return self._tables["deals"]

    # -- populations -------------------------------------------------------------
    def population(self, name: str) -> pd.DataFrame:
        """The rows of a named population (see :data:`POPULATIONS`)."""
        if name not in POPULATIONS:
            raise KeyError(f"unknown population {name!r}; known: {', '.join(POPULATIONS)}")
        return self._populations[name]

    def in_population(self, name: str) -> np.ndarray:
        """Which rows of :attr:`deals` the deals population ``name`` holds (boolean, one per row), without
        taking its rows."""
        if name not in POPULATIONS or POPULATIONS[name].table != "deals":
            raise KeyError(f"unknown deals population {name!r}; known: {', '.join(n for n, p in POPULATIONS.items() if p.table == 'deals')}")
        return self._populations.masks[name].to_numpy(dtype=bool)

    @cached_property
    def _populations(self) -> "_Populations":
        return _Populations(self)

    # -- what the data can support ------------------------------------------------
    def availability(self, table: str, column: str | None = None) -> Availability:
        """Whether ``table.column`` (or the table alone) can support a number, and if not, why."""
        if table not in self.data.tables:
            return Availability(table, column, "no_table")
        stats = self.data.stats(table)  # counts only: a table kept summarised is not read
        if column is None:
            return Availability(table, None, "ok" if stats["rows"] else "no_rows")
        present = self.data.sources.get(table, {}).get("columns_present")
        if present is not None and column not in present and column != "status":
            return Availability(table, column, "not_in_export")
        values = stats["filled"].get(column, 0)
        needed = _NEEDED_ONLY_WHERE.get((table, column))
        if needed is not None and values == 0 and not needed(self.data.tables[table]).any():
            return Availability(table, column, "ok")  # empty, and no row needs a value (no deal closed yet)
        bad = sum(
            i.count for i in self.data.issues if i.table == table and i.column == column and i.check in UNREADABLE_CHECKS
        )
        if values == 0 and bad == 0:
            return Availability(table, column, "empty")
        share = bad / (bad + values) if bad + values else 0.0
        if share > UNPARSEABLE_MAX:
            return Availability(table, column, "unparseable", share)
        return Availability(table, column, "ok", share)

    # -- coverage ----------------------------------------------------------------
    @cached_property
    def event_days(self) -> np.ndarray:
        """Distinct days (datetime64[D], sorted) on which any deal was created or closed, before ``as_of``."""
        d = self.deals
        stamps = pd.concat([d["created_at"], d["closed_at"]]).dropna()
        stamps = stamps[stamps < self.as_of]
        return np.unique(stamps.to_numpy().astype("datetime64[D]"))

    @property
    def coverage(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last day with a deal event (created or closed) before ``as_of``; None when no event."""
        days = self.event_days
        if not len(days):
            return None, None
        return pd.Timestamp(days[0]), pd.Timestamp(days[-1])

    @property
    def edge_tolerance_days(self) -> float:
        """How far from a month's edge the data may begin or end for the month to count as complete:
        twice the median gap between consecutive event days, at least :data:`COVERAGE_MIN_TOLERANCE_DAYS`."""
        days = self.event_days
        gaps = np.diff(days).astype("timedelta64[D]").astype(float) if len(days) > 1 else np.array([])
        return float(max(COVERAGE_MIN_TOLERANCE_DAYS, 2 * np.median(gaps))) if len(gaps) else COVERAGE_MIN_TOLERANCE_DAYS

    def month_coverage(self) -> pd.DataFrame:
        """One row per calendar month the period touches.

        Columns: ``month`` (first day), ``from``/``to`` (the part of the month inside the period, ``to``
        exclusive), ``coverage``: "complete" (the period and the data cover the whole month), "partial" (the
        period's edge or the data's first or last event cuts it), or "no_data" (the data does not reach the
        month at all); ``complete`` (bool). Trends and lever comparisons use complete months only.
        """
        first, last = self.coverage
        tol = pd.Timedelta(days=self.edge_tolerance_days)
        months = pd.period_range(self.start, self.as_of - pd.Timedelta(nanoseconds=1), freq="M")
        rows = []
        for m in months:
            m_lo, m_hi = m.start_time, (m + 1).start_time
            lo, hi = max(m_lo, self.start), min(m_hi, self.as_of)
            if first is None or last is None or last + pd.Timedelta(days=1) <= lo or first >= hi:
                status = "no_data"
            elif lo > m_lo or hi < m_hi or first > lo + tol or last + pd.Timedelta(days=1) < hi - tol:
                status = "partial"
            else:
                status = "complete"
            rows.append({"month": m_lo, "from": lo, "to": hi, "coverage": status, "complete": status == "complete"})
        return pd.DataFrame(rows, columns=["month", "from", "to", "coverage", "complete"])

    @property
    def activity(self) -> "ActivitySummary | None":
        """The activities summarised for the period (:mod:`auditkit.metrics.activities`): what steps 4 to 6
        read instead of the activities themselves; None when the client has no activities table."""
        return self.data.activity()

    # -- a part of the frame -------------------------------------------------------
    def subset(self, deal_ids: Any) -> "AuditFrame":
        """The same frame restricted to some deals (their stage history and leads follow; the activities,
        and their summary, stay whole); for filters."""
        keep = set(pd.Series(list(deal_ids), dtype="string").dropna())
        tables = LazyTables.like(self.data.tables)
        tables["deals"] = tables["deals"].loc[isin(tables["deals"]["deal_id"], keep)]
        if "stage_history" in tables:
            tables["stage_history"] = tables["stage_history"].loc[isin(tables["stage_history"]["deal_id"], keep)]
        data = AuditData(self.params, tables, self.data.issues, self.data.sources, self.data.activity_summary)
        return AuditFrame(self.params, data)

    # -- the run's cache -----------------------------------------------------------
    def save(self, run_dir: Path | str, keep_paths: bool = True, activities: str = "summary") -> Path:
        """Write the frame to ``<run_dir>/clean``: the clean tables (Parquet), issues, sources (with each
        table's counts), params; returns it. ``keep_paths=False`` leaves the params file's absolute path out
        (anonymised runs). ``activities="summary"`` (a run) keeps the activities summarised
        (:mod:`auditkit.metrics.activities`, in ``clean/activities/``), ``"rows"`` keeps them whole too (a
        notebook's cache, for exploring them)."""
        if activities not in ("summary", "rows"):
            raise ValueError(f"activities must be 'summary' or 'rows', not {activities!r}")
        folder = Path(run_dir) / CLEAN
        folder.mkdir(parents=True, exist_ok=True)
        sources = {name: dict(src) for name, src in self.data.sources.items()}
        for name in self.data.tables:
            sources.setdefault(name, {})["stats"] = self.data.stats(name)
            if name == "activities":
                summary = self.activity
                assert summary is not None
                summary.save(folder / ACTIVITIES)
                if activities == "summary" or not LazyTables.readable(self.data.tables, name):
                    continue
            to_cache(self.data.tables[name], folder / f"{name}.parquet")
        _write_json(folder / "quality.json", [i.to_dict() for i in self.data.issues])
        _write_json(folder / "sources.json", sources)
        _write_json(
            folder / "frame.json",
            {
                "version": FRAME_VERSION,
                "params": self.params.model_dump(mode="json"),
                "params_path": str(self.params.source_path) if self.params.source_path and keep_paths else None,
                "as_of": self.as_of.isoformat(),
            },
        )
        return folder

    @classmethod
    def load(cls, run_dir: Path | str) -> "AuditFrame | None":
        """The frame cached in ``<run_dir>/clean``, or None when there is none."""
        folder = Path(run_dir) / CLEAN
        meta_path = folder / "frame.json"
        if not meta_path.is_file():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        params = parse_params(meta["params"], meta.get("params_path") or "<params>")
        sources = json.loads((folder / "sources.json").read_text(encoding="utf-8"))
        stats = {name: src.pop("stats") for name, src in sources.items() if "stats" in src}
        tables = LazyTables({name: folder / f"{name}.parquet" for name in sources}, stats)
        summary = ActivitySummary.read(folder / ACTIVITIES) if ActivitySummary.saved_in(folder / ACTIVITIES) else None
        issues = [
            QualityIssue(
                d["table"], d["check"], d["column"], d["count"], d["level"], d["message"], tuple(d["rows"]),
                pd.DataFrame(d["examples"]),
            )
            for d in json.loads((folder / "quality.json").read_text(encoding="utf-8"))
        ]
        return cls(params, AuditData(params, tables, issues, sources, summary))


F = TypeVar("F", bound=Callable[..., Any])


def per_frame(fn: F) -> F:
    """Compute ``fn(frame, *args)`` once per frame and arguments: a metric several others read (the open
    deals' last sign of life, the activities of the period). A frame's tables never change, so the result
    is kept on the frame; each call gets a shallow copy (copy-on-write: changing it leaves the kept one as
    it was). Calls with keyword arguments are computed afresh."""

    @functools.wraps(fn)
    def wrapper(frame: "AuditFrame", *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            return fn(frame, *args, **kwargs)
        key = (fn.__module__, fn.__qualname__, args)
        if key not in frame._memo:
            frame._memo[key] = fn(frame, *args)
        value = frame._memo[key]
        return value.copy(deep=False) if isinstance(value, (pd.DataFrame, pd.Series)) else value

    return wrapper  # type: ignore[return-value]


class GroupFrame(AuditFrame):
    """A group's frame (a rep's, a team's) over rows of its parent frame's scoped tables, which are not scoped
    again; a lead keeps its deal only when the deal is the group's, as scoping the group's own rows would
    (``matched_leads``: the leads so scoped, when the caller matched them already; the table's own rows
    stay as given, for what the data can support)."""

    matched_leads: pd.DataFrame | None = None

    def _scoped(self, name: str) -> pd.DataFrame:
        df = self.data.tables[name]
        if name == "leads":
            df = self.matched_leads if self.matched_leads is not None else _leads_of_known_deals(df, self._tables["deals"])
        return df.reset_index(drop=True)


def _leads_of_known_deals(leads: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """``leads`` with the deal of a lead kept only when it is one of ``deals`` (a frame's scoped deals): a deal
    created after the as-of moment, or another group's, is not the lead's deal yet. Matched as Arrow data."""
    return leads.assign(deal_id=leads["deal_id"].where(isin(leads["deal_id"], deals["deal_id"].dropna())))


class _Populations(Mapping[str, pd.DataFrame]):
    """A frame's populations, each taken from its scoped table when first read: a step that reads two of
    them does not copy the rows of six (each is every column of up to a million deals)."""

    def __init__(self, frame: "AuditFrame") -> None:
        self._frame = frame
        self._done: dict[str, pd.DataFrame] = {}

    @cached_property
    def masks(self) -> dict[str, pd.Series]:
        d, lo, hi = self._frame.deals, self._frame.start, self._frame.as_of
        created = d["created_at"].notna() & (d["created_at"] >= lo) & (d["created_at"] < hi)
        closed = d["status"].isin(["won", "lost"]) & d["closed_at"].notna() & (d["closed_at"] >= lo) & (d["closed_at"] < hi)
        return {
            "deals_created": created,
            "deals_closed": closed,
            "deals_won": closed & d["status"].eq("won"),
            "deals_lost": closed & d["status"].eq("lost"),
            "deals_open_at_end": d["status"].eq("open") & d["created_at"].notna(),
        }

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._done:
            if name == "leads_created":
                leads = self._frame._tables.get("leads")
                lo, hi = self._frame.start, self._frame.as_of
                self._done[name] = pd.DataFrame() if leads is None else leads.loc[
                    leads["created_at"].notna() & (leads["created_at"] >= lo) & (leads["created_at"] < hi)]
            else:
                self._done[name] = self._frame.deals.loc[self.masks[name]]  # KeyError for another name
        return self._done[name].copy(deep=False)

    def __iter__(self) -> Iterator[str]:
        return iter(POPULATIONS)

    def __len__(self) -> int:
        return len(POPULATIONS)


class _Scoped(Mapping[str, pd.DataFrame]):
    """A frame's scoped tables, each scoped when first read (a step that never reads the activities never
    loads or scopes them)."""

    def __init__(self, frame: "AuditFrame") -> None:
        self._frame = frame
        self._done: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._done:
            if name not in self._frame.data.tables:
                raise KeyError(name)
            self._done[name] = self._frame._scoped(name)
        return self._done[name].copy(deep=False)  # a caller adding a column changes its copy only

    def __iter__(self) -> Iterator[str]:
        return iter(self._frame.data.tables)

    def __len__(self) -> int:
        return len(self._frame.data.tables)

    def __contains__(self, name: object) -> bool:
        return name in self._frame.data.tables


@dataclass(frozen=True)
class Summarised:
    """A table kept only summarised, in :class:`LazyTables`: reading its rows raises ``DataError(reason)``."""

    reason: str


class LazyTables(MutableMapping[str, pd.DataFrame]):
    """Tables read from Parquet files when first used, in the order given (a run's clean cache); a table may
    be :class:`Summarised` (its rows not kept)."""

    def __init__(self, files: Mapping[str, Path | pd.DataFrame | Summarised], stats: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._tables: dict[str, Path | pd.DataFrame | Summarised] = dict(files)  # a path until the table is read
        self._stats = dict(stats or {})  # each table's counts as the cache recorded them

    def recorded_stats(self, name: str) -> dict[str, Any] | None:
        """The counts of table ``name`` recorded with the cache (:meth:`AuditData.stats`); None once the
        table was replaced."""
        return self._stats.get(name)

    def read(self) -> list[str]:
        """The tables read so far."""
        return [name for name, table in self._tables.items() if isinstance(table, pd.DataFrame)]

    @classmethod
    def like(cls, tables: MutableMapping[str, pd.DataFrame]) -> "LazyTables":
        """A shallow copy of ``tables`` (a dict or LazyTables): tables not read yet stay unread."""
        if isinstance(tables, LazyTables):
            return cls(tables._tables, tables._stats)
        return cls(dict(tables))

    @staticmethod
    def readable(tables: MutableMapping[str, pd.DataFrame], name: str) -> bool:
        """Whether ``tables[name]`` has rows to read (False for a table a run's cache keeps summarised)."""
        if not isinstance(tables, LazyTables):
            return True
        table = tables._tables[name]
        return isinstance(table, pd.DataFrame) or (isinstance(table, Path) and table.is_file())

    def __getitem__(self, name: str) -> pd.DataFrame:
        table = self._tables[name]  # KeyError for a table the client lacks
        if isinstance(table, Summarised):
            raise DataError(table.reason)
        if isinstance(table, Path):
            if not table.is_file():
                raise DataError(
                    f"{table.parent}: this run's cache keeps the {name} summarised, not their rows; read "
                    f"frame.activity, or build the frame from the params (auditkit.frame.build_frame) to read them whole."
                )
            table = self._tables[name] = from_cache(table)
        return table.copy(deep=False)  # a run's steps share it (:func:`run_frame`): a change stays in the copy

    def __setitem__(self, name: str, df: pd.DataFrame) -> None:
        self._tables[name] = df
        self._stats.pop(name, None)

    def __delitem__(self, name: str) -> None:
        del self._tables[name]
        self._stats.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __contains__(self, name: object) -> bool:
        return name in self._tables  # without reading it (Mapping's own reads the table)


def _before(s: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Timestamps at or after ``as_of`` made empty (the event had not happened yet)."""
    return s.where(s.isna() | (s < as_of))


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)


def frame_from_tables(
    params: AuditParams, tables: dict[str, pd.DataFrame], issues: list[QualityIssue] | None = None
) -> AuditFrame:
    """A frame from canonical tables already in memory (tests, notebooks, other loaders).

    Columns missing from a table are added empty, and recorded as not in the export, as the loader does;
    ``status`` is derived from ``stage`` where missing. Types must already be canonical (datetimes, floats).
    """
    from .io.readers import ROW
    from .schema import SPECS

    out: dict[str, pd.DataFrame] = {}
    sources: dict[str, dict[str, Any]] = {}
    for name, df in tables.items():
        spec = SPECS[name]
        present = [c for c in spec.names if c in df.columns]
        full = df.copy()
        for col in spec.columns:
            if col.name not in full.columns:
                dtype = {"datetime": "datetime64[ns]", "number": "float64", "bool": "boolean"}.get(col.kind, "string")
                empty = {"datetime64[ns]": pd.NaT, "float64": np.nan}.get(dtype, pd.NA)
                full[col.name] = pd.Series(empty, index=full.index, dtype=dtype)
            elif col.kind in ("id", "text", "enum"):
                full[col.name] = full[col.name].astype("string")
            elif col.kind == "datetime":
                full[col.name] = pd.to_datetime(full[col.name], format="ISO8601").astype("datetime64[ns]")
            elif col.kind == "number":
                full[col.name] = pd.to_numeric(full[col.name]).astype("float64")
        if ROW not in full.columns:
            full.insert(0, ROW, range(2, 2 + len(full)))
        if name == "deals":
            p = params.pipeline
            derived = full["stage"].map({p.won: "won", p.lost: "lost"}).fillna("open").astype("string")
            full["status"] = full["status"].fillna(derived)
        out[name] = full[[ROW, *spec.names]].reset_index(drop=True)
        sources[name] = {"path": f"<{name}>", "columns_present": present, "rows_read": len(df)}
    return AuditFrame(params, AuditData(params, out, list(issues or []), sources))


def build_frame(params: AuditParams, activities: str = "rows") -> AuditFrame:
    """Load and validate the client's data (every table the params declare) and scope it to the period.
    ``activities="summary"`` (a run, whose steps read the activities summarised) reads a large Parquet export
    of activities in parts and keeps only its summary (:mod:`auditkit.io.stream`)."""
    from .io.load import load

    return AuditFrame(params, load(params, activities=activities))


#: The frame :func:`run_frame` keeps in this process: (its run folder, frame.json's identity), the frame.
_KEPT: list[tuple[tuple[str, int, int, int], AuditFrame]] = []


def run_frame(run_dir: Path | str) -> AuditFrame | None:
    """The frame cached in ``<run_dir>/clean`` (:meth:`AuditFrame.load`; None when there is none), kept in
    this process for the run's next step. A run executes its steps one after the other in one warm kernel,
    so each step after the first finds the tables read and scoped, and the metrics several steps share
    (:func:`per_frame`) computed. Only the latest run's frame is kept; a cache written anew (another
    ``frame.json``) is read anew. A step cannot change the kept frame for the next one: its tables and
    populations are handed out as copies (copy-on-write, so no data is copied)."""
    folder = Path(run_dir).resolve()
    try:
        st = (folder / CLEAN / "frame.json").stat()
    except OSError:
        return None
    key = (str(folder), st.st_ino, st.st_size, st.st_mtime_ns)
    if _KEPT and _KEPT[0][0] == key:
        return _KEPT[0][1]
    _KEPT.clear()  # the previous run's frame goes before this one is read
    frame = AuditFrame.load(folder)
    if frame is not None:
        _KEPT.append((key, frame))
    return frame


def cache_dir() -> Path | None:
    """Where :func:`cached_frame` keeps frames: ``$AUDITKIT_CACHE``, else ``$XDG_CACHE_HOME/auditkit`` or
    ``~/.cache/auditkit``; None when ``AUDITKIT_CACHE`` is ``off`` (or ``0``)."""
    import os

    setting = os.environ.get("AUDITKIT_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "auditkit"


def _cache_key(params: AuditParams) -> tuple[str, str] | None:
    """(the params file's key, the frame's key): the params file's path, then its bytes, each data file's
    path, size and modification time, and the loader's own code and version. None when a file is missing."""
    import hashlib
    from importlib import metadata

    if params.source_path is None:
        return None
    frame_key = hashlib.sha256()
    try:
        frame_key.update(params.source_path.read_bytes())
        for table in sorted(params.data.tables):
            path = params.table_path(table)
            st = path.stat()
            frame_key.update(f"{path}|{st.st_size}|{st.st_mtime_ns}".encode())
        package = Path(__file__).resolve().parent
        for code in sorted([package / "frame.py", package / "params.py", package / "schema.py", package / "quality.py",
                            *(package / "io").rglob("*.py"), *(package / "io" / "profiles").glob("*.yaml")]):
            frame_key.update(f"{code.name}|{code.stat().st_mtime_ns}".encode())
        frame_key.update(f"{FRAME_VERSION}|{metadata.version('auditkit')}".encode())
    except (OSError, metadata.PackageNotFoundError):
        return None
    where = hashlib.sha256(str(params.source_path).encode()).hexdigest()[:16]
    return where, frame_key.hexdigest()[:24]


def cached_frame(params: AuditParams) -> AuditFrame:
    """:func:`build_frame`, kept in :func:`cache_dir` for a notebook opened on a params file (JupyterLab,
    nbval): opened again with the same params file, data files (path, size, modification time) and loader,
    the frame is read from its clean Parquet instead of parsing the exports again. Only the latest frame
    of each params file is kept; a run never uses this cache (it reads every file afresh)."""
    import os
    import shutil
    import uuid

    root, key = cache_dir(), _cache_key(params)
    if root is None or key is None:
        return build_frame(params)
    where, frame_key = key
    folder = root / where / frame_key
    try:
        cached = AuditFrame.load(folder)
    except Exception:  # a damaged entry is rebuilt
        cached = None
    if cached is not None:
        return AuditFrame(params, AuditData(params, cached.data.tables, cached.data.issues, cached.data.sources,
                                            cached.data.activity_summary))
    frame = build_frame(params)
    try:
        work = root / where / f".{frame_key}.{uuid.uuid4().hex}"
        frame.save(work, activities="rows")  # a notebook may explore the activities themselves
        try:
            os.rename(work, folder)  # atomic; another process may have written it first
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
        for old in (root / where).iterdir():
            if old.name != frame_key and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return frame
