"""Direct answers (直办) leave `answered`: a drawn share goes to the callback queue, the rest
close once the set time has passed since the answer.

Each ticket is drawn once, and the draw (value, share, outcome) is written on its event log,
so a later change of the share never re-draws a ticket and every decision can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import Exists
from sqlmodel import Session, col, select

from service.callbacks import co_requesters, sampling
from service.tickets import reasons
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketEvent, Visibility
from service.tickets.reasons import N_
from service.tickets.states import Action, CloseReason, Status

SAMPLE_EVENT = "callback_sample"
ACTOR = tickets.Actor.system("callbacks")


@dataclass(frozen=True)
class Settled:
    sampled: int
    not_sampled: int
    closed: int


def _event_exists(action: str) -> Exists:
    """The ticket has an event of this action (its own alias: the caller may join events)."""
    event = aliased(TicketEvent)
    return (
        select(event.id)
        .where(event.ticket_id == Ticket.id, event.action == action)
        .correlate(Ticket)
        .exists()
    )


def draw_new(session: Session, *, share: float, limit: int = 1000) -> tuple[int, int]:
    """Direct answers not drawn yet are drawn now: the sampled move to the callback queue
    (SAMPLE_CALLBACK); the others stay `answered`, their draw recorded. Returns both counts."""
    rows = session.exec(
        select(Ticket)
        .where(Ticket.status == Status.ANSWERED, ~_event_exists(SAMPLE_EVENT))
        .order_by(col(Ticket.id))
        .limit(limit)
    ).all()
    picked = left = 0
    for ticket in rows:
        value = sampling.draw(ticket.number)
        # A requester nobody can reach cannot be called back: such a ticket is never drawn.
        reachable = co_requesters.requester_reachable(ticket)
        chosen = reachable and value < share
        tickets.record(
            session,
            ticket,
            SAMPLE_EVENT,
            actor=ACTOR,
            visibility=Visibility.INTERNAL,
            data={
                "draw": round(value, 6),
                "share": share,
                "sampled": chosen,
                "reachable": reachable,
            },
        )
        if chosen:
            tickets.transition(session, ticket, Action.SAMPLE_CALLBACK, actor=ACTOR)
            picked += 1
        else:
            left += 1
    session.flush()
    return picked, left


def close_unsampled(session: Session, now: datetime, *, after: timedelta, limit: int = 1000) -> int:
    """Drawn, not sampled direct answers close (reason: direct answer) once `after` has
    passed since the answer; the answer time is the DIRECT_ANSWER event's."""
    rows = session.exec(
        select(Ticket)
        .join(TicketEvent, col(TicketEvent.ticket_id) == Ticket.id)
        .where(
            Ticket.status == Status.ANSWERED,
            TicketEvent.action == Action.DIRECT_ANSWER.value,
            col(TicketEvent.at) <= now - after,
            _event_exists(SAMPLE_EVENT),
        )
        .order_by(col(Ticket.id))
        .limit(limit)
    ).all()
    days = after / timedelta(days=1)
    for ticket in rows:
        tickets.transition(
            session,
            ticket,
            Action.CLOSE,
            actor=ACTOR,
            close_reason=CloseReason.DIRECT_ANSWER,
            data=reasons.system_reason(
                N_(
                    "Closed %(days)g days after the direct answer, which was not drawn "
                    "for a callback."
                ),
                days=days,
            ),
        )
    return len(rows)


def settle(session: Session, now: datetime, *, share: float, after: timedelta) -> Settled:
    """One run: draw the new direct answers, then close the unsampled ones that are due."""
    picked, left = draw_new(session, share=share)
    closed = close_unsampled(session, now, after=after)
    return Settled(picked, left, closed)
