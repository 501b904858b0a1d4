"""Findings: how steps 1-6 talk to step 7.

A :class:`Finding` is one notable result: a stable id, the step and area it
comes from, a one-line title, a severity, the metric with its value, what it is
held against (a target or benchmark), a small evidence table and the key of a
recommended action. Steps write them as JSON beside the executed notebook
(``findings/<NN>_<step>.json`` in the run folder); step 7 reads them all.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

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
    """A JSON-safe version of a scalar (numpy, pandas and NaN/NaT included)."""
    if value is None or value is pd.NaT:
        return None
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


@dataclass(frozen=True)
class Finding:
    """One notable result of a step, with what it is held against and its evidence."""

    id: str
    step: int
    area: str
    title: str
    severity: Severity
    metric: str
    value: float | None
    target: float | None = None
    benchmark: str = ""
    unit: str = ""
    detail: str = ""
    action: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        object.__setattr__(self, "value", _plain(self.value))
        object.__setattr__(self, "target", _plain(self.target))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def write_findings(path: Path | str, findings: Iterable[Finding]) -> Path:
    """Write findings as a JSON list (UTF-8, stable order by severity then id); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(findings, key=lambda f: (-SEVERITIES.index(f.severity), f.id))
    path.write_text(json.dumps([f.to_dict() for f in ordered], ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_findings(path: Path | str) -> list[Finding]:
    """Read a findings JSON file, or every ``*.json`` in a folder."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    out: list[Finding] = []
    for f in files:
        out.extend(Finding.from_dict(d) for d in json.loads(f.read_text(encoding="utf-8")))
    return out


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a table (one row each, without evidence), most severe first."""
    rows = [{k: v for k, v in f.to_dict().items() if k != "evidence"} for f in findings]
    cols = list(Finding.__dataclass_fields__)[:-1]
    df = pd.DataFrame(rows, columns=cols)
    if df.empty:
        return df
    df["_rank"] = df["severity"].map(SEVERITIES.index)
    return df.sort_values(["_rank", "id"], ascending=[False, True]).drop(columns="_rank").reset_index(drop=True)
