"""Hand-computed cases for the step-3 metrics (auditkit.metrics.process) and their figures.

The main fixture is a four-stage pipeline (New, Qualified, Proposal, Negotiation, then Won / Lost)
with eight deals whose stage histories are written out below. What each one exercises:

- d1 won, every stage in order (Qualified recorded twice in a row: one entry)
- d2 won, skips Qualified (New -> Proposal)
- d3 lost, moves back (Proposal -> Qualified -> Proposal), then an explicit Lost entry
- d4 open, still in Qualified
- d5 lost at New, with no Lost entry in its history (implied at closed_at); deals.stage is "Lost"
- d6 lost at Proposal, explicit Lost entry
- d7 open, still in Negotiation; an "On hold" row (not a pipeline stage) is ignored
- d8 won from Proposal with no Won entry (implied): a skip past Negotiation
"""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from auditkit import figures  # noqa: E402
from auditkit.findings import Finding  # noqa: E402
from auditkit.metrics import process as p  # noqa: E402

T = pd.Timestamp
STAGES = ["New", "Qualified", "Proposal", "Negotiation"]
WON, LOST = "Won", "Lost"
AS_OF = T("2025-02-15")


def make_deals() -> pd.DataFrame:
    rows = [
        ("d1", "2025-01-01", "2025-01-21", "won", "Won", 1000.0, "Web", None),
        ("d2", "2025-01-01", "2025-01-20", "won", "Won", 2000.0, "Web", None),
        ("d3", "2025-01-02", "2025-02-01", "lost", "Proposal", 500.0, "Referral", "price "),
        ("d4", "2025-01-05", None, "open", "Qualified", 800.0, "Web", None),
        ("d5", "2025-01-06", "2025-01-16", "lost", "Lost", 300.0, None, None),
        ("d6", "2025-01-03", "2025-01-25", "lost", "Proposal", 1500.0, "Referral", "Went with competitor"),
        ("d7", "2025-01-01", None, "open", "Negotiation", 1200.0, "Web", None),
        ("d8", "2025-01-02", "2025-01-19", "won", "Won", 3000.0, "Referral", None),
    ]
    df = pd.DataFrame(
        rows, columns=["deal_id", "created_at", "closed_at", "status", "stage", "amount", "source", "lost_reason"]
    )
    return df.assign(
        created_at=pd.to_datetime(df["created_at"]), closed_at=pd.to_datetime(df["closed_at"]), owner_id="r1"
    )


HISTORY = {
    "d1": [("New", "01-01"), ("Qualified", "01-03"), ("Qualified", "01-05"), ("Proposal", "01-07"),
           ("Negotiation", "01-13"), ("Won", "01-21")],
    "d2": [("New", "01-01"), ("Proposal", "01-05"), ("Negotiation", "01-10"), ("Won", "01-20")],
    "d3": [("New", "01-02"), ("Qualified", "01-04"), ("Proposal", "01-08"), ("Qualified", "01-12"),
           ("Proposal", "01-20"), ("Lost", "02-01")],
    "d4": [("New", "01-05"), ("Qualified", "01-09")],
    "d5": [("New", "01-06")],
    "d6": [("New", "01-03"), ("Qualified", "01-06"), ("Proposal", "01-10"), ("Lost", "01-25")],
    "d7": [("New", "01-01"), ("Qualified", "01-02"), ("Proposal", "01-04"), ("On hold", "01-05"),
           ("Negotiation", "01-10")],
    "d8": [("New", "01-02"), ("Qualified", "01-05"), ("Proposal", "01-09")],
}


def make_history() -> pd.DataFrame:
    rows = [(d, s, T("2025-" + md)) for d, entries in HISTORY.items() for s, md in entries]
    # shuffled: the functions must sort by deal and time themselves
    return pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"]).sample(frac=1, random_state=7)


@pytest.fixture
def deals() -> pd.DataFrame:
    return make_deals()


@pytest.fixture
def history() -> pd.DataFrame:
    return make_history()


def col(df: pd.DataFrame, name: str) -> list:
    return df[name].tolist()


def assert_floats(actual, expected) -> None:
    got, want = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# --- 1. funnel ------------------------------------------------------------------


def test_funnel_any_mode_counts_every_entry(deals, history):
    f = p.funnel(deals, history, STAGES, WON, LOST, mode="any")
    assert list(f.columns) == list(p.FUNNEL_COLUMNS)
    assert col(f, "stage") == STAGES
    # New: all 8; d2 skips to Proposal, d5 lost (implied Lost entry), the rest advance
    # Qualified: d3 enters twice (moved back), d4 is still there
    # Proposal: d1 d2 d7 advance, d8 skips (won from a non-last stage), d3 moves back once and is lost
    #           once, d6 is lost
    # Negotiation: d1 d2 advance to Won, d7 still there
    assert col(f, "entered") == [8, 7, 7, 3]
    assert col(f, "deals") == [8, 6, 6, 3]
    assert col(f, "advanced") == [6, 6, 3, 2]
    assert col(f, "skipped_ahead") == [1, 0, 1, 0]
    assert col(f, "moved_back") == [0, 0, 1, 0]
    assert col(f, "lost") == [1, 0, 2, 0]
    assert col(f, "still_there") == [0, 1, 0, 1]
    assert_floats(f["conversion"], [6 / 8, 6 / 7, 3 / 7, 2 / 3])
    # furthest stage reached (won = past Negotiation): d1 d2 d8 won, d7 Negotiation, d3 d6 Proposal,
    # d4 Qualified, d5 New; skipped stages count as passed through
    assert col(f, "reached") == [8, 7, 6, 4]
    assert_floats(f["cumulative_conversion"], [7 / 8, 6 / 8, 4 / 8, 3 / 8])
    # closed deals among those reaching the stage: won d1 d2 d8; lost d3 d5 d6
    assert_floats(f["win_rate_from_stage"], [3 / 6, 3 / 5, 3 / 5, 3 / 3])
    assert f.attrs["mode"] == "any" and f.attrs["estimate"] is False
    assert f.attrs["excluded_deals"] == 0
    assert f.attrs["unknown_stage_rows"] == 1 and f.attrs["unknown_stages"] == ["On hold"]
    assert f.attrs["collapsed_repeats"] == 1
    assert f.attrs["implied_terminal_entries"] == 2
    assert f.attrs["won_stage_reached"] == 3


def test_funnel_strict_mode_keeps_only_in_order_deals(deals, history):
    f = p.funnel(deals, history, STAGES, WON, LOST, mode="strict")
    # d2 (skip), d3 (move back) and d8 (won from Proposal) are excluded; d1 d4 d5 d6 d7 remain
    assert f.attrs["mode"] == "strict"
    assert f.attrs["excluded_deals"] == 3
    assert f.attrs["funnel_deals"] == 5
    assert col(f, "entered") == [5, 4, 3, 2]
    assert col(f, "deals") == [5, 4, 3, 2]
    assert col(f, "advanced") == [4, 3, 2, 1]
    assert col(f, "skipped_ahead") == [0, 0, 0, 0]
    assert col(f, "moved_back") == [0, 0, 0, 0]
    assert col(f, "lost") == [1, 0, 1, 0]
    assert col(f, "still_there") == [0, 1, 0, 1]
    assert_floats(f["conversion"], [4 / 5, 3 / 4, 2 / 3, 1 / 2])
    assert_floats(f["cumulative_conversion"], [4 / 5, 3 / 5, 2 / 5, 1 / 5])
    assert_floats(f["win_rate_from_stage"], [1 / 3, 1 / 2, 1 / 2, 1 / 1])
    any_mode = p.funnel(deals, history, STAGES, WON, LOST, mode="any")
    assert (f["entered"] < any_mode["entered"]).all()


def test_funnel_accounting_holds_and_check_raises_on_a_broken_frame(deals, history):
    for mode in ("any", "strict"):
        f = p.funnel(deals, history, STAGES, WON, LOST, mode=mode)
        assert (f[list(p.FUNNEL_OUTCOMES)].sum(axis=1) == f["entered"]).all()
        p.check_funnel_accounting(f)
    broken = p.funnel(deals, history, STAGES, WON, LOST)
    broken.loc[2, "advanced"] += 1
    with pytest.raises(ValueError, match="Proposal"):
        p.check_funnel_accounting(broken)


def test_funnel_stage_nobody_reached_gives_zeros_and_nan(deals, history):
    stages = ["New", "Qualified", "Proposal", "Legal", "Negotiation"]
    f = p.funnel(deals, history, stages, WON, LOST)
    legal = f.set_index("stage").loc["Legal"]
    assert legal["entered"] == 0 and legal["deals"] == 0
    assert all(legal[c] == 0 for c in p.FUNNEL_OUTCOMES)
    assert math.isnan(legal["conversion"])
    # passed through by every deal that reached Negotiation or won (d1 d2 d7 d8)
    assert legal["reached"] == 4
    # Proposal -> Negotiation is now a skip over Legal
    assert f.set_index("stage").loc["Proposal", "skipped_ahead"] == 1 + 3
    p.check_funnel_accounting(f)


def test_funnel_accepts_the_full_stage_list_and_rejects_an_unknown_mode(deals, history):
    full = p.funnel(deals, history, [*STAGES, WON, LOST], WON, LOST)
    pd.testing.assert_frame_equal(full, p.funnel(deals, history, STAGES, WON, LOST))
    with pytest.raises(ValueError, match="mode"):
        p.funnel(deals, history, STAGES, WON, LOST, mode="loose")  # type: ignore[arg-type]


def test_funnel_from_current_stage_without_history(deals):
    f = p.funnel_from_current_stage(deals, STAGES, WON, LOST)
    # positions: won d1 d2 d8 -> past Negotiation; d3 d6 lost at Proposal; d4 open at Qualified;
    # d7 open at Negotiation; d5 lost with stage "Lost" -> counted as lost at the first stage
    assert f.attrs["estimate"] is True
    assert f.attrs["lost_at_unknown_stage"] == 1
    assert col(f, "entered") == [8, 7, 6, 4]
    assert col(f, "advanced") == [7, 6, 4, 3]
    assert col(f, "lost") == [1, 0, 2, 0]
    assert col(f, "still_there") == [0, 1, 0, 1]
    assert col(f, "skipped_ahead") == [0, 0, 0, 0] and col(f, "moved_back") == [0, 0, 0, 0]
    assert_floats(f["conversion"], [7 / 8, 6 / 7, 4 / 6, 3 / 4])
    assert_floats(f["cumulative_conversion"], [7 / 8, 6 / 8, 4 / 8, 3 / 8])
    assert_floats(f["win_rate_from_stage"], [3 / 6, 3 / 5, 3 / 5, 3 / 3])
    p.check_funnel_accounting(f)
    # funnel() without history falls back to the same estimate
    for missing in (None, make_history().iloc[0:0]):
        pd.testing.assert_frame_equal(p.funnel(deals, missing, STAGES, WON, LOST), f)


def test_status_derived_from_stage_when_missing(deals, history):
    stage = ["Won", "Won", "Lost", "Qualified", "Lost", "Lost", "Negotiation", "Won"]
    no_status = deals.drop(columns="status").assign(stage=stage)
    f = p.funnel(no_status, history, STAGES, WON, LOST)
    pd.testing.assert_frame_equal(f, p.funnel(deals, history, STAGES, WON, LOST))


# --- 2. time in stage -------------------------------------------------------------


def test_stage_durations(deals, history):
    d = p.stage_durations(history, deals, STAGES, WON, LOST, AS_OF)
    assert list(d.columns) == ["deal_id", "stage", "entered_at", "left_at", "days", "censored"]
    assert list(d["stage"].cat.categories) == STAGES
    got = {(r.deal_id, str(r.stage), r.entered_at.strftime("%m-%d")): (r.days, r.censored) for r in d.itertuples()}
    assert got == {
        ("d1", "New", "01-01"): (2.0, False), ("d1", "Qualified", "01-03"): (4.0, False),
        ("d1", "Proposal", "01-07"): (6.0, False), ("d1", "Negotiation", "01-13"): (8.0, False),
        ("d2", "New", "01-01"): (4.0, False), ("d2", "Proposal", "01-05"): (5.0, False),
        ("d2", "Negotiation", "01-10"): (10.0, False),
        ("d3", "New", "01-02"): (2.0, False), ("d3", "Qualified", "01-04"): (4.0, False),
        ("d3", "Proposal", "01-08"): (4.0, False), ("d3", "Qualified", "01-12"): (8.0, False),
        ("d3", "Proposal", "01-20"): (12.0, False),
        ("d4", "New", "01-05"): (4.0, False), ("d4", "Qualified", "01-09"): (37.0, True),  # censored at 15 Feb
        ("d5", "New", "01-06"): (10.0, False),  # left at closed_at (implied Lost entry)
        ("d6", "New", "01-03"): (3.0, False), ("d6", "Qualified", "01-06"): (4.0, False),
        ("d6", "Proposal", "01-10"): (15.0, False),
        ("d7", "New", "01-01"): (1.0, False), ("d7", "Qualified", "01-02"): (2.0, False),
        ("d7", "Proposal", "01-04"): (6.0, False),  # "On hold" ignored
        ("d7", "Negotiation", "01-10"): (36.0, True),
        ("d8", "New", "01-02"): (3.0, False), ("d8", "Qualified", "01-05"): (4.0, False),
        ("d8", "Proposal", "01-09"): (10.0, False),
    }
    assert d.loc[d["censored"], "left_at"].isna().all()
    assert d.loc[~d["censored"], "left_at"].notna().all()


def test_stage_durations_censors_at_as_of(deals, history):
    # at 20 Jan: d3's second Proposal entry (20 Jan) has just started, d2's Negotiation ends that day
    d = p.stage_durations(history, deals, STAGES, WON, LOST, T("2025-01-20"))
    d = d.set_index(["deal_id", d["stage"].astype(str), d["entered_at"].dt.strftime("%m-%d")])
    assert d.loc[("d6", "Proposal", "01-10"), ["days", "censored"]].tolist() == [10.0, True]
    assert d.loc[("d2", "Negotiation", "01-10"), ["days", "censored"]].tolist() == [10.0, False]
    assert d.loc[("d3", "Proposal", "01-20"), ["days", "censored"]].tolist() == [0.0, True]
    assert ("d1", "Negotiation", "01-13") in d.index and d.loc[("d1", "Negotiation", "01-13"), "censored"]


def test_kaplan_meier_median_with_censoring():
    # durations 2, 4, 6 (still open), 8. Kaplan-Meier steps:
    #   t=2: 4 at risk, 1 leaves -> S = 1 * 3/4          = 0.75
    #   t=4: 3 at risk, 1 leaves -> S = 0.75 * 2/3       = 0.50  -> median (first S <= 0.5) = 4
    #   t=6: censored, at risk drops to 1, S stays 0.50
    #   t=8: 1 at risk, 1 leaves -> S = 0.5 * 0/1        = 0     -> p75 = p90 = 8
    # the naive median of the closed entries (2, 4, 8) is 4; with 6 dropped the mean would mislead
    d = pd.DataFrame(
        {"stage": pd.Categorical(["A"] * 4 + ["B"] * 2, categories=["A", "B", "C"]),
         "days": [2.0, 4.0, 6.0, 8.0, 3.0, 9.0], "censored": [False, False, True, False, False, True]}
    )
    s = p.stage_time_summary(d)
    assert col(s, "stage") == ["A", "B", "C"]
    a, b, c = (s.iloc[i] for i in range(3))
    assert (a["entries"], a["closed"], a["censored"]) == (4, 3, 1)
    assert (a["median_days"], a["p75_days"], a["p90_days"], a["naive_median_days"]) == (4.0, 8.0, 8.0, 4.0)
    # B: 3 leaves (S = 1/2 -> median 3), 9 is censored: S never reaches 0.25
    assert b["median_days"] == 3.0 and math.isnan(b["p75_days"]) and math.isnan(b["p90_days"])
    # C: nobody entered
    assert c["entries"] == 0 and math.isnan(c["median_days"]) and math.isnan(c["naive_median_days"])


def test_stage_time_summary_on_the_fixture(deals, history):
    s = p.stage_time_summary(p.stage_durations(history, deals, STAGES, WON, LOST, AS_OF))
    assert col(s, "entries") == [8, 7, 7, 3]
    assert col(s, "censored") == [0, 1, 0, 1]
    # New (all closed): 1 2 2 3 3 4 4 10 -> S(3) = 3/8, S(4) = 1/8, S(10) = 0
    # Qualified: 2 4 4 4 4 8 37+ -> S(2) = 6/7, S(4) = 6/7 * 2/6 = 2/7, S(8) = 1/7, then censored
    # Proposal (all closed): 4 5 6 6 10 12 15 -> S(6) = 3/7, S(12) = 1/7, S(15) = 0
    # Negotiation: 8 10 36+ -> S(8) = 2/3, S(10) = 1/3, then censored
    assert_floats(s["median_days"], [3, 4, 6, 10])
    assert_floats(s["p75_days"], [4, 8, 12, np.nan])
    assert_floats(s["p90_days"], [10, np.nan, 15, np.nan])
    assert_floats(s["naive_median_days"], [3, 4, 6, 9])


def test_sales_cycle(deals):
    c = p.sales_cycle(deals, AS_OF).set_index("outcome")
    # won: 20, 19, 17 days; lost: 30, 10, 22; open at 15 Feb: d4 41 days, d7 45 days
    assert c.loc["won", "deals"] == 3
    assert_floats(c.loc["won", ["median_days", "p75_days", "p90_days", "mean_days"]], [19, 19.5, 19.8, 56 / 3])
    assert_floats(c.loc["lost", ["median_days", "p75_days", "p90_days", "mean_days"]], [22, 26, 28.4, 62 / 3])
    assert_floats(c.loc["open", ["deals", "median_days"]], [2, 43])


# --- 3. bottlenecks -----------------------------------------------------------------


def crafted_bottleneck_inputs():
    """Five stages: C's conversion collapses, D is slow, the others are normal."""
    stages = ["A", "B", "C", "D", "E"]
    f = pd.DataFrame(
        {
            "stage": stages,
            "entered": [100, 80, 56, 40, 30],
            "advanced": [80, 56, 17, 30, 24],
            "skipped_ahead": [0, 0, 0, 0, 0],
            "moved_back": [0, 0, 0, 0, 0],
            "lost": [20, 20, 35, 6, 6],
            "still_there": [0, 4, 4, 4, 0],
            "win_rate_from_stage": [0.3, 0.4, 0.5, 0.7, 0.85],
        }
    )
    f["conversion"] = f["advanced"] / f["entered"]  # 0.8, 0.7, 0.3036, 0.75, 0.8
    ts = pd.DataFrame({"stage": stages, "entries": [100, 80, 56, 40, 30], "median_days": [3.0, 5.0, 6.0, 40.0, 4.0]})
    deals = pd.DataFrame(
        {"deal_id": ["w1", "w2", "l1", "o1"], "status": ["won", "won", "lost", "open"],
         "stage": ["Won", "Won", "Lost", "A"], "amount": [1000.0, 3000.0, 99.0, 7.0],
         "created_at": pd.to_datetime(["2025-01-01"] * 4)}
    )
    # open entries: 4 at D aged 20 days (> 2 x peer median 4.5 -> stuck), 4 at C aged 5 days (not stuck)
    durations = pd.DataFrame(
        {"stage": pd.Categorical(["D"] * 4 + ["C"] * 4 + ["A"], categories=stages),
         "days": [20.0] * 4 + [5.0] * 4 + [3.0], "censored": [True] * 8 + [False]}
    )
    return f, ts, deals, durations


def test_bottlenecks_flag_exactly_the_collapsed_and_the_slow_stage():
    f, ts, deals, durations = crafted_bottleneck_inputs()
    b = p.bottlenecks(f, ts, deals, WON, LOST, durations=durations).set_index("stage")
    # C: peers 0.8 0.7 0.75 0.8 -> median 0.775; 0.3036 < 0.6 x 0.775 = 0.465
    assert_floats(b["peer_conversion"], [0.725, 0.775, 0.775, 0.75, 0.725])
    assert b["is_conversion_bottleneck"].tolist() == [False, False, True, False, False]
    # D: peers 3 5 6 4 -> median 4.5; 40 > 2.5 x 4.5 = 11.25
    assert_floats(b["peer_median_days"], [5.5, 5.0, 4.5, 4.5, 5.5])
    assert b["is_time_bottleneck"].tolist() == [False, False, False, True, False]
    assert b["is_bottleneck"].tolist() == [False, False, True, True, False]
    assert b["stuck"].tolist() == [0, 0, 0, 4, 0]
    # avg won = 2000; revenue at risk = (lost + stuck) x 2000 x win rate from the next stage
    assert_floats(b["downstream_win_rate"], [0.4, 0.5, 0.7, 0.85, 1.0])
    assert_floats(
        b["revenue_at_risk"], [20 * 2000 * 0.4, 20 * 2000 * 0.5, 35 * 2000 * 0.7, 10 * 2000 * 0.85, 6 * 2000 * 1.0]
    )
    assert b["rank"].tolist() == [pd.NA, pd.NA, 1, 2, pd.NA]
    assert b.attrs["top_stage"] == "C" and b.attrs["avg_won"] == 2000.0
    assert_floats(b.loc["C", ["conversion_gap"]], [17 / 56 - 0.775])


def test_bottlenecks_use_targets_and_need_enough_entries():
    f, ts, deals, durations = crafted_bottleneck_inputs()
    # B 0.70 < 0.85 - 0.10 -> flagged; C 0.30 >= 0.35 - 0.10 -> the target replaces the peer rule
    b = p.bottlenecks(f, ts, deals, WON, LOST, {"B": 0.85, "C": 0.35}).set_index("stage")
    assert b["is_conversion_bottleneck"].tolist() == [False, True, False, False, False]
    assert_floats(b.loc[["B", "C"], "conversion_gap"], [0.70 - 0.85, 17 / 56 - 0.35])
    assert b["stuck"].tolist() == [0] * 5  # no durations given
    few = f.assign(entered=f["entered"].where(f["stage"] != "C", 9))
    few_ts = ts.assign(entries=ts["entries"].where(ts["stage"] != "D", 9))
    b = p.bottlenecks(few, few_ts, deals, WON, LOST)
    assert not b["is_bottleneck"].any() and b.attrs["top_stage"] is None
    no_time = p.bottlenecks(f, None, deals, WON, LOST)
    assert not no_time["is_time_bottleneck"].any() and no_time["median_days"].isna().all()


def test_no_bottleneck_in_the_small_fixture(deals, history):
    f = p.funnel(deals, history, STAGES, WON, LOST)
    d = p.stage_durations(history, deals, STAGES, WON, LOST, AS_OF)
    b = p.bottlenecks(f, p.stage_time_summary(d), deals, WON, LOST, durations=d)
    assert not b["is_bottleneck"].any()  # fewer than MIN_STAGE_ENTRIES everywhere
    # stuck: Qualified's open entry (37 d) > 2 x 6 (peer median), Negotiation's (36 d) > 2 x 4
    assert b["stuck"].tolist() == [0, 1, 0, 1]


# --- 4. cohorts and segments -------------------------------------------------------------


def with_february_deal(deals, history):
    d9 = pd.DataFrame([{"deal_id": "d9", "created_at": T("2025-02-10"), "closed_at": pd.NaT, "status": "open",
                        "stage": "New", "amount": 400.0, "source": "Web", "lost_reason": None, "owner_id": "r1"}])
    h9 = pd.DataFrame([{"deal_id": "d9", "stage": "New", "entered_at": T("2025-02-10")}])
    return pd.concat([deals, d9], ignore_index=True), pd.concat([history, h9], ignore_index=True)


def test_cohort_funnel(deals, history):
    d, h = with_february_deal(deals, history)
    c = p.cohort_funnel(d, h, STAGES, WON, LOST, T("2025-03-01"))
    assert c["cohort"].tolist() == [T("2025-01-01"), T("2025-02-01")]
    assert col(c, "created") == [8, 1]
    assert c.attrs["reached_columns"] == [f"reached_{s}" for s in STAGES]
    assert_floats(c.iloc[0][c.attrs["reached_columns"]], [8 / 8, 7 / 8, 6 / 8, 4 / 8])
    assert_floats(c.iloc[1][c.attrs["reached_columns"]], [1, 0, 0, 0])
    assert col(c, "won") == [3, 0] and col(c, "lost") == [3, 0] and col(c, "open") == [2, 1]
    assert_floats(c["win_rate"], [3 / 8, 0])
    # default maturity = p75 of the won cycle (17, 19, 20 days) = 19.5; ages from month end to 1 Mar: 28, 0
    assert c.attrs["mature_after_days"] == 19.5
    assert_floats(c["age_days"], [28, 0])
    assert col(c, "mature") == [True, False]
    early = p.cohort_funnel(d, h, STAGES, WON, LOST, AS_OF)  # 15 Feb: January is 14 days old
    assert col(early, "mature") == [False, False]
    assert col(p.cohort_funnel(d, h, STAGES, WON, LOST, AS_OF, mature_after_days=10), "mature") == [True, False]
    estimate = p.cohort_funnel(d, None, STAGES, WON, LOST, AS_OF)
    assert estimate.attrs["estimate"] is True
    assert_floats(estimate.iloc[0][estimate.attrs["reached_columns"]], [8 / 8, 7 / 8, 6 / 8, 4 / 8])


def test_segment_funnel_and_most_different_segment(deals, history):
    s = p.segment_funnel(deals, history, STAGES, WON, LOST)  # only 'source' is present
    assert s.attrs["missing_columns"] == ["product", "team", "region"]
    assert list(s.columns) == [
        "by", "value", "stage", "entered", "advanced", "conversion", "deals", "won", "lost", "win_rate"
    ]
    assert s["by"].unique().tolist() == ["source"]
    assert s["value"].unique().tolist() == ["Web", "Referral", "(none)"]
    web = s.loc[s["value"] == "Web"]
    # Web = d1 d2 d4 d7
    assert col(web, "entered") == [4, 3, 3, 3] and col(web, "advanced") == [3, 2, 3, 2]
    ref = s.loc[s["value"] == "Referral"]
    # Referral = d3 d6 d8: nobody reached Negotiation
    assert col(ref, "entered") == [3, 4, 4, 0] and col(ref, "advanced") == [3, 4, 0, 0]
    assert math.isnan(ref["conversion"].iloc[3])
    assert_floats(s.drop_duplicates("value")["win_rate"], [1.0, 1 / 3, 0.0])
    best = p.most_different_segment(s, min_deals=2)
    # Web: 2 won of 2 closed vs the rest 1 of 4; Referral 1/3 vs 2/3; (none) has 1 closed deal only
    assert best == {"by": "source", "value": "Web", "deals": 4, "closed": 2, "win_rate": 1.0,
                    "rest_win_rate": 0.25, "difference": 0.75}
    assert p.most_different_segment(s) is None  # nobody has 30 closed deals
    assert p.segment_funnel(deals, history, STAGES, WON, LOST, by="region").empty


# --- 5. lost deals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Price", "Price"), ("price ", "Price"), ("PRICE", "Price"), ("Too expensive", "Price"),
        ("  too   expensive!! ", "Price"),
        ("Competitor", "Competitor"), ("went with competitor", "Competitor"), ("Chose competitor.", "Competitor"),
        ("No budget", "No budget"), ("no-budget", "No budget"),
        ("No decision", "No decision"), ("Timing", "Timing"), ("Bad timing", "Timing"),
        ("", "(no reason)"), ("   ", "(no reason)"), (None, "(no reason)"), (np.nan, "(no reason)"),
        (pd.NA, "(no reason)"), ("N/A", "(no reason)"),
        ("merged with  ACME", "Merged with acme"),
    ],
)
def test_normalise_reason(text, expected):
    assert p.normalise_reason(text) == expected


def test_lost_analysis(deals, history):
    r = p.lost_analysis(deals, history, STAGES, LOST)
    by_reason = r["by_reason"]
    assert col(by_reason, "reason") == ["Competitor", "Price", "(no reason)"]
    assert col(by_reason, "deals") == [1, 1, 1] and col(by_reason, "value") == [1500.0, 500.0, 300.0]
    assert_floats(by_reason["share"], [1 / 3] * 3)
    by_stage = r["by_stage"]
    # d5 lost at New (history), d3 and d6 at Proposal
    assert col(by_stage, "stage") == STAGES
    assert col(by_stage, "deals") == [1, 0, 2, 0] and col(by_stage, "value") == [300.0, 0.0, 2000.0, 0.0]
    t = r["time_to_loss"].set_index("stage")
    # lost cycles: d5 10 days (New), d3 30 and d6 22 (Proposal)
    assert_floats(t.loc["New", ["deals", "median_days", "p75_days"]], [1, 10, 10])
    assert_floats(t.loc["Proposal", ["deals", "median_days", "p75_days"]], [2, 26, 28])
    assert_floats(t.loc["(all)", ["deals", "median_days", "p75_days"]], [3, 22, 26])
    s = r["summary"].iloc[0]
    assert (s["lost_deals"], s["lost_value"], s["no_reason_deals"], s["no_reason_value"]) == (3, 2300.0, 1, 300.0)
    assert s["no_reason_share"] == pytest.approx(1 / 3)
    # without history d5's stage is "Lost": unknown
    no_history = p.lost_analysis(deals, None, STAGES, LOST)["by_stage"]
    assert col(no_history, "stage") == [*STAGES, "(unknown)"] and col(no_history, "deals") == [0, 0, 2, 0, 1]


# --- 6. velocity -------------------------------------------------------------------------


def velocity_deals() -> pd.DataFrame:
    rows = [
        ("v1", "2025-01-05", "2025-01-25", "won", 1000.0),  # cycle 20
        ("v2", "2025-01-10", "2025-01-20", "lost", 500.0),
        ("v3", "2025-01-15", None, "open", 700.0),
        ("v4", "2025-01-20", "2025-02-10", "won", 3000.0),  # cycle 21
        ("v5", "2025-02-01", "2025-02-11", "won", 2000.0),  # cycle 10
        ("v6", "2025-02-05", "2025-02-20", "lost", 100.0),
        ("v7", "2025-02-10", None, "open", 100.0),
    ]
    df = pd.DataFrame(rows, columns=["deal_id", "created_at", "closed_at", "status", "amount"])
    return df.assign(created_at=pd.to_datetime(df["created_at"]), closed_at=pd.to_datetime(df["closed_at"]),
                     stage="x", owner_id="r1")


def test_velocity_two_months():
    v = p.velocity(velocity_deals(), T("2025-03-01"))
    assert v["period"].tolist() == [T("2025-01-01"), T("2025-02-01")]
    assert v["period_end"].tolist() == [T("2025-02-01"), T("2025-03-01")]
    # open at 1 Feb: v3 v4; at 1 Mar: v3 v7
    assert col(v, "open_deals") == [2, 2]
    assert col(v, "won_deals") == [1, 2] and col(v, "lost_deals") == [1, 1]
    assert_floats(v["win_rate"], [1 / 2, 2 / 3])
    assert_floats(v["avg_won"], [1000, 2500])
    assert_floats(v["median_cycle_days"], [20, 15.5])
    # January: 2 x 0.5 x 1000 / 20 = 50; February: 2 x 2/3 x 2500 / 15.5
    assert_floats(v["velocity"], [50, 2 * (2 / 3) * 2500 / 15.5])
    # cut at as_of: a mid-month end gives a shorter last period
    cut = p.velocity(velocity_deals(), T("2025-02-15"))
    assert cut["period_end"].tolist() == [T("2025-02-01"), T("2025-02-15")]
    assert col(cut, "open_deals") == [2, 3] and col(cut, "won_deals") == [1, 2] and col(cut, "lost_deals") == [1, 0]


def test_velocity_levers():
    lv = p.velocity_levers(p.velocity(velocity_deals(), T("2025-03-01"))).set_index("lever")
    assert lv.index.tolist() == [*p.LEVERS, "velocity"]
    assert_floats(lv["first_half"], [2, 0.5, 1000, 20, 50])
    assert_floats(lv["second_half"], [2, 2 / 3, 2500, 15.5, 2 * (2 / 3) * 2500 / 15.5])
    assert_floats(lv["change_pct"].iloc[:4], [0, 100 / 3, 150, -22.5])
    assert_floats(lv.loc["median_cycle_days", ["velocity_effect_pct"]], [(20 / 15.5 - 1) * 100])
    # |ln ratio|: win rate 0.288, avg won 0.916, cycle 0.255 -> avg_won moved most
    assert lv["moved_most"].tolist() == [False, False, True, False, False]
    assert p.velocity_levers(p.velocity(velocity_deals(), T("2025-02-01"))).empty


# --- 7. leads ------------------------------------------------------------------------------


def test_lead_conversion(deals):
    leads = pd.DataFrame(
        [("L1", "2024-12-27", "Web", "d1"), ("L2", "2024-12-30", "Web", "d4"), ("L3", "2025-01-02", "Web", None),
         ("L4", "2024-12-31", "Referral", "d99"), ("L5", "2024-12-24", "Referral", "d6"),
         ("L6", "2025-01-03", None, None)],
        columns=["lead_id", "created_at", "source", "deal_id"],
    )
    leads["created_at"] = pd.to_datetime(leads["created_at"])
    lc = p.lead_conversion(leads, deals)
    assert col(lc, "source") == ["Web", "Referral", "(none)", "(all)"]
    assert col(lc, "leads") == [3, 2, 1, 6]
    assert col(lc, "converted") == [2, 1, 0, 3]  # d99 is not a deal
    assert_floats(lc["conversion"], [2 / 3, 1 / 2, 0, 1 / 2])
    # days lead -> deal: L1 5, L2 6, L5 10
    assert_floats(lc["median_days_to_deal"], [5.5, 10, np.nan, 6])


# --- 8. findings ---------------------------------------------------------------------------


def test_process_findings():
    f, ts, deals, durations = crafted_bottleneck_inputs()
    b = p.bottlenecks(f, ts, deals, WON, LOST, durations=durations)
    fx_deals, fx_history = make_deals(), make_history()
    found = p.process_findings(
        funnel_df=f,
        bottlenecks_df=b,
        lost=p.lost_analysis(fx_deals, fx_history, STAGES, LOST),
        segments_df=p.segment_funnel(fx_deals, fx_history, STAGES, WON, LOST),
        levers_df=p.velocity_levers(p.velocity(velocity_deals(), T("2025-03-01"))),
        lost_reason_target=0.05,
        currency="EUR",
        min_segment_deals=2,
    )
    by_id = {x.id: x for x in found}
    assert sorted(by_id) == sorted([
        "process.bottleneck.conversion.c", "process.bottleneck.time.d", "process.lost_reason_missing",
        "process.lost_reason.top", "process.segment.source.web", "process.velocity.lever",
    ])
    assert all(isinstance(x, Finding) and x.step == 3 and x.area == "process" and x.evidence for x in found)
    json.dumps([x.to_dict() for x in found])
    conv = by_id["process.bottleneck.conversion.c"]
    # shortfall 1 - 0.3036 / 0.775 = 0.61 -> critical
    assert conv.severity == "critical" and conv.value == pytest.approx(17 / 56) and conv.target == 0.775
    assert conv.action == "process.fix_stage_conversion" and "costs the most" in conv.detail
    slow = by_id["process.bottleneck.time.d"]
    # 40 / 4.5 = 8.9 x the peers -> critical
    assert slow.severity == "critical" and (slow.value, slow.target, slow.unit) == (40.0, 4.5, "days")
    assert slow.action == "process.unblock_stalled_stage"
    missing = by_id["process.lost_reason_missing"]
    assert (missing.severity, missing.value, missing.target) == ("high", pytest.approx(1 / 3), 0.05)
    assert missing.action == "process.enforce_lost_reasons"
    seg = by_id["process.segment.source.web"]
    assert (seg.severity, seg.value, seg.target) == ("high", 1.0, 0.25)
    lever = by_id["process.velocity.lever"]
    assert lever.severity == "info" and lever.metric == "velocity_lever.avg_won"  # it grew: no problem
    assert all(x.action in p.ACTIONS for x in found)
    assert p.process_findings() == []


def test_process_findings_estimate_and_leads(deals):
    estimate = p.funnel(deals, None, STAGES, WON, LOST)
    lc = pd.DataFrame({"source": ["Web", "(all)"], "leads": [10, 10], "converted": [2, 2], "conversion": [0.2, 0.2],
                       "median_days_to_deal": [3.0, 3.0]})
    found = p.process_findings(funnel_df=estimate, leads_df=lc, lead_conversion_target=0.4)
    assert [x.id for x in found] == ["process.funnel_estimate", "process.lead_conversion"]
    assert found[0].severity == "info"
    assert found[1].severity == "high"  # 1 - 0.2 / 0.4 = 0.5
    assert p.process_findings(leads_df=lc) == []  # no target, no finding


# --- 9. figures ----------------------------------------------------------------------------


def _labelled(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_figures(deals, history):
    f = p.funnel(deals, history, STAGES, WON, LOST)
    d = p.stage_durations(history, deals, STAGES, WON, LOST, AS_OF)
    fb, ts, fdeals, durations = crafted_bottleneck_inputs()
    b = p.bottlenecks(fb, ts, fdeals, WON, LOST, durations=durations)
    chart = figures.funnel_chart(f)
    assert "mode: any" in chart.axes[0].get_title()
    _labelled(chart)
    _labelled(figures.funnel_chart(b))
    _labelled(figures.funnel_chart(p.funnel(deals, None, STAGES, WON, LOST)))
    _labelled(figures.stage_time_boxplot(d))
    _labelled(figures.stage_time_boxplot(d.iloc[0:0]))
    dd, hh = with_february_deal(deals, history)
    heat = figures.cohort_heatmap(p.cohort_funnel(dd, hh, STAGES, WON, LOST, T("2025-03-01")))
    assert [t.get_text() for t in heat.axes[0].get_yticklabels()] == ["2025-01", "2025-02 *"]
    _labelled(heat)
    _labelled(figures.lost_reason_bars(p.lost_analysis(deals, history, STAGES, LOST)["by_reason"]))
    _labelled(figures.velocity_chart(p.velocity(velocity_deals(), T("2025-03-01")), currency="EUR"))
