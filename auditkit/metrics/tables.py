"""What every metrics table carries: the unit of each column, in ``attrs["units"]``.

Metrics return plain DataFrames; :func:`with_units` records each column's unit (checked against the
registry in :mod:`auditkit.units`) and any other facts about the table, and :func:`units_of` reads them
back for ``step.table(..., units=units_of(df))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..units import check_unit


def with_units(df: pd.DataFrame, units: Mapping[str, str], **attrs: Any) -> pd.DataFrame:
    """``df`` with ``attrs["units"]`` set (every unit checked against the registry) and ``attrs`` added."""
    for unit in units.values():
        check_unit(unit)
    df.attrs.update(attrs)
    df.attrs["units"] = {c: u for c, u in units.items() if c in df.columns}
    return df


def units_of(df: pd.DataFrame) -> dict[str, str]:
    """The units of a metrics table's columns (``attrs["units"]``), for ``step.table(..., units=...)``."""
    return {c: u for c, u in df.attrs.get("units", {}).items() if c in df.columns}
