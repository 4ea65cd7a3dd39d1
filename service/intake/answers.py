"""Answers to the category's questions, as the staff ticket page shows them (every answer,
including those kept from open data, such as a licence plate)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from service.catalogue import attributes as questions
from service.catalogue.models import AttributeType, Category
from service.i18n import localized_name
from service.intake.models import TicketAnswer
from service.tickets.models import Ticket


def answers_of(session: Session, ticket: Ticket) -> list[tuple[str, str]]:
    """(question, answer) pairs in the order the questions are asked; choices by their names."""
    given = {
        a.code: a.value
        for a in session.exec(select(TicketAnswer).where(col(TicketAnswer.ticket_id) == ticket.id))
    }
    category = session.get(Category, ticket.category_id) if given and ticket.category_id else None
    if category is None:
        return []
    shown = []
    for question in questions.questions_for(session, category.code):
        if question.code not in given:
            continue
        value = given[question.code]
        if question.datatype in (AttributeType.SINGLE, AttributeType.MULTI):
            names = {
                str(c["key"]): localized_name(str(c["name_zh"]), str(c.get("name_en", "")))
                for c in question.choices
            }
            keys = value if isinstance(value, list) else [value]
            text = "、".join(names.get(str(k), str(k)) for k in keys)
        else:
            text = str(value)
        shown.append((localized_name(question.description_zh, question.description_en), text))
    return shown
