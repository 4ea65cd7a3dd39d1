"""Co-requesters ("me too") at the end of a ticket: the reply, their own survey link, the
closing notice, and their answers kept as feedback.

Who is reached: every `co_requester` row with a phone or an e-mail. Rows exist only for people
who gave their contacts (the portal asks for name and phone to join; the hotline adds no row
for an anonymous caller), so nobody anonymous is ever messaged. Unlike the requester's web-only
link, a co-requester's link goes out whatever channel the ticket came by: operators call back
the requester, never the co-requesters, so the link is their only way to answer.

How their answers count (one assessed callback per ticket, as the metrics assume):
- the requester's own answer (survey link or the hotline's callback) decides the ticket:
  closed, or re-handled (重办), and the `callback` row the unit's rates are computed from;
- a co-requester's answer is their own feedback (`co_requester_answer`), shown on the staff
  ticket page and counted in no rate;
- except when the requester cannot be reached (anonymous, or no phone and no e-mail): then the
  first co-requester to answer while the ticket waits for its callback decides it, exactly as
  the requester's answer would; later answers are feedback again.

A co-requester gets one link per round: when the ticket waits for a callback again after
re-handling, they receive the new reply with a new link, and their unused older link stops
working. Their link stays usable after the ticket closes (until it expires), because someone
else's answer closing the ticket should not silence them; it stops while the ticket is being
re-handled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import Environment
from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session, col, select

from service import clock
from service.callbacks import links
from service.callbacks.models import CoRequesterAnswer, Resolution, Satisfaction, SurveyToken
from service.config import Settings
from service.i18n import gettext as _
from service.intake.models import CoRequester
from service.notifications import service as outbox
from service.notifications.models import OutboxKind
from service.tickets import service as tickets
from service.tickets.models import Ticket, Visibility
from service.tickets.states import Status

# A co-requester's link works while the ticket waits for its callback, and after it closed.
ANSWERABLE = frozenset({Status.PENDING_CALLBACK, Status.CLOSED})
SYSTEM = tickets.Actor.system("callbacks")


def requester_reachable(ticket: Ticket) -> bool:
    """The requester can be asked (by link or by phone): not anonymous, and a contact left."""
    return not ticket.anonymous and bool(ticket.requester_phone or ticket.requester_email)


def _has_contact() -> ColumnElement[bool]:
    return or_(col(CoRequester.phone) != "", col(CoRequester.email) != "")


def needing_survey(session: Session, *, limit: int = 500) -> list[tuple[CoRequester, Ticket]]:
    """Co-requesters of tickets waiting for a callback who have no link for this round yet.

    A round starts at the ticket's latest reply (`replied_at`); a link made before it belongs
    to an earlier round. One query, starting from the tickets waiting for a callback.
    """
    this_round = (
        select(SurveyToken.id)
        .where(
            SurveyToken.co_requester_id == CoRequester.id,
            or_(
                col(Ticket.replied_at).is_(None),
                col(SurveyToken.created_at) >= col(Ticket.replied_at),
            ),
        )
        .exists()
    )
    rows = session.exec(
        select(CoRequester, Ticket)
        .join(Ticket, col(Ticket.id) == CoRequester.ticket_id)
        .where(
            Ticket.status == Status.PENDING_CALLBACK,
            _has_contact(),
            ~this_round,
        )
        .order_by(col(CoRequester.id))
        .limit(limit)
    ).all()
    return [(person, ticket) for person, ticket in rows]


def issue_survey(
    session: Session,
    person: CoRequester,
    ticket: Ticket,
    *,
    settings: Settings,
    emails: Environment,
) -> str:
    """The reply and a one-time link for one co-requester, by SMS and/or e-mail, queued in
    the same transaction; an unused link of theirs from an earlier round stops working."""
    assert ticket.id is not None and person.id is not None
    now = clock.now()
    session.execute(
        update(SurveyToken)
        .where(
            col(SurveyToken.co_requester_id) == person.id,
            col(SurveyToken.used_at).is_(None),
            col(SurveyToken.expires_at) > now,
        )
        .values(expires_at=now)
    )
    token, expires_at = links.new_token(
        session, ticket_id=ticket.id, settings=settings, co_requester_id=person.id
    )
    context = {
        "ticket": ticket,
        "settings": settings,
        "url": links.survey_url(settings, token),
        "expires_at": expires_at,
    }
    queued = _send(
        session,
        person,
        ticket,
        emails=emails,
        template="co_requester_survey",
        subject=_("Request %(number)s that you joined has been answered"),
        context=context,
    )
    tickets.record(
        session,
        ticket,
        "co_requester_survey_link",
        actor=SYSTEM,
        visibility=Visibility.INTERNAL,
        data={"queued": queued, "expires_at": expires_at.isoformat()},
    )
    session.flush()
    return token


def tell_closed(
    session: Session, ticket: Ticket, *, settings: Settings, emails: Environment
) -> int:
    """The closing notice to every co-requester with a contact; returns how many were told.

    The requester follows the ticket on the tracking page with the access code; co-requesters
    have no code, so this message is how they learn the ticket ended.
    """
    people = list(
        session.exec(
            select(CoRequester)
            .where(CoRequester.ticket_id == ticket.id, _has_contact())
            .order_by(col(CoRequester.id))
        )
    )
    context = {"ticket": ticket, "settings": settings}
    for person in people:
        _send(
            session,
            person,
            ticket,
            emails=emails,
            template="co_requester_closed",
            subject=_("Request %(number)s that you joined has been closed"),
            context=context,
        )
    if people:
        tickets.record(
            session,
            ticket,
            "co_requester_closed_notice",
            actor=SYSTEM,
            visibility=Visibility.INTERNAL,
            data={"co_requesters": len(people)},
        )
    return len(people)


def _send(
    session: Session,
    person: CoRequester,
    ticket: Ticket,
    *,
    emails: Environment,
    template: str,
    subject: str,
    context: Mapping[str, object],
) -> list[str]:
    """One SMS to the phone and one e-mail to the address, whichever the person left."""
    payload = {"ticket": ticket.number, "template": template}
    queued = []
    if person.phone:
        outbox.enqueue(
            session,
            kind=OutboxKind.SMS,
            recipient=person.phone,
            body=emails.get_template(f"emails/{template}.sms.txt").render(context).strip(),
            payload=payload,
        )
        queued.append(OutboxKind.SMS.value)
    if person.email:
        outbox.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            recipient=person.email,
            subject=subject % {"number": ticket.number},
            body=emails.get_template(f"emails/{template}.txt").render(context),
            payload=payload,
        )
        queued.append(OutboxKind.EMAIL.value)
    return queued


def decides(ticket: Ticket) -> bool:
    """A co-requester's answer decides the ticket only while it waits for its callback and
    its requester cannot be asked."""
    return ticket.status is Status.PENDING_CALLBACK and not requester_reachable(ticket)


def record_answer(
    session: Session,
    survey: SurveyToken,
    ticket: Ticket,
    *,
    contacted: bool,
    resolved: Resolution,
    satisfied: Satisfaction,
    comment: str,
    decided: bool,
) -> CoRequesterAnswer:
    """Keep a co-requester's answer as their own row, linked to the ticket and to them."""
    assert ticket.id is not None and survey.id is not None and survey.co_requester_id is not None
    row = CoRequesterAnswer(
        ticket_id=ticket.id,
        co_requester_id=survey.co_requester_id,
        survey_token_id=survey.id,
        unit_id=ticket.lead_unit_id,
        answered_at=clock.now(),
        contacted=contacted,
        resolved=resolved,
        satisfied=satisfied,
        comment=comment.strip(),
        decided=decided,
    )
    session.add(row)
    tickets.record(
        session,
        ticket,
        "co_requester_answer",
        actor=tickets.Actor.citizen(),
        visibility=Visibility.INTERNAL,
        data={
            "contacted": contacted,
            "resolved": resolved.value,
            "satisfied": satisfied.value,
            "decided": decided,
        },
    )
    session.flush()
    return row


@dataclass(frozen=True)
class AnswerView:
    """A co-requester's answer with who gave it (personal data: the page masks it)."""

    answer: CoRequesterAnswer
    name: str
    phone: str
    email: str


def answers_of(session: Session, ticket_id: int) -> list[AnswerView]:
    """Every co-requester answer on a ticket, oldest first, with the person (one query)."""
    rows = session.exec(
        select(CoRequesterAnswer, CoRequester)
        .join(CoRequester, col(CoRequester.id) == CoRequesterAnswer.co_requester_id)
        .where(CoRequesterAnswer.ticket_id == ticket_id)
        .order_by(col(CoRequesterAnswer.answered_at), col(CoRequesterAnswer.id))
    ).all()
    return [AnswerView(a, p.name, p.phone, p.email) for a, p in rows]
