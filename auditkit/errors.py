"""One exception family. Every ``AuditkitError`` is a user-facing problem whose
``str()`` reads as a complete sentence: what is wrong, where, and what to do.
The command line prints it without a traceback."""

from __future__ import annotations


class AuditkitError(Exception):
    """Base of every error a user can fix (bad params, bad data, missing files)."""


class ParamsError(AuditkitError):
    """The params file is missing, is not valid YAML, or does not validate."""


class DataError(AuditkitError):
    """A data file cannot be read into a canonical table (missing file or column)."""


class RunError(AuditkitError):
    """A run could not be started (for example its output folder cannot be created)."""


class RunInterrupted(AuditkitError):
    """A run was interrupted (Ctrl-C, SIGTERM) or stopped by the system (a full disk); its incomplete
    folder is kept and marked in its manifest."""
