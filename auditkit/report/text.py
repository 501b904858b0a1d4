"""The report's text catalogue in English and Russian.

``t(key, lang, **values)`` returns the text for ``key`` in ``lang`` with
``values`` substituted; an unknown key raises KeyError (caught by tests), a
missing translation falls back to English.
"""

from __future__ import annotations

import string
from typing import Any

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
        "en": "Found: {issues}, affecting {rows}. Bad values were set aside (not used in metrics); no row was dropped silently.",
        "ru": "Найдено: {issues}; затронуто: {rows}. Ошибочные значения исключены из расчётов; строки не удалялись молча.",
    },
    "kpis": {"en": "Headline KPIs for the period", "ru": "Ключевые KPI за период"},
    "targets": {"en": "KPIs against the audit's targets", "ru": "KPI в сравнении с целями аудита"},
    "monthly": {"en": "Deals by month", "ru": "Сделки по месяцам"},
    "lost_reasons": {"en": "Lost deals by reason", "ru": "Проигранные сделки по причинам"},
    "missing_table": {
        "en": "The client provided no {table:table} data, so this part is skipped.",
        "ru": "Клиент не предоставил таблицу «{table:table}», этот раздел пропущен.",
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
        "en": "The audit sees the data as at the end of {as_of}: deals created after it ({created}) are not counted; "
        "deals won or lost after it ({closed}) count as open. Every KPI is defined once, on a named population "
        "(see the data model in the documentation).",
        "ru": "Аудит видит данные по состоянию на конец дня {as_of}: сделки, созданные позже ({created}), не учитываются; "
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
    "runner.needs_findings": {
        "en": "not available, because this step reads the findings of earlier steps this run has not produced ({steps}); run those steps too, or pass --from-run with a run that has them",
        "ru": "нет данных, потому что этот шаг читает выводы предыдущих шагов, которых в этом запуске нет ({steps}); запустите и их или укажите --from-run с запуском, в котором они есть",
    },
    "status.ok": {"en": "ok", "ru": "готово"},
    "status.insufficient": {"en": "insufficient data", "ru": "недостаточно данных"},
    "status.failed": {"en": "failed", "ru": "ошибка"},
    "status.not_built": {"en": "not built yet", "ru": "ещё не реализован"},
    "status.interrupted": {"en": "interrupted", "ru": "прерван"},
    "status.running": {"en": "running", "ru": "выполняется"},
    "table.more_columns": {
        "en": "Not shown here, in the CSV export: {n} ({columns}):",
        "ru": "Ещё {n} — в выгрузке CSV ({columns}):",
    },
    "table.more_rows": {"en": "Another {rows} are in the CSV export.", "ru": "Ещё {rows} — в выгрузке CSV."},
    "table.csv_link": {"en": "the whole table (CSV)", "ru": "вся таблица (CSV)"},
    "nav.index": {"en": "Steps of this run", "ru": "Шаги этого запуска"},
    "unit.seconds": {"en": "{n} s", "ru": "{n} с"},
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
    "people.h.scorecard": {"en": "Scorecard per rep", "ru": "Карточка показателей по менеджерам"},
    "people.h.fair": {"en": "Fair comparison and groups", "ru": "Честное сравнение и группы"},
    "people.h.leaks": {"en": "Where each rep leaks", "ru": "Где каждый менеджер теряет сделки"},
    "people.h.skills": {"en": "Skills and the training plan", "ru": "Компетенции и план обучения"},
    "people.h.activity": {"en": "Activity and effort", "ru": "Активность и усилия"},
    "people.h.ramp": {"en": "New hires: the ramp", "ru": "Новички: выход на результат"},
    "people.h.card": {"en": "One rep's card", "ru": "Карточка менеджера"},
    "people.scorecard.note": {
        "en": "Reps are {source}. Every deal and lead number is a KPI of the registry evaluated on the rep's own "
        "deals (and leads), so the company row is step 2's headline KPI. Win rate: deals closed in the period, with "
        "its 95 % Wilson interval. Activities per week: over the weeks of the period the rep was employed. "
        "Coverage: open pipeline / quota still to reach (empty once the quota is met).",
        "ru": "Менеджеры: {source}. Каждое число по сделкам и лидам — KPI из реестра, посчитанный на сделках (и "
        "лидах) самого менеджера, поэтому строка компании совпадает с ключевыми KPI шага 2. Доля выигранных — по "
        "сделкам, закрытым в периоде, с 95-процентным интервалом Уилсона. Активности в неделю — за недели периода, "
        "когда менеджер работал. Покрытие — открытая воронка / невыполненная часть плана (пусто, если план выполнен).",
    },
    "people.team_note.extra": {
        "en": "Teams are the reps table's team (the team most of a rep's deals carry when it is empty); {columns:fields} "
        "come from the reps table as well. Comparisons are made within the team.",
        "ru": "Команда — столбец «Команда» таблицы менеджеров (если он пуст — команда большинства сделок менеджера); "
        "{columns:fields} также берутся из таблицы менеджеров. Сравнение идёт внутри команды.",
    },
    "people.team_note.none": {
        "en": "Neither a reps table nor the deals name a team, so each rep is compared with the rest of the company.",
        "ru": "Ни таблица менеджеров, ни сделки не указывают команду, поэтому каждый менеджер сравнивается с остальной компанией.",
    },
    "people.source.reps": {"en": "from the reps table", "ru": "из таблицы менеджеров"},
    "people.source.deals": {
        "en": "the deals' owners, by the deals' Owner (there is no reps table)",
        "ru": "ответственные за сделки, по полю «Ответственный» (таблицы менеджеров нет)",
    },
    "people.team_note": {
        "en": "Teams are the reps table's team (the team most of a rep's deals carry when it is empty); the export "
        "has no manager or office column, so the team stands for both.",
        "ru": "Команда — столбец «Команда» таблицы менеджеров (если он пуст — команда большинства сделок менеджера); "
        "столбца руководителя или офиса в выгрузке нет, поэтому команда заменяет оба.",
    },
    "people.fair.rules": {
        "en": "The rules. Only reps with at least {min_closed} deals closed in the period are ranked; the others are "
        "'too few deals to judge'. Expected wins: for each closed deal of the rep, the company's win rate in the "
        "deal's segment ({mix:fields}), summed; mix ratio = actual / expected wins; adjusted win rate = company rate × mix "
        "ratio. z against the mix = (won − expected) / √(sum of p(1 − p) over the rep's closed deals, p being each deal's "
        "expected chance); z against the team = (won − closed × team rate) / √(closed × rate × (1 − rate)), the team's "
        "rate without the rep. 'Needs support': both z at or below −{z}; 'top performer': both at or above +{z}; the "
        "rest 'core'. Money at stake = closed deals × (team rate − rep rate) × the rep's average won deal.",
        "ru": "Правила. Ранжируются только менеджеры, закрывшие в периоде не меньше {min_closed} сделок; остальные — "
        "«слишком мало сделок для оценки». Ожидаемые победы: для каждой закрытой сделки менеджера — доля выигранных "
        "по компании в сегменте сделки ({mix:fields}), в сумме; коэффициент структуры = фактические / ожидаемые победы; "
        "скорректированная доля = доля компании × коэффициент. z по структуре = (выиграно − ожидаемо) / "
        "√(сумма по закрытым сделкам менеджера величин ожидаемая доля × (1 − ожидаемая доля)); z против команды = "
        "(выиграно − закрыто × доля команды) / √(закрыто × доля × (1 − доля)), доля команды без самого менеджера. "
        "«Нужна поддержка»: оба z не выше −{z}; «лучший»: оба не ниже +{z}; остальные — «ядро». Деньги под риском = "
        "закрытые сделки × (доля команды − доля менеджера) × средняя выигранная сделка менеджера.",
    },
    "people.fair.summary": {
        "en": "Highest adjusted win rate: {best}; lowest: {worst}. Top performers and reps who need support are "
        "judged by the z-scores of the rules above, not by the rate alone: top performers: {top}; reps who need "
        "support: {support}; with too few deals to judge: {few}.",
        "ru": "Самая высокая скорректированная доля выигранных: {best}; самая низкая: {worst}. Лучших и тех, кому нужна "
        "поддержка, определяют z-оценки из правил выше, а не одна доля: лучшие: {top}; нужна поддержка: {support}; "
        "слишком мало сделок для оценки: {few}.",
    },
    "people.fair.none_ranked": {
        "en": "No rep has enough closed deals to be ranked.",
        "ru": "Ни у одного менеджера недостаточно закрытых сделок для ранжирования.",
    },
    "people.leaks.rules": {
        "en": "A rep leaks at a stage when at least {min_entries} of their entries have left it, their conversion is "
        "at least {diff} percentage points below their team's (without them) and z <= -{z}. A rep stalls at a stage when their "
        "Kaplan-Meier median days in it are at least {ratio} times their team's.",
        "ru": "Менеджер теряет сделки на этапе, если из этапа вышло не меньше {min_entries} его сделок, его конверсия "
        "хотя бы на {diff} п. п. ниже, чем у команды (без него), и z <= -{z}. Менеджер задерживает сделки на этапе, если "
        "его медиана дней на этапе (Каплан-Мейер) не меньше чем в {ratio} раза выше, чем у команды.",
    },
    "people.leaks.estimate": {
        "en": "Not assessed: there is no stage history, so no stage conversion per rep is claimed. Provide the "
        "{table:table} table (columns: {columns:fields}).",
        "ru": "Не оценивалось: истории этапов нет, поэтому конверсия по этапам для менеджеров не считается. "
        "Предоставьте таблицу «{table:table}» (столбцы: {columns:fields}).",
    },
    "people.leaks.none": {"en": "No rep leaks or stalls at a stage by these rules.", "ru": "По этим правилам ни один менеджер не теряет и не задерживает сделки на этапах."},
    "people.skills.rules": {
        "en": "A score is a gap when it is at most {score} and at least {below} below the rep's team mean (without "
        "the rep). Each competency is placed in a part of the pipeline by its name (objection handling, negotiation, "
        "closing: the last third of the stages; product knowledge, presentation: the middle; prospecting, needs "
        "discovery: the first; others, such as CRM discipline: all). Priority = (team mean − score) × (1 + the "
        "rep's leaking or stalling stages in that part). A team shares a gap when at least {share} of its assessed "
        "reps (and two) score at most {score}.",
        "ru": "Оценка считается пробелом, если она не выше {score} и хотя бы на {below} ниже среднего по команде "
        "(без самого менеджера). Каждая компетенция по названию относится к части воронки (работа с возражениями, "
        "переговоры, закрытие — последняя треть этапов; знание продукта, презентация — середина; поиск клиентов, "
        "выявление потребностей — первая треть; прочие, например дисциплина в CRM, — все этапы). Приоритет = "
        "(среднее команды − оценка) × (1 + число этапов этой части, где менеджер теряет или задерживает сделки). "
        "Пробел общий для команды, если он есть не меньше чем у {share} оценённых менеджеров (и хотя бы у двух).",
    },
    "people.skills.plan": {"en": "Training plan per rep", "ru": "План обучения по менеджерам"},
    "people.skills.shared": {"en": "Shared gaps worth a group training", "ru": "Общие пробелы для группового обучения"},
    "people.skills.no_shared": {"en": "No team shares a gap by this rule.", "ru": "По этому правилу общих пробелов у команд нет."},
    "people.skills.no_gaps": {"en": "No assessed score is a gap by this rule.", "ru": "По этому правилу пробелов в оценках нет."},
    "people.activity.note": {
        "en": "Activities per week against win rate, for the ranked reps: many activities and few wins is an "
        "effectiveness problem (coach the conversations), few activities and few wins an effort problem. A deal is "
        "stale when its last sign of life (creation, a stage entry, an activity on it) is more than {days} days "
        "before the end of the period.",
        "ru": "Активности в неделю против доли выигранных для ранжированных менеджеров: много активностей и мало "
        "побед — проблема эффективности (нужен коучинг разговоров), мало активностей и мало побед — проблема "
        "усилий. Сделка зависла, если последний признак жизни (создание, переход этапа, активность по ней) был "
        "больше чем за {days} дней до конца периода.",
    },
    "people.ramp.note": {
        "en": "Deals closed in the period by whole months from the owner's hire date, over every rep with a hire "
        "date; months with few closed deals are noisy.",
        "ru": "Сделки, закрытые в периоде, по полным месяцам с даты найма владельца, по всем менеджерам с датой "
        "найма; месяцы с небольшим числом закрытых сделок ненадёжны.",
    },
    "people.ramp.none": {"en": "No closed deal falls in a rep's first {months} months.", "ru": "Ни одна закрытая сделка не попадает в первые {months} месяцев работы менеджера."},
    "people.not_assessed": {
        "en": "Not assessed: provide the {table:table} table (columns: {columns:fields}) to see {what}.",
        "ru": "Не оценивалось: предоставьте таблицу «{table:table}» (столбцы: {columns:fields}), чтобы увидеть {what}.",
    },
    "people.what.reps": {"en": "names, teams and tenure (the new-hire ramp)", "ru": "имена, команды и стаж (выход новичков на результат)"},
    "people.what.targets": {"en": "quota, attainment and coverage", "ru": "план, его выполнение и покрытие"},
    "people.what.activities": {"en": "activities per week and per deal, and activity against results", "ru": "активности в неделю и на сделку, активность против результата"},
    "people.what.assessments": {"en": "skills, gaps and the training plan", "ru": "компетенции, пробелы и план обучения"},
    "people.what.leads": {"en": "lead response time per rep", "ru": "время ответа на лиды по менеджерам"},
    "people.card.note": {
        "en": "Pick a rep: their KPIs with the win-rate interval, their funnel against the team, their skills and "
        "training needs. The numbers are those of the tables above.",
        "ru": "Выберите менеджера: его KPI с интервалом для доли выигранных, его воронка против команды, компетенции "
        "и потребности в обучении. Числа те же, что в таблицах выше.",
    },
    "people.card.note_static": {
        "en": "One rep's card: the rep ranked last by adjusted win rate, or the first rep when none has enough "
        "closed deals to be ranked (in JupyterLab any rep can be picked). Their KPIs with the win-rate interval, "
        "their funnel against the team, their skills and training needs; the numbers are those of the tables above.",
        "ru": "Карточка одного менеджера: последнего в рейтинге по скорректированной доле выигранных или первого, "
        "если ни у кого не хватает закрытых сделок для рейтинга (в интерактивном блокноте можно выбрать любого). Его KPI с "
        "интервалом для доли выигранных, воронка против команды, компетенции и потребности в обучении; числа те же, "
        "что в таблицах выше.",
    },
    "people.col.rep": {"en": "Rep", "ru": "Менеджер"},
    "people.col.name": {"en": "Name", "ru": "Имя"},
    "people.col.team": {"en": "Team", "ru": "Команда"},
    "people.col.manager": {"en": "Manager", "ru": "Руководитель"},
    "people.col.office": {"en": "Office", "ru": "Офис"},
    "people.col.role": {"en": "Role", "ru": "Должность"},
    "people.col.closed": {"en": "Deals closed", "ru": "Закрыто сделок"},
    "people.col.win_rate_low": {"en": "Win rate, 95 % low", "ru": "Доля выигранных, нижняя граница 95 %"},
    "people.col.win_rate_high": {"en": "Win rate, 95 % high", "ru": "Доля выигранных, верхняя граница 95 %"},
    "people.col.activities": {"en": "Activities", "ru": "Активностей"},
    "people.col.activities_per_week": {"en": "Activities per week", "ru": "Активностей в неделю"},
    "people.col.activities_per_deal": {"en": "Activities per deal", "ru": "Активностей на сделку"},
    "people.col.quota": {"en": "Quota", "ru": "План"},
    "people.col.attainment": {"en": "Attainment", "ru": "Выполнение плана"},
    "people.col.remaining_quota": {"en": "Quota still to reach", "ru": "Невыполненная часть плана"},
    "people.col.coverage": {"en": "Coverage (pipeline / quota left)", "ru": "Покрытие (воронка / остаток плана)"},
    "people.col.tenure_years": {"en": "Tenure, years", "ru": "Стаж, лет"},
    "people.col.kpi": {"en": "KPI", "ru": "KPI"},
    "people.col.company": {"en": "Company", "ru": "Компания"},
    "people.group.top performer": {"en": "top performer", "ru": "лучший"},
    "people.group.core": {"en": "core", "ru": "ядро"},
    "people.group.needs support": {"en": "needs support", "ru": "нужна поддержка"},
    "people.group.too few deals to judge": {"en": "too few deals to judge", "ru": "слишком мало сделок для оценки"},
    # -- step 5, technology (add step 5's keys below this line) --
    "tc.not_assessed": {
        "en": "Not assessed: provide the {table:table} table (columns: {columns:fields}).",
        "ru": "Не оценивалось: предоставьте таблицу «{table:table}» (столбцы: {columns:fields}).",
    },
    "tech.h.hygiene": {"en": "CRM hygiene, from the data itself", "ru": "Гигиена CRM по самим данным"},
    "tech.h.completeness": {"en": "Field completeness", "ru": "Заполненность полей"},
    "tech.completeness.note": {
        "en": "Share of the rows that need a value and have one, per table and column, over the period's deals, leads and activities. A column the export does not have is marked 'not in the export' and is not counted as empty; the columns that matter most (deals: amount, close date, owner, lost reason, source) weigh {weight} times the others in the score.",
        "ru": "Доля строк, где значение нужно и заполнено, по таблицам и столбцам (сделки, лиды и активности периода). Столбец, которого нет в выгрузке, помечен «нет в выгрузке» и не считается пустым; самые важные поля (у сделок: сумма, дата закрытия, владелец, причина проигрыша, источник) весят в оценке в {weight} раза больше остальных.",
    },
    "tech.status.ok": {"en": "in the export", "ru": "есть в выгрузке"},
    "tech.status.not_in_export": {"en": "not in the export", "ru": "нет в выгрузке"},
    "tech.status.empty": {"en": "empty", "ru": "пустой"},
    "tech.h.stale": {"en": "Stale open deals", "ru": "Зависшие открытые сделки"},
    "tech.stale.value": {"en": "their value is {value}", "ru": "их сумма {value}"},
    "tech.stale.value_part": {"en": "their value is {value}, over the {deals} with an amount", "ru": "их сумма {value} — по тем, у которых она есть ({deals})"},
    "tech.stale.value_na": {"en": "their value is not available: the deals have no amount", "ru": "их сумма недоступна: у сделок нет суммы"},
    "tech.stale.summary": {
        "en": "{stale} of {open} deals open at the end of the period ({share}) show no sign of life (activity, stage change) for more than {days} days; {value}.",
        "ru": "{stale} из {open} открытых на конец периода сделок ({share}) не подают признаков жизни (активность, смена этапа) дольше {days} дней; {value}.",
    },
    "tech.h.overdue": {"en": "Open deals past their expected close date", "ru": "Открытые сделки с прошедшей ожидаемой датой закрытия"},
    "tech.overdue.summary": {
        "en": "{overdue} of the {dated} open deals with an expected close date ({share}) are past it at the end of the period.",
        "ru": "{overdue} из {dated} открытых сделок с ожидаемой датой закрытия ({share}) просрочили её на конец периода.",
    },
    "tech.overdue.na": {
        "en": "Not assessed: the deals export has no Expected close date values for open deals.",
        "ru": "Не оценивалось: в выгрузке сделок нет значений «Ожидаемая дата закрытия» у открытых сделок.",
    },
    "tech.h.gaps": {"en": "Stage-history gaps", "ru": "Пропуски в истории этапов"},
    "tech.gaps.summary": {
        "en": "Of {deals} deals created in the period with a stage history, {skips} skip at least one stage and {back} move back at least once.",
        "ru": "Из {deals} созданных в периоде сделок с историей этапов {skips} пропускают хотя бы один этап и {back} хотя бы раз возвращаются назад.",
    },
    "tech.h.lag": {"en": "Logging lag", "ru": "Задержка внесения активностей"},
    "tech.lag.note": {
        "en": "Hours from an activity to its logging in the CRM (Logged in the CRM − Date and time), per rep; 'late' means more than {hours} hours.",
        "ru": "Часы от активности до её внесения в CRM («Дата внесения в CRM» − «Дата и время») по менеджерам; «поздно» — больше {hours} ч.",
    },
    "tech.lag.na": {
        "en": "Not assessed: the activities export has no usable Logged in the CRM column.",
        "ru": "Не оценивалось: в выгрузке активностей нет пригодного столбца «Дата внесения в CRM».",
    },
    "tech.h.duplicates": {"en": "Duplicates", "ru": "Дубликаты"},
    "tech.duplicates.note": {
        "en": "Rows the loader set aside: exact repeats, and repeats of a key with other values (the first row is kept).",
        "ru": "Строки, отложенные при загрузке: точные повторы и повторы ключа с другими значениями (оставлена первая строка).",
    },
    "tech.h.score": {"en": "CRM data-quality score", "ru": "Оценка качества данных CRM"},
    "tech.score.summary": {"en": "The company's CRM data-quality score is {score} of 100.", "ru": "Оценка качества данных CRM компании: {score} из 100."},
    "tech.score.figure": {"en": "CRM data-quality score by team", "ru": "Оценка качества данных CRM по командам"},
    "tech.score.axis": {"en": "Score, 0-100", "ru": "Оценка, 0-100"},
    "tech.score.missing_parts": {"en": "Parts that could not be measured and were left out: {parts}.", "ru": "Неизмеримые составляющие (не учтены): {parts}."},
    "tech.h.tools": {"en": "Adoption and tools", "ru": "Внедрение и инструменты"},
    "tech.tools.note": {
        "en": "From the tool inventory: seats against active users, the cost per active user and of the unused seats, tools not integrated with the CRM and categories with more than one tool. A tool below {share} of its seats in use is under-used.",
        "ru": "По реестру инструментов: оплаченные места и активные пользователи, стоимость на активного пользователя и неиспользуемых мест, инструменты без интеграции с CRM и категории, где инструментов больше одного. Инструмент, у которого используется меньше {share} мест, недоиспользуется.",
    },
    "tech.tools.figure": {"en": "Seats and active users per tool", "ru": "Места и активные пользователи по инструментам"},
    "tech.tools.seats": {"en": "Seats", "ru": "Мест"},
    "tech.tools.users": {"en": "Active users", "ru": "Активных пользователей"},
    "tech.tools.axis": {"en": "People", "ru": "Человек"},
    "tech.tools.overlap_none": {"en": "No category is served by more than one tool.", "ru": "Ни одна категория не обслуживается несколькими инструментами."},
    "tech.tools.overlap": {"en": "Categories with more than one tool", "ru": "Категории с несколькими инструментами"},
    "tech.weekly.summary": {
        "en": "{share} of the reps logged at least one activity in every full week of the period since their first one.",
        "ru": "{share} менеджеров вносили хотя бы одну активность каждую полную неделю периода начиная с первой.",
    },
    "tech.h.survey": {"en": "What the team says: tools and the CRM", "ru": "Что говорит команда: инструменты и CRM"},
    "tc.survey.note": {
        "en": "Scores of the standard questionnaire (1-5, higher is better; reverse-scored items counted as 6 - answer), per dimension and department, then per role. Groups of fewer than {n} respondents are hidden for anonymity, and their free-text answers are not shown.",
        "ru": "Оценки по стандартной анкете (1-5, больше — лучше; обратные вопросы считаются как 6 - ответ) по измерениям и отделам, затем по ролям. Группы меньше {n} респондентов скрыты ради анонимности, их свободные ответы не показываются.",
    },
    "tc.survey.unknown": {
        "en": "{n} question ids in the survey are not items of the standard questionnaire and are not scored: {ids}. Send the questionnaire from data/templates/ to score the dimensions.",
        "ru": "{n} идентификаторов вопросов в опросе не входят в стандартную анкету и не оцениваются: {ids}. Чтобы получить оценки по измерениям, разошлите анкету из data/templates/.",
    },
    "tc.survey.none": {"en": "No answers to this step's items of the standard questionnaire.", "ru": "Нет ответов на вопросы стандартной анкеты для этого шага."},
    "tc.survey.by_role": {"en": "By role", "ru": "По ролям"},
    "tc.survey.sizes": {"en": "Respondents per department", "ru": "Респонденты по отделам"},
    "tc.survey.free_text": {"en": "Free-text answers", "ru": "Свободные ответы"},
    "tc.survey.free_text.none": {"en": "No free-text answers from a group large enough to show.", "ru": "Нет свободных ответов от групп достаточного размера."},
    "tc.filter.note": {
        "en": "Choose a team to see its score and stale deals (JupyterLab only).",
        "ru": "Выберите команду, чтобы увидеть её оценку и зависшие сделки (только в JupyterLab).",
    },
    "tc.col.table": {"en": "Table", "ru": "Таблица"},
    "tc.col.column": {"en": "Column", "ru": "Столбец"},
    "tc.col.status": {"en": "Status", "ru": "Статус"},
    "tc.col.key": {"en": "Key field", "ru": "Ключевое поле"},
    "tc.col.needed": {"en": "Rows needing a value", "ru": "Строк, где нужно значение"},
    "tc.col.filled": {"en": "Filled", "ru": "Заполнено"},
    "tc.col.share": {"en": "Share", "ru": "Доля"},
    "tc.col.level": {"en": "Level", "ru": "Уровень"},
    "tc.col.group": {"en": "Group", "ru": "Группа"},
    "tc.col.deals": {"en": "Deals", "ru": "Сделок"},
    "tc.col.completeness": {"en": "Completeness", "ru": "Полнота"},
    "tc.col.freshness": {"en": "Freshness", "ru": "Актуальность"},
    "tc.col.consistency": {"en": "Consistency", "ru": "Согласованность"},
    "tc.col.validity": {"en": "Validity", "ru": "Корректность"},
    "tc.col.score": {"en": "Score", "ru": "Оценка"},
    "tc.col.rep": {"en": "Rep", "ru": "Менеджер"},
    "tc.col.team": {"en": "Team", "ru": "Команда"},
    "tc.col.deal_id": {"en": "Deal", "ru": "Сделка"},
    "tc.col.stage": {"en": "Stage", "ru": "Этап"},
    "tc.col.amount": {"en": "Amount", "ru": "Сумма"},
    "tc.col.last_sign": {"en": "Last sign of life", "ru": "Последний признак жизни"},
    "tc.col.idle_days": {"en": "Idle, days", "ru": "Без движения, дней"},
    "tc.col.expected_close_at": {"en": "Expected close", "ru": "Ожидаемое закрытие"},
    "tc.col.activities": {"en": "Activities", "ru": "Активностей"},
    "tc.col.median_lag_hours": {"en": "Median lag, hours", "ru": "Медианная задержка, ч"},
    "tc.col.p90_lag_hours": {"en": "p90 lag, hours", "ru": "90-й перцентиль задержки, ч"},
    "tc.col.late_share": {"en": "Logged late", "ru": "Внесено поздно"},
    "tc.col.rows": {"en": "Rows kept", "ru": "Строк оставлено"},
    "tc.col.duplicate_row": {"en": "Exact repeats", "ru": "Точные повторы"},
    "tc.col.duplicate_id": {"en": "Key repeats", "ru": "Повторы ключа"},
    "tc.col.tool": {"en": "Tool", "ru": "Инструмент"},
    "tc.col.category": {"en": "Category", "ru": "Категория"},
    "tc.col.seats": {"en": "Seats", "ru": "Мест"},
    "tc.col.active_users": {"en": "Active users", "ru": "Активных пользователей"},
    "tc.col.utilisation": {"en": "Seats in use", "ru": "Используется мест"},
    "tc.col.unused_seats": {"en": "Unused seats", "ru": "Неиспользуемых мест"},
    "tc.col.monthly_cost": {"en": "Monthly cost", "ru": "Стоимость в месяц"},
    "tc.col.cost_per_active_user": {"en": "Cost per active user", "ru": "Стоимость на активного пользователя"},
    "tc.col.unused_cost": {"en": "Cost of unused seats", "ru": "Стоимость неиспользуемых мест"},
    "tc.col.integrated": {"en": "Integrated with the CRM", "ru": "Интеграция с CRM"},
    "tc.col.overlap": {"en": "Category shared", "ru": "Категория совпадает"},
    "tc.col.tools": {"en": "Tools", "ru": "Инструменты"},
    "tc.col.weeks": {"en": "Weeks", "ru": "Недель"},
    "tc.col.weeks_logged": {"en": "Weeks with activity", "ru": "Недель с активностью"},
    "tc.col.department": {"en": "Department", "ru": "Отдел"},
    "tc.col.role": {"en": "Role", "ru": "Роль"},
    "tc.col.dimension": {"en": "Dimension id", "ru": "Код измерения"},
    "tc.col.label": {"en": "Dimension", "ru": "Измерение"},
    "tc.col.respondents": {"en": "Respondents", "ru": "Респондентов"},
    "tc.col.hidden": {"en": "Hidden (too few)", "ru": "Скрыто (мало ответов)"},
    "tc.col.question_id": {"en": "Item", "ru": "Номер вопроса"},
    "tc.col.question": {"en": "Question", "ru": "Вопрос"},
    "tc.col.answer": {"en": "Answer", "ru": "Ответ"},
    "tc.level.company": {"en": "company", "ru": "компания"},
    "tc.col.skipped": {"en": "Skip a stage", "ru": "Пропускают этап"},
    "tc.col.moved_back": {"en": "Move back", "ru": "Возвращаются назад"},
    "tc.level.team": {"en": "team", "ru": "команда"},
    "tc.level.rep": {"en": "rep", "ru": "менеджер"},
    # -- step 6, communication (add step 6's keys below this line) --
    "comms.h.lead_response": {"en": "Lead response", "ru": "Скорость ответа на лиды"},
    "comms.lead.note": {
        "en": "Hours from a lead's creation to its first contact, for the leads created in the period. Leads not contacted by the end of the period are censored (they have waited at least that long), so the median and p90 are Kaplan-Meier estimates, and the overall median is step 2's KPI. The share within the SLA ({sla} hours) leaves out leads still waiting but not yet for {sla} hours.",
        "ru": "Часы от создания лида до первого контакта для лидов, созданных в периоде. Лиды без контакта к концу периода цензурированы (ждут как минимум столько), поэтому медиана и 90-й перцентиль — оценки Каплана-Мейера, а общая медиана совпадает с KPI шага 2. Доля в рамках SLA ({sla} ч) не учитывает лиды, которые ещё ждут, но меньше {sla} ч.",
    },
    "comms.lead.summary": {
        "en": "Median {median} hours, p90 {p90} hours, {within} within the SLA, over {leads} leads ({waiting} still waiting at the end).",
        "ru": "Медиана {median} ч, 90-й перцентиль {p90} ч, в рамках SLA {within}, всего лидов {leads} ({waiting} ещё ждут на конец периода).",
    },
    "comms.lead.by_source": {"en": "By source", "ru": "По источникам"},
    "comms.lead.by_rep": {"en": "By rep", "ru": "По менеджерам"},
    "comms.lead.by_weekday": {"en": "By weekday of creation", "ru": "По дню недели создания"},
    "comms.lead.by_hour": {"en": "By hour of creation", "ru": "По часу создания"},
    "comms.lead.figure": {"en": "Lead response by source (median bar, p90 tick)", "ru": "Скорость ответа по источникам (медиана — столбец, 90-й перцентиль — штрих)"},
    "comms.lead.heatmap": {"en": "Median hours to first contact by weekday and hour of creation", "ru": "Медиана часов до первого контакта по дню недели и часу создания"},
    "comms.hours": {"en": "Hours", "ru": "Часы"},
    "comms.hour": {"en": "Hour of creation", "ru": "Час создания"},
    "comms.weekday": {"en": "Weekday", "ru": "День недели"},
    "comms.sla": {"en": "SLA", "ru": "SLA"},
    "comms.lead.never": {"en": "Leads never contacted", "ru": "Лиды без контакта"},
    "comms.never.summary": {
        "en": "{waiting} leads had no first contact by the end of the period; {overdue} of them ({share} of all leads) had waited longer than the SLA.",
        "ru": "{waiting} лидов не получили первого контакта к концу периода; {overdue} из них ({share} всех лидов) ждали дольше SLA.",
    },
    "comms.h.handoffs": {"en": "Handoffs between departments", "ru": "Передача задач между отделами"},
    "comms.handoff.note": {
        "en": "Hours from a request's creation to its response and to its resolution, per department pair, for the requests created in the period. Requests not answered by the end are censored (Kaplan-Meier medians). A breach is a response after the SLA of {sla} hours, or no response after waiting longer than it.",
        "ru": "Часы от создания запроса до ответа и до решения по парам отделов, для запросов, созданных в периоде. Запросы без ответа к концу периода цензурированы (медианы Каплана-Мейера). Нарушение — ответ позже SLA {sla} ч или отсутствие ответа дольше этого срока.",
    },
    "comms.handoff.matrix": {"en": "Median hours to a response, by department pair", "ru": "Медиана часов до ответа по парам отделов"},
    "comms.handoff.resolution": {"en": "Median resolution hours by department pair", "ru": "Медиана часов до решения по парам отделов"},
    "comms.handoff.from": {"en": "Requesting department", "ru": "Запрашивающий отдел"},
    "comms.handoff.to": {"en": "Answering department", "ru": "Отвечающий отдел"},
    "comms.handoff.slowest": {"en": "Slowest pairs and SLA breaches", "ru": "Самые медленные пары и нарушения SLA"},
    "comms.handoff.trend": {"en": "Median response hours by month", "ru": "Медиана часов до ответа по месяцам"},
    "comms.handoff.trend_note": {"en": "Complete months only; all pairs together and the two slowest pairs.", "ru": "Только полные месяцы; все пары вместе и две самые медленные пары."},
    "comms.month": {"en": "Month", "ru": "Месяц"},
    "comms.h.survey": {"en": "What the departments say", "ru": "Что говорят отделы"},
    "comms.survey.heatmap": {"en": "How each department rates each counterpart (1-5)", "ru": "Как каждый отдел оценивает другие (1-5)"},
    "comms.survey.rater": {"en": "Rating department", "ru": "Оценивающий отдел"},
    "comms.survey.rated": {"en": "Rated department", "ru": "Оцениваемый отдел"},
    "comms.survey.gap": {"en": "Sales and each department, both ways", "ru": "Продажи и другие отделы: взаимные оценки"},
    "comms.survey.gap_note": {
        "en": "How sales rates a department against how that department rates sales; a gap above {gap} point is a finding.",
        "ru": "Как продажи оценивают отдел и как этот отдел оценивает продажи; расхождение больше {gap} балла — вывод.",
    },
    "comms.h.collaboration": {"en": "Collaboration inside sales", "ru": "Взаимодействие внутри продаж"},
    "comms.collab.summary": {
        "en": "{shared} of {deals} deals created in the period with activities ({share}) were worked by more than one person.",
        "ru": "{shared} из {deals} созданных в периоде сделок с активностями ({share}) вели больше одного человека.",
    },
    "comms.collab.handovers": {"en": "Reps who worked another rep's deals", "ru": "Менеджеры, работавшие по чужим сделкам"},
    "comms.collab.none": {"en": "No rep logged activities on another rep's deal.", "ru": "Ни один менеджер не вносил активности по чужим сделкам."},
    "comms.filter.note": {
        "en": "Choose a department to see the handoffs it sends or answers, and a team to see its leads' response (JupyterLab only).",
        "ru": "Выберите отдел, чтобы увидеть его запросы и ответы, и команду — чтобы увидеть скорость ответа на её лиды (только в JupyterLab).",
    },
    "comms.col.source": {"en": "Source", "ru": "Источник"},
    "comms.col.all": {"en": "Leads", "ru": "Лиды"},
    "comms.col.weekday": {"en": "Weekday", "ru": "День недели"},
    "comms.col.hour": {"en": "Hour", "ru": "Час"},
    "comms.col.leads": {"en": "Leads", "ru": "Лидов"},
    "comms.col.contacted": {"en": "Contacted", "ru": "С контактом"},
    "comms.col.waiting": {"en": "Still waiting", "ru": "Ещё ждут"},
    "comms.col.median_hours": {"en": "Median, hours", "ru": "Медиана, ч"},
    "comms.col.p90_hours": {"en": "p90, hours", "ru": "90-й перцентиль, ч"},
    "comms.col.within_sla": {"en": "Within SLA", "ru": "В рамках SLA"},
    "comms.col.judged": {"en": "Judged on", "ru": "Оценено лидов"},
    "comms.col.overdue": {"en": "Waiting beyond the SLA", "ru": "Ждут дольше SLA"},
    "comms.col.overdue_share": {"en": "Share of leads", "ru": "Доля лидов"},
    "comms.col.from_dept": {"en": "From", "ru": "От кого"},
    "comms.col.to_dept": {"en": "To", "ru": "Кому"},
    "comms.col.requests": {"en": "Requests", "ru": "Запросов"},
    "comms.col.answered": {"en": "Answered", "ru": "С ответом"},
    "comms.col.median_response_hours": {"en": "Median response, hours", "ru": "Медиана ответа, ч"},
    "comms.col.p90_response_hours": {"en": "p90 response, hours", "ru": "90-й перцентиль ответа, ч"},
    "comms.col.median_resolution_hours": {"en": "Median resolution, hours", "ru": "Медиана решения, ч"},
    "comms.col.breaches": {"en": "SLA breaches", "ru": "Нарушений SLA"},
    "comms.col.breach_share": {"en": "Breach share", "ru": "Доля нарушений"},
    "comms.col.department": {"en": "Department", "ru": "Отдел"},
    "comms.col.sales_rates_them": {"en": "Sales rates them", "ru": "Оценка от продаж"},
    "comms.col.sales_respondents": {"en": "Sales respondents", "ru": "Респондентов из продаж"},
    "comms.col.they_rate_sales": {"en": "They rate sales", "ru": "Их оценка продаж"},
    "comms.col.their_respondents": {"en": "Their respondents", "ru": "Их респондентов"},
    "comms.col.gap": {"en": "Gap", "ru": "Разница"},
    "comms.col.owner": {"en": "Owner", "ru": "Владелец"},
    "comms.col.helper": {"en": "Worked by", "ru": "Работал"},
    "comms.col.deals": {"en": "Deals", "ru": "Сделок"},
    "comms.col.shared_deals": {"en": "Deals worked by several", "ru": "Сделок, которые вели несколько человек"},
    "comms.col.shared_share": {"en": "Share", "ru": "Доля"},
    "comms.col.complete": {"en": "Complete month", "ru": "Полный месяц"},
    "comms.lead.none": {"en": "No lead was created in the period.", "ru": "В периоде не создано ни одного лида."},
    "comms.handoff.none": {"en": "No request between departments was created in the period.", "ru": "В периоде не создано ни одного запроса между отделами."},
    "comms.wd.Mon": {"en": "Mon", "ru": "Пн"},
    "comms.wd.Tue": {"en": "Tue", "ru": "Вт"},
    "comms.wd.Wed": {"en": "Wed", "ru": "Ср"},
    "comms.wd.Thu": {"en": "Thu", "ru": "Чт"},
    "comms.wd.Fri": {"en": "Fri", "ru": "Пт"},
    "comms.wd.Sat": {"en": "Sat", "ru": "Сб"},
    "comms.wd.Sun": {"en": "Sun", "ru": "Вс"},
    # -- import profiles and inspect (add their keys below this line) --
    # -- steps 1 and 7, the plan and the review (add their keys below this line) --
    "plan.title": {"en": "Improvement plan", "ru": "План улучшений"},
    "plan.days": {"en": "{n} days", "ru": "{n} дн."},
    "plan.none": {"en": "None.", "ru": "Нет."},
    "plan.intro": {"en": "The plan turns the findings of steps 1 to 6, with the consultant's review applied, into ranked actions, a maturity profile and a 30/60/90-day roadmap.", "ru": "План превращает выводы шагов 1–6 с учётом решений консультанта в ранжированные действия, профиль зрелости и дорожную карту на 30/60/90 дней."},
    "plan.needs_run": {"en": "The plan needs the findings of a run of steps 1 to 6; this notebook has no run folder, so only the rules are shown. Run the audit (auditkit run params/<client>.yaml) to see the plan.", "ru": "Плану нужны выводы шагов 1–6 одного запуска аудита; у этого блокнота нет папки запуска, поэтому показаны только правила. Запустите аудит (auditkit run params/<client>.yaml), чтобы увидеть план."},
    "plan.no_findings": {"en": "The run has no findings left after the review: there is nothing to plan.", "ru": "После проверки в запуске не осталось выводов: планировать нечего."},
    "plan.h.summary": {"en": "Executive summary", "ru": "Краткое резюме для руководства"},
    "plan.h.problems": {"en": "The three biggest problems", "ru": "Три главные проблемы"},
    "plan.h.first_actions": {"en": "The three first actions", "ru": "Три первых действия"},
    "plan.h.effect": {"en": "Expected effect", "ru": "Ожидаемый эффект"},
    "plan.h.actions": {"en": "Actions, ranked", "ru": "Действия по приоритету"},
    "plan.h.whatif": {"en": "What if the target is reached", "ru": "Что, если цель будет достигнута"},
    "plan.h.maturity": {"en": "Maturity profile", "ru": "Профиль зрелости"},
    "plan.h.roadmap": {"en": "Roadmap: 30, 60 and 90 days", "ru": "Дорожная карта: 30, 60 и 90 дней"},
    "plan.h.findings": {"en": "Findings in the plan", "ru": "Выводы, вошедшие в план"},
    "plan.h.dismissed": {"en": "Findings dismissed in review", "ru": "Выводы, отклонённые при проверке"},
    "plan.h.archived": {"en": "Archived decisions (the finding is not in this run)", "ru": "Архивные решения (вывода нет в этом запуске)"},
    "plan.rule.ranking": {"en": "Ranking rule: score = impact × confidence / effort. Impact = the severity points of the most severe finding the action answers (low 1, medium 2, high 3, critical 4), plus {breadth} for each further finding (at most {cap}), plus up to {money} points in proportion to its revenue at stake against the largest in the plan. Confidence = the mean over its findings of sample size / {solid} (between {low} and 1; {unknown} when the sample size is not recorded), halved for a finding resting on an estimate. Effort divides by 1 (low), {medium} (medium) or {high} (high).", "ru": "Правило ранжирования: балл = влияние × уверенность / трудозатраты. Влияние — баллы серьёзности самого серьёзного вывода, на который отвечает действие (низкая 1, средняя 2, высокая 3, критическая 4), плюс {breadth} за каждый следующий вывод (не более {cap}), плюс до {money} баллов пропорционально выручке под риском относительно наибольшей в плане. Уверенность — среднее по выводам от размера выборки / {solid} (от {low} до 1; {unknown}, если размер выборки не записан), вдвое меньше для вывода, основанного на оценке. Трудозатраты делят балл на 1 (низкие), {medium} (средние) или {high} (высокие)."},
    "plan.rule.maturity": {"en": "Maturity rule: each area starts at 5 and loses points for every finding about it (low {low}, medium {medium}, high {high}, critical {critical}); the score is rounded down and never below 1. An area whose data the audit did not have is not assessed. 1 ad hoc, 2 emerging, 3 defined, 4 managed, 5 optimised.", "ru": "Правило зрелости: каждая область начинается с 5 и теряет баллы за каждый вывод о ней (низкая {low}, средняя {medium}, высокая {high}, критическая {critical}); балл округляется вниз и не опускается ниже 1. Область, данных по которой у аудита не было, не оценивается. 1 — стихийный, 2 — начальный, 3 — определённый, 4 — управляемый, 5 — оптимизированный."},
    "plan.whatif.assumption": {"en": "If {stage} converted at {target}: of the {entered} deals that entered it in {months} months, the extra deals that pass are assumed to win as often as deals after the stage do today ({win}), at today's average won deal ({avg}).", "ru": "Если бы этап «{stage}» конвертировал {target}: из {entered} сделок, вошедших в него за {months} мес., дополнительные прошедшие сделки выигрываются так же часто, как сделки после этапа сейчас ({win}), со средней суммой выигранной сделки ({avg})."},
    "plan.whatif.missing": {"en": "Not available, because the run does not have: {what}.", "ru": "Недоступно, потому что в запуске нет: {what}."},
    "plan.whatif.assumption_deals": {"en": "If {stage} converted at {target}: of the {entered} deals that entered it in {months} months, the extra deals that pass are assumed to win as often as deals after the stage do today ({win}).", "ru": "Если бы этап «{stage}» конвертировал {target}: из {entered} сделок, вошедших в него за {months} мес., дополнительные прошедшие сделки выигрываются так же часто, как сделки после этапа сейчас ({win})."},
    "plan.whatif.no_revenue": {"en": "Their revenue is not available, because the run does not have: {what}.", "ru": "Выручка по ним недоступна, потому что в запуске нет: {what}."},
    "plan.whatif.need.entered": {"en": "the deals that entered the stage", "ru": "число сделок, вошедших в этап"},
    "plan.whatif.need.downstream_win_rate": {"en": "the win rate of the deals after the stage (step 3)", "ru": "доля выигранных среди сделок после этапа (шаг 3)"},
    "plan.whatif.need.avg_won_deal": {"en": "the average won deal (step 2)", "ru": "средняя выигранная сделка (шаг 2)"},
    "plan.whatif.need.period": {"en": "the length of the audit period", "ru": "длительность периода аудита"},
    "plan.whatif.benchmark": {"en": "The target is the finding's reference: {benchmark}.", "ru": "Цель — ориентир из вывода: {benchmark}."},
    "plan.whatif.none": {"en": "None of the top actions answers a stage-conversion finding with a target, so no what-if is computed.", "ru": "Ни одно из главных действий не отвечает на вывод о конверсии этапа с целью, поэтому сценарий «что, если» не рассчитан."},
    "plan.summary.effect_money": {"en": "Reaching the stage targets would add about {won} and {money} of revenue per quarter (see the assumptions under What if).", "ru": "Достижение целей по этапам дало бы примерно {won} и {money} выручки в квартал (допущения — в разделе «Что, если»)."},
    "plan.summary.effect_deals": {"en": "Reaching the stage targets would add about {won} per quarter; their revenue is not available (see What if).", "ru": "Достижение целей по этапам дало бы примерно {won} в квартал; выручка по ним недоступна (см. «Что, если»)."},
    "plan.summary.effect_money_only": {"en": "Reaching the stage targets would add about {money} of revenue per quarter (see the assumptions under What if).", "ru": "Достижение целей по этапам дало бы примерно {money} выручки в квартал (допущения — в разделе «Что, если»)."},
    "plan.summary.effect_text": {"en": "Expected effect of the first actions: {effects}.", "ru": "Ожидаемый эффект первых действий: {effects}."},
    "plan.review.note": {"en": "{status} by {by} on {at}.", "ru": "{status}: {by}, {at}."},
    "plan.review.severity": {"en": "Severity set to {severity}.", "ru": "Серьёзность изменена на {severity}."},
    "plan.status.open": {"en": "Reviewed", "ru": "Просмотрено"},
    "plan.status.accepted": {"en": "Accepted", "ru": "Принято"},
    "plan.status.dismissed": {"en": "Dismissed", "ru": "Отклонено"},
    "plan.area.pipeline": {"en": "Pipeline management", "ru": "Управление воронкой"},
    "plan.area.leads": {"en": "Lead qualification and response", "ru": "Квалификация лидов и скорость ответа"},
    "plan.area.discipline": {"en": "Sales-process discipline", "ru": "Дисциплина процесса продаж"},
    "plan.area.people": {"en": "People development", "ru": "Развитие сотрудников"},
    "plan.area.crm": {"en": "CRM and tools", "ru": "CRM и инструменты"},
    "plan.area.alignment": {"en": "Cross-department alignment", "ru": "Взаимодействие отделов"},
    "plan.level.adhoc": {"en": "Ad hoc", "ru": "Стихийный"},
    "plan.level.emerging": {"en": "Emerging", "ru": "Начальный"},
    "plan.level.defined": {"en": "Defined", "ru": "Определённый"},
    "plan.level.managed": {"en": "Managed", "ru": "Управляемый"},
    "plan.level.optimised": {"en": "Optimised", "ru": "Оптимизированный"},
    "plan.level.none": {"en": "Not assessed", "ru": "Не оценивалось"},
    "plan.col.action": {"en": "Action", "ru": "Действие"},
    "plan.col.key": {"en": "Key", "ru": "Ключ"},
    "plan.col.item": {"en": "Item", "ru": "Пункт"},
    "plan.col.part": {"en": "Part", "ru": "Раздел"},
    "plan.col.id": {"en": "Finding id", "ru": "Идентификатор вывода"},
    "plan.col.own": {"en": "Findings naming it", "ru": "Выводов, где оно указано"},
    "plan.col.rank": {"en": "Rank", "ru": "Место"},
    "plan.col.text": {"en": "Action", "ru": "Действие"},
    "plan.col.findings": {"en": "Findings", "ru": "Выводы"},
    "plan.col.money_at_stake": {"en": "Revenue at stake", "ru": "Выручка под риском"},
    "plan.col.impact": {"en": "Impact", "ru": "Влияние"},
    "plan.col.confidence": {"en": "Confidence", "ru": "Уверенность"},
    "plan.col.effort": {"en": "Effort", "ru": "Трудозатраты"},
    "plan.col.score": {"en": "Score", "ru": "Балл"},
    "plan.col.owner": {"en": "Owner", "ru": "Ответственный"},
    "plan.col.timeframe": {"en": "Days", "ru": "Дней"},
    "plan.col.kpi": {"en": "KPI that shows progress", "ru": "Показатель прогресса"},
    "plan.col.effect": {"en": "Expected effect", "ru": "Ожидаемый эффект"},
    "plan.col.subject": {"en": "Stage", "ru": "Этап"},
    "plan.col.current": {"en": "Current", "ru": "Сейчас"},
    "plan.col.target": {"en": "Target", "ru": "Цель"},
    "plan.col.extra_won": {"en": "More won deals per quarter", "ru": "Доп. выигранных сделок в квартал"},
    "plan.col.extra_revenue": {"en": "More revenue per quarter", "ru": "Доп. выручка в квартал"},
    "plan.col.assumption": {"en": "Assumption", "ru": "Допущение"},
    "plan.col.label": {"en": "Area", "ru": "Область"},
    "plan.col.level": {"en": "Level", "ru": "Уровень"},
    "plan.col.evidence": {"en": "Evidence", "ru": "Основание"},
    "plan.col.title": {"en": "Finding", "ru": "Вывод"},
    "plan.col.severity": {"en": "Severity", "ru": "Серьёзность"},
    "plan.col.reviewed": {"en": "Review", "ru": "Проверка"},
    "plan.col.step": {"en": "Step", "ru": "Шаг"},
    "plan.col.reason": {"en": "Reason", "ru": "Причина"},
    "plan.col.comment": {"en": "Comment", "ru": "Комментарий"},
    "plan.effort.low": {"en": "low", "ru": "низкие"},
    "plan.effort.medium": {"en": "medium", "ru": "средние"},
    "plan.effort.high": {"en": "high", "ru": "высокие"},
    "review.panel": {"en": "Review the findings (saved beside the params file; applied at the next run)", "ru": "Проверка выводов (сохраняется рядом с файлом параметров; применяется при следующем запуске)"},
    "review.open": {"en": "Not decided", "ru": "Без решения"},
    "review.status": {"en": "Decision", "ru": "Решение"},
    "review.keep_severity": {"en": "as found", "ru": "как в выводе"},
    "review.by": {"en": "Reviewer", "ru": "Проверяющий"},
    "review.save": {"en": "Save", "ru": "Сохранить"},
    "review.need_name": {"en": "Enter the reviewer's name before saving.", "ru": "Перед сохранением укажите имя проверяющего."},
    "review.saved": {"en": "Saved.", "ru": "Сохранено."},
    "review.refused": {"en": "Not saved (a dismissal needs a reason): {titles}.", "ru": "Не сохранено (для отклонения нужна причина): {titles}."},
    # -- the review marks in the step pages and the report (add their keys below this line) --
    "review.mark.reason": {"en": "Reason: {reason}.", "ru": "Причина: {reason}."},
    "review.mark.severity": {"en": "Severity {old} → {new}.", "ru": "Серьёзность: {old} → {new}."},
    "review.mark.comment": {"en": "Comment: {comment}", "ru": "Комментарий: {comment}"},
    "review.mark.step_note": {"en": "The Review column shows the consultant's decisions, with who made them and when. Dismissed findings are listed last: they stay on this page but leave the plan.", "ru": "В столбце «Проверка» — решения консультанта: кто и когда их принял. Отклонённые выводы стоят в конце: они остаются на этой странице, но не входят в план."},
    "review.mark.dismissed": {"en": "dismissed", "ru": "отклонено"},
    "review.unreadable": {"en": "The review file {file} could not be read ({error}), so the findings are shown without the review.", "ru": "Файл решений проверки {file} не удалось прочитать ({error}), поэтому выводы показаны без учёта проверки."},
    "review.no_params": {"en": "No review panel: this notebook has no params file (params_path is empty), and the review decisions are saved beside it. Open the client's notebooks with auditkit lab params/<client>.yaml.", "ru": "Панели проверки нет: у этого блокнота нет файла параметров (params_path пуст), а решения проверки сохраняются рядом с ним. Откройте блокноты клиента командой auditkit lab params/<client>.yaml."},
    "checklist.title": {"en": "Data request: {client}", "ru": "Запрос данных: {client}"},
    "checklist.intro": {"en": "Please send these exports from the CRM before the audit starts. Required tables are needed for the audit's goals; without an optional table, the part it feeds is not assessed.", "ru": "Пожалуйста, пришлите эти выгрузки из CRM до начала аудита. Обязательные таблицы нужны для целей аудита; без необязательной таблицы часть аудита, которую она питает, не оценивается."},
    "checklist.required": {"en": "required", "ru": "обязательно"},
    "checklist.optional": {"en": "optional", "ru": "желательно"},
    "checklist.yes": {"en": "yes", "ru": "да"},
    "checklist.no": {"en": "no", "ru": "нет"},
    "checklist.col.label": {"en": "Table", "ru": "Таблица"},
    "checklist.col.need": {"en": "Needed", "ru": "Нужна"},
    "checklist.col.required_columns": {"en": "Required columns", "ru": "Обязательные столбцы"},
    "checklist.col.optional_columns": {"en": "Optional columns", "ru": "Необязательные столбцы"},
    "checklist.col.goals": {"en": "Goals that need it", "ru": "Цели, которым она нужна"},
    "checklist.col.steps": {"en": "Steps", "ru": "Шаги"},
    "checklist.col.lost": {"en": "Lost without it", "ru": "Что теряется без неё"},
    "checklist.col.provided": {"en": "In the params", "ru": "Указана в параметрах"},
    "compare.title": {"en": "Since the last audit", "ru": "С прошлого аудита"},
    "compare.h.kpis": {"en": "KPIs", "ru": "Показатели"},
    "compare.h.maturity": {"en": "Maturity", "ru": "Зрелость"},
    "compare.h.findings": {"en": "Findings opened, closed and persisting", "ru": "Выводы: новые, закрытые и сохранившиеся"},
    "compare.opened": {"en": "opened", "ru": "новый"},
    "compare.closed": {"en": "closed", "ru": "закрыт"},
    "compare.persisting": {"en": "persisting", "ru": "сохраняется"},
    "compare.runs": {"en": "Earlier run: {a}. Later run: {b}.", "ru": "Ранний запуск: {a}. Поздний запуск: {b}."},
    "compare.col.label": {"en": "Measure", "ru": "Показатель"},
    "compare.col.before": {"en": "Before", "ru": "Было"},
    "compare.col.after": {"en": "After", "ru": "Стало"},
    "compare.col.change": {"en": "Change", "ru": "Изменение"},
    "compare.col.status": {"en": "Status", "ru": "Статус"},
    "compare.col.severity": {"en": "Severity", "ru": "Важность"},
    "compare.col.title": {"en": "What", "ru": "Суть"},
}


def _load_files() -> None:
    """Merge the catalog's data files (``auditkit/catalog/text/*.yaml``) into :data:`CATALOG`; a key defined
    twice is an error, so every text lives in one place."""
    from importlib import resources

    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the same safe loader, faster
    folder = resources.files("auditkit.catalog").joinpath("text")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for key, texts in (yaml.load(entry.read_text(encoding="utf-8"), Loader=loader) or {}).items():
            if key in CATALOG:
                raise ValueError(f"catalog/text/{entry.name}: {key!r} is defined twice")
            if not (isinstance(texts, dict) and texts.get("en")) or set(texts) - {"en", "ru"}:
                raise ValueError(f"catalog/text/{entry.name}: {key!r} needs exactly 'en' (and 'ru') texts; quote texts with commas")
            CATALOG[str(key)] = {str(k): str(v) for k, v in texts.items()}


_load_files()


def has(key: str) -> bool:
    """Whether the catalog holds ``key``."""
    return key in CATALOG


def word(value: object, lang: str = "en", prefix: str = "word") -> object:
    """``value`` in ``lang`` when the catalog has ``<prefix>.<value>`` or ``word.<value>`` (internal keys,
    normalised reasons), else ``value`` itself (client text stays as written)."""
    if not isinstance(value, str):
        return value
    for key in (f"{prefix}.{value}", f"word.{value}"):
        if key in CATALOG:
            return t(key, lang)
    return value


def plural(n: float, key: str, lang: str = "en") -> str:
    """``n`` and the noun ``key`` in the plural form the language's rules call for (CLDR, through babel):
    "1 row", "3 rows"; "1 строка", "3 строки", "5 строк"."""
    from babel import Locale

    from .format import LOCALES, Formatter

    forms = t(key, lang).split("|")
    rule = Locale.parse(LOCALES.get(lang, "en_GB")).plural_form(abs(n))
    order = ("one", "few", "many") if len(forms) == 3 else ("one", "other")
    index = order.index(rule) if rule in order else len(forms) - 1
    return f"{Formatter(lang).number(n)} {forms[min(index, len(forms) - 1)]}"


def t(key: str, lang: str = "en", **values: object) -> str:
    """The catalogue text for ``key`` in ``lang`` (English when not translated), formatted with ``values``.

    A replacement field may name what its value is, so that a caller passes the kit's own keys and the reader sees
    names in ``lang``: ``{table:table}`` (a canonical table, e.g. ``deals`` -> "Сделки"), ``{column:field}``
    (a canonical column, e.g. ``lost_reason`` -> "Причина проигрыша") and ``{columns:fields}`` (a list of
    them, or a comma-separated string; see :func:`field_names`)."""
    entry = CATALOG[key]
    text = entry.get(lang) or entry["en"]
    if not values:
        return text
    if ":table}" in text or ":field" in text:
        return _NamesFormatter(lang).format(text, **values)
    return text.format(**values)


class _NamesFormatter(string.Formatter):
    """``str.format`` with the kit's name specs (``table``, ``field``, ``fields``) rendered in one language."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "table":
            return table_name(value, self.lang)
        if format_spec == "field":
            return field_name(value, self.lang)
        if format_spec == "fields":
            return field_names(value, self.lang)
        return str(super().format_field(value, format_spec))


def table_name(table: object, lang: str = "en") -> str:
    """A canonical table's name in ``lang`` (the catalog's ``table.<name>``: "deals" -> "Deals" / "Сделки");
    anything else as it is."""
    from ..schema import SPECS

    return t(f"table.{table}", lang) if table in SPECS else str(table)


def field_name(column: object, lang: str = "en") -> str:
    """A canonical column's name in ``lang`` (the catalog's ``field.<column>``: "lost_reason" -> "Lost reason"
    / "Причина проигрыша"). Also "a or b" (either column) and a column with a note in brackets ("score (1-5)");
    anything else (client text, a word already in ``lang``) as it is."""
    text = str(column)
    key = f"field.{text}"
    if key in CATALOG:
        return t(key, lang)
    if " or " in text:
        first, *rest = (field_name(part, lang) for part in text.split(" or "))
        return f" {t('word.or', lang)} ".join([first, *(r if r[1:2].isupper() else r[:1].lower() + r[1:] for r in rest)])
    head, sep, note = text.partition(" (")
    if sep and f"field.{head}" in CATALOG:
        return f"{t('field.' + head, lang)} ({note.replace('-', chr(0x2013))}"
    return text


def field_names(columns: object, lang: str = "en") -> str:
    """Canonical columns (a sequence, or one comma-separated string) named in ``lang``, comma-separated."""
    items = [c.strip() for c in columns.split(",")] if isinstance(columns, str) else [str(c) for c in columns]  # type: ignore[attr-defined]
    return ", ".join(field_name(c, lang) for c in items if c)


def what_name(what: str, lang: str = "en") -> str:
    """The subject of a "not available" record in ``lang``: ``kpi.<id>`` -> the KPI's label, ``table.<name>``
    -> the table's name; anything else as it is."""
    kind, _, name = what.partition(".")
    if kind == "kpi":
        from ..kpis import KPIS

        if name in KPIS:
            return KPIS[name].label_in(lang)
    if kind == "table":
        return table_name(name, lang)
    return what


def na_reason(code: str, lang: str = "en", **values: object) -> str:
    """A "not available, because ..." sentence in ``lang`` for a reason ``code`` (the catalog's ``na.<code>``);
    ``table`` and ``column`` are canonical names (shown as the tables' and columns' names in ``lang``), a
    ``share`` given as a fraction and counts given as numbers are formatted for ``lang``."""
    from .format import Formatter

    fields: dict[str, object] = {"table": "", "column": "", "share": "", "population": "", "n": "", "minimum": "", "known": "", "missing": "", **values}
    fmt = Formatter(lang)
    if isinstance(fields["n"], (int, float)) and not isinstance(fields["n"], bool):
        fields["rows"] = plural(fields["n"], "n.row_of", lang)  # "of 4 921 rows": the noun's form follows the number
    if isinstance(fields["share"], float):
        fields["share"] = fmt.share(fields["share"], 0)
    for name in ("n", "minimum", "known", "missing"):
        if isinstance(fields[name], (int, float)) and not isinstance(fields[name], bool):
            fields[name] = fmt.number(fields[name])
    if code == "no_values" and not fields["column"]:
        code = "no_values_any"
    return t(f"na.{code}", lang, **fields)
