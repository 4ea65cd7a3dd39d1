"""The vulnerable groups' complaints per 10,000 residents as a twelve-month trend, with exact
Poisson intervals and the city's target, on the dashboard, in the report and in public."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.auth.models import Role
from service.config import Settings
from service.supervision import reports, vulnerable
from tests.callbacks.helpers import make_user, sign_in, submit
from tests.supervision import dataset
from tests.supervision.dataset import TZ, local

DECEMBER = local("2026-12-02T09:00")


def test_trend_per_10k_by_group_and_district(session: Session) -> None:
    city = dataset.build(session)
    with clock.frozen(DECEMBER):
        trend = vulnerable.trend(session, "2026-11", TZ)
    assert trend.months[0] == "2025-12" and trend.months[-1] == "2026-11"
    assert len(trend.months) == 12
    elderly = trend.city["elderly"].points
    # t1 (东河区, category tagged elderly) is November's only elderly complaint:
    # 1 / (200,000 + 300,000) × 10,000 = 0.02 per 10,000 residents.
    assert elderly[-1].complaints == 1
    assert elderly[-1].per_10k() == pytest.approx(0.02)
    # Exact Poisson for a count of 1: [0.025318, 5.571643] × 10,000 / 500,000.
    low, high = elderly[-1].interval() or (0, 0)
    assert (low, high) == (
        pytest.approx(0.025318 * 0.02, rel=1e-4),
        pytest.approx(5.571643 * 0.02, rel=1e-4),
    )
    # A month with none: rate 0, the upper bound of 0 events is 3.688879.
    assert elderly[0].per_10k() == 0.0
    assert (elderly[0].interval() or (0, 0))[1] == pytest.approx(3.688879 * 0.02, rel=1e-4)
    # By district: 东河区 1 / 200,000 × 10,000 = 0.05; minors (t4's own tag) in 昆都仑区
    # 1 / 300,000 × 10,000 = 0.0333.
    by_area = {s.area_id: s for s in trend.districts["elderly"]}
    assert by_area[city.ids["d1"]].points[-1].per_10k() == pytest.approx(0.05)
    assert by_area[city.ids["d2"]].points[-1].per_10k() == 0.0
    minors = {s.area_id: s for s in trend.districts["minors"]}
    assert minors[city.ids["d2"]].points[-1].per_10k() == pytest.approx(1 / 30)
    assert trend.city["women"].total() == 0


def test_target_set_by_a_supervisor_shows_on_dashboard_report_and_transparency(
    client: TestClient, session: Session, settings: Settings
) -> None:
    dataset.build(session)
    supervisor = make_user(session, username="sup", role=Role.SUPERVISOR)
    deputy = make_user(session, username="npc", role=Role.DEPUTY)
    session.commit()
    sign_in(client, supervisor)
    page = "/staff/supervision/targets"
    bad = submit(client, page, page, {"elderly": "-1", "women": "", "minors": "", "disabled": ""})
    assert bad.status_code == 422 and 'value="-1"' in bad.text
    # The test city has no "women" tag: that group cannot have a target.
    unknown = submit(client, page, page, {"elderly": "", "women": "0.5", "minors": ""})
    assert unknown.status_code == 422
    saved = submit(
        client, page, page, {"elderly": "0.01", "women": "", "minors": "0.5", "disabled": ""}
    )
    assert saved.status_code == 303
    assert vulnerable.targets(session) == {"elderly": 0.01, "minors": 0.5}
    with clock.frozen(DECEMBER):
        dashboard = client.get("/staff/supervision?month=2026-11").text
        public = client.get("/transparency").text
        content = reports.build(session, "2026-11", settings)
    # November's elderly rate 0.020 is above the target 0.010.
    for html in (dashboard, public):
        assert "老年人权益" in html and "0.010" in html and "0.020" in html
        assert "高于目标" in html
        assert "张三" not in html and "13800000000" not in html
    (elderly,) = [g for g in content["vulnerable_trend"]["groups"] if g["tag"] == "elderly"]
    assert elderly["target_per_10k"] == 0.01
    assert elderly["city"][-1] == {
        "month": "2026-11",
        "complaints": 1,
        "per_10k": 0.02,
        "interval": [0.0005, 0.1114],
    }
    sign_in(client, deputy)
    assert client.get(page).status_code == 403
