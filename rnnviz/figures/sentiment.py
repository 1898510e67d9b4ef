"""Figures of the sentiment page: training curves, the confusion matrix, a typed sentence read token by token.

Each figure is built in one go from trace and layout dicts (subplots by axis domains), not validated
on the way (see rnnviz/figures/__init__.py): the page redraws them on every rerun."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures import BLUES, RED_BLUE, figure, panel_title
from rnnviz.sentiment import SentenceReading
from rnnviz.training import Records


def training_curves(records: Records) -> go.Figure:
    """The training loss of every batch (and its running mean) and the test accuracy (at batch 0 too:
    the untrained network), against batches."""
    losses = np.asarray(records.losses)
    steps = np.arange(1, len(losses) + 1)
    window = max(1, len(losses) // 25)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    traces = [
        dict(
            type="scatter",
            x=steps,
            y=losses,
            mode="lines",
            line=dict(color="lightgray", width=1),
            name="loss, per batch",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="scatter",
            x=steps[window - 1 :],
            y=smooth,
            mode="lines",
            line=dict(color="black"),
            name=f"loss, mean of {window} batches",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="scatter",
            x=records.test_steps,
            y=records.test_values,
            mode="lines+markers",
            line=dict(color="royalblue"),
            name="test accuracy",
            xaxis="x2",
            yaxis="y2",
        ),
    ]
    annotations = [
        panel_title("training loss (cross-entropy, nats)", 0.225),
        panel_title("accuracy", 0.775),
        dict(
            text="chance",
            xref="x2 domain",
            x=1,
            xanchor="right",
            yref="y2",
            y=0.5,
            yanchor="bottom",
            showarrow=False,
        ),
    ]
    chance = dict(
        type="line",
        xref="x2 domain",
        x0=0,
        x1=1,
        yref="y2",
        y0=0.5,
        y1=0.5,
        line=dict(color="gray", dash="dot"),
    )
    return figure(
        traces,
        dict(
            xaxis=dict(anchor="y", domain=[0.0, 0.45], title=dict(text="batch")),
            yaxis=dict(anchor="x", domain=[0.0, 1.0]),
            xaxis2=dict(anchor="y2", domain=[0.55, 1.0], title=dict(text="batch")),
            yaxis2=dict(anchor="x2", domain=[0.0, 1.0], range=[0.4, 1.02]),
            annotations=annotations,
            shapes=[chance],
            height=330,
            margin=dict(l=10, r=10, t=40, b=40),
            legend=dict(orientation="h", y=-0.25),
        ),
    )


def confusion_matrix(confusion: np.ndarray, title: str = "") -> go.Figure:
    """The 2 x 2 confusion matrix (rows: true, columns: predicted), counts written in the cells."""
    labels = ["negative", "positive"]
    heatmap = dict(
        type="heatmap",
        z=confusion,
        x=labels,
        y=labels,
        colorscale=BLUES,
        showscale=False,
        text=confusion,
        texttemplate="%{text}",
        textfont=dict(size=18),
        hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
    )
    return figure(
        [heatmap],
        dict(
            xaxis=dict(title=dict(text="predicted"), side="bottom"),
            yaxis=dict(title=dict(text="true"), autorange="reversed"),
            title=dict(text=title),
            height=300,
            margin=dict(l=10, r=10, t=40 if title else 10, b=40),
        ),
    )


def _word_labels(reading: SentenceReading) -> list[str]:
    return [
        f"{i + 1}. {t}" + ("" if known else " (unk)")
        for i, (t, known) in enumerate(zip(reading.tokens, reading.known))
    ]


def reading_line(reading: SentenceReading) -> go.Figure:
    """P(positive) after each word: the readout of the words so far, fed to the MLP."""
    colors = ["seagreen" if p > 0.5 else "crimson" for p in reading.probabilities]
    line = dict(
        type="scatter",
        x=_word_labels(reading),
        y=reading.probabilities,
        mode="lines+markers",
        line=dict(color="black"),
        marker=dict(color=colors, size=11),
        name="P(positive)",
        hovertemplate="after %{x}: P(positive) = %{y:.3f}<extra></extra>",
    )
    halves = [  # the positive half tinted green, the negative half red
        dict(
            type="rect",
            xref="x domain",
            x0=0,
            x1=1,
            yref="y",
            y0=y0,
            y1=y1,
            fillcolor=colour,
            opacity=0.06,
            line=dict(width=0),
        )
        for y0, y1, colour in ((0.5, 1.0, "seagreen"), (0.0, 0.5, "crimson"))
    ]
    return figure(
        [line],
        dict(
            shapes=halves,
            yaxis=dict(title=dict(text="P(positive)"), range=[-0.02, 1.02]),
            height=320,
            margin=dict(l=10, r=10, t=10, b=40),
            showlegend=False,
        ),
    )


def state_heatmap(reading: SentenceReading) -> go.Figure:
    """The hidden state h_t (unit x word) as the network reads the words."""
    states = reading.states.T  # (H, T)
    bound = float(max(np.abs(states).max(), 1e-9))
    heatmap = dict(
        type="heatmap",
        z=states,
        x=_word_labels(reading),
        y=np.arange(states.shape[0]),
        colorscale=RED_BLUE,
        zmin=-bound,
        zmax=bound,
        colorbar=dict(title=dict(text="h")),
        hovertemplate="%{x}, unit %{y}: h = %{z:.3f}<extra></extra>",
    )
    return figure(
        [heatmap],
        dict(
            yaxis=dict(title=dict(text="hidden unit")),
            height=420,
            margin=dict(l=10, r=10, t=10, b=40),
        ),
    )


def accuracy_by_kind(table: dict[str, list]) -> go.Figure:
    """Grouped bars: the held-out accuracy of each model (a bar each) on each kind of sentence (a group);
    `table` as sentiment.accuracy_table gives it."""
    kinds = [column for column in table if column != "model"]
    bars = [
        dict(
            type="bar",
            x=kinds,
            y=[table[kind][row] for kind in kinds],
            name=model,
            hovertemplate=f"{model}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
        )
        for row, model in enumerate(table["model"])
    ]
    chance = dict(
        type="line",
        xref="x domain",
        x0=0,
        x1=1,
        yref="y",
        y0=0.5,
        y1=0.5,
        line=dict(color="gray", dash="dot"),
    )
    return figure(
        bars,
        dict(
            barmode="group",
            shapes=[chance],
            yaxis=dict(title=dict(text="held-out accuracy"), range=[0, 1.02], tickformat=".0%"),
            height=360,
            margin=dict(l=10, r=10, t=10, b=40),
            legend=dict(orientation="h", y=-0.15),
        ),
    )
