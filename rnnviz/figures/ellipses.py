"""The figure of rnnviz.ellipses: the ellipse of ∂h_t/∂h_k beside its two singular values.

The time scrubber is plotly's own slider: every step's ellipse is in the figure, and moving the
slider only switches which one is visible, in the browser (no rerun, no server time)."""

from __future__ import annotations

import numpy as np

from rnnviz.ellipses import ProductEllipses
from rnnviz.figures import figure, typed_array

MAX_SLIDER_STEPS = 100  # the slider's positions; longer products are shown at evenly spaced steps
ELLIPSE_COLOUR, CIRCLE_COLOUR, SIGMA1_COLOUR, SIGMA2_COLOUR = (
    "royalblue",
    "lightgray",
    "crimson",
    "darkorange",
)


def _hover(view: ProductEllipses, i: int) -> str:
    t, (s1, s2) = view.steps[i], view.sigma[i]
    return f"∂h_{t}/∂h_{view.steps[0]}<br>σ₁ = {s1:.3g}, σ₂ = {s2:.3g}<br>σ₂/σ₁ = {view.flatness[i]:.3g}"


def product_ellipses(view: ProductEllipses, start_at: int | None = None) -> object:
    """Left: the ellipse of P_t divided by σ₁ (its shape), with the unit circle it came from. Right:
    log10 σ₁ and σ₂ against t. A slider picks t (`start_at`, default the last step)."""
    n = len(view.steps)
    shapes = view.shapes  # (n, P, 2)
    # a singular value of exactly 0 (dead relu units) is left out, not drawn at a floor
    with np.errstate(divide="ignore"):
        log_sigma = np.where(view.sigma > 0, np.log10(view.sigma), np.nan)  # (n, 2)
    traces = [
        dict(
            type="scatter",
            x=view.circle[:, 0],
            y=view.circle[:, 1],
            mode="lines",
            hoverinfo="skip",
            line=dict(color=CIRCLE_COLOUR, dash="dot"),
            name=f"directions at h_{view.steps[0]}",
            showlegend=False,
        ),
        dict(
            type="scatter",
            x=view.steps,
            y=log_sigma[:, 0],
            mode="lines",
            name="σ₁ (the norm)",
            line=dict(color=SIGMA1_COLOUR),
            xaxis="x2",
            yaxis="y2",
            hovertemplate="t = %{x}<br>log10 σ₁ = %{y:.3f}",
        ),
        dict(
            type="scatter",
            x=view.steps,
            y=log_sigma[:, 1],
            mode="lines",
            name="σ₂",
            line=dict(color=SIGMA2_COLOUR),
            xaxis="x2",
            yaxis="y2",
            hovertemplate="t = %{x}<br>log10 σ₂ = %{y:.3f}",
        ),
    ]
    chosen = n - 1 if start_at is None else int(np.clip(start_at - view.steps[0], 0, n - 1))
    traces += [
        dict(
            type="scatter",
            x=shapes[chosen, :, 0],
            y=shapes[chosen, :, 1],
            mode="lines",
            fill="toself",
            line=dict(color=ELLIPSE_COLOUR),
            fillcolor="rgba(65,105,225,0.15)",
            showlegend=False,
            hovertext=_hover(view, chosen),
            hoverinfo="text",
        ),
        dict(
            type="scatter",
            x=[int(view.steps[chosen])] * 2,
            y=log_sigma[chosen],
            mode="markers",
            xaxis="x2",
            yaxis="y2",
            marker=dict(color=[SIGMA1_COLOUR, SIGMA2_COLOUR], size=10),
            showlegend=False,
            hovertext=[_hover(view, chosen)] * 2,
            hoverinfo="text",
        ),
    ]
    # Each slider step restyles the last two traces with its step's data, at most MAX_SLIDER_STEPS of
    # them. The ellipses go as typed arrays (plotly.js decodes them in slider arguments as in traces:
    # checked in Chromium), not as lists of thousands of floats to copy and encode.
    shown = np.unique(np.linspace(0, n - 1, min(n, MAX_SLIDER_STEPS)).round().astype(int).tolist() + [chosen])
    steps = []
    for i in shown:
        text = _hover(view, i)
        data = {
            "x": [typed_array(shapes[i, :, 0].astype(np.float32)), [int(view.steps[i])] * 2],
            "y": [typed_array(shapes[i, :, 1].astype(np.float32)), typed_array(log_sigma[i])],
            "hovertext": [text, [text, text]],
        }
        steps.append(
            dict(method="restyle", args=[data, [len(traces) - 2, len(traces) - 1]], label=str(view.steps[i]))
        )
    layout = dict(
        height=420,
        margin=dict(l=10, r=10, t=40, b=10),
        hovermode="closest",
        legend=dict(orientation="h", x=0.55, y=1.08),
        xaxis=dict(
            domain=[0, 0.42], range=[-1.15, 1.15], zeroline=True, title=dict(text="along unit 1 (÷ σ₁)")
        ),
        yaxis=dict(
            range=[-1.15, 1.15], scaleanchor="x", zeroline=True, title=dict(text="along unit 2 (÷ σ₁)")
        ),
        xaxis2=dict(domain=[0.55, 1], title=dict(text="step t")),
        yaxis2=dict(anchor="x2", title=dict(text="log10 singular value of ∂h_t/∂h_k")),
        sliders=[
            dict(
                active=int(np.searchsorted(shown, chosen)),
                steps=steps,
                currentvalue=dict(prefix="t = "),
                pad=dict(t=50),
                len=1.0,
            )
        ],
    )
    return figure(traces, layout)
