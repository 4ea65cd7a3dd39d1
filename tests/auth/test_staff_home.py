"""The staff start page leads each role to its own work, and every link it shows opens."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.models import Role
from service.config import Settings
from tests.auth.staff import make_user, sign_in_as
from tests.factories import make_unit

EXPECTED = {
    Role.OPERATOR: ["/staff/hotline", "/staff/callbacks"],
    Role.DISPATCHER: ["/staff/routing/triage", "/staff/workbench/replies"],
    Role.HANDLER: ["/staff/workbench"],
    Role.SUPERVISOR: ["/staff/supervision", "/staff/appeals", "/staff/workbench/replies"],
    Role.DEPUTY: ["/staff/supervision/reports"],
    Role.ADMIN: ["/staff/admin/users", "/staff/webhooks"],
}


@pytest.mark.parametrize("role", list(Role))
def test_start_page_links_each_role_to_its_work(
    client: TestClient, session: Session, settings: Settings, role: Role
) -> None:
    unit = make_unit(session) if role is Role.HANDLER else None
    user = make_user(session, username=f"u-{role.value}", role=role, unit=unit)
    sign_in_as(client, session, settings, user)
    page = client.get("/staff", params={"number": ""})
    assert page.status_code == 200
    links = set(re.findall(r'<li><a href="(?:http://testserver)?(/staff[^"]*)"', page.text))
    for expected in EXPECTED[role]:
        assert expected in links, (role, expected, links)
    for link in links:
        assert client.get(link).status_code == 200, (role, link)
