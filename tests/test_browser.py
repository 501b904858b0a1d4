"""The reports in a real browser: headless Chromium from the system's packages, driven by Playwright.

Opens the combined report, a step page, the run's step index and the index of every run from disk, in
English and in Russian, and checks that every table-of-contents and navigation link lands, every image
has loaded and is not blank, the console shows no error, no request leaves the machine, and no table is
wider than the page at 1400 px. A screenshot of each page is saved beside the test's output.

The hostile-text report (the bad-input corpus's hostile client, with script, event-handler, ``javascript:``,
CSS ``url()``, iframe and meta-refresh markup planted in the client's name, a stage, rep and team names and
lost reasons) is opened page by page with every dialog, request, console message and page error recorded:
no planted script runs, no dialog opens, no request leaves the run folder, no planted markup is parsed into
the DOM, the markup is shown as text, and no bidi control or zero-width character reaches the page.

Without Chromium the test is skipped, unless ``AUDITKIT_REQUIRE_BROWSER`` is set (as ``.ci/run`` does
after installing Debian's ``chromium``): then a missing browser fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest


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
def test_a_russian_report_in_chromium(browser, demo_run_ru, tmp_path):
    run = demo_run_ru
    report = (run / "report.html").read_text(encoding="utf-8")
    assert "Шаг 3. Процесс продаж по этапам" in report and "Полный отчёт" in (run / "html" / "02_data.html").read_text(encoding="utf-8")
    for path in pages(run):
        check_page(browser, path, tmp_path / "screenshots")


# -- the hostile-text report -------------------------------------------------------------------------
#
# The bad-input corpus's hostile client (``shape_hostile_text``: a bidi override and zero-width space in a
# rep, a formula in a lost reason, a bare CR before a formula), with markup planted everywhere client text
# reaches the report: the client's name, a stage name, rep names, team names and lost reasons. Every planted
# script sets ``window.__pwned`` (some also call ``alert``); every planted load points at example.com.

PWN = "window.__pwned=1"
PLANTED = {
    "client": f"<script>{PWN};alert(1)</script> Client",
    "stage": f'Qualified"><svg onload={PWN}>',
    "rep_img": f"<img src=x onerror={PWN}>",
    "rep_link": f'<a href="javascript:{PWN}">Bob</a>',
    "team_css": "<style>body{background:url(http://example.com/css.png)}</style>",
    "team_iframe": "<iframe src=http://example.com/frame></iframe>",
    "team_meta": '<meta http-equiv="refresh" content="0;url=http://example.com/refresh">',
    "reason_script": f"<script>{PWN};alert(1)</script>",
    "reason_div": '<div style="background:url(http://example.com/div.png)">x</div>',
}
# the init script: it proves itself present (so a clean flag means something) and records any dialog call
INIT_JS = """window.__auditkit_watch = true; window.__planted = [];
for (const f of ['alert', 'confirm', 'prompt']) { const orig = window[f]; window[f] = function (...a) { window.__planted.push(f); return orig.apply(this, a); }; }"""
MOUSE_JS = "() => { for (const el of document.querySelectorAll('body *')) for (const t of ['mouseover', 'mouseenter', 'focus']) el.dispatchEvent(new Event(t)); }"
# markup a planted payload would leave in the DOM if it were parsed instead of shown
PARSED_JS = """() => { const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) { if (a.name.startsWith('on')) found.push(`${el.tagName} ${a.name}`); }
    if (el.style && /url\\(/i.test(el.getAttribute('style') || '')) found.push(`${el.tagName} style url()`);
  }
  for (const el of document.querySelectorAll('script, iframe, object, embed, meta[http-equiv], link[href^=http], svg'))
    found.push(el.outerHTML.slice(0, 80));
  for (const a of document.querySelectorAll('a[href]')) if (!/^(file:|#)/.test(a.getAttribute('href')) && a.protocol !== 'file:') found.push(a.outerHTML.slice(0, 80));
  for (const s of document.querySelectorAll('style')) if (/url\\(\\s*['"]?https?:/i.test(s.textContent)) found.push('a <style> loading ' + s.textContent.slice(0, 60));
  return found; }"""


def hostile_client(root: Path) -> Path:
    """The corpus's hostile-text client, with markup planted in every kind of client text; the params path."""
    from bad_input.cases import BIDI, DEALS, HOSTILE, client, csv_text

    stage = PLANTED["stage"]
    deals = [(*r[:4], stage if r[4] == "Qualified" else r[4], *r[5:]) for r in DEALS]
    deals += [  # the corpus case's two rows, then lost deals whose reasons carry markup, owned by R3
        ("D9", "2025-02-02 10:00", "2025-02-20 10:00", "Lost", "New", "-100", BIDI, HOSTILE),
        ("D10", "2025-02-03 10:00", "2025-02-21 10:00", "Lost", "New", "-100", "R1", "\r=1+1"),
        ("D11", "2025-02-04 10:00", "2025-02-22 10:00", "Lost", stage, "100", "R3", PLANTED["reason_script"]),
        ("D12", "2025-02-05 10:00", "2025-02-23 10:00", "Lost", "Proposal", "200", "R3", PLANTED["reason_div"]),
        ("D13", "2025-02-06 10:00", "2025-03-10 10:00", "Won", "Won", "300", "R3", ""),
    ]
    reps = [("R1", PLANTED["rep_img"], PLANTED["team_css"]), ("R2", BIDI, PLANTED["team_iframe"]), ("R3", PLANTED["rep_link"], PLANTED["team_meta"])]
    subs = (
        ("{name: Small Client,", "{name: " + json.dumps(PLANTED["client"] + " " + BIDI) + ","),
        ("[New, Qualified, Proposal, Won, Lost]", f"[New, {json.dumps(stage)}, Proposal, Won, Lost]"),
        ("    leads: {path: leads.csv}\n", "    leads: {path: leads.csv}\n    reps: {path: reps.csv}\n"),
    )
    extra = {"reps.csv": csv_text(reps, ["rep_id", "name", "team"], ",").encode()}
    return client(root, deals_bytes=csv_text(deals, quote_all=True).encode(), subs=subs, extra=extra)  # quoted: the bare CR stays in its cell


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile client audited once, every step, by the installed command; the run folder."""
    root = tmp_path_factory.mktemp("hostile")
    params = hostile_client(root)
    result = subprocess.run([AUDITKIT, "run", str(params), "--outputs", str(root / "out")], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return next((root / "out" / "small").iterdir())


def open_guarded(browser, path: Path, run: Path) -> dict:  # type: ignore[no-untyped-def]
    """Open ``path`` with every dialog, request, console message and page error recorded (any request that is
    not a file of the run folder or a data: URL is aborted); what was recorded, the page's text and HTML,
    the planted markup found parsed in the DOM and the script flags."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    seen: dict = {"dialogs": [], "requests": [], "console": [], "errors": []}
    inside = run.resolve().as_uri() + "/"

    def allowed(url: str) -> bool:
        return url.startswith(("data:", inside)) or url == "about:blank"

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        route.continue_() if allowed(route.request.url) else route.abort()  # recorded by the request handler

    context.route("**/*", guard)
    context.add_init_script(INIT_JS)
    page = context.new_page()
    page.on("dialog", lambda d: (seen["dialogs"].append(f"{d.type}: {d.message}"), d.dismiss()))
    page.on("request", lambda r: None if allowed(r.url) else seen["requests"].append(r.url))
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # let a planted timer, refresh or late load show itself
    page.evaluate(MOUSE_JS)  # a planted mouseover handler would fire here
    seen.update(
        text=page.inner_text("body"),
        title=page.title(),
        html=page.content(),
        parsed=page.evaluate(PARSED_JS),
        flags=page.evaluate("() => ({watch: window.__auditkit_watch === true, pwned: window.__pwned, calls: window.__planted})"),
        url=page.url,
    )
    context.close()
    return seen


@pytest.mark.slow
def test_the_hostile_text_report_shows_the_markup_and_runs_none_of_it(browser, hostile_run):
    from auditkit.report.format import visible
    from bad_input.cases import BIDI

    run = hostile_run
    paths = [run / "report.html", run / "html" / "index.html", *sorted(p for p in (run / "html").glob("*.html") if p.name != "index.html")]
    assert len(paths) == 9, [p.name for p in paths]  # the report, the index and the seven step pages
    texts = {}
    for path in paths:
        seen = open_guarded(browser, path, run)
        name = path.relative_to(run)
        assert seen["url"] == path.as_uri(), f"{name}: the page navigated away to {seen['url']}"
        assert seen["flags"]["watch"], f"{name}: the init script did not run, so the checks below would prove nothing"
        assert seen["flags"]["pwned"] is None and not seen["flags"]["calls"], f"{name}: a planted script ran: {seen['flags']}"
        assert not seen["dialogs"], f"{name}: dialogs opened: {seen['dialogs']}"
        assert not seen["requests"], f"{name}: requests left the run folder: {seen['requests']}"
        assert not seen["parsed"], f"{name}: planted markup was parsed into the page: {seen['parsed']}"
        assert not seen["errors"] and not [c for c in seen["console"] if c.startswith("error")], f"{name}: {seen['errors'] + seen['console']}"
        # no bidi control or zero-width character reaches the DOM, its text or the tab title
        for where in ("text", "title", "html"):
            assert visible(seen[where]) == seen[where], f"{name}: an invisible control character in the page's {where}"
        assert PLANTED["client"] in seen["title"] or path.parent.name == "html", f"{name}: title {seen['title']!r}"
        texts[str(name)] = seen["text"]
    # the markup is shown as the client wrote it: in the combined report, and on the step page that is about it
    where = {"client": "html/index.html", "stage": "html/03_process.html", "rep_img": "html/04_people.html", "rep_link": "html/04_people.html",
             "team_css": "html/04_people.html", "team_iframe": "html/04_people.html", "team_meta": "html/04_people.html"}
    for key, page in where.items():
        for shown in ("report.html", page):
            assert PLANTED[key] in texts[shown], f"{shown}: the planted {key} {PLANTED[key]!r} is not shown as text"
    assert visible(BIDI) in texts["report.html"] and "⟦U+202E⟧" in texts["html/index.html"], "the bidi override is not shown as its code"
    # lost reasons are shown normalised (punctuation dropped, see auditkit.metrics.reasons), as words
    assert "Script window pwned 1 alert 1 script" in texts["html/03_process.html"]
    assert "Div style background url http example com div png x div" in texts["html/03_process.html"]
