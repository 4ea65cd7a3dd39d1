"""Filing under concurrent load through a real server: every filing 201 or 503, none lost.

`civic serve --workers 2` (the installed command, two worker processes) on the test database,
with the demo city; many threads post at once. Afterwards the database is read back: every
number a citizen was given is there exactly once, and each day's numbers run 1, 2, 3 ...
without a gap or a repeat.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from bench.load import complaint
from bench.servers import Server, civic_command, free_port
from service.db import make_engine, session_scope
from service.intake.models import IdempotencyKey
from service.seed.demo import seed_demo
from service.tickets.models import Ticket
from tests.conftest import TEST_SECRET

THREADS = 16
FILINGS_PER_THREAD = 10


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[Server]:
    """The demo city behind `civic serve --workers 2`; stopped after the test."""
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        seed_demo(session)
    engine.dispose()
    port = free_port()
    server = Server(
        [*civic_command(), "serve", "--workers", "2", "--port", str(port), "--no-access-log"],
        port=port,
        env={
            "CIVIC_DATABASE_URL": db_url,
            "CIVIC_DATA_DIR": str(tmp_path / "data"),
            "CIVIC_ENV": "test",
            "CIVIC_SECRET_KEY": TEST_SECRET,
            "CIVIC_RATE_LIMIT_PER_IP_PER_HOUR": "1000000",
            "CIVIC_RATE_LIMIT_PER_PHONE_PER_DAY": "1000000",
        },
        log=tmp_path / "server.log",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _numbers_by_day(db_url: str) -> dict[str, list[int]]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        numbers = session.exec(select(Ticket.number)).all()
    engine.dispose()
    days: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        days[number[:8]].append(int(number[8:]))
    return days


def test_filings_from_many_threads_are_each_stored_once_and_numbered_without_gaps(
    served: Server, db_url: str
) -> None:
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def citizen(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=served.url, timeout=60.0) as client:
            start.wait()
            for _ in range(FILINGS_PER_THREAD):
                response = client.post("/api/v1/complaints", json=complaint(rng))
                with lock:
                    answers.append(response)

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) <= {201, 503}, statuses
    assert all(r.headers.get("Retry-After") for r in answers if r.status_code == 503)
    given = [r.json()["number"] for r in answers if r.status_code == 201]
    assert len(given) == statuses[201] and len(set(given)) == len(given)
    days = _numbers_by_day(db_url)
    stored = [f"BT{day[2:]}{n:04d}" for day, ns in days.items() for n in ns]
    assert Counter(stored) == Counter(given), "every answered number is stored exactly once"
    for day, sequence in days.items():
        assert sorted(sequence) == list(range(1, len(sequence) + 1)), f"gap or repeat on {day}"


def test_killing_the_server_during_a_burst_loses_no_filing_and_makes_no_duplicate(
    served: Server, db_url: str
) -> None:
    """Each citizen app retries with its Idempotency-Key until it has an answer; the server
    is killed with SIGKILL twice mid-burst and started again on the same port."""
    keys = [f"load-{uuid.uuid4().hex}" for _ in range(64)]
    answered: dict[str, str] = {}
    lock = threading.Lock()
    progress = threading.Semaphore(0)

    def app_client(mine: list[str], index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=served.url, timeout=30.0) as client:
            for key in mine:
                body = complaint(rng)
                for _attempt in range(600):
                    try:
                        response = client.post(
                            "/api/v1/complaints", json=body, headers={"Idempotency-Key": key}
                        )
                    except httpx.TransportError:
                        threading.Event().wait(0.05)  # the server is down; try again
                        continue
                    if response.status_code == 503:
                        threading.Event().wait(0.05)
                        continue
                    assert response.status_code in (200, 201), response.text
                    with lock:
                        answered[key] = response.json()["number"]
                    progress.release()
                    break

    shares = [keys[i::8] for i in range(8)]
    threads = [threading.Thread(target=app_client, args=(s, i)) for i, s in enumerate(shares)]
    for thread in threads:
        thread.start()
    for _crash in range(2):
        for _ in range(16):  # wait for sixteen more answers, then crash the server
            assert progress.acquire(timeout=120), "filings stopped coming back"
        served.kill()
        served.start()
    for thread in threads:
        thread.join()

    assert sorted(answered) == sorted(keys), "every complaint got its answer"
    engine = make_engine(db_url)
    with Session(engine) as session:
        tickets = session.exec(select(func.count()).select_from(Ticket)).one()
        stored = dict(
            session.execute(
                select(col(IdempotencyKey.key), col(Ticket.number)).join(
                    Ticket, col(Ticket.id) == col(IdempotencyKey.ticket_id)
                )
            ).all()
        )
    engine.dispose()
    assert tickets == len(keys), "one ticket per complaint, none twice"
    assert {f"api:{k}": n for k, n in answered.items()} == stored
