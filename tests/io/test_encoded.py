"""The activities' text columns other than their id and their lead (owners, types, outcomes, the deals they are
on) are read as categoricals, so that tens of millions of rows are checked on their distinct values. They
must give the same values and the same quality issues as reading them as text, from CSV and from Parquet,
on an export with the quirks real ones have (spaces, null words, case, Russian text, unknown references)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd
import pytest

from auditkit import load, load_params

from helpers import PARAMS, write_small_client

load_module = importlib.import_module("auditkit.io.load")

HEADER = ["activity_id", "at", "type", "owner_id", "deal_id", "lead_id", "logged_at", "duration_min", "outcome"]
ROWS = [
    ["A1", "2025-01-05 10:00", "call", "R1", "D1", "", "2025-01-05 10:05", "5", "connected"],
    ["A2", "2025-01-06 11:00", "Call", " R1 ", "D1", "", "2025-01-07 09:00", "3", "Connected"],
    ["A3", "2025-01-07 12:00", "email", "R2", "D2", "", "", "", "sent"],
    ["A4", "2025-01-08 09:30", "meeting", "—", "D99", "", "2025-01-08 10:00", "45", "n/a"],
    ["A5", "2025-01-09 09:30", "Звонок", "R2", "", "L1", "2025-01-09 09:40", "2", "не указано"],
    ["A6", "2025-01-10 15:00", "note", "R1", "n/a", "L2", "2025-01-10 15:00", "", "done"],
    ["A6", "2025-01-10 15:00", "note", "R1", "n/a", "L2", "2025-01-10 15:00", "", "done"],
    ["A7", "2025-01-11 16:00", "call", "R2", "D2", "", "2025-01-11 16:02", "1.5", "no answer"],
    ["", "", "", "", "", "", "", "", ""],
    ["A8", "2025-01-12 10:00", "task", "  ", "D3", "", "2025-01-12 10:00", "", "open"],
]
ENCODED_COLUMNS = {"type", "owner_id", "deal_id", "outcome"}  # not lead_id: a lead's activities are few (SPARSE_IDS)


def client(tmp_path: Path, fmt: str, rows: list[list[str]] = ROWS) -> Path:
    path = write_small_client(tmp_path, params=PARAMS + f"    activities: {{path: activities.{fmt}}}\n")
    frame = pd.DataFrame(rows, columns=HEADER)
    if fmt == "csv":
        frame.to_csv(tmp_path / "data" / "activities.csv", index=False)
    else:  # typed as a CRM writes Parquet: timestamps and numbers, text with its quirks
        frame = frame.replace({"": None})
        frame["at"] = pd.to_datetime(frame["at"]).astype("datetime64[ns]")
        frame["logged_at"] = pd.to_datetime(frame["logged_at"]).astype("datetime64[ns]")
        frame["duration_min"] = pd.to_numeric(frame["duration_min"])
        frame.to_parquet(tmp_path / "data" / "activities.parquet")
    return path


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Every value as a Python object (None where missing): the values, whatever the dtypes."""
    out = df.astype(object)
    return out.where(out.notna(), None)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_categorical_activities_equal_activities_read_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str):
    path = client(tmp_path, fmt)
    encoded = load(load_params(path))
    monkeypatch.setattr(load_module, "ENCODED", frozenset())
    text = load(load_params(path))
    a, b = encoded.tables["activities"], text.tables["activities"]
    assert {c for c in a.columns if isinstance(a[c].dtype, pd.CategoricalDtype)} == ENCODED_COLUMNS
    assert not any(isinstance(t, pd.CategoricalDtype) for t in b.dtypes)
    pd.testing.assert_frame_equal(plain(a), plain(b))
    for col in ENCODED_COLUMNS:  # no category left for a null word, a value set aside or a dropped row
        assert sorted(a[col].cat.categories) == sorted(set(a[col].dropna())), col
    assert [i.to_dict() for i in encoded.issues] == [i.to_dict() for i in text.issues]
    # by hand: trimmed, null words and blanks empty, types lower-cased or set aside, the repeat and the empty row dropped
    assert a["activity_id"].tolist() == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"]
    assert plain(a)["owner_id"].tolist() == ["R1", "R1", "R2", None, "R2", "R1", "R2", None]
    assert plain(a)["type"].tolist() == ["call", "call", "email", "meeting", None, "note", "call", "task"]
    assert plain(a)["deal_id"].tolist() == ["D1", "D1", "D2", "D99", None, None, "D2", "D3"]
    assert plain(a)["outcome"].tolist() == ["connected", "Connected", "sent", None, None, "done", "no answer", "open"]
    found = {(i.table, i.column, i.check): i.count for i in encoded.issues if i.table == "activities"}
    assert found[("activities", "type", "unknown_value")] == 1  # 'Звонок'
    assert found[("activities", "deal_id", "unknown_reference")] == 1  # D99 is not a deal
    assert found[("activities", "activity_id", "duplicate_row")] == 1
    # the summary every step reads is the same
    for part in ("by_deal", "by_rep", "lag", "fill"):
        pd.testing.assert_frame_equal(getattr(encoded.activity(), part), getattr(text.activity(), part))


def test_an_activity_or_lead_owner_the_reps_table_does_not_list_is_an_unknown_reference(tmp_path: Path):
    """With a reps table, an activity's or a lead's owner it does not list is reported as it is for deals: by
    hand, R2 owns activities A3, A5 and A7 (rows 4, 6 and 9) and the small client's leads L2 and L5 (rows 3
    and 6 of leads.csv; the reps table lists R1 only)."""
    path = client(tmp_path, "csv")
    (tmp_path / "data" / "reps.csv").write_text("rep_id,name,team\nR1,Rita One,North\n", encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + "    reps: {path: reps.csv}\n", encoding="utf-8")
    data = load(load_params(path))
    found = {(i.table, i.column): i for i in data.issues if i.check == "unknown_reference" and i.column == "owner_id"}
    assert (found[("activities", "owner_id")].count, found[("activities", "owner_id")].rows) == (3, (4, 6, 9))
    assert (found[("leads", "owner_id")].count, found[("leads", "owner_id")].rows) == (2, (3, 6))


def test_an_activity_on_neither_a_deal_nor_a_lead_is_reported_by_row(tmp_path: Path):
    """The export has both columns, but a row fills neither (a null word in one, nothing in the other): it is
    kept and named (row 12), as a target for neither a rep nor a team would be; the others are not."""
    extra = ["A9", "2025-01-13 10:00", "call", "R1", "—", " ", "2025-01-13 10:01", "1", "connected"]
    data = load(load_params(client(tmp_path, "csv", [*ROWS, extra])))
    found = [i for i in data.issues if i.table == "activities" and i.check == "missing_value" and i.column == "deal_id"]
    assert [(i.count, i.rows) for i in found] == [(1, (12,))]
    assert found[0].message.startswith("deal_id and lead_id are both empty; these rows are kept but belong to no deal or lead")
    assert "A9" in set(data.tables["activities"]["activity_id"])  # kept


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_activity_on_a_lead_the_leads_table_does_not_list_is_an_unknown_reference(tmp_path: Path, fmt: str):
    """By hand: A9 (row 12) is on lead L99, which the small client's leads (L1 to L5) do not list; A10 (row 13)
    is on L3, which they do. One unknown reference, row 12 (a Parquet file has no header row: row 11)."""
    extra = [["A9", "2025-01-13 10:00", "call", "R1", "", "L99", "2025-01-13 10:01", "1", "connected"],
             ["A10", "2025-01-14 10:00", "call", "R1", "", "L3", "2025-01-14 10:01", "1", "connected"]]
    data = load(load_params(client(tmp_path, fmt, [*ROWS, *extra])))
    found = [i for i in data.issues if i.table == "activities" and i.column == "lead_id" and i.check == "unknown_reference"]
    assert [(i.count, i.rows) for i in found] == [(1, (12,) if fmt == "csv" else (11,))]
    assert found[0].message.startswith("lead_id is not in the leads table")
    assert {"A9", "A10"} <= set(data.tables["activities"]["activity_id"])  # kept


def test_a_parquet_export_of_many_row_groups_loads_as_one_of_a_single_group(tmp_path: Path):
    """Parquet in row groups of three rows (each group's dictionaries its own, missing values in every kind of
    column, a last group whose owners are all missing), and as pandas writes it with its own notes (a stored
    index of a filtered frame, nullable integers, a column of no value): loading gives the same tables and
    issues as the same rows in one group."""
    import pyarrow.parquet as pq

    rows = [*ROWS, ["A9", "2025-01-13 10:00", "call", None, "D2", "", None, None, "sent"],
            ["A10", "2025-01-13 11:00", "email", None, "D1", "", "2025-01-13 11:30", "7", None],
            ["A11", None, "call", None, "D3", "L3", "2025-01-14 09:00", "2.5", "held"]]
    path = client(tmp_path, "parquet", rows)
    data = tmp_path / "data"
    pq.write_table(pq.read_table(data / "activities.parquet"), data / "grouped.parquet", row_group_size=3)
    assert pq.ParquetFile(data / "grouped.parquet").num_row_groups == 5
    noted = pd.read_parquet(data / "activities.parquet").iloc[1::2].assign(seats=pd.array([1, None, 3, 4, None, 6], dtype="Int64"), outcome=None)
    noted.to_parquet(data / "noted.parquet")
    noted.to_parquet(data / "noted-grouped.parquet", row_group_size=2)
    text = path.read_text(encoding="utf-8")
    for one, many in (("activities.parquet", "grouped.parquet"), ("noted.parquet", "noted-grouped.parquet")):
        loaded = []
        for name in (one, many):
            path.write_text(text.replace("activities.parquet", name), encoding="utf-8")
            loaded.append(load(load_params(path)))
        pd.testing.assert_frame_equal(loaded[0].tables["activities"], loaded[1].tables["activities"], check_exact=True)
        assert [i.to_dict() for i in loaded[0].issues] == [i.to_dict() for i in loaded[1].issues]
        for a, b in zip(loaded[0].issues, loaded[1].issues):  # the rows shown as examples too, column for column
            pd.testing.assert_frame_equal(a.examples.reset_index(drop=True), b.examples.reset_index(drop=True), check_exact=True)
