"""Step 5's figures: the CRM data-quality score by part, and seat use per tool.

Every function takes ``lang``, the report's language: the kit's markers ("(all)") and words come from the
text catalog, numbers are written the report's way; client text (teams, tools) is drawn as written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..report.text import t
from .base import ACCENT, BASE, _figure, finish, label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure


def score_parts(scores: "pd.DataFrame", parts: tuple[str, ...], labels: dict[str, str], *, title: str, ylabel: str,
                lang: str = "en") -> "Figure":
    """Grouped horizontal bars: each part (0-100) and the score for every group row of ``scores``
    (columns ``group`` and the parts); the company row "(all)" named in ``lang``."""
    import numpy as np

    cols = [*parts, "score"]
    n = len(scores)
    fig, ax = _figure(8, max(3.0, 0.6 * n + 2.0))
    height = 0.8 / len(cols)
    y = np.arange(n)
    colors = ["#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", BASE]
    for k, col in enumerate(cols):
        ax.barh(y + k * height, scores[col].astype(float), height=height, color=colors[k % len(colors)], label=labels.get(col, col))
    ax.set_yticks(y + 0.4 - height / 2, [label(g, lang) for g in scores["group"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(ylabel)
    ax.set_ylabel("")
    fig.legend(loc="outside lower center", ncol=len(cols), fontsize=8, frameon=False)
    ax.set_title(title)
    return finish(fig, lang)


def seat_use(usage: "pd.DataFrame", *, title: str, xlabel: str, seats_label: str, users_label: str, lang: str = "en") -> "Figure":
    """Seats (outline) and active users (filled) per tool; tools used by fewer than half of their seats in the
    accent colour, which the legend names."""
    import numpy as np
    from matplotlib.patches import Patch

    fig, ax = _figure(8, max(3.0, 0.4 * len(usage) + 1.6))
    y = np.arange(len(usage))
    ax.barh(y, usage["seats"].astype(float), color="white", edgecolor=BASE)
    low = (usage["utilisation"].astype(float) < 0.5).to_numpy()
    ax.barh(y, usage["active_users"].astype(float), color=np.where(low, ACCENT, BASE))
    ax.set_yticks(y, [label(v, lang) for v in usage["tool"]])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    handles = [Patch(facecolor="white", edgecolor=BASE, label=seats_label), Patch(color=BASE, label=users_label)]
    if low.any():
        handles.append(Patch(color=ACCENT, label=t("fig5.tools.low", lang)))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8, frameon=False)
    ax.set_title(title)
    return finish(fig, lang)
