"""Figures of the exploding and vanishing gradients page.

Every gradient here can leave float64's range, so the builders draw log10 of the values on a linear
axis whose ticks are labelled as powers of ten (10⁵⁰, 1, 10⁻³⁰⁰): a log axis that also holds 10⁴⁷⁶.
Hover texts give the values themselves, formatted from their logarithms.

Each figure is built in one go from trace and layout dicts, not validated on the way (see
rnnviz/figures/__init__.py): the page redraws them on every slider move."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from rnnviz.dynamics import (
    OVERFLOW_LOG10,
    UNDERFLOW_LOG10,
    Dynamics,
    UnivariateLinear,
    UnivariateNonlinear,
)
from rnnviz.figures import colorscale, figure
from rnnviz.magnitudes import format_log10

LINEAR_COLOUR = "gray"
NONLINEAR_COLOUR = "royalblue"
BOUND_COLOUR = "crimson"
_NICE_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
_MARGIN = dict(l=10, r=10, t=30, b=40)
# red for growth, blue for decay
_RED_BLUE = colorscale("RdBu_r")


def _power_label(k: int) -> str:
    if k == 0:
        return "1"
    if k == 1:
        return "10"
    return f"10<sup>{str(k).replace('-', '−')}</sup>"


def power_ticks(*log10_arrays: np.ndarray, max_ticks: int = 8) -> dict:
    """Tick values and labels (10^k) for an axis showing log10 values; empty if nothing is finite."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in log10_arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {}
    low, high = math.floor(values.min()), math.ceil(values.max())
    step = next((s for s in _NICE_STEPS if (high - low) / s <= max_ticks - 1), _NICE_STEPS[-1])
    ticks = list(range(math.floor(low / step) * step, math.ceil(high / step) * step + 1, step))
    return dict(tickvals=ticks, ticktext=[_power_label(k) for k in ticks])


def log_axis(*log10_arrays: np.ndarray, pad: float = 0.08) -> tuple[dict, float | None]:
    """Axis settings for log10 values (a range with room around them, ticks labelled 10^k) and, when
    some values are exactly 0 (-inf), a floor below the others, labelled 0, to draw those at."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in log10_arrays])
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        finite = np.zeros(1)  # only zeros: an axis around 1, the zeros below it
    low, high = float(finite.min()), float(finite.max())
    margin = max(0.5, pad * (high - low))
    floor = low - max(1.0, 2 * margin) if np.any(values == -np.inf) else None
    axis = power_ticks(finite)
    if floor is not None:
        axis = dict(tickvals=[floor, *axis["tickvals"]], ticktext=["0", *axis["ticktext"]])
    axis["range"] = [(low if floor is None else floor) - margin, high + margin]
    return axis, floor


def _zero_marks(
    x: np.ndarray, log10_values: np.ndarray, floor: float | None, what: str, colour: str
) -> list[dict]:
    """Crosses on the floor where a value is exactly 0 (a log axis has no place for it): a trace, or none."""
    zero = np.asarray(log10_values) == -np.inf
    if floor is None or not zero.any():
        return []
    return [
        dict(
            type="scatter",
            x=np.asarray(x)[zero],
            y=np.full(int(zero.sum()), floor),
            mode="markers",
            name=f"{what} = 0",
            marker=dict(symbol="x-thin", size=7, line=dict(width=1.5, color=colour)),
            showlegend=False,
            hovertemplate=f"%{{x}}: {what} = 0 exactly<extra></extra>",
        )
    ]


def _finite_or_none(values: np.ndarray) -> list[float | None]:
    """Plotly draws a gap at None; -inf (exactly 0) and NaN have no place on a log axis."""
    return [float(v) if np.isfinite(v) else None for v in values]


def _signed_texts(sign: np.ndarray, log10_abs: np.ndarray) -> list[str]:
    return [("-" if s < 0 else "") + format_log10(float(v)) for s, v in zip(sign, log10_abs)]


def _hline(y: float, text: str, axes: tuple[str, str] = ("x", "y"), above: bool = True) -> tuple[dict, dict]:
    """A dotted horizontal line across the plot and its label: a shape and an annotation."""
    xref = f"{axes[0]} domain"
    shape = dict(
        type="line",
        xref=xref,
        x0=0,
        x1=1,
        yref=axes[1],
        y0=y,
        y1=y,
        line=dict(dash="dot", color="black", width=1.5),
    )
    label = dict(
        xref=xref,
        x=1,
        xanchor="right",
        yref=axes[1],
        y=y,
        yanchor="bottom" if above else "top",
        text=text,
        showarrow=False,
        font=dict(size=11, color="dimgray"),
    )
    return shape, label


def _float_range_lines(values: np.ndarray) -> list[tuple[dict, dict]]:
    """Dotted lines at 1e308 and 1e-300, when the curve passes them."""
    finite = values[np.isfinite(values)]
    lines = []
    if finite.size and finite.max() > OVERFLOW_LOG10:
        lines.append(_hline(OVERFLOW_LOG10, "1e308 (float64 ends at 1.8e308)", above=False))
    if finite.size and finite.min() < UNDERFLOW_LOG10:
        lines.append(_hline(UNDERFLOW_LOG10, "1e-300"))
    return lines


def _lines_layout(lines: list[tuple[dict, dict]]) -> dict:
    """The layout's shapes and annotations of these lines; without lines none, not empty lists (as plotly.py)."""
    if not lines:
        return {}
    return dict(shapes=[shape for shape, _ in lines], annotations=[label for _, label in lines])


def linear_product(result: UnivariateLinear) -> go.Figure:
    """|dh_T/dh_1| = |w|^(T-1) against T on a log axis, the chosen T marked with its value."""
    texts = _signed_texts(result.sign, result.log10_abs)
    axis, floor = log_axis(result.log10_abs, pad=0.15)
    y = _finite_or_none(result.log10_abs)
    if y[-1] is None:  # exactly 0 at the chosen T: mark it on the floor
        y[-1] = floor
    traces = [
        dict(
            type="scatter",
            x=result.T,
            y=y,
            mode="lines+markers" if len(y) <= 60 else "lines",
            marker=dict(size=4),
            line=dict(color=LINEAR_COLOUR, width=2),
            name="w^(T−1)",
            customdata=texts,
            hovertemplate="T = %{x}<br>∂h_T/∂h₁ = w^(T−1) = %{customdata}<extra></extra>",
        )
    ]
    if y[-1] is not None:
        traces.append(
            dict(
                type="scatter",
                x=[int(result.T[-1])],
                y=[y[-1]],
                mode="markers+text",
                marker=dict(size=11, color=LINEAR_COLOUR),
                text=[texts[-1]],
                textposition="top left",
                name="chosen T",
                customdata=[texts[-1]],
                hovertemplate="T = %{x}<br>∂h_T/∂h₁ = %{customdata}<extra></extra>",
            )
        )
    traces += _zero_marks(result.T, result.log10_abs, floor, "w^(T−1)", LINEAR_COLOUR)
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="T")),
            yaxis=dict(title=dict(text="|∂h_T/∂h₁| (log scale)"), **axis),
            height=320,
            margin=_MARGIN,
            showlegend=False,
            **_lines_layout(_float_range_lines(result.log10_abs)),
        ),
    )


def nonlinear_product(result: UnivariateNonlinear) -> go.Figure:
    """Top: |dh_T/dh_1| with the phi' factors (blue) and without them, w^(T-1) (grey), log axis.
    Bottom: each step's phi'(z_t), with the level 1/|w| above which a step grows the gradient."""
    T = np.arange(1, len(result.h) + 1)
    linear = result.linear
    axis, floor = log_axis(linear.log10_abs, result.log10_abs)
    mode = "lines+markers" if len(T) <= 60 else "lines"
    traces = [
        dict(
            type="scatter",
            x=T,
            y=_finite_or_none(linear.log10_abs),
            mode=mode,
            name="linear: w^(T−1)",
            marker=dict(size=4),
            line=dict(color=LINEAR_COLOUR, dash="dash"),
            customdata=_signed_texts(linear.sign, linear.log10_abs),
            hovertemplate="T = %{x}<br>linear: %{customdata}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=T,
            y=_finite_or_none(result.log10_abs),
            mode=mode,
            name=f"{result.activation}: w^(T−1) φ′(z₂)⋯φ′(z_T)",
            marker=dict(size=4),
            line=dict(color=NONLINEAR_COLOUR, width=2),
            customdata=_signed_texts(result.sign, result.log10_abs),
            hovertemplate=f"T = %{{x}}<br>{result.activation}: %{{customdata}}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=T[1:],
            y=result.dphi[1:],
            xaxis="x2",
            yaxis="y2",
            mode="lines+markers" if len(T) <= 100 else "lines",
            name="φ′(z_t)",
            line=dict(color=NONLINEAR_COLOUR, width=1),
            marker=dict(size=4),
            showlegend=False,
            customdata=np.stack([result.z[1:], result.h[1:]], axis=1),
            hovertemplate="t = %{x}<br>φ′(z_t) = %{y:.3g}<br>z_t = %{customdata[0]:.3g}, h_t = %{customdata[1]:.3g}"
            "<extra></extra>",
        ),
    ]
    top = max(1.0, float(np.max(result.dphi, initial=0)))
    lines = _float_range_lines(np.concatenate([linear.log10_abs, result.log10_abs]))
    if result.w != 0 and 1 / abs(result.w) <= 1.05 * top:
        lines.append(
            _hline(1 / abs(result.w), "1/|w|: above it a step grows the gradient", ("x2", "y2"), above=False)
        )
    traces += _zero_marks(T, linear.log10_abs, floor, "w^(T−1)", LINEAR_COLOUR)
    traces += _zero_marks(T, result.log10_abs, floor, "∂h_T/∂h₁", NONLINEAR_COLOUR)
    return figure(
        traces,
        dict(
            **_lines_layout(lines),
            xaxis=dict(domain=[0, 1], anchor="y", showticklabels=False, matches="x2"),
            yaxis=dict(domain=[0.4, 1], title=dict(text="|∂h_T/∂h₁| (log scale)"), **axis),
            xaxis2=dict(domain=[0, 1], anchor="y2", title=dict(text="T (top), t (bottom)")),
            yaxis2=dict(domain=[0, 0.33], title=dict(text="φ′(z_t)"), range=[0, 1.05 * top]),
            height=460,
            margin=_MARGIN,
            legend=dict(orientation="h", y=1.08, x=0),
        ),
    )


def norms(result: Dynamics) -> go.Figure:
    """||dh_t/dh_0|| against t on a log axis, with the bound (gamma sigma_max)^t of Pascanu et al."""
    t = np.arange(len(result.log10_norms))
    axis, floor = log_axis(result.log10_norms, pad=0.25)  # the range follows the norm; the bound may leave it
    texts = [format_log10(float(v)) for v in result.log10_norms]
    bound_texts = [format_log10(float(v)) for v in result.log10_bound]
    traces = [
        dict(
            type="scatter",
            x=t,
            y=_finite_or_none(result.log10_bound),
            mode="lines",
            name="bound (γ σ_max(W_hh))^t",
            line=dict(color=BOUND_COLOUR, dash="dash"),
            customdata=bound_texts,
            hovertemplate="t = %{x}<br>bound = %{customdata}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=t,
            y=_finite_or_none(result.log10_norms),
            mode="lines",
            name="‖∂h_t/∂h₀‖ (spectral norm)",
            line=dict(color=NONLINEAR_COLOUR, width=2),
            customdata=texts,
            hovertemplate="t = %{x}<br>‖∂h_t/∂h₀‖ = %{customdata}<extra></extra>",
        ),
    ]
    traces += _zero_marks(t, result.log10_bound, floor, "bound", BOUND_COLOUR)
    traces += _zero_marks(t, result.log10_norms, floor, "‖∂h_t/∂h₀‖", NONLINEAR_COLOUR)
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="t")),
            yaxis=dict(title=dict(text="‖∂h_t/∂h₀‖ (log scale)"), **axis),
            **_lines_layout(_float_range_lines(result.log10_norms)),
            height=360,
            margin=_MARGIN,
            legend=dict(orientation="h", y=1.1, x=0),
        ),
    )


def singular_values(result: Dynamics) -> go.Figure:
    """The singular values of dh_T/dh_0, largest first, log axis; only those float64 resolves."""
    shown = result.log10_singular_values[: result.resolved]
    i = np.arange(1, len(shown) + 1)
    traces = [
        dict(
            type="scatter",
            x=i,
            y=_finite_or_none(shown),
            mode="lines+markers",
            marker=dict(size=5, color=NONLINEAR_COLOUR),
            line=dict(color=NONLINEAR_COLOUR),
            customdata=[format_log10(float(v)) for v in shown],
            hovertemplate="σ_%{x} = %{customdata}<extra></extra>",
        )
    ]
    layout = dict(
        xaxis=dict(title=dict(text="i (largest first)"), range=[0.5, max(len(shown), 1) + 0.5]),
        yaxis=dict(title=dict(text=f"σ_i(∂h_{result.settings.T}/∂h₀) (log scale)"), **power_ticks(shown)),
        height=340,
        margin=_MARGIN,
        showlegend=False,
    )
    if result.resolved == 0:
        layout["annotations"] = [
            dict(
                text=f"∂h_{result.settings.T}/∂h₀ = 0 exactly: every singular value is 0",
                x=0.5,
                y=0.5,
                xref="paper",
                yref="paper",
                showarrow=False,
            )
        ]
    return figure(traces, layout)


def eigenvalues(result: Dynamics) -> go.Figure:
    """The eigenvalues of W_hh in the complex plane, with the unit circle."""
    angle = np.linspace(0, 2 * np.pi, 181)
    radius = float(result.settings.radius)
    traces = [
        dict(
            type="scatter",
            x=np.cos(angle),
            y=np.sin(angle),
            mode="lines",
            name="unit circle",
            line=dict(color="black", width=1),
            hoverinfo="skip",
        ),
        dict(
            type="scatter",
            x=result.eigenvalues.real,
            y=result.eigenvalues.imag,
            mode="markers",
            name="eigenvalues of W_hh",
            marker=dict(size=6, color=NONLINEAR_COLOUR, opacity=0.8),
            customdata=np.abs(result.eigenvalues),
            hovertemplate="λ = %{x:.3f} %{y:+.3f}i<br>|λ| = %{customdata:.3f}<extra></extra>",
        ),
    ]
    extent = 1.1 * max(1.0, radius, float(np.max(np.abs(result.eigenvalues), initial=0)))
    return figure(
        traces,
        dict(
            xaxis=dict(title=dict(text="Re λ"), range=[-extent, extent], zeroline=True),
            yaxis=dict(
                title=dict(text="Im λ"), range=[-extent, extent], scaleanchor="x", scaleratio=1, zeroline=True
            ),
            height=340,
            margin=_MARGIN,
            showlegend=False,
        ),
    )


def heatmap(result: Dynamics) -> go.Figure:
    """log10 ||dh_t/dh_k|| on the subsampled grid of (t, k), k <= t; red grows, blue shrinks."""
    z = result.log10_heatmap  # (n, n), [i, j]: t = grid[i], k = grid[j]
    texts = [
        [format_log10(float(v)) if np.isfinite(v) else ("0 exactly" if v == -np.inf else "") for v in row]
        for row in z
    ]
    finite = z[np.isfinite(z)]
    extent = max(1.0, float(np.max(np.abs(finite), initial=0)))
    ticks = power_ticks(np.array([-extent, extent]))
    trace = dict(
        type="heatmap",
        z=np.where(z == -np.inf, -extent, z),
        x=result.grid,
        y=result.grid,
        customdata=texts,  # 0: darkest
        colorscale=_RED_BLUE,
        zmid=0,
        zmin=-extent,
        zmax=extent,
        colorbar=dict(title=dict(text="‖∂h_t/∂h_k‖"), **ticks),
        hoverongaps=False,
        hovertemplate="t = %{y}, k = %{x}<br>‖∂h_t/∂h_k‖ = %{customdata}<extra></extra>",
    )
    return figure(
        [trace],
        dict(
            xaxis=dict(title=dict(text="k (from)")),
            yaxis=dict(title=dict(text="t (to)")),
            height=420,
            margin=_MARGIN,
        ),
    )
