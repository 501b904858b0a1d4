"""Headline KPIs against the small client's hand-computed values.

Period 2025-01-01 .. 2025-03-31 (see tests/conftest.py for the rows):
- created in period: D1 D2 D3 D4 D5 D7 D8 = 7 (D6 was created in December)
- won in period: D1 (1000, 20 d), D2 (3000, 40 d), D6 (600, 21 d) = 3, value 4600
  (D8 is won on 5 April: after the period, so it is open at period end)
- lost in period: D3 (500, "Price"), D4 (800, no reason) = 2, value 1300
- win rate 3 / 5 = 0.6; average won 4600 / 3; median won 1000; median cycle 21 d
- open at period end: D5 2000, D7 400, D8 9999 = 3 deals, 12399
- leads in period: L1 L2 L3 L4 = 4, two with a deal: 0.5; response hours 2, 10, 4 -> 4
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.metrics import kpis as K


@pytest.fixture
def small(small_client):
    params = load_params(small_client)
    return params, load(params)


def test_headline_kpis_match_hand_computed_values(small):
    params, data = small
    got = K.headline_kpis(data["deals"], params.period.start, params.period.end, data["leads"]).set_index("kpi")["value"]
    expected = {
        "deals_created": 7,
        "deals_won": 3,
        "deals_lost": 2,
        "won_value": 4600,
        "lost_value": 1300,
        "win_rate": 0.6,
        "avg_won_deal": 4600 / 3,
        "median_won_deal": 1000,
        "median_cycle_days": 21,
        "open_deals": 3,
        "open_pipeline_value": 12399,
        "lost_without_reason_share": 0.5,
        "leads": 4,
        "lead_to_deal_conversion": 0.5,
        "lead_response_hours": 4,
    }
    assert set(got.index) == set(expected)
    for kpi, value in expected.items():
        assert got[kpi] == pytest.approx(value), kpi


def test_kpis_without_leads_leave_lead_kpis_out(small):
    params, data = small
    got = K.headline_kpis(data["deals"], params.period.start, params.period.end)
    assert "leads" not in set(got["kpi"])
    assert got.set_index("kpi").at["deals_won", "value"] == 3


def test_win_rate_is_nan_when_nothing_closed(small):
    params, data = small
    got = K.headline_kpis(data["deals"], "2030-01-01", "2030-01-31").set_index("kpi")["value"]
    assert math.isnan(got["win_rate"]) and got["deals_created"] == 0


def test_kpis_vs_targets_direction_and_gap(small):
    params, data = small
    kpis = K.headline_kpis(data["deals"], params.period.start, params.period.end)
    vs = K.kpis_vs_targets(kpis, params.goals).set_index("kpi")
    assert vs.at["win_rate", "met"] and vs.at["win_rate", "gap"] == pytest.approx(0.1)
    # median cycle 21 d against a target of 14 d, lower is better: missed by 7 d
    assert not vs.at["median_cycle_days", "met"] and vs.at["median_cycle_days", "gap"] == pytest.approx(7)
    findings = K.kpi_findings(vs.reset_index())
    assert [f.id for f in findings] == ["kpi.median_cycle_days.off_target"]
    assert findings[0].severity == "high"  # 7 / 14 = 50 % off


def test_lost_by_reason_groups_and_shares(small):
    params, data = small
    got = K.lost_by_reason(data["deals"], params.period.start, params.period.end)
    assert got.set_index("reason")["deals"].to_dict() == {"Price": 1, "(no reason)": 1}
    assert got.set_index("reason").at["Price", "value"] == 500
    assert got["share"].sum() == pytest.approx(1.0)


def test_monthly_deals_counts_per_month(small):
    params, data = small
    got = K.monthly_deals(data["deals"], params.period.start, params.period.end)
    assert got["month"].tolist() == list(pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]))
    assert got["created"].tolist() == [2, 2, 3]
    assert got["won"].tolist() == [2, 1, 0]  # D6, D1 in Jan; D2 in Feb
    assert got["lost"].tolist() == [0, 1, 1]
    assert got["won_value"].tolist() == [1600, 3000, 0]
