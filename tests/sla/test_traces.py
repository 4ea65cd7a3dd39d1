"""Calculation traces in words: the stored steps read in Chinese (the default) and in English."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import i18n
from service.sla import traces
from service.sla.calendar import OFFICIAL_CALENDAR_YEARS, SHANGHAI, Duration, WorkCalendar

CAL = WorkCalendar()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def words(steps: list[object], locale: str) -> list[str]:
    with i18n.use_locale(locale):
        return traces.render(steps)


def test_three_working_days_over_national_day_2025() -> None:
    # Tue 30 Sep 10:00, 3 working days: 1–8 Oct skipped, Thu 9 and Fri 10 Oct, then the
    # Saturday make-up day 11 Oct is the third.
    due = CAL.add_working_days(at(2025, 9, 30), 3)
    assert due.at == at(2025, 10, 11)
    assert due.trace == [
        {"step": "start", "at": "2025-09-30T10:00:00+08:00"},
        {
            "step": "skip",
            "first": "2025-10-01",
            "last": "2025-10-08",
            "reasons": ["holiday"],
            "holidays": ["National Day", "Mid-autumn Festival"],
        },
        {"step": "count_days", "first": "2025-10-09", "last": "2025-10-10", "from": 1, "to": 2},
        {
            "step": "count_day",
            "day": "2025-10-11",
            "kind": "make_up",
            "holiday": "National Day",
            "n": 3,
        },
        {"step": "due", "at": "2025-10-11T10:00:00+08:00"},
    ]
    assert words(due.trace, "zh_CN") == [
        "起算 2025-09-30（周二）10:00",
        "跳过 10月1日至8日：国庆节、中秋假期",
        "计入 10月9日至10日：第1–2个工作日",
        "计入 10月11日（周六）：国庆节调休上班，第3个工作日",
        "到期 2025-10-11（周六）10:00",
    ]
    assert words(due.trace, "en") == [
        "start Tue 30 Sept 2025 10:00",
        "skip Wed 1 Oct–Wed 8 Oct: National Day / Mid-autumn Festival holiday",
        "count Thu 9 Oct–Fri 10 Oct: working days 1–2",
        "count Sat 11 Oct: make-up working day for National Day (working day 3)",
        "due Sat 11 Oct 2025 10:00",
    ]


def test_the_page_language_is_chinese_unless_english_is_asked_for() -> None:
    due = CAL.add_working_days(at(2025, 9, 30), 1)
    assert traces.render(due.trace)[0] == "起算 2025-09-30（周二）10:00"


def test_working_hours_across_national_day() -> None:
    trace = CAL.add_working_hours(at(2025, 9, 30, 16), 20).trace
    assert words(trace, "zh_CN") == [
        "起算 2025-09-30（周二）16:00",
        "计入 9月30日（周二）16:00–17:30：1小时30分钟（累计1小时30分钟）",
        "跳过 10月1日至8日：国庆节、中秋假期",
        "计入 10月9日至10日：2个完整工作日，13小时（累计14小时30分钟）",
        "计入 10月11日（周六）08:30–12:00，14:30–16:30：国庆节调休上班，5小时30分钟（累计20小时）",
        "到期 2025-10-11（周六）16:30",
    ]
    assert words(trace, "en") == [
        "start Tue 30 Sept 2025 16:00",
        "count Tue 30 Sept 16:00–17:30: 1 h 30 min (total 1 h 30 min)",
        "skip Wed 1 Oct–Wed 8 Oct: National Day / Mid-autumn Festival holiday",
        "count Thu 9 Oct–Fri 10 Oct: 2 full working days, 13 h (total 14 h 30 min)",
        "count Sat 11 Oct 08:30–12:00, 14:30–16:30: make-up working day for National Day, "
        "5 h 30 min (total 20 h)",
        "due Sat 11 Oct 2025 16:30",
    ]


@pytest.mark.parametrize(
    ("start", "zh", "en"),
    [
        (at(2025, 9, 9, 7), "起算 2025-09-09（周二）07:00（上班前）", "(before working hours)"),
        (at(2025, 9, 9, 13), "（两段工作时间之间）", "(between working-hours windows)"),
        (at(2025, 9, 9, 18), "起算 2025-09-09（周二）18:00（下班后）", "(after working hours)"),
        (at(2025, 10, 1, 11), "起算 2025-10-01（周三）11:00（休息日）", "(rest day)"),
    ],
)
def test_a_working_hours_clock_says_why_it_waits(start: datetime, zh: str, en: str) -> None:
    trace = CAL.add_working_hours(start, 1).trace
    assert zh in words(trace, "zh_CN")[0]
    assert words(trace, "en")[0].endswith(en)


def test_a_start_inside_spring_festival_2026() -> None:
    trace = CAL.add_working_days(at(2026, 2, 16, 11), 1).trace
    assert words(trace, "zh_CN") == [
        "起算 2026-02-16（周一）11:00，当天为休息日：从下一个工作日起计，到期日下班时截止",
        "跳过 2月16日至23日：春节假期",
        "计入 2月24日（周二）：第1个工作日",
        "到期 2026-02-24（周二）17:30（下班时）",
    ]
    assert words(trace, "en")[-1] == "due Tue 24 Feb 2026 17:30 (close of business)"


def test_days_outside_the_start_year_show_their_year_and_the_provisional_year_is_noted() -> None:
    trace = CAL.add_working_days(at(2026, 12, 29), 5).trace
    zh = words(trace, "zh_CN")
    assert "暂定：2027年的官方放假安排尚未录入，按国家规定的法定节假日计算，不含调休上班日" in zh
    assert "跳过 2027年1月1日\u2009–\u20093日：元旦假期，周末" in zh  # CLDR: thin spaces
    en = words(trace, "en")
    assert "skip Fri 1 Jan 2027–Sun 3 Jan 2027: New Year's Day holiday, weekend" in en
    assert en[1].startswith("provisional: the official holiday arrangement for 2027")


def test_old_traces_without_holiday_data_still_read() -> None:
    step = {"step": "no_official_data", "year": 2027, "covered": [2004, 2026]}
    assert "chinesecalendar covers 2004–2026" in words([step], "en")[0]


def test_local_rest_and_working_days() -> None:
    cal = WorkCalendar(overrides={date(2025, 10, 9): False, date(2025, 10, 12): True})
    trace = cal.add_working_days(at(2025, 9, 30), 4).trace
    zh = words(trace, "zh_CN")
    assert "跳过 10月1日至9日：国庆节、中秋假期，本地休息日" in zh
    assert "计入 10月12日（周日）：本地调整为工作日，第3个工作日" in zh
    en = words(trace, "en")
    assert (
        "skip Wed 1 Oct–Thu 9 Oct: National Day / Mid-autumn Festival holiday, local rest day" in en
    )
    assert "count Sun 12 Oct: local working day (working day 3)" in en


def test_clock_hours_and_zero_clocks() -> None:
    assert words(CAL.add_hours(at(2025, 9, 30, 23), 2).trace, "zh_CN") == [
        "起算 2025-09-30（周二）23:00",
        "加2小时自然时间（夜间、周末和节假日都计算在内）",
        "到期 2025-10-01（周三）01:00",
    ]
    assert words(CAL.add_working_days(at(2025, 9, 30), 0).trace, "zh_CN")[-1] == (
        "到期 2025-09-30（周二）10:00（0个工作日：起算即到期）"
    )
    assert words(CAL.add_working_hours(at(2025, 9, 30), 0).trace, "en")[-1] == (
        "due Tue 30 Sept 2025 10:00 (0 working hours: due at the start)"
    )


def test_steps_of_pauses_extensions_and_dispatch_rules() -> None:
    steps: list[object] = [
        traces.no_policy(),
        traces.rule_duration(Duration(5, "working_days")),
        traces.rule_duration(Duration(1, "working_days")),
        traces.rule_duration(Duration(1.5, "working_hours")),
        traces.rule_duration(Duration(2, "hours")),
        traces.paused(at(2025, 9, 30), at(2025, 10, 9), 6.5),
        traces.pause_shift(at(2025, 10, 17), 6.5),
        traces.extension(7, at(2026, 2, 10, 9), "王科长"),
        traces.moment_step("previous_due", at(2026, 2, 12, 17, 30)),
        traces.moment_step("requested_due", at(2026, 3, 6, 17, 30)),
        traces.moment_step("granted_due", at(2026, 3, 3, 17, 30), differs=True),
        traces.moment_step("granted_due", at(2026, 3, 6, 17, 30), differs=False),
    ]
    assert words(steps, "zh_CN") == [
        "没有适用于此工单的期限规则，未设定期限",
        "派单规则设定办理期限为5个工作日",
        "派单规则设定办理期限为1个工作日",
        "派单规则设定办理期限为1.5个工作小时",
        "派单规则设定办理期限为2小时",
        "暂停 2025-09-30（周二）10:00 → 2025-10-09（周四）10:00：停表6.5个工作小时",
        "办理期限 2025-10-17（周五）10:00 顺延6.5个工作小时",
        "延期申请 #7 于 2026-02-10（周二）09:00 由王科长批准",
        "原期限 2026-02-12（周四）17:30",
        "申请延至 2026-03-06（周五）17:30",
        "批准延至 2026-03-03（周二）17:30（与申请的日期不同）",
        "批准延至 2026-03-06（周五）17:30",
    ]
    assert words(steps, "en") == [
        "no deadline policy matches this ticket",
        "handling deadline of 5 working days set by the dispatch rule",
        "handling deadline of 1 working day set by the dispatch rule",
        "handling deadline of 1.5 working hours set by the dispatch rule",
        "handling deadline of 2 hours set by the dispatch rule",
        "paused Tue 30 Sept 2025 10:00 → Thu 9 Oct 2025 10:00: 6.5 working hours stood still",
        "handling deadline Fri 17 Oct 2025 10:00 + 6.5 working hours",
        "extension #7 approved Tue 10 Feb 2026 09:00 by 王科长",
        "previous deadline Thu 12 Feb 2026 17:30",
        "requested Fri 6 Mar 2026 17:30",
        "granted Tue 3 Mar 2026 17:30 (a different date than requested)",
        "granted Fri 6 Mar 2026 17:30",
    ]


def test_holiday_names_come_from_the_package_in_both_languages() -> None:
    start = {"step": "start", "at": "2026-06-18T10:00:00+08:00"}
    skip = {
        "step": "skip",
        "first": "2026-06-19",
        "last": "2026-06-21",
        "reasons": ["holiday"],
        "holidays": ["Dragon Boat Festival", "Unknown Day"],  # the second: a newer package's
    }
    assert words([start, skip], "zh_CN")[1] == "跳过 6月19日至21日：端午、Unknown Day假期"
    assert words([start, skip], "en")[1] == (
        "skip Fri 19 Jun–Sun 21 Jun: Dragon Boat Festival / Unknown Day holiday"
    )


def test_old_events_stored_words_and_broken_steps_are_shown_as_stored() -> None:
    old = "skip Wed 1 Oct–Wed 8 Oct: National Day / Mid-autumn Festival holiday"
    assert words([old], "zh_CN") == [old]
    assert words([{"step": "from the future", "n": 1}], "zh_CN") == [
        '{"n": 1, "step": "from the future"}'
    ]
    assert words([{"step": "due"}], "en") == ['{"step": "due"}']  # no "at": not a 500
    assert words([{"step": "due", "at": "soon"}], "en") == ['{"at": "soon", "step": "due"}']


def test_every_message_of_the_trace_has_a_chinese_translation() -> None:
    source = Path(traces.__file__)
    messages = [m[1] for m in extract_from_file("python", str(source))]
    assert len(messages) > 40
    with i18n.use_locale("zh_CN"):
        for message in messages:
            if isinstance(message, tuple):
                singular, plural = message
                assert i18n.ngettext(singular, plural, 2) != plural, message
            else:
                assert i18n.gettext(message) != message, message


starts = st.datetimes(
    min_value=datetime(OFFICIAL_CALENDAR_YEARS[0], 1, 1),  # noqa: DTZ001 - hypothesis bounds
    max_value=datetime(OFFICIAL_CALENDAR_YEARS[1] + 1, 12, 1),  # noqa: DTZ001
    timezones=st.just(SHANGHAI),
)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    start=starts,
    amount=st.integers(min_value=0, max_value=30),
    unit=st.sampled_from(["hours", "working_hours", "working_days"]),
    overrides=st.dictionaries(
        st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)), st.booleans()
    ),
)
def test_property_every_computed_step_reads_as_words_in_both_languages(
    start: datetime, amount: int, unit: str, overrides: dict[date, bool]
) -> None:
    due = WorkCalendar(overrides=overrides).add(start, Duration(amount, unit))  # type: ignore[arg-type]
    for locale in ("zh_CN", "en"):
        lines = words(list(due.trace), locale)
        assert len(lines) == len(due.trace)
        assert not any(line.startswith("{") for line in lines), lines  # none fell back to data
    assert words(list(due.trace), "zh_CN")[-1].startswith("到期 ")
