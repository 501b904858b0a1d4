"""Step 5's figures: the CRM data-quality score by part, and seat use per tool."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ACCENT, BASE, _figure

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure


def score_parts(scores: "pd.DataFrame", parts: tuple[str, ...], labels: dict[str, str], *, title: str, ylabel: str) -> "Figure":
    """Grouped horizontal bars: each part (0-100) and the score for every group row of ``scores``
    (columns ``group`` and the parts)."""
    import numpy as np

    cols = [*parts, "score"]
    n = len(scores)
    fig, ax = _figure(8, max(3.0, 0.6 * n + 2.0))
    height = 0.8 / len(cols)
    y = np.arange(n)
    colors = ["#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", BASE]
    for k, col in enumerate(cols):
        ax.barh(y + k * height, scores[col].astype(float), height=height, color=colors[k % len(colors)], label=labels.get(col, col))
    ax.set_yticks(y + 0.4 - height / 2, [str(g) for g in scores["group"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(ylabel)
    ax.set_ylabel("")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(cols), fontsize=8, frameon=False)
    ax.set_title(title)
    return fig


def seat_use(usage: "pd.DataFrame", *, title: str, xlabel: str, seats_label: str, users_label: str) -> "Figure":
    """Seats (outline) and active users (filled) per tool; tools used by fewer than half of their seats in the accent colour."""
    import numpy as np

    fig, ax = _figure(8, max(3.0, 0.4 * len(usage) + 1.6))
    y = np.arange(len(usage))
    ax.barh(y, usage["seats"].astype(float), color="white", edgecolor=BASE, label=seats_label)
    low = (usage["utilisation"].astype(float) < 0.5).to_numpy()
    ax.barh(y, usage["active_users"].astype(float), color=np.where(low, ACCENT, BASE), label=users_label)
    ax.set_yticks(y, [str(t) for t in usage["tool"]])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8, frameon=False)
    ax.set_title(title)
    return fig
