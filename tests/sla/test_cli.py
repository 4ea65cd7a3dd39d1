"""`civic calendar add-working-days START N` through run(argv)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from service.sla.cli import run


def test_prints_due_then_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["add-working-days", "2025-09-30T10:00", "4"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "2025-10-13T10:00:00+08:00",
        "start Tue 30 Sept 2025 10:00",  # CLDR's English abbreviation
        "skip Wed 1 Oct–Wed 8 Oct: National Day / Mid-autumn Festival holiday",
        "count Thu 9 Oct–Fri 10 Oct: working days 1–2",
        "count Sat 11 Oct: make-up working day for National Day (working day 3)",
        "skip Sun 12 Oct: weekend",
        "count Mon 13 Oct: working day 4",
        "due Mon 13 Oct 2025 10:00",
    ]
    due = datetime.fromisoformat(out.splitlines()[0])
    assert due.utcoffset() == timedelta(hours=8)


def test_prints_the_trace_in_chinese_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["add-working-days", "2025-09-30T10:00", "3", "--lang", "zh_CN"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "2025-10-11T10:00:00+08:00",
        "起算 2025-09-30（周二）10:00",
        "跳过 10月1日至8日：国庆节、中秋假期",
        "计入 10月9日至10日：第1–2个工作日",
        "计入 10月11日（周六）：国庆节调休上班，第3个工作日",
        "到期 2025-10-11（周六）10:00",
    ]


@pytest.mark.parametrize(
    ("argv", "first_line"),
    [
        (["calendar", "add-working-days", "2025-09-30T10:00", "1"], "2025-10-09T10:00:00+08:00"),
        (["add-working-days", "2025-09-30T10:00+08:00", "1"], "2025-10-09T10:00:00+08:00"),
        (["add-working-days", "2025-09-30T02:00Z", "1"], "2025-10-09T10:00:00+08:00"),
        (["add-working-days", "2025-09-30 10:00", "1"], "2025-10-09T10:00:00+08:00"),
        # 17:00 UTC is 01:00 on 1 Oct in Shanghai: a holiday start, due at close of business.
        (["add-working-days", "2025-09-30T17:00+00:00", "1"], "2025-10-09T17:30:00+08:00"),
        # A bare date means opening time (08:30) local.
        (["add-working-days", "2025-09-30", "1"], "2025-10-09T08:30:00+08:00"),
        (["add-working-days", "2025-10-01", "1"], "2025-10-09T17:30:00+08:00"),
        (["add-working-days", "2026-02-13T16:00", "2"], "2026-02-24T16:00:00+08:00"),
        (["add-working-days", "2025-09-30T10:00", "0"], "2025-09-30T10:00:00+08:00"),
    ],
)
def test_start_formats(
    argv: list[str], first_line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[0] == first_line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add-working-days", "not-a-date", "1"], "not an ISO 8601"),
        (["add-working-days", "2025-02-30", "1"], "not an ISO 8601"),
        (["add-working-days", "2025-09-30", "x"], "not a whole number"),
        (["add-working-days", "2025-09-30", "1.5"], "not a whole number"),
        (["add-working-days", "2025-09-30", "-3"], "must not be negative"),
        (["add-working-days", "2025-09-30", "1000000000"], "more than 100 years"),
        (["add-working-days", "9999-12-31T10:00", "5"], "after the year 9999"),
        (["add-working-days", "0001-01-01T00:00+14:00", "1"], "out of range"),
        (["add-working-days", "2025-09-30"], "required"),
        (["add-working-days", "2025-09-30", "1", "extra"], "unrecognized"),
        (["frobnicate"], "invalid choice"),
        (["add-working-days", "2025-09-30", "1", "--lang", "fr"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("civic calendar: error: ")
    assert message in err
    assert "Traceback" not in err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["add-working-days", "--help"]) == 0
    out, _ = capsys.readouterr()
    assert "START" in out and "N" in out
