"""Step 4's figures: reps ranked with their win-rate intervals, the skills heatmap, the ramp curve,
activity against win rate, and one rep's funnel against the team."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import ACCENT, BASE, PALETTE, _figure, finish, heatmap_on, label, number_ticks, share_ticks, slot_labels
from ..report.text import t, word

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

GROUP_COLORS = {"needs support": ACCENT, "top performer": "#1a9850", "core": BASE, "too few deals to judge": "#bbbbbb"}


def _share_axis(axis: object, lang: str = "en") -> None:
    """Shares on ``axis`` written in ``lang`` ("10%" / "10 %")."""
    axis.set_major_formatter(share_ticks(lang))  # type: ignore[attr-defined]


def ranked_win_rates(
    fair: "pd.DataFrame", card: "pd.DataFrame", *, title: str | None = None, lang: str = "en"
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
    _share_axis(ax.xaxis, lang)
    ax.set_xlabel(t("fig4.ranked.x", lang))
    ax.set_ylabel(t("fig4.rep", lang))
    handles = [Patch(color=c, label=str(word(g, lang, "people.group"))) for g, c in GROUP_COLORS.items() if g in set(fair["group"])]
    if handles:  # below the axes, where it covers no bar and no interval
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False)
    ax.set_title(title or t("fig4.ranked.title", lang))
    return finish(fig, lang)


def skills_heatmap(wide: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """A rep x competency heatmap of scores (from :func:`skill_heatmap`), annotated; low scores light."""
    fig, ax = _figure(max(6.0, 1.1 * wide.shape[1] + 3), max(3.0, 0.3 * len(wide) + 1.6))
    heatmap_on(ax, wide, annot=True, fmt=".0f", cmap=PALETTE, vmin=1, vmax=5, cbar_kws={"label": t("fig4.skills.score", lang)})
    ax.set_xlabel(t("fig4.skills.x", lang))
    ax.set_ylabel(t("fig4.rep", lang))
    ax.set_title(title or t("fig4.skills.title", lang))
    return finish(fig, lang)


def ramp_curve(ramp_df: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """Win rate (line) and won value per rep (bars, right axis) by whole month since hire."""
    fig, ax = _figure()
    x = ramp_df["months_since_hire"].to_numpy(dtype=float)
    ax2 = ax.twinx()
    ax2.bar(x, ramp_df["won_value"].to_numpy(dtype=float), color=BASE, alpha=0.25)
    ax2.set_ylabel(t("fig4.ramp.value", lang))
    ax2.yaxis.set_major_formatter(number_ticks(lang))
    ax2.grid(False)
    ax.plot(x, ramp_df["win_rate"].to_numpy(dtype=float), marker="o", color=ACCENT)
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    _share_axis(ax.yaxis, lang)
    ax.set_xlabel(t("fig4.ramp.x", lang))
    ax.set_ylabel(t("fig4.win_rate", lang))
    ax.set_title(title or t("fig4.ramp.title", lang))
    return finish(fig, lang)


def activity_scatter(activity: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
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
    _share_axis(ax.yaxis, lang)
    ax.set_xlabel(t("fig4.activity.x", lang))
    ax.set_ylabel(t("fig4.win_rate", lang))
    ax.set_title(title or t("fig4.activity.title", lang))
    return finish(fig, lang)


def rep_funnel_chart(leaks: "pd.DataFrame", rep: str, *, title: str | None = None, lang: str = "en") -> "Figure":
    """One rep's stage conversions against the team's (without the rep), leaking stages in the accent colour."""
    from matplotlib.patches import Patch

    d = leaks.loc[leaks["rep"] == rep]
    fig, ax = _figure()
    x = np.arange(len(d))
    ax.bar(x - 0.2, d["conversion"].to_numpy(dtype=float), width=0.4, label=t("fig4.funnel.rep", lang),
           color=[ACCENT if bool(v) else BASE for v in d["leak"]])
    ax.bar(x + 0.2, d["team_conversion"].to_numpy(dtype=float), width=0.4, label=t("fig4.funnel.team", lang), color="#bbbbbb")
    ax.set_xticks(x, labels=slot_labels((label(s, lang) for s in d["stage"]), 0.85 * fig.get_figwidth()))
    _share_axis(ax.yaxis, lang)
    ax.set_xlabel(t("fig4.funnel.x", lang))
    ax.set_ylabel(t("fig4.funnel.y", lang))
    handles = [Patch(color=BASE, label=t("fig4.funnel.rep", lang)), Patch(color="#bbbbbb", label=t("fig4.funnel.team", lang))]
    if d["leak"].astype(bool).any():
        handles.insert(1, Patch(color=ACCENT, label=t("fig4.funnel.leak", lang)))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8, frameon=False)  # below the axes: it covers no bar
    ax.set_title(title or t("fig4.funnel.title", lang, rep=rep))
    return finish(fig, lang)
