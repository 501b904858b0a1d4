"""The step context: the clean-table cache and what a step writes."""

from __future__ import annotations

import json

import pandas as pd

from auditkit import load, load_params
from auditkit.findings import Finding
from auditkit.step import load_clean, open_step, save_clean

from helpers import DEALS, write_small_client


def test_clean_cache_round_trip_keeps_tables_and_issues(tmp_path):
    path = write_small_client(tmp_path, [*DEALS, ("D9", "2025-02-01", "", "Open", "New", "-5", "R1", "")])
    params = load_params(path)
    data = load(params)
    save_clean(data, tmp_path / "run")
    back = load_clean(params, tmp_path / "run")
    pd.testing.assert_frame_equal(back["deals"], data["deals"])
    assert [(i.check, i.rows) for i in back.issues] == [("negative_amount", (10,))]
    assert back.issues[0].examples["Value"].tolist() == ["-5"]
    assert load_clean(params, tmp_path / "elsewhere") is None


def test_step_writes_tables_and_findings_only_with_a_run_folder(tmp_path, small_client):
    quiet = open_step("02_data", str(small_client))
    quiet.table(pd.DataFrame({"a": [1]}), "t")
    quiet.finish()
    assert quiet.run_dir is None and not (small_client.parent / "tables").exists()

    step = open_step("03_process", str(small_client), str(tmp_path / "run"))
    step.table(pd.DataFrame({"text": ["=1+2"]}), "t")
    step.add([Finding("x", 3, "process", "T", "low", "m", 1.0)])
    step.finish()
    assert (tmp_path / "run" / "tables" / "03_t.csv").read_text(encoding="utf-8-sig").splitlines() == ["text", "'=1+2"]
    assert [f["id"] for f in json.loads((tmp_path / "run" / "findings" / "03_process.json").read_text())] == ["x"]
    assert (tmp_path / "run" / "tables" / "03_findings.csv").is_file()
