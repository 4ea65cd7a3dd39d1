"""Supervisors read figures with links to the tickets behind them and adopt hot topics."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.supervision import hot_topics
from service.supervision.models import MonthlyTopic
from tests.callbacks.helpers import make_user, sign_in, submit
from tests.supervision import dataset
from tests.supervision.dataset import TZ, local


def test_dashboard_links_every_count_to_its_tickets(client: TestClient, session: Session) -> None:
    city = dataset.build(session)
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    page = client.get("/staff/supervision?month=2026-11&dimension=unit")
    assert page.status_code == 200
    assert "甲局" in page.text and "80.0%" in page.text and "76.0%" in page.text
    link = (
        "/staff/supervision/tickets?month=2026-11&amp;dimension=unit"
        f"&amp;key={city.ids['a']}&amp;measure=dissatisfied"
    )
    assert link in page.text
    drill = client.get(link.replace("&amp;", "&"))
    assert drill.status_code == 200 and "1</p>" in drill.text  # one dissatisfied callback
    assert client.get("/staff/supervision?month=2026-99").status_code == 422


def _surge(session: Session, category_id: int, district_id: int) -> None:
    now = local("2026-11-26T12:00")  # a Thursday
    monday = hot_topics.week_start(now, TZ)
    for week in range(1, 9):  # 2 a week for the 8 weeks before
        for i in range(2):
            dataset._ticket(
                session,
                (monday - timedelta(weeks=week) + timedelta(hours=10 + i))
                .astimezone(TZ)
                .replace(tzinfo=None)
                .isoformat(),
                category_id=category_id,
                district_id=district_id,
            )
    for i in range(6):  # 6 so far this week
        dataset._ticket(
            session,
            (monday + timedelta(hours=10 + i)).astimezone(TZ).replace(tzinfo=None).isoformat(),
            category_id=category_id,
            district_id=district_id,
        )


def test_hot_topic_is_detected_and_adopted_as_the_monthly_topic(
    client: TestClient, session: Session
) -> None:
    city = dataset.build(session)
    _surge(session, city.ids["cat2"], city.ids["d2"])
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    with clock.frozen(local("2026-11-26T12:00")):
        found = hot_topics.detect(session, tz=TZ, weeks=8, sigmas=2.0, min_count=5)
        assert [(h.category_id, h.district_id, h.surge.count, h.surge.mean) for h in found] == [
            (city.ids["cat2"], city.ids["d2"], 6, 2.0)
        ]
        page = "/staff/supervision/hot-topics"
        assert "占道经营" in client.get(page).text
        assert (
            submit(
                client,
                page,
                page,
                {"month": "2026-11", "category_id": city.ids["cat2"], "area_id": city.ids["d2"]},
            ).status_code
            == 303
        )
        topic = session.exec(select(MonthlyTopic)).one()
        assert (topic.month, topic.category_id) == ("2026-11", city.ids["cat2"])
        trend = dict(hot_topics.trend(session, topic, tz=TZ))
        assert trend["2026-11-23"] == 6 and trend["2026-11-16"] == 2
        assert "2026-11-23" in client.get(page).text
