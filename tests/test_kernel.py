"""One warm kernel per run (auditkit.kernel): each step sees a fresh namespace, no figure and the same
working folder as the first, with its cells counted from 1; a failing cell keeps the kernel, a timeout
replaces it, and nothing is left behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from auditkit.kernel import WarmKernel, execute


def notebook(*sources: str) -> nbformat.NotebookNode:
    """A notebook with a tagged parameters cell (``marker = ""``) and one code cell per source."""
    params = nbformat.v4.new_code_cell('marker = ""')
    params.metadata["tags"] = ["parameters"]
    return nbformat.v4.new_notebook(cells=[params, *(nbformat.v4.new_code_cell(s) for s in sources)])


def outputs(path: Path) -> list[str]:
    """The lines an executed notebook printed, in order."""
    nb = nbformat.read(path, as_version=4)
    text = "".join(o["text"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("name") == "stdout")
    return text.splitlines()


@pytest.mark.slow
def test_steps_share_a_kernel_but_never_its_state(tmp_path):
    dirty = notebook(
        "import os, matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "leftover = 41\nplt.figure()\nos.makedirs('elsewhere', exist_ok=True)\nos.chdir('elsewhere')\nprint(os.getpid())"
    )
    clean = notebook(
        "import os, matplotlib.pyplot as plt\n"
        "print('leftover' in globals(), 'plt' in dir(), len(plt.get_fignums()), os.getcwd(), os.getpid())"
    )
    with WarmKernel(tmp_path / "kernel.log", cwd=tmp_path) as kernel:
        execute(dirty, tmp_path / "a.ipynb", {"marker": "a"}, kernel, timeout=60)
        execute(clean, tmp_path / "b.ipynb", {"marker": "b"}, kernel, timeout=60)
        assert kernel.starts == 1
    [pid] = outputs(tmp_path / "a.ipynb")
    [seen] = outputs(tmp_path / "b.ipynb")
    # no leftover name, plt only from b's own import, no open figure, back in the starting folder, same process
    assert seen == f"False True 0 {tmp_path} {pid}"
    b = nbformat.read(tmp_path / "b.ipynb", as_version=4)
    assert [c.execution_count for c in b.cells if c.cell_type == "code"] == [1, 2, 3]  # injected parameters, then ours
    assert kernel.km is None and not list(Path("/tmp").glob(f"{Path(tmp_path).name}*"))


@pytest.mark.slow
def test_a_failing_cell_keeps_the_kernel_and_a_timeout_replaces_it(tmp_path):
    with WarmKernel(cwd=tmp_path) as kernel:
        with pytest.raises(PapermillExecutionError):
            execute(notebook("raise ValueError('planted')"), tmp_path / "fail.ipynb", {}, kernel, timeout=60)
        assert kernel.starts == 1 and kernel.km is not None
        process = kernel.km.provisioner.process
        with pytest.raises(Exception) as info:
            execute(notebook("import time\ntime.sleep(60)"), tmp_path / "slow.ipynb", {}, kernel, timeout=2)
        assert not isinstance(info.value, PapermillExecutionError)
        assert kernel.km is None and process.poll() is not None  # the busy kernel is gone
        execute(notebook("print(os.getpid() if 'os' in dir() else 'fresh')"), tmp_path / "next.ipynb", {}, kernel, timeout=60)
        assert kernel.starts == 2 and outputs(tmp_path / "next.ipynb") == ["fresh"]
    assert os.getcwd() != str(tmp_path)


def test_a_kernel_started_early_has_imported_the_steps_modules_and_leaves_no_name_or_spool(tmp_path, monkeypatch):
    import tempfile

    spools = Path(tempfile.mkdtemp(prefix="ak-"))  # short: an IPC socket path holds at most 107 bytes
    monkeypatch.setattr(tempfile, "tempdir", str(spools))  # the kernel's spool log and IPC sockets go here
    probe = notebook(
        "import sys\nprint(all(m in sys.modules for m in ('auditkit.step', 'matplotlib.pyplot', 'seaborn')),"
        " sorted(n for n in globals() if 'ak' in n.lower()), get_ipython().history_manager.hist_file)"
    )
    from jupyter_client.asynchronous.client import AsyncKernelClient

    async def listens_a_fifth_of_a_second(*args, **kwargs):  # jupyter_client's wait: the kit waits its own way
        raise AssertionError("jupyter_client's wait for the kernel was used")

    monkeypatch.setattr(AsyncKernelClient, "_async_wait_for_ready", listens_a_fifth_of_a_second)
    kernel = WarmKernel(cwd=tmp_path).start()  # before the run folder exists: no log yet
    assert [p.name for p in spools.glob("auditkit-kernel-*.log")]
    kernel.log = tmp_path / "run" / "logs" / "kernel.log"  # the run folder now exists
    execute(probe, tmp_path / "p.ipynb", {"marker": "p"}, kernel, timeout=60)
    kernel.discard()
    # imported as the kernel started, no name left behind; the history in memory, never a file other kernels write
    assert outputs(tmp_path / "p.ipynb") == ["True [] :memory:"]
    assert kernel.log.is_file() and not list(spools.iterdir())
    spools.rmdir()


@pytest.mark.slow
def test_steps_share_one_ready_client_and_never_each_others_output(tmp_path):
    # a step whose thread prints once the step is done, while the kernel is idle, then another step: the second
    # step's notebook holds only its own output, although the late message waits in the one client the
    # kernel keeps for every step (a step's messages are told apart by their parent's id)
    late = notebook("import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.5), print('late'))).start()\nprint('first')")
    second = notebook("print('second')")
    with WarmKernel(cwd=tmp_path) as kernel:
        made = []
        execute(late, tmp_path / "a.ipynb", {}, kernel, timeout=60)
        time.sleep(1.5)  # the late line is printed while no step runs
        client = kernel.client()
        original = kernel.km.client
        kernel.km.client = lambda *a, **k: made.append(1) or original(*a, **k)
        execute(second, tmp_path / "b.ipynb", {}, kernel, timeout=60)
        assert kernel.client() is client and made == []  # no new client, so no wait for the kernel to be ready
    assert outputs(tmp_path / "a.ipynb") == ["first"]
    assert outputs(tmp_path / "b.ipynb") == ["second"]
    assert kernel.km is None


@pytest.mark.slow
def test_a_steps_cyclic_garbage_is_collected_although_what_outlives_the_reset_is_frozen(tmp_path):
    # the first step leaves a reference cycle behind, watched through a weak reference kept on a module
    first = notebook(
        "import sys, weakref\nclass Node: pass\nnode = Node()\nnode.me = node\nsys.modules['weakref'].ak_probe = weakref.ref(node)"
    )
    second = notebook("import gc, weakref\nprint(weakref.ak_probe() is None, gc.get_freeze_count() > 0)")
    with WarmKernel(cwd=tmp_path) as kernel:
        execute(first, tmp_path / "a.ipynb", {}, kernel, timeout=60)
        execute(second, tmp_path / "b.ipynb", {}, kernel, timeout=60)
    assert outputs(tmp_path / "b.ipynb") == ["True True"]  # the cycle was collected; the survivors were frozen
