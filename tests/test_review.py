"""The review file (auditkit.review): decisions keyed by finding id, saved atomically, applied in batch.

Hand-built findings: A (high, process), B (medium, tech), C (low, people), D (medium, comms). The
reviewer accepts A with a comment, dismisses B with a reason and raises C from low to high. Applied to a run
holding A, B, C and D, the plan keeps A, C (now high) and D; B is left out with its reason; A and C carry
who/when notes. In a second run without A, A's decision stays in the file, archived, and is un-archived
when A reappears in a third run (where C, now absent, is archived in turn).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditkit.findings import Finding
from auditkit.review import apply_review, decide, load_review, review_table, save_review

AT = "2026-11-29T09:00:00+00:00"


def finding(kind: str, subject: str, severity: str = "medium") -> Finding:
    return Finding(step=3, kind=kind, subject=subject, title=f"{kind} {subject}", severity=severity, metric="m", value=None)  # type: ignore[arg-type]


A = finding("process.bottleneck.conversion", "Proposal", "high")
B = finding("tech.hygiene.stale_deals", "all")
C = finding("people.win_rate.low", "Rep 7", "low")
D = finding("comms.handoff.sla_breach", "Sales -> Legal")


def decisions():
    d = decide({}, A.id, by="Anna", status="accepted", comment="Confirmed with the head of sales", at=AT)
    d = decide(d, B.id, by="Boris", status="dismissed", reason="Deals parked on purpose for a tender", at=AT)
    return decide(d, C.id, by="Anna", severity="high", at=AT)


def test_decide_rules() -> None:
    with pytest.raises(ValueError, match="reason"):
        decide({}, B.id, by="Boris", status="dismissed")
    with pytest.raises(ValueError, match="reviewer"):
        decide({}, B.id, by=" ", status="accepted")
    with pytest.raises(ValueError, match="severity"):
        decide({}, B.id, by="Boris", severity="huge")
    d = decisions()
    d2 = decide(d, A.id, by="Carl", comment="Re-checked", at="2026-12-01T10:00:00+00:00")
    assert d[A.id].comment == "Confirmed with the head of sales"  # pure: the input is unchanged
    assert (d2[A.id].status, d2[A.id].comment, d2[A.id].by, d2[A.id].at) == ("accepted", "Re-checked", "Carl", "2026-12-01T10:00:00+00:00")


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "demo.review.json"
    save_review(path, decisions())
    assert load_review(path) == decisions()
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["decisions"][B.id]["reason"] == "Deals parked on purpose for a tender"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert load_review(tmp_path / "none.json") == {}


def test_crash_mid_save_keeps_earlier_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo.review.json"
    save_review(path, decisions())
    before = path.read_bytes()
    later = decide(decisions(), D.id, by="Anna", status="accepted", at=AT)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")  # the process dies while the new file is being moved into place

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_review(path, later)
    assert path.read_bytes() == before
    assert load_review(path) == decisions()
    assert list(tmp_path.iterdir()) == [path]


def test_crash_while_writing_keeps_earlier_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo.review.json"
    save_review(path, decisions())
    import auditkit.review as R

    def half_dump(obj: object, fh, **kw: object) -> None:  # type: ignore[no-untyped-def]
        fh.write('{"version": 1, "decisions": {"x": ')
        raise KeyboardInterrupt

    monkeypatch.setattr(R.json, "dump", half_dump)
    with pytest.raises(KeyboardInterrupt):
        save_review(path, {})
    monkeypatch.undo()
    assert load_review(path) == decisions()


def test_apply_review_and_rerun(tmp_path: Path) -> None:
    path = tmp_path / "demo.review.json"
    save_review(path, decisions())
    r = apply_review([A, B, C, D], load_review(path))
    assert [f.id for f in r.kept] == [A.id, C.id, D.id]
    assert [(f.id, d.reason) for f, d in r.dismissed] == [(B.id, "Deals parked on purpose for a tender")]
    assert r.kept[1].severity == "high" and C.severity == "low"
    assert r.kept[1].id == C.id  # a changed severity keeps the id
    assert set(r.notes) == {A.id, C.id}
    assert (r.notes[A.id].by, r.notes[A.id].at) == ("Anna", AT)
    assert r.archived == {}
    # the next run no longer has A: its decision is kept, archived
    r2 = apply_review([B, C, D], load_review(path))
    save_review(path, r2.decisions)
    assert set(r2.archived) == {A.id} and load_review(path)[A.id].archived
    assert load_review(path)[A.id].comment == "Confirmed with the head of sales"
    # A comes back: un-archived, decision still applied
    r3 = apply_review([A, B], load_review(path))
    assert r3.notes[A.id].status == "accepted" and not r3.decisions[A.id].archived
    assert set(r3.archived) == {C.id}


def test_review_table() -> None:
    rows = review_table([A, D], decisions())
    assert rows[0]["status"] == "accepted" and rows[0]["by"] == "Anna"
    assert rows[1]["status"] == "open" and rows[1]["by"] == ""


def test_review_panel_build_set_save_read_back(tmp_path: Path) -> None:
    """The panel without a browser: build it on A, B, C with A already accepted on file; dismiss B with a
    reason, raise C to critical with a comment, leave A alone; press Save; the file holds the new decisions
    by the name typed in, and A's earlier decision unchanged."""
    from auditkit.widgets.review import ReviewPanel

    path = tmp_path / "demo.review.json"
    save_review(path, decide({}, A.id, by="Anna", status="accepted", comment="ok", at=AT))
    panel = ReviewPanel([A, B, C], path)
    assert panel.rows[A.id]["status"].value == "accepted" and panel.rows[B.id]["status"].value == "open"
    panel.rows[B.id]["status"].value = "dismissed"
    panel.rows[B.id]["reason"].value = "Parked for a tender"
    panel.rows[C.id]["severity"].value = "critical"
    panel.rows[C.id]["comment"].value = "Biggest account lost"
    panel.save_button.click()  # no name yet: nothing written
    assert load_review(path)[A.id].by == "Anna" and B.id not in load_review(path)
    assert "name" in panel.message.value
    panel.who.value = "Boris"
    panel.save_button.click()
    saved = load_review(path)
    assert saved[A.id] == decide({}, A.id, by="Anna", status="accepted", comment="ok", at=AT)[A.id]
    assert (saved[B.id].status, saved[B.id].reason, saved[B.id].by) == ("dismissed", "Parked for a tender", "Boris")
    assert (saved[C.id].severity, saved[C.id].comment, saved[C.id].status) == ("critical", "Biggest account lost", "open")
    assert saved[B.id].at and saved[B.id].title == B.title


def test_review_panel_refuses_dismissal_without_reason(tmp_path: Path) -> None:
    from auditkit.widgets.review import ReviewPanel, decisions_from_form

    path = tmp_path / "demo.review.json"
    panel = ReviewPanel([A, B], path, lang="ru", reviewer="Анна")
    panel.rows[B.id]["status"].value = "dismissed"
    panel.rows[A.id]["status"].value = "accepted"
    panel.save()
    saved = load_review(path)
    assert B.id not in saved and saved[A.id].status == "accepted" and saved[A.id].by == "Анна"
    assert "причина" in panel.message.value and B.title in panel.message.value
    same, refused = decisions_from_form(saved, panel.form_rows()[:1], by="X")
    assert same == saved and refused == []  # an unchanged row is not re-decided
