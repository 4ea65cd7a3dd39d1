"""A small city with hand-computed answers (see test_metrics.py for the arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service import clock
from service.callbacks.models import (
    Callback,
    CallbackChannel,
    HandlingTime,
    Resolution,
    Satisfaction,
)
from service.catalogue.models import CategoryTag, Tag
from service.places.models import AreaLevel, UnitClass
from service.tickets import service as tickets
from service.tickets.models import Channel, Ticket, TicketTag, TicketType
from service.tickets.states import Status
from tests.factories import make_area, make_category, make_unit

TZ = ZoneInfo("Asia/Shanghai")
R, P, N = Resolution.RESOLVED, Resolution.PARTLY, Resolution.NOT_RESOLVED
S, B, D = Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@dataclass
class City:
    ids: dict[str, Any] = field(default_factory=dict)


_serial = iter(range(1, 1_000_000))


def _ticket(session: Session, at: str, **fields: Any) -> Ticket:
    """A ticket row as it stands after its history (no access-code hashing: fast)."""
    moment = local(at)
    ticket = Ticket(
        number=f"BT{moment:%y%m%d}{next(_serial):05d}",
        channel=Channel.HOTLINE,
        type=fields.pop("ticket_type", TicketType.COMPLAINT),
        title="超市卖假酒",
        description="在某超市买到假冒白酒。",
        requester_name="张三",
        requester_phone=fields.pop("phone", "13800000000"),
        created_at=moment,
        updated_at=moment,
        **fields,
    )
    session.add(ticket)
    session.flush()
    return ticket


def build(session: Session) -> City:
    city = City()
    d1 = make_area(session, code="150201", name_zh="东河区", population=200_000)
    d2 = make_area(session, code="150202", name_zh="昆都仑区", population=300_000)
    street = make_area(
        session,
        code="150201001",
        level=AreaLevel.STREET,
        parent=d1,
        name_zh="西脑包街道",
        population=50_000,
    )
    a = make_unit(session, code="M-A", name_zh="甲局")
    b = make_unit(session, code="M-B", name_zh="乙局")
    c = make_unit(session, code="M-C", name_zh="丙局")
    make_unit(session, code="E-WATER", name_zh="水务公司", unit_class=UnitClass.ENTERPRISE)
    session.add(Tag(code="elderly", name_zh="老年人权益", name_en="Elderly"))
    session.add(Tag(code="minors", name_zh="未成年人权益", name_en="Minors"))
    session.flush()
    cat = make_category(session, code="MR.FAKE", name_zh="假冒伪劣", unit=a)
    cat2 = make_category(session, code="UR.STALL", name_zh="占道经营", unit=b)
    session.add(CategoryTag(category_id=cat.id or 0, tag_code="elderly"))
    session.flush()
    city.ids.update(
        d1=d1.id, d2=d2.id, street=street.id, a=a.id, b=b.id, c=c.id, cat=cat.id, cat2=cat2.id
    )

    # Callbacks answered in November (tickets filed in September, so they are not among
    # November's work orders).
    answers = {
        a.id: [(True, R, S), (True, R, S), (True, P, B), (False, N, D), (True, P, S)],
        b.id: [(True, R, S)] * 4,
        c.id: [(True, R, S)] * 2,
    }
    day = 3
    for unit_id, rows in answers.items():
        for contacted, resolved, satisfied in rows:
            t = _ticket(
                session,
                "2026-09-10T10:00",
                lead_unit_id=unit_id,
                district_id=d1.id,
                category_id=cat2.id,
                status=Status.CLOSED,
            )
            session.add(
                Callback(
                    ticket_id=t.id or 0,
                    unit_id=unit_id,
                    answered_at=local(f"2026-11-{day:02d}T10:00"),
                    contacted=contacted,
                    resolved=resolved,
                    satisfied=satisfied,
                    channel=CallbackChannel.PHONE,
                )
            )
            day += 1
    # B's dissatisfied callback was appealed and excluded (核减): it must not count.
    excluded = _ticket(
        session,
        "2026-09-10T10:00",
        lead_unit_id=b.id,
        status=Status.CLOSED,
        assessment_excluded=True,
        exclusion_reason="citizen's demand unlawful",
    )
    session.add(
        Callback(
            ticket_id=excluded.id or 0,
            unit_id=b.id,
            answered_at=local("2026-11-20T10:00"),
            contacted=False,
            resolved=N,
            satisfied=D,
            channel=CallbackChannel.PHONE,
        )
    )
    city.ids["excluded"] = excluded.number
    # October: A answered 4 callbacks, all contacted and resolved but dissatisfied.
    for day in range(1, 5):
        t = _ticket(session, "2026-09-10T10:00", lead_unit_id=a.id, status=Status.CLOSED)
        session.add(
            Callback(
                ticket_id=t.id or 0,
                unit_id=a.id,
                answered_at=local(f"2026-10-{day:02d}T10:00"),
                contacted=True,
                resolved=R,
                satisfied=D,
                channel=CallbackChannel.PHONE,
            )
        )

    # November work orders of unit A.
    t1 = _ticket(
        session,
        "2026-11-02T08:00",
        lead_unit_id=a.id,
        district_id=d1.id,
        street_id=street.id,
        category_id=cat.id,
        sign_for_due=local("2026-11-02T10:00"),
        signed_for_at=local("2026-11-02T09:00"),
        handling_due=local("2026-11-10T18:00"),
        replied_at=local("2026-11-09T12:00"),
        status=Status.HANDLING,
    )
    t2 = _ticket(
        session,
        "2026-11-02T09:00",
        lead_unit_id=a.id,
        district_id=d1.id,
        sign_for_due=local("2026-11-03T10:00"),
        signed_for_at=local("2026-11-04T09:00"),
        handling_due=local("2026-11-15T18:00"),
        replied_at=local("2026-11-20T12:00"),
        status=Status.PENDING_CALLBACK,
    )
    t3 = _ticket(
        session,
        "2026-11-30T20:00",
        lead_unit_id=a.id,
        district_id=d1.id,
        sign_for_due=local("2026-11-30T21:00"),
        signed_for_at=local("2026-11-30T20:30"),
        handling_due=local("2026-11-30T22:00"),
        status=Status.HANDLING,
    )
    t4 = _ticket(
        session,
        "2026-11-05T09:00",
        lead_unit_id=a.id,
        district_id=d2.id,
        sign_for_due=local("2026-12-05T10:00"),
        handling_due=local("2026-12-20T18:00"),
        status=Status.PENDING_SIGN_FOR,
    )
    session.add(TicketTag(ticket_id=t4.id or 0, tag_code="minors"))
    actor = tickets.Actor.system()
    with clock.frozen(local("2026-11-03T10:00")):
        tickets.record(session, t2, "request_return", actor=actor, reason="not ours")
        tickets.record(session, t1, "reopen", actor=actor, reason="dissatisfied")
        tickets.record(session, t3, "extension_requested", actor=actor, reason="needs survey")
        tickets.record(session, t3, "extension_approved", actor=actor, reason="ok")
    # Two direct answers (consultations) in November; one ticket just after midnight local
    # on 1 December (still 30 November in UTC) that November must not count.
    for at in ("2026-11-06T09:00", "2026-11-07T09:00"):
        _ticket(session, at, ticket_type=TicketType.CONSULTATION, status=Status.ANSWERED)
    _ticket(session, "2026-12-01T01:00", district_id=d1.id)
    # Handling times closed in November.
    for hours, unit in ((10, a), (50, a), (30, a), (20, a), (40, a), (4, b)):
        t = _ticket(session, "2026-09-10T10:00", status=Status.CLOSED)
        session.add(
            HandlingTime(
                ticket_id=t.id or 0,
                unit_id=unit.id,
                closed_at=local("2026-11-15T10:00"),
                hours=hours,
            )
        )
    city.ids.update(t1=t1.number, t2=t2.number, t3=t3.number, t4=t4.number)
    session.flush()
    return city
