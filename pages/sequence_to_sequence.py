"""Sequence to sequence: an encoder RNN reads the input into its final state, a decoder RNN with other
weights writes the output from it. Opens on the shipped date model; other settings train live; a
typed input decoded step by step; the memory mapped in 2D."""

import streamlit as st

from rnnviz import seq2seq, training
from rnnviz.figures import seq2seq as figures
from ui.controls import Choice, Number, Text, Toggle, warn_about_bad_link, widget, widgets
from ui.live import Player
from ui.models import SessionModel, shared
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
H = seq2seq.HELP  # what each control that is not a setting of the model does
C = seq2seq.Seq2SeqConfig  # its fields' settings give these controls their labels, ranges and help
TASK, KIND, ATTENTION = Choice.of(C, "task", "s2s_task"), Choice.of(C, "kind", "s2s_kind"), Choice.of(C, "attention", "s2s_attention")
LENGTH = Number("s2s_length", "Longest training string", seq2seq.REVERSE_DEFAULT.length, *seq2seq.LENGTH_RANGE["reverse"], 1,
                slider=True, help=H["length"])
DIGITS = Number("s2s_digits", "Most digits of a number", 2, *seq2seq.LENGTH_RANGE["execute"], 1, help=H["digits"])
REVERSE, HIDDEN = Toggle.of(C, "reverse_source", "s2s_reverse"), Number.of(C, "hidden_size", "s2s_hidden")
STEPS, LR, SEED = Number.of(C, "steps", "s2s_steps"), Number.of(C, "lr", "s2s_lr", format="%.4g"), Number.of(C, "seed", "s2s_seed")
STEP_SIZE = Number("s2s_step_size", "Steps per press of Step", 50, 1, 1000, 1)
BEAM = Number("s2s_beam", "Beam width", 1, 1, seq2seq.MAX_BEAM, 1, help=H["beam"])
NORMALIZE = Toggle("s2s_normalize", "Per character", False, help=H["normalize"])
INPUT = {task: Text(f"s2s_input_{task}", "Type an input", example, max_chars=200)
         for task, example in seq2seq.EXAMPLES.items()}
COLOUR = {task: Choice(f"s2s_colour_{task}", "Colour by", properties, properties[0])
          for task, properties in seq2seq.PROPERTIES.items()}
CONTROLS = [TASK, LENGTH, DIGITS, KIND, ATTENTION, REVERSE, HIDDEN, STEPS, LR, SEED, STEP_SIZE, BEAM, NORMALIZE,
            *INPUT.values(), *COLOUR.values()]
# fmt: on
PLAYER, MODEL = Player("s2s"), SessionModel("s2s_model")


# Readings of a model, by who it is and its step (ui.models reading_key): each is computed once per
# model and step, and shared by every session that reads the same shipped model.
@st.cache_resource(max_entries=64, show_spinner=False)
def decoding(
    key: tuple, config: seq2seq.Seq2SeqConfig, text: str, beam: int, alpha: float, _loop: seq2seq.Seq2SeqLoop
) -> seq2seq.Decoding:
    with _loop.lock:
        return seq2seq.read(_loop.model, config, text, beam, length_alpha=alpha)


@st.cache_resource(max_entries=16, show_spinner=False)
def memory(key: tuple, config: seq2seq.Seq2SeqConfig, _loop: seq2seq.Seq2SeqLoop) -> seq2seq.MemoryMap:
    with _loop.lock:
        return seq2seq.memory_map(_loop.model, config)


run_inside_app()
training.set_threads(1)
st.title("Sequence to sequence: an encoder and a decoder")
st.markdown(
    "Translation, as the lecture ends: the **encoder** reads the input one character at a time into its hidden "
    "state; the **decoder**, a different network with different weights, starts from that state on a start token "
    "and writes the output one character at a time, each fed back in, until it writes `<eos>`. (In the lecture the "
    "translation starts when the network reads an end token; here the encoder stops at the input's last "
    "character and the decoder starts on its start token `<s>`.) Here the "
    "translations are small: dates written many ways into ISO form, strings reversed or sorted, tiny programs "
    "mapped to what they print (Zaremba and Sutskever's *learning to execute*). Everything the decoder knows about "
    "the input passes through one fixed-size vector, unless it may look back with **attention**."
)
warn_about_bad_link(CONTROLS)
columns = st.columns([3, 2, 2])
chosen = widgets({"task": TASK, "kind": KIND}, [columns[0], columns[2]])
length = {"reverse": LENGTH, "sort": LENGTH, "execute": DIGITS}.get(chosen["task"])
chosen["length"] = 0 if length is None else widget(length, columns[1])
chosen |= widgets(
    {"attention": ATTENTION, "reverse_source": REVERSE, "hidden_size": HIDDEN}, st.columns([3, 2, 2])
)
with st.expander("Budget, learning rate and seed"):
    chosen |= widgets({"steps": STEPS, "lr": LR, "seed": SEED}, st.columns(3))
config = seq2seq.Seq2SeqConfig(**chosen)
if config.step_work > seq2seq.MAX_STEP_WORK:  # a step too large for a live tick (Seq2SeqLoop refuses it too)
    st.error(f"These settings cannot train here: {seq2seq.too_large_text(config)}.")
    st.stop()
trainer = MODEL.get(config, seq2seq.default_name(config), config, lambda: seq2seq.Seq2SeqLoop(config))
if st.session_state.get("s2s_config") != config:  # other settings: paused
    st.session_state["s2s_config"] = config
    PLAYER.pause()
if PLAYER.playing():
    trainer = MODEL.own()  # Play trains this session's copy, never the shipped model
shipped = seq2seq.default_name(config) if MODEL.reading_key()[0] == 0 else None
# the length comparison's models
variants = st.session_state.setdefault("s2s_variant_models", seq2seq.Variants())

st.subheader("Training")
if shipped:
    st.caption(seq2seq.shipped_text(trainer))
# Step trains the session's own model (a copy of the shipped one if it was that), in slices that take turns
PLAYER.controls(STEP_SIZE, lambda n: MODEL.own().step_in_turns(n), MODEL.restart, disabled=trainer.done)


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view(
    trainer: seq2seq.Seq2SeqLoop, config: seq2seq.Seq2SeqConfig, variants: seq2seq.Variants
) -> None:
    # Draw first, then train: the charts stay fresh for the whole tick; the training shows on the next.
    r = trainer.records()
    st.progress(*seq2seq.progress(r))
    if r.diverged is not None:
        st.warning(f"Training stopped at {r.diverged}. Try a smaller learning rate.")
    if r.steps == 0 and not PLAYER.playing():
        st.info(
            f"Press Play to train this {seq2seq.KIND_NAMES[config.kind]} encoder-decoder ({config.variant}) "
            "live, or Step."
        )
    for column, (label, value) in zip(st.columns(3), seq2seq.latest_scores(r).items()):
        column.metric(label, value)
    for name, figure, caption in figures.training_views(r, variants.curves(config, trainer, shared)):
        st.plotly_chart(figure, width="stretch", key=f"s2s_{name}")
        st.caption(caption)
    if PLAYER.playing():
        trainer.train_for(WORK_S, keep_going=PLAYER.playing)  # stops within a step when paused
        if trainer.done:
            PLAYER.pause()
            st.rerun(scope="app")  # draws the end; the Play button comes back and the timer stops


live_view(trainer, config, variants)
# Your own model's variants train on a click (the shipped ones' would take minutes: they are shipped).
behind = [] if shipped else variants.behind(config, trainer.step_count)
if behind and st.button(
    seq2seq.catch_up_text(behind, trainer.step_count), key="s2s_variants", disabled=PLAYER.playing()
):
    with st.spinner(f"Training the variants to step {trainer.step_count}..."):
        variants.catch_up(behind, trainer.step_count)
    st.rerun()


@st.fragment
def typed_input(trainer: seq2seq.Seq2SeqLoop, config: seq2seq.Seq2SeqConfig, shipped: str | None) -> None:
    """A typed input decoded by the model: a move of these controls reruns this alone."""
    st.subheader("Type an input")
    text_col, beam_col, normalize_col = st.columns([4, 1, 1], vertical_alignment="bottom")
    text, beam = widget(INPUT[config.task], text_col), widget(BEAM, beam_col)
    alpha = seq2seq.LENGTH_ALPHA if widget(NORMALIZE, normalize_col) else 0.0
    try:
        reading = decoding(MODEL.reading_key(), config, text, beam, alpha, trainer)
    except ValueError as error:
        st.error(str(error))
        return
    if warning := seq2seq.length_warning(config, reading):
        st.warning(warning)
    st.markdown(seq2seq.reading_text(reading) + f", the model at step {trainer.step_count}.")
    for name, figure, caption in figures.reading_views(reading, config.reverse_source):
        st.plotly_chart(figure, width="stretch", key=f"s2s_{name}")
        st.caption(caption)
    snippet = seq2seq.snippet(config, trainer.step_count, reading.source, beam, alpha, shipped)
    offer(seq2seq.reading_table(reading), snippet, name="seq2seq")


@st.fragment
def memory_view(trainer: seq2seq.Seq2SeqLoop, config: seq2seq.Seq2SeqConfig) -> None:
    """The memory map: a move of its colour reruns this alone."""
    st.subheader("What the memory holds")
    mapped = memory(MODEL.reading_key(), config, trainer)
    st.plotly_chart(
        figures.memory_map(mapped, widget(COLOUR[config.task])), width="stretch", key="s2s_memory"
    )
    st.caption(seq2seq.memory_caption(mapped, config, trainer.step_count))


typed_input(trainer, config, shipped)
memory_view(trainer, config)
