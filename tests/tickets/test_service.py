"""transition() on a real database: one event per move, stamped clocks, no lost updates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from service import clock
from service.auth.secrets import access_code_matches
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketEvent, Visibility
from service.tickets.states import Action, CloseReason, IllegalTransitionError, Status
from tests.conftest import TEST_SECRET
from tests.factories import make_ticket
from tests.tickets.test_states import ALLOWED

STAFF = tickets.Actor.system("test")
# A path through the table that reaches each source state, so every allowed move can be
# applied to a real ticket.
PATH_TO: dict[Status, list[Action]] = {
    Status.INTAKE: [],
    Status.ANSWERED: [Action.DIRECT_ANSWER],
    Status.PENDING_DISPATCH: [Action.OPEN_WORK_ORDER],
    Status.PENDING_SIGN_FOR: [Action.OPEN_WORK_ORDER, Action.DISPATCH],
    Status.HANDLING: [Action.OPEN_WORK_ORDER, Action.DISPATCH, Action.SIGN_FOR],
    Status.RETURN_REQUESTED: [
        Action.OPEN_WORK_ORDER,
        Action.DISPATCH,
        Action.SIGN_FOR,
        Action.REQUEST_RETURN,
    ],
    Status.REPLY_REVIEW: [
        Action.OPEN_WORK_ORDER,
        Action.DISPATCH,
        Action.SIGN_FOR,
        Action.SUBMIT_REPLY,
    ],
    Status.PENDING_CALLBACK: [
        Action.OPEN_WORK_ORDER,
        Action.DISPATCH,
        Action.SIGN_FOR,
        Action.SUBMIT_REPLY,
        Action.ACCEPT_REPLY,
    ],
    Status.CLOSED: [Action.TRANSFER],
}


def _events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    assert ticket.id is not None
    return tickets.events_of(session, ticket.id)


def test_new_ticket_gets_number_and_hashed_code(session: Session) -> None:
    with clock.frozen(datetime(2026, 11, 28, 17, 0, tzinfo=UTC)):  # 01:00 on the 29th in Baotou
        first, code = make_ticket(session)
        second, _ = make_ticket(session)
    assert first.number == "BT2611290001"
    assert second.number == "BT2611290002"
    assert code not in first.access_code_hash and first.access_code_hash.startswith("hmac-sha256$")
    assert access_code_matches(code.lower(), first.access_code_hash, TEST_SECRET)
    assert not access_code_matches(code, first.access_code_hash, "another server's secret")
    assert not access_code_matches(code, second.access_code_hash, TEST_SECRET)
    [event] = _events(session, first)
    assert (event.action, event.to_status, event.visibility) == (
        "create",
        Status.INTAKE,
        Visibility.PUBLIC,
    )


@pytest.mark.parametrize(("source", "action", "target"), ALLOWED)
def test_each_allowed_transition_writes_exactly_one_event(
    session: Session, source: Status, action: Action, target: Status
) -> None:
    ticket, _ = make_ticket(session)
    for step in PATH_TO[source]:
        tickets.transition(session, ticket, step, actor=STAFF, reason="setup")
    assert ticket.status is source
    before = len(_events(session, ticket))
    tickets.transition(session, ticket, action, actor=STAFF, reason="test reason")
    session.commit()
    events = _events(session, ticket)
    assert len(events) == before + 1
    assert (events[-1].from_status, events[-1].to_status, events[-1].action) == (
        source,
        target,
        action.value,
    )
    assert session.get(Ticket, ticket.id).status is target  # type: ignore[union-attr]


def test_illegal_transition_writes_nothing(session: Session) -> None:
    ticket, _ = make_ticket(session)
    session.commit()
    with pytest.raises(IllegalTransitionError, match="allowed from intake"):
        tickets.transition(session, ticket, Action.SIGN_FOR, actor=STAFF)
    session.rollback()
    assert len(_events(session, ticket)) == 1
    assert session.get(Ticket, ticket.id).status is Status.INTAKE  # type: ignore[union-attr]


def test_closing_and_reopening_stamp_the_clock(session: Session) -> None:
    ticket, _ = make_ticket(session)
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    with clock.frozen(at):
        tickets.transition(session, ticket, Action.TRANSFER, actor=STAFF, reason="to 110")
    assert (ticket.closed_at, ticket.close_reason) == (at, CloseReason.TRANSFERRED)
    tickets.transition(session, ticket, Action.REOPEN, actor=STAFF, reason="citizen called")
    assert ticket.closed_at is None and ticket.close_reason is None


def test_internal_steps_are_hidden_from_the_public_timeline(session: Session) -> None:
    ticket, _ = make_ticket(session)
    for step in PATH_TO[Status.HANDLING]:
        tickets.transition(session, ticket, step, actor=STAFF)
    tickets.transition(session, ticket, Action.REQUEST_RETURN, actor=STAFF, reason="not ours")
    session.commit()
    assert ticket.id is not None
    public = tickets.events_of(session, ticket.id, public_only=True)
    assert "request_return" not in [e.action for e in public]
    assert "request_return" in [e.action for e in _events(session, ticket)]


def test_two_concurrent_updates_one_wins_the_other_gets_a_conflict(engine: Engine) -> None:
    with Session(engine) as setup:
        ticket, _ = make_ticket(setup)
        setup.commit()
        ticket_id = ticket.id
    with Session(engine) as alice, Session(engine) as bob:
        mine = alice.get(Ticket, ticket_id)
        theirs = bob.get(Ticket, ticket_id)
        assert mine is not None and theirs is not None
        tickets.transition(alice, mine, Action.OPEN_WORK_ORDER, actor=STAFF)
        alice.commit()
        with pytest.raises(tickets.ConflictError, match="changed by someone else"):
            tickets.transition(bob, theirs, Action.REJECT, actor=STAFF, reason="spam")
    with Session(engine) as check:
        final = check.get(Ticket, ticket_id)
        assert final is not None and final.status is Status.PENDING_DISPATCH
        count = check.exec(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
        ).one()
        assert count == 2  # create + open_work_order; the losing reject left no trace


def test_stale_expected_version_is_a_conflict(session: Session) -> None:
    ticket, _ = make_ticket(session)
    tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=STAFF)
    session.commit()
    with pytest.raises(tickets.ConflictError, match="you had version 1"):
        tickets.transition(session, ticket, Action.DISPATCH, actor=STAFF, expected_version=1)


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_the_database_refuses_to_change_or_delete_events(engine: Engine, statement: str) -> None:
    with Session(engine) as session:
        make_ticket(session)
        session.commit()
    with Session(engine) as session:
        query = (
            update(TicketEvent).values(reason="rewritten")
            if statement == "update"
            else delete(TicketEvent)
        )
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(query)
    with Session(engine) as session:
        assert session.execute(text("SELECT reason FROM ticket_event")).scalars().all() == [""]
