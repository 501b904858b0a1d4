"""The activities summarised once (auditkit.metrics.activities), and a run's cache that keeps only the summary.

Period 2025-01-01 .. 2025-03-31 (as of 2025-04-01). Deals d1 (owner A) and d2 (owner B), created in it.
The activities, by hand:

| id | at                | type    | owner | deal | lead | logged_at         |
|----|-------------------|---------|-------|------|------|-------------------|
| a1 | 2024-12-20 10:00  | call    | A     | d1   |      |                   |  before the period
| a2 | 2025-01-06 09:00  | call    | A     | d1   |      | 2025-01-06 10:00  |  lag 1 h
| a3 | 2025-01-07 09:00  | email   | B     | d1   |      | 2025-01-09 09:00  |  lag 48 h, B helps on A's deal
| a4 | 2025-01-14 09:00  | meeting | B     | d2   |      | 2025-01-14 12:00  |  lag 3 h, no duration
| a5 | 2025-02-03 09:00  | call    |       | d2   |      |                   |  no owner
| a6 | 2025-02-04 09:00  | call    | A     |      | L1   | 2025-02-04 09:30  |  on a lead, lag 0.5 h
| a7 |                   | email   | A     | d1   |      |                   |  no date
| a8 | 2025-04-02 09:00  | call    | A     | d1   |      |                   |  after the as-of moment: not seen

- ``by_deal`` (before the as-of moment, on a deal): (d1, A): a1, a2, a7 -> 3, of which in the period 1 (a2),
  last 2025-01-06 09:00; (d1, B): a3 -> 1, 1, 2025-01-07; (d2, B): a4 -> 1, 1, 2025-01-14; (d2, <NA>): a5 -> 1, 1.
- ``by_rep`` (in the period): A call in the week of Mon 2025-01-06 (a2) and Mon 2025-02-03 (a6); B email
  week 01-06 (a3), B meeting week 01-13 (a4); <NA> call week 02-03 (a5). One each.
- ``lag``: logged a2 1 h, a3 48 h, a4 3 h, a6 0.5 h -> (all) 4 activities, median 2 h, late share 1/4;
  A: 1 and 0.5 -> median 0.75; B: 48 and 3 -> median 25.5, late share 1/2 (B first: the slowest median).
- ``fill`` over the 5 activities of the period (a2-a6): owner 4/5; deal needed where no lead: 4, filled 4;
  logged_at 4/5; duration needed for calls and meetings (a2, a4, a5, a6): 4, filled 3 (a4 has none).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from auditkit.errors import DataError
from auditkit.frame import AuditFrame, frame_from_tables
from auditkit.metrics import comms, hygiene
from auditkit.metrics.activities import summarise
from auditkit.metrics.people import people_report
from auditkit.metrics.staleness import last_sign_of_life
from auditkit.params import parse_params

PARAMS = {
    "client": {"name": "X", "slug": "x"}, "period": {"start": "2025-01-01", "end": "2025-03-31"},
    "pipeline": {"stages": ["New", "Won", "Lost"], "won": "Won", "lost": "Lost"},
    "data": {"tables": {"deals": {"path": "d.csv"}}},
}
DEALS = pd.DataFrame({"deal_id": ["d1", "d2"], "created_at": ["2025-01-05", "2025-01-10"], "stage": "New",
                      "amount": [10.0, 20.0], "owner_id": ["A", "B"]})
NA = None
ACTIVITIES = pd.DataFrame({
    "activity_id": [f"a{i}" for i in range(1, 9)],
    "at": ["2024-12-20 10:00", "2025-01-06 09:00", "2025-01-07 09:00", "2025-01-14 09:00", "2025-02-03 09:00",
           "2025-02-04 09:00", NA, "2025-04-02 09:00"],
    "type": ["call", "call", "email", "meeting", "call", "call", "email", "call"],
    "owner_id": ["A", "A", "B", "B", NA, "A", "A", "A"],
    "deal_id": ["d1", "d1", "d1", "d2", "d2", NA, "d1", "d1"],
    "lead_id": [NA, NA, NA, NA, NA, "L1", NA, NA],
    "logged_at": [NA, "2025-01-06 10:00", "2025-01-09 09:00", "2025-01-14 12:00", NA, "2025-02-04 09:30", NA, NA],
    "duration_min": [5.0, 5.0, math.nan, math.nan, 2.0, 1.0, math.nan, 3.0],
})
T = pd.Timestamp


@pytest.fixture()
def frame() -> AuditFrame:
    return frame_from_tables(parse_params(PARAMS), {"deals": DEALS, "activities": ACTIVITIES})


def test_by_deal_counts_before_the_as_of_moment_and_in_the_period(frame):
    got = frame.activity.by_deal
    rows = {(r.deal_id, None if pd.isna(r.owner_id) else r.owner_id): (r.activities, r.in_period, r.last_at) for r in got.itertuples()}
    assert rows == {
        ("d1", "A"): (3, 1, T("2025-01-06 09:00")), ("d1", "B"): (1, 1, T("2025-01-07 09:00")),
        ("d2", "B"): (1, 1, T("2025-01-14 09:00")), ("d2", None): (1, 1, T("2025-02-03 09:00")),
    }


def test_by_rep_counts_the_period_per_type_and_week(frame):
    got = frame.activity.by_rep
    rows = {(None if pd.isna(r.owner_id) else r.owner_id, r.type, r.week): r.activities for r in got.itertuples()}
    assert rows == {
        ("A", "call", T("2025-01-06")): 1, ("A", "call", T("2025-02-03")): 1, ("B", "email", T("2025-01-06")): 1,
        ("B", "meeting", T("2025-01-13")): 1, (None, "call", T("2025-02-03")): 1,
    }


def test_a_week_runs_from_monday_to_sunday():
    # Sun 2025-01-12 23:59 ends the week of Mon 2025-01-06; Mon 2025-01-13 00:00 starts the next; Wed 2025-01-01
    # (the period's first day) is in the week of Mon 2024-12-30, before the period starts
    at = ["2025-01-12 23:59", "2025-01-13 00:00", "2025-01-06 00:00", "2025-01-01 08:00"]
    activities = pd.DataFrame({"activity_id": ["w1", "w2", "w3", "w4"], "at": at, "type": "call", "owner_id": "A", "deal_id": "d1"})
    got = frame_from_tables(parse_params(PARAMS), {"deals": DEALS, "activities": activities}).activity.by_rep
    assert dict(zip(got["week"], got["activities"])) == {T("2024-12-30"): 1, T("2025-01-06"): 2, T("2025-01-13"): 1}


def test_lag_and_fill(frame):
    lag = frame.activity.lag.set_index("rep")
    assert list(lag.index) == ["(all)", "B", "A"]
    assert lag.loc["(all)", "activities"] == 4 and lag.loc["(all)", "median_lag_hours"] == 2.0 and lag.loc["(all)", "late_share"] == 0.25
    assert lag.loc["A", "median_lag_hours"] == 0.75 and lag.loc["B", "median_lag_hours"] == 25.5 and lag.loc["B", "late_share"] == 0.5
    fill = frame.activity.fill.set_index("column")
    assert fill.loc["owner_id"].tolist() == [5, 4] and fill.loc["deal_id"].tolist() == [4, 4]
    assert fill.loc["logged_at"].tolist() == [5, 4] and fill.loc["duration_min"].tolist() == [4, 3]
    assert fill.loc["outcome"].tolist() == [5, 0]


def test_the_metrics_read_from_the_summary_equal_the_rows(frame):
    """Step 5 and 6's metrics read the summary; by hand from the rows above."""
    collab = comms.collaboration(frame).set_index("deal_id")
    # d1 (owner A): A's a1, a2, a7 and B's a3 -> 2 reps, 4 activities, 1 by someone else; d2 (owner B): a4 (a5 has no owner)
    assert collab.loc["d1", ["reps", "activities", "others"]].tolist() == [2, 4, 1]
    assert collab.loc["d2", ["reps", "activities", "others"]].tolist() == [1, 1, 0]
    assert comms.rep_handovers(frame).to_dict("records") == [{"owner": "A", "helper": "B", "deals": 1}]
    assert last_sign_of_life(frame).to_dict() == {"d1": T("2025-01-07 09:00"), "d2": T("2025-02-03 09:00")}
    assert hygiene.logging_lag(frame).equals(hygiene.logging_lag(frame))  # per frame, a copy each time
    done = hygiene.completeness(frame, tables=("activities",)).set_index("column")
    assert done.loc["duration_min", ["needed", "filled"]].tolist() == [4, 3] and done.loc["outcome", "status"] == "not_in_export"
    card = people_report(frame).card.set_index("rep")
    # in the period A logged a2 and a6 (2), B a3 and a4 (2); on deals A 1 over 1 deal, B 2 over 2 deals
    assert card.loc["A", "activities"] == 2 and card.loc["B", "activities"] == 2
    assert card.loc["A", "activities_per_deal"] == 1.0 and card.loc["B", "activities_per_deal"] == 1.0
    assert card.loc["(company)", "activities"] == 4 and card.loc["(company)", "activities_per_deal"] == 3 / 2


def test_a_run_cache_keeps_the_summary_not_the_rows(frame, tmp_path):
    folder = frame.save(tmp_path / "run")
    assert not (folder / "activities.parquet").exists() and (folder / "activities" / "by_deal.parquet").is_file()
    loaded = AuditFrame.load(tmp_path / "run")
    assert loaded.has("activities") and loaded.data.rows() == frame.data.rows() == {"deals": 2, "activities": 8}
    for part in ("by_deal", "by_rep", "lag", "fill"):
        pd.testing.assert_frame_equal(getattr(loaded.activity, part), getattr(frame.activity, part))
    assert loaded.availability("activities", "logged_at") == frame.availability("activities", "logged_at")
    assert loaded.availability("activities", "outcome").status == "not_in_export"
    pd.testing.assert_frame_equal(loaded.data.inventory(), frame.data.inventory())
    pd.testing.assert_frame_equal(comms.collaboration(loaded), comms.collaboration(frame))
    pd.testing.assert_frame_equal(hygiene.weekly_loggers(loaded), hygiene.weekly_loggers(frame))
    pd.testing.assert_frame_equal(people_report(loaded).card, people_report(frame).card)
    assert loaded.data.tables.read() == ["deals"]  # none of it read the activities' rows
    with pytest.raises(DataError, match=r"clean: this run's cache keeps the activities summarised.*build_frame"):
        loaded.table("activities")
    assert sorted(loaded.tables) == ["deals"] and sorted(frame.tables) == ["activities", "deals"]  # the rows it has


def test_a_notebook_cache_keeps_the_rows_too(frame, tmp_path):
    frame.save(tmp_path / "run", activities="rows")
    loaded = AuditFrame.load(tmp_path / "run")
    assert len(loaded.table("activities")) == 7  # a8 is after the as-of moment
    pd.testing.assert_frame_equal(loaded.activity.by_deal, summarise(loaded.data.tables["activities"], loaded.params).by_deal)


def test_a_subset_keeps_the_summary_and_counts_its_own_deals(frame, tmp_path):
    frame.save(tmp_path / "run")
    loaded = AuditFrame.load(tmp_path / "run")
    sub = loaded.subset(["d1"])
    assert sub.activity is loaded.activity
    assert sub.data.rows() == {"deals": 1, "activities": 8}


def test_lag_table_merges_no_rep_with_a_rep_named_none_and_orders_ties_by_first_appearance():
    """By hand: A logs 1 h and 4 h, B 2 h and 3 h (both a median of 2.5 h: A, seen first, comes first), and
    two activities without a rep and one rep literally named "(none)" log 30 h and 40 h, as one row."""
    import numpy as np
    import pandas as pd

    from auditkit.metrics.activities import lag_table

    owner_values = pd.Index(["B", "(none)", "A"], dtype="string")
    owner = np.array([2, -1, 0, 1, 2, 0])  # A, no rep, B, "(none)", A, B
    lag = np.array([1.0, 30.0, 2.0, 40.0, 4.0, 3.0])
    out = lag_table(lag, owner, owner_values).set_index("rep")
    assert list(out.index) == ["(all)", "(none)", "A", "B"]
    assert out["activities"].tolist() == [6, 2, 2, 2]
    assert out["median_lag_hours"].tolist() == [3.5, 35.0, 2.5, 2.5]
    assert out.loc["(none)", "p90_lag_hours"] == 39.0 and out.loc["A", "p90_lag_hours"] == 3.7
    assert out["late_share"].tolist() == [2 / 6, 1.0, 0.0, 0.0]


@pytest.mark.parametrize("seed", range(12))
def test_lag_table_equals_pandas_grouped_median_and_quantile_to_the_last_bit(seed):
    """Each rep's median and 90th percentile are found by partial sorting: equal, bit for bit, to pandas'
    grouped median and quantile (what the table was computed with), on lags with ties, one-activity reps
    and activities without a rep."""
    from auditkit.metrics.activities import ALL, LATE_LOG_HOURS, NO_VALUE, lag_table

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4000))
    lag = np.round(rng.exponential(20, n), int(rng.integers(0, 3)))  # rounded: many ties
    owner_values = pd.Index([f"R{i}" for i in range(int(rng.integers(1, 40)))], dtype="string")
    owner = rng.integers(-1, len(owner_values), n)
    out = lag_table(lag, owner, owner_values).set_index("rep")
    names = pd.Series([owner_values[o] if o >= 0 else NO_VALUE for o in owner])
    for key, g in [(ALL, pd.Series(lag).groupby(np.zeros(n)))] + [(None, pd.Series(lag).groupby(names))]:
        want = pd.DataFrame({"activities": g.size(), "median_lag_hours": g.median(), "p90_lag_hours": g.quantile(0.9),
                             "late_share": g.apply(lambda s: float((s > LATE_LOG_HOURS).mean()))})
        if key is not None:
            want.index = [key]
        got = out.loc[list(want.index), list(want.columns)]
        assert got["activities"].tolist() == want["activities"].tolist()
        for col in ("median_lag_hours", "p90_lag_hours", "late_share"):
            assert got[col].to_numpy().tobytes() == want[col].to_numpy(dtype=float).tobytes(), col


@pytest.mark.parametrize("seed", range(4))
def test_per_key_over_a_table_of_keys_equals_pandas_grouping(seed):
    from auditkit.metrics.activities import per_key

    rng = np.random.default_rng(seed)
    n, n_keys = int(rng.integers(0, 3000)), int(rng.integers(1, 5000))
    key = rng.integers(0, n_keys, n)
    flag = rng.random(n) < 0.4
    value = rng.integers(-(2**62), 2**62, n)
    value[rng.random(n) < 0.2] = np.iinfo(np.int64).min  # NaT, the smallest
    dense, hashed = per_key(key, flag, value, n_keys, dense=True), per_key(key, flag, value, n_keys, dense=False)
    expected = pd.DataFrame({"key": key, "flag": flag, "value": value}).groupby("key").agg(
        rows=("flag", "size"), flagged=("flag", "sum"), top=("value", "max"))
    for got in (dense, hashed):
        assert [a.dtype for a in got] == [np.dtype(np.int64)] * 4
        assert np.array_equal(got[0], expected.index.to_numpy())
        assert np.array_equal(got[1], expected["rows"].to_numpy())
        assert np.array_equal(got[2], expected["flagged"].to_numpy())
        assert np.array_equal(got[3], expected["top"].to_numpy())


def random_activities(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Activities with every case the summary distinguishes: missing owners, deals, types and dates, a rep
    literally named "(none)", dates before, in and after the period, lags of every size, owners first seen in
    any order, categorical columns (as loaded) and text ones."""
    owners = np.array(["A", "B", "C", "Rita One", "(none)", None], dtype=object)
    at = pd.Timestamp("2024-11-01") + pd.to_timedelta(rng.integers(0, 220 * 24 * 60, n), unit="min")
    at = pd.Series(at).mask(rng.random(n) < 0.05)
    lag = pd.to_timedelta(rng.exponential(20, n), unit="h").round("s")
    logged = (at + lag).mask(rng.random(n) < 0.2)
    return pd.DataFrame({
        "activity_id": [f"a{i}" for i in range(n)],
        "at": at.astype("datetime64[ns]"),
        "type": pd.Categorical(rng.choice(np.array(["call", "email", "meeting", None], dtype=object), n)),
        "owner_id": pd.Categorical(rng.choice(owners, n, p=[0.3, 0.2, 0.15, 0.15, 0.05, 0.15])),
        "deal_id": pd.Categorical(rng.choice(np.array([f"d{i}" for i in range(40)] + [None], dtype=object), n)),
        "lead_id": pd.Series(rng.choice(np.array(["L1", "L2", None, None], dtype=object), n), dtype="string"),
        "logged_at": logged.astype("datetime64[ns]"),
        "duration_min": np.where(rng.random(n) < 0.3, np.nan, rng.integers(1, 60, n)),
        "outcome": pd.Series(rng.choice(np.array(["ok", None], dtype=object), n), dtype="string"),
    })


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("renamed", [False, True])
def test_the_summary_of_parts_equals_the_summary_of_the_whole_table(seed: int, renamed: bool):
    """A table read in parts (auditkit.io.stream) is summarised part by part and the parts merged; owners
    written as a rep's name may be renamed only at the end. Each of the four tables must be the whole table's,
    row order included, with the parts cut anywhere."""
    from auditkit.metrics.activities import Summariser

    rng = np.random.default_rng(seed)
    whole = random_activities(rng, 900)
    names = {"Rita One": "A", "C": "B"} if renamed else {}
    expected = summarise(whole.assign(owner_id=whole["owner_id"].astype("string").replace(names)), parse_params(PARAMS))
    cuts = sorted(rng.choice(np.arange(1, 900), 5, replace=False))
    parts = Summariser(parse_params(PARAMS))
    for a, b in zip([0, *cuts], [*cuts, 900]):
        part = whole.iloc[a:b].reset_index(drop=True)
        for col in ("type", "owner_id", "deal_id"):  # each part as loaded: only its own categories
            part[col] = part[col].cat.remove_unused_categories()
        parts.add(part)
    got = parts.finish(names)
    for table in ("by_deal", "by_rep", "lag", "fill"):
        pd.testing.assert_frame_equal(getattr(got, table), getattr(expected, table), obj=table)
    assert "Rita One" not in set(got.by_deal["owner_id"].dropna()) or not renamed
    pd.testing.assert_frame_equal(parts.finish().lag, summarise(whole, parse_params(PARAMS)).lag)  # the parts stay
