"""Shared fixtures: the small client and the demo client."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from helpers import DEMO_PARAMS, ROOT, write_small_client

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def small_client(tmp_path: Path) -> Path:
    """Params path of the small hand-checked client."""
    return write_small_client(tmp_path)


@pytest.fixture(scope="session")
def demo_params() -> Path:
    """The demo client's params (its data is generated at session start)."""
    return DEMO_PARAMS


def _shared_run(tmp_path_factory: pytest.TempPathFactory, name: str, params: Callable[[Path], Path] | None = None) -> Path:
    """The run folder of ``auditkit run`` on the params ``params(folder)`` writes (the demo's by default), run once per test session
    as a user runs it: under pytest-xdist the first worker to ask runs it and the others wait and read it."""
    import fcntl
    import subprocess
    import sys

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # pytest-xdist workers share it
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"{name}.txt"
        if done.exists():
            return Path(done.read_text(encoding="utf-8"))
        out = shared / name
        path = DEMO_PARAMS if params is None else params(shared)
        auditkit = str(Path(sys.executable).parent / "auditkit")
        result = subprocess.run([auditkit, "run", str(path), "--outputs", str(out)], capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
        [run] = [r for client in out.iterdir() if client.is_dir() for r in client.iterdir() if r.is_dir()]
        done.write_text(str(run), encoding="utf-8")
        return run


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo audit, run once per test session as a user runs it (``auditkit run params/demo.yaml``);
    the run folder. Several end-to-end tests read it."""
    return _shared_run(tmp_path_factory, "demo-run")


def _russian_demo_params(folder: Path) -> Path:
    """The demo's params with ``language: ru`` (slug demo-ru), reading the demo data, written in ``folder``."""
    text = DEMO_PARAMS.read_text(encoding="utf-8").replace("language: en", "language: ru").replace("slug: demo", "slug: demo-ru")
    path = folder / "demo-ru.yaml"
    path.write_text(text.replace("dir: ../data/demo", f"dir: {ROOT / 'data' / 'demo'}"), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_run_ru(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo audit in Russian (``language: ru``), every step, run once per test session; the run folder."""
    return _shared_run(tmp_path_factory, "demo-run-ru", _russian_demo_params)
