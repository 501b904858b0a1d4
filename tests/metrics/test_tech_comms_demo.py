"""Steps 5 and 6 on the demo client: every planted problem of the two steps (truth.json) is a finding, with
at most one other finding (a false alarm) per step; step 6's overall lead response median is step 2's KPI;
and a client with only a deals table gets both steps, each saying what it could not assess.

The frame is built as a run builds it (``build_frame``).
"""

from __future__ import annotations

import json

import pytest

from auditkit import load_params
from auditkit.frame import build_frame, frame_from_tables
from auditkit.kpis import evaluate
from auditkit.metrics import comms as C
from auditkit.metrics import hygiene as H
from auditkit.metrics import survey as S
from auditkit.report.format import Formatter

FMT = Formatter("en", "EUR")


@pytest.fixture(scope="module")
def demo(demo_params):
    params = load_params(demo_params)
    frame = build_frame(params)
    truth = json.loads((params.data_dir / "truth.json").read_text())
    planted = {p["id"]: p for p in truth["planted"]}
    return frame, planted


@pytest.fixture(scope="module")
def found5(demo):
    return H.step_findings(demo[0], FMT)


@pytest.fixture(scope="module")
def found6(demo):
    return C.step_findings(demo[0], FMT)


def test_step_5_finds_the_stale_deals_the_unused_tool_and_the_late_logger(demo, found5):
    _, planted = demo
    by = {(f.kind, f.subject): f for f in found5}
    stale = by[("tech.hygiene.stale_deals", "deals")]
    assert stale.value == planted["stale_deals"]["count"]
    status = H.open_deal_status(demo[0])
    assert set(status.loc[status["stale"], "deal_id"]) == set(planted["stale_deals"]["deal_ids"])
    tool = by[("tech.tools.underused", planted["unused_tool"]["tool"])]
    assert tool.value == pytest.approx(planted["unused_tool"]["active_users"] / planted["unused_tool"]["seats"])
    lag = by[("tech.hygiene.logging_lag", planted["logging_lag"]["rep_id"])]
    assert lag.value == pytest.approx(planted["logging_lag"]["median_lag_hours"], abs=0.1)


def test_step_5_has_at_most_one_false_alarm(demo, found5):
    _, planted = demo
    expected = {("tech.hygiene.stale_deals", "deals"), ("tech.tools.underused", planted["unused_tool"]["tool"]),
                ("tech.hygiene.logging_lag", planted["logging_lag"]["rep_id"])}
    others = [f for f in found5 if (f.kind, f.subject) not in expected]
    assert len(others) <= 1, [f.title for f in others]


def test_step_6_finds_the_slow_source_and_the_breaching_pair(demo, found6):
    _, planted = demo
    by = {(f.kind, f.subject): f for f in found6}
    slow = by[("comms.lead_response.slow_source", planted["slow_lead_source"]["source"])]
    assert slow.value == pytest.approx(planted["slow_lead_source"]["median_response_hours"], rel=0.05)
    pair = planted["handoff_sla_breach"]
    breach = by[("comms.handoff.sla_breach", f"{pair['from_dept']} -> {pair['to_dept']}")]
    assert breach.value == pytest.approx(pair["median_response_hours"], rel=0.05)
    assert breach.target == pair["sla_hours"]


def test_step_6_has_at_most_one_false_alarm(demo, found6):
    _, planted = demo
    pair = planted["handoff_sla_breach"]
    expected = {("comms.lead_response.slow_source", planted["slow_lead_source"]["source"]),
                ("comms.handoff.sla_breach", f"{pair['from_dept']} -> {pair['to_dept']}")}
    others = [f for f in found6 if (f.kind, f.subject) not in expected]
    assert len(others) <= 1, [f.title for f in others]


def test_overall_lead_response_median_is_step_2s_kpi(demo):
    frame, _ = demo
    sla = frame.params.thresholds.lead_response_sla_hours
    overall = C.lead_response_by(C.lead_response_times(frame), "all", sla)
    assert overall["median_hours"].iloc[0] == evaluate(frame, "lead_response_hours").value


def test_the_demo_survey_answers_the_standard_questionnaire(demo):
    frame, _ = demo
    survey = frame.table("survey")
    assert S.unknown_items(survey) == []
    answers = S.scored(survey)
    assert answers.attrs["set_aside"] == 0
    scores = S.dimension_scores(answers, ("department",), step=6)
    assert not scores.empty and not scores["hidden"].any()  # every department has at least 5 respondents
    by_role = S.dimension_scores(answers, ("role",), step=6)
    assert by_role["hidden"].any()  # some roles are smaller than the threshold


def test_a_deals_only_client_gets_both_steps_each_saying_what_it_could_not_assess(demo):
    frame, _ = demo
    deals = frame.data.tables["deals"].drop(columns=["_row"])
    only = frame_from_tables(frame.params, {"deals": deals})
    assert H.not_assessed(only) == ["activities", "stage_history", "tools", "survey"]
    assert C.not_assessed(only) == ["leads", "handoffs", "activities", "survey"]
    assert C.step_findings(only, FMT) == []
    scores = H.score_table(only)
    company = scores.iloc[0]
    assert company["score"] > 0 and company["consistency"] != company["consistency"]  # no stage history: left out
    # without activities, "no activity for N days" cannot be known: no stale-deal number, no stale finding
    assert H.open_deal_status(only)["stale"].isna().all()
    assert {f.kind for f in H.step_findings(only, FMT)} <= {"tech.hygiene.overdue_close", "tech.hygiene.key_field_empty"}
