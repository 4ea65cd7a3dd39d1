"""The staff ticket page: PII masked by default, unmasking logged with a reason, confidential
tickets without the requester for handlers, deputies never see PII."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from service.auth.models import PiiAccess, Role
from service.config import Settings
from tests.auth.staff import csrf_token, make_user, quick_ticket, sign_in_as
from tests.factories import make_unit

NUMBER = "BT2611290001"


def _unmask(client: TestClient, reason: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/staff/tickets/{NUMBER}")
    return client.post(
        f"/staff/tickets/{NUMBER}/unmask", data={"csrf_token": token, "reason": reason}
    )


def test_pii_is_masked_until_unmasked_with_a_reason_which_is_logged(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dispatcher = make_user(session, username="disp", role=Role.DISPATCHER)
    quick_ticket(session, number=NUMBER, name="张三丰", phone="13812340000")
    session.commit()
    sign_in_as(client, session, settings, dispatcher)
    page = client.get(f"/staff/tickets/{NUMBER}").text
    assert "张**" in page and "138****0000" in page
    assert "13812340000" not in page and "张三丰" not in page

    refused = _unmask(client, "")
    assert "请填写理由" in refused.text and "13812340000" not in refused.text
    assert session.exec(select(PiiAccess)).all() == []

    shown = _unmask(client, "need to call the requester back")
    assert "13812340000" in shown.text and "张三丰" in shown.text
    log = session.exec(select(PiiAccess)).one()
    assert log.user_id == dispatcher.id and log.reason == "need to call the requester back"
    # Another user cannot reuse someone else's log entry to see the data.
    other = make_user(session, username="disp2", role=Role.DISPATCHER)
    session.commit()
    sign_in_as(client, session, settings, other)
    assert "13812340000" not in client.get(f"/staff/tickets/{NUMBER}?reveal={log.id}").text


def test_the_pii_access_log_cannot_be_rewritten(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = make_user(session, username="disp", role=Role.DISPATCHER)
    quick_ticket(session, number=NUMBER)
    session.commit()
    sign_in_as(client, session, settings, user)
    _unmask(client, "callback")
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE pii_access_log SET reason = 'nothing'"))
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM pii_access_log"))
    session.rollback()


def test_confidential_requesters_are_withheld_from_handlers_and_deputies_never_see_pii(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session, code="M-SAMR")
    handler = make_user(session, username="h", role=Role.HANDLER, unit=unit)
    deputy = make_user(session, username="d", role=Role.DEPUTY)
    quick_ticket(session, number=NUMBER, lead=unit, confidential=True, phone="13812340000")
    session.commit()
    sign_in_as(client, session, settings, handler)
    page = client.get(f"/staff/tickets/{NUMBER}").text
    assert "诉求人身份已保密" in page and "138****0000" not in page and "张**" not in page
    assert _unmask(client, "I want to see it").status_code == 403
    sign_in_as(client, session, settings, deputy)
    page = client.get(f"/staff/tickets/{NUMBER}").text
    assert "诉求人身份已保密" in page and "138****0000" not in page
