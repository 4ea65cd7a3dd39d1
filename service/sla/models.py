"""Deadline policies (the rule table behind every clock) and the city's calendar overrides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class DeadlinePolicy(SQLModel, table=True):
    """One row of the rule table; empty keys match anything, the most specific row wins."""

    __tablename__ = "deadline_policy"
    __table_args__ = (UniqueConstraint("ticket_type", "urgency", "category_prefix", "unit_class"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_type: str | None = Field(default=None, max_length=16)
    urgency: str | None = Field(default=None, max_length=8)
    category_prefix: str | None = Field(default=None, max_length=60)
    unit_class: str | None = Field(default=None, max_length=24)
    # Durations as written by people: "1wd" working days, "8wh" working hours, "2h" clock hours.
    sign_for: str = Field(max_length=12)
    first_contact: str = Field(max_length=12)
    handling: str = Field(max_length=12)
    callback: str = Field(max_length=12)


class CalendarOverride(SQLModel, table=True):
    """A city-specific day: an extra rest day or an extra working day."""

    __tablename__ = "calendar_override"

    day: date = Field(primary_key=True)
    working: bool
    note: str = Field(default="", max_length=120)
