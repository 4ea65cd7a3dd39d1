"""Complaints about the rights of vulnerable groups per 10,000 residents, month by month, by
group and district, with exact Poisson intervals, against the target the city set for each
group: counted in one GROUP BY (month × group × district), never ticket by ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.catalogue.models import Tag
from service.places.models import Area, AreaLevel
from service.supervision import metrics, periods, stats
from service.supervision.models import VulnerableTarget
from service.tickets.models import Ticket, TicketType
from service.tickets.states import Status

VULNERABLE_TAGS = ("elderly", "women", "minors", "disabled")


@dataclass(frozen=True)
class Point:
    """One month of one group in one place (a district, or the whole city)."""

    month: str
    complaints: int
    population: int

    def per_10k(self) -> float | None:
        return None if self.population <= 0 else 10_000 * self.complaints / self.population

    def interval(self) -> tuple[float, float] | None:
        """The 95% exact Poisson interval of the count, per 10,000 residents."""
        if self.population <= 0:
            return None
        low, high = stats.poisson(self.complaints)
        return 10_000 * low / self.population, 10_000 * high / self.population


@dataclass(frozen=True)
class Series:
    tag: str
    area_id: int | None  # None: the whole city (tickets without a district count only here)
    points: list[Point]

    def total(self) -> int:
        return sum(p.complaints for p in self.points)


@dataclass(frozen=True)
class Trend:
    months: list[str]
    targets: dict[str, float]
    city: dict[str, Series]
    districts: dict[str, list[Series]]
    area_ids: list[int]  # districts in code order


def counts(
    session: Session, period: metrics.Period, tz: ZoneInfo
) -> list[tuple[str, str, int | None, int]]:
    """(month, group, district id, complaints) for the vulnerable groups' complaints filed in
    the period; a ticket with the group's tag from its category counts as with its own."""
    tags = metrics._ticket_tags()
    month = metrics.bucket_expr(session, col(Ticket.created_at), metrics.Bucket.MONTH, tz)
    rows = session.execute(
        select(month, tags.c.tag_code, col(Ticket.district_id), func.count())
        .select_from(Ticket)
        .join(tags, tags.c.ticket_id == Ticket.id)
        .where(
            col(Ticket.created_at) >= period.start,
            col(Ticket.created_at) < period.end,
            col(Ticket.type) == TicketType.COMPLAINT.value,
            col(Ticket.status) != Status.MERGED.value,
            tags.c.tag_code.in_(VULNERABLE_TAGS),
        )
        .group_by(month, tags.c.tag_code, col(Ticket.district_id))
    ).all()
    return [(str(m), str(t), d, int(n)) for m, t, d, n in rows]


def targets(session: Session) -> dict[str, float]:
    """The city's targets, per group (complaints a month per 10,000 residents)."""
    return {t.tag_code: t.per_10k for t in session.exec(select(VulnerableTarget))}


def set_target(session: Session, tag: str, per_10k: float | None, *, user_id: int | None) -> None:
    """A group's target is set, changed, or (None) removed; who and when are kept."""
    if tag not in VULNERABLE_TAGS:
        raise ValueError(f"not a vulnerable group: {tag!r}")
    row = session.get(VulnerableTarget, tag)
    if per_10k is None:
        if row is not None:
            session.delete(row)
        session.flush()
        return
    if session.get(Tag, tag) is None:
        raise ValueError(f"the city has no tag {tag!r}")
    if per_10k < 0:
        raise ValueError("a target is a rate: 0 or more")
    row = row or VulnerableTarget(tag_code=tag, per_10k=per_10k, set_at=clock.now())
    row.per_10k, row.set_by, row.set_at = per_10k, user_id, clock.now()
    session.add(row)
    session.flush()


def trend(session: Session, last_month: str, tz: ZoneInfo, *, months: int = 12) -> Trend:
    """The `months` months ending with last_month, for every group, city-wide and by district."""
    labels = periods.months_back(last_month, months)
    period = metrics.Period(
        f"{labels[0]}..{labels[-1]}",
        metrics.month_period(labels[0], tz).start,
        metrics.month_period(labels[-1], tz).end,
    )
    districts = session.execute(
        select(col(Area.id), col(Area.population))
        .where(col(Area.level) == AreaLevel.DISTRICT.value)
        .order_by(col(Area.code))
    ).all()
    population = {int(a): int(p) for a, p in districts}
    city_population = sum(population.values())
    found: dict[tuple[str, str, int | None], int] = {}
    for month, tag, district, n in counts(session, period, tz):
        found[(month, tag, district)] = found.get((month, tag, district), 0) + n
    city: dict[str, Series] = {}
    by_district: dict[str, list[Series]] = {}
    for tag in VULNERABLE_TAGS:
        city[tag] = Series(
            tag,
            None,
            [
                Point(
                    m,
                    sum(n for (mm, t, _), n in found.items() if mm == m and t == tag),
                    city_population,
                )
                for m in labels
            ],
        )
        by_district[tag] = [
            Series(
                tag,
                area_id,
                [Point(m, found.get((m, tag, area_id), 0), population[area_id]) for m in labels],
            )
            for area_id in population
        ]
    return Trend(labels, targets(session), city, by_district, list(population))


def as_content(trend_: Trend, area_codes: dict[int, str]) -> dict[str, object]:
    """The trend as plain data for a frozen report (rates rounded, intervals as pairs)."""

    def point(p: Point) -> dict[str, object]:
        iv = p.interval()
        rate = p.per_10k()
        return {
            "month": p.month,
            "complaints": p.complaints,
            "per_10k": None if rate is None else round(rate, 4),
            "interval": None if iv is None else [round(iv[0], 4), round(iv[1], 4)],
        }

    return {
        "months": trend_.months,
        "groups": [
            {
                "tag": tag,
                "target_per_10k": trend_.targets.get(tag),
                "city": [point(p) for p in trend_.city[tag].points],
                "districts": [
                    {
                        "district": area_codes.get(s.area_id or 0, ""),
                        "points": [point(p) for p in s.points],
                    }
                    for s in trend_.districts[tag]
                ],
            }
            for tag in VULNERABLE_TAGS
        ],
    }


def since(now: datetime, tz: ZoneInfo) -> str:
    """The last whole month before now (the trend pages end there)."""
    return metrics.previous_month(now.astimezone(tz).strftime("%Y-%m"))
