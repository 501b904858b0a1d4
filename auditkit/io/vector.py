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


def distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """The codes of ``s``'s rows (-1 where missing) and its distinct values, when a transform pays to run on
    those: a string column of at least 1000 rows whose distinct values are fewer than half of them. None
    otherwise (ids and timestamps: factorizing would not pay; object columns: 1, 1.0 and True hash alike)."""
    if len(s) < 1000 or not isinstance(s.dtype, pd.StringDtype):
        return None
    sample = s.iloc[:: max(1, len(s) // SAMPLE)].dropna()
    if sample.nunique() > DISTINCT_SHARE * len(sample):
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
    result = fn(pd.concat([values, pd.Series([pd.NA], dtype=s.dtype)], ignore_index=True))
    if result.dtype == s.dtype and result.iloc[-1] is pd.NA and result.iloc[:-1].equals(values):
        return s  # the transform leaves every value as it is: the column itself, no copy of it
    out = result.iloc[np.where(codes < 0, len(values), codes)]
    out.index = s.index
    return out.rename(s.name)


def arrow_text(s: pd.Series) -> Any:
    """The Arrow data of a text Series stored in Arrow, for Arrow's own kernels: its chunks as stored (a
    ``ChunkedArray``; nothing is copied); None for any other Series."""
    if not isinstance(s.dtype, pd.StringDtype) or s.dtype.storage != "pyarrow":
        return None
    return s.array.__arrow_array__()


def isin(s: pd.Series, values: Iterable[object]) -> pd.Series:
    """``s.isin(values)`` as a boolean Series (a missing value matches only when ``values`` holds one), fast
    for a long ``values`` on a string column: pandas builds one Arrow scalar per value there, about a
    second per million. ``values`` may be a text Series, read as Arrow data."""
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


__all__ = ["arrow_text", "by_value", "distinct", "isin"]
