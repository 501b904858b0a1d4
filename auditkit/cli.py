"""The ``auditkit`` command: parse, call the library, turn errors into messages.

Every command runs inside one error boundary: an :class:`AuditkitError` (a
user's mistake: bad params, missing file or column) prints its message and
exits with code 2; set ``AUDITKIT_DEBUG=1`` to see the traceback instead.
Library modules are imported inside the commands to keep start-up fast.
"""

from __future__ import annotations

import os
import sys
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import click

from .errors import AuditkitError

EXIT_USER_ERROR = 2
EXIT_STEP_FAILED = 1


def _boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AuditkitError as err:
            if os.environ.get("AUDITKIT_DEBUG"):
                raise
            click.secho("Error: ", fg="red", bold=True, err=True, nl=False)
            click.echo(str(err), err=True)
            sys.exit(EXIT_USER_ERROR)
        except OSError as err:  # a folder that cannot be written, a file that cannot be read
            if os.environ.get("AUDITKIT_DEBUG"):
                raise
            where = f"{err.filename}: " if err.filename else ""
            click.secho("Error: ", fg="red", bold=True, err=True, nl=False)
            click.echo(f"{where}{err.strerror or err}. Check the path and its permissions.", err=True)
            sys.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="auditkit")
def main() -> None:
    """auditkit: a repeatable, readable audit of a sales department."""


@main.command()
@click.argument("params_file", type=click.Path(path_type=Path))
@_boundary
def validate(params_file: Path) -> None:
    """Check a client's params file and data: keys, files, columns, data quality."""
    from .io.load import load, preflight
    from .params import load_params
    from .quality import issues_frame

    params = load_params(params_file)
    preflight(params)
    data = load(params)
    click.echo(f"{params_file}: params valid for {params.client.name} ({params.period.start} to {params.period.end}).")
    inv = data.inventory()
    for row in inv[inv["status"] == "loaded"].itertuples():
        click.echo(f"  {row.table:<14} {row.rows:>9,} rows  {row.file}")
    issues = issues_frame(data.issues)
    if issues.empty:
        click.echo("No data-quality issues.")
    else:
        click.echo(f"{len(issues)} kinds of data-quality issue ({int(issues['count'].sum()):,} rows); bad values are set aside, not used:")
        for row in issues.itertuples():
            click.echo(f"  [{row.level}] {row.table}.{row.column or '*'} {row.check}: {row.count} (rows {row.rows})")


@main.command()
@click.argument("params_file", type=click.Path(path_type=Path))
@click.option("--outputs", "outputs", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True, help="Folder that receives <client>/<run-id>/.")
@click.option("--steps", default="", help="Comma-separated steps to run (e.g. 02,03); default all.")
@_boundary
def run(params_file: Path, outputs: Path, steps: str) -> None:
    """Run the audit for one client and write HTML reports to a new run folder."""
    from .runner import run as run_audit

    def progress(step: Any) -> None:
        if step.status != "ok":
            mark = click.style(step.status, fg="red", bold=True)
        else:
            mark = click.style("ok", fg="green") + (" (not built yet)" if step.planned else "")
        click.echo(f"  {step.name:<18} {mark:<6} {step.seconds:6.1f} s" + (f"  {step.error}" if step.error else ""))

    chosen = [s.strip() for s in steps.split(",") if s.strip()]
    click.echo(f"Running {params_file} ...")
    result = run_audit(params_file, outputs, chosen or None, on_step=progress)
    click.echo(f"Report: {result.index}")
    if not result.ok:
        failed = [s.name for s in result.steps if s.status != "ok"]
        click.secho(f"{len(failed)} step(s) failed: {', '.join(failed)}. See the report and manifest.json.", fg="red", err=True)
        sys.exit(EXIT_STEP_FAILED)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("data/demo"), show_default=True, help="Folder for the demo client's files.")
@click.option("--seed", type=int, default=None, help="Random seed (default: the demo's own).")
@click.option("--force", is_flag=True, help="Regenerate even when the folder already holds this demo.")
@_boundary
def demo(out: Path, seed: int | None, force: bool) -> None:
    """Generate the demo client's data (deterministic, with planted problems in truth.json)."""
    from .demo import DEMO_SEED, demo_is_current, generate_demo

    seed = DEMO_SEED if seed is None else seed
    if not force and demo_is_current(out, seed):
        click.echo(f"{out}: demo data is up to date (seed {seed}).")
        return
    truth = generate_demo(out, seed)
    counts = ", ".join(f"{k} {v:,}" for k, v in truth["counts"].items())
    click.echo(f"{out}: demo client written (seed {seed}): {counts}.")
    click.echo(f"Planted problems: {len(truth['planted'])} (see {out / 'truth.json'}). Next: auditkit run params/demo.yaml")


if __name__ == "__main__":  # pragma: no cover
    main()
