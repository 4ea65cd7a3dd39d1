"""Tracking pages: number + access code open a short-lived signed view of the public timeline.

No session is kept: the view link carries a token signed with the secret key that names the
ticket and expires after `track_link_minutes`; attachment links and the citizen's forms use it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from service import clock
from service.config import Settings
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.intake import attachments as files_
from service.intake import ratelimit, tracking
from service.intake.choices import field_labels, type_labels
from service.intake.forms import CappedBodyRoute, Submitted, read_submitted
from service.intake.portal import NO_STORE
from service.intake.schemas import MAX_LENGTH, check_length, clean_text
from service.intake.tracking import N_
from service.tickets.models import Ticket
from service.web import csrf

router = APIRouter(tags=["citizen portal"], include_in_schema=False, route_class=CappedBodyRoute)
FormDep = Annotated[Submitted, Depends(read_submitted)]
DONE_NOTICES = {
    "information": N_("Thank you. Your information was added to your request."),
    "confirmed": N_("Thank you for confirming the result."),
    "reopened": N_("Your request for re-handling was sent to the handling unit."),
}


def _render_lookup(
    request: Request,
    templates: Jinja2Templates,
    settings: Settings,
    *,
    number: str = "",
    errors: dict[str, str] | None = None,
    banner: str = "",
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        "public/track.html",
        {
            "number": number,
            "errors": errors or {},
            "labels": field_labels(),
            "banner": banner,
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
        status_code=status_code,
        headers=NO_STORE,
    )


@router.get("/track", name="track")
def track(
    request: Request,
    settings: SettingsDep,
    templates: TemplatesDep,
    number: Annotated[str, Query(max_length=20)] = "",
    expired: bool = False,
) -> Response:
    """The tracking form (the confirmation page links here with the number filled in)."""
    banner = _("That view has expired. Please enter your access code again.") if expired else ""
    return _render_lookup(request, templates, settings, number=number, banner=banner)


@router.post("/track", name="track_lookup", dependencies=[CsrfDep])
def track_lookup(
    request: Request,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """A matching number and code open the ticket; a mismatch says nothing about which was wrong."""
    number = clean_text(form.fields.get("number")).upper()[:20]
    code = clean_text(form.fields.get("code"))[:40]
    errors: dict[str, str] = {}
    if not number:
        errors["number"] = _("Please enter the tracking number.")
    if not code:
        errors["code"] = _("Please enter the access code.")
    if errors:
        return _render_lookup(
            request, templates, settings, number=number, errors=errors, status_code=422
        )
    client = request.client.host if request.client else ""
    limits = ratelimit.lookup_limits(settings, client=client)
    now = clock.now()
    if ratelimit.exceeded(session, limits, secret_key=settings.secret_key, now=now):
        banner = _("Too many attempts from your network. Please try again in an hour.")
        return _render_lookup(
            request, templates, settings, number=number, banner=banner, status_code=429
        )
    ticket = tracking.find(session, number, code, secret_key=settings.secret_key)
    if ticket is None:
        # Only failures count, so a citizen checking their own ticket often is never blocked.
        ratelimit.hit(session, limits, secret_key=settings.secret_key, now=now)
        session.commit()
        banner = _("No request matches this tracking number and access code. Please check both.")
        return _render_lookup(
            request, templates, settings, number=number, banner=banner, status_code=404
        )
    return _to_view(request, settings, ticket)


def _to_view(request: Request, settings: Settings, ticket: Ticket, done: str = "") -> Response:
    url = request.url_for("track_view", number=ticket.number).include_query_params(
        t=tracking.view_token(settings.secret_key, ticket), **({"done": done} if done else {})
    )
    return RedirectResponse(str(url), status_code=303, headers=NO_STORE)


def _expired(request: Request, number: str) -> Response:
    url = request.url_for("track").include_query_params(number=number, expired=1)
    return RedirectResponse(str(url), status_code=303)


def _render_ticket(
    request: Request,
    templates: Jinja2Templates,
    session: Session,
    settings: Settings,
    ticket: Ticket,
    token: str,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = tracking.public_view(session, settings, ticket)
    return templates.TemplateResponse(
        request,
        "public/ticket.html",
        {
            "view": view,
            "ticket": ticket,
            "token": token,
            "type_label": type_labels()[ticket.type],
            "notice": notice,
            "errors": errors or {},
            "values": values or {},
            "labels": field_labels(),
            "max_length": MAX_LENGTH,
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
        status_code=status_code,
        headers=NO_STORE,
    )


@router.get("/track/{number}", name="track_view")
def track_view(
    request: Request,
    number: str,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    t: str = "",
    done: str = "",
) -> Response:
    """The public timeline, for as long as the signed link is valid."""
    ticket = tracking.ticket_for_token(session, settings, number, t)
    if ticket is None:
        return _expired(request, number)
    notice = _(DONE_NOTICES[done]) if done in DONE_NOTICES else ""
    return _render_ticket(request, templates, session, settings, ticket, t, notice=notice)


@router.get("/track/{number}/files/{attachment_id}", name="track_attachment")
def track_attachment(
    number: str, attachment_id: int, session: SessionDep, settings: SettingsDep, t: str = ""
) -> Response:
    """A file of the ticket, to the holder of a valid view link only, always as a download."""
    ticket = tracking.ticket_for_token(session, settings, number, t)
    attachment = tracking.attachment_of(session, ticket, attachment_id) if ticket else None
    if attachment is None:
        raise HTTPException(status_code=404, detail="Not found")
    return files_.download(settings.data_dir, attachment)


@router.post("/track/{number}/information", name="track_add_information", dependencies=[CsrfDep])
def track_add_information(
    request: Request,
    number: str,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """More text or photos while the ticket is open; shown on the timeline as from the citizen."""
    token = form.fields.get("t", "")
    ticket = tracking.ticket_for_token(session, settings, number, token)
    if ticket is None:
        return _expired(request, number)
    text = clean_text(form.fields.get("information"))
    values = {"information": text}
    errors: dict[str, str] = {}
    status = 422
    check_length(errors, "information", text)
    uploads: list[files_.CleanFile] = []
    try:
        uploads = files_.read_uploads(
            form.uploads, max_files=settings.upload_max_files, max_bytes=settings.upload_max_bytes
        )
    except files_.UploadError as rejected:
        errors["attachments"] = rejected.message
        status = rejected.status
    if not errors and not text and not uploads:
        errors["information"] = _("Please write something or attach a file.")
    if not errors and not tracking.public_view(session, settings, ticket).can_add_information:
        errors["information"] = _("This request is closed; information can no longer be added.")
        status = 409
    if errors:
        return _render_ticket(
            request,
            templates,
            session,
            settings,
            ticket,
            token,
            errors=errors,
            values=values,
            status_code=status,
        )
    tracking.add_information(session, settings, ticket, text, uploads)
    session.commit()
    return _to_view(request, settings, ticket, "information")


@router.post("/track/{number}/confirm", name="track_confirm", dependencies=[CsrfDep])
def track_confirm(
    request: Request,
    number: str,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The citizen confirms the result (only within the response window, once)."""
    ticket = tracking.ticket_for_token(session, settings, number, form.fields.get("t", ""))
    if ticket is None:
        return _expired(request, number)
    if not tracking.public_view(session, settings, ticket).can_confirm:
        raise HTTPException(status_code=409, detail=_("This request cannot be confirmed now."))
    tracking.confirm_result(session, ticket)
    session.commit()
    return _to_view(request, settings, ticket, "confirmed")


@router.post("/track/{number}/reopen", name="track_reopen", dependencies=[CsrfDep])
def track_reopen(
    request: Request,
    number: str,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """Re-handling (重办) with a reason, within `reopen_window_days` of closing."""
    token = form.fields.get("t", "")
    ticket = tracking.ticket_for_token(session, settings, number, token)
    if ticket is None:
        return _expired(request, number)
    reason = clean_text(form.fields.get("reason"))
    errors: dict[str, str] = {}
    check_length(errors, "reason", reason, required=True)
    if not tracking.public_view(session, settings, ticket).can_reopen:
        errors["reason"] = _("Re-handling can no longer be requested for this request.")
    if errors:
        return _render_ticket(
            request,
            templates,
            session,
            settings,
            ticket,
            token,
            errors=errors,
            values={"reason": reason},
            status_code=422,
        )
    tracking.request_rehandling(session, ticket, reason)
    session.commit()
    return _to_view(request, settings, ticket, "reopened")
