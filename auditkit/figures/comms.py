"""Step 6's figures: lead response by source, the handoff matrix, the handoff trend and survey heatmaps.

Every function takes ``lang``, the report's language: the kit's own words (the 90th-percentile mark, the
"(all)" pair) come from the text catalog, numbers and months are written the report's way; client text
(sources, departments) is drawn as written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..report.text import t
from .base import ACCENT, BASE, _figure, cell_texts, finish, heatmap_on, label, month_ticks

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure


def response_bars(table: "pd.DataFrame", key: str, sla: float, *, title: str, xlabel: str, sla_label: str,
                  lang: str = "en") -> "Figure":
    """Median (bar) and 90th percentile (tick) response hours per ``key``, with the SLA as a dashed line; bars
    above it in the accent colour."""
    import numpy as np

    t_ = table.dropna(subset=["median_hours"])
    fig, ax = _figure(8, max(3.0, 0.4 * len(t_) + 1.6))
    y = np.arange(len(t_))
    med = t_["median_hours"].astype(float).to_numpy()
    ax.barh(y, med, color=np.where(med > sla, ACCENT, BASE))
    ax.plot(t_["p90_hours"].astype(float), y, "k|", markersize=12, label=t("fig6.p90", lang))
    ax.axvline(sla, color="grey", linestyle="--", label=sla_label)
    ax.set_yticks(y, [label(v, lang) for v in t_[key]])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)  # below the axes: it covers no bar
    ax.set_title(title)
    return finish(fig, lang)


def heatmap(matrix: "pd.DataFrame", *, title: str, xlabel: str, ylabel: str, fmt: str = ".1f", center: float | None = None,
            cmap: str = "rocket_r", vmin: float | None = None, vmax: float | None = None, lang: str = "en") -> "Figure":
    """A labelled heatmap of a matrix (empty cells left blank), each cell written in ``lang`` as ``fmt`` says
    (".1f": one decimal; ".0%": a share); ``vmin``/``vmax`` fix the colour scale (1-5 for survey scores).
    The kit's markers among the row and column names ("(none)") are shown in ``lang``."""
    shown = matrix.astype(float)
    shown.index = [label(v, lang) for v in matrix.index]
    shown.columns = [label(v, lang) for v in matrix.columns]
    fig, ax = _figure(max(6.0, 1.1 * matrix.shape[1] + 3), max(3.0, 0.55 * matrix.shape[0] + 1.5))
    heatmap_on(ax, shown, annot=cell_texts(shown, fmt, lang).to_numpy(), fmt="", cmap=cmap, center=center, vmin=vmin,
               vmax=vmax, linewidths=0.5, cbar=True)
    ax.grid(False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return finish(fig, lang)


def trend(data: "pd.DataFrame", sla: float, *, title: str, xlabel: str, ylabel: str, sla_label: str, lang: str = "en") -> "Figure":
    """Median response hours by month, one line per pair ("(all)" and "A -> B" shown in ``lang`` as "(все)"
    and "A → B"), with the SLA dashed; months named in ``lang``."""
    import matplotlib.dates as mdates
    import seaborn as sns

    fig, ax = _figure(9, 4.5)
    shown = data.assign(pair=[label(p, lang) for p in data["pair"]])
    sns.lineplot(data=shown, x="month", y="median_response_hours", hue="pair", marker="o", palette="deep", ax=ax, errorbar=None)
    ax.axhline(sla, color="grey", linestyle="--", label=sla_label)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    ax.xaxis.set_major_formatter(month_ticks(lang))
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=7, ncol=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return finish(fig, lang)
