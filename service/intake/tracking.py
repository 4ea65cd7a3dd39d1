"""Following a ticket with its number and access code: the public timeline and what the citizen
may still do (add information while open; confirm or ask for re-handling after closing).

The public view never carries internal notes, staff names or anyone's contact details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlmodel import Session, select

from service import clock
from service.auth.secrets import access_code_matches, hash_access_code
from service.catalogue.models import Category
from service.config import Settings
from service.intake import attachments as files_
from service.intake.models import Attachment
from service.intake.service import me_too_count
from service.places.models import Area, Unit
from service.sla.clocks import start_clocks
from service.tickets import reasons
from service.tickets import service as tickets
from service.tickets.models import ActorKind, Ticket, TicketEvent, Visibility
from service.tickets.states import OPEN_STATES, Action, CloseReason, Status


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    """Marks a label for translation where it is shown (the template translates it)."""
    return message


# What each state means to the person who filed; internal steps read as their public meaning.
STATUS_LABELS: dict[Status, str] = {
    Status.INTAKE: N_("Received"),
    Status.ANSWERED: N_("Answered"),
    Status.PENDING_DISPATCH: N_("Being assigned to a handling unit"),
    Status.PENDING_SIGN_FOR: N_("Sent to the handling unit"),
    Status.HANDLING: N_("Being handled"),
    Status.RETURN_REQUESTED: N_("Being handled"),
    Status.REPLY_REVIEW: N_("Reply being reviewed"),
    Status.PENDING_CALLBACK: N_("Replied, waiting for your feedback"),
    Status.CLOSED: N_("Closed"),
    Status.MERGED: N_("Merged with an earlier report"),
}
ACTION_LABELS: dict[str, str] = {
    "create": N_("Your request was received"),
    Action.OPEN_WORK_ORDER: N_("Accepted as a work order"),
    Action.DISPATCH: N_("Sent to the handling unit"),
    Action.SIGN_FOR: N_("The handling unit took it on"),
    Action.APPROVE_RETURN: N_("Being assigned to another unit"),
    Action.SUBMIT_REPLY: N_("The handling unit replied; the reply is being reviewed"),
    Action.ACCEPT_REPLY: N_("The reply was published"),
    Action.CLOSE: N_("Closed"),
    Action.REOPEN: N_("Re-handling was requested"),
    Action.DIRECT_ANSWER: N_("Answered by the hotline"),
    Action.SAMPLE_CALLBACK: N_("Chosen for a callback: the hotline will ask how the answer helped"),
    Action.REOPEN_AS_WORK_ORDER: N_("Sent on to a handling unit after your feedback"),
    Action.TRANSFER: N_("Transferred to the emergency services"),
    Action.REJECT: N_("Not accepted"),
    Action.MERGE: N_("Merged with an earlier report of the same problem"),
    "citizen_info": N_("You added information"),
    "citizen_confirm": N_("You confirmed the result"),
    "co_requester_joined": N_("Someone else reported the same problem"),
}
# Only these events show their text to the citizen: their own words, or a reason they are told.
TEXT_SHOWN = frozenset({"citizen_info", Action.REOPEN, Action.REJECT, Action.TRANSFER})
REPLY_SHOWN = frozenset({Status.ANSWERED, Status.PENDING_CALLBACK, Status.CLOSED})


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    text: str
    by_citizen: bool
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class PublicView:
    """Everything the track page and the API show for one ticket."""

    ticket: Ticket
    status_label: str
    category: Category | None
    district: Area | None
    street: Area | None
    lead_unit: Unit | None
    reply: str
    timeline: tuple[TimelineEntry, ...]
    attachments: tuple[Attachment, ...]
    me_too: int
    can_add_information: bool
    can_confirm: bool
    can_reopen: bool
    respond_until: datetime | None


def find(session: Session, number: str, code: str, *, secret_key: str) -> Ticket | None:
    """The ticket only when number and code match; an unknown number costs the same time."""
    ticket = tickets.get_by_number(session, number or "") if number and len(number) <= 20 else None
    if ticket is None:
        hash_access_code(code or "", secret_key)
        return None
    return ticket if access_code_matches(code or "", ticket.access_code_hash, secret_key) else None


class _ClockSigner(TimestampSigner):
    """Signs and checks ages with service.clock, the one clock tests freeze."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="track-view", signer=_ClockSigner)


def view_token(secret_key: str, ticket: Ticket) -> str:
    """A short-lived token that stands for "this browser showed the number and access code"."""
    return _serializer(secret_key).dumps({"id": ticket.id, "n": ticket.number})


def ticket_for_token(
    session: Session, settings: Settings, number: str, token: str
) -> Ticket | None:
    """The ticket a still-valid token was issued for, if it is the one named in the URL."""
    try:
        payload: Any = _serializer(settings.secret_key).loads(
            token or "", max_age=settings.track_link_minutes * 60
        )
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("n") != number:
        return None
    ticket = session.get(Ticket, payload.get("id"))
    return ticket if ticket is not None and ticket.number == number else None


def respond_window_end(ticket: Ticket, settings: Settings) -> datetime | None:
    """Until when the citizen may confirm or ask for re-handling."""
    if ticket.status is Status.CLOSED and ticket.closed_at is not None:
        return ticket.closed_at + timedelta(days=settings.reopen_window_days)
    return None


def _already_confirmed(events: list[TicketEvent], ticket: Ticket) -> bool:
    since = ticket.closed_at or ticket.replied_at
    return any(e.action == "citizen_confirm" and (since is None or e.at >= since) for e in events)


def public_view(session: Session, settings: Settings, ticket: Ticket) -> PublicView:
    """The public timeline and the actions open to the citizen now."""
    assert ticket.id is not None
    events = tickets.events_of(session, ticket.id, public_only=True)
    files = files_.public_attachments(session, ticket.id)
    by_event: dict[int | None, list[Attachment]] = {}
    for attachment in files:
        by_event.setdefault(attachment.event_id, []).append(attachment)
    timeline = tuple(
        TimelineEntry(
            at=event.at,
            label=ACTION_LABELS.get(event.action, N_("Progress update")),
            text=reasons.shown(event) if event.action in TEXT_SHOWN else "",
            by_citizen=event.actor_kind is ActorKind.CITIZEN,
            attachments=tuple(by_event.get(event.id, ())),
        )
        for event in events
    )
    now = clock.now()
    until = respond_window_end(ticket, settings)
    in_window = ticket.status is Status.PENDING_CALLBACK or (until is not None and now <= until)
    confirmed = _already_confirmed(events, ticket)
    reopenable = ticket.lead_unit_id is not None and (
        ticket.status is Status.PENDING_CALLBACK or ticket.close_reason is CloseReason.RESOLVED
    )
    return PublicView(
        ticket=ticket,
        status_label=STATUS_LABELS[ticket.status],
        category=session.get(Category, ticket.category_id) if ticket.category_id else None,
        district=session.get(Area, ticket.district_id) if ticket.district_id else None,
        street=session.get(Area, ticket.street_id) if ticket.street_id else None,
        lead_unit=session.get(Unit, ticket.lead_unit_id) if ticket.lead_unit_id else None,
        reply=ticket.public_reply if ticket.status in REPLY_SHOWN else "",
        timeline=timeline,
        attachments=tuple(files),
        me_too=me_too_count(session, ticket.id),
        can_add_information=ticket.status in OPEN_STATES,
        can_confirm=in_window and not confirmed,
        can_reopen=in_window and reopenable,
        respond_until=until,
    )


def add_information(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    text: str,
    uploads: list[files_.CleanFile],
) -> TicketEvent:
    """The citizen's additions while the ticket is open: a public event with its files."""
    if ticket.status not in OPEN_STATES:
        raise ValueError("information can be added only while the ticket is open")
    event = tickets.record(
        session,
        ticket,
        "citizen_info",
        actor=tickets.Actor.citizen(),
        reason=text,
        visibility=Visibility.PUBLIC,
        data={"attachments": len(uploads)},
    )
    session.flush()
    files_.attach(
        session,
        settings.data_dir,
        ticket,
        uploads,
        event_id=event.id,
        uploaded_by=ActorKind.CITIZEN,
    )
    return event


def confirm_result(session: Session, ticket: Ticket) -> TicketEvent:
    """The citizen says the result is fine; recorded for the callback and the statistics."""
    return tickets.record(
        session,
        ticket,
        "citizen_confirm",
        actor=tickets.Actor.citizen(),
        visibility=Visibility.PUBLIC,
    )


def request_rehandling(session: Session, ticket: Ticket, reason: str) -> TicketEvent:
    """REOPEN with the citizen's reason; the handling unit gets fresh deadlines."""
    event = tickets.transition(
        session, ticket, Action.REOPEN, actor=tickets.Actor.citizen(), reason=reason
    )
    start_clocks(session, ticket)
    return event


def attachment_of(session: Session, ticket: Ticket, attachment_id: int) -> Attachment | None:
    """A public attachment, only if it belongs to this ticket."""
    return session.exec(
        select(Attachment).where(
            Attachment.id == attachment_id,
            Attachment.ticket_id == ticket.id,
            Attachment.visibility == Visibility.PUBLIC,
        )
    ).first()
