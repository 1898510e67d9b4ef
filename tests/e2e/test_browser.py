"""The app in a real browser: the home page, the hand-built RNNs page reacting to its controls,
links that reopen the same view, and a garbage link that warns instead of crashing."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

EXCEPTION = '[data-testid="stException"]'
# Streamlit marks its root with the script's run state; "notRunning" once a (re)run has finished.
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# The unrolled-computation chart; keyed elements get the CSS class st-key-<key>.
UNROLLED_CHART = ".st-key-hb_unrolled .js-plotly-plot"

# JavaScript: what the unrolled chart shows, as JSON; the figure's data is the div's `data`.
READ_CHART = """el => JSON.stringify(el.data.map(t => ({type: t.type, x: t.x, y: t.y, z: t.z, text: t.text})))"""


def wait_until_idle(page: Page) -> None:
    """Wait until the app's script has finished running and no rerun is pending."""
    page.locator(APP_IDLE).wait_for()
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)


def chart_traces(page: Page) -> list[dict]:
    """The traces of the unrolled chart, once it is drawn."""
    chart = page.locator(UNROLLED_CHART)
    chart.wait_for()
    return json.loads(chart.evaluate(READ_CHART))


def wait_for_chart_change(page: Page, before: list[dict]) -> list[dict]:
    """Wait until the unrolled chart's data differs from `before` (reruns are asynchronous)."""
    page.wait_for_function(
        f"""before => {{
            const el = document.querySelector({json.dumps(UNROLLED_CHART)});
            return el && el.data && ({READ_CHART})(el) !== before;
        }}""",
        arg=json.dumps(before),
    )
    wait_until_idle(page)
    return chart_traces(page)


def heatmap_rows(traces: list[dict]) -> list[list[str]]:
    """The numbers printed in the heatmap's cells, row by row.

    Rows are read by position, not by name: the input comes first, the output and the target last
    (the order rnnviz.handbuilt.Unrolled documents), whatever the rows are called."""
    heatmap = next(t for t in traces if t["type"] == "heatmap")
    return heatmap["text"]


def test_home_page(page: Page, app_url: str, screenshots_dir) -> None:
    page.goto(app_url + "/")
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator("h1")).to_contain_text("rnnviz")
    expect(main.get_by_role("link", name=re.compile("Hand-built RNNs"))).to_be_visible()
    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=screenshots_dir / "home.png", full_page=True)


def test_hand_built_page_reacts_and_its_link_reopens_it(page: Page, app_url: str, browser, screenshots_dir) -> None:
    page.goto(app_url + "/")
    page.locator('[data-testid="stMain"]').get_by_role("link", name=re.compile("Hand-built RNNs")).click()
    expect(page).to_have_url(re.compile(r"/hand_built_rnns(\?|$)"))
    default = chart_traces(page)
    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.get_by_text("matches the target")).to_be_visible()
    assert len(heatmap_rows(default)[0]) == 10  # the default input is ten bits
    page.screenshot(path=screenshots_dir / "hand_built_rnns.png", full_page=True)

    # Three bits in: three columns, and the lecture's weights still compute their parity.
    bits = page.get_by_label("Input bits")
    bits.fill("1 1 1")
    bits.press("Enter")
    three_bits = wait_for_chart_change(page, default)
    rows = heatmap_rows(three_bits)
    assert all(len(cells) == 3 for cells in rows), rows
    assert rows[0] == ["1", "1", "1"]
    assert rows[-2:] == [["1", "0", "1"]] * 2  # output == target: the running parity

    # A bias of y of 0.5 breaks XOR (1 XOR 1 gives 1): the output now differs at step 2.
    bias = page.get_by_label("bias of y")
    bias.fill("0.5")
    bias.press("Enter")
    broken = wait_for_chart_change(page, three_bits)
    output, target = heatmap_rows(broken)[-2:]
    assert output == ["1", "1", "1"] and target == ["1", "0", "1"]
    assert any(t["type"] == "scatter" for t in broken)  # the red box on the wrong output
    expect(page.get_by_text("differs from the target at step 2")).to_be_visible()
    expect(page.get_by_text("matches the target")).to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)

    # Every setting is in the address bar...
    expect(page).to_have_url(re.compile(r"hb_bits=.*hb_parity_b_y=|hb_parity_b_y=.*hb_bits="))
    link = page.url
    query = parse_qs(urlparse(link).query)
    assert query["hb_bits"] == ["1 1 1"] and float(query["hb_parity_b_y"][0]) == 0.5, query

    # ...so the link, opened in a fresh context (no session, no cookies), shows the same view.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.set_default_timeout(15_000)
        reopened = context.new_page()
        reopened.goto(link)
        expect(reopened.get_by_label("Input bits")).to_have_value("1 1 1")
        expect(reopened.get_by_label("bias of y")).to_have_value("0.500")
        wait_until_idle(reopened)
        assert chart_traces(reopened) == broken
        expect(reopened.locator(EXCEPTION)).to_have_count(0)
    finally:
        context.close()


def test_garbage_link_warns_instead_of_crashing(page: Page, app_url: str) -> None:
    page.goto(app_url + "/hand_built_rnns?hb_check_n=abc")
    warning = page.locator('[data-testid="stAlertContentWarning"]', has_text="malformed or out of range")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("hb_check_n=abc")
    chart_traces(page)  # the page still draws, with the default in place of the bad value
    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
