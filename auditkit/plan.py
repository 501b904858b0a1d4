"""Step 7: the improvement plan, from the findings of steps 1-6 with the review applied.

:func:`build_plan` reads a run's findings (``<run>/findings/*.json``), applies the client's review
decisions (:mod:`auditkit.review`), ranks the catalog actions that answer them (:func:`rank_actions`,
rule in :data:`RANKING_RULE`), computes what-ifs for the top actions (:func:`what_if_conversion`),
scores maturity on six areas (:func:`maturity`), lays out a 30/60/90-day roadmap (:func:`roadmap`) and
an executive summary (:func:`summary`). :func:`export_plan` writes ``plan.xlsx`` and ``plan.md``.
Every function here is pure except the readers and the exporter; text comes from the text catalog.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from .actions import action_info, actions
from .findings import SEVERITIES, Finding, read_findings
from .report.format import Formatter, safe_for_spreadsheet
from .report.text import plural, t, word
from .review import Decision, Reviewed, apply_review, covered_steps, load_review, review_note

#: Severity points of a finding (its share of an action's impact).
SEVERITY_POINTS: dict[str, float] = {"info": 0.0, "low": 1.0, "medium": 2.0, "high": 3.0, "critical": 4.0}
#: Extra impact points for the action with the most revenue at stake (others in proportion).
MONEY_POINTS = 4.0
#: Impact points per finding beyond the most severe one, and their cap (breadth counts, but a pile of small
#: findings cannot outweigh one large problem).
BREADTH_POINTS, MAX_BREADTH_POINTS = 0.5, 2.0
#: Effort divisor of the score.
EFFORT_DIVISOR: dict[str, float] = {"low": 1.0, "medium": 1.5, "high": 2.0}
#: Sample size from which a finding's evidence counts as solid (confidence 1).
SOLID_SAMPLE = 30
#: Lowest confidence from sample size; confidence when the evidence records no sample size.
MIN_CONFIDENCE, UNKNOWN_SAMPLE_CONFIDENCE = 0.25, 0.5
#: Factor on confidence for a finding resting on an estimate (no value, or "estimate" in its kind).
ESTIMATE_FACTOR = 0.5
#: Evidence columns holding money at stake, and columns holding a sample size.
MONEY_FIELDS = ("revenue_at_risk", "amount", "lost_value", "open_value", "value_at_stake")
SAMPLE_FIELDS = ("entered", "closed", "deals", "leads", "respondents", "n", "handoffs", "requests", "answered", "count", "rows")
#: Kinds that many actions answer: only the finding's own action and those measured by its KPI take them.
GENERIC_KINDS = ("goal.off_target", "process.velocity.lever")

#: The six maturity areas and the finding kinds (prefixes) that count as evidence against each.
AREAS: dict[str, tuple[str, ...]] = {
    "pipeline": ("process.bottleneck.", "process.velocity.", "tech.hygiene.stale_deals", "tech.hygiene.overdue_close", "goal.off_target"),
    "leads": ("comms.lead_response.",),
    "discipline": ("process.lost_reason", "process.funnel_estimate", "tech.hygiene.stage_gaps", "tech.hygiene.key_field_empty", "process.segment."),
    "people": ("people.",),
    "crm": ("tech.tools.", "tech.hygiene.logging_lag", "data.quality.", "survey.low_dimension"),
    "alignment": ("comms.handoff.", "survey.sales_gap"),
}
#: Severity points each finding takes off an area's score of 5.
MATURITY_PENALTY: dict[str, float] = {"info": 0.0, "low": 0.5, "medium": 1.0, "high": 1.5, "critical": 2.0}
LEVELS = ("adhoc", "emerging", "defined", "managed", "optimised")


# -- collecting -------------------------------------------------------------------------------------

def collect(run_dir: Path | str, review_path: Path | str | None = None) -> Reviewed:
    """The run's findings (every ``findings/*.json``) with the review decisions at ``review_path`` applied
    (a decision is archived only when its step is in the run: :func:`auditkit.review.apply_review`)."""
    folder = Path(run_dir) / "findings"
    found = read_findings(folder) if folder.is_dir() else []
    decisions = load_review(review_path) if review_path else {}
    return apply_review(found, decisions, covered_steps(run_dir))


def not_available_of(run_dir: Path | str) -> list[dict[str, Any]]:
    """Every step's "not available" records of the run, each with its ``step`` (file stem)."""
    out: list[dict[str, Any]] = []
    for path in sorted((Path(run_dir) / "findings").glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(body, dict):
            out.extend({**r, "step": path.stem} for r in body.get("not_available", []))
    return out


# -- evidence: money at stake and confidence ---------------------------------------------------------

def _subject_rows(f: Finding) -> list[dict[str, Any]]:
    """The evidence rows about the finding's subject (a row holding the subject as a value), else all."""
    if f.subject:
        rows = [r for r in f.evidence if any(isinstance(v, str) and v == f.subject for v in r.values())]
        if rows:
            return rows
    return list(f.evidence)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def money_at_stake(f: Finding) -> float | None:
    """Revenue at stake in a finding (money): the gap to target of a money finding, else the sum of the
    money columns (:data:`MONEY_FIELDS`) of its evidence rows about its subject; None when it has no money."""
    if f.unit == "money" and _finite(f.value):
        return abs(float(f.target) - float(f.value)) if _finite(f.target) else abs(float(f.value))  # type: ignore[arg-type]
    total, seen = 0.0, False
    for row in _subject_rows(f):
        for col in MONEY_FIELDS:
            if _finite(row.get(col)):
                total += abs(float(row[col]))
                seen = True
    return total if seen else None


def sample_size(f: Finding) -> int | None:
    """The largest sample size (:data:`SAMPLE_FIELDS`) in the evidence rows about the subject; None when none."""
    sizes = [row[c] for row in _subject_rows(f) for c in SAMPLE_FIELDS if _finite(row.get(c))]
    return int(max(sizes)) if sizes else None


def confidence(f: Finding) -> float:
    """How solid a finding is, 0-1: sample size / :data:`SOLID_SAMPLE` (at least :data:`MIN_CONFIDENCE`,
    at most 1; :data:`UNKNOWN_SAMPLE_CONFIDENCE` when no sample size is recorded), halved when it rests on
    an estimate (no measured value, or "estimate" in its kind or metric)."""
    n = sample_size(f)
    c = UNKNOWN_SAMPLE_CONFIDENCE if n is None else min(1.0, max(MIN_CONFIDENCE, n / SOLID_SAMPLE))
    if f.value is None or "estimate" in f.kind or "estimate" in f.metric:
        c *= ESTIMATE_FACTOR
    return c


# -- ranking ----------------------------------------------------------------------------------------

def actions_of(f: Finding) -> list[str]:
    """The catalog actions a finding feeds: its own action and every action answering its kind (for the
    generic kinds in :data:`GENERIC_KINDS`, only those whose progress KPI is the finding's metric)."""
    keys = [f.action] if f.action else []
    for key in actions():
        info = action_info(key)
        if key in keys or not info.answers_kind(f.kind):
            continue
        if f.kind in GENERIC_KINDS and info.kpi not in (f.metric, f.subject, f.metric.rsplit(".", 1)[-1]):
            continue
        keys.append(key)
    return keys


def rank_actions(findings: Iterable[Finding], lang: str = "en") -> pd.DataFrame:
    """The candidate actions, best first. Columns: rank, action (key), text, findings (count), finding_ids
    (list), own (findings naming the action themselves), money_at_stake (money, NaN when none), impact,
    confidence (0-1), effort, score, effect, owner, timeframe (days), kpi. Rule: :data:`RANKING_RULE`."""
    fs = [f for f in findings if f.severity != "info"]
    groups: dict[str, list[Finding]] = {}
    for f in fs:
        for key in actions_of(f):
            groups.setdefault(key, []).append(f)
    cols = ["rank", "action", "text", "findings", "finding_ids", "own", "money_at_stake", "impact", "confidence",
            "effort", "score", "effect", "owner", "timeframe", "kpi"]
    if not groups:
        return pd.DataFrame(columns=cols)
    money = {}
    for key, group in groups.items():
        ms = [m for m in (money_at_stake(f) for f in group) if m is not None]
        money[key] = sum(ms) if ms else math.nan
    top_money = max((m for m in money.values() if not math.isnan(m)), default=0.0)
    rows = []
    for key, group in groups.items():
        info = action_info(key)
        m = money[key]
        impact = max(SEVERITY_POINTS[f.severity] for f in group) + min(MAX_BREADTH_POINTS, BREADTH_POINTS * (len(group) - 1))
        if top_money > 0 and not math.isnan(m):
            impact += MONEY_POINTS * m / top_money
        conf = sum(confidence(f) for f in group) / len(group)
        rows.append({
            "action": key, "text": info.text_in(lang), "findings": len(group), "finding_ids": [f.id for f in group],
            "own": sum(f.action == key for f in group), "money_at_stake": m, "impact": round(impact, 3),
            "confidence": round(conf, 3), "effort": info.effort, "score": round(impact * conf / EFFORT_DIVISOR[info.effort], 3),
            "effect": info.effect_in(lang), "owner": info.owner_in(lang), "timeframe": info.timeframe, "kpi": info.kpi,
        })
    out = pd.DataFrame(rows).sort_values(["score", "own", "action"], ascending=[False, False, True], kind="stable")
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[cols].reset_index(drop=True)


def ranking_rule(lang: str = "en") -> str:
    """The ranking rule as a sentence in ``lang`` (its numbers written as the language writes them)."""
    n = Formatter(lang).short
    return t("plan.rule.ranking", lang, money=n(MONEY_POINTS), breadth=n(BREADTH_POINTS), cap=n(MAX_BREADTH_POINTS), solid=n(SOLID_SAMPLE), low=n(MIN_CONFIDENCE),
             unknown=n(UNKNOWN_SAMPLE_CONFIDENCE), medium=n(EFFORT_DIVISOR["medium"]), high=n(EFFORT_DIVISOR["high"]))


# -- what-if ----------------------------------------------------------------------------------------

def clauses(sentences: Iterable[str]) -> str:
    """Sentences joined as the clauses of one sentence: "; " between them, each begun in lower case unless it
    begins with an abbreviation ("CRM data ..."): "Deals move; CRM ..." reads "deals move; CRM ..."."""
    def clause(text: str) -> str:
        text = str(text).strip().rstrip(".")
        return text[:1].lower() + text[1:] if text[1:2].islower() else text

    return "; ".join(clause(s) for s in sentences if str(s).strip())


def what_if_conversion(entered: float, current: float, target: float, downstream_win_rate: float,
                       avg_won_deal: float, months: float) -> dict[str, float]:
    """What a stage's conversion at ``target`` instead of ``current`` would give per quarter.

    ``entered`` deals entered the stage over ``months`` months; at the target, ``entered x (target -
    current)`` more deals pass it; they are assumed to win as often as the deals after the stage do today
    (``downstream_win_rate``) and at today's average won deal (money). Returns extra_passed, extra_won
    (deals per quarter) and extra_revenue (money per quarter); zero gain when the stage already meets it."""
    per_quarter = entered / months * 3
    extra_passed = per_quarter * max(0.0, target - current)
    extra_won = extra_passed * downstream_win_rate
    return {"extra_passed": extra_passed, "extra_won": extra_won, "extra_revenue": extra_won * avg_won_deal}


def _kpi_values(run_dir: Path | None) -> dict[str, float]:
    path = run_dir / "tables" / "02_headline_kpis.csv" if run_dir else None
    if path is None or not path.is_file():
        return {}
    df = pd.read_csv(path, encoding="utf-8-sig")
    return {str(r["kpi"]): float(r["value"]) for _, r in df.iterrows() if _finite(r["value"])}


def _downstream(run_dir: Path | None) -> dict[str, float]:
    path = run_dir / "tables" / "03_bottlenecks.csv" if run_dir else None
    if path is None or not path.is_file():
        return {}
    df = pd.read_csv(path, encoding="utf-8-sig")
    if "downstream_win_rate" not in df or "stage" not in df:
        return {}
    return {str(s): float(v) for s, v in zip(df["stage"], df["downstream_win_rate"]) if _finite(v)}


def what_ifs(ranked: pd.DataFrame, findings: Iterable[Finding], kpis: Mapping[str, float],
             downstream: Mapping[str, float], months: float | None, lang: str = "en", top: int = 5,
             fmt: Formatter | None = None) -> pd.DataFrame:
    """What-if rows for the stage-conversion findings of the ``top`` ranked actions (each finding once, with
    the best-ranked action answering it): action, subject,
    current, target (shares), extra_won (deals per quarter), extra_revenue (money per quarter),
    assumption (sentence); a row whose inputs are missing says why in ``assumption``, with NaN numbers."""
    fmt = fmt or Formatter(lang)
    by_id = {f.id: f for f in findings}
    rows, seen = [], set()
    for _, a in ranked.head(top).iterrows():
        for fid in a["finding_ids"]:
            f = by_id.get(fid)
            if fid in seen or f is None or f.kind != "process.bottleneck.conversion" or not (_finite(f.value) and _finite(f.target)):
                continue
            seen.add(fid)
            row = {"action": a["text"], "subject": f.subject, "current": f.value, "target": f.target,
                   "extra_won": math.nan, "extra_revenue": math.nan}
            entered = next((r.get("entered") for r in _subject_rows(f) if _finite(r.get("entered"))), None)
            missing = [name for name, ok in (("entered", entered is not None), ("downstream_win_rate", f.subject in downstream),
                                             ("period", bool(months))) if not ok]
            if missing:
                row["assumption"] = t("plan.whatif.missing", lang, what=", ".join(t(f"plan.whatif.need.{m}", lang) for m in missing))
            else:
                # the extra won deals need counts and rates only; their revenue needs the average won deal too
                money = "avg_won_deal" in kpis
                w = what_if_conversion(float(entered), float(f.value), float(f.target), downstream[f.subject],  # type: ignore[arg-type]
                                       kpis["avg_won_deal"] if money else math.nan, float(months))  # type: ignore[arg-type]
                row.update(extra_won=w["extra_won"], extra_revenue=w["extra_revenue"] if money else math.nan)
                values = dict(stage=f.subject, target=fmt.share(f.target), entered=fmt.number(entered), months=fmt.number(months),
                              win=fmt.share(downstream[f.subject]))
                if money:
                    row["assumption"] = t("plan.whatif.assumption", lang, avg=fmt.money(kpis["avg_won_deal"]), **values)
                else:
                    row["assumption"] = t("plan.whatif.assumption_deals", lang, **values) + " " + t(
                        "plan.whatif.no_revenue", lang, what=t("plan.whatif.need.avg_won_deal", lang))
                if f.benchmark:
                    row["assumption"] += " " + t("plan.whatif.benchmark", lang, benchmark=f.benchmark)
            rows.append(row)
    return pd.DataFrame(rows, columns=["action", "subject", "current", "target", "extra_won", "extra_revenue", "assumption"])


# -- maturity ---------------------------------------------------------------------------------------

#: Goal findings (``goal.off_target``) by the KPI they are about; other KPIs count for the pipeline.
GOAL_AREAS: dict[str, str] = {
    "lost_without_reason_share": "discipline", "lead_response_hours": "leads", "lead_to_deal_conversion": "leads", "leads": "leads",
}


def area_for(f: Finding) -> str | None:
    """The maturity area a finding is evidence for: goal findings by their KPI (:data:`GOAL_AREAS`), the
    others by kind (:func:`area_of`)."""
    if f.kind == "goal.off_target":
        return GOAL_AREAS.get(f.subject) or GOAL_AREAS.get(f.metric) or "pipeline"
    return area_of(f.kind)


def area_of(kind: str) -> str | None:
    """The maturity area a finding kind is evidence for (None when none)."""
    for area, prefixes in AREAS.items():
        if any(kind == p or kind.startswith(p) for p in prefixes):
            return area
    return None


def maturity(findings: Iterable[Finding], assessed: Mapping[str, bool], lang: str = "en") -> pd.DataFrame:
    """Maturity 1-5 per area (:data:`AREAS`): 5 minus :data:`MATURITY_PENALTY` points per finding about the
    area, rounded down and never below 1 (any finding above info costs at least one level); NaN with level "not assessed" where ``assessed[area]`` is False.
    Columns: area (key), label, score, level, findings (count), evidence (the finding titles)."""
    by_area: dict[str, list[Finding]] = {a: [] for a in AREAS}
    for f in findings:
        area = area_for(f)
        if area is not None:
            by_area[area].append(f)
    rows = []
    for area, fs in by_area.items():
        if not assessed.get(area, False):
            score, level = math.nan, t("plan.level.none", lang)
        else:
            raw = max(1.0, 5.0 - sum(MATURITY_PENALTY[f.severity] for f in fs))
            score = float(math.floor(raw))
            level = t(f"plan.level.{LEVELS[int(score) - 1]}", lang)
        rows.append({"area": area, "label": t(f"plan.area.{area}", lang), "score": score, "level": level,
                     "findings": len(fs), "evidence": "; ".join(f.title for f in fs[:5])})
    return pd.DataFrame(rows)


#: Per area: the steps whose findings file must exist, and the "not available" records that leave it unassessed.
AREA_SOURCES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pipeline": (("03_process",), ("table.stage_history+table.activities",)),
    "leads": (("06_communication",), ("table.leads",)),
    "discipline": (("03_process", "05_technology"), ("table.stage_history+kpi.lost_without_reason_share",)),
    "people": (("04_people",), ("table.activities+table.assessments",)),
    "crm": (("05_technology", "02_data"), ()),
    "alignment": (("06_communication",), ("table.handoffs+table.survey",)),
}


def assessed_areas(run_dir: Path | str) -> dict[str, bool]:
    """Which areas the run measured: one of the area's steps wrote its findings, and the area's own input
    was not reported missing ("a+b": missing only when both are)."""
    folder = Path(run_dir) / "findings"
    steps = {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()
    missing = {str(r.get("what")) for r in not_available_of(run_dir)}
    out = {}
    for area, (need_steps, gaps) in AREA_SOURCES.items():
        gone = any(all(g in missing for g in gap.split("+")) for gap in gaps)
        out[area] = bool(steps & set(need_steps)) and not gone
    return out


def maturity_rule(lang: str = "en") -> str:
    """The maturity rule as a sentence in ``lang`` (its numbers written as the language writes them)."""
    p, n = MATURITY_PENALTY, Formatter(lang).short
    return t("plan.rule.maturity", lang, low=n(p["low"]), medium=n(p["medium"]), high=n(p["high"]), critical=n(p["critical"]))


# -- roadmap and summary ----------------------------------------------------------------------------

def roadmap(ranked: pd.DataFrame, top: int = 12, lang: str = "en") -> pd.DataFrame:
    """The ``top`` ranked actions laid out by time frame (30, 60, 90 days), then rank. Columns: timeframe,
    rank, text, owner, kpi (its label in ``lang``, "" when none), effect."""
    from .kpis import KPIS

    r = ranked.head(top).copy()
    r["kpi"] = [KPIS[k].label_in(lang) if k in KPIS else "" for k in r["kpi"]]
    r = r.sort_values(["timeframe", "rank"], kind="stable")
    return r[["timeframe", "rank", "text", "owner", "kpi", "effect"]].reset_index(drop=True)


def top_problems(findings: Iterable[Finding], n: int = 3) -> list[Finding]:
    """The ``n`` biggest problems: most severe first, then most money at stake, then most confident."""
    return sorted((f for f in findings if f.severity != "info"), key=_problem_key)[:n]


def _problem_key(f: Finding) -> tuple[float, float, float, str]:
    """Sort key of problems: most severe first, then most money at stake, then most confident."""
    m = money_at_stake(f)
    return (-SEVERITIES.index(f.severity), -(m or 0.0), -confidence(f), f.id)


def first_actions(ranked: pd.DataFrame, findings: Iterable[Finding], n: int = 3) -> pd.DataFrame:
    """The ``n`` first actions: best ranked, each leading on a problem no earlier one answers. An action's
    lead problem is its biggest finding (:func:`top_problems` order); an action whose lead problem an
    earlier first action already answers is passed over."""
    by_id = {f.id: f for f in findings}
    chosen: list[Any] = []
    covered: set[str] = set()
    for i, r in ranked.iterrows():
        fs = [by_id[x] for x in r["finding_ids"] if x in by_id]
        if not fs:
            continue
        lead = min(fs, key=_problem_key)
        if lead.id not in covered:
            chosen.append(i)
            covered |= set(r["finding_ids"])
        if len(chosen) == n:
            break
    return ranked.loc[chosen]


# -- the plan ---------------------------------------------------------------------------------------

@dataclass
class Plan:
    """Everything step 7 shows and exports."""

    lang: str
    reviewed: Reviewed
    ranked: pd.DataFrame
    what_if: pd.DataFrame
    maturity: pd.DataFrame
    roadmap: pd.DataFrame
    problems: list[Finding]
    first: pd.DataFrame
    fmt: Formatter = field(default_factory=Formatter)

    @property
    def findings(self) -> list[Finding]:
        return self.reviewed.kept

    def expected_effect(self) -> str:
        """One sentence: the what-if revenue per quarter of the first actions, or their effects."""
        gain = self.what_if["extra_revenue"].sum(min_count=1) if len(self.what_if) else math.nan
        won = round(float(self.what_if["extra_won"].sum())) if len(self.what_if) else 0  # whole deals: "2.3 deals" is nothing to win
        if _finite(gain) and gain > 0:
            if won < 1:
                return t("plan.summary.effect_money_only", self.lang, money=self.fmt.money(gain))
            return t("plan.summary.effect_money", self.lang, won=plural(won, "n.extra_won", self.lang), money=self.fmt.money(gain))
        if won >= 1:  # the deals are known, their revenue is not (no amounts)
            return t("plan.summary.effect_deals", self.lang, won=plural(won, "n.extra_won", self.lang))
        return t("plan.summary.effect_text", self.lang, effects=clauses(self.first["effect"]))

    def findings_table(self) -> pd.DataFrame:
        """The kept findings with their review notes: id, step, severity (the reviewed one), title, reviewed
        (status, who and when, the severity change, the comment: :func:`auditkit.review.review_note`)."""
        rows = []
        for f in self.findings:
            d: Decision | None = self.reviewed.notes.get(f.id)
            note = review_note(d, self.lang, self.reviewed.severity_was.get(f.id, f.severity)) if d is not None else ""
            rows.append({"id": f.id, "step": f.step, "severity": f.severity, "title": f.title, "reviewed": note})
        return pd.DataFrame(rows, columns=["id", "step", "severity", "title", "reviewed"])


def build_plan(run_dir: Path | str, review_path: Path | str | None = None, lang: str = "en", currency: str = "EUR",
               months: float | None = None, top: int = 12) -> Plan:
    """The plan of a run: findings with the review applied, ranked actions, what-ifs (per quarter over a
    period of ``months`` months), maturity, roadmap and summary."""
    run = Path(run_dir)
    fmt = Formatter(lang, currency)
    reviewed = collect(run, review_path)
    ranked = rank_actions(reviewed.kept, lang)
    wi = what_ifs(ranked, reviewed.kept, _kpi_values(run), _downstream(run), months, lang, fmt=fmt)
    mat = maturity(reviewed.kept, assessed_areas(run), lang)
    return Plan(lang, reviewed, ranked, wi, mat, roadmap(ranked, top, lang), top_problems(reviewed.kept), first_actions(ranked, reviewed.kept), fmt)


def period_months(start: Any, end: Any) -> float:
    """Months between ``start`` and the exclusive ``end`` (days / 30.4375)."""
    return float((pd.Timestamp(end) - pd.Timestamp(start)).days / 30.4375)


def column_labels(columns: Iterable[str], lang: str) -> dict[str, str]:
    """Report labels for the plan's table columns (``plan.col.<name>``); a catalog key column (``action``,
    ``area``) beside its text (``text``, ``label``) is labelled as the key."""
    from .report.text import has

    columns = list(columns)
    labels = {c: t(f"plan.col.{c}", lang) for c in columns if has(f"plan.col.{c}")}
    for key_col in ("action", "area"):
        if key_col in columns and ("text" in columns or "label" in columns):
            labels[key_col] = t("plan.col.key", lang)
    return labels


#: Units of the plan's table columns, for ``step.table``.
UNITS: dict[str, str] = {
    "money_at_stake": "money", "impact": "number", "confidence": "number", "score": "number", "findings": "count",
    "current": "share", "target": "share", "extra_won": "number", "extra_revenue": "money", "timeframe": "count",
    "rank": "count", "step": "count",
}


def dismissed_table(plan: Plan) -> pd.DataFrame:
    """The findings dismissed in review: step, severity, title, reason, reviewed (who, when)."""
    rows = [{"step": f.step, "severity": f.severity, "title": f.title, "reason": d.reason,
             "reviewed": t("plan.review.note", plan.lang, status=t("plan.status.dismissed", plan.lang), by=d.by, at=d.at[:10])}
            for f, d in plan.reviewed.dismissed]
    return pd.DataFrame(rows, columns=["step", "severity", "title", "reason", "reviewed"])


def archived_table(plan: Plan) -> pd.DataFrame:
    """The archived decisions (their finding is not in this run): title, reviewed (status, who, when), reason, comment."""
    rows = [{"title": d.title or d.finding_id, "reviewed": t("plan.review.note", plan.lang, status=t(f"plan.status.{d.status}", plan.lang), by=d.by, at=d.at[:10]),
             "reason": d.reason, "comment": d.comment} for d in plan.reviewed.archived.values()]
    return pd.DataFrame(rows, columns=["title", "reviewed", "reason", "comment"])


# -- exports ----------------------------------------------------------------------------------------

def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _md_table(df: pd.DataFrame) -> list[str]:
    if df.empty:
        return []
    lines = ["| " + " | ".join(_md_cell(c) for c in df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(_md_cell("–" if isinstance(v, float) and math.isnan(v) else v) for v in row) + " |"
              for row in df.itertuples(index=False)]
    return lines


def _readable(df: pd.DataFrame, plan: Plan, fmt_numbers: bool) -> pd.DataFrame:
    """``df`` with report labels as column names, efforts and severities in the plan's language and, with
    ``fmt_numbers``, numbers formatted by unit ("–" where not available)."""
    out = df.copy()
    for col, prefix in (("effort", "plan.effort"), ("severity", "severity")):
        if col in out:
            out[col] = [word(v, plan.lang, prefix) for v in out[col]]
    if "kpi" in out:
        from .kpis import KPIS

        out["kpi"] = [KPIS[k].label_in(plan.lang) if k in KPIS else k for k in out["kpi"]]
    if fmt_numbers:
        units = {**UNITS, "score": "count"} if "level" in out else UNITS  # maturity scores are whole levels
        for col, unit in units.items():
            if col in out:
                out[col] = [plan.fmt.by_unit(v, unit) if _finite(v) else "–" for v in out[col]]
    return out.rename(columns=column_labels(out.columns, plan.lang))


def _sheets(plan: Plan) -> dict[str, pd.DataFrame]:
    lang = plan.lang
    ranked = plan.ranked.drop(columns=["finding_ids"]).copy()
    summary = pd.DataFrame(
        [{"part": t("plan.h.problems", lang), "item": f.title} for f in plan.problems]
        + [{"part": t("plan.h.first_actions", lang), "item": s} for s in plan.first["text"]]
        + [{"part": t("plan.h.effect", lang), "item": plan.expected_effect()}]
    )
    return {
        "summary": summary, "actions": ranked, "what_if": plan.what_if, "maturity": plan.maturity,
        "roadmap": plan.roadmap, "findings": plan.findings_table(),
    }


def export_plan(plan: Plan, folder: Path | str) -> tuple[Path, Path]:
    """Write ``plan.xlsx`` (one sheet per part) and ``plan.md`` into ``folder``; every text cell is made
    formula-safe first. Returns the two paths."""
    from openpyxl import Workbook

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lang = plan.lang
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, df in _sheets(plan).items():
        ws = wb.create_sheet(name)
        safe = safe_for_spreadsheet(_readable(df, plan, fmt_numbers=False))
        ws.append([str(c) for c in safe.columns])
        for row in safe.itertuples(index=False):
            ws.append([None if isinstance(v, float) and math.isnan(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    xlsx = folder / "plan.xlsx"
    wb.save(xlsx)
    lines = [f"# {t('plan.title', lang)}", "", f"## {t('plan.h.summary', lang)}", "", f"### {t('plan.h.problems', lang)}", ""]
    lines += [f"{i}. {_md_cell(f.title)}" for i, f in enumerate(plan.problems, 1)] or [t("plan.none", lang)]
    lines += ["", f"### {t('plan.h.first_actions', lang)}", ""]
    lines += [f"{i}. {_md_cell(s)}" for i, s in enumerate(plan.first["text"], 1)] or [t("plan.none", lang)]
    lines += ["", f"### {t('plan.h.effect', lang)}", "", _md_cell(plan.expected_effect()), ""]
    for key, df, rule in (("plan.h.actions", plan.ranked.drop(columns=["finding_ids", "effect"]), ranking_rule(lang)),
                          ("plan.h.whatif", plan.what_if, ""), ("plan.h.maturity", plan.maturity, maturity_rule(lang)),
                          ("plan.h.roadmap", plan.roadmap, ""), ("plan.h.findings", plan.findings_table(), "")):
        lines += [f"## {t(key, lang)}", ""] + ([_md_cell(rule), ""] if rule else []) + (_md_table(_readable(df, plan, True)) or [t("plan.none", lang)]) + [""]
    md = folder / "plan.md"
    md.write_text("\n".join(lines), encoding="utf-8")
    return xlsx, md
