"""Migration 0016 keeps every existing callback, as round 1, and then takes a second round."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from service import migrate
from service.db import make_engine
from service.tickets.models import Channel, Ticket, TicketType
from tests.conftest import BACKENDS, database_of_its_own

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def url_at_0014(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated only up to the revision before callback rounds."""
    with database_of_its_own(request.param, tmp_path, "0014") as url:
        yield url


def _callback(ticket_id: int, **extra: object) -> dict[str, object]:
    return {
        "ticket_id": ticket_id,
        "answered_at": AT,
        "contacted": True,
        "resolved": "not",
        "satisfied": "dissatisfied",
        "comment": "没人来",
        "channel": "phone",
        "unit_at_fault": True,
        **extra,
    }


def test_existing_callbacks_become_round_one(url_at_0014: str) -> None:
    engine = make_engine(url_at_0014)
    try:
        with Session(engine) as session:
            ticket = Ticket(
                number="BT2611200001",
                channel=Channel.HOTLINE,
                type=TicketType.COMPLAINT,
                title="假酒",
                description="……",
                created_at=AT,
                updated_at=AT,
            )
            # Only the columns revision 0014 has: later migrations add columns the model knows.
            old_ticket = Table("ticket", MetaData(), autoload_with=session.connection())
            values = {
                k: v for k, v in ticket.model_dump().items() if k in old_ticket.c and k != "id"
            }
            ticket_id = session.execute(
                insert(old_ticket).values(**values).returning(old_ticket.c.id)
            ).scalar_one()
            old = Table("callback", MetaData(), autoload_with=session.connection())
            session.execute(insert(old).values(**_callback(ticket_id)))
            session.commit()
        migrate.upgrade(url_at_0014)
        with engine.begin() as connection:
            new = Table("callback", MetaData(), autoload_with=connection)
            rows = connection.execute(select(new.c.round, new.c.comment)).all()
            assert [tuple(r) for r in rows] == [(1, "没人来")]
            # The next round sits beside the first; the same round twice is refused.
            connection.execute(insert(new).values(**_callback(ticket_id, round=2)))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(new).values(**_callback(ticket_id, round=2)))
    finally:
        engine.dispose()
