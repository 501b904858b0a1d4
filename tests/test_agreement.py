"""Step 2 and step 3 agree on every number they share, and no finding rests on a missing input.

Run as a user runs it (``auditkit run --steps 02,03``) on the edge client (tests/edge_client.py): deals
before and after the period, no lost-reason column, amounts empty in every row, a two-stage pipeline
without stage history, and data that stops two months before the period end. The expected values are
computed here from the raw CSV with plain pandas, not with the kit.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from edge_client import write_edge_client

AUDITKIT = str(Path(sys.executable).parent / "auditkit")
START, AS_OF = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-07-01")


def tables(run: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p, encoding="utf-8-sig") for p in (run / "tables").glob("*.csv")}


def shared_numbers_agree(t: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Every KPI of step 2 that step 3 also shows, read from both steps' CSV tables; asserts they are equal
    (or both not available) and returns step 2's values."""
    kpi = t["02_headline_kpis"].set_index("kpi")["value"]
    vel, cycle = t["03_velocity"], t["03_sales_cycle"].set_index("outcome")
    lost_stage, leads = t["03_lost_by_stage"], t["03_lead_conversion"].set_index("source")

    def same(name: str, step3: float) -> None:
        step2 = kpi[name]
        if pd.isna(step2):
            assert pd.isna(step3) or step3 == 0, f"{name}: step 2 has no value, step 3 shows {step3}"
        else:
            assert step3 == pytest.approx(step2), f"{name}: step 2 {step2}, step 3 {step3}"

    same("deals_won", vel["won_deals"].sum())
    same("deals_lost", vel["lost_deals"].sum())
    same("deals_lost", lost_stage["deals"].sum())
    same("deals_lost", cycle.at["lost", "deals"])
    same("deals_won", cycle.at["won", "deals"])
    same("median_cycle_days", cycle.at["won", "median_days"])
    same("open_deals", vel["open_deals"].iloc[-1])
    same("open_deals", cycle.at["open", "deals"])
    same("deals_created", t["03_cohorts"]["created"].sum())
    same("deals_created", t["02_monthly_deals"]["created"].sum())
    same("deals_won", t["02_monthly_deals"]["won"].sum())
    same("deals_lost", t["02_monthly_deals"]["lost"].sum())
    if "won_value" in vel and vel["won_value"].notna().any():
        same("won_value", vel["won_value"].sum())
        same("lost_value", lost_stage["value"].sum())
    if "lead_to_deal_conversion" in kpi:
        same("lead_to_deal_conversion", leads.at["(all)", "conversion"])
        same("leads", leads.at["(all)", "leads"])
    segments = [v for k, v in t.items() if k.startswith("03_segments_")]
    for seg in segments:
        same("win_rate", seg["won"].sum() / seg["closed"].sum())
    reasons = t["03_lost_by_reason"].set_index("reason")
    if "(no reason)" in reasons.index:
        same("lost_without_reason_share", reasons.at["(no reason)", "share"])
    return kpi.to_dict()


@pytest.mark.slow
def test_edge_client_steps_agree_and_nothing_rests_on_missing_inputs(tmp_path):
    params = write_edge_client(tmp_path)
    result = subprocess.run(
        [AUDITKIT, "run", str(params), "--outputs", str(tmp_path / "out"), "--steps", "02,03"],
        capture_output=True, text=True, timeout=600, env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run = next((tmp_path / "out" / "edge").iterdir())
    t = tables(run)
    kpi = shared_numbers_agree(t)

    # hand computation from the raw export
    raw = pd.read_csv(tmp_path / "data" / "deals.csv", sep=";", dtype=str, keep_default_na=False)
    created = pd.to_datetime(raw["Deal - Created"])
    closed = pd.to_datetime(raw["Deal - Closed"].replace("", None))
    stage = raw["Deal - Stage"]
    in_period = (closed >= START) & (closed < AS_OF)
    won = stage.eq("Won") & in_period
    lost = stage.eq("Lost") & in_period
    assert kpi["deals_created"] == ((created >= START) & (created < AS_OF)).sum()
    assert kpi["deals_won"] == won.sum() and kpi["deals_lost"] == lost.sum()
    assert kpi["win_rate"] == pytest.approx(won.sum() / (won.sum() + lost.sum()))
    assert kpi["median_cycle_days"] == pytest.approx(((closed - created)[won] / pd.Timedelta(days=1)).median())
    still_open = (created < AS_OF) & (closed.isna() | (closed >= AS_OF))
    assert kpi["open_deals"] == still_open.sum()
    assert (created >= AS_OF).sum() == 6 and (closed >= AS_OF).sum() == 4  # the export goes past the period

    # absent is not zero: money and lost reasons are "not available", in the table and the findings file
    for name in ("won_value", "lost_value", "avg_won_deal", "open_pipeline_value", "lost_without_reason_share"):
        assert math.isnan(kpi[name]), name
    body = json.loads((run / "findings" / "02_data.json").read_text())
    reasons = {r["what"]: r["reason"] for r in body["not_available"]}
    assert reasons["kpi.won_value"] == "not available, because Amount is empty in every row of Deals"
    assert reasons["kpi.lost_without_reason_share"] == "not available, because the Deals export has no Lost reason column"
    page = (run / "html" / "02_data.html").read_text(encoding="utf-8")
    assert "not available, because the Deals export has no Lost reason column" in page

    # no finding rests on a missing input, an estimate or a month the data does not cover
    findings = [f for step in ("02_data", "03_process") for f in json.loads((run / "findings" / f"{step}.json").read_text())["findings"]]
    kinds = {(f["kind"], f["subject"]) for f in findings}
    assert not [f for f in findings if f["unit"] == "money"]
    assert {s for k, s in kinds if k == "goal.off_target"} == {"win_rate", "lead_to_deal_conversion"}
    assert not [k for k, _ in kinds if k.startswith("process.bottleneck") or k == "process.lost_reason_missing"]
    assert ("process.funnel_estimate", "") in kinds
    monthly = t["02_monthly_deals"].set_index("month")["coverage"]
    assert monthly.to_dict() == {
        "2025-01-01": "complete", "2025-02-01": "complete", "2025-03-01": "complete", "2025-04-01": "complete",
        "2025-05-01": "no_data", "2025-06-01": "no_data",
    }
    levers = json.loads((run / "findings" / "03_process.json").read_text())["findings"]
    for f in levers:
        if f["kind"] == "process.velocity.lever":
            assert f["subject"] in ("win_rate", "median_cycle_days", "open_deals")
    # the estimate claims no conversion and puts the lost deals at an unknown stage, as lost-by-stage does
    funnel = t["03_funnel"].set_index("stage")
    assert funnel["conversion"].isna().all()
    assert t["03_lost_by_stage"].set_index("stage").at["(unknown)", "deals"] == kpi["deals_lost"]


@pytest.mark.slow
def test_the_demo_run_agrees_between_steps(demo_run):
    kpi = shared_numbers_agree(tables(demo_run))
    truth = json.loads((Path(__file__).resolve().parent.parent / "data" / "demo" / "truth.json").read_text())
    counts, quality = truth["period_counts"], truth["quality"]
    # truth counts the deals as generated; the kit cannot place the planted defects: a created_at that
    # cannot be read takes a deal out of the deals created, a closed_at before created_at (set aside)
    # out of the deals closed
    assert kpi["deals_created"] == counts["deals_created"] - quality["unparseable_created_at"]["count"]
    assert kpi["deals_won"] + kpi["deals_lost"] == counts["deals_closed"] - quality["closed_before_created"]["count"]
    assert kpi["open_deals"] == counts["deals_open_at_end"]
