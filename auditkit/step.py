"""What a step notebook holds: its params, its audit frame, how it shows
things, and its findings.

A notebook calls :func:`open_step` in its first code cell and then only
narrates, calls metrics and shows results through the returned :class:`Step`::

    step = open_step("03_process", params_path, run_dir, interactive)
    step.table(funnel_df, "funnel", units={"conversion": "share"})
    step.add(findings)
    step.finish()

With a ``run_dir`` the step reads the audit frame the runner built for the
run (``<run_dir>/clean``: the params snapshot and the clean tables), never the
raw files or the params file again; every table shown is also written as CSV
to ``<run_dir>/tables/``, every figure as PNG to ``<run_dir>/figures/`` and the
findings as JSON to ``<run_dir>/findings/``. Without one (JupyterLab, nbval)
the frame is built from the params file and nothing is written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from .findings import Finding, findings_frame, write_findings
from .frame import AuditFrame, build_frame
from .params import AuditParams, load_params
from .report.format import Formatter, escape, to_csv
from .report.text import plural, t

#: The most columns a table shows on a page (the rest are in its CSV): wider tables do not fit a page at
#: 1400 px or a printed A4 page.
MAX_COLUMNS = 9
#: Characters of a figure title per line before it wraps.
TITLE_WIDTH = 64


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def _html(markup: str) -> None:
    from IPython.display import HTML

    _display(HTML(markup))


@dataclass
class Step:
    """One step's context: params, the audit frame, display helpers and findings."""

    name: str
    params: AuditParams
    run_dir: Path | None = None
    interactive: bool = False
    findings: list[Finding] = field(default_factory=list)
    not_available: list[dict[str, Any]] = field(default_factory=list)
    _frame: AuditFrame | None = None

    @property
    def number(self) -> str:
        return self.name[:2]

    @property
    def lang(self) -> str:
        return self.params.language

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.params.language, self.params.currency)

    @property
    def frame(self) -> AuditFrame:
        """The audit frame: the run's (built once by the runner), or built now from the params' files."""
        if self._frame is None:
            self._frame = build_frame(self.params)
        return self._frame

    @property
    def period(self) -> tuple[Any, Any]:
        return self.params.period.start, self.params.period.end

    @property
    def as_of(self) -> pd.Timestamp:
        """The end of the audit period (the first instant after its last day)."""
        return self.params.period.end_ts()

    def _out(self, kind: str, name: str, suffix: str) -> Path | None:
        if self.run_dir is None:
            return None
        folder = self.run_dir / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{self.number}_{name}{suffix}"

    # -- display -----------------------------------------------------------
    def title(self) -> None:
        """The step's heading, the client and period, and the report style."""
        css = resources.files("auditkit.report").joinpath("style.css").read_text(encoding="utf-8")
        start, end = self.period
        sub = t("client_period", self.lang, client=self.params.client.name, start=self.fmt.date(start), end=self.fmt.date(end))
        _html(f"<style>{css}</style><h1 id='step-{self.number}'>{escape(t('step.' + self.number, self.lang))}</h1><p class='ak-meta'>{escape(sub)}</p>")

    def h2(self, text: str) -> None:
        _html(f"<h2>{escape(text)}</h2>")

    def h3(self, text: str) -> None:
        _html(f"<h3>{escape(text)}</h3>")

    def note(self, text: str, warn: bool = False) -> None:
        """A paragraph of escaped text (``warn`` draws it as a warning box)."""
        _html(f"<p class='{'ak-warn' if warn else 'ak-note'}'>{escape(text)}</p>")

    def table(
        self,
        df: pd.DataFrame,
        name: str | None,
        units: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        caption: str | None = None,
        max_rows: int = 200,
        export: pd.DataFrame | None = None,
        show: Sequence[str] | None = None,
        words: Mapping[str, str] | None = None,
    ) -> None:
        """Show ``df`` formatted and escaped; with a run folder and a ``name``, also write
        ``export`` (default: ``df``) to tables/<NN>_<name>.csv.

        A page shows at most :data:`MAX_COLUMNS` columns, so that a table fits the page and its print:
        ``show`` names the ones that matter, in order (default: the first ones); the others are in the CSV,
        which the page links to. ``words`` maps columns holding internal keys or normalised values to the
        catalog prefix that puts them in the report's language (``{"outcome": "word", "reason": "reason"}``);
        the CSV keeps the keys."""
        if caption:
            self.h3(caption)
        path = self._out("tables", name, ".csv") if name else None
        shown = df[list(show)] if show is not None else df
        if words:
            from .report.text import word

            shown = shown.assign(**{c: shown[c].map(lambda v, p=p: word(v, self.lang, p)) for c, p in words.items() if c in shown})
        hidden = [c for c in df.columns if c not in shown.columns]
        if len(shown.columns) > MAX_COLUMNS:
            hidden = [*shown.columns[MAX_COLUMNS:], *hidden]
            shown = shown[shown.columns[:MAX_COLUMNS]]
        _html(self.fmt.table_html(shown, units, labels, max_rows))
        if hidden:
            where = f"<a href='../tables/{escape(path.name)}'>{escape(path.name)}</a>" if path is not None else ""
            names = [(labels or {}).get(c) or self.fmt.column_label(c) for c in hidden]
            more = t("table.more_columns", self.lang, n=plural(len(hidden), "n.column", self.lang), columns=", ".join(names))
            _html(f"<p class='ak-more'>{escape(more)} {where}</p>")
        if path is not None:
            to_csv(df if export is None else export, path)

    def figure(self, fig: Any, name: str | None) -> None:
        """Show a matplotlib figure once, as a PNG whose alt text is its title, and close it; with a run
        folder and a ``name``, also save figures/<NN>_<name>.png. Explorer redraws pass ``name=None``: the
        figure is drawn into the redrawn output and closed, so no stale copy is left behind."""
        import base64
        import io

        import matplotlib.pyplot as plt

        import textwrap

        for ax in fig.axes:  # a long title (long client names, Russian) wraps instead of running off the figure
            title = ax.get_title()
            if len(title) > TITLE_WIDTH and "\n" not in title:
                ax.set_title("\n".join(textwrap.wrap(title, TITLE_WIDTH)))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        plt.close(fig)
        png = buffer.getvalue()
        path = self._out("figures", name, ".png") if name else None
        if path is not None:
            path.write_bytes(png)
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        alt = escape(titles[0] if titles else (name or "figure").replace("_", " "))
        data = base64.b64encode(png).decode("ascii")
        _html(f'<img class="ak-figure" alt="{alt}" src="data:image/png;base64,{data}">')

    def missing(self, table: str) -> bool:
        """True (and says so in the report) when the client has no ``table`` data."""
        if self.frame.has(table):
            return False
        self.note(t("missing_table", self.lang, table=table), warn=True)
        self.not_available.append({"what": f"table.{table}", "reason": t("missing_table", "en", table=table)})
        return True

    def kpis(self, table: pd.DataFrame, name: str, caption: str | None = None, columns: tuple[str, ...] = ("label", "value")) -> None:
        """Show a :func:`auditkit.kpis.kpi_table` (or goal check): each value formatted by its unit, "–" and
        the reason where it is not available; records the unavailable KPIs for the findings file."""
        from .kpis import not_available_records

        shown = table.assign(value=self.fmt.values(table["value"], table["unit"]))
        if "target" in table:
            shown["target"] = self.fmt.values(table["target"], table["unit"])
        labels = {c: t("col." + c, self.lang) for c in (*columns, "reason")}
        cols = [*columns, "reason"] if (table["reason"] != "").any() else list(columns)
        self.table(shown[cols], name, labels=labels, caption=caption, export=table)
        if "available" in table:
            known = {r["what"] for r in self.not_available}
            self.not_available.extend(r for r in not_available_records(table) if r["what"] not in known)

    # -- findings ------------------------------------------------------------
    def add(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def finish(self) -> None:
        """Show the step's findings and, with a run folder, write them to findings/<NN>_<step>.json."""
        self.h2(t("findings", self.lang))
        if not self.findings:
            self.note(t("findings.none", self.lang))
        else:
            df = findings_frame(self.findings)[["severity", "title", "value", "target", "unit", "benchmark"]]
            df["severity"] = [t(f"severity.{s}", self.lang) for s in df["severity"]]
            df["value"] = [self.fmt.by_unit(v, u) if u else "" for v, u in zip(df["value"], df["unit"])]
            df["target"] = [self.fmt.by_unit(v, u) if u and v is not None else "" for v, u in zip(df["target"], df["unit"])]
            self.table(df.drop(columns="unit"), "findings")
        if self.not_available:
            self.h3(t("not_available", self.lang))
            rows = [{"what": r.get("label") or r["what"], "reason": r["reason"]} for r in self.not_available]
            labels = {"what": t("col.what", self.lang), "reason": t("col.reason", self.lang)}
            self.table(pd.DataFrame(rows, columns=["what", "reason"]), "not_available", labels=labels)
        if self.run_dir is not None:
            write_findings(self.run_dir / "findings" / f"{self.name}.json", self.findings, self.not_available)


def open_step(name: str, params_path: str, run_dir: str | None = None, interactive: bool = False) -> Step:
    """Set up a step. With a ``run_dir`` holding the run's frame, the params and data come from that
    frame (a snapshot taken when the run started); otherwise from ``params_path``, and with ``run_dir``
    empty or None nothing is written."""
    from .figures import apply_theme

    folder = Path(run_dir).resolve() if run_dir else None
    frame = AuditFrame.load(folder) if folder is not None else None
    params = frame.params if frame is not None else load_params(params_path)
    apply_theme()
    return Step(name, params, folder, bool(interactive), _frame=frame)
