"""`auditkit inspect`: for every fixture export (tests/fixtures/<crm>/), the right profile and table are
picked, the encoding, delimiter and date formats are the ones written into the fixture, and the printed
params snippet validates as is (`auditkit validate` accepts it and the data loads)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from auditkit import load, load_params
from auditkit.io.inspect import inspect_file, snippet
from auditkit.io.load import preflight

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AUDITKIT = str(Path(sys.executable).parent / "auditkit")

FILES = {
    "amocrm": {"amocrm_leads.csv": "deals"},
    "bitrix24": {"DEAL_20250401.csv": "deals", "stage_history.csv": "stage_history"},
    "pipedrive": {"deals-export.csv": "deals", "activities-export.csv": "activities"},
    "hubspot": {"hubspot-crm-exports-all-deals.csv": "deals"},
    "salesforce": {"opportunities.csv": "deals", "opportunity_history.csv": "stage_history", "users.csv": "reps", "tasks.csv": "activities"},
}


@pytest.mark.parametrize("crm", sorted(FILES))
def test_inspect_picks_the_profile_and_its_snippet_validates(crm: str, tmp_path: Path):
    reports = [inspect_file(FIXTURES / crm / name) for name in FILES[crm]]
    for rep, table in zip(reports, FILES[crm].values()):
        assert rep.best is not None and (rep.best.profile, rep.best.table) == (crm, table), rep.path
    text = snippet(reports)
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    params = load_params(path)
    preflight(params)
    data = load(params)
    assert sorted(params.data.tables) == sorted(FILES[crm].values())
    assert len(data["deals"]) == len(load(load_params(FIXTURES / crm / "params.yaml"))["deals"])
    assert not [i for i in data.issues if i.check == "unknown_stage" and i.table == "deals"]


def test_inspect_reports_encoding_delimiter_dates_and_values():
    bitrix = inspect_file(FIXTURES / "bitrix24" / "DEAL_20250401.csv")
    assert (bitrix.encoding, bitrix.delimiter, bitrix.decimal) == ("cp1251", ";", ".")
    assert bitrix.dates["Дата создания"] == "dd.mm.yyyy HH:MM" and bitrix.dates["Дата начала"] == "dd.mm.yyyy"
    assert bitrix.mapping["Дата завершения"] == ["closed_at", "expected_close_at"]
    assert bitrix.unmapped == ["Название", "Валюта", "Дата начала", "Закрыта"]
    assert bitrix.values["stage"]["Сделка успешна"] == 2
    sf = inspect_file(FIXTURES / "salesforce" / "opportunities.csv")
    assert sf.dates == {"Close Date": "mm/dd/yyyy", "Created Date": "mm/dd/yyyy"}
    assert sf.currencies == ["USD", "EUR"]  # the commonest first


@pytest.mark.slow
def test_inspect_command_prints_a_snippet_that_validate_accepts(tmp_path: Path):
    files = [str(FIXTURES / "salesforce" / n) for n in FILES["salesforce"]]
    result = subprocess.run([AUDITKIT, "inspect", *files], capture_output=True, text=True, timeout=300, env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert "profile    salesforce (deals): good fit" in result.stdout
    assert "encoding   utf-8" in result.stdout and "dates      Close Date: mm/dd/yyyy" in result.stdout
    params = result.stdout.split("auditkit validate params/<client>.yaml):\n", 1)[1]
    assert yaml.safe_load(params)["data"]["tables"]["reps"]["columns"] == {"Full Name": ["rep_id", "name"]}
    path = tmp_path / "params.yaml"
    path.write_text(params, encoding="utf-8")
    check = subprocess.run([AUDITKIT, "validate", str(path)], capture_output=True, text=True, timeout=300, env={**os.environ})
    assert check.returncode in (0, 3), check.stdout + check.stderr  # 3: a step lacks data, not an error in the params


def test_inspect_of_a_missing_file_is_a_message(tmp_path: Path):
    result = subprocess.run([AUDITKIT, "inspect", str(tmp_path / "nope.csv")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "nope.csv: file not found" in result.stderr and "Traceback" not in result.stderr
