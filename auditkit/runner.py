"""Running an audit: the step notebooks in order under papermill, each
rendered to HTML, into a new run folder ``outputs/<client>/<run-id>/``.

A run never overwrites an earlier one (the folder is created exclusively),
never writes outside its folder, and records a manifest (params and input
hashes, package versions, per-step status and duration). A failing step is
recorded with its error and the remaining steps still run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from .errors import RunError
from .io.load import preflight
from .io.readers import file_sha256
from .params import AuditParams, load_params, params_hash

STEPS: tuple[str, ...] = (
    "01_goals",
    "02_data",
    "03_process",
    "04_people",
    "05_technology",
    "06_communication",
    "07_plan",
)
STEP_TIMEOUT_S = 900
VERSIONS = ("auditkit", "pandas", "numpy", "papermill", "nbconvert", "nbclient", "seaborn", "matplotlib", "scipy", "pyarrow")


def notebooks_dir() -> Path:
    """The step notebooks: ``AUDITKIT_NOTEBOOKS`` if set, else the repository's notebooks/ folder."""
    env = os.environ.get("AUDITKIT_NOTEBOOKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "notebooks"


@dataclass
class StepResult:
    name: str
    status: str = "pending"  # pending, ok, failed
    seconds: float = 0.0
    planned: bool = False  # the step's notebook says it is not built yet
    error: str | None = None
    notebook: str | None = None
    html: str | None = None


@dataclass
class RunResult:
    run_dir: Path
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.status == "ok" for s in self.steps)

    @property
    def index(self) -> Path:
        return self.run_dir / "html" / "index.html"


def new_run_dir(root: Path, slug: str, now: dt.datetime | None = None) -> Path:
    """Create and return a fresh ``root/slug/<UTC timestamp>[-n]`` folder; never reuses one."""
    now = now or dt.datetime.now(dt.timezone.utc)
    base = root / slug
    base.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 1000):
        candidate = base / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise RunError(f"{base}: could not create a new run folder for {stamp}; clean up old runs.")


def _kernel_manager_class():  # type: ignore[no-untyped-def]
    """A kernel manager that starts the kernel in this very Python environment.

    A user-level ``python3`` kernelspec may point at another interpreter; the
    steps must run with the auditkit the command runs with. IPC transport
    avoids TCP port races when several kernels start at once.
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class EnvKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(Path(tempfile.gettempdir()) / f"auditkit-kernel-{uuid.uuid4().hex}")

        @property
        def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    display_name=f"Python ({sys.prefix})",
                    language="python",
                )
            return self._kernel_spec

    return EnvKernelManager


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in VERSIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _write_manifest(run_dir: Path, manifest: dict) -> None:
    tmp = run_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(run_dir / "manifest.json")


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        return f"{ename}: {getattr(exc, 'evalue', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def run_step(name: str, params: AuditParams, run_dir: Path, notebooks: Path) -> StepResult:
    """Execute one step notebook into ``run_dir`` and render its HTML; never raises for a failing notebook."""
    import papermill as pm

    from .report.html import export_html
    from .report.text import t

    import nbformat

    source = nbformat.read(str(notebooks / f"{name}.ipynb"), as_version=4)
    result = StepResult(name, planned=bool(source.metadata.get("auditkit", {}).get("planned")))
    out_nb = run_dir / f"{name}.ipynb"
    started = time.perf_counter()
    try:
        pm.execute_notebook(
            source,
            str(out_nb),
            parameters={"params_path": str(params.source_path), "run_dir": str(run_dir), "interactive": False},
            kernel_name="python3",
            kernel_manager_class=_kernel_manager_class(),
            progress_bar=False,
            execution_timeout=STEP_TIMEOUT_S,
            log_output=False,
        )
        result.status = "ok"
    except Exception as exc:  # a failing step is recorded, the run goes on
        result.status = "failed"
        result.error = _error_text(exc)
    result.notebook = out_nb.name if out_nb.exists() else None
    if out_nb.exists():
        try:
            html_path = export_html(out_nb, run_dir / "html" / f"{name}.html", t("step." + name[:2], params.language))
            result.html = str(html_path.relative_to(run_dir))
        except Exception as exc:
            result.status = "failed"
            result.error = (result.error + "; " if result.error else "") + f"HTML export failed: {_error_text(exc)}"
    result.seconds = round(time.perf_counter() - started, 2)
    return result


def run(
    params_path: Path | str,
    outputs: Path | str = "outputs",
    steps: list[str] | None = None,
    on_step: Callable[[StepResult], None] | None = None,
) -> RunResult:
    """Run the audit for one client; returns the run folder and each step's result.

    Raises ParamsError/DataError before anything runs when the params or the
    data files are unusable; after that, failures are recorded per step.
    """
    from .report.html import run_index
    from .report.text import t

    params = load_params(params_path)
    preflight(params)
    chosen = list(STEPS) if not steps else [s for s in STEPS if s in steps or s[:2] in steps]
    if steps and not chosen:
        raise RunError(f"no step matches {steps}; steps are {', '.join(STEPS)} (or their numbers, e.g. 02).")
    notebooks = notebooks_dir()
    missing = [s for s in chosen if not (notebooks / f"{s}.ipynb").is_file()]
    if missing:
        raise RunError(f"{notebooks}: step notebooks not found: {', '.join(missing)}. Set AUDITKIT_NOTEBOOKS to the notebooks folder.")

    assert params.source_path is not None  # set by load_params
    run_dir = new_run_dir(Path(outputs).resolve(), params.client.slug)
    manifest: dict[str, Any] = {
        "client": params.client.name,
        "slug": params.client.slug,
        "run_id": run_dir.name,
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "params_file": str(params.source_path),
        "params_sha256": params_hash(params.source_path),
        "params": params.model_dump(mode="json"),
        "inputs": {name: {"path": str(params.table_path(name)), "sha256": file_sha256(params.table_path(name))} for name in params.data.tables},
        "versions": _versions(),
        "steps": [],
        "status": "running",
    }
    _write_manifest(run_dir, manifest)
    result = RunResult(run_dir)
    for name in chosen:
        step = run_step(name, params, run_dir, notebooks)
        result.steps.append(step)
        manifest["steps"].append(step.__dict__)
        _write_manifest(run_dir, manifest)
        if on_step:
            on_step(step)
    manifest["status"] = "ok" if result.ok else "failed"
    manifest["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    _write_manifest(run_dir, manifest)
    result.index.parent.mkdir(exist_ok=True)
    run_index(
        f"{params.client.name}: audit run {run_dir.name}",
        [dict(s.__dict__, title=t("step." + s.name[:2], params.language)) for s in result.steps],
        result.index,
    )
    return result
