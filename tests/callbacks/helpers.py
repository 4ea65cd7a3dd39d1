"""Staff users without password hashing, signing in through the auth seam, and tickets
walked through the real transitions to the callback stage."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.deps import get_current_user
from service.auth.models import User
from service.places.models import Unit
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, TicketType
from service.tickets.states import Action
from tests.conftest import TEST_SECRET
from tests.factories import TZ
from tests.factories import make_user as make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, user: User) -> None:
    client.app.dependency_overrides[get_current_user] = lambda: user  # type: ignore[attr-defined]


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def submit(client: TestClient, page: str, action: str, data: dict[str, Any]) -> Any:
    """Open the page, take its form's token, post the form as a browser would."""
    html = client.get(page).text
    return client.post(action, data={**data, "csrf_token": csrf_of(html)}, follow_redirects=False)


def ticket_awaiting_callback(
    session: Session, unit: Unit, *, channel: Channel = Channel.HOTLINE, **requester: str
) -> Ticket:
    draft = tickets.TicketDraft(
        channel=channel,
        type=TicketType.COMPLAINT,
        title="超市卖假酒",
        description="在某超市买到假冒白酒。",
        requester_name=requester.get("name", "张三"),
        requester_phone=requester.get("phone", "13800000000"),
        requester_email=requester.get("email", ""),
    )
    ticket, _ = tickets.create_ticket(
        session, draft, actor=tickets.Actor.citizen(), prefix="BT", tz=TZ, secret_key=TEST_SECRET
    )
    actor = tickets.Actor.system()
    tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=actor)
    tickets.transition(
        session, ticket, Action.DISPATCH, actor=actor, changes={"lead_unit_id": unit.id}
    )
    tickets.transition(session, ticket, Action.SIGN_FOR, actor=actor)
    tickets.transition(
        session, ticket, Action.SUBMIT_REPLY, actor=actor, changes={"public_reply": "已查处"}
    )
    tickets.transition(session, ticket, Action.ACCEPT_REPLY, actor=actor)
    return ticket
