"""Small keyword-only factories for the rows tests need."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from service import clock
from service.auth.models import Role, User
from service.catalogue.models import Category, CategoryTree
from service.places.models import Area, AreaLevel, Unit, UnitClass
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, TicketType
from tests.conftest import TEST_SECRET

TZ = ZoneInfo("Asia/Shanghai")


def make_area(
    session: Session,
    *,
    code: str = "150203",
    level: AreaLevel = AreaLevel.DISTRICT,
    parent: Area | None = None,
    name_zh: str = "昆都仑区",
    population: int = 800_000,
) -> Area:
    area = Area(
        code=code,
        level=level,
        parent_id=parent.id if parent else None,
        name_zh=name_zh,
        name_en=f"Area {code}",
        population=population,
    )
    session.add(area)
    session.flush()
    return area


def make_unit(
    session: Session,
    *,
    code: str = "M-SAMR",
    name_zh: str = "市市场监督管理局",
    unit_class: UnitClass = UnitClass.MUNICIPAL_DEPARTMENT,
) -> Unit:
    unit = Unit(code=code, name_zh=name_zh, name_en=f"Unit {code}", unit_class=unit_class)
    session.add(unit)
    session.flush()
    return unit


def make_category(
    session: Session,
    *,
    code: str = "MR.FAKE",
    name_zh: str = "假冒伪劣",
    version: int = 1,
    unit: Unit | None = None,
) -> Category:
    if session.get(CategoryTree, version) is None:
        session.add(CategoryTree(version=version, published_at=clock.now()))
        session.flush()
    category = Category(
        tree_version=version,
        code=code,
        name_zh=name_zh,
        name_en=f"Category {code}",
        default_unit_id=unit.id if unit else None,
    )
    session.add(category)
    session.flush()
    return category


def make_ticket(
    session: Session,
    *,
    title: str = "超市卖假酒",
    description: str = "在某超市买到假冒白酒。",
    ticket_type: TicketType = TicketType.COMPLAINT,
    channel: Channel = Channel.WEB,
    phone: str = "13800000000",
) -> tuple[Ticket, str]:
    draft = tickets.TicketDraft(
        channel=channel,
        type=ticket_type,
        title=title,
        description=description,
        requester_name="张三",
        requester_phone=phone,
    )
    return tickets.create_ticket(
        session, draft, actor=tickets.Actor.citizen(), prefix="BT", tz=TZ, secret_key=TEST_SECRET
    )


def make_user(
    session: Session,
    username: str,
    role: Role,
    unit: Unit | None = None,
    *,
    password_hash: str = "x",
    active: bool = True,
) -> User:
    """A staff user; tests that sign in through the form pass a real password hash."""
    user = User(
        username=username,
        display_name=username,
        password_hash=password_hash,
        role=role,
        unit_id=unit.id if unit else None,
        active=active,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user
