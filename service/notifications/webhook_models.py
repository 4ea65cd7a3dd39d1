"""Webhook endpoints of handling units and the log of every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class WebhookEndpoint(SQLModel, table=True):
    """Where a unit's own system wants its tickets; disabled after too many failures in a row."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=128)
    active: bool = True
    consecutive_failures: int = 0
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One row per attempt to post one outbox message to one endpoint; never updated."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_outbox_endpoint", "outbox_id", "endpoint_id"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id")
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    attempt: int
    at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    duration_ms: int = 0
    success: bool = False
