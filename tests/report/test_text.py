"""The catalog names the kit's own keys in the report's language.

A catalog placeholder says what its value is: ``{table:table}`` a canonical table, ``{column:field}`` a canonical
column, ``{columns:fields}`` a list of them. The caller passes keys ("deals", "lost_reason"); the reader sees
"Сделки", "Причина проигрыша" (and "Deals", "Lost reason" in English). By hand, from the catalog:

- ``tc.not_assessed`` for the tools table with "tool, category, seats": "Не оценивалось: предоставьте таблицу
  «Инструменты» (столбцы: Инструмент, Категория, Оплаченных мест)."
- "rep_id or team" is "Код менеджера или команда" (either column; the second lower-cased, as in a sentence),
  "score (1-5)" is "Оценка (1–5)", a word that is no key ("–", client text) stays as it is.
- "not available" when 0.75 of the dates cannot be read says "75 %" (a no-break space before the sign, as Russian
  writes it; "75%" in English); counts are written the Russian way too (1 234 with a no-break space).
"""

from __future__ import annotations

from auditkit.report.text import field_name, field_names, na_reason, t, table_name, what_name


def test_placeholders_name_tables_and_columns_in_the_language():
    assert t("tc.not_assessed", "ru", table="tools", columns="tool, category, seats") == (
        "Не оценивалось: предоставьте таблицу «Инструменты» (столбцы: Инструмент, Категория, Оплаченных мест)."
    )
    assert t("tc.not_assessed", "en", table="tools", columns=("tool", "category")) == (
        "Not assessed: provide the Tools table (columns: Tool, Category)."
    )
    assert t("missing_table", "ru", table="leads") == "Клиент не предоставил таблицу «Лиды», этот раздел пропущен."


def test_field_and_table_names():
    assert field_name("lost_reason", "ru") == "Причина проигрыша" and field_name("lost_reason") == "Lost reason"
    assert field_name("rep_id or team", "ru") == "Код менеджера или команда"
    assert field_name("deal_id or lead_id", "en") == "Deal ID or lead ID"
    assert field_name("score (1-5)", "ru") == "Оценка (1–5)"
    assert field_name("Deal - Value", "ru") == "Deal - Value" and field_names("–", "ru") == "–"  # not keys: as written
    assert field_names(["deal_id", "stage", "entered_at"], "ru") == "Номер сделки, Этап, Дата входа на этап"
    assert table_name("stage_history", "ru") == "История этапов" and table_name("more_columns", "ru") == "more_columns"


def test_not_available_subjects_are_named_not_keyed():
    assert what_name("kpi.won_value", "ru") == "Сумма выигранных сделок"
    assert what_name("table.reps", "ru") == "Менеджеры" and what_name("table.reps", "en") == "Reps"
    assert what_name("something else", "ru") == "something else"


def test_reasons_name_their_columns_and_write_numbers_as_the_language_does():
    assert na_reason("empty", "ru", table="deals", column="amount") == (
        "нет данных, потому что столбец «Сумма» в таблице «Сделки» пуст во всех строках"
    )
    assert na_reason("unparseable", "ru", table="deals", column="created_at", share=0.75) == (
        "нет данных, потому что 75\u00a0% значений столбца «Дата создания» в таблице «Сделки» не удалось прочитать "
        "(см. качество данных)"
    )
    assert na_reason("unparseable", "en", table="deals", column="created_at", share=1.0).startswith(
        "not available, because 100% of the Created values in Deals could not be read"
    )
    assert na_reason("too_few", "ru", n=1234, minimum=10000).startswith("не оценивается: слишком мало строк (1\u00a0234; нужно не меньше 10\u00a0000")
    # a value without a column to name: no empty quotes
    assert na_reason("no_values", "en", population="deals won in the period") == (
        "not available, because no row of deals won in the period has a usable value"
    )


def test_a_partial_amount_note_counts_its_rows_in_the_form_the_number_calls_for():
    from auditkit.report.text import na_reason

    def note(n, lang):
        return na_reason("partial_amounts", lang, known=1, n=n, missing=n - 1, population="X")

    assert note(21, "ru").startswith("по 1 из 21 строки выборки «X»") and note(5, "ru").startswith("по 1 из 5 строк выборки")
    assert note(4921, "ru").startswith("по 1 из 4\u00a0921 строки выборки")
    assert note(1, "en").startswith("over the 1 of 1 row of X") and note(10, "en").startswith("over the 1 of 10 rows of X")
