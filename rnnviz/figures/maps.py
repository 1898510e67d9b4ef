"""Figures of the iterated-functions page: f∘n over the domain, the cobweb, derivatives on log axes,
the bifurcation diagram with the Lyapunov exponent beneath it.

Each figure is built in one go from trace and layout dicts (subplots by axis domains), not validated
on the way (see rnnviz/figures/__init__.py): the page redraws the open view's figures on every slider move."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures import VIRIDIS, figure
from rnnviz.maps import CEILING_LOG10, FLOOR_LOG10, PANELS, Bifurcation, Cycle, MapView

STABILITY_STYLE = {  # marker symbol and colour of a fixed point, by stability
    "attracting": ("circle", "#2ca02c"),
    "repelling": ("circle-open", "#d62728"),
    "neutral": ("diamond-open", "#ff7f0e"),
}
CURVE = "#1f77b4"
DIAGONAL = dict(color="#aaaaaa", width=1, dash="dot")
MARGIN = dict(l=10, r=10, t=40, b=40)
LEGEND = dict(orientation="h", y=1.02, yanchor="bottom", x=0)


def power(n: int) -> str:
    """f∘n as text: 'f' for n = 1."""
    return "f" if n == 1 else f"f∘{n}"


def _marks(view: MapView, n: int, axes: dict | None = None) -> list[dict]:
    """The fixed points of f (all of them) and the points of each attracting cycle whose period
    divides n: exactly the marked points are fixed points of f∘n, where its graph meets y = x."""
    v = view.map.variable
    groups: dict[str, tuple[list, list, str, str]] = {}  # legend name -> (points, hovers, symbol, colour)
    for cycle in view.fixed_points + [c for c in view.cycles if c.period > 1 and n % c.period == 0]:
        symbol, colour = STABILITY_STYLE[cycle.stability]
        if cycle.period == 1:
            name = f"{cycle.stability} fixed point"
        else:
            name, symbol = f"{cycle.stability} {cycle.period}-cycle", "diamond"
        points, hovers, _, _ = groups.setdefault(name, ([], [], symbol, colour))
        for point in cycle.points:
            points.append(point)
            hovers.append(f"{v}* = {point:.5f}<br>{name}<br>multiplier {cycle.multiplier:.4g}")
    return [
        dict(
            type="scatter",
            x=points,
            y=points,
            mode="markers",
            name=name,
            text=hovers,
            hovertemplate="%{text}<extra></extra>",
            legendgroup=name,
            cliponaxis=False,
            **(axes or {}),
            marker=dict(symbol=symbol, size=10, color=colour, line=dict(color=colour, width=2)),
        )
        for name, (points, hovers, symbol, colour) in groups.items()
    ]


PANEL_EVERY = 4  # the small panels draw every 4th grid point: 501 of them, ample for f∘6's 64 humps at most


def _graph(view: MapView, n: int, axes: dict | None = None, width: float = 2, every: int = 1) -> list[dict]:
    """The diagonal y = x and the curve y = f∘n(x) over the domain (every `every`-th grid point)."""
    low, high = view.map.domain
    v = view.map.variable
    return [
        dict(
            type="scatter",
            x=[low, high],
            y=[low, high],
            mode="lines",
            line=DIAGONAL,
            hoverinfo="skip",
            showlegend=False,
            **(axes or {}),
        ),
        dict(
            type="scatter",
            x=view.grid[::every],
            y=view.iterates[n][::every],
            mode="lines",
            line=dict(color=CURVE, width=width),
            name=f"y = {power(n)}({v})",
            showlegend=False,
            **(axes or {}),
            hovertemplate=f"{v} = %{{x:.4f}}<br>{power(n)}({v}) = %{{y:.4f}}<extra></extra>",
        ),
    ]


def lecture_panels(view: MapView) -> go.Figure:
    """The lecture's four panels: y = f(x), f∘f, f∘3 and f∘6, each with y = x and its fixed points."""
    low, high = view.map.domain
    v = view.map.variable
    gap = 0.04
    width = (1 - gap * (len(PANELS) - 1)) / len(PANELS)
    traces, layout, titles = [], {}, []
    for i, n in enumerate(PANELS):
        suffix = "" if i == 0 else str(i + 1)
        traces += _graph(view, n, dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}"), every=PANEL_EVERY)
        for mark in _marks(view, n, dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")):
            mark["showlegend"] = all(mark["name"] != t.get("name") for t in traces)  # once per kind
            traces.append(mark)
        start = i * (width + gap)
        layout[f"xaxis{suffix}"] = dict(
            domain=[start, start + width], range=[low, high], title=dict(text=v), anchor=f"y{suffix}"
        )
        layout[f"yaxis{suffix}"] = dict(range=[low, high], anchor=f"x{suffix}")
        titles.append(
            dict(
                text=f"y = {power(n)}({v})",
                x=start + width / 2,
                y=1.0,
                xref="paper",
                yref="paper",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=14),
            )
        )
    return figure(
        traces,
        dict(
            **layout,
            annotations=titles,
            height=340,
            margin=dict(l=10, r=10, t=30, b=10),
            legend=dict(orientation="h", y=-0.3, x=0),
        ),
    )


def iterate_graph(view: MapView) -> go.Figure:
    """y = f∘k(x) for the chosen k, large: flat where orbits are drawn in, steep where they fly apart."""
    low, high = view.map.domain
    v = view.map.variable
    return figure(
        _graph(view, view.k, width=1.2) + _marks(view, view.k),
        dict(
            xaxis=dict(title=dict(text=v), range=[low, high]),
            yaxis=dict(title=dict(text=f"{power(view.k)}({v})"), range=[low, high]),
            height=450,
            margin=MARGIN,
            legend=LEGEND,
        ),
    )


def cobweb(view: MapView) -> go.Figure:
    """The cobweb from x_0: up or down to the graph of f, across to y = x, k times."""
    v = view.map.variable
    xs = view.orbit  # (k + 1,)
    steps = np.arange(view.k)
    traces = _graph(view, 1, every=PANEL_EVERY) + [
        dict(
            type="scatter",
            x=np.repeat(xs, 2)[:-1],
            y=np.repeat(xs, 2)[1:],
            mode="lines",
            name="cobweb",
            line=dict(color="#7f7f7f", width=1),
            hoverinfo="skip",
            showlegend=False,
        ),
        dict(
            type="scatter",
            x=xs[:-1],
            y=xs[1:],
            mode="markers",
            name=f"({v}ₜ, {v}ₜ₊₁)",
            customdata=steps,
            marker=dict(
                color=steps,
                colorscale=VIRIDIS,
                cmin=0,
                cmax=max(view.k - 1, 1),
                size=7,
                colorbar=dict(title=dict(text="t"), thickness=10),
            ),
            hovertemplate=f"step %{{customdata}}: {v}ₜ = %{{x:.5f}} → {v}ₜ₊₁ = %{{y:.5f}}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=[xs[0]],
            y=[xs[0]],
            mode="markers",
            name=f"start {v}₀",
            cliponaxis=False,
            marker=dict(symbol="x", size=12, color="black"),
            hovertemplate=f"{v}₀ = %{{x:.5f}}<extra></extra>",
        ),
    ]
    traces += _marks(view, 1)
    for cycle in view.cycles:
        if cycle.period > 1:
            traces.append(
                dict(
                    type="scatter",
                    x=cycle.points,
                    y=cycle.points,
                    mode="markers",
                    name=f"attracting {cycle.period}-cycle",
                    cliponaxis=False,
                    marker=dict(symbol="diamond", size=10, color=STABILITY_STYLE["attracting"][1]),
                    hovertemplate=f"{v} = %{{x:.5f}}: on the attracting {cycle.period}-cycle<extra></extra>",
                )
            )
    low, high = view.map.domain
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text=f"{v}ₜ"), range=[low, high]),
            yaxis=dict(title=dict(text=f"{v}ₜ₊₁"), range=[low, high]),
            height=450,
            margin=MARGIN,
            legend=LEGEND,
        ),
    )


def _log_axis(log10: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
    """Values to draw on a log axis from their log10: (drawn, below, above, axis range in log10).

    Values below 1e-300 (0 included) and above 1e300 are left out of the line (NaN) and marked at
    the axis' edge instead, so that the axis spans the values it can show."""
    below, above = log10 < FLOOR_LOG10, log10 > CEILING_LOG10  # -inf is below; NaN is neither
    shown = np.isfinite(log10) & ~below & ~above
    low = float(log10[shown].min()) if shown.any() else 0.0
    high = float(log10[shown].max()) if shown.any() else 0.0
    low, high = min(low, 0.0) - 0.5, max(high, 0.0) + 0.5  # always show the line |d| = 1
    low = min(low, high - 4.0)  # at least four decades: a log axis of less shows minor ticks only
    low -= 1.0 if below.any() else 0.0
    high += 1.0 if above.any() else 0.0
    drawn = np.where(shown, np.power(10.0, np.where(shown, log10, 0.0)), np.nan)
    return drawn, below, above, [low, high]


def _log_figure(
    x: np.ndarray, log10: np.ndarray, x_title: str, y_name: str, hover_x: str, mode: str
) -> go.Figure:
    """|something| against x on a log axis, with marks for what is beyond [1e-300, 1e300]."""
    drawn, below, above, (low, high) = _log_axis(log10)
    traces = [
        dict(
            type="scatter",
            x=x,
            y=drawn,
            mode=mode,
            line=dict(color=CURVE, width=1.5),
            marker=dict(size=5),
            name=y_name,
            hovertemplate=f"{hover_x}<br>{y_name} = %{{y:.3e}}<extra></extra>",
            showlegend=False,
        )
    ]
    for mask, edge, symbol, text in (
        (below, low + 0.3, "triangle-down", "below 1e-300 (vanished)"),
        (above, high - 0.3, "triangle-up", "above 1e300 (exploded)"),
    ):
        if mask.any():
            traces.append(
                dict(
                    type="scatter",
                    x=x[mask],
                    y=np.full(int(mask.sum()), 10.0**edge),
                    mode="markers",
                    name=text,
                    marker=dict(symbol=symbol, size=8, color="#d62728"),
                    hovertemplate=f"{hover_x}<br>{y_name} {text}<extra></extra>",
                )
            )
    one = dict(
        type="line", xref="x domain", x0=0, x1=1, y0=1, y1=1, line=dict(color="#555555", width=1, dash="dash")
    )
    # whole decades, at most about 8 of them
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text=x_title)),
            yaxis=dict(
                title=dict(text=y_name),
                type="log",
                range=[low, high],
                exponentformat="power",
                tick0=0,
                dtick=max(1, int(np.ceil((high - low) / 8))),
            ),
            shapes=[one],
            height=380,
            margin=MARGIN,
            legend=LEGEND,
        ),
    )


def derivative_over_domain(view: MapView) -> go.Figure:
    """|d f∘k/dx| over the domain on a log axis: the gradient of the k-step map at every start."""
    v = view.map.variable
    fig = _log_figure(
        view.grid, view.log10_derivative, v, f"|d{power(view.k)}/d{v}|", f"{v} = %{{x:.4f}}", "lines"
    )
    fig.layout.xaxis.range = view.map.domain
    return fig


def gradient_through_time(view: MapView) -> go.Figure:
    """|dx_t/dx_0| along the orbit from x_0, t = 0..k, on a log axis: the gradient carried back t steps."""
    v = view.map.variable
    return _log_figure(
        np.arange(view.k + 1), view.log10_gain, "step t", f"|d{v}ₜ/d{v}₀|", "t = %{x}", "lines+markers"
    )


def bifurcation(diagram: Bifurcation, current: float, cycles: list[Cycle]) -> go.Figure:
    """Where orbits settle against the parameter (top) and the Lyapunov exponent (bottom), the
    current value marked on both, with its attracting cycles."""
    p = diagram.parameter
    v = "x" if p == "r" else "h"
    visits = diagram.visits.astype(np.float64)  # (B, P)
    shade = np.where(visits > 0, 0.3 + 0.7 * np.log1p(visits) / np.log1p(max(visits.max(), 1.0)), 0.0)
    traces = [
        dict(
            type="heatmap",
            x=diagram.values,
            y=diagram.states,
            z=np.rint(255 * shade).astype(np.uint8),
            zmin=0,
            zmax=255,
            colorscale=[[0.0, "white"], [1.0, "#08306b"]],
            showscale=False,
            name="visited",
            hovertemplate=f"{p} = %{{x:.4f}}<br>{v} ≈ %{{y:.3f}}<extra></extra>",
        )
    ]
    finite = diagram.lyapunov[np.isfinite(diagram.lyapunov)]
    # spikes to -inf: clipped
    floor = min(-0.5, float(np.percentile(finite, 2)) - 0.3) if finite.size else -1.0
    for i, start in enumerate(diagram.starts):
        exponent = diagram.lyapunov[i]  # (P,)
        if i > 0 and np.allclose(exponent, diagram.lyapunov[0], equal_nan=True):
            continue  # the same curve as from the first start
        label = [("−∞" if e == -np.inf else f"{e:.4f}") for e in exponent]
        traces.append(
            dict(
                type="scatter",
                x=diagram.values,
                y=np.clip(exponent, floor, None),
                customdata=label,
                mode="lines",
                yaxis="y2",
                line=dict(color="#444444", width=1.2, dash="solid" if i == 0 else "dash"),
                name=f"λ from {v}₀ = {start:g}",
                hovertemplate=f"{p} = %{{x:.4f}}<br>λ = %{{customdata}}<extra></extra>",
            )
        )
    shapes = [
        dict(
            type="line",
            xref="x domain",
            x0=0,
            x1=1,
            yref="y2",
            y0=0,
            y1=0,
            line=dict(color="#d62728", width=1),
        )
    ]
    low, high = float(diagram.values[0]), float(diagram.values[-1])
    if low <= current <= high:
        shapes += [
            dict(
                type="line",
                xref="x",
                x0=current,
                x1=current,
                yref=f"{axis} domain",
                y0=0,
                y1=1,
                line=dict(color="#ff7f0e", width=1.5),
            )
            for axis in ("y", "y2")
        ]
        points = [point for cycle in cycles for point in cycle.points]
        traces.append(
            dict(
                type="scatter",
                x=[current] * len(points),
                y=points,
                mode="markers",
                name=f"attractors at {p} = {current:g}",
                marker=dict(color="#ff7f0e", size=8, line=dict(color="black", width=1)),
                cliponaxis=False,
                hovertemplate=f"{p} = {current:g}<br>{v} = %{{y:.5f}} (attracting)<extra></extra>",
            )
        )
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text=p), range=[low, high], anchor="y2"),
            yaxis=dict(
                title=dict(text=f"{v}, after the transient"), domain=[0.36, 1.0], range=list(diagram.domain)
            ),
            yaxis2=dict(title=dict(text="λ"), domain=[0.0, 0.28], anchor="x"),
            shapes=shapes,
            height=660,
            margin=MARGIN,
            legend=LEGEND,
            plot_bgcolor="white",
        ),
    )
