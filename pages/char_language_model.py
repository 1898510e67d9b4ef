"""RNN for generation: a character-level language model on real text (Python's standard library by
default, shipped trained), trained live, sampled, read character by character, saved and loaded."""

import streamlit as st

from rnnviz import charlm, connectivity, corpora, defaults, training
from rnnviz.figures import charlm as figures
from rnnviz.figures import connectivity as connectivity_figures
from ui.controls import Choice, Number, Text, Toggle, position, warn_about_bad_link, widget, widgets
from ui.live import Player
from ui.models import SessionModel
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
D = charlm.DEFAULT
CORPUS = Choice("clm_corpus", "corpus", (*charlm.BUILTIN, "upload"), charlm.DEFAULT_CORPUS,
                help="Python's standard library source (its modules and packages, no tests), this lab's own source, or your UTF-8 text file.")
C = charlm.CharLMConfig  # its fields' settings give these controls their labels, ranges and help
KIND, LAYERS, HIDDEN = Choice.of(C, "kind", "clm_kind"), Number.of(C, "layers", "clm_layers"), Number.of(C, "hidden_size", "clm_hidden")
WINDOW, LR = Number.of(C, "window", "clm_window"), Number.of(C, "lr", "clm_lr", format="%.4g")
STEPS, SEED = Number.of(C, "steps", "clm_steps"), Number.of(C, "seed", "clm_seed")
STEP_SIZE = Number("clm_step_size", "steps per press of Step", 20, 1, 500, 1)
SNIPPET = Number("clm_snippet", "held-out snippet", 0, 0, 9999, 1, help="Which piece of held-out text to read.")
TEMPERATURE = Number("clm_temperature", "temperature", 0.8, 0.0, 2.0, 0.05, slider=True,
                     help="1: the model's own probabilities; lower sharpens them, higher flattens them; below 0.01: always the most likely character (greedy).")
PROMPT, TOP_K = Text("clm_prompt", "priming text", "def ", max_chars=500), Number("clm_top_k", "top-k (0: all)", 0, 0, 150, 1)
LENGTH = Number("clm_length", "characters to sample", 200, 10, 1000, 10)
STOP, SAMPLE_SEED = Toggle("clm_stop_eos", "stop at <eos>", True), Number("clm_sample_seed", "sample seed", 0, 0, 9999, 1)
TEXT = Choice("clm_text", "text to read", ("held-out snippet", "the sample above"), "held-out snippet")
COLOUR = Choice("clm_colour", "colour by", charlm.COLOURS, "inside a string",
                help="A feature picks the hidden unit most correlated with it on held-out text.")
UNIT = Number("clm_unit", "hidden unit (for 'unit number')", 0, 0, HIDDEN.max - 1, 1)
# The position in the text read: up to <eos>, a prompt of 500 and 1,000 characters sampled (each text its own end)
POSITION = Number("clm_position", "position t (the character after it is scored)", 150, 0, 1500, 1, slider=True)
CONTROLS = [CORPUS, KIND, LAYERS, HIDDEN, WINDOW, LR, STEPS, SEED, STEP_SIZE, SNIPPET, PROMPT, TEMPERATURE, TOP_K,
            LENGTH, STOP, SAMPLE_SEED, TEXT, COLOUR, UNIT, POSITION]
# fmt: on
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


run_inside_app()
training.set_threads(1)
st.title("RNN for generation: a character-level language model")
st.markdown(charlm.INTRO)
warn_about_bad_link(CONTROLS)
columns = st.columns([3, 2, 1, 1])
corpus = widget(CORPUS, columns[0])
chosen = widgets({"kind": KIND, "layers": LAYERS, "hidden_size": HIDDEN}, columns[1:])
chosen |= widgets({"window": WINDOW, "lr": LR, "steps": STEPS, "seed": SEED}, st.columns(4))
seed = chosen["seed"]
upload = (
    st.file_uploader("a UTF-8 text file (up to 10 MB)", key="clm_text_upload") if corpus == "upload" else None
)
if corpus == "upload" and upload is None:
    st.info(charlm.UPLOAD_HINT)
    st.stop()
try:
    data = (
        uploaded_data(upload.file_id, seed, upload.getvalue(), upload.name)
        if upload
        else charlm.builtin_data(corpus, seed)
    )
except ValueError as error:
    st.error(f"Could not read this file: {error}")
    st.stop()
st.caption(charlm.describe_data(data))

try:
    config = charlm.CharLMConfig(**chosen)
except ValueError as error:  # a step too large for a live tick (charlm.MAX_STEP_WORK)
    st.error(f"These settings cannot train here: {error}.")
    st.stop()
settings = (corpus, config, upload and upload.file_id)
try:
    trainer = MODEL.get(
        settings, "char_lm", (charlm.DEFAULT_CORPUS, D, None), lambda: charlm.trainer(data, config)
    )
except defaults.OutOfDate as error:  # weights made on another Python's standard library: train here instead
    st.warning(f"The shipped model does not fit this Python ({error}); this one trains from scratch.")
    trainer = MODEL.get(settings, None, None, lambda: charlm.trainer(data, config))
if PLAYER.playing():
    trainer = MODEL.own()  # Play trains a copy: the shipped default stays as it is for every session

st.subheader("Training: teacher forcing on windows of text")
st.caption(charlm.describe_training(config))
# Step trains the session's own model (a copy of the shipped one if it was that), in slices that take turns
PLAYER.controls(STEP_SIZE, lambda n: MODEL.own().step_in_turns(n), MODEL.restart, disabled=trainer.done)


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view(trainer: charlm.CharTrainer) -> None:
    records = trainer.records()  # draw first, then train: the charts stay fresh for the whole tick
    st.progress(min(records.steps / records.budget, 1.0) if records.budget else 1.0, text=records.status)
    if records.diverged is not None:
        st.warning(f"Training stopped at {records.diverged}.")
    st.plotly_chart(
        figures.loss_curves(records.losses, records.test_steps, records.test_values, data.entropy),
        width="stretch",
        key="clm_loss",
    )
    st.caption(charlm.loss_caption(trainer.sample_chars))
    for column, (label, value) in zip(
        st.columns(4), charlm.headline_numbers(records, data.entropy, trainer.chars_per_step).items()
    ):
        column.metric(label, value)
    st.markdown(charlm.checkpoints_heading(trainer.config.seed))
    with st.container(height=420):
        for at_step, text in reversed(list(zip(records.extra["sample_steps"], records.extra["samples"]))):
            st.caption(f"step {at_step}")
            st.code(text, language=None, wrap_lines=True)
    offer(
        charlm.loss_table(records),
        charlm.reproduce(config, records, corpus, upload and upload.name),
        name="char_lm",
    )
    if PLAYER.playing():
        trainer.train_for(WORK_S, keep_going=PLAYER.playing)
        if trainer.done:
            PLAYER.pause()
            st.rerun(scope="app")


live_view(trainer)
if note := charlm.training_note(
    trainer.done, trainer.diverged is not None, trainer.step_count, PLAYER.playing()
):
    st.info(note)

st.subheader("Save and load")
save_col, load_col = st.columns(2)
save_col.download_button(
    "Download this model",
    data=lambda: charlm.to_bytes(trainer),
    on_click="ignore",
    file_name=f"rnnviz-char-lm-step{trainer.step_count}.pt",
    mime="application/octet-stream",
    key="clm_download",
    icon=":material/download:",
)
save_col.caption(charlm.save_caption(config, len(data.vocab)))
model_upload = load_col.file_uploader("Load a model saved here", type=["pt"], key="clm_model_upload")
shipped = MODEL.reading_key()[0] == 0  # the shared default, not this session's own
saved, source = (
    None,
    f"the {'shipped model, trained ahead of time' if shipped else 'model trained here'} (step {trainer.step_count})",
)
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
    index, temperature = widget(SNIPPET), widget(TEMPERATURE)
    left, right = st.columns(2)  # drawn below, once the sample's controls are read
    st.subheader("Sample")
    columns = st.columns([3, 1, 1, 1, 1])
    prompt, top_k, length = widget(PROMPT, columns[0]), widget(TOP_K, columns[1]), widget(LENGTH, columns[2])
    sample_seed, stop = widget(SAMPLE_SEED, columns[3]), widget(STOP, columns[4])
    asked = charlm.Draw(prompt, length, temperature, top_k, sample_seed, stop)
    with trainer.lock:
        key = (file_id, *MODEL.reading_key())
        forced = read(
            (key, "forced", index),
            lambda: charlm.teacher_forced(model, vocab, *charlm.held_out_snippet(data, index, 60, 120)),
        )
        # the test-time continuation and the sample, both at this temperature, drawn side by side (the model's
        # weights read once a character for both) and read as they are drawn
        (_, free), (drawn, drawn_reading) = read(
            (key, "drawn", index, asked),
            lambda: charlm.samples_and_readings(
                model, vocab, [charlm.free_draw(forced, temperature, seed=index), asked]
            ),
        )
    # Figures that a temperature move leaves as they are are drawn once (read), not on every move.
    forced_title = "training time: the true text, teacher forced"
    forced_figure = read(
        (key, "forced figure", index), lambda: figures.coloured_text(forced.reading, None, 40, forced_title)
    )
    left.plotly_chart(forced_figure, width="content", key="clm_forced")
    left.caption(charlm.forced_caption(forced))
    right.plotly_chart(
        figures.coloured_text(free, None, 40, "test time: its own samples fed back in"),
        width="content",
        key="clm_free",
    )
    right.caption(charlm.FREE_CAPTION)
    if vocab.unknown(prompt):
        st.warning(f"Not in the vocabulary, read as <unk>: {' '.join(vocab.unknown(prompt))}")
    st.code(prompt + drawn.text, language=None, wrap_lines=True)
    st.caption(charlm.describe_sample(drawn, temperature, top_k))

    st.subheader("Read a text character by character")
    columns = st.columns([2, 3, 1])
    text_choice, colour, unit = widget(TEXT, columns[0]), widget(COLOUR, columns[1]), widget(UNIT, columns[2])
    with trainer.lock:
        units = read(
            (key, "units", index), lambda: charlm.feature_units(model, vocab, charlm.probe_text(data, index))
        )
    shown = forced.reading if text_choice == "held-out snippet" else drawn_reading
    if colour == "unit number" and unit >= model.config.hidden_size:
        st.warning(
            f"This model has {model.config.hidden_size} hidden units (0 to {model.config.hidden_size - 1}); "
            f"showing unit {model.config.hidden_size - 1}."
        )
    chosen, explain = charlm.colouring(shown, colour, unit, units)
    read_key = (key, "read figure", shown.ids.tobytes(), chosen, colour)
    st.plotly_chart(
        read(read_key, lambda: figures.coloured_text(shown, chosen)), width="content", key="clm_read"
    )
    st.caption(
        explain + " Hover a character: the model's top 5 next characters after it, with their probabilities."
    )
    st.dataframe(charlm.feature_table(units), hide_index=True)
    st.caption(charlm.FEATURES_CAPTION)
    code = connectivity.char_model_code(
        "char_lm" if shipped and saved is None else None,
        trainer.config,
        trainer.step_count,
        corpus,
        upload and upload.name,
        saved and model_upload.name,
    )
    gradient_view(model, shown, key, code, not shipped and saved is None)


@st.fragment
def gradient_view(
    model: charlm.CharLM, shown: charlm.CharReading, key: tuple, code: str, own_line: bool
) -> None:
    """Connectivity at a position of the text read above (its slider reruns this alone), beside the gradient
    horizons of the shipped LSTM, GRU and tanh RNN (and of this model, on this corpus), each computed once."""
    st.subheader("How far back does a prediction reach? Its gradient to each earlier character")
    t = position(POSITION, len(shown.ids) - 2)  # up to the last position with a next character to score
    curves = connectivity.shipped_horizons("char")
    with trainer.lock:
        norms = read(
            (key, "gradients", shown.ids.tobytes(), t),
            lambda: connectivity.char_gradients(model, shown.ids, t),
        )
        if own_line:  # this session's model, on the page's corpus: its own line
            curves["this model"] = read(
                (key, "horizon"),
                lambda: connectivity.char_horizon(model, connectivity.held_out_windows(data)),
            )
    left, right = st.columns([3, 2])
    text_figure = read(  # drawn once per text and position: a temperature move reruns this section too
        (key, "gradients figure", shown.ids.tobytes(), t),
        lambda: connectivity_figures.char_gradients(shown, norms, t),
    )
    left.plotly_chart(text_figure, width="content", key="clm_gradients")
    left.caption(connectivity.char_text_caption(model.config.window))
    offer(
        connectivity.char_table(shown.chars, norms, t),
        connectivity.char_snippet(code, shown.ids, t),
        name="clm_gradients",
        where=left,
    )
    right.plotly_chart(connectivity_figures.horizon(curves), width="stretch", key="clm_horizon")
    right.caption(connectivity.HORIZON_CAPTION + connectivity.char_horizon_sentence(curves))
    offer(
        connectivity.horizon_table(curves),
        connectivity.char_horizon_snippet(code if own_line else None),
        name="clm_horizon",
        where=right,
    )


reading_view(trainer, saved, model_upload and model_upload.file_id)
