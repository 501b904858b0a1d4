"""Rendering an executed notebook for people: no code, no parameters, no stderr, errors short."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from auditkit.report.html import export_html


def test_export_hides_code_parameters_warnings_and_tracebacks(tmp_path):
    nb = new_notebook()
    params = new_code_cell("params_path = 'secret/client.yaml'", outputs=[])
    params.metadata["tags"] = ["injected-parameters"]
    note = new_markdown_cell("For notebook users only")
    note.metadata["tags"] = ["remove"]
    shown = new_code_cell(
        "print('visible')",
        outputs=[
            new_output("stream", name="stdout", text="visible output\n"),
            new_output("stream", name="stderr", text="FutureWarning: noisy\n"),
            new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "VBox(...)"}),
        ],
    )
    failed = new_code_cell("1/0", outputs=[new_output("error", ename="ZeroDivisionError", evalue="<division> by zero", traceback=["\x1b[31mTraceback line"])])
    nb.cells = [params, note, shown, failed]
    nb.metadata["papermill"] = {"parameters": {"params_path": "secret/client.yaml"}}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    html = export_html(path, tmp_path / "out" / "nb.html", "Step <1>").read_text(encoding="utf-8")
    assert "visible output" in html
    assert "secret/client.yaml" not in html and "For notebook users only" not in html
    assert "print(" not in html and "FutureWarning" not in html and "VBox(" not in html
    assert "Traceback line" not in html and "ZeroDivisionError: &lt;division&gt; by zero" in html
    assert "<title>Step &lt;1&gt;</title>" in html
    assert "cdnjs" not in html and "<script src=" not in html


def test_a_page_is_the_same_whether_the_exporter_was_made_ahead_or_not(tmp_path):
    # a run makes the exporter while its first step executes (warm_exporter); the first page it renders then
    # must be the page a fresh exporter renders: each in a process of its own, as the exporter is made once
    import subprocess
    import sys

    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nb.cells = [nbformat.v4.new_markdown_cell("## Steps\n\n```python\nx = {'a': 1}\n```\n\n| a | b |\n|---|---|\n| 1 | <b>2</b> |")]
    code = nbformat.v4.new_code_cell("print(1)")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>Выручка</td></tr></table>"})]
    nb.cells.append(code)
    source = tmp_path / "step.ipynb"
    nbformat.write(nb, source)
    pages = []
    for warm in (True, False):
        target = tmp_path / f"page-{warm}.html"
        script = (
            "import sys\nfrom auditkit.report import html\n"
            + ("html.warm_exporter()\n" if warm else "")
            + "html.export_html(sys.argv[1], sys.argv[2], 'Шаг')\n"
        )
        subprocess.run([sys.executable, "-c", script, str(source), str(target)], check=True)
        pages.append(target.read_bytes())
    assert "Выручка" in pages[0].decode("utf-8") and b'class="highlight' in pages[0]  # the code block highlighted
    assert pages[0] == pages[1]
