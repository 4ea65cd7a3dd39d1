"""The life of one generated ticket after intake, step by step through the real services.

Each step does what a person would do on the workbench, review, triage or callback page
(through the same service functions) and puts the next step on the world's agenda. The odds
are the demo's: most units sign for within a working day and reply in time; some ask for a
return or an extension, some replies are sent back, some citizens are dissatisfied (and the
ticket is handled again) or cannot be reached; a unit may appeal a rating it thinks unfair.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from service import clock
from service.callbacks import service as callbacks
from service.callbacks.models import (
    AttemptOutcome,
    CallbackChannel,
    Resolution,
    Satisfaction,
)
from service.departments import service as workbench
from service.places.models import Area, Unit
from service.routing import explanations
from service.routing import service as routing
from service.routing.models import ReturnReason, RoutingMethod
from service.seed import phrases
from service.sla import service as sla
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket
from service.tickets.states import Status

if TYPE_CHECKING:
    from service.seed.activity import World

RETURN_SHARE = 0.05
EXTENSION_SHARE = 0.05
LATE_SHARE = 0.09
SEND_BACK_SHARE = 0.08
UNREACHABLE_SHARE = 0.07
SURVEY_ANSWER_SHARE = 0.4


def after_intake(world: World, ticket: Ticket) -> None:
    """Routing has run: a dispatched ticket waits for its unit, a queued one for a dispatcher."""
    if ticket.status is Status.PENDING_SIGN_FOR:
        _plan_sign_for(world, ticket)
    elif ticket.status is Status.PENDING_DISPATCH:
        world.at(world.office(world.rng.uniform(0.5, 6)), _step(world, ticket, redispatch))


def _step(world: World, ticket: Ticket, fn: Callable[[World, Ticket], None]) -> Callable[[], None]:
    ticket_id = ticket.id

    def run() -> None:
        current = world.session.get(Ticket, ticket_id)
        assert current is not None
        fn(world, current)

    return run


def _plan_sign_for(world: World, ticket: Ticket) -> None:
    late = world.rng.random() < 0.12
    hours = world.rng.uniform(9, 20) if late else world.rng.uniform(0.2, 6)
    world.at(world.office(hours), _step(world, ticket, sign_for))


def _lead(world: World, ticket: Ticket) -> Unit:
    assert ticket.lead_unit_id is not None
    return world.units[ticket.lead_unit_id]


def sign_for(world: World, ticket: Ticket) -> None:
    handler = world.handler(_lead(world, ticket).id or 0)
    workbench.sign_for(world.session, ticket, user=handler, expected_version=None)
    if world.rng.random() < RETURN_SHARE:
        world.at(world.office(world.rng.uniform(0.5, 4)), _step(world, ticket, request_return))
    else:
        world.at(world.office(world.rng.uniform(1, 16)), _step(world, ticket, contact))


def request_return(world: World, ticket: Ticket) -> None:
    handler = world.handler(_lead(world, ticket).id or 0)
    reason = world.rng.choice(
        (ReturnReason.WRONG_AREA, ReturnReason.NOT_OUR_DUTY, ReturnReason.INSUFFICIENT_INFORMATION)
    )
    text = {
        ReturnReason.WRONG_AREA: phrases.RETURN_TEXTS[0],
        ReturnReason.NOT_OUR_DUTY: phrases.RETURN_TEXTS[1],
    }.get(reason, phrases.RETURN_TEXTS[2])
    routing.request_return(world.session, ticket, user=handler, reason=reason, text=text)
    world.at(world.office(world.rng.uniform(1, 10)), _step(world, ticket, decide_return))


def decide_return(world: World, ticket: Ticket) -> None:
    if world.rng.random() < 0.8:
        routing.approve_return(
            world.session, ticket, user=world.dispatcher, note="同意退单，重新派单。"
        )
        world.at(world.office(world.rng.uniform(2, 40)), _step(world, ticket, redispatch))
    else:
        routing.refuse_return(
            world.session,
            ticket,
            user=world.dispatcher,
            note="该事项属于贵单位职责，请继续办理。",
        )
        world.at(world.office(world.rng.uniform(1, 12)), _step(world, ticket, contact))


def redispatch(world: World, ticket: Ticket) -> None:
    """A dispatcher sends the ticket to the district's government (属地), or the category's unit."""
    previous = _previous_lead(world, ticket)
    lead = None
    if ticket.district_id is not None:
        area = world.session.get(Area, ticket.district_id)
        lead = world.unit_by_code.get(f"D-{area.code}") if area else None
    if lead is None or lead.id == previous:
        facts = routing.facts_of(world.session, ticket)
        lead = world.unit_by_code.get(facts.category_default)
    if lead is None:
        return
    routing.dispatch(
        world.session,
        ticket,
        lead=lead,
        actor=tickets.Actor.staff(world.dispatcher),
        method=RoutingMethod.MANUAL,
        steps=[explanations.manual("退单后改派属地处理。")],
        user=world.dispatcher,
    )
    _plan_sign_for(world, ticket)


def _previous_lead(world: World, ticket: Ticket) -> int | None:
    assert ticket.id is not None
    decisions = routing.decisions_of(world.session, ticket.id)
    return next((d.lead_unit_id for d in reversed(decisions) if d.lead_unit_id), None)


def contact(world: World, ticket: Ticket) -> None:
    handler = world.handler(_lead(world, ticket).id or 0)
    if not ticket.anonymous and (ticket.requester_phone or ticket.requester_email):
        workbench.record_contact(
            world.session,
            ticket,
            user=handler,
            at=clock.now() - timedelta(minutes=world.rng.randrange(5, 50)),
            method=workbench.ContactMethod.PHONE,
            note=world.rng.choice(phrases.CONTACT_NOTES),
            expected_version=None,
        )
    _plan_reply(world, ticket)


def _plan_reply(world: World, ticket: Ticket) -> None:
    now, due, rng = clock.now(), ticket.handling_due, world.rng
    if due is None or due <= now:
        world.at(world.office(rng.uniform(1, 8)), _step(world, ticket, reply))
        return
    if rng.random() < EXTENSION_SHARE and due - now > timedelta(hours=30):
        ask = now + (due - now) * rng.uniform(0.3, 0.7)
        world.at(ask, _step(world, ticket, request_extension))
        return
    if rng.random() < LATE_SHARE:
        when = due + timedelta(hours=rng.uniform(2, 96))
    else:
        when = now + (due - now) * rng.uniform(0.1, 0.85)
    world.at(world.office(0, after=when), _step(world, ticket, reply))


def request_extension(world: World, ticket: Ticket) -> None:
    due = ticket.handling_due
    if ticket.status is not Status.HANDLING or due is None or due <= clock.now():
        world.at(world.office(1), _step(world, ticket, reply))
        return
    sla.request_extension(
        world.session,
        ticket,
        user=world.handler(_lead(world, ticket).id or 0),
        requested_due=world.calendar.add_working_days(due, 5).at,
        reason=world.rng.choice(phrases.EXTENSION_REASONS),
        expected_version=None,
    )
    world.at(world.office(world.rng.uniform(1, 6)), _step(world, ticket, decide_extension))


def decide_extension(world: World, ticket: Ticket) -> None:
    assert ticket.id is not None
    request = sla.pending_extension(world.session, ticket.id)
    due = ticket.handling_due
    if request is not None and due is not None and due > clock.now():
        approve = world.rng.random() < 0.85
        sla.decide_extension(
            world.session,
            request,
            ticket,
            user=world.dispatcher,
            approve=approve,
            note="同意延期。" if approve else "理由不充分，请按期办结。",
        )
    _plan_reply(world, ticket)


def reply(world: World, ticket: Ticket) -> None:
    if ticket.status is not Status.HANDLING:
        return
    theme = _theme_of(world, ticket)
    workbench.submit_reply(
        world.session,
        ticket,
        user=world.handler(_lead(world, ticket).id or 0),
        text=world.rng.choice(theme.replies) if theme else "已按规定处理完毕，并已告知市民。",
        expected_version=None,
    )
    world.at(world.office(world.rng.uniform(0.5, 8)), _step(world, ticket, review))


def _theme_of(world: World, ticket: Ticket) -> phrases.Theme | None:
    from service.catalogue.models import Category

    category = world.session.get(Category, ticket.category_id) if ticket.category_id else None
    return next((t for t in phrases.THEMES if category and t.category == category.code), None)


def review(world: World, ticket: Ticket) -> None:
    if ticket.id not in world.sent_back and world.rng.random() < SEND_BACK_SHARE:
        world.sent_back.add(ticket.id or 0)
        workbench.review_reply(
            world.session,
            ticket,
            user=world.dispatcher,
            accept=False,
            reason=world.rng.choice(phrases.SEND_BACK_REASONS),
            expected_version=None,
        )
        world.at(world.office(world.rng.uniform(4, 20)), _step(world, ticket, reply))
        return
    workbench.review_reply(
        world.session, ticket, user=world.dispatcher, accept=True, reason="", expected_version=None
    )
    _plan_callback(world, ticket)


def _plan_callback(world: World, ticket: Ticket) -> None:
    rng = world.rng
    web = ticket.channel in (Channel.WEB, Channel.API)
    if web and not ticket.anonymous and ticket.requester_phone:
        # What the survey_links job does within minutes of the accepted reply.
        token = callbacks.issue_survey(
            world.session, ticket, settings=world.settings, emails=world.emails
        )
        if rng.random() < SURVEY_ANSWER_SHARE:
            world.at(
                clock.now() + timedelta(hours=rng.uniform(1, 30)),
                lambda: _answer_survey(world, ticket.id or 0, token),
            )
            return
    world.at(world.hotline_hours(rng.uniform(3, 72)), _step(world, ticket, call_back))


def _answers(world: World, ticket: Ticket) -> callbacks.Answers:
    """The citizen's verdict: it depends on the unit, on lateness and on a second round."""
    rng = world.rng
    quality = world.quality.get(ticket.lead_unit_id or 0, 0.75)
    if ticket.handling_due and ticket.replied_at and ticket.replied_at > ticket.handling_due:
        quality -= 0.15
    if ticket.id in world.reopened:
        quality += 0.2
    roll = rng.random()
    if roll < quality:
        satisfied, resolved = (
            Satisfaction.SATISFIED,
            (Resolution.RESOLVED if rng.random() < 0.9 else Resolution.PARTLY),
        )
    elif roll < quality + (1 - quality) * 0.55:
        satisfied, resolved = (
            Satisfaction.BASICALLY,
            (Resolution.PARTLY if rng.random() < 0.6 else Resolution.RESOLVED),
        )
    else:
        satisfied, resolved = (
            Satisfaction.DISSATISFIED,
            (Resolution.NOT_RESOLVED if rng.random() < 0.7 else Resolution.PARTLY),
        )
    bad = satisfied is Satisfaction.DISSATISFIED
    return callbacks.Answers(
        # Most people remember the unit's call; some do not, or were never called.
        contacted=rng.random() < (0.85 + 0.12 * quality if ticket.contacted_at else 0.3),
        resolved=resolved,
        satisfied=satisfied,
        comment=rng.choice(phrases.COMMENTS_BAD if bad else phrases.COMMENTS_GOOD),
        unit_at_fault=not bad or rng.random() < 0.75,
    )


def _answer_survey(world: World, ticket_id: int, token: str) -> None:
    found = callbacks.survey_for(world.session, token)
    if found is None:
        return
    survey, ticket = found
    outcome = callbacks.answer_survey(
        world.session,
        survey,
        ticket,
        _answers(world, ticket),
        settings=world.settings,
        emails=world.emails,
    )
    _after_answer(world, ticket, outcome)


def call_back(world: World, ticket: Ticket) -> None:
    if ticket.status is not Status.PENDING_CALLBACK:
        return
    rng = world.rng
    unreachable = ticket.anonymous or not ticket.requester_phone
    if unreachable or rng.random() < UNREACHABLE_SHARE:
        outcome = callbacks.record_attempt(
            world.session,
            ticket,
            user=world.operator,
            outcome=rng.choice((AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY)),
            note="匿名工单，无回访号码" if unreachable else "",
            max_attempts=world.settings.callback_max_attempts,
            settings=world.settings,
            emails=world.emails,
        )
        if outcome is callbacks.Outcome.PENDING:
            world.at(world.hotline_hours(rng.uniform(20, 28)), _step(world, ticket, call_back))
        return
    callbacks.record_attempt(
        world.session,
        ticket,
        user=world.operator,
        outcome=AttemptOutcome.REACHED,
        max_attempts=world.settings.callback_max_attempts,
        settings=world.settings,
        emails=world.emails,
    )
    outcome = callbacks.record_answers(
        world.session,
        ticket,
        _answers(world, ticket),
        actor=tickets.Actor.staff(world.operator),
        channel=CallbackChannel.PHONE,
        settings=world.settings,
        emails=world.emails,
        user_id=world.operator.id,
    )
    _after_answer(world, ticket, outcome)


def _after_answer(world: World, ticket: Ticket, outcome: callbacks.Outcome) -> None:
    rng = world.rng
    if outcome is callbacks.Outcome.REOPENED:
        world.reopened.add(ticket.id or 0)
        world.at(world.office(rng.uniform(2, 16)), _step(world, ticket, contact))
        return
    if ticket.requester_phone:
        world.open_by_phone.pop(ticket.requester_phone, None)
    assert ticket.id is not None
    # Half the units rated "dissatisfied" on a ticket they were not at fault for appeal.
    unfair = outcome is callbacks.Outcome.CLOSED and callbacks.rated_dissatisfied(
        world.session, ticket.id, ticket.lead_unit_id
    )
    if unfair and rng.random() < 0.5:
        world.at(world.office(rng.uniform(4, 24)), _step(world, ticket, appeal))


def appeal(world: World, ticket: Ticket) -> None:
    handler = world.handler(_lead(world, ticket).id or 0)
    filed = callbacks.file_appeal(
        world.session,
        ticket,
        user=handler,
        reason=phrases.APPEAL_REASONS[0],
        evidence=phrases.APPEAL_EVIDENCE[0],
    )
    appeal_id = filed.id

    def decide() -> None:
        from service.callbacks.models import Appeal

        entry = world.session.get(Appeal, appeal_id)
        assert entry is not None
        accept = world.rng.random() < 0.65
        callbacks.decide_appeal(
            world.session,
            entry,
            user=world.supervisor,
            accept=accept,
            reason="经核实，单位已依法依规答复，予以核减。"
            if accept
            else "经核实，单位处理不到位，不予核减。",
        )

    world.at(world.office(world.rng.uniform(4, 30)), decide)
