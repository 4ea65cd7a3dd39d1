"""What an Open311 client sent beyond the ticket itself: its token, key and media link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class Open311Request(SQLModel, table=True):
    """A ticket filed through Open311; its `token` answers GET tokens/{token}."""

    __tablename__ = "open311_request"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    token: str = Field(max_length=40, unique=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    # A link to media the client hosts itself (the spec's media_url); never fetched by us.
    media_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)
