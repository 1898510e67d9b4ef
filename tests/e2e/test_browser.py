"""The app in a real browser: the home page, the hand-built RNNs page reacting to its controls,
links that reopen the same view, and a garbage link that warns instead of crashing."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import pytest
from harness.browsing import EXCEPTION, full_page_screenshot, plot_data, wait_until_idle
from conftest import VIEWPORT, streamlit_server
from playwright.sync_api import Page, expect
from harness.serve import REPO_ROOT

pytestmark = pytest.mark.e2e

CHART_TIMEOUT_S = 15
# The unrolled-computation chart: keyed elements get the CSS class st-key-<key>; a stale one (left
# from the previous run while the new one is drawn) is marked data-stale="true".
UNROLLED_CHART = '.st-key-hb_unrolled:not([data-stale="true"]) .js-plotly-plot'

# JavaScript: what the unrolled chart shows, as JSON, or null until exactly one such plot holds data
# (while Plotly redraws, the old and the new plot can briefly sit side by side). Plotly keeps the
# figure's traces on the plot's div, as `data`.
READ_CHART = f"""() => {{
    const plots = document.querySelectorAll({json.dumps(UNROLLED_CHART)});
    if (plots.length !== 1 || !plots[0].data) return null;
    return JSON.stringify(plots[0].data.map(t => ({{type: t.type, x: t.x, y: t.y, z: t.z, text: t.text}})));
}}"""


def chart_traces(page: Page) -> list[dict]:
    """The traces of the unrolled chart, once it is drawn."""
    handle = page.wait_for_function(READ_CHART)  # polls until the JavaScript returns non-null
    return json.loads(handle.json_value())


def wait_for_chart(page: Page, accept: Callable[[list[dict]], bool], what: str) -> list[dict]:
    """Poll the unrolled chart until `accept(traces)` holds, then wait for the app to go idle.

    Reruns are asynchronous: after a widget change the chart shows the old data for a while. Waiting
    for the expected change itself (not just any change) keeps the test deterministic."""
    deadline = time.monotonic() + CHART_TIMEOUT_S
    traces = chart_traces(page)
    while not accept(traces):
        if time.monotonic() > deadline:
            pytest.fail(f"the chart never showed {what}; it shows {heatmap_rows(traces)}")
        page.wait_for_timeout(50)  # a short poll: one rerun takes a few hundred ms
        traces = chart_traces(page)
    wait_until_idle(page)
    return chart_traces(page)  # read again: the idle app's final chart


def heatmap_rows(traces: list[dict]) -> list[list[str]]:
    """The numbers printed in the heatmap's cells, row by row.

    Rows are read by position, not by name: the input comes first, the output and the target last
    (the order rnnviz.handbuilt.Unrolled documents), whatever the rows are called."""
    heatmap = next(t for t in traces if t["type"] == "heatmap")
    return heatmap["text"]


def test_home_page(page: Page, app_url: str, screenshots_dir) -> None:
    page.goto(app_url + "/")
    main = page.locator('[data-testid="stMain"]')
    expect(page).to_have_title(re.compile("rnnviz"))  # the tab, from st.set_page_config
    expect(main.locator("h1")).to_contain_text("rnnviz")
    expect(main.get_by_role("link", name=re.compile("Hand-built RNNs"))).to_be_visible()
    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    full_page_screenshot(page, screenshots_dir / "home.png")


def test_hand_built_page_reacts_and_its_link_reopens_it(
    page: Page, new_page: Callable[[], Page], app_url: str, screenshots_dir
) -> None:
    page.goto(app_url + "/")
    page.locator('[data-testid="stMain"]').get_by_role("link", name=re.compile("Hand-built RNNs")).click()
    expect(page).to_have_url(re.compile(r"/hand_built_rnns(\?|$)"))
    chart_traces(page)  # the chart is drawn...
    wait_until_idle(page)  # ...and the first run has finished
    default = chart_traces(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.get_by_text("matches the target")).to_be_visible()
    assert len(heatmap_rows(default)[0]) == 10  # the default input is ten bits
    full_page_screenshot(page, screenshots_dir / "hand_built_rnns.png")

    # Three bits in: three columns, and the lecture's weights still compute their parity.
    bits = page.get_by_label("Input bits", exact=True)
    bits.fill("1 1 1")
    bits.press("Enter")
    three_bits = wait_for_chart(page, lambda traces: len(heatmap_rows(traces)[0]) == 3, "three columns")
    rows = heatmap_rows(three_bits)
    assert all(len(cells) == 3 for cells in rows), rows
    assert rows[0] == ["1", "1", "1"]
    assert rows[-2:] == [["1", "0", "1"]] * 2  # output == target: the running parity

    # A bias of y of 0.5 breaks XOR (1 XOR 1 gives 1): the output now differs at step 2.
    bias = page.get_by_label("bias of y", exact=True)
    bias.fill("0.5")
    bias.press("Enter")
    broken = wait_for_chart(page, lambda traces: heatmap_rows(traces)[-2] == ["1", "1", "1"], "output 1 1 1")
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
    reopened = new_page()
    reopened.goto(link)
    expect(reopened.get_by_label("Input bits", exact=True)).to_have_value("1 1 1")
    expect(reopened.get_by_label("bias of y", exact=True)).to_have_value(re.compile(r"^0\.50*$"))
    wait_until_idle(reopened)
    assert chart_traces(reopened) == broken
    expect(reopened.locator(EXCEPTION)).to_have_count(0)


def test_garbage_link_warns_instead_of_crashing(page: Page, app_url: str) -> None:
    page.goto(app_url + "/hand_built_rnns?hb_check_n=abc")
    warning = page.locator('[data-testid="stAlertContentWarning"]', has_text="malformed or out of range")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("hb_check_n=abc")
    chart_traces(page)  # the page still draws, with the default in place of the bad value
    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_link_opened_first_on_a_fresh_server_runs_inside_the_app(browser, tmp_path) -> None:
    # With a pages/ folder, Streamlit runs a page file on its own until app.py has called
    # st.navigation once; ui.shell.run_inside_app reroutes such a first deep link through app.py.
    with streamlit_server(tmp_path) as base_url:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(base_url + "/hand_built_rnns?hb_bits=1+0")
        rows = wait_for_chart(page, lambda traces: len(heatmap_rows(traces)[0]) == 2, "two columns")
        assert rows and heatmap_rows(rows)[0] == ["1", "0"]
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav.get_by_text("Home", exact=True)).to_be_visible()  # app.py's navigation...
        expect(nav.get_by_text("app", exact=True)).to_have_count(0)  # ...not the pages/ fallback
        expect(page.get_by_label("Input bits", exact=True)).to_have_value("1 0")
        context.close()


def test_learning_fills_the_weights_and_the_link(page: Page, app_url: str) -> None:
    page.goto(app_url + "/hand_built_rnns?hb_learn_steps=200")
    chart_traces(page)
    wait_until_idle(page)
    page.get_by_role("button", name="Learn the parity weights").click()
    expect(page.locator(".st-key-hb_learning .js-plotly-plot")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    expect(page.get_by_label("bias of h₁", exact=True)).not_to_have_value("-1.500")
    query = parse_qs(urlparse(page.url).query)
    assert {"hb_parity_b_h1", "hb_parity_b_y", "hb_learn_steps"} <= set(query), query
    expect(page.locator(EXCEPTION)).to_have_count(0)


PAGES = sorted(p.stem for p in (REPO_ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page_name", PAGES)
def test_every_page_loads_with_a_chart_and_no_error(
    page: Page, app_url: str, screenshots_dir, page_name
) -> None:
    page.goto(f"{app_url}/{page_name}")
    # Model pages train their default model on the first visit (the language model for about 20 s).
    expect(page.locator('[data-testid="stMain"] .js-plotly-plot').first).to_be_visible(timeout=120_000)

    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
    full_page_screenshot(page, screenshots_dir / f"{page_name}.png")


def test_clicking_the_loss_map_moves_the_start(page: Page, app_url: str) -> None:
    page.goto(app_url + "/loss_cliffs")
    plot_area = page.locator(".st-key-cliff_map .js-plotly-plot .nsewdrag").first
    expect(plot_area).to_be_visible()
    wait_until_idle(page)
    box = plot_area.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)  # w near 0, b near -2
    expect(page).to_have_url(re.compile(r"cliff_start_w=.*cliff_start_b="))
    query = parse_qs(urlparse(page.url).query)
    assert -1.0 < float(query["cliff_start_w"][0]) < 1.0 and -3.0 < float(query["cliff_start_b"][0]) < -1.0
    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


@pytest.mark.parametrize(
    ("page_name", "tab", "chart_key"),
    [
        ("iterated_functions", "Bifurcation diagram", "maps_bifurcation"),
        ("loss_cliffs", "In 3D", "cliff_surface"),
    ],
)
def test_a_view_opened_from_its_tab_is_in_the_link(
    page: Page, new_page, app_url: str, page_name, tab, chart_key
):
    # Views in tabs are drawn only when open; the open one is a setting of the link like any other.
    page.goto(f"{app_url}/{page_name}")
    wait_until_idle(page)
    expect(page.locator(f".st-key-{chart_key}")).to_have_count(0)
    page.get_by_role("tab", name=tab).click()
    expect(page.locator(f".st-key-{chart_key} .js-plotly-plot")).to_be_visible()
    expect(page).to_have_url(re.compile(r"_view="))
    wait_until_idle(page)
    shown = plot_data(page, chart_key)
    reopened = new_page()
    reopened.goto(page.url)
    expect(reopened.locator(f".st-key-{chart_key} .js-plotly-plot")).to_be_visible()
    wait_until_idle(reopened)
    assert plot_data(reopened, chart_key) == shown
    expect(reopened.locator(EXCEPTION)).to_have_count(0)


def test_the_gradient_ledger_follows_the_lecture_preset(page: Page, app_url: str) -> None:
    # The ledger of the recorded default runs; the Lecture button loads the 6,000-step runs, and the
    # ledger and the marked terms' shares are redrawn from their records.
    page.goto(f"{app_url}/long_term_dependencies")
    expect(page.locator(".st-key-ltd_ledger .js-plotly-plot")).to_be_visible()
    wait_until_idle(page)
    ledger, marked = plot_data(page, "ltd_ledger"), plot_data(page, "ltd_marked")
    assert '"name":"tanh RNN"' in ledger and "LSTM, marker 1" in marked
    page.get_by_role("button", name=re.compile("Lecture: 6,000 steps")).click()
    expect(page).to_have_url(re.compile(r"ltd_steps=6000"))
    assert plot_data(page, "ltd_ledger", unlike=ledger) != ledger
    assert plot_data(page, "ltd_marked", unlike=marked) != marked
    wait_until_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.get_by_text("On the probe sequence the first marker is at step")).to_be_visible()
