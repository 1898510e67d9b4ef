"""Connectivity in trained models (rnnviz.connectivity): the gradients against central finite
differences on tiny models in double precision, the batched horizon against gradients computed one
window at a time, the shipped defaults' numbers that the pages print, each snippet run and compared
with the page's table, and both pages' sections moving their sliders."""

import textwrap
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from apptest_helpers import chart_keys, charts, decode, open_numbers, press, run_app

from rnnviz import charlm, connectivity, defaults, sentiment, training
from rnnviz.figures import connectivity as figures
from ui.share import frame

EPS = 1e-6  # central differences in float64: error about EPS^2 times the third derivative


def tiny_char_model(kind: str, seed: int = 0, vocab_size: int = 7) -> charlm.CharLM:
    config = replace(
        charlm.DEFAULT, kind=kind, hidden_size=8, embed_dim=4, window=12, layers=2 if kind == "lstm" else 1
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = charlm.CharLM(config, vocab_size)  # torch's own initialisation, drawn from this seed
        for p in model.parameters():  # larger weights than the default init: gradients that do not all vanish
            p.data.mul_(2.0)
    return model.double()


def char_log_p(model: charlm.CharLM, x: torch.Tensor, target: int) -> float:
    """log p(target) after reading the embedded inputs x (L, E): the model's forward, written out again."""
    with torch.no_grad():
        h, _ = model.rnn(x[None])  # (1, L, H)
        return float(torch.log_softmax(model.head(h[0, -1]), -1)[target])


def finite_difference_norms(f, x: torch.Tensor) -> np.ndarray:
    """‖∂f/∂x_k‖ (L,) for f of inputs x (L, D), by central differences, one coordinate at a time."""
    grad = torch.zeros_like(x)
    for k in range(x.shape[0]):
        for j in range(x.shape[1]):
            up, down = x.clone(), x.clone()
            up[k, j] += EPS
            down[k, j] -= EPS
            grad[k, j] = (f(up) - f(down)) / (2 * EPS)
    return grad.norm(dim=-1).numpy()


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_the_char_gradient_is_the_finite_difference_of_log_p_next(kind):
    model = tiny_char_model(kind)
    ids = np.random.default_rng(1).integers(0, 7, 10)
    t = 7
    norms = connectivity.char_gradients(model, ids, t)
    x = model.embedding.weight.detach()[torch.from_numpy(ids[: t + 1])]  # (t + 1, E)
    expected = finite_difference_norms(lambda x: char_log_p(model, x, int(ids[t + 1])), x)
    np.testing.assert_allclose(norms, expected, rtol=1e-6, atol=1e-10)
    assert norms.shape == (t + 1,) and norms.min() > 1e-8  # every character reaches it, some more than others


def test_a_position_past_the_context_is_read_from_its_last_window_only():
    model = tiny_char_model("gru")  # window 12
    ids = np.random.default_rng(2).integers(0, 7, 30)
    norms = connectivity.char_gradients(model, ids, 20)
    assert np.isnan(norms[:9]).all() and not np.isnan(norms[9:]).any()  # k = 9..20: the last 12 characters
    x = model.embedding.weight.detach()[torch.from_numpy(ids[9:21])]  # (12, E), read from a zero state
    expected = finite_difference_norms(lambda x: char_log_p(model, x, int(ids[21])), x)
    np.testing.assert_allclose(norms[9:], expected, rtol=1e-6, atol=1e-10)
    with pytest.raises(ValueError, match="t must be from 0 to 28"):
        connectivity.char_gradients(model, ids, 29)  # no next character to score


def tiny_sentiment_model(kind: str, readout: str, inputs: str) -> sentiment.SentimentRNN:
    config = sentiment.SentimentConfig(
        kind=kind, readout=readout, inputs=inputs, embed_dim=4, hidden_size=8, mlp_size=3
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        model = sentiment.SentimentRNN(config, 9)
        for p in model.parameters():
            p.data.mul_(2.0)
    return model.double()


@pytest.mark.parametrize(
    "kind, readout, inputs",
    [
        ("lstm", "last", "embedding"),
        ("gru", "max", "embedding"),
        ("rnn", "average", "one-hot"),
        ("rnn", "last", "one-hot"),
    ],
)
def test_the_word_gradient_is_the_finite_difference_of_the_log_odds(kind, readout, inputs):
    model = tiny_sentiment_model(kind, readout, inputs)
    ids = np.array([3, 1, 8, 2, 5, 5, 7])
    t = 5
    norms, logit = connectivity.word_gradients(model, ids, t)
    width = 9 if inputs == "one-hot" else 4
    x = (torch.eye(9, dtype=torch.float64) if inputs == "one-hot" else model.embedding.weight.detach())[
        ids[: t + 1]
    ]
    assert x.shape == (t + 1, width)

    def log_odds(x: torch.Tensor) -> float:  # log p(positive) − log p(negative) after the words x (t + 1, D)
        with torch.no_grad():
            h = model.rnn(x[None])[0]  # (1, t + 1, H)
            return float(model.mlp(model.pool(h, torch.tensor([t + 1]))).squeeze())

    np.testing.assert_allclose(norms, finite_difference_norms(log_odds, x), rtol=1e-6, atol=1e-10)
    assert logit == pytest.approx(log_odds(x), abs=1e-12)
    if inputs == "embedding":  # (the model's own forward makes its one-hot vectors in float32)
        with torch.no_grad():
            p_positive = float(
                torch.sigmoid(model(torch.from_numpy(ids[: t + 1])[None], torch.tensor([t + 1])))
            )
        assert 1 / (1 + np.exp(-logit)) == pytest.approx(p_positive, abs=1e-12)  # the model's own P(positive)


def test_the_batched_char_horizon_is_the_mean_of_the_windows_read_one_at_a_time():
    model = tiny_char_model("lstm")
    windows = torch.from_numpy(np.random.default_rng(4).integers(0, 7, (9, 13)))  # (B, L + 1)
    curve = connectivity.char_horizon(model, windows)
    # (B, 12): k = 0..11
    alone = np.stack([connectivity.char_gradients(model, w.numpy(), 11, context=12) for w in windows])
    np.testing.assert_allclose(curve.mean, alone[:, ::-1].mean(axis=0), rtol=1e-12)  # distance d = 11 − k
    assert curve.distances.tolist() == list(range(12)) and curve.counts.tolist() == [9] * 12


def test_the_batched_sentence_horizon_averages_each_distance_over_the_sentences_that_reach_it():
    model = tiny_sentiment_model("gru", "last", "embedding")
    sentences = [[3, 1, 8], [2, 5, 5, 7, 6, 4], [1], [8, 8, 2, 3]]
    chunks = [sentiment.pad(sentences[:2]), sentiment.pad(sentences[2:])]  # two chunks of other widths
    curve = connectivity.sentence_horizon(model, chunks, min_predictions=1)
    by_distance: dict[int, list[float]] = {}
    for ids in sentences:
        norms, _ = connectivity.word_gradients(model, np.array(ids), len(ids) - 1)
        for k, value in enumerate(norms):
            by_distance.setdefault(len(ids) - 1 - k, []).append(value)
    assert curve.distances.tolist() == list(range(6)) and curve.counts.tolist() == [4, 3, 3, 2, 1, 1]
    np.testing.assert_allclose(curve.mean, [np.mean(by_distance[d]) for d in range(6)], rtol=1e-12)


def test_fall_and_the_sentence_read_the_curve():
    curve = connectivity.Horizon(np.arange(5), np.array([2.0, 1.0, 0.1, 5e-4, 2e-3]), np.ones(5, int))
    assert curve.fall() == 3 and curve.ratio(4) == 2e-3 and curve.fall(1e-4) is None
    flat = connectivity.Horizon(np.arange(4), np.ones(4), np.ones(4, int))
    assert connectivity.horizon_sentence({"A": curve, "B": flat}) == (
        "At distance 3, c(3) / c(1) is: A 0.0005, B 1; below 0.001 × c(1): the A's from distance 3."
    )
    assert (
        connectivity.horizon_sentence({"B": flat})
        == "At distance 3, c(3) / c(1) is: B 1; none falls below 0.001 × c(1)."
    )


def test_the_figures_draw_what_they_are_given():
    model = tiny_char_model("rnn")
    vocab = charlm.CharVocabulary(("<eos>", "<unk>", "a", "b", "(", ")", "\n"))
    ids = np.array([0, 2, 3, 4, 2, 6, 5, 3])
    reading = charlm.read(model.float(), vocab, ids)
    norms = connectivity.char_gradients(model, ids, 4)
    fig = figures.char_gradients(reading, norms, 4)
    z = np.asarray(decode(fig.to_dict()["data"][0]["z"]), dtype=float)
    np.testing.assert_allclose(z[0, :5], np.log10(norms))
    assert np.isnan(z[0, 5:]).all() and "log p('↵')" in fig.layout.title.text  # position 5's newline, drawn ↵
    curve = connectivity.Horizon(np.arange(3), np.array([1.0, 0.5, 0.01]), np.array([4, 4, 2]))
    lines = figures.horizon({"LSTM": curve, "this model": curve}).to_dict()["data"]
    assert [line["line"]["dash"] for line in lines] == ["solid", "dash"]
    words = decode(
        figures.word_gradients(["not", "good", "at", "all"], np.array([0.1, 1.0]), 1, 0.0).to_dict()
    )
    assert "P(positive) = 0.500" in words["layout"]["title"]["text"]
    np.testing.assert_allclose(words["data"][0]["z"][0][:2], [-1.0, 0.0])


# --- the shipped defaults --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def char_curves():
    training.set_threads(1)
    return {
        kind: connectivity.held_out_char_horizon(defaults.load(name))
        for kind, name in connectivity.CHAR_DEFAULTS.items()
    }


@pytest.fixture(scope="module")
def sentence_curves():
    training.set_threads(1)
    return {
        kind: connectivity.held_out_sentence_horizon(defaults.load(name))
        for kind, name in connectivity.SENTIMENT_DEFAULTS.items()
    }


@pytest.mark.parametrize("page", ["char", "sentiment"])
def test_the_shipped_horizons_the_pages_read_are_the_shipped_models_own(page, char_curves, sentence_curves):
    computed = char_curves if page == "char" else sentence_curves
    shipped = connectivity.shipped_horizons(page)
    assert list(shipped) == list(computed) == ["LSTM", "GRU", "tanh RNN"]
    for kind, curve in computed.items():
        np.testing.assert_array_equal(shipped[kind].distances, curve.distances)
        np.testing.assert_array_equal(shipped[kind].counts, curve.counts)
        np.testing.assert_allclose(
            shipped[kind].mean, curve.mean, rtol=1e-4, err_msg="rerun `python -m rnnviz.connectivity`"
        )
        assert not shipped[kind].mean.flags.writeable  # read by every session: nobody writes it


def test_the_shipped_sentiment_horizons_say_what_the_page_prints(sentence_curves):
    # Every held-out sentence is scored at distance 0; 24 of them reach back 52 words, the last distance that at
    # least MIN_PREDICTIONS (20) reach. Over it the LSTM's mean gradient falls 250 times, the GRU's 18 times.
    assert all(
        c.distances[-1] == 52 and c.counts[0] == 2000 and c.counts[-1] == 24 for c in sentence_curves.values()
    )
    ratios = {kind: curve.ratio(52) for kind, curve in sentence_curves.items()}
    assert ratios == pytest.approx({"LSTM": 0.0040, "GRU": 0.056, "tanh RNN": 0.73}, rel=0.02)
    assert [curve.fall() for curve in sentence_curves.values()] == [None, None, None]
    assert connectivity.horizon_sentence(sentence_curves) == (
        "At distance 52, c(52) / c(1) is: LSTM 0.004, GRU 0.056, tanh RNN 0.73; none falls below 0.001 × c(1)."
    )


def run_snippet(code: str) -> pd.DataFrame:
    scope: dict = {}
    exec(textwrap.dedent(code), scope)
    return frame(scope["table"])


def test_the_snippets_give_the_pages_tables(sentence_curves):
    loop = defaults.load("sentiment")
    text = "the acting was great, but the ending was awful"
    tokens = loop.vocab.tokenize(text)
    norms, _ = connectivity.word_gradients(loop.model, loop.vocab.ids(tokens), 8)
    pd.testing.assert_frame_equal(
        run_snippet(
            connectivity.sentence_snippet(connectivity.sentiment_loop_code(loop.config, "sentiment"), text, 8)
        ),
        frame(connectivity.word_table(tokens, norms, 8)),
    )
    pd.testing.assert_frame_equal(
        run_snippet(connectivity.sentence_horizon_snippet(None)),
        frame(connectivity.horizon_table(sentence_curves)),
    )


def test_the_early_cue_sentence_reads_as_the_caption_says():
    readings = {}
    for kind, name in connectivity.SENTIMENT_DEFAULTS.items():
        loop = defaults.load(name)
        tokens = loop.vocab.tokenize(connectivity.EARLY_CUE)
        readings[kind] = (
            tokens,
            *connectivity.word_gradients(loop.model, loop.vocab.ids(tokens), len(tokens) - 1),
        )
    tokens, norms, logit = readings["LSTM"]
    assert 1 / (1 + np.exp(-logit)) > 0.99 and norms[tokens.index("fantastic")] < 0.1 * norms[-1]
    tokens, norms, logit = readings["tanh RNN"]
    # it answers negative, every word within a factor of 10
    assert logit < 0 and norms.min() > 0.1 * norms.max()


# --- the pages ------------------------------------------------------------------------------------------------


def test_the_sentiment_section_moves_with_its_slider(sentence_curves):
    at = run_app("pages/sentiment.py", timeout=120)
    assert not at.exception, at.exception
    assert chart_keys(at)[-2:] == ["sent_gradients", "sent_horizon"]
    drawn = charts(at)
    # the shipped LSTM: no 4th line
    assert [line["name"] for line in drawn["sent_horizon"]["data"]] == [
        "LSTM",
        "GRU",
        "tanh RNN",
    ]
    loop = defaults.load("sentiment")
    tokens = loop.vocab.tokenize("the acting was great, but the ending was awful")
    norms, _ = connectivity.word_gradients(loop.model, loop.vocab.ids(tokens), 8)
    np.testing.assert_allclose(drawn["sent_gradients"]["data"][0]["z"][0], np.log10(norms), rtol=1e-6)
    at.slider(key="sent_position").set_value(3).run()
    assert not at.exception, at.exception
    z = np.asarray(charts(at)["sent_gradients"]["data"][0]["z"][0], dtype=float)
    norms, _ = connectivity.word_gradients(loop.model, loop.vocab.ids(tokens), 3)
    np.testing.assert_allclose(z[:4], np.log10(norms), rtol=1e-6)
    assert (
        np.isnan(z[4:]).all()
        and "after word 3 ('great')" in charts(at)["sent_gradients"]["layout"]["title"]["text"]
    )
    said = connectivity.HORIZON_CAPTION + connectivity.sentence_horizon_sentence(sentence_curves)
    assert said in [c.value for c in at.caption] and said.endswith(
        "At distance 52, c(52) / c(1) is: LSTM 0.004, GRU 0.056, tanh RNN 0.73; none falls below 0.001 × c(1). Held-out "
        "early cues right: LSTM 100.0%, GRU 100.0%, tanh RNN 64.0%. The flattest line is the tanh RNN's, the one that "
        "loses early cues: a gradient that reaches far back is not a cue kept."
    )


def test_the_char_lm_section_moves_with_its_slider(char_curves):
    at = run_app("pages/char_language_model.py", timeout=180)
    assert not at.exception, at.exception
    assert chart_keys(at)[-2:] == ["clm_gradients", "clm_horizon"]
    drawn = charts(at)
    assert [line["name"] for line in drawn["clm_horizon"]["data"]] == ["LSTM", "GRU", "tanh RNN"]
    loop = defaults.load("char_lm")
    reading = charlm.teacher_forced(
        loop.model, loop.data.vocab, *charlm.held_out_snippet(loop.data, 0, 60, 120)
    ).reading
    assert len(reading.ids) == 181 and "position 150:" in drawn["clm_gradients"]["layout"]["title"]["text"]
    at.slider(key="clm_position").set_value(40).run(timeout=120)
    assert not at.exception, at.exception
    z = np.asarray(charts(at)["clm_gradients"]["data"][0]["z"], dtype=float).ravel()
    norms = connectivity.char_gradients(loop.model, reading.ids, 40)
    # the 41 cells read
    np.testing.assert_allclose(np.sort(z[np.isfinite(z)]), np.sort(np.log10(norms)), rtol=1e-5)
    said = connectivity.HORIZON_CAPTION + connectivity.char_horizon_sentence(char_curves)
    assert said in [c.value for c in at.caption]
    pd.testing.assert_frame_equal(
        run_snippet(
            connectivity.char_snippet(
                connectivity.char_model_code("char_lm", charlm.DEFAULT, 3000, "python stdlib"),
                reading.ids,
                40,
            )
        ),
        frame(connectivity.char_table(reading.chars, norms, 40)),
    )
    pd.testing.assert_frame_equal(
        run_snippet(connectivity.char_horizon_snippet(None)), frame(connectivity.horizon_table(char_curves))
    )


def test_the_shipped_char_horizons_say_what_the_page_prints(char_curves):
    # 64 held-out windows of 128 characters: the tanh RNN's mean gradient is below 1e-3 of c(1) from 35 characters
    # back and at 1.5e-10 of it at 127; the LSTM's and the GRU's stay above 1e-3 all the way (0.0026, 0.0062).
    assert all(
        c.distances.tolist() == list(range(128)) and set(c.counts) == {64} for c in char_curves.values()
    )
    ratios = {kind: curve.ratio(127) for kind, curve in char_curves.items()}
    assert ratios == pytest.approx({"LSTM": 0.0026, "GRU": 0.0062, "tanh RNN": 1.5e-10}, rel=0.03)
    assert [curve.fall() for curve in char_curves.values()] == [None, None, 35]
    assert connectivity.char_horizon_sentence(char_curves) == (
        "The LSTM has 512 units, the GRU and the tanh RNN 256 (the same corpus, windows and schedule; held-out 1.681, "
        "1.810, 2.061 bits per character); 64 held-out windows of 128 characters. At distance 127, c(127) / c(1) is: "
        "LSTM 0.0026, GRU 0.0062, tanh RNN 1.5e-10; below 0.001 × c(1): the tanh RNN's from distance 35."
    )
    sizes = {
        name: defaults.describe(name)["settings"]["hidden_size"]
        for name in connectivity.CHAR_DEFAULTS.values()
    }
    assert sizes == {"char_lm": 512, "char_lm_gru": 256, "char_lm_rnn": 256}


def test_a_shorter_text_moves_the_position_to_its_end_and_one_word_needs_no_slider():
    at = run_app("pages/char_language_model.py", query={"clm_position": "170"}, timeout=180)
    at.radio(key="clm_text").set_value("the sample above").run(timeout=120)
    # "def " and 10 characters: positions 0 to 13
    at.number_input(key="clm_length").set_value(10).run(timeout=120)
    assert not at.exception, at.exception
    assert (
        at.slider(key="clm_position").value == 13
        and "position 13:" in charts(at)["clm_gradients"]["layout"]["title"]["text"]
    )
    at = run_app("pages/sentiment.py", query={"sent_tweet": "good"}, timeout=120)
    assert not at.exception, at.exception
    assert (
        "sent_position" not in [s.key for s in at.slider]
        and "after word 0 ('good')" in charts(at)["sent_gradients"]["layout"]["title"]["text"]
    )


@pytest.mark.parametrize(
    "path, query, buttons",
    [
        (
            "pages/char_language_model.py",
            {
                "clm_corpus": "rnnviz source",
                "clm_hidden": "32",
                "clm_window": "32",
                "clm_steps": "40",
                "clm_step_size": "3",
                "clm_position": "30",
            },
            ["Step"],
        ),
        (
            "pages/sentiment.py",
            {"sent_hidden": "8", "sent_epochs": "1", "sent_kind": "gru", "sent_position": "4"},
            ["Train this"],
        ),
    ],
)
def test_a_sessions_own_model_has_its_own_line_and_its_snippets_give_the_tables(path, query, buttons):
    at = run_app(path, query=query, timeout=180)
    for label in buttons:
        at = press(at, label)
    at = open_numbers(at)
    assert not at.exception, at.exception
    horizon = "clm_horizon" if "char" in path else "sent_horizon"
    assert [line["name"] for line in charts(at)[horizon]["data"]] == ["LSTM", "GRU", "tanh RNN", "this model"]
    pairs = [
        (e.dataframe[0].value, c.value)
        for e in at.expander
        for c in e.code
        if "connectivity" in c.value and "table =" in c.value
    ]
    assert len(pairs) == 2
    for shown, snippet in pairs:
        pd.testing.assert_frame_equal(
            run_snippet(snippet).reset_index(drop=True),
            shown.reset_index(drop=True),
            check_dtype=False,
            rtol=1e-9,
            atol=1e-12,
        )
