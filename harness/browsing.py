"""What every browser test needs: when the app is idle, where errors show, a whole-page screenshot."""

from __future__ import annotations

from playwright.sync_api import Page

EXCEPTION = '[data-testid="stException"]'
# Streamlit marks its root with its connection and the script's run state: idle means connected and
# "notRunning" (a (re)run has finished). Not the status widget: it also shows "source file changed".
APP_IDLE = (
    '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
)


def wait_until_idle(page: Page) -> None:
    """Wait until the app is connected, its script has finished running and no rerun is pending."""
    page.locator(APP_IDLE).wait_for()


def full_page_screenshot(page: Page, path) -> None:
    """A screenshot of the whole app, not only the first screenful.

    Streamlit scrolls inside its main section, not the document, so Playwright's full_page alone
    stops at the viewport: grow the viewport to the content's height first, then restore it."""
    viewport = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]']
            .map(s => document.querySelector(s)).filter(Boolean).map(el => el.scrollHeight))"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
    wait_until_idle(page)
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(viewport)


# JavaScript: the traces of one keyed chart as JSON, once exactly one fresh copy of it holds data (while
# a rerun redraws, a stale copy is marked data-stale and can sit beside the new one) and that data is
# not `unlike`; else null.
READ_PLOT = """([key, unlike]) => {
    const plots = document.querySelectorAll(`.st-key-${key}:not([data-stale="true"]) .js-plotly-plot`);
    if (plots.length !== 1 || !plots[0].data) return null;
    const data = JSON.stringify(plots[0].data.map(t => ({type: t.type, name: t.name, x: t.x, y: t.y, z: t.z, text: t.text})));
    return data === unlike ? null : data;
}"""


def plot_data(page: Page, chart_key: str, unlike: str | None = None, timeout_ms: float | None = None) -> str:
    """The traces of the plotly chart drawn with `chart_key`, as JSON; with `unlike`, wait until they
    differ from it (a rerun is asynchronous: the old chart stays up for a while)."""
    return page.wait_for_function(READ_PLOT, arg=[chart_key, unlike], timeout=timeout_ms).json_value()
