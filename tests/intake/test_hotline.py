"""The operator console: every outcome of a call, submitted through the real form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.calls import service as calls
from service.calls.models import CallerRole, CallRecord, Direction, Outcome, TicketCall
from service.catalogue.models import CategoryTag, Tag
from service.config import Settings
from service.intake import service as intake
from service.intake.models import CoRequester
from service.routing.models import RoutingDecision, RoutingMethod
from service.sla.models import DeadlinePolicy
from service.tickets.models import Channel, Ticket, TicketEvent, TicketTag
from service.tickets.states import CloseReason, Status
from tests.auth.staff import csrf_token, quick_ticket, sign_in_as
from tests.factories import make_category
from tests.intake.helpers import complaint_fields, open_form, publish_catalogue
from tests.intake.hotline_world import HotlineWorld, build

CALLER = "+8613912345678"  # how every channel stores 139 1234 5678


@pytest.fixture
def world(session: Session) -> HotlineWorld:
    return build(session)


@pytest.fixture
def operator_client(
    client: TestClient, session: Session, settings: Settings, world: HotlineWorld
) -> TestClient:
    sign_in_as(client, session, settings, world.operator)
    return client


def _submit(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/staff/hotline")
    return client.post(
        "/staff/hotline", data={"csrf_token": token, **fields}, follow_redirects=False
    )


def _work_order(**overrides: str) -> dict[str, str]:
    fields = {
        "caller_phone": "139 1234 5678",
        "caller_name": "李四",
        "type": "complaint",
        "urgency": "normal",
        "category_code": "MR.FAKE",
        "title": "超市销售假冒白酒",
        "description": "在沼潭街道某超市买到假冒白酒。",
        "request_text": "查处并退款",
        "district_code": "150203",
        "street_code": "150203001",
        "address": "钢铁大街 1 号",
        "outcome": "work_order",
    }
    fields.update(overrides)
    return fields


def test_a_call_becomes_a_work_order_routed_by_the_dispatch_catalogue(
    operator_client: TestClient, session: Session, world: HotlineWorld
) -> None:
    publish_catalogue(session)
    session.add(
        DeadlinePolicy(sign_for="1wd", first_contact="2wd", handling="15wd", callback="3wd")
    )
    session.commit()
    response = _submit(operator_client, **_work_order())
    assert response.status_code == 303
    ticket = session.exec(select(Ticket)).one()
    assert ticket.channel is Channel.HOTLINE
    assert ticket.status is Status.PENDING_SIGN_FOR
    assert ticket.lead_unit_id == world.fake.default_unit_id
    assert ticket.sign_for_due is not None and ticket.handling_due is not None
    decision = session.exec(select(RoutingDecision)).one()
    assert decision.method is RoutingMethod.RULE and decision.rule_set_version == 1
    assert (ticket.category_id, ticket.district_id, ticket.street_id) == (
        world.fake.id,
        world.district.id,
        world.street.id,
    )
    assert ticket.requester_phone == CALLER and ticket.requester_name == "李四"
    link = session.exec(select(TicketCall)).one()
    assert (link.ticket_id, link.role, link.caller_phone) == (
        ticket.id,
        CallerRole.REQUESTER,
        CALLER,
    )
    page = operator_client.get(response.headers["location"]).text
    # The operator reads the number and access code to the caller, once, and where it went.
    assert ticket.number in page and re.search(r'id="done-code">[A-Z0-9]{8}<', page)
    assert "已生成工单" in page
    assert re.search(r'id="done-unit">\s*已派发至 市市场监督管理局', page)
    assert ticket.number in page.split('id="my-day"')[1]
    assert 'id="done-code"' not in operator_client.get("/staff/hotline").text


def test_a_hotline_ticket_carries_its_categorys_tags_and_its_parents(
    operator_client: TestClient, session: Session, world: HotlineWorld
) -> None:
    session.add(Tag(code="elderly", name_zh="老年人权益", name_en="Rights of the elderly"))
    session.add(Tag(code="consumers", name_zh="消费者权益", name_en="Consumer rights"))
    session.flush()
    # The tag on the parent category reaches tickets filed under the child.
    market = make_category(session, code="MR", name_zh="市场监管")
    world.fake.parent_id, world.fake.depth = market.id, 2
    session.add(CategoryTag(category_id=market.id or 0, tag_code="elderly"))
    session.add(CategoryTag(category_id=world.fake.id or 0, tag_code="consumers"))
    session.commit()
    _submit(operator_client, **_work_order())
    _submit(
        operator_client, caller_phone=CALLER, knowledge_code="KB-SOCIAL-01", outcome="direct_answer"
    )
    filed, answered = session.exec(select(Ticket).order_by(Ticket.id)).all()  # type: ignore[arg-type]
    tags = session.exec(select(TicketTag.ticket_id, TicketTag.tag_code)).all()
    assert sorted(tags) == [(filed.id, "consumers"), (filed.id, "elderly")]
    assert answered.category_id is None


def test_a_citizen_who_filed_online_is_recognised_when_they_phone_in(
    operator_client: TestClient, session: Session, settings: Settings, world: HotlineWorld
) -> None:
    _html, hidden = open_form(operator_client)
    filed = operator_client.post(
        "/complaints/new", data={**complaint_fields(), **hidden, "step": "file"}
    )
    assert filed.status_code == 201
    ticket = session.exec(select(Ticket)).one()
    assert ticket.requester_phone == "+8613812345678"
    # The telephony feed sends the number with its country code, the operator types it spaced.
    summary = calls.import_records(
        session,
        [
            (
                1,
                {
                    "call_id": "PBX-9",
                    "caller_number": "+86 138-1234-5678",
                    "started_at": (clock.now() - timedelta(minutes=2)).isoformat(),
                    "outcome": "answered",
                },
            )
        ],
        tz=settings.tz,
    )
    session.commit()
    assert summary.inserted == 1
    fragment = operator_client.get(
        "/staff/hotline/lookup", params={"caller_phone": "138 1234 5678"}
    ).text
    assert f'value="{ticket.number}"' in fragment and "PBX-9" in fragment
    merged = _submit(
        operator_client, caller_phone="138 1234 5678", merge_into=ticket.number, outcome="merge"
    )
    assert merged.status_code == 303
    link = session.exec(select(TicketCall)).one()
    record = session.exec(select(CallRecord)).one()
    # Their own repeat call: linked to the call record, and not counted as a co-requester.
    assert (link.role, link.call_id) == (CallerRole.REQUESTER, record.id)
    assert session.exec(select(CoRequester)).all() == []


def test_without_a_matching_rule_the_work_order_waits_in_triage(
    operator_client: TestClient, session: Session, world: HotlineWorld
) -> None:
    response = _submit(operator_client, **_work_order())
    ticket = session.exec(select(Ticket)).one()
    assert ticket.status is Status.PENDING_DISPATCH and ticket.lead_unit_id is None
    decision = session.exec(select(RoutingDecision)).one()
    assert decision.method is RoutingMethod.QUEUED
    page = operator_client.get(response.headers["location"]).text
    assert "工单在派单员的待分派队列中等待分派" in page


def test_errors_keep_everything_typed_and_save_nothing(
    operator_client: TestClient, session: Session
) -> None:
    response = _submit(
        operator_client,
        **_work_order(title="", category_code="NOPE", street_code="150204001"),
    )
    assert response.status_code == 422
    page = response.text
    assert "请填写简短标题" in page
    assert "没有这个分类编码" in page
    assert "该街道不属于所选区县" in page
    for kept in ("李四", "在沼潭街道某超市买到假冒白酒。", "查处并退款", "钢铁大街 1 号", "NOPE"):
        assert kept in page
    assert session.exec(select(Ticket)).all() == []


def test_typing_a_number_shows_earlier_tickets_open_first(
    operator_client: TestClient, session: Session
) -> None:
    closed = quick_ticket(session, number="BT2611010001", title="早先的投诉", phone=CALLER)
    closed.status = Status.CLOSED
    open_ticket = quick_ticket(session, number="BT2611020001", title="还在办理", phone=CALLER)
    # A ticket this number called about as a co-requester counts too.
    other = quick_ticket(session, number="BT2611030001", title="别人的工单", phone="+8613700000000")
    session.add(
        TicketCall(
            ticket_id=other.id,  # type: ignore[arg-type]
            caller_phone=CALLER,
            role=CallerRole.CO_REQUESTER,
            created_at=clock.now(),
        )
    )
    # So does one this number joined online ("me too").
    joined = quick_ticket(session, number="BT2611050001", title="网上附议", phone="+8613600000001")
    session.add(
        CoRequester(
            ticket_id=joined.id,  # type: ignore[arg-type]
            name="李四",
            phone=CALLER,
            channel=Channel.WEB,
            created_at=clock.now(),
        )
    )
    quick_ticket(session, number="BT2611040001", title="无关", phone="+8613600000000")
    now = clock.now()
    joined.created_at = now - timedelta(days=3)
    open_ticket.created_at = now - timedelta(days=2)
    other.created_at = now - timedelta(days=1)
    session.commit()
    fragment = operator_client.get(
        "/staff/hotline/lookup", params={"caller_phone": "139-1234-5678"}
    ).text
    order = list(dict.fromkeys(re.findall(r"BT\d{10}", fragment)))
    # Open ones first (newest first among them), then the closed one although it is newest.
    assert order == ["BT2611030001", "BT2611020001", "BT2611050001", "BT2611010001"]
    assert "BT2611040001" not in fragment
    # Only open tickets offer a merge.
    assert 'value="BT2611020001"' in fragment and 'value="BT2611010001"' not in fragment
    assert open_ticket.number in fragment
    empty = operator_client.get("/staff/hotline/lookup", params={"caller_phone": "13500000000"})
    assert "该号码没有历史工单" in empty.text


def test_look_up_without_javascript_keeps_the_form(
    operator_client: TestClient, session: Session
) -> None:
    quick_ticket(session, number="BT2611020001", title="还在办理", phone=CALLER)
    session.commit()
    response = _submit(operator_client, **_work_order(outcome="lookup", knowledge_q="社保卡"))
    assert response.status_code == 200
    assert "还在办理" in response.text and "超市销售假冒白酒" in response.text
    assert "社保卡丢了怎么补办" in response.text
    assert session.exec(select(Ticket).where(Ticket.channel == Channel.HOTLINE)).all() == []


def test_direct_answer_closes_at_intake_recording_the_answer(
    operator_client: TestClient, session: Session, world: HotlineWorld
) -> None:
    fragment = operator_client.get(
        "/staff/hotline/knowledge", params={"knowledge_q": "社保卡 补办"}
    ).text
    assert 'value="KB-SOCIAL-01"' in fragment
    response = _submit(
        operator_client,
        caller_phone=CALLER,
        knowledge_code="KB-SOCIAL-01",
        outcome="direct_answer",
    )
    assert response.status_code == 303
    ticket = session.exec(select(Ticket)).one()
    assert ticket.status is Status.ANSWERED
    assert ticket.title == "社保卡丢了怎么补办？"
    assert ticket.public_reply == world.answer.answer
    event = session.exec(select(TicketEvent).where(TicketEvent.action == "direct_answer")).one()
    assert event.data["knowledge_code"] == "KB-SOCIAL-01"


def test_direct_answer_needs_an_answer(operator_client: TestClient, session: Session) -> None:
    response = _submit(operator_client, caller_phone=CALLER, outcome="direct_answer")
    assert response.status_code == 422 and "请从知识库中选择答复口径" in response.text
    assert session.exec(select(Ticket)).all() == []


def test_transfer_is_a_closed_ticket_naming_the_line(
    operator_client: TestClient, session: Session
) -> None:
    response = _submit(
        operator_client, caller_phone=CALLER, transfer_line="119", outcome="transfer"
    )
    assert response.status_code == 303
    ticket = session.exec(select(Ticket)).one()
    assert ticket.status is Status.CLOSED and ticket.close_reason is CloseReason.TRANSFERRED
    event = session.exec(select(TicketEvent).where(TicketEvent.action == "transfer")).one()
    assert "119" in event.reason and event.data == {"line": "119"}
    missing = _submit(operator_client, caller_phone=CALLER, outcome="transfer")
    assert missing.status_code == 422 and "请选择转接的号码" in missing.text


def test_a_repeat_call_merges_into_the_open_ticket_as_a_co_requester(
    operator_client: TestClient, session: Session, world: HotlineWorld
) -> None:
    _submit(operator_client, **_work_order())
    first = session.exec(select(Ticket)).one()
    response = _submit(
        operator_client,
        caller_phone="137 0000 1111",
        caller_name="王五",
        merge_number=first.number.lower(),
        outcome="merge",
    )
    assert response.status_code == 303
    assert len(session.exec(select(Ticket)).all()) == 1  # no new ticket
    links = session.exec(select(TicketCall).order_by(TicketCall.id)).all()  # type: ignore[arg-type]
    assert [(link.role, link.caller_phone) for link in links] == [
        (CallerRole.REQUESTER, CALLER),
        (CallerRole.CO_REQUESTER, "+8613700001111"),
    ]
    # The caller is a co-requester like one who joined online: replies and the survey reach them.
    joined = session.exec(select(CoRequester)).one()
    assert (joined.ticket_id, joined.name, joined.phone, joined.channel) == (
        first.id,
        "王五",
        "+8613700001111",
        Channel.HOTLINE,
    )
    # The repeat-call view on the ticket lists both callers, masked.
    page = operator_client.get(f"/staff/tickets/{first.number}").text
    assert "共同诉求人" in page and "137****1111" in page and "139****5678" in page
    assert "13700001111" not in page


def test_one_co_requester_model_across_the_portal_and_the_hotline(
    operator_client: TestClient, session: Session, world: HotlineWorld
) -> None:
    _submit(operator_client, **_work_order())
    ticket = session.exec(select(Ticket)).one()
    # Two people join online ("me too") an hour ago; one of them then phones in about the same
    # ticket, another caller is merged in, and the requester calls again.
    earlier = clock.now() - timedelta(hours=1)
    session.add(
        CoRequester(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            name="赵六",
            phone="+8613800002222",
            channel=Channel.WEB,
            created_at=earlier,
        )
    )
    session.add(
        CoRequester(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            name="钱七",
            phone="+8613800003333",
            channel=Channel.WEB,
            created_at=earlier,
        )
    )
    session.commit()
    for phone, name in (("13800002222", "赵六"), ("13700001111", "王五"), (CALLER, "李四")):
        merged = _submit(
            operator_client,
            caller_phone=phone,
            caller_name=name,
            merge_number=ticket.number,
            outcome="merge",
        )
        assert merged.status_code == 303
    people = session.exec(select(CoRequester.phone).order_by(CoRequester.id)).all()  # type: ignore[arg-type]
    # Each person once: the requester is not their own co-requester, the web joiner not twice.
    assert people == ["+8613800002222", "+8613800003333", "+8613700001111"]
    roles = session.exec(
        select(TicketCall.caller_phone, TicketCall.role).order_by(TicketCall.id)  # type: ignore[arg-type]
    ).all()
    assert roles[1:] == [
        ("+8613800002222", CallerRole.CO_REQUESTER),
        ("+8613700001111", CallerRole.CO_REQUESTER),
        (CALLER, CallerRole.REQUESTER),
    ]
    # "Me too" on the citizen's pages counts three others with the same problem.
    assert intake.me_too_count(session, ticket.id or 0) == 3
    callers = calls.callers_of(session, ticket.id)  # type: ignore[arg-type]
    # Four calls (the requester twice, two merged callers) and the web joiner who never
    # called; the web joiner who did call is listed once, as their call.
    assert [(c.role, c.phone, c.channel) for c in callers] == [
        (CallerRole.REQUESTER, CALLER, Channel.HOTLINE),
        (CallerRole.REQUESTER, CALLER, Channel.HOTLINE),
        (CallerRole.CO_REQUESTER, "+8613800003333", Channel.WEB),
        (CallerRole.CO_REQUESTER, "+8613800002222", Channel.HOTLINE),
        (CallerRole.CO_REQUESTER, "+8613700001111", Channel.HOTLINE),
    ]
    page = operator_client.get(f"/staff/tickets/{ticket.number}").text
    assert "(5)" in page.split('id="callers"')[1].split("</h3>")[0]
    assert calls.co_requester_counts(session, [ticket.id or 0]) == {ticket.id: 3}


def test_merging_needs_an_open_ticket(operator_client: TestClient, session: Session) -> None:
    closed = quick_ticket(session, number="BT2611010001", phone=CALLER, status=Status.CLOSED)
    session.commit()
    response = _submit(
        operator_client, caller_phone=CALLER, merge_into=closed.number, outcome="merge"
    )
    assert response.status_code == 422 and "该工单已办结" in response.text
    unknown = _submit(
        operator_client, caller_phone=CALLER, merge_number="BT0000000000", outcome="merge"
    )
    assert "没有这个编号的工单" in unknown.text
    assert session.exec(select(TicketCall)).all() == []


def test_the_calls_telephony_record_is_linked_when_it_is_already_there(
    operator_client: TestClient, session: Session
) -> None:
    now = clock.now()
    session.add(
        CallRecord(
            call_id="PBX-1",
            caller_number=CALLER,
            called_number="12345",
            started_at=now - timedelta(minutes=3),
            agent="op-wang",
            direction=Direction.INBOUND,
            outcome=Outcome.ANSWERED,
            received_at=now,
        )
    )
    session.commit()
    _submit(operator_client, **_work_order())
    link = session.exec(select(TicketCall)).one()
    record = session.exec(select(CallRecord)).one()
    assert link.call_id == record.id


def test_quick_keys_are_the_most_used_categories_of_the_last_30_days(
    operator_client: TestClient, session: Session, world: HotlineWorld
) -> None:
    now = clock.now()
    for i in range(3):
        t = quick_ticket(session, number=f"BT26112000{i:02d}")
        t.category_id = world.stalls.id
    t = quick_ticket(session, number="BT2611200099")
    t.category_id = world.fake.id
    for i in range(5):  # older than the window: not counted
        old = quick_ticket(session, number=f"BT26100100{i:02d}")
        old.category_id = world.fake.id
        old.created_at = now - timedelta(days=31)
    session.commit()
    page = operator_client.get("/staff/hotline").text
    keys = re.findall(r'data-category="([^"]+)" accesskey="(\d)"', page)
    assert keys == [("UR.STALL", "1"), ("MR.FAKE", "2")]
