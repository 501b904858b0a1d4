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
