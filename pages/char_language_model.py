"""RNN for generation: a character-level language model trained live on real text (Python's standard
library by default), sampled at checkpoints, read character by character, saved and loaded."""

import threading

import streamlit as st

from rnnviz import charlm, corpora, training
from rnnviz.figures import charlm as figures
from ui.controls import Choice, Number, Text, Toggle, warn_about_bad_link, widget
from ui.live import Player
from ui.share import offer
from ui.shell import run_inside_app

TICK_S, WORK_S = 1.0, 0.8  # the live view reruns every TICK_S and trains for about WORK_S of it
PROBE_CHARS = 2000  # held-out characters on which hidden units are correlated with features
PRETRAIN_STEPS = 120  # the shared default model: about 15 s of training on first visit
CORPORA = ("python stdlib", "rnnviz source", "upload")
COLOURS = ("probability", *charlm.FEATURES, "unit number")
CORPUS = Choice("clm_corpus", "corpus", CORPORA, "python stdlib",
                help="Python's standard library source (about 1.5 MB of it), this lab's own source, or your UTF-8 text file.")  # fmt: skip
KIND = Choice("clm_kind", "network", charlm.KINDS, "lstm")
LAYERS = Number("clm_layers", "layers", 1, 1, 3, 1)
HIDDEN = Number("clm_hidden", "hidden units", 256, 16, 512, 16)
WINDOW = Number("clm_window", "window (characters)", 128, 16, 512, 16,
                help="Training reads windows of this many characters: backprop through time is truncated there.")  # fmt: skip
LR = Number("clm_lr", "learning rate (Adam)", 3e-3, 1e-5, 0.1, 1e-4, format="%.4g")
STEPS = Number("clm_steps", "budget (training steps)", 3000, 10, 20000, 10)
SEED = Number("clm_seed", "seed", 0, 0, 9999, 1, help="Fixes the held-out split, the initialisation and every batch.")
STEP_SIZE = Number("clm_step_size", "steps per press of Step", 20, 1, 500, 1)
SNIPPET = Number("clm_snippet", "held-out snippet", 0, 0, 9999, 1, help="Which piece of held-out text to read.")
PROMPT = Text("clm_prompt", "priming text", "def ", max_chars=500)
TEMPERATURE = Number("clm_temperature", "temperature", 0.8, 0.0, 2.0, 0.05, slider=True,
                     help="Below 0.01: always the most likely character (greedy).")  # fmt: skip
TOP_K = Number("clm_top_k", "top-k (0: all)", 0, 0, 150, 1)
LENGTH = Number("clm_length", "characters to sample", 400, 10, 1000, 10)
STOP = Toggle("clm_stop_eos", "stop at <eos>", True)
SAMPLE_SEED = Number("clm_sample_seed", "sample seed", 0, 0, 9999, 1)
TEXT = Choice("clm_text", "text to read", ("held-out snippet", "the sample above"), "held-out snippet")
COLOUR = Choice("clm_colour", "colour by", COLOURS, "inside a string",
                help="A feature picks the hidden unit most correlated with it on held-out text.")  # fmt: skip
UNIT = Number("clm_unit", "hidden unit (for 'unit number')", 0, 0, 511, 1)
CONTROLS = [CORPUS, KIND, LAYERS, HIDDEN, WINDOW, LR, STEPS, SEED, STEP_SIZE, SNIPPET, PROMPT, TEMPERATURE, TOP_K,
            LENGTH, STOP, SAMPLE_SEED, TEXT, COLOUR, UNIT]  # fmt: skip
PLAYER = Player("clm")
DEFAULTS = (CORPUS.default, KIND.default, LAYERS.default, HIDDEN.default, WINDOW.default, LR.default,
            STEPS.default, SEED.default)  # fmt: skip
LOADERS = {"python stdlib": "corpora.stdlib_corpus()", "rnnviz source": "corpora.rnnviz_corpus()",
           "upload": 'corpora.load_text(open("your-file.txt", "rb").read(), name="your-file.txt")'}  # fmt: skip


@st.cache_resource(max_entries=4)
def builtin_data(corpus: str, seed: int) -> charlm.CharData:
    """A built-in corpus split by document and encoded (shared, never written to)."""
    return charlm.prepare(corpora.stdlib_corpus() if corpus == "python stdlib" else corpora.rnnviz_corpus(), seed)


@st.cache_resource(max_entries=2)
def uploaded_data(data: bytes, name: str, seed: int) -> charlm.CharData:
    """An uploaded text file split into documents and encoded; ValueError for a bad file."""
    return charlm.prepare(corpora.load_text(data, name), seed)


@st.cache_resource(max_entries=1)
def shared_default() -> tuple[dict, threading.Lock]:
    """The default model, trained once for PRETRAIN_STEPS and copied into each session."""
    return {}, threading.Lock()


def config_of(settings: tuple) -> charlm.CharLMConfig:
    _, kind, layers, hidden, window, lr, steps, seed = settings[:8]
    return charlm.CharLMConfig(kind=kind, layers=layers, hidden_size=hidden, window=window, lr=lr, steps=steps, seed=seed)


def default_trainer(data: charlm.CharData) -> charlm.CharTrainer:
    """A copy of the shared default model; the first visit trains it, with a progress bar."""
    place, lock = shared_default()
    bar = st.progress(0.0, text="Training the default model (once for everyone, about 15 s)...")
    with lock:
        if "trainer" not in place:
            trainer = charlm.CharTrainer(data, config_of(DEFAULTS))

            def report(loop: training.Loop) -> None:
                bar.progress(loop.step_count / PRETRAIN_STEPS,
                             text=f"Training the default model: step {loop.step_count} of {PRETRAIN_STEPS}")  # fmt: skip

            trainer.step(PRETRAIN_STEPS, report)
            place["trainer"] = trainer
    bar.empty()
    return place["trainer"].clone()


def step_some(n: int) -> None:
    PLAYER.pause()
    trainer = st.session_state["clm_trainer"]
    with trainer.lock:
        trainer.step(n)


def restart() -> None:
    st.session_state.pop("clm_settings", None)
    st.session_state["clm_fresh"] = True  # Restart means from scratch, even at the defaults


def memo(key: tuple, compute):
    """compute() once per key for this session (the last 16 kept): the model only changes when it trains."""
    store = st.session_state.setdefault("clm_memo", {})
    if key not in store:
        if len(store) >= 16:
            store.pop(next(iter(store)))
        store[key] = compute()
    return store[key]


run_inside_app()
training.set_threads(1)
st.title("RNN for generation: a character-level language model")
st.markdown(
    "An RNN reads text one character at a time and predicts the next one: a softmax over the characters, "
    "trained with cross-entropy. At **training time** it is taught with *teacher forcing*: every step sees the "
    "true previous character. At **test time** it generates: it draws a character, feeds it back in as the next "
    "input, and goes on until the end-of-sequence token `<eos>`. Trained here on real text that every Python "
    "installation carries: the standard library's own source code."
)
warn_about_bad_link(CONTROLS)
columns = st.columns([3, 2, 1, 1])
corpus, kind = widget(CORPUS, columns[0]), widget(KIND, columns[1])
layers, hidden = int(widget(LAYERS, columns[2])), int(widget(HIDDEN, columns[3]))
columns = st.columns(4)
window, lr = int(widget(WINDOW, columns[0])), float(widget(LR, columns[1]))
steps, seed = int(widget(STEPS, columns[2])), int(widget(SEED, columns[3]))

upload_id = None
if corpus == "upload":
    upload = st.file_uploader("a UTF-8 text file (up to 10 MB)", key="clm_text_upload")
    if upload is None:
        st.info("Upload a UTF-8 text file: it is cut at blank lines into documents of at least 2,000 characters, "
                "10% of them held out.")  # fmt: skip
        st.stop()
    try:
        data = uploaded_data(upload.getvalue(), upload.name, seed)
    except ValueError as error:
        st.error(f"Could not read this file: {error}")
        st.stop()
    upload_id = upload.file_id
else:
    data = builtin_data(corpus, seed)
st.caption(f"{data.name}: {data.chars:,} characters, a vocabulary of {len(data.vocab)} (with <eos> and <unk>), "
           f"{len(data.test_ids):,} characters held out (whole documents). Unigram entropy: "
           f"**{data.entropy:.3f} bits** per character.")  # fmt: skip

settings = (corpus, kind, layers, hidden, window, lr, steps, seed, upload_id)
if st.session_state.get("clm_settings") != settings:  # a new setting: a new model, paused
    fresh = st.session_state.pop("clm_fresh", False)
    if settings[:8] == DEFAULTS and not fresh:
        trainer = default_trainer(data)
    else:
        trainer = charlm.CharTrainer(data, config_of(settings))
        trainer.step(0)  # step 0: the untrained model's held-out loss and sample
    st.session_state.update(clm_settings=settings, clm_trainer=trainer, clm_playing=False, clm_memo={})
trainer: charlm.CharTrainer = st.session_state["clm_trainer"]

st.subheader("Training: teacher forcing on windows of text")
play_col, step_col, size_col, restart_col = st.columns(4, vertical_alignment="bottom")
PLAYER.button(play_col)
step_size = int(widget(STEP_SIZE, size_col))
step_col.button("Step", key="clm_step", on_click=step_some, args=(step_size,), icon=":material/skip_next:",
                width="stretch")  # fmt: skip
restart_col.button("Restart", key="clm_restart", on_click=restart, icon=":material/replay:", width="stretch")


@st.fragment(run_every=TICK_S if PLAYER.playing() else None)
def live_view() -> None:
    # Draw first, then train: the charts stay fresh for the whole tick.
    with trainer.lock:
        k, budget = trainer.step_count, trainer.steps
        losses, test_steps, test_losses = list(trainer.losses), list(trainer.test_steps), list(trainer.test_losses)
        samples = list(zip(trainer.sample_steps, trainer.samples))
        seconds, diverged = trainer.seconds, trainer.diverged
    st.progress(min(k / budget, 1.0) if budget else 1.0, text=f"step {k} of {budget}")
    if diverged is not None:
        st.warning(f"Training stopped at {diverged}.")
    st.plotly_chart(figures.loss_curves(losses, test_steps, test_losses, data.entropy, 0.6 * data.entropy),
                    width="stretch", key="clm_loss")  # fmt: skip
    st.caption("Cross-entropy in bits per character on the training windows (grey) and on held-out documents "
               "(blue). The dashed line is the unigram entropy: the best a model that ignores context can do; "
               "every bit below it is context the RNN has learned to use.")  # fmt: skip
    metrics = st.columns(4)
    held = charlm.bits(test_losses[-1]) if test_losses else float("nan")
    metrics[0].metric("held-out bits per character", f"{held:.3f}")
    metrics[1].metric("below the unigram entropy", f"{100 * (1 - held / data.entropy):.0f}%")
    metrics[2].metric("characters trained on", f"{k * trainer.chars_per_step:,}")
    metrics[3].metric("characters per second", f"{k * trainer.chars_per_step / seconds:,.0f}" if seconds else "—")
    st.markdown(f"**Samples at checkpoints** (start of a document, temperature {charlm.CHECKPOINT_TEMPERATURE}, "
                f"{charlm.CHECKPOINT_CHARS} characters, seed {trainer.config.seed}); newest first:")  # fmt: skip
    with st.container(height=420):
        for at_step, text in reversed(samples):
            st.caption(f"step {at_step}")
            st.code(text, language=None, wrap_lines=True)
    if PLAYER.playing():
        with trainer.lock:
            trainer.train_for(WORK_S, keep_going=PLAYER.playing)
        if trainer.done:
            PLAYER.pause()
            st.rerun(scope="app")


live_view()
if trainer.step_count < 100 and not PLAYER.playing():
    st.info("Press Play to train on: the samples at steps 100, 300, 500, ... show the text growing from noise "
            "into code. With the defaults the held-out loss falls 40% below the unigram entropy within about "
            "three minutes here.")  # fmt: skip

st.subheader("Save and load")
save_col, load_col = st.columns(2)
def model_file() -> bytes:
    with trainer.lock:
        return charlm.to_bytes(trainer)


save_col.download_button("Download this model", data=model_file, file_name=f"rnnviz-char-lm-step{trainer.step_count}.pt",
                         mime="application/octet-stream", key="clm_download", on_click="ignore",
                         icon=":material/download:")  # fmt: skip
save_col.caption("torch.save of the weights and a plain dict of settings, characters and loss curve.")
model_upload = load_col.file_uploader("Load a model saved here", type=["pt"], key="clm_model_upload")
loaded, source = None, f"the model trained here (step {trainer.step_count})"
if model_upload is not None:
    cached = st.session_state.get("clm_loaded")
    if cached is None or cached[0] != model_upload.file_id:
        try:
            cached = (model_upload.file_id, charlm.from_bytes(model_upload.getvalue()), None)
        except ValueError as error:
            cached = (model_upload.file_id, None, str(error))
        st.session_state["clm_loaded"] = cached
    _, saved, problem = cached
    if saved is None:
        load_col.error(f"Could not load this file: {problem}")
    else:
        loaded = (saved.model, saved.vocab, ("uploaded", model_upload.file_id))
        c = saved.config
        source = f"the uploaded {c.kind.upper()} ({c.layers} × {c.hidden_size}, trained on {saved.corpus}, step {saved.step})"
        load_col.success(f"Loaded {source}; the sections below use it. Remove the file to go back.")
st.caption(f"The sections below read and sample {source}.")



@st.fragment
def reading(trainer: charlm.CharTrainer, loaded: tuple | None) -> None:
    """The model (an uploaded one, else the one trained here, at its current step) read and sampled: a
    move of these controls reruns this alone."""
    model, vocab, model_key = loaded or (trainer.model, data.vocab, ("trained here", trainer.step_count))
    st.subheader("Training time versus test time")
    snippet_index = int(widget(SNIPPET))
    prompt_text, truth = charlm.held_out_snippet(data, snippet_index, 60, 200)
    temperature = float(widget(TEMPERATURE))
    with trainer.lock:
        versus = memo((model_key, "versus", snippet_index, temperature),
                      lambda: charlm.train_versus_test(model, vocab, prompt_text, truth, temperature, seed=snippet_index))
    left, right = st.columns(2)
    left.plotly_chart(figures.text_grid(versus.teacher_forced, versus.teacher_forced.p_each.tolist(), "p(char)",
                                        "RdYlGn", 0, 1, width=40, title="training time: the true text, teacher forced"),
                      width="content", key="clm_forced")  # fmt: skip
    left.caption(f"Each step reads the true previous character (the first {versus.n_prompt} cells are the prompt). "
                 f"Colour: the probability the model gave each true character; its top guess was right "
                 f"{100 * versus.agreement:.0f}% of the time ({versus.teacher_forced.bits:.2f} bits per character).")  # fmt: skip
    right.plotly_chart(figures.text_grid(versus.free_running, versus.free_running.p_each.tolist(), "p(char)",
                                         "RdYlGn", 0, 1, width=40, title="test time: its own samples fed back in"),
                       width="content", key="clm_free")  # fmt: skip
    right.caption("The same prompt; after it, each step reads the character the model itself drew (at the temperature "
                  "below). One unlikely draw and it reads text it was never trained on: errors compound.")  # fmt: skip

    st.subheader("Sample")
    columns = st.columns([3, 1, 1, 1, 1])
    prompt = widget(PROMPT, columns[0])
    top_k, length = int(widget(TOP_K, columns[1])), int(widget(LENGTH, columns[2]))
    sample_seed, stop = int(widget(SAMPLE_SEED, columns[3])), widget(STOP, columns[4])
    with trainer.lock:
        drawn = memo((model_key, "sample", prompt, length, temperature, top_k, sample_seed, stop),
                     lambda: charlm.sample(model, vocab, prompt, length, temperature, top_k, sample_seed, stop))
    unknown = vocab.unknown(prompt)
    if unknown:
        st.warning(f"Not in the vocabulary, read as <unk>: {' '.join(unknown)}")
    st.code(prompt + drawn.text, language=None, wrap_lines=True)
    st.caption(f"The priming text, then {len(drawn.ids)} characters drawn one at a time at temperature {temperature:g}"
               + (f" from the top {top_k}" if top_k else "") + (" (stopped at <eos>, ␄)" if drawn.ids[-1:].tolist() == [0] else "")
               + ".")  # fmt: skip

    st.subheader("Read a text character by character")
    columns = st.columns([2, 3, 1])
    text_choice, colour, unit = widget(TEXT, columns[0]), widget(COLOUR, columns[1]), int(widget(UNIT, columns[2]))
    H = model.config.hidden_size
    probe_prompt, probe_rest = charlm.held_out_snippet(data, snippet_index, 1, PROBE_CHARS - 1)
    with trainer.lock:
        best = memo((model_key, "units", snippet_index), lambda: charlm.feature_units(model, vocab, probe_prompt + probe_rest))
        if text_choice == "the sample above":
            ids = [*drawn.prompt_ids.tolist(), *drawn.ids.tolist()]
        else:
            ids = [0, *vocab.encode(prompt_text + truth).tolist()]
        reading = memo((model_key, "read", tuple(ids)), lambda: charlm.read(model, vocab, ids))
    if colour == "probability":
        values, name, scale, zmin, zmax = reading.p_each.tolist(), "p(char)", "RdYlGn", 0, 1
        explain = "Colour: the probability the model gave each character before reading it (red: a surprise)."
    else:
        if colour == "unit number":
            if unit >= H:
                st.warning(f"This model has {H} hidden units (0 to {H - 1}); showing unit {H - 1}.")
            chosen = min(unit, H - 1)
            explain = f"Colour: hidden unit {chosen}'s activation h_t after reading each character."
        else:
            chosen, r = best[colour][0]
            explain = (f"Colour: hidden unit {chosen}, the one most correlated with *{colour}* on {PROBE_CHARS:,} held-out "
                       f"characters (r = {r:+.2f}).")  # fmt: skip
        values, name, scale, zmin, zmax = reading.states[:, chosen].tolist(), f"h[{chosen}]", "RdBu", -1, 1
    st.plotly_chart(figures.text_grid(reading, values, name, scale, zmin, zmax), width="content", key="clm_read")
    st.caption(explain + " Hover a character: the model's top 5 next characters after it, with their probabilities.")
    st.dataframe(charlm.feature_table(best), hide_index=True)
    st.caption("The last layer's hidden units whose activation correlates most with simple features of code, over "
               "2,000 held-out characters: inside a string literal, indentation depth, depth of brackets.")  # fmt: skip

    table = charlm.loss_table(trainer.losses, trainer.test_steps, trainer.test_losses)
    c = trainer.config
    snippet = f"""
    from rnnviz import charlm, corpora, training

    training.set_threads(1)  # the page trains on one thread: the same numbers need the same thread count
    data = charlm.prepare({LOADERS[corpus]}, seed={seed})
    config = charlm.CharLMConfig(kind={c.kind!r}, layers={c.layers}, hidden_size={c.hidden_size}, window={c.window},
                                 lr={c.lr!r}, steps={c.steps}, seed={c.seed})
    trainer = charlm.CharTrainer(data, config)
    trainer.step({trainer.step_count})  # the page's {trainer.step_count} steps, about {trainer.seconds:.0f} s here
    table = charlm.loss_table(trainer.losses, trainer.test_steps, trainer.test_losses)
    """
    offer(table, snippet, name="char_lm")


reading(trainer, loaded)
