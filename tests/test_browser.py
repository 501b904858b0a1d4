"""The reports in a real browser: headless Chromium from the system's packages, driven by Playwright.

Opens the combined report, a step page, the run's step index and the index of every run from disk, in
English and in Russian, and checks that every table-of-contents and navigation link lands, every image
has loaded and is not blank, the console shows no error, no request leaves the machine, and no table is
wider than the page at 1400 px. A screenshot of each page is saved beside the test's output.

Without Chromium the test is skipped, unless ``AUDITKIT_REQUIRE_BROWSER`` is set (as ``.ci/run`` does
after installing Debian's ``chromium``): then a missing browser fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from helpers import PARAMS, write_small_client

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
AUDITKIT = str(Path(sys.executable).parent / "auditkit")

if CHROMIUM is None and not os.environ.get("AUDITKIT_REQUIRE_BROWSER"):
    pytest.skip("no Chromium on this machine (install Debian's chromium to run the browser test)", allow_module_level=True)

# an image is blank when every pixel is the same colour
BLANK_JS = """img => { const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const x = c.getContext('2d'); x.drawImage(img, 0, 0); const d = x.getImageData(0, 0, c.width, c.height).data;
  for (let i = 4; i < d.length; i += 4) { if (d[i] !== d[0] || d[i+1] !== d[1] || d[i+2] !== d[2]) return false; } return true; }"""


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "AUDITKIT_REQUIRE_BROWSER is set but Chromium is not installed"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def check_page(browser, path: Path, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    remote: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    assert not errors, f"{path.name}: console errors {errors}"
    assert not remote, f"{path.name}: requests leave the machine: {remote}"
    for img in page.query_selector_all("img"):
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), f"{path.name}: an image did not load"
        assert not img.evaluate(BLANK_JS), f"{path.name}: a blank image ({img.get_attribute('alt')})"
        assert img.get_attribute("alt"), f"{path.name}: an image without alt text"
    wide = page.eval_on_selector_all("table", "ts => ts.map(t => Math.round(t.getBoundingClientRect().right)).filter(r => r > 1400)")
    assert not wide, f"{path.name}: {len(wide)} table(s) wider than the page"
    for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
        url = urlparse(href)
        assert url.scheme == "file", f"{path.name}: a link leaves the machine: {href}"
        target = Path(unquote(url.path))
        assert target.is_file(), f"{path.name}: the link {href} goes nowhere"
        if url.fragment and target == path:
            assert page.query_selector(f"[id='{url.fragment}']"), f"{path.name}: no #{url.fragment} on the page"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{path.parent.name}-{path.stem}.png"), full_page=False)
    page.close()


def pages(run: Path) -> list[Path]:
    return [run / "report.html", run / "html" / "03_process.html", run / "html" / "index.html", run.parent.parent / "index.html"]


@pytest.mark.slow
def test_the_english_demo_reports_in_chromium(browser, demo_run, tmp_path):
    for path in pages(demo_run):
        check_page(browser, path, tmp_path / "screenshots")
    assert len(list((tmp_path / "screenshots").glob("*.png"))) == 4


@pytest.mark.slow
def test_a_russian_report_in_chromium(browser, tmp_path):
    params = write_small_client(tmp_path, params=PARAMS.replace("language: en", "language: ru"))
    result = subprocess.run([AUDITKIT, "run", str(params), "--outputs", str(tmp_path / "out"), "--steps", "01,02,03"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    run = next((tmp_path / "out" / "small").iterdir())
    report = (run / "report.html").read_text(encoding="utf-8")
    assert "Шаг 3. Процесс продаж по этапам" in report and "Полный отчёт" in (run / "html" / "02_data.html").read_text(encoding="utf-8")
    for path in pages(run):
        check_page(browser, path, tmp_path / "screenshots")
