"""Filing a complaint through the real form, with the CSRF token taken from the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func
from sqlmodel import Session, select

from service.app import create_app
from service.auth.secrets import access_code_matches
from service.catalogue.models import CategoryTag, Tag
from service.config import Settings
from service.intake.attachments import stored_path
from service.intake.models import Attachment, CoRequester
from service.notifications.models import Outbox, OutboxKind
from service.routing.models import RoutingDecision, RoutingMethod
from service.tickets.models import Ticket, TicketEvent, TicketTag
from service.tickets.states import Status
from tests.conftest import TEST_SECRET
from tests.intake.helpers import City, complaint_fields, open_form, photo_bytes, seed_city


@pytest.fixture
def city(session: Session) -> City:
    return seed_city(session)


def _file(
    client: TestClient,
    *,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    **fields: str,
) -> tuple[str, object]:
    _html, hidden = open_form(client)
    response = client.post(
        "/complaints/new",
        data={**complaint_fields(**fields), **hidden, "step": "file"},
        files=files or [],
    )
    return hidden["submission_id"], response


def _tickets(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Ticket)).one()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_lists_the_kinds_the_hotline_and_how_long_it_takes(
    client: TestClient, city: City
) -> None:
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Fake and shoddy goods" in page.text and "/complaints/new?tag=fake_goods" in page.text
    assert "12345" in page.text and '/track"' in page.text
    # From the deadline policy table: complaints 15 working days, questions 3.
    assert "15 working days" in page.text and "3 working days" in page.text
    assert "假冒伪劣" in client.get("/", headers={"Accept-Language": "zh-CN"}).text


def test_filing_with_a_photo_shows_number_and_code_once_and_routes_the_ticket(
    client: TestClient, session: Session, settings: Settings, city: City
) -> None:
    photo = photo_bytes(gps=True)
    _sid, response = _file(client, files=[("attachments", ("IMG_0001.JPG", photo, "image/jpeg"))])
    assert response.status_code == 201  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    number = re.search(r'id="tracking-number">([A-Z0-9]+)<', html).group(1)  # type: ignore[union-attr]
    code = re.search(r'id="access-code">([A-Z0-9]+)<', html).group(1)  # type: ignore[union-attr]
    assert "市市场监督管理局" in html
    assert response.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]

    ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.status is Status.PENDING_SIGN_FOR and ticket.lead_unit_id == city.samr.id
    assert ticket.handling_due is not None and ticket.sign_for_due is not None
    assert ticket.requester_phone == "+8613812345678"
    assert code not in ticket.access_code_hash and access_code_matches(
        code, ticket.access_code_hash, TEST_SECRET
    )
    actions = [
        e.action
        for e in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    ]
    assert actions[:3] == ["create", "open_work_order", "dispatch"] and "clocks" in actions
    # Routed by the published dispatch catalogue, like every channel's tickets.
    decision = session.exec(select(RoutingDecision)).one()
    assert decision.method is RoutingMethod.RULE and decision.lead_unit_id == city.samr.id
    assert 'id="handling-due"' in html
    # The category's tags travel with the ticket (metrics count vulnerable groups by them).
    tags = session.exec(select(TicketTag.tag_code).where(TicketTag.ticket_id == ticket.id)).all()
    assert tags == ["fake_goods"]

    attachment = session.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)).one()
    assert attachment.content_type == "image/jpeg" and attachment.filename == "IMG_0001.jpg"
    stored = stored_path(settings.data_dir, attachment.sha256).read_bytes()
    assert not dict(Image.open(BytesIO(stored)).getexif()), "EXIF (and GPS) stripped"
    assert "static" not in str(stored_path(settings.data_dir, attachment.sha256))

    messages = session.exec(select(Outbox).where(Outbox.sent_at == None)).all()  # noqa: E711
    assert {m.kind for m in messages} == {OutboxKind.EMAIL, OutboxKind.SMS}
    assert all(number in m.body and code not in m.body for m in messages)


def test_a_ticket_under_a_subcategory_carries_its_parents_tags_once(
    client: TestClient, session: Session, city: City
) -> None:
    # MR (market regulation) is tagged "consumers" and, like its child, "fake goods".
    session.add(Tag(code="consumers", name_zh="消费者权益", name_en="Consumer rights"))
    session.flush()
    market = city.fake_liquor.parent_id or 0
    session.add(CategoryTag(category_id=market, tag_code="consumers"))
    session.add(CategoryTag(category_id=market, tag_code="fake_goods"))
    session.commit()
    _sid, response = _file(client)
    assert response.status_code == 201  # type: ignore[attr-defined]
    ticket = session.exec(select(Ticket)).one()
    tags = session.exec(select(TicketTag.tag_code).where(TicketTag.ticket_id == ticket.id)).all()
    assert sorted(tags) == ["consumers", "fake_goods"]


def test_without_a_default_unit_the_ticket_waits_for_dispatch(
    client: TestClient, session: Session, city: City
) -> None:
    _sid, response = _file(client, category="CM.NOISE", title="工地夜间施工噪音")
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert "热线办正在将您的诉求分派给责任单位" in response.text  # type: ignore[attr-defined]
    assert 'id="handling-due"' not in response.text  # type: ignore[attr-defined]
    ticket = session.exec(select(Ticket)).one()
    assert ticket.status is Status.PENDING_DISPATCH and ticket.lead_unit_id is None
    assert ticket.handling_due is None
    # No rule fired and no model is trained: the dispatchers' triage queue, with the reason.
    decision = session.exec(select(RoutingDecision)).one()
    assert decision.method is RoutingMethod.QUEUED and "no trained model" in decision.explanation
    assert session.exec(select(TicketTag)).all() == []  # the category has no tags


def test_every_problem_is_shown_next_to_its_field_with_the_input_kept(
    client: TestClient, session: Session, city: City
) -> None:
    _sid, response = _file(
        client,
        title="x",
        description="这是一段足够长的描述文字，用来测试。",
        phone="12345",
        email="not-an-email",
        street="150204001",  # a street in another district
        occurred_at="2999-01-01T10:00",
        lat="40.6",
        consent="",
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    for field in ("title", "phone", "email", "street", "occurred_at", "long", "consent"):
        assert f'id="f-{field}-error"' in html, field
    assert 'class="error-summary"' in html
    assert 'value="not-an-email"' in html and "这是一段足够长的描述文字，用来测试。" in html
    assert 'value="12345"' in html and 'value="40.6"' in html
    assert _tickets(session) == 0


def test_anonymous_needs_no_contact_and_keeps_none(
    client: TestClient, session: Session, city: City
) -> None:
    _sid, response = _file(client, anonymous="on", name="", phone="", email="", confidential="on")
    assert response.status_code == 201  # type: ignore[attr-defined]
    ticket = session.exec(select(Ticket)).one()
    assert ticket.anonymous and not ticket.confidential
    assert (ticket.requester_name, ticket.requester_phone, ticket.requester_email) == ("", "", "")
    assert session.exec(select(func.count()).select_from(Outbox)).one() == 0


@pytest.mark.parametrize(
    ("upload", "status", "message"),
    [
        (
            ("notes.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
            415,
            "is not a photo",
        ),
        (
            ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
            415,
            "is not a photo",
        ),
        (
            ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
            415,
            "could not be read",
        ),
        (("big.pdf", b"%PDF-1.7\n" + b"0" * 3000, "application/pdf"), 413, "larger than"),
    ],
)
def test_wrong_type_or_size_gets_a_message_and_keeps_the_rest(
    session: Session,
    settings: Settings,
    city: City,
    upload: tuple[str, bytes, str],
    status: int,
    message: str,
) -> None:
    small = settings.model_copy(update={"upload_max_bytes": 2048})
    with TestClient(create_app(small), headers={"Accept-Language": "en"}) as client:
        _sid, response = _file(client, files=[("attachments", upload)], title="摊贩占道经营问题")
    assert response.status_code == status  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert 'id="f-attachments-error"' in html and message in html
    assert 'value="摊贩占道经营问题"' in html and 'value="13812345678"' in html
    assert "choose your photos again" in html
    assert _tickets(session) == 0


def test_too_many_files(
    client: TestClient, session: Session, settings: Settings, city: City
) -> None:
    photo = photo_bytes(gps=False)
    files = [
        ("attachments", (f"p{i}.png", photo, "image/png"))
        for i in range(settings.upload_max_files + 1)
    ]
    _sid, response = _file(client, files=files)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert 'id="f-attachments-error"' in response.text  # type: ignore[attr-defined]
    assert _tickets(session) == 0


def test_a_body_beyond_the_cap_is_refused_before_parsing(
    client: TestClient, settings: Settings, city: City
) -> None:
    _html, hidden = open_form(client)
    cap = (settings.upload_max_files + 1) * settings.upload_max_bytes + 1024 * 1024
    response = client.post(
        "/complaints/new",
        content=b"x" * 10,
        headers={"content-length": str(cap + 1), "content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413


def test_the_form_needs_its_csrf_token(client: TestClient, session: Session, city: City) -> None:
    client.get("/complaints/new")
    response = client.post("/complaints/new", data={**complaint_fields(), "step": "file"})
    assert response.status_code == 403
    assert _tickets(session) == 0


def test_the_honeypot_stops_bots(client: TestClient, session: Session, city: City) -> None:
    _sid, response = _file(client, website="http://spam.example")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert _tickets(session) == 0


def test_rate_limit_per_phone_keeps_the_input(
    session: Session, settings: Settings, city: City
) -> None:
    strict = settings.model_copy(update={"rate_limit_per_phone_per_day": 1})
    with TestClient(create_app(strict), headers={"Accept-Language": "en"}) as client:
        _sid, first = _file(client)
        _sid, second = _file(client, title="又一次反映假酒问题")
    assert first.status_code == 201 and second.status_code == 429  # type: ignore[attr-defined]
    assert "from this phone number today" in second.text  # type: ignore[attr-defined]
    assert 'value="又一次反映假酒问题"' in second.text  # type: ignore[attr-defined]
    assert _tickets(session) == 1


def test_rate_limit_per_address(session: Session, settings: Settings, city: City) -> None:
    strict = settings.model_copy(update={"rate_limit_per_ip_per_hour": 2})
    with TestClient(create_app(strict)) as client:
        statuses = [_file(client, phone=f"1381234567{i}")[1].status_code for i in range(3)]  # type: ignore[attr-defined]
    assert statuses == [201, 201, 429]


def test_sending_the_same_form_twice_files_one_ticket_and_never_reshows_the_code(
    client: TestClient, session: Session, city: City
) -> None:
    _html, hidden = open_form(client)
    data = {**complaint_fields(), **hidden, "step": "file"}
    first = client.post("/complaints/new", data=data)
    again = client.post("/complaints/new", data=data)
    assert first.status_code == 201 and again.status_code == 200
    code = re.search(r'id="access-code">([A-Z0-9]+)<', first.text).group(1)  # type: ignore[union-attr]
    number = session.exec(select(Ticket.number)).one()
    assert number in again.text and code not in again.text
    assert _tickets(session) == 1


def test_category_search_narrows_the_list_and_keeps_the_input(
    client: TestClient, city: City
) -> None:
    _html, hidden = open_form(client)
    response = client.post(
        "/complaints/new",
        data={**hidden, "step": "search", "q": "假酒", "title": "我的标题", "description": "描述"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert 'value="MR.FAKE"' in response.text and 'value="CM.NOISE"' not in response.text
    assert 'value="我的标题"' in response.text and "描述</textarea>" in response.text
    assert "1 of 2 categories shown" in response.text
    by_tag = client.get("/complaints/new", params={"tag": "fake_goods"})
    assert 'value="MR.FAKE"' in by_tag.text and 'value="CM.NOISE"' not in by_tag.text


def test_someone_reported_this_already_and_me_too(
    client: TestClient, session: Session, city: City
) -> None:
    _sid, first = _file(client, title="超市卖假酒，已经很久了")
    assert first.status_code == 201  # type: ignore[attr-defined]
    _sid, elsewhere = _file(
        client, title="别处的假货", district="150204", street="150204001", phone="13900000001"
    )
    assert elsewhere.status_code == 201  # type: ignore[attr-defined]
    number = session.exec(select(Ticket.number).where(Ticket.street_id == city.street.id)).one()

    _html, hidden = open_form(client)
    check = client.post(
        "/complaints/new",
        data={
            **hidden,
            "step": "check",
            "category": "MR.FAKE",
            "district": "150203",
            "street": "150203001",
        },
    )
    assert check.status_code == 200
    assert "超市卖假酒，已经很久了" in check.text and "别处的假货" not in check.text
    assert f'value="join:{number}"' in check.text
    assert "13812345678" not in check.text and "张三" not in check.text  # no personal data

    no_contact = client.post("/complaints/new", data={**hidden, "step": f"join:{number}"})
    assert no_contact.status_code == 422 and 'id="f-phone-error"' in no_contact.text

    joined = client.post(
        "/complaints/new",
        data={**hidden, "step": f"join:{number}", "name": "李四", "phone": "13900000002"},
    )
    assert joined.status_code == 200 and number in joined.text
    again = client.post(
        "/complaints/new",
        data={**hidden, "step": f"join:{number}", "name": "李四", "phone": "139 0000 0002"},
    )
    assert again.status_code == 409
    rows = session.exec(select(CoRequester)).all()
    assert [(r.name, r.phone) for r in rows] == [("李四", "+8613900000002")]
    recheck = client.post(
        "/complaints/new",
        data={
            **hidden,
            "step": "check",
            "category": "MR.FAKE",
            "district": "150203",
            "street": "150203001",
        },
        headers={"Accept-Language": "en"},
    )
    assert "Me too: 1" in recheck.text


@pytest.fixture
def english(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers={"Accept-Language": "en"}) as client:
        yield client


def test_the_form_reads_in_english_and_chinese(
    english: TestClient, client: TestClient, city: City
) -> None:
    form = english.get("/complaints/new").text
    assert "File a complaint" in form and "10 MB each" in form
    chinese = client.get("/complaints/new").text
    assert "我要投诉" in chinese and "隐私" in chinese


def test_complaints_about_a_persons_own_rights_are_never_offered_to_others(
    client: TestClient, session: Session, city: City
) -> None:
    _sid, filed = _file(client, title="超市卖假酒，已经很久了")
    assert filed.status_code == 201  # type: ignore[attr-defined]
    ticket = session.exec(select(Ticket).where(Ticket.street_id == city.street.id)).one()
    session.add(Tag(code="women", name_zh="妇女权益", name_en="Rights of women"))
    session.flush()
    session.add(TicketTag(ticket_id=ticket.id, tag_code="women"))  # type: ignore[arg-type]
    session.commit()
    _html, hidden = open_form(client)
    check = client.post(
        "/complaints/new",
        data={
            **hidden,
            "step": "check",
            "category": "MR.FAKE",
            "district": "150203",
            "street": "150203001",
        },
    )
    assert check.status_code == 200
    assert "超市卖假酒，已经很久了" not in check.text and ticket.number not in check.text
