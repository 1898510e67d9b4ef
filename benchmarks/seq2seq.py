"""Sequence to sequence: how fast the encoder-decoder learns, what the shipped models reach, and what
their fixed-size memory costs.

1. Date normalization (GRU, 128 units, batches of 64): seconds and steps until 95% exact match on
   500 held-out days (never seen in training), within a 3-minute budget; then exact match on 2000
   other held-out dates. Plain (the lecture's model) and with general attention.
2. The budget of the shipped date model (--budgets): for each budget, a fresh model trained to it (the
   learning rate falls on a cosine over the budget), its exact match on 2000 held-out days.
3. The shipped models (rnnviz/weights, made by `python -m rnnviz.defaults`): their training time and
   metrics; for the reverse models (trained on lengths 1 to 10), exact match at every length up to 15
   (5 longer than any training string), 200 strings per length.
4. The shipped date model's memory: the correlation of its two principal axes (PCA of the encoder's
   final state over the page's 400 held-out dates) with the year, the century, the day and the length.
5. Beam search on the shipped models: exact match of greedy decoding, of beam search of width 5 ranked
   by total log-probability and ranked per character (length_alpha 1), on 500 held-out pairs each; how
   often the wider beam finds an output of higher total probability than greedy, and a decoding's time.
6. The page (AppTest): the first run (loads the shipped model) and the median rerun after a typed input
   or a beam width changes.

Run: python benchmarks/seq2seq.py [--skip-dates] [--seconds 180] [--budgets 800,2000,4000] [--skip-page]
"""

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # every script here: the checkout first

from rnnviz import defaults, seq2seq, training


def train_until(
    config: seq2seq.Seq2SeqConfig, seconds: float, target: float = 0.95
) -> tuple[seq2seq.Seq2SeqLoop, float | None]:
    """Train in chunks of one scoring interval until the held-out exact match reaches `target` or the
    wall-time budget runs out; return the trainer and the seconds at which the target was reached."""
    trainer, start, reached = seq2seq.Seq2SeqLoop(config), time.perf_counter(), None
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
        # The largest budget the config allows, with a flat learning rate (lr_floor 1): the run stops on time.
        config = seq2seq.Seq2SeqConfig(
            task="dates", attention=attention, steps=10_000, lr_floor=1.0, test_every=50
        )
        trainer, reached = train_until(config, seconds)
        final = seq2seq.score(trainer.model, trainer.vocab, seq2seq.held_out_pairs(config, 2000, seed=12345))
        when = f"{reached:.0f}" if reached is not None else f">{seconds:.0f}"
        print(
            f"{'GRU, ' + config.variant:<28}{trainer.step_count:>7}{when:>9}{trainer.test_exact[-1]:>13.3f}"
            f"{final.exact:>14.3f}{final.chars:>10.3f}"
        )


def budgets(steps: list[int]) -> None:
    print("\n## The date model's budget: held-out exact match after a cosine schedule over each budget")
    print(f"{'budget':>8}{'seconds':>9}{'exact (2000)':>14}{'per char':>10}")
    for budget in steps:
        config = seq2seq.Seq2SeqConfig(task="dates", steps=budget)
        start = time.perf_counter()
        trainer = seq2seq.train(config)
        seconds = time.perf_counter() - start
        metrics = seq2seq.measure(trainer)
        print(f"{budget:>8}{seconds:>9.0f}{metrics['exact_match']:>14.4f}{metrics['char_accuracy']:>10.4f}")


def shipped() -> None:
    print("\n## The shipped models (rnnviz/weights)")
    print(f"{'name':<28}{'steps':>7}{'seconds':>9}{'exact (2000)':>14}{'per char':>10}{'MB':>7}")
    for name in seq2seq.SHIPPED:
        sidecar = defaults.describe(name)
        metrics = seq2seq.measure(defaults.load(name))  # measured again: the same numbers as the sidecar's
        assert metrics == sidecar["metrics"], (name, metrics, sidecar["metrics"])
        print(
            f"{name:<28}{sidecar['steps']:>7}{sidecar['training_seconds']:>9.0f}{metrics['exact_match']:>14.4f}"
            f"{metrics['char_accuracy']:>10.4f}{sidecar['file_mb']:>7.2f}"
        )
    print("\nReverse, trained on lengths 1-10: exact match by input length (200 held-out strings each)")
    names = [name for name in seq2seq.SHIPPED if "reverse" in name]
    lengths = list(defaults.describe(names[0])["metrics"]["exact_by_length"])
    print(f"{'model':<30}" + "".join(f"{k:>6}" for k in lengths))
    for name in names:
        by_length = defaults.describe(name)["metrics"]["exact_by_length"]
        print(f"{name:<30}" + "".join(f"{by_length[k]:>6.2f}" for k in lengths))
    print(f"\nOn the page: {seq2seq.length_comparison_text()}")
    # 200 strings of 11 letters, one more than trained
    longer = seq2seq.tasks.reverse_pairs(200, 11, 11, seed=5)
    for name in names:
        loop = defaults.load(name)
        outputs = seq2seq.translate(
            loop.model, loop.vocab, [s for s, _ in longer], loop.config.reverse_source
        )
        lengths = collections.Counter(len(o) for o in outputs)
        print(f"{name}: at length 11, the outputs' lengths: {dict(sorted(lengths.items()))}")


def memory() -> None:
    print("\n## The shipped date model's memory map (400 held-out dates, seed 2 of memory_map)")
    loop = defaults.load("seq2seq_dates")
    mapped = seq2seq.memory_map(loop.model, loop.config)
    print(f"explained variance: {mapped.explained[0]:.3f}, {mapped.explained[1]:.3f}")
    for name, r in seq2seq.axis_correlations(mapped).items():  # the century: 19xx or 20xx, coded 0 and 1
        print(f"|r| with the {name:<18} first axis {r[0]:.3f}, second axis {r[1]:.3f}")
    print(f"on the page: {seq2seq.axes_text(mapped)}")


def beams(n: int = 500, width: int = 5) -> None:
    print(f"\n## Beam search on the shipped models ({n} held-out pairs each, width {width})")
    print(f"{'name':<28}{'greedy':>8}{'beam':>8}{'beam/char':>11}{'beam > greedy':>15}{'ms (beam)':>11}")
    for name in seq2seq.SHIPPED:
        loop = defaults.load(name)
        c = loop.config
        pairs = seq2seq.held_out_pairs(c, n, training.stream_seed(c.seed, training.TEST, 4))
        right = {"greedy": 0, "beam": 0, "beam/char": 0}
        better, seconds = 0, 0.0
        for source, target in pairs:
            greedy = seq2seq.read(loop.model, c, source)
            start = time.perf_counter()
            beam = seq2seq.read(loop.model, c, source, beam_width=width)
            seconds += time.perf_counter() - start
            per_char = seq2seq.read(loop.model, c, source, beam_width=width, length_alpha=1.0)
            for key, reading in (("greedy", greedy), ("beam", beam), ("beam/char", per_char)):
                right[key] += reading.output == target
            better += beam.log_probability > greedy.log_probability + 1e-6
        print(
            f"{name:<28}"
            + "".join(f"{right[k] / n:>{w}.3f}" for k, w in (("greedy", 8), ("beam", 8), ("beam/char", 11)))
            + f"{better / n:>15.3f}{1000 * seconds / n:>11.1f}"
        )


def page() -> None:
    from streamlit.testing.v1 import AppTest

    print("\n## The page (AppTest)")
    start = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "pages/sequence_to_sequence.py"), default_timeout=600).run()
    print(f"first run, loading the shipped date model: {time.perf_counter() - start:.2f} s")
    inputs = ["26 Nov 2026", "November 26, 2026", "26/11/2026", "Thursday, 26 November 2026", "3.4.1999"]
    for what, moves in [
        (
            "typing an input",
            [("text_input", "s2s_input_dates", inputs[i % 5] + " " * (i // 5)) for i in range(20)],
        ),
        ("changing the beam width", [("number_input", "s2s_beam", 1 + i % 5) for i in range(1, 21)]),
    ]:
        times = []
        for kind, key, value in moves:
            getattr(at, kind)(key=key).set_value(value)
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        print(
            f"rerun after {what} (the whole script): median {1000 * statistics.median(times):.0f} ms over {len(times)}"
        )


def rnnviz_steps(n: int) -> float:
    """Seconds for n steps of the page's date model's Seq2SeqLoop, its records included (held-out
    loss, exact match, per-character accuracy and accuracy by length about 16 times over the budget)."""
    trainer = seq2seq.Seq2SeqLoop(seq2seq.Seq2SeqConfig(task="dates", steps=n))
    start = time.perf_counter()
    trainer.step(n)
    return time.perf_counter() - start


def plain_steps(n: int) -> float:
    """Seconds for n steps of a bare torch loop on the same model and batches: forward (teacher
    forcing), loss, backward, clip, Adam; nothing recorded."""
    from benchmarks.plain_torch import time_plain_steps

    config = seq2seq.Seq2SeqConfig(task="dates", steps=n)
    vocab = seq2seq.vocabulary(config.task)
    model = training.initialise(seq2seq.Seq2Seq(config, len(vocab)), config.seed)

    def step_loss(k: int):
        pairs = seq2seq.training_pairs(
            config, config.batch_size, training.stream_seed(config.seed, training.TRAIN, k)
        )
        return model.loss(seq2seq.make_batch(vocab, pairs, config.reverse_source))

    return time_plain_steps(model, config.lr, config.clip, step_loss, n)


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0, help="dates: training budget per model")
    parser.add_argument("--budgets", default="", help="dates: budgets to train, e.g. 800,2000,3000,4000")
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--skip-dates", action="store_true", help="skip the time to 95%% (6 minutes)")
    args = parser.parse_args()
    training.set_threads(1)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
    if not args.skip_dates:
        dates(args.seconds)
    if args.budgets:
        budgets([int(b) for b in args.budgets.split(",")])
    shipped()
    memory()
    beams()
    if not args.skip_page:
        page()
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
