"""Test data built in code: a small hand-checked client (raw files + params)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEMO_PARAMS = ROOT / "params" / "demo.yaml"

# A hand-checked client. Period 2025-01-01 .. 2025-03-31. Expected KPIs are
# worked out in tests/metrics/test_kpis.py from these rows.
DEALS = [
    # Deal ID, Created, Closed, Status, Stage, Value, Owner, Lost reason
    ("D1", "2025-01-05 10:00", "2025-01-25 10:00", "Won", "Won", "1000", "R1", ""),
    ("D2", "2025-01-10 09:00", "2025-02-19 09:00", "Won", "Won", "3000", "R2", ""),
    ("D3", "2025-02-01 12:00", "2025-02-15 12:00", "Lost", "Proposal", "500", "R1", "Price"),
    ("D4", "2025-02-10 08:00", "2025-03-01 08:00", "Lost", "Qualified", "800", "R2", ""),
    ("D5", "2025-03-01 11:00", "", "Open", "Proposal", "2000", "R1", ""),
    ("D6", "2024-12-20 10:00", "2025-01-10 10:00", "Won", "Won", "600", "R2", ""),
    ("D7", "2025-03-20 15:00", "", "Open", "New", "400", "R1", ""),
    ("D8", "2025-03-25 15:00", "2025-04-05 15:00", "Won", "Won", "9999", "R2", ""),
]
LEADS = [
    # lead_id, created_at, source, owner_id, first_contact_at, status, deal_id
    ("L1", "2025-01-02 09:00", "Web", "R1", "2025-01-02 11:00", "converted", "D1"),
    ("L2", "2025-01-08 08:00", "Partner", "R2", "2025-01-08 18:00", "converted", "D2"),
    ("L3", "2025-02-01 10:00", "Web", "R1", "2025-02-01 14:00", "disqualified", ""),
    ("L4", "2025-03-05 10:00", "Web", "R1", "", "new", ""),
    ("L5", "2024-12-01 10:00", "Partner", "R2", "2024-12-05 14:00", "converted", "D6"),
]

PARAMS = """\
client: {name: Small Client, slug: small}
period: {start: 2025-01-01, end: 2025-03-31}
currency: EUR
language: en
pipeline:
  stages: [New, Qualified, Proposal, Won, Lost]
  won: Won
  lost: Lost
goals:
  - {kpi: win_rate, target: 0.5}
  - {kpi: median_cycle_days, target: 14}
data:
  dir: data
  tables:
    deals:
      path: deals.csv
      delimiter: ";"
      columns: {Deal ID: deal_id, Created: created_at, Closed: closed_at, Status: status, Stage: stage, Value: amount, Owner: owner_id, Lost reason: lost_reason}
      values:
        status: {Open: open, Won: won, Lost: lost}
    leads: {path: leads.csv}
"""


def write_small_client(root: Path, deals: list[tuple] | None = None, params: str = PARAMS) -> Path:
    """Write the small client (raw files + params.yaml) under ``root``; returns the params path."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    cols = ["Deal ID", "Created", "Closed", "Status", "Stage", "Value", "Owner", "Lost reason"]
    pd.DataFrame(deals or DEALS, columns=cols).to_csv(data / "deals.csv", sep=";", index=False)
    lead_cols = ["lead_id", "created_at", "source", "owner_id", "first_contact_at", "status", "deal_id"]
    pd.DataFrame(LEADS, columns=lead_cols).to_csv(data / "leads.csv", index=False)
    path = root / "params.yaml"
    path.write_text(textwrap.dedent(params), encoding="utf-8")
    return path


# -- the demo runs shared by a test session ------------------------------------------------------------
#
# Several end-to-end tests read the demo audit (in English, and in Russian). Each is run once per session
# as a user runs it, into a folder shared by the pytest-xdist workers, under a file lock: under xdist the
# controller starts both in the background at session start (the lock travels with the process), and the
# first test to need one waits for it; in a single process the first test to need one runs it.


def shared_dir(basetemp: Path) -> Path:
    """Where a session's shared runs live, given this process's pytest basetemp: under pytest-xdist a
    worker's basetemp is ``<the controller's>/popen-gwN``, so the workers and the controller share its parent."""
    import os

    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def russian_demo_params(folder: Path) -> Path:
    """The demo's params with ``language: ru`` (slug demo-ru), reading the demo data, written in ``folder``."""
    text = DEMO_PARAMS.read_text(encoding="utf-8").replace("language: en", "language: ru").replace("slug: demo", "slug: demo-ru")
    path = folder / "demo-ru.yaml"
    path.write_text(text.replace("dir: ../data/demo", f"dir: {ROOT / 'data' / 'demo'}"), encoding="utf-8")
    return path


SHARED_RUNS = {"demo-run": lambda folder: DEMO_PARAMS, "demo-run-ru": russian_demo_params}


def _run_command(shared: Path, name: str) -> list[str]:
    import sys

    auditkit = str(Path(sys.executable).parent / "auditkit")
    return [auditkit, "run", str(SHARED_RUNS[name](shared)), "--outputs", str(shared / name)]


def _finished_run(shared: Path, name: str) -> Path | None:
    """The completed run folder of shared run ``name``, or None."""
    import json

    for manifest in (shared / name).glob("*/*/manifest.json"):
        if json.loads(manifest.read_text(encoding="utf-8")).get("status") == "ok":
            return manifest.parent
    return None


def start_shared_run(shared: Path, name: str):  # type: ignore[no-untyped-def]
    """Start shared run ``name`` in the background, holding its lock until it ends; the process."""
    import fcntl
    import subprocess

    lock = open(shared / f"{name}.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    with open(shared / f"{name}.log", "w") as log:
        proc = subprocess.Popen(_run_command(shared, name), stdout=log, stderr=subprocess.STDOUT, pass_fds=(lock.fileno(),))
    lock.close()  # the child keeps the lock (same open file) until it exits
    return proc


def shared_run(shared: Path, name: str) -> Path:
    """The run folder of shared run ``name``: waits for a run in progress, or runs it (once per session)."""
    import fcntl
    import subprocess

    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run = _finished_run(shared, name)
        if run is not None:
            return run
        result = subprocess.run(_run_command(shared, name), capture_output=True, text=True, timeout=900)
        run = _finished_run(shared, name)
        assert result.returncode == 0 and run is not None, result.stdout + result.stderr
        return run
