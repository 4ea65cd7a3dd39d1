"""Render a staff page with what every staff template needs: the user, a CSRF token, the roles."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from service.auth import roles
from service.web import csrf


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    """A staff template response; `values` and `errors` default to empty so forms always render."""
    settings = request.app.state.settings
    full: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf.issue_token(request, settings.secret_key),
        "roles": roles,
        "values": {},
        "errors": {},
    }
    full.update(context or {})
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, name, full, status_code=status_code
    )


def form_values(form: Any, *names: str) -> dict[str, str]:
    """Text fields from a submitted form, stripped; absent ones are empty strings."""
    return {name: str(form.get(name) or "").strip() for name in names}
