"""Whatever a citizen types is shown as text on every page it reaches, never run as markup."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.tickets.models import Ticket
from tests.intake.helpers import City, complaint_fields, csrf_token, hidden, open_form, seed_city

CORPUS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "javascript:alert(1)",
    "{% raw %}<svg/onload=alert(1)>",
]


@pytest.fixture
def city(session: Session) -> City:
    return seed_city(session)


def assert_inert(html: str, text: str) -> None:
    """The text is not present as markup, and no link or handler came from it."""
    if "<" in text or '"' in text:
        assert text not in html
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg/onload" not in html
    assert 'href="javascript:' not in html and "onerror=alert(1)>" not in html.replace("&gt;", ">").split("<body", 1)[0]
    if text == "{{7*7}}":
        assert "{{7*7}}" in html, "template syntax in user text is shown, not evaluated"


@pytest.mark.parametrize("text", CORPUS)
def test_user_text_is_escaped_on_every_page(
    client: TestClient, session: Session, city: City, text: str
) -> None:
    fields = complaint_fields(
        title=text, description="描述：" + text, request=text, address=text, name=text[:60]
    )
    # 1. The form coming back with a problem echoes every field.
    _html, form = open_form(client)
    with_error = client.post("/complaints/new", data={**fields, **form, "step": "file", "phone": "1"})
    assert with_error.status_code == 422
    assert_inert(with_error.text, text)

    # 2. The confirmation page.
    done = client.post("/complaints/new", data={**fields, **form, "step": "file"})
    assert done.status_code == 201, done.text
    assert_inert(done.text, text)
    number = re.search(r'id="tracking-number">([A-Z0-9]+)<', done.text).group(1)  # type: ignore[union-attr]
    code = re.search(r'id="access-code">([A-Z0-9]+)<', done.text).group(1)  # type: ignore[union-attr]
    assert session.exec(select(Ticket.title).where(Ticket.number == number)).one() == text

    # 3. "Someone reported this already", and the page after joining.
    _html, form = open_form(client)
    check = client.post(
        "/complaints/new",
        data={**form, "step": "check", "category": "MR.FAKE", "district": "150203", "street": "150203001"},
    )
    assert f'value="join:{number}"' in check.text
    assert_inert(check.text, text)
    joined = client.post(
        "/complaints/new",
        data={**form, "step": f"join:{number}", "name": text[:60], "phone": "13900000009"},
    )
    assert joined.status_code == 200
    assert_inert(joined.text, text)

    # 4. The track page, with the citizen's own addition on the timeline.
    lookup = client.post(
        "/track",
        data={"csrf_token": csrf_token(client.get("/track").text), "number": number, "code": code},
    )
    assert lookup.status_code == 200
    assert_inert(lookup.text, text)
    added = client.post(
        f"/track/{number}/information",
        data={"csrf_token": csrf_token(lookup.text), "t": hidden(lookup.text, "t"), "information": text},
    )
    assert added.status_code == 200
    assert_inert(added.text, text)
    assert added.text.count("描述：") == 1
