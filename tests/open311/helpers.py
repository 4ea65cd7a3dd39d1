"""An Open311 world: the intake test city with service codes, category questions and an API key."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from service.auth import service as auth
from service.catalogue.models import AttributeType, Category, CategoryAttribute, CategoryTag
from service.places.models import AreaLevel
from service.tickets.models import Ticket
from tests.factories import TZ, make_area, make_category, make_unit
from tests.intake.helpers import City, seed_city

SCHEMAS = Path(
    os.environ.get(
        "CIVIC_OPEN311_SCHEMAS",
        str(Path(__file__).resolve().parents[2].parent / "shared" / "open311-schemas"),
    )
)
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
REQUESTER = {"first_name": "五", "last_name": "王", "phone": "13812345678"}
REQUESTER_EMAIL = "wangwu@example.com"


@dataclass
class World:
    city: City
    key: str
    elder: Category
    parking: Category


def _question(session: Session, category_code: str, code: str, **fields: Any) -> None:
    session.add(
        CategoryAttribute(
            category_code=category_code,
            code=code,
            datatype=fields.pop("datatype", AttributeType.STRING),
            description_zh=fields.pop("zh"),
            description_en=fields.pop("en"),
            **fields,
        )
    )


def seed_world(session: Session) -> World:
    """Fake goods (MR-FAKE) asks product, date and shop; noise (CM-NOISE) asks when; elderly
    abuse (EL-ABUSE) is a personal-rights service; parking (TR-PARKING) asks a plate kept
    from the public."""
    city = seed_city(session)
    city.fake_liquor.service_code = "MR-FAKE"
    city.noise.service_code = "CM-NOISE"
    civil = make_unit(session, code="M-CIVIL", name_zh="市民政局")
    elderly = make_category(session, code="EL", name_zh="老年人权益")
    elder = make_category(session, code="EL.ABUSE", name_zh="虐待与不赡养老人", unit=civil)
    elder.parent_id, elder.depth, elder.service_code = elderly.id, 2, "EL-ABUSE"
    traffic = make_category(session, code="TR", name_zh="交通出行")
    parking = make_category(session, code="TR.PARKING", name_zh="道路违停", unit=city.samr)
    parking.parent_id, parking.depth, parking.service_code = traffic.id, 2, "TR-PARKING"
    session.flush()
    session.add(CategoryTag(category_id=elder.id or 0, tag_code="elderly"))
    make_area(
        session,
        code="150203001002",
        level=AreaLevel.COMMUNITY,
        parent=city.street,
        name_zh="钢铁社区",
    )
    _question(session, "MR.FAKE", "PRODUCT", zh="商品名称", en="Product name", required=True)
    _question(
        session,
        "MR.FAKE",
        "PURCHASE_DATE",
        zh="购买日期",
        en="Date of purchase",
        datatype=AttributeType.DATETIME,
        sort_order=2,
    )
    _question(
        session,
        "MR.FAKE",
        "PURCHASE_CHANNEL",
        zh="购买渠道",
        en="Where it was bought",
        datatype=AttributeType.SINGLE,
        sort_order=3,
        choices=[
            {"key": "shop", "name_zh": "实体店", "name_en": "Shop"},
            {"key": "online", "name_zh": "网店", "name_en": "Online shop"},
        ],
    )
    _question(
        session,
        "CM",
        "WHEN",
        zh="通常出现的时段",
        en="When it usually happens",
        datatype=AttributeType.MULTI,
        choices=[
            {"key": "evening", "name_zh": "傍晚", "name_en": "Evening"},
            {"key": "night", "name_zh": "夜间", "name_en": "Night"},
        ],
    )
    _question(session, "TR.PARKING", "PLATE", zh="车牌号", en="Licence plate", public=False)
    _question(
        session,
        "TR.PARKING",
        "NOTICE",
        zh="紧急情况请拨打122。",
        en="In an emergency call 122.",
        variable=False,
    )
    _key, plain = auth.create_api_key(session, name="civic app")
    session.commit()
    return World(city=city, key=plain, elder=elder, parking=parking)


def report(**overrides: str | None) -> dict[str, str]:
    """A complete fake-goods report as a form, with the requester's contact details."""
    fields: dict[str, str | None] = {
        "service_code": "MR-FAKE",
        "address_string": "昆都仑区沼潭街道钢铁大街 12 号",
        "lat": "40.6574",
        "long": "109.8403",
        "description": "超市出售假冒白酒，瓶盖与正品不同。",
        "attribute[PRODUCT]": "某品牌白酒 500 毫升",
        **REQUESTER,
        "email": REQUESTER_EMAIL,
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def post(client: TestClient, world: World, fmt: str = "json", **overrides: str | None) -> Response:
    return client.post(
        f"/open311/v2/requests.{fmt}", data={"api_key": world.key, **report(**overrides)}
    )


def filed(client: TestClient, world: World, **overrides: str | None) -> str:
    """POST a report and return its service_request_id."""
    response = post(client, world, **overrides)
    assert response.status_code == 200, response.text
    number: str = response.json()[0]["service_request_id"]
    return number


def ticket(session: Session, number: str) -> Ticket:
    from sqlmodel import select

    session.expire_all()
    return session.exec(select(Ticket).where(Ticket.number == number)).one()


def xml(response: Response) -> ET.Element:
    """The body parsed as XML, after checking the declaration and the content type."""
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors_of(response: Response) -> list[dict[str, Any]]:
    """An error array in JSON: each entry exactly {code, description}."""
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["description"] for e in body)
    return body


def schemas_or_skip() -> Path:
    if not (SCHEMAS / "request.json").is_file():
        pytest.skip(
            f"Open311 JSON Schemas not found at {SCHEMAS}; set CIVIC_OPEN311_SCHEMAS to the "
            "folder holding request.json, requests.json, service.json, services.json and "
            "service-definition.json"
        )
    return SCHEMAS
