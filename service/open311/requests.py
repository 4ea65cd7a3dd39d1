"""GET requests: tickets as Open311 service requests, filtered and paginated in SQL.

A page costs one query for the tickets (with category, unit, areas, callback, personal-rights
flag and client media link joined in) and one for their photos; `extensions=true` adds one
each for answers, questions and public events. Only tickets whose category has a service code
are Open311 requests. What each field may show is decided in privacy.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from service.callbacks.models import Callback
from service.catalogue import attributes as questions
from service.catalogue.models import AttributeType, Category, CategoryAttribute
from service.config import Settings
from service.i18n import gettext as _
from service.i18n import localized_name
from service.intake.models import Attachment, TicketAnswer
from service.intake.tracking import ACTION_LABELS, REPLY_SHOWN, STATUS_LABELS
from service.open311 import privacy
from service.open311.formats import stamp
from service.open311.models import Open311Request
from service.open311.params import CLOSED_STATES, RequestQuery
from service.open311.services import choice_name
from service.places.models import Area, Unit
from service.tickets.models import Ticket, TicketEvent, TicketTag, Visibility
from service.tickets.states import Status

_IMAGES = ("image/jpeg", "image/png", "image/webp")
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
District = aliased(Area, name="district")
Street = aliased(Area, name="street")
Community = aliased(Area, name="community")


@dataclass(frozen=True)
class Found:
    """One ticket with everything its Open311 form needs."""

    ticket: Ticket
    category: Category
    unit: Unit | None
    district: Area | None
    street: Area | None
    community: Area | None
    satisfaction: str | None
    personal: bool
    client_media_url: str | None

    @property
    def disclosed(self) -> bool:
        return privacy.disclosed(
            disclosure_allowed=self.ticket.disclosure_allowed,
            confidential=self.ticket.confidential,
            personal=self.personal,
        )


def _base() -> Select[Any]:
    personal = (
        select(TicketTag.ticket_id)
        .where(
            TicketTag.ticket_id == Ticket.id,
            col(TicketTag.tag_code).in_(privacy.PERSONAL_TAGS),
        )
        .correlate(Ticket)
        .exists()
    )
    # A re-handled ticket has a callback per round; its satisfaction is the latest round's.
    latest_round = (
        sa_select(func.max(col(Callback.round)))
        .where(col(Callback.ticket_id) == Ticket.id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    return (
        sa_select(
            Ticket,
            Category,
            Unit,
            District,
            Street,
            Community,
            col(Callback.satisfied),
            personal.label("personal"),
            col(Open311Request.media_url),
        )
        .join(Category, col(Ticket.category_id) == Category.id)
        .join(Unit, col(Ticket.lead_unit_id) == Unit.id, isouter=True)
        .join(District, col(Ticket.district_id) == District.id, isouter=True)
        .join(Street, col(Ticket.street_id) == Street.id, isouter=True)
        .join(Community, col(Ticket.community_id) == Community.id, isouter=True)
        .join(
            Callback,
            (col(Callback.ticket_id) == Ticket.id) & (col(Callback.round) == latest_round),
            isouter=True,
        )
        .join(Open311Request, col(Open311Request.ticket_id) == Ticket.id, isouter=True)
        .where(col(Category.service_code).is_not(None))
    )


def find(session: Session, query: RequestQuery) -> list[Found]:
    """One page of matching tickets, newest first."""
    statement = _base()
    if query.ids:
        statement = statement.where(col(Ticket.number).in_(query.ids))
    else:
        if query.service_codes:
            statement = statement.where(col(Category.service_code).in_(query.service_codes))
        if query.statuses is not None:
            statement = statement.where(col(Ticket.status).in_([s.value for s in query.statuses]))
        if query.requested is not None:
            low, high = query.requested
            statement = statement.where(col(Ticket.created_at).between(low, high))
        if query.updated is not None:
            after, before = query.updated
            if after is not None:
                statement = statement.where(col(Ticket.updated_at) >= after)
            if before is not None:
                statement = statement.where(col(Ticket.updated_at) <= before)
    statement = (
        statement.order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    )
    return [
        Found(
            ticket=row[0],
            category=row[1],
            unit=row[2],
            district=row[3],
            street=row[4],
            community=row[5],
            satisfaction=row[6].value if row[6] is not None else None,
            personal=bool(row[7]),
            client_media_url=row[8],
        )
        for row in session.execute(statement).all()
    ]


def token_lookup(session: Session, token: str) -> str | None:
    """The ticket number a POST's token stands for, or None for an unknown token."""
    return session.exec(
        select(Ticket.number)
        .join(Open311Request, col(Open311Request.ticket_id) == Ticket.id)
        .where(Open311Request.token == token)
    ).first()


def media_of(session: Session, number: str, attachment_id: int) -> Attachment | None:
    """A photo as media_url links to it: public, an image, of a disclosed ticket."""
    rows = find(session, RequestQuery(ids=(number.upper(),), page_size=1))
    if not rows or not rows[0].disclosed:
        return None
    return session.exec(
        select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.ticket_id == rows[0].ticket.id,
            Attachment.visibility == Visibility.PUBLIC,
            col(Attachment.content_type).in_(_IMAGES),
        )
    ).first()


def _first_photos(session: Session, ticket_ids: list[int]) -> dict[int, Attachment]:
    firsts = (
        select(func.min(Attachment.id))
        .where(
            col(Attachment.ticket_id).in_(ticket_ids),
            Attachment.visibility == Visibility.PUBLIC,
            col(Attachment.content_type).in_(_IMAGES),
        )
        .group_by(col(Attachment.ticket_id))
    )
    rows = session.exec(select(Attachment).where(col(Attachment.id).in_(firsts))).all()
    return {a.ticket_id: a for a in rows}


@dataclass(frozen=True)
class Extras:
    """What extensions=true adds, read for a whole page at once."""

    answers: dict[int, dict[str, Any]]
    questions: dict[int, CategoryAttribute]
    events: dict[int, list[TicketEvent]]


def _extras(session: Session, found: list[Found]) -> Extras:
    ids = [f.ticket.id for f in found if f.ticket.id is not None]
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for answer in session.exec(select(TicketAnswer).where(col(TicketAnswer.ticket_id).in_(ids))):
        answers[answer.ticket_id][answer.code] = answer.value
    codes = {c for f in found for c in questions.lineage(f.category.code)}
    asked = session.exec(
        select(CategoryAttribute).where(col(CategoryAttribute.category_code).in_(codes))
    ).all()
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in session.exec(
        select(TicketEvent)
        .where(col(TicketEvent.ticket_id).in_(ids), TicketEvent.visibility == Visibility.PUBLIC)
        .order_by(col(TicketEvent.ticket_id), col(TicketEvent.at), col(TicketEvent.id))
    ):
        events[event.ticket_id].append(event)
    return Extras(answers, {q.id or 0: q for q in asked}, events)


def open311_status(status: Status) -> str:
    return "closed" if status in CLOSED_STATES else "open"


def _name(area: Area | Unit | Category | None) -> str:
    return localized_name(area.name_zh, area.name_en) if area is not None else ""


def service_notice(ticket: Ticket, unit: Unit | None, tz: ZoneInfo) -> str | None:
    """What happens next: who handles an open request and by when, or that it is being assigned."""
    if ticket.status in CLOSED_STATES:
        return None
    if unit is None:
        return _("It is being assigned to a handling unit.")
    if ticket.handling_due is None:
        return _("%(unit)s handles it.") % {"unit": _name(unit)}
    due = ticket.handling_due.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return _("%(unit)s handles it; expected by %(due)s.") % {"unit": _name(unit), "due": due}


def _names_to_hide(ticket: Ticket) -> list[str]:
    return [ticket.requester_name]


def _status_notes(found: Found) -> str:
    ticket = found.ticket
    label = _(STATUS_LABELS[ticket.status])
    if found.disclosed and ticket.status in REPLY_SHOWN and ticket.public_reply:
        reply = privacy.redact(ticket.public_reply, _names_to_hide(ticket))
        return _("%(status)s: %(reply)s") % {"status": label, "reply": reply}
    return label


def _address(found: Found) -> str | None:
    """District and street for everyone; the exact address too when the request is disclosed."""
    exact = privacy.redact(found.ticket.address, _names_to_hide(found.ticket))
    exact = exact if found.disclosed else ""
    names = [n for n in (_name(found.district), _name(found.street)) if n and n not in exact]
    return " ".join([*names, exact]).strip() or None


def _answers(found: Found, extras: Extras) -> list[dict[str, Any]]:
    """The public answers of a disclosed request, in the order the questions are asked."""
    if not found.disclosed:
        return []
    given = extras.answers.get(found.ticket.id or 0, {})
    chain = questions.lineage(found.category.code)
    asked = sorted(
        (q for q in extras.questions.values() if q.category_code in chain),
        key=lambda q: (chain.index(q.category_code), q.sort_order, q.code),
    )
    shown: list[dict[str, Any]] = []
    for question in asked:
        if not question.public or question.code not in given:
            continue
        value = given[question.code]
        entry: dict[str, Any] = {
            "code": question.code,
            "name": localized_name(question.description_zh, question.description_en),
        }
        if question.datatype in (AttributeType.SINGLE, AttributeType.MULTI):
            keys = [str(k) for k in value] if isinstance(value, list) else [str(value)]
            names = {str(c["key"]): choice_name(c) for c in question.choices}
            entry["value"] = ",".join(keys)
            entry["values"] = [{"key": k, "name": names.get(k, k)} for k in keys]
        else:
            entry["value"] = privacy.redact(str(value), _names_to_hide(found.ticket))
        shown.append(entry)
    return shown


def _notes(found: Found, events: list[TicketEvent], tz: ZoneInfo) -> list[dict[str, Any]]:
    """The public history: what happened and the open/closed status after it; no free text."""
    notes = []
    status = "open"
    for event in events:
        if event.to_status is not None:
            status = open311_status(event.to_status)
        notes.append(
            {
                "datetime": stamp(event.at, tz),
                "summary": _(ACTION_LABELS.get(event.action, "Progress update")),
                "status": status,
                "type": "status_change" if event.to_status is not None else "update",
            }
        )
    return notes


def serialise(
    session: Session, settings: Settings, found: list[Found], *, extensions: bool
) -> list[dict[str, Any]]:
    """The requests as Open311 dicts, in the order found."""
    tz = settings.tz
    ids = [f.ticket.id for f in found if f.ticket.id is not None and f.disclosed]
    photos = _first_photos(session, ids) if ids else {}
    extras = _extras(session, found) if extensions and found else None
    base = settings.public_url.rstrip("/")
    requests = []
    for item in found:
        ticket = item.ticket
        media_url = None
        if item.disclosed:
            photo = photos.get(ticket.id or 0)
            if photo is not None:
                name = f"{photo.id}{_EXTENSIONS[photo.content_type]}"
                media_url = f"{base}/open311/v2/media/{ticket.number}/{name}"
            else:
                media_url = item.client_media_url
        place = item.community or item.street or item.district
        request: dict[str, Any] = {
            "service_request_id": ticket.number,
            "status": open311_status(ticket.status),
            "status_notes": _status_notes(item),
            "service_name": _name(item.category),
            "service_code": item.category.service_code,
            "description": (
                privacy.redact(ticket.description, _names_to_hide(ticket)) or None
                if item.disclosed
                else None
            ),
            "agency_responsible": _name(item.unit) or None,
            "service_notice": service_notice(ticket, item.unit, tz),
            "requested_datetime": stamp(ticket.created_at, tz),
            "updated_datetime": stamp(ticket.updated_at, tz),
            "expected_datetime": stamp(ticket.handling_due, tz),
            "address": _address(item),
            "address_id": place.code if place is not None else None,
            "zipcode": None,
            "lat": ticket.lat if item.disclosed else None,
            "long": ticket.long if item.disclosed else None,
            "media_url": media_url,
        }
        if extras is not None:
            request["attributes"] = _answers(item, extras)
            request["extended_attributes"] = {
                "channel": ticket.channel.value,
                "detailed_status": ticket.status.value,
                "satisfaction": item.satisfaction,
            }
            request["notes"] = _notes(item, extras.events.get(ticket.id or 0, []), tz)
        requests.append(request)
    return requests
