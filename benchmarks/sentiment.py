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


if __name__ == "__main__":
    main()
