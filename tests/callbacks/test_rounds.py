"""Callbacks are events: a re-handled ticket's second callback is a new round beside the first,
each counted in the month it was answered, on the dashboard, the report and /transparency,
before and after the first month is published; the handler reworking it sees what the
citizen said, marked 重办."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role
from service.callbacks import service as callbacks
from service.callbacks.models import Callback, CallbackChannel, Resolution, Satisfaction
from service.config import Settings
from service.places.models import Unit
from service.supervision import reports
from service.tickets import service as tickets
from service.tickets.models import Ticket
from service.tickets.states import Action, Status
from service.web.templating import make_templates
from tests.callbacks.helpers import make_user, sign_in, submit, ticket_awaiting_callback
from tests.factories import TZ, make_unit

R, P, N = Resolution.RESOLVED, Resolution.PARTLY, Resolution.NOT_RESOLVED
S, B, D = Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED
COMPLAINT = "说好的整改根本没人来，还在卖假酒"

# The hand computation (weights: partly 0.5, basically 0.8), one row per answered callback:
#   2026-11: T1 round 1 (contacted, not resolved, dissatisfied), T2 (contacted, resolved,
#            satisfied), T3 (not contacted, partly, basically)                     n = 3
#     response     = 2 contacted / 3                     = 66.7 %
#     resolution   = (1 resolved + 0.5 x 1 partly) / 3  = 1.5 / 3 = 50.0 %
#     satisfaction = (1 satisfied + 0.8 x 1 basically) / 3 = 1.8 / 3 = 60.0 %
#   2026-12: T1 round 2 after re-handling (contacted, resolved, satisfied), T4 (contacted,
#            partly, satisfied)                                                    n = 2
#     response     = 2 / 2                               = 100.0 %
#     resolution   = (1 + 0.5 x 1) / 2                   = 75.0 %
#     satisfaction = (1 + 1) / 2                         = 100.0 %
# T1's December round does not move or replace its November one: November stays n = 3.
NOVEMBER = {"n": 3, "response": "66.7%", "resolution": "50.0%", "satisfaction": "60.0%"}
DECEMBER = {"n": 2, "response": "100.0%", "resolution": "75.0%", "satisfaction": "100.0%"}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _answer(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    at: str,
    contacted: bool,
    resolved: Resolution,
    satisfied: Satisfaction,
    comment: str = "",
) -> callbacks.Outcome:
    with clock.frozen(local(at)):
        outcome = callbacks.record_answers(
            session,
            ticket,
            callbacks.Answers(contacted, resolved, satisfied, comment),
            actor=tickets.Actor.system(),
            channel=CallbackChannel.PHONE,
            settings=settings,
            emails=make_templates(settings).env,
        )
    session.commit()
    return outcome


def _awaiting(session: Session, unit: Unit, at: str, phone: str) -> Ticket:
    with clock.frozen(local(at)):
        return ticket_awaiting_callback(session, unit, phone=phone)


def _rehandle(session: Session, ticket: Ticket, at: str) -> None:
    with clock.frozen(local(at)):
        actor = tickets.Actor.system()
        tickets.transition(
            session, ticket, Action.SUBMIT_REPLY, actor=actor, changes={"public_reply": "已下架"}
        )
        tickets.transition(session, ticket, Action.ACCEPT_REPLY, actor=actor)
    session.commit()


def _row(html: str, label: str) -> str:
    """The table row (<tr>…</tr>) that contains label."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S):
        if label in row:
            return str(row)
    raise AssertionError(f"no row with {label!r}")


def _assert_dashboard(
    client: TestClient, month: str, unit: Unit, expected: dict[str, object]
) -> None:
    html = client.get(f"/staff/supervision?month={month}&dimension=unit").text
    row = _row(html, unit.name_zh)
    assert f'measure=answered">{expected["n"]}</a>' in row
    for rate in ("response", "resolution", "satisfaction"):
        assert f">{expected[rate]}</a>" in row, (month, rate, row)


def _assert_report(
    client: TestClient, month: str, version: int, expected: dict[str, object]
) -> None:
    html = client.get(f"/staff/supervision/reports/{month}/v{version}").text
    assert re.search(rf"<th>[^<]*</th><td>{expected['n']}</td>", _row(html, "已回访数"))
    for label, rate in (
        ("响应率", "response"),
        ("解决率", "resolution"),
        ("满意率", "satisfaction"),
    ):
        assert f"<td>{expected[rate]}</td>" in _row(html, label), (month, rate)


def _assert_trend(client: TestClient, month: str, expected: dict[str, object]) -> None:
    html = client.get("/transparency").text
    cells = [expected["response"], expected["resolution"], expected["satisfaction"], expected["n"]]
    assert f"<tr><td>{month}</td>" + "".join(f"<td>{c}</td>" for c in cells) in html, month


def test_each_callback_round_counts_in_its_own_month_before_and_after_publication(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    t1 = _awaiting(session, unit, "2026-11-03T09:00", "13800000001")
    t2 = _awaiting(session, unit, "2026-11-04T09:00", "13800000002")
    t3 = _awaiting(session, unit, "2026-11-05T09:00", "13800000003")
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    session.commit()
    sign_in(client, supervisor)

    assert _answer(session, settings, t1, "2026-11-20T10:00", True, N, D, COMPLAINT) is (
        callbacks.Outcome.REOPENED
    )
    _answer(session, settings, t2, "2026-11-21T10:00", True, R, S)
    _answer(session, settings, t3, "2026-11-22T10:00", False, P, B)

    with clock.frozen(local("2026-12-01T09:00")):
        _assert_dashboard(client, "2026-11", unit, NOVEMBER)
        _assert_trend(client, "2026-11", NOVEMBER)
        snapshot = reports.publish(session, "2026-11", settings, user_id=supervisor.id)
        session.commit()
        _assert_report(client, "2026-11", snapshot.version, NOVEMBER)

    # Re-handled and answered again in December; a new ticket answered in December too.
    _rehandle(session, t1, "2026-12-03T09:00")
    t4 = _awaiting(session, unit, "2026-12-04T09:00", "13800000004")
    assert _answer(session, settings, t1, "2026-12-10T10:00", True, R, S) is (
        callbacks.Outcome.CLOSED
    )
    _answer(session, settings, t4, "2026-12-11T10:00", True, P, S)

    rounds = session.exec(
        select(Callback).where(Callback.ticket_id == t1.id).order_by(col(Callback.round))
    ).all()
    assert [(c.round, c.satisfied, c.comment) for c in rounds] == [
        (1, D, COMPLAINT),
        (2, S, ""),
    ]
    assert rounds[0].answered_at == local("2026-11-20T10:00")  # stays in November

    with clock.frozen(local("2027-01-02T09:00")):
        # November: live and published agree, and still count T1's dissatisfied round.
        _assert_dashboard(client, "2026-11", unit, NOVEMBER)
        _assert_report(client, "2026-11", snapshot.version, NOVEMBER)
        _assert_trend(client, "2026-11", NOVEMBER)
        _assert_dashboard(client, "2026-12", unit, DECEMBER)
        _assert_trend(client, "2026-12", DECEMBER)
        december = reports.publish(session, "2026-12", settings, user_id=supervisor.id)
        session.commit()
        _assert_report(client, "2026-12", december.version, DECEMBER)


def test_the_handler_reworking_a_reopened_ticket_sees_the_dissatisfied_answer_marked_rehandling(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    ticket = _awaiting(session, unit, "2026-11-03T09:00", "13800000001")
    handler = make_user(session, username="h", role=Role.HANDLER, unit=unit)
    operator = make_user(session, username="op", role=Role.OPERATOR)
    session.commit()
    sign_in(client, operator)
    page = f"/staff/callbacks/{ticket.number}"
    with clock.frozen(local("2026-11-20T10:00")):
        response = submit(
            client,
            page,
            f"{page}/answers",
            {
                "contacted": "yes",
                "resolved": "not",
                "satisfied": "dissatisfied",
                "comment": COMPLAINT,
            },
        )
    assert response.status_code == 303
    session.expire_all()
    fresh = session.get(Ticket, ticket.id)
    assert fresh is not None and fresh.status is Status.HANDLING

    sign_in(client, handler)
    for url in (f"/staff/workbench/tickets/{ticket.number}", f"/staff/tickets/{ticket.number}"):
        html = client.get(url).text
        notice = html[html.index('id="rehandling"') :]
        notice = notice[: notice.index("</section>")]
        assert "重办" in notice and COMPLAINT in notice and "不满意" in notice, url
        assert 'data-round="1"' in notice

    # Answered again after re-handling: the operator sees round 1 beside the new form.
    _rehandle(session, fresh, "2026-12-03T09:00")
    sign_in(client, operator)
    html = client.get(page).text
    assert 'id="rehandling"' in html and COMPLAINT in html
