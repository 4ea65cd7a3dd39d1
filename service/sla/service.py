"""Clocks that stop and move: pauses for the citizen's material, and extensions (延期)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from service import clock
from service.auth.models import User
from service.sla import traces, waits
from service.sla.calendar import TraceStep
from service.sla.clocks import DueSoon, set_warning, warn_moment, work_calendar
from service.sla.models import ClockPause, DueWarning, ExtensionDecision, ExtensionRequest
from service.tickets import service as tickets
from service.tickets.models import Ticket, Visibility
from service.tickets.states import Status

ENGINE = tickets.Actor.system("deadline engine")


class ClockError(ValueError):
    """A pause or extension the rules refuse; `field` names the form field to show it next to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def check_version(ticket: Ticket, expected: int | None) -> None:
    """Refuse to act on a ticket that changed since the actor read it."""
    if expected is not None and expected != ticket.version:
        raise tickets.ConflictError(ticket.number, expected, ticket.version)


def open_pause(session: Session, ticket_id: int) -> ClockPause | None:
    """The pause that has not ended yet, if the clock is standing still."""
    return session.exec(
        select(ClockPause).where(
            ClockPause.ticket_id == ticket_id, col(ClockPause.ended_at).is_(None)
        )
    ).first()


def pause_clock(
    session: Session, ticket: Ticket, *, user: User, reason: str, expected_version: int | None
) -> ClockPause:
    """Only a ticket being handled pauses, with a reason, and only one pause at a time."""
    check_version(ticket, expected_version)
    assert ticket.id is not None
    if ticket.status is not Status.HANDLING or ticket.handling_due is None:
        raise ClockError("Only a ticket being handled, with a deadline, can be paused.")
    if not reason.strip():
        raise ClockError("Say what you are waiting for.", "reason")
    if open_pause(session, ticket.id) is not None:
        raise ClockError("The clock is already paused.")
    at = clock.now()
    pause = ClockPause(
        ticket_id=ticket.id, started_at=at, reason=reason.strip(), started_by_id=user.id
    )
    session.add(pause)
    ticket.updated_at = at  # bumps the version: others acting on the old page are told
    tickets.record(
        session,
        ticket,
        "clock_paused",
        actor=tickets.Actor.staff(user),
        reason=pause.reason,
        visibility=Visibility.PUBLIC,
    )
    tickets.flush(session, ticket)
    return pause


def resume_clock(
    session: Session, ticket: Ticket, *, user: User | None, expected_version: int | None = None
) -> ClockPause:
    """On resume the handling deadline moves by the working time the clock stood still."""
    check_version(ticket, expected_version)
    assert ticket.id is not None
    pause = open_pause(session, ticket.id)
    if pause is None:
        raise ClockError("The clock is not paused.")
    at = clock.now()
    calendar = work_calendar(session)
    paused = calendar.working_hours_between(pause.started_at, at)
    pause.ended_at, pause.paused_working_hours = at, paused
    pause.ended_by_id = user.id if user else None
    session.add(pause)
    old_due = ticket.handling_due
    assert old_due is not None, "only a clock with a deadline pauses"
    due = calendar.add_working_hours(old_due, paused)
    local = calendar.tz
    hours = round(paused, 2)
    trace = [
        traces.paused(pause.started_at.astimezone(local), at.astimezone(local), hours),
        traces.pause_shift(old_due.astimezone(local), hours),
        *due.trace,
    ]
    ticket.handling_due = due.at
    ticket.updated_at = at
    warning = session.get(DueWarning, ticket.id)
    if warning is not None and warning.handling_warn_at is not None:
        set_warning(
            session,
            ticket,
            handling=calendar.add_working_hours(warning.handling_warn_at, paused).at,
        )
    actor = tickets.Actor.staff(user) if user else ENGINE
    tickets.record(
        session,
        ticket,
        "clock_resumed",
        actor=actor,
        visibility=Visibility.PUBLIC,
        data={"paused_working_hours": round(paused, 2)},
    )
    _clocks_event(session, ticket, due.at, trace, pause_id=pause.id)
    tickets.flush(session, ticket)
    return pause


def pending_extension(session: Session, ticket_id: int) -> ExtensionRequest | None:
    return session.exec(
        select(ExtensionRequest).where(
            ExtensionRequest.ticket_id == ticket_id,
            ExtensionRequest.decision == ExtensionDecision.PENDING,
        )
    ).first()


def request_extension(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    requested_due: datetime,
    reason: str,
    expected_version: int | None,
) -> ExtensionRequest:
    """Asked before the deadline, for a later date, with a reason; one open request at a time."""
    check_version(ticket, expected_version)
    assert ticket.id is not None
    at = clock.now()
    due = ticket.handling_due
    if ticket.status is not Status.HANDLING or due is None:
        raise ClockError("Only a ticket being handled, with a deadline, can be extended.")
    if at >= due:
        raise ClockError("The deadline has passed; an extension must be asked for before it.")
    if not reason.strip():
        raise ClockError("Give the reason for the extension.", "reason")
    if requested_due <= due:
        raise ClockError("Ask for a date after the current deadline.", "requested_due")
    if pending_extension(session, ticket.id) is not None:
        raise ClockError("An extension request is already waiting for a decision.")
    request = ExtensionRequest(
        ticket_id=ticket.id,
        unit_id=user.unit_id,
        previous_due=due,
        requested_due=requested_due,
        reason=reason.strip(),
        requested_by_id=user.id,
        requested_at=at,
    )
    session.add(request)
    waits.start_extension_review(session, request, ticket, at)
    ticket.updated_at = at
    tickets.record(
        session,
        ticket,
        "extension_requested",
        actor=tickets.Actor.staff(user),
        reason=request.reason,
        data={"requested_due": requested_due.isoformat(), "previous_due": due.isoformat()},
    )
    tickets.flush(session, ticket)
    return request


def decide_extension(
    session: Session,
    request: ExtensionRequest,
    ticket: Ticket,
    *,
    user: User,
    approve: bool,
    granted_due: datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    due_soon: DueSoon | None = None,
) -> ExtensionRequest:
    """An approval moves the handling deadline to the granted date (the requested one unless
    the dispatcher chose another); a refusal needs a reason. Both dates stay on the request."""
    check_version(ticket, expected_version)
    if request.decision is not ExtensionDecision.PENDING:
        raise ClockError("This request has already been decided.")
    at = clock.now()
    actor = tickets.Actor.staff(user)
    if not approve and not note.strip():
        raise ClockError("Say why the extension is refused.", "note")
    current = ticket.handling_due
    granted = granted_due or request.requested_due
    if approve and (current is None or granted <= current or granted <= at):
        raise ClockError("Grant a date after the current deadline.", "granted_due")
    request.decided_by_id, request.decided_at, request.decision_note = user.id, at, note.strip()
    if not approve:
        request.decision = ExtensionDecision.REFUSED
        tickets.record(session, ticket, "extension_refused", actor=actor, reason=note.strip())
    else:
        assert current is not None
        calendar = work_calendar(session)
        request.decision, request.granted_due = ExtensionDecision.APPROVED, granted
        ticket.handling_due = granted
        set_warning(
            session,
            ticket,
            handling=warn_moment(calendar, at, granted, due_soon or DueSoon.from_settings()),
        )
        tickets.record(
            session,
            ticket,
            "extension_approved",
            actor=actor,
            reason=note.strip(),
            visibility=Visibility.PUBLIC,
            data={
                "requested_due": request.requested_due.isoformat(),
                "granted_due": granted.isoformat(),
                "previous_due": current.isoformat(),
            },
        )
        local = calendar.tz
        trace = [
            traces.extension(request.id, at.astimezone(local), actor.label),
            traces.moment_step("previous_due", current.astimezone(local)),
            traces.moment_step("requested_due", request.requested_due.astimezone(local)),
            traces.moment_step(
                "granted_due",
                granted.astimezone(local),
                differs=granted != request.requested_due,
            ),
        ]
        _clocks_event(session, ticket, granted, trace, extension_id=request.id)
    session.add(request)
    ticket.updated_at = at
    tickets.flush(session, ticket)
    return request


def _clocks_event(
    session: Session, ticket: Ticket, due: datetime, trace: list[TraceStep], **data: Any
) -> None:
    tickets.record(
        session,
        ticket,
        "clocks",
        actor=ENGINE,
        visibility=Visibility.INTERNAL,
        data={
            **data,
            "due": {"handling_due": due.isoformat()},
            "trace": {"handling_due": trace},
        },
    )
