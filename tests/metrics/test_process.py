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

Every metric now reads an audit frame built in code (``frame_from_tables``). The fixture's period is
1 January .. 14 February 2025, so the as-of moment is 15 February 2025: every deal is created in the
period and closed before as_of, and the populations of step 2 and step 3 are the same eight deals.

Expected values that changed with the definitions, recomputed by hand (each test says where):

- conversion = advanced / entries that have left the stage (entered - in_progress), with ``in_progress``
  (was ``still_there``) beside it: Qualified 6 / 6 (was 6 / 7: d4 is still there), Negotiation 2 / 2 (was
  2 / 3: d7 is still there); the bottleneck rule needs 10 entries that have *left* a stage.
- cumulative conversion leaves out the deals still in progress at the stage or before: 7/8, 6/7, 4/7, 3/6
  (was 7/8, 6/8, 4/8, 3/8: d4, open at Qualified, has not failed to pass Proposal).
- the estimate (no stage history) claims no conversion: conversion, cumulative conversion and win rate
  from stage are NaN, and d5 (lost, stage "Lost") is lost at "(unknown)", a last row, instead of at New.
- an event at or after as_of is not seen: with as_of on 20 January, d2's Won entry of 20 January is in
  the future, so d2 is still in Negotiation (was: left it on the 20th).
- velocity levers compare complete months only (at least 2 per half); changes are fractions, not percents.
- lead conversion reads the leads created in the period; a link to a deal created after as_of is cleared.
- findings use hashed ids from (step, kind, subject); no lead-conversion finding (the goals check has it).
"""

from __future__ import annotations

import json
import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from auditkit import figures  # noqa: E402
from auditkit.findings import Finding, finding_id  # noqa: E402
from auditkit.frame import AuditFrame, frame_from_tables  # noqa: E402
from auditkit.kpis import evaluate  # noqa: E402
from auditkit.metrics import process as p  # noqa: E402
from auditkit.params import parse_params  # noqa: E402
from auditkit.report.format import Formatter  # noqa: E402
from auditkit.units import UNITS  # noqa: E402

T = pd.Timestamp
STAGES = ["New", "Qualified", "Proposal", "Negotiation"]
WON, LOST = "Won", "Lost"
AS_OF = T("2025-02-15")


def params(stages=STAGES, start="2025-01-01", end="2025-02-14", goals=(), **pipeline):
    return parse_params(
        {
            "client": {"name": "Test", "slug": "test"},
            "period": {"start": start, "end": end},
            "currency": "EUR",
            "pipeline": {"stages": [*stages, WON, LOST], "won": WON, "lost": LOST, **pipeline},
            "goals": list(goals),
            "data": {"tables": {"deals": {"path": "deals.csv"}}},
        }
    )


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


def make_frame(deals=None, history="default", leads=None, **kw) -> AuditFrame:
    """The fixture as an audit frame; ``history=None`` leaves the stage history out (the estimate)."""
    tables = {"deals": make_deals() if deals is None else deals}
    if isinstance(history, str):
        history = make_history()
    if history is not None:
        tables["stage_history"] = history
    if leads is not None:
        tables["leads"] = leads
    return frame_from_tables(params(**kw), tables)


@pytest.fixture
def frame() -> AuditFrame:
    return make_frame()


@pytest.fixture
def estimate() -> AuditFrame:
    return make_frame(history=None)


def col(df: pd.DataFrame, name: str) -> list:
    return df[name].tolist()


def assert_floats(actual, expected) -> None:
    got, want = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# --- 0. parsing ------------------------------------------------------------------


def test_the_stage_history_is_parsed_once_per_frame(frame, monkeypatch):
    import auditkit.metrics.process.entries as entries_module

    calls = []
    parse = entries_module.parse_entries
    monkeypatch.setattr(entries_module, "parse_entries", lambda f: calls.append(f) or parse(f))
    assert p.stage_entries(frame) is p.stage_entries(frame)
    f = p.funnel(frame)
    d = p.stage_durations(frame)
    p.bottlenecks(frame, f, p.stage_time_summary(d), d)
    p.cohort_funnel(frame), p.segment_funnel(frame), p.lost_analysis(frame), p.process_findings(frame)
    assert len(calls) == 1
    other = make_frame()
    p.funnel(other)
    assert len(calls) == 2  # a new frame (a subset, say) is parsed once for itself


# --- 1. funnel ------------------------------------------------------------------


def test_funnel_any_mode_counts_every_entry(frame):
    f = p.funnel(frame, mode="any")
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
    assert col(f, "in_progress") == [0, 1, 0, 1]
    assert col(f, "left") == [8, 6, 7, 2]
    # advanced / left (changed: was / entered, 6/7 and 2/3)
    assert_floats(f["conversion"], [6 / 8, 6 / 6, 3 / 7, 2 / 2])
    # furthest stage reached (won = past Negotiation): d1 d2 d8 won, d7 Negotiation, d3 d6 Proposal,
    # d4 Qualified, d5 New; skipped stages count as passed through
    assert col(f, "reached") == [8, 7, 6, 4]
    # got past the stage / (reached New - open deals whose furthest stage is this one or earlier):
    # New 7/8; Qualified 6/(8 - d4); Proposal 4/(8 - d4); Negotiation 3/(8 - d4 - d7)  (changed: was /8)
    assert_floats(f["cumulative_conversion"], [7 / 8, 6 / 7, 4 / 7, 3 / 6])
    # closed deals among those reaching the stage: won d1 d2 d8; lost d3 d5 d6
    assert_floats(f["win_rate_from_stage"], [3 / 6, 3 / 5, 3 / 5, 3 / 3])
    assert f.attrs["mode"] == "any" and f.attrs["estimate"] is False and f.attrs["population"] == "deals_created"
    assert f.attrs["excluded_deals"] == 0
    assert f.attrs["unknown_stage_rows"] == 1 and f.attrs["unknown_stages"] == ["On hold"]
    assert f.attrs["collapsed_repeats"] == 1
    assert f.attrs["implied_terminal_entries"] == 2
    assert f.attrs["won_stage_reached"] == 3
    assert p.units_of(f)["conversion"] == "share" and p.units_of(f)["in_progress"] == "count"
    assert set(p.units_of(f).values()) <= set(UNITS)


def test_funnel_strict_mode_keeps_only_in_order_deals(frame):
    f = p.funnel(frame, mode="strict")
    # d2 (skip), d3 (move back) and d8 (won from Proposal) are excluded; d1 d4 d5 d6 d7 remain
    assert f.attrs["mode"] == "strict"
    assert f.attrs["excluded_deals"] == 3
    assert f.attrs["funnel_deals"] == 5
    assert col(f, "entered") == [5, 4, 3, 2]
    assert col(f, "advanced") == [4, 3, 2, 1]
    assert col(f, "skipped_ahead") == [0, 0, 0, 0] and col(f, "moved_back") == [0, 0, 0, 0]
    assert col(f, "lost") == [1, 0, 1, 0]
    assert col(f, "in_progress") == [0, 1, 0, 1]
    assert_floats(f["conversion"], [4 / 5, 3 / 3, 2 / 3, 1 / 1])
    # open: d4 (furthest Qualified), d7 (Negotiation)
    assert_floats(f["cumulative_conversion"], [4 / 5, 3 / 4, 2 / 4, 1 / 3])
    assert_floats(f["win_rate_from_stage"], [1 / 3, 1 / 2, 1 / 2, 1 / 1])
    assert (f["entered"] < p.funnel(frame, mode="any")["entered"]).all()


def test_funnel_mode_comes_from_the_params_and_an_unknown_mode_is_refused():
    strict = make_frame(funnel_mode="strict")
    assert p.funnel(strict).attrs["mode"] == "strict"
    with pytest.raises(ValueError, match="mode"):
        p.funnel(strict, mode="loose")  # type: ignore[arg-type]


def test_funnel_accounting_holds_and_check_raises_on_a_broken_frame(frame, estimate):
    for f in (p.funnel(frame, "any"), p.funnel(frame, "strict"), p.funnel(estimate)):
        assert (f[list(p.FUNNEL_OUTCOMES)].sum(axis=1) == f["entered"]).all()
        p.check_funnel_accounting(f)
    broken = p.funnel(frame)
    broken.loc[2, "advanced"] += 1
    with pytest.raises(ValueError, match="Proposal"):
        p.check_funnel_accounting(broken)


def test_funnel_stage_nobody_reached_gives_zeros_and_nan():
    f = p.funnel(make_frame(stages=["New", "Qualified", "Proposal", "Legal", "Negotiation"]))
    legal = f.set_index("stage").loc["Legal"]
    assert legal["entered"] == 0 and legal["deals"] == 0 and legal["left"] == 0
    assert all(legal[c] == 0 for c in p.FUNNEL_OUTCOMES)
    assert math.isnan(legal["conversion"])
    # passed through by every deal that reached Negotiation or won (d1 d2 d7 d8)
    assert legal["reached"] == 4
    # Proposal -> Negotiation is now a skip over Legal
    assert f.set_index("stage").loc["Proposal", "skipped_ahead"] == 1 + 3
    p.check_funnel_accounting(f)


def ten_entries_frame() -> AuditFrame:
    """12 deals created on 2 January: all enter New; n1 n2 are lost there, n3..n12 move to Proposal,
    where n3 n4 are won and n5..n12 are still there at the end of January."""
    ids = [f"n{i}" for i in range(1, 13)]
    status = ["lost"] * 2 + ["won"] * 2 + ["open"] * 8
    deals = pd.DataFrame(
        {
            "deal_id": ids, "created_at": T("2025-01-02"), "status": status,
            "closed_at": [T("2025-01-05")] * 2 + [T("2025-01-10")] * 2 + [pd.NaT] * 8,
            "stage": ["Lost"] * 2 + ["Won"] * 2 + ["Proposal"] * 8, "amount": 100.0, "owner_id": "r",
        }
    )
    rows = [(d, "New", T("2025-01-02")) for d in ids]
    rows += [(d, "Lost", T("2025-01-05")) for d in ids[:2]]
    rows += [(d, "Proposal", T("2025-01-06")) for d in ids[2:]]
    rows += [(d, "Won", T("2025-01-10")) for d in ids[2:4]]
    history = pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"])
    return frame_from_tables(params(["New", "Proposal"], end="2025-01-31"), {"deals": deals, "stage_history": history})


def test_conversion_is_over_the_entries_that_left_with_in_progress_beside_it():
    fr = ten_entries_frame()
    f = p.funnel(fr).set_index("stage")
    assert f.loc["New", ["entered", "advanced", "lost", "in_progress", "left"]].tolist() == [12, 10, 2, 0, 12]
    # ten entries, two advanced (won), eight still there: 2 / 2 = 100 % of those that left, not 2 / 10
    assert f.loc["Proposal", ["entered", "advanced", "in_progress", "left"]].tolist() == [10, 2, 8, 2]
    assert f.loc["Proposal", "conversion"] == 1.0
    assert f.loc["New", "conversion"] == pytest.approx(10 / 12)
    # and never a bottleneck: the old reading, 20 % < 0.6 x 83 %, would have flagged it
    d = p.stage_durations(fr)
    b = p.bottlenecks(fr, p.funnel(fr), p.stage_time_summary(d), d)
    assert not b["is_bottleneck"].any() and b.attrs["top_stage"] is None


def test_the_estimate_makes_no_conversion_claim_and_agrees_with_lost_analysis(estimate):
    f = p.funnel(estimate)
    # positions: won d1 d2 d8 -> past Negotiation; d3 d6 lost at Proposal (their stage says so);
    # d4 open at Qualified; d7 open at Negotiation; d5 lost with stage "Lost": lost at an unknown stage
    assert f.attrs["estimate"] is True and f.attrs["lost_at_unknown_stage"] == 1
    assert "no stage history" in f.attrs["reason"]
    assert col(f, "stage") == [*STAGES, p.UNKNOWN_STAGE]
    assert col(f, "entered") == [7, 7, 6, 4, 1]
    assert col(f, "advanced") == [7, 6, 4, 3, 0]
    assert col(f, "lost") == [0, 0, 2, 0, 1]
    assert col(f, "in_progress") == [0, 1, 0, 1, 0]
    for c in ("conversion", "cumulative_conversion", "win_rate_from_stage"):
        assert f[c].isna().all(), c
    by_stage = p.lost_analysis(estimate)["by_stage"]
    assert col(by_stage, "stage") == col(f, "stage")
    assert col(by_stage, "deals") == col(f, "lost") == [0, 0, 2, 0, 1]
    assert by_stage.attrs["lost_at_unknown_stage"] == f.attrs["lost_at_unknown_stage"]
    # nothing is judged on an estimate, and the attrs say why
    d = p.stage_durations(estimate)
    assert d.empty and d.attrs["estimate"]
    b = p.bottlenecks(estimate, f, p.stage_time_summary(d), d)
    assert col(b, "stage") == STAGES and not b["is_bottleneck"].any()
    assert b.attrs["judged"] is False and "estimate" in b.attrs["reason"]
    # even when its numbers would look like a collapse
    crafted, ts, _, _ = crafted_bottleneck_inputs()
    crafted.attrs["estimate"] = True
    assert not p.bottlenecks(crafted_frame(), crafted, ts).loc[:, "is_bottleneck"].any()


def test_a_deal_won_after_the_period_end_is_not_won_in_the_funnel():
    d9 = pd.DataFrame([{"deal_id": "d9", "created_at": T("2025-01-10"), "closed_at": T("2025-02-20"), "status": "won",
                        "stage": "Won", "amount": 5000.0, "source": "Web", "lost_reason": None, "owner_id": "r1"}])
    h9 = pd.DataFrame({"deal_id": "d9", "stage": ["New", "Proposal", "Won"],
                       "entered_at": [T("2025-01-10"), T("2025-01-20"), T("2025-02-20")]})
    fr = make_frame(pd.concat([make_deals(), d9], ignore_index=True), pd.concat([make_history(), h9], ignore_index=True))
    f = p.funnel(fr).set_index("stage")
    base = p.funnel(make_frame()).set_index("stage")
    # d9 is open at as_of (15 Feb), still in Proposal: in progress there, not won
    assert f.loc["Proposal", "in_progress"] == base.loc["Proposal", "in_progress"] + 1
    assert f.attrs["won_stage_reached"] == base.attrs["won_stage_reached"] == 3
    assert_floats(f["win_rate_from_stage"], base["win_rate_from_stage"])
    assert "d9" not in set(fr.population("deals_won")["deal_id"])


def test_status_derived_from_stage_when_missing(frame):
    stage = ["Won", "Won", "Lost", "Qualified", "Lost", "Lost", "Negotiation", "Won"]
    no_status = make_deals().drop(columns="status").assign(stage=stage)
    pd.testing.assert_frame_equal(p.funnel(make_frame(no_status)), p.funnel(frame))


# --- 2. time in stage -------------------------------------------------------------


def test_stage_durations(frame):
    d = p.stage_durations(frame)
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
    assert p.units_of(d)["days"] == "days"


def test_stage_durations_censor_at_as_of():
    # period ending 19 Jan: as_of is 20 Jan, and nothing at or after it is seen. d2's Won entry of 20 Jan
    # is in the future (changed: it used to end d2's Negotiation), d3's second Proposal entry of 20 Jan
    # too, and d1, d3, d6 (closed later) are open at as_of.
    d = p.stage_durations(make_frame(end="2025-01-19"))
    d = d.set_index(["deal_id", d["stage"].astype(str), d["entered_at"].dt.strftime("%m-%d")])
    assert d.loc[("d6", "Proposal", "01-10"), ["days", "censored"]].tolist() == [10.0, True]
    assert d.loc[("d2", "Negotiation", "01-10"), ["days", "censored"]].tolist() == [10.0, True]
    assert d.loc[("d3", "Qualified", "01-12"), ["days", "censored"]].tolist() == [8.0, True]
    assert ("d3", "Proposal", "01-20") not in d.index
    assert d.loc[("d1", "Negotiation", "01-13"), ["days", "censored"]].tolist() == [7.0, True]
    assert d.loc[("d8", "Proposal", "01-09"), ["days", "censored"]].tolist() == [10.0, False]  # won 19 Jan


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


def test_stage_time_summary_on_the_fixture(frame):
    s = p.stage_time_summary(p.stage_durations(frame))
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


def test_sales_cycle(frame):
    c = p.sales_cycle(frame).set_index("outcome")
    # won: 20, 19, 17 days; lost: 30, 10, 22; open at 15 Feb: d4 41 days, d7 45 days
    assert c.loc["won", "deals"] == 3 and c.loc["won", "population"] == "deals_won"
    assert_floats(c.loc["won", ["median_days", "p75_days", "p90_days", "mean_days"]], [19, 19.5, 19.8, 56 / 3])
    assert_floats(c.loc["lost", ["median_days", "p75_days", "p90_days", "mean_days"]], [22, 26, 28.4, 62 / 3])
    assert_floats(c.loc["open", ["deals", "median_days"]], [2, 43])
    assert c.loc["won", "median_days"] == evaluate(frame, "median_cycle_days").value
    assert (c["deals"] == c["timed"]).all()


def test_sales_cycle_counts_the_population_and_times_the_deals_with_both_dates():
    # a deal lost in the period whose created_at is missing (a data-quality issue) is still one of the
    # deals lost (the KPI), but has no cycle: deals 2, timed 1
    deals = pd.DataFrame(
        {"deal_id": ["x", "y"], "stage": ["Lost", "Lost"], "created_at": [T("2025-01-02"), pd.NaT],
         "closed_at": [T("2025-01-12"), T("2025-01-20")], "amount": 1.0, "owner_id": "r"}
    )
    fr = frame_from_tables(params(STAGES, end="2025-03-31"), {"deals": deals})
    lost = p.sales_cycle(fr).set_index("outcome").loc["lost"]
    assert (lost["deals"], lost["timed"], lost["median_days"]) == (2, 1, 10.0)
    assert lost["deals"] == evaluate(fr, "deals_lost").value


# --- 3. bottlenecks -----------------------------------------------------------------


def crafted_frame(amount=(1000.0, 3000.0, 99.0, 7.0), **pipeline) -> AuditFrame:
    """Stages A..E; deals won for 1000 and 3000 in the period (average won deal 2000), one lost, one open."""
    deals = pd.DataFrame(
        {"deal_id": ["w1", "w2", "l1", "o1"], "stage": ["Won", "Won", "Lost", "A"], "amount": list(amount),
         "created_at": T("2025-01-01"), "closed_at": [T("2025-01-10")] * 3 + [pd.NaT], "owner_id": "r"}
    )
    return frame_from_tables(params(["A", "B", "C", "D", "E"], end="2025-03-31", **pipeline), {"deals": deals})


def crafted_bottleneck_inputs():
    """Five stages: C's conversion collapses, D is slow, the others are normal.

    Conversions (advanced / left): A 80/100, B 49/70, C 15/50, D 27/36, E 24/30 = 0.8, 0.7, 0.3, 0.75, 0.8.
    """
    stages = ["A", "B", "C", "D", "E"]
    f = pd.DataFrame(
        {
            "stage": stages,
            "entered": [100, 80, 60, 40, 30],
            "advanced": [80, 49, 15, 27, 24],
            "lost": [20, 21, 35, 9, 6],
            "in_progress": [0, 10, 10, 4, 0],
            "win_rate_from_stage": [0.3, 0.4, 0.5, 0.7, 0.85],
        }
    )
    f["left"] = f["entered"] - f["in_progress"]
    f["conversion"] = f["advanced"] / f["left"]
    f.attrs.update(estimate=False, mode="any")
    ts = pd.DataFrame({"stage": stages, "entries": [100, 80, 60, 40, 30], "median_days": [3.0, 5.0, 6.0, 40.0, 4.0]})
    # open entries: 4 at D aged 20 days (> 2 x peer median 4.5 -> stuck), 4 at C aged 5 days (not stuck)
    durations = pd.DataFrame(
        {"stage": pd.Categorical(["D"] * 4 + ["C"] * 4 + ["A"], categories=stages),
         "days": [20.0] * 4 + [5.0] * 4 + [3.0], "censored": [True] * 8 + [False]}
    )
    return f, ts, None, durations


def test_bottlenecks_flag_exactly_the_collapsed_and_the_slow_stage():
    f, ts, _, durations = crafted_bottleneck_inputs()
    fr = crafted_frame()
    b = p.bottlenecks(fr, f, ts, durations).set_index("stage")
    # C: peers 0.8 0.7 0.75 0.8 -> median 0.775; 0.3 < 0.6 x 0.775 = 0.465
    assert_floats(b["peer_conversion"], [0.725, 0.775, 0.775, 0.75, 0.725])
    assert b["is_conversion_bottleneck"].tolist() == [False, False, True, False, False]
    # D: peers 3 5 6 4 -> median 4.5; 40 > 2.5 x 4.5 = 11.25
    assert_floats(b["peer_median_days"], [5.5, 5.0, 4.5, 4.5, 5.5])
    assert b["is_time_bottleneck"].tolist() == [False, False, False, True, False]
    assert b["is_bottleneck"].tolist() == [False, False, True, True, False]
    assert b["stuck"].tolist() == [0, 0, 0, 4, 0]
    # average won deal = the KPI = (1000 + 3000) / 2; revenue at risk = (lost + stuck) x 2000 x next win rate
    assert b.attrs["avg_won"] == 2000.0 == evaluate(fr, "avg_won_deal").value
    assert_floats(b["downstream_win_rate"], [0.4, 0.5, 0.7, 0.85, 1.0])
    assert_floats(b["revenue_at_risk"], [20 * 2000 * 0.4, 21 * 2000 * 0.5, 35 * 2000 * 0.7, 13 * 2000 * 0.85, 6 * 2000])
    assert b["rank"].tolist() == [pd.NA, pd.NA, 1, 2, pd.NA]
    assert b.attrs["top_stage"] == "C"
    assert_floats(b.loc["C", ["conversion_gap"]], [0.3 - 0.775])
    assert p.units_of(b)["revenue_at_risk"] == "money"


def test_bottlenecks_use_the_params_targets_and_need_enough_entries():
    f, ts, _, durations = crafted_bottleneck_inputs()
    # B 0.70 < 0.85 - 0.10 -> flagged; C 0.30 >= 0.35 - 0.10 -> the target replaces the peer rule
    fr = crafted_frame(conversion_targets={"B": 0.85, "C": 0.35})
    b = p.bottlenecks(fr, f, ts).set_index("stage")
    assert b["is_conversion_bottleneck"].tolist() == [False, True, False, False, False]
    assert_floats(b.loc[["B", "C"], "conversion_gap"], [0.70 - 0.85, 0.30 - 0.35])
    assert b["stuck"].tolist() == [0] * 5  # no durations given
    few = f.assign(left=f["left"].where(f["stage"] != "C", 9))  # 9 entries have left C: too few to judge
    few_ts = ts.assign(entries=ts["entries"].where(ts["stage"] != "D", 9))
    b = p.bottlenecks(crafted_frame(), few, few_ts)
    assert not b["is_bottleneck"].any() and b.attrs["top_stage"] is None
    no_time = p.bottlenecks(crafted_frame(), f, None)
    assert not no_time["is_time_bottleneck"].any() and no_time["median_days"].isna().all()


def test_no_bottleneck_in_the_small_fixture(frame):
    f = p.funnel(frame)
    d = p.stage_durations(frame)
    b = p.bottlenecks(frame, f, p.stage_time_summary(d), d)
    assert not b["is_bottleneck"].any()  # fewer than MIN_STAGE_ENTRIES everywhere
    # stuck: Qualified's open entry (37 d) > 2 x 6 (peer median), Negotiation's (36 d) > 2 x 4
    assert b["stuck"].tolist() == [0, 1, 0, 1]
    assert col(b, "in_progress") == [0, 1, 0, 1] and col(b, "left") == [8, 6, 7, 2]


def test_empty_amounts_give_nan_revenue_at_risk_and_no_money_in_any_text():
    f, ts, _, durations = crafted_bottleneck_inputs()
    fr = crafted_frame(amount=(None, None, None, None))
    b = p.bottlenecks(fr, f, ts, durations)
    assert b["revenue_at_risk"].isna().all() and math.isnan(b.attrs["avg_won"])
    assert "Amount is empty" in b.attrs["avg_won_reason"]
    assert "revenue" not in b.attrs["rules"].lower()  # the rules shown say nothing of money either
    assert b["is_bottleneck"].tolist() == [False, False, True, True, False]  # the rules need no money
    found = p.process_findings(fr, funnel_df=f, bottlenecks_df=b)
    bottleneck = [x for x in found if x.kind.startswith("process.bottleneck.")]
    assert {(x.kind, x.subject) for x in bottleneck} == {
        ("process.bottleneck.conversion", "C"), ("process.bottleneck.time", "D")
    }
    for x in found:
        text = x.title + " " + x.detail
        assert "€" not in text and "EUR" not in text and "revenue" not in text.lower(), text


# --- 4. cohorts and segments -------------------------------------------------------------


def with_february_deal(end: str = "2025-02-28") -> AuditFrame:
    d9 = pd.DataFrame([{"deal_id": "d9", "created_at": T("2025-02-10"), "closed_at": pd.NaT, "status": "open",
                        "stage": "New", "amount": 400.0, "source": "Web", "lost_reason": None, "owner_id": "r1"}])
    h9 = pd.DataFrame([{"deal_id": "d9", "stage": "New", "entered_at": T("2025-02-10")}])
    return make_frame(pd.concat([make_deals(), d9], ignore_index=True), pd.concat([make_history(), h9], ignore_index=True), end=end)


def test_cohort_funnel():
    fr = with_february_deal()  # period to 28 Feb, as_of 1 March
    c = p.cohort_funnel(fr)
    assert c["cohort"].tolist() == [T("2025-01-01"), T("2025-02-01")]
    assert col(c, "created") == [8, 1] and col(c, "funnel_deals") == [8, 1]
    assert c.attrs["reached_columns"] == [f"reached_{s}" for s in STAGES]
    assert_floats(c.iloc[0][c.attrs["reached_columns"]], [8 / 8, 7 / 8, 6 / 8, 4 / 8])
    assert_floats(c.iloc[1][c.attrs["reached_columns"]], [1, 0, 0, 0])
    assert col(c, "won") == [3, 0] and col(c, "lost") == [3, 0] and col(c, "open") == [2, 1]
    assert_floats(c["win_rate"], [3 / 8, 0])
    # default maturity = p75 of the won cycle (17, 19, 20 days) = 19.5; ages from month end to 1 Mar: 28, 0
    assert c.attrs["mature_after_days"] == 19.5
    assert_floats(c["age_days"], [28, 0])
    assert col(c, "mature") == [True, False]
    # events on 12 days, median gap 2 days: tolerance 4 days; the last event (10 Feb) leaves February partial
    assert col(c, "coverage") == ["complete", "partial"]
    assert int(c["created"].sum()) == evaluate(fr, "deals_created").value
    early = p.cohort_funnel(with_february_deal("2025-02-14"))  # as_of 15 Feb: January is 14 days old
    assert col(early, "mature") == [False, False]
    assert col(p.cohort_funnel(with_february_deal("2025-02-14"), mature_after_days=10), "mature") == [True, False]


def test_cohort_funnel_on_an_estimate_claims_no_stage_shares(estimate):
    c = p.cohort_funnel(estimate)
    assert c.attrs["estimate"] is True and c.attrs["reason"]
    assert c[c.attrs["reached_columns"]].isna().all().all()
    assert col(c, "created") == [8, 0] and col(c, "won") == [3, 0]


def test_segment_funnel_segment_table_and_most_different_segment(frame):
    s = p.segment_funnel(frame)  # only 'source' is in the export
    assert s.attrs["missing_columns"] == ["product", "team", "region"]
    assert "no Product column" in s.attrs["missing_reasons"]["product"]
    assert list(s.columns) == list(p.segments.SEGMENT_COLUMNS_OUT)
    assert s["by"].unique().tolist() == ["source"]
    assert s["value"].unique().tolist() == ["Web", "Referral", "(none)"]
    web = s.loc[s["value"] == "Web"]
    # Web = d1 d2 d4 d7; d4 still in Qualified, d7 still in Negotiation
    assert col(web, "entered") == [4, 3, 3, 3] and col(web, "advanced") == [3, 2, 3, 2]
    assert col(web, "in_progress") == [0, 1, 0, 1]
    assert_floats(web["conversion"], [3 / 4, 2 / 2, 3 / 3, 2 / 2])  # changed: was 2/3 and 2/3
    ref = s.loc[s["value"] == "Referral"]
    # Referral = d3 d6 d8: nobody reached Negotiation
    assert col(ref, "entered") == [3, 4, 4, 0] and col(ref, "advanced") == [3, 4, 0, 0]
    assert math.isnan(ref["conversion"].iloc[3])
    # win rate over the deals closed in the period: Web 2/2, Referral 1/3, (none) 0/1; pooled = the KPI
    seg = s.drop_duplicates("value")
    assert_floats(seg["win_rate"], [1.0, 1 / 3, 0.0])
    assert seg["won"].sum() / seg["closed"].sum() == evaluate(frame, "win_rate").value
    table = p.segment_table(s, "source")
    assert list(table.columns) == ["source", "deals", "closed", "won", "win_rate", *STAGES]
    assert col(table, "source") == ["Web", "Referral", "(none)"]
    assert_floats(table.iloc[0][STAGES], [3 / 4, 1, 1, 1])
    assert p.units_of(table) == {"deals": "count", "closed": "count", "won": "count", "win_rate": "share",
                                 **dict.fromkeys(STAGES, "share")}
    best = p.most_different_segment(s, min_deals=2)
    # Web: 2 won of 2 closed vs the rest 1 of 4; Referral 1/3 vs 2/3; (none) has 1 closed deal only
    assert best == {"by": "source", "value": "Web", "deals": 4, "closed": 2, "win_rate": 1.0,
                    "rest_win_rate": 0.25, "difference": 0.75}
    assert p.most_different_segment(s) is None  # nobody has 30 closed deals
    assert p.segment_funnel(frame, by="region").empty


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


def test_lost_analysis(frame, estimate):
    r = p.lost_analysis(frame)
    by_reason = r["by_reason"]
    assert col(by_reason, "reason") == ["Competitor", "Price", "(no reason)"]
    assert col(by_reason, "deals") == [1, 1, 1] and col(by_reason, "value") == [1500.0, 500.0, 300.0]
    assert_floats(by_reason["share"], [1 / 3] * 3)
    assert by_reason.attrs["available"] is True
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
    assert r["summary"].attrs["reasons"] == {}
    # without history d5's stage is "Lost": unknown
    no_history = p.lost_analysis(estimate)["by_stage"]
    assert col(no_history, "stage") == [*STAGES, "(unknown)"] and col(no_history, "deals") == [0, 0, 2, 0, 1]
    # a CRM that moves every lost deal to "Lost" and keeps no history: nothing says where d3, d5 and d6 were
    # lost, so no stage shows a zero (which would claim none was lost there): only "(unknown)", all three
    at_lost = make_deals().assign(stage=lambda d: d["stage"].where(d["status"] != "lost", "Lost"))
    unknown = p.lost_analysis(make_frame(at_lost, history=None))["by_stage"]
    assert col(unknown, "stage") == ["(unknown)"] and col(unknown, "deals") == [3] and col(unknown, "share") == [1.0]
    # the bottleneck table neither: lost and the money at risk "not available", not 0 and 0 ₽
    fr = make_frame(at_lost, history=None)
    d = p.stage_durations(fr)
    b = p.bottlenecks(fr, p.funnel(fr), p.stage_time_summary(d), d)
    assert b["lost"].isna().all() and b["revenue_at_risk"].isna().all()


def test_an_absent_lost_reason_column_gives_nan_share_and_no_finding():
    fr = make_frame(make_deals().drop(columns="lost_reason"))
    r = p.lost_analysis(fr)
    s = r["summary"].iloc[0]
    assert math.isnan(s["no_reason_share"]) and math.isnan(s["no_reason_deals"])
    assert r["summary"].attrs["reasons"]["no_reason_share"] == (
        "not available, because the Deals export has no Lost reason column"
    )
    assert (s["lost_deals"], s["lost_value"]) == (3, 2300.0)  # what is known still is
    by_reason = r["by_reason"]
    assert by_reason.attrs["available"] is False
    assert col(by_reason, "reason") == ["(not available, because the Deals export has no Lost reason column)"]
    assert col(by_reason, "deals") == [3]
    kinds = {x.kind for x in p.process_findings(fr)}
    assert "process.lost_reason_missing" not in kinds and "process.lost_reason.top" not in kinds


def many_lost_frame(**kw) -> AuditFrame:
    """Twelve deals lost in January: 4 without a reason (1/3), 5 to a competitor, 3 on price."""
    reasons = [None] * 4 + ["went with competitor"] * 5 + ["price"] * 3
    deals = pd.DataFrame(
        {"deal_id": [f"l{i}" for i in range(12)], "created_at": T("2025-01-02"), "closed_at": T("2025-01-20"),
         "stage": LOST, "amount": 100.0, "owner_id": "r1", "lost_reason": reasons}
    )
    return make_frame(deals=deals, history=None, **kw)


def test_the_lost_reason_finding_only_without_a_goal_and_on_enough_deals(frame):
    assert "process.lost_reason_missing" in {x.kind for x in p.process_findings(many_lost_frame())}
    goal = many_lost_frame(goals=[{"kpi": "lost_without_reason_share", "target": 0.05}])
    assert "process.lost_reason_missing" not in {x.kind for x in p.process_findings(goal)}
    # the fixture loses 3 deals, one without a reason: 33 %, but 3 deals are too few to judge (MIN_JUDGED)
    assert p.lost_analysis(frame)["summary"]["no_reason_share"].iloc[0] == pytest.approx(1 / 3)
    assert "process.lost_reason_missing" not in {x.kind for x in p.process_findings(frame)}


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
    stage = df["status"].map({"won": WON, "lost": LOST, "open": "New"})
    return df.assign(created_at=pd.to_datetime(df["created_at"]), closed_at=pd.to_datetime(df["closed_at"]),
                     stage=stage, owner_id="r1")


def velocity_frame(end: str) -> AuditFrame:
    return frame_from_tables(params(end=end), {"deals": velocity_deals()})


def test_velocity_two_months():
    fr = velocity_frame("2025-02-28")
    v = p.velocity(fr)
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
    # event days 5 days apart (median gap), so a 10-day tolerance: both months complete
    assert col(v, "coverage") == ["complete", "complete"]
    # two complete months: one per half is too few to compare
    levers = p.velocity_levers(v)
    assert levers.empty and "2 complete month" in levers.attrs["reason"]
    # the period's end cuts the last month: v6 (lost 20 Feb) is open at as_of, 15 Feb
    cut = p.velocity(velocity_frame("2025-02-14"))
    assert cut["period_end"].tolist() == [T("2025-02-01"), T("2025-02-15")]
    assert col(cut, "open_deals") == [2, 3] and col(cut, "won_deals") == [1, 2] and col(cut, "lost_deals") == [1, 0]
    assert col(cut, "coverage") == ["complete", "partial"]


def lever_frame(amounts=(1000.0, 1000.0, 2500.0, 2500.0), extra_lost=(0, 0, 0, 0), end="2025-04-30") -> AuditFrame:
    """Two deals open all along (created 1 January); in each month m of January..April, one deal created on
    the 5th and won on the 25th (cycle 20 days, amount ``amounts[m]``), one created on the 10th and lost on
    the 20th, and ``extra_lost[m]`` more created on the 12th and lost on the 18th. Nothing after April."""
    rows = [("o1", "2025-01-01", None, "open", 0.0), ("o2", "2025-01-01", None, "open", 0.0)]
    no_amounts = amounts is None
    amounts = (np.nan,) * len(extra_lost) if no_amounts else amounts
    for m, (amount, extra) in enumerate(zip(amounts, extra_lost), start=1):
        rows.append((f"w{m}", f"2025-{m:02d}-05", f"2025-{m:02d}-25", "won", amount))
        rows.append((f"l{m}", f"2025-{m:02d}-10", f"2025-{m:02d}-20", "lost", 100.0))
        rows += [(f"x{m}{i}", f"2025-{m:02d}-12", f"2025-{m:02d}-18", "lost", 100.0) for i in range(extra)]
    df = pd.DataFrame(rows, columns=["deal_id", "created_at", "closed_at", "status", "amount"])
    df = df.assign(created_at=pd.to_datetime(df["created_at"]), closed_at=pd.to_datetime(df["closed_at"]),
                   stage=df["status"].map({"won": WON, "lost": LOST, "open": "New"}), owner_id="r1")
    if no_amounts:
        df["amount"] = np.nan
    return frame_from_tables(params(end=end), {"deals": df})


def test_velocity_levers_over_complete_months():
    fr = lever_frame()
    v = p.velocity(fr)
    assert col(v, "coverage") == ["complete"] * 4 and col(v, "open_deals") == [2] * 4
    lv = p.velocity_levers(v).set_index("lever")
    assert lv.index.tolist() == [*p.LEVERS, "velocity"]
    assert lv.attrs["first_half"] == (T("2025-01-01"), T("2025-02-01"))
    assert lv.attrs["second_half"] == (T("2025-03-01"), T("2025-04-01"))
    # halves: open 2 and 2; win rate 2/4 and 2/4; average won 1000 and 2500; cycle 20 and 20
    # velocity 2 x 0.5 x 1000 / 20 = 50, then 2 x 0.5 x 2500 / 20 = 125
    assert_floats(lv["first_half"], [2, 0.5, 1000, 20, 50])
    assert_floats(lv["second_half"], [2, 0.5, 2500, 20, 125])
    assert_floats(lv["change"], [0, 0, 1.5, 0, 1.5])  # fractions: +150 %
    assert_floats(lv["velocity_effect"], [0, 0, 1.5, 0, 1.5])
    assert lv["moved_most"].tolist() == [False, False, True, False, False]
    assert lv["unit"].tolist() == ["count", "share", "money", "days", "money"]
    assert p.units_of(lv.reset_index()) == {"change": "change", "velocity_effect": "change"}
    shown = p.lever_table(lv.reset_index(), Formatter("en", "EUR"))
    assert col(shown, "first_half") == ["2", "50.0%", "€1,000", "20.0", "€50"]
    [finding] = [x for x in p.process_findings(fr) if x.kind == "process.velocity.lever"]
    assert (finding.subject, finding.unit, finding.value, finding.target) == ("avg_won", "money", 2500.0, 1000.0)
    assert finding.severity == "info" and finding.action == "process.raise_deal_value"  # it grew: no problem
    assert finding.title == ("The velocity lever that moved most is the average won deal: €1,000 to €2,500 (+150.0%), "
                             "adding 150.0% of velocity")


def test_velocity_when_the_data_stops_two_months_before_the_period_end():
    # steady months: nothing moves between January-February and March-April
    fr = lever_frame(amounts=(1000.0,) * 4, end="2025-06-30")
    v = p.velocity(fr)
    # the last event is 25 April: May and June have no data (the two open deals are still counted open)
    assert col(v, "coverage") == ["complete"] * 4 + ["no_data"] * 2
    assert col(v, "complete") == [True] * 4 + [False] * 2
    assert col(v, "won_deals")[4:] == [0, 0] and col(v, "open_deals")[4:] == [2, 2]
    lv = p.velocity_levers(v)
    assert lv.attrs["months"] == [T(f"2025-0{m}-01") for m in range(1, 5)]  # May and June left out
    assert_floats(lv["change"], [0, 0, 0, 0, 0])
    assert not [x for x in p.process_findings(fr) if x.kind == "process.velocity.lever"]
    # data stopping at the end of March: 3 complete months are too few for two halves
    short = lever_frame(amounts=(1000.0,) * 3, extra_lost=(0,) * 3, end="2025-05-31")
    lv = p.velocity_levers(p.velocity(short))
    assert lv.empty and "3 complete month" in lv.attrs["reason"]
    assert not [x for x in p.process_findings(short) if x.kind == "process.velocity.lever"]


def test_empty_amounts_give_no_lever_that_moved_most():
    # amounts empty; the win rate halves: 2 won of 4 closed, then 2 won of 8 (two more lost a month). The
    # win rate's change is shown, but no lever is said to have moved most: the average won deal, unknown,
    # may have moved more, so no finding rests on it
    fr = lever_frame(amounts=None, extra_lost=(0, 0, 2, 2))
    v = p.velocity(fr)
    assert v["won_value"].isna().all() and v["velocity"].isna().all() and v.attrs["amounts_available"] is False
    lv = p.velocity_levers(v).set_index("lever")
    assert not lv.loc["avg_won", "available"] and not lv.loc["velocity", "available"]
    assert_floats(lv.loc["win_rate", ["first_half", "second_half", "change"]], [0.5, 0.25, -0.5])
    assert not lv["moved_most"].any() and p.lever_summary(lv.reset_index()) is None
    assert not [x for x in p.process_findings(fr) if x.kind == "process.velocity.lever"]


# --- 7. leads ------------------------------------------------------------------------------


def test_a_lead_whose_deal_predates_it_is_converted_but_has_no_time_to_the_deal():
    """By hand: L1 (27 Dec) names d1, created 5 days later; L9 (20 Jan) names d1 too, created before it: both are
    converted, and the median days to a deal is L1's 5 alone (not the middle of 5 and a negative number)."""
    leads = pd.DataFrame([("L1", "2024-12-27", "Web", "d1"), ("L9", "2025-01-20", "Web", "d1")],
                         columns=["lead_id", "created_at", "source", "deal_id"])
    leads["created_at"] = pd.to_datetime(leads["created_at"])
    lc = p.lead_conversion(make_frame(leads=leads, start="2024-12-01"))
    assert col(lc, "converted") == [2, 2]
    assert_floats(lc["median_days_to_deal"], [5, 5])
    only_older = leads.iloc[[1]]
    assert np.isnan(p.lead_conversion(make_frame(leads=only_older, start="2024-12-01"))["median_days_to_deal"]).all()


def test_lead_conversion():
    leads = pd.DataFrame(
        [("L1", "2024-12-27", "Web", "d1"), ("L2", "2024-12-30", "Web", "d4"), ("L3", "2025-01-02", "Web", None),
         ("L4", "2024-12-31", "Referral", "d99"), ("L5", "2024-12-24", "Referral", "d6"),
         ("L6", "2025-01-03", None, None),
         ("L7", "2025-02-20", "Web", "d1"),   # created after as_of: not seen
         ("L8", "2025-01-10", "Web", "d10")],  # its deal is created after as_of: the link is cleared
        columns=["lead_id", "created_at", "source", "deal_id"],
    )
    leads["created_at"] = pd.to_datetime(leads["created_at"])
    d10 = pd.DataFrame([{"deal_id": "d10", "created_at": T("2025-03-01"), "status": "open", "stage": "New",
                         "amount": 1.0, "owner_id": "r1"}])
    fr = make_frame(pd.concat([make_deals(), d10], ignore_index=True), leads=leads, start="2024-12-01")
    lc = p.lead_conversion(fr)
    assert col(lc, "source") == ["Web", "Referral", "(none)", "(all)"]
    assert col(lc, "leads") == [4, 2, 1, 7]
    assert col(lc, "converted") == [2, 1, 0, 3]  # d99 is not a deal, d10 not yet one
    assert_floats(lc["conversion"], [2 / 4, 1 / 2, 0, 3 / 7])
    assert lc["conversion"].iloc[-1] == evaluate(fr, "lead_to_deal_conversion").value
    # days lead -> deal: L1 5, L2 6, L5 10
    assert_floats(lc["median_days_to_deal"], [5.5, 10, np.nan, 6])
    no_leads = p.lead_conversion(make_frame())
    assert no_leads.empty and no_leads.attrs["available"] is False


# --- 8. step 2 and step 3 agree -----------------------------------------------------------


def kpi_client() -> AuditFrame:
    """Period January..March 2025 (as of 1 April), deals on both sides of it:

    - won in the period: D1 (1000, 20 days), D2 (3000, 40 days), D6 (600, 21 days; created in December)
    - lost in the period: D3 (500, "Price"), D4 (800, no reason); D10 was lost in December: outside
    - open at the end: D5, D7, and D8 (won on 5 April, after as_of); D9 is created after as_of: unseen
    - leads in the period: L1 -> D1, L2 -> D2, L3, L4, L6 -> D9 (created after as_of: cleared) = 2 of 5
    """
    rows = [
        ("D1", "2025-01-05", "2025-01-25", "won", "Won", 1000.0, "Web", None),
        ("D2", "2025-01-10", "2025-02-19", "won", "Won", 3000.0, "Partner", None),
        ("D3", "2025-02-01", "2025-02-15", "lost", "Proposal", 500.0, "Web", "Price"),
        ("D4", "2025-02-10", "2025-03-01", "lost", "Qualified", 800.0, "Partner", ""),
        ("D5", "2025-03-01", None, "open", "Proposal", 2000.0, "Web", None),
        ("D6", "2024-12-20", "2025-01-10", "won", "Won", 600.0, "Web", None),
        ("D7", "2025-03-20", None, "open", "New", 400.0, None, None),
        ("D8", "2025-03-25", "2025-04-05", "won", "Won", 9999.0, "Partner", None),
        ("D9", "2025-04-10", None, "open", "New", 50.0, "Web", None),
        ("D10", "2024-11-01", "2024-12-15", "lost", "Lost", 70.0, "Web", "Timing"),
    ]
    deals = pd.DataFrame(rows, columns=["deal_id", "created_at", "closed_at", "status", "stage", "amount", "source",
                                        "lost_reason"]).assign(owner_id="r1")
    history = pd.DataFrame(
        [("D1", "New", "2025-01-05"), ("D1", "Proposal", "2025-01-15"), ("D1", "Won", "2025-01-25"),
         ("D2", "New", "2025-01-10"), ("D2", "Qualified", "2025-01-20"), ("D2", "Proposal", "2025-02-01"),
         ("D2", "Won", "2025-02-19"), ("D3", "New", "2025-02-01"), ("D3", "Proposal", "2025-02-05"),
         ("D3", "Lost", "2025-02-15"), ("D4", "New", "2025-02-10"), ("D4", "Qualified", "2025-02-20"),
         ("D5", "New", "2025-03-01"), ("D5", "Proposal", "2025-03-10"), ("D6", "New", "2024-12-20"),
         ("D6", "Won", "2025-01-10"), ("D7", "New", "2025-03-20"), ("D8", "New", "2025-03-25"),
         ("D8", "Proposal", "2025-03-28"), ("D8", "Won", "2025-04-05")],
        columns=["deal_id", "stage", "entered_at"],
    )
    leads = pd.DataFrame(
        [("L1", "2025-01-02", "Web", "D1"), ("L2", "2025-01-08", "Partner", "D2"), ("L3", "2025-02-01", "Web", None),
         ("L4", "2025-03-05", "Web", None), ("L5", "2024-12-01", "Partner", "D6"), ("L6", "2025-03-30", "Web", "D9")],
        columns=["lead_id", "created_at", "source", "deal_id"],
    )
    return frame_from_tables(
        params(["New", "Qualified", "Proposal"], end="2025-03-31"),
        {"deals": deals, "stage_history": history, "leads": leads},
    )


def test_step_3_numbers_are_the_kpis():
    fr = kpi_client()
    kpi = {k: evaluate(fr, k).value for k in (
        "median_cycle_days", "deals_won", "deals_lost", "won_value", "lost_value", "open_deals", "win_rate",
        "avg_won_deal", "lost_without_reason_share", "lead_to_deal_conversion", "deals_created")}
    # the hand-computed KPIs, first
    assert kpi == {"median_cycle_days": 21.0, "deals_won": 3.0, "deals_lost": 2.0, "won_value": 4600.0,
                   "lost_value": 1300.0, "open_deals": 3.0, "win_rate": 0.6, "avg_won_deal": 4600 / 3,
                   "lost_without_reason_share": 0.5, "lead_to_deal_conversion": 0.4, "deals_created": 7.0}
    cycle = p.sales_cycle(fr).set_index("outcome")
    assert cycle.loc["won", "median_days"] == kpi["median_cycle_days"]
    assert cycle.loc["won", "deals"] == kpi["deals_won"] and cycle.loc["lost", "deals"] == kpi["deals_lost"]
    assert cycle.loc["open", "deals"] == kpi["open_deals"]
    s = p.lost_analysis(fr)["summary"].iloc[0]
    assert (s["lost_deals"], s["lost_value"], s["no_reason_share"]) == (
        kpi["deals_lost"], kpi["lost_value"], kpi["lost_without_reason_share"])
    v = p.velocity(fr)
    assert v["open_deals"].iloc[-1] == kpi["open_deals"]
    assert v["won_deals"].sum() == kpi["deals_won"] and v["lost_deals"].sum() == kpi["deals_lost"]
    assert v["won_value"].sum() == kpi["won_value"]
    assert col(v, "won_deals") == [2, 1, 0] and col(v, "lost_deals") == [0, 1, 1]
    assert p.lead_conversion(fr)["conversion"].iloc[-1] == kpi["lead_to_deal_conversion"]
    f = p.funnel(fr)
    assert p.bottlenecks(fr, f).attrs["avg_won"] == kpi["avg_won_deal"]
    seg = p.segment_funnel(fr, by="source").drop_duplicates("value")
    assert seg["won"].sum() / seg["closed"].sum() == kpi["win_rate"]
    assert int(p.cohort_funnel(fr)["created"].sum()) == kpi["deals_created"] == f.attrs["funnel_deals"]
    # D8, won after the period, is still in Proposal at as_of: in progress, not won
    assert f.set_index("stage").loc["Proposal", "in_progress"] == 2  # D5 and D8
    assert f.attrs["won_stage_reached"] == 2  # D1, D2 (D6 was created before the period)


# --- 9. findings ---------------------------------------------------------------------------


def test_process_findings():
    f, ts, _, durations = crafted_bottleneck_inputs()
    fr = crafted_frame()
    b = p.bottlenecks(fr, f, ts, durations)
    fixture = make_frame()
    found = p.process_findings(
        fr,
        funnel_df=f,
        bottlenecks_df=b,
        lost=p.lost_analysis(many_lost_frame()),
        segments_df=p.segment_funnel(fixture),
        levers_df=p.velocity_levers(p.velocity(lever_frame())),
        min_segment_deals=2,
    )
    by_kind = {(x.kind, x.subject): x for x in found}
    assert sorted(by_kind) == sorted([
        ("process.bottleneck.conversion", "C"), ("process.bottleneck.time", "D"), ("process.lost_reason_missing", ""),
        ("process.lost_reason.top", "Competitor"), ("process.segment.win_rate", "source=Web"),
        ("process.velocity.lever", "avg_won"),
    ])
    for x in found:
        assert isinstance(x, Finding) and x.step == 3 and x.area == "process" and x.evidence
        assert x.id == finding_id(3, x.kind, x.subject)
        assert x.unit in UNITS
        assert not re.search(r"\d\.\d{3,}", x.title), x.title  # no raw floats
    json.dumps([x.to_dict() for x in found])
    conv = by_kind["process.bottleneck.conversion", "C"]
    # shortfall 1 - 0.3 / 0.775 = 0.61 -> critical
    assert conv.severity == "critical" and conv.value == pytest.approx(0.3) and conv.target == 0.775
    assert conv.title == "Conversion collapses at C: 30.0% of the entries that left it advanced, against 77.5%"
    assert conv.action == "process.fix_stage_conversion" and "costs the most" in conv.detail and "€49,000" in conv.detail
    slow = by_kind["process.bottleneck.time", "D"]
    # 40 / 4.5 = 8.9 x the peers -> critical
    assert slow.severity == "critical" and (slow.value, slow.target, slow.unit) == (40.0, 4.5, "days")
    assert slow.title == "Deals stall at D: a median of 40.0 days in the stage, against 4.5 at the other stages"
    missing = by_kind["process.lost_reason_missing", ""]
    assert (missing.severity, missing.value, missing.target) == ("high", pytest.approx(1 / 3), 0.05)
    assert missing.title == "33.3% of lost deals have no lost reason" and "4 of the 12 deals" in missing.detail
    seg = by_kind["process.segment.win_rate", "source=Web"]
    assert (seg.severity, seg.value, seg.target) == ("high", 1.0, 0.25)


def test_process_findings_on_an_estimate(estimate):
    found = p.process_findings(estimate)
    kinds = [x.kind for x in found]
    assert "process.funnel_estimate" in kinds
    assert not [k for k in kinds if k.startswith("process.bottleneck.")]
    assert all(x.kind != "process.lead_conversion" for x in found)
    estimate_finding = found[kinds.index("process.funnel_estimate")]
    assert estimate_finding.severity == "info" and estimate_finding.action == "process.record_stage_history"


def test_explorer_views_on_a_subset(frame):
    sub = frame.subset(["d1", "d3", "d4"])
    views = p.explorer_views(sub)
    # d1 enters all four; d3 New, Qualified twice, Proposal twice; d4 New, Qualified
    assert col(views["funnel"], "entered") == [3, 4, 3, 1]
    assert col(views["stage_times"], "entries") == [3, 4, 3, 1]
    assert col(views["lost_by_reason"], "reason") == ["Price"]
    assert p.explorer_views(make_frame(history=None).subset(["d1"]))["stage_times"] is None


# --- 10. figures ----------------------------------------------------------------------------


def _labelled(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_figures(frame, estimate):
    f = p.funnel(frame)
    d = p.stage_durations(frame)
    fb, ts, _, durations = crafted_bottleneck_inputs()
    b = p.bottlenecks(crafted_frame(), fb, ts, durations)
    chart = figures.funnel_chart(f)
    assert "mode: any" in chart.axes[0].get_title()
    texts = [t.get_text() for t in chart.axes[0].texts]
    assert texts[1] == "7  ·  100% of those that left advance  ·  1 in progress"
    _labelled(chart)
    _labelled(figures.funnel_chart(b))
    est = figures.funnel_chart(p.funnel(estimate))
    assert "estimate" in est.axes[0].get_title() and not any("advance" in t.get_text() for t in est.axes[0].texts)
    _labelled(est)
    _labelled(figures.stage_time_boxplot(d))
    _labelled(figures.stage_time_boxplot(d.iloc[0:0]))
    heat = figures.cohort_heatmap(p.cohort_funnel(with_february_deal()))
    assert [t.get_text() for t in heat.axes[0].get_yticklabels()] == ["2025-01", "2025-02 * (partial)"]
    _labelled(heat)
    _labelled(figures.cohort_heatmap(p.cohort_funnel(estimate)))
    _labelled(figures.lost_reason_bars(p.lost_analysis(frame)["by_reason"]))
    vel = figures.velocity_chart(p.velocity(lever_frame(end="2025-06-30")), currency="EUR")
    assert "incomplete month (left out)" in [t.get_text() for t in vel.axes[0].get_legend().get_texts()]
    _labelled(vel)


@pytest.mark.parametrize("ids", ["text", "categorical"])
def test_deals_without_an_id_match_no_stage_entry(ids):
    """Two deals without an id (blank cells in the export) beside a stage history: their ids repeat as missing
    values, entries still find their deals (by the first row of an id), and an entry without an id matches
    none (the old lookup raised InvalidIndexError here and stopped steps 2 to 5)."""
    from auditkit.metrics.process._common import lookup

    deals = make_deals()
    deals.loc[[3, 4], "deal_id"] = None  # d4 and d5 lose their ids
    history = make_history()
    frame = make_frame(deals=deals, history=history)
    entries = p.stage_entries(frame)
    assert entries.info["orphan_rows"] == len(HISTORY["d4"]) + len(HISTORY["d5"])  # their entries name ids no deal has
    assert set(entries.code.tolist()) == {0, 1, 2, 5, 6, 7}  # every other deal's entries found their row
    index = pd.Index(deals["deal_id"].astype("str"), dtype="str")
    wanted = pd.Series(["d8", "d4", None, "d1"], dtype="string")
    if ids == "categorical":
        index, wanted = pd.Index(pd.Categorical(deals["deal_id"])), wanted.astype("category")
    assert lookup(index, wanted).tolist() == [7, -1, -1, 0]
