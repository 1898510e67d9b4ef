"""Figures of the sentiment page: training curves, the confusion matrix, a tweet read word by word."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.sentiment import Reading, Trained


def training_curves(trained: Trained) -> go.Figure:
    """The training loss of every batch (and its running mean) and the test accuracy, against batches."""
    losses = np.asarray(trained.losses)
    steps = np.arange(1, len(losses) + 1)
    window = max(1, len(losses) // 25)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss (cross-entropy, nats)", "accuracy"))
    fig.add_trace(go.Scatter(x=steps, y=losses, mode="lines", line=dict(color="lightgray", width=1), name="loss, per batch"),
                  row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=steps[window - 1 :], y=smooth, mode="lines", line=dict(color="black"),
                             name=f"loss, mean of {window} batches"), row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=trained.test_steps, y=trained.test_accuracy, mode="lines+markers",
                             line=dict(color="royalblue"), name="test accuracy"), row=1, col=2)  # fmt: skip
    fig.add_hline(y=0.5, line_dash="dot", line_color="gray", annotation_text="chance", row=1, col=2)
    fig.update_xaxes(title_text="batch")
    fig.update_yaxes(range=[0.4, 1.02], row=1, col=2)
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    return fig


def confusion_matrix(confusion: np.ndarray, title: str = "") -> go.Figure:
    """The 2 x 2 confusion matrix (rows: true, columns: predicted), counts written in the cells."""
    labels = ["negative", "positive"]
    fig = go.Figure(go.Heatmap(z=confusion, x=labels, y=labels, colorscale="Blues", showscale=False,
                               text=confusion, texttemplate="%{text}", textfont=dict(size=18),
                               hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>"))  # fmt: skip
    fig.update_xaxes(title_text="predicted", side="bottom")
    fig.update_yaxes(title_text="true", autorange="reversed")
    fig.update_layout(title=title, height=300, margin=dict(l=10, r=10, t=40 if title else 10, b=40))
    return fig


def _word_labels(reading: Reading) -> list[str]:
    return [
        f"{i + 1}. {t}" + ("" if known else " (unk)")
        for i, (t, known) in enumerate(zip(reading.tokens, reading.known))
    ]


def reading_line(reading: Reading) -> go.Figure:
    """P(positive) after each word: the readout of the words so far, fed to the MLP."""
    words = _word_labels(reading)
    colors = ["seagreen" if p > 0.5 else "crimson" for p in reading.probabilities]
    fig = go.Figure()
    fig.add_hrect(y0=0.5, y1=1.0, fillcolor="seagreen", opacity=0.06, line_width=0)
    fig.add_hrect(y0=0.0, y1=0.5, fillcolor="crimson", opacity=0.06, line_width=0)
    fig.add_trace(go.Scatter(x=words, y=reading.probabilities, mode="lines+markers", line=dict(color="black"),
                             marker=dict(color=colors, size=11), name="P(positive)",
                             hovertemplate="after %{x}: P(positive) = %{y:.3f}<extra></extra>"))  # fmt: skip
    fig.update_yaxes(title_text="P(positive)", range=[-0.02, 1.02])
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=40), showlegend=False)
    return fig


def state_heatmap(reading: Reading) -> go.Figure:
    """The hidden state h_t (unit x word) as the network reads the words."""
    states = reading.states.T  # (H, T)
    bound = float(max(np.abs(states).max(), 1e-9))
    fig = go.Figure(go.Heatmap(z=states, x=_word_labels(reading), y=np.arange(states.shape[0]), colorscale="RdBu",
                               zmin=-bound, zmax=bound, colorbar=dict(title="h"),
                               hovertemplate="%{x}, unit %{y}: h = %{z:.3f}<extra></extra>"))  # fmt: skip
    fig.update_yaxes(title_text="hidden unit")
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=10, b=40))
    return fig
