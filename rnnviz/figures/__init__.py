"""Plotly figure builders: arrays in, go.Figure out; no computation, no Streamlit.

Every builder writes its traces and layout as dicts in plotly's own JSON schema (the names of
plotly.js's reference: `dict(type="scatter", x=..., line=dict(color=...))`, titles as
`dict(text=...)`) and hands them to `figure`. plotly.py would validate and coerce each property on
its way in, about 10 ms a figure; the pages rebuild figures on every slider move, so `figure` skips
that. tests/test_pages.py validates every chart that every page draws instead, once per test run:
a misspelt property or a shorthand plotly.js would not read fails there."""

from __future__ import annotations

import plotly.graph_objects as go


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """The figure of these trace and layout dicts, as they are (not validated; see above)."""
    return go.Figure(dict(data=traces, layout=layout), _validate=False)
