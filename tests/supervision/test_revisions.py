"""Published is published: after a month is published, pages show its published figures and
mark where live data now differs; a correction is version 2 with its reason, in the ledger.

Hand computation (tests/supervision/dataset.py, callbacks answered in November 2026, the
excluded one left out), with w_basic = 0.8:
    unit A (甲局): S, S, B, D, S    -> (3 + 0.8) / 5 = 3.8 / 5  = 76.0 %
    unit B (乙局): S, S, S, S       ->  4 / 4              = 100.0 %
    unit C (丙局): S, S             ->  2 / 2              = 100.0 %
    city:          3.8 + 4 + 2 = 9.8 over 5 + 4 + 2 = 11   =  89.1 %   (9.8 / 11 = 0.89090…)
A late callback for A, answered on 28 November (recorded in December), dissatisfied:
    unit A: 3.8 / 6 = 63.3 %   (63.33 − 76.00 = −12.7 points), n = 6 (+1)
    city:   9.8 / 12 = 81.7 %  (81.67 − 89.09 = −7.4 points),  n = 12 (+1)
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.callbacks.models import Callback, CallbackChannel
from service.config import Settings
from service.supervision import reports, revisions
from service.supervision.models import ReportRevision
from service.tickets.models import Ticket
from service.tickets.states import Status
from tests.callbacks.helpers import make_user, sign_in, submit
from tests.supervision import dataset
from tests.supervision.dataset import local

REPORTS = "/staff/supervision/reports"


def _late_callback(session: Session, unit_id: int) -> None:
    """A November callback recorded after the month was published (answered 28 November)."""
    ticket = dataset._ticket(
        session, "2026-09-12T10:00", lead_unit_id=unit_id, status=Status.CLOSED
    )
    session.add(
        Callback(
            ticket_id=ticket.id or 0,
            unit_id=unit_id,
            answered_at=local("2026-11-28T10:00"),
            contacted=True,
            resolved=dataset.N,
            satisfied=dataset.D,
            channel=CallbackChannel.PHONE,
        )
    )
    session.commit()


def test_published_figures_stay_and_live_differences_are_marked_revised(
    client: TestClient, session: Session, settings: Settings
) -> None:
    city = dataset.build(session)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    session.commit()
    sign_in(client, supervisor)
    with clock.frozen(local("2026-12-02T09:00")):
        published = submit(client, REPORTS, REPORTS, {"month": "2026-11", "note": "月报"})
    assert published.status_code == 303

    _late_callback(session, city.ids["a"])

    with clock.frozen(local("2026-12-05T09:00")):
        by_unit = client.get("/staff/supervision?month=2026-11&dimension=unit").text
        by_city = client.get("/staff/supervision?month=2026-11&dimension=city").text
        public = client.get("/transparency").text
        drill = client.get(
            f"/staff/supervision/tickets?month=2026-11&dimension=unit&key={city.ids['a']}"
            "&measure=answered"
        ).text
    # The dashboard keeps the published 76.0 % for A and says what live data now reads.
    assert "76.0%" in by_unit and "已修订" in by_unit
    assert "n=6 (+1)" in by_unit and "63.3%" in by_unit and "(-12.7 个百分点)" in by_unit
    assert "89.1%" in by_city and "81.7%" in by_city and "(-7.4 个百分点)" in by_city
    assert "/staff/supervision/revisions?period=2026-11" in by_unit
    # The drill-down gives the published count beside today's list.
    assert "发布数字（2026-11 报告第 1 版）：5。" in drill and "6（+1）" in drill
    # /transparency: one history — the published 89.1 % in the headline and in the trend.
    assert "以 2026-11 报告（第 1 版）发布的数字为准。" in public
    headline = public.split('id="chart-volumes"')[0]
    assert "89.1%" in headline and "已修订" in headline and "(-7.4 个百分点)" in headline
    row = public.split('id="chart-rates"')[1].split("<tr><td>2026-11</td>")[1].split("</tr>")[0]
    published_cells, marker = row.split("已发布第 1 版")
    assert "89.1%" in published_cells and "81.7%" not in published_cells
    assert "已修订" in marker and "81.7%" in marker


def test_a_correction_is_version_2_with_its_reason_in_the_ledger(
    client: TestClient, session: Session, settings: Settings
) -> None:
    city = dataset.build(session)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    deputy = make_user(session, username="npc", role=Role.DEPUTY)
    session.commit()
    sign_in(client, supervisor)
    with clock.frozen(local("2026-12-02T09:00")):
        submit(client, REPORTS, REPORTS, {"month": "2026-11"})
    _late_callback(session, city.ids["a"])

    with clock.frozen(local("2026-12-06T09:00")):
        refused = submit(client, REPORTS, REPORTS, {"month": "2026-11", "reason": " "})
        assert refused.status_code == 422 and "请说明更正理由" in refused.text
        corrected = submit(
            client, REPORTS, REPORTS, {"month": "2026-11", "reason": "补录11月28日的回访"}
        )
    assert corrected.headers["location"].endswith("/staff/supervision/reports/2026-11/v2")
    v1, v2 = reports.snapshots(session, period="2026-11")
    assert (v1.version, v2.version, v2.reason) == (1, 2, "补录11月28日的回访")
    assert reports.verify(v1) and reports.verify(v2)
    rows = {r.figure: r for r in session.exec(select(ReportRevision)).all()}
    assert (rows["totals.answered"].before, rows["totals.answered"].after) == (11, 12)
    assert (rows["totals.satisfaction"].before, rows["totals.satisfaction"].after) == (
        round(9.8 / 11, 4),
        round(9.8 / 12, 4),
    )
    assert all(r.reason == "补录11月28日的回访" and r.version == 2 for r in rows.values())

    # Deputies read the ledger: the figure in words, before and after, and why.
    sign_in(client, deputy)
    ledger = client.get("/staff/supervision/revisions?period=2026-11")
    assert ledger.status_code == 200
    assert "全市合计 · 满意率" in ledger.text and "89.1%" in ledger.text
    assert "81.7%" in ledger.text and "补录11月28日的回访" in ledger.text
    # The old version stays readable, says it was corrected, and the new one carries the ledger.
    old = client.get("/staff/supervision/reports/2026-11/v1").text
    assert "此版本已被后续版本更正。" in old
    new = client.get("/staff/supervision/reports/2026-11/v2").text
    assert "修订台账" in new and "补录11月28日的回访" in new
    # Pages now show version 2, which equals live data: no revised marker for the city.
    with clock.frozen(local("2026-12-06T10:00")):
        by_city = client.get("/staff/supervision?month=2026-11&dimension=city").text
    assert "2026-11 报告第 2 版" in by_city and "81.7%" in by_city and "已修订" not in by_city
    # Handlers and operators do not read the ledger.
    sign_in(client, make_user(session, username="op", role=Role.OPERATOR))
    session.commit()
    assert client.get("/staff/supervision/revisions").status_code == 403


def test_changes_leave_out_sections_an_older_format_did_not_have() -> None:
    before = {"totals": {"answered": 11, "intervals": {"x": [0.1, 0.2]}}}
    after = {
        "totals": {"answered": 12, "intervals": {"x": [0.3, 0.4]}},
        "leagues": {"departments": [{"unit": "M-A", "rank": 1}]},
    }
    assert revisions.changes(before, after) == [
        ("leagues.departments.M-A.rank", None, 1.0),
        ("totals.answered", 11.0, 12.0),
    ]
    assert reports._changed(before, after) == [("totals.answered", 11.0, 12.0)]


def test_a_recategorised_ticket_leaves_the_published_breakdown_and_marks_both_categories(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """All 11 counted November callbacks are on tickets of 占道经营 (cat2); one of A's
    satisfied ones is moved to 假冒伪劣 (cat) after publication. Published: 占道经营 n = 11,
    假冒伪劣 absent. Live: 占道经营 n = 10 (−1), 假冒伪劣 n = 1 (+1)."""
    city = dataset.build(session)
    reports.publish(session, "2026-11", settings, user_id=None)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    session.commit()
    callback = session.exec(
        select(Callback).where(Callback.unit_id == city.ids["a"]).order_by(Callback.id)  # type: ignore[arg-type]
    ).first()
    assert callback is not None
    ticket = session.get(Ticket, callback.ticket_id)
    assert ticket is not None and ticket.category_id == city.ids["cat2"]
    ticket.category_id = city.ids["cat"]
    session.add(ticket)
    session.commit()
    sign_in(client, supervisor)
    with clock.frozen(local("2026-12-05T09:00")):
        page = client.get("/staff/supervision?month=2026-11&dimension=category").text
    rows = {part.split("</td>")[0]: part for part in page.split("<td>")[1:]}
    stall = next(v for k, v in rows.items() if k.startswith("占道经营"))
    fake = next(v for k, v in rows.items() if k.startswith("假冒伪劣"))
    assert "已修订" in stall and "n=10 (-1)" in stall
    assert "已修订" in fake and "n=1 (+1)" in fake
    assert ">11</a>" in page  # the published count for 占道经营 stays on the page
