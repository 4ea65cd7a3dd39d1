"""Callback (回访) rounds of a ticket, their attempts, one-time survey links, co-requesters'
own survey answers, appeals and handling times."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime


class CallbackChannel(StrEnum):
    PHONE = "phone"
    WEB = "web"


class Resolution(StrEnum):
    RESOLVED = "resolved"
    PARTLY = "partly"
    NOT_RESOLVED = "not"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"


class AttemptOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    DECLINED = "declined"


class AppealDecision(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Callback(SQLModel, table=True):
    """One answered callback round: rows are added, never overwritten.

    A re-handled ticket's next callback is round 2 beside round 1, each in the month it was
    answered. unit_id is the lead unit when answered, so metrics blame the unit that did the
    work even if the ticket later moves.
    """

    __table_args__ = (
        Index("ix_callback_answered_unit", "answered_at", "unit_id"),
        UniqueConstraint("ticket_id", "round", name="uq_callback_ticket_id_round"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    # 1 for the first callback, 2 after the first re-handling (重办), and so on.
    round: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    answered_at: datetime = Field(sa_type=UTCDateTime)
    contacted: bool
    resolved: Resolution = Field(sa_type=EnumText(Resolution, 12))
    satisfied: Satisfaction = Field(sa_type=EnumText(Satisfaction, 12))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    channel: CallbackChannel = Field(sa_type=EnumText(CallbackChannel, 8))
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    unit_at_fault: bool = True


class CallbackAttempt(SQLModel, table=True):
    __tablename__ = "callback_attempt"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    outcome: AttemptOutcome = Field(sa_type=EnumText(AttemptOutcome, 16))
    user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    note: str = Field(default="", max_length=400)


class SurveyToken(SQLModel, table=True):
    """A one-time survey link; only the SHA-256 of the random token is kept.

    `co_requester_id` is empty for the requester's link and names the co-requester otherwise.
    """

    __tablename__ = "survey_token"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    co_requester_id: int | None = Field(default=None, foreign_key="co_requester.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CoRequesterAnswer(SQLModel, table=True):
    """A co-requester's own survey answer: their feedback, never a second callback.

    The ticket's assessed callbacks stay the `Callback` rows; these rows are counted in no
    rate. `decided` marks the answer that also became the ticket's callback, which happens
    only when the requester cannot be reached (anonymous, or no phone or e-mail).
    """

    __tablename__ = "co_requester_answer"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    co_requester_id: int = Field(foreign_key="co_requester.id", index=True)
    # One answer per link, enforced by the database as well as by `used_at`.
    survey_token_id: int = Field(foreign_key="survey_token.id", unique=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    answered_at: datetime = Field(sa_type=UTCDateTime)
    contacted: bool
    resolved: Resolution = Field(sa_type=EnumText(Resolution, 12))
    satisfied: Satisfaction = Field(sa_type=EnumText(Satisfaction, 12))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    decided: bool = False


class Appeal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    reason: str = Field(max_length=400)
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    filed_by: int | None = Field(default=None, foreign_key="staff_user.id")
    filed_at: datetime = Field(sa_type=UTCDateTime)
    decision: AppealDecision = Field(
        default=AppealDecision.PENDING, sa_type=EnumText(AppealDecision, 10), index=True
    )
    decided_by: int | None = Field(default=None, foreign_key="staff_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", max_length=400)


class HandlingTime(SQLModel, table=True):
    """Working hours from creation to the accepted reply, stored when the callback ends the
    ticket, so median and p90 are one SQL aggregate."""

    __tablename__ = "handling_time"
    __table_args__ = (Index("ix_handling_time_closed_unit", "closed_at", "unit_id"),)

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    closed_at: datetime = Field(sa_type=UTCDateTime)
    hours: float
