"""The workbench as handlers and the hotline office use it: real forms, submitted."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.departments.models import AssistPart
from service.sla.models import ExtensionDecision, ExtensionRequest
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketEvent
from service.tickets.states import Status
from tests.departments.helpers import (
    add_policy,
    dispatched_ticket,
    form,
    make_user,
    sign_in,
    submit,
    units,
)
from tests.factories import TZ

DISPATCHED = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # Monday
LATER = datetime(2026, 3, 3, 10, 0, tzinfo=TZ)


def _setup(engine: Engine) -> dict[str, object]:
    with Session(engine, expire_on_commit=False) as session:
        add_policy(session)
        samr, urban = units(session)
        ticket = dispatched_ticket(session, at=DISPATCHED, lead=samr, assisting=[urban])
        other = dispatched_ticket(session, at=DISPATCHED, lead=urban, title="占道经营")
        people = {
            "handler": make_user(session, username="handler-samr", role=Role.HANDLER, unit=samr),
            "handler2": make_user(session, username="handler-samr-2", role=Role.HANDLER, unit=samr),
            "urban": make_user(session, username="handler-urban", role=Role.HANDLER, unit=urban),
            "dispatcher": make_user(session, username="dispatcher", role=Role.DISPATCHER),
        }
        session.commit()
        return {"ticket": ticket.number, "other": other.number, **people}


def _ticket(engine: Engine, number: str) -> Ticket:
    with Session(engine) as session:
        found = tickets.get_by_number(session, number)
        assert found is not None
        return found


def test_a_handler_works_a_ticket_from_queue_to_accepted_reply(
    client: TestClient, engine: Engine
) -> None:
    data = _setup(engine)
    number, page = str(data["ticket"]), f"/staff/workbench/tickets/{data['ticket']}"
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        queue = client.get("/staff/workbench").text
        assert number in queue
    with clock.frozen(LATER):
        status, html = submit(client, page, "/sign-for")
        assert status == 200 and "Being handled" in client.get(page + "?lang=en").text
        status, html = submit(
            client, page, "/contact", contact_at="2026-03-03T09:30", method="phone", note="约好上门"
        )
        assert status == 200
        status, html = submit(
            client, page, "/message", text="已责令超市下架。", visibility="public"
        )
        assert status == 200
        status, html = submit(client, page, "/submit")
        assert status == 200
    ticket = _ticket(engine, number)
    assert ticket.status is Status.REPLY_REVIEW
    assert ticket.contacted_at == datetime(2026, 3, 3, 9, 30, tzinfo=TZ)
    assert ticket.public_reply == "已责令超市下架。"

    sign_in(client, data["dispatcher"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        assert number in client.get("/staff/workbench/replies").text
        status, _ = submit(client, page, "/review", decision="accept")
    ticket = _ticket(engine, number)
    assert status == 200 and ticket.status is Status.PENDING_CALLBACK
    assert ticket.callback_due is not None


def test_a_handler_sees_only_their_units_tickets(client: TestClient, engine: Engine) -> None:
    data = _setup(engine)
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        queue = client.get("/staff/workbench").text
        assert str(data["ticket"]) in queue
        assert str(data["other"]) not in queue
        assert client.get(f"/staff/workbench/tickets/{data['other']}").status_code == 404
    sign_in(client, data["dispatcher"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        everything = client.get("/staff/workbench").text
        assert str(data["ticket"]) in everything and str(data["other"]) in everything
        only_urban = client.get("/staff/workbench?unit=M-URBAN").text
        # M-URBAN leads `other` and assists on `ticket`.
        assert str(data["other"]) in only_urban and str(data["ticket"]) in only_urban


def test_flags_filter_the_queue(client: TestClient, engine: Engine) -> None:
    data = _setup(engine)
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    # Sign-for is due Tuesday 09:00; yellow from Monday ~16:12 (20% of 6.5 working hours left).
    with clock.frozen(datetime(2026, 3, 2, 17, 0, tzinfo=TZ)):
        yellow = client.get("/staff/workbench?flag=yellow&lang=en").text
        assert str(data["ticket"]) in yellow and "Due soon" in yellow
        assert str(data["ticket"]) not in client.get("/staff/workbench?flag=red").text
    with clock.frozen(datetime(2026, 3, 3, 9, 1, tzinfo=TZ)):
        red = client.get("/staff/workbench?flag=red&lang=en").text
        assert str(data["ticket"]) in red and "Overdue" in red


def test_bad_input_is_shown_next_to_the_field_with_the_text_kept(
    client: TestClient, engine: Engine
) -> None:
    data = _setup(engine)
    page = f"/staff/workbench/tickets/{data['ticket']}"
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        submit(client, page, "/sign-for")
        status, html = submit(
            client,
            page + "?lang=en",
            "/contact",
            contact_at="2026-03-09T09:00",
            method="visit",
            note="明天上门核实",
        )
    assert status == 422
    assert "联系时间不能晚于现在" in html  # the message, in the page language, by the field
    assert "明天上门核实" in html and 'value="2026-03-09T09:00"' in html
    with clock.frozen(LATER):
        status, html = submit(client, page + "?lang=en", "/submit", text="已处理")
    assert status == 422 and "请先记录与市民的联系" in html


def test_two_handlers_at_once_one_wins_the_other_keeps_their_text(
    client: TestClient, engine: Engine
) -> None:
    data = _setup(engine)
    page = f"/staff/workbench/tickets/{data['ticket']}"
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        submit(client, page, "/sign-for")
        stale_html = client.get(page).text  # the second handler's open page
        status, _ = submit(
            client, page, "/contact", contact_at="2026-03-03T09:40", method="phone", note="先到"
        )
        assert status == 200
        sign_in(client, data["handler2"])  # type: ignore[arg-type]
        url, fields = form(stale_html, "/message")
        fields.update(text="我写的答复，不能丢。", visibility="public")
        response = client.post(url + "?lang=en", data=fields)
    assert response.status_code == 409
    assert "Someone changed this ticket" in response.text
    assert "先到" in response.text  # what the other handler did is listed
    assert "我写的答复，不能丢。" in response.text  # and nothing typed is lost
    assert _ticket(engine, str(data["ticket"])).public_reply == ""


def test_extension_requested_by_the_unit_and_granted_for_another_date(
    client: TestClient, engine: Engine
) -> None:
    data = _setup(engine)
    page = f"/staff/workbench/tickets/{data['ticket']}"
    before = _ticket(engine, str(data["ticket"])).handling_due
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        submit(client, page, "/sign-for")
        status, html = submit(
            client, page, "/extension", requested_due="2026-04-10", reason="需等待检测报告"
        )
        assert status == 200
    sign_in(client, data["dispatcher"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        listing = client.get("/staff/workbench/extensions").text
        assert "需等待检测报告" in listing
        url, fields = form(listing, "/staff/workbench/extensions/1")
        fields.update(decision="approve", granted_due="2026-04-03", note="给一周")
        assert client.post(url, data=fields).status_code == 200
    ticket = _ticket(engine, str(data["ticket"]))
    assert ticket.handling_due == datetime(2026, 4, 3, 17, 30, tzinfo=TZ)
    with Session(engine) as session:
        [request] = session.exec(select(ExtensionRequest)).all()
        assert request.decision is ExtensionDecision.APPROVED
        assert request.requested_due == datetime(2026, 4, 10, 17, 30, tzinfo=TZ)
        assert request.granted_due == ticket.handling_due and request.previous_due == before
        actions = [e.action for e in session.exec(select(TicketEvent))]
        assert "extension_approved" in actions
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        shown = client.get(page + "?lang=en").text
        chinese = client.get(page + "?lang=zh_CN").text
    assert "extension #1 approved" in shown  # the trace of the moved clock
    assert "<li>批准延至 2026-04-03（周五）17:30（与申请的日期不同）</li>" in chinese


def test_an_assisting_unit_sends_its_part_and_the_lead_sees_it(
    client: TestClient, engine: Engine
) -> None:
    data = _setup(engine)
    page = f"/staff/workbench/tickets/{data['ticket']}"
    sign_in(client, data["urban"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        status, _ = submit(client, page, "/assist", text="城管已对门前占道处罚。")
    assert status == 200
    with Session(engine) as session:
        assert len(session.exec(select(AssistPart)).all()) == 1
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        assert "城管已对门前占道处罚。" in client.get(page).text


def test_pause_and_resume_from_the_page_moves_the_deadline(
    client: TestClient, engine: Engine
) -> None:
    data = _setup(engine)
    page = f"/staff/workbench/tickets/{data['ticket']}"
    before = _ticket(engine, str(data["ticket"])).handling_due
    assert before is not None
    sign_in(client, data["handler"])  # type: ignore[arg-type]
    with clock.frozen(LATER):
        submit(client, page, "/sign-for")
        status, _ = submit(client, page, "/pause", reason="等待市民补充购物小票")
        assert status == 200
    with clock.frozen(datetime(2026, 3, 4, 10, 0, tzinfo=TZ)):  # 6.5 working hours later
        assert "/resume" in client.get(page).text
        status, _ = submit(client, page, "/resume")
    assert status == 200
    after = _ticket(engine, str(data["ticket"])).handling_due
    # Due Mon 23 Mar 09:00; 6.5 working hours stood still (Tue 10:00 to Wed 10:00).
    assert after == datetime(2026, 3, 24, 9, 0, tzinfo=TZ)
