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


def test_the_theme_is_applied_before_a_steps_first_figure_and_a_step_without_figures_skips_seaborn(tmp_path):
    import subprocess
    import sys

    from auditkit.figures.base import reset_theme

    matplotlib.rcParams.update({"axes.titleweight": "normal", "text.parse_math": True, "axes.grid": False})  # a step that changed them
    reset_theme()  # what open_step does when a new step starts
    fig = figures.bar(pd.DataFrame({"x": ["a"], "y": [1]}), "x", "y", title="t", xlabel="x", ylabel="y")
    assert matplotlib.rcParams["axes.titleweight"] == "bold" and matplotlib.rcParams["text.parse_math"] is False
    assert matplotlib.rcParams["axes.grid"] and matplotlib.rcParams["axes.facecolor"] == "white"  # seaborn's whitegrid
    plt.close(fig)
    from helpers import write_small_client

    params = write_small_client(tmp_path)
    code = (
        "import sys; from auditkit.step import open_step; from auditkit import charter\n"
        f"step = open_step('01_goals', {str(params)!r}, '', False); charter.charter(step.params)\n"
        "print(sorted(m for m in ('seaborn', 'scipy.stats', 'matplotlib.pyplot') if m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")[-2]
    assert shown == "[]"
