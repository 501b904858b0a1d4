"""--anonymize: people, accounts and the client replaced by stable pseudonyms throughout the run, the
key kept beside the params file, and no absolute path in the run folder."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import write_small_client

AUDITKIT = str(Path(sys.executable).parent / "auditkit")


@pytest.mark.slow
def test_an_anonymised_run_carries_no_name_and_no_path(tmp_path):
    params = write_small_client(tmp_path)
    out = tmp_path / "out"
    for steps in ("01,02,03", "01"):  # the second run only shows the pseudonyms are stable
        result = subprocess.run([AUDITKIT, "run", str(params), "--outputs", str(out), "--steps", steps, "--anonymize"],
                                capture_output=True, text=True, timeout=600, env=os.environ.copy())
        assert result.returncode == 0, result.stdout + result.stderr
    first, second = sorted((out / "small").iterdir())
    secret = ["Small Client", "R1", "R2", str(tmp_path)]  # the client, the reps (owner ids) and the absolute path
    for path in first.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".csv", ".json", ".md", ".log"):
            text = re.sub(r"base64,[A-Za-z0-9+/=\\n]+", "base64,", path.read_text(encoding="utf-8", errors="replace"))
            for word in secret:
                assert not re.search(rf"(?<![\w/]){re.escape(word)}(?!\w)", text), f"{word!r} in {path.relative_to(first)}"
        elif path.is_file() and path.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path).to_pandas()
            for word in secret:
                assert not table.astype(str).isin([word]).any().any(), f"{word!r} in {path.relative_to(first)}"
    mapping = json.loads((tmp_path / "params.pseudonyms.json").read_text(encoding="utf-8"))
    assert set(mapping["names"].values()) >= {"R1", "R2"} and mapping["secret"]
    assert "Client" in (first / "report.html").read_text(encoding="utf-8")
    # stable: the same rep has the same pseudonym in both runs
    deals = lambda run: sorted(set(__import__("pandas").read_parquet(run / "clean" / "deals.parquet")["owner_id"]))  # noqa: E731
    assert deals(first) == deals(second) and all(d.startswith("Rep ") for d in deals(first))


def test_an_earlier_runs_summarised_activities_are_anonymised_too(tmp_path):
    """--from-run with --anonymize: the earlier run's cache keeps the activities summarised, not their rows;
    the people in the summary get the same pseudonyms as in the deals, and nothing reads the rows."""
    import pandas as pd

    from auditkit.anonymize import Pseudonyms, anonymize_frame
    from auditkit.frame import AuditFrame, frame_from_tables
    from auditkit.params import parse_params

    params = parse_params({
        "client": {"name": "Small Client", "slug": "small"}, "period": {"start": "2025-01-01", "end": "2025-03-31"},
        "pipeline": {"stages": ["New", "Won", "Lost"], "won": "Won", "lost": "Lost"},
        "data": {"tables": {"deals": {"path": "d.csv"}}},
    })
    deals = pd.DataFrame({"deal_id": ["D1", "D2"], "created_at": ["2025-01-05", "2025-01-10"], "stage": "New", "owner_id": ["R1", "R2"]})
    activities = pd.DataFrame({"activity_id": ["a1", "a2", "a3"], "at": ["2025-01-06", "2025-01-07", "2025-02-01"],
                               "type": "call", "owner_id": ["R1", "R2", None], "deal_id": ["D1", "D1", "D2"],
                               "logged_at": ["2025-01-06 01:00", "2025-01-08", "2025-02-01"]})
    frame_from_tables(params, {"deals": deals, "activities": activities}).save(tmp_path / "run")
    earlier = AuditFrame.load(tmp_path / "run")
    frame = anonymize_frame(earlier, Pseudonyms(tmp_path / "key.json"))
    summary = frame.activity
    people = set(summary.by_deal["owner_id"].dropna()) | set(summary.by_rep["owner_id"].dropna()) | set(summary.lag["rep"])
    assert people and not people & {"R1", "R2"}
    assert people - {"(all)", "(none)"} <= set(frame.data.tables["deals"]["owner_id"].dropna())  # the same pseudonyms
    assert frame.data.rows() == earlier.data.rows()
    pd.testing.assert_frame_equal(summary.by_rep.drop(columns="owner_id"), earlier.activity.by_rep.drop(columns="owner_id"))
    assert "activities" not in earlier.data.tables.read()
    frame.save(tmp_path / "again")  # the anonymised run writes its cache from the summary
    assert AuditFrame.load(tmp_path / "again").activity.by_deal.equals(summary.by_deal)
