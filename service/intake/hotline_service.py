"""A logged call ends in exactly one outcome: work order, direct answer, transfer, or merge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from service import clock, i18n
from service.auth.models import User
from service.calls import service as calls
from service.calls.models import CallerRole, CallRecord, TicketCall
from service.catalogue import knowledge
from service.catalogue import service as catalogue
from service.catalogue.models import Category
from service.config import Settings
from service.intake import phones
from service.intake import service as intake
from service.intake.models import CoRequester
from service.places.models import Area, AreaLevel, Unit
from service.sla import clocks
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, TicketType, Urgency
from service.tickets.pii import mask_phone
from service.tickets.states import OPEN_STATES, Action, CloseReason

HISTORY_LIMIT = 20
QUICK_CATEGORIES = 8
QUICK_WINDOW = timedelta(days=30)


class Outcome(StrEnum):
    WORK_ORDER = "work_order"
    DIRECT_ANSWER = "direct_answer"
    TRANSFER = "transfer"
    MERGE = "merge"


# The emergency lines a call may be transferred to, with what the reason names.
TRANSFER_LINES: dict[str, str] = {
    "110": "police",
    "119": "fire",
    "120": "ambulance",
    "122": "traffic accidents",
}

TEXT_FIELDS = (
    "caller_phone",
    "caller_name",
    "call_ref",
    "type",
    "urgency",
    "category_code",
    "title",
    "description",
    "request_text",
    "district_code",
    "street_code",
    "address",
    "knowledge_code",
    "transfer_line",
    "merge_into",
    "merge_number",
    "note",
)
FLAGS = ("anonymous", "confidential")


@dataclass
class CallForm:
    """What the operator typed, as text, so an error can show it all again."""

    values: dict[str, Any]

    @classmethod
    def parse(cls, form: Any) -> CallForm:
        values: dict[str, Any] = {n: str(form.get(n) or "").strip() for n in TEXT_FIELDS}
        for flag in FLAGS:
            values[flag] = bool(form.get(flag))
        return cls(values)

    def get(self, name: str) -> Any:
        return self.values.get(name, "")


@dataclass(frozen=True)
class Logged:
    """The ticket the call ended on and what happened to it."""

    outcome: Outcome
    ticket: Ticket
    access_code: str = ""  # read out to the caller once, so they can follow the ticket online
    lead_unit: Unit | None = None  # where routing sent a work order; None while in triage


class FormError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("form has errors")
        self.errors = errors


def log_call(
    session: Session, settings: Settings, user: User, form: CallForm, outcome: Outcome
) -> Logged:
    """Validate the form for this outcome, then write the ticket (or the merge) and its links."""
    errors: dict[str, str] = {}
    phone = phones.normalise(form.get("caller_phone"))
    if form.get("caller_phone") and not 3 <= len(phone) <= 20:
        errors["caller_phone"] = "Enter the caller's number in digits."
    elif not phone and not form.get("anonymous"):
        errors["caller_phone"] = "Enter the caller's number (or tick anonymous)."
    if len(form.get("caller_name")) > 60:
        errors["caller_name"] = "At most 60 characters."
    call = _call_for(session, form, phone, errors)

    if outcome is Outcome.MERGE:
        target_number = (form.get("merge_number") or form.get("merge_into")).upper()
        target = tickets.get_by_number(session, target_number) if target_number else None
        if not target_number:
            errors["merge_number"] = "Choose an open ticket of this caller or type its number."
        elif target is None:
            errors["merge_number"] = "No ticket has this number."
        elif target.status not in OPEN_STATES:
            errors["merge_number"] = "That ticket is no longer open; log the call as a new ticket."
        if errors:
            raise FormError(errors)
        assert target is not None and target.id is not None
        party = intake.party_of(session, target, phone)
        # The call is logged on the ticket either way; the person becomes a co-requester
        # (who gets the replies and the survey) once, and never when they filed it themselves.
        calls.link_caller(
            session,
            ticket_id=target.id,
            phone=phone,
            name=form.get("caller_name"),
            role=CallerRole.REQUESTER
            if party is intake.Party.REQUESTER
            else CallerRole.CO_REQUESTER,
            user=user,
            call=call,
        )
        if party is None and phone and not form.get("anonymous"):
            intake.add_co_requester(
                session,
                target,
                name=form.get("caller_name"),
                phone=phone,
                channel=Channel.HOTLINE,
            )
        tickets.record(
            session,
            target,
            "co_requester_added",
            actor=tickets.Actor.staff(user),
            reason=form.get("note")[:400],
            data={"caller": mask_phone(phone), "call_id": call.call_id if call else None},
        )
        return Logged(outcome, target)

    draft = _draft(session, form, outcome, errors)
    answer = None
    if outcome is Outcome.DIRECT_ANSWER:
        answer = knowledge.by_code(session, form.get("knowledge_code"))
        if answer is None:
            errors["knowledge_code"] = "Choose an answer from the knowledge base."
    line = form.get("transfer_line")
    if outcome is Outcome.TRANSFER and line not in TRANSFER_LINES:
        errors["transfer_line"] = "Choose the line the call went to (110, 119, 120 or 122)."
    if errors or draft is None:
        raise FormError(errors)

    if answer is not None and not draft.title:
        draft.title = answer.question[:120]
    if outcome is Outcome.TRANSFER and not draft.title:
        draft.title = i18n.gettext("Transferred to %(line)s") % {"line": line}
    if not draft.description:
        draft.description = answer.question if answer is not None else draft.title
    ticket, code = tickets.create_ticket(
        session,
        draft,
        actor=tickets.Actor.staff(user),
        prefix=settings.city_code,
        tz=settings.tz,
        secret_key=settings.secret_key,
    )
    assert ticket.id is not None
    calls.link_caller(
        session,
        ticket_id=ticket.id,
        phone=phone,
        name="" if draft.anonymous else form.get("caller_name"),
        role=CallerRole.REQUESTER,
        user=user,
        call=call,
    )
    actor = tickets.Actor.staff(user)
    lead = None
    if outcome is Outcome.DIRECT_ANSWER and answer is not None:
        tickets.transition(
            session,
            ticket,
            Action.DIRECT_ANSWER,
            actor=actor,
            reason=form.get("note")[:400],
            changes={"public_reply": answer.answer},
            data={"knowledge_code": answer.code, "knowledge_id": answer.id},
        )
        # Direct answers are sampled for a callback later; the clock says by when.
        clocks.start_callback_clock(session, ticket)
    elif outcome is Outcome.TRANSFER:
        note = form.get("note")
        reason = i18n.gettext("Transferred to %(line)s (%(service)s)") % {
            "line": line,
            "service": i18n.gettext(TRANSFER_LINES[line]),
        }
        reason += f": {note}" if note else ""
        tickets.transition(
            session,
            ticket,
            Action.TRANSFER,
            actor=actor,
            reason=reason[:400],
            close_reason=CloseReason.TRANSFERRED,
            data={"line": line},
        )
    else:
        lead = intake.open_and_route(session, settings, ticket, actor=actor)
    return Logged(outcome, ticket, code, lead)


def _call_for(
    session: Session, form: CallForm, phone: str, errors: dict[str, str]
) -> CallRecord | None:
    """The telephony record of this call: the one named, else the caller's latest unlinked one."""
    ref = form.get("call_ref")
    if ref:
        call = calls.by_call_id(session, ref)
        if call is None:
            # The record may not have arrived yet; the feed links the ticket when it does.
            return None
        if phone and call.caller_number and call.caller_number != phone:
            errors["call_ref"] = "This call came from another number."
        return call
    return calls.recent_unlinked_call(session, phone, at=clock.now())


def _draft(
    session: Session, form: CallForm, outcome: Outcome, errors: dict[str, str]
) -> tickets.TicketDraft | None:
    needs_content = outcome is Outcome.WORK_ORDER
    try:
        ticket_type = TicketType(form.get("type") or _default_type(outcome))
    except ValueError:
        errors["type"] = "Choose a type."
        ticket_type = TicketType.OTHER
    try:
        urgency = Urgency(form.get("urgency") or Urgency.NORMAL.value)
    except ValueError:
        errors["urgency"] = "Choose normal or urgent."
        urgency = Urgency.NORMAL
    category_id = None
    code = form.get("category_code")
    if code:
        category = catalogue.category_by_code(session, code)
        if category is None:
            errors["category_code"] = "No category has this code; pick one from the list."
        else:
            category_id = category.id
    elif needs_content:
        errors["category_code"] = "Choose a category."
    title, description = form.get("title"), form.get("description")
    if needs_content and not title:
        errors["title"] = "Give the ticket a short title."
    elif len(title) > 120:
        errors["title"] = "At most 120 characters."
    if needs_content and not description:
        errors["description"] = "Describe what the caller reports."
    district_id, street_id = _place(session, form, errors)
    if len(form.get("address")) > 200:
        errors["address"] = "At most 200 characters."
    if errors:
        return None
    return tickets.TicketDraft(
        channel=Channel.HOTLINE,
        type=ticket_type,
        urgency=urgency,
        title=title,
        description=description,
        request_text=form.get("request_text"),
        category_id=category_id,
        district_id=district_id,
        street_id=street_id,
        address=form.get("address"),
        requester_name=form.get("caller_name"),
        requester_phone=phones.normalise(form.get("caller_phone")),
        anonymous=bool(form.get("anonymous")),
        confidential=bool(form.get("confidential")),
    )


def _default_type(outcome: Outcome) -> str:
    if outcome is Outcome.DIRECT_ANSWER:
        return TicketType.CONSULTATION.value
    if outcome is Outcome.TRANSFER:
        return TicketType.HELP.value
    return ""


def _place(
    session: Session, form: CallForm, errors: dict[str, str]
) -> tuple[int | None, int | None]:
    district = street = None
    if form.get("district_code"):
        district = session.exec(
            select(Area).where(
                Area.code == form.get("district_code"), Area.level == AreaLevel.DISTRICT
            )
        ).first()
        if district is None:
            errors["district_code"] = "Choose a district from the list."
    if form.get("street_code"):
        street = session.exec(
            select(Area).where(Area.code == form.get("street_code"), Area.level == AreaLevel.STREET)
        ).first()
        if street is None:
            errors["street_code"] = "Choose a street from the list."
        elif district is not None and street.parent_id != district.id:
            errors["street_code"] = "This street is not in the chosen district."
        elif district is None and street.parent_id is not None:
            district = session.get(Area, street.parent_id)
    return (district.id if district else None), (street.id if street else None)


def caller_history(session: Session, phone: str) -> list[Ticket]:
    """The caller's earlier tickets, open ones first: filed, called about, or joined online."""
    phone = phones.normalise(phone)
    if len(phone) < 3:
        return []
    linked = select(TicketCall.ticket_id).where(TicketCall.caller_phone == phone)
    joined = select(CoRequester.ticket_id).where(CoRequester.phone == phone)
    open_first = case((col(Ticket.status).in_([s.value for s in OPEN_STATES]), 0), else_=1)
    return list(
        session.exec(
            select(Ticket)
            .where(
                or_(
                    col(Ticket.requester_phone) == phone,
                    col(Ticket.id).in_(linked),
                    col(Ticket.id).in_(joined),
                )
            )
            .order_by(open_first, col(Ticket.created_at).desc())
            .limit(HISTORY_LIMIT)
        )
    )


def quick_categories(session: Session, *, now: datetime) -> list[Category]:
    """The categories used most in the last 30 days (counted in SQL), from the current tree."""
    version = catalogue.current_version(session)
    if version is None:
        return []
    used = func.count(col(Ticket.id))
    rows = session.exec(
        select(Category, used)
        .join(Ticket, col(Ticket.category_id) == Category.id)
        .where(col(Ticket.created_at) >= now - QUICK_WINDOW, Category.tree_version == version)
        .group_by(col(Category.id))
        .order_by(used.desc(), col(Category.code))
        .limit(QUICK_CATEGORIES)
    ).all()
    return [category for category, _count in rows]


def my_day(session: Session, user: User, *, since: datetime) -> list[tuple[TicketCall, Ticket]]:
    """The tickets this operator logged or merged calls into since the start of their day."""
    return list(
        session.exec(
            select(TicketCall, Ticket)
            .join(Ticket, col(Ticket.id) == TicketCall.ticket_id)
            .where(TicketCall.created_by_id == user.id, col(TicketCall.created_at) >= since)
            .order_by(col(TicketCall.created_at).desc())
            .limit(200)
        ).all()
    )
