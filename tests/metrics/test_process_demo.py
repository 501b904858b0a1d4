"""Step 3 on the demo client: the planted problems (truth.json) are found, and nothing else."""

from __future__ import annotations

import json

import pytest

from auditkit import load, load_params
from auditkit.metrics import process as P


@pytest.fixture(scope="module")
def demo(demo_params):
    params = load_params(demo_params)
    data = load(params)
    truth = json.loads((params.data_dir / "truth.json").read_text())
    planted = {p["kind"]: p for p in truth["planted"]}
    return params, data, planted


def test_planted_collapse_and_stall_are_the_only_bottlenecks(demo):
    params, data, planted = demo
    pipe = params.pipeline
    deals, history = data["deals"], data["stage_history"]
    funnel = P.funnel(deals, history, pipe.open_stages, pipe.won, pipe.lost, pipe.funnel_mode)
    P.check_funnel_accounting(funnel)
    durations = P.stage_durations(history, deals, pipe.open_stages, pipe.won, pipe.lost, params.period.end_ts())
    summary = P.stage_time_summary(durations)
    found = P.bottlenecks(funnel, summary, deals, pipe.won, pipe.lost, durations=durations)

    collapse, stall = planted["conversion_collapse"]["stage"], planted["stalling_stage"]["stage"]
    flagged = found[found["is_bottleneck"]].set_index("stage")
    assert set(flagged.index) == {collapse, stall}
    assert flagged.at[collapse, "is_conversion_bottleneck"] and not flagged.at[collapse, "is_time_bottleneck"]
    assert flagged.at[stall, "is_time_bottleneck"] and not flagged.at[stall, "is_conversion_bottleneck"]
    conversion = funnel.set_index("stage")["conversion"]
    assert conversion[collapse] == pytest.approx(planted["conversion_collapse"]["expected_conversion"], abs=0.08)

    findings = P.process_findings(funnel_df=funnel, bottlenecks_df=found)
    ids = {f.id for f in findings if f.id.startswith("process.bottleneck.")}
    assert ids == {f"process.bottleneck.conversion.{collapse.lower()}", f"process.bottleneck.time.{stall.lower()}"}


def test_missing_lost_reasons_match_the_planted_share(demo):
    params, data, planted = demo
    lost = P.lost_analysis(data["deals"], data["stage_history"], params.pipeline.open_stages, params.pipeline.lost)
    share = lost["summary"].iloc[0]["no_reason_share"]
    assert share == pytest.approx(planted["missing_lost_reasons"]["share"], abs=0.01)
    assert "process.lost_reason_missing" in {f.id for f in P.process_findings(lost=lost, lost_reason_target=0.05)}
