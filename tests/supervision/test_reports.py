"""Published months are frozen and verifiable; public outputs carry no personal data."""

from __future__ import annotations

import io
import zipfile

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.callbacks.models import Callback
from service.config import Settings
from service.supervision import jobs, reports
from service.supervision.models import ReportSnapshot
from service.tickets.models import Ticket
from tests.callbacks.helpers import make_user, sign_in, submit
from tests.supervision import dataset
from tests.supervision.dataset import local

PDF_MISSING = reports.pdf_unavailable_reason()
# PDF output is part of every assertion here; where the renderer cannot run, say why.
pytestmark = pytest.mark.skipif(PDF_MISSING is not None, reason=PDF_MISSING or "")

NAME, PHONE, EMAIL = "欧阳娜娜", "13912345678", "nana.ouyang@example.com"


def _files(client: TestClient, base: str) -> dict[str, bytes]:
    return {fmt: client.get(f"{base}.{fmt}").content for fmt in ("csv", "xlsx", "pdf")} | {
        "html": client.get(base).content
    }


def test_published_month_is_byte_identical_after_edits_and_verifies(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    session.commit()
    sign_in(client, supervisor)
    with clock.frozen(local("2026-12-02T09:00")):
        bad = submit(
            client,
            "/staff/supervision/reports",
            "/staff/supervision/reports",
            {"month": "2026-13", "note": "x"},
        )
        assert bad.status_code == 422 and 'value="2026-13"' in bad.text
        published = submit(
            client,
            "/staff/supervision/reports",
            "/staff/supervision/reports",
            {"month": "2026-11", "note": "first"},
        )
    assert published.status_code == 303
    base = published.headers["location"]
    before = _files(client, base)
    assert before["pdf"].startswith(b"%PDF") and before["xlsx"].startswith(b"PK")

    # A November callback changes its answer and a ticket is excluded afterwards.
    callback = session.exec(select(Callback).order_by(Callback.id)).first()  # type: ignore[arg-type]
    assert callback is not None
    callback.satisfied = dataset.D
    session.add(callback)
    for t in session.exec(select(Ticket)).all():
        t.title = "改过的标题"
        session.add(t)
    session.commit()
    assert _files(client, base) == before

    (snapshot,) = session.exec(select(ReportSnapshot)).all()
    assert reports.verify(snapshot)
    assert snapshot.sha256 in before["html"].decode()
    assert snapshot.sha256 in before["csv"].decode("utf-8-sig")

    # A correction is a new version beside the old one; both stay readable.
    with clock.frozen(local("2026-12-03T09:00")):
        submit(
            client,
            "/staff/supervision/reports",
            "/staff/supervision/reports",
            {"month": "2026-11", "note": "correction", "reason": "a callback changed its answer"},
        )
    v1, v2 = reports.snapshots(session, period="2026-11")
    assert (v1.version, v2.version) == (1, 2) and v1.sha256 != v2.sha256
    assert client.get(base).status_code == 200
    after = _files(client, base)
    # The files are the frozen report, byte for byte; the page around it now also says
    # that a later version corrects it (and links the versions and the ledger).
    assert {k: v for k, v in after.items() if k != "html"} == {
        k: v for k, v in before.items() if k != "html"
    }
    assert "此版本已被后续版本更正。" in after["html"].decode()


def test_deputy_reads_reports_but_cannot_publish(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    reports.publish(session, "2026-11", settings, user_id=None)
    deputy = make_user(session, username="npc", role=Role.DEPUTY)
    session.commit()
    sign_in(client, deputy)
    listing = client.get("/staff/supervision/reports")
    assert listing.status_code == 200 and "2026-11" in listing.text
    assert "report_publish" not in listing.text and 'name="month"' not in listing.text
    assert client.post("/staff/supervision/reports", data={"month": "2026-11"}).status_code == 403
    assert client.get("/staff/supervision/reports/2026-11/v1").status_code == 200
    drill = client.get(
        "/staff/supervision/tickets?month=2026-11&dimension=unit&key=1&measure=answered"
    )
    assert drill.status_code == 200 and "张三" not in drill.text and "13800000000" not in drill.text


def test_scheduled_job_publishes_last_month_once(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dataset.build(session)
    monkeypatch.setenv("CIVIC_TIMEZONE", "Asia/Shanghai")
    jobs.publish_last_month(session, local("2026-12-01T08:00"))
    jobs.publish_last_month(session, local("2026-12-05T08:00"))
    assert [(s.period, s.version) for s in reports.snapshots(session)] == [("2026-11", 1)]


def test_public_outputs_carry_no_personal_data(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    # Tickets with personal data everywhere a citizen might type it.
    for i in range(3):
        t = dataset._ticket(session, f"2026-11-1{i}T10:00", phone=PHONE, lead_unit_id=None)
        t.requester_name, t.requester_email = NAME, EMAIL
        t.title = f"{NAME} {PHONE} 投诉"
        t.description = f"请联系 {EMAIL}"
        session.add(t)
        session.add(
            Callback(
                ticket_id=t.id or 0,
                unit_id=None,
                answered_at=local(f"2026-11-2{i}T10:00"),
                contacted=True,
                resolved=dataset.R,
                satisfied=dataset.S,
                channel="phone",
                comment=f"{NAME} 说谢谢 {PHONE}",
            )
        )  # type: ignore[arg-type]
    snapshot = reports.publish(session, "2026-11", settings, user_id=None)
    deputy = make_user(session, username="npc", role=Role.DEPUTY)
    session.commit()

    with clock.frozen(local("2026-12-02T09:00")):
        outputs = {"transparency": client.get("/transparency").text}
    assert "2026-11" in outputs["transparency"] and "假冒伪劣" in outputs["transparency"]
    # The vulnerable groups by their own names ("disabled" is also a word for a switched-off
    # account elsewhere in the catalogues).
    for group in ("老年人权益", "妇女权益", "未成年人权益", "残疾人权益"):
        assert group in outputs["transparency"]
    assert "已停用" not in outputs["transparency"]
    sign_in(client, deputy)
    base = f"/staff/supervision/reports/{snapshot.period}/v{snapshot.version}"
    files = _files(client, base)
    outputs["html"] = files["html"].decode()
    outputs["csv"] = files["csv"].decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(files["xlsx"])) as book:
        outputs["xlsx"] = "".join(
            book.read(n).decode() for n in book.namelist() if n.endswith(".xml")
        )
    pdf = pypdf.PdfReader(io.BytesIO(files["pdf"]))
    outputs["pdf"] = "".join(page.extract_text() for page in pdf.pages)
    assert "甲局" in outputs["pdf"] and "甲局" in outputs["xlsx"]
    for where, text in outputs.items():
        for secret in (
            NAME,
            PHONE,
            EMAIL,
            "欧阳",
            "nana.ouyang",
            "张三",
            "13800000000",
            "超市卖假酒",
        ):
            assert secret not in text, f"{secret!r} leaked into {where}"
