"""Hand-computed cases for the survey indices (auditkit.metrics.survey) on the standard questionnaire.

Respondents: five in Sales (s1-s5), two in Legal (l1, l2), five in Marketing (m1-m5).

- T01 ("the CRM is easy to use") and T02 ("entering data takes too much time", reverse-scored) are both
  crm_usability. Every Sales respondent answers T01 = 4 and T02 = 2, scored 6 - 2 = 4: Sales scores 4.0 with
  5 respondents. Legal answers T01 = 5, T02 = 5 (scored 1): a mean of 3.0, but with 2 respondents the
  group is hidden (the threshold is 5).
- s1 also answers T03 = "x" and T04 = "7": not a whole number 1-5, set aside (2 answers).
- C03 names Marketing: Sales answers 2 (sales rates marketing 2.0). C11 names Sales: Marketing answers 4
  (marketing rates sales 4.0). The gap is 2.0 - 4.0 = -2.0.
- Free text X01: one answer from Sales (shown), one from Legal (a group of 2: not shown).

The departments the items name are the kit's words, shown in the report's language; the client's department
names stay as written. With ``lang="ru"`` the counterpart columns of the heatmap are "Маркетинг" (C03) and
"Продажи" (C11), and the rows "Marketing" and "Sales" (the client's names). A Russian client that writes its
departments "Продажи" and "Маркетинг" gets the same numbers as the English one: "Продажи" is the sales
department (it rates marketing 2.0; its answers of 5 to C11, about sales itself, are left out), "Маркетинг" is
marketing (it rates sales 4.0), so the gap is again -2.0 on the row "Маркетинг". Sales (five respondents) also answers C09 = 3 about
management, a department no respondent is from: its row is named in the report's language ("Руководство"),
with sales' 3.0 and nothing from the other side (no gap, so no finding).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from auditkit.metrics import survey as S
from auditkit.report.format import Formatter


def survey() -> pd.DataFrame:
    rows = []
    for i in range(1, 6):
        rows += [(f"s{i}", "Sales", "AE", "T01", "4"), (f"s{i}", "Sales", "AE", "T02", "2"), (f"s{i}", "Sales", "AE", "C03", "2")]
        rows += [(f"m{i}", "Marketing", "Manager", "C11", "4")]
    rows += [("l1", "Legal", "Counsel", "T01", "5"), ("l1", "Legal", "Counsel", "T02", "5"),
             ("l2", "Legal", "Counsel", "T01", "5"), ("l2", "Legal", "Counsel", "T02", "5")]
    rows += [("s1", "Sales", "AE", "T03", "x"), ("s1", "Sales", "AE", "T04", "7"), ("s1", "Sales", "AE", "Q99", "3")]
    rows += [("s2", "Sales", "AE", "X01", "Too many tools"), ("l1", "Legal", "Counsel", "X01", "Slow approvals")]
    return pd.DataFrame(rows, columns=["respondent_id", "department", "role", "question_id", "answer"])


def test_reverse_scored_items_are_turned():
    a = S.scored(survey())
    s1 = a.loc[(a["respondent_id"] == "s1")].set_index("question_id")
    assert s1.loc["T01", "score"] == 4.0
    assert s1.loc["T02", "answer"] == 2.0 and s1.loc["T02", "score"] == 4.0
    legal = a.loc[(a["respondent_id"] == "l1")].set_index("question_id")["score"].to_dict()
    assert legal == {"T01": 5.0, "T02": 1.0}
    assert a.attrs["set_aside"] == 2
    assert S.unknown_items(survey()) == ["Q99"]


def test_a_group_of_two_is_hidden_and_a_group_of_five_is_shown():
    scores = S.dimension_scores(S.scored(survey()), ("department",), step=5).set_index("department")
    assert scores.loc["Sales", "respondents"] == 5 and not scores.loc["Sales", "hidden"]
    assert scores.loc["Sales", "score"] == pytest.approx(4.0)
    assert scores.loc["Legal", "respondents"] == 2 and scores.loc["Legal", "hidden"]
    assert math.isnan(scores.loc["Legal", "score"])
    # with a threshold of 2 Legal is shown: (5 + 1) / 2 = 3.0
    shown = S.dimension_scores(S.scored(survey()), ("department",), step=5, min_group=2).set_index("department")
    assert shown.loc["Legal", "score"] == pytest.approx(3.0)
    sizes = S.group_sizes(S.scored(survey())).set_index("department")
    assert sizes.loc["Legal", "hidden"] and not sizes.loc["Sales", "hidden"]


def test_free_text_only_from_groups_above_the_threshold():
    texts = S.free_text(survey(), 5)
    assert texts.to_dict("records") == [{"department": "Sales", "question_id": "X01",
                                         "question": "What slows you down most in the tools you use?", "answer": "Too many tools"}]
    # the question as it was asked, in the report's language (a reader does not know item X01)
    assert S.free_text(survey(), 5, lang="ru")["question"].tolist() == ["Что больше всего тормозит вас в инструментах, которыми вы пользуетесь?"]


def test_counterpart_heatmap_and_the_sales_gap():
    a = S.scored(survey())
    heat = S.counterpart_heatmap(a)
    assert heat.loc["Sales", "Marketing"] == pytest.approx(2.0)
    assert heat.loc["Marketing", "Sales"] == pytest.approx(4.0)
    gaps = S.sales_gaps(a).set_index("department")
    assert gaps.loc["Marketing", "sales_rates_them"] == pytest.approx(2.0)
    assert gaps.loc["Marketing", "they_rate_sales"] == pytest.approx(4.0)
    assert gaps.loc["Marketing", "gap"] == pytest.approx(-2.0)


def test_survey_findings_low_dimension_and_gap_only_for_shown_groups():
    a = S.scored(survey())
    fmt = Formatter("en", "EUR")
    scores6 = S.dimension_scores(a, ("department",), step=6)
    found = {(f.kind, f.subject) for f in S.survey_findings(scores6, S.sales_gaps(a), 6, fmt)}
    assert found == {("survey.low_dimension", "Sales/marketing"), ("survey.sales_gap", "Marketing")}
    hidden_low = S.dimension_scores(a, ("department",), step=5, min_group=5)  # Legal's 3.0 is hidden anyway
    assert S.survey_findings(hidden_low, None, 5, fmt) == []


def test_no_survey_gives_empty_tables():
    assert S.scored(None).empty
    assert S.dimension_scores(S.scored(None)).empty
    assert S.free_text(None, 6).empty
    assert S.unknown_items(None) == []


def russian_client() -> pd.DataFrame:
    """The survey above, the departments written in Russian; the five in sales also answer C11 (about sales)
    with 5, which is rating themselves and so is left out."""
    own = pd.DataFrame([(f"s{i}", "Sales", "AE", "C11", "5") for i in range(1, 6)], columns=survey().columns)
    df = pd.concat([survey(), own], ignore_index=True)
    return df.assign(department=df["department"].map({"Sales": "Продажи", "Marketing": "Маркетинг", "Legal": "Юристы"}))


def with_management(df: pd.DataFrame) -> pd.DataFrame:
    sales = df.loc[(df["question_id"] == "T01") & df["respondent_id"].str.startswith("s"), ["respondent_id", "department", "role"]].drop_duplicates()
    return pd.concat([df, sales.assign(question_id="C09", answer="3")], ignore_index=True)


def test_the_departments_the_items_name_are_shown_in_the_reports_language():
    a = S.scored(with_management(survey()))
    heat = S.counterpart_heatmap(a, lang="ru")
    assert list(heat.columns) == ["Маркетинг", "Руководство", "Продажи"]  # the questionnaire's order
    assert sorted(heat.index) == ["Marketing", "Sales"]  # the client's names, as written
    assert heat.loc["Sales", "Маркетинг"] == pytest.approx(2.0) and heat.loc["Marketing", "Продажи"] == pytest.approx(4.0)
    assert list(S.counterpart_heatmap(a).columns) == ["Marketing", "Management", "Sales"]  # English by default
    gaps = S.sales_gaps(a, lang="ru").set_index("department")
    assert list(gaps.index) == ["Marketing", "Руководство"]  # a client department as written; management in Russian
    assert gaps.loc["Руководство", "sales_rates_them"] == pytest.approx(3.0) and gaps.loc["Руководство", "their_respondents"] == 0
    assert math.isnan(gaps.loc["Руководство", "gap"])
    assert list(S.sales_gaps(a).set_index("department").index) == ["Marketing", "Management"]


def test_a_client_writing_its_departments_in_russian_gets_the_same_numbers():
    a = S.scored(russian_client())
    heat = S.counterpart_heatmap(a, lang="ru")
    assert heat.loc["Продажи", "Маркетинг"] == pytest.approx(2.0) and heat.loc["Маркетинг", "Продажи"] == pytest.approx(4.0)
    assert list(heat.columns) == ["Маркетинг", "Продажи"] and math.isnan(heat.loc["Продажи", "Продажи"])  # sales does not rate itself
    gaps = S.sales_gaps(a, lang="ru").set_index("department")
    assert list(gaps.index) == ["Маркетинг"]
    assert (gaps.loc["Маркетинг", "sales_rates_them"], gaps.loc["Маркетинг", "they_rate_sales"], gaps.loc["Маркетинг", "gap"]) == (
        pytest.approx(2.0), pytest.approx(4.0), pytest.approx(-2.0))
    found = S.survey_findings(S.dimension_scores(a, ("department",), step=6, lang="ru"), S.sales_gaps(a, lang="ru"), 6, Formatter("ru", "EUR"))
    assert {(f.kind, f.subject) for f in found} == {("survey.low_dimension", "Продажи/marketing"), ("survey.sales_gap", "Маркетинг")}
