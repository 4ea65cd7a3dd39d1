"""Clocks that start in a holiday, stand still and move: Spring Festival 2026, National Day 2025."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, select

from service import clock, i18n
from service.auth.models import Role
from service.sla import clocks
from service.sla import service as sla
from service.sla.models import ClockPause, DueWarning, ExtensionDecision
from service.tickets import service as tickets
from service.tickets.states import Action
from tests.departments.helpers import add_policy, dispatched_ticket, make_user, units
from tests.factories import TZ


@pytest.mark.parametrize(
    ("dispatched", "handling", "sign_for_due", "handling_due"),
    [
        # Inside the Spring Festival break (15–23 Feb 2026): counting starts Tue 24 Feb,
        # due at close of business; Sat 28 Feb is a make-up working day.
        (
            datetime(2026, 2, 18, 10, 0, tzinfo=TZ),
            "5wd",
            datetime(2026, 2, 24, 17, 30, tzinfo=TZ),
            datetime(2026, 2, 28, 17, 30, tzinfo=TZ),
        ),
        # Friday before it: Sat 14 Feb (make-up) counts, then the break is skipped.
        (
            datetime(2026, 2, 13, 10, 0, tzinfo=TZ),
            "3wd",
            datetime(2026, 2, 14, 10, 0, tzinfo=TZ),
            datetime(2026, 2, 25, 10, 0, tzinfo=TZ),
        ),
        # Inside National Day 2025 (1–8 Oct): day 1 is Thu 9 Oct; Sat 11 Oct is a make-up day.
        (
            datetime(2025, 10, 3, 15, 0, tzinfo=TZ),
            "3wd",
            datetime(2025, 10, 9, 17, 30, tzinfo=TZ),
            datetime(2025, 10, 11, 17, 30, tzinfo=TZ),
        ),
        # Sun 28 Sep 2025 is a make-up working day, so a clock can start on a Sunday.
        (
            datetime(2025, 9, 28, 9, 0, tzinfo=TZ),
            "2wd",
            datetime(2025, 9, 29, 9, 0, tzinfo=TZ),
            datetime(2025, 9, 30, 9, 0, tzinfo=TZ),
        ),
    ],
)
def test_clocks_that_start_around_a_holiday(
    session: Session,
    dispatched: datetime,
    handling: str,
    sign_for_due: datetime,
    handling_due: datetime,
) -> None:
    add_policy(session, handling=handling)
    samr, _ = units(session)
    ticket = dispatched_ticket(session, at=dispatched, lead=samr)
    assert (ticket.sign_for_due, ticket.handling_due) == (sign_for_due, handling_due)
    warning = session.get(DueWarning, ticket.id)
    assert warning is not None and warning.handling_warn_at is not None
    assert dispatched < warning.handling_warn_at < handling_due


def test_a_pause_across_national_day_moves_the_deadline_by_working_time_only(
    session: Session,
) -> None:
    add_policy(session, handling="15wd")
    samr, _ = units(session)
    handler = make_user(session, username="h", role=Role.HANDLER, unit=samr)
    ticket = dispatched_ticket(session, at=datetime(2025, 9, 22, 10, 0, tzinfo=TZ), lead=samr)
    # 15 working days, Sun 28 Sep and Sat 11 Oct being make-up days: Fri 17 Oct 10:00.
    assert ticket.handling_due == datetime(2025, 10, 17, 10, 0, tzinfo=TZ)
    tickets.transition(session, ticket, Action.SIGN_FOR, actor=tickets.Actor.staff(handler))
    with clock.frozen(datetime(2025, 9, 30, 10, 0, tzinfo=TZ)):
        sla.pause_clock(session, ticket, user=handler, reason="等材料", expected_version=None)
        with pytest.raises(sla.ClockError):
            sla.pause_clock(session, ticket, user=handler, reason="again", expected_version=None)
    with clock.frozen(datetime(2025, 10, 9, 10, 0, tzinfo=TZ)):
        pause = sla.resume_clock(session, ticket, user=handler)
    # Tue 30 Sep 10:00–17:30 is 5 working hours, Thu 9 Oct 08:30–10:00 is 1.5; the eight
    # holiday days count nothing.
    assert pause.paused_working_hours == pytest.approx(6.5)
    assert ticket.handling_due == datetime(2025, 10, 20, 10, 0, tzinfo=TZ)
    session.commit()
    views = {v.name: v for v in clocks.clock_views(session, ticket)}
    assert views["handling_due"].trace[:2] == [
        {
            "step": "paused",
            "at": "2025-09-30T10:00:00+08:00",
            "until": "2025-10-09T10:00:00+08:00",
            "hours": 6.5,
        },
        {"step": "pause_shift", "at": "2025-10-17T10:00:00+08:00", "hours": 6.5},
    ]
    with i18n.use_locale("zh_CN"):
        assert views["handling_due"].lines[:2] == [
            "暂停 2025-09-30（周二）10:00 → 2025-10-09（周四）10:00：停表6.5个工作小时",
            "办理期限 2025-10-17（周五）10:00 顺延6.5个工作小时",
        ]
        assert views["handling_due"].lines[-1] == "到期 2025-10-20（周一）10:00"
    assert views["sign_for_due"].trace  # the other clocks keep the trace that set them
    assert session.exec(select(ClockPause)).one().ended_at is not None


def test_an_extension_over_spring_festival_keeps_both_dates(session: Session) -> None:
    add_policy(session, handling="5wd")
    samr, _ = units(session)
    handler = make_user(session, username="h", role=Role.HANDLER, unit=samr)
    dispatcher = make_user(session, username="d", role=Role.DISPATCHER)
    ticket = dispatched_ticket(session, at=datetime(2026, 2, 9, 9, 0, tzinfo=TZ), lead=samr)
    assert ticket.handling_due == datetime(2026, 2, 14, 9, 0, tzinfo=TZ)  # make-up Saturday
    tickets.transition(session, ticket, Action.SIGN_FOR, actor=tickets.Actor.staff(handler))
    with clock.frozen(datetime(2026, 2, 12, 11, 0, tzinfo=TZ)):
        with pytest.raises(sla.ClockError, match="after the current deadline"):
            sla.request_extension(
                session,
                ticket,
                user=handler,
                reason="x",
                requested_due=datetime(2026, 2, 13, 17, 30, tzinfo=TZ),
                expected_version=None,
            )
        request = sla.request_extension(
            session,
            ticket,
            user=handler,
            reason="节后才能检测",
            requested_due=datetime(2026, 2, 27, 17, 30, tzinfo=TZ),
            expected_version=None,
        )
    with clock.frozen(datetime(2026, 2, 13, 9, 0, tzinfo=TZ)):
        sla.decide_extension(
            session,
            request,
            ticket,
            user=dispatcher,
            approve=True,
            granted_due=datetime(2026, 2, 25, 17, 30, tzinfo=TZ),
        )
    assert request.decision is ExtensionDecision.APPROVED
    assert (request.previous_due, request.requested_due, request.granted_due) == (
        datetime(2026, 2, 14, 9, 0, tzinfo=TZ),
        datetime(2026, 2, 27, 17, 30, tzinfo=TZ),
        datetime(2026, 2, 25, 17, 30, tzinfo=TZ),
    )
    assert ticket.handling_due == datetime(2026, 2, 25, 17, 30, tzinfo=TZ)
    views = {v.name: v for v in clocks.clock_views(session, ticket)}
    with i18n.use_locale("zh_CN"):
        lines = views["handling_due"].lines
    assert lines[0].startswith(f"延期申请 #{request.id} 于 2026-02-13（周五）09:00 由")
    assert lines[1:] == [
        "原期限 2026-02-14（周六）09:00",
        "申请延至 2026-02-27（周五）17:30",
        "批准延至 2026-02-25（周三）17:30（与申请的日期不同）",
    ]
    warning = session.get(DueWarning, ticket.id)
    assert warning is not None and warning.handling_warn_at is not None
    # Yellow comes inside the working days before the new deadline, not in the holiday.
    assert warning.handling_warn_at.astimezone(TZ).date().isoformat() == "2026-02-25"


def test_an_extension_is_asked_for_before_the_deadline(session: Session) -> None:
    add_policy(session, handling="5wd")
    samr, _ = units(session)
    handler = make_user(session, username="h", role=Role.HANDLER, unit=samr)
    ticket = dispatched_ticket(session, at=datetime(2026, 2, 9, 9, 0, tzinfo=TZ), lead=samr)
    tickets.transition(session, ticket, Action.SIGN_FOR, actor=tickets.Actor.staff(handler))
    with (
        clock.frozen(datetime(2026, 2, 24, 9, 0, tzinfo=TZ)),
        pytest.raises(sla.ClockError, match="deadline has passed"),
    ):
        sla.request_extension(
            session,
            ticket,
            user=handler,
            reason="late",
            requested_due=datetime(2026, 3, 2, 17, 30, tzinfo=TZ),
            expected_version=None,
        )
