"""The combined report, the navigation between step pages and the index of every run."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from auditkit.report.combined import add_navigation, runs_index


def test_navigation_links_the_index_the_report_and_the_neighbours(tmp_path):
    (tmp_path / "html").mkdir()
    steps = [{"name": n, "html": f"html/{n}.html"} for n in ("01_goals", "02_data", "03_process")]
    for s in steps:
        (tmp_path / s["html"]).write_text("<html><body class='x'><h1>t</h1></body></html>", encoding="utf-8")
    add_navigation(tmp_path, steps, "en")
    add_navigation(tmp_path, steps, "en")  # idempotent
    middle = (tmp_path / "html" / "02_data.html").read_text(encoding="utf-8")
    assert middle.count("ak-nav") == 1
    assert re.findall(r"href='([^']+)'", middle) == ["index.html", "../report.html", "01_goals.html", "03_process.html"]
    first = (tmp_path / "html" / "01_goals.html").read_text(encoding="utf-8")
    assert "← " not in first and "02_data.html" in first
    ru = tmp_path / "ru"
    (ru / "html").mkdir(parents=True)
    (ru / "html" / "01_goals.html").write_text("<body></body>", encoding="utf-8")
    add_navigation(ru, steps[:1], "ru")
    assert "Полный отчёт" in (ru / "html" / "01_goals.html").read_text(encoding="utf-8")


def run_folder(root, slug, run_id, status, won_value=None, lang="en"):
    run = root / slug / run_id
    (run / "tables").mkdir(parents=True)
    manifest = {
        "client": f"{slug.title()} <Ltd>", "status": status, "started_at": "2026-01-02T03:04:05+00:00",
        "finished_at": "2026-01-02T03:04:35+00:00",
        "params": {"language": lang, "currency": "EUR", "period": {"start": "2025-01-01", "end": "2025-12-31"}},
    }
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if won_value is not None:
        pd.DataFrame(
            [{"kpi": "won_value", "label": "Won value", "value": won_value, "unit": "money", "available": True},
             {"kpi": "win_rate", "label": "Win rate", "value": float("nan"), "unit": "share", "available": False}]
        ).to_csv(run / "tables" / "02_headline_kpis.csv", index=False, encoding="utf-8-sig")
    return run


def test_the_runs_index_lists_every_run_with_status_kpis_and_links(tmp_path):
    run_folder(tmp_path, "acme", "20260102T030405Z", "ok", 1234.6)
    run_folder(tmp_path, "acme", "20260103T030405Z", "interrupted")
    run_folder(tmp_path, "beta", "20260101T000000Z", "insufficient", 10.0)
    (tmp_path / "acme" / ".20260104T000000Z.partial").mkdir()  # being written: not listed
    page = runs_index(tmp_path).read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td class='st-(\w+)'>", page)
    assert rows == [
        ("Beta &lt;Ltd&gt;", "20260101T000000Z", "insufficient"),
        ("Acme &lt;Ltd&gt;", "20260103T030405Z", "interrupted"),
        ("Acme &lt;Ltd&gt;", "20260102T030405Z", "ok"),
    ]
    assert "Won value: €1,235; Win rate: –" in page and "30 s" in page
    assert "acme/20260102T030405Z/html/index.html" in page and "partial" not in page
    assert '<meta name="viewport"' in page


def test_the_runs_index_is_in_the_language_its_runs_share(tmp_path):
    """Runs all in Russian give a Russian page (headings, status, period, duration, links); runs in two
    languages give an English page, each run's KPIs in its own language."""
    run_folder(tmp_path, "acme", "20260102T030405Z", "ok", 1234.6, lang="ru")
    run_folder(tmp_path, "beta", "20260101T000000Z", "insufficient", 10.0, lang="ru")
    page = runs_index(tmp_path).read_text(encoding="utf-8")
    assert '<html lang="ru">' in page and "<h1>Все запуски аудита</h1>" in page
    heads = re.findall(r"<th>(.*?)</th>", page)
    assert heads == ["Клиент", "Запуск", "Статус", "Период", "Начало (UTC)", "Длительность", "Главные показатели", "Открыть"]
    assert re.findall(r"<td class='st-\w+'>(.*?)</td>", page) == ["недостаточно данных", "готово"]
    assert "1 янв. 2025\u202fг. – 31 дек. 2025\u202fг." in page and "30 с" in page and ">отчёт<" not in page and ">шаги<" in page
    assert not re.search(r">(report|steps|ok|Client|Period)<", page)
    run_folder(tmp_path, "gamma", "20260105T000000Z", "ok", 5.0, lang="en")
    page = runs_index(tmp_path).read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<h1>Every audit run</h1>" in page and "30 s" in page
    assert "1 Jan 2025 – 31 Dec 2025" in page


@pytest.mark.slow
def test_the_demo_runs_combined_report(demo_run):
    report = (demo_run / "report.html").read_text(encoding="utf-8")
    assert len(report.encode()) < 5_000_000  # a few MB, figures included
    for n in range(1, 8):
        assert f"id='step-0{n}'" in report or f'id="step-0{n}"' in report, n
    for target in re.findall(r"href='#([\w-]+)'", report):
        assert f"id='{target}'" in report or f'id="{target}"' in report, target
    assert report.count("auditkit report style") == 1  # the report stylesheet once
    assert "Conversion collapses at Demo" in report.split("id='step-01'")[0]  # the summary comes first
    assert "<script>alert" not in report and "Traceback" not in report
    index = (demo_run.parent.parent / "index.html").read_text(encoding="utf-8")
    assert demo_run.name in index and "demo/" + demo_run.name + "/report.html" in index
