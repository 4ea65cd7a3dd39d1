"""Outbox delivery: webhooks are posted (signed, retried); e-mail/SMS are logged in development."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from service.notifications import delivery
from service.notifications.models import Outbox, OutboxKind
from service.notifications.service import mask_recipient

log = logging.getLogger(__name__)
BATCH = 200


def deliver_outbox_to_log(session: Session, now: datetime) -> None:
    """Scheduled job: each unsent, due message is logged once and marked sent (idempotent)."""
    due = session.exec(
        select(Outbox)
        .where(
            col(Outbox.sent_at).is_(None),
            col(Outbox.available_at) <= now,
            # Webhook rows have their own sender (deliver_webhooks) with retries and a log.
            Outbox.kind != OutboxKind.WEBHOOK,
        )
        .order_by(col(Outbox.available_at), col(Outbox.id))
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for message in due:
        # Recipients are personal data: the log gets a masked form, the body only at debug.
        log.info(
            "outbox %s %s to %s: %s",
            message.id,
            message.kind.value,
            mask_recipient(message.recipient),
            message.subject,
        )
        log.debug("outbox %s body:\n%s", message.id, message.body)
        message.attempts += 1
        message.sent_at = now
        session.add(message)
    session.flush()


def deliver_webhooks(session: Session, now: datetime) -> None:
    """Scheduled job: one attempt for every due webhook message; failures wait their back-off."""
    delivery.deliver_due(session, now)
