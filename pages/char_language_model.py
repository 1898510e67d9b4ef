"""RNN for generation: a character-level language model on real text (Python's standard library by
default, shipped trained), trained live, sampled, read character by character, saved and loaded."""

import streamlit as st

from rnnviz import charlm, corpora, defaults, training
from rnnviz.figures import charlm as figures
from ui.controls import Choice, Number, Text, Toggle, warn_about_bad_link, widget
from ui.live import Player
from ui.models import SessionModel
from ui.share import offer
from ui.shell import run_inside_app

TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
D = charlm.DEFAULT
CORPUS = Choice("clm_corpus", "corpus", (*charlm.BUILTIN, "upload"), charlm.DEFAULT_CORPUS,
                help="Python's standard library source (its modules and packages, no tests), this lab's own source, or your UTF-8 text file.")  # fmt: skip
KIND, LAYERS = Choice("clm_kind", "network", charlm.KINDS, D.kind), Number("clm_layers", "layers", D.layers, 1, 3, 1)
HIDDEN = Number("clm_hidden", "hidden units", D.hidden_size, 16, 512, 16)
WINDOW = Number("clm_window", "window (characters)", D.window, 16, 512, 16,
                help="Training reads windows of this many characters: backprop through time is truncated there.")  # fmt: skip
LR = Number("clm_lr", "learning rate (Adam)", D.lr, 1e-5, 0.1, 1e-4, format="%.4g")
STEPS = Number("clm_steps", "budget (training steps)", D.steps, 10, 20000, 10)
SEED = Number("clm_seed", "seed", D.seed, 0, 9999, 1, help="Fixes the held-out split, the initialisation and every batch.")
STEP_SIZE = Number("clm_step_size", "steps per press of Step", 20, 1, 500, 1)
SNIPPET = Number("clm_snippet", "held-out snippet", 0, 0, 9999, 1, help="Which piece of held-out text to read.")
TEMPERATURE = Number("clm_temperature", "temperature", 0.8, 0.0, 2.0, 0.05, slider=True,
                     help="Below 0.01: always the most likely character (greedy).")  # fmt: skip
PROMPT, TOP_K = Text("clm_prompt", "priming text", "def ", max_chars=500), Number("clm_top_k", "top-k (0: all)", 0, 0, 150, 1)
LENGTH = Number("clm_length", "characters to sample", 200, 10, 1000, 10)
STOP, SAMPLE_SEED = Toggle("clm_stop_eos", "stop at <eos>", True), Number("clm_sample_seed", "sample seed", 0, 0, 9999, 1)
TEXT = Choice("clm_text", "text to read", ("held-out snippet", "the sample above"), "held-out snippet")
COLOUR = Choice("clm_colour", "colour by", charlm.COLOURS, "inside a string",
                help="A feature picks the hidden unit most correlated with it on held-out text.")  # fmt: skip
UNIT = Number("clm_unit", "hidden unit (for 'unit number')", 0, 0, 511, 1)
CONTROLS = [CORPUS, KIND, LAYERS, HIDDEN, WINDOW, LR, STEPS, SEED, STEP_SIZE, SNIPPET, PROMPT, TEMPERATURE, TOP_K,
            LENGTH, STOP, SAMPLE_SEED, TEXT, COLOUR, UNIT]  # fmt: skip
MODEL, PLAYER = SessionModel("clm_model"), Player("clm")


@st.cache_resource(max_entries=2, show_spinner=False)
def uploaded_data(file_id: str, seed: int, _data: bytes, _name: str) -> charlm.CharData:
    """An uploaded text file (by its upload's id) cut into documents and encoded; ValueError for a bad file."""
    return charlm.prepare(corpora.load_text(_data, _name), seed)


@st.cache_resource(max_entries=4, show_spinner=False)
def uploaded_model(file_id: str, _data: bytes) -> charlm.Saved:
    """A model file uploaded here (read-only); ValueError with a plain message for any other file."""
    return charlm.from_bytes(_data)


# What is read from a model, by who it is and its step (ui.models.reading_key) and the arguments:
# sessions reading the shipped default share each sample and reading (up to about 1 MB each).
@st.cache_resource(max_entries=64, show_spinner=False)
def read(key: tuple, _compute):
    return _compute()


def pause_then(steps: int | None) -> None:
    """Step (`steps` steps, in slices that take turns with other sessions' training) or Restart (None)."""
    PLAYER.pause()
    if steps is None:
        MODEL.restart()
    else:
        MODEL.own().step_in_turns(steps)


run_inside_app()
training.set_threads(1)
st.title("RNN for generation: a character-level language model")
st.markdown(charlm.INTRO)
warn_about_bad_link(CONTROLS)
columns = st.columns([3, 2, 1, 1])
corpus, kind = widget(CORPUS, columns[0]), widget(KIND, columns[1])
layers, hidden = int(widget(LAYERS, columns[2])), int(widget(HIDDEN, columns[3]))
columns = st.columns(4)
window, lr, steps, seed = (int(widget(WINDOW, columns[0])), float(widget(LR, columns[1])), int(widget(STEPS, columns[2])),
                           int(widget(SEED, columns[3])))  # fmt: skip
upload = st.file_uploader("a UTF-8 text file (up to 10 MB)", key="clm_text_upload") if corpus == "upload" else None
if corpus == "upload" and upload is None:
    st.info(charlm.UPLOAD_HINT)
    st.stop()
try:
    data = uploaded_data(upload.file_id, seed, upload.getvalue(), upload.name) if upload else charlm.builtin_data(corpus, seed)
except ValueError as error:
    st.error(f"Could not read this file: {error}")
    st.stop()
st.caption(charlm.describe_data(data))

try:
    config = charlm.CharLMConfig(kind=kind, layers=layers, hidden_size=hidden, window=window, lr=lr, steps=steps, seed=seed)
except ValueError as error:  # a step too large for a live tick (charlm.MAX_STEP_WORK)
    st.error(f"These settings cannot train here: {error}.")
    st.stop()
settings = (corpus, config, upload and upload.file_id)
try:
    trainer = MODEL.get(settings, "char_lm", (charlm.DEFAULT_CORPUS, D, None), lambda: charlm.trainer(data, config))
except defaults.OutOfDate as error:  # weights made on another Python's standard library: train here instead
    st.warning(f"The shipped model does not fit this Python ({error}); this one trains from scratch.")
    trainer = MODEL.get(settings, None, None, lambda: charlm.trainer(data, config))
if PLAYER.playing():
    trainer = MODEL.own()  # Play trains a copy: the shipped default stays as it is for every session

st.subheader("Training: teacher forcing on windows of text")
st.caption(charlm.describe_training(config))
play_col, step_col, size_col, restart_col = st.columns(4, vertical_alignment="bottom")
PLAYER.button(play_col, disabled=trainer.done)
step_col.button("Step", key="clm_step", on_click=pause_then, args=(int(widget(STEP_SIZE, size_col)),),
                icon=":material/skip_next:", width="stretch", disabled=trainer.done)  # fmt: skip
restart_col.button("Restart", key="clm_restart", on_click=pause_then, args=(None,), icon=":material/replay:",
                   width="stretch")  # fmt: skip


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view(trainer: charlm.CharTrainer) -> None:
    records = trainer.records()  # draw first, then train: the charts stay fresh for the whole tick
    st.progress(min(records.steps / records.budget, 1.0) if records.budget else 1.0, text=records.status)
    if records.diverged is not None:
        st.warning(f"Training stopped at {records.diverged}.")
    st.plotly_chart(figures.loss_curves(records.losses, records.test_steps, records.test_values, data.entropy),
                    width="stretch", key="clm_loss")  # fmt: skip
    st.caption(charlm.loss_caption(trainer.sample_chars))
    for column, (label, value) in zip(st.columns(4), charlm.headline_numbers(records, data.entropy, trainer.chars_per_step).items()):
        column.metric(label, value)
    st.markdown(charlm.checkpoints_heading(trainer.config.seed))
    with st.container(height=420):
        for at_step, text in reversed(list(zip(records.extra["sample_steps"], records.extra["samples"]))):
            st.caption(f"step {at_step}")
            st.code(text, language=None, wrap_lines=True)
    offer(charlm.loss_table(records), charlm.reproduce(config, records, corpus, upload and upload.name), name="char_lm")
    if PLAYER.playing():
        trainer.train_for(WORK_S, keep_going=PLAYER.playing)
        if trainer.done:
            PLAYER.pause()
            st.rerun(scope="app")


live_view(trainer)
if note := charlm.training_note(trainer.done, trainer.diverged is not None, trainer.step_count, PLAYER.playing()):
    st.info(note)

st.subheader("Save and load")
save_col, load_col = st.columns(2)
save_col.download_button("Download this model", data=lambda: charlm.to_bytes(trainer), on_click="ignore",
                         file_name=f"rnnviz-char-lm-step{trainer.step_count}.pt", mime="application/octet-stream",
                         key="clm_download", icon=":material/download:")  # fmt: skip
save_col.caption(charlm.save_caption(config, len(data.vocab)))
model_upload = load_col.file_uploader("Load a model saved here", type=["pt"], key="clm_model_upload")
shipped = MODEL.reading_key()[0] == 0  # the shared default, not this session's own
saved, source = None, f"the {'shipped model, trained ahead of time' if shipped else 'model trained here'} (step {trainer.step_count})"
if model_upload is not None:
    try:
        saved = uploaded_model(model_upload.file_id, model_upload.getvalue())
        source = saved.description
        load_col.success(f"Loaded {source}; the sections below use it. Remove the file to go back.")
    except ValueError as error:
        load_col.error(f"Could not load this file: {error}")
st.caption(f"The sections below read and sample {source}.")


@st.fragment
def reading_view(trainer: charlm.CharTrainer, saved: charlm.Saved | None, file_id: str | None) -> None:
    """The model (an uploaded one, else the one trained here, at its step) read and sampled: a move of
    these controls reruns this alone; each reading is computed once per model and step (read)."""
    model, vocab = (saved.model, saved.vocab) if saved else (trainer.model, data.vocab)
    st.subheader("Training time versus test time")
    index, temperature = int(widget(SNIPPET)), float(widget(TEMPERATURE))
    left, right = st.columns(2)  # drawn below, once the sample's controls are read
    st.subheader("Sample")
    columns = st.columns([3, 1, 1, 1, 1])
    prompt, top_k, length = widget(PROMPT, columns[0]), int(widget(TOP_K, columns[1])), int(widget(LENGTH, columns[2]))
    sample_seed, stop = int(widget(SAMPLE_SEED, columns[3])), widget(STOP, columns[4])
    asked = charlm.Draw(prompt, length, temperature, top_k, sample_seed, stop)
    with trainer.lock:
        key = (file_id, *MODEL.reading_key())
        forced = read((key, "forced", index),
                      lambda: charlm.teacher_forced(model, vocab, *charlm.held_out_snippet(data, index, 60, 120)))
        # the test-time continuation and the sample, both at this temperature, drawn side by side (the model's
        # weights read once a character for both) and read as they are drawn
        (_, free), (drawn, drawn_reading) = read((key, "drawn", index, asked), lambda: charlm.samples_and_readings(
            model, vocab, [charlm.free_draw(forced, temperature, seed=index), asked]))  # fmt: skip
    left.plotly_chart(figures.coloured_text(forced.reading, None, 40, "training time: the true text, teacher forced"),
                      width="content", key="clm_forced")  # fmt: skip
    left.caption(charlm.forced_caption(forced))
    right.plotly_chart(figures.coloured_text(free, None, 40, "test time: its own samples fed back in"),
                       width="content", key="clm_free")  # fmt: skip
    right.caption(charlm.FREE_CAPTION)
    if vocab.unknown(prompt):
        st.warning(f"Not in the vocabulary, read as <unk>: {' '.join(vocab.unknown(prompt))}")
    st.code(prompt + drawn.text, language=None, wrap_lines=True)
    st.caption(charlm.describe_sample(drawn, temperature, top_k))

    st.subheader("Read a text character by character")
    columns = st.columns([2, 3, 1])
    text_choice, colour, unit = widget(TEXT, columns[0]), widget(COLOUR, columns[1]), int(widget(UNIT, columns[2]))
    with trainer.lock:
        units = read((key, "units", index), lambda: charlm.feature_units(model, vocab, charlm.probe_text(data, index)))
    shown = forced.reading if text_choice == "held-out snippet" else drawn_reading
    if colour == "unit number" and unit >= model.config.hidden_size:
        st.warning(f"This model has {model.config.hidden_size} hidden units (0 to {model.config.hidden_size - 1}); "
                   f"showing unit {model.config.hidden_size - 1}.")  # fmt: skip
    chosen, explain = charlm.colouring(shown, colour, unit, units)
    st.plotly_chart(figures.coloured_text(shown, chosen), width="content", key="clm_read")
    st.caption(explain + " Hover a character: the model's top 5 next characters after it, with their probabilities.")
    st.dataframe(charlm.feature_table(units), hide_index=True)
    st.caption(charlm.FEATURES_CAPTION)


reading_view(trainer, saved, model_upload and model_upload.file_id)
