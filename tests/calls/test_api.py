"""POST /api/v1/calls: API key, one record / array / NDJSON / CSV, idempotent, bad rows listed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth import service as auth
from service.calls.models import CallerRole, CallRecord, Outcome, TicketCall
from tests.auth.staff import quick_ticket


@pytest.fixture
def key(session: Session) -> str:
    _, plain = auth.create_api_key(session, name="telephony")
    session.commit()
    return plain


def _record(call_id: str, **change: object) -> dict[str, object]:
    started = clock.now() - timedelta(minutes=10)
    record: dict[str, object] = {
        "call_id": call_id,
        "caller_number": "13912345678",
        "called_number": "12345",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=4)).isoformat(),
        "agent": "op-wang",
        "direction": "inbound",
        "outcome": "answered",
        "recording_url": f"https://pbx.example/{call_id}.wav",
    }
    record.update(change)
    return record


def test_the_api_key_is_required_in_either_header(client: TestClient, key: str) -> None:
    body = _record("C1")
    assert client.post("/api/v1/calls", json=body).status_code == 401
    wrong = client.post("/api/v1/calls", json=body, headers={"X-API-Key": "civic_wrong"})
    assert wrong.status_code == 401 and "API key" in wrong.json()["detail"]
    ok = client.post("/api/v1/calls", json=body, headers={"Authorization": f"Bearer {key}"})
    assert ok.status_code == 200
    again = client.post("/api/v1/calls", json=body, headers={"X-API-Key": key})
    assert again.json()["duplicates"] == 1


def test_one_record_an_array_and_ndjson_sending_again_changes_nothing(
    client: TestClient, session: Session, key: str
) -> None:
    headers = {"X-API-Key": key}
    one = client.post("/api/v1/calls", json=_record("C1"), headers=headers).json()
    assert one == {"inserted": 1, "duplicates": 0, "invalid": [], "linked_to_tickets": 0}
    array = client.post(
        "/api/v1/calls", json=[_record("C1"), _record("C2"), _record("C3")], headers=headers
    ).json()
    assert (array["inserted"], array["duplicates"]) == (2, 1)
    lines = "\n".join(json.dumps(_record(f"C{i}")) for i in range(1, 6)) + "\n"
    ndjson = client.post(
        "/api/v1/calls",
        content=lines.encode(),
        headers={**headers, "Content-Type": "application/x-ndjson"},
    ).json()
    assert (ndjson["inserted"], ndjson["duplicates"]) == (2, 3)
    assert len(session.exec(select(CallRecord)).all()) == 5
    stored = session.exec(select(CallRecord).where(CallRecord.call_id == "C1")).one()
    assert stored.outcome is Outcome.ANSWERED and stored.started_at.tzinfo is not None


def test_bad_records_are_listed_by_position_and_the_rest_are_stored(
    client: TestClient, session: Session, key: str
) -> None:
    body = [_record("C1"), _record("C2", outcome="lost"), "text", {**_record("C4"), "call_id": ""}]
    response = client.post("/api/v1/calls", json=body, headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.json()["invalid"] == [
        {"line": 2, "error": "outcome: must be answered, missed or abandoned"},
        {"line": 3, "error": "expected a JSON object"},
        {"line": 4, "error": "missing call_id"},
    ]
    assert [c.call_id for c in session.exec(select(CallRecord))] == ["C1"]


def test_a_body_with_no_valid_record_is_422_and_garbage_is_400(
    client: TestClient, key: str
) -> None:
    headers = {"X-API-Key": key}
    bad = client.post("/api/v1/calls", json=[_record("C1", started_at="soon")], headers=headers)
    assert bad.status_code == 422 and bad.json()["invalid"][0]["line"] == 1
    garbage = client.post(
        "/api/v1/calls",
        content=b"{nope",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert garbage.status_code == 400 and "not valid JSON" in garbage.json()["detail"]
    xml = client.post(
        "/api/v1/calls", content=b"<call/>", headers={**headers, "Content-Type": "text/xml"}
    )
    assert xml.status_code == 415


def test_a_ticket_written_during_the_call_is_linked_when_the_record_arrives(
    client: TestClient, session: Session, key: str
) -> None:
    # Stored numbers are E.164 (service.intake.phones); the record sends them as dialled.
    ticket = quick_ticket(session, number="BT2611290001", phone="+8613912345678")
    session.add(
        TicketCall(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            caller_phone="+8613912345678",
            role=CallerRole.REQUESTER,
            created_at=clock.now() - timedelta(minutes=8),
        )
    )
    session.commit()
    other_caller = _record("C0", caller_number="13700000000")
    response = client.post(
        "/api/v1/calls", json=[other_caller, _record("C1")], headers={"X-API-Key": key}
    )
    assert response.json()["linked_to_tickets"] == 1
    session.expire_all()
    link = session.exec(select(TicketCall)).one()
    record = session.exec(select(CallRecord).where(CallRecord.call_id == "C1")).one()
    assert link.call_id == record.id
