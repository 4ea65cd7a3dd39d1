"""One Jinja2 environment: autoescaping, gettext from the request locale, local-time filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from service import i18n
from service.auth import roles
from service.config import Settings
from service.routing import explanations
from service.sla import traces
from service.sla.pages import calendar_context
from service.tickets import pii
from service.web import csrf

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"


def make_templates(settings: Settings) -> Jinja2Templates:
    """Templates with i18n, the city's settings and filters for local time and masking."""
    # Every page escapes user text, whatever the file suffix.
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    templates = Jinja2Templates(env=env, context_processors=[_staff_context, calendar_context])
    env.globals["settings"] = settings
    env.globals["roles"] = roles
    env.globals["current_locale"] = i18n.current_locale
    env.globals["name_of"] = _name_of
    env.globals["event_reason"] = event_reason
    env.globals["explain"] = explanations.shown
    env.globals["explain_step"] = explanations.render_step
    env.globals["explain_code"] = explanations.code_label
    env.globals["holiday_name"] = traces.holiday_name
    env.filters["localtime"] = lambda value, fmt="%Y-%m-%d %H:%M": _localtime(value, settings, fmt)
    env.filters["nl2br"] = _nl2br
    env.filters["mask_phone"] = pii.mask_phone
    return templates


def _staff_context(request: Request) -> dict[str, Any]:
    """The signed-in staff user and a token for the layout's sign-out form, on every page."""
    # Distinct names: a page's own `user` (say, the account an admin edits) is never replaced.
    user = getattr(request.state, "user", None)
    if user is None:
        return {"staff_user": None}
    settings = request.app.state.settings
    return {"staff_user": user, "layout_csrf": csrf.issue_token(request, settings.secret_key)}


def event_reason(event: Any, names: Any = None) -> str:
    """An event's reason for the page, in the page's language: routing's reasons (stored as
    steps beside their English text) with the names in `names` where given, the deadline
    engine's (a step in place of text) through its traces, typed text as typed."""
    steps = explanations.event_steps(getattr(event, "data", None))
    if steps:
        known = names if isinstance(names, explanations.Names) else None
        return explanations.render(steps, known) or str(event.reason)
    return traces.event_reason(event)


def _name_of(obj: Any) -> str:
    """Reference rows carry name_zh and name_en; show the one for the page's language."""
    if obj is None:
        return ""
    return i18n.localized_name(getattr(obj, "name_zh", ""), getattr(obj, "name_en", ""))


def _localtime(value: datetime | None, settings: Settings, fmt: str) -> str:
    if value is None:
        return ""
    return value.astimezone(settings.tz).strftime(fmt)


def _nl2br(value: str) -> Markup:
    """Line breaks kept, everything else escaped."""
    escaped = Markup.escape(value or "")
    return Markup("<br>").join(escaped.split("\n"))
