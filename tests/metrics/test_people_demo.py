"""Step 4 on the demo client: the planted under-performers (truth.json, ``low_win_rate_reps``) are flagged
with their planted competency gap, at most one other rep is flagged (with the reason shown), and the
company row of the scorecard is step 2's headline KPIs.

The frame is built as a run builds it (``build_frame``).
"""

from __future__ import annotations

import json

import pytest

from auditkit import load_params
from auditkit.frame import build_frame
from auditkit.kpis import kpi_table
from auditkit.metrics import people as PP
from auditkit.report.format import Formatter


@pytest.fixture(scope="module")
def demo(demo_params):
    params = load_params(demo_params)
    frame = build_frame(params)
    truth = json.loads((params.data_dir / "truth.json").read_text())
    planted = next(p for p in truth["planted"] if p["kind"] == "low_win_rate_reps")
    report = PP.people_report(frame)
    found = PP.people_findings(report.fair, report.leaks, report.stalls, report.plan, report.shared, Formatter("en", "EUR"))
    return frame, planted, report, found


def test_every_planted_under_performer_is_flagged_with_its_competency_gap(demo):
    _, planted, report, found = demo
    flagged = {f.subject: f for f in found if f.kind == "people.win_rate.low"}
    gaps = {f.subject for f in found if f.kind == "people.skill_gap"}
    for rep in planted["rep_ids"]:
        assert rep in flagged, rep
        assert planted["competency"] in flagged[rep].title, flagged[rep].title
        assert f"{rep}\x1f{planted['competency']}" in gaps
        row = report.fair.set_index("rep").loc[rep]
        assert row["group"] == PP.SUPPORT
        assert row["win_rate"] == pytest.approx(planted["win_rates"][rep], abs=0.0005)
        assert row["money_at_stake"] > 0


def test_at_most_one_unplanted_rep_is_flagged_and_the_report_says_why(demo):
    _, planted, report, found = demo
    others = [f for f in found if f.kind == "people.win_rate.low" and f.subject not in planted["rep_ids"]]
    assert len(others) <= 1
    for f in others:
        assert f.detail.startswith("Why flagged") and f.evidence
    support = set(report.fair.loc[report.fair["group"] == PP.SUPPORT, "rep"])
    assert support == {f.subject for f in found if f.kind == "people.win_rate.low"}


def test_company_row_equals_step_2_headline_kpis(demo):
    frame, _, report, _ = demo
    company = report.card.loc[report.card["kind"] == "company"].iloc[0]
    headline = kpi_table(frame).set_index("kpi")["value"]
    for kpi_id in PP.SCORECARD_KPIS:
        assert company[kpi_id] == pytest.approx(headline[kpi_id]), kpi_id


def test_new_hires_are_too_few_to_judge_and_the_strongest_and_weakest_are_named(demo):
    _, planted, report, _ = demo
    fair = report.fair
    ranked = fair.loc[fair["ranked"]]
    assert ranked.iloc[-1]["rep"] in planted["rep_ids"]
    assert (fair.loc[~fair["ranked"], "closed"] < PP.MIN_CLOSED_DEALS).all()
    assert (ranked["closed"] >= PP.MIN_CLOSED_DEALS).all()


@pytest.mark.slow
def test_every_number_of_a_rep_card_matches_the_runs_tables(demo, demo_run):
    import pandas as pd

    from auditkit.widgets.people import CARD_KPIS, rep_card

    _, planted, report, _ = demo
    written = pd.read_csv(demo_run / "tables" / "04_scorecard.csv", encoding="utf-8-sig", dtype={"rep": str})
    assert (demo_run / "html" / "04_people.html").exists()
    for rep in planted["rep_ids"]:
        card = rep_card(report, rep)["kpis"].set_index("kpi")
        row = written.loc[(written["kind"] == "rep") & (written["rep"] == rep)].iloc[0]
        for k in CARD_KPIS:
            if pd.isna(card.at[k, "rep"]):
                assert pd.isna(row[k]), (rep, k)
            else:
                assert float(row[k]) == pytest.approx(float(card.at[k, "rep"]), rel=1e-9), (rep, k)
    fair = pd.read_csv(demo_run / "tables" / "04_fair.csv", encoding="utf-8-sig")
    assert set(fair.loc[fair["group"] == PP.SUPPORT, "rep"]) == set(report.fair.loc[report.fair["group"] == PP.SUPPORT, "rep"])


def test_rep_stage_times_read_through_parsed_entries_equal_looking_deals_up(demo, monkeypatch):
    """A rep's time in each stage reads each entry's deal as parsed with the stage history (deal ids that do
    not repeat); looking each entry's deal id up among the deals, as done when ids repeat, gives the same table."""
    import importlib

    import pandas as pd

    leaks = importlib.import_module("auditkit.metrics.people.leaks")
    frame = demo[0]
    team_of = PP.reps(frame)["team"]
    parsed = leaks.rep_stage_time(frame, team_of)
    monkeypatch.setattr(leaks, "deal_ids_repeat", lambda f: True)
    looked_up = leaks.rep_stage_time(frame, team_of)
    assert len(parsed) > 20 and parsed["median_days"].notna().sum() > 20
    pd.testing.assert_frame_equal(parsed, looked_up)
