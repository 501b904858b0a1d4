"""The building blocks of every figure: one theme, one palette, a figure factory, bars and lines.

Every figure function takes tidy data and returns a matplotlib ``Figure`` with
a title and labelled axes; the caller decides whether to show or save it.
Every figure is drawn in the report theme: :func:`_figure` applies it before a step's first figure
(:func:`reset_theme` marks a new step), so a step that draws nothing never imports seaborn (and scipy
with it, about a second of a kernel's start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PALETTE = "crest"
#: Colours that stay apart for colour-blind readers (Okabe-Ito): deals created, won and lost.
OUTCOME_COLOURS = {"created": "#0072B2", "won": "#009E73", "lost": "#D55E00"}
ACCENT = "#c0392b"
BASE = "#2c7fb8"


_THEMED = False


def reset_theme() -> None:
    """Mark that the theme is to be applied again before the next figure (a new step starts)."""
    global _THEMED
    _THEMED = False


def apply_theme() -> None:
    """Apply the report theme (seaborn whitegrid, readable sizes, no figure clutter)."""
    global _THEMED
    import matplotlib
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    matplotlib.rcParams.update(
        {
            "figure.figsize": (8, 4.2),
            "figure.dpi": 100,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            # client text (reasons, stage and team names) is never read as $math$
            "text.parse_math": False,
        }
    )
    _THEMED = True


def _figure(width: float = 8, height: float = 4.2) -> tuple["Figure", "Axes"]:
    import matplotlib.pyplot as plt

    if not _THEMED:
        apply_theme()

    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, ax


def bar(
    data: "pd.DataFrame",
    x: str,
    y: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    horizontal: bool = False,
    highlight: str | None = None,
) -> "Figure":
    """A bar chart of ``y`` by ``x``; bars whose ``x`` equals ``highlight`` are drawn in the accent colour."""
    import seaborn as sns

    fig, ax = _figure(8, max(3.0, 0.35 * len(data) + 1.2) if horizontal else 4.2)
    colors = [ACCENT if highlight is not None and str(v) == str(highlight) else BASE for v in data[x]]
    if horizontal:
        sns.barplot(data=data, y=x, x=y, hue=x, palette=colors, legend=False, ax=ax, orient="h")
        ax.set_xlabel(ylabel)
        ax.set_ylabel(xlabel)
    else:
        sns.barplot(data=data, x=x, y=y, hue=x, palette=colors, legend=False, ax=ax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.tick_params(axis="x", rotation=30 if len(data) > 6 else 0)
    ax.set_title(title)
    return fig


def line(
    data: "pd.DataFrame", x: str, y: str, *, title: str, xlabel: str, ylabel: str, hue: str | None = None,
    palette: dict[str, str] | None = None, legend: str | None = None, lang: str = "en",
) -> "Figure":
    """A line chart of ``y`` over ``x`` (one line per ``hue`` value, coloured by ``palette`` when given);
    dates read as months in ``lang``."""
    import pandas as pd
    import seaborn as sns

    fig, ax = _figure()
    sns.lineplot(data=data, x=x, y=y, hue=hue, marker="o", ax=ax, palette=palette, hue_order=list(palette) if palette else None)
    if pd.api.types.is_datetime64_any_dtype(data[x]):
        import matplotlib.dates as mdates
        from matplotlib.ticker import FuncFormatter

        from ..report.format import Formatter

        fmt = Formatter(lang)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.month(mdates.num2date(v).replace(tzinfo=None))))
        ax.tick_params(axis="x", rotation=30)
    box = ax.get_legend()
    if legend is not None and box is not None:
        box.set_title(legend)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig
