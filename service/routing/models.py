"""The dispatch catalogue (versioned rule sets), routing decisions, stored models and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime


class RuleSetStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # the one in use
    RETIRED = "retired"  # published once; kept because tickets reference its rules


class RoutingMethod(StrEnum):
    RULE = "rule"
    MODEL = "model"
    MANUAL = "manual"
    QUEUED = "queued"  # nothing decided: waits in the triage queue with the suggestions


class ReturnReason(StrEnum):
    NOT_OUR_DUTY = "not_our_duty"
    WRONG_AREA = "wrong_area"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    OTHER = "other"


class ReturnOutcome(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"


class RuleSet(SQLModel, table=True):
    """A version of the dispatch catalogue; rules of a published set never change again."""

    __tablename__ = "rule_set"

    id: int | None = Field(default=None, primary_key=True)
    version: int | None = Field(default=None, unique=True)  # given on publication
    status: RuleSetStatus = Field(sa_type=EnumText(RuleSetStatus, 12), index=True)
    note: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by_id: int | None = Field(default=None, foreign_key="staff_user.id")


class RoutingRule(SQLModel, table=True):
    """One ordered rule: conditions left empty match anything; the first match wins."""

    __tablename__ = "routing_rule"
    __table_args__ = (Index("ix_routing_rule_set_position", "rule_set_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_set_id: int = Field(foreign_key="rule_set.id")
    position: int
    name: str = Field(max_length=120)
    category_prefix: str = Field(default="", max_length=60)
    district_code: str = Field(default="", max_length=20)
    street_code: str = Field(default="", max_length=20)
    ticket_type: str = Field(default="", max_length=16)
    keywords: str = Field(default="", max_length=400)  # '|'-separated, any one matches
    lead_unit_code: str = Field(max_length=40)  # a unit code, @street or @category
    assisting_unit_codes: str = Field(default="", max_length=400)  # '|'-separated
    urgency: str = Field(default="", max_length=8)  # empty keeps the ticket's urgency
    handling_override: str = Field(default="", max_length=12)  # e.g. "5wd"; empty: policy table


class RoutingDecision(SQLModel, table=True):
    """Why a ticket went where it went (or why it waits); one row per decision, never edited."""

    __tablename__ = "routing_decision"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    method: RoutingMethod = Field(sa_type=EnumText(RoutingMethod, 10))
    rule_set_version: int | None = None
    rule_id: int | None = Field(default=None, foreign_key="routing_rule.id")
    model_version: int | None = None
    score: float | None = None
    top3: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    assisting_unit_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    decided_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # Why, as data (service.routing.explanations), shown in the page's language; the English
    # text beside it is for the API and logs, and all that decisions from before steps have.
    explanation: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    explanation_steps: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # Seconds the ticket waited in pending dispatch before this decision, and whether it had
    # been dispatched before: the per-unit statistics are plain GROUP BYs over these.
    waited_seconds: int | None = None
    redispatch: bool = False


class StoredModel(SQLModel, table=True):
    """A trained routing classifier; the newest version is the one used at intake."""

    __tablename__ = "routing_model"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    trained_at: datetime = Field(sa_type=UTCDateTime)
    n_samples: int
    classes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    blob: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="closed_tickets", max_length=20)  # or "bootstrap"


class DispatchReturn(SQLModel, table=True):
    """A unit's request to hand a ticket back (退单) and the dispatcher's decision on it."""

    __tablename__ = "dispatch_return"
    __table_args__ = (UniqueConstraint("ticket_id", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    reason: ReturnReason = Field(sa_type=EnumText(ReturnReason, 28))
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    requested_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    outcome: ReturnOutcome | None = Field(default=None, sa_type=EnumText(ReturnOutcome, 10))
    decided_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str = Field(default="", max_length=400)
