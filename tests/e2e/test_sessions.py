"""Many users on one server: sessions never see each other's settings, and a session that closes
while its models train stops training (the server goes quiet)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from harness.browsing import EXCEPTION, plot_data, wait_until_idle
from conftest import VIEWPORT
from playwright.sync_api import Browser, Page, expect
from harness.serve import cpu_seconds, serve_app_process

pytestmark = pytest.mark.e2e


def test_one_session_does_not_change_another(new_page: Callable[[], Page], app_url: str) -> None:
    first, second = new_page(), new_page()
    for page in (first, second):
        page.goto(f"{app_url}/hand_built_rnns")
        page.locator(".st-key-hb_unrolled .js-plotly-plot").wait_for()
        wait_until_idle(page)
    untouched = plot_data(second, "hb_unrolled")

    first.locator(".st-key-hb_network").get_by_text("sum", exact=True).click()  # session 1: the sum network
    expect(first).to_have_url(re.compile(r"hb_network=sum"))
    expect(first.get_by_label("Input numbers", exact=True)).to_be_visible()

    bits = second.get_by_label("Input bits", exact=True)  # session 2 reruns, still on the parity network
    bits.fill("1 0 1")
    bits.press("Enter")
    plot_data(second, "hb_unrolled", unlike=untouched)
    wait_until_idle(second)
    expect(second.get_by_label("Input numbers", exact=True)).to_have_count(0)
    assert "hb_network" not in second.url
    expect(second.locator(EXCEPTION)).to_have_count(0)


def test_closing_a_training_session_stops_its_training(browser: Browser, tmp_path) -> None:
    with serve_app_process(tmp_path / "streamlit.log") as (base_url, server):
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"{base_url}/long_term_dependencies?ltd_T=20&ltd_hidden=16")
        page.locator(".st-key-ltd_loss .js-plotly-plot").wait_for()
        wait_until_idle(page)
        page.get_by_role("button", name="Play").click()
        expect(page.locator('[data-testid="stProgress"]').first).to_contain_text(re.compile(r"step [1-9]"))
        context.close()  # the user closes the tab while the models train

        # The server goes quiet: a second in which it uses less than 5% of a core comes within a
        # minute (what was measured is the server's own CPU time, which a loaded machine does not
        # raise; training would keep it near a whole core).
        quiet_seconds = []
        for _ in range(60):
            start = cpu_seconds(server.pid)
            time.sleep(1)
            quiet_seconds.append(cpu_seconds(server.pid) - start)
            if quiet_seconds[-1] < 0.05:
                break
    assert quiet_seconds[-1] < 0.05, (
        f"a minute after the session closed the server still used {quiet_seconds[-1]:.0%} of a core"
    )
