"""Call records from the telephony system, and the links between calls, callers and tickets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Outcome(StrEnum):
    ANSWERED = "answered"
    MISSED = "missed"
    ABANDONED = "abandoned"  # the caller hung up while queued


class CallbackOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    NOT_NEEDED = "not_needed"  # e.g. the caller already called again and was served


# A callback attempt with one of these outcomes takes the call off the call-back list.
FINAL_CALLBACK_OUTCOMES = frozenset(
    {CallbackOutcome.REACHED, CallbackOutcome.WRONG_NUMBER, CallbackOutcome.NOT_NEEDED}
)
# Missed and abandoned calls are returned (the national hotline rule).
NEEDS_CALLBACK = (Outcome.MISSED, Outcome.ABANDONED)


class CallRecord(SQLModel, table=True):
    """One call as the telephony system reported it; call_id makes a resend change nothing."""

    __tablename__ = "call_record"
    # The call-back list reads open missed calls newest first without touching answered ones.
    __table_args__ = (
        Index("ix_call_record_callback_queue", "outcome", "callback_closed_at", "started_at"),
        Index("ix_call_record_agent_started", "agent", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(max_length=64, unique=True)
    caller_number: str = Field(max_length=32, index=True)
    called_number: str = Field(default="", max_length=32)
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent: str = Field(default="", max_length=60)
    direction: Direction = Field(sa_type=EnumText(Direction, 10))
    outcome: Outcome = Field(sa_type=EnumText(Outcome, 10))
    recording_url: str = Field(default="", max_length=500)
    received_at: datetime = Field(sa_type=UTCDateTime)

    callback_attempts: int = 0
    callback_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    callback_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    callback_outcome: CallbackOutcome | None = Field(
        default=None, sa_type=EnumText(CallbackOutcome, 16)
    )
    callback_note: str = Field(default="", max_length=400)
    callback_closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CallerRole(StrEnum):
    REQUESTER = "requester"
    CO_REQUESTER = "co_requester"  # a later caller merged into an open ticket (并单)


class TicketCall(SQLModel, table=True):
    """A caller on a ticket: the one who made it, or a co-requester merged in later.

    call_id stays empty until the telephony record arrives (records are sent after the call
    ends, while the ticket is written during it); the feed links it then.
    """

    __tablename__ = "ticket_call"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int | None = Field(default=None, foreign_key="call_record.id", index=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    caller_phone: str = Field(default="", max_length=32, index=True)
    caller_name: str = Field(default="", max_length=60)
    role: CallerRole = Field(sa_type=EnumText(CallerRole, 16))
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
