"""Figures of the LSTM gates page: the gates over time, the memory path, the exercise."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.gates import Exercise, GateView

GATE_TITLES = {
    "i": "input gate i (0: ignore the new candidate)",
    "f": "forget gate f (1: keep the memory)",
    "o": "output gate o (0: hide the memory)",
    "g": "candidate g",
    "c": "memory cell c",
    "h": "hidden state h",
}


def gate_heatmaps(view: GateView) -> go.Figure:
    """The inputs on top, then i, f, o, g, c, h as unit x time heatmaps, all on one time axis."""
    T, H = view.gates["h"].shape
    steps = np.arange(1, T + 1)
    titles = ["the input: value (line) and marker (bars)"] + [GATE_TITLES[name] for name in GATE_TITLES]
    fig = make_subplots(rows=7, cols=1, shared_xaxes=True, vertical_spacing=0.025, subplot_titles=titles,
                        row_heights=[0.7] + [1.0] * 6)  # fmt: skip
    fig.add_trace(go.Bar(x=steps, y=view.x[:, 1], marker_color="crimson", name="marker", opacity=0.6,
                         hovertemplate="step %{x}: marker %{y:.0f}<extra></extra>"), row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=steps, y=view.x[:, 0], mode="lines+markers", name="value", line=dict(color="black"),
                             hovertemplate="step %{x}: value %{y:.3f}<extra></extra>"), row=1, col=1)  # fmt: skip
    ranges = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "g": (-1, 1), "h": (-1, 1)}
    for row, name in enumerate(GATE_TITLES, start=2):
        values = view.gates[name].T  # (H, T)
        low, high = ranges.get(name, (-np.abs(values).max(), np.abs(values).max()))
        fig.add_trace(
            go.Heatmap(z=values, x=steps, y=np.arange(H), zmin=low, zmax=high, showscale=False,
                       colorscale="Blues" if low == 0 else "RdBu",
                       hovertemplate=f"step %{{x}}, unit %{{y}}<br>{name} = %{{z:.3f}}<extra></extra>"),
            row=row, col=1,
        )  # fmt: skip
        fig.update_yaxes(title_text="unit", row=row, col=1)
    fig.update_xaxes(title_text="time step t", row=7, col=1)
    fig.update_layout(height=1150, margin=dict(l=10, r=10, t=30, b=40), showlegend=False)
    return fig


def memory_path(forget_log10: np.ndarray, rnn_norms: np.ndarray) -> go.Figure:
    """dc_T/dc_t = prod f along the LSTM's cell (the unit that keeps most, the median, the range over
    units) beside ||dh_T/dh_t|| of a tanh RNN, on a log axis against t."""
    T = forget_log10.shape[0]
    steps = np.arange(1, T + 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=steps, y=10.0 ** np.max(forget_log10, axis=1), mode="lines", line=dict(width=0),
                             showlegend=False, hoverinfo="skip"))  # fmt: skip
    fig.add_trace(go.Scatter(x=steps, y=10.0 ** np.min(forget_log10, axis=1), mode="lines", line=dict(width=0),
                             fill="tonexty", fillcolor="rgba(65,105,225,0.2)", name="LSTM, range over units",
                             hoverinfo="skip"))  # fmt: skip
    fig.add_trace(go.Scatter(x=steps, y=10.0 ** np.max(forget_log10, axis=1), mode="lines",
                             line=dict(color="royalblue", width=3), name="LSTM: ∏ f = dc_T/dc_t, the unit that keeps most",
                             hovertemplate="t %{x}: %{y:.3g}<extra>LSTM, best unit</extra>"))  # fmt: skip
    fig.add_trace(go.Scatter(x=steps, y=10.0 ** np.median(forget_log10, axis=1), mode="lines",
                             line=dict(color="royalblue", width=2, dash="dot"), name="LSTM: the median unit",
                             hovertemplate="t %{x}: %{y:.3g}<extra>LSTM, median unit</extra>"))  # fmt: skip
    fig.add_trace(go.Scatter(x=steps, y=np.maximum(rnn_norms, 1e-300), mode="lines", line=dict(color="crimson", width=3),
                             name="tanh RNN: ‖dh_T/dh_t‖",
                             hovertemplate="t %{x}: %{y:.3g}<extra>tanh RNN</extra>"))  # fmt: skip
    fig.update_layout(xaxis_title="t", yaxis_title="gradient reaching step t from step T", yaxis_type="log",
                      height=380, margin=dict(l=10, r=10, t=10, b=40), legend=dict(orientation="h", y=-0.2))  # fmt: skip
    return fig


def exercise_bars(result: Exercise) -> go.Figure:
    """c_bar_t and c_bar_{t+1} for every unit, side by side."""
    units = np.arange(len(result.c_bar_t))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=units, y=result.c_bar_next, name=f"c̄ at step {result.t + 2}", marker_color="lightgray",
                         hovertemplate="unit %{x}: %{y:.6g}<extra>c̄_{t+1}</extra>"))  # fmt: skip
    fig.add_trace(go.Bar(x=units, y=result.c_bar_t, name=f"c̄ at step {result.t + 1}", marker_color="royalblue",
                         hovertemplate="unit %{x}: %{y:.6g}<extra>c̄_t</extra>"))  # fmt: skip
    fig.update_layout(barmode="group", xaxis_title="unit", yaxis_title="dL/dc", height=320,
                      margin=dict(l=10, r=10, t=10, b=40), legend=dict(orientation="h", y=-0.25))  # fmt: skip
    return fig
