"""Helpers shared by the step-3 modules: labels, array helpers, and the units a table carries.

Every table the package returns carries ``attrs["units"]``: column -> unit (see
:mod:`auditkit.units`), so a notebook shows it with ``step.table(df, name,
units=units_of(df))`` and never guesses how a column is formatted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...io.vector import arrow_text, positions
from ..tables import units_of, with_units  # noqa: F401  (re-exported for the step-3 modules)


#: Label of a total row.
ALL = "(all)"
#: Label of a missing segment value or lead source.
NO_VALUE = "(none)"
#: Label of the stage of a lost deal when the data does not say where it was lost.
UNKNOWN_STAGE = "(unknown)"

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "ns")


def ns(values: Any) -> np.ndarray:
    """Timestamps as a ``datetime64[ns]`` numpy array (NaT kept)."""
    return pd.DatetimeIndex(values).as_unit("ns").to_numpy()


def ts_ns(value: pd.Timestamp) -> np.datetime64:
    """One timestamp as ``datetime64[ns]``."""
    return ns([pd.Timestamp(value)])[0]


def text(series: pd.Series, lower: bool = False) -> np.ndarray:
    """Text stripped (and lower-cased), missing values as '' (object array; cleaned once per distinct value)."""
    codes, uniques = pd.factorize(series)
    clean = np.array([(str(u).strip().lower() if lower else str(u).strip()) for u in uniques] + [""], dtype=object)
    return clean[codes]  # code -1 (missing) picks the trailing ""


def lookup(index: pd.Index, ids: pd.Series) -> np.ndarray:
    """Position of each id in ``index`` (string ids; the first, should one repeat, as deals without an id do),
    -1 when absent or missing."""
    if arrow_text(ids) is not None and arrow_text(pd.Series(index)) is not None:  # Arrow's hash table, no Python strings
        at = positions(ids, index)
        at[ids.isna().to_numpy()] = -1
        return at
    first = ~index.duplicated(keep="first")
    codes, uniques = pd.factorize(ids)
    where = index[first].get_indexer(pd.Index(uniques.astype(str), dtype="str")) if len(uniques) else np.zeros(0, np.intp)
    where = np.where(where >= 0, np.flatnonzero(first)[np.maximum(where, 0)], -1)
    return np.r_[where, -1][codes].astype(np.int64)


def same_as_next(a: np.ndarray) -> np.ndarray:
    """True where the element equals the next one (False for the last)."""
    out = np.zeros(len(a), dtype=bool)
    out[:-1] = a[1:] == a[:-1]
    return out


def same_as_prev(a: np.ndarray) -> np.ndarray:
    """True where the element equals the previous one (False for the first)."""
    out = np.zeros(len(a), dtype=bool)
    out[1:] = a[1:] == a[:-1]
    return out


def ratio(num: Any, den: Any) -> np.ndarray:
    """num / den as floats, NaN where den is 0 or NaN."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=(den != 0) & ~np.isnan(den))
    return out


def at_least(values: np.ndarray, size: int) -> np.ndarray:
    """For i in 0..size-1, how many of ``values`` (non-negative ints) are >= i."""
    counts = np.bincount(values, minlength=size)[:size]
    return counts[::-1].cumsum()[::-1]
