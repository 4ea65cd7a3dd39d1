"""The calendar admin page, the notice from 1 October, and provisional deadlines on the
workbench, through the real pages."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.config import Settings
from service.sla.models import CalendarArrangement, CalendarArrangementDay
from service.tickets import service as tickets
from service.tickets.states import Action
from tests.auth.staff import csrf_token, make_user, sign_in_as
from tests.departments.helpers import add_policy, dispatched_ticket, sign_in, submit, units
from tests.factories import TZ
from tests.sla.test_holidays import ARRANGEMENT_2027

PAGE = "/staff/admin/calendar"
OCTOBER = datetime(2026, 10, 15, 9, 0, tzinfo=TZ)


def _admin(client: TestClient, session: Session, settings: Settings) -> None:
    user = make_user(session, username="root", role=Role.ADMIN)
    session.commit()
    sign_in_as(client, session, settings, user)


def test_an_admin_enters_an_arrangement_and_a_mistake_is_shown_at_the_field(
    client: TestClient, session: Session, settings: Settings
) -> None:
    with clock.frozen(OCTOBER):
        _admin(client, session, settings)
        page = client.get(PAGE)
        assert page.status_code == 200
        assert "2027-02-05" in page.text and "春节" in page.text  # the statutory days to check
        typed = ARRANGEMENT_2027.replace("2027-04-05,holiday", "2027-04-06,holiday")
        token = csrf_token(client, PAGE)
        refused = client.post(PAGE, data={"arrangement": typed, "csrf_token": token})
        assert refused.status_code == 422
        assert 'id="e-arrangement"' in refused.text
        assert "2027-04-05（清明）是法定节假日，但文件中没有列为放假" in refused.text
        assert str(escape(typed)) in refused.text  # what was typed is kept
        assert session.exec(select(CalendarArrangement)).all() == []

        token = csrf_token(client, PAGE)
        saved = client.post(
            PAGE,
            data={"arrangement": ARRANGEMENT_2027, "csrf_token": token},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        shown = client.get(saved.headers["location"]).text
        assert "已录入2027年的放假安排" in shown
        assert "正在重新计算" in shown
    session.expire_all()
    days = session.exec(select(CalendarArrangementDay)).all()
    assert len(days) == 20 and {d.year for d in days} == {2027}


def test_the_form_refuses_a_post_without_its_csrf_token_and_other_roles(
    client: TestClient, session: Session, settings: Settings
) -> None:
    handler = make_user(session, username="h", role=Role.HANDLER)
    session.commit()
    sign_in_as(client, session, settings, handler)
    assert client.get(PAGE).status_code == 403
    _admin(client, session, settings)
    response = client.post(PAGE, data={"arrangement": ARRANGEMENT_2027})
    assert response.status_code in (400, 403)
    assert session.exec(select(CalendarArrangement)).all() == []


def test_an_admin_is_told_from_1_october_until_next_year_is_entered(
    client: TestClient, session: Session, settings: Settings
) -> None:
    admin = make_user(session, username="root", role=Role.ADMIN)
    session.commit()
    with clock.frozen(datetime(2026, 9, 30, 9, 0, tzinfo=TZ)):
        sign_in_as(client, session, settings, admin)
        assert 'id="calendar-notice"' not in client.get("/staff/admin/users").text
    with clock.frozen(OCTOBER):
        sign_in_as(client, session, settings, admin)
        notice = client.get("/staff/admin/users").text
        assert 'id="calendar-notice"' in notice
        assert "2027年的官方放假安排尚未录入" in notice
        token = csrf_token(client, PAGE)
        client.post(PAGE, data={"arrangement": ARRANGEMENT_2027, "csrf_token": token})
        assert 'id="calendar-notice"' not in client.get("/staff/admin/users").text


def test_the_workbench_says_a_deadline_is_provisional_and_refuses_a_statutory_holiday(
    client: TestClient, engine: Engine
) -> None:
    filed = datetime(2026, 12, 11, 10, 0, tzinfo=TZ)  # 15 working days: into 2027
    with Session(engine, expire_on_commit=False) as session:
        add_policy(session, handling="15wd")
        samr, _ = units(session)
        handler = make_user(session, username="h", role=Role.HANDLER, unit=samr)
        ticket = dispatched_ticket(session, at=filed, lead=samr)
        with clock.frozen(filed):
            tickets.transition(session, ticket, Action.SIGN_FOR, actor=tickets.Actor.staff(handler))
        session.commit()
    page = f"/staff/workbench/tickets/{ticket.number}"
    sign_in(client, handler)
    with clock.frozen(datetime(2026, 12, 14, 9, 0, tzinfo=TZ)):
        shown = client.get(page).text
        assert "2027-01-04 10:00" in shown  # New Year's Day skipped
        assert 'class="badge provisional"' in shown and "暂定" in shown
        assert 'id="extension-provisional"' in shown
        queue = client.get("/staff/workbench").text
        assert 'class="badge provisional"' in queue
        status, refused = submit(
            client, page, "/extension", requested_due="2027-01-01", reason="等待检测"
        )
        assert status == 422
        assert "该日不是工作日，请选择工作日。" in refused
        assert 'value="2027-01-01"' in refused  # kept as typed


def test_an_admin_uploads_the_file_instead_of_pasting_it(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _admin(client, session, settings)
    token = csrf_token(client, PAGE)
    response = client.post(
        PAGE,
        data={"arrangement": "", "csrf_token": token},
        files={"file": ("arrangement-2027.csv", ARRANGEMENT_2027.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    row = session.get(CalendarArrangement, 2027)
    assert row is not None and row.source == "arrangement-2027.csv"
    assert "arrangement-2027.csv" in client.get(PAGE).text
