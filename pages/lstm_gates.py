"""LSTM gates: an LSTM trained on the adding problem, its gates along one sequence, the memory
cell's gradient path beside a tanh RNN's (initial and trained), and the lecture's exercise live."""

import streamlit as st

from rnnviz import gates, long_term, models, training
from rnnviz.figures import gates as figures
from ui.controls import Choice, Number, Toggle, warn_about_bad_link, widget
from ui.models import SessionModel
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
TC, D = training.TrainConfig, gates.DEFAULT  # TrainConfig's settings give the labels, ranges and help
T = Number("gates_T", "Sequence length T", D.T, long_term.LENGTHS.start, long_term.LENGTHS.stop - 1, 10, slider=True)
HIDDEN = Number.of(models.ModelConfig, "hidden_size", "gates_hidden", default=D.model.hidden_size)
STEPS, SEED = Number.of(TC, "steps", "gates_steps", default=D.steps), Number.of(TC, "seed", "gates_seed")
BIAS = Choice("gates_forget_bias", "Forget-gate bias at initialisation", ("torch", "1"), "torch",
              help="torch draws b_f near 0 (f starts near 0.5); "
                   "1 is Gers et al. (2000) and Jozefowicz et al. (2015)")
EXAMPLE = Number("gates_example", "example (of 100 held-out sequences)", 0, 0, 99, 1, slider=True)
STEP_T = Number("gates_t", "step t of the exercise", 10, 1, 199, 1, slider=True)
FORCE_F = Toggle("gates_force_f", "force f(t+1) = 1", True)
FORCE_I = Toggle("gates_force_i", "force i(t+1) = 0", True)
FORCE_O = Toggle("gates_force_o", "force o(t) = 0", True)
CONTROLS = [T, HIDDEN, STEPS, SEED, BIAS, EXAMPLE, STEP_T, FORCE_F, FORCE_I, FORCE_O]
# fmt: on
BIASES = dict(zip(BIAS.options, gates.FORGET_BIASES))

MODEL, RNN = SessionModel("gates_model"), SessionModel("gates_rnn")


# Readings of the models, by who they are and their step (ui.models.reading_key) and the example:
# every session reads the shared defaults' 100 examples, so after the first reading of each, a move
# costs no model run (and no unpickled copy).
@st.cache_resource(max_entries=128, show_spinner=False)
def read_example(
    key: tuple, settings: tuple, index: int, _lstm: models.SequenceModel, _rnn: models.SequenceModel
):
    """The gates on one example and the memory paths of both networks on it, initial and trained."""
    length, hidden, steps, seed, bias = settings
    x, y = gates.example("adding", length, seed, index)
    # the initial model: rebuilt from the seed
    lstm = {
        "initial": gates.trainer(*settings).model,
        "trained": _lstm,
    }
    rnn = {"initial": gates.rnn_trainer(length, hidden, steps, seed).model, "trained": _rnn}
    paths = gates.memory_paths(lstm, rnn, x)
    return gates.gate_view(_lstm, x, y), paths[0]


run_inside_app()
st.title("LSTM gates")
st.markdown(
    "Each LSTM unit is a memory block: a cell c that the gates write to (i), keep (f) and show (o). "
    "Below, an LSTM trained on the adding problem (two marked numbers in a long sequence; answer "
    "their sum), read step by step with the lecture's equations, plus a bias b that the lecture leaves out "
    "(torch's LSTM has one; its forget-gate part b_f is a control below)."
)
st.latex(
    r"\begin{pmatrix} i_t \\ f_t \\ o_t \\ g_t \end{pmatrix} = \begin{pmatrix} \sigma \\ \sigma \\ \sigma \\ \tanh "
    r"\end{pmatrix} \left( W \begin{pmatrix} x_t \\ h_{t-1} \end{pmatrix} + b \right),\qquad c_t = f_t \circ c_{t-1} + i_t \circ g_t,"
    r"\qquad h_t = o_t \circ \tanh(c_t)"
)
warn_about_bad_link(CONTROLS)
columns = st.columns([1, 1, 1, 1, 2])
length, hidden, steps, seed = (
    widget(control, column) for control, column in zip((T, HIDDEN, STEPS, SEED), columns)
)
bias = BIASES[widget(BIAS, columns[4])]

settings = (length, hidden, steps, seed, bias)
lstm = MODEL.get(
    settings,
    gates.default_name(bias),
    (D.T, D.model.hidden_size, D.steps, D.seed, bias),
    lambda: gates.trainer(*settings),
)
rnn = RNN.get(
    settings[:4],
    "lstm_gates_rnn",
    (D.T, D.model.hidden_size, D.steps, D.seed),
    lambda: gates.rnn_trainer(length, hidden, steps, seed),
)
if not (lstm.done and rnn.done):
    # Other settings than the defaults' train here on a click, within gates.MAX_TRAINING_WORK (not hours).
    if refused := gates.refusal(length, hidden, steps):
        st.warning(refused)
        st.stop()
    if not st.button("Train this LSTM and its tanh RNN", type="primary"):
        st.info(
            f"This LSTM is not trained yet: {steps} Adam steps on sequences of length {length} (and the "
            "tanh RNN it is compared with)."
        )
        st.stop()
    bar = st.progress(0.0, text="Training...")
    for name, session_model, loop in (("LSTM", MODEL, lstm), ("tanh RNN", RNN, rnn)):
        loop = loop if loop.done else session_model.own()  # a shared default is done: never trained here
        while not loop.done:
            # slices that take turns with other sessions' live training (training.LIVE_LANE)
            loop.train_for(0.8)
            bar.progress(
                loop.step_count / steps, text=f"Training the {name}: step {loop.step_count} of {steps}"
            )
    bar.empty()
    lstm, rnn = MODEL.get(settings, None, None, None), RNN.get(settings[:4], None, None, None)
if lstm.diverged:
    st.error(f"Training stopped: {lstm.diverged}")
    st.stop()
c = lstm.config
st.caption(
    f"Trained {lstm.step_count} Adam steps (batch {c.batch_size}, lr {c.lr}, clip {c.clip}): test MSE "
    f"{lstm.records().test_values[-1]:.4f}, against 1/6 = 0.1667 for always answering 1. The tanh RNN: the same "
    f"steps and batches at lr {rnn.config.lr}, test MSE {rnn.records().test_values[-1]:.4f}."
)


@st.fragment
def reading(lstm, rnn, settings: tuple) -> None:
    """One example read by the trained models (of these settings): a move of its controls reruns this alone."""
    length, hidden, steps, seed, bias = settings
    st.subheader("The gates along one sequence")
    index = widget(EXAMPLE)
    with lstm.lock, rnn.lock:
        view, paths = read_example(
            (MODEL.reading_key(), RNN.reading_key()), settings, index, lstm.model, rnn.model
        )
    target_col, prediction_col = st.columns(2)
    target_col.metric("target: the sum of the two marked values", f"{view.target:.4f}")
    prediction_col.metric(
        "the LSTM's answer", f"{view.prediction:.4f}", delta=f"{view.prediction - view.target:+.4f}"
    )
    st.plotly_chart(figures.gate_heatmaps(view), width="stretch", key="gates_heatmaps")
    st.caption(
        "One row per hidden unit; the red bars are the marked steps. At the defaults one unit keeps its "
        "memory (unit 2) and carries the sum: its input gate opens at the marked steps, its f stays near 1 "
        "in between, and its c at step T follows the target (|r| > 0.99 over the 100 examples). Most units "
        "forget (below)."
    )
    forget = "" if bias is None else f", forget_bias={bias}"
    offer(
        view.table(),
        f"""
    from rnnviz import gates, training

    training.set_threads(1)  # the lab trains on one thread; the numbers match it
    trainer = gates.trainer({length}, {hidden}, {steps}, {seed}{forget})  # the adding problem, an LSTM
    trainer.step({steps})  # seconds at the defaults, minutes at the largest settings
    view = gates.gate_view(trainer.model, *gates.example("adding", {length}, {seed}, {index}))
    table = view.table()  # one row per (t, unit): i, f, o, g, c, h
    """,
        name="lstm_gates",
    )

    st.subheader("The memory cell's gradient path, at initialisation and after training")
    st.plotly_chart(figures.memory_path(paths), width="stretch", key="gates_memory")
    st.table(paths.table())
    st.caption(
        f"How much of a gradient at step T reaches step t. For the LSTM it is the direct path along the cell with "
        f"the gates held fixed, dc_T/dc_t = ∏ f_s (s = t+1..T), per unit; the paths through h and through the gates "
        f"are left out. For the tanh RNN it is the whole Jacobian's norm ‖dh_T/dh_t‖; both networks have the "
        f"same size, seed, batches and steps. A unit keeps its memory when ∏ f from step 1 to T is at least "
        f"{gates.KEEPS:g} (dashed). At the defaults, with torch's initial biases f starts near 0.5 and the median "
        f"unit's cell path vanishes faster than the RNN's gradient, before and after training; training makes "
        f"one unit of 32 keep its memory (on every one of the 100 examples) while the rest still forget. A "
        f"forget-gate bias of 1 (the control above; Gers et al. 2000, Jozefowicz et al. 2015) starts f near "
        f"sigmoid(1) = 0.73: at the defaults the median unit then passes more than the RNN, before and after "
        f"training."
    )

    st.subheader("The lecture's exercise, live")
    st.markdown(
        r"If $f_{t+1} = 1$, $i_{t+1} = 0$ and $o_t = 0$, the memory cell's gradient passes through unmodified: "
        r"$\bar c_t = \bar c_{t+1}$. Why, from the cell's adjoint ($\bar h_t$: dL/dh_t over every later path):"
    )
    st.latex(
        r"\bar c_t = \underbrace{f_{t+1} \circ \bar c_{t+1}}_{f_{t+1} = 1:\ \bar c_{t+1}}"
        r" + \underbrace{\bar h_t \circ o_t \circ \tanh'(c_t)}_{o_t = 0:\ 0}"
    )
    st.markdown(
        r"$i_{t+1}$ is not in it: forcing $f_{t+1} = 1$ and $o_t = 0$ is what makes the gradients equal. "
        r"$i_{t+1} = 0$ is what keeps the value, $c_{t+1} = c_t$. The lecture's three conditions are sufficient; "
        r"the gradient needs two. Force the gates below; autograd computes both on this example's loss."
    )
    t_col, f_col, i_col, o_col = st.columns([3, 1, 1, 1])
    t = min(widget(STEP_T, t_col), length - 1)
    force_f, force_i, force_o = widget(FORCE_F, f_col), widget(FORCE_I, i_col), widget(FORCE_O, o_col)
    with lstm.lock:
        result = gates.exercise(
            lstm.model, *gates.example("adding", length, seed, index), t - 1, force_f, force_i, force_o
        )
    st.plotly_chart(figures.exercise_bars(result), width="stretch", key="gates_exercise")
    (st.success if result.largest_difference == 0.0 else st.info)(result.verdict())


reading(lstm, rnn, settings)
