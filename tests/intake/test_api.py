"""The JSON API: file (JSON or multipart), follow with X-Access-Code, retry safely."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from service.app import create_app
from service.config import Settings
from service.intake.models import Attachment, IdempotencyKey
from service.routing.models import RoutingDecision, RoutingMethod
from service.tickets.models import Channel, Ticket, TicketTag
from tests.intake.helpers import City, photo_bytes, seed_city


@pytest.fixture
def city(session: Session) -> City:
    return seed_city(session)


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "complaint",
        "category": "MR.FAKE",
        "title": "网店卖山寨运动鞋",
        "description": "收到的鞋子做工粗糙，商标明显是假冒的。",
        "request": "退款",
        "district": "150203",
        "street": "150203001",
        "address": "",
        "lat": 40.65,
        "long": 109.84,
        "occurred_at": "2026-11-20T10:00:00+08:00",
        "name": "王五",
        "phone": "0472-5123456",
        "email": "",
        "anonymous": False,
        "confidential": True,
    }
    data.update(overrides)
    return data


def _count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Ticket)).one()


def test_post_json_creates_a_routed_ticket(
    client: TestClient, session: Session, city: City
) -> None:
    response = client.post("/api/v1/complaints", json=body())
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["number"].startswith("BT") and len(answer["access_code"]) == 8
    assert answer["status"] == "pending_sign_for"
    assert answer["lead_unit"]["code"] == "M-SAMR"
    assert answer["due"]["handling"] and answer["due"]["sign_for"]
    assert response.headers["location"].endswith(f"/api/v1/complaints/{answer['number']}")
    ticket = session.exec(select(Ticket)).one()
    assert ticket.channel is Channel.API and ticket.confidential
    assert ticket.requester_phone == "+864725123456" and ticket.lat == 40.65
    decision = session.exec(select(RoutingDecision)).one()
    assert decision.method is RoutingMethod.RULE and decision.lead_unit_id == city.samr.id
    tags = session.exec(select(TicketTag.tag_code).where(TicketTag.ticket_id == ticket.id)).all()
    assert tags == ["fake_goods"]


def test_a_ticket_no_rule_routes_waits_for_a_dispatcher_without_deadlines(
    client: TestClient, session: Session, city: City
) -> None:
    response = client.post(
        "/api/v1/complaints", json=body(category="CM.NOISE", title="工地夜间施工噪音扰民")
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["status"] == "pending_dispatch" and answer["lead_unit"] is None
    assert answer["due"] == {"sign_for": None, "contact": None, "handling": None}
    decision = session.exec(select(RoutingDecision)).one()
    assert decision.method is RoutingMethod.QUEUED


def test_get_with_the_access_code_returns_the_track_view(client: TestClient, city: City) -> None:
    answer = client.post("/api/v1/complaints", json=body()).json()
    view = client.get(
        f"/api/v1/complaints/{answer['number']}", headers={"X-Access-Code": answer["access_code"]}
    )
    assert view.status_code == 200
    data = view.json()
    assert data["status"] == "pending_sign_for" and data["lead_unit"]["code"] == "M-SAMR"
    assert data["timeline"][0]["label"] == "您的诉求已提交"
    assert [e["label"] for e in data["timeline"]][1:3] == ["已转为工单", "已派发承办单位"]
    assert "phone" not in data and "name" not in data and "王五" not in view.text


def test_wrong_missing_or_unknown_all_read_as_the_same_404(client: TestClient, city: City) -> None:
    number = client.post("/api/v1/complaints", json=body()).json()["number"]
    wrong = client.get(f"/api/v1/complaints/{number}", headers={"X-Access-Code": "AAAAAAAA"})
    missing = client.get(f"/api/v1/complaints/{number}")
    unknown = client.get("/api/v1/complaints/BT0101010001", headers={"X-Access-Code": "AAAAAAAA"})
    assert wrong.status_code == missing.status_code == unknown.status_code == 404
    assert wrong.json() == missing.json() == unknown.json()


def test_a_retried_post_with_the_same_idempotency_key_files_one_ticket(
    client: TestClient, session: Session, city: City
) -> None:
    headers = {"Idempotency-Key": "b6f1c1f0-2f0c-4d8e-9a55-5b7f8f2f3a10"}
    first = client.post("/api/v1/complaints", json=body(), headers=headers)
    second = client.post("/api/v1/complaints", json=body(), headers=headers)
    third = client.post("/api/v1/complaints", json=body(), headers=headers)
    assert first.status_code == 201 and second.status_code == 200 and third.status_code == 200
    assert first.json()["number"] == second.json()["number"] == third.json()["number"]
    assert second.json()["access_code"] is None and "hash" in second.json()["access_code_note"]
    assert second.headers["idempotent-replayed"] == "true"
    assert _count(session) == 1
    stored = session.exec(select(IdempotencyKey)).one()
    assert "access_code" not in stored.response
    assert first.json()["access_code"] not in str(stored.response)

    other = client.post(
        "/api/v1/complaints", json=body(title="另一件事：假冒奶粉"), headers=headers
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _count(session) == 1
    assert client.post("/api/v1/complaints", json=body()).status_code == 201
    assert _count(session) == 2


def test_errors_are_json_with_one_entry_per_field(
    client: TestClient, session: Session, city: City
) -> None:
    response = client.post(
        "/api/v1/complaints",
        json=body(
            type="rant", category="NOPE", title="", phone="123", street="150204001", colour="red"
        ),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"type", "category", "title", "phone", "street", "colour"} <= fields
    assert (
        client.post(
            "/api/v1/complaints", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert client.post("/api/v1/complaints", json=[1, 2]).status_code == 422
    assert (
        client.post(
            "/api/v1/complaints", content=b"x", headers={"content-type": "text/plain"}
        ).status_code
        == 415
    )
    assert client.post("/api/v1/complaints", json=body(title=["a"])).status_code == 422
    assert _count(session) == 0


def _multipart(values: dict[str, Any]) -> dict[str, str]:
    return {
        k: ("true" if v is True else "false" if v is False else str(v)) for k, v in values.items()
    }


def test_multipart_with_files(client: TestClient, session: Session, city: City) -> None:
    response = client.post(
        "/api/v1/complaints",
        data=_multipart(body()),
        files=[
            ("files", ("a.webp", photo_bytes(fmt="WEBP"), "image/webp")),
            ("files", ("r.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")),
        ],
    )
    assert response.status_code == 201, response.text
    assert [a["content_type"] for a in response.json()["attachments"]] == [
        "image/webp",
        "application/pdf",
    ]
    answer = response.json()
    view = client.get(
        f"/api/v1/complaints/{answer['number']}", headers={"X-Access-Code": answer["access_code"]}
    ).json()
    pdf = next(a for a in view["attachments"] if a["content_type"] == "application/pdf")
    download = client.get(pdf["url"], headers={"X-Access-Code": answer["access_code"]})
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert client.get(pdf["url"], headers={"X-Access-Code": "WRONG"}).status_code == 404
    assert session.exec(select(func.count()).select_from(Attachment)).one() == 2


def test_upload_limits_answer_413_and_415(session: Session, settings: Settings, city: City) -> None:
    small = settings.model_copy(update={"upload_max_bytes": 2048})
    with TestClient(create_app(small)) as client:
        too_big = client.post(
            "/api/v1/complaints",
            data=_multipart(body()),
            files=[("files", ("a.pdf", b"%PDF-" + b"0" * 4096, "application/pdf"))],
        )
        html = client.post(
            "/api/v1/complaints",
            data=_multipart(body()),
            files=[("files", ("a.jpg", b"<html></html>", "image/jpeg"))],
        )
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "files"
    assert html.status_code == 415
    assert _count(session) == 0


def test_rate_limit_answers_429(session: Session, settings: Settings, city: City) -> None:
    strict = settings.model_copy(update={"rate_limit_per_phone_per_day": 1})
    with TestClient(create_app(strict)) as client:
        assert client.post("/api/v1/complaints", json=body()).status_code == 201
        limited = client.post("/api/v1/complaints", json=body(title="第二次反映山寨鞋"))
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert _count(session) == 1
