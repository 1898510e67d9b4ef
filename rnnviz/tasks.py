"""Synthetic long-term-dependency tasks: the adding problem, copy/recall, long-lag parity.

Each takes the number of sequences n, the sequence length T and a seed, and returns batch-first
numpy arrays: the inputs, and what a model must predict from them.
"""

from __future__ import annotations

import numpy as np


def _check(n: int, T: int, smallest_T: int) -> None:
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if T < smallest_T:
        raise ValueError(f"T must be at least {smallest_T} for this task, got {T}")


def adding_problem(n: int, T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter and Schmidhuber 1997; Le et al. 2015): x (n, T, 2) holds
    values ~ U(0, 1) and markers, one marked step in each half; y (n,) is the sum of the two
    marked values. Always answering 1 gives MSE 1/6, the variance of that sum."""
    _check(n, T, 2)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (n, T))
    first = rng.integers(0, T // 2, n)  # a marker in the first half...
    second = rng.integers(T // 2, T, n)  # ...and one in the second
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=2).astype(np.float32)  # (n, T, 2)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)  # (n,)
    return x, y


ADDING_BASELINE_MSE = 1.0 / 6.0


def copy_task(n: int, T: int, seed: int, n_symbols: int = 8, length: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Copy/recall (Arjovsky et al. 2016): `length` symbols from 1..n_symbols, T blanks (0), a
    delimiter (n_symbols + 1), then `length` blanks during which the model must repeat the symbols.
    x and y are token ids of shape (n, length + T + 1 + length); y is blank except at the end."""
    _check(n, T, 0)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(1, n_symbols + 1, (n, length))
    blanks = np.zeros((n, T), dtype=np.int64)
    delimiter = np.full((n, 1), n_symbols + 1)
    x = np.concatenate([symbols, blanks, delimiter, np.zeros((n, length), dtype=np.int64)], axis=1)
    y = np.concatenate([np.zeros((n, length + T + 1), dtype=np.int64), symbols], axis=1)
    return x.astype(np.int64), y.astype(np.int64)


def copy_baseline(T: int, n_symbols: int = 8, length: int = 10) -> float:
    """Cross-entropy per step, in nats, of the memoryless answer: blanks until the delimiter, then a
    uniform guess over the symbols (Arjovsky et al.: 10 log 8 / (T + 20))."""
    return length * float(np.log(n_symbols)) / (2 * length + T + 1)


def parity_task(n: int, T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Long-lag parity: x (n, T, 1) random bits, y (n,) the parity of all T of them; the first
    bit matters as much as the last, so the answer needs memory across all T steps."""
    _check(n, T, 1)
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, (n, T))
    return bits[:, :, None].astype(np.float32), (bits.sum(axis=1) % 2).astype(np.float32)
