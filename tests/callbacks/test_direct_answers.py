"""Direct answers (直办) leave `answered`: a drawn share through a callback, the rest closed
after the set time, by the scheduled job, once each."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from service import clock
from service.auth.models import Role
from service.callbacks import direct_answers, sampling
from service.callbacks.models import Callback, HandlingTime
from service.scheduler import JOBS
from service.supervision import metrics
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, TicketEvent, TicketType
from service.tickets.states import Action, CloseReason, Status
from tests.callbacks.helpers import make_user, sign_in, submit
from tests.conftest import TEST_SECRET
from tests.factories import TZ

ANSWERED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("number", "draw", "at_30_percent"),
    [
        # SHA-256 of the number, first 8 bytes / 2**64: anyone can recompute these.
        ("BT2611200001", 0.6511, False),
        ("BT2611200003", 0.0490, True),
        ("BT2611200006", 0.1517, True),
        ("BT2611200007", 0.4262, False),
        ("bt2611200003 ", 0.0490, True),  # the number as people type it
    ],
)
def test_the_draw_is_the_ticket_numbers_hash(number: str, draw: float, at_30_percent: bool) -> None:
    assert sampling.draw(number) == pytest.approx(draw, abs=5e-5)
    assert sampling.sampled(number, 0.3) is at_30_percent
    assert not sampling.sampled(number, 0.0) and sampling.sampled(number, 1.0)


def test_about_the_share_of_many_numbers_is_drawn() -> None:
    numbers = [f"BT261120{i:04d}" for i in range(1, 10_000)]
    share = sum(sampling.sampled(n, 0.3) for n in numbers) / len(numbers)
    assert 0.29 < share < 0.31


def _direct_answer(session: Session, *, anonymous: bool = False) -> Ticket:
    draft = tickets.TicketDraft(
        channel=Channel.HOTLINE,
        type=TicketType.CONSULTATION,
        title="社保卡怎么补办",
        description="社保卡丢了，问怎么补办。",
        requester_name="李四",
        requester_phone="13800000009",
        anonymous=anonymous,
    )
    actor = tickets.Actor.system()
    ticket, _ = tickets.create_ticket(
        session, draft, actor=actor, prefix="BT", tz=TZ, secret_key=TEST_SECRET
    )
    tickets.transition(
        session,
        ticket,
        Action.DIRECT_ANSWER,
        actor=actor,
        changes={"public_reply": "带身份证到网点"},
    )
    return ticket


def _run_job(session: Session, at: datetime) -> None:
    (job,) = [j for j in JOBS if j.name == "direct_answers"]  # listed in the scheduler
    with clock.frozen(at):
        job.run(session, at)
    session.commit()


def _statuses(session: Session) -> dict[str, tuple[Status, CloseReason | None]]:
    session.expire_all()
    return {t.number: (t.status, t.close_reason) for t in session.exec(select(Ticket))}


def test_sampled_direct_answers_are_called_back_and_the_rest_close_after_the_set_days(
    client: TestClient, session: Session
) -> None:
    with clock.frozen(ANSWERED_AT):
        made = [_direct_answer(session, anonymous=i == 13) for i in range(1, 16)]
    session.commit()
    assert [t.number for t in made][:3] == ["BT2611200001", "BT2611200002", "BT2611200003"]
    # Drawn at 30 %: 0003, 0006, 0013 and 0015 (see the table above and sampling.draw);
    # 0013 is anonymous, nobody to call, so it is not sampled.
    sampled = {"BT2611200003", "BT2611200006", "BT2611200015"}

    _run_job(session, ANSWERED_AT + timedelta(minutes=10))
    after_draw = _statuses(session)
    assert {n for n, (s, _) in after_draw.items() if s is Status.PENDING_CALLBACK} == sampled
    assert {n for n, (s, _) in after_draw.items() if s is Status.ANSWERED} == {
        t.number for t in made
    } - sampled
    draws = session.exec(
        select(func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.action == direct_answers.SAMPLE_EVENT)
    ).one()
    assert draws == 15

    # A second run (or a second scheduler) draws nobody again; nothing is due to close yet.
    _run_job(session, ANSWERED_AT + timedelta(days=2, hours=23))
    assert _statuses(session) == after_draw
    assert (
        session.exec(
            select(func.count())
            .select_from(TicketEvent)
            .where(TicketEvent.action == direct_answers.SAMPLE_EVENT)
        ).one()
        == 15
    )

    # Three days (CIVIC_DIRECT_ANSWER_CLOSE_AFTER_DAYS) after the answer the unsampled close.
    _run_job(session, ANSWERED_AT + timedelta(days=3, minutes=1))
    closed = _statuses(session)
    for number, state in closed.items():
        if number in sampled:
            assert state == (Status.PENDING_CALLBACK, None)
        else:
            assert state == (Status.CLOSED, CloseReason.DIRECT_ANSWER), number

    # The sampled wait in the operators' callback queue and close through their callback.
    operator = make_user(session, username="op", role=Role.OPERATOR)
    session.commit()
    sign_in(client, operator)
    queue = client.get("/staff/callbacks").text
    assert all(number in queue for number in sampled)
    satisfied, dissatisfied, waiting = sorted(sampled)
    with clock.frozen(ANSWERED_AT + timedelta(days=4)):
        for number, answers in (
            (satisfied, {"contacted": "yes", "resolved": "resolved", "satisfied": "satisfied"}),
            (dissatisfied, {"contacted": "yes", "resolved": "not", "satisfied": "dissatisfied"}),
        ):
            page = f"/staff/callbacks/{number}"
            assert submit(client, page, f"{page}/answers", answers).status_code == 303
        # The third cannot be reached (3 attempts, CIVIC_CALLBACK_MAX_ATTEMPTS): the answer
        # stands and it closes as a direct answer, unrated.
        page = f"/staff/callbacks/{waiting}"
        for _ in range(3):
            outcome = {"outcome": "no_answer"}
            assert submit(client, page, f"{page}/attempt", outcome).status_code == 303
    final = _statuses(session)
    assert final[satisfied] == (Status.CLOSED, CloseReason.DIRECT_ANSWER)
    # Not satisfied with the hotline's answer: a work order for the dispatchers.
    assert final[dissatisfied] == (Status.PENDING_DISPATCH, None)
    assert final[waiting] == (Status.CLOSED, CloseReason.DIRECT_ANSWER)
    assert not any(s in {Status.ANSWERED, Status.PENDING_CALLBACK} for s, _ in final.values())
    assert session.exec(select(func.count()).select_from(HandlingTime)).one() == 0  # no unit
    rounds = session.exec(select(Callback).order_by(col(Callback.id))).all()
    assert [(c.round, c.unit_id, c.satisfied) for c in rounds] == [
        (1, None, "satisfied"),
        (1, None, "dissatisfied"),
    ]

    # The direct-answer rate still counts the ones answered on the spot: 14 of the 15
    # (the one now a work order was not settled by the hotline's answer).
    period = metrics.month_period("2026-11", TZ)
    (row,) = metrics.direct_answer_rates(session, period, metrics.Dimension.CITY)
    assert (row.tickets, row.direct) == (15, 14)
