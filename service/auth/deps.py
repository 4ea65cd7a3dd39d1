"""Who is asking: the signed-in staff user (pages go to sign-in, APIs answer 401), and roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from service.auth import sessions
from service.auth.models import ApiKey, Role, User
from service.auth.service import find_api_key
from service.deps import SessionDep, SettingsDep
from service.web.errors import wants_json

SESSION_COOKIE = "civic_session"


class SignInRequiredError(Exception):
    """Raised by the dependencies on a page when nobody (or nobody live) is signed in."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


def get_current_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    """The signed-in staff user; tests override this dependency to act as someone."""
    token = request.cookies.get(SESSION_COOKIE)
    user = sessions.resolve(session, settings, token) if token else None
    if user is None:
        if wants_json(request):
            raise HTTPException(
                status_code=401,
                detail="Sign in first.",
                headers={"WWW-Authenticate": "Cookie"},
            )
        raise SignInRequiredError(_local_path(request))
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting only these roles: `Depends(require_role(Role.ADMIN))`."""
    allowed = frozenset(roles)

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(status_code=403, detail="Your role does not allow this.")
        return user

    check.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return check


def get_api_key(request: Request, session: SessionDep) -> ApiKey:
    """A machine client: `X-API-Key: KEY` or `Authorization: Bearer KEY`, stored only hashed."""
    plain = request.headers.get("x-api-key", "").strip()
    if not plain:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            plain = value.strip()
    key = find_api_key(session, plain) if plain else None
    if key is None:
        raise HTTPException(
            status_code=401,
            detail="A valid API key is required (X-API-Key header or Bearer token).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


ApiKeyDep = Annotated[ApiKey, Depends(get_api_key)]


def install(app: FastAPI) -> None:
    """Pages that need a signed-in user send the browser to the sign-in page and back."""

    @app.exception_handler(SignInRequiredError)
    async def _sign_in(request: Request, exc: SignInRequiredError) -> Response:
        target = "/staff/login?next=" + quote(exc.next_path, safe="/")
        if request.headers.get("hx-request"):
            # htmx swaps fragments; a whole-page redirect needs its own header.
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)


def _local_path(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return path
