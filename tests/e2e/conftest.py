"""Fixtures of the browser tests: the real app served by `streamlit run`, driven by headless Chromium.

The browser is Debian's chromium (/usr/bin/chromium), never one that Playwright downloads. Without
it the tests skip locally and fail on CI, where a missing browser is a broken setup, not a choice."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Quiet, sandbox-free headless Chromium: no GPU, no QUIC, no background calls home (no network here).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SERVER_START_TIMEOUT_S = 60
VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 15_000  # any single wait; a rerun of the app takes well under a second


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


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
    """Serve app.py with `streamlit run` on a free port; yield its base URL; stop it at the end."""
    port = free_port()
    log_path = log_dir / f"streamlit-{port}.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port),
    ]  # fmt: skip
    # The log goes to a file, not a pipe: nobody reads a pipe during the tests, and a full one blocks.
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {server.returncode}:\n{_tail(log_path)}", pytrace=False
                )
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:  # not listening yet (connection refused, reset, or timed out)
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit not healthy after {SERVER_START_TIMEOUT_S} s:\n{_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(0.1)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


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
