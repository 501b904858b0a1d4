"""`auditkit inspect`: for every fixture export (tests/fixtures/<crm>/), the right profile and table are
picked, the encoding, delimiter and date formats are the ones written into the fixture, and the printed
params snippet validates as is (`auditkit validate` accepts it and the data loads). Bitrix24's deals file has
"Закрыта" read as the status flag and "Валюта" as the currency per row: RUB in deals 1-7, USD in deal 8 (7 and 1);
Salesforce's "Won" and "Closed" are its flags. With `--lang ru` (or LANG=ru_...) every line about the files is
Russian, and the snippet is the same YAML with its comments in Russian."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from auditkit import load, load_params
from auditkit.io.inspect import inspect_file, render, snippet
from auditkit.io.load import preflight

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AUDITKIT = str(Path(sys.executable).parent / "auditkit")

FILES = {
    "amocrm": {"amocrm_leads.csv": "deals"},
    "bitrix24": {"DEAL_20250401.csv": "deals", "stage_history.csv": "stage_history"},
    "pipedrive": {"deals-export.csv": "deals", "activities-export.csv": "activities"},
    "hubspot": {"hubspot-crm-exports-all-deals.csv": "deals", "hubspot-owners.csv": "reps", "hubspot-crm-exports-all-activities.csv": "activities"},
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
    assert bitrix.unmapped == ["Название", "Дата начала"]  # "Валюта" and "Закрыта" are read besides the columns
    assert bitrix.flags == ["Закрыта"] and bitrix.currency_column == "Валюта" and bitrix.row_currencies == {"RUB": 7, "USD": 1}
    assert bitrix.values["stage"]["Сделка успешна"] == 3
    sf = inspect_file(FIXTURES / "salesforce" / "opportunities.csv")
    assert sf.dates == {"Close Date": "mm/dd/yyyy", "Created Date": "mm/dd/yyyy"}
    assert sf.currencies == ["USD", "EUR"]  # the commonest first
    assert sf.flags == ["Won", "Closed"] and sf.currency_column is None
    owners = inspect_file(FIXTURES / "hubspot" / "hubspot-owners.csv")  # "First name" + "Last name" make the name
    assert owners.best is not None and owners.best.complete and owners.mapping == {"Owner ID": ["rep_id"], "Name": ["name"], "Team": ["team"]}
    assert owners.unmapped == ["User ID", "Archived"]


def _block(text: str) -> tuple[list[str], str]:
    """The lines about the files, and the snippet."""
    head, snippet_text = text.split("\n\n#", 1)
    return head.splitlines(), snippet_text.split("\n", 1)[1]


@pytest.mark.parametrize("crm", sorted(FILES))
def test_inspect_in_russian_prints_every_line_in_russian_and_the_same_snippet(crm: str):
    reports = [inspect_file(FIXTURES / crm / name) for name in FILES[crm]]
    lines, ru_snippet = _block(render(reports, None, "ru"))
    for line in lines:
        assert re.search("[а-яё]", line, re.I), line
    assert not re.search(r"\b(rows|columns|encoding|delimiter|profile|fit|unmapped|values|next)\b", "\n".join(lines))
    _, en_snippet = _block(render(reports, None, "en"))
    assert yaml.safe_load(ru_snippet) == yaml.safe_load(en_snippet)  # YAML keys and values stay as they are
    assert "# период аудита; поправьте" in ru_snippet and "adjust" not in ru_snippet


def test_inspect_takes_russian_from_lang_and_from_the_environment():
    from click.testing import CliRunner

    from auditkit.cli import main

    path = str(FIXTURES / "salesforce" / "opportunities.csv")
    runner = CliRunner()
    ru = runner.invoke(main, ["inspect", path], env={"LANG": "ru_RU.UTF-8"})
    assert ru.exit_code == 0, ru.output
    assert "  кодировка     utf-8 (вероятно: только символы ASCII, прочитан как UTF-8)" in ru.output
    assert "  даты          Close Date: мм/дд/гггг" in ru.output
    assert "  статус        по флагам Won, Closed" in ru.output
    assert "language: en" in ru.output  # the snippet's report language still follows the files
    en = runner.invoke(main, ["inspect", path], env={"LANG": "en_US.UTF-8"})
    assert "  encoding   utf-8 (likely: plain ASCII, read as UTF-8)" in en.output
    forced = runner.invoke(main, ["inspect", "--lang", "ru", path], env={"LANG": "en_US.UTF-8"})
    assert "  профиль       salesforce (deals): подходит хорошо" in forced.output and "language: ru" in forced.output


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


def test_inspect_reads_ids_with_letters_and_amounts_without_a_currency(tmp_path: Path):
    """Columns whose values hold letters that are no currency (ids such as L-001, an amount written "tbd")
    are inspected, not a crash: the decimal guess only strips currencies it recognises."""
    from auditkit.io.detect import split_currency
    import pandas as pd

    text = pd.Series(["L-001", "X1", "tbd", None], dtype="string")
    number, code = split_currency(text)
    assert number.tolist()[:3] == ["L-001", "X1", "tbd"] and code.isna().all()
    number, code = split_currency(pd.Series(["1 200 руб.", "L-001"], dtype="string"))
    assert number.tolist() == ["1 200", "L-001"] and code.tolist()[0] == "RUB" and pd.isna(code.tolist()[1])
    path = tmp_path / "leads.csv"
    path.write_text("lead_id,created_at,amount\nL-001,2025-01-02,tbd\nL-002,2025-01-03,100\n", encoding="utf-8")
    result = subprocess.run([AUDITKIT, "inspect", str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "leads.csv: 2 rows, 3 columns" in result.stdout


def test_the_snippet_says_when_the_stage_order_is_only_the_files():
    """Only "Date entered <stage>" columns (HubSpot) give the pipeline's order; otherwise the stages come in
    the order the file first shows them, and the snippet says to put them in pipeline order (a funnel in the
    wrong order would validate silently)."""
    amo = snippet([inspect_file(FIXTURES / "amocrm" / "amocrm_leads.csv")], lang="ru")
    (line,) = [ln for ln in amo.splitlines() if ln.startswith("  stages:")]
    assert line.endswith("# в порядке, в котором они встречаются в файле: расставьте открытые этапы в порядке вашей воронки")
    hub = snippet([inspect_file(FIXTURES / "hubspot" / n) for n in FILES["hubspot"]])
    (line,) = [ln for ln in hub.splitlines() if ln.startswith("  stages:")]
    assert "#" not in line and line.startswith("  stages: [Appointment Scheduled, Qualified To Buy")


def test_a_layout_no_profile_fits_is_read_as_deals_by_its_own_headers(demo_params: Path):
    """The demo's deals export is no vendor's layout: no profile is offered (a 'Team' header alone made it
    HubSpot's reps before), the snippet reads it as deals with the stages of its Stage column, each once, and
    what is left to map is what validate names."""
    report = inspect_file(demo_params.parent.parent / "data" / "demo" / "deals.csv")  # generated at session start
    assert report.best is None
    assert report.mapping["Stage"] == ["stage"] and report.mapping["Deal ID"] == ["deal_id"]
    text = snippet([report])
    assert "    deals:" in text and "profile:" not in text and "reps:" not in text
    stages = next(line for line in text.splitlines() if line.strip().startswith("stages:"))
    listed = stages.split("[", 1)[1].split("]", 1)[0].split(", ")
    assert listed[-2:] == ["Won", "Lost"] and len(listed) == len(set(listed)) and "New" in listed and "Open" not in listed
