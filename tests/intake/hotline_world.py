"""A little reference data for the hotline: a district with two streets, units, categories,
an approved answer and an operator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from service import clock
from service.auth.models import Role, User
from service.catalogue.knowledge import KnowledgeAnswer
from service.catalogue.models import Category
from service.places.models import Area, AreaLevel
from tests.auth.staff import make_user
from tests.factories import make_area, make_category, make_unit


@dataclass
class HotlineWorld:
    operator: User
    district: Area
    street: Area
    other_street: Area
    fake: Category
    stalls: Category
    answer: KnowledgeAnswer


def build(session: Session) -> HotlineWorld:
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
        name_zh="先锋道街道",
    )
    samr = make_unit(session, code="M-SAMR")
    urban = make_unit(session, code="M-URBAN", name_zh="市城管执法局")
    fake = make_category(session, code="MR.FAKE", name_zh="假冒伪劣", unit=samr)
    stalls = make_category(session, code="UR.STALL", name_zh="占道经营", unit=urban)
    answer = KnowledgeAnswer(
        code="KB-SOCIAL-01",
        question="社保卡丢了怎么补办？",
        answer="携带身份证到就近社保经办网点或通过“包头人社”APP申请补卡。",
        keywords="社保卡 补办 挂失",
        updated_at=clock.now(),
    )
    session.add(answer)
    operator = make_user(session, username="op-wang", role=Role.OPERATOR)
    session.commit()
    return HotlineWorld(operator, district, street, other_street, fake, stalls, answer)
