"""Data-quality issues found while loading.

An issue is counted, located (source row numbers), illustrated with example
rows as they were in the file, and says what the loader did about it. Rows are
never dropped silently: a bad value is set aside (made empty) so it cannot
corrupt a metric, and the issue says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Literal

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .findings import Bands, Finding

Level = Literal["error", "warning", "info"]
LEVELS: tuple[Level, ...] = ("error", "warning", "info")
EXAMPLES = 5
ROWS_KEPT = 50
#: Severity of a quality finding, on the share of the table's rows affected.
QUALITY_SEVERITY: "Bands" = ((0.10, "high"), (0.03, "medium"), (0.0, "low"))


@dataclass(frozen=True)
class QualityIssue:
    """One kind of problem in one table: how many rows, which, and what was done."""

    table: str
    check: str
    column: str | None
    count: int
    level: Level
    message: str
    rows: tuple[int, ...] = ()
    examples: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    def to_dict(self) -> dict:
        from .findings import records

        return {
            "table": self.table,
            "check": self.check,
            "column": self.column,
            "count": self.count,
            "level": self.level,
            "message": self.message,
            "rows": list(self.rows),
            "examples": records(self.examples, EXAMPLES),
        }


def examples_view(issue: QualityIssue, file_columns: dict[str, str] | None = None) -> pd.DataFrame:
    """The issue's example rows with the columns that matter first: the source row, then the file's column
    behind ``issue.column`` (``file_columns`` maps file names to canonical ones, as the params do), then the
    rest as written in the file."""
    df = issue.examples
    if df.empty:
        return df
    inverse = {canonical: name for name, canonical in (file_columns or {}).items()}
    wanted = inverse.get(issue.column or "", issue.column)
    first = [c for c in ("_row", wanted) if c and c in df.columns]
    if wanted and wanted not in df.columns:  # a header written in another case or with spaces
        first += [c for c in df.columns if c not in first and str(c).strip().lower().replace(" ", "_") == issue.column]
    return df[[*first, *(c for c in df.columns if c not in first)]]


def rows_label(rows: Iterable[int], limit: int = 8, lang: str = "en", total: int | None = None) -> str:
    """'2, 17, 33 and 4 more' (``lang`` "ru": '2, 17, 33 и ещё 4') for a list of row numbers; ``total`` is how
    many rows there are when ``rows`` holds only the first of them (an issue keeps :data:`ROWS_KEPT`)."""
    from .report.format import Formatter
    from .report.text import t

    rows = list(rows)
    total = max(len(rows), total or 0)
    head = ", ".join(str(r) for r in rows[:limit])
    if total <= limit:
        return head
    return t("quality.rows_more", lang, rows=head, n=Formatter(lang).number(total - min(limit, len(rows))))


def issues_frame(issues: Iterable[QualityIssue], lang: str = "en") -> pd.DataFrame:
    """Issues as a table (table, check, column, count, level, rows, message), errors first: ``count`` is how
    many rows an issue affects, ``rows`` which ones (see :func:`rows_label`; headings: :func:`issues_labels`).
    In a language other than English the message is the check's short explanation from the text catalog (the
    loader's detailed messages, with the params key to set, are English) and the column is named in that
    language (English keeps the canonical column the params map to)."""
    from .report.text import field_name, has, t

    cols = ["table", "check", "column", "count", "level", "rows", "message"]
    rows = [
        {
            "table": i.table,
            "check": i.check,
            "column": (field_name(i.column, lang) if lang != "en" else i.column) if i.column else "",
            "count": i.count,
            "level": i.level,
            "rows": rows_label(i.rows, lang=lang, total=i.count),
            "message": t(f"checkdo.{i.check}", lang) if lang != "en" and has(f"checkdo.{i.check}") else i.message,
        }
        for i in issues
    ]
    df = pd.DataFrame(rows, columns=cols)
    if not df.empty:
        df = df.sort_values(["table", "level", "check"], key=lambda s: s.map(LEVELS.index) if s.name == "level" else s)
    return df.reset_index(drop=True)


def issues_labels(lang: str = "en") -> dict[str, str]:
    """The headings of :func:`issues_frame`'s two row columns in ``lang``, which the catalog's ``col.<column>``
    alone cannot tell apart (``rows`` is also the inventory's row count): ``count`` is how many rows an issue
    affects ("Rows affected" / "Затронуто строк"), ``rows`` which ones, by their number in the file ("Row
    numbers in the file" / "Номера строк в файле"). Pass them as the table's ``labels``."""
    from .report.text import t

    return {"count": t("col.count", lang), "rows": t("col.row_numbers", lang)}


#: Checks about how a file was read rather than about the client's data: shown in the quality table for the
#: analyst to confirm, never a finding (a cp1251 file read correctly is not a problem of the sales team).
READING_CHECKS = frozenset({"encoding_unsure"})


def quality_findings(issues: Iterable[QualityIssue], rows: dict[str, int], lang: str = "en") -> list["Finding"]:
    """Findings for data-quality issues that affect a notable share (>= 1%) of a table's rows, in ``lang``
    (not for :data:`READING_CHECKS`)."""
    from .findings import Finding, severity_for
    from .report.format import Formatter
    from .report.text import plural, t, word

    out = []
    for issue in issues:
        total = rows.get(issue.table, 0)
        share = issue.count / total if total else 0.0
        if issue.level == "info" or share < 0.01 or issue.check in READING_CHECKS:
            continue
        out.append(
            Finding(
                step=2,
                kind=f"data.quality.{issue.check}",
                subject=f"{issue.table}.{issue.column or ''}",
                area="data quality",
                title=t(
                    "finding.quality.title", lang, table=t(f"table.{issue.table}", lang), column=issue.column or t("p2.quality.rows", lang),
                    check=word(issue.check, lang, "check"), rows=plural(issue.count, "n.in_row", lang),
                ),
                severity=severity_for(share, QUALITY_SEVERITY),
                metric=f"{issue.table}.{issue.check}",
                value=share,
                target=0.0,
                benchmark=t("finding.quality.benchmark", lang),
                unit="share",
                detail=issue.message,
                action="data.fix_at_source",
                evidence=[{"row": r} for r in issue.rows[:10]],
            )
        )
    return out
