"""Browser tests: pytest-playwright drives Debian's Chromium (/usr/bin/chromium) against
pytest-django's live_server on 127.0.0.1. A browser download cannot work here, so Playwright
never fetches one: it launches the system binary through `executable_path`.

Tests here are marked `e2e`, use `live_server` and `transactional_db` (the server thread must
see committed rows), and save screenshots under test-results/screenshots/.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop running in this thread, which trips Django's
# async-unsafe guard on every ORM call made by the test or its fixtures.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# pytest-django's live server listens on loopback only, on a free port.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = os.environ.get("YANXUN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home, and this machine's closed network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test, marked or not, so `-m "not e2e"` skips it."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Headless unless pytest runs with --headed (there is no screen on CI).
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def screenshot(page, request):
    """screenshot("name") saves test-results/screenshots/<test>-<name>.png and prints the path."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.originalname}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return take


def page_width(page) -> int:
    """The document's width once the page has loaded (measured earlier, while a stylesheet is
    still arriving on a busy machine, an unstyled page can be wider than the screen)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")
