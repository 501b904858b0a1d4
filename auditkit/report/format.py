"""Numbers formatted for the report's language, escaped HTML, safe exports.

Everything that reaches a report from client data passes through
:meth:`Formatter.table_html` or :meth:`Formatter.text`, which escape it.
Everything written to CSV or Excel passes through :func:`safe_for_spreadsheet`,
which defuses formula injection (a cell starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return is prefixed with an apostrophe).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..units import NUMERIC_UNITS, check_unit

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Leading characters a spreadsheet skips before it reads a formula: spaces and control characters.
_SKIPPED = "".join(chr(c) for c in range(0x21))
LOCALES = {"en": "en_GB", "ru": "ru_RU"}
NA = "–"


#: Characters that change how text around them reads without showing themselves: bidirectional
#: overrides and isolates (a name can read backwards), and zero-width characters (two names that look
#: equal are not). In a report they are shown as a visible code, never passed through.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c\u180e]")


def visible(text: str) -> str:
    """``text`` with every bidi control and zero-width character replaced by its visible code point, e.g. ``⟦U+202E⟧``."""
    return _INVISIBLE.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", text)


def escape(text: Any) -> str:
    """Client text made safe for HTML: invisible controls shown (see :func:`visible`), then escaped."""
    return html.escape(visible(str(text)))


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _label(column: object) -> str:
    """A column name as a heading: 'won_value' -> 'Won value'."""
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _defuse(value: Any) -> Any:
    """``value`` with an apostrophe in front when a spreadsheet could read it as a formula: it starts with
    = + - @ (also after leading spaces, tabs, CR or LF) or with a tab or CR."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip(_SKIPPED).startswith(FORMULA_START[:4])):
        return "'" + value
    return value


def safe_for_spreadsheet(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot run as spreadsheet formulas."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            out[col] = s.map(_defuse, na_action="ignore")
    out.columns = [_defuse(str(c)) for c in out.columns]
    return out


def to_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ``df`` as UTF-8 CSV (with BOM, so Excel opens it right), formula-safe; returns the path.

    Rows end with CRLF, so every field holding a CR or an LF is quoted: a bare CR inside a cell can never
    start a new row (pandas quotes a field with LF but not one with only a CR under LF line endings)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_for_spreadsheet(df).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


@dataclass(frozen=True)
class Formatter:
    """Formats numbers, money, shares, durations and dates for one report language."""

    language: str = "en"
    currency: str = "EUR"

    @property
    def locale(self) -> str:
        return LOCALES.get(self.language, "en_GB")

    def number(self, value: Any, decimals: int = 0) -> str:
        """1234.5 -> '1,235' (en) or '1 235' (ru)."""
        if _is_missing(value):
            return NA
        from babel.numbers import format_decimal

        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def _pattern(self, kind: str, decimals: int) -> str:
        """The locale's own currency or percent pattern with ``decimals`` fraction digits."""
        from babel import Locale

        loc = Locale.parse(self.locale)
        pattern = loc.currency_formats["standard"] if kind == "money" else loc.percent_formats[None]
        base = pattern.pattern.split(";")[0]
        digits = "#,##0" + ("." + "0" * decimals if decimals else "")
        return base.replace("#,##0.00", "#,##0").replace("#,##0", digits)

    def money(self, value: Any, decimals: int = 0) -> str:
        """1234.5 -> '€1,235' (en) or '1 235 €' (ru)."""
        if _is_missing(value):
            return NA
        from babel.numbers import format_currency

        return format_currency(value, self.currency, format=self._pattern("money", decimals), locale=self.locale, currency_digits=False)

    def share(self, value: Any, decimals: int = 1) -> str:
        """0.253 -> '25.3%' (en) or '25,3 %' (ru). A share that is not all or none is never shown as if it
        were: 0.99995 is '> 99.9%', not '100.0%', and 0.00004 is '< 0.1%', not '0.0%'."""
        if _is_missing(value):
            return NA
        from babel.numbers import format_percent

        pattern = self._pattern("share", decimals)
        smallest = 10.0 ** -(decimals + 2)  # the smallest step shown: 0.001 is 0.1%
        v = float(value)
        if 0 < v < 1 and v >= 1 - smallest / 2:
            return "> " + format_percent(1 - smallest, format=pattern, locale=self.locale)
        if 0 < v < smallest / 2:
            return "< " + format_percent(smallest, format=pattern, locale=self.locale)
        return format_percent(value, format=pattern, locale=self.locale)

    def days(self, value: Any) -> str:
        return NA if _is_missing(value) else self.number(value, 1)

    def date(self, value: Any) -> str:
        if _is_missing(value):
            return NA
        from babel.dates import format_date

        return format_date(pd.Timestamp(value).date(), format="medium", locale=self.locale)

    def month(self, value: Any) -> str:
        if _is_missing(value):
            return NA
        from babel.dates import format_date

        return format_date(pd.Timestamp(value).date(), format="LLL yyyy", locale=self.locale)

    def short(self, value: Any) -> str:
        """A number with as many decimals as it needs (at most three): 0.5 -> '0.5' (en) or '0,5' (ru); 2 -> '2'.
        For the constants a rule quotes."""
        if _is_missing(value):
            return NA
        from babel.numbers import format_decimal

        return format_decimal(value, format="#,##0.###", locale=self.locale)

    def change(self, value: Any, decimals: int = 1) -> str:
        """0.12 -> '+12.0%' (en) or '+12,0 %' (ru): a signed relative change."""
        if _is_missing(value):
            return NA
        text = self.share(abs(value), decimals)
        return ("+" if value > 0 else "−" if value < 0 else "") + text

    def by_unit(self, value: Any, unit: str) -> str:
        """Format by a registered unit (see :mod:`auditkit.units`); an unknown unit is a ValueError."""
        formatters: dict[str, Callable[[Any], str]] = {
            "count": self.number,
            "money": self.money,
            "share": self.share,
            "change": self.change,
            "days": self.days,
            "hours": lambda v: self.number(v, 1),
            "date": self.date,
            "month": self.month,
            "number": lambda v: self.number(v, 2),
            "score": lambda v: self.number(v, 2),
            "points": lambda v: self.number(v, 1),
        }
        return formatters[check_unit(unit)](value)

    def values(self, values: Any, units: Any) -> list[str]:
        """Each value formatted by its own unit (two parallel sequences)."""
        return [self.by_unit(v, u) for v, u in zip(values, units)]

    def text(self, value: Any) -> str:
        """Any value as escaped HTML text; the kit's own markers ("(all)", "(none)", "(company)", ...) in the
        report's language."""
        return NA if _is_missing(value) else escape(self.marker(value))

    def marker(self, value: Any) -> Any:
        """``value`` in the report's language when it is one of the kit's bracketed markers that the catalog
        names (``word.(all)``: the total row, ``word.(none)``: no value, ``word.(company)``, ...); else as it is."""
        if isinstance(value, str) and value[:1] == "(" and value[-1:] == ")":
            from .text import has, t

            if has(f"word.{value}"):
                return t(f"word.{value}", self.language)
        return value

    def column_label(self, column: object) -> str:
        """A column's heading in the report's language: the catalog's ``col.<column>``, else the name itself."""
        from .text import has, t

        key = f"col.{column}"
        if has(key):
            return t(key, self.language)
        if str(column).startswith("reached_"):  # the cohort table's share per stage
            return t("col.reached_stage", self.language, stage=str(column).removeprefix("reached_"))
        return _label(column)

    def table_html(
        self,
        df: pd.DataFrame,
        units: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        max_rows: int = 200,
    ) -> str:
        """An HTML table with every cell formatted by its unit and escaped; numbers right-aligned."""
        units = dict(units or {})
        labels = dict(labels or {})
        shown = df.head(max_rows)
        head = "".join(f"<th>{escape(labels.get(c, self.column_label(c)))}</th>" for c in shown.columns)
        body = []
        for row in shown.itertuples(index=False, name=None):
            cells = []
            for col, value in zip(shown.columns, row):
                unit = units.get(col)
                if unit is None and isinstance(value, (int, float)) and not isinstance(value, bool):
                    unit = "number" if isinstance(value, float) and not float(value).is_integer() else "count"
                if unit is None and isinstance(value, pd.Timestamp):
                    unit = "date"
                if isinstance(value, (bool, np.bool_)):
                    value, unit = ("✓" if value else "✗"), None
                text = html.escape(self.by_unit(value, unit)) if unit else self.text(value)
                cls = ' class="num"' if unit in NUMERIC_UNITS else ""
                cells.append(f"<td{cls}>{text}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        more = ""
        if len(df) > max_rows:
            from .text import plural, t

            rows = plural(len(df) - max_rows, "n.row", self.language)
            more = f'<p class="ak-more">{html.escape(t("table.more_rows", self.language, rows=rows))}</p>'

        return f'<table class="ak-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}'
