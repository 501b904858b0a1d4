"""Source row numbers stay the rows a spreadsheet shows: blank lines, quoted line breaks, CR line ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditkit import load, load_params
from auditkit.io.load import preflight

from helpers import write_small_client

HEADER = "Deal ID;Created;Closed;Status;Stage;Value;Owner;Lost reason"
GOOD = "D{};2025-01-05 10:00;;Open;New;100;R1;"
NEGATIVE = "D{};2025-01-06 10:00;;Open;New;-50;R1;"  # a negative_amount issue


def client(tmp_path: Path, lines: list[str], newline: str = "\n", *, end: bool = True) -> Path:
    path = write_small_client(tmp_path)
    text = newline.join(lines) + (newline if end else "")
    (tmp_path / "data" / "deals.csv").write_bytes(text.encode("utf-8"))
    return path


def located(data) -> dict[str, tuple]:
    return {i.check: (i.level, i.rows) for i in data.issues if i.table == "deals"}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_blank_lines_count_as_rows(tmp_path: Path, newline: str):
    # row 1 header, 2 D1, 3 blank, 4 D2, 5 blank, 6 blank, 7 D3 (negative amount)
    path = client(tmp_path, [HEADER, GOOD.format(1), "", GOOD.format(2), "", "   ", NEGATIVE.format(3)], newline)
    data = load(load_params(path))
    assert data["deals"]["_row"].tolist() == [2, 4, 7]
    assert data["deals"]["deal_id"].tolist() == ["D1", "D2", "D3"]
    assert located(data) == {"empty_row": ("info", (3, 5, 6)), "negative_amount": ("warning", (7,))}
    assert data.sources["deals"]["rows_read"] == 6
    preflight(load_params(path))


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_quoted_line_break_stays_one_row(tmp_path: Path, newline: str):
    reason = f'"Too{newline}expensive{newline}{newline}and late"'
    lost = f"D2;2025-01-05 10:00;2025-01-20 10:00;Lost;Proposal;100;R1;{reason}"
    path = client(tmp_path, [HEADER, GOOD.format(1), lost, NEGATIVE.format(3)], newline)
    data = load(load_params(path))
    deals = data["deals"].set_index("deal_id")
    assert deals["_row"].tolist() == [2, 3, 4]
    assert deals.at["D2", "lost_reason"] == f"Too{newline}expensive{newline}{newline}and late"
    assert located(data) == {"negative_amount": ("warning", (4,))}


def test_blank_line_after_a_quoted_line_break(tmp_path: Path):
    lost = 'D2;2025-01-05 10:00;2025-01-20 10:00;Lost;Proposal;100;R1;"line one\nline two"'
    path = client(tmp_path, [HEADER, lost, "", NEGATIVE.format(3)])
    data = load(load_params(path))
    assert located(data) == {"empty_row": ("info", (3,)), "negative_amount": ("warning", (4,))}


def test_blank_lines_above_the_header_move_it_down(tmp_path: Path):
    # rows 1-2 blank, 3 header, 4 D1, 5 D2 (negative)
    path = client(tmp_path, ["", " ", HEADER, GOOD.format(1), NEGATIVE.format(2)], "\r\n")
    data = load(load_params(path))
    assert data["deals"]["_row"].tolist() == [4, 5]
    assert located(data) == {"negative_amount": ("warning", (5,))}
    preflight(load_params(path))


def test_file_without_a_final_line_break_and_trailing_blank_lines(tmp_path: Path):
    path = client(tmp_path, [HEADER, GOOD.format(1), NEGATIVE.format(2)], "\r", end=False)
    assert located(load(load_params(path))) == {"negative_amount": ("warning", (3,))}
    path = client(tmp_path, [HEADER, NEGATIVE.format(1), "", ""], "\n")
    assert located(load(load_params(path))) == {"negative_amount": ("warning", (2,)), "empty_row": ("info", (3, 4))}


def test_cr_only_file_larger_than_the_preflight_sample(tmp_path: Path):
    # preflight reads the first 64 KiB: the cut must fall at a CR, not inside a UTF-8 character.
    rows = [f"D{i};2025-01-05 10:00;;Open;New;100;R1;Цена" for i in range(1, 3000)]
    path = client(tmp_path, [HEADER, *rows], "\r")
    preflight(load_params(path))
    data = load(load_params(path))
    assert data["deals"]["_row"].iloc[-1] == 3000


def test_excel_blank_rows_count_as_rows(tmp_path: Path):
    import openpyxl

    path = write_small_client(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";"))
    sheet.append(GOOD.format(1).split(";"))
    sheet.append([])  # row 3: blank
    sheet.append(NEGATIVE.format(2).split(";"))  # row 4
    book.save(tmp_path / "data" / "deals.xlsx")
    path.write_text(path.read_text().replace("path: deals.csv", "path: deals.xlsx"))
    data = load(load_params(path))
    assert located(data) == {"empty_row": ("info", (3,)), "negative_amount": ("warning", (4,))}


def test_issue_examples_are_the_raw_rows_by_number_in_file_order():
    """A check's examples are found by row number: searched when the numbers rise (the usual file), matched
    when they do not (rows joined from two files); numbers that are not there are skipped."""
    import pandas as pd

    from auditkit.io.load import _Checks
    from auditkit.io.readers import ROW

    rising = pd.DataFrame({ROW: [2, 3, 5, 8, 9], "v": list("abcde")})
    assert _Checks("deals", rising).examples([9, 4, 3, 3])["v"].tolist() == ["b", "e"]
    mixed = pd.DataFrame({ROW: [9, 2, 5, 3], "v": list("wxyz")})
    assert _Checks("deals", mixed).examples([3, 9, 7])["v"].tolist() == ["w", "z"]
    assert _Checks("deals", rising.iloc[:0]).examples([2]).empty


@pytest.mark.parametrize("leads_first", [False, True])
def test_an_unknown_deal_is_flagged_with_its_raw_row_whichever_table_the_params_name_first(tmp_path, leads_first):
    """A lead naming a deal that does not exist (L9 -> D99, file row 7) is an unknown_reference with its raw
    row as the example, whether the leads are read after the deals (checked at once, their raw rows let go)
    or before them (checked at the end)."""
    from auditkit import load_params
    from auditkit.io.load import load

    from helpers import LEADS, PARAMS, write_small_client

    params = PARAMS
    if leads_first:
        params = params.replace("    leads: {path: leads.csv}\n", "").replace("  tables:\n", "  tables:\n    leads: {path: leads.csv}\n")
    path = write_small_client(tmp_path, params=params)
    leads = tmp_path / "data" / "leads.csv"
    leads.write_text(leads.read_text(encoding="utf-8") + "L9,2025-01-09 09:00,Web,R1,,new,D99\n", encoding="utf-8")
    assert list(load_params(path).data.tables)[0] == ("leads" if leads_first else "deals")
    found = [i for i in load(load_params(path)).issues if i.check == "unknown_reference"]
    assert [(i.table, i.column, i.rows) for i in found] == [("leads", "deal_id", (len(LEADS) + 2,))]
    assert found[0].examples["lead_id"].tolist() == ["L9"] and found[0].examples["deal_id"].tolist() == ["D99"]


READ_BY_PANDAS = ["a;b\n1;2;\n", "a;a\n1;2\n", "a;b;\n1;2;\n", "a;b\n1; 2\n", 'a;b\n1;" 2"\n', "", "a;b\n\t1;2\n"]
READ_BY_ARROW = [
    "a;b\n1;2\n", "a;b\n1;2", "a;b\n1;2\n\n", "a;b\n1;2\n\n\n3;4\n", "a;b\r1;2\r\r3;4", 'a;b\r\n"q;""x""";2\r\n',
    'a;b\n"multi\nline";2\n3;4\n', "a;b\n;\n", "a;b\nИван;Ёж\n", 'a;b\n"1";"2"\n', "a;b\n1 ;2 \n", "a\n1\n\n2\n", "a;b\n",
]


@pytest.mark.parametrize("text", READ_BY_ARROW + READ_BY_PANDAS)
def test_arrow_reads_a_csv_as_pandas_does_or_leaves_it_to_pandas(text):
    """Arrow's CSV reader gives every value pandas gives (blank lines as empty rows, quotes, CR line ends,
    Cyrillic), or leaves the file to pandas where they would differ: ragged rows (pandas names the row),
    repeated or empty header names, spaces after a delimiter (pandas drops them outside quotes only)."""
    import io

    import pandas as pd

    from auditkit.io.readers import _arrow_csv

    got = _arrow_csv(text, ";")
    if text in READ_BY_PANDAS:
        assert got is None
        return
    want = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False, skipinitialspace=True, skip_blank_lines=False)
    assert got is not None and list(got.columns) == list(want.columns)
    assert got.astype(object).values.tolist() == want.astype(object).values.tolist() and str(got.dtypes.iloc[0]) == "str"


def test_a_file_cut_off_in_the_middle_of_a_row_is_an_error_naming_the_row(tmp_path: Path):
    """An export cut off mid-line (no line break after a last row with fewer fields than the header) is refused,
    naming the row as a spreadsheet counts it; a short last row that ends its line is read as before (the
    missing fields empty), and so is a file without a final line break whose last row is whole."""
    from auditkit.errors import DataError

    rows = [HEADER, GOOD.format(1), GOOD.format(2), "D3;2025-01-07 10:00;;Op"]  # row 4: 4 of 8 fields
    path = client(tmp_path / "cut", rows, end=False)
    with pytest.raises(DataError) as err:
        load(load_params(path))
    assert "deals.csv: the file ends in the middle of row 4: it has 4 of the header's 8 fields" in str(err.value)
    assert "export the deals table again" in str(err.value)
    whole_line = client(tmp_path / "short", rows, end=True)  # the same row, ending its line: empty fields
    assert load(load_params(whole_line))["deals"]["deal_id"].tolist() == ["D1", "D2", "D3"]
    no_break = client(tmp_path / "whole", [HEADER, GOOD.format(1), GOOD.format(2)], end=False)
    assert load(load_params(no_break))["deals"]["deal_id"].tolist() == ["D1", "D2"]
    with_blank = client(tmp_path / "blank", ["", HEADER, GOOD.format(1), "D2;2025-01-07"], end=False)  # header on row 2
    with pytest.raises(DataError, match="ends in the middle of row 4"):
        load(load_params(with_blank))


def test_a_quoted_value_that_never_closes_names_its_row(tmp_path: Path):
    """A file that ends inside a quoted value names the row the quote opens on (as a spreadsheet counts rows)."""
    from auditkit.errors import DataError

    path = client(tmp_path, [HEADER, GOOD.format(1), 'D2;2025-01-06 10:00;;Open;New;100;R1;"price was', 'too high'], end=False)
    with pytest.raises(DataError) as err:
        load(load_params(path))
    assert "deals.csv: row 3 opens a quoted value that never closes" in str(err.value)
