"""The outbox: messages written in the same transaction as the change that caused them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime


class OutboxKind(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class Outbox(SQLModel, table=True):
    """A message waiting for delivery; a rolled-back request leaves none behind."""

    # The delivery job asks for "unsent and due", which this index answers without a scan.
    __table_args__ = (Index("ix_outbox_sent_at_available_at", "sent_at", "available_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: OutboxKind = Field(sa_type=EnumText(OutboxKind, 10))
    recipient: str = Field(max_length=255)
    subject: str = Field(default="", max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    available_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
