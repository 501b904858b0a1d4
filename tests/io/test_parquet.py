"""Parquet exports as tools really write them, read whole: what pandas stores besides the rows (an index,
named or repeating), dictionary columns mapped by the params, nested columns, and headers that clash with
the loader's own or with each other. Each gives the rows the file holds, or a clear error naming the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.errors import DataError
from auditkit.io.load import preflight

from helpers import PARAMS, write_small_client


def activities(n: int, **columns) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame({"activity_id": [f"A{i}" for i in range(1, n + 1)], "at": pd.date_range("2025-01-05", periods=n, freq="D"),
                          "type": "call", "owner_id": "R1", "deal_id": "D1"})
    return frame.assign(**columns)


def client(tmp_path: Path, frame: pd.DataFrame, extra: str = "", **to_parquet) -> Path:  # type: ignore[no-untyped-def]
    path = write_small_client(tmp_path, params=PARAMS + "    activities:\n      path: activities.parquet\n" + extra)
    frame.to_parquet(tmp_path / "data" / "activities.parquet", **to_parquet)
    return path


def test_an_index_that_repeats_labels_loses_no_row(tmp_path: Path):
    """Two exports joined with pd.concat keep each one's row labels 0, 1, 2...: a repeated id is dropped by its
    row, not by its label (A6 shares label 2 with the repeated A2 and used to go with it)."""
    a = activities(4).assign(activity_id=["A1", "A2", "A2", "A3"])
    b = activities(4).assign(activity_id=["A4", "A5", "A6", "A7"], owner_id="R2", deal_id="D2")
    data = load(load_params(client(tmp_path, pd.concat([a, b]))))
    assert data.tables["activities"]["activity_id"].tolist() == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]
    assert [(i.check, i.rows) for i in data.issues if i.table == "activities" and i.check.startswith("duplicate")] == [("duplicate_id", (3,))]  # A2 again, a day later


def test_a_named_index_is_a_column_of_the_export(tmp_path: Path):
    data = load(load_params(client(tmp_path, activities(3).set_index("activity_id"))))
    assert data.tables["activities"]["activity_id"].tolist() == ["A1", "A2", "A3"]
    assert not [i for i in data.issues if i.table == "activities" and i.column == "activity_id"]


def test_a_dictionary_column_is_mapped_by_the_params_values(tmp_path: Path):
    frame = activities(4, type=pd.Categorical(["Звонок", "email", "Звонок", "Встреча"]))
    data = load(load_params(client(tmp_path, frame, "      values:\n        type: {Звонок: call, Встреча: meeting}\n")))
    assert data.tables["activities"]["type"].astype("string").tolist() == ["call", "email", "call", "meeting"]


def test_a_list_column_shows_in_an_issues_examples(tmp_path: Path):
    frame = activities(3, tags=[["vip", "q1"], [], None], deal_id=["D1", "D99", "D1"])
    data = load(load_params(client(tmp_path, frame)))
    issue = next(i for i in data.issues if i.check == "unknown_reference" and i.table == "activities")
    assert issue.to_dict()["examples"][0]["tags"] == []
    assert issue.to_dict()["examples"][0]["deal_id"] == "D99"


@pytest.mark.parametrize("header, needle", [("_row", "a name auditkit uses"), ("owner_id ", "two columns named 'owner_id'")])
def test_a_header_that_clashes_is_a_clear_error_before_anything_is_read(tmp_path: Path, header: str, needle: str):
    frame = activities(3)
    frame[header] = ["x", "y", "z"]
    params = load_params(client(tmp_path, frame))
    for read in (preflight, load, lambda p: load(p, activities="summary")):
        with pytest.raises(DataError, match=needle) as err:
            read(params)
        assert "activities.parquet" in str(err.value)
