"""Every unit with tickets is assessed in its league: timeliness and public criticisms count,
the unranked are listed with the reason, and the red flag follows the league's size."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role
from service.callbacks.models import Callback, CallbackChannel
from service.config import Settings, load_settings
from service.places.models import Unit, UnitClass, WindowSector
from service.sla.models import Clock, LadderLevel, SupervisionStep
from service.supervision import leagues, reports
from service.supervision.rankings import League
from service.tickets.states import Status
from tests.callbacks.helpers import make_user, sign_in
from tests.factories import make_area, make_unit
from tests.supervision import dataset
from tests.supervision.dataset import R, S, local

DECEMBER = local("2026-12-02T09:00")


def _callbacks(session: Session, unit: Unit, n: int, *, month: str = "2026-11") -> None:
    """n answered callbacks in the month, every one contacted, resolved and satisfied."""
    for i in range(n):
        t = dataset._ticket(session, "2026-09-10T10:00", lead_unit_id=unit.id, status=Status.CLOSED)
        session.add(
            Callback(
                ticket_id=t.id or 0,
                unit_id=unit.id,
                answered_at=local(f"{month}-{i + 1:02d}T10:00"),
                contacted=True,
                resolved=R,
                satisfied=S,
                channel=CallbackChannel.PHONE,
            )
        )
    session.flush()


def _work_orders(
    session: Session, unit: Unit, n: int, *, on_time: bool, criticised: int = 0
) -> None:
    """n November work orders signed for on time and replied on time or two days late; the
    first `criticised` of them reached public criticism (通报) in November."""
    for i in range(n):
        t = dataset._ticket(
            session,
            "2026-11-02T08:00",
            lead_unit_id=unit.id,
            sign_for_due=local("2026-11-02T10:00"),
            signed_for_at=local("2026-11-02T09:00"),
            handling_due=local("2026-11-10T18:00"),
            replied_at=local("2026-11-09T12:00" if on_time else "2026-11-12T12:00"),
            status=Status.PENDING_CALLBACK,
        )
        if i < criticised:
            session.add(
                SupervisionStep(
                    ticket_id=t.id or 0,
                    clock=Clock.HANDLING,
                    level=LadderLevel.CRITICISM,
                    due_at=local("2026-11-10T18:00"),
                    at=local("2026-11-16T09:00"),
                    unit_id=unit.id,
                )
            )
    session.flush()


def _enterprise(session: Session, code: str, name: str, sector: WindowSector | None) -> Unit:
    unit = make_unit(session, code=code, name_zh=name, unit_class=UnitClass.ENTERPRISE)
    unit.window_sector = sector
    session.add(unit)
    session.flush()
    return unit


def _city(session: Session) -> dict[str, Unit]:
    """The heating company of issue 12: callbacks as good as the water company's, nothing
    closed on time, 9 public criticisms. Beside them units too small to rank."""
    heat = _enterprise(session, "E-HEAT", "热力公司", WindowSector.UTILITY)
    water = _enterprise(session, "E-WATER", "供水公司", WindowSector.UTILITY)
    gas = _enterprise(session, "E-GAS", "燃气公司", None)
    idle = _enterprise(session, "E-IDLE", "无工单公司", None)
    district = make_unit(
        session, code="D-1", name_zh="东河区人民政府", unit_class=UnitClass.DISTRICT_GOVERNMENT
    )
    street = make_unit(
        session, code="S-1", name_zh="西脑包街道办事处", unit_class=UnitClass.STREET_OFFICE
    )
    _callbacks(session, heat, 10)
    _work_orders(session, heat, 14, on_time=False, criticised=9)
    _callbacks(session, water, 10)
    _work_orders(session, water, 4, on_time=True)
    _callbacks(session, gas, 4)
    _work_orders(session, district, 2, on_time=True)
    _work_orders(session, street, 1, on_time=False, criticised=1)
    return {"heat": heat, "water": water, "gas": gas, "idle": idle, "d": district, "s": street}


def test_a_unit_that_closed_nothing_on_time_cannot_rank_first(session: Session) -> None:
    _city(session)
    with clock.frozen(DECEMBER):
        found = leagues.tables(session, "2026-11", load_settings())
    for league in (League.ENTERPRISES, League.WINDOW_INDUSTRIES):
        table = {s.code: s for s in found.leagues[league]}
        heat, water = table["E-HEAT"], table["E-WATER"]
        # The three callback rates tie at 100 %.
        assert (heat.response, heat.resolution, heat.satisfaction) == (1.0, 1.0, 1.0)
        assert (water.response, water.resolution, water.satisfaction) == (1.0, 1.0, 1.0)
        # Water: (10 + 35 + 35 + 5 × 1 + 15 × 1) / 100 × 100 = 100.
        # Heat: (10 + 35 + 35 + 5 × 1 + 15 × 0) / 100 × 100 = 85, less 2 × 9 criticisms = 67.
        assert (water.rank, water.composite) == (1, pytest.approx(100.0))
        assert (heat.rank, heat.composite) == (2, pytest.approx(67.0))
        assert (heat.on_time_closure, heat.closure_counted, heat.criticisms) == (0.0, 14, 9)
    # Without its criticisms the heating company still cannot pass the water company.
    with clock.frozen(DECEMBER):
        lenient = leagues.tables(session, "2026-11", load_settings(criticism_points=0))
    table = {s.code: s for s in lenient.leagues[League.ENTERPRISES]}
    assert (table["E-HEAT"].rank, table["E-HEAT"].composite) == (2, pytest.approx(85.0))
    # Window industries hold only the window units; the gas company is not one.
    assert {s.code for s in found.leagues[League.WINDOW_INDUSTRIES]} == {"E-HEAT", "E-WATER"}


def _section(html: str, league: str) -> str:
    start = html.index(f'id="league-{league}"')
    rest = html[start + 1 :]
    end = rest.find('<h2 id="league-')
    return rest if end < 0 else rest[:end]


def _row(section: str, code: str) -> str:
    match = re.search(rf'<tr data-unit="{re.escape(code)}">(.*?)</tr>', section, re.S)
    assert match, f"{code} is listed"
    return match.group(1)


def test_every_unit_with_tickets_appears_in_its_league_on_the_page(
    client: TestClient, session: Session
) -> None:
    _city(session)
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    with clock.frozen(DECEMBER):
        page = client.get("/staff/supervision/leagues?period=2026-11")
    assert page.status_code == 200
    html = page.text
    enterprises = _section(html, "enterprises")
    assert re.search(r"<td>1</td>\s*<td>供水公司", _row(enterprises, "E-WATER"))
    heat = _row(enterprises, "E-HEAT")
    assert "热力公司" in heat and "<td>9 " in heat and "67.0" in heat
    # Too few answered callbacks: listed, with the sample against the minimum.
    assert "未排名：n = 4 < 10" in _row(enterprises, "E-GAS")
    # Work orders but no callback yet, and a criticism without any callback: both listed.
    assert "未排名：n = 0 < 10" in _row(_section(html, "districts"), "D-1")
    street = _row(_section(html, "streets"), "S-1")
    assert "未排名：n = 0 < 10" in street and "<td>1 " in street
    # No ticket in the month: in no league.
    assert 'data-unit="E-IDLE"' not in html
    # Heat and water count once each although they play in two leagues.
    assert "5 个有工单的单位中 2 个参与排名" in html
    assert client.get("/staff/supervision/leagues?period=2026-Q4").status_code == 200
    assert client.get("/staff/supervision/leagues?period=2026").status_code == 200
    assert client.get("/staff/supervision/leagues?period=2026-Q5").status_code == 422


def test_the_only_unit_of_a_league_is_not_flagged_for_being_last(
    client: TestClient, session: Session
) -> None:
    district = make_unit(
        session, code="D-1", name_zh="东河区人民政府", unit_class=UnitClass.DISTRICT_GOVERNMENT
    )
    for month in ("2026-10", "2026-11"):
        _callbacks(session, district, 10, month=month)
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    with clock.frozen(DECEMBER):
        found = leagues.tables(session, "2026-11", load_settings())
        html = client.get("/staff/supervision/leagues?period=2026-11").text
    (only,) = found.leagues[League.DISTRICTS]
    # Last (and first) of one, two months running: the old "bottom 3" rule flagged it.
    assert (only.rank, only.low, only.red_flag) == (1, None, False)
    assert "持续靠后" not in _section(html, "districts")
    assert "至少 4 个参与排名单位" in html  # the rule is explained on the page


def test_report_content_carries_leagues_criticisms_and_the_unranked(
    session: Session, settings: Settings
) -> None:
    _city(session)
    with clock.frozen(DECEMBER):
        content = reports.build(session, "2026-11", settings)
    assert set(content["leagues"]) == {league.value for league in League}
    assert content["criticisms"] == 10
    by_code = {s["unit"]: s for s in content["leagues"]["enterprises"]}
    assert (by_code["E-HEAT"]["rank"], by_code["E-HEAT"]["criticisms"]) == (2, 9)
    assert by_code["E-HEAT"]["on_time_closure"] == 0.0
    assert by_code["E-GAS"]["not_ranked"] == {"answered": 4, "min_sample": 10}
    assert content["league_rules"]["criticism_points"] == 2.0


def test_dashboard_shows_sign_for_direct_answers_and_per_district(
    client: TestClient, session: Session
) -> None:
    dataset.build(session)
    make_area(session, code="150299", name_zh="测试区", population=0)
    sign_in(client, make_user(session, username="sup", role=Role.SUPERVISOR))
    session.commit()
    with clock.frozen(DECEMBER):
        html = client.get("/staff/supervision?month=2026-11&dimension=unit").text
    # A: signed for on time 2 of 3 (66.7 %); 2 of 6 November tickets answered directly.
    assert "66.7%" in html and "n=3" in html
    assert "6 件工单中 2 件由话务员直接答复（直办）：33.3%" in html
    # 东河区: 3 complaints over 200,000 residents = 0.150 per 10,000.
    assert re.search(r"东河区</td><td>3</td><td>200000</td><td>0.150</td>", html)


def test_transparency_lists_the_unranked_of_the_published_report(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _city(session)
    with clock.frozen(DECEMBER):
        reports.publish(session, "2026-11", settings, user_id=None)
        session.commit()
        html = client.get("/transparency").text
    assert "窗口行业" in html and "热力公司" in html
    gas = re.search(r"<tr><td>([^<]*(?:<[^t/][^<]*)?)</td><td>燃气公司</td><td>([^<]*)</td>", html)
    assert gas, "the gas company is listed"
    assert gas.group(1) == "未排名：n = 4 < 10" and gas.group(2) == "—"


def test_the_demo_city_marks_its_window_industries(session: Session) -> None:
    from service.seed.demo import DEMO_TARGETS, seed_demo
    from service.supervision import vulnerable

    seed_demo(session)
    sectors = {
        u.code: u.window_sector for u in session.exec(select(Unit)) if u.window_sector is not None
    }
    # Each of the five window industries has at least one unit to assess.
    assert set(sectors.values()) == set(WindowSector)
    assert sectors["E-HEAT"] is WindowSector.UTILITY
    assert sectors["E-HOSP-CENTRAL"] is WindowSector.HOSPITAL
    assert vulnerable.targets(session) == DEMO_TARGETS
