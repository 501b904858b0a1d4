"""What a step notebook holds: its params, its data, how it shows things, and
its findings.

A notebook calls :func:`open_step` in its first code cell and then only
narrates, calls metrics and shows results through the returned :class:`Step`::

    step = open_step("03_process", params_path, run_dir, interactive)
    step.table(funnel_df, "funnel", units={"conversion": "share"})
    step.add(findings)
    step.finish()

With a ``run_dir`` every table shown is also written as CSV to
``<run_dir>/tables/``, every figure as PNG to ``<run_dir>/figures/`` and the
findings as JSON to ``<run_dir>/findings/``. Without one (JupyterLab, nbval)
nothing is written anywhere.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from .findings import Finding, findings_frame, write_findings
from .io.load import AuditData, load
from .params import AuditParams, load_params
from .quality import QualityIssue
from .report.format import Formatter, to_csv
from .report.text import t

CLEAN = "clean"


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def _html(markup: str) -> None:
    from IPython.display import HTML

    _display(HTML(markup))


def save_clean(data: AuditData, run_dir: Path) -> Path:
    """Write the canonical tables (Parquet), issues and sources (JSON) to ``<run_dir>/clean``."""
    folder = Path(run_dir) / CLEAN
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in data.tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    (folder / "quality.json").write_text(
        json.dumps([i.to_dict() for i in data.issues], ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    (folder / "sources.json").write_text(json.dumps(data.sources, indent=1), encoding="utf-8")
    return folder


def load_clean(params: AuditParams, run_dir: Path) -> AuditData | None:
    """The tables step 2 cached in ``<run_dir>/clean``, or None when there is no cache."""
    folder = Path(run_dir) / CLEAN
    if not (folder / "sources.json").is_file():
        return None
    sources = json.loads((folder / "sources.json").read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in sources}
    issues = [
        QualityIssue(
            d["table"], d["check"], d["column"], d["count"], d["level"], d["message"], tuple(d["rows"]), pd.DataFrame(d["examples"])
        )
        for d in json.loads((folder / "quality.json").read_text(encoding="utf-8"))
    ]
    return AuditData(params, tables, issues, sources)


@dataclass
class Step:
    """One step's context: params, data, display helpers and findings."""

    name: str
    params: AuditParams
    run_dir: Path | None = None
    interactive: bool = False
    findings: list[Finding] = field(default_factory=list)
    _data: AuditData | None = None

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
    def data(self) -> AuditData:
        """The canonical tables: step 2's cache in the run folder if there is one, else read now."""
        if self._data is None:
            cached = load_clean(self.params, self.run_dir) if self.run_dir else None
            self._data = cached if cached is not None else load(self.params)
        return self._data

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
        _html(f"<style>{css}</style><h1>{html.escape(t('step.' + self.number, self.lang))}</h1><p class='ak-meta'>{html.escape(sub)}</p>")

    def h2(self, text: str) -> None:
        _html(f"<h2>{html.escape(text)}</h2>")

    def h3(self, text: str) -> None:
        _html(f"<h3>{html.escape(text)}</h3>")

    def note(self, text: str, warn: bool = False) -> None:
        """A paragraph of escaped text (``warn`` draws it as a warning box)."""
        _html(f"<p class='{'ak-warn' if warn else 'ak-note'}'>{html.escape(text)}</p>")

    def table(
        self,
        df: pd.DataFrame,
        name: str | None,
        units: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        caption: str | None = None,
        max_rows: int = 200,
        export: pd.DataFrame | None = None,
    ) -> None:
        """Show ``df`` formatted and escaped; with a run folder and a ``name``, also write
        ``export`` (default: ``df``) to tables/<NN>_<name>.csv."""
        if caption:
            self.h3(caption)
        _html(self.fmt.table_html(df, units, labels, max_rows))
        path = self._out("tables", name, ".csv") if name else None
        if path is not None:
            to_csv(df if export is None else export, path)

    def figure(self, fig: Any, name: str) -> None:
        """Show a matplotlib figure once and close it; with a run folder, also save figures/<NN>_<name>.png."""
        import matplotlib.pyplot as plt

        path = self._out("figures", name, ".png")
        if path is not None:
            fig.savefig(path, dpi=110)
        _display(fig)
        plt.close(fig)

    def missing(self, table: str) -> bool:
        """True (and says so in the report) when the client has no ``table`` data."""
        if self.data.has(table):
            return False
        self.note(t("missing_table", self.lang, table=table), warn=True)
        return True

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
            df["value"] = [self.fmt.by_unit(v, u) for v, u in zip(df["value"], df["unit"])]
            df["target"] = [self.fmt.by_unit(v, u) if v is not None else "" for v, u in zip(df["target"], df["unit"])]
            self.table(df.drop(columns="unit"), "findings")
        if self.run_dir is not None:
            write_findings(self.run_dir / "findings" / f"{self.name}.json", self.findings)


def open_step(name: str, params_path: str, run_dir: str | None = None, interactive: bool = False) -> Step:
    """Read the params and set up the step; ``run_dir`` empty or None means write nothing."""
    from .figures import apply_theme

    params = load_params(params_path)
    apply_theme()
    return Step(name, params, Path(run_dir).resolve() if run_dir else None, bool(interactive))
