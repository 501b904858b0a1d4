"""Step 3 on the demo client: the planted problems (truth.json) are found, and nothing else.

The frame is built as a run builds it (``build_frame``): the demo has deals, stage entries and leads on
both sides of the period, and truth.json's numbers are computed over the period as the kit sees it at
the as-of moment.
"""

from __future__ import annotations

import json

import pytest

from auditkit import load_params
from auditkit.frame import AuditFrame, build_frame
from auditkit.kpis import evaluate
from auditkit.metrics import process as P


@pytest.fixture(scope="module")
def demo(demo_params):
    params = load_params(demo_params)
    frame = build_frame(params)
    truth = json.loads((params.data_dir / "truth.json").read_text())
    planted = {p["kind"]: p for p in truth["planted"]}
    return frame, planted


def test_planted_collapse_and_stall_are_the_only_bottlenecks(demo):
    frame, planted = demo
    funnel = P.funnel(frame)
    P.check_funnel_accounting(funnel)
    assert not funnel.attrs["estimate"]
    durations = P.stage_durations(frame)
    found = P.bottlenecks(frame, funnel, P.stage_time_summary(durations), durations)

    collapse, stall = planted["conversion_collapse"]["stage"], planted["stalling_stage"]["stage"]
    flagged = found[found["is_bottleneck"]].set_index("stage")
    assert set(flagged.index) == {collapse, stall}
    assert flagged.at[collapse, "is_conversion_bottleneck"] and not flagged.at[collapse, "is_time_bottleneck"]
    assert flagged.at[stall, "is_time_bottleneck"] and not flagged.at[stall, "is_conversion_bottleneck"]
    conversion = funnel.set_index("stage")["conversion"]
    assert conversion[collapse] == pytest.approx(planted["conversion_collapse"]["expected_conversion"], abs=0.08)
    assert found.attrs["avg_won"] == evaluate(frame, "avg_won_deal").value

    findings = P.process_findings(frame, funnel_df=funnel, bottlenecks_df=found)
    kinds = {(f.kind, f.subject) for f in findings if f.kind.startswith("process.bottleneck.")}
    assert kinds == {("process.bottleneck.conversion", collapse), ("process.bottleneck.time", stall)}


def test_missing_lost_reasons_match_the_planted_share(demo):
    frame, planted = demo
    lost = P.lost_analysis(frame)
    share = lost["summary"].iloc[0]["no_reason_share"]
    assert share == pytest.approx(planted["missing_lost_reasons"]["share"], abs=0.01)
    assert share == evaluate(frame, "lost_without_reason_share").value
    tables = {
        "funnel_df": P.funnel(frame), "lost": lost, "segments_df": P.segment_funnel(frame),
        "levers_df": P.velocity_levers(P.velocity(frame)),
    }
    tables["bottlenecks_df"] = P.bottlenecks(frame, tables["funnel_df"])
    # the demo sets a goal on it: step 2's goals check reports it once, step 3 does not repeat it
    assert frame.params.target("lost_without_reason_share") is not None
    assert "process.lost_reason_missing" not in {f.kind for f in P.process_findings(frame, **tables)}
    # without that goal, step 3 reports it
    goals = [g for g in frame.params.goals if g.kpi != "lost_without_reason_share"]
    no_goal = AuditFrame(frame.params.model_copy(update={"goals": goals}), frame.data)
    found = [f for f in P.process_findings(no_goal, **tables) if f.kind == "process.lost_reason_missing"]
    assert len(found) == 1 and found[0].value == pytest.approx(share)
