"""Staff sign-in and sign-out, and the staff start page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from service import i18n
from service.auth import sessions
from service.auth.deps import SESSION_COOKIE, CurrentUser
from service.auth.models import Role, User
from service.auth.render import render
from service.auth.roles import REPORT_RECIPIENTS, TICKET_READERS
from service.deps import CsrfDep, SessionDep, SettingsDep

router = APIRouter(prefix="/staff", include_in_schema=False)


def client_addr(request: Request) -> str:
    """The client address as the server sees it (uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/staff"


@router.get("/login", name="staff_login")
def login_form(request: Request, next: str = "/staff") -> Response:
    return render(request, "staff/login.html", {"next": _safe_next(next)})


@router.post("/login", name="staff_login_submit", dependencies=[CsrfDep])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/staff",
) -> Response:
    """Throttled per account and per address; the failure is recorded even when refused."""
    addr = client_addr(request)
    try:
        user = sessions.authenticate(
            session, settings, username=username, password=password, addr=addr
        )
    except sessions.SignInRefusedError as exc:
        session.commit()
        if exc.throttled:
            message = i18n.gettext(
                "Too many failed sign-ins for this account or from this computer. "
                "Wait %(minutes)d minutes and try again, or ask an administrator."
            ) % {"minutes": settings.login_failure_window_minutes}
        else:
            message = i18n.gettext(
                "The username or password is not right, or the account is disabled."
            )
        return render(
            request,
            "staff/login.html",
            {"next": _safe_next(next), "values": {"username": username}, "message": message},
            status_code=429 if exc.throttled else 400,
        )
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # a fresh token on every sign-in: no session fixation
        sessions.end(session, old)
    token = sessions.start(session, settings, user, addr=addr)
    session.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.is_prod,
        path="/",
    )
    return response


@router.post("/logout", name="staff_logout", dependencies=[CsrfDep])
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sessions.end(session, token)
        session.commit()
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("", name="staff_home")
def home(request: Request, session: SessionDep, user: CurrentUser, number: str = "") -> Response:
    """The start page; a ticket number typed into the search box opens that ticket."""
    if number.strip() and user.role in TICKET_READERS:
        return RedirectResponse(
            request.url_for("staff_ticket", number=number.strip().upper()), status_code=303
        )
    # Operators start on the console; the office head (also a hotline role) on this page.
    if user.role is Role.OPERATOR and not request.query_params:
        return RedirectResponse(request.url_for("hotline_console"), status_code=303)
    return render(request, "staff/home.html", {"report_notices": _report_notices(session, user)})


def _report_notices(session: SessionDep, user: User) -> list[Any]:
    """Published reports this reader has not opened yet (issue 12: readers are told)."""
    if user.role not in REPORT_RECIPIENTS or user.id is None:
        return []
    from service.supervision import delivery

    return delivery.unread(session, user.id)
