"""Migration 0012 gives tickets filed before tag inheritance their category ancestors' tags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect
from sqlmodel import Session, col, select

from service import clock, migrate
from service.catalogue.models import Category, CategoryTag, CategoryTree, Tag
from service.db import make_engine
from service.tickets.models import Channel, Ticket, TicketTag, TicketType
from tests.conftest import BACKENDS, database_of_its_own


@pytest.fixture(params=BACKENDS)
def url_at_0010(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated only up to the revision before tag inheritance."""
    with database_of_its_own(request.param, tmp_path, "0010") as url:
        yield url


def _category(session: Session, code: str, parent: Category | None, tags: list[str]) -> Category:
    category = Category(
        tree_version=1,
        code=code,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 1,
        name_zh=code,
        name_en=code,
    )
    session.add(category)
    session.flush()
    for tag in tags:
        session.add(CategoryTag(category_id=category.id or 0, tag_code=tag))
    return category


def _old_ticket(session: Session, number: str, category: Category, tags: list[str]) -> Ticket:
    """A ticket as the old code filed it: only its own category's tags."""
    at = clock.now()
    ticket = Ticket(
        number=number,
        channel=Channel.WEB,
        type=TicketType.COMPLAINT,
        category_id=category.id,
        title="老人被骗买保健品",
        description="……",
        created_at=at,
        updated_at=at,
    )
    # Only the columns the old schema has: later migrations add ticket columns the model knows.
    existing = {c["name"] for c in inspect(session.connection()).get_columns("ticket")}
    values = {k: v for k, v in ticket.model_dump().items() if k in existing and k != "id"}
    ticket.id = session.execute(insert(Ticket).values(**values).returning(col(Ticket.id))).scalar()
    for tag in tags:
        session.add(TicketTag(ticket_id=ticket.id or 0, tag_code=tag))
    return ticket


def test_old_tickets_gain_their_ancestors_tags_once(url_at_0010: str) -> None:
    engine = make_engine(url_at_0010)
    with Session(engine, expire_on_commit=False) as session:
        for code in ("elderly", "consumers", "fake_goods"):
            session.add(Tag(code=code, name_zh=code, name_en=code))
        session.add(CategoryTree(version=1, published_at=clock.now()))
        session.flush()
        root = _category(session, "EL", None, ["elderly"])
        middle = _category(session, "EL.FRAUD", root, ["consumers"])
        leaf = _category(session, "EL.FRAUD.HEALTH", middle, ["fake_goods", "elderly"])
        other = _category(session, "SO", None, [])
        deep = _old_ticket(session, "BT2611290001", leaf, ["fake_goods", "elderly"])
        mid = _old_ticket(session, "BT2611290002", middle, ["consumers"])
        plain = _old_ticket(session, "BT2611290003", other, [])
        session.commit()
    engine.dispose()

    migrate.upgrade(url_at_0010)

    engine = make_engine(url_at_0010)
    with Session(engine) as session:

        def tags_of(ticket: Ticket) -> list[str]:
            rows = session.exec(select(TicketTag.tag_code).where(TicketTag.ticket_id == ticket.id))
            return sorted(rows.all())

        assert tags_of(deep) == ["consumers", "elderly", "fake_goods"]
        assert tags_of(mid) == ["consumers", "elderly"]
        assert tags_of(plain) == []
    engine.dispose()
