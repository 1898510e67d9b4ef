"""Sentiment: an RNN trained to tell positive from negative tweets, beside a bag-of-words baseline that
cannot see word order; a typed tweet read word by word; and an upload of a Sentiment140 file."""

import math
import threading

import streamlit as st

from rnnviz import corpora, sentiment, training
from rnnviz.figures import sentiment as figures
from ui.controls import Choice, Number, Text, warn_about_bad_link, widget
from ui.share import offer
from ui.shell import run_inside_app

KIND = Choice("sent_kind", "network", sentiment.KINDS, "lstm")
READOUT = Choice("sent_readout", "readout of the hidden states", sentiment.READOUTS, "last",
                 help="last: the final h_T; max / average: pooled over every h_t (padding masked)")  # fmt: skip
INPUTS = Choice("sent_inputs", "tokens as", sentiment.INPUTS, "embedding")
HIDDEN = Number("sent_hidden", "hidden units", 64, 8, 128, 8)
EPOCHS = Number("sent_epochs", "epochs", 4, 1, 10, 1)
SEED = Number("sent_seed", "seed", 0, 0, 9999, 1)
TWEET = Text("sent_tweet", "type a tweet", "the acting was great, but the ending was awful", max_chars=300)
TOKENS = Choice("sent_tokens", "the RNN reads", sentiment.UNITS, "words",
                help="One step per word, or one step per character (longer sequences, no unknown words).")
CONTROLS = [KIND, READOUT, INPUTS, HIDDEN, EPOCHS, SEED, TOKENS, TWEET]
DEFAULTS = (KIND.default, READOUT.default, INPUTS.default, HIDDEN.default, EPOCHS.default, SEED.default,
            TOKENS.default)
UPLOAD_ROWS = 20000  # tweets of an uploaded file used for training (the first ones)


@st.cache_resource
def builtin_corpus() -> tuple[corpora.Corpus, corpora.Corpus]:
    """The built-in corpus: 8000 training and 2000 test sentences."""
    return corpora.builtin()


@st.cache_resource(max_entries=16)
def slot(
    kind: str, readout: str, inputs: str, hidden: int, epochs: int, seed: int, tokens: str
) -> tuple[dict, threading.Lock]:
    """One place per setting for the trained model, shared by every session; filled under its lock."""
    return {}, threading.Lock()


@st.cache_resource
def bag_of_words() -> sentiment.Evaluation:
    """The bag-of-words baseline trained on the built-in split, scored on its test split."""
    return sentiment.evaluate(sentiment.train_bag_of_words(*builtin_corpus()), builtin_corpus()[1])


def trained_model(settings: tuple, label: str) -> sentiment.Trained:
    """Train the model of these settings with a progress bar (or wait for another session's)."""
    place, lock = slot(*settings)
    training.set_threads(1)
    bar = st.progress(0.0, text=f"Training the {label}...")
    with lock:
        if "trained" not in place:
            config = sentiment.SentimentConfig(kind=settings[0], readout=settings[1], inputs=settings[2],
                                               hidden_size=settings[3], epochs=settings[4], seed=settings[5],
                                               tokens=settings[6])  # fmt: skip

            def report(fraction: float, message: str) -> None:
                bar.progress(min(fraction, 1.0), text=f"Training the {label}: {message}")

            trained = sentiment.train(config, *builtin_corpus(), progress=report)
            place["trained"], place["evaluation"] = trained, sentiment.evaluate(trained, builtin_corpus()[1])
    bar.empty()
    return place["trained"]


def percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{100 * value:.1f}%"


run_inside_app()
st.title("Sentiment: an RNN reads tweets")
st.markdown(
    "Tweets whose emoticon was removed: was it positive or negative? Words go in one by one "
    "(embedding or one-hot), an RNN / LSTM / GRU carries a hidden state, and a readout of the hidden "
    "states (the last one, or max- or average-pooling over all of them) feeds a small MLP. The built-in "
    "corpus has plain sentences, negations (*not good*, *never disappointed*) and late cues that flip the "
    "sentence (*…, but the ending was awful*): a bag of words cannot tell those apart."
)
warn_about_bad_link(CONTROLS)
columns = st.columns(3)
kind, readout, inputs = widget(KIND, columns[0]), widget(READOUT, columns[1]), widget(INPUTS, columns[2])
columns = st.columns(4)
hidden, epochs, seed = (
    int(widget(HIDDEN, columns[0])),
    int(widget(EPOCHS, columns[1])),
    int(widget(SEED, columns[2])),
)
tokens = widget(TOKENS, columns[3])
settings = (kind, readout, inputs, hidden, epochs, seed, tokens)
name = f"{kind.upper()} ({readout} readout, {inputs} {tokens})"
place, _ = slot(*settings)
if "trained" not in place and settings != DEFAULTS and not st.button(f"Train this {name}", type="primary"):
    st.info(
        f"This {name} is not trained yet: {epochs} epochs of Adam over 8000 sentences, a few seconds each."
    )
else:
    trained = trained_model(settings, name)
    evaluation, bow = place["evaluation"], bag_of_words()
    st.subheader("Training")
    st.caption(f"Trained in {trained.seconds:.1f} s on 8000 sentences; tested on 2000 held-out ones.")
    st.plotly_chart(figures.training_curves(trained), width="stretch", key="sent_curves")
    left, right = st.columns(2)
    left.plotly_chart(figures.confusion_matrix(evaluation.confusion, f"{kind.upper()}: test set"), width="stretch",
                      key="sent_confusion")  # fmt: skip
    right.plotly_chart(figures.confusion_matrix(bow.confusion, "bag of words: test set"), width="stretch",
                       key="sent_bow_confusion")  # fmt: skip
    metrics = st.columns(4)
    metrics[0].metric(f"{kind.upper()}, test accuracy", percent(evaluation.accuracy))
    metrics[1].metric(f"{kind.upper()}, negation + late cue", percent(evaluation.order_accuracy))
    metrics[2].metric("bag of words, test accuracy", percent(bow.accuracy))
    metrics[3].metric("BoW, negation + late cue", percent(bow.order_accuracy))
    st.caption("The bag of words (BoW) adds up one weight per word: it gets the plain sentences right, but *not good* "
               "and *good, but awful* hold the same words as their opposites, so there it is near chance.")  # fmt: skip

    st.subheader("Type a tweet")
    text = widget(TWEET)
    try:
        reading = sentiment.read_tweet(trained, text)
    except ValueError as error:
        st.error(str(error))
    else:
        unknown = [t for t, known in zip(reading.tokens, reading.known) if not known]
        final = float(reading.probabilities[-1])
        st.markdown(f"**{'positive' if final > 0.5 else 'negative'}** (P(positive) = {final:.3f}); readout: "
                    f"**{readout}**" + (f"; unknown words read as <unk>: {', '.join(unknown)}" if unknown else ""))  # fmt: skip
        st.plotly_chart(figures.reading_line(reading), width="stretch", key="sent_reading")
        st.caption("After each word: the MLP applied to the readout of the words so far (the last state, or the "
                   "running max / mean of the states).")  # fmt: skip
        st.plotly_chart(figures.state_heatmap(reading), width="stretch", key="sent_states")
        offer(reading.table(), f"""
from rnnviz import corpora, sentiment, training

training.set_threads(1)  # the lab trains on one thread; the numbers match it
train_set, test_set = corpora.builtin()  # the generated corpus: 8000 training, 2000 held-out sentences
config = sentiment.SentimentConfig(kind={kind!r}, readout={readout!r}, inputs={inputs!r}, hidden_size={hidden},
                                   epochs={epochs}, seed={seed}, tokens={tokens!r})
trained = sentiment.train(config, train_set, test_set)  # about {trained.seconds:.0f} s
reading = sentiment.read_tweet(trained, {text!r})
table = reading.table()  # P(positive) after each token
""", name="sentiment")


    st.subheader("Three readouts on the same data")
    rows = {"readout": [], "test accuracy": [], "negation + late cue": [], "train seconds": []}
    missing = []
    for other in sentiment.READOUTS:
        other_place, _ = slot(kind, other, inputs, hidden, epochs, seed, tokens)
        if "trained" not in other_place:
            missing.append(other)
            continue
        rows["readout"].append(other)
        rows["test accuracy"].append(percent(other_place["evaluation"].accuracy))
        rows["negation + late cue"].append(percent(other_place["evaluation"].order_accuracy))
        rows["train seconds"].append(f"{other_place['trained'].seconds:.1f}")
    st.dataframe(rows, hide_index=True)
    if missing and st.button(
        f"Train the {' and '.join(missing)} readout{'s' if len(missing) > 1 else ''} too"
    ):
        for other in missing:
            trained_model((kind, other, inputs, hidden, epochs, seed, tokens), f"{kind.upper()} ({other} readout)")
        st.rerun()

st.subheader("Your own tweets: a Sentiment140 file")
st.markdown("A CSV without header, columns polarity (0 negative, 4 positive), id, date, query, user, text; "
            f"latin-1 or UTF-8. The first {UPLOAD_ROWS:,} tweets train the default LSTM, 20% held out.")  # fmt: skip
upload = st.file_uploader("Sentiment140 CSV", type=["csv"], key="sent_upload")
if upload is not None:
    try:
        tweets = corpora.load_sentiment140(upload.getvalue(), max_rows=UPLOAD_ROWS)
        if len(tweets) < 10:
            raise ValueError(f"The file has {len(tweets)} usable tweets; at least 10 are needed.")
    except ValueError as error:
        st.error(f"Could not read this file: {error}")
    else:
        st.success(f"Read {len(tweets):,} tweets ({int(tweets.labels.sum()):,} positive).")
        if st.button("Train on these tweets"):
            train_set, test_set = corpora.split(tweets, 0.2, seed=0)
            bar = st.progress(0.0, text="Training on your tweets...")
            mine = sentiment.train(sentiment.SentimentConfig(), train_set, test_set,
                                   progress=lambda f, m: bar.progress(min(f, 1.0), text=f"Training: {m}"))  # fmt: skip
            bar.empty()
            mine_bow = sentiment.train_bag_of_words(train_set, test_set, vocab=mine.vocab)
            scores = st.columns(2)
            scores[0].metric("LSTM, test accuracy", percent(sentiment.evaluate(mine, test_set).accuracy))
            scores[1].metric(
                "bag of words, test accuracy", percent(sentiment.evaluate(mine_bow, test_set).accuracy)
            )
