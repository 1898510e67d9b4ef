"""Iterated functions: the lecture's f(x) = 3.5x(1-x) and one tanh unit, iterated; fixed points,
cycles, and derivatives of f∘k that explode or vanish, as gradients through time do."""

import streamlit as st

from rnnviz import maps
from rnnviz.figures import maps as figures
from rnnviz.magnitudes import format_log10
from ui.controls import Choice, Number, warn_about_bad_link, widget
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
LOGISTIC, TANH = "logistic map", "tanh unit"
MAP = Choice("maps_map", "Map", (LOGISTIC, TANH), LOGISTIC,
             help="The lecture's f(x) = r x (1 − x), or one RNN unit with no input, h ← tanh(w h + b).")
R = Number("maps_r", "r", 3.5, 0.0, 4.0, 0.001, slider=True, format="%.3f", help="3.5 on the slide: a 4-cycle")
X0 = Number("maps_x0", "x₀, where the orbit starts", 0.1, 0.0, 1.0, 0.001, slider=True, format="%.3f")
W = Number("maps_w", "w, the recurrent weight", 2.0, -4.0, 4.0, 0.01, slider=True)
B = Number("maps_b", "b, the bias", 0.0, -2.0, 2.0, 0.01, slider=True)
H0 = Number("maps_h0", "h₀, where the orbit starts", 0.1, -1.0, 1.0, 0.001, slider=True, format="%.3f")
K = Number("maps_k", "k, the number of steps", 40, 1, maps.MAX_K, 1, slider=True)
R_FROM = Number("maps_r_from", "r from", 2.5, 0.0, 4.0, 0.05)
R_TO = Number("maps_r_to", "r to", 4.0, 0.0, 4.0, 0.05)
W_FROM = Number("maps_w_from", "w from", -4.0, -4.0, 4.0, 0.1)
W_TO = Number("maps_w_to", "w to", 4.0, -4.0, 4.0, 0.1)
CONTROLS = [MAP, R, X0, W, B, H0, K, R_FROM, R_TO, W_FROM, W_TO]
# fmt: on


# Shared by every session and only read: cache_resource hands out the object itself, where
# cache_data would unpickle a copy of it on every rerun.
@st.cache_resource(max_entries=64, show_spinner=False)
def explore(the_map: maps.Map, k: int, x0: float) -> maps.MapView:
    return maps.explore(the_map, k, x0)


# The diagrams depend on the range (and for the tanh unit on b), not on the current r or w.
@st.cache_resource(max_entries=16, show_spinner="Iterating 1000 maps 1000 times...")
def logistic_bifurcation(r_from: float, r_to: float) -> maps.Bifurcation:
    return maps.logistic_bifurcation(r_from, r_to)


@st.cache_resource(max_entries=16, show_spinner="Iterating 1000 maps 1000 times...")
def tanh_bifurcation(b: float, w_from: float, w_to: float) -> maps.Bifurcation:
    return maps.tanh_bifurcation(b, w_from, w_to)


run_inside_app()
st.title("Iterated functions")
st.markdown(
    "An RNN applies the same function at every step, $h_t = f(h_{t-1}, x_t)$; with no input that is an "
    r"iterated function, $f^{\circ k} = f \circ f \circ \cdots \circ f$. The lecture's example is "
    "$f(x) = 3.5\\,x(1-x)$: *the function values gravitate towards fixed points, and the derivatives "
    "become either very large or very small*. At r = 3.5 the two fixed points of $f$ itself repel (multipliers "
    "3.5 and −1.5): the values gravitate to a 4-cycle, whose points are the attracting fixed points of "
    "$f^{\\circ 4}$ (and of $f^{\\circ 8}$, $f^{\\circ 12}$, …). The derivative of $f^{\\circ k}$ is exactly what "
    "backprop through time multiplies together over k steps, so the same happens to gradients. Below, the "
    "logistic map and one tanh unit."
)


def lecture_panels(view: maps.MapView) -> None:
    st.plotly_chart(figures.lecture_panels(view), width="stretch", key="maps_panels")
    st.caption(
        "Each panel is y = f∘n(x) with the diagonal y = x: where they cross is a fixed point of f∘n. Marked are "
        "the fixed points of f (filled if they attract, hollow if they repel) and the points of each attracting "
        "p-cycle in the panels where p divides n; a crossing left unmarked belongs to a cycle that repels (or one "
        "the orbits did not settle on within 2000 steps)."
    )


def iterate_and_cobweb(view: maps.MapView) -> None:
    v, k = view.map.variable, view.k
    graph_col, cobweb_col = st.columns(2, gap="large")
    with graph_col:
        st.subheader(f"y = f∘{k}({v})")
        st.plotly_chart(figures.iterate_graph(view), width="stretch", key="maps_iterate")
        st.caption(
            f"f iterated {k} times: flat stretches are where orbits are drawn into an attractor and forget where "
            "they started, steep ones where nearby starts fly apart"
            + (" (in the chaotic range, soon more wiggles than the screen has pixels)." if v == "x" else ".")
        )
    with cobweb_col:
        st.subheader(f"Cobweb from {v}₀ = {view.x0:g}")
        st.plotly_chart(figures.cobweb(view), width="stretch", key="maps_cobweb")
        st.caption(
            f"From ({v}₀, {v}₀) up or down to the graph of f, across to the diagonal, {k} times: each corner on "
            "the graph is one step, coloured by time, so the orbit's fate shows as the box or point it winds into."
        )


def derivatives(view: maps.MapView) -> None:
    v, k = view.map.variable, view.k
    st.latex(
        r"\frac{d f^{\circ k}}{d" + v + r"_0} = \prod_{t=0}^{k-1} f'(" + v + r"_t), \qquad "
        r"\lambda = \lim_{n \to \infty} \frac{1}{n} \sum_{t=0}^{n-1} \log\left|f'(" + v + r"_t)\right|"
    )
    derivative_col, gradient_col = st.columns(2, gap="large")
    with derivative_col:
        st.plotly_chart(figures.derivative_over_domain(view), width="stretch", key="maps_derivative")
        st.caption(
            f"|d f∘{k}/d{v}| at every start, by the chain rule along each orbit (log axis; the dashed line is 1): "
            "tiny where orbits are pulled in, huge where they are pulled apart; red triangles mark values below "
            "1e-300 (pointing down) or above 1e300 (up)."
        )
    with gradient_col:
        st.plotly_chart(figures.gradient_through_time(view), width="stretch", key="maps_gradient")
        st.caption(
            f"|d{v}ₜ/d{v}₀| along the orbit from {v}₀: the gradient that backprop through time carries back t steps, "
            "one factor f′ per step, so in the long run it grows or shrinks geometrically, like e^(λt)."
        )
    gain_col, rate_col, lyapunov_col = st.columns(3)
    gain_col.metric(f"|d{v}ₖ/d{v}₀| at k = {k}", format_log10(view.log10_gain[-1], 3))
    rate_col.metric(
        "growth per step over these k steps",
        format_log10(view.log10_gain[-1] / k, 3),
        help="The k-th root of the gradient: how much one step multiplies it, on average.",
    )
    lyapunov_col.metric(
        "Lyapunov exponent λ along this orbit",
        "−∞" if view.lyapunov == float("-inf") else f"{view.lyapunov:.4f}",
        help="The long-run mean of log|f′| (2000 steps after 500): a gradient grows like e^(λt).",
    )
    if view.beyond:
        what, step = view.beyond
        st.warning(
            f"The gradient {what} {'below 1e-300' if what == 'vanished' else 'above 1e300'} at step {step}."
        )
    offer(
        view.table(),
        f"""
    from rnnviz import maps

    view = maps.explore(maps.{view.map!r}, k={k}, x0={view.x0!r})
    table = view.table()  # the orbit from the start and |d x_t / d x_0| along it
    print(view.lyapunov, view.cycles)
    """,
        name="iterated_functions",
    )


def fixed_points_and_cycles(view: maps.MapView) -> None:
    st.dataframe(maps.cycle_table(view), hide_index=True)
    st.caption(
        "A cycle's multiplier is the derivative of f∘p once round it, the product of f′ over its p points: "
        "|multiplier| < 1 attracts and > 1 repels (attracting cycles are found by following orbits from several "
        "starts)."
    )
    if not view.cycles:
        st.info(
            "No attracting cycle of period up to 32 settled within 2000 steps: the orbit is chaotic (λ > 0), its "
            "cycle is longer than 32, or it approaches its cycle slowly because a multiplier is near ±1."
        )
    if isinstance(view.map, maps.TanhUnit):
        st.markdown(
            r"The fixed points solve $h^* = \tanh(w\,h^* + b)$ and are stable when $|w\,(1 - {h^*}^2)| < 1$. "
            "What they mean for training:\n"
            "- **An attracting fixed point: gradients vanish.** Near it every step multiplies the gradient by "
            "|w (1 − h*²)| < 1; after k steps the network has forgotten h₀.\n"
            "- **|multiplier| near 1: long memory.** Try w just above 1 with b = 0: the factor per step is close "
            "to 1, so gradients survive many steps.\n"
            "- **w > 1 with two attractors: a cliff.** The basins of the two attracting fixed points meet at the "
            "repelling one; a start just left or right of it ends at opposite states, and the derivative there is huge "
            "(see |d f∘k/dh| under Derivatives). A loss that depends on hₖ jumps across that boundary: the "
            "lecture's cliff."
        )


def bifurcation(view: maps.MapView) -> None:
    from_col, to_col, _ = st.columns([1, 1, 2])
    the_map = view.map
    try:
        if isinstance(the_map, maps.LogisticMap):
            diagram, current = logistic_bifurcation(widget(R_FROM, from_col), widget(R_TO, to_col)), the_map.r
        else:
            diagram, current = (
                tanh_bifurcation(the_map.b, widget(W_FROM, from_col), widget(W_TO, to_col)),
                the_map.w,
            )
    except ValueError as error:
        st.error(str(error))
        return
    st.plotly_chart(
        figures.bifurcation(diagram, current, view.cycles), width="stretch", key="maps_bifurcation"
    )
    p = diagram.parameter
    st.caption(
        f"Top: the states orbits visit after a transient for 1000 values of {p} (darker: more often), the current "
        f"{p} in orange; bottom: λ, the per-step growth rate of a gradient: below 0 the gradient vanishes, above 0 "
        "(chaos) it explodes. λ touches 0 at a bifurcation, where a cycle's multiplier passes through ±1 (and "
        "where chaos begins), and leaves it on either side: it is not kept there"
        + (
            "."
            if p == "r"
            else f"; from h₀ = ±0.999 with b = {the_map.b:g}, never above 0: one tanh unit is never chaotic."
        )
    )


# The views of one map, one per tab; only the open tab is computed and drawn (its name is in the URL).
VIEWS = {
    "The lecture's panels": lecture_panels,
    "Iterate and cobweb": iterate_and_cobweb,
    "Derivatives": derivatives,
    "Fixed points and cycles": fixed_points_and_cycles,
    "Bifurcation diagram": bifurcation,
}
VIEW = Choice("maps_view", "view", tuple(VIEWS), "The lecture's panels")


@st.fragment
def explorer(kind: str, x0: float, k: int) -> None:
    """The map's parameter (r, or w and b), the control everyone moves, and the open view: a move
    reruns this alone (the map, the start and k are above, and rerun the page)."""
    if kind == LOGISTIC:
        the_map = maps.LogisticMap(widget(R))
    else:
        w_col, b_col = st.columns(2)
        the_map = maps.TanhUnit(widget(W, w_col), widget(B, b_col))
    view = explore(the_map, k, x0)
    tabs = st.tabs(VIEW.options, key=VIEW.key, on_change="rerun", bind="query-params")
    for tab, draw in zip(tabs, VIEWS.values()):
        if tab.open:
            with tab:
                draw(view)


warn_about_bad_link(CONTROLS + [VIEW])
map_col, start_col, k_col = st.columns([2, 1, 1])
kind = widget(MAP, map_col)
x0 = widget(X0 if kind == LOGISTIC else H0, start_col)
k = widget(K, k_col)
if kind == LOGISTIC:
    st.latex(r"f(x) = r\,x\,(1 - x), \qquad f'(x) = r\,(1 - 2x)")
else:
    st.latex(
        r"h_{t+1} = f(h_t) = \tanh(w\,h_t + b), \qquad f'(h_t) = \frac{\partial h_{t+1}}{\partial h_t} = w\,(1 - h_{t+1}^2)"
    )
explorer(kind, x0, k)
