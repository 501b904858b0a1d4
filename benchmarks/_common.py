"""What the benchmark scripts share: timing a command with the peak memory of its process tree, and the
line naming the machine. Not a benchmark itself; the scripts beside it import it."""

from __future__ import annotations

import platform
import subprocess
import threading
import time
from collections.abc import Collection, Mapping
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def measured(
    cmd: list[str], cwd: Path | None = None, ok: Collection[int] = (0, 3), env: Mapping[str, str] | None = None
) -> tuple[float, float]:
    """Run ``cmd`` in a new process; returns (wall seconds, peak RSS of its process tree in GB, sampled every
    50 ms). Exits with the command's stderr tail when its exit status is not in ``ok``."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}")
    return wall, peak / 1e9


def machine_line(repeat: int) -> str:
    """The header line: architecture, cores, memory in GiB, Python version, and how many rounds were taken."""
    return (f"machine: {platform.machine()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
            f"Python {platform.python_version()}; median of {repeat}")
