"""Raw files to validated canonical tables plus their data-quality issues.

``load(params)`` reads every table the params declare and returns an
:class:`AuditData`. Fatal problems (a missing file, a required column absent)
raise :class:`~auditkit.errors.DataError`; everything else becomes a
:class:`~auditkit.quality.QualityIssue` and the bad value is set aside.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import threading
from collections.abc import MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from ..errors import DataError
from ..params import AuditParams, TableSource
from ..quality import EXAMPLES, ROWS_KEPT, Level, QualityIssue
from ..schema import SPECS, TableSpec
from .detect import (
    DEFAULT_NULLS, SPACES, currency_code, file_slash_order, null_mask, parse_local_dates, split_currency, suggest, values_snippet,
)
from .readers import ROW, RawTable, peek, read_raw, release_memory
from .stream import STREAMED, Streamed, stream_table
from .vector import arrow_text, by_value, categorical, compact, dense, distinct, isin, printable_ends

if TYPE_CHECKING:
    from ..metrics.activities import ActivitySummary

DATE_COLUMN = {
    "deals": "created_at",
    "stage_history": "entered_at",
    "leads": "created_at",
    "activities": "at",
    "handoffs": "created_at",
    "assessments": "assessed_at",
    "targets": "period_start",
}
TRUE = {"true", "yes", "y", "1", "да", "t", "x"}
FALSE = {"false", "no", "n", "0", "нет", "f", ""}

#: Numbers whose size is above this are not amounts, counts or durations but
#: export artefacts (1e308, 99999999999999); they are an ``absurd_number`` issue.
MAX_ABS_NUMBER = 1e12
#: Dates accepted: from DATE_MIN to the end of 2199-12-31 (DATE_END is exclusive).
#: Anything outside is a stand-in value or a typo (0001-01-01, 9999-12-31, 2502 for
#: 2025), and also beyond what nanosecond timestamps hold (1677 to 2262).
DATE_MIN = pd.Timestamp("1900-01-01")
DATE_END = pd.Timestamp("2200-01-01")
DATE_RANGE = "before 1900-01-01 or after 2199-12-31"


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", name.strip()).strip("_").lower()


@dataclass
class AuditData:
    """The client's canonical tables, their quality issues and where they came from."""

    params: AuditParams
    tables: MutableMapping[str, pd.DataFrame]  # a dict, or read when first used (a run's clean cache)
    issues: list[QualityIssue] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The activities summarised for the params' period; computed when first asked for (:meth:`activity`),
    #: or read from a run's clean cache, which keeps the summary instead of the rows.
    activity_summary: "ActivitySummary | None" = field(default=None, repr=False, compare=False)
    _stats: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def activity(self) -> "ActivitySummary | None":
        """The activities summarised once for the period (:mod:`auditkit.metrics.activities`); None when
        the client has no activities table."""
        if self.activity_summary is None and "activities" in self.tables:
            from ..metrics.activities import summarise

            self.activity_summary = summarise(self.tables["activities"], self.params)
        return self.activity_summary

    def stats(self, name: str) -> dict[str, Any]:
        """Of the clean table ``name`` (any period): ``rows``, ``filled`` (per column: rows with a value) and
        ``from``/``to`` (its first and last date, ISO text, None when it has none). Read from the sources of
        a run's clean cache when recorded there, so a table kept summarised need not be read."""
        recorded = getattr(self.tables, "recorded_stats", lambda _: None)(name)  # a run's clean cache
        if recorded is not None:
            return dict(recorded)
        df = self.tables[name]
        kept = self._stats.get(name)
        if kept is None or kept[0] is not df:  # a table is never changed in place; a new one is a new object
            date_col = DATE_COLUMN.get(name)
            dates = df[date_col].dropna() if date_col in df else pd.Series(dtype="datetime64[ns]")
            kept = self._stats[name] = (df, {
                "rows": len(df),
                "filled": {str(c): int(n) for c, n in df.notna().sum().items() if c != ROW},
                "from": dates.min().isoformat() if len(dates) else None,
                "to": dates.max().isoformat() if len(dates) else None,
            })
        return dict(kept[1])

    def rows(self) -> dict[str, int]:
        """The clean rows of every table the client has."""
        return {name: int(self.stats(name)["rows"]) for name in self.tables}

    def get(self, name: str) -> pd.DataFrame | None:
        """The table, or None when the client has no such data."""
        return self.tables.get(name)

    def has(self, name: str) -> bool:
        return name in self.tables

    def inventory(self) -> pd.DataFrame:
        """One row per canonical table: file, rows, the columns the export has (``columns``),
        the canonical columns it lacks (``not_in_export``), the columns it has but leaves
        entirely empty (``empty_columns``), period covered, issue count."""
        rows = []
        for name in SPECS:
            have = name in self.tables
            stats = self.stats(name) if have else {"rows": 0, "filled": {}, "from": None, "to": None}
            src = self.sources.get(name, {})
            present = src.get("columns_present")
            columns: list[str] = []
            absent: list[str] = []
            empty: list[str] = []
            if have and present is None:  # sources written before columns were recorded
                columns = list(stats["filled"])
            elif have and present is not None:
                columns = list(present)
                absent = [c for c in SPECS[name].names if c not in present]
                recorded = src.get("columns_empty")
                empty = list(recorded) if recorded is not None else [
                    c for c in present if stats["rows"] and c in stats["filled"] and not stats["filled"][c]]
            rows.append(
                {
                    "table": name,
                    "file": Path(src["path"]).name if src else "",
                    "rows": stats["rows"],
                    "columns": ", ".join(columns),
                    "not_in_export": ", ".join(absent),
                    "empty_columns": ", ".join(empty),
                    "from": pd.Timestamp(stats["from"]) if stats["from"] else pd.NaT,
                    "to": pd.Timestamp(stats["to"]) if stats["to"] else pd.NaT,
                    "issues": sum(i.count for i in self.issues if i.table == name),
                    "status": "loaded" if have else "not provided",
                }
            )
        return pd.DataFrame(rows)


class _Checks:
    """Collects issues for one table, keeping source rows for the examples."""

    def __init__(self, table: str, raw: pd.DataFrame | Callable[[list[int]], pd.DataFrame]):
        self.table = table
        self.raw = raw  # the raw rows, or what reads those wanted (a table read in parts: :mod:`.stream`)
        self.issues: list[QualityIssue] = []
        #: every check made, in order, with the issue it raised (None when no row failed it): the same checks
        #: run on each part of a table read in parts (:mod:`auditkit.io.stream`), and their issues are merged
        self.calls: list[tuple[tuple[str, str | None, Level], QualityIssue | None]] = []
        self._numbers: np.ndarray | None = None  # the raw rows' numbers, when they rise (then searched, not hashed)

    def examples(self, rows: list[int]) -> pd.DataFrame:
        """The raw rows numbered ``rows`` (those that exist), in file order."""
        if not isinstance(self.raw, pd.DataFrame):
            return self.raw(rows).reset_index(drop=True)
        if self._numbers is None:
            numbers = self.raw[ROW].to_numpy(dtype=np.int64)
            self._numbers = numbers if len(numbers) < 2 or bool((np.diff(numbers) > 0).all()) else np.empty(0, np.int64)
        if len(self._numbers) or not len(self.raw):
            wanted = np.unique(np.asarray(rows, dtype=np.int64))
            at = np.searchsorted(self._numbers, wanted).clip(max=max(len(self._numbers) - 1, 0))
            found = at[self._numbers[at] == wanted] if len(self._numbers) else at[:0]
            return self.raw.iloc[found].reset_index(drop=True)
        return self.raw.loc[self.raw[ROW].isin(rows)].reset_index(drop=True)

    def flag(self, rows: pd.Series | np.ndarray | list, check: str, column: str | None, message: str, level: Level = "warning") -> None:
        rows = [int(r) for r in (rows.tolist() if hasattr(rows, "tolist") else rows)]
        issue = None
        if rows:
            examples = self.examples(rows[:EXAMPLES])
            issue = QualityIssue(self.table, check, column, len(rows), level, message, tuple(rows[:ROWS_KEPT]), examples)
            self.issues.append(issue)
        self.calls.append(((check, column, level), issue))


def _mapping(found: list[str], spec: TableSpec, source: TableSource) -> dict[str, list[str]]:
    """Canonical column -> the file column that fills it, from the params' ``columns`` (present in
    the file), then ``aliases`` (a profile's alternative headers: the first present wins), then headers
    that already are a canonical name in another case or spacing. Constants and joins are not here."""
    claimed = set(source.constants) | set(source.join)
    out: dict[str, list[str]] = {}
    taken: set[str] = set()
    for file_col in source.columns:
        if file_col in found:
            for target in source.targets(file_col):
                out.setdefault(file_col, []).append(target)
                taken.add(target)
    claimed |= {t for f in source.columns for t in source.targets(f)}  # mapped, even if absent
    for file_col, targets in source.aliases.items():
        if file_col not in found or file_col in source.columns:
            continue
        for target in [targets] if isinstance(targets, str) else targets:
            if target not in claimed and target not in taken:
                out.setdefault(file_col, []).append(target)
                taken.add(target)
    for file_col in found:
        if file_col in out or file_col == ROW or file_col in source.columns:
            continue
        snake = _snake(file_col)
        if snake in spec.names and snake not in taken and snake not in claimed:
            out[file_col] = [snake]
            taken.add(snake)
    return out


#: Tables whose text columns other than the key and :data:`SPARSE_IDS` (owners, types, outcomes, the deals
#: they are on) are read as categoricals: tens of millions of activities hold a million distinct values in
#: them at most, and every check then reads those instead of every row (:func:`auditkit.io.vector.distinct`),
#: in a third of the memory. The clean activities keep them so: only their summary reads them.
ENCODED = frozenset({"activities"})
#: Columns of an :data:`ENCODED` table kept as text: ids that repeat little. A lead is contacted once or twice
#: before it becomes a deal or is dropped, so a dictionary of the activities' leads is nearly as long as the
#: leads themselves (a deal has tens of activities). At 1M deals (35M activities, 6M of them on 2.7M leads)
#: reading the leads as a dictionary, unifying it and making its 2.7M categories cost 9 s, and the checks
#: were 1.7 s slower on them than on the text (loading 32.9 s to 21.5 s; the same tables and summary).
SPARSE_IDS: dict[str, frozenset[str]] = {"activities": frozenset({"lead_id"})}


def _categorical_columns(name: str, source: TableSource) -> Callable[[list[str]], set[str]] | None:
    """For a table of :data:`ENCODED`: from a file's column names, those that fill only text columns other
    than the table's key and its :data:`SPARSE_IDS` (read as categoricals); None for other tables."""
    if name not in ENCODED:
        return None
    spec = SPECS[name]
    kinds = {c.name: c.kind for c in spec.columns}

    def columns(found: list[str]) -> set[str]:
        return {
            file_col for file_col, targets in _mapping(found, spec, source).items()
            if all(kinds.get(t) in ("id", "text", "enum") and t != spec.key and t not in source.values
                   and t not in SPARSE_IDS.get(name, ()) for t in targets)
        }

    return columns


def _map_columns(frame: pd.DataFrame, spec: TableSpec, source: TableSource, extra: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """The file's rows with canonical column names: one file column may fill several canonical
    columns; constants fill a column with one value; ``extra`` (joined from another table) fills its own."""
    out = pd.DataFrame({ROW: frame[ROW]}, index=frame.index)
    for file_col, targets in _mapping(list(frame.columns), spec, source).items():
        for target in targets:
            out[target] = frame[file_col]
    for col, value in source.constants.items():
        out[col] = pd.Series(value, index=frame.index, dtype="string")
    for col, series in (extra or {}).items():
        out[col] = series.reindex(frame.index)
    for col in source.join:
        if col not in out.columns:  # preflight: the join fills it when loading
            out[col] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return out


def _check_columns(frame: pd.DataFrame, spec: TableSpec, source: TableSource, path: Path, found: list[str]) -> None:
    """Raise DataError when a required column is absent after mapping, or an expected one the params map
    explicitly (a misspelt header would otherwise pass for an export without it); ``found`` are the file's
    own names."""
    found = [c for c in found if c != ROW]
    inverse = {t: f for f in source.columns for t in source.targets(f)}
    missing = [c for c in spec.required if c not in frame.columns]
    expected = [c.name for c in spec.columns if c.expected and c.name in inverse and c.name not in frame.columns]
    missing += expected
    for group in spec.one_of:
        if not any(c in frame.columns for c in group):
            missing.append(" or ".join(group))
    if not missing:
        return
    if len(found) == 1:  # the whole header is one column: the file is split by another character
        counts = {d: found[0].count(d) for d in (",", ";", "\t", "|") if d != source.delimiter}
        sep = max(counts, key=lambda d: counts[d])
        if counts[sep]:
            named = "tab" if sep == "\t" else f"'{sep}'"
            raise DataError(
                f"{path}: the header reads as one column ('{found[0][:80]}'), so the file looks {named}-separated, "
                f"but data.tables.{spec.name}.delimiter is {source.delimiter!r}. Set data.tables.{spec.name}.delimiter "
                f"to {named} (or auto to detect it)."
            )
    used = set(_mapping(found, spec, source))
    # a hint only among columns nothing maps yet, and not one named like another canonical column
    free = [c for c in found if c not in used and _snake(c) not in spec.names]
    parts = []
    for col in missing:
        if col in inverse:
            # a misspelt file column: the nearest header nothing maps yet, ignoring case
            near = difflib.get_close_matches(inverse[col].casefold(), [c.casefold() for c in free], n=1, cutoff=0.6)
            nearest = f"; is it '{next(c for c in free if c.casefold() == near[0])}'?" if near else ""
            parts.append(f"'{col}' (params map '{inverse[col]}' to it, but the file has no column '{inverse[col]}'{nearest})")
        else:
            hint = difflib.get_close_matches(col, free, n=1, cutoff=0.6)
            parts.append(f"'{col}'" + (f" (is it '{hint[0]}'?)" if hint else ""))
    profile = f" (profile '{source.profile}' knows none of this file's headers for it)" if source.profile else ""
    raise DataError(
        f"{path}: table '{spec.name}' needs column{'s' if len(parts) > 1 else ''} {', '.join(parts)}, "
        f"which {'are' if len(parts) > 1 else 'is'} not in the file{profile}.\n"
        f"Columns found: {', '.join(found) or '(none)'}.\n"
        f"Map the file's column names in the params file, e.g.\n"
        f"  data:\n    tables:\n      {spec.name}:\n        columns:\n          <column in the file>: {missing[0].split(' or ')[0]}"
        + "".join(
            f"\nIf the export has no {col} at all, remove the mapping of '{inverse[col]}': the audit runs without it "
            f"and says which figures are not available." for col in expected
        )
    )


def _clean_text(s: pd.Series) -> bool:
    """Whether ``s`` is text stored in Arrow none of whose values has surrounding whitespace or is empty:
    then it is already what :func:`_as_text` gives. Looked at on its chunks as stored, in two passes."""
    column = arrow_text(s)
    if column is None:
        return False
    import pyarrow.compute as pc

    if printable_ends(column):  # ids and other ASCII text: a look at each value's first and last byte
        return True
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.all(pc.equal(trimmed, column)).as_py() is not False and pc.any(pc.equal(trimmed, "")).as_py() is not True


def _stripped(s: pd.Series) -> pd.Series:
    """``s`` as text without surrounding whitespace, empty text as missing (a clean column is kept as it is by
    :func:`_as_text` before it gets here, and :func:`by_value` keeps it when no distinct value changes)."""
    out = s.astype("string").str.strip()
    return out.mask(out.eq(""))


def _as_text(s: pd.Series) -> pd.Series:
    """``s`` as trimmed text (string dtype), empty text as missing; whole floats written without '.0'.
    A clean text column is returned as it is, without looking at its distinct values."""
    if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
        s = s.astype("Int64")
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        text = s.astype("string")  # the same Arrow data, with missing values as NA
        if _clean_text(text):
            return text
    return by_value(s, _stripped)


def _folded(text: pd.Series) -> pd.Series:
    """Text in one case with runs of spaces as one space: how names are matched."""
    return by_value(text, lambda t: t.str.casefold().str.split().str.join(" "))


def _instances(s: pd.Series, types: tuple[type, ...]) -> pd.Series:
    """Which cells of an object column (Excel, Parquet dates) hold a value of ``types``
    rather than text; a type test per cell, the values themselves are parsed vectorised."""
    if s.dtype != object:
        return pd.Series(False, index=s.index)
    hit = s.map(lambda v: isinstance(v, types) and not isinstance(v, bool) and v == v)  # v == v: not NaN/NaT
    return hit.astype(bool)


# -- dates ----------------------------------------------------------------------
# A UTC offset after a time of day: "...T23:30:00-05:00", "... 10:00 +0300", "...Z".
_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?" + f"[{SPACES}]*" + r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
_MARGIN = pd.Timedelta(days=2)  # more than any UTC offset


def _parse_dates(
    s: pd.Series, fmt: str | None, tz: str = "UTC", ambiguous: pd.Series | None = None, hint: str | None = None,
    text: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Timestamps as naive local times in ``tz`` (datetime64[ns]) and which values were out of range.

    Without ``fmt`` a value is read as ISO 8601, else as ``dd.mm.yyyy``/``d.m.yy`` or a slashed
    date whose day/month order the whole column decides (:func:`detect.parse_local_dates`), each
    with or without a time; slashed values the column cannot decide are marked in ``ambiguous``
    (a boolean Series the caller passes) and left unread. With ``fmt``, a value that only has the
    date part of a format with a time is read by the date part.

    Values with a UTC offset (text, or a tz-aware Parquet column) are converted to ``tz``;
    naive values are taken as already being in ``tz``. Dates before DATE_MIN or from
    DATE_END on are set aside (NaT) and marked in the second Series. ``text`` is ``_as_text(s)`` when the
    caller has it already.
    """
    idx = s.index
    parts: list[pd.Series] = []
    if pd.api.types.is_datetime64_any_dtype(s):
        parts.append(s)
    else:
        native = _instances(s, (dt.datetime, dt.date, np.datetime64))
        if native.any():  # Excel datetime cells, Parquet date columns
            try:
                parts.append(pd.to_datetime(s[native], errors="coerce"))
            except (ValueError, TypeError):  # naive and aware datetimes mixed
                parts.append(pd.to_datetime(s[native], errors="coerce", utc=True))
        text = _as_text(s) if text is None else text
        if native.any():
            text = text[~native]
        iso = _naive_iso(text) if fmt is None else None
        if iso is not None:  # every value a naive ISO 8601 timestamp: read by Arrow in one pass
            parts.append(iso)
        else:
            offset = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
            if offset.any():
                parts.append(pd.to_datetime(text[offset], format=fmt or "ISO8601", errors="coerce", utc=True))
            plain = pd.to_datetime(text[~offset], format=fmt or "ISO8601", errors="coerce")
            failed = plain.isna() & text[~offset].notna()
            if failed.any() and fmt:
                date_only = re.sub(r"[ T,]*%[HIl].*$", "", fmt)  # a date-only value in a column with times
                if date_only and date_only != fmt:
                    plain[failed] = pd.to_datetime(text[~offset][failed], format=date_only, errors="coerce")
            elif failed.any():
                local = parse_local_dates(text[~offset][failed], hint)
                plain[failed] = local.value
                if ambiguous is not None:
                    ambiguous.loc[local.ambiguous[local.ambiguous].index] = True
            parts.append(plain)
    if len(parts) == 1 and parts[0].index.equals(idx):  # one kind of value throughout (a typed column, all ISO)
        value, bad = _in_range(parts[0], tz)
        return value.rename(None), bad.rename(None)
    out = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    out_of_range = pd.Series(False, index=idx)
    for part in parts:
        value, bad = _in_range(part, tz)
        out_of_range.loc[part.index] = bad
        out.loc[part.index] = value
    return out, out_of_range


def _naive_iso(text: pd.Series) -> pd.Series | None:
    """``text`` read as naive ISO 8601 timestamps by Arrow's own parser (datetime64[ns]), or None unless every
    value is one. That parser is stricter than pandas' ISO 8601 (it checks the day against the month, needs
    two-digit fields, refuses a UTC offset, an out-of-range year or stray space) and reads what it accepts
    as pandas does; anything else is left to pandas, value by value."""
    column = arrow_text(text)
    if column is None or not len(text):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        stamps = pc.cast(column, pa.timestamp("ns"))
    except pa.ArrowException:  # a value Arrow will not read (or a cast it has no kernel for): pandas reads the column
        return None
    return pd.Series(stamps.to_numpy(), index=text.index, dtype="datetime64[ns]")


def _in_range(part: pd.Series, tz: str) -> tuple[pd.Series, pd.Series]:
    """``part`` (timestamps, naive or with a UTC offset) as naive local times in ``tz`` with the values before
    DATE_MIN or from DATE_END on set aside (NaT), and which those were."""
    far = pd.Series(False, index=part.index)
    if getattr(part.dt, "tz", None) is not None:
        utc = part.dt.tz_convert("UTC").dt.tz_localize(None)
        far = utc.notna() & ((utc < DATE_MIN - _MARGIN) | (utc >= DATE_END + _MARGIN))
        part = part.mask(far).dt.tz_convert(tz).dt.tz_localize(None)
    bad = far | (part.notna() & ((part < DATE_MIN) | (part >= DATE_END)))
    return part.mask(bad).astype("datetime64[ns]"), bad


# -- numbers --------------------------------------------------------------------
_GROUP_SEPARATORS = (" ", "\u00a0", "\u202f", "'")  # besides the other mark: space, NBSP, narrow NBSP, apostrophe
_NON_FINITE = r"[+-]?(?:inf|infinity|nan)"


def _re_char(c: str) -> str:
    return "\\." if c == "." else c


def _number_pattern(decimal: str) -> str:
    """A number written with ``decimal`` as its decimal mark: thousands separated by the
    other mark, a space, NBSP, narrow NBSP or apostrophe in correct groups of three
    (one kind per value), or no grouping and an optional exponent (1.5e3)."""
    other = "," if decimal == "." else "."
    d = _re_char(decimal)
    grouped = "|".join(rf"[1-9]\d{{0,2}}(?:{_re_char(sep)}\d{{3}})+" for sep in (other, *_GROUP_SEPARATORS))
    return rf"[+-]?(?:(?:{grouped})(?:{d}\d+)?|(?:\d+(?:{d}\d+)?|{d}\d+)(?:[eE][+-]?\d+)?)"


def _read_as(text: pd.Series, decimal: str) -> pd.Series:
    """Numbers from text already known to match ``_number_pattern(decimal)``."""
    other = "," if decimal == "." else "."
    seps = "".join(_re_char(c) for c in (other, *_GROUP_SEPARATORS))
    plain = text.str.replace(f"[{seps}]", "", regex=True)
    if decimal == ",":
        plain = plain.str.replace(",", ".", regex=False)
    return pd.to_numeric(plain, errors="coerce").astype("float64")


@dataclass
class _Numbers:
    """A number column as read, and which values were set aside or read on a guess."""

    value: pd.Series  # float64; NaN where empty or set aside
    unreadable: pd.Series  # not a number in either convention
    mismatch: pd.Series  # written with the other decimal mark; set aside
    absurd: pd.Series  # inf, nan, or |value| > MAX_ABS_NUMBER; set aside
    ambiguous: pd.Series  # '1,234' / '1.234' read with the declared mark, nothing in the column decides
    text: pd.Series  # the values as text, for messages
    decided: bool  # some value of the column can only be read with the declared mark


def _parse_numbers(s: pd.Series, decimal: str, text: pd.Series | None = None) -> _Numbers:
    """Read numbers for the declared ``decimal`` mark, deciding per column from its values.

    A value readable only with the other mark is a mismatch (set aside). A value readable
    both ways with different results (one separator followed by exactly three digits:
    ``1,234``, ``1.234``) is read with the declared mark; it is silent when another value
    of the column can only be read with the declared mark, ambiguous otherwise, and set
    aside with the mismatches when the column's other values use the other mark. ``text`` is
    ``_as_text(s)`` when the caller has it already.
    """
    idx = s.index
    none = pd.Series(False, index=idx)
    value = pd.Series(np.nan, index=idx, dtype="float64")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        # typed numbers (Parquet, Excel): nothing to match; only values out of range are set aside
        value = s.astype("float64")
        absurd = value.notna() & (~np.isfinite(value) | (value.abs() > MAX_ABS_NUMBER))
        # the values as text only for a message about them: the column is not written out otherwise
        text = value.where(absurd).astype("string") if absurd.any() else pd.Series(pd.NA, index=idx[:0], dtype="string")
        return _Numbers(value.mask(absurd), none, none, absurd, none, text, False)
    else:
        native = _instances(s, (int, float, np.number))
        if text is None:
            text = _as_text(s.mask(native) if native.any() else s)
        elif native.any():
            text = text.mask(native)
        text = text.str.replace("\u2212", "-", regex=False)
    if native.any():
        value[native] = pd.to_numeric(s[native], errors="coerce").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    other = "," if decimal == "." else "."
    if text.notna().any():
        mine = text.str.fullmatch(_number_pattern(decimal)).fillna(False).astype(bool)
        theirs = text.str.fullmatch(_number_pattern(other)).fillna(False).astype(bool)
        non_finite = text.str.fullmatch(_NON_FINITE, case=False).fillna(False).astype(bool)
        ambiguous = mine & theirs & text.str.contains("[.,]", regex=True).fillna(False).astype(bool)
    else:  # typed numbers (Parquet, Excel): no text to match
        mine = theirs = non_finite = ambiguous = none
    mismatch = theirs & ~mine
    decided = bool((mine & ~theirs).any())
    if ambiguous.any() and not decided and mismatch.any():
        mismatch |= ambiguous  # the column's other values use the other mark
    read = mine & ~mismatch
    if read.any():
        value[read] = _read_as(text[read], decimal)
    absurd = non_finite | (value.notna() & ~np.isfinite(value)) | (value.abs() > MAX_ABS_NUMBER)
    value = value.mask(absurd)
    unreadable = text.notna() & ~mine & ~theirs & ~non_finite
    warn = ambiguous & read & ~absurd & (not decided)
    return _Numbers(value, unreadable, mismatch, absurd, warn if warn.any() else none, text, decided)


def _examples(text: pd.Series, mask: pd.Series, n: int = 3) -> list[str]:
    return text[mask].dropna().drop_duplicates().head(n).astype(str).tolist()


def _quoted(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _number_issues(nums: _Numbers, rows: pd.Series, table: str, col: str, decimal: str, checks: "_Checks") -> None:
    other = "," if decimal == "." else "."
    key = f"data.tables.{table}.decimal"
    checks.flag(
        rows[nums.unreadable], "unparseable_number", col,
        f"{col} could not be read as a number (expected e.g. 1234{decimal}5"
        f" or 1{other}234{decimal}5, as {key} is '{decimal}'); those values were set aside. Fix them in the {table} file.",
    )
    if nums.mismatch.any():
        mixed = (
            f" Other values of {table}.{col} do use '{decimal}', so the column mixes both marks: fix these values at the "
            f"source, or set {key} to '{other}' if most of the file writes numbers that way."
            if nums.decided else f" Set {key} to '{other}'."
        )
        checks.flag(
            rows[nums.mismatch], "decimal_mismatch", col,
            f"{table}.{col} has values written with '{other}' as the decimal mark ({_quoted(_examples(nums.text, nums.mismatch))}), "
            f"but {key} is '{decimal}'; they were set aside (empty) rather than misread.{mixed}",
        )
    if nums.absurd.any():
        checks.flag(
            rows[nums.absurd], "absurd_number", col,
            f"{table}.{col} has values that are not finite or are larger than {MAX_ABS_NUMBER:,.0f} in size "
            f"({_quoted(_examples(nums.text, nums.absurd)) or 'inf or too large'}); they were set aside (empty). "
            f"Fix them at the source in the {table} file (often a stand-in value or a formula error).",
        )
    if nums.ambiguous.any():
        shown = _examples(nums.text, nums.ambiguous)
        as_read = _read_as(pd.Series(shown, dtype="string"), decimal).tolist()
        as_other = _read_as(pd.Series(shown, dtype="string"), other).tolist()
        read = ", ".join(f"'{v}' as {x:.10g}" for v, x in zip(shown, as_read))
        meant = ", ".join(f"{x:.10g}" for x in as_other)
        checks.flag(
            rows[nums.ambiguous], "ambiguous_number", col,
            f"{table}.{col} has values with one separator followed by exactly three digits, and no value in the column "
            f"shows which decimal mark the file uses; they were read with '{decimal}' as the decimal mark ({key}): {read}. "
            f"If the file means {meant}, set {key} to '{other}'.",
        )


def null_words(source: TableSource, column: str) -> tuple[str, ...]:
    """The values read as empty in ``column``: the params' ``null_values`` for it (a list for the
    whole table, or per column), else :data:`detect.DEFAULT_NULLS`."""
    nulls = source.null_values
    if isinstance(nulls, dict):
        return tuple(nulls.get(column, DEFAULT_NULLS))
    return tuple(nulls) if nulls is not None else DEFAULT_NULLS


def _currency(
    s: pd.Series, table: str, col: str, currency: str | None, rows: pd.Series, checks: _Checks, seen: dict[str, Any],
    text: pd.Series | None = None,
) -> pd.Series:
    """``s`` with currency signs, codes and words around the numbers removed (``s`` itself when it has
    none). Values in a currency other than the params' ``currency`` are set aside (they would add up
    wrong) and reported. ``text`` is ``_as_text(s)`` when the caller has it already."""
    native = _instances(s, (int, float, np.number))
    if text is None:
        text = _as_text(s.mask(native) if native.any() else s)
    elif native.any():
        text = text.mask(native)
    number, code = split_currency(text)
    if code.isna().all():
        return s
    found = code.dropna()
    seen.setdefault("currencies", {})[col] = sorted(set(found))
    other = code.notna() & (code != currency) if currency else pd.Series(False, index=s.index)
    if other.any():
        codes = ", ".join(sorted(set(code[other])))
        checks.flag(
            rows[other], "currency_mismatch", col,
            f"{table}.{col} has amounts in {codes} ({_quoted(_examples(text, other))}), but the params' currency is {currency}; "
            f"they were set aside (empty) so that no sum mixes currencies. If the whole export is in {codes}, set currency: {codes.split(',')[0]} "
            f"in the params file; otherwise convert those amounts at the source.",
        )
    out = s.astype(object).copy()
    keep = code.notna() & ~other
    out[keep] = number[keep].astype(object)
    out[other] = None
    return out


def _coerce(
    frame: pd.DataFrame, spec: TableSpec, source: TableSource, checks: _Checks, tz: str = "UTC",
    currency: str | None = None, seen: dict[str, Any] | None = None, texts: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """The canonical columns typed; ``seen`` (when given) receives what was read on the way: null
    words per column (``nulls``), the date format detected per column (``dates``) and the currencies
    written in amounts (``currencies``). ``texts`` holds columns already read as text (:func:`_as_text`)."""
    seen = seen if seen is not None else {}
    texts = dict(texts or {})

    def text_of(name: str) -> pd.Series:
        if name not in texts:
            texts[name] = _as_text(frame[name])
        return texts[name]

    out = pd.DataFrame({ROW: frame[ROW].astype("int64")})
    slashed = [
        text_of(c.name) for c in spec.columns
        if c.kind == "datetime" and c.name in frame.columns and not source.date_format_for(c.name)
        and not pd.api.types.is_datetime64_any_dtype(frame[c.name])
    ]
    hint = file_slash_order(slashed) if slashed else None  # a column no value decides follows the others
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        s = frame[col.name]
        native_dates = pd.api.types.is_datetime64_any_dtype(s)
        # typed numbers (Parquet) are not written out as text when no null word of the column is a number
        native = native_dates or (col.kind == "number" and _typed_numbers(s, null_words(source, col.name)))
        text = s if native else text_of(col.name)  # computed once per column: the checks below all read it
        texts.pop(col.name, None)
        if not native and col.kind != "bool":
            nulls = null_mask(text, null_words(source, col.name))
            if nulls.any():
                seen.setdefault("nulls", {})[col.name] = int(nulls.sum())
                s, text = s.mask(nulls), text.mask(nulls)
        present = text.notna()
        if col.kind in ("id", "text"):
            value = text
        elif col.kind == "enum":
            value = by_value(text, lambda t: t.str.lower())
            bad = value.notna() & ~value.isin(col.values)
            checks.flag(
                out[ROW][bad], "unknown_value", col.name,
                f"{col.name} must be one of {', '.join(col.values)}; other values were set aside (empty). "
                f"Map them in data.tables.{spec.name}.values.{col.name}.",
            )
            value = value.mask(bad)
        elif col.kind == "datetime":
            fmt = source.date_format_for(col.name)
            ambiguous = pd.Series(False, index=s.index)
            value, out_of_range = _parse_dates(s, fmt, tz, ambiguous, hint, None if native_dates else text)
            if not fmt and not native_dates:
                from .detect import guess_dates

                guess = guess_dates(text.dropna().head(5000), hint)  # a label for people: a sample decides it
                if guess is not None:
                    seen.setdefault("dates", {})[col.name] = guess.label
            if ambiguous.any():
                shown = _quoted(_examples(text, ambiguous))
                checks.flag(
                    out[ROW][ambiguous], "ambiguous_date", col.name,
                    f"{spec.name}.{col.name} writes dates as nn/nn/yyyy ({shown}) and no value in it or in the table's other "
                    f"date columns has a day above 12, so the file cannot tell whether it is day/month or month/day; these values were set aside rather than guessed. "
                    f"Say which, e.g.\n  data:\n    tables:\n      {spec.name}:\n        date_format:\n"
                    f"          {col.name}: '%d/%m/%Y'    # or '%m/%d/%Y' for US exports (add ' %H:%M' when there are times)",
                )
            unreadable = present & value.isna() & ~out_of_range & ~ambiguous
            how = f" with date_format '{fmt}'" if fmt else " (expected ISO 8601 such as 2025-04-30 14:05, dd.mm.yyyy or dd/mm/yyyy)"
            fix_format = (
                f"Set data.tables.{spec.name}.date_format.{col.name} (e.g. '%d.%m.%Y %H:%M') if the column uses another format, "
                f"or add its stand-in word to data.tables.{spec.name}.null_values."
            )
            fix_range = f"Fix the out-of-range dates in the {spec.name} file (often stand-in values such as 9999-12-31 or typos in the year), or leave them empty."
            shown = _quoted(_examples(text, out_of_range)) if out_of_range.any() else ""
            if out_of_range.any() and unreadable.any():
                message = (
                    f"{spec.name}.{col.name}: {int(unreadable.sum())} values could not be read as a date{how} and "
                    f"{int(out_of_range.sum())} are out of range ({DATE_RANGE}: {shown}); all were set aside. {fix_format} {fix_range}"
                )
            elif out_of_range.any():
                message = (
                    f"{spec.name}.{col.name} has dates out of range ({DATE_RANGE}: {shown}); those values were set aside. {fix_range}"
                )
            else:
                message = f"{col.name} could not be read as a date{how}; those values were set aside. {fix_format}"
            checks.flag(out[ROW][unreadable | out_of_range], "unparseable_date", col.name, message)
        elif col.kind == "number":
            read = s
            if not pd.api.types.is_numeric_dtype(s):
                s = _currency(s, spec.name, col.name, currency, out[ROW], checks, seen, text)
            if col.name == "duration_min" and not pd.api.types.is_numeric_dtype(s):
                s = _clock_minutes(s, text if s is read else None)
            nums = _parse_numbers(s, source.decimal, text if s is read and not pd.api.types.is_numeric_dtype(s) else None)
            value = nums.value
            _number_issues(nums, out[ROW], spec.name, col.name, source.decimal, checks)
        else:  # bool
            text = by_value(text, lambda t: t.str.lower())
            value = pd.Series(pd.NA, index=s.index, dtype="boolean")
            value = value.mask(text.isin(TRUE), True).mask(text.isin(FALSE - {""}), False)
            bad = text.notna() & ~text.isin(TRUE | FALSE)
            checks.flag(out[ROW][bad], "unparseable_bool", col.name, f"{col.name} must be true/false (or yes/no, 1/0); other values were set aside.")
        out[col.name] = value
        release_memory()  # what the column's checks allocated in Arrow, before the next column's
        if col.required or col.expected:
            missing = ~present  # values present but unreadable are already flagged above
            checks.flag(
                out[ROW][missing], "missing_value", col.name,
                f"{col.name} is empty; these rows are kept but left out of metrics that need {col.name}.",
            )
    for col in spec.columns:
        if col.name not in out.columns:
            kind_dtype = {"datetime": "datetime64[ns]", "number": "float64", "bool": "boolean"}.get(col.kind, "string")
            blank = {"datetime64[ns]": pd.NaT, "float64": np.nan}.get(kind_dtype, pd.NA)
            out[col.name] = pd.Series(blank, index=out.index, dtype=kind_dtype)
    return out[[ROW, *spec.names]]


def _typed_numbers(s: pd.Series, nulls: tuple[str, ...]) -> bool:
    """Whether ``s`` holds typed numbers (not booleans) and none of the column's null words is a number,
    so that no value of it can be one: then it is read as it is, never written out as text."""
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    return not any(_NUMBER_WORD.fullmatch(w.strip()) for w in nulls)


#: A null word that a typed number could be equal to ('0', '-1', '1e9', 'nan', 'inf').
_NUMBER_WORD = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(nan|inf|infinity)", re.IGNORECASE)


def _check_one_of(df: pd.DataFrame, spec: TableSpec, checks: _Checks) -> None:
    """Flag the rows with none of a group of columns of which one is needed (an activity on neither a deal
    nor a lead, a target for neither a rep nor a team): the file has the columns, the row fills none."""
    for group in spec.one_of:
        present = [c for c in group if c in df.columns]
        if not present:
            continue  # the file has none of them: a missing column, reported when it is read
        none = df[present[0]].isna()
        for col in present[1:]:
            none &= df[col].isna()
        checks.flag(
            df.loc[none, ROW], "missing_value", present[0],
            f"{' and '.join(group)} are {'both' if len(group) == 2 else 'all'} empty; these rows are kept but belong to no "
            f"{' or '.join(c.removesuffix('_id') for c in group)}, so figures per {' or '.join(c.removesuffix('_id') for c in group)} leave them out.",
        )


def _strictly_ordered(column: Any) -> bool:
    """Whether an Arrow text array without missing values rises (or falls) strictly from row to row, by
    length and then as text, so that no value repeats: exports sorted by id, 'D9' before 'D10' as much as
    'D09' before 'D10', told in a few passes instead of hashing every id."""
    import pyarrow.compute as pc

    if len(column) < 2 or column.null_count:
        return False
    length = pc.utf8_length(column)
    later, earlier = column.slice(1), column.slice(0, len(column) - 1)
    longer, shorter = length.slice(1), length.slice(0, len(length) - 1)
    for after, before in ((later, earlier), (earlier, later)):  # rising, then falling
        long_after, long_before = (longer, shorter) if after is later else (shorter, longer)
        step = pc.or_(pc.greater(long_after, long_before), pc.and_(pc.equal(long_after, long_before), pc.greater(after, before)))
        if pc.all(step).as_py():
            return True
    return False


def _deduplicate(df: pd.DataFrame, spec: TableSpec, checks: _Checks) -> pd.DataFrame:
    if spec.key is None:
        return df
    ids = df[spec.key]
    column = arrow_text(ids)
    if column is not None:
        import pyarrow.compute as pc

        if _strictly_ordered(column) or pc.count_distinct(column).as_py() == pc.count(column).as_py():
            return df  # the usual case: no id repeats (Arrow counts without building a pandas hash table)
    repeated = (ids.duplicated(keep="first") & ids.notna()).to_numpy()  # a missing id repeats nothing
    if not repeated.any():
        return df  # the usual case: no copy of the table
    dup = df[repeated]
    earlier = isin(ids, set(dup[spec.key])) & ~repeated  # the first row of each repeated id
    first = df[earlier].set_index(spec.key)
    values = [c for c in spec.names if c != spec.key]
    def as_text(frame: pd.DataFrame) -> np.ndarray:
        return frame[values].astype("string").fillna("\0").to_numpy()

    same = (as_text(dup) == as_text(first.loc[dup[spec.key]])).all(axis=1)
    exact, conflicting = dup[same], dup[~same]
    checks.flag(exact[ROW], "duplicate_row", spec.key, f"rows repeat an earlier row exactly (same {spec.key}); the repeats were dropped.")
    checks.flag(
        conflicting[ROW], "duplicate_id", spec.key,
        f"{spec.key} is used by an earlier row with different values; the first row was kept and these were dropped. Check the export for merged or re-imported records.",
    )
    return df.drop(index=dup.index)


def _stage_hint(stages: pd.Series, known: list[str], table: str) -> str:
    """' Near misses: ...' with a values mapping to paste, for unknown stage names that are a known
    stage written with another case, spacing, quotes or е for ё (empty when none is)."""
    found = suggest(sorted(set(stages.dropna().astype(str))), known)
    if not found:
        return ""
    listed = ", ".join(f"'{k}' is probably '{v}'" for k, v in found.items())
    return f" Near misses: {listed}. To read them so, paste:\n{values_snippet(table, 'stage', found)}"


def _check_deals(
    df: pd.DataFrame, params: AuditParams, checks: _Checks, source: TableSource | None = None, flags: list[str] | None = None,
) -> pd.DataFrame:
    """Deals checked and completed: negative amounts set aside, unknown stages reported, the status derived
    from the stage where neither a status column nor the export's won/closed ``flags`` (file columns) gave it."""
    p = params.pipeline
    by_flags = (
        f" Their status (won, lost or open) is read from the export's flags ({', '.join(flags)}), so they still count in outcomes."
        if flags else ""
    )
    df = df.copy()
    negative = df["amount"] < 0
    checks.flag(df.loc[negative, ROW], "negative_amount", "amount", "amount is negative; set aside (empty) so it does not reduce revenue figures.")
    df.loc[negative, "amount"] = np.nan

    known = set(p.stages)
    unknown = df["stage"].notna() & ~df["stage"].isin(known)
    checks.flag(
        df.loc[unknown, ROW], "unknown_stage", "stage",
        f"stage is not one of pipeline.stages ({', '.join(p.stages)}); these deals are kept but left out of the funnel. "
        f"Add the stage to pipeline.stages or map it in data.tables.deals.values.stage.{by_flags}{_stage_hint(df.loc[unknown, 'stage'], p.stages, 'deals')}",
    )
    derived = df["stage"].map({p.won: "won", p.lost: "lost"}).fillna("open").astype("string")
    df["status"] = df["status"].fillna(derived)
    if source is not None and source.closed_at_when_open == "clear":
        # the vendor writes the expected close date into the close-date column of open deals
        df.loc[df["status"].eq("open").fillna(False).astype(bool), "closed_at"] = pd.NaT

    closed_early = df["closed_at"].notna() & df["created_at"].notna() & (df["closed_at"] < df["created_at"])
    checks.flag(
        df.loc[closed_early, ROW], "closed_before_created", "closed_at",
        "closed_at is before created_at; closed_at was set aside, so these deals count as won/lost but not in cycle times.",
    )
    df.loc[closed_early, "closed_at"] = pd.NaT
    no_close = df["status"].isin(["won", "lost"]) & df["closed_at"].isna() & ~closed_early
    checks.flag(
        df.loc[no_close, ROW], "closed_without_date", "closed_at",
        "the deal is won or lost but has no closed_at; it is left out of period counts and cycle times.",
    )
    return df


# -- what a profile reads besides canonical columns ------------------------------------
#: The money column of each table that has one: its values are in the params' ``currency``.
MONEY = {"deals": "amount", "targets": "quota", "tools": "monthly_cost"}
#: Headers of a per-row currency column read without a profile (a profile lists its own).
CURRENCY_HEADERS = ("Currency", "Валюта", "Currency code", "CurrencyIsoCode")
#: Currency names some exports write instead of a code, folded to lower case.
CURRENCY_NAMES = {
    "российский рубль": "RUB", "рубль": "RUB", "рубли": "RUB", "доллар сша": "USD", "доллар": "USD", "евро": "EUR",
    "us dollar": "USD", "u.s. dollar": "USD", "euro": "EUR", "british pound": "GBP", "тенге": "KZT", "гривна": "UAH",
}


def _side(source: TableSource) -> dict[str, Any]:
    """What ``source`` reads besides canonical columns: ``flags``, ``currency_columns``,
    ``compose``, ``owner_keys`` (from its profile, or written in the params, which win)."""
    return {"flags": dict(source.flags), "currency_columns": source.currency_columns, "compose": dict(source.compose),
            "owner_keys": list(source.owner_keys)}


def _find_header(columns: list[str], names: list[str] | tuple[str, ...]) -> str | None:
    """The first of ``names`` that is a column (exactly, else ignoring case and spaces), or None."""
    for name in names:
        if name in columns:
            return name
    def fold(name: str) -> str:
        return " ".join(re.split(r"[\s_]+", str(name).casefold())).strip()

    folded = {fold(c): str(c) for c in columns if c != ROW and fold(c)}
    return next((folded[fold(n)] for n in names if fold(n) in folded), None)


def _composed(raw: RawTable, side: dict[str, Any]) -> RawTable:
    """``raw`` with the columns the profile composes from parts (``compose: {Name: [First name, Last name]}``)
    added when the file lacks them and has at least one part: the parts' non-empty values joined by a space."""
    compose = side.get("compose") or {}
    frame = raw.frame
    added = {}
    for target, parts in compose.items():
        found = [c for c in (_find_header(list(frame.columns), [p]) for p in parts) if c]
        if target in frame.columns or not found:
            continue
        text = pd.concat([_as_text(frame[c]).fillna("") for c in found], axis=1)
        joined = text.agg(" ".join, axis=1).str.split().str.join(" ")
        added[target] = joined.mask(joined.eq("")).astype("string")
    if not added:
        return raw
    return RawTable(frame.assign(**added), raw.path, raw.format, raw.encoding, raw.delimiter, raw.sha256,
                    raw.encoding_confidence, raw.encoding_reason, raw.encoding_guess)


def composed_headers(header: list[str], side: dict[str, Any]) -> list[str]:
    """``header`` with the names :func:`_composed` would add (for checks on the header alone)."""
    extra = [t for t, parts in (side.get("compose") or {}).items()
             if t not in header and any(_find_header(header, [p]) for p in parts)]
    return [*header, *extra]


def _clock_minutes(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    """Durations written as a clock (``00:12:30`` h:m:s, ``1:05`` h:m) as minutes, as text; other values unchanged
    (``s`` itself when none is a clock). ``text`` is ``_as_text(s)`` when the caller has it already."""
    text = _as_text(s) if text is None else text
    parts = text.str.extract(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d(?:[.,]\d+)?))?$")
    clock = parts[0].notna()
    if not clock.any():
        return s
    seconds = pd.to_numeric(parts[2].str.replace(",", ".", regex=False), errors="coerce").fillna(0)
    minutes = pd.to_numeric(parts[0], errors="coerce") * 60 + pd.to_numeric(parts[1], errors="coerce") + seconds / 60
    out = s.astype(object).copy()
    out[clock] = minutes[clock].round(6).map(lambda v: f"{v:g}")
    return out


def row_currency(values: pd.Series) -> pd.Series:
    """The ISO code of each value of a currency column (``USD``, ``руб.``, ``Российский рубль``); NA when
    empty, ``"?"`` when the value is not a currency the kit knows."""
    text = _as_text(values)
    codes = [
        None if not isinstance(v, str) else currency_code(v) or CURRENCY_NAMES.get(v.casefold()) or "?"
        for v in text.astype(object).where(text.notna(), None)
    ]
    return pd.Series(codes, index=values.index, dtype="string")


def _currency_column(
    df: pd.DataFrame, raw: RawTable, table: str, side: dict[str, Any], currency: str, checks: _Checks,
    seen: dict[str, Any] | None, written: pd.Series | None = None,
) -> pd.DataFrame:
    """``df`` with the money column set aside (empty) in rows whose currency column names a currency other
    than the params' ``currency`` (or none the kit knows), reported as ``currency_mismatch``. Rows whose amount
    as ``written`` in the file already carried a currency were checked by :func:`_currency` and are left as they are."""
    col = MONEY[table]
    header = _find_header(list(raw.frame.columns), list(side.get("currency_columns") or CURRENCY_HEADERS))
    if header is None or col not in df.columns:
        return df
    code = row_currency(raw.frame.loc[df.index, header])
    if seen is not None:
        seen["currency_column"] = {"column": header, "values": {str(k): int(v) for k, v in code.dropna().value_counts().items()}}
    in_text = split_currency(_as_text(written.reindex(df.index)))[1] if written is not None else pd.Series(pd.NA, index=df.index)
    other = code.notna() & code.ne(currency) & in_text.isna()
    if not other.any():
        return df
    shown = _quoted(_examples(_as_text(raw.frame.loc[df.index, header]), other))
    codes = sorted(set(code[other].dropna()) - {"?"})
    unknown = bool(code[other].eq("?").any())
    named = ", ".join(codes) + (" and values that are not a currency code" if unknown and codes else "values that are not a currency code" if unknown else "")
    n, with_amount = int(other.sum()), int((other & df[col].notna()).sum())
    first = codes[0] if codes else currency
    checks.flag(
        df.loc[other, ROW], "currency_mismatch", col,
        f"{raw.path.name}: the column '{header}' gives {named} ({shown}) for {n} row{'s' if n != 1 else ''} of {table}, but the params' "
        f"currency is {currency}; their {col} ({with_amount} value{'s' if with_amount != 1 else ''}) was set aside (empty), so money KPIs (won value, pipeline, "
        f"average deal) leave these rows out while counts keep them. Convert these amounts to {currency} at the source, or filter "
        f"the export to {currency} rows; if the whole export is in {first}, set currency: {first} in the params file.",
    )
    return df.assign(**{col: df[col].mask(other)})


def _flag_values(values: pd.Series, header: str, checks: _Checks, rows: pd.Series) -> pd.Series:
    """A yes/no flag column as booleans (NA when empty or unreadable; unreadable values are reported)."""
    text = _as_text(values).str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out = out.mask(text.isin(TRUE), True).mask(text.isin(FALSE - {""}), False)
    bad = text.notna() & ~text.isin(TRUE | FALSE)
    checks.flag(
        rows[bad], "unparseable_bool", "status",
        f"the flag column '{header}' must be true/false (or 1/0, Да/Нет, Y/N); other values were set aside and these deals' "
        f"status comes from their stage.",
    )
    return out


def _status_from_flags(
    df: pd.DataFrame, raw: RawTable, side: dict[str, Any], params: AuditParams, checks: _Checks, seen: dict[str, Any] | None,
) -> pd.DataFrame:
    """``df`` with ``status`` taken from the export's won/closed flags where the file has no status column:
    closed and won is won; closed and not won is lost (without a won flag: won when the stage is
    ``pipeline.won``, else lost); not closed is open whatever the stage says; a won flag alone marks won.
    Rows whose flags are empty or unreadable keep the status their stage gives."""
    flags = side.get("flags") or {}
    columns = list(raw.frame.columns)
    won_col = _find_header(columns, flags.get("won", []))
    closed_col = _find_header(columns, flags.get("closed", []))
    if won_col is None and closed_col is None:
        return df
    rows = df[ROW]
    na = pd.Series(pd.NA, index=df.index, dtype="boolean")
    won = _flag_values(raw.frame.loc[df.index, won_col], won_col, checks, rows) if won_col else na
    closed = _flag_values(raw.frame.loc[df.index, closed_col], closed_col, checks, rows) if closed_col else na
    at_won = df["stage"].eq(params.pipeline.won).fillna(False).astype(bool)
    status = pd.Series(pd.NA, index=df.index, dtype="string")
    status = status.mask(closed.eq(False).fillna(False).astype(bool), "open")
    closed_true = closed.eq(True).fillna(False).astype(bool)
    status = status.mask(closed_true & won.eq(True).fillna(False).astype(bool), "won")
    status = status.mask(closed_true & won.eq(False).fillna(False).astype(bool), "lost")
    status = status.mask(closed_true & won.isna() & at_won, "won").mask(closed_true & won.isna() & ~at_won, "lost")
    status = status.mask(closed.isna() & won.eq(True).fillna(False).astype(bool), "won")
    fill = df["status"].isna() & status.notna()
    if seen is not None:
        by_stage = df["stage"].map({params.pipeline.won: "won", params.pipeline.lost: "lost"}).fillna("open")
        seen["flags"] = {
            "columns": [c for c in (won_col, closed_col) if c], "rows": int(fill.sum()),
            "differs_from_stage": int((fill & status.ne(by_stage).fillna(False).astype(bool)).sum()),
        }
    return df.assign(status=df["status"].mask(fill, status))


def _resolve_owners(tables: dict[str, pd.DataFrame], raw_tables: dict[str, RawTable], params: AuditParams,
                    sources: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Owners written as a rep's name (or another key the reps profile names, ``owner_keys``: e-mail) where the
    reps table's ids are other values (HubSpot owner ids): such owner values of deals, leads and activities are
    replaced by the rep's id, in place. A key shared by two reps is left as it is (an ``unknown_reference``).
    Returns, per table, each owner value replaced and the rep id it became."""
    renamed: dict[str, dict[str, str]] = {}
    reps = tables["reps"]
    ids = set(reps["rep_id"].dropna())
    keys = [reps.set_index(ROW)["name"]]
    raw = raw_tables.get("reps")
    if raw is not None:
        side = _side(params.data.tables["reps"])
        for header in side.get("owner_keys") or []:
            found = _find_header(list(raw.frame.columns), [header])
            if found:
                keys.append(raw.frame.set_index(ROW)[found])
    by_row = reps.set_index(ROW)["rep_id"]
    pairs = pd.concat([pd.DataFrame({"key": _folded(_as_text(k)), "rep_id": by_row.reindex(k.index)}) for k in keys])
    pairs = pairs.dropna().drop_duplicates()
    pairs = pairs[~pairs["key"].isin({str(i).casefold() for i in ids})]
    unique = pairs.groupby("key")["rep_id"].nunique()
    lookup = pairs[pairs["key"].isin(unique[unique == 1].index)].drop_duplicates("key").set_index("key")["rep_id"]
    if lookup.empty:
        return renamed
    for name in ("deals", "leads", "activities"):
        df = tables.get(name)
        if df is None:
            continue
        owner = df["owner_id"]
        coded = distinct(owner)
        values = coded[1] if coded is not None else pd.Series(owner.dropna().unique(), dtype="string")
        folded = _folded(_as_text(values))
        found = ~values.isin(ids) & folded.isin(lookup.index)
        if not found.any():
            continue  # every owner is a rep's id or no rep's key: nothing to look up row by row
        mapping = renamed[name] = {str(v): str(lookup[k]) for v, k in zip(values[found], folded[found])}
        hit = isin(owner, list(mapping))  # the rows of those values: the rule is the value's
        named = dense(owner).mask(hit, dense(owner).map(mapping)).astype("string")
        tables[name] = df.assign(owner_id=categorical(named) if isinstance(owner.dtype, pd.CategoricalDtype) else named)
        sources.setdefault(name, {})["owners_matched_to_reps"] = int(hit.sum())
    return renamed


def _check_range(df: pd.DataFrame, col: str, lo: float, hi: float, checks: _Checks) -> pd.DataFrame:
    bad = df[col].notna() & ~df[col].between(lo, hi)
    checks.flag(df.loc[bad, ROW], "out_of_range", col, f"{col} must be between {lo:g} and {hi:g}; other values were set aside.")
    return df.assign(**{col: df[col].mask(bad)})


def _check_order(df: pd.DataFrame, early: str, late: str, checks: _Checks, what: str) -> pd.DataFrame:
    bad = df[early].notna() & df[late].notna() & (df[late] < df[early])
    checks.flag(df.loc[bad, ROW], f"{late}_before_{early}", late, f"{late} is before {early}; {what}")
    return df.assign(**{late: df[late].mask(bad)})


def load_table(name: str, raw: RawTable, source: TableSource, params: AuditParams) -> tuple[pd.DataFrame, list[QualityIssue]]:
    """Turn one raw file into its canonical table; returns the table and its issues."""
    df, issues, _, _ = _load_table(name, raw, source, params)
    return df, issues


def _load_table(
    name: str, raw: RawTable, source: TableSource, params: AuditParams,
    extra: dict[str, pd.Series] | None = None, seen: dict[str, Any] | None = None, calls: list[Any] | None = None,
) -> tuple[pd.DataFrame, list[QualityIssue], list[str], list[str]]:
    """The canonical table, its issues, the canonical columns the file has (schema order)
    and those of them that are empty in every row. ``extra`` holds columns joined from another
    table; ``seen`` receives what was detected on the way (see :func:`_coerce`), ``calls`` every check made
    (:attr:`_Checks.calls`)."""
    spec = SPECS[name]
    raw = _composed(raw, _side(source))
    frame = _map_columns(raw.frame, spec, source, extra)
    _check_columns(frame, spec, source, raw.path, list(raw.frame.columns))
    for col, mapping in source.values.items():
        if col in frame.columns:
            # on the distinct values; a categorical column (Parquet's dictionaries) stays one
            frame[col] = by_value(_as_text(frame[col]), functools.partial(_mapped, mapping=mapping))
    checks = _Checks(name, raw.frame)
    canonical = [c for c in spec.names if c in frame.columns]
    empty = pd.Series(True, index=frame.index)
    empty_columns = []
    texts: dict[str, pd.Series] = {}  # each text column trimmed once, for the row test here and for _coerce
    for col in canonical:
        if col in source.constants:
            continue
        s = frame[col]
        # a text cell is blank when empty after trimming; a typed one (Parquet) when missing: it is never
        # written out as text to find out
        if s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            texts[col] = _as_text(s)
            blank = texts[col].isna()
        else:
            blank = s.isna()
        empty &= blank
        if len(frame) and blank.all():
            empty_columns.append(col)
    checks.flag(frame.loc[empty, ROW], "empty_row", None, "the row is empty; it was skipped.", "info")
    if empty.any():
        frame = frame.loc[~empty]
        texts = {col: text.loc[~empty] for col, text in texts.items()}
    df = _coerce(frame, spec, source, checks, params.timezone, params.currency, seen, texts)
    del texts
    df = _deduplicate(df, spec, checks)
    _check_one_of(df, spec, checks)
    side = _side(source)
    if name in MONEY:
        df = _currency_column(df, raw, name, side, params.currency, checks, seen, frame.get(MONEY[name]))
    if name == "deals":
        df = _status_from_flags(df, raw, side, params, checks, seen)
        df = _check_deals(df, params, checks, source, ((seen or {}).get("flags") or {}).get("columns"))
    elif name == "assessments":
        df = _check_range(df, "score", 1, 5, checks)
    elif name == "leads":
        df = _check_order(df, "created_at", "first_contact_at", checks, "set aside, so these leads are left out of response times.")
    elif name == "handoffs":
        df = _check_order(df, "created_at", "responded_at", checks, "set aside, so these requests are left out of response times.")
    elif name == "activities":
        df = _check_order(df, "at", "logged_at", checks, "set aside, so these activities are left out of logging-lag figures.")
    elif name == "stage_history":
        unknown = df["stage"].notna() & ~df["stage"].isin(params.pipeline.stages)
        checks.flag(
            df.loc[unknown, ROW], "unknown_stage", "stage",
            "stage is not one of pipeline.stages; these entries are left out of the funnel."
            + _stage_hint(df.loc[unknown, "stage"], params.pipeline.stages, "stage_history"),
        )
    for col in df.columns:  # a categorical column keeps only the values its rows hold
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = compact(df[col])
    if calls is not None:
        calls.extend(checks.calls)
    return df.reset_index(drop=True), checks.issues, canonical, empty_columns


def _mapped(text: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """``text`` (string) with the values ``mapping`` names replaced (``values:`` in the params)."""
    return text.astype("string").replace(mapping)


def _key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The values of ``columns`` as one matching key per row (stripped, case-folded text; NA when any part is empty)."""
    parts = [_as_text(frame[c]).str.casefold() for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


def _joined(name: str, source: TableSource, raw: RawTable, other_raw: dict[str, RawTable], other: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.Series], dict[str, Any]]:
    """The columns ``source.join`` fills for ``raw``'s rows, matched on file columns to the rows
    of the other (already loaded) table, and how many rows matched per column."""
    out: dict[str, pd.Series] = {}
    report: dict[str, Any] = {}
    for col, join in source.join.items():
        theirs_raw = other_raw[join.table]
        mine_cols, their_cols = list(join.match), list(join.match.values())
        for cols, r, tname in ((mine_cols, raw, name), (their_cols, theirs_raw, join.table)):
            absent = [c for c in cols if c not in r.frame.columns]
            if absent:
                raise DataError(
                    f"{r.path}: data.tables.{name}.join.{col} matches on column '{absent[0]}', which the {tname} file does not have. "
                    f"Columns found: {', '.join(c for c in r.frame.columns if c != ROW)}."
                )
        take = join.take or col
        loaded = other[join.table].set_index(ROW)[take]
        their_key = _key(theirs_raw.frame, their_cols)
        value = pd.Series(theirs_raw.frame[ROW].map(loaded).to_numpy(), index=their_key.to_numpy())
        value = value[value.index.notna() & value.notna()]
        lookup = value[~value.index.duplicated(keep="first")]
        mine = _key(raw.frame, mine_cols)
        filled = mine.map(lookup).astype("string")
        out[col] = filled
        report[col] = {"from": join.table, "matched": int(filled.notna().sum()), "rows": len(filled),
                       "ambiguous_keys": int(value.index.duplicated().sum())}
    return out, report


def _stages_from_columns(deals_raw: RawTable, deals: pd.DataFrame, source: TableSource) -> RawTable | None:
    """A stage history from a deals export with one "Date entered <stage>" column per stage
    (HubSpot): one row per deal and stage with a date, as a raw table of canonical columns."""
    assert source.stage_columns is not None
    pattern = re.compile(source.stage_columns)
    cols = {c: m.group(1).strip() for c in deals_raw.frame.columns if (m := pattern.fullmatch(str(c)))}
    if not cols:
        return None
    ids = deals_raw.frame[ROW].map(deals.set_index(ROW)["deal_id"])
    wide = deals_raw.frame[[ROW, *cols]].assign(deal_id=ids.to_numpy())
    long = wide.melt(id_vars=[ROW, "deal_id"], value_vars=list(cols), var_name="column", value_name="entered_at")
    long["stage"] = long["column"].map(cols)
    text = _as_text(long["entered_at"].astype("string"))
    long = long[text.notna() & long["deal_id"].notna()].sort_values([ROW, "entered_at"], kind="stable")
    frame = long[[ROW, "deal_id", "stage", "entered_at"]].reset_index(drop=True)
    return RawTable(frame, deals_raw.path, deals_raw.format, deals_raw.encoding, deals_raw.delimiter, deals_raw.sha256)


def _reps_from_owners(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Without a reps file: one rep per distinct owner of deals, leads and activities, the owner's
    value (usually the person's name in vendor exports) as both ``rep_id`` and ``name``."""
    found: set[str] = set()
    for name in ("deals", "leads", "activities"):  # each table's distinct owners, not every row's
        if name in tables:
            found.update(str(v) for v in tables[name]["owner_id"].dropna().unique())
    owners = pd.Series(sorted(found), dtype="string")
    out = pd.DataFrame({ROW: pd.Series(range(len(owners)), dtype="int64"), "rep_id": owners, "name": owners})
    for col in SPECS["reps"].columns:
        if col.name not in out.columns:
            kind_dtype = {"datetime": "datetime64[ns]", "number": "float64", "bool": "boolean"}.get(col.kind, "string")
            blank = {"datetime64[ns]": pd.NaT, "float64": np.nan}.get(kind_dtype, pd.NA)
            out[col.name] = pd.Series(blank, index=out.index, dtype=kind_dtype)
    return out[[ROW, *SPECS["reps"].names]]


#: The tables whose ``deal_id`` must name a deal of the deals table.
DEAL_REFERENCES = ("stage_history", "leads", "activities")


def _unknown_references(
    table: str, df: pd.DataFrame, raw: pd.DataFrame | Callable[[list[int]], pd.DataFrame], col: str, known: pd.Series, target: str
) -> list[QualityIssue]:
    """The rows of ``df`` whose ``col`` is not in ``known`` (the ids of ``target``, without missing ones), as an issue."""
    bad = df[col].notna() & ~isin(df[col], known)
    if not bad.any():
        return []
    checks = _Checks(table, raw)
    checks.flag(df.loc[bad, ROW], "unknown_reference", col, f"{col} is not in the {target} table; these rows are kept but cannot be joined to {target}.")
    return checks.issues


def _orphans(tables: dict[str, pd.DataFrame], raw_rows: dict[str, pd.DataFrame], found: dict[str, list[QualityIssue]]) -> list[QualityIssue]:
    """References to deals, reps or leads that do not exist (``found``: those already checked, per table)."""
    no_rows = pd.DataFrame({ROW: pd.Series(dtype="int64")})  # raw rows let go (35M activities): rows, no examples
    deal_ids = tables["deals"]["deal_id"].dropna()
    # each check as (table, column, known ids, what they are); run on two threads (Arrow's lookups let go of
    # the GIL: 35M activities' leads against 2.7M leads is a second and a half), reported in this order
    checks: list[list[QualityIssue] | tuple[str, str, pd.Series, str]] = []
    for table in DEAL_REFERENCES:
        if table in found:
            checks.append(found[table])
        elif table in tables:
            checks.append((table, "deal_id", deal_ids, "deals"))
    if "reps" in tables:
        rep_ids = tables["reps"]["rep_id"].dropna()
        checks.append(("deals", "owner_id", rep_ids, "reps"))
        for table in ("leads", "activities"):  # an owner the reps table does not list
            if table in tables and "owner_id" in tables[table]:
                checks.append((table, "owner_id", rep_ids, "reps"))
    if "leads" in tables and "activities" in tables and "lead_id" in tables["activities"]:  # an activity's unknown lead
        checks.append(("activities", "lead_id", tables["leads"]["lead_id"].dropna(), "leads"))

    def run(at: list[int]) -> dict[int, list[QualityIssue]]:
        out = {}
        for i in at:
            check = checks[i]
            if isinstance(check, list):
                out[i] = check
            else:
                table, column, known, target = check
                out[i] = _unknown_references(table, tables[table], raw_rows.get(table, no_rows), column, known, target)
        return out

    # the activities' checks on one thread, the others on another: no table is read by both at once
    mine = [i for i, c in enumerate(checks) if not isinstance(c, list) and c[0] == "activities"]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="auditkit-check") as pool:
        parts = list(pool.map(run, [mine, [i for i in range(len(checks)) if i not in mine]]))
    done = {**parts[0], **parts[1]}
    return [issue for i in range(len(checks)) for issue in done[i]]


#: A file at least this large (bytes) is read and checked in a background thread from the start, while the
#: tables before it are read and checked: Arrow's readers and kernels let go of the GIL, so on two cores the
#: 1M-deal client's activities (415 MB of Parquet, 15 s to read, 8 s to check) are loaded while its deals,
#: stage history and leads are.
PREFETCH_BYTES = 32 * 2**20

#: A table read and checked: its file as read, :func:`_load_table`'s result, and what the checks saw.
_Loaded = tuple[RawTable, tuple[pd.DataFrame, list[QualityIssue], list[str], list[str]], dict[str, Any]]


class _Loader:
    """Each table's file read as declared (:meth:`read`, :func:`~auditkit.io.readers.read_raw`). The largest file
    after the first, when at least :data:`PREFETCH_BYTES` and its table joins no other, is read and checked
    (:func:`_load_table`) ahead in a background (daemon) thread, and :meth:`ahead` waits for it; its errors are
    raised when its table's turn comes, as they would be without it. When an earlier table fails, leaving the
    ``with`` block lets the load ahead go: the command reports the error and ends without waiting for it."""

    def __init__(self, params: AuditParams, order: list[str], summarised: bool = False) -> None:
        self._params = params
        self._summarised = summarised  # a table of :data:`~.stream.STREAMED` may be read in parts and kept summarised
        self._ahead: dict[str, Future[_Loaded | Streamed]] = {}
        sizes = {}
        for name in order[1:]:
            if params.data.tables[name].join:
                continue  # checked with the tables it joins, in its turn
            try:
                sizes[name] = params.table_path(name).stat().st_size
            except OSError:
                continue  # read_raw says which file is missing, in its turn
        big = max(sizes, key=lambda n: sizes[n], default=None)
        if big is not None and sizes[big] >= PREFETCH_BYTES:
            future: Future[_Loaded | Streamed] = Future()
            self._ahead[big] = future
            # a daemon thread: when an earlier table fails, the command reports it and ends without waiting
            threading.Thread(target=self._load_into, args=(big, future), name="auditkit-read", daemon=True).start()

    def read(self, name: str) -> RawTable:
        source = self._params.data.tables[name]
        return read_raw(self._params.table_path(name), source, name, self._params.language, _categorical_columns(name, source))

    def _load_into(self, name: str, future: "Future[_Loaded | Streamed]") -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            streamed = self.streamed(name)
            if streamed is not None:
                future.set_result(streamed)
                return
            raw, seen = self.read(name), dict[str, Any]()
            loaded = _load_table(name, raw, self._params.data.tables[name], self._params, {}, seen)
            release_memory()  # what the checks freed in Arrow (gigabytes at 35M activities), while the rest loads
            future.set_result((raw, loaded, seen))
        except BaseException as err:  # raised where the table's turn comes
            future.set_exception(err)

    def streamed(self, name: str) -> Streamed | None:
        """Table ``name`` read in parts and summarised (:func:`~.stream.stream_table`), when the loader keeps it
        summarised and it can be; None when it is to be read whole."""
        if not self._summarised or name not in STREAMED:
            return None
        source = self._params.data.tables[name]
        streamed = stream_table(name, self._params.table_path(name), source, self._params, _categorical_columns(name, source))
        release_memory()
        return streamed

    def ahead(self, name: str) -> _Loaded | Streamed | None:
        """Table ``name`` as loaded ahead (waiting for it), or None when it was not."""
        future = self._ahead.pop(name, None)
        return future.result() if future is not None else None

    def __enter__(self) -> "_Loader":
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self._ahead.values():  # not used: an earlier table failed
            future.cancel()


def _order(names: list[str], params: AuditParams) -> list[str]:
    """``names`` with every table that joins another after the one it joins."""
    first = [n for n in names if not params.data.tables[n].join]
    return first + [n for n in names if n not in first]


def load(params: AuditParams, tables: list[str] | None = None, activities: str = "rows") -> AuditData:
    """Read and validate every table declared in params (or only ``tables``). Without a declared
    stage history, a deals export with "Date entered <stage>" columns (``stage_columns``) gives one;
    without a reps table, the owners of deals, leads and activities become reps by name.
    ``activities="summary"`` (a run) keeps a large Parquet export of activities only summarised, read in
    parts (:mod:`auditkit.io.stream`); its rows are then not in the tables, and issues, counts and the
    summary are the same as when it is read whole."""
    if activities not in ("rows", "summary"):
        raise ValueError(f"activities must be 'rows' or 'summary', not {activities!r}")
    names = [n for n in params.data.tables if tables is None or n in tables]
    if "deals" not in names:
        names.insert(0, "deals")
    for n in list(names):
        for join in params.data.tables[n].join.values():
            if join.table not in names:
                names.append(join.table)
    out: dict[str, pd.DataFrame] = {}
    raws: dict[str, pd.DataFrame] = {}
    raw_tables: dict[str, RawTable] = {}
    issues: list[QualityIssue] = []
    sources: dict[str, dict[str, Any]] = {}
    # a table's raw rows are let go once it is checked, unless another table joins it or the deals' stage
    # columns or the reps' keys are read from them later (35M raw activities beside the clean ones otherwise)
    kept_raw = {j.table for n in names for j in params.data.tables[n].join.values()} | {"deals", "reps"}
    references: dict[str, list[QualityIssue]] = {}
    deal_ids: pd.Series | None = None
    order = _order(names, params)
    streamed: dict[str, Streamed] = {}  # tables read in parts: their reference columns are in ``out`` until the end
    with _Loader(params, order, activities == "summary") as loader:
        for name in order:
            source = params.data.tables[name]
            joined: dict[str, Any] = {}
            done = loader.ahead(name)
            if done is None and not source.join:
                done = loader.streamed(name)
            examples: pd.DataFrame | Callable[[list[int]], pd.DataFrame]
            if isinstance(done, Streamed):
                streamed[name] = done
                raw, df, found, present, empty, seen = done.raw, done.refs, done.issues, done.present, done.empty, done.seen
                rows_read, examples = done.rows_read, done.examples
            elif done is not None:
                raw, (df, found, present, empty), seen = done
                rows_read, examples = len(raw.frame), raw.frame
            else:
                raw, seen = loader.read(name), {}
                extra, joined = _joined(name, source, raw, raw_tables, out) if source.join else ({}, {})
                df, found, present, empty = _load_table(name, raw, source, params, extra, seen)
                rows_read, examples = len(raw.frame), raw.frame
            if name == "deals" and df.empty:
                raise DataError(_no_deals(raw.path, params))
            if name == "deals" and tables is None:
                _check_period(df, raw.path, params)
            out[name] = df
            if name in DEAL_REFERENCES and "deals" in out:
                deal_ids = out["deals"]["deal_id"].dropna() if deal_ids is None else deal_ids
                references[name] = _unknown_references(name, df, examples, "deal_id", deal_ids, "deals")
            else:
                raws[name] = raw.frame
            if name in kept_raw:
                raw_tables[name] = raw
            issues.extend(found)
            sources[name] = {
                "path": str(raw.path),
                "sha256": raw.sha256,
                "format": raw.format,
                "encoding": raw.encoding,
                "delimiter": raw.delimiter,
                "rows_read": rows_read,
                "columns_present": present,
                "columns_empty": empty,
            }
            if raw.encoding_confidence:
                sources[name]["encoding_confidence"] = raw.encoding_confidence
                sources[name]["encoding_reason"] = raw.encoding_reason
                if raw.encoding_confidence == "unsure":
                    issues.extend(_encoding_unsure(name, raw))
            for key in ("nulls", "dates", "currencies", "currency_column", "flags"):
                if seen.get(key):
                    sources[name][key] = seen[key]
            if joined:
                sources[name]["joined"] = joined
            if name in streamed:
                sources[name]["read_in_parts"] = len(streamed[name].parts)
            if source.profile:
                sources[name]["profile"] = source.profile
            del raw, examples
            release_memory()  # what the table's reading and checks freed in Arrow, before the next table's
    deals_source = params.data.tables["deals"]
    if deals_source.stage_columns and "stage_history" not in out:
        wide = _stages_from_columns(raw_tables["deals"], out["deals"], deals_source)
        if wide is not None:
            derived = TableSource(
                path=deals_source.path, date_format=deals_source.date_format if isinstance(deals_source.date_format, str) else None,
                values={"stage": deals_source.values.get("stage", {})}, null_values=deals_source.null_values,
            )
            seen = {}
            df, found, present, empty = _load_table("stage_history", wide, derived, params, None, seen)
            out["stage_history"], raws["stage_history"] = df, wide.frame
            issues.extend(found)
            sources["stage_history"] = {**sources["deals"], "rows_read": len(wide.frame), "columns_present": present,
                                        "columns_empty": empty, "derived_from": "deals: " + deals_source.stage_columns}
    if "reps" not in out and tables is None:
        out["reps"] = _reps_from_owners(out)
        raws["reps"] = out["reps"][[ROW, "rep_id"]]
        sources["reps"] = {**sources["deals"], "rows_read": len(out["reps"]), "columns_present": ["rep_id", "name"],
                           "columns_empty": [], "derived_from": "owner_id of deals, leads and activities"}
    renamed = _resolve_owners(out, raw_tables, params, sources) if "reps" in raw_tables else {}
    issues.extend(_orphans(out, raws, references))
    del raws, raw_tables
    if not streamed:
        release_memory()
        return AuditData(params, out, issues, sources)
    from ..frame import LazyTables, Summarised

    data = AuditData(params, out)
    stats = {name: data.stats(name) for name in out if name not in streamed}
    summary = None
    for name, table in streamed.items():  # the reference columns go; the summary and the counts stay
        summary = table.renamed(renamed.get(name))
        stats[name] = table.stats
        out[name] = Summarised(  # type: ignore[assignment]
            f"{table.path}: the {name} were read in parts and kept summarised, not their rows (a run's frame: "
            f"build_frame(params, activities='summary')); read frame.activity, or build the frame with "
            f"build_frame(params) to read them whole.")
    del streamed
    release_memory()
    return AuditData(params, LazyTables(out, stats), issues, sources, summary)


def non_ascii_rows(frame: pd.DataFrame) -> pd.Series:
    """Which rows of a raw frame hold a character outside ASCII in some cell: the rows whose text
    depends on the encoding chosen (bytes above 127 read differently in every single-byte encoding)."""
    hit = pd.Series(False, index=frame.index)
    for col in frame.columns:
        if col == ROW:
            continue
        text = frame[col].astype("string")
        hit |= text.str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).astype(bool)
    return hit


def _encoding_unsure(name: str, raw: RawTable) -> list[QualityIssue]:
    """The ``encoding_unsure`` warning of a file whose encoding was guessed without certainty: counted on
    the rows with non-ASCII text (only their reading depends on the guess), with those rows as examples."""
    frame = raw.frame
    hit = non_ascii_rows(frame)
    header = [str(c) for c in frame.columns if c != ROW and re.search(r"[^\x00-\x7f]", str(c))]
    heads = f"{len(header)} column name{'s' if len(header) != 1 else ''} ({_quoted(header[:3])})"
    n = int(hit.sum())
    if n:
        which = f"{n} of {len(frame)} rows" + (f" and {heads}" if header else "")
        what = f"{which} hold non-ASCII text, whose letters depend on that guess; the other rows read the same in any encoding"
    else:
        what = f"no row holds non-ASCII text; only {heads} {'does' if len(header) == 1 else 'do'}, so only {'it depends' if len(header) == 1 else 'they depend'} on that guess"
    checks = _Checks(name, frame)
    message = (
        f"{raw.path.name}: the text encoding was detected as {raw.encoding} without certainty ({raw.encoding_reason}); "
        f"{what}. If names or stages look garbled, set data.tables.{name}.encoding (cp1251 for most Russian exports)."
    )
    checks.flag(frame.loc[hit, ROW], "encoding_unsure", None, message)
    if not hit.any() and header:  # only the header depends on the guess: a file-level warning, no rows
        checks.issues.append(QualityIssue(name, "encoding_unsure", None, 0, "warning", message))
    return checks.issues


def preflight(params: AuditParams) -> None:
    """Check, cheaply, that every file exists and has its required columns, and that
    deals has rows; raises DataError naming the file."""
    for name, source in params.data.tables.items():
        path = params.table_path(name)
        if not path.is_file():
            raise DataError(f"{path}: file not found (data.tables.{name}.path). Fix the path or remove the table.")
        names, has_rows = peek(path, source, name)
        names = composed_headers([str(c).strip() for c in names], _side(source))
        header = pd.DataFrame(columns=[ROW, *names])
        _check_columns(_map_columns(header, SPECS[name], source), SPECS[name], source, path, names)
        for col, join in source.join.items():
            absent = [c for c in join.match if c not in names]
            if absent:
                raise DataError(
                    f"{path}: data.tables.{name}.join.{col} matches on column '{absent[0]}', which the file does not have. "
                    f"Columns found: {', '.join(names)}."
                )
        if name == "deals" and not has_rows:
            raise DataError(_no_deals(path, params))


def _check_period(deals: pd.DataFrame, path: Path, params: AuditParams) -> None:
    """Raise DataError when no deal of the file was created or closed in the audit period: the period
    and the export do not match, and every number of the audit would be about nothing."""
    start, end = params.period.start_ts(), params.period.end_ts()
    created, closed = deals["created_at"], deals["closed_at"]
    inside = created.between(start, end, inclusive="left") | closed.between(start, end, inclusive="left")
    if inside.any() or created.isna().all():  # a column with no date at all is reported as insufficient
        return
    dates = pd.concat([created, closed]).dropna()
    raise DataError(
        f"{path}: no deal in the file was created or closed in the audit period ({params.period.start} to "
        f"{params.period.end}); its deals run from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}. "
        f"Set period in the params file to months the export covers, or export the deals of the audit period."
    )


def _no_deals(path: Path, params: AuditParams) -> str:
    return (
        f"{path}: the deals file has no data rows. Export the deals of the audit period "
        f"({params.period.start} to {params.period.end}) with their header row."
    )
