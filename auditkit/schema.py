"""The canonical tables: their columns, types and which columns are required.

Every loader turns a raw export into one of these shapes; every metric reads
them. Column kinds:

- ``id``: an identifier, kept as a string (``"0042"`` stays ``"0042"``)
- ``text``: free or categorical text (string dtype)
- ``datetime``: a timestamp (naive, ``datetime64[ns]``)
- ``number``: a float
- ``bool``: true/false (accepts yes/no, 1/0, true/false, да/нет)
- ``enum``: text restricted to ``values`` after the params' value map
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "datetime", "number", "bool", "enum"]


@dataclass(frozen=True)
class Column:
    """One canonical column. ``required``: a file without it is not read. ``expected``: asked of every
    client and its empty values reported, but a file without it still loads (the figures it feeds say
    "not available")."""

    name: str
    kind: Kind
    required: bool = False
    values: tuple[str, ...] = ()
    description: str = ""
    expected: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str | None
    columns: tuple[Column, ...]
    description: str = ""
    one_of: tuple[tuple[str, ...], ...] = field(default=())  # at least one column of each group is required

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def requested(self) -> list[str]:
        """The columns a data request asks for: the required and the expected ones."""
        return [c.name for c in self.columns if c.required or c.expected]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


C = Column
ACTIVITY_TYPES = ("call", "email", "meeting", "task", "note")
DEAL_STATUSES = ("open", "won", "lost")

SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "deals",
            "deal_id",
            (
                C("deal_id", "id", True, description="unique deal id"),
                C("created_at", "datetime", True, description="when the deal was created"),
                C("closed_at", "datetime", description="when it was won or lost; empty while open"),
                C("status", "enum", values=DEAL_STATUSES, description="open, won or lost; derived from stage when absent"),
                C("stage", "text", True, description="current pipeline stage (a name from pipeline.stages)"),
                C("amount", "number", description="deal value in the params' currency; without it, money figures are not available", expected=True),
                C("owner_id", "id", True, description="the rep who owns the deal (reps.rep_id)"),
                C("source", "text", description="lead source"),
                C("product", "text"),
                C("account_id", "id"),
                C("team", "text"),
                C("region", "text"),
                C("lost_reason", "text", description="why a lost deal was lost (free text)"),
                C("expected_close_at", "datetime"),
            ),
            "one row per deal; the only required table",
        ),
        TableSpec(
            "stage_history",
            None,
            (
                C("deal_id", "id", True),
                C("stage", "text", True, description="stage entered (including the won/lost stage)"),
                C("entered_at", "datetime", True),
            ),
            "one row per stage entry of a deal",
        ),
        TableSpec(
            "leads",
            "lead_id",
            (
                C("lead_id", "id", True),
                C("created_at", "datetime", True),
                C("source", "text", True),
                C("owner_id", "id"),
                C("first_contact_at", "datetime", description="first response to the lead; empty if never contacted"),
                C("status", "text"),
                C("deal_id", "id", description="the deal the lead became; empty if none"),
            ),
            "one row per inbound lead",
        ),
        TableSpec(
            "activities",
            "activity_id",
            (
                C("activity_id", "id", True),
                C("at", "datetime", True, description="when the activity happened"),
                C("type", "enum", True, values=ACTIVITY_TYPES),
                C("owner_id", "id", True),
                C("deal_id", "id"),
                C("lead_id", "id"),
                C("logged_at", "datetime", description="when it was entered in the CRM"),
                C("duration_min", "number"),
                C("outcome", "text"),
            ),
            "one row per logged call, email, meeting, task or note",
            one_of=(("deal_id", "lead_id"),),
        ),
        TableSpec(
            "reps",
            "rep_id",
            (
                C("rep_id", "id", True),
                C("name", "text", True),
                C("team", "text"),
                C("role", "text"),
                C("hired_at", "datetime"),
                C("manager", "text", description="the rep's manager, as named in the export"),
                C("office", "text", description="office or branch the rep works from"),
                C("region", "text", description="sales region the rep covers"),
            ),
            "one row per salesperson; without a reps file, the deals' owners become reps by name",
        ),
        TableSpec(
            "targets",
            None,
            (
                C("rep_id", "id"),
                C("team", "text"),
                C("period_start", "datetime", True),
                C("period_end", "datetime", True),
                C("quota", "number", True, description="revenue quota for the period, in the params' currency"),
            ),
            one_of=(("rep_id", "team"),),
        ),
        TableSpec(
            "assessments",
            None,
            (
                C("rep_id", "id", True),
                C("competency", "text", True),
                C("score", "number", True, description="1 (weak) to 5 (strong)"),
                C("assessor", "text"),
                C("assessed_at", "datetime"),
            ),
        ),
        TableSpec(
            "survey",
            None,
            (
                C("respondent_id", "id", True),
                C("department", "text", True),
                C("role", "text"),
                C("question_id", "id", True),
                C("answer", "text", True, description="a 1-5 score or free text"),
            ),
        ),
        TableSpec(
            "tools",
            "tool",
            (
                C("tool", "text", True),
                C("category", "text"),
                C("seats", "number"),
                C("active_users", "number"),
                C("monthly_cost", "number"),
                C("integrated_with_crm", "bool"),
            ),
        ),
        TableSpec(
            "handoffs",
            "request_id",
            (
                C("request_id", "id", True),
                C("from_dept", "text", True),
                C("to_dept", "text", True),
                C("kind", "text"),
                C("created_at", "datetime", True),
                C("responded_at", "datetime"),
                C("resolved_at", "datetime"),
            ),
            "requests between departments (sales to legal, finance, delivery, ...)",
        ),
    )
}
