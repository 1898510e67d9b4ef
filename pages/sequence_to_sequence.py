"""Sequence to sequence: an encoder RNN reads the input into its final state, a decoder RNN with other
weights writes the output from it; trained live, read on a typed input, its memory mapped in 2D."""

import math
import threading

import streamlit as st

from rnnviz import seq2seq, training
from rnnviz.figures import seq2seq as figures
from ui.controls import Choice, Number, Text, Toggle, warn_about_bad_link, widget
from ui.live import Player
from ui.share import offer
from ui.shell import run_inside_app

TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
MAX_TRAINERS = 6  # models kept per session (the current one and the variants it is compared with)
TASK = Choice("s2s_task", "Task", seq2seq.TASKS, "dates",
              help="dates: '26 Nov 2026' -> '2026-11-26'; reverse a string; sort digits; execute a small program.")
LENGTH = Number("s2s_length", "Longest training string", 10, 2, 30, 1, slider=True,
                help="Training strings have 1 to this many characters; the held-out longer ones up to 5 more.")
DIGITS = Number("s2s_digits", "Most digits of a number", 2, 1, 4, 1,
                help="Programs use numbers of 1 to this many digits; the held-out longer ones one digit more.")
KIND = Choice("s2s_kind", "Encoder and decoder", seq2seq.KINDS, "gru")
ATTENTION = Choice("s2s_attention", "Attention", seq2seq.ATTENTIONS, "none",
                   help="none: the decoder sees the input only through the encoder's final state (the lecture). "
                        "dot / general / additive: Luong attention over every encoder state.")
REVERSE = Toggle("s2s_reverse", "Read the source backwards", False,
                 help="Sutskever et al. (2014): reversing the source brings the first words of the input close to "
                      "the first words of the output.")
HIDDEN = Number("s2s_hidden", "Hidden units", 128, 16, 256, 16)
STEPS = Number("s2s_steps", "Budget (training steps)", 800, 50, 10000, 50)
LR = Number("s2s_lr", "Learning rate (Adam)", 5e-3, 1e-5, 0.1, 1e-4, format="%.4g")
SEED = Number("s2s_seed", "Seed", 0, 0, 9999, 1, help="Fixes the initialisation, every batch and the test sets.")
STEP_SIZE = Number("s2s_step_size", "Steps per press of Step", 50, 1, 1000, 1)
BEAM = Number("s2s_beam", "Beam width", 1, 1, seq2seq.MAX_BEAM, 1, help="1: greedy decoding.")
EXAMPLES = {"dates": "Thursday, 26 November 2026", "reverse": "recurrent", "sort": "31415926",
            "execute": "a=12;for x in range(3):a+=7;print(a-5)"}  # fmt: skip
INPUT = {task: Text(f"s2s_input_{task}", "Type an input", EXAMPLES[task], max_chars=200) for task in seq2seq.TASKS}
COLOUR = {task: Choice(f"s2s_colour_{task}", "Colour by", seq2seq.PROPERTIES[task], seq2seq.PROPERTIES[task][0])
          for task in seq2seq.TASKS}  # fmt: skip
CONTROLS = [TASK, LENGTH, DIGITS, KIND, ATTENTION, REVERSE, HIDDEN, STEPS, LR, SEED, STEP_SIZE, BEAM,
            *INPUT.values(), *COLOUR.values()]  # fmt: skip
PLAYER = Player("s2s")
DEFAULT = seq2seq.Seq2SeqConfig(task=TASK.default, length=0, kind=KIND.default, hidden_size=HIDDEN.default,
                                attention=ATTENTION.default, reverse_source=REVERSE.default, steps=STEPS.default,
                                lr=LR.default, seed=SEED.default)  # fmt: skip


@st.cache_resource(max_entries=1)
def default_slot() -> tuple[dict, threading.Lock]:
    """The default model's place, shared by every session; trained once, under its lock."""
    return {}, threading.Lock()


def default_trainer() -> seq2seq.Trainer:
    """The default date model, trained on the first visit with a progress bar (others wait for it)."""
    place, lock = default_slot()
    if "trainer" not in place:
        bar = st.progress(0.0, text="Training the default date model (first visit only)...")
        with lock:
            if "trainer" not in place:
                trainer = seq2seq.Trainer(DEFAULT)

                def report(loop: training.Loop) -> None:
                    if loop.step_count % 10 == 0:
                        bar.progress(loop.step_count / DEFAULT.steps, text=f"Training the default date model, "
                                     f"shared by every visitor: step {loop.step_count} of {DEFAULT.steps}")  # fmt: skip

                trainer.step(DEFAULT.steps, on_progress=report)
                place["trainer"] = trainer
        bar.empty()
    return place["trainer"]


def session_trainer(config: seq2seq.Seq2SeqConfig) -> seq2seq.Trainer:
    """This session's live trainer of the config (made at step 0 on first use); the oldest other
    trainers are dropped beyond MAX_TRAINERS."""
    trainers = st.session_state.setdefault("s2s_trainers", {})
    if config not in trainers:
        trainers[config] = seq2seq.Trainer(config)
        for old in [c for c in trainers if c != config][: max(0, len(trainers) - MAX_TRAINERS)]:
            del trainers[old]
    return trainers[config]


def find_trainer(config: seq2seq.Seq2SeqConfig) -> seq2seq.Trainer | None:
    """The trained (or training) model of the config, in this session or shared, if there is one."""
    mine = st.session_state.get("s2s_trainers", {}).get(config)
    return default_slot()[0].get("trainer") if config == DEFAULT and mine is None else mine


def step_once(trainer: seq2seq.Trainer, n: int) -> None:
    PLAYER.pause()
    with trainer.lock:
        trainer.step(n)


def restart(config: seq2seq.Seq2SeqConfig) -> None:
    PLAYER.pause()
    st.session_state.get("s2s_trainers", {}).pop(config, None)


def percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{100 * value:.1f}%"


run_inside_app()
training.set_threads(1)
st.title("Sequence to sequence: an encoder and a decoder")
st.markdown(
    "Translation, as the lecture ends: the **encoder** reads the input one character at a time and memorizes it "
    "in its hidden state; when it reaches the end, the **decoder**, a different network with different weights, "
    "starts from that state on a start token and writes the output one character at a time, each fed back in, "
    "until it writes `<eos>`. Here the translation is small: dates written many ways into ISO form, strings "
    "reversed or sorted, and tiny programs mapped to what they print (Zaremba and Sutskever's *learning to "
    "execute*). Everything the decoder knows about the input must pass through one fixed-size vector, unless "
    "it may look back with **attention**."
)
warn_about_bad_link(CONTROLS)
columns = st.columns([3, 2, 2])
task = widget(TASK, columns[0])
if task in ("reverse", "sort"):
    length = int(widget(LENGTH, columns[1]))
elif task == "execute":
    length = int(widget(DIGITS, columns[1]))
else:
    length = 0
    columns[1].caption("Dates are written in 12 ways, a fifth of them in lower case; every 10th day of the "
                       "calendar is kept out of training.")  # fmt: skip
kind = widget(KIND, columns[2])
columns = st.columns([3, 2, 2])
attention, reverse = widget(ATTENTION, columns[0]), widget(REVERSE, columns[1])
hidden = int(widget(HIDDEN, columns[2]))
with st.expander("Budget, learning rate and seed"):
    columns = st.columns(3)
    budget, lr, seed = int(widget(STEPS, columns[0])), float(widget(LR, columns[1])), int(widget(SEED, columns[2]))
config = seq2seq.Seq2SeqConfig(task=task, length=length, kind=kind, hidden_size=hidden, attention=attention,
                               reverse_source=reverse, steps=budget, lr=lr, seed=seed)  # fmt: skip
name = f"{seq2seq.KIND_NAMES[kind]} encoder-decoder ({config.variant})"

st.subheader("Training")
if config == DEFAULT:
    trainer = default_trainer()
    st.caption(f"The default model: a {name} on dates, trained once for {DEFAULT.steps} steps of 64 pairs "
               f"({trainer.seconds:.0f} s) and shared by every visitor. Change any setting to train your own "
               "live.")  # fmt: skip
else:
    trainer = session_trainer(config)
    if st.session_state.get("s2s_config") != config:  # another setting: paused
        st.session_state["s2s_config"] = config
        PLAYER.pause()
    play_col, step_col, size_col, restart_col = st.columns(4, vertical_alignment="bottom")
    PLAYER.button(play_col, disabled=trainer.done)
    step_size = int(widget(STEP_SIZE, size_col))
    step_col.button("Step", key="s2s_step", on_click=step_once, args=(trainer, step_size),
                    icon=":material/skip_next:", width="stretch", disabled=trainer.done)  # fmt: skip
    restart_col.button("Restart", key="s2s_restart", on_click=restart, args=(config,), icon=":material/replay:",
                       width="stretch")  # fmt: skip


def comparison() -> list[tuple[str, seq2seq.LengthAccuracy]]:
    """Accuracy by length of this model and of its plain / reversed / attention variants that exist."""
    with trainer.lock:
        step, accuracy = trainer.by_length()
    curves = [(f"{config.variant} (this model, step {step})", accuracy)]
    for other in config.variants():
        found = find_trainer(other)
        if other != config and found is not None and found.step_count > 0:
            with found.lock:
                step, accuracy = found.by_length()
            curves.append((f"{other.variant} (step {step})", accuracy))
    return curves


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view() -> None:
    # Draw first, then train: the charts stay fresh for the whole tick instead of greyed out while the
    # model trains; what the training did is drawn at the start of the next tick.
    with trainer.lock:  # the page's main run may read the model at the same time
        step = trainer.step_count
        curves = figures.training_curves(range(1, len(trainer.losses) + 1), trainer.losses, trainer.test_steps,
                                         trainer.test_losses, trainer.test_exact, trainer.test_chars,
                                         trainer.longer_exact)  # fmt: skip
        status, diverged = trainer.status(), trainer.diverged
        latest = (trainer.test_exact[-1:] or [float("nan")])[0], (trainer.test_chars[-1:] or [float("nan")])[0]
        longer = (trainer.longer_exact[-1:] or [float("nan")])[0]
    st.progress(min(step / budget, 1.0) if budget else 1.0, text=f"step {step} of {budget}: {status.split(':', 1)[0]}")
    if diverged is not None:
        st.warning(f"Training stopped at {diverged}. Try a smaller learning rate.")
    if step == 0 and not PLAYER.playing():
        st.info(f"Press Play to train this {name} live, or Step. On dates a GRU gets most held-out dates right "
                "after about 700 steps (25 to 45 s here).")  # fmt: skip
    metrics = st.columns(3)
    metrics[0].metric("held-out exact match", percent(latest[0]))
    metrics[1].metric("held-out per character", percent(latest[1]))
    metrics[2].metric("longer inputs, exact match", "—" if task == "dates" else percent(longer))
    st.plotly_chart(curves, width="stretch", key="s2s_curves")
    st.caption("Left: cross-entropy per output character on each training batch (grey, teacher forcing) and on "
               "held-out pairs (black). Right: what greedy decoding gets right on the held-out pairs: whole "
               "outputs (exact match), characters at their place, and whole outputs for inputs longer than any "
               "seen in training.")  # fmt: skip
    st.plotly_chart(figures.accuracy_by_length(comparison()), width="stretch", key="s2s_by_length")
    st.caption("Exact match against the input's length, on held-out inputs. Without attention every input, short "
               "or long, must fit in the same fixed-size state; the longer it is, the more the plain model loses. "
               "Past the dashed line the models never saw inputs that long.")  # fmt: skip
    if PLAYER.playing():
        with trainer.lock:
            trainer.train_for(WORK_S, keep_going=PLAYER.playing)  # stops within a step when paused
            finished = trainer.done
        if finished:
            PLAYER.pause()
            st.rerun(scope="app")  # draws the end; the Play button comes back and the timer stops


live_view()
missing = [c for c in config.variants()
           if c != config and (find_trainer(c) is None or find_trainer(c).step_count < trainer.step_count)]
if missing and trainer.step_count > 0 and st.button(
    f"Train the {' and '.join(c.variant for c in missing)} variant{'s' if len(missing) > 1 else ''} to step "
    f"{trainer.step_count} too, for the comparison", key="s2s_variants", disabled=PLAYER.playing()
):
    bar = st.progress(0.0, text="Training the variants...")
    for i, other in enumerate(missing):
        other_trainer = session_trainer(other)
        target = trainer.step_count

        def report(loop: training.Loop, i: int = i, label: str = other.variant, target: int = target) -> None:
            if loop.step_count % 10 == 0:
                bar.progress(min((i + loop.step_count / target) / len(missing), 1.0),
                             text=f"Training the {label} variant: step {loop.step_count} of {target}")  # fmt: skip

        with other_trainer.lock:
            other_trainer.step(max(0, target - other_trainer.step_count), on_progress=report)
    bar.empty()
    st.rerun()

st.subheader("Type an input")
columns = st.columns([4, 1])
text = widget(INPUT[task], columns[0])
beam = int(widget(BEAM, columns[1]))
try:
    with trainer.lock:
        reading = trainer.memo(("read", text, beam), lambda: seq2seq.read(trainer.model, config, text, beam))
        read_step = trainer.step_count
except ValueError as error:
    reading = None
    st.error(str(error))
if reading is not None:
    longest = seq2seq.longest_training_input(config)
    if longest is not None and len(reading.source) > longest:
        st.warning(f"This input has {len(reading.source)} characters; no training input had more than {longest}.")
    verdict = "" if reading.finished else f" (no `<eos>` within {len(reading.tokens)} characters: cut there)"
    search = "greedy decoding" if beam == 1 else f"beam search of width {beam}"
    st.markdown(f"**{reading.source}** → **`{reading.output}`**{verdict}: {search}, log-probability "
                f"{reading.log_probability:.2f}, the model at step {read_step}.")  # fmt: skip
    st.plotly_chart(figures.decoding_steps(reading), width="stretch", key="s2s_decoding")
    st.caption("At each output step, the decoder's five most probable next characters given what it has written "
               "so far, with their probabilities; it writes the top one (greedy), or the one that keeps the whole "
               "output most probable (beam search).")  # fmt: skip
    st.plotly_chart(figures.encoder_states(reading), width="stretch", key="s2s_encoder")
    st.caption("The encoder's hidden state after each character it reads" +
               (", the input reversed" if config.reverse_source else "") +
               ". The last column is all the plain decoder gets.")  # fmt: skip
    if reading.alignment is not None:
        st.plotly_chart(figures.alignment(reading), width="stretch", key="s2s_alignment")
        st.caption("Attention: while writing each output character (rows), how much the decoder reads each "
                   "encoder state (columns); each row sums to 1.")  # fmt: skip

    snippet = f"""
from rnnviz import seq2seq, training

training.set_threads(1)  # as the page: one thread, so the numbers match exactly
config = seq2seq.Seq2SeqConfig(task={task!r}, length={length}, kind={kind!r}, hidden_size={hidden},
                               attention={attention!r}, reverse_source={reverse}, steps={budget},
                               lr={lr!r}, seed={seed})
trainer = seq2seq.train(config, steps={read_step})  # retrains the model: about {max(1, round(read_step / 30))} s
reading = seq2seq.read(trainer.model, config, {reading.source!r}, beam_width={beam})
table = seq2seq.reading_table(reading)
"""

st.subheader("What the memory holds")
colour = widget(COLOUR[task])
with trainer.lock:
    memory = trainer.memo("memory map", lambda: seq2seq.memory_map(trainer.model, config))
st.plotly_chart(figures.memory_map(memory, colour), width="stretch", key="s2s_memory")
st.caption(f"The encoder's final state, the memory the decoder starts from, for {len(memory.sources)} held-out "
           "inputs, projected on its two principal axes (PCA). Colour it by what the input means or by its form: "
           "the axes show what the memory spreads out most. For dates the first axis is the century, 19xx or "
           "20xx, the first thing the decoder must write; hover a point to see its input.")  # fmt: skip
if reading is not None:  # the decoded steps of the typed input, and how to get them in a notebook
    offer(seq2seq.reading_table(reading), snippet, name="seq2seq")
