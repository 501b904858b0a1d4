"""Invariants of steps 2 and 3, property-tested with hypothesis on random small clients.

A random client (``clients()``): period 2025-01-01 .. 2025-03-31 (as of 2025-04-01), pipeline
New, Qualified, Proposal, Won, Lost, 1 to 14 deals created between 60 days before the period and 30 days
after it; each open, won or lost (closed 0 to 90 days after creation, so some close after the period
and count as open at its end), with or without an amount, a lost reason and a stage history (entries
one day apart along the pipeline up to the deal's stage, then the won or lost entry at its close). The
frame is built in code with ``frame_from_tables``, as the loader would hand it over.

The properties, each true of every such client:

- every conversion and share is within [0, 1] (or not available);
- the funnel's five outcomes of each stage add up to its entries, and ``left`` = entered - in_progress;
- with no deal won or lost in the period the win rate is not available (None, with a reason), never 0;
- shuffling the rows of every table changes no KPI, no funnel number and no cycle time. (Two stage entries
  of one deal at the same moment are ordered as the file lists them, by design, so the generated histories
  never tie: each entry is a day, and the closing one at least an hour, after the one before.)
- step 2's KPIs and step 3's tables agree on deals won, deals lost, the median cycle and open deals.
"""

from __future__ import annotations

import math
import os
import tempfile

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "auditkit-hypothesis"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from auditkit.frame import AuditFrame, frame_from_tables  # noqa: E402
from auditkit.kpis import evaluate, kpi_table  # noqa: E402
from auditkit.metrics import process as P  # noqa: E402
from auditkit.params import parse_params  # noqa: E402

OPEN = ["New", "Qualified", "Proposal"]
START = pd.Timestamp("2025-01-01")
PARAMS = parse_params(
    {
        "client": {"name": "Random", "slug": "random"},
        "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "pipeline": {"stages": [*OPEN, "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "data": {"tables": {"deals": {"path": "deals.csv"}}},
    }
)
FEW = settings(max_examples=50, deadline=None, database=None)  # no .hypothesis folder in the work tree


@st.composite
def deals(draw: st.DrawFn) -> dict:
    outcome = draw(st.sampled_from(["open", "won", "lost"]))
    created = START + pd.Timedelta(days=draw(st.integers(-60, 120)), hours=draw(st.integers(0, 23)))
    reached = draw(st.integers(0, len(OPEN) - 1))  # the last open stage it entered
    closed = created + pd.Timedelta(days=draw(st.integers(0, 90))) if outcome != "open" else pd.NaT
    stage = {"open": OPEN[reached], "won": "Won", "lost": draw(st.sampled_from(["Lost", OPEN[reached]]))}[outcome]
    return {
        "created_at": created,
        "closed_at": closed,
        "status": outcome,
        "stage": stage,
        "reached": reached,
        "amount": draw(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))),
        "owner_id": draw(st.sampled_from(["r1", "r2", "r3"])),
        "lost_reason": draw(st.sampled_from([None, "Price", "Timing"])) if outcome == "lost" else None,
    }


@st.composite
def clients(draw: st.DrawFn, min_deals: int = 1, outcomes: tuple[str, ...] = ("open", "won", "lost")) -> dict[str, pd.DataFrame]:
    rows = [d for d in draw(st.lists(deals(), min_size=min_deals, max_size=14)) if d["status"] in outcomes]
    if not rows:
        rows = [{**draw(deals()), "status": "open", "stage": "New", "reached": 0, "closed_at": pd.NaT, "lost_reason": None}]
    df = pd.DataFrame(rows)
    df.insert(0, "deal_id", [f"d{i}" for i in range(len(df))])
    history = []
    for r in df.itertuples():
        for i in range(r.reached + 1):
            history.append((r.deal_id, OPEN[i], r.created_at + pd.Timedelta(days=i)))
        if r.status != "open":
            last = r.created_at + pd.Timedelta(days=r.reached, hours=1)  # after the last open entry: no two entries of a deal tie
            history.append((r.deal_id, "Won" if r.status == "won" else "Lost", max(r.closed_at, last)))
    tables = {
        "deals": df.drop(columns="reached").astype({"amount": "float64", "closed_at": "datetime64[ns]", "created_at": "datetime64[ns]"}),
    }
    if draw(st.booleans()):
        tables["stage_history"] = pd.DataFrame(history, columns=["deal_id", "stage", "entered_at"])
    return tables


def frame_of(tables: dict[str, pd.DataFrame]) -> AuditFrame:
    return frame_from_tables(PARAMS, {k: v.copy() for k, v in tables.items()})


def value(frame: AuditFrame, kpi: str) -> float | None:
    return evaluate(frame, kpi).value


@FEW
@given(clients())
def test_conversions_and_shares_are_within_0_and_1(tables: dict[str, pd.DataFrame]) -> None:
    frame = frame_of(tables)
    fun = P.funnel(frame)
    for col in ("conversion", "cumulative_conversion", "win_rate_from_stage"):
        shares = fun[col].dropna()
        assert ((shares >= 0) & (shares <= 1)).all(), (col, fun[col].tolist())
    for kpi in ("win_rate", "lost_without_reason_share"):
        v = value(frame, kpi)
        assert v is None or 0 <= v <= 1, (kpi, v)


@FEW
@given(clients())
def test_funnel_accounting_adds_up(tables: dict[str, pd.DataFrame]) -> None:
    fun = P.funnel(frame_of(tables))
    P.check_funnel_accounting(fun)  # raises when the outcomes do not add up to the entries
    assert (fun["left"] == fun["entered"] - fun["in_progress"]).all()
    assert (fun["deals"] <= fun["entered"]).all()
    assert list(fun["stage"][: len(OPEN)]) == OPEN


@FEW
@given(clients(outcomes=("open",)))
def test_win_rate_without_a_closed_deal_is_not_available(tables: dict[str, pd.DataFrame]) -> None:
    frame = frame_of(tables)
    result = evaluate(frame, "win_rate")
    assert result.value is None
    assert (result.reason("en") or "").startswith("not available, because")


@FEW
@given(clients())
def test_win_rate_is_won_over_closed_or_not_available(tables: dict[str, pd.DataFrame]) -> None:
    frame = frame_of(tables)
    won, lost = value(frame, "deals_won") or 0, value(frame, "deals_lost") or 0
    rate = value(frame, "win_rate")
    if won + lost == 0:
        assert rate is None
    elif rate is not None:  # a KPI may also hold back a rate on too few deals
        assert rate == won / (won + lost)


@FEW
@given(clients(), st.randoms(use_true_random=False))
def test_metrics_are_unchanged_by_row_order(tables: dict[str, pd.DataFrame], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = {k: v.sample(frac=1, random_state=rnd.randint(0, 2**31)).reset_index(drop=True) for k, v in tables.items()}
    a, b = kpi_table(frame_of(tables)), kpi_table(frame_of(shuffled))
    pd.testing.assert_series_equal(a["value"], b["value"], check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(P.funnel(frame_of(tables)), P.funnel(frame_of(shuffled)))
    pd.testing.assert_frame_equal(P.sales_cycle(frame_of(tables)), P.sales_cycle(frame_of(shuffled)))


def _same(step2: float | None, step3: float) -> bool:
    if step2 is None:
        return bool(pd.isna(step3) or step3 == 0)
    return math.isclose(step2, float(step3), rel_tol=1e-9, abs_tol=1e-9)


@FEW
@given(clients())
def test_step_2_and_step_3_agree_on_shared_numbers(tables: dict[str, pd.DataFrame]) -> None:
    frame = frame_of(tables)
    cycle = P.sales_cycle(frame).set_index("outcome")
    vel = P.velocity(frame)
    lost = P.lost_analysis(frame)
    won, lost_n, open_n = value(frame, "deals_won"), value(frame, "deals_lost"), value(frame, "open_deals")
    assert _same(won, cycle.at["won", "deals"]) and _same(won, vel["won_deals"].sum())
    assert _same(lost_n, cycle.at["lost", "deals"]) and _same(lost_n, vel["lost_deals"].sum())
    assert _same(lost_n, lost["by_stage"]["deals"].sum())
    assert _same(open_n, cycle.at["open", "deals"]) and _same(open_n, vel["open_deals"].iloc[-1])
    median = value(frame, "median_cycle_days")
    if median is not None:
        assert math.isclose(median, cycle.at["won", "median_days"], rel_tol=1e-9)
    # and the counts are those of the period, by hand
    d = tables["deals"]
    closed_in = d["closed_at"].ge(START) & d["closed_at"].lt(frame.as_of)
    assert (won or 0) == int((closed_in & d["status"].eq("won")).sum())
    assert (lost_n or 0) == int((closed_in & d["status"].eq("lost")).sum())
    still_open = d["created_at"].lt(frame.as_of) & ~(d["closed_at"].lt(frame.as_of) & d["status"].ne("open"))
    assert (open_n or 0) == int(still_open.sum())
    assert np.isfinite(cycle["deals"]).all()
