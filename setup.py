"""Build hook: ship the step notebooks (the repository's notebooks/ folder) inside the package.

Everything else about the package is in pyproject.toml. A wheel built from this checkout carries
``auditkit/notebooks/*.ipynb``, so ``pip install .`` (not only ``pip install -e .``) can run an audit;
the runner reads them with importlib.resources.
"""

from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithNotebooks(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "notebooks"
        target = Path(self.build_lib) / "auditkit" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for notebook in sorted(source.glob("*.ipynb")):
            shutil.copy2(notebook, target / notebook.name)


setup(cmdclass={"build_py": BuildWithNotebooks})
