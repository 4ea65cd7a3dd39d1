"""What an assisting unit (协办) sends to the lead unit; the lead sees every part on the ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class AssistPart(SQLModel, table=True):
    __tablename__ = "assist_part"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    by_id: int | None = Field(default=None, foreign_key="staff_user.id")
