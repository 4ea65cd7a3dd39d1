"""Anyone may call GET requests: no requester's personal data in any Open311 output, and only
disclosed requests show their free text and exact place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.open311.privacy import disclosed, redact
from service.tickets import service as tickets
from service.tickets.states import Action
from tests.intake.helpers import photo_bytes
from tests.open311.helpers import REQUESTER_EMAIL, T0, World, filed, seed_world, ticket

SECRETS = ("王五", "13812345678", "8613812345678", REQUESTER_EMAIL, "acct-secret-9", "device-77")


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def test_redact_removes_contact_details_ids_and_the_named_person() -> None:
    text = (
        "我叫王五，电话 138 1234 5678，座机0472-5123456，邮箱 wang.wu@example.com，"
        "身份证150203199001011234，+8613812345678；2026-11-20 买的 500 毫升"
    )
    cleaned = redact(text, ["王五", "", "李"])
    for secret in ("王五", "138 1234 5678", "0472-5123456", "wang.wu@", "1502031990", "+86138"):
        assert secret not in cleaned, secret
    # Dates and quantities are not personal data.
    assert "2026-11-20 买的 500 毫升" in cleaned


@pytest.mark.parametrize(
    ("allowed", "confidential", "personal", "shown"),
    [
        (True, False, False, True),
        (False, False, False, False),
        (True, True, False, False),
        (True, False, True, False),
    ],
)
def test_only_disclosed_requests_show_free_text(
    allowed: bool, confidential: bool, personal: bool, shown: bool
) -> None:
    assert (
        disclosed(disclosure_allowed=allowed, confidential=confidential, personal=personal) is shown
    )


def test_no_personal_data_in_any_output(client: TestClient, session: Session, world: World) -> None:
    with clock.frozen(T0 - timedelta(days=1)):
        response = client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": world.key,
                "service_code": "MR-FAKE",
                "address_string": "昆都仑区沼潭街道钢铁大街 12 号 王五家楼下",
                "lat": "40.65",
                "long": "109.84",
                "description": "我是王五，电话13812345678，邮箱 wangwu@example.com，超市卖假酒。",
                "attribute[PRODUCT]": "王五买的白酒",
                "first_name": "五",
                "last_name": "王",
                "phone": "13812345678",
                "email": REQUESTER_EMAIL,
                "account_id": "acct-secret-9",
                "device_id": "device-77",
            },
            files={"media": ("a.jpg", photo_bytes(), "image/jpeg")},
        )
        assert response.status_code == 200
        number = response.json()[0]["service_request_id"]
        plate = filed(
            client,
            world,
            service_code="TR-PARKING",
            **{"attribute[PRODUCT]": None, "attribute[PLATE]": "蒙B12345"},
        )
    with clock.frozen(T0):
        bodies = [
            client.get(f"/open311/v2/requests.{fmt}{query}").text
            for fmt in ("json", "xml")
            for query in ("", "?extensions=true", "?service_request_id=" + number)
        ] + [
            client.get(f"/open311/v2/requests/{number}.{fmt}?extensions=true").text
            for fmt in ("json", "xml")
        ]
    everything = "\n".join(bodies)
    for secret in SECRETS:
        assert secret not in everything, secret
    # The request itself is still useful: the description without the contact details.
    assert "超市卖假酒" in everything and "钢铁大街 12 号" in everything
    # A licence plate is for the officers only, never open data.
    assert "蒙B12345" not in everything
    assert ticket(session, plate).id is not None


def test_personal_rights_and_confidential_requests_withhold_free_text_and_place(
    client: TestClient, session: Session, world: World
) -> None:
    with clock.frozen(T0):
        elder = filed(
            client,
            world,
            service_code="EL-ABUSE",
            description="邻居家的老人常被子女打骂，住钢铁大街 12 号 3 单元。",
            media_url="https://img.example.org/p/2.jpg",
            **{"attribute[PRODUCT]": None},
        )
        hidden = filed(client, world, description="超市卖假酒，请为我保密。")
        row = ticket(session, hidden)
        row.confidential = True
        session.commit()
        [elder_out] = client.get(f"/open311/v2/requests/{elder}.json?extensions=true").json()
        [hidden_out] = client.get(f"/open311/v2/requests/{hidden}.json?extensions=true").json()
    for request in (elder_out, hidden_out):
        assert request["description"] is None
        assert request["lat"] is None and request["long"] is None
        assert request["media_url"] is None and request["attributes"] == []
        # District and street are kept: useful for the map, identifying nobody.
        assert request["address"] == "昆都仑区 沼潭街道"
        assert request["service_code"] and request["status"] == "open"
    assert elder_out["service_code"] == "EL-ABUSE"
    assert elder_out["agency_responsible"] == "市民政局"
    # The unit still sees everything.
    assert "打骂" in ticket(session, elder).description


def test_the_public_reply_of_a_disclosed_request_is_in_status_notes(
    client: TestClient, session: Session, world: World
) -> None:
    system = tickets.Actor.system("test")
    numbers = []
    with clock.frozen(T0):
        for service in ("MR-FAKE", "EL-ABUSE"):
            number = filed(client, world, service_code=service, phone="13900003333")
            row = ticket(session, number)
            tickets.transition(session, row, Action.SIGN_FOR, actor=system)
            reply = "王五您好，已查处该超市，联系电话 0472-5123456。"
            tickets.transition(
                session, row, Action.SUBMIT_REPLY, actor=system, changes={"public_reply": reply}
            )
            tickets.transition(session, row, Action.ACCEPT_REPLY, actor=system)
            session.commit()
            numbers.append(number)
        fake, elder = (client.get(f"/open311/v2/requests/{n}.json").json()[0] for n in numbers)
    assert fake["status_notes"] == "已答复，待您评价：***您好，已查处该超市，联系电话 ***。"
    assert elder["status_notes"] == "已答复，待您评价"
