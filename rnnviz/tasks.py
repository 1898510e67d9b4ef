"""Synthetic tasks. Long-term dependencies: the adding problem, copy/recall, long-lag parity; each
takes the number of sequences n, the sequence length T and a seed, and returns batch-first numpy
arrays: the inputs, and what a model must predict from them.

Sequence to sequence (rnnviz.seq2seq): reverse a string, sort digits, date normalization, learning to
execute; each returns (source, target) string pairs, deterministic by seed.
"""

from __future__ import annotations

import datetime

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


def copy_task(
    n: int, T: int, seed: int, n_symbols: int = 8, length: int = 10
) -> tuple[np.ndarray, np.ndarray]:
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
    uniform guess over the symbols: 10 log 8 / (T + 21) here, with T blanks (Arjovsky et al.'s
    10 log 8 / (T + 20) counts the delimiter among their T)."""
    return length * float(np.log(n_symbols)) / (2 * length + T + 1)


def parity_task(n: int, T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Long-lag parity: x (n, T, 1) random bits, y (n,) the parity of all T of them; the first
    bit matters as much as the last, so the answer needs memory across all T steps."""
    _check(n, T, 1)
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, (n, T))
    return bits[:, :, None].astype(np.float32), (bits.sum(axis=1) % 2).astype(np.float32)


# --- sequence-to-sequence tasks: (source, target) string pairs --------------------------------------
# Each generator takes the number of pairs n and a seed and returns a list of (source, target) strings;
# the target is computed by the generator itself (for programs, by the generator's own arithmetic:
# nothing is ever passed to eval or exec).

SEQ2SEQ_TASKS = ("dates", "reverse", "sort", "execute")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST_YEAR, LAST_YEAR = 1950, 2049  # the dates task draws days from these years
HELD_OUT_EVERY = 10  # dates: every 10th day of the calendar is kept out of training
PROGRAM_VARIABLES = "abc"
# Every character a source or target of each task can hold (the model's vocabulary).
SEQ2SEQ_ALPHABETS = {
    "dates": LETTERS + LETTERS.upper() + DIGITS + " ,/.-",
    "reverse": LETTERS,
    "sort": DIGITS,
    "execute": "".join(sorted(set(DIGITS + PROGRAM_VARIABLES + "for x in range():+=-;print()"))),
}


def _check_pairs(n: int, lengths: tuple[int, int] | None = None) -> None:
    if n < 0:
        raise ValueError(f"n must be at least 0, got {n}")
    if lengths is not None and not 1 <= lengths[0] <= lengths[1]:
        raise ValueError(f"lengths must satisfy 1 <= shortest <= longest, got {lengths[0]} and {lengths[1]}")


def reverse_pairs(n: int, shortest: int, longest: int, seed: int) -> list[tuple[str, str]]:
    """Random lower-case strings of `shortest`..`longest` letters (uniform length) and their reverse."""
    _check_pairs(n, (shortest, longest))
    rng = np.random.default_rng(seed)
    lengths = rng.integers(shortest, longest + 1, n)
    sources = ["".join(rng.choice(list(LETTERS), size=k)) for k in lengths]
    return [(s, s[::-1]) for s in sources]


def sort_pairs(n: int, shortest: int, longest: int, seed: int) -> list[tuple[str, str]]:
    """Random strings of `shortest`..`longest` digits and the same digits in ascending order."""
    _check_pairs(n, (shortest, longest))
    rng = np.random.default_rng(seed)
    lengths = rng.integers(shortest, longest + 1, n)
    sources = ["".join(rng.choice(list(DIGITS), size=k)) for k in lengths]
    return [(s, "".join(sorted(s))) for s in sources]


def _date_formats(d: datetime.date) -> list[str]:
    """The ways the dates task writes one day ("26 Nov 2026", "Thursday, 26 November 2026", ...)."""
    month, mon, weekday = MONTHS[d.month - 1], MONTHS[d.month - 1][:3], WEEKDAYS[d.weekday()]
    return [
        f"{d.day} {mon} {d.year}",
        f"{d.day} {month} {d.year}",
        f"{mon} {d.day}, {d.year}",
        f"{month} {d.day}, {d.year}",
        f"{d.day}/{d.month}/{d.year}",
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{weekday}, {d.day} {month} {d.year}",
        f"{weekday[:3]} {d.day} {mon} {d.year}",
        f"{d.day:02d}-{mon}-{d.year}",
        f"{weekday}, {month} {d.day}, {d.year}",
        f"{d.year}/{d.month:02d}/{d.day:02d}",
    ]


DATE_FORMAT_COUNT = 12


def is_held_out_date(d: datetime.date) -> bool:
    """Whether the dates task keeps this day for testing only (every HELD_OUT_EVERY-th day)."""
    return d.toordinal() % HELD_OUT_EVERY == 0


def date_pairs(n: int, seed: int, held_out: bool = False) -> list[tuple[str, str]]:
    """Dates written in one of DATE_FORMAT_COUNT ways (a fifth of them in lower case) and the same day
    in ISO form, "2026-11-26": the lab's small translation task. Training days (held_out=False) and
    test days (held_out=True, every HELD_OUT_EVERY-th day) never overlap."""
    _check_pairs(n)
    rng = np.random.default_rng(seed)
    first, last = datetime.date(FIRST_YEAR, 1, 1).toordinal(), datetime.date(LAST_YEAR, 12, 31).toordinal()
    pairs = []
    while len(pairs) < n:
        d = datetime.date.fromordinal(int(rng.integers(first, last + 1)))
        if is_held_out_date(d) != held_out:
            continue
        source = _date_formats(d)[int(rng.integers(DATE_FORMAT_COUNT))]
        if rng.random() < 0.2:
            source = source.lower()
        pairs.append((source, d.isoformat()))
    return pairs


def program_pairs(n: int, digits: int, seed: int, min_digits: int = 1) -> list[tuple[str, str]]:
    """Small programs in the style of learning to execute (Zaremba and Sutskever 2014), one line with
    statements separated by ";": assignments, additions and subtractions, a small loop
    ("for x in range(3):a+=12") and a final print; numbers of `min_digits` to `digits` digits. The
    target is what the program prints, computed here while the program is written."""
    _check_pairs(n)
    if not 1 <= min_digits <= digits:
        raise ValueError(f"digits must satisfy 1 <= min_digits <= digits, got {min_digits} and {digits}")
    rng = np.random.default_rng(seed)

    def number() -> int:
        k = int(rng.integers(min_digits, digits + 1))
        return int(rng.integers(10 ** (k - 1) if k > 1 else 0, 10**k))

    pairs = []
    for _ in range(n):
        values: dict[str, int] = {}
        statements = []
        a, b = PROGRAM_VARIABLES[0], PROGRAM_VARIABLES[1]
        values[a] = number()
        statements.append(f"{a}={values[a]}")
        if rng.random() < 0.5:  # a second variable, from a number or from the first
            if rng.random() < 0.5:
                values[b] = number()
                statements.append(f"{b}={values[b]}")
            else:
                m, sign = number(), rng.choice(["+", "-"])
                values[b] = values[a] + m if sign == "+" else values[a] - m
                statements.append(f"{b}={a}{sign}{m}")
        if rng.random() < 0.5:  # a small loop that adds to or subtracts from a variable
            target = rng.choice(sorted(values))
            k, m, sign = int(rng.integers(1, 5)), number(), rng.choice(["+", "-"])
            values[target] += k * m if sign == "+" else -k * m
            statements.append(f"for x in range({k}):{target}{sign}={m}")
        names = sorted(values)
        first = rng.choice(names)
        choice = rng.integers(3)
        if choice == 0:
            printed, expression = values[first], first
        elif choice == 1 or len(names) == 1:
            m, sign = number(), rng.choice(["+", "-"])
            printed = values[first] + m if sign == "+" else values[first] - m
            expression = f"{first}{sign}{m}"
        else:
            second, sign = rng.choice([v for v in names if v != first]), rng.choice(["+", "-"])
            printed = values[first] + values[second] if sign == "+" else values[first] - values[second]
            expression = f"{first}{sign}{second}"
        statements.append(f"print({expression})")
        pairs.append((";".join(statements), str(printed)))
    return pairs
