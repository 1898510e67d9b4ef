"""Sentiment lab on the built-in corpus: train seconds and test accuracy (overall and on the negation /
late-cue subset) of the LSTM with each readout, a GRU and a tanh RNN, and the bag-of-words baseline.

Run: PYTHONPATH=. python benchmarks/sentiment.py
"""

import time

from rnnviz import corpora, sentiment, training


def main() -> None:
    """Print one row per model."""
    training.set_threads(1)
    train_set, test_set = corpora.builtin()
    print(f"built-in corpus: {len(train_set)} training, {len(test_set)} test sentences")
    print(f"{'model':<22}{'train s':>9}{'test acc':>10}{'neg+late':>10}{'negation':>10}{'late cue':>10}")
    configs = [("LSTM, last", sentiment.SentimentConfig()),
               ("LSTM, max", sentiment.SentimentConfig(readout="max")),
               ("LSTM, average", sentiment.SentimentConfig(readout="average")),
               ("GRU, last", sentiment.SentimentConfig(kind="gru")),
               ("RNN, last", sentiment.SentimentConfig(kind="rnn")),
               ("LSTM, last, characters", sentiment.SentimentConfig(tokens="characters"))]  # fmt: skip
    rows = []
    for name, config in configs:
        start = time.perf_counter()
        trained = sentiment.train(config, train_set, test_set)
        rows.append((name, time.perf_counter() - start, sentiment.evaluate(trained, test_set)))
    start = time.perf_counter()
    bow = sentiment.train_bag_of_words(train_set, test_set)
    rows.append(("bag of words (logreg)", time.perf_counter() - start, sentiment.evaluate(bow, test_set)))
    for name, seconds, e in rows:
        print(f"{name:<22}{seconds:>9.1f}{e.accuracy:>10.3f}{e.order_accuracy:>10.3f}"
              f"{e.by_kind['negation']:>10.3f}{e.by_kind['late_cue']:>10.3f}")  # fmt: skip


def rnnviz_steps(n: int) -> float:
    """Seconds for n training steps of sentiment.train at the page's defaults (its test accuracy
    evaluated about 20 times along the way, as the page does)."""
    train_set, test_set = corpora.builtin()
    config = sentiment.SentimentConfig(epochs=1)
    subset = corpora.Corpus(train_set.texts[: n * config.batch_size], train_set.labels[: n * config.batch_size],
                            train_set.kinds[: n * config.batch_size])  # fmt: skip
    start = time.perf_counter()
    sentiment.train(config, subset, test_set)
    return time.perf_counter() - start


def plain_steps(n: int) -> float:
    """Seconds for n steps of a bare torch loop on the same model and padded batches: forward, loss,
    backward, clip, Adam; no test set, no records."""
    import torch

    from benchmarks.plain_torch import time_plain_steps

    train_set, _ = corpora.builtin()
    config = sentiment.SentimentConfig(epochs=1)
    vocab = sentiment.build_vocabulary(train_set.texts, unit=config.tokens)
    model = sentiment.SentimentRNN(config, len(vocab))
    labels = torch.as_tensor(train_set.labels, dtype=torch.float32)
    rows = [vocab.ids(vocab.tokenize(t)[: config.token_limit]) or [1] for t in train_set.texts]

    def step_loss(k: int) -> torch.Tensor:
        batch = slice((k - 1) * config.batch_size, k * config.batch_size)
        ids, lengths = sentiment.pad(rows[batch])  # (B, longest), (B,)
        return torch.nn.functional.binary_cross_entropy_with_logits(model(ids, lengths), labels[batch])

    return time_plain_steps(model, config.lr, config.clip, step_loss, n)


if __name__ == "__main__":
    main()
