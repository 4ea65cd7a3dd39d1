"""A ticket (工单) with its stored clocks, and its append-only event log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime
from service.tickets.states import CloseReason, Status


class Channel(StrEnum):
    WEB = "web"
    HOTLINE = "hotline"
    API = "api"
    IMPORT = "import"
    LEADER = "leader"  # 领导批办


class TicketType(StrEnum):
    CONSULTATION = "consultation"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    OTHER = "other"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class ActorKind(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    SYSTEM = "system"
    MACHINE = "machine"


# Optimistic locking: SQLAlchemy adds "AND version = :old" to every UPDATE of a ticket and
# raises StaleDataError when another writer got there first.
_version_column = Column("version", Integer, nullable=False)


class Ticket(SQLModel, table=True):
    # Sweeps look up open tickets by due time; these composite indexes serve them without
    # touching closed history (status first narrows to the open states).
    __table_args__ = (
        Index("ix_ticket_status_handling_due", "status", "handling_due"),
        Index("ix_ticket_status_sign_for_due", "status", "sign_for_due"),
        Index("ix_ticket_status_office_due", "status", "office_due"),
        Index("ix_ticket_lead_unit_status", "lead_unit_id", "status"),
        Index("ix_ticket_category_street_created", "category_id", "street_id", "created_at"),
        Index("ix_ticket_requester_phone", "requester_phone"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _version_column}

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    access_code_hash: str = Field(default="", max_length=255)
    parent_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    version: int = Field(default=1, sa_column=_version_column)

    channel: Channel = Field(sa_type=EnumText(Channel, 12))
    type: TicketType = Field(sa_type=EnumText(TicketType, 16))
    urgency: Urgency = Field(default=Urgency.NORMAL, sa_type=EnumText(Urgency, 8))
    status: Status = Field(default=Status.INTAKE, sa_type=EnumText(Status, 20))
    close_reason: CloseReason | None = Field(default=None, sa_type=EnumText(CloseReason, 16))

    category_id: int | None = Field(default=None, foreign_key="category.id")
    district_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    street_id: int | None = Field(default=None, foreign_key="area.id")
    community_id: int | None = Field(default=None, foreign_key="area.id")
    address: str = Field(default="", max_length=200)
    lat: float | None = None
    long: float | None = None

    title: str = Field(max_length=120)
    description: str = Field(sa_column=Column(Text, nullable=False))
    request_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Requester: all personal information (PIPL); masked on staff pages, absent from public ones.
    requester_name: str = Field(default="", max_length=60)
    requester_phone: str = Field(default="", max_length=20)
    requester_email: str = Field(default="", max_length=120)
    anonymous: bool = False
    confidential: bool = False

    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    dispatched_by_id: int | None = Field(default=None, foreign_key="staff_user.id")

    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Open311 clients poll for what changed since their last visit (updated_after).
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)
    sign_for_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contact_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handling_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    callback_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The hotline office's deadline for the wait the ticket is in (dispatch, return review or
    # reply review: one at a time, named by the status); NULL outside those states.
    office_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_for_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contacted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    public_reply: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    disclosure_allowed: bool = True
    assessment_excluded: bool = False
    exclusion_reason: str = Field(default="", max_length=400)


class TicketTag(SQLModel, table=True):
    __tablename__ = "ticket_tag"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    tag_code: str = Field(foreign_key="tag.code", primary_key=True, max_length=40)


class TicketAssist(SQLModel, table=True):
    """Assisting units (协办) of a ticket; the lead unit is on the ticket itself."""

    __tablename__ = "ticket_assist"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class TicketEvent(SQLModel, table=True):
    """One row per thing that happened to a ticket; rows are never updated or deleted."""

    __tablename__ = "ticket_event"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_kind: ActorKind = Field(sa_type=EnumText(ActorKind, 10))
    actor_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    actor_label: str = Field(default="", max_length=80)
    action: str = Field(max_length=32)
    from_status: Status | None = Field(default=None, sa_type=EnumText(Status, 20))
    to_status: Status | None = Field(default=None, sa_type=EnumText(Status, 20))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    visibility: Visibility = Field(sa_type=EnumText(Visibility, 10))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TicketCounter(SQLModel, table=True):
    """The last number handed out per day, so numbers read BT + yymmdd + sequence."""

    __tablename__ = "ticket_counter"

    day: str = Field(primary_key=True, max_length=8)
    last: int = 0
