"""The review file (auditkit.review): decisions keyed by finding id, saved atomically, applied in batch.

Hand-built findings: A (high, process), B (medium, tech), C (low, people), D (medium, comms). The
reviewer accepts A with a comment, dismisses B with a reason and raises C from low to high. Applied to a run
holding A, B, C and D, the plan keeps A, C (now high) and D; B is left out with its reason; A and C carry
who/when notes. In a second run without A, A's decision stays in the file, archived, and is un-archived
when A reappears in a third run (where C, now absent, is archived in turn).

The archive written back by a run (:func:`archive_review`, called once by the runner after all steps):
decisions on A (step 3, accepted), C (step 3, re-rated), E (step 4, accepted) and L (no step recorded).
Run 1 has step 3's findings C and D only (no step-4 file): A is archived and written; E's step did not
run and L's step is unknown, so both are left as they were; the file is exactly what saving the decisions
with A archived gives. Run 2 has A back: A is un-archived and the file is byte for byte the original. Run 3
is the same as run 2: nothing changes, nothing is written. Without a review file nothing is created.

The combined report's summary on a run with A, B, C and D and the decisions above (B dismissed, C raised
from low to high): B is left out, C is listed as high with its note, A with its comment; D unmarked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditkit.findings import Finding
from auditkit.findings import write_findings
from auditkit.review import apply_review, archive_review, covered_steps, decide, load_review, review_table, save_review

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


E = Finding(step=4, kind="people.win_rate.low", subject="Rep 9", title="Rep 9 wins rarely", severity="high", metric="m", value=None)


def archive_decisions():
    d = decide({}, A.id, by="Anna", status="accepted", comment="Confirmed", step=3, at=AT)
    d = decide(d, C.id, by="Anna", severity="high", step=3, at=AT)
    d = decide(d, E.id, by="Boris", status="accepted", step=4, at=AT)
    return decide(d, "legacy.kind-000000000000", by="Boris", status="accepted", at=AT)  # step not recorded


def findings_run(root: Path, *found: Finding) -> Path:
    run = root / "run"
    write_findings(run / "findings" / "03_process.json", found)
    return run


def test_a_run_writes_the_archive_back(tmp_path: Path) -> None:
    path = tmp_path / "demo.review.json"
    save_review(path, archive_decisions())
    original = path.read_bytes()
    before = json.loads(original)["decisions"]

    run1 = findings_run(tmp_path / "1", C, D)
    assert covered_steps(run1) == {3}
    summary = archive_review(path, run1)
    assert summary == {"file": "demo.review.json", "archived": [A.id], "restored": [], "written": True}
    after = json.loads(path.read_text(encoding="utf-8"))["decisions"]
    assert after[A.id]["archived"] is True and {**after[A.id], "archived": False} == before[A.id]
    assert {k: v for k, v in after.items() if k != A.id} == {k: v for k, v in before.items() if k != A.id}
    expected = tmp_path / "expected.json"
    save_review(expected, {**archive_decisions(), A.id: load_review(path)[A.id]})
    assert path.read_bytes() == expected.read_bytes()  # only A's flag differs from the original

    run2 = findings_run(tmp_path / "2", A, C, D)
    assert archive_review(path, run2) == {"file": "demo.review.json", "archived": [], "restored": [A.id], "written": True}
    assert path.read_bytes() == original

    stamp = path.stat().st_mtime_ns
    assert archive_review(path, run2)["written"] is False and path.stat().st_mtime_ns == stamp

    nothing = tmp_path / "none.review.json"
    assert archive_review(nothing, run1)["written"] is False and not nothing.exists()
    broken = tmp_path / "broken.review.json"
    broken.write_text("{not json", encoding="utf-8")
    assert "error" in archive_review(broken, run1) and broken.read_text(encoding="utf-8") == "{not json"


def test_the_combined_summary_uses_the_review(tmp_path: Path) -> None:
    from auditkit.report.combined import _summary_html, _top_findings
    from auditkit.report.format import Formatter

    params = tmp_path / "client.yaml"
    params.write_text("client: {name: X}", encoding="utf-8")  # only its place matters: the review sits beside it
    save_review(tmp_path / "client.review.json", decisions())
    run = findings_run(tmp_path, A, B, C, D)
    (run / "manifest.json").write_text(json.dumps({"params_file": str(params), "anonymized": False}), encoding="utf-8")
    top = _top_findings(run)
    assert [(f["id"], f["severity"]) for f in top] == [(A.id, "high"), (C.id, "high"), (D.id, "medium")]
    notes = {f["id"]: f["reviewed"] for f in top}
    assert notes[C.id] == "Reviewed by Anna on 2026-11-29. Severity low → high."
    assert notes[A.id] == "Accepted by Anna on 2026-11-29. Comment: Confirmed with the head of sales" and notes[D.id] == ""
    page = _summary_html("T", "S", run, [], "en", Formatter("en"))
    assert "<th>Review</th>" in page and B.title not in page and "Severity low → high." in page
    # an anonymised run has other finding ids: the review is not applied
    (run / "manifest.json").write_text(json.dumps({"params_file": "client.yaml", "anonymized": True}), encoding="utf-8")
    assert [f["id"] for f in _top_findings(run)] == [A.id, D.id, B.id, C.id]  # as found; medium ties by id
