"""auditkit: a repeatable, fast and readable audit of a sales department.

The public API is small:

- :func:`load_params` reads and validates a client's params file;
- :func:`load` reads the client's data into canonical tables with their
  data-quality issues;
- :func:`run` runs the step notebooks and renders the reports;
- :class:`Finding` is how a step reports what it found;
- :class:`AuditkitError` and its subclasses are the errors a user can fix.

Names are imported on first use, so ``import auditkit`` (and the command
line's start-up) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "AuditParams": "params",
    "load_params": "params",
    "load": "io.load",
    "run": "runner",
    "Finding": "findings",
    "AuditkitError": "errors",
    "DataError": "errors",
    "ParamsError": "errors",
    "RunError": "errors",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .errors import AuditkitError, DataError, ParamsError, RunError
    from .findings import Finding
    from .io.load import load
    from .params import AuditParams, load_params
    from .runner import run


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'auditkit' has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value
