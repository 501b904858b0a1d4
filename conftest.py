"""Session set-up for the whole suite (tests/ and the nbval notebooks): the demo data, and how the
suite is spread over pytest-xdist workers. The fixtures are in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent


def pytest_sessionstart(session: pytest.Session) -> None:
    """Generate the demo data if missing: nbval runs the notebooks on their default parameters, which
    point at it, and the end-to-end tests audit it. Under pytest-xdist the controller and every worker
    get here; a lock lets exactly one of them write it."""
    import fcntl

    from auditkit.demo import demo_is_current, generate_demo

    out = ROOT / "data" / "demo"
    out.parent.mkdir(exist_ok=True)
    with open(ROOT / "data" / ".demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not demo_is_current(out):
            generate_demo(out)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Each test is a unit of work on its own, except a notebook's cells: nbval runs them in order in one
    kernel, so a notebook goes whole to one worker (notebooks first: they are the longest units)."""
    from xdist.scheduler import LoadScopeScheduling

    class NotebooksWhole(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path.endswith(".ipynb") else nodeid

    return NotebooksWhole(config, log)
