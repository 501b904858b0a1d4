"""A generated client whose export is honest about what it lacks (see tests/test_agreement.py).

Written as raw files, as a small CRM would export them:

- deals.csv, ';'-separated, Pipedrive-like headers, **no status column** (status comes from the stage),
  **no lost-reason column**, and a **Value column that is empty in every row**;
- a **two-stage pipeline** (Qualified, Proposal, then Won / Lost) and **no stage history**;
- leads.csv linking some leads to deals;
- the period is 2025-01-01 .. 2025-06-30, but the data **stops at the end of April** (nothing in May or
  June), while the export also holds deals **created before the period** (from October 2024) and deals
  **created or closed after it** (July 2025).

Every deal is generated from a seeded random generator, so the test computes its expectations from the
same rows by hand-written pandas, not from the kit.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

PARAMS = """\
client: {name: Edge Client, slug: edge}
period: {start: 2025-01-01, end: 2025-06-30}
currency: USD
language: en
pipeline:
  stages: [Qualified, Proposal, Won, Lost]
  won: Won
  lost: Lost
goals:
  - {kpi: win_rate, target: 0.6}
  - {kpi: avg_won_deal, target: 5000}
  - {kpi: lost_without_reason_share, target: 0.05}
  - {kpi: lead_to_deal_conversion, target: 0.9}
data:
  dir: data
  tables:
    deals:
      path: deals.csv
      delimiter: ";"
      columns: {Deal - ID: deal_id, Deal - Created: created_at, Deal - Closed: closed_at, Deal - Stage: stage, Deal - Value: amount, Deal - Owner: owner_id, Deal - Source: source}
    leads: {path: leads.csv}
"""


def edge_deals(seed: int = 11) -> pd.DataFrame:
    """The deals as the CRM exports them (strings), about 160 rows."""
    rng = np.random.default_rng(seed)
    rows = []
    n = 0

    def add(created: pd.Timestamp, closed: pd.Timestamp | None, stage: str) -> None:
        nonlocal n
        n += 1
        rows.append(
            {
                "Deal - ID": f"E{n:04d}",
                "Deal - Created": created.strftime("%Y-%m-%d %H:%M"),
                "Deal - Closed": closed.strftime("%Y-%m-%d %H:%M") if closed is not None else "",
                "Deal - Stage": stage,
                "Deal - Value": "",
                "Deal - Owner": f"Rep {1 + n % 4}",
                "Deal - Source": ["Web", "Partner", "Events"][n % 3],
            }
        )

    # October 2024 .. April 2025: the data's real span
    days = pd.date_range("2024-10-01", "2025-04-30", freq="D")
    for day in days[rng.random(len(days)) < 0.6]:
        created = day + pd.Timedelta(hours=int(rng.integers(9, 18)))
        outcome = rng.choice(["Won", "Lost", "open"], p=[0.3, 0.5, 0.2])
        if outcome == "open":
            add(created, None, str(rng.choice(["Qualified", "Proposal"])))
            continue
        closed = created + pd.Timedelta(days=int(rng.integers(3, 40)))
        if closed > pd.Timestamp("2025-04-30 18:00"):
            closed = pd.Timestamp("2025-04-30 17:00")  # the data stops at the end of April
        add(created, closed, str(outcome))  # no status column: the stage says won or lost
    # after the period: created in July, and created in April but closed in July
    for i in range(6):
        add(pd.Timestamp("2025-07-02 10:00") + pd.Timedelta(days=i), None, "Qualified")
    for i in range(4):
        add(pd.Timestamp("2025-04-10 10:00") + pd.Timedelta(days=i), pd.Timestamp("2025-07-05 12:00"), "Won")
    return pd.DataFrame(rows)


def edge_leads(deals: pd.DataFrame) -> pd.DataFrame:
    """One lead a day in Jan-Apr 2025 and two in July; every third links to a deal (some created after the period)."""
    ids = deals["Deal - ID"].tolist()
    rows = []
    for i, day in enumerate([*pd.date_range("2025-01-02", "2025-04-29", freq="D"), pd.Timestamp("2025-07-03"), pd.Timestamp("2025-07-04")]):
        created = day + pd.Timedelta(hours=9)
        deal = ids[(i * 7) % len(ids)] if i % 3 == 0 else ""
        contact = (created + pd.Timedelta(hours=1 + i % 30)).strftime("%Y-%m-%d %H:%M") if i % 5 else ""
        rows.append({"lead_id": f"L{i:04d}", "created_at": created.strftime("%Y-%m-%d %H:%M"), "source": ["Web", "Partner"][i % 2],
                     "first_contact_at": contact, "deal_id": deal})
    return pd.DataFrame(rows)


def write_edge_client(root: Path) -> Path:
    """Write the edge client's raw files and params under ``root``; returns the params path."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    deals = edge_deals()
    deals.to_csv(data / "deals.csv", sep=";", index=False)
    edge_leads(deals).to_csv(data / "leads.csv", index=False)
    path = root / "params.yaml"
    path.write_text(textwrap.dedent(PARAMS), encoding="utf-8")
    return path
