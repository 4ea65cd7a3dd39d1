"""Staff pages for units' webhook endpoints: add, re-enable, delivery log, redeliver (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from service.auth.deps import require_role
from service.auth.models import Role, User
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.notifications import webhooks
from service.notifications.models import Outbox
from service.notifications.webhook_models import WebhookEndpoint
from service.places.models import Unit
from service.web import csrf

router = APIRouter(prefix="/staff/webhooks", include_in_schema=False)
Admin = Annotated[User, Depends(require_role(Role.ADMIN))]
PER_PAGE = 50


def _page(
    request: Request, templates: Any, settings: Any, name: str, status: int = 200, **context: Any
) -> Response:
    context["csrf_token"] = csrf.issue_token(request, settings.secret_key)
    return templates.TemplateResponse(request, name, context, status_code=status)  # type: ignore[no-any-return]


def _list(
    request: Request,
    session: SessionDep,
    templates: Any,
    settings: Any,
    status: int = 200,
    **extra: Any,
) -> Response:
    units = list(session.exec(select(Unit).where(Unit.active).order_by(col(Unit.code))))
    context: dict[str, Any] = {"values": {}, "errors": {}, "created": None}
    context.update(extra)
    return _page(
        request,
        templates,
        settings,
        "staff/notifications/webhooks.html",
        status=status,
        endpoints=webhooks.endpoints(session),
        units=units,
        **context,
    )


@router.get("", name="webhook_endpoints")
def endpoints(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Admin,
) -> Response:
    return _list(request, session, templates, settings)


@router.post("", dependencies=[CsrfDep])
def add_endpoint(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Admin,
    unit: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
) -> Response:
    """A new endpoint; its secret is shown once, on this response only."""
    values = {"unit": unit, "url": url}
    errors: dict[str, str] = {}
    target = session.exec(select(Unit).where(Unit.code == unit, Unit.active)).first()
    if target is None:
        errors["unit"] = "Choose a unit from the list."
    try:
        webhooks.check_url(url, allow_http=not settings.is_prod)
    except webhooks.EndpointError as exc:
        errors["url"] = str(exc)
    if errors or target is None:
        return _list(
            request, session, templates, settings, status=422, values=values, errors=errors
        )
    created = webhooks.add_endpoint(session, unit=target, url=url, allow_http=not settings.is_prod)
    session.commit()
    return _list(request, session, templates, settings, created=created)


@router.post("/{endpoint_id}/enable", name="webhook_enable", dependencies=[CsrfDep])
def enable(endpoint_id: int, session: SessionDep, user: Admin) -> Response:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise HTTPException(status_code=404, detail="No such endpoint.")
    webhooks.enable(session, endpoint)
    session.commit()
    return RedirectResponse("/staff/webhooks", status_code=303)


@router.get("/{endpoint_id}", name="webhook_log")
def log(
    endpoint_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Admin,
    page: int = 1,
) -> Response:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise HTTPException(status_code=404, detail="No such endpoint.")
    page = max(1, page)
    return _page(
        request,
        templates,
        settings,
        "staff/notifications/webhook_log.html",
        endpoint=endpoint,
        rows=webhooks.deliveries(session, endpoint_id, page=page, per_page=PER_PAGE),
        page=page,
        per_page=PER_PAGE,
    )


@router.post("/messages/{message_id}/redeliver", name="webhook_redeliver", dependencies=[CsrfDep])
def redeliver(message_id: int, session: SessionDep, user: Admin) -> Response:
    """Queue the message again; the delivery job sends it on its next run."""
    message = session.get(Outbox, message_id)
    if message is None:
        raise HTTPException(status_code=404, detail="No such message.")
    try:
        webhooks.redeliver(session, message)
    except webhooks.EndpointError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    endpoint_id = message.payload.get("endpoint_id")
    session.commit()
    return RedirectResponse(f"/staff/webhooks/{endpoint_id}", status_code=303)
