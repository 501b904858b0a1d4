"""The building blocks of every figure: one theme, one palette, a figure factory, bars and lines.

Every figure function takes tidy data and returns a matplotlib ``Figure`` with
a title and labelled axes; the caller decides whether to show or save it.
Every figure is drawn in the report theme: :func:`_figure` applies it before a step's first figure
(:func:`reset_theme` marks a new step), so a step that draws nothing never imports seaborn (and scipy
with it where scipy is installed, about half a second of a kernel's start).

Every figure is written in its report's language (``lang``): the kit's own words come from the text
catalog, the kit's bracketed markers ("(all)", "(none)") are shown through :func:`label`, and numbers,
shares and months on axes, colour bars and in cells are written by the report's
:class:`~auditkit.report.format.Formatter` (:func:`number_ticks`, :func:`share_ticks`, :func:`month_ticks`,
:func:`cell_texts`): "1 000", "0,5", "10 %" and "май 2025" in Russian. :func:`finish` ends every figure:
it writes every plain numeric axis the report's way; and every figure's layout wraps a title or axis label
that would run off the figure each time it is drawn (:func:`fit_text`), so it is laid out once, when saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import LayoutEngine
    from matplotlib.ticker import Formatter as TickFormatter

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

    fig, ax = plt.subplots(figsize=(width, height), layout=_fitting_layout())
    return fig, ax


# --------------------------------------------------------------------------- the report's language


def label(value: object, lang: str = "en") -> str:
    """``value`` as a figure shows it: one of the kit's bracketed markers ("(all)", "(none)", "(company)",
    ...) in ``lang`` ("(все)", "(не указано)"), a handoff pair "A -> B" with an arrow ("A → B"); anything else
    (client text: stages, teams, departments) as written."""
    from ..report.format import Formatter

    text = str(Formatter(lang).marker(value))
    return text.replace(" -> ", " → ")


def tick_decimals(values: "Iterable[float]", most: int = 3) -> int:
    """The fewest decimals (at most ``most``) that write every one of ``values`` exactly: ticks at 0, 20, 40
    need 0; at 1, 1.5, 2 need 1; at 0.25, 0.5 need 2. Values that are not finite are left out."""
    import math

    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    for decimals in range(most + 1):
        if all(abs(round(v, decimals) - v) <= 1e-9 * max(1.0, abs(v)) for v in finite):
            return decimals
    return most


def _ticks(lang: str, kind: str, decimals: int | None = None) -> "TickFormatter":
    """A matplotlib tick formatter writing numbers (``kind`` "number") or shares ("share": 0.1 is 10 %) with
    the report's :class:`Formatter`; with ``decimals`` None, as many decimals as the ticks shown need."""
    import math

    from matplotlib.ticker import Formatter as _TickFormatter

    from ..report.format import Formatter

    fmt = Formatter(lang)

    class LocaleTicks(_TickFormatter):
        places = decimals if decimals is not None else 0

        def set_locs(self, locs: "Iterable[float]") -> None:
            locs = list(locs)
            super().set_locs(locs)
            if decimals is None:
                self.places = tick_decimals([v * 100 if kind == "share" else v for v in locs])

        def __call__(self, x: float, pos: int | None = None) -> str:
            if not math.isfinite(x):
                return ""
            x = 0.0 if abs(x) < 1e-12 else x  # never "-0"
            return fmt.share(x, self.places) if kind == "share" else fmt.number(x, self.places)

    return LocaleTicks()


def number_ticks(lang: str = "en", decimals: int | None = None) -> "TickFormatter":
    """A tick formatter writing numbers in ``lang``: 1000 -> '1,000' / '1 000', 0.5 -> '0.5' / '0,5'."""
    return _ticks(lang, "number", decimals)


def share_ticks(lang: str = "en", decimals: int | None = None) -> "TickFormatter":
    """A tick formatter writing shares in ``lang``: 0.1 -> '10%' (en) / '10 %' (ru)."""
    return _ticks(lang, "share", decimals)


def month_ticks(lang: str = "en") -> "TickFormatter":
    """A tick formatter for a date axis writing months in ``lang``: 'May 2025' / 'май 2025'."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    from ..report.format import Formatter

    fmt = Formatter(lang)
    return FuncFormatter(lambda v, _: fmt.month(mdates.num2date(v).replace(tzinfo=None)))


def cell_texts(matrix: "pd.DataFrame", spec: str = ".1f", lang: str = "en") -> "pd.DataFrame":
    """The texts written in a heatmap's cells: each value by the report's :class:`Formatter`, ``spec`` saying
    how (a format spec: ".2f" a number with 2 decimals, ".0%" a share with none); an empty cell stays empty."""
    import re

    from ..report.format import Formatter

    fmt = Formatter(lang)
    m = re.fullmatch(r"\.(\d+)([f%])", spec)
    if m is None:
        raise ValueError(f"unsupported cell format {spec!r}: use '.Nf' or '.N%'")
    places, kind = int(m.group(1)), m.group(2)
    one = (lambda v: fmt.share(v, places)) if kind == "%" else (lambda v: fmt.number(v, places))
    return matrix.astype(float).map(lambda v: "" if v != v else one(v))


def localise_numbers(fig: "Figure", lang: str = "en") -> None:
    """Every linear axis of ``fig`` still on matplotlib's own number formatter (bars, lines, colour bars)
    written by :func:`number_ticks` in ``lang``; category, date, log and already-formatted axes are left."""
    from matplotlib.ticker import ScalarFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter and axis.get_scale() == "linear":
                axis.set_major_formatter(number_ticks(lang))


def _renderer(fig: "Figure") -> object:
    canvas = fig.canvas
    get = getattr(canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()  # type: ignore[attr-defined]


def _wrap_overflowing(fig: "Figure", renderer: object, margin: float) -> bool:
    """Wrap every title and axis label of ``fig``, laid out as it is now, that runs off the figure; returns
    whether any was wrapped. A text is centred on its axes, so it fits when half of it fits between its
    centre and the nearer edge of the figure."""
    import textwrap

    width, height = fig.bbox.width, fig.bbox.height
    changed = False
    for ax in fig.axes:
        for text, along in ((ax.title, "x"), (ax.xaxis.label, "x"), (ax.yaxis.label, "y")):
            content = text.get_text()
            if not content.strip() or not text.get_visible():
                continue
            box = text.get_window_extent(renderer)  # type: ignore[arg-type]
            lo, hi, size, edge = (box.x0, box.x1, box.width, width) if along == "x" else (box.y0, box.y1, box.height, height)
            centre = (lo + hi) / 2
            room = 2 * max(0.0, min(centre, edge - centre)) * margin
            if size <= room or size <= 0:
                continue
            # wrapped again from the text as given (its own line breaks kept), narrower: never a word left alone
            # on a line by wrapping each wrapped line once more; a hyphenated word stays whole
            given = getattr(text, "_auditkit_given", content) if getattr(text, "_auditkit_wrapped", None) == content else content
            chars = max(8, int(max(len(line) for line in content.split("\n")) * room / size))
            wrapped = "\n".join(textwrap.fill(line, chars, break_long_words=False, break_on_hyphens=False)
                                for line in given.split("\n"))
            if wrapped != content:
                text._auditkit_given, text._auditkit_wrapped = given, wrapped  # type: ignore[attr-defined]
                text.set_text(wrapped)
                changed = True
    return changed


#: A title longer than this (characters) that fits the figure on one line is still wrapped: it reads better.
TITLE_WIDTH = 64


def _fitted(execute: Callable[["Figure"], object], fig: "Figure", margin: float) -> None:
    """Lay ``fig`` out with ``execute`` and wrap what runs off it, up to three times, until all fits; then wrap
    a title still on one line longer than :data:`TITLE_WIDTH` at word boundaries (laid out once more if so)."""
    for _ in range(3):
        execute(fig)
        if not _wrap_overflowing(fig, _renderer(fig), margin):
            break
    else:
        execute(fig)
    if wrap_long_titles(fig):
        execute(fig)


def wrap_long_titles(fig: "Figure") -> bool:
    """Wrap every axes title of ``fig`` longer than :data:`TITLE_WIDTH` and on one line; returns whether any was."""
    import textwrap

    changed = False
    for ax in fig.axes:
        title = ax.get_title()
        if len(title) > TITLE_WIDTH and "\n" not in title:
            ax.set_title("\n".join(textwrap.wrap(title, TITLE_WIDTH)))
            changed = True
    return changed


def fit_text(fig: "Figure", margin: float = 0.97) -> None:
    """Wrap every title and axis label of ``fig`` that would run off the figure (a long Russian axis label,
    a long client name in a title) into as many lines as it needs, at word boundaries, laying the figure out
    again after each wrap, and a title that fits on one line but is longer than :data:`TITLE_WIDTH`. Every
    figure of the kit does this each time it is drawn (the layout :func:`_figure` gives it); call it to wrap the
    texts of another figure before it is drawn."""
    engine = fig.get_layout_engine()
    if engine is not None and fits_text(fig):  # its own layout fits its texts: once is enough
        engine.execute(fig)
    else:
        _fitted(engine.execute if engine is not None else (lambda f: None), fig, margin)


def _fitting_layout() -> "LayoutEngine":
    """The layout of every figure: matplotlib's constrained layout, then :func:`fit_text`'s wrapping, in
    the one layout pass a draw makes (a figure is laid out once when nothing needs wrapping)."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    class FittingLayout(ConstrainedLayoutEngine):
        fits_text = True

        def execute(self, fig: "Figure") -> None:  # type: ignore[override]
            _fitted(super().execute, fig, 0.97)

    return FittingLayout()


#: The resolution of every saved figure (dots per inch).
FIGURE_DPI = 110


def save_once(fig: "Figure", target: "BinaryIO", dpi: float = FIGURE_DPI) -> None:
    """Write ``fig`` to ``target`` as a PNG at ``dpi``, drawing it once.

    matplotlib's ``savefig`` draws a figure that has a layout engine twice: once without rendering, to lay
    it out, then again to render it (0.6 s of the demo's 3.4 s saving 22 figures). Here the layout runs on
    its own at the saving resolution, the engine is then taken off, and ``savefig`` draws once; the PNG is
    byte for byte the same. The figure keeps no layout engine afterwards (a saved figure is closed)."""
    import matplotlib as mpl

    engine = fig.get_layout_engine()
    if engine is not None:
        fig.set_dpi(dpi)
        engine.execute(fig)
        with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)
    fig.savefig(target, format="png", dpi=dpi)


#: About how many characters of a tick label (11 pt in the report theme) take an inch.
TICK_CHARS_PER_INCH = 11


def slot_labels(labels: "Iterable[str]", width_in: float) -> list[str]:
    """Category labels under the ``width_in`` inches of axes they share equally, each wrapped at word boundaries
    to its slot (long Russian stage names under a bar each would otherwise run into each other)."""
    import textwrap

    shown = list(labels)
    chars = max(8, int(width_in / max(1, len(shown)) * TICK_CHARS_PER_INCH))
    return ["\n".join(textwrap.wrap(s, chars, break_long_words=False, break_on_hyphens=False)) or s for s in shown]


def fits_text(fig: "Figure") -> bool:
    """Whether ``fig`` wraps its own titles and axis labels when drawn (a figure of the kit's)."""
    return bool(getattr(fig.get_layout_engine(), "fits_text", False))


def finish(fig: "Figure", lang: str = "en") -> "Figure":
    """End a figure: numbers on its plain axes written in ``lang`` (:func:`localise_numbers`); its titles and
    axis labels are wrapped to fit when it is drawn (:func:`fit_text`). Returns ``fig``."""
    localise_numbers(fig, lang)
    return fig


# --------------------------------------------------------------------------- figures


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
    lang: str = "en",
) -> "Figure":
    """A bar chart of ``y`` by ``x``, a bar per row (nothing is estimated, so no error bars); bars whose ``x`` equals ``highlight`` are drawn in the accent colour;
    numbers on the value axis written in ``lang``."""
    import seaborn as sns

    fig, ax = _figure(8, max(3.0, 0.35 * len(data) + 1.2) if horizontal else 4.2)
    colors = [ACCENT if highlight is not None and str(v) == str(highlight) else BASE for v in data[x]]
    if horizontal:
        sns.barplot(data=data, y=x, x=y, hue=x, palette=colors, legend=False, ax=ax, orient="h", errorbar=None)
        ax.set_xlabel(ylabel)
        ax.set_ylabel(xlabel)
    else:
        sns.barplot(data=data, x=x, y=y, hue=x, palette=colors, legend=False, ax=ax, errorbar=None)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.tick_params(axis="x", rotation=30 if len(data) > 6 else 0)
    ax.set_title(title)
    return finish(fig, lang)


def heatmap_on(ax: "Axes", data: "pd.DataFrame", **kws: object) -> None:
    """seaborn's heatmap of ``data`` on ``ax`` (``kws`` as seaborn takes them), its row labels level and its
    column labels turned 30 degrees, anchored at their right end: the same in every heatmap of the kit, so
    that long names (Russian stage names) never run into each other.

    seaborn draws the whole figure once inside its heatmap, to see whether its tick labels overlap and turn
    them upright if so; as the kit sets their turn itself, that draw is left out here (0.1 to 0.2 s a
    heatmap: a second draw, with its layout, before the one that saves the figure)."""
    import seaborn as sns
    from seaborn import matrix

    draw = getattr(matrix, "_draw_figure", None)
    if draw is not None:
        matrix._draw_figure = lambda fig: None  # type: ignore[attr-defined]
    try:
        sns.heatmap(data, ax=ax, **kws)  # type: ignore[arg-type]
    finally:
        if draw is not None:
            matrix._draw_figure = draw  # type: ignore[attr-defined]
    ax.tick_params(axis="y", rotation=0)
    ax.tick_params(axis="x", rotation=30)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")


def line(
    data: "pd.DataFrame", x: str, y: str, *, title: str, xlabel: str, ylabel: str, hue: str | None = None,
    palette: dict[str, str] | None = None, legend: str | None = None, lang: str = "en",
) -> "Figure":
    """A line chart of ``y`` over ``x``, a point per row (one line per ``hue`` value, coloured by ``palette`` when
    given; no error bands: nothing is estimated);
    dates read as months in ``lang``."""
    import pandas as pd
    import seaborn as sns

    fig, ax = _figure()
    sns.lineplot(data=data, x=x, y=y, hue=hue, marker="o", ax=ax, palette=palette, hue_order=list(palette) if palette else None, errorbar=None)
    if pd.api.types.is_datetime64_any_dtype(data[x]):
        import matplotlib.dates as mdates

        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
        ax.xaxis.set_major_formatter(month_ticks(lang))
        ax.tick_params(axis="x", rotation=30)
    box = ax.get_legend()
    if legend is not None and box is not None:
        box.set_title(legend)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return finish(fig, lang)
