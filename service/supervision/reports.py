"""The report of a month, quarter or year: built from SQL figures, published as a frozen
snapshot (canonical JSON plus its SHA-256), and rendered to HTML, CSV, XLSX and PDF from the
stored JSON only. A correction is a new version with its reason; the ledger keeps what changed."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zipfile
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from service import clock
from service.callbacks.models import Callback
from service.catalogue.models import Category, Tag
from service.config import Settings
from service.places.models import Area, Unit
from service.supervision import leagues, metrics, periods, report_sections, revisions
from service.supervision import vulnerable as vulnerable_trend
from service.supervision.models import ReportSnapshot
from service.tickets.models import Ticket

VULNERABLE_TAGS = vulnerable_trend.VULNERABLE_TAGS


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _interval(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [round(pair[0], 4), round(pair[1], 4)]


def build(session: Session, month: str, settings: Settings) -> dict[str, Any]:
    """The period's figures as plain data: no names of people, no free text from citizens."""
    tz = settings.tz
    period = periods.period_of(month, tz)
    w = metrics.Weights(settings.metrics_w_partly, settings.metrics_w_basic)
    city = metrics.callback_rates(session, period, metrics.Dimension.CITY)
    totals = city[0] if city else metrics.CallbackRow("all", 0, 0, 0, 0, 0, 0)
    volume = sum(n for _, n in metrics.volumes(session, period, metrics.Bucket.MONTH, tz))
    # Leagues, criticisms and vulnerable-group trends (issue 12, points 3 and 6).
    assessed = leagues.tables(session, month, settings)
    league_content = leagues.as_content(assessed)
    tags = {t.code: t for t in session.exec(select(Tag))}
    per_tag = {
        r.key: r for r in metrics.complaints_per_10k(session, period, by=metrics.Dimension.TAG)
    }
    population = metrics.city_population(session)
    vulnerable = [
        {
            "tag": code,
            "name_zh": tags[code].name_zh if code in tags else code,
            "name_en": tags[code].name_en if code in tags else code,
            "complaints": per_tag[code].complaints if code in per_tag else 0,
            "per_10k": _r(
                (per_tag[code].per_10k() if code in per_tag else 0.0) if population else None
            ),
        }
        for code in VULNERABLE_TAGS
    ]
    categories = {c.id: c for c in session.exec(select(Category))}
    top = [
        {
            "category": categories[cid].code,
            "name_zh": categories[cid].name_zh,
            "name_en": categories[cid].name_en,
            "tickets": n,
        }
        for cid, n in metrics.top_categories(session, period)
        if cid in categories
    ]
    # Tickets excluded from assessment (核减) whose callback fell in the month.
    excluded = session.execute(
        select(col(Ticket.number), col(Unit.code), col(Ticket.exclusion_reason))
        .join(Callback, col(Callback.ticket_id) == Ticket.id)
        .outerjoin(Unit, col(Unit.id) == Callback.unit_id)
        .where(
            col(Ticket.assessment_excluded).is_(True),
            col(Callback.answered_at) >= period.start,
            col(Callback.answered_at) < period.end,
        )
        .order_by(col(Ticket.number))
    ).all()
    return {
        "period": period.label,
        "city": settings.city_name_zh,
        "rules": {
            "w_partly": settings.metrics_w_partly,
            "w_basic": settings.metrics_w_basic,
            "min_sample": settings.metrics_min_sample,
            "composite_default": list(settings.composite_weights_default),
            "red_flag_threshold": settings.red_flag_threshold,
            "red_flag_months": settings.red_flag_months,
        },
        "totals": {
            "tickets": volume,
            "answered": totals.answered,
            "response": _r(totals.response()),
            "resolution": _r(totals.resolution(w)),
            "satisfaction": _r(totals.satisfaction(w)),
            "intervals": {k: _interval(v) for k, v in sorted(totals.intervals(w).items())},
            "population": population,
        },
        "leagues": league_content,
        "league_rules": leagues.rules_content(assessed.rules),
        "criticisms": sum(leagues.criticisms(session, period).values()),
        "vulnerable": vulnerable,
        "vulnerable_trend": vulnerable_trend.as_content(
            # The twelve months up to the period's last month (a quarter's or year's too).
            vulnerable_trend.trend(session, periods.months_of(month)[1], tz),
            {a.id: a.code for a in session.exec(select(Area)) if a.id is not None},
        ),
        "top_categories": top,
        "excluded": [{"ticket": n, "unit": u or "", "reason": r} for n, u, r in excluded],
    } | _my_sections(session, period, settings)


def _my_sections(session: Session, period: metrics.Period, settings: Settings) -> dict[str, Any]:
    """Workflow figures, the monthly topic's progress and the breakdowns every page shows."""
    as_of = min(clock.now(), period.end)  # as the dashboard counts an open overdue ticket
    return {
        "kind": periods.kind_of(period.label).value,
        "workflow": report_sections.workflow(session, period, as_of=as_of),
        "topics": report_sections.topic_progress(session, period.label, settings.tz),
        "figures": report_sections.figures(session, period, as_of=as_of),
    }


def canonical(content: dict[str, Any]) -> str:
    """One text per content: sorted keys, no spaces, UTF-8 kept (what the hash covers)."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReasonRequiredError(ValueError):
    """A published period is corrected only with a reason."""


def publish(
    session: Session,
    month: str,
    settings: Settings,
    *,
    user_id: int | None,
    note: str = "",
    reason: str = "",
) -> ReportSnapshot:
    """A new frozen version of the period; earlier versions stay as they were. From version 2
    on a reason is required, and every figure it changes goes into the revisions ledger;
    the readers are told (e-mail with the PDF, start-page notice) in the same transaction."""
    from service.supervision import delivery  # delivery renders reports: imported late

    periods.period_of(month, settings.tz)  # refuses a malformed period
    reason = reason.strip()
    previous = revisions.latest(session, month)
    if previous is not None and not reason:
        raise ReasonRequiredError(month)
    content = build(session, month, settings)
    at = clock.now()
    version = (previous.version if previous else 0) + 1
    changed = _changed(content_of(previous), content) if previous else []
    entries = [
        {
            "period": month,
            "version": version,
            "previous_version": version - 1,
            "figure": path,
            "before": old,
            "after": new,
            "reason": reason,
            "revised_at": at.isoformat(),
        }
        for path, old, new in changed
    ]
    content["revisions"] = report_sections.revisions_section(
        session, month, reason=reason, new_rows=entries
    )
    text = canonical(content)
    snapshot = ReportSnapshot(
        period=month,
        version=version,
        published_at=at,
        published_by=user_id,
        note=note.strip(),
        reason=reason,
        content=text,
        sha256=digest(text),
    )
    session.add(snapshot)
    session.flush()
    if previous is not None:
        revisions.record(session, snapshot, previous, changed)
    delivery.tell_readers(session, snapshot, settings)
    return snapshot


def _changed(
    before: dict[str, Any], after: dict[str, Any]
) -> list[tuple[str, float | None, float | None]]:
    """Changed figures, leaving out sections the earlier version did not have at all (a
    section added to the report format is not a revision of a published figure)."""
    return [row for row in revisions.changes(before, after) if row[0].split(".")[0] in before]


def verify(snapshot: ReportSnapshot) -> bool:
    """The stored content still hashes to the published hash."""
    return digest(snapshot.content) == snapshot.sha256


def content_of(snapshot: ReportSnapshot) -> dict[str, Any]:
    return json.loads(snapshot.content)  # type: ignore[no-any-return]


def snapshots(session: Session, *, period: str | None = None) -> list[ReportSnapshot]:
    query = select(ReportSnapshot)
    if period:
        query = query.where(ReportSnapshot.period == period)
    return list(
        session.exec(query.order_by(col(ReportSnapshot.period).desc(), col(ReportSnapshot.version)))
    )


def get(session: Session, period: str, version: int) -> ReportSnapshot | None:
    return session.exec(
        select(ReportSnapshot).where(
            ReportSnapshot.period == period, ReportSnapshot.version == version
        )
    ).first()


def latest_published(session: Session) -> ReportSnapshot | None:
    """The newest version of the latest published month (quarters and years left aside)."""
    return session.exec(
        select(ReportSnapshot)
        .where(
            col(ReportSnapshot.period).like("____-__"),
            col(ReportSnapshot.period).not_like("%Q%"),
        )
        .order_by(col(ReportSnapshot.period).desc(), col(ReportSnapshot.version).desc())
    ).first()


# --- files: rendered from the stored JSON, so the same snapshot gives the same bytes ---------

LEAGUE_COLUMNS = (
    "league",
    "rank",
    "unit",
    "name_zh",
    "answered",
    "response",
    "resolution",
    "satisfaction",
    "composite",
    "change",
    "red_flag",
    "on_time_sign_for",
    "on_time_closure",
    "criticisms",
    "not_ranked_min_sample",
)


def _league_rows(content: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for league, standings in content["leagues"].items():
        for s in standings:
            rows.append(
                [
                    league,
                    s["rank"],
                    s["unit"],
                    s["name_zh"],
                    s["answered"],
                    s["response"],
                    s["resolution"],
                    s["satisfaction"],
                    s["composite"],
                    s["change"],
                    s["red_flag"],
                    # Reports published before timeliness entered the leagues lack these.
                    s.get("on_time_sign_for"),
                    s.get("on_time_closure"),
                    s.get("criticisms"),
                    (s.get("not_ranked") or {}).get("min_sample"),
                ]
            )
    return rows


def to_csv(snapshot: ReportSnapshot) -> bytes:
    """The league tables, with the period, version and hash on the first line."""
    content = content_of(snapshot)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["period", snapshot.period, "version", snapshot.version, "sha256", snapshot.sha256]
    )
    writer.writerow(LEAGUE_COLUMNS)
    for row in _league_rows(content):
        writer.writerow(["" if v is None else v for v in row])
    writer.writerow([])
    writer.writerow(["tag", "complaints", "per_10k"])
    for v in content["vulnerable"]:
        writer.writerow([v["tag"], v["complaints"], "" if v["per_10k"] is None else v["per_10k"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese right


def to_xlsx(snapshot: ReportSnapshot) -> bytes:
    """openpyxl stamps the time into the workbook and the zip entries; both are pinned to
    the publication time so the file is byte-identical every time it is rendered."""
    from openpyxl import Workbook

    content = content_of(snapshot)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "leagues"
    sheet.append(
        ["period", snapshot.period, "version", snapshot.version, "sha256", snapshot.sha256]
    )
    sheet.append(list(LEAGUE_COLUMNS))
    for row in _league_rows(content):
        sheet.append(row)
    tags = book.create_sheet("vulnerable")
    tags.append(["tag", "name_zh", "complaints", "per_10k"])
    for v in content["vulnerable"]:
        tags.append([v["tag"], v["name_zh"], v["complaints"], v["per_10k"]])
    stamp = snapshot.published_at.replace(tzinfo=None, microsecond=0)
    book.properties.created = stamp
    book.properties.modified = stamp
    raw = io.BytesIO()
    book.save(raw)
    return _pin_zip_times(raw.getvalue(), snapshot.published_at)


def _pin_zip_times(data: bytes, at: datetime) -> bytes:
    stamp = (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps "modified" with the wall clock at save time.
                body = _MODIFIED.sub(
                    lambda m: m.group(1) + at.strftime("%Y-%m-%dT%H:%M:%SZ") + m.group(3),
                    body.decode("utf-8"),
                ).encode("utf-8")
            target.writestr(fixed, body)
    return out.getvalue()


_MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)([^<]*)(</dcterms:modified>)")


class PdfUnavailableError(RuntimeError):
    """The PDF renderer cannot run on this machine; the message says what to install."""


def pdf_unavailable_reason() -> str | None:
    """None when WeasyPrint can render, else why not (it loads Debian's pango at import)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            "PDF reports need WeasyPrint with the pango libraries "
            f"(apt-get install libpango-1.0-0 libpangoft2-1.0-0): {first}"
        )
    return None


def to_pdf(html: str) -> bytes:
    """WeasyPrint (HTML + CSS to PDF; needs the pango libraries); deterministic output."""
    reason = pdf_unavailable_reason()
    if reason:
        raise PdfUnavailableError(reason)
    from weasyprint import HTML

    # fontTools stamps each embedded font subset with the current time unless
    # SOURCE_DATE_EPOCH is set (the reproducible-builds convention); a published report's PDF
    # must come out byte for byte the same on every download.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def names(session: Session) -> dict[str, dict[Any, Any]]:
    """Area and unit names for pages that show keys."""
    return {
        "areas": {a.id: a for a in session.exec(select(Area))},
        "units": {u.id: u for u in session.exec(select(Unit))},
    }
