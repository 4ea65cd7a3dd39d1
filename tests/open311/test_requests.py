"""GET requests: every filter, the 90-day window, pagination, extensions, one query per page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session

from service import clock
from service.callbacks.models import Callback, CallbackChannel, Resolution, Satisfaction
from service.tickets import service as tickets
from service.tickets.models import Visibility
from service.tickets.states import Action
from tests.open311.helpers import T0, World, errors_of, filed, seed_world, ticket, xml

SYSTEM = tickets.Actor.system("test")


@dataclass
class Filed:
    """Fake goods 10 days ago, noise 5 days ago, fake goods 100 days ago (outside 90 days)."""

    recent_fake: str
    noise: str
    old_fake: str


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


@pytest.fixture
def three(client: TestClient, world: World) -> Iterator[Filed]:
    with clock.frozen(T0 - timedelta(days=100)):
        old = filed(client, world)
    with clock.frozen(T0 - timedelta(days=10)):
        recent = filed(client, world)
    with clock.frozen(T0 - timedelta(days=5)):
        noise = filed(
            client,
            world,
            service_code="CM-NOISE",
            phone="13900002222",
            **{"attribute[PRODUCT]": None},
        )
    with clock.frozen(T0):
        yield Filed(recent, noise, old)


def ids(client: TestClient, query: str = "", fmt: str = "json") -> list[str]:
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


def when(moment: datetime) -> str:
    return moment.isoformat()


def test_default_is_the_last_90_days_newest_first(client: TestClient, three: Filed) -> None:
    assert ids(client) == [three.noise, three.recent_fake]


def test_service_code_is_a_comma_list(client: TestClient, three: Filed) -> None:
    assert ids(client, "service_code=MR-FAKE") == [three.recent_fake]
    assert ids(client, "service_code=MR-FAKE,CM-NOISE") == [three.noise, three.recent_fake]
    assert ids(client, "service_code=MR-FAKE&service_code=CM-NOISE") == [
        three.noise,
        three.recent_fake,
    ]


def test_matching_nothing_is_200_and_an_empty_array(client: TestClient, three: Filed) -> None:
    assert ids(client, "service_code=NOPE") == []
    assert ids(client, "status=closed") == []
    root = xml(client.get("/open311/v2/requests.xml?service_code=NOPE"))
    assert root.tag == "service_requests" and list(root) == []


def test_dates_select_a_window_of_at_most_90_days(client: TestClient, three: Filed) -> None:
    start, end = T0 - timedelta(days=120), T0 - timedelta(days=30)
    assert ids(client, f"start_date={when(start)}&end_date={when(end)}".replace("+", "%2B")) == [
        three.old_fake
    ]
    # One end given: the window runs 90 days from it.
    assert ids(client, "start_date=" + when(T0 - timedelta(days=101)).replace("+", "%2B")) == [
        three.old_fake
    ]
    # 90 days up to nine days ago: neither the newer noise nor the 100-day-old report.
    assert ids(client, "end_date=" + when(T0 - timedelta(days=9)).replace("+", "%2B")) == [
        three.recent_fake
    ]
    too_long = client.get(
        "/open311/v2/requests.json",
        params={"start_date": when(T0 - timedelta(days=120)), "end_date": when(T0)},
    )
    assert too_long.status_code == 400 and "90" in errors_of(too_long)[0]["description"]
    backwards = client.get(
        "/open311/v2/requests.json",
        params={"start_date": when(T0), "end_date": when(T0 - timedelta(days=1))},
    )
    assert backwards.status_code == 400


def test_input_times_are_read_leniently(client: TestClient, three: Filed) -> None:
    six_days_ago = T0 - timedelta(days=6)
    forms = [
        six_days_ago.isoformat().replace("+", "%2B"),  # +08:00, encoded
        six_days_ago.isoformat(),  # the + arrives as a space
        six_days_ago.strftime("%Y-%m-%dT%H:%M:%S.123456789+0800").replace("+", "%2B"),
        (six_days_ago - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        six_days_ago.strftime("%Y-%m-%dT%H:%M:%S"),  # no offset: local time
    ]
    for text in forms:
        assert ids(client, f"start_date={text}") == [three.noise], text


def test_a_bad_date_is_400_in_the_asked_format(client: TestClient, three: Filed) -> None:
    response = client.get("/open311/v2/requests.json?start_date=yesterday")
    assert response.status_code == 400
    assert "start_date" in errors_of(response)[0]["description"]
    root = xml(client.get("/open311/v2/requests.xml?end_date=2026-13-45"))
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert "end_date" in (root.findtext("error/description") or "")


def test_empty_parameters_are_absent(client: TestClient, three: Filed) -> None:
    blank = (
        "service_code=&status=&start_date=&end_date=&jurisdiction_id=&page=&page_size=&extensions="
    )
    assert ids(client, blank) == ids(client) == [three.noise, three.recent_fake]


def test_status_open_and_closed(client: TestClient, session: Session, three: Filed) -> None:
    noise = ticket(session, three.noise)
    tickets.transition(session, noise, Action.REJECT, actor=SYSTEM, reason="不属于受理范围")
    session.commit()
    assert ids(client, "status=closed") == [three.noise]
    assert ids(client, "status=open") == [three.recent_fake]
    assert ids(client, "status=open,closed") == [three.noise, three.recent_fake]
    bad = client.get("/open311/v2/requests.json?status=pending")
    assert bad.status_code == 400 and "status" in errors_of(bad)[0]["description"]
    [closed] = client.get(f"/open311/v2/requests/{three.noise}.json").json()
    assert closed["status"] == "closed" and closed["service_notice"] is None


def test_ids_override_every_other_filter(client: TestClient, three: Filed) -> None:
    query = f"service_request_id={three.old_fake},{three.noise}&status=closed&service_code=X"
    assert set(ids(client, query)) == {three.old_fake, three.noise}


def test_one_request_by_id(client: TestClient, three: Filed) -> None:
    # An old request is found by its id whatever its age.
    response = client.get(f"/open311/v2/requests/{three.old_fake.lower()}.json")
    assert response.status_code == 200 and len(response.json()) == 1
    root = xml(client.get(f"/open311/v2/requests/{three.old_fake}.xml"))
    assert [child.tag for child in root] == ["request"]
    assert root.findtext("request/service_request_id") == three.old_fake
    for fmt in ("json", "xml"):
        unknown = client.get(f"/open311/v2/requests/BT0101010001.{fmt}")
        assert unknown.status_code == 404
    assert errors_of(client.get("/open311/v2/requests/BT0101010001.json"))[0]["code"] == 404


def test_pages(client: TestClient, world: World) -> None:
    numbers = []
    for day in range(5):
        with clock.frozen(T0 - timedelta(days=5 - day)):
            numbers.append(filed(client, world, phone=f"1390000{day:04d}"))
    newest_first = list(reversed(numbers))
    with clock.frozen(T0):
        assert ids(client, "page_size=2") == newest_first[:2]
        assert ids(client, "page_size=2&page=2") == newest_first[2:4]
        assert ids(client, "page_size=2&page=3") == newest_first[4:]
        assert ids(client, "page_size=2&page=4") == []
        for bad in ("page_size=0", "page_size=1001", "page=0", "page=two"):
            response = client.get(f"/open311/v2/requests.json?{bad}")
            assert response.status_code == 400, bad
            assert errors_of(response)


def test_updated_after_finds_old_requests_that_changed(
    client: TestClient, session: Session, three: Filed
) -> None:
    old = ticket(session, three.old_fake)
    with clock.frozen(T0 - timedelta(hours=1)):
        tickets.transition(session, old, Action.SIGN_FOR, actor=SYSTEM)
        session.commit()
    since = (T0 - timedelta(hours=2)).isoformat().replace("+", "%2B")
    assert ids(client, f"updated_after={since}") == [three.old_fake]
    before = (T0 - timedelta(hours=2)).isoformat().replace("+", "%2B")
    assert three.old_fake not in ids(client, f"updated_before={before}")
    # With a date window as well, the update times only filter within it.
    start = (T0 - timedelta(days=30)).isoformat().replace("+", "%2B")
    assert ids(client, f"start_date={start}&updated_after={since}") == []


def test_extensions_add_channel_satisfaction_answers_and_the_public_history(
    client: TestClient, session: Session, three: Filed, world: World
) -> None:
    recent = ticket(session, three.recent_fake)
    tickets.record(
        session,
        recent,
        "note",
        actor=SYSTEM,
        reason="内部备注：联系人王五",
        visibility=Visibility.INTERNAL,
    )
    session.add(
        Callback(
            ticket_id=recent.id or 0,
            unit_id=world.city.samr.id,
            answered_at=T0,
            contacted=True,
            resolved=Resolution.RESOLVED,
            satisfied=Satisfaction.BASICALLY,
            channel=CallbackChannel.PHONE,
        )
    )
    session.commit()
    plain = client.get(f"/open311/v2/requests/{three.recent_fake}.json").json()[0]
    assert "notes" not in plain and "extended_attributes" not in plain
    [request] = client.get(f"/open311/v2/requests/{three.recent_fake}.json?extensions=true").json()
    assert request["extended_attributes"] == {
        "channel": "api",
        "detailed_status": "pending_sign_for",
        "satisfaction": "basically",
    }
    summaries = [n["summary"] for n in request["notes"]]
    assert summaries == ["您的诉求已提交", "已转为工单", "已派发承办单位"]
    assert all(n["status"] == "open" for n in request["notes"])
    assert "内部备注" not in str(request)
    assert request["attributes"] == [
        {"code": "PRODUCT", "name": "商品名称", "value": "某品牌白酒 500 毫升"}
    ]
    root = xml(client.get(f"/open311/v2/requests/{three.recent_fake}.xml?extensions=true"))
    assert root.findtext("request/extended_attributes/channel") == "api"
    assert len(root.findall("request/notes/note")) == 3
    assert root.findtext("request/attributes/attribute/code") == "PRODUCT"
    bad = client.get("/open311/v2/requests.json?extensions=maybe")
    assert bad.status_code == 400


def test_english_names_on_request(client: TestClient, three: Filed) -> None:
    [request] = client.get(f"/open311/v2/requests/{three.noise}.json?locale=en").json()
    assert request["service_name"] == "Category CM.NOISE"
    assert request["status_notes"] == "Being assigned to a handling unit"
    headers = {"Accept-Language": "en-US,en;q=0.9"}
    [same] = client.get(f"/open311/v2/requests/{three.noise}.json", headers=headers).json()
    assert same["service_name"] == "Category CM.NOISE"


@contextmanager
def counted(client: TestClient) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_page_costs_the_same_queries_for_2_or_8_requests(
    client: TestClient, world: World
) -> None:
    for day in range(8):
        with clock.frozen(T0 - timedelta(days=8 - day)):
            filed(client, world, phone=f"1390000{day:04d}")
    with clock.frozen(T0):
        with counted(client) as two:
            assert (
                len(client.get("/open311/v2/requests.json?extensions=true&page_size=2").json()) == 2
            )
        with counted(client) as eight:
            assert len(client.get("/open311/v2/requests.json?extensions=true").json()) == 8
    assert len(two) == len(eight) <= 6


FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def test_requests_as_xml(client: TestClient, three: Filed) -> None:
    root = xml(client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request", "request"]
    noise, fake = list(root)
    assert [child.tag for child in noise] == FIELDS
    assert noise.findtext("service_request_id") == three.noise
    # A null is an empty element: the noise report waits for a unit, so it has no deadline.
    for empty in ("agency_responsible", "expected_datetime", "zipcode"):
        element = noise.find(empty)
        assert element is not None and element.text is None and len(element) == 0, empty
    assert fake.findtext("expected_datetime", "").endswith("+08:00")
    assert fake.findtext("lat") == "40.6574" and fake.findtext("status") == "open"
    as_json = client.get("/open311/v2/requests.json").json()
    assert [list(r) for r in as_json] == [FIELDS, FIELDS]
