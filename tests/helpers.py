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
