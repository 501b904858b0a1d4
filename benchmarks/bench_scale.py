"""A large client: loading, then each step's work, beside the time pyarrow takes merely to read the files.

    .venv/bin/python benchmarks/bench_scale.py [--scale 165] [--steps 02,03,04,05,06]

The client is the demo generator scaled by ``--scale`` (``auditkit demo --scale``): 165 gives about 1M deals,
4M stage entries, 30M activities and 2.7M leads; 10 gives a 60k-deal client in a minute. Its files are
written once under ``benchmarks/.data/scale-<scale>/`` (ignored by git, never committed) and reused while
the generator is unchanged. Prints, for one round, each phase's wall seconds and the peak memory (RSS) of
the process it ran in (nothing is asserted):

- **floor**: pyarrow reading every data file (its CSV reader, or Parquet; the one small Excel file with
  openpyxl), in a new process, after every file was read once so that the floor and the load both find
  them in the system's file cache: the I/O floor loading is compared with;
- **load**: building the audit frame as a run does (``build_frame(params, activities="summary")``: read, map,
  parse, check, scope; a large Parquet export of activities read in parts and summarised, its rows not kept)
  in a new process, then writing the run's clean cache (``frame.save``) and its size on disk;
- **step NN**: each step notebook's code executed non-interactively on that clean cache, one after the
  other in one new process, as the run's warm kernel executes them (the frame read and scoped by the first
  step that reads it, the namespace cleared and figures closed between steps; no kernel, no HTML export);
  the interpreter's start and the imports the run's warm kernel makes before any step (pandas, pyplot,
  seaborn, auditkit.step) are left out of the seconds, not of the memory, and each step's peak is the
  process's so far;
- the ratios load / floor and (load + steps) against the issue's targets (30 s and 4 GB at 1M deals).

Step 7 reads the findings of the others and is run last when all are chosen.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _common import ROOT, machine_line, measured

PY = sys.executable
DATA = ROOT / "benchmarks" / ".data"

FLOOR = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    t0 = time.perf_counter()
    import pyarrow.csv as pc, pyarrow.parquet as pq, openpyxl
    folder, delimiters = Path(sys.argv[1]), json.loads(sys.argv[2])
    rows = {}
    t1 = time.perf_counter()
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            table = pc.read_csv(path, parse_options=pc.ParseOptions(delimiter=delimiters.get(path.name, ","), newlines_in_values=True))
            rows[path.name] = table.num_rows
        elif path.suffix == ".parquet":
            rows[path.name] = pq.read_table(path).num_rows
        elif path.suffix == ".xlsx":
            rows[path.name] = sum(1 for _ in openpyxl.load_workbook(path, read_only=True).active.iter_rows()) - 1
    Path(sys.argv[-1]).write_text(json.dumps({"seconds": time.perf_counter() - t1, "rows": rows}))
    """
)

LOAD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from auditkit import load_params
    from auditkit.frame import build_frame
    params, run_dir = load_params(sys.argv[1]), Path(sys.argv[2])
    t0 = time.perf_counter()
    frame = build_frame(params, activities="summary")
    _ = frame.deals  # scoped to the period, as a run does before it starts
    t1 = time.perf_counter()
    frame.save(run_dir)
    t2 = time.perf_counter()
    result = {"load": t1 - t0, "save": t2 - t1, "rows": frame.data.rows()}
    Path(sys.argv[-1]).write_text(json.dumps(result))
    """
)

STEPS_SCRIPT = textwrap.dedent(
    """
    import contextlib, gc, io, json, resource, sys, time
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat
    params_path, run_dir, notebooks = sys.argv[1], sys.argv[2], sys.argv[3:-1]
    import pandas, auditkit.step, seaborn  # imports are not the steps' work: the run's warm kernel makes them first
    result = {}
    for notebook in notebooks:
        nb = nbformat.read(notebook, as_version=4)
        cells = [c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
        scope = {"params_path": params_path, "run_dir": run_dir, "interactive": False, "display": lambda *a, **k: None}
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            for source in cells:
                exec(compile(source, notebook, "exec"), scope)
        seconds = time.perf_counter() - t0
        del scope  # what the kernel's reset does between steps
        plt.close("all")
        gc.collect()
        result[notebook] = [seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9]  # KiB to GB
    open(sys.argv[-1], "w").write(json.dumps(result))
    """
)


def ensure_client(scale: float) -> tuple[Path, Path]:
    """The scaled demo's data folder and a params file reading it, generated when missing."""
    from auditkit.demo import demo_is_current, write_demo_params

    folder = DATA / f"scale-{scale:g}"
    params = DATA / f"scale-{scale:g}.yaml"
    if not demo_is_current(folder, scale=scale):
        print(f"generating the demo at scale {scale:g} into {folder} (once; reused afterwards) ...", file=sys.stderr)
        t0 = time.perf_counter()
        auditkit = str(Path(PY).parent / "auditkit")  # as a user would, and its memory is returned when it ends
        subprocess.run([auditkit, "demo", "--out", str(folder), "--scale", f"{scale:g}"], check=True, stdout=sys.stderr)
        print(f"  generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if not params.is_file():
        write_demo_params(params, folder)
        text = params.read_text(encoding="utf-8").replace("slug: demo", f"slug: demo-scale-{scale:g}")
        params.write_text(text, encoding="utf-8")
    return folder, params


def child(script: str, *args: str) -> tuple[dict, float, float]:
    """Run ``script`` in a new process (its last argument: where it writes its JSON result); returns
    (that result, wall seconds, peak GB of the process)."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-child-") as tmp:
        path, out = Path(tmp) / "child.py", Path(tmp) / "result.json"
        path.write_text(script, encoding="utf-8")
        wall, peak = measured([PY, str(path), *args, str(out)], ok=(0,))
        return json.loads(out.read_text(encoding="utf-8")), wall, peak


def warm(folder: Path) -> None:
    """Read every data file once, so that the floor and the load both find them in the system's file cache
    (the floor reads first: after other work had pushed the files out, it read them from disk, 14.3 s
    against 7.9 s, and flattered the ratio)."""
    for path in sorted(folder.iterdir()):
        if path.is_file():
            with path.open("rb") as fh:
                while fh.read(1 << 24):
                    pass


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=165.0, help="demo scale (default 165: about 1M deals)")
    parser.add_argument("--steps", default="02,03,04,05,06,07", help="steps to time after loading (default 02-07)")
    args = parser.parse_args()
    from auditkit.runner import notebooks_dir
    from auditkit.steps import STEPS

    folder, params = ensure_client(args.scale)
    chosen = [s for s in STEPS if s[:2] in args.steps.split(",") and STEPS[s].built]
    delimiters = {"deals.csv": ";"}
    warm(folder)
    floor, floor_wall, floor_peak = child(FLOOR, str(folder), json.dumps(delimiters))
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        run_dir = Path(tmp) / "run"
        run_dir.mkdir()
        loaded, _, load_peak = child(LOAD, str(params), str(run_dir))
        cache_mb = folder_mb(run_dir / "clean")
        paths = {name: str(notebooks_dir() / f"{name}.ipynb") for name in chosen}
        got, _, steps_peak = child(STEPS_SCRIPT, str(params), str(run_dir), *paths.values())
        steps = {name: tuple(got[path]) for name, path in paths.items()}
        run_mb = folder_mb(run_dir)
    rows = loaded["rows"]
    print(machine_line(1))
    print(f"client: demo at scale {args.scale:g}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items() if v >= 1000)
          + f"; data files {folder_mb(folder):,.0f} MB")
    print(f"{'':44}{'seconds':>9}{'peak GB':>9}  (steps: the process's peak so far)")
    print(f"{'floor: pyarrow reads every file':44}{floor['seconds']:9.1f}{floor_peak:9.2f}")
    print(f"{'load: build and scope the audit frame':44}{loaded['load']:9.1f}{load_peak:9.2f}")
    print(f"{'save the clean cache (' + format(cache_mb, ',.0f') + ' MB)':44}{loaded['save']:9.1f}")
    for name, (seconds, peak) in steps.items():
        print(f"{'step ' + name:44}{seconds:9.1f}{peak:9.2f}")
    total = loaded["load"] + sum(s for s, _ in steps.values())
    peak_all = max(load_peak, steps_peak)
    print(f"{'ratio load / floor':44}{loaded['load'] / floor['seconds']:9.1f}")
    print(f"{'load + steps (target at 1M deals: 30 s, 4 GB)':44}{total:9.1f}{peak_all:9.2f}")
    print(f"run folder without HTML: {run_mb:,.0f} MB (target at 1M deals: under 100 MB)")


if __name__ == "__main__":
    main()
