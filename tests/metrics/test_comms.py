"""Hand-computed cases for step 6's data metrics (auditkit.metrics.comms).

The fixture's period is January 2025, so the as-of moment is 1 February 2025 00:00; the lead SLA is 24 hours
and the handoff SLA 48 hours. Leads (creation, first contact -> hours):

- L1 Web, Mon 6 Jan 09:00, contacted after 1 h; L2 Web, Mon 6 Jan 10:00, after 2 h;
- L3 Web, Tue 7 Jan 09:00, after 30 h; L4 Partner, Wed 8 Jan 09:00, after 50 h;
- L5 Partner, Wed 8 Jan 10:00, never contacted: censored at 566 h (23 days 14 hours to the as-of moment);
- L6 Partner, Fri 31 Jan 20:00, not contacted: censored at 4 h (less than the SLA: its outcome is unknown);
- L8 Web, Thu 9 Jan 09:00, contacted on 2 February (after the as-of moment): censored at 543 h;
- L7 was created on 31 December 2024, before the period: left out.

Kaplan-Meier over the seven leads (times 1, 2, 4c, 30, 50, 543c, 566c): S(1) = 6/7, S(2) = 5/7, 4 is censored
(4 still at risk), S(30) = 5/7 * 3/4 = 0.536, S(50) = 0.536 * 2/3 = 0.357, so the median is 50 h and S never
reaches 0.1 (p90 not reached: NaN). Within the SLA: L1 and L2 of the six whose outcome at 24 h is known (L6
left out) = 1/3. Web alone (1, 2, 30, 543c): S(2) = 0.5, median 2 h, within 2/4. Partner (4c, 50, 566c):
at 50 two are at risk, S = 0.5, median 50 h, within 0/2. Never contacted: L5, L6 and L8 wait; L5 and L8
longer than the SLA: 2 of 7 leads.

Handoffs: Sales -> Legal H1 answered after 100 h (resolved after 120 h), H2 after 60 h (not resolved by the
end: censored at 711 h), H3 created 30 Jan 09:00 and not answered (censored at 39 h); Sales -> Finance H4
answered after 2 h, resolved after 5 h; H5 is created after the period. Sales -> Legal: response times 39c,
60, 100, so the median is 60 h; breaches 2 (100 and 60 h are over 48 h; H3 has waited less), of 2 known;
resolution 39c, 120, 711c: median 120 h.

Collaboration: deal d1 (owner R1) has activities by R1 and R2; d2 (owner R2) only by R2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from auditkit.findings import Finding
from auditkit.frame import frame_from_tables
from auditkit.kpis import evaluate
from auditkit.metrics import comms as C
from auditkit.params import parse_params
from auditkit.report.format import Formatter

T = pd.Timestamp


def params():
    return parse_params({
        "client": {"name": "Test", "slug": "test"},
        "period": {"start": "2025-01-01", "end": "2025-01-31"},
        "pipeline": {"stages": ["New", "Proposal", "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "thresholds": {"lead_response_sla_hours": 24, "handoff_sla_hours": 48},
        "data": {"tables": {"deals": {"path": "deals.csv"}}},
    })


def deals():
    return pd.DataFrame({
        "deal_id": ["d1", "d2"], "created_at": [T("2025-01-02"), T("2025-01-03")], "stage": ["New", "New"],
        "amount": [100.0, 200.0], "owner_id": ["R1", "R2"], "team": ["A", "B"],
    })


def leads():
    rows = [
        ("L1", "2025-01-06 09:00", "2025-01-06 10:00", "Web", "R1"),
        ("L2", "2025-01-06 10:00", "2025-01-06 12:00", "Web", "R1"),
        ("L3", "2025-01-07 09:00", "2025-01-08 15:00", "Web", "R2"),
        ("L4", "2025-01-08 09:00", "2025-01-10 11:00", "Partner", "R2"),
        ("L5", "2025-01-08 10:00", None, "Partner", "R2"),
        ("L6", "2025-01-31 20:00", None, "Partner", "R1"),
        ("L7", "2024-12-31 09:00", "2024-12-31 10:00", "Web", "R1"),
        ("L8", "2025-01-09 09:00", "2025-02-02 09:00", "Web", "R1"),
    ]
    df = pd.DataFrame(rows, columns=["lead_id", "created_at", "first_contact_at", "source", "owner_id"])
    for c in ("created_at", "first_contact_at"):
        df[c] = pd.to_datetime(df[c])
    return df


def handoffs():
    rows = [
        ("H1", "Sales", "Legal", "2025-01-02 09:00", "2025-01-06 13:00", "2025-01-07 09:00"),
        ("H2", "Sales", "Legal", "2025-01-03 09:00", "2025-01-05 21:00", None),
        ("H3", "Sales", "Legal", "2025-01-30 09:00", None, None),
        ("H4", "Sales", "Finance", "2025-01-05 09:00", "2025-01-05 11:00", "2025-01-05 14:00"),
        ("H5", "Sales", "Finance", "2025-02-03 09:00", "2025-02-03 10:00", None),
    ]
    df = pd.DataFrame(rows, columns=["request_id", "from_dept", "to_dept", "created_at", "responded_at", "resolved_at"])
    for c in ("created_at", "responded_at", "resolved_at"):
        df[c] = pd.to_datetime(df[c])
    return df


def activities():
    return pd.DataFrame({
        "activity_id": ["a1", "a2", "a3"], "at": [T("2025-01-05"), T("2025-01-06"), T("2025-01-07")],
        "type": ["call", "call", "email"], "owner_id": ["R1", "R2", "R2"], "deal_id": ["d1", "d1", "d2"],
    })


@pytest.fixture
def frame():
    return frame_from_tables(params(), {"deals": deals(), "leads": leads(), "handoffs": handoffs(), "activities": activities()})


def test_lead_response_times_are_censored_at_the_as_of_moment(frame):
    times = C.lead_response_times(frame).set_index("lead_id")
    assert "L7" not in times.index
    assert times.loc["L5", "hours"] == pytest.approx(566.0)
    assert times.loc["L8", "hours"] == pytest.approx(543.0)
    assert times.loc["L6", "hours"] == pytest.approx(4.0)
    assert times["censored"].to_dict() == {"L1": False, "L2": False, "L3": False, "L4": False, "L5": True, "L6": True, "L8": True}


def test_overall_median_p90_and_share_within_sla_and_the_kpi_is_the_same_number(frame):
    overall = C.lead_response_by(C.lead_response_times(frame), "all", 24).iloc[0]
    assert overall["leads"] == 7 and overall["contacted"] == 4 and overall["waiting"] == 3
    assert overall["median_hours"] == pytest.approx(50.0)
    assert math.isnan(overall["p90_hours"])
    assert overall["within_sla"] == pytest.approx(1 / 3)
    assert overall["judged"] == 6
    assert evaluate(frame, "lead_response_hours").value == pytest.approx(overall["median_hours"])


def test_by_source_and_weekday(frame):
    times = C.lead_response_times(frame)
    src = C.lead_response_by(times, "source", 24).set_index("source")
    assert src.loc["Web", "median_hours"] == pytest.approx(2.0)
    assert src.loc["Web", "within_sla"] == pytest.approx(0.5)
    assert src.loc["Partner", "median_hours"] == pytest.approx(50.0)
    assert src.loc["Partner", "within_sla"] == 0.0
    assert C.units_of(src.reset_index())["median_hours"] == "hours"
    wd = C.lead_response_by(times, "weekday", 24).set_index("weekday")["leads"].to_dict()
    assert wd == {"Mon": 2, "Tue": 1, "Wed": 2, "Thu": 1, "Fri": 1}


def test_never_contacted_counts_overdue_leads_apart(frame):
    never = C.never_contacted(C.lead_response_times(frame), 24).set_index("source")
    assert never.loc[C.ALL, "waiting"] == 3
    assert never.loc[C.ALL, "overdue"] == 2
    assert never.loc[C.ALL, "overdue_share"] == pytest.approx(2 / 7)
    assert never.loc["Partner", "overdue"] == 1 and never.loc["Partner", "waiting"] == 2


def test_handoff_pairs_matrix_and_breaches(frame):
    times = C.handoff_times(frame)
    assert set(times["request_id"]) == {"H1", "H2", "H3", "H4"}
    pairs = C.handoff_pairs(times, 48)
    legal = pairs.iloc[0]
    assert (legal["from_dept"], legal["to_dept"]) == ("Sales", "Legal")  # slowest first
    assert legal["median_response_hours"] == pytest.approx(60.0)
    assert legal["median_resolution_hours"] == pytest.approx(120.0)
    assert legal["breaches"] == 2 and legal["breach_share"] == 1.0 and legal["waiting"] == 1
    finance = pairs.iloc[1]
    assert finance["median_response_hours"] == pytest.approx(2.0) and finance["breaches"] == 0
    matrix = C.handoff_matrix(pairs)
    assert matrix.loc["Sales", "Legal"] == pytest.approx(60.0)
    assert matrix.loc["Sales", "Finance"] == pytest.approx(2.0)
    trend = C.handoff_trend(times, 48, frame)
    jan = trend.loc[trend["pair"] == C.ALL].iloc[0]
    assert jan["month"] == T("2025-01-01") and jan["requests"] == 4


def test_collaboration_and_handovers_between_reps(frame):
    collab = C.collaboration(frame).set_index("deal_id")
    assert collab.loc["d1", "reps"] == 2 and collab.loc["d1", "others"] == 1
    assert collab.loc["d2", "reps"] == 1 and collab.loc["d2", "others"] == 0
    summary = C.collaboration_summary(C.collaboration(frame)).set_index("owner")
    assert summary.loc[C.ALL, "shared_share"] == pytest.approx(0.5)
    assert C.rep_handovers(frame).to_dict("records") == [{"owner": "R1", "helper": "R2", "deals": 1}]


def _response_table(key, rows):
    return pd.DataFrame([{key: k, "leads": n, "contacted": n, "waiting": 0, "median_hours": m, "p90_hours": 2 * m,
                          "within_sla": 0.5, "judged": n} for k, n, m in rows])


def test_findings_slow_source_needs_enough_leads_and_twice_the_overall_median():
    fmt = Formatter("en", "EUR")
    by_source = _response_table("source", [("Partner", 40, 60.0), ("Web", 100, 2.0), ("Fair", 9, 90.0), ("Events", 30, 25.0)])
    overall = _response_table("all", [(C.ALL, 179, 20.0)])
    pairs = pd.DataFrame([
        {"from_dept": "Sales", "to_dept": "Legal", "requests": 12, "median_response_hours": 90.0, "breaches": 10, "breach_share": 0.8},
        {"from_dept": "Sales", "to_dept": "Finance", "requests": 30, "median_response_hours": 40.0, "breaches": 1, "breach_share": 0.03},
        {"from_dept": "Sales", "to_dept": "Delivery", "requests": 5, "median_response_hours": 100.0, "breaches": 5, "breach_share": 1.0},
    ])
    never = pd.DataFrame([{"source": C.ALL, "leads": 179, "waiting": 20, "overdue": 18, "overdue_share": 0.1}])
    found = C.comms_findings(by_source, by_source.iloc[:0].rename(columns={"source": "rep"}), overall, never, pairs, fmt, 24.0, 48.0)
    by_kind = {(f.kind, f.subject): f for f in found}
    # Partner: 60 h > 24 h SLA and >= 2 x 20 h; Fair has 9 leads (too few); Events 25 h < 2 x 20 h
    assert set(by_kind) == {("comms.lead_response.slow_source", "Partner"), ("comms.handoff.sla_breach", "Sales -> Legal"),
                            ("comms.lead_response.never_contacted", "leads")}
    slow = by_kind[("comms.lead_response.slow_source", "Partner")]
    assert slow.value == 60.0 and slow.target == 24.0 and slow.unit == "hours" and slow.severity == "medium"  # 60 / 24 = 2.5
    breach = by_kind[("comms.handoff.sla_breach", "Sales -> Legal")]
    assert breach.value == 90.0 and breach.severity == "medium" and breach.evidence
    assert all(isinstance(f, Finding) and f.action for f in found)


def test_a_deals_only_client_gets_no_number_and_no_finding():
    frame = frame_from_tables(params(), {"deals": deals()})
    assert C.not_assessed(frame) == ["leads", "handoffs", "activities", "survey"]
    times = C.lead_response_times(frame)
    assert times.empty and C.lead_response_by(times, "source", 24).empty
    assert C.handoff_pairs(C.handoff_times(frame), 48).empty
    assert C.collaboration(frame).empty and C.rep_handovers(frame).empty
    assert C.step_findings(frame, Formatter("en", "EUR")) == []
    assert np.isnan(evaluate(frame, "lead_response_hours").value or np.nan)


def test_filters_are_pure_functions(frame):
    from auditkit.widgets import ALL
    from auditkit.widgets.comms import column_labels, deals_of_team, handoffs_of, leads_of_team, options

    times = C.handoff_times(frame)
    assert set(handoffs_of(times, "Legal")["request_id"]) == {"H1", "H2", "H3"}
    assert len(handoffs_of(times, ALL)) == 4
    leads = C.lead_response_times(frame)
    rep_team = pd.Series({"R1": "A", "R2": "B"})
    assert set(leads_of_team(leads, rep_team, "B")["lead_id"]) == {"L3", "L4", "L5"}
    assert list(deals_of_team(frame.deals, "A")) == ["d1"]
    assert options(["b", None, "a", "b"]) == [ALL, "a", "b"]
    assert column_labels(["median_hours", "score", "nope"], "ru") == {"median_hours": "Медиана, ч", "score": "Оценка"}


def test_figures_have_titles_and_labelled_axes(frame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from auditkit.figures import comms as FC

    by_source = C.lead_response_by(C.lead_response_times(frame), "source", 24)
    pairs = C.handoff_pairs(C.handoff_times(frame), 48)
    trend = C.handoff_trend(C.handoff_times(frame), 48, frame)
    for fig in (
        FC.response_bars(by_source, "source", 24, title="Response", xlabel="Hours", sla_label="SLA"),
        FC.heatmap(C.handoff_matrix(pairs), title="Matrix", xlabel="To", ylabel="From"),
        FC.trend(trend, 48, title="Trend", xlabel="Month", ylabel="Hours", sla_label="SLA"),
    ):
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel()
        plt.close(fig)


def test_the_never_contacted_title_needs_no_plural_of_its_count():
    """'24 лидов ... получили' (and '1 leads were') came from a noun and verb after the count: the count now
    follows a colon, in both languages, with its share."""
    import pandas as pd

    from auditkit.metrics.comms import ALL, comms_findings
    from auditkit.report.format import Formatter

    never = pd.DataFrame({"source": [ALL], "leads": [100], "waiting": [30], "overdue": [21], "overdue_share": [0.21]})
    empty = pd.DataFrame(columns=["source", "rep", "leads", "median_hours"])
    titles = {}
    for lang in ("en", "ru"):
        found = comms_findings(empty.drop(columns="rep"), empty.drop(columns="source"), empty, never, pd.DataFrame(),
                               Formatter(lang, "EUR"), 24.0, 48.0)
        titles[lang] = next(f.title for f in found if f.kind == "comms.lead_response.never_contacted")
    assert titles == {"en": "Leads never contacted, waiting longer than the SLA: 21 (21.0%)",
                      "ru": "Лиды без первого контакта, ждущие дольше SLA: 21 (21,0\u00a0%)"}
