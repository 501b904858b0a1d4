"""What vendors write besides the canonical columns, read by the loader: won/closed flags, a currency
per row, owners named by name or e-mail, clock durations, and an encoding guessed without certainty.
Each file is built here; the expected values are worked out by hand below.

Salesforce Data Export (IsWon / IsClosed, any case of true/false and 1/0), pipeline won = Closed Won:
  row 2  Closed Won          TRUE  TRUE   -> won
  row 3  Closed Won          false false  -> open (by name alone it would be won); its CloseDate is the
                                             expected one and is cleared from closed_at
  row 4  Prospecting         0     1      -> lost (by name alone it would be open)
  row 5  Closed Lost         (empty flags)-> lost, from the stage
  row 6  Negotiation/Review  maybe 0      -> open; "maybe" is an unparseable flag (one issue, row 6)
Bitrix24 ("Закрыта" Y/N), pipeline won = Сделка успешна:
  Сделка успешна Y -> won; Сделка провалена Y -> lost; Анализ причины провала Y -> lost (not the won stage);
  В работе N -> open; Сделка успешна N -> open (by name alone it would be won).
Currency per row, params currency USD: amounts 1 000 (USD), 2 000 (EUR), 3 000 (no currency: the params'),
  so amount is [1000, NaN, 3000], 4 000 in all, and one currency_mismatch on row 3.
Owners: reps 1 Ann Lee a@x.example, 2 Ann Lee b@x.example, 3 Bob Stone bob@x.example. Deal owners "1" (an id),
  "Ann Lee" (two reps have the name: left as is, an unknown_reference), "BOB@X.EXAMPLE" and "bob  stone"
  (e-mail, and name in another case and spacing: rep 3).
encoding_unsure: a cp1252 file with "Café Müller" in row 3 only reads the same in cp1250, so the guess is
  unsure; the rows whose text depends on it: 1 (row 3). With the accent only in a header: 0 rows, a file-level
  warning without rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditkit import load, load_params

PIPELINE_SF = "pipeline: {stages: [Prospecting, Negotiation/Review, Closed Won, Closed Lost], won: Closed Won, lost: Closed Lost}\n"
PIPELINE_RU = (
    "pipeline: {stages: [Новая, В работе, Сделка успешна, Сделка провалена], won: Сделка успешна, lost: Сделка провалена}\n"
)


def params(tmp_path: Path, table: str, currency: str = "USD", pipeline: str = PIPELINE_SF, extra: str = "") -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(
        f"client: {{name: x, slug: x}}\nperiod: {{start: 2025-01-01, end: 2025-03-31}}\ncurrency: {currency}\n"
        + pipeline + "data:\n  tables:\n" + table + extra,
        encoding="utf-8",
    )
    return path


def checks(data) -> dict[str, tuple[int, ...]]:
    return {f"{i.check}.{i.column}": i.rows for i in data.issues}


def test_salesforce_api_flags_give_the_status(tmp_path: Path):
    (tmp_path / "Opportunity.csv").write_text(
        "Id,StageName,Amount,CloseDate,CreatedDate,OwnerId,IsWon,IsClosed\n"
        "0061,Closed Won,100,2025-02-01,2025-01-05,0051,TRUE,TRUE\n"
        "0062,Closed Won,200,2025-05-01,2025-01-06,0051,false,false\n"
        "0063,Prospecting,300,2025-02-10,2025-01-07,0052,0,1\n"
        "0064,Closed Lost,400,2025-02-11,2025-01-08,0052,,\n"
        "0065,Negotiation/Review,500,2025-06-01,2025-01-09,0052,maybe,0\n",
        encoding="utf-8",
    )
    data = load(load_params(params(tmp_path, "    deals: {profile: salesforce, path: Opportunity.csv}\n")))
    deals = data["deals"]
    assert deals["status"].tolist() == ["won", "open", "lost", "lost", "open"]
    assert pd.isna(deals["closed_at"].iloc[1]) and deals["expected_close_at"].iloc[1] == pd.Timestamp("2025-05-01")
    assert deals["closed_at"].iloc[2] == pd.Timestamp("2025-02-10")
    assert checks(data) == {"unparseable_bool.status": (6,)}
    assert "'IsWon'" in data.issues[0].message
    assert data.sources["deals"]["flags"] == {"columns": ["IsWon", "IsClosed"], "rows": 4, "differs_from_stage": 2}


def test_bitrix24_closed_flag_y_n(tmp_path: Path):
    (tmp_path / "deals.csv").write_text(
        "ID;Стадия сделки;Сумма;Ответственный;Дата создания;Дата завершения;Закрыта\n"
        "1;Сделка успешна;10;Анна;10.01.2025;20.01.2025;Y\n"
        "2;Сделка провалена;20;Анна;11.01.2025;21.01.2025;Y\n"
        "3;Анализ причины провала;30;Анна;12.01.2025;22.01.2025;Y\n"
        "4;В работе;40;Анна;13.01.2025;30.04.2025;N\n"
        "5;Сделка успешна;50;Анна;14.01.2025;30.04.2025;N\n",
        encoding="utf-8",
    )
    data = load(load_params(params(tmp_path, "    deals: {profile: bitrix24, path: deals.csv}\n", "RUB", PIPELINE_RU)))
    deals = data["deals"]
    assert deals["status"].tolist() == ["won", "lost", "lost", "open", "open"]
    assert deals["closed_at"].isna().tolist() == [False, False, False, True, True]
    assert checks(data) == {"unknown_stage.stage": (4,)}


MINIMAL = {
    "pipedrive": "Deal - ID,Deal - Deal created,Deal - Stage,Deal - Value,Deal - Owner,Deal - Currency",
    "hubspot": "Record ID,Create Date,Deal Stage,Amount,Deal owner,Currency",
    "salesforce": "Id,CreatedDate,StageName,Amount,OwnerId,CurrencyIsoCode",
    "amocrm": "ID,Дата создания,Этап сделки,Бюджет,Ответственный,Валюта",
    None: "deal_id,created_at,stage,amount,owner_id,Currency",
}


@pytest.mark.parametrize("profile", list(MINIMAL), ids=lambda p: p or "no profile")
def test_a_currency_column_sets_other_currencies_aside(tmp_path: Path, profile: str | None):
    header = MINIMAL[profile]
    (tmp_path / "deals.csv").write_text(
        header + "\n1,2025-01-05,Prospecting,1000,Ann,USD\n2,2025-01-06,Prospecting,2000,Ann,EUR\n3,2025-01-07,Prospecting,3000,Ann,\n",
        encoding="utf-8",
    )
    entry = f"    deals: {{profile: {profile}, path: deals.csv}}\n" if profile else "    deals: {path: deals.csv}\n"
    data = load(load_params(params(tmp_path, entry)))
    amounts = data["deals"]["amount"]
    assert amounts.isna().tolist() == [False, True, False] and amounts.sum() == 4000
    assert checks(data) == {"currency_mismatch.amount": (3,)}
    currency_header = header.rsplit(",", 1)[1]
    message = data.issues[0].message
    assert f"deals.csv: the column '{currency_header}' gives EUR ('EUR') for 1 row of deals" in message
    assert "currency is USD" in message and "Convert these amounts to USD" in message and "filter the export" in message
    assert data.sources["deals"]["currency_column"] == {"column": currency_header, "values": {"USD": 1, "EUR": 1}}


def test_a_currency_written_in_the_amount_is_checked_once(tmp_path: Path):
    """Row 2 says EUR both in the amount text and in the column: one issue (the text's), not two; row 3's
    'рубли деревянные' is no currency: set aside too, and named as such."""
    (tmp_path / "deals.csv").write_text(
        "deal_id,created_at,stage,amount,owner_id,Currency\n"
        "1,2025-01-05,Prospecting,USD 10,Ann,USD\n2,2025-01-06,Prospecting,EUR 20,Ann,EUR\n3,2025-01-07,Prospecting,30,Ann,рубли деревянные\n",
        encoding="utf-8",
    )
    data = load(load_params(params(tmp_path, "    deals: {path: deals.csv}\n")))
    assert data["deals"]["amount"].isna().tolist() == [False, True, True]
    assert [(i.check, i.rows) for i in data.issues] == [("currency_mismatch", (3,)), ("currency_mismatch", (4,))]
    assert "values that are not a currency code ('рубли деревянные')" in data.issues[1].message


def test_owners_named_by_id_name_or_e_mail_join_to_the_reps(tmp_path: Path):
    (tmp_path / "owners.csv").write_text(
        "Owner ID,Name,Email\n1,Ann Lee,a@x.example\n2,Ann Lee,b@x.example\n3,Bob Stone,bob@x.example\n", encoding="utf-8"
    )
    (tmp_path / "deals.csv").write_text(
        "Record ID,Create Date,Deal Stage,Amount,Deal owner\n"
        "101,2025-01-05,Prospecting,1,1\n102,2025-01-06,Prospecting,1,Ann Lee\n"
        "103,2025-01-07,Prospecting,1,BOB@X.EXAMPLE\n104,2025-01-08,Prospecting,1,bob  stone\n",
        encoding="utf-8",
    )
    table = "    deals: {profile: hubspot, path: deals.csv}\n    reps: {profile: hubspot, path: owners.csv}\n"
    data = load(load_params(params(tmp_path, table)))
    assert data["deals"]["owner_id"].tolist() == ["1", "Ann Lee", "3", "3"]
    assert checks(data) == {"unknown_reference.owner_id": (3,)}
    assert data.sources["deals"]["owners_matched_to_reps"] == 2


def test_owners_first_and_last_name_make_the_name(tmp_path: Path):
    (tmp_path / "owners.csv").write_text("Owner ID,First name,Last name\n7,Ann,Lee\n8,,Stone\n", encoding="utf-8")
    (tmp_path / "deals.csv").write_text("Record ID,Create Date,Deal Stage,Amount,Deal owner\n101,2025-01-05,Prospecting,1,Ann Lee\n", encoding="utf-8")
    table = "    deals: {profile: hubspot, path: deals.csv}\n    reps: {profile: hubspot, path: owners.csv}\n"
    data = load(load_params(params(tmp_path, table)))
    assert data["reps"]["name"].tolist() == ["Ann Lee", "Stone"] and data["deals"]["owner_id"].tolist() == ["7"]


def test_encoding_unsure_counts_the_rows_whose_text_depends_on_the_guess(tmp_path: Path):
    (tmp_path / "deals.csv").write_bytes(
        "deal_id,created_at,stage,amount,owner_id\n"
        "D1,2025-01-05,Prospecting,100,Ann\nD2,2025-01-06,Prospecting,100,Café Müller\nD3,2025-01-07,Prospecting,100,Bob\n".encode("cp1252")
    )
    data = load(load_params(params(tmp_path, "    deals: {path: deals.csv, encoding: auto}\n")))
    (issue,) = [i for i in data.issues if i.check == "encoding_unsure"]
    assert (issue.count, issue.rows, issue.examples["deal_id"].tolist()) == (1, (3,), ["D2"])
    assert "1 of 3 rows hold non-ASCII text" in issue.message and "set data.tables.deals.encoding" in issue.message


def test_encoding_unsure_with_only_a_header_is_a_file_level_warning(tmp_path: Path):
    (tmp_path / "deals.csv").write_bytes(
        "deal_id,created_at,stage,amount,owner_id,Café\nD1,2025-01-05,Prospecting,100,Ann,x\n".encode("cp1252")
    )
    data = load(load_params(params(tmp_path, "    deals: {path: deals.csv, encoding: auto}\n")))
    (issue,) = [i for i in data.issues if i.check == "encoding_unsure"]
    assert (issue.count, issue.rows) == (0, ())
    assert "no row holds non-ASCII text; only 1 column name ('Café') does, so only it depends on that guess" in issue.message


def test_params_name_the_flag_and_currency_columns_without_a_profile(tmp_path: Path):
    """The same reading, set in the params file: an in-house export whose flags are "Is won?" / "Done" and
    whose currency column is "Cur". Rows: won (Y, Y), lost (N, Y), open (N, N; its stage name says won);
    amounts 100 USD, 200 EUR (set aside: params USD), 300 USD."""
    (tmp_path / "deals.csv").write_text(
        "deal_id,stage,amount,owner_id,created_at,closed_at,Is won?,Done,Cur\n"
        "1,Closed Won,100,r1,2025-01-05,2025-02-01,Y,Y,USD\n"
        "2,Prospecting,200,r1,2025-01-06,2025-02-02,N,Y,EUR\n"
        "3,Closed Won,300,r1,2025-01-07,,N,N,USD\n",
        encoding="utf-8",
    )
    table = ("    deals:\n      path: deals.csv\n      flags: {won: ['Is won?'], closed: [Done]}\n"
             "      currency_columns: [Cur]\n")
    data = load(load_params(params(tmp_path, table)))
    deals = data["deals"]
    assert deals["status"].tolist() == ["won", "lost", "open"]
    assert deals["amount"].tolist()[0] == 100 and pd.isna(deals["amount"].iloc[1]) and deals["amount"].iloc[2] == 300
    assert checks(data) == {"currency_mismatch.amount": (3,)}


def test_params_override_a_profiles_flag_columns(tmp_path: Path):
    """A Salesforce report whose flag headers were renamed by the user ("Won?"): the profile's names do not
    match, the params' do. Rows: Prospecting with Won? 1, Closed 1 -> won; by name alone it would be open."""
    (tmp_path / "opps.csv").write_text(
        "Opportunity ID,Stage,Amount,Close Date,Created Date,Opportunity Owner,Won?,Closed\n"
        "0061,Prospecting,100,2025-02-01,2025-01-05,Ann,1,1\n",
        encoding="utf-8",
    )
    table = "    deals: {profile: salesforce, path: opps.csv, flags: {won: ['Won?'], closed: [Closed]}}\n"
    data = load(load_params(params(tmp_path, table)))
    assert data["deals"]["status"].tolist() == ["won"]
