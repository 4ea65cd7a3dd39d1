"""Deadline policies, calendar overrides and arrangements, warnings, pauses, extensions, leases."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime


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
    # The hotline office's own waits; empty leaves the clock to a less specific row that sets it.
    dispatch: str | None = Field(default=None, max_length=12)
    return_review: str | None = Field(default=None, max_length=12)
    extension_review: str | None = Field(default=None, max_length=12)
    reply_review: str | None = Field(default=None, max_length=12)


class CalendarOverride(SQLModel, table=True):
    """A city-specific day: an extra rest day or an extra working day."""

    __tablename__ = "calendar_override"

    day: date = Field(primary_key=True)
    working: bool
    note: str = Field(default="", max_length=120)


class CalendarArrangement(SQLModel, table=True):
    """A year's official holiday arrangement as entered; its deadlines are no longer provisional.

    `recompute_after` is where the recompute job stands (the last ticket id done): None when
    no recompute is due; the job clears it when every open ticket has been looked at.
    """

    __tablename__ = "calendar_arrangement"

    year: int = Field(primary_key=True)
    source: str = Field(default="", max_length=200)
    entered_at: datetime = Field(sa_type=UTCDateTime)
    entered_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    recompute_after: int | None = None
    recomputed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalendarArrangementDay(SQLModel, table=True):
    """One date of an arrangement: a holiday (rest day, with its name) or a make-up working day."""

    __tablename__ = "calendar_arrangement_day"

    day: date = Field(primary_key=True)
    year: int = Field(foreign_key="calendar_arrangement.year", index=True)
    working: bool
    holiday: str = Field(default="", max_length=40)


class DeadlineMove(SQLModel, table=True):
    """The log of the recompute job: a stored deadline moved when an arrangement was entered."""

    __tablename__ = "deadline_move"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    clock: str = Field(max_length=20)
    year: int = Field(index=True)
    old_due: datetime = Field(sa_type=UTCDateTime)
    new_due: datetime = Field(sa_type=UTCDateTime)
    at: datetime = Field(sa_type=UTCDateTime)


class Clock(StrEnum):
    SIGN_FOR = "sign_for"
    HANDLING = "handling"
    # The hotline office's clocks: the ticket waits for the office, not for a unit.
    DISPATCH = "dispatch"
    RETURN_REVIEW = "return_review"
    EXTENSION_REVIEW = "extension_review"
    REPLY_REVIEW = "reply_review"


class DueWarning(SQLModel, table=True):
    """When each clock of a ticket turns yellow; written with the due times, so lists compare."""

    __tablename__ = "due_warning"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    sign_for_warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handling_warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    office_warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ClockPause(SQLModel, table=True):
    """The handling clock stands still while the unit waits for the citizen's material."""

    __tablename__ = "clock_pause"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    paused_working_hours: float | None = None
    started_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    ended_by_id: int | None = Field(default=None, foreign_key="staff_user.id")


class ExtensionDecision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class ExtensionRequest(SQLModel, table=True):
    """延期: the unit asks for a date, the dispatcher grants one (maybe another); both are kept."""

    __tablename__ = "extension_request"
    # The office-clock sweep reads pending requests by their review deadline.
    __table_args__ = (Index("ix_extension_request_decision_review_due", "decision", "review_due"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    previous_due: datetime = Field(sa_type=UTCDateTime)
    requested_due: datetime = Field(sa_type=UTCDateTime)
    granted_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decision: ExtensionDecision = Field(
        default=ExtensionDecision.PENDING, sa_type=EnumText(ExtensionDecision, 10), index=True
    )
    decision_note: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    decided_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The hotline office's deadline to decide, and when that clock turns yellow.
    review_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LadderLevel(StrEnum):
    REMINDER = "reminder"  # 催办, before the deadline
    NOTICE = "notice"  # 督办, after it
    CRITICISM = "criticism"  # 通报, N working days after it


class SupervisionStep(SQLModel, table=True):
    """One rung of the supervision ladder reached by one ticket for one deadline, once."""

    __tablename__ = "supervision_step"
    # A step is recorded once per ticket, clock, level and deadline: a second sweep (or a
    # second scheduler) hits this constraint instead of writing a duplicate. A moved deadline
    # (extension, pause) is a new deadline, so the ladder starts again for it.
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "level", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    clock: Clock = Field(sa_type=EnumText(Clock, 20))
    level: LadderLevel = Field(sa_type=EnumText(LadderLevel, 10))
    due_at: datetime = Field(sa_type=UTCDateTime)
    at: datetime = Field(sa_type=UTCDateTime)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)


class UnitHolding(SQLModel, table=True):
    """One spell of a ticket at its lead unit, dispatch to return; its lateness stays on record.

    A holding ends when the unit hands the ticket back and the return is approved; it keeps the
    due times the unit had and whether the sign-for and the handling were late at that moment,
    so re-dispatch (new unit, new clocks) cannot erase them. The current holding stays open
    (ended_at NULL); its figures come from the ticket itself.
    """

    __tablename__ = "unit_holding"
    # Metrics join a period's tickets to their ended holdings, and a return looks up the
    # ticket's open one: both by ticket, then by whether it ended.
    __table_args__ = (Index("ix_unit_holding_ticket_id_ended_at", "ticket_id", "ended_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    unit_id: int = Field(foreign_key="unit.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    sign_for_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handling_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_for_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the unit let go: the moment it asked for the return that was approved.
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sign_for_late: bool = False
    handling_late: bool = False


class JobLease(SQLModel, table=True):
    """Who runs a scheduled job until when; two schedulers never run the same tick."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=60)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
