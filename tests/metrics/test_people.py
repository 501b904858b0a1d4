"""Hand-computed cases for step 4 (auditkit.metrics.people), its figures and its rep card.

Two clients built in code, period 1 January .. 31 March 2025 (as_of 1 April 2025), pipeline New, Proposal,
then Won / Lost; no stage history (so no stage conversion per rep is claimed).

**Scorecard client** (reps A and B in team T1, C in team T2; activities, targets, reps):

- A: a1 won 1000 (5 Jan -> 25 Jan: 20 days), a2 won 3000 (10 Jan -> 19 Feb: 40 days), a3 lost (1 -> 15 Feb),
  a4 open 2000 (1 Mar). Deals created 4, won 2, lost 1, open 1, closed 3, win rate 2/3, won value 4000,
  average won deal 2000, median cycle 30 days, open pipeline 2000.
  Wilson 95 % of 2/3: p = 2/3, z^2 = 3.8415, n = 3: denominator 1 + z^2/n = 2.2805, centre (p + z^2/2n) / 2.2805
  = 0.5731, half-width 1.96 sqrt(p(1-p)/n + z^2/4n^2) / 2.2805 = 0.3654: 0.2077 .. 0.9385.
  Activities: 9 in the period (5 on a1, 4 on a2) and one in December (not counted); A was hired 1 Apr 2024,
  before the period, so over the period's 90 days = 12.857 weeks: 0.7 a week; 9 activities on 2 deals: 4.5 a
  deal. Quota 9000 for Jan-Mar: attainment 4000 / 9000 = 0.4444, remaining 5000, coverage 2000 / 5000 = 0.4.
  Tenure: 365 days to 1 Apr 2025 = 0.99932 years.
- B: b1 won 500 (2 -> 12 Jan), b2 and b3 lost: closed 3, win rate 1/3. Hired 1 Feb 2025: 59 days = 8.4286
  weeks in the period; 2 activities: 0.2373 a week. Quota 2000 for 1 Jan .. 30 Jun (181 days), 90 of them
  in the period: 2000 x 90 / 181 = 994.48.
- C: c1 and c2 lost: 2 closed deals, so with a minimum of 3 C is "too few deals to judge" and not ranked.
- Team T1: A + B: won 3 of 6 closed = 0.5. Company: 3 of 8 = 0.375.

**Mix client** (one team T, source only; every amount 1000):

- X: 30 Partner deals, 6 won. Y: 30 Web (18 won) and 30 Partner (6 won). Z: 30 Web, 18 won. V: 30 Web, 3 won.
- Company: Web 39 / 90 = 0.4333, Partner 12 / 60 = 0.2, overall 51 / 150 = 0.34.
- X looks bad only because of the harder source: raw win rate 0.2, but expected wins 30 x 0.2 = 6 = actual,
  mix ratio 1, adjusted win rate 0.34 (the company's), z against the mix 0: X is "core".
- V: expected 30 x 0.4333 = 13, sum p(1-p) = 7.3667, z_mix = (3 - 13) / 2.7142 = -3.684; the team without V
  wins 48 / 120 = 0.4, z_team = (3 - 12) / sqrt(30 x 0.4 x 0.6) = -3.354: "needs support". Money at stake
  = 30 x (0.4 - 0.1) x 1000 = 9000.
- Assessments: Objection handling X 4, Y 4, Z 5, V 1 (V's team mean without V = 13/3 = 4.333, gap 3.333);
  Prospecting X 2, Y 3, Z 3, V 3 (X: team mean 3, gap 1.0, at the 1.0 line, a gap). Nothing leaks (no
  history), so the plan ranks by gap size alone: V trains Objection handling first.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from auditkit.figures import people as FP  # noqa: E402
from auditkit.findings import Finding  # noqa: E402
from auditkit.frame import frame_from_tables  # noqa: E402
from auditkit.kpis import evaluate  # noqa: E402
from auditkit.metrics import people as PP  # noqa: E402
from auditkit.params import parse_params  # noqa: E402
from auditkit.report.format import Formatter  # noqa: E402
from auditkit.widgets.people import rep_card  # noqa: E402

T = pd.Timestamp
FMT = Formatter("en", "EUR")


def params():
    return parse_params({
        "client": {"name": "Test", "slug": "test"}, "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "currency": "EUR", "pipeline": {"stages": ["New", "Proposal", "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "data": {"tables": {"deals": {"path": "deals.csv"}}},
    })


def deal(i, owner, created, closed, stage, amount, **extra):
    return {"deal_id": i, "owner_id": owner, "created_at": T(created), "closed_at": T(closed) if closed else pd.NaT,
            "stage": stage, "amount": float(amount), **extra}


@pytest.fixture
def scorecard_frame():
    deals = pd.DataFrame([
        deal("a1", "A", "2025-01-05", "2025-01-25", "Won", 1000), deal("a2", "A", "2025-01-10", "2025-02-19", "Won", 3000),
        deal("a3", "A", "2025-02-01", "2025-02-15", "Lost", 700), deal("a4", "A", "2025-03-01", None, "Proposal", 2000),
        deal("b1", "B", "2025-01-02", "2025-01-12", "Won", 500), deal("b2", "B", "2025-01-03", "2025-01-20", "Lost", 100),
        deal("b3", "B", "2025-01-04", "2025-01-21", "Lost", 100),
        deal("c1", "C", "2025-01-06", "2025-01-30", "Lost", 100), deal("c2", "C", "2025-01-07", "2025-01-31", "Lost", 100),
    ])
    reps = pd.DataFrame({"rep_id": ["A", "B", "C"], "name": ["Ann", "Bob", "Cid"], "team": ["T1", "T1", "T2"],
                         "role": ["AE", "AE", "AE"], "hired_at": [T("2024-04-01"), T("2025-02-01"), pd.NaT]})
    acts = [("x0", "2024-12-15", "A", "a1")] + [(f"x{i}", "2025-01-1%d" % i, "A", "a1") for i in range(1, 6)] + [
        (f"y{i}", "2025-02-1%d" % i, "A", "a2") for i in range(1, 5)] + [("z1", "2025-02-10", "B", "b1"), ("z2", "2025-02-11", "B", None)]
    activities = pd.DataFrame({"activity_id": [a[0] for a in acts], "at": [T(a[1]) for a in acts],
                               "type": ["call"] * len(acts), "owner_id": [a[2] for a in acts], "deal_id": [a[3] for a in acts],
                               "lead_id": [None if a[3] else "L1" for a in acts],
                               # frame_from_tables cannot add a missing number column (pd.NA into float64), so give it
                               "duration_min": [5.0] * len(acts)})
    targets = pd.DataFrame({"rep_id": ["A", "B"], "team": ["T1", "T1"], "period_start": [T("2025-01-01")] * 2,
                            "period_end": [T("2025-03-31"), T("2025-06-30")], "quota": [9000.0, 2000.0]})
    return frame_from_tables(params(), {"deals": deals, "reps": reps, "activities": activities, "targets": targets})



def test_without_amounts_money_is_not_available_and_counts_stay(scorecard_frame):
    """The scorecard client exported without deal values: A's counts and win rate are as with them, and every
    money figure is NaN (not available), never a zero: won value, attainment, what remains of the quota, the
    value of stale deals, the ramp's won value."""
    tables = {name: df.drop(columns=["amount"]) if name == "deals" else df
              for name, df in scorecard_frame.data.tables.items() if name in ("deals", "reps", "activities", "targets")}
    frame = frame_from_tables(params(), {k: v.drop(columns=["_row"], errors="ignore") for k, v in tables.items()})
    a = PP.scorecard(frame).set_index("rep").loc["A"]
    assert (a["deals_won"], a["closed"], a["win_rate"]) == (2, 3, pytest.approx(2 / 3))
    assert a["quota"] == 9000
    assert all(math.isnan(a[c]) for c in ("won_value", "avg_won_deal", "open_pipeline_value", "attainment", "remaining_quota", "coverage"))
    stale = PP.stale_by_rep(frame).set_index("rep")
    assert stale["stale_value"].isna().all() and stale.loc["A", "open_deals"] == 1
    hired = frame.data.tables["reps"].set_index("rep_id")["hired_at"]
    ramp = PP.ramp(frame, frame.data.tables["reps"].set_index("rep_id")["team"], hired)
    assert ramp["won_value"].isna().all() and ramp["won"].sum() >= 1

def mix_deals(with_team=True):
    rows = []
    def add(owner, source, n, won):
        for i in range(n):
            k = len(rows)
            extra = {"source": source, **({"team": "T"} if with_team else {})}
            rows.append(deal(f"d{k}", owner, "2025-01-02", "2025-02-01", "Won" if i < won else "Lost", 1000, **extra))
    add("X", "Partner", 30, 6)
    add("Y", "Web", 30, 18)
    add("Y", "Partner", 30, 6)
    add("Z", "Web", 30, 18)
    add("V", "Web", 30, 3)
    return pd.DataFrame(rows)


@pytest.fixture
def mix_frame():
    skills = [("X", "Objection handling", 4), ("Y", "Objection handling", 4), ("Z", "Objection handling", 5),
              ("V", "Objection handling", 1), ("X", "Prospecting", 2), ("Y", "Prospecting", 3), ("Z", "Prospecting", 3),
              ("V", "Prospecting", 3)]
    assessments = pd.DataFrame({"rep_id": [s[0] for s in skills], "competency": [s[1] for s in skills],
                                "score": [float(s[2]) for s in skills], "assessed_at": [T("2025-03-01")] * len(skills)})
    return frame_from_tables(params(), {"deals": mix_deals(), "assessments": assessments})


# -- the Wilson interval ---------------------------------------------------------------------------


def test_wilson_interval_against_published_values():
    lo, hi = PP.wilson_interval([3, 0, 10, 2], [10, 10, 10, 3])
    assert lo[0] == pytest.approx(0.1078, abs=1e-4) and hi[0] == pytest.approx(0.6032, abs=1e-4)
    assert lo[1] == 0.0 and hi[1] == pytest.approx(0.2775, abs=1e-4)
    assert lo[2] == pytest.approx(0.7225, abs=1e-4) and hi[2] == pytest.approx(1.0)
    assert lo[3] == pytest.approx(0.2077, abs=1e-4) and hi[3] == pytest.approx(0.9385, abs=1e-4)


def test_wilson_interval_of_no_deals_is_not_a_number():
    lo, hi = PP.wilson_interval([0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])


# -- the scorecard ----------------------------------------------------------------------------------


def test_scorecard_by_hand(scorecard_frame):
    card = PP.scorecard(scorecard_frame)
    assert list(card["kind"]) == ["rep"] * 3 + ["team"] * 2 + ["company"]
    a = card.set_index("rep").loc["A"]
    assert (a["name"], a["team"]) == ("Ann", "T1")
    assert (a["deals_created"], a["deals_won"], a["deals_lost"], a["open_deals"], a["closed"]) == (4, 2, 1, 1, 3)
    assert a["win_rate"] == pytest.approx(2 / 3)
    assert (a["win_rate_low"], a["win_rate_high"]) == (pytest.approx(0.2077, abs=1e-4), pytest.approx(0.9385, abs=1e-4))
    assert (a["won_value"], a["avg_won_deal"], a["median_cycle_days"], a["open_pipeline_value"]) == (4000, 2000, 30, 2000)
    assert a["activities"] == 9
    assert a["activities_per_week"] == pytest.approx(9 / (90 / 7))
    assert a["activities_per_deal"] == pytest.approx(4.5)
    assert (a["quota"], a["attainment"], a["remaining_quota"], a["coverage"]) == (9000, pytest.approx(4 / 9), 5000, pytest.approx(0.4))
    assert a["tenure_years"] == pytest.approx(365 / 365.25)
    b = card.set_index("rep").loc["B"]
    assert b["win_rate"] == pytest.approx(1 / 3)
    assert b["activities_per_week"] == pytest.approx(2 / (59 / 7))
    assert b["quota"] == pytest.approx(2000 * 90 / 181)
    c = card.set_index("rep").loc["C"]
    assert math.isnan(c["quota"]) and math.isnan(c["tenure_years"]) and math.isnan(c["avg_won_deal"])
    assert c["activities"] == 0  # C has no activity in a client that records activities: a true zero
    t1 = card.set_index("rep").loc["T1"]
    assert (t1["deals_won"], t1["closed"], t1["win_rate"]) == (3, 6, 0.5)
    company = card.set_index("rep").loc["(company)"]
    assert company["win_rate"] == pytest.approx(3 / 8)
    assert company["quota"] == pytest.approx(9000 + 2000 * 90 / 181)


def test_company_row_is_the_registry_kpi(scorecard_frame):
    card = PP.scorecard(scorecard_frame)
    company = card.loc[card["kind"] == "company"].iloc[0]
    for kpi_id in ("deals_created", "deals_won", "deals_lost", "open_deals", "win_rate", "won_value", "avg_won_deal",
                   "median_cycle_days", "open_pipeline_value"):
        assert company[kpi_id] == pytest.approx(evaluate(scorecard_frame, kpi_id).value)


def test_rep_with_two_closed_deals_is_not_ranked(scorecard_frame):
    card = PP.scorecard(scorecard_frame)
    fair = PP.fair_comparison(scorecard_frame, card, min_closed=3).set_index("rep")
    assert not fair.at["C", "ranked"] and math.isnan(fair.at["C", "rank"])
    assert fair.at["C", "group"] == PP.TOO_FEW
    assert fair.at["A", "ranked"] and fair.at["B", "ranked"]
    assert (fair.at["A", "rank"], fair.at["B", "rank"]) == (1, 2)


def test_missing_optional_tables_give_no_numbers_not_zeros(mix_frame):
    card = PP.scorecard(mix_frame)
    assert set(card.attrs["missing"]) == {"activities", "targets", "reps", "leads"}
    for col in ("activities", "activities_per_week", "quota", "attainment", "coverage", "tenure_years", "lead_response_hours"):
        assert card[col].isna().all(), col
    report = PP.people_report(mix_frame)
    assert report.activity.empty and report.activity_types.empty and report.ramp.empty


# -- a deals-only client ---------------------------------------------------------------------------


def test_deals_only_client_gets_a_ranked_fair_table_by_owner():
    frame = frame_from_tables(params(), {"deals": mix_deals(with_team=False)})
    report = PP.people_report(frame)
    assert report.reps.attrs["source"] == "deals"
    reps = report.card.loc[report.card["kind"] == "rep"]
    assert list(reps["rep"]) == ["V", "X", "Y", "Z"] and list(reps["name"]) == ["V", "X", "Y", "Z"]
    assert set(reps["team"]) == {PP.NO_TEAM}
    fair = report.fair
    assert fair["ranked"].all()
    # strongest and weakest by adjusted win rate: Z (18 of 30 Web at a 0.4333 Web rate) and V (3 of 30)
    assert fair.iloc[0]["rep"] == "Z" and fair.iloc[-1]["rep"] == "V"
    assert fair.set_index("rep").at["V", "group"] == PP.SUPPORT


# -- the fair comparison and the groups ------------------------------------------------------------


def test_mix_adjustment_clears_a_rep_with_a_harder_source(mix_frame):
    card = PP.scorecard(mix_frame)
    fair = PP.fair_comparison(mix_frame, card)
    assert fair.attrs["mix_columns"] == ["source"]
    assert fair.attrs["company_rate"] == pytest.approx(0.34)
    x = fair.set_index("rep").loc["X"]
    assert x["win_rate"] == pytest.approx(0.2)
    assert x["expected_wins"] == pytest.approx(6.0)
    assert x["mix_ratio"] == pytest.approx(1.0)
    assert x["adjusted_win_rate"] == pytest.approx(0.34)
    assert x["z_mix"] == pytest.approx(0.0)
    assert x["group"] == PP.CORE


def test_under_performer_z_scores_group_and_money_at_stake(mix_frame):
    fair = PP.fair_comparison(mix_frame, PP.scorecard(mix_frame)).set_index("rep")
    v = fair.loc["V"]
    assert v["expected_wins"] == pytest.approx(13.0)
    assert v["z_mix"] == pytest.approx(-10 / math.sqrt(30 * (39 / 90) * (51 / 90)), abs=1e-9)
    assert v["z_mix"] == pytest.approx(-3.684, abs=1e-3)
    assert v["team_rate"] == pytest.approx(0.4)
    assert v["z_team"] == pytest.approx(-3.354, abs=1e-3)
    assert v["group"] == PP.SUPPORT
    assert v["money_at_stake"] == pytest.approx(9000.0)
    assert fair["money_at_stake"].drop("V").isna().all()


# -- skills, the training plan and the findings ----------------------------------------------------


def test_skill_gaps_and_training_plan(mix_frame):
    report = PP.people_report(mix_frame)
    gaps = report.skills.loc[report.skills["gap"]]
    assert sorted(zip(gaps["rep"], gaps["competency"])) == [("V", "Objection handling"), ("X", "Prospecting")]
    v = report.skills.set_index(["rep", "competency"]).loc[("V", "Objection handling")]
    assert v["team_mean"] == pytest.approx(13 / 3)
    plan = report.plan.set_index("rep")
    assert plan.at["V", "competency"] == "Objection handling" and plan.at["V", "order"] == 1
    assert plan.at["V", "priority"] == pytest.approx(13 / 3 - 1)
    assert plan.at["X", "priority"] == pytest.approx(1.0)
    assert report.shared.empty
    heat = PP.skill_heatmap(report.skills)
    assert list(heat.columns) == ["Objection handling", "Prospecting"] and heat.at["V", "Objection handling"] == 1


def test_training_plan_ranks_the_competency_that_explains_a_leak():
    stages = ["New", "Qualified", "Demo", "Proposal", "Negotiation", "Contract"]
    assert PP.stage_phase(stages) == {"New": "early", "Qualified": "early", "Demo": "middle", "Proposal": "middle",
                                      "Negotiation": "late", "Contract": "late"}
    assert (PP.phase_of("Objection handling"), PP.phase_of("Работа с возражениями")) == ("late", "late")
    assert (PP.phase_of("Product knowledge"), PP.phase_of("Needs discovery"), PP.phase_of("CRM discipline")) == ("middle", "early", "all")
    skills = pd.DataFrame({"rep": ["R", "R"], "team": ["T", "T"], "competency": ["Prospecting", "Closing"],
                           "score": [1.0, 2.0], "team_mean": [3.5, 3.5], "gap_size": [2.5, 1.5], "gap": [True, True]})
    leaks = pd.DataFrame({"rep": ["R", "R"], "stage": ["Negotiation", "Contract"], "leak": [True, True]})
    stalls = pd.DataFrame({"rep": pd.Series([], dtype="str"), "stage": pd.Series([], dtype="str"), "stall": pd.Series([], dtype=bool)})
    plan = PP.training_plan(skills, leaks, stalls, stages)
    # Closing explains two late leaks: 1.5 x (1 + 2) = 4.5 beats Prospecting's 2.5 x 1
    assert list(plan["competency"]) == ["Closing", "Prospecting"]
    assert plan.iloc[0]["explains"] == "Negotiation, Contract" and plan.iloc[0]["priority"] == pytest.approx(4.5)


def test_findings_flag_the_under_performer_with_its_gap(mix_frame):
    report = PP.people_report(mix_frame)
    found = PP.people_findings(report.fair, report.leaks, report.stalls, report.plan, report.shared, FMT)
    assert all(isinstance(f, Finding) for f in found)
    low = [f for f in found if f.kind == "people.win_rate.low"]
    assert [f.subject for f in low] == ["V"]
    assert "Objection handling" in low[0].title and low[0].action == "people.coach_underperformer"
    assert low[0].value == pytest.approx(0.1) and low[0].target == pytest.approx(0.4) and low[0].unit == "share"
    assert "Why flagged" in low[0].detail and low[0].evidence
    gaps = [f for f in found if f.kind == "people.skill_gap"]
    assert [(f.subject, f.value) for f in gaps] == [("V\x1fObjection handling", 1.0)]  # X's gap explains no leak
    assert not [f for f in found if f.kind == "people.win_rate.high"]


# -- the figures and the rep card ------------------------------------------------------------------


def test_figures_have_titles_and_labels(mix_frame):
    report = PP.people_report(mix_frame)
    acts = pd.DataFrame({"name": ["a", "b"], "activities_per_week": [1.0, 2.0], "win_rate": [0.1, 0.2]})
    ramp = pd.DataFrame({"months_since_hire": [0, 1], "win_rate": [0.0, 0.2], "won_value": [0.0, 100.0]})
    leaks = pd.DataFrame({"rep": ["V", "V"], "stage": ["New", "Proposal"], "conversion": [0.5, 0.2],
                          "team_conversion": [0.6, 0.5], "leak": [False, True]})
    figs = [FP.ranked_win_rates(report.fair, report.card), FP.skills_heatmap(PP.skill_heatmap(report.skills)),
            FP.ramp_curve(ramp), FP.activity_scatter(acts), FP.rep_funnel_chart(leaks, "V")]
    for fig in figs:
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)


def test_rep_card_numbers_are_the_tables_numbers(scorecard_frame):
    report = PP.people_report(scorecard_frame)
    c = rep_card(report, "A")
    kpis = c["kpis"].set_index("kpi")
    row = report.card.set_index("rep").loc["A"]
    for k in kpis.index:
        assert (kpis.at[k, "rep"] == row[k]) or (pd.isna(kpis.at[k, "rep"]) and pd.isna(row[k]))
    assert kpis.at["win_rate", "team"] == 0.5 and kpis.at["win_rate", "company"] == pytest.approx(3 / 8)
    assert (c["name"], c["team"]) == ("Ann", "T1")
    with pytest.raises(KeyError):
        rep_card(report, "nobody")


# -- where each rep leaks (with stage history) -----------------------------------------------------
# Pipeline New, Proposal; one team T. Each rep has 12 deals created on 2 January. A deal that advances
# enters Proposal 2 days after New and is won (Q, R) or lost (P) 3 days later; a deal lost at New is lost 5
# days after New. P: 3 of 12 advance; Q and R: 10 of 12 each.
# - New, P: conversion 3/12 = 0.25; the team without P: 20/24 = 0.8333; z = (3 - 12 x 0.8333) /
#   sqrt(12 x 0.8333 x 0.1667) = -7 / 1.291 = -5.42; extra lost 12 x (0.8333 - 0.25) = 7: a leak.
# - Q at New: the team without Q: (3 + 10) / 24 = 0.5417 < Q's 0.8333: no leak.
# - Time in New (no entry is open, so Kaplan-Meier is the plain median): P 9 x 5 days and 3 x 2 days, median
#   5; the team without P 20 x 2 days and 4 x 5 days, median 2; ratio 2.5 >= 1.5: P stalls at New.
# - Training: P scores 1 in Prospecting (early, explains New) and 1 in Closing (late, explains nothing),
#   both 3 below the team's 4: priorities 3 x (1 + 1) = 6 and 3 x 1 = 3: Prospecting first.


@pytest.fixture
def history_frame():
    p = parse_params({
        "client": {"name": "Test", "slug": "test"}, "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "currency": "EUR", "pipeline": {"stages": ["New", "Proposal", "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "data": {"tables": {"deals": {"path": "deals.csv"}}},
    })
    deals, history = [], []
    start = T("2025-01-02")
    for owner, advance, won in (("P", 3, False), ("Q", 10, True), ("R", 10, True)):
        for i in range(12):
            d = f"{owner}{i}"
            if i < advance:
                final = "Won" if won else "Lost"
                closed = start + pd.Timedelta(days=5)
                history += [(d, "New", start), (d, "Proposal", start + pd.Timedelta(days=2)), (d, final, closed)]
            else:
                final, closed = "Lost", start + pd.Timedelta(days=5)
                history += [(d, "New", start), (d, "Lost", closed)]
            deals.append(deal(d, owner, "2025-01-02", str(closed.date()), final, 100, team="T"))
    hist = pd.DataFrame(history, columns=["deal_id", "stage", "entered_at"])
    skills = [(o, c, 1.0 if o == "P" else 4.0) for o in "PQR" for c in ("Prospecting", "Closing")]
    assessments = pd.DataFrame(skills, columns=["rep_id", "competency", "score"]).assign(assessed_at=T("2025-03-01"))
    return frame_from_tables(p, {"deals": pd.DataFrame(deals), "stage_history": hist, "assessments": assessments})


def test_rep_leaks_and_stalls_against_the_team(history_frame):
    report = PP.people_report(history_frame)
    f = report.leaks.set_index(["rep", "stage"])
    p_new = f.loc[("P", "New")]
    assert (p_new["left"], p_new["advanced"]) == (12, 3)
    assert p_new["conversion"] == pytest.approx(0.25) and p_new["team_conversion"] == pytest.approx(20 / 24)
    assert p_new["z"] == pytest.approx(-7 / math.sqrt(12 * (20 / 24) * (4 / 24)))
    assert p_new["extra_lost"] == pytest.approx(7.0) and p_new["leak"]
    assert f.loc[("Q", "New"), "team_conversion"] == pytest.approx(13 / 24) and not f.loc[("Q", "New"), "leak"]
    assert not f.loc[("P", "Proposal"), "leak"]  # only 3 entries left Proposal: too few to judge
    s = report.stalls.set_index(["rep", "stage"]).loc[("P", "New")]
    assert (s["entries"], s["median_days"], s["team_median_days"], s["days_ratio"]) == (12, 5, 2, 2.5) and s["stall"]
    summary = report.leak_summary.set_index("rep")
    assert (summary.at["P", "leaks"], summary.at["P", "worst_leak"], summary.at["P", "stalls"]) == ("New", "New", "New")
    plan = report.plan.loc[report.plan["rep"] == "P"]
    assert list(plan["competency"]) == ["Prospecting", "Closing"]
    assert list(plan["explains"]) == ["New", ""] and list(plan["priority"]) == [pytest.approx(6.0), pytest.approx(3.0)]


def test_a_reps_table_derived_from_owners_counts_as_not_provided(scorecard_frame):
    assert PP.reps_provided(scorecard_frame) and "reps" not in PP.not_assessed(scorecard_frame)
    assert PP.not_assessed(scorecard_frame) == ["assessments", "leads"]
    scorecard_frame.data.sources["reps"]["derived_from"] = "owner_id of deals"
    assert not PP.reps_provided(scorecard_frame) and "reps" in PP.not_assessed(scorecard_frame)
    r = PP.reps(scorecard_frame)
    assert r.attrs["source"] == "deals" and list(r["name"]) == ["A", "B", "C"]


def test_nothing_closed_and_no_amounts_give_no_numbers_and_no_findings():
    deals = pd.DataFrame([{"deal_id": f"o{i}", "owner_id": "A" if i % 2 else "B", "created_at": T("2025-01-10"),
                           "closed_at": pd.NaT, "stage": "New", "amount": np.nan} for i in range(6)])  # amounts empty
    frame = frame_from_tables(params(), {"deals": deals})
    report = PP.people_report(frame)
    reps = report.card.loc[report.card["kind"] == "rep"].set_index("rep")
    assert list(reps["open_deals"]) == [3, 3] and list(reps["closed"]) == [0, 0]
    for col in ("win_rate", "win_rate_low", "win_rate_high", "won_value", "avg_won_deal", "open_pipeline_value"):
        assert reps[col].isna().all(), col  # amounts empty: not available, never 0
    assert (("A", "win_rate") in report.card.attrs["reasons"]) and (("A", "won_value") in report.card.attrs["reasons"])
    assert (report.fair["group"] == PP.TOO_FEW).all()
    assert PP.people_findings(report.fair, report.leaks, report.stalls, report.plan, report.shared, FMT) == []


def test_not_assessed_notes_name_the_table_and_its_columns():
    # the table and its columns as a reader names them, never by their keys
    assert PP.not_assessed_note("targets") == (
        "Not assessed: provide the Targets table (columns: Rep ID or team, Period start, Period end, Quota) to see "
        "quota, attainment and coverage."
    )
    assert PP.not_assessed_note("activities", "ru").startswith(
        "Не оценивалось: предоставьте таблицу «Активности» (столбцы: Номер активности, Дата и время, Тип, Ответственный, "
        "Номер сделки или номер лида), чтобы увидеть"
    )


def test_manager_and_office_from_the_reps_table_stand_beside_the_team(scorecard_frame):
    reps = scorecard_frame.data.tables["reps"].assign(manager=["Maria", "Maria", "Igor"], office=["Riga", "Riga", "Oslo"])
    tables = {**scorecard_frame.data.tables, "reps": reps}
    frame = frame_from_tables(params(), {k: v.drop(columns="_row") for k, v in tables.items()})
    full = PP.scorecard(frame)
    card = full.loc[full["kind"] == "rep"].set_index("rep")
    assert card.loc[["A", "B", "C"], "manager"].tolist() == ["Maria", "Maria", "Igor"]
    assert card.loc[["A", "B", "C"], "office"].tolist() == ["Riga", "Riga", "Oslo"]
    assert "manager" not in PP.scorecard(scorecard_frame).columns  # absent from the export: no column, not a blank one


def test_the_card_view_names_a_team_and_the_company_once():
    """A page shows a team's row as its name alone, not "Enterprise Enterprise Enterprise"; a rep's row keeps
    the rep id and team; the export keeps every column as the scorecard has it."""
    from auditkit.metrics.people import card_view

    card = pd.DataFrame({"kind": ["rep", "team", "company"], "rep": ["R1", "Enterprise", "(company)"],
                         "name": ["Anna Berg", "Enterprise", "(company)"], "team": ["Enterprise", "Enterprise", "(company)"],
                         "closed": [10, 10, 10]})
    card.attrs["units"] = {"closed": "count"}
    view = card_view(card)
    assert view[["rep", "name", "team"]].values.tolist() == [["R1", "Anna Berg", "Enterprise"], ["", "Enterprise", ""], ["", "(company)", ""]]
    assert view.attrs["units"] == {"closed": "count"} and card["rep"].tolist() == ["R1", "Enterprise", "(company)"]


def test_distinct_deals_per_key_counted_on_codes_equal_dropping_duplicates():
    """The scorecard's deals touched per rep, team and company: distinct (key, deal) pairs counted on integer
    codes equal pandas' drop_duplicates and value_counts (a missing key counts none, a missing deal id once)."""
    import numpy as np

    from auditkit.metrics.people.scorecard import _distinct_per_key

    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        keys = pd.Series([["R1", "R2", "R3", None][i] for i in rng.integers(0, 4, n)], dtype="string")
        deals = pd.Series([([f"D{i}" for i in range(6)] + [None])[j] for j in rng.integers(0, 7, n)], dtype="string")
        want = pd.DataFrame({"key": keys, "deal_id": deals}).drop_duplicates(["key", "deal_id"])["key"].value_counts()
        got = _distinct_per_key(keys, pd.factorize(deals)[0] + 1)
        assert {k: v for k, v in got.items() if v} == want.to_dict()
