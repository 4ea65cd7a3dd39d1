"""Entering a year's official arrangement: the command answers the official date, stored
deadlines of open tickets move, and the sweep, the ladder and the metrics follow."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.config import Settings
from service.sla import arrangement_file, arrangements, jobs, recompute
from service.sla.cli import run
from service.sla.clocks import clock_views
from service.sla.models import CalendarArrangement, DeadlineMove, SupervisionStep
from service.supervision import metrics
from service.tickets.models import Ticket
from service.tickets.states import Status
from tests.departments.helpers import add_policy, dispatched_ticket, units
from tests.factories import TZ
from tests.sla.test_holidays import ARRANGEMENT_2027

# Dispatched Mon 1 Feb 2027 10:00, 5 working days. Without the 2027 notice the Spring Festival
# is its four statutory days (5-8 Feb): due Wed 10 Feb. With the notice the break runs to
# Sat 13 Feb: due Tue 16 Feb.
DISPATCHED = datetime(2027, 2, 1, 10, 0, tzinfo=TZ)
PROVISIONAL_DUE = datetime(2027, 2, 10, 10, 0, tzinfo=TZ)
OFFICIAL_DUE = datetime(2027, 2, 16, 10, 0, tzinfo=TZ)
REPLIED = datetime(2027, 2, 12, 9, 0, tzinfo=TZ)


@pytest.fixture
def arrangement(tmp_path: Path) -> Path:
    path = tmp_path / "arrangement-2027.csv"
    path.write_text(ARRANGEMENT_2027, encoding="utf-8")
    return path


def _tickets(engine: Engine, count: int = 1) -> list[str]:
    with Session(engine, expire_on_commit=False) as session:
        add_policy(session, handling="5wd")
        samr, _ = units(session)
        made = [dispatched_ticket(session, at=DISPATCHED, lead=samr) for _ in range(count)]
        session.commit()
        return [ticket.number for ticket in made]


def _ticket(engine: Engine) -> str:
    return _tickets(engine)[0]


def _stored(engine: Engine, number: str) -> Ticket:
    with Session(engine) as session:
        found = session.exec(select(Ticket).where(Ticket.number == number)).one()
        return found


def test_add_working_days_is_provisional_until_the_arrangement_is_entered(
    settings: Settings, engine: Engine, arrangement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["add-working-days", "2026-12-11T10:00", "15"], settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2027-01-04T10:00:00+08:00"  # 1 Jan 2027 (New Year's Day) is skipped
    assert out[1].startswith("provisional: the official holiday arrangement for 2027")
    assert "skip Fri 1 Jan 2027–Sun 3 Jan 2027: New Year's Day holiday, weekend" in out
    assert run(["add-working-days", "2027-01-29T10:00", "5"], settings) == 0
    assert capsys.readouterr().out.splitlines()[0] == "2027-02-09T10:00:00+08:00"

    assert run(["import", str(arrangement)], settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "entered the arrangement for 2027: 18 holidays, 2 make-up working days"

    assert run(["add-working-days", "2026-12-11T10:00", "15"], settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2027-01-04T10:00:00+08:00"
    assert not any(line.startswith("provisional") for line in out)
    # The official date: Sunday 31 Jan is worked, the break runs 5-13 Feb.
    assert run(["add-working-days", "2027-01-29T10:00", "5", "--lang", "zh_CN"], settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2027-02-04T10:00:00+08:00"
    assert "计入 1月31日（周日）：春节调休上班，第1个工作日" in out


def test_import_moves_the_stored_deadlines_of_open_tickets_and_logs_them(
    settings: Settings, engine: Engine, arrangement: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = _ticket(engine)
    assert _stored(engine, number).handling_due == PROVISIONAL_DUE
    with clock.frozen(datetime(2026, 12, 8, 9, 0, tzinfo=TZ)):
        assert run(["import", str(arrangement)], settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"{number} handling_due: 2027-02-10T10:00:00+08:00 -> 2027-02-16T10:00:00+08:00" in out
    assert out[-1] == "1 deadline moved"
    assert _stored(engine, number).handling_due == OFFICIAL_DUE
    with Session(engine) as session:
        moves = session.exec(select(DeadlineMove)).all()
        assert [(m.clock, m.year, m.new_due) for m in moves] == [
            ("handling_due", 2027, OFFICIAL_DUE)
        ]
        done = session.get(CalendarArrangement, 2027)
        assert done is not None and done.recompute_after is None
        ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
        handling = next(v for v in clock_views(session, ticket) if v.name == "handling_due")
        assert (
            handling.lines[0] == "录入2027年官方放假安排后重新计算（原为 2027-02-10（周三）10:00）"
        )
        assert not any(line.startswith("暂定") for line in handling.lines)
        assert "跳过 2月5日至14日：春节假期，周末" in handling.lines
    # Entering the same file again moves nothing.
    assert run(["import", str(arrangement)], settings) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 deadlines moved"


def test_the_sweep_the_ladder_and_the_metrics_use_the_recomputed_deadline(
    engine: Engine,
) -> None:
    number = _ticket(engine)
    with Session(engine) as session:
        ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
        ticket.replied_at = REPLIED  # the unit answered on Friday 12 Feb
        session.commit()
    now = datetime(2027, 2, 11, 10, 0, tzinfo=TZ)
    period = metrics.month_period("2027-02", TZ)

    def on_time() -> tuple[int, int]:
        with Session(engine) as session:
            (row,) = metrics.workflow_rates(session, period, metrics.Dimension.CITY, as_of=now)
            return row.closed_on_time, row.closure_counted

    def sweep() -> list[str]:
        with Session(engine) as session, clock.frozen(now):
            jobs.supervise(session, now, criticism_after=3)
            session.commit()
            handling = select(SupervisionStep).where(SupervisionStep.clock == "handling")
            return [s.level.value for s in session.exec(handling)]

    assert on_time() == (0, 1)  # late against the provisional deadline
    assert sweep() == ["notice"]  # 督办: past Wed 10 Feb
    with Session(engine) as session, clock.frozen(now):
        arrangements.enter(
            session, arrangement_file.parse(ARRANGEMENT_2027), source="notice", now=now
        )
        session.commit()
    with Session(engine) as session, clock.frozen(now):
        recompute.recompute_deadlines(session, now)  # the scheduled job
        session.commit()
    assert _stored(engine, number).handling_due == OFFICIAL_DUE
    assert on_time() == (1, 1)  # on time against the official deadline
    later = datetime(2027, 2, 11, 10, 5, tzinfo=TZ)
    with Session(engine) as session, clock.frozen(later):
        assert jobs.supervise(session, later, criticism_after=3) == 0  # no longer overdue


def test_the_job_goes_batch_by_batch_and_leaves_closed_tickets_and_other_years(
    engine: Engine,
) -> None:
    numbers = _tickets(engine, 3)
    with Session(engine) as session:
        closed = session.exec(select(Ticket).where(Ticket.number == numbers[2])).one()
        closed.status = Status.CLOSED
        session.commit()
    now = datetime(2026, 12, 8, 9, 0, tzinfo=TZ)
    with Session(engine) as session, clock.frozen(now):
        arrangements.enter(session, arrangement_file.parse(ARRANGEMENT_2027), source="t", now=now)
        session.commit()
    for expected in ([numbers[0]], [numbers[1]], []):
        with Session(engine) as session, clock.frozen(now):
            row = session.get(CalendarArrangement, 2027)
            assert row is not None and row.recompute_after is not None
            moves = recompute.recompute_batch(session, row, now, batch=1)
            session.commit()
        assert [m.ticket for m in moves] == expected
    with Session(engine) as session:
        row = session.get(CalendarArrangement, 2027)
        assert row is not None and row.recompute_after is None and row.recomputed_at == now
    assert _stored(engine, numbers[2]).handling_due == PROVISIONAL_DUE  # closed: history stays
    with Session(engine) as session, clock.frozen(now):
        recompute.recompute_deadlines(session, now)  # nothing pending: nothing happens
        assert len(session.exec(select(DeadlineMove)).all()) == 2


def test_the_demo_enters_the_years_the_package_knows(session: Session) -> None:
    now = datetime(2026, 12, 8, 9, 0, tzinfo=TZ)
    years = arrangements.enter_package_years(session, now, since=2025)
    assert years[:2] == [2025, 2026]
    calendar = arrangements.load_calendar(session)
    assert calendar.arrangements[2026][date(2026, 2, 28)].working  # a make-up Saturday
    assert not calendar.is_arranged(2027)
    row = session.get(CalendarArrangement, 2026)
    assert row is not None and row.recompute_after is None
    assert row.source.startswith("chinesecalendar ")


def test_deadlines_stored_before_the_statutory_days_were_known_are_put_right(
    settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    number = _ticket(engine)
    wrong = datetime(2027, 2, 8, 10, 0, tzinfo=TZ)  # as stored when 2027 was Mon-Fri only
    with Session(engine) as session:
        ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
        ticket.handling_due = wrong
        session.commit()
    # The stored trace is recomputed: the statutory Spring Festival (5-8 Feb) is skipped.
    assert run(["recompute", "2027"], settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{number} handling_due: 2027-02-08T10:00:00+08:00 -> 2027-02-10T10:00:00+08:00",
        "1 deadline moved",
    ]
    assert _stored(engine, number).handling_due == PROVISIONAL_DUE
    assert run(["recompute", "2027"], settings) == 0
    assert capsys.readouterr().out.splitlines() == ["0 deadlines moved"]
