"""Routing at intake, the versioned catalogue, manual dispatch rules and the return workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from service import clock, i18n
from service.routing import explanations, learning, ruleset
from service.routing import service as routing
from service.routing.models import ReturnReason, RoutingDecision, RoutingMethod, RoutingRule
from service.sla import clocks, traces
from service.tickets import service as tickets
from service.tickets.models import TicketAssist
from service.tickets.states import Status
from service.web.templating import event_reason
from tests.routing.helpers import make_world, new_ticket

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday morning in Baotou


def test_a_catalogue_rule_dispatches_and_the_ticket_keeps_its_version(session: Session) -> None:
    """A rule change is tried and replayed as a draft; published tickets keep the old version."""
    with clock.frozen(T0):
        world = make_world(session)
        first = new_ticket(session, world, category_id=world.fake_id)
        decision = routing.route_new_ticket(session, first)
        assert decision.method is RoutingMethod.RULE
        assert (decision.rule_set_version, first.lead_unit_id) == (1, world.samr.id)
        assert decision.explanation_steps == [
            {
                "step": "rule",
                "version": 1,
                "rule_id": decision.rule_id,
                "name": "市场监管",
                "checks": [
                    {"step": "category", "matched": True, "category": "MR.FAKE", "prefix": "MR"}
                ],
            }
        ]
        # The English text beside the steps, for the API and logs: codes, no names.
        assert decision.explanation == (
            f"catalogue v1, rule {decision.rule_id} “市场监管”: category MR.FAKE is under MR"
        )
        [view] = routing.decision_views(session, first.id or 0)
        with i18n.use_locale("zh_CN"):
            assert view.explanation == (
                f"派单目录第1版，规则{decision.rule_id}“市场监管”："
                "类别假冒伪劣（MR.FAKE）属于市场监管（MR）"
            )
        with i18n.use_locale("en"):
            assert view.explanation == (  # the factory's English names
                f"catalogue v1, rule {decision.rule_id} “市场监管”: "
                "category Category MR.FAKE (MR.FAKE) is under Category MR (MR)"
            )
        assert first.status is Status.PENDING_SIGN_FOR and first.handling_due is not None
        v1_rule_id = decision.rule_id

        # Draft: fake goods now go to urban management, placed first.
        draft = ruleset.start_draft(session, user=world.admin)
        rule = ruleset.save_rule(
            session,
            draft,
            {
                "name": "假货给城管（试验）",
                "category_prefix": "MR.FAKE",
                "lead_unit_code": "M-URBAN",
            },
        )
        ruleset.move_rule(session, rule, up=True)
        ruleset.move_rule(session, rule, up=True)
        assert [r.name for r in ruleset.rules_of(session, draft.id or 0)][0] == "假货给城管（试验）"

    with clock.frozen(T0 + timedelta(days=1)):
        replay = ruleset.replay(session, draft, days=7)
        assert (replay.total, replay.changed) == (1, 1)
        assert replay.examples[0].number == first.number
        assert (replay.examples[0].current, replay.examples[0].proposed) == ("M-SAMR", "M-URBAN")
        # Nothing changed for real before publication.
        second = new_ticket(session, world, category_id=world.fake_id)
        assert routing.route_new_ticket(session, second).rule_set_version == 1
        assert second.lead_unit_id == world.samr.id

        ruleset.publish(session, draft, user=world.admin)
        third = new_ticket(session, world, category_id=world.fake_id)
        later = routing.route_new_ticket(session, third)
        assert (later.rule_set_version, third.lead_unit_id) == (2, world.urban.id)

    stored = session.exec(
        select(RoutingDecision).where(RoutingDecision.ticket_id == first.id)
    ).one()
    assert (stored.rule_set_version, stored.rule_id) == (1, v1_rule_id)
    frozen_rule = session.get(RoutingRule, v1_rule_id)
    assert frozen_rule is not None
    with pytest.raises(ruleset.RuleSetError):
        ruleset.save_rule(session, draft, {"name": "x", "lead_unit_code": "M-SAMR"}, frozen_rule)


def test_street_rule_sends_to_the_street_office(session: Session) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        ticket = new_ticket(session, world, category_id=world.stall_id, title="路边摆摊")
        decision = routing.route_new_ticket(session, ticket)
    assert ticket.lead_unit_id == world.street_office.id
    assert decision.explanation_steps is not None
    [rule] = decision.explanation_steps
    assert rule["checks"][-1] == {
        "step": "street_office",
        "matched": True,
        "street": "150203001",
        "unit": "S-150203001",
    }
    [view] = routing.decision_views(session, ticket.id or 0)
    with i18n.use_locale("zh_CN"):
        assert view.explanation.endswith(
            "类别占道经营（SO.STALL）属于占道经营（SO.STALL）；"
            "所在街道的办事处为沼潭街道办事处（S-150203001）"
        )


def test_without_rule_or_model_the_ticket_waits_in_triage(session: Session) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        ticket = new_ticket(session, world, category_id=None, title="问个事")
        decision = routing.route_new_ticket(session, ticket)
        items, total = routing.triage_queue(session, page=1)
    assert decision.method is RoutingMethod.QUEUED and ticket.status is Status.PENDING_DISPATCH
    assert decision.explanation_steps == [{"step": "no_rule"}, {"step": "no_model"}]
    assert decision.explanation == "no catalogue rule matched; no trained model yet"
    assert total == 1 and items[0].ticket.id == ticket.id and items[0].decision is not None
    # The event log says the same, in the reader's language, from the same steps.
    [event] = [
        e for e in tickets.events_of(session, ticket.id or 0) if e.action == "routing_queued"
    ]
    assert event.reason == decision.explanation
    with i18n.use_locale("zh_CN"):
        assert event_reason(event) == "派单目录中没有命中的规则；尚无训练好的模型"
    with i18n.use_locale("en"):
        assert event_reason(event) == "no catalogue rule matched; no trained model yet"


def _suggesting(monkeypatch: pytest.MonkeyPatch, unit: str, score: float) -> None:
    """A trained model (version 4) whose best guess for any text is `unit` at `score`."""
    monkeypatch.setattr(
        learning, "suggest", lambda session, text: (4, [learning.Suggestion(unit, score)])
    )


def test_a_confident_model_dispatches_and_says_so(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    _suggesting(monkeypatch, "M-URBAN", 0.95)
    with clock.frozen(T0):
        world = make_world(session)
        ticket = new_ticket(session, world, category_id=None, title="路灯不亮")
        decision = routing.route_new_ticket(session, ticket)
    assert decision.method is RoutingMethod.MODEL and ticket.lead_unit_id == world.urban.id
    assert decision.explanation_steps == [
        {"step": "no_rule"},
        {
            "step": "model_confident",
            "version": 4,
            "unit": "M-URBAN",
            "score": 0.95,
            "threshold": 0.9,
        },
    ]
    assert decision.explanation == (
        "no catalogue rule matched; model v4 suggests M-URBAN with score 0.95 ≥ 0.90"
    )
    [view] = routing.decision_views(session, ticket.id or 0)
    with i18n.use_locale("zh_CN"):
        assert view.explanation == (
            "派单目录中没有命中的规则；模型第4版建议城管局（M-URBAN），得分0.95 ≥ 0.90"
        )


@pytest.mark.parametrize(
    ("unit", "score", "last_step", "zh"),
    [
        (
            "M-URBAN",
            0.41,
            {
                "step": "model_below",
                "version": 4,
                "unit": "M-URBAN",
                "score": 0.41,
                "threshold": 0.9,
            },
            "模型第4版的首选城管局（M-URBAN）得分0.41，低于0.90",
        ),
        ("M-GONE", 0.99, {"step": "unknown_unit", "unit": "M-GONE"}, "未知单位M-GONE"),
        (
            # Confident, but fake goods are the market bureau's duty, not the street's.
            "S-150203001",
            0.99,
            {"step": "push_down", "category": "MR.FAKE", "unit": "M-SAMR"},
            "假冒伪劣（MR.FAKE）是市场监管局（M-SAMR）的职责；"
            "只有已发布的派单目录如此规定时，才能派给街道办事处",
        ),
    ],
)
def test_a_model_guess_that_cannot_dispatch_waits_with_the_reason(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    unit: str,
    score: float,
    last_step: dict[str, object],
    zh: str,
) -> None:
    _suggesting(monkeypatch, unit, score)
    with clock.frozen(T0):
        world = make_world(session, publish=False)
        ticket = new_ticket(session, world, category_id=world.fake_id)
        decision = routing.route_new_ticket(session, ticket)
    assert decision.method is RoutingMethod.QUEUED
    assert decision.explanation_steps is not None
    assert decision.explanation_steps[0] == {"step": "no_catalogue"}
    assert decision.explanation_steps[-1] == last_step
    [view] = routing.decision_views(session, ticket.id or 0)
    with i18n.use_locale("zh_CN"):
        assert view.explanation.startswith("尚未发布派单目录；")
        assert view.explanation.endswith(zh)


def test_a_rule_whose_unit_cannot_receive_tickets_is_named_in_the_reason(
    session: Session,
) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        world.samr.active = False
        ticket = new_ticket(session, world, category_id=world.fake_id)
        decision = routing.route_new_ticket(session, ticket)
    assert decision.method is RoutingMethod.QUEUED
    assert decision.explanation_steps is not None
    first = decision.explanation_steps[0]
    assert (first["step"], first["unit"]) == ("rule_unit_unavailable", "M-SAMR")
    with i18n.use_locale("zh_CN"):
        assert (
            "指定的市场监管局（M-SAMR）不能接收工单"
            in routing.decision_views(session, ticket.id or 0)[0].explanation
        )


def test_a_department_duty_is_not_pushed_down_to_a_street(session: Session) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        ticket = new_ticket(session, world, category_id=world.fake_id)
        tickets.transition(
            session, ticket, tickets.Action.OPEN_WORK_ORDER, actor=tickets.Actor.system()
        )
        with pytest.raises(
            routing.DispatchRefusedError, match="only where the published"
        ) as refused:
            routing.dispatch(
                session,
                ticket,
                lead=world.street_office,
                actor=tickets.Actor.staff(world.dispatcher),
                method=RoutingMethod.MANUAL,
                steps=[],
                user=world.dispatcher,
            )
        assert refused.value.step == {"step": "push_down", "category": "MR.FAKE", "unit": "M-SAMR"}
        with i18n.use_locale("zh_CN"):
            assert refused.value.shown().startswith("MR.FAKE是M-SAMR的职责")
        # Street vending is mapped to streets by the catalogue, so it may go there by hand.
        stall = new_ticket(session, world, category_id=world.stall_id, title="摆摊")
        tickets.transition(
            session, stall, tickets.Action.OPEN_WORK_ORDER, actor=tickets.Actor.system()
        )
        routing.dispatch(
            session,
            stall,
            lead=world.street_office,
            assisting=[world.urban],
            actor=tickets.Actor.staff(world.dispatcher),
            method=RoutingMethod.MANUAL,
            steps=[explanations.manual("")],
            user=world.dispatcher,
        )
    assert stall.lead_unit_id == world.street_office.id
    assists = session.exec(select(TicketAssist.unit_id).where(TicketAssist.ticket_id == stall.id))
    assert list(assists) == [world.urban.id]


def test_a_return_is_reviewed_and_re_dispatched_and_every_step_is_logged(session: Session) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        ticket = new_ticket(session, world, category_id=world.fake_id, title="店门口摆摊卖假货")
        routing.route_new_ticket(session, ticket)
        assert ticket.lead_unit_id == world.samr.id
        with pytest.raises(routing.DispatchRefusedError):
            routing.request_return(
                session, ticket, user=world.urban_handler, reason=ReturnReason.NOT_OUR_DUTY, text=""
            )
    with clock.frozen(T0 + timedelta(hours=2)):
        routing.request_return(
            session,
            ticket,
            user=world.samr_handler,
            reason=ReturnReason.NOT_OUR_DUTY,
            text="占道经营归城管",
        )
        assert ticket.status is Status.RETURN_REQUESTED
    with clock.frozen(T0 + timedelta(hours=3)):
        routing.approve_return(session, ticket, user=world.dispatcher, note="同意，改派城管")
        assert ticket.status is Status.PENDING_DISPATCH and ticket.lead_unit_id is None
        routing.dispatch(
            session,
            ticket,
            lead=world.urban,
            actor=tickets.Actor.staff(world.dispatcher),
            method=RoutingMethod.MANUAL,
            steps=[explanations.manual("改派城管")],
            user=world.dispatcher,
        )
    # A second return is refused: the unit keeps it.
    with clock.frozen(T0 + timedelta(hours=4)):
        routing.request_return(
            session,
            ticket,
            user=world.urban_handler,
            reason=ReturnReason.WRONG_AREA,
            text="不在辖区",
        )
        with pytest.raises(routing.DispatchRefusedError):
            routing.refuse_return(session, ticket, user=world.dispatcher, note="  ")
        routing.refuse_return(session, ticket, user=world.dispatcher, note="地址在辖区内")
    assert ticket.status is Status.HANDLING and ticket.lead_unit_id == world.urban.id

    actions = [
        (e.action, e.actor_label)
        for e in tickets.events_of(session, ticket.id or 0)
        if e.action != "clocks"
    ]
    events = [e for e in tickets.events_of(session, ticket.id or 0) if "return" in e.action]
    with i18n.use_locale("zh_CN"):
        assert [event_reason(e) for e in events] == [
            "不属于本单位职责：占道经营归城管",
            "同意，改派城管",  # typed by the dispatcher
            "不属于本辖区：不在辖区",
            "地址在辖区内",
        ]
    with i18n.use_locale("en"):
        assert event_reason(events[0]) == events[0].reason == "Not our duty: 占道经营归城管"
    assert actions == [
        ("create", "citizen"),
        ("open_work_order", "routing"),
        ("dispatch", "routing"),
        ("request_return", "handler-samr"),
        ("approve_return", "dispatcher"),
        ("dispatch", "dispatcher"),
        ("request_return", "handler-urban"),
        ("refuse_return", "dispatcher"),
    ]
    decisions = routing.decisions_of(session, ticket.id or 0)
    assert [(d.method, d.redispatch) for d in decisions] == [
        (RoutingMethod.RULE, False),
        (RoutingMethod.MANUAL, True),
    ]
    assert decisions[1].waited_seconds == 0  # approved and re-dispatched at the same moment

    stats = {s.unit.code: s for s in routing.unit_stats(session)}
    assert (stats["M-SAMR"].returns, stats["M-SAMR"].returns_approved) == (1, 1)
    assert (stats["M-URBAN"].returns, stats["M-URBAN"].returns_refused) == (1, 1)
    assert stats["M-URBAN"].redispatched_to == 1 and stats["M-SAMR"].dispatched == 1


def test_a_rules_handling_deadline_is_traced_in_the_page_language(session: Session) -> None:
    with clock.frozen(T0):
        world = make_world(session)
        ticket = new_ticket(session, world, category_id=world.fake_id)
        tickets.transition(
            session, ticket, tickets.Action.OPEN_WORK_ORDER, actor=tickets.Actor.system()
        )
        routing.dispatch(
            session,
            ticket,
            lead=world.samr,
            actor=tickets.Actor.system("routing"),
            method=RoutingMethod.RULE,
            steps=[],
            handling_override="5wd",
        )
    assert ticket.id is not None
    [*_, event] = [e for e in tickets.events_of(session, ticket.id) if e.action == "clocks"]
    assert event.data["reason_step"] == {
        "step": "rule_duration",
        "amount": 5,
        "unit": "working_days",
    }
    assert event.data["trace"]["handling_due"][0] == event.data["reason_step"]
    [view] = [v for v in clocks.clock_views(session, ticket) if v.name == "handling_due"]
    with i18n.use_locale("zh_CN"):
        assert traces.event_reason(event) == "派单规则设定办理期限为5个工作日"
        assert view.lines[0] == "派单规则设定办理期限为5个工作日"
        assert view.lines[-1] == "到期 2026-03-09（周一）10:00"  # Mon 2 Mar 10:00 + 5 working days
    with i18n.use_locale("en"):
        assert view.lines[0] == "handling deadline of 5 working days set by the dispatch rule"
