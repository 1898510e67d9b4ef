"""Helpers of the AppTest tests: the app's entry files, a session factory, chart data."""

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
# app.py and every page: a page added to pages/ is covered by the smoke and fuzz tests at once.
PAGE_FILES = ["app.py"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


def run_app(path: str, query: dict[str, str] | None = None, timeout: float = 60) -> AppTest:
    """Run one entry file as a fresh session (optionally opened from a link with `query`)."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    if query:
        at.query_params.update(query)
    return at.run()


# Every kind of widget that a page binds to its URL.
WIDGET_KINDS = ("number_input", "slider", "radio", "selectbox", "text_input", "checkbox")


def widgets(at: AppTest) -> list:
    """Every widget of these kinds on the page, kind by kind."""
    return [w for kind in WIDGET_KINDS for w in at.get(kind)]


def press(at: AppTest, label: str) -> AppTest:
    """Click the button whose label starts with `label`, and rerun."""
    return next(b for b in at.button if b.label.startswith(label)).click().run()


def upload(at: AppTest, name: str, content: bytes, key: str | None = None, timeout: float = 120) -> AppTest:
    """Give the file uploader (the one whose key ends with `key`, else the first) a file, and rerun."""
    uploaders = at.get("file_uploader")
    uploader = next(u for u in uploaders if u.proto.id.endswith(key)) if key else uploaders[0]
    uploader.set_value((name, content, "application/octet-stream"))
    return at.run(timeout=timeout)


def open_numbers(at: AppTest) -> AppTest:
    """Open every "The numbers" expander of the page (ui.share draws them closed and fills them only
    once opened) and rerun."""
    for expander in at.expander:
        if expander.proto.query_param_key.endswith("_numbers"):
            at.session_state[expander.proto.query_param_key] = True
    return at.run()


def decode(value):
    """Plotly 7 ships numpy arrays as {"dtype", "bdata"[, "shape"]} (base64); give them back."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def chart_keys(at: AppTest) -> list[str]:
    """The keys of the plotly charts on the page, in order."""
    return [chart.proto.id.rsplit("-", 1)[-1] for chart in at.get("plotly_chart")]


def charts(at: AppTest) -> dict[str, dict]:
    """Every plotly chart on the page by key: its figure as plotly's JSON, arrays decoded to lists."""
    return {
        key: decode(json.loads(chart.proto.spec))
        for key, chart in zip(chart_keys(at), at.get("plotly_chart"))
    }


def chart_traces(at: AppTest, key: str) -> list[dict]:
    """The traces of the plotly chart drawn with `key`, with arrays decoded to lists."""
    chart = at.get("plotly_chart")[chart_keys(at).index(key)]
    return decode(json.loads(chart.proto.spec)["data"])
