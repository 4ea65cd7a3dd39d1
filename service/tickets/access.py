"""Which tickets a staff user may see: handlers only their unit's (lead or assisting) ones.

Any other ticket answers 404 exactly like a number that does not exist, so nothing leaks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, col, select

from service.auth.deps import CurrentUser
from service.auth.models import Role, User
from service.auth.roles import PII_UNMASKERS, TICKET_READERS
from service.deps import SessionDep
from service.tickets.models import Ticket, TicketAssist

NOT_FOUND = "No ticket with this number."


def visible_tickets(user: User) -> ColumnElement[bool]:
    """A WHERE clause limiting a ticket query to what this user may see."""
    if user.role not in TICKET_READERS:
        return false()
    if user.role is Role.HANDLER:
        if user.unit_id is None:
            return false()
        assisting = select(TicketAssist.ticket_id).where(TicketAssist.unit_id == user.unit_id)
        return or_(col(Ticket.lead_unit_id) == user.unit_id, col(Ticket.id).in_(assisting))
    return true()


def find_for(session: Session, user: User, number: str) -> Ticket | None:
    """The ticket with this number if the user may see it, else None (whether or not it exists)."""
    return session.exec(
        select(Ticket).where(Ticket.number == number.strip().upper(), visible_tickets(user))
    ).first()


def get_ticket_for(number: str, user: CurrentUser, session: SessionDep) -> Ticket:
    """Path dependency for /.../{number}: the visible ticket, or 404 without a hint."""
    if user.role not in TICKET_READERS:
        raise HTTPException(status_code=403, detail="Your role does not allow this.")
    ticket = find_for(session, user, number)
    if ticket is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    return ticket


VisibleTicket = Annotated[Ticket, Depends(get_ticket_for)]


def requester_hidden(user: User, ticket: Ticket) -> bool:
    """Confidential tickets go to units without the requester; deputies never see PII."""
    if user.role is Role.DEPUTY:
        return True
    return ticket.confidential and user.role is Role.HANDLER


def may_unmask(user: User, ticket: Ticket) -> bool:
    """Only roles that work cases may unmask, and never where the requester is hidden."""
    return user.role in PII_UNMASKERS and not requester_hidden(user, ticket)
