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
