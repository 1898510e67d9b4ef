"""Every page in a real browser: one control moved changes its chart, and the link in the address bar,
opened in a fresh browser context, reopens the same settings and the same chart."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from harness.browsing import EXCEPTION, plot_data, wait_until_idle
from playwright.sync_api import Page, expect
from harness.serve import REPO_ROOT

pytestmark = pytest.mark.e2e

FIRST_CHART_TIMEOUT_MS = 90_000  # model pages train their default model on the first visit


def radio(key: str, option: str) -> Callable[[Page], None]:
    return lambda page: page.locator(f".st-key-{key}").get_by_text(option, exact=True).click()


def slider_right(key: str, presses: int = 3) -> Callable[[Page], None]:
    def move(page: Page) -> None:
        thumb = page.locator(f'.st-key-{key} input[type="range"]')
        thumb.focus()
        for _ in range(presses):
            thumb.press("ArrowRight")

    return move


def typed(key: str, text: str) -> Callable[[Page], None]:
    def type_in(page: Page) -> None:
        box = page.locator(f".st-key-{key} input")
        box.fill(text)
        box.press("Enter")

    return type_in


def checkbox(key: str) -> Callable[[Page], None]:
    return lambda page: page.locator(f".st-key-{key} label").click()


# page -> (the chart that must change, the control's key, how to move it)
MOVES: dict[str, tuple[str, str, Callable[[Page], None]]] = {
    "hand_built_rnns": ("hb_unrolled", "hb_network", radio("hb_network", "sum")),
    "backprop_through_time": ("bptt_gradients", "bptt_w", slider_right("bptt_w")),
    "exploding_vanishing": ("ev_nonlinear", "ev_uni_phi", radio("ev_uni_phi", "sigmoid")),
    "iterated_functions": ("maps_panels", "maps_r", slider_right("maps_r", 2)),
    "loss_cliffs": ("cliff_map", "cliff_eta", typed("cliff_eta", "5")),
    "long_term_dependencies": ("ltd_jacobian", "ltd_task", radio("ltd_task", "copy")),
    "lstm_gates": ("gates_exercise", "gates_force_o", checkbox("gates_force_o")),
    "sentiment": ("sent_reading", "sent_tweet", typed("sent_tweet", "not good, not bad, just great")),
    "char_language_model": ("clm_read", "clm_colour", radio("clm_colour", "indentation depth")),
    "sequence_to_sequence": ("s2s_decoding", "s2s_input_dates", typed("s2s_input_dates", "3 March 1999")),
}
PAGES = sorted(p.stem for p in (REPO_ROOT / "pages").glob("*.py"))


def test_every_page_has_a_move():
    assert set(MOVES) == set(PAGES)


def fresh_chart(page: Page, chart_key: str) -> str:
    """The chart's data once it is drawn and the app has gone idle."""
    page.locator(f".st-key-{chart_key} .js-plotly-plot").first.wait_for(timeout=FIRST_CHART_TIMEOUT_MS)
    wait_until_idle(page)
    return plot_data(page, chart_key)


@pytest.mark.parametrize("page_name", sorted(MOVES))
def test_a_moved_control_changes_the_chart_and_the_link_reopens_it(
    page: Page, new_page: Callable[[], Page], app_url: str, page_name: str
) -> None:
    chart_key, control_key, move = MOVES[page_name]
    page.goto(f"{app_url}/{page_name}")
    before = fresh_chart(page, chart_key)

    move(page)
    expect(page).to_have_url(re.compile(rf"[?&]{control_key}="))  # the setting is in the link
    plot_data(page, chart_key, unlike=before)  # the rerun redraws the chart with other data
    after = fresh_chart(page, chart_key)
    assert after != before
    expect(page.locator(EXCEPTION)).to_have_count(0)

    reopened = new_page()  # a fresh context: no cookies, no Streamlit session
    reopened.goto(page.url)
    assert fresh_chart(reopened, chart_key) == after
    expect(reopened.locator(EXCEPTION)).to_have_count(0)
