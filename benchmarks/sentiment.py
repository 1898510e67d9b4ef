"""Sentiment lab on the built-in corpus: train seconds and held-out accuracy (overall, and on each kind
of sentence) of the LSTM and the tanh RNN with each readout, a GRU, a character LSTM, and the
bag-of-words baseline, each trained by `sentiment.trainer` at the page's settings (the shipped models
are the first seven; `python -m rnnviz.defaults` trains those).

Run: python benchmarks/sentiment.py
"""

import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # every script here: the checkout first

from rnnviz import corpora, sentiment, training

CONFIGS = [
    *sentiment.SHIPPED.values(),
    replace(sentiment.DEFAULT, tokens="characters"),
]


def main() -> None:
    """Print one row per model (a Markdown table)."""
    training.set_threads(1)
    data = sentiment.data_for(sentiment.DEFAULT)
    print(f"built-in corpus: {len(data.train)} training, {len(data.test)} held-out sentences\n")
    kinds = list(sentiment.KIND_NAMES)
    print("| model | train s | all | " + " | ".join(sentiment.KIND_NAMES.values()) + " |")
    print("|---|---|---|" + "---|" * len(kinds))
    for config in CONFIGS:
        loop = sentiment.trainer(config)
        start = time.perf_counter()
        loop.step(loop.steps)
        seconds = time.perf_counter() - start
        result = sentiment.evaluation(loop)
        cells = " | ".join(f"{100 * result.by_kind[kind]:.1f}%" for kind in kinds)
        print(f"| {config.name} | {seconds:.1f} | {100 * result.accuracy:.1f}% | {cells} |", flush=True)


def rnnviz_steps(n: int) -> float:
    """Seconds for n training steps of the page's default LSTM through its loop (the held-out accuracy
    evaluated about 20 times along the way, as the page does)."""
    train_set, test_set = corpora.builtin()
    config = replace(sentiment.DEFAULT, epochs=1)
    size = n * config.batch_size
    subset = corpora.Corpus(train_set.texts[:size], train_set.labels[:size], train_set.kinds[:size])
    loop = sentiment.trainer(config, sentiment.prepare(subset, test_set, limit=config.token_limit))
    start = time.perf_counter()
    loop.step(n)
    return time.perf_counter() - start


def plain_steps(n: int) -> float:
    """Seconds for n steps of a bare torch loop on the same model and padded batches: forward, loss,
    backward, clip, Adam; no test set, no records."""
    import torch

    from benchmarks.plain_torch import time_plain_steps

    train_set, _ = corpora.builtin()
    config = replace(sentiment.DEFAULT, epochs=1)
    vocab = sentiment.build_vocabulary(train_set.texts, unit=config.tokens)
    model = training.initialise(sentiment.SentimentRNN(config, len(vocab)), seed=0)
    labels = torch.as_tensor(train_set.labels, dtype=torch.float32)
    rows = [vocab.ids(vocab.tokenize(t)[: config.token_limit]) or [1] for t in train_set.texts]

    def step_loss(k: int) -> torch.Tensor:
        batch = slice((k - 1) * config.batch_size, k * config.batch_size)
        ids, lengths = sentiment.pad(rows[batch])  # (B, longest), (B,)
        return torch.nn.functional.binary_cross_entropy_with_logits(model(ids, lengths), labels[batch])

    return time_plain_steps(model, config.lr, config.clip, step_loss, n)


if __name__ == "__main__":
    main()
