"""Step 1: the audit charter, its KPI targets and the data-request checklist."""

from __future__ import annotations

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
                "required_columns": ", ".join(SPECS[name].required),
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
            value=0.0,
            target=1.0,
            benchmark=t("finding.missing_table.benchmark", lang),
            unit="count",
            action="data.request_export",
        )
        for row in checklist.itertuples()
        if not row.provided
    ]
