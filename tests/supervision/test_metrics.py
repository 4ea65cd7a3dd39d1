"""Every figure on the seeded city equals the hand computation written beside it."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service import clock
from service.config import load_settings
from service.supervision import leagues, metrics, rankings
from service.supervision.metrics import Bucket, Dimension, Weights
from tests.supervision import dataset
from tests.supervision.dataset import TZ, local

NOV = metrics.month_period("2026-11", TZ)
W = Weights(partly=0.5, basic=0.8)


def test_month_period_is_the_local_month() -> None:
    assert NOV.start == local("2026-11-01T00:00")
    assert NOV.end == local("2026-12-01T00:00")
    assert metrics.previous_month("2026-01") == "2025-12"


def test_three_rates_per_unit(session: Session) -> None:
    city = dataset.build(session)
    rows = {r.key: r for r in metrics.callback_rates(session, NOV, Dimension.UNIT)}
    a = rows[city.ids["a"]]
    # A: 5 answered; 4 contacted; 2 resolved + 2 partly; 3 satisfied + 1 basically.
    assert (a.answered, a.contacted, a.resolved, a.partly, a.satisfied, a.basically) == (
        5,
        4,
        2,
        2,
        3,
        1,
    )
    assert a.response() == pytest.approx(0.8)
    assert a.resolution(W) == pytest.approx((2 + 0.5 * 2) / 5)  # 0.6
    assert a.satisfaction(W) == pytest.approx((3 + 0.8 * 1) / 5)  # 0.76
    # Wilson for 3.8 / 5: centre 0.6470, half-width 0.3033.
    low, high = a.intervals(W)["satisfaction"] or (0, 0)
    assert (low, high) == (pytest.approx(0.3437, abs=1e-3), pytest.approx(0.9504, abs=1e-3))
    # B's excluded (核减) dissatisfied callback does not count: 4 of 4 satisfied.
    b = rows[city.ids["b"]]
    assert (b.answered, b.satisfaction(W)) == (4, 1.0)
    city_row = metrics.callback_rates(session, NOV, Dimension.CITY)
    assert [(r.answered, r.contacted) for r in city_row] == [(11, 10)]


def test_rates_by_tag_and_by_month(session: Session) -> None:
    dataset.build(session)
    # Callback tickets carry category UR.STALL (no tags): no tag rows for November.
    assert metrics.callback_rates(session, NOV, Dimension.TAG) == []
    autumn = metrics.Period("autumn", local("2026-10-01T00:00"), local("2026-12-01T00:00"))
    trend = metrics.callback_rates(session, autumn, Dimension.CITY, bucket=Bucket.MONTH, tz=TZ)
    assert [(r.key[1], r.answered, r.satisfied) for r in trend] == [
        ("2026-10", 4, 0),
        ("2026-11", 11, 9),
    ]


def test_workflow_rates_count_open_overdue_tickets_as_late(session: Session) -> None:
    city = dataset.build(session)
    rows = metrics.workflow_rates(session, NOV, Dimension.UNIT, as_of=local("2026-12-01T12:00"))
    a = {r.key: r for r in rows}[city.ids["a"]]
    assert a.work_orders == 4
    assert (a.signed_on_time, a.sign_for_counted) == (2, 3)  # t4 not yet due
    assert (a.closed_on_time, a.closure_counted) == (1, 3)  # t3 open and overdue = late
    assert a.return_rate() == pytest.approx(0.25)
    assert a.reopen_rate() == pytest.approx(0.25)
    assert a.extension_rate() == pytest.approx(0.25)  # t3 asked for one (延期)


def test_direct_answer_rate_and_local_month_edges(session: Session) -> None:
    dataset.build(session)
    (row,) = metrics.direct_answer_rates(session, NOV, Dimension.CITY)
    # 6 tickets filed in local November (the 1 December 01:00 one is not), 2 answered.
    assert (row.tickets, row.direct) == (6, 2)
    assert metrics.volumes(session, NOV, Bucket.MONTH, TZ) == [("2026-11", 6)]
    weeks = metrics.volumes(session, NOV, Bucket.WEEK, TZ)
    assert weeks == [("2026-11-02", 5), ("2026-11-30", 1)]  # 1 November is a Sunday
    assert metrics.volumes(session, NOV, Bucket.QUARTER, TZ) == [("2026-Q4", 6)]


def test_handling_time_median_and_p90(session: Session) -> None:
    city = dataset.build(session)
    rows = {r.key: r for r in metrics.handling_hours(session, NOV, Dimension.UNIT)}
    a = rows[city.ids["a"]]
    # A: 10, 20, 30, 40, 50 → median 30; p90 at rank 3.6 → 40 + 0.6 × 10 = 46.
    assert (a.n, a.median, a.p90) == (5, pytest.approx(30.0), pytest.approx(46.0))
    assert (rows[city.ids["b"]].median, rows[city.ids["b"]].p90) == (4.0, 4.0)


def test_complaints_per_10k_residents(session: Session) -> None:
    city = dataset.build(session)
    (overall,) = metrics.complaints_per_10k(session, NOV)
    assert overall.per_10k() == pytest.approx(4 / 500_000 * 10_000)  # 0.08
    by_district = {
        r.key: r.per_10k() for r in metrics.complaints_per_10k(session, NOV, by=Dimension.DISTRICT)
    }
    assert by_district[city.ids["d1"]] == pytest.approx(0.15)
    assert by_district[city.ids["d2"]] == pytest.approx(1 / 30)
    by_tag = {
        r.key: (r.complaints, r.per_10k())
        for r in metrics.complaints_per_10k(session, NOV, by=Dimension.TAG)
    }
    # elderly comes from t1's category, minors from t4's own tag.
    assert by_tag == {"elderly": (1, pytest.approx(0.02)), "minors": (1, pytest.approx(0.02))}


def test_league_ranks_eligible_units_with_change_and_red_flags(session: Session) -> None:
    city = dataset.build(session)
    settings = load_settings(metrics_min_sample=4, red_flag_threshold=80)
    with clock.frozen(local("2026-12-02T09:00")):
        found = leagues.tables(session, "2026-11", settings)
    table = found.leagues[rankings.League.MUNICIPAL_DEPARTMENTS]
    by_code = {s.code: s for s in table}
    assert [s.code for s in table] == ["M-B", "M-A", "M-C"]
    # B: every rate 100 %, no work order filed in November: timeliness leaves its weight out.
    assert (by_code["M-B"].rank, by_code["M-B"].composite) == (1, pytest.approx(100.0))
    # A, weights 10/35/35/5/15: 10 × 0.8 + 35 × 0.6 + 35 × 0.76 + 5 × 2/3 + 15 × 1/3
    # = 8 + 21 + 26.6 + 3.333 + 5 = 63.933; October (no work orders): (10 + 35 + 0) / 80
    # × 100 = 56.25 → change +7.683.
    a = by_code["M-A"]
    assert (a.rank, a.composite, a.change) == (
        2,
        pytest.approx(63.9333, abs=1e-3),
        pytest.approx(7.6833, abs=1e-3),
    )
    assert (a.on_time_sign_for, a.on_time_closure) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    # Under 80 in October and November; two ranked units are too few for bottom places.
    assert a.red_flag and a.flag_reason is rankings.Low.BELOW_THRESHOLD
    assert not by_code["M-B"].red_flag
    assert by_code["M-B"].change is None  # nothing to compare with in October
    c = by_code["M-C"]
    assert (c.ranked, c.rank, c.answered) == (False, None, 2)  # below the minimum sample
    assert city.ids["c"] == c.unit_id
