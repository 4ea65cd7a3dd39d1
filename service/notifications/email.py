"""E-mail over SMTP: one connection per delivery batch, reopened after a failure."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from types import TracebackType
from typing import Protocol

from service.config import Settings
from service.notifications.attachments import Attachment


class SmtpClient(Protocol):
    """What the mailer uses of smtplib.SMTP (tests pass a fake class with these methods)."""

    def starttls(self) -> object: ...
    def login(self, user: str, password: str) -> object: ...
    def send_message(self, msg: EmailMessage) -> object: ...
    def quit(self) -> object: ...
    def close(self) -> None: ...


class SmtpFactory(Protocol):
    def __call__(self, host: str, port: int, *, timeout: float) -> SmtpClient: ...


def build(
    settings: Settings,
    *,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    at: datetime,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A plain-text message, with files attached when given; the Message-ID is fixed per
    outbox row, so a resend is recognisable."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id
    message.set_content(body)
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(
            item.body, maintype=maintype, subtype=subtype or "octet-stream", filename=item.filename
        )
    return message


def message_id(settings: Settings, outbox_id: int) -> str:
    domain = settings.smtp_from.rpartition("@")[2] or "civic.invalid"
    return f"<civic-outbox-{outbox_id}@{domain}>"


class Mailer:
    """Sends through CIVIC_SMTP_HOST; connects on the first message and after any failure."""

    def __init__(self, settings: Settings, smtp_class: SmtpFactory | None = None) -> None:
        if not settings.smtp_host:
            raise ValueError("CIVIC_SMTP_HOST is not set")
        self.settings = settings
        self.smtp_class: SmtpFactory = smtp_class or smtplib.SMTP
        self._smtp: SmtpClient | None = None

    def _connect(self) -> SmtpClient:
        s = self.settings
        smtp = self.smtp_class(s.smtp_host, s.smtp_port, timeout=30)
        try:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Raises smtplib.SMTPException or OSError when the server or the network refuses."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except BaseException:
            # The connection may be half-broken; the next message starts a fresh one.
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
