"""Figures of the backprop-through-time page: the unrolled graph and the gradients' make-up.

Each figure is built in one go from trace and layout dicts, not validated on the way (see
rnnviz/figures/__init__.py): the page redraws them on every slider move."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from rnnviz.bptt import BPTTResult
from rnnviz.figures import RED_BLUE, figure

# Rows of the unrolled graph, bottom to top, and the quantity each node shows.
ROWS = {"x": 0, "z": 1, "h": 2, "r": 3, "y": 4, "L": 5}
WEIGHT_COLOURS = {"u": "#2ca02c", "w": "#9467bd", "v": "#ff7f0e"}
LABELS_UP_TO_T = 16  # beyond this many steps, node and edge labels would overlap


def _edges(pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> tuple[list, list]:
    """Line segments as one trace's x and y, separated by None."""
    xs, ys = [], []
    for (x0, y0), (x1, y1) in pairs:
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def computation_graph(result: BPTTResult) -> go.Figure:
    """The unrolled graph: x_t -> z_t -> h_t -> r_t -> y_t -> L_t -> L for every t, h_{t-1} -> z_t.

    Edges carrying a weight are coloured by it: the same colour at every step is weight sharing.
    Nodes are coloured by their adjoint (dL/d node, red < 0 < blue; grey where there is none to
    show: the inputs, h_0, and the loss nodes, whose adjoints are all 1); hover shows both."""
    T = len(result.x)
    steps = np.arange(1, T + 1)
    loss_terms = (result.y - result.targets) ** 2 / 2  # (T,)
    # the nonlinearities and the loss: grey edges
    plain = [((t, ROWS["z"]), (t, ROWS["h"])) for t in steps] + [
        ((t, ROWS["r"]), (t, ROWS["y"])) for t in steps
    ]
    plain += [((t, ROWS["y"]), (t, ROWS["L"])) for t in steps]
    plain += [((t, ROWS["L"]), ((T + 1) / 2, ROWS["L"] + 1)) for t in steps]
    xs, ys = _edges(plain)
    traces = [
        dict(
            type="scatter",
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color="lightgray", width=1),
            hoverinfo="skip",
            name="φ and the loss",
        )
    ]
    weighted = {
        "u": [((t, ROWS["x"]), (t, ROWS["z"])) for t in steps],
        "w": [((t - 1, ROWS["h"]), (t, ROWS["z"])) for t in steps],
        "v": [((t, ROWS["h"]), (t, ROWS["r"])) for t in steps],
    }
    for name, pairs in weighted.items():
        xs, ys = _edges(pairs)
        traces.append(
            dict(
                type="scatter",
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color=WEIGHT_COLOURS[name], width=2),
                hoverinfo="skip",
                name=f"{name}: the same weight at every step",
            )
        )
        if T <= LABELS_UP_TO_T:
            mid_x = [(a[0] + b[0]) / 2 for a, b in pairs]
            mid_y = [(a[1] + b[1]) / 2 for a, b in pairs]
            traces.append(
                dict(
                    type="scatter",
                    x=mid_x,
                    y=mid_y,
                    mode="text",
                    text=[name] * T,
                    hoverinfo="skip",
                    textfont=dict(color=WEIGHT_COLOURS[name], size=13),
                    showlegend=False,
                )
            )

    values = {"x": result.x, "z": result.z, "h": result.h, "r": result.r, "y": result.y, "L": loss_terms}
    bars = {
        "x": np.full(T, np.nan),
        "z": result.z_bar,
        "h": result.h_bar,
        "r": result.r_bar,
        "y": result.y_bar,
        "L": np.ones(T),
    }
    shown = {**bars, "L": np.full(T, np.nan)}  # every L-bar is 1: left grey, out of the colour scale
    node_x, node_y, colour, hover, text = [0], [ROWS["h"]], [np.nan], ["h₀ = 0 (the blank slate)"], ["h₀"]
    for name, row in ROWS.items():
        for t in steps:
            node_x.append(t)
            node_y.append(row)
            colour.append(shown[name][t - 1])
            value = f"{name}_{t} = {values[name][t - 1]:.4g}"
            adjoint = "" if name == "x" else f"<br>{name}̄_{t} = dL/d{name}_{t} = {bars[name][t - 1]:.4g}"
            hover.append(value + adjoint)
            text.append(f"{name}{_subscript(t)}")
    node_x.append((T + 1) / 2)
    node_y.append(ROWS["L"] + 1)
    colour.append(np.nan)
    hover.append(f"L = {result.loss:.4g}<br>L̄ = 1")
    text.append("L")
    colour = np.asarray(colour, dtype=np.float64)
    # object arrays to pick nodes by mask, handed to plotly as lists (its JSON encoder is slow on object arrays)
    node_x, node_y, hover, text = (np.asarray(a, dtype=object) for a in (node_x, node_y, hover, text))
    magnitude = np.abs(colour[np.isfinite(colour)])
    scale = float(magnitude.max()) if magnitude.size and magnitude.max() > 0 else 1.0
    labelled = T <= LABELS_UP_TO_T
    for has_adjoint in (False, True):
        keep = np.isfinite(colour) == has_adjoint
        marker = dict(size=30 if labelled else max(6, 400 // T), line=dict(color="black", width=1))
        if has_adjoint:
            marker.update(
                color=colour[keep],
                colorscale=RED_BLUE,
                cmid=0,
                cmin=-scale,
                cmax=scale,
                colorbar=dict(title=dict(text="adjoint"), thickness=12),
            )
        else:
            marker.update(color="#e8e8e8")
        traces.append(
            dict(
                type="scatter",
                x=node_x[keep].tolist(),
                y=node_y[keep].tolist(),
                mode="markers+text" if labelled else "markers",
                text=text[keep].tolist(),
                textposition="middle center",
                textfont=dict(size=10),
                hovertext=hover[keep].tolist(),
                hoverinfo="text",
                showlegend=False,
                marker=marker,
                name="nodes with an adjoint" if has_adjoint else "inputs, h₀ and the loss",
            )
        )
    xaxis = dict(title=dict(text="time step t"), zeroline=False)
    if labelled:
        xaxis["dtick"] = 1  # a tick at every step; beyond, plotly's own
    return figure(
        traces,
        dict(
            xaxis=xaxis,
            yaxis=dict(
                tickvals=list(ROWS.values()) + [ROWS["L"] + 1],
                ticktext=["x", "z", "h", "r", "y", "Lₜ", "L"],
                zeroline=False,
                showgrid=False,
            ),
            height=470,
            margin=dict(l=10, r=10, t=30, b=40),
            plot_bgcolor="white",
            legend=dict(orientation="h", y=1.08, x=0),
        ),
    )


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def gradient_contributions(result: BPTTResult) -> go.Figure:
    """u_bar, v_bar and w_bar as stacked bars, one segment per time step, the total marked."""
    terms = result.contributions()  # name -> (T,)
    names = ["ū", "v̄", "w̄"]
    T = len(result.x)
    colours = sample_colorscale("Viridis", list(np.linspace(0, 1, T))) if T > 1 else ["#440154"]
    traces = [
        dict(
            type="bar",
            x=names,
            y=[terms[k][t] for k in "uvw"],
            marker=dict(color=colours[t]),
            name=f"t = {t + 1}",
            hovertemplate=f"step {t + 1}: %{{y:.4g}}<extra>%{{x}}</extra>",
            showlegend=False,
        )
        for t in range(T)
    ]
    totals = [result.u_bar, result.v_bar, result.w_bar]
    traces.append(
        dict(
            type="scatter",
            x=names,
            y=totals,
            mode="markers+text",
            text=[f"{v:.4g}" for v in totals],
            textposition="middle right",
            marker=dict(symbol="diamond", size=14, color="black"),
            name="sum over t",
            hovertemplate="sum over t: %{y:.6g}<extra>%{x}</extra>",
        )
    )
    return figure(
        traces,
        dict(
            barmode="relative",
            yaxis=dict(title=dict(text="contribution to the gradient")),
            height=380,
            margin=dict(l=10, r=10, t=10, b=30),
            showlegend=False,
        ),
    )
