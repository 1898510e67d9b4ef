"""Figures of the loss-cliff page: the landscape from above and in 3D, descent paths, a slice."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.landscape import Path, Surface

PATH_COLOURS = {"none": "crimson", "norm": "limegreen", "elementwise": "orange"}
PATH_NAMES = {"none": "no clipping", "norm": "clipped by norm", "elementwise": "clipped elementwise"}
CLICK_GRID = 41  # invisible points on the heatmap that a click can select, per axis


def loss_heatmap(surface: Surface, paths: list[Path]) -> go.Figure:
    """E(w, b) from above, with the descent paths; a click on the map selects a start point."""
    fig = go.Figure(
        go.Heatmap(
            x=surface.w, y=surface.b, z=surface.loss, colorscale="Viridis", colorbar=dict(title="E"),
            hovertemplate="w %{x:.3f}<br>b %{y:.3f}<br>E %{z:.4f}<extra></extra>",
        )
    )  # fmt: skip
    # Heatmap cells cannot be selected in plotly; a grid of invisible markers on grid nodes can
    # (hoverinfo "skip" would also stop clicks, so these points carry the hover text instead).
    rows = np.linspace(0, len(surface.b) - 1, CLICK_GRID).round().astype(int)
    cols = np.linspace(0, len(surface.w) - 1, CLICK_GRID).round().astype(int)
    grid_w, grid_b = np.meshgrid(surface.w[cols], surface.b[rows])
    fig.add_trace(
        go.Scatter(
            x=grid_w.ravel(), y=grid_b.ravel(), customdata=surface.loss[np.ix_(rows, cols)].ravel(),
            mode="markers", marker=dict(size=10, opacity=0), showlegend=False, name="click to start here",
            hovertemplate="w %{x:.3f}<br>b %{y:.3f}<br>E %{customdata:.4f}<br>click to start here<extra></extra>",
        )
    )  # fmt: skip
    for path in paths:
        _add_path(fig, path)
    if paths:
        fig.add_trace(go.Scatter(x=[paths[0].w[0]], y=[paths[0].b[0]], mode="markers", name="start",
                                 marker=dict(symbol="star", size=16, color="white", line=dict(color="black", width=1))))  # fmt: skip
    fig.update_layout(
        xaxis=dict(title="w", range=[surface.w[0], surface.w[-1]]),
        yaxis=dict(title="b", range=[surface.b[0], surface.b[-1]]),
        height=500, margin=dict(l=10, r=10, t=10, b=40), legend=dict(orientation="h", y=-0.12, x=0),
        clickmode="event+select", dragmode=False,
    )  # fmt: skip
    return fig


def _add_path(fig: go.Figure, path: Path) -> None:
    steps = np.arange(len(path.w))
    fig.add_trace(
        go.Scatter(
            x=path.w, y=path.b, mode="lines+markers", name=PATH_NAMES[path.clipping],
            line=dict(color=PATH_COLOURS[path.clipping], width=2), marker=dict(size=4),
            customdata=np.stack([steps, path.loss], axis=1),
            hovertemplate="step %{customdata[0]}<br>w %{x:.3f}, b %{y:.3f}<br>E %{customdata[1]:.4f}<extra>"
            + PATH_NAMES[path.clipping] + "</extra>",
        )
    )  # fmt: skip


def loss_surface_3d(surface: Surface, paths: list[Path]) -> go.Figure:
    """E(w, b) as a surface, the paths drawn on it (points off the grid's range are left out)."""
    fig = go.Figure(go.Surface(x=surface.w, y=surface.b, z=surface.loss, colorscale="Viridis", showscale=False,
                               hovertemplate="w %{x:.3f}<br>b %{y:.3f}<br>E %{z:.4f}<extra></extra>"))  # fmt: skip
    for path in paths:
        inside = ((path.w >= surface.w[0]) & (path.w <= surface.w[-1])
                  & (path.b >= surface.b[0]) & (path.b <= surface.b[-1]))  # fmt: skip
        fig.add_trace(
            go.Scatter3d(
                x=np.where(inside, path.w, np.nan), y=np.where(inside, path.b, np.nan),
                z=np.where(inside, path.loss + 0.005, np.nan), mode="lines+markers",
                line=dict(color=PATH_COLOURS[path.clipping], width=5), marker=dict(size=2),
                name=PATH_NAMES[path.clipping],
            )
        )  # fmt: skip
    fig.update_layout(
        scene=dict(xaxis_title="w", yaxis_title="b", zaxis_title="E", camera=dict(eye=dict(x=-1.4, y=-1.6, z=1.1))),
        height=480, margin=dict(l=0, r=0, t=0, b=0), showlegend=False,
    )  # fmt: skip
    return fig


def gradient_norms(paths: list[Path]) -> go.Figure:
    """||dE/d(w, b)|| before each step of each path, on a log axis: the cliff is the spike."""
    fig = go.Figure()
    for path in paths:
        fig.add_trace(go.Scatter(x=np.arange(1, len(path.grad_norm) + 1), y=np.maximum(path.grad_norm, 1e-300),
                                 mode="lines+markers", name=PATH_NAMES[path.clipping],
                                 line=dict(color=PATH_COLOURS[path.clipping]),
                                 hovertemplate="step %{x}<br>‖g‖ %{y:.3g}<extra></extra>"))  # fmt: skip
    fig.update_layout(
        xaxis_title="step", yaxis_title="gradient norm (before clipping)", yaxis_type="log",
        height=320, margin=dict(l=10, r=10, t=10, b=40), legend=dict(orientation="h", y=-0.25),
    )  # fmt: skip
    return fig


def slice_along_w(w: np.ndarray, loss: np.ndarray, dE_dw: np.ndarray, b: float) -> go.Figure:
    """E along w at fixed b above, |dE/dw| on a log axis below: flat, then a wall."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    fig.add_trace(go.Scatter(x=w, y=loss, mode="lines", name="E", hovertemplate="w %{x:.4f}<br>E %{y:.5f}<extra></extra>"),
                  row=1, col=1)  # fmt: skip
    magnitude = np.where(np.abs(dE_dw) > 1e-300, np.abs(dE_dw), 1e-300)  # log axis: 0 shown at the floor
    fig.add_trace(go.Scatter(x=w, y=magnitude, mode="lines", name="|dE/dw|", line=dict(color="crimson"),
                             hovertemplate="w %{x:.4f}<br>|dE/dw| %{y:.3g}<extra></extra>"), row=2, col=1)  # fmt: skip
    fig.update_yaxes(title_text=f"E at b = {b:.3g}", row=1, col=1)
    fig.update_yaxes(title_text="|dE/dw|", type="log", row=2, col=1)
    fig.update_xaxes(title_text="w", row=2, col=1)
    fig.update_layout(height=440, margin=dict(l=10, r=10, t=10, b=40), showlegend=False)
    return fig
