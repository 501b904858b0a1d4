"""The loader reads what vendors write: dates detected per column, amounts with a currency, null words,
encodings told apart, near-miss stage names suggested. Each test builds a tiny deals file (period
2025-01-01 .. 2025-03-31, pipeline New, Qualified, Proposal, Won, Lost) and checks the values read, by hand:
'05.01.2025' is 5 January, '1/13/2025' is 13 January (13 cannot be a month, so the column is m/d),
'194 517 ₽' is 194517 roubles, and so on, as each test says."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.io.detect import DEFAULT_NULLS, detect_encoding, suggest

HEADER = "Deal ID;Created;Closed;Stage;Value;Owner\n"
PARAMS = """\
client: {{name: Vendor, slug: vendor}}
period: {{start: 2025-01-01, end: 2025-03-31}}
currency: {currency}
language: {language}
pipeline:
  stages: [New, Qualified, Proposal, Счёт выставлен, Won, Lost]
  won: Won
  lost: Lost
data:
  dir: data
  tables:
    deals:
      path: deals.csv
      delimiter: ";"
      encoding: {encoding}
      columns: {{Deal ID: deal_id, Created: created_at, Closed: closed_at, Stage: stage, Value: amount, Owner: owner_id}}
{extra}"""


def client(tmp_path: Path, rows: list[str], extra: str = "", currency: str = "RUB", language: str = "en",
           encoding: str = "utf-8", file_encoding: str = "utf-8") -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "deals.csv").write_bytes((HEADER + "".join(r + "\n" for r in rows)).encode(file_encoding))
    path = tmp_path / "params.yaml"
    path.write_text(PARAMS.format(currency=currency, language=language, encoding=encoding, extra=extra), encoding="utf-8")
    return path


def checks(data) -> dict[str, tuple]:
    return {f"{i.check}.{i.column}": i.rows for i in data.issues if i.table == "deals"}


def stamps(s: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v.isoformat(sep=" ") for v in s]


# -- dates --------------------------------------------------------------------------
def test_dotted_dates_with_and_without_time_and_two_digit_years_are_detected(tmp_path: Path):
    rows = ["D1;05.01.2025 10:15:00;20.01.2025;Won;100;R1", "D2;15.01.2025;5.2.25 9:05;Lost;100;R1", "D3;2025-02-01 08:00;;New;100;R1"]
    data = load(load_params(client(tmp_path, rows)))
    deals = data["deals"]
    assert stamps(deals["created_at"]) == ["2025-01-05 10:15:00", "2025-01-15 00:00:00", "2025-02-01 08:00:00"]
    assert stamps(deals["closed_at"]) == ["2025-01-20 00:00:00", "2025-02-05 09:05:00", None]
    assert checks(data) == {}
    assert data.sources["deals"]["dates"]["created_at"] == "yyyy-mm-dd or dd.mm.yyyy [HH:MM]"


@pytest.mark.parametrize(
    ("closed", "expected"),
    [
        (["1/13/2025", "2/1/2025 3:05 PM"], ["2025-01-13 00:00:00", "2025-02-01 15:05:00"]),  # 13 is a day: m/d
        (["13/01/2025", "02/01/2025 15:05"], ["2025-01-13 00:00:00", "2025-01-02 15:05:00"]),  # 13 is a day: d/m
    ],
)
def test_slashed_dates_take_their_order_from_the_column(tmp_path: Path, closed: list[str], expected: list[str]):
    rows = [f"D{i};2025-01-01;{c};Won;100;R1" for i, c in enumerate(closed, 1)]
    data = load(load_params(client(tmp_path, rows)))
    assert stamps(data["deals"]["closed_at"]) == expected and checks(data) == {}


def test_a_truly_ambiguous_slashed_column_is_reported_not_guessed(tmp_path: Path):
    rows = ["D1;2025-01-01;03/02/2025;Won;100;R1", "D2;2025-01-01;04/02/2025;Won;100;R1"]
    data = load(load_params(client(tmp_path, rows)))
    assert data["deals"]["closed_at"].isna().all()
    assert checks(data)["ambiguous_date.closed_at"] == (2, 3)
    msg = next(i.message for i in data.issues if i.check == "ambiguous_date")
    assert "'03/02/2025', '04/02/2025'" in msg and "other date columns" in msg and "date_format:\n          closed_at: '%d/%m/%Y'" in msg
    fixed = client(tmp_path, rows, extra="      date_format: {closed_at: '%d/%m/%Y'}\n")
    assert stamps(load(load_params(fixed))["deals"]["closed_at"]) == ["2025-02-03 00:00:00", "2025-02-04 00:00:00"]


def test_a_format_with_a_time_also_reads_the_dates_without_one(tmp_path: Path):
    rows = ["D1;05.01.2025 10:00;20.01.2025 16:00;Won;100;R1", "D2;06.01.2025;;New;100;R1"]
    data = load(load_params(client(tmp_path, rows, extra="      date_format: '%d.%m.%Y %H:%M'\n")))
    assert stamps(data["deals"]["created_at"]) == ["2025-01-05 10:00:00", "2025-01-06 00:00:00"] and checks(data) == {}


# -- amounts ----------------------------------------------------------------------------
def test_amounts_with_currency_signs_codes_words_and_space_thousands(tmp_path: Path):
    values = ["194 517 ₽", "1\u00a0000 руб.", "500 р.", "RUB 2 500", "75 000 рублей", "₽ 10", "1 234,5"]
    rows = [f"D{i};2025-01-0{i};;New;{v};R1" for i, v in enumerate(values, 1)]
    data = load(load_params(client(tmp_path, rows)))
    # the last one has a decimal comma while decimal is '.': a decimal mismatch, as without a currency
    assert data["deals"]["amount"].tolist()[:6] == [194517, 1000, 500, 2500, 75000, 10]
    assert set(checks(data)) == {"decimal_mismatch.amount"}
    assert data.sources["deals"]["currencies"] == {"amount": ["RUB"]}


def test_amounts_in_another_currency_are_set_aside_and_named(tmp_path: Path):
    rows = ["D1;2025-01-01;;New;$1,234.50;R1", "D2;2025-01-01;;New;€ 99;R1", "D3;2025-01-01;;New;100 USD;R1", "D4;2025-01-01;;New;12 apples;R1"]
    data = load(load_params(client(tmp_path, rows, currency="USD")))
    assert data["deals"]["amount"].tolist()[0] == 1234.5 and data["deals"]["amount"].tolist()[2] == 100
    assert checks(data) == {"currency_mismatch.amount": (3,), "unparseable_number.amount": (5,)}
    msg = next(i.message for i in data.issues if i.check == "currency_mismatch")
    assert "amounts in EUR ('€ 99'), but the params' currency is USD" in msg


# -- null words ------------------------------------------------------------------------
def test_null_words_are_empty_not_bad_values(tmp_path: Path):
    rows = ["D1;2025-01-01;не закрыта;New;—;R1", "D2;2025-01-01;N/A;New;n/a;R1", "D3;2025-01-01;-;New;-;R1"]
    data = load(load_params(client(tmp_path, rows)))
    assert data["deals"]["closed_at"].isna().all() and data["deals"]["amount"].isna().all()
    assert checks(data) == {"missing_value.amount": (2, 3, 4)}  # empty, as if the cell were blank
    assert data.sources["deals"]["nulls"] == {"closed_at": 3, "amount": 3}
    assert {"не закрыта", "—", "n/a", "-"} <= set(DEFAULT_NULLS)


def test_null_words_can_be_set_per_column(tmp_path: Path):
    rows = ["D1;2025-01-01;open;New;-;R1", "D2;2025-01-01;-;New;0;R1"]
    extra = "      null_values: {closed_at: [open]}\n"
    data = load(load_params(client(tmp_path, rows, extra=extra)))
    # closed_at: only 'open' is empty now, so '-' is an unreadable date; amount keeps the default list
    assert checks(data) == {"unparseable_date.closed_at": (3,), "missing_value.amount": (2,)}


# -- encodings --------------------------------------------------------------------------
def test_a_cp1251_file_with_few_cyrillic_values_is_not_read_as_cp1250(tmp_path: Path):
    rows = ["D1;2025-01-05;;New;100;Ivan", "D2;2025-01-06;;New;100;Petr", "D3;2025-01-07;;Proposal;100;Мария"]
    path = client(tmp_path, rows, encoding="auto", file_encoding="cp1251", language="ru")
    data = load(load_params(path))
    assert data["deals"]["owner_id"].tolist() == ["Ivan", "Petr", "Мария"]
    assert data.sources["deals"]["encoding"] == "cp1251"
    assert "Cyrillic" in data.sources["deals"]["encoding_reason"]


@pytest.mark.parametrize(
    ("text", "encoding", "language", "expected"),
    [
        ("Имя;Сумма\nООО Ромашка;100\n", "cp1251", "ru", "cp1251"),
        ("Имя;Сумма\nООО Ромашка;100\n", "cp1251", "en", "cp1251"),
        ("Этап;Сумма\nПереговоры;100\nУспешно реализовано;5\n", "koi8-r", "ru", "koi8-r"),
        ("Jméno;Částka\nPříliš žluťoučký kůň;100\nÚpěl ďábelské ódy;5\n", "cp1250", "en", "cp1250"),
        ("Name;Amount\nCafé Müller;100\n", "cp1252", "en", None),  # cp1250 and cp1252 read it the same
    ],
)
def test_encodings_are_told_apart(text: str, encoding: str, language: str, expected: str | None):
    guess = detect_encoding(text.encode(encoding), language)
    assert guess.encoding == (expected or guess.encoding)
    assert text.encode(encoding).decode(guess.encoding) == text


def test_utf8_and_bom_are_certain():
    assert detect_encoding("a;б\n".encode("utf-8")).confidence == "certain"
    assert detect_encoding(b"\xef\xbb\xbfa;b\n").encoding == "utf-8-sig"


# -- near-miss stage names --------------------------------------------------------------------
def test_stage_near_misses_are_suggested_with_a_mapping_to_paste(tmp_path: Path):
    rows = ["D1;2025-01-05;;Счет выставлен;100;R1", "D2;2025-01-06;;proposal ;100;R1", "D3;2025-01-07;;Something;100;R1"]
    data = load(load_params(client(tmp_path, rows)))
    (issue,) = [i for i in data.issues if i.check == "unknown_stage"]
    assert issue.rows == (2, 3, 4)
    assert "'Счет выставлен' is probably 'Счёт выставлен'" in issue.message and "'proposal' is probably 'Proposal'" in issue.message
    assert "stage: {proposal: Proposal, Счет выставлен: Счёт выставлен}" in issue.message
    assert suggest(["Something"], ["New", "Won"]) == {}


def test_an_undecided_slashed_column_follows_the_other_date_columns_of_the_file(tmp_path: Path):
    # created_at: 03/02 and 04/02 fit both orders; closed_at: 20/02 can only be day/month, so both are d/m
    rows = ["D1;03/02/2025;20/02/2025;Won;100;R1", "D2;04/02/2025;;New;100;R1"]
    data = load(load_params(client(tmp_path, rows)))
    assert stamps(data["deals"]["created_at"]) == ["2025-02-03 00:00:00", "2025-02-04 00:00:00"] and checks(data) == {}
    assert data.sources["deals"]["dates"]["created_at"] == "dd/mm/yyyy (as the file's other date columns)"
