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
    "col.label": {"en": "KPI", "ru": "KPI"},
    "scope": {
        "en": "The audit sees the data as at the end of {as_of}. Deals created after it ({created}) are not counted; "
        "deals won or lost after it ({closed}) count as open. Every KPI is defined once, on a named population "
        "(see the data model in the documentation).",
        "ru": "Аудит видит данные по состоянию на конец {as_of}. Сделки, созданные позже ({created}), не учитываются; "
        "сделки, выигранные или проигранные позже ({closed}), считаются открытыми. Каждый KPI определён один раз, "
        "на названной выборке (см. модель данных в документации).",
    },
    "monthly.partial": {
        "en": "Months the data covers only in part, or not at all, are marked and left out of the chart: {months}.",
        "ru": "Месяцы, которые данные покрывают лишь частично или не покрывают вовсе, отмечены и не показаны на графике: {months}.",
    },
    "lost.none": {"en": "No deals were lost in the period.", "ru": "В периоде не было проигранных сделок."},
    "col.step": {"en": "Step", "ru": "Шаг"},
    "col.time": {"en": "Time", "ru": "Время"},
    "col.reason": {"en": "Why no value", "ru": "Почему нет значения"},
    "col.what": {"en": "What", "ru": "Что"},
    "col.not_in_export": {"en": "Not in the export", "ru": "Нет в выгрузке"},
    "col.empty_columns": {"en": "Empty columns", "ru": "Пустые столбцы"},
    "not_available": {"en": "Not available", "ru": "Нет данных"},
    "status.ok": {"en": "ok", "ru": "готово"},
    "status.insufficient": {"en": "insufficient data", "ru": "недостаточно данных"},
    "status.failed": {"en": "failed", "ru": "ошибка"},
    "status.not_built": {"en": "not built yet", "ru": "ещё не реализован"},
    "status.interrupted": {"en": "interrupted", "ru": "прерван"},
    "status.running": {"en": "running", "ru": "выполняется"},
    "table.more_columns": {
        "en": "{n} more columns are in the CSV export ({columns}):",
        "ru": "Ещё {n} столбцов — в выгрузке CSV ({columns}):",
    },
    "nav.index": {"en": "Steps of this run", "ru": "Шаги этого запуска"},
    "nav.report": {"en": "Full report", "ru": "Полный отчёт"},
    "summary.contents": {"en": "Contents", "ru": "Содержание"},
    "summary.findings": {"en": "The most important findings", "ru": "Самые важные выводы"},
    "col.severity": {"en": "Severity", "ru": "Важность"},
    "col.finding": {"en": "Finding", "ru": "Вывод"},
    "severity.critical": {"en": "critical", "ru": "критично"},
    "severity.high": {"en": "high", "ru": "высокая"},
    "severity.medium": {"en": "medium", "ru": "средняя"},
    "severity.low": {"en": "low", "ru": "низкая"},
    "severity.info": {"en": "info", "ru": "к сведению"},
    "report.title": {"en": "{client}: sales department audit", "ru": "{client}: аудит отдела продаж"},
    "insufficient.head": {
        "en": "This step was not run: the data cannot support it.",
        "ru": "Этот шаг не выполнялся: данных для него недостаточно.",
    },
    "not_built.head": {
        "en": "This step is not built yet in this version of auditkit.",
        "ru": "Этот шаг ещё не реализован в этой версии auditkit.",
    },
    # -- step 4, the salespeople (add step 4's keys below this line) --
    # -- step 5, technology (add step 5's keys below this line) --
    # -- step 6, communication (add step 6's keys below this line) --
    # -- import profiles and inspect (add their keys below this line) --
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The catalogue text for ``key`` in ``lang`` (English when not translated), formatted with ``values``."""
    entry = CATALOG[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
