"""A run reads a large Parquet export of activities in parts and keeps only its summary (auditkit.io.stream).
Its issues, counts, sources and summary must be the whole table's, value for value, on an export with the
quirks real ones have: owners written as a rep's name, unknown deals, leads and owners, null words, Russian
text, a repeated row, an empty row, activities before and after the period, lags logged backwards. When a
part cannot stand for the whole table (ids out of order, dates written as text, a message quoting values
of one part), the table is read whole, and the result is the same."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.errors import DataError
from auditkit.frame import LazyTables, build_frame

from helpers import PARAMS, write_small_client

stream = importlib.import_module("auditkit.io.stream")
AUDITKIT = str(Path(sys.executable).parent / "auditkit")

HEADER = ["activity_id", "at", "type", "owner_id", "deal_id", "lead_id", "logged_at", "duration_min", "outcome"]
# 4 rows a row group, 8 rows a part (PART_ROWS = 6 gathers two groups): 5 parts
ROWS = [
    ["A01", "2024-12-28 10:00", "call", "R1", "D6", None, "2024-12-28 10:05", 5.0, "connected"],
    ["A02", "2025-01-05 10:00", "Call", "Rita One", "D1", None, "2025-01-05 12:00", 3.0, "Connected"],
    ["A03", "2025-01-06 11:00", "email", "R2", "D2", None, None, None, "sent"],
    ["A04", "2025-01-07 09:30", "meeting", "—", "D99", None, "2025-01-07 10:00", 45.0, "n/a"],
    ["A05", "2025-01-08 09:30", "Звонок", "R2", None, "L1", "2025-01-08 09:40", 2.0, "не указано"],
    ["A06", "2025-01-09 15:00", "note", "Rita One", None, "L2", "2025-01-09 15:00", None, "done"],
    ["A06", "2025-01-09 15:00", "note", "Rita One", None, "L2", "2025-01-09 15:00", None, "done"],
    ["A07", "2025-01-10 16:00", "call", "R2", "D2", None, "2025-01-10 15:00", None, "no answer"],
    [None, None, None, None, None, None, None, None, None],
    ["A08", "2025-01-12 10:00", "task", " R1 ", "D3", None, "2025-01-14 10:00", None, "open"],
    ["A09", "2025-02-01 10:00", "call", "R3", "D3", None, "2025-02-01 10:30", 12.0, "connected"],
    ["A10", "2025-02-02 10:00", "meeting", "Rita One", "D4", None, "2025-02-04 10:00", 60.0, "held"],
    ["A11", "2025-02-03 10:00", "call", "R2", "D4", None, "2025-02-03 09:00", 7.0, "connected"],
    ["A12", "2025-02-10 10:00", "email", None, "D5", None, "2025-02-10 10:01", None, "sent"],
    ["A13", "2025-02-11 10:00", "call", "R1", "D99", None, "2025-02-11 10:10", None, "no answer"],
    ["A14", "2025-02-12 10:00", "call", "R2", None, "L77", "2025-02-12 10:20", 4.0, "connected"],
    ["A15", "2025-03-01 10:00", "meeting", "R1", "D5", None, "2025-03-01 11:00", 30.0, "held"],
    ["A16", "2025-03-02 10:00", "email", "Rita One", "D5", None, "2025-03-03 10:00", None, "sent"],
    ["A17", "2025-03-10 10:00", None, "R2", "D7", None, "2025-03-10 10:00", None, None],
    ["A18", "2025-03-20 10:00", "call", "R2", "D8", None, "2025-03-21 10:00", 8.0, "connected"],
    ["A19", "2025-03-31 23:30", "call", "R1", "D7", None, "2025-04-01 00:30", 3.0, "connected"],
    ["A20", "2025-04-02 10:00", "call", "R1", "D7", None, "2025-04-02 10:05", 3.0, "connected"],
    ["A21", None, "call", "R2", "D8", None, None, 2.0, "connected"],
    ["A22", "2025-04-10 10:00", "email", "R2", "D8", None, "2025-04-10 10:00", None, "sent"],
    ["A23", "2025-01-15 10:00", "call", "R2", "D1", None, "2025-01-15 10:03", 6.0, "connected"],
    ["A24", "2025-01-16 10:00", "call", "Rita One", "D1", None, "2025-01-17 10:00", 9.0, "connected"],
    ["A25", "2025-01-17 10:00", "meeting", "R1", "D2", None, "2025-01-17 12:00", 90.0, "held"],
    ["A26", "2025-01-18 10:00", "note", "R1", "D2", None, "2025-01-18 10:00", None, "done"],
    ["A27", "2025-01-19 10:00", "call", "R2", "D3", None, "2025-01-19 10:00", 1.0, "no answer"],
    ["A28", "2025-01-20 10:00", "call", "R2", "D3", None, "2025-01-20 11:00", 2.0, "connected"],
    ["A29", "2025-01-21 10:00", "email", "R1", "D4", None, "2025-01-21 10:00", None, "sent"],
    ["A30", "2025-01-22 10:00", "call", "R1", "D4", None, "2025-01-22 10:00", 3.0, "connected"],
    ["A31", "2025-01-23 10:00", "call", "R9", "D5", None, "2025-01-23 10:00", 3.0, "connected"],
    ["A32", "2025-01-24 10:00", "call", "R2", "D5", None, "2025-01-24 10:00", None, "connected"],
    ["A33", "2025-01-25 10:00", "call", "Rita One", "D6", None, "2025-01-25 18:00", 4.0, "connected"],
    ["A34", "2025-01-26 10:00", "meeting", "R2", "D6", None, "2025-01-26 10:30", 30.0, "held"],
    ["A35", "2025-01-27 10:00", "call", "R1", "D7", None, "2025-01-28 10:00", 2.0, "connected"],
    ["A36", "2025-01-28 10:00", "call", "R2", "D8", "L1", "2025-01-28 10:00", 2.0, "connected"],
    ["A37", "2025-01-29 10:00", "call", "R1", "D1", None, "2025-01-29 10:00", 2.0, "connected"],
    ["A38", "2025-01-30 10:00", "call", "R2", "D2", None, "2025-01-30 10:00", 2.0, "connected"],
]
REPS = "rep_id,name,team\nR1,Rita One,North\nR2,Roman Two,South\nR3,Rosa Three,South\n"


def client(tmp_path: Path, rows: list[list] = ROWS, text_dates: bool = False, group: int = 4) -> Path:
    path = write_small_client(tmp_path, params=PARAMS + "    activities: {path: activities.parquet}\n    reps: {path: reps.csv}\n")
    (tmp_path / "data" / "reps.csv").write_text(REPS, encoding="utf-8")
    frame = pd.DataFrame(rows, columns=HEADER)
    if not text_dates:  # typed as a CRM writes Parquet
        frame["at"] = pd.to_datetime(frame["at"]).astype("datetime64[ns]")
        frame["logged_at"] = pd.to_datetime(frame["logged_at"]).astype("datetime64[ns]")
    frame["duration_min"] = pd.to_numeric(frame["duration_min"])
    frame.to_parquet(tmp_path / "data" / "activities.parquet", row_group_size=group, index=False)
    return path


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "PART_ROWS", 6)


def streamed(data) -> bool:  # type: ignore[no-untyped-def]
    return not LazyTables.readable(data.tables, "activities")


def assert_same(whole, parts) -> None:  # type: ignore[no-untyped-def]
    """Everything a run keeps of the activities, and every other table, equal between the two loads."""
    assert [i.to_dict() for i in parts.issues] == [i.to_dict() for i in whole.issues]
    sources = {name: {k: v for k, v in src.items() if k != "read_in_parts"} for name, src in parts.sources.items()}
    assert json.dumps(sources) == json.dumps(whole.sources)  # the order of what the checks saw, too
    for name in whole.tables:
        assert parts.stats(name) == whole.stats(name), name
        if name != "activities":
            pd.testing.assert_frame_equal(parts.tables[name], whole.tables[name])
    for part in ("by_deal", "by_rep", "lag", "fill"):
        pd.testing.assert_frame_equal(getattr(parts.activity(), part), getattr(whole.activity(), part))


def test_activities_read_in_parts_equal_the_whole_table(tmp_path: Path):
    params = load_params(client(tmp_path))
    whole, parts = load(params), load(params, activities="summary")
    assert not streamed(whole) and streamed(parts)
    assert_same(whole, parts)
    # by hand, from ROWS: the issues a part alone would not tell whole
    found = {(i.column, i.check): i for i in parts.issues if i.table == "activities"}
    unknown_deal = found[("deal_id", "unknown_reference")]
    # (rows are numbered from 1 in a Parquet file; the repeated A06 is row 7, the empty row 9)
    assert unknown_deal.count == 2 and unknown_deal.rows == (4, 15)  # A04 and A13, in different parts
    assert unknown_deal.examples["deal_id"].tolist() == ["D99", "D99"]  # the rows as the file has them
    assert unknown_deal.examples["owner_id"].tolist() == ["—", "R1"]
    assert found[("lead_id", "unknown_reference")].rows == (16,)  # L77
    assert found[("owner_id", "unknown_reference")].rows == (33,)  # R9 (R3 is a rep, "—" a null word)
    assert found[("logged_at", "logged_at_before_at")].rows == (8, 13)  # A07 and A11
    assert found[("activity_id", "duplicate_row")].rows == (7,)
    assert found[("type", "unknown_value")].rows == (5,)  # Звонок
    assert found[(None, "empty_row")].rows == (9,)
    assert parts.sources["activities"]["rows_read"] == 40 and parts.sources["activities"]["read_in_parts"] == 5
    assert parts.sources["activities"]["owners_matched_to_reps"] == 6  # "Rita One" is R1
    assert parts.stats("activities")["rows"] == 38  # the repeat and the empty row dropped
    # the summary: "Rita One" counted as R1 wherever she appears
    by_deal = parts.activity().by_deal.set_index(["deal_id", "owner_id"])["activities"]
    assert by_deal[("D1", "R1")] == 3 and ("D1", "Rita One") not in by_deal.index  # A02, A24, A37
    # in the period with a logging time: A02 A06 A08 A10 A13 A15 A16 A19 A24 A25 A26 A29 A30 A33 A35 A37
    assert parts.activity().lag.loc[lambda t: t["rep"] == "R1", "activities"].item() == 16


def test_the_frame_of_a_run_keeps_the_activities_summarised(tmp_path: Path):
    params = load_params(client(tmp_path))
    frame = build_frame(params, activities="summary")
    with pytest.raises(DataError, match="kept summarised"):
        frame.data.tables["activities"]
    assert "activities" not in frame.tables and frame.activity is not None
    assert frame.data.inventory().set_index("table").loc["activities", "rows"] == 38
    saved = frame.save(tmp_path / "run")
    assert (saved / "activities" / "summary.json").is_file() and not (saved / "activities.parquet").exists()


@pytest.mark.parametrize("case", ["ids out of order", "dates as text", "a message quoting one part", "one part"])
def test_a_table_no_part_can_stand_for_is_read_whole_with_the_same_result(tmp_path: Path, case: str):
    rows = [list(r) for r in ROWS]
    kwargs = {}
    if case == "ids out of order":
        rows[2][0], rows[30][0] = rows[30][0], rows[2][0]  # A03 and A29 swap parts
    elif case == "dates as text":
        kwargs["text_dates"] = True
    elif case == "a message quoting one part":  # out-of-range dates, quoted in the message, in two parts
        rows[1][1], rows[20][1] = "1850-01-01 10:00", "1860-06-01 10:00"
    else:
        kwargs["group"] = 100
    params = load_params(client(tmp_path, rows, **kwargs))
    whole, parts = load(params), load(params, activities="summary")
    assert not streamed(parts)
    assert_same(whole, parts)


def test_an_out_of_range_date_in_one_part_is_reported_as_the_whole_table_reports_it(tmp_path: Path):
    rows = [list(r) for r in ROWS]
    rows[20][1] = "1860-06-01 10:00"
    params = load_params(client(tmp_path, rows))
    whole, parts = load(params), load(params, activities="summary")
    assert streamed(parts)
    assert_same(whole, parts)
    assert any(i.check == "unparseable_date" and "1860-06-01" in i.message for i in parts.issues)


def test_parts_gather_whole_row_groups_and_ids_must_rise_from_part_to_part():
    assert stream._plan([4, 4, 4, 4, 3]) == [(1, [0, 1]), (9, [2, 3]), (17, [4])]  # PART_ROWS = 6
    assert stream._plan([10, 1, 1]) == [(1, [0]), (11, [1, 2])]
    assert stream._follows(("A1", "A9"), ("A10", "A12"))  # by length, then as text: A10 comes after A9
    assert not stream._follows(("A1", "A15"), ("A12", "A20"))  # A12 to A20 may hold A13
    assert not stream._follows(None, ("A1", "A2")) and not stream._follows(("A1", "A2"), None)


def test_checks_are_merged_in_the_whole_tables_order_or_not_at_all():
    assert stream._check_order([["a", "b", "d"], ["a", "c", "d"], ["a", "b", "c", "d"]]) == ["a", "b", "c", "d"]
    assert stream._check_order([["a", "b"], ["a"]]) == ["a", "b"]
    assert stream._check_order([["a", "b", "d"], ["a", "c", "d"]]) is None  # b and c: which first?
    assert stream._check_order([["a", "b"], ["b", "a"]]) is None


def test_a_run_reads_the_activities_in_parts_and_keeps_what_reading_them_whole_keeps(tmp_path: Path):
    """As a user runs it: ``auditkit run`` in parts of 6 rows (AUDITKIT_PART_ROWS) and in one part; the clean
    caches the steps read are the same, but for the note that the activities were read in parts."""
    path = client(tmp_path / "client")
    clean = {}
    for rows in ("6", "1000"):
        out = tmp_path / f"out-{rows}"
        done = subprocess.run([AUDITKIT, "run", str(path), "--outputs", str(out), "--steps", "02"], capture_output=True,
                              text=True, timeout=300, env={**os.environ, "AUDITKIT_PART_ROWS": rows})
        assert done.returncode == 0, done.stdout + done.stderr
        clean[rows] = next(out.glob("small/*/clean"))
    sources = {rows: json.loads((folder / "sources.json").read_text(encoding="utf-8")) for rows, folder in clean.items()}
    assert sources["6"]["activities"].pop("read_in_parts") == 5 and "read_in_parts" not in sources["1000"]["activities"]
    assert sources["6"] == sources["1000"]
    assert (clean["6"] / "quality.json").read_text(encoding="utf-8") == (clean["1000"] / "quality.json").read_text(encoding="utf-8")
    for part in ("by_deal", "by_rep", "lag", "fill"):
        pd.testing.assert_frame_equal(pd.read_parquet(clean["6"] / "activities" / f"{part}.parquet"),
                                      pd.read_parquet(clean["1000"] / "activities" / f"{part}.parquet"))


def test_a_part_where_a_column_has_no_value_merges_with_the_others(tmp_path: Path):
    """A part of lead-only activities, or of activities without owners (a small last row group, on its own)."""
    rows = [list(r) for r in ROWS]
    for row in rows[16:24]:  # the third part: no owner, no deal
        row[3], row[4] = None, None
    params = load_params(client(tmp_path, rows))
    whole, parts = load(params), load(params, activities="summary")
    assert streamed(parts)
    assert_same(whole, parts)


def test_a_number_column_whose_null_word_is_a_number_is_read_whole(tmp_path: Path):
    """'0' as a null word writes the durations out as text, '0' or '0.0' by what the whole column holds."""
    path = client(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "activities: {path: activities.parquet}", "activities: {path: activities.parquet, null_values: {duration_min: ['0']}}"), encoding="utf-8")
    params = load_params(path)
    whole, parts = load(params), load(params, activities="summary")
    assert not streamed(parts)
    assert_same(whole, parts)


def test_null_words_are_recorded_in_the_tables_column_order_whichever_part_finds_them_first(tmp_path: Path):
    rows = [list(r) for r in ROWS]
    rows[3][3], rows[20][3] = "R1", "—"  # the owners' null word only in the third part; the outcomes' in the first
    params = load_params(client(tmp_path, rows))
    whole, parts = load(params), load(params, activities="summary")
    assert streamed(parts)
    assert list(parts.sources["activities"]["nulls"]) == ["owner_id", "outcome"]
    assert_same(whole, parts)
