"""The demo audit end to end against the papermill floor, and one warm kernel against one kernel per step.

    .venv/bin/python benchmarks/bench_run.py [--repeat 3]

Prints, as the median of ``--repeat`` rounds taken side by side in this run (nothing is asserted):

- **run**: ``auditkit run params/demo.yaml`` as a user runs it (a new process), wall time and the peak
  memory of its process tree (the command and its kernel, sampled every 50 ms); the same with
  ``--jobs 2`` (steps 1 to 6 two at a time, in two kernels);
- **floor**: papermill plus nbconvert's HTML export over as many empty parameterised notebooks as the
  run has steps, each in a kernel of its own as papermill does, in a new process of the same environment,
  measured right before the run in each round; the ratio of the medians, and the median of each round's
  ratio with the rounds themselves (the machine's speed drifts, and a round's two figures share it);
- **kernels**: the seven step notebooks executed on one run's frame, in one warm kernel reset between
  steps (what the runner does) and in a new kernel per step, without the HTML export;
- **per step**: a new kernel's start until it is ready (it imports ``auditkit.step``, pyplot and seaborn as it
  starts, see ``auditkit.kernel.PREIMPORT``), then the imports of the step's first cell in it: the fixed cost of a
  step in a kernel of its own.

The demo data is generated first if missing (``auditkit demo``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _common import ROOT, machine_line, measured
PY = sys.executable

FLOOR = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import nbformat, papermill as pm
    from nbconvert import HTMLExporter
    folder, n = Path(sys.argv[1]), int(sys.argv[2])
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell('params_path = ""')
        cell.metadata["tags"] = ["parameters"]
        nb.cells = [cell, nbformat.v4.new_code_cell("1 + 1")]
        nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
        out = folder / f"{i}.ipynb"
        pm.execute_notebook(nb, str(out), parameters={"params_path": "x"}, progress_bar=False, kernel_name="python3")
        body, _ = HTMLExporter().from_filename(str(out))
        (folder / f"{i}.html").write_text(body, encoding="utf-8")
    """
)


def kernels(run_dir: Path, steps: list[str]) -> tuple[float, float]:
    """Seconds to execute ``steps`` on ``run_dir``'s frame: (one warm kernel, a new kernel per step)."""
    import nbformat

    from auditkit.kernel import WarmKernel, execute
    from auditkit.runner import notebooks_dir

    params = {"params_path": str(ROOT / "params" / "demo.yaml"), "run_dir": str(run_dir), "interactive": False}
    out = Path(tempfile.mkdtemp(prefix="bench-kernels-"))
    sources = {s: nbformat.read(str(notebooks_dir() / f"{s}.ipynb"), as_version=4) for s in steps}
    t0 = time.perf_counter()
    with WarmKernel(cwd=out) as kernel:
        for s in steps:
            execute(sources[s], out / f"warm-{s}.ipynb", params, kernel, 900)
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in steps:
        with WarmKernel(cwd=out) as kernel:
            execute(sources[s], out / f"cold-{s}.ipynb", params, kernel, 900)
    return warm, time.perf_counter() - t0


def start_and_imports(steps: list[str]) -> dict[str, tuple[float, float]]:
    """Per step: seconds for a new kernel to start and be ready, and for the step's own imports in it."""
    import nbformat
    from jupyter_core.utils import run_sync

    from auditkit.kernel import WarmKernel
    from auditkit.runner import notebooks_dir

    out = {}
    for s in steps:
        nb = nbformat.read(str(notebooks_dir() / f"{s}.ipynb"), as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
        imports = "\n".join(line for line in code[0].splitlines() if line.startswith(("import ", "from ")))
        with WarmKernel(cwd=Path(tempfile.gettempdir())) as kernel:
            t0 = time.perf_counter()
            kc = kernel.manager().client()
            kc.start_channels()
            run_sync(kc._async_wait_for_ready)(timeout=120)
            ready = time.perf_counter() - t0
            t0 = time.perf_counter()
            reply = run_sync(kc._async_execute_interactive)(imports, silent=True, store_history=False, timeout=120, output_hook=lambda m: None)
            assert reply["content"]["status"] == "ok", reply["content"]
            out[s] = (ready, time.perf_counter() - t0)
            kc.stop_channels()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from auditkit.demo import demo_is_current, generate_demo
    from auditkit.steps import STEPS

    if not demo_is_current(ROOT / "data" / "demo"):
        generate_demo(ROOT / "data" / "demo")
    steps = [s for s, spec in STEPS.items() if spec.built]
    auditkit = str(Path(PY).parent / "auditkit")
    runs, floors, warm, cold, peaks, floor_peaks, runs2, peaks2 = [], [], [], [], [], [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
            # the floor and the run one right after the other: the machine's speed drifts over a round's minute
            floor_dir = Path(tmp) / "floor"
            floor_dir.mkdir()
            script = Path(tmp) / "floor.py"
            script.write_text(FLOOR, encoding="utf-8")
            wall, peak = measured([PY, str(script), str(floor_dir), str(len(steps))])
            floors.append(wall)
            floor_peaks.append(peak)
            outputs = Path(tmp) / "outputs"
            wall, peak = measured([auditkit, "run", str(ROOT / "params" / "demo.yaml"), "--outputs", str(outputs)])
            runs.append(wall)
            peaks.append(peak)
            wall, peak = measured([auditkit, "run", str(ROOT / "params" / "demo.yaml"), "--outputs", str(Path(tmp) / "outputs-2"), "--jobs", "2"])
            runs2.append(wall)
            peaks2.append(peak)
            run_dir = next((outputs / "demo").iterdir())
            step_seconds = {s["name"]: s["seconds"] for s in json.loads((run_dir / "manifest.json").read_text())["steps"]}
            w, c = kernels(run_dir, steps)
            warm.append(w)
            cold.append(c)
    fixed = start_and_imports(steps)
    med = statistics.median
    print(machine_line(args.repeat))
    print(f"{'':34}{'seconds':>9}{'peak GB':>9}")
    print(f"{'auditkit run (demo, ' + str(len(steps)) + ' steps)':34}{med(runs):9.1f}{med(peaks):9.2f}")
    print(f"{'floor: papermill + nbconvert x ' + str(len(steps)):34}{med(floors):9.1f}{med(floor_peaks):9.2f}")
    print(f"{'ratio run / floor':34}{med(runs) / med(floors):9.2f}")
    print(f"{'median of each round ratio':34}{med(r / f for r, f in zip(runs, floors)):9.2f}"
          f"   (rounds, run / floor: {', '.join(f'{r:.1f} / {f:.1f}' for r, f in zip(runs, floors))})")
    print(f"{'auditkit run --jobs 2':34}{med(runs2):9.1f}{med(peaks2):9.2f}")
    print(f"{'ratio run --jobs 2 / floor':34}{med(runs2) / med(floors):9.2f}")
    print(f"{'steps in one warm kernel':34}{med(warm):9.1f}")
    print(f"{'steps in a new kernel each':34}{med(cold):9.1f}")
    print(f"{'ratio new kernel each / warm':34}{med(cold) / med(warm):9.2f}")
    print("last run's steps (seconds, HTML export included): " + ", ".join(f"{k} {v}" for k, v in step_seconds.items()))
    print("a new kernel per step, once (seconds: start until ready, then the step's own imports): "
          + ", ".join(f"{k} {a:.2f} + {b:.2f}" for k, (a, b) in fixed.items()))


if __name__ == "__main__":
    main()
