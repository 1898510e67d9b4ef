"""Time one move of the connectivity views' position sliders, and the horizons computed once per model.

    python benchmarks/connectivity.py [--repeats 20]

A move of the slider costs one rnnviz call (one forward and backward pass over the text up to the
position) and one figure: both timed here at the pages' defaults on the shipped default models, on one
torch thread as the server runs, at positions the slider has not been at (so the page's cache misses).
Target: at most 150 ms of server time a move. Prints a markdown table (p50, p95 over the repeats)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from rnnviz import charlm, connectivity, defaults, training  # noqa: E402
from rnnviz.figures import connectivity as figures  # noqa: E402

TARGET_MS = 150.0
SENTENCE = "the acting was great, but the ending was awful"  # the sentiment page's default sentence


def percentiles_ms(work: Callable[[int], object], positions: list[int]) -> tuple[float, float]:
    """p50 and p95 in ms of work(position) over the positions, after one untimed call."""
    work(positions[0])
    times = []
    for position in positions:
        start = time.perf_counter()
        work(position)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), float(np.percentile(times, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=20, help="slider moves timed on each page (default 20)"
    )
    repeats = parser.parse_args().repeats
    training.set_threads(1)
    rows = []

    # the page's default: snippet 0, its 60-character prompt and 120 characters after
    lm = defaults.load("char_lm")
    reading = charlm.teacher_forced(
        lm.model, lm.data.vocab, *charlm.held_out_snippet(lm.data, 0, 60, 120)
    ).reading
    last = len(reading.ids) - 2
    # the slider's right end: the most work
    positions = [int(t) for t in np.linspace(last, max(0, last - 60), repeats)]

    def char_move(t: int) -> None:
        figures.char_gradients(reading, connectivity.char_gradients(lm.model, reading.ids, t), t)

    rows.append(("character LM (LSTM, 512 units), position slider", *percentiles_ms(char_move, positions)))

    sent = defaults.load("sentiment")
    tokens = sent.vocab.tokenize(SENTENCE)
    ids = sent.vocab.ids(tokens)

    def word_move(t: int) -> None:
        norms, logit = connectivity.word_gradients(sent.model, ids, t)
        figures.word_gradients(tokens, norms, t, logit)

    rows.append(
        (
            "sentiment (LSTM, 64 units), word slider",
            *percentiles_ms(word_move, [k % len(ids) for k in range(repeats)]),
        )
    )

    print(f"| view ({repeats} moves) | p50 ms | p95 ms | target ms |\n|---|---|---|---|")
    for name, p50, p95 in rows:
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {TARGET_MS:g} |")

    print("\n| horizon, once per model | seconds |\n|---|---|")
    for kind, name in connectivity.CHAR_DEFAULTS.items():
        start = time.perf_counter()
        connectivity.held_out_char_horizon(defaults.load(name))
        print(
            f"| character LM, {kind} ({connectivity.HORIZON_WINDOWS} windows of 128) | {time.perf_counter() - start:.2f} |"
        )
    for kind, name in connectivity.SENTIMENT_DEFAULTS.items():
        start = time.perf_counter()
        connectivity.held_out_sentence_horizon(defaults.load(name))
        print(f"| sentiment, {kind} (2000 held-out sentences) | {time.perf_counter() - start:.2f} |")


if __name__ == "__main__":
    main()
