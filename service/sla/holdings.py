"""Unit holdings: each spell of a ticket at a lead unit, so a return keeps its lateness.

A holding opens at dispatch and ends when a return is approved. It ends at the moment the
unit asked for the return (the review time is the hotline office's own clock), and records
whether the unit was already late then: past its sign-for deadline without signing (or signed
late), or past its handling deadline. Metrics count those late ends against the unit and the
city even after another unit has the ticket.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from service.sla.models import UnitHolding
from service.tickets.models import Ticket


def open_holding(session: Session, ticket: Ticket, at: datetime) -> UnitHolding:
    """A new spell at the ticket's lead unit with the due times dispatch just set."""
    assert ticket.id is not None and ticket.lead_unit_id is not None
    holding = UnitHolding(
        ticket_id=ticket.id,
        unit_id=ticket.lead_unit_id,
        started_at=at,
        sign_for_due=ticket.sign_for_due,
        handling_due=ticket.handling_due,
    )
    session.add(holding)
    session.flush()
    return holding


def current(session: Session, ticket: Ticket) -> UnitHolding | None:
    """The open spell at the ticket's lead unit, if one was recorded."""
    return session.exec(
        select(UnitHolding)
        .where(
            UnitHolding.ticket_id == ticket.id,
            UnitHolding.unit_id == ticket.lead_unit_id,
            col(UnitHolding.ended_at).is_(None),
        )
        .order_by(col(UnitHolding.id).desc())
    ).first()


def late_at(due: datetime | None, done: datetime | None, end: datetime) -> bool:
    """Late when the deadline passed before the thing was done, or before the spell ended."""
    if due is None:
        return False
    return (done if done is not None else end) > due


def end_holding(
    session: Session, ticket: Ticket, *, handed_back_at: datetime, started_at: datetime
) -> UnitHolding:
    """Close the lead unit's spell with the due times it had at the end (extensions and
    pauses included) and whether it was late then; a spell from before holdings were
    recorded is written now."""
    holding = current(session, ticket)
    if holding is None:
        holding = open_holding(session, ticket, started_at)
    holding.sign_for_due = ticket.sign_for_due
    holding.handling_due = ticket.handling_due
    holding.signed_for_at = ticket.signed_for_at
    holding.ended_at = handed_back_at
    holding.sign_for_late = late_at(ticket.sign_for_due, ticket.signed_for_at, handed_back_at)
    holding.handling_late = late_at(ticket.handling_due, None, handed_back_at)
    session.add(holding)
    session.flush()
    return holding
