"""The review panel: accept, dismiss (with a reason), re-rate and comment a step's findings, then save.

The panel is a thin ipywidgets form over :mod:`auditkit.review`; what a press of *Save* does is the pure
function :func:`decisions_from_form` (tested without a browser), followed by the atomic
:func:`auditkit.review.save_review`. Only rows the reviewer changed get a new decision (with who and when);
a row whose dismissal has no reason is not saved and the panel says which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from ..findings import SEVERITIES, Finding
from ..report.text import t, word
from ..review import STATUSES, Decision, Decisions, decide, load_review, save_review

FIELDS = ("status", "severity", "reason", "comment")


def decisions_from_form(
    decisions: Mapping[str, Decision], rows: Iterable[Mapping[str, Any]], by: str, at: str | None = None
) -> tuple[Decisions, list[str]]:
    """The decisions after a save: ``rows`` are the form's rows ({"id", "title", "step", "status", "severity",
    "reason", "comment"}; "step" optional); a row differing from its stored decision (or from "open" with empty fields when
    there is none) is decided by ``by`` at ``at``. Returns (decisions, ids of rows refused: a dismissal
    without a reason)."""
    out = dict(decisions)
    refused = []
    for row in rows:
        fid = str(row["id"])
        old = decisions.get(fid, Decision(fid))
        new = {k: str(row.get(k) or "").strip() for k in FIELDS}
        new["status"] = new["status"] or "open"
        if all(new[k] == str(getattr(old, k)) for k in FIELDS):
            continue
        try:
            step = int(row["step"]) if row.get("step") else None
            out = decide(out, fid, by=by, at=at, title=str(row.get("title", "")), step=step, **new)  # type: ignore[arg-type]
        except ValueError:
            refused.append(fid)
    return out, refused


class ReviewPanel:
    """One row per finding (status, severity, reason, comment), the reviewer's name and a Save button;
    ``widget`` is the form to display. Saving writes ``path`` atomically."""

    def __init__(self, findings: Iterable[Finding], path: Path | str, lang: str = "en", reviewer: str = "") -> None:
        import ipywidgets as W

        self.path, self.lang = Path(path), lang
        self.findings = list(findings)
        self.decisions = load_review(self.path)
        statuses = [(t(f"plan.status.{s}", lang) if s != "open" else t("review.open", lang), s) for s in STATUSES]
        severities = [(t("review.keep_severity", lang), ""), *[(str(word(s, lang, "severity")), s) for s in SEVERITIES]]
        self.rows: dict[str, dict[str, Any]] = {}
        boxes = []
        for f in self.findings:
            d = self.decisions.get(f.id, Decision(f.id))
            row = {
                "status": W.Dropdown(options=statuses, value=d.status, description=t("review.status", lang)),
                "severity": W.Dropdown(options=severities, value=d.severity, description=t("plan.col.severity", lang)),
                "reason": W.Text(value=d.reason, description=t("plan.col.reason", lang)),
                "comment": W.Textarea(value=d.comment, description=t("plan.col.comment", lang)),
            }
            self.rows[f.id] = row
            head = f"{f.title} ({word(f.severity, lang, 'severity')})"
            if d.by:
                head += " — " + t("plan.review.note", lang, status=dict((v, k) for k, v in statuses)[d.status], by=d.by, at=d.at[:10])
            boxes.append(W.VBox([W.Label(head), W.HBox([row["status"], row["severity"]]), row["reason"], row["comment"]]))
        self.who = W.Text(value=reviewer, description=t("review.by", lang))
        self.save_button = W.Button(description=t("review.save", lang))
        self.message = W.Label("")
        self.save_button.on_click(lambda _: self.save())
        self.widget = W.VBox([*boxes, W.HBox([self.who, self.save_button]), self.message])

    def form_rows(self) -> list[dict[str, Any]]:
        """The form's current values, one record per finding."""
        return [{"id": f.id, "title": f.title, "step": f.step, **{k: self.rows[f.id][k].value for k in FIELDS}} for f in self.findings]

    def save(self) -> Decisions:
        """Apply the form to the decisions and write them; returns the decisions now on file."""
        if not self.who.value.strip():
            self.message.value = t("review.need_name", self.lang)
            return self.decisions
        new, refused = decisions_from_form(self.decisions, self.form_rows(), self.who.value)
        save_review(self.path, new)
        self.decisions = new
        titles = [f.title for f in self.findings if f.id in refused]
        self.message.value = t("review.saved", self.lang) + (" " + t("review.refused", self.lang, titles="; ".join(titles)) if titles else "")
        return new
