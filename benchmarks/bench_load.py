"""Print how long loading, building the audit frame and step-2 metrics take on the demo client, and the
command line's start-up time. Figures only; nothing is asserted.

    .venv/bin/python benchmarks/bench_load.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def best_of(fn, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from auditkit import load, load_params
    from auditkit.demo import demo_is_current, generate_demo
    from auditkit.frame import AuditFrame, build_frame
    from auditkit.kpis import kpi_table
    from auditkit.metrics.trends import monthly_deals

    if not demo_is_current(ROOT / "data" / "demo"):
        generate_demo(ROOT / "data" / "demo")
    params = load_params(ROOT / "params" / "demo.yaml")
    data = load(params)
    rows = {name: len(df) for name, df in data.tables.items()}
    print(f"demo client: {rows['deals']:,} deals, {rows['activities']:,} activities, {sum(rows.values()):,} rows in all")
    figures = {
        "load all tables (s)": best_of(lambda: load(params)),
        "load deals only (s)": best_of(lambda: load(params, ["deals"])),
        "build the audit frame: load and scope (s)": best_of(lambda: build_frame(params).population("deals_created")),
        "headline KPIs on a fresh frame (s)": best_of(lambda: kpi_table(AuditFrame(params, data))),
        "monthly deals on a fresh frame (s)": best_of(lambda: monthly_deals(AuditFrame(params, data))),
        "`auditkit --help` start-up (s)": best_of(
            lambda: subprocess.run([str(Path(sys.executable).parent / "auditkit"), "--help"], capture_output=True, check=True)
        ),
        "`import nbformat` (s)": best_of(lambda: subprocess.run([sys.executable, "-c", "import nbformat"], check=True)),
    }
    width = max(map(len, figures))
    for name, seconds in figures.items():
        print(f"{name:<{width}}  {seconds:8.3f}")


if __name__ == "__main__":
    main()
