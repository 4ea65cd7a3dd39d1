"""Discovery, services and service definitions: the coded catalogue as Open311 clients read it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.open311.helpers import World, errors_of, seed_world, xml


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def test_discovery_in_both_formats(client: TestClient, world: World) -> None:
    response = client.get("/open311/discovery.json")
    # Browser-based clients of any origin may read it.
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["changeset"] and "12345" in body["contact"] and body["key_service"]
    [endpoint] = body["endpoints"]
    assert endpoint["url"] == "http://127.0.0.1:8000/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["type"] == "test"
    root = xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_categories_with_a_service_code(client: TestClient, world: World) -> None:
    services = {s["service_code"]: s for s in client.get("/open311/v2/services.json").json()}
    assert set(services) == {"MR-FAKE", "CM-NOISE", "EL-ABUSE", "TR-PARKING"}
    fake = services["MR-FAKE"]
    assert fake == {
        "service_code": "MR-FAKE",
        "service_name": "假冒伪劣",
        "description": "市场监管 › 假冒伪劣",
        "metadata": True,
        "type": "realtime",
        "keywords": "假酒, 假货, 山寨",
        "group": "市场监管",
    }
    # A question on a parent category (CM) makes its children ask it too.
    assert services["CM-NOISE"]["metadata"] is True
    assert services["EL-ABUSE"]["metadata"] is False and services["EL-ABUSE"]["keywords"] is None


def test_services_in_english_and_as_xml(client: TestClient, world: World) -> None:
    english = client.get("/open311/v2/services.json?locale=en").json()
    fake = next(s for s in english if s["service_code"] == "MR-FAKE")
    assert fake["service_name"] == "Category MR.FAKE" and fake["group"] == "Category MR"
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and {c.tag for c in root} == {"service"}
    el = next(s for s in root if s.findtext("service_code") == "EL-ABUSE")
    assert el.findtext("metadata") == "false"
    keywords = el.find("keywords")
    assert keywords is not None and keywords.text is None and list(keywords) == []


def test_a_service_definition_lists_its_questions_in_order(
    client: TestClient, world: World
) -> None:
    definition = client.get("/open311/v2/services/MR-FAKE.json").json()
    assert definition["service_code"] == "MR-FAKE"
    attributes = definition["attributes"]
    assert [a["code"] for a in attributes] == ["PRODUCT", "PURCHASE_DATE", "PURCHASE_CHANNEL"]
    assert [a["order"] for a in attributes] == [1, 2, 3]
    assert attributes[0]["required"] is True and attributes[0]["datatype"] == "string"
    assert attributes[1]["datatype"] == "datetime" and attributes[1]["required"] is False
    assert attributes[2]["values"] == [
        {"key": "shop", "name": "实体店"},
        {"key": "online", "name": "网店"},
    ]
    parking = client.get("/open311/v2/services/TR-PARKING.json?locale=en").json()["attributes"]
    notice = next(a for a in parking if a["code"] == "NOTICE")
    assert notice["variable"] is False and notice["description"] == "In an emergency call 122."
    root = xml(client.get("/open311/v2/services/MR-FAKE.xml"))
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == [
        "PRODUCT",
        "PURCHASE_DATE",
        "PURCHASE_CHANNEL",
    ]
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == [
        "shop",
        "online",
    ]
    assert root.findtext("attributes/attribute/required") == "true"
    empty = client.get("/open311/v2/services/EL-ABUSE.json").json()
    assert empty == {"service_code": "EL-ABUSE", "attributes": []}


def test_an_unknown_service_is_404(client: TestClient, world: World) -> None:
    response = client.get("/open311/v2/services/NOPE.json")
    assert response.status_code == 404 and errors_of(response)[0]["code"] == 404
    root = xml(client.get("/open311/v2/services/NOPE.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"
