"""A ticket carries the cross-cutting tags of its category and of every ancestor, once each."""

from __future__ import annotations

from sqlmodel import Session, select

from service.catalogue.models import Category, CategoryTag, Tag
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, TicketTag, TicketType
from tests.conftest import TEST_SECRET
from tests.factories import TZ, make_category

TAGS = {
    "elderly": "老年人权益",
    "consumers": "消费者权益",
    "fake_goods": "假冒伪劣",
    "street_order": "街面秩序",
}


def _tree(session: Session) -> dict[str, Category]:
    """EL (elderly) > EL.FRAUD (consumers) > EL.FRAUD.HEALTH (fake goods, and elderly again),
    plus an unrelated SO (street order) tree."""
    for code, name in TAGS.items():
        session.add(Tag(code=code, name_zh=name, name_en=code))
    session.flush()
    made: dict[str, Category] = {}
    for code, parent, tags in (
        ("EL", None, ["elderly"]),
        ("EL.FRAUD", "EL", ["consumers"]),
        ("EL.FRAUD.HEALTH", "EL.FRAUD", ["fake_goods", "elderly"]),
        ("EL.ABUSE", "EL", []),
        ("SO", None, ["street_order"]),
    ):
        category = make_category(session, code=code, name_zh=code)
        if parent is not None:
            category.parent_id = made[parent].id
            category.depth = made[parent].depth + 1
        made[code] = category
        for tag in tags:
            session.add(CategoryTag(category_id=category.id or 0, tag_code=tag))
    session.flush()
    return made


def _file(session: Session, category: Category) -> Ticket:
    draft = tickets.TicketDraft(
        channel=Channel.WEB,
        type=TicketType.COMPLAINT,
        title="保健品推销骗老人",
        description="社区里有人向老人推销假保健品。",
        category_id=category.id,
    )
    ticket, _code = tickets.create_ticket(
        session, draft, actor=tickets.Actor.citizen(), prefix="BT", tz=TZ, secret_key=TEST_SECRET
    )
    return ticket


def _tags(session: Session, ticket: Ticket) -> list[str]:
    return sorted(
        session.exec(select(TicketTag.tag_code).where(TicketTag.ticket_id == ticket.id)).all()
    )


def test_a_leaf_ticket_gets_the_tags_of_every_ancestor_once(session: Session) -> None:
    tree = _tree(session)
    leaf = _file(session, tree["EL.FRAUD.HEALTH"])
    # The leaf's own tags, its parent's, and the root's; "elderly" is on two levels, kept once.
    assert _tags(session, leaf) == ["consumers", "elderly", "fake_goods"]


def test_a_child_without_tags_inherits_its_parents_and_nothing_from_siblings(
    session: Session,
) -> None:
    tree = _tree(session)
    assert _tags(session, _file(session, tree["EL.ABUSE"])) == ["elderly"]
    assert _tags(session, _file(session, tree["EL.FRAUD"])) == ["consumers", "elderly"]
    assert _tags(session, _file(session, tree["EL"])) == ["elderly"]
    assert _tags(session, _file(session, tree["SO"])) == ["street_order"]
