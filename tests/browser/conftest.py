"""Playwright driving Debian's Chromium against the session app served from a thread.

The live server serves the same app object, so it uses the same database as the
test; the autouse fixture in tests/conftest.py empties it after each test.
Without Chromium the browser tests are skipped, except with CI=true, where they fail.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.helpers import AXE_SCRIPT

# CHROMIUM_PATH exists so the missing-browser behaviour can be tried without uninstalling it.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items; only the ones in this folder are browser tests.
    missing = not CHROMIUM.exists()
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing and not _in_ci():
            item.add_marker(pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM}"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(
            f"CI=true and Chromium is missing at {CHROMIUM}: `apt-get install -y chromium`",
            pytrace=False,
        )
    # Never `playwright install`: it downloads its own browser, which this network refuses.
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


class LiveServer:
    """A werkzeug server on a free port in a daemon thread, one thread per request."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def context(context):
    # A page that never shows what a test waits for fails in seconds, not in 30.
    context.set_default_timeout(10_000)
    context.add_init_script(script=AXE_SCRIPT)
    return context


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright resolves page.goto("/path") against this."""
    return live_server.url
