"""Fixtures of the browser tests: the real app served by `streamlit run`, driven by headless Chromium.

The browser is Debian's chromium (/usr/bin/chromium), never one that Playwright downloads. Without
it the tests skip locally and fail on CI, where a missing browser is a broken setup, not a choice."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from harness.serve import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, serve_app

SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
SERVER_START_TIMEOUT_S = 60
VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 15_000  # any single wait; a rerun of the app takes well under a second
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)  # expect() has its own default of 5 s: too tight on a busy CI


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's chromium; skip without it, except on CI (CI=true), where it must be there."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} not found; install Debian's chromium (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI installs it, so its absence is a broken CI setup.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the whole session; each test opens its own context."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@contextmanager
def streamlit_server(log_dir: Path) -> Iterator[str]:
    """The app served on a free port for a test; a server that does not come up fails the test."""
    try:
        with serve_app(log_dir / "streamlit.log", timeout_s=SERVER_START_TIMEOUT_S) as base_url:
            yield base_url
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def app_url(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the session's tests. Depends on `chromium_path` so that a missing browser
    skips before a server is started."""
    with streamlit_server(tmp_path_factory.mktemp("server")) as base_url:
        yield base_url


@pytest.fixture
def new_page(browser: Browser, app_url: str) -> Iterator[Callable[[], Page]]:
    """A factory of pages, each in its own fresh browser context (no cookies, no Streamlit session),
    with a fixed viewport; all are closed after the test."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A page in a fresh browser context."""
    return new_page()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """artifacts/screenshots/ (git-ignored), created on demand."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
