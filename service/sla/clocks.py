"""Start a ticket's clocks from the policy table and the working-day calendar; store due times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event
from sqlmodel import Session, select

from service import clock
from service.catalogue.models import Category
from service.places.models import Unit
from service.sla import arrangements, traces
from service.sla.calendar import Due, TraceStep, WorkCalendar
from service.sla.models import (
    CalendarArrangement,
    CalendarArrangementDay,
    CalendarOverride,
    DeadlinePolicy,
    DueWarning,
)
from service.sla.policies import PolicyRow, choose, parse_duration
from service.tickets import service as tickets
from service.tickets.models import Ticket, Visibility

if TYPE_CHECKING:
    from service.config import Settings

CLOCK_FIELDS = ("sign_for_due", "contact_due", "handling_due", "callback_due")


@dataclass(frozen=True)
class DueSoon:
    """A clock turns yellow when the smaller of `working_hours` and `share` of it is left."""

    working_hours: float = 24.0
    share: float = 0.2

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> DueSoon:
        """The app's rule when its settings are at hand, else the environment's (read once per
        process: building Settings costs milliseconds, and every transition may ask)."""
        if settings is None:
            return _environment_rule()
        return cls(settings.due_soon_working_hours, settings.due_soon_share)


@lru_cache(maxsize=1)
def _environment_rule() -> DueSoon:
    from service.config import load_settings

    settings = load_settings()
    return DueSoon(settings.due_soon_working_hours, settings.due_soon_share)


def warn_moment(calendar: WorkCalendar, start: datetime, due: datetime, rule: DueSoon) -> datetime:
    """When a clock from start to due turns yellow (due soon).

    Working-time clocks measure what is left in working hours, so a deadline after a long
    holiday does not turn yellow during the holiday; a clock with no working time in it (an
    urgent clock over a night) uses the same share of elapsed time.
    """
    if due <= start:
        return due
    total = calendar.working_hours_between(start, due)
    if total > 0:
        lead = min(rule.working_hours, rule.share * total)
        return min(calendar.add_working_hours(start, total - lead).at, due)
    return due - (due - start) * rule.share


def set_warning(session: Session, ticket: Ticket, **warn_at: datetime | None) -> None:
    """Store when the sign-for and/or handling clocks turn yellow (one row per ticket)."""
    assert ticket.id is not None
    row = session.get(DueWarning, ticket.id) or DueWarning(ticket_id=ticket.id)
    for name, value in warn_at.items():
        setattr(row, f"{name}_warn_at", value)
    session.add(row)


def work_calendar(session: Session) -> WorkCalendar:
    """The official calendar (entered arrangements first) with the city's overrides applied.

    Read once per transaction: a filing asks for it three times (office clock, unit clocks,
    due-soon moments). Entering an arrangement or an override forgets it
    (`forget_work_calendar`), and so does every commit and rollback.
    """
    cached = session.info.get(arrangements.CALENDAR_KEY)
    if cached is None:
        cached = session.info[arrangements.CALENDAR_KEY] = arrangements.load_calendar(session)
    return cached


forget_work_calendar = arrangements.forget_calendar
CALENDAR_ROWS = (CalendarOverride, CalendarArrangement, CalendarArrangementDay)


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
def _forget_on_transaction_end(session: Session, *_: object) -> None:
    forget_work_calendar(session)
    session.info.pop(_POLICIES, None)


@sa_event.listens_for(Session, "before_flush")
def _forget_on_calendar_writes(session: Session, *_: object) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, CALENDAR_ROWS) for row in touched):
        forget_work_calendar(session)
    if any(isinstance(row, DeadlinePolicy) for row in touched):
        session.info.pop(_POLICIES, None)


_POLICIES = "civic_policy_rows"


def policy_rows(session: Session) -> list[PolicyRow]:
    """The whole rule table as pure rows (tens of rows per city), read once per transaction
    (a filing asks for it for the office clock and again for the unit's clocks)."""
    cached = session.info.get(_POLICIES)
    if cached is None:
        cached = session.info[_POLICIES] = _read_policy_rows(session)
    return list(cached)


def _read_policy_rows(session: Session) -> list[PolicyRow]:
    return [
        PolicyRow(
            id=p.id or 0,
            ticket_type=p.ticket_type,
            urgency=p.urgency,
            category_prefix=p.category_prefix,
            unit_class=p.unit_class,
            sign_for=p.sign_for,
            first_contact=p.first_contact,
            handling=p.handling,
            callback=p.callback,
            dispatch=p.dispatch,
            return_review=p.return_review,
            extension_review=p.extension_review,
            reply_review=p.reply_review,
        )
        for p in session.exec(select(DeadlinePolicy))
    ]


def policy_for(session: Session, ticket: Ticket) -> PolicyRow | None:
    """The deadline policy that applies to this ticket with its current lead unit."""
    category = session.get(Category, ticket.category_id) if ticket.category_id else None
    unit = session.get(Unit, ticket.lead_unit_id) if ticket.lead_unit_id else None
    rows = policy_rows(session)
    return choose(
        rows,
        ticket_type=ticket.type.value,
        urgency=ticket.urgency.value,
        category_code=category.code if category else "",
        unit_class=unit.unit_class.value if unit else "",
    )


def start_clocks(
    session: Session, ticket: Ticket, *, at: datetime | None = None, due_soon: DueSoon | None = None
) -> None:
    """Set the sign-for, first-contact and handling due times at dispatch, with their traces.

    Without any matching policy the ticket keeps no due times and the event says so, so a
    missing rule is visible instead of silently defaulting.
    """
    start = at or clock.now()
    policy = policy_for(session, ticket)
    if policy is None:
        why = traces.no_policy()
        tickets.record(
            session,
            ticket,
            "clocks",
            actor=tickets.Actor.system("deadline engine"),
            visibility=Visibility.INTERNAL,
            data={"reason_step": why, "trace": {name: [why] for name in CLOCK_FIELDS}},
        )
        return
    calendar = work_calendar(session)
    dues: dict[str, Due] = {
        "sign_for_due": calendar.add(start, parse_duration(policy.sign_for)),
        "contact_due": calendar.add(start, parse_duration(policy.first_contact)),
        "handling_due": calendar.add(start, parse_duration(policy.handling)),
    }
    for name, due in dues.items():
        setattr(ticket, name, due.at)
    rule = due_soon or DueSoon.from_settings()
    set_warning(
        session,
        ticket,
        sign_for=warn_moment(calendar, start, dues["sign_for_due"].at, rule),
        handling=warn_moment(calendar, start, dues["handling_due"].at, rule),
    )
    tickets.record(
        session,
        ticket,
        "clocks",
        actor=tickets.Actor.system("deadline engine"),
        visibility=Visibility.INTERNAL,
        data={
            "policy_id": policy.id,
            "due": {name: due.at.isoformat() for name, due in dues.items()},
            "trace": {name: due.trace for name, due in dues.items()},
        },
    )
    tickets.flush(session, ticket)


def start_callback_clock(session: Session, ticket: Ticket, *, at: datetime | None = None) -> None:
    """The callback clock runs from the accepted reply."""
    policy = policy_for(session, ticket)
    if policy is None:
        return
    due = work_calendar(session).add(at or clock.now(), parse_duration(policy.callback))
    ticket.callback_due = due.at
    tickets.record(
        session,
        ticket,
        "clocks",
        actor=tickets.Actor.system("deadline engine"),
        visibility=Visibility.INTERNAL,
        data={
            "policy_id": policy.id,
            "due": {"callback_due": due.at.isoformat()},
            "trace": {"callback_due": due.trace},
        },
    )
    tickets.flush(session, ticket)


@dataclass(frozen=True)
class ClockView:
    """One clock for people: its due time and how the latest computation got there."""

    name: str
    due: datetime | None
    trace: list[TraceStep | str]  # as stored: steps, or the lines of events from before steps

    @property
    def lines(self) -> list[str]:
        """The trace in the current locale, read when the page is drawn."""
        return traces.render(self.trace)


def clock_views(session: Session, ticket: Ticket) -> list[ClockView]:
    """Each clock's stored due time with the trace of the latest "clocks" event that set it."""
    from service.tickets.models import TicketEvent

    found: dict[str, list[TraceStep | str]] = {}
    events = session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "clocks")
        .order_by(TicketEvent.id)  # type: ignore[arg-type]
    )
    for event in events:
        for name, steps in (event.data.get("trace") or {}).items():
            found[name] = [s if isinstance(s, dict) else str(s) for s in steps]
        if not event.data.get("trace") and event.reason:  # an old "no policy" event
            found = {name: [event.reason] for name in CLOCK_FIELDS}
    return [ClockView(name, getattr(ticket, name), found.get(name, [])) for name in CLOCK_FIELDS]
