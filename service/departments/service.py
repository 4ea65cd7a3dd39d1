"""Workbench operations: a unit's queue with flags in SQL, and what a handler does to a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, literal, or_
from sqlmodel import Session, col, select

from service import clock
from service.auth import roles
from service.auth.models import Role, User
from service.catalogue.models import Category
from service.departments.models import AssistPart
from service.places.models import Unit
from service.sla import service as sla
from service.sla.clocks import start_callback_clock
from service.sla.models import ClockPause, DueWarning
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketAssist, TicketEvent, Visibility
from service.tickets.states import Action, Status

# What a unit's queue shows by default: everything still on the unit's desk.
QUEUE_STATES = (
    Status.PENDING_SIGN_FOR,
    Status.HANDLING,
    Status.RETURN_REQUESTED,
    Status.REPLY_REVIEW,
)
FILTER_STATES = (*QUEUE_STATES, Status.PENDING_CALLBACK, Status.CLOSED)


class Flag(StrEnum):
    RED = "red"  # overdue
    YELLOW = "yellow"  # due soon
    PAUSED = "paused"  # waiting for the citizen's material


class ContactMethod(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    VISIT = "visit"
    OTHER = "other"


class WorkbenchError(ValueError):
    """An action the rules refuse; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class QueueFilter:
    unit_id: int | None = None
    status: Status | None = None
    category_id: int | None = None
    flag: Flag | None = None
    newest_due_first: bool = False


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    due: datetime | None
    flag: str
    category: str
    lead: bool


def _clock_exprs(now: datetime) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The due time that matters in the ticket's state, and its yellow/red/paused flag.

    Computed in the query from stored moments, so the list needs no per-row work and no
    job has to keep flag columns fresh.
    """
    signing = col(Ticket.status) == Status.PENDING_SIGN_FOR
    due = case((signing, Ticket.sign_for_due), else_=Ticket.handling_due)
    warn = case((signing, DueWarning.sign_for_warn_at), else_=DueWarning.handling_warn_at)
    paused = exists().where(
        col(ClockPause.ticket_id) == Ticket.id, col(ClockPause.ended_at).is_(None)
    )
    running = col(Ticket.status).in_((Status.PENDING_SIGN_FOR, Status.HANDLING))
    flag = case(
        (~running, literal("")),
        (paused, literal(Flag.PAUSED.value)),
        (due <= now, literal(Flag.RED.value)),
        (warn <= now, literal(Flag.YELLOW.value)),
        else_=literal(""),
    )
    return due, flag


def queue(
    session: Session, *, now: datetime, filters: QueueFilter, page: int, per_page: int
) -> tuple[list[QueueRow], int]:
    """One page of a unit's tickets (lead or assisting), soonest due first; counted in SQL."""
    due, flag = _clock_exprs(now)
    conditions: list[ColumnElement[bool]] = []
    if filters.unit_id is not None:
        assisting = exists().where(
            col(TicketAssist.ticket_id) == col(Ticket.id),
            col(TicketAssist.unit_id) == filters.unit_id,
        )
        conditions.append(or_(col(Ticket.lead_unit_id) == filters.unit_id, assisting))
    if filters.status is not None:
        conditions.append(col(Ticket.status) == filters.status)
    else:
        conditions.append(col(Ticket.status).in_(QUEUE_STATES))
    if filters.category_id is not None:
        conditions.append(col(Ticket.category_id) == filters.category_id)
    if filters.flag is not None:
        conditions.append(flag == filters.flag.value)

    total = session.exec(
        select(func.count())
        .select_from(Ticket)
        .outerjoin(DueWarning, col(DueWarning.ticket_id) == Ticket.id)
        .where(*conditions)
    ).one()
    order = due.desc() if filters.newest_due_first else due.asc()
    rows = session.exec(
        select(Ticket, due, flag, Category.name_zh, Category.name_en)  # type: ignore[call-overload]
        .select_from(Ticket)
        .outerjoin(DueWarning, col(DueWarning.ticket_id) == Ticket.id)
        .outerjoin(Category, col(Category.id) == Ticket.category_id)
        .where(*conditions)
        .order_by(due.is_(None), order, col(Ticket.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    from service import i18n

    return [
        QueueRow(
            ticket=ticket,
            due=due_at,
            flag=flag_value or "",
            category=i18n.localized_name(name_zh or "", name_en or ""),
            lead=ticket.lead_unit_id == filters.unit_id,
        )
        for ticket, due_at, flag_value, name_zh, name_en in rows
    ], int(total)


def queue_categories(session: Session, unit_id: int | None) -> list[Category]:
    """The categories that occur in a unit's open queue (the category filter's choices)."""
    query = (
        select(Category)
        .where(
            col(Category.id).in_(
                select(Ticket.category_id).where(col(Ticket.status).in_(QUEUE_STATES))
                if unit_id is None
                else select(Ticket.category_id).where(
                    col(Ticket.status).in_(QUEUE_STATES), Ticket.lead_unit_id == unit_id
                )
            )
        )
        .order_by(col(Category.code))
    )
    return list(session.exec(query))


def flag_of(session: Session, ticket: Ticket, now: datetime) -> str:
    """The same flag the queue shows, for one ticket page."""
    _, flag = _clock_exprs(now)
    value = session.exec(
        select(flag)
        .select_from(Ticket)
        .outerjoin(DueWarning, col(DueWarning.ticket_id) == Ticket.id)
        .where(Ticket.id == ticket.id)
    ).one()
    return str(value or "")


# Who may see and do what --------------------------------------------------------------------


def is_assisting(session: Session, ticket: Ticket, unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return session.get(TicketAssist, {"ticket_id": ticket.id, "unit_id": unit_id}) is not None


def may_view(session: Session, user: User, ticket: Ticket) -> bool:
    """Handlers see their unit's tickets (lead or assisting); the hotline office sees all."""
    if user.role in roles.OFFICE_ROLES:
        return True
    if user.role is not Role.HANDLER or user.unit_id is None:
        return False
    return ticket.lead_unit_id == user.unit_id or is_assisting(session, ticket, user.unit_id)


def is_lead_handler(user: User, ticket: Ticket) -> bool:
    return (
        user.role is Role.HANDLER
        and user.unit_id is not None
        and ticket.lead_unit_id == user.unit_id
    )


def _require_lead(user: User, ticket: Ticket) -> None:
    if not is_lead_handler(user, ticket):
        raise WorkbenchError("Only a handler of the lead unit may do this.")


# Actions -------------------------------------------------------------------------------------


def sign_for(session: Session, ticket: Ticket, *, user: User, expected_version: int | None) -> None:
    """签收: the lead unit takes the ticket; its handling clock keeps running from dispatch."""
    _require_lead(user, ticket)
    tickets.transition(
        session,
        ticket,
        Action.SIGN_FOR,
        actor=tickets.Actor.staff(user),
        expected_version=expected_version,
    )


def record_contact(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    at: datetime,
    method: ContactMethod,
    note: str,
    expected_version: int | None,
) -> None:
    """A contact with the citizen, not in the future; contacted_at keeps the first one."""
    sla.check_version(ticket, expected_version)
    _require_lead(user, ticket)
    if ticket.status not in (Status.HANDLING, Status.PENDING_SIGN_FOR):
        raise WorkbenchError("Contact is recorded while the ticket is being handled.")
    if at > clock.now():
        raise WorkbenchError("The contact time cannot be in the future.", "contact_at")
    if at < ticket.created_at:
        raise WorkbenchError("The contact time is before the ticket was filed.", "contact_at")
    if ticket.contacted_at is None or at < ticket.contacted_at:
        ticket.contacted_at = at
    ticket.updated_at = clock.now()
    tickets.record(
        session,
        ticket,
        "contact",
        actor=tickets.Actor.staff(user),
        reason=note.strip(),
        visibility=Visibility.INTERNAL,
        data={"method": method.value, "at": at.isoformat()},
    )
    tickets.flush(session, ticket)


def post_message(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    text: str,
    public: bool,
    expected_version: int | None,
) -> None:
    """A public reply (the citizen reads it; it becomes the ticket's reply) or an internal note.

    Assisting units may write internal notes; only the lead unit replies to the citizen.
    """
    sla.check_version(ticket, expected_version)
    if not text.strip():
        raise WorkbenchError("Write the reply or note first.", "text")
    if public:
        _require_lead(user, ticket)
        if ticket.status is not Status.HANDLING:
            raise WorkbenchError("A reply is written while the ticket is being handled.")
        ticket.public_reply = text.strip()
    elif not (is_lead_handler(user, ticket) or is_assisting(session, ticket, user.unit_id)):
        raise WorkbenchError("Only the lead or an assisting unit may add a note.")
    ticket.updated_at = clock.now()
    tickets.record(
        session,
        ticket,
        "public_reply" if public else "note",
        actor=tickets.Actor.staff(user),
        reason=text.strip(),
        visibility=Visibility.PUBLIC if public else Visibility.INTERNAL,
    )
    tickets.flush(session, ticket)


def submit_assist_part(session: Session, ticket: Ticket, *, user: User, text: str) -> AssistPart:
    """An assisting unit sends its part to the lead unit while the ticket is open."""
    if user.role is not Role.HANDLER or not is_assisting(session, ticket, user.unit_id):
        raise WorkbenchError("Only a handler of an assisting unit sends an assisting part.")
    if ticket.status not in (Status.PENDING_SIGN_FOR, Status.HANDLING):
        raise WorkbenchError("The lead unit has already replied; parts are no longer taken.")
    if not text.strip():
        raise WorkbenchError("Write your unit's part first.", "text")
    assert ticket.id is not None and user.unit_id is not None
    part = AssistPart(
        ticket_id=ticket.id,
        unit_id=user.unit_id,
        text=text.strip(),
        submitted_at=clock.now(),
        by_id=user.id,
    )
    session.add(part)
    tickets.record(
        session,
        ticket,
        "assist_part",
        actor=tickets.Actor.staff(user),
        visibility=Visibility.INTERNAL,
        data={"unit_id": user.unit_id},
    )
    session.flush()
    return part


def assist_parts(session: Session, ticket_id: int) -> list[tuple[AssistPart, Unit]]:
    """Every assisting unit's part, oldest first, with its unit (one query)."""
    return list(
        session.exec(
            select(AssistPart, Unit)
            .join(Unit, col(Unit.id) == AssistPart.unit_id)
            .where(AssistPart.ticket_id == ticket_id)
            .order_by(col(AssistPart.submitted_at), col(AssistPart.id))
        )
    )


def submit_reply(
    session: Session, ticket: Ticket, *, user: User, text: str, expected_version: int | None
) -> None:
    """The result goes to the hotline office for review; a paused clock resumes first.

    A ticket with a reachable citizen needs a recorded contact before its result.
    """
    sla.check_version(ticket, expected_version)
    _require_lead(user, ticket)
    if not text.strip():
        raise WorkbenchError("Write the reply to the citizen.", "text")
    if ticket.status is Status.HANDLING and ticket.contacted_at is None and _reachable(ticket):
        raise WorkbenchError("Record the contact with the citizen first.", "text")
    assert ticket.id is not None
    if sla.open_pause(session, ticket.id) is not None:
        sla.resume_clock(session, ticket, user=user)
    tickets.transition(
        session,
        ticket,
        Action.SUBMIT_REPLY,
        actor=tickets.Actor.staff(user),
        changes={"public_reply": text.strip()},
        data={"reply": text.strip()},
    )


def _reachable(ticket: Ticket) -> bool:
    return not ticket.anonymous and bool(ticket.requester_phone or ticket.requester_email)


def review_reply(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    accept: bool,
    reason: str,
    expected_version: int | None,
) -> None:
    """The hotline office accepts the result (the callback clock starts) or sends it back."""
    if user.role not in roles.OFFICE_ROLES:
        raise WorkbenchError("Only the hotline office reviews replies.")
    actor = tickets.Actor.staff(user)
    if accept:
        tickets.transition(
            session,
            ticket,
            Action.ACCEPT_REPLY,
            actor=actor,
            reason=reason.strip(),
            expected_version=expected_version,
        )
        start_callback_clock(session, ticket)
        return
    if not reason.strip():
        raise WorkbenchError("Say what must be reworked.", "reason")
    tickets.transition(
        session,
        ticket,
        Action.SEND_BACK,
        actor=actor,
        reason=reason.strip(),
        expected_version=expected_version,
    )


def events_since(session: Session, ticket_id: int, seen_event_id: int) -> list[TicketEvent]:
    """What happened to a ticket after the event the actor's page was built from."""
    return list(
        session.exec(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, col(TicketEvent.id) > seen_event_id)
            .order_by(col(TicketEvent.id))
        )
    )


def last_event_id(session: Session, ticket_id: int) -> int:
    value = session.exec(
        select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
    ).one()
    return int(value or 0)
