"""Operators run callbacks through the real forms; citizens answer once by link; appeals."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import i18n
from service.auth.models import Role
from service.callbacks import service as callbacks
from service.callbacks.models import Appeal, Callback, HandlingTime
from service.config import Settings
from service.intake import tracking
from service.tickets.models import Channel, Ticket
from service.tickets.states import CloseReason, Status
from service.web.templating import make_templates
from tests.callbacks.helpers import (
    csrf_of,
    make_user,
    sign_in,
    submit,
    ticket_awaiting_callback,
)
from tests.factories import make_unit


def _reload(session: Session, ticket: Ticket) -> Ticket:
    session.expire_all()
    fresh = session.get(Ticket, ticket.id)
    assert fresh is not None
    return fresh


def test_satisfied_callback_closes_and_counts_for_the_lead_unit(
    client: TestClient, session: Session
) -> None:
    unit = make_unit(session)
    ticket = ticket_awaiting_callback(session, unit)
    operator = make_user(session, username="op", role=Role.OPERATOR)
    session.commit()
    sign_in(client, operator)

    queue = client.get("/staff/callbacks")
    assert ticket.number in queue.text
    assert "13800000000" not in queue.text
    page = f"/staff/callbacks/{ticket.number}"
    assert "138****0000" in client.get(page).text  # masked by default
    response = submit(
        client,
        page,
        f"{page}/answers",
        {"contacted": "yes", "resolved": "partly", "satisfied": "basically"},
    )
    assert response.status_code == 303
    fresh = _reload(session, ticket)
    assert (fresh.status, fresh.close_reason) == (Status.CLOSED, CloseReason.RESOLVED)
    row = session.exec(select(Callback)).one()
    assert (row.unit_id, row.contacted, row.resolved, row.satisfied) == (
        unit.id,
        True,
        "partly",
        "basically",
    )
    assert session.get(HandlingTime, ticket.id) is not None
    assert ticket.number not in client.get("/staff/callbacks").text


def test_missing_answers_are_shown_next_to_the_fields_with_input_kept(
    client: TestClient, session: Session
) -> None:
    ticket = ticket_awaiting_callback(session, make_unit(session))
    sign_in(client, make_user(session, username="op", role=Role.OPERATOR))
    session.commit()
    page = f"/staff/callbacks/{ticket.number}"
    response = submit(client, page, f"{page}/answers", {"contacted": "no", "comment": "打了两次"})
    assert response.status_code == 422
    assert 'id="satisfied-error"' in response.text and 'id="resolved-error"' in response.text
    assert 'value="no" checked' in response.text and "打了两次" in response.text
    assert _reload(session, ticket).status is Status.PENDING_CALLBACK


def test_dissatisfied_with_the_unit_at_fault_reopens_for_re_handling(
    client: TestClient, session: Session, settings: Settings
) -> None:
    ticket = ticket_awaiting_callback(session, make_unit(session))
    sign_in(client, make_user(session, username="op", role=Role.OPERATOR))
    session.commit()
    page = f"/staff/callbacks/{ticket.number}"
    submit(
        client,
        page,
        f"{page}/answers",
        {
            "contacted": "yes",
            "resolved": "not",
            "satisfied": "dissatisfied",
            "unit_at_fault": "yes",
        },
    )
    fresh = _reload(session, ticket)
    assert fresh.status is Status.HANDLING and fresh.replied_at is None
    # The citizen reads why, in their language, on the tracking page.
    reason = {
        "zh_CN": "重新办理：回访时市民不满意，且责任在承办单位。",
        "en": "Handled again: the citizen was not satisfied at the callback and the handling "
        "unit was at fault.",
    }
    for locale, expected in reason.items():
        with i18n.use_locale(locale):
            view = tracking.public_view(session, settings, fresh)
        assert expected in [entry.text for entry in view.timeline], locale


def test_unreachable_after_the_allowed_attempts_closes_without_rating(
    client: TestClient, session: Session
) -> None:
    ticket = ticket_awaiting_callback(session, make_unit(session))
    sign_in(client, make_user(session, username="op", role=Role.OPERATOR))
    session.commit()
    page = f"/staff/callbacks/{ticket.number}"
    for expected in (Status.PENDING_CALLBACK, Status.PENDING_CALLBACK, Status.CLOSED):
        assert submit(client, page, f"{page}/attempt", {"outcome": "no_answer"}).status_code == 303
        assert _reload(session, ticket).status is expected
    fresh = _reload(session, ticket)
    assert fresh.close_reason is CloseReason.UNREACHABLE
    assert client.get(page).text.count("无人接听") >= 3  # each attempt, in the page's language
    assert session.exec(select(Callback)).first() is None
    assert "回访 3 次均未联系上市民。" in client.get(f"/staff/tickets/{ticket.number}").text


def test_the_rated_unit_cannot_record_its_own_callback(
    client: TestClient, session: Session
) -> None:
    unit = make_unit(session)
    ticket = ticket_awaiting_callback(session, unit)
    sign_in(client, make_user(session, username="h", role=Role.HANDLER, unit=unit))
    session.commit()
    assert client.get(f"/staff/callbacks/{ticket.number}").status_code == 403
    response = client.post(
        f"/staff/callbacks/{ticket.number}/answers",
        data={"contacted": "yes", "resolved": "resolved", "satisfied": "satisfied"},
    )
    assert response.status_code == 403
    assert _reload(session, ticket).status is Status.PENDING_CALLBACK


def test_citizen_answers_a_survey_link_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    ticket = ticket_awaiting_callback(session, make_unit(session), channel=Channel.WEB)
    (pending,) = callbacks.tickets_needing_survey(session)
    emails = make_templates(settings).env
    token = callbacks.issue_survey(session, pending, settings=settings, emails=emails)
    assert callbacks.tickets_needing_survey(session) == []
    session.commit()
    page = f"/survey/{token}"
    bad = submit(client, page, page, {"contacted": "yes"})
    assert bad.status_code == 422 and 'value="yes" checked' in bad.text
    done = submit(
        client, page, page, {"contacted": "yes", "resolved": "resolved", "satisfied": "satisfied"}
    )
    assert done.status_code == 200
    assert _reload(session, ticket).status is Status.CLOSED
    assert client.get(page).status_code == 404  # one time only
    assert client.get("/survey/not-a-token").status_code == 404


def test_appeal_accepted_excludes_the_ticket_from_assessment(
    client: TestClient, session: Session
) -> None:
    unit = make_unit(session)
    other = make_unit(session, code="M-URBAN", name_zh="城管局")
    ticket = ticket_awaiting_callback(session, unit)
    operator = make_user(session, username="op", role=Role.OPERATOR)
    handler = make_user(session, username="h", role=Role.HANDLER, unit=unit)
    outsider = make_user(session, username="h2", role=Role.HANDLER, unit=other)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    session.commit()
    sign_in(client, operator)
    page = f"/staff/callbacks/{ticket.number}"
    token = csrf_of(client.get(page).text)  # this browser's token, for the outsider below
    submit(
        client,
        page,
        f"{page}/answers",
        {"contacted": "yes", "resolved": "not", "satisfied": "dissatisfied", "unit_at_fault": "no"},
    )
    assert _reload(session, ticket).status is Status.CLOSED

    form = f"/staff/appeals/new/{ticket.number}"
    # Another unit's handler does not even learn that the ticket exists.
    sign_in(client, outsider)
    assert client.get(form).status_code == 404
    refused = client.post(form, data={"csrf_token": token, "reason": "不是我们", "evidence": "…"})
    assert refused.status_code == 404 and session.exec(select(Appeal)).first() is None
    sign_in(client, handler)
    empty = submit(client, form, form, {"reason": "诉求超出职权", "evidence": ""})
    assert empty.status_code == 422 and "诉求超出职权" in empty.text
    assert (
        submit(
            client, form, form, {"reason": "诉求超出职权", "evidence": "现场照片与执法记录"}
        ).status_code
        == 200
    )
    # A second appeal while the first waits is refused, in the page's language.
    again = submit(client, form, form, {"reason": "再次申诉", "evidence": "同上"})
    assert again.status_code == 422 and "该工单已有申诉在等待审核。" in again.text
    assert "再次申诉" in again.text  # what the handler typed is kept
    assert client.get("/staff/appeals").status_code == 403

    sign_in(client, supervisor)
    appeal = session.exec(select(Appeal)).one()
    decide = f"/staff/appeals/{appeal.id}/decide"
    missing = submit(client, "/staff/appeals", decide, {"decision": "accepted", "reason": ""})
    assert missing.status_code == 422
    assert (
        submit(
            client,
            "/staff/appeals",
            decide,
            {"decision": "accepted", "reason": "证据充分，诉求不合理"},
        ).status_code
        == 303
    )
    fresh = _reload(session, ticket)
    assert fresh.assessment_excluded and fresh.exclusion_reason == "证据充分，诉求不合理"
    assert "证据充分" in client.get("/staff/appeals").text
