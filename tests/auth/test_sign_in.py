"""Staff sign-in: cookies, sessions stored hashed, sign-out, expiry, idle timeout, throttling."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth.deps import SESSION_COOKIE
from service.auth.models import LoginFailure, Role, StaffSession
from service.config import Settings
from tests.auth.staff import PASSWORD, csrf_token, make_user


def _login(client: TestClient, username: str, password: str, next_path: str = "/staff"):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/staff/login")
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "next": next_path, "csrf_token": token},
        follow_redirects=False,
    )


def test_signed_out_pages_go_to_sign_in_and_apis_answer_401(client: TestClient) -> None:
    page = client.get("/staff/hotline", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/staff/login?next=/staff/hotline"
    api = client.get("/api/v1/staff/me")
    assert api.status_code == 401 and api.json()["detail"] == "Sign in first."


def test_sign_in_sets_a_secure_session_cookie_and_returns_to_the_page(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    response = _login(client, "wang", PASSWORD, "/staff/calls/missed")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/calls/missed"
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # only in prod
    token = client.cookies[SESSION_COOKIE]
    stored = session.exec(select(StaffSession)).one()
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert client.get("/api/v1/staff/me").json()["username"] == "wang"


def test_sign_in_never_redirects_off_site(client: TestClient, session: Session) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    response = _login(client, "wang", PASSWORD, "//evil.example/")
    assert response.headers["location"] == "/staff"


def test_wrong_password_keeps_the_username_and_says_nothing_about_which_part(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    response = _login(client, "wang", "not the password")
    assert response.status_code == 400
    assert 'value="wang"' in response.text
    assert "用户名或密码不正确" in response.text
    assert SESSION_COOKIE not in client.cookies
    unknown = _login(client, "nobody", "whatever")
    assert unknown.status_code == 400 and "用户名或密码不正确" in unknown.text


def test_disabled_accounts_cannot_sign_in(client: TestClient, session: Session) -> None:
    make_user(session, username="gone", role=Role.OPERATOR, active=False)
    session.commit()
    assert _login(client, "gone", PASSWORD).status_code == 400


def test_the_login_form_needs_its_csrf_token(client: TestClient, session: Session) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    client.get("/staff/login")
    response = client.post("/staff/login", data={"username": "wang", "password": PASSWORD})
    assert response.status_code == 403


def test_sign_out_deletes_the_session_so_the_old_cookie_is_worthless(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    _login(client, "wang", PASSWORD)
    token = client.cookies[SESSION_COOKIE]
    form_token = csrf_token(client, "/staff/hotline")
    out = client.post("/staff/logout", data={"csrf_token": form_token}, follow_redirects=False)
    assert out.status_code == 303
    assert session.exec(select(StaffSession)).all() == []
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/api/v1/staff/me").status_code == 401


def test_sessions_end_after_the_idle_timeout_and_the_maximum_age(
    client: TestClient, session: Session, settings: Settings
) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    start = clock.now()
    with clock.frozen(start):
        _login(client, "wang", PASSWORD)
    idle = timedelta(minutes=settings.session_idle_minutes)
    # Active use keeps the session alive past one idle period...
    for step in range(1, 4):
        with clock.frozen(start + step * (idle - timedelta(minutes=1))):
            assert client.get("/api/v1/staff/me").status_code == 200
    # ...but not past its maximum age,
    with clock.frozen(start + timedelta(hours=settings.session_max_age_hours, seconds=1)):
        assert client.get("/api/v1/staff/me").status_code == 401
    # and an idle session ends.
    with clock.frozen(start):
        _login(client, "wang", PASSWORD)
    with clock.frozen(start + idle + timedelta(minutes=1)):
        assert client.get("/api/v1/staff/me").status_code == 401


def test_five_failures_lock_the_account_for_the_window_even_with_the_right_password(
    client: TestClient, session: Session, settings: Settings
) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    start = clock.now()
    with clock.frozen(start):
        for _ in range(settings.login_max_failures_per_account):
            assert _login(client, "wang", "wrong password").status_code == 400
        refused = _login(client, "wang", PASSWORD)
        assert refused.status_code == 429
        assert "登录失败次数过多" in refused.text
        assert SESSION_COOKIE not in client.cookies
    window = timedelta(minutes=settings.login_failure_window_minutes, seconds=1)
    with clock.frozen(start + window):
        assert _login(client, "wang", PASSWORD).status_code == 303
    # A success clears the account's failures.
    assert session.exec(select(LoginFailure).where(LoginFailure.username == "wang")).all() == []


def test_many_failures_from_one_address_block_every_account_from_it(
    client: TestClient, session: Session, settings: Settings
) -> None:
    make_user(session, username="wang", role=Role.OPERATOR)
    session.commit()
    for i in range(settings.login_max_failures_per_address):
        assert _login(client, f"guess{i}", "wrong password").status_code == 400
    assert _login(client, "wang", PASSWORD).status_code == 429
