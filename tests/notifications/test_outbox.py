"""The outbox: messages written with the change, delivered (in dev: logged) exactly once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from service import clock
from service.notifications import service as outbox
from service.notifications.jobs import deliver_outbox_to_log
from service.notifications.models import Outbox, OutboxKind
from service.scheduler import JOBS


def test_due_messages_are_logged_once_and_marked_sent(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    now = clock.now()
    with clock.frozen(now):
        outbox.enqueue(session, kind=OutboxKind.SMS, recipient="+8613812345678", body="您的诉求已受理")
        outbox.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            recipient="zhang@example.com",
            subject="later",
            available_at=now + timedelta(hours=1),
        )
    session.commit()
    with caplog.at_level(logging.INFO, logger="service.notifications.jobs"):
        deliver_outbox_to_log(session, now)
        deliver_outbox_to_log(session, now)
    session.commit()
    sent = session.exec(select(Outbox).where(Outbox.kind == OutboxKind.SMS)).one()
    later = session.exec(select(Outbox).where(Outbox.kind == OutboxKind.EMAIL)).one()
    assert sent.sent_at == now and sent.attempts == 1
    assert later.sent_at is None and later.attempts == 0
    assert len(caplog.records) == 1 and "+86****78" in caplog.text and "13812345678" not in caplog.text


def test_a_rolled_back_request_leaves_no_message(session: Session) -> None:
    outbox.enqueue(session, kind=OutboxKind.SMS, recipient="+8613812345678", body="x")
    session.rollback()
    assert session.exec(select(Outbox)).all() == []


def test_the_jobs_are_registered() -> None:
    assert {"deliver_outbox_to_log", "prune_rate_limit_hits"} <= {job.name for job in JOBS}
