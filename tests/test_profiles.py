"""Import profiles: each vendor's fixture export (tests/fixtures/<crm>/, written for these tests from
the vendors' published column lists) is read with only `profile: <name>` and a pipeline in the params,
and `auditkit run` gives the KPIs worked out by hand below. Period 2025-01-01 .. 2025-03-31 throughout.

amoCRM (UTF-8 with BOM, ';', CRLF, Russian headers, dd.mm.yyyy with and without a time, budgets
"194 517 ₽" / "75 000 руб." / "120000" / "—", close date "не закрыта" for open deals):
  created in the period: 1001-1007 = 7 (1008 was created 15.12.2024);
  won, closed in the period: 1001 (194 517), 1004 (120 000), 1008 (10 000, closed 10.01.2025) = 3, 324 517 ₽;
  lost: 1003, 1007 = 2; win rate 3 / 5 = 0.6;
  open at the end: 1002 (50 000), 1005 (30 000), 1006 (no budget, "—") = 3, pipeline 80 000 ₽.
Bitrix24 (cp1251, ';', default stage names, "Счет на предоплату" mapped to "Счёт на предоплату" in the
params as the loader suggests; "Дата завершения" of open deals is the planned date and is not a close;
"Закрыта" Да/Нет gives the status: deal 7 sits at "Анализ причины провала", a stage outside the pipeline that
alone would read as open, but is closed and not at the won stage, so lost; "Валюта" per row: deal 8 is in USD
in a RUB audit, so it counts as won but its 5 000 is set aside):
  created 8; won 1 (150 000), 5 (200 000), 8 (amount set aside) = 3, 350 000 ₽; lost 3, 7 = 2; win rate 3 / 5 = 0.6;
  open 2 (80 000), 4 (95 000), 6 (no amount) = 3, 175 000 ₽; stage history 13 rows from its own file.
Pipedrive ("Deal - ..." headers, won/lost in "Deal - Status", "4,000" written with a thousands comma):
  created 6; won 1 (1 500) and 4 (4 000) = 2, 5 500 $; lost 3, 5 = 2; win rate 0.5; open 2, 6 = 2, 5 500 $.
HubSpot ("Close Date" of open deals is the expected one; a "Date entered "<stage> (Sales Pipeline)"" column per stage;
an owners export whose ids are numbers while deals and activities name owners by name or e-mail; an activities export):
  created 5; won 101 (5 000) and 105 (4 500) = 2, 9 500 $; lost 103 = 1; win rate 2 / 3;
  open 102 (7 000), 104 (2 000) = 2, 9 000 $; stage history: 5 + 4 + 3 + 2 + 3 = 17 entries.
  Owners: Jane Doe = 31000001 (deals 101, 103), John Roe = 31000002 (102, 104, 105), Mia Park = 31000003 (none).
  Activities per rep: Jane Doe 9001 call, 9002 email, 9004 note (assigned by e-mail) = 3; John Roe 9003 meeting,
  9005 task, 9006 call, 9007 call = 4; Mia Park 0. Call durations 00:12:30, 00:05:00, 00:03:15 = 12.5, 5, 3.25 minutes.
Salesforce (report export: US dates m/d/yyyy, amounts "USD 12,500.00"; one "EUR 1,000.00" set aside as a
currency mismatch; "Close Date" of open opportunities is the expected one; users report with "Full Name"
as both rep id and name, and their manager, office and region; the Won/Closed flags give the status, and two
custom stages outside the pipeline would read as open by name alone: 006A7 "Closed - Signed" (Won 1, Closed 1)
is won, 006A8 "Closed - No Decision" (Won 0, Closed 1) is lost):
  created 8; won 006A1 (12 500), 006A4 (20 000), 006A6 (amount set aside), 006A7 (2 000) = 4, 34 500 $;
  lost 006A3, 006A8 = 2; win rate 4 / 6; open 006A2 (8 000), 006A5 (5 000) = 2, 13 000 $.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.errors import ParamsError
from auditkit.io.profiles import profiles
from auditkit.params import parse_params

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AUDITKIT = str(Path(sys.executable).parent / "auditkit")

EXPECTED = {
    "amocrm": dict(deals_created=7, deals_won=3, won_value=324517, deals_lost=2, win_rate=0.6, open_deals=3, open_pipeline_value=80000),
    "bitrix24": dict(deals_created=8, deals_won=3, won_value=350000, deals_lost=2, win_rate=0.6, open_deals=3, open_pipeline_value=175000),
    "pipedrive": dict(deals_created=6, deals_won=2, won_value=5500, deals_lost=2, win_rate=0.5, open_deals=2, open_pipeline_value=5500),
    "hubspot": dict(deals_created=5, deals_won=2, won_value=9500, deals_lost=1, win_rate=2 / 3, open_deals=2, open_pipeline_value=9000),
    "salesforce": dict(deals_created=8, deals_won=4, won_value=34500, deals_lost=2, win_rate=4 / 6, open_deals=2, open_pipeline_value=13000),
}


def test_every_profile_has_a_fixture():
    assert sorted(profiles()) == sorted(EXPECTED)
    for name in EXPECTED:
        assert (FIXTURES / name / "params.yaml").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("crm", sorted(EXPECTED))
def test_fixture_runs_end_to_end_with_hand_computed_kpis(crm: str, tmp_path: Path):
    before = {p: p.read_bytes() for p in (FIXTURES / crm).iterdir()}
    result = subprocess.run(
        [AUDITKIT, "run", str(FIXTURES / crm / "params.yaml"), "--outputs", str(tmp_path), "--steps", "02"],
        capture_output=True, text=True, timeout=600, env={**os.environ},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = list((tmp_path / f"fixture-{crm}").iterdir())
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [s["status"] for s in manifest["steps"]] == ["ok"]
    kpis = pd.read_csv(run / "tables" / "02_headline_kpis.csv", encoding="utf-8-sig").set_index("kpi")["value"]
    for kpi, value in EXPECTED[crm].items():
        assert kpis[kpi] == pytest.approx(value), kpi
    assert {p: p.read_bytes() for p in (FIXTURES / crm).iterdir()} == before  # inputs never modified


def issues(data) -> dict[str, tuple]:
    return {f"{i.table}.{i.check}.{i.column}": i.count for i in data.issues}


def test_amocrm_budgets_null_words_and_dates_without_time():
    data = load(load_params(FIXTURES / "amocrm" / "params.yaml"))
    deals = data["deals"].set_index("deal_id")
    assert deals.loc["1001", "amount"] == 194517 and deals.loc["1003", "amount"] == 75000 and pd.isna(deals.loc["1006", "amount"])
    assert deals.loc["1003", "created_at"] == pd.Timestamp("2025-01-15")  # no time in an otherwise timed column
    assert deals["closed_at"].isna().sum() == 3  # "не закрыта" is empty, not a bad date
    assert issues(data) == {"deals.missing_value.amount": 1}  # "—" counts as empty
    src = data.sources["deals"]
    assert src["nulls"] == {"closed_at": 3, "amount": 1} and src["currencies"] == {"amount": ["RUB"]}
    assert src["dates"] == {"created_at": "dd.mm.yyyy [HH:MM]", "closed_at": "dd.mm.yyyy HH:MM"} and src["encoding"] == "utf-8-sig"
    reps = data["reps"]  # no reps file: the owners became reps by name
    assert reps["rep_id"].tolist() == reps["name"].tolist() == ["Иванов Иван", "Петрова Анна"]


def test_bitrix24_cp1251_is_detected_and_the_planned_close_of_open_deals_is_not_a_close():
    data = load(load_params(FIXTURES / "bitrix24" / "params.yaml"))
    assert data.sources["deals"]["encoding"] == "cp1251" and data.sources["deals"]["encoding_confidence"] in ("certain", "likely")
    deals = data["deals"].set_index("deal_id")
    assert deals.loc["2", "status"] == "open" and pd.isna(deals.loc["2", "closed_at"])
    assert deals.loc["2", "expected_close_at"] == pd.Timestamp("2025-04-15")
    assert deals.loc["4", "stage"] == "Счёт на предоплату"
    assert len(data["stage_history"]) == 13


def test_bitrix24_near_miss_stage_is_suggested_with_a_mapping_to_paste(tmp_path: Path):
    params = load_params(FIXTURES / "bitrix24" / "params.yaml")
    raw = params.model_dump(mode="json", exclude={"source_path"})
    raw["data"]["dir"] = str(FIXTURES / "bitrix24")
    del raw["data"]["tables"]["deals"]["values"]["stage"]["Счет на предоплату"]
    data = load(parse_params(raw, tmp_path / "p.yaml"))
    (issue,) = [i for i in data.issues if i.check == "unknown_stage"]
    assert issue.rows == (5, 8)  # deal 4's near miss, and deal 7 at "Анализ причины провала"
    assert "'Счет на предоплату' is probably 'Счёт на предоплату'" in issue.message
    assert "values:\n        stage: {Счет на предоплату: Счёт на предоплату}" in issue.message


def test_hubspot_date_entered_columns_become_the_stage_history():
    data = load(load_params(FIXTURES / "hubspot" / "params.yaml"))
    history = data["stage_history"]
    assert len(history) == 17
    deal_105 = history[history["deal_id"] == "105"]
    assert deal_105["stage"].tolist() == ["Appointment Scheduled", "Presentation Scheduled", "Closed Won"]
    assert deal_105["entered_at"].tolist()[-1] == pd.Timestamp("2025-03-20 16:00")
    assert data.sources["stage_history"]["derived_from"].startswith("deals: Date entered")
    deals = data["deals"].set_index("deal_id")
    assert pd.isna(deals.loc["102", "closed_at"]) and deals.loc["102", "expected_close_at"] == pd.Timestamp("2025-04-30")


def test_pipedrive_status_column_and_activities():
    data = load(load_params(FIXTURES / "pipedrive" / "params.yaml"))
    deals = data["deals"].set_index("deal_id")
    assert deals["status"].tolist() == ["won", "open", "lost", "won", "lost", "open"]
    assert deals.loc["4", "amount"] == 4000
    assert data["activities"]["type"].tolist() == ["call", "meeting", "task", "call"]
    assert issues(data) == {"deals.ambiguous_number.amount": 1}


def test_salesforce_us_dates_currency_codes_and_reps_with_manager_office_region():
    data = load(load_params(FIXTURES / "salesforce" / "params.yaml"))
    deals = data["deals"].set_index("deal_id")
    assert deals.loc["006A1", "created_at"] == pd.Timestamp("2025-01-06")  # 1/6/2025 is January 6th: 1/28 decides m/d
    assert deals.loc["006A1", "amount"] == 12500 and pd.isna(deals.loc["006A6", "amount"])
    assert issues(data) == {"deals.currency_mismatch.amount": 1, "deals.unknown_stage.stage": 2}
    assert "EUR 1,000.00" in data.issues[0].message and "currency is USD" in data.issues[0].message
    history = data["stage_history"]
    assert history["entered_at"].iloc[1] == pd.Timestamp("2025-01-14 14:00")  # 2:00 PM
    reps = data["reps"].set_index("rep_id")
    assert reps.loc["Kate Moss", "name"] == "Kate Moss" and reps.loc["Kate Moss", "manager"] == "Laura Chen"
    assert reps.loc["Tom Hill", "office"] == "New York" and reps.loc["Tom Hill", "region"] == "AMER"
    tasks = data["activities"]
    assert tasks["type"].tolist() == ["call", "task", "email", "meeting"] and tasks["deal_id"].tolist()[-1] == "006A4"
    assert tasks["at"].tolist()[1] == pd.Timestamp("2025-01-20")


def test_params_override_any_part_of_a_profile(tmp_path: Path):
    raw = {
        "client": {"name": "x", "slug": "x"}, "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "pipeline": {"stages": ["A", "B", "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "data": {"tables": {"deals": {"profile": "Kommo", "path": "d.csv", "encoding": "cp1251",
                                      "columns": {"Сделка": "deal_id"}, "values": {"stage": {"Успех": "Won"}}}}},
    }
    deals = parse_params(raw).data.tables["deals"]
    assert deals.profile == "amocrm" and deals.encoding == "cp1251" and deals.delimiter == "auto"
    assert deals.columns == {"Сделка": "deal_id"} and deals.aliases["Бюджет"] == "amount"
    assert deals.values == {"stage": {"Успех": "Won"}}


def test_unknown_profile_or_table_is_a_params_error():
    raw = {
        "client": {"name": "x", "slug": "x"}, "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "pipeline": {"stages": ["A", "B", "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "data": {"tables": {"deals": {"profile": "hubspott", "path": "d.csv"}}},
    }
    with pytest.raises(ParamsError, match="unknown profile 'hubspott'. Did you mean 'hubspot'"):
        parse_params(raw)
    raw["data"]["tables"] = {"deals": {"path": "d.csv"}, "targets": {"profile": "hubspot", "path": "t.csv"}}
    with pytest.raises(ParamsError, match="profile 'hubspot' \\(HubSpot\\) has no 'targets' table"):
        parse_params(raw)


def test_bitrix24_deals_as_xlsx_read_the_same(tmp_path: Path):
    """The same export saved as xlsx (built here from the CSV): creation dates as Excel date cells."""
    import shutil

    csv = pd.read_csv(FIXTURES / "bitrix24" / "DEAL_20250401.csv", sep=";", encoding="cp1251", dtype=str, keep_default_na=False)
    csv["Дата создания"] = pd.to_datetime(csv["Дата создания"], format="%d.%m.%Y %H:%M:%S")
    csv.to_excel(tmp_path / "DEAL_20250401.xlsx", index=False)
    shutil.copy(FIXTURES / "bitrix24" / "stage_history.csv", tmp_path / "stage_history.csv")
    text = (FIXTURES / "bitrix24" / "params.yaml").read_text(encoding="utf-8").replace("DEAL_20250401.csv", "DEAL_20250401.xlsx")
    (tmp_path / "params.yaml").write_text(text, encoding="utf-8")
    xlsx = load(load_params(tmp_path / "params.yaml"))["deals"]
    from_csv = load(load_params(FIXTURES / "bitrix24" / "params.yaml"))["deals"]
    cols = ["deal_id", "created_at", "closed_at", "status", "stage", "amount", "owner_id"]
    pd.testing.assert_frame_equal(xlsx[cols], from_csv[cols])


PIPELINE = "pipeline: {stages: [Prospecting, Negotiation/Review, Closed Won, Closed Lost], won: Closed Won, lost: Closed Lost}\n"


def test_salesforce_data_export_with_api_field_names(tmp_path: Path):
    """Data Export / Data Loader names the columns by API field and writes UTC timestamps with 'Z':
    with timezone Europe/Berlin (UTC+1 in winter), 2025-01-31T23:30:00.000Z is 2025-02-01 00:30."""
    (tmp_path / "Opportunity.csv").write_text(
        '"Id","AccountId","Name","StageName","Amount","CloseDate","CreatedDate","OwnerId","LeadSource","IsWon","IsClosed"\n'
        '"0061","0011","A","Closed Won","1000","2025-02-10","2025-01-31T23:30:00.000Z","0051","Web","true","true"\n'
        '"0062","0012","B","Prospecting","500","2025-05-01","2025-02-02T08:00:00.000Z","0052","","false","false"\n',
        encoding="utf-8",
    )
    (tmp_path / "params.yaml").write_text(
        "client: {name: x, slug: x}\nperiod: {start: 2025-01-01, end: 2025-03-31}\ncurrency: USD\ntimezone: Europe/Berlin\n"
        + PIPELINE + "data:\n  tables:\n    deals: {profile: salesforce, path: Opportunity.csv}\n",
        encoding="utf-8",
    )
    deals = load(load_params(tmp_path / "params.yaml"))["deals"]
    assert deals["created_at"].tolist() == [pd.Timestamp("2025-02-01 00:30"), pd.Timestamp("2025-02-02 09:00")]
    assert deals["status"].tolist() == ["won", "open"] and pd.isna(deals["closed_at"].iloc[1])
    assert deals["owner_id"].tolist() == ["0051", "0052"] and deals["account_id"].tolist() == ["0011", "0012"]


def test_kommo_english_headers(tmp_path: Path):
    (tmp_path / "leads.csv").write_text(
        "ID,Lead title,Budget,Responsible user,Date created,Closing date,Lead status,Pipeline,Loss reason\n"
        "1,A,\"$1,200.00\",Ann,05.01.2025 10:00:00,not closed,Prospecting,Main,\n"
        "2,B,$800,Bob,06.01.2025 11:00:00,20.01.2025 12:00:00,Closed Lost,Main,Too expensive\n",
        encoding="utf-8",
    )
    (tmp_path / "params.yaml").write_text(
        "client: {name: x, slug: x}\nperiod: {start: 2025-01-01, end: 2025-03-31}\ncurrency: USD\n"
        + PIPELINE + "data:\n  tables:\n    deals: {profile: kommo, path: leads.csv}\n",
        encoding="utf-8",
    )
    data = load(load_params(tmp_path / "params.yaml"))
    deals = data["deals"]
    assert deals["amount"].tolist() == [1200, 800] and deals["lost_reason"].fillna("").tolist() == ["", "Too expensive"]
    assert pd.isna(deals["closed_at"].iloc[0]) and deals["closed_at"].iloc[1] == pd.Timestamp("2025-01-20 12:00")
    assert data.issues == []


def test_salesforce_won_and_closed_flags_decide_the_status_where_the_stage_name_cannot():
    """006A7 "Closed - Signed" and 006A8 "Closed - No Decision" are not pipeline stages: by name both would be
    open. Won 1 / Closed 1 makes 006A7 won (2 000 in won value, closed 3/27/2025); Won 0 / Closed 1 makes 006A8 lost
    (closed 3/12/2025, kept as a close date because the deal is closed)."""
    data = load(load_params(FIXTURES / "salesforce" / "params.yaml"))
    deals = data["deals"].set_index("deal_id")
    assert deals["status"].to_dict() == {
        "006A1": "won", "006A2": "open", "006A3": "lost", "006A4": "won",
        "006A5": "open", "006A6": "won", "006A7": "won", "006A8": "lost",
    }
    assert deals.loc["006A7", "amount"] == 2000 and deals.loc["006A7", "closed_at"] == pd.Timestamp("2025-03-27")
    assert deals.loc["006A8", "closed_at"] == pd.Timestamp("2025-03-12")
    assert data.sources["deals"]["flags"] == {"columns": ["Won", "Closed"], "rows": 8, "differs_from_stage": 2}
    unknown = next(i for i in data.issues if i.check == "unknown_stage")
    assert unknown.rows == (8, 9) and "read from the export's flags (Won, Closed)" in unknown.message


def test_bitrix24_closed_flag_and_currency_column():
    """Deal 7 ("Анализ причины провала", Закрыта = Да) is lost, closed 07.03.2025; deal 8 (Сделка успешна,
    Валюта USD, Сумма "5 000") is won but its amount is set aside: 350 000 ₽ of won value is deals 1 and 5 only."""
    data = load(load_params(FIXTURES / "bitrix24" / "params.yaml"))
    deals = data["deals"].set_index("deal_id")
    assert deals["status"].tolist() == ["won", "open", "lost", "open", "won", "open", "lost", "won"]
    assert deals.loc["7", "closed_at"] == pd.Timestamp("2025-03-07") and deals.loc["7", "amount"] == 60000
    assert pd.isna(deals.loc["8", "amount"]) and deals.loc["8", "closed_at"] == pd.Timestamp("2025-03-25")
    assert deals.loc[deals["status"] == "won", "amount"].sum() == 350000
    assert issues(data) == {"deals.missing_value.amount": 1, "deals.currency_mismatch.amount": 1, "deals.unknown_stage.stage": 1}
    issue = next(i for i in data.issues if i.check == "currency_mismatch")
    assert issue.rows == (9,) and issue.examples["ID"].tolist() == ["8"]
    for part in ("DEAL_20250401.csv", "column 'Валюта' gives USD ('USD') for 1 row of deals", "currency is RUB",
                 "Convert these amounts to RUB at the source, or filter the export to RUB rows"):
        assert part in issue.message
    assert data.sources["deals"]["currency_column"] == {"column": "Валюта", "values": {"RUB": 7, "USD": 1}}
    assert data.sources["deals"]["flags"] == {"columns": ["Закрыта"], "rows": 8, "differs_from_stage": 1}


def test_hubspot_owners_and_activities_join_to_the_reps():
    """The owners export's ids are numbers; deals name their owner, activities name it or give the e-mail:
    every owner is matched to its id. Activities per rep: 31000001 (Jane Doe) 3, 31000002 (John Roe) 4."""
    data = load(load_params(FIXTURES / "hubspot" / "params.yaml"))
    reps = data["reps"]
    assert reps["rep_id"].tolist() == ["31000001", "31000002", "31000003"]
    assert reps["name"].tolist() == ["Jane Doe", "John Roe", "Mia Park"] and reps["team"].tolist() == ["East", "West", "West"]
    deals = data["deals"].set_index("deal_id")
    assert deals["owner_id"].to_dict() == {"101": "31000001", "102": "31000002", "103": "31000001", "104": "31000002", "105": "31000002"}
    acts = data["activities"]
    assert acts.groupby("owner_id").size().to_dict() == {"31000001": 3, "31000002": 4}
    assert acts["type"].tolist() == ["call", "email", "meeting", "note", "task", "call", "call"]
    assert acts["deal_id"].tolist() == ["101", "101", "102", "103", "104", "105", "105"]
    assert acts["duration_min"].dropna().tolist() == [12.5, 5.0, 3.25]
    assert acts.loc[acts["activity_id"] == "9004", "owner_id"].item() == "31000001"  # by e-mail
    assert data.issues == []  # no owner is an unknown reference
    assert data.sources["deals"]["owners_matched_to_reps"] == 5 and data.sources["activities"]["owners_matched_to_reps"] == 7
