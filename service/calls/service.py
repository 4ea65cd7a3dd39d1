"""The call-log feed (idempotent on call_id), call ↔ ticket links, and the call-back list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, bindparam, exists, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import User
from service.calls.models import (
    FINAL_CALLBACK_OUTCOMES,
    NEEDS_CALLBACK,
    CallbackOutcome,
    CallerRole,
    CallRecord,
    Direction,
    Outcome,
    TicketCall,
)
from service.calls.records import validate
from service.intake import phones
from service.intake.models import CoRequester
from service.tickets.models import Channel

CHUNK = 1000
# A ticket written during a call is linked to the call's record when it arrives: the ticket
# must be made between the call's start and a little after its end (notes finished after hang-up).
LINK_GRACE = timedelta(minutes=30)
# At intake, an operator's ticket takes the latest unlinked answered call from the same number
# that started within this window.
RECENT_CALL = timedelta(hours=2)


@dataclass(frozen=True)
class InvalidRow:
    line: int
    reason: str


@dataclass
class ImportSummary:
    """What a load did; sending the same records again moves them all to duplicates."""

    inserted: int = 0
    duplicates: int = 0
    invalid: list[InvalidRow] = field(default_factory=list)
    linked: int = 0

    def line(self) -> str:
        return (
            f"inserted {self.inserted}, duplicates {self.duplicates}, invalid {len(self.invalid)}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "invalid": [{"line": r.line, "error": r.reason} for r in self.invalid],
            "linked_to_tickets": self.linked,
        }


def import_records(
    session: Session,
    records: Iterable[tuple[int, dict[str, Any] | str]],
    *,
    tz: ZoneInfo,
    after_chunk: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Validate and insert numbered raw records in chunks; a bad record never stops the rest.

    A record is either a mapping or, where the reader could not even parse it, the reason.
    `after_chunk(n)` runs after each chunk with the number of records it held (the command
    commits and advances its progress bar there).
    """
    summary = ImportSummary()
    received_at = clock.now()
    for chunk in _chunks(records, CHUNK):
        good: dict[str, dict[str, Any]] = {}
        for line, raw in chunk:
            row = raw if isinstance(raw, str) else validate(raw, tz=tz, received_at=received_at)
            if isinstance(row, str):
                summary.invalid.append(InvalidRow(line, row))
            elif row["call_id"] in good:
                summary.duplicates += 1  # repeated inside the same chunk
            else:
                good[row["call_id"]] = row
        inserted = insert_chunk(session, list(good.values()))
        summary.inserted += len(inserted)
        summary.duplicates += len(good) - len(inserted)
        summary.linked += link_pending(session, inserted)
        if after_chunk is not None:
            after_chunk(len(chunk))
    return summary


def insert_chunk(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One multi-row INSERT ... ON CONFLICT (call_id) DO NOTHING; returns the rows inserted."""
    if not rows:
        return []
    table = CallRecord.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["call_id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["call_id"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {dialect}")
    returning = statement.returning(
        table.c.id,
        table.c.caller_number,
        table.c.started_at,
        table.c.ended_at,
        table.c.outcome,
        table.c.direction,
    )
    result = session.execute(returning, rows)
    return [dict(r._mapping) for r in result]


def link_pending(session: Session, calls: list[dict[str, Any]]) -> int:
    """Attach waiting ticket_call rows (written during the call) to the records just stored."""
    answered = [
        c
        for c in calls
        if c["caller_number"]
        and Outcome(c["outcome"]) is Outcome.ANSWERED
        and Direction(c["direction"]) is Direction.INBOUND
    ]
    if not answered:
        return 0
    earliest = min(c["started_at"] for c in answered)
    pending = session.exec(
        select(TicketCall.id, TicketCall.caller_phone, TicketCall.created_at).where(
            col(TicketCall.call_id).is_(None),
            col(TicketCall.caller_phone).in_({c["caller_number"] for c in answered}),
            col(TicketCall.created_at) >= earliest,
        )
    ).all()
    if not pending:
        return 0
    by_number: dict[str, list[dict[str, Any]]] = {}
    for c in answered:
        by_number.setdefault(c["caller_number"], []).append(c)
    updates = []
    for link_id, phone, created_at in pending:
        candidates = [
            c
            for c in by_number.get(phone, [])
            if c["started_at"] <= created_at <= (c["ended_at"] or c["started_at"]) + LINK_GRACE
        ]
        if candidates:
            best = max(candidates, key=lambda c: c["started_at"])
            updates.append({"link_id": link_id, "record_id": best["id"]})
    if updates:
        table = TicketCall.__table__  # type: ignore[attr-defined]
        session.execute(
            update(table)
            .where(table.c.id == bindparam("link_id"))
            .values(call_id=bindparam("record_id")),
            updates,
        )
    return len(updates)


def recent_unlinked_call(session: Session, phone: str, *, at: datetime) -> CallRecord | None:
    """The latest answered inbound call from this number not yet on any ticket, if recent."""
    phone = phones.normalise(phone)
    if not phone:
        return None
    linked = exists().where(col(TicketCall.call_id) == CallRecord.id)
    return session.exec(
        select(CallRecord)
        .where(
            CallRecord.caller_number == phone,
            CallRecord.outcome == Outcome.ANSWERED,
            CallRecord.direction == Direction.INBOUND,
            col(CallRecord.started_at) >= at - RECENT_CALL,
            ~linked,
        )
        .order_by(col(CallRecord.started_at).desc())
    ).first()


def by_call_id(session: Session, call_id: str) -> CallRecord | None:
    return session.exec(select(CallRecord).where(CallRecord.call_id == call_id.strip())).first()


def link_caller(
    session: Session,
    *,
    ticket_id: int,
    phone: str,
    name: str,
    role: CallerRole,
    user: User | None,
    call: CallRecord | None,
) -> TicketCall:
    """Record a caller on a ticket, linked to the call record when one is known."""
    link = TicketCall(
        call_id=call.id if call else None,
        ticket_id=ticket_id,
        caller_phone=phones.normalise(phone),
        caller_name=name[:60],
        role=role,
        created_at=clock.now(),
        created_by_id=user.id if user else None,
    )
    session.add(link)
    session.flush()
    return link


@dataclass(frozen=True)
class CallerOnTicket:
    """A call about a ticket, or a co-requester who joined without calling.

    `call` is the telephony record once the feed has delivered it; it is always None for a
    co-requester who joined online (`channel` says how they joined).
    """

    role: CallerRole
    name: str
    phone: str
    linked_at: datetime
    call: CallRecord | None
    channel: Channel = Channel.HOTLINE


def callers_of(session: Session, ticket_id: int) -> list[CallerOnTicket]:
    """Everyone who called about a ticket, then the co-requesters who joined another way.

    Calls come from ticket_call, co-requesters from co_requester; a caller merged in by an
    operator is in both and is listed once, as their call. Requester first, then by time.
    """
    rows = session.exec(
        select(TicketCall, CallRecord)
        .join(CallRecord, col(CallRecord.id) == TicketCall.call_id, isouter=True)
        .where(TicketCall.ticket_id == ticket_id)
        .order_by(col(TicketCall.role).desc(), col(TicketCall.created_at), col(TicketCall.id))
    ).all()
    called = (
        select(TicketCall.id)
        .where(TicketCall.ticket_id == ticket_id, TicketCall.caller_phone == CoRequester.phone)
        .exists()
    )
    joined = session.exec(
        select(CoRequester)
        .where(CoRequester.ticket_id == ticket_id, ~called)
        .order_by(col(CoRequester.created_at), col(CoRequester.id))
    ).all()
    found = [
        CallerOnTicket(link.role, link.caller_name, link.caller_phone, link.created_at, call)
        for link, call in rows
    ]
    found += [
        CallerOnTicket(CallerRole.CO_REQUESTER, c.name, c.phone, c.created_at, None, c.channel)
        for c in joined
    ]
    return sorted(found, key=lambda c: (c.role is not CallerRole.REQUESTER, c.linked_at))


def co_requester_counts(session: Session, ticket_ids: list[int]) -> dict[int, int]:
    """How many co-requesters each ticket has, whatever channel they joined by (SQL count)."""
    if not ticket_ids:
        return {}
    rows = session.exec(
        select(CoRequester.ticket_id, func.count())
        .where(col(CoRequester.ticket_id).in_(ticket_ids))
        .group_by(col(CoRequester.ticket_id))
    ).all()
    return {ticket_id: count for ticket_id, count in rows}


def callback_queue(session: Session, *, offset: int = 0, limit: int = 50) -> list[CallRecord]:
    """Missed and abandoned calls not yet returned, oldest first (first come, first served)."""
    return list(
        session.exec(
            _open_callbacks().order_by(col(CallRecord.started_at)).offset(offset).limit(limit)
        )
    )


def callback_queue_size(session: Session) -> int:
    return session.exec(select(func.count()).select_from(_open_callbacks().subquery())).one()


def _open_callbacks() -> Any:
    return select(CallRecord).where(
        col(CallRecord.outcome).in_([o.value for o in NEEDS_CALLBACK]),
        col(CallRecord.callback_closed_at).is_(None),
        CallRecord.direction == Direction.INBOUND,
        CallRecord.caller_number != "",
    )


class CallbackError(ValueError):
    """A callback that cannot be recorded (already done, or not a missed call)."""


def record_callback(
    session: Session, call: CallRecord, *, user: User, outcome: CallbackOutcome, note: str
) -> None:
    """One call-back attempt; a final outcome takes the call off the list, no answer keeps it."""
    if call.outcome not in NEEDS_CALLBACK:
        raise CallbackError("Only missed or abandoned calls are called back.")
    if call.callback_closed_at is not None:
        raise CallbackError("This call has already been returned.")
    at = clock.now()
    call.callback_attempts += 1
    call.callback_at = at
    call.callback_by_id = user.id
    call.callback_outcome = outcome
    call.callback_note = note.strip()[:400]
    if outcome in FINAL_CALLBACK_OUTCOMES:
        call.callback_closed_at = at
    session.add(call)
    session.flush()


def _chunks(
    records: Iterable[tuple[int, dict[str, Any] | str]], size: int
) -> Iterator[list[tuple[int, dict[str, Any] | str]]]:
    chunk: list[tuple[int, dict[str, Any] | str]] = []
    for item in records:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
