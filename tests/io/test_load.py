"""Loaders: good and bad files built in the tests, read into canonical tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditkit import load, load_params
from auditkit.errors import DataError
from auditkit.io.load import preflight
from auditkit.quality import issues_frame

from helpers import DEALS, PARAMS, write_small_client


def checks(data) -> dict[str, int]:
    return {f"{i.table}.{i.check}.{i.column}": i.count for i in data.issues}


def test_clean_file_loads_with_canonical_types(small_client: Path):
    data = load(load_params(small_client))
    deals = data["deals"]
    assert deals["deal_id"].tolist() == [f"D{i}" for i in range(1, 9)]
    assert str(deals["created_at"].dtype) == "datetime64[ns]"
    assert deals["amount"].dtype == "float64"
    assert deals["status"].tolist() == ["won", "won", "lost", "lost", "open", "won", "open", "won"]
    assert data.issues == []
    assert data.sources["deals"]["delimiter"] == ";" and len(data.sources["deals"]["sha256"]) == 64


def test_input_files_are_not_modified(small_client: Path):
    files = sorted((small_client.parent / "data").iterdir())
    before = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files}
    load(load_params(small_client))
    assert {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files} == before


def test_missing_required_column_names_file_column_and_columns_found(tmp_path: Path):
    path = write_small_client(tmp_path)
    df = pd.read_csv(tmp_path / "data" / "deals.csv", sep=";").drop(columns=["Owner"])
    df.to_csv(tmp_path / "data" / "deals.csv", sep=";", index=False)
    with pytest.raises(DataError) as err:
        load(load_params(path))
    msg = str(err.value)
    assert "deals.csv" in msg and "'owner_id'" in msg
    assert "params map 'Owner' to it, but the file has no column 'Owner'" in msg
    assert "Columns found: Deal ID, Created, Closed, Status, Stage, Value, Lost reason" in msg
    with pytest.raises(DataError):
        preflight(load_params(path))
    assert "is it" not in msg  # no free header is near 'Owner'


def test_deals_without_an_amount_column_load_and_money_is_not_available_rather_than_zero(tmp_path: Path):
    """A CRM export without deal values (and params that map none): the deals load, counts and rates are
    computed, and every money KPI says why it is not available; no empty amount is reported row by row."""
    from auditkit.frame import AuditFrame
    from auditkit.kpis import kpi_table

    params = PARAMS.replace(" Value: amount,", "")
    path = write_small_client(tmp_path, params=params)
    df = pd.read_csv(tmp_path / "data" / "deals.csv", sep=";").drop(columns=["Value"])
    df.to_csv(tmp_path / "data" / "deals.csv", sep=";", index=False)
    data = load(load_params(path))
    assert len(data["deals"]) == 8 and data["deals"]["amount"].isna().all()
    assert "amount" not in data.sources["deals"]["columns_present"]
    assert not [i for i in data.issues if i.column == "amount"]
    kpis = kpi_table(AuditFrame(load_params(path), data)).set_index("kpi")
    # deals closed in Q1 2025: D1, D2, D6 won (D6 created in December), D3, D4 lost; D8 closes in April
    assert kpis.at["win_rate", "value"] == pytest.approx(3 / 5) and kpis.at["deals_won", "value"] == 3
    for money in ("won_value", "avg_won_deal", "open_pipeline_value"):
        assert not kpis.at[money, "available"] and pd.isna(kpis.at[money, "value"])
        assert "amount" in kpis.at[money, "reason"].lower() and "export" in kpis.at[money, "reason"]


def test_an_amount_column_with_empty_values_is_still_reported(tmp_path: Path):
    deals = [d if d[0] != "D3" else (*d[:5], "", *d[6:]) for d in DEALS]
    data = load(load_params(write_small_client(tmp_path, deals)))
    missing = [i for i in data.issues if i.check == "missing_value" and i.column == "amount"]
    assert len(missing) == 1 and missing[0].rows == (4,)


def test_a_misspelt_mapped_column_is_matched_to_the_nearest_free_header(tmp_path: Path):
    """The export writes 'VALUE ' where the params map 'Value' (an expected column, which an export may lack):
    the error names the header to map, and says what to do if the export really has no amount."""
    path = write_small_client(tmp_path)
    df = pd.read_csv(tmp_path / "data" / "deals.csv", sep=";").rename(columns={"Value": "VALUE ", "Owner": "OWNER"})
    df.to_csv(tmp_path / "data" / "deals.csv", sep=";", index=False)
    with pytest.raises(DataError) as err:
        load(load_params(path))
    msg = str(err.value)
    assert "params map 'Value' to it, but the file has no column 'Value'; is it 'VALUE'?" in msg
    assert "params map 'Owner' to it, but the file has no column 'Owner'; is it 'OWNER'?" in msg
    assert "If the export has no amount at all, remove the mapping of 'Value'" in msg


def test_headers_in_other_case_map_themselves(tmp_path: Path):
    path = write_small_client(tmp_path)
    leads = pd.read_csv(tmp_path / "data" / "leads.csv")
    leads.columns = ["Lead ID", "Created At", "Source", "Owner ID", "First Contact At", "Status", "Deal ID"]
    leads.to_csv(tmp_path / "data" / "leads.csv", index=False)
    data = load(load_params(path))
    assert data["leads"]["lead_id"].tolist() == ["L1", "L2", "L3", "L4", "L5"]


def test_quality_issues_are_counted_located_and_set_aside(tmp_path: Path):
    bad = [
        *DEALS,
        ("D9", "31.02.2025", "", "Open", "New", "100", "R1", ""),  # row 10: unparseable date
        ("D10", "2025-02-01 10:00", "", "Open", "New", "-50", "R1", ""),  # row 11: negative amount
        ("D11", "2025-02-05 10:00", "2025-02-01 10:00", "Lost", "New", "10", "R1", ""),  # row 12: closed before created
        ("D12", "2025-02-05 10:00", "", "Open", "Legacy", "10", "R1", ""),  # row 13: unknown stage
        ("D13", "2025-02-05 10:00", "", "Open", "New", "10", "", ""),  # row 14: missing owner
        ("D1", "2025-01-05 10:00", "2025-01-25 10:00", "Won", "Won", "1000", "R1", ""),  # row 15: exact duplicate
        ("D2", "2025-01-10 09:00", "2025-02-19 09:00", "Won", "Won", "3500", "R2", ""),  # row 16: conflicting id
        ("D14", "2025-02-06 10:00", "", "Pending", "New", "10", "R1", ""),  # row 17: unknown status
        ("D15", "2025-02-07 10:00", "", "Open", "New", "ten", "R1", ""),  # row 18: unparseable amount
    ]
    path = write_small_client(tmp_path, bad)
    data = load(load_params(path))
    assert checks(data) == {
        "deals.unparseable_date.created_at": 1,
        "deals.unparseable_number.amount": 1,
        "deals.unknown_value.status": 1,
        "deals.missing_value.owner_id": 1,
        "deals.duplicate_row.deal_id": 1,
        "deals.duplicate_id.deal_id": 1,
        "deals.negative_amount.amount": 1,
        "deals.unknown_stage.stage": 1,
        "deals.closed_before_created.closed_at": 1,
    }
    rows = {i.check: i.rows for i in data.issues}
    assert rows["unparseable_date"] == (10,) and rows["negative_amount"] == (11,)
    assert rows["duplicate_row"] == (15,) and rows["duplicate_id"] == (16,)
    deals = data["deals"].set_index("deal_id")
    assert len(deals) == 8 + 7  # two duplicates dropped, every other row kept
    assert pd.isna(deals.at["D9", "created_at"]) and pd.isna(deals.at["D10", "amount"])
    assert pd.isna(deals.at["D11", "closed_at"]) and deals.at["D11", "status"] == "lost"
    assert deals.at["D2", "amount"] == 3000  # the first row wins
    assert deals.at["D14", "status"] == "open"  # unknown status: derived from the stage
    example = next(i for i in data.issues if i.check == "unparseable_date").examples
    assert example["Created"].tolist() == ["31.02.2025"]  # as written in the file
    frame = issues_frame(data.issues)
    assert set(frame.columns) == {"table", "check", "column", "count", "level", "rows", "message"}


def test_cp1251_semicolon_file_with_russian_headers(tmp_path: Path):
    params = PARAMS.replace(
        """    deals:
      path: deals.csv
      delimiter: ";"
      columns: {Deal ID: deal_id, Created: created_at, Closed: closed_at, Status: status, Stage: stage, Value: amount, Owner: owner_id, Lost reason: lost_reason}""",
        """    deals:
      path: deals.csv
      delimiter: auto
      encoding: auto
      decimal: ","
      date_format: "%d.%m.%Y"
      columns: {ID: deal_id, Создана: created_at, Закрыта: closed_at, Статус: status, Этап: stage, Сумма: amount, Ответственный: owner_id, Причина отказа: lost_reason}""",
    ).replace("status: {Open: open, Won: won, Lost: lost}", "status: {Открыта: open, Успешно: won, Провал: lost}")
    path = write_small_client(tmp_path, params=params)
    text = (
        "ID;Создана;Закрыта;Статус;Этап;Сумма;Ответственный;Причина отказа\n"
        "1;05.01.2025;25.01.2025;Успешно;Won;1 234,50;R1;\n"
        "2;10.02.2025;01.03.2025;Провал;Qualified;800,00;R2;Дорого\n"
    )
    (tmp_path / "data" / "deals.csv").write_bytes(text.encode("cp1251"))
    data = load(load_params(path))
    deals = data["deals"]
    assert data.sources["deals"]["encoding"] in ("cp1251", "windows-1251")
    assert deals["amount"].tolist() == [1234.5, 800.0]
    assert deals["status"].tolist() == ["won", "lost"]
    assert deals["lost_reason"].tolist()[1] == "Дорого"
    assert deals["created_at"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-05", "2025-02-10"]


def test_wrong_encoding_says_what_to_set(tmp_path: Path):
    path = write_small_client(tmp_path)
    (tmp_path / "data" / "leads.csv").write_bytes("lead_id,created_at,source\nL1,2025-01-01,Сайт\n".encode("cp1251"))
    with pytest.raises(DataError, match=r"leads\.csv: not valid utf-8 text .*encoding"):
        load(load_params(path))


def test_excel_and_parquet_sources(tmp_path: Path):
    path = write_small_client(tmp_path)
    leads = pd.read_csv(tmp_path / "data" / "leads.csv", dtype=str)
    leads.to_excel(tmp_path / "data" / "leads.xlsx", sheet_name="Leads", index=False)
    text = path.read_text().replace("leads: {path: leads.csv}", "leads: {path: leads.xlsx, sheet: Leads}")
    path.write_text(text)
    assert load(load_params(path))["leads"]["lead_id"].tolist() == ["L1", "L2", "L3", "L4", "L5"]
    preflight(load_params(path))
    path.write_text(text.replace("sheet: Leads", "sheet: Nope"))
    with pytest.raises(DataError, match=r"no sheet 'Nope'. Sheets found: \['Leads'\]"):
        load(load_params(path))
    leads.to_parquet(tmp_path / "data" / "leads.parquet")
    path.write_text(text.replace("leads: {path: leads.xlsx, sheet: Leads}", "leads: {path: leads.parquet}"))
    assert load(load_params(path))["leads"]["deal_id"].isna().sum() == 2
    preflight(load_params(path))
    leads.drop(columns="source").to_parquet(tmp_path / "data" / "leads.parquet")
    with pytest.raises(DataError, match=r"leads\.parquet: table 'leads' needs column 'source'"):
        preflight(load_params(path))


def test_inventory_lists_every_table(small_client: Path):
    inv = load(load_params(small_client)).inventory().set_index("table")
    assert inv.at["deals", "rows"] == 8 and inv.at["leads", "rows"] == 5
    assert inv.at["activities", "status"] == "not provided"
    assert inv.at["deals", "from"] == pd.Timestamp("2024-12-20 10:00")


def test_deals_without_rows_is_a_clear_error_and_empty_optional_tables_load(tmp_path: Path):
    path = write_small_client(tmp_path)
    (tmp_path / "data" / "leads.csv").write_text("lead_id,created_at,source\n", encoding="utf-8")
    assert load(load_params(path))["leads"].empty
    (tmp_path / "data" / "deals.csv").write_text("Deal ID;Created;Closed;Status;Stage;Value;Owner\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"deals\.csv: the deals file has no data rows"):
        load(load_params(path))


def test_blank_rows_are_skipped_and_reported(tmp_path: Path):
    path = write_small_client(tmp_path, [*DEALS, ("", "", "", "", "", "", "", "")])
    data = load(load_params(path))
    assert len(data["deals"]) == 8
    assert [(i.check, i.level, i.rows) for i in data.issues] == [("empty_row", "info", (10,))]


def test_sources_record_the_sha256_of_every_file(small_client: Path):
    import hashlib

    data = load(load_params(small_client))
    for name in ("deals", "leads"):
        expected = hashlib.sha256((small_client.parent / "data" / f"{name}.csv").read_bytes()).hexdigest()
        assert data.sources[name]["sha256"] == expected


@pytest.mark.parametrize(
    "ids, repeated",
    [
        (["D1", "D2", "D3", "D4"], []),  # rising: no id repeats, told without hashing
        (["D4", "D3", "D2", "D1"], []),  # falling, as exports sorted newest first are
        (["D8", "D9", "D10", "D11", "D100"], []),  # numbered without zeros: rising by length, then as text
        (["D100", "D11", "D10", "D9"], []),
        (["D9", "D10", "D10", "D100"], ["D10"]),
        (["D9", "D10", "D9"], ["D9"]),  # rises, then falls back to a repeat
        (["D10", "D9", "D11"], []),  # neither way: the ids are hashed
        (["D1", "D2", "D2", "D3"], ["D2"]),  # sorted with a repeat next to itself
        (["D1", "D3", "D2", "D1"], ["D1"]),  # unsorted
        (["D1", None, "D1", "D2"], ["D1"]),  # a missing id between the two
    ],
)
def test_repeated_ids_are_found_in_sorted_unsorted_and_gapped_tables(ids, repeated):
    from auditkit.io.load import _Checks, _deduplicate
    from auditkit.schema import SPECS

    df = pd.DataFrame({"_row": range(2, 2 + len(ids)), "deal_id": pd.Series(ids, dtype="string[pyarrow]")})
    for col in SPECS["deals"].names:
        if col != "deal_id":
            df[col] = pd.Series(pd.NA, index=df.index, dtype="string")
    checks = _Checks("deals", df)
    out = _deduplicate(df, SPECS["deals"], checks)
    kept = [i for i in ids if i is not None]
    assert out["deal_id"].dropna().tolist() == list(dict.fromkeys(kept))
    assert sorted({ids[r - 2] for i in checks.issues for r in i.rows}) == repeated


def _loaded(path: Path):
    """What loading gives, as comparable plain values: every table, every issue and every source."""
    data = load(load_params(path))
    return {name: df.astype(object).where(df.notna(), None) for name, df in data.tables.items()}, \
        [i.to_dict() for i in data.issues], data.sources


@pytest.mark.parametrize("client", ["small", "edge", "activities_parquet"])
def test_a_large_file_loaded_ahead_in_a_thread_loads_as_it_does_in_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: str):
    """The largest file is read and checked in a background thread while the tables before it are (at 1M
    deals, the activities' Parquet): the tables, issues and sources are those of loading every file in its
    turn, and the read and the checks did happen in that thread."""
    import importlib
    import threading

    from edge_client import write_edge_client

    load_module = importlib.import_module("auditkit.io.load")
    if client == "edge":
        path = write_edge_client(tmp_path)
    else:
        fmt = "parquet" if client == "activities_parquet" else "csv"
        path = write_small_client(tmp_path, params=PARAMS + f"    activities: {{path: activities.{fmt}}}\n")
        rows = pd.DataFrame({"activity_id": ["A1", "A2", "A2", "A3"], "at": ["2025-01-05 10:00"] * 4,
                             "type": ["call", " Call", " Call", "n/a"], "owner_id": ["R1", "R2", "R2", "R9"],
                             "deal_id": ["D1", "D2", "D2", "D99"]})
        if fmt == "csv":
            rows.to_csv(tmp_path / "data" / "activities.csv", index=False)
        else:
            rows.to_parquet(tmp_path / "data" / "activities.parquet")
    sizes = {p.name: p.stat().st_size for p in (path.parent / "data").iterdir()}
    reads: dict[str, str] = {}
    checks: dict[str, str] = {}
    real, real_check = load_module.read_raw, load_module._load_table

    def spy(file, *args, **kwargs):
        reads[Path(file).name] = threading.current_thread().name
        return real(file, *args, **kwargs)

    def spy_check(name, raw, *args, **kwargs):
        checks[raw.path.name] = threading.current_thread().name
        return real_check(name, raw, *args, **kwargs)

    monkeypatch.setattr(load_module, "read_raw", spy)
    monkeypatch.setattr(load_module, "_load_table", spy_check)
    monkeypatch.setattr(load_module, "PREFETCH_BYTES", 10**12)
    in_turn = _loaded(path)
    assert not any(thread.startswith("auditkit-read") for thread in reads.values())
    reads.clear()
    monkeypatch.setattr(load_module, "PREFETCH_BYTES", 0)
    ahead = _loaded(path)
    first = Path(load_params(path).data.tables["deals"].path).name
    largest = max((name for name in reads if name != first), key=lambda n: sizes[n])
    assert reads[largest].startswith("auditkit-read") and sum(t.startswith("auditkit-read") for t in reads.values()) == 1
    assert checks[largest] == reads[largest] and sum(t.startswith("auditkit-read") for t in checks.values()) == 1
    for name, table in in_turn[0].items():
        pd.testing.assert_frame_equal(ahead[0][name], table)
    assert ahead[1] == in_turn[1] and ahead[1] and ahead[2] == in_turn[2]


def test_a_broken_file_read_ahead_is_reported_in_its_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A file read ahead that cannot be read gives the error reading it in turn gives; a deals file that cannot
    be used is reported first, as before, whatever the file read ahead holds."""
    import importlib

    load_module = importlib.import_module("auditkit.io.load")
    path = write_small_client(tmp_path, params=PARAMS + "    activities: {path: activities.parquet}\n")
    (tmp_path / "data" / "activities.parquet").write_bytes(b"not a parquet file, " * 100)
    errors = []
    for limit in (10**12, 0):
        monkeypatch.setattr(load_module, "PREFETCH_BYTES", limit)
        with pytest.raises(DataError) as err:
            load(load_params(path))
        errors.append(str(err.value))
    assert errors[0] == errors[1] and "activities.parquet" in errors[0]
    deals = tmp_path / "data" / "deals.csv"
    deals.write_text(deals.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")  # no deals
    with pytest.raises(DataError) as err:
        load(load_params(path))
    assert "deals.csv" in str(err.value) and "activities" not in str(err.value)


ISO_VALUES = [
    "2025-01-02", "2025-01-02 10:00", "2025-01-02T10:00:05", "2025-01-02 10:00:05.25", "2024-02-29 23:59:59",
    "2025-02-29", "2025-02-30 10:00", "2025-13-01", "2025-01-01 24:00:00", "2025-01-01 23:59:60",  # no such moment
    "2025-01-02 10:00:00Z", "2025-01-02T10:00:00+03:00",  # UTC offsets
    "20250102", "2025-1-2", "2025-01-02 1:00:00", " 2025-01-02", "0001-01-01", "9999-12-31", "1899-12-31",  # pandas only
    None,
]


@pytest.mark.parametrize("seed", range(12))
def test_dates_read_by_arrow_equal_those_read_by_pandas(seed, monkeypatch):
    """A text column whose every value is a naive ISO 8601 timestamp is read by Arrow in one pass; any other
    column by pandas. Arrow's parser must accept only what pandas reads, and read it as pandas does: the
    same timestamps and the same values set aside, on random mixes of valid and invalid values."""
    import numpy as np

    import importlib

    L = importlib.import_module("auditkit.io.load")  # the module (the package exports its function load)

    rng = np.random.default_rng(seed)
    pool = ISO_VALUES[:5] + [None] if seed % 3 == 0 else ISO_VALUES  # every third column all valid
    values = [pool[i] for i in rng.integers(0, len(pool), 40)]
    s = pd.Series(values, dtype="string[pyarrow]")
    fast = L._parse_dates(s, None, "Europe/Moscow")
    assert (L._naive_iso(s) is not None) == all(v in ISO_VALUES[:5] or v is None for v in values)
    monkeypatch.setattr(L, "_naive_iso", lambda text: None)
    slow = L._parse_dates(s, None, "Europe/Moscow")
    pd.testing.assert_series_equal(fast[0], slow[0])
    pd.testing.assert_series_equal(fast[1], slow[1])
