"""The ``auditkit`` command: parse, call the library, turn errors into messages.

Every command runs inside one error boundary: an :class:`AuditkitError` (a
user's mistake: bad params, missing file or column) prints its message and
exits with code 2; set ``AUDITKIT_DEBUG=1`` to see the traceback instead.
Library modules are imported inside the commands to keep start-up fast.

Exit codes: 0 every step that ran is ok (steps not built yet say so); 1 a step
failed; 2 the params or data cannot be used (nothing ran); 3 no step failed
but the data was insufficient for at least one (its page says why); 130 the
run was interrupted (Ctrl-C or SIGTERM): its incomplete folder is kept and
marked ``interrupted`` in its manifest.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import click

from .errors import AuditkitError, RunInterrupted

EXIT_STEP_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INSUFFICIENT = 3
EXIT_INTERRUPTED = 130
STATUS_COLOURS = {"ok": "green", "insufficient": "yellow", "failed": "red", "not_built": "bright_black"}
STATUS_WORDS = {"ok": "ok", "insufficient": "insufficient data", "failed": "failed", "not_built": "not built yet"}


_CONTROL = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]")


def _plain(text: str) -> str:
    """``text`` without ANSI escape sequences or control characters (echoed client text cannot recolour
    or rewrite the terminal); newlines and tabs stay."""
    return _CONTROL.sub("", text)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        signal.signal(signal.SIGTERM, _terminate)  # SIGTERM ends a run the way Ctrl-C does
        try:
            return fn(*args, **kwargs)
        except RunInterrupted as err:
            click.secho("Interrupted: ", fg="yellow", bold=True, err=True, nl=False)
            click.echo(_plain(str(err)), err=True)
            sys.exit(EXIT_INTERRUPTED)
        except AuditkitError as err:
            if os.environ.get("AUDITKIT_DEBUG"):
                raise
            click.secho("Error: ", fg="red", bold=True, err=True, nl=False)
            click.echo(_plain(str(err)), err=True)
            sys.exit(EXIT_USER_ERROR)
        except OSError as err:  # a folder that cannot be written, a file that cannot be read
            if os.environ.get("AUDITKIT_DEBUG"):
                raise
            where = f"{err.filename}: " if err.filename else ""
            click.secho("Error: ", fg="red", bold=True, err=True, nl=False)
            click.echo(_plain(f"{where}{err.strerror or err}. Check the path and its permissions."), err=True)
            sys.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted before anything was written.", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="auditkit")
def main() -> None:
    """auditkit: a repeatable, readable audit of a sales department."""


@main.command()
@click.argument("params_file", type=click.Path(path_type=Path))
@_boundary
def validate(params_file: Path) -> None:
    """Check a client's params file and data: keys, files, columns, every value, and what each step can do.

    Exits 0 when every built step has the data it needs, 3 when some step's data is insufficient,
    2 when the params or a file cannot be used."""
    from .frame import build_frame
    from .io.load import preflight
    from .params import load_params
    from .quality import issues_frame
    from .schema import SPECS
    from .steps import STEPS, sufficiency

    params = load_params(params_file)
    preflight(params)
    frame = build_frame(params, activities="summary")  # what a run reads: a large activities export in parts
    data = frame.data
    click.echo(f"{params_file}: params valid for {params.client.name} ({params.period.start} to {params.period.end}).")
    inv = data.inventory()
    for row in inv[inv["status"] == "loaded"].itertuples():
        click.echo(f"  {row.table:<14} {row.rows:>9,} rows  {row.file}")
    for table, source in data.sources.items():  # an export may lack an expected column: say what that costs
        present = source.get("columns_present")
        if present is None or table not in SPECS:
            continue
        for col in SPECS[table].columns:
            if col.expected and col.name not in present:
                click.echo(f"  {table}: the export has no {col.name} column; every figure that needs it will say it is not available.")
    issues = issues_frame(data.issues)
    if issues.empty:
        click.echo("No data-quality issues.")
    else:
        click.echo(f"{len(issues)} kinds of data-quality issue ({int(issues['count'].sum()):,} rows); bad values are set aside, not used:")
        for row in issues.itertuples():
            click.echo(f"  [{row.level}] {row.table}.{row.column or '*'} {row.check}: {row.count} (rows {row.rows})")
            click.echo(f"      {_plain(str(row.message))}")
    short = False
    click.echo("Steps:")
    for name, spec in STEPS.items():
        reasons = sufficiency(frame, name) if spec.built else []
        status = "not_built" if not spec.built else ("insufficient" if reasons else "ok")
        short |= status == "insufficient"
        click.echo(f"  {name:<18} " + click.style(STATUS_WORDS[status], fg=STATUS_COLOURS[status]))
        for reason in reasons:
            click.echo(f"      {reason}")
    if short:
        click.secho("Some steps cannot run on this data; fix the columns named above (see docs/params.md).", fg="yellow", err=True)
        sys.exit(EXIT_INSUFFICIENT)


@main.command()
@click.argument("params_file", type=click.Path(path_type=Path))
@click.option("--outputs", "outputs", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True, help="Folder that receives <client>/<run-id>/.")
@click.option("--steps", default="", help="Comma-separated steps to run (e.g. 02,03); default all.")
@click.option("--from-run", "from_run", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None, help="Reuse an earlier run's data and findings (its inputs must be unchanged).")
@click.option("--anonymize", is_flag=True, help="Replace people, accounts and the client's name by stable pseudonyms (the key stays beside the params file).")
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 16), default=1, show_default=True,
    help="Steps 1 to 6 run this many at a time, each in a kernel of its own (2 on a two-core machine shortens the demo by about a fifth).",
)
@_boundary
def run(params_file: Path, outputs: Path, steps: str, from_run: Path | None, anonymize: bool, jobs: int) -> None:
    """Run the audit for one client and write HTML reports to a new run folder."""
    from .kernel import WarmKernel

    # the steps' kernel starts first, so that it imports pandas, matplotlib and seaborn while this process
    # imports the runner and reads the data (it is the last of the two to be ready); the run discards it
    kernel = None if anonymize else WarmKernel().start()
    try:
        from .runner import run as run_audit
    except BaseException:
        if kernel is not None:
            kernel.discard()
        raise

    def progress(step: Any) -> None:
        word = STATUS_WORDS.get(step.status, step.status)
        mark = click.style(f"{word:<17}", fg=STATUS_COLOURS.get(step.status, "red"), bold=step.status == "failed")
        click.echo(f"  {step.name:<18} {mark} {step.seconds:6.1f} s" + (f"  {step.error}" if step.error else ""))
        for reason in step.reasons:
            click.echo(f"      {reason}")

    chosen = [s.strip() for s in steps.split(",") if s.strip()]
    click.echo(f"Running {params_file} ...")
    result = run_audit(params_file, outputs, chosen or None, on_step=progress, from_run=from_run, anonymize=anonymize, jobs=jobs, kernel=kernel)
    click.echo(f"Report: {result.report}")
    click.echo(f"Steps:  {result.index}")
    if result.status == "failed":
        failed = [s.name for s in result.steps if s.status == "failed"]
        click.secho(f"{len(failed)} step(s) failed: {', '.join(failed)}. See the report and manifest.json.", fg="red", err=True)
        sys.exit(EXIT_STEP_FAILED)
    if result.status == "insufficient":
        short = [s.name for s in result.steps if s.status == "insufficient"]
        click.secho(f"{len(short)} step(s) had insufficient data: {', '.join(short)}. Their pages say why.", fg="yellow", err=True)
        sys.exit(EXIT_INSUFFICIENT)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--lang", "--language", "language", type=click.Choice(["en", "ru"]), default=None,
    help="Language of what is printed and of the snippet's report (default: ru when LANG starts with ru, else en; "
    "the snippet's report language then follows the files: ru when they hold Cyrillic).",
)
@_boundary
def inspect(files: tuple[Path, ...], language: str | None) -> None:
    """Look at unknown CRM exports: encoding, delimiter, dates, the profile that fits, unmapped
    columns, stage values, and a params snippet that reads them. The files are only read."""
    import os

    from .errors import DataError
    from .io.inspect import inspect_file, render

    missing = [f for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{missing[0]}: file not found. Pass the paths of the exported files.")
    lang = language or ("ru" if os.environ.get("LANG", "").lower().startswith("ru") else "en")
    reports = [inspect_file(f, language or lang) for f in files]
    click.echo(render(reports, language, lang))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--outputs", "outputs", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True, help="Folder that receives <client>/<run-id>/.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Clients audited at the same time.")
@click.option("--steps", default="", help="Comma-separated steps to run (e.g. 02,03); default all.")
@click.option("--force", is_flag=True, help="Run every step again, even when nothing changed since the last run.")
@click.option("--scheduler", default=None, help="Address of an existing Dask scheduler (tcp://host:8786): one task per client.")
@_boundary
def batch(paths: tuple[Path, ...], outputs: Path, jobs: int, steps: str, force: bool, scheduler: str | None) -> None:
    """Audit many clients: every params file named, or in the folders named (e.g. params/).

    One client's failure never stops the others; steps unchanged since a client's last run are reused.
    Exits 0 when every client is ok, 3 when the worst is insufficient data, 1 otherwise."""
    from .batch import batch as run_batch
    from .batch import client_labels, params_files

    files = params_files(paths)
    chosen = [s.strip() for s in steps.split(",") if s.strip()] or None
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        from .steps import STEPS

        per_client = len(chosen) if chosen else len(STEPS)
        bar = tqdm(total=len(files) * per_client, unit="step", desc="auditkit batch", file=sys.stderr)

    labels = client_labels(str(f.resolve()) for f in files)

    def on_event(event: dict[str, Any]) -> None:
        name = labels.get(event["params"], Path(event["params"]).stem)
        if event["kind"] == "step":
            word = STATUS_WORDS.get(event["status"], event["status"]) + (" (reused)" if event["reused"] else "")
            line = f"  {name:<20} {event['step']:<18} {word:<24} {event['seconds']:6.1f} s"
            if bar is not None:
                bar.set_postfix_str(f"{name} {event['step']}")
                bar.update(1)
            else:
                click.echo(line)
        else:
            mark = click.style(event["status"], fg=STATUS_COLOURS.get(event["status"], "red"))
            text = f"{name}: {mark} in {event['seconds']:.1f} s" + (f" - {_plain(event['error'])}" if event.get("error") else "")
            (bar.write if bar is not None else click.echo)(text)

    click.echo(f"Auditing {len(files)} client(s), {jobs} at a time ...")
    result = run_batch(files, outputs, jobs=jobs, steps=chosen, force=force, scheduler=scheduler, on_event=on_event)
    if bar is not None:
        bar.close()
    click.echo("")
    click.echo(f"{'client':<28} {'status':<14} {'time':>8} {'reused':>7}  report")
    for c in result.clients:
        report = str(Path(c.run_dir) / "report.html") if c.run_dir else _plain((c.error or "").splitlines()[0] if c.error else "")
        mark = click.style(f"{c.status:<14}", fg=STATUS_COLOURS.get(c.status, "red"))
        click.echo(f"{(c.client or labels.get(c.params, Path(c.params).stem))[:28]:<28} {mark} {c.seconds:7.1f}s {c.reused:>7}  {report}")
    click.echo(f"Index of every run: {Path(outputs).resolve() / 'index.html'}")
    if result.status == "failed":
        sys.exit(EXIT_STEP_FAILED)
    if result.status == "insufficient":
        sys.exit(EXIT_INSUFFICIENT)


@main.command()
@click.argument("params_file", type=click.Path(path_type=Path))
@click.option("--step", default="", help="The step notebook to open first (e.g. 03).")
@click.option("--into", type=click.Path(path_type=Path), default=Path("lab"), show_default=True, help="Folder for the working copies (one subfolder per client).")
@click.option("--prepare-only", is_flag=True, help="Write the working copy and stop (do not start JupyterLab).")
@_boundary
def lab(params_file: Path, step: str, into: Path, prepare_only: bool) -> None:
    """Open a client in JupyterLab on a working copy of the notebooks, its params filled in.

    The copy lives outside the tracked notebooks/ (in lab/<client>/), so the committed notebooks are never
    written to; an existing copy is kept, so an analyst's work survives."""
    import shutil
    import subprocess

    from .lab import working_copy

    folder, first = working_copy(params_file, into, step or None)
    click.echo(f"Working copy: {folder}")
    if prepare_only:
        return
    jupyter = shutil.which("jupyter-lab") or str(Path(sys.executable).parent / "jupyter-lab")
    if not Path(jupyter).exists():
        click.secho("JupyterLab is not installed: pip install -e '.[lab]' (or 'auditkit[lab]'), then run this again.", fg="red", err=True)
        sys.exit(EXIT_USER_ERROR)
    sys.exit(subprocess.call([jupyter, str(first)], cwd=folder))


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("data/demo"), show_default=True, help="Folder for the demo client's files.")
@click.option("--seed", type=int, default=None, help="Random seed (default: the demo's own).")
@click.option("--force", is_flag=True, help="Regenerate even when the folder already holds this demo.")
@click.option("--params", "params_out", type=click.Path(path_type=Path), default=None, help="Also write a params file that reads the demo (never overwrites one).")
@click.option(
    "--scale", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
    help="Multiply the leads and deals (and so the stage history and activities) by this, for benchmarks: "
    "165 gives about 1M deals, 0.05 (the least) about 330. The planted problems are checked at scale 1 only.",
)
@_boundary
def demo(out: Path, seed: int | None, force: bool, params_out: Path | None, scale: float) -> None:
    """Generate the demo client's data (deterministic, with planted problems in truth.json)."""
    from .demo import DEMO_SEED, demo_is_current, generate_demo, write_demo_params

    seed = DEMO_SEED if seed is None else seed
    if params_out is not None:
        write_demo_params(params_out, out)
        click.echo(f"{params_out}: params file for the demo written.")
    scaled = f", scale {scale:g}" if scale != 1 else ""
    if not force and demo_is_current(out, seed, scale):
        click.echo(f"{out}: demo data is up to date (seed {seed}{scaled}).")
        return
    truth = generate_demo(out, seed, scale)
    counts = ", ".join(f"{k} {v:,}" for k, v in truth["counts"].items())
    click.echo(f"{out}: demo client written (seed {seed}{scaled}): {counts}.")
    params = params_out if params_out is not None else Path("params") / "demo.yaml"
    click.echo(f"Planted problems: {len(truth['planted'])} (see {out / 'truth.json'}). Next: auditkit run {params}")


@main.command()
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True, help="Language of the comparison.")
@_boundary
def compare(run_a: Path, run_b: Path, lang: str) -> None:
    """Compare two runs of one client: every KPI, the maturity scores and the findings opened, closed or
    persisting. Prints the comparison and writes compare.md into the later run."""
    from .compare import compare_markdown, compare_runs, write_compare

    result = compare_runs(run_a, run_b, lang)
    click.echo(_plain(compare_markdown(result, lang)))
    click.echo(f"Written: {write_compare(result, lang)}")


@main.command()
@click.argument("params_file", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Folder for data-request.xlsx and .md (default: <params folder>/<params name>-data-request).")
@_boundary
def checklist(params_file: Path, out: Path | None) -> None:
    """Write the data-request checklist for a client (which tables and columns to send, and what is lost
    without each) as .xlsx and .md, from the params file alone: no data needs to exist yet."""
    from .charter import write_checklist
    from .params import load_params

    params = load_params(params_file, check_files=False)
    folder = out if out is not None else params_file.parent / f"{params_file.stem}-data-request"
    for path in write_checklist(params, folder):
        click.echo(f"Written: {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
