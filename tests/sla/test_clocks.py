"""Starting clocks stores due times from the policy table and the official calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from service import clock
from service.sla import clocks
from service.sla.models import CalendarOverride, DeadlinePolicy
from service.tickets import service as tickets
from tests.factories import TZ, make_category, make_ticket, make_unit


def _policies(session: Session) -> None:
    session.add(
        DeadlinePolicy(sign_for="1wd", first_contact="1wd", handling="15wd", callback="3wd")
    )
    session.add(
        DeadlinePolicy(
            ticket_type="complaint",
            category_prefix="MR",
            sign_for="1wd",
            first_contact="2h",
            handling="7wd",
            callback="3wd",
        )
    )
    session.flush()


def test_clocks_follow_the_policy_and_skip_national_day(session: Session) -> None:
    _policies(session)
    unit = make_unit(session)
    category = make_category(session, code="MR.FAKE", unit=unit)
    ticket, _ = make_ticket(session)
    ticket.category_id, ticket.lead_unit_id = category.id, unit.id
    start = datetime(2025, 9, 30, 10, 0, tzinfo=TZ)  # Tuesday before the 1–8 Oct holiday
    with clock.frozen(start):
        clocks.start_clocks(session, ticket)
    assert ticket.sign_for_due == datetime(2025, 10, 9, 10, 0, tzinfo=TZ)
    assert ticket.contact_due == datetime(2025, 9, 30, 12, 0, tzinfo=TZ)
    # 7 working days: 9, 10, 11 (make-up Saturday), 13, 14, 15, 16 October.
    assert ticket.handling_due == datetime(2025, 10, 16, 10, 0, tzinfo=TZ)
    session.commit()
    assert ticket.id is not None
    [event] = [e for e in tickets.events_of(session, ticket.id) if e.action == "clocks"]
    assert any("National Day" in line for line in event.data["trace"]["handling_due"])


def test_a_local_rest_day_moves_the_deadline(session: Session) -> None:
    _policies(session)
    session.add(CalendarOverride(day=date(2026, 3, 3), working=False, note="local"))
    ticket, _ = make_ticket(session)
    with clock.frozen(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)):  # Monday 09:00 in Baotou
        clocks.start_clocks(session, ticket)
    assert ticket.sign_for_due == datetime(2026, 3, 4, 9, 0, tzinfo=TZ)


def test_without_a_policy_no_due_time_is_invented(session: Session) -> None:
    ticket, _ = make_ticket(session)
    clocks.start_clocks(session, ticket)
    assert ticket.handling_due is None
    session.commit()
    assert ticket.id is not None
    [event] = [e for e in tickets.events_of(session, ticket.id) if e.action == "clocks"]
    assert "no deadline policy" in event.reason
