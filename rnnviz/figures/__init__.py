"""Plotly figure builders: arrays in, go.Figure out; no computation, no Streamlit.

Every builder writes its traces and layout as dicts in plotly's own JSON schema (the names of
plotly.js's reference: `dict(type="scatter", x=..., line=dict(color=...))`, titles as
`dict(text=...)`) and hands them to `figure`. plotly.py would validate and coerce each property on
its way in, about 10 ms a figure; the pages rebuild figures on every slider move, so `figure` skips
that. tests/test_pages.py validates every chart that every page draws instead, once per test run:
a misspelt property or a shorthand plotly.js would not read fails there.

And a figure encodes its own numeric arrays when Streamlit asks for its dict (`to_dict`), in the
form plotly.py would send (`{dtype, bdata, shape}`, base64), without first testing each array
against every dataframe library it knows (about 0.2 ms an array, on every rerun of every chart);
tests/test_figures.py holds the two encodings equal.

Nor do figures carry plotly.py's template: Streamlit's frontend themes every chart itself (the
pages' charts came out pixel for pixel the same in Chromium with and without it), and the template
is a few kilobytes that Streamlit would otherwise copy, encode and send with every figure."""

from __future__ import annotations

import base64

import numpy as np
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


def panel_title(text: str, x: float, y: float = 1.0) -> dict:
    """The title of one panel of a figure of several (an annotation centred at x, above y, in paper
    coordinates), where make_subplots would put it."""
    return dict(
        text=text,
        x=x,
        xanchor="center",
        xref="paper",
        y=y,
        yanchor="bottom",
        yref="paper",
        showarrow=False,
        font=dict(size=16),
    )


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """The figure of these trace and layout dicts, as they are (not validated; see above)."""
    return _Figure(dict(data=traces, layout={"template": NO_TEMPLATE, **layout}), _validate=False)


class _Figure(go.Figure):
    """A go.Figure whose dict encodes its numeric arrays directly (see above)."""

    def to_dict(self) -> dict:
        return {"data": _encoded(self._data), "layout": _encoded(self._layout)}


# What plotly.py's convert_to_base64 leaves alone, and the short names of the types plotly.js reads.
_SKIPPED_KEYS = {"geojson", "layer", "layers", "range"}
_SHORT_TYPES = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}


def _encoded(value):
    """A copy of a figure's dicts and lists in which every numeric numpy array that is the value of a
    key is plotly.js's typed array (arrays inside lists stay arrays, as plotly.py leaves them)."""
    if isinstance(value, dict):
        return {
            key: item
            if key in _SKIPPED_KEYS
            else typed_array(item)
            if isinstance(item, np.ndarray)
            else _encoded(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_encoded(item) for item in value]
    return value


def typed_array(array: np.ndarray):
    """As plotly's to_typed_array_spec: 64-bit integers narrowed when they fit, then base64. For arrays
    that `figure` leaves as they are (inside lists, such as a slider step's restyle arguments)."""
    if array.size == 0:
        return array
    if array.dtype in (np.int64, np.uint64):
        for narrow in (
            ("int8", "int16", "int32") if array.dtype == np.int64 else ("uint8", "uint16", "uint32")
        ):
            info = np.iinfo(narrow)
            if array.min() >= info.min and array.max() <= info.max:
                array = array.astype(narrow)
                break
        else:
            return array
    short = _SHORT_TYPES.get(str(array.dtype))
    if short is None:
        return array
    encoded = {"dtype": short, "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii")}
    if array.ndim > 1:
        encoded["shape"] = str(array.shape)[1:-1]
    return encoded
