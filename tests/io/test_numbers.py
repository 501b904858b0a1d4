"""Numbers read for the declared decimal mark, with the column's own values as evidence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.io.load import MAX_ABS_NUMBER, _parse_numbers

from helpers import PARAMS, write_small_client

HEADER = "Deal ID;Created;Closed;Status;Stage;Value;Owner;Lost reason\n"


def client(tmp_path: Path, amounts: list[str], decimal: str | None = None) -> Path:
    """The small client with one open deal per amount (rows 2, 3, ...)."""
    params = PARAMS if decimal is None else PARAMS.replace('      delimiter: ";"\n', f'      delimiter: ";"\n      decimal: "{decimal}"\n')
    path = write_small_client(tmp_path, params=params)
    rows = "".join(f"D{i};2025-01-0{i % 9 + 1} 10:00;;Open;New;{a};R1;\n" for i, a in enumerate(amounts, 1))
    (tmp_path / "data" / "deals.csv").write_text(HEADER + rows, encoding="utf-8")
    return path


def amounts(data) -> list[float | None]:
    return [None if pd.isna(v) else v for v in data["deals"]["amount"]]


def issues(data) -> dict[str, tuple]:
    return {i.check: (i.level, i.rows) for i in data.issues if i.table == "deals"}


def message(data, check: str) -> str:
    return next(i.message for i in data.issues if i.check == check)


def test_comma_decimal_file_reads_every_grouping_and_decided_column_reads_1_234_silently(tmp_path: Path):
    data = load(load_params(client(tmp_path, ["1 234,50", "12,5", "1.234.567,5", "1\u00a0000", "1\u202f234\u202f567,25", "1,234", "-3,75"], ",")))
    # '12,5' can only mean 12.5 with ',' as decimal mark, so '1,234' is 1.234 here.
    assert amounts(data) == [1234.5, 12.5, 1234567.5, 1000.0, 1234567.25, 1.234, None]
    assert issues(data) == {"negative_amount": ("warning", (8,))}


def test_dot_decimal_file_reads_thousands_in_groups_of_three(tmp_path: Path):
    data = load(load_params(client(tmp_path, ["1,234,567.5", "1'234.5", "1,234", "0.5", ".25", "7"])))
    assert amounts(data) == [1234567.5, 1234.5, 1234.0, 0.5, 0.25, 7.0]
    assert data.issues == []


def test_dot_written_file_declared_comma_is_set_aside_not_multiplied(tmp_path: Path):
    # Before: '12.5' with decimal ',' became 125.
    data = load(load_params(client(tmp_path, ["12.5", "1,234.56", "1,234,567", "1.5e3", "800"], ",")))
    assert amounts(data) == [None, None, None, None, 800.0]
    assert issues(data) == {"decimal_mismatch": ("warning", (2, 3, 4, 5))}
    msg = message(data, "decimal_mismatch")
    assert "deals.amount" in msg and "'12.5', '1,234.56', '1,234,567'" in msg
    assert "Set data.tables.deals.decimal to '.'" in msg


def test_comma_written_file_declared_dot_is_set_aside(tmp_path: Path):
    data = load(load_params(client(tmp_path, ["1,5", "1.234,56", "1 234,5", "0,123", "40"])))
    assert amounts(data) == [None, None, None, None, 40.0]
    assert issues(data) == {"decimal_mismatch": ("warning", (2, 3, 4, 5))}
    assert "Set data.tables.deals.decimal to ','" in message(data, "decimal_mismatch")


def test_undecided_1_234_is_read_with_the_declared_mark_and_warned(tmp_path: Path):
    data = load(load_params(client(tmp_path, ["1,234", "2,500", "700"], ",")))
    assert amounts(data) == [1.234, 2.5, 700.0]
    assert issues(data) == {"ambiguous_number": ("warning", (2, 3))}
    msg = message(data, "ambiguous_number")
    assert "deals.amount" in msg and "'1,234' as 1.234, '2,500' as 2.5" in msg
    assert "If the file means 1234, 2500, set data.tables.deals.decimal to '.'" in msg


def test_undecided_1_234_under_dot_reads_a_thousand_and_warns(tmp_path: Path):
    data = load(load_params(client(tmp_path, ["1.234", "1,500", "9"])))
    assert amounts(data) == [1.234, 1500.0, 9.0]
    assert issues(data) == {"ambiguous_number": ("warning", (2, 3))}
    assert "If the file means 1234, 1.5, set data.tables.deals.decimal to ','" in message(data, "ambiguous_number")


def test_1_234_in_a_column_that_writes_the_other_mark_is_a_mismatch(tmp_path: Path):
    # '3.5' shows the file writes '.' decimals, so '1.234' means 1.234, not the 1234 ',' would give.
    data = load(load_params(client(tmp_path, ["1.234", "3.5", "12"], ",")))
    assert amounts(data) == [None, None, 12.0]
    assert issues(data) == {"decimal_mismatch": ("warning", (2, 3))}


def test_mixed_marks_say_the_column_mixes_both(tmp_path: Path):
    data = load(load_params(client(tmp_path, ["12,5", "3.5", "1,234"], ",")))
    assert amounts(data) == [12.5, None, 1.234]
    assert issues(data) == {"decimal_mismatch": ("warning", (3,))}
    assert "mixes both marks" in message(data, "decimal_mismatch")


def test_non_finite_and_absurd_numbers_are_set_aside(tmp_path: Path):
    values = ["inf", "-inf", "nan", "Infinity", "1e308", "1000000000001", "1e12", "1.5e3", "2E-2", "1e400", "ten"]
    data = load(load_params(client(tmp_path, values)))
    assert amounts(data) == [None] * 6 + [1e12, 1500.0, 0.02, None, None]
    assert issues(data) == {
        "absurd_number": ("warning", (2, 3, 4, 5, 6, 7, 11)),
        "unparseable_number": ("warning", (12,)),
    }
    msg = message(data, "absurd_number")
    assert "deals.amount" in msg and "1,000,000,000,000" in msg and "'inf', '-inf', 'nan'" in msg
    assert MAX_ABS_NUMBER == 1e12


def test_scientific_notation_with_comma_decimal(tmp_path: Path):
    data = load(load_params(client(tmp_path, ["1,5E+3", "2,5"], ",")))
    assert amounts(data) == [1500.0, 2.5]
    assert issues(data) == {}


def test_parquet_and_excel_numbers(tmp_path: Path):
    path = client(tmp_path, ["1"], ",")
    cols = ["Deal ID", "Created", "Closed", "Status", "Stage", "Value", "Owner", "Lost reason"]
    rows = [
        ["D1", "2025-01-05 10:00", "", "Open", "New", 1.5, "R1", ""],
        ["D2", "2025-01-05 10:00", "", "Open", "New", float("inf"), "R1", ""],
        ["D3", "2025-01-05 10:00", "", "Open", "New", 2e12, "R1", ""],
        ["D4", "2025-01-05 10:00", "", "Open", "New", np.nan, "R1", ""],
    ]
    pd.DataFrame(rows, columns=cols).to_parquet(tmp_path / "data" / "deals.parquet")
    text = path.read_text().replace("path: deals.csv", "path: deals.parquet")
    path.write_text(text)
    data = load(load_params(path))
    assert amounts(data) == [1.5, None, None, None]
    assert issues(data)["absurd_number"] == ("warning", (2, 3))  # Parquet: the first data row is row 1
    assert issues(data)["missing_value"] == ("warning", (4,))
    assert "('inf', '2000000000000.0')" in message(data, "absurd_number")  # typed values are shown as read
    # Excel: number cells are numbers whatever the decimal mark; text cells follow it.
    excel = [["D1", "2025-01-05 10:00", None, "Open", "New", 1.5, "R1", None], ["D2", "2025-01-05 10:00", None, "Open", "New", "2,5", "R1", None],
             ["D3", "2025-01-05 10:00", None, "Open", "New", "12.5", "R1", None], ["D4", "2025-01-05 10:00", None, "Open", "New", 1e13, "R1", None]]
    pd.DataFrame(excel, columns=cols).to_excel(tmp_path / "data" / "deals.xlsx", index=False)
    path.write_text(text.replace("path: deals.parquet", "path: deals.xlsx"))
    data = load(load_params(path))
    assert amounts(data) == [1.5, 2.5, None, None]
    assert issues(data) == {"decimal_mismatch": ("warning", (4,)), "absurd_number": ("warning", (5,))}


@pytest.mark.parametrize(
    ("decimal", "text", "expected"),
    [
        (".", "1,234,567.5", 1234567.5),
        (".", "-1,234,000", -1234000.0),
        (".", "+12.5", 12.5),
        (".", "\u22125", -5.0),  # a typographic minus sign
        (",", "1'234,5", 1234.5),
        (",", "0,123", 0.123),  # a group never starts with 0: not ambiguous
        (",", "1234,567", 1234.567),  # four digits before the mark: not a thousands group
    ],
)
def test_single_values(decimal: str, text: str, expected: float):
    nums = _parse_numbers(pd.Series([text], dtype="string"), decimal)
    assert math.isclose(nums.value.iloc[0], expected)
    assert not (nums.unreadable | nums.mismatch | nums.absurd | nums.ambiguous).any()


@pytest.mark.parametrize("text", ["12 34", "1,23,456", "1.234,5.6", "1 234.567,5", "(500)", "€100", "1e", ""])
def test_malformed_values_are_unreadable_or_empty(text: str):
    nums = _parse_numbers(pd.Series([text], dtype="string"), ".")
    assert pd.isna(nums.value.iloc[0])
    assert nums.unreadable.iloc[0] == (text != "")


def test_parsing_is_vectorised_over_a_large_column():
    import time

    s = pd.Series(["1 234,50", "12,5", "7"] * 100_000, dtype="string")
    start = time.perf_counter()
    nums = _parse_numbers(s, ",")
    assert time.perf_counter() - start < 10
    assert nums.value.iloc[:3].tolist() == [1234.5, 12.5, 7.0] and not nums.unreadable.any()


def test_a_decimal_mark_other_than_dot_or_comma_is_a_clear_params_error(tmp_path: Path):
    from auditkit.errors import ParamsError

    path = client(tmp_path, ["1"], ";")
    with pytest.raises(ParamsError, match=r"'data\.tables\.deals\.decimal': Input should be '\.' or ','"):
        load_params(path)

def test_typed_numbers_honour_a_null_word_that_is_a_number(tmp_path: Path):
    """A Parquet amount column is read as it is typed, without writing it out as text, unless a null word of
    the column is a number ('0' here): then it means empty, as it does in a CSV export."""
    path = client(tmp_path, ["1"])
    cols = ["Deal ID", "Created", "Closed", "Status", "Stage", "Value", "Owner", "Lost reason"]
    rows = [["D1", "2025-01-05 10:00", "", "Open", "New", 0.0, "R1", ""],
            ["D2", "2025-01-05 10:00", "", "Open", "New", 12.0, "R1", ""]]
    pd.DataFrame(rows, columns=cols).to_parquet(tmp_path / "data" / "deals.parquet")
    text = path.read_text().replace("path: deals.csv", "path: deals.parquet")
    path.write_text(text)
    assert amounts(load(load_params(path))) == [0.0, 12.0]
    path.write_text(text.replace("path: deals.parquet", "path: deals.parquet\n      null_values: {amount: ['0']}"))
    data = load(load_params(path))
    assert amounts(data) == [None, 12.0]
    assert issues(data)["missing_value"] == ("warning", (1,))
    # written by pandas with a nullable integer column: read back as such, its missing value empty
    frame = pd.DataFrame(rows, columns=cols).astype({"Value": "Int64"})
    frame.loc[1, "Value"] = pd.NA
    frame.to_parquet(tmp_path / "data" / "deals.parquet")
    path.write_text(text)
    assert amounts(load(load_params(path))) == [0.0, None]
