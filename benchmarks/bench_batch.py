"""A batch of demo-sized clients audited one at a time and two at a time, and the speedup.

    .venv/bin/python benchmarks/bench_batch.py [--clients 8] [--repeat 1] [--steps 02,03]

Writes ``--clients`` params files into a temporary folder, each a copy of the demo's params (reading the
same demo data) under its own client slug (``demo-1``, ``demo-2``, ...), then runs
``auditkit batch <folder> --outputs <fresh folder> --force --jobs 1`` and the same with ``--jobs 2`` as a
user runs it (a new process), with ``--steps`` passed through when given. Prints, as the median of
``--repeat`` rounds taken side by side in this run (nothing is asserted):

- per jobs setting: wall seconds, the peak memory of the batch's process tree in GB (the command, its
  worker processes and their kernels, sampled every 50 ms), and seconds per client;
- the speedup: seconds with ``--jobs 1`` / seconds with ``--jobs 2``.

A full round at 8 clients and every step takes several minutes. The demo data is generated first if
missing (``auditkit demo``). A batch that exits nonzero (any client not ok) stops the script with the
batch's stderr tail and a nonzero exit status.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

from _common import ROOT, machine_line, measured

PY = sys.executable
JOBS = (1, 2)


def write_clients(folder: Path, n: int, data_dir: Path) -> list[Path]:
    """Write ``n`` params files reading the demo data in ``data_dir``, slugs demo-1..demo-n; returns their paths."""
    from auditkit.demo import write_demo_params

    paths = []
    for i in range(1, n + 1):
        path = write_demo_params(folder / f"demo-{i}.yaml", data_dir)
        text, found = re.subn(r"(?m)^(  slug:) demo$", rf"\1 demo-{i}", path.read_text(encoding="utf-8"))
        if found != 1:
            raise SystemExit(f"{path}: no 'slug: demo' line in the demo params template to rename")
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="params files in the batch (default 8)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the median is printed (default 1)")
    parser.add_argument("--steps", help="passed to auditkit batch --steps (e.g. 02,03); default every step")
    args = parser.parse_args()
    from auditkit.demo import demo_is_current, generate_demo

    data_dir = ROOT / "data" / "demo"
    if not demo_is_current(data_dir):
        print("generating the demo data (auditkit demo) ...", file=sys.stderr)
        generate_demo(data_dir)
    auditkit = str(Path(PY).parent / "auditkit")
    walls: dict[int, list[float]] = {j: [] for j in JOBS}
    peaks: dict[int, list[float]] = {j: [] for j in JOBS}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        clients = Path(tmp) / "params"
        write_clients(clients, args.clients, data_dir)
        steps = ["--steps", args.steps] if args.steps else []
        for r in range(args.repeat):
            for jobs in JOBS:
                outputs = Path(tmp) / f"outputs-{r}-{jobs}"  # a fresh folder: nothing to reuse
                cmd = [auditkit, "batch", str(clients), "--outputs", str(outputs), "--jobs", str(jobs), "--force", *steps]
                print(f"round {r + 1}/{args.repeat}: {' '.join(cmd[1:])}", file=sys.stderr)
                wall, peak = measured(cmd, ok=(0,))
                walls[jobs].append(wall)
                peaks[jobs].append(peak)
    med = statistics.median
    what = f"steps {args.steps}" if args.steps else "every step"
    print(machine_line(args.repeat))
    print(f"auditkit batch: {args.clients} demo-sized clients, {what}, --force, fresh outputs folder each time")
    print(f"{'':22}{'seconds':>9}{'peak GB':>9}{'s/client':>10}")
    for jobs in JOBS:
        print(f"{'--jobs ' + str(jobs):22}{med(walls[jobs]):9.1f}{med(peaks[jobs]):9.2f}{med(walls[jobs]) / args.clients:10.1f}")
    print(f"{'speedup jobs 1 / 2':22}{med(walls[1]) / med(walls[2]):9.2f}")


if __name__ == "__main__":
    main()
