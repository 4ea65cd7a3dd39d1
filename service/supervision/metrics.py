"""Supervision figures computed in SQL (GROUP BY), never by loading tickets into Python.

Callback rates count every callback round answered in the period, each in its own month (a
re-handled ticket's dissatisfied first round and its later round both count, for the unit
that was lead at each); workflow rates count work orders (tickets with a lead unit) filed in
the period. Tickets excluded from assessment (核减) are
left out of both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, func, literal_column, select, union, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, col

from service import clock
from service.callbacks.models import Callback, HandlingTime, Resolution, Satisfaction
from service.catalogue.models import CategoryTag
from service.places.models import Area, AreaLevel
from service.sla.models import UnitHolding
from service.supervision import stats
from service.tickets.models import Ticket, TicketEvent, TicketTag, TicketType
from service.tickets.states import CloseReason, Status


class Dimension(StrEnum):
    CITY = "city"
    UNIT = "unit"
    DISTRICT = "district"
    STREET = "street"
    CATEGORY = "category"
    TAG = "tag"


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, labelled in local terms (e.g. 2026-11)."""

    label: str
    start: datetime
    end: datetime


def month_period(label: str, tz: ZoneInfo) -> Period:
    """The local calendar month YYYY-MM as a UTC range."""
    year, month = (int(part) for part in label.split("-"))
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return Period(f"{year:04d}-{month:02d}", start.astimezone(UTC), end.astimezone(UTC))


def previous_month(label: str) -> str:
    year, month = (int(part) for part in label.split("-"))
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def day_period(first: date, last: date, tz: ZoneInfo) -> Period:
    """Whole local days first..last inclusive."""
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    return Period(
        f"{first.isoformat()}..{last.isoformat()}", start.astimezone(UTC), end.astimezone(UTC)
    )


@dataclass(frozen=True)
class Weights:
    partly: float = 0.5
    basic: float = 0.8


@dataclass(frozen=True)
class CallbackRow:
    """Counts behind the three rates for one group."""

    key: Any
    answered: int
    contacted: int
    resolved: int
    partly: int
    satisfied: int
    basically: int

    def response(self) -> float | None:
        return stats.rate(self.contacted, self.answered)

    def resolution(self, w: Weights) -> float | None:
        return stats.rate(self.resolved + w.partly * self.partly, self.answered)

    def satisfaction(self, w: Weights) -> float | None:
        return stats.rate(self.satisfied + w.basic * self.basically, self.answered)

    def intervals(self, w: Weights) -> dict[str, tuple[float, float] | None]:
        n = self.answered
        return {
            "response": stats.wilson(self.contacted, n),
            "resolution": stats.wilson(self.resolved + w.partly * self.partly, n),
            "satisfaction": stats.wilson(self.satisfied + w.basic * self.basically, n),
        }


def _ticket_tags() -> Any:
    """Each ticket's tags: its own plus those of its category."""
    own: Select[Any] = select(
        col(TicketTag.ticket_id).label("ticket_id"), col(TicketTag.tag_code).label("tag_code")
    )
    inherited: Select[Any] = select(
        col(Ticket.id).label("ticket_id"), col(CategoryTag.tag_code).label("tag_code")
    ).join(CategoryTag, col(CategoryTag.category_id) == Ticket.category_id)
    return union(own, inherited).subquery("ticket_tags")


def _key(dimension: Dimension, *, unit_column: Any) -> tuple[ColumnElement[Any], Any]:
    """The GROUP BY expression for a dimension and, for tags, the subquery to join."""
    if dimension is Dimension.CITY:
        return literal_column("'all'").label("key"), None
    if dimension is Dimension.UNIT:
        return unit_column.label("key"), None
    if dimension is Dimension.DISTRICT:
        return col(Ticket.district_id).label("key"), None
    if dimension is Dimension.STREET:
        return col(Ticket.street_id).label("key"), None
    if dimension is Dimension.CATEGORY:
        return col(Ticket.category_id).label("key"), None
    tags = _ticket_tags()
    return tags.c.tag_code.label("key"), tags


def _grouping(columns: list[Any], dimension: Dimension) -> list[Any]:
    """The city as a whole is one group: its constant key is not grouped by."""
    return columns[1:] if dimension is Dimension.CITY else columns


def _grouped(query: Select[Any], columns: list[Any], dimension: Dimension) -> Select[Any]:
    grouping = _grouping(columns, dimension)
    return query.group_by(*grouping).order_by(*grouping) if grouping else query


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def callback_rates(
    session: Session,
    period: Period,
    dimension: Dimension,
    *,
    bucket: Bucket | None = None,
    tz: ZoneInfo | None = None,
) -> list[CallbackRow]:
    """Callback rounds answered in the period, each counted once in the month it was answered
    (never moved by a later round), grouped by a dimension (and optionally by time)."""
    key, tags = _key(dimension, unit_column=col(Callback.unit_id))
    columns: list[Any] = [key]
    if bucket is not None:
        columns.append(
            bucket_expr(session, col(Callback.answered_at), bucket, tz or ZoneInfo("UTC"))
        )
    query = (
        select(
            *columns,
            func.count().label("answered"),
            _count_if(col(Callback.contacted).is_(True)),
            _count_if(col(Callback.resolved) == Resolution.RESOLVED.value),
            _count_if(col(Callback.resolved) == Resolution.PARTLY.value),
            _count_if(col(Callback.satisfied) == Satisfaction.SATISFIED.value),
            _count_if(col(Callback.satisfied) == Satisfaction.BASICALLY.value),
        )
        .select_from(Callback)
        .join(Ticket, col(Ticket.id) == Callback.ticket_id)
        .where(
            col(Callback.answered_at) >= period.start,
            col(Callback.answered_at) < period.end,
            col(Ticket.assessment_excluded).is_(False),
        )
    )
    if tags is not None:
        query = query.join(tags, tags.c.ticket_id == Ticket.id)
    grouping = _grouping(columns, dimension)
    if grouping:
        query = query.group_by(*grouping).order_by(*grouping)
    rows = session.execute(query).all()
    if bucket is not None:
        return [CallbackRow((r[0], r[1]), *(int(v) for v in r[2:])) for r in rows]
    return [CallbackRow(r[0], *(int(v) for v in r[1:])) for r in rows]


@dataclass(frozen=True)
class WorkflowRow:
    """Counts behind the workflow rates for one group of work orders."""

    key: Any
    work_orders: int
    signed_on_time: int
    sign_for_counted: int
    closed_on_time: int
    closure_counted: int
    returned: int
    reopened: int
    extended: int
    # Spells that ended with an approved return (退单) and, of those, the ones already late
    # then; per ticket for every dimension but the unit, where they are the unit's own spells.
    handed_back: int = 0
    late_at_return: int = 0

    def on_time_sign_for(self) -> float | None:
        return stats.rate(self.signed_on_time, self.sign_for_counted)

    def on_time_closure(self) -> float | None:
        return stats.rate(self.closed_on_time, self.closure_counted)

    def return_rate(self) -> float | None:
        return stats.rate(self.returned, self.work_orders)

    def reopen_rate(self) -> float | None:
        return stats.rate(self.reopened, self.work_orders)

    def extension_rate(self) -> float | None:
        return stats.rate(self.extended, self.work_orders)


# Event names written by the workbench branch (service/sla/service.py) for 延期 requests.
EXTENSION_REQUESTED = "extension_requested"
FLAG_ACTIONS = ("request_return", "reopen", EXTENSION_REQUESTED)


def _event_flags() -> Any:
    """Per ticket: was it ever returned (退单 asked), reopened (重办) or extended (延期 asked)."""
    return (
        select(
            col(TicketEvent.ticket_id).label("ticket_id"),
            func.max(case((col(TicketEvent.action) == "request_return", 1), else_=0)).label(
                "returned"
            ),
            func.max(case((col(TicketEvent.action) == "reopen", 1), else_=0)).label("reopened"),
            func.max(case((col(TicketEvent.action) == EXTENSION_REQUESTED, 1), else_=0)).label(
                "extended"
            ),
        )
        .where(col(TicketEvent.action).in_(FLAG_ACTIONS))
        .group_by(col(TicketEvent.ticket_id))
        .subquery("flags")
    )


def done_at() -> ColumnElement[Any]:
    """When handling ended: the reply, or the close for tickets closed without one."""
    return func.coalesce(col(Ticket.replied_at), col(Ticket.closed_at))


def workflow_rates(
    session: Session, period: Period, dimension: Dimension, *, as_of: datetime
) -> list[WorkflowRow]:
    """On-time sign-for and closure (an open overdue ticket counts as late), return, reopen
    and extension rates, over work orders filed in the period, as they stand at `as_of`.

    A return keeps its lateness: a unit that handed a ticket back when already late counts it
    late (its spell is a unit_holding row), and every other dimension, the city first, counts
    each ticket once, late when any unit was late with it.
    """
    if dimension is Dimension.UNIT:
        query: Select[Any] = _unit_workflow(period, as_of)
        rows = session.execute(query).all()
    else:
        key, tags = _key(dimension, unit_column=col(Ticket.lead_unit_id))
        query = _ticket_workflow(period, as_of, key)
        if tags is not None:
            query = query.join(tags, tags.c.ticket_id == Ticket.id)
        rows = session.execute(_grouped(query, [key], dimension)).all()
    return [WorkflowRow(r[0], *(int(v) for v in r[1:])) for r in rows]


def _current_spell(as_of: datetime) -> dict[str, ColumnElement[bool]]:
    """The conditions for the spell at the ticket's current lead unit, from the ticket."""
    done = done_at()
    held = col(Ticket.lead_unit_id).is_not(None)
    return {
        "signed_on_time": and_(held, col(Ticket.signed_for_at) <= col(Ticket.sign_for_due)),
        "sign_counted": and_(
            held,
            col(Ticket.sign_for_due).is_not(None),
            (col(Ticket.signed_for_at).is_not(None)) | (col(Ticket.sign_for_due) < as_of),
        ),
        "closed_on_time": and_(held, done.is_not(None), done <= col(Ticket.handling_due)),
        "closure_counted": and_(
            held,
            col(Ticket.handling_due).is_not(None),
            done.is_not(None) | (col(Ticket.handling_due) < as_of),
        ),
    }


def _ended_spells(period: Period) -> Any:
    """Per ticket filed in the period, over its spells ended by a return: any sign-for
    counted, any late."""
    filed = aliased(Ticket)
    signed_or_late = col(UnitHolding.signed_for_at).is_not(None) | col(UnitHolding.sign_for_late)
    return (
        select(
            col(UnitHolding.ticket_id).label("ticket_id"),
            func.count().label("n"),
            func.max(case((signed_or_late, 1), else_=0)).label("sign_counted"),
            func.max(case((col(UnitHolding.sign_for_late), 1), else_=0)).label("sign_late"),
            func.max(case((col(UnitHolding.handling_late), 1), else_=0)).label("late"),
            func.max(
                case((col(UnitHolding.sign_for_late) | col(UnitHolding.handling_late), 1), else_=0)
            ).label("any_late"),
        )
        .join(filed, col(filed.id) == col(UnitHolding.ticket_id))
        .where(
            col(UnitHolding.ended_at).is_not(None),
            col(filed.created_at) >= period.start,
            col(filed.created_at) < period.end,
        )
        .group_by(col(UnitHolding.ticket_id))
        .subquery("ended_spells")
    )


def _ticket_workflow(period: Period, as_of: datetime, key: Any) -> Select[Any]:
    """One row per ticket: late if the current unit is late or an earlier one was."""
    flags = _event_flags()
    spells = _ended_spells(period)
    cur = _current_spell(as_of)
    earlier_sign_late = func.coalesce(spells.c.sign_late, 0) == 1
    earlier_late = func.coalesce(spells.c.late, 0) == 1
    sign_counted = cur["sign_counted"] | (func.coalesce(spells.c.sign_counted, 0) == 1)
    return (
        select(
            key,
            func.count().label("work_orders"),
            _count_if(
                and_(
                    sign_counted,
                    ~earlier_sign_late,
                    cur["signed_on_time"] | ~cur["sign_counted"],
                )
            ),
            _count_if(sign_counted),
            _count_if(and_(cur["closed_on_time"], ~earlier_late)),
            _count_if(cur["closure_counted"] | earlier_late),
            func.coalesce(func.sum(flags.c.returned), 0),
            func.coalesce(func.sum(flags.c.reopened), 0),
            func.coalesce(func.sum(flags.c.extended), 0),
            _count_if(spells.c.ticket_id.is_not(None)),
            _count_if(func.coalesce(spells.c.any_late, 0) == 1),
        )
        .select_from(Ticket)
        .outerjoin(flags, flags.c.ticket_id == Ticket.id)
        .outerjoin(spells, spells.c.ticket_id == Ticket.id)
        .where(
            *work_orders_in(period)[:2],
            col(Ticket.assessment_excluded).is_(False),
            col(Ticket.lead_unit_id).is_not(None) | spells.c.ticket_id.is_not(None),
        )
    )


def _unit_workflow(period: Period, as_of: datetime) -> Select[Any]:
    """Per unit: its current tickets as today, plus its spells ended by a return (UNION ALL)."""
    flags = _event_flags()
    cur = _current_spell(as_of)
    zero: ColumnElement[Any] = literal_column("0")
    current: Select[Any] = (
        select(
            col(Ticket.lead_unit_id).label("key"),
            literal_column("1").label("work_orders"),
            case((cur["signed_on_time"], 1), else_=0).label("signed_on_time"),
            case((cur["sign_counted"], 1), else_=0).label("sign_counted"),
            case((cur["closed_on_time"], 1), else_=0).label("closed_on_time"),
            case((cur["closure_counted"], 1), else_=0).label("closure_counted"),
            func.coalesce(flags.c.returned, 0).label("returned"),
            func.coalesce(flags.c.reopened, 0).label("reopened"),
            func.coalesce(flags.c.extended, 0).label("extended"),
            zero.label("handed_back"),
            zero.label("late_at_return"),
        )
        .select_from(Ticket)
        .outerjoin(flags, flags.c.ticket_id == Ticket.id)
        .where(*work_orders_in(period))
    )
    h = UnitHolding
    signed_on_time = and_(col(h.signed_for_at).is_not(None), ~col(h.sign_for_late))
    ended: Select[Any] = (
        select(
            col(h.unit_id).label("key"),
            zero.label("work_orders"),
            case((signed_on_time, 1), else_=0).label("signed_on_time"),
            case((col(h.signed_for_at).is_not(None) | col(h.sign_for_late), 1), else_=0).label(
                "sign_counted"
            ),
            zero.label("closed_on_time"),
            # Handed back before its deadline: no closure to judge; after it: late.
            case((col(h.handling_late), 1), else_=0).label("closure_counted"),
            zero.label("returned"),
            zero.label("reopened"),
            zero.label("extended"),
            literal_column("1").label("handed_back"),
            case((col(h.sign_for_late) | col(h.handling_late), 1), else_=0).label("late_at_return"),
        )
        .select_from(h)
        .join(Ticket, col(Ticket.id) == h.ticket_id)
        .where(
            *work_orders_in(period)[:2],
            col(Ticket.assessment_excluded).is_(False),
            col(h.ended_at).is_not(None),
        )
    )
    spells = union_all(current, ended).subquery("spells")
    measures = [
        "work_orders",
        "signed_on_time",
        "sign_counted",
        "closed_on_time",
        "closure_counted",
        "returned",
        "reopened",
        "extended",
        "handed_back",
        "late_at_return",
    ]
    return (
        select(spells.c.key, *(func.coalesce(func.sum(spells.c[m]), 0) for m in measures))
        .group_by(spells.c.key)
        .order_by(spells.c.key)
    )


def work_orders_in(period: Period) -> list[ColumnElement[bool]]:
    return [
        col(Ticket.created_at) >= period.start,
        col(Ticket.created_at) < period.end,
        col(Ticket.lead_unit_id).is_not(None),
        col(Ticket.assessment_excluded).is_(False),
    ]


@dataclass(frozen=True)
class DirectAnswerRow:
    key: Any
    tickets: int
    direct: int

    def rate(self) -> float | None:
        return stats.rate(self.direct, self.tickets)


def direct_answer_rates(
    session: Session, period: Period, dimension: Dimension
) -> list[DirectAnswerRow]:
    """Share of tickets filed in the period that the operator answered on the spot (直办)."""
    key, tags = _key(dimension, unit_column=col(Ticket.lead_unit_id))
    # A direct answer drawn for a callback waits in pending_callback without a lead unit.
    sampled = and_(
        col(Ticket.status) == Status.PENDING_CALLBACK.value, col(Ticket.lead_unit_id).is_(None)
    )
    direct = (
        (col(Ticket.status) == Status.ANSWERED.value)
        | sampled
        | (col(Ticket.close_reason) == CloseReason.DIRECT_ANSWER.value)
    )
    query = (
        select(key, func.count(), _count_if(direct))
        .select_from(Ticket)
        .where(
            col(Ticket.created_at) >= period.start,
            col(Ticket.created_at) < period.end,
            col(Ticket.status) != Status.MERGED.value,
        )
    )
    if tags is not None:
        query = query.join(tags, tags.c.ticket_id == Ticket.id)
    rows = session.execute(_grouped(query, [key], dimension)).all()
    return [DirectAnswerRow(r[0], int(r[1]), int(r[2])) for r in rows]


@dataclass(frozen=True)
class HandlingRow:
    key: Any
    n: int
    median: float | None
    p90: float | None


def handling_hours(session: Session, period: Period, dimension: Dimension) -> list[HandlingRow]:
    """Median and p90 working hours per group, with percentile_cont on PostgreSQL and a
    window-function fallback (row numbers, then the two neighbouring ranks) elsewhere."""
    if dimension is Dimension.UNIT:
        key: ColumnElement[Any] = col(HandlingTime.unit_id).label("key")
        tags = None
    else:
        key, tags = _key(dimension, unit_column=col(HandlingTime.unit_id))
    base = (
        select(key, col(HandlingTime.hours).label("hours"))
        .select_from(HandlingTime)
        .join(Ticket, col(Ticket.id) == HandlingTime.ticket_id)
        .where(
            col(HandlingTime.closed_at) >= period.start,
            col(HandlingTime.closed_at) < period.end,
            col(Ticket.assessment_excluded).is_(False),
        )
    )
    if tags is not None:
        base = base.join(tags, tags.c.ticket_id == Ticket.id)
    if session.get_bind().dialect.name == "postgresql":
        sub = base.subquery()
        rows = session.execute(
            select(
                sub.c.key,
                func.count(),
                func.percentile_cont(0.5).within_group(sub.c.hours),
                func.percentile_cont(0.9).within_group(sub.c.hours),
            )
            .group_by(sub.c.key)
            .order_by(sub.c.key)
        ).all()
        return [HandlingRow(r[0], int(r[1]), _f(r[2]), _f(r[3])) for r in rows]
    return _percentiles_portable(session, base)


def _percentiles_portable(session: Session, base: Select[Any]) -> list[HandlingRow]:
    sub = base.subquery()
    ranked = select(
        sub.c.key,
        sub.c.hours,
        (func.row_number().over(partition_by=sub.c.key, order_by=sub.c.hours) - 1).label("idx"),
        func.count().over(partition_by=sub.c.key).label("n"),
    ).subquery()
    columns: list[Any] = [ranked.c.key, func.max(ranked.c.n)]
    for p in (0.5, 0.9):
        position = p * (ranked.c.n - 1)
        low = cast(position, Integer)  # positions are never negative, so truncation = floor
        high = low + case((position > low, 1), else_=0)
        columns += [
            func.max(case((ranked.c.idx == low, ranked.c.hours))),
            func.max(case((ranked.c.idx == high, ranked.c.hours))),
            func.max(position - low),
        ]
    rows = session.execute(
        select(*columns)
        .where(ranked.c.idx <= cast(0.9 * (ranked.c.n - 1), Integer) + 1)
        .group_by(ranked.c.key)
        .order_by(ranked.c.key)
    ).all()
    return [
        HandlingRow(
            r[0],
            int(r[1]),
            stats.interpolate(float(r[2]), float(r[3]), float(r[4])),
            stats.interpolate(float(r[5]), float(r[6]), float(r[7])),
        )
        for r in rows
    ]


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class PerCapitaRow:
    key: Any
    complaints: int
    population: int

    def per_10k(self) -> float | None:
        return None if self.population <= 0 else 10_000 * self.complaints / self.population


def city_population(session: Session) -> int:
    total = session.execute(
        select(func.coalesce(func.sum(col(Area.population)), 0)).where(
            col(Area.level) == AreaLevel.DISTRICT.value
        )
    ).scalar_one()
    return int(total)


def complaints_per_10k(
    session: Session, period: Period, *, by: Dimension = Dimension.CITY
) -> list[PerCapitaRow]:
    """Complaints (投诉) filed in the period per 10,000 residents: by district (its own
    population) or city-wide, and by tag (over the city's population)."""
    filters = [
        col(Ticket.created_at) >= period.start,
        col(Ticket.created_at) < period.end,
        col(Ticket.type) == TicketType.COMPLAINT.value,
        col(Ticket.status) != Status.MERGED.value,
    ]
    if by is Dimension.DISTRICT:
        counts = (
            select(col(Ticket.district_id).label("area_id"), func.count().label("n"))
            .where(*filters)
            .group_by(col(Ticket.district_id))
            .subquery()
        )
        rows = session.execute(
            select(col(Area.id), func.coalesce(counts.c.n, 0), col(Area.population))
            .outerjoin(counts, counts.c.area_id == Area.id)
            .where(col(Area.level) == AreaLevel.DISTRICT.value)
            .order_by(col(Area.code))
        ).all()
        return [PerCapitaRow(r[0], int(r[1]), int(r[2])) for r in rows]
    population = city_population(session)
    if by is Dimension.TAG:
        tags = _ticket_tags()
        rows = session.execute(
            select(tags.c.tag_code, func.count())
            .select_from(Ticket)
            .join(tags, tags.c.ticket_id == Ticket.id)
            .where(*filters)
            .group_by(tags.c.tag_code)
            .order_by(tags.c.tag_code)
        ).all()
        return [PerCapitaRow(r[0], int(r[1]), population) for r in rows]
    total = session.execute(select(func.count()).select_from(Ticket).where(*filters)).scalar_one()
    return [PerCapitaRow("all", int(total), population)]


def volumes(
    session: Session, period: Period, bucket: Bucket, tz: ZoneInfo
) -> list[tuple[str, int]]:
    """Tickets filed per day / week / month / quarter / year (local time)."""
    b = bucket_expr(session, col(Ticket.created_at), bucket, tz).label("bucket")
    rows = session.execute(
        select(b, func.count())
        .where(
            col(Ticket.created_at) >= period.start,
            col(Ticket.created_at) < period.end,
            col(Ticket.status) != Status.MERGED.value,
        )
        .group_by(b)
        .order_by(b)
    ).all()
    return [(str(r[0]), int(r[1])) for r in rows]


def top_categories(session: Session, period: Period, *, limit: int = 10) -> list[tuple[int, int]]:
    """(category id, tickets) for the busiest categories of the period."""
    rows = session.execute(
        select(col(Ticket.category_id), func.count().label("n"))
        .where(
            col(Ticket.created_at) >= period.start,
            col(Ticket.created_at) < period.end,
            col(Ticket.category_id).is_not(None),
            col(Ticket.status) != Status.MERGED.value,
        )
        .group_by(col(Ticket.category_id))
        .order_by(func.count().desc(), col(Ticket.category_id))
        .limit(limit)
    ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


def bucket_expr(session: Session, column: Any, bucket: Bucket, tz: ZoneInfo) -> ColumnElement[str]:
    """A local-time bucket label: 2026-11-30, week of 2026-11-30 (its Monday), 2026-11,
    2026-Q4, 2026. SQLite applies the zone's current UTC offset (fine for zones without
    daylight saving, such as Asia/Shanghai); PostgreSQL converts with the zone itself."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(str(tz), column)
        if bucket is Bucket.WEEK:
            return func.to_char(func.date_trunc("week", local), "YYYY-MM-DD")
        pattern = {
            Bucket.DAY: "YYYY-MM-DD",
            Bucket.MONTH: "YYYY-MM",
            Bucket.QUARTER: 'YYYY-"Q"Q',
            Bucket.YEAR: "YYYY",
        }[bucket]
        return func.to_char(local, pattern)
    offset = clock.now().astimezone(tz).utcoffset() or timedelta(0)
    shift = f"{int(offset.total_seconds() // 60):+d} minutes"
    if bucket is Bucket.WEEK:
        return func.date(column, shift, "weekday 0", "-6 days")
    if bucket is Bucket.QUARTER:
        month = cast(func.strftime("%m", column, shift), Integer)
        return func.printf("%s-Q%d", func.strftime("%Y", column, shift), (month + 2) / 3)
    pattern = {Bucket.DAY: "%Y-%m-%d", Bucket.MONTH: "%Y-%m", Bucket.YEAR: "%Y"}[bucket]
    return func.strftime(pattern, column, shift)
