"""Hand-computed cases for step 5's CRM hygiene, the data-quality score and the tool inventory
(auditkit.metrics.hygiene, auditkit.metrics.tools).

The period is January 2025 (as-of moment 1 February 00:00), stale after 10 days, stages New, Qualified,
Proposal, then Won / Lost. Deals:

- d1 open in Qualified, team A, amount 100, source Web, expected close 20 Jan (past); history New 2 Jan,
  Qualified 5 Jan; activities on 7 and 8 Jan: last sign of life 8 Jan 10:00, 23.6 days idle: stale;
- d2 open in Proposal, team A, no amount, no source, expected close 15 Feb; history New 25 Jan, Proposal
  26 Jan (skips Qualified): 6 days idle, not stale;
- d3 won, team B, amount 200, source Web; history New, Proposal (skip), Qualified (back), Proposal, Won;
- d4 lost, team B, amount 50, source Ads, no lost reason; history New, Lost (the lost stage is not judged).

The export has no product, region or account_id column: those are "not in the export", not empty.

Completeness (weight 3 for amount, closed_at, owner_id, lost_reason, source; 1 otherwise; rows that need a
value: closed_at for won/lost, lost_reason for lost, expected_close_at for open):
amount 3/4, closed_at 2/2, owner_id 4/4, lost_reason 0/1 (empty), source 3/4, expected_close_at 2/2, team 4/4.
Weighted: (3*3 + 3*2 + 3*4 + 3*0 + 3*3 + 2 + 4) / (3*4 + 3*2 + 3*4 + 3*1 + 3*4 + 2 + 4) = 42 / 51 = 82.35.
Freshness: mean(1 - 1/2 stale, 1 - 1/2 past their expected close) = 50 (without an activities table, whether
a deal is stale is unknown, and freshness rests on the expected close dates alone: also 50). Consistency: d2 and d3 of four deals
have a gap: 50. Validity: no data-quality issue: 100. Score = (82.35 + 50 + 50 + 100) / 4 = 70.59.
Team A (d1, d2): completeness (3*1 + 3*2 + 3*1 + 2 + 2) / (3*2 + 3*2 + 3*2 + 2 + 2) = 16 / 22 = 72.73,
freshness 50, consistency 50 (d2 skips), validity 100: score 68.18.

Logging lag: R1 logs after 2 h and 48 h (median 25 h, half late), R2 after 0.5 h; all: median 2 h.

Tools: A (dialer, 10 seats, 2 active, 1000 a month, not integrated), B ("dialer " again, 4 seats, 1 active,
no cost, integrated), C (CRM, 20 seats, 18 active, 200 a month, integration unknown).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from auditkit.frame import frame_from_tables
from auditkit.metrics import hygiene as H
from auditkit.metrics import tools as TL
from auditkit.params import parse_params
from auditkit.report.format import Formatter

T = pd.Timestamp
NA = None


def params():
    return parse_params({
        "client": {"name": "Test", "slug": "test"},
        "period": {"start": "2025-01-01", "end": "2025-01-31"},
        "pipeline": {"stages": ["New", "Qualified", "Proposal", "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "thresholds": {"stale_after_days": 10},
        "data": {"tables": {"deals": {"path": "deals.csv"}}},
    })


def deals():
    return pd.DataFrame({
        "deal_id": ["d1", "d2", "d3", "d4"],
        "created_at": [T("2025-01-02"), T("2025-01-25"), T("2025-01-03"), T("2025-01-04")],
        "closed_at": [pd.NaT, pd.NaT, T("2025-01-20"), T("2025-01-10")],
        "stage": ["Qualified", "Proposal", "Won", "Lost"],
        "amount": [100.0, math.nan, 200.0, 50.0],
        "owner_id": ["R1", "R1", "R2", "R2"],
        "team": ["A", "A", "B", "B"],
        "source": ["Web", NA, "Web", "Ads"],
        "lost_reason": [NA, NA, NA, NA],
        "expected_close_at": [T("2025-01-20"), T("2025-02-15"), pd.NaT, pd.NaT],
    })


def history():
    rows = [("d1", "New", "2025-01-02"), ("d1", "Qualified", "2025-01-05"),
            ("d2", "New", "2025-01-25"), ("d2", "Proposal", "2025-01-26"),
            ("d3", "New", "2025-01-03"), ("d3", "Proposal", "2025-01-05"), ("d3", "Qualified", "2025-01-07"),
            ("d3", "Proposal", "2025-01-09"), ("d3", "Won", "2025-01-20"),
            ("d4", "New", "2025-01-04"), ("d4", "Lost", "2025-01-10")]
    df = pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"])
    df["entered_at"] = pd.to_datetime(df["entered_at"])
    return df


def activities():
    return pd.DataFrame({
        "activity_id": ["a1", "a2", "a3"],
        "at": [T("2025-01-08 10:00"), T("2025-01-07 10:00"), T("2025-01-10 09:00")],
        "type": ["call", "email", "email"], "owner_id": ["R1", "R1", "R2"], "deal_id": ["d1", "d1", "d3"],
        "logged_at": [T("2025-01-08 12:00"), T("2025-01-09 10:00"), T("2025-01-10 09:30")],
    })


@pytest.fixture
def frame():
    return frame_from_tables(params(), {"deals": deals(), "stage_history": history(), "activities": activities()})


def test_completeness_counts_absent_columns_apart_from_empty_ones(frame):
    comp = H.completeness(frame)
    d = comp.loc[comp["table"] == "deals"].set_index("column")
    assert d.loc["amount", ["needed", "filled"]].tolist() == [4, 3]
    assert d.loc["closed_at", ["needed", "filled"]].tolist() == [2, 2]
    assert d.loc["lost_reason", "status"] == "empty" and d.loc["lost_reason", "share"] == 0.0
    assert d.loc["expected_close_at", ["needed", "filled"]].tolist() == [2, 2]
    for col in ("product", "region", "account_id"):
        assert d.loc[col, "status"] == "not_in_export" and math.isnan(d.loc[col, "share"])
    assert d.loc["amount", "key"] and not d.loc["team", "key"]
    assert H.completeness_part(comp) == pytest.approx(100 * 42 / 51)


def test_stale_and_overdue_open_deals(frame):
    status = H.open_deal_status(frame).set_index("deal_id")
    assert status.loc["d1", "idle_days"] == pytest.approx(23 + 14 / 24)
    assert status["stale"].to_dict() == {"d1": True, "d2": False}
    assert status["overdue"].astype(bool).to_dict() == {"d1": True, "d2": False}
    assert H.freshness_part(status.reset_index()) == pytest.approx(50.0)


def test_stage_gaps_count_skips_and_moves_back(frame):
    gaps = H.stage_gaps(frame).set_index("deal_id")
    assert gaps[["skips", "moves_back"]].to_dict("index") == {
        "d1": {"skips": 0, "moves_back": 0}, "d2": {"skips": 1, "moves_back": 0},
        "d3": {"skips": 1, "moves_back": 1}, "d4": {"skips": 0, "moves_back": 0},
    }
    assert H.consistency_part(gaps.reset_index()) == pytest.approx(50.0)
    assert H.irregular_deals(gaps.reset_index())["deal_id"].tolist() == ["d2", "d3"]  # the step's export: these only


def test_score_and_its_parts_for_the_company_and_a_team(frame):
    scores = H.score_table(frame).set_index("group")
    company = scores.loc[H.ALL]
    assert company["completeness"] == pytest.approx(100 * 42 / 51)
    assert company["freshness"] == pytest.approx(50.0)
    assert company["consistency"] == pytest.approx(50.0)
    assert company["validity"] == pytest.approx(100.0)
    assert company["score"] == pytest.approx((100 * 42 / 51 + 50 + 50 + 100) / 4)
    team_a = scores.loc[(scores["level"] == "team")].loc["A"]
    assert team_a["completeness"] == pytest.approx(100 * 16 / 22)
    assert team_a["score"] == pytest.approx((100 * 16 / 22 + 50 + 50 + 100) / 4)
    assert set(scores.loc[scores["level"] == "rep"].index) == {"R1", "R2"}
    assert "mean of the parts" in H.score_rule(frame, "en") and "10" in H.score_rule(frame, "en")
    assert "среднее" in H.score_rule(frame, "ru")


def test_each_groups_score_is_the_score_of_its_deals_alone(frame):
    # the table counts every group at once, on codes; each row must equal the parts measured on the group's deals
    scores = H.score_table(frame)
    deals = H._scoped(frame, "deals")
    for level, col in (("team", "team"), ("rep", "owner_id")):
        for row in scores.loc[scores["level"] == level].itertuples():
            ids = deals.loc[deals[col] == row.group, "deal_id"]
            assert row.deals == len(ids)
            expected = H.score_parts(frame, ids)
            assert {p: getattr(row, p) for p in expected} == pytest.approx(expected, nan_ok=True)


def test_a_part_that_cannot_be_measured_is_left_out_of_the_score():
    frame = frame_from_tables(params(), {"deals": deals()})  # no stage history: no consistency
    parts = H.score_parts(frame)
    assert math.isnan(parts["consistency"])
    assert parts["score"] == pytest.approx((100 * 42 / 51 + 50 + 100) / 3)


def test_logging_lag_per_rep(frame):
    lag = H.logging_lag(frame).set_index("rep")
    assert lag.loc[H.ALL, "median_lag_hours"] == pytest.approx(2.0)
    assert lag.loc["R1", "median_lag_hours"] == pytest.approx(25.0)
    assert lag.loc["R1", "late_share"] == pytest.approx(0.5)
    assert lag.loc["R2", "median_lag_hours"] == pytest.approx(0.5)
    assert list(lag.index) == [H.ALL, "R1", "R2"]  # the slowest rep first


def test_duplicates_come_from_the_loader_issues(frame):
    dup = H.duplicates(frame).set_index("table")
    assert dup.loc["deals", ["rows", "duplicate_row", "duplicate_id"]].tolist() == [4, 0, 0]


def test_hygiene_findings_rules():
    fmt = Formatter("en", "EUR")
    n = 30  # 12 of 30 open deals stale (40 %), 2 of 30 past the expected close (too few: below 25 %)
    status = pd.DataFrame({"deal_id": [f"d{i}" for i in range(n)], "amount": 10.0, "idle_days": 5.0,
                           "stale": [i < 12 for i in range(n)], "overdue": pd.array([i < 2 for i in range(n)], dtype="boolean")})
    comp = pd.DataFrame([
        {"table": "deals", "column": "source", "status": "ok", "key": True, "weight": 3.0, "needed": 40, "filled": 20, "share": 0.5},
        {"table": "deals", "column": "lost_reason", "status": "ok", "key": True, "weight": 3.0, "needed": 40, "filled": 0, "share": 0.0},
        {"table": "deals", "column": "amount", "status": "ok", "key": True, "weight": 3.0, "needed": 5, "filled": 1, "share": 0.2},
        {"table": "deals", "column": "closed_at", "status": "empty", "key": True, "weight": 3.0, "needed": 40, "filled": 0, "share": 0.0},
    ])
    gaps = pd.DataFrame({"deal_id": [f"d{i}" for i in range(20)], "skips": [1] * 4 + [0] * 16, "moves_back": 0})
    lag = pd.DataFrame([
        {"rep": H.ALL, "activities": 100, "median_lag_hours": 1.0, "p90_lag_hours": 5.0, "late_share": 0.1},
        {"rep": "R9", "activities": 50, "median_lag_hours": 80.0, "p90_lag_hours": 90.0, "late_share": 0.9},
        {"rep": "R8", "activities": 5, "median_lag_hours": 100.0, "p90_lag_hours": 100.0, "late_share": 1.0},
    ])
    frame = frame_from_tables(params(), {"deals": deals()})
    found = {(f.kind, f.subject): f for f in H.hygiene_findings(frame, comp, status, gaps, lag, fmt)}
    # stale 40 % (high); source half empty; lost_reason is step 3's; amount needs only 5 rows; closed_at is empty
    # in every row (an export that leaves it out cannot be told from a team that never fills it); gaps 20 %;
    # R9 logs 80 h late (80 / 24 > 3: high), R8 has too few activities
    assert set(found) == {("tech.hygiene.stale_deals", "deals"), ("tech.hygiene.key_field_empty", "deals.source"),
                          ("tech.hygiene.stage_gaps", "stage_history"), ("tech.hygiene.logging_lag", "R9")}
    assert found[("tech.hygiene.stale_deals", "deals")].value == 12
    assert found[("tech.hygiene.stale_deals", "deals")].severity == "high"
    assert found[("tech.hygiene.logging_lag", "R9")].severity == "high"
    assert found[("tech.hygiene.logging_lag", "R9")].title.startswith("R9 logs activities 80.0 hours")  # no reps table
    named = frame_from_tables(params(), {"deals": deals(), "reps": pd.DataFrame({"rep_id": ["R9"], "name": ["Anna Berg"]})})
    (late,) = [f for f in H.hygiene_findings(named, comp, status, gaps, lag, fmt) if f.kind == "tech.hygiene.logging_lag"]
    assert late.subject == "R9" and late.title.startswith("Anna Berg logs activities 80.0 hours")  # by name, keyed by id


def test_tool_usage_overlap_and_findings():
    tools = pd.DataFrame({
        "tool": ["A", "B", "C"], "category": ["Dialer", "dialer ", "CRM"], "seats": [10.0, 4.0, 20.0],
        "active_users": [2.0, 1.0, 18.0], "monthly_cost": [1000.0, math.nan, 200.0],
        "integrated_with_crm": pd.array([False, True, pd.NA], dtype="boolean"),
    })
    frame = frame_from_tables(params(), {"deals": deals(), "tools": tools})
    usage = TL.tool_usage(frame).set_index("tool")
    assert usage.loc["A", "utilisation"] == pytest.approx(0.2)
    assert usage.loc["A", "cost_per_active_user"] == pytest.approx(500.0)
    assert usage.loc["A", "unused_cost"] == pytest.approx(800.0)
    assert math.isnan(usage.loc["B", "cost_per_active_user"])  # no cost: empty, never 0
    assert usage.loc["C", "cost_per_active_user"] == pytest.approx(200 / 18)
    assert usage["overlap"].to_dict() == {"A": True, "B": True, "C": False}
    overlap = TL.overlapping(usage.reset_index())
    assert overlap.to_dict("records") == [{"category": "Dialer", "tools": "A, B", "monthly_cost": 1000.0}]
    found = {(f.kind, f.subject): f for f in TL.tool_findings(usage.reset_index(), Formatter("en", "EUR"))}
    # B is under-used too, but has fewer than 5 seats; C's integration is unknown, not "not integrated"
    assert set(found) == {("tech.tools.underused", "A"), ("tech.tools.not_integrated", "tools"), ("tech.tools.overlap", "dialer")}
    assert found[("tech.tools.not_integrated", "tools")].value == 1
    assert found[("tech.tools.underused", "A")].severity == "high"


def test_a_deals_only_client_says_what_it_could_not_assess():
    frame = frame_from_tables(params(), {"deals": deals()})
    assert H.not_assessed(frame) == ["activities", "stage_history", "tools", "survey"]
    assert H.logging_lag(frame).empty and H.stage_gaps(frame).empty and TL.tool_usage(frame).empty
    assert H.weekly_loggers(frame).empty
    comp = H.completeness(frame)
    assert set(comp["table"]) == {"deals"}
    status = H.open_deal_status(frame)
    assert status["stale"].isna().all()  # no activities: whether a deal had one is unknown, never "stale" nor "fresh"
    assert H.freshness_part(status) == pytest.approx(50.0)  # only the expected close dates: d1 past, d2 not
    kinds = {f.kind for f in H.step_findings(frame, Formatter("en", "EUR"))}
    assert kinds <= {"tech.hygiene.overdue_close", "tech.hygiene.key_field_empty"}


def test_figures_have_titles_and_labelled_axes(frame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from auditkit.figures import technology as FT

    scores = H.score_table(frame)
    fig = FT.score_parts(scores, H.PARTS, {}, title="Score", ylabel="0-100")
    assert fig.axes[0].get_title() == "Score" and fig.axes[0].get_xlabel() == "0-100"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(scores["group"])
    plt.close(fig)
    tools = pd.DataFrame({"tool": ["A"], "category": ["X"], "seats": [10.0], "active_users": [2.0], "monthly_cost": [1.0]})
    usage = TL.tool_usage(frame_from_tables(params(), {"deals": deals(), "tools": tools}))
    fig = FT.seat_use(usage, title="Seats", xlabel="People", seats_label="Seats", users_label="Users")
    assert fig.axes[0].get_title() == "Seats"
    plt.close(fig)


def test_validity_counts_rows_with_an_issue_and_the_dropped_duplicates():
    from auditkit.quality import QualityIssue

    # d1 (source row 2) had its amount set aside as negative; one more row repeated a deal id and was dropped;
    # a missing owner is completeness, not validity: validity = 1 - (1 + 1) / (4 + 1) = 60
    issues = [
        QualityIssue("deals", "negative_amount", "amount", 1, "warning", "negative", (2,)),
        QualityIssue("deals", "duplicate_id", "deal_id", 1, "warning", "repeated id", (7,)),
        QualityIssue("deals", "missing_value", "owner_id", 1, "warning", "no owner", (3,)),
    ]
    frame = frame_from_tables(params(), {"deals": deals()}, issues)
    assert H.issue_rows(frame) == {2, 7}
    assert H.score_parts(frame)["validity"] == pytest.approx(60.0)
    assert H.duplicates(frame).set_index("table").loc["deals", "duplicate_id"] == 1
