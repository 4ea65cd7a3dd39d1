"""Every JSON body validates against the Open311 community's Draft 4 JSON Schemas.

The schema files are not in this repository (their licence is not stated); they are read from
CIVIC_OPEN311_SCHEMAS, by default ../shared/open311-schemas beside the checkout, and these
tests are skipped, saying why, where they are absent. `date-time` is checked for real through
rfc3339-validator.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlmodel import Session

from service import clock
from service.seed.loader import load_reference_data
from service.tickets import service as tickets
from service.tickets.states import Action
from tests.intake.helpers import photo_bytes
from tests.open311.helpers import T0, World, filed, schemas_or_skip, seed_world, ticket

NAMES = ("request", "requests", "service", "services", "service-definition")


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft4Validator]:
    folder: Path = schemas_or_skip()
    loaded = {n: json.loads((folder / f"{n}.json").read_text(encoding="utf-8")) for n in NAMES}
    registry: Registry[Any] = Registry().with_resources(
        (f"{n}.json", Resource.from_contents(s, default_specification=DRAFT4))
        for n, s in loaded.items()
    )
    return {
        n: Draft4Validator(s, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)
        for n, s in loaded.items()
    }


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def valid(validators: dict[str, Draft4Validator], name: str, body: Any) -> None:
    validators[name].validate(body)


def test_the_validator_really_checks_dates_and_references(
    validators: dict[str, Draft4Validator],
) -> None:
    good = {
        "service_request_id": "BT1",
        "status": "open",
        "service_code": "X",
        "requested_datetime": "2026-11-29T10:00:00+08:00",
    }
    valid(validators, "requests", [good])
    for bad in (
        {**good, "requested_datetime": "2026-11-29 10:00"},
        {**good, "requested_datetime": "2026-11-29T10:00:00"},
        {**good, "status": "pending"},
        {**good, "lat": "40.6"},
    ):
        with pytest.raises(ValidationError):
            valid(validators, "requests", [bad])


def test_services_and_definitions_match_the_schemas(
    client: TestClient, world: World, validators: dict[str, Draft4Validator]
) -> None:
    for locale in ("zh", "en"):
        services = client.get(f"/open311/v2/services.json?locale={locale}").json()
        assert len(services) == 4
        valid(validators, "services", services)
        for service in services:
            definition = client.get(
                f"/open311/v2/services/{service['service_code']}.json?locale={locale}"
            ).json()
            valid(validators, "service-definition", definition)


def test_requests_in_every_state_match_the_schemas(
    client: TestClient,
    session: Session,
    world: World,
    validators: dict[str, Draft4Validator],
) -> None:
    with clock.frozen(T0 - timedelta(days=2)):
        with_photo = client.post(
            "/open311/v2/requests.json",
            data={
                "api_key": world.key,
                "service_code": "MR-FAKE",
                "lat": "40.65",
                "long": "109.84",
                "attribute[PRODUCT]": "白酒",
            },
            files={"media": ("a.png", photo_bytes(fmt="PNG"), "image/png")},
        )
        assert with_photo.status_code == 200
        queued = filed(client, world, service_code="CM-NOISE", **{"attribute[PRODUCT]": None})
        personal = filed(client, world, service_code="EL-ABUSE", phone="13900001111")
        closed = ticket(session, queued)
        tickets.transition(
            session, closed, Action.REJECT, actor=tickets.Actor.system("t"), reason="重复"
        )
        session.commit()
    with clock.frozen(T0):
        for query in ("", "?extensions=true", "?status=closed", "?locale=en&extensions=true"):
            body = client.get(f"/open311/v2/requests.json{query}").json()
            assert body, query
            valid(validators, "requests", body)
        for number in (with_photo.json()[0]["service_request_id"], queued, personal):
            one = client.get(f"/open311/v2/requests/{number}.json?extensions=true").json()
            valid(validators, "requests", one)
            valid(validators, "request", one[0])
        assert client.get("/open311/v2/requests.json?service_code=NOPE").json() == []


def test_the_demo_catalogue_as_services_matches_the_schemas(
    client: TestClient, session: Session, validators: dict[str, Draft4Validator]
) -> None:
    summary = load_reference_data(session)
    session.commit()
    assert summary.questions >= 5
    services = client.get("/open311/v2/services.json").json()
    valid(validators, "services", services)
    codes = {s["service_code"] for s in services}
    assert {"MR-FAKE", "MR-FAKE-TM", "SO-PARK-SIDEWALK", "TR-PARKING"} <= codes
    with_questions = [s["service_code"] for s in services if s["metadata"]]
    for code in with_questions:
        valid(
            validators, "service-definition", client.get(f"/open311/v2/services/{code}.json").json()
        )
    # Fake goods below MR.FAKE inherit its questions; the plate is asked, gas leaks warn.
    trademark = client.get("/open311/v2/services/MR-FAKE-TM.json").json()["attributes"]
    assert [a["code"] for a in trademark] == ["PRODUCT", "PURCHASE_DATE", "PURCHASE_CHANNEL"]
    leak = client.get("/open311/v2/services/HO-GAS-LEAK.json").json()["attributes"]
    assert leak[0]["variable"] is False
