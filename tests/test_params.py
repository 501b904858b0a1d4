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


# -- issue 7: params robustness ----------------------------------------------------------
def test_a_params_file_with_a_bom_is_read(tmp_path: Path):
    path = write_small_client(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_params(path).client.slug == "small"


def test_a_params_file_in_cp1251_says_to_save_it_as_utf8(tmp_path: Path):
    path = write_small_client(tmp_path)
    text = path.read_text(encoding="utf-8").replace("name: Small Client", "name: ООО Ромашка")
    path.write_bytes(text.encode("cp1251"))
    with pytest.raises(ParamsError) as err:
        load_params(path)
    msg = str(err.value)
    assert "the params file is not UTF-8 text (line 1)" in msg and "It looks like cp1251" in msg and "Save it as UTF-8" in msg


def test_a_key_written_twice_is_named_with_both_lines(tmp_path: Path):
    path = write_small_client(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("currency: EUR\n", "currency: EUR\ncurrency: USD\n"), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"the key 'currency' is written twice in one mapping \(line 3, column 1 and line 4, column 1\)"):
        load_params(path)


@pytest.mark.parametrize(("written", "where"), [("end: 2025-06-31", "line 2, column 34"), ("start: 2025-13-01", "line 2, column 17")])
def test_a_date_that_does_not_exist_is_named_with_its_line(tmp_path: Path, written: str, where: str):
    path = write_small_client(tmp_path)
    text = path.read_text(encoding="utf-8")
    key = written.split(":")[0]
    old = "start: 2025-01-01" if key == "start" else "end: 2025-03-31"
    path.write_text(text.replace(old, written), encoding="utf-8")
    value = written.split(": ")[1]
    with pytest.raises(ParamsError, match=rf"'{value}' at {where} is not a real date .*Write an existing day as YYYY-MM-DD"):
        load_params(path)


@pytest.mark.parametrize(("value", "hint"), [("XYZ", ""), ("rub", " Did you mean 'RUB'?"), ("₽", " Did you mean 'RUB'?")])
def test_an_unknown_currency_code_is_named(value: str, hint: str):
    data = raw()
    data["currency"] = value
    assert f"currency '{value}' is not an ISO 4217 currency code.{hint}" in error_of(data)


def test_a_delimiter_longer_than_one_character_is_refused():
    data = raw()
    data["data"]["tables"]["deals"]["delimiter"] = ";;"
    assert "delimiter ';;' is 2 characters long; a CSV delimiter is one character" in error_of(data)
    data["data"]["tables"]["deals"]["delimiter"] = "tab"
    assert parse_params(data).data.tables["deals"].delimiter == "\t"


@pytest.mark.parametrize(("fmt", "needle"), [("%d.%m.%Q", "unknown directive '%Q'"), ("%-d.%m.%Y", "uses '%-d'")])
def test_a_bad_date_format_directive_is_named(fmt: str, needle: str):
    data = raw()
    data["data"]["tables"]["deals"]["date_format"] = fmt
    assert needle in error_of(data)
    data["data"]["tables"]["deals"]["date_format"] = {"closed_at": fmt}
    assert needle in error_of(data)


def test_two_file_columns_mapped_to_one_canonical_column_are_refused():
    data = raw()
    data["data"]["tables"]["deals"]["columns"]["Created on"] = "created_at"
    msg = error_of(data)
    assert "columns maps both 'Created' and 'Created on' to 'created_at'; one canonical column takes one file column" in msg


def test_a_mapping_from_the_internal_row_column_is_refused():
    data = raw()
    data["data"]["tables"]["deals"]["columns"]["_row"] = "product"
    assert "columns maps '_row', a name auditkit uses for row numbers" in error_of(data)


def test_join_and_constants_are_checked():
    data = raw()
    data["data"]["tables"]["leads"]["join"] = {"deal_id": {"table": "activities", "match": {"a": "b"}}}
    assert "join.deal_id takes from table 'activities', which is not declared in data.tables" in error_of(data)
    data = raw()
    data["data"]["tables"]["deals"]["constants"] = {"stage": "Won"}
    assert "'stage' is both mapped from the column 'Stage' and set in constants; keep one" in error_of(data)
    data["data"]["tables"]["deals"]["constants"] = {"product": "Boxes", "amout": "1"}
    assert "data.tables.deals.constants names 'amout', which is not a column of deals. Did you mean 'amount'?" in error_of(data)
