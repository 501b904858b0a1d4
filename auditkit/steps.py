"""The audit's seven steps: what each needs, and whether the data is enough for it.

Each :class:`StepSpec` declares the columns a step cannot do without
(``needs``), the optional tables that unlock more of it (``uses``), the steps
whose findings it reads (``needs_findings_of``) and whether it is built yet.
:func:`sufficiency` checks a frame against a step before the step runs: a step
whose essential columns are absent, empty or mostly unparseable ends with the
status *insufficient data* instead of a report full of zeros.

Step statuses (in the manifest, the CLI and the run index):

- ``ok``: the step ran and its report is complete;
- ``insufficient``: the data cannot support the step; its page says why;
- ``failed``: the step stopped with an error;
- ``not_built``: the step is not built yet in this version of auditkit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    from .frame import AuditFrame

Status = Literal["ok", "insufficient", "failed", "not_built"]
STATUSES: tuple[Status, ...] = ("ok", "insufficient", "failed", "not_built")


@dataclass(frozen=True)
class StepSpec:
    """One audit step: its notebook name, what it needs, and whether it is built."""

    name: str
    needs: tuple[tuple[str, str | None], ...] = ()
    uses: tuple[str, ...] = ()
    needs_findings_of: tuple[str, ...] = ()
    built: bool = True

    @property
    def number(self) -> str:
        return self.name[:2]


STEPS: dict[str, StepSpec] = {
    s.name: s
    for s in (
        StepSpec("01_goals"),
        StepSpec("02_data", needs=(("deals", "created_at"),), uses=("leads",)),
        StepSpec(
            "03_process",
            needs=(("deals", "created_at"), ("deals", "stage")),
            uses=("stage_history", "leads"),
        ),
        StepSpec(
            "04_people",
            needs=(("deals", "owner_id"), ("deals", "created_at")),
            uses=("reps", "targets", "activities", "assessments", "stage_history", "leads"),
        ),
        StepSpec("05_technology", uses=("activities", "stage_history", "tools", "survey")),
        StepSpec("06_communication", uses=("leads", "handoffs", "activities", "survey")),
        StepSpec(
            "07_plan",
            needs_findings_of=("01_goals", "02_data", "03_process", "04_people", "05_technology", "06_communication"),
            built=True,
        ),
    )
}


def step_names() -> tuple[str, ...]:
    """Every step's name, in order."""
    return tuple(STEPS)


def sufficiency(frame: "AuditFrame", step: str, lang: str = "en") -> list[str]:
    """Why ``frame`` cannot support ``step`` (one sentence per missing essential column); empty when it can."""
    reasons = []
    for table, column in STEPS[step].needs:
        av = frame.availability(table, column)
        if not av.ok:
            reasons.append(av.reason(lang) or "")
    return reasons
