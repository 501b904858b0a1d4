"""Step 1: the audit charter, its KPI targets and the data-request checklist."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .findings import Finding
from .kpis import KPIS
from .params import TABLES, AuditParams
from .schema import SPECS

# which steps each table feeds, and what is lost without it
UNLOCKS: dict[str, tuple[str, str]] = {
    "deals": ("2, 3, 4, 5, 7", "required: every KPI, the funnel, rep results"),
    "stage_history": ("3", "an exact funnel and time in each stage (without it the funnel is an estimate)"),
    "leads": ("2, 3, 6", "lead-to-deal conversion and lead response times"),
    "activities": ("4, 5", "rep activity, stale deals, CRM logging discipline"),
    "reps": ("4", "names, teams and tenure of the salespeople"),
    "targets": ("4", "quota attainment"),
    "assessments": ("4", "competency gaps and training needs"),
    "survey": ("5, 6", "how the team rates its tools and communication"),
    "tools": ("5", "tool cost against use"),
    "handoffs": ("6", "response times between departments"),
}


def charter(params: AuditParams) -> pd.DataFrame:
    """The audit's frame as two columns, item and value, in the report's language (no internal keys)."""
    from .report.format import Formatter
    from .report.text import t

    p, lang = params, params.language
    fmt = Formatter(lang, p.currency)
    hours = lambda h: t("charter.hours", lang, hours=fmt.number(h, 0 if float(h).is_integer() else 1))  # noqa: E731
    rows = [
        (t("charter.client", lang), p.client.name),
        (t("charter.period", lang), t("charter.period_value", lang, start=fmt.date(p.period.start), end=fmt.date(p.period.end))),
        (t("charter.currency", lang), p.currency),
        (t("charter.language", lang), t(f"charter.language.{p.language}", lang)),
        (t("charter.pipeline", lang), " → ".join(p.pipeline.open_stages) + f" → {p.pipeline.won} / {p.pipeline.lost}"),
        (t("charter.funnel_mode", lang), t(f"charter.funnel_mode.{p.pipeline.funnel_mode}", lang)),
        (t("charter.stale", lang), t("charter.stale_value", lang, days=p.thresholds.stale_after_days)),
        (t("charter.lead_sla", lang), hours(p.thresholds.lead_response_sla_hours)),
        (t("charter.handoff_sla", lang), hours(p.thresholds.handoff_sla_hours)),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def targets(params: AuditParams) -> pd.DataFrame:
    """The KPI targets: kpi, label (in the report's language), target, unit, better ('higher' or 'lower'), note."""
    rows = []
    for g in params.goals:
        k = KPIS[g.kpi]
        better = g.better
        rows.append({"kpi": g.kpi, "label": k.label_in(params.language), "target": g.target, "unit": k.unit, "better": "higher" if better == "max" else "lower", "note": g.note})  # better: a word key
    return pd.DataFrame(rows, columns=["kpi", "label", "target", "unit", "better", "note"])


def data_request(params: AuditParams) -> pd.DataFrame:
    """The data-request checklist: one row per canonical table with whether it is provided,
    its file, the required columns, the steps it feeds and what it unlocks (in the report's language)."""
    from .report.text import t

    rows = []
    for name in TABLES:
        src = params.data.tables.get(name)
        steps, _ = UNLOCKS[name]
        unlocks = t(f"unlocks.{name}", params.language)
        rows.append(
            {
                "table": name,
                "provided": src is not None,
                "file": src.path if src else "",
                "required_columns": ", ".join(SPECS[name].requested),
                "steps": steps,
                "unlocks": unlocks,
            }
        )
    return pd.DataFrame(rows)


def request_findings(checklist: pd.DataFrame, lang: str = "en") -> list[Finding]:
    """A finding per table not provided (in ``lang``): the analysis it would unlock is missing."""
    from .report.text import t

    return [
        Finding(
            step=1,
            kind="data.missing_table",
            subject=row.table,
            area="data",
            title=t("finding.missing_table.title", lang, table=t(f"table.{row.table}", lang), unlocks=row.unlocks),
            severity="medium" if row.table in ("stage_history", "activities", "leads") else "low",
            metric="table_provided",
            value=None,  # no number: a table not provided has nothing to compare with a target
            target=None,
            benchmark=t("finding.missing_table.benchmark", lang),
            unit="count",
            action="data.request_export",
        )
        for row in checklist.itertuples()
        if not row.provided
    ]


def checklist(params: AuditParams) -> pd.DataFrame:
    """The data request to send the client before the audit, derived from the params alone (no data
    needed): one row per canonical table, required tables first. Columns (text in the report's language):
    table (key), label, need ("required" / "optional", as words), required_columns, optional_columns,
    goals (the goal KPIs that cannot be measured without it), steps, lost (what is lost without it),
    provided (whether the params already name a file for it)."""
    from .report.text import field_names, t

    lang = params.language
    goal_kpis: dict[str, list[str]] = {}
    for g in params.goals:
        for table, _ in KPIS[g.kpi].requires:
            goal_kpis.setdefault(table, []).append(KPIS[g.kpi].label_in(lang))
    rows = []
    for name in TABLES:
        spec = SPECS[name]
        required = name == "deals" or name in goal_kpis
        rows.append({
            "table": name,
            "label": t(f"table.{name}", lang),
            "need": t("checklist.required" if required else "checklist.optional", lang),
            "required_columns": field_names(spec.requested, lang),
            "optional_columns": field_names([c for c in spec.names if c not in spec.requested], lang),
            "goals": ", ".join(dict.fromkeys(goal_kpis.get(name, []))),
            "steps": UNLOCKS[name][0],
            "lost": t(f"unlocks.{name}", lang),
            "provided": name in params.data.tables,
        })
    out = pd.DataFrame(rows)
    return out.sort_values("need", key=lambda s: s != t("checklist.required", lang), kind="stable").reset_index(drop=True)


def write_checklist(params: AuditParams, folder: Path | str) -> tuple[Path, Path]:
    """Write the data request as ``data-request.xlsx`` and ``data-request.md`` into ``folder`` (created),
    formula-safe; returns the two paths."""
    from openpyxl import Workbook

    from .report.format import safe_for_spreadsheet
    from .report.text import t

    lang = params.language
    df = checklist(params)
    shown = df.drop(columns=["table"]).assign(provided=[t("checklist.yes" if p else "checklist.no", lang) for p in df["provided"]])
    labels = {c: t(f"checklist.col.{c}", lang) for c in shown.columns}
    shown = safe_for_spreadsheet(shown.rename(columns=labels))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "data request"  # type: ignore[union-attr]
    ws.append(list(shown.columns))  # type: ignore[union-attr]
    for row in shown.itertuples(index=False):
        ws.append(list(row))  # type: ignore[union-attr]
    xlsx = folder / "data-request.xlsx"
    wb.save(xlsx)
    cell = lambda v: str(v).replace("|", "\\|").replace("\r", " ").replace("\n", " ")  # noqa: E731
    lines = [f"# {t('checklist.title', lang, client=params.client.name)}", "", t("checklist.intro", lang), "",
             "| " + " | ".join(cell(c) for c in shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    md = folder / "data-request.md"
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return xlsx, md
