"""The kernel a run's steps execute in: one warm kernel per run, reset between steps.

Starting a kernel and importing pandas, matplotlib, seaborn and auditkit costs about 3 s, more than
most steps' own work on a demo-sized client. A run therefore starts one kernel and executes its steps in
it one after the other (papermill, through the ``auditkit-warm`` engine registered here). Between steps
the kernel's user namespace is cleared and a new history session begins (its cells counted from 1), every
figure is closed and the working folder is put back, so each step sees exactly what it would see in a kernel of
its own, except that the modules it imports are already imported and the run's audit frame is already read
and scoped (:func:`auditkit.frame.run_frame`, which hands each step copies it cannot change for the next). A step whose kernel did not come back
cleanly (a timeout, a dead kernel, a failed reset) takes that kernel with it: the next step starts a new
one. ``docs/performance.md`` has the figures behind this choice.

Every kernel runs in this very Python environment, over IPC sockets in the temporary folder, and is
registered so that :func:`cleanup_kernels` can kill it and remove its files on any exit path.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

#: Kernel managers started by this process, so that every exit path can clean up after them.
_KERNELS: list[Any] = []

ENGINE = "auditkit-warm"

#: Run by the kernel as it starts, before it says it is ready (outside the history, names deleted): the
#: modules every step imports, so that a kernel started early imports them while the run reads the data.
PREIMPORT = (
    "import auditkit.step as _ak_step, matplotlib.pyplot as _ak_plt, seaborn as _ak_sns; del _ak_step, _ak_plt, _ak_sns"
)

#: Run in the kernel after each step (silently, outside the history): back to a fresh namespace. IPython's
#: reset collects garbage before it clears the namespace, so the step's own cycles are collected once it is
#: cleared; what outlives that (the modules, the run's frame) is then frozen out of the collector
#: (``gc.freeze``), so the next step's collections traverse only what that step made: each reset walked
#: pandas', matplotlib's and seaborn's objects again otherwise, 0.13 s a step on the demo.
RESET = """\
import os as _ak_os, sys as _ak_sys
if "matplotlib.pyplot" in _ak_sys.modules:  # a step that drew nothing never imported it
    _ak_sys.modules["matplotlib.pyplot"].close("all")
_ak_os.chdir({cwd!r})
get_ipython().reset(new_session=True)
import gc as _ak_gc
_ak_gc.collect()
_ak_gc.freeze()
del _ak_gc
"""


def kernel_manager_class(log: Path | None = None):  # type: ignore[no-untyped-def]
    """A kernel manager class that starts the kernel in this very Python environment.

    A user-level ``python3`` kernelspec may point at another interpreter; the
    steps must run with the auditkit the command runs with. IPC transport
    avoids TCP port races when several kernels start at once. With ``log``, the
    kernel process's own stdout and stderr (its logging, not the notebook's
    output) go to that file instead of the user's terminal.
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class EnvKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            # a Unix socket path holds at most 107 bytes: keep the name short under a long TMPDIR
            self.ip = str(Path(tempfile.gettempdir()) / f"auditkit-kernel-{uuid.uuid4().hex[:12]}")
            _KERNELS.append(self)

        async def _async_start_kernel(self, **kw: Any) -> None:
            if log is None:
                await super()._async_start_kernel(**kw)
                return
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "ab") as handle:  # the kernel process keeps its own copy of the descriptor
                kw.setdefault("stdout", handle)
                kw.setdefault("stderr", handle)
                await super()._async_start_kernel(**kw)

        start_kernel = _async_start_kernel

        @property
        def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", f"--IPKernelApp.exec_lines={PREIMPORT}",
                          # the history in memory: kernels side by side (--jobs, a batch) corrupted the one
                          # SQLite file they all wrote, and a step's reset then failed
                          "--HistoryManager.hist_file=:memory:"],
                    display_name=f"Python ({sys.prefix})",
                    language="python",
                )
            return self._kernel_spec

    return EnvKernelManager


def _kill(km: Any) -> None:
    """Kill one kernel's process if alive and remove its connection file and IPC sockets."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    try:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    except Exception:  # the process is gone already
        pass
    for clean in (km.cleanup_connection_file, km.cleanup_ipc_files):
        try:
            clean()
        except Exception:
            pass
    for leftover in Path(km.ip).parent.glob(Path(km.ip).name + "-*"):
        leftover.unlink(missing_ok=True)
    try:  # the manager's own sockets and, when it made one, its zmq context
        km._close_control_socket()
        if getattr(km, "_created_context", False) and not km.context.closed:
            km.context.destroy(linger=0)
    except Exception:
        pass


def cleanup_kernels() -> None:
    """Kill any kernel this process started that is still alive and remove its connection file and IPC
    sockets. Safe to call at any time (after a run, on Ctrl-C, on SIGTERM)."""
    while _KERNELS:
        _kill(_KERNELS.pop())


class WarmKernel:
    """One kernel reused by a run's steps (started on first use, or early with :meth:`start`; in ``cwd``
    when given), its own output appended to ``log``. :meth:`manager` gives the started kernel manager;
    :meth:`discard` kills it, so that the next :meth:`manager` starts a new one. Use it as a context
    manager to discard it at the end.

    A kernel started while ``log`` is still None (before the run folder exists) writes to a spool file in
    the temporary folder, appended to ``log`` (if set by then) and removed when the kernel is discarded."""

    def __init__(self, log: Path | None = None, cwd: Path | None = None) -> None:
        self.log = log
        self.cwd = cwd
        self.km: Any = None
        self.starts = 0
        self._spool: Path | None = None
        self._kc: Any = None  # the kernel's client, ready, and the thread whose event loop it runs on
        self._kc_thread: int | None = None

    def start(self) -> "WarmKernel":
        """Start the kernel now (its process starts and imports :data:`PREIMPORT` while the caller goes on)."""
        self.manager()
        return self

    def manager(self) -> Any:
        """The started kernel manager (a new kernel when there is none or the last one was discarded)."""
        if self.km is None:
            from jupyter_core.utils import run_sync

            self.cwd = self.cwd or Path.cwd()  # the folder each step starts in, and is put back to
            log = self.log
            if log is None:
                handle, name = tempfile.mkstemp(prefix="auditkit-kernel-", suffix=".log")
                os.close(handle)
                log = self._spool = Path(name)
            km = kernel_manager_class(log)(kernel_name="python3")
            run_sync(km.start_kernel)(cwd=str(self.cwd))
            self.km = km
            self.starts += 1
        return self.km

    def client(self) -> Any:
        """The started kernel's client, its channels open and the kernel ready: made once per kernel (and per
        thread that executes in it), not once per step. A new client waits for the kernel to be ready, which
        ends with a fifth of a second of listening for late messages: a step in a client of its own paid it
        every time. A step's messages are told apart by their parent's id, so one client serves every step."""
        import threading

        from jupyter_core.utils import run_sync

        km = self.manager()
        if self._kc is not None and self._kc_thread != threading.get_ident():
            self._close_client()  # its channels run on another thread's event loop
        if self._kc is None:
            kc = km.client()
            kc.start_channels()
            try:
                run_sync(_wait_ready)(kc, 60)
            except BaseException:
                kc.stop_channels()
                raise
            kc.allow_stdin = False
            self._kc, self._kc_thread = kc, threading.get_ident()
        return self._kc

    def _close_client(self) -> None:
        kc, self._kc, self._kc_thread = self._kc, None, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:  # its kernel is gone already
                pass

    def discard(self) -> None:
        """Shut the kernel down (if any; killed, it has nothing left to say) and forget it."""
        self._close_client()
        if self.km is not None:
            km, self.km = self.km, None
            if km in _KERNELS:
                _KERNELS.remove(km)
            _kill(km)
        if self._spool is not None:
            spool, self._spool = self._spool, None
            if self.log is not None and spool.is_file():
                self.log.parent.mkdir(parents=True, exist_ok=True)
                with open(self.log, "ab") as out:
                    out.write(spool.read_bytes())
            spool.unlink(missing_ok=True)

    def __enter__(self) -> "WarmKernel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


async def _wait_ready(kc: Any, timeout: float) -> None:
    """Wait until the kernel answers ``kc``'s request for its info and its output channel is connected.

    jupyter_client's own wait ends by listening a fifth of a second for late output. Here the output channel
    is known connected as soon as the kernel's "idle" for the very request arrives (output published before
    the channel connected would be lost, so the request is sent again until it does): nothing is left to
    wait for, as each step's messages are told apart by their parent's id."""
    import time
    from queue import Empty

    deadline = time.monotonic() + timeout
    asked: set[str] = set()
    reply: dict[str, Any] | None = None
    while True:
        asked.add(kc.kernel_info())
        end = time.monotonic() + 1.0
        while (left := end - time.monotonic()) > 0:
            try:
                if reply is None:
                    msg = await kc.shell_channel.get_msg(timeout=left)
                    if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") in asked:
                        reply = msg
                    continue
                msg = await kc.iopub_channel.get_msg(timeout=left)
            except Empty:
                break
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle" and msg["parent_header"].get("msg_id") in asked:
                kc._handle_kernel_info_reply(reply)
                return
        if not await kc._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


def _register_engine() -> None:
    """Register the papermill engine that executes in a :class:`WarmKernel` (``km=`` the started manager)
    and resets the kernel after a notebook that ran to its end."""
    from jupyter_core.utils import run_sync
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    if ENGINE in papermill_engines._engines:
        return

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(  # type: ignore[override]
            cls, nb_man: Any, kernel_name: str, log_output: bool = False, stdout_file: Any = None,
            stderr_file: Any = None, start_timeout: int = 60, execution_timeout: int | None = None,
            km: Any = None, kc: Any = None, reset_cwd: str = "", **kwargs: Any,
        ) -> Any:
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(
                nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
            )
            client.kc = kc  # the warm kernel's ready client (nbclient's constructor sets none)
            try:
                nb = client.execute()
                reply = run_sync(client.kc._async_execute_interactive)(
                    RESET.format(cwd=reset_cwd), silent=True, store_history=False, timeout=60,
                    output_hook=lambda msg: None,
                )
                content = reply["content"]
                if content.get("status") != "ok":
                    why = f": {content.get('ename', '')}: {content.get('evalue', '')}" if content.get("ename") else ""
                    raise RuntimeError(f"the kernel could not be reset after the step{why}")
                return nb
            finally:
                if kc is None and client.kc is not None:  # a client of its own; the warm kernel's stays open
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmEngine)


def execute(source: Any, output: Path, parameters: dict[str, Any], kernel: WarmKernel, timeout: int) -> None:
    """Execute the notebook ``source`` (a NotebookNode) with ``parameters`` into ``output`` in ``kernel``,
    which is reset afterwards. Raises what papermill raises (PapermillExecutionError for a failing cell,
    the kernel still usable); on any other error the kernel is discarded first."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    _register_engine()
    try:
        kc = kernel.client()  # starts the kernel when there is none
        pm.execute_notebook(
            source, str(output), parameters=parameters, engine_name=ENGINE, km=kernel.km, kc=kc,
            reset_cwd=str(kernel.cwd), kernel_name="python3", language="python", progress_bar=False,
            execution_timeout=timeout, log_output=False,
            # written once at the start and once at the end (also when interrupted), not after every cell:
            # rewriting a notebook full of figures after each cell cost about 0.1 s a step
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError:
        raise
    except BaseException:
        kernel.discard()
        raise


__all__ = ["WarmKernel", "cleanup_kernels", "execute", "kernel_manager_class"]
