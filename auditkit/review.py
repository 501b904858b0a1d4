"""The review loop: the consultant's decisions on findings, kept per client.

Decisions live in one JSON file beside the client's params file
(:func:`auditkit.runner.review_file`), keyed by the finding's stable id, so they
survive re-runs. A decision accepts a finding, dismisses it (with a reason),
changes its severity and/or carries a comment, with who made it and when.

Everything here is a pure function on plain data except :func:`load_review` and
:func:`save_review`; the save is atomic (a temporary file in the same folder,
flushed to disk, then moved over the old one), so a crash mid-save leaves the
earlier decisions intact. Batch runs call :func:`apply_review`: dismissed
findings leave the plan, changed severities and comments travel with the
finding, and a decision whose finding no longer appears is kept, archived.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Collection, Iterable, Literal, Mapping

from .findings import SEVERITIES, Finding

Status = Literal["open", "accepted", "dismissed"]
STATUSES: tuple[Status, ...] = ("open", "accepted", "dismissed")
VERSION = 1


@dataclass(frozen=True)
class Decision:
    """One reviewer decision on one finding (``finding_id``).

    ``severity`` is the reviewer's severity ("" keeps the step's); ``reason`` is required when dismissed;
    ``by`` and ``at`` (ISO 8601, UTC) say who decided and when; ``archived`` is True while the finding is
    absent from the latest run; ``title`` is the finding's title when decided, for the archive; ``step`` the
    finding's step (0 when not recorded), so that a run of other steps never archives it."""

    finding_id: str
    status: Status = "open"
    reason: str = ""
    severity: str = ""
    comment: str = ""
    by: str = ""
    at: str = ""
    archived: bool = False
    title: str = ""
    step: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Decision":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


Decisions = dict[str, Decision]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def decide(
    decisions: Mapping[str, Decision],
    finding_id: str,
    *,
    by: str,
    status: Status | None = None,
    reason: str | None = None,
    severity: str | None = None,
    comment: str | None = None,
    title: str | None = None,
    step: int | None = None,
    at: str | None = None,
) -> Decisions:
    """A new decisions mapping with ``finding_id``'s decision updated (the others unchanged).

    Arguments left None keep the earlier value. ValueError when the status or severity is unknown, when a
    dismissal has no reason, or when ``by`` is empty (every decision says who made it)."""
    if not by.strip():
        raise ValueError("a review decision needs the reviewer's name (by)")
    old = decisions.get(finding_id, Decision(finding_id))
    new = replace(
        old,
        status=status if status is not None else old.status,
        reason=(reason if reason is not None else old.reason).strip(),
        severity=severity if severity is not None else old.severity,
        comment=(comment if comment is not None else old.comment).strip(),
        title=title if title is not None else old.title,
        step=int(step) if step is not None else old.step,
        by=by.strip(),
        at=at or _now(),
    )
    if new.status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {new.status!r}")
    if new.severity and new.severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {new.severity!r}")
    if new.status == "dismissed" and not new.reason:
        raise ValueError("a dismissed finding needs a reason")
    out = dict(decisions)
    out[finding_id] = new
    return out


def load_review(path: Path | str) -> Decisions:
    """The decisions in the review file at ``path`` (empty when there is no file)."""
    path = Path(path)
    if not path.is_file():
        return {}
    body = json.loads(path.read_text(encoding="utf-8"))
    return {fid: Decision.from_dict({**d, "finding_id": fid}) for fid, d in body.get("decisions", {}).items()}


def save_review(path: Path | str, decisions: Mapping[str, Decision]) -> Path:
    """Write ``decisions`` to ``path`` atomically; returns the path.

    The JSON goes to a temporary file in the same folder, is flushed and fsynced, then replaces the old
    file in one step (``os.replace``): a crash at any point leaves either the old or the new file whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "version": VERSION,
        "decisions": {fid: {k: v for k, v in d.to_dict().items() if k != "finding_id"} for fid, d in sorted(decisions.items())},
    }
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass
class Reviewed:
    """Findings with the review applied.

    ``kept``: the findings that stay in the plan, with a changed severity applied; ``dismissed``: (finding,
    decision) pairs left out; ``notes``: id -> decision for every kept finding that was reviewed (accepted,
    commented or re-rated); ``archived``: decisions whose finding is not in this run; ``decisions``: every
    decision, with ``archived`` brought up to date (save it to keep the archive); ``severity_was``: id -> the
    step's own severity of every re-rated finding."""

    kept: list[Finding] = field(default_factory=list)
    dismissed: list[tuple[Finding, Decision]] = field(default_factory=list)
    notes: dict[str, Decision] = field(default_factory=dict)
    archived: dict[str, Decision] = field(default_factory=dict)
    decisions: Decisions = field(default_factory=dict)
    severity_was: dict[str, str] = field(default_factory=dict)


def apply_review(findings: Iterable[Finding], decisions: Mapping[str, Decision], steps: Collection[int] | None = None) -> Reviewed:
    """Apply ``decisions`` to a run's ``findings`` (see :class:`Reviewed`).

    ``steps`` are the steps the run has findings of (:func:`covered_steps`); a decision about a finding
    that is absent is archived only when its step is among them (a run of step 3 alone does not archive the
    decisions on step 4's findings); a decision whose step is not recorded (0) is archived only when every
    step counts (``steps`` None). A finding that is present un-archives its decision."""
    out = Reviewed()
    present: set[str] = set()
    for f in findings:
        present.add(f.id)
        d = decisions.get(f.id)
        if d is None:
            out.kept.append(f)
            continue
        if d.status == "dismissed":
            out.dismissed.append((f, d))
            continue
        if d.severity and d.severity != f.severity:
            out.severity_was[f.id] = f.severity
            f = replace(f, severity=d.severity)  # type: ignore[arg-type]
        out.kept.append(f)
        out.notes[f.id] = d
    for fid, d in decisions.items():
        if fid in present:
            archived = False
        elif steps is None or (d.step and d.step in steps):
            archived = True
        else:
            archived = d.archived  # its step is not in this run: nothing is known, nothing changes
        out.decisions[fid] = replace(d, archived=archived) if d.archived != archived else d
        if archived:
            out.archived[fid] = out.decisions[fid]
    return out


def covered_steps(run_dir: Path | str) -> set[int]:
    """The steps a run has findings of: the numbers of its ``findings/NN_<step>.json`` files."""
    folder = Path(run_dir) / "findings"
    files = folder.glob("*.json") if folder.is_dir() else []
    return {int(p.stem[:2]) for p in files if p.stem[:2].isdigit()}


def archive_review(review_path: Path | str, run_dir: Path | str) -> dict[str, Any]:
    """Bring the ``archived`` flags of the review file at ``review_path`` up to date with a finished run's
    findings (``<run_dir>/findings/*.json``) and save the file (atomically, :func:`save_review`) when one
    changed. Returns what happened, for the run's manifest: ``archived`` and ``restored`` (finding ids whose
    flag was set or cleared), ``written`` (bool) and, when the file could not be read or written, ``error``.

    This is the one place a run writes the archive back: the runner calls it once, after every step has
    written its findings and before the reports are drawn, and never for an anonymised run (whose
    pseudonymised subjects give other finding ids). Step 7 only reads the review: it may not run at all
    (``--steps 03``), and a notebook writes nothing outside its run folder. Only the ``archived`` flag of
    the decisions that changed is touched; every other decision is written back as it was read, and a
    decision whose step did not run is left alone (:func:`apply_review`). Nothing is written when nothing
    changed, so the file (which is part of each step's fingerprint) keeps its bytes."""
    from .findings import read_findings

    path = Path(review_path)
    summary: dict[str, Any] = {"file": path.name, "archived": [], "restored": [], "written": False}
    try:
        decisions = load_review(path)
        if not decisions:
            return summary
        folder = Path(run_dir) / "findings"
        found = read_findings(folder) if folder.is_dir() else []
        updated = apply_review(found, decisions, covered_steps(run_dir)).decisions
        summary["archived"] = sorted(f for f, d in updated.items() if d.archived and not decisions[f].archived)
        summary["restored"] = sorted(f for f, d in updated.items() if decisions[f].archived and not d.archived)
        if summary["archived"] or summary["restored"]:
            save_review(path, updated)
            summary["written"] = True
    except (OSError, ValueError) as exc:  # an unreadable or unwritable review file never fails a finished run
        summary["error"] = f"{type(exc).__name__}: {exc}"
    return summary


def review_note(d: Decision, lang: str = "en", severity: str = "") -> str:
    """A reviewer's decision as report text in ``lang``: the status with who and when, then the reason of a
    dismissal, the severity change from ``severity`` (the step's own) to the reviewer's, and the comment."""
    from .report.text import t, word

    parts = [t("plan.review.note", lang, status=t(f"plan.status.{d.status}", lang), by=d.by, at=d.at[:10])]
    if d.status == "dismissed" and d.reason:
        parts.append(t("review.mark.reason", lang, reason=d.reason))
    if d.severity and d.severity != severity:
        old = str(word(severity, lang, "severity")) if severity else "–"
        parts.append(t("review.mark.severity", lang, old=old, new=str(word(d.severity, lang, "severity"))))
    if d.comment:
        parts.append(t("review.mark.comment", lang, comment=d.comment))
    return " ".join(parts)


def review_table(findings: Iterable[Finding], decisions: Mapping[str, Decision]) -> list[dict[str, Any]]:
    """One record per finding for a review panel: id, title, severity (the step's), status, reviewer
    severity, reason, comment, by, at."""
    rows = []
    for f in findings:
        d = decisions.get(f.id, Decision(f.id))
        rows.append(
            {"id": f.id, "title": f.title, "severity": f.severity, "status": d.status, "new_severity": d.severity,
             "reason": d.reason, "comment": d.comment, "by": d.by, "at": d.at}
        )
    return rows
