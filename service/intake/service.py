"""Filing a complaint from the portal or the API: check references, create, route, notify.

A new ticket becomes a work order at once and is routed like every channel's: the published
dispatch catalogue, else a confident model suggestion, else the dispatchers' triage queue
(service.routing.service.route_new_ticket). Co-requesters ("me too") of every channel are
rows of `co_requester`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from jinja2 import Environment
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from service import clock
from service.catalogue import service as catalogue
from service.catalogue.models import Category
from service.config import Settings
from service.i18n import gettext as _
from service.intake import attachments as files_
from service.intake import phones
from service.intake.models import Attachment, CoRequester, IdempotencyKey, TicketAnswer
from service.intake.schemas import ComplaintData, Contact, Errors
from service.notifications import service as outbox
from service.notifications.models import OutboxKind
from service.places import service as places
from service.places.models import Area, AreaLevel, Unit
from service.routing import learning
from service.routing import service as routing
from service.sla import clocks
from service.sla.clocks import policy_rows
from service.sla.policies import PolicyError, choose, parse_duration
from service.tickets import service as tickets
from service.tickets.models import (
    ActorKind,
    Channel,
    Ticket,
    TicketEvent,
    TicketTag,
    TicketType,
    Visibility,
)
from service.tickets.states import OPEN_STATES, Action, Status

INTAKE = tickets.Actor.system("intake")


@dataclass(frozen=True)
class References:
    """The rows a complaint's codes point at; machine channels may know only part of the place."""

    category: Category
    district: Area | None
    street: Area | None
    community: Area | None = None


@dataclass
class Filed:
    """A filed ticket; `access_code` is the plain code, present only in the first answer."""

    ticket: Ticket
    access_code: str | None
    lead_unit: Unit | None
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class SimilarTicket:
    """An open ticket as "someone reported this already" shows it: no personal data."""

    number: str
    title: str
    status: Status
    created_at: datetime
    me_too: int


def resolve(
    session: Session, *, category: str, district: str, street: str
) -> tuple[References | None, Errors]:
    """The category, district and street for the codes, or a message per unknown code.

    Empty codes are skipped (the form check already asked for them), so every problem on the
    page shows at once.
    """
    errors: Errors = {}
    found_category = catalogue.category_by_code(session, category) if category else None
    if category and found_category is None:
        errors["category"] = _("Please choose a category from the list.")
    found_district = places.area_by_code(session, district) if district else None
    if found_district is not None and found_district.level is not AreaLevel.DISTRICT:
        found_district = None
    if district and found_district is None:
        errors["district"] = _("Please choose a district from the list.")
    found_street = places.area_by_code(session, street) if street else None
    if found_street is not None and found_street.level is not AreaLevel.STREET:
        found_street = None
    if street and found_street is None:
        errors["street"] = _("Please choose a street or township from the list.")
    elif found_street and found_district and found_street.parent_id != found_district.id:
        errors["street"] = _("This street or township is not in the chosen district.")
    if errors or found_category is None or found_district is None or found_street is None:
        return None, errors
    return References(category=found_category, district=found_district, street=found_street), {}


def file_complaint(
    session: Session,
    settings: Settings,
    data: ComplaintData,
    refs: References,
    uploads: list[files_.CleanFile],
    *,
    channel: Channel,
    emails: Environment,
    answers: Mapping[str, str | list[str]] | None = None,
) -> Filed:
    """Create the ticket with its files and answers to the category's questions, route it, start
    its clocks and queue the confirmation.

    The slow parts come first, before anything is written: the routing model reads the text and
    the files go to disk. The ticket's number is taken last, because from that moment until the
    request commits every other filing of the day waits (the day's counter row is locked on
    PostgreSQL); SQLite has one writer, which the writes wait for in turn.
    """
    suggested = learning.suggest(
        session, learning.ticket_text(data.title, data.description, data.request_text)
    )
    for upload in uploads:
        files_.store(settings.data_dir, upload)
    # Read now, kept for the transaction: the clocks started below need them (SQLite's write
    # turn, taken at the first write, then covers no reads of the calendar or the rule table).
    clocks.work_calendar(session)
    clocks.policy_rows(session)
    draft = tickets.TicketDraft(
        channel=channel,
        type=data.type,
        title=data.title,
        description=data.description,
        request_text=data.request_text,
        category_id=refs.category.id,
        district_id=refs.district.id if refs.district else None,
        street_id=refs.street.id if refs.street else None,
        community_id=refs.community.id if refs.community else None,
        address=data.address,
        lat=data.lat,
        long=data.long,
        occurred_at=data.occurred_at,
        requester_name=data.contact.name,
        requester_phone=data.contact.phone,
        requester_email=data.contact.email,
        anonymous=data.anonymous,
        confidential=data.confidential,
    )
    ticket, code = tickets.create_ticket(
        session,
        draft,
        actor=tickets.Actor.citizen(),
        prefix=settings.city_code,
        tz=settings.tz,
        secret_key=settings.secret_key,
        number_later=True,
    )
    created = (
        session.exec(
            select(TicketEvent.id).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.action == "create"
            )
        ).one()
        if uploads
        else None
    )
    stored = files_.attach(
        session, settings.data_dir, ticket, uploads, event_id=created, uploaded_by=ActorKind.CITIZEN
    )
    assert ticket.id is not None
    for code, value in (answers or {}).items():
        session.add(TicketAnswer(ticket_id=ticket.id, code=code, value=value))
    tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=INTAKE)
    decision = routing.route_new_ticket(
        session, ticket, settings=settings, suggested=suggested, notify=False
    )
    # From here to the commit, every other filing of the day waits: only the writes that
    # carry the number (the units' webhooks, the citizen's confirmation) come after it.
    tickets.assign_number(session, ticket, prefix=settings.city_code, tz=settings.tz)
    routing.notify_dispatch(session, ticket, decision)
    unit = session.get(Unit, decision.lead_unit_id) if decision.lead_unit_id else None
    _queue_confirmation(session, settings, ticket, unit, emails)
    return Filed(ticket=ticket, access_code=code, lead_unit=unit, attachments=stored)


def open_and_route(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    *,
    actor: tickets.Actor,
    suggested: tuple[int | None, list[learning.Suggestion]] | None = None,
) -> Unit | None:
    """Open the work order and route it; the lead unit it went to, or None when it was queued."""
    tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=actor)
    decision = routing.route_new_ticket(session, ticket, settings=settings, suggested=suggested)
    return session.get(Unit, decision.lead_unit_id) if decision.lead_unit_id else None


def _queue_confirmation(
    session: Session, settings: Settings, ticket: Ticket, unit: Unit | None, emails: Environment
) -> None:
    # The access code is never put in a message: the outbox is stored in plain text, and the
    # code exists only as a hash once the confirmation page has been shown.
    context = {"ticket": ticket, "unit": unit, "settings": settings}
    if ticket.requester_email:
        outbox.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            recipient=ticket.requester_email,
            subject=_("We received your request %(number)s") % {"number": ticket.number},
            body=emails.get_template("emails/complaint_received.txt").render(context),
            payload={"ticket": ticket.number, "template": "complaint_received"},
        )
    if ticket.requester_phone:
        outbox.enqueue(
            session,
            kind=OutboxKind.SMS,
            recipient=ticket.requester_phone,
            body=emails.get_template("emails/complaint_received.sms.txt").render(context).strip(),
            payload={"ticket": ticket.number, "template": "complaint_received"},
        )


# Tags of complaints about one person's own rights; their tickets are never shown to others.
PERSONAL_TAGS = ("elderly", "women", "minors", "disabled")


def similar_open_tickets(
    session: Session, category: Category, street: Area, *, now: datetime, days: int, limit: int = 10
) -> list[SimilarTicket]:
    """Open tickets of the same category code in the same street from the last `days` days.

    Confidential tickets, those not cleared for disclosure, and complaints about a person's own
    rights (elderly, women, minors, the disabled) are never offered: their titles can identify
    someone, and nobody "joins" a personal case.
    """
    personal = (
        select(TicketTag.ticket_id)
        .where(
            TicketTag.ticket_id == Ticket.id,
            col(TicketTag.tag_code).in_(PERSONAL_TAGS),
        )
        .correlate(Ticket)
        .exists()
    )
    filed_under = aliased(Category)
    me_too = (
        select(func.count(col(CoRequester.id)))
        .where(CoRequester.ticket_id == Ticket.id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    # SQLAlchemy's select: sqlmodel's typed overloads stop at four columns.
    rows = session.execute(
        sa_select(
            col(Ticket.number),
            col(Ticket.title),
            col(Ticket.status),
            col(Ticket.created_at),
            me_too,
        )
        .join(filed_under, col(Ticket.category_id) == filed_under.id)
        .where(
            col(filed_under.code) == category.code,
            col(Ticket.street_id) == street.id,
            col(Ticket.status).in_([s.value for s in OPEN_STATES]),
            col(Ticket.created_at) >= now - timedelta(days=days),
            col(Ticket.parent_id).is_(None),
            col(Ticket.confidential).is_(False),
            col(Ticket.disclosure_allowed).is_(True),
            ~personal,
        )
        .order_by(col(Ticket.created_at).desc())
        .limit(limit)
    ).all()
    return [SimilarTicket(n, t, Status(s), c, int(m or 0)) for n, t, s, c, m in rows]


def me_too_count(session: Session, ticket_id: int) -> int:
    """How many people joined this ticket."""
    return session.exec(
        select(func.count(col(CoRequester.id))).where(CoRequester.ticket_id == ticket_id)
    ).one()


class Party(StrEnum):
    """How a phone number already stands on a ticket."""

    REQUESTER = "requester"
    CO_REQUESTER = "co_requester"


def party_of(session: Session, ticket: Ticket, phone: str) -> Party | None:
    """Whether this number filed the ticket or already joined it (from any channel)."""
    phone = phones.normalise(phone)
    if not phone:
        return None
    if ticket.requester_phone and phones.normalise(ticket.requester_phone) == phone:
        return Party.REQUESTER
    joined = session.exec(
        select(CoRequester.id).where(CoRequester.ticket_id == ticket.id, CoRequester.phone == phone)
    ).first()
    return Party.CO_REQUESTER if joined is not None else None


def add_co_requester(
    session: Session, ticket: Ticket, *, name: str, phone: str, email: str = "", channel: Channel
) -> CoRequester:
    """One more person with the same problem; replies, me-too counts and surveys reach them.

    The caller checks `party_of` first: a number is on a ticket at most once.
    """
    assert ticket.id is not None
    row = CoRequester(
        ticket_id=ticket.id,
        name=name[:60],
        phone=phones.normalise(phone),
        email=email,
        channel=channel,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def join(
    session: Session,
    settings: Settings,
    number: str,
    contact: Contact,
    *,
    channel: Channel,
    emails: Environment,
) -> tuple[Ticket | None, str]:
    """Add a person to an open ticket they also want solved; returns (ticket, "") or (None, why)."""
    ticket = tickets.get_by_number(session, number)
    if (
        ticket is None
        or ticket.status not in OPEN_STATES
        or ticket.parent_id is not None
        or ticket.confidential
        or not ticket.disclosure_allowed
    ):
        return None, _("This report can no longer be joined; please file your own.")
    party = party_of(session, ticket, contact.phone)
    if party is Party.REQUESTER:
        return None, _("You filed this report yourself.")
    if party is Party.CO_REQUESTER:
        return None, _("You have already joined this report.")
    add_co_requester(
        session,
        ticket,
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        channel=channel,
    )
    tickets.record(
        session,
        ticket,
        "co_requester_joined",
        actor=tickets.Actor.citizen(),
        visibility=Visibility.PUBLIC,
        data={"channel": channel.value},
    )
    context = {"ticket": ticket, "settings": settings}
    body = emails.get_template("emails/co_requester_joined.txt").render(context).strip()
    outbox.enqueue(
        session,
        kind=OutboxKind.SMS,
        recipient=contact.phone,
        body=body,
        payload={"ticket": ticket.number, "template": "co_requester_joined"},
    )
    if contact.email:
        outbox.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            recipient=contact.email,
            subject=_("You joined request %(number)s") % {"number": ticket.number},
            body=body,
            payload={"ticket": ticket.number, "template": "co_requester_joined"},
        )
    session.flush()
    return ticket, ""


def fingerprint(data: ComplaintData, uploads: list[files_.CleanFile]) -> str:
    """A digest of everything the request said, so a reused key with another body is caught."""
    content: dict[str, Any] = data.fingerprint_fields()
    content["files"] = [f.sha256 for f in uploads]
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def find_idempotency_key(session: Session, key: str) -> IdempotencyKey | None:
    return session.exec(select(IdempotencyKey).where(IdempotencyKey.key == key)).first()


def remember_idempotency_key(
    session: Session, key: str, digest: str, ticket: Ticket, response: dict[str, Any]
) -> None:
    """Store the first answer without the access code (which exists only as a hash)."""
    assert ticket.id is not None
    kept = {k: v for k, v in response.items() if k != "access_code"}
    session.add(
        IdempotencyKey(
            key=key,
            fingerprint=digest,
            ticket_id=ticket.id,
            response=kept,
            created_at=clock.now(),
        )
    )
    session.flush()


def typical_handling_times(session: Session) -> dict[TicketType, str]:
    """The general handling deadline per type from the policy table, as "N wd"-style text."""
    rows = policy_rows(session)
    found: dict[TicketType, str] = {}
    for ticket_type in TicketType:
        row = choose(
            rows, ticket_type=ticket_type.value, urgency="normal", category_code="", unit_class=""
        )
        if row is None:
            continue
        try:
            parse_duration(row.handling)
        except PolicyError:
            continue
        found[ticket_type] = row.handling
    return found
