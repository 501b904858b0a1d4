"""The units a number in auditkit can have: one registry, used by KPIs, findings and tables.

A unit says how a value is stored and how the report shows it:

============  ==========================================  =====================
unit          stored as                                   shown as (en)
============  ==========================================  =====================
``count``     a whole number of things                    ``1,234``
``money``     an amount in the params' currency           ``€1,234``
``share``     a fraction 0..1                             ``25.3%``
``change``    a signed relative change (0.12 = +12 %)     ``+12.0%``
``days``      a duration in days                          ``12.5``
``hours``     a duration in hours                         ``3.5``
``number``    any other quantity (a ratio, an index)      ``1.25``
``score``     a 1-5 rating                                ``3.25``
``points``    a score out of 100                          ``93.3``
``date``      a timestamp                                 ``30 Sept 2026``
``month``     the first day of a month                    ``Sept 2026``
============  ==========================================  =====================

:func:`check_unit` refuses anything else, so a typo ("currency", "deals")
fails where it is written instead of printing ``320.1111111111111`` in a report.
"""

from __future__ import annotations

from typing import Literal, get_args

Unit = Literal["count", "money", "share", "change", "days", "hours", "number", "score", "points", "date", "month"]
UNITS: tuple[str, ...] = get_args(Unit)
#: Units whose values are right-aligned numbers in a table.
NUMERIC_UNITS: frozenset[str] = frozenset({"count", "money", "share", "change", "days", "hours", "number", "score", "points"})


def check_unit(unit: str) -> Unit:
    """``unit`` itself when it is a registered unit; ValueError naming the known ones otherwise."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    return unit  # type: ignore[return-value]
