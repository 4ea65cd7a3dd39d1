"""Tracking: number + access code open the public timeline; the citizen adds, confirms, reopens."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.app import create_app
from service.config import Settings
from service.intake.models import Attachment
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketEvent, Visibility
from service.tickets.states import Action, Status
from tests.intake.helpers import City, complaint_fields, csrf_token, hidden, open_form, photo_bytes, seed_city

STAFF = tickets.Actor(kind=tickets.ActorKind.STAFF, label="王科长", user_id=None)


@pytest.fixture
def city(session: Session) -> City:
    return seed_city(session)


def _filed(client: TestClient) -> tuple[str, str]:
    _html, form = open_form(client)
    response = client.post(
        "/complaints/new",
        data={**complaint_fields(), **form, "step": "file"},
        files=[("attachments", ("shop.jpg", photo_bytes(), "image/jpeg"))],
    )
    assert response.status_code == 201
    number = re.search(r'id="tracking-number">([A-Z0-9]+)<', response.text).group(1)  # type: ignore[union-attr]
    code = re.search(r'id="access-code">([A-Z0-9]+)<', response.text).group(1)  # type: ignore[union-attr]
    return number, code


def _open(client: TestClient, number: str, code: str) -> tuple[str, str]:
    """Look the ticket up as a citizen does; returns the view URL and its page."""
    page = client.get("/track", params={"number": number})
    response = client.post(
        "/track",
        data={"csrf_token": csrf_token(page.text), "number": number, "code": code},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    return location, client.get(location).text


def test_the_public_timeline_shows_progress_but_no_internal_notes_or_staff(
    client: TestClient, session: Session, city: City
) -> None:
    number, code = _filed(client)
    ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
    tickets.record(session, ticket, "note", actor=STAFF, reason="内部备注：商户是局长亲戚", visibility=Visibility.INTERNAL)
    tickets.transition(session, ticket, Action.SIGN_FOR, actor=STAFF)
    session.commit()

    url, page = _open(client, number, code.lower()[:4] + "-" + code.lower()[4:])  # codes forgive case and dashes
    assert "/track/" + number in url and "t=" in url
    assert "超市卖假酒" in page and "市市场监督管理局" in page
    assert "内部备注" not in page and "王科长" not in page
    assert "13812345678" not in page and "张三" not in page and "zhang@example.com" not in page
    english = client.get(url, headers={"Accept-Language": "en"}).text
    assert "The handling unit took it on" in english and "Being handled" in english


def test_a_wrong_code_and_an_unknown_number_read_the_same(client: TestClient, city: City) -> None:
    number, _code = _filed(client)
    page = client.get("/track", headers={"Accept-Language": "en"})
    token = csrf_token(page.text)
    wrong = client.post("/track", data={"csrf_token": token, "number": number, "code": "AAAAAAAA"}, headers={"Accept-Language": "en"})
    unknown = client.post("/track", data={"csrf_token": token, "number": "BT9901019999", "code": "AAAAAAAA"}, headers={"Accept-Language": "en"})
    assert wrong.status_code == unknown.status_code == 404
    assert "No request matches" in wrong.text and "No request matches" in unknown.text
    assert 'value="' + number + '"' in wrong.text  # the number is kept, the code is not


def test_wrong_codes_are_rate_limited_per_address(session: Session, settings: Settings, city: City) -> None:
    strict = settings.model_copy(update={"rate_limit_lookups_per_ip_per_hour": 2})
    with TestClient(create_app(strict)) as client:
        number, code = _filed(client)
        token = csrf_token(client.get("/track").text)
        statuses = [
            client.post("/track", data={"csrf_token": token, "number": number, "code": "WRONG"}).status_code
            for _ in range(3)
        ]
        blocked = client.post("/track", data={"csrf_token": token, "number": number, "code": code})
    assert statuses == [404, 404, 429] and blocked.status_code == 429


def test_adding_information_and_photos_while_open(
    client: TestClient, session: Session, settings: Settings, city: City
) -> None:
    number, code = _filed(client)
    url, page = _open(client, number, code)
    token = hidden(page, "t")
    photo = photo_bytes(fmt="PNG", gps=False)
    response = client.post(
        f"/track/{number}/information",
        data={"csrf_token": csrf_token(page), "t": token, "information": "今天又去看了，还在卖。"},
        files=[("attachments", ("again.png", photo, "image/png"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"], headers={"Accept-Language": "en"}).text
    assert "You added information" in page and "今天又去看了，还在卖。" in page
    event = session.exec(select(TicketEvent).where(TicketEvent.action == "citizen_info")).one()
    assert event.visibility is Visibility.PUBLIC and event.actor_kind.value == "citizen"
    added = session.exec(select(Attachment).where(Attachment.event_id == event.id)).one()

    link = re.search(rf'href="([^"]*/files/{added.id}\?t=[^"]+)"', page).group(1)  # type: ignore[union-attr]
    download = client.get(link.replace("&amp;", "&"))
    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/track/{number}/files/{added.id}", params={"t": "forged"}).status_code == 404


def test_an_empty_addition_or_a_bad_file_keeps_the_text(client: TestClient, city: City) -> None:
    number, code = _filed(client)
    _url, page = _open(client, number, code)
    response = client.post(
        f"/track/{number}/information",
        data={"csrf_token": csrf_token(page), "t": hidden(page, "t"), "information": "<b>补充</b>"},
        files=[("attachments", ("x.gif", b"GIF89a....", "image/gif"))],
    )
    assert response.status_code == 415
    assert "&lt;b&gt;补充&lt;/b&gt;</textarea>" in response.text


def test_a_view_link_expires(client: TestClient, city: City) -> None:
    number, code = _filed(client)
    url, _page = _open(client, number, code)
    with clock.frozen(clock.now() + timedelta(hours=2)):
        response = client.get(url, follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    assert f"number={number}" in response.headers["location"]


def _close(session: Session, number: str) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
    for action in (Action.SIGN_FOR, Action.SUBMIT_REPLY, Action.ACCEPT_REPLY, Action.CLOSE):
        tickets.transition(session, ticket, action, actor=STAFF)
    ticket.public_reply = "已责令超市下架并退款。"
    session.commit()
    return ticket


def test_after_closing_the_citizen_confirms_once(client: TestClient, session: Session, city: City) -> None:
    number, code = _filed(client)
    _close(session, number)
    _url, page = _open(client, number, code)
    assert "已责令超市下架并退款。" in page and "/confirm" in page and "/reopen" in page
    assert "/information" not in page
    response = client.post(
        f"/track/{number}/confirm", data={"csrf_token": csrf_token(page), "t": hidden(page, "t")}, follow_redirects=False
    )
    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert "/confirm" not in after
    assert session.exec(select(TicketEvent).where(TicketEvent.action == "citizen_confirm")).one()


def test_reopen_needs_a_reason_and_the_window(
    client: TestClient, session: Session, settings: Settings, city: City
) -> None:
    number, code = _filed(client)
    ticket = _close(session, number)
    _url, page = _open(client, number, code)
    form = {"csrf_token": csrf_token(page), "t": hidden(page, "t")}
    missing = client.post(f"/track/{number}/reopen", data={**form, "reason": " "})
    assert missing.status_code == 422 and 'id="f-reason-error"' in missing.text

    assert ticket.closed_at is not None
    late = ticket.closed_at + timedelta(days=settings.reopen_window_days, minutes=1)
    with clock.frozen(late):
        url, page = _open(client, number, code)
        assert "/reopen" not in page
        late_token = parse_qs(urlsplit(url).query)["t"][0]
        refused = client.post(
            f"/track/{number}/reopen",
            data={"csrf_token": form["csrf_token"], "t": late_token, "reason": "还在卖"},
        )
        assert refused.status_code == 422

    response = client.post(f"/track/{number}/reopen", data={**form, "reason": "超市还在卖假酒"}, follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    reopened = session.exec(select(Ticket).where(Ticket.number == number)).one()
    assert reopened.status is Status.HANDLING and reopened.closed_at is None
    event = session.exec(select(TicketEvent).where(TicketEvent.action == "reopen")).one()
    assert event.reason == "超市还在卖假酒" and event.actor_kind.value == "citizen"
