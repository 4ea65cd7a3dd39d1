"""Webhook messages for units' systems, queued in the outbox with the change that caused them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from service import clock
from service.catalogue.models import Category
from service.notifications.models import Outbox, OutboxKind
from service.notifications.webhook_models import WebhookDelivery, WebhookEndpoint
from service.places.models import Area, Unit
from service.tickets.models import Ticket

TICKET_DISPATCHED = "ticket.dispatched"


class EndpointError(ValueError):
    """An endpoint URL we will not post to."""


def new_secret() -> str:
    return secrets.token_hex(32)


def check_url(url: str, *, allow_http: bool) -> str:
    """An absolute http(s) URL; plain http only outside production."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise EndpointError("Give a full URL starting with https://")
    if parts.scheme == "http" and not allow_http:
        raise EndpointError("Use https:// in production.")
    if len(url) > 500:
        raise EndpointError("The URL is too long (500 characters at most).")
    return url


def add_endpoint(session: Session, *, unit: Unit, url: str, allow_http: bool) -> WebhookEndpoint:
    assert unit.id is not None
    endpoint = WebhookEndpoint(
        unit_id=unit.id,
        url=check_url(url, allow_http=allow_http),
        secret=new_secret(),
        created_at=clock.now(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def enable(session: Session, endpoint: WebhookEndpoint) -> None:
    """Turn a disabled endpoint back on with a clean failure count."""
    endpoint.active = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    session.flush()


def ticket_payload(session: Session, ticket: Ticket, *, role: str) -> dict[str, Any]:
    """What a unit's system receives; a confidential or anonymous ticket carries no identity."""
    category = session.get(Category, ticket.category_id) if ticket.category_id else None
    district = session.get(Area, ticket.district_id) if ticket.district_id else None
    street = session.get(Area, ticket.street_id) if ticket.street_id else None
    hide = ticket.confidential or ticket.anonymous
    return {
        "number": ticket.number,
        "role": role,
        "type": ticket.type.value,
        "urgency": ticket.urgency.value,
        "category": category.code if category else None,
        "district": district.code if district else None,
        "street": street.code if street else None,
        "address": ticket.address,
        "title": ticket.title,
        "description": ticket.description,
        "request": ticket.request_text,
        "requester": None
        if hide
        else {"name": ticket.requester_name, "phone": ticket.requester_phone},
        "due": {
            "sign_for": ticket.sign_for_due.isoformat() if ticket.sign_for_due else None,
            "contact": ticket.contact_due.isoformat() if ticket.contact_due else None,
            "handling": ticket.handling_due.isoformat() if ticket.handling_due else None,
        },
    }


def queue_dispatch(
    session: Session, ticket: Ticket, *, lead: Unit, assisting: Sequence[Unit], decision: Any
) -> list[Outbox]:
    """One outbox message per active endpoint of the lead and assisting units."""
    targets = [(lead, "lead"), *[(u, "assisting") for u in assisting]]
    ids = [u.id for u, _ in targets]
    endpoints = list(
        session.exec(
            select(WebhookEndpoint).where(
                col(WebhookEndpoint.unit_id).in_(ids), col(WebhookEndpoint.active)
            )
        )
    )
    if not endpoints:
        return []
    roles = {u.id: role for u, role in targets}
    now = clock.now()
    queued = []
    for endpoint in endpoints:
        body = {
            "event": TICKET_DISPATCHED,
            "at": now.isoformat(),
            "ticket": ticket_payload(session, ticket, role=roles[endpoint.unit_id]),
        }
        message = Outbox(
            kind=OutboxKind.WEBHOOK,
            recipient=endpoint.url[:255],
            subject=TICKET_DISPATCHED,
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
            payload={"endpoint_id": endpoint.id, "ticket": ticket.number},
            created_at=now,
            available_at=now,
        )
        session.add(message)
        queued.append(message)
    session.flush()
    return queued


def endpoints(session: Session) -> list[tuple[WebhookEndpoint, Unit]]:
    return [
        (e, u)
        for e, u in session.exec(
            select(WebhookEndpoint, Unit)
            .join(Unit, col(Unit.id) == WebhookEndpoint.unit_id)
            .order_by(col(Unit.code), col(WebhookEndpoint.id))
        )
    ]


def deliveries(
    session: Session, endpoint_id: int, *, page: int, per_page: int = 50
) -> list[tuple[WebhookDelivery, Outbox]]:
    """An endpoint's attempts, newest first, with the message each one carried."""
    return [
        (d, m)
        for d, m in session.exec(
            select(WebhookDelivery, Outbox)
            .join(Outbox, col(Outbox.id) == WebhookDelivery.outbox_id)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(col(WebhookDelivery.id).desc())
            .offset(max(0, page - 1) * per_page)
            .limit(per_page)
        )
    ]


def redeliver(session: Session, message: Outbox) -> None:
    """Send a webhook message again at the next run, whatever happened to it before."""
    if message.kind is not OutboxKind.WEBHOOK:
        raise EndpointError("only webhook messages can be redelivered here")
    message.sent_at = None
    message.available_at = clock.now()
    session.flush()
