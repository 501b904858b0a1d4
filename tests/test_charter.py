"""Step 1: charter, targets and the data-request checklist from the params."""

from __future__ import annotations

from auditkit import load_params
from auditkit.charter import charter, data_request, request_findings, targets
from auditkit.charter import checklist as checklist_of


def test_charter_targets_and_checklist(small_client):
    params = load_params(small_client)
    items = charter(params).set_index("item")["value"]
    assert items["Pipeline"] == "New → Qualified → Proposal → Won / Lost"
    assert items["Period"] == "1 Jan 2025 to 31 Mar 2025" and items["Funnel"] == "a deal counts for every stage it reached"
    ru = charter(params.model_copy(update={"language": "ru"})).set_index("item")["value"]
    assert ru["Период"].replace("\u202f", " ") == "с 1 янв. 2025 г. по 31 мар. 2025 г." and ru["Язык отчёта"] == "русский"
    goals = targets(params).set_index("kpi")
    assert goals.at["win_rate", "better"] == "higher" and goals.at["median_cycle_days", "better"] == "lower"
    assert goals.at["win_rate", "unit"] == "share"
    checklist = data_request(params).set_index("table")
    assert checklist["provided"].sum() == 2 and checklist.at["leads", "file"] == "leads.csv"
    assert checklist.at["deals", "required_columns"] == "deal_id, created_at, stage, amount, owner_id"
    # the data request the client reads names the columns as a reader does, in the report's language
    request = checklist_of(params).set_index("table")
    assert request.at["deals", "required_columns"] == "Deal ID, Created, Stage, Amount, Owner"
    ru = checklist_of(params.model_copy(update={"language": "ru"})).set_index("table")
    assert ru.at["targets", "required_columns"] == "Начало периода, Конец периода, План"
    missing = {f.subject: f for f in request_findings(checklist.reset_index())}
    assert len(missing) == 8
    assert missing["stage_history"].severity == "medium" and missing["tools"].severity == "low"
    assert missing["tools"].kind == "data.missing_table" and missing["tools"].action == "data.request_export"
    ru = targets(params.model_copy(update={"language": "ru"})).set_index("kpi")
    assert ru.at["win_rate", "label"] == "Доля выигранных (выиграно / закрыто)"
