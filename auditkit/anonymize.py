"""Anonymised reports: people, accounts and the client replaced by stable pseudonyms.

:func:`anonymize_frame` returns a copy of an audit frame in which every column that names a person or an
account (rep ids and names, managers, owners, assessors, respondents, accounts) and the client's name
hold pseudonyms ("Rep 3f9a1c", "Account 07b2e4", "Client"), and the quality examples (raw rows as
written in the files) are dropped, since they could hold any of those names. Pseudonyms are stable: the
same name gets the same pseudonym in every run of the client, because they are keyed HMACs with a
secret kept in the mapping file. The mapping (pseudonym -> original) lives in that file, beside the
client's params file (``<params>.pseudonyms.json``), never in the run folder or the report.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .frame import AuditFrame
    from .metrics.activities import ActivitySummary

#: Columns that name a person or an account, and the word their pseudonyms start with.
PSEUDONYMISED: dict[tuple[str, str], str] = {
    ("deals", "owner_id"): "Rep",
    ("deals", "account_id"): "Account",
    ("reps", "rep_id"): "Rep",
    ("reps", "name"): "Rep",
    ("reps", "manager"): "Rep",
    ("leads", "owner_id"): "Rep",
    ("activities", "owner_id"): "Rep",
    ("targets", "rep_id"): "Rep",
    ("assessments", "rep_id"): "Rep",
    ("assessments", "assessor"): "Rep",
    ("survey", "respondent_id"): "Respondent",
}
#: The client's name in an anonymised report.
CLIENT_PSEUDONYM = "Client"


def mapping_file(params_path: Path) -> Path:
    """Where a client's pseudonyms are kept: beside its params file, never in a run folder."""
    return params_path.with_name(params_path.stem + ".pseudonyms.json")


class Pseudonyms:
    """Stable pseudonyms for one client: a secret, and what each pseudonym stands for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self.secret: str = data.get("secret") or secrets.token_hex(16)
        self.names: dict[str, str] = dict(data.get("names", {}))

    def __call__(self, value: Any, word: str) -> Any:
        """The pseudonym of ``value`` (missing values stay missing). A rep's id and name share one
        pseudonym only if they are the same text; each is stable across runs."""
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return value
        digest = hmac.new(self.secret.encode(), str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:6]
        alias = f"{word} {digest}"
        self.names[alias] = str(value)
        return alias

    def save(self) -> Path:
        """Write the secret and the mapping atomically; returns the file."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"secret": self.secret, "names": dict(sorted(self.names.items()))}, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.path)
        return self.path


def anonymize_frame(frame: "AuditFrame", pseudonyms: Pseudonyms) -> "AuditFrame":
    """A copy of ``frame`` with people, accounts and the client's name replaced by pseudonyms; quality
    examples dropped. Owners and rep ids get the same pseudonym wherever they appear, so joins hold."""
    from .frame import AuditFrame, LazyTables
    from .io.load import AuditData
    from .quality import QualityIssue

    raw = frame.data.tables
    kept = [name for name in raw if not LazyTables.readable(raw, name)]  # an earlier run's summarised activities
    tables = LazyTables.like(raw)  # every other table is replaced by its pseudonymised copy below
    for name in raw:
        if name in kept:
            continue
        df = raw[name].copy()
        for (table, column), word in PSEUDONYMISED.items():
            if table == name and column in df:
                # rep ids and owner ids must map alike; names of reps use the same word so they read alike
                df[column] = df[column].map(lambda v, w=word: pseudonyms(v, w)).astype("string")
        tables[name] = df
    issues = [
        QualityIssue(i.table, i.check, i.column, i.count, i.level, i.message, i.rows, pd.DataFrame()) for i in frame.data.issues
    ]
    sources = {name: {k: v for k, v in src.items() if k != "path"} | {"path": Path(str(src.get("path", ""))).name} for name, src in frame.data.sources.items()}
    client = frame.params.client.model_copy(update={"name": CLIENT_PSEUDONYM})
    params = frame.params.model_copy(update={"client": client})
    summary = _pseudonymised_summary(frame, pseudonyms) if "activities" in kept else None
    return AuditFrame(params, AuditData(params, tables, issues, sources, summary))


def _pseudonymised_summary(frame: "AuditFrame", pseudonyms: Pseudonyms) -> "ActivitySummary":
    """The frame's activity summary with the people who logged the activities replaced by their pseudonyms
    (the totals row and the row of activities without a person keep their labels)."""
    from .metrics.activities import ALL, NO_VALUE

    summary = frame.activity
    assert summary is not None
    word = PSEUDONYMISED[("activities", "owner_id")]

    def people(s: pd.Series, keep: tuple[str, ...] = ()) -> pd.Series:
        return s.map(lambda v: v if pd.isna(v) or v in keep else pseudonyms(v, word)).astype("string")

    return dataclasses.replace(
        summary,
        by_deal=summary.by_deal.assign(owner_id=people(summary.by_deal["owner_id"])),
        by_rep=summary.by_rep.assign(owner_id=people(summary.by_rep["owner_id"])),
        lag=summary.lag.assign(rep=people(summary.lag["rep"], (ALL, NO_VALUE))),
    )
