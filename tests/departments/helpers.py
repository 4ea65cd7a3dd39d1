"""Build a dispatched ticket and sign staff in; read forms off pages the way a browser does."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.auth.deps import get_current_user
from service.auth.models import User
from service.places.models import Unit
from service.sla import clocks
from service.sla.models import DeadlinePolicy
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketAssist
from service.tickets.states import Action
from tests.factories import make_ticket, make_unit
from tests.factories import make_user as make_user


def add_policy(session: Session, handling: str = "15wd") -> None:
    session.add(
        DeadlinePolicy(sign_for="1wd", first_contact="1wd", handling=handling, callback="3wd")
    )
    session.flush()


def dispatched_ticket(
    session: Session,
    *,
    at: datetime,
    lead: Unit,
    assisting: list[Unit] | None = None,
    title: str = "超市卖假酒",
) -> Ticket:
    """A ticket dispatched to `lead` at `at`, its clocks started by the policy table."""
    with clock.frozen(at):
        ticket, _ = make_ticket(session, title=title)
        system = tickets.Actor.system()
        tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=system)
        tickets.transition(
            session, ticket, Action.DISPATCH, actor=system, changes={"lead_unit_id": lead.id}
        )
        for unit in assisting or []:
            session.add(TicketAssist(ticket_id=ticket.id, unit_id=unit.id))
        clocks.start_clocks(session, ticket)
    session.flush()
    return ticket


def units(session: Session) -> tuple[Unit, Unit]:
    samr = make_unit(session, code="M-SAMR")
    samr.phone = "0472-1900001"
    urban = make_unit(session, code="M-URBAN", name_zh="市城管局")
    session.flush()
    return samr, urban


def sign_in(client: TestClient, user: User) -> None:
    """Stand in for the hotline branch's session sign-in."""
    client.app.dependency_overrides[get_current_user] = lambda: user  # type: ignore[attr-defined]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._current: dict[str, object] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "fields": {}}
            self.forms.append(self._current)
            return
        if self._current is None:
            return
        fields: dict[str, str] = self._current["fields"]  # type: ignore[assignment]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and ("selected" in a or self._select not in fields):
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea:
            fields: dict[str, str] = self._current["fields"]  # type: ignore[assignment]
            fields[self._textarea] += data


def form(html: str, action_ending: str) -> tuple[str, dict[str, str]]:
    """The form whose action ends with `action_ending`: its URL and the fields it would send."""
    parser = _Forms()
    parser.feed(html)
    for found in parser.forms:
        if str(found["action"]).endswith(action_ending):
            return str(found["action"]), dict(found["fields"])  # type: ignore[call-overload]
    raise AssertionError(f"no form posting to …{action_ending} on the page")


def submit(client: TestClient, page: str, action_ending: str, **changes: str) -> tuple[int, str]:
    """Open the page, fill in the form like a person, send it; (status, final page text)."""
    html = client.get(page).text
    url, fields = form(html, action_ending)
    fields.update(changes)
    response = client.post(url, data=fields)
    return response.status_code, response.text
