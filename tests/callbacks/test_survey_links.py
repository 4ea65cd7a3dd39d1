"""Survey links reach the citizen: the token and its SMS/e-mail are queued together, once,
and never for a ticket without a requester to send them to."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service.auth.models import Role
from service.callbacks import jobs
from service.callbacks import service as callbacks
from service.callbacks.models import SurveyToken
from service.config import Settings
from service.notifications.models import Outbox, OutboxKind
from service.tickets import service as tickets
from service.tickets.models import Channel
from service.web.templating import make_templates
from tests.callbacks.helpers import make_user, sign_in, ticket_awaiting_callback
from tests.factories import make_unit

LINK = re.compile(r"https://12345\.baotou\.example/survey/[A-Za-z0-9_-]+")


def _messages(session: Session) -> list[Outbox]:
    return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


def test_the_link_goes_by_sms_and_e_mail_with_the_token_and_works_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    settings = settings.model_copy(update={"public_url": "https://12345.baotou.example/"})
    ticket = ticket_awaiting_callback(
        session, make_unit(session), channel=Channel.WEB, email="zhang@example.com"
    )
    session.commit()

    assert jobs.send_survey_links(session, settings) == 1
    session.commit()
    sms, email = _messages(session)
    assert (sms.kind, sms.recipient) == (OutboxKind.SMS, "13800000000")
    assert (email.kind, email.recipient) == (OutboxKind.EMAIL, "zhang@example.com")
    assert ticket.number in sms.body and ticket.number in email.subject
    (url,) = LINK.findall(sms.body)
    assert LINK.findall(email.body) == [url]  # one token, the same link in both
    assert "已查处" in email.body  # the reply the citizen is asked about
    assert session.exec(select(SurveyToken)).one().ticket_id == ticket.id
    # The staff timeline says what was queued, without the token or the contacts.
    event = [e for e in tickets.events_of(session, ticket.id or 0) if e.action == "survey_link"]
    assert event[0].data["queued"] == ["sms", "email"]

    # The job runs every few minutes: the next runs queue nothing more.
    assert jobs.send_survey_links(session, settings) == 0
    session.commit()
    assert len(_messages(session)) == 2

    path = url.removeprefix("https://12345.baotou.example")
    page = client.get(path)
    assert (
        page.status_code == 200 and ticket.number in page.text and 'name="satisfied"' in page.text
    )


def test_anonymous_and_unreachable_tickets_get_no_link_and_no_message(
    session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    anonymous = ticket_awaiting_callback(session, unit, channel=Channel.WEB)
    anonymous.anonymous = True
    no_contact = ticket_awaiting_callback(session, unit, channel=Channel.WEB, phone="")
    by_phone = ticket_awaiting_callback(session, unit, channel=Channel.HOTLINE)
    session.commit()

    assert jobs.send_survey_links(session, settings) == 0
    session.commit()
    assert _messages(session) == [] and session.exec(select(SurveyToken)).all() == []
    # Issuing one by hand is refused too, rather than making a link nobody receives.
    emails = make_templates(settings).env
    for ticket in (anonymous, no_contact):
        with pytest.raises(callbacks.CallbackError):
            callbacks.issue_survey(session, ticket, settings=settings, emails=emails)
    assert by_phone.channel is Channel.HOTLINE  # hotline callers are called back instead


def test_a_rolled_back_run_leaves_neither_token_nor_message(
    session: Session, settings: Settings
) -> None:
    ticket_awaiting_callback(session, make_unit(session), channel=Channel.WEB)
    session.commit()
    assert jobs.send_survey_links(session, settings) == 1
    session.rollback()
    assert _messages(session) == [] and session.exec(select(SurveyToken)).all() == []
    assert len(callbacks.tickets_needing_survey(session)) == 1


def test_the_staff_ticket_page_shows_only_that_a_link_was_sent(
    client: TestClient, session: Session, settings: Settings
) -> None:
    ticket = ticket_awaiting_callback(session, make_unit(session), channel=Channel.WEB)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    session.commit()
    jobs.send_survey_links(session, settings)
    session.commit()
    (sms,) = _messages(session)
    token = sms.body.rsplit("/survey/", 1)[1].split()[0]
    sign_in(client, supervisor)
    page = client.get(f"/staff/tickets/{ticket.number}").text
    assert "已发送满意度调查链接" in page and token not in page
