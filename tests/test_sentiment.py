"""The sentiment classifier: tokenizer, vocabulary, readouts, a short training run, reading a tweet."""

import numpy as np
import pytest
import torch

from rnnviz import corpora, sentiment, training


@pytest.fixture(scope="module")
def data():
    return corpora.builtin(n_train=1500, n_test=400, seed=3)


def test_tokenizer_and_unknown_words():
    assert sentiment.tokenize("The Movie was NOT good!!") == ["the", "movie", "was", "not", "good", "!", "!"]
    vocab = sentiment.build_vocabulary(["good movie", "bad movie"])
    assert vocab.words[:3] == ("<pad>", "<unk>", "movie")
    assert vocab.ids(["movie", "zzz"]) == [2, 1]
    ids, lengths = sentiment.encode(["good movie", "", "zzz qqq bad"], vocab)
    assert ids.shape == (3, 3) and lengths.tolist() == [2, 1, 3] and ids[1].tolist() == [1, 0, 0]


@pytest.mark.parametrize("readout", sentiment.READOUTS)
def test_readouts_ignore_padding(readout):
    config = sentiment.SentimentConfig(readout=readout, hidden_size=8, embed_dim=4, mlp_size=4)
    model = sentiment.SentimentRNN(config, vocab_size=10)
    short = model(torch.tensor([[3, 4, 5]]), torch.tensor([3]))
    padded = model(torch.tensor([[3, 4, 5, 0, 0, 0]]), torch.tensor([3]))
    assert torch.allclose(short, padded, atol=1e-6)
    h = model.states(torch.tensor([[3, 4, 5]]))[0]
    expected = {"last": h[-1], "max": h.max(0).values, "average": h.mean(0)}[readout]
    assert torch.allclose(model.pool(h[None], torch.tensor([3]))[0], expected)


def test_bad_configs_raise():
    for bad in [dict(kind="tcn"), dict(readout="sum"), dict(inputs="chars"), dict(lr=0.0), dict(epochs=0)]:
        with pytest.raises(ValueError):
            sentiment.SentimentConfig(**bad)


def test_a_short_training_run_beats_chance_and_reads_a_tweet(data):
    training.set_threads(1)
    train_set, test_set = data
    calls = []
    trained = sentiment.train(sentiment.SentimentConfig(epochs=2, hidden_size=32), train_set, test_set,
                              progress=lambda f, m: calls.append(f))  # fmt: skip
    result = sentiment.evaluate(trained, test_set)
    assert result.accuracy > 0.8 and result.confusion.sum() == len(test_set)
    assert calls and calls[-1] == pytest.approx(1.0) and len(trained.test_accuracy) == len(trained.test_steps)
    reading = sentiment.read_tweet(trained, "the movie was great, but the ending was awful blorp")
    assert reading.states.shape == (len(reading.tokens), 32) and reading.probabilities.shape == (
        len(reading.tokens),
    )
    assert reading.known[-1] is False and all(reading.known[:-1])
    assert np.all((reading.probabilities >= 0) & (reading.probabilities <= 1))
    with pytest.raises(ValueError):
        sentiment.read_tweet(trained, "  ,, ")


@pytest.mark.parametrize("readout", ["max", "average"])
def test_pooled_readouts_read_word_by_word(data, readout):
    train_set, test_set = data
    trained = sentiment.train(
        sentiment.SentimentConfig(readout=readout, epochs=1, hidden_size=16), train_set, test_set
    )
    reading = sentiment.read_tweet(trained, "the food was not good")
    final = sentiment.predict(trained.model, trained.vocab, ["the food was not good"])[0]
    assert reading.probabilities[-1] == pytest.approx(final, abs=1e-5)


def test_bag_of_words_fails_where_word_order_matters(data):
    train_set, test_set = data
    bow = sentiment.evaluate(sentiment.train_bag_of_words(train_set, test_set, epochs=5), test_set)
    assert bow.by_kind["plain"] > 0.9 and bow.order_accuracy < 0.7


def test_one_hot_inputs_train(data):
    train_set, test_set = data
    trained = sentiment.train(sentiment.SentimentConfig(inputs="one-hot", kind="gru", epochs=1, hidden_size=16),
                              train_set, test_set)  # fmt: skip
    assert sentiment.evaluate(trained, test_set).accuracy > 0.6


def test_characters_are_tokens_too_and_a_character_lstm_learns(data):
    assert sentiment.tokenize("Not bad!", "characters") == list("not bad!")
    vocab = sentiment.build_vocabulary(["ab", "ba!"], unit="characters")
    assert set(vocab.words[2:]) == {"a", "b", "!"} and vocab.tokenize("Ab") == ["a", "b"]
    train_set, test_set = data
    config = sentiment.SentimentConfig(tokens="characters", epochs=2, hidden_size=32)
    assert config.token_limit == 250
    trained = sentiment.train(config, train_set, test_set)
    assert trained.vocab.unit == "characters" and len(trained.vocab) < 60  # letters, digits, punctuation
    assert sentiment.evaluate(trained, test_set).accuracy > 0.6
    reading = sentiment.read_tweet(trained, "so good")
    assert reading.tokens == tuple("so good") and reading.states.shape == (7, 32)
    with pytest.raises(ValueError, match="words or characters"):
        sentiment.SentimentConfig(tokens="bytes")
