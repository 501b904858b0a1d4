"""The mapping model on the funnel export that used to need a script: a closed-deals file (every row a
won deal, so the stage is a constant), a leads file linked to its deals by a declared join on the contact's
e-mail, and an agents file whose one column is both the rep id and the name, with manager and office.

By hand: deals C1 (a@x.com, 1000), C2 (b@x.com, 2500), C3 (c@x.com, 400), all Won; leads L1 (a@x.com) -> C1,
L2 (B@X.com, other case) -> C2, L3 (z@x.com) -> no deal, L4 (c@x.com) -> C3."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditkit import load, load_params
from auditkit.errors import DataError
from auditkit.io.load import preflight

PARAMS = """\
client: {name: Funnel, slug: funnel}
period: {start: 2025-01-01, end: 2025-03-31}
currency: EUR
pipeline: {stages: [New, Won, Lost], won: Won, lost: Lost}
data:
  dir: data
  tables:
    deals:
      path: closed.csv
      columns: {Deal: deal_id, Opened: created_at, Closed: [closed_at, expected_close_at], Amount: amount, Agent: owner_id}
      constants: {stage: Won}
    leads:
      path: leads.csv
      columns: {Lead: lead_id, Created: created_at, Channel: source}
      join:
        deal_id: {table: deals, match: {E-mail: Contact e-mail}}
    reps:
      path: agents.csv
      columns: {Agent: [rep_id, name], Supervisor: manager, Branch: office, Territory: region}
"""


def write(tmp_path: Path, params: str = PARAMS) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "closed.csv").write_text(
        "Deal,Opened,Closed,Amount,Agent,Contact e-mail\n"
        "C1,2025-01-05,2025-01-20,1000,Ann,a@x.com\nC2,2025-01-10,2025-02-01,2500,Bob,b@x.com\nC3,2025-02-01,2025-03-01,400,Ann,c@x.com\n",
        encoding="utf-8",
    )
    (data / "leads.csv").write_text(
        "Lead,Created,Channel,E-mail\nL1,2025-01-02,Web,a@x.com\nL2,2025-01-08,Ads,B@X.com\nL3,2025-01-09,Web,z@x.com\nL4,2025-01-30,Web,c@x.com\n",
        encoding="utf-8",
    )
    (data / "agents.csv").write_text(
        "Agent,Supervisor,Branch,Territory\nAnn,Carla,Berlin,DACH\nBob,Carla,Vienna,DACH\n", encoding="utf-8"
    )
    path = tmp_path / "params.yaml"
    path.write_text(params, encoding="utf-8")
    return path


def test_constants_joins_and_one_column_filling_two(tmp_path: Path):
    data = load(load_params(write(tmp_path)))
    deals = data["deals"]
    assert deals["stage"].tolist() == ["Won"] * 3 and deals["status"].tolist() == ["won"] * 3
    assert deals["closed_at"].equals(deals["expected_close_at"])
    assert data["leads"]["deal_id"].fillna("-").tolist() == ["C1", "C2", "-", "C3"]
    assert data.sources["leads"]["joined"] == {"deal_id": {"from": "deals", "matched": 3, "rows": 4, "ambiguous_keys": 0}}
    reps = data["reps"].set_index("rep_id")
    assert reps["name"].to_dict() == {"Ann": "Ann", "Bob": "Bob"}
    assert reps.loc["Bob", "manager"] == "Carla" and reps.loc["Bob", "office"] == "Vienna" and reps.loc["Bob", "region"] == "DACH"
    assert data.issues == []


def test_a_join_on_a_column_the_file_lacks_is_named(tmp_path: Path):
    path = write(tmp_path, PARAMS.replace("{E-mail: Contact e-mail}", "{Email: Contact e-mail}"))
    with pytest.raises(DataError, match="join.deal_id matches on column 'Email', which the file does not have"):
        preflight(load_params(path))
    with pytest.raises(DataError, match="join.deal_id matches on column 'Email', which the leads file does not have"):
        load(load_params(path))


def test_without_a_reps_table_the_owners_become_reps_by_name(tmp_path: Path):
    params = PARAMS.split("    reps:")[0]
    data = load(load_params(write(tmp_path, params)))
    assert data["reps"]["rep_id"].tolist() == data["reps"]["name"].tolist() == ["Ann", "Bob"]
    assert data.sources["reps"]["derived_from"] == "owner_id of deals, leads and activities"
    assert not [i for i in data.issues if i.check == "unknown_reference"]


def test_the_hint_for_a_missing_name_is_not_the_manager_column(tmp_path: Path):
    path = write(tmp_path, PARAMS.replace("Agent: [rep_id, name], Supervisor: manager", "Agent: rep_id"))
    (tmp_path / "data" / "agents.csv").write_text("Agent,Manager,Branch,Territory\nAnn,Carla,Berlin,DACH\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load(load_params(path))
    assert "needs column 'name', which is not in the file" in str(err.value) and "is it 'Manager'" not in str(err.value)
