"""Readers get every published report: an outbox e-mail with the PDF attached (made at
delivery from the frozen snapshot) and a notice on their start page until they read it;
quarterly and yearly reports the same way.

Hand computation for 2026-Q4 (tests/supervision/dataset.py; w_basic = 0.8):
    October:  unit A 4 callbacks, all dissatisfied          -> satisfied weight 0
    November: 11 counted callbacks, satisfied weight 9.8     (see test_revisions.py)
    December: none
    quarter:  9.8 / (4 + 11) = 9.8 / 15 = 0.6533… -> 65.3 %
    tickets filed: 6 in November + 1 on 1 December (local) = 7
"""

from __future__ import annotations

import io
from email.message import EmailMessage

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role, User
from service.config import Settings
from service.notifications.jobs import deliver_messages
from service.notifications.models import Outbox, OutboxKind
from service.supervision import jobs, reports
from service.supervision.models import ReportNotice
from tests.callbacks.helpers import make_user, sign_in, submit
from tests.notifications.test_outbox import FakeSmtp
from tests.supervision import dataset
from tests.supervision.dataset import local

PDF_MISSING = reports.pdf_unavailable_reason()
REPORTS = "/staff/supervision/reports"


def _readers(session: Session) -> tuple[User, User, User]:
    deputy = make_user(session, username="npc", role=Role.DEPUTY)
    deputy.email = "npc.deputy@example.org"
    cppcc = make_user(session, username="cppcc", role=Role.DEPUTY)  # no address: notice only
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    supervisor.email = "office@example.org"
    session.add_all([deputy, supervisor])
    session.commit()
    return deputy, cppcc, supervisor


@pytest.mark.skipif(PDF_MISSING is not None, reason=PDF_MISSING or "")
def test_readers_get_the_report_by_email_with_the_pdf_and_a_start_page_notice(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    deputy, cppcc, supervisor = _readers(session)
    sign_in(client, supervisor)
    with clock.frozen(local("2026-12-02T09:00")):
        assert submit(client, REPORTS, REPORTS, {"month": "2026-11"}).status_code == 303

    (mail,) = session.exec(select(Outbox).where(Outbox.kind == OutboxKind.EMAIL)).all()
    assert mail.recipient == "npc.deputy@example.org"  # readers only, and only with an address
    assert mail.subject == "包头市12345热线 2026-11 监督报告已发布"
    # The row names the PDF; the bytes are made at delivery, not stored in the outbox.
    assert mail.payload["attachments"][0]["filename"] == "report-2026-11-v1.pdf"
    assert "%PDF" not in mail.body

    smtp = settings.model_copy(update={"smtp_host": "smtp.example.org"})
    with clock.frozen(local("2026-12-02T09:01")):
        result = deliver_messages(session, clock.now(), settings=smtp, smtp_class=FakeSmtp)
    session.commit()
    assert result.sent == 1
    (sent,) = FakeSmtp.instances[0].sent
    assert isinstance(sent, EmailMessage) and sent["To"] == "npc.deputy@example.org"
    (pdf,) = list(sent.iter_attachments())
    assert pdf.get_filename() == "report-2026-11-v1.pdf"
    assert pdf.get_content_type() == "application/pdf"
    body = pdf.get_content()
    assert body.startswith(b"%PDF")
    assert "甲局" in "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)

    # Each reader's start page shows the report until it is read.
    sign_in(client, deputy)
    home = client.get("/staff").text
    assert "新报告" in home and "监督报告 2026-11，第 1 版" in home
    assert client.get("/staff/supervision/reports/2026-11/v1").status_code == 200
    assert "监督报告 2026-11，第 1 版" not in client.get("/staff").text
    sign_in(client, cppcc)
    assert "监督报告 2026-11，第 1 版" in client.get("/staff").text
    (notice,) = session.exec(select(ReportNotice).where(ReportNotice.user_id == cppcc.id)).all()
    dismissed = submit(
        client, "/staff", "/staff/report-notices/read", {"snapshot_id": notice.snapshot_id}
    )
    assert dismissed.status_code == 303
    assert "监督报告 2026-11，第 1 版" not in client.get("/staff").text
    # The supervisor who published is not told about it.
    sign_in(client, supervisor)
    assert "新报告" not in client.get("/staff").text


def test_a_correction_reaches_the_readers_with_its_reason(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    deputy, _, supervisor = _readers(session)
    reports.publish(session, "2026-11", settings, user_id=None)
    session.commit()
    sign_in(client, supervisor)
    with clock.frozen(local("2026-12-06T09:00")):
        submit(client, REPORTS, REPORTS, {"month": "2026-11", "reason": "补录迟到的回访"})
    mails = session.exec(select(Outbox).order_by(col(Outbox.id))).all()
    assert [m.subject for m in mails] == [
        "包头市12345热线 2026-11 监督报告已发布",
        "包头市12345热线 2026-11 监督报告已更正（第 2 版）",
    ]
    assert "更正理由：补录迟到的回访" in mails[1].body
    assert mails[1].payload["attachments"][0]["filename"] == "report-2026-11-v2.pdf"
    sign_in(client, deputy)
    home = client.get("/staff").text
    assert "监督报告 2026-11，第 2 版" in home and "补录迟到的回访" in home


def test_quarterly_report_is_built_published_and_delivered(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    deputy, _, supervisor = _readers(session)
    sign_in(client, supervisor)
    with clock.frozen(local("2027-01-02T09:00")):
        published = submit(client, REPORTS, REPORTS, {"month": "2026-Q4"})
    assert published.headers["location"].endswith("/staff/supervision/reports/2026-Q4/v1")
    (snapshot,) = reports.snapshots(session, period="2026-Q4")
    content = reports.content_of(snapshot)
    assert content["kind"] == "quarter" and content["period"] == "2026-Q4"
    assert content["totals"]["answered"] == 15  # 4 in October + 11 in November
    assert content["totals"]["satisfaction"] == round(9.8 / 15, 4)  # 0.6533
    assert content["totals"]["tickets"] == 7
    # Workflow figures: unit A's work orders as metrics.workflow_rates counts them at the
    # quarter's end. Sign-for: t1 and t3 on time, t2 late, t4 never signed and due on
    # 5 December -> 2 of 4 = 50.0 %. Closure: t1 on time, t2 replied late, t3 and t4 open
    # past their deadlines -> 1 of 4 = 25.0 %. One return (t2), one re-handling (t1).
    (a,) = [u for u in content["workflow"]["units"] if u["unit"] == "M-A"]
    assert (a["work_orders"], a["sign_for_counted"], a["closure_counted"]) == (4, 4, 4)
    assert (a["on_time_sign_for"], a["on_time_closure"]) == (0.5, 0.25)
    assert (a["returned"], a["reopened"]) == (1, 1)
    page = client.get(published.headers["location"]).text
    assert "办理流程" in page and "50.0%" in page and "25.0%" in page and "每月一题" in page
    assert session.exec(select(Outbox).where(Outbox.recipient == "npc.deputy@example.org")).one()

    # The scheduled jobs publish the last quarter and the last year once each.
    jobs.publish_last_quarter(session, local("2027-01-03T08:00"))
    jobs.publish_last_year(session, local("2027-01-03T08:00"))
    jobs.publish_last_year(session, local("2027-01-04T08:00"))
    session.commit()  # the job runner commits once per run
    labels = sorted((s.period, s.version) for s in reports.snapshots(session))
    assert labels == [("2026", 1), ("2026-Q4", 1)]
    year = reports.content_of(reports.snapshots(session, period="2026")[0])
    assert year["kind"] == "year" and year["totals"]["answered"] == 15
    sign_in(client, deputy)
    home = client.get("/staff").text
    assert "监督报告 2026-Q4，第 1 版" in home and "监督报告 2026，第 1 版" in home


def test_an_administrator_gives_a_reader_the_address_reports_are_sent_to(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    admin = make_user(session, username="root", role=Role.ADMIN)
    session.commit()
    sign_in(client, admin)
    form = {
        "username": "npc-wang",
        "role": "deputy",
        "password": "long password 1",
        "email": "wang@npc.example.org",
    }
    assert submit(client, "/staff/admin/users", "/staff/admin/users", form).status_code == 303
    reader = session.exec(select(User).where(User.username == "npc-wang")).one()
    assert reader.email == "wang@npc.example.org"
    page = f"/staff/admin/users/{reader.id}"
    assert 'value="wang@npc.example.org"' in client.get(page).text
    edit = {
        "display_name": "王代表",
        "role": "deputy",
        "active": "1",
        "email": "w@cppcc.example.org",
    }
    assert submit(client, page, page, edit).status_code == 303
    session.expire_all()  # the page changed the row; this session still holds the old one
    reports.publish(session, "2026-11", settings, user_id=None)
    session.commit()
    (mail,) = session.exec(select(Outbox)).all()
    assert mail.recipient == "w@cppcc.example.org"
