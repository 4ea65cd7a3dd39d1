"""The callback queue, attempts, answers and what they lead to; survey links; appeals.

Co-requesters' links, notices and answers live in co_requesters.py; the rule for how their
answers count is written there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jinja2 import Environment
from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import User
from service.callbacks import co_requesters, links
from service.callbacks.models import (
    Appeal,
    AppealDecision,
    AttemptOutcome,
    Callback,
    CallbackAttempt,
    CallbackChannel,
    HandlingTime,
    Resolution,
    Satisfaction,
    SurveyToken,
)
from service.config import Settings
from service.i18n import gettext as _
from service.notifications import service as outbox
from service.notifications.models import OutboxKind
from service.sla import clocks
from service.tickets import reasons
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, Visibility
from service.tickets.reasons import N_
from service.tickets.states import Action, CloseReason, Status

SURVEY_PATH = links.SURVEY_PATH
survey_url = links.survey_url


class CallbackError(ValueError):
    """A callback or appeal that the rules refuse; the message is shown to the user."""


class Outcome(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"
    UNREACHABLE = "unreachable"
    PENDING = "pending"
    RECORDED = "recorded"  # a co-requester's answer kept as feedback; the ticket did not move


@dataclass(frozen=True)
class Answers:
    contacted: bool
    resolved: Resolution
    satisfied: Satisfaction
    comment: str = ""
    unit_at_fault: bool = True


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    attempts: int


def queue(session: Session, *, page: int = 1, per_page: int = 50) -> tuple[list[QueueRow], int]:
    """Tickets waiting for a callback, soonest due first, one page counted and read in SQL."""
    waiting = col(Ticket.status) == Status.PENDING_CALLBACK
    total = session.exec(select(func.count()).select_from(Ticket).where(waiting)).one()
    attempts = (
        select(CallbackAttempt.ticket_id, func.count().label("n"))
        .group_by(col(CallbackAttempt.ticket_id))
        .subquery()
    )
    rows = session.exec(
        select(Ticket, func.coalesce(attempts.c.n, 0))
        .outerjoin(attempts, attempts.c.ticket_id == Ticket.id)
        .where(waiting)
        .order_by(col(Ticket.callback_due).is_(None), col(Ticket.callback_due), col(Ticket.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [QueueRow(ticket, int(n)) for ticket, n in rows], int(total)


def attempts_of(session: Session, ticket_id: int) -> list[CallbackAttempt]:
    return list(
        session.exec(
            select(CallbackAttempt)
            .where(CallbackAttempt.ticket_id == ticket_id)
            .order_by(col(CallbackAttempt.at), col(CallbackAttempt.id))
        )
    )


def callback_of(session: Session, ticket_id: int) -> Callback | None:
    """The latest callback round: the one an appeal is about."""
    return session.exec(
        select(Callback).where(Callback.ticket_id == ticket_id).order_by(col(Callback.round).desc())
    ).first()


def callbacks_of(session: Session, ticket_id: int) -> list[Callback]:
    """Every callback round of a ticket, first round first."""
    return list(
        session.exec(
            select(Callback).where(Callback.ticket_id == ticket_id).order_by(col(Callback.round))
        )
    )


def led_to_rehandling(row: Callback) -> bool:
    """A round reopened its ticket (重办): dissatisfied, not resolved, the unit at fault."""
    return (
        row.satisfied is Satisfaction.DISSATISFIED
        and row.resolved is not Resolution.RESOLVED
        and row.unit_at_fault
    )


def rehandling_rounds(session: Session, ticket_id: int) -> list[Callback]:
    """The dissatisfied rounds that sent a ticket back for re-handling, first first: the
    handler reworking it reads what the citizen said."""
    return [row for row in callbacks_of(session, ticket_id) if led_to_rehandling(row)]


def _require_waiting(ticket: Ticket) -> None:
    if ticket.status is not Status.PENDING_CALLBACK:
        raise CallbackError(N_("This ticket is not waiting for a callback."))


def record_attempt(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    outcome: AttemptOutcome,
    note: str = "",
    max_attempts: int,
    settings: Settings,
    emails: Environment,
) -> Outcome:
    """An unanswered call counts; after max_attempts of them the ticket closes unrated (and
    its co-requesters are told it closed); a sampled direct answer closes as a direct answer."""
    _require_waiting(ticket)
    assert ticket.id is not None
    session.add(
        CallbackAttempt(
            ticket_id=ticket.id, at=clock.now(), outcome=outcome, user_id=user.id, note=note
        )
    )
    session.flush()
    if outcome is AttemptOutcome.REACHED:
        return Outcome.PENDING
    failed = session.exec(
        select(func.count())
        .select_from(CallbackAttempt)
        .where(
            CallbackAttempt.ticket_id == ticket.id,
            CallbackAttempt.outcome != AttemptOutcome.REACHED,
        )
    ).one()
    if failed < max_attempts:
        return Outcome.PENDING
    # A sampled direct answer nobody could reach still closes as a direct answer: the
    # hotline's answer stands and no unit handled it.
    direct = ticket.lead_unit_id is None
    if not direct:
        _store_handling_time(session, ticket)
    tickets.transition(
        session,
        ticket,
        Action.CLOSE,
        actor=tickets.Actor.staff(user),
        reason=f"citizen unreachable after {failed} callback attempts",
        data=reasons.system_reason(
            N_("The citizen could not be reached after %(attempts)d callback attempts."),
            attempts=failed,
        ),
        close_reason=CloseReason.DIRECT_ANSWER if direct else CloseReason.UNREACHABLE,
    )
    co_requesters.tell_closed(session, ticket, settings=settings, emails=emails)
    return Outcome.UNREACHABLE


def record_answers(
    session: Session,
    ticket: Ticket,
    answers: Answers,
    *,
    actor: tickets.Actor,
    channel: CallbackChannel,
    settings: Settings,
    emails: Environment,
    user_id: int | None = None,
) -> Outcome:
    """Each answer is a new callback round beside the earlier ones, never an overwrite.

    Satisfied (or basically) or resolved closes; otherwise a unit at fault re-handles (重办)
    and the next answer is the next round. A dissatisfied direct answer (no unit: the hotline
    answered) becomes a work order. Closing tells the co-requesters.
    """
    _require_waiting(ticket)
    assert ticket.id is not None
    latest = session.exec(
        select(func.max(Callback.round)).where(Callback.ticket_id == ticket.id)
    ).one()
    this_round = (latest or 0) + 1
    session.add(
        Callback(
            ticket_id=ticket.id,
            round=this_round,
            unit_id=ticket.lead_unit_id,
            answered_at=clock.now(),
            contacted=answers.contacted,
            resolved=answers.resolved,
            satisfied=answers.satisfied,
            comment=answers.comment.strip(),
            channel=channel,
            user_id=user_id,
            unit_at_fault=answers.unit_at_fault,
        )
    )
    summary = {
        "round": this_round,
        "contacted": answers.contacted,
        "resolved": answers.resolved.value,
        "satisfied": answers.satisfied.value,
        "channel": channel.value,
    }
    # Only work orders reach a callback with a lead unit; a direct answer has none.
    direct = ticket.lead_unit_id is None
    if not direct:
        _store_handling_time(session, ticket)
    settled = (
        answers.satisfied is not Satisfaction.DISSATISFIED
        or answers.resolved is Resolution.RESOLVED
    )
    if settled or not answers.unit_at_fault:
        tickets.transition(
            session,
            ticket,
            Action.CLOSE,
            actor=actor,
            close_reason=CloseReason.DIRECT_ANSWER if direct else None,
            data={"callback": summary},
        )
        co_requesters.tell_closed(session, ticket, settings=settings, emails=emails)
        return Outcome.CLOSED
    if direct:
        tickets.transition(
            session,
            ticket,
            Action.REOPEN_AS_WORK_ORDER,
            actor=actor,
            reason="the citizen was dissatisfied with the hotline's direct answer",
            changes={"callback_due": None},
            data={
                "callback": summary,
                **reasons.system_reason(
                    N_(
                        "Opened as a work order: the citizen was not satisfied with the "
                        "hotline's answer at the callback."
                    )
                ),
            },
        )
        return Outcome.REOPENED
    tickets.transition(
        session,
        ticket,
        Action.REOPEN,
        actor=actor,
        reason="the citizen was dissatisfied at the callback and the unit is at fault",
        changes={"replied_at": None, "callback_due": None},
        data={
            "callback": summary,
            **reasons.system_reason(
                N_(
                    "Handled again: the citizen was not satisfied at the callback and the "
                    "handling unit was at fault."
                )
            ),
        },
    )
    clocks.start_clocks(session, ticket)
    return Outcome.REOPENED


def _store_handling_time(session: Session, ticket: Ticket) -> None:
    """Working hours from filing to the accepted reply (or now, if there is none)."""
    assert ticket.id is not None
    end = ticket.replied_at or clock.now()
    hours = clocks.work_calendar(session).working_hours_between(ticket.created_at, end)
    row = session.get(HandlingTime, ticket.id) or HandlingTime(
        ticket_id=ticket.id, closed_at=end, hours=0
    )
    row.unit_id = ticket.lead_unit_id
    row.closed_at = clock.now()
    row.hours = round(hours, 2)
    session.add(row)


# --- survey links -----------------------------------------------------------------------


def issue_survey(
    session: Session, ticket: Ticket, *, settings: Settings, emails: Environment
) -> str:
    """A one-time link for the requester, sent by SMS and/or e-mail in the same transaction;
    only the token's hash is kept. Anonymous tickets (nobody to send it to) get none."""
    assert ticket.id is not None
    if not co_requesters.requester_reachable(ticket):
        raise CallbackError(f"ticket {ticket.number} has no requester to send a survey to")
    token, expires_at = links.new_token(session, ticket_id=ticket.id, settings=settings)
    context = {
        "ticket": ticket,
        "settings": settings,
        "url": survey_url(settings, token),
        "expires_at": expires_at,
    }
    payload = {"ticket": ticket.number, "template": "survey"}
    sent_to = []
    if ticket.requester_phone:
        outbox.enqueue(
            session,
            kind=OutboxKind.SMS,
            recipient=ticket.requester_phone,
            body=emails.get_template("emails/survey.sms.txt").render(context).strip(),
            payload=payload,
        )
        sent_to.append(OutboxKind.SMS.value)
    if ticket.requester_email:
        outbox.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            recipient=ticket.requester_email,
            subject=_("How was your request %(number)s handled?") % {"number": ticket.number},
            body=emails.get_template("emails/survey.txt").render(context),
            payload=payload,
        )
        sent_to.append(OutboxKind.EMAIL.value)
    tickets.record(
        session,
        ticket,
        "survey_link",
        actor=tickets.Actor.system("callbacks"),
        visibility=Visibility.INTERNAL,
        data={"queued": sent_to, "expires_at": expires_at.isoformat()},
    )
    session.flush()
    return token


def survey_for(session: Session, token: str) -> tuple[SurveyToken, Ticket] | None:
    """The survey behind a link, if the link is unused and unexpired and the ticket still
    takes its answer: the requester's while the ticket waits for its callback, a
    co-requester's then or after the ticket closed."""
    row = session.exec(
        select(SurveyToken).where(SurveyToken.token_hash == links.hash_token(token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    ticket = session.get(Ticket, row.ticket_id)
    if ticket is None:
        return None
    answerable = (
        co_requesters.ANSWERABLE if row.co_requester_id is not None else {Status.PENDING_CALLBACK}
    )
    if ticket.status not in answerable:
        return None
    return row, ticket


def answer_survey(
    session: Session,
    survey: SurveyToken,
    ticket: Ticket,
    answers: Answers,
    *,
    settings: Settings,
    emails: Environment,
) -> Outcome:
    """The citizen's own answers; the link works once.

    The requester's answer is the ticket's callback: a dissatisfied citizen's ticket is
    re-handled (the office may still close it after an appeal). A co-requester's answer is
    kept as their own feedback and decides the ticket only when its requester cannot be
    asked (the rule is in co_requesters.py).
    """
    # Claimed in one conditional UPDATE, so a double submission answers once: the second
    # request waits for the first's row lock (or the SQLite write lock) and then finds it used.
    at = clock.now()
    claimed = session.execute(
        update(SurveyToken)
        .where(col(SurveyToken.id) == survey.id, col(SurveyToken.used_at).is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise CallbackError(N_("This survey link has already been used."))
    survey.used_at = at
    if survey.co_requester_id is None:
        return record_answers(
            session,
            ticket,
            answers,
            actor=tickets.Actor.citizen(),
            channel=CallbackChannel.WEB,
            settings=settings,
            emails=emails,
        )
    decided = co_requesters.decides(ticket)
    co_requesters.record_answer(
        session,
        survey,
        ticket,
        contacted=answers.contacted,
        resolved=answers.resolved,
        satisfied=answers.satisfied,
        comment=answers.comment,
        decided=decided,
    )
    if not decided:
        return Outcome.RECORDED
    return record_answers(
        session,
        ticket,
        answers,
        actor=tickets.Actor.citizen(),
        channel=CallbackChannel.WEB,
        settings=settings,
        emails=emails,
    )


def tickets_needing_survey(session: Session, *, limit: int = 500) -> list[Ticket]:
    """Web tickets waiting for a callback, with a requester to reach, and no survey link yet."""
    has_link = select(SurveyToken.ticket_id).where(SurveyToken.ticket_id == Ticket.id).exists()
    return list(
        session.exec(
            select(Ticket)
            .where(
                Ticket.status == Status.PENDING_CALLBACK,
                Ticket.channel == Channel.WEB,
                col(Ticket.anonymous).is_(False),
                or_(col(Ticket.requester_phone) != "", col(Ticket.requester_email) != ""),
                ~has_link,
            )
            .order_by(col(Ticket.id))
            .limit(limit)
        )
    )


# --- appeals (申诉 / 核减) -----------------------------------------------------------------


def pending_appeal(session: Session, ticket_id: int) -> Appeal | None:
    return session.exec(
        select(Appeal).where(
            Appeal.ticket_id == ticket_id, Appeal.decision == AppealDecision.PENDING
        )
    ).first()


def rated_dissatisfied(session: Session, ticket_id: int, unit_id: int | None) -> bool:
    """The citizen's callback answer was "dissatisfied" and rated this unit."""
    callback = callback_of(session, ticket_id)
    return (
        unit_id is not None
        and callback is not None
        and callback.satisfied is Satisfaction.DISSATISFIED
        and callback.unit_id == unit_id
    )


def file_appeal(
    session: Session, ticket: Ticket, *, user: User, reason: str, evidence: str
) -> Appeal:
    """Only the rated unit appeals, only a dissatisfied callback, one open appeal at a time."""
    assert ticket.id is not None
    callback = callback_of(session, ticket.id)
    if callback is None or callback.satisfied is not Satisfaction.DISSATISFIED:
        raise CallbackError(N_("Only a dissatisfied callback can be appealed."))
    if user.unit_id is None or callback.unit_id != user.unit_id:
        raise CallbackError(N_("Only the unit that was rated can appeal."))
    if pending_appeal(session, ticket.id) is not None:
        raise CallbackError(N_("An appeal for this ticket is already waiting for a decision."))
    appeal = Appeal(
        ticket_id=ticket.id,
        unit_id=user.unit_id,
        reason=reason.strip(),
        evidence=evidence.strip(),
        filed_by=user.id,
        filed_at=clock.now(),
    )
    session.add(appeal)
    tickets.record(session, ticket, "appeal", actor=tickets.Actor.staff(user), reason=reason)
    session.flush()
    return appeal


def decide_appeal(
    session: Session, appeal: Appeal, *, user: User, accept: bool, reason: str
) -> None:
    """An accepted appeal takes the ticket out of assessment (核减) with the reason kept."""
    if appeal.decision is not AppealDecision.PENDING:
        raise CallbackError(N_("This appeal has already been decided."))
    ticket = session.get(Ticket, appeal.ticket_id)
    assert ticket is not None
    appeal.decision = AppealDecision.ACCEPTED if accept else AppealDecision.REJECTED
    appeal.decided_by = user.id
    appeal.decided_at = clock.now()
    appeal.decision_reason = reason.strip()
    session.add(appeal)
    if accept:
        ticket.assessment_excluded = True
        ticket.exclusion_reason = reason.strip()
        ticket.updated_at = clock.now()
    tickets.record(
        session,
        ticket,
        "appeal_accepted" if accept else "appeal_rejected",
        actor=tickets.Actor.staff(user),
        reason=reason,
    )
    tickets.flush(session, ticket)


def appeals(
    session: Session, *, decision: AppealDecision | None = None, page: int = 1, per_page: int = 50
) -> list[tuple[Appeal, Ticket]]:
    """Appeals, newest first, with their tickets (one query)."""
    query = select(Appeal, Ticket).join(Ticket, col(Ticket.id) == Appeal.ticket_id)
    if decision is not None:
        query = query.where(Appeal.decision == decision)
    query = query.order_by(col(Appeal.filed_at).desc(), col(Appeal.id).desc())
    return list(session.exec(query.offset((page - 1) * per_page).limit(per_page)).all())
