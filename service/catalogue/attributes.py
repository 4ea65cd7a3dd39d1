"""Category-specific questions: a question on a category is asked under every category below it.

Category codes are dotted paths (`MR.FAKE.TRADEMARK`), so a category's ancestors are its code's
prefixes and the questions of one category are a single indexed query.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from service.catalogue.models import CategoryAttribute


def lineage(code: str) -> list[str]:
    """The code and its ancestors' codes, the top category first: MR, MR.FAKE, MR.FAKE.TM."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def questions_for(session: Session, category_code: str) -> list[CategoryAttribute]:
    """The questions asked under this category: the ancestors' first, each in its own order."""
    chain = lineage(category_code)
    rows = session.exec(
        select(CategoryAttribute).where(col(CategoryAttribute.category_code).in_(chain))
    ).all()
    return sorted(rows, key=lambda q: (chain.index(q.category_code), q.sort_order, q.code))


def codes_with_questions(session: Session) -> set[str]:
    """Every category code that carries a question of its own (one query)."""
    return set(session.exec(select(CategoryAttribute.category_code).distinct()).all())


def has_questions(category_code: str, with_questions: set[str]) -> bool:
    """Whether filing under this category asks anything (its own or an ancestor's questions)."""
    return any(code in with_questions for code in lineage(category_code))
