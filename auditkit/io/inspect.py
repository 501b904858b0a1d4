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
from ..report.text import t
from ..schema import SPECS
from .detect import DEFAULT_NULLS, EncodingGuess, guess_dates, null_mask, split_currency, yaml_value
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

    def describe(self, lang: str = "en") -> str:
        """One line on the fit, in ``lang``."""
        quality = "good" if self.score >= 0.5 and self.complete else "partial" if self.complete else "poor"
        return t(
            "inspect.fit", lang, profile=self.profile, table=self.table, quality=t(f"inspect.fit.{quality}", lang),
            signature=self.signature, total=self.signature_total, known=self.known,
            missing="" if self.complete else t("inspect.fit.missing", lang),
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
    encoding_guess: EncodingGuess | None = None
    currency_column: str | None = None  # the column giving each row's currency
    row_currencies: dict[str, int] = field(default_factory=dict)  # its codes ("?" not a currency) and counts
    flags: list[str] = field(default_factory=list)  # won/closed flag columns the status is read from

    @property
    def best(self) -> Fit | None:
        """The best fitting profile table, or None when none fits: a table whose required columns the profile
        does not find, and whose file has under half of its typical headers, is a poor fit and not offered (a
        'Team' column alone made a deals export read as HubSpot's reps)."""
        good = [f for f in self.fits if f.signature > 0 and (f.complete or 2 * f.signature >= f.signature_total)]
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
    from .load import _mapping, composed_headers

    path = Path(path)
    raw = read_raw(path, _source(path), "deals", language)
    frame = raw.frame
    columns = [c for c in frame.columns if c != ROW]
    fits = []
    for prof in profiles().values():
        for table, entry in prof.tables.items():
            source = _source(path, prof.name, table)
            mapping = _mapping(composed_headers(columns, entry), SPECS[table], source)
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
        _decimal(frame), dates, fits, encoding_guess=raw.encoding_guess,
    )
    text_all = " ".join(columns) + " " + " ".join(frame[columns].astype("string").head(200).fillna("").agg(" ".join, axis=1))
    report.cyrillic = bool(re.search("[А-Яа-яЁё]", text_all))
    best = report.best
    # without a fitting profile the file is read as deals, by the headers that name a column themselves
    from .load import CURRENCY_HEADERS, MONEY, _find_header, row_currency

    table = best.table if best else "deals"
    source = _source(path, best.profile if best else None, table)
    side = profiles()[best.profile].tables[best.table] if best else {}
    report.mapping = _mapping(composed_headers(columns, side), SPECS[table], source)
    flags = side.get("flags") or {}
    report.flags = [c for c in (_find_header(columns, flags.get(k, [])) for k in ("won", "closed")) if c]
    if table in MONEY:
        report.currency_column = _find_header(columns, list(side.get("currency_columns") or CURRENCY_HEADERS))
    if report.currency_column:
        codes = row_currency(frame[report.currency_column]).dropna().value_counts()
        report.row_currencies = {str(k): int(v) for k, v in codes.items()}
    read = [c for parts in (side.get("compose") or {}).values() for c in parts] + list(side.get("owner_keys") or [])
    pattern = side.get("stage_columns")
    used = set(report.mapping) | set(report.flags) | {report.currency_column} | {_find_header(columns, [c]) for c in read}
    used |= {c for c in columns if pattern and re.fullmatch(pattern, c)}  # they become the stage history
    report.unmapped = [c for c in columns if c not in used]
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


def snippet(reports: list[FileReport], language: str | None = None, lang: str = "en") -> str:
    """A params file for ``reports``' files that validates as is: one table per file (the best fitting
    profile), the pipeline from the deals' stages, the period from the deals' creation dates. Its
    comments are in ``lang``; its keys are YAML keys and stay as they are."""
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
    rows = [c for c in deal_rep.row_currencies if c != "?"]
    currency = (deal_rep.currencies or rows or ["RUB" if ru else "EUR"])[0]  # the commonest first
    in_order = _stage_order(deal_rep)  # the pipeline's order is known only from "Date entered <stage>" columns
    stage_values = dict(in_order or deal_rep.values.get("stage", {}))
    history = tables.get("stage_history")
    if history is not None:
        from .detect import suggest

        for value, n in history[0].values.get("stage", {}).items():
            if value not in stage_values and not suggest([value], list(stage_values)):
                stage_values[value] = n
    stages, won, lost = _pipeline(stage_values)
    if "status" in deal_rep.values and stage_values and won not in stage_values and lost not in stage_values:
        # won/lost only in a status column (Pipedrive): the stages stay open
        stages = [s for s in stage_values] + ["Won", "Lost"]
        won, lost = "Won", "Lost"
    start, end = _period(deal_rep)
    folders = {r.path.resolve().parent for r, _ in tables.values()}
    common = Path(*Path(next(iter(folders))).parts) if len(folders) == 1 else None
    lines = [
        "client: {name: Client name, slug: client}",
        f"period: {{start: {start}, end: {end}}}   # {t('inspect.snippet.period', lang)}",
        f"currency: {currency}",
        f"language: {'ru' if ru else 'en'}",
        "pipeline:",
        f"  stages: [{', '.join(yaml_value(s) for s in stages)}]" + ("" if in_order else f"   # {t('inspect.snippet.stage_order', lang)}"),
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
            lines.append("      # " + t("inspect.snippet.columns", lang, _=""))
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


def _date_label(label: str, lang: str) -> str:
    """A date format label (``dd.mm.yyyy HH:MM``) in ``lang``: Russian writes the letters as дд.мм.гггг ЧЧ:ММ."""
    for key in ("ambiguous", "as_file", "unknown"):
        label = label.replace(t(f"inspect.date.{key}", "en"), t(f"inspect.date.{key}", lang))
    label = label.replace(" or ", t("inspect.date.or", lang))
    if lang == "ru":
        for en, ru in (("yyyy", "гггг"), ("mm", "мм"), ("dd", "дд"), ("HH", "ЧЧ"), ("MM", "ММ")):
            label = label.replace(en, ru)
    return label


def _encoding_line(rep: FileReport, lang: str) -> str:
    """The detected encoding, how sure and why, in ``lang``."""
    g = rep.encoding_guess
    if g is None:
        reason = rep.encoding_reason or ""
    elif g.kind == "scored":
        alt = t("inspect.enc.next", lang, encoding=g.runner_up) if g.runner_up else ""
        script = t(f"inspect.script.{g.script}", lang) if g.script in ("Cyrillic", "Latin") else g.script
        reason = t("inspect.enc.scored", lang, words=g.words, script=script, encoding=g.encoding, alt=alt)
    else:
        reason = t(f"inspect.enc.{g.kind}", lang)
    confidence = t(f"inspect.confidence.{rep.encoding_confidence}", lang) if rep.encoding_confidence else ""
    return t("inspect.encoding", lang, encoding=rep.encoding, confidence=confidence, reason=reason)


def render(reports: list[FileReport], language: str | None = None, lang: str | None = None) -> str:
    """The text ``auditkit inspect`` prints: one block per file, then the params snippet. Every line is in
    ``lang`` (default: ``language``, else English); ``language`` is the snippet's report language
    (None: Russian when the files hold Cyrillic)."""
    lang = lang or language or "en"
    labels = {k: t(f"inspect.label.{k}", lang) for k in
              ("encoding", "delimiter", "decimal", "dates", "profile", "mapped", "unmapped", "currency", "status")}
    width = max(10, *(len(v) for v in labels.values())) + 1

    def line(label: str, text: str) -> str:
        return f"  {label:<{width}}{text}"

    def count(n: int) -> str:
        return f"{n:,}".replace(",", "\u00a0") if lang == "ru" else f"{n:,}"

    out: list[str] = []
    for rep in reports:
        out.append(t("inspect.file", lang, path=rep.path, rows=count(rep.rows), columns=len(rep.columns)))
        if rep.encoding:
            out.append(line(labels["encoding"], _encoding_line(rep, lang)))
            out.append(line(labels["delimiter"], repr(rep.delimiter)))
        out.append(line(labels["decimal"], repr(rep.decimal)))
        for col, label in rep.dates.items():
            out.append(line(labels["dates"], f"{col}: {_date_label(label, lang)}"))
        best = rep.best
        if best is None:
            out.append(line(labels["profile"], t("inspect.fit.none", lang)))
            continue
        out.append(line(labels["profile"], best.describe(lang)))
        others = [f for f in rep.fits if f is not best and f.signature > 0][:2]
        for f in others:
            out.append(line("", t("inspect.fit.next", lang, fit=f.describe(lang))))
        for file_col, targets in rep.mapping.items():
            out.append(line(labels["mapped"], f"{file_col} -> {', '.join(targets)}"))
        if rep.flags:
            out.append(line(labels["status"], t("inspect.flags", lang, columns=", ".join(rep.flags))))
        if rep.unmapped:
            out.append(line(labels["unmapped"], ", ".join(rep.unmapped)))
        if rep.currencies:
            out.append(line(labels["currency"], t("inspect.currency.text", lang, codes=", ".join(rep.currencies))))
        if rep.currency_column:
            listed = ", ".join(f"{k} ({v})" for k, v in rep.row_currencies.items())
            out.append(line(labels["currency"], t("inspect.currency.column", lang, column=rep.currency_column, values=listed)))
            if len(rep.row_currencies) > 1:
                out.append(line("", t("inspect.currency.other", lang)))
        for col, counts in rep.values.items():
            listed = ", ".join(f"{k} ({v})" for k, v in counts.items())
            out.append(line(col, t("inspect.values", lang, listed=listed)))
    out.append("")
    out.append(t("inspect.snippet.intro", lang))
    out.append(snippet(reports, language, lang))
    return "\n".join(out)
