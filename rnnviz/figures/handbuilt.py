"""Figures of the hand-built RNNs page: the unrolled computation and the BPTT learning curve."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

LN2 = float(np.log(2.0))  # cross-entropy of always answering 1/2, in nats


def _fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else str(value)


def unrolled(rows: dict[str, np.ndarray], wrong: np.ndarray | None = None) -> go.Figure:
    """The network unrolled in time: one row per quantity (x, h, y, target), one column per step.

    Colour is each row's value scaled to that row's range, so binary rows and running sums read
    alike; the numbers themselves are printed in the cells and on hover. `wrong` (T,) marks the
    steps where the output disagrees with the target."""
    names = list(rows)
    values = np.array([np.asarray(rows[n], dtype=np.float64) for n in names])  # (R, T)
    T = values.shape[1]
    steps = np.arange(1, T + 1)
    finite = np.where(np.isfinite(values), values, 0.0)
    low, high = finite.min(axis=1, keepdims=True), finite.max(axis=1, keepdims=True)
    shade = (finite - low) / np.where(high > low, high - low, 1.0)  # (R, T) in [0, 1]
    text = [[_fmt(v) for v in row] for row in values]
    fig = go.Figure(
        go.Heatmap(
            z=shade, x=steps, y=names, text=text, texttemplate="%{text}" if T <= 40 else "",
            customdata=text, hovertemplate="step %{x}<br>%{y} = %{customdata}<extra></extra>",
            colorscale="Blues", zmin=0, zmax=1.6, showscale=False, xgap=2, ygap=2,
        )
    )  # fmt: skip
    if wrong is not None and np.any(wrong):
        output_row = names[-2]  # the output sits just above the target row
        fig.add_trace(
            go.Scatter(
                x=steps[wrong], y=[output_row] * int(np.sum(wrong)), mode="markers",
                marker=dict(symbol="square-open", size=26, color="crimson", line=dict(width=3)),
                name="output ≠ target", hovertemplate="step %{x}: output ≠ target<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        xaxis=dict(title="time step t", dtick=1 if T <= 40 else None),
        yaxis=dict(autorange="reversed"),
        height=90 + 48 * len(names), margin=dict(l=10, r=10, t=10, b=40), showlegend=False,
    )  # fmt: skip
    return fig


def learning_curves(losses: np.ndarray, best_start: int) -> go.Figure:
    """Cross-entropy per step of every random start (grey) and of the one kept (blue), log axis."""
    steps = np.arange(1, losses.shape[0] + 1)
    fig = go.Figure()
    for k in range(losses.shape[1]):
        if k != best_start:
            fig.add_trace(
                go.Scatter(
                    x=steps, y=losses[:, k], mode="lines", line=dict(color="lightgray", width=1),
                    name=f"start {k}", hovertemplate=f"start {k}<br>step %{{x}}<br>loss %{{y:.4f}}<extra></extra>",
                )
            )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=steps, y=losses[:, best_start], mode="lines", line=dict(color="royalblue", width=3),
            name=f"start {best_start} (kept)",
            hovertemplate="kept start<br>step %{x}<br>loss %{y:.4f}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_hline(y=LN2, line_dash="dot", annotation_text="ln 2: guessing ½", annotation_position="top right")
    fig.update_layout(
        xaxis_title="training step", yaxis_title="cross-entropy per output (nats)", yaxis_type="log",
        height=320, margin=dict(l=10, r=10, t=10, b=40), showlegend=False,
    )  # fmt: skip
    return fig
