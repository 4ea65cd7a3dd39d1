"""Hot clusters of similar texts: found by the job among unrelated tickets, shown to supervisors
beside the category surges with the tickets behind them, adopted as the monthly topic and
followed by key terms; never on the public page, and never adopted by a deputy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import Role
from service.config import Settings
from service.scheduler import JOBS
from service.supervision import hot_topics, jobs, text_clusters
from service.supervision.models import MonthlyTopic, TextCluster, TextClusterTicket
from service.tickets.models import Channel, Ticket, TicketType
from service.tickets.states import Status
from tests.callbacks.helpers import make_user, sign_in, submit
from tests.factories import make_area, make_category
from tests.supervision.dataset import TZ, local

NOW = local("2026-11-26T12:00")  # a Thursday; the week began on Monday 2026-11-23
COMMUNITIES = ["幸福", "阳光", "和平", "友谊", "青山", "昆河", "钢城", "富强"]
UNRELATED = [
    ("超市卖假酒", "在一家超市买到假冒白酒，要求退货赔偿。"),
    ("路灯不亮", "钢铁大街路灯坏了一个月没人修。"),
    ("公交车不按站停车", "公交车经常不停站，司机态度差。"),
    ("医院挂号难", "市医院网上挂号总是约不上。"),
    ("占道经营", "菜市场门口小贩占道经营堵塞交通。"),
    ("停水没有通知", "昨天突然停水，事先没有任何通知。"),
    ("学校乱收费", "学校收取资料费每人三百元。"),
    ("工地扬尘严重", "工地没有覆盖防尘网，扬尘严重。"),
    ("出租车拒载", "晚上在火车站打车，出租车拒载。"),
    ("楼道堆放杂物", "楼道里堆满杂物，存在消防隐患。"),
]
_serial = iter(range(1, 1_000_000))


@dataclass
class World:
    ids: dict[str, Any] = field(default_factory=dict)
    noise: list[Ticket] = field(default_factory=list)
    unrelated: list[Ticket] = field(default_factory=list)


def _ticket(
    session: Session,
    at: datetime,
    title: str,
    description: str,
    *,
    phone: str,
    name: str = "李明",
    **fields: Any,
) -> Ticket:
    ticket = Ticket(
        number=f"BT{at:%y%m%d}{next(_serial):05d}",
        channel=Channel.HOTLINE,
        type=TicketType.COMPLAINT,
        title=title,
        description=description,
        requester_name=name,
        requester_phone=phone,
        created_at=at,
        updated_at=at,
        **fields,
    )
    session.add(ticket)
    session.flush()
    return ticket


def _noise(i: int, community: str) -> tuple[str, str]:
    return (
        "某小区夜间施工噪音扰民",
        f"{community}小区旁边的工地每天夜里{10 + i % 3}点以后还在施工，噪音很大，影响休息。",
    )


def build(session: Session) -> World:
    """This week: 8 noise complaints from 8 callers among 10 unrelated ones; one like them
    two weeks ago; a heating complaint as frequent every week (steady, so not rising); and one
    caller who complained six times (one requester, so not a hot cluster)."""
    world = World()
    d1 = make_area(session, code="150201", name_zh="东河区")
    d2 = make_area(session, code="150202", name_zh="青山区")
    site = make_category(session, code="UR.SITE", name_zh="建筑工地管理")
    other = make_category(session, code="MR.FAKE", name_zh="假冒伪劣")
    world.ids.update(d1=d1.id, d2=d2.id, site=site.id, other=other.id)
    for i, community in enumerate(COMMUNITIES):
        # Three on Friday to Sunday of last week, five this week; six in 东河区.
        at = NOW - timedelta(days=(6, 5, 4, 3, 2, 1.5, 1, 0.5)[i], hours=1)
        title, body = _noise(i, community)
        if i == len(COMMUNITIES) - 1:  # the newest names its caller and number in the title
            title = "某小区夜间施工噪音扰民 王建国13912345678"
        world.noise.append(
            _ticket(
                session,
                at,
                title,
                body,
                phone=f"+86139000000{i:02d}",
                name="王建国",
                category_id=site.id,
                district_id=d1.id if i < 6 else d2.id,
            )
        )
    _ticket(
        session,
        NOW - timedelta(weeks=2),
        *_noise(0, "幸福"),
        phone="+8613900000099",
        category_id=site.id,
        district_id=d1.id,
    )
    for i, (title, body) in enumerate(UNRELATED):
        world.unrelated.append(
            _ticket(
                session,
                NOW - timedelta(days=i * 0.5, hours=2),
                title,
                body,
                phone=f"+86137000000{i:02d}",
                category_id=other.id,
                district_id=d2.id,
            )
        )
    for week in range(4):
        for i in range(5):
            _ticket(
                session,
                NOW - timedelta(weeks=week, days=i, hours=3),
                "供暖温度不达标",
                "家里暖气温度只有十五度，请热力公司尽快处理。",
                phone=f"+8613600000{week}{i:02d}",
            )
    for i in range(6):
        _ticket(
            session,
            NOW - timedelta(days=i, hours=5),
            "楼上住户漏水",
            "楼上住户家里漏水渗到我家天花板，多次沟通无果。",
            phone="+8613800000000",
        )
    # A merged repeat of a noise complaint is not counted again.
    _ticket(
        session,
        NOW - timedelta(hours=3),
        *_noise(1, "阳光"),
        phone="+8613900000098",
        status=Status.MERGED,
        parent_id=world.noise[1].id,
    )
    session.flush()
    return world


def _rule(settings: Settings) -> text_clusters.Rule:
    return text_clusters.Rule.from_settings(settings)


def test_the_job_finds_one_hot_cluster_of_the_similar_texts(
    session: Session, settings: Settings
) -> None:
    world = build(session)
    stored = text_clusters.refresh(session, NOW, _rule(settings))
    assert len(stored) == 1
    cluster = stored[0]
    members = set(
        session.exec(
            select(TextClusterTicket.ticket_id).where(TextClusterTicket.cluster_id == cluster.id)
        )
    )
    assert members == {t.id for t in world.noise}  # the unrelated ones are not clustered
    assert {"噪音", "夜间", "扰民", "施工"} <= set(cluster.term_list)
    assert (cluster.size, cluster.requesters, cluster.districts) == (8, 8, 2)
    assert cluster.usual == pytest.approx(1 / 3, abs=0.01)  # one in the three weeks before
    assert (cluster.category_id, cluster.district_id) == (world.ids["site"], world.ids["d1"])


def test_running_the_job_again_replaces_the_clusters(session: Session, settings: Settings) -> None:
    build(session)
    first = text_clusters.refresh(session, NOW, _rule(settings))
    session.commit()
    jobs.refresh_text_clusters(session, NOW)  # the scheduled job, with the default settings
    session.commit()
    again = session.exec(select(TextCluster)).all()
    assert [(c.terms, c.size, c.usual) for c in again] == [
        (c.terms, c.size, c.usual) for c in first
    ]
    assert session.exec(select(func.count()).select_from(TextClusterTicket)).one() == 8
    assert "text_clusters" in {job.name for job in JOBS}


def test_a_single_caller_or_a_steady_problem_is_not_a_hot_cluster(
    session: Session, settings: Settings
) -> None:
    build(session)
    rule = _rule(settings)
    assert [c.size for c in text_clusters.refresh(session, NOW, rule)] == [8]
    # Counting one caller's six complaints as enough makes them a cluster too; the heating
    # complaints, as many as every week, never rise.
    one_caller = replace(rule, min_requesters=1)
    assert [c.size for c in text_clusters.refresh(session, NOW, one_caller)] == [8, 6]
    # 8 this week is not more than 25 times a third of a ticket a week.
    assert text_clusters.refresh(session, NOW, replace(rule, rise=25.0)) == []
    assert session.exec(select(func.count()).select_from(TextCluster)).one() == 0


def _term_field(html: str) -> str:
    match = re.search(r'name="terms" value="([^"]*)"', html)
    assert match, "the cluster has an adopt form with its key terms"
    return match.group(1)


def test_supervisor_sees_the_cluster_its_tickets_and_adopts_it_as_the_monthly_topic(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session)
    text_clusters.refresh(session, NOW, _rule(settings))
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    page = "/staff/supervision/hot-topics"
    with clock.frozen(NOW):
        html = client.get(page).text
        assert "相似诉求聚类" in html and "噪音" in html and "建筑工地管理" in html
        # Examples: the newest title, with its caller's name and number masked.
        newest = world.noise[-1]
        assert newest.number in html
        assert "王*" in html and "139****5678" in html
        assert "王建国" not in html and "13912345678" not in html
        cluster = session.exec(select(TextCluster)).one()
        drill = client.get(f"/staff/supervision/clusters/{cluster.id}/tickets")
        assert drill.status_code == 200
        assert all(t.number in drill.text for t in world.noise)
        assert not any(t.number in drill.text for t in world.unrelated)
        assert "· 8</p>" in drill.text

        terms = _term_field(html)
        response = submit(
            client,
            page,
            "/staff/supervision/hot-topics/terms",
            {"month": "2026-11", "terms": terms, "cluster_id": cluster.id},
        )
        assert response.status_code == 303
        topic = session.exec(select(MonthlyTopic)).one()
        assert (topic.month, topic.category_id, topic.terms) == ("2026-11", None, terms)
        # Five this week, three last week (Friday to Sunday), one two weeks before; the
        # merged repeat and the unrelated tickets are not counted.
        weekly = dict(hot_topics.trend(session, topic, tz=TZ))
        assert len(weekly) == 12  # the last twelve weeks, quiet ones as zero
        assert {week: n for week, n in weekly.items() if n} == {
            "2026-11-09": 1,
            "2026-11-16": 3,
            "2026-11-23": 5,
        }
        html = client.get(page).text
        assert "2026-11: " + " · ".join(topic.term_list) in html
        # The page reads the counts stored on adoption: this week's five are there.
        assert "<td>2026-11-23</td><td>5</td>" in html


def test_key_terms_are_checked_before_a_topic_is_adopted(
    client: TestClient, session: Session, settings: Settings
) -> None:
    build(session)
    text_clusters.refresh(session, NOW, _rule(settings))
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    cluster = session.exec(select(TextCluster)).one()
    page = "/staff/supervision/hot-topics"
    with clock.frozen(NOW):
        response = submit(
            client,
            page,
            "/staff/supervision/hot-topics/terms",
            {"month": "2026-11", "terms": "噪", "cluster_id": cluster.id},
        )
    assert response.status_code == 422
    assert "每个关键词需 2 至 20 个字。" in response.text
    assert 'value="噪"' in response.text  # what was typed stays in the field
    assert session.exec(select(MonthlyTopic)).first() is None


def test_a_deputy_reads_the_clusters_without_titles_and_cannot_adopt(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session)
    text_clusters.refresh(session, NOW, _rule(settings))
    sign_in(client, make_user(session, username="deputy", role=Role.DEPUTY))
    session.commit()
    cluster = session.exec(select(TextCluster)).one()
    with clock.frozen(NOW):
        html = client.get("/staff/supervision/hot-topics").text
        assert "噪音" in html and 'name="terms"' not in html
        assert world.noise[-1].number not in html  # no example titles
        drill = client.get(f"/staff/supervision/clusters/{cluster.id}/tickets")
        assert drill.status_code == 200 and "/staff/tickets/" not in drill.text
        response = submit(
            client,
            "/staff/login",
            "/staff/supervision/hot-topics/terms",
            {"month": "2026-11", "terms": "噪音 扰民", "cluster_id": cluster.id},
        )
    assert response.status_code == 403
    assert session.exec(select(MonthlyTopic)).first() is None


def test_the_public_page_shows_no_cluster_text(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build(session)
    text_clusters.refresh(session, NOW, _rule(settings))
    session.commit()
    with clock.frozen(NOW):
        html = client.get("/transparency").text
    cluster = session.exec(select(TextCluster)).one()
    for term in cluster.term_list:
        assert term not in html
    assert not any(t.number in html for t in world.noise)
    assert "夜间施工" not in html


def test_a_recomputed_cluster_link_says_so(
    client: TestClient, session: Session, settings: Settings
) -> None:
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    response = client.get("/staff/supervision/clusters/999/tickets")
    assert response.status_code == 404
    assert "聚类已重新计算" in response.text


def test_members_link_to_no_merged_or_old_ticket(session: Session, settings: Settings) -> None:
    build(session)
    text_clusters.refresh(session, NOW, _rule(settings))
    old_or_merged = session.exec(
        select(func.count())
        .select_from(TextClusterTicket)
        .join(Ticket, col(Ticket.id) == TextClusterTicket.ticket_id)
        .where(
            (col(Ticket.status) == Status.MERGED.value)
            | (col(Ticket.created_at) < NOW - timedelta(days=7))
        )
    ).one()
    assert old_or_merged == 0


def test_trends_of_several_topics_come_from_one_query(session: Session, settings: Settings) -> None:
    world = build(session)
    by_terms = MonthlyTopic(month="2026-11", terms="噪音 扰民", adopted_at=NOW)
    by_category = MonthlyTopic(
        month="2026-10",
        category_id=world.ids["site"],
        area_id=world.ids["d1"],
        adopted_at=NOW,
    )
    heating = MonthlyTopic(month="2026-09", terms="暖气", adopted_at=NOW)
    with clock.frozen(NOW):
        found = hot_topics.trends(session, [by_terms, by_category, heating], tz=TZ)
    nonzero = [{week: n for week, n in weekly if n} for weekly in found]
    assert nonzero == [
        {"2026-11-09": 1, "2026-11-16": 3, "2026-11-23": 5},
        # 东河区 only: the first six of the week's eight, and the one two weeks before.
        {"2026-11-09": 1, "2026-11-16": 3, "2026-11-23": 3},
        # Five a week, by creation time: the weeks start on Monday, not seven days ago.
        {
            "2026-10-26": 1,
            "2026-11-02": 5,
            "2026-11-09": 5,
            "2026-11-16": 5,
            "2026-11-23": 4,
        },
    ]


def test_the_trend_job_recounts_the_stored_weeks(session: Session, settings: Settings) -> None:
    build(session)
    with clock.frozen(NOW):
        topic = hot_topics.adopt(session, month="2026-11", terms=["噪音"], user_id=None, tz=TZ)
    session.commit()
    assert dict(hot_topics.stored_trends(session, [topic])[0])["2026-11-23"] == 5
    _ticket(session, NOW - timedelta(hours=1), *_noise(2, "和平"), phone="+8613900000097")
    session.commit()
    assert dict(hot_topics.stored_trends(session, [topic])[0])["2026-11-23"] == 5  # as stored
    jobs.recount_topic_trends(session, NOW)
    jobs.recount_topic_trends(session, NOW)  # again: the same counts, not twice as many rows
    session.commit()
    stored = hot_topics.stored_trends(session, [topic])[0]
    assert len(stored) == 12 and dict(stored)["2026-11-23"] == 6
    assert topic.counted_at == NOW
    assert "topic_trends" in {job.name for job in JOBS}


@pytest.mark.parametrize(
    ("role", "status", "sees_titles"),
    [
        (Role.SUPERVISOR, 200, True),
        (Role.DEPUTY, 200, False),
        (Role.ADMIN, 403, False),  # administrators run the system, not cases
        (Role.OPERATOR, 403, False),
        (Role.DISPATCHER, 403, False),
    ],
)
def test_who_reads_the_clusters(
    client: TestClient,
    session: Session,
    settings: Settings,
    role: Role,
    status: int,
    sees_titles: bool,
) -> None:
    world = build(session)
    text_clusters.refresh(session, NOW, _rule(settings))
    sign_in(client, make_user(session, username="someone", role=role))
    session.commit()
    cluster = session.exec(select(TextCluster)).one()
    with clock.frozen(NOW):
        page = client.get("/staff/supervision/hot-topics")
        drill = client.get(f"/staff/supervision/clusters/{cluster.id}/tickets")
    assert (page.status_code, drill.status_code) == (status, status)
    assert (world.noise[-1].number in page.text) is sees_titles
