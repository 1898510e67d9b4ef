"""Figures of connectivity (rnnviz.connectivity): a text coloured by ‖∂ log p / ∂x_k‖ at a picked
position, and the gradient horizon of several models, mean ‖∂ log p / ∂x_{t−d}‖ against d on a log axis."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.charlm import CharReading
from rnnviz.connectivity import Horizon
from rnnviz.figures import colorscale, figure
from rnnviz.figures.charlm import text_grid

COLOURS = {"LSTM": "royalblue", "GRU": "seagreen", "tanh RNN": "crimson"}  # a model's line; any other: gray
SCALE = "Viridis"


def _log10(norms: np.ndarray) -> np.ndarray:
    """log10 of gradient norms (NaN stays NaN: not coloured; 0 drawn as 1e-30)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.maximum(np.asarray(norms, dtype=float), 1e-30))


def char_gradients(reading: CharReading, norms: np.ndarray, t: int, width: int = 40) -> go.Figure:
    """The read text, characters 0..t coloured by log10 ‖∂ log p(next) / ∂e_k‖ (norms (t + 1,), NaN: not
    read), the later ones blank; the title names the character scored."""
    values = np.full(len(reading.chars), np.nan)
    values[: t + 1] = _log10(norms)
    shown = reading.chars[t + 1].replace("\n", "↵")
    title = f"position {t}: ‖∂ log p({shown!r}) / ∂x_k‖, log10 (p = {reading.p_next[t]:.3f})"
    return text_grid(reading, values, "log10 ‖∂ log p / ∂x_k‖", SCALE, width=width, title=title)


def word_gradients(tokens: Sequence[str], norms: np.ndarray, t: int, logit: float) -> go.Figure:
    """The words of a sentence in a row, words 0..t coloured by log10 ‖∂ logit / ∂x_k‖ (norms (t + 1,)), the
    later ones blank; the title gives P(positive) = sigmoid(logit) after word t."""
    values = np.full(len(tokens), np.nan)
    values[: t + 1] = _log10(norms)
    hover = [
        f"#{k} {w}<br>‖∂ logit / ∂x_k‖ = {n:.3g}" if k <= t else f"#{k} {w}<br>not read yet"
        for k, (w, n) in enumerate(zip(tokens, [*norms, *[np.nan] * (len(tokens) - t - 1)]))
    ]
    heatmap = dict(
        type="heatmap",
        z=[values],
        x=list(range(len(tokens))),
        y=[0],
        text=[list(tokens)],
        texttemplate="%{text}",
        hovertext=[hover],
        hovertemplate="%{hovertext}<extra></extra>",
        colorscale=colorscale(SCALE),
        xgap=2,
        textfont=dict(size=13),
        colorbar=dict(title=dict(text="log10 ‖∂ logit / ∂x_k‖", side="right"), thickness=12),
    )
    return figure(
        [heatmap],
        dict(
            title=dict(
                text=f"after word {t} ({tokens[t]!r}): ‖∂ logit / ∂x_k‖, log10 (P(positive) = {1 / (1 + np.exp(-logit)):.3f})"
            ),
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            height=150,
            margin=dict(l=5, r=5, t=30, b=5),
            plot_bgcolor="white",
        ),
    )


def horizon(curves: dict[str, Horizon], unit: str = "characters", score: str = "log p") -> go.Figure:
    """Mean ‖∂ log p / ∂x_{t−d}‖ against the distance d, one line per model (the shipped kinds in their colours,
    any other dashed gray), on a log y axis; the hover gives c(d) / c(1) and how many predictions."""
    lines = [
        dict(
            type="scatter",
            x=curve.distances,
            y=curve.mean,
            mode="lines",
            name=name,
            line=dict(
                color=COLOURS.get(name, "gray"), width=2.5, dash="solid" if name in COLOURS else "dash"
            ),
            customdata=np.stack([curve.mean / curve.mean[1], curve.counts], axis=-1),
            hovertemplate=f"{name}, distance %{{x}}: %{{y:.3g}} (%{{customdata[0]:.2g}} of distance 1; "
            "%{customdata[1]} predictions)<extra></extra>",
        )
        for name, curve in curves.items()
    ]
    return figure(
        lines,
        dict(
            title=dict(text="gradient horizon"),
            xaxis=dict(title=dict(text=f"distance t − k ({unit} back)")),
            yaxis=dict(title=dict(text=f"mean ‖∂ {score} / ∂x_k‖"), type="log", exponentformat="power"),
            height=380,
            margin=dict(l=10, r=10, t=40, b=40),
            legend=dict(orientation="h", y=-0.2),
        ),
    )
