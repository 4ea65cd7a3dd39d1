"""Administration through the real forms: accounts, units, and the knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.auth.models import Role, StaffSession, User
from service.auth.secrets import verify_password
from service.catalogue import knowledge
from service.catalogue.knowledge import KnowledgeAnswer
from service.config import Settings
from service.places.models import Unit
from tests.auth.staff import csrf_token, make_user, sign_in_as
from tests.factories import make_category, make_unit


@pytest.fixture
def admin(client: TestClient, session: Session, settings: Settings) -> User:
    user = make_user(session, username="root", role=Role.ADMIN)
    make_unit(session, code="M-SAMR")
    session.commit()
    sign_in_as(client, session, settings, user)
    return user


def _post(client: TestClient, page: str, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_token(client, page)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_creating_accounts_with_mistakes_shown_at_the_field(
    client: TestClient, session: Session, admin: User
) -> None:
    form = {
        "username": "h-li",
        "display_name": "李",
        "role": "handler",
        "password": "long password 1",
    }
    missing_unit = _post(client, "/staff/admin/users", "/staff/admin/users", form)
    assert missing_unit.status_code == 422
    assert "请选择该承办人所属单位" in missing_unit.text and 'value="h-li"' in missing_unit.text
    created = _post(
        client, "/staff/admin/users", "/staff/admin/users", {**form, "unit_code": "M-SAMR"}
    )
    assert created.status_code == 303
    user = session.exec(select(User).where(User.username == "h-li")).one()
    assert user.role is Role.HANDLER and verify_password("long password 1", user.password_hash)
    taken = _post(
        client, "/staff/admin/users", "/staff/admin/users", {**form, "unit_code": "M-SAMR"}
    )
    assert "该用户名已被使用" in taken.text


def test_changing_role_or_disabling_signs_the_user_out_and_admins_cannot_lock_themselves_out(
    client: TestClient, session: Session, settings: Settings, admin: User
) -> None:
    from service.auth import sessions

    target = make_user(session, username="op", role=Role.OPERATOR)
    session.commit()
    sessions.start(session, settings, target, addr="x")
    session.commit()
    page = f"/staff/admin/users/{target.id}"
    response = _post(client, page, page, {"display_name": "op", "role": "dispatcher"})
    assert response.status_code == 303
    session.refresh(target)
    assert target.role is Role.DISPATCHER and target.active is False  # the box was not ticked
    assert session.exec(select(StaffSession).where(StaffSession.user_id == target.id)).all() == []

    own = f"/staff/admin/users/{admin.id}"
    refused = _post(client, own, own, {"display_name": "root", "role": "operator", "active": "1"})
    assert refused.status_code == 422 and "不能停用自己的账号" in refused.text


def test_resetting_a_password(client: TestClient, session: Session, admin: User) -> None:
    target = make_user(session, username="op", role=Role.OPERATOR)
    session.commit()
    page = f"/staff/admin/users/{target.id}"
    short = _post(client, page, f"{page}/password", {"password": "short"})
    assert short.status_code == 422 and "密码至少需要10个字符" in short.text
    assert (
        _post(client, page, f"{page}/password", {"password": "brand new secret"}).status_code == 303
    )
    session.refresh(target)
    assert verify_password("brand new secret", target.password_hash)


def test_units_are_created_edited_and_deactivated(
    client: TestClient, session: Session, admin: User
) -> None:
    form = {
        "code": "D-URBAN",
        "name_zh": "区城管局",
        "name_en": "",
        "unit_class": "district_department",
    }
    assert _post(client, "/staff/admin/units", "/staff/admin/units", form).status_code == 303
    duplicate = _post(client, "/staff/admin/units", "/staff/admin/units", form)
    assert duplicate.status_code == 422 and "已有单位使用此编码" in duplicate.text
    unit = session.exec(select(Unit).where(Unit.code == "D-URBAN")).one()
    page = f"/staff/admin/units/{unit.id}"
    edited = _post(client, page, page, {**form, "name_zh": "昆区城管局", "parent_code": "M-SAMR"})
    assert edited.status_code == 303
    session.refresh(unit)
    assert unit.name_zh == "昆区城管局" and unit.active is False and unit.parent_id is not None


def test_the_knowledge_base_page_and_deactivated_answers_are_not_offered(
    client: TestClient, session: Session, settings: Settings, admin: User
) -> None:
    form = {
        "code": "KB-1",
        "question": "办理居住证需要什么材料？",
        "answer": "身份证和居住证明。",
        "keywords": "居住证",
        "category_code": "",
    }
    empty = _post(
        client, "/staff/admin/knowledge", "/staff/admin/knowledge", {**form, "answer": ""}
    )
    assert empty.status_code == 422 and "答复口径不能为空" in empty.text
    assert "办理居住证需要什么材料" in empty.text
    assert (
        _post(client, "/staff/admin/knowledge", "/staff/admin/knowledge", form).status_code == 303
    )
    answer = session.exec(select(KnowledgeAnswer)).one()
    assert answer.updated_by_id == admin.id
    assert [a.code for a in knowledge.search(session, "居住证")] == ["KB-1"]
    page = f"/staff/admin/knowledge/{answer.id}"
    assert _post(client, page, page, form).status_code == 303  # active box not ticked
    session.expire_all()
    assert knowledge.search(session, "居住证") == []


def test_the_knowledge_seed_file_loads_and_reloads(session: Session, tmp_path: Path) -> None:
    make_category(session, code="SOC.CARD", name_zh="社保卡")
    path = tmp_path / "knowledge_base.csv"
    path.write_text(
        "code,category_code,question_zh,answer_zh,keywords\n"
        "KB-1,SOC.CARD,社保卡丢了怎么办？,先挂失再补办。,社保卡 挂失\n"
        "KB-2,,公积金怎么提取？,登录公积金网厅申请。,公积金\n",
        encoding="utf-8",
    )
    assert knowledge.load_csv(session, path) == 2
    assert knowledge.load_csv(session, path) == 2  # codes already there are updated
    rows = session.exec(select(KnowledgeAnswer).order_by(KnowledgeAnswer.code)).all()
    assert [(r.code, r.category_id is not None) for r in rows] == [("KB-1", True), ("KB-2", False)]
    path.write_text(
        "code,category_code,question_zh,answer_zh,keywords\nKB-3,NOPE,问,答,\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="knowledge_base.csv:2: category_code"):
        knowledge.load_csv(session, path)


def test_a_unit_is_marked_as_a_window_industry(
    client: TestClient, session: Session, admin: User
) -> None:
    form = {
        "code": "E-BANK",
        "name_zh": "某银行包头分行",
        "name_en": "",
        "unit_class": "enterprise",
    }
    bad = _post(client, "/staff/admin/units", "/staff/admin/units", {**form, "window_sector": "x"})
    assert bad.status_code == 422
    saved = _post(
        client, "/staff/admin/units", "/staff/admin/units", {**form, "window_sector": "bank"}
    )
    assert saved.status_code == 303
    unit = session.exec(select(Unit).where(Unit.code == "E-BANK")).one()
    assert unit.window_sector == "bank"
    page = client.get(f"/staff/admin/units/{unit.id}").text
    assert '<option value="bank" selected' in page and "窗口行业" in page
