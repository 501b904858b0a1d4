"""Shared fixtures: the small client and the demo client."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import DEMO_PARAMS, shared_dir, shared_run, write_small_client

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
    return shared_run(shared_dir(tmp_path_factory.getbasetemp()), "demo-run")


@pytest.fixture(scope="session")
def demo_run_ru(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo audit in Russian (``language: ru``), every step, run once per test session; the run folder."""
    return shared_run(shared_dir(tmp_path_factory.getbasetemp()), "demo-run-ru")
