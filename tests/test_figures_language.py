"""Every figure of every step, drawn for a ``language: ru`` report, is Russian and fits its canvas.

Each figure function is called with ``lang="ru"`` on small tidy data built here (the shapes the step notebooks
pass), with the titles and axis labels the notebooks take from the catalog. The client's own text is Latin on
purpose (stages New, Qualified, Proposal; reps Anna Berg and Boris Kim; teams SMB North; tools PipeCRM and
CallLens; sources Website and Partner; departments Legal and Support; competencies Prospecting and
Discovery; the currency EUR), so that it is seen to stay as written. After drawing, every text artist (titles,
axis labels, legend texts, tick labels, colour-bar labels, cell annotations, notes) is checked:

(a) every word in Latin letters is one of :data:`CLIENT` or :data:`ALLOWED` (the abbreviations a Russian
    report keeps: SLA, CRM), so no English word of the kit is left: not "p90", not "(all)" or "(none)", not
    "May 2025", not "Management" (a department the questionnaire names, which is the kit's word; a client
    department "Продажи" is the sales department and so does not rate it);
(b) numbers are written the Russian way: no decimal point between digits (3,28 not 3.28; 0,8 not 0.8) and a
    space before the percent sign (10 %, not 10%);
(c) the title, the axis labels, the legend and the notes written beside bars lie inside the figure: the step-4
    win-rate figure's long x label ("доля выигранных (выиграно / закрыто); отрезок: 95-процентный интервал;
    пунктир: компания") and the funnel's notes ("5 582 · 80 % покинувших перешли дальше · 72 в работе") ran
    off the right edge.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from auditkit import figures  # noqa: E402
from auditkit.figures import comms as FC  # noqa: E402
from auditkit.figures import people as FP  # noqa: E402
from auditkit.figures import technology as FT  # noqa: E402
from auditkit.metrics import survey as S  # noqa: E402
from auditkit.report.text import t  # noqa: E402

LANG = "ru"
#: The client's own words in the data below, drawn as written.
CLIENT = {"New", "Qualified", "Proposal", "Anna", "Berg", "Boris", "Kim", "R001", "R002", "SMB", "North", "PipeCRM",
          "CallLens", "Website", "Partner", "Legal", "Support", "Prospecting", "Discovery", "EUR"}
#: Abbreviations a Russian report keeps.
ALLOWED = {"SLA", "CRM"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _months(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2025-04-01", periods=n, freq="MS")


def _funnel() -> pd.DataFrame:
    df = pd.DataFrame({
        "stage": ["New", "Qualified", "Proposal", "(unknown)"], "entered": [5582, 4474, 886, 661], "in_progress": [72, 66, 20, 0],
        "conversion": [0.8, 0.78, 0.76, np.nan], "is_bottleneck": [False, True, False, False],
    })
    df.attrs["mode"] = "any"
    return df


def _survey() -> pd.DataFrame:
    """Five respondents in each of three departments: Legal and Support (the client's Latin names) and
    "Продажи" (sales, written in Russian). Every one answers C03 (marketing), C09 (management) and C11 (sales)."""
    rows = []
    for dept, answer in (("Legal", "4"), ("Support", "3"), ("Продажи", "2")):
        for i in range(5):
            for item in ("C03", "C09", "C11"):
                rows.append((f"{dept}{i}", dept, "Менеджер", item, answer))
    rows.append(("x1", None, "Менеджер", "C01", "4"))  # no department: the "(none)" row, hidden (one respondent)
    return pd.DataFrame(rows, columns=["respondent_id", "department", "role", "question_id", "answer"])


def build_figures() -> dict[str, "matplotlib.figure.Figure"]:
    """Every figure function of every step, drawn in Russian from small data."""
    from auditkit.metrics.reasons import NO_REASON

    months = _months(14)
    out = {}
    # step 2
    long = pd.DataFrame({"month": list(months) * 2, "count": np.arange(28) * 37.5,
                         "deals": [t("fig.monthly.created", LANG)] * 14 + [t("fig.monthly.won", LANG)] * 14})
    out["line"] = figures.line(long, "month", "count", hue="deals", legend=t("fig.monthly.legend", LANG), lang=LANG,
                               title=t("fig.monthly.title", LANG), xlabel=t("fig.month", LANG), ylabel=t("fig.monthly.y", LANG))
    out["lost_reason_bars"] = figures.lost_reason_bars(pd.DataFrame({"reason": [NO_REASON, "Price", "Website"], "deals": [1105, 790, 12]}), lang=LANG)
    # step 3
    out["funnel_chart"] = figures.funnel_chart(_funnel(), lang=LANG)
    durations = pd.DataFrame({"stage": ["New", "New", "Qualified", "Proposal"], "days": [0.05, 3.5, 12.0, 40.0],
                              "censored": [False, False, False, True]})
    out["stage_time_boxplot"] = figures.stage_time_boxplot(durations, lang=LANG)
    cohorts = pd.DataFrame({"cohort": months[:3], "reached_New": [1.0, 1.0, 1.0], "reached_Qualified": [0.82, 0.8, np.nan],
                            "win_rate": [0.11, 0.125, np.nan], "mature": [True, True, False], "coverage": ["complete", "complete", "partial"]})
    out["cohort_heatmap"] = figures.cohort_heatmap(cohorts, lang=LANG)
    vel = pd.DataFrame({"period": months, "period_end": months + pd.offsets.MonthBegin(1), "velocity": np.linspace(3750.5, 19400.25, 14),
                        "complete": [True] * 13 + [False]})
    out["velocity_chart"] = figures.velocity_chart(vel, currency="EUR", lang=LANG)
    # step 4
    fair = pd.DataFrame({"rep": ["R001", "R002"], "name": ["Anna Berg", "Boris Kim"], "win_rate": [0.165, 0.033],
                         "group": ["top performer", "needs support"]})
    card = pd.DataFrame({"kind": ["rep", "rep", "company"], "rep": ["R001", "R002", "(company)"], "win_rate": [0.165, 0.033, 0.1],
                         "win_rate_low": [0.09, 0.02, np.nan], "win_rate_high": [0.29, 0.06, np.nan]})
    out["ranked_win_rates"] = FP.ranked_win_rates(fair, card, lang=LANG)
    wide = pd.DataFrame({"Prospecting": [4.0, 2.0], "Discovery": [3.0, 5.0]}, index=["Anna Berg", "Boris Kim"])
    out["skills_heatmap"] = FP.skills_heatmap(wide, lang=LANG)
    ramp = pd.DataFrame({"months_since_hire": [0, 1, 2, 3], "win_rate": [0.0, 0.05, 0.155, 0.1], "won_value": [0.0, 12500.0, 151000.0, 30000.0]})
    out["ramp_curve"] = FP.ramp_curve(ramp, lang=LANG)
    acts = pd.DataFrame({"name": ["Anna Berg", "Boris Kim"], "activities_per_week": [26.5, 114.0], "win_rate": [0.165, 0.033]})
    out["activity_scatter"] = FP.activity_scatter(acts, lang=LANG)
    leaks = pd.DataFrame({"rep": ["R002"] * 3, "stage": ["New", "Qualified", "Proposal"], "conversion": [0.755, 0.25, 0.58],
                          "team_conversion": [0.8, 0.32, 0.795], "leak": [False, True, True]})
    out["rep_funnel_chart"] = FP.rep_funnel_chart(leaks, "R002", lang=LANG)
    # step 5
    scores = pd.DataFrame({"group": ["(all)", "SMB North"], "completeness": [96.5, 98.0], "freshness": [84.2, 87.1], "score": [93.0, 94.1]})
    parts = {"completeness": t("tc.col.completeness", LANG), "freshness": t("tc.col.freshness", LANG), "score": t("tc.col.score", LANG)}
    out["score_parts"] = FT.score_parts(scores, ("completeness", "freshness"), parts, title=t("tech.score.figure", LANG),
                                        ylabel=t("tech.score.axis", LANG), lang=LANG)
    usage = pd.DataFrame({"tool": ["CallLens", "PipeCRM"], "seats": [30.0, 34.0], "active_users": [3.0, 31.0], "utilisation": [0.1, 0.91]})
    out["seat_use"] = FT.seat_use(usage, title=t("tech.tools.figure", LANG), xlabel=t("tech.tools.axis", LANG),
                                  seats_label=t("tech.tools.seats", LANG), users_label=t("tech.tools.users", LANG), lang=LANG)
    # step 6
    by_source = pd.DataFrame({"source": ["Website", "Partner", "(all)"], "median_hours": [1.8, 43.8, 2.5], "p90_hours": [24.1, 116.0, 30.0]})
    out["response_bars"] = FC.response_bars(by_source, "source", 24, title=t("comms.lead.figure", LANG), xlabel=t("comms.hours", LANG),
                                            sla_label=t("comms.sla", LANG), lang=LANG)
    answers = S.scored(_survey())
    dims = S.dimension_scores(answers, ("department",), step=6, lang=LANG, min_group=1)
    out["heatmap_dimensions"] = FC.heatmap(dims.pivot(index="department", columns="label", values="score"), title=t("comms.h.survey", LANG),
                                           xlabel="", ylabel=t("tc.col.department", LANG), fmt=".2f", cmap="RdYlGn", vmin=1, vmax=5, lang=LANG)
    out["heatmap_counterparts"] = FC.heatmap(S.counterpart_heatmap(answers, lang=LANG), title=t("comms.survey.heatmap", LANG),
                                             xlabel=t("comms.survey.rated", LANG), ylabel=t("comms.survey.rater", LANG), fmt=".2f",
                                             cmap="RdYlGn", vmin=1, vmax=5, lang=LANG)
    trend = pd.DataFrame({"month": list(months) * 2, "median_response_hours": np.r_[np.linspace(5.5, 20.5, 14), np.linspace(121.5, 76.25, 14)],
                          "pair": ["(all)"] * 14 + ["Support -> Legal"] * 14})
    out["trend"] = FC.trend(trend, 48, title=t("comms.handoff.trend", LANG), xlabel=t("comms.month", LANG), ylabel=t("comms.hours", LANG),
                            sla_label=t("comms.sla", LANG), lang=LANG)
    for fig in out.values():
        fig.canvas.draw()
    return out


@pytest.fixture(scope="module")
def drawn():
    figs = build_figures()
    yield figs
    for fig in figs.values():
        plt.close(fig)


def texts(fig) -> list[str]:
    """The strings of every visible text artist of ``fig`` that is not empty."""
    return [a.get_text() for a in fig.findobj(Text) if a.get_visible() and a.get_text().strip()]


def test_every_figure_function_is_covered(drawn):
    import inspect

    from auditkit.figures import base, process

    public = {name for module in (base, process, FP, FC, FT) for name, f in inspect.getmembers(module, inspect.isfunction)
              if f.__module__ == module.__name__ and not name.startswith("_")}
    helpers = {"apply_theme", "reset_theme", "label", "tick_decimals", "number_ticks", "share_ticks", "month_ticks", "cell_texts",
               "localise_numbers", "fit_text", "fits_text", "wrap_long_titles", "slot_labels", "finish", "heatmap_on",
               "save_once"}
    drawn_functions = {name.split("_dimensions")[0].split("_counterparts")[0] for name in drawn} | {"bar"}  # bar: through lost_reason_bars
    assert public - helpers <= drawn_functions, f"figures not checked in Russian: {public - helpers - drawn_functions}"


def test_every_latin_word_in_a_russian_figure_is_the_clients_own(drawn):
    left = {}
    for name, fig in drawn.items():
        for text in texts(fig):
            for word in WORD.findall(text):
                if word not in CLIENT | ALLOWED:
                    left.setdefault(name, []).append(text)
    assert not left, f"English in Russian figures: {left}"


def test_numbers_and_shares_are_written_the_russian_way(drawn):
    left = {name: [x for x in texts(fig) if re.search(r"\d\.\d|\d%", x)] for name, fig in drawn.items()}
    assert not {k: v for k, v in left.items() if v}, f"a decimal point or a percent sign without its space: {left}"
    shown = {name: texts(fig) for name, fig in drawn.items()}
    assert "10\u00a0%" in shown["ranked_win_rates"] and "3,00" in shown["heatmap_counterparts"] and "82\u00a0%" in shown["cohort_heatmap"]


def test_the_kits_words_are_russian_and_the_clients_as_written(drawn):
    shown = {name: texts(fig) for name, fig in drawn.items()}
    assert "90-й процентиль" in shown["response_bars"] and "(все)" in shown["response_bars"]
    assert "(все)" in shown["score_parts"] and "(все)" in shown["trend"] and "Support → Legal" in shown["trend"]
    assert "(неизвестно)" in shown["funnel_chart"] and "(не указано)" in shown["heatmap_dimensions"]
    assert any(re.fullmatch(r"(янв|февр|март|апр|май|июнь|июль|авг|сент|окт|нояб|дек)\.? 2025", x) for x in shown["trend"])
    # the counterparts the questionnaire names, in Russian, in its order; "Продажи" does not rate sales
    heat = drawn["heatmap_counterparts"].axes[0]
    assert [x.get_text() for x in heat.get_xticklabels()] == ["Маркетинг", "Руководство", "Продажи"]
    assert [x.get_text() for x in heat.get_yticklabels()] == ["Legal", "Support", "Продажи"]
    assert shown["heatmap_counterparts"].count("2,00") == 2  # Продажи rates marketing and management (2), not sales
    assert "CallLens" in shown["seat_use"] and "Anna Berg (R001)" in shown["ranked_win_rates"]


def _inside(box, fig, tolerance: float = 1.0) -> bool:
    return box.x0 >= -tolerance and box.y0 >= -tolerance and box.x1 <= fig.bbox.width + tolerance and box.y1 <= fig.bbox.height + tolerance


def test_titles_labels_legends_and_notes_lie_inside_the_figure(drawn):
    left = {}
    for name, fig in drawn.items():
        renderer = fig.canvas.get_renderer()
        shown = []
        for ax in fig.axes:
            shown += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
            if ax.get_legend() is not None:
                shown += list(ax.get_legend().get_texts())
        for legend in fig.legends:
            shown += list(legend.get_texts())
        for text in shown:
            if text.get_visible() and text.get_text().strip() and not _inside(text.get_window_extent(renderer), fig):
                left.setdefault(name, []).append(text.get_text())
    assert not left, f"text running off the figure: {left}"
