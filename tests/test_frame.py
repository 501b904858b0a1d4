"""The audit frame: what is visible at the as-of moment, the populations, availability and coverage.

A period of January to March 2025 (as of 2025-04-01 00:00). Deals written out below:

- a: created 01-05, won 01-20                 -> created, closed, won
- b: created 2024-12-20, lost 01-10           -> closed and lost in the period, not created in it
- c: created 03-20, won 04-05 (after as_of)   -> created; open at as_of, its stage from the history (Proposal)
- d: created 04-02 (after as_of)              -> invisible
- e: created 02-01, still open                -> created, open at end
- f: created 2024-11-01, lost 2024-12-15      -> in no period population
"""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.frame import AuditFrame, frame_from_tables
from auditkit.params import parse_params
from auditkit.quality import QualityIssue

PARAMS = {
    "client": {"name": "X", "slug": "x"},
    "period": {"start": "2025-01-01", "end": "2025-03-31"},
    "pipeline": {"stages": ["New", "Proposal", "Won", "Lost"], "won": "Won", "lost": "Lost"},
    "data": {"tables": {"deals": {"path": "d.csv"}}},
}
T = pd.Timestamp


def params(**over):
    return parse_params({**PARAMS, **over})


def deals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal_id": ["a", "b", "c", "d", "e", "f"],
            "created_at": ["2025-01-05", "2024-12-20", "2025-03-20", "2025-04-02", "2025-02-01", "2024-11-01"],
            "closed_at": ["2025-01-20", "2025-01-10", "2025-04-05", None, None, "2024-12-15"],
            "stage": ["Won", "Lost", "Won", "New", "New", "Lost"],
            "amount": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
            "owner_id": "r1",
            "lost_reason": [None, "Price", None, None, None, None],
        }
    )


def history() -> pd.DataFrame:
    rows = [("c", "New", "2025-03-20"), ("c", "Proposal", "2025-03-25"), ("c", "Won", "2025-04-05"), ("d", "New", "2025-04-02")]
    return pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"])


@pytest.fixture
def frame() -> AuditFrame:
    return frame_from_tables(params(), {"deals": deals(), "stage_history": history()})


def test_nothing_after_the_as_of_moment_is_visible(frame):
    assert frame.as_of == T("2025-04-01")
    d = frame.deals.set_index("deal_id")
    assert "d" not in d.index
    assert d.at["c", "status"] == "open" and pd.isna(d.at["c", "closed_at"]) and d.at["c", "stage"] == "Proposal"
    assert frame.table("stage_history")["entered_at"].max() == T("2025-03-25")
    assert frame.notes == {"deals_created_after_as_of": 1, "deals_closed_after_as_of": 1, "stage_entries_after_as_of": 2}


def test_a_deal_closed_later_without_history_has_an_unknown_stage():
    f = frame_from_tables(params(), {"deals": deals()})
    assert pd.isna(f.deals.set_index("deal_id").at["c", "stage"])


def test_populations(frame):
    ids = {name: sorted(frame.population(name)["deal_id"]) for name in ("deals_created", "deals_closed", "deals_won", "deals_lost", "deals_open_at_end")}
    assert ids == {
        "deals_created": ["a", "c", "e"],
        "deals_closed": ["a", "b"],
        "deals_won": ["a"],
        "deals_lost": ["b"],
        "deals_open_at_end": ["c", "e"],
    }
    with pytest.raises(KeyError, match="unknown population"):
        frame.population("deals")
    for name, want in ids.items():  # the same rows as a mask over frame.deals, without taking them
        assert sorted(frame.deals.loc[frame.in_population(name), "deal_id"]) == want
    with pytest.raises(KeyError, match="unknown deals population"):
        frame.in_population("leads_created")


def test_leads_see_contacts_and_deals_only_up_to_as_of():
    leads = pd.DataFrame(
        {
            "lead_id": ["l1", "l2", "l3"],
            "created_at": ["2025-03-30", "2025-03-31 22:00", "2025-04-03"],
            "source": "Web",
            "first_contact_at": ["2025-03-30 10:00", "2025-04-01 09:00", "2025-04-03 10:00"],
            "deal_id": ["a", "d", None],
        }
    )
    f = frame_from_tables(params(), {"deals": deals(), "leads": leads})
    seen = f.table("leads").set_index("lead_id")
    assert list(seen.index) == ["l1", "l2"]
    assert pd.isna(seen.at["l2", "first_contact_at"]) and pd.isna(seen.at["l2", "deal_id"])  # both after as_of
    assert seen.at["l1", "deal_id"] == "a"


def test_availability_tells_absent_empty_unparseable_and_ok():
    d = deals().drop(columns="lost_reason").assign(amount=[None, None, 10.0, None, None, None])
    bad = QualityIssue("deals", "unparseable_number", "amount", 3, "warning", "could not be read")
    f = frame_from_tables(params(), {"deals": d}, [bad])
    assert f.availability("deals", "lost_reason").status == "not_in_export"
    assert f.availability("deals", "lost_reason").reason() == "not available, because the Deals export has no Lost reason column"
    assert f.availability("deals", "lost_reason").reason("ru") == "нет данных, потому что в выгрузке «Сделки» нет столбца «Причина проигрыша»"
    amount = f.availability("deals", "amount")  # 1 read, 3 unreadable: 75 % > 50 %
    assert amount.status == "unparseable" and amount.unreadable_share == pytest.approx(0.75)
    assert "75%" in amount.reason() and "75\u00a0%" in amount.reason("ru")
    assert f.availability("leads", "created_at").status == "no_table"
    f2 = frame_from_tables(params(), {"deals": deals().assign(lost_reason=None)})
    assert f2.availability("deals", "lost_reason").status == "empty"
    assert f2.availability("deals", "amount").ok


def test_months_the_data_does_not_reach_are_marked():
    # events every few days from 2025-01-01 to 2025-02-10 only: data stops ~2 months before the period end
    days = pd.date_range("2025-01-01", "2025-02-10", freq="3D")
    d = pd.DataFrame({"deal_id": [f"x{i}" for i in range(len(days))], "created_at": days, "stage": "New", "amount": 1.0, "owner_id": "r"})
    cov = frame_from_tables(params(), {"deals": d}).month_coverage()
    assert cov["coverage"].tolist() == ["complete", "partial", "no_data"]
    # a period that starts mid-month makes its first month partial
    cov2 = frame_from_tables(params(period={"start": "2025-01-15", "end": "2025-02-28"}), {"deals": d}).month_coverage()
    assert cov2["coverage"].tolist() == ["partial", "partial"]
    # the monthly counts: a month the data does not reach has none (not zero), and the months still sum to the KPI
    from auditkit.kpis import evaluate
    from auditkit.metrics.trends import monthly_deals

    f = frame_from_tables(params(), {"deals": d})
    monthly = monthly_deals(f)
    assert monthly["created"].tolist()[:2] == [11, 3] and monthly["created"].isna().tolist() == [False, False, True]
    assert monthly["created"].sum() == evaluate(f, "deals_created").value == len(d)


def test_save_and_load_round_trip(tmp_path, frame):
    frame.save(tmp_path / "run")
    back = AuditFrame.load(tmp_path / "run")
    assert back is not None and back.notes == frame.notes  # scoped on first use, whatever is read first and back.params == frame.params.model_copy(update={"source_path": back.params.source_path})
    pd.testing.assert_frame_equal(back.data.tables["deals"], frame.data.tables["deals"])
    assert sorted(back.population("deals_open_at_end")["deal_id"]) == ["c", "e"]
    assert AuditFrame.load(tmp_path / "elsewhere") is None


def test_the_cache_keeps_timestamps_in_milliseconds_when_none_is_finer(tmp_path):
    """A clean cache stores timestamps in milliseconds (a third smaller at 1M deals), as plain Parquet
    timestamps, unless a value has a finer part; read back, every column has its dtype and values again."""
    import pyarrow.parquet as pq

    from auditkit.metrics.activities import from_cache, to_cache

    df = pd.DataFrame({
        "at": pd.Series(["2025-01-01 10:00:00.123", None, "1969-12-31 23:59:59"]).astype("datetime64[ns]"),
        "fine": pd.Series(["2025-01-01 10:00:00.123456789", "2025-01-02", None]).astype("datetime64[ns]"),
        "zoned": pd.Series(["2025-01-01 10:00", None, "2025-03-01 00:00"]).astype("datetime64[ns]").dt.tz_localize("Europe/Moscow"),
        "n": [1, 2, 3],
    })
    to_cache(df, tmp_path / "t.parquet")
    schema = pq.read_schema(tmp_path / "t.parquet")
    assert [str(schema.field(c).type) for c in ("at", "fine", "zoned")] == [
        "timestamp[ms]", "timestamp[ns]", "timestamp[ms, tz=Europe/Moscow]"]
    back = from_cache(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(back, df)
    assert back.loc[0, "fine"].nanosecond == 789


def test_a_notebook_opened_again_reads_the_frame_from_the_cache(tmp_path, monkeypatch):
    """cached_frame: built and kept on first use; read back (not parsed again) while the params file, the
    data files and the loader are unchanged; rebuilt when a data file changes; one entry per params file;
    AUDITKIT_CACHE=off turns it off. Small client: D2 is worth 3000; it is set to 3500 below."""
    import os

    import auditkit.frame as F
    from auditkit import load_params
    from helpers import write_small_client

    monkeypatch.setenv("AUDITKIT_CACHE", str(tmp_path / "cache"))
    params = load_params(write_small_client(tmp_path / "client"))
    first = F.cached_frame(params)
    [entry] = [p for p in (tmp_path / "cache").glob("*/*") if p.is_dir()]
    assert (entry / "clean" / "deals.parquet").is_file()

    def no_parsing(_params):
        raise AssertionError("parsed the exports again")

    monkeypatch.setattr(F, "build_frame", no_parsing)
    again = F.cached_frame(params)
    pd.testing.assert_frame_equal(again.deals, first.deals)
    assert again.params.source_path == params.source_path and len(again.data.issues) == len(first.data.issues)
    monkeypatch.undo()
    monkeypatch.setenv("AUDITKIT_CACHE", str(tmp_path / "cache"))

    deals = params.table_path("deals")
    deals.write_text(deals.read_text(encoding="utf-8").replace(";3000;", ";3500;"), encoding="utf-8")
    os.utime(deals, ns=(deals.stat().st_mtime_ns + 10**9,) * 2)
    changed = F.cached_frame(params)
    assert changed.deals.set_index("deal_id").loc["D2", "amount"] == 3500
    assert [p.name for p in (tmp_path / "cache").glob("*/*")] != [entry.name]  # the old entry is gone
    assert len(list((tmp_path / "cache").glob("*/*"))) == 1

    monkeypatch.setenv("AUDITKIT_CACHE", "off")
    other = load_params(write_small_client(tmp_path / "other"))
    F.cached_frame(other)
    assert len(list((tmp_path / "cache").iterdir())) == 1  # nothing written for the second client


def test_a_frame_read_from_a_run_reads_a_table_only_when_a_step_uses_it(tmp_path):
    from auditkit import load_params
    from auditkit.frame import build_frame
    from helpers import write_small_client

    built = build_frame(load_params(write_small_client(tmp_path / "client")))
    built.save(tmp_path / "run")
    back = AuditFrame.load(tmp_path / "run")
    assert back is not None and list(back.data.tables) == list(built.data.tables) == ["deals", "leads", "reps"]
    pd.testing.assert_frame_equal(back.deals, built.deals)
    assert back.data.tables.read() == ["deals"]  # type: ignore[attr-defined]  # leads not read yet
    assert back.table("leads") is not None and back.notes == built.notes
    for name in ("deals", "leads", "reps"):  # the same scoped tables as the frame the run built, whatever the order
        pd.testing.assert_frame_equal(back.tables[name], built.tables[name])
    assert back.table("activities") is None and not back.has("activities")


def test_a_per_frame_metric_is_computed_once_and_a_caller_cannot_change_the_kept_result(frame):
    from auditkit.frame import per_frame

    calls = []

    @per_frame
    def open_amounts(f, column):
        calls.append(column)
        return f.population("deals_open_at_end")[["deal_id", column]].reset_index(drop=True)

    first = open_amounts(frame, "amount")
    first.loc[0, "amount"] = -1.0  # a caller changing its copy
    first["extra"] = 1
    again = open_amounts(frame, "amount")
    assert calls == ["amount"] and "extra" not in again and (again["amount"] != -1.0).all()
    pd.testing.assert_frame_equal(again, frame.population("deals_open_at_end")[["deal_id", "amount"]].reset_index(drop=True))
    open_amounts(frame, column="amount")  # keyword arguments: computed afresh
    open_amounts(frame.subset(frame.deals["deal_id"]), "amount")  # another frame: its own
    assert calls == ["amount", "amount", "amount"]


def test_a_runs_steps_share_one_frame_and_none_can_change_it_for_the_next(tmp_path):
    """A run's steps run one after another in one kernel: the second finds the first's frame (tables read and
    scoped once), and whatever a step does to the tables it was handed, the next sees them as they were."""
    from auditkit import load_params
    from auditkit.frame import build_frame, run_frame
    from helpers import write_small_client

    built = build_frame(load_params(write_small_client(tmp_path / "client")))
    built.save(tmp_path / "run")
    first = run_frame(tmp_path / "run")
    assert first is not None and run_frame(str(tmp_path / "run" / ".." / "run")) is first
    expected = {name: first.tables[name].copy() for name in ("deals", "leads")}
    won = first.population("deals_won").copy()
    # what a careless step might do to what it was handed
    deals = first.deals
    deals["amount"] = -1.0
    deals.loc[0, "status"] = "lost"
    handed_won, handed_leads = first.population("deals_won"), first.data.tables["leads"]
    handed_won["amount"] = 0.0
    handed_leads["deal_id"] = None
    second = run_frame(tmp_path / "run")
    assert second is first
    for name, table in expected.items():
        pd.testing.assert_frame_equal(second.tables[name], table)
    pd.testing.assert_frame_equal(second.population("deals_won"), won)
    pd.testing.assert_frame_equal(second.data.tables["leads"], built.data.tables["leads"])
    # a cache written anew (another run in the same folder is never made, but a test may) is read anew
    built.save(tmp_path / "run")
    import os

    meta = tmp_path / "run" / "clean" / "frame.json"
    os.utime(meta, ns=(meta.stat().st_atime_ns, meta.stat().st_mtime_ns + 1_000_000))
    assert run_frame(tmp_path / "run") is not first
    assert run_frame(tmp_path / "other") is None
