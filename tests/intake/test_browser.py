"""A real Chromium files a complaint with a photo, reads the confirmation and tracks it.

The app runs in a real uvicorn server on a free local port against a migrated SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from service import migrate
from service.config import load_settings
from service.db import make_engine
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium, serve
from tests.conftest import TEST_SECRET
from tests.intake.helpers import photo_bytes, seed_city

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn in a thread, with a little reference data; stopped afterwards."""
    url = f"sqlite:///{tmp_path / 'civic.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_city(session)
    engine.dispose()
    settings = load_settings(
        env="test", database_url=url, data_dir=tmp_path / "data", secret_key=TEST_SECRET
    )
    with serve(settings) as url:
        yield url


def test_file_a_complaint_with_a_photo_and_track_it(live_server: str, tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    # A loaded machine (CI runs two cores) must not turn a slow render into a failure.
    expect.set_options(timeout=30_000)

    photo = tmp_path / "shop.jpg"
    photo.write_bytes(photo_bytes(size=(640, 480)))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale="zh-CN", viewport={"width": 390, "height": 844}, accept_downloads=True
            )
            page = context.new_page()
            page.goto(live_server + "/")
            page.screenshot(path="/tmp/portal-home.png", full_page=True)
            page.get_by_role("link", name="在线投诉").click()
            expect(page.get_by_role("heading", name="我要投诉")).to_be_visible()
            # portal.js is deferred: its listeners exist once the document has loaded.
            page.wait_for_load_state("load")

            # Typing in the search box narrows the category list (progressive enhancement).
            page.get_by_label("查找问题类别").fill("假酒")
            expect(page.locator('#f-category option[value="CM.NOISE"]')).to_be_hidden()
            page.get_by_role("combobox", name="问题类别").select_option("MR.FAKE")
            page.get_by_role("combobox", name="区县").select_option("150203")
            page.get_by_role("combobox", name="街道或乡镇").select_option("150203001")
            page.get_by_label("标题").fill("超市卖假酒")
            page.get_by_label("问题描述").fill("在沼潭街道某超市买到假冒白酒，瓶盖与正品不同。")
            page.get_by_label("您的诉求").fill("查处并退款")
            page.get_by_label("照片和文件").set_input_files(str(photo))
            page.get_by_label("您的姓名").fill("张三")
            page.get_by_role("textbox", name="电话").fill("138 1234 5678")
            page.get_by_label("我同意以上隐私说明").check()
            page.screenshot(path="/tmp/portal-form.png", full_page=True)
            page.get_by_role("button", name="提交诉求").click()

            expect(page.get_by_role("heading", name="您的诉求已受理")).to_be_visible()
            number = page.locator("#tracking-number").inner_text()
            code = page.locator("#access-code").inner_text()
            assert number.startswith("BT") and len(code) == 8
            expect(page.locator("#lead-unit")).to_have_text("市市场监督管理局")
            page.screenshot(path="/tmp/portal-confirmation.png", full_page=True)

            page.get_by_role("link", name="查询此诉求").first.click()
            expect(page.get_by_label("受理编号")).to_have_value(number)
            page.get_by_label("查询码").fill(code)
            page.get_by_role("button", name="查询").click()

            expect(page.locator("#status")).to_have_text("已派发承办单位")
            expect(page.get_by_text("超市卖假酒").first).to_be_visible()
            expect(page.get_by_text("张三")).to_have_count(0)
            with page.expect_download() as download_info:
                page.get_by_role("link", name="shop.jpg").click()
            download = download_info.value
            assert download.suggested_filename == "shop.jpg"
            assert Path(download.path()).read_bytes().startswith(b"\xff\xd8\xff")
            page.screenshot(path="/tmp/portal-track.png", full_page=True)
        finally:
            browser.close()
