"""Sequence to sequence: an encoder RNN reads the input into its final state, a decoder RNN with other
weights writes the output from it. Opens on the shipped date model; other settings train live; a
typed input decoded step by step; the memory mapped in 2D."""

import math

import streamlit as st

from rnnviz import seq2seq, training
from rnnviz.figures import seq2seq as figures
from ui.controls import Choice, Number, Text, Toggle, warn_about_bad_link, widget
from ui.live import Player
from ui.models import SessionModel, shared
from ui.share import offer
from ui.shell import run_inside_app

TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
D = seq2seq.DEFAULT
TASK = Choice("s2s_task", "Task", seq2seq.TASKS, D.task,
              help="dates: '26 Nov 2026' -> '2026-11-26', written 12 ways, a fifth in lower case, every 10th day of "
                   "the calendar kept out of training; reverse a string; sort digits; execute a small program.")
LENGTH = Number("s2s_length", "Longest training string", seq2seq.REVERSE_DEFAULT.length, 2, 30, 1, slider=True,
                help="Training strings have 1 to this many characters; the held-out longer ones up to 5 more.")
DIGITS = Number("s2s_digits", "Most digits of a number", 2, 1, 4, 1,
                help="Programs use numbers of 1 to this many digits; the held-out longer ones one digit more.")
KIND = Choice("s2s_kind", "Encoder and decoder", seq2seq.KINDS, D.kind)
ATTENTION = Choice("s2s_attention", "Attention", seq2seq.ATTENTIONS, D.attention,
                   help="none: the decoder sees the input only through the encoder's final state (the lecture). "
                        "dot / general / additive: Luong attention over every encoder state.")
REVERSE = Toggle("s2s_reverse", "Read the source backwards", D.reverse_source,
                 help="Sutskever et al. (2014): it brings the input's first words close to the output's first.")
HIDDEN = Number("s2s_hidden", "Hidden units", D.hidden_size, 16, 256, 16)
STEPS = Number("s2s_steps", "Budget (training steps)", D.steps, 50, 10000, 50,
               help="The learning rate falls on a cosine to a tenth over the budget.")
LR = Number("s2s_lr", "Learning rate (Adam)", D.lr, 1e-5, 0.1, 1e-4, format="%.4g")
SEED = Number("s2s_seed", "Seed", D.seed, 0, 9999, 1, help="Fixes the initialisation, every batch and the test sets.")
STEP_SIZE = Number("s2s_step_size", "Steps per press of Step", 50, 1, 1000, 1)
BEAM = Number("s2s_beam", "Beam width", 1, 1, seq2seq.MAX_BEAM, 1, help="1: greedy decoding.")
NORMALIZE = Toggle("s2s_normalize", "Per character", False,
                   help="Beam search: rank the finished outputs by log-probability per character (<eos> included) "
                        "instead of in total, which favours short outputs.")
EXAMPLES = {"dates": "Thursday, 26 November 2026", "reverse": "recurrent", "sort": "31415926",
            "execute": "a=12;for x in range(3):a+=7;print(a-5)"}  # fmt: skip
INPUT = {task: Text(f"s2s_input_{task}", "Type an input", EXAMPLES[task], max_chars=200) for task in seq2seq.TASKS}
COLOUR = {task: Choice(f"s2s_colour_{task}", "Colour by", seq2seq.PROPERTIES[task], seq2seq.PROPERTIES[task][0])
          for task in seq2seq.TASKS}  # fmt: skip
CONTROLS = [TASK, LENGTH, DIGITS, KIND, ATTENTION, REVERSE, HIDDEN, STEPS, LR, SEED, STEP_SIZE, BEAM, NORMALIZE,
            *INPUT.values(), *COLOUR.values()]  # fmt: skip
PLAYER = Player("s2s")
MODEL = SessionModel("s2s_model")


# Readings of a model, by who it is and its step (ui.models reading_key): each is computed once per
# model and step, and shared by every session that reads the same shipped model.
@st.cache_resource(max_entries=64, show_spinner=False)
def decoding(key: tuple, config: seq2seq.Seq2SeqConfig, text: str, beam: int, alpha: float,
             _loop: seq2seq.Seq2SeqLoop) -> seq2seq.Reading:  # fmt: skip
    with _loop.lock:
        return seq2seq.read(_loop.model, config, text, beam, length_alpha=alpha)


@st.cache_resource(max_entries=16, show_spinner=False)
def memory(key: tuple, config: seq2seq.Seq2SeqConfig, _loop: seq2seq.Seq2SeqLoop) -> seq2seq.MemoryMap:
    with _loop.lock:
        return seq2seq.memory_map(_loop.model, config)


def variants(config: seq2seq.Seq2SeqConfig) -> list[tuple[seq2seq.Seq2SeqConfig, str, seq2seq.Seq2SeqLoop | None]]:
    """The plain / reversed / attention variants of the config but itself: (settings, whose, model): the
    model shipped at those settings, else this session's (trained on a click), else None."""
    own = st.session_state.setdefault("s2s_variant_models", {})
    for old in [c for c in own if c not in config.variants()]:
        del own[old]
    named = [(c, seq2seq.default_name(c)) for c in config.variants() if c != config]
    return [(c, "shipped" if name else "yours", shared(name) if name else own.get(c)) for c, name in named]


def step_once(n: int) -> None:
    PLAYER.pause()
    MODEL.own().step(n)  # the session's own model: a copy of the shipped one if it was that


def restart() -> None:
    PLAYER.pause()
    MODEL.restart()


run_inside_app()
training.set_threads(1)
st.title("Sequence to sequence: an encoder and a decoder")
st.markdown(
    "Translation, as the lecture ends: the **encoder** reads the input one character at a time into its hidden "
    "state; the **decoder**, a different network with different weights, starts from that state on a start token "
    "and writes the output one character at a time, each fed back in, until it writes `<eos>`. Here the "
    "translations are small: dates written many ways into ISO form, strings reversed or sorted, tiny programs "
    "mapped to what they print (Zaremba and Sutskever's *learning to execute*). Everything the decoder knows about "
    "the input passes through one fixed-size vector, unless it may look back with **attention**."
)
warn_about_bad_link(CONTROLS)
columns = st.columns([3, 2, 2])
task, kind = widget(TASK, columns[0]), widget(KIND, columns[2])
length = {"reverse": LENGTH, "sort": LENGTH, "execute": DIGITS}.get(task)
length = 0 if length is None else int(widget(length, columns[1]))
columns = st.columns([3, 2, 2])
attention, reverse = widget(ATTENTION, columns[0]), widget(REVERSE, columns[1])
hidden = int(widget(HIDDEN, columns[2]))
with st.expander("Budget, learning rate and seed"):
    columns = st.columns(3)
    budget, lr, seed = int(widget(STEPS, columns[0])), float(widget(LR, columns[1])), int(widget(SEED, columns[2]))
config = seq2seq.Seq2SeqConfig(task=task, length=length, kind=kind, hidden_size=hidden, attention=attention,
                               reverse_source=reverse, steps=budget, lr=lr, seed=seed)  # fmt: skip
trainer = MODEL.get(config, seq2seq.default_name(config), config, lambda: seq2seq.Seq2SeqLoop(config))
if st.session_state.get("s2s_config") != config:  # other settings: paused
    st.session_state["s2s_config"] = config
    PLAYER.pause()
if PLAYER.playing():
    trainer = MODEL.own()  # Play trains this session's copy, never the shipped model
shipped = seq2seq.default_name(config) if MODEL.reading_key()[0] == 0 else None

st.subheader("Training")
if shipped:
    st.caption(f"The shipped model, trained ahead of time for {trainer.step_count} steps of 64 pairs "
               f"({trainer.seconds:.0f} s on one core) and read by every visitor. Restart, then Play, to train a copy "
               "of your own live; change any setting to train another.")  # fmt: skip
play_col, step_col, size_col, restart_col = st.columns(4, vertical_alignment="bottom")
PLAYER.button(play_col, disabled=trainer.done)
step_col.button("Step", key="s2s_step", on_click=step_once, args=(int(widget(STEP_SIZE, size_col)),),
                icon=":material/skip_next:", width="stretch", disabled=trainer.done)  # fmt: skip
restart_col.button("Restart", key="s2s_restart", on_click=restart, icon=":material/replay:", width="stretch")


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view(trainer: seq2seq.Seq2SeqLoop, config: seq2seq.Seq2SeqConfig) -> None:
    # Draw first, then train: the charts stay fresh for the whole tick; the training shows on the next.
    r = trainer.records()
    st.progress(min(r.steps / r.budget, 1.0) if r.budget else 1.0, text=f"step {r.steps} of {r.budget}: "
                f"{r.status.split(':', 1)[0]}")  # fmt: skip
    if r.diverged is not None:
        st.warning(f"Training stopped at {r.diverged}. Try a smaller learning rate.")
    if r.steps == 0 and not PLAYER.playing():
        st.info(f"Press Play to train this {seq2seq.KIND_NAMES[config.kind]} encoder-decoder ({config.variant}) "
                "live, or Step.")  # fmt: skip
    labels = ("held-out exact match", "held-out per character", "longer inputs, exact match")
    for column, label, key in zip(st.columns(3), labels, ("test_exact", "test_chars", "longer_exact")):
        last = (r.extra[key][-1:] or [math.nan])[0]
        column.metric(label, "—" if math.isnan(last) else f"{100 * last:.1f}%")
    st.plotly_chart(figures.training_curves(range(1, r.steps + 1), r.losses, r.test_steps, r.test_values,
                                            r.extra["test_exact"], r.extra["test_chars"], r.extra["longer_exact"]),
                    width="stretch", key="s2s_curves")  # fmt: skip
    st.caption("Left: cross-entropy per output character on each training batch (grey, teacher forcing) and on "
               "held-out pairs (black). Right: what greedy decoding gets right on the held-out pairs: whole "
               "outputs (exact match), characters at their place, whole outputs for inputs longer than any in "
               "training.")  # fmt: skip
    curves = [(f"{other.variant} ({whose}, step {measured[0]})", measured[1])
              for other, whose, loop in [(config, "this model", trainer), *variants(config)]
              if loop is not None and (measured := loop.by_length()) is not None]  # fmt: skip
    st.plotly_chart(figures.accuracy_by_length(curves), width="stretch", key="s2s_by_length")
    st.caption("Exact match against the input's length, on the held-out inputs of the last score; past the dashed "
               "line the models never saw inputs that long. Without attention every input must fit in the same "
               "fixed-size state. Attention removes that limit within the training lengths, but it does not carry "
               "over to longer inputs: on the shipped reverse models (choose reverse, they are its defaults), "
               f"{seq2seq.length_comparison_text()}.")  # fmt: skip
    if PLAYER.playing():
        trainer.train_for(WORK_S, keep_going=PLAYER.playing)  # stops within a step when paused
        if trainer.done:
            PLAYER.pause()
            st.rerun(scope="app")  # draws the end; the Play button comes back and the timer stops


live_view(trainer, config)
# Your own model's variants train on a click (the shipped ones' would take minutes: they are shipped).
behind = [c for c, whose, loop in variants(config)
          if not shipped and whose == "yours" and (loop.step_count if loop else 0) < trainer.step_count]
label = f"Train the {' and '.join(c.variant for c in behind)} variant{'s' * (len(behind) > 1)} to step "
if behind and st.button(f"{label}{trainer.step_count} too, for the comparison", key="s2s_variants",
                        disabled=PLAYER.playing()):  # fmt: skip
    with st.spinner(f"Training the variants to step {trainer.step_count}..."):
        for other in behind:
            loop = st.session_state["s2s_variant_models"].setdefault(other, seq2seq.Seq2SeqLoop(other))
            loop.step(trainer.step_count - loop.step_count)
    st.rerun()


@st.fragment
def typed_input(trainer: seq2seq.Seq2SeqLoop, config: seq2seq.Seq2SeqConfig, shipped: str | None) -> None:
    """A typed input decoded by the model: a move of these controls reruns this alone."""
    st.subheader("Type an input")
    text_col, beam_col, normalize_col = st.columns([4, 1, 1], vertical_alignment="bottom")
    text, beam = widget(INPUT[config.task], text_col), int(widget(BEAM, beam_col))
    alpha = seq2seq.LENGTH_ALPHA if widget(NORMALIZE, normalize_col) else 0.0
    try:
        reading = decoding(MODEL.reading_key(), config, text, beam, alpha, trainer)
    except ValueError as error:
        st.error(str(error))
        return
    longest = seq2seq.longest_training_input(config)
    if longest is not None and len(reading.source) > longest:
        st.warning(f"This input has {len(reading.source)} characters; no training input had more than {longest}.")
    st.markdown(seq2seq.reading_text(reading) + f", the model at step {trainer.step_count}.")
    st.plotly_chart(figures.decoding_steps(reading), width="stretch", key="s2s_decoding")
    st.caption("At each output step, the decoder's five most probable next characters given what it has written "
               "so far. Greedy decoding writes the top one. Beam search keeps the most probable prefixes and returns "
               "the best finished one: an output of high probability, not always the most probable there is. Its "
               "score, a sum of log-probabilities, falls with every character written, so unless it is taken per "
               "character it favours short outputs.")  # fmt: skip
    st.plotly_chart(figures.encoder_states(reading), width="stretch", key="s2s_encoder")
    reversed_text = ", the input reversed" * config.reverse_source
    st.caption(f"The encoder's hidden state after each character it reads{reversed_text}. The last column is all "
               "the plain decoder gets.")  # fmt: skip
    if reading.alignment is not None:
        st.plotly_chart(figures.alignment(reading), width="stretch", key="s2s_alignment")
        st.caption("Attention: while writing each output character (rows), how much the decoder reads each "
                   "encoder state (columns); each row sums to 1.")  # fmt: skip
    snippet = seq2seq.snippet(config, trainer.step_count, reading.source, beam, alpha, shipped)
    offer(seq2seq.reading_table(reading), snippet, name="seq2seq")


@st.fragment
def memory_view(trainer: seq2seq.Seq2SeqLoop, config: seq2seq.Seq2SeqConfig) -> None:
    """The memory map: a move of its colour reruns this alone."""
    st.subheader("What the memory holds")
    mapped = memory(MODEL.reading_key(), config, trainer)
    st.plotly_chart(figures.memory_map(mapped, widget(COLOUR[config.task])), width="stretch", key="s2s_memory")
    st.caption(f"The encoder's final state, the memory the decoder starts from, for {len(mapped.sources)} held-out "
               "inputs, projected on its two principal axes (PCA); hover a point to see its input. Measured on this "
               f"model ({config.variant}, seed {config.seed}, step {trainer.step_count}): {seq2seq.axes_text(mapped)}.")  # fmt: skip


typed_input(trainer, config, shipped)
memory_view(trainer, config)
