"""The hotline office's own clocks: dispatch, return review, extension review, reply review.

A ticket waiting for the office (in triage, with a return or a reply to review, or with an
extension request to decide) runs a clock from the rule table like a unit's ticket does; the
owner is the hotline office. Due times and warning moments are stored when the wait starts,
so queues compare them with now in SQL and the sweep is an indexed range query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, literal
from sqlmodel import Session

from service.catalogue.models import Category
from service.places.models import Unit
from service.sla.clocks import (
    ClockView,
    DueSoon,
    policy_rows,
    set_warning,
    warn_moment,
    work_calendar,
)
from service.sla.models import Clock, ExtensionRequest
from service.sla.policies import choose_office, parse_duration
from service.tickets.models import Ticket, TicketEvent
from service.tickets.states import Status

# The state-shaped waits: one at a time, so one stored due time (ticket.office_due) serves all.
STATE_CLOCKS: dict[Status, Clock] = {
    Status.PENDING_DISPATCH: Clock.DISPATCH,
    Status.RETURN_REQUESTED: Clock.RETURN_REVIEW,
    Status.REPLY_REVIEW: Clock.REPLY_REVIEW,
}
OFFICE_CLOCKS = (*STATE_CLOCKS.values(), Clock.EXTENSION_REVIEW)


def office_due(
    session: Session, ticket: Ticket, clock: Clock, start: datetime, rule: DueSoon | None = None
) -> tuple[datetime, datetime, dict[str, Any]] | None:
    """(due, warn_at, what the event records) for an office clock from `start`, or None
    when no row of the rule table sets that clock."""
    category = session.get(Category, ticket.category_id) if ticket.category_id else None
    unit = session.get(Unit, ticket.lead_unit_id) if ticket.lead_unit_id else None
    found = choose_office(
        policy_rows(session),
        clock.value,
        ticket_type=ticket.type.value,
        urgency=ticket.urgency.value,
        category_code=category.code if category else "",
        unit_class=unit.unit_class.value if unit else "",
    )
    if found is None:
        return None
    policy, text = found
    calendar = work_calendar(session)
    due = calendar.add(start, parse_duration(text))
    warn = warn_moment(calendar, start, due.at, rule or DueSoon.from_settings())
    record = {
        "clock": clock.value,
        "policy_id": policy.id,
        "due": due.at.isoformat(),
        "trace": due.trace,
    }
    return due.at, warn, record


def follow(session: Session, ticket: Ticket, to_status: Status, at: datetime) -> dict[str, Any]:
    """Start the office clock of the state the ticket enters, or stop the one it leaves.

    Called by tickets.transition(); what it returns goes into that transition's event, so a
    wait's deadline is on record without a second event.
    """
    assert ticket.id is not None
    clock = STATE_CLOCKS.get(to_status)
    # No autoflush: the ticket's versioned UPDATE belongs to transition()'s own flush, which
    # turns a lost race into a ConflictError.
    with session.no_autoflush:
        computed = office_due(session, ticket, clock, at) if clock is not None else None
    if computed is None:
        if ticket.office_due is not None:
            ticket.office_due = None
            with session.no_autoflush:
                set_warning(session, ticket, office=None)
        return {}
    due, warn, record = computed
    ticket.office_due = due
    with session.no_autoflush:
        set_warning(session, ticket, office=warn)
    return {"office_clock": record}


def start_extension_review(
    session: Session, request: ExtensionRequest, ticket: Ticket, at: datetime
) -> None:
    """The office decides an extension request by the rule table's deadline."""
    computed = office_due(session, ticket, Clock.EXTENSION_REVIEW, at)
    if computed is not None:
        request.review_due, request.review_warn_at, _ = computed
        session.add(request)


def flag(
    due: ColumnElement[Any] | Any, warn: ColumnElement[Any] | Any, now: datetime
) -> ColumnElement[str]:
    """Red when the office's deadline has passed, yellow from its warning moment (SQL)."""
    return case(
        (due <= now, literal("red")),
        (warn <= now, literal("yellow")),
        else_=literal(""),
    )


def clock_view(ticket: Ticket, events: Sequence[TicketEvent]) -> ClockView | None:
    """The office's running clock for a ticket page, with the trace its transition recorded."""
    if ticket.office_due is None:
        return None
    for event in reversed(events):
        record = event.data.get("office_clock")
        if record:
            steps = [s if isinstance(s, dict) else str(s) for s in record.get("trace") or []]
            return ClockView("office_due", ticket.office_due, steps)
    return ClockView("office_due", ticket.office_due, [])
