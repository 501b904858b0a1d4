"""The standard questionnaire of steps 5 and 6: its items, dimensions and reverse scoring, and the files the
consultant sends out (``data/templates/``).

Every Likert item is answered 1 (strongly disagree) to 5 (strongly agree) and belongs to one dimension; a
**reverse-scored** item is worded so that agreeing is bad, and its score is ``6 - answer``, so a higher
dimension score is always better. An item that names a counterpart department (marketing, finance,
delivery, management, sales) feeds the department x department heatmap of step 6.

Answers come back as the canonical ``survey`` table: one row per respondent and item (``respondent_id``,
``department``, ``role``, ``question_id``, ``answer``). The xlsx template has one row per respondent and one
column per item, which :func:`answers_from_wide` turns into that table.

``python -m auditkit.questionnaire`` (or :func:`write_templates`) rewrites the templates; a test checks that
the committed files are what it writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .report.xlsx import workbook_bytes

TEMPLATES = Path(__file__).resolve().parent.parent / "data" / "templates"
_FIXED_STAMP = dt.datetime(2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Item:
    """One questionnaire item: id, step (5 or 6), dimension, kind (likert/text), reverse-scored or not, the
    department it names (or ""), and its text in English and Russian."""

    id: str
    step: int
    dimension: str
    en: str
    ru: str
    reverse: bool = False
    counterpart: str = ""
    kind: str = "likert"


DIMENSIONS: dict[str, dict[str, str]] = {
    "crm_usability": {"en": "CRM usability", "ru": "Удобство CRM"},
    "data_trust": {"en": "Trust in the data", "ru": "Доверие к данным"},
    "tool_coverage": {"en": "Tool coverage", "ru": "Покрытие инструментами"},
    "automation": {"en": "Automation", "ru": "Автоматизация"},
    "analytics": {"en": "Use of analytics", "ru": "Использование аналитики"},
    "team": {"en": "Communication inside the team", "ru": "Коммуникация внутри команды"},
    "marketing": {"en": "Working with marketing", "ru": "Взаимодействие с маркетингом"},
    "finance": {"en": "Working with finance", "ru": "Взаимодействие с финансами"},
    "delivery": {"en": "Working with delivery", "ru": "Взаимодействие с внедрением"},
    "management": {"en": "Working with management", "ru": "Взаимодействие с руководством"},
    "sales": {"en": "Working with sales", "ru": "Взаимодействие с продажами"},
    "transparency": {"en": "Information transparency", "ru": "Прозрачность информации"},
    "meetings": {"en": "Meetings", "ru": "Совещания"},
    "text": {"en": "Free text", "ru": "Свободный ответ"},
}

ITEMS: tuple[Item, ...] = (
    Item("T01", 5, "crm_usability", "The CRM is easy to use for my daily work.", "CRM удобна для моей ежедневной работы."),
    Item("T02", 5, "crm_usability", "Entering data in the CRM takes too much of my time.", "Ввод данных в CRM отнимает у меня слишком много времени.", reverse=True),
    Item("T03", 5, "data_trust", "I trust the numbers in the CRM.", "Я доверяю цифрам в CRM."),
    Item("T04", 5, "data_trust", "I keep my own spreadsheets because the CRM data is not reliable.", "Я веду собственные таблицы, потому что данным в CRM нельзя доверять.", reverse=True),
    Item("T05", 5, "tool_coverage", "I have the tools I need to do my job.", "У меня есть инструменты, нужные для работы."),
    Item("T06", 5, "tool_coverage", "I have to switch between too many tools that do not talk to each other.", "Мне приходится переключаться между слишком многими несвязанными инструментами.", reverse=True),
    Item("T07", 5, "automation", "Routine tasks (logging calls and e-mails, reminders) are automated.", "Рутинные задачи (запись звонков и писем, напоминания) автоматизированы."),
    Item("T08", 5, "automation", "I enter the same data in more than one place.", "Я ввожу одни и те же данные в нескольких местах.", reverse=True),
    Item("T09", 5, "analytics", "I use CRM reports and dashboards to plan my work.", "Я планирую работу по отчётам и дашбордам CRM."),
    Item("T10", 5, "analytics", "Our decisions are based on data rather than opinions.", "Наши решения основаны на данных, а не на мнениях."),
    Item("C01", 6, "team", "I get the information I need from my colleagues in time.", "Я вовремя получаю от коллег нужную информацию."),
    Item("C02", 6, "team", "Information gets lost between people in my team.", "Информация теряется между людьми в моей команде.", reverse=True),
    Item("C03", 6, "marketing", "Marketing and I agree on what a good lead is.", "Мы с маркетингом одинаково понимаем, что такое хороший лид.", counterpart="Marketing"),
    Item("C04", 6, "marketing", "Requests to marketing are answered quickly and clearly.", "Маркетинг отвечает на запросы быстро и понятно.", counterpart="Marketing"),
    Item("C05", 6, "finance", "Finance approves discounts, terms and invoices quickly.", "Финансы быстро согласуют скидки, условия и счета.", counterpart="Finance"),
    Item("C06", 6, "finance", "Waiting for finance often delays my deals.", "Ожидание финансов часто задерживает мои сделки.", reverse=True, counterpart="Finance"),
    Item("C07", 6, "delivery", "The handover to delivery is smooth.", "Передача проекта во внедрение проходит гладко.", counterpart="Delivery"),
    Item("C08", 6, "delivery", "Delivery tells me in time about problems with my customers.", "Внедрение вовремя сообщает мне о проблемах с моими клиентами.", counterpart="Delivery"),
    Item("C09", 6, "management", "Management explains its decisions and priorities clearly.", "Руководство понятно объясняет свои решения и приоритеты.", counterpart="Management"),
    Item("C10", 6, "management", "I can raise a problem with management and it gets addressed.", "Я могу поднять проблему перед руководством, и её решают.", counterpart="Management"),
    Item("C11", 6, "sales", "Sales gives my department what we need, in time (answer if you are not in sales).", "Продажи вовремя дают нашему отделу то, что нужно (ответьте, если вы не в продажах).", counterpart="Sales"),
    Item("C12", 6, "transparency", "I know where to find the latest version of information I need.", "Я знаю, где найти актуальную версию нужной информации."),
    Item("C13", 6, "transparency", "Important news reaches me late or by accident.", "Важные новости доходят до меня поздно или случайно.", reverse=True),
    Item("C14", 6, "meetings", "Our internal meetings are useful and end with clear next steps.", "Наши внутренние совещания полезны и заканчиваются понятными следующими шагами."),
    Item("C15", 6, "meetings", "I spend too much time in meetings.", "Я трачу слишком много времени на совещания.", reverse=True),
    Item("X01", 5, "text", "What slows you down most in the tools you use?", "Что больше всего тормозит вас в инструментах, которыми вы пользуетесь?", kind="text"),
    Item("X02", 6, "text", "What one change would most improve communication with other departments?", "Какое одно изменение сильнее всего улучшило бы коммуникацию с другими отделами?", kind="text"),
)
ITEMS_BY_ID: dict[str, Item] = {i.id: i for i in ITEMS}

#: The departments the standard items name (``Item.counterpart``), in the questionnaire's order. Their names
#: in a report's language are the catalog's ``survey.dept.<lowercased name>`` (:func:`counterpart_label`);
#: a client's own department names are never translated.
COUNTERPARTS: tuple[str, ...] = ("Marketing", "Finance", "Delivery", "Management", "Sales")


def counterpart_label(counterpart: str, lang: str = "en") -> str:
    """The name in ``lang`` of a department the standard items name: ``"Management"`` -> "Management" (en),
    "Руководство" (ru). Anything that is not one of :data:`COUNTERPARTS` is returned as it is."""
    from .report.text import has, t

    key = f"survey.dept.{str(counterpart).strip().lower()}"
    return t(key, lang) if str(counterpart).strip() in COUNTERPARTS and has(key) else str(counterpart)


def counterpart_of(department: object) -> str | None:
    """The counterpart of :data:`COUNTERPARTS` that a client's department name denotes: its name in any
    report language, in any case, without surrounding spaces ("sales", "Sales", "Продажи", " продажи " ->
    "Sales"); None for any other name ("Legal", "Отдел продаж") and for a missing value."""
    if not isinstance(department, str):
        return None
    wanted = department.strip().casefold()
    for counterpart in COUNTERPARTS:
        if wanted in {counterpart_label(counterpart, lang).casefold() for lang in ("en", "ru")}:
            return counterpart
    return None

INTRO = {
    "en": ("This anonymous survey takes about 10 minutes. For each statement, answer 1 (strongly disagree), 2 (disagree), "
           "3 (neither), 4 (agree) or 5 (strongly agree). Results are shown only for groups of at least {n} people."),
    "ru": ("Анонимный опрос займёт около 10 минут. Оцените каждое утверждение: 1 (совершенно не согласен), 2 (не согласен), "
           "3 (ни то ни другое), 4 (согласен) или 5 (полностью согласен). Результаты показываются только по группам "
           "не меньше {n} человек."),
}


def items_table(lang: str = "en") -> pd.DataFrame:
    """The items as a table: question_id, step, dimension, dimension label, kind, reverse, counterpart, text."""
    return pd.DataFrame([
        {"question_id": i.id, "step": i.step, "dimension": i.dimension, "dimension_label": DIMENSIONS[i.dimension][lang],
         "kind": i.kind, "reverse": i.reverse, "counterpart": i.counterpart, "text": getattr(i, lang)}
        for i in ITEMS
    ])


def score_answer(item: Item, answer: float) -> float:
    """The score of a Likert answer (1-5): the answer itself, or ``6 - answer`` for a reverse-scored item."""
    return 6.0 - answer if item.reverse else float(answer)


def answers_from_wide(wide: pd.DataFrame) -> pd.DataFrame:
    """The filled xlsx sheet (one row per respondent: respondent_id, department, role, then one column per
    item id) as the canonical survey table (one row per respondent and answered item)."""
    ids = [c for c in wide.columns if c in ITEMS_BY_ID]
    long = wide.melt(id_vars=["respondent_id", "department", "role"], value_vars=ids, var_name="question_id", value_name="answer")
    long = long.loc[long["answer"].notna() & (long["answer"].astype(str).str.strip() != "")]
    long["answer"] = long["answer"].map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
    return long.astype({"respondent_id": "string", "department": "string", "role": "string"}).reset_index(drop=True)


# --------------------------------------------------------------------------- templates


def markdown(lang: str = "en", min_group: int = 5) -> str:
    """The questionnaire as a Markdown text to send out, in ``lang``."""
    head = {"en": ("# Survey: tools and communication", "Your department", "Your role", "Part 1: tools and the CRM",
                   "Part 2: communication", "Open questions"),
            "ru": ("# Опрос: инструменты и коммуникации", "Ваш отдел", "Ваша роль", "Часть 1: инструменты и CRM",
                   "Часть 2: коммуникации", "Открытые вопросы")}[lang]
    lines = [head[0], "", INTRO[lang].format(n=min_group), "", f"- {head[1]}: ______", f"- {head[2]}: ______", ""]
    for step, title in ((5, head[3]), (6, head[4])):
        lines += [f"## {title}", ""]
        lines += [f"{i.id}. {getattr(i, lang)}  1 2 3 4 5" for i in ITEMS if i.step == step and i.kind == "likert"]
        lines.append("")
    lines += [f"## {head[5]}", ""]
    lines += [f"{i.id}. {getattr(i, lang)}" + "\n\n______\n" for i in ITEMS if i.kind == "text"]
    return "\n".join(lines).rstrip() + "\n"


def xlsx_bytes(min_group: int = 5) -> bytes:
    """The xlsx to fill in, as bytes (stable: fixed properties and zip times): a sheet ``answers`` (one row per
    respondent, one column per item) and the sheets ``items_en`` and ``items_ru``."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "answers"
    ws.append(["respondent_id", "department", "role", *[i.id for i in ITEMS]])
    likert = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True)
    ws.add_data_validation(likert)
    for n, item in enumerate(ITEMS, start=4):
        if item.kind == "likert":
            col = ws.cell(row=1, column=n).column_letter
            likert.add(f"{col}2:{col}500")
    for lang in ("en", "ru"):
        sheet = wb.create_sheet(f"items_{lang}")
        sheet.append([INTRO[lang].format(n=min_group)])
        table = items_table(lang)
        sheet.append(list(table.columns))
        for row in table.itertuples(index=False):
            sheet.append(["yes" if v is True else "no" if v is False else v for v in row])
    return workbook_bytes(wb, _FIXED_STAMP, "auditkit")


def template_files(min_group: int = 5) -> dict[str, bytes]:
    """Every template file's name and content."""
    files = {f"questionnaire_{lang}.md": markdown(lang, min_group).encode("utf-8") for lang in ("en", "ru")}
    for lang in ("en", "ru"):
        files[f"questionnaire_items_{lang}.csv"] = items_table(lang).to_csv(index=False, lineterminator="\n").encode("utf-8")
    files["questionnaire.xlsx"] = xlsx_bytes(min_group)
    return files


def write_templates(folder: Path | str = TEMPLATES) -> list[Path]:
    """Write the template files into ``folder``; returns their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in template_files().items():
        (out / name).write_bytes(content)
        paths.append(out / name)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for p in write_templates():
        print(p)
