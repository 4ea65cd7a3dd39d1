"""The civic command: migrate, seed, accounts and keys; mistakes are one line and exit 2."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from service import cli
from service.auth.models import ApiKey, Role, User
from service.auth.secrets import hash_api_key, verify_password
from service.db import make_engine
from service.tickets.models import Ticket


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("CIVIC_DATABASE_URL", db_url)
    monkeypatch.setenv("CIVIC_DATA_DIR", str(tmp_path))
    return db_url


def test_user_create_reads_the_password_from_stdin(
    env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    code = cli.main(
        ["user", "create", "--username", "wang", "--role", "operator", "--password-stdin"]
    )
    assert code == 0
    assert "created operator wang" in capsys.readouterr().out
    engine = make_engine(env)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "wang")).one()
        assert user.role is Role.OPERATOR
        assert verify_password("correct horse battery", user.password_hash)
    engine.dispose()


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--role", "handler"], "long enough pw\n", "a handler needs --unit"),
        (["--role", "handler", "--unit", "NOPE"], "long enough pw\n", "unknown unit 'NOPE'"),
        (["--role", "operator"], "short\n", "at least 10 characters"),
        (["--role", "operator", "--unit", "M-SAMR"], "long enough pw\n", "only handlers"),
    ],
)
def test_user_mistakes_are_one_clear_line(
    env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["user", "create", "--username", "li", "--password-stdin", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_api_key_is_the_last_line_and_stored_hashed(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["api-key", "create", "--name", "telephony"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("civic_") and len(key) > 40
    engine = make_engine(env)
    with Session(engine) as session:
        stored = session.exec(select(ApiKey)).one()
        assert stored.key_hash == hash_api_key(key) and key not in stored.key_hash
    engine.dispose()


def test_prod_refuses_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CIVIC_ENV", "prod")
    monkeypatch.delenv("CIVIC_SECRET_KEY", raising=False)
    assert cli.main(["migrate"]) == 2
    assert "CIVIC_SECRET_KEY" in capsys.readouterr().err


def test_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CIVIC_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert cli.main(["seed-demo"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("civic: cannot reach the database") and "Traceback" not in err


def test_seed_demo_with_activity_lives_a_history_once(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["seed-demo", "--activity", "--months", "1", "--tickets", "12", "--seed", "3"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "seeded Baotou" in out and "demo history:" in out and "closed" in out
    engine = make_engine(env)
    with Session(engine) as session:
        tickets = session.exec(select(func.count()).select_from(Ticket)).one()
    assert tickets >= 8
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "demo city already present" in out and "no demo history added" in out
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Ticket)).one() == tickets
    engine.dispose()


def test_seed_demo_activity_needs_a_positive_number_of_months(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["seed-demo", "--activity", "--months", "0"])
    assert exit_.value.code == 2
    assert "expected a whole number of at least 1, got '0'" in capsys.readouterr().err
