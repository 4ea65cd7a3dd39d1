"""Each role reaches what it should and nothing else; a handler cannot read, change or guess
another unit's ticket (it answers 404, exactly like a number that does not exist)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from service.auth.models import Role, User
from service.config import Settings
from service.tickets.models import TicketAssist
from tests.auth.staff import csrf_token, make_user, quick_ticket, sign_in_as
from tests.factories import make_unit

OPERATOR, DISPATCHER, SUPERVISOR, DEPUTY, ADMIN = (
    "operator",
    "dispatcher",
    "supervisor",
    "deputy",
    "admin",
)
HANDLER_SAMR, HANDLER_URBAN, NOBODY = "handler-samr", "handler-urban", "signed-out"
STAFF = [OPERATOR, DISPATCHER, SUPERVISOR, DEPUTY, ADMIN, HANDLER_SAMR, HANDLER_URBAN]


@dataclass
class World:
    users: dict[str, User]
    numbers: dict[
        str, str
    ]  # samr (lead M-SAMR), urban (lead M-URBAN), shared (urban, SAMR assists)


@pytest.fixture
def world(session: Session) -> World:
    samr = make_unit(session, code="M-SAMR")
    urban = make_unit(session, code="M-URBAN", name_zh="市城管执法局")
    users = {
        name: make_user(session, username=name, role=Role(name))
        for name in (OPERATOR, DISPATCHER, SUPERVISOR, DEPUTY, ADMIN)
    }
    users[HANDLER_SAMR] = make_user(session, username=HANDLER_SAMR, role=Role.HANDLER, unit=samr)
    users[HANDLER_URBAN] = make_user(session, username=HANDLER_URBAN, role=Role.HANDLER, unit=urban)
    numbers = {}
    for i, (key, unit) in enumerate((("samr", samr), ("urban", urban), ("shared", urban))):
        ticket = quick_ticket(
            session, number=f"BT261129000{i + 1}", title=f"{key} ticket", lead=unit
        )
        numbers[key] = ticket.number
        if key == "shared":
            session.add(TicketAssist(ticket_id=ticket.id, unit_id=samr.id))  # type: ignore[arg-type]
    session.commit()
    return World(users, numbers)


def _allowed(roles: list[str], ok: int, denied: int = 403) -> list[tuple[str, int]]:
    return [(r, ok if r in roles else denied) for r in STAFF] + [(NOBODY, 303)]


HOTLINE = [OPERATOR, SUPERVISOR]
CALLBACKS = [OPERATOR, SUPERVISOR]
CATALOGUE = [DISPATCHER, ADMIN]
WORKBENCH = [DISPATCHER, SUPERVISOR, HANDLER_SAMR, HANDLER_URBAN]
OFFICE = [DISPATCHER, SUPERVISOR]
SUPERVISION = [SUPERVISOR, DEPUTY]


def _return_rows(key: str) -> list[tuple[str, int]]:
    """Only a handler of the lead unit may ask to return a ticket; others' units see a 404."""
    rows = [(r, 403) for r in STAFF if r not in (HANDLER_SAMR, HANDLER_URBAN)]
    lead, other = (HANDLER_SAMR, HANDLER_URBAN) if key == "samr" else (HANDLER_URBAN, HANDLER_SAMR)
    return [*rows, (lead, 200), (other, 404), (NOBODY, 303)]


READERS = [OPERATOR, DISPATCHER, SUPERVISOR, HANDLER_SAMR, HANDLER_URBAN]
# Deputies read reports and drill-downs; administrators run the system, not cases.
NO_TICKET_PAGE = [(DEPUTY, 403), (ADMIN, 403), (NOBODY, 303)]

# (path, [(role, expected status)]) for GET requests; {samr} etc. become ticket numbers.
GET_MATRIX: list[tuple[str, list[tuple[str, int]]]] = [
    ("/staff/hotline", _allowed(HOTLINE, 200)),
    ("/staff/hotline/lookup?caller_phone=138", _allowed(HOTLINE, 200)),
    ("/staff/hotline/knowledge?knowledge_q=x", _allowed(HOTLINE, 200)),
    ("/staff/calls/missed", _allowed(HOTLINE, 200)),
    ("/staff/admin/users", _allowed([ADMIN], 200)),
    ("/staff/admin/units", _allowed([ADMIN], 200)),
    ("/staff/admin/roles", _allowed([ADMIN], 200)),
    ("/staff/admin/knowledge", _allowed([ADMIN], 200)),
    (
        "/staff/tickets/{samr}",
        [(r, 200) for r in READERS if r != HANDLER_URBAN] + [(HANDLER_URBAN, 404), *NO_TICKET_PAGE],
    ),
    (
        "/staff/tickets/{urban}",
        [(r, 200) for r in READERS if r != HANDLER_SAMR] + [(HANDLER_SAMR, 404), *NO_TICKET_PAGE],
    ),
    # An assisting unit sees the ticket it assists on.
    (
        "/staff/tickets/{shared}",
        [(r, 200) for r in READERS] + [(DEPUTY, 403), (ADMIN, 403), (NOBODY, 303)],
    ),
    # Guessing: a number that does not exist answers like another unit's ticket.
    (
        "/staff/tickets/BT0000000000",
        [(r, 404) for r in READERS] + [(DEPUTY, 403), (ADMIN, 403), (NOBODY, 303)],
    ),
    ("/api/v1/staff/me", [(r, 200) for r in STAFF] + [(NOBODY, 401)]),
    # Callbacks are the hotline office's; appeals are decided by supervisors.
    ("/staff/callbacks", _allowed(CALLBACKS, 200)),
    ("/staff/appeals", _allowed([SUPERVISOR], 200)),
    # Dispatch is case work; the catalogue is configuration that administrators keep.
    ("/staff/routing/triage", _allowed([DISPATCHER], 200)),
    ("/staff/routing/tickets/{samr}/dispatch", _allowed([DISPATCHER], 200)),
    ("/staff/routing/rules", _allowed(CATALOGUE, 200)),
    ("/staff/routing/try", _allowed(CATALOGUE, 200)),
    ("/staff/routing/replay", _allowed(CATALOGUE, 200)),
    ("/staff/routing/stats", _allowed(CATALOGUE, 200)),
    ("/staff/routing/tickets/{samr}/return", _return_rows("samr")),
    ("/staff/webhooks", _allowed([ADMIN], 200)),
    # The workbench: a handler's own unit, the office's view of every unit.
    ("/staff/workbench", _allowed(WORKBENCH, 200)),
    ("/staff/workbench/extensions", _allowed([DISPATCHER], 200)),
    ("/staff/workbench/replies", _allowed(OFFICE, 200)),
    (
        "/staff/workbench/tickets/{samr}",
        [(r, 200) for r in (DISPATCHER, SUPERVISOR, HANDLER_SAMR)]
        + [(HANDLER_URBAN, 404), (OPERATOR, 403), (DEPUTY, 403), (ADMIN, 403), (NOBODY, 303)],
    ),
    # Supervision: supervisors and the read-only deputies.
    ("/staff/supervision", _allowed(SUPERVISION, 200)),
    ("/staff/supervision/tickets?month=2026-11&dimension=city", _allowed(SUPERVISION, 200)),
    ("/staff/supervision/reports", _allowed(SUPERVISION, 200)),
    ("/staff/supervision/revisions", _allowed(SUPERVISION, 200)),
    ("/staff/supervision/hot-topics", _allowed(SUPERVISION, 200)),
    ("/staff/supervision/leagues?period=2026-11", _allowed(SUPERVISION, 200)),
    # The city's vulnerable-group targets: the office head, or an administrator for the city.
    ("/staff/supervision/targets", _allowed([SUPERVISOR, ADMIN], 200)),
]

POST_MATRIX: list[tuple[str, str, dict[str, str], list[tuple[str, int]]]] = [
    # (path, page that carries the form, data, expectations)
    (
        "/staff/tickets/{urban}/unmask",
        "/staff/login",
        {"reason": "caller asked for a callback"},
        [(OPERATOR, 303), (DISPATCHER, 303), (SUPERVISOR, 303), (HANDLER_URBAN, 303)]
        + [(HANDLER_SAMR, 404), (DEPUTY, 403), (ADMIN, 403), (NOBODY, 303)],
    ),
    (
        "/staff/hotline",
        "/staff/login",
        {"outcome": "lookup", "caller_phone": "13800000000"},
        _allowed(HOTLINE, 200),
    ),
    (
        "/staff/admin/units",
        "/staff/login",
        {"code": "X-NEW", "name_zh": "新单位", "unit_class": "municipal_department"},
        _allowed([ADMIN], 303),
    ),
]


def _cases() -> list[tuple[str, str, str, int]]:
    cases = [("GET", path, role, status) for path, rows in GET_MATRIX for role, status in rows]
    cases += [
        ("POST", path, role, status) for path, _, _, rows in POST_MATRIX for role, status in rows
    ]
    return cases


@pytest.mark.parametrize(("method", "path", "role", "expected"), _cases())
def test_role_route_matrix(
    client: TestClient,
    session: Session,
    settings: Settings,
    world: World,
    method: str,
    path: str,
    role: str,
    expected: int,
) -> None:
    if role != NOBODY:
        sign_in_as(client, session, settings, world.users[role])

    def send(url: str) -> Response:
        if method == "GET":
            return client.get(url, follow_redirects=False)
        form_page, data = next((page, data) for p, page, data, _ in POST_MATRIX if p == path)
        token = csrf_token(client, form_page)
        return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)

    url = path.format(**world.numbers)
    response = send(url)
    assert response.status_code == expected, (role, method, url, response.text[:300])
    if expected == 303 and role == NOBODY:
        assert response.headers["location"].startswith("/staff/login?next=")
    if expected == 404:
        # No hint whether the ticket exists: the same page as for a made-up number.
        ghost = send(path.format(**dict.fromkeys(world.numbers, "BT0000000000")))
        assert ghost.status_code == 404
        assert _main(response.text) == _main(ghost.text)
        assert "没有" in _main(response.text)  # a message in the page's language, not a blank


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_a_handler_never_sees_another_units_ticket_in_any_list(
    session: Session, world: World
) -> None:
    from sqlmodel import select

    from service.tickets.access import visible_tickets
    from service.tickets.models import Ticket

    def titles(user: User) -> set[str]:
        return set(session.exec(select(Ticket.title).where(visible_tickets(user))))

    assert titles(world.users[HANDLER_SAMR]) == {"samr ticket", "shared ticket"}
    assert titles(world.users[HANDLER_URBAN]) == {"urban ticket", "shared ticket"}
    assert titles(world.users[OPERATOR]) == {"samr ticket", "urban ticket", "shared ticket"}
    assert titles(world.users[ADMIN]) == set()
