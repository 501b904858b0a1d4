"""A normal install runs: a wheel built from this checkout, installed as a plain package (no -e) into
a folder of its own, generates the demo with its params and audits it outside the checkout, reading
the notebooks, catalogs and templates it ships. The wheel's dependencies are this environment's (they
are what ``pip install .`` resolved for CI); installing them again from the index would test pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT


def sh(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=1200, env=env)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_a_wheel_installs_and_audits_the_demo(tmp_path):
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT))
    [wheel] = list((tmp_path / "dist").glob("auditkit-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "auditkit/notebooks/03_process.ipynb" in names and "auditkit/catalog/demo_params.yaml" in names
    site = tmp_path / "site"
    sh(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel))
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("AUDITKIT_NOTEBOOKS", None)
    work = tmp_path / "elsewhere"  # not the checkout: the notebooks must come from the package
    work.mkdir()
    where = sh(sys.executable, "-c", "import auditkit, auditkit.runner as r; print(auditkit.__file__); print(r.notebooks_dir())", cwd=work, env=env)
    package, notebooks = where.stdout.split()
    assert package.startswith(str(site)) and notebooks.startswith(str(site))
    auditkit = [sys.executable, "-m", "auditkit"]
    sh(*auditkit, "demo", "--out", "data/demo", "--params", "params/demo.yaml", cwd=work, env=env)
    sh(*auditkit, "run", "params/demo.yaml", "--steps", "01,02", cwd=work, env=env)
    [run] = list((work / "outputs" / "demo").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert [s["status"] for s in manifest["steps"]] == ["ok", "ok"] and (run / "report.html").is_file()
    assert manifest["versions"]["auditkit"] == wheel.name.split("-")[1]  # the installed wheel's metadata


def test_the_packaged_demo_params_are_the_repositorys(tmp_path):
    from auditkit.demo import write_demo_params
    from auditkit.errors import RunError

    shipped = (ROOT / "auditkit" / "catalog" / "demo_params.yaml").read_text(encoding="utf-8")
    assert shipped == (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")
    path = write_demo_params(tmp_path / "p" / "demo.yaml", tmp_path / "d")
    assert "dir: ../d" in path.read_text(encoding="utf-8")
    with pytest.raises(RunError, match="never overwrites"):
        write_demo_params(path, tmp_path / "d")
