"""Figures of the hand-built RNNs page: the network diagram, the unrolled computation and the BPTT learning curve.

Each figure is built in one go from trace and layout dicts, not validated on the way (see
rnnviz/figures/__init__.py): the page redraws them on every change of a weight."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures import BLUES, figure

LN2 = float(np.log(2.0))  # cross-entropy of always answering 1/2, in nats


def _fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else str(value)


def unrolled(rows: dict[str, np.ndarray], wrong: np.ndarray | None = None) -> go.Figure:
    """The network unrolled in time: one row per quantity (x, h, y, target), one column per step.

    Colour is each row's value scaled to that row's finite range, so binary rows and running sums
    read alike; inf and NaN are darkest. The numbers themselves are printed in the cells (up to 40
    steps) and on hover. `wrong` (T,) marks the steps where the output disagrees with the target."""
    names = list(rows)
    values = np.array([np.asarray(rows[n], dtype=np.float64) for n in names])  # (R, T)
    T = values.shape[1]
    steps = np.arange(1, T + 1)
    finite = np.isfinite(values)  # (R, T); overflowed cells (inf, NaN) are drawn darkest
    low = np.where(finite, values, np.inf).min(axis=1, keepdims=True)
    high = np.where(finite, values, -np.inf).max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        shade = (values - low) / np.where(high > low, high - low, 1.0)  # (R, T) in [0, 1]
    shade = np.where(finite, shade, 1.6)
    text = [[_fmt(v) for v in row] for row in values]
    labelled = T <= 40  # numbers in the cells, gaps between them, a tick at every step
    traces = [
        dict(
            type="heatmap",
            z=shade,
            x=steps,
            y=names,
            text=text,
            texttemplate="%{text}" if labelled else "",
            customdata=text,
            hovertemplate="step %{x}<br>%{y} = %{customdata}<extra></extra>",
            colorscale=BLUES,
            zmin=0,
            zmax=1.6,
            showscale=False,
            xgap=2 if labelled else 0,
            ygap=2,
        )
    ]
    if wrong is not None and np.any(wrong):
        output_row = names[-2]  # the output sits just above the target row
        traces.append(
            dict(
                type="scatter",
                x=steps[wrong],
                y=[output_row] * int(np.sum(wrong)),
                mode="markers",
                marker=dict(
                    symbol="square-open",
                    size=max(4.0, min(26.0, 700 / T)),
                    color="crimson",
                    line=dict(width=3 if labelled else 1),
                ),
                name="output ≠ target",
                hovertemplate="step %{x}: output ≠ target<extra></extra>",
            )
        )
    xaxis = dict(title=dict(text="time step t"))
    if labelled:
        xaxis["dtick"] = 1
    return figure(
        traces,
        dict(
            xaxis=xaxis,
            yaxis=dict(autorange="reversed"),
            height=90 + 48 * len(names),
            margin=dict(l=10, r=10, t=10, b=40),
            showlegend=False,
        ),
    )


def learning_curves(losses: np.ndarray, best_start: int) -> go.Figure:
    """Cross-entropy per step of every random start (grey) and of the one kept (blue), log axis."""
    steps = np.arange(1, losses.shape[0] + 1)
    traces = [
        dict(
            type="scatter",
            x=steps,
            y=losses[:, k],
            mode="lines",
            line=dict(color="lightgray", width=1),
            name=f"start {k}",
            hovertemplate=f"start {k}<br>step %{{x}}<br>loss %{{y:.4f}}<extra></extra>",
        )
        for k in range(losses.shape[1])
        if k != best_start
    ]
    traces.append(
        dict(
            type="scatter",
            x=steps,
            y=losses[:, best_start],
            mode="lines",
            line=dict(color="royalblue", width=3),
            name=f"start {best_start} (kept)",
            hovertemplate="kept start<br>step %{x}<br>loss %{y:.4f}<extra></extra>",
        )
    )
    guess = dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=LN2, y1=LN2, line=dict(dash="dot"))
    label = dict(
        text="ln 2: guessing ½",
        xref="x domain",
        x=1,
        xanchor="right",
        yref="y",
        y=LN2,
        yanchor="bottom",
        showarrow=False,
    )
    return figure(
        traces,
        dict(
            shapes=[guess],
            annotations=[label],
            xaxis=dict(title=dict(text="training step")),
            yaxis=dict(title=dict(text="cross-entropy per output (nats)"), type="log"),
            height=320,
            margin=dict(l=10, r=10, t=10, b=40),
            showlegend=False,
        ),
    )


NODE_RADIUS_PX = 30
# Where each network's units sit in its diagram, and which weight each edge carries.
_LAYOUTS = {
    "ParityWeights": (
        {"x(t)": (0, 1), "y(t-1)": (0, 0), "h₁": (1, 1), "h₂": (1, 0), "y(t)": (2, 0.5)},
        [
            ("x(t)", "h₁", "x_to_h1"),
            ("y(t-1)", "h₁", "y_to_h1"),
            ("x(t)", "h₂", "x_to_h2"),
            ("y(t-1)", "h₂", "y_to_h2"),
            ("h₁", "y(t)", "h1_to_y"),
            ("h₂", "y(t)", "h2_to_y"),
        ],
        {"h₁": "b_h1", "h₂": "b_h2", "y(t)": "b_y"},
        {},
    ),
    "SumWeights": (
        {"x(t)": (0, 0.5), "h": (1, 0.5), "y(t)": (2, 0.5)},
        [("x(t)", "h", "w_in"), ("h", "y(t)", "w_out")],
        {"h": "b_h", "y(t)": "b_y"},
        {"h": "w_rec"},
    ),
    "CompareWeights": (
        {"first(t)": (0, 1), "second(t)": (0, 0), "h": (1, 0.5), "y(t)": (2, 0.5)},
        [("first(t)", "h", "w_first"), ("second(t)", "h", "w_second"), ("h", "y(t)", "w_out")],
        {"h": "b_h", "y(t)": "b_y"},
        {"h": "w_rec"},
    ),
}


def network_diagram(weights) -> go.Figure:
    """The network as the lecture draws it, one time step: units, edges labelled with their
    weights (blue positive, red negative), biases under the units, recurrences as loops."""
    positions, edges, biases, loops = _LAYOUTS[type(weights).__name__]

    def value(name: str) -> float:
        return getattr(weights, name)

    def colour(w: float) -> str:
        return "royalblue" if w > 0 else ("crimson" if w < 0 else "gray")

    traces, notes = [], []
    for source, target, name in edges:
        (x0, y0), (x1, y1) = positions[source], positions[target]
        notes.append(
            dict(
                x=x1,
                y=y1,
                ax=x0,
                ay=y0,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                standoff=NODE_RADIUS_PX,
                startstandoff=NODE_RADIUS_PX,  # stop at the circles
                showarrow=True,
                arrowhead=2,
                arrowwidth=1 + min(abs(value(name)), 4),
                arrowcolor=colour(value(name)),
            )
        )
        # label a third of the way along, so that the labels of crossing edges stay apart
        notes.append(
            dict(
                x=x0 + (x1 - x0) * 0.33,
                y=y0 + (y1 - y0) * 0.33 + 0.08,
                text=f"{value(name):.3g}",
                showarrow=False,
                font=dict(color=colour(value(name)), size=13),
                bgcolor="white",
            )
        )
    for unit, name in loops.items():
        x, y = positions[unit]
        notes.append(
            dict(
                x=x,
                y=y + 0.3,
                text=f"↻ {value(name):.3g}",
                showarrow=False,
                font=dict(color=colour(value(name)), size=13),
            )
        )
    if "y(t-1)" in positions:  # the parity net's memory is its own output, one step late
        traces.append(
            dict(
                type="scatter",
                x=[2.0, 2.0, 0.0],
                y=[0.3, -0.4, -0.4],
                mode="lines",
                hoverinfo="skip",
                line=dict(color="gray", dash="dot"),
            )
        )
        notes.append(
            dict(
                x=0,
                y=-0.15,
                ax=0,
                ay=-0.4,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                arrowhead=2,
                arrowcolor="gray",
                text="",
                showarrow=True,
            )
        )
        notes.append(
            dict(
                x=1,
                y=-0.5,
                text="y(t) becomes y(t-1) at the next step",
                showarrow=False,
                font=dict(color="gray", size=11),
            )
        )
    names = list(positions)
    labels = [f"{n}<br><sub>bias {value(biases[n]):.3g}</sub>" if n in biases else n for n in names]
    traces.append(
        dict(
            type="scatter",
            x=[positions[n][0] for n in names],
            y=[positions[n][1] for n in names],
            text=labels,
            mode="markers+text",
            textposition="middle center",
            hoverinfo="skip",
            marker=dict(size=2 * NODE_RADIUS_PX, color="white", line=dict(color="black", width=1.5)),
        )
    )
    return figure(
        traces,
        dict(
            annotations=notes,
            xaxis=dict(visible=False, range=[-0.35, 2.35]),
            yaxis=dict(visible=False, range=[-0.6, 1.4]),
            height=280,
            margin=dict(l=0, r=0, t=0, b=0),
            showlegend=False,
            plot_bgcolor="white",
        ),
    )
