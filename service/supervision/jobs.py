"""Scheduled supervision work: publish last month's (quarter's, year's) report once it is
over; find the hot clusters of similar ticket texts; recount the monthly topics' weekly
tickets."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from service.config import load_settings
from service.supervision import hot_topics, periods, reports, text_clusters


def _publish_previous(session: Session, now: datetime, kind: periods.Kind) -> None:
    settings = load_settings()
    label = periods.last_complete(kind, now, settings.tz)
    if not reports.snapshots(session, period=label):
        reports.publish(session, label, settings, user_id=None, note="scheduled")


def publish_last_month(session: Session, now: datetime) -> None:
    """Idempotent: publishes version 1 of the previous local month only if none exists;
    corrections are published by a supervisor as new versions."""
    _publish_previous(session, now, periods.Kind.MONTH)


def publish_last_quarter(session: Session, now: datetime) -> None:
    """Idempotent: version 1 of the previous local quarter (2026-Q4), once."""
    _publish_previous(session, now, periods.Kind.QUARTER)


def publish_last_year(session: Session, now: datetime) -> None:
    """Idempotent: version 1 of the previous local year (2026), once."""
    _publish_previous(session, now, periods.Kind.YEAR)


def refresh_text_clusters(session: Session, now: datetime) -> None:
    """Idempotent: replaces the stored hot text clusters with those of this moment."""
    text_clusters.refresh(session, now, text_clusters.Rule.from_settings(load_settings()))


def recount_topic_trends(session: Session, now: datetime) -> None:
    """Idempotent: replaces the latest monthly topics' stored weekly counts with today's."""
    hot_topics.recount(session, hot_topics.topics(session), tz=load_settings().tz, now=now)
