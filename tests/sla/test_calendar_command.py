"""`civic calendar` is reachable from the main command, errors included."""

from __future__ import annotations

import pytest

from service.cli import main


def test_civic_calendar_add_working_days(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "add-working-days", "2026-02-13T10:00", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2026-02-25T10:00:00+08:00"  # Sat 14 Feb make-up day, then the break
    assert any("Spring Festival" in line for line in out)


def test_civic_calendar_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "add-working-days", "soon", "3"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
