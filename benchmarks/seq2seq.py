"""Sequence to sequence: how fast the encoder-decoder learns, and what its fixed-size memory costs.

1. Date normalization (GRU, 128 units, batches of 64): seconds and steps until 95% exact match on
   500 held-out days (never seen in training), within a 3-minute budget; then exact match on 2000
   other held-out dates. Plain (the lecture's model) and with general attention.
2. Reverse a string, trained on lengths 1 to 10 for a budget of steps (the learning rate falls on a
   cosine over it): exact match at every length up to 15 (5 longer than any training string),
   plain, source reversed, and with general attention.
3. The page: seconds of the shared default model's first training, and the median rerun after a
   typed input changes (AppTest).

Run: PYTHONPATH=. python benchmarks/seq2seq.py [--seconds 180] [--reverse-steps 4000] [--skip-page]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from rnnviz import seq2seq, training

ROOT = Path(__file__).resolve().parents[1]


def train_until(
    config: seq2seq.Seq2SeqConfig, seconds: float, target: float = 0.95
) -> tuple[seq2seq.Trainer, float | None]:
    """Train in chunks of one scoring interval until the held-out exact match reaches `target` or the
    wall-time budget runs out; return the trainer and the seconds at which the target was reached."""
    trainer, start, reached = seq2seq.Trainer(config), time.perf_counter(), None
    while not trainer.done and time.perf_counter() - start < seconds:
        trainer.step(config.score_every)
        if reached is None and trainer.test_exact[-1] >= target:
            reached = time.perf_counter() - start
            if target < 1:
                break
    return trainer, reached


def dates(seconds: float) -> None:
    print(f"\n## Date normalization: time to 95% held-out exact match (budget {seconds:.0f} s)")
    print(f"{'model':<28}{'steps':>7}{'seconds':>9}{'exact (500)':>13}{'exact (2000)':>14}{'per char':>10}")
    for attention in ("none", "general"):
        config = seq2seq.Seq2SeqConfig(task="dates", attention=attention, steps=100_000, test_every=50)
        trainer, reached = train_until(config, seconds)
        final = seq2seq.score(trainer.model, trainer.vocab, seq2seq.held_out_pairs(config, 2000, seed=12345))
        when = f"{reached:.0f}" if reached is not None else f">{seconds:.0f}"
        print(f"{'GRU, ' + config.variant:<28}{trainer.step_count:>7}{when:>9}{trainer.test_exact[-1]:>13.3f}"
              f"{final.exact:>14.3f}{final.chars:>10.3f}")  # fmt: skip


def reverse(steps: int) -> None:
    print(f"\n## Reverse, trained on lengths 1-10 for {steps} steps each: exact match by input length")
    rows = []
    for reverse_source, attention in ((False, "none"), (True, "none"), (False, "general")):
        config = seq2seq.Seq2SeqConfig(task="reverse", length=10, attention=attention, reverse_source=reverse_source,
                                       steps=steps, test_every=steps // 10)  # fmt: skip
        start = time.perf_counter()
        trainer = seq2seq.train(config)
        seconds = time.perf_counter() - start
        by_length = seq2seq.accuracy_by_length(trainer.model, config, n=3000)
        rows.append((f"GRU, {config.variant}", seconds, by_length))
    lengths = rows[0][2].lengths.tolist()
    print(f"{'model':<26}{'seconds':>8}" + "".join(f"{k:>6}" for k in lengths))
    for name, seconds, by_length in rows:
        print(f"{name:<26}{seconds:>8.0f}" + "".join(f"{v:>6.2f}" for v in by_length.exact))


def page() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from apptest_helpers import run_app

    print("\n## The page (AppTest)")
    start = time.perf_counter()
    at = run_app("pages/sequence_to_sequence.py", timeout=600)
    print(f"first run, training the shared default model: {time.perf_counter() - start:.1f} s")
    inputs = ["26 Nov 2026", "November 26, 2026", "26/11/2026", "Thursday, 26 November 2026", "3.4.1999"]
    times = []
    for i in range(20):
        at.text_input(key="s2s_input_dates").set_value(inputs[i % len(inputs)] + " " * (i // 5))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    print(f"rerun after typing an input: median {1000 * statistics.median(times):.0f} ms over {len(times)}")


def rnnviz_steps(n: int) -> float:
    """Seconds for n steps of the page's default date model's Trainer, its records included (held-out
    loss, exact match and per-character accuracy about 16 times over the budget)."""
    trainer = seq2seq.Trainer(seq2seq.Seq2SeqConfig(task="dates", steps=n))
    start = time.perf_counter()
    trainer.step(n)
    return time.perf_counter() - start


def plain_steps(n: int) -> float:
    """Seconds for n steps of a bare torch loop on the same model and batches: forward (teacher
    forcing), loss, backward, clip, Adam; nothing recorded."""
    from benchmarks.plain_torch import time_plain_steps

    config = seq2seq.Seq2SeqConfig(task="dates", steps=n)
    vocab = seq2seq.vocabulary(config.task)
    model = seq2seq.Seq2Seq(config, len(vocab))

    def step_loss(k: int):
        pairs = seq2seq.training_pairs(config, config.batch_size, seed=k)
        return model.loss(seq2seq.make_batch(vocab, pairs, config.reverse_source))

    return time_plain_steps(model, config.lr, config.clip, step_loss, n)


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0, help="dates: training budget per model")
    parser.add_argument("--reverse-steps", type=int, default=4000, help="reverse: training steps per model")
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()
    training.set_threads(1)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
    dates(args.seconds)
    reverse(args.reverse_steps)
    if not args.skip_page:
        page()
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
