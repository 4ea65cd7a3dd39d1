"""Dispatch reaches a unit's system as a signed webhook: retried with back-off, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import Session, select

from service import clock
from service.config import Settings
from service.notifications import delivery, webhooks
from service.notifications.models import Outbox, OutboxKind
from service.notifications.webhook_models import WebhookDelivery, WebhookEndpoint
from service.routing import service as routing
from tests.routing.helpers import make_world, new_ticket

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _check_signature(request: httpx.Request, secret: str) -> None:
    """What a receiving unit does: recompute HMAC-SHA256 over `t.body`."""
    fields = dict(p.split("=", 1) for p in request.headers["X-Civic-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), fields["t"].encode() + b"." + request.content, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"])


def test_fails_twice_then_succeeds_is_received_once_with_a_valid_signature(
    session: Session, settings: Settings
) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        endpoint = webhooks.add_endpoint(
            session, unit=world.samr, url="https://samr.example/hook", allow_http=False
        )
        ticket = new_ticket(session, world, category_id=world.fake_id)
        routing.route_new_ticket(session, ticket, settings=settings)
        session.commit()
    message = session.exec(select(Outbox).where(Outbox.kind == OutboxKind.WEBHOOK)).one()

    received: list[dict[str, object]] = []
    responses = iter(["down", 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        _check_signature(request, endpoint.secret)
        outcome = next(responses)
        if outcome == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if outcome == 200:
            received.append(json.loads(request.content))
        return httpx.Response(int(outcome))

    client = httpx.Client(transport=httpx.MockTransport(handler))
    now = T0
    for _ in range(3):
        assert delivery.deliver_due(session, now, client=client, settings=settings) == 1
        # Nothing is due again before the back-off has passed.
        assert delivery.deliver_due(session, now, client=client, settings=settings) == 0
        session.commit()
        now = message.available_at + timedelta(seconds=1)
    assert (
        delivery.deliver_due(session, now + timedelta(days=1), client=client, settings=settings)
        == 0
    )

    attempts = session.exec(select(WebhookDelivery).order_by(WebhookDelivery.attempt)).all()
    assert [(a.attempt, a.success, a.status_code) for a in attempts] == [
        (1, False, None),
        (2, False, 503),
        (3, True, 200),
    ]
    assert "ConnectError" in attempts[0].error
    assert attempts[1].at - attempts[0].at >= timedelta(minutes=2)  # 2^1 minutes
    assert attempts[2].at - attempts[1].at >= timedelta(minutes=4)  # 2^2 minutes
    assert len(received) == 1
    assert received[0]["event"] == "ticket.dispatched"
    assert received[0]["ticket"]["number"] == ticket.number  # type: ignore[index]
    assert message.sent_at is not None and message.attempts == 3
    assert session.get(WebhookEndpoint, endpoint.id).consecutive_failures == 0  # type: ignore[union-attr]


def test_an_endpoint_is_disabled_after_n_failures_in_a_row(
    session: Session, settings: Settings
) -> None:
    settings = settings.model_copy(update={"webhook_disable_after": 2})
    with clock.frozen(T0):
        world = make_world(session)
        endpoint = webhooks.add_endpoint(
            session, unit=world.samr, url="https://samr.example/hook", allow_http=False
        )
        ticket = new_ticket(session, world, category_id=world.fake_id)
        routing.route_new_ticket(session, ticket, settings=settings)
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    delivery.deliver_due(session, T0, client=client, settings=settings)
    delivery.deliver_due(session, T0 + timedelta(hours=1), client=client, settings=settings)
    assert not endpoint.active and endpoint.disabled_at is not None
    assert (
        delivery.deliver_due(session, T0 + timedelta(days=1), client=client, settings=settings) == 0
    )


def test_confidential_tickets_go_out_without_identity(session: Session, settings: Settings) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        webhooks.add_endpoint(
            session, unit=world.samr, url="https://samr.example/h", allow_http=False
        )
        ticket = new_ticket(session, world, category_id=world.fake_id)
        ticket.confidential = True
        routing.route_new_ticket(session, ticket, settings=settings)
    body = json.loads(session.exec(select(Outbox)).one().body)
    assert body["ticket"]["requester"] is None
    assert "13800000000" not in json.dumps(body)


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [delivery.backoff(n, 60).total_seconds() / 60 for n in (1, 2, 3, 6, 7, 40)] == [
        2,
        4,
        8,
        60,
        60,
        60,
    ]


def test_verify_rejects_a_tampered_body_or_an_old_timestamp() -> None:
    now = T0
    header = delivery.signature_header("s3cret", int(now.timestamp()), b'{"a":1}')
    assert delivery.verify("s3cret", header, b'{"a":1}', now=now)
    assert not delivery.verify("s3cret", header, b'{"a":2}', now=now)
    assert not delivery.verify("s3cret", header, b'{"a":1}', now=now + timedelta(hours=1))
    assert not delivery.verify("other", header, b'{"a":1}', now=now)
