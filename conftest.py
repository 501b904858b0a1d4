"""Session set-up for the whole suite (tests/ and the nbval notebooks): the demo data, and how the
suite is spread over pytest-xdist workers. The fixtures are in tests/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
_BACKGROUND = pytest.StashKey[list]()


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
    config = session.config
    from helpers import shared_dir

    shared = shared_dir(config._tmp_path_factory.getbasetemp())  # type: ignore[attr-defined]
    # the notebooks' frame cache (auditkit.frame.cached_frame) for this session only, shared by the workers
    os.environ.setdefault("AUDITKIT_CACHE", str(shared / "frame-cache"))
    whole_suite = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if whole_suite and not hasattr(config, "workerinput") and config.getoption("numprocesses", None):
        # the pytest-xdist controller on the whole suite: start the shared demo runs now, beside the
        # workers (see tests/helpers.py); a run of a few tests starts them only if one needs them
        from helpers import SHARED_RUNS, start_shared_run

        config.stash[_BACKGROUND] = [start_shared_run(shared, name) for name in SHARED_RUNS]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Reap the background demo runs (they are done unless the session was cut short)."""
    for proc in session.config.stash.get(_BACKGROUND, []):
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The order work is handed out under pytest-xdist (stable, so a notebook's cells keep theirs): the
    notebooks and the slow end-to-end tests first, the rest, then the tests reading the shared demo runs
    (by then done in the background)."""
    def rank(item: pytest.Item) -> int:
        if {"demo_run", "demo_run_ru"} & set(getattr(item, "fixturenames", ())):
            return 2
        return 0 if item.path.suffix == ".ipynb" or item.get_closest_marker("slow") else 1

    items.sort(key=rank)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores, since a worker often waits on a subprocess or a kernel."""
    return (os.cpu_count() or 1) + 1


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Each test is a unit of work on its own, except a notebook's cells: nbval runs them in order in one
    kernel, so a notebook goes whole to one worker. Units are handed out in collection order
    (:func:`pytest_collection_modifyitems`)."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class NotebooksWhole(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path.endswith(".ipynb") else nodeid

    return NotebooksWhole(config, log)
