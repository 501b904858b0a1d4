"""auditkit batch: many clients, a failure that stops nobody, parallel kernels that never collide (the
first batch starts three at once), incremental re-runs, and the same batch on a Dask cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import PARAMS, write_small_client

AUDITKIT = str(Path(sys.executable).parent / "auditkit")


def clients(root: Path, n: int, broken: bool = False) -> Path:
    """``n`` small clients (slugs c0, c1, ...), plus one whose deals file is missing; returns the params folder."""
    folder = root / "params"
    folder.mkdir()
    for i in range(n + broken):
        path = write_small_client(root / f"c{i}", params=PARAMS.replace("slug: small", f"slug: c{i}"))
        if broken and i == n:
            (root / f"c{i}" / "data" / "deals.csv").unlink()
        (folder / f"c{i}.yaml").write_text(path.read_text(encoding="utf-8").replace("dir: data", f"dir: {path.parent / 'data'}"), encoding="utf-8")
    return folder


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AUDITKIT, *args], capture_output=True, text=True, timeout=900, env=os.environ.copy())


def manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_a_batch_of_four_with_one_broken_gives_three_reports_one_failure_and_reuses_on_the_rerun(tmp_path):
    folder = clients(tmp_path, 3, broken=True)
    out = tmp_path / "out"
    # three clients' kernels start side by side over IPC (the DESIGN notes saw about 1 start in 200 fail on
    # TCP ports); repeat by hand with AUDITKIT_COLLISION_ROUNDS=50
    rounds = int(os.environ.get("AUDITKIT_COLLISION_ROUNDS", "1"))
    for _ in range(rounds):
        first = cli("batch", str(folder), "--outputs", str(out), "--jobs", "3", "--steps", "01", "--force")
        assert first.returncode == 1, first.stdout + first.stderr
        assert "Traceback" not in first.stdout + first.stderr
        assert "c3.yaml: 1 data file not found" in first.stdout and first.stdout.count(" ok ") >= 3
    reports = sorted(out.glob("c*/*/report.html"))
    assert [p.parent.parent.name for p in reports] == [c for c in ("c0", "c1", "c2") for _ in range(rounds)]
    assert all(manifest(p.parent)["status"] == "ok" for p in reports)
    assert "c0" in (out / "index.html").read_text(encoding="utf-8")
    # nothing changed: every step is reused; a changed input re-runs that client's steps only
    (tmp_path / "c1" / "data" / "leads.csv").write_text("lead_id,created_at,source\nL1,2025-01-02,Web\n", encoding="utf-8")
    second = cli("batch", str(folder), "--outputs", str(out), "--jobs", "2", "--steps", "01")
    assert second.returncode == 1
    latest = {c: sorted((out / c).iterdir())[-1] for c in ("c0", "c1", "c2")}
    reused = {c: [s.get("reused_from") is not None for s in manifest(run)["steps"]] for c, run in latest.items()}
    assert reused == {"c0": [True], "c1": [False], "c2": [True]}
    forced = cli("batch", str(folder / "c0.yaml"), "--outputs", str(out), "--steps", "01", "--force")
    assert forced.returncode == 0 and not manifest(sorted((out / "c0").iterdir())[-1])["steps"][0].get("reused_from")


@pytest.mark.slow
def test_the_same_batch_on_a_local_dask_cluster(tmp_path):
    from dask.distributed import LocalCluster

    from auditkit.batch import batch

    folder = clients(tmp_path, 2, broken=True)
    events = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = batch([folder], tmp_path / "out", steps=["01"], scheduler=cluster.scheduler_address, on_event=events.append)
    assert [c.status for c in result.clients] == ["ok", "ok", "error"] and result.status == "failed"
    assert sorted(e["status"] for e in events) == ["error", "ok", "ok"]
    assert "not found" in result.clients[2].error and len(list((tmp_path / "out").glob("c*/*/report.html"))) == 2


def test_params_files_from_folders_and_files(tmp_path):
    from auditkit.batch import params_files
    from auditkit.errors import RunError

    (tmp_path / "b.yaml").write_text("x: 1")
    (tmp_path / "a.yml").write_text("x: 1")
    (tmp_path / "notes.txt").write_text("not params")
    assert [p.name for p in params_files([tmp_path])] == ["a.yml", "b.yaml"]
    with pytest.raises(RunError, match="no such params file or folder"):
        params_files([tmp_path / "nope"])


def test_client_labels_tell_params_files_of_the_same_name_apart():
    from auditkit.batch import client_labels

    assert client_labels(["/x/acme.yaml", "/x/globex.yaml"]) == {"/x/acme.yaml": "acme", "/x/globex.yaml": "globex"}
    assert client_labels(["/x/acme/params.yaml", "/x/globex/params.yaml"]) == {
        "/x/acme/params.yaml": "acme/params", "/x/globex/params.yaml": "globex/params"}
    assert client_labels(["/a/eu/params.yaml", "/b/eu/params.yaml", "/a/us.yaml"]) == {
        "/a/eu/params.yaml": "a/eu/params", "/b/eu/params.yaml": "b/eu/params", "/a/us.yaml": "a/us"}
    assert client_labels(["/a/params.yaml", "/x/y/z/params.yaml", "/q/y/z/params.yaml"]) == {
        "/a/params.yaml": "a/params", "/x/y/z/params.yaml": "x/y/z/params", "/q/y/z/params.yaml": "q/y/z/params"}
    assert client_labels([]) == {}


@pytest.mark.slow
def test_a_batchs_progress_lines_name_each_client_although_every_params_file_is_params_yaml(tmp_path):
    files = [write_small_client(tmp_path / name, params=PARAMS.replace("slug: small", f"slug: {name}")) for name in ("acme", "globex")]
    done = cli("batch", *map(str, files), "--outputs", str(tmp_path / "out"), "--steps", "01")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line.split() for line in done.stdout.splitlines() if "01_goals" in line]
    assert sorted(line[0] for line in lines) == ["acme/params", "globex/params"]
