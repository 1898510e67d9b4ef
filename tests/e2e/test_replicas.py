"""The lab served as deploy/serve.sh serves it: two Streamlit replicas behind HAProxy. Through the balancer,
in headless Chromium: every page loads with a chart, and both replicas serve some; a moved control changes
its chart and the link reopens the view on the other replica; uploads reach the replica that holds their
session; a replica that dies takes none of the other's sessions with it, and its tabs come back on a reload.
Then SIGTERM to serve.sh stops every process it started."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness.browsing import EXCEPTION, plot_data, wait_until_idle
from conftest import VIEWPORT
from playwright.sync_api import Browser, BrowserContext, Page, expect
from harness.serve import REPO_ROOT, free_port

pytestmark = pytest.mark.e2e

REPLICAS = 2
COOKIE = "rnnviz_replica"  # the cookie HAProxy inserts to keep a browser on its replica (deploy/haproxy.cfg)
START_TIMEOUT_S = 120
FIRST_CHART_TIMEOUT_MS = 180_000  # model pages train their default model on a replica's first visit
PAGES = sorted(p.stem for p in (REPO_ROOT / "pages").glob("*.py"))
ERROR = '[data-testid="stAlertContentError"]'


@dataclass
class Lab:
    """deploy/serve.sh running: the balancer's URL, the script's process and its run directory."""

    url: str
    process: subprocess.Popen
    run_dir: Path

    def replicas(self) -> dict[str, int]:
        """Each replica's name (the cookie's value) and pid, as serve.sh wrote them."""
        lines = (self.run_dir / "replicas").read_text().split("\n")
        return {name: int(pid) for name, _, pid in (line.split() for line in lines if line)}

    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's counters for each replica (`show stat` on its socket): status, stot (sessions), ..."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.run_dir / "haproxy.sock"))
            sock.sendall(b"show stat\n")
            data = b"".join(iter(lambda: sock.recv(65536), b""))
        header, *lines = data.decode().removeprefix("# ").splitlines()
        rows = [dict(zip(header.split(","), line.split(","))) for line in lines if line]
        return {r["svname"]: r for r in rows if r["pxname"] == "replicas" and r["svname"] != "BACKEND"}


def require_haproxy() -> None:
    """HAProxy from Debian's package; skip without it, except on CI (CI=true), which installs it."""
    if os.access(shutil.which("haproxy") or "/usr/sbin/haproxy", os.X_OK):  # /usr/sbin: Debian's place
        return
    message = "haproxy not found; install Debian's haproxy (apt-get install haproxy)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI installs it, so its absence is a broken CI setup.", pytrace=False)
    pytest.skip(message)


def free_ports(count: int) -> int:
    """A port that is free with the `count - 1` ports after it (serve.sh puts its replicas there)."""
    for _ in range(20):
        port = free_port()
        try:
            for other in range(port, port + count):
                socket.create_server(("127.0.0.1", other)).close()
            return port
        except OSError:
            continue
    raise RuntimeError(f"found no {count} free ports in a row")


@contextmanager
def serve_replicas(log_path: Path) -> Iterator[Lab]:
    """`bash deploy/serve.sh 2 <port>` until the balancer answers; SIGTERM at the end, as a container stop."""
    require_haproxy()
    port = free_ports(REPLICAS + 1)
    # A short run directory: the path of HAProxy's socket must fit in 108 bytes.
    run_dir = Path(tempfile.mkdtemp(prefix="rnnviz-replicas-"))
    env = {**os.environ, "RNNVIZ_RUN_DIR": str(run_dir), "PYTHON": sys.executable}
    with open(log_path, "wb") as log:  # a file, not a pipe: nobody reads a pipe while the lab runs
        # A session of its own: if serve.sh fails to stop its processes, the test still can (by group).
        command = ["bash", "deploy/serve.sh", str(REPLICAS), str(port)]
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text()[-3000:]
                pytest.fail(f"serve.sh did not serve (exit {process.poll()}):\n{log_tail}", pytrace=False)
            time.sleep(0.2)
        yield Lab(url, process, run_dir)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(run_dir, ignore_errors=True)


def healthy(url: str) -> bool:
    """Whether the balancer answers Streamlit's health check (it does once a replica does)."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def lab(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Two replicas behind HAProxy for this file's tests. Depends on `chromium_path` so that a missing
    browser skips before anything is started."""
    with serve_replicas(tmp_path_factory.mktemp("replicas") / "serve.log") as running:
        yield running


@contextmanager
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """A list for fresh browser contexts (each has its own cookies: a new visitor), closed at the end."""
    opened: list[BrowserContext] = []
    try:
        yield opened
    finally:
        for context in opened:
            context.close()


def new_tab(opened: list[BrowserContext], browser: Browser, lab: Lab, replica: str | None = None) -> Page:
    """A page in a fresh context; with `replica`, holding the cookie that sends it to that replica."""
    context = browser.new_context(viewport=VIEWPORT)
    opened.append(context)
    if replica:
        context.add_cookies([{"name": COOKIE, "value": replica, "url": lab.url}])
    return context.new_page()


def replica_of(page: Page) -> str:
    """The replica the balancer keeps this tab on (the value of its cookie)."""
    return next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)


def fresh_chart(page: Page, chart_key: str) -> str:
    """The chart's data once it is drawn and the app has gone idle."""
    page.locator(f".st-key-{chart_key} .js-plotly-plot").first.wait_for(timeout=FIRST_CHART_TIMEOUT_MS)
    wait_until_idle(page)
    return plot_data(page, chart_key)


def no_error(page: Page) -> None:
    """No exception and no error message on the page."""
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.locator(ERROR)).to_have_count(0)


def test_every_page_loads_with_a_chart_and_both_replicas_serve(browser: Browser, lab: Lab) -> None:
    with contexts(browser) as opened:
        # All pages at once, each in a new tab: the balancer spreads them, and the model pages train
        # their default models on both replicas at the same time.
        tabs = {name: new_tab(opened, browser, lab) for name in PAGES}
        for name, tab in tabs.items():
            tab.goto(f"{lab.url}/{name}")
        for name, tab in tabs.items():
            chart = tab.locator('[data-testid="stMain"] .js-plotly-plot').first
            chart.wait_for(timeout=FIRST_CHART_TIMEOUT_MS)
            wait_until_idle(tab)
            no_error(tab)
        served = {replica_of(tab) for tab in tabs.values()}
    assert served == set(lab.replicas()), f"pages were served by {served} only"
    assert all(int(row["stot"]) > 0 for row in lab.stats().values()), lab.stats()


def test_a_moved_control_changes_its_chart_and_the_link_reopens_it_on_the_other_replica(
    browser: Browser, lab: Lab
) -> None:
    with contexts(browser) as opened:
        page = new_tab(opened, browser, lab, "r1")
        page.goto(f"{lab.url}/hand_built_rnns")
        before = fresh_chart(page, "hb_unrolled")
        page.locator(".st-key-hb_network").get_by_text("sum", exact=True).click()
        expect(page).to_have_url(re.compile(r"[?&]hb_network=sum"))  # the setting is in the link
        plot_data(page, "hb_unrolled", unlike=before)
        after = fresh_chart(page, "hb_unrolled")
        no_error(page)

        reopened = new_tab(opened, browser, lab, "r2")  # a fresh context kept on the other replica
        reopened.goto(page.url)
        assert fresh_chart(reopened, "hb_unrolled") == after
        no_error(reopened)
        assert (replica_of(page), replica_of(reopened)) == ("r1", "r2")


TWEETS = "\n".join(
    f'"{4 if i % 2 else 0}","{i}","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","user{i}","'
    + (f"love this great day {i}" if i % 2 else f"hate this awful day {i}")
    + '"'
    for i in range(60)
).encode()
CATS = "\n\n".join(f"The cat number {i} sat on the mat and looked at the dog {i}. " * 30 for i in range(12))


def test_uploads_reach_the_replica_of_their_session(browser: Browser, lab: Lab) -> None:
    # An upload is a POST to /_stcore/upload_file/<session>: it must reach the replica that holds the
    # session's websocket, or the file is unknown there. One upload per replica.
    with contexts(browser) as opened:
        sentiment = new_tab(opened, browser, lab, "r1")
        sentiment.goto(f"{lab.url}/sentiment")
        uploader = sentiment.locator('.st-key-sent_upload input[type="file"]')
        uploader.wait_for(state="attached", timeout=FIRST_CHART_TIMEOUT_MS)  # after the default model
        uploader.set_input_files(files=[{"name": "tweets.csv", "mimeType": "text/csv", "buffer": TWEETS}])
        expect(sentiment.get_by_text("Read 60 tweets (30 positive).")).to_be_visible()
        wait_until_idle(sentiment)
        no_error(sentiment)

        language = new_tab(opened, browser, lab, "r2")
        upload_a_text(language, lab)
        assert (replica_of(sentiment), replica_of(language)) == ("r1", "r2")


def upload_a_text(page: Page, lab: Lab) -> None:
    """Upload a text on the character LM page: a small model of it comes up, ready to train."""
    page.goto(f"{lab.url}/char_language_model?clm_corpus=upload&clm_hidden=32&clm_window=32")
    uploader = page.locator('.st-key-clm_text_upload input[type="file"]')
    uploader.wait_for(state="attached")
    uploader.set_input_files(files=[{"name": "cats.txt", "mimeType": "text/plain", "buffer": CATS.encode()}])
    expect(page.get_by_text(re.compile(r"cats\.txt.*held out"))).to_be_visible()
    fresh_chart(page, "clm_loss")
    no_error(page)


def test_a_dead_replica_leaves_its_tabs_to_a_reload_and_the_other_untouched(
    browser: Browser, tmp_path: Path
) -> None:
    with serve_replicas(tmp_path / "serve.log") as lab, contexts(browser) as opened:  # its own lab: one dies
        victim, survivor = new_tab(opened, browser, lab, "r1"), new_tab(opened, browser, lab, "r2")
        for tab in (victim, survivor):
            tab.goto(f"{lab.url}/hand_built_rnns")
            fresh_chart(tab, "hb_unrolled")
        victim.locator(".st-key-hb_network").get_by_text("compare", exact=True).click()
        expect(victim).to_have_url(re.compile(r"[?&]hb_network=compare"))
        wait_until_idle(victim)
        shown = fresh_chart(victim, "hb_unrolled")

        os.kill(lab.replicas()["r1"], signal.SIGKILL)  # the replica of the victim's session dies
        deadline = time.monotonic() + 15
        while lab.stats()["r1"]["status"] != "DOWN":  # health checks take it out of rotation
            assert time.monotonic() < deadline, lab.stats()["r1"]
            time.sleep(0.2)

        # The other replica's session goes on as if nothing happened.
        before = plot_data(survivor, "hb_unrolled")
        survivor.locator(".st-key-hb_network").get_by_text("sum", exact=True).click()
        plot_data(survivor, "hb_unrolled", unlike=before)
        wait_until_idle(survivor)
        no_error(survivor)
        assert replica_of(survivor) == "r2"

        # The victim's tab reloads on the surviving replica, and its URL brings its view back.
        victim.reload()
        assert fresh_chart(victim, "hb_unrolled") == shown
        no_error(victim)
        expect(victim).to_have_url(re.compile(r"[?&]hb_network=compare"))
        assert replica_of(victim) == "r2"
        # Uploads too: Streamlit's XSRF check compares a cookie with a header, whichever replica set it.
        upload_a_text(victim, lab)
        process = lab.process
    # SIGTERM to serve.sh (the end of serve_replicas) stopped HAProxy and the replica that was left.
    assert process.returncode == 143, process.returncode
    deadline = time.monotonic() + 5
    while True:
        try:
            os.killpg(process.pid, 0)  # any process left in serve.sh's group?
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "processes of serve.sh outlived it"
        time.sleep(0.1)
