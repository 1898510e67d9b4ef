"""Figures of the character-level language model: the loss curve in bits per character against the
unigram entropy, and a text drawn as a grid of characters, coloured by a number per character, with
the model's top next characters on hover.

Each figure is built in one go from trace and layout dicts, not validated on the way (see
rnnviz/figures/__init__.py): the page redraws them on every tick of live training."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.charlm import CharReading, bits
from rnnviz.figures import colorscale as named_colorscale
from rnnviz.figures import figure

SHOWN = {"\n": "↵", "\t": "→", " ": " "}  # how a character is drawn in a cell


def _hline(y: float, colour: str, dash: str, text: str, yanchor: str) -> tuple[dict, dict]:
    """A line across the plot at y and its label at the right end, above (yanchor "bottom") or below it."""
    line = dict(
        type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y, line=dict(color=colour, dash=dash)
    )
    label = dict(
        text=text, xref="x domain", x=1, xanchor="right", yref="y", y=y, yanchor=yanchor, showarrow=False
    )
    return line, label


def loss_curves(
    losses: Sequence[float],
    test_steps: Sequence[int],
    test_losses: Sequence[float],
    entropy: float,
    target: float | None = None,
) -> go.Figure:
    """Training loss per step (faint) and its running mean, held-out loss (bold), both in bits per
    character, with the unigram entropy of the corpus dashed (and an optional target line)."""
    train = np.asarray(bits(np.asarray(losses, dtype=float)))  # (k,)
    steps = np.arange(1, len(train) + 1)
    traces = []
    if len(train):
        window = max(1, min(50, len(train) // 10))
        smooth = np.convolve(train, np.ones(window) / window, mode="valid")
        traces += [
            dict(
                type="scatter",
                x=steps,
                y=train,
                mode="lines",
                line=dict(color="lightgray", width=1),
                name="training, per step",
                hovertemplate="step %{x}: %{y:.3f} bpc<extra></extra>",
            ),
            dict(
                type="scatter",
                x=steps[window - 1 :],
                y=smooth,
                mode="lines",
                line=dict(color="gray"),
                name=f"training, mean of {window} steps",
                hovertemplate="step %{x}: %{y:.3f} bpc<extra></extra>",
            ),
        ]
    traces.append(
        dict(
            type="scatter",
            x=list(test_steps),
            y=bits(np.asarray(test_losses, dtype=float)),
            mode="lines+markers",
            line=dict(color="royalblue", width=3),
            name="held out",
            hovertemplate="step %{x}: held-out %{y:.3f} bpc<extra></extra>",
        )
    )
    lines = [_hline(entropy, "crimson", "dash", f"unigram entropy {entropy:.2f} bits", "bottom")]
    if target is not None:
        lines.append(_hline(target, "seagreen", "dot", f"target {target:.2f} bits", "top"))
    top = max([entropy * 1.15] + [float(v) for v in bits(np.asarray(test_losses[:1], dtype=float))])
    return figure(
        traces,
        dict(
            shapes=[line for line, _ in lines],
            annotations=[label for _, label in lines],
            xaxis=dict(title=dict(text="training step")),
            yaxis=dict(title=dict(text="bits per character"), range=[0, top]),
            height=340,
            margin=dict(l=10, r=10, t=30, b=40),
            legend=dict(orientation="h", y=-0.25),
        ),
    )


def _cells(chars: Sequence[str], width: int) -> list[tuple[int, int]]:
    """(row, column) of each character: a new row after a newline and after `width` columns."""
    cells, row, col = [], 0, 0
    for ch in chars:
        if col >= width:
            row, col = row + 1, 0
        cells.append((row, col))
        col += 1
        if ch == "\n":
            row, col = row + 1, 0
    return cells


def _shown(ch: str) -> str:
    return SHOWN.get(ch, ch)


def text_grid(
    reading: CharReading,
    values: np.ndarray,
    value_name: str,
    colorscale: str = "Blues",
    zmin: float | None = None,
    zmax: float | None = None,
    width: int = 80,
    title: str = "",
    cell: tuple[int, int] = (13, 20),
) -> go.Figure:
    """The characters of a reading as a grid (rows at newlines, at most `width` columns), each cell
    coloured by values (T,) and `cell` pixels (wide, high); hovering a cell shows the character, its
    value, and the model's top next characters after it."""
    T = len(reading.chars)
    values = np.asarray(values, dtype=float)
    if values.shape != (T,):
        raise ValueError(f"values must have one entry per character ({T}), got shape {values.shape}")
    cells = _cells(reading.chars, width)
    rows = cells[-1][0] + 1 if cells else 1
    z = np.full((rows, width), np.nan)
    text = [[""] * width for _ in range(rows)]
    hover = [[""] * width for _ in range(rows)]
    for t, ((r, c), ch) in enumerate(zip(cells, reading.chars)):
        z[r, c] = values[t]
        text[r][c] = _shown(ch)
        options = ", ".join(
            f"{_shown(o)!r} {p:.2f}" for o, p in zip(reading.top_chars[t], reading.top_probabilities[t])
        )
        after = (
            f"next: p({_shown(reading.chars[t + 1])!r}) = {reading.p_next[t]:.3f}<br>" if t + 1 < T else ""
        )
        value = "" if np.isnan(values[t]) else f"{value_name}: {values[t]:.3f}<br>"
        hover[r][c] = f"#{t} {_shown(ch)!r}<br>{value}{after}top 5 next: {options}"
    # zmin, zmax left out when None: the colours then span the values
    limits = {name: limit for name, limit in (("zmin", zmin), ("zmax", zmax)) if limit is not None}
    heatmap = dict(
        type="heatmap",
        z=z,
        text=text,
        texttemplate="%{text}",
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        colorscale=named_colorscale(colorscale),
        **limits,
        xgap=1,
        ygap=1,
        textfont=dict(family="monospace", size=13),
        colorbar=dict(title=dict(text=value_name, side="right"), thickness=12),
    )
    top = 30 if title else 5
    return figure(
        [heatmap],
        dict(
            xaxis=dict(visible=False, range=[-0.5, width - 0.5]),
            yaxis=dict(visible=False, autorange="reversed"),
            width=cell[0] * width + 100,
            height=top + 10 + cell[1] * rows,
            title=dict(text=title),
            margin=dict(l=5, r=5, t=top, b=5),
            plot_bgcolor="white",
        ),
    )


def coloured_text(reading: CharReading, unit: int | None, width: int = 80, title: str = "") -> go.Figure:
    """A read text coloured by the probability the model gave each character (unit None: red a surprise,
    green expected) or by one hidden unit's h_t (blue positive, red negative)."""
    if unit is None:
        return text_grid(reading, reading.p_each, "p(char)", "RdYlGn", 0, 1, width=width, title=title)
    return text_grid(reading, reading.states[:, unit], f"h[{unit}]", "RdBu", -1, 1, width=width, title=title)
