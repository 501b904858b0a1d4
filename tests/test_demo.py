"""The demo generator: deterministic files, the documented shapes, deals and
events outside the audit period (before it and up to the export three weeks
after it), and every planted problem visible over the period's populations
with a few lines of plain pandas on the raw files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from auditkit.demo import DEMO_SEED, GENERATOR_VERSION, demo_is_current, generate_demo
from auditkit.questionnaire import ITEMS

FMT = "%Y-%m-%d %H:%M:%S"
WORLD_START = pd.Timestamp("2025-01-01")
START = pd.Timestamp("2025-04-01")
END = pd.Timestamp("2026-10-01")  # the period's exclusive end: the kit's as-of instant
AS_OF = pd.Timestamp("2026-09-30 23:59:00")
EXPORTED_AT = pd.Timestamp("2026-10-20 23:59:00")
OPEN_STAGES = ["New", "Qualified", "Discovery", "Demo", "Proposal", "Negotiation"]
STAGES = [*OPEN_STAGES, "Won", "Lost"]

COLUMNS = {
    "deals.csv": [
        "Deal ID", "Created", "Closed", "Status", "Stage", "Value", "Owner", "Source", "Product", "Team",
        "Region", "Lost reason", "Expected close", "Account",
    ],
    "stage_history.csv": ["deal_id", "stage", "entered_at"],
    "leads.csv": ["lead_id", "created_at", "source", "owner_id", "first_contact_at", "status", "deal_id"],
    "activities.parquet": [
        "activity_id", "at", "type", "owner_id", "deal_id", "lead_id", "logged_at", "duration_min", "outcome",
    ],
    "reps.xlsx": ["rep_id", "name", "team", "role", "hired_at"],
    "targets.csv": ["rep_id", "team", "period_start", "period_end", "quota"],
    "assessments.csv": ["rep_id", "competency", "score", "assessor", "assessed_at"],
    "survey.csv": ["respondent_id", "department", "role", "question_id", "answer"],
    "tools.csv": ["tool", "category", "seats", "active_users", "monthly_cost", "integrated_with_crm"],
    "handoffs.csv": ["request_id", "from_dept", "to_dept", "kind", "created_at", "responded_at", "resolved_at"],
}
SIZES = {
    "deals.csv": (5_000, 7_000), "stage_history.csv": (15_000, 40_000), "leads.csv": (12_000, 18_000),
    "activities.parquet": (150_000, 250_000), "reps.xlsx": (25, 35), "targets.csv": (100, 250),
    "assessments.csv": (150, 300), "survey.csv": (1_200, 1_800), "tools.csv": (6, 12), "handoffs.csv": (1_500, 2_500),
}


def _read(folder: Path, name: str) -> pd.DataFrame:
    """A raw file read the plain way (deals with its ';' delimiter)."""
    if name.endswith(".parquet"):
        return pd.read_parquet(folder / name)
    if name.endswith(".xlsx"):
        return pd.read_excel(folder / name, sheet_name="reps")
    return pd.read_csv(folder / name, sep=";" if name == "deals.csv" else ",")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo(out)


@pytest.fixture(scope="module")
def raw(demo: tuple[Path, dict[str, Any]]) -> dict[str, pd.DataFrame]:
    folder, _ = demo
    return {name: _read(folder, name) for name in COLUMNS}


@pytest.fixture(scope="module")
def truth(demo: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return demo[1]


@pytest.fixture(scope="module")
def planted(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in truth["planted"]}


@pytest.fixture(scope="module")
def history(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    h = raw["stage_history.csv"]
    return h.assign(entered_at=pd.to_datetime(h["entered_at"], format=FMT)).sort_values(
        ["deal_id", "entered_at"], kind="stable"
    )


def _in_period(ts: pd.Series) -> pd.Series:
    return (ts >= START) & (ts < END)


@pytest.fixture(scope="module")
def deals(raw: dict[str, pd.DataFrame], history: pd.DataFrame) -> pd.DataFrame:
    """deals.csv, one row per deal id, with parsed dates and the deal's place relative to the period.

    ``created`` falls back to the deal's first stage entry where the Created
    cell is corrupted (a planted defect); ``closed_by_end`` is a deal won or
    lost before the period's end; ``open_at_end`` one created before the end
    and not closed before it (the kit sees a deal closed later as open).
    """
    d = raw["deals.csv"].drop_duplicates("Deal ID")
    first = history.groupby("deal_id")["entered_at"].min()
    created = pd.to_datetime(d["Created"], format=FMT, errors="coerce")
    created = created.fillna(d["Deal ID"].map(first))
    closed = pd.to_datetime(d["Closed"], format=FMT, errors="coerce")
    closed_by_end = (d["Status"] != "Open") & (closed < END)
    return d.assign(
        created=created, closed=closed, closed_by_end=closed_by_end,
        open_at_end=(created < END) & ~closed_by_end, closed_in_period=(d["Status"] != "Open") & _in_period(closed),
    )


@pytest.fixture(scope="module")
def funnel(deals: pd.DataFrame, history: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The funnel population: the stage entries before the end of the deals created in the period,
    and the ids of those deals won or lost before the end."""
    created = deals[_in_period(deals["created"])]
    h = history[history["deal_id"].isin(created["Deal ID"]) & (history["entered_at"] < END)]
    return h, created.loc[created["closed_by_end"], "Deal ID"]


# --------------------------------------------------------------------------- files, shapes, determinism


def test_every_file_reads_with_plain_pandas_and_has_the_listed_columns(raw: dict[str, pd.DataFrame]) -> None:
    for name, columns in COLUMNS.items():
        assert list(raw[name].columns) == columns, name


def test_sizes_are_in_range_and_match_truth_counts(raw: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    for name, (lo, hi) in SIZES.items():
        assert lo <= len(raw[name]) <= hi, (name, len(raw[name]))
        assert truth["counts"][name.split(".")[0]] == len(raw[name]), name
    reps = raw["reps.xlsx"]
    assert reps["team"].nunique() == 4
    assert (reps["role"] == "Team lead").sum() == 4
    assert raw["leads.csv"]["source"].nunique() == 6
    assert raw["survey.csv"]["respondent_id"].nunique() in range(50, 71)
    assert set(raw["survey.csv"]["department"]) == {"Sales", "Marketing", "Legal", "Finance", "Delivery", "Support"}
    assert set(raw["survey.csv"]["question_id"]) == {i.id for i in ITEMS}  # the standard questionnaire


def test_truth_header(truth: dict[str, Any]) -> None:
    assert truth["seed"] == DEMO_SEED
    assert truth["generator_version"] == GENERATOR_VERSION
    assert truth["period"] == {"start": "2025-04-01", "end": "2026-09-30"}
    assert truth["as_of"] == "2026-09-30 23:59:00"
    assert truth["exported_at"] == "2026-10-20 23:59:00"
    assert truth["world_start"] == "2025-01-01"
    assert truth["stages"] == STAGES
    assert len(truth["planted"]) == 9
    assert "period" in truth["populations"]["note"]
    for p in truth["planted"]:
        assert {"id", "kind", "description", "population"} <= set(p)
        assert p["population"] in truth["populations"], p["id"]


def test_same_seed_gives_identical_files_and_another_seed_differs(
    demo: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    first, truth = demo
    again = generate_demo(tmp_path / "again")
    assert again == truth
    for name in [*COLUMNS, "truth.json"]:
        assert (tmp_path / "again" / name).read_bytes() == (first / name).read_bytes(), name
    for name in ("activities.parquet", "reps.xlsx"):
        pd.testing.assert_frame_equal(_read(tmp_path / "again", name), _read(first, name))

    other = generate_demo(tmp_path / "other", seed=DEMO_SEED + 1)
    assert other["seed"] == DEMO_SEED + 1
    for name in ("deals.csv", "stage_history.csv", "leads.csv", "activities.parquet"):
        assert (tmp_path / "other" / name).read_bytes() != (first / name).read_bytes(), name

    # currency checks on the copies (the module's folder stays untouched)
    again_dir, other_dir = tmp_path / "again", tmp_path / "other"
    assert demo_is_current(first)
    assert demo_is_current(again_dir, seed=DEMO_SEED)
    assert not demo_is_current(again_dir, seed=DEMO_SEED + 1)
    assert demo_is_current(other_dir, seed=DEMO_SEED + 1)
    assert not demo_is_current(other_dir)
    assert not demo_is_current(tmp_path / "nowhere")
    (again_dir / "truth.json").unlink()
    assert not demo_is_current(again_dir)
    shutil.copy(first / "truth.json", again_dir / "truth.json")
    assert demo_is_current(again_dir)
    (again_dir / "leads.csv").write_bytes((first / "leads.csv").read_bytes()[:1000])
    assert not demo_is_current(again_dir)
    stale = json.loads((first / "truth.json").read_text(encoding="utf-8"))
    stale["generator_version"] = "0-old"
    (other_dir / "truth.json").write_text(json.dumps(stale), encoding="utf-8")
    assert not demo_is_current(other_dir)


# --------------------------------------------------------------------------- consistency and realism


def _stamps(raw: dict[str, pd.DataFrame], deals: pd.DataFrame) -> dict[str, pd.Series]:
    """Every event time in the files (the corrupted deal cells aside)."""
    out = {"deals.created": deals["created"], "deals.closed": deals["closed"]}
    for name, cols in {
        "stage_history.csv": ["entered_at"], "leads.csv": ["created_at", "first_contact_at"],
        "handoffs.csv": ["created_at", "responded_at", "resolved_at"],
    }.items():
        out |= {f"{name}.{c}": pd.to_datetime(raw[name][c], format=FMT) for c in cols}
    out |= {f"activities.{c}": raw["activities.parquet"][c] for c in ("at", "logged_at")}
    return out


def test_the_export_runs_from_the_world_start_to_the_export_day(
    raw: dict[str, pd.DataFrame], deals: pd.DataFrame, truth: dict[str, Any]
) -> None:
    stamps = _stamps(raw, deals)
    for name, s in stamps.items():
        assert WORLD_START <= s.min() and s.max() <= EXPORTED_AT, name
    # each kind of event happens before the period and between its end and the export
    for name in ("deals.created", "deals.closed", "stage_history.csv.entered_at", "leads.csv.created_at",
                 "leads.csv.first_contact_at", "activities.at", "handoffs.csv.created_at"):
        s = stamps[name]
        assert (s < START).sum() > 50, name
        assert ((s >= END) & (s <= EXPORTED_AT)).sum() > 50, name
        assert (s < pd.Timestamp("2025-02-01")).any() and (s >= pd.Timestamp("2026-10-15")).any(), name
    # the counts of events outside the period in truth.json
    out = truth["outside_period"]
    for key, s in {
        "stage_entries": stamps["stage_history.csv.entered_at"], "leads_created": stamps["leads.csv.created_at"],
        "activities": stamps["activities.at"], "handoffs_created": stamps["handoffs.csv.created_at"],
    }.items():
        assert out[f"{key}_before_period"] == (s < START).sum(), key
        assert out[f"{key}_after_period"] == (s >= END).sum(), key


def test_deals_outside_the_period_exist_in_the_expected_numbers(
    deals: pd.DataFrame, history: pd.DataFrame, truth: dict[str, Any]
) -> None:
    out = truth["outside_period"]
    created, closed, done = deals["created"], deals["closed"], deals["Status"] != "Open"
    before, after, inside = created < START, created >= END, _in_period(created)
    found = {
        "deals_created_before_period": before,
        "deals_created_after_period": after,
        "deals_created_in_period_closed_after_it": inside & done & (closed >= END),
        "deals_created_and_closed_before_period": before & done & (closed < START),
        "deals_created_before_period_closed_in_it": before & done & _in_period(closed),
        "deals_created_before_period_open_at_its_end": before & deals["open_at_end"],
        "deals_closed_after_period": ~after & done & (closed >= END),
    }
    for key, mask in found.items():
        assert out[key] == mask.sum(), key
    assert out["deals_created_before_period"] == (
        out["deals_created_and_closed_before_period"] + out["deals_created_before_period_closed_in_it"]
        + out["deals_created_before_period_open_at_its_end"]
    )
    # about three months before the period, three weeks after it, and the tail of the period's deals
    assert 500 <= out["deals_created_before_period"] <= 1_000
    assert 300 <= out["deals_created_and_closed_before_period"] and 150 <= out["deals_created_before_period_closed_in_it"]
    assert 150 <= out["deals_created_after_period"] <= 450
    assert 100 <= out["deals_created_in_period_closed_after_it"] <= 400
    assert deals.loc[after, "Status"].eq("Open").any() and deals.loc[after, "Status"].ne("Open").any()

    # every deal created in the period and closed after it was in an open stage at the end
    late = deals.loc[inside & done & (closed >= END), "Deal ID"]
    h = history[history["deal_id"].isin(late)]
    assert h.loc[h["entered_at"] < END].groupby("deal_id")["stage"].last().isin(OPEN_STAGES).all()
    assert set(h.loc[h["entered_at"] >= END, "deal_id"]) == set(late)

    # the planted defects sit on deals created and closed inside the period, so none moves a deal across its edges
    bad = deals[deals["Deal ID"].isin({i for q in truth["quality"].values() for i in q["deal_ids"]})]
    assert _in_period(bad["created"]).all() and bad["closed_in_period"].all()


def test_period_counts_match_the_raw_files(
    raw: dict[str, pd.DataFrame], deals: pd.DataFrame, funnel: tuple[pd.DataFrame, pd.Series], truth: dict[str, Any]
) -> None:
    closed = deals[deals["closed_in_period"]]
    leads = pd.to_datetime(raw["leads.csv"]["created_at"], format=FMT)
    handoffs = pd.to_datetime(raw["handoffs.csv"]["created_at"], format=FMT)
    assert truth["period_counts"] == {
        "deals_created": _in_period(deals["created"]).sum(), "deals_closed": len(closed),
        "deals_won": (closed["Status"] == "Won").sum(), "deals_lost": (closed["Status"] == "Lost").sum(),
        "deals_open_at_end": deals["open_at_end"].sum(), "funnel_deals_closed": len(funnel[1]),
        "leads_created": _in_period(leads).sum(), "activities": _in_period(raw["activities.parquet"]["at"]).sum(),
        "handoffs_created": _in_period(handoffs).sum(),
    }
    assert 5_000 <= truth["period_counts"]["deals_created"] <= 6_500


def test_deals_follow_the_pipeline(deals: pd.DataFrame, history: pd.DataFrame, truth: dict[str, Any]) -> None:
    assert deals["Deal ID"].str.fullmatch(r"D\d{5}").all()
    assert set(deals["Status"]) == {"Open", "Won", "Lost"}
    bad = {i for q in truth["quality"].values() for i in q["deal_ids"]}
    d = deals[~deals["Deal ID"].isin(bad)]
    assert (d.loc[d["Status"] == "Won", "Stage"] == "Won").all()
    assert d.loc[d["Status"] != "Won", "Stage"].isin(OPEN_STAGES).all()
    assert d.loc[d["Status"] == "Open", "Closed"].isna().all()
    assert d.loc[d["Status"] != "Open", "Closed"].notna().all()

    first = history.groupby("deal_id").first()
    last = history.groupby("deal_id").last()
    assert set(first.index) == set(deals["Deal ID"])
    assert (first["stage"] == "New").all()
    d = d.set_index("Deal ID")
    assert (first.loc[d.index, "entered_at"] == d["created"]).all()
    closed = d[d["Status"] != "Open"]
    assert (last.loc[closed.index, "stage"] == closed["Status"]).all()
    assert (last.loc[closed.index, "entered_at"] == closed["closed"]).all()
    lost = d[d["Status"] == "Lost"]
    before_lost = history[history["stage"] != "Lost"].groupby("deal_id")["stage"].last()
    assert (before_lost.loc[lost.index] == lost["Stage"]).all()
    open_ = d[d["Status"] == "Open"]
    assert (last.loc[open_.index, "stage"] == open_["Stage"]).all()


def test_realism(raw: dict[str, pd.DataFrame], deals: pd.DataFrame, history: pd.DataFrame) -> None:
    created = deals["created"].dropna()
    assert (created.dt.day_of_week < 5).all()
    assert created.dt.hour.between(9, 17).all()
    months = created[_in_period(created)].dt.to_period("M").value_counts()
    assert len(months) == 18
    assert months.max() > 1.4 * months.min()  # seasonality and growth, not a flat line

    by_team = deals[deals["Value"] > 0].groupby("Team")["Value"].median()
    assert by_team["Enterprise"] > by_team["Mid-Market"] > by_team["SMB North"]

    for moment, open_ in ((END, deals[deals["open_at_end"]]), (EXPORTED_AT, deals[deals["Status"] == "Open"])):
        assert (open_["created"] > moment - pd.Timedelta(days=90)).mean() > 0.6, moment

    reps = raw["reps.xlsx"]
    new = reps.loc[reps["hired_at"] >= "2026-07-01", "rep_id"]
    assert len(new) >= 2
    per_rep = deals["Owner"].value_counts()
    assert (per_rep.reindex(new, fill_value=0) < 0.5 * per_rep.median()).all()

    pos = history["stage"].map({s: i for i, s in enumerate(OPEN_STAGES)})
    step = pos.groupby(history["deal_id"]).diff()
    skipped = step.gt(1).groupby(history["deal_id"]).any().mean()
    moved_back = step.lt(0).groupby(history["deal_id"]).any().mean()
    assert 0.03 < skipped < 0.08
    assert 0.015 < moved_back < 0.05

    acts = raw["activities.parquet"]
    assert set(acts["type"]) == {"call", "email", "meeting", "task", "note"}
    assert (acts["deal_id"].notna() ^ acts["lead_id"].notna()).all()
    assert (acts["logged_at"] >= acts["at"]).all()
    timed = acts["type"].isin(["call", "meeting"])
    assert acts.loc[timed, "duration_min"].notna().all() and acts.loc[~timed, "duration_min"].isna().all()

    leads = raw["leads.csv"]
    assert 0.6 < deals["Source"].isin(leads["source"].unique()).mean() < 0.95  # most deals come from a lead
    assert leads["deal_id"].dropna().isin(deals["Deal ID"]).all()
    assert 0.005 < leads["first_contact_at"].isna().mean() < 0.06


# --------------------------------------------------------------------------- planted problems


def _conversion(funnel: tuple[pd.DataFrame, pd.Series]) -> pd.Series:
    """Per open stage: share of the funnel's closed deals that entered it and later reached a later stage."""
    history, closed = funnel
    h = history[history["deal_id"].isin(closed)]
    h = h.assign(pos=h["stage"].map({s: i for i, s in enumerate(STAGES)}))
    best = h[h["stage"] != "Lost"].groupby("deal_id")["pos"].max()
    return pd.Series(
        {s: (best.loc[h.loc[h["stage"] == s, "deal_id"].unique()] > i).mean() for i, s in enumerate(OPEN_STAGES)}
    )


def test_conversion_collapse(funnel: tuple[pd.DataFrame, pd.Series], planted: dict[str, Any]) -> None:
    p = planted["conversion_collapse"]
    conv = _conversion(funnel)
    assert p["stage"] == "Demo" and p["population"] == "funnel"
    assert conv["Demo"] < 0.4
    assert conv.drop("Demo").between(0.7, 0.87).all(), conv.to_dict()
    assert conv["Demo"] == pytest.approx(p["measured_conversion"], abs=0.005)
    assert conv.to_dict() == pytest.approx(p["stage_conversion"], abs=0.0006)
    assert abs(conv["Demo"] - p["expected_conversion"]) < 0.08


def test_stalling_stage(funnel: tuple[pd.DataFrame, pd.Series], planted: dict[str, Any]) -> None:
    p = planted["stalling_stage"]
    history = funnel[0]
    nxt = history.groupby("deal_id")["entered_at"].shift(-1)
    days = ((nxt - history["entered_at"]).dt.total_seconds() / 86400).groupby(history["stage"]).median()
    others = days[[s for s in OPEN_STAGES if s != "Negotiation"]]
    assert p["stage"] == "Negotiation"
    assert days["Negotiation"] > 3 * others.max()
    assert others.between(3, 11).all(), others.to_dict()
    assert days["Negotiation"] == pytest.approx(p["median_days"], abs=0.1)
    assert _conversion(funnel)["Negotiation"] > 0.7  # slow, yet it converts normally


def test_slow_lead_source(raw: dict[str, pd.DataFrame], planted: dict[str, Any]) -> None:
    p = planted["slow_lead_source"]
    leads = raw["leads.csv"]
    created, contact = (pd.to_datetime(leads[c], format=FMT) for c in ("created_at", "first_contact_at"))
    hours = (contact.where(contact < END) - created).dt.total_seconds() / 3600  # later contacts: not yet
    med = hours[_in_period(created)].groupby(leads["source"]).median()
    assert p["source"] == "Partner" and p["population"] == "leads_created"
    assert med["Partner"] > 24
    assert med.drop("Partner").max() < 4
    assert med["Partner"] == pytest.approx(p["median_response_hours"], abs=0.01)


def test_low_win_rate_reps(raw: dict[str, pd.DataFrame], deals: pd.DataFrame, planted: dict[str, Any]) -> None:
    p = planted["low_win_rate_reps"]
    low = p["rep_ids"]
    closed = deals[deals["closed_in_period"]]
    win = (closed["Status"] == "Won").groupby(closed["Owner"]).mean()
    assert len(low) == 3 and p["population"] == "deals_closed"
    assert (win[low] < 0.6 * win.drop(low).median()).all(), win[low].to_dict()
    for r in low:  # the corrupted owner cells are not theirs, so the rates are exact
        assert win[r] == pytest.approx(p["win_rates"][r], abs=0.0005)
    assert win.drop(low).median() == pytest.approx(p["others_median_win_rate"], abs=0.002)

    reps = raw["reps.xlsx"].set_index("rep_id")
    assert (reps.loc[low, "hired_at"] < START).all()  # experienced, not new hires
    assert (reps.loc[low, "role"] == "Account executive").all()

    a = raw["assessments.csv"]
    skill = a[a["competency"] == p["competency"]].set_index("rep_id")["score"]
    assert p["competency"] == "Objection handling"
    assert (skill[low] <= 2).all()
    assert skill.drop(low).mean() >= 3.5
    assert a["score"].between(1, 5).all()
    assert a["competency"].nunique() == 7


def test_stale_deals(raw: dict[str, pd.DataFrame], deals: pd.DataFrame, history: pd.DataFrame, planted: dict[str, Any]) -> None:
    p = planted["stale_deals"]
    acts = raw["activities.parquet"]

    def idle_days(moment: pd.Timestamp, open_ids: pd.Series) -> pd.Series:
        a, h = acts[acts["at"] < moment], history[history["entered_at"] < moment]
        last = pd.concat([a.groupby("deal_id")["at"].max(), h.groupby("deal_id")["entered_at"].max()], axis=1).max(axis=1)
        return (moment - last.loc[open_ids]).dt.days

    at_end = idle_days(AS_OF, deals.loc[deals["open_at_end"], "Deal ID"])
    assert p["count"] == len(p["deal_ids"]) and 30 <= p["count"] <= 50 and p["population"] == "deals_open_at_end"
    assert (at_end.loc[p["deal_ids"]] > 45).all()
    assert at_end.loc[p["deal_ids"]].min() == p["min_idle_days"]
    # with the params' 30-day threshold, the planted deals are exactly the stale ones at the period's end
    assert set(at_end[at_end > 30].index) == set(p["deal_ids"])
    # nobody touches them before the export either; every other deal open then was touched recently
    at_export = idle_days(EXPORTED_AT, deals.loc[deals["Status"] == "Open", "Deal ID"])
    assert set(at_export[at_export > 30].index) == set(p["deal_ids"])


def test_missing_lost_reasons(deals: pd.DataFrame, planted: dict[str, Any]) -> None:
    p = planted["missing_lost_reasons"]
    assert p["population"] == "deals_lost"
    lost = deals[deals["closed_in_period"] & (deals["Status"] == "Lost")]
    missing = lost["Lost reason"].isna()
    assert 0.15 < missing.mean() < 0.27
    assert missing.mean() == pytest.approx(p["share"], abs=0.002)
    by_team = missing.groupby(lost["Team"]).mean()
    assert by_team.to_dict() == pytest.approx(p["share_by_team"], abs=0.0006)
    assert by_team.idxmax() == p["team"]
    assert by_team[p["team"]] > 2 * by_team.drop(p["team"]).max()
    reasons = set(lost["Lost reason"].dropna())
    assert {"Price", "price ", "PRICE", "Too expensive", "went with competitor", "No budget", "no budget"} <= reasons
    assert reasons <= set(p["reason_variants"])


def test_handoff_sla_breach(raw: dict[str, pd.DataFrame], planted: dict[str, Any]) -> None:
    p = planted["handoff_sla_breach"]
    h = raw["handoffs.csv"]
    created, responded = (pd.to_datetime(h[c], format=FMT) for c in ("created_at", "responded_at"))
    hours = (responded.where(responded < END) - created).dt.total_seconds() / 3600  # later responses: not yet
    inside = _in_period(created)
    med = hours[inside].groupby([h["from_dept"], h["to_dept"]]).median()
    assert (p["from_dept"], p["to_dept"]) == ("Sales", "Legal") and p["population"] == "handoffs_created"
    assert med[("Sales", "Legal")] > 48
    assert med.drop(("Sales", "Legal")).max() < 48
    assert med[("Sales", "Legal")] == pytest.approx(p["median_response_hours"], abs=0.1)


def test_unused_tool(raw: dict[str, pd.DataFrame], planted: dict[str, Any]) -> None:
    p = planted["unused_tool"]
    tools = raw["tools.csv"].set_index("tool")
    row = tools.loc[p["tool"]]
    assert (row["seats"], row["active_users"]) == (p["seats"], p["active_users"]) == (30, 3)
    usage = tools["active_users"] / tools["seats"]
    assert usage.idxmin() == p["tool"] and usage.drop(p["tool"]).min() > 0.6
    assert row["monthly_cost"] > tools["monthly_cost"].median()
    assert tools["integrated_with_crm"].dtype == bool


def test_logging_lag(raw: dict[str, pd.DataFrame], planted: dict[str, Any]) -> None:
    p = planted["logging_lag"]
    acts = raw["activities.parquet"]
    acts = acts[_in_period(acts["at"])]
    lag = ((acts["logged_at"] - acts["at"]).dt.total_seconds() / 3600).groupby(acts["owner_id"]).median()
    assert p["population"] == "activities"
    assert lag[p["rep_id"]] > 48
    assert lag.drop(p["rep_id"]).max() < 8
    assert lag[p["rep_id"]] == pytest.approx(p["median_lag_hours"], abs=0.1)


# --------------------------------------------------------------------------- data-quality defects


def test_quality_counts_match_deals_csv(raw: dict[str, pd.DataFrame], truth: dict[str, Any]) -> None:
    d = raw["deals.csv"]
    q = truth["quality"]
    created = pd.to_datetime(d["Created"], format=FMT, errors="coerce")
    closed = pd.to_datetime(d["Closed"], format=FMT, errors="coerce")
    found = {
        "unparseable_created_at": d.loc[d["Created"].notna() & created.isna(), "Deal ID"],
        "negative_amount": d.loc[d["Value"] < 0, "Deal ID"],
        "duplicate_deal_id": d.loc[d["Deal ID"].duplicated(), "Deal ID"],
        "closed_before_created": d.loc[closed < created, "Deal ID"],
        "unknown_stage": d.loc[~d["Stage"].isin(STAGES), "Deal ID"],
        "missing_owner": d.loc[d["Owner"].isna(), "Deal ID"],
    }
    assert set(q) == set(found)
    for key, ids in found.items():
        assert q[key]["count"] == len(set(ids)), key
        assert sorted(set(ids)) == sorted(q[key]["deal_ids"]), key
    assert d["Created"].isna().sum() == 0
    exact = d.loc[d.duplicated(keep="first"), "Deal ID"]
    assert sorted(exact) == sorted(q["duplicate_deal_id"]["exact_deal_ids"])
    assert len({i for v in q.values() for i in v["deal_ids"]}) == sum(v["count"] for v in q.values())


def test_a_scaled_demo_multiplies_leads_deals_and_activities_and_is_told_apart(tmp_path: Path, truth: dict[str, Any]) -> None:
    import subprocess
    import sys

    scaled = generate_demo(tmp_path / "scaled", scale=0.25)
    counts, base = scaled["counts"], truth["counts"]
    assert scaled["scale"] == 0.25 and "scale" not in truth  # the demo itself is unchanged
    assert counts["leads"] == round(base["leads"] * 0.25)
    for name in ("deals", "stage_history", "activities"):
        assert 0.2 < counts[name] / base[name] < 0.3, name
    assert counts["reps"] == base["reps"] and counts["survey"] == base["survey"]
    assert demo_is_current(tmp_path / "scaled", scale=0.25) and not demo_is_current(tmp_path / "scaled")
    auditkit = str(Path(sys.executable).parent / "auditkit")
    refused = subprocess.run([auditkit, "demo", "--out", str(tmp_path / "x"), "--scale", "0"], capture_output=True, text=True)
    assert refused.returncode == 2 and "--scale" in refused.stderr and "Traceback" not in refused.stderr


def test_the_demo_command_names_the_params_file_to_run_next(tmp_path: Path) -> None:
    """`auditkit demo --params P` ends by telling the user to run P (it said params/demo.yaml whatever P was)."""
    import subprocess
    import sys

    auditkit = str(Path(sys.executable).parent / "auditkit")
    params = tmp_path / "mine.yaml"
    done = subprocess.run([auditkit, "demo", "--out", str(tmp_path / "d"), "--params", str(params), "--scale", "0.05"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"Next: auditkit run {params}") and params.is_file()
