"""Step 3's figures: the funnel, time in stage, cohorts, lost reasons and velocity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..report.format import Formatter
from ..report.text import t, word
from .base import ACCENT, BASE, PALETTE, _figure, _renderer, bar, cell_texts, finish, heatmap_on, label, month_ticks, share_ticks

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text


def funnel_chart(funnel_df: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """Horizontal bars of stage entries (the part still in the stage lighter), each annotated with its
    conversion: the share of the entries that left the stage that advanced to the next one.

    Takes a ``funnel`` (or ``bottlenecks``) frame from :mod:`auditkit.metrics.process`; stages whose
    ``is_bottleneck`` column is True are drawn in the accent colour. On an estimate (``attrs["estimate"]``)
    no conversion is written, and the "(unknown)" row of deals lost at an unknown stage is drawn like a stage.
    The default title names the funnel's mode (``attrs["mode"]``) and says when it is an estimate.
    """
    import math

    from matplotlib.patches import Patch

    fmt = Formatter(lang)
    n = len(funnel_df)
    fig, ax = _figure(8, max(3.0, 0.55 * n + 1.4))
    flagged = [bool(v) for v in funnel_df["is_bottleneck"]] if "is_bottleneck" in funnel_df else [False] * n
    entered = [float(v) for v in funnel_df["entered"]]
    waiting = [float(v) for v in funnel_df["in_progress"]] if "in_progress" in funnel_df else [0.0] * n
    labels = [label(s, lang) for s in funnel_df["stage"]]
    colors = [ACCENT if f else BASE for f in flagged]
    done = [e - w for e, w in zip(entered, waiting)]
    ax.barh(range(n), done, color=colors)
    ax.barh(range(n), waiting, left=done, color=colors, alpha=0.35)
    ax.set_yticks(range(n), labels=labels)
    ax.invert_yaxis()
    top = max(entered, default=0.0) or 1.0
    notes = []
    for i, (value, wait, conv) in enumerate(zip(entered, waiting, funnel_df["conversion"])):
        parts = [fmt.number(value)]
        if conv is not None and not (isinstance(conv, float) and math.isnan(conv)):
            parts.append(t("fig.funnel.advance", lang, share=fmt.share(float(conv), 0)))
        if wait:
            parts.append(f"{fmt.number(wait)} {t('col.in_progress', lang).lower()}")
        note = ax.text(value + 0.01 * top, i, "  ·  ".join(parts), va="center", fontsize=9)
        note.set_in_layout(False)  # the axes are widened to hold it (_fit_notes), not shrunk around it
        notes.append(note)
    handles = [Patch(color=BASE, alpha=0.35, label=t("fig.funnel.waiting", lang))] if any(waiting) else []
    if any(flagged):
        handles.append(Patch(color=ACCENT, label=t("fig.funnel.bottleneck", lang)))
    if handles:  # below the axes, where it covers no bar and no note
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    if title is None:
        attrs = funnel_df.attrs
        mode = t("fig.funnel.mode." + ("estimate" if attrs.get("estimate") else str(attrs.get("mode", "any"))), lang)
        title = t("fig.funnel.title", lang, mode=mode)
    ax.set_title(title)
    ax.set_xlabel(t("fig.funnel.x", lang))
    ax.set_ylabel(t("fig.stage", lang))
    _fit_notes(fig, ax, notes, entered, top)
    return finish(fig, lang)


def _fit_notes(fig: "Figure", ax: "Axes", notes: list["Text"], ends: list[float], top: float) -> None:
    """Widen the x axis so that every note written after the end of its bar ends inside the axes. When that
    would leave the longest bar less than 35 % of the axes' width, every note is first broken in two lines
    (its count and conversion, then what is still in the stage)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    renderer = _renderer(fig)
    width = ax.get_window_extent(renderer).width  # type: ignore[arg-type]

    def right_edge() -> float:
        # a note starts at end + 1 % of top and must end inside: (end + 0.01 top) / right * width + size <= 0.98 width
        right = top * 1.05
        for note, end in zip(notes, ends):
            free = 0.98 * width - note.get_window_extent(renderer).width  # type: ignore[arg-type]
            right = max(right, (end + 0.01 * top) * width / free) if free > 0 else right
        return right

    right = right_edge()
    if top / right < 0.35:
        for note in notes:
            first, sep, rest = note.get_text().partition("  ·  ")
            head, sep2, tail = rest.partition("  ·  ")
            note.set_text(f"{first}  ·  {head}\n{tail}" if sep2 else note.get_text())
        right = right_edge()
    ax.set_xlim(0, right)
    ax.set_xticks([v for v in ax.get_xticks() if 0 <= v <= top * 1.05])  # no scale under the notes


def stage_time_boxplot(durations: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """Box plots of days spent in each stage by the entries that left it, on a log scale.

    Takes a ``stage_durations`` frame; censored entries (still in the stage) are left out here, see the
    Kaplan-Meier medians of ``stage_time_summary`` for them. Durations under 0.1 day are drawn at 0.1.
    """
    import matplotlib
    import numpy as np
    import pandas as pd
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from ..io.vector import group_rows

    fmt = Formatter(lang)
    stage = durations["stage"]
    names = stage.cat.categories if isinstance(stage.dtype, pd.CategoricalDtype) else pd.unique(stage)
    order = [str(s) for s in names]
    days = durations["days"].to_numpy(dtype=float, na_value=np.nan)
    left = np.flatnonzero(~durations["censored"].to_numpy(dtype=bool) & ~np.isnan(days))
    days = np.clip(days[left], 0.1, None)
    fig, ax = _figure(8, max(3.0, 0.45 * len(order) + 1.4))
    if len(left):
        if isinstance(stage.dtype, pd.CategoricalDtype):  # split on the codes (4.6M entries at 1M deals)
            groups = [days[rows] for rows in group_rows(np.asarray(stage.cat.codes)[left], len(order))]
        else:
            text = stage.astype(str).to_numpy()[left]
            groups = [days[text == s] for s in order]
        # matplotlib >= 3.10 names the orientation; seaborn 0.13 still passes the deprecated `vert`
        major, minor = (int(x) for x in matplotlib.__version__.split(".")[:2])
        orient = {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}
        ax.boxplot(
            groups, positions=range(len(order)), widths=0.6, patch_artist=True, **orient,
            boxprops={"facecolor": BASE, "alpha": 0.75}, medianprops={"color": "white", "linewidth": 1.5},
            flierprops={"markersize": 2, "alpha": 0.5},
        )
        ax.set_xscale("log")
        # math text is off for client text, so the log axis gets plain numbers instead of $10^{1}$
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, 1 if v < 1 else 0)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.text(0.5, 0.5, t("fig.time.none", lang), ha="center", va="center", transform=ax.transAxes)
    ax.set_yticks(range(len(order)), labels=[label(s, lang) for s in order])
    ax.set_ylim(len(order) - 0.5, -0.5)  # first stage on top
    ax.set_title(title or t("fig.time.title", lang))
    ax.set_xlabel(t("fig.time.x", lang))
    ax.set_ylabel(t("fig.stage", lang))
    return finish(fig, lang)


def cohort_heatmap(cohort_df: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """A heatmap of the share of each creation cohort that reached each stage, and won.

    Takes a ``cohort_funnel`` frame; cohorts that are not yet mature are marked with '*' on their label,
    months the data covers only in part with '(partial)'. Shares that are not available (no stage history)
    are left blank.
    """
    import pandas as pd

    cols = [c for c in cohort_df.columns if str(c).startswith("reached_")]
    matrix = cohort_df[cols + ["win_rate"]].astype(float)
    matrix.columns = [c.removeprefix("reached_") for c in cols] + [t("fig.cohorts.won", lang)]
    coverage = cohort_df["coverage"] if "coverage" in cohort_df else ["complete"] * len(cohort_df)
    matrix.index = [
        pd.Timestamp(c).strftime("%Y-%m") + ("" if mature else " *") + ("" if cov == "complete" else f" ({t('word.' + str(cov), lang)})")
        for c, mature, cov in zip(cohort_df["cohort"], cohort_df["mature"], coverage)
    ]
    fig, ax = _figure(max(6.0, 1.1 * len(matrix.columns) + 2.5), max(3.0, 0.35 * len(matrix) + 1.6))
    if len(matrix):
        heatmap_on(
            ax, matrix, annot=cell_texts(matrix, ".0%", lang).to_numpy(), fmt="", vmin=0, vmax=1, cmap=PALETTE, linewidths=0.5,
            cbar_kws={"label": t("fig.cohorts.bar", lang), "format": share_ticks(lang)}, annot_kws={"fontsize": 8},
        )
    else:
        ax.text(0.5, 0.5, t("fig.cohorts.none", lang), ha="center", va="center", transform=ax.transAxes)
    ax.grid(False)  # empty cells stay blank
    ax.set_title(title or t("fig.cohorts.title", lang))
    ax.set_xlabel(t("fig.cohorts.x", lang))
    ax.set_ylabel(t("fig.cohorts.y", lang))
    return finish(fig, lang)


def lost_reason_bars(by_reason: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """Horizontal bars of lost deals per normalised reason; "(no reason)" in the accent colour.

    Takes the ``"by_reason"`` frame of ``lost_analysis``.
    """
    from ..metrics.reasons import NO_REASON

    shown = by_reason.assign(reason=[word(r, lang, "reason") if r != NO_REASON else word(r, lang) for r in by_reason["reason"]])
    return bar(
        shown, "reason", "deals", title=title or t("fig.lost.title", lang), xlabel=t("fig.lost.x", lang),
        ylabel=t("fig.lost.y", lang), horizontal=True, highlight=str(word(NO_REASON, lang)), lang=lang,
    )


def velocity_chart(
    vel_df: "pd.DataFrame", *, currency: str = "", title: str | None = None, lang: str = "en"
) -> "Figure":
    """A line of pipeline velocity (currency per day) per month of a ``velocity`` frame.

    The line joins complete months only; months the data covers in part or not at all (``complete``
    False) are shaded and labelled, so a missing month is not read as a drop.
    """
    import matplotlib.dates as mdates
    import pandas as pd


    complete = vel_df["complete"].astype(bool) if "complete" in vel_df else pd.Series(True, index=vel_df.index)
    fig, ax = _figure()
    # matplotlib breaks the line at NaN: an incomplete month is a gap, not a point
    ax.plot(vel_df["period"], vel_df["velocity"].where(complete).astype(float), marker="o", color=BASE)
    ax.set_title(title or t("fig.velocity.title", lang))
    ax.set_xlabel(t("fig.month", lang))
    ax.set_ylabel(t("fig.velocity.y", lang, currency=currency or "¤"))
    ends = vel_df["period_end"] if "period_end" in vel_df else vel_df["period"] + pd.offsets.MonthBegin(1)
    for start, end in zip(vel_df.loc[~complete, "period"], ends[~complete]):
        ax.axvspan(start, end, color="0.85", alpha=0.6, lw=0, label=t("fig.velocity.incomplete", lang))
    if (~complete).any():
        handles, labels = ax.get_legend_handles_labels()
        keep = {lab: h for h, lab in zip(handles, labels)}
        ax.legend(keep.values(), keep.keys(), loc="best", frameon=False)
    # at most nine months named, each in the report's language, slanted so that they never overlap
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, -(-len(vel_df) // 9))))
    ax.xaxis.set_major_formatter(month_ticks(lang))
    ax.tick_params(axis="x", rotation=30)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")
    return finish(fig, lang)
