"""Step 3's figures: the funnel, time in stage, cohorts, lost reasons and velocity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ACCENT, BASE, PALETTE, _figure, bar, line

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure


def funnel_chart(funnel_df: "pd.DataFrame", *, title: str | None = None) -> "Figure":
    """Horizontal bars of stage entries (the part still in the stage lighter), each annotated with its
    conversion: the share of the entries that left the stage that advanced to the next one.

    Takes a ``funnel`` (or ``bottlenecks``) frame from :mod:`auditkit.metrics.process`; stages whose
    ``is_bottleneck`` column is True are drawn in the accent colour. On an estimate (``attrs["estimate"]``)
    no conversion is written, and the "(unknown)" row of deals lost at an unknown stage is drawn like a stage.
    The default title names the funnel's mode (``attrs["mode"]``) and says when it is an estimate.
    """
    import math

    from matplotlib.patches import Patch

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
        parts = [f"{value:,.0f}"]
        if conv is not None and not (isinstance(conv, float) and math.isnan(conv)):
            parts.append(f"{float(conv):.0%} of those that left advance")
        if wait:
            parts.append(f"{wait:,.0f} in progress")
        ax.text(value + 0.01 * top, i, "  ·  ".join(parts), va="center", fontsize=9)
    ax.set_xlim(0, top * 1.6)
    handles = [Patch(color=BASE, alpha=0.35, label="still in the stage")] if any(waiting) else []
    if any(flagged):
        handles.append(Patch(color=ACCENT, label="bottleneck"))
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=False)
    if title is None:
        attrs = funnel_df.attrs
        mode = "estimate from current stage" if attrs.get("estimate") else f"mode: {attrs.get('mode', 'any')}"
        title = f"Funnel: entries per stage ({mode})"
    ax.set_title(title)
    ax.set_xlabel("Stage entries")
    ax.set_ylabel("Stage")
    return fig


def stage_time_boxplot(durations: "pd.DataFrame", *, title: str = "Time in stage (completed entries)") -> "Figure":
    """Box plots of days spent in each stage by the entries that left it, on a log scale.

    Takes a ``stage_durations`` frame; censored entries (still in the stage) are left out here, see the
    Kaplan-Meier medians of ``stage_time_summary`` for them. Durations under 0.1 day are drawn at 0.1.
    """
    import matplotlib
    import pandas as pd

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
    else:
        ax.text(0.5, 0.5, "no completed stage entries", ha="center", va="center", transform=ax.transAxes)
    ax.set_yticks(range(len(order)), labels=order)
    ax.set_ylim(len(order) - 0.5, -0.5)  # first stage on top
    ax.set_title(title)
    ax.set_xlabel("Days in stage (log scale)")
    ax.set_ylabel("Stage")
    return fig


def cohort_heatmap(cohort_df: "pd.DataFrame", *, title: str = "Funnel by month of creation") -> "Figure":
    """A heatmap of the share of each creation cohort that reached each stage, and won.

    Takes a ``cohort_funnel`` frame; cohorts that are not yet mature are marked with '*' on their label,
    months the data covers only in part with '(partial)'. Shares that are not available (no stage history)
    are left blank.
    """
    import pandas as pd
    import seaborn as sns

    cols = [c for c in cohort_df.columns if str(c).startswith("reached_")]
    matrix = cohort_df[cols + ["win_rate"]].astype(float)
    matrix.columns = [c.removeprefix("reached_") for c in cols] + ["Won"]
    coverage = cohort_df["coverage"] if "coverage" in cohort_df else ["complete"] * len(cohort_df)
    matrix.index = [
        pd.Timestamp(c).strftime("%Y-%m") + ("" if mature else " *") + ("" if cov == "complete" else " (partial)")
        for c, mature, cov in zip(cohort_df["cohort"], cohort_df["mature"], coverage)
    ]
    fig, ax = _figure(max(6.0, 1.1 * len(matrix.columns) + 2.5), max(3.0, 0.35 * len(matrix) + 1.6))
    if len(matrix):
        sns.heatmap(
            matrix, annot=True, fmt=".0%", vmin=0, vmax=1, cmap=PALETTE, linewidths=0.5, ax=ax,
            cbar_kws={"label": "Share of the cohort"}, annot_kws={"fontsize": 8},
        )
    else:
        ax.text(0.5, 0.5, "no deals", ha="center", va="center", transform=ax.transAxes)
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(title)
    ax.set_xlabel("Stage reached")
    ax.set_ylabel("Created (* = not yet mature)")
    return fig


def lost_reason_bars(by_reason: "pd.DataFrame", *, title: str = "Lost deals by reason") -> "Figure":
    """Horizontal bars of lost deals per normalised reason; "(no reason)" in the accent colour.

    Takes the ``"by_reason"`` frame of ``lost_analysis``.
    """
    from ..metrics.reasons import NO_REASON

    return bar(
        by_reason, "reason", "deals", title=title, xlabel="Reason", ylabel="Lost deals",
        horizontal=True, highlight=NO_REASON,
    )


def velocity_chart(
    vel_df: "pd.DataFrame", *, currency: str = "", title: str = "Pipeline velocity per month"
) -> "Figure":
    """A line of pipeline velocity (currency per day) per month of a ``velocity`` frame.

    The line joins complete months only; months the data covers in part or not at all (``complete``
    False) are shaded and labelled, so a missing month is not read as a drop.
    """
    import matplotlib.dates as mdates
    import pandas as pd

    unit = f"{currency} per day" if currency else "currency per day"
    complete = vel_df["complete"].astype(bool) if "complete" in vel_df else pd.Series(True, index=vel_df.index)
    fig, ax = _figure()
    # matplotlib breaks the line at NaN: an incomplete month is a gap, not a point
    ax.plot(vel_df["period"], vel_df["velocity"].where(complete).astype(float), marker="o", color=BASE)
    ax.set_title(title)
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Velocity ({unit})")
    ends = vel_df["period_end"] if "period_end" in vel_df else vel_df["period"] + pd.offsets.MonthBegin(1)
    for start, end in zip(vel_df.loc[~complete, "period"], ends[~complete]):
        ax.axvspan(start, end, color="0.85", alpha=0.6, lw=0, label="incomplete month (left out)")
    if (~complete).any():
        handles, labels = ax.get_legend_handles_labels()
        keep = {lab: h for h, lab in zip(handles, labels)}
        ax.legend(keep.values(), keep.keys(), loc="best", frameon=False)
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, len(vel_df) // 12)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    return fig
