"""Absent is not empty: which canonical columns the export has, lacks, or leaves empty."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from auditkit import load, load_params
from auditkit.io.load import AuditData

from helpers import DEALS, write_small_client

DEAL_COLUMNS = ["deal_id", "created_at", "closed_at", "status", "stage", "amount", "owner_id", "lost_reason"]


def test_sources_record_the_columns_present_in_schema_order(small_client: Path):
    data = load(load_params(small_client))
    assert data.sources["deals"]["columns_present"] == DEAL_COLUMNS
    assert data.sources["leads"]["columns_present"] == ["lead_id", "created_at", "source", "owner_id", "first_contact_at", "status", "deal_id"]
    assert data.sources["deals"]["columns_empty"] == [] and data.sources["leads"]["columns_empty"] == []
    assert json.loads(json.dumps(data.sources)) == data.sources  # step code writes it to JSON


def test_inventory_separates_present_absent_and_empty_columns(tmp_path: Path):
    path = write_small_client(tmp_path, [(*row[:7], "") for row in DEALS])  # no lost reason anywhere
    # the file's own header order differs from the schema's: columns_present follows the schema
    deals = pd.read_csv(tmp_path / "data" / "deals.csv", sep=";", dtype=str, keep_default_na=False)
    deals[["Owner", "Deal ID", "Lost reason", "Value", "Stage", "Created", "Closed"]].to_csv(tmp_path / "data" / "deals.csv", sep=";", index=False)
    (tmp_path / "data" / "leads.csv").write_text("lead_id,created_at,source,first_contact_at\nL1,2025-01-02 09:00,Web,\nL2,2025-01-03 09:00,Web,\n", encoding="utf-8")
    data = load(load_params(path))
    assert data.sources["deals"]["columns_present"] == ["deal_id", "created_at", "closed_at", "stage", "amount", "owner_id", "lost_reason"]
    assert data.sources["deals"]["columns_empty"] == ["lost_reason"]
    assert data.sources["leads"]["columns_empty"] == ["first_contact_at"]
    inv = data.inventory().set_index("table")
    assert list(inv.columns) == ["file", "rows", "columns", "not_in_export", "empty_columns", "from", "to", "issues", "status"]
    assert inv.at["deals", "columns"] == "deal_id, created_at, closed_at, stage, amount, owner_id, lost_reason"
    assert inv.at["deals", "not_in_export"] == "status, source, product, account_id, team, region, expected_close_at"
    assert inv.at["deals", "empty_columns"] == "lost_reason"
    assert inv.at["leads", "columns"] == "lead_id, created_at, source, first_contact_at"
    assert inv.at["leads", "not_in_export"] == "owner_id, status, deal_id"
    assert inv.at["leads", "empty_columns"] == "first_contact_at"
    assert (inv.at["activities", "columns"], inv.at["activities", "not_in_export"], inv.at["activities", "status"]) == ("", "", "not provided")
    # status is derived from the stage (D3 sits at Proposal, so open), but it did not come from the file
    assert data["deals"]["status"].tolist()[:3] == ["won", "won", "open"]


def test_header_only_file_has_no_empty_columns(tmp_path: Path):
    path = write_small_client(tmp_path)
    (tmp_path / "data" / "leads.csv").write_text("lead_id,created_at,source\n", encoding="utf-8")
    data = load(load_params(path))
    assert data.sources["leads"]["columns_present"] == ["lead_id", "created_at", "source"]
    assert data.sources["leads"]["columns_empty"] == []
    assert data.inventory().set_index("table").at["leads", "not_in_export"] == "owner_id, first_contact_at, status, deal_id"


def test_inventory_of_sources_without_column_records(small_client: Path):
    loaded = load(load_params(small_client))
    old = {name: {k: v for k, v in src.items() if k not in ("columns_present", "columns_empty")} for name, src in loaded.sources.items()}
    inv = AuditData(loaded.params, loaded.tables, loaded.issues, old).inventory().set_index("table")
    assert inv.at["deals", "columns"].startswith("deal_id, created_at, closed_at, status, stage, amount, owner_id, source,")
    assert inv.at["deals", "not_in_export"] == "" and inv.at["deals", "empty_columns"] == ""
    # frame-built sources carry columns_present only: empty columns come from the loaded table
    only = {name: {**src, "columns_empty": None} for name, src in loaded.sources.items()}
    only = {name: {k: v for k, v in src.items() if v is not None} for name, src in only.items()}
    tables = {**loaded.tables, "deals": loaded.tables["deals"].assign(lost_reason=pd.NA)}
    inv = AuditData(loaded.params, tables, loaded.issues, only).inventory().set_index("table")
    assert inv.at["deals", "empty_columns"] == "lost_reason"
