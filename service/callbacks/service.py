"""The callback queue, attempts, answers and what they lead to; survey links; appeals."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from jinja2 import Environment
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import User
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
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, Visibility
from service.tickets.states import Action, CloseReason, Status

# The citizen's survey page; pages.py serves it, messages link to it.
SURVEY_PATH = "/survey/{token}"


class CallbackError(ValueError):
    """A callback or appeal that the rules refuse; the message is shown to the user."""


class Outcome(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"
    UNREACHABLE = "unreachable"
    PENDING = "pending"


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
    return session.exec(select(Callback).where(Callback.ticket_id == ticket_id)).first()


def _require_waiting(ticket: Ticket) -> None:
    if ticket.status is not Status.PENDING_CALLBACK:
        raise CallbackError(f"ticket {ticket.number} is not waiting for a callback")


def record_attempt(
    session: Session,
    ticket: Ticket,
    *,
    user: User,
    outcome: AttemptOutcome,
    note: str = "",
    max_attempts: int,
) -> Outcome:
    """An unanswered call counts; after max_attempts of them the ticket closes unrated."""
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
    _store_handling_time(session, ticket)
    tickets.transition(
        session,
        ticket,
        Action.CLOSE,
        actor=tickets.Actor.staff(user),
        reason=f"citizen unreachable after {failed} callback attempts",
        close_reason=CloseReason.UNREACHABLE,
    )
    return Outcome.UNREACHABLE


def record_answers(
    session: Session,
    ticket: Ticket,
    answers: Answers,
    *,
    actor: tickets.Actor,
    channel: CallbackChannel,
    user_id: int | None = None,
) -> Outcome:
    """Satisfied (or basically) or resolved closes; otherwise a unit at fault re-handles (重办).

    A ticket answered again after re-handling keeps one callback row holding the latest
    answers, so the unit is rated on how the ticket finally ended; every answer stays in
    the event log.
    """
    _require_waiting(ticket)
    assert ticket.id is not None
    at = clock.now()
    row = callback_of(session, ticket.id) or Callback(
        ticket_id=ticket.id,
        answered_at=at,
        contacted=answers.contacted,
        resolved=answers.resolved,
        satisfied=answers.satisfied,
        channel=channel,
    )
    row.unit_id = ticket.lead_unit_id
    row.answered_at = at
    row.contacted = answers.contacted
    row.resolved = answers.resolved
    row.satisfied = answers.satisfied
    row.comment = answers.comment.strip()
    row.channel = channel
    row.user_id = user_id
    row.unit_at_fault = answers.unit_at_fault
    session.add(row)
    summary = {
        "contacted": answers.contacted,
        "resolved": answers.resolved.value,
        "satisfied": answers.satisfied.value,
        "channel": channel.value,
    }
    _store_handling_time(session, ticket)
    settled = (
        answers.satisfied is not Satisfaction.DISSATISFIED
        or answers.resolved is Resolution.RESOLVED
    )
    if settled or not answers.unit_at_fault:
        tickets.transition(session, ticket, Action.CLOSE, actor=actor, data={"callback": summary})
        return Outcome.CLOSED
    tickets.transition(
        session,
        ticket,
        Action.REOPEN,
        actor=actor,
        reason="the citizen was dissatisfied at the callback and the unit is at fault",
        changes={"replied_at": None, "callback_due": None},
        data={"callback": summary},
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


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(settings: Settings, token: str) -> str:
    return settings.public_url.rstrip("/") + SURVEY_PATH.format(token=token)


def issue_survey(
    session: Session, ticket: Ticket, *, settings: Settings, emails: Environment
) -> str:
    """A one-time link for the requester, sent by SMS and/or e-mail in the same transaction;
    only the token's hash is kept. Anonymous tickets (nobody to send it to) get none."""
    assert ticket.id is not None
    if ticket.anonymous or not (ticket.requester_phone or ticket.requester_email):
        raise CallbackError(f"ticket {ticket.number} has no requester to send a survey to")
    token = secrets.token_urlsafe(24)
    at = clock.now()
    expires_at = at + timedelta(days=settings.survey_link_days)
    session.add(
        SurveyToken(
            ticket_id=ticket.id,
            token_hash=_hash_token(token),
            created_at=at,
            expires_at=expires_at,
        )
    )
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
    """The survey behind a link, if the link is unused, unexpired and the ticket still waits."""
    row = session.exec(
        select(SurveyToken).where(SurveyToken.token_hash == _hash_token(token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    ticket = session.get(Ticket, row.ticket_id)
    if ticket is None or ticket.status is not Status.PENDING_CALLBACK:
        return None
    return row, ticket


def answer_survey(
    session: Session, survey: SurveyToken, ticket: Ticket, answers: Answers
) -> Outcome:
    """The citizen's own answers; the link works once. A dissatisfied citizen's ticket
    is re-handled (the office may still close it after an appeal)."""
    survey.used_at = clock.now()
    session.add(survey)
    return record_answers(
        session, ticket, answers, actor=tickets.Actor.citizen(), channel=CallbackChannel.WEB
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
        raise CallbackError("only a dissatisfied callback can be appealed")
    if user.unit_id is None or callback.unit_id != user.unit_id:
        raise CallbackError("only the unit that was rated can appeal")
    if pending_appeal(session, ticket.id) is not None:
        raise CallbackError("an appeal for this ticket is already waiting for a decision")
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
        raise CallbackError("this appeal has already been decided")
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
