"""E-mail through SMTP when CIVIC_SMTP_HOST is set; otherwise a console sink (the log) in dev."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from service.config import Settings

log = logging.getLogger(__name__)


class EmailNotConfiguredError(RuntimeError):
    """Production without an SMTP host: the message stays in the outbox."""


def build(settings: Settings, *, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send(settings: Settings, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; without a host, print it in dev and refuse in production."""
    message = build(settings, to=to, subject=subject, body=body)
    if not settings.smtp_host:
        if settings.is_prod:
            raise EmailNotConfiguredError("CIVIC_SMTP_HOST is not set")
        log.info("e-mail (console sink, no SMTP host):\n%s", message.as_string())
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
