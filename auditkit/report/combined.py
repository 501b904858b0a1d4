"""The pages around the step pages: navigation between them, one combined report per run, and an
index of every run under ``outputs/``.

- :func:`add_navigation` puts a bar on every step page of a run: the run index, the combined report,
  the previous and the next step.
- :func:`combined_report` writes ``<run>/report.html``: the executive summary (status of every step,
  headline KPIs, the most severe findings with the client's review applied and marked) first, a table of contents, then every step in order, in one
  page with one stylesheet.
- :func:`runs_index` writes ``outputs/index.html``: every client and run with its status, period, dates,
  duration, headline KPIs and links; rebuilt after each run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from .format import Formatter, escape
from .text import t

#: Headline KPIs shown in the executive summary and the runs index, in this order.
SUMMARY_KPIS: tuple[str, ...] = ("deals_won", "won_value", "win_rate", "median_cycle_days", "open_pipeline_value")
#: How many findings the executive summary lists (most severe first).
SUMMARY_FINDINGS = 8
_SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def _step_title(name: str, lang: str) -> str:
    return t("step." + name[:2], lang)


def add_navigation(run_dir: Path, steps: list[dict[str, Any]], lang: str) -> None:
    """Insert a navigation bar after ``<body>`` in every step page of the run (``html/<step>.html``)."""
    pages = [s for s in steps if s.get("html")]
    for i, s in enumerate(pages):
        path = run_dir / s["html"]
        if not path.is_file():
            continue
        links = [f"<a href='index.html'>{escape(t('nav.index', lang))}</a>", f"<a href='../report.html'>{escape(t('nav.report', lang))}</a>"]
        if i > 0:
            links.append(f"<a href='{escape(Path(pages[i - 1]['html']).name)}'>← {escape(_step_title(pages[i - 1]['name'], lang))}</a>")
        if i + 1 < len(pages):
            links.append(f"<a href='{escape(Path(pages[i + 1]['html']).name)}'>{escape(_step_title(pages[i + 1]['name'], lang))} →</a>")
        nav = f"<nav class='ak-nav'>{''.join(links)}</nav>"
        page = path.read_text(encoding="utf-8")
        if "class='ak-nav'" in page:
            continue
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, page, count=1)
        path.write_text(page, encoding="utf-8")


def _headline(run_dir: Path, fmt: Formatter) -> list[tuple[str, str]]:
    """(label, formatted value) of the summary KPIs, from the run's step-2 table; empty without it."""
    path = run_dir / "tables" / "02_headline_kpis.csv"
    if not path.is_file():
        return []
    import pandas as pd

    table = pd.read_csv(path, encoding="utf-8-sig").set_index("kpi")
    out = []
    for kpi in SUMMARY_KPIS:
        if kpi in table.index:
            row = table.loc[kpi]
            value = fmt.by_unit(row["value"], row["unit"]) if row["available"] else "–"
            out.append((str(row["label"]), value))
    return out


def _review_of(run_dir: Path) -> dict[str, Any]:
    """The review decisions of the client of a run: the review file beside the params file the manifest
    names (:func:`auditkit.runner.review_file`); none for an anonymised run (its finding ids are about
    pseudonyms), without a manifest, or when the file is missing or unreadable."""
    from ..review import load_review
    from ..runner import review_file

    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        params_file = Path(manifest.get("params_file") or "")
        if manifest.get("anonymized") or not params_file.is_absolute():
            return {}
        return dict(load_review(review_file(params_file)))
    except (OSError, ValueError):
        return {}


def _top_findings(run_dir: Path, lang: str = "en") -> list[dict[str, Any]]:
    """The run's findings with the review applied, most severe first by the reviewed severity: dismissed
    findings are left out (they leave the plan too), a re-rated one carries its new severity, and each
    reviewed one its note (``reviewed``, :func:`auditkit.review.review_note`; "" when not reviewed)."""
    from ..findings import read_findings
    from ..review import apply_review, review_note

    folder = run_dir / "findings"
    found = read_findings(folder) if folder.is_dir() else []
    reviewed = apply_review(found, _review_of(run_dir))
    out = []
    for f in reviewed.kept:
        d = reviewed.notes.get(f.id)
        note = review_note(d, lang, reviewed.severity_was.get(f.id, f.severity)) if d is not None else ""
        out.append({**f.to_dict(), "reviewed": note})
    return sorted(out, key=lambda f: (_SEVERITY_ORDER.index(f.get("severity", "info")), f.get("step", 0)))


def _summary_html(title: str, subtitle: str, run_dir: Path, steps: list[dict[str, Any]], lang: str, fmt: Formatter) -> str:
    toc = "".join(
        f"<li><a href='#step-{s['name'][:2]}'>{escape(_step_title(s['name'], lang))}</a> "
        f"<span class='st-{escape(s['status'])}'>{escape(t('status.' + s['status'], lang))}</span></li>"
        for s in steps
    )
    kpis = "".join(f"<tr><td>{escape(label)}</td><td class='num'>{escape(value)}</td></tr>" for label, value in _headline(run_dir, fmt))
    findings = _top_findings(run_dir, lang)[:SUMMARY_FINDINGS]
    marked = any(f["reviewed"] for f in findings)  # a Review column only when a finding shown was reviewed
    rows = "".join(
        f"<tr><td class='ak-sev-{escape(f.get('severity', ''))}'>{escape(t('severity.' + f.get('severity', 'info'), lang))}</td>"
        f"<td>{escape(_step_title('%02d' % int(f.get('step', 0)), lang) if f.get('step') else '')}</td><td>{escape(f.get('title', ''))}</td>"
        + (f"<td>{escape(f['reviewed'])}</td>" if marked else "") + "</tr>"
        for f in findings
    )
    parts = [
        f"<h1 id='summary'>{escape(title)}</h1><p class='ak-meta'>{escape(subtitle)}</p>",
        f"<h2>{escape(t('summary.contents', lang))}</h2><ol class='ak-toc'>{toc}</ol>",
    ]
    if kpis:
        parts.append(f"<h2>{escape(t('kpis', lang))}</h2><table class='ak-table'><tbody>{kpis}</tbody></table>")
    parts.append(f"<h2>{escape(t('summary.findings', lang))}</h2>")
    parts.append(
        f"<table class='ak-table'><thead><tr><th>{escape(t('col.severity', lang))}</th><th>{escape(t('col.step', lang))}</th>"
        f"<th>{escape(t('col.finding', lang))}</th>" + (f"<th>{escape(t('plan.col.reviewed', lang))}</th>" if marked else "")
        + f"</tr></thead><tbody>{rows}</tbody></table>"
        if rows else f"<p class='ak-note'>{escape(t('findings.none', lang))}</p>"
    )
    return "".join(parts)


def combined_report(run_dir: Path, steps: list[dict[str, Any]], title: str, subtitle: str, lang: str, currency: str) -> Path:
    """Write ``<run_dir>/report.html``: the summary and every step in one page; returns its path."""
    import nbformat

    from .html import _clean, render

    fmt = Formatter(lang, currency)
    nb = nbformat.v4.new_notebook()
    html_cell = lambda markup: nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data={"text/html": markup})])  # noqa: E731
    nb.cells.append(html_cell(_summary_html(title, subtitle, run_dir, steps, lang, fmt)))
    style_seen = False
    for s in steps:
        executed = run_dir / f"{s['name']}.ipynb"
        if s["status"] in ("ok", "failed") and executed.is_file():
            part = _clean(nbformat.read(str(executed), as_version=4))
            for cell in part.cells:
                for out in cell.get("outputs", []):
                    markup = out.get("data", {}).get("text/html")
                    if isinstance(markup, str) and "href='../tables/" in markup:  # the report sits one folder up
                        out["data"]["text/html"] = markup = markup.replace("href='../tables/", "href='tables/")
                    if isinstance(markup, str) and markup.startswith("<style>"):
                        if style_seen:  # the report stylesheet once, not once per step
                            out["data"]["text/html"] = re.sub(r"^<style>.*?</style>", "", markup, flags=re.S)
                        style_seen = True
            nb.cells.extend(part.cells)
        else:
            head = t("not_built.head" if s["status"] == "not_built" else "insufficient.head", lang)
            reasons = "".join(f"<li>{escape(r)}</li>" for r in s.get("reasons") or [])
            if s.get("error"):
                reasons += f"<li>{escape(s['error'])}</li>"
            nb.cells.append(
                html_cell(
                    f"<h1 id='step-{s['name'][:2]}'>{escape(_step_title(s['name'], lang))}</h1>"
                    f"<p class='ak-warn'>{escape(head)}</p>" + (f"<ul>{reasons}</ul>" if reasons else "")
                )
            )
    return render(nb, run_dir / "report.html", title)


def _duration(manifest: dict[str, Any], fmt: Formatter) -> str:
    """How long a run took, in seconds under two minutes and in minutes from there, in ``fmt``'s language."""
    try:
        start = dt.datetime.fromisoformat(manifest["started_at"])
        end = dt.datetime.fromisoformat(manifest["finished_at"])
    except (KeyError, TypeError, ValueError):
        return "–"
    seconds = (end - start).total_seconds()
    if seconds < 120:
        return t("runs.seconds", fmt.language, n=fmt.number(round(seconds)))
    return t("runs.minutes", fmt.language, n=fmt.number(round(seconds / 60, 1)))


def runs_index(outputs: Path) -> Path:
    """Write ``<outputs>/index.html``: every client's runs, newest first, with status, period, dates,
    duration, headline KPIs and links to the combined report and the run's step index. The page is in
    the language of its runs when they share one (English when they do not); each run's KPIs are in its own."""
    runs = []
    manifests = sorted(outputs.glob("*/*/manifest.json"), key=lambda p: (p.parent.parent.name, p.parent.name), reverse=True)
    for path in manifests:
        if path.parent.name.startswith("."):
            continue  # a run still being written
        try:
            runs.append((path.parent, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    languages = {(m.get("params") or {}).get("language", "en") for _, m in runs}
    page_lang = languages.pop() if len(languages) == 1 else "en"
    page_fmt = Formatter(page_lang)
    rows = []
    for run, m in runs:
        params = m.get("params") or {}
        fmt = Formatter(params.get("language", "en"), params.get("currency", "EUR"))
        period = params.get("period") or {}
        status = m.get("status", "failed")
        word = t("status." + status, page_lang) if f"status.{status}" in _STATUS_KEYS else status
        kpis = "; ".join(f"{label}: {value}" for label, value in _headline(run, fmt))
        rel = run.relative_to(outputs).as_posix()
        links = [f"<a href='{escape(rel)}/html/index.html'>{escape(t('runs.link.steps', page_lang))}</a>"]
        if (run / "report.html").is_file():
            links.insert(0, f"<a href='{escape(rel)}/report.html'>{escape(t('runs.link.report', page_lang))}</a>")
        rows.append(
            f"<tr><td>{escape(m.get('client', run.parent.name))}</td><td>{escape(run.name)}</td>"
            f"<td class='st-{escape(status)}'>{escape(word)}</td>"
            f"<td>{escape(_day(period.get('start'), page_fmt))} – {escape(_day(period.get('end'), page_fmt))}</td>"
            f"<td>{escape((m.get('started_at') or '').replace('T', ' ').removesuffix('+00:00'))}</td>"
            f"<td class='num'>{escape(_duration(m, page_fmt))}</td><td>{escape(kpis)}</td><td>{' · '.join(links)}</td></tr>"
        )
    from .html import STATUS_COLOURS

    colours = "".join(f".st-{k}{{color:{v};font-weight:bold}}" for k, v in STATUS_COLOURS.items())
    heads = "".join(f"<th>{escape(t('runs.col.' + c, page_lang))}</th>" for c in ("client", "run", "status", "period", "started", "duration", "kpis", "open"))
    page = f"""<!doctype html>
<html lang="{page_lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t("runs.title", page_lang))}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:90em}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
.num{{text-align:right}}{colours}@media (max-width:700px){{body{{margin:0.5em}}td,th{{padding:3px 4px;font-size:0.85em}}}}</style></head>
<body><h1>{escape(t("runs.heading", page_lang))}</h1><table><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>
"""
    target = outputs / "index.html"
    tmp = target.with_name("index.html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def _day(value: Any, fmt: Formatter) -> str:
    """An ISO date from a manifest written for ``fmt``'s language; anything else as it is."""
    try:
        return fmt.date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return "" if value is None else str(value)


_STATUS_KEYS = {"status.ok", "status.insufficient", "status.failed", "status.not_built", "status.interrupted", "status.running"}
