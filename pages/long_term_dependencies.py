"""Long-term dependencies: a tanh RNN, an IRNN and an LSTM (and a GRU) trained live, side by side."""

import streamlit as st

from rnnviz import models, training
from rnnviz.figures import training as figures
from ui.controls import Choice, Number, Toggle, warn_about_bad_link, widget
from ui.live import Player
from ui.share import offer
from ui.shell import run_inside_app

TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
TASK = Choice("ltd_task", "Task", models.TASKS, "adding")
T = Number("ltd_T", "Length T", 100, 10, 200, 1, slider=True)
HIDDEN = Number("ltd_hidden", "Hidden units", 64, 4, 128, 4)
STEPS = Number("ltd_steps", "Budget (training steps)", 1500, 10, 5000, 10)
SEED = Number("ltd_seed", "Seed", 0, 0, 9999, 1, help="Fixes every model's initialisation, the batches, the test set.")
OPTIMIZER = Choice("ltd_optimizer", "Optimizer", training.OPTIMIZERS, "adam")
GRU = Toggle("ltd_gru", "Also train a GRU", False)
STEP_SIZE = Number("ltd_step_size", "Steps per press of Step", 25, 1, 500, 1)
LR = {kind: Number(f"ltd_lr_{kind}", "learning rate", training.DEFAULT_LR[kind], 1e-6, 100.0, 1e-4, format="%.4g")
      for kind in models.KINDS}  # fmt: skip
CLIP = {kind: Number(f"ltd_clip_{kind}", "clip at norm", training.DEFAULT_CLIP, 0.0, 1e4, 0.1, format="%.4g",
                     help="Gradients longer than this are scaled down to it; 0 switches clipping off.")
        for kind in models.KINDS}  # fmt: skip
CONTROLS = [TASK, T, HIDDEN, STEPS, SEED, OPTIMIZER, GRU, STEP_SIZE, *LR.values(), *CLIP.values()]
PLAYER = Player("ltd")


def step_all(n: int) -> None:
    PLAYER.pause()
    st.session_state["ltd_comparison"].train(max_steps=n)


def restart() -> None:
    st.session_state.pop("ltd_configs", None)


run_inside_app()
training.set_threads(1)
st.title("Long-term dependencies: identity initialization and the LSTM")
st.markdown(
    "Gradient clipping tames exploding gradients but not vanishing ones. Two fixes from the lecture, "
    "trained live on the same data from the same seed: start the recurrence at the identity, with ReLU "
    "units (the IRNN of Le, Jaitly and Hinton, 2015), or change the architecture so that a memory cell "
    r"carries its value forward, $c_t = f_t \circ c_{t-1} + i_t \circ g_t$ (the LSTM)."
)
warn_about_bad_link(CONTROLS)
columns = st.columns([2, 3, 1, 1, 1])
task, T_value = widget(TASK, columns[0]), int(widget(T, columns[1]))
hidden, budget, seed = int(widget(HIDDEN, columns[2])), int(widget(STEPS, columns[3])), int(widget(SEED, columns[4]))
with st.expander("Optimizer, learning rates and clipping, per model"):
    kinds = ["rnn", "irnn", "lstm"] + (["gru"] if widget(GRU) else [])
    optimizer = widget(OPTIMIZER)
    model_columns = st.columns(len(kinds))
    for kind, column in zip(kinds, model_columns):
        column.markdown(f"**{models.KIND_NAMES[kind]}**")
    lr = {kind: widget(LR[kind], column) for kind, column in zip(kinds, model_columns)}
    clip = {kind: widget(CLIP[kind], column) for kind, column in zip(kinds, model_columns)}
configs = training.side_by_side(kinds, task, T_value, hidden, lr, clip, steps=budget, seed=seed, optimizer=optimizer)
if st.session_state.get("ltd_configs") != configs:  # a new setting: new models, from step 0, paused
    st.session_state["ltd_configs"] = configs
    st.session_state["ltd_comparison"] = training.Comparison(configs)
    PLAYER.pause()
comparison = st.session_state["ltd_comparison"]

play_col, step_col, size_col, restart_col = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
PLAYER.button(play_col)
step_size = int(widget(STEP_SIZE, size_col))
step_col.button("Step", key="ltd_step", on_click=step_all, args=(step_size,), icon=":material/skip_next:", width="stretch")
restart_col.button("Restart", key="ltd_restart", on_click=restart, icon=":material/replay:", width="stretch")


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view() -> None:
    # Draw first, then train: the charts are fresh for the whole tick instead of greyed out while
    # the models train; what the training did is drawn at the start of the next tick.
    step = comparison.step_count
    st.progress(min(step / budget, 1.0) if budget else 1.0, text=f"step {step} of {budget}")
    if step == 0 and not PLAYER.playing():
        st.info("Press Play: the models train side by side on the same batches. At the defaults the LSTM "
                "leaves the baseline after about 700 steps (about 45 s here); the others stay on it.")  # fmt: skip
    histories = comparison.histories()
    for history in histories:
        if history.diverged is not None:
            st.warning(f"{history.name} stopped at {history.diverged}; the others go on.")

    st.plotly_chart(figures.loss_curves(histories, models.baseline(task, T_value), models.BASELINE_NAMES[task],
                                        models.LOSS_NAMES[task]), width="stretch", key="ltd_loss")  # fmt: skip
    st.caption("Loss of each model on its training batch (faint) and on a fixed test set (bold), on a log "
               "axis: a model that has learned nothing stays on the dashed baseline.")  # fmt: skip
    horizon_col, init_col = st.columns([3, 1], gap="medium")
    horizon_col.plotly_chart(figures.gradient_horizon(histories), width="stretch", key="ltd_horizon")
    horizon_col.caption("The gradient horizon: how strongly the loss depends on the hidden state of each time "
                        "step t, as training goes on (down); where it is dark, the gradient does not reach.")  # fmt: skip
    init_col.plotly_chart(figures.jacobian_at_init(histories), width="stretch", key="ltd_jacobian")
    init_col.caption("‖dh_L/dhₜ‖ at initialisation on one sequence: the lecture's product of Jacobians "
                     "(for the LSTM through hₜ, with cₜ held fixed).")  # fmt: skip
    st.dataframe(comparison.summaries(), hide_index=True)
    offer(training.test_loss_table(histories), f"""
from rnnviz import training

training.set_threads(1)  # the lab trains on one thread; the numbers match it
configs = training.side_by_side({kinds!r}, {task!r}, {T_value}, {hidden}, lr={lr!r}, clip={clip!r},
                                steps={budget}, seed={seed}, optimizer={optimizer!r})
comparison = training.Comparison(configs, device="cpu")
comparison.train(max_steps={step})  # the page's step {step}
table = training.test_loss_table(comparison.histories())
""", name="long_term")

    if PLAYER.playing():
        comparison.train(seconds=WORK_S, keep_going=PLAYER.playing)  # stops within a step when paused
        if comparison.done:
            PLAYER.pause()
            st.rerun(scope="app")  # draws the end; the Play button comes back and the timer stops


live_view()
