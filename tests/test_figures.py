"""The shared figure style: client text is drawn as written; the kit's words, numbers, shares and months in
the report's language; titles and axis labels that fit the figure.

Hand-checked values of the language helpers of :mod:`auditkit.figures.base`:

- ``tick_decimals``: ticks 0, 20, 40 need no decimal; 1, 1.5, 2 need one; 0.25, 0.5 two; 0.1 + 0.2
  (0.30000000000000004 in floating point) one, as 0.3; 1/3 never ends and gets the most, 3; NaN is left out.
- ``number_ticks``: 0, 500, 1000, 1500 are "0", "500", "1,000", "1,500" in English and "0", "500", "1 000",
  "1 500" in Russian (a no-break space groups thousands); 1, 1.5, 2 are "1,0", "1,5", "2,0" in Russian (one
  decimal for all, as 1.5 needs it).
- ``share_ticks``: 0, 0.1, 0.2 are "0%", "10%", "20%" in English and "0 %", "10 %", "20 %" in Russian (a
  no-break space before the sign, as Russian typography wants); 0.125 and 0.25 are 12.5 % and 25 %, and
  12.5 needs one decimal: "12,5 %", "25,0 %".
- ``month_ticks``: 1 May 2025 is "May 2025" / "май 2025".
- ``cell_texts``: 3.28 with ".2f" is "3,28" in Russian; 0.82 with ".0%" is "82 %"; an empty cell stays "".
- ``label``: the kit's markers "(all)" and "(none)" are "(все)" and "(не указано)" in Russian, a handoff pair
  "Sales -> Legal" is drawn "Sales → Legal", and client text ("New") is left as written.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

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


# --- the report's language in figures ---------------------------------------------------------------

NBSP = "\u00a0"


def test_tick_decimals_are_the_fewest_that_write_every_tick():
    from auditkit.figures.base import tick_decimals

    assert tick_decimals([0, 20, 40]) == 0
    assert tick_decimals([1, 1.5, 2]) == 1
    assert tick_decimals([0.25, 0.5]) == 2
    assert tick_decimals([0.1 + 0.2]) == 1
    assert tick_decimals([1 / 3]) == 3
    assert tick_decimals([float("nan"), 2.0]) == 0


def test_number_and_share_ticks_are_written_the_reports_way():
    from auditkit.figures.base import number_ticks, share_ticks

    assert number_ticks("en").format_ticks([0, 500, 1000, 1500]) == ["0", "500", "1,000", "1,500"]
    assert number_ticks("ru").format_ticks([0, 500, 1000, 1500]) == ["0", "500", f"1{NBSP}000", f"1{NBSP}500"]
    assert number_ticks("ru").format_ticks([1.0, 1.5, 2.0]) == ["1,0", "1,5", "2,0"]
    assert number_ticks("ru").format_ticks([-0.0]) == ["0"]  # never "-0"
    assert share_ticks("en").format_ticks([0, 0.1, 0.2]) == ["0%", "10%", "20%"]
    assert share_ticks("ru").format_ticks([0, 0.1, 0.2]) == [f"0{NBSP}%", f"10{NBSP}%", f"20{NBSP}%"]
    assert share_ticks("ru").format_ticks([0.125, 0.25]) == [f"12,5{NBSP}%", f"25,0{NBSP}%"]


def test_month_ticks_name_the_month_in_the_reports_language():
    import datetime as dt

    import matplotlib.dates as mdates

    from auditkit.figures.base import month_ticks

    may = mdates.date2num(dt.datetime(2025, 5, 1))
    assert month_ticks("en").format_ticks([may]) == ["May 2025"]
    assert month_ticks("ru").format_ticks([may]) == ["май 2025"]


def test_cell_texts_and_labels():
    from auditkit.figures.base import cell_texts, label

    cells = pd.DataFrame([[3.28, float("nan")], [0.82, 1.0]])
    assert cell_texts(cells, ".2f", "ru").values.tolist() == [["3,28", ""], ["0,82", "1,00"]]
    assert cell_texts(cells, ".2f", "en").values.tolist() == [["3.28", ""], ["0.82", "1.00"]]
    assert cell_texts(cells, ".0%", "ru").values.tolist() == [[f"328{NBSP}%", ""], [f"82{NBSP}%", f"100{NBSP}%"]]
    assert label("(all)", "ru") == "(все)" and label("(none)", "ru") == "(не указано)" and label("(all)", "en") == "(all)"
    assert label("Sales -> Legal", "ru") == "Sales → Legal"
    assert label("New", "ru") == "New"


def test_a_long_axis_label_is_wrapped_to_fit_the_figure_and_a_short_one_is_left():
    from auditkit.figures.base import _figure, _renderer, fit_text

    fig, ax = _figure(4, 3)
    ax.barh([0, 1], [1, 2])
    ax.set_yticks([0, 1], ["a fairly long client name", "another long client name"])  # pushes the axes right
    long = "доля выигранных (выиграно / закрыто); отрезок: 95-процентный интервал; пунктир: компания"
    ax.set_xlabel(long)
    ax.set_ylabel("менеджер")
    fit_text(fig)
    fig.canvas.draw()
    renderer = _renderer(fig)
    assert "\n" in ax.get_xlabel() and ax.get_xlabel().replace("\n", " ") == long
    box = ax.xaxis.label.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    assert ax.get_ylabel() == "менеджер"
    plt.close(fig)


def test_a_title_wrapped_when_drawn_is_wrapped_whole_and_a_new_title_replaces_it():
    """A title that runs off the figure is wrapped when the figure is drawn, as one paragraph: narrowing it
    never leaves a word alone on a line, a hyphenated word stays whole; a title set afterwards is wrapped
    from itself; a long title that fits on one line is still wrapped at TITLE_WIDTH characters."""
    import textwrap

    import numpy as np

    from auditkit.figures.base import TITLE_WIDTH, _renderer, bar

    data = pd.DataFrame({"x": [f"Stage {i}" for i in range(5)], "y": np.arange(5) * 10.0})
    long = ("Доля выигранных сделок по менеджерам (выиграно / закрыто) — Северо-Западная воронка продаж компании "
            "«Очень длинное название клиента» за весь период аудита")
    fig = bar(data, "x", "y", title=long, xlabel="этап", ylabel="сделки", lang="ru")
    ax = fig.axes[0]
    fig.savefig(io.BytesIO(), format="png", dpi=110)
    lines = ax.get_title().split("\n")
    assert len(lines) >= 2 and " ".join(lines) == long and "Северо-Западная" in ax.get_title()
    assert all(len(line.split()) > 1 for line in lines)  # no word left alone on a line
    box = ax.title.get_window_extent(_renderer(fig))
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    ax.set_title("Сделки по этапам воронки продаж: создано, выиграно и проиграно за весь период аудита, по месяцам")
    fig.savefig(io.BytesIO(), format="png", dpi=110)
    assert ax.get_title().replace("\n", " ").startswith("Сделки по этапам")  # not the first title again
    fits = "A title of seventy characters or so that fits on one line in the figure"
    assert len(fits) > TITLE_WIDTH
    ax.set_title(fits)
    fig.savefig(io.BytesIO(), format="png", dpi=110)
    assert ax.get_title() == "\n".join(textwrap.wrap(fits, TITLE_WIDTH))
    plt.close(fig)


def test_long_stage_names_under_a_reps_funnel_do_not_run_into_each_other():
    """Long Russian stage names under the bars of a rep's funnel are wrapped to their slot: no two tick labels
    overlap and none runs off the figure."""
    from auditkit.figures.base import _renderer
    from auditkit.figures.people import rep_funnel_chart

    stages = ["Первичный контакт с клиентом", "Выявление потребностей клиента", "Согласование коммерческого предложения",
              "Подготовка и подписание договора", "Оплата счёта"]
    leaks = pd.DataFrame({"rep": "R1", "stage": stages, "conversion": [0.5, 0.4, 0.3, 0.6, 0.8],
                          "team_conversion": [0.55, 0.45, 0.35, 0.5, 0.7], "leak": [False, True, False, False, False]})
    fig = rep_funnel_chart(leaks, "R1", lang="ru")
    fig.savefig(io.BytesIO(), format="png", dpi=110)
    labels = [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert [t.get_text().replace("\n", " ") for t in labels] == stages
    boxes = sorted((t.get_window_extent(_renderer(fig)) for t in labels), key=lambda b: b.x0)
    assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:]))
    assert boxes[0].x0 >= 0 and boxes[-1].x1 <= fig.bbox.width
    plt.close(fig)


def test_stage_time_boxes_are_the_entries_that_left_each_stage():
    """Split on stage codes or on stage names, each box is drawn from the days of its stage's entries that
    left it (censored and undated entries out, under 0.1 day at 0.1): the medians are read off the figure."""
    import numpy as np

    from auditkit.figures.process import stage_time_boxplot

    stages = ["New", "Demo", "Offer"]
    d = pd.DataFrame({
        "stage": pd.Categorical(["New", "New", "New", "Demo", "Demo", "Offer", "Offer", "Offer", "Offer"], categories=stages),
        "days": [1.0, 3.0, 50.0, 0.01, 4.0, 2.0, np.nan, 6.0, 10.0],
        "censored": [False, False, True, False, False, False, False, False, False],
    })
    for table in (d, d.assign(stage=d["stage"].astype(str))):
        fig = stage_time_boxplot(table)
        medians = [line.get_xdata()[0] for line in fig.axes[0].lines if line.get_color() == "white"]
        # New: 1, 3 (50 still in the stage); Demo: 0.1 (0.01 drawn at 0.1), 4; Offer: 2, 6, 10 (NaN left out)
        assert medians == pytest.approx([2.0, 2.05, 6.0])
        plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_heatmap_is_not_drawn_before_it_is_saved_and_its_labels_are_turned_the_kits_way(lang, monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from auditkit.figures import comms, people  # submodules: imported here, not by another test before

    draws = []
    original = FigureCanvasAgg.draw
    monkeypatch.setattr(FigureCanvasAgg, "draw", lambda self, *a, **k: draws.append(1) or original(self, *a, **k))
    matrix = pd.DataFrame([[1.0, 2.5], [3.0, None]], index=["Анна Петрова", "(none)"], columns=["Отдел продаж", "Маркетинг"])
    cohorts = pd.DataFrame({
        "cohort": pd.to_datetime(["2025-01-01", "2025-02-01"]), "mature": [True, False], "coverage": ["complete", "partial"],
        "reached_Квалификация клиента": [0.5, 0.25], "reached_Коммерческое предложение": [0.25, 0.0], "win_rate": [0.2, 0.1],
    })
    made = [
        comms.heatmap(matrix, title="t", xlabel="x", ylabel="y", lang=lang),
        people.skills_heatmap(matrix.fillna(1.0), lang=lang),
        figures.cohort_heatmap(cohorts, lang=lang),
    ]
    assert draws == []  # seaborn's own draw of the figure is left out
    for fig in made:  # the column labels turned, the row labels level
        ax = fig.axes[0]
        assert {t.get_rotation() for t in ax.get_xticklabels()} == {30.0}
        assert {t.get_horizontalalignment() for t in ax.get_xticklabels()} == {"right"}
        assert {t.get_rotation() for t in ax.get_yticklabels()} == {0.0}
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)


def test_a_figure_is_drawn_once_when_saved_and_its_png_is_the_one_savefig_writes(monkeypatch):
    from matplotlib.figure import Figure

    from auditkit.figures.base import FIGURE_DPI, save_once

    def made() -> Figure:
        data = pd.DataFrame({"rep": ["Анна Петрова", "Игорь Смирнов", "Ольга Кузнецова"], "won": [12, 7, 3]})
        long = "Выигранные сделки по менеджерам за период аудита, включая сделки, созданные до начала периода"
        return figures.bar(data, "rep", "won", title=long, xlabel="менеджер", ylabel="выиграно сделок", lang="ru")

    reference = io.BytesIO()
    fig = made()
    fig.savefig(reference, format="png", dpi=FIGURE_DPI)  # matplotlib's own way: lays out in a draw, then draws
    plt.close(fig)

    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original(self, renderer))
    once = io.BytesIO()
    fig = made()
    save_once(fig, once)
    plt.close(fig)
    assert draws == [1]
    assert once.getvalue() == reference.getvalue()
    assert "\n" in fig.axes[0].get_title()  # the kit's layout ran: the long title was wrapped


def test_the_kit_leaves_seaborn_whole_for_the_notebooks_own_figures():
    # a notebook that draws a kit figure and then one of its own with seaborn's scipy-backed functions (a
    # clustered heatmap) gets it; seaborn imported with scipy hidden once took them away for good
    import subprocess
    import sys

    code = (
        "import numpy as np, pandas as pd\n"
        "from auditkit.figures import comms\n"
        "data = pd.DataFrame({'month': pd.to_datetime(['2025-01-01', '2025-02-01']), 'pair': ['(all)'] * 2,"
        " 'median_response_hours': [3.0, 4.0]})\n"
        "comms.trend(data, 24, title='t', xlabel='x', ylabel='y', sla_label='SLA')\n"
        "import seaborn as sns\n"
        "grid = sns.clustermap(np.arange(12.0).reshape(4, 3))\n"
        "print(len(grid.dendrogram_row.reordered_ind))\n"
    )
    env = {**__import__("os").environ, "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.split() == ["4"]
