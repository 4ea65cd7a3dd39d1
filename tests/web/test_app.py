"""The app shell: health, reference lists, errors as pages or JSON, Chinese by default."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.app import create_app
from service.config import load_settings
from tests.factories import make_area, make_category, make_unit


def test_healthz_answers_ok_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_unavailable_when_the_database_is_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(
        env="test",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        data_dir=tmp_path,
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_reference_lists(client: TestClient, session: Session) -> None:
    district = make_area(session, code="150203", name_zh="昆都仑区")
    make_area(session, code="150203001", level="street", parent=district, name_zh="沼潭街道")  # type: ignore[arg-type]
    unit = make_unit(session, code="M-SAMR")
    make_category(session, code="MR", name_zh="市场监管", unit=unit)
    session.commit()

    areas = client.get("/api/v1/areas").json()
    assert [(a["code"], a["parent"], a["level"]) for a in areas] == [
        ("150203", None, "district"),
        ("150203001", "150203", "street"),
    ]
    assert (
        client.get("/api/v1/areas", params={"parent": "150203"}).json()[0]["name_zh"] == "沼潭街道"
    )
    units = client.get("/api/v1/units").json()
    assert units[0]["code"] == "M-SAMR" and units[0]["unit_class"] == "municipal_department"
    categories = client.get("/api/v1/categories").json()
    assert categories[0]["code"] == "MR" and categories[0]["default_unit"] == "M-SAMR"


def test_api_errors_are_json_with_one_entry_per_field(client: TestClient) -> None:
    response = client.get("/api/v1/areas", params={"level": "planet"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "level"
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}


def test_page_errors_are_html_in_the_visitors_language(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "返回首页" in response.text
    english = client.get("/no-such-page", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Back to the home page" in english.text


def test_language_switch_is_remembered(client: TestClient) -> None:
    assert "市长热线" in client.get("/").text
    switched = client.get("/lang/en", params={"next": "/"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    assert (
        "Mayor's Hotline" in client.get("/").text or "Mayor&#39;s Hotline" in client.get("/").text
    )


def test_language_switch_never_redirects_off_site(client: TestClient) -> None:
    response = client.get("/lang/en", params={"next": "//evil.example"}, follow_redirects=False)
    assert response.headers["location"] == "/"
