"""Browser tests: the system Chromium, and the app served by a real uvicorn on a local port."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

from service.app import create_app
from service.config import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip, saying why, where Chromium is missing; CI sets CIVIC_TEST_REQUIRE_BROWSER to fail."""
    if CHROMIUM.exists():
        return
    message = f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    if os.environ.get("CIVIC_TEST_REQUIRE_BROWSER"):
        pytest.fail(message + " and CIVIC_TEST_REQUIRE_BROWSER is set")
    pytest.skip(message)


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The app under uvicorn in a thread on a free 127.0.0.1 port; stopped on exit."""
    # The listening socket exists before the thread starts, so the browser's first request
    # simply waits in the backlog until uvicorn accepts it: no polling for start-up.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def wait_for_htmx(page: Page) -> None:
    """Return once htmx has wired up the current page, so typed input triggers its requests."""
    # htmx is a deferred script: `window.htmx` exists before DOMContentLoaded, but it binds the
    # page's hx-* attributes only in that event's handler; the load event comes after both.
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
