"""The standard questionnaire (auditkit.questionnaire): its items, dimensions and reverse scoring, and the
template files committed under data/templates/, which must be exactly what the code writes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from auditkit import questionnaire as Q

STEP5 = {"crm_usability", "data_trust", "tool_coverage", "automation", "analytics"}
STEP6 = {"team", "marketing", "finance", "delivery", "management", "transparency", "meetings"}


def test_items_cover_the_dimensions_of_both_steps_in_both_languages():
    likert = [i for i in Q.ITEMS if i.kind == "likert"]
    assert {i.dimension for i in likert if i.step == 5} == STEP5
    assert STEP6 <= {i.dimension for i in likert if i.step == 6}
    assert len({i.id for i in Q.ITEMS}) == len(Q.ITEMS)
    for item in Q.ITEMS:
        assert item.dimension in Q.DIMENSIONS
        assert re.search("[а-яА-Я]", item.ru) and item.ru != item.en
    assert any(i.reverse for i in likert if i.step == 5) and any(i.reverse for i in likert if i.step == 6)
    assert {i.counterpart for i in likert if i.counterpart} == {"Marketing", "Finance", "Delivery", "Management", "Sales"}


def test_reverse_scoring():
    normal, reverse = Q.ITEMS_BY_ID["T01"], Q.ITEMS_BY_ID["T02"]
    assert not normal.reverse and reverse.reverse
    assert [Q.score_answer(normal, a) for a in (1, 3, 5)] == [1.0, 3.0, 5.0]
    assert [Q.score_answer(reverse, a) for a in (1, 3, 5)] == [5.0, 3.0, 1.0]


def test_committed_templates_are_what_the_code_writes(tmp_path: Path):
    written = Q.write_templates(tmp_path)
    assert {p.name for p in written} == set(Q.template_files())
    for path in written:
        committed = Q.TEMPLATES / path.name
        assert committed.is_file(), f"regenerate with: python -m auditkit.questionnaire ({path.name})"
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} is stale: python -m auditkit.questionnaire"


def test_the_xlsx_reads_back_and_a_filled_sheet_becomes_the_survey_table():
    sheets = pd.read_excel(Q.TEMPLATES / "questionnaire.xlsx", sheet_name=None)
    assert set(sheets) == {"answers", "items_en", "items_ru"}
    assert list(sheets["answers"].columns) == ["respondent_id", "department", "role", *[i.id for i in Q.ITEMS]]
    wide = pd.DataFrame([{"respondent_id": "r1", "department": "Sales", "role": "AE", "T01": 4.0, "T02": None, "X01": "Too slow"}])
    long = Q.answers_from_wide(wide)
    assert long[["question_id", "answer"]].to_dict("records") == [{"question_id": "T01", "answer": "4"}, {"question_id": "X01", "answer": "Too slow"}]
    assert list(long.columns) == ["respondent_id", "department", "role", "question_id", "answer"]


def test_markdown_in_both_languages_lists_every_item():
    for lang in ("en", "ru"):
        text = Q.markdown(lang)
        assert all(f"{i.id}. " in text for i in Q.ITEMS)


def test_the_departments_the_items_name_have_names_in_both_languages():
    # every counterpart an item names is one of COUNTERPARTS, and the catalog names it in both languages
    assert {i.counterpart for i in Q.ITEMS if i.counterpart} == set(Q.COUNTERPARTS)
    assert [Q.counterpart_label(c, "en") for c in Q.COUNTERPARTS] == ["Marketing", "Finance", "Delivery", "Management", "Sales"]
    assert [Q.counterpart_label(c, "ru") for c in Q.COUNTERPARTS] == ["Маркетинг", "Финансы", "Внедрение", "Руководство", "Продажи"]
    assert Q.counterpart_label("Legal", "ru") == "Legal"  # not one of the kit's: as it is


def test_a_client_department_is_a_counterpart_by_its_name_in_either_language():
    assert [Q.counterpart_of(d) for d in ("Sales", "sales", " Продажи ", "продажи", "Руководство", "Delivery")] == [
        "Sales", "Sales", "Sales", "Sales", "Management", "Delivery"]
    assert [Q.counterpart_of(d) for d in ("Legal", "Отдел продаж", "", None)] == [None, None, None, None]
