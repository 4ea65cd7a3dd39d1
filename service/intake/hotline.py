"""The operator console (/staff/hotline): caller look-up, knowledge search, one form per call.

Every part works without JavaScript (the look-up buttons re-render the whole form with what was
typed); htmx only swaps the fragments in place while the operator types.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from service import clock, i18n
from service.auth.deps import require_role
from service.auth.models import User
from service.auth.render import render
from service.auth.roles import HOTLINE_ROLES
from service.calls import service as calls
from service.catalogue import knowledge
from service.catalogue import service as catalogue
from service.deps import CsrfDep, SessionDep, SettingsDep
from service.intake import hotline_service as hotline
from service.intake import phones
from service.intake.hotline_service import CallForm, FormError, Outcome
from service.places import service as places
from service.places.models import AreaLevel, Unit
from service.tickets.models import TicketType, Urgency
from service.tickets.states import OPEN_STATES

router = APIRouter(prefix="/staff/hotline", include_in_schema=False)
# After a save the browser is redirected (no double submit on reload); the new ticket's number
# and access code travel in a signed cookie that lives two minutes and is read once.
DONE_COOKIE = "civic_hotline_done"
DONE_MAX_AGE = 120
Operator = Annotated[User, Depends(require_role(*HOTLINE_ROLES))]


def _start_of_day(settings: Any) -> datetime:
    local = clock.now().astimezone(settings.tz)
    return datetime.combine(local.date(), time(0), tzinfo=settings.tz)


def _console(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: User,
    form: CallForm,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: dict[str, str] | None = None,
    done_unit: Unit | None = None,
) -> Response:
    phone = form.get("caller_phone")
    history = hotline.caller_history(session, phone) if phone else []
    query = form.get("knowledge_q") if "knowledge_q" in form.values else ""
    categories = catalogue.list_categories(session)
    return render(
        request,
        "staff/hotline/console.html",
        {
            "values": form.values,
            "errors": {k: i18n.gettext(v) for k, v in (errors or {}).items()},
            "history": history,
            "open_states": OPEN_STATES,
            "looked_up": bool(phone),
            "recent_call": calls.recent_unlinked_call(
                session, phones.normalise(phone), at=clock.now()
            )
            if phone
            else None,
            "answers": knowledge.search(session, query) if query else [],
            "knowledge_q": query,
            "categories": categories,
            "quick": hotline.quick_categories(session, now=clock.now()),
            "districts": places.list_areas(session, level=AreaLevel.DISTRICT),
            "streets": places.list_areas(session, level=AreaLevel.STREET),
            "types": [t.value for t in TicketType],
            "urgencies": [u.value for u in Urgency],
            "lines": hotline.TRANSFER_LINES,
            "my_day": hotline.my_day(session, user, since=_start_of_day(settings)),
            "done": done,
            "done_unit": done_unit,
        },
        status_code=status_code,
    )


@router.get("", name="hotline_console")
def console(
    request: Request, session: SessionDep, settings: SettingsDep, user: Operator
) -> Response:
    """An empty form (a call id from the missed-call list or ?call= pre-fills the caller)."""
    values: dict[str, Any] = {}
    ref = request.query_params.get("call", "").strip()
    if ref:
        record = calls.by_call_id(session, ref)
        values["call_ref"] = ref
        if record is not None:
            values["caller_phone"] = record.caller_number
    done = _read_done(request, settings)
    unit = places.unit_by_code(session, done["unit"]) if done and done["unit"] else None
    form = CallForm({**{n: "" for n in hotline.TEXT_FIELDS}, **values})
    response = _console(request, session, settings, user, form, done=done, done_unit=unit)
    if done is not None:
        response.delete_cookie(DONE_COOKIE, path="/staff/hotline")
    return response


@router.post("", name="hotline_submit", dependencies=[CsrfDep])
async def submit(
    request: Request, session: SessionDep, settings: SettingsDep, user: Operator
) -> Response:
    """One submit button per outcome; the look-up buttons only re-render with what was typed."""
    raw = await request.form()
    form = CallForm.parse(raw)
    action = str(raw.get("outcome") or Outcome.WORK_ORDER.value)
    form.values["knowledge_q"] = str(raw.get("knowledge_q") or "").strip()
    if action == "lookup":  # also what Enter in any field does: nothing is saved
        return _console(request, session, settings, user, form)
    try:
        outcome = Outcome(action)
    except ValueError:
        outcome = Outcome.WORK_ORDER
    try:
        logged = hotline.log_call(session, settings, user, form, outcome)
    except FormError as exc:
        session.rollback()
        return _console(request, session, settings, user, form, errors=exc.errors, status_code=422)
    session.commit()
    response = RedirectResponse(str(request.url_for("hotline_console")), status_code=303)
    payload = {
        "n": logged.ticket.number,
        "o": logged.outcome.value,
        "c": logged.access_code,
        "u": logged.lead_unit.code if logged.lead_unit else "",
    }
    response.set_cookie(
        DONE_COOKIE,
        _serializer(settings).dumps(payload),
        max_age=DONE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=settings.is_prod,
        path="/staff/hotline",
    )
    return response


def _serializer(settings: Any) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="hotline-done")


def _read_done(request: Request, settings: Any) -> dict[str, str] | None:
    raw = request.cookies.get(DONE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw, max_age=DONE_MAX_AGE)
    except BadSignature:
        return None
    return {
        "number": data.get("n", ""),
        "outcome": data.get("o", ""),
        "code": data.get("c", ""),
        "unit": data.get("u", ""),
    }


@router.get("/lookup", name="hotline_lookup")
def lookup(
    request: Request, session: SessionDep, user: Operator, caller_phone: str = ""
) -> Response:
    """The fragment listing the caller's earlier tickets (open first) as they type the number."""
    phone = phones.normalise(caller_phone)
    return render(
        request,
        "staff/hotline/_history.html",
        {
            "history": hotline.caller_history(session, phone),
            "open_states": OPEN_STATES,
            "looked_up": len(phone) >= 3,
            "recent_call": calls.recent_unlinked_call(session, phone, at=clock.now()),
            "values": {},
        },
    )


@router.get("/knowledge", name="hotline_knowledge")
def knowledge_search(
    request: Request, session: SessionDep, user: Operator, knowledge_q: str = ""
) -> Response:
    """The fragment of matching approved answers, each one a choice for a direct answer."""
    return render(
        request,
        "staff/hotline/_answers.html",
        {"answers": knowledge.search(session, knowledge_q), "knowledge_q": knowledge_q},
    )
