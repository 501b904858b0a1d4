"""The report's text catalogue in English and Russian.

``t(key, lang, **values)`` returns the text for ``key`` in ``lang`` with
``values`` substituted; an unknown key raises KeyError (caught by tests), a
missing translation falls back to English.
"""

from __future__ import annotations

CATALOG: dict[str, dict[str, str]] = {
    "step.01": {"en": "Step 1. Audit goals and KPI targets", "ru": "Шаг 1. Цели аудита и целевые KPI"},
    "step.02": {"en": "Step 2. Data inventory, quality and headline KPIs", "ru": "Шаг 2. Данные, их качество и ключевые KPI"},
    "step.03": {"en": "Step 3. The sales process, stage by stage", "ru": "Шаг 3. Процесс продаж по этапам"},
    "step.04": {"en": "Step 4. Salespeople", "ru": "Шаг 4. Менеджеры по продажам"},
    "step.05": {"en": "Step 5. Technology and CRM use", "ru": "Шаг 5. Технологии и использование CRM"},
    "step.06": {"en": "Step 6. Communication", "ru": "Шаг 6. Коммуникации"},
    "step.07": {"en": "Step 7. Improvement plan", "ru": "Шаг 7. План улучшений"},
    "client_period": {"en": "{client}: audit period {start} to {end}", "ru": "{client}: период аудита с {start} по {end}"},
    "inventory": {"en": "What data we have", "ru": "Какие данные есть"},
    "quality": {"en": "Data quality", "ru": "Качество данных"},
    "quality.none": {"en": "No data-quality issues were found.", "ru": "Проблем с качеством данных не найдено."},
    "quality.summary": {
        "en": "{issues} kinds of issue affect {rows} rows. Bad values were set aside (not used in metrics); no row was dropped silently.",
        "ru": "{issues} видов проблем затрагивают {rows} строк. Ошибочные значения исключены из расчётов; строки не удалялись молча.",
    },
    "kpis": {"en": "Headline KPIs for the period", "ru": "Ключевые KPI за период"},
    "targets": {"en": "KPIs against the audit's targets", "ru": "KPI в сравнении с целями аудита"},
    "monthly": {"en": "Deals by month", "ru": "Сделки по месяцам"},
    "lost_reasons": {"en": "Lost deals by reason", "ru": "Проигранные сделки по причинам"},
    "missing_table": {
        "en": "The client provided no {table} data, so this part is skipped.",
        "ru": "Данных {table} нет, этот раздел пропущен.",
    },
    "findings": {"en": "Findings", "ru": "Выводы"},
    "findings.none": {"en": "No findings.", "ru": "Выводов нет."},
    "col.table": {"en": "Table", "ru": "Таблица"},
    "col.file": {"en": "File", "ru": "Файл"},
    "col.rows": {"en": "Rows", "ru": "Строк"},
    "col.columns": {"en": "Columns", "ru": "Столбцы"},
    "col.from": {"en": "From", "ru": "С"},
    "col.to": {"en": "To", "ru": "По"},
    "col.issues": {"en": "Issues", "ru": "Проблемы"},
    "col.status": {"en": "Status", "ru": "Статус"},
    "col.kpi": {"en": "KPI", "ru": "KPI"},
    "col.value": {"en": "Value", "ru": "Значение"},
    "col.target": {"en": "Target", "ru": "Цель"},
    "col.met": {"en": "Met", "ru": "Выполнено"},
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The catalogue text for ``key`` in ``lang`` (English when not translated), formatted with ``values``."""
    entry = CATALOG[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
