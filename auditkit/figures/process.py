"""Step 3's figures: the funnel, time in stage, cohorts, lost reasons and velocity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..report.format import Formatter
from ..report.text import t, word
from .base import ACCENT, BASE, PALETTE, _figure, bar, line

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure


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
    labels = [str(s) for s in funnel_df["stage"]]
    colors = [ACCENT if f else BASE for f in flagged]
    done = [e - w for e, w in zip(entered, waiting)]
    ax.barh(range(n), done, color=colors)
    ax.barh(range(n), waiting, left=done, color=colors, alpha=0.35)
    ax.set_yticks(range(n), labels=labels)
    ax.invert_yaxis()
    top = max(entered, default=0.0) or 1.0
    for i, (value, wait, conv) in enumerate(zip(entered, waiting, funnel_df["conversion"])):
        parts = [fmt.number(value)]
        if conv is not None and not (isinstance(conv, float) and math.isnan(conv)):
            parts.append(t("fig.funnel.advance", lang, share=fmt.share(float(conv), 0)))
        if wait:
            parts.append(f"{fmt.number(wait)} {t('col.in_progress', lang).lower()}")
        ax.text(value + 0.01 * top, i, "  ·  ".join(parts), va="center", fontsize=9)
    ax.set_xlim(0, top * 1.6)
    handles = [Patch(color=BASE, alpha=0.35, label=t("fig.funnel.waiting", lang))] if any(waiting) else []
    if any(flagged):
        handles.append(Patch(color=ACCENT, label=t("fig.funnel.bottleneck", lang)))
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=False)
    if title is None:
        attrs = funnel_df.attrs
        mode = t("fig.funnel.mode." + ("estimate" if attrs.get("estimate") else str(attrs.get("mode", "any"))), lang)
        title = t("fig.funnel.title", lang, mode=mode)
    ax.set_title(title)
    ax.set_xlabel(t("fig.funnel.x", lang))
    ax.set_ylabel(t("fig.stage", lang))
    return fig


def stage_time_boxplot(durations: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """Box plots of days spent in each stage by the entries that left it, on a log scale.

    Takes a ``stage_durations`` frame; censored entries (still in the stage) are left out here, see the
    Kaplan-Meier medians of ``stage_time_summary`` for them. Durations under 0.1 day are drawn at 0.1.
    """
    import matplotlib
    import pandas as pd
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fmt = Formatter(lang)
    stage = durations["stage"]
    names = stage.cat.categories if isinstance(stage.dtype, pd.CategoricalDtype) else pd.unique(stage)
    order = [str(s) for s in names]
    closed = durations.loc[~durations["censored"].astype(bool) & durations["days"].notna()]
    data = pd.DataFrame({"stage": closed["stage"].astype(str), "days": closed["days"].clip(lower=0.1)})
    fig, ax = _figure(8, max(3.0, 0.45 * len(order) + 1.4))
    if len(data):
        groups = [data.loc[data["stage"] == s, "days"].to_numpy(dtype=float) for s in order]
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
    ax.set_yticks(range(len(order)), labels=order)
    ax.set_ylim(len(order) - 0.5, -0.5)  # first stage on top
    ax.set_title(title or t("fig.time.title", lang))
    ax.set_xlabel(t("fig.time.x", lang))
    ax.set_ylabel(t("fig.stage", lang))
    return fig


def cohort_heatmap(cohort_df: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """A heatmap of the share of each creation cohort that reached each stage, and won.

    Takes a ``cohort_funnel`` frame; cohorts that are not yet mature are marked with '*' on their label,
    months the data covers only in part with '(partial)'. Shares that are not available (no stage history)
    are left blank.
    """
    import pandas as pd
    import seaborn as sns

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
        sns.heatmap(
            matrix, annot=True, fmt=".0%", vmin=0, vmax=1, cmap=PALETTE, linewidths=0.5, ax=ax,
            cbar_kws={"label": t("fig.cohorts.bar", lang)}, annot_kws={"fontsize": 8},
        )
    else:
        ax.text(0.5, 0.5, t("fig.cohorts.none", lang), ha="center", va="center", transform=ax.transAxes)
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(title or t("fig.cohorts.title", lang))
    ax.set_xlabel(t("fig.cohorts.x", lang))
    ax.set_ylabel(t("fig.cohorts.y", lang))
    return fig


def lost_reason_bars(by_reason: "pd.DataFrame", *, title: str | None = None, lang: str = "en") -> "Figure":
    """Horizontal bars of lost deals per normalised reason; "(no reason)" in the accent colour.

    Takes the ``"by_reason"`` frame of ``lost_analysis``.
    """
    from ..metrics.reasons import NO_REASON

    shown = by_reason.assign(reason=[word(r, lang, "reason") if r != NO_REASON else word(r, lang) for r in by_reason["reason"]])
    return bar(
        shown, "reason", "deals", title=title or t("fig.lost.title", lang), xlabel=t("fig.lost.x", lang),
        ylabel=t("fig.lost.y", lang), horizontal=True, highlight=str(word(NO_REASON, lang)),
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
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, len(vel_df) // 12)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    return fig
