"""auditkit: a repeatable, fast and readable audit of a sales department.

The public API is small:

- :func:`load_params` reads and validates a client's params file;
- :func:`load` reads the client's data into canonical tables with their
  data-quality issues;
- :func:`run` runs the step notebooks and renders the reports;
- :class:`Finding` is how a step reports what it found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import AuditkitError, DataError, ParamsError, RunError
from .findings import Finding
from .params import AuditParams, load_params

__all__ = ["AuditParams", "AuditkitError", "DataError", "Finding", "ParamsError", "RunError", "load", "load_params", "run"]
__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from .io.load import load
    from .runner import run


def __getattr__(name: str) -> Any:
    # the loaders and the runner pull in pandas and papermill: import them on first use
    if name == "load":
        from .io.load import load

        return load
    if name == "run":
        from .runner import run

        return run
    raise AttributeError(name)
