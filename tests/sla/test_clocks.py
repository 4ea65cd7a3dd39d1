"""Starting clocks stores due times from the policy table and the official calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock, i18n
from service.auth.models import Role
from service.config import Settings
from service.sla import clocks, traces
from service.sla.models import CalendarOverride, DeadlinePolicy
from service.tickets import service as tickets
from tests.auth.staff import make_user, quick_ticket, sign_in_as
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
    national_day = {
        "step": "skip",
        "first": "2025-10-01",
        "last": "2025-10-08",
        "reasons": ["holiday"],
        "holidays": ["National Day", "Mid-autumn Festival"],
    }
    assert national_day in event.data["trace"]["handling_due"]
    views = {v.name: v for v in clocks.clock_views(session, ticket)}
    with i18n.use_locale("zh_CN"):
        assert "跳过 10月1日至8日：国庆节、中秋假期" in views["handling_due"].lines
    with i18n.use_locale("en"):
        assert views["handling_due"].lines[-1] == "due Thu 16 Oct 2025 10:00"


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
    assert event.data["reason_step"] == {"step": "no_policy"}
    views = clocks.clock_views(session, ticket)
    with i18n.use_locale("zh_CN"):
        assert traces.event_reason(event) == "没有适用于此工单的期限规则，未设定期限"
        assert all(v.lines == ["没有适用于此工单的期限规则，未设定期限"] for v in views)
    with i18n.use_locale("en"):
        assert traces.event_reason(event) == "no deadline policy matches this ticket"


def test_events_from_before_traces_were_data_show_as_stored(session: Session) -> None:
    ticket, _ = make_ticket(session)
    engine = tickets.Actor.system("deadline engine")
    tickets.record(session, ticket, "clocks", actor=engine, reason="no deadline policy matches")
    old_lines = ["start Tue 30 Sep 2025 10:00", "due Thu 9 Oct 2025 10:00"]
    tickets.record(
        session, ticket, "clocks", actor=engine, data={"trace": {"sign_for_due": old_lines}}
    )
    session.commit()
    views = {v.name: v for v in clocks.clock_views(session, ticket)}
    with i18n.use_locale("zh_CN"):
        assert views["sign_for_due"].lines == old_lines
        assert views["handling_due"].lines == ["no deadline policy matches"]


def test_the_ticket_page_shows_the_trace_in_the_page_language(
    client: TestClient, session: Session, settings: Settings
) -> None:
    session.add(DeadlinePolicy(sign_for="1wd", first_contact="1wd", handling="3wd", callback="3wd"))
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    ticket = quick_ticket(session, number="BT2509300001")
    with clock.frozen(datetime(2025, 9, 30, 10, 0, tzinfo=TZ)):
        clocks.start_clocks(session, ticket)
    session.commit()
    sign_in_as(client, session, settings, dispatcher)

    chinese = client.get("/staff/tickets/BT2509300001").text
    for line in [
        "起算 2025-09-30（周二）10:00",
        "跳过 10月1日至8日：国庆节、中秋假期",
        "计入 10月11日（周六）：国庆节调休上班，第3个工作日",
        "到期 2025-10-11（周六）10:00",
    ]:
        assert f"<li>{line}</li>" in chinese
    assert "National Day" not in chinese

    english = client.get("/staff/tickets/BT2509300001?lang=en").text
    assert "<li>count Sat 11 Oct: make-up working day for National Day (working day 3)</li>" in (
        english
    )
    assert "国庆节" not in english


def test_the_events_list_gives_the_engines_reason_in_the_page_language(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    ticket = quick_ticket(session, number="BT2509300002")
    clocks.start_clocks(session, ticket)  # no policy at all
    session.commit()
    sign_in_as(client, session, settings, dispatcher)
    page = client.get("/staff/tickets/BT2509300002").text
    events = page[page.index("<h2>处理记录</h2>") :]
    assert "没有适用于此工单的期限规则，未设定期限" in events
    assert "no deadline policy" not in page
