"""A peer on the same deals table: ydata-profiling's minimal report against auditkit's metrics, timed in one run.

    .venv/bin/python benchmarks/bench_peer.py [--repeat 3]

The deals table is the demo client's clean deals as the audit frame sees them
(``build_frame(load_params("params/demo.yaml")).deals``, the frame's own ``_row`` bookkeeping column left
out), written once to a temporary Parquet file. Prints, as the median of ``--repeat`` rounds taken side by
side in this run (nothing is asserted):

- **peer**: ``ProfileReport(deals, minimal=True).to_html()`` of ydata-profiling, run in a new process of its
  own environment: the process's wall time (interpreter start, imports, reading the Parquet, profile, HTML)
  and peak memory, and the profile-to-HTML seconds alone as the child measured them;
- **auditkit run**: ``auditkit run params/demo.yaml --steps 02,03`` as a user runs it (a new process): wall
  time and peak memory of its process tree. It reads and checks every table of the demo's exports (not
  only the deals), builds the audit frame, and executes and renders the two step notebooks;
- **auditkit metrics**: in this process, on an already built and scoped frame (a fresh one each round, so
  nothing computed earlier is reused): the deals KPIs (``kpi_table``), the monthly deals of step 2, and
  every step-3 metric the step's notebook computes from the frame, with its findings (these also read the
  stage history);
- the ratios peer / auditkit for the two pairs (process against process, computation against computation),
  and the versions of the peer's packages.

ydata-profiling is not a dependency of auditkit and does not install beside its pandas, so the first run
creates a separate environment, ``benchmarks/.venv-peer`` (``python -m venv`` from this interpreter, then
``pip install ydata-profiling pyarrow``, letting pip pick the newest release that installs), and says so on
stderr; later runs reuse it. Delete the folder to install afresh. Exits 2 when pip cannot install the peer.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING

from _common import ROOT, machine_line, measured

if TYPE_CHECKING:
    from auditkit.frame import AuditFrame

PY = sys.executable
VENV = ROOT / "benchmarks" / ".venv-peer"
PEER_PY = VENV / "bin" / "python"
READY = VENV / "peer-versions.json"  # written last: the environment is complete, with these versions
PEER_PACKAGES = ["ydata-profiling", "pyarrow"]
SHOWN_VERSIONS = ["ydata-profiling", "pandas", "numpy", "pyarrow"]

PEER = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    import pandas as pd
    from ydata_profiling import ProfileReport
    t1 = time.perf_counter()
    df = pd.read_parquet(sys.argv[1])
    t2 = time.perf_counter()
    html = ProfileReport(df, title="deals", minimal=True, progress_bar=False).to_html()
    t3 = time.perf_counter()
    with open(sys.argv[2], "w") as out:
        json.dump({"imports": t1 - t0, "read": t2 - t1, "profile": t3 - t2, "html_chars": len(html),
                   "rows": len(df), "columns": df.shape[1]}, out)
    """
)


def peer_env() -> dict[str, str]:
    """The environment the peer runs in: this one, with ydata-profiling's usage analytics off."""
    return {**os.environ, "YDATA_PROFILING_NO_ANALYTICS": "True", "MPLBACKEND": "Agg"}


def ensure_peer() -> dict[str, str]:
    """Create ``benchmarks/.venv-peer`` with ydata-profiling on the first run; returns the installed versions
    of :data:`SHOWN_VERSIONS` (package -> version). Exits 2 when pip cannot install the peer."""
    if PEER_PY.exists() and READY.exists():
        return dict(json.loads(READY.read_text(encoding="utf-8")))
    print(f"first run: creating {VENV} and installing {' '.join(PEER_PACKAGES)} into it "
          "(a few minutes; later runs reuse it)", file=sys.stderr)
    subprocess.run([PY, "-m", "venv", "--clear", str(VENV)], check=True)
    cmd = [str(PEER_PY), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", *PEER_PACKAGES]
    tail: collections.deque[str] = collections.deque(maxlen=40)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as pip:
        assert pip.stdout is not None
        for line in pip.stdout:
            sys.stderr.write(line)
            tail.append(line)
    if pip.returncode != 0:
        print(f"\nbench_peer: pip could not install {' '.join(PEER_PACKAGES)} into {VENV} (exit {pip.returncode}); "
              "the peer cannot be timed. pip's last lines:\n" + "".join(tail), file=sys.stderr)
        raise SystemExit(2)
    probe = ("import json, sys; from importlib.metadata import version; "
             "print(json.dumps({p: version(p) for p in sys.argv[1:]}))")
    got = subprocess.run([str(PEER_PY), "-c", probe, *SHOWN_VERSIONS], capture_output=True, text=True, check=True)
    versions: dict[str, str] = json.loads(got.stdout)
    READY.write_text(json.dumps(versions, indent=1), encoding="utf-8")
    return versions


def deals_kpis() -> list[str]:
    """The ids of the KPIs whose population is a view of the deals table."""
    from auditkit.frame import POPULATIONS
    from auditkit.kpis import KPIS

    return [k for k, spec in KPIS.items() if POPULATIONS[spec.population].table == "deals"]


def metrics_seconds(built: AuditFrame, kpis: list[str]) -> float:
    """Seconds to compute the deals metrics of steps 2 and 3 on a fresh frame over ``built``'s loaded data."""
    from auditkit.frame import AuditFrame
    from auditkit.kpis import kpi_table
    from auditkit.metrics import process as P
    from auditkit.metrics.trends import monthly_deals

    frame = AuditFrame(built.params, built.data)
    _ = frame.deals  # scoped already, as in a run: the timing starts on a built frame with nothing computed
    t0 = time.perf_counter()
    kpi_table(frame, kpis)
    monthly_deals(frame)
    funnel = P.funnel(frame)
    durations = P.stage_durations(frame)
    time_summary = P.stage_time_summary(durations)
    P.sales_cycle(frame)
    bottlenecks = P.bottlenecks(frame, funnel, time_summary, durations)
    P.cohort_funnel(frame)
    segments = P.segment_funnel(frame)
    lost = P.lost_analysis(frame)
    levers = P.velocity_levers(P.velocity(frame))
    P.process_findings(frame, funnel_df=funnel, bottlenecks_df=bottlenecks, lost=lost, segments_df=segments, levers_df=levers)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is printed (default 3)")
    args = parser.parse_args()
    from auditkit import load_params
    from auditkit.demo import demo_is_current, generate_demo
    from auditkit.frame import build_frame

    versions = ensure_peer()
    if not demo_is_current(ROOT / "data" / "demo"):
        print("generating the demo data (auditkit demo) ...", file=sys.stderr)
        generate_demo(ROOT / "data" / "demo")
    params_path = ROOT / "params" / "demo.yaml"
    built = build_frame(load_params(params_path))
    deals = built.deals.drop(columns=[c for c in built.deals.columns if c.startswith("_")])
    kpis = deals_kpis()
    auditkit = str(Path(PY).parent / "auditkit")
    peer_walls, peer_peaks, peer_profiles, run_walls, run_peaks, metric_secs = [], [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        table = Path(tmp) / "deals.parquet"
        deals.to_parquet(table, index=False)
        script = Path(tmp) / "peer.py"
        script.write_text(PEER, encoding="utf-8")
        for r in range(args.repeat):
            print(f"round {r + 1}/{args.repeat}", file=sys.stderr)
            result = Path(tmp) / f"peer-{r}.json"
            wall, peak = measured([str(PEER_PY), str(script), str(table), str(result)], ok=(0,), env=peer_env())
            peer_walls.append(wall)
            peer_peaks.append(peak)
            child = json.loads(result.read_text(encoding="utf-8"))
            peer_profiles.append(child["profile"])
            outputs = Path(tmp) / f"outputs-{r}"
            wall, peak = measured([auditkit, "run", str(params_path), "--steps", "02,03", "--outputs", str(outputs)])
            run_walls.append(wall)
            run_peaks.append(peak)
            metric_secs.append(metrics_seconds(built, kpis))
    med = statistics.median
    print(machine_line(args.repeat))
    print(f"deals table: the demo's clean deals, {len(deals):,} rows x {deals.shape[1]} columns; "
          f"peer: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"{'':58}{'seconds':>9}{'peak GB':>9}")
    print(f"{'peer process: ydata-profiling minimal, to HTML':58}{med(peer_walls):9.2f}{med(peer_peaks):9.2f}")
    print(f"{'auditkit process: auditkit run --steps 02,03':58}{med(run_walls):9.2f}{med(run_peaks):9.2f}")
    print(f"{'ratio peer / auditkit (processes)':58}{med(peer_walls) / med(run_walls):9.2f}")
    print(f"{'peer profile + HTML alone (as the child measured it)':58}{med(peer_profiles):9.2f}")
    print(f"{'auditkit deals metrics on a built frame (in process)':58}{med(metric_secs):9.2f}")
    print(f"{'ratio peer / auditkit (computation)':58}{med(peer_profiles) / med(metric_secs):9.2f}")
    print(f"auditkit metrics timed: {len(kpis)} deals KPIs, monthly deals, the step-3 funnel, stage times, sales cycle, "
          "bottlenecks, cohorts, segments, lost deals, velocity and levers, and the step-3 findings")


if __name__ == "__main__":
    main()
