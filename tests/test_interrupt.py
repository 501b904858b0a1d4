"""Runs are atomic and interruption-safe: written beside their final place and moved there, and a run
stopped by SIGTERM or Ctrl-C leaves a clearly marked incomplete run and nothing else behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from helpers import ROOT, write_small_client

AUDITKIT = str(Path(sys.executable).parent / "auditkit")


def notebooks_with(tmp_path: Path, step: str, source: str | None) -> Path:
    """A copy of the step notebooks in which ``step`` gets a first code cell ``source`` (None: the file is cut short)."""
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    path = folder / f"{step}.ipynb"
    if source is None:
        path.write_text(path.read_text(encoding="utf-8")[:200], encoding="utf-8")
    else:
        nb = nbformat.read(path, as_version=4)
        nb.cells.insert(2, nbformat.v4.new_code_cell(source))
        nbformat.write(nb, path)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM])  # Ctrl-C takes the same path: SIGTERM is turned into it
@pytest.mark.parametrize("jobs", ["1", "2"])  # with 2, steps 1 and 3 run beside the sleeping step 2, in another kernel
def test_an_interrupted_run_is_kept_marked_and_leaves_no_kernel_behind(tmp_path, signum, jobs):
    params = write_small_client(tmp_path)
    earlier = tmp_path / "out" / "small" / "20200101T000000Z"
    earlier.mkdir(parents=True)
    (earlier / "manifest.json").write_text('{"status": "ok"}')
    # this run's own folders for its kernels' IPC sockets and connection files (short: a socket path is <= 107 bytes)
    temp, runtime = Path(tempfile.mkdtemp(prefix="ak-")), tmp_path / "runtime"
    runtime.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "JUPYTER_RUNTIME_DIR": str(runtime), "AUDITKIT_NOTEBOOKS": str(notebooks_with(tmp_path, "02_data", "import time\ntime.sleep(300)"))}
    proc = subprocess.Popen(
        [AUDITKIT, "run", str(params), "--outputs", str(tmp_path / "out"), "--steps", "01,02,03", "--jobs", jobs],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        me = psutil.Process(proc.pid)
        deadline = time.monotonic() + 120
        kernels: list[psutil.Process] = []
        while time.monotonic() < deadline:  # wait until step 2's kernel is sleeping in its planted cell
            partial = list((tmp_path / "out" / "small").glob(".*.partial"))
            kernels = me.children(recursive=True)
            if partial and (partial[0] / "html" / "01_goals.html").exists() and kernels:  # step 1 done, 2 begun
                time.sleep(3)
                break
            time.sleep(0.2)
        assert kernels, "step 2's kernel never started"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert "Kernel died" not in out + err  # the steps run beside it end quietly
    runs = sorted(p.name for p in (tmp_path / "out" / "small").iterdir())
    assert len(runs) == 2 and runs[0] == earlier.name and not [r for r in runs if r.startswith(".")]
    run = tmp_path / "out" / "small" / runs[1]
    assert str(run) in err
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    steps = [(s["name"], s["status"]) for s in manifest["steps"]]
    assert steps[:2] == [("01_goals", "ok"), ("02_data", "failed")] and manifest["steps"][1]["error"] == "interrupted"
    if jobs == "1":
        assert len(steps) == 2  # step 3 never started
    else:  # step 3 ran beside step 2 after step 1: recorded as it ended, ok or stopped, never left out
        assert len(steps) == 3 and steps[2][0] == "03_process"
        assert steps[2][1] == "ok" or manifest["steps"][2]["error"] == "interrupted"
    # the message names every step the interruption cut, and those beside them that had ended (never printed)
    cut = [name for name, status in steps[1:] if status == "failed"]
    ended = [name for name, status in steps[1:] if status != "failed"]
    said = f"interrupted during step{'s' if len(cut) > 1 else ''} {', '.join(cut)}"
    assert said + (f" ({', '.join(ended)} had ended: see the manifest)" if ended else ";") in err
    assert "interrupted" in (run / "html" / "index.html").read_text(encoding="utf-8")
    assert json.loads((earlier / "manifest.json").read_text()) == {"status": "ok"}
    time.sleep(1)
    assert not [k for k in kernels if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert not list(temp.iterdir()) and not list(runtime.iterdir())  # no IPC socket or connection file left
    temp.rmdir()


@pytest.mark.slow
def test_a_broken_notebook_fails_its_step_and_the_others_run(tmp_path):
    params = write_small_client(tmp_path)
    env = {**os.environ, "AUDITKIT_NOTEBOOKS": str(notebooks_with(tmp_path, "01_goals", None))}
    result = subprocess.run(
        [AUDITKIT, "run", str(params), "--outputs", str(tmp_path / "out"), "--steps", "01,02"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    run = next((tmp_path / "out" / "small").iterdir())
    steps = {s["name"]: s for s in json.loads((run / "manifest.json").read_text())["steps"]}
    assert steps["01_goals"]["status"] == "failed" and "01_goals" in result.stderr
    assert steps["02_data"]["status"] == "ok"
    assert not list((tmp_path / "out" / "small").glob(".*"))
