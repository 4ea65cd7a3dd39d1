"""Scheduled supervision work: publish last month's report once the month is over; find the
hot clusters of similar ticket texts; recount the monthly topics' weekly tickets."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from service.config import load_settings
from service.supervision import hot_topics, metrics, reports, text_clusters


def publish_last_month(session: Session, now: datetime) -> None:
    """Idempotent: publishes version 1 of the previous local month only if none exists;
    corrections are published by a supervisor as new versions."""
    settings = load_settings()
    month = metrics.previous_month(now.astimezone(settings.tz).strftime("%Y-%m"))
    if not reports.snapshots(session, period=month):
        reports.publish(session, month, settings, user_id=None, note="scheduled")


def refresh_text_clusters(session: Session, now: datetime) -> None:
    """Idempotent: replaces the stored hot text clusters with those of this moment."""
    text_clusters.refresh(session, now, text_clusters.Rule.from_settings(load_settings()))


def recount_topic_trends(session: Session, now: datetime) -> None:
    """Idempotent: replaces the latest monthly topics' stored weekly counts with today's."""
    hot_topics.recount(session, hot_topics.topics(session), tz=load_settings().tz, now=now)
