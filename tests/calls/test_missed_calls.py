"""Missed and abandoned calls are returned; who called back, when and with what result."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.auth.models import Role
from service.calls.models import CallbackOutcome, CallRecord, Direction, Outcome
from service.config import Settings
from tests.auth.staff import csrf_token, make_user, sign_in_as


def _call(
    session: Session, call_id: str, outcome: Outcome, minutes_ago: int, number: str
) -> CallRecord:
    call = CallRecord(
        call_id=call_id,
        caller_number=number,
        started_at=clock.now() - timedelta(minutes=minutes_ago),
        direction=Direction.INBOUND,
        outcome=outcome,
        received_at=clock.now(),
    )
    session.add(call)
    session.flush()
    return call


def test_the_call_back_list_and_marking_calls_returned(
    client: TestClient, session: Session, settings: Settings
) -> None:
    operator = make_user(session, username="op-li", role=Role.OPERATOR)
    missed = _call(session, "M1", Outcome.MISSED, 30, "13911110001")
    abandoned = _call(session, "M2", Outcome.ABANDONED, 20, "13911110002")
    _call(session, "A1", Outcome.ANSWERED, 10, "13911110003")
    withheld = _call(session, "M3", Outcome.MISSED, 5, "")
    session.commit()
    sign_in_as(client, session, settings, operator)

    page = client.get("/staff/calls/missed").text
    assert re.findall(r"1391111000\d", page)[::2] == ["13911110001", "13911110002"]
    assert "待回拨的未接来电 (2)" in page
    assert f"call_pk={withheld.id}" not in page and "13911110003" not in page

    token = csrf_token(client, "/staff/calls/missed")
    no_answer = client.post(
        f"/staff/calls/{missed.id}/callback",
        data={"csrf_token": token, "outcome": "no_answer", "note": ""},
    )
    assert "13911110001" in no_answer.text  # still on the list, with the attempt shown
    assert "无人接听" in no_answer.text
    reached = client.post(
        f"/staff/calls/{missed.id}/callback",
        data={"csrf_token": token, "outcome": "reached", "note": "已解答"},
    )
    assert "13911110001" not in reached.text
    session.refresh(missed)
    assert missed.callback_attempts == 2
    assert missed.callback_outcome is CallbackOutcome.REACHED
    assert missed.callback_by_id == operator.id and missed.callback_closed_at is not None
    assert missed.callback_note == "已解答"

    again = client.post(
        f"/staff/calls/{missed.id}/callback", data={"csrf_token": token, "outcome": "reached"}
    )
    assert again.status_code == 409
    no_choice = client.post(
        f"/staff/calls/{abandoned.id}/callback",
        data={"csrf_token": token, "outcome": ""},
    )
    assert "请选择回拨结果" in no_choice.text
