"""Months of made-up activity for the demo city, lived through the real service paths.

A seeded random generator files complaints (portal, API and hotline) over past days with the
clock frozen at each moment, and the people of the city then act on them in time order: units
sign for, contact, reply, ask for returns and extensions; the hotline office reviews, calls
back and decides appeals; the deadline sweep, the outbox and the monthly report run as their
jobs would. Every change goes through the same functions the pages call, so each ticket's
events replay through the transition table to its status. Whatever would happen after "now"
does not happen: recent tickets stay open, some overdue. A database that already has tickets
is left alone. The life of one ticket after intake is in service/seed/workflow.py.
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
from typing import Any

from jinja2 import Environment
from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role, User
from service.auth.secrets import hash_password, light_hashing
from service.catalogue import knowledge
from service.catalogue.knowledge import KnowledgeAnswer
from service.config import Settings
from service.intake import hotline_service as hotline
from service.intake import service as intake
from service.intake.schemas import parse_complaint
from service.notifications.jobs import deliver_messages
from service.places.models import Area, AreaLevel, Unit
from service.seed import phrases
from service.seed.demo import DEMO_PASSWORD, is_seeded
from service.sla import clocks
from service.sla.calendar import WorkCalendar
from service.sla.jobs import supervise
from service.supervision import metrics, reports
from service.tickets.models import Channel, Ticket, TicketEvent
from service.tickets.states import Status

log = logging.getLogger(__name__)

# Intake alone (numbering, routing with the model's suggestion, clocks) costs about 25 ms a
# ticket on a 2-core machine; 300 a month keeps `civic serve --demo` under 30 s from empty.
TICKETS_PER_MONTH = 300
BUSY_STREETS = 3
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
        _plan_filings(world, total)
        _plan_jobs(world)
        world.run(progress)
        with clock.frozen(end):
            _sweep(world)
            _deliver(world)
    session.flush()
    return _summary(session, world)


# Intake ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Places:
    streets: list[Area]
    district_of: dict[int, Area]
    busy: list[Area]


def _places(session: Session, rng: random.Random) -> _Places:
    areas = list(session.exec(select(Area).order_by(col(Area.code))))
    by_id = {a.id: a for a in areas}
    streets = [a for a in areas if a.level is AreaLevel.STREET and a.parent_id in by_id]
    district_of = {s.id: by_id[s.parent_id] for s in streets if s.id and s.parent_id}
    # Street order gathers in a few busy streets of the most populous districts, so their
    # offices reach a ranked sample.
    districts = sorted(
        {d.id: d for d in district_of.values()}.values(), key=lambda d: (-d.population, d.code)
    )[:4]
    central = [s for s in streets if district_of[s.id or 0] in districts]
    busy = rng.sample(central or streets, k=min(BUSY_STREETS, len(central or streets)))
    return _Places(streets, district_of, busy)


def _plan_filings(world: World, total: int) -> None:
    from service.catalogue import service as catalogue

    known = {c.code for c in catalogue.list_categories(world.session)}
    themes = [t for t in phrases.THEMES if t.category in known]
    if not themes:
        raise ActivityError("none of the demo themes' categories exist in the category tree")
    places = _places(world.session, world.rng)
    rng = world.rng
    days = [world.start + timedelta(days=i) for i in range((world.end - world.start).days + 1)]
    # Weekdays busier than weekends, and the city a little busier towards the end.
    weights = [
        (1.15 if d.weekday() < 5 else 0.7) * (0.85 + 0.3 * i / len(days))
        for i, d in enumerate(days)
    ]
    surge = max(0, total // 100) if total >= 200 else 0
    chosen = rng.choices(days, weights=weights, k=total - surge)
    for n, day in enumerate(chosen):
        moment = day + timedelta(minutes=rng.randrange(7 * 60, 22 * 60))
        theme = rng.choices(themes, weights=[t.weight for t in themes])[0]
        street = (
            rng.choice(places.busy)
            if theme.by_street and rng.random() < 0.85
            else rng.choice(places.streets)
        )
        world.at(moment, _filing(world, theme, street, places, person=n))
    _plan_surge(world, places, surge, themes, first_person=total)


def _plan_surge(
    world: World, places: _Places, count: int, themes: list[phrases.Theme], first_person: int
) -> None:
    """One district's heating fails this week: a hot topic with similar texts."""
    theme = next((t for t in themes if t.category == "HO.HEATING.OUTAGE"), None)
    if theme is None or count == 0:
        return
    rng = world.rng
    street = rng.choice(places.busy)
    week_start = world.end.astimezone(world.tz).replace(hour=0, minute=0, second=0)
    week_start -= timedelta(days=week_start.weekday())
    begin = max(week_start, world.end - timedelta(days=5))
    span = max(1, int((world.end - begin).total_seconds() // 60) - 1)
    for i in range(count):
        moment = begin + timedelta(minutes=rng.randrange(span))
        world.at(moment, _filing(world, theme, street, places, person=first_person + i))


def _filing(
    world: World, theme: phrases.Theme, street: Area, places: _Places, *, person: int
) -> Callable[[], None]:
    def run() -> None:
        _file(world, theme, street, places.district_of[street.id or 0], person)

    return run


def _file(world: World, theme: phrases.Theme, street: Area, district: Area, person: int) -> None:
    from service.seed import workflow

    rng = world.rng
    text = phrases.compose(theme, rng, street=street.name_zh)
    name, phone = phrases.person_name(rng), phrases.fake_phone(person)
    anonymous = rng.random() < 0.05
    confidential = not anonymous and rng.random() < theme.confidential_share
    roll = rng.random()
    if roll < 0.52:
        repeat = world.open_by_phone and rng.random() < 0.05
        if repeat:
            _repeat_call(world, rng.choice(sorted(world.open_by_phone)))
            return
        if rng.random() < 0.14:
            _direct_answer(world, name, phone)
            return
        if rng.random() < 0.02:
            _transfer(world, name, phone)
            return
        form = hotline.CallForm(
            {
                "caller_phone": "" if anonymous else phone,
                "caller_name": "" if anonymous else name,
                "type": theme.type.value,
                "urgency": "normal",
                "category_code": theme.category,
                "title": text.title,
                "description": text.description,
                "request_text": text.request,
                "district_code": district.code,
                "street_code": street.code,
                "address": "",
                "anonymous": anonymous,
                "confidential": confidential,
            }
        )
        logged = hotline.log_call(
            world.session, world.settings, world.operator, form, hotline.Outcome.WORK_ORDER
        )
        ticket = logged.ticket
    else:
        raw: dict[str, Any] = {
            "type": theme.type.value,
            "category": theme.category,
            "title": text.title,
            "description": text.description,
            "request": text.request,
            "district": district.code,
            "street": street.code,
            "address": "",
            "name": name,
            "phone": phone,
            "email": f"citizen{person}@example.com" if rng.random() < 0.2 else "",
            "anonymous": anonymous,
            "confidential": confidential,
        }
        data, errors = parse_complaint(raw, tz=world.tz, now=clock.now(), require_consent=False)
        refs, missing = intake.resolve(
            world.session, category=theme.category, district=district.code, street=street.code
        )
        if data is None or refs is None:
            raise ActivityError(f"a generated complaint was refused: {errors or missing}")
        channel = Channel.API if roll > 0.93 else Channel.WEB
        filed = intake.file_complaint(
            world.session, world.settings, data, refs, [], channel=channel, emails=world.emails
        )
        ticket = filed.ticket
        if filed.access_code and (world.end - clock.now()) < timedelta(days=4):
            world.tracking = [*world.tracking[-2:], (ticket.number, filed.access_code)]
    if ticket.requester_phone and not ticket.anonymous:
        world.open_by_phone[ticket.requester_phone] = ticket.number
    workflow.after_intake(world, ticket)


def _repeat_call(world: World, phone: str) -> None:
    """The caller rings again about their open ticket: the call is merged into it."""
    number = world.open_by_phone.pop(phone)
    target = _ticket_by_number(world.session, number)
    if target is None or target.status not in {
        Status.PENDING_DISPATCH,
        Status.PENDING_SIGN_FOR,
        Status.HANDLING,
        Status.RETURN_REQUESTED,
        Status.REPLY_REVIEW,
        Status.PENDING_CALLBACK,
    }:
        return
    form = hotline.CallForm(
        {
            "caller_phone": phone,
            "caller_name": target.requester_name,
            "merge_number": number,
            "note": "市民来电催促办理进度。",
            "anonymous": False,
            "confidential": False,
        }
    )
    hotline.log_call(world.session, world.settings, world.operator, form, hotline.Outcome.MERGE)


def _direct_answer(world: World, name: str, phone: str) -> None:
    if world.answers is None:
        world.answers = [a for a in knowledge.list_all(world.session, limit=500) if a.active]
    answers = world.answers
    if not answers:
        return
    answer = world.rng.choice(answers)
    form = hotline.CallForm(
        {
            "caller_phone": phone,
            "caller_name": name,
            "knowledge_code": answer.code,
            "note": "按知识库答复，市民表示清楚了。",
            "anonymous": False,
            "confidential": False,
        }
    )
    hotline.log_call(
        world.session, world.settings, world.operator, form, hotline.Outcome.DIRECT_ANSWER
    )


def _transfer(world: World, name: str, phone: str) -> None:
    line, title = world.rng.choice(
        (("120", "家中老人突发不适"), ("122", "路口发生车辆剐蹭"), ("110", "小区内有人打架"))
    )
    form = hotline.CallForm(
        {
            "caller_phone": phone,
            "caller_name": name,
            "title": title,
            "transfer_line": line,
            "note": "已三方转接。",
            "anonymous": False,
            "confidential": False,
        }
    )
    hotline.log_call(world.session, world.settings, world.operator, form, hotline.Outcome.TRANSFER)


def _ticket_by_number(session: Session, number: str) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.number == number)).first()


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
