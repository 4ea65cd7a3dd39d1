"""Migration 0017 rebuilds the holdings of tickets returned before holdings were recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from service import migrate
from service.db import make_engine
from service.sla.models import DeadlinePolicy, UnitHolding
from service.supervision import metrics
from service.supervision.metrics import Dimension
from tests.conftest import BACKENDS, database_of_its_own
from tests.factories import TZ
from tests.supervision.test_returned_lateness import AS_OF, NOV, _build


@pytest.fixture(params=BACKENDS)
def own_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own (it is migrated down and up again)."""
    with database_of_its_own(request.param, tmp_path) as url:
        yield url


def test_returns_from_before_holdings_get_their_lateness_back(own_url: str) -> None:
    engine = make_engine(own_url)
    with Session(engine, expire_on_commit=False) as session:
        city = _build(session)
    # Back to the schema before holdings and office clocks (tickets, events and returns stay),
    # then forward again: the backfill must find what the services wrote.
    migrate.downgrade(own_url, "0014")
    migrate.upgrade(own_url)
    with Session(engine) as session:
        ended = {
            (h.unit_id, h.ended_at): h
            for h in session.exec(select(UnitHolding).where(col(UnitHolding.ended_at).is_not(None)))
        }
        late = ended[(city.a.id, datetime(2026, 11, 30, 10, 0, tzinfo=TZ))]
        # From T1's "clocks" event: handling due Sun 29 Nov 09:00; signed 10:00 before 11:00.
        assert late.handling_due == datetime(2026, 11, 29, 9, 0, tzinfo=TZ)
        assert late.started_at == datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
        assert (late.sign_for_late, late.handling_late) == (False, True)
        early = ended[(city.a.id, datetime(2026, 11, 10, 15, 0, tzinfo=TZ))]
        assert (early.sign_for_late, early.handling_late) == (False, False)
        # The current leads (B of T1 and T4, A of T2) get open holdings.
        current = session.exec(
            select(UnitHolding.unit_id).where(col(UnitHolding.ended_at).is_(None))
        ).all()
        assert sorted(current) == sorted([city.b.id, city.b.id, city.a.id])
        # The same hand-computed figures as before the round trip (test_returned_lateness).
        rows = {r.key: r for r in metrics.workflow_rates(session, NOV, Dimension.UNIT, as_of=AS_OF)}
        a = rows[city.a.id]
        assert (a.signed_on_time, a.sign_for_counted, a.closed_on_time, a.closure_counted) == (
            2,
            3,
            1,
            2,
        )
        # The rule table's catch-all row gets the office clocks.
        policy = session.exec(select(DeadlinePolicy)).one()
        assert (policy.dispatch, policy.return_review, policy.reply_review) == (
            "2wh",
            "1wd",
            "1wd",
        )
    engine.dispose()
