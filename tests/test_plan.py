"""Step 7's plan (auditkit.plan) on hand-built findings, worked out by hand.

Findings (the ``FINDINGS`` below):

- F1 process.bottleneck.conversion at "Proposal", high, 30% against a 50% target; its evidence row for
  Proposal holds entered 60 and revenue_at_risk 24,000 (the New row is about another stage and is ignored):
  money at stake 24,000, sample 60 -> confidence min(1, 60/30) = 1.
- F2 tech.hygiene.stale_deals, medium; evidence of two deals with amounts 5,000 and 1,000 and no row about
  its subject: money 6,000; no sample size recorded -> confidence 0.5.
- F3 people.win_rate.low for "Rep 7", low; evidence closed 6 -> 6/30 = 0.2, raised to the floor 0.25; no money.
- F4 process.funnel_estimate, info: left out of the ranking (info findings plan nothing).

Actions fed (own action + catalog actions answering the kind), impact = the severity points of the most
severe finding + 0.5 per further finding (at most 2) + 4 x money / 24,000 (the largest money of any
action), score = impact x confidence / effort (low 1, medium 1.5). Each action here answers one finding:

- F1 (3 + 4 = 7 points, conf 1): process.qualification_framework (low) 7, process.stage_exit_criteria
  (low) 7, process.fix_stage_conversion (medium) 7 / 1.5 = 4.667.
- F2 (2 + 4 x 6,000/24,000 = 3 points, conf 0.5): tech.clean_stale_deals (low) 1.5,
  process.weekly_pipeline_review (low) 1.5, tech.pipeline_dashboard (medium) 1.0.
- F3 (1 point, conf 0.25): people.call_review_pairing (low) 0.25, people.coach_underperformer (medium)
  0.167, people.individual_plans (medium) 0.167.

Ties go to the action the finding names itself, then by key. The three first actions each lead on a
problem no earlier one answers: qualification_framework (F1), clean_stale_deals (F2), call_review_pairing
(F3). The three biggest problems: F1, F2, F3 (by severity).

Breadth: F1 with five medium skill gaps G1..G5 (no sample size: confidence 0.5). call_review_pairing answers
all five: 2 + 0.5 x 4 = 4 points, x 0.5 / 1 = 2.0; with the old "sum of severities" it would have had 10
points and beaten F1's 7. The F1 actions stay on top (7, 7, 4.667), then call_review_pairing 2.0, then
train_competency and individual_plans (4 x 0.5 / 1.5 = 1.333).
The first actions: qualification_framework (lead F1), then call_review_pairing (lead G1..G5, all equal: the
smallest id); stage_exit_criteria and fix_stage_conversion lead on F1, already answered, and are passed over.

What-if for F1 over a 6-month period with a downstream win rate of 50% and an average won deal of 8,000:
60 entered / 6 x 3 = 30 per quarter; 30 x (0.5 - 0.3) = 6 more pass Proposal; x 0.5 = 3 more won deals;
x 8,000 = 24,000 more revenue per quarter.

Maturity (5 minus low 0.5, medium 1, high 1.5, critical 2 per finding, rounded down, at least 1):
pipeline F1 high + F2 medium -> 5 - 2.5 = 2.5 -> 2; people F3 low -> 4.5 -> 4; discipline F4 info -> 5;
crm three critical findings -> 5 - 6 < 1 -> 1; alignment assessed with no finding -> 5; leads not assessed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from auditkit import plan as P
from auditkit.findings import Finding, write_findings
from auditkit.review import decide, save_review


def F(kind: str, subject: str, severity: str, value: float | None = None, target: float | None = None,
      unit: str = "", action: str | None = None, evidence: list | None = None, title: str = "", step: int = 3) -> Finding:
    return Finding(step=step, kind=kind, subject=subject, title=title or f"{kind} {subject}", severity=severity,  # type: ignore[arg-type]
                   metric="m", value=value, target=target, unit=unit, action=action, evidence=evidence or [])


F1 = F("process.bottleneck.conversion", "Proposal", "high", 0.3, 0.5, "share", "process.fix_stage_conversion",
       [{"stage": "New", "entered": 100, "revenue_at_risk": 99999.0}, {"stage": "Proposal", "entered": 60, "revenue_at_risk": 24000.0}])
F2 = F("tech.hygiene.stale_deals", "all", "medium", 0.2, None, "share", "tech.clean_stale_deals",
       [{"deal_id": "d1", "amount": 5000.0}, {"deal_id": "d2", "amount": 1000.0}], step=5)
F3 = F("people.win_rate.low", "Rep 7", "low", 0.1, 0.3, "share", "people.coach_underperformer", [{"rep": "Rep 7", "closed": 6}], step=4)
F4 = F("process.funnel_estimate", "funnel", "info", action="process.record_stage_history")
FINDINGS = [F1, F2, F3, F4]


def test_evidence_measures() -> None:
    assert P.money_at_stake(F1) == 24000.0
    assert P.money_at_stake(F2) == 6000.0
    assert P.money_at_stake(F3) is None
    assert P.money_at_stake(F("goal.off_target", "won_value", "high", 70000.0, 100000.0, "money")) == 30000.0
    assert (P.sample_size(F1), P.confidence(F1)) == (60, 1.0)
    assert (P.sample_size(F2), P.confidence(F2)) == (None, 0.5)
    assert P.confidence(F3) == 0.25
    assert P.confidence(F4) == 0.25  # no sample size (0.5), halved: an estimate


def test_ranking() -> None:
    r = P.rank_actions(FINDINGS)
    assert list(r["action"]) == [
        "process.qualification_framework", "process.stage_exit_criteria", "process.fix_stage_conversion",
        "tech.clean_stale_deals", "process.weekly_pipeline_review", "tech.pipeline_dashboard",
        "people.call_review_pairing", "people.coach_underperformer", "people.individual_plans",
    ]
    assert list(r["score"]) == [7.0, 7.0, 4.667, 1.5, 1.5, 1.0, 0.25, 0.167, 0.167]
    assert list(r["rank"]) == list(range(1, 10))
    assert r.loc[r["action"] == "tech.clean_stale_deals", "money_at_stake"].item() == 6000.0
    assert math.isnan(r.loc[r["action"] == "people.call_review_pairing", "money_at_stake"].item())
    assert list(P.first_actions(r, FINDINGS)["action"]) == ["process.qualification_framework", "tech.clean_stale_deals", "people.call_review_pairing"]
    assert [f.id for f in P.top_problems(FINDINGS)] == [F1.id, F2.id, F3.id]
    assert "score = impact × confidence / effort" in P.ranking_rule("en")
    assert "балл = влияние" in P.ranking_rule("ru")
    # the rule's constants are written as the language writes numbers: 0.5 in English, 0,5 in Russian
    assert "plus 0.5 for each further finding" in P.ranking_rule("en") and "плюс 0,5 за каждый следующий вывод" in P.ranking_rule("ru")
    assert "(low 0.5, medium 1, high 1.5" in P.maturity_rule("en") and "(низкая 0,5, средняя 1, высокая 1,5" in P.maturity_rule("ru")
    assert P.rank_actions([F4]).empty


def test_ranking_breadth_is_capped() -> None:
    gaps = [F("people.skill_gap", f"R1 skill {i}", "medium", 2.0, 3.0, "score", "people.train_competency", step=4) for i in range(5)]
    r = P.rank_actions([F1, *gaps])
    top = r.set_index("action")["score"]
    assert list(r["action"][:3]) == ["process.qualification_framework", "process.stage_exit_criteria", "process.fix_stage_conversion"]
    assert (top["people.call_review_pairing"], top["people.train_competency"], top["people.individual_plans"]) == (2.0, 1.333, 1.333)
    assert r.set_index("action").loc["people.call_review_pairing", "impact"] == 4.0
    assert list(P.first_actions(r, [F1, *gaps])["action"]) == ["process.qualification_framework", "people.call_review_pairing"]


def test_what_if_by_hand() -> None:
    w = P.what_if_conversion(entered=120, current=0.25, target=0.40, downstream_win_rate=0.5, avg_won_deal=10000, months=12)
    # 120 / 12 x 3 = 30 per quarter; 30 x 0.15 = 4.5 more pass; x 0.5 = 2.25 won; x 10,000 = 22,500
    assert w["extra_passed"] == pytest.approx(4.5)
    assert w["extra_won"] == pytest.approx(2.25)
    assert w["extra_revenue"] == pytest.approx(22500)
    assert P.what_if_conversion(120, 0.5, 0.4, 0.5, 10000, 12)["extra_won"] == 0.0
    r = P.rank_actions(FINDINGS)
    wi = P.what_ifs(r, FINDINGS, {"avg_won_deal": 8000.0}, {"Proposal": 0.5}, 6)
    assert len(wi) == 1  # F1 once, under the best-ranked action answering it
    row = wi.iloc[0]
    assert (row["subject"], row["extra_won"], row["extra_revenue"]) == ("Proposal", pytest.approx(3.0), pytest.approx(24000.0))
    assert "50.0%" in row["assumption"] and "8,000" in row["assumption"]
    # without the average won deal (no amounts) the extra won deals are still known, their revenue is not
    missing = P.what_ifs(r, FINDINGS, {}, {"Proposal": 0.5}, 6).iloc[0]
    assert missing["extra_won"] == pytest.approx(3.0) and math.isnan(missing["extra_revenue"])
    assert missing["assumption"].endswith("Their revenue is not available, because the run does not have: the average won deal (step 2).")
    ru = P.what_ifs(r, FINDINGS, {}, {"Proposal": 0.5}, 6, "ru").iloc[0]
    assert ru["assumption"].endswith("Выручка по ним недоступна, потому что в запуске нет: средняя выигранная сделка (шаг 2).")
    assert ru["assumption"].startswith("Если бы этап «Proposal» конвертировал")
    none = P.what_ifs(r, FINDINGS, {}, {}, 6).iloc[0]  # without the win rate after the stage nothing is computed
    assert math.isnan(none["extra_won"]) and none["assumption"].startswith("Not available, because the run does not have:")


def test_maturity_rules() -> None:
    crit = [F(f"tech.tools.{k}", k, "critical", step=5) for k in ("underused", "overlap", "not_integrated")]
    assessed = {"pipeline": True, "leads": False, "discipline": True, "people": True, "crm": True, "alignment": True}
    m = P.maturity([*FINDINGS, *crit], assessed).set_index("area")
    assert m["score"].to_dict() == pytest.approx(
        {"pipeline": 2.0, "leads": math.nan, "discipline": 5.0, "people": 4.0, "crm": 1.0, "alignment": 5.0}, nan_ok=True)
    assert m.loc["pipeline", "level"] == "Emerging" and m.loc["crm", "level"] == "Ad hoc"
    assert m.loc["leads", "level"] == "Not assessed" and m.loc["pipeline", "findings"] == 2
    assert P.maturity(FINDINGS, assessed, "ru").set_index("area").loc["people", "level"] == "Управляемый"
    assert P.area_of("process.lost_reason_missing") == "discipline"
    assert P.area_of("comms.lead_response.slow_rep") == "leads"
    assert P.area_of("survey.sales_gap") == "alignment"
    goal = F("goal.off_target", "lost_without_reason_share", "high", 0.4, 0.1, "share", "process.enforce_lost_reasons", step=2)
    assert P.area_for(goal) == "discipline"
    assert P.area_for(F("goal.off_target", "win_rate", "high", 0.1, 0.3, "share", "process.improve_win_rate", step=2)) == "pipeline"


def make_run(root: Path) -> Path:
    run = root / "run"
    write_findings(run / "findings" / "03_process.json", [F1, F4])
    write_findings(run / "findings" / "04_people.json", [F3])
    write_findings(run / "findings" / "05_technology.json", [F2])
    write_findings(run / "findings" / "06_communication.json", [], [{"what": "table.leads", "reason": "not provided"}])
    (run / "tables").mkdir()
    pd.DataFrame({"kpi": ["avg_won_deal", "win_rate"], "value": [8000.0, 0.3]}).to_csv(run / "tables" / "02_headline_kpis.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame({"stage": ["New", "Proposal"], "downstream_win_rate": [0.2, 0.5]}).to_csv(run / "tables" / "03_bottlenecks.csv", index=False, encoding="utf-8-sig")
    return run


def test_build_plan_applies_review(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    review = tmp_path / "demo.review.json"
    d = decide({}, F2.id, by="Boris", status="dismissed", reason="Parked for a tender", at="2026-11-29T09:00:00+00:00")
    d = decide(d, F3.id, by="Anna", severity="high", comment="Rep on leave for 3 months", at="2026-11-29T09:05:00+00:00")
    save_review(review, d)
    plan = P.build_plan(run, review, months=6)
    assert {f.id for f in plan.findings} == {F1.id, F3.id, F4.id}
    assert not plan.ranked["action"].isin(["tech.clean_stale_deals", "tech.pipeline_dashboard"]).any()
    assert [f.id for f in plan.problems] == [F1.id, F3.id]  # F3 now high, after F1 (more money at stake)
    assert plan.what_if.iloc[0]["extra_revenue"] == pytest.approx(24000.0)
    note = plan.findings_table().set_index("id").loc[F3.id, "reviewed"]
    assert "Anna" in note and "2026-11-29" in note and "high" in note and "Rep on leave" in note
    assert plan.maturity.set_index("area").loc["leads", "level"] == "Not assessed"
    assert "about 3 more won deals and" in plan.expected_effect() and "24,000" in plan.expected_effect()  # whole deals
    assert set(plan.roadmap["timeframe"]) <= {30, 60, 90} and list(plan.roadmap["timeframe"]) == sorted(plan.roadmap["timeframe"])


def test_exports_are_formula_safe(tmp_path: Path) -> None:
    evil = ["=HYPERLINK(\"http://x\")", "\r=cmd|' /C calc'!A0", "\n+1+1", "\t@SUM(A1)", "-2+3"]
    fs = [F("people.win_rate.low", s, "medium", 0.1, 0.3, "share", "people.coach_underperformer", title=s, step=4) for s in evil]
    run = tmp_path / "run"
    write_findings(run / "findings" / "04_people.json", fs)
    plan = P.build_plan(run)
    xlsx, md = P.export_plan(plan, run)
    assert xlsx == run / "plan.xlsx" and md == run / "plan.md"
    cells = [c.value for ws in load_workbook(xlsx) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    titles = [c for c in cells if any(e in c for e in evil)]
    assert len(titles) >= len(evil)
    for c in cells:
        assert not c.lstrip(" \t\r\n").startswith(("=", "+", "-", "@")), repr(c)
        assert not c.startswith(("\t", "\r", "\n")), repr(c)
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Improvement plan") and "| " in text
    assert "\r" not in text


def test_notebook_in_a_run(small_client: Path, tmp_path: Path) -> None:
    """The stored notebook's code cells, run in a hand-made run folder (the small client's frame, the
    findings above, F2 dismissed in the client's review file): the plan exports land in the run folder,
    without the dismissed finding."""
    import nbformat

    from auditkit.frame import build_frame
    from auditkit.params import load_params
    from auditkit.runner import review_file

    run = make_run(tmp_path)
    build_frame(load_params(small_client)).save(run)
    save_review(review_file(small_client), decide({}, F2.id, by="Boris", status="dismissed", reason="Parked for a tender"))
    nb = nbformat.read(str(Path(__file__).resolve().parent.parent / "notebooks" / "07_plan.ipynb"), as_version=4)
    scope: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(cell.source, scope)
            if "parameters" in cell.metadata.get("tags", []):
                scope.update(params_path=str(small_client), run_dir=str(run), interactive=False)
    text = (run / "plan.md").read_text(encoding="utf-8")
    assert F1.title in text and F2.title not in text
    assert (run / "plan.xlsx").is_file() and (run / "tables" / "07_actions.csv").is_file()
    assert (run / "tables" / "07_dismissed.csv").is_file()
    assert json.loads((run / "findings" / "07_plan.json").read_text(encoding="utf-8"))["findings"] == []


# -- step 1's data request (auditkit.charter.checklist / write_checklist, `auditkit checklist`) ------------
# The small client's params with goals win_rate, median_cycle_days and lead_to_deal_conversion, written
# with NO data folder: the checklist needs the params alone. deals is required (always); leads is required
# because the lead-to-deal conversion goal reads it; every other table is optional. No spreadsheet cell
# can run as a formula; the client's name (starting with "=") is the Markdown title as written.

def test_checklist_before_any_data(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from auditkit.cli import main
    from tests.helpers import PARAMS

    text = PARAMS.replace("{name: Small Client, slug: small}", "{name: \"=Small Client\", slug: small}").replace(
        "  - {kpi: median_cycle_days, target: 14}\n", "  - {kpi: median_cycle_days, target: 14}\n  - {kpi: lead_to_deal_conversion, target: 0.3}\n")
    params = tmp_path / "small.yaml"
    params.write_text(text, encoding="utf-8")
    assert not (tmp_path / "data").exists()
    result = CliRunner().invoke(main, ["checklist", str(params)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "small-data-request"
    md = (folder / "data-request.md").read_text(encoding="utf-8")
    assert md.startswith("# Data request: =Small Client")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in md.splitlines() if line.startswith("| ")}
    assert "| required |" in rows["Deals"] and "| required |" in rows["Leads"] and "| optional |" in rows["Stage history"]
    assert "Lead-to-deal conversion" in rows["Leads"] and "Win rate" in rows["Deals"]
    assert md.index("| Leads |") < md.index("| Stage history |")  # required tables first
    ws = load_workbook(folder / "data-request.xlsx").active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Table", "Needed", "Required columns"]
    assert ws.max_row == 11  # header + the ten canonical tables
    assert all(not str(c.value).startswith(("=", "+", "-", "@")) for row in ws.iter_rows() for c in row if c.value is not None)
    missing = CliRunner().invoke(main, ["checklist", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "no such params file" in missing.output


#: Which planted problem of the demo (data/demo/truth.json, by id) a finding names: (finding kind, how its
#: subject names the planted subject, planted id). A finding matching no row is not a planted problem.
PLANTED_BY_KIND: tuple[tuple[str, Any, str], ...] = (
    ("process.bottleneck.conversion", lambda s, tr: s == tr["conversion_collapse"]["stage"], "conversion_collapse"),
    ("process.bottleneck.time", lambda s, tr: s == tr["stalling_stage"]["stage"], "stalling_stage"),
    ("people.win_rate.low", lambda s, tr: s in tr["low_win_rate_reps"]["rep_ids"], "low_win_rate_reps"),
    ("people.skill_gap", lambda s, tr: s in {f"{r}\x1f{tr['low_win_rate_reps']['competency']}" for r in tr["low_win_rate_reps"]["rep_ids"]}, "low_win_rate_reps"),
    ("comms.lead_response.slow_source", lambda s, tr: s == tr["slow_lead_source"]["source"], "slow_lead_source"),
    ("tech.hygiene.stale_deals", lambda s, tr: True, "stale_deals"),
    ("process.lost_reason_missing", lambda s, tr: True, "missing_lost_reasons"),
    ("goal.off_target", lambda s, tr: s == "lost_without_reason_share", "missing_lost_reasons"),
    ("comms.handoff.sla_breach", lambda s, tr: s == f"{tr['handoff_sla_breach']['from_dept']} -> {tr['handoff_sla_breach']['to_dept']}", "handoff_sla_breach"),
    ("tech.tools.underused", lambda s, tr: s == tr["unused_tool"]["tool"], "unused_tool"),
    ("tech.hygiene.logging_lag", lambda s, tr: s == tr["logging_lag"]["rep_id"], "logging_lag"),
)


def planted_id(kind: str, subject: str, truth: dict[str, Any]) -> str | None:
    """The planted problem a finding of ``kind`` about ``subject`` names (:data:`PLANTED_BY_KIND`), else None."""
    return next((pid for k, names, pid in PLANTED_BY_KIND if k == kind and names(subject, truth)), None)


@pytest.mark.slow
def test_demo_executive_summary_names_the_planted_problems_first(demo_run: Path) -> None:
    """On the demo run (no review file beside params/demo.yaml), the executive summary as delivered
    (plan.xlsx's summary sheet, the same three in plan.md) names three planted problems first: each
    problem's title is found among the run's findings (findings/*.json) and its kind and subject mapped to
    a planted id by PLANTED_BY_KIND. In order: the conversion collapse at its stage, the stall at its stage,
    a low-win-rate rep (all three critical or high). The three first actions answer them in that order
    (exit criteria for the collapsing stage, a weekly pipeline review, call reviews with a top performer)."""
    from auditkit.actions import action_info
    from auditkit.findings import read_findings
    from auditkit.report.text import t
    from auditkit.runner import review_file
    from tests.helpers import DEMO_PARAMS, ROOT

    assert not review_file(DEMO_PARAMS).exists(), "a review file beside params/demo.yaml changes the demo's plan"
    truth = {p["id"]: p for p in json.loads((ROOT / "data" / "demo" / "truth.json").read_text(encoding="utf-8"))["planted"]}
    sheet = load_workbook(demo_run / "plan.xlsx")["summary"]
    rows = [dict(zip([c.value for c in sheet[1]], [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    part, item = t("plan.col.part"), t("plan.col.item")
    problems = [r[item] for r in rows if r[part] == t("plan.h.problems")]
    found = read_findings(demo_run / "findings")
    by_title = {f.title: f for f in found}
    assert len(by_title) == len(found)  # titles name findings one to one
    named = [by_title[title] for title in problems]
    assert [planted_id(f.kind, f.subject, truth) for f in named] == ["conversion_collapse", "stalling_stage", "low_win_rate_reps"]
    assert [f.severity for f in named][:2] == ["critical", "critical"] and named[2].severity == "high"
    md = (demo_run / "plan.md").read_text(encoding="utf-8")
    summary = md[md.index(t("plan.h.problems")):md.index(t("plan.h.first_actions"))]
    assert [line.split(". ", 1)[1] for line in summary.splitlines() if line[:2] in ("1.", "2.", "3.")] == problems
    first = [r[item] for r in rows if r[part] == t("plan.h.first_actions")]
    keys = ["process.stage_exit_criteria", "process.weekly_pipeline_review", "people.call_review_pairing"]
    assert first == [action_info(k).text_in("en") for k in keys]


@pytest.mark.parametrize(("missing", "unassessed"), [
    (["table.stage_history", "table.activities"], {"pipeline"}),
    (["table.stage_history"], set()),  # the activities still show stale deals
    (["table.stage_history", "kpi.lost_without_reason_share"], {"discipline"}),
    (["table.activities", "table.assessments"], {"people"}),
    (["table.activities", "table.assessments", "table.stage_history", "kpi.lost_without_reason_share"],
     {"pipeline", "discipline", "people"}),
])
def test_an_area_whose_data_is_missing_is_not_assessed_rather_than_scored_best(tmp_path: Path, missing, unassessed):
    """A client without stage history and activities has nothing that could show a pipeline problem: the
    area is not assessed (never 5, 'optimised', from the absence of evidence); a table not provided is a
    data request, not evidence against the CRM area."""
    run = tmp_path / "run"
    for step in ("02_data", "03_process", "04_people", "05_technology", "06_communication"):
        write_findings(run / "findings" / f"{step}.json", [], [{"what": w, "reason": "x"} for w in missing])
    assessed = P.assessed_areas(run)
    assert {a for a, ok in assessed.items() if not ok} == unassessed
    request = F("data.missing_table", "activities", "medium")
    table = P.maturity([request], assessed).set_index("area")
    assert table.loc["crm", "score"] == 5 and table.loc["crm", "findings"] == 0
    for area in unassessed:
        assert math.isnan(table.loc[area, "score"])


def test_effects_are_joined_as_the_clauses_of_one_sentence() -> None:
    assert P.clauses(["Stalled deals move or close", "CRM data stays current.", "Больше сделок проходит этап"]) == (
        "stalled deals move or close; CRM data stays current; больше сделок проходит этап"
    )
    assert P.clauses([]) == ""
