"""A large Parquet export of activities read in parts, for a run: checked part by part and summarised,
never held whole.

A run's steps read the activities only summarised (:mod:`auditkit.metrics.activities`), and at 1M deals
the activities are 35M rows: 2.4 GB clean, and more than 4 GB while read and checked. So a run reads
them a few row groups at a time (:func:`part_rows` rows), checks each part as the whole table is checked
(:func:`auditkit.io.load._load_table`), summarises it, and keeps only the issues, the counts, the summary's
parts and the columns the references to other tables are checked on (row, deal, owner, lead).

The result is the whole table's, issue for issue and figure for figure, or there is none and the table is
read whole (:func:`stream_table` returns None):

- every date and number column must be typed in the file (Parquet timestamps and numbers): a column of
  text dates or amounts is read by a format decided on the whole column, which a part cannot decide alone;
- the parts must make the same checks with the same messages, so that their issues add up to the whole
  table's (a message quoting values seen in one part is not the whole table's);
- the ids must rise from part to part (an export sorted by id, the usual case), so that no id repeats
  one of another part.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from ..quality import EXAMPLES, ROWS_KEPT, QualityIssue
from ..schema import SPECS
from .readers import ROW, RawTable, check_header, file_sha256, parquet_dictionaries, parquet_frame, release_memory
from .vector import arrow_text, merged_values, recoded

if TYPE_CHECKING:
    from ..metrics.activities import ActivitySummary, Summariser
    from ..params import AuditParams, TableSource

#: Rows per part: whole row groups are gathered until they hold at least this many. 2M activities are
#: about 0.4 GB while checked. ``AUDITKIT_PART_ROWS`` sets another number (fewer rows: less memory).
PART_ROWS = 2_000_000


def part_rows() -> int:
    """Rows per part: ``AUDITKIT_PART_ROWS`` when set (a positive whole number), else :data:`PART_ROWS`."""
    import os

    setting = os.environ.get("AUDITKIT_PART_ROWS", "").strip()
    return int(setting) if setting.isdigit() and int(setting) > 0 else PART_ROWS


#: Parts read and checked at once (each on a thread of its own: Arrow's readers and most checks let go of
#: the GIL), and at most this many parts' rows held at once.
WORKERS = 2
#: The date column of a table read in parts, for its first and last date.
DATE_COLUMN = "at"
#: The tables read in parts for a run (only their summary is kept).
STREAMED = frozenset({"activities"})
#: The columns of a table read in parts that are kept whole, with the row numbers: the loader checks them
#: against the deals, reps and leads, and renames owners written as a rep's name.
REFERENCES = ("deal_id", "owner_id", "lead_id")


@dataclass
class Streamed:
    """A table read in parts: what the loader records of it, the columns its references are checked on
    (``refs``: row, deal, owner and lead), its counts (``stats``, as :meth:`AuditData.stats` gives them) and
    its summary's parts."""

    path: Path
    sha256: str
    dictionaries: list[str]  # the text columns read as dictionaries
    parts: list[tuple[int, list[int]]]  # per part: the row number of its first row, its row groups
    rows_read: int
    present: list[str]
    empty: list[str]
    issues: list[QualityIssue]
    seen: dict[str, Any]
    refs: pd.DataFrame
    stats: dict[str, Any]
    summariser: "Summariser"
    summary: "Future[ActivitySummary]"  # owners as the file writes them (:meth:`renamed`), made on a thread of its own

    def renamed(self, owner_names: dict[str, str] | None) -> "ActivitySummary":
        """The summary with the owners renamed by ``owner_names`` (a value of the file to a rep's id), waiting
        for it to be made."""
        summary = self.summary.result()
        return self.summariser.finish(owner_names) if owner_names else summary

    @property
    def raw(self) -> RawTable:
        """The file as the loader records it, without its rows (:meth:`examples` reads those wanted)."""
        return RawTable(pd.DataFrame({ROW: pd.Series(dtype="int64")}), self.path, "parquet", None, None, self.sha256)

    def examples(self, rows: list[int]) -> pd.DataFrame:
        """The rows numbered ``rows`` as read from the file (each part holding one read again), in file order."""
        import pyarrow.parquet as pq

        wanted = sorted(set(rows))
        found = []
        for i, (first, groups) in enumerate(self.parts):
            end = self.parts[i + 1][0] if i + 1 < len(self.parts) else self.rows_read + 1
            if any(first <= r < end for r in wanted):
                file = pq.ParquetFile(self.path, read_dictionary=self.dictionaries or None)
                frame = _part_frame(file, self.path, groups, first, self.dictionaries)
                found.append(frame.loc[frame[ROW].isin(wanted)])
        return pd.concat(found, ignore_index=True) if found else pd.DataFrame({ROW: pd.Series(dtype="int64")})


def _part_frame(file: Any, path: Path, groups: list[int], first: int, dictionaries: list[str], table: str = "activities") -> pd.DataFrame:
    """Row groups ``groups`` of an open Parquet file of ``table`` as :func:`~auditkit.io.readers.read_raw`
    reads the file, numbered from ``first``."""
    frame = parquet_frame(path, table, dictionaries, (file, groups))
    frame.columns = [str(c).strip() for c in frame.columns]
    check_header(path, list(frame.columns), table)
    frame.insert(0, ROW, range(first, first + len(frame)))
    return frame


def _typed(frame: pd.DataFrame, name: str, source: "TableSource") -> bool:
    """Whether every value of the file is read on its own, whatever the rest of its column holds: each file
    column that fills a date or number column of table ``name`` is typed as one (and no null word of a number
    column is a number, which would write it out as text), and none that fills a text column holds floats
    (written out as text as '1' or '1.0' by what the whole column holds)."""
    from .load import _mapping, _typed_numbers, null_words

    kinds = {c.name: c.kind for c in SPECS[name].columns}
    for file_col, targets in _mapping([c for c in frame.columns if c != ROW], SPECS[name], source).items():
        column = frame[file_col]
        for target in targets:
            kind = kinds.get(target)
            if kind == "datetime" and not pd.api.types.is_datetime64_any_dtype(column):
                return False
            if kind == "number" and not _typed_numbers(column, null_words(source, target)):
                return False
            if kind in ("id", "text", "enum") and pd.api.types.is_float_dtype(column):
                return False
    return True


def _id_bounds(df: pd.DataFrame, key: str) -> tuple[str, str] | None:
    """The first and last id of a part whose ids rise strictly from row to row (by length, then as text),
    or None when they do not (or some is missing)."""
    from .load import _strictly_ordered

    column = arrow_text(df[key])
    if column is None or not len(column) or column.null_count:
        return None
    if len(column) > 1 and not _strictly_ordered(column):
        return None
    first, last = column[0].as_py(), column[-1].as_py()
    if len(column) > 1 and not (len(last), last) > (len(first), first):
        return None  # strictly falling
    return first, last


def _merged_issues(calls: list[list[tuple[tuple[str, str | None, str], QualityIssue | None]]]) -> list[QualityIssue] | None:
    """The issues of the whole table from each part's checks, in the order the whole table's checks make them;
    None when that order cannot be told from the parts' (two checks never made together, with none between
    them), or when one check's message differs between parts."""
    order = _check_order([[key for key, _ in c] for c in calls])
    if order is None:
        return None
    found: dict[Any, list[QualityIssue]] = {key: [] for key in order}
    for part in calls:
        for key, issue in part:
            if issue is not None:
                found[key].append(issue)
    merged = []
    for key in order:
        issues = found[key]
        if not issues:
            continue
        first = issues[0]
        if any(issue.message != first.message for issue in issues):
            return None
        rows = tuple(r for issue in issues for r in issue.rows)
        examples = pd.concat([issue.examples for issue in issues], ignore_index=True)
        merged.append(QualityIssue(first.table, first.check, first.column, sum(i.count for i in issues), first.level,
                                   first.message, rows[:ROWS_KEPT], examples.head(EXAMPLES)))
    return merged


def _check_order(parts: list[list[Any]]) -> list[Any] | None:
    """The one order of every check consistent with each part's order (some checks are made only when a part
    needs them: a repeated id), or None when there is no single one, or a part made a check twice."""
    after: dict[Any, set[Any]] = {}
    before: dict[Any, int] = {}
    for keys in parts:
        if len(set(keys)) != len(keys):
            return None
        for key in keys:
            after.setdefault(key, set())
            before.setdefault(key, 0)
        for a, b in zip(keys, keys[1:]):
            if b not in after[a]:
                after[a].add(b)
                before[b] += 1
    ready = [key for key, n in before.items() if n == 0]
    order = []
    while ready:
        if len(ready) > 1:
            return None  # two checks whose order no part tells
        key = ready.pop()
        order.append(key)
        for b in after[key]:
            before[b] -= 1
            if before[b] == 0:
                ready.append(b)
    return order if len(order) == len(before) else None


def _merged_seen(name: str, seen: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the parts' checks saw, as the whole table's (null words counted over the parts); None when the
    parts saw anything else differently."""
    nulls: dict[str, int] = {}
    for part in seen:
        for col, n in part.get("nulls", {}).items():
            nulls[col] = nulls.get(col, 0) + n
    rest = [{k: v for k, v in part.items() if k != "nulls"} for part in seen]
    if any(r != rest[0] for r in rest):
        return None
    out = dict(rest[0])
    if nulls:  # in the order of the table's columns, as the whole table's checks find them
        order = [c.name for c in SPECS[name].columns]
        out["nulls"] = {col: nulls[col] for col in sorted(nulls, key=lambda c: order.index(c) if c in order else len(order))}
    return out


def stream_table(
    name: str, path: Path, source: "TableSource", params: "AuditParams", encode: Callable[[list[str]], set[str]] | None,
) -> Streamed | None:
    """Table ``name`` read from the Parquet file ``path`` in parts (see the module), or None when it is to be
    read whole: not Parquet, one part, or a part that cannot stand for the whole table."""
    import pyarrow.parquet as pq

    from ..metrics.activities import Summariser

    if name not in STREAMED or source.file_format != "parquet" or source.join:
        return None
    dictionaries = parquet_dictionaries(path, name, encode)
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:
        return None  # read_raw says what is wrong with the file
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    parts = _plan(sizes)
    if len(parts) < 2:
        return None
    summary = Summariser(params)
    sha256 = file_sha256(path)
    checked: list[_Checked] = []
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="auditkit-part") as pool:
        ahead: deque[Future[_Checked | None]] = deque()
        todo = iter(parts)
        while True:
            for first, groups in todo:  # at most WORKERS parts read at once: each holds its rows while checked
                ahead.append(pool.submit(_check_part, name, path, source, params, summary, first, groups, dictionaries, sha256))
                if len(ahead) >= WORKERS:
                    break
            if not ahead:
                break
            part = ahead.popleft().result()
            if part is None or (checked and not _follows(checked[-1].ids, part.ids)):
                pool.shutdown(cancel_futures=True)
                return None  # a part cannot stand for the whole table, or an id of it may repeat one of another
            checked.append(part)
    issues = _merged_issues([p.calls for p in checked])
    seen_all = _merged_seen(name, [p.seen for p in checked])
    if issues is None or seen_all is None:
        return None
    for part in checked:
        summary.append(part.summary)
    dates = [d for p in checked for d in p.dates]
    filled: dict[str, int] = {}
    for part in checked:
        for col, n in part.filled.items():
            filled[col] = filled.get(col, 0) + n
    stats = {"rows": sum(p.rows for p in checked), "filled": filled, "from": min(dates).isoformat() if dates else None,
             "to": max(dates).isoformat() if dates else None}
    present = checked[0].present
    empty = set.intersection(*(p.empty for p in checked))
    refs = {col: [p.refs.pop(col) for p in checked] for col in (ROW, *REFERENCES)}
    del checked
    # each step below lets the C heap give back what the one before freed: the parts were checked on other
    # threads, whose heaps (glibc's arenas) keep their free pages for themselves
    release_memory()
    table = _concat(refs)
    release_memory()
    # the summary is made while the loader checks the references (both a second or two at 1M deals)
    done: Future[ActivitySummary] = Future()
    threading.Thread(target=_finish, args=(summary, done), name="auditkit-summary", daemon=True).start()
    return Streamed(
        path=path, sha256=sha256, dictionaries=dictionaries, parts=parts, rows_read=sum(sizes), present=present,
        empty=[c for c in present if c in empty], issues=issues, seen=seen_all, refs=table,
        stats=stats, summariser=summary, summary=done,
    )


def _finish(summary: "Summariser", into: "Future[ActivitySummary]") -> None:
    """The summary of the parts into ``into`` (or the error that stopped it)."""
    try:
        into.set_result(summary.finish())
        release_memory()
    except BaseException as err:  # raised where the summary is asked for
        into.set_exception(err)


def _plan(sizes: list[int]) -> list[tuple[int, list[int]]]:
    """The parts of a file whose row groups hold ``sizes`` rows: per part, the number of its first row (a
    Parquet file's rows are numbered from 1) and its row groups, gathered until they hold :func:`part_rows`."""
    parts: list[tuple[int, list[int]]] = []
    first = 1
    held = 0
    limit = part_rows()
    for i, n in enumerate(sizes):
        if not parts or held >= limit:
            parts.append((first, []))
            held = 0
        parts[-1][1].append(i)
        held += n
        first += n
    return parts


@dataclass
class _Checked:
    """One part read and checked: its checks (:attr:`auditkit.io.load._Checks.calls`), what they saw, its
    canonical columns and those empty in it, its first and last id (None when its ids do not rise), its
    counts and first and last date, its summary and its reference columns."""

    calls: list[Any]
    seen: dict[str, Any]
    present: list[str]
    empty: set[str]
    ids: tuple[str, str] | None
    rows: int
    filled: dict[str, int]
    dates: list[pd.Timestamp]
    summary: Any
    refs: dict[str, pd.Series]


def _check_part(
    name: str, path: Path, source: "TableSource", params: "AuditParams", summary: "Summariser", first: int,
    groups: list[int], dictionaries: list[str], sha256: str,
) -> _Checked | None:
    """Row groups ``groups`` (numbered from ``first``) read and checked as the whole table is; None when a
    date or number column is not typed in the file."""
    import pyarrow.parquet as pq

    from .load import _load_table

    frame = _part_frame(pq.ParquetFile(path, read_dictionary=dictionaries or None), path, groups, first, dictionaries, name)
    if not _typed(frame, name, source):
        return None
    seen: dict[str, Any] = {}
    calls: list[Any] = []
    df, _, present, empty = _load_table(name, RawTable(frame, path, "parquet", None, None, sha256), source, params, {}, seen, calls)
    del frame
    key = SPECS[name].key
    at = df[DATE_COLUMN].dropna()
    return _Checked(
        calls=calls, seen=seen, present=present, empty=set(empty), ids=_id_bounds(df, key) if key else ("", ""), rows=len(df),
        filled={str(c): int(n) for c, n in df.notna().sum().items() if c != ROW},
        dates=[at.min(), at.max()] if len(at) else [], summary=summary.part(df),
        refs={col: _narrow(df[col]) if col == ROW else df[col] for col in (ROW, *REFERENCES)},
    )


def _narrow(rows: pd.Series) -> pd.Series:
    """Row numbers as int32 when they fit (35M activities' in 140 MB, not 280)."""
    return rows.astype(np.int32) if len(rows) and rows.max() < 2**31 else rows


def _follows(before: tuple[str, str] | None, after: tuple[str, str] | None) -> bool:
    """Whether a part whose ids rise from ``after[0]`` to ``after[1]`` comes wholly after one whose ids rise to
    ``before[1]`` (by length, then as text); False when either part's ids do not rise."""
    if before is None or after is None:
        return False
    if before == ("", "") and after == ("", ""):
        return True  # a table without a key
    return (len(after[0]), after[0]) > (len(before[1]), before[1])


def _concat(parts: dict[str, list[pd.Series]]) -> pd.DataFrame:
    """The parts of each column as one table, one column at a time, each part let go once copied into it.
    A categorical column's categories are joined in order of first appearance and each part's codes taken
    to them (not written out as text), in the narrowest integers pandas keeps them in."""
    out = {}
    for col in list(parts):
        pieces = parts.pop(col)
        lengths = [len(p) for p in pieces]
        if not all(isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):
            if isinstance(pieces[0].dtype, np.dtype):
                dtype = np.result_type(*(p.dtype for p in pieces))
                out[col] = pd.Series(_filled((p.to_numpy() for p in _drain(pieces)), lengths, dtype), copy=False)
            else:
                out[col] = pd.concat(pieces, ignore_index=True)  # Arrow text: the parts become the column's chunks
            continue
        merged, news = merged_values([p.cat.categories for p in pieces])
        dtype = next(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64) if len(merged) < np.iinfo(t).max)
        taken = (recoded(p.cat.codes.to_numpy(), news.pop(0), dtype) for p in _drain(pieces))
        out[col] = pd.Series(pd.Categorical.from_codes(_filled(taken, lengths, dtype),
                                                       dtype=pd.CategoricalDtype(pd.Index(merged, dtype="string")),
                                                       validate=False), copy=False)  # distinct by construction
    return pd.DataFrame(out, copy=False)


def _drain(items: list[Any]) -> Iterator[Any]:
    """The items of ``items``, each removed from the list as it is given (so that it goes once used)."""
    while items:
        yield items.pop(0)


def _filled(arrays: Iterable[np.ndarray], lengths: list[int], dtype: Any) -> np.ndarray:
    """``arrays`` (of ``lengths``, made one at a time) one after the other in one array of ``dtype``,
    allocated once: never the parts and a whole copy of them besides."""
    out = np.empty(sum(lengths), dtype=dtype)
    at = 0
    for a in arrays:
        out[at:at + len(a)] = a
        at += len(a)
    return out
