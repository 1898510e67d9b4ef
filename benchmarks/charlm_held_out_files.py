"""The shipped character model's held-out bits per character, file by file: each of the 65 held-out files
of the standard library read as <eos> file <eos> (charlm.held_out_bits, windows of 128 from a zero state),
sorted from the best-predicted file to the worst, with the median, the count at 1.8 bits or less, and the
mean over all files weighted by their characters (the README's per-file row). About 80 s on one core.

Run: python benchmarks/charlm_held_out_files.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # every script here: the checkout first

import numpy as np

from rnnviz import charlm, corpora, defaults, training


def main() -> None:
    """Print one line per held-out file (bits, characters, name), then the summary."""
    training.set_threads(1)
    loop = defaults.load("char_lm")
    data = loop.data
    _, test = corpora.split_documents(corpora.stdlib_corpus(charlm.STDLIB_CHARS), 0.1, charlm.DEFAULT.seed)
    assert test.documents == data.test_documents  # the files the shipped model never saw
    start = time.perf_counter()
    rows = []
    for name, document in zip(test.sources, test.documents, strict=True):
        ids = np.concatenate([[0], data.vocab.encode(document), [0]])  # (n + 2,): <eos> file <eos>
        rows.append((charlm.held_out_bits(loop.model, ids, loop.window), len(ids) - 1, name))
    rows.sort()
    for bits, n, name in rows:
        print(f"{bits:.3f} {n:>7,} {name}")
    scored = sum(n for _, n, _ in rows)
    weighted = sum(bits * n for bits, n, _ in rows) / scored
    print(
        f"{len(rows)} files, {scored:,} characters scored; median file {statistics.median(b for b, _, _ in rows):.3f}, "
        f"{sum(b <= 1.8 for b, _, _ in rows)} at 1.8 bits or less, weighted mean {weighted:.4f} "
        f"({time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
