"""Queue a message in the outbox; it is sent only if the surrounding transaction commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from service import clock
from service.notifications.models import Outbox, OutboxKind


def enqueue(
    session: Session,
    *,
    kind: OutboxKind,
    recipient: str,
    subject: str = "",
    body: str = "",
    payload: dict[str, Any] | None = None,
    available_at: datetime | None = None,
) -> Outbox:
    """One message for the delivery job, due now unless `available_at` says later."""
    at = clock.now()
    message = Outbox(
        kind=kind,
        recipient=recipient,
        subject=subject[:200],
        body=body,
        payload=payload or {},
        created_at=at,
        available_at=available_at or at,
    )
    session.add(message)
    session.flush()
    return message


def mask_recipient(recipient: str) -> str:
    """Enough of an address or number to recognise it in a log, not enough to use it."""
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return recipient[:4] + "****" + recipient[-2:] if len(recipient) > 6 else "****"
