"""Step 6's figures: lead response by source, the handoff matrix, the handoff trend and survey heatmaps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ACCENT, BASE, _figure

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure


def response_bars(table: "pd.DataFrame", key: str, sla: float, *, title: str, xlabel: str, sla_label: str) -> "Figure":
    """Median (bar) and p90 (tick) response hours per ``key``, with the SLA as a dashed line; bars above it in the accent colour."""
    import numpy as np

    t = table.dropna(subset=["median_hours"])
    fig, ax = _figure(8, max(3.0, 0.4 * len(t) + 1.2))
    y = np.arange(len(t))
    med = t["median_hours"].astype(float).to_numpy()
    ax.barh(y, med, color=np.where(med > sla, ACCENT, BASE))
    ax.plot(t["p90_hours"].astype(float), y, "k|", markersize=12, label="p90")
    ax.axvline(sla, color="grey", linestyle="--", label=sla_label)
    ax.set_yticks(y, [str(v) for v in t[key]])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    return fig


def heatmap(matrix: "pd.DataFrame", *, title: str, xlabel: str, ylabel: str, fmt: str = ".1f", center: float | None = None,
            cmap: str = "rocket_r", vmin: float | None = None, vmax: float | None = None) -> "Figure":
    """A labelled heatmap of a matrix (empty cells left blank); ``vmin``/``vmax`` fix the colour scale (1-5
    for survey scores)."""
    import seaborn as sns

    fig, ax = _figure(max(6.0, 1.1 * matrix.shape[1] + 3), max(3.0, 0.55 * matrix.shape[0] + 1.5))
    sns.heatmap(matrix.astype(float), annot=True, fmt=fmt, cmap=cmap, center=center, vmin=vmin, vmax=vmax, linewidths=0.5,
                ax=ax, cbar=True)
    ax.grid(False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(title)
    return fig


def trend(data: "pd.DataFrame", sla: float, *, title: str, xlabel: str, ylabel: str, sla_label: str) -> "Figure":
    """Median response hours by month, one line per pair, with the SLA dashed."""
    import matplotlib.dates as mdates
    import seaborn as sns

    fig, ax = _figure(9, 4.5)
    sns.lineplot(data=data, x="month", y="median_response_hours", hue="pair", marker="o", palette="deep", ax=ax)
    ax.axhline(sla, color="grey", linestyle="--", label=sla_label)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=7, ncol=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig
