"""attribute[CODE] values checked against the service's questions (catalogue attributes).

Lists repeat as attribute[CODE][]=v. Attributes the service does not ask are ignored, as
clients such as FixMyStreet send extra ones; a notice (variable false) takes no answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from service.catalogue.models import AttributeType, CategoryAttribute
from service.i18n import gettext as _
from service.i18n import localized_name
from service.intake.schemas import clean_text
from service.open311.formats import Problem
from service.open311.params import Pairs, parse_when

MAX_ANSWER = {AttributeType.STRING: 200, AttributeType.TEXT: 2000}
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def given_answers(pairs: Pairs) -> dict[str, list[str]]:
    """attribute[CODE]=v and attribute[CODE][]=v (repeated for lists) by CODE, blanks dropped."""
    given: dict[str, list[str]] = {}
    for key, value in pairs:
        match = _ATTRIBUTE.match(key)
        if match and value.strip():
            given.setdefault(match.group(1), []).append(value.strip())
    return given


def _answer(
    question: CategoryAttribute, raw: list[str], tz: ZoneInfo
) -> tuple[str | list[str] | None, str]:
    """The stored form of one answer, or a message saying what is wrong with it."""
    keys = [str(c["key"]) for c in question.choices]
    if question.datatype is AttributeType.MULTI:
        unknown = [v for v in raw if v not in keys]
        if unknown:
            return None, _("choose from %(keys)s.") % {"keys": ", ".join(keys)}
        return list(dict.fromkeys(raw)), ""
    value = clean_text(raw[-1])
    if question.datatype is AttributeType.SINGLE:
        if value not in keys:
            return None, _("choose one of %(keys)s.") % {"keys": ", ".join(keys)}
        return value, ""
    if question.datatype is AttributeType.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, _("enter a number.")
        return value, ""
    if question.datatype is AttributeType.DATETIME:
        try:
            return parse_when(value, tz).isoformat(), ""
        except ValueError:
            return None, _("enter a date and time such as 2026-11-20T18:30:00+08:00.")
    limit = MAX_ANSWER[question.datatype]
    if len(value) > limit:
        return None, _("keep it under %(n)s characters.") % {"n": limit}
    return value, ""


def check_answers(
    asked: Sequence[CategoryAttribute], given: dict[str, list[str]], tz: ZoneInfo
) -> tuple[dict[str, str | list[str]], list[Problem]]:
    """Answers to the service's questions; unknown attributes are ignored, as clients expect."""
    answers: dict[str, str | list[str]] = {}
    problems = []
    for question in asked:
        if not question.variable:
            continue
        label = localized_name(question.description_zh, question.description_en)
        raw = given.get(question.code, [])
        if not raw:
            if question.required:
                problems.append(
                    Problem(
                        400,
                        _("attribute[%(code)s] (%(label)s) is required.")
                        % {"code": question.code, "label": label},
                    )
                )
            continue
        value, message = _answer(question, raw, tz)
        if value is None:
            problems.append(
                Problem(
                    400,
                    _("attribute[%(code)s] (%(label)s): %(message)s")
                    % {"code": question.code, "label": label, "message": message},
                )
            )
            continue
        answers[question.code] = value
    return answers, problems
