"""Rate limits per client address and per phone number, counted in a table all workers share.

Keys are HMACs of the address or number with the secret key, so the table holds no personal
data. Two requests racing at the very edge of a limit may both pass; a limit is a brake on
abuse, not an exact quota.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from service.config import Settings
from service.intake.models import RateLimitHit

# Hits older than the longest window are never counted again.
RETENTION = timedelta(days=2)


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` actions for one subject (an address, a phone) within `window`."""

    scope: str
    subject: str
    max_hits: int
    window: timedelta


def key_for(secret_key: str, scope: str, subject: str) -> str:
    """A stable, non-reversible key for (scope, subject)."""
    digest = hmac.new(secret_key.encode(), f"{scope}:{subject}".encode(), hashlib.sha256)
    return f"{scope}:{digest.hexdigest()[:48]}"


def exceeded(
    session: Session, limits: list[Limit], *, secret_key: str, now: datetime
) -> Limit | None:
    """The first limit already used up, counted in one SQL query; None when all have room."""
    active = [limit for limit in limits if limit.subject]
    if not active:
        return None
    keys = [key_for(secret_key, limit.scope, limit.subject) for limit in active]
    key_column, at_column = col(RateLimitHit.key), col(RateLimitHit.at)
    counts = [
        func.count(case((and_(key_column == key, at_column > now - limit.window), 1)))
        for key, limit in zip(keys, active, strict=True)
    ]
    oldest = now - max(limit.window for limit in active)
    used = session.execute(
        sa_select(*counts).where(col(RateLimitHit.key).in_(keys), col(RateLimitHit.at) > oldest)
    ).one()
    for limit, count in zip(active, used, strict=True):
        if count >= limit.max_hits:
            return limit
    return None


def hit(session: Session, limits: list[Limit], *, secret_key: str, now: datetime) -> None:
    """Count one action against each limit (in the caller's transaction, one INSERT)."""
    rows = [
        {"key": key_for(secret_key, limit.scope, limit.subject), "at": now}
        for limit in limits
        if limit.subject
    ]
    if rows:
        session.execute(insert(RateLimitHit), rows)


def submission_limits(settings: Settings, *, client: str, phone: str) -> list[Limit]:
    """Filing or joining: per address per hour and per phone number per day."""
    return [
        Limit("ip", client, settings.rate_limit_per_ip_per_hour, timedelta(hours=1)),
        Limit("phone", phone, settings.rate_limit_per_phone_per_day, timedelta(days=1)),
    ]


def lookup_limits(settings: Settings, *, client: str) -> list[Limit]:
    """Wrong number/code pairs per address per hour (guessing access codes)."""
    return [
        Limit("lookup", client, settings.rate_limit_lookups_per_ip_per_hour, timedelta(hours=1))
    ]


def prune_rate_limit_hits(session: Session, now: datetime) -> None:
    """Scheduled job: drop hits too old to count (idempotent)."""
    session.execute(delete(RateLimitHit).where(col(RateLimitHit.at) < now - RETENTION))
