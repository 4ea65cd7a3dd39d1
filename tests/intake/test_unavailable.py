"""When the database cannot take a filing: 503 with Retry-After, nothing half-written, nothing lost.

SQLite: another program holds the write lock past the busy timeout. PostgreSQL: the server does
not answer. Either way the citizen is told to send again; the portal's form comes back with
everything typed, and sending it again once the database is free files it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from service.app import create_app
from service.config import load_settings
from service.tickets.models import Ticket
from tests.conftest import TEST_SECRET
from tests.intake.helpers import complaint_fields, open_form, seed_city


@pytest.fixture
def sqlite_path(db_url: str, session: Session) -> Path:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL's outage is the test below")
    seed_city(session)
    session.commit()
    return Path(db_url.split("///", 1)[1])


@pytest.fixture
def impatient(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app with a short wait for the write lock, so a held lock answers within the test."""
    settings = load_settings(
        env="test",
        database_url=db_url,
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        database_busy_seconds=0.3,
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def locked(sqlite_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program's open write transaction on the database file."""
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.rollback()
        other.close()


def _tickets(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Ticket)).one()


API_BODY = {
    "type": "complaint",
    "category": "MR.FAKE",
    "title": "超市卖假酒",
    "description": "在超市买到假冒白酒，瓶盖与正品不同。",
    "district": "150203",
    "street": "150203001",
    "anonymous": True,
}


def test_api_answers_503_with_retry_after_while_the_write_lock_is_held(
    impatient: TestClient, locked: sqlite3.Connection, session: Session
) -> None:
    response = impatient.post("/api/v1/complaints", json=API_BODY)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert "尚未保存" in response.json()["detail"]  # "nothing was saved", in Chinese
    locked.rollback()
    assert _tickets(session) == 0, "nothing half-written"
    again = impatient.post("/api/v1/complaints", json=API_BODY)
    assert again.status_code == 201 and _tickets(session) == 1


def test_portal_keeps_everything_typed_and_files_when_sent_again(
    impatient: TestClient, locked: sqlite3.Connection, session: Session
) -> None:
    _html, hidden = open_form(impatient)
    fields = {
        **complaint_fields(title="超市卖假酒第二次", description="瓶盖与正品不同，已保留小票。"),
        **hidden,
        "step": "file",
    }
    refused = impatient.post("/complaints/new", data=fields)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    page = refused.text
    assert "系统当前繁忙" in page
    typed_in = ("超市卖假酒第二次", "瓶盖与正品不同，已保留小票。", "13812345678", "钢铁大街 12 号")
    for typed in typed_in:
        assert typed in page, typed
    assert hidden["submission_id"] in page, "the same submission, so a resend files it once"
    locked.rollback()
    assert _tickets(session) == 0
    filed = impatient.post("/complaints/new", data=fields)
    assert filed.status_code == 201 and _tickets(session) == 1


def test_api_and_health_answer_503_when_postgresql_does_not_answer(tmp_path: Path) -> None:
    # Port 9 (discard) has no PostgreSQL: every connection attempt is refused at once.
    settings = load_settings(
        env="test",
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/none",
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        database_busy_seconds=0.5,
    )
    with TestClient(create_app(settings)) as client:
        filed = client.post("/api/v1/complaints", json=API_BODY)
        health = client.get("/healthz")
        track = client.get("/track")
    assert filed.status_code == 503 and filed.headers["Retry-After"] == "5"
    assert filed.json()["detail"]
    assert health.status_code == 503 and health.json()["database"] == "down"
    assert track.status_code in (200, 503) and track.status_code != 500
