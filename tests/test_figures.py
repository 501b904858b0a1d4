"""The shared figure style: client text is drawn as written."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from auditkit import figures  # noqa: E402


def test_dollar_signs_in_client_text_are_not_mathtext():
    figures.apply_theme()
    data = pd.DataFrame({"reason": ["$5 off$ promo", "$\\frac{$ deal"], "deals": [3, 1]})
    fig = figures.bar(data, "reason", "deals", title="Lost $ reasons", xlabel="Reason", ylabel="Deals", horizontal=True)
    fig.savefig(io.BytesIO(), format="png")  # mathtext would fail to parse '\\frac{'
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["$5 off$ promo", "$\\frac{$ deal"]
    plt.close(fig)
