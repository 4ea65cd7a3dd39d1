"""A little demo city for intake tests: districts, streets, units, categories, deadline rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session

from service.catalogue.models import Category, CategoryTag, Tag
from service.places.models import Area, AreaLevel, Unit, UnitClass
from service.routing import rules, ruleset
from service.sla.models import DeadlinePolicy
from tests.factories import make_area, make_category, make_unit


@dataclass
class City:
    district: Area
    street: Area
    other_street: Area
    samr: Unit
    fake_liquor: Category
    noise: Category


def seed_city(session: Session) -> City:
    """Two districts with streets, a market regulator, and a few categories with synonyms."""
    district = make_area(session, code="150203", name_zh="昆都仑区")
    street = make_area(
        session, code="150203001", level=AreaLevel.STREET, parent=district, name_zh="沼潭街道"
    )
    other_district = make_area(session, code="150204", name_zh="青山区")
    other_street = make_area(
        session,
        code="150204001",
        level=AreaLevel.STREET,
        parent=other_district,
        name_zh="幸福路街道",
    )
    samr = make_unit(session, code="M-SAMR", name_zh="市市场监督管理局")
    make_unit(
        session,
        code="M-URBAN",
        name_zh="市城市管理综合执法局",
        unit_class=UnitClass.MUNICIPAL_DEPARTMENT,
    )
    market = make_category(session, code="MR", name_zh="市场监管")
    fake = make_category(session, code="MR.FAKE", name_zh="假冒伪劣", unit=samr)
    fake.parent_id, fake.depth, fake.synonyms = market.id, 2, "假酒|假货|山寨"
    city = make_category(session, code="CM", name_zh="城市管理")
    noise = make_category(session, code="CM.NOISE", name_zh="夜间施工噪音")
    noise.parent_id, noise.depth, noise.synonyms = city.id, 2, "噪音|扰民"
    session.add(Tag(code="fake_goods", name_zh="假冒伪劣", name_en="Fake and shoddy goods"))
    session.add(Tag(code="elderly", name_zh="老年人权益", name_en="Rights of the elderly"))
    session.flush()
    session.add(CategoryTag(category_id=fake.id or 0, tag_code="fake_goods"))
    publish_catalogue(session)
    session.add(
        DeadlinePolicy(sign_for="1wd", first_contact="2wd", handling="15wd", callback="3wd")
    )
    session.add(
        DeadlinePolicy(
            ticket_type="consultation",
            sign_for="1wd",
            first_contact="1wd",
            handling="3wd",
            callback="2wd",
        )
    )
    session.commit()
    return City(district, street, other_street, samr, fake, noise)


def publish_catalogue(session: Session) -> None:
    """The dispatch catalogue every city starts with: each category to its default unit."""
    draft = ruleset.start_draft(session, user=None)
    ruleset.save_rule(
        session, draft, {"name": "按分类的默认承办单位", "lead_unit_code": rules.CATEGORY_DEFAULT}
    )
    ruleset.publish(session, draft, user=None)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a CSRF token"
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"the page has a hidden {name}"
    return match.group(1)


def complaint_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "type": "complaint",
        "category": "MR.FAKE",
        "title": "超市卖假酒",
        "description": "在沼潭街道某超市买到假冒白酒，瓶盖与正品不同。",
        "request": "查处并退款",
        "district": "150203",
        "street": "150203001",
        "address": "钢铁大街 12 号",
        "occurred_at": "2026-11-20T18:30",
        "name": "张三",
        "phone": "13812345678",
        "email": "zhang@example.com",
        "consent": "on",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def open_form(client: TestClient) -> tuple[str, dict[str, str]]:
    """GET the form; returns its HTML and the hidden fields a browser would send back."""
    page = client.get("/complaints/new")
    assert page.status_code == 200
    return page.text, {
        "csrf_token": csrf_token(page.text),
        "submission_id": hidden(page.text, "submission_id"),
    }


def photo_bytes(*, fmt: str = "JPEG", gps: bool = True, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small photo; with gps=True it carries an EXIF GPS block like a phone photo does."""
    image = Image.new("RGB", size, (200, 30, 30))
    out = BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps_ifd = {1: "N", 2: (40.0, 39.0, 27.0), 3: "E", 4: (109.0, 50.0, 26.0)}
        exif[0x8825] = gps_ifd
        image.save(out, fmt, exif=exif.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()
