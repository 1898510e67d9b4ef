"""Sentiment: RNNs that read generated sentences and say positive or negative, with three readouts of
their hidden states, beside a bag of words; a typed sentence read word by word; Sentiment140 uploads."""

import streamlit as st

from rnnviz import connectivity, corpora, sentiment
from rnnviz.figures import connectivity as connectivity_figures
from rnnviz.figures import sentiment as figures
from ui.controls import Choice, Number, Text, position, warn_about_bad_link, widget, widgets
from ui.models import SessionModel, shared
from ui.share import offer
from ui.shell import run_inside_app

# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
C = sentiment.SentimentConfig  # its fields' settings give these controls their labels, ranges and help
KIND = Choice("sent_kind", "network", sentiment.KINDS, C.kind)
READOUT, INPUTS = Choice.of(C, "readout", "sent_readout"), Choice.of(C, "inputs", "sent_inputs")
HIDDEN, EPOCHS, SEED = Number.of(C, "hidden_size", "sent_hidden"), Number.of(C, "epochs", "sent_epochs"), Number.of(C, "seed", "sent_seed")
TOKENS = Choice.of(C, "tokens", "sent_tokens")
TWEET = Text("sent_tweet", "type a sentence", "the acting was great, but the ending was awful", max_chars=300)
POSITION = Number("sent_position", "word t (0 is the first)", 8, 0, 299, 1, slider=True)  # up to 300 characters read
CONTROLS = [KIND, READOUT, INPUTS, HIDDEN, EPOCHS, SEED, TOKENS, TWEET, POSITION]
# fmt: on
UPLOAD_ROWS = 20000  # tweets of an uploaded file used (a random sample of them when it has more)
WORK_S = 0.8  # training on a click takes turns with other sessions' (training.LIVE_LANE) in slices this long
MODEL = SessionModel("sent_model")


# Readings of a model, keyed by who it is and its step (ui.models.reading_key): every session reading a
# shared default shares them, and a session's own model is read again only when it has trained.
@st.cache_resource(max_entries=32, show_spinner=False)
def scored(key: tuple, _loop: sentiment.SentimentTrainer) -> sentiment.Evaluation:
    with _loop.lock:
        return sentiment.evaluation(_loop)


@st.cache_resource(max_entries=256, show_spinner=False)
def read(key: tuple, text: str, _loop: sentiment.SentimentTrainer) -> sentiment.SentenceReading:
    with _loop.lock:
        return sentiment.read_tweet(_loop, text)


@st.cache_resource(max_entries=16, show_spinner=False)
def horizon(key: tuple, _loop: sentiment.SentimentTrainer) -> connectivity.Horizon:  # a session's own model's
    with _loop.lock:
        return connectivity.held_out_sentence_horizon(_loop)


def percent(value: float) -> str:
    return "—" if value != value else f"{100 * value:.1f}%"  # nan: no sentence of that kind


run_inside_app()
st.title("Sentiment: an RNN reads a sentence")
st.markdown(
    "Is a sentence positive or negative? Words (or characters) go in one by one, as embeddings or one-hot "
    "vectors; an RNN / LSTM / GRU carries a hidden state, and a readout of the hidden states (the last one, or max- or average-pooling over "
    "all of them) feeds a small MLP. The built-in corpus is **generated from templates**, not real tweets, so "
    "that what decides each label is known: *plain* sentences, *negations* (*not good*, *never disappointed*), "
    "*late cues* that flip the sentence (*…, but the ending was awful*) and *early cues* followed by 4 to 51 "
    "neutral words, which the last hidden state must carry to the end. 8000 training sentences; the 2000 "
    "held-out ones are built from subject–word pairs (*the movie … great*) that no training sentence contains."
)
warn_about_bad_link(CONTROLS)
chosen = widgets({"kind": KIND, "readout": READOUT, "inputs": INPUTS}, st.columns(3))
chosen |= widgets({"hidden_size": HIDDEN, "epochs": EPOCHS, "seed": SEED, "tokens": TOKENS}, st.columns(4))
config = sentiment.SentimentConfig(**chosen)
default = sentiment.shipped_name(config)
try:
    loop = MODEL.get(config, default, config if default else None, lambda: sentiment.trainer(config))
except ValueError as error:  # a step too large for a slice of training (sentiment.MAX_STEP_WORK)
    st.error(f"These settings cannot train here: {error}.")
    st.stop()
if not loop.done:  # other settings than a shipped model's train in this session, on a click
    st.info(
        f"This {config.name} is not trained yet: {config.epochs} epochs of Adam over 8000 sentences, {loop.steps} steps."
    )
if not loop.done and st.button(f"Train this {config.name}", type="primary"):
    bar, loop = st.progress(0.0, text=f"Training the {config.name}..."), MODEL.own()
    while not loop.done:
        loop.train_for(WORK_S)
        bar.progress(loop.step_count / loop.steps, text=f"Training: step {loop.step_count} of {loop.steps}")
    bar.empty()


@st.fragment
def typed(loop: sentiment.SentimentTrainer, config: sentiment.SentimentConfig) -> None:
    """A typed sentence read by the model: typing reruns this alone."""
    st.subheader("Type a sentence")
    text = widget(TWEET)
    try:
        reading = read(MODEL.reading_key(), text, loop)
    except ValueError as error:
        st.error(str(error))
        return
    unknown = [t for t, known in zip(reading.tokens, reading.known) if not known]
    final = float(reading.probabilities[-1])
    st.markdown(
        f"**{'positive' if final > 0.5 else 'negative'}** (P(positive) = {final:.3f}); readout: "
        f"**{config.readout}**"
        + (f"; unknown {config.tokens} read as <unk>: {', '.join(unknown)}" if unknown else "")
    )
    st.plotly_chart(figures.reading_line(reading), width="stretch", key="sent_reading")
    st.caption(
        f"After each of the {config.tokens}: the MLP applied to the readout of the states so far (the last "
        "state, or the running max / mean of the states)."
    )
    st.plotly_chart(figures.state_heatmap(reading), width="stretch", key="sent_states")
    offer(reading.table(), sentiment.snippet(config, text, loop.seconds), name="sentiment")
    gradient_view(loop, reading, text)


@st.fragment
def gradient_view(loop: sentiment.SentimentTrainer, reading: sentiment.SentenceReading, text: str) -> None:
    """Gradients to each earlier word at a picked one (its slider reruns this alone), beside the horizons."""
    st.subheader("How far back does the decision reach? Its gradient to each earlier word")
    t = position(POSITION, len(reading.tokens) - 1)
    shipped = MODEL.reading_key()[0] == 0  # a shared default, not this session's own model
    name = sentiment.shipped_name(loop.config) if shipped else None
    code, own_line = (
        connectivity.sentiment_loop_code(loop.config, name),
        name not in connectivity.SENTIMENT_DEFAULTS.values(),
    )
    curves = connectivity.shipped_horizons("sentiment")
    if own_line:
        curves["this model"] = horizon(MODEL.reading_key(), loop)
    with loop.lock:
        norms, logit = connectivity.word_gradients(loop.model, loop.vocab.ids(reading.tokens), t)
    st.plotly_chart(
        connectivity_figures.word_gradients(reading.tokens, norms, t, logit),
        width="stretch",
        key="sent_gradients",
    )
    st.caption(connectivity.SENTENCE_CAPTION)
    offer(
        connectivity.word_table(reading.tokens, norms, t),
        connectivity.sentence_snippet(code, text, t),
        name="sent_gradients",
    )
    st.plotly_chart(
        connectivity_figures.horizon(curves, "words", "logit"), width="stretch", key="sent_horizon"
    )
    st.caption(connectivity.HORIZON_CAPTION + connectivity.sentence_horizon_sentence(curves))
    offer(
        connectivity.horizon_table(curves),
        connectivity.sentence_horizon_snippet(code if own_line else None),
        name="sent_horizon",
    )


if loop.done:
    records, evaluation = loop.records(), scored(MODEL.reading_key(), loop)
    bow = scored(("shipped", "sentiment_bow"), shared("sentiment_bow"))
    st.subheader("Training")
    # a shipped model's run
    ahead = " (ahead of time, on a machine shared with other jobs)" if default else ""
    st.caption(f"{config.name}: {records.status}, {records.seconds:.1f} s of training{ahead}.")
    st.plotly_chart(figures.training_curves(records), width="stretch", key="sent_curves")
    shown = {
        f"{config.kind.upper()}, test accuracy": evaluation.accuracy,
        "bag of words, test accuracy": bow.accuracy,
        f"{config.kind.upper()}, negation + late cue": evaluation.order_accuracy,
        f"{config.kind.upper()}, early cue": evaluation.memory_accuracy,
    }
    for column, (label, value) in zip(st.columns(4), shown.items()):
        column.metric(label, percent(value))
    left, right = st.columns(2)
    left.plotly_chart(
        figures.confusion_matrix(evaluation.confusion, f"{config.name}: test set"),
        width="stretch",
        key="sent_confusion",
    )
    right.plotly_chart(
        figures.confusion_matrix(bow.confusion, "bag of words: test set"),
        width="stretch",
        key="sent_bow_confusion",
    )

    st.subheader("Readouts, networks and a bag of words on the same sentences")
    rows = sentiment.shipped_scores()
    if default is None:
        rows[f"{config.name}, yours"] = sentiment.scores(evaluation)
    table = sentiment.accuracy_table(rows)
    st.plotly_chart(figures.accuracy_by_kind(table), width="stretch", key="sent_by_kind")
    st.dataframe(
        {
            column: values if column == "model" else [percent(v) for v in values]
            for column, values in table.items()
        },
        hide_index=True,
    )
    st.caption(
        "Held-out accuracy on each kind of sentence (the shipped models: the page's default settings, network "
        "and readout aside; the bag of words has its own). The bag of words adds up one weight per "
        "word: *not good* holds the word *good*, so it gets negations backwards, and *great, but awful* holds "
        "the same words as *awful, but great*, so late cues are a coin toss. A tanh RNN's last state forgets "
        "an early cue over the neutral words that follow (it is right on 76% of them when 4 to 9 words follow "
        "the cue, 59% when 40 or more do); pooling over every state (max, average) keeps it, and so does the "
        "LSTM's last state, whose cell carries it."
    )
    typed(loop, config)


@st.fragment
def upload() -> None:
    """Training on uploaded tweets: its own controls."""
    st.subheader("Real tweets: a Sentiment140 file")
    st.markdown(
        "Sentiment140 (Go, Bhayani and Huang 2009) is data of the lecture's kind: tweets labelled by the "
        "emoticon they held, the emoticon removed. A CSV without header, columns polarity (0 negative, 4 positive), id, date, query, user, text; "
        f"latin-1 or UTF-8, at most 10 MB. {corpora.SENTIMENT140_BALANCED} Up to {UPLOAD_ROWS:,} of its "
        "tweets (a random sample of a larger file) train the default LSTM and a bag of words, 20% held out."
    )
    file = st.file_uploader("Sentiment140 CSV", type=["csv"], key="sent_upload")
    if file is None:
        return
    try:
        tweets = corpora.load_sentiment140(file.getvalue(), max_rows=UPLOAD_ROWS)
        if len(tweets) < 10:
            raise ValueError(f"The file has {len(tweets)} usable tweets; at least 10 are needed.")
    except ValueError as error:
        st.error(f"Could not read this file: {error}")
        return
    st.success(f"Read {len(tweets):,} tweets ({int(tweets.labels.sum()):,} positive).")
    if st.button("Train on these tweets"):
        bar = st.progress(0.0, text="Training on your tweets...")
        scores = st.columns(2)
        for column, mine in zip(scores, sentiment.upload_trainers(tweets)):
            while not mine.done:
                mine.train_for(WORK_S)
                bar.progress(
                    mine.step_count / mine.steps, text=f"Training the {mine.config.name}: {mine.status()}"
                )
            column.metric(
                f"{'LSTM' if mine.config.kind == 'lstm' else 'bag of words'}, test accuracy",
                percent(sentiment.evaluation(mine).accuracy),
            )
        bar.empty()


upload()
