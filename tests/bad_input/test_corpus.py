"""Every case of the bad-input corpus (``cases.py``), run as a user runs it, on files written in a fresh
folder: ``run`` cases as the installed ``auditkit`` in a subprocess; ``validate`` cases through the same
command object in-process (click's runner: the same parsing, error boundary and exit codes, without paying
an interpreter start per case; the CLI as a subprocess is covered by tests/test_cli.py).

For each case: no traceback in stdout or stderr; the exit code README.md documents (0 ok, 2 the params
or a file cannot be used, 3 data insufficient for a step); the output names the file and the row,
column or key, and says what to do (for a data-quality issue, the CLI names the rows and the issue's
message, shown in step 2's report, says what to do); no terminal escape reaches the terminal; a
refused run creates nothing; and every input file is byte-for-byte unchanged afterwards.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditkit.io.load import load
from auditkit.params import load_params
from bad_input.cases import CASES, HOSTILE, UNUSABLE, Case

AUDITKIT = str(Path(sys.executable).parent / "auditkit")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every input file under ``root`` (outputs excluded) and its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "out" not in p.relative_to(root).parts}


def cli(case: Case, params: Path, out: Path) -> subprocess.CompletedProcess[str]:
    if case.command == "validate":
        from click.testing import CliRunner

        from auditkit.cli import main

        done = CliRunner().invoke(main, ["validate", str(params)], env={"AUDITKIT_DEBUG": None})
        if done.exception is not None and not isinstance(done.exception, SystemExit):
            raise AssertionError(f"uncaught {type(done.exception).__name__}: {done.exception}")
        return subprocess.CompletedProcess(["auditkit", "validate"], done.exit_code, done.stdout, done.stderr)
    args = ["run", str(params), "--outputs", str(out), "--steps", "02,03"]
    env = {k: v for k, v in os.environ.items() if k != "AUDITKIT_DEBUG"}
    return subprocess.run([AUDITKIT, *args], capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, timeout=600)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    params = case.build(tmp_path)
    before = snapshot(tmp_path)
    out = tmp_path / "out"
    result = cli(case, params, out)
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown and "RecursionError" not in shown, shown
    assert "\x1b" not in shown, "a terminal escape reached the terminal"
    assert result.returncode == case.code, shown
    assert case.file in shown, f"the message does not name {case.file}:\n{shown}"
    assert case.where in shown, f"the message does not name {case.where!r}:\n{shown}"
    for needle in case.also:
        assert needle in shown, f"{needle!r} not in:\n{shown}"
    if case.issue:
        table_col, check = case.issue.split(" ")
        table, column = table_col.split(".")
        issues = [i for i in load(load_params(params)).issues if (i.table, i.column, i.check) == (table, column, check)]
        assert len(issues) == 1, [(i.table, i.column, i.check) for i in load(load_params(params)).issues]
        assert case.todo in issues[0].message, issues[0].message
    elif case.todo:
        assert case.todo in shown, f"{case.todo!r} not in:\n{shown}"
    if case.code == UNUSABLE:
        assert result.stderr.startswith("Error: "), shown
        assert not out.exists(), "a refused run created its output folder"
    assert snapshot(tmp_path) == before, "an input file was changed"
    if case.command == "run" and case.code != UNUSABLE:
        (run,) = (out / "small").iterdir()
        manifest = json.loads((run / "manifest.json").read_text())
        assert [s["status"] for s in manifest["steps"]] == ["ok", "ok"], manifest["steps"]
        html = (run / "html" / "02_data.html").read_text(encoding="utf-8")
        for needle in case.page:
            assert needle in html, needle
        if case.id == "shape_hostile_text":
            cells = {cell for p in (run / "tables").glob("*.csv") for row in csv.reader(io.StringIO(p.read_bytes().decode("utf-8-sig"), newline="")) for cell in row}
            assert "'" + HOSTILE in cells and HOSTILE not in cells, "a formula reached a CSV undefused"
            assert "'\r=1+1" in cells and "\r=1+1" not in cells, "a formula after a CR reached a CSV undefused"
            assert "\u202e" not in html, "a bidi override reached the HTML"


def test_the_corpus_is_large_and_named_once() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)
    assert sum(c.command == "run" and c.code != UNUSABLE for c in CASES) <= 6  # notebooks cost seconds each
