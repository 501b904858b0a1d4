"""Dates: a documented range, offsets converted to the params' time zone, from CSV, Excel and Parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.errors import ParamsError
from auditkit.io.load import DATE_END, DATE_MIN

from helpers import PARAMS, write_small_client

HEADER = "Deal ID;Created;Closed;Status;Stage;Value;Owner;Lost reason;Expected close at\n"


def client(tmp_path: Path, rows: list[str], timezone: str | None = None, date_format: str | None = None) -> Path:
    params = PARAMS
    if timezone:
        params = params.replace("language: en\n", f"language: en\ntimezone: {timezone}\n")
    if date_format:
        params = params.replace('      delimiter: ";"\n', f'      delimiter: ";"\n      date_format: "{date_format}"\n')
    path = write_small_client(tmp_path, params=params)
    (tmp_path / "data" / "deals.csv").write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def deal(i: int, created: str = "2025-01-05 10:00", expected: str = "") -> str:
    return f"D{i};{created};;Open;New;100;R1;;{expected}"


def deals_issues(data) -> dict[str, tuple]:
    return {i.check: (i.column, i.rows) for i in data.issues if i.table == "deals"}


def stamps(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v.isoformat(sep=" ") for v in series]


def test_dates_outside_1900_to_2199_are_set_aside_with_an_out_of_range_message(tmp_path: Path):
    expected = ["9999-12-31", "1899-12-31 23:59", "2262-04-12", "1677-09-21", "0001-01-01", "1900-01-01", "2199-12-31 23:59", "2200-01-01"]
    data = load(load_params(client(tmp_path, [deal(i, expected=e) for i, e in enumerate(expected, 1)])))
    assert stamps(data["deals"]["expected_close_at"]) == [None] * 5 + ["1900-01-01 00:00:00", "2199-12-31 23:59:00", None]
    assert deals_issues(data) == {"unparseable_date": ("expected_close_at", (2, 3, 4, 5, 6, 9))}
    msg = data.issues[0].message
    assert "deals.expected_close_at has dates out of range (before 1900-01-01 or after 2199-12-31: '9999-12-31', '1899-12-31 23:59', '2262-04-12')" in msg
    assert "Fix the out-of-range dates in the deals file" in msg
    assert (DATE_MIN, DATE_END) == (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01"))


def test_unreadable_and_out_of_range_dates_in_one_column_make_one_issue(tmp_path: Path):
    data = load(load_params(client(tmp_path, [deal(1, expected="31.02.2025"), deal(2, expected="3025-01-01"), deal(3, expected="2025-02-03")])))
    assert stamps(data["deals"]["expected_close_at"]) == [None, None, "2025-02-03 00:00:00"]
    assert deals_issues(data) == {"unparseable_date": ("expected_close_at", (2, 3))}
    msg = data.issues[0].message
    assert "deals.expected_close_at: 1 values could not be read as a date" in msg
    assert "1 are out of range (before 1900-01-01 or after 2199-12-31: '3025-01-01')" in msg
    assert "date_format" in msg


def test_out_of_range_with_a_date_format(tmp_path: Path):
    path = client(tmp_path, ["D1;05.01.2025;;Open;New;100;R1;;31.12.9999", "D2;05.01.1200;;Open;New;100;R1;;01.02.2025"], date_format="%d.%m.%Y")
    data = load(load_params(path))
    assert stamps(data["deals"]["expected_close_at"]) == [None, "2025-02-01 00:00:00"]
    assert stamps(data["deals"]["created_at"]) == ["2025-01-05 00:00:00", None]
    found = {i.column: i.rows for i in data.issues if i.table == "deals"}
    assert found == {"created_at": (3,), "expected_close_at": (2,)}


def test_excel_datetime_cells_out_of_range_do_not_crash(tmp_path: Path):
    path = client(tmp_path, [deal(1)])
    rows = [
        ["D1", dt.datetime(2025, 1, 5, 10), dt.datetime(9999, 12, 31)],
        ["D2", "2025-01-06 11:00", dt.datetime(1200, 1, 1)],
        ["D3", dt.datetime(2025, 1, 7), "2025-02-01"],
    ]
    frame = pd.DataFrame(rows, columns=["Deal ID", "Created", "Expected close at"]).assign(Stage="New", Value=1, Owner="R1")
    frame.to_excel(tmp_path / "data" / "deals.xlsx", index=False)
    path.write_text(path.read_text().replace("path: deals.csv", "path: deals.xlsx"))
    data = load(load_params(path))
    assert stamps(data["deals"]["created_at"]) == ["2025-01-05 10:00:00", "2025-01-06 11:00:00", "2025-01-07 00:00:00"]
    assert stamps(data["deals"]["expected_close_at"]) == [None, None, "2025-02-01 00:00:00"]
    assert deals_issues(data) == {"unparseable_date": ("expected_close_at", (2, 3))}
    assert "out of range" in data.issues[0].message


def test_parquet_timestamps_out_of_range_and_with_a_time_zone(tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = client(tmp_path, [deal(1)], timezone="Europe/Moscow")
    table = pa.table(
        {
            "Deal ID": ["D1", "D2", "D3"],
            "Created": pa.array(
                [dt.datetime(2025, 3, 31, 20, 30, tzinfo=dt.timezone.utc), dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), None],
                pa.timestamp("us", tz="UTC"),
            ),
            "Expected close at": pa.array([dt.datetime(9999, 1, 1), dt.datetime(2025, 5, 1), dt.datetime(1000, 1, 1)], pa.timestamp("us")),
            "Closed": pa.array([None, dt.date(2300, 1, 1), dt.date(2025, 2, 1)], pa.date32()),
            "Stage": ["New", "Won", "Won"],
            "Value": [1.0, 2.0, 3.0],
            "Owner": ["R1", "R1", "R1"],
        }
    )
    pq.write_table(table, tmp_path / "data" / "deals.parquet")
    path.write_text(path.read_text().replace("path: deals.csv", "path: deals.parquet"))
    data = load(load_params(path))
    deals = data["deals"]
    assert str(deals["created_at"].dtype) == "datetime64[ns]"
    assert stamps(deals["created_at"]) == ["2025-03-31 23:30:00", "2025-01-01 03:00:00", None]  # UTC+3
    assert stamps(deals["expected_close_at"]) == [None, "2025-05-01 00:00:00", None]
    assert stamps(deals["closed_at"]) == [None, None, "2025-02-01 00:00:00"]
    found = {(i.check, i.column): i.rows for i in data.issues if i.table == "deals"}
    assert found[("unparseable_date", "expected_close_at")] == (1, 3)
    assert found[("unparseable_date", "closed_at")] == (2,)
    assert found[("missing_value", "created_at")] == (3,)


def test_offsets_convert_to_the_params_time_zone_and_naive_values_are_in_it(tmp_path: Path):
    rows = [
        deal(1, "2025-03-31T23:30:00-05:00"),
        deal(2, "2025-03-31 23:30"),
        deal(3, "2025-03-31T20:30:00Z"),
        deal(4, "2025-03-31 10:00 +0300"),
        deal(5, "2025-03-31T23:30:00.250+05:30"),
    ]
    data = load(load_params(client(tmp_path, rows, timezone="Europe/Moscow")))
    assert stamps(data["deals"]["created_at"]) == [
        "2025-04-01 07:30:00",  # 04:30 UTC is 07:30 in Moscow: the deal lands in April
        "2025-03-31 23:30:00",
        "2025-03-31 23:30:00",
        "2025-03-31 10:00:00",
        "2025-03-31 21:00:00.250000",
    ]
    assert str(data["deals"]["created_at"].dtype) == "datetime64[ns]"
    assert deals_issues(data) == {}


def test_default_time_zone_is_utc(tmp_path: Path):
    params = load_params(client(tmp_path, [deal(1, "2025-03-31T23:30:00-05:00"), deal(2, "2025-03-31 23:30")]))
    assert params.timezone == "UTC"
    assert stamps(load(params)["deals"]["created_at"]) == ["2025-04-01 04:30:00", "2025-03-31 23:30:00"]


def test_time_zone_is_kept_across_daylight_saving(tmp_path: Path):
    # Berlin is UTC+1 in winter and UTC+2 in summer.
    data = load(load_params(client(tmp_path, [deal(1, "2025-01-15T12:00:00Z"), deal(2, "2025-07-15T12:00:00Z")], timezone="Europe/Berlin")))
    assert stamps(data["deals"]["created_at"]) == ["2025-01-15 13:00:00", "2025-07-15 14:00:00"]


@pytest.mark.parametrize(
    ("value", "hint"),
    [("Europe/Moskow", "Did you mean 'Europe/Moscow'?"), ("utc", "Did you mean 'UTC'?"), ("Europe", ""), ("Mars/Olympus", "")],
)
def test_unknown_time_zone_is_a_located_params_error(tmp_path: Path, value: str, hint: str):
    path = client(tmp_path, [deal(1)], timezone=f"'{value}'")
    with pytest.raises(ParamsError) as err:
        load_params(path)
    msg = str(err.value)
    assert "params.yaml" in msg and f"'timezone': timezone '{value}' is not an IANA time zone name." in msg
    assert hint in msg and "such as Europe/Moscow" in msg


def test_the_offset_pattern_is_read_by_arrow_as_pythons_whitespace_pattern_reads_it():
    """The UTC-offset pattern spells out Python's whitespace (pandas would run ``\\s`` through ``re`` one
    value at a time): over every whitespace character, and none, it finds what the ``\\s`` pattern finds."""
    import re

    from auditkit.io.load import _OFFSET

    python = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")
    spaces = [c for c in map(chr, range(0x110000)) if c.isspace()]
    values = [f"2025-03-31 10:00{sp}+0300" for sp in ["", *spaces, "x", "_"]] + ["2025-03-31 10:00", "2025-03-31T10:00Z"]
    text = pd.Series(values * 50, dtype="string[pyarrow]")
    got = text.str.contains(_OFFSET, regex=True).tolist()
    assert got == [bool(python.search(v)) for v in values * 50]
    assert sum(got[: len(values)]) == len(spaces) + 2  # each space, none, and 'Z'
