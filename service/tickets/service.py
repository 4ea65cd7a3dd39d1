"""Ticket operations: numbering, intake, and transition(), the one way a ticket changes state."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, literal
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import User
from service.auth.secrets import hash_access_code, new_access_code
from service.catalogue.models import Category, CategoryTag
from service.tickets.models import (
    ActorKind,
    Channel,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketTag,
    TicketType,
    Urgency,
    Visibility,
)
from service.tickets.states import Action, CloseReason, Status, next_status

# Actions whose reason or outcome the citizen may read on the public timeline.
INTERNAL_ACTIONS = frozenset({Action.REQUEST_RETURN, Action.REFUSE_RETURN, Action.SEND_BACK})


class ConflictError(Exception):
    """Someone else changed the ticket after it was read; nothing was written."""

    def __init__(self, number: str, expected: int | None, current: int | None) -> None:
        super().__init__(
            f"ticket {number} was changed by someone else (you had version {expected}, "
            f"it is now at version {current}); reload it and try again"
        )
        self.number = number
        self.expected = expected
        self.current = current


@dataclass(frozen=True)
class Actor:
    """Who did something: a citizen, a staff user, the system, or a machine client."""

    kind: ActorKind
    label: str = ""
    user_id: int | None = None

    @classmethod
    def staff(cls, user: User) -> Actor:
        return cls(ActorKind.STAFF, user.display_name or user.username, user.id)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(ActorKind.SYSTEM, label)

    @classmethod
    def citizen(cls) -> Actor:
        return cls(ActorKind.CITIZEN, "citizen")


@dataclass
class TicketDraft:
    """What intake knows about a new ticket; every channel fills one of these."""

    channel: Channel
    type: TicketType
    title: str
    description: str
    request_text: str = ""
    urgency: Urgency = Urgency.NORMAL
    category_id: int | None = None
    district_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None
    address: str = ""
    lat: float | None = None
    long: float | None = None
    occurred_at: datetime | None = None
    requester_name: str = ""
    requester_phone: str = ""
    requester_email: str = ""
    anonymous: bool = False
    confidential: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def next_number(session: Session, *, prefix: str, tz: ZoneInfo, at: datetime) -> str:
    """Numbers read PREFIX + local yymmdd + a daily sequence of at least four digits.

    One upsert with RETURNING, so the first two filings of a day cannot both insert the day's
    row. The row stays locked (PostgreSQL) or the database stays write-locked (SQLite) until
    the transaction ends, which keeps numbers gapless: callers take a number last, just before
    they commit.
    """
    day = at.astimezone(tz).strftime("%y%m%d")
    dialect = session.get_bind().dialect.name
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(TicketCounter)
    last = session.execute(
        upsert.values(day=day, last=1)
        .on_conflict_do_update(
            index_elements=[col(TicketCounter.day)], set_={"last": TicketCounter.last + 1}
        )
        .returning(col(TicketCounter.last))
    ).scalar_one()
    return f"{prefix}{day}{last:04d}"


def create_ticket(
    session: Session,
    draft: TicketDraft,
    *,
    actor: Actor,
    prefix: str,
    tz: ZoneInfo,
    secret_key: str,
    number_later: bool = False,
) -> tuple[Ticket, str]:
    """A new ticket in intake, hashed access code, its category path's tags; returns the code.

    The plain access code is returned once and stored only as a keyed hash. With
    `number_later` the row carries a provisional number until `assign_number`, which the
    caller must call before it commits (see there).
    """
    at = clock.now()
    code = new_access_code()
    ticket = Ticket(
        number=(
            PROVISIONAL + secrets.token_hex(9)
            if number_later
            else next_number(session, prefix=prefix, tz=tz, at=at)
        ),
        access_code_hash=hash_access_code(code, secret_key),
        channel=draft.channel,
        type=draft.type,
        urgency=draft.urgency,
        status=Status.INTAKE,
        category_id=draft.category_id,
        district_id=draft.district_id,
        street_id=draft.street_id,
        community_id=draft.community_id,
        address=draft.address,
        lat=draft.lat,
        long=draft.long,
        title=draft.title,
        description=draft.description,
        request_text=draft.request_text,
        occurred_at=draft.occurred_at,
        requester_name="" if draft.anonymous else draft.requester_name,
        requester_phone="" if draft.anonymous else draft.requester_phone,
        requester_email="" if draft.anonymous else draft.requester_email,
        anonymous=draft.anonymous,
        confidential=draft.confidential,
        created_at=at,
        updated_at=at,
    )
    session.add(ticket)
    session.flush()
    if draft.category_id is not None:
        _copy_category_tags(session, ticket, draft.category_id)
    _append_event(
        session,
        ticket,
        action="create",
        actor=actor,
        to_status=Status.INTAKE,
        visibility=Visibility.PUBLIC,
        at=at,
        data={"channel": draft.channel.value},
    )
    return ticket, code


# A provisional number never leaves the transaction: it cannot look like a real one.
PROVISIONAL = "~"


def assign_number(session: Session, ticket: Ticket, *, prefix: str, tz: ZoneInfo) -> str:
    """Give a ticket written with a provisional number its real one, as the filing's last step.

    Taking the number locks the day's counter until commit (gapless numbers need that), so a
    filing that takes it after routing, clocks and events holds the lock only for its last few
    writes instead of the whole filing.
    """
    assert ticket.number.startswith(PROVISIONAL), "a ticket gets its number once"
    ticket.number = next_number(session, prefix=prefix, tz=tz, at=ticket.created_at)
    flush(session, ticket)
    return ticket.number


def _copy_category_tags(session: Session, ticket: Ticket, category_id: int) -> None:
    """A ticket keeps the tags its category and every ancestor had when it was filed.

    A tag set on `EL` (rights of the elderly) marks every ticket filed under `EL.CARE.HOME`
    too; a tag found on several levels of the path is stored once. One INSERT ... SELECT
    walking up the tree (a recursive CTE; the tree is at most four levels deep).
    """
    lineage = (
        sa_select(col(Category.id), col(Category.parent_id))
        .where(col(Category.id) == category_id)
        .cte("lineage", recursive=True)
    )
    lineage = lineage.union_all(
        sa_select(col(Category.id), col(Category.parent_id)).join(
            lineage, col(Category.id) == lineage.c.parent_id
        )
    )
    tags = (
        sa_select(literal(ticket.id), col(CategoryTag.tag_code))
        .where(col(CategoryTag.category_id).in_(sa_select(lineage.c.id)))
        .distinct()
    )
    session.execute(insert(TicketTag).from_select(["ticket_id", "tag_code"], tags))


def transition(
    session: Session,
    ticket: Ticket,
    action: Action,
    *,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
    close_reason: CloseReason | None = None,
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Apply one action from the transition table, write exactly one event, stamp the clocks.

    `expected_version` is the version the actor saw; a mismatch, or a concurrent writer
    detected at flush time, raises ConflictError and writes nothing.
    """
    if expected_version is not None and expected_version != ticket.version:
        raise ConflictError(ticket.number, expected_version, ticket.version)
    from_status = ticket.status
    to_status = next_status(from_status, action, reason)
    at = clock.now()
    ticket.status = to_status
    ticket.updated_at = at
    for name, value in (changes or {}).items():
        setattr(ticket, name, value)
    if action is Action.SIGN_FOR:
        ticket.signed_for_at = at
    elif action is Action.SUBMIT_REPLY:
        ticket.replied_at = at
    elif action is Action.REOPEN:
        ticket.closed_at = None
        ticket.close_reason = None
    if to_status is Status.CLOSED:
        ticket.closed_at = at
        ticket.close_reason = close_reason or _default_close_reason(action)
    # The hotline office's clocks start and stop with the states they time; sla imports this
    # module, so it is imported here.
    from service.sla import waits

    office_clock = waits.follow(session, ticket, to_status, at)
    visibility = Visibility.INTERNAL if action in INTERNAL_ACTIONS else Visibility.PUBLIC
    event = _append_event(
        session,
        ticket,
        action=action.value,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        visibility=visibility,
        at=at,
        data={**(data or {}), **office_clock},
    )
    flush(session, ticket)
    return event


def flush(session: Session, ticket: Ticket) -> None:
    """Flush, turning a lost optimistic-locking race into a ConflictError."""
    expected = ticket.version
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(ticket.number, expected, None) from exc


def record(
    session: Session,
    ticket: Ticket,
    action: str,
    *,
    actor: Actor,
    reason: str = "",
    visibility: Visibility = Visibility.INTERNAL,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """An event that does not change the state (a note, a contact, a reminder)."""
    return _append_event(
        session,
        ticket,
        action=action,
        actor=actor,
        from_status=ticket.status,
        to_status=ticket.status,
        reason=reason,
        visibility=visibility,
        at=clock.now(),
        data=data or {},
    )


def _default_close_reason(action: Action) -> CloseReason:
    return {
        Action.TRANSFER: CloseReason.TRANSFERRED,
        Action.REJECT: CloseReason.REJECTED,
    }.get(action, CloseReason.RESOLVED)


def _append_event(
    session: Session,
    ticket: Ticket,
    *,
    action: str,
    actor: Actor,
    visibility: Visibility,
    at: datetime,
    from_status: Status | None = None,
    to_status: Status | None = None,
    reason: str = "",
    data: dict[str, Any],
) -> TicketEvent:
    assert ticket.id is not None, "a ticket is flushed before its first event"
    event = TicketEvent(
        ticket_id=ticket.id,
        at=at,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        visibility=visibility,
        data=data,
    )
    session.add(event)
    return event


def events_of(session: Session, ticket_id: int, *, public_only: bool = False) -> list[TicketEvent]:
    """A ticket's events in order; the public timeline shows only public ones."""
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if public_only:
        query = query.where(TicketEvent.visibility == Visibility.PUBLIC)
    return list(session.exec(query.order_by(TicketEvent.at, TicketEvent.id)))  # type: ignore[arg-type]


def get_by_number(session: Session, number: str) -> Ticket | None:
    """The ticket with this public number, if any."""
    return session.exec(select(Ticket).where(Ticket.number == number.strip().upper())).first()
