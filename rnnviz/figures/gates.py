"""Figures of the LSTM gates page: the gates over time, the memory path, the exercise.

Each figure is built in one go from trace and layout dicts (subplots by axis domains), not validated
on the way (see rnnviz/figures/__init__.py): the page redraws them on every slider move."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures import BLUES, RED_BLUE, figure, panel_title
from rnnviz.gates import KEEPS, Exercise, GateView, MemoryPaths

GATE_TITLES = {
    "i": "input gate i (0: ignore the new candidate)",
    "f": "forget gate f (1: keep the memory)",
    "o": "output gate o (0: hide the memory)",
    "g": "candidate g",
    "c": "memory cell c",
    "h": "hidden state h",
}


def _stack(heights: list[float], gap: float) -> list[list[float]]:
    """The y domains, top first, of subplots stacked with these relative heights `gap` apart: summed
    from the bottom up, as plotly's make_subplots does (the same floats to the last bit)."""
    sizes = [(1.0 - gap * (len(heights) - 1)) * (h / sum(heights)) for h in reversed(heights)]
    domains = []
    for k, size in enumerate(sizes):
        start = sum(sizes[:k]) + k * gap
        domains.append([start, start + size])
    return domains[::-1]


def gate_heatmaps(view: GateView) -> go.Figure:
    """The inputs on top, then i, f, o, g, c, h as unit x time heatmaps, all on one time axis."""
    T, H = view.gates["h"].shape
    steps = np.arange(1, T + 1)
    traces = [
        dict(
            type="bar",
            x=steps,
            y=view.x[:, 1],
            marker=dict(color="crimson"),
            name="marker",
            opacity=0.6,
            hovertemplate="step %{x}: marker %{y:.0f}<extra></extra>",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="scatter",
            x=steps,
            y=view.x[:, 0],
            mode="lines+markers",
            name="value",
            line=dict(color="black"),
            hovertemplate="step %{x}: value %{y:.3f}<extra></extra>",
            xaxis="x",
            yaxis="y",
        ),
    ]
    ranges = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "g": (-1, 1), "h": (-1, 1)}
    for row, name in enumerate(GATE_TITLES, start=2):
        values = view.gates[name].T  # (H, T)
        low, high = ranges.get(name, (-np.abs(values).max(), np.abs(values).max()))
        traces.append(
            dict(
                type="heatmap",
                z=values,
                x=steps,
                y=np.arange(H),
                zmin=low,
                zmax=high,
                showscale=False,
                colorscale=BLUES if low == 0 else RED_BLUE,
                xaxis=f"x{row}",
                yaxis=f"y{row}",
                hovertemplate=f"step %{{x}}, unit %{{y}}<br>{name} = %{{z:.3f}}<extra></extra>",
            )
        )
    titles = ["the input: value (line) and marker (bars)", *GATE_TITLES.values()]
    follow = dict(matches="x7", showticklabels=False)  # rows 1 to 6 show row 7's time axis, unlabelled
    layout, annotations = {}, []
    for row, (domain, title) in enumerate(zip(_stack([0.7] + [1.0] * 6, 0.025), titles), start=1):
        n = "" if row == 1 else str(row)
        x_axis = dict(title=dict(text="time step t")) if row == 7 else follow
        y_axis = {} if row == 1 else dict(title=dict(text="unit"))
        layout[f"xaxis{n}"] = dict(anchor=f"y{n}", domain=[0.0, 1.0], **x_axis)
        layout[f"yaxis{n}"] = dict(anchor=f"x{n}", domain=domain, **y_axis)
        annotations.append(panel_title(title, 0.5, domain[1]))
    return figure(
        traces,
        dict(
            **layout,
            annotations=annotations,
            height=1150,
            margin=dict(l=10, r=10, t=30, b=40),
            showlegend=False,
        ),
    )


def memory_path(paths: MemoryPaths) -> go.Figure:
    """Two panels, at initialisation and after training: prod f along the LSTM's cell (at each t the
    largest and the median over units, and their range: the largest need not be the same unit at every
    t) beside ||dh_T/dh_t|| of the tanh RNN, on one log axis against t; the dashed line is KEEPS, the
    level of a unit that keeps its memory."""
    traces, layout = [], {}
    for column, (stage, domain) in enumerate((("initial", [0.0, 0.48]), ("trained", [0.52, 1.0])), start=1):
        forget_log10, rnn_norms = paths.forget_log10[stage], paths.rnn_norms[stage]
        steps = np.arange(1, forget_log10.shape[0] + 1)
        most, least = 10.0 ** np.max(forget_log10, axis=1), 10.0 ** np.min(forget_log10, axis=1)
        axes = dict(xaxis="x" if column == 1 else "x2", yaxis="y" if column == 1 else "y2")
        named = dict(showlegend=column == 1, **axes)  # one legend entry per line, from the first panel
        # the upper edge that the range fills down from
        traces += [
            dict(
                type="scatter",
                x=steps,
                y=most,
                mode="lines",
                line=dict(width=0),
                hoverinfo="skip",
                **axes,
                legendgroup="range",
                showlegend=False,
            ),
            dict(
                type="scatter",
                x=steps,
                y=least,
                mode="lines",
                line=dict(width=0),
                fill="tonexty",
                fillcolor="rgba(65,105,225,0.2)",
                name="LSTM, range over units",
                hoverinfo="skip",
                legendgroup="range",
                **named,
            ),
            dict(
                type="scatter",
                x=steps,
                y=most,
                mode="lines",
                line=dict(color="royalblue", width=3),
                name="LSTM: ∏ f = dc_T/dc_t along the cell, the largest over units",
                legendgroup="best",
                hovertemplate=f"t %{{x}}: %{{y:.3g}}<extra>LSTM, largest over units, {stage}</extra>",
                **named,
            ),
            dict(
                type="scatter",
                x=steps,
                y=10.0 ** np.median(forget_log10, axis=1),
                mode="lines",
                line=dict(color="royalblue", width=2, dash="dot"),
                name="LSTM: the median over units",
                legendgroup="median",
                hovertemplate=f"t %{{x}}: %{{y:.3g}}<extra>LSTM, median over units, {stage}</extra>",
                **named,
            ),
            dict(
                type="scatter",
                x=steps,
                y=np.maximum(rnn_norms, 1e-300),
                mode="lines",
                line=dict(color="crimson", width=3),
                name="tanh RNN: ‖dh_T/dh_t‖",
                legendgroup="rnn",
                hovertemplate=f"t %{{x}}: %{{y:.3g}}<extra>tanh RNN, {stage}</extra>",
                **named,
            ),
            dict(
                type="scatter",
                x=[steps[0], steps[-1]],
                y=[KEEPS, KEEPS],
                mode="lines",
                legendgroup="keeps",
                line=dict(color="gray", width=1, dash="dash"),
                name=f"{KEEPS:g}: a unit that keeps its memory",
                hoverinfo="skip",
                **named,
            ),
        ]
        n = "" if column == 1 else "2"
        layout[f"xaxis{n}"] = dict(anchor=f"y{n}", domain=domain, title=dict(text=f"t ({stage})"))
        layout[f"yaxis{n}"] = dict(
            anchor=f"x{n}",
            type="log",
            exponentformat="power",
            **(
                dict(title=dict(text="gradient reaching step t from step T"))
                if column == 1
                else dict(matches="y")
            ),
        )
    return figure(
        traces,
        dict(
            **layout,
            height=420,
            margin=dict(l=10, r=10, t=10, b=40),
            legend=dict(orientation="h", y=-0.25),
        ),
    )


def exercise_bars(result: Exercise) -> go.Figure:
    """c_bar_t and c_bar_{t+1} for every unit, side by side."""
    units = np.arange(len(result.c_bar_t))
    traces = [
        dict(
            type="bar",
            x=units,
            y=result.c_bar_next,
            name=f"c̄ at step {result.t + 2}",
            marker=dict(color="lightgray"),
            hovertemplate="unit %{x}: %{y:.6g}<extra>c̄_{t+1}</extra>",
        ),
        dict(
            type="bar",
            x=units,
            y=result.c_bar_t,
            name=f"c̄ at step {result.t + 1}",
            marker=dict(color="royalblue"),
            hovertemplate="unit %{x}: %{y:.6g}<extra>c̄_t</extra>",
        ),
    ]
    return figure(
        traces,
        dict(
            barmode="group",
            xaxis=dict(title=dict(text="unit")),
            yaxis=dict(title=dict(text="dL/dc")),
            height=320,
            margin=dict(l=10, r=10, t=10, b=40),
            legend=dict(orientation="h", y=-0.25),
        ),
    )
