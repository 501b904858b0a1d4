"""Many clients at once: one audit per params file, ``jobs`` at a time, one failure never stops the others.

Each client runs in a process of its own (:func:`run_client`), so a client whose data is bad, whose step
fails or whose kernel dies ends with its own status while the others go on. Steps whose notebook, params,
review decisions and input data are unchanged since the client's last successful run are reused (unless
``force``). With ``scheduler`` (the address of an existing Dask cluster, ``tcp://host:8786``), each
client is one Dask task instead; auditkit starts no scheduler of its own.

Progress: ``on_event`` receives a dict per finished step and per finished client (``auditkit batch``
turns them into a progress display on a terminal and a plain log elsewhere).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AuditkitError, RunError

Event = dict[str, Any]


@dataclass
class ClientResult:
    """One client's outcome in a batch."""

    params: str
    client: str = ""
    status: str = "failed"  # ok, insufficient, failed, error (nothing ran: bad params or data), interrupted
    run_dir: str | None = None
    seconds: float = 0.0
    steps: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def reused(self) -> int:
        return sum(1 for s in self.steps if s.get("reused_from"))


@dataclass
class BatchResult:
    clients: list[ClientResult]

    @property
    def status(self) -> str:
        """"ok" when every client is ok, "insufficient" when the worst is insufficient data, else "failed"."""
        states = {c.status for c in self.clients}
        if states <= {"ok"}:
            return "ok"
        if states <= {"ok", "insufficient"}:
            return "insufficient"
        return "failed"


def params_files(paths: Iterable[Path | str]) -> list[Path]:
    """The params files named, or found in the folders named (``*.yaml`` and ``*.yml``, sorted)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")], key=lambda f: f.name))
        elif p.is_file():
            out.append(p)
        else:
            raise RunError(f"{p}: no such params file or folder. Pass params files or a folder of them (params/).")
    if not out:
        raise RunError(f"no params files found in {', '.join(str(p) for p in paths)}.")
    return out


def client_labels(files: Iterable[Path | str]) -> dict[str, str]:
    """A short label for each params file, for progress lines: its name without ``.yaml``, or, when two files
    share a name (every client's ``params.yaml`` in a folder of its own), as many of its last folders as
    tell them apart (``acme/params``)."""
    names = [str(f) for f in files]
    folders = [[part for part in Path(f).parent.parts if part != Path(f).anchor] for f in names]
    depth = 0
    while True:
        labels = ["/".join([*folder[max(0, len(folder) - depth):], Path(f).stem]) for f, folder in zip(names, folders)]
        if len(set(labels)) == len(labels) or depth >= max(map(len, folders), default=0):
            return dict(zip(names, labels))
        depth += 1


def run_client(
    params_path: str, outputs: str, steps: list[str] | None = None, reuse: bool = True, queue: Any = None
) -> ClientResult:
    """Run one client's audit and return its outcome; never raises (an error becomes the status)."""
    from .runner import run

    started = time.perf_counter()
    result = ClientResult(params=params_path)

    def on_step(step: Any) -> None:
        if queue is not None:
            queue.put({"kind": "step", "params": params_path, "step": step.name, "status": step.status,
                       "seconds": step.seconds, "reused": bool(step.reused_from)})

    try:
        done = run(params_path, outputs, steps, on_step=on_step, reuse=reuse)
        result.status, result.run_dir = done.status, str(done.run_dir)
        result.steps = [dict(s.__dict__) for s in done.steps]
    except AuditkitError as err:  # bad params or data: nothing ran for this client
        result.status = "interrupted" if type(err).__name__ == "RunInterrupted" else "error"
        result.error = str(err)
    except Exception as err:  # anything else still must not stop the batch
        result.status, result.error = "error", f"{type(err).__name__}: {err}"
    result.seconds = round(time.perf_counter() - started, 1)
    try:
        from .params import load_params

        result.client = load_params(params_path, check_files=False).client.name
    except AuditkitError:
        result.client = Path(params_path).stem
    return result


def batch(
    paths: Iterable[Path | str],
    outputs: Path | str = "outputs",
    *,
    jobs: int = 1,
    steps: list[str] | None = None,
    force: bool = False,
    scheduler: str | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> BatchResult:
    """Audit every client of ``paths`` (params files or folders of them); returns each client's outcome."""
    files = [str(p.resolve()) for p in params_files(paths)]
    out = str(Path(outputs).resolve())
    if scheduler:
        results = _on_dask(files, out, steps, not force, scheduler, on_event)
    else:
        results = _on_processes(files, out, steps, not force, max(1, jobs), on_event)
    order = {f: i for i, f in enumerate(files)}
    results.sort(key=lambda r: order[r.params])
    from .report.combined import runs_index

    runs_index(Path(out))
    return BatchResult(results)


def _finished(result: ClientResult, on_event: Callable[[Event], None] | None) -> None:
    if on_event:
        on_event({"kind": "client", "params": result.params, "client": result.client, "status": result.status,
                  "seconds": result.seconds, "error": result.error, "run_dir": result.run_dir})


def _on_processes(
    files: list[str], outputs: str, steps: list[str] | None, reuse: bool, jobs: int, on_event: Callable[[Event], None] | None
) -> list[ClientResult]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # a fresh interpreter per worker: no state shared with this process
    fresh: dict[str, Any] = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}  # one client per process
    results: list[ClientResult] = []
    with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, **fresh) as pool:
        queue = manager.Queue()
        pending: dict[Future[ClientResult], str] = {
            pool.submit(run_client, f, outputs, steps, reuse, queue): f for f in files
        }
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(queue, on_event)
            for future in done:
                params = pending.pop(future)
                try:
                    result = future.result()
                except Exception as err:  # the worker process itself died (killed, out of memory)
                    result = ClientResult(params=params, status="error", error=f"the client's process died: {type(err).__name__}: {err}")
                results.append(result)
                _finished(result, on_event)
        _drain(queue, on_event)
    return results


def _drain(queue: Any, on_event: Callable[[Event], None] | None) -> None:
    import queue as q

    while True:
        try:
            event = queue.get_nowait()
        except (q.Empty, EOFError, OSError):
            return
        if on_event:
            on_event(event)


def _on_dask(
    files: list[str], outputs: str, steps: list[str] | None, reuse: bool, scheduler: str, on_event: Callable[[Event], None] | None
) -> list[ClientResult]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise RunError("--scheduler needs dask.distributed: pip install 'auditkit[dask]'.") from None
    try:
        client = Client(scheduler, timeout=30)
    except OSError as err:
        raise RunError(f"cannot reach the Dask scheduler at {scheduler} ({err}). Start it, or run without --scheduler.") from None
    results: list[ClientResult] = []
    try:
        futures = {client.submit(run_client, f, outputs, steps, reuse, None, pure=False): f for f in files}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as err:  # the task's worker died
                result = ClientResult(params=futures[future], status="error", error=f"the Dask task failed: {type(err).__name__}: {err}")
            results.append(result)
            _finished(result, on_event)
    finally:
        client.close()
    return results
