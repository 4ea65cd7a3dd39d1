"""A return keeps the returning unit's lateness: hand-computed on-time figures per unit and city.

The rule table uses clock hours (sign for within 2 h, handle within 24 h), so every deadline
below is plain arithmetic. Unit A is the heating company of BT2611280007, B the unit the
tickets go to next.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role, User
from service.places.models import Unit
from service.routing import service as routing
from service.routing.models import ReturnReason, RoutingMethod
from service.sla.models import DeadlinePolicy, UnitHolding
from service.supervision import metrics
from service.supervision.metrics import Dimension
from service.tickets import service as tickets
from service.tickets.models import Ticket
from service.tickets.states import Action
from tests.factories import make_ticket, make_unit, make_user
from tests.supervision.dataset import TZ, local

NOV = metrics.month_period("2026-11", TZ)
AS_OF = local("2026-12-02T00:00")


class City:
    def __init__(self, session: Session) -> None:
        session.add(
            DeadlinePolicy(
                sign_for="2h", first_contact="2h", handling="24h", callback="3wd", dispatch="2h"
            )
        )
        self.session = session
        self.a = make_unit(session, code="E-HEAT", name_zh="热力公司")
        self.b = make_unit(session, code="M-HOUSING", name_zh="市住建局")
        self.dispatcher = make_user(session, "dispatcher", Role.DISPATCHER)
        self.handlers = {
            self.a.id: make_user(session, "heat", Role.HANDLER, self.a),
            self.b.id: make_user(session, "housing", Role.HANDLER, self.b),
        }

    def handler(self, ticket: Ticket) -> User:
        return self.handlers[ticket.lead_unit_id]

    def filed(self, at: str, title: str) -> Ticket:
        with clock.frozen(local(at)):
            ticket, _ = make_ticket(self.session, title=title)
            tickets.transition(
                self.session, ticket, Action.OPEN_WORK_ORDER, actor=tickets.Actor.system()
            )
        return ticket

    def dispatch(self, ticket: Ticket, unit: Unit, at: str) -> None:
        with clock.frozen(local(at)):
            routing.dispatch(
                self.session,
                ticket,
                lead=unit,
                actor=tickets.Actor.staff(self.dispatcher),
                method=RoutingMethod.MANUAL,
                steps=[],
                user=self.dispatcher,
            )

    def sign(self, ticket: Ticket, at: str) -> None:
        with clock.frozen(local(at)):
            actor = tickets.Actor.staff(self.handler(ticket))
            tickets.transition(self.session, ticket, Action.SIGN_FOR, actor=actor)

    def reply(self, ticket: Ticket, at: str) -> None:
        with clock.frozen(local(at)):
            actor = tickets.Actor.staff(self.handler(ticket))
            tickets.transition(self.session, ticket, Action.SUBMIT_REPLY, actor=actor)

    def returned(self, ticket: Ticket, asked: str, approved: str) -> None:
        with clock.frozen(local(asked)):
            routing.request_return(
                self.session,
                ticket,
                user=self.handler(ticket),
                reason=ReturnReason.NOT_OUR_DUTY,
                text="",
            )
        with clock.frozen(local(approved)):
            routing.approve_return(self.session, ticket, user=self.dispatcher, note="")


def _build(session: Session) -> City:
    city = City(session)
    # T1, BT2611280007's story: A has it Sat 28 Nov 09:00, sign-for due 11:00, handling due
    # Sun 29 Nov 09:00. A signs at 10:00 (on time), asks to return it Mon 30 Nov 10:00, a day
    # after its deadline (late); approved 11:00. B gets it 12:00 (due 14:00 and Tue 1 Dec
    # 12:00), signs 13:00 and replies 1 Dec 10:00: both on time.
    t1 = city.filed("2026-11-28T08:30", "家里暖气不热，有老人和孩子")
    city.dispatch(t1, city.a, "2026-11-28T09:00")
    city.sign(t1, "2026-11-28T10:00")
    city.returned(t1, "2026-11-30T10:00", "2026-11-30T11:00")
    city.dispatch(t1, city.b, "2026-11-30T12:00")
    city.sign(t1, "2026-11-30T13:00")
    city.reply(t1, "2026-12-01T10:00")
    # T2: A from Mon 2 Nov 09:00, signs 12:00 (late: due 11:00), replies 20:00 (due 3 Nov 09:00).
    t2 = city.filed("2026-11-02T08:00", "暖气漏水")
    city.dispatch(t2, city.a, "2026-11-02T09:00")
    city.sign(t2, "2026-11-02T12:00")
    city.reply(t2, "2026-11-02T20:00")
    # T3: A from Tue 10 Nov 09:00, signs 10:00, returns it 15:00, before its 11 Nov 09:00
    # deadline (not late); approved 16:00 and still waiting for dispatch.
    t3 = city.filed("2026-11-10T08:00", "供暖费问题")
    city.dispatch(t3, city.a, "2026-11-10T09:00")
    city.sign(t3, "2026-11-10T10:00")
    city.returned(t3, "2026-11-10T15:00", "2026-11-10T16:00")
    # T4: B from Thu 12 Nov 09:00, never signed nor answered: late on both clocks.
    t4 = city.filed("2026-11-12T08:00", "楼道灯不亮")
    city.dispatch(t4, city.b, "2026-11-12T09:00")
    session.commit()
    return city


def _row(rows: list[metrics.WorkflowRow], key: object) -> metrics.WorkflowRow:
    return {r.key: r for r in rows}[key]


def test_a_late_return_still_counts_late_for_the_unit_that_returned_it(session: Session) -> None:
    city = _build(session)
    rows = metrics.workflow_rates(session, NOV, Dimension.UNIT, as_of=AS_OF)
    a = _row(rows, city.a.id)
    # A's spells: T1 (ended late), T2 (still A's), T3 (ended in time).
    # Sign-for: T1 on time + T2 late + T3 on time = 2 on time of 3.
    assert (a.signed_on_time, a.sign_for_counted) == (2, 3)
    # Closure: T1 counts late (returned a day past its deadline), T2 on time, T3 not judged
    # (handed back before its deadline) = 1 on time of 2 = 50 %. Before, A read 1 of 1.
    assert (a.closed_on_time, a.closure_counted) == (1, 2)
    assert a.on_time_closure() == 0.5
    # One work order is A's now (T2); two spells were handed back, one of them late.
    assert (a.work_orders, a.handed_back, a.late_at_return) == (1, 2, 1)
    b = _row(rows, city.b.id)
    # B: T1 signed and replied on time, T4 neither: 1 of 2 on both clocks.
    assert (b.signed_on_time, b.sign_for_counted, b.closed_on_time, b.closure_counted) == (
        1,
        2,
        1,
        2,
    )
    assert (b.work_orders, b.handed_back) == (2, 0)


def test_the_city_counts_every_ticket_once_and_a_late_return_as_late(session: Session) -> None:
    _build(session)
    (city,) = metrics.workflow_rates(session, NOV, Dimension.CITY, as_of=AS_OF)
    # Four work orders, T3 included although no unit holds it now.
    assert city.work_orders == 4
    # Sign-for: T1 on time (A and B both), T2 late, T3 on time (at A), T4 late = 2 of 4.
    assert (city.signed_on_time, city.sign_for_counted) == (2, 4)
    # Closure: T1 late (A was late before B's on-time reply), T2 on time, T3 not judged,
    # T4 late = 1 on time of 3 = 33.3 %. Before, the city read 2 of 3 (T1 on time at B).
    assert (city.closed_on_time, city.closure_counted) == (1, 3)
    assert (city.handed_back, city.late_at_return) == (2, 1)


def test_the_holding_keeps_the_due_times_the_unit_had(session: Session) -> None:
    city = _build(session)
    spells = session.exec(
        select(UnitHolding).where(
            UnitHolding.unit_id == city.a.id, col(UnitHolding.ended_at).is_not(None)
        )
    ).all()
    by_end = {s.ended_at.astimezone(TZ): s for s in spells if s.ended_at}
    late = by_end[datetime(2026, 11, 30, 10, 0, tzinfo=TZ)]
    assert late.handling_due == datetime(2026, 11, 29, 9, 0, tzinfo=TZ)
    assert (late.sign_for_late, late.handling_late) == (False, True)
    early = by_end[datetime(2026, 11, 10, 15, 0, tzinfo=TZ)]
    assert (early.sign_for_late, early.handling_late) == (False, False)
