"""The connectivity views in a real browser: on the character-LM page and on the sentiment page, the
position slider moved with the keyboard redraws the coloured text (other cells coloured, the title
naming the new position), the link holds the position, and the horizon chart shows the three shipped
kinds of network."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from harness.browsing import EXCEPTION, full_page_screenshot, plot_data, wait_until_idle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

FIRST_CHART_TIMEOUT_MS = 120_000  # the first visit loads the shipped models and computes their horizons

# page -> (the coloured text's chart key, the horizon's, the slider's key, key presses left, the new position)
VIEWS = {
    "char_language_model": ("clm_gradients", "clm_horizon", "clm_position", 10, 140),
    "sentiment": ("sent_gradients", "sent_horizon", "sent_position", 5, 3),
}


def fresh_chart(page: Page, chart_key: str) -> str:
    """The chart's traces (JSON) once it is drawn and the app has gone idle."""
    page.locator(f".st-key-{chart_key} .js-plotly-plot").first.wait_for(timeout=FIRST_CHART_TIMEOUT_MS)
    wait_until_idle(page)
    return plot_data(page, chart_key)


def title(page: Page, chart_key: str) -> str:
    return page.locator(f".st-key-{chart_key} .gtitle").first.text_content() or ""


@pytest.mark.parametrize("page_name", sorted(VIEWS))
def test_the_position_slider_redraws_the_coloured_text(
    page: Page, new_page: Callable[[], Page], app_url: str, screenshots_dir, page_name: str
) -> None:
    text_key, horizon_key, slider_key, presses, position = VIEWS[page_name]
    page.goto(f"{app_url}/{page_name}")
    before = fresh_chart(page, text_key)
    horizon = fresh_chart(page, horizon_key)
    assert [trace["name"] for trace in json.loads(horizon)] == ["LSTM", "GRU", "tanh RNN"]
    page.locator(f".st-key-{text_key}").scroll_into_view_if_needed()
    full_page_screenshot(page, screenshots_dir / f"connectivity_{page_name}.png")

    thumb = page.locator(f'.st-key-{slider_key} input[type="range"]')
    thumb.focus()
    for _ in range(presses):
        thumb.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"[?&]{slider_key}={position}(&|$)"))  # the position is in the link
    plot_data(page, text_key, unlike=before)  # the rerun redraws it with other data
    after = fresh_chart(page, text_key)
    assert after != before
    assert re.search(rf"(position|word) {position}\b", title(page, text_key)), title(page, text_key)
    assert fresh_chart(page, horizon_key) == horizon  # the horizon is per model, not per position
    expect(page.locator(EXCEPTION)).to_have_count(0)

    reopened = new_page()  # the link, in a fresh context, opens the same position
    reopened.goto(page.url)
    assert fresh_chart(reopened, text_key) == after
    expect(reopened.locator(EXCEPTION)).to_have_count(0)
