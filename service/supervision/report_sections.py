"""Sections of the report for leaders, NPC deputies and CPPCC members, one function each:
the frozen breakdowns behind every page, the workflow figures, the monthly topic's progress
and the revisions ledger. Plain data only: no names of people, no citizens' free text."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.catalogue.models import Category
from service.places.models import Area, Unit
from service.supervision import metrics, periods, revisions
from service.supervision.metrics import Dimension, Period
from service.supervision.models import MonthlyTopic, MonthlyTopicWeek

# The breakdowns the dashboard offers; each is frozen so a published month never moves.
DIMENSIONS = tuple(Dimension)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures(session: Session, period: Period, *, as_of: datetime) -> dict[str, Any]:
    """Callback and workflow counts per dimension and key, as the dashboard groups them."""
    return {
        "callbacks": {
            d.value: {
                revisions.key_text(r.key): revisions.counts_of(r)
                for r in metrics.callback_rates(session, period, d)
            }
            for d in DIMENSIONS
        },
        "workflow": {
            d.value: {
                revisions.key_text(r.key): revisions.counts_of(r)
                for r in metrics.workflow_rates(session, period, d, as_of=as_of)
            }
            for d in DIMENSIONS
        },
    }


def _workflow_entry(row: metrics.WorkflowRow) -> dict[str, Any]:
    return {
        "work_orders": row.work_orders,
        "on_time_sign_for": _r(row.on_time_sign_for()),
        "sign_for_counted": row.sign_for_counted,
        "on_time_closure": _r(row.on_time_closure()),
        "closure_counted": row.closure_counted,
        "returned": row.returned,
        "return_rate": _r(row.return_rate()),
        "reopened": row.reopened,
        "reopen_rate": _r(row.reopen_rate()),
        "extended": row.extended,
        "extension_rate": _r(row.extension_rate()),
    }


def workflow(session: Session, period: Period, *, as_of: datetime) -> dict[str, Any]:
    """On-time sign-for and closure, returns (退单), re-handling (重办) and extensions, for
    the city and each lead unit (metrics.workflow_rates, over work orders filed in the period)."""
    city = metrics.workflow_rates(session, period, Dimension.CITY, as_of=as_of)
    units = {u.id: u for u in session.exec(select(Unit))}
    per_unit = []
    for row in metrics.workflow_rates(session, period, Dimension.UNIT, as_of=as_of):
        unit = units.get(row.key)
        if unit is None:
            continue
        per_unit.append(
            {"unit": unit.code, "name_zh": unit.name_zh, "name_en": unit.name_en}
            | _workflow_entry(row)
        )
    return {
        "city": _workflow_entry(city[0]) if city else None,
        "units": sorted(per_unit, key=lambda e: e["unit"]),
    }


def topic_progress(session: Session, label: str, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Each monthly topic (每月一题) of the period with its weekly tickets as last stored by the
    topic_trends job (the weeks before adoption included, as the baseline; none after the
    period), and the change from its first week to its last: a topic dealt with falls."""
    months = periods.month_list(label)
    topics = list(
        session.exec(
            select(MonthlyTopic)
            .where(col(MonthlyTopic.month).in_(months))
            .order_by(col(MonthlyTopic.month))
        )
    )
    if not topics:
        return []
    end = periods.period_of(label, tz).end.astimezone(tz).date().isoformat()
    weeks = session.exec(
        select(MonthlyTopicWeek)
        .where(
            col(MonthlyTopicWeek.topic_id).in_([t.id for t in topics]),
            col(MonthlyTopicWeek.week) < end,
        )
        .order_by(col(MonthlyTopicWeek.topic_id), col(MonthlyTopicWeek.week))
    ).all()
    categories = {c.id: c for c in session.exec(select(Category))}
    areas = {a.id: a for a in session.exec(select(Area))}
    out = []
    for topic in topics:
        series: list[tuple[str, int]] = [
            (w.week, w.tickets) for w in weeks if w.topic_id == topic.id
        ]
        category = categories.get(topic.category_id)
        area = areas.get(topic.area_id)
        out.append(
            {
                "month": topic.month,
                "category": category.code if category else "",
                "name_zh": category.name_zh if category else "",
                "name_en": category.name_en if category else "",
                "district_zh": area.name_zh if area else "",
                "terms": topic.terms,
                "weeks": series,
                "first": series[0][1] if series else None,
                "last": series[-1][1] if series else None,
                "change": series[-1][1] - series[0][1] if series else None,
            }
        )
    return out


def revisions_section(
    session: Session, label: str, *, reason: str, new_rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """This version's reason and the ledger so far: the period's own revisions and, for a
    quarter or year, its months' (this version's own changes included)."""
    covered = sorted({label, *periods.month_list(label)})
    earlier = revisions.as_entries(revisions.ledger(session, periods=covered))
    return {"reason": reason, "ledger": new_rows + earlier}
