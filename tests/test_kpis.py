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
from auditkit.frame import POPULATIONS, AuditFrame, build_frame, frame_from_tables
from auditkit.io.load import AuditData
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


def deals(times: int = 10, **cols) -> pd.DataFrame:
    """A won, a lost and an open deal, ``times`` over (ids a0, b0, c0, a1, ...): with 10, 10 deals are won,
    enough to judge a rate or a median of won deals (MIN_JUDGED)."""
    base = pd.DataFrame({
        "deal_id": ["a", "b", "c"], "created_at": ["2025-01-02", "2025-01-05", "2025-02-01"],
        "closed_at": ["2025-01-20", "2025-02-10", None], "stage": ["Won", "Lost", "New"], "owner_id": "r",
        "amount": [1000.0, 500.0, 700.0],
    })
    for col, values in cols.items():
        base[col] = values
    out = pd.concat([base.assign(deal_id=base["deal_id"] + str(i)) for i in range(times)], ignore_index=True)
    return out


def test_an_absent_lost_reason_column_is_not_100_percent_missing_and_raises_nothing():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals()})
    v = evaluate(f, "lost_without_reason_share")
    assert v.value is None and v.reason() == "not available, because the Deals export has no Lost reason column"
    # the reason names the table and the column as a reader does, never by their keys, in the report's language
    assert v.reason("ru") == "нет данных, потому что в выгрузке «Сделки» нет столбца «Причина проигрыша»"
    check = goal_check(f, f.params.goals).set_index("kpi")
    assert pd.isna(check.at["lost_without_reason_share", "met"])
    found = {x.subject for x in goal_findings(goal_check(f, f.params.goals), Formatter())}
    assert found == {"avg_won_deal", "win_rate"}  # one finding per goal missed, none for the unavailable KPI


def test_empty_amounts_give_no_money_kpi_and_no_money_finding():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals(amount=[None, None, None])})
    table = kpi_table(f).set_index("kpi")
    for kpi in ("won_value", "lost_value", "avg_won_deal", "median_won_deal", "open_pipeline_value"):
        assert pd.isna(table.at[kpi, "value"]) and table.at[kpi, "reason"] == "not available, because Amount is empty in every row of Deals", kpi
    assert table.at["win_rate", "value"] == 0.5
    assert {x.subject for x in goal_findings(goal_check(f, f.params.goals), Formatter())} == {"win_rate"}


def test_some_won_deals_without_amount_use_those_with_one_and_none_with_one_is_not_zero():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals(amount=[None, 500.0, 700.0])})
    v = evaluate(f, "won_value")
    assert v.value is None and v.reason() == "not available, because no row of deals won in the period has a value for Amount"
    assert v.reason("ru") == "нет данных, потому что ни у одной строки выборки «Сделки, выигранные в периоде» нет значения «Сумма»"
    assert evaluate(f, "open_pipeline_value").value == 7000.0  # ten open deals of 700


def test_nothing_closed_means_win_rate_not_defined_not_zero():
    f = frame_from_tables(parse_params(PARAMS), {"deals": deals(closed_at=[None] * 3, stage=["New"] * 3)})  # all open
    v = evaluate(f, "win_rate")
    assert v.value is None and v.reason() == "not available, because deals closed in the period has no rows"
    assert evaluate(f, "deals_won").value == 0.0  # a count of nothing is a true zero
    assert evaluate(f, "won_value").value == 0.0


def test_a_rate_on_too_few_rows_is_shown_but_not_judged(small):
    # the small client has 5 closed and 3 won deals: below MIN_JUDGED (10), so no goal is judged
    check = goal_check(small, small.params.goals).set_index("kpi")
    assert check.at["win_rate", "value"] == 0.6 and check.at["win_rate", "gap"] == pytest.approx(0.1)
    assert pd.isna(check.at["win_rate", "met"]) and pd.isna(check.at["median_cycle_days", "met"])
    assert check.at["median_cycle_days", "reason"] == (
        "not judged: too few rows (3; at least 10 are needed to tell a problem from chance)"
    )
    assert goal_findings(goal_check(small, small.params.goals), Formatter()) == []


def test_goal_check_direction_gap_and_severity():
    # 20 closed deals (10 won at 18 days, 10 lost): win rate 0.5 against 0.9 -> gap 0.4, 44 % of the target
    goals = [{"kpi": "win_rate", "target": 0.9}, {"kpi": "median_cycle_days", "target": 12}, {"kpi": "deals_won", "target": 4}]
    f = frame_from_tables(parse_params({**PARAMS, "goals": goals}), {"deals": deals()})
    check = goal_check(f, f.params.goals).set_index("kpi")
    assert not check.at["win_rate", "met"] and check.at["win_rate", "relative_gap"] == pytest.approx(0.4 / 0.9)
    assert not check.at["median_cycle_days", "met"] and check.at["median_cycle_days", "relative_gap"] == pytest.approx(0.5)
    assert bool(check.at["deals_won", "met"])  # a count needs no minimum
    found = {x.subject: x for x in goal_findings(goal_check(f, f.params.goals), Formatter())}
    assert set(found) == {"win_rate", "median_cycle_days"}
    cycle = found["median_cycle_days"]
    assert (cycle.severity, cycle.unit, cycle.action, cycle.value, cycle.target) == ("high", "days", "process.shorten_cycle", 18.0, 12.0)
    assert cycle.title == "Median sales cycle of won deals, days: 18.0 against a target of 12.0"
    assert found["win_rate"].severity == "medium"


def test_the_registry_is_complete_and_documented():
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    for k in KPIS.values():
        assert k.label["en"] and k.label["ru"] and k.formula["en"] and k.formula["ru"]
        assert k.unit in UNITS and k.population in POPULATIONS and k.better in ("max", "min")
        assert k.action is None or check_action(k.action)
        assert re.search(rf"\| `{k.id}` \|", doc), f"{k.id} is not defined in docs/data-model.md"
    for p in POPULATIONS:
        assert f"`{p}`" in doc, f"population {p} is not defined in docs/data-model.md"


# -- KPIs by group (step 4) ---------------------------------------------------------------------------
# By owner in the small client: R1 owns D1 (won), D3 (lost), D5 and D7 (open); R2 owns D2 and D6 (won), D4
# (lost), D8 (open at period end). R1's win rate 1 / 2, R2's 2 / 3. Leads follow their owner: R1's L1 (2 h),
# L3 (4 h) and L4 (not contacted, censored) give a Kaplan-Meier median of 4 h; R2's only lead of the period,
# L2, 10 h.


def test_kpi_table_by_owner_is_each_kpi_on_the_owners_deals(small):
    from auditkit.kpis import COMPANY, kpi_table_by

    ids = list(EXPECTED)
    got = kpi_table_by(small, "owner_id", ids).set_index("group")
    assert list(got.index) == ["R1", "R2", COMPANY]
    assert got.at["R1", "win_rate"] == pytest.approx(0.5) and got.at["R2", "win_rate"] == pytest.approx(2 / 3)
    assert got.at["R1", "lead_response_hours"] == pytest.approx(4) and got.at["R2", "lead_response_hours"] == pytest.approx(10)
    deals = small.data.tables["deals"]
    for rep in ("R1", "R2"):
        sub = small.subset(deals.loc[deals["owner_id"] == rep, "deal_id"])
        for kpi_id in ids:
            if POPULATIONS[KPIS[kpi_id].population].table != "deals":
                continue
            want = evaluate(sub, kpi_id)
            assert got.at[rep, f"{kpi_id}__n"] == want.n, (rep, kpi_id)
            if want.value is None:
                assert pd.isna(got.at[rep, kpi_id]) and (rep, kpi_id) in got.attrs["reasons"]
            else:
                assert got.at[rep, kpi_id] == pytest.approx(want.value), (rep, kpi_id)
    for kpi_id in ids:  # the company row is step 2's headline KPI
        assert got.at[COMPANY, kpi_id] == pytest.approx(evaluate(small, kpi_id).value), kpi_id


def _matched_group_by_group(frame, column, ids):
    """kpi_table_by with each group's frame built by matching raw rows (group_frame, each group scoping its own)."""
    from auditkit import kpis

    def matched(frame, column, groups, values, leads_by, names):
        lead_values = kpis._group_values(frame.data.tables["leads"], column, groups) if leads_by else None
        for name in names:
            mask = lead_values.eq(name).fillna(False) if lead_values is not None else None
            yield kpis.group_frame(frame, frame.data.tables["deals"].loc[values.eq(name).fillna(False), "deal_id"], mask)

    original = kpis._group_frames
    try:
        kpis._group_frames = matched
        return kpis.kpi_table_by(frame, column, ids)
    finally:
        kpis._group_frames = original


@pytest.mark.parametrize("column", ["owner_id", "source"])
def test_split_groups_of_a_real_shaped_client_equal_matched_ones(tmp_path, column):
    """The edge client: deals outside the period, leads naming deals of other groups (or none of the frame's),
    a source group whose leads keep no deal of their own. By source, leads follow their own column, and a
    lead keeps its deal in a group only when the deal is the group's; every KPI and reason equals matching."""
    from auditkit import kpis
    from edge_client import write_edge_client

    frame = build_frame(load_params(write_edge_client(tmp_path)))
    split = kpis.kpi_table_by(frame, column, list(KPIS))
    want = _matched_group_by_group(frame, column, list(KPIS))
    pd.testing.assert_frame_equal(split, want)
    assert split.attrs["reasons"] == want.attrs["reasons"]
    if column == "source":  # groups with converted leads are in the test (the edge leads have no owner)
        assert split["lead_to_deal_conversion"].notna().sum() >= 2


def test_kpi_table_by_splits_each_table_once_and_gets_what_matching_each_group_gets(small):
    """The frame's scoped tables are split by sorting group codes (linear in the rows, each group's rows not
    scoped again); every row equals the per-group match of raw rows (group_frame, each group scoping its
    own) it replaces, also when a deal id is shared by two owners' rows, where the shared id's stage history
    belongs to both (and the split steps aside for the match)."""
    from auditkit import kpis

    ids = list(EXPECTED)
    split = kpis.kpi_table_by(small, "owner_id", ids)
    pd.testing.assert_frame_equal(split, _matched_group_by_group(small, "owner_id", ids))
    deals = small.data.tables["deals"]
    shared = deals.assign(deal_id=deals["deal_id"].replace({"D2": "D1"}))  # R1's D1 and R2's D2 share an id
    twin = AuditFrame(small.params, AuditData(small.params, {**small.data.tables, "deals": shared}, [], small.data.sources))
    got = kpis.kpi_table_by(twin, "owner_id", ["deals_won"]).set_index("group")
    # by the id, R1 gets R2's won twin (D1, its twin, D3, D5, D7: 2 won) and R2 gets R1's D1 (both D1s and D6: 3)
    assert got.at["R1", "deals_won"] == 2 and got.at["R2", "deals_won"] == 3


def test_kpi_table_by_groups_owners_into_teams(small):
    from auditkit.kpis import COMPANY, kpi_table_by

    got = kpi_table_by(small, "owner_id", ["deals_won", "win_rate"], groups=pd.Series({"R1": "T", "R2": "T"}))
    assert list(got["group"]) == ["T", COMPANY]
    assert got["deals_won"].tolist() == [3, 3] and got["win_rate"].tolist() == [pytest.approx(0.6)] * 2


def test_a_total_over_part_of_its_deals_says_so_and_is_judged_only_where_it_is_a_safe_bound():
    """Ten rounds of (won, lost, open); the won deal of rounds 0-3 has no amount. Won: 10 deals, 6 with an
    amount of 1000, so won value 6000 "over the 6 of 10"; the lost and open deals all have theirs (no note).
    Won value is a lower bound: against 5000 ("max") it is met whatever the 4 missing amounts are; against
    8000 it cannot be judged (the 4 missing could add up to more than 2000). Lost value 5000 ("min") against
    4000 is missed whatever is missing, so a finding; with no missing amounts the note is empty."""
    amounts = pd.Series([1000.0, 500.0, 700.0] * 10)
    amounts[[0, 3, 6, 9]] = None  # the won deal (every third row from 0) of rounds 0-3
    frame_deals = deals()
    frame_deals["amount"] = amounts
    goals = [{"kpi": "won_value", "target": 5000}, {"kpi": "lost_value", "target": 4000}]
    f = frame_from_tables(parse_params({**PARAMS, "goals": goals}), {"deals": frame_deals})
    table = kpi_table(f).set_index("kpi")
    assert table.at["won_value", "value"] == 6000
    assert table.at["won_value", "note"] == (
        "over the 6 of 10 rows of deals won in the period with a usable amount; left out, without one: 4 (see data quality)"
    )
    assert table.at["lost_value", "note"] == "" and table.at["avg_won_deal", "note"].startswith("over the 6 of 10")
    check = goal_check(f, f.params.goals).set_index("kpi")
    assert bool(check.at["won_value", "met"]) and not check.at["lost_value", "met"]
    f8 = frame_from_tables(parse_params({**PARAMS, "goals": [{"kpi": "won_value", "target": 8000}]}), {"deals": frame_deals})
    check8 = goal_check(f8, f8.params.goals).set_index("kpi")
    assert pd.isna(check8.at["won_value", "met"])
    assert check8.at["won_value", "reason"] == "not judged: only 6 of 10 rows have a usable amount, so the real total is higher than shown"
    assert goal_findings(goal_check(f8, f8.params.goals), Formatter()) == []


def test_group_columns_hold_every_column_a_kpi_needs():
    """A group's split tables keep only GROUP_COLUMNS: every KPI's required columns must be among them (a KPI
    on another column would find it empty in every group), as must the populations' and the leads' deal."""
    from auditkit.kpis import GROUP_COLUMNS, KPIS

    for k in KPIS.values():
        for table, column in k.requires:
            assert column in GROUP_COLUMNS[table], (k.id, table, column)
    assert {"deal_id", "status", "created_at", "closed_at"} <= GROUP_COLUMNS["deals"]
    assert {"deal_id", "created_at"} <= GROUP_COLUMNS["leads"]


def test_group_codes_are_the_categorical_codes():
    """A group's rows are found by each value's position among the group names (``vector.positions``): the
    codes pandas' Categorical gives (missing values and values not among the names: -1)."""
    from auditkit.io.vector import positions

    values = pd.Series(["r2", None, "r1", "r9", "r2", "", "Р3", "r1"], dtype="string")
    names = ["r1", "r2", "Р3"]
    among = pd.Index(names, dtype="string")
    assert positions(values, among).tolist() == [1, -1, 0, -1, 1, -1, 2, 0]  # by hand
    known = values[values.isin(names).fillna(False).astype(bool) | values.isna()]
    assert positions(known, among).tolist() == list(pd.Categorical(known, categories=names).codes)
    assert positions(pd.Series([], dtype="string"), among).tolist() == []
