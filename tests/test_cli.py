"""The command line, run as a user runs it: a subprocess of the installed `auditkit`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from auditkit import load_params
from auditkit.actions import check_action
from auditkit.findings import finding_id, read_findings
from auditkit.steps import STEPS
from auditkit.units import UNITS
from auditkit.frame import build_frame
from auditkit.kpis import kpi_table
from auditkit.report.format import Formatter

from helpers import DEALS, ROOT, write_small_client

AUDITKIT = str(Path(sys.executable).parent / "auditkit")


def cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [AUDITKIT, *args], capture_output=True, text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=600
    )


def assert_user_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in result.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_missing_params_file(command, tmp_path):
    assert_user_error(cli(command, str(tmp_path / "nope.yaml")), "nope.yaml: no such params file")


def test_run_starts_the_steps_kernel_before_it_imports_pandas_and_lets_it_go_when_the_params_are_bad(tmp_path):
    # the kernel's start (its imports) overlaps the command's own imports and reading; an error still leaves no kernel
    code = (
        "import sys\n"
        "from auditkit import kernel\n"
        "seen, made, start = [], [], kernel.WarmKernel.start\n"
        "def recording(self):\n"
        "    seen.append('pandas' in sys.modules)\n"
        "    made.append(self)\n"
        "    return start(self)\n"
        "kernel.WarmKernel.start = recording\n"
        "from auditkit.cli import main\n"
        "try:\n"
        "    main(['run', sys.argv[1]])\n"
        "except SystemExit as stop:\n"
        "    print(seen, stop.code, [k.km is None for k in made])\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "nope.yaml")], capture_output=True, text=True, timeout=120)
    assert out.stdout.splitlines()[-1] == "[False] 2 [True]", out.stderr[-800:]
    assert "nope.yaml: no such params file" in out.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_yaml_syntax_error(command, tmp_path):
    path = write_small_client(tmp_path)
    path.write_text(path.read_text() + "broken: [\n")
    assert_user_error(cli(command, str(path)), "not valid YAML at line")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_unknown_key(command, tmp_path):
    path = write_small_client(tmp_path)
    path.write_text(path.read_text().replace("currency:", "curency:"))
    assert_user_error(cli(command, str(path)), "unknown key 'curency' in (top level). Did you mean 'currency'?")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_missing_data_file(command, tmp_path):
    path = write_small_client(tmp_path)
    (tmp_path / "data" / "deals.csv").unlink()
    assert_user_error(cli(command, str(path)), "data file not found", "data.tables.deals.path")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_missing_required_column(command, tmp_path):
    path = write_small_client(tmp_path)
    deals = pd.read_csv(tmp_path / "data" / "deals.csv", sep=";").drop(columns=["Owner"])
    deals.to_csv(tmp_path / "data" / "deals.csv", sep=";", index=False)
    result = cli(command, str(path), "--outputs", str(tmp_path / "out")) if command == "run" else cli(command, str(path))
    assert_user_error(result, "deals.csv", "'owner_id'", "Columns found: Deal ID, Created")
    assert not (tmp_path / "out").exists()  # nothing ran


def test_validate_reports_quality_issues(tmp_path):
    path = write_small_client(tmp_path, [*DEALS, ("D9", "2025-02-01", "", "Open", "New", "-5", "R1", "")])
    result = cli("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "params valid for Small Client" in result.stdout
    assert "deals.amount negative_amount: 1 (rows 10)" in result.stdout


def test_run_writes_a_readable_escaped_report_and_never_overwrites(tmp_path):
    # negative amounts, so both rows show as written in the quality examples
    evil = ("D9", "2025-02-02 10:00", "2025-02-20 10:00", "Lost", "New", "-100", "R1", "<script>alert(1)</script>")
    formula = ("D10", "2025-02-03 10:00", "2025-02-21 10:00", "Lost", "New", "-100", "R1", "=HYPERLINK(\"http://x\")")
    path = write_small_client(tmp_path, [*DEALS, evil, formula])
    out = tmp_path / "out"
    first = cli("run", str(path), "--outputs", str(out), "--steps", "01,02")
    assert first.returncode == 0, first.stdout + first.stderr
    second = cli("run", str(path), "--outputs", str(out), "--steps", "02")
    assert second.returncode == 0, second.stderr
    runs = sorted((out / "small").iterdir())
    assert len(runs) == 2
    run = runs[0]
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "ok" and [s["name"] for s in manifest["steps"]] == ["01_goals", "02_data"]
    assert manifest["inputs"]["deals"]["sha256"] and manifest["versions"]["pandas"] == pd.__version__
    html = (run / "html" / "02_data.html").read_text(encoding="utf-8")
    # the KPIs as computed by the library, formatted as the report formats them
    params = load_params(path)
    kpis = kpi_table(build_frame(params)).set_index("kpi")["value"]
    fmt = Formatter("en", "EUR")
    assert kpis["win_rate"] == pytest.approx(3 / 7)
    for kpi, unit in [("won_value", "money"), ("win_rate", "share"), ("open_pipeline_value", "money"), ("deals_created", "count")]:
        assert f">{fmt.by_unit(kpis[kpi], unit)}<" in html, kpi
    # no code, no parameters, no tracebacks, client text escaped
    assert "open_step(" not in html and "params_path" not in html and "Traceback" not in html
    assert "class=\"jp-InputArea" not in html and "class=\"jp-InputPrompt" not in html and "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    examples = pd.read_csv(run / "tables" / "02_quality_deals_negative_amount_amount.csv", encoding="utf-8-sig")
    assert "'=HYPERLINK(\"http://x\")" in examples["Lost reason"].tolist()
    assert (run / "clean" / "deals.parquet").is_file() and (run / "findings" / "02_data.json").is_file()
    assert (run / "html" / "index.html").is_file() and "Report:" in first.stdout


def test_a_failing_step_is_recorded_and_the_others_still_run(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    nb = nbformat.read(notebooks / "01_goals.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("raise ValueError('planted failure')"))
    nbformat.write(nb, notebooks / "01_goals.ipynb")
    path = write_small_client(tmp_path)
    result = cli("run", str(path), "--outputs", str(tmp_path / "out"), "--steps", "01,02", env={"AUDITKIT_NOTEBOOKS": str(notebooks)})
    assert result.returncode == 1
    assert "1 step(s) failed: 01_goals" in result.stderr
    run = next((tmp_path / "out" / "small").iterdir())
    steps = {s["name"]: s for s in json.loads((run / "manifest.json").read_text())["steps"]}
    assert steps["01_goals"]["status"] == "failed" and "planted failure" in steps["01_goals"]["error"]
    assert steps["02_data"]["status"] == "ok"
    page = (run / "html" / "01_goals.html").read_text(encoding="utf-8")
    assert "This step stopped with an error." in page and "planted failure" in page and "Traceback" not in page
    assert "An Exception was encountered" not in page  # papermill's banner points at hidden code cells


@pytest.mark.slow
def test_demo_audit_end_to_end(demo_params, demo_run):
    run = demo_run
    manifest = json.loads((run / "manifest.json").read_text())
    expected = ["ok" if spec.built else "not_built" for spec in STEPS.values()]
    assert [s["status"] for s in manifest["steps"]] == expected
    assert manifest["status"] == "ok" and manifest["scope"]["deals_created_after_as_of"] > 0
    unbuilt = [name for name, spec in STEPS.items() if not spec.built]
    assert (run / "html" / "index.html").read_text(encoding="utf-8").count("not built yet") == len(unbuilt)
    for name in unbuilt:
        assert "This step is not built yet" in (run / "html" / f"{name}.html").read_text(encoding="utf-8")
    params = load_params(demo_params)
    expected = kpi_table(build_frame(params))
    written = pd.read_csv(run / "tables" / "02_headline_kpis.csv", encoding="utf-8-sig")
    pd.testing.assert_series_equal(written["value"], expected["value"], check_names=False)
    html = (run / "html" / "02_data.html").read_text(encoding="utf-8")
    fmt = Formatter(params.language, params.currency)
    for row in expected.itertuples():
        assert f">{fmt.by_unit(row.value, row.unit)}<" in html, row.kpi
    # step 3 reads without the code: every section, the accounting, the planted findings
    page = (run / "html" / "03_process.html").read_text(encoding="utf-8")
    for heading in ("Funnel", "Time in stage", "Bottlenecks", "Cohorts by month of creation", "Segments", "Lost deals", "Pipeline velocity", "Leads"):
        assert f">{heading}</h2>" in page, heading
    assert "open_step(" not in page and "Traceback" not in page and "params_path" not in page
    assert "The one that matters most is Demo" in page
    funnel = pd.read_csv(run / "tables" / "03_funnel.csv", encoding="utf-8-sig")
    outcomes = funnel[["advanced", "skipped_ahead", "moved_back", "lost", "in_progress"]].sum(axis=1)
    assert (outcomes == funnel["entered"]).all()
    findings = {f["id"] for f in json.loads((run / "findings" / "03_process.json").read_text())["findings"]}
    planted = {finding_id(3, "process.bottleneck.conversion", "Demo"), finding_id(3, "process.bottleneck.time", "Negotiation")}
    assert {f for f in findings if f.startswith("process.bottleneck.")} == planted
    assert (run / "figures" / "03_funnel.png").is_file() and (run / "figures" / "03_cohorts.png").is_file()
    # every finding the demo emits has a registered unit and action (read back through Finding)
    emitted = read_findings(run / "findings")
    assert len(emitted) >= 8 and all(f.unit in UNITS for f in emitted if f.value is not None)
    assert all(check_action(f.action) for f in emitted if f.action)


def test_outputs_that_cannot_be_a_folder_is_a_message_not_a_traceback(tmp_path):
    path = write_small_client(tmp_path)
    (tmp_path / "taken").write_text("a file, not a folder")
    result = cli("run", str(path), "--outputs", str(tmp_path / "taken"))
    assert_user_error(result, "taken", "Check the path and its permissions.")


def test_empty_deals_export_stops_before_running(tmp_path):
    path = write_small_client(tmp_path)
    (tmp_path / "data" / "deals.csv").write_text("Deal ID;Created;Closed;Status;Stage;Value;Owner\n", encoding="utf-8")
    assert_user_error(cli("validate", str(path)), "the deals file has no data rows")
    assert_user_error(cli("run", str(path), "--outputs", str(tmp_path / "out")), "the deals file has no data rows")
    assert not (tmp_path / "out").exists()


def test_an_unreadable_date_column_is_insufficient_data_not_a_report_of_zeros(tmp_path):
    rows = [(d[0], "xx/" + d[1][5:], *d[2:]) for d in DEALS]  # every created date unreadable
    path = write_small_client(tmp_path, rows)
    checked = cli("validate", str(path))
    assert checked.returncode == 3, checked.stdout + checked.stderr
    assert "02_data" in checked.stdout and "insufficient data" in checked.stdout
    assert "100% of the Created values in Deals could not be read" in checked.stdout
    result = cli("run", str(path), "--outputs", str(tmp_path / "out"), "--steps", "01,02,03,04,07")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "4 step(s) had insufficient data: 02_data, 03_process, 04_people, 07_plan" in result.stderr
    run = next((tmp_path / "out" / "small").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert [s["status"] for s in manifest["steps"]] == ["ok", "insufficient", "insufficient", "insufficient", "insufficient"]
    assert "Step 5. Technology and CRM use; Step 6. Communication" in manifest["steps"][-1]["reasons"][0]  # step 7 needs their findings
    assert manifest["status"] == "insufficient"
    page = (run / "html" / "02_data.html").read_text(encoding="utf-8")
    assert "the data cannot support it" in page and "Created values in Deals could not be read" in page
    index = (run / "html" / "index.html").read_text(encoding="utf-8")
    assert "st-insufficient" in index and "insufficient data" in index


def test_from_run_reuses_the_frame_and_refuses_changed_inputs(tmp_path):
    path = write_small_client(tmp_path)
    out = tmp_path / "out"
    assert cli("run", str(path), "--outputs", str(out), "--steps", "02").returncode == 0
    first = next((out / "small").iterdir())
    again = cli("run", str(path), "--outputs", str(out), "--steps", "03", "--from-run", str(first))
    assert again.returncode == 0, again.stdout + again.stderr
    second = sorted((out / "small").iterdir())[-1]
    assert (second / "findings" / "02_data.json").is_file() and (second / "findings" / "03_process.json").is_file()
    assert json.loads((second / "manifest.json").read_text())["from_run"] == str(first)
    (tmp_path / "data" / "leads.csv").write_text("lead_id,created_at,source\nL9,2025-01-01,Web\n", encoding="utf-8")
    assert_user_error(cli("run", str(path), "--outputs", str(out), "--from-run", str(first)), "cannot reuse this run", "leads")


# -- issue 7: params robustness, the same message from validate and run ------------------------------
@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda t: t.replace('delimiter: ";"', 'delimiter: ";;"'), "delimiter ';;' is 2 characters long"),
        (lambda t: t.replace("currency: EUR", "currency: EUA"), "currency 'EUA' is not an ISO 4217 currency code"),
        (lambda t: t.replace('delimiter: ";"', 'delimiter: ";"\n      date_format: "%d.%m.%Q"'), "unknown directive '%Q'"),
        (lambda t: t.replace("Value: amount", "Value: amount, Net: amount"), "columns maps both 'Value' and 'Net' to 'amount'"),
        (lambda t: t.replace("language: en\n", "language: en\nlanguage: ru\n"), "the key 'language' is written twice"),
    ],
)
def test_params_mistakes_are_one_message_from_validate_and_run(command, change, needle, tmp_path):
    path = write_small_client(tmp_path)
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = cli(command, str(path), "--outputs", str(tmp_path / "out")) if command == "run" else cli(command, str(path))
    assert_user_error(result, needle)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_file_column_named_like_the_internal_row_column_is_one_message(command, tmp_path):
    path = write_small_client(tmp_path)
    deals = tmp_path / "data" / "deals.csv"
    deals.write_text(deals.read_text(encoding="utf-8").replace("Lost reason", "_row"), encoding="utf-8")
    result = cli(command, str(path), "--outputs", str(tmp_path / "out")) if command == "run" else cli(command, str(path))
    assert_user_error(result, "deals.csv: the file has a column named '_row'", "Rename that column in a copy of the file")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_cp1251_params_file_is_one_message(command, tmp_path):
    path = write_small_client(tmp_path)
    path.write_bytes(path.read_text(encoding="utf-8").replace("Small Client", "Ромашка").encode("cp1251"))
    assert_user_error(cli(command, str(path)), "the params file is not UTF-8 text", "Save it as UTF-8")


def test_echoed_errors_cannot_drive_the_terminal(tmp_path):
    # a data file named with an ANSI sequence: the message names it, without the escape
    path = write_small_client(tmp_path)
    text = path.read_text(encoding="utf-8").replace("path: leads.csv", "path: \"leads\\e[31mRED\\e]0;owned\\a.csv\"")
    path.write_text(text, encoding="utf-8")
    result = cli("validate", str(path))
    assert result.returncode == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "leadsRED.csv" in result.stderr and "not found" in result.stderr  # the sequences are gone, the name stays


def test_lab_makes_a_working_copy_and_never_touches_the_tracked_notebooks(tmp_path):
    path = write_small_client(tmp_path)
    before = {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    result = cli("lab", str(path), "--step", "03", "--into", str(tmp_path / "lab"), "--prepare-only")
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "lab" / "small"
    nb = nbformat.read(copy / "03_process.ipynb", as_version=4)
    params_cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert repr(str(path.resolve())) in params_cell.source and "interactive = True" in params_cell.source
    (copy / "03_process.ipynb").write_text("analyst's work", encoding="utf-8")
    assert cli("lab", str(path), "--into", str(tmp_path / "lab"), "--prepare-only").returncode == 0
    assert (copy / "03_process.ipynb").read_text(encoding="utf-8") == "analyst's work"  # kept
    assert {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")} == before


@pytest.mark.slow
def test_steps_run_two_at_a_time_give_the_same_results_in_step_order(tmp_path):
    path = write_small_client(tmp_path)
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = cli("run", str(path), "--outputs", str(out), "--jobs", jobs)
        assert result.returncode in (0, 3), result.stdout + result.stderr
        printed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  0")]
        assert printed == list(STEPS)  # in step order, as they end
        runs[jobs] = next((out / "small").iterdir())
    one, two = runs["1"], runs["2"]
    statuses = [[(s["name"], s["status"]) for s in json.loads((run / "manifest.json").read_text())["steps"]] for run in (one, two)]
    assert statuses[0] == statuses[1] and ("07_plan", "ok") in statuses[1] and ("04_people", "ok") in statuses[1]
    assert sorted(p.name for p in (two / "logs").iterdir()) == ["kernel-2.log", "kernel.log"]  # a second kernel ran steps
    assert sorted(p.name for p in (one / "logs").iterdir()) == ["kernel.log"]
    for folder in ("findings", "tables"):  # each step saw only its own namespace, whichever kernel it ran in
        names = sorted(p.name for p in (one / folder).iterdir())
        assert names and names == sorted(p.name for p in (two / folder).iterdir())
        for name in names:
            assert (one / folder / name).read_bytes() == (two / folder / name).read_bytes(), name


def test_validate_says_what_a_missing_expected_column_costs(tmp_path):
    """A deals export without an amount column validates (every step can run), and validate says that the
    figures needing amounts will say they are not available; with the column it says nothing of the kind."""
    from helpers import PARAMS

    path = write_small_client(tmp_path, params=PARAMS.replace(" Value: amount,", ""))
    deals = pd.read_csv(tmp_path / "data" / "deals.csv", sep=";").drop(columns=["Value"])
    deals.to_csv(tmp_path / "data" / "deals.csv", sep=";", index=False)
    checked = cli("validate", str(path))
    assert "deals: the export has no amount column; every figure that needs it will say it is not available." in checked.stdout
    assert "Traceback" not in checked.stderr
    whole = cli("validate", str(write_small_client(tmp_path / "whole")))
    assert "the export has no" not in whole.stdout
