"""The knowledge base of approved answers operators read out for a direct answer (直办)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Column, Text, func, or_
from sqlmodel import Field, Session, SQLModel, col, select

from service import clock
from service.catalogue import service as catalogue
from service.db import UTCDateTime


class KnowledgeAnswer(SQLModel, table=True):
    """An approved answer; only active ones are offered to operators."""

    __tablename__ = "knowledge_answer"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    question: str = Field(max_length=200)
    answer: str = Field(sa_column=Column(Text, nullable=False))
    # Space- or '|'-separated words callers use; searched with the question and answer.
    keywords: str = Field(default="", max_length=400)
    active: bool = True
    updated_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = Field(sa_type=UTCDateTime)


class KnowledgeError(ValueError):
    """A knowledge answer that cannot be saved; field names the form field to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AnswerInput:
    code: str
    question: str
    answer: str
    keywords: str = ""
    category_code: str = ""
    active: bool = True


def search(session: Session, query: str, *, limit: int = 8) -> list[KnowledgeAnswer]:
    """Active answers where every word of the query is in the code, question, keywords or answer."""
    statement = select(KnowledgeAnswer).where(col(KnowledgeAnswer.active).is_(True))
    for word in query.split()[:5]:
        pattern = f"%{_escape_like(word.lower())}%"
        statement = statement.where(
            or_(
                func.lower(KnowledgeAnswer.code).like(pattern, escape="\\"),
                func.lower(KnowledgeAnswer.question).like(pattern, escape="\\"),
                func.lower(KnowledgeAnswer.keywords).like(pattern, escape="\\"),
                func.lower(KnowledgeAnswer.answer).like(pattern, escape="\\"),
            )
        )
    return list(session.exec(statement.order_by(KnowledgeAnswer.code).limit(limit)))


def by_code(session: Session, code: str, *, active_only: bool = True) -> KnowledgeAnswer | None:
    """The answer with this code (by default only if it is still offered)."""
    statement = select(KnowledgeAnswer).where(KnowledgeAnswer.code == code.strip())
    if active_only:
        statement = statement.where(col(KnowledgeAnswer.active).is_(True))
    return session.exec(statement).first()


def list_all(session: Session, *, offset: int = 0, limit: int = 50) -> list[KnowledgeAnswer]:
    """Every answer, active first, one page at a time."""
    return list(
        session.exec(
            select(KnowledgeAnswer)
            .order_by(col(KnowledgeAnswer.active).desc(), KnowledgeAnswer.code)
            .offset(offset)
            .limit(limit)
        )
    )


def save(
    session: Session,
    data: AnswerInput,
    *,
    user_id: int | None,
    existing: KnowledgeAnswer | None = None,
) -> KnowledgeAnswer:
    """Create or update an answer; codes are unique and an answer must say something."""
    code = data.code.strip()
    if not code or len(code) > 40:
        raise KnowledgeError("code", "A code of 1 to 40 characters is required.")
    if not data.question.strip() or len(data.question.strip()) > 200:
        raise KnowledgeError("question", "A question of 1 to 200 characters is required.")
    if not data.answer.strip():
        raise KnowledgeError("answer", "The answer cannot be empty.")
    clash = by_code(session, code, active_only=False)
    if clash is not None and clash is not existing:
        raise KnowledgeError("code", "Another answer already has this code.")
    category_id = None
    if data.category_code.strip():
        category = catalogue.category_by_code(session, data.category_code.strip())
        if category is None:
            raise KnowledgeError("category_code", "No category has this code.")
        category_id = category.id
    answer = existing or KnowledgeAnswer(code=code, question="", answer="", updated_at=clock.now())
    answer.code = code
    answer.question = data.question.strip()
    answer.answer = data.answer.strip()
    answer.keywords = data.keywords.strip()[:400]
    answer.category_id = category_id
    answer.active = data.active
    answer.updated_by_id = user_id
    answer.updated_at = clock.now()
    session.add(answer)
    session.flush()
    return answer


def load_csv(session: Session, path: Path) -> int:
    """Load code,category_code,question_zh,answer_zh,keywords rows; existing codes are updated."""
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            data = AnswerInput(
                code=values.get("code", ""),
                question=values.get("question_zh", ""),
                answer=values.get("answer_zh", ""),
                keywords=values.get("keywords", ""),
                category_code=values.get("category_code", ""),
            )
            try:
                save(
                    session,
                    data,
                    user_id=None,
                    existing=by_code(session, data.code, active_only=False),
                )
            except KnowledgeError as exc:
                raise ValueError(f"{path.name}:{line}: {exc.field}: {exc}") from exc
            count += 1
    return count


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
