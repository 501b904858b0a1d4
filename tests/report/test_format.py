"""Formatting per language, HTML escaping and spreadsheet-safe exports."""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.report.format import Formatter, safe_for_spreadsheet, to_csv
from auditkit.report.text import CATALOG, t


@pytest.mark.parametrize(
    ("lang", "number", "money", "share"),
    [
        ("en", "1,234,568", "€1,234,568", "25.3%"),
        ("ru", "1\u00a0234\u00a0568", "1\u00a0234\u00a0568\u00a0€", "25,3\u00a0%"),
    ],
)
def test_numbers_follow_the_report_language(lang, number, money, share):
    fmt = Formatter(lang, "EUR")
    assert fmt.number(1234567.891) == number
    assert fmt.money(1234567.5) == money
    assert fmt.share(0.2534).replace("\u202f", "\u00a0") == share.replace("\u202f", "\u00a0")


def test_missing_values_show_a_dash():
    fmt = Formatter()
    assert fmt.number(float("nan")) == fmt.money(None) == fmt.share(pd.NA) == fmt.date(pd.NaT) == "–"


def test_table_html_escapes_client_text():
    df = pd.DataFrame({"name": ["<script>alert(1)</script>", "A & B"], "value": [1.5, 2.0]})
    out = Formatter().table_html(df, units={"value": "money"}, labels={"name": "<b>Name</b>"})
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "A &amp; B" in out and "&lt;b&gt;Name&lt;/b&gt;" in out
    assert '<td class="num">€2</td>' in out


def test_table_html_says_how_many_rows_are_cut():
    out = Formatter().table_html(pd.DataFrame({"x": range(12)}), max_rows=10)
    assert out.count("<tr>") == 11 and "Another 2 rows are in the CSV export." in out


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", " =1+1", "\r\n=1+1", "\n@SUM(A1)", "\t -2"])
def test_formula_cells_are_defused(cell):
    df = safe_for_spreadsheet(pd.DataFrame({"text": [cell, "plain"], "n": [-1, 2]}))
    assert df["text"].tolist() == ["'" + cell, "plain"]
    assert df["n"].tolist() == [-1, 2]  # numbers stay numbers


def test_a_bare_cr_cannot_start_a_row_with_a_formula(tmp_path):
    import csv

    path = to_csv(pd.DataFrame({"source": ["Web\r=1+1", "ok"], "n": [1, 2]}), tmp_path / "t.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["source", "n"], ["Web\r=1+1", "1"], ["ok", "2"]]  # still one row, the CR inside the cell


def test_to_csv_writes_defused_utf8_with_bom(tmp_path):
    path = to_csv(pd.DataFrame({"=evil": ["=HYPERLINK(\"x\")", "Ёлка"]}), tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines() == ["'=evil", "\"'=HYPERLINK(\"\"x\"\")\"", "Ёлка"]


def test_catalog_has_english_for_every_key_and_falls_back():
    assert all("en" in entry for entry in CATALOG.values())
    assert t("step.02", "ru").startswith("Шаг 2")
    assert t("client_period", "en", client="X", start="a", end="b") == "X: audit period a to b"
    with pytest.raises(KeyError):
        t("no.such.key")


def test_bidi_controls_and_zero_width_characters_are_shown_not_passed_through():
    # "Ivan\u202eovrep" would render as "Ivanperovo..." reversed; a zero-width space splits a name invisibly
    out = Formatter().table_html(pd.DataFrame({"rep": ["Ivan\u202eov", "An\u200bna"]}), labels={"rep": "Rep\u2066"})
    assert "\u202e" not in out and "\u200b" not in out and "\u2066" not in out
    assert "Ivan⟦U+202E⟧ov" in out and "An⟦U+200B⟧na" in out and "Rep⟦U+2066⟧" in out


@pytest.mark.parametrize(
    ("n", "lang", "expected"),
    [(1, "en", "1 row"), (2, "en", "2 rows"), (0, "en", "0 rows"), (1, "ru", "1 строка"), (3, "ru", "3 строки"),
     (5, "ru", "5 строк"), (11, "ru", "11 строк"), (21, "ru", "21 строка"), (24, "ru", "24 строки")],
)
def test_plural_forms_follow_the_language(n, lang, expected):
    from auditkit.report.text import plural

    assert plural(n, "n.row", lang) == expected


def test_the_kits_markers_are_shown_in_the_report_language_and_client_text_is_not():
    df = pd.DataFrame({"team": ["(none)", "(company)", "(all)", "(Sales)", "none"], "n": [1, 2, 3, 4, 5]})
    ru = Formatter("ru").table_html(df)
    assert "(не указано)" in ru and "(компания)" in ru and "(все)" in ru
    assert "(Sales)" in ru and ">none<" in ru  # the client's own text, even in brackets, stays as written
    assert "(company)" in Formatter("en").table_html(df)
    assert "Ещё 2 строки — в выгрузке CSV." in Formatter("ru").table_html(pd.DataFrame({"x": range(12)}), max_rows=10)


def test_short_numbers_as_the_language_writes_them():
    assert [Formatter("ru").short(x) for x in (0.5, 2.0, 1.25, 1500)] == ["0,5", "2", "1,25", "1\u00a0500"]
    assert [Formatter("en").short(x) for x in (0.5, 2.0, 1500)] == ["0.5", "2", "1,500"]
