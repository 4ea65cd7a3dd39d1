"""The demo history is lived through the real services: states, events, callbacks, rankings,
a published report and public figures, once; every ticket's log replays to its status."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.auth import sessions
from service.auth.deps import SESSION_COOKIE
from service.auth.models import Role, User
from service.callbacks.models import Callback
from service.config import Settings
from service.intake.schemas import MAX_LENGTH, MIN_LENGTH
from service.seed import phrases
from service.seed.activity import generate
from service.seed.demo import seed_demo
from service.supervision import leagues, metrics, reports
from service.supervision.rankings import League
from service.tickets.models import Ticket, TicketEvent
from service.tickets.states import Action, Status, next_status

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def small(settings: Settings) -> Settings:
    # Sixty tickets give each unit only a few callbacks; rank units from three.
    return settings.model_copy(update={"metrics_min_sample": 3})


def _live(session: Session, settings: Settings) -> None:
    seed_demo(session)
    session.commit()
    summary = generate(session, settings, months=1, seed=0, tickets=60, now=NOW)
    session.commit()
    assert summary is not None


def _replays(events: list[TicketEvent]) -> Status:
    """Walk a ticket's events through the transition table; the state it ends in."""
    first, *rest = events
    assert first.action == "create" and first.to_status is Status.INTAKE
    current = Status.INTAKE
    for event in rest:
        assert event.from_status is current, (event.action, current)
        if event.action in set(Action):
            current = next_status(current, Action(event.action), event.reason or "-")
        assert event.to_status is current, (event.action, current)
    return current


def test_history_moves_every_ticket_through_the_transition_table_once(
    session: Session, small: Settings
) -> None:
    _live(session, small)
    tickets = session.exec(select(Ticket)).all()
    statuses = {t.status for t in tickets}
    assert len(tickets) >= 40
    assert {Status.CLOSED, Status.HANDLING} <= statuses and len(statuses) >= 4
    events = session.exec(select(TicketEvent).order_by(col(TicketEvent.id))).all()
    by_ticket: dict[int, list[TicketEvent]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    for ticket in tickets:
        assert _replays(by_ticket[ticket.id or 0]) is ticket.status, ticket.number
    actions = {e.action for e in events}
    assert {"dispatch", "sign_for", "contact", "submit_reply", "accept_reply", "close"} <= actions

    callbacks = session.exec(select(Callback)).all()
    assert len(callbacks) >= 10
    assert {c.satisfied.value for c in callbacks} >= {"satisfied", "basically"}
    assert all(c.unit_id is not None for c in callbacks)

    # A database with tickets is left alone.
    assert generate(session, small, months=1, tickets=60, now=NOW) is None
    assert session.exec(select(func.count()).select_from(TicketEvent)).one() == len(events)


def test_history_publishes_last_month_with_ranked_units(session: Session, small: Settings) -> None:
    _live(session, small)
    published = reports.snapshots(session, period="2026-11")
    assert len(published) == 1 and reports.verify(published[0])
    content = reports.content_of(published[0])
    assert content["totals"]["answered"] >= 10 and content["totals"]["tickets"] >= 40
    with clock.frozen(NOW):
        tables = leagues.tables(session, "2026-11", small).leagues
    ranked = [s for s in tables[League.MUNICIPAL_DEPARTMENTS] if s.rank]
    assert ranked and all(s.answered >= 3 for s in ranked)
    november = metrics.month_period("2026-11", small.tz)
    city = metrics.callback_rates(session, november, metrics.Dimension.CITY)
    assert city and city[0].satisfaction(metrics.Weights()) is not None


def test_pages_show_the_history(session: Session, small: Settings) -> None:
    from service.app import create_app

    _live(session, small)
    supervisor = session.exec(select(User).where(User.role == Role.SUPERVISOR)).first()
    dispatcher = session.exec(select(User).where(User.role == Role.DISPATCHER)).first()
    assert supervisor is not None and dispatcher is not None
    with clock.frozen(NOW), TestClient(create_app(small)) as client:
        public = client.get("/transparency")
        assert public.status_code == 200
        assert "2026-11" in public.text and "13800" not in public.text
        client.cookies.set(SESSION_COOKIE, sessions.start(session, small, supervisor, addr="t"))
        session.commit()
        page = client.get("/staff/supervision/reports")
        assert page.status_code == 200 and "2026-11" in page.text
        assert client.get("/staff/callbacks").status_code == 200
        client.cookies.set(SESSION_COOKIE, sessions.start(session, small, dispatcher, addr="t"))
        session.commit()
        queue = client.get("/staff/workbench")
        assert queue.status_code == 200 and "BT26" in queue.text


@pytest.mark.parametrize("theme", phrases.THEMES, ids=lambda t: t.category)
def test_every_theme_writes_a_valid_complaint(theme: phrases.Theme) -> None:
    rng = random.Random(1)
    for _ in range(20):
        text = phrases.compose(theme, rng, street="友谊大街街道")
        assert MIN_LENGTH["title"] <= len(text.title) <= MAX_LENGTH["title"]
        assert MIN_LENGTH["description"] <= len(text.description) <= MAX_LENGTH["description"]
        assert text.request and all(len(r) <= MAX_LENGTH["reason"] for r in theme.replies)
    assert phrases.compose(theme, random.Random(7), street="A") == phrases.compose(
        theme, random.Random(7), street="A"
    )
