"""The staff ticket page: PII masked by default, unmasking logged with a reason, confidential
tickets without the requester for handlers, deputies never see PII; the routing decisions and
deadlines on it, and each role's links to where it acts."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from service import clock
from service.auth.models import PiiAccess, Role, User
from service.callbacks import service as callbacks
from service.callbacks.models import CallbackChannel, Resolution, Satisfaction
from service.calls.models import CallerRole, CallRecord, Direction, Outcome, TicketCall
from service.config import Settings
from service.routing import explanations, learning
from service.routing import service as routing
from service.routing.models import ReturnReason, RoutingDecision, RoutingMethod
from service.sla import service as sla
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketAssist
from service.tickets.states import Action, Status
from service.web.templating import make_templates
from tests.auth.staff import csrf_token, make_user, quick_ticket, sign_in_as
from tests.factories import make_unit
from tests.routing.helpers import World, make_world, new_ticket

NUMBER = "BT2611290001"


def _unmask(client: TestClient, reason: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/staff/tickets/{NUMBER}")
    return client.post(
        f"/staff/tickets/{NUMBER}/unmask", data={"csrf_token": token, "reason": reason}
    )


def test_pii_is_masked_until_unmasked_with_a_reason_which_is_logged(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    quick_ticket(session, number=NUMBER, name="张三丰", phone="13812340000")
    session.commit()
    sign_in_as(client, session, settings, dispatcher)
    page = client.get(f"/staff/tickets/{NUMBER}").text
    assert "张**" in page and "138****0000" in page
    assert "13812340000" not in page and "张三丰" not in page

    refused = _unmask(client, "")
    assert "请填写理由" in refused.text and "13812340000" not in refused.text
    assert session.exec(select(PiiAccess)).all() == []

    shown = _unmask(client, "need to call the requester back")
    assert "13812340000" in shown.text and "张三丰" in shown.text
    log = session.exec(select(PiiAccess)).one()
    assert log.user_id == dispatcher.id and log.reason == "need to call the requester back"
    # Another user cannot reuse someone else's log entry to see the data.
    other = make_user(session, username="disp2", role=Role.DISPATCHER)
    session.commit()
    sign_in_as(client, session, settings, other)
    assert "13812340000" not in client.get(f"/staff/tickets/{NUMBER}?reveal={log.id}").text


def test_the_pii_access_log_cannot_be_rewritten(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = make_user(session, username="disp", role=Role.DISPATCHER)
    quick_ticket(session, number=NUMBER)
    session.commit()
    sign_in_as(client, session, settings, user)
    _unmask(client, "callback")
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE pii_access_log SET reason = 'nothing'"))
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM pii_access_log"))
    session.rollback()


def test_confidential_requesters_are_withheld_from_handlers_and_deputies_never_see_pii(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session, code="M-SAMR")
    handler = make_user(session, username="h", role=Role.HANDLER, unit=unit)
    deputy = make_user(session, username="d", role=Role.DEPUTY)
    quick_ticket(session, number=NUMBER, lead=unit, confidential=True, phone="13812340000")
    session.commit()
    sign_in_as(client, session, settings, handler)
    page = client.get(f"/staff/tickets/{NUMBER}").text
    assert "诉求人身份已保密" in page and "138****0000" not in page and "张**" not in page
    assert _unmask(client, "I want to see it").status_code == 403
    # Deputies read reports and drill-downs without free text, never a ticket page.
    sign_in_as(client, session, settings, deputy)
    assert client.get(f"/staff/tickets/{NUMBER}").status_code == 403


def test_the_call_recording_is_withheld_wherever_the_requester_is(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """A recording carries the caller's voice, name and number: it is personal data too."""
    unit = make_unit(session, code="M-SAMR")
    handler = make_user(session, username="h", role=Role.HANDLER, unit=unit)
    deputy = make_user(session, username="d", role=Role.DEPUTY)
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    ticket = quick_ticket(session, number=NUMBER, lead=unit, confidential=True)
    at = clock.now()
    call = CallRecord(
        call_id="C-1",
        caller_number="+8613812340000",
        started_at=at,
        direction=Direction.INBOUND,
        outcome=Outcome.ANSWERED,
        recording_url="https://pbx.example/r/C-1.wav",
        received_at=at,
    )
    session.add(call)
    session.flush()
    session.add(
        TicketCall(
            call_id=call.id,
            ticket_id=ticket.id,  # type: ignore[arg-type]
            caller_phone="+8613812340000",
            caller_name="张三丰",
            role=CallerRole.REQUESTER,
            created_at=at,
        )
    )
    session.commit()
    sign_in_as(client, session, settings, handler)
    page = client.get(f"/staff/tickets/{NUMBER}").text
    assert "C-1" in page and "pbx.example" not in page
    sign_in_as(client, session, settings, deputy)
    assert client.get(f"/staff/tickets/{NUMBER}").status_code == 403
    sign_in_as(client, session, settings, dispatcher)
    assert "https://pbx.example/r/C-1.wav" in client.get(f"/staff/tickets/{NUMBER}").text


# One page for every role: the same record, links only to the work each role can do --------


STEP = re.compile(r'<li data-step="([a-z_]+)">(?:<a href="([^"]+)">)?')


def _steps(html: str) -> dict[str, str]:
    """The "what you can do" entries of a ticket page: kind -> link path ("" for a notice)."""
    return {kind: urlsplit(href).path if href else "" for kind, href in STEP.findall(html)}


def _open(client: TestClient, session: Session, settings: Settings, user: User, number: str):  # type: ignore[no-untyped-def]
    sign_in_as(client, session, settings, user)
    client.cookies.set("lang", "en")
    return client.get(f"/staff/tickets/{number}")


def _links_work(client: TestClient, steps: dict[str, str]) -> None:
    for kind, path in steps.items():
        if path:
            assert client.get(path).status_code == 200, (kind, path)


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def _routed(session: Session, world: World) -> Ticket:
    """A ticket the published catalogue dispatched to M-SAMR, with M-URBAN assisting."""
    ticket = new_ticket(session, world, category_id=world.fake_id)
    routing.route_new_ticket(session, ticket)
    session.add(TicketAssist(ticket_id=ticket.id, unit_id=world.urban.id))
    session.commit()
    return ticket


def test_every_role_reads_one_record_with_routing_and_deadlines_and_its_own_links(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    ticket = _routed(session, world)
    n = ticket.number
    outsider_unit = make_unit(session, code="D-150203", name_zh="昆区政府")
    outsider = make_user(session, username="h-out", role=Role.HANDLER, unit=outsider_unit)
    operator = make_user(session, username="op", role=Role.OPERATOR)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    deputy = make_user(session, username="dep", role=Role.DEPUTY)
    session.commit()
    workbench = f"/staff/workbench/tickets/{n}"
    expected: list[tuple[User, dict[str, str]]] = [
        (world.samr_handler, {"workbench": workbench}),
        (world.urban_handler, {"workbench": workbench}),  # assisting unit
        (world.dispatcher, {"workbench_office": workbench}),
        (supervisor, {"workbench_office": workbench}),
        (operator, {}),
    ]
    for user, steps in expected:
        page = _open(client, session, settings, user, n)
        assert page.status_code == 200, user.username
        html = page.text
        # The routing decision partial: rule, catalogue version, the unit it chose.
        assert "Routing decisions" in html and "Catalogue rule" in html and "M-SAMR" in html
        # The deadline partial: every clock with the trace of how it was computed.
        assert "Deadlines" in html and "Handle by" in html and "How this was calculated" in html
        assert _steps(html) == steps, user.username
        _links_work(client, steps)
        assert "138****0000" in html
        assert "13800000000" not in html

    # Other units' handlers and administrators do not get the page at all.
    assert _open(client, session, settings, outsider, n).status_code == 404
    assert _open(client, session, settings, world.admin, n).status_code == 403
    assert _open(client, session, settings, deputy, n).status_code == 403

    # The workbench page links back to this record instead of repeating calls and routing.
    sign_in_as(client, session, settings, world.samr_handler)
    assert f'href="http://testserver/staff/tickets/{n}"' in client.get(workbench).text


def test_dispatchers_get_dispatch_and_return_review_links_when_there_is_something_to_decide(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    ticket = new_ticket(session, world, category_id=None, title="门口有人摆摊卖假货")
    routing.route_new_ticket(session, ticket)  # no rule fires: it waits for a dispatcher
    session.commit()
    n = ticket.number
    page = _open(client, session, settings, world.dispatcher, n)
    assert "Waiting for a dispatcher" in page.text
    steps = _steps(page.text)
    assert steps == {"dispatch": f"/staff/routing/tickets/{n}/dispatch"}
    _links_work(client, steps)
    assert _open(client, session, settings, world.samr_handler, n).status_code == 404

    routing.dispatch(
        session,
        ticket,
        lead=world.samr,
        actor=tickets.Actor.staff(world.dispatcher),
        method=RoutingMethod.MANUAL,
        user=world.dispatcher,
        steps=[explanations.manual("")],
    )
    routing.request_return(
        session, ticket, user=world.samr_handler, reason=ReturnReason.NOT_OUR_DUTY, text="不归我们"
    )
    session.commit()
    steps = _steps(_open(client, session, settings, world.dispatcher, n).text)
    assert steps["review_return"] == f"/staff/routing/tickets/{n}/dispatch"
    _links_work(client, steps)
    # The unit that asked has nothing to decide; its link is the workbench only.
    assert _steps(_open(client, session, settings, world.samr_handler, n).text) == {
        "workbench": f"/staff/workbench/tickets/{n}"
    }


def test_reply_review_callback_and_appeal_links_follow_the_ticket_to_its_end(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    ticket = _routed(session, world)
    n = ticket.number
    operator = make_user(session, username="op", role=Role.OPERATOR)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    lead = tickets.Actor.staff(world.samr_handler)
    tickets.transition(session, ticket, Action.SIGN_FOR, actor=lead)
    assert ticket.handling_due is not None
    sla.request_extension(
        session,
        ticket,
        user=world.samr_handler,
        requested_due=ticket.handling_due + timedelta(days=7),
        reason="等检测报告",
        expected_version=None,
    )
    session.commit()
    steps = _steps(_open(client, session, settings, world.dispatcher, n).text)
    assert steps["extension"] == "/staff/workbench/extensions"
    _links_work(client, steps)

    tickets.transition(
        session, ticket, Action.SUBMIT_REPLY, actor=lead, changes={"public_reply": "已查处"}
    )
    session.commit()
    for office in (world.dispatcher, supervisor):
        steps = _steps(_open(client, session, settings, office, n).text)
        assert steps["review_reply"] == f"/staff/workbench/tickets/{n}"
        page = client.get(steps["review_reply"]).text
        assert "Review the result" in page  # the review form is really there

    tickets.transition(session, ticket, Action.ACCEPT_REPLY, actor=tickets.Actor.staff(supervisor))
    session.commit()
    steps = _steps(_open(client, session, settings, operator, n).text)
    assert steps == {"callback": f"/staff/callbacks/{n}"}
    _links_work(client, steps)
    assert "appeal" not in _steps(_open(client, session, settings, world.samr_handler, n).text)

    answers = callbacks.Answers(
        contacted=True,
        resolved=Resolution.NOT_RESOLVED,
        satisfied=Satisfaction.DISSATISFIED,
        unit_at_fault=False,
    )
    callbacks.record_answers(
        session,
        ticket,
        answers,
        actor=tickets.Actor.staff(operator),
        channel=CallbackChannel.PHONE,
        settings=settings,
        emails=make_templates(settings).env,
    )
    session.commit()
    steps = _steps(_open(client, session, settings, world.samr_handler, n).text)
    assert steps["appeal"] == f"/staff/appeals/new/{n}"
    _links_work(client, steps)
    # The assisting unit was not rated, so it has nothing to appeal.
    assert "appeal" not in _steps(_open(client, session, settings, world.urban_handler, n).text)

    callbacks.file_appeal(
        session, ticket, user=world.samr_handler, reason="市民诉求超出职责", evidence="录音"
    )
    session.commit()
    steps = _steps(_open(client, session, settings, world.samr_handler, n).text)
    assert steps["appeal_pending"] == "" and "appeal" not in steps
    steps = _steps(_open(client, session, settings, supervisor, n).text)
    assert steps["decide_appeal"] == "/staff/appeals"
    _links_work(client, steps)


def test_event_lists_name_actions_and_system_actors_in_the_pages_language(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    ticket = quick_ticket(session, number=NUMBER, lead=unit)
    tickets.record(
        session, ticket, "reminder", actor=tickets.Actor.system("deadline engine"), reason=""
    )
    session.commit()
    sign_in_as(client, session, settings, dispatcher)
    for path in (f"/staff/tickets/{NUMBER}", f"/staff/workbench/tickets/{NUMBER}"):
        page = client.get(path).text
        assert "时限系统" in page and "催办" in page, path
        assert "deadline engine" not in page and "reminder" not in page, path
    # The labels follow each page's language (imported label sets are not cached per process).
    client.cookies.set("lang", "en")
    english = client.get(f"/staff/tickets/{NUMBER}").text
    assert "Deadline engine" in english and "Reminder (催办)" in english
    assert "时限系统" not in english


def test_routing_explanations_read_in_chinese_on_the_ticket_page(
    client: TestClient,
    session: Session,
    settings: Settings,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rule, model and queue decisions in the page's language; rows from before steps as stored."""
    by_rule = _routed(session, world)
    queued = new_ticket(session, world, category_id=None, title="问个事")
    routing.route_new_ticket(session, queued)
    monkeypatch.setattr(
        learning, "suggest", lambda session, text: (2, [learning.Suggestion("M-URBAN", 0.93)])
    )
    by_model = new_ticket(session, world, category_id=None, title="路灯不亮")
    routing.route_new_ticket(session, by_model)
    session.commit()
    sign_in_as(client, session, settings, world.dispatcher)

    def page(ticket: Ticket) -> str:
        response = client.get(f"/staff/tickets/{ticket.number}")
        assert response.status_code == 200
        return response.text

    rule_id = routing.latest_decision(session, by_rule.id or 0).rule_id  # type: ignore[union-attr]
    assert (
        f"派单目录第1版，规则{rule_id}“市场监管”：类别假冒伪劣（MR.FAKE）属于市场监管（MR）"
        in page(by_rule)
    )
    assert "派单目录中没有命中的规则；模型第2版建议城管局（M-URBAN），得分0.93 ≥ 0.90" in page(
        by_model
    )
    html = page(queued)
    assert html.count("派单目录中没有命中的规则；尚无训练好的模型") == 2  # decision and event
    assert "no catalogue rule matched" not in html

    client.cookies.set("lang", "en")
    assert "no catalogue rule matched; no trained model yet" in page(queued)
    client.cookies.set("lang", "zh_CN")

    # Decisions and events written before reasons were data keep showing their text.
    old_text = "catalogue v1, rule 3 “旧规则”: category MR.FAKE is under MR"
    session.add(
        RoutingDecision(
            ticket_id=queued.id or 0,
            at=clock.now(),
            method=RoutingMethod.RULE,
            rule_set_version=1,
            lead_unit_id=world.samr.id,
            explanation=old_text,
        )
    )
    tickets.record(
        session,
        queued,
        "routing_queued",
        actor=tickets.Actor.system("routing"),
        reason="no catalogue rule matched; model v1 best guess M-SAMR at 0.41 is below 0.80",
    )
    session.commit()
    html = page(queued)
    assert old_text in html
    assert "model v1 best guess M-SAMR at 0.41 is below 0.80" in html


def test_the_intake_state_reads_as_a_state_not_as_the_intake_service(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    quick_ticket(session, number=NUMBER, status=Status.INTAKE)
    session.commit()
    sign_in_as(client, session, settings, dispatcher)
    page = client.get(f"/staff/tickets/{NUMBER}").text
    assert "受理中" in page and "受理系统" not in page
