"""Running an audit: build the audit frame once, then the step notebooks in
order under papermill, each rendered to HTML, into a new run folder
``outputs/<client>/<run-id>/``.

Before anything is created, the params are validated and every data file is
read and parsed in full (the same checks as ``auditkit validate``). The frame
(params snapshot and clean tables) is written to ``clean/`` and every step
reads it from there, so the manifest's hashes describe exactly what the
report shows. A step whose essential columns the data cannot support ends
as *insufficient data* without running; a step not built yet as *not built*.

A run never overwrites an earlier one (the folder is created exclusively),
never writes outside its folder, and records a manifest (params and input
hashes, package versions, per-step status and duration). A failing step is
recorded with its error and the remaining steps still run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import RunError, RunInterrupted
from .io.load import preflight
from .kernel import WarmKernel, cleanup_kernels
from .io.readers import file_sha256
from .params import AuditParams, load_params
from .steps import STEPS as SPECS
from .steps import Status, step_names, sufficiency

STEPS: tuple[str, ...] = step_names()
STEP_TIMEOUT_S = 900
#: Seconds an interrupted run waits for the steps running beside each other (``--jobs``) to end once their
#: kernels are killed (each notices within a few seconds), so that each is recorded.
STOP_WAIT_S = 10
VERSIONS = ("auditkit", "pandas", "numpy", "papermill", "nbconvert", "nbclient", "seaborn", "matplotlib", "scipy", "pyarrow")


def notebooks_dir() -> Path:
    """The step notebooks: ``AUDITKIT_NOTEBOOKS`` if set; else the repository's notebooks/ folder (a
    checkout, an editable install); else the copy a wheel ships inside the package."""
    env = os.environ.get("AUDITKIT_NOTEBOOKS")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent / "notebooks"
    if (checkout / "01_goals.ipynb").is_file():
        return checkout
    from importlib import resources

    return Path(str(resources.files("auditkit").joinpath("notebooks")))


@dataclass
class StepResult:
    name: str
    status: Status | str = "pending"  # ok, insufficient, failed, not_built (see auditkit.steps)
    seconds: float = 0.0
    error: str | None = None
    reasons: list[str] = field(default_factory=list)
    notebook: str | None = None
    html: str | None = None
    fingerprint: str | None = None  # what the step's result depends on (see step_fingerprint)
    reused_from: str | None = None  # the earlier run whose result was reused, when nothing changed


@dataclass
class RunResult:
    run_dir: Path
    steps: list[StepResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        """"failed" if any step failed, else "insufficient" if any lacked data, else "ok" (not-built steps
        are reported as such and do not make a run fail)."""
        states = {s.status for s in self.steps}
        if "failed" in states:
            return "failed"
        if "insufficient" in states:
            return "insufficient"
        return "ok"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def index(self) -> Path:
        """The run's page of steps."""
        return self.run_dir / "html" / "index.html"

    @property
    def report(self) -> Path:
        """The combined report: summary first, then every step."""
        return self.run_dir / "report.html"


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


def partial_dir(final: Path) -> Path:
    """The hidden folder a run is written in, beside its final place (``.<run-id>.partial``)."""
    return final.parent / f".{final.name}.partial"


def _publish(work: Path, final: Path) -> Path:
    """Move a finished (or interrupted) run from its partial folder to its final place, which
    ``new_run_dir`` reserved empty; returns the final folder."""
    os.replace(work, final)
    return final


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


def run_step(
    name: str, params: AuditParams, run_dir: Path, notebooks: Path, kernel: WarmKernel, anonymous: bool = False,
) -> StepResult:
    """Execute one step notebook into ``run_dir`` and render its HTML; never raises for a failing notebook.

    The step runs in ``kernel``, the run's warm kernel, reset afterwards (see :mod:`auditkit.kernel`).
    ``anonymous`` passes relative parameters (the kernel runs inside the run folder) and strips papermill's
    paths from the executed notebook, so neither it nor the HTML carries an absolute path."""
    from . import kernel as kernels
    from .report.html import export_html
    from .report.text import t

    import nbformat

    result = StepResult(name)
    out_nb = run_dir / f"{name}.ipynb"
    started = time.perf_counter()
    try:
        source = nbformat.read(str(notebooks / f"{name}.ipynb"), as_version=4)
        kernels.execute(
            source,
            out_nb,
            {"params_path": "", "run_dir": ".", "interactive": False}
            if anonymous
            else {"params_path": str(params.source_path), "run_dir": str(run_dir), "interactive": False},
            kernel,
            STEP_TIMEOUT_S,
        )
        result.status = "ok"
    except Exception as exc:  # a failing step is recorded, the run goes on
        result.status = "failed"
        result.error = _error_text(exc)
    result.notebook = out_nb.name if out_nb.exists() else None
    if out_nb.exists() and anonymous:
        executed = nbformat.read(str(out_nb), as_version=4)
        executed.metadata.pop("papermill", None)
        nbformat.write(executed, str(out_nb))
    if out_nb.exists():
        try:
            html_path = export_html(out_nb, run_dir / "html" / f"{name}.html", t("step." + name[:2], params.language))
            result.html = str(html_path.relative_to(run_dir))
        except Exception as exc:
            result.status = "failed"
            result.error = (result.error + "; " if result.error else "") + f"HTML export failed: {_error_text(exc)}"
    result.seconds = round(time.perf_counter() - started, 2)
    return result


def _skip_step(name: str, status: Status, reasons: list[str], params: AuditParams, run_dir: Path) -> StepResult:
    """A step that does not run (not built, or data insufficient): a page that says why."""
    from .report.format import Formatter
    from .report.html import status_page
    from .report.text import t

    lang = params.language
    fmt = Formatter(lang, params.currency)
    subtitle = t("client_period", lang, client=params.client.name, start=fmt.date(params.period.start), end=fmt.date(params.period.end))
    head = t("not_built.head" if status == "not_built" else "insufficient.head", lang)
    page = status_page(t("step." + name[:2], lang), subtitle, head, reasons, run_dir / "html" / f"{name}.html", lang)
    return StepResult(name, status, reasons=reasons, html=str(page.relative_to(run_dir)))


def _findings_reasons(name: str, run_dir: Path, lang: str = "en") -> list[str]:
    """Why a step that reads earlier findings cannot run, in ``lang``: the earlier steps with no findings file."""
    from .report.text import t

    missing = [s for s in SPECS[name].needs_findings_of if not (run_dir / "findings" / f"{s}.json").is_file()]
    if not missing:
        return []
    return [t("runner.needs_findings", lang, steps="; ".join(t("step." + s[:2], lang) for s in missing))]


def review_file(params_path: Path) -> Path:
    """Where a client's review decisions live: beside its params file (``<params>.review.json``)."""
    return params_path.with_name(params_path.stem + ".review.json")


def step_fingerprint(
    name: str, params_bytes: bytes, sources: dict[str, dict[str, Any]], notebooks: Path, params_path: Path | None
) -> str:
    """SHA-256 of everything a step's result depends on: its notebook, the params file, the review
    decisions (if any), the input files' hashes and the auditkit version."""
    h = hashlib.sha256()
    for part in (
        name.encode(),
        (notebooks / f"{name}.ipynb").read_bytes(),
        params_bytes,
        review_file(params_path).read_bytes() if params_path and review_file(params_path).is_file() else b"",
        json.dumps(sorted((t, s.get("sha256")) for t, s in sources.items())).encode(),
        metadata.version("auditkit").encode(),
    ):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _reusable(client_dir: Path, name: str, fingerprint: str) -> Path | None:
    """The newest finished run of this client whose ``name`` step ended ok with this very fingerprint."""
    for run_dir in sorted((p for p in client_dir.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True):
        try:
            manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for step in manifest.get("steps", []):
            if step.get("name") == name and step.get("status") == "ok" and step.get("fingerprint") == fingerprint:
                if (run_dir / f"{name}.ipynb").is_file():
                    return run_dir
    return None


def _copy_step(earlier: Path, run_dir: Path, name: str, fingerprint: str) -> StepResult:
    """Copy a step's outputs (notebook, page, tables, figures, findings) from an earlier run."""
    import shutil

    number = name[:2]
    copies = [f"{name}.ipynb", f"html/{name}.html", f"findings/{name}.json"]
    copies += [str(p.relative_to(earlier)) for folder in ("tables", "figures") for p in (earlier / folder).glob(f"{number}_*")]
    for rel in copies:
        source = earlier / rel
        if source.is_file():
            (run_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, run_dir / rel)
    page = run_dir / "html" / f"{name}.html"
    return StepResult(
        name, "ok", notebook=f"{name}.ipynb", html=str(page.relative_to(run_dir)) if page.is_file() else None,
        fingerprint=fingerprint, reused_from=earlier.name,
    )


def _reuse_findings(from_run: Path, run_dir: Path, chosen: list[str]) -> None:
    """Copy the findings of the steps not re-run from an earlier run whose inputs were the same."""
    import shutil

    folder = from_run / "findings"
    for f in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if f.stem not in chosen:
            (run_dir / "findings").mkdir(exist_ok=True)
            shutil.copy2(f, run_dir / "findings" / f.name)


def _load_from_run(from_run: Path, params: AuditParams) -> Any:
    """The frame of an earlier run, if its inputs are the files the params name now, unchanged."""
    from .frame import AuditFrame

    if not (from_run / "manifest.json").is_file():
        raise RunError(f"{from_run}: not a run folder (no manifest.json). Pass a folder under outputs/<client>/.")
    frame = AuditFrame.load(from_run)
    if frame is None:
        raise RunError(f"{from_run}: this run has no audit frame (clean/frame.json); run without --from-run.")
    changed = []
    for name in params.data.tables:
        path = params.table_path(name)
        old = frame.data.sources.get(name, {}).get("sha256")
        if old is None or not path.is_file() or file_sha256(path) != old:
            changed.append(f"{name} ({path})")
    if changed or frame.params.model_dump() != params.model_dump():
        what = ", ".join(changed) if changed else "the params"
        raise RunError(f"{from_run}: cannot reuse this run: {what} changed since. Run without --from-run to read the data again.")
    return frame


def run(
    params_path: Path | str,
    outputs: Path | str = "outputs",
    steps: list[str] | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    from_run: Path | str | None = None,
    reuse: bool = False,
    anonymize: bool = False,
    jobs: int = 1,
    kernel: WarmKernel | None = None,
) -> RunResult:
    """Run the audit for one client; returns the run folder and each step's result.

    Raises ParamsError/DataError before anything is created when the params or the data files are
    unusable (the data is read and parsed in full first); after that, results are recorded per step.
    ``from_run`` reuses an earlier run's frame and findings when its inputs are unchanged. With ``reuse``,
    a step whose notebook, params, review decisions, input data and auditkit version are all unchanged
    since an earlier successful run of the same client is copied from that run instead of run again
    (``reused_from`` in the manifest). ``anonymize`` replaces people, accounts and the client's name by
    stable pseudonyms everywhere in the run (see :mod:`auditkit.anonymize`); the mapping is kept beside
    the params file, and the run carries no absolute path. With ``jobs`` above 1, the steps that read no
    other step's findings (1 to 6) run up to ``jobs`` at a time, each worker in a warm kernel of its own;
    the results are recorded, and ``on_step`` called, in step order all the same. ``kernel`` is a kernel the
    caller started for the steps (the command line starts it before it imports the rest), discarded at the
    end like the run's own; an anonymised run starts its own, in its run folder.
    """
    from .frame import AuditFrame, build_frame

    # the kernel starts now and imports what the steps use while the data is read (an anonymised run's
    # kernel starts in the run folder, which does not exist yet)
    if kernel is None or anonymize:
        if kernel is not None:
            kernel.discard()
        kernel = WarmKernel() if anonymize else WarmKernel().start()
    try:
        params = load_params(params_path)
        params_bytes = Path(params_path).read_bytes()
        chosen = list(STEPS) if not steps else [s for s in STEPS if s in steps or s[:2] in steps]
        if steps and not chosen:
            raise RunError(f"no step matches {steps}; steps are {', '.join(STEPS)} (or their numbers, e.g. 02).")
        notebooks = notebooks_dir()
        missing = [s for s in chosen if SPECS[s].built and not (notebooks / f"{s}.ipynb").is_file()]
        if missing:
            raise RunError(f"{notebooks}: step notebooks not found: {', '.join(missing)}. Set AUDITKIT_NOTEBOOKS to the notebooks folder.")
        if from_run is not None:
            frame = _load_from_run(Path(from_run).resolve(), params)
        else:
            preflight(params)
            frame = build_frame(params, activities="summary")  # the steps read the activities summarised
            _ = frame.notes  # scope every table now: a problem shows before the run folder exists
        if anonymize:
            from .anonymize import Pseudonyms, anonymize_frame, mapping_file

            assert params.source_path is not None
            pseudonyms = Pseudonyms(mapping_file(params.source_path))
            frame = anonymize_frame(frame, pseudonyms)
            pseudonyms.save()
            params = frame.params

        assert params.source_path is not None  # set by load_params
        final_dir = new_run_dir(Path(outputs).resolve(), params.client.slug)
        run_dir = partial_dir(final_dir)
        run_dir.mkdir()
    except BaseException:  # stopped before the run folder exists: the kernel started early goes too
        kernel.discard()
        raise
    kernel.log = run_dir / "logs" / "kernel.log"
    if anonymize:
        kernel.cwd = run_dir
    manifest: dict[str, Any] = {
        "client": params.client.name,
        "slug": params.client.slug,
        "run_id": final_dir.name,
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "params_file": params.source_path.name if anonymize else str(params.source_path),
        "params_sha256": hashlib.sha256(params_bytes).hexdigest(),
        "anonymized": anonymize,
        "params": params.model_dump(mode="json"),
        "from_run": str(from_run) if from_run else None,
        "inputs": {
            name: {"path": src.get("path"), "sha256": src.get("sha256"), "rows_read": src.get("rows_read")}
            for name, src in frame.data.sources.items()
        },
        "scope": {"as_of": frame.as_of.isoformat(), **frame.notes},
        "versions": _versions(),
        "steps": [],
        "status": "running",
    }
    result = RunResult(run_dir)
    current: str | None = None
    unrecorded: list[tuple[str, Future[StepResult]]] = []  # steps run beside each other, not yet recorded
    cut_short: set[str] = set()  # of those, the ones still running when the run was stopped
    try:
        _write_manifest(run_dir, manifest)
        frame.save(run_dir, keep_paths=not anonymize)
        # from here on the command reads only what the cache recorded (each table's counts, the sources): the
        # tables built in memory (35M activities at 1M deals) are let go while the steps' kernel reads its own
        frame = AuditFrame.load(run_dir) or frame
        if from_run is not None:
            _reuse_findings(Path(from_run).resolve(), run_dir, chosen)

        def one(name: str, kernel: WarmKernel) -> StepResult:
            if not SPECS[name].built:
                return _skip_step(name, "not_built", [], params, run_dir)
            if reasons := sufficiency(frame, name, params.language) or _findings_reasons(name, run_dir, params.language):
                return _skip_step(name, "insufficient", reasons, params, run_dir)
            fingerprint = step_fingerprint(name, params_bytes, frame.data.sources, notebooks, params.source_path)
            earlier = _reusable(final_dir.parent, name, fingerprint) if reuse else None
            if earlier is not None:
                return _copy_step(earlier, run_dir, name, fingerprint)
            step = run_step(name, params, run_dir, notebooks, kernel, anonymous=anonymize)
            step.fingerprint = fingerprint
            return step

        def record(step: StepResult) -> None:
            result.steps.append(step)
            manifest["steps"].append(step.__dict__)
            _write_manifest(run_dir, manifest)
            if on_step:
                on_step(step)

        # the page exporter is made while the first step executes (the command only waits for the kernel then)
        threading.Thread(target=_warm_pages, name="auditkit-pages", daemon=True).start()
        together = [n for n in chosen if not SPECS[n].needs_findings_of] if jobs > 1 else []
        if len(together) > 1:
            with _in_parallel(together, one, jobs, kernel, run_dir, cut_short) as pending:
                unrecorded = list(pending)
                for name, future in pending:
                    current = name
                    record(future.result())
                    unrecorded.pop(0)
        for name in chosen:
            if name not in together or len(together) < 2:
                current = name
                record(one(name, kernel))
        current = None
        kernel.discard()
        if not anonymize:  # the one place a run writes the review archive back (see review.archive_review)
            from .review import archive_review

            manifest["review"] = archive_review(review_file(params.source_path), run_dir)
        manifest["status"] = result.status
    except BaseException as exc:  # Ctrl-C, SIGTERM, a full disk: leave a clearly marked incomplete run
        cleanup_kernels()
        kernel.discard()  # its spooled log into the run folder, nothing left in the temporary folder
        interrupted = isinstance(exc, (KeyboardInterrupt, SystemExit))
        manifest["status"] = "interrupted" if interrupted else "failed"
        ended_here: list[dict[str, Any]] = []  # the step running, and those run beside it (--jobs), as each ended
        if current is not None:
            ended_here.append(StepResult(current, "failed", error="interrupted" if interrupted else _error_text(exc)).__dict__)
        for name, future in unrecorded:  # none left out
            if name == current or future.cancelled():
                continue  # recorded just above, or never started
            ended = name not in cut_short and future.done() and future.exception() is None
            stopped = StepResult(name, "failed", error="interrupted" if interrupted else _error_text(exc))
            ended_here.append((future.result() if ended else stopped).__dict__)
        manifest["steps"].extend(ended_here)
        manifest["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        try:
            _write_manifest(run_dir, manifest)
            _write_index(params, run_dir, manifest["steps"])
        except OSError:
            pass  # the disk may be full; the manifest written last still says "running"
        _publish(run_dir, final_dir)
        _write_runs_index(final_dir.parent.parent)
        cut = [s["name"] for s in ended_here if s["status"] == "failed"]
        done = [s["name"] for s in ended_here if s["status"] != "failed"]
        where = f" during step{'s' if len(cut) > 1 else ''} {', '.join(cut)}" if cut else ""
        if done:  # run beside them (--jobs), ended but not printed: the steps are printed in order
            where += f" ({', '.join(done)} had ended: see the manifest)"
        raise RunInterrupted(
            f"{final_dir}: the run was {'interrupted' if interrupted else 'stopped by ' + _error_text(exc)}{where}; "
            f"the incomplete run is kept there (manifest status: {manifest['status']}). Earlier runs are untouched."
        ) from exc
    _write_index(params, run_dir, manifest["steps"])
    _write_reports(params, run_dir, final_dir.name, manifest["steps"])
    manifest["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    _write_manifest(run_dir, manifest)
    result.run_dir = _publish(run_dir, final_dir)
    _write_runs_index(final_dir.parent.parent)
    return result


def _warm_pages() -> None:
    """Make the HTML page exporter ahead (see :func:`auditkit.report.html.warm_exporter`); a failure here
    shows, where it matters, when a step's page is rendered."""
    from .report.html import warm_exporter

    try:
        warm_exporter()
    except Exception:
        pass


@contextmanager
def _in_parallel(
    names: list[str], one: Callable[[str, WarmKernel], StepResult], jobs: int, kernel: WarmKernel, run_dir: Path,
    cut_short: set[str],
) -> Iterator[list[tuple[str, Future[StepResult]]]]:
    """Start ``one(name, kernel)`` for ``names``, up to ``jobs`` at a time; gives (name, future) in the order
    of ``names``. The first worker uses ``kernel``; each other worker starts a warm kernel of its own (log
    ``logs/kernel-N.log``), discarded at the end. An exception in the block (Ctrl-C, SIGTERM) adds the steps
    still running to ``cut_short`` and kills every kernel, so that they end at once; they are waited for
    (at most :data:`STOP_WAIT_S`) and the steps not started are cancelled."""
    from concurrent.futures import ThreadPoolExecutor, wait

    from .kernel import _register_engine

    _register_engine()  # once, before the workers look it up
    free = [kernel]
    lock = threading.Lock()
    local = threading.local()
    started: list[WarmKernel] = []

    def work(name: str) -> StepResult:
        if not hasattr(local, "kernel"):
            with lock:
                if free:
                    local.kernel = free.pop()
                else:
                    local.kernel = WarmKernel(run_dir / "logs" / f"kernel-{len(started) + 2}.log", kernel.cwd)
                    started.append(local.kernel)
        return one(name, local.kernel)

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(names)), thread_name_prefix="auditkit-step")
    futures = [(name, pool.submit(work, name)) for name in names]
    try:
        yield futures
    except BaseException:
        # the running steps end at once with their kernels; waited for (briefly) so that each is recorded as it
        # ended, with papermill's own report of a kernel that died kept off the terminal
        cut_short.update(name for name, f in futures if f.running())
        quiet = logging.getLogger("papermill")
        was = quiet.disabled
        quiet.disabled = True
        try:
            cleanup_kernels()
            pool.shutdown(wait=False, cancel_futures=True)
            wait([f for _, f in futures], timeout=STOP_WAIT_S)
        finally:
            quiet.disabled = was
        raise
    else:
        pool.shutdown()
    finally:
        for worker in started:
            worker.discard()


def _write_reports(params: AuditParams, run_dir: Path, run_id: str, steps: list[dict[str, Any]]) -> None:
    """Navigation on every step page, and the combined report (``report.html``)."""
    from .report.combined import add_navigation, combined_report
    from .report.format import Formatter
    from .report.text import t

    lang = params.language
    fmt = Formatter(lang, params.currency)
    add_navigation(run_dir, steps, lang)
    subtitle = t("client_period", lang, client=params.client.name, start=fmt.date(params.period.start), end=fmt.date(params.period.end))
    combined_report(run_dir, steps, t("report.title", lang, client=params.client.name), f"{subtitle} · {run_id}", lang, params.currency)


def _write_runs_index(outputs: Path) -> None:
    """Rebuild ``outputs/index.html``; a failure here never fails the run (the run itself is complete)."""
    from .report.combined import runs_index

    try:
        runs_index(outputs)
    except OSError:
        pass


def _write_index(params: AuditParams, run_dir: Path, steps: list[dict[str, Any]]) -> None:
    from .report.html import run_index
    from .report.text import t

    (run_dir / "html").mkdir(exist_ok=True)
    run_index(
        t("index.title", params.language, client=params.client.name, run=run_dir.name.removeprefix(".").removesuffix(".partial")),
        [dict(s, title=t("step." + s["name"][:2], params.language)) for s in steps],
        run_dir / "html" / "index.html",
        params.language,
    )
