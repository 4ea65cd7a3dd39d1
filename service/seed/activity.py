"""Months of made-up activity for the demo city, lived through the real service paths.

A seeded random generator files complaints (portal, API and hotline) over past days with the
clock frozen at each moment, and the people of the city then act on them in time order: units
sign for, contact, reply, ask for returns and extensions; the hotline office reviews, calls
back and decides appeals; the deadline sweep, the outbox and the monthly report run as their
jobs would. Every change goes through the same functions the pages call, so each ticket's
events replay through the transition table to its status. Whatever would happen after "now"
does not happen: recent tickets stay open, some overdue. A database that already has tickets
is left alone. Who files what is in filings.py, the life of a ticket after intake in
workflow.py, and every word they write in phrases.py.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from jinja2 import Environment
from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role, User
from service.auth.secrets import hash_password, light_hashing
from service.catalogue.knowledge import KnowledgeAnswer
from service.config import Settings
from service.notifications.jobs import deliver_messages
from service.places.models import Unit
from service.seed import filings
from service.seed.demo import DEMO_PASSWORD, is_seeded
from service.sla import clocks
from service.sla.calendar import WorkCalendar
from service.sla.jobs import supervise, supervise_office
from service.supervision import metrics, reports
from service.tickets.models import Ticket, TicketEvent

# Intake alone (numbering, routing with the model's suggestion, clocks) costs about 25 ms a
# ticket on a 2-core machine; 300 a month keeps `civic serve --demo` under 30 s from empty.
TICKETS_PER_MONTH = 300
Progress = Callable[[int, int], None]  # (days done, days in all)


class ActivityError(RuntimeError):
    """The history cannot be generated here (the demo city is missing)."""


@dataclass
class ActivitySummary:
    """What the generated history holds, for the command's report."""

    tickets: int = 0
    events: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    callbacks: int = 0
    reports: list[str] = field(default_factory=list)
    # A few tickets a demo visitor can follow on the tracking page: (number, access code).
    tracking: list[tuple[str, str]] = field(default_factory=list)


def has_tickets(session: Session) -> bool:
    return session.exec(select(Ticket.id).limit(1)).first() is not None


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class World:
    """The demo city while its history is being lived: people, the calendar and the agenda."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        rng: random.Random,
        start: datetime,
        end: datetime,
    ) -> None:
        from service.web.templating import make_templates

        self.session, self.settings, self.rng = session, settings, rng
        self.start, self.end = start, end
        self.tz = settings.tz
        self.emails: Environment = make_templates(settings).env
        self.calendar: WorkCalendar = clocks.work_calendar(session)
        self._agenda: list[_Step] = []
        self._seq = itertools.count()
        self.operator = self._staff(Role.OPERATOR)
        self.dispatcher = self._staff(Role.DISPATCHER)
        self.supervisor = self._staff(Role.SUPERVISOR)
        self._handlers: dict[int, User] = {
            u.unit_id: u
            for u in session.exec(
                select(User).where(User.role == Role.HANDLER).order_by(col(User.id))
            )
            if u.unit_id is not None
        }
        self._password_hash = ""
        self.units = {u.id: u for u in session.exec(select(Unit)) if u.id is not None}
        self.unit_by_code = {u.code: u for u in self.units.values()}
        # How well each unit tends to satisfy people, so the league tables differ.
        self.quality = {uid: rng.uniform(0.55, 0.92) for uid in sorted(self.units)}
        self.open_by_phone: dict[str, str] = {}
        self.tracking: list[tuple[str, str]] = []
        self.answers: list[KnowledgeAnswer] | None = None  # the operators' knowledge base
        self.sent_back: set[int] = set()  # tickets whose reply the office sent back once
        self.reopened: set[int] = set()  # tickets handled again after a callback
        self.surge: list[str] = []  # this week's heating reports, which neighbours join

    def _staff(self, role: Role) -> User:
        user = self.session.exec(
            select(User).where(User.role == role).order_by(col(User.id))
        ).first()
        if user is None:
            raise ActivityError(f"no {role.value} account: seed the demo city first")
        return user

    def handler(self, unit_id: int) -> User:
        """The unit's handler; units without one get a demo account (demo password)."""
        user = self._handlers.get(unit_id)
        if user is None:
            unit = self.units[unit_id]
            if not self._password_hash:
                self._password_hash = hash_password(DEMO_PASSWORD)
            user = User(
                username=f"handler-{unit.code.lower()}"[:60],
                display_name=f"{unit.name_zh} 承办人"[:120],
                password_hash=self._password_hash,
                role=Role.HANDLER,
                unit_id=unit_id,
                created_at=clock.now(),
            )
            self.session.add(user)
            self.session.flush()
            self._handlers[unit_id] = user
        return user

    # The agenda -----------------------------------------------------------------------------

    def at(self, when: datetime, run: Callable[[], None]) -> None:
        """Do this then; what would happen after the end of the history never happens."""
        if when < self.end:
            heapq.heappush(self._agenda, _Step(when, next(self._seq), run))

    def office(self, hours: float, *, after: datetime | None = None) -> datetime:
        """A moment `hours` working hours on (staff act in office hours)."""
        return self.calendar.add_working_hours(after or clock.now(), hours).at

    def hotline_hours(self, hours: float) -> datetime:
        """A moment about `hours` on, moved into the hotline's calling hours (08:30-20:30)."""
        moment = (clock.now() + timedelta(hours=hours)).astimezone(self.tz)
        if moment.time() < time(8, 30):
            moment = moment.replace(hour=8, minute=30 + self.rng.randrange(30))
        elif moment.time() > time(20, 30):
            moment = (moment + timedelta(days=1)).replace(hour=9, minute=self.rng.randrange(60))
        return moment

    def run(self, progress: Progress | None) -> None:
        days = max(1, (self.end - self.start).days)
        day_index = 0
        while self._agenda:
            step = heapq.heappop(self._agenda)
            done = min(days, (step.at - self.start).days)
            if progress is not None and done > day_index:
                day_index = done
                progress(done, days)
            with clock.frozen(step.at):
                step.run()
        if progress is not None:
            progress(days, days)


def generate(
    session: Session,
    settings: Settings,
    *,
    months: int = 3,
    seed: int = 0,
    tickets: int | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ActivitySummary | None:
    """Live `months` of history up to `now` (default: 300 tickets a month); None when
    the database already has tickets. Only flushes; the caller commits."""
    if has_tickets(session):
        return None
    if not is_seeded(session):
        raise ActivityError("the demo city is not seeded: run `civic seed-demo` first")
    end = (now or clock.now()).replace(microsecond=0)
    local_end = end.astimezone(settings.tz)
    first_day = (local_end - timedelta(days=round(30.4 * months))).replace(
        hour=0, minute=0, second=0
    )
    rng = random.Random(seed)
    world = World(session, settings, rng, first_day, end)
    total = tickets if tickets is not None else TICKETS_PER_MONTH * months
    with _quiet_jobs(), light_hashing():
        filings.plan(world, total)
        _plan_jobs(world)
        world.run(progress)
        with clock.frozen(end):
            _sweep(world)
            _deliver(world)
    session.flush()
    return _summary(session, world)


# The jobs, as the scheduler would have run them ------------------------------------------------


def _plan_jobs(world: World) -> None:
    """Twice a day the deadline sweep, each night the outbox, on the 1st last month's report."""
    day = world.start
    while day < world.end:
        for hour, job in ((9, _sweep), (15, _sweep), (23, _deliver)):
            world.at(day.replace(hour=hour, minute=5), _bind(job, world))
        if day.day == 1:
            world.at(day.replace(minute=10), _bind(_publish_last_month, world))
        day = (day + timedelta(days=1)).astimezone(world.tz).replace(hour=0, minute=0)


def _bind(job: Callable[[World], None], world: World) -> Callable[[], None]:
    return lambda: job(world)


def _sweep(world: World) -> None:
    supervise(
        world.session,
        clock.now(),
        criticism_after=world.settings.criticism_after_working_days,
        city=world.settings.city_name_zh,
    )
    supervise_office(
        world.session, clock.now(), criticism_after=world.settings.criticism_after_working_days
    )


def _deliver(world: World) -> None:
    deliver_messages(world.session, clock.now(), settings=world.settings)


def _publish_last_month(world: World) -> None:
    """The month that just ended, when the history covers most of it (as the job would)."""
    month = metrics.previous_month(clock.now().astimezone(world.tz).strftime("%Y-%m"))
    period = metrics.month_period(month, world.tz)
    if world.start > period.start + timedelta(days=7):
        return
    if not reports.snapshots(world.session, period=month):
        reports.publish(world.session, month, world.settings, user_id=None, note="scheduled")


@contextmanager
def _quiet_jobs() -> Iterator[None]:
    """The outbox logs each message it 'sends' in dev; months of them would flood the console."""
    names = ("service.notifications.jobs", "service.callbacks.jobs")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _summary(session: Session, world: World) -> ActivitySummary:
    from service.callbacks.models import Callback

    statuses = Counter(
        {
            str(s): int(n)
            for s, n in session.exec(
                select(Ticket.status, func.count()).group_by(col(Ticket.status))
            )
        }
    )
    return ActivitySummary(
        tickets=sum(statuses.values()),
        events=int(session.exec(select(func.count()).select_from(TicketEvent)).one()),
        statuses=dict(sorted(statuses.items())),
        callbacks=int(session.exec(select(func.count()).select_from(Callback)).one()),
        reports=[s.period for s in reports.snapshots(session)],
        tracking=world.tracking,
    )
