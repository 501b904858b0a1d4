"""Time the step-3 metrics (auditkit.metrics.process) on a synthetic 6k-deal client.

Run: python benchmarks/bench_process.py [--deals 6000] [--repeat 5]

Builds the client in code (seeded): six open stages, about six stage entries per deal with skips,
moves back, losses and open deals; leads for most deals. Builds its audit frame, then times the
scoping, the one parse of the stage history, and every metric function on the frame (best of
``--repeat`` runs, time.perf_counter), and prints a table and the total. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from auditkit.frame import AuditFrame, frame_from_tables
from auditkit.metrics import process as p
from auditkit.params import parse_params

STAGES = ["New", "Qualified", "Discovery", "Demo", "Proposal", "Negotiation"]
WON, LOST = "Won", "Lost"
START = pd.Timestamp("2025-04-01")
AS_OF = pd.Timestamp("2026-10-01")
PARAMS = {
    "client": {"name": "Bench", "slug": "bench"},
    "period": {"start": "2025-04-01", "end": "2026-09-30"},
    "pipeline": {"stages": [*STAGES, WON, LOST], "won": WON, "lost": LOST},
    "goals": [{"kpi": "lead_to_deal_conversion", "target": 0.4}],
    "data": {"tables": {"deals": {"path": "deals.csv"}}},
}
SOURCES = ["Web", "Referral", "Partner", "Outbound", "Event"]
REASONS = ["Price", "price ", "Too expensive", "Competitor", "went with competitor", "No budget", "Timing",
           "Bad timing", "No decision", None, ""]


def synthetic_client(n_deals: int, seed: int = 42) -> dict[str, pd.DataFrame]:
    """deals, stage_history and leads of a synthetic client with ``n_deals`` deals."""
    rng = np.random.default_rng(seed)
    k = len(STAGES)
    span = (AS_OF - START).days
    deal_rows: list[tuple[Any, ...]] = []
    hist_rows: list[tuple[str, str, pd.Timestamp]] = []
    for i in range(n_deals):
        deal_id = f"D{i:05d}"
        created = START + pd.Timedelta(days=float(rng.uniform(0, span - 1)))
        at, pos, status, closed = created, 0, "open", pd.NaT
        hist_rows.append((deal_id, STAGES[0], at))
        while True:
            at = at + pd.Timedelta(days=float(rng.gamma(2.0, 14.0 if pos == 3 else 4.0)))  # Demo stalls
            if at >= AS_OF:
                break
            r = rng.random()
            if r < 0.03 + (0.50 if pos == 2 else 0.0):  # the planted conversion collapse at Discovery
                status, closed = "lost", at
                hist_rows.append((deal_id, LOST, at))
                break
            if r < 0.60 and pos > 0 and rng.random() < 0.40:
                pos -= 1
            elif pos == k - 1:
                status, closed = "won", at
                hist_rows.append((deal_id, WON, at))
                break
            else:
                pos = min(k - 1, pos + (2 if rng.random() < 0.06 else 1))
            hist_rows.append((deal_id, STAGES[pos], at))
        stage = {"won": WON, "lost": STAGES[pos] if rng.random() < 0.8 else LOST}.get(status, STAGES[pos])
        reason = REASONS[rng.integers(len(REASONS))] if status == "lost" else None
        deal_rows.append(
            (deal_id, created, closed, status, stage, float(rng.lognormal(8.5, 0.6)), f"R{rng.integers(12):02d}",
             SOURCES[rng.integers(len(SOURCES))], f"P{rng.integers(4)}", f"T{rng.integers(3)}",
             ["North", "South"][rng.integers(2)], reason)
        )
    deals = pd.DataFrame(
        deal_rows,
        columns=["deal_id", "created_at", "closed_at", "status", "stage", "amount", "owner_id", "source",
                 "product", "team", "region", "lost_reason"],
    )
    deals["closed_at"] = pd.to_datetime(deals["closed_at"])
    history = pd.DataFrame(hist_rows, columns=["deal_id", "stage", "entered_at"])
    n_leads = int(n_deals * 1.6)
    some_deal = deals["deal_id"].to_numpy()[rng.integers(n_deals, size=n_leads)]
    lead_deal = np.where(rng.random(n_leads) < 0.55, some_deal, None)
    leads = pd.DataFrame(
        {
            "lead_id": [f"L{i:06d}" for i in range(n_leads)],
            "created_at": START + pd.to_timedelta(rng.uniform(0, span, n_leads), unit="D"),
            "source": np.asarray(SOURCES, dtype=object)[rng.integers(len(SOURCES), size=n_leads)],
            "owner_id": "R01",
            "deal_id": pd.array(lead_deal, dtype="str"),
        }
    )
    return {"deals": deals, "stage_history": history, "leads": leads}


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time in seconds over ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=6000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    data = synthetic_client(args.deals)
    deals, history, leads = data["deals"], data["stage_history"], data["leads"]
    print(f"synthetic client: {len(deals):,} deals, {len(history):,} stage entries "
          f"({len(history) / len(deals):.1f} per deal), {len(leads):,} leads")
    params = parse_params(PARAMS)
    frame = frame_from_tables(params, data)

    def fresh() -> AuditFrame:
        return AuditFrame(params, frame.data)

    r: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("scope to the period", lambda: fresh().population("deals_created")),
        ("parse stage history (once)", lambda: p.stage_entries(fresh())),
        ("funnel (any)", lambda: p.funnel(frame, "any")),
        ("funnel (strict)", lambda: p.funnel(frame, "strict")),
        ("stage_durations", lambda: p.stage_durations(frame)),
        ("stage_time_summary", lambda: p.stage_time_summary(r["stage_durations"])),
        ("sales_cycle", lambda: p.sales_cycle(frame)),
        ("bottlenecks", lambda: p.bottlenecks(frame, r["funnel (any)"], r["stage_time_summary"], r["stage_durations"])),
        ("cohort_funnel", lambda: p.cohort_funnel(frame)),
        ("segment_funnel", lambda: p.segment_funnel(frame)),
        ("most_different_segment", lambda: p.most_different_segment(r["segment_funnel"])),
        ("lost_analysis", lambda: p.lost_analysis(frame)),
        ("velocity", lambda: p.velocity(frame)),
        ("velocity_levers", lambda: p.velocity_levers(r["velocity"])),
        ("lead_conversion", lambda: p.lead_conversion(frame)),
        ("process_findings", lambda: p.process_findings(
            frame, funnel_df=r["funnel (any)"], bottlenecks_df=r["bottlenecks"], lost=r["lost_analysis"],
            segments_df=r["segment_funnel"], levers_df=r["velocity_levers"])),
    ]
    print(f"\n{'function':<28}{'best of ' + str(args.repeat):>14}")
    print("-" * 42)
    total = 0.0
    for name, fn in steps:
        seconds, r[name] = best_of(fn, args.repeat)
        total += seconds
        print(f"{name:<28}{seconds * 1000:>11.1f} ms")
    print("-" * 42)
    print(f"{'total':<28}{total * 1000:>11.1f} ms")
    found = r["process_findings"]
    print(f"\nbottlenecks flagged: {r['bottlenecks'].loc[r['bottlenecks']['is_bottleneck'], 'stage'].tolist()}; "
          f"findings: {[(f.kind, f.subject) for f in found]}")


if __name__ == "__main__":
    main()
