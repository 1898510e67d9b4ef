"""Plotly figure builders: arrays in, go.Figure out; no computation, no Streamlit.

Every builder writes its traces and layout as dicts in plotly's own JSON schema (the names of
plotly.js's reference: `dict(type="scatter", x=..., line=dict(color=...))`, titles as
`dict(text=...)`) and hands them to `figure`. plotly.py would validate and coerce each property on
its way in, about 10 ms a figure; the pages rebuild figures on every slider move, so `figure` skips
that. tests/test_pages.py validates every chart that every page draws instead, once per test run:
a misspelt property or a shorthand plotly.js would not read fails there.

Nor do figures carry plotly.py's template: Streamlit's frontend themes every chart itself (the
pages' charts came out pixel for pixel the same in Chromium with and without it), and the template
is a few kilobytes that Streamlit would otherwise copy, encode and send with every figure."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import diverging, sequential

NO_TEMPLATE: dict = {}  # see above


def colorscale(name: str) -> list[list]:
    """A sequential or diverging scale of plotly.colors by name ("Blues", "RdBu", "RdBu_r") as plotly.py
    writes out a named colorscale: its colours evenly over [0, 1]. (plotly.js's own scales of these
    names are other colours, so the name alone would draw something else.)"""
    reverse = name.endswith("_r")
    base = name.removesuffix("_r")
    colours = getattr(sequential, base, None) or getattr(diverging, base)
    colours = colours[::-1] if reverse else colours
    return [[i / (len(colours) - 1), colour] for i, colour in enumerate(colours)]


VIRIDIS, BLUES, GREYS, RED_BLUE = (colorscale(name) for name in ("Viridis", "Blues", "Greys", "RdBu"))


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """The figure of these trace and layout dicts, as they are (not validated; see above)."""
    return go.Figure(dict(data=traces, layout={"template": NO_TEMPLATE, **layout}), _validate=False)
