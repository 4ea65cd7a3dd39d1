"""Intake's own tables: attachments, co-requesters ("me too"), answers to category questions,
idempotency keys, rate-limit hits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime
from service.tickets.models import ActorKind, Channel, Visibility


class Attachment(SQLModel, table=True):
    """A file on a ticket; the bytes live content-addressed (sha256) under data_dir/attachments."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="ticket_event.id")
    sha256: str = Field(max_length=64, index=True)
    content_type: str = Field(max_length=40)
    size: int
    filename: str = Field(max_length=120)
    visibility: Visibility = Field(default=Visibility.PUBLIC, sa_type=EnumText(Visibility, 10))
    uploaded_by: ActorKind = Field(sa_type=EnumText(ActorKind, 10))
    created_at: datetime = Field(sa_type=UTCDateTime)


class CoRequester(SQLModel, table=True):
    """Someone who joined an open ticket instead of filing the same thing again ("me too")."""

    __tablename__ = "co_requester"
    __table_args__ = (UniqueConstraint("ticket_id", "phone"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    # Personal information (PIPL): the replies and the survey go to these contacts.
    name: str = Field(max_length=60)
    phone: str = Field(max_length=20)
    email: str = Field(default="", max_length=120)
    channel: Channel = Field(sa_type=EnumText(Channel, 12))
    created_at: datetime = Field(sa_type=UTCDateTime)


class IdempotencyKey(SQLModel, table=True):
    """A retried submission with the same key returns the first ticket instead of a second one.

    `response` is the first answer minus the access code: the code exists only as a hash.
    """

    __tablename__ = "idempotency_key"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)
    fingerprint: str = Field(max_length=64)
    ticket_id: int = Field(foreign_key="ticket.id")
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class RateLimitHit(SQLModel, table=True):
    """One counted action of a client; the key is a keyed hash, never the raw address or phone."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class TicketAnswer(SQLModel, table=True):
    """The requester's answer to one of the category's questions (catalogue.CategoryAttribute).

    `value` is text, or a list of choice keys for a multiple-choice question.
    """

    __tablename__ = "ticket_answer"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    code: str = Field(primary_key=True, max_length=40)
    value: Any = Field(sa_column=Column(JSON, nullable=False))
