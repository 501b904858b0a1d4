"""``auditkit inspect``: look at unknown exports and say how to read them.

For each file: its encoding (and how sure), delimiter, decimal mark, the date
format of each date-like column, which profile and table fit it and how well,
the columns nothing maps, and the stage/status values with a suggested
pipeline. Then one params snippet for all the files that validates as is.
Files are only read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..params import TableSource
from ..schema import SPECS
from .detect import DEFAULT_NULLS, guess_dates, null_mask, split_currency, yaml_value
from .profiles import apply_profile, profiles
from .readers import ROW, read_raw

#: Words that mark a won or a lost stage/status, in the vendors' default wording.
_WON = re.compile(r"won|выигр|успешн|^реализовано|win\b", re.I)
_LOST = re.compile(r"lost|проигр|провал|не реализовано|отказ|loss", re.I)


@dataclass
class Fit:
    """How well one profile's table fits a file: headers it knows, and whether every required column is found."""

    profile: str
    table: str
    known: int
    signature: int
    signature_total: int
    complete: bool

    @property
    def score(self) -> float:
        """A 0-1 fit: the share of the profile's signature headers present, halved when a required column is missing."""
        share = self.signature / self.signature_total if self.signature_total else 0.0
        return share * (1.0 if self.complete else 0.5)

    def describe(self) -> str:
        quality = "good" if self.score >= 0.5 and self.complete else "partial" if self.complete else "poor"
        missing = "" if self.complete else "; some required columns are missing"
        return (
            f"{self.profile} ({self.table}): {quality} fit, {self.signature} of {self.signature_total} of its typical headers, "
            f"{self.known} columns known{missing}"
        )


@dataclass
class FileReport:
    """What ``inspect`` found in one file."""

    path: Path
    rows: int
    columns: list[str]
    encoding: str | None
    encoding_confidence: str | None
    encoding_reason: str | None
    delimiter: str | None
    decimal: str
    dates: dict[str, str]
    fits: list[Fit]
    mapping: dict[str, list[str]] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    values: dict[str, dict[str, int]] = field(default_factory=dict)  # stage/status column -> value -> count
    currencies: list[str] = field(default_factory=list)
    cyrillic: bool = False

    @property
    def best(self) -> Fit | None:
        """The best fitting profile table, or None when none fits at all."""
        good = [f for f in self.fits if f.signature > 0]
        return max(good, key=lambda f: (f.complete, f.score, f.known)) if good else None


def _source(path: Path, profile: str | None = None, table: str = "deals") -> TableSource:
    entry: dict[str, Any] = {"path": str(path), "encoding": "auto", "delimiter": "auto"}
    if profile:
        entry = apply_profile(profile, table, entry)
    return TableSource.model_validate(entry)


def _decimal(frame: pd.DataFrame) -> str:
    """',' when number-like values are written with a decimal comma (12,5 / 1 234,50), else '.'."""
    comma = point = 0
    for col in frame.columns:
        if col == ROW:
            continue
        text = frame[col].astype("string").str.strip()
        number, _ = split_currency(text.dropna())
        comma += int(number.str.fullmatch(r"[-+]?\d[\d \u00a0]*,\d{1,2}").sum())
        point += int(number.str.fullmatch(r"[-+]?\d[\d \u00a0,]*\.\d{1,2}").sum())
    return "," if comma > point else "."


def inspect_file(path: Path | str, language: str = "en") -> FileReport:
    """Read ``path`` as an unknown export and report what :class:`FileReport` holds."""
    from .load import _mapping

    path = Path(path)
    raw = read_raw(path, _source(path), "deals", language)
    frame = raw.frame
    columns = [c for c in frame.columns if c != ROW]
    fits = []
    for prof in profiles().values():
        for table, entry in prof.tables.items():
            source = _source(path, prof.name, table)
            mapping = _mapping(columns, SPECS[table], source)
            found = {t for ts in mapping.values() for t in ts}
            complete = all(c in found for c in SPECS[table].required) and all(any(c in found for c in g) for g in SPECS[table].one_of)
            signature = prof.signature.get(table, list(entry.get("columns", {})))
            fits.append(Fit(prof.name, table, len(mapping), sum(h in columns for h in signature), len(signature), complete))
    fits.sort(key=lambda f: (-f.complete, -f.score, -f.known))
    dates = {}
    for col in columns:
        text = frame[col].astype("string").str.strip()
        text = text.mask(null_mask(text, DEFAULT_NULLS))
        guess = guess_dates(text)
        if guess is not None:
            dates[col] = guess.label
    report = FileReport(
        path, len(frame), columns, raw.encoding, raw.encoding_confidence, raw.encoding_reason, raw.delimiter,
        _decimal(frame), dates, fits,
    )
    text_all = " ".join(columns) + " " + " ".join(frame[columns].astype("string").head(200).fillna("").agg(" ".join, axis=1))
    report.cyrillic = bool(re.search("[А-Яа-яЁё]", text_all))
    best = report.best
    if best is not None:
        source = _source(path, best.profile, best.table)
        report.mapping = _mapping(columns, SPECS[best.table], source)
        report.unmapped = [c for c in columns if c not in report.mapping]
        for file_col, targets in report.mapping.items():
            for target in list(targets):
                if target in ("stage", "status", "type"):
                    counts = frame[file_col].astype("string").str.strip().value_counts(sort=False)
                    report.values[target] = {str(k): int(v) for k, v in counts.items() if k}
                if target == "amount":
                    _, codes = split_currency(frame[file_col].astype("string").str.strip())
                    report.currencies = [str(c) for c in codes.dropna().value_counts().index]
    return report


def _pipeline(values: dict[str, int]) -> tuple[list[str], str, str]:
    """Stages (in the file's order of first appearance), and the won and lost stage guessed from
    their names (``Won`` / ``Lost`` added when the file has none)."""
    stages = list(values)
    won = next((s for s in stages if _WON.search(s) and not _LOST.search(s)), None)
    lost = next((s for s in stages if _LOST.search(s)), None)
    open_stages = [s for s in stages if s not in (won, lost)]
    won = won or "Won"
    lost = lost or "Lost"
    while len(open_stages) < 1:
        open_stages.append("Open")
    return [*open_stages, won, lost], won, lost


def snippet(reports: list[FileReport], language: str | None = None) -> str:
    """A params file for ``reports``' files that validates as is: one table per file (the best fitting
    profile), the pipeline from the deals' stages, the period from the deals' creation dates."""
    tables: dict[str, tuple[FileReport, Fit | None]] = {}
    for rep in reports:
        best = rep.best
        table = best.table if best else "deals"
        if table not in tables:
            tables[table] = (rep, best)
    deals = tables.get("deals")
    if deals is None:  # no deals file: the first file is read as deals
        deals = (reports[0], None)
        tables = {"deals": deals, **{k: v for k, v in tables.items()}}
    deal_rep, _ = deals
    ru = language == "ru" or (language is None and any(r.cyrillic for r in reports))
    currency = deal_rep.currencies[0] if deal_rep.currencies else ("RUB" if ru else "EUR")  # the commonest first
    stage_values = dict(_stage_order(deal_rep) or deal_rep.values.get("stage", {}))
    history = tables.get("stage_history")
    if history is not None:
        from .detect import suggest

        for value, n in history[0].values.get("stage", {}).items():
            if value not in stage_values and not suggest([value], list(stage_values)):
                stage_values[value] = n
    stages, won, lost = _pipeline(stage_values)
    if "status" in deal_rep.values and stage_values:  # won/lost in a status column (Pipedrive): stages stay open
        stages = [s for s in stage_values] + ["Won", "Lost"]
        won, lost = "Won", "Lost"
    start, end = _period(deal_rep)
    folders = {r.path.resolve().parent for r, _ in tables.values()}
    common = Path(*Path(next(iter(folders))).parts) if len(folders) == 1 else None
    lines = [
        "client: {name: Client name, slug: client}",
        f"period: {{start: {start}, end: {end}}}   # the audit period; adjust",
        f"currency: {currency}",
        f"language: {'ru' if ru else 'en'}",
        "pipeline:",
        f"  stages: [{', '.join(yaml_value(s) for s in stages)}]",
        f"  won: {yaml_value(won)}",
        f"  lost: {yaml_value(lost)}",
        "data:",
    ]
    if common is not None:
        lines.append(f"  dir: {yaml_value(str(common))}")
    lines.append("  tables:")
    for table, (rep, fit) in tables.items():
        path = rep.path.name if common is not None else str(rep.path.resolve())
        lines.append(f"    {table}:")
        if fit is not None:
            lines.append(f"      profile: {fit.profile}")
        else:
            lines.append("      encoding: auto")
            lines.append("      delimiter: auto")
        lines.append(f"      path: {yaml_value(path)}")
        if fit is not None and rep.decimal == "," and table in ("deals", "targets", "tools"):
            lines.append('      decimal: ","')
        if fit is not None and not fit.complete and table == "reps":
            names = [f for f, t in rep.mapping.items() if "name" in t]
            if names:  # a users file without an id column: the name is the rep's id too
                lines.append(f"      columns: {{{yaml_value(names[0])}: [rep_id, name]}}")
        if fit is None:
            lines.append("      # columns: {<column in the file>: <canonical column>}  see docs/data-model.md")
    return "\n".join(lines) + "\n"


def _stage_order(rep: FileReport) -> dict[str, int]:
    """Stages in pipeline order from "Date entered <stage>" columns (HubSpot), then the deals' other
    stage values; empty when the profile has no such columns."""
    best = rep.best
    pattern = profiles()[best.profile].tables[best.table].get("stage_columns") if best else None
    if not pattern:
        return {}
    ordered = [m.group(1).strip() for c in rep.columns if (m := re.fullmatch(pattern, c))]
    values = rep.values.get("stage", {})
    return {**{s: values.get(s, 0) for s in ordered}, **values}


def _period(rep: FileReport) -> tuple[str, str]:
    """The first and last day of the deals' creation dates (this year when none can be read)."""
    from .load import _parse_dates

    created = [f for f, t in rep.mapping.items() if "created_at" in t]
    if created:
        frame = read_raw(rep.path, _source(rep.path), "deals").frame
        dates, _ = _parse_dates(frame[created[0]], None)
        dates = dates.dropna()
        if len(dates):
            return str(dates.min().date()), str(dates.max().date())
    year = pd.Timestamp.today().year
    return f"{year}-01-01", f"{year}-12-31"


def render(reports: list[FileReport], language: str | None = None) -> str:
    """The text ``auditkit inspect`` prints: one block per file, then the params snippet."""
    out: list[str] = []
    for rep in reports:
        out.append(f"{rep.path}: {rep.rows:,} rows, {len(rep.columns)} columns")
        if rep.encoding:
            out.append(f"  encoding   {rep.encoding} ({rep.encoding_confidence}: {rep.encoding_reason})")
            out.append(f"  delimiter  {rep.delimiter!r}")
        out.append(f"  decimal    {rep.decimal!r}")
        for col, label in rep.dates.items():
            out.append(f"  dates      {col}: {label}")
        best = rep.best
        if best is None:
            out.append("  profile    none fits; map the columns yourself (docs/params.md)")
        else:
            out.append(f"  profile    {best.describe()}")
            others = [f for f in rep.fits if f is not best and f.signature > 0][:2]
            for f in others:
                out.append(f"             next: {f.describe()}")
            for file_col, targets in rep.mapping.items():
                out.append(f"  mapped     {file_col} -> {', '.join(targets)}")
            if rep.unmapped:
                out.append(f"  unmapped   {', '.join(rep.unmapped)}")
            if rep.currencies:
                out.append(f"  currency   amounts written in {', '.join(rep.currencies)}")
            for col, counts in rep.values.items():
                listed = ", ".join(f"{k} ({v})" for k, v in counts.items())
                out.append(f"  {col:<10} values: {listed}")
    out.append("")
    out.append("# A params file that reads these files (save as params/<client>.yaml, then: auditkit validate params/<client>.yaml):")
    out.append(snippet(reports, language))
    return "\n".join(out)
