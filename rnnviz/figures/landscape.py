"""Figures of the loss-cliff page: the landscape from above and in 3D, descent paths, a slice.

Each figure is built in one go from trace and layout dicts (the slice's two rows by axis domains),
not validated on the way (see rnnviz/figures/__init__.py): the page redraws the open view's figures on every slider move."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures import VIRIDIS, figure
from rnnviz.landscape import CliffMap, Path, Surface

PATH_COLOURS = {"none": "crimson", "norm": "limegreen", "elementwise": "orange"}
PATH_NAMES = {"none": "no clipping", "norm": "clipped by norm", "elementwise": "clipped elementwise"}
CLICK_GRID = 41  # invisible points on the heatmap that a click can select, per axis
SURFACE_3D_POINTS = 100  # per axis: the 3D view shows the shape; the map above has every grid point


def _shown(values: np.ndarray) -> np.ndarray:
    """A surface as sent to the browser on every move: float32 is ample for a colour and a 4-digit
    hover, and half the bytes of float64 (tens of thousands of them)."""
    return np.asarray(values, dtype=np.float32)


def loss_heatmap(surface: Surface, paths: list[Path]) -> go.Figure:
    """E(w, b) from above, with the descent paths; a click on the map selects a start point."""
    traces = [
        dict(
            type="heatmap",
            x=surface.w,
            y=surface.b,
            z=_shown(surface.loss),
            colorscale=VIRIDIS,
            colorbar=dict(
                title=dict(text="E" if surface.starts == 1 else f"mean E<br>over {surface.starts} x₀")
            ),
            hovertemplate="w %{x:.3f}<br>b %{y:.3f}<br>E %{z:.4f}<extra></extra>",
        )
    ]
    # Heatmap cells cannot be selected in plotly; a grid of invisible markers on grid nodes can
    # (hoverinfo "skip" would also stop clicks, so these points carry the hover text instead).
    rows = np.linspace(0, len(surface.b) - 1, CLICK_GRID).round().astype(int)
    cols = np.linspace(0, len(surface.w) - 1, CLICK_GRID).round().astype(int)
    grid_w, grid_b = np.meshgrid(surface.w[cols], surface.b[rows])
    traces.append(
        dict(
            type="scatter",
            x=_shown(grid_w.ravel()),
            y=_shown(grid_b.ravel()),
            customdata=_shown(surface.loss[np.ix_(rows, cols)].ravel()),
            mode="markers",
            marker=dict(size=10, opacity=0),
            showlegend=False,
            name="click to start here",
            hovertemplate="w %{x:.3f}<br>b %{y:.3f}<br>E %{customdata:.4f}<br>click to start here<extra></extra>",
        )
    )
    traces += [_path(path) for path in paths]
    if paths:
        traces.append(
            dict(
                type="scatter",
                x=[paths[0].w[0]],
                y=[paths[0].b[0]],
                mode="markers",
                name="start",
                marker=dict(symbol="star", size=16, color="white", line=dict(color="black", width=1)),
            )
        )
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="w"), range=[surface.w[0], surface.w[-1]]),
            yaxis=dict(title=dict(text="b"), range=[surface.b[0], surface.b[-1]]),
            height=500,
            margin=dict(l=10, r=10, t=10, b=40),
            legend=dict(orientation="h", y=-0.12, x=0),
            clickmode="event+select",
            dragmode=False,
        ),
    )


def _path(path: Path) -> dict:
    steps = np.arange(len(path.w))
    return dict(
        type="scatter",
        x=path.w,
        y=path.b,
        mode="lines+markers",
        name=PATH_NAMES[path.clipping],
        line=dict(color=PATH_COLOURS[path.clipping], width=2),
        marker=dict(size=4),
        customdata=np.stack([steps, path.loss], axis=1),
        hovertemplate="step %{customdata[0]}<br>w %{x:.3f}, b %{y:.3f}<br>E %{customdata[1]:.4f}<extra>"
        + PATH_NAMES[path.clipping]
        + "</extra>",
    )


def loss_surface_3d(surface: Surface, paths: list[Path]) -> go.Figure:
    """E(w, b) as a surface on every k-th grid point, the paths drawn on it (points off the grid's
    range are left out)."""
    k = max(1, -(-len(surface.w) // SURFACE_3D_POINTS), -(-len(surface.b) // SURFACE_3D_POINTS))
    w, b, loss = surface.w[::k], surface.b[::k], _shown(surface.loss[::k, ::k])
    traces = [
        dict(
            type="surface",
            x=w,
            y=b,
            z=loss,
            colorscale=VIRIDIS,
            showscale=False,
            hovertemplate="w %{x:.3f}<br>b %{y:.3f}<br>E %{z:.4f}<extra></extra>",
        )
    ]
    for path in paths:
        inside = (
            (path.w >= surface.w[0])
            & (path.w <= surface.w[-1])
            & (path.b >= surface.b[0])
            & (path.b <= surface.b[-1])
        )
        traces.append(
            dict(
                type="scatter3d",
                x=np.where(inside, path.w, np.nan),
                y=np.where(inside, path.b, np.nan),
                z=np.where(inside, path.loss + 0.005, np.nan),
                mode="lines+markers",
                line=dict(color=PATH_COLOURS[path.clipping], width=5),
                marker=dict(size=2),
                name=PATH_NAMES[path.clipping],
            )
        )
    scene = dict(
        xaxis=dict(title=dict(text="w")),
        yaxis=dict(title=dict(text="b")),
        zaxis=dict(title=dict(text="E")),
        camera=dict(eye=dict(x=-1.4, y=-1.6, z=1.1)),
    )
    return figure(traces, dict(scene=scene, height=480, margin=dict(l=0, r=0, t=0, b=0), showlegend=False))


def gradient_norms(paths: list[Path]) -> go.Figure:
    """||dE/d(w, b)|| before each step of each path, on a log axis: the cliff is the spike."""
    traces = [
        dict(
            type="scatter",
            x=np.arange(1, len(path.grad_norm) + 1),
            y=np.maximum(path.grad_norm, 1e-300),
            mode="lines+markers",
            name=PATH_NAMES[path.clipping],
            line=dict(color=PATH_COLOURS[path.clipping]),
            hovertemplate="step %{x}<br>‖g‖ %{y:.3g}<extra></extra>",
        )
        for path in paths
    ]
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="step")),
            yaxis=dict(title=dict(text="gradient norm (before clipping)"), type="log"),
            height=320,
            margin=dict(l=10, r=10, t=10, b=40),
            legend=dict(orientation="h", y=-0.25),
        ),
    )


def slice_along_w(
    w: np.ndarray, loss: np.ndarray, dE_dw: np.ndarray, b: float, single_loss: np.ndarray | None = None
) -> go.Figure:
    """E along w at fixed b above, |dE/dw| on a log axis below: flat, then a wall. With single_loss
    (E at x_0 = 0.5 when `loss` is a mean over starts), that one too, in grey dashes."""
    magnitude = np.where(np.abs(dE_dw) > 1e-300, np.abs(dE_dw), 1e-300)  # log axis: 0 shown at the floor
    traces = (
        []
        if single_loss is None
        else [
            dict(
                type="scatter",
                x=w,
                y=single_loss,
                mode="lines",
                name="E at x₀ = 0.5",
                xaxis="x",
                yaxis="y",
                line=dict(color="gray", dash="dash"),
                hovertemplate="w %{x:.4f}<br>E at x₀ = 0.5: %{y:.5f}<extra></extra>",
            ),
        ]
    )
    traces += [
        dict(
            type="scatter",
            x=w,
            y=loss,
            mode="lines",
            name="E",
            xaxis="x",
            yaxis="y",
            hovertemplate="w %{x:.4f}<br>E %{y:.5f}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=w,
            y=magnitude,
            mode="lines",
            name="|dE/dw|",
            line=dict(color="crimson"),
            xaxis="x2",
            yaxis="y2",
            hovertemplate="w %{x:.4f}<br>|dE/dw| %{y:.3g}<extra></extra>",
        ),
    ]
    return figure(
        traces,
        dict(  # two rows 0.06 apart, the top one's x axis following the bottom one's
            xaxis=dict(domain=[0.0, 1.0], anchor="y", matches="x2", showticklabels=False),
            yaxis=dict(domain=[0.53, 1.0], anchor="x", title=dict(text=f"E at b = {b:.3g}")),
            xaxis2=dict(domain=[0.0, 1.0], anchor="y2", title=dict(text="w")),
            yaxis2=dict(domain=[0.0, 0.47], anchor="x2", title=dict(text="|dE/dw|"), type="log"),
            height=440,
            margin=dict(l=10, r=10, t=10, b=40),
            showlegend=False,
        ),
    )


BRANCH_CURVES = (0, 1)  # the curves of fixed points against b in cliff_map's figure: a click on them picks b
BASIN_COLOURS = (
    "rgba(65,105,225,0.25)",
    "rgba(255,140,0,0.25)",
    "rgba(46,139,87,0.25)",
    "rgba(148,0,211,0.25)",
)


def cliff_map(view: CliffMap) -> go.Figure:
    """Left: the map f(x) = w σ(x) + b with the diagonal, the cobweb from x₀, the fixed points (filled:
    attracting, hollow: repelling) and each attractor's basin shaded along the x axis. Right: the
    fixed points x* against b at this w (solid: attracting, dashed: repelling), x₀ and the current b;
    a click there picks b."""
    u, grid = view.unit, view.grid
    low, high = float(grid[0]), float(grid[-1])
    corner_x, corner_y = view.cobweb
    attracting = np.where(view.branch_attracting, view.branch_x, np.nan)
    repelling = np.where(view.branch_attracting, np.nan, view.branch_x)
    traces = [  # first: a click on them (curves 0 and 1, BRANCH_CURVES) picks b
        dict(
            type="scatter",
            x=view.branch_b,
            y=attracting,
            mode="lines",
            line=dict(color="black"),
            xaxis="x2",
            yaxis="y2",
            name="x* attracting",
            showlegend=False,
            hovertemplate="b %{x:.3f}<br>x* %{y:.3f}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=view.branch_b,
            y=repelling,
            mode="lines",
            line=dict(color="black", dash="dash"),
            xaxis="x2",
            yaxis="y2",
            name="x* repelling",
            showlegend=False,
            hovertemplate="b %{x:.3f}<br>x* %{y:.3f} (repelling)<extra></extra>",
        ),
    ]
    traces += [
        dict(
            type="scatter",
            x=[low, high],
            y=[low, high],
            mode="lines",
            line=dict(color="gray", dash="dot"),
            name="x = f(x)",
            hoverinfo="skip",
        ),
        dict(
            type="scatter",
            x=grid,
            y=view.image,
            mode="lines",
            line=dict(color="black"),
            name=u.formula,
            hovertemplate="x %{x:.3f}<br>f(x) %{y:.3f}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=corner_x,
            y=corner_y,
            mode="lines",
            line=dict(color="crimson", width=1),
            name=f"cobweb from x₀ = {view.x0:g}, {view.T} steps",
            hoverinfo="skip",
        ),
    ]
    for stable in (True, False):
        points = [c.points[0] for c in view.fixed_points if (c.stability == "attracting") == stable]
        if points:
            traces.append(
                dict(
                    type="scatter",
                    x=points,
                    y=points,
                    mode="markers",
                    name="attracting" if stable else "repelling",
                    marker=dict(
                        size=11,
                        color="black",
                        symbol="circle" if stable else "circle-open",
                        line=dict(width=2),
                    ),
                    hovertemplate="x* = %{x:.4f}<extra></extra>",
                )
            )
    shapes = [
        dict(
            type="line",
            x0=view.x0,
            x1=view.x0,
            y0=0,
            y1=1,
            yref="paper",
            xref="x",
            line=dict(color="crimson", dash="dash"),
        )
    ]
    for i in range(len(view.attractors)):  # each basin as bands along the x axis
        inside = np.flatnonzero(view.basin == i)
        for run in np.split(inside, np.flatnonzero(np.diff(inside) > 1) + 1) if inside.size else []:
            shapes.append(
                dict(
                    type="rect",
                    x0=float(grid[run[0]]),
                    x1=float(grid[run[-1]]),
                    y0=0,
                    y1=1,
                    yref="paper",
                    xref="x",
                    fillcolor=BASIN_COLOURS[i % len(BASIN_COLOURS)],
                    line=dict(width=0),
                    layer="below",
                )
            )
    if view.cliff_b is not None:
        traces.append(
            dict(
                type="scatter",
                x=[view.cliff_b],
                y=[view.x0],
                mode="markers",
                xaxis="x2",
                yaxis="y2",
                marker=dict(size=12, color="crimson", symbol="x"),
                name="the cliff through x₀",
                hovertemplate="the cliff: b = %{x:.4f}<extra></extra>",
            )
        )
    b_low, b_high = min(u.b, view.cliff_b or u.b) - 3.0, max(u.b, view.cliff_b or u.b) + 3.0
    shapes += [
        dict(
            type="line",
            x0=b_low,
            x1=b_high,
            y0=view.x0,
            y1=view.x0,
            xref="x2",
            yref="y2",
            line=dict(color="crimson", dash="dash"),
        ),
        dict(type="line", x0=u.b, x1=u.b, y0=0, y1=1, xref="x2", yref="paper", line=dict(color="royalblue")),
    ]
    layout = dict(
        height=420,
        margin=dict(l=10, r=10, t=30, b=10),
        shapes=shapes,
        hovermode="closest",
        legend=dict(orientation="h", y=-0.15),
        clickmode="event+select",
        xaxis=dict(domain=[0, 0.46], range=[low, high], title=dict(text="x")),
        yaxis=dict(range=[low, high], title=dict(text="f(x)")),
        xaxis2=dict(
            domain=[0.56, 1], range=[b_low, b_high], title=dict(text=f"b (w = {u.w:g}); click to pick b")
        ),
        yaxis2=dict(anchor="x2", range=[low, high], title=dict(text="fixed points x*")),
    )
    return figure(traces, layout)
