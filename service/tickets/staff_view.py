"""The staff ticket page: one read view of a ticket for every staff role, with links to where
each role acts on it (workbench, dispatch, callback, appeal); personal data masked, unmasking
logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from service import clock
from service.auth import roles
from service.auth.deps import CurrentUser
from service.auth.models import PiiAccess, Role, User
from service.auth.render import render
from service.callbacks import co_requesters
from service.callbacks import service as callbacks
from service.calls import service as calls
from service.catalogue.models import Category
from service.departments import service as workbench
from service.deps import CsrfDep, SessionDep
from service.intake.answers import answers_of
from service.places.models import Area, Unit
from service.routing import service as routing
from service.sla import service as sla
from service.sla.clocks import clock_views
from service.tickets import access
from service.tickets import service as tickets
from service.tickets.access import VisibleTicket
from service.tickets.models import Ticket, TicketAssist
from service.tickets.pii import mask_email, mask_name, mask_phone
from service.tickets.states import OPEN_STATES, Status

router = APIRouter(prefix="/staff/tickets", include_in_schema=False)
# An unmasked view stays open this long after the logged request, then masks again.
REVEAL_FOR = timedelta(minutes=10)


@dataclass(frozen=True)
class NextStep:
    """Where this user acts on the ticket; `kind` chooses the words on the page."""

    kind: str
    route: str = ""  # a named route; empty for a notice without a link
    per_ticket: bool = True  # the route takes the ticket's `number`; else it is a list page


def next_steps(session: Session, user: User, ticket: Ticket) -> list[NextStep]:
    """Links to the pages where this role can act on this ticket now, nothing it cannot use."""
    assert ticket.id is not None
    steps: list[NextStep] = []
    status = ticket.status
    if user.role is Role.HANDLER:
        # The page is visible to a handler only for a lead or assisting unit's ticket.
        steps.append(NextStep("workbench", "workbench_ticket"))
        if callbacks.rated_dissatisfied(session, ticket.id, user.unit_id):
            pending = callbacks.pending_appeal(session, ticket.id) is not None
            steps.append(
                NextStep("appeal_pending") if pending else NextStep("appeal", "appeal_form")
            )
    if user.role is Role.DISPATCHER:
        if status is Status.PENDING_DISPATCH:
            steps.append(NextStep("dispatch", "routing_dispatch"))
        elif status is Status.RETURN_REQUESTED:
            steps.append(NextStep("review_return", "routing_dispatch"))
        if sla.pending_extension(session, ticket.id) is not None:
            steps.append(NextStep("extension", "workbench_extensions", per_ticket=False))
    if user.role in roles.OFFICE_ROLES and ticket.lead_unit_id is not None:
        if status is Status.REPLY_REVIEW:
            steps.append(NextStep("review_reply", "workbench_ticket"))
        else:
            steps.append(NextStep("workbench_office", "workbench_ticket"))
    if user.role is Role.OPERATOR and status is Status.PENDING_CALLBACK:
        steps.append(NextStep("callback", "callback_ticket"))
    if user.role is Role.SUPERVISOR and callbacks.pending_appeal(session, ticket.id) is not None:
        steps.append(NextStep("decide_appeal", "appeals", per_ticket=False))
    return steps


def _link(request: Request, step: NextStep, number: str) -> str:
    if not step.route:
        return ""
    if step.per_ticket:
        return str(request.url_for(step.route, number=number))
    return str(request.url_for(step.route))


@router.get("/{number}", name="staff_ticket")
def ticket_page(
    request: Request,
    ticket: VisibleTicket,
    user: CurrentUser,
    session: SessionDep,
    reveal: int | None = None,
) -> Response:
    """Everything about one ticket that this user may see; PII masked unless just unmasked."""
    assert ticket.id is not None
    hidden = access.requester_hidden(user, ticket)
    unmasked = False
    if reveal is not None and access.may_unmask(user, ticket):
        log = session.get(PiiAccess, reveal)
        unmasked = (
            log is not None
            and log.user_id == user.id
            and log.ticket_id == ticket.id
            and clock.now() - log.at <= REVEAL_FOR
        )

    def person(name: str, phone: str, email: str = "") -> dict[str, str]:
        if hidden:
            return {"name": "", "phone": "", "email": ""}
        if unmasked:
            return {"name": name, "phone": phone, "email": email}
        return {"name": mask_name(name), "phone": mask_phone(phone), "email": mask_email(email)}

    callers = [
        {
            "role": c.role.value,
            "linked_at": c.linked_at,
            "call": c.call,
            "channel": c.channel.value,
            # The recording carries the caller's voice and number: withheld like the name.
            "recording_url": c.call.recording_url if c.call and not hidden else "",
            **person(c.name, c.phone),
        }
        for c in calls.callers_of(session, ticket.id)
    ]
    # Co-requesters' own survey answers: feedback beside the ticket's assessed callback rounds.
    co_answers = [
        {"answer": view.answer, **person(view.name, view.phone, view.email)}
        for view in co_requesters.answers_of(session, ticket.id)
    ]
    assisting = session.exec(
        select(Unit).join(TicketAssist).where(TicketAssist.ticket_id == ticket.id)
    ).all()
    steps = [
        {"kind": step.kind, "url": _link(request, step, ticket.number)}
        for step in next_steps(session, user, ticket)
    ]
    events = tickets.events_of(session, ticket.id)
    rounds = callbacks.callbacks_of(session, ticket.id)
    rehandling = [row for row in rounds if callbacks.led_to_rehandling(row)]
    return render(
        request,
        "staff/tickets/ticket.html",
        {
            "ticket": ticket,
            "is_open": ticket.status in OPEN_STATES,
            "requester": person(
                ticket.requester_name, ticket.requester_phone, ticket.requester_email
            ),
            "requester_hidden": hidden,
            "unmasked": unmasked,
            "may_unmask": access.may_unmask(user, ticket) and not ticket.anonymous,
            "events": events,
            "event_names": routing.event_names(session, events),
            "callers": callers,
            "callbacks": rounds,
            "rehandling": rehandling,
            "rehandling_ids": {row.id for row in rehandling},
            "co_answers": co_answers,
            "category": session.get(Category, ticket.category_id) if ticket.category_id else None,
            "district": session.get(Area, ticket.district_id) if ticket.district_id else None,
            "street": session.get(Area, ticket.street_id) if ticket.street_id else None,
            "lead_unit": session.get(Unit, ticket.lead_unit_id) if ticket.lead_unit_id else None,
            "answers": answers_of(session, ticket),
            "assisting": assisting,
            "flag": workbench.flag_of(session, ticket, clock.now()),
            "clocks": clock_views(session, ticket),
            "routing_decisions": routing.decision_views(session, ticket.id),
            "steps": steps,
        },
    )


@router.post("/{number}/unmask", name="staff_ticket_unmask", dependencies=[CsrfDep])
def unmask(
    request: Request,
    ticket: VisibleTicket,
    user: CurrentUser,
    session: SessionDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Seeing the requester unmasked needs a reason; who, when, which ticket and why are logged."""
    if not access.may_unmask(user, ticket):
        raise HTTPException(status_code=403, detail="Your role does not allow this.")
    if len(reason.strip()) < 4:
        return RedirectResponse(
            str(request.url_for("staff_ticket", number=ticket.number)) + "?unmask_error=1#pii",
            status_code=303,
        )
    assert ticket.id is not None and user.id is not None
    log = PiiAccess(
        user_id=user.id,
        ticket_id=ticket.id,
        at=clock.now(),
        reason=reason.strip()[:400],
        client_addr=request.client.host if request.client else "",
    )
    session.add(log)
    session.commit()
    return RedirectResponse(
        str(request.url_for("staff_ticket", number=ticket.number)) + f"?reveal={log.id}#pii",
        status_code=303,
    )
