"""Params validation: every mistake gets one message naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditkit.errors import ParamsError
from auditkit.params import load_params, parse_params

from helpers import PARAMS, write_small_client


def raw() -> dict:
    return yaml.safe_load(PARAMS)


def error_of(data: dict) -> str:
    with pytest.raises(ParamsError) as err:
        parse_params(data, "client.yaml")
    return str(err.value)


def test_valid_params_resolve_paths_against_the_params_file(small_client: Path):
    params = load_params(small_client)
    assert params.client.slug == "small"
    assert params.pipeline.open_stages == ["New", "Qualified", "Proposal"]
    assert params.table_path("deals") == (small_client.parent / "data" / "deals.csv").resolve()
    assert params.data.tables["deals"].file_format == "csv"
    assert params.target("win_rate").target == 0.5 and params.target("leads") is None


def test_missing_params_file_names_it(tmp_path: Path):
    with pytest.raises(ParamsError, match=r"nope\.yaml: no such params file"):
        load_params(tmp_path / "nope.yaml")


def test_yaml_syntax_error_gives_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("client:\n  name: [unclosed\nperiod: x\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"bad\.yaml: not valid YAML at line \d+, column \d+"):
        load_params(path)


def test_unknown_key_suggests_the_right_one():
    data = raw()
    data["pipline"] = data.pop("pipeline")
    msg = error_of(data)
    assert "unknown key 'pipline' in (top level). Did you mean 'pipeline'?" in msg
    assert "'pipeline' is required but missing" in msg


def test_unknown_nested_key_names_its_path():
    data = raw()
    data["data"]["tables"]["deals"]["delimeter"] = ";"
    msg = error_of(data)
    assert "unknown key 'delimeter' in data.tables.deals. Did you mean 'delimiter'?" in msg


def test_wrong_type_names_key_and_value():
    data = raw()
    data["thresholds"] = {"stale_after_days": "soon"}
    msg = error_of(data)
    assert "'thresholds.stale_after_days'" in msg and "'soon'" in msg


def test_stage_list_without_won_stage_says_what_to_add():
    data = raw()
    data["pipeline"]["stages"] = ["New", "Qualified", "Proposal", "Lost"]
    msg = error_of(data)
    assert "pipeline.won is 'Won', which is not in pipeline.stages" in msg
    assert "add the stage that means a deal is won" in msg


def test_unknown_kpi_and_table_are_named():
    data = raw()
    data["goals"][0]["kpi"] = "winrate"
    data["data"]["tables"]["deal"] = data["data"]["tables"].pop("deals")
    msg = error_of(data)
    assert "unknown KPI 'winrate'. Did you mean 'win_rate'?" in msg
    assert "unknown table 'deal'. Did you mean 'deals'?" in msg


def test_period_end_before_start():
    data = raw()
    data["period"] = {"start": "2025-03-31", "end": "2025-01-01"}
    assert "period.end (2025-01-01) is before period.start (2025-03-31)" in error_of(data)


def test_missing_data_file_lists_the_path(tmp_path: Path):
    path = write_small_client(tmp_path)
    (tmp_path / "data" / "leads.csv").unlink()
    with pytest.raises(ParamsError) as err:
        load_params(path)
    assert "1 data file not found" in str(err.value)
    assert "data.tables.leads.path" in str(err.value) and "leads.csv" in str(err.value)


def test_top_level_must_be_a_mapping(tmp_path: Path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="must be a YAML mapping"):
        load_params(path)


def test_demo_params_validate(demo_params: Path):
    params = load_params(demo_params)
    assert params.client.slug == "demo" and len(params.pipeline.open_stages) == 6


def test_conversion_targets_must_name_open_stages_and_be_shares():
    data = raw()
    data["pipeline"]["conversion_targets"] = {"Won": 0.5}
    assert "pipeline.conversion_targets names 'Won', which is not an open stage" in error_of(data)
    data["pipeline"]["conversion_targets"] = {"Proposal": 60}
    assert "pipeline.conversion_targets.Proposal is 60.0; write a share between 0 and 1" in error_of(data)


def test_mapping_targets_must_be_canonical_columns():
    data = raw()
    data["data"]["tables"]["deals"]["columns"]["Value"] = "amout"
    assert "data.tables.deals.columns names 'amout', which is not a column of deals. Did you mean 'amount'?" in error_of(data)
    data = raw()
    data["data"]["tables"]["deals"]["values"] = {"stauts": {"Open": "open"}}
    assert "data.tables.deals.values names 'stauts', which is not a column of deals. Did you mean 'status'?" in error_of(data)
