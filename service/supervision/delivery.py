"""A published report reaches its readers: an e-mail through the outbox with the PDF attached
by reference (rendered from the frozen snapshot at delivery), and a notice on their start page
until they read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from service import clock
from service.auth import roles
from service.auth.models import User
from service.config import Settings
from service.i18n import gettext as _
from service.i18n import use_locale
from service.notifications import service as outbox
from service.notifications.attachments import Attachment
from service.notifications.models import OutboxKind
from service.supervision import reports, revisions
from service.supervision.models import ReportNotice, ReportSnapshot


def readers(session: Session) -> list[User]:
    """Active accounts of the roles that are sent every published report."""
    return list(
        session.exec(
            select(User)
            .where(col(User.active), col(User.role).in_([r.value for r in roles.REPORT_RECIPIENTS]))
            .order_by(col(User.id))
        )
    )


def filename(snapshot: ReportSnapshot) -> str:
    return f"report-{snapshot.period}-v{snapshot.version}.pdf"


def tell_readers(session: Session, snapshot: ReportSnapshot, settings: Settings) -> int:
    """Each reader gets a notice and, with an address on file, an e-mail with the PDF."""
    assert snapshot.id is not None
    at = clock.now()
    link = (
        f"{settings.public_url.rstrip('/')}/staff/supervision/reports/"
        f"{snapshot.period}/v{snapshot.version}"
    )
    with use_locale("zh_CN"):  # the report itself is Chinese; so is the letter with it
        subject, body = _letter(snapshot, settings, link)
    told = 0
    for user in readers(session):
        assert user.id is not None
        session.add(ReportNotice(user_id=user.id, snapshot_id=snapshot.id, created_at=at))
        if user.email:
            outbox.enqueue(
                session,
                kind=OutboxKind.EMAIL,
                recipient=user.email,
                subject=subject,
                body=body,
                payload={
                    "template": "report_published",
                    "snapshot_id": snapshot.id,
                    "attachments": [
                        {
                            "kind": "report_pdf",
                            "snapshot_id": snapshot.id,
                            "filename": filename(snapshot),
                        }
                    ],
                },
            )
        told += 1
    session.flush()
    return told


def _letter(snapshot: ReportSnapshot, settings: Settings, link: str) -> tuple[str, str]:
    values = {
        "city": settings.city_name_zh,
        "period": snapshot.period,
        "version": snapshot.version,
    }
    if snapshot.version == 1:
        subject = _("%(city)s 12345 supervision report %(period)s published") % values
        lead = _("The supervision report for %(period)s has been published (version %(version)s).")
    else:
        subject = (
            _("%(city)s 12345 supervision report %(period)s corrected (v%(version)s)") % values
        )
        lead = _(
            "The supervision report for %(period)s has been corrected: version %(version)s "
            "replaces the earlier one, which stays readable."
        )
    lines = [lead % values]
    if snapshot.reason:
        lines.append(_("Reason for the correction: %(reason)s") % {"reason": snapshot.reason})
    lines += [
        _("The report is attached as a PDF; it can also be read at %(link)s") % {"link": link},
        "SHA-256: " + snapshot.sha256,
    ]
    return subject, "\n\n".join(lines) + "\n"


def render_html(env: Any, snapshot: ReportSnapshot, *, printable: bool) -> str:
    """The report page from the stored JSON only (the PDF is made from this HTML)."""
    template = env.get_template(
        "staff/supervision/report_print.html" if printable else "staff/supervision/report_body.html"
    )
    return str(template.render(report_context(snapshot)))


def report_context(snapshot: ReportSnapshot) -> dict[str, Any]:
    """What the report templates read: the stored JSON and how to put ledger rows in words."""
    return {
        "snapshot": snapshot,
        "content": reports.content_of(snapshot),
        "verified": reports.verify(snapshot),
        "describe_figure": revisions.describe,
        "show_figure": revisions.shown,
    }


def pdf_of(env: Any, snapshot: ReportSnapshot) -> bytes:
    with use_locale("zh_CN"):
        html = render_html(env, snapshot, printable=True)
    return reports.to_pdf(html)


def report_pdf(session: Session, ref: dict[str, Any], settings: Settings) -> Attachment:
    """The outbox's maker for a report_pdf reference: the snapshot's PDF, the same bytes as
    the download link gives."""
    from service.web.templating import make_templates

    snapshot = session.get(ReportSnapshot, int(ref["snapshot_id"]))
    if snapshot is None:
        raise LookupError(f"no report snapshot {ref['snapshot_id']}")
    body = pdf_of(make_templates(settings).env, snapshot)
    return Attachment(filename(snapshot), "application/pdf", body)


def unread(session: Session, user_id: int) -> list[ReportSnapshot]:
    """The published reports a reader has not read yet, newest first."""
    return list(
        session.exec(
            select(ReportSnapshot)
            .join(ReportNotice, col(ReportNotice.snapshot_id) == ReportSnapshot.id)
            .where(ReportNotice.user_id == user_id, col(ReportNotice.read_at).is_(None))
            .order_by(col(ReportSnapshot.published_at).desc(), col(ReportSnapshot.id).desc())
        )
    )


def mark_read(session: Session, user_id: int, snapshot_id: int, at: datetime) -> None:
    """Reading a report (or dismissing its notice) takes the notice off the start page."""
    session.execute(
        update(ReportNotice)
        .where(
            col(ReportNotice.user_id) == user_id,
            col(ReportNotice.snapshot_id) == snapshot_id,
            col(ReportNotice.read_at).is_(None),
        )
        .values(read_at=at)
    )
