"""POST requests: filed through the portal's intake path, checked field by field, key required."""

from __future__ import annotations

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.config import Settings
from service.intake.attachments import stored_path
from service.intake.models import Attachment, TicketAnswer
from service.notifications.models import Outbox, OutboxKind
from service.open311.models import Open311Request
from service.routing.models import RoutingDecision, RoutingMethod
from service.tickets.models import Channel, Ticket
from service.tickets.states import Status
from tests.auth.staff import make_user, sign_in_as
from tests.intake.helpers import complaint_fields, open_form, photo_bytes
from tests.open311.helpers import (
    REQUESTER_EMAIL,
    T0,
    World,
    errors_of,
    filed,
    post,
    report,
    seed_world,
    ticket,
    xml,
)


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def _count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Ticket)).one()


def test_round_trip_post_then_get_by_id_then_token(
    client: TestClient, session: Session, world: World
) -> None:
    response = post(client, world, account_id="acct-77")
    assert response.status_code == 200, response.text
    [receipt] = response.json()
    number = receipt["service_request_id"]
    assert number.startswith("BT") and receipt["account_id"] == "acct-77"
    assert "市市场监督管理局" in receipt["service_notice"]

    [request] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert request["service_request_id"] == number and request["status"] == "open"
    assert request["service_code"] == "MR-FAKE" and request["service_name"] == "假冒伪劣"
    assert request["agency_responsible"] == "市市场监督管理局"
    assert request["description"] == "超市出售假冒白酒，瓶盖与正品不同。"
    assert request["lat"] == 40.6574 and request["long"] == 109.8403
    assert request["address"] == "昆都仑区沼潭街道钢铁大街 12 号"
    assert request["address_id"] == "150203001"

    token = client.get(f"/open311/v2/tokens/{receipt['token']}.json")
    assert token.status_code == 200
    assert token.json() == [{"service_request_id": number, "token": receipt["token"]}]
    root = xml(client.get(f"/open311/v2/tokens/{receipt['token']}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == number
    unknown = client.get("/open311/v2/tokens/nope.json")
    assert unknown.status_code == 404 and errors_of(unknown)[0]["code"] == 404


def test_an_open311_ticket_is_routed_like_a_portal_one(
    client: TestClient, session: Session, world: World
) -> None:
    with clock.frozen(T0):
        html, hidden = open_form(client)
        portal = client.post(
            "/complaints/new", data={**hidden, **complaint_fields(), "step": "file"}
        )
        assert portal.status_code == 201
        number = filed(client, world)
    web = session.exec(select(Ticket).where(Ticket.channel == Channel.WEB)).one()
    api = ticket(session, number)
    assert api.channel is Channel.API
    assert api.status is web.status is Status.PENDING_SIGN_FOR
    assert api.lead_unit_id == web.lead_unit_id == world.city.samr.id
    assert api.category_id == web.category_id
    assert (api.district_id, api.street_id) == (web.district_id, web.street_id)
    assert (api.sign_for_due, api.contact_due, api.handling_due) == (
        web.sign_for_due,
        web.contact_due,
        web.handling_due,
    )
    methods = session.exec(
        select(RoutingDecision.ticket_id, RoutingDecision.method).order_by(
            RoutingDecision.ticket_id
        )
    ).all()
    assert [m for _t, m in methods] == [RoutingMethod.RULE, RoutingMethod.RULE]
    # The confirmation goes out through the outbox, by SMS and e-mail, with the number.
    messages = session.exec(
        select(Outbox).where(Outbox.recipient.in_(["+8613812345678", REQUESTER_EMAIL]))
    ).all()
    api_messages = [m for m in messages if number in m.body]
    assert {m.kind for m in api_messages} == {OutboxKind.SMS, OutboxKind.EMAIL}
    assert api.requester_name == "王五" and api.requester_phone == "+8613812345678"


def test_answers_to_the_category_questions_are_checked_and_kept(
    client: TestClient, session: Session, world: World
) -> None:
    number = filed(
        client,
        world,
        **{
            "attribute[PURCHASE_DATE]": "2026-11-18T09:30:00 08:00",
            "attribute[PURCHASE_CHANNEL]": "online",
            "attribute[UNKNOWN]": "ignored",
        },
    )
    api = ticket(session, number)
    answers = dict(
        session.exec(
            select(TicketAnswer.code, TicketAnswer.value).where(TicketAnswer.ticket_id == api.id)
        ).all()
    )
    assert answers == {
        "PRODUCT": "某品牌白酒 500 毫升",
        "PURCHASE_DATE": "2026-11-18T09:30:00+08:00",
        "PURCHASE_CHANNEL": "online",
    }
    noise = filed(
        client,
        world,
        service_code="CM-NOISE",
        **{"attribute[PRODUCT]": None, "attribute[WHEN][]": "night"},
    )
    # Repeated list values: the form helper sends one value per key, so add a second by hand.
    many = client.post(
        "/open311/v2/requests.json",
        content=(
            f"api_key={world.key}&service_code=CM-NOISE&address_id=150203001"
            "&attribute%5BWHEN%5D%5B%5D=evening&attribute%5BWHEN%5D%5B%5D=night"
        ),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert many.status_code == 200, many.text
    values = {
        row.ticket_id: row.value
        for row in session.exec(select(TicketAnswer).where(TicketAnswer.code == "WHEN"))
    }
    assert sorted(values.values(), key=len) == [["night"], ["evening", "night"]]
    assert ticket(session, noise).lead_unit_id is None  # no default unit: waits for dispatch


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"attribute[PRODUCT]": None}, "attribute[PRODUCT]"),
        ({"attribute[PURCHASE_CHANNEL]": "market"}, "attribute[PURCHASE_CHANNEL]"),
        ({"attribute[PURCHASE_DATE]": "last tuesday"}, "attribute[PURCHASE_DATE]"),
        ({"description": "假" * 4001}, "description"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"lat": "95", "long": "109.8"}, "lat"),
        ({"long": None}, "lat 和 long"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"address_id": "999999"}, "address_id"),
    ],
)
def test_each_bad_field_is_a_400_entry_and_nothing_is_filed(
    client: TestClient,
    session: Session,
    world: World,
    overrides: dict[str, str | None],
    needle: str,
) -> None:
    response = post(client, world, **overrides)
    assert response.status_code == 400
    descriptions = [e["description"] for e in errors_of(response)]
    assert any(needle in d for d in descriptions), descriptions
    assert all(e["code"] == 400 for e in response.json())
    assert _count(session) == 0


def test_every_problem_gets_its_own_entry(
    client: TestClient, session: Session, world: World
) -> None:
    response = post(
        client, world, phone="12345", description="假" * 4001, **{"attribute[PRODUCT]": None}
    )
    assert response.status_code == 400 and len(errors_of(response)) == 3


def test_missing_location_is_400(client: TestClient, session: Session, world: World) -> None:
    response = post(client, world, address_string=None, lat=None, long=None)
    assert response.status_code == 400
    assert "address_string 或 address_id" in errors_of(response)[0]["description"]
    english = client.post(
        "/open311/v2/requests.json?locale=en",
        data={"api_key": world.key, **report(address_string=None, lat=None, long=None)},
    )
    assert "lat and long, address_string or address_id" in errors_of(english)[0]["description"]
    # Any one of the three is enough.
    assert post(client, world, address_string=None).status_code == 200
    assert post(client, world, lat=None, long=None).status_code == 200
    only_id = post(
        client, world, address_string=None, lat=None, long=None, address_id="150203001002"
    )
    assert only_id.status_code == 200
    community = ticket(session, only_id.json()[0]["service_request_id"])
    assert (community.district_id, community.street_id) == (
        world.city.district.id,
        world.city.street.id,
    )
    assert community.community_id is not None


def test_a_key_is_required_and_checked_first(
    client: TestClient, session: Session, world: World
) -> None:
    body = report()
    missing = client.post("/open311/v2/requests.json", data=body)
    wrong = client.post("/open311/v2/requests.xml", data={**body, "api_key": "civic_wrong"})
    assert missing.status_code == wrong.status_code == 403
    assert errors_of(missing)[0]["code"] == 403
    root = xml(wrong)
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    header = client.post("/open311/v2/requests.json", data=body, headers={"X-API-Key": world.key})
    assert header.status_code == 200
    assert _count(session) == 1


def test_unknown_or_missing_service(client: TestClient, session: Session, world: World) -> None:
    unknown = post(client, world, service_code="NOPE")
    assert unknown.status_code == 404 and "NOPE" in errors_of(unknown)[0]["description"]
    missing = post(client, world, service_code=None)
    assert missing.status_code == 400 and "service_code" in errors_of(missing)[0]["description"]
    empty = post(client, world, service_code="")
    assert empty.status_code == 400
    assert _count(session) == 0


def test_empty_parameters_are_absent_ones(
    client: TestClient, session: Session, world: World
) -> None:
    response = post(
        client,
        world,
        email="",
        phone="",
        first_name="",
        last_name="",
        lat="",
        long="",
        media_url="",
        address_id="",
        jurisdiction_id="",
        device_id="",
        account_id="",
    )
    assert response.status_code == 200, response.text
    assert response.json()[0]["account_id"] is None
    made = ticket(session, response.json()[0]["service_request_id"])
    assert made.anonymous and not made.requester_phone and made.lat is None
    # Parameters in the query string, as some clients send them, work the same way.
    query = client.post(
        "/open311/v2/requests.json",
        params={"api_key": world.key, **report()},
    )
    assert query.status_code == 200, query.text


def test_a_photo_is_sniffed_stripped_and_linked_as_media_url(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    response = client.post(
        "/open311/v2/requests.json",
        data={"api_key": world.key, **report()},
        files={"media": ("IMG_0001.JPG", photo_bytes(gps=True), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    number = response.json()[0]["service_request_id"]
    attachment = session.exec(select(Attachment)).one()
    stored = stored_path(settings.data_dir, attachment.sha256).read_bytes()
    assert not dict(Image.open(BytesIO(stored)).getexif()), "EXIF (and GPS) stripped"

    [request] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert request["media_url"].startswith("http://127.0.0.1:8000/open311/v2/media/")
    photo = client.get(request["media_url"].removeprefix("http://127.0.0.1:8000"))
    assert photo.status_code == 200 and photo.content == stored
    assert photo.headers["content-type"] == "image/jpeg"
    assert client.get(f"/open311/v2/media/{number}/999.jpg").status_code == 404

    not_a_photo = client.post(
        "/open311/v2/requests.json",
        data={"api_key": world.key, **report()},
        files={"media": ("x.jpg", b"MZ\x90\x00 not an image", "image/jpeg")},
    )
    assert not_a_photo.status_code == 400
    assert errors_of(not_a_photo)[0]["description"].startswith("media:")


def test_a_client_media_url_is_kept_and_shown(
    client: TestClient, session: Session, world: World
) -> None:
    number = filed(client, world, media_url="https://img.example.org/p/1.jpg")
    [request] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert request["media_url"] == "https://img.example.org/p/1.jpg"
    row = session.exec(select(Open311Request)).one()
    assert row.media_url == "https://img.example.org/p/1.jpg"


def test_rate_limit_per_phone(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    limit = settings.rate_limit_per_phone_per_day
    for _ in range(limit):
        assert post(client, world).status_code == 200
    refused = post(client, world)
    assert refused.status_code == 429 and errors_of(refused)[0]["code"] == 429
    assert _count(session) == limit
    # Another citizen using the same app is not held back.
    assert post(client, world, phone="13900001111").status_code == 200


def test_bodies_that_are_not_forms_never_get_a_422(
    client: TestClient, session: Session, world: World
) -> None:
    as_json = client.post("/open311/v2/requests.json", json={"api_key": world.key})
    assert as_json.status_code == 403  # no key read from a JSON body: not a form
    broken = client.post(
        "/open311/v2/requests.json",
        params={"api_key": world.key},
        content=b"--x\r\nno boundary was declared",
        headers={"content-type": "multipart/form-data"},
    )
    assert broken.status_code == 400
    assert errors_of(broken)[0]["description"] == "无法读取提交的表单。"
    assert _count(session) == 0


def test_staff_see_every_answer_on_the_ticket_page(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    number = filed(
        client,
        world,
        service_code="TR-PARKING",
        **{"attribute[PRODUCT]": None, "attribute[PLATE]": "蒙B12345"},
    )
    fake = filed(client, world, **{"attribute[PURCHASE_CHANNEL]": "online"})
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    session.commit()
    sign_in_as(client, session, settings, dispatcher)
    page = client.get(f"/staff/tickets/{number}").text
    # The plate is kept from open data, not from the officers who act on it.
    assert "分类问题的回答" in page and "车牌号" in page and "蒙B12345" in page
    other = client.get(f"/staff/tickets/{fake}").text
    assert "某品牌白酒 500 毫升" in other and "网店" in other
