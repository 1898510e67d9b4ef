"""Backprop through time: the lecture's univariate RNN unrolled, every adjoint by hand, checked by autograd."""

import streamlit as st

from rnnviz import bptt
from rnnviz.figures import bptt as figures
from rnnviz.parsing import parse_numbers
from ui.controls import Choice, Number, Text, warn_about_bad_link, widget
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
ACTIVATION = Choice("bptt_activation", "Activation φ", bptt.ACTIVATIONS, "tanh")
U = Number("bptt_u", "u (input → z)", 0.5, -3.0, 3.0, 0.05, slider=True)
V = Number("bptt_v", "v (h → r)", 1.0, -3.0, 3.0, 0.05, slider=True)
W = Number("bptt_w", "w (h → next z)", 0.9, -3.0, 3.0, 0.05, slider=True)
SOURCE = Choice("bptt_source", "Inputs and targets", ("typed", "random"), "typed")
X = Text("bptt_x", "Inputs x", "1 0.5 -1 0 0.5 1")
TARGETS = Text("bptt_targets", "Targets", "0.5 0.5 0 -0.5 0 0.5")
T = Number("bptt_T", "Length T", 20, 1, bptt.MAX_T, 1, slider=True)
SEED = Number("bptt_seed", "Seed", 0, 0, 9999, 1)
CONTROLS = [ACTIVATION, U, V, W, SOURCE, X, TARGETS, T, SEED]
# fmt: on


@st.cache_resource(max_entries=256, show_spinner=False)  # shared and only read: no copy per rerun
def backprop(x, targets, u: float, v: float, w: float, activation: str) -> tuple[bptt.BPTTResult, float]:
    result = bptt.univariate(x, targets, u, v, w, activation)
    return result, bptt.autograd_difference(result, u, v, w, activation)


run_inside_app()
st.title("Backprop through time")
intro_col, formula_col = st.columns([3, 2], gap="large")
intro_col.markdown(
    r"The lecture's univariate RNN, unrolled: $z_t = u\,x_t + w\,h_{t-1}$, $h_t = \phi(z_t)$, "
    r"$r_t = v\,h_t$, $y_t = \phi(r_t)$, with $h_0 = 0$ and loss $L = \sum_t (y_t - \text{target}_t)^2/2$. "
    "The forward pass runs left to right; the adjoints (a bar is dL/d of that node) run right to left, "
    "and the same u, v and w serve every step.\n\n"
    "**The unrolled computation graph** below has every node of every step; hover for its value and its "
    "adjoint. The coloured edges carry u, v and w: one colour per weight, at every step, is weight sharing. "
    "Node colour is the adjoint: blue positive, red negative, dark where it is large and pale near 0. **The parameter "
    "gradients** beneath it are sums over time of one term per step (dark: early steps, yellow: late); the "
    "diamond is the total; hover a segment for that step's term."
)
with formula_col:
    st.markdown("**The lecture's formulas**")
    st.latex(
        r"\begin{aligned}"
        r"&\bar{\mathcal{L}} = 1,\quad \overline{y_t} = y_t - \mathrm{target}_t,\quad \overline{r_t} = \overline{y_t}\,\phi'(r_t)\\"
        r"&\overline{h_t} = \overline{r_t}\,v + \overline{z_{t+1}}\,w,\quad \overline{z_t} = \overline{h_t}\,\phi'(z_t),"
        r"\quad \overline{z_{T+1}} = 0\\"
        r"&\bar u = \sum_{t=1}^{T} \overline{z_t}\,x_t,\qquad \bar v = \sum_{t=1}^{T} \overline{r_t}\,h_t\\"
        r"&\bar w = \sum_{t=1}^{T-1} \overline{z_{t+1}}\,h_t = \sum_{t=1}^{T} \overline{z_t}\,h_{t-1}\quad (h_0 = 0)"
        r"\end{aligned}"
    )
    st.caption(
        "The recursion runs from t = T down to 1 and starts from z̄_(T+1) = 0: no step follows the last one, so "
        "h̄_T = r̄_T v, and each earlier h̄_t adds the path through the next step, z̄_(t+1) w."
    )
warn_about_bad_link(CONTROLS)


data_col, activation_col = st.columns([3, 1], gap="large")
with data_col:
    source = widget(SOURCE)
    try:
        if source == "typed":
            typed_x, typed_targets = st.columns(2)
            x = parse_numbers(widget(X, typed_x), name="inputs", max_length=bptt.MAX_T)
            targets = parse_numbers(widget(TARGETS, typed_targets), name="targets", max_length=bptt.MAX_T)
            data_code = f"x, targets = {x.tolist()!r}, {targets.tolist()!r}"
        else:
            length_col, seed_col = st.columns(2)
            length, seed = widget(T, length_col), widget(SEED, seed_col)
            x, targets = bptt.random_sequence(length, seed)
            data_code = f"x, targets = bptt.random_sequence({length}, {seed})"
    except ValueError as error:
        st.error(str(error))
        st.stop()
activation = widget(ACTIVATION, activation_col)


@st.fragment
def unrolled_network(x, targets, activation: str, data_code: str) -> None:
    """u, v, w, the controls everyone moves, and all they change: a move reruns this alone (the inputs
    and the activation are above it, and rerun the page)."""
    u_col, v_col, w_col = st.columns(3)
    u, v, w = widget(U, u_col), widget(V, v_col), widget(W, w_col)
    try:
        result, autograd_gap = backprop(x, targets, u, v, w, activation)
    except ValueError as error:  # e.g. inputs and targets of different lengths
        st.error(str(error))
        return
    st.plotly_chart(figures.computation_graph(result), width="stretch", key="bptt_graph")
    grad_col, check_col = st.columns([3, 2], gap="large")
    grad_col.plotly_chart(figures.gradient_contributions(result), width="stretch", key="bptt_gradients")
    with check_col:
        loss_col, gap_col = st.columns(2)
        loss_col.metric("loss L", f"{result.loss:.4g}")
        gap_col.metric("largest |by hand − autograd|", f"{autograd_gap:.1e}")
        st.caption(
            "The same numbers through torch autograd (float64): the largest difference over the loss, every "
            f"adjoint and ū, v̄, w̄, against {result.largest_magnitude:.3g} for the largest of those numbers. Float64 "
            "rounds each operation to about 1e-16 of its size."
        )
    offer(
        result.table(),
        f"""
    from rnnviz import bptt

    {data_code}
    result = bptt.univariate(x, targets, u={u!r}, v={v!r}, w={w!r}, activation={activation!r})
    table = result.table()  # every forward value and adjoint by step
    print(result.loss, result.u_bar, result.v_bar, result.w_bar)
    """,
        name="bptt",
    )


unrolled_network(x, targets, activation, data_code)
