"""Loss cliffs and gradient clipping: the single-unit RNN's landscape, and descent with and without clipping."""

import streamlit as st

from rnnviz import landscape
from rnnviz.figures import landscape as figures
from ui.controls import Choice, Number, set_values, warn_about_bad_link, widget
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
T = Number("cliff_T", "Steps of the recurrence T", 50, 1, landscape.MAX_T, 1, slider=True)
W_MIN = Number("cliff_w_min", "w from", -2.0, -20.0, 20.0, 0.5)
W_MAX = Number("cliff_w_max", "w to", 8.0, -20.0, 20.0, 0.5)
B_MIN = Number("cliff_b_min", "b from", -6.0, -20.0, 20.0, 0.5)
B_MAX = Number("cliff_b_max", "b to", 2.0, -20.0, 20.0, 0.5)
START_W = Number("cliff_start_w", "start w", 4.4, -20.0, 20.0, 0.05, slider=True)
START_B = Number("cliff_start_b", "start b", -2.6, -20.0, 20.0, 0.05, slider=True)
LR = Number("cliff_lr", "learning rate", 0.5, 0.01, 5.0, 0.01, slider=True)
STEPS = Number("cliff_steps", "steps of descent", 60, 1, 300, 1, slider=True)
ETA = Number("cliff_eta", "clipping threshold η", 0.5, 1e-4, 1e4, 0.1, format="%.4g",
             help="Clipping by norm rescales g to norm η when ‖g‖ > η; elementwise clips each component to ±η.")
STARTS = Number("cliff_starts", "E averaged over N starts x₀", 1, 1, landscape.MAX_STARTS, 1,
                help="1: x₀ = 0.5, as in Pascanu et al. N > 1: the mean of E over N starts x₀ drawn from N(0.5, 1) "
                     "(seed 0); the map, the slice and the descents all follow the mean.")
MAP_POINTS = 150  # per axis: about 5 screen pixels a cell, and every move sends the map (float32)
MAP_POINTS_AVERAGED = 100  # per axis when E is a mean over N starts: each cell costs N times as much
CONTROLS = [T, W_MIN, W_MAX, B_MIN, B_MAX, START_W, START_B, LR, STEPS, ETA, STARTS]
# fmt: on


# Shared by every session and only read: cache_resource hands out the object itself, where
# cache_data would unpickle a copy of the surface on every rerun.
@st.cache_resource(max_entries=32, show_spinner="Computing E over the map...")
def surface(w_range: tuple, b_range: tuple, steps_T: int, n_starts: int) -> landscape.Surface:
    n = MAP_POINTS if n_starts == 1 else MAP_POINTS_AVERAGED
    return landscape.loss_surface(w_range, b_range, steps_T, n=n, starts=landscape.random_starts(n_starts))


@st.cache_resource(max_entries=128, show_spinner=False)
def paths(
    start: tuple, lr: float, steps: int, steps_T: int, eta: float, n_starts: int
) -> list[landscape.Path]:
    return landscape.descents(start, lr, steps, steps_T, eta, landscape.random_starts(n_starts))


@st.cache_resource(max_entries=64, show_spinner=False)
def cliff_slice(b: float, w_range: tuple, steps_T: int, n_starts: int):
    """The slice along w at the start's b (and at x₀ = 0.5 alone when averaged), its steepness and its
    figure: a move of anything else rebuilds none of them."""
    cut = landscape.loss_slice(b, w_range, steps_T, starts=landscape.random_starts(n_starts))
    single = landscape.loss_slice(b, w_range, steps_T) if n_starts > 1 else None
    figure = figures.slice_along_w(
        cut["w"], cut["loss"], cut["dE_dw"], b, None if single is None else single["loss"]
    )
    return figure, landscape.steepness(cut), None if single is None else landscape.steepness(single)


run_inside_app()
st.title("Loss cliffs and gradient clipping")
st.markdown(
    "Repeatedly applying a function makes cliffs in the loss: the gradient is either close to 0 or very "
    "large. The single-unit RNN of Pascanu, Mikolov and Bengio (2013) shows it in two parameters. Clipping "
    "shortens a gradient longer than η and leaves every other one as it is: it tames the cliff, and does "
    "nothing on the plateaus where the gradient has vanished (the lecture: *gradient clipping solves the "
    "exploding gradient problem, but not the vanishing gradient problem*)."
)
st.latex(
    r"x_0 = 0.5,\qquad x_t = w\,\sigma(x_{t-1}) + b,\qquad E = \left(\sigma(x_T) - 0.7\right)^2"
    r"\qquad\qquad \text{clip by norm: } \mathbf{g} \leftarrow \eta\,\frac{\mathbf{g}}{\lVert\mathbf{g}\rVert}"
    r"\text{ if } \lVert\mathbf{g}\rVert > \eta"
)


def map_and_descent(grid: landscape.Surface, descents: list[landscape.Path], settings: dict) -> None:
    map_col, descent_col = st.columns([3, 2], gap="large")
    map_col.plotly_chart(
        figures.loss_heatmap(grid, descents),
        width="stretch",
        key="cliff_map",
        on_select="rerun",
        selection_mode="points",
    )
    with descent_col:
        st.plotly_chart(figures.gradient_norms(descents), width="stretch", key="cliff_norms")
        st.markdown("\n".join(f"- {path.summary()}" for path in descents))
    plateau = landscape.clipping_and_vanishing(descents, settings["lr"], settings["eta"])
    if plateau:
        st.info(plateau, icon=":material/school:")
    st.caption(
        "Left: E from above; click anywhere to start the descent there. The paths are drawn to scale: a long "
        "straight segment is one step, and at the cliff one unclipped step can throw the parameters off the map. "
        "Right: the gradient's norm before each step. At the cliff it spikes; unclipped, the step is the learning "
        "rate times that spike. Clipping biases the gradient but keeps the step at most lr × η (by norm) or "
        "lr × η × √2 (elementwise); by norm it keeps the direction, elementwise it does not."
    )
    offer(
        landscape.paths_table(descents),
        f"""
    from rnnviz import landscape

    starts = landscape.random_starts({settings["starts"]})  # x0 = 0.5 alone for 1, else draws from N(0.5, 1)
    paths = landscape.descents({settings["start"]!r}, {settings["lr"]!r}, {settings["steps"]}, {settings["T"]},
                               {settings["eta"]!r}, starts)  # one per clipping: none, norm, elementwise
    table = landscape.paths_table(paths)  # every step of the three descents
    """,
        name="loss_cliffs",
    )


def surface_3d(grid: landscape.Surface, descents: list[landscape.Path], settings: dict) -> None:
    st.plotly_chart(figures.loss_surface_3d(grid, descents), width="stretch", key="cliff_surface")
    st.caption(
        "The same landscape in 3D (drag to turn): wide plateaus, and walls between them where x_T changes "
        "attractor."
    )


def slice_through(grid: landscape.Surface, descents: list[landscape.Path], settings: dict) -> None:
    b = settings["start"][1]
    figure, steep, single = cliff_slice(b, settings["w_range"], settings["T"], settings["starts"])
    st.plotly_chart(figure, width="stretch", key="cliff_slice")
    st.caption(
        f"E and |dE/dw| along w at the start's b = {b:g}, sampled at 2000 points: {steep.text()}. A wall thinner "
        "than the spacing falls between samples, so a jump in E shows it better than |dE/dw| at the samples."
    )
    if single is not None:
        st.caption(
            f"Averaged over {settings['starts']} starts x₀, each start's cliff sits at another w: the largest jump "
            f"between neighbouring samples is {steep.jump:.2g}, against {single.jump:.2g} for x₀ = 0.5 alone (grey "
            "dashes). A finite average is a staircase of small cliffs; its gradient still spikes where one start "
            "crosses its cliff, at 1/N of that start's size."
        )


@st.cache_resource(max_entries=128, show_spinner=False)
def behind(w: float, b: float, steps_T: int):
    view = landscape.cliff_map(w, b, steps_T)
    return view, figures.cliff_map(view)


def map_behind(grid: landscape.Surface, descents: list[landscape.Path], settings: dict) -> None:
    w, b = settings["start"]
    view, figure = behind(w, b, settings["T"])
    st.plotly_chart(figure, width="stretch", key="cliff_behind", on_select="rerun", selection_mode="points")
    st.markdown(view.summary())
    st.caption(
        f"Left: the map x ↦ w σ(x) + b at the start (w, b) = ({w:g}, {b:g}), the diagonal, and its cobweb: x_T is "
        f"where the red path ends after T = {settings['T']} steps. Filled dots attract, hollow ones repel; each "
        "shaded band is the basin of one attractor. Right: the fixed points at this w as b varies, in closed form "
        "(b = x* − w σ(x*)), solid where they attract, dashed where they repel. A cliff of E is where a basin "
        "boundary crosses x₀ (the red dashes), or for w < 0 the repelling fixed point, from whose two sides orbits "
        "reach the 2-cycle in opposite phases: the red cross. Click the right panel to move the start's b there, "
        "or click the map of E in the first tab: both views follow the same start."
    )


# The views of the landscape, one per tab; only the open tab is drawn (its name is in the URL).
VIEWS = {
    "The map and the descent": map_and_descent,
    "In 3D": surface_3d,
    "A slice along w": slice_through,
    "The map behind the cliff": map_behind,
}
VIEW = Choice("cliff_view", "view", tuple(VIEWS), "The map and the descent")


@st.fragment
def descent(grid: landscape.Surface, settings: dict) -> None:
    """The start, the control everyone moves (by its sliders or a click on the map), and the open view
    of the descents from it: a move reruns this alone (the other settings are above, and rerun the page)."""
    # A click on the map (previous run) moves the start there, once per click.
    click = st.session_state.get("cliff_map")
    points = click["selection"]["points"] if click else []
    if points and (points[0]["x"], points[0]["y"]) != st.session_state.get("cliff_applied_click"):
        st.session_state["cliff_applied_click"] = (points[0]["x"], points[0]["y"])
        set_values({START_W.key: round(points[0]["x"], 2), START_B.key: round(points[0]["y"], 2)})
    # A click on the right panel of the map behind the cliff (the fixed points against b) sets b.
    click = st.session_state.get("cliff_behind")
    points = [
        p
        for p in (click["selection"]["points"] if click else [])
        if p.get("curve_number") in figures.BRANCH_CURVES
    ]
    if points and points[0]["x"] != st.session_state.get("cliff_applied_b"):
        st.session_state["cliff_applied_b"] = points[0]["x"]
        set_values({START_B.key: round(min(max(points[0]["x"], START_B.min), START_B.max), 2)})
    w_col, b_col = st.columns(2)
    start = (widget(START_W, w_col), widget(START_B, b_col))
    descents = paths(
        start, settings["lr"], settings["steps"], settings["T"], settings["eta"], settings["starts"]
    )
    tabs = st.tabs(VIEW.options, key=VIEW.key, on_change="rerun", bind="query-params")
    for tab, draw in zip(tabs, VIEWS.values()):
        if tab.open:
            with tab:
                draw(grid, descents, {**settings, "start": start})


warn_about_bad_link(CONTROLS + [VIEW])
columns = st.columns(5)
steps_T = widget(T, columns[0])
lr, steps, eta = widget(LR, columns[1]), widget(STEPS, columns[2]), widget(ETA, columns[3])
n_starts = widget(STARTS, columns[4])
if n_starts > 1:
    st.info(
        f"The lecture: *the gradient will explode on some inputs and vanish on others. In expectation, the cost may "
        f"be fairly smooth.* Here E is the mean over {n_starts} starts x₀ drawn from N(0.5, 1), and the descents "
        f"follow its gradient, the mean of theirs. Each point costs {n_starts} times as much, so the map is computed "
        f"on a coarser grid, {MAP_POINTS_AVERAGED} × {MAP_POINTS_AVERAGED} instead of {MAP_POINTS} × {MAP_POINTS}, "
        "and moving the start takes longer.",
        icon=":material/school:",
    )
with st.expander("Range of the map"):
    range_columns = st.columns(4)
    w_range = (widget(W_MIN, range_columns[0]), widget(W_MAX, range_columns[1]))
    b_range = (widget(B_MIN, range_columns[2]), widget(B_MAX, range_columns[3]))
try:
    grid = surface(w_range, b_range, steps_T, n_starts)
except ValueError as error:
    st.error(str(error))
    st.stop()
descent(grid, dict(lr=lr, steps=steps, T=steps_T, eta=eta, w_range=w_range, starts=n_starts))
