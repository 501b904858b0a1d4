"""The analyst's path: a per-client working copy of the step notebooks for JupyterLab.

The tracked ``notebooks/`` are the product's source: opening them in JupyterLab would autosave outputs
into them. :func:`working_copy` copies them once per client into ``lab/<client>/`` with the parameters
cell pointing at the client's params file, and never overwrites a copy an analyst has worked in.
"""

from __future__ import annotations

from pathlib import Path

from .errors import RunError
from .params import load_params


def working_copy(params_path: Path | str, into: Path | str = "lab", step: str | None = None) -> tuple[Path, Path]:
    """Create (or reuse) ``<into>/<client slug>/`` holding every step notebook with ``params_path`` filled in
    and ``interactive = True``; returns the folder and the notebook to open first (``step``, default 01)."""
    import nbformat

    from .runner import notebooks_dir
    from .steps import STEPS

    params = load_params(params_path)
    assert params.source_path is not None
    folder = Path(into).resolve() / params.client.slug
    folder.mkdir(parents=True, exist_ok=True)
    source = notebooks_dir()
    for name in STEPS:
        target = folder / f"{name}.ipynb"
        if target.exists():
            continue  # the analyst's own copy: never overwritten
        nb = nbformat.read(str(source / f"{name}.ipynb"), as_version=4)
        for cell in nb.cells:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                cell.source = (
                    "# Parameters: this working copy reads this client's params file.\n"
                    f"params_path = {str(params.source_path)!r}\n"
                    'run_dir = ""          # "" builds the audit frame here and writes nothing\n'
                    "interactive = True    # filters and explorers\n"
                )
        nbformat.write(nb, str(target))
    chosen = [n for n in STEPS if step is None or n == step or n[:2] == step]
    if not chosen:
        raise RunError(f"no step matches {step!r}; steps are {', '.join(STEPS)} (or their numbers, e.g. 03).")
    return folder, folder / f"{chosen[0]}.ipynb"
