"""The KPI registry against hand-computed values, and "not available" instead of numbers that lie.

The small client (tests/helpers.py), period 2025-01-01 .. 2025-03-31, as of 2025-04-01:
- created in period: D1 D2 D3 D4 D5 D7 D8 = 7 (D6 was created in December)
- won in period: D1 (1000, 20 d), D2 (3000, 40 d), D6 (600, 21 d) = 3, value 4600
  (D8 is won on 5 April: after the as-of moment, so it is open at period end)
- lost in period: D3 (500, "Price"), D4 (800, no reason) = 2, value 1300
- win rate 3 / 5 = 0.6; average won 4600 / 3; median won 1000; median cycle 21 d
- open at period end: D5 2000, D7 400, D8 9999 = 3 deals, 12399
- leads in period: L1 L2 L3 L4 = 4, two with a deal: 0.5
- response hours 2 (L1), 10 (L2), 4 (L3), L4 never contacted: censored at as_of (26 days).
  Kaplan-Meier: S drops to 3/4 at 2 h and to 2/4 at 4 h, so the median is 4 h.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from auditkit import load_params
from auditkit.actions import check_action
from auditkit.frame import POPULATIONS, build_frame, frame_from_tables
from auditkit.kpis import KPIS, evaluate, goal_check, goal_findings, kpi_table
from auditkit.params import parse_params
from auditkit.report.format import Formatter
from auditkit.units import UNITS

from helpers import ROOT

EXPECTED = {
    "deals_created": 7, "deals_won": 3, "deals_lost": 2, "won_value": 4600, "lost_value": 1300, "win_rate": 0.6,
    "avg_won_deal": 4600 / 3, "median_won_deal": 1000, "median_cycle_days": 21, "open_deals": 3,
    "open_pipeline_value": 12399, "lost_without_reason_share": 0.5, "leads": 4, "lead_to_deal_conversion": 0.5,
    "lead_response_hours": 4,
}


@pytest.fixture
def small(small_client):
    return build_frame(load_params(small_client))


def test_headline_kpis_match_hand_computed_values(small):
    got = kpi_table(small).set_index("kpi")
    assert set(got.index) == set(EXPECTED)
    for kpi, value in EXPECTED.items():
        assert got.at[kpi, "value"] == pytest.approx(value), kpi
    assert got["available"].all() and (got["reason"] == "").all()
    assert got.at["win_rate", "n"] == 5 and got.at["open_deals", "n"] == 3


def test_labels_follow_the_language(small):
    assert kpi_table(small, ["win_rate"], lang="ru")["label"].iloc[0] == "Доля выигранных (выиграно / закрыто)"


PARAMS = {
    "client": {"name": "X", "slug": "x"},
    "period": {"start": "2025-01-01", "end": "2025-03-31"},
    "pipeline": {"stages": ["New", "Proposal", "Won", "Lost"], "won": "Won", "lost": "Lost"},
    "goals": [{"kpi": "lost_without_reason_share", "target": 0.05}, {"kpi": "avg_won_deal", "target": 5000},
              {"kpi": "win_rate", "target": 0.9}],
    "data": {"tables": {"deals": {"path": "d.csv"}}},
}


def deals(**cols) -> pd.DataFrame:
    base = {
        "deal_id": ["a", "b", "c"], "created_at": ["2025-01-02", "2025-01-05", "2025-02-01"],
        "closed_at": ["2025-01-20", "2025-02-10", None], "stage": ["Won", "Lost", "New"], "owner_id": "r",
        "amount": [1000.0, 500.0, 700.0],
    }
    return pd.DataFrame({**base, **cols})


def test_an_absent_lost_reason_column_is_not_100_percent_missing_and_raises_nothing():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals()})
    v = evaluate(f, "lost_without_reason_share")
    assert v.value is None and v.reason() == "not available, because the deals export has no lost_reason column"
    check = goal_check(f, f.params.goals).set_index("kpi")
    assert pd.isna(check.at["lost_without_reason_share", "met"])
    found = {x.subject for x in goal_findings(goal_check(f, f.params.goals), Formatter())}
    assert found == {"avg_won_deal", "win_rate"}  # one finding per goal missed, none for the unavailable KPI


def test_empty_amounts_give_no_money_kpi_and_no_money_finding():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals(amount=[None, None, None])})
    table = kpi_table(f).set_index("kpi")
    for kpi in ("won_value", "lost_value", "avg_won_deal", "median_won_deal", "open_pipeline_value"):
        assert pd.isna(table.at[kpi, "value"]) and "amount is empty in every row" in table.at[kpi, "reason"], kpi
    assert table.at["win_rate", "value"] == 0.5
    assert {x.subject for x in goal_findings(goal_check(f, f.params.goals), Formatter())} == {"win_rate"}


def test_some_won_deals_without_amount_use_those_with_one_and_none_with_one_is_not_zero():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals(amount=[None, 500.0, 700.0])})
    v = evaluate(f, "won_value")
    assert v.value is None and v.reason() == "not available, because no row of deals won in the period has a amount"
    assert evaluate(f, "open_pipeline_value").value == 700.0


def test_nothing_closed_means_win_rate_not_defined_not_zero():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals(closed_at=[None] * 3, stage=["New"] * 3)})
    v = evaluate(f, "win_rate")
    assert v.value is None and v.reason() == "not available, because deals closed in the period has no rows"
    assert evaluate(f, "deals_won").value == 0.0  # a count of nothing is a true zero
    assert evaluate(f, "won_value").value == 0.0


def test_goal_check_direction_gap_and_severity(small):
    check = goal_check(small, small.params.goals).set_index("kpi")
    assert bool(check.at["win_rate", "met"]) and check.at["win_rate", "gap"] == pytest.approx(0.1)
    assert not check.at["median_cycle_days", "met"] and check.at["median_cycle_days", "relative_gap"] == pytest.approx(0.5)
    [f] = goal_findings(goal_check(small, small.params.goals), Formatter())
    assert (f.subject, f.severity, f.unit, f.action, f.value, f.target) == ("median_cycle_days", "high", "days", "process.shorten_cycle", 21.0, 14.0)
    assert f.title == "Median sales cycle of won deals, days: 21.0 against a target of 14.0"


def test_the_registry_is_complete_and_documented():
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    for k in KPIS.values():
        assert k.label["en"] and k.label["ru"] and k.formula["en"] and k.formula["ru"]
        assert k.unit in UNITS and k.population in POPULATIONS and k.better in ("max", "min")
        assert k.action is None or check_action(k.action)
        assert re.search(rf"\| `{k.id}` \|", doc), f"{k.id} is not defined in docs/data-model.md"
    for p in POPULATIONS:
        assert f"`{p}`" in doc, f"population {p} is not defined in docs/data-model.md"
