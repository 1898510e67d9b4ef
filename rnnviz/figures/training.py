"""Figures of the long-term-dependencies page: loss curves against the baseline, the gradient horizon
of each model, and dh_L/dh_t at initialisation."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.training import History

COLOURS = {"rnn": "crimson", "irnn": "darkorange", "lstm": "royalblue", "gru": "seagreen"}


def _log10(values: np.ndarray) -> np.ndarray:
    """log10 where positive and finite; NaN (drawn as a gap) elsewhere."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((values > 0) & np.isfinite(values), np.log10(np.where(values > 0, values, 1.0)), np.nan)


def loss_curves(histories: list[History], baseline: float, baseline_label: str, loss_label: str) -> go.Figure:
    """Training loss (faint, every step) and test loss (bold) of every model on a log axis, the
    task's baseline dashed, and an X where a model diverged, with what happened."""
    fig = go.Figure()
    last_step = max((h.diverged.step if h.diverged else len(h.losses) for h in histories), default=0)
    for history in histories:
        colour = COLOURS[history.kind]
        fig.add_trace(go.Scatter(
            x=history.steps, y=history.losses, mode="lines", name=f"{history.name} (training batch)",
            legendgroup=history.kind, line=dict(color=colour, width=1), opacity=0.35,
            hovertemplate="step %{x}<br>training loss %{y:.4g}<extra>" + history.name + "</extra>",
        ))  # fmt: skip
        fig.add_trace(go.Scatter(
            x=history.test_steps, y=history.test_losses, mode="lines+markers", name=f"{history.name} (test set)",
            legendgroup=history.kind, line=dict(color=colour, width=3), marker=dict(size=5),
            hovertemplate="step %{x}<br>test loss %{y:.4g}<extra>" + history.name + "</extra>",
        ))  # fmt: skip
        if history.diverged is not None:
            last = history.losses[-1] if len(history.losses) else baseline
            left_half = history.diverged.step <= last_step / 2  # write the label towards the middle
            fig.add_trace(go.Scatter(
                x=[history.diverged.step], y=[last], mode="markers+text", name=f"{history.name} diverged",
                legendgroup=history.kind, marker=dict(symbol="x", size=16, color=colour, line=dict(width=2)),
                text=[f"{history.name} diverged at step {history.diverged.step}"], textfont=dict(color=colour),
                textposition="top right" if left_half else "top left",
                hovertemplate=f"{history.name} stopped<br>{history.diverged}<extra></extra>",
            ))  # fmt: skip
    fig.add_hline(y=baseline, line=dict(color="grey", dash="dash"), annotation_text=baseline_label,
                  annotation_position="top right")  # fmt: skip
    fig.update_layout(
        xaxis_title="training step", yaxis=dict(title=loss_label, type="log", exponentformat="power"),
        height=420, margin=dict(l=10, r=10, t=10, b=40), legend=dict(orientation="h", y=-0.2),
        uirevision="loss",  # keep the user's zoom while the curves grow
    )  # fmt: skip
    return fig


def gradient_horizon(histories: list[History]) -> go.Figure:
    """One heatmap per model of log10 ||dL/dh_t||: time step t across, training step down, one colour
    scale for all; a dark left edge is a gradient that does not reach back."""
    fig = make_subplots(rows=1, cols=max(len(histories), 1), shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=[h.name for h in histories])  # fmt: skip
    logs = [_log10(h.horizons) for h in histories]
    finite = np.concatenate([v[np.isfinite(v)] for v in logs]) if logs else np.empty(0)
    zmin, zmax = (float(finite.min()), float(finite.max())) if finite.size else (-10.0, 0.0)
    for col, (history, z) in enumerate(zip(histories, logs), start=1):
        if not len(history.horizon_steps):
            continue
        t = np.arange(1, z.shape[1] + 1)
        fig.add_trace(go.Heatmap(
            x=t, y=history.horizon_steps, z=z, customdata=history.horizons, zmin=zmin, zmax=zmax,
            colorscale="Viridis", showscale=col == 1, colorbar=dict(title="log10 ‖dL/dhₜ‖"), name=history.name,
            hovertemplate="t %{x}, training step %{y}<br>‖dL/dhₜ‖ %{customdata:.3g}"
                          "<extra>" + history.name + "</extra>",
        ), row=1, col=col)  # fmt: skip
        fig.update_xaxes(title_text="time step t", row=1, col=col)
    if not any(len(h.horizon_steps) for h in histories):
        fig.add_annotation(text="recorded once training starts (Play or Step)", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)  # fmt: skip
    fig.update_yaxes(title_text="training step", autorange="reversed", row=1, col=1)
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=40), uirevision="horizon")
    return fig


def jacobian_at_init(histories: list[History]) -> go.Figure:
    """||dh_L/dh_t|| at initialisation against t, one line per model, on a log axis."""
    fig = go.Figure()
    for history in histories:
        if history.jacobian is None:
            continue
        norms = np.where(history.jacobian > 0, history.jacobian, np.nan)  # log axis: 0 is a gap
        fig.add_trace(go.Scatter(
            x=np.arange(1, len(norms) + 1), y=norms, mode="lines", name=history.name,
            line=dict(color=COLOURS[history.kind], width=2),
            hovertemplate="t %{x}<br>‖dh_L/dhₜ‖ %{y:.3g}<extra>" + history.name + "</extra>",
        ))  # fmt: skip
    fig.update_layout(
        xaxis_title="time step t",
        yaxis=dict(title="‖dh_L / dhₜ‖ at initialisation", type="log", exponentformat="power"),
        height=420, margin=dict(l=10, r=10, t=30, b=40), legend=dict(orientation="h", y=-0.2),
    )  # fmt: skip
    return fig
