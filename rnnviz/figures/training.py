"""Figures of the long-term-dependencies page: loss curves against the baseline, the gradient horizon
of each model, and dh_L/dh_t at initialisation.

Each figure is built in one go from trace and layout dicts (subplots by axis domains), not validated
on the way (see rnnviz/figures/__init__.py): the page redraws them on every tick of live training."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures import VIRIDIS, figure, panel_title
from rnnviz.training import History

COLOURS = {"rnn": "crimson", "irnn": "darkorange", "lstm": "royalblue", "gru": "seagreen"}


def _log10(values: np.ndarray) -> np.ndarray:
    """log10 where positive and finite; NaN (drawn as a gap) elsewhere."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            (values > 0) & np.isfinite(values), np.log10(np.where(values > 0, values, 1.0)), np.nan
        )


def _columns(n: int, gap: float) -> list[list[float]]:
    """The x domains of n side-by-side subplots `gap` apart, summed as plotly's make_subplots does
    (the same floats to the last bit)."""
    width = (1.0 - gap * (n - 1)) / n
    return [[sum([width] * c) + c * gap, sum([width] * c) + c * gap + width] for c in range(n)]


def loss_curves(histories: list[History], baseline: float, baseline_label: str, loss_label: str) -> go.Figure:
    """Training loss (faint, every step) and test loss (bold) of every model on a log axis, the
    task's baseline dashed, and an X where a model diverged, with what happened."""
    traces = []
    last_step = max((h.diverged.step if h.diverged else len(h.losses) for h in histories), default=0)
    for history in histories:
        colour = COLOURS[history.kind]
        traces.append(
            dict(
                type="scatter",
                x=history.steps,
                y=history.losses,
                mode="lines",
                name=f"{history.name} (training batch)",
                legendgroup=history.kind,
                line=dict(color=colour, width=1),
                opacity=0.35,
                hovertemplate="step %{x}<br>training loss %{y:.4g}<extra>" + history.name + "</extra>",
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=history.test_steps,
                y=history.test_losses,
                mode="lines+markers",
                name=f"{history.name} (test set)",
                legendgroup=history.kind,
                line=dict(color=colour, width=3),
                marker=dict(size=5),
                hovertemplate="step %{x}<br>test loss %{y:.4g}<extra>" + history.name + "</extra>",
            )
        )
        if history.diverged is not None:
            last = history.losses[-1] if len(history.losses) else baseline
            left_half = history.diverged.step <= last_step / 2  # write the label towards the middle
            traces.append(
                dict(
                    type="scatter",
                    x=[history.diverged.step],
                    y=[last],
                    mode="markers+text",
                    name=f"{history.name} diverged",
                    legendgroup=history.kind,
                    marker=dict(symbol="x", size=16, color=colour, line=dict(width=2)),
                    text=[f"{history.name} diverged at step {history.diverged.step}"],
                    textfont=dict(color=colour),
                    textposition="top right" if left_half else "top left",
                    hovertemplate=f"{history.name} stopped<br>{history.diverged}<extra></extra>",
                )
            )
    line = dict(
        type="line",
        xref="x domain",
        x0=0,
        x1=1,
        yref="y",
        y0=baseline,
        y1=baseline,
        line=dict(color="grey", dash="dash"),
    )
    label = dict(
        text=baseline_label,
        xref="x domain",
        x=1,
        xanchor="right",
        yref="y",
        y=baseline,
        yanchor="bottom",
        showarrow=False,
    )
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="training step")),
            yaxis=dict(title=dict(text=loss_label), type="log", exponentformat="power"),
            shapes=[line],
            annotations=[label],
            height=420,
            margin=dict(l=10, r=10, t=10, b=40),
            legend=dict(orientation="h", y=-0.2),
            uirevision="loss",  # keep the user's zoom while the curves grow
        ),
    )


def _heatmaps(
    histories: list[History],
    steps: list[np.ndarray],
    x: list[np.ndarray],
    values: list[np.ndarray],
    what: str,
    x_title: str,
    uirevision: str,
    x_hover: str,
    lines: list[list[int]] | None = None,
) -> go.Figure:
    """One heatmap per model of log10 values[i] (training steps steps[i] down, x[i] across), one colour
    scale for all, dotted vertical lines at lines[i]; NaN where a value is 0."""
    logs = [_log10(v) for v in values]
    finite = np.concatenate([v[np.isfinite(v)] for v in logs]) if logs else np.empty(0)
    zmin, zmax = (float(finite.min()), float(finite.max())) if finite.size else (-10.0, 0.0)
    domains = _columns(max(len(histories), 1), 0.02)
    layout, shapes = {}, []
    for col, domain in enumerate(domains, start=1):
        n = "" if col == 1 else str(col)
        # one training-step axis, on the left: the others follow it (matches), without tick labels
        y_axis = (
            dict(title=dict(text="training step"), autorange="reversed")
            if col == 1
            else dict(matches="y", showticklabels=False)
        )
        layout[f"xaxis{n}"] = dict(anchor=f"y{n}", domain=domain)
        layout[f"yaxis{n}"] = dict(anchor=f"x{n}", domain=[0.0, 1.0], **y_axis)
    annotations = [panel_title(h.name, sum(domain) / 2) for h, domain in zip(histories, domains)]
    traces = []
    for col, (history, y, xs, z, v) in enumerate(zip(histories, steps, x, logs, values), start=1):
        if not len(y):
            continue
        n = "" if col == 1 else str(col)
        traces.append(
            dict(
                type="heatmap",
                x=xs,
                y=y,
                z=z,
                customdata=v,
                zmin=zmin,
                zmax=zmax,
                colorscale=VIRIDIS,
                showscale=col == 1,
                colorbar=dict(title=dict(text=f"log10 {what}")),
                name=history.name,
                xaxis=f"x{n}",
                yaxis=f"y{n}",
                hovertemplate=f"{x_hover} %{{x}}, training step %{{y}}<br>{what} %{{customdata:.3g}}<extra>{history.name}</extra>",
            )
        )
        layout[f"xaxis{n}"]["title"] = dict(text=x_title)
        shapes += [
            dict(
                type="line",
                xref=f"x{n}",
                x0=k,
                x1=k,
                yref=f"y{n} domain",
                y0=0,
                y1=1,
                line=dict(color="white", dash="dot", width=1),
            )
            for k in (lines[col - 1] if lines else [])
        ]
    if not traces:
        annotations.append(
            dict(
                text="recorded once training starts (Play or Step)",
                showarrow=False,
                xref="paper",
                yref="paper",
                x=0.5,
                y=0.5,
            )
        )
    if shapes:
        layout["shapes"] = shapes
    return figure(
        traces,
        dict(
            **layout,
            annotations=annotations,
            height=420,
            margin=dict(l=10, r=10, t=30, b=40),
            uirevision=uirevision,
        ),
    )


def gradient_horizon(histories: list[History]) -> go.Figure:
    """One heatmap per model of log10 ||dL/dh_t||: time step t across, training step down, one colour
    scale for all; a dark left edge is a gradient that does not reach back."""
    return _heatmaps(
        histories,
        [h.horizon_steps for h in histories],
        [np.arange(1, h.horizons.shape[1] + 1) for h in histories],
        [h.horizons for h in histories],
        "‖dL/dhₜ‖",
        "time step t",
        "horizon",
        "t",
    )


def ledger_shares(ledger: np.ndarray) -> np.ndarray:
    """Each step's term of dL/dW_hh by its norm, as a share of the terms' norms summed (||term_t|| /
    sum_s ||term_s||; the norm of their sum, ||dL/dW_hh||, is at most that sum): ledger (r, L) by training step and
    time step t, to (r, L) by training step and lag k = L - t (lag 0 first: the step next to the loss)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = ledger / ledger.sum(axis=1, keepdims=True)  # (r, L)
    return shares[:, ::-1]


def gradient_ledger(histories: list[History], marked: list[int]) -> go.Figure:
    """One heatmap per model of each lag's share of the terms' norms (ledger_shares) over training (lag k = L - t across,
    training step down), the lags of the marked steps' terms dotted: the term at t = m + 1 is where W_hh
    first multiplies a state that holds the input of step m."""
    L = histories[0].horizons.shape[1] if histories else 0
    lags = [L - (m + 1) for m in marked if m + 1 <= L]
    shown = [h for h in histories if h.ledgers is not None]
    return _heatmaps(
        shown,
        [h.horizon_steps for h in shown],
        [np.arange(L) for _ in shown],
        [ledger_shares(h.ledgers) for h in shown],
        "‖termₜ‖ / Σ‖terms‖",
        "lag k = L − t",
        "ledger",
        "lag",
        [lags] * len(shown),
    )


def marked_shares(histories: list[History], marked: list[int], what: str) -> go.Figure:
    """Over training, the share (ledger_shares) of the term at each marked step m (t = m + 1), one colour
    per model, on a log axis: how much of the update of W_hh can carry what was marked."""
    traces = []
    for history in histories:
        if history.ledgers is None or not len(history.horizon_steps):
            continue
        shares = ledger_shares(history.ledgers)  # (r, L) by lag
        for i, m in enumerate(m for m in marked[:2] if m + 1 <= shares.shape[1]):
            share = shares[:, shares.shape[1] - (m + 1)]
            traces.append(
                dict(
                    type="scatter",
                    x=history.horizon_steps,
                    y=np.where(share > 0, share, np.nan),
                    mode="lines",
                    name=f"{history.name}, {what} {i + 1} (step {m})",
                    legendgroup=history.kind,
                    line=dict(color=COLOURS[history.kind], width=2, dash="solid" if i == 0 else "dash"),
                    hovertemplate="training step %{x}<br>share %{y:.3g}<extra>" + history.name + "</extra>",
                )
            )
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="training step")),
            yaxis=dict(
                title=dict(text=f"‖termₜ‖ / Σ‖terms‖ at the {what}s' lags"),
                type="log",
                exponentformat="power",
            ),
            height=420,
            margin=dict(l=10, r=10, t=30, b=40),
            legend=dict(orientation="h", y=-0.2),
            uirevision="marked",
        ),
    )


def jacobian_at_init(histories: list[History]) -> go.Figure:
    """||dh_L/dh_t|| at initialisation against t, one line per model, on a log axis."""
    traces = []
    for history in histories:
        if history.jacobian is None:
            continue
        norms = np.where(history.jacobian > 0, history.jacobian, np.nan)  # log axis: 0 is a gap
        traces.append(
            dict(
                type="scatter",
                x=np.arange(1, len(norms) + 1),
                y=norms,
                mode="lines",
                name=history.name,
                line=dict(color=COLOURS[history.kind], width=2),
                hovertemplate="t %{x}<br>‖dh_L/dhₜ‖ %{y:.3g}<extra>" + history.name + "</extra>",
            )
        )
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="time step t")),
            yaxis=dict(title=dict(text="‖dh_L / dhₜ‖ at initialisation"), type="log", exponentformat="power"),
            height=420,
            margin=dict(l=10, r=10, t=30, b=40),
            legend=dict(orientation="h", y=-0.2),
        ),
    )
