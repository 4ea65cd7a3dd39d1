"""Statutory holidays from the national rules, and the arrangement file that enters a year."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import chinese_calendar
import pytest

from service import i18n
from service.sla import arrangement_file
from service.sla.arrangement_file import ArrangementError
from service.sla.calendar import SHANGHAI, WorkCalendar
from service.sla.holidays import ArrangedDay, statutory_days

STATUTORY_2027 = {
    date(2027, 1, 1): "New Year's Day",
    date(2027, 2, 5): "Spring Festival",  # New Year's Eve (除夕)
    date(2027, 2, 6): "Spring Festival",
    date(2027, 2, 7): "Spring Festival",
    date(2027, 2, 8): "Spring Festival",
    date(2027, 4, 5): "Tomb-sweeping Day",
    date(2027, 5, 1): "Labour Day",
    date(2027, 5, 2): "Labour Day",
    date(2027, 6, 9): "Dragon Boat Festival",
    date(2027, 9, 15): "Mid-autumn Festival",
    date(2027, 10, 1): "National Day",
    date(2027, 10, 2): "National Day",
    date(2027, 10, 3): "National Day",
}


def test_the_statutory_days_of_2027() -> None:
    assert statutory_days(2027) == STATUTORY_2027


@pytest.mark.parametrize("year", range(2014, 2027))
def test_the_rules_agree_with_every_state_council_notice_the_package_knows(year: int) -> None:
    days = statutory_days(year)
    assert len(days) == (13 if year >= 2025 else 11) - (1 if year == 2020 else 0)  # 2020: 中秋=国庆
    for day, name in days.items():
        assert chinese_calendar.get_holiday_detail(day) == (True, name), day


# A State Council notice for 2027 as the city would type it (made up for the tests: the real
# one decides the bridging days): the Spring Festival break runs 5-13 Feb, worked back on
# Sunday 31 Jan and Saturday 20 Feb.
ARRANGEMENT_2027 = "date,kind,holiday\n" + "".join(
    [f"{d.isoformat()},holiday,{n}\n" for d, n in STATUTORY_2027.items()]
    + [f"2027-02-{d:02d},holiday,春节\n" for d in range(9, 14)]
    + ["2027-01-31,working,Spring Festival\n", "# a comment\n", "2027-02-20,working,\n"]
)


def test_an_arrangement_is_read_whole_and_the_calendar_follows_it() -> None:
    years = arrangement_file.parse(ARRANGEMENT_2027)
    assert list(years) == [2027]
    assert years[2027][date(2027, 2, 10)] == ArrangedDay(False, "Spring Festival")
    assert years[2027][date(2027, 1, 31)] == ArrangedDay(True, "Spring Festival")
    calendar = WorkCalendar(arrangements=years)
    assert calendar.is_arranged(2027)
    assert calendar.is_working_day(date(2027, 1, 31))  # a make-up Sunday
    assert not calendar.is_working_day(date(2027, 2, 12))  # a bridging Friday
    assert calendar.is_working_day(date(2027, 3, 1))  # a day the file does not list
    assert not WorkCalendar().is_working_day(date(2027, 1, 31))
    back = arrangement_file.parse(arrangement_file.format_rows(years[2027]))
    assert back == years


@pytest.mark.parametrize(
    ("text", "english", "chinese"),
    [
        ("day,kind\n", "The first line must be the header", "第一行必须是表头"),
        ("date,kind,holiday\n", "The file lists no dates.", "文件中没有任何日期"),
        (
            "date,kind,holiday\n2027-13-01,holiday,元旦\n",
            "line 2: 2027-13-01 is not a date",
            "第2行",
        ),
        ("date,kind,holiday\n2027-01-01,off,元旦\n", "not off", "而不是 off"),
        ("date,kind,holiday\n2027-01-01,holiday,Xmas\n", "Xmas is not a statutory", "不是法定"),
        ("date,kind,holiday\n2027-01-01,holiday,\n", "names its holiday", "写明节日名称"),
        ("date,kind,holiday\n2027-01-04,working,\n", "2027-01-04 is a weekday", "是周一至周五"),
        (ARRANGEMENT_2027 + "2027-01-01,holiday,元旦\n", "listed twice", "重复"),
        (
            ARRANGEMENT_2027.replace("2027-04-05,holiday", "2027-04-06,holiday"),
            "2027-04-05 (Tomb-sweeping Day) is a statutory holiday but is not listed",
            "是法定节假日，但文件中没有列为放假",
        ),
    ],
)
def test_a_wrong_file_is_refused_with_the_reason(text: str, english: str, chinese: str) -> None:
    with pytest.raises(ArrangementError) as caught:
        arrangement_file.parse(text)
    with i18n.use_locale("en"):
        assert english in caught.value.render()
    with i18n.use_locale("zh_CN"):
        assert chinese in caught.value.render()


def test_the_package_arrangement_exports_as_a_file_that_gives_the_same_deadlines() -> None:
    days = arrangement_file.package_year(2026)
    assert days[date(2026, 2, 28)] == ArrangedDay(True, "Spring Festival")  # a make-up Saturday
    entered = WorkCalendar(arrangements=arrangement_file.parse(arrangement_file.format_rows(days)))
    start = datetime(2026, 2, 13, 10, tzinfo=SHANGHAI)
    for n in (1, 3, 10, 60):
        assert entered.add_working_days(start, n).at == WorkCalendar().add_working_days(start, n).at


def test_the_readme_example_is_a_valid_file_of_the_2027_statutory_days() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```csv\n", 1)[1].split("```", 1)[0]
    years = arrangement_file.parse(example)
    assert {day: d.holiday for day, d in years[2027].items()} == STATUTORY_2027
