"""When a year's arrangement is entered, open tickets' deadlines reaching it are computed again.

A stored deadline is recomputed from its own trace: the start and the number of working days or
working hours are read from the steps and run again on the current calendar. A deadline that no
calendar arithmetic produced (an extension's granted date, a clock-hours deadline) stays. Every
move is logged (deadline_move) and told on the ticket (a "clocks" event with the new trace), so
the sweep, the ladder and the metrics, which read the stored due times, follow.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from service.sla import traces
from service.sla.calendar import Due, TraceStep, WorkCalendar
from service.sla.clocks import CLOCK_FIELDS, DueSoon, set_warning, warn_moment, work_calendar
from service.sla.models import CalendarArrangement, DeadlineMove
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketEvent, Visibility
from service.tickets.states import Status

log = logging.getLogger(__name__)

# Tickets per tick: each batch is one short transaction, so no lock is held across a city.
BATCH = 200
ENGINE = tickets.Actor.system("deadline engine")
_DONE = (Status.CLOSED, Status.MERGED)
# The clocks whose yellow moment is stored beside the due time (due_warning).
_WARNED = {"sign_for_due": "sign_for", "handling_due": "handling"}
_HOURS_STEPS = {"count_hours", "count_full_days"}
_DAY_STEPS = {"count_days", "count_day"}


@dataclass(frozen=True)
class Move:
    """One stored deadline that moved."""

    ticket: str
    clock: str
    old: datetime
    new: datetime


def replay(calendar: WorkCalendar, trace: Sequence[object]) -> tuple[datetime, Due] | None:
    """The computation a trace records, run again: (its start, the new due); None when the
    trace records no working-time arithmetic."""
    steps = [s for s in trace if isinstance(s, Mapping)]
    kinds = {s.get("step") for s in steps}
    if kinds & {"extension", "clock_hours", "no_policy"}:
        return None
    first = next((i for i, s in enumerate(steps) if s.get("step") in traces.START_STEPS), None)
    if first is None:
        return None
    before = [dict(s) for s in steps[:first] if s.get("step") != "recomputed"]
    start = datetime.fromisoformat(str(steps[first]["at"]))
    if kinds & _HOURS_STEPS:
        seconds = max(int(s["total_seconds"]) for s in steps if s.get("step") in _HOURS_STEPS)
        due = calendar.add_working_hours(start, seconds / 3600)
    elif kinds & _DAY_STEPS:
        days = max(
            int(s["to"] if s.get("step") == "count_days" else s["n"])
            for s in steps
            if s.get("step") in _DAY_STEPS
        )
        due = calendar.add_working_days(start, days)
    else:
        return None  # a zero-length clock: due at its start, whatever the calendar
    return start, Due(due.at, [*before, *due.trace])


def recompute_deadlines(session: Session, now: datetime) -> None:
    """Scheduled job: one batch of the oldest pending recompute per tick (idempotent)."""
    pending = session.exec(
        select(CalendarArrangement)
        .where(col(CalendarArrangement.recompute_after).is_not(None))
        .order_by(col(CalendarArrangement.year))
    ).first()
    if pending is not None:
        moves = recompute_batch(session, pending, now)
        if moves:
            log.info("arrangement %s: %d deadlines moved", pending.year, len(moves))


def recompute_batch(
    session: Session, arrangement: CalendarArrangement, now: datetime, *, batch: int = BATCH
) -> list[Move]:
    """The arrangement's next batch; when no ticket is left its recompute is done."""
    assert arrangement.recompute_after is not None
    moves, last = recompute_year(
        session, arrangement.year, now, after=arrangement.recompute_after, batch=batch
    )
    if last is None:
        arrangement.recompute_after, arrangement.recomputed_at = None, now
    else:
        arrangement.recompute_after = last
    session.add(arrangement)
    session.flush()
    return moves


def recompute_year(
    session: Session, year: int, now: datetime, *, after: int = 0, batch: int = BATCH
) -> tuple[list[Move], int | None]:
    """The next `batch` open tickets after id `after` with a deadline on or after 1 January of
    the year: (what moved, the last ticket id done, or None when none is left)."""
    calendar = work_calendar(session)
    year_start = datetime.combine(date(year, 1, 1), datetime.min.time(), calendar.tz)
    reaching = or_(*(col(getattr(Ticket, name)) >= year_start for name in CLOCK_FIELDS))
    found = list(
        session.exec(
            select(Ticket)
            .where(col(Ticket.id) > after, col(Ticket.status).not_in(_DONE), reaching)
            .order_by(col(Ticket.id))
            .limit(batch)
        )
    )
    latest = _latest_traces(session, [t.id for t in found if t.id is not None])
    moves: list[Move] = []
    rule = DueSoon.from_settings()
    for ticket in found:
        assert ticket.id is not None
        stored = latest.get(ticket.id, {})
        moves += _recompute(session, ticket, stored, calendar, year, year_start, rule, now)
    session.flush()
    last = found[-1].id if len(found) == batch else None
    return moves, last


def _latest_traces(session: Session, ids: list[int]) -> dict[int, dict[str, list[Any]]]:
    """Each ticket's latest stored trace per clock (the last "clocks" event that set it)."""
    found: dict[int, dict[str, list[Any]]] = {}
    if not ids:
        return found
    events = session.exec(
        select(TicketEvent)
        .where(col(TicketEvent.ticket_id).in_(ids), TicketEvent.action == "clocks")
        .order_by(col(TicketEvent.id))
    )
    for event in events:
        for name, steps in (event.data.get("trace") or {}).items():
            found.setdefault(event.ticket_id, {})[name] = list(steps)
    return found


def _recompute(
    session: Session,
    ticket: Ticket,
    stored: Mapping[str, list[Any]],
    calendar: WorkCalendar,
    year: int,
    year_start: datetime,
    rule: DueSoon,
    now: datetime,
) -> list[Move]:
    moves: list[Move] = []
    new_traces: dict[str, list[TraceStep]] = {}
    warnings: dict[str, datetime | None] = {}
    for name in CLOCK_FIELDS:
        old = getattr(ticket, name)
        if old is None or old < year_start or name not in stored:
            continue
        replayed = replay(calendar, stored[name])
        if replayed is None or replayed[1].at == old:
            continue
        start, due = replayed
        setattr(ticket, name, due.at)
        new_traces[name] = [traces.recomputed(year, old.astimezone(calendar.tz)), *due.trace]
        if name in _WARNED:
            warnings[_WARNED[name]] = warn_moment(calendar, start, due.at, rule)
        assert ticket.id is not None
        session.add(
            DeadlineMove(
                ticket_id=ticket.id, clock=name, year=year, old_due=old, new_due=due.at, at=now
            )
        )
        moves.append(Move(ticket.number, name, old, due.at))
    if not new_traces:
        return moves
    if warnings:
        set_warning(session, ticket, **warnings)
    tickets.record(
        session,
        ticket,
        "clocks",
        actor=ENGINE,
        visibility=Visibility.INTERNAL,
        data={
            "recomputed_for": year,
            "due": {name: getattr(ticket, name).isoformat() for name in new_traces},
            "trace": new_traces,
        },
    )
    tickets.flush(session, ticket)
    return moves
