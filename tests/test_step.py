"""The step context: the run's frame, and what a step writes."""

from __future__ import annotations

import json

import pandas as pd

from auditkit import load_params
from auditkit.findings import Finding
from auditkit.frame import build_frame
from auditkit.step import open_step


def test_a_step_reads_the_runs_frame_not_the_params_file(tmp_path, small_client):
    frame = build_frame(load_params(small_client))
    frame.save(tmp_path / "run")
    small_client.write_text("client: {name: Edited mid-run", encoding="utf-8")  # no longer even valid YAML
    step = open_step("03_process", str(small_client), str(tmp_path / "run"))
    assert step.params.client.name == "Small Client"
    pd.testing.assert_frame_equal(step.frame.deals, frame.deals)


def test_step_writes_tables_and_findings_only_with_a_run_folder(tmp_path, small_client):
    quiet = open_step("02_data", str(small_client))
    quiet.table(pd.DataFrame({"a": [1]}), "t")
    quiet.finish()
    assert quiet.run_dir is None and not (small_client.parent / "tables").exists()

    step = open_step("03_process", str(small_client), str(tmp_path / "run"))
    step.table(pd.DataFrame({"text": ["=1+2"]}), "t")
    finding = Finding(step=3, kind="process.test", title="T", severity="low", metric="m", value=1.0, unit="count")
    step.add([finding])
    step.not_available.append({"what": "kpi.won_value", "reason": "not available, because ..."})
    step.finish()
    assert (tmp_path / "run" / "tables" / "03_t.csv").read_text(encoding="utf-8-sig").splitlines() == ["text", "'=1+2"]
    body = json.loads((tmp_path / "run" / "findings" / "03_process.json").read_text())
    assert [f["id"] for f in body["findings"]] == [finding.id] and body["not_available"][0]["what"] == "kpi.won_value"
    assert (tmp_path / "run" / "tables" / "03_findings.csv").is_file()
    assert (tmp_path / "run" / "tables" / "03_not_available.csv").is_file()
