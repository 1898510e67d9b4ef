"""Long-term dependencies: a tanh RNN, an IRNN and an LSTM (and a GRU) side by side: the recorded runs
of the defaults and of the lecture's settings at once, a fresh copy trained live on Play."""

import threading

import streamlit as st

from rnnviz import long_term, models, training
from rnnviz.figures import training as figures
from ui.controls import Choice, Number, Toggle, set_values, warn_about_bad_link, widget, widgets
from ui.live import Player
from ui.models import SessionModel, shared
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
TC, MC = training.TrainConfig, models.ModelConfig  # their fields' settings give these controls labels, ranges, help
TASK, HIDDEN = Choice.of(MC, "task", "ltd_task"), Number.of(MC, "hidden_size", "ltd_hidden")
T = Number("ltd_T", "Length T", 100, long_term.LENGTHS.start, long_term.LENGTHS.stop - 1, 1, slider=True)
STEPS, SEED, OPTIMIZER = Number.of(TC, "steps", "ltd_steps"), Number.of(TC, "seed", "ltd_seed"), Choice.of(TC, "optimizer", "ltd_optimizer")
GRU = Toggle("ltd_gru", "Also train a GRU", False)
STEP_SIZE = Number("ltd_step_size", "Steps per press of Step", 25, 1, 500, 1)
LR = {kind: Number.of(TC, "lr", f"ltd_lr_{kind}", default=training.DEFAULT_LR[kind], format="%.4g") for kind in models.KINDS}
CLIP = {kind: Number.of(TC, "clip", f"ltd_clip_{kind}", format="%.4g") for kind in models.KINDS}
CONTROLS = [TASK, T, HIDDEN, STEPS, SEED, OPTIMIZER, GRU, STEP_SIZE, *LR.values(), *CLIP.values()]
# fmt: on
PLAYER = Player("ltd")
MODELS = {kind: SessionModel(f"ltd_model_{kind}") for kind in models.KINDS}
LECTURE = long_term.LECTURE["irnn"]  # the preset: every other setting at its default
PRESET = {c.key: c.default for c in CONTROLS if c is not STEP_SIZE} | {
    T.key: LECTURE.T,
    STEPS.key: LECTURE.steps,
}


def session_models(configs: dict, names: list[str] | None, run: int) -> list[training.Trainer]:
    """The models of these settings: run 0 is their recording (the shared defaults `names`, ui.models.shared)
    if every model has one; any other run, and any settings without one for every model, this
    session's own models, from step 0 (ui.models.SessionModel)."""
    recording = names is not None and run == 0
    return [
        MODELS[kind].get(
            (config, run, recording),
            name,
            (config, 0, True),
            lambda c=config: training.Trainer(c, device="cpu"),
        )
        for (kind, config), name in zip(configs.items(), names or [None] * len(configs))
    ]


def ask_steps(n: int) -> None:
    st.session_state["ltd_asked_steps"] = n


def restart() -> None:
    st.session_state["ltd_run"] = st.session_state.get("ltd_run", 0) + 1


def lecture() -> None:
    set_values(PRESET)
    st.session_state["ltd_run"] = 0  # its recording, even if this session has trained at these settings


@st.cache_resource(max_entries=4, show_spinner=False)
def recorded_readings(names: tuple[str, ...]):
    """The recorded runs' histories and summary rows, read once per process (they never change)."""
    return long_term.readings([shared(name) for name in names])


run_inside_app()
training.set_threads(1)
st.title("Long-term dependencies: identity initialization and the LSTM")
st.markdown(
    "Gradient clipping tames exploding gradients but not vanishing ones. Two fixes from the lecture, "
    "trained on the same data from the same seed: start the recurrence at the identity, with ReLU "
    "units (the IRNN of Le, Jaitly and Hinton, 2015), or change the architecture so that a memory cell "
    r"carries its value forward, $c_t = f_t \circ c_{t-1} + i_t \circ g_t$ (the LSTM). The defaults and "
    "the lecture's settings open on runs recorded ahead of time; Play trains a fresh copy here, from step 0."
)
warn_about_bad_link(CONTROLS)
chosen = widgets(
    {"task": TASK, "T": T, "hidden_size": HIDDEN, "steps": STEPS, "seed": SEED}, st.columns([2, 3, 1, 1, 1])
)
task, T_value, budget = chosen["task"], chosen["T"], chosen["steps"]
with st.expander("Optimizer, learning rates and clipping, per model"):
    kinds = list(long_term.SHOWN) + (["gru"] if widget(GRU) else [])
    optimizer = widget(OPTIMIZER)
    lr, clip = {}, {}
    for kind, column in zip(kinds, st.columns(len(kinds))):
        column.markdown(f"**{models.KIND_NAMES[kind]}**")
        lr[kind], clip[kind] = widget(LR[kind], column), widget(CLIP[kind], column)
configs = long_term.configs(kinds, **chosen, lr=lr, clip=clip, optimizer=optimizer)
names, refused = long_term.recorded(configs), long_term.refusal(configs)  # refused: a round > a tick
if st.session_state.get("ltd_configs") != configs or refused:  # new settings: their recording, if any
    st.session_state["ltd_configs"], st.session_state["ltd_run"] = configs, 0
    PLAYER.pause()  # refused settings never train: Play and Step are off, and a forged click asks for 0 steps
asked = st.session_state.pop("ltd_asked_steps", 0) * (refused is None)
if (asked or PLAYER.playing()) and st.session_state["ltd_run"] == 0:
    # Play and Step train a fresh copy from step 0, never the shared recording
    st.session_state["ltd_run"] = 1
loops = session_models(configs, names, st.session_state["ltd_run"])
recording = names is not None and st.session_state["ltd_run"] == 0
# in slices that take turns with other sessions' training
while asked and not all(loop.done for loop in loops):
    with st.session_state.setdefault("ltd_lock", threading.Lock()):  # one training of this session at a time
        asked -= training.train_together(loops, WORK_S, max_steps=asked)

help_text = "New models of these settings, from step 0."
(lecture_col,) = PLAYER.controls(
    STEP_SIZE, ask_steps, restart, bool(refused), help_text, widths=(1, 1, 1, 1, 2)
)
lecture_col.button(
    f"Lecture: {LECTURE.steps:,} steps, the IRNN leaves the baseline",
    key="ltd_lecture",
    on_click=lecture,
    icon=":material/school:",
    width="stretch",
)


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view(loops: list[training.Trainer], names: list[str] | None, recording: bool, refused: str | None):
    # Draw first, then train: the charts are fresh for the whole tick instead of greyed out while
    # the models train; what the training did is drawn at the start of the next tick.
    histories, rows = recorded_readings(tuple(names)) if recording else long_term.readings(loops)
    step, baseline = max(len(h.losses) for h in histories), models.baseline(task, T_value)
    st.progress(min(step / budget, 1.0) if budget else 1.0, text=f"step {step} of {budget}")
    if recording:
        st.info(long_term.recording_text(histories, baseline))
    elif refused:  # too large for a live tick: said instead of "Press Play"
        st.warning(refused)
    elif step == 0 and not PLAYER.playing():
        st.info("Press Play: the models train side by side on the same batches.")
    for history in histories:
        if history.diverged is not None:
            st.warning(f"{history.name} stopped at {history.diverged}; the others go on.")

    st.plotly_chart(
        figures.loss_curves(histories, baseline, models.BASELINE_NAMES[task], models.LOSS_NAMES[task]),
        width="stretch",
        key="ltd_loss",
    )
    st.caption(
        "Loss of each model on its training batch (faint) and on a fixed test set (bold), on a log "
        "axis: a model that has learned nothing stays on the dashed baseline."
    )
    horizon_col, init_col = st.columns([3, 1], gap="medium")
    untrained = (
        "nothing trains at these settings (see above)"
        if refused
        else "drawn once the models have taken their first step (Play or Step)"
    )
    if any(len(history.horizon_steps) for history in histories):
        horizon_col.plotly_chart(figures.gradient_horizon(histories), width="stretch", key="ltd_horizon")
    else:  # no recording at these settings, and no step yet
        horizon_col.info(f"The gradient horizon: {untrained}.")
    horizon_col.caption(
        "The gradient horizon: how strongly the loss depends on the hidden state of each time "
        "step t, as training goes on (down); where it is dark, the gradient does not reach."
    )
    init_col.plotly_chart(figures.jacobian_at_init(histories), width="stretch", key="ltd_jacobian")
    init_col.caption(
        "‖dh_L/dhₜ‖ at initialisation on one sequence: the lecture's product of Jacobians "
        "(for the LSTM through hₜ, with cₜ held fixed)."
    )
    st.subheader("The gradient ledger: where the update of W_hh comes from")
    marked, recorded = (
        long_term.probe_marked_steps(next(iter(configs.values()))),
        any(len(h.ledgers) for h in histories),
    )
    ledger_col, marked_col = st.columns([3, 2], gap="large")
    if recorded:
        ledger_col.plotly_chart(figures.gradient_ledger(histories, marked), width="stretch", key="ltd_ledger")
        if task in long_term.MARKED:
            marked_col.plotly_chart(
                figures.marked_shares(histories, marked, long_term.MARKED[task]),
                width="stretch",
                key="ltd_marked",
            )
    else:
        ledger_col.info(f"The ledger: {untrained}.")
    ledger_col.caption(
        "dL/dW_hh is a sum of one term per time step t (W_hh is used at every step): each term's "
        "norm as a share of all the terms' norms, by its lag k = L − t from the loss, on one probe sequence, as "
        "training goes on (down); dotted, the lags of its marked inputs."
    )
    marked_col.caption(long_term.ledger_text(histories, marked, task))
    st.dataframe(rows, hide_index=True)
    snippet = long_term.reproduce(configs, names if recording else None, step)
    offer(training.test_loss_table(histories), snippet, name="long_term")

    if PLAYER.playing() and not recording:
        with st.session_state.setdefault("ltd_lock", threading.Lock()):
            # stops within a step when paused
            training.train_together(loops, WORK_S, keep_going=PLAYER.playing)
        if all(loop.done for loop in loops):
            PLAYER.pause()
            st.rerun(scope="app")  # draws the end; the Play button comes back and the timer stops


live_view(loops, names, recording, refused)
st.markdown(long_term.default_run_text())
