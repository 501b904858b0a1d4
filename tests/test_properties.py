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
- step 2's KPIs and step 3's tables agree on deals won, deals lost, the median cycle and open deals;
- the report builds for any valid random client (``written_clients()``: the same deals, written to CSV
  files with a params file, with random stage and rep names, language, optional columns and leads), run
  end to end by ``auditkit.runner.run``: no step fails.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "auditkit-hypothesis"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, Phase, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from auditkit.frame import AuditFrame, frame_from_tables  # noqa: E402
from auditkit.kpis import evaluate, kpi_table  # noqa: E402
from auditkit.metrics import hygiene as H  # noqa: E402
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


@FEW
@given(clients(), st.sets(st.sampled_from(["closed_at", "status", "lost_reason"])))
def test_step_3_findings_and_step_5_stage_gaps_build_for_any_client(tables: dict[str, pd.DataFrame], drop: set[str]) -> None:
    """Found by the end-to-end property below: without closed_at the lost-deal count is not available (NaN)
    and step 3's findings must not judge it; with a stage history but no deal created in the period, step 5's
    stage gaps are an empty table, not an error."""
    frame = frame_of({**tables, "deals": tables["deals"].drop(columns=sorted(drop))})
    findings = P.process_findings(frame)
    assert all(f.step == 3 for f in findings)
    if "closed_at" in drop:
        assert not [f for f in findings if f.kind == "process.lost_reason_missing"]
    gaps = H.stage_gaps(frame)
    assert list(gaps.columns) == ["deal_id", "rep", "team", "entries", "skips", "moves_back"]
    assert ((gaps["skips"] >= 0) & (gaps["moves_back"] >= 0) & (gaps["skips"] + gaps["moves_back"] < gaps["entries"])).all()
    if "stage_history" not in tables or frame.population("deals_created").empty:
        assert gaps.empty


# -- the whole audit on a random client, written to files ------------------------------------------------

OPEN_NAMES = ["New", "Qualified", "Proposal", "Discovery", "Demo", "Negotiation", "Новая", "Квалификация", "КП отправлено", "Переговоры", "Счёт выставлен"]
WON_NAMES, LOST_NAMES = ["Won", "Closed Won", "Успешно реализовано"], ["Lost", "Closed Lost", "Закрыто и не реализовано"]
REP_NAMES = ["Ann Lee", "Bob Stone", "Cara Diaz", "Иванов Иван", "Мария Петрова", "Ёлкин Пётр"]
OPTIONAL = ["closed_at", "status", "lost_reason"]  # deals columns an export may lack (the others are required)


@st.composite
def written_clients(draw: st.DrawFn) -> dict:
    """A valid random client as files would hold it: ``tables`` (the deals of ``clients()`` with random
    stage and rep names, some optional columns dropped, maybe a source and a team column, maybe leads),
    ``stages`` (open stages in order, then won and lost) and ``language``. Valid means the loader accepts
    it: at least one deal is created or closed in the period (else the run is refused with exit 2)."""
    tables = draw(clients())
    deals_ = tables["deals"]
    created_in = deals_["created_at"].ge(START) & deals_["created_at"].lt(START + pd.Timedelta(days=90))
    closed_in = deals_["closed_at"].ge(START) & deals_["closed_at"].lt(START + pd.Timedelta(days=90))
    drop = draw(st.sets(st.sampled_from(OPTIONAL)))
    assume(created_in.any() or ("closed_at" not in drop and closed_in.any()))
    opened = draw(st.lists(st.sampled_from(OPEN_NAMES), min_size=3, max_size=3, unique=True))
    stages = [*opened, draw(st.sampled_from(WON_NAMES)), draw(st.sampled_from(LOST_NAMES))]
    rename = dict(zip([*OPEN, "Won", "Lost"], stages))
    reps = dict(zip(["r1", "r2", "r3"], draw(st.lists(st.sampled_from(REP_NAMES), min_size=3, max_size=3, unique=True))))
    deals_ = deals_.assign(stage=deals_["stage"].map(rename), owner_id=deals_["owner_id"].map(reps))
    for col, values in (("source", ["Web", "Partner", "Звонок"]), ("team", ["North", "South", "Москва"])):
        if draw(st.booleans()):
            deals_[col] = [draw(st.sampled_from(values)) for _ in range(len(deals_))]
    out = {"deals": deals_.drop(columns=sorted(drop))}
    if "stage_history" in tables:
        out["stage_history"] = tables["stage_history"].assign(stage=tables["stage_history"]["stage"].map(rename))
    if draw(st.booleans()):
        n = draw(st.integers(1, 8))
        created = [START + pd.Timedelta(days=draw(st.integers(-30, 100)), hours=draw(st.integers(0, 23))) for _ in range(n)]
        waited = [draw(st.one_of(st.none(), st.integers(0, 200))) for _ in range(n)]
        out["leads"] = pd.DataFrame({
            "lead_id": [f"l{i}" for i in range(n)],
            "created_at": created,
            "source": [draw(st.sampled_from(["Web", "Partner"])) for _ in range(n)],
            "owner_id": [draw(st.sampled_from(list(reps.values()))) for _ in range(n)],
            "first_contact_at": [c + pd.Timedelta(hours=w) if w is not None else pd.NaT for c, w in zip(created, waited)],
            "deal_id": [draw(st.one_of(st.none(), st.sampled_from(list(deals_["deal_id"])))) for _ in range(n)],
        })
    return {"tables": out, "stages": stages, "language": draw(st.sampled_from(["en", "ru"]))}


def write_client(root: Path, client: dict) -> Path:
    """Write ``client`` (from ``written_clients()``) as CSV files and a params file under ``root``; the params path."""
    data = root / "data"
    data.mkdir(parents=True)
    entries = []
    for name, df in client["tables"].items():
        df.to_csv(data / f"{name}.csv", index=False, date_format="%Y-%m-%d %H:%M")
        entries.append(f"    {name}: {{path: {name}.csv}}")
    stages = client["stages"]
    params = "\n".join([
        f"client: {{name: {json.dumps('Случайный клиент' if client['language'] == 'ru' else 'Random Client')}, slug: random}}",
        "period: {start: 2025-01-01, end: 2025-03-31}",
        "currency: " + ("RUB" if client["language"] == "ru" else "EUR"),
        f"language: {client['language']}",
        "pipeline:",
        f"  stages: {json.dumps(stages, ensure_ascii=False)}",
        f"  won: {json.dumps(stages[-2], ensure_ascii=False)}",
        f"  lost: {json.dumps(stages[-1], ensure_ascii=False)}",
        "goals:",
        "  - {kpi: win_rate, target: 0.3}",
        "data:",
        "  dir: data",
        "  tables:",
        *entries,
        "",
    ])
    path = root / "params.yaml"
    path.write_text(params, encoding="utf-8")
    return path


PROPERTY_RUNS = int(os.environ.get("AUDITKIT_PROPERTY_RUNS", "3"))


@pytest.mark.slow
# no shrinking: each try is a whole run (shrinking one failure took over five minutes); the message names the
# folder that keeps the failing client's files and params, to run again with ``auditkit run``
@settings(max_examples=PROPERTY_RUNS, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(client=written_clients())
def test_the_report_builds_for_any_valid_random_client(client: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The whole audit (every step, in-process, one warm kernel per run) on a random valid client: the run
    and every step end ok, insufficient or not built, never failed; report.html and html/index.html are
    written and not empty; every findings file parses. A run costs 10-20 s, so 3 clients by default; set
    ``AUDITKIT_PROPERTY_RUNS=<n>`` to try n clients (e.g. 50 before a release)."""
    from auditkit.runner import STEPS, run

    root = tmp_path_factory.mktemp("random-client")
    params = write_client(root, client)
    result = run(params, root / "out")
    steps = {s.name: (s.status, s.error) for s in result.steps}
    where = f"client in {root} ({params.name}); steps {steps}"
    assert result.status != "failed", where
    assert all(status in ("ok", "insufficient", "not_built") for status, _ in steps.values()), where
    assert list(steps) == list(STEPS), where
    for page in (result.report, result.index):
        assert page.is_file() and page.stat().st_size > 0, f"{page} is missing or empty; {where}"
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == result.status, where
    findings = sorted((result.run_dir / "findings").glob("*.json"))
    assert findings, where
    for path in findings:
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), f"{path} does not parse to an object; {where}"
