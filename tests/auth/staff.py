"""Staff users and signed-in test clients; sessions are made directly (sign-in is tested apart)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.auth import sessions
from service.auth.deps import SESSION_COOKIE
from service.auth.models import Role, User
from service.auth.secrets import hash_password
from service.config import Settings
from service.places.models import Unit
from service.tickets.models import Channel, Ticket, TicketType
from service.tickets.states import Status
from tests import factories

PASSWORD = "correct horse battery"
# argon2 is slow on purpose; one hash serves every test user.
PASSWORD_HASH = hash_password(PASSWORD)


def make_user(
    session: Session,
    *,
    username: str,
    role: Role,
    unit: Unit | None = None,
    active: bool = True,
) -> User:
    """A staff user who can also sign in through the form with PASSWORD."""
    return factories.make_user(
        session, username, role, unit, password_hash=PASSWORD_HASH, active=active
    )


def sign_in_as(client: TestClient, session: Session, settings: Settings, user: User) -> None:
    """Give the client a live session cookie for this user."""
    token = sessions.start(session, settings, user, addr="testclient")
    session.commit()
    client.cookies.set(SESSION_COOKIE, token)


def csrf_token(client: TestClient, path: str) -> str:
    """The CSRF token of the form on a page (the GET also sets the browser cookie)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, f"no form on {path}"
    return match.group(1)


def quick_ticket(
    session: Session,
    *,
    number: str,
    title: str = "超市卖假酒",
    phone: str = "13800000000",
    name: str = "张三丰",
    status: Status = Status.PENDING_DISPATCH,
    lead: Unit | None = None,
    confidential: bool = False,
) -> Ticket:
    """A ticket row without the (deliberately slow) access-code hash of create_ticket."""
    at = clock.now()
    ticket = Ticket(
        number=number,
        channel=Channel.WEB,
        type=TicketType.COMPLAINT,
        status=status,
        title=title,
        description="在某超市买到假冒白酒。",
        requester_name=name,
        requester_phone=phone,
        confidential=confidential,
        lead_unit_id=lead.id if lead else None,
        created_at=at,
        updated_at=at,
    )
    session.add(ticket)
    session.flush()
    return ticket
