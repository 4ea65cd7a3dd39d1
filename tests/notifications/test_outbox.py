"""The outbox: messages written with the change, delivered honestly and exactly once.

E-mail goes through SMTP when a host is set (a fake SMTP class here, no network); without a
host, e-mail and SMS are only logged, and only in dev/test. In production an SMS is never
marked sent: there is no gateway, and the row says so.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlmodel import Session, col, select

from service import clock
from service.config import Settings
from service.notifications import service as outbox
from service.notifications.jobs import (
    NO_SMS_GATEWAY,
    NO_SMTP_HOST,
    deliver_messages,
    deliver_outbox,
)
from service.notifications.models import Outbox, OutboxKind
from service.scheduler import JOBS


class FakeSmtp:
    """Stands in for smtplib.SMTP: records connections and messages, fails when told to."""

    instances: list[FakeSmtp] = []
    refuse: set[str] = set()  # recipients the server refuses
    unreachable = False

    def __init__(self, host: str, port: int, *, timeout: float) -> None:
        if FakeSmtp.unreachable:
            raise ConnectionRefusedError(111, "Connection refused")
        self.host, self.port = host, port
        self.calls: list[str] = []
        self.sent: list[EmailMessage] = []
        FakeSmtp.instances.append(self)

    def starttls(self) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")

    def send_message(self, msg: EmailMessage) -> dict[str, Any]:
        if msg["To"] in FakeSmtp.refuse:
            raise smtplib.SMTPRecipientsRefused({msg["To"]: (550, b"mailbox unavailable")})
        self.sent.append(msg)
        return {}

    def quit(self) -> None:
        self.calls.append("quit")

    def close(self) -> None:
        self.calls.append("close")


@pytest.fixture(autouse=True)
def _fresh_fake() -> None:
    FakeSmtp.instances = []
    FakeSmtp.refuse = set()
    FakeSmtp.unreachable = False


def _sent_by_fake() -> list[EmailMessage]:
    return [m for smtp in FakeSmtp.instances for m in smtp.sent]


def _queue(session: Session) -> tuple[Outbox, Outbox]:
    sms = outbox.enqueue(
        session, kind=OutboxKind.SMS, recipient="+8613812345678", body="您的诉求已受理"
    )
    email = outbox.enqueue(
        session,
        kind=OutboxKind.EMAIL,
        recipient="zhang@example.com",
        subject="您的诉求 BT2611290001",
        body="请评价：https://12345.example/survey/abc",
    )
    session.commit()
    return sms, email


def _prod(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"env": "prod", **changes})


def test_in_dev_and_test_without_smtp_both_kinds_are_logged_once_with_masked_recipients(
    session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    now = clock.now()
    with clock.frozen(now):
        sms, email = _queue(session)
        later = outbox.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            recipient="li@example.com",
            subject="later",
            available_at=now + timedelta(hours=1),
        )
    session.commit()
    with caplog.at_level(logging.INFO, logger="service.notifications.jobs"):
        first = deliver_messages(session, now, settings=settings)
        second = deliver_messages(session, now, settings=settings)
    session.commit()
    assert (first.logged, second.logged) == (2, 0)
    assert sms.sent_at == now and sms.attempts == 1
    assert email.sent_at == now and email.attempts == 1
    assert later.sent_at is None and later.attempts == 0
    assert len(caplog.records) == 2 and "logged only" in caplog.text
    assert "+861****78" in caplog.text and "z***@example.com" in caplog.text
    assert "13812345678" not in caplog.text and "zhang@" not in caplog.text


def test_with_an_smtp_host_e_mail_goes_through_smtp_and_sms_is_still_only_logged(
    session: Session, settings: Settings
) -> None:
    settings = settings.model_copy(
        update={
            "smtp_host": "smtp.example.invalid",
            "smtp_port": 2525,
            "smtp_username": "civic",
            "smtp_password": "pw",
            "smtp_from": "12345@baotou.example",
        }
    )
    sms, email = _queue(session)
    now = clock.now()
    result = deliver_messages(session, now, settings=settings, smtp_class=FakeSmtp)
    again = deliver_messages(session, now, settings=settings, smtp_class=FakeSmtp)
    session.commit()
    assert (result.sent, result.logged, again.sent) == (1, 1, 0)
    (smtp,) = FakeSmtp.instances
    assert (smtp.host, smtp.port) == ("smtp.example.invalid", 2525)
    assert smtp.calls == ["starttls", "login civic", "quit"]
    (message,) = smtp.sent
    assert message["To"] == "zhang@example.com" and message["From"] == "12345@baotou.example"
    assert message["Subject"] == "您的诉求 BT2611290001"
    assert "https://12345.example/survey/abc" in message.get_content()
    assert message["Message-ID"] == f"<civic-outbox-{email.id}@baotou.example>"
    assert email.sent_at == now and email.last_error == ""
    assert sms.sent_at == now  # test environment: logged


def test_a_refused_or_unreachable_server_leaves_the_message_pending_and_retries_later(
    session: Session, settings: Settings
) -> None:
    settings = settings.model_copy(
        update={"smtp_host": "smtp.example.invalid", "outbox_max_attempts": 3}
    )
    email = outbox.enqueue(session, kind=OutboxKind.EMAIL, recipient="a@example.com", subject="s")
    session.commit()
    now = clock.now()
    FakeSmtp.unreachable = True
    result = deliver_messages(session, now, settings=settings, smtp_class=FakeSmtp)
    session.commit()
    assert result.failed == 1 and email.sent_at is None and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.available_at == now + timedelta(minutes=2)
    # Until the back-off is over, another run does not touch it.
    assert deliver_messages(session, now, settings=settings, smtp_class=FakeSmtp).failed == 0

    FakeSmtp.unreachable = False
    FakeSmtp.refuse = {"a@example.com"}
    later = now + timedelta(minutes=2)
    deliver_messages(session, later, settings=settings, smtp_class=FakeSmtp)
    session.commit()
    assert email.sent_at is None and email.attempts == 2 and "550" in email.last_error
    assert email.available_at == later + timedelta(minutes=4)
    deliver_messages(session, email.available_at, settings=settings, smtp_class=FakeSmtp)
    # Three attempts is the limit here: the message stays unsent, with its last error.
    assert email.attempts == 3
    FakeSmtp.refuse = set()
    deliver_messages(session, now + timedelta(days=1), settings=settings, smtp_class=FakeSmtp)
    session.commit()
    assert email.attempts == 3 and email.sent_at is None and _sent_by_fake() == []


def test_one_bad_address_does_not_stop_the_rest_of_the_batch(
    session: Session, settings: Settings
) -> None:
    settings = settings.model_copy(update={"smtp_host": "smtp.example.invalid"})
    for address in ("a@example.com", "bad@example.com", "c@example.com"):
        outbox.enqueue(session, kind=OutboxKind.EMAIL, recipient=address, subject="s")
    session.commit()
    FakeSmtp.refuse = {"bad@example.com"}
    result = deliver_messages(session, clock.now(), settings=settings, smtp_class=FakeSmtp)
    assert (result.sent, result.failed) == (2, 1)
    assert [m["To"] for m in _sent_by_fake()] == ["a@example.com", "c@example.com"]


def test_in_production_sms_is_never_marked_sent_and_says_why(
    session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    sms, email = _queue(session)
    webhook = outbox.enqueue(
        session, kind=OutboxKind.WEBHOOK, recipient="https://unit.example/hook", body="{}"
    )
    session.commit()
    prod = _prod(settings)
    now = clock.now()
    with caplog.at_level(logging.INFO, logger="service.notifications.jobs"):
        first = deliver_messages(session, now, settings=prod)
        second = deliver_messages(session, now + timedelta(hours=1), settings=prod)
    session.commit()
    session.expire_all()
    assert (first.held, second.held) == (2, 0)  # idempotent: the second run changes nothing
    rows = {m.kind: m for m in session.exec(select(Outbox).order_by(col(Outbox.id)))}
    assert rows[OutboxKind.SMS].sent_at is None and rows[OutboxKind.SMS].attempts == 0
    assert rows[OutboxKind.SMS].last_error == NO_SMS_GATEWAY
    # Production without an SMTP host does not pretend either.
    assert (
        rows[OutboxKind.EMAIL].sent_at is None and rows[OutboxKind.EMAIL].last_error == NO_SMTP_HOST
    )
    # Webhooks belong to their own sender.
    assert rows[OutboxKind.WEBHOOK].last_error == "" and rows[OutboxKind.WEBHOOK].sent_at is None
    assert "logged only" not in caplog.text
    assert (sms.id, email.id, webhook.id) == (
        rows[OutboxKind.SMS].id,
        rows[OutboxKind.EMAIL].id,
        rows[OutboxKind.WEBHOOK].id,
    )

    # Once an SMTP host is configured, the held e-mail goes out; the SMS still waits.
    with_smtp = _prod(settings, smtp_host="smtp.example.invalid")
    result = deliver_messages(session, now, settings=with_smtp, smtp_class=FakeSmtp)
    session.commit()
    session.expire_all()
    assert result.sent == 1 and [m["To"] for m in _sent_by_fake()] == ["zhang@example.com"]
    rows = {m.kind: m for m in session.exec(select(Outbox))}
    assert rows[OutboxKind.EMAIL].sent_at == now and rows[OutboxKind.EMAIL].last_error == ""
    assert rows[OutboxKind.SMS].sent_at is None


def test_the_job_reads_the_environment_and_is_registered(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVIC_ENV", "prod")
    monkeypatch.setenv("CIVIC_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("CIVIC_SMTP_HOST", raising=False)
    sms, _ = _queue(session)
    deliver_outbox(session, clock.now())
    session.commit()
    assert sms.sent_at is None and sms.last_error == NO_SMS_GATEWAY
    names = {job.name for job in JOBS}
    assert {"deliver_outbox", "deliver_webhooks", "survey_links"} <= names
    assert "deliver_outbox_to_log" not in names


def test_a_rolled_back_request_leaves_no_message(session: Session) -> None:
    outbox.enqueue(session, kind=OutboxKind.SMS, recipient="+8613812345678", body="x")
    session.rollback()
    assert session.exec(select(Outbox)).all() == []
