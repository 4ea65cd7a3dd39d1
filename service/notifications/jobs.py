"""Outbox delivery that never claims more than happened.

E-mail goes through SMTP when CIVIC_SMTP_HOST is set; without a host it is only logged, and
only in dev/test. There is no SMS gateway: SMS are logged in dev/test, and in production they
stay unsent with last_error saying why. Webhooks have their own sender (delivery.py).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.config import Env, Settings, load_settings
from service.notifications import attachments, delivery
from service.notifications import email as mail
from service.notifications.models import Outbox, OutboxKind
from service.notifications.service import mask_recipient

log = logging.getLogger(__name__)
BATCH = 200
NO_SMS_GATEWAY = "no SMS gateway configured"
NO_SMTP_HOST = "no SMTP host configured (CIVIC_SMTP_HOST)"


class Route(StrEnum):
    SMTP = "smtp"
    LOG = "log"


@dataclass
class Delivered:
    """What one run did: handed to SMTP, written to the log only, failed, newly held back."""

    sent: int = 0
    logged: int = 0
    failed: int = 0
    held: int = 0  # rows newly marked as unsendable here (no SMS gateway, no SMTP host in prod)


def routes(settings: Settings) -> dict[OutboxKind, Route | str]:
    """How each kind leaves in this environment: a Route, or the reason it cannot leave."""
    console = settings.env in (Env.DEV, Env.TEST)
    email: Route | str = (
        Route.SMTP if settings.smtp_host else Route.LOG if console else NO_SMTP_HOST
    )
    sms: Route | str = Route.LOG if console else NO_SMS_GATEWAY
    return {OutboxKind.EMAIL: email, OutboxKind.SMS: sms}


def deliver_messages(
    session: Session,
    now: datetime,
    *,
    settings: Settings,
    smtp_class: mail.SmtpFactory | None = None,
) -> Delivered:
    """Each due e-mail/SMS once: sent, logged, or failed with a back-off; never marked sent
    unless it was handed to SMTP or (dev/test only) written to the log."""
    result = Delivered()
    plan = routes(settings)
    for kind, route in plan.items():
        if not isinstance(route, Route):
            # One statement, and only rows not yet marked: running it again changes nothing.
            held = session.execute(
                update(Outbox)
                .where(
                    col(Outbox.kind) == kind,
                    col(Outbox.sent_at).is_(None),
                    col(Outbox.last_error) != route,
                )
                .values(last_error=route)
            )
            result.held += held.rowcount or 0  # type: ignore[attr-defined]
    deliverable = [kind for kind, route in plan.items() if isinstance(route, Route)]
    if not deliverable:
        return result
    due = session.exec(
        select(Outbox)
        .where(
            col(Outbox.kind).in_(deliverable),
            col(Outbox.sent_at).is_(None),
            col(Outbox.available_at) <= now,
            col(Outbox.attempts) < settings.outbox_max_attempts,
        )
        .order_by(col(Outbox.available_at), col(Outbox.id))
        .limit(BATCH)
        # A second scheduler skips the rows this one is sending instead of sending them twice.
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        return result
    mailer = mail.Mailer(settings, smtp_class) if plan[OutboxKind.EMAIL] is Route.SMTP else None
    try:
        for message in due:
            if plan[message.kind] is Route.LOG:
                _to_log(message, now)
                result.logged += 1
            elif mailer is not None and _by_smtp(session, mailer, message, now, settings):
                result.sent += 1
            else:
                result.failed += 1
            session.add(message)
    finally:
        if mailer is not None:
            mailer.close()
    session.flush()
    return result


def _to_log(message: Outbox, now: datetime) -> None:
    # Recipients are personal data: the log gets a masked form, the body only at debug.
    log.info(
        "outbox %s %s to %s (logged only, no real delivery): %s%s",
        message.id,
        message.kind.value,
        mask_recipient(message.recipient),
        message.subject,
        "".join(f" [+ {r.get('filename', '')}]" for r in attachments.refs_of(message.payload)),
    )
    log.debug("outbox %s body:\n%s", message.id, message.body)
    message.attempts += 1
    message.sent_at = now
    message.last_error = ""


def _by_smtp(
    session: Session, mailer: mail.Mailer, message: Outbox, now: datetime, settings: Settings
) -> bool:
    assert message.id is not None
    message.attempts += 1
    try:
        # Attachments are made now from what the payload names (a report's PDF from its
        # frozen snapshot): the same bytes on every attempt, and no file kept in the row.
        refs = attachments.refs_of(message.payload)
        files = [attachments.make(session, r, settings) for r in refs]
        email = mail.build(
            settings,
            to=message.recipient,
            subject=message.subject,
            body=message.body,
            message_id=mail.message_id(settings, message.id),
            at=now,
            attachments=files,
        )
        mailer.send(email)
    except (smtplib.SMTPException, OSError, attachments.AttachmentError) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        message.available_at = now + delivery.backoff(
            message.attempts, settings.outbox_backoff_cap_minutes
        )
        log.warning(
            "outbox %s e-mail to %s failed (attempt %d): %s",
            message.id,
            mask_recipient(message.recipient),
            message.attempts,
            message.last_error,
        )
        return False
    message.sent_at = now
    message.last_error = ""
    log.info("outbox %s e-mail sent to %s", message.id, mask_recipient(message.recipient))
    return True


def deliver_outbox(session: Session, now: datetime) -> None:
    """Scheduled job: e-mail and SMS as this environment can honestly deliver them."""
    deliver_messages(session, now, settings=load_settings())


def deliver_webhooks(session: Session, now: datetime) -> None:
    """Scheduled job: one attempt for every due webhook message; failures wait their back-off."""
    delivery.deliver_due(session, now)
