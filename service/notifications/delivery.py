"""Webhook delivery: signed POSTs, one log row per attempt, exponential back-off, auto-disable.

The signature header is `X-Civic-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(secret, f"{t}." + body); receivers recompute it and reject old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session, col, select

from service.config import Settings, load_settings
from service.notifications.models import Outbox, OutboxKind
from service.notifications.webhook_models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Civic-Signature"
BATCH = 100


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 over `timestamp.body`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: datetime, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), fields.get("v1", ""))


def backoff(attempt: int, cap_minutes: int) -> timedelta:
    """2^n minutes after the n-th failure, never more than the cap."""
    return timedelta(minutes=min(2 ** min(attempt, 30), cap_minutes))


def deliver(
    session: Session,
    message: Outbox,
    endpoint: WebhookEndpoint,
    client: httpx.Client,
    *,
    now: datetime,
    settings: Settings,
) -> WebhookDelivery:
    """One attempt: post, log the attempt, then mark sent or push the next try out."""
    attempt = message.attempts + 1
    body = message.body.encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "civic-webhooks/1",
        "X-Civic-Event": message.subject,
        # Receivers de-duplicate on this id: a redelivery carries the same one.
        "X-Civic-Delivery": str(message.id),
        SIGNATURE_HEADER: signature_header(endpoint.secret, timestamp, body),
    }
    status: int | None = None
    error = ""
    started = time.perf_counter()
    try:
        response = client.post(
            endpoint.url, content=body, headers=headers, timeout=settings.webhook_timeout_seconds
        )
        status = response.status_code
        if not response.is_success:
            error = f"HTTP {status}: {response.text[:200]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.perf_counter() - started) * 1000)
    success = not error
    assert message.id is not None and endpoint.id is not None
    row = WebhookDelivery(
        outbox_id=message.id,
        endpoint_id=endpoint.id,
        attempt=attempt,
        at=now,
        status_code=status,
        error=error,
        duration_ms=duration_ms,
        success=success,
    )
    session.add(row)
    message.attempts = attempt
    if success:
        message.sent_at = now
        message.last_error = ""
        endpoint.consecutive_failures = 0
    else:
        message.last_error = error
        message.available_at = now + backoff(attempt, settings.webhook_backoff_cap_minutes)
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= settings.webhook_disable_after:
            endpoint.active = False
            endpoint.disabled_at = now
            log.warning("webhook endpoint %s disabled after %d failures", endpoint.id, attempt)
    session.flush()
    return row


def deliver_due(
    session: Session,
    now: datetime,
    *,
    client: httpx.Client | None = None,
    settings: Settings | None = None,
) -> int:
    """Every due webhook message of an active endpoint, one attempt each; returns the count."""
    settings = settings or load_settings()
    rows = session.exec(
        select(Outbox, WebhookEndpoint)
        .join(
            WebhookEndpoint, col(WebhookEndpoint.id) == Outbox.payload["endpoint_id"].as_integer()
        )
        .where(
            Outbox.kind == OutboxKind.WEBHOOK,
            col(Outbox.sent_at).is_(None),
            col(Outbox.available_at) <= now,
            col(WebhookEndpoint.active),
        )
        .order_by(col(Outbox.available_at), col(Outbox.id))
        .limit(BATCH)
        # A second scheduler skips the rows this one is sending instead of sending them twice.
        .with_for_update(skip_locked=True, of=Outbox)
    ).all()
    if not rows:
        return 0
    own = client is None
    http = client or httpx.Client(timeout=settings.webhook_timeout_seconds)
    try:
        for message, endpoint in rows:
            if endpoint.active:  # an earlier row in this batch may have disabled it
                deliver(session, message, endpoint, http, now=now, settings=settings)
    finally:
        if own:
            http.close()
    return len(rows)
