"""LSTM gates: an LSTM trained on the adding problem, its gates along one sequence, the memory
cell's gradient path, and the lecture's exercise computed live."""

import streamlit as st

from rnnviz import gates, models, training
from rnnviz.figures import gates as figures
from ui.controls import Number, Toggle, warn_about_bad_link, widget
from ui.models import SessionModel
from ui.share import offer
from ui.shell import run_inside_app

T = Number("gates_T", "sequence length T", 50, 10, 200, 10, slider=True)
HIDDEN = Number("gates_hidden", "hidden units", 32, 4, 128, 4)
STEPS = Number("gates_steps", "Adam steps", 600, 50, 3000, 50)
SEED = Number("gates_seed", "seed", 0, 0, 9999, 1)
EXAMPLE = Number("gates_example", "example (of 100 held-out sequences)", 0, 0, 99, 1, slider=True)
STEP_T = Number("gates_t", "step t of the exercise", 10, 1, 199, 1, slider=True)
FORCE_F = Toggle("gates_force_f", "force f(t+1) = 1", True)
FORCE_I = Toggle("gates_force_i", "force i(t+1) = 0", True)
FORCE_O = Toggle("gates_force_o", "force o(t) = 0", True)
CONTROLS = [T, HIDDEN, STEPS, SEED, EXAMPLE, STEP_T, FORCE_F, FORCE_I, FORCE_O]


MODEL = SessionModel("gates_model")


# Readings of a model, by who it is and its step (ui.models.reading_key) and the example: every
# session reads the shared default's 100 examples, so after the first reading of each, a move costs
# no model run (and no unpickled copy).
@st.cache_resource(max_entries=128, show_spinner=False)
def read_example(key: tuple, length: int, hidden: int, seed: int, index: int, _model: models.SequenceModel):
    """The gates on one example and both memory paths."""
    x, y = gates.example("adding", length, seed, index)
    view = gates.gate_view(_model, x, y)
    return view, gates.forget_path_log10(view.gates["f"]), gates.tanh_rnn_path(hidden, x, seed)


run_inside_app()
st.title("LSTM gates")
st.markdown(
    "Each LSTM unit is a memory block: a cell c that the gates write to (i), keep (f) and show (o). "
    "Below, an LSTM trained on the adding problem (two marked numbers in a long sequence; answer "
    "their sum), read step by step with the lecture's equations."
)
st.latex(
    r"\begin{pmatrix} i_t \\ f_t \\ o_t \\ g_t \end{pmatrix} = \begin{pmatrix} \sigma \\ \sigma \\ \sigma \\ \tanh "
    r"\end{pmatrix} W \begin{pmatrix} x_t \\ h_{t-1} \end{pmatrix},\qquad c_t = f_t \circ c_{t-1} + i_t \circ g_t,"
    r"\qquad h_t = o_t \circ \tanh(c_t)"
)
warn_about_bad_link(CONTROLS)
columns = st.columns(4)
length, hidden = int(widget(T, columns[0])), int(widget(HIDDEN, columns[1]))
steps, seed = int(widget(STEPS, columns[2])), int(widget(SEED, columns[3]))

settings = (length, hidden, steps, seed)
default = gates.DEFAULT
trainer = MODEL.get(settings, "lstm_gates", (default.T, default.model.hidden_size, default.steps, default.seed),
                    lambda: gates.trainer(length, hidden, steps, seed))  # fmt: skip
if not trainer.done:
    # Other settings than the default's train in this session, on a click (about 5 s for 600 steps).
    if not st.button("Train this LSTM", type="primary"):
        st.info(f"This LSTM is not trained yet: {steps} Adam steps on sequences of length {length}.")
        st.stop()
    training.set_threads(1)  # one core per training session, so that other sessions keep one
    bar = st.progress(0.0, text="Training the LSTM...")
    trainer = MODEL.own()
    while not trainer.done:
        trainer.step(25)
        bar.progress(trainer.step_count / steps, text=f"Training the LSTM: step {trainer.step_count} of {steps}")
    bar.empty()
if trainer.diverged:
    st.error(f"Training stopped: {trainer.diverged}")
    st.stop()
records = trainer.records()
st.caption(
    f"Trained {records.steps} Adam steps (batch {trainer.config.batch_size}, lr {trainer.config.lr}, clip "
    f"{trainer.config.clip}): test MSE {records.test_values[-1]:.4f}, against 1/6 = 0.1667 for always answering 1."
)


@st.fragment
def reading(trainer: training.Trainer, length: int, hidden: int, steps: int, seed: int) -> None:
    """One example read by the trained model (of these settings): a move of its controls reruns this alone."""
    st.subheader("The gates along one sequence")
    index = int(widget(EXAMPLE))
    with trainer.lock:
        view, forget_log10, rnn_norms = read_example(MODEL.reading_key(), length, hidden, seed, index, trainer.model)
    target_col, prediction_col = st.columns(2)
    target_col.metric("target: the sum of the two marked values", f"{view.target:.4f}")
    prediction_col.metric("the LSTM's answer", f"{view.prediction:.4f}", delta=f"{view.prediction - view.target:+.4f}")
    st.plotly_chart(figures.gate_heatmaps(view), width="stretch", key="gates_heatmaps")
    st.caption("One row per hidden unit. Look at the marked steps (red bars): the input gate opens to write, "
               "the forget gate stays near 1 in between to keep, and c carries the running sum to the end.")  # fmt: skip
    offer(view.table(), f"""
    from rnnviz import gates, models, training

    training.set_threads(1)  # the lab trains on one thread; the numbers match it
    config = training.TrainConfig(models.ModelConfig(kind="lstm", task="adding", hidden_size={hidden}), T={length},
                                  steps={steps}, seed={seed}, test_every={steps}, record_every={steps})
    trainer = training.Trainer(config, device="cpu")
    trainer.step({steps})  # about {max(1, round(steps / 120))} s
    view = gates.gate_view(trainer.model, *gates.example("adding", {length}, {seed}, {index}))
    table = view.table()  # one row per (t, unit): i, f, o, g, c, h
    """, name="lstm_gates")

    st.subheader("The memory cell's gradient path")
    st.plotly_chart(figures.memory_path(forget_log10, rnn_norms), width="stretch", key="gates_memory")
    st.caption("How much of a gradient at the last step reaches step t. Along the LSTM's cell it is the product "
               "of forget gates ∏ f: the units that hold the sum keep f near 1 and pass it back almost whole, "
               "others forget (shaded: the range over units). Through a tanh RNN of the same size at "
               "initialisation it is ‖dh_T/dh_t‖, which shrinks geometrically.")  # fmt: skip

    st.subheader("The lecture's exercise, live")
    st.markdown(
        r"If $f_{t+1} = 1$, $i_{t+1} = 0$ and $o_t = 0$, the memory cell's gradient passes through unmodified: "
        r"$\bar c_t = \bar c_{t+1}$. Force the gates below; autograd computes both on this example's loss."
    )
    t_col, f_col, i_col, o_col = st.columns([3, 1, 1, 1])
    t = min(int(widget(STEP_T, t_col)), length - 1)
    force_f, force_i, force_o = widget(FORCE_F, f_col), widget(FORCE_I, i_col), widget(FORCE_O, o_col)
    with trainer.lock:
        result = gates.exercise(trainer.model, *gates.example("adding", length, seed, index), t - 1, force_f, force_i,
                                force_o)  # fmt: skip
    st.plotly_chart(figures.exercise_bars(result), width="stretch", key="gates_exercise")
    same = result.largest_difference == 0.0
    (st.success if same else st.info)(
        f"Largest |c̄ at step {t} − c̄ at step {t + 1}| over the units: {result.largest_difference:.3g}"
        + (" — exactly equal, as the exercise says." if same else ". Force all three gates to make them equal.")
    )


reading(trainer, length, hidden, steps, seed)
