"""Exploding and vanishing gradients: the lecture's w^(T-1), the phi' factors, and Jacobian products."""

import streamlit as st

from rnnviz import dynamics, ellipses
from rnnviz.figures import dynamics as figures
from rnnviz.figures import ellipses as ellipse_figures
from ui.controls import Choice, Number, set_values, warn_about_bad_link, widget, widgets
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
WEIGHT = Number("ev_w", "w (recurrent weight)", 1.1, -3.0, 3.0, 0.01, slider=True)
LENGTH = Number("ev_T", "T (how far back: ∂h_T/∂h₁)", 50, 1, dynamics.MAX_T, 1, slider=True)
UNI_PHI = Choice("ev_uni_phi", "Nonlinearity φ", ("tanh", "sigmoid", "relu"), "tanh")
UNI_INPUTS = Choice("ev_uni_inputs", "Inputs x_t", ("random", "zero"), "random",
                    help="random: x_t drawn from N(0, 1) with the seed; zero: x_t = 0")
UNI_SEED = Number("ev_uni_seed", "Seed of the inputs", 0, 0, 9999, 1)
U = Number("ev_u", "u (input weight)", 1.0, -3.0, 3.0, 0.1, slider=True)
B = Number("ev_b", "b (bias)", 0.0, -3.0, 3.0, 0.1, slider=True)
S = dynamics.Settings  # its fields' settings give these controls their labels, ranges and help
H, STEPS = Number.of(S, "H", "ev_H", slider=True), Number.of(S, "T", "ev_steps", slider=True)
RADIUS, SCALE = Number.of(S, "radius", "ev_radius", slider=True), Number.of(S, "input_scale", "ev_scale", slider=True)
KIND, ACTIVATION, SEED = Choice.of(S, "kind", "ev_kind"), Choice.of(S, "activation", "ev_act"), Number.of(S, "seed", "ev_seed")
W2 = [Number(f"ev2_w{i}{j}", f"W_hh[{i},{j}]", value, -3.0, 3.0, 0.05, slider=True)
      for (i, j), value in zip(((1, 1), (1, 2), (2, 1), (2, 2)), (1.2, -0.6, 0.6, 0.9))]
ACTIVATION2 = Choice("ev2_act", "Activation φ (two units)", dynamics.ACTIVATIONS, "tanh")
STEPS2 = Number("ev2_T", "T (two units)", 40, 1, ellipses.MAX_T, 1, slider=True)
CONTROLS = [WEIGHT, LENGTH, UNI_PHI, UNI_INPUTS, UNI_SEED, U, B, H, STEPS, RADIUS, SCALE, KIND, ACTIVATION, SEED,
            *W2, ACTIVATION2, STEPS2]
# fmt: on


# Results and their figures are kept together, by settings: a move elsewhere on the page rebuilds
# neither. Results are frozen dataclasses, figures are only read, so sessions can share them.
@st.cache_resource(max_entries=64, show_spinner=False)
def univariate(w: float, T: int, phi: str, u: float, b: float, inputs: str, seed: int):
    uni = dynamics.univariate_nonlinear(w, T, phi, u=u, b=b, inputs=inputs, seed=seed)
    return uni, figures.nonlinear_product(uni)


@st.cache_resource(max_entries=64, show_spinner=False)
def linear(w: float, T: int):
    result = dynamics.univariate_linear(w, T)
    return result, figures.linear_product(result)


MANY_UNIT_FIGURES = {
    "norms": figures.norms,
    "singular": figures.singular_values,
    "eigen": figures.eigenvalues,
    "heatmap": figures.heatmap,
}


@st.cache_resource(max_entries=16, show_spinner="Multiplying Jacobians...")
def analyse(settings: dynamics.Settings):
    result = dynamics.analyse(settings)
    return result, {name: builder(result) for name, builder in MANY_UNIT_FIGURES.items()}


@st.cache_resource(max_entries=64, show_spinner=False)
def two_unit_ellipses(W_hh: tuple, activation: str, T: int):
    view = ellipses.product_ellipses([W_hh[:2], W_hh[2:]], activation, T)
    return view, ellipse_figures.product_ellipses(view)


def show_notes(notes: list[str]) -> None:
    for note in notes:
        st.warning(note, icon=":material/warning:")


run_inside_app()
st.title("Exploding and vanishing gradients")
st.markdown(
    r"Backprop through time multiplies one Jacobian $\partial h_{t+1}/\partial h_t$ per step, so the gradient that "
    "reaches a state T steps back is a product of T factors: it tends to grow or shrink exponentially "
    "with the distance. First one unit, as in the lecture, then many."
)
warn_about_bad_link(CONTROLS)

st.header("One unit")
linear_col, nonlinear_col = st.columns(2, gap="large")
with linear_col:
    st.subheader("Linear")
    st.latex(
        r"h_t = w\,h_{t-1} + u\,x_t \quad\Longrightarrow\quad \frac{\partial h_T}{\partial h_1} = w^{T-1}"
    )
    st.caption(
        "Each step back multiplies the gradient by w: a straight line on a log axis, rising for |w| > 1 and "
        "falling for |w| < 1. The axis is log10 of the value labelled in powers of ten, so values beyond "
        "float64 (1e308) still have a place; hover for the values."
    )
with nonlinear_col:
    st.subheader("With a nonlinearity")
    st.latex(
        r"h_t = \phi(z_t),\ \ z_t = w\,h_{t-1} + u\,x_t + b,\ \ h_0 = 0 \quad\Longrightarrow\quad"
        r"\frac{\partial h_T}{\partial h_1} = w^{T-1}\,\phi'(z_2)\,\phi'(z_3)\cdots\phi'(z_T)"
    )
    st.caption(
        "Top: the gradient with the φ′ factors (blue) and without them (grey dashes, w^(T−1)), the φ′ factors "
        "taken along the trajectory the inputs drive. Bottom: each step's φ′(z_t); a saturated tanh or sigmoid "
        "unit (large |z_t|) has φ′ near 0 and shrinks the product, and a step grows it only where |w| φ′(z_t) > "
        "1, above the dotted line."
    )
    phi_col, inputs_col, seed_col, u_col, b_col = st.columns(5)
    phi, inputs = widget(UNI_PHI, phi_col), widget(UNI_INPUTS, inputs_col)
    uni_seed, u, b = widget(UNI_SEED, seed_col), widget(U, u_col), widget(B, b_col)
st.info("  \n".join(case.note() for case in dynamics.LECTURE_CASES), icon=":material/school:")
for case, column in zip(dynamics.LECTURE_CASES, st.columns(2)):
    column.button(
        f"Lecture, {case.name}: {case.w:g}⁵⁰ = {case.printed}",
        key=f"ev_lecture_{case.name}",
        on_click=set_values,
        args=({WEIGHT.key: case.w, LENGTH.key: dynamics.LECTURE_T},),
        help=f"Sets w = {case.w:g} and T = {dynamics.LECTURE_T}, where w^(T−1) = w⁵⁰",
        width="stretch",
    )


@st.fragment
def one_unit(phi: str, inputs: str, uni_seed: int, u: float, b: float) -> None:
    """w and T, the controls everyone moves, and the two charts they change: a move reruns this alone
    (the other controls of the section are above it, and rerun the page)."""
    w_col, T_col = st.columns(2)
    w, T = widget(WEIGHT, w_col), widget(LENGTH, T_col)
    linear_col, nonlinear_col = st.columns(2, gap="large")
    with linear_col:
        result, figure = linear(w, T)
        st.latex(result.latex())
        show_notes(result.notes())
        st.plotly_chart(figure, width="stretch", key="ev_linear")
    with nonlinear_col:
        uni, figure = univariate(w, T, phi, u, b, inputs, uni_seed)
        st.markdown(uni.summary())
        show_notes(uni.notes())
        st.plotly_chart(figure, width="stretch", key="ev_nonlinear")
    offer(
        uni.table(),
        f"""
    from rnnviz import dynamics

    uni = dynamics.univariate_nonlinear({w!r}, {T}, {phi!r}, u={u!r}, b={b!r}, inputs={inputs!r}, seed={uni_seed})
    table = uni.table()  # by T: the trajectory, phi'(z_T), log10 |dh_T/dh_1| with and without the phi' factors
    """,
        name="one_unit",
    )


@st.fragment
def many_units() -> None:
    """H units: its own controls, its own reruns."""
    st.header("Many units: products of Jacobians")
    st.latex(
        r"\mathbf h_t = \phi(\mathbf z_t),\ \ \mathbf z_t = W_{hh}\mathbf h_{t-1} + W_{xh}\mathbf x_t + \mathbf b"
        r"\quad\Longrightarrow\quad "
        r"J_t = \frac{\partial \mathbf h_{t+1}}{\partial \mathbf h_t} = \mathrm{diag}\big(\phi'(\mathbf z_{t+1})\big)\,W_{hh}"
    )
    st.latex(r"\frac{\partial \mathbf h_t}{\partial \mathbf h_k} = J_{t-1}\cdots J_k")
    st.latex(
        r"\Big\|\frac{\partial \mathbf h_t}{\partial \mathbf h_k}\Big\| \le \big(\gamma\,\sigma_{\max}(W_{hh})\big)^{t-k},"
        r"\qquad \gamma = \sup|\phi'| = 1 \text{ (tanh, linear, relu)},\ \tfrac14 \text{ (sigmoid)}"
    )
    st.caption(
        "The bound of Pascanu, Mikolov and Bengio (2013), from ‖diag(φ′)‖ ≤ γ and ‖W_hh‖ = σ_max(W_hh): "
        "γ σ_max < 1 is enough for gradients to vanish; γ σ_max > 1 is needed for them to explode."
    )
    chosen = widgets({"kind": KIND, "activation": ACTIVATION, "seed": SEED}, st.columns([2, 3, 1]))
    chosen |= widgets({"H": H, "T": STEPS, "radius": RADIUS, "input_scale": SCALE}, st.columns(4))
    settings = dynamics.Settings(**chosen)
    result, charts = analyse(settings)
    {"explodes": st.error, "vanishes": st.info}.get(result.verdict, st.success)(result.summary())
    show_notes(result.notes)
    st.plotly_chart(charts["norms"], width="stretch", key="ev_norms")
    st.caption(
        "The spectral norm of ∂h_t/∂h₀ for every t (blue), from h₀ = 0, b = 0 and the seeded inputs, and "
        "the bound (γ σ_max)^t (red dashes): the norm never crosses it. Both are drawn as log10 with "
        "power-of-ten labels, computed from a rescaled product, so they go on past float64's range."
    )
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts["singular"], width="stretch", key="ev_singular")
        st.caption(
            f"All singular values of ∂h_T/∂h₀ at the last step, largest first: the gradient reaching h₀ "
            f"passes through the few at the top. {result.unresolved} more lie below 1e-12 of the largest, "
            "under float64's rounding of the product, and are not drawn."
        )
    with right:
        st.plotly_chart(charts["eigen"], width="stretch", key="ev_eigen")
        st.caption(
            "The eigenvalues λ of W_hh and the unit circle. With linear units ∂h_t/∂h₀ = W_hh^t, whose norm grows "
            "or shrinks like max|λ|^t in the long run (‖W_hh^t‖^(1/t) → max|λ|); nonlinear units multiply in "
            "factors φ′ ≤ γ on top."
        )
    offer(
        result.table(),
        f"""
    from rnnviz import dynamics

    settings = dynamics.{settings!r}
    result = dynamics.analyse(settings)
    table = result.table()  # by t: log10 ||dh_t/dh_0|| and log10 of the bound (gamma sigma_max)^t
    # The same norms by the contract (fine while they stay in float64): entry t - 1 is ‖dh_t/dh_0‖
    # dynamics.product_norms(dynamics.jacobians(*settings.rnn(), settings.activation))
    """,
        name="many_units",
    )
    st.plotly_chart(charts["heatmap"], width="stretch", key="ev_heatmap")

    st.caption(
        f"‖∂h_t/∂h_k‖ for k ≤ t, subsampled: a grid of {len(result.grid)} × {len(result.grid)} steps spread "
        "evenly over 0..T (all pairs would take T²/2 products). Red grows, blue shrinks; the k = 0 column "
        "is the curve above."
    )


@st.fragment
def two_units(activation: str, T: int) -> None:
    """The four weights, the controls everyone moves, and the ellipse they shape: a move reruns this alone."""
    columns = st.columns(4)
    W_hh = tuple(widget(weight, column) for weight, column in zip(W2, columns))
    view, figure = two_unit_ellipses(W_hh, activation, T)
    st.plotly_chart(figure, width="stretch", key="ev2_ellipse")
    st.markdown(view.summary())
    offer(
        dict(t=view.steps, sigma_1=view.sigma[:, 0], sigma_2=view.sigma[:, 1], flatness=view.flatness),
        f"""
    from rnnviz import ellipses

    view = ellipses.product_ellipses({[list(W_hh[:2]), list(W_hh[2:])]!r}, {activation!r}, T={T})
    view.sigma, view.flatness  # sigma_1 >= sigma_2 of dh_t/dh_0 for t = 0..T, and their ratio
    view.ellipses  # the image of the unit circle of directions at h_0, at every step
    """,
        name="two_units",
    )


one_unit(phi, inputs, uni_seed, u, b)
many_units()

st.header("Two units: what the product does to directions")
st.markdown(
    "With two units a picture holds everything. A small change δ of h₀ reaches step t as ∂h_t/∂h₀ δ: "
    "the circle of all directions δ becomes an ellipse whose half-axes are the singular values σ₁ ≥ σ₂ "
    "of the product, the numbers the section above plots for many units. The norm is σ₁; the ellipse also "
    "shows σ₂/σ₁, which falls along a product whenever the two directions grow at different rates (not under "
    "a rotation with linear units, where it stays 1): the ellipse collapses onto a line, and the gradient forgets "
    "not only how large it was but which direction it came from. Move the weights; scrub t with the slider "
    "under the chart (in your browser, no waiting)."
)
st.latex(
    r"\mathbf h_t = \phi(W_{hh}\mathbf h_{t-1} + \mathbf x_t),\quad \mathbf x_t \sim N(0, 0.5^2 I),\quad "
    r"\mathbf h_0 = (0.1, -0.1)"
)
act_col, steps_col = st.columns([1, 2])
two_units(widget(ACTIVATION2, act_col), widget(STEPS2, steps_col))
st.caption(
    "Left: the ellipse at the step picked below it, divided by its σ₁ so that its shape stays in view however "
    "large or small the gradient is (dotted: the circle at h₀). Right: log10 σ₁ and σ₂ at every step (a value of "
    "exactly 0, as when relu units are switched off, is left out); the dots "
    "follow the slider. Hover for the values. Inputs are drawn with seed 0."
)
