"""Callback pages: the operators' queue and form, the citizens' survey link, appeals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from service.auth import roles
from service.auth.deps import require_role
from service.auth.models import User
from service.callbacks import service as callbacks
from service.callbacks.models import (
    Appeal,
    AppealDecision,
    AttemptOutcome,
    CallbackChannel,
    Resolution,
    Satisfaction,
)
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.tickets import access
from service.tickets import service as tickets
from service.tickets.models import Ticket
from service.web import csrf

router = APIRouter(include_in_schema=False)
Operator = Annotated[User, Depends(require_role(*roles.CALLBACK_ROLES))]
Supervisor = Annotated[User, Depends(require_role(*roles.SUPERVISORS))]
Handler = Annotated[User, Depends(require_role(*roles.UNIT_ROLES))]
PER_PAGE = 50


def _ticket(session: SessionDep, number: str) -> Ticket:
    ticket = tickets.get_by_number(session, number)
    if ticket is None:
        raise HTTPException(status_code=404, detail="No such ticket.")
    return ticket


def _unit_ticket(session: SessionDep, user: User, number: str) -> Ticket:
    """A handler reaches only their unit's tickets; any other number is simply not found."""
    ticket = access.find_for(session, user, number)
    if ticket is None:
        raise HTTPException(status_code=404, detail="No such ticket.")
    return ticket


def _answers_from(
    form: dict[str, str],
) -> tuple[callbacks.Answers | None, dict[str, str]]:
    """Parse the three answers; a missing or unknown one is an error next to its field."""
    errors: dict[str, str] = {}
    contacted = form.get("contacted", "")
    if contacted not in ("yes", "no"):
        errors["contacted"] = _("Choose yes or no.")
    try:
        resolved = Resolution(form.get("resolved", ""))
    except ValueError:
        errors["resolved"] = _("Choose one answer.")
    try:
        satisfied = Satisfaction(form.get("satisfied", ""))
    except ValueError:
        errors["satisfied"] = _("Choose one answer.")
    if len(form.get("comment", "")) > 2000:
        errors["comment"] = _("Keep the comment under 2,000 characters.")
    if errors:
        return None, errors
    return (
        callbacks.Answers(
            contacted=contacted == "yes",
            resolved=resolved,
            satisfied=satisfied,
            comment=form.get("comment", ""),
            unit_at_fault=form.get("unit_at_fault", "yes") != "no",
        ),
        {},
    )


@router.get("/staff/callbacks", name="callback_queue")
def callback_queue(
    request: Request, session: SessionDep, templates: TemplatesDep, user: Operator, page: int = 1
) -> Response:
    page = max(page, 1)
    rows, total = callbacks.queue(session, page=page, per_page=PER_PAGE)
    return templates.TemplateResponse(
        request,
        "staff/callbacks/queue.html",
        {"rows": rows, "total": total, "page": page, "pages": max(1, -(-total // PER_PAGE))},
    )


def _callback_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    ticket: Ticket,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    assert ticket.id is not None
    return templates.TemplateResponse(
        request,
        "staff/callbacks/ticket.html",
        {
            "ticket": ticket,
            "attempts": callbacks.attempts_of(session, ticket.id),
            "callback": callbacks.callback_of(session, ticket.id),
            "rehandling": callbacks.rehandling_rounds(session, ticket.id),
            "max_attempts": settings.callback_max_attempts,
            "outcomes": list(AttemptOutcome),
            "form": form or {},
            "errors": errors or {},
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
        status_code=status_code,
    )


@router.get("/staff/callbacks/{number}", name="callback_ticket")
def callback_ticket(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Operator,
) -> Response:
    return _callback_page(request, session, templates, settings, _ticket(session, number))


@router.post("/staff/callbacks/{number}/attempt", name="callback_attempt", dependencies=[CsrfDep])
def callback_attempt(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Operator,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    ticket = _ticket(session, number)
    try:
        chosen = AttemptOutcome(outcome)
    except ValueError:
        return _callback_page(
            request,
            session,
            templates,
            settings,
            ticket,
            form={"outcome": outcome, "note": note},
            errors={"outcome": _("Choose what happened on the call.")},
            status_code=422,
        )
    try:
        callbacks.record_attempt(
            session,
            ticket,
            user=user,
            outcome=chosen,
            note=note,
            max_attempts=settings.callback_max_attempts,
            settings=settings,
            emails=templates.env,
        )
    except callbacks.CallbackError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse(request.url_for("callback_ticket", number=ticket.number), 303)


@router.post("/staff/callbacks/{number}/answers", name="callback_answers", dependencies=[CsrfDep])
async def callback_answers(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Operator,
) -> Response:
    ticket = _ticket(session, number)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    answers, errors = _answers_from(form)
    if answers is None:
        return _callback_page(
            request,
            session,
            templates,
            settings,
            ticket,
            form=form,
            errors=errors,
            status_code=422,
        )
    try:
        callbacks.record_answers(
            session,
            ticket,
            answers,
            actor=tickets.Actor.staff(user),
            channel=CallbackChannel.PHONE,
            settings=settings,
            emails=templates.env,
            user_id=user.id,
        )
    except callbacks.CallbackError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse(request.url_for("callback_queue"), 303)


# --- the citizen's one-time survey ----------------------------------------------------------


@router.get(callbacks.SURVEY_PATH, name="survey")
def survey(
    token: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
) -> Response:
    found = callbacks.survey_for(session, token)
    return templates.TemplateResponse(
        request,
        "public/survey.html",
        {
            "valid": found is not None,
            "ticket": found[1] if found else None,
            "co_requester": bool(found and found[0].co_requester_id),
            "form": {},
            "errors": {},
            "token": token,
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
        status_code=200 if found else 404,
    )


@router.post(callbacks.SURVEY_PATH, name="survey_answer", dependencies=[CsrfDep])
async def survey_answer(
    token: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
) -> Response:
    found = callbacks.survey_for(session, token)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    answers, errors = _answers_from({**form, "unit_at_fault": "yes"})
    if found is None or answers is None:
        return templates.TemplateResponse(
            request,
            "public/survey.html",
            {
                "valid": found is not None,
                "ticket": found[1] if found else None,
                "co_requester": bool(found and found[0].co_requester_id),
                "form": form,
                "errors": errors,
                "token": token,
                "csrf_token": csrf.issue_token(request, settings.secret_key),
            },
            status_code=404 if found is None else 422,
        )
    try:
        callbacks.answer_survey(
            session, found[0], found[1], answers, settings=settings, emails=templates.env
        )
    except callbacks.CallbackError:
        # The same link sent twice at once: the first answer counts, this one finds it used.
        session.rollback()
        return templates.TemplateResponse(
            request, "public/survey.html", {"valid": False}, status_code=404
        )
    session.commit()
    return templates.TemplateResponse(request, "public/survey.html", {"done": True})


# --- appeals (申诉 / 核减) ------------------------------------------------------------------


@router.get("/staff/appeals/new/{number}", name="appeal_form")
def appeal_form(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Handler,
) -> Response:
    ticket = _unit_ticket(session, user, number)
    return templates.TemplateResponse(
        request,
        "staff/callbacks/appeal_form.html",
        {
            "ticket": ticket,
            "form": {},
            "errors": {},
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
    )


@router.post("/staff/appeals/new/{number}", name="appeal_file", dependencies=[CsrfDep])
def appeal_file(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Handler,
    reason: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
) -> Response:
    ticket = _unit_ticket(session, user, number)
    errors: dict[str, str] = {}
    if not reason.strip() or len(reason) > 400:
        errors["reason"] = _("Say in up to 400 characters why the rating is unfair.")
    if not evidence.strip():
        errors["evidence"] = _("Describe the evidence.")
    if not errors:
        try:
            callbacks.file_appeal(session, ticket, user=user, reason=reason, evidence=evidence)
        except callbacks.CallbackError as exc:
            errors["reason"] = _(str(exc))
    if errors:
        return templates.TemplateResponse(
            request,
            "staff/callbacks/appeal_form.html",
            {
                "ticket": ticket,
                "form": {"reason": reason, "evidence": evidence},
                "errors": errors,
                "csrf_token": csrf.issue_token(request, settings.secret_key),
            },
            status_code=422,
        )
    session.commit()
    return templates.TemplateResponse(
        request, "staff/callbacks/appeal_form.html", {"ticket": ticket, "filed": True}
    )


@router.get("/staff/appeals", name="appeals")
def appeal_list(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Supervisor,
    page: int = 1,
) -> Response:
    return templates.TemplateResponse(
        request,
        "staff/callbacks/appeals.html",
        {
            "rows": callbacks.appeals(session, page=max(page, 1)),
            "errors": {},
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
    )


@router.post("/staff/appeals/{appeal_id}/decide", name="appeal_decide", dependencies=[CsrfDep])
def appeal_decide(
    appeal_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Supervisor,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise HTTPException(status_code=404, detail="No such appeal.")
    errors: dict[str, str] = {}
    if decision not in (AppealDecision.ACCEPTED.value, AppealDecision.REJECTED.value):
        errors[f"decision-{appeal_id}"] = _("Accept or reject the appeal.")
    if not reason.strip() or len(reason) > 400:
        errors[f"reason-{appeal_id}"] = _(
            "Give the reason for the decision (up to 400 characters)."
        )
    if not errors:
        try:
            callbacks.decide_appeal(
                session, appeal, user=user, accept=decision == "accepted", reason=reason
            )
        except callbacks.CallbackError as exc:
            errors[f"decision-{appeal_id}"] = _(str(exc))
    if errors:
        return templates.TemplateResponse(
            request,
            "staff/callbacks/appeals.html",
            {
                "rows": callbacks.appeals(session),
                "errors": errors,
                "form": {"id": appeal_id, "decision": decision, "reason": reason},
                "csrf_token": csrf.issue_token(request, settings.secret_key),
            },
            status_code=422,
        )
    session.commit()
    return RedirectResponse(request.url_for("appeals"), 303)
