"""The training loop: what recording costs, and what the long-term-dependencies page's defaults learn.

    python benchmarks/training.py [--steps 300] [--rounds 3] [--threads 1]
    python benchmarks/training.py --full [--seeds 0 1 2] [--gru] [--task adding] [--T 100]
    python benchmarks/training.py --irnn [--lengths 50 100] [--seeds 0 1 2] [--budget 6000] [--lr 1e-3] [--kinds rnn irnn]

Without --full: for each kind of network at the page's defaults (adding problem, T = 100, hidden 64,
batch 64), the rnnviz Trainer with all its recording (test loss, gradient horizon on the probe
batch) against a plain torch loop over the same model, optimizer, clipping and batches, in one run,
alternating the two `--rounds` times; prints ms per step of each (the median round) and the overhead.

With --full: trains each model at the page's defaults to its budget and prints a markdown table of
the settings, seed, steps, seconds and the test loss (MSE for the adding problem).

With --irnn: the tanh RNN and the IRNN alone, at the long-term page's settings (rnnviz.long_term:
adding problem, hidden 64, batch 64, Adam, clip 1) for each length T and seed, to a longer budget;
prints a markdown table of the test MSE at a third, two thirds and all of the budget, and the first
steps below 0.05 and 0.01 (the test set is scored every 250 steps; --lr sets both learning rates)."""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from rnnviz import long_term, models, training


def plain_loop(config: training.TrainConfig, steps: int) -> float:
    """Seconds for `steps` steps of the bare loop: batch, loss, backward, clip, update; nothing else."""
    from benchmarks.plain_torch import time_plain_steps

    model = models.SequenceModel(config.model, seed=config.seed)
    task = config.model.task

    def step_loss(k: int) -> torch.Tensor:
        x, y = models.make_batch(
            task, config.batch_size, config.T, training.stream_seed(config.seed, training.TRAIN, k)
        )
        return model.loss(x, y)

    return time_plain_steps(model, config.lr, config.clip, step_loss, steps)


def recorded_loop(config: training.TrainConfig, steps: int) -> float:
    """Seconds for `steps` steps of the Trainer, recording at step 0 and on its schedule."""
    trainer = training.Trainer(config, device="cpu")
    start = time.perf_counter()
    taken = trainer.step(steps)
    seconds = time.perf_counter() - start
    assert taken == steps and trainer.diverged is None, trainer.status()
    return seconds


def overhead(args: argparse.Namespace) -> None:
    config0 = training.TrainConfig()
    print(
        f"Recording overhead: adding problem, T = {config0.T}, hidden {config0.model.hidden_size}, batch "
        f"{config0.batch_size}, {args.steps} steps a round, median of {args.rounds} rounds, "
        f"torch threads {torch.get_num_threads()}. Recording: test loss on {config0.test_size} sequences "
        f"every {config0.test_every} steps, ||dL/dh_t|| on a probe batch of {config0.probe_size} every "
        f"{config0.record_every} steps (and both at step 0).\n"
    )
    print("| model | plain torch loop, ms/step | Trainer with recording, ms/step | overhead |")
    print("|---|---|---|---|")
    for kind in models.KINDS:
        config = training.side_by_side([kind], "adding", 100, 64, training.DEFAULT_LR, {kind: 1.0})[kind]
        plain_loop(config, 20), recorded_loop(config, 20)  # warm up
        plain, recorded = [], []
        for _ in range(args.rounds):  # alternating, so that load from elsewhere hits both alike
            plain.append(plain_loop(config, args.steps))
            recorded.append(recorded_loop(config, args.steps))
        p, r = statistics.median(plain) / args.steps, statistics.median(recorded) / args.steps
        print(f"| {models.KIND_NAMES[kind]} | {p * 1000:.2f} | {r * 1000:.2f} | {(r / p - 1) * 100:+.1f}% |")


def first_below(trainer: training.Trainer, level: float) -> str:
    for step, loss in zip(trainer.test_steps, trainer.test_losses):
        if loss < level:
            return str(step)
    return "—"


def full(args: argparse.Namespace) -> None:
    kinds = ["rnn", "irnn", "lstm"] + (["gru"] if args.gru else [])
    print(
        f"Task {args.task}, T = {args.T}, torch threads {torch.get_num_threads()}, baseline "
        f"{models.baseline(args.task, args.T):.4f}. Each model trained alone, to its budget.\n"
    )
    print(
        "| model | optimizer | lr | clip | hidden | batch | seed | steps | seconds | test loss at the end "
        "| best test loss | first step with test loss < 0.01 | status |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        configs = training.side_by_side(
            kinds,
            args.task,
            args.T,
            args.hidden,
            training.DEFAULT_LR,
            dict.fromkeys(kinds, training.DEFAULT_CLIP),
            steps=args.budget,
            seed=seed,
        )
        for config in configs.values():
            trainer = training.Trainer(config, device="cpu")
            trainer.step(config.steps)
            final = trainer.test_losses[-1] if trainer.test_losses else math.nan
            print(
                f"| {trainer.name} | {config.optimizer} | {config.lr:g} | {config.clip:g} | "
                f"{config.model.hidden_size} | {config.batch_size} | {seed} | {trainer.step_count} | "
                f"{trainer.seconds:.1f} | {final:.4f} | {min(trainer.test_losses):.4f} | "
                f"{first_below(trainer, 0.01)} | {trainer.status()} |",
                flush=True,
            )


def irnn(args: argparse.Namespace) -> None:
    lr = f"lr {args.lr:g}" if args.lr else "lr 1e-3 (training.DEFAULT_LR)"
    print(
        f"Adding problem, hidden {long_term.HIDDEN}, batch 64, Adam, {lr}, clip 1, {args.budget} steps, "
        f"test MSE on 1000 held-out sequences every 250 steps; one model at a time on "
        f"{torch.get_num_threads()} torch thread(s).\n"
    )
    checkpoints = [args.budget // 3, 2 * args.budget // 3, args.budget]
    at = " / ".join(f"{step:,}" for step in checkpoints)
    print(f"| T | model | seed | seconds | test MSE at step {at} | first step < 0.05 | first step < 0.01 |")
    print("|---|---|---|---|---|---|---|")
    for T in args.lengths:
        for kind in args.kinds:
            for seed in args.seeds:
                config = long_term.settings(T, args.budget)[kind]
                config = dataclasses.replace(
                    config, seed=seed, test_every=250, record_every=args.budget, lr=args.lr or config.lr
                )
                trainer = training.Trainer(config, device="cpu")
                trainer.step(config.steps)
                tests = dict(zip(trainer.test_steps, trainer.test_losses))
                mse = " / ".join(f"{tests[step]:.4f}" if step in tests else "—" for step in checkpoints)
                below = [
                    long_term.first_below(trainer.test_steps, trainer.test_losses, level)
                    for level in (0.05, 0.01)
                ]
                below_text = " | ".join("—" if step is None else f"{step:,}" for step in below)
                status = "" if trainer.diverged is None else f" ({trainer.status()})"
                print(
                    f"| {T} | {trainer.name} | {seed} | {trainer.seconds:.0f} | {mse}{status} | {below_text} |",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full", action="store_true", help="train at the page's defaults and print the table"
    )
    parser.add_argument(
        "--irnn", action="store_true", help="the IRNN against the tanh RNN over lengths and seeds"
    )
    parser.add_argument("--lengths", type=int, nargs="+", default=[50, 100], help="lengths T (--irnn)")
    parser.add_argument("--lr", type=float, default=None, help="both models' learning rate (--irnn)")
    parser.add_argument(
        "--kinds", nargs="+", default=["rnn", "irnn"], choices=["rnn", "irnn"], help="(--irnn)"
    )
    parser.add_argument("--steps", type=int, default=300, help="steps a round (overhead)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each loop (overhead)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds (--full)")
    parser.add_argument("--gru", action="store_true", help="also train a GRU (--full)")
    parser.add_argument("--task", default="adding", choices=models.TASKS)
    parser.add_argument("--T", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--budget", type=int, default=None, help="steps (--full: 1500, --irnn: 6000)")
    args = parser.parse_args()
    training.set_threads(args.threads)
    if args.irnn:
        args.budget = args.budget or long_term.LECTURE["irnn"].steps
        irnn(args)
    else:
        args.budget = args.budget or training.TrainConfig().steps
        full(args) if args.full else overhead(args)


if __name__ == "__main__":
    main()
