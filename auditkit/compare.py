"""Since the last audit: two runs of the same client compared.

:func:`compare_runs` reads two run folders and returns every headline KPI before and after (from
``tables/02_headline_kpis.csv``), the maturity scores of both (:func:`auditkit.plan.maturity`) and the
findings opened, closed and persisting (by stable finding id). :func:`compare_markdown` renders it and
:func:`write_compare` writes ``compare.md`` into the later run. ``auditkit compare RUN_A RUN_B`` is a thin
wrapper over these.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import AuditkitError
from .findings import Finding, read_findings
from .plan import _md_table, assessed_areas, maturity
from .report.format import Formatter
from .report.text import t


@dataclass
class Comparison:
    """Two runs compared: ``earlier`` and ``later`` (run folders), ``kpis`` (kpi, label, unit, before,
    after, change = after - before; NaN where either is not available), ``maturity`` (area, label,
    before, after, change), ``findings`` (id, status opened/closed/persisting, severity, title)."""

    earlier: Path
    later: Path
    kpis: pd.DataFrame
    maturity: pd.DataFrame
    findings: pd.DataFrame
    currency: str | None = None  # the later run's (its params), for the money KPIs


def _currency(run: Path) -> str | None:
    """The currency of a run's params (its manifest), or None when it does not say."""
    try:
        return json.loads((run / "manifest.json").read_text(encoding="utf-8")).get("params", {}).get("currency")
    except (OSError, ValueError, AttributeError):
        return None


def _started(run: Path) -> str:
    try:
        return str(json.loads((run / "manifest.json").read_text(encoding="utf-8")).get("started_at") or "")
    except (OSError, ValueError):
        return ""


def order_runs(a: Path, b: Path) -> tuple[Path, Path]:
    """(earlier, later): by the manifests' start time when both have one, else by folder name (run ids are
    UTC timestamps), else as given."""
    sa, sb = _started(a), _started(b)
    if sa and sb and sa != sb:
        return (a, b) if sa < sb else (b, a)
    if a.name != b.name:
        return (a, b) if a.name < b.name else (b, a)
    return a, b


def _kpis(run: Path) -> pd.DataFrame:
    path = run / "tables" / "02_headline_kpis.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["kpi", "label", "unit", "value"])
    df = pd.read_csv(path, encoding="utf-8-sig")
    for col in ("label", "unit"):
        if col not in df:
            df[col] = ""
    return df[["kpi", "label", "unit", "value"]]


def _findings(run: Path) -> list[Finding]:
    folder = run / "findings"
    return read_findings(folder) if folder.is_dir() else []


def compare_runs(run_a: Path | str, run_b: Path | str, lang: str = "en") -> Comparison:
    """Compare two run folders (in either order: the earlier is found from the manifests or run ids)."""
    a, b = (Path(run_a), Path(run_b))
    for run in (a, b):
        if not run.is_dir():
            raise AuditkitError(f"{run}: no such run folder.")
        if not (run / "findings").is_dir() and not (run / "tables").is_dir():
            raise AuditkitError(f"{run}: not a run folder (it has neither findings/ nor tables/).")
    early, late = order_runs(a, b)
    ka, kb = _kpis(early).set_index("kpi"), _kpis(late).set_index("kpi")
    ids = list(dict.fromkeys([*ka.index, *kb.index]))
    rows = []
    for k in ids:
        src = kb if k in kb.index else ka
        before = float(ka.loc[k, "value"]) if k in ka.index else math.nan
        after = float(kb.loc[k, "value"]) if k in kb.index else math.nan
        rows.append({"kpi": k, "label": str(src.loc[k, "label"]), "unit": str(src.loc[k, "unit"]),
                     "before": before, "after": after, "change": after - before})
    kpis = pd.DataFrame(rows, columns=["kpi", "label", "unit", "before", "after", "change"])
    fa, fb = _findings(early), _findings(late)
    ma = maturity(fa, assessed_areas(early), lang).set_index("area")
    mb = maturity(fb, assessed_areas(late), lang).set_index("area")
    mat = pd.DataFrame({"label": mb["label"], "before": ma["score"], "after": mb["score"]})
    mat["change"] = mat["after"] - mat["before"]
    mat = mat.reset_index()
    before_ids, after_ids = {f.id: f for f in fa}, {f.id: f for f in fb}
    frows = []
    for fid, f in after_ids.items():
        frows.append({"id": fid, "status": "persisting" if fid in before_ids else "opened", "severity": f.severity, "title": f.title})
    for fid, f in before_ids.items():
        if fid not in after_ids:
            frows.append({"id": fid, "status": "closed", "severity": f.severity, "title": f.title})
    order = {"opened": 0, "persisting": 1, "closed": 2}
    found = pd.DataFrame(frows, columns=["id", "status", "severity", "title"])
    found = found.sort_values(["status", "id"], key=lambda s: s.map(order) if s.name == "status" else s, kind="stable").reset_index(drop=True)
    return Comparison(early, late, kpis, mat, found, _currency(late) or _currency(early))


def compare_markdown(c: Comparison, lang: str = "en", currency: str | None = None) -> str:
    """The comparison as Markdown: KPIs (formatted by unit, "–" where not available), maturity, findings;
    money in ``currency``, by default the runs' own."""
    fmt = Formatter(lang, currency or c.currency or "EUR")
    k = c.kpis.copy()
    for col in ("before", "after"):
        k[col] = [fmt.by_unit(v, u) if not (isinstance(v, float) and math.isnan(v)) else "–" for v, u in zip(k[col], k["unit"])]
    k["change"] = [fmt.by_unit(v, u) if not math.isnan(v) else "–" for v, u in zip(c.kpis["change"], k["unit"])]
    f = c.findings.assign(status=[t(f"compare.{s}", lang) for s in c.findings["status"]],
                          severity=[t(f"severity.{s}", lang) for s in c.findings["severity"]])
    heads = {c_: t(f"compare.col.{c_}", lang) for c_ in ("label", "before", "after", "change", "status", "severity", "title")}
    k = k.rename(columns=heads)
    f = f.rename(columns=heads)
    m = c.maturity.assign(**{col: [fmt.short(v) if not (isinstance(v, float) and math.isnan(v)) else "–" for v in c.maturity[col]]
                             for col in ("before", "after", "change")}).rename(columns=heads)
    lines = [f"# {t('compare.title', lang)}", "", t("compare.runs", lang, a=c.earlier.name, b=c.later.name), "",
             f"## {t('compare.h.kpis', lang)}", "", *(_md_table(k[[heads[c_] for c_ in ("label", "before", "after", "change")]]) or [t("plan.none", lang)]), "",
             f"## {t('compare.h.maturity', lang)}", "", *_md_table(m[[heads[c_] for c_ in ("label", "before", "after", "change")]]), "",
             f"## {t('compare.h.findings', lang)}", "", *(_md_table(f[[heads[c_] for c_ in ("status", "severity", "title")]]) or [t("plan.none", lang)]), ""]
    return "\n".join(lines)


def write_compare(c: Comparison, lang: str = "en", currency: str | None = None) -> Path:
    """Write ``compare.md`` into the later run; returns its path."""
    path = c.later / "compare.md"
    path.write_text(compare_markdown(c, lang, currency), encoding="utf-8")
    return path
