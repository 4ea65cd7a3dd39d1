"""Rate limits count in a shared table, keyed without personal data, and old hits are pruned."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from service import clock
from service.intake import ratelimit
from service.intake.models import RateLimitHit

SECRET = "s" * 40


def test_limits_fill_up_and_expire(session: Session) -> None:
    limits = [ratelimit.Limit("phone", "+8613812345678", 2, timedelta(days=1))]
    now = clock.now()
    for _ in range(2):
        assert ratelimit.exceeded(session, limits, secret_key=SECRET, now=now) is None
        ratelimit.hit(session, limits, secret_key=SECRET, now=now)
    assert ratelimit.exceeded(session, limits, secret_key=SECRET, now=now) == limits[0]
    assert ratelimit.exceeded(session, limits, secret_key=SECRET, now=now + timedelta(days=1, seconds=1)) is None
    other = [ratelimit.Limit("phone", "+8613900000000", 2, timedelta(days=1))]
    assert ratelimit.exceeded(session, other, secret_key=SECRET, now=now) is None
    keys = session.exec(select(RateLimitHit.key)).all()
    assert all("13812345678" not in key for key in keys)


def test_pruning_keeps_only_recent_hits(session: Session) -> None:
    now = clock.now()
    limits = [ratelimit.Limit("ip", "203.0.113.9", 100, timedelta(hours=1))]
    ratelimit.hit(session, limits, secret_key=SECRET, now=now - timedelta(days=3))
    ratelimit.hit(session, limits, secret_key=SECRET, now=now)
    ratelimit.prune_rate_limit_hits(session, now)
    session.commit()
    assert [hit.at for hit in session.exec(select(RateLimitHit))] == [now]
