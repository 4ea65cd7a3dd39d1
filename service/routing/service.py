"""Routing decisions: catalogue rule → confident model suggestion → triage queue; dispatch; returns.

Every decision, automatic or manual, is one routing_decision row with its explanation (as steps,
``service.routing.explanations``, and in English beside them), and the dispatch itself goes
through tickets.transition so the event log has it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, cast, delete, func
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role, User
from service.catalogue.models import Category
from service.config import Settings, load_settings
from service.i18n import gettext
from service.notifications import webhooks
from service.places.models import Area, Unit, UnitClass
from service.routing import explanations, learning, rules, ruleset
from service.routing.explanations import N_, Step
from service.routing.models import (
    DispatchReturn,
    ReturnOutcome,
    ReturnReason,
    RoutingDecision,
    RoutingMethod,
)
from service.sla import clocks, holdings, traces, waits
from service.sla.models import DueWarning
from service.sla.policies import parse_duration
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketAssist, TicketEvent, Urgency
from service.tickets.states import Action, Status

RETURN_REASON_LABELS: dict[ReturnReason, str] = {
    reason: explanations.RETURN_REASONS[reason.value] for reason in ReturnReason
}


class DispatchRefusedError(ValueError):
    """A dispatch or return the rules forbid; the message says which rule (English, for logs)."""

    def __init__(self, message: str, *, step: Step | None = None) -> None:
        super().__init__(message)
        self.step = step

    def shown(self) -> str:
        """The refusal in the page's language."""
        if self.step is not None:
            return explanations.render([self.step])
        return gettext(str(self))


def facts_of(session: Session, ticket: Ticket) -> rules.Facts:
    """The codes and text a rule looks at, read from the ticket's references."""
    category = session.get(Category, ticket.category_id) if ticket.category_id else None
    district = session.get(Area, ticket.district_id) if ticket.district_id else None
    street = session.get(Area, ticket.street_id) if ticket.street_id else None
    return rules.Facts(
        category=category.code if category else "",
        district=district.code if district else "",
        street=street.code if street else "",
        ticket_type=ticket.type.value,
        text=learning.ticket_text(ticket.title, ticket.description, ticket.request_text),
        category_default=_category_default(session, category),
    )


def _category_default(session: Session, category: Category | None) -> str:
    """The category's default unit, inherited from the nearest ancestor that has one."""
    while category is not None:
        if category.default_unit_id:
            unit = session.get(Unit, category.default_unit_id)
            if unit is not None:
                return unit.code
        category = session.get(Category, category.parent_id) if category.parent_id else None
    return ""


def _units_by_code(session: Session, codes: Sequence[str]) -> dict[str, Unit]:
    if not codes:
        return {}
    return {u.code: u for u in session.exec(select(Unit).where(col(Unit.code).in_(codes)))}


def push_down_refusal(session: Session, ticket: Ticket, unit: Unit) -> Step | None:
    """A municipal department's duty goes to a street office only where a published rule says so."""
    if unit.unit_class is not UnitClass.STREET_OFFICE or not ticket.category_id:
        return None
    category = session.get(Category, ticket.category_id)
    default = (
        session.get(Unit, category.default_unit_id)
        if category and category.default_unit_id
        else None
    )
    if default is None or default.unit_class is not UnitClass.MUNICIPAL_DEPARTMENT:
        return None
    current = ruleset.published(session)
    facts = facts_of(session, ticket)
    offices = ruleset.street_offices(session)
    for rule in ruleset.pure_rules(session, current):
        if not rule.category_prefix or not rules.has_prefix(facts.category, rule.category_prefix):
            continue
        lead = {
            rules.STREET_OFFICE: offices.get(facts.street),
            rules.CATEGORY_DEFAULT: facts.category_default,
        }.get(rule.lead_unit, rule.lead_unit)
        if lead == unit.code:
            return None
    return explanations.push_down(category.code if category else "", default.code)


def _waited_seconds(session: Session, ticket: Ticket) -> int | None:
    entered = session.exec(
        select(func.max(TicketEvent.at)).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.to_status == Status.PENDING_DISPATCH
        )
    ).one()
    if entered is None:
        return None
    if entered.tzinfo is None:  # SQLite aggregates lose the column type
        from datetime import UTC

        entered = entered.replace(tzinfo=UTC)
    return max(0, int((clock.now() - entered).total_seconds()))


def dispatch(
    session: Session,
    ticket: Ticket,
    *,
    lead: Unit,
    assisting: Sequence[Unit] = (),
    actor: tickets.Actor,
    method: RoutingMethod,
    steps: Sequence[Step],
    user: User | None = None,
    rule_set_version: int | None = None,
    rule_id: int | None = None,
    model_version: int | None = None,
    score: float | None = None,
    due_soon: clocks.DueSoon | None = None,
    fresh: bool = False,
    notify: bool = True,
    top3: list[dict[str, Any]] | None = None,
    urgency: str = "",
    handling_override: str = "",
    expected_version: int | None = None,
) -> RoutingDecision:
    """Send a pending ticket to its lead (and assisting) units, start its clocks, record why.

    `steps` say why (``service.routing.explanations``); the English text is stored beside them.
    """
    if not lead.active or any(not u.active for u in assisting):
        raise DispatchRefusedError(N_("An inactive unit cannot receive tickets."))
    if method is RoutingMethod.MANUAL:
        refusal = push_down_refusal(session, ticket, lead)
        if refusal:
            raise DispatchRefusedError(explanations.english([refusal]), step=refusal)
    explanation = explanations.english(steps)
    assisting = [u for u in assisting if u.id != lead.id]
    # A ticket routed as it is filed never waited in triage, was never dispatched and has no
    # assisting units yet: three queries fewer inside the filing's write window.
    waited = None if fresh else _waited_seconds(session, ticket)
    redispatch = not fresh and (
        session.exec(
            select(func.count())
            .select_from(RoutingDecision)
            .where(
                RoutingDecision.ticket_id == ticket.id,
                col(RoutingDecision.lead_unit_id).is_not(None),
            )
        ).one()
        > 0
    )
    changes: dict[str, Any] = {
        "lead_unit_id": lead.id,
        "dispatched_by_id": user.id if user else None,
        # A re-dispatched ticket is signed for anew by its new unit; the old unit's signature
        # stays on its holding.
        "signed_for_at": None,
    }
    if urgency:
        changes["urgency"] = Urgency(urgency)
    tickets.transition(
        session,
        ticket,
        Action.DISPATCH,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        data={
            "lead_unit": lead.code,
            "assisting_units": [u.code for u in assisting],
            "method": method.value,
            "explanation": explanation,
        },
    )
    if not fresh:
        session.execute(delete(TicketAssist).where(col(TicketAssist.ticket_id) == ticket.id))
    for unit in assisting:
        assert ticket.id is not None and unit.id is not None
        session.add(TicketAssist(ticket_id=ticket.id, unit_id=unit.id))
    clocks.start_clocks(session, ticket, due_soon=due_soon)
    if handling_override:
        duration = parse_duration(handling_override)
        due = clocks.work_calendar(session).add(clock.now(), duration)
        ticket.handling_due = due.at
        why = traces.rule_duration(duration)
        tickets.record(
            session,
            ticket,
            "clocks",
            actor=tickets.Actor.system("dispatch catalogue"),
            data={
                "reason_step": why,
                "due": {"handling_due": due.at.isoformat()},
                "trace": {"handling_due": [why, *due.trace]},
            },
        )
    assert ticket.id is not None
    holdings.open_holding(session, ticket, clock.now())
    decision = RoutingDecision(
        ticket_id=ticket.id,
        at=clock.now(),
        method=method,
        rule_set_version=rule_set_version,
        rule_id=rule_id,
        model_version=model_version,
        score=score,
        top3=top3 or [],
        lead_unit_id=lead.id,
        assisting_unit_ids=[u.id for u in assisting if u.id is not None],
        decided_by_id=user.id if user else None,
        explanation=explanation,
        explanation_steps=list(steps),
        waited_seconds=waited,
        redispatch=redispatch,
    )
    session.add(decision)
    if notify:
        webhooks.queue_dispatch(session, ticket, lead=lead, assisting=assisting, decision=decision)
    tickets.flush(session, ticket)
    return decision


def notify_dispatch(session: Session, ticket: Ticket, decision: RoutingDecision) -> None:
    """Queue the units' webhooks of a dispatch made with `notify=False` (intake: once the
    ticket has its number, which the payload carries)."""
    if decision.lead_unit_id is None:
        return
    lead = session.get(Unit, decision.lead_unit_id)
    assisting = [u for i in decision.assisting_unit_ids if (u := session.get(Unit, i))]
    assert lead is not None
    webhooks.queue_dispatch(session, ticket, lead=lead, assisting=assisting, decision=decision)


def route_new_ticket(
    session: Session,
    ticket: Ticket,
    *,
    settings: Settings | None = None,
    suggested: tuple[int | None, list[learning.Suggestion]] | None = None,
    notify: bool = True,
) -> RoutingDecision:
    """Intake's routing: a catalogue rule, else a model suggestion above the threshold, else triage.

    A ticket still in intake is first opened as a work order. Nothing here commits.
    `suggested` is the model's answer for the ticket's text when intake asked it before taking
    the write lock (the classifier is the CPU-heavy part of routing).
    """
    settings = settings or load_settings()
    threshold = settings.routing_auto_confidence
    due_soon = clocks.DueSoon.from_settings(settings)
    system = tickets.Actor.system("routing")
    if ticket.status is Status.INTAKE:
        tickets.transition(session, ticket, Action.OPEN_WORK_ORDER, actor=system)
    current = ruleset.published(session)
    facts = facts_of(session, ticket)
    outcome = rules.evaluate(
        ruleset.pure_rules(session, current),
        facts,
        ruleset.street_offices(session, street=facts.street),
    )
    fired = outcome.fired
    model_version, suggestions = suggested or learning.suggest(session, facts.text)
    top3 = learning.as_json(suggestions)
    steps: list[Step] = []
    if fired is not None and fired.lead_unit and current is not None:
        units = _units_by_code(session, [fired.lead_unit, *fired.rule.assisting])
        lead = units.get(fired.lead_unit)
        if lead is not None and lead.active:
            return dispatch(
                session,
                ticket,
                lead=lead,
                assisting=[units[c] for c in fired.rule.assisting if c in units],
                actor=system,
                method=RoutingMethod.RULE,
                steps=[
                    explanations.rule(current.version, fired.rule.id, fired.rule.name, fired.checks)
                ],
                rule_set_version=current.version,
                rule_id=fired.rule.id,
                model_version=model_version,
                top3=top3,
                urgency=fired.rule.urgency,
                handling_override=fired.rule.handling_override,
                due_soon=due_soon,
                fresh=True,  # routed as it is filed: never in triage or dispatched
                notify=notify,
            )
        steps.append(
            explanations.rule_unit_unavailable(
                current.version, fired.rule.id, fired.rule.name, fired.lead_unit
            )
        )
    else:
        steps.append(explanations.no_rule(catalogue=current is not None))
    if not suggestions:
        steps.append(explanations.no_model())
        return queue(session, ticket, steps=steps, model_version=model_version, top3=top3)
    best = suggestions[0]
    steps.append(explanations.model(model_version, best.unit_code, best.score, threshold))
    if best.score >= threshold:
        lead = _units_by_code(session, [best.unit_code]).get(best.unit_code)
        if lead is None or not lead.active:
            steps.append(explanations.unit_unavailable(best.unit_code, known=lead is not None))
        elif (refusal := push_down_refusal(session, ticket, lead)) is not None:
            steps.append(refusal)
        else:
            return dispatch(
                session,
                ticket,
                lead=lead,
                actor=system,
                method=RoutingMethod.MODEL,
                steps=steps,
                model_version=model_version,
                score=best.score,
                top3=top3,
                due_soon=due_soon,
                fresh=True,  # routed as it is filed: never in triage or dispatched
                notify=notify,
            )
    return queue(session, ticket, steps=steps, model_version=model_version, top3=top3)


def queue(
    session: Session,
    ticket: Ticket,
    *,
    steps: Sequence[Step],
    model_version: int | None = None,
    top3: list[dict[str, Any]] | None = None,
) -> RoutingDecision:
    """Leave the ticket for a dispatcher, with the suggestions it should look at first."""
    assert ticket.id is not None
    reason = explanations.english(steps)
    decision = RoutingDecision(
        ticket_id=ticket.id,
        at=clock.now(),
        method=RoutingMethod.QUEUED,
        model_version=model_version,
        score=top3[0]["score"] if top3 else None,
        top3=top3 or [],
        explanation=reason,
        explanation_steps=list(steps),
    )
    session.add(decision)
    tickets.record(
        session,
        ticket,
        "routing_queued",
        actor=tickets.Actor.system("routing"),
        reason=reason,
        data={"reason_step": explanations.event_step(steps)},
    )
    session.flush()
    return decision


def latest_decision(session: Session, ticket_id: int) -> RoutingDecision | None:
    return session.exec(
        select(RoutingDecision)
        .where(RoutingDecision.ticket_id == ticket_id)
        .order_by(col(RoutingDecision.id).desc())
    ).first()


def decisions_of(session: Session, ticket_id: int) -> list[RoutingDecision]:
    return list(
        session.exec(
            select(RoutingDecision)
            .where(RoutingDecision.ticket_id == ticket_id)
            .order_by(col(RoutingDecision.id))
        )
    )


# Returns (退单) ---------------------------------------------------------------------------


def request_return(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    reason: ReturnReason,
    text: str,
    expected_version: int | None = None,
) -> DispatchReturn:
    """Only a handler of the lead unit hands a ticket back, with a reason from the list."""
    if user.role is not Role.HANDLER or user.unit_id is None or user.unit_id != ticket.lead_unit_id:
        raise DispatchRefusedError(N_("Only a handler of the lead unit can return this ticket."))
    text = text.strip()
    if reason is ReturnReason.OTHER and not text:
        raise DispatchRefusedError(N_("Say why, when the reason is “other”."))
    why = explanations.return_reason(reason.value, text)
    tickets.transition(
        session,
        ticket,
        Action.REQUEST_RETURN,
        actor=tickets.Actor.staff(user),
        reason=explanations.english([why]),
        expected_version=expected_version,
        data={"return_reason": reason.value, "reason_step": explanations.event_step([why])},
    )
    assert ticket.id is not None
    entry = DispatchReturn(
        ticket_id=ticket.id,
        unit_id=user.unit_id,
        reason=reason,
        text=text,
        requested_by_id=user.id,
        requested_at=clock.now(),
    )
    session.add(entry)
    session.flush()
    return entry


def open_return(session: Session, ticket_id: int) -> DispatchReturn | None:
    return session.exec(
        select(DispatchReturn).where(
            DispatchReturn.ticket_id == ticket_id, col(DispatchReturn.outcome).is_(None)
        )
    ).first()


def approve_return(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    note: str,
    expected_version: int | None = None,
) -> DispatchReturn:
    """The ticket goes back to pending dispatch without a lead unit; re-dispatch follows."""
    entry = _open_or_refuse(session, ticket)
    held = holdings.end_holding(
        session,
        ticket,
        handed_back_at=entry.requested_at,
        started_at=_dispatched_at(session, ticket) or entry.requested_at,
    )
    data: dict[str, Any] = {
        "return_id": entry.id,
        "late_at_return": {"sign_for": held.sign_for_late, "handling": held.handling_late},
    }
    reason = note.strip()
    if not reason:  # the reason on record is then the unit's, in the reader's language
        why = explanations.return_approved(entry.reason.value)
        reason = explanations.english([why])
        data["reason_step"] = explanations.event_step([why])
    tickets.transition(
        session,
        ticket,
        Action.APPROVE_RETURN,
        actor=tickets.Actor.staff(user),
        reason=reason,
        expected_version=expected_version,
        changes={"lead_unit_id": None},
        data=data,
    )
    session.execute(delete(TicketAssist).where(col(TicketAssist.ticket_id) == ticket.id))
    _decide(entry, user, ReturnOutcome.APPROVED, note)
    session.flush()
    return entry


def _dispatched_at(session: Session, ticket: Ticket) -> Any:
    """When the ticket last went to its unit (for a holding from before holdings existed)."""
    at = session.exec(
        select(func.max(TicketEvent.at)).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.action == Action.DISPATCH.value
        )
    ).one()
    if at is not None and at.tzinfo is None:  # SQLite aggregates lose the column type
        from datetime import UTC

        at = at.replace(tzinfo=UTC)
    return at


def refuse_return(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    note: str,
    expected_version: int | None = None,
) -> DispatchReturn:
    """The unit keeps the ticket and carries on handling it; the dispatcher says why."""
    entry = _open_or_refuse(session, ticket)
    if not note.strip():
        raise DispatchRefusedError(N_("Say why the unit keeps the ticket."))
    tickets.transition(
        session,
        ticket,
        Action.REFUSE_RETURN,
        actor=tickets.Actor.staff(user),
        reason=note.strip(),
        expected_version=expected_version,
        data={"return_id": entry.id},
    )
    _decide(entry, user, ReturnOutcome.REFUSED, note)
    session.flush()
    return entry


def _open_or_refuse(session: Session, ticket: Ticket) -> DispatchReturn:
    assert ticket.id is not None
    entry = open_return(session, ticket.id)
    if entry is None:
        raise DispatchRefusedError(N_("This ticket has no return waiting for review."))
    return entry


def _decide(entry: DispatchReturn, user: User, outcome: ReturnOutcome, note: str) -> None:
    entry.outcome = outcome
    entry.decided_by_id = user.id
    entry.decided_at = clock.now()
    entry.decision_note = note.strip()[:400]


# Queue and statistics ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    ticket: Ticket
    decision: RoutingDecision | None
    returned: bool
    category: str
    flag: str = ""  # the dispatch clock: "red" overdue, "yellow" due soon


def triage_queue(
    session: Session, *, page: int, per_page: int = 25, now: datetime | None = None
) -> tuple[list[QueueItem], int]:
    """Tickets waiting for a dispatcher, oldest first, with their latest decision and the
    dispatch clock's flag; one page."""
    flag = waits.flag(col(Ticket.office_due), col(DueWarning.office_warn_at), now or clock.now())
    waiting = Ticket.status == Status.PENDING_DISPATCH
    total = session.exec(select(func.count()).select_from(Ticket).where(waiting)).one()
    latest_id = (
        select(RoutingDecision.ticket_id, func.max(RoutingDecision.id).label("decision_id"))
        .group_by(col(RoutingDecision.ticket_id))
        .subquery()
    )
    returned = (
        select(DispatchReturn.ticket_id, func.max(DispatchReturn.decided_at).label("returned_at"))
        .where(DispatchReturn.outcome == ReturnOutcome.APPROVED)
        .group_by(col(DispatchReturn.ticket_id))
        .subquery()
    )
    rows = session.exec(
        select(Ticket, RoutingDecision, returned.c.returned_at, Category.code, flag)  # type: ignore[call-overload]
        .join(latest_id, latest_id.c.ticket_id == Ticket.id, isouter=True)
        .join(DueWarning, col(DueWarning.ticket_id) == Ticket.id, isouter=True)
        .join(RoutingDecision, col(RoutingDecision.id) == latest_id.c.decision_id, isouter=True)
        .join(returned, returned.c.ticket_id == Ticket.id, isouter=True)
        .join(Category, col(Category.id) == Ticket.category_id, isouter=True)
        .where(waiting)
        .order_by(col(Ticket.created_at), col(Ticket.id))
        .offset(max(0, page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [
        QueueItem(ticket, decision, returned_at is not None, code or "", str(flag_value or ""))
        for ticket, decision, returned_at, code, flag_value in rows
    ], total


def returns_to_review(
    session: Session, *, page: int, per_page: int = 25, now: datetime | None = None
) -> tuple[list[tuple[DispatchReturn, Ticket, Unit, str]], int]:
    """Open returns, oldest first, each with the return-review clock's flag."""
    pending = col(DispatchReturn.outcome).is_(None)
    flag = waits.flag(col(Ticket.office_due), col(DueWarning.office_warn_at), now or clock.now())
    total = session.exec(select(func.count()).select_from(DispatchReturn).where(pending)).one()
    rows = session.exec(
        select(DispatchReturn, Ticket, Unit, flag)
        .join(Ticket, col(Ticket.id) == DispatchReturn.ticket_id)
        .join(Unit, col(Unit.id) == DispatchReturn.unit_id)
        .outerjoin(DueWarning, col(DueWarning.ticket_id) == Ticket.id)
        .where(pending)
        .order_by(col(DispatchReturn.requested_at))
        .offset(max(0, page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [(r, t, u, str(f or "")) for r, t, u, f in rows], total


@dataclass(frozen=True)
class UnitStats:
    unit: Unit
    dispatched: int
    redispatched_to: int
    avg_triage_minutes: float | None
    returns: int
    returns_approved: int
    returns_refused: int


def unit_stats(session: Session) -> list[UnitStats]:
    """Per unit: tickets received, received as a re-dispatch, time in triage, returns (SQL)."""
    decided: dict[int, tuple[int, int, float | None]] = {
        uid: (n, re, avg)
        for uid, n, re, avg in session.exec(
            select(
                RoutingDecision.lead_unit_id,
                func.count(),
                func.sum(cast(col(RoutingDecision.redispatch), Integer)),
                func.avg(RoutingDecision.waited_seconds),
            )
            .where(col(RoutingDecision.lead_unit_id).is_not(None))
            .group_by(col(RoutingDecision.lead_unit_id))
        )
        if uid is not None
    }
    returns: dict[int, dict[str | None, int]] = {}
    for uid, outcome, n in session.exec(
        select(DispatchReturn.unit_id, DispatchReturn.outcome, func.count()).group_by(
            col(DispatchReturn.unit_id), col(DispatchReturn.outcome)
        )
    ):
        returns.setdefault(uid, {})[str(outcome) if outcome else None] = n
    ids = set(decided) | set(returns)
    units: dict[int, Unit] = {
        u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(ids))) if u.id
    }
    result = []
    for uid in sorted(ids, key=lambda i: units[i].code):
        n, re, avg = decided.get(uid, (0, 0, None))
        by_outcome = returns.get(uid, {})
        result.append(
            UnitStats(
                unit=units[uid],
                dispatched=int(n or 0),
                redispatched_to=int(re or 0),
                avg_triage_minutes=float(avg) / 60 if avg is not None else None,
                returns=sum(by_outcome.values()),
                returns_approved=by_outcome.get(ReturnOutcome.APPROVED.value, 0),
                returns_refused=by_outcome.get(ReturnOutcome.REFUSED.value, 0),
            )
        )
    return result


def names_for(
    session: Session, step_lists: Iterable[Sequence[Any] | None], *, units: Iterable[str] = ()
) -> explanations.Names:
    """The names of the categories, areas and units that these steps (and `units`) mention.

    One query per kind of code mentioned, whatever the number of steps; a category code takes
    its name from the newest tree version that has it.
    """
    codes = explanations.codes_in(step_lists)
    codes[explanations.UNIT] |= {u for u in units if u}
    categories: dict[str, tuple[str, str]] = {}
    if codes[explanations.CATEGORY]:
        for code, zh, en in session.exec(
            select(Category.code, Category.name_zh, Category.name_en)
            .where(col(Category.code).in_(codes[explanations.CATEGORY]))
            .order_by(col(Category.tree_version))
        ):
            categories[code] = (zh, en)
    areas = (
        {
            code: (zh, en)
            for code, zh, en in session.exec(
                select(Area.code, Area.name_zh, Area.name_en).where(
                    col(Area.code).in_(codes[explanations.AREA])
                )
            )
        }
        if codes[explanations.AREA]
        else {}
    )
    unit_names = (
        {
            code: (zh, en)
            for code, zh, en in session.exec(
                select(Unit.code, Unit.name_zh, Unit.name_en).where(
                    col(Unit.code).in_(codes[explanations.UNIT])
                )
            )
        }
        if codes[explanations.UNIT]
        else {}
    )
    return explanations.Names(categories=categories, areas=areas, units=unit_names)


def event_names(session: Session, events: Iterable[TicketEvent]) -> explanations.Names:
    """The names that the routing reasons of these events mention, in one batch."""
    return names_for(session, [explanations.event_steps(e.data) for e in events])


@dataclass(frozen=True)
class DecisionView:
    """A decision with its units, rule and author resolved, as the ticket page shows it."""

    decision: RoutingDecision
    lead: Unit | None
    assisting: list[Unit]
    rule_name: str
    decided_by: str
    names: explanations.Names

    @property
    def explanation(self) -> str:
        """Why, in the current locale; a decision from before steps were stored, as stored."""
        return explanations.shown(
            self.decision.explanation_steps, self.decision.explanation, self.names
        )


def decision_views(session: Session, ticket_id: int) -> list[DecisionView]:
    """A ticket's routing decisions, oldest first, in at most seven queries however many."""
    from service.routing.models import RoutingRule

    decisions = decisions_of(session, ticket_id)
    unit_ids = {d.lead_unit_id for d in decisions if d.lead_unit_id} | {
        u for d in decisions for u in d.assisting_unit_ids
    }
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    rule_ids = {d.rule_id for d in decisions if d.rule_id}
    rule_names = {
        r.id: r.name
        for r in session.exec(select(RoutingRule).where(col(RoutingRule.id).in_(rule_ids)))
    }
    user_ids = {d.decided_by_id for d in decisions if d.decided_by_id}
    users = {
        u.id: u.display_name or u.username
        for u in session.exec(select(User).where(col(User.id).in_(user_ids)))
    }
    names = names_for(session, [d.explanation_steps for d in decisions])
    return [
        DecisionView(
            decision=d,
            lead=units.get(d.lead_unit_id) if d.lead_unit_id else None,
            assisting=[units[u] for u in d.assisting_unit_ids if u in units],
            rule_name=rule_names.get(d.rule_id, "") if d.rule_id else "",
            decided_by=users.get(d.decided_by_id, "") if d.decided_by_id else "",
            names=names,
        )
        for d in decisions
    ]
