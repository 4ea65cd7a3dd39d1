"""Hot topics: category × district weeks well above their usual level (SQL counts, pure test),
and the monthly topic (每月一题) a supervisor adopts and follows: a category (and district), or
the key terms of a cluster of similar texts (text_clusters.py finds those)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, delete, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service import clock
from service.i18n import gettext as _
from service.supervision import metrics, stats
from service.supervision.models import MonthlyTopic, MonthlyTopicWeek
from service.tickets.models import Ticket
from service.tickets.states import Status


@dataclass(frozen=True)
class HotTopic:
    category_id: int
    district_id: int | None
    week: str
    surge: stats.Surge


def week_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 local of the week holding the moment."""
    local = moment.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz)


def detect(
    session: Session,
    *,
    tz: ZoneInfo,
    weeks: int,
    sigmas: float,
    min_count: int,
    now: datetime | None = None,
) -> list[HotTopic]:
    """This week (so far) against the `weeks` full weeks before it, per category × district."""
    this_week = week_start(now or clock.now(), tz)
    start = this_week - timedelta(weeks=weeks)
    period = metrics.Period("hot", start, this_week + timedelta(weeks=1))
    bucket = metrics.bucket_expr(session, col(Ticket.created_at), metrics.Bucket.WEEK, tz)
    rows = session.execute(
        select(col(Ticket.category_id), col(Ticket.district_id), bucket, func.count())
        .where(
            col(Ticket.created_at) >= period.start,
            col(Ticket.created_at) < period.end,
            col(Ticket.category_id).is_not(None),
            col(Ticket.status) != Status.MERGED.value,
        )
        .group_by(col(Ticket.category_id), col(Ticket.district_id), bucket)
    ).all()
    labels = [(start + timedelta(weeks=i)).date().isoformat() for i in range(weeks + 1)]
    counts: dict[tuple[int, int | None], dict[str, int]] = defaultdict(dict)
    for category_id, district_id, week, n in rows:
        counts[(int(category_id), district_id)][str(week)] = int(n)
    found = []
    for (category_id, district_id), by_week in counts.items():
        previous = [by_week.get(label, 0) for label in labels[:-1]]
        surge = stats.surge(
            by_week.get(labels[-1], 0), previous, sigmas=sigmas, min_count=min_count
        )
        if surge is not None:
            found.append(HotTopic(category_id, district_id, labels[-1], surge))
    return sorted(found, key=lambda h: (-h.surge.score, h.category_id, h.district_id or 0))


MAX_TERMS = 8
MAX_TERM_CHARS = 20
TERM_SEPARATORS = re.compile(r"[\s,，、;；]+")


def adopt(
    session: Session,
    *,
    month: str,
    category_id: int | None = None,
    area_id: int | None = None,
    terms: Sequence[str] = (),
    user_id: int | None,
    tz: ZoneInfo,
) -> MonthlyTopic:
    """One monthly topic per month; adopting again replaces the month's choice. A topic is a
    category (and district) or, for a text cluster, its key terms (see parse_terms). Its
    weekly counts are made at once, so the page shows its trend straight away."""
    if (category_id is None) == (not terms):
        raise ValueError("a monthly topic is a category or a list of terms, not both")
    topic = session.exec(select(MonthlyTopic).where(MonthlyTopic.month == month)).first()
    topic = topic or MonthlyTopic(month=month, adopted_at=clock.now())
    topic.category_id = category_id
    topic.area_id = area_id if category_id is not None else None
    topic.terms = " ".join(terms)
    topic.adopted_by = user_id
    topic.adopted_at = clock.now()
    session.add(topic)
    session.flush()
    recount(session, [topic], tz=tz)
    return topic


def parse_terms(text: str) -> list[str]:
    """Key terms as a supervisor types them (spaces, commas or 、 between), de-duplicated.

    Raises ValueError with the message to show next to the field: one to MAX_TERMS terms of
    two to MAX_TERM_CHARS characters (a single character matches far too many texts).
    """
    terms = list(dict.fromkeys(t for t in TERM_SEPARATORS.split(text.strip()) if t))
    if not terms:
        raise ValueError(_("Enter at least one key term."))
    if len(terms) > MAX_TERMS:
        raise ValueError(_("At most %(n)d key terms.") % {"n": MAX_TERMS})
    if any(not 2 <= len(t) <= MAX_TERM_CHARS for t in terms):
        raise ValueError(_("Each key term needs 2 to %(n)d characters.") % {"n": MAX_TERM_CHARS})
    return terms


def topics(session: Session, *, limit: int = 12) -> list[MonthlyTopic]:
    """The latest months' topics, newest first (the page lists these, the job recounts them)."""
    return list(
        session.exec(select(MonthlyTopic).order_by(col(MonthlyTopic.month).desc()).limit(limit))
    )


def recount(
    session: Session,
    chosen: Sequence[MonthlyTopic],
    *,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> None:
    """Store the topics' weekly counts (monthly_topic_week), replacing the previous ones."""
    if not chosen:
        return
    at = now or clock.now()
    ids = [t.id for t in chosen if t.id is not None]
    session.execute(delete(MonthlyTopicWeek).where(col(MonthlyTopicWeek.topic_id).in_(ids)))
    for topic, weekly in zip(chosen, trends(session, chosen, tz=tz, now=at), strict=True):
        session.add_all(
            MonthlyTopicWeek(topic_id=topic.id, week=week, tickets=n)  # type: ignore[arg-type]
            for week, n in weekly
        )
        topic.counted_at = at
        session.add(topic)
    session.flush()


def stored_trends(session: Session, chosen: Sequence[MonthlyTopic]) -> list[list[tuple[str, int]]]:
    """The topics' weekly counts as last stored, oldest week first, in one query."""
    ids = [t.id for t in chosen if t.id is not None]
    rows = session.exec(
        select(MonthlyTopicWeek)
        .where(col(MonthlyTopicWeek.topic_id).in_(ids))
        .order_by(col(MonthlyTopicWeek.topic_id), col(MonthlyTopicWeek.week))
    ).all()
    by_topic: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        by_topic[row.topic_id].append((row.week, row.tickets))
    return [by_topic.get(t.id or 0, []) for t in chosen]


def trend(
    session: Session, topic: MonthlyTopic, *, tz: ZoneInfo, weeks: int = 12
) -> list[tuple[str, int]]:
    """Weekly tickets of one topic over the last weeks, oldest first, counted now (trends)."""
    return trends(session, [topic], tz=tz, weeks=weeks)[0]


def trends(
    session: Session,
    chosen: Sequence[MonthlyTopic],
    *,
    tz: ZoneInfo,
    weeks: int = 12,
    now: datetime | None = None,
) -> list[list[tuple[str, int]]]:
    """Weekly tickets of each topic over the last weeks, oldest first, weeks without any
    included (a topic dealt with falls to zero). A category topic counts its category (and
    district); a text topic counts tickets whose title or description contains any of its
    terms (case-insensitive). Merged repeats are not counted, as in detect. One query, one
    pass over the window, whatever the number of topics; nothing is loaded into Python."""
    if not chosen:
        return []
    this_week = week_start(now or clock.now(), tz)
    labels = [(this_week - timedelta(weeks=i)).date().isoformat() for i in range(weeks - 1, -1, -1)]
    end = this_week + timedelta(weeks=1)
    bucket = metrics.bucket_expr(session, col(Ticket.created_at), metrics.Bucket.WEEK, tz)
    matches = [_matches(topic) for topic in chosen]
    query = (
        sa_select(bucket, *(func.sum(case((m, 1), else_=0)) for m in matches))
        .where(
            col(Ticket.created_at) >= end - timedelta(weeks=weeks),
            col(Ticket.created_at) < end,
            col(Ticket.status) != Status.MERGED.value,
            or_(*matches),
        )
        .group_by(bucket)
    )
    counts = {str(row[0]): row[1:] for row in session.execute(query)}
    return [
        [(label, int(counts[label][k]) if label in counts else 0) for label in labels]
        for k in range(len(chosen))
    ]


def _matches(topic: MonthlyTopic) -> ColumnElement[bool]:
    """The tickets a topic is about, as a SQL condition."""
    if topic.terms:
        condition = or_(
            *(
                column.icontains(term, autoescape=True)
                for term in topic.term_list
                for column in (col(Ticket.title), col(Ticket.description))
            )
        )
    else:
        condition = col(Ticket.category_id) == topic.category_id
    if topic.area_id is not None:
        condition = and_(condition, col(Ticket.district_id) == topic.area_id)
    return condition
