"""Administrators keep the knowledge base of approved answers (create, edit, deactivate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import select

from service import i18n
from service.auth.deps import require_role
from service.auth.models import User
from service.auth.render import form_values, render
from service.auth.roles import ADMIN_ROLES
from service.catalogue import knowledge
from service.catalogue.knowledge import AnswerInput, KnowledgeAnswer, KnowledgeError
from service.catalogue.models import Category
from service.deps import CsrfDep, SessionDep

router = APIRouter(prefix="/staff/admin/knowledge", include_in_schema=False)
Admin = Annotated[User, Depends(require_role(*ADMIN_ROLES))]
FIELDS = ("code", "category_code", "question", "answer", "keywords")
PAGE = 50


def _list_page(
    request: Request,
    session: SessionDep,
    *,
    q: str = "",
    page: int = 1,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    page = max(page, 1)
    answers = (
        knowledge.search(session, q, limit=PAGE)
        if q
        else knowledge.list_all(session, offset=(page - 1) * PAGE, limit=PAGE)
    )
    total = session.exec(select(func.count()).select_from(KnowledgeAnswer)).one()
    return render(
        request,
        "staff/admin/knowledge.html",
        {
            "answers": answers,
            "total": total,
            "q": q,
            "page": page,
            "page_size": PAGE,
            "values": values or {},
            "errors": errors or {},
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
    )


@router.get("", name="admin_knowledge")
def list_answers(
    request: Request, session: SessionDep, admin: Admin, q: str = "", page: int = 1
) -> Response:
    return _list_page(request, session, q=q.strip(), page=page)


@router.post("", name="admin_knowledge_create", dependencies=[CsrfDep])
async def create(request: Request, session: SessionDep, admin: Admin) -> Response:
    values = form_values(await request.form(), *FIELDS)
    try:
        answer = knowledge.save(session, _input(values, active=True), user_id=admin.id)
    except KnowledgeError as exc:
        session.rollback()
        return _list_page(
            request,
            session,
            values=values,
            errors={exc.field: i18n.gettext(str(exc))},
            status_code=422,
        )
    session.commit()
    return RedirectResponse(
        str(request.url_for("admin_knowledge").include_query_params(saved=answer.code)), 303
    )


def _input(values: dict[str, str], *, active: bool) -> AnswerInput:
    return AnswerInput(
        code=values["code"],
        question=values["question"],
        answer=values["answer"],
        keywords=values["keywords"],
        category_code=values["category_code"],
        active=active,
    )


def _get(session: SessionDep, answer_id: int) -> KnowledgeAnswer:
    answer = session.get(KnowledgeAnswer, answer_id)
    if answer is None:
        raise HTTPException(status_code=404, detail="No such answer.")
    return answer


@router.get("/{answer_id}", name="admin_knowledge_edit")
def edit(request: Request, answer_id: int, session: SessionDep, admin: Admin) -> Response:
    answer = _get(session, answer_id)
    category = session.get(Category, answer.category_id) if answer.category_id else None
    values = {
        "code": answer.code,
        "category_code": category.code if category else "",
        "question": answer.question,
        "answer": answer.answer,
        "keywords": answer.keywords,
        "active": "1" if answer.active else "",
    }
    return render(request, "staff/admin/knowledge_edit.html", {"answer": answer, "values": values})


@router.post("/{answer_id}", name="admin_knowledge_update", dependencies=[CsrfDep])
async def update(request: Request, answer_id: int, session: SessionDep, admin: Admin) -> Response:
    """Edits and deactivation; a deactivated answer is no longer offered to operators."""
    answer = _get(session, answer_id)
    form = await request.form()
    values = form_values(form, *FIELDS)
    values["active"] = "1" if form.get("active") else ""
    try:
        knowledge.save(
            session,
            _input(values, active=bool(values["active"])),
            user_id=admin.id,
            existing=answer,
        )
    except KnowledgeError as exc:
        session.rollback()
        return render(
            request,
            "staff/admin/knowledge_edit.html",
            {
                "answer": _get(session, answer_id),
                "values": values,
                "errors": {exc.field: i18n.gettext(str(exc))},
            },
            status_code=422,
        )
    session.commit()
    return RedirectResponse(
        str(request.url_for("admin_knowledge").include_query_params(saved=answer.code)), 303
    )
