"""Shared fixtures: the small client and the demo client."""

from __future__ import annotations

import os
from pathlib import Path

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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo audit, run once per test session as a user runs it (``auditkit run params/demo.yaml``);
    the run folder. Several end-to-end tests read it."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("demo-run")
    auditkit = str(Path(sys.executable).parent / "auditkit")
    result = subprocess.run([auditkit, "run", str(DEMO_PARAMS), "--outputs", str(out)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return next((out / "demo").iterdir())


def pytest_sessionstart(session: pytest.Session) -> None:
    """Generate the demo data if missing: nbval runs the notebooks on their default
    parameters, which point at it, and the end-to-end tests audit it."""
    from auditkit.demo import demo_is_current, generate_demo

    out = ROOT / "data" / "demo"
    if not demo_is_current(out):
        generate_demo(out)
