"""The call-back list: missed and abandoned calls are returned, and who did it is recorded."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from service import i18n
from service.auth.deps import require_role
from service.auth.models import User
from service.auth.render import render
from service.auth.roles import HOTLINE_ROLES
from service.calls import service as calls
from service.calls.models import CallbackOutcome, CallRecord
from service.deps import CsrfDep, SessionDep

router = APIRouter(prefix="/staff/calls", include_in_schema=False)
Operator = Annotated[User, Depends(require_role(*HOTLINE_ROLES))]
PAGE = 50


@router.get("/missed", name="missed_calls")
def missed(request: Request, session: SessionDep, user: Operator, page: int = 1) -> Response:
    """Open missed calls, oldest first, one page at a time; the total is counted in SQL."""
    page = max(page, 1)
    return render(
        request,
        "staff/calls/missed.html",
        {
            "calls": calls.callback_queue(session, offset=(page - 1) * PAGE, limit=PAGE),
            "total": calls.callback_queue_size(session),
            "page": page,
            "page_size": PAGE,
            "outcomes": [o.value for o in CallbackOutcome],
            "done": request.query_params.get("done", ""),
            "error": request.query_params.get("error", ""),
        },
    )


@router.post("/{call_pk}/callback", name="call_callback", dependencies=[CsrfDep])
def callback(
    request: Request,
    call_pk: int,
    session: SessionDep,
    user: Operator,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record one attempt; 'no answer' keeps the call on the list for another try."""
    call = session.get(CallRecord, call_pk)
    if call is None:
        raise HTTPException(status_code=404, detail="No such call.")
    target = request.url_for("missed_calls")
    try:
        chosen = CallbackOutcome(outcome)
    except ValueError:
        return RedirectResponse(
            str(target.include_query_params(error="outcome")) + f"#call-{call_pk}", 303
        )
    try:
        calls.record_callback(session, call, user=user, outcome=chosen, note=note)
    except calls.CallbackError as exc:
        raise HTTPException(status_code=409, detail=i18n.gettext(str(exc))) from exc
    session.commit()
    return RedirectResponse(str(target.include_query_params(done=call.call_id)), 303)
