"""The catalogue as Open311 services: every category of the current tree with a service code.

service_code is the category's service code, service_name its name (zh by default, en on
request), group the name of its top category, keywords its synonyms, description the path
from the top; metadata is true when filing under it asks questions (its own or an
ancestor's), which GET services/{code} lists as attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from service.catalogue import attributes as questions
from service.catalogue import service as catalogue
from service.catalogue.models import AttributeType, CategoryAttribute
from service.catalogue.service import CategoryView
from service.i18n import localized_name

_LISTS = (AttributeType.SINGLE, AttributeType.MULTI)


@dataclass(frozen=True)
class Service:
    """One Open311 service and the category behind it."""

    category: CategoryView
    name: str
    description: str
    group: str
    metadata: bool

    @property
    def code(self) -> str:
        assert self.category.service_code is not None
        return self.category.service_code

    def as_open311(self) -> dict[str, Any]:
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "metadata": self.metadata,
            # Tickets are created at once, with their number in the answer.
            "type": "realtime",
            # The spec's keywords are one comma-separated string.
            "keywords": ", ".join(s.replace(",", " ") for s in self.category.synonyms) or None,
            "group": self.group,
        }


def list_services(session: Session) -> list[Service]:
    """The current tree's categories that have a service code, by category code (two queries)."""
    views = catalogue.list_categories(session)
    by_code = {v.code: v for v in views}
    with_questions = questions.codes_with_questions(session)
    found = []
    for view in views:
        if not view.service_code:
            continue
        chain = [by_code[c] for c in questions.lineage(view.code) if c in by_code]
        names = [localized_name(c.name_zh, c.name_en) for c in chain]
        found.append(
            Service(
                category=view,
                name=localized_name(view.name_zh, view.name_en),
                description=" › ".join(names),
                group=names[0],
                metadata=questions.has_questions(view.code, with_questions),
            )
        )
    return found


def service_by_code(session: Session, service_code: str) -> Service | None:
    """The service with this code in the current tree, if any."""
    return next((s for s in list_services(session) if s.code == service_code), None)


def choice_name(choice: dict[str, Any]) -> str:
    return localized_name(str(choice.get("name_zh", "")), str(choice.get("name_en", "")))


def attribute_as_open311(question: CategoryAttribute, order: int) -> dict[str, Any]:
    """One question as a service-definition attribute."""
    return {
        "variable": question.variable,
        "code": question.code,
        "datatype": question.datatype.value,
        "required": question.required and question.variable,
        "datatype_description": localized_name(question.hint_zh, question.hint_en) or None,
        "order": order,
        "description": localized_name(question.description_zh, question.description_en),
        "values": [{"key": str(c["key"]), "name": choice_name(c)} for c in question.choices]
        if question.datatype in _LISTS
        else [],
    }


def definition(session: Session, service: Service) -> dict[str, Any]:
    """GET services/{code}: the service code and its attributes, numbered from 1."""
    asked = questions.questions_for(session, service.category.code)
    return {
        "service_code": service.code,
        "attributes": [attribute_as_open311(q, i) for i, q in enumerate(asked, start=1)],
    }
