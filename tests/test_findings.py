"""The Finding record: stable hashed ids, registered units and actions, and its JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from auditkit.findings import Finding, finding_id, findings_frame, read_findings, read_not_available, records, write_findings


def finding(**kw) -> Finding:
    base = dict(step=3, kind="process.test", subject="Demo", title="T", severity="medium", metric="m", value=0.5, unit="share")
    return Finding(**{**base, **kw})


def test_numpy_and_nan_values_become_plain_json():
    f = finding(value=np.float64(0.25), target=float("nan"))
    assert f.value == 0.25 and isinstance(f.value, float) and f.target is None


def test_unknown_severity_unit_and_action_are_refused():
    with pytest.raises(ValueError, match="severity must be one of"):
        finding(severity="urgent")
    with pytest.raises(ValueError, match="unknown unit 'currency'"):
        finding(unit="currency")
    with pytest.raises(ValueError, match="unknown action 'process.shorten_cycles'.*'process.shorten_cycle'"):
        finding(action="process.shorten_cycles")


def test_ids_are_stable_hashes_of_step_kind_and_subject():
    a = finding(subject="Proposal / Quote")
    assert a.id == finding(subject="Proposal / Quote", title="other words").id == finding_id(3, "process.test", "Proposal / Quote")
    assert a.id.startswith("process.test-") and "Proposal" not in a.id
    # subjects that a slug would merge stay apart
    assert finding(subject="Proposal / Quote").id != finding(subject="Proposal-Quote").id
    assert finding(step=2).id != finding(step=3).id


def test_write_and_read_round_trip_sorted_by_severity(tmp_path):
    evidence = records(pd.DataFrame({"stage": ["Demo"], "days": [np.int64(3)], "at": [pd.Timestamp("2025-01-01")]}))
    items = [finding(subject="a", severity="low"), finding(subject="b", severity="critical", evidence=evidence)]
    na = [{"what": "kpi.won_value", "reason": "not available, because amount is empty in every row of deals"}]
    path = write_findings(tmp_path / "f" / "03.json", items, na)
    body = json.loads(path.read_text())
    assert [d["subject"] for d in body["findings"]] == ["b", "a"] and body["not_available"] == na
    back = read_findings(tmp_path / "f")
    assert back[0] == items[1] and back[0].evidence == [{"stage": "Demo", "days": 3, "at": "2025-01-01T00:00:00"}]
    assert read_not_available(tmp_path / "f") == na
    frame = findings_frame(back)
    assert frame["id"].tolist() == [items[1].id, items[0].id] and "evidence" not in frame.columns


def test_severity_for_takes_the_first_band_reached():
    from auditkit.findings import severity_for

    bands = ((0.5, "high"), (0.2, "medium"), (0.0, "low"))
    assert [severity_for(x, bands) for x in (0.9, 0.5, 0.3, 0.0, -1.0)] == ["high", "high", "medium", "low", "low"]
