"""Co-requesters ("me too") hear how the ticket ended: the reply with their own one-time survey
link, and the closing notice. Their answers are their own feedback; the ticket's one assessed
callback stays the requester's, unless the requester cannot be asked."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role
from service.callbacks import jobs
from service.callbacks import service as callbacks
from service.callbacks.models import (
    Callback,
    CoRequesterAnswer,
    Resolution,
    Satisfaction,
    SurveyToken,
)
from service.config import Settings
from service.intake import service as intake
from service.intake.models import CoRequester
from service.notifications.models import Outbox, OutboxKind
from service.places.models import Unit
from service.supervision import metrics
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket
from service.tickets.states import Action, Status
from service.web.templating import make_templates
from tests.callbacks.helpers import (
    csrf_of,
    make_user,
    sign_in,
    submit,
    ticket_awaiting_callback,
)
from tests.factories import TZ, make_unit

PUBLIC = "https://12345.baotou.example"
LINK = re.compile(re.escape(PUBLIC) + r"/survey/([A-Za-z0-9_-]+)")
START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Baotou
SATISFIED = {"contacted": "yes", "resolved": "resolved", "satisfied": "satisfied"}
DISSATISFIED = {"contacted": "no", "resolved": "not", "satisfied": "dissatisfied"}


def _settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC + "/"})


def _world(
    session: Session, *, channel: Channel = Channel.WEB, anonymous: bool = False
) -> tuple[Unit, Ticket, CoRequester, CoRequester]:
    """A ticket waiting for its callback, a co-requester who joined online with phone and
    e-mail, and one a hotline operator merged in with a phone only."""
    unit = make_unit(session)
    ticket = ticket_awaiting_callback(session, unit, channel=channel, email="zhang@example.com")
    if anonymous:
        ticket.requester_name = ticket.requester_phone = ticket.requester_email = ""
        ticket.anonymous = True
    online = intake.add_co_requester(
        session,
        ticket,
        name="王五",
        phone="13912345678",
        email="wang@example.com",
        channel=Channel.WEB,
    )
    by_phone = intake.add_co_requester(
        session, ticket, name="赵六", phone="13700001111", channel=Channel.HOTLINE
    )
    session.commit()
    return unit, ticket, online, by_phone


def _messages(session: Session, recipient: str | None = None) -> list[Outbox]:
    query = select(Outbox).order_by(col(Outbox.id))
    if recipient is not None:
        query = query.where(Outbox.recipient == recipient)
    return list(session.exec(query))


def _link(session: Session, phone: str) -> str:
    """The survey path in the newest SMS to this number."""
    bodies = [m.body for m in _messages(session, phone) if m.kind is OutboxKind.SMS]
    found = LINK.findall(bodies[-1])
    assert found, bodies[-1]
    return f"/survey/{found[-1]}"


def _reload(session: Session, ticket: Ticket) -> Ticket:
    session.expire_all()
    fresh = session.get(Ticket, ticket.id)
    assert fresh is not None
    return fresh


def _answer(client: TestClient, path: str, answers: dict[str, str]) -> int:
    return int(submit(client, path, path, answers).status_code)


def test_each_co_requester_gets_the_reply_and_an_own_link_once(
    session: Session, settings: Settings
) -> None:
    settings = _settings(settings)
    _unit, ticket, online, by_phone = _world(session)

    assert jobs.send_survey_links(session, settings) == 3  # the requester and two co-requesters
    session.commit()
    sms, email = _messages(session, online.phone) + _messages(session, online.email)
    assert (sms.kind, email.kind) == (OutboxKind.SMS, OutboxKind.EMAIL)
    assert ticket.number in sms.body and ticket.number in email.subject
    assert "已查处" in email.body  # the unit's reply, as the requester's e-mail carries it
    assert LINK.findall(sms.body) == LINK.findall(email.body)  # one link for one person
    (phoned,) = _messages(session, by_phone.phone)
    assert phoned.kind is OutboxKind.SMS and LINK.findall(phoned.body)

    # Three people, three different links; the database keeps only hashes.
    tokens = {LINK.findall(m.body)[0] for m in _messages(session) if m.kind is OutboxKind.SMS}
    assert len(tokens) == 3
    stored = session.exec(select(SurveyToken.token_hash)).all()
    assert len(stored) == 3 and not tokens & set(stored)
    owners = session.exec(select(SurveyToken.co_requester_id)).all()
    assert sorted(owners, key=lambda o: o or 0) == [None, online.id, by_phone.id]

    # The job runs every few minutes and sends nothing new.
    before = len(_messages(session))
    assert jobs.send_survey_links(session, settings) == 0
    session.commit()
    assert len(_messages(session)) == before


def test_co_requesters_of_a_hotline_ticket_get_links_though_the_requester_is_called(
    session: Session, settings: Settings
) -> None:
    _unit, ticket, online, by_phone = _world(session, channel=Channel.HOTLINE)
    assert jobs.send_survey_links(session, settings) == 2
    session.commit()
    recipients = {m.recipient for m in _messages(session)}
    assert recipients == {online.phone, online.email, by_phone.phone}
    assert ticket.requester_phone not in recipients  # operators call the requester back


def test_a_co_requesters_answer_is_feedback_and_the_requester_decides(
    client: TestClient, session: Session, settings: Settings
) -> None:
    settings = _settings(settings)
    unit, ticket, online, by_phone = _world(session)
    with clock.frozen(START):
        jobs.send_survey_links(session, settings)
        session.commit()
        mine, theirs = _link(session, online.phone), _link(session, by_phone.phone)
        requester = _link(session, ticket.requester_phone)

        page = client.get(mine)
        assert page.status_code == 200 and "已查处" in page.text  # the reply, to read
        assert online.phone not in page.text and online.name not in page.text
        assert _answer(client, mine, DISSATISFIED) == 200
        # Feedback only: the ticket still waits for its callback; no rating was made.
        assert _reload(session, ticket).status is Status.PENDING_CALLBACK
        assert session.exec(select(Callback)).first() is None
        day = metrics.day_period(date(2026, 11, 30), date(2026, 11, 30), TZ)
        assert metrics.callback_rates(session, day, metrics.Dimension.UNIT) == []
        assert client.get(mine).status_code == 404  # one time only
        token = csrf_of(client.get(theirs).text)
        again = client.post(mine, data={**SATISFIED, "csrf_token": token})
        assert again.status_code == 404

        assert _answer(client, requester, SATISFIED) == 200
    fresh = _reload(session, ticket)
    assert fresh.status is Status.CLOSED
    (callback,) = session.exec(select(Callback)).all()
    assert (callback.satisfied, callback.unit_id) == ("satisfied", unit.id)
    (row,) = metrics.callback_rates(session, day, metrics.Dimension.UNIT)
    assert (row.key, row.answered, row.satisfied) == (unit.id, 1, 1)

    # Closing tells each co-requester by the contacts they left; the requester, who can
    # follow the tracking page, gets no extra message.
    closed = [m for m in _messages(session) if m.payload["template"] == "co_requester_closed"]
    assert sorted((m.kind.value, m.recipient) for m in closed) == [
        ("email", online.email),
        ("sms", by_phone.phone),
        ("sms", online.phone),
    ]
    assert all(ticket.number in m.body for m in closed)

    # The other co-requester may still say how it went after the ticket closed.
    assert _answer(client, theirs, SATISFIED) == 200
    answers = session.exec(select(CoRequesterAnswer).order_by(col(CoRequesterAnswer.id))).all()
    assert [(a.co_requester_id, a.satisfied, a.decided) for a in answers] == [
        (online.id, "dissatisfied", False),
        (by_phone.id, "satisfied", False),
    ]
    assert len(session.exec(select(Callback)).all()) == 1
    assert _reload(session, ticket).status is Status.CLOSED


def test_without_a_reachable_requester_the_first_co_requester_decides(
    client: TestClient, session: Session, settings: Settings
) -> None:
    settings = _settings(settings)
    unit, ticket, online, by_phone = _world(session, anonymous=True)
    with clock.frozen(START):
        assert jobs.send_survey_links(session, settings) == 2  # nobody to send the requester's
        session.commit()
        first, second = _link(session, online.phone), _link(session, by_phone.phone)
        assert _answer(client, first, DISSATISFIED) == 200

    # The answer rated the unit and sent the ticket back for re-handling (重办).
    fresh = _reload(session, ticket)
    assert fresh.status is Status.HANDLING
    (callback,) = session.exec(select(Callback)).all()
    assert (callback.satisfied, callback.channel, callback.unit_id) == (
        "dissatisfied",
        "web",
        unit.id,
    )
    (decided,) = session.exec(select(CoRequesterAnswer)).all()
    assert decided.decided and decided.co_requester_id == online.id
    assert client.get(second).status_code == 404  # not while the ticket is re-handled

    # The unit replies again: a new round, with the new reply and new links for both.
    actor = tickets.Actor.system()
    with clock.frozen(START + timedelta(days=2)):
        fresh.public_reply = ""
        tickets.transition(
            session, fresh, Action.SUBMIT_REPLY, actor=actor, changes={"public_reply": "已退款"}
        )
        tickets.transition(session, fresh, Action.ACCEPT_REPLY, actor=actor)
        session.commit()
        assert jobs.send_survey_links(session, settings) == 2
        session.commit()
        assert jobs.send_survey_links(session, settings) == 0
        newest = [m for m in _messages(session, online.email)][-1]
        assert "已退款" in newest.body
        third, fourth = _link(session, online.phone), _link(session, by_phone.phone)
        assert client.get(second).status_code == 404  # the unused older link was replaced
        assert _answer(client, fourth, SATISFIED) == 200
        assert _answer(client, third, DISSATISFIED) == 200

    # The first answer of the round decided; the later one is feedback only.
    # Round 1 (dissatisfied) is kept beside round 2 (satisfied), never overwritten.
    fresh = _reload(session, ticket)
    assert fresh.status is Status.CLOSED
    rounds = session.exec(select(Callback).order_by(col(Callback.round))).all()
    assert [(c.round, c.satisfied) for c in rounds] == [(1, "dissatisfied"), (2, "satisfied")]
    answers = session.exec(select(CoRequesterAnswer).order_by(col(CoRequesterAnswer.id))).all()
    assert [(a.co_requester_id, a.decided) for a in answers] == [
        (online.id, True),
        (by_phone.id, True),
        (online.id, False),
    ]


def test_an_unreachable_requester_closing_the_ticket_tells_the_co_requesters(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _unit, ticket, online, by_phone = _world(session, channel=Channel.HOTLINE)
    sign_in(client, make_user(session, username="op", role=Role.OPERATOR))
    session.commit()
    page = f"/staff/callbacks/{ticket.number}"
    for _attempt in range(settings.callback_max_attempts):
        assert submit(client, page, f"{page}/attempt", {"outcome": "no_answer"}).status_code == 303
    assert _reload(session, ticket).status is Status.CLOSED
    told = {m.recipient for m in _messages(session) if m.payload["template"].endswith("closed")}
    assert told == {online.phone, online.email, by_phone.phone}


def test_the_staff_ticket_page_shows_co_requester_answers_masked(
    client: TestClient, session: Session, settings: Settings
) -> None:
    settings = _settings(settings)
    unit, ticket, online, _by_phone = _world(session)
    jobs.send_survey_links(session, settings)
    session.commit()
    comment = "<b>路灯</b>还是不亮"
    assert (
        _answer(client, _link(session, online.phone), {**DISSATISFIED, "comment": comment}) == 200
    )
    assert _answer(client, _link(session, ticket.requester_phone), SATISFIED) == 200

    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    page = client.get(f"/staff/tickets/{ticket.number}", headers={"Accept-Language": "en"}).text
    section = page.split('id="callback"')[1].split("</section>")[0]
    assert section.count('data-answer="callback"') == 1
    assert section.count('data-answer="co_requester"') == 1
    assert "Own feedback: not counted in any rate." in section
    assert "王*" in section and "139****5678" in section  # masked like the requester
    assert online.phone.removeprefix("+86") not in page and online.email not in page
    assert "&lt;b&gt;路灯&lt;/b&gt;还是不亮" in section  # escaped
    zh = client.get(f"/staff/tickets/{ticket.number}", headers={"Accept-Language": "zh-CN"})
    assert "本人反馈，不计入任何考核指标" in zh.text

    # A confidential ticket reaches the handling unit without anyone's identity.
    fresh = _reload(session, ticket)
    fresh.confidential = True
    session.commit()
    sign_in(client, make_user(session, username="h", role=Role.HANDLER, unit=unit))
    page = client.get(f"/staff/tickets/{ticket.number}").text
    section = page.split('id="callback"')[1].split("</section>")[0]
    assert 'data-answer="co_requester"' in section and "王*" not in section
    assert "139****5678" not in page


def test_a_link_submitted_twice_at_once_answers_once(session: Session, settings: Settings) -> None:
    settings = _settings(settings)
    _unit, ticket, online, _by_phone = _world(session)
    jobs.send_survey_links(session, settings)
    session.commit()
    token = _link(session, online.phone).removeprefix("/survey/")
    # Both requests found the link unused before either wrote its answer.
    first, second = callbacks.survey_for(session, token), callbacks.survey_for(session, token)
    assert first is not None and second is not None
    answers = callbacks.Answers(
        contacted=True, resolved=Resolution.RESOLVED, satisfied=Satisfaction.SATISFIED
    )
    emails = make_templates(settings).env
    outcome = callbacks.answer_survey(session, *first, answers, settings=settings, emails=emails)
    assert outcome is callbacks.Outcome.RECORDED
    with pytest.raises(callbacks.CallbackError):
        callbacks.answer_survey(session, *second, answers, settings=settings, emails=emails)
    session.commit()
    assert len(session.exec(select(CoRequesterAnswer)).all()) == 1
    assert _reload(session, ticket).status is Status.PENDING_CALLBACK
