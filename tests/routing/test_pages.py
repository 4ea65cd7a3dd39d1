"""The dispatch pages, driven by submitting their real forms as admin, dispatcher, handler."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.auth.deps import get_current_user
from service.auth.models import User
from service.routing import ruleset
from service.routing import service as routing
from service.routing.models import RoutingDecision, RoutingMethod
from service.tickets import service as tickets
from service.tickets.states import Status
from tests.routing.helpers import csrf_of, make_world, new_ticket

Act = Callable[[User], None]


@pytest.fixture
def act_as(client: TestClient) -> Act:
    def act(user: User) -> None:
        client.app.dependency_overrides[get_current_user] = lambda: user  # type: ignore[attr-defined]

    return act


def test_admin_edits_tries_replays_and_publishes_the_catalogue(
    client: TestClient, session: Session, act_as: Act
) -> None:
    world = make_world(session)
    old = new_ticket(session, world, category_id=world.fake_id, title="买到假酒")
    routing.route_new_ticket(session, old)
    session.commit()
    act_as(world.admin)

    page = client.get("/staff/routing/rules")
    assert page.status_code == 200 and "市场监管" in page.text
    response = client.post("/staff/routing/rules/draft", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 200  # followed the redirect back to the list

    form = client.get("/staff/routing/rules/new")
    token = csrf_of(form.text)
    bad = client.post(
        "/staff/routing/rules/new",
        data={"csrf_token": token, "name": "", "keywords": "假酒|白酒", "lead_unit_code": "NOPE"},
    )
    assert bad.status_code == 422
    assert "请给规则起个名称" in bad.text and "没有该代码的在用单位" in bad.text
    assert 'value="假酒|白酒"' in bad.text  # what was typed is kept
    good = client.post(
        "/staff/routing/rules/new",
        data={
            "csrf_token": token,
            "name": "假酒给城管（试验）",
            "category_prefix": "MR.FAKE",
            "keywords": "假酒, 白酒",
            "lead_unit_code": "M-URBAN",
        },
    )
    assert good.status_code == 200
    draft = ruleset.draft(session)
    assert draft is not None
    new_rule = ruleset.rules_of(session, draft.id or 0)[-1]
    # Move it to the top so it fires before the general market rule.
    listing = client.get("/staff/routing/rules")
    for _ in range(2):
        client.post(
            f"/staff/routing/rules/{new_rule.id}/move",
            data={"csrf_token": csrf_of(listing.text), "direction": "up"},
        )

    tried = client.get(
        "/staff/routing/try",
        params={
            "text": "超市卖假酒",
            "category": "MR.FAKE",
            "street": "150203001",
            "which": "draft",
        },
    )
    assert tried.status_code == 200
    assert (
        "命中规则" in tried.text and "假酒给城管（试验）" in tried.text and "M-URBAN" in tried.text
    )
    # Each rule's checks, met or not, in the page's language, with names.
    assert "✓</span> 类别假冒伪劣（MR.FAKE）属于假冒伪劣（MR.FAKE）" in tried.text
    assert "✓</span> 文本提到“假酒”" in tried.text
    assert "城管局（M-URBAN）" in tried.text
    missed = client.get(
        "/staff/routing/try",
        params={"text": "超市卖假烟", "category": "MR.FAKE", "which": "draft"},
    )
    assert "✗</span> 文本未提到“假酒”、“白酒”中的任何一个" in missed.text
    assert "✓</span> 类别假冒伪劣（MR.FAKE）属于市场监管（MR）" in missed.text  # the next rule
    client.cookies.set("lang", "en")
    in_english = client.get(
        "/staff/routing/try",
        params={"text": "超市卖假烟", "category": "MR.FAKE", "which": "draft"},
    )
    assert "✗</span> text mentions none of “假酒”, “白酒”" in in_english.text
    assert "category Category MR.FAKE (MR.FAKE) is under Category MR (MR)" in in_english.text
    client.cookies.set("lang", "zh_CN")
    in_use = client.get("/staff/routing/try", params={"text": "超市卖假酒", "category": "MR.FAKE"})
    assert "“市场监管”" in in_use.text

    replay = client.get("/staff/routing/replay", params={"days": "30"})
    assert replay.status_code == 200
    assert '<strong class="replay-changed">1</strong>' in replay.text and old.number in replay.text
    assert client.get("/staff/routing/replay", params={"days": "abc"}).status_code == 422

    published = client.post(
        "/staff/routing/rules/publish", data={"csrf_token": csrf_of(listing.text), "note": "试验"}
    )
    assert published.status_code == 200 and "版本 2" in published.text
    session.expire_all()
    decision = session.exec(
        select(RoutingDecision).where(RoutingDecision.ticket_id == old.id)
    ).one()
    assert decision.rule_set_version == 1  # the old ticket keeps the version that routed it


def test_forms_without_a_csrf_token_are_refused(
    client: TestClient, session: Session, act_as: Act
) -> None:
    world = make_world(session)
    session.commit()
    act_as(world.admin)
    client.get("/staff/routing/rules")
    assert client.post("/staff/routing/rules/draft", data={}).status_code == 403


def test_other_roles_cannot_edit_the_catalogue(
    client: TestClient, session: Session, act_as: Act
) -> None:
    world = make_world(session)
    session.commit()
    act_as(world.admin)
    token = csrf_of(client.get("/staff/routing/rules").text)
    act_as(world.samr_handler)
    assert client.get("/staff/routing/rules").status_code == 403
    act_as(world.dispatcher)
    page = client.get("/staff/routing/rules")
    assert page.status_code == 200 and "新建草稿" not in page.text
    assert client.post("/staff/routing/rules/draft", data={"csrf_token": token}).status_code == 403


def test_dispatcher_dispatches_a_unit_returns_and_the_dispatcher_re_dispatches(
    client: TestClient, session: Session, act_as: Act
) -> None:
    world = make_world(session)
    ticket = new_ticket(session, world, category_id=None, title="门口有人摆摊卖假货")
    routing.route_new_ticket(session, ticket)
    session.commit()

    act_as(world.dispatcher)
    queue = client.get("/staff/routing/triage")
    assert ticket.number in queue.text
    assert "派单目录中没有命中的规则；尚无训练好的模型" in queue.text  # why it waits
    page = client.get(f"/staff/routing/tickets/{ticket.number}/dispatch")
    assert "等待人工派单" in page.text  # the queued decision is on record
    assert "派单目录中没有命中的规则；尚无训练好的模型" in page.text
    token = csrf_of(page.text)
    missing = client.post(
        f"/staff/routing/tickets/{ticket.number}/dispatch",
        data={"csrf_token": token, "decision": "dispatch", "lead": "", "note": "看一下"},
    )
    assert (
        missing.status_code == 422 and "请选择主办单位" in missing.text and "看一下" in missing.text
    )
    done = client.post(
        f"/staff/routing/tickets/{ticket.number}/dispatch",
        data={
            "csrf_token": token,
            "decision": "dispatch",
            "lead": "M-SAMR",
            "assisting": ["M-URBAN"],
        },
    )
    assert done.status_code == 200 and "调度员人工派单" in done.text

    act_as(world.samr_handler)
    form = client.get(f"/staff/routing/tickets/{ticket.number}/return")
    token = csrf_of(form.text)
    no_reason = client.post(
        f"/staff/routing/tickets/{ticket.number}/return",
        data={"csrf_token": token, "text": "摆摊归城管"},
    )
    assert no_reason.status_code == 422 and "摆摊归城管" in no_reason.text
    sent = client.post(
        f"/staff/routing/tickets/{ticket.number}/return",
        data={"csrf_token": token, "reason": "not_our_duty", "text": "摆摊归城管"},
    )
    assert sent.status_code == 200 and "退单申请已提交" in sent.text
    act_as(world.urban_handler)
    assert client.get(f"/staff/routing/tickets/{ticket.number}/return").status_code == 404

    act_as(world.dispatcher)
    review = client.get("/staff/routing/triage")
    assert "摆摊归城管" in review.text
    page = client.get(f"/staff/routing/tickets/{ticket.number}/dispatch")
    redone = client.post(
        f"/staff/routing/tickets/{ticket.number}/dispatch",
        data={
            "csrf_token": csrf_of(page.text),
            "decision": "approve",
            "lead": "M-URBAN",
            "note": "改派城管",
        },
    )
    assert redone.status_code == 200
    session.expire_all()
    fresh = tickets.get_by_number(session, ticket.number)
    assert fresh is not None and fresh.status is Status.PENDING_SIGN_FOR
    assert fresh.lead_unit_id == world.urban.id
    actions = [e.action for e in tickets.events_of(session, fresh.id or 0) if e.action != "clocks"]
    assert actions[-4:] == ["dispatch", "request_return", "approve_return", "dispatch"]
    methods = [d.method for d in routing.decisions_of(session, fresh.id or 0)]
    assert methods == [RoutingMethod.QUEUED, RoutingMethod.MANUAL, RoutingMethod.MANUAL]

    stats = client.get("/staff/routing/stats")
    assert "M-URBAN" in stats.text and "M-SAMR" in stats.text


def test_a_refused_dispatch_says_why_in_the_page_language(
    client: TestClient, session: Session, act_as: Act
) -> None:
    world = make_world(session, publish=False)
    ticket = new_ticket(session, world, category_id=world.fake_id)
    routing.route_new_ticket(session, ticket)  # no catalogue, no model: it waits
    session.commit()
    act_as(world.dispatcher)
    page = client.get(f"/staff/routing/tickets/{ticket.number}/dispatch")
    assert "尚未发布派单目录；尚无训练好的模型" in page.text
    pushed = client.post(
        f"/staff/routing/tickets/{ticket.number}/dispatch",
        data={"csrf_token": csrf_of(page.text), "decision": "dispatch", "lead": "S-150203001"},
    )
    assert pushed.status_code == 422
    assert "MR.FAKE是M-SAMR的职责；只有已发布的派单目录如此规定时" in pushed.text
