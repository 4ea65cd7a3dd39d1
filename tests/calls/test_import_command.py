"""`civic import-calls FILE`: batches, a progress bar, one summary line, idempotent on call_id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bench.import_calls import generate
from service import cli
from service.calls.models import CallRecord
from service.db import make_engine

ROWS = 2_000


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("CIVIC_DATABASE_URL", db_url)
    monkeypatch.setenv("CIVIC_DATA_DIR", str(tmp_path))
    return db_url


def _count(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(CallRecord)).one()
    engine.dispose()
    return count


def test_a_generated_file_loads_and_a_second_run_changes_nothing(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "calls.jsonl"
    generate(data, ROWS)
    assert cli.main(["import-calls", str(data)]) == 0
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == f"inserted {ROWS}, duplicates 0, invalid 0"
    assert "import-calls" in err and "rows" in err  # the tqdm progress bar, on stderr
    assert _count(env) == ROWS
    assert cli.main(["import-calls", str(data), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"inserted 0, duplicates {ROWS}, invalid 0"
    assert err == ""
    assert _count(env) == ROWS


def test_broken_rows_are_listed_with_their_line_and_the_good_ones_load(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "calls.jsonl"
    generate(data, 300, broken_every=100)  # lines 100, 200 and 300 have a bad start time
    with data.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
        handle.write("\n")
        handle.write(json.dumps(["a list"]) + "\n")
    assert cli.main(["import-calls", str(data), "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "inserted 297, duplicates 0, invalid 5"
    assert err.splitlines() == [
        "calls.jsonl:100: started_at: expected an ISO 8601 date and time",
        "calls.jsonl:200: started_at: expected an ISO 8601 date and time",
        "calls.jsonl:300: started_at: expected an ISO 8601 date and time",
        "calls.jsonl:301: not valid JSON: Expecting property name enclosed in double quotes",
        "calls.jsonl:303: expected a JSON object",
    ]
    assert _count(env) == 297


def test_csv_files_load_with_their_line_numbers(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "export.csv"
    data.write_text(
        "call_id,caller_number,called_number,started_at,ended_at,agent,direction,outcome,"
        "recording_url\n"
        "A1,13912345678,12345,2025-06-01T10:00:00,2025-06-01T10:03:00,op1,inbound,answered,\n"
        "A2,13912345679,12345,2025-06-01T10:05:00,,op1,inbound,missed,\n"
        "A3,13912345670,12345,2025-06-01 10:06,,op1,inbound,dropped,\n"
        "A1,13912345678,12345,2025-06-01T10:00:00,2025-06-01T10:03:00,op1,inbound,answered,\n",
        encoding="utf-8",
    )
    assert cli.main(["import-calls", str(data), "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "inserted 2, duplicates 1, invalid 1"
    assert err.strip() == "export.csv:4: outcome: must be answered, missed or abandoned"


def test_unusable_files_are_one_clear_line(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import-calls", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("id,number\n1,2\n", encoding="utf-8")
    assert cli.main(["import-calls", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        "civic: bad.csv: CSV header lacks the columns call_id, caller_number, started_at, outcome"
    )
