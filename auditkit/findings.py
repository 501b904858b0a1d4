"""Findings: how steps 1-6 talk to step 7.

A :class:`Finding` is one notable result: a stable id, the step and area it
comes from, a one-line title, a severity, the metric with its value, what it is
held against (a target or benchmark), a small evidence table and the key of a
recommended action. Steps write them as JSON beside the executed notebook
(``findings/<NN>_<step>.json`` in the run folder); step 7 reads them all.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

import numpy as np
import pandas as pd

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")
#: Severity bands on a measure: (lower bound, severity) pairs, highest bound first.
Bands = tuple[tuple[float, Severity], ...]


def severity_for(x: float, bands: Bands) -> Severity:
    """The severity of the first band whose lower bound ``x`` reaches (the last band otherwise)."""
    for bound, severity in bands:
        if x >= bound:
            return severity
    return bands[-1][1]


def _plain(value: Any) -> Any:
    """A JSON-safe version of a scalar (numpy, pandas and NaN/NaT included), or of a list or mapping of them
    (a Parquet export's list and struct columns, in quality examples)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds() / 86400
    return value


def records(df: pd.DataFrame, limit: int = 20) -> list[dict[str, Any]]:
    """The first ``limit`` rows of ``df`` as JSON-safe records (the evidence format)."""
    out = df.head(limit).reset_index(drop=df.index.name is None and not isinstance(df.index, pd.MultiIndex))
    return [{str(k): _plain(v) for k, v in row.items()} for row in out.to_dict(orient="records")]


def finding_id(step: int, kind: str, subject: str = "") -> str:
    """A stable id for a finding: its kind, then a hash of (step, kind, subject).

    The subject (a stage, a segment, a KPI) is client text, so it is hashed, not
    slugged: two subjects never collide by losing characters, and no client text
    leaks into file names or review keys. Example: ``process.bottleneck.conversion-3f9a1c2b7d4e``.
    """
    digest = hashlib.sha256(f"{int(step)}\x1f{kind}\x1f{subject}".encode("utf-8")).hexdigest()
    return f"{kind}-{digest[:12]}"


@dataclass(frozen=True)
class Finding:
    """One notable result of a step, with what it is held against and its evidence.

    ``kind`` says what sort of finding it is (``process.bottleneck.conversion``),
    ``subject`` what it is about (a stage, a KPI, a segment); the ``id`` is
    derived from (step, kind, subject), so a re-run finds the same id. ``unit``
    must be registered in :mod:`auditkit.units` when there is a value, and
    ``action`` in the action registry (:mod:`auditkit.actions`).
    """

    step: int
    kind: str
    title: str
    severity: Severity
    metric: str
    value: float | None
    subject: str = ""
    area: str = ""
    target: float | None = None
    benchmark: str = ""
    unit: str = ""
    detail: str = ""
    action: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    id: str = field(init=False, default="")

    def __post_init__(self) -> None:
        from .actions import check_action
        from .units import check_unit

        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        object.__setattr__(self, "value", _plain(self.value))
        object.__setattr__(self, "target", _plain(self.target))
        if self.unit or self.value is not None or self.target is not None:
            check_unit(self.unit)
        if self.action is not None:
            check_action(self.action)
        object.__setattr__(self, "area", self.area or self.kind.split(".")[0])
        object.__setattr__(self, "id", finding_id(self.step, self.kind, self.subject))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"id": data.pop("id"), **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "id"}
        return cls(**known)


def write_findings(
    path: Path | str, findings: Iterable[Finding], not_available: Iterable[dict[str, Any]] = ()
) -> Path:
    """Write a step's findings as JSON (UTF-8, most severe first, then by id); returns the path.

    The file is an object: ``findings`` (the list) and ``not_available`` (what the
    step could not measure and why: records with at least ``what`` and ``reason``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(findings, key=lambda f: (-SEVERITIES.index(f.severity), f.id))
    body = {"findings": [f.to_dict() for f in ordered], "not_available": list(not_available)}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def _findings_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.json")) if path.is_dir() else [path]


def read_findings(path: Path | str) -> list[Finding]:
    """Read a findings JSON file, or every ``*.json`` in a folder."""
    out: list[Finding] = []
    for f in _findings_files(Path(path)):
        body = json.loads(f.read_text(encoding="utf-8"))
        items = body["findings"] if isinstance(body, dict) else body
        out.extend(Finding.from_dict(d) for d in items)
    return out


def read_not_available(path: Path | str) -> list[dict[str, Any]]:
    """What the steps could not measure, from a findings file or folder (see :func:`write_findings`)."""
    out: list[dict[str, Any]] = []
    for f in _findings_files(Path(path)):
        body = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(body, dict):
            out.extend(body.get("not_available", []))
    return out


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a table (one row each, without evidence), most severe first."""
    rows = [{k: v for k, v in f.to_dict().items() if k != "evidence"} for f in findings]
    cols = ["id", *(c for c in Finding.__dataclass_fields__ if c not in ("id", "evidence"))]
    df = pd.DataFrame(rows, columns=cols)
    if df.empty:
        return df
    df["_rank"] = df["severity"].map(SEVERITIES.index)
    return df.sort_values(["_rank", "id"], ascending=[False, True]).drop(columns="_rank").reset_index(drop=True)
