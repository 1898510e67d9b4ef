"""Figures of the character-level language model: the loss curve in bits per character against the
unigram entropy, and a text drawn as a grid of characters, coloured by a number per character, with
the model's top next characters on hover."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.charlm import Reading, bits

SHOWN = {"\n": "↵", "\t": "→", " ": " "}  # how a character is drawn in a cell


def loss_curves(losses: Sequence[float], test_steps: Sequence[int], test_losses: Sequence[float],
                entropy: float, target: float | None = None) -> go.Figure:  # fmt: skip
    """Training loss per step (faint) and its running mean, held-out loss (bold), both in bits per
    character, with the unigram entropy of the corpus dashed (and an optional target line)."""
    train = np.asarray(bits(np.asarray(losses, dtype=float)))  # (k,)
    steps = np.arange(1, len(train) + 1)
    fig = go.Figure()
    if len(train):
        window = max(1, min(50, len(train) // 10))
        smooth = np.convolve(train, np.ones(window) / window, mode="valid")
        fig.add_trace(go.Scatter(x=steps, y=train, mode="lines", line=dict(color="lightgray", width=1),
                                 name="training, per step", hovertemplate="step %{x}: %{y:.3f} bpc<extra></extra>"))  # fmt: skip
        fig.add_trace(go.Scatter(x=steps[window - 1 :], y=smooth, mode="lines", line=dict(color="gray"),
                                 name=f"training, mean of {window} steps",
                                 hovertemplate="step %{x}: %{y:.3f} bpc<extra></extra>"))  # fmt: skip
    fig.add_trace(go.Scatter(x=list(test_steps), y=bits(np.asarray(test_losses, dtype=float)), mode="lines+markers",
                             line=dict(color="royalblue", width=3), name="held out",
                             hovertemplate="step %{x}: held-out %{y:.3f} bpc<extra></extra>"))  # fmt: skip
    fig.add_hline(y=entropy, line_dash="dash", line_color="crimson",
                  annotation_text=f"unigram entropy {entropy:.2f} bits", annotation_position="top right")  # fmt: skip
    if target is not None:
        fig.add_hline(y=target, line_dash="dot", line_color="seagreen",
                      annotation_text=f"40% below it: {target:.2f}", annotation_position="bottom right")  # fmt: skip
    top = max([entropy * 1.15] + [float(v) for v in bits(np.asarray(test_losses[:1], dtype=float))])
    fig.update_yaxes(title_text="bits per character", range=[0, top])
    fig.update_xaxes(title_text="training step")
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=30, b=40), legend=dict(orientation="h", y=-0.25))
    return fig


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


def text_grid(reading: Reading, values: np.ndarray, value_name: str, colorscale: str = "Blues",
              zmin: float | None = None, zmax: float | None = None, width: int = 80, title: str = "",
              cell: tuple[int, int] = (13, 20)) -> go.Figure:  # fmt: skip
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
        options = ", ".join(f"{_shown(o)!r} {p:.2f}" for o, p in zip(reading.top_chars[t], reading.top_probabilities[t]))
        after = f"next: p({_shown(reading.chars[t + 1])!r}) = {reading.p_next[t]:.3f}<br>" if t + 1 < T else ""
        value = "" if np.isnan(values[t]) else f"{value_name}: {values[t]:.3f}<br>"
        hover[r][c] = f"#{t} {_shown(ch)!r}<br>{value}{after}top 5 next: {options}"
    fig = go.Figure(go.Heatmap(z=z, text=text, texttemplate="%{text}", hovertext=hover,
                               hovertemplate="%{hovertext}<extra></extra>", colorscale=colorscale, zmin=zmin,
                               zmax=zmax, xgap=1, ygap=1, textfont=dict(family="monospace", size=13),
                               colorbar=dict(title=dict(text=value_name, side="right"), thickness=12)))  # fmt: skip
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5])
    fig.update_yaxes(visible=False, autorange="reversed")
    top = 30 if title else 5
    fig.update_layout(width=cell[0] * width + 100, height=top + 10 + cell[1] * rows, title=title,
                      margin=dict(l=5, r=5, t=top, b=5), plot_bgcolor="white")  # fmt: skip
    return fig
