"""Runner pieces that need no notebook: run folders and the kernel's interpreter."""

from __future__ import annotations

import datetime as dt
import sys

from auditkit.kernel import kernel_manager_class
from auditkit.runner import new_run_dir


def test_run_folders_are_never_reused(tmp_path):
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    first = new_run_dir(tmp_path, "acme", now)
    (first / "keep.txt").write_text("earlier run")
    second = new_run_dir(tmp_path, "acme", now)
    assert first.name == "20260102T030405Z" and second.name == "20260102T030405Z-2"
    assert (first / "keep.txt").read_text() == "earlier run"


def test_kernel_runs_in_this_environment_over_ipc():
    km = kernel_manager_class()(kernel_name="python3")
    assert km.kernel_spec.argv[0] == sys.executable
    assert km.transport == "ipc" and "auditkit-kernel-" in km.ip


def test_a_step_that_reads_earlier_findings_says_which_are_missing(tmp_path):
    from auditkit.runner import _findings_reasons

    (tmp_path / "findings").mkdir()
    for name in ("01_goals", "02_data", "03_process"):
        (tmp_path / "findings" / f"{name}.json").write_text('{"findings": [], "not_available": []}')
    [reason] = _findings_reasons("07_plan", tmp_path)
    assert "(Step 4. " in reason and "; Step 5. " in reason and "; Step 6. " in reason and "--from-run" in reason
    assert "Step 3." not in reason
    [ru] = _findings_reasons("07_plan", tmp_path, "ru")  # in the report's language, steps by their names
    assert ru.startswith("нет данных, потому что этот шаг читает выводы") and "(Шаг 4. " in ru and "--from-run" in ru
    assert _findings_reasons("03_process", tmp_path) == []


def test_sufficiency_names_each_missing_essential_column():
    import pandas as pd

    from auditkit.frame import frame_from_tables
    from auditkit.params import parse_params
    from auditkit.steps import STEPS, sufficiency

    params = parse_params(
        {
            "client": {"name": "X", "slug": "x"},
            "period": {"start": "2025-01-01", "end": "2025-03-31"},
            "pipeline": {"stages": ["New", "Won", "Lost"], "won": "Won", "lost": "Lost"},
            "data": {"tables": {"deals": {"path": "d.csv"}}},
        }
    )
    deals = pd.DataFrame({"deal_id": ["a"], "created_at": [None], "stage": ["New"], "amount": [1.0], "owner_id": ["r"]})
    frame = frame_from_tables(params, {"deals": deals.astype({"created_at": "datetime64[ns]"})})
    assert sufficiency(frame, "03_process") == ["not available, because Created is empty in every row of Deals"]
    assert sufficiency(frame, "01_goals") == [] and STEPS["07_plan"].needs_findings_of
