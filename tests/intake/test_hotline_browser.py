"""In a real Chromium: an operator signs in, looks up a caller, logs a call as a new ticket and
merges a second call into it. Skipped, with the reason, where no Chromium is installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from service import migrate
from service.auth.secrets import hash_password
from service.config import load_settings
from service.db import make_engine
from service.tickets.states import Status
from tests.auth.staff import quick_ticket
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium, serve, wait_for_htmx
from tests.conftest import TEST_SECRET
from tests.intake.hotline_world import build

PASSWORD = "operator password 1"
CALLER = "139 1234 5678"  # as the operator types it
SCREENSHOT = Path("/tmp/hotline-browser.png")

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn on a free local port, serving a migrated SQLite database with some data."""
    require_chromium()
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        world = build(session)
        world.operator.password_hash = hash_password(PASSWORD)
        session.add(world.operator)
        earlier = quick_ticket(
            session, number="BT2610010001", title="去年的噪音投诉", phone="+8613912345678"
        )
        earlier.status = Status.CLOSED
        session.commit()
    engine.dispose()
    settings = load_settings(
        env="test", database_url=url, data_dir=tmp_path / "data", secret_key=TEST_SECRET
    )
    with serve(settings) as url:
        yield url


def test_operator_logs_a_call_and_merges_a_repeat_call(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    # A loaded machine (CI runs two cores) must not turn a slow render into a failure.
    expect.set_options(timeout=30_000)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)

        page.goto(f"{server}/staff/hotline")
        expect(page).to_have_url(f"{server}/staff/login?next=/staff/hotline")
        page.fill("#f-username", "op-wang")
        page.fill("#f-password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("热线受理台")
        wait_for_htmx(page)

        # Typing the caller's number shows their earlier tickets at once.
        page.fill("#f-caller_phone", CALLER)
        expect(page.locator("#caller-history")).to_contain_text("去年的噪音投诉")

        page.fill("#f-caller_name", "李四")
        page.select_option("#f-type", "complaint")
        page.fill("#f-category_code", "MR.FAKE")
        page.fill("#f-title", "超市销售假冒白酒")
        page.fill("#f-description", "在沼潭街道某超市买到假冒白酒，要求查处。")
        page.select_option("#f-district_code", "150203")
        page.click("button[value=work_order]")
        expect(page.locator("#done")).to_contain_text("已生成工单")
        # No dispatch catalogue is published in this world: the dispatchers' queue takes it.
        expect(page.locator("#done-unit")).to_contain_text("待分派队列")
        number = page.locator("#done-number").inner_text()
        assert number.startswith("BT")

        # The same caller rings again: the open ticket is offered for a merge.
        wait_for_htmx(page)
        page.fill("#f-caller_phone", CALLER)
        expect(page.locator(f"#merge-{number}")).to_be_visible()
        page.check(f"#merge-{number}")
        page.click("button[value=merge]")
        expect(page.locator("#done")).to_contain_text("来电已并入工单")
        expect(page.locator("#done-number")).to_have_text(number)
        page.screenshot(path=str(SCREENSHOT.with_name("hotline-console.png")), full_page=True)

        # Both calls are on the ticket; a requester calling again is not their own co-requester.
        page.click("#done a")
        expect(page.locator("#callers tbody tr")).to_have_count(2)
        expect(page.locator("#callers tbody")).not_to_contain_text("共同诉求人")
        expect(page.locator("#callers")).to_contain_text("139****5678")
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        browser.close()
