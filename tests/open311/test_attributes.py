"""attribute[CODE] answers checked against a service's questions (pure)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from service.catalogue.models import AttributeType, CategoryAttribute
from service.open311.attributes import check_answers, given_answers

TZ = ZoneInfo("Asia/Shanghai")
CHOICES = [{"key": "a", "name_zh": "甲", "name_en": "A"}, {"key": "b", "name_zh": "乙"}]


def question(code: str, datatype: AttributeType, **fields: object) -> CategoryAttribute:
    return CategoryAttribute(
        category_code="X",
        code=code,
        datatype=datatype,
        description_zh=code,
        description_en=code,
        choices=CHOICES if datatype in (AttributeType.SINGLE, AttributeType.MULTI) else [],
        **fields,
    )


def test_form_keys_become_answers_by_code() -> None:
    pairs = [
        ("attribute[N]", "3"),
        ("attribute[M][]", "a"),
        ("attribute[M][]", "b"),
        ("attribute[E]", " "),
        ("attributes[N]", "x"),
    ]
    assert given_answers(pairs) == {"N": ["3"], "M": ["a", "b"]}


@pytest.mark.parametrize(
    ("datatype", "raw", "stored"),
    [
        (AttributeType.STRING, ["  白酒 "], "白酒"),
        (AttributeType.TEXT, ["很长的说明"], "很长的说明"),
        (AttributeType.NUMBER, ["2.5"], "2.5"),
        (AttributeType.DATETIME, ["2026-11-20T10:00:00Z"], "2026-11-20T10:00:00+00:00"),
        (AttributeType.DATETIME, ["2026-11-20 18:00"], "2026-11-20T18:00:00+08:00"),
        (AttributeType.SINGLE, ["b"], "b"),
        (AttributeType.MULTI, ["b", "a", "b"], ["b", "a"]),
    ],
)
def test_good_answers_are_stored_in_one_form(
    datatype: AttributeType, raw: list[str], stored: object
) -> None:
    answers, problems = check_answers([question("Q", datatype)], {"Q": raw}, TZ)
    assert problems == [] and answers == {"Q": stored}


@pytest.mark.parametrize(
    ("datatype", "raw"),
    [
        (AttributeType.STRING, ["x" * 201]),
        (AttributeType.NUMBER, ["two"]),
        (AttributeType.NUMBER, ["nan"]),
        (AttributeType.DATETIME, ["tomorrow"]),
        (AttributeType.SINGLE, ["c"]),
        (AttributeType.MULTI, ["a", "c"]),
    ],
)
def test_bad_answers_are_one_problem_each(datatype: AttributeType, raw: list[str]) -> None:
    answers, problems = check_answers([question("Q", datatype)], {"Q": raw}, TZ)
    assert answers == {} and len(problems) == 1 and "attribute[Q]" in problems[0].description


def test_required_notices_and_unknown_attributes() -> None:
    asked = [
        question("R", AttributeType.STRING, required=True),
        question("N", AttributeType.STRING, variable=False, required=True),
    ]
    answers, problems = check_answers(asked, {"N": ["x"], "OTHER": ["y"]}, TZ)
    assert answers == {}
    assert [p.code for p in problems] == [400] and "attribute[R]" in problems[0].description
