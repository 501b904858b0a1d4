"""The filtering behind the JupyterLab panels (pure) and the panels' construction."""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.quality import QualityIssue
from auditkit.widgets import ALL, filter_deals, filter_panel, quality_explorer

DEALS = pd.DataFrame(
    {
        "deal_id": ["a", "b", "c", "d"],
        "created_at": pd.to_datetime(["2025-01-01 00:00", "2025-01-31 23:00", "2025-02-01 00:00", "2025-03-15 00:00"]),
        "team": ["North", "South", "North", None],
    }
)


def test_filter_by_period_includes_the_whole_end_day():
    assert filter_deals(DEALS, "2025-01-01", "2025-01-31")["deal_id"].tolist() == ["a", "b"]


def test_filter_by_column_and_all():
    assert filter_deals(DEALS, team="North")["deal_id"].tolist() == ["a", "c"]
    assert len(filter_deals(DEALS, team=ALL, region="x")) == 4  # (all) and unknown columns do not filter


def test_panels_render_on_build_and_on_change():
    seen: list[list[str]] = []
    panel = filter_panel(DEALS, lambda df: seen.append(df["deal_id"].tolist()), columns=("team",))
    assert seen == [["a", "b", "c", "d"]]
    team = panel.children[1].children[0]
    team.value = "South"
    assert seen[-1] == ["b"]
    issues = [
        QualityIssue("deals", "negative_amount", "amount", 2, "warning", "m"),
        QualityIssue("leads", "missing_value", "source", 1, "warning", "m"),
    ]
    shown: list[QualityIssue] = []
    explorer = quality_explorer(issues, shown.append)
    assert shown == [issues[0]]
    explorer.children[0].value = 1
    assert shown[-1] == issues[1]
    assert explorer.children[0].options[1][0] == "leads.source: missing_value (1)"


def test_a_failing_first_draw_reaches_the_notebook():
    def broken(_df: pd.DataFrame) -> None:
        raise KeyError("no such column")

    with pytest.raises(KeyError, match="no such column"):
        filter_panel(DEALS, broken, columns=("team",))
