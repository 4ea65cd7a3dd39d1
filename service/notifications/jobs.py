"""Scheduled delivery of outbox messages to units' webhook endpoints."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from service.notifications import delivery


def deliver_webhooks(session: Session, now: datetime) -> None:
    """One attempt for every due webhook message; failures wait their back-off."""
    delivery.deliver_due(session, now)
