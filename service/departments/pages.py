"""The department workbench pages: the unit's queue, a ticket's actions, the office's reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, func, select
from starlette.routing import NoMatchFound

from service import clock, i18n
from service.auth import roles
from service.auth.deps import require_role
from service.auth.models import Role, User
from service.callbacks import service as callbacks
from service.catalogue.models import Category
from service.config import Settings
from service.departments import service as workbench
from service.departments.service import ContactMethod, Flag, QueueFilter
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.places.models import Unit
from service.routing import service as routing
from service.sla import service as sla
from service.sla import waits
from service.sla.clocks import clock_views, work_calendar
from service.sla.models import DueWarning, ExtensionDecision, ExtensionRequest
from service.tickets import pii
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketAssist
from service.tickets.states import IllegalTransitionError, ReasonRequiredError, Status
from service.web import csrf

router = APIRouter(prefix="/staff/workbench", include_in_schema=False)
Staff = Annotated[User, Depends(require_role(*roles.WORKBENCH_ROLES))]
Dispatcher = Annotated[User, Depends(require_role(*roles.DISPATCH_ROLES))]
Office = Annotated[User, Depends(require_role(*roles.OFFICE_ROLES))]
PER_PAGE = 25
ACTIONS = (
    "sign-for",
    "contact",
    "message",
    "assist",
    "pause",
    "resume",
    "extension",
    "submit",
    "review",
)


def _render(
    request: Request,
    templates: Any,
    settings: Settings,
    name: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    context["csrf_token"] = csrf.issue_token(request, settings.secret_key)
    return templates.TemplateResponse(request, name, context, status_code=status)  # type: ignore[no-any-return]


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) > 0 else 1


# The queue -----------------------------------------------------------------------------------


@router.get("", name="workbench_queue")
def queue_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Staff,
    status: str = "",
    category: str = "",
    flag: str = "",
    unit: str = "",
    sort: str = "due",
    page: str = "1",
) -> Response:
    """A handler sees only their unit; the hotline office picks any unit (or all)."""
    units: list[Unit] = []
    chosen_unit: Unit | None = None
    if user.role is Role.HANDLER:
        if user.unit_id is None:
            raise HTTPException(status_code=403, detail="Your account belongs to no unit.")
        chosen_unit = session.get(Unit, user.unit_id)
    else:
        units = list(session.exec(select(Unit).where(Unit.active).order_by(col(Unit.code))))
        chosen_unit = next((u for u in units if u.code == unit), None)
    unit_id = chosen_unit.id if chosen_unit else None
    filters = QueueFilter(
        unit_id=unit_id,
        status=Status(status) if status in workbench.FILTER_STATES else None,
        category_id=int(category) if category.isdigit() else None,
        flag=Flag(flag) if flag in {f.value for f in Flag} else None,
        newest_due_first=sort == "-due",
    )
    number = _page_number(page)
    rows, total = workbench.queue(
        session, now=clock.now(), filters=filters, page=number, per_page=PER_PAGE
    )
    pages = max(1, -(-total // PER_PAGE))
    return _render(
        request,
        templates,
        settings,
        "staff/workbench/queue.html",
        {
            "user": user,
            "rows": rows,
            "total": total,
            "page": number,
            "pages": pages,
            "unit": chosen_unit,
            "units": units,
            "categories": workbench.queue_categories(session, unit_id),
            "statuses": workbench.FILTER_STATES,
            "flags": list(Flag),
            "query": {
                "status": status,
                "category": category,
                "flag": flag,
                "unit": unit,
                "sort": sort,
            },
        },
    )


# One ticket ----------------------------------------------------------------------------------


def _ticket_for(session: Session, user: User, number: str) -> Ticket:
    ticket = tickets.get_by_number(session, number)
    # A ticket of another unit is "not found": handlers do not learn other units' numbers.
    if ticket is None or not workbench.may_view(session, user, ticket):
        raise HTTPException(status_code=404, detail="No such ticket on your workbench.")
    return ticket


def _return_url(request: Request, ticket: Ticket) -> str | None:
    """The return (退单) form lives on the routing pages; link to it when they are present."""
    try:
        return str(request.url_for("routing_return", number=ticket.number))
    except NoMatchFound:
        return None


def _ticket_context(
    request: Request, session: Session, settings: Settings, user: User, ticket: Ticket
) -> dict[str, Any]:
    assert ticket.id is not None
    now = clock.now()
    assisting_units = list(
        session.exec(
            select(Unit)
            .join(TicketAssist, col(TicketAssist.unit_id) == Unit.id)
            .where(TicketAssist.ticket_id == ticket.id)
        )
    )
    extensions = list(
        session.exec(
            select(ExtensionRequest)
            .where(ExtensionRequest.ticket_id == ticket.id)
            .order_by(col(ExtensionRequest.id))
        )
    )
    lead = workbench.is_lead_handler(user, ticket)
    events = tickets.events_of(session, ticket.id)
    return {
        "user": user,
        "ticket": ticket,
        "lead_unit": session.get(Unit, ticket.lead_unit_id) if ticket.lead_unit_id else None,
        "assisting_units": assisting_units,
        "category": session.get(Category, ticket.category_id) if ticket.category_id else None,
        "events": events,
        "event_names": routing.event_names(session, events),
        "parts": workbench.assist_parts(session, ticket.id),
        # A re-handled ticket (重办) shows the citizen's dissatisfied callback answers.
        "rehandling": callbacks.rehandling_rounds(session, ticket.id),
        "extensions": extensions,
        "pending_extension": next(
            (e for e in extensions if e.decision is ExtensionDecision.PENDING), None
        ),
        "pause": sla.open_pause(session, ticket.id),
        "flag": workbench.flag_of(session, ticket, now),
        "clocks": [
            *clock_views(session, ticket),
            *filter(None, [waits.clock_view(ticket, events)]),
        ],
        "seen": workbench.last_event_id(session, ticket.id),
        "is_lead": lead,
        "is_assisting": user.role is Role.HANDLER
        and workbench.is_assisting(session, ticket, user.unit_id),
        "is_office": user.role in roles.OFFICE_ROLES,
        "may_decide_extensions": user.role in roles.DISPATCH_ROLES,
        "return_url": _return_url(request, ticket) if lead else None,
        "requester_name": "" if ticket.confidential else pii.mask_name(ticket.requester_name),
        "requester_phone": "" if ticket.confidential else pii.mask_phone(ticket.requester_phone),
        "contact_methods": list(ContactMethod),
        "now_local": now.astimezone(settings.tz).strftime("%Y-%m-%dT%H:%M"),
        "values": {},
        "errors": {},
        "form": "",
        "conflict": None,
    }


@router.get("/tickets/{number}", name="workbench_ticket")
def ticket_page(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Staff,
) -> Response:
    ticket = _ticket_for(session, user, number)
    context = _ticket_context(request, session, settings, user, ticket)
    return _render(request, templates, settings, "staff/workbench/ticket.html", context)


def _local_moment(text: str, settings: Settings) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=settings.tz) if moment.tzinfo is None else moment


def _close_of_business(session: Session, text: str) -> datetime:
    """A date picked by a person means the end of that working day; rest days are refused."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise workbench.WorkbenchError("Pick a date.") from None
    calendar = work_calendar(session)
    if not calendar.is_working_day(day):
        raise workbench.WorkbenchError("That day is not a working day; pick a working day.")
    return datetime.combine(day, calendar.close_of_business, tzinfo=calendar.tz)


@router.post("/tickets/{number}/{action}", name="workbench_act", dependencies=[CsrfDep])
async def ticket_action(
    number: str,
    action: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Staff,
) -> Response:
    """Every form on the ticket page posts here; errors re-render the page with input kept."""
    if action not in ACTIONS:
        raise HTTPException(status_code=404, detail="No such action.")
    ticket = _ticket_for(session, user, number)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    version_text = values.get("version", "")
    expected = int(version_text) if version_text.isdigit() else None
    seen_text = values.get("seen", "")
    seen = int(seen_text) if seen_text.isdigit() else 0
    try:
        _apply(session, settings, user, ticket, action, values, expected)
    except tickets.ConflictError:
        session.rollback()
        ticket = _ticket_for(session, user, number)
        assert ticket.id is not None
        context = _ticket_context(request, session, settings, user, ticket)
        context.update(
            values=values,
            form=action,
            conflict=workbench.events_since(session, ticket.id, seen),
        )
        return _render(request, templates, settings, "staff/workbench/ticket.html", context, 409)
    except (
        workbench.WorkbenchError,
        sla.ClockError,
        IllegalTransitionError,
        ReasonRequiredError,
    ) as exc:
        session.rollback()
        ticket = _ticket_for(session, user, number)
        context = _ticket_context(request, session, settings, user, ticket)
        field = getattr(exc, "field", "") or (
            "reason" if isinstance(exc, ReasonRequiredError) else ""
        )
        context.update(
            values=values,
            form=action,
            errors={field or "_form": i18n.gettext(str(exc))},
        )
        return _render(request, templates, settings, "staff/workbench/ticket.html", context, 422)
    session.commit()
    return RedirectResponse(
        request.url_for("workbench_ticket", number=ticket.number), status_code=303
    )


def _apply(
    session: Session,
    settings: Settings,
    user: User,
    ticket: Ticket,
    action: str,
    values: dict[str, str],
    expected: int | None,
) -> None:
    text = values.get("text", "")
    if action == "sign-for":
        workbench.sign_for(session, ticket, user=user, expected_version=expected)
    elif action == "contact":
        at = _local_moment(values.get("contact_at", ""), settings)
        if at is None:
            raise workbench.WorkbenchError("Give the date and time of the contact.", "contact_at")
        method = values.get("method", "")
        if method not in {m.value for m in ContactMethod}:
            raise workbench.WorkbenchError("Choose how the citizen was contacted.", "method")
        workbench.record_contact(
            session,
            ticket,
            user=user,
            at=at,
            method=ContactMethod(method),
            note=values.get("note", ""),
            expected_version=expected,
        )
    elif action == "message":
        workbench.post_message(
            session,
            ticket,
            user=user,
            text=text,
            public=values.get("visibility") == "public",
            expected_version=expected,
        )
    elif action == "assist":
        workbench.submit_assist_part(session, ticket, user=user, text=text)
    elif action == "pause":
        workbench._require_lead(user, ticket)
        sla.pause_clock(
            session, ticket, user=user, reason=values.get("reason", ""), expected_version=expected
        )
    elif action == "resume":
        workbench._require_lead(user, ticket)
        sla.resume_clock(session, ticket, user=user, expected_version=expected)
    elif action == "extension":
        workbench._require_lead(user, ticket)
        try:
            requested = _close_of_business(session, values.get("requested_due", ""))
        except workbench.WorkbenchError as exc:
            raise workbench.WorkbenchError(str(exc), "requested_due") from None
        sla.request_extension(
            session,
            ticket,
            user=user,
            requested_due=requested,
            reason=values.get("reason", ""),
            expected_version=expected,
        )
    elif action == "submit":
        workbench.submit_reply(session, ticket, user=user, text=text, expected_version=expected)
    elif action == "review":
        workbench.review_reply(
            session,
            ticket,
            user=user,
            accept=values.get("decision") == "accept",
            reason=values.get("reason", ""),
            expected_version=expected,
        )


# The hotline office: extension decisions and reply reviews -----------------------------------


def _extension_rows(session: Session, page: int) -> tuple[list[Any], int]:
    total = session.exec(
        select(func.count())
        .select_from(ExtensionRequest)
        .where(ExtensionRequest.decision == ExtensionDecision.PENDING)
    ).one()
    flag = waits.flag(
        col(ExtensionRequest.review_due), col(ExtensionRequest.review_warn_at), clock.now()
    )
    rows = session.exec(
        select(ExtensionRequest, Ticket, Unit, flag)
        .join(Ticket, col(Ticket.id) == ExtensionRequest.ticket_id)
        .outerjoin(Unit, col(Unit.id) == ExtensionRequest.unit_id)
        .where(ExtensionRequest.decision == ExtensionDecision.PENDING)
        .order_by(col(ExtensionRequest.requested_at), col(ExtensionRequest.id))
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return list(rows), int(total)


@router.get("/extensions", name="workbench_extensions")
def extensions_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Dispatcher,
    page: str = "1",
) -> Response:
    number = _page_number(page)
    rows, total = _extension_rows(session, number)
    return _render(
        request,
        templates,
        settings,
        "staff/workbench/extensions.html",
        {
            "user": user,
            "rows": rows,
            "total": total,
            "page": number,
            "pages": max(1, -(-total // PER_PAGE)),
            "values": {},
            "errors": {},
            "failed": None,
        },
    )


@router.post("/extensions/{request_id}", name="workbench_decide_extension", dependencies=[CsrfDep])
async def decide_extension(
    request_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Dispatcher,
) -> Response:
    """Approve (the requested date, or another one) or refuse with a reason."""
    extension = session.get(ExtensionRequest, request_id)
    if extension is None:
        raise HTTPException(status_code=404, detail="No such extension request.")
    ticket = session.get(Ticket, extension.ticket_id)
    assert ticket is not None
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    version_text = values.get("version", "")
    approve = values.get("decision") == "approve"
    try:
        granted = None
        if approve and values.get("granted_due", "").strip():
            try:
                granted = _close_of_business(session, values["granted_due"])
            except workbench.WorkbenchError as exc:
                raise sla.ClockError(str(exc), "granted_due") from None
        sla.decide_extension(
            session,
            extension,
            ticket,
            user=user,
            approve=approve,
            granted_due=granted,
            note=values.get("note", ""),
            expected_version=int(version_text) if version_text.isdigit() else None,
        )
    except (sla.ClockError, tickets.ConflictError) as exc:
        session.rollback()
        rows, total = _extension_rows(session, 1)
        field = getattr(exc, "field", "") or "_form"
        return _render(
            request,
            templates,
            settings,
            "staff/workbench/extensions.html",
            {
                "user": user,
                "rows": rows,
                "total": total,
                "page": 1,
                "pages": max(1, -(-total // PER_PAGE)),
                "values": values,
                "errors": {field: i18n.gettext(str(exc))},
                "failed": request_id,
            },
            status=409 if isinstance(exc, tickets.ConflictError) else 422,
        )
    session.commit()
    return RedirectResponse(request.url_for("workbench_extensions"), status_code=303)


@router.get("/replies", name="workbench_replies")
def replies_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Office,
    page: str = "1",
) -> Response:
    """Replies waiting for the hotline office's review, oldest first."""
    number = _page_number(page)
    waiting = Ticket.status == Status.REPLY_REVIEW
    flag = waits.flag(col(Ticket.office_due), col(DueWarning.office_warn_at), clock.now())
    total = session.exec(select(func.count()).select_from(Ticket).where(waiting)).one()
    rows = session.exec(
        select(Ticket, Unit, flag)
        .outerjoin(Unit, col(Unit.id) == Ticket.lead_unit_id)
        .outerjoin(DueWarning, col(DueWarning.ticket_id) == Ticket.id)
        .where(waiting)
        .order_by(col(Ticket.replied_at), col(Ticket.id))
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return _render(
        request,
        templates,
        settings,
        "staff/workbench/replies.html",
        {
            "user": user,
            "rows": rows,
            "total": int(total),
            "page": number,
            "pages": max(1, -(-int(total) // PER_PAGE)),
        },
    )
