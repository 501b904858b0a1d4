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

from .findings import SEVERITIES, Finding, write_findings
from .frame import AuditFrame, cached_frame, run_frame
from .params import AuditParams, load_params
from .report.format import Formatter, escape, to_csv
from .report.text import plural, t
from .review import Decision, Decisions, apply_review, load_review, review_note

#: The most columns a table shows on a page (the rest are in its CSV): wider tables do not fit a page at
#: 1400 px or a printed A4 page.
MAX_COLUMNS = 9


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
    #: What the step could not measure: ``{"what": "kpi.<id>" | "table.<name>", "reason": <in the report's
    #: language>}`` (optionally ``"label"``); the page names each in the report's language, never by its key.
    not_available: list[dict[str, Any]] = field(default_factory=list)
    _frame: AuditFrame | None = None
    #: The client's review file (beside its params file; None without a params path, e.g. anonymised runs).
    review_path: Path | None = None

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
        """The audit frame: the run's (built once by the runner), or built from the params' files (kept in
        the frame cache for the next notebook opened on them, :func:`auditkit.frame.cached_frame`)."""
        if self._frame is None:
            self._frame = cached_frame(self.params)
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
        catalog prefix that puts them in the report's language (``{"outcome": "word", "reason": "reason"}``;
        ``"table"`` for canonical table names, ``"field"`` for canonical column names and ``"fields"`` for
        comma-separated lists of them); the CSV keeps the keys."""
        if caption:
            self.h3(caption)
        path = self._out("tables", name, ".csv") if name else None
        shown = df[list(show)] if show is not None else df
        if words:
            shown = shown.assign(**{c: shown[c].map(self._words(p)) for c, p in words.items() if c in shown})
        hidden = [c for c in df.columns if c not in shown.columns]
        if len(shown.columns) > MAX_COLUMNS:
            hidden = [*shown.columns[MAX_COLUMNS:], *hidden]
            shown = shown[shown.columns[:MAX_COLUMNS]]
        _html(self.fmt.table_html(shown, units, labels, max_rows))
        if hidden:
            where = f"<a href='../tables/{escape(path.name)}'>{escape(t('table.csv_link', self.lang))}</a>" if path is not None else ""
            names = [(labels or {}).get(c) or self.fmt.column_label(c) for c in hidden]
            more = t("table.more_columns", self.lang, n=plural(len(hidden), "n.column", self.lang), columns=", ".join(names))
            _html(f"<p class='ak-more'>{escape(more)} {where}</p>")
        if path is not None:
            to_csv(df if export is None else export, path)

    def _words(self, prefix: str) -> Any:
        """The function that shows one cell of a ``words`` column in the report's language."""
        from .report.text import field_name, field_names, table_name, word

        lang = self.lang
        if prefix == "table":
            return lambda v: table_name(v, lang) if isinstance(v, str) else v
        if prefix == "field":
            return lambda v: field_name(v, lang) if isinstance(v, str) else v
        if prefix == "fields":
            return lambda v: field_names(v, lang) if isinstance(v, str) else v
        return lambda v: word(v, lang, prefix)

    def figure(self, fig: Any, name: str | None) -> None:
        """Show a matplotlib figure once, as a PNG whose alt text is its title, and close it; with a run
        folder and a ``name``, also save figures/<NN>_<name>.png. Explorer redraws pass ``name=None``: the
        figure is drawn into the redrawn output and closed, so no stale copy is left behind."""
        import base64
        import io

        import matplotlib.pyplot as plt

        from .figures.base import fits_text, save_once, wrap_long_titles

        if not fits_text(fig):  # the kit's own figures wrap their titles when drawn
            wrap_long_titles(fig)  # a long title (long client names, Russian) wraps instead of running off the figure
        buffer = io.BytesIO()
        save_once(fig, buffer)
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
        self.not_available.append({"what": f"table.{table}", "reason": t("missing_table", self.lang, table=table)})
        return True

    def kpis(self, table: pd.DataFrame, name: str, caption: str | None = None, columns: tuple[str, ...] = ("label", "value")) -> None:
        """Show a :func:`auditkit.kpis.kpi_table` (or goal check): each value formatted by its unit, "–" and
        the reason where it is not available, a note where it rests on part of its population; records the
        unavailable KPIs for the findings file."""
        from .kpis import not_available_records

        shown = table.assign(value=self.fmt.values(table["value"], table["unit"]))
        if "target" in table:
            shown["target"] = self.fmt.values(table["target"], table["unit"])
        labels = {c: t("col." + c, self.lang) for c in (*columns, "reason", "note")}
        cols = [*columns, *(c for c in ("reason", "note") if c in table and (table[c] != "").any())]
        self.table(shown[cols], name, labels=labels, caption=caption, export=table)
        if "available" in table:
            known = {r["what"] for r in self.not_available}
            self.not_available.extend(r for r in not_available_records(table) if r["what"] not in known)

    # -- findings ------------------------------------------------------------
    def add(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def decisions(self) -> Decisions:
        """The review decisions on file for this client (empty without a review file); an unreadable file
        is said on the page and read as empty."""
        if self.review_path is None:
            return {}
        try:
            return load_review(self.review_path)
        except ValueError as exc:
            self.note(t("review.unreadable", self.lang, file=self.review_path.name, error=str(exc)), warn=True)
            return {}

    def finish(self) -> None:
        """Show the step's findings with the reviewer's decisions marked (:func:`findings_with_review`) and,
        in JupyterLab, the review panel on them (:meth:`review_panel`); with a run folder, write them to
        findings/<NN>_<step>.json as the step found them (step 7 applies the review itself)."""
        self.h2(t("findings", self.lang))
        if not self.findings:
            self.note(t("findings.none", self.lang))
        else:
            df = findings_with_review(self.findings, self.decisions(), self.fmt)
            show = ["severity", "title", "value", "target", "benchmark"]
            if (df["reviewed"] != "").any():
                self.note(t("review.mark.step_note", self.lang))
                show.append("reviewed")
            labels = {"reviewed": t("plan.col.reviewed", self.lang)}
            self.table(df[show], "findings", labels=labels, export=df.drop(columns="order"))
        if self.not_available:
            from .report.text import what_name

            self.h3(t("not_available", self.lang))
            rows = [{"what": r.get("label") or what_name(str(r["what"]), self.lang), "reason": r["reason"]} for r in self.not_available]
            labels = {"what": t("col.what", self.lang), "reason": t("col.reason", self.lang)}
            self.table(pd.DataFrame(rows, columns=["what", "reason"]), "not_available", labels=labels)
        if self.run_dir is not None:
            write_findings(self.run_dir / "findings" / f"{self.name}.json", self.findings, self.not_available)
        self.review_panel()

    def review_panel(self) -> Any:
        """In JupyterLab (``interactive``), the review panel on this step's findings, saving to the client's
        review file (:func:`auditkit.runner.review_file`); returns it (None when not interactive or without
        findings). Without a params path there is nowhere to save, and the page says so."""
        if not self.interactive or not self.findings:
            return None
        if self.review_path is None:
            self.note(t("review.no_params", self.lang), warn=True)
            return None
        from .widgets.review import ReviewPanel

        self.h3(t("review.panel", self.lang))
        panel = ReviewPanel(self.findings, self.review_path, self.lang)
        _display(panel.widget)
        return panel


def findings_with_review(findings: Iterable[Finding], decisions: Mapping[str, Decision], fmt: Formatter) -> pd.DataFrame:
    """A step's findings as its page shows them, with the review applied: the kept ones first (most severe
    first by the reviewed severity, then by id), the dismissed ones last. Columns: id, status (open,
    accepted, dismissed; "" when not reviewed), severity (words in the report's language: "low → high" when
    re-rated, "high (dismissed)" when dismissed), title, value and target (formatted by unit), benchmark,
    reviewed (:func:`auditkit.review.review_note`, "" when not reviewed), order (0 kept, 1 dismissed)."""
    lang = fmt.language
    fs = list(findings)
    reviewed = apply_review(fs, decisions)
    by_id = {f.id: f for f in fs}

    def sev(s: str) -> str:
        return t(f"severity.{s}", lang)

    rows: list[tuple[int, Finding, str, str, str]] = []  # (order, finding, status, severity shown, note)
    for f in reviewed.kept:
        d = reviewed.notes.get(f.id)
        was = reviewed.severity_was.get(f.id)
        shown = f"{sev(was)} → {sev(f.severity)}" if was else sev(f.severity)
        rows.append((0, f, d.status if d else "", shown, review_note(d, lang, by_id[f.id].severity) if d else ""))
    for f, d in reviewed.dismissed:
        rows.append((1, f, d.status, f"{sev(f.severity)} ({t('review.mark.dismissed', lang)})", review_note(d, lang, f.severity)))
    rows.sort(key=lambda r: (r[0], -SEVERITIES.index(r[1].severity), r[1].id))
    out = [{
        "id": f.id, "status": status, "severity": shown, "title": f.title,
        "value": fmt.by_unit(f.value, f.unit) if f.unit else "",
        "target": fmt.by_unit(f.target, f.unit) if f.unit and f.target is not None else "",
        "benchmark": f.benchmark, "reviewed": note, "order": order,
    } for order, f, status, shown, note in rows]
    return pd.DataFrame(out, columns=["id", "status", "severity", "title", "value", "target", "benchmark", "reviewed", "order"])


def open_step(name: str, params_path: str, run_dir: str | None = None, interactive: bool = False) -> Step:
    """Set up a step. With a ``run_dir`` holding the run's frame, the params and data come from that
    frame (a snapshot taken when the run started); otherwise from ``params_path``, and with ``run_dir``
    empty or None nothing is written. The review decisions are read from beside ``params_path``
    (none when it is empty, as in an anonymised run)."""
    from .figures.base import reset_theme
    from .runner import review_file

    folder = Path(run_dir).resolve() if run_dir else None
    frame = run_frame(folder) if folder is not None else None  # the run's, kept from its step before
    params = frame.params if frame is not None else load_params(params_path)
    reset_theme()  # applied before the step's first figure: a step without figures never imports seaborn
    review = review_file(Path(params_path)) if params_path else None
    return Step(name, params, folder, bool(interactive), _frame=frame, review_path=review)
