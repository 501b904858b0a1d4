"""Column transforms paid per distinct value, not per row.

CRM exports repeat themselves: an activities table of millions of rows holds a few dozen owners, types
and outcomes, and a stage history a handful of stage names. :func:`by_value` applies a vectorised
Series-to-Series transform to each distinct value once and spreads the result back over the rows, in
their order and with their index, so the result is exactly what the transform gives on the whole column.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

#: Below this share of distinct values the transform runs on the distinct values only.
DISTINCT_SHARE = 0.5
#: About how many rows, spread evenly over the column, tell whether its values repeat enough.
SAMPLE = 2000


def repeats(s: pd.Series) -> bool:
    """Whether ``s`` (a string column) repeats its values enough for a transform to pay on its distinct
    values: at least 1000 rows, and fewer distinct values than half of an evenly spread sample of them."""
    if len(s) < 1000:
        return False
    sample = _every(s, max(1, len(s) // SAMPLE)).dropna()
    return bool(sample.nunique() <= DISTINCT_SHARE * len(sample))


def _every(s: pd.Series, step: int) -> pd.Series:
    """The values of ``s`` at every ``step``-th row (``s.iloc[::step]``'s values, on a new index). On Arrow
    text held in chunks (a Parquet file's row groups), each chunk's rows are taken from it: a take across
    chunks first joins them into one copy of the column (475 MB for 35M activity ids, a second or so)."""
    column = arrow_text(s)
    if column is None or column.num_chunks <= 1:
        return s.iloc[::step].reset_index(drop=True)
    import pyarrow as pa

    picks, start = [], 0
    for chunk in column.chunks:
        first = -start % step  # the chunk's first row at a multiple of step overall
        picks.append(chunk.take(pa.array(np.arange(first, len(chunk), step, dtype=np.int64))))
        start += len(chunk)
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(picks, type=column.type)), dtype=s.dtype)


def distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """The codes of ``s``'s rows (-1 where missing) and its distinct values, when a transform pays to run on
    those: a string column of at least 1000 rows whose distinct values are fewer than half of them, or a
    categorical column of text (its own codes and categories, at no cost). None otherwise (ids and
    timestamps: factorizing would not pay; object columns: 1, 1.0 and True hash alike)."""
    if _text_categories(s):
        return np.asarray(s.cat.codes), pd.Series(s.cat.categories, dtype="string")
    if not isinstance(s.dtype, pd.StringDtype) or not repeats(s):
        return None
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) > DISTINCT_SHARE * len(s):
        return None
    return np.asarray(codes), pd.Series(uniques, dtype=s.dtype)


def by_value(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn(s)``, computed on the distinct values of ``s`` (and one missing value) when they are fewer
    than half its rows (:func:`distinct`); the Series returned has ``s``'s index and name and the dtype
    ``fn`` gives, and is ``s`` itself when ``fn`` changes no value. Other columns are passed to ``fn`` whole."""
    found = distinct(s)
    if found is None:
        return fn(s)
    codes, values = found
    result = fn(pd.concat([values, pd.Series([pd.NA], dtype=values.dtype)], ignore_index=True))
    if result.dtype == values.dtype and result.iloc[-1] is pd.NA and result.iloc[:-1].equals(values):
        return s  # the transform leaves every value as it is: the column itself, no copy of it
    if _text_categories(s) and isinstance(result.dtype, pd.StringDtype) and result.iloc[-1] is pd.NA:
        # text stays categorical: values the transform makes equal share a category, a missing one none
        new_codes, new_values = pd.factorize(result.iloc[:-1], use_na_sentinel=True)
        at = np.append(new_codes, -1)[np.where(codes < 0, len(values), codes)]
        categories = pd.Index(new_values, dtype=s.cat.categories.dtype)
        return pd.Series(pd.Categorical.from_codes(at, categories=categories), index=s.index, name=s.name)
    out = result.iloc[np.where(codes < 0, len(values), codes)]
    out.index = s.index
    return out.rename(s.name)


def _text_categories(s: pd.Series) -> bool:
    """Whether ``s`` is categorical with text categories."""
    return isinstance(s.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(s.cat.categories.dtype)


def categorical(s: pd.Series) -> pd.Series:
    """``s`` (text) as a categorical column with the same values, in the order first seen; a column of
    millions of rows and a few thousand distinct values takes a tenth of the memory."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    categories = pd.Index(uniques, dtype=s.dtype if isinstance(s.dtype, pd.StringDtype) else "str")
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=s.index, name=s.name)


def compact(s: pd.Series) -> pd.Series:
    """A categorical column without the categories no row holds any more (null words and values set aside,
    rows dropped), in the same order; any other column as it is. Counted in one pass over the codes."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return s
    codes = np.asarray(s.cat.codes)
    used = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
    if used.all():
        return s
    remap = np.full(len(used) + 1, -1, dtype=np.int64)  # the last place: a missing value (-1) stays missing
    remap[:-1][used] = np.arange(int(used.sum()))
    kept = pd.Categorical.from_codes(remap[codes], categories=s.cat.categories[used])
    return pd.Series(kept, index=s.index, name=s.name)


def dense(s: pd.Series) -> pd.Series:
    """A categorical text column written out value by value (a text column as read, ``str`` dtype), by
    Arrow: pandas takes seconds per ten million rows, through a Python object each. Other columns as they are."""
    if not _text_categories(s):
        return s
    import pyarrow as pa

    codes = np.asarray(s.cat.codes)
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)  # a missing value (-1) stays missing
    values = pa.array(s.cat.categories.to_numpy(dtype=object), type=pa.large_string())
    text = pa.DictionaryArray.from_arrays(indices, values).cast(pa.large_string())
    out = pd.Series(pd.arrays.ArrowStringArray(text), index=s.index, name=s.name)
    return out.astype(s.cat.categories.dtype)


def arrow_text(s: pd.Series) -> Any:
    """The Arrow data of a text Series stored in Arrow, for Arrow's own kernels: its chunks as stored (a
    ``ChunkedArray``; nothing is copied); None for any other Series."""
    if not isinstance(s.dtype, pd.StringDtype) or s.dtype.storage != "pyarrow":
        return None
    return s.array.__arrow_array__()


def printable_ends(column: Any) -> bool:
    """Whether every value of ``column`` (Arrow text: a ``ChunkedArray`` of strings) is non-empty and begins
    and ends with a printable ASCII character, read off its bytes (each value's first and last). Such a value
    has no surrounding whitespace, and an ASCII export of ids passes without its text being trimmed; False
    for any other value (a non-ASCII end may be whitespace, and is looked at by the caller)."""
    import pyarrow as pa

    for chunk in column.chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        if len(chunk) == chunk.null_count:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=width)[chunk.offset: chunk.offset + len(chunk) + 1]
        starts, ends = offsets[:-1], offsets[1:]
        if chunk.null_count:
            valid = chunk.is_valid().to_numpy(zero_copy_only=False)
            starts, ends = starts[valid], ends[valid]
        if (ends <= starts).any():
            return False
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        for ends_of in (data[starts], data[ends - 1]):
            if ((ends_of <= 0x20) | (ends_of >= 0x7F)).any():
                return False
    return True


def ascii_only(column: Any) -> bool:
    """Whether every value of ``column`` (Arrow text: a ``ChunkedArray`` of strings) is ASCII, read off the
    bytes its values are stored in (a memory scan, no pass over the values); False when a chunk's data holds
    a non-ASCII byte, even outside its values (a sliced chunk), or is not plain text."""
    import pyarrow as pa

    for chunk in column.chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        data = chunk.buffers()[2]
        if data is not None and len(data) and np.frombuffer(data, dtype=np.uint8).max() >= 0x80:
            return False
    return True


def isin(s: pd.Series, values: Iterable[object]) -> pd.Series:
    """``s.isin(values)`` as a boolean Series (a missing value matches only when ``values`` holds one), fast
    for a long ``values`` on a string column: pandas builds one Arrow scalar per value there, about a
    second per million. ``values`` may be a text Series, read as Arrow data."""
    if _text_categories(s):  # on the categories, spread over the rows by their codes
        if not isinstance(values, (pd.Series, set, frozenset, list, tuple)):
            values = list(values)  # read twice below
        codes = np.asarray(s.cat.codes)
        missing = bool(isin(pd.Series([pd.NA], dtype="string"), values).iloc[0]) if (codes < 0).any() else False
        hit = isin(pd.Series(s.cat.categories, dtype="string"), values).to_numpy()
        return pd.Series(np.append(hit, missing)[np.where(codes < 0, len(hit), codes)], index=s.index, name=s.name)
    column = arrow_text(s)
    if column is None:
        return s.isin(values).fillna(False).astype(bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    given = arrow_text(values) if isinstance(values, pd.Series) else None
    if given is not None:  # another text column (the deals' ids): its Arrow data, not a million Python strings
        value_set = pc.cast(given.combine_chunks(), column.type)
    else:
        strings: list[str | None] = []
        for v in values:
            if isinstance(v, str):
                strings.append(v)
            elif v is None or v is pd.NA or (isinstance(v, float) and v != v):
                strings.append(None)  # matches the column's missing values, as in pandas
        value_set = pa.array(strings, type=column.type)
    found = pc.is_in(column, value_set=value_set).fill_null(False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=s.index, name=s.name)


def positions(s: pd.Series, among: pd.Index) -> np.ndarray:
    """Where each value of ``s`` is in ``among`` (values without repeats): ``among.get_indexer(s)`` as an int64
    array, -1 where absent (a missing value is found where ``among`` holds one). On text, Arrow's own hash
    table: pandas writes every value out as a Python string first (a second per few million values)."""
    column, known = arrow_text(s), arrow_text(pd.Series(among))
    if column is None or known is None:
        return np.asarray(among.get_indexer(s), dtype=np.int64)
    import pyarrow.compute as pc

    found = pc.index_in(column, value_set=pc.cast(known.combine_chunks(), column.type), skip_nulls=False)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def lex_order(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first; stable), without sorting when the rows are in that order
    already, as exports sorted by deal and time are (a check of each row against the one before)."""
    n = len(keys[0])
    if n > 1:
        later, tie = np.zeros(n - 1, dtype=bool), np.ones(n - 1, dtype=bool)
        for key in reversed(keys):  # the first key to differ decides
            later |= tie & (key[1:] > key[:-1])
            tie &= key[1:] == key[:-1]
        if (later | tie).all():
            return np.arange(n)
    return np.lexsort(keys)


def group_rows(codes: np.ndarray, n: int) -> list[np.ndarray]:
    """Per group 0..n-1, the positions of the rows whose code (an integer array; -1: no group) is the group's,
    in the rows' order: one stable sort of the codes (by radix when they fit 16 bits), linear in the rows
    whatever the number of groups."""
    small = codes.astype(np.int16, copy=False) if n < 2**15 else np.asarray(codes, dtype=np.int64)
    order = np.argsort(small, kind="stable")
    # where each group starts in that order: after the rows without one, by the groups' sizes (a search of the
    # sorted codes for each group had to widen all of them to int64 first); counted on the 16-bit codes (20M
    # codes widened to int64 and shifted were two 160 MB arrays)
    sizes = np.bincount(small + 1, minlength=n + 1)
    cuts = np.cumsum(sizes)
    return [order[cuts[i]:cuts[i + 1]] for i in range(n)]


def merged_values(parts: list[pd.Index], renamed: dict[str, str] | None = None) -> tuple[pd.Index, list[np.ndarray]]:
    """The distinct text values of a table read in parts (each part's in order of first appearance, the parts
    in order), each renamed by ``renamed``, in order of first appearance in the whole table; and per part,
    each of its values' code among them (int64). A value a rename makes equal to another appears where the
    first of them did."""
    values = pd.Series(pd.concat([pd.Series(p, dtype="string") for p in parts], ignore_index=True))
    if renamed:
        values = values.replace(renamed)
    codes, merged = pd.factorize(values)  # in order of first appearance
    ends = np.cumsum([len(p) for p in parts])
    return pd.Index(merged, dtype="string"), [c.astype(np.int64) for c in np.split(codes, ends[:-1])]


def recoded(codes: np.ndarray, new: np.ndarray, dtype: Any = np.int64) -> np.ndarray:
    """``codes`` (-1 for none) as the codes ``new`` gives them (-1 stays -1), as ``dtype``."""
    out = np.full(len(codes), -1, dtype=dtype)
    has = codes >= 0
    out[has] = new[codes[has]]
    return out


__all__ = ["arrow_text", "ascii_only", "by_value", "categorical", "compact", "dense", "distinct", "group_rows", "isin", "lex_order", "merged_values", "positions", "recoded", "repeats"]
