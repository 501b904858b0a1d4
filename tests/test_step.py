"""The step context: the run's frame, what a step writes, and how its page shows the review.

The review in a step page, by hand: four step-3 findings, A critical, B medium, C low, D medium. On file:
A accepted by Anna with a comment, B dismissed by Boris with a reason, C raised from low to high by Anna
with a comment, D not reviewed. The page lists the kept findings by their reviewed severity (A critical,
C now high, D medium) and the dismissed B last, marked "medium (dismissed)"; the Review column says who
decided what and when. The findings JSON keeps what the step found (C low, B present): step 7 and the
combined report apply the review themselves.
"""

from __future__ import annotations

import json

import pandas as pd

import pytest

from auditkit import load_params
from auditkit.findings import Finding
from auditkit.frame import build_frame
from auditkit.report.format import Formatter
from auditkit.review import decide, load_review, save_review
from auditkit.runner import review_file
from auditkit.step import Step, findings_with_review, open_step

AT = "2026-11-29T09:00:00+00:00"


def finding(kind: str, subject: str, severity: str) -> Finding:
    return Finding(step=3, kind=kind, subject=subject, title=f"{kind} {subject}", severity=severity, metric="m", value=0.25, unit="share")  # type: ignore[arg-type]


A = finding("process.bottleneck.conversion", "Demo", "critical")
B = finding("process.lost_reason_missing", "all", "medium")
C = finding("process.bottleneck.time", "Negotiation", "low")
D = finding("process.segment.win_rate", "SMB", "medium")


def decisions():
    d = decide({}, A.id, by="Anna", status="accepted", comment="Confirmed with sales", step=3, at=AT)
    d = decide(d, B.id, by="Boris", status="dismissed", reason="Parked for a tender", step=3, at=AT)
    return decide(d, C.id, by="Anna", severity="high", comment="Largest deals stall here", step=3, at=AT)


def test_a_step_reads_the_runs_frame_not_the_params_file(tmp_path, small_client):
    frame = build_frame(load_params(small_client))
    frame.save(tmp_path / "run")
    small_client.write_text("client: {name: Edited mid-run", encoding="utf-8")  # no longer even valid YAML
    step = open_step("03_process", str(small_client), str(tmp_path / "run"))
    assert step.params.client.name == "Small Client"
    pd.testing.assert_frame_equal(step.frame.deals, frame.deals)


def test_step_writes_tables_and_findings_only_with_a_run_folder(tmp_path, small_client):
    quiet = open_step("02_data", str(small_client))
    quiet.table(pd.DataFrame({"a": [1]}), "t")
    quiet.finish()
    assert quiet.run_dir is None and not (small_client.parent / "tables").exists()

    step = open_step("03_process", str(small_client), str(tmp_path / "run"))
    step.table(pd.DataFrame({"text": ["=1+2"]}), "t")
    finding = Finding(step=3, kind="process.test", title="T", severity="low", metric="m", value=1.0, unit="count")
    step.add([finding])
    step.not_available.append({"what": "kpi.won_value", "reason": "not available, because ..."})
    step.finish()
    assert (tmp_path / "run" / "tables" / "03_t.csv").read_text(encoding="utf-8-sig").splitlines() == ["text", "'=1+2"]
    body = json.loads((tmp_path / "run" / "findings" / "03_process.json").read_text())
    assert [f["id"] for f in body["findings"]] == [finding.id] and body["not_available"][0]["what"] == "kpi.won_value"
    assert (tmp_path / "run" / "tables" / "03_findings.csv").is_file()
    assert (tmp_path / "run" / "tables" / "03_not_available.csv").is_file()


def test_the_not_available_list_names_what_is_missing_in_the_report_language(tmp_path, small_client):
    # the list shows the KPI's label and the table's name, never their keys (kpi.won_value, table.reps)
    step = open_step("03_process", str(small_client), str(tmp_path / "run"))
    step.params = step.params.model_copy(update={"language": "ru"})
    step.not_available += [{"what": "kpi.won_value", "reason": "нет данных"}, {"what": "table.reps", "reason": "не предоставлена"}]
    step.finish()
    shown = (tmp_path / "run" / "tables" / "03_not_available.csv").read_text(encoding="utf-8-sig").splitlines()
    assert shown == ["what,reason", "Сумма выигранных сделок,нет данных", "Менеджеры,не предоставлена"]
    body = json.loads((tmp_path / "run" / "findings" / "03_process.json").read_text())
    assert [r["what"] for r in body["not_available"]] == ["kpi.won_value", "table.reps"]  # the file keeps the keys


def test_findings_with_review_marks_each_decision() -> None:
    df = findings_with_review([D, C, B, A], decisions(), Formatter("en"))
    assert list(df["id"]) == [A.id, C.id, D.id, B.id]  # reviewed severity first, the dismissed one last
    assert list(df["severity"]) == ["critical", "low → high", "medium", "medium (dismissed)"]
    assert list(df["status"]) == ["accepted", "open", "", "dismissed"]
    assert list(df["reviewed"]) == [
        "Accepted by Anna on 2026-11-29. Comment: Confirmed with sales",
        "Reviewed by Anna on 2026-11-29. Severity low → high. Comment: Largest deals stall here",
        "",
        "Dismissed by Boris on 2026-11-29. Reason: Parked for a tender.",
    ]
    assert df.loc[0, "value"] == "25.0%"
    ru = findings_with_review([B, C], decisions(), Formatter("ru"))
    assert list(ru["severity"]) == ["низкая → высокая", "средняя (отклонено)"]
    assert list(ru["reviewed"]) == [
        "Просмотрено: Anna, 2026-11-29. Серьёзность: низкая → высокая. Комментарий: Largest deals stall here",
        "Отклонено: Boris, 2026-11-29. Причина: Parked for a tender.",
    ]
    plain = findings_with_review([D], {}, Formatter("en"))
    assert list(plain["reviewed"]) == [""] and list(plain["severity"]) == ["medium"]


def capture(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[object]]:
    """Collect what a step shows: HTML markup and other displayed objects (widgets)."""
    import auditkit.step as S

    html: list[str] = []
    shown: list[object] = []
    monkeypatch.setattr(S, "_html", html.append)
    monkeypatch.setattr(S, "_display", shown.append)
    return html, shown


def test_finish_marks_the_review_in_the_page_and_keeps_the_findings_as_found(tmp_path, small_client, monkeypatch):
    save_review(review_file(small_client), decisions())
    html, shown = capture(monkeypatch)
    step = open_step("03_process", str(small_client), str(tmp_path / "run"))
    assert step.review_path == small_client.with_name("params.review.json")
    step.add([A, B, C, D])
    step.finish()
    page = "".join(html)
    assert "<th>Review</th>" in page and "Dismissed findings are listed last" in page
    assert page.index(A.title) < page.index(C.title) < page.index(D.title) < page.index(B.title)
    assert "Dismissed by Boris on 2026-11-29. Reason: Parked for a tender." in page and "low → high" in page
    assert shown == []  # not interactive: no review panel
    body = json.loads((tmp_path / "run" / "findings" / "03_process.json").read_text())
    assert {f["id"]: f["severity"] for f in body["findings"]} == {A.id: "critical", B.id: "medium", C.id: "low", D.id: "medium"}
    csv = pd.read_csv(tmp_path / "run" / "tables" / "03_findings.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(csv["status"]) == ["accepted", "open", "", "dismissed"]
    # no decision on file: no Review column, no note
    html.clear()
    review_file(small_client).unlink()
    quiet = open_step("03_process", str(small_client))
    quiet.add([A])
    quiet.finish()
    assert "Review" not in "".join(html) and "listed last" not in "".join(html)


def test_review_panel_at_the_end_of_a_step(small_client, monkeypatch):
    """In JupyterLab a step ends with the review panel on its own findings, saving beside the params file;
    the saved decision records the finding's step. Without a params path the page says why there is none."""
    from auditkit.widgets.review import ReviewPanel

    html, shown = capture(monkeypatch)
    step = open_step("03_process", str(small_client), interactive=True)
    step.add([A, B])
    step.finish()
    assert len(shown) == 1 and type(shown[0]).__name__ == "VBox"  # the panel's form, after its heading
    assert "Review the findings" in html[-1]
    made = step.review_panel()
    assert isinstance(made, ReviewPanel) and made.path == review_file(small_client) and [f.id for f in made.findings] == [A.id, B.id]
    made.rows[B.id]["status"].value = "dismissed"
    made.rows[B.id]["reason"].value = "Parked for a tender"
    made.who.value = "Boris"
    made.save()
    saved = load_review(review_file(small_client))
    assert (saved[B.id].status, saved[B.id].step, saved[B.id].by) == ("dismissed", 3, "Boris") and A.id not in saved

    html.clear()
    nowhere = Step("03_process", load_params(small_client), interactive=True, findings=[A])
    assert nowhere.review_panel() is None
    assert "No review panel: this notebook has no params file" in "".join(html)
    assert Step("03_process", load_params(small_client), interactive=False, findings=[A], review_path=review_file(small_client)).review_panel() is None
