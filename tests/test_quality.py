"""Quality issues as a table and as findings.

The data-quality table has two columns about rows: ``count``, how many rows an issue affects, and ``rows``,
which ones by their number in the file ("2, 3, 4 and 133 more"). Both were headed "Rows" ("Строк"); their
headings now differ in both languages: "Rows affected" / "Затронуто строк" and "Row numbers in the file" /
"Номера строк в файле".
"""

from __future__ import annotations

import pandas as pd

from auditkit.quality import QualityIssue, issues_frame, issues_labels, quality_findings, rows_label


def issue(check: str, count: int, level: str = "warning", table: str = "deals") -> QualityIssue:
    return QualityIssue(table, check, "amount", count, level, f"{check} message", tuple(range(2, 2 + count)), pd.DataFrame())


def test_rows_label_shortens_long_lists():
    assert rows_label([2, 3]) == "2, 3"
    assert rows_label(range(2, 14), limit=3) == "2, 3, 4 and 9 more"
    assert rows_label(range(2, 14), limit=3, lang="ru") == "2, 3, 4 и ещё 9"
    # an issue keeps its first 50 rows: 141 rows, 8 listed, 133 more (not the 42 more of the rows kept)
    assert rows_label(range(2, 52), lang="ru", total=141) == "2, 3, 4, 5, 6, 7, 8, 9 и ещё 133"


def test_issues_frame_orders_by_table_then_level():
    frame = issues_frame([issue("empty_row", 1, "info"), issue("negative_amount", 3), issue("x", 1, "warning", "activities")])
    assert frame["table"].tolist() == ["activities", "deals", "deals"]
    assert frame["level"].tolist() == ["warning", "warning", "info"]
    assert frame.loc[1, "rows"] == "2, 3, 4"
    assert frame.loc[1, "column"] == "amount"  # English keeps the canonical column the params map to
    ru = issues_frame([issue("negative_amount", 3)], "ru")
    assert (ru.loc[0, "column"], ru.loc[0, "message"]) == ("Сумма", "Сумма отрицательная; она исключена, чтобы не уменьшать выручку.")


def test_findings_only_for_issues_above_one_percent_with_severity_by_share():
    found = quality_findings(
        [issue("negative_amount", 15), issue("duplicate_id", 4), issue("missing_value", 1), issue("empty_row", 50, "info")],
        {"deals": 120},
    )
    by_kind = {f.kind: f for f in found}
    # 1 of 120 rows (0.8 %) is below the 1 % bar; info issues never become findings
    assert set(by_kind) == {"data.quality.negative_amount", "data.quality.duplicate_id"}
    assert by_kind["data.quality.negative_amount"].severity == "high"  # 15 / 120 = 12.5 %
    assert by_kind["data.quality.duplicate_id"].severity == "medium"  # 4 / 120 = 3.3 %
    assert by_kind["data.quality.negative_amount"].value == 0.125
    assert by_kind["data.quality.negative_amount"].subject == "deals.amount"
    ru = quality_findings([issue("negative_amount", 15)], {"deals": 120}, "ru")[0]
    assert ru.title == "Сделки, Сумма: отрицательная сумма в 15 строках"  # the column named, not keyed
    # the rows counted in the plural form the number calls for
    titles = {
        (n, lang): quality_findings([issue("negative_amount", n)], {"deals": 100}, lang)[0].title.rsplit(": ", 1)[1]
        for n in (1, 3, 21, 100) for lang in ("en", "ru")
    }
    assert titles == {
        (1, "en"): "negative amount in 1 row", (3, "en"): "negative amount in 3 rows",
        (21, "en"): "negative amount in 21 rows", (100, "en"): "negative amount in 100 rows",
        (1, "ru"): "отрицательная сумма в 1 строке", (3, "ru"): "отрицательная сумма в 3 строках",
        (21, "ru"): "отрицательная сумма в 21 строке", (100, "ru"): "отрицательная сумма в 100 строках",
    }
    # how a file was read (its encoding guessed) is for the analyst to confirm, not a finding about the client
    assert quality_findings([issue("encoding_unsure", 120)], {"deals": 120}) == []


def test_examples_show_the_row_and_the_offending_column_first():
    examples = pd.DataFrame({"_row": [7], "Deal ID": ["D1"], "Created": ["x"], "Value": ["-5"], "Owner": ["R1"]})
    found = QualityIssue("deals", "negative_amount", "amount", 1, "warning", "m", (7,), examples)
    from auditkit.quality import examples_view

    assert examples_view(found, {"Value": "amount"}).columns.tolist() == ["_row", "Value", "Deal ID", "Created", "Owner"]
    snake = QualityIssue("deals", "missing_value", "owner_id", 1, "warning", "m", (7,), examples.rename(columns={"Owner": "Owner ID"}))
    assert examples_view(snake).columns.tolist()[:2] == ["_row", "Owner ID"]


def test_the_two_row_columns_have_distinct_clear_headings_in_both_languages():
    from auditkit.report.format import Formatter

    assert issues_labels("en") == {"count": "Rows affected", "rows": "Row numbers in the file"}
    assert issues_labels("ru") == {"count": "Затронуто строк", "rows": "Номера строк в файле"}
    # the count's heading is the table's own even where no labels are passed, and it differs from "rows"
    for lang in ("en", "ru"):
        fmt = Formatter(lang)
        assert fmt.column_label("count") == issues_labels(lang)["count"]
        assert fmt.column_label("count") != fmt.column_label("rows")
    html = Formatter("ru").table_html(issues_frame([issue("negative_amount", 3)], "ru"), labels=issues_labels("ru"))
    assert "<th>Затронуто строк</th>" in html and "<th>Номера строк в файле</th>" in html and "<td>2, 3, 4</td>" in html
