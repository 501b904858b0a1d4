"""The Finding record and its JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from auditkit.findings import Finding, findings_frame, read_findings, records, write_findings


def finding(**kw) -> Finding:
    base = dict(id="x.y", step=3, area="process", title="T", severity="medium", metric="m", value=0.5)
    return Finding(**{**base, **kw})


def test_numpy_and_nan_values_become_plain_json():
    f = finding(value=np.float64(0.25), target=float("nan"))
    assert f.value == 0.25 and isinstance(f.value, float) and f.target is None


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError, match="severity must be one of"):
        finding(severity="urgent")


def test_write_and_read_round_trip_sorted_by_severity(tmp_path):
    evidence = records(pd.DataFrame({"stage": ["Demo"], "days": [np.int64(3)], "at": [pd.Timestamp("2025-01-01")]}))
    items = [finding(id="a", severity="low"), finding(id="b", severity="critical", evidence=evidence)]
    path = write_findings(tmp_path / "f" / "03.json", items)
    assert [d["id"] for d in json.loads(path.read_text())] == ["b", "a"]
    back = read_findings(tmp_path / "f")
    assert back[0] == items[1] and back[0].evidence == [{"stage": "Demo", "days": 3, "at": "2025-01-01T00:00:00"}]
    frame = findings_frame(back)
    assert frame["id"].tolist() == ["b", "a"] and "evidence" not in frame.columns


def test_severity_for_takes_the_first_band_reached():
    from auditkit.findings import severity_for

    bands = ((0.5, "high"), (0.2, "medium"), (0.0, "low"))
    assert [severity_for(x, bands) for x in (0.9, 0.5, 0.3, 0.0, -1.0)] == ["high", "high", "medium", "low", "low"]
