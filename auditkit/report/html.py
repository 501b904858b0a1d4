"""Executed notebook -> a self-contained HTML page for people.

Code cells, prompts and the parameters cells are hidden; warnings written to
stderr are dropped; an error is shown as a short, escaped message instead of a
traceback; papermill's parameter metadata is stripped. Figures are embedded as
base64 PNG, so a page opens offline.
"""

from __future__ import annotations

import functools
import threading
import re
from pathlib import Path

from .format import escape, visible

TEMPLATES = Path(__file__).resolve().parent / "templates"
HIDDEN_TAGS = {"injected-parameters", "parameters", "remove", "papermill-error-cell-tag"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _clean(nb):  # type: ignore[no-untyped-def]
    import nbformat

    nb.metadata.get("papermill", {}).pop("parameters", None)
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_TAGS:
            continue
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if out.output_type == "stream" and out.get("name") == "stderr":
                    continue
                if out.output_type == "error":
                    message = ANSI.sub("", f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
                    out = nbformat.v4.new_output(
                        "display_data",
                        data={"text/html": f"<p class='ak-warn'><b>This step stopped with an error.</b> {escape(message)}</p>"},
                    )
                if out.output_type in ("display_data", "execute_result"):
                    data = out.get("data", {})
                    # widget views cannot run in a static page; their text/plain fallback is noise
                    if "application/vnd.jupyter.widget-view+json" in data:
                        continue
                outputs.append(out)
            cell.outputs = outputs
        kept.append(cell)
    nb.cells = kept
    nb.metadata.pop("widgets", None)
    return nb


def export_html(notebook: Path | str, target: Path | str, title: str) -> Path:
    """Render an executed notebook to ``target`` (HTML, no code); returns the path."""
    import nbformat

    return render(_clean(nbformat.read(str(notebook), as_version=4)), target, title)


_EXPORTING = threading.Lock()


@functools.lru_cache(maxsize=1)
def _exporter():  # type: ignore[no-untyped-def]
    """One HTML exporter per process (its template is found and compiled once, not once per page)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):  # type: ignore[misc]
        """nbconvert's HTML exporter without its last pass, which parses the whole page again with
        BeautifulSoup to give images without alt text a generic one and make cells focusable: a step's
        figures carry their title as alt text already (``Step.figure``; tests/test_browser.py checks
        every image), and that pass cost about 0.1 s of CPU a page, on the way between two steps."""

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[no-untyped-def]
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PageExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="auditkit",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def warm_exporter() -> None:
    """Import nbconvert and compile the page template now (about 0.7 s, once per process), so that the first
    step's page does not wait for it: a run calls this in a thread while its first step executes in the
    kernel and the command itself only waits."""
    import nbformat

    with _EXPORTING:
        _exporter().from_notebook_node(nbformat.v4.new_notebook(), resources={"metadata": {"name": ""}})


def render(nb, target: Path | str, title: str) -> Path:  # type: ignore[no-untyped-def]
    """Render a cleaned notebook node with the offline ``auditkit`` template to ``target``; returns the path."""
    with _EXPORTING:  # one exporter per process, shared by a run's parallel steps
        body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": visible(title)}})  # nbconvert escapes it
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


#: Colour of each step status in the run index: ok green, insufficient amber, failed red, not built grey.
STATUS_COLOURS = {"ok": "#1e8449", "insufficient": "#b9770e", "failed": "#c0392b", "not_built": "#7f8c8d"}


def _css() -> str:
    from importlib import resources

    return resources.files("auditkit.report").joinpath("style.css").read_text(encoding="utf-8")


def status_page(title: str, subtitle: str, head: str, reasons: list[str], target: Path | str, lang: str = "en") -> Path:
    """A step page written without running the step: its title, why it did not run, and the reasons."""
    items = "".join(f"<li>{escape(r)}</li>" for r in reasons)
    page = f"""<!doctype html>
<html lang="{escape(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}}{_css()}</style></head>
<body><h1>{escape(title)}</h1><p class="ak-meta">{escape(subtitle)}</p>
<p class="ak-warn">{escape(head)}</p>{f"<ul>{items}</ul>" if items else ""}</body></html>
"""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def run_index(title: str, steps: list[dict], target: Path | str, lang: str = "en") -> Path:
    """A small page linking every step's HTML with its status (in words and colour) and duration."""
    from .format import Formatter
    from .text import t

    fmt = Formatter(lang)
    rows = []
    for s in steps:
        name = escape(s["title"])
        link = f"<a href='{escape(Path(s['html']).name)}'>{name}</a>" if s.get("html") else name
        status = s["status"] if s["status"] in STATUS_COLOURS else "failed"
        shown = escape(t("status." + status, lang))
        err = f"<br><small>{escape(s['error'])}</small>" if s.get("error") else ""
        rows.append(f"<tr><td>{link}{err}</td><td class='st-{status}'>{shown}</td><td class='num'>{escape(t('unit.seconds', lang, n=fmt.number(s.get('seconds', 0), 1)))}</td></tr>")
    colours = "".join(f".st-{k}{{color:{v};font-weight:bold}}" for k, v in STATUS_COLOURS.items())
    head = (t("col.step", lang), t("col.status", lang), t("col.time", lang))
    page = f"""<!doctype html>
<html lang="{escape(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:60em}}td,th{{padding:4px 12px;border-bottom:1px solid #ddd;text-align:left}}
.num{{text-align:right}}{colours}</style></head>
<body><h1>{escape(title)}</h1><p><a href='../report.html'>{escape(t("nav.report", lang))}</a></p><table><thead><tr>{"".join(f"<th>{escape(h)}</th>" for h in head)}</tr></thead>
<tbody>{''.join(rows)}</tbody></table></body></html>
"""
    target = Path(target)
    target.write_text(page, encoding="utf-8")
    return target
