"""The supervision ladder and the job runner: every step once, however often or by how many."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.notifications.models import Outbox
from service.scheduler import Runner, ScheduledJob
from service.sla import jobs
from service.sla.models import JobLease, LadderLevel, SupervisionStep
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketEvent
from service.tickets.states import Action
from tests.departments.helpers import add_policy, dispatched_ticket, make_user, units
from tests.factories import TZ

# Dispatched Mon 9 Feb 2026 09:00 with 5 working days: due Sat 14 Feb 09:00 (make-up day).
DISPATCHED = datetime(2026, 2, 9, 9, 0, tzinfo=TZ)


def _ticket(engine: Engine, *, sign: bool = True) -> int:
    with Session(engine, expire_on_commit=False) as session:
        add_policy(session, handling="5wd")
        samr, _ = units(session)
        handler = make_user(session, username="h", role=Role.HANDLER, unit=samr)
        ticket = dispatched_ticket(session, at=DISPATCHED, lead=samr)
        if sign:
            with clock.frozen(DISPATCHED):
                tickets.transition(
                    session, ticket, Action.SIGN_FOR, actor=tickets.Actor.staff(handler)
                )
        session.commit()
        assert ticket.id is not None
        return ticket.id


def _counts(engine: Engine) -> tuple[list[str], int, int]:
    with Session(engine) as session:
        steps = [
            s.level.value
            for s in session.exec(select(SupervisionStep).order_by(SupervisionStep.id))  # type: ignore[arg-type]
        ]
        events = session.exec(
            select(func.count())
            .select_from(TicketEvent)
            .where(
                TicketEvent.action.in_(  # type: ignore[attr-defined]
                    ["reminder", "supervision_notice", "public_criticism", "sign_for_overdue"]
                )
            )
        ).one()
        messages = session.exec(select(func.count()).select_from(Outbox)).one()
        return steps, int(events), int(messages)


def _sweep(engine: Engine, at: datetime) -> int:
    with Session(engine) as session, clock.frozen(at):
        written = jobs.supervise(session, clock.now(), criticism_after=3, city="包头")
        session.commit()
        return written


def test_the_ladder_climbs_once_per_level_and_twice_changes_nothing(engine: Engine) -> None:
    _ticket(engine)
    # Yellow from Fri 13 Feb 09:00 (6.5 of 32.5 working hours left).
    assert _sweep(engine, datetime(2026, 2, 13, 8, 0, tzinfo=TZ)) == 0
    assert _sweep(engine, datetime(2026, 2, 13, 10, 0, tzinfo=TZ)) == 1
    assert _sweep(engine, datetime(2026, 2, 13, 10, 5, tzinfo=TZ)) == 0
    assert _counts(engine) == (["reminder"], 1, 1)
    # Past the deadline: 督办. Criticism comes 3 working days later: after the Spring
    # Festival break, Thu 26 Feb 09:00.
    assert _sweep(engine, datetime(2026, 2, 14, 10, 0, tzinfo=TZ)) == 1
    assert _sweep(engine, datetime(2026, 2, 26, 8, 59, tzinfo=TZ)) == 0
    assert _sweep(engine, datetime(2026, 2, 26, 9, 0, tzinfo=TZ)) == 1
    assert _sweep(engine, datetime(2026, 2, 26, 9, 5, tzinfo=TZ)) == 0
    assert _counts(engine) == (["reminder", "notice", "criticism"], 3, 3)
    with Session(engine) as session:
        bodies = [m.body for m in session.exec(select(Outbox))]
    assert any("督办" in b for b in bodies) and any("通报" in b for b in bodies)


def test_an_unsigned_ticket_past_its_sign_for_deadline_is_marked_once(engine: Engine) -> None:
    _ticket(engine, sign=False)
    at = datetime(2026, 2, 10, 9, 30, tzinfo=TZ)  # sign-for was due Tue 10 Feb 09:00
    _sweep(engine, at)
    _sweep(engine, at)
    with Session(engine) as session:
        steps = session.exec(select(SupervisionStep)).all()
    assert [(s.clock.value, s.level.value) for s in steps] == [("sign_for", "notice")]


def test_a_new_deadline_starts_the_ladder_again(engine: Engine) -> None:
    ticket_id = _ticket(engine)
    _sweep(engine, datetime(2026, 2, 14, 10, 0, tzinfo=TZ))
    with Session(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.handling_due = datetime(2026, 2, 24, 9, 0, tzinfo=TZ)
        session.commit()
    _sweep(engine, datetime(2026, 2, 24, 10, 0, tzinfo=TZ))
    steps, _, _ = _counts(engine)
    assert steps.count(LadderLevel.NOTICE.value) == 2


def test_two_schedulers_on_one_database_run_each_tick_once(engine: Engine) -> None:
    _ticket(engine)
    ran: list[str] = []

    def counting(session: Session, now: datetime) -> None:
        ran.append(now.isoformat())

    job_list = [
        ScheduledJob("count", counting, every_seconds=60),
        ScheduledJob("supervision_ladder", jobs.supervision_ladder, every_seconds=300),
    ]
    first, second = Runner(engine, job_list, holder="a"), Runner(engine, job_list, holder="b")
    at = datetime(2026, 2, 14, 10, 0, tzinfo=TZ)
    with clock.frozen(at):
        assert first.tick() == ["count", "supervision_ladder"]
        assert second.tick() == []
    assert len(ran) == 1
    assert _counts(engine)[0] == ["notice"]
    with clock.frozen(at + timedelta(seconds=30)):
        assert second.tick() == []  # the lease is still a's
    with clock.frozen(at + timedelta(seconds=61)):
        # a keeps its jobs tick after tick; the ladder's second run adds nothing.
        assert first.tick() == ["count", "supervision_ladder"]
        assert second.tick() == []
    # a stops; once its lease on "count" runs out, b takes the job over.
    with clock.frozen(at + timedelta(seconds=200)):
        assert second.tick() == ["count"]
    assert len(ran) == 3
    with Session(engine) as session:
        assert session.get(JobLease, "count").holder == "b"  # type: ignore[union-attr]
        assert session.get(JobLease, "supervision_ladder").holder == "a"  # type: ignore[union-attr]
    assert _counts(engine) == (["notice"], 1, 1)


def test_a_failing_job_does_not_stop_the_others(engine: Engine) -> None:
    def broken(session: Session, now: datetime) -> None:
        raise RuntimeError("boom")

    ran: list[int] = []
    runner = Runner(
        engine,
        [
            ScheduledJob("broken", broken, every_seconds=60),
            ScheduledJob("fine", lambda s, n: ran.append(1), every_seconds=60),
        ],
        holder="a",
    )
    with clock.frozen(DISPATCHED):
        assert runner.tick() == ["broken", "fine"]
    assert ran == [1]
