"""The hotline office's waits run clocks: stored due times, flags in its queues, the ladder."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role, User
from service.routing import service as routing
from service.routing.models import ReturnReason
from service.sla import jobs
from service.sla import service as sla
from service.sla.models import Clock, DeadlinePolicy, LadderLevel, SupervisionStep
from service.tickets import service as tickets
from service.tickets.models import Ticket
from service.tickets.states import Action, Status
from tests.departments.helpers import dispatched_ticket, sign_in, units
from tests.factories import TZ, make_ticket, make_user

# Mon 2 Nov 2026, a working day; working hours run through 09:00-11:00 without a break.
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


def _policy(session: Session) -> None:
    session.add(
        DeadlinePolicy(
            sign_for="1wd",
            first_contact="1wd",
            handling="15wd",
            callback="3wd",
            dispatch="2wh",
            return_review="1wd",
            extension_review="1wd",
            reply_review="1wd",
        )
    )
    session.flush()


def _at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def _row_flag(html: str, number: str) -> str:
    """The flag class of the table row (or article) that shows this ticket number."""
    for row in re.findall(r"<(?:tr|article)\b[^>]*>.*?</(?:tr|article)>", html, re.S):
        if number in row:
            found = re.search(r'class="[^"]*flag-(red|yellow)', row)
            return found.group(1) if found else ""
    raise AssertionError(f"{number} is not on the page")


def _sweep(session: Session, at: datetime) -> list[tuple[Clock, LadderLevel]]:
    with clock.frozen(at):
        jobs.supervise_office(session, clock.now(), criticism_after=3)
        session.commit()
    return [
        (s.clock, s.level)
        for s in session.exec(select(SupervisionStep).order_by(col(SupervisionStep.id)))
    ]


def _dispatcher(session: Session) -> User:
    return make_user(session, "dispatcher", Role.DISPATCHER)


def test_a_ticket_in_triage_past_its_dispatch_deadline_is_flagged_and_supervised(
    client: TestClient, session: Session
) -> None:
    _policy(session)
    dispatcher = _dispatcher(session)
    samr, _ = units(session)
    with clock.frozen(MONDAY):
        ticket, _ = make_ticket(session, title="楼下烧烤油烟")
        tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=tickets.Actor.system())
    session.commit()
    # 2 working hours from 09:00: due 11:00; yellow when a fifth (24 min) is left, at 10:36.
    assert ticket.office_due == _at(11)
    sign_in(client, dispatcher)
    for at, flag in ((_at(10), ""), (_at(10, 40), "yellow"), (_at(11, 30), "red")):
        with clock.frozen(at):
            page = client.get("/staff/routing/triage")
        assert page.status_code == 200
        assert _row_flag(page.text, ticket.number) == flag, at

    # The ladder: a reminder at 10:40, the notice past 11:00, once each however often it runs;
    # criticism 3 working days after the deadline (Thu 5 Nov 11:00). No unit owns these steps.
    assert _sweep(session, _at(10, 40)) == [(Clock.DISPATCH, LadderLevel.REMINDER)]
    assert _sweep(session, _at(11, 30))[1:] == [(Clock.DISPATCH, LadderLevel.NOTICE)]
    assert len(_sweep(session, _at(11, 35))) == 2
    assert _sweep(session, _at(11, 0, day=5))[2:] == [(Clock.DISPATCH, LadderLevel.CRITICISM)]
    assert {s.unit_id for s in session.exec(select(SupervisionStep))} == {None}

    # Dispatch stops the office clock; the unit's own clocks take over.
    with clock.frozen(_at(11, 0, day=6)):
        routing.dispatch(
            session,
            ticket,
            lead=samr,
            actor=tickets.Actor.staff(dispatcher),
            method=routing.RoutingMethod.MANUAL,
            steps=[],
            user=dispatcher,
        )
    session.commit()
    assert ticket.office_due is None
    assert len(_sweep(session, _at(11, 0, day=9))) == 3


def _handled(session: Session) -> tuple[Ticket, User]:
    _policy(session)
    samr, _ = units(session)
    handler = make_user(session, "h", Role.HANDLER, samr)
    ticket = dispatched_ticket(session, at=MONDAY, lead=samr)
    with clock.frozen(MONDAY):
        tickets.transition(session, ticket, Action.SIGN_FOR, actor=tickets.Actor.staff(handler))
    return ticket, handler


def test_a_return_waiting_for_review_runs_the_return_review_clock(
    client: TestClient, session: Session
) -> None:
    ticket, handler = _handled(session)
    dispatcher = _dispatcher(session)
    with clock.frozen(_at(10)):
        routing.request_return(
            session, ticket, user=handler, reason=ReturnReason.WRONG_AREA, text=""
        )
    session.commit()
    assert ticket.office_due == _at(10, day=3)  # one working day
    sign_in(client, dispatcher)
    with clock.frozen(_at(11, day=3)):
        page = client.get("/staff/routing/triage")
    assert _row_flag(page.text.split("Waiting for dispatch")[0], ticket.number) == "red"
    assert _sweep(session, _at(11, day=3)) == [(Clock.RETURN_REVIEW, LadderLevel.NOTICE)]
    with clock.frozen(_at(12, day=3)):
        routing.refuse_return(session, ticket, user=dispatcher, note="属于贵单位职责")
    session.commit()
    assert (ticket.status, ticket.office_due) == (Status.HANDLING, None)


def test_extension_requests_and_replies_under_review_run_the_office_clocks(
    client: TestClient, session: Session
) -> None:
    ticket, handler = _handled(session)
    dispatcher = _dispatcher(session)
    with clock.frozen(_at(11)):
        request = sla.request_extension(
            session,
            ticket,
            user=handler,
            requested_due=_at(17, day=30),
            reason="等待检测报告",
            expected_version=None,
        )
    session.commit()
    assert request.review_due == _at(11, day=3)
    sign_in(client, dispatcher)
    with clock.frozen(_at(12, day=3)):
        page = client.get("/staff/workbench/extensions")
    assert _row_flag(page.text, ticket.number) == "red"
    assert _sweep(session, _at(12, day=3)) == [(Clock.EXTENSION_REVIEW, LadderLevel.NOTICE)]
    with clock.frozen(_at(13, day=3)):
        sla.decide_extension(session, request, ticket, user=dispatcher, approve=False, note="否")
        tickets.transition(session, ticket, Action.SUBMIT_REPLY, actor=tickets.Actor.staff(handler))
    session.commit()
    # The reply waits for review from Tue 13:00: due Wed 4 Nov 13:00.
    assert ticket.office_due == _at(13, day=4)
    for at, flag in ((_at(9, day=4), ""), (_at(14, day=4), "red")):
        with clock.frozen(at):
            page = client.get("/staff/workbench/replies")
        assert _row_flag(page.text, ticket.number) == flag
    steps = _sweep(session, _at(14, day=4))
    assert steps[1:] == [(Clock.REPLY_REVIEW, LadderLevel.NOTICE)]
    # The ticket page lists the office's deadline with the other clocks.
    with clock.frozen(_at(14, day=4)):
        page = client.get(f"/staff/workbench/tickets/{ticket.number}")
    assert f'datetime="{_at(13, day=4).astimezone(UTC).isoformat()}"' in page.text


def test_waits_from_before_their_clock_existed_get_one_from_when_they_began(
    engine: Engine, session: Session
) -> None:
    _policy(session)
    with clock.frozen(MONDAY):
        ticket, _ = make_ticket(session)
        tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=tickets.Actor.system())
    ticket.office_due = None  # as the migration leaves a ticket already in triage
    session.commit()
    with clock.frozen(_at(15)):
        assert jobs.start_missing_office_clocks(session, clock.now()) == 1
        assert jobs.start_missing_office_clocks(session, clock.now()) == 0
        session.commit()
    assert ticket.office_due == _at(11)  # from 09:00, when it entered triage


def test_the_office_ladder_is_a_scheduled_job_and_runs_twice_to_the_same_result(
    session: Session,
) -> None:
    from service.scheduler import JOBS

    assert "office_ladder" in {job.name for job in JOBS}
    _policy(session)
    with clock.frozen(MONDAY):
        ticket, _ = make_ticket(session)
        tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=tickets.Actor.system())
    session.commit()
    for _ in range(2):
        with clock.frozen(_at(12)):
            jobs.office_ladder(session, clock.now())
            session.commit()
    steps = session.exec(select(SupervisionStep.clock, SupervisionStep.level)).all()
    assert sorted(steps) == [(Clock.DISPATCH, LadderLevel.NOTICE)]
