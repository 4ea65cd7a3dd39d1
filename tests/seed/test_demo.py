"""The demo city seeds completely, consistently and only once."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.auth.models import Role, User
from service.catalogue import service as catalogue
from service.places.models import Area, AreaLevel, Unit, UnitClass
from service.seed.demo import seed_demo
from service.seed.loader import TAGS
from service.sla.models import DeadlinePolicy

URBAN_DISTRICTS = {"150202", "150203", "150204", "150207"}  # 东河, 昆都仑, 青山, 九原
REQUIRED_DEPARTMENTS = {
    "M-SAMR",
    "M-URBAN",
    "M-TRAFFIC",
    "M-CIVIL",
    "M-WOMEN",
    "M-EDU",
    "M-DISABLED",
    "M-HRSS",
    "M-HOUSING",
    "M-ECO",
    "M-HEALTH",
    "M-TRANSPORT",
    "M-COMMERCE",
    "M-CULTURE",
}


def test_demo_city_is_complete(session: Session) -> None:
    summary = seed_demo(session)
    session.commit()
    assert summary is not None
    districts = session.exec(select(Area).where(Area.level == AreaLevel.DISTRICT)).all()
    assert {d.name_zh for d in districts} >= {
        "昆都仑区",
        "青山区",
        "东河区",
        "九原区",
        "石拐区",
        "白云鄂博矿区",
        "土默特右旗",
        "固阳县",
        "达尔罕茂明安联合旗",
    }
    assert any("稀土" in d.name_zh for d in districts)
    assert all(d.population > 0 and d.name_en for d in districts)
    for district in districts:
        if district.code in URBAN_DISTRICTS:
            streets = session.exec(
                select(func.count()).select_from(Area).where(Area.parent_id == district.id)
            ).one()
            assert streets >= 3, district.name_zh
    units = {u.code: u for u in session.exec(select(Unit))}
    assert set(units) >= REQUIRED_DEPARTMENTS
    assert any(u.unit_class is UnitClass.DISTRICT_GOVERNMENT for u in units.values())
    assert any(u.unit_class is UnitClass.STREET_OFFICE for u in units.values())


def test_category_tree_covers_the_seed_plan(session: Session) -> None:
    seed_demo(session)
    session.commit()
    categories = catalogue.list_categories(session)
    tags = {tag for c in categories for tag in c.tags}
    assert tags == set(TAGS)
    assert all(c.default_unit_code for c in categories if c.depth > 1)
    names = " ".join(c.name_zh for c in categories)
    for word in (
        "假冒",
        "老年",
        "妇女",
        "未成年",
        "残疾",
        "劳动",
        "占道",
        "乱停",
        "违法建设",
        "噪",
    ):
        assert word in names, word
    assert [c.code for c in catalogue.search(categories, "山寨")][:1] == ["MR.FAKE"]
    assert session.exec(select(func.count()).select_from(DeadlinePolicy)).one() >= 10


def test_demo_staff_exist_for_every_role_and_seeding_twice_changes_nothing(
    session: Session,
) -> None:
    seed_demo(session)
    session.commit()
    roles = set(session.exec(select(User.role)))
    assert roles == set(Role)
    handlers = session.exec(select(User).where(User.role == Role.HANDLER)).all()
    assert handlers and all(h.unit_id for h in handlers)
    areas_before = session.exec(select(func.count()).select_from(Area)).one()
    assert seed_demo(session) is None
    session.commit()
    assert session.exec(select(func.count()).select_from(Area)).one() == areas_before
    assert session.exec(select(func.count(col(User.id)))).one() == len(Role) + 1
