"""Runner pieces that need no notebook: run folders and the kernel's interpreter."""

from __future__ import annotations

import datetime as dt
import sys

from auditkit.runner import _kernel_manager_class, new_run_dir


def test_run_folders_are_never_reused(tmp_path):
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    first = new_run_dir(tmp_path, "acme", now)
    (first / "keep.txt").write_text("earlier run")
    second = new_run_dir(tmp_path, "acme", now)
    assert first.name == "20260102T030405Z" and second.name == "20260102T030405Z-2"
    assert (first / "keep.txt").read_text() == "earlier run"


def test_kernel_runs_in_this_environment_over_ipc():
    km = _kernel_manager_class()(kernel_name="python3")
    assert km.kernel_spec.argv[0] == sys.executable
    assert km.transport == "ipc" and "auditkit-kernel-" in km.ip
