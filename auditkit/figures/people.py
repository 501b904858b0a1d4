"""Step 4's figures: reps ranked with their win-rate intervals, the skills heatmap, the ramp curve,
activity against win rate, and one rep's funnel against the team."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import ACCENT, BASE, PALETTE, _figure

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

GROUP_COLORS = {"needs support": ACCENT, "top performer": "#1a9850", "core": BASE, "too few deals to judge": "#bbbbbb"}


def _share_axis(axis: object) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))  # type: ignore[attr-defined]


def ranked_win_rates(
    fair: "pd.DataFrame", card: "pd.DataFrame", *, title: str = "Win rate per rep, ranked by the mix-adjusted rate"
) -> "Figure":
    """Horizontal bars of each rep's win rate (ranked reps first, best on top) with the Wilson interval
    as a line, coloured by group, and the company's rate as a dashed line. Takes :func:`fair_comparison`
    and :func:`scorecard` frames."""
    from matplotlib.patches import Patch

    r = card.loc[card["kind"] == "rep"].set_index("rep")
    n = len(fair)
    fig, ax = _figure(8, max(3.0, 0.3 * n + 1.4))
    y = np.arange(n)
    rate = fair["win_rate"].to_numpy(dtype=float)
    lo = r["win_rate_low"].reindex(fair["rep"]).to_numpy(dtype=float)
    hi = r["win_rate_high"].reindex(fair["rep"]).to_numpy(dtype=float)
    colors = [GROUP_COLORS.get(g, BASE) for g in fair["group"]]
    ax.barh(y, np.nan_to_num(rate), color=colors, alpha=0.85)
    ax.hlines(y, lo, hi, color="#333333", linewidth=1.2)
    company = card.loc[card["kind"] == "company", "win_rate"]
    if len(company) and np.isfinite(company.iloc[0]):
        ax.axvline(float(company.iloc[0]), color="#333333", linestyle="--", linewidth=1)
    ax.set_yticks(y, labels=[f"{nm} ({rp})" if nm != rp else str(rp) for nm, rp in zip(fair["name"], fair["rep"])])
    ax.invert_yaxis()
    _share_axis(ax.xaxis)
    ax.set_xlabel("win rate (won / closed); line: 95 % interval; dashed: company")
    ax.set_ylabel("rep")
    ax.legend(handles=[Patch(color=c, label=g) for g, c in GROUP_COLORS.items() if g in set(fair["group"])],
              loc="lower right", fontsize=8)
    ax.set_title(title)
    return fig


def skills_heatmap(wide: "pd.DataFrame", *, title: str = "Competency scores (1-5) per rep") -> "Figure":
    """A rep x competency heatmap of scores (from :func:`skill_heatmap`), annotated; low scores light."""
    import seaborn as sns

    fig, ax = _figure(max(6.0, 1.1 * wide.shape[1] + 3), max(3.0, 0.3 * len(wide) + 1.6))
    sns.heatmap(wide, annot=True, fmt=".0f", cmap=PALETTE, vmin=1, vmax=5, cbar_kws={"label": "score"}, ax=ax)
    ax.set_xlabel("competency")
    ax.set_ylabel("rep")
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(title)
    return fig


def ramp_curve(ramp_df: "pd.DataFrame", *, title: str = "New hires: win rate by month since hire") -> "Figure":
    """Win rate (line) and won value per rep (bars, right axis) by whole month since hire."""
    fig, ax = _figure()
    x = ramp_df["months_since_hire"].to_numpy(dtype=float)
    ax2 = ax.twinx()
    ax2.bar(x, ramp_df["won_value"].to_numpy(dtype=float), color=BASE, alpha=0.25)
    ax2.set_ylabel("won value per rep")
    from matplotlib.ticker import FuncFormatter

    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax2.grid(False)
    ax.plot(x, ramp_df["win_rate"].to_numpy(dtype=float), marker="o", color=ACCENT)
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    _share_axis(ax.yaxis)
    ax.set_xlabel("whole months since hire")
    ax.set_ylabel("win rate (won / closed)")
    ax.set_title(title)
    return fig


def activity_scatter(activity: "pd.DataFrame", *, title: str = "Activity against win rate") -> "Figure":
    """Each ranked rep's activities per week (x) against their win rate (y), with the medians as lines."""
    fig, ax = _figure()
    x = activity["activities_per_week"].to_numpy(dtype=float)
    y = activity["win_rate"].to_numpy(dtype=float)
    ax.scatter(x, y, color=BASE)
    for xi, yi, name in zip(x, y, activity["name"]):
        ax.annotate(str(name), (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
    if len(x):
        ax.axvline(float(np.nanmedian(x)), color="#999999", linestyle="--", linewidth=1)
        ax.axhline(float(np.nanmedian(y)), color="#999999", linestyle="--", linewidth=1)
    _share_axis(ax.yaxis)
    ax.set_xlabel("activities per week")
    ax.set_ylabel("win rate (won / closed)")
    ax.set_title(title)
    return fig


def rep_funnel_chart(leaks: "pd.DataFrame", rep: str, *, title: str | None = None) -> "Figure":
    """One rep's stage conversions against the team's (without the rep), leaking stages in the accent colour."""
    d = leaks.loc[leaks["rep"] == rep]
    fig, ax = _figure()
    x = np.arange(len(d))
    ax.bar(x - 0.2, d["conversion"].to_numpy(dtype=float), width=0.4, label="rep",
           color=[ACCENT if bool(v) else BASE for v in d["leak"]])
    ax.bar(x + 0.2, d["team_conversion"].to_numpy(dtype=float), width=0.4, label="team", color="#bbbbbb")
    ax.set_xticks(x, labels=[str(s) for s in d["stage"]])
    _share_axis(ax.yaxis)
    ax.set_xlabel("stage")
    ax.set_ylabel("conversion (advanced / left)")
    ax.legend(fontsize=8)
    ax.set_title(title or f"{rep}: stage conversion against the team")
    return fig
