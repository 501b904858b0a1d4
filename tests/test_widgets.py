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


def test_each_explorer_redraw_draws_one_non_empty_figure_and_leaves_none_open(small_client, monkeypatch):
    import base64

    import matplotlib.pyplot as plt

    from auditkit import figures
    from auditkit import step as step_module
    from auditkit.metrics import process as P
    from auditkit.step import open_step

    shown: list[str] = []
    monkeypatch.setattr(step_module, "_html", shown.append)
    step = open_step("03_process", str(small_client))
    frame = step.frame
    images_per_draw: list[list[bytes]] = []

    def redraw(chosen: pd.DataFrame) -> None:
        before = len(shown)
        views = P.explorer_views(frame.subset(chosen["deal_id"]))
        step.figure(figures.funnel_chart(views["funnel"]), None)
        images_per_draw.append([base64.b64decode(h.split("base64,")[1].split('"')[0]) for h in shown[before:] if "<img" in h])

    panel = filter_panel(frame.population("deals_created"), redraw, columns=())
    months = panel.children[0]
    for index in [(0, 0), (1, 2), (0, 2), (2, 2)]:
        months.index = index
    assert len(images_per_draw) == 5  # the first draw and four changes
    for images in images_per_draw:
        assert len(images) == 1 and images[0].startswith(b"\x89PNG") and len(images[0]) > 5_000
    assert plt.get_fignums() == []  # every figure closed: no stale copy can be shown again
