"""A small routing world: districts, streets, units, categories, users, a published catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from service.auth.models import Role, User
from service.places.models import Area, AreaLevel, Unit, UnitClass
from service.routing import ruleset
from service.sla.models import DeadlinePolicy
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, TicketType
from tests.conftest import TEST_SECRET
from tests.factories import TZ, make_area, make_category, make_unit, make_user


@dataclass
class World:
    district: Area
    street: Area
    samr: Unit
    urban: Unit
    street_office: Unit
    dispatcher: User
    admin: User
    samr_handler: User
    urban_handler: User
    fake_id: int
    stall_id: int


def make_world(session: Session, *, publish: bool = True) -> World:
    district = make_area(session, code="150203", name_zh="昆都仑区")
    street = make_area(
        session, code="150203001", level=AreaLevel.STREET, parent=district, name_zh="沼潭街道"
    )
    samr = make_unit(session, code="M-SAMR", name_zh="市场监管局")
    urban = make_unit(session, code="M-URBAN", name_zh="城管局")
    office = make_unit(
        session, code="S-150203001", name_zh="沼潭街道办事处", unit_class=UnitClass.STREET_OFFICE
    )
    mr = make_category(session, code="MR", name_zh="市场监管", unit=samr)
    fake = make_category(session, code="MR.FAKE", name_zh="假冒伪劣", unit=samr)
    fake.parent_id = mr.id
    so = make_category(session, code="SO", name_zh="市容秩序", unit=urban)
    stall = make_category(session, code="SO.STALL", name_zh="占道经营", unit=urban)
    stall.parent_id = so.id
    session.add(
        DeadlinePolicy(sign_for="1wd", first_contact="1wd", handling="15wd", callback="3wd")
    )
    world = World(
        district=district,
        street=street,
        samr=samr,
        urban=urban,
        street_office=office,
        dispatcher=make_user(session, "dispatcher", Role.DISPATCHER),
        admin=make_user(session, "admin", Role.ADMIN),
        samr_handler=make_user(session, "handler-samr", Role.HANDLER, samr),
        urban_handler=make_user(session, "handler-urban", Role.HANDLER, urban),
        fake_id=fake.id or 0,
        stall_id=stall.id or 0,
    )
    if publish:
        draft = ruleset.start_draft(session, user=world.admin)
        ruleset.save_rule(
            session,
            draft,
            {"name": "市场监管", "category_prefix": "MR", "lead_unit_code": "M-SAMR"},
        )
        ruleset.save_rule(
            session,
            draft,
            {"name": "占道经营归街道", "category_prefix": "SO.STALL", "lead_unit_code": "@street"},
        )
        ruleset.publish(session, draft, user=world.admin)
    session.flush()
    return world


def new_ticket(
    session: Session,
    world: World,
    *,
    category_id: int | None,
    title: str = "超市卖假酒",
    description: str = "在某超市买到假冒白酒。",
    street: bool = True,
) -> Ticket:
    draft = tickets.TicketDraft(
        channel=Channel.WEB,
        type=TicketType.COMPLAINT,
        title=title,
        description=description,
        category_id=category_id,
        district_id=world.district.id,
        street_id=world.street.id if street else None,
        requester_name="张三",
        requester_phone="13800000000",
    )
    ticket, _ = tickets.create_ticket(
        session, draft, actor=tickets.Actor.citizen(), prefix="BT", tz=TZ, secret_key=TEST_SECRET
    )
    return ticket


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)
