"""Deadline sweeps: the supervision ladder on the handling clock and overdue sign-fors.

Yellow and red flags are not stored per ticket: lists compare the stored due times (on the
ticket) and warning moments (due_warning) with now in SQL, so a flag is never stale between
sweeps and no job rewrites thousands of rows. What the sweeps store is what happened: one
supervision_step row per ticket, clock, level and deadline, with its event and notification.

A sweep reads only tickets that can be due. The query is `status IN (open states) AND
handling_due <= horizon`, which the composite index ix_ticket_status_handling_due answers
with one range scan per status: closed history (status 'closed') is never visited, so the
cost follows the number of open tickets near or past their deadline, not the table's size.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func
from sqlmodel import Session, col, select

from service.places.models import Unit
from service.sla import waits
from service.sla.calendar import WorkCalendar
from service.sla.clocks import set_warning, work_calendar
from service.sla.models import Clock as ClockName
from service.sla.models import (
    ClockPause,
    DueWarning,
    ExtensionDecision,
    ExtensionRequest,
    LadderLevel,
    SupervisionStep,
)
from service.tickets import reasons
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketEvent, Visibility
from service.tickets.reasons import N_
from service.tickets.states import Status

log = logging.getLogger(__name__)

# The handling clock runs from dispatch until the unit submits its reply.
HANDLING_CLOCK_STATES = (Status.PENDING_SIGN_FOR, Status.HANDLING)
# A reminder comes at most 24 working hours (or less) before the deadline; 24 working hours
# are under four working days, and even the Spring Festival break adds only nine rest days,
# so no warning moment lies further than this before its deadline. The horizon keeps the
# reminder sweep an index range scan instead of a look at every open ticket.
REMINDER_HORIZON = timedelta(days=31)
BATCH = 500

ACTIONS = {
    LadderLevel.REMINDER: "reminder",  # 催办
    LadderLevel.NOTICE: "supervision_notice",  # 督办
    LadderLevel.CRITICISM: "public_criticism",  # 通报
}
_SMS = {
    LadderLevel.REMINDER: "【{city}12345催办】工单{number}将于{due}到期，请抓紧办理。",
    LadderLevel.NOTICE: "【{city}12345督办】工单{number}已于{due}超期，请立即办理并说明原因。",
    LadderLevel.CRITICISM: "【{city}12345通报】工单{number}超期未办结（期限{due}），将予以通报。",
}
SIGN_FOR_SMS = "【{city}12345督办】工单{number}应于{due}前签收，现已超期，请立即签收。"


def handling_sweep_query(now: datetime) -> Select[Any]:
    """Open, unpaused tickets whose handling deadline is within the horizon or past."""
    paused = exists().where(
        col(ClockPause.ticket_id) == Ticket.id, col(ClockPause.ended_at).is_(None)
    )
    return (
        select(Ticket.id, Ticket.handling_due, DueWarning.handling_warn_at)
        .outerjoin(DueWarning, col(DueWarning.ticket_id) == Ticket.id)
        .where(
            col(Ticket.status).in_(HANDLING_CLOCK_STATES),
            col(Ticket.handling_due) <= now + REMINDER_HORIZON,
            ~paused,
        )
        .order_by(col(Ticket.handling_due))
    )


def sign_for_sweep_query(now: datetime) -> Select[Any]:
    """Tickets still waiting to be signed for after their sign-for deadline."""
    return (
        select(Ticket.id, Ticket.sign_for_due)
        .where(col(Ticket.status) == Status.PENDING_SIGN_FOR, col(Ticket.sign_for_due) <= now)
        .order_by(col(Ticket.sign_for_due))
    )


def ladder_level(
    calendar: WorkCalendar,
    now: datetime,
    due: datetime,
    warn_at: datetime | None,
    criticism_after: int,
) -> list[LadderLevel]:
    """The rungs reached now: a reminder only before the deadline, then notice, then criticism."""
    if now < due:
        return [LadderLevel.REMINDER] if warn_at is not None and warn_at <= now else []
    reached = [LadderLevel.NOTICE]
    if calendar.add_working_days(due, criticism_after).at <= now:
        reached.append(LadderLevel.CRITICISM)
    return reached


@dataclass(frozen=True)
class Step:
    ticket_id: int
    clock: ClockName
    level: LadderLevel
    due_at: datetime


def supervise(session: Session, now: datetime, *, criticism_after: int, city: str = "") -> int:
    """Record every ladder step reached and not yet recorded; returns how many were new."""
    calendar = work_calendar(session)
    wanted: list[Step] = []
    for ticket_id, due, warn_at in session.execute(handling_sweep_query(now)).tuples():
        for level in ladder_level(calendar, now, due, warn_at, criticism_after):
            wanted.append(Step(ticket_id, ClockName.HANDLING, level, due))
    for ticket_id, due in session.execute(sign_for_sweep_query(now)).tuples():
        wanted.append(Step(ticket_id, ClockName.SIGN_FOR, LadderLevel.NOTICE, due))
    written = 0
    for start in range(0, len(wanted), BATCH):
        written += _write_steps(session, now, wanted[start : start + BATCH], calendar, city)
    return written


def _not_yet_written(
    session: Session, wanted: list[Step], *, clocks: Sequence[ClockName] | None = None
) -> list[Step]:
    """The wanted steps the ladder has not recorded yet (each step is written once)."""
    if not wanted:
        return []
    query = select(
        SupervisionStep.ticket_id,
        SupervisionStep.clock,
        SupervisionStep.level,
        SupervisionStep.due_at,
    ).where(col(SupervisionStep.ticket_id).in_({s.ticket_id for s in wanted}))
    if clocks is not None:
        query = query.where(col(SupervisionStep.clock).in_(clocks))
    seen = {(tid, ClockName(c), LadderLevel(lv), d) for tid, c, lv, d in session.exec(query)}
    return [s for s in wanted if (s.ticket_id, s.clock, s.level, s.due_at) not in seen]


def _write_steps(
    session: Session, now: datetime, wanted: list[Step], calendar: WorkCalendar, city: str
) -> int:
    new = _not_yet_written(session, wanted)
    if not new:
        return 0
    ids = {s.ticket_id for s in new}
    by_id = {t.id: t for t in session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))}
    unit_ids = {t.lead_unit_id for t in by_id.values() if t.lead_unit_id}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    # Should another run write the same step meanwhile (the lease makes that rare), the
    # unique constraint fails this whole transaction; the next tick sees the step and skips it.
    for step in new:
        ticket = by_id[step.ticket_id]
        _write_step(session, now, ticket, units.get(ticket.lead_unit_id), step, calendar, city)
    return len(new)


def _write_step(
    session: Session,
    now: datetime,
    ticket: Ticket,
    unit: Unit | None,
    step: Step,
    calendar: WorkCalendar,
    city: str,
) -> None:
    from service.notifications import service as notifications
    from service.notifications.models import OutboxKind

    session.add(
        SupervisionStep(
            ticket_id=step.ticket_id,
            clock=step.clock,
            level=step.level,
            due_at=step.due_at,
            at=now,
            unit_id=unit.id if unit else None,
        )
    )
    session.flush()
    action = "sign_for_overdue" if step.clock is ClockName.SIGN_FOR else ACTIONS[step.level]
    notified = bool(unit and unit.phone)
    tickets.record(
        session,
        ticket,
        action,
        actor=tickets.Actor.system("deadline engine"),
        visibility=Visibility.INTERNAL,
        reason="" if notified else "the unit has no duty phone on file; nobody was notified",
        data={
            "clock": step.clock.value,
            "level": step.level.value,
            "due": step.due_at.isoformat(),
            **(
                {}
                if notified
                else reasons.system_reason(
                    N_("The unit has no duty phone on file; nobody was notified.")
                )
            ),
        },
    )
    if unit is not None and unit.phone:
        template = SIGN_FOR_SMS if step.clock is ClockName.SIGN_FOR else _SMS[step.level]
        due_local = step.due_at.astimezone(calendar.tz).strftime("%m-%d %H:%M")
        notifications.enqueue(
            session,
            kind=OutboxKind.SMS,
            recipient=unit.phone,
            subject=f"{action} {ticket.number}",
            body=template.format(city=city, number=ticket.number, due=due_local),
            payload={
                "ticket": ticket.number,
                "clock": step.clock.value,
                "level": step.level.value,
                "due": step.due_at.isoformat(),
                "unit": unit.code,
            },
        )
    session.flush()


def supervision_ladder(session: Session, now: datetime) -> None:
    """Scheduled job: reminders, supervision notices, public criticism, overdue sign-fors."""
    from service.config import load_settings

    settings = load_settings()
    supervise(
        session,
        now,
        criticism_after=settings.criticism_after_working_days,
        city=settings.city_name_zh,
    )


# The hotline office's own clocks ------------------------------------------------------------
# Kept apart from the unit ladder above: the owner is the office, so a step carries no unit
# and no SMS goes to a unit's duty phone; the office sees its flags on its own queues.

OFFICE_STATES = tuple(waits.STATE_CLOCKS)


def office_sweep_query(now: datetime) -> Select[Any]:
    """Tickets waiting for the office whose office deadline is within the horizon or past."""
    return (
        select(Ticket.id, Ticket.status, Ticket.office_due, DueWarning.office_warn_at)
        .outerjoin(DueWarning, col(DueWarning.ticket_id) == Ticket.id)
        .where(
            col(Ticket.status).in_(OFFICE_STATES),
            col(Ticket.office_due) <= now + REMINDER_HORIZON,
        )
        .order_by(col(Ticket.office_due))
    )


def extension_sweep_query(now: datetime) -> Select[Any]:
    """Pending extension requests whose review deadline is within the horizon or past."""
    return (
        select(
            ExtensionRequest.ticket_id,
            ExtensionRequest.review_due,
            ExtensionRequest.review_warn_at,
        )
        .where(
            ExtensionRequest.decision == ExtensionDecision.PENDING,
            col(ExtensionRequest.review_due) <= now + REMINDER_HORIZON,
        )
        .order_by(col(ExtensionRequest.review_due))
    )


def supervise_office(session: Session, now: datetime, *, criticism_after: int) -> int:
    """Record every ladder step the office's waits reached and not yet recorded; how many."""
    calendar = work_calendar(session)
    wanted: list[Step] = []
    for ticket_id, status, due, warn_at in session.execute(office_sweep_query(now)).tuples():
        clock_name = waits.STATE_CLOCKS[Status(status)]
        for level in ladder_level(calendar, now, due, warn_at, criticism_after):
            wanted.append(Step(ticket_id, clock_name, level, due))
    for ticket_id, due, warn_at in session.execute(extension_sweep_query(now)).tuples():
        for level in ladder_level(calendar, now, due, warn_at, criticism_after):
            wanted.append(Step(ticket_id, ClockName.EXTENSION_REVIEW, level, due))
    written = 0
    for start in range(0, len(wanted), BATCH):
        written += _write_office_steps(session, now, wanted[start : start + BATCH])
    return written


def _write_office_steps(session: Session, now: datetime, wanted: list[Step]) -> int:
    new = _not_yet_written(session, wanted, clocks=waits.OFFICE_CLOCKS)
    if not new:
        return 0
    ids = {s.ticket_id for s in new}
    by_id = {t.id: t for t in session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))}
    for step in new:
        session.add(
            SupervisionStep(
                ticket_id=step.ticket_id,
                clock=step.clock,
                level=step.level,
                due_at=step.due_at,
                at=now,
                unit_id=None,
            )
        )
        tickets.record(
            session,
            by_id[step.ticket_id],
            ACTIONS[step.level],
            actor=tickets.Actor.system("deadline engine"),
            visibility=Visibility.INTERNAL,
            data={
                "clock": step.clock.value,
                "level": step.level.value,
                "due": step.due_at.isoformat(),
                "owner": "hotline_office",
            },
        )
    session.flush()
    return len(new)


def office_ladder(session: Session, now: datetime) -> None:
    """Scheduled job: the ladder on the office's dispatch, review and extension clocks."""
    from service.config import load_settings

    start_missing_office_clocks(session, now)
    supervise_office(session, now, criticism_after=load_settings().criticism_after_working_days)


def start_missing_office_clocks(session: Session, now: datetime) -> int:
    """Waits that began before their clock existed (or before a rule set it) get one, from
    the moment the wait began; an indexed look at `office_due IS NULL` per waiting state."""
    started = 0
    for status, clock_name in waits.STATE_CLOCKS.items():
        entered = (
            select(func.max(TicketEvent.at))
            .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.to_status == status)
            .scalar_subquery()
        )
        rows = session.execute(
            select(Ticket, entered)
            .where(Ticket.status == status, col(Ticket.office_due).is_(None))
            .limit(BATCH)
        ).all()
        for ticket, since in rows:
            begun = _aware(since) or ticket.updated_at
            computed = waits.office_due(session, ticket, clock_name, begun)
            if computed is not None:
                ticket.office_due = computed[0]
                set_warning(session, ticket, office=computed[1])
                session.add(ticket)
                started += 1
    pending = session.exec(
        select(ExtensionRequest)
        .where(
            ExtensionRequest.decision == ExtensionDecision.PENDING,
            col(ExtensionRequest.review_due).is_(None),
        )
        .limit(BATCH)
    ).all()
    for request in pending:
        ticket = session.get(Ticket, request.ticket_id)
        if ticket is not None:
            waits.start_extension_review(session, request, ticket, request.requested_at)
            started += request.review_due is not None
    session.flush()
    return started


def _aware(value: datetime | None) -> datetime | None:
    # SQLite aggregates lose the column type and come back naive (they are UTC).
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
