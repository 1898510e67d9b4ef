"""Figures of the sequence-to-sequence page: training curves, accuracy against input length, a typed
input decoded step by step, the encoder's states, the attention's alignment, the memory map.

Each figure is built in one go from trace and layout dicts (subplots by axis domains), not validated
on the way (see rnnviz/figures/__init__.py): the page redraws them on every rerun and tick of live
training."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures import BLUES, GREYS, RED_BLUE, VIRIDIS, figure, panel_title
from rnnviz.seq2seq import CATEGORICAL, LengthAccuracy, MemoryMap, Decoding, length_comparison_text
from rnnviz.tasks import MONTHS
from rnnviz.training import Records

COLORS = ("royalblue", "darkorange", "seagreen", "crimson", "purple", "saddlebrown")
_MARGIN = dict(l=10, r=10, t=40, b=40)
# What each figure shows, in words: the page prints it beneath the figure.
CAPTIONS = {
    "curves": "Left: cross-entropy per output character on each training batch (grey, teacher forcing) and on "
    "held-out pairs (black). Right: what greedy decoding gets right on the held-out pairs: whole outputs "
    "(exact match), characters at their place, whole outputs for inputs longer than any in training.",
    "decoding": "At each output step, the decoder's five most probable next characters given what it has written so "
    "far. Greedy decoding writes the top one. Beam search keeps the most probable prefixes and returns "
    "the best finished one: an output of high probability, not always the most probable there is. Its "
    "score, a sum of log-probabilities, falls with every character written, so unless it is taken per "
    "character it favours short outputs.",
    "alignment": "Attention: while writing each output character (rows), how much the decoder reads each encoder "
    "state (columns); each row sums to 1.",
}


def by_length_caption() -> str:
    """The caption of accuracy_by_length on the page: what it shows, and what the shipped reverse models
    measured (seq2seq.length_comparison_text)."""
    return (
        "Exact match against the input's length, on the held-out inputs of the last score; past the dashed "
        "line the models never saw inputs that long. Without attention every input must fit in the same "
        "fixed-size state. Attention removes that limit within the training lengths, but it does not carry "
        "over to longer inputs: on the shipped reverse models (choose reverse, they are its defaults), "
        f"{length_comparison_text()}. On them the chart's points come from fewer inputs (the last score's: about "
        "50 a length up to 10, 100 beyond; hover a point for its count), so they differ from these by a few "
        "points."
    )


def encoder_caption(reverse_source: bool) -> str:
    """The caption of encoder_states on the page."""
    read = ", the input reversed" if reverse_source else ""
    return (
        f"The encoder's hidden state after each character it reads{read}. The last column is all the plain decoder "
        "gets (an LSTM encoder also hands on its memory cell c, not drawn)."
    )


def training_curves(records: Records) -> go.Figure:
    """Cross-entropy per character (training batches, held-out set) and held-out exact match and
    per-character accuracy (and exact match on longer inputs, where the task has them), against
    training steps."""
    steps, test_steps, test_losses = range(1, records.steps + 1), records.test_steps, records.test_values
    losses, longer = records.losses, records.extra["longer_exact"]
    exact, chars = records.extra["test_exact"], records.extra["test_chars"]
    traces = [
        dict(
            type="scatter",
            x=list(steps),
            y=list(losses),
            mode="lines",
            line=dict(color="lightgray", width=1),
            name="loss, training batch",
            hovertemplate="step %{x}: %{y:.4f}<extra>training batch</extra>",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="scatter",
            x=list(test_steps),
            y=list(test_losses),
            mode="lines+markers",
            line=dict(color="black"),
            name="loss, held-out",
            hovertemplate="step %{x}: %{y:.4f}<extra>held-out</extra>",
            xaxis="x",
            yaxis="y",
        ),
    ]
    curves = [("exact match", exact, "royalblue"), ("per character", chars, "darkorange")]
    if np.isfinite(np.asarray(longer, dtype=float)).any():
        curves.append(("exact match, longer inputs", longer, "crimson"))
    for name, values, color in curves:
        traces.append(
            dict(
                type="scatter",
                x=list(test_steps),
                y=list(values),
                mode="lines+markers",
                line=dict(color=color),
                name=name,
                hovertemplate=f"step %{{x}}: %{{y:.1%}}<extra>{name}</extra>",
                xaxis="x2",
                yaxis="y2",
            )
        )
    titles = [
        panel_title("loss (cross-entropy per character, nats)", 0.225),
        panel_title("held-out accuracy (greedy decoding)", 0.775),
    ]
    return figure(
        traces,
        dict(
            xaxis=dict(anchor="y", domain=[0.0, 0.45], title=dict(text="training step")),
            yaxis=dict(anchor="x", domain=[0.0, 1.0], type="log", dtick=1),  # ticks at powers of 10
            xaxis2=dict(anchor="y2", domain=[0.55, 1.0], title=dict(text="training step")),
            yaxis2=dict(anchor="x2", domain=[0.0, 1.0], range=[-0.02, 1.02], tickformat=".0%"),
            annotations=titles,
            height=340,
            margin=_MARGIN,
            legend=dict(orientation="h", y=-0.25),
        ),
    )


def accuracy_by_length(curves: Sequence[tuple[str, LengthAccuracy]]) -> go.Figure:
    """Exact match against the input's length, one line per model; a dashed line at the longest
    training input where the task has one."""
    traces = [
        dict(
            type="scatter",
            x=acc.lengths.tolist(),
            y=acc.exact.tolist(),
            mode="lines+markers",
            name=name,
            line=dict(color=COLORS[i % len(COLORS)]),
            customdata=np.stack([acc.chars, acc.counts], axis=1).tolist(),
            hovertemplate=(
                "length %{x}: exact match %{y:.1%}, per character %{customdata[0]:.1%} "
                f"(%{{customdata[1]}} inputs)<extra>{name}</extra>"
            ),
        )
        for i, (name, acc) in enumerate(curves)
    ]
    layout = dict(
        xaxis=dict(title=dict(text="input length (characters)")),
        yaxis=dict(title=dict(text="exact match"), range=[-0.02, 1.05], tickformat=".0%"),
        height=340,
        margin=_MARGIN,
        legend=dict(orientation="h", y=-0.25),
        showlegend=True,
    )
    longest = next((acc.longest_trained for _, acc in curves if acc.longest_trained is not None), None)
    if longest is not None:
        x = longest + 0.5
        layout["shapes"] = [
            dict(
                type="line",
                xref="x",
                x0=x,
                x1=x,
                yref="y domain",
                y0=0,
                y1=1,
                line=dict(color="gray", dash="dash"),
            )
        ]
        layout["annotations"] = [
            dict(
                text="longest training input",
                xref="x",
                x=x,
                xanchor="left",
                yref="y domain",
                y=1,
                yanchor="top",
                showarrow=False,
            )
        ]
    return figure(traces, layout)


def _step_labels(reading: Decoding) -> list[str]:
    return [f"{t + 1}. {token}" for t, token in enumerate(reading.tokens)]


def decoding_steps(reading: Decoding) -> go.Figure:
    """The decoder's top candidates at each output step (rank x step), coloured by probability; the
    written token is the one in the top row unless beam search chose another."""
    k = reading.probabilities.shape[1]
    text = [[reading.candidates[t][r] for t in range(len(reading.tokens))] for r in range(k)]  # (k, T)
    heatmap = dict(
        type="heatmap",
        z=reading.probabilities.T,
        x=_step_labels(reading),
        y=[f"#{r + 1}" for r in range(k)],
        text=text,
        texttemplate="%{text}",
        colorscale=BLUES,
        zmin=0,
        zmax=1,
        colorbar=dict(title=dict(text="P")),
        hovertemplate="step %{x}, candidate %{y}: %{text} with P = %{z:.3f}<extra></extra>",
    )
    return figure(
        [heatmap],
        dict(
            xaxis=dict(title=dict(text="output step (written token)"), type="category"),
            yaxis=dict(title=dict(text="candidate"), autorange="reversed"),
            height=300,
            margin=_MARGIN,
        ),
    )


def _read_labels(reading: Decoding) -> list[str]:
    return [f"{j + 1}. {c if c != ' ' else '␣'}" for j, c in enumerate(reading.read)]


def encoder_states(reading: Decoding) -> go.Figure:
    """The encoder's hidden state s_j (unit x character read): what it writes into its memory."""
    states = reading.encoder_states.T  # (H, S)
    bound = float(max(np.abs(states).max(), 1e-9))
    heatmap = dict(
        type="heatmap",
        z=states,
        x=_read_labels(reading),
        y=np.arange(states.shape[0]),
        colorscale=RED_BLUE,
        zmin=-bound,
        zmax=bound,
        colorbar=dict(title=dict(text="s")),
        hovertemplate="after %{x}, unit %{y}: %{z:.3f}<extra></extra>",
    )
    return figure(
        [heatmap],
        dict(
            xaxis=dict(title=dict(text="character read by the encoder"), type="category"),
            yaxis=dict(title=dict(text="hidden unit")),
            height=380,
            margin=_MARGIN,
        ),
    )


def alignment(reading: Decoding) -> go.Figure:
    """The attention weights a_tj: at output step t (rows), how much the decoder reads encoder state j."""
    if reading.alignment is None:
        raise ValueError("this reading has no alignment: the model has no attention")
    heatmap = dict(
        type="heatmap",
        z=reading.alignment,
        x=_read_labels(reading),
        y=_step_labels(reading),
        colorscale=GREYS,
        zmin=0,
        zmax=1,
        colorbar=dict(title=dict(text="a")),
        hovertemplate="writing %{y}, reading %{x}: %{z:.3f}<extra></extra>",
    )
    return figure(
        [heatmap],
        dict(
            xaxis=dict(title=dict(text="character read by the encoder"), type="category"),
            yaxis=dict(title=dict(text="output step"), autorange="reversed", type="category"),
            height=max(260, 28 * len(reading.tokens) + 120),
            margin=_MARGIN,
        ),
    )


def memory_map(memory: MemoryMap, colour_by: str) -> go.Figure:
    """The encoder's final states on their first two principal axes, coloured by a property of the input."""
    if colour_by not in memory.properties:
        raise ValueError(f"colour_by must be one of {', '.join(memory.properties)}, got {colour_by!r}")
    values = memory.properties[colour_by]
    x, y = memory.coordinates[:, 0], memory.coordinates[:, 1]
    hover = [f"{s} → {t}" for s, t in zip(memory.sources, memory.targets)]
    if colour_by in CATEGORICAL:
        palette = [
            "#1f77b4",
            "#ff7f0e",
            "#2ca02c",
            "#d62728",
            "#9467bd",
            "#8c564b",
            "#e377c2",
            "#7f7f7f",
            "#bcbd22",
            "#17becf",
            "#393b79",
            "#637939",
        ]
        order = list(dict.fromkeys(sorted(values, key=lambda v: (not str(v).isdigit(), str(v)))))
        if colour_by == "month":
            order = [m for m in MONTHS if m in set(values)]
        traces = []
        for i, category in enumerate(order):
            rows = [j for j, v in enumerate(values) if v == category]
            traces.append(
                dict(
                    type="scatter",
                    x=x[rows],
                    y=y[rows],
                    mode="markers",
                    name=str(category),
                    text=[hover[j] for j in rows],
                    marker=dict(size=7, color=palette[i % len(palette)], opacity=0.8),
                    hovertemplate=f"%{{text}}<extra>{colour_by}: {category}</extra>",
                )
            )
    else:
        traces = [
            dict(
                type="scatter",
                x=x,
                y=y,
                mode="markers",
                text=hover,
                customdata=values,
                marker=dict(
                    size=7,
                    color=values,
                    colorscale=VIRIDIS,
                    opacity=0.8,
                    colorbar=dict(title=dict(text=colour_by)),
                ),
                hovertemplate=f"%{{text}}<extra>{colour_by}: %{{customdata}}</extra>",
            )
        ]
    return figure(
        traces,
        dict(
            xaxis=dict(
                title=dict(text=f"first principal axis ({100 * memory.explained[0]:.0f}% of the variance)")
            ),
            yaxis=dict(title=dict(text=f"second principal axis ({100 * memory.explained[1]:.0f}%)")),
            height=460,
            margin=_MARGIN,
        ),
    )


def training_views(
    records: Records, curves: Sequence[tuple[str, LengthAccuracy]]
) -> list[tuple[str, go.Figure, str]]:
    """The live view's figures, each with its name and caption: the training curves of a run, and the
    accuracy against input length of it and its variants (`curves`, as accuracy_by_length takes them),
    once one of them has been scored (before, it would be an empty chart)."""
    views = [("curves", training_curves(records), CAPTIONS["curves"])]
    if curves:
        views.append(("by_length", accuracy_by_length(curves), by_length_caption()))
    return views


def reading_views(reading: Decoding, reverse_source: bool) -> list[tuple[str, go.Figure, str]]:
    """A typed input's figures, each with its name and caption: the decoding steps, the encoder's states
    and, for a model with attention, the alignment."""
    views = [
        ("decoding", decoding_steps(reading), CAPTIONS["decoding"]),
        ("encoder", encoder_states(reading), encoder_caption(reverse_source)),
    ]
    if reading.alignment is not None:
        views.append(("alignment", alignment(reading), CAPTIONS["alignment"]))
    return views
