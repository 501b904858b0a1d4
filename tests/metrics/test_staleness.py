"""Stale deals have one definition, read by step 4 and step 5.

Period 2025-01-01 .. 2025-03-31 (as of 2025-04-01), stale after 30 days. Open at the end:
- s1 created 2025-01-10, an activity on 2025-03-25 -> last sign 03-25, 7 days idle: not stale
- s2 created 2025-01-10, no activity -> 81 days idle: stale
- s3 created 2025-03-20 -> 12 days idle: not stale
Without an activities table nothing is judged: <NA>, never False or 0.
"""

from __future__ import annotations

import pandas as pd

from auditkit.frame import frame_from_tables
from auditkit.metrics import hygiene
from auditkit.metrics.people.activity import stale_by_rep
from auditkit.metrics.staleness import stale
from auditkit.params import parse_params

PARAMS = {
    "client": {"name": "X", "slug": "x"}, "period": {"start": "2025-01-01", "end": "2025-03-31"},
    "pipeline": {"stages": ["New", "Won", "Lost"], "won": "Won", "lost": "Lost"},
    "data": {"tables": {"deals": {"path": "d.csv"}}},
}
DEALS = pd.DataFrame({"deal_id": ["s1", "s2", "s3"], "created_at": ["2025-01-10", "2025-01-10", "2025-03-20"],
                      "stage": "New", "amount": [10.0, 20.0, 30.0], "owner_id": ["A", "A", "B"]})
ACTIVITIES = pd.DataFrame({"activity_id": ["a1"], "at": ["2025-03-25"], "type": ["call"], "owner_id": ["A"], "deal_id": ["s1"]})


def test_one_rule_for_both_steps():
    frame = frame_from_tables(parse_params(PARAMS), {"deals": DEALS, "activities": ACTIVITIES})
    assert stale(frame).to_dict() == {"s1": False, "s2": True, "s3": False}
    assert hygiene.open_deal_status(frame).set_index("deal_id")["stale"].to_dict() == {"s1": False, "s2": True, "s3": False}
    per_rep = stale_by_rep(frame).set_index("rep")
    assert per_rep.loc["A", "stale_deals"] == 1 and per_rep.loc["A", "stale_value"] == 20.0 and per_rep.loc["B", "stale_deals"] == 0


def test_without_activities_nothing_is_judged():
    frame = frame_from_tables(parse_params(PARAMS), {"deals": DEALS})
    assert stale(frame).isna().all()
    assert stale_by_rep(frame)["stale_deals"].isna().all()


def test_a_deal_without_an_id_has_its_creation_alone_and_a_stage_entry_counts():
    """s2 entered a stage on 2025-03-20 (12 days before the as-of moment): not stale any more. A deal without
    an id joins no entry or activity: its creation (2025-01-05) is its last sign, 86 days: stale."""
    from auditkit.metrics.staleness import last_sign_of_life

    deals = pd.concat([DEALS, pd.DataFrame({"deal_id": [None], "created_at": ["2025-01-05"], "stage": ["New"],
                                            "amount": [5.0], "owner_id": ["B"]})], ignore_index=True)
    history = pd.DataFrame({"deal_id": ["s2", "s2", "zz"], "stage": ["New", "New", "New"],
                            "entered_at": ["2025-01-10", "2025-03-20", "2025-03-30"]})
    frame = frame_from_tables(parse_params(PARAMS), {"deals": deals, "activities": ACTIVITIES, "stage_history": history})
    last = last_sign_of_life(frame)
    assert [str(v)[:10] for v in last] == ["2025-03-25", "2025-03-20", "2025-03-20", "2025-01-05"]
    assert stale(frame).tolist() == [False, False, False, True]
