"""Bounds of what one session can make the server do on the long-term dependencies and LSTM gates
pages (issue 19): the costliest round of live training that the bound (long_term.MAX_STEP_WORK) lets a
link or a widget ask for, the cost of a click's training on the gates page (gates.MAX_TRAINING_WORK),
each on one torch thread, and the memory one session's models hold.

Every case runs in a fresh process (`--case JSON`), so that its peak memory is its own: ru_maxrss after
torch is warm, and again after the models are built and have trained. Times are CPU seconds of that
process (time.process_time: on one thread, about the wall time of a quiet core; other processes on a
busy machine stretch the wall time) beside the wall seconds, with the load average when each case ran.

    python benchmarks/bounds_long_term_gates.py            # every case, about 5 minutes on one core
    python benchmarks/bounds_long_term_gates.py --before   # and each page's largest link, unbounded
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch

from rnnviz import gates, long_term, models, training

FLOAT_IN_A_LIST = 32  # bytes of one recorded number: a Python float (24) and its slot in a list (8)
SESSIONS = 40
ROUNDS = 50  # rounds 1..50: round 1 also records step 0 (test set and horizon), round 50 scores the test set
LTD_LIMITS = dict(T=200, hidden=128, steps=10000)  # pages/long_term_dependencies.py's widgets
GATES_LIMITS = dict(T=200, hidden=128, steps=3000)  # pages/lstm_gates.py's widgets
READINGS = 128  # pages/lstm_gates.py: read_example's cache_resource(max_entries=128), for the process


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed(action) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of action()."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def warm(flush: bool) -> None:
    """One torch thread, and the first optimizer built (it imports torch._dynamo, 2 to 5 s): not the step's.
    flush: subnormal floats flushed to zero (torch.set_flush_denormal), not what the lab does today."""
    training.set_threads(1)
    torch.set_flush_denormal(flush)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def held_bytes(loop: training.Trainer, steps: int) -> int:
    """What a trainer holds at the end of its budget: weights, gradients, Adam's two moments, and its
    records (training loss and gradient norm per step, the test loss, the gradient horizon's rows)."""
    # weight, grad, 2 moments
    tensors = sum(4 * p.numel() * p.element_size() for p in loop.model.parameters())
    c = loop.config
    L = models.sequence_length(c.model.task, c.T)
    tests = steps // c.test_every + 2
    horizons = (steps // c.record_every + 2) * L * 8  # float64 rows of L
    return tensors + FLOAT_IN_A_LIST * (2 * steps + 2 * tests) + horizons


def long_term_case(settings: dict, flush: bool) -> dict:
    """The page's models at `settings` trained ROUNDS rounds together, each round timed."""
    warm(flush)
    configs = long_term.configs(
        settings["kinds"],
        settings["task"],
        settings["T"],
        settings["hidden"],
        training.DEFAULT_LR,
        long_term.CLIP,
        settings["steps"],
        0,
    )
    before = max_rss_mb()
    loops = [training.Trainer(config, device="cpu") for config in configs.values()]
    # the page opens
    opened = timed(lambda: [long_term.initial_jacobian(config) for config in configs.values()])
    rounds = [timed(lambda: training.train_together(loops, float("inf"), max_steps=1)) for _ in range(ROUNDS)]
    later = rounds[1:]  # round 1 also records step 0: the test set and the horizon of the untrained models
    return dict(
        work=long_term.step_work(configs),
        open_cpu=opened[0],
        first_cpu=rounds[0][0],
        first_wall=rounds[0][1],
        median_cpu=statistics.median(c for c, _ in later),
        max_cpu=max(c for c, _ in later),
        max_wall=max(w for _, w in later),
        recording_cpu=rounds[49][0],
        held_mb=sum(held_bytes(loop, settings["steps"]) for loop in loops) / 2**20,
        peak_mb=max_rss_mb() - before,
        diverged=[loop.name for loop in loops if loop.diverged],
    )


def gates_case(settings: dict, flush: bool) -> dict:
    """The gates page's LSTM and tanh RNN at `settings` (T, hidden, steps): the first step of each (which
    also scores the untrained model), 20 more, and the click's whole training extrapolated from them."""
    warm(flush)
    length, hidden, steps = settings["T"], settings["hidden"], settings["steps"]
    before = max_rss_mb()
    lstm, rnn = gates.trainer(length, hidden, steps, 0), gates.rnn_trainer(length, hidden, steps, 0)
    first = timed(lambda: (lstm.step(1), rnn.step(1)))
    plain = [timed(lambda: (lstm.step(1), rnn.step(1))) for _ in range(20)]
    step_cpu = statistics.median(c for c, _ in plain)
    view = gates.gate_view(lstm.model, *gates.example("adding", length, 0, 0))
    paths = gates.memory_paths(
        {"initial": lstm.model, "trained": lstm.model},
        {"initial": rnn.model, "trained": rnn.model},
        gates.example("adding", length, 0, 0)[0],
    )[0]
    reading = sum(a.nbytes for a in view.gates.values()) + view.x.nbytes
    reading += sum(a.nbytes for a in paths.forget_log10.values()) + sum(
        a.nbytes for a in paths.rnn_norms.values()
    )
    return dict(
        work=gates.training_work(length, hidden, steps),
        first_cpu=first[0],
        step_cpu=step_cpu,
        step_wall=statistics.median(w for _, w in plain),
        max_cpu=max(c for c, _ in plain),
        click_cpu=first[0] + (steps - 1) * step_cpu,
        held_mb=(held_bytes(lstm, steps) + held_bytes(rnn, steps)) / 2**20,
        peak_mb=max_rss_mb() - before,
        reading_mb=reading / 2**20,
    )


def run(page: str, settings: dict, flush: bool = False) -> dict:
    """One case in a fresh process; its figures and the load average when it ran."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", json.dumps([page, settings, flush])],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": os.getloadavg()[0]}


def largest_hidden(kinds: list[str], task: str, T: int) -> int:
    """The most hidden units (a multiple of 4 up to the widget's 128) the bound lets these models train."""
    fits = [
        h
        for h in range(4, LTD_LIMITS["hidden"] + 1, 4)
        if long_term.refusal(long_term.configs(kinds, task, T, h, training.DEFAULT_LR, long_term.CLIP, 1, 0))
        is None
    ]
    return max(fits, default=0)


def long_term_cases(before: bool) -> list[tuple[str, dict]]:
    """The defaults (with and without the GRU), and for each task at T = 200, with and without the GRU,
    the most hidden units the bound allows at the widget's largest budget; 4 units for the fixed cost."""
    cases = [
        ("the defaults", dict(kinds=list(long_term.SHOWN), task="adding", T=100, hidden=64, steps=1500)),
        (
            "the defaults and the GRU",
            dict(kinds=list(models.KINDS), task="adding", T=100, hidden=64, steps=1500),
        ),
    ]
    for task in models.TASKS:
        for kinds in (list(long_term.SHOWN), list(models.KINDS)):
            hidden = largest_hidden(kinds, task, LTD_LIMITS["T"])
            name = f"{task}, T = 200, {hidden} units, {len(kinds)} models"
            cases.append(
                (name, dict(kinds=kinds, task=task, T=200, hidden=hidden, steps=LTD_LIMITS["steps"]))
            )
    cases.append(
        (
            "copy, T = 200, 4 units, 4 models",
            dict(kinds=list(models.KINDS), task="copy", T=200, hidden=4, steps=LTD_LIMITS["steps"]),
        )
    )
    if before:
        for task in ("copy", "parity"):
            cases.append(
                (
                    f"unbounded: {task}, T = 200, 128 units, 4 models (refused)",
                    dict(kinds=list(models.KINDS), task=task, T=200, hidden=128, steps=LTD_LIMITS["steps"]),
                )
            )
    return cases


def gates_cases(before: bool) -> list[tuple[str, dict]]:
    """The defaults, and settings at the edge of the bound: the longest budget, the longest T, the
    widest LSTM a click may train, and 4 units for the fixed cost of a time step."""
    cases = [
        (f"T = {T}, {hidden} units, {steps} steps", dict(T=T, hidden=hidden, steps=steps))
        for T, hidden, steps in (
            (50, 32, 600),
            (50, 32, 3000),
            (200, 32, 600),
            (100, 64, 600),
            (200, 4, 1000),
            (200, 128, 104),
        )
    ]
    if before:
        cases.append(("unbounded: T = 200, 128 units, 3000 steps (refused)", dict(GATES_LIMITS)))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", help="run one case (JSON [page, settings, flush]) and print its figures")
    parser.add_argument("--before", action="store_true", help="also each page's largest link, unbounded")
    parser.add_argument(
        "--flush", action="store_true", help="also the costliest cases with subnormals flushed"
    )
    args = parser.parse_args()
    if args.case:
        page, settings, flush = json.loads(args.case)
        print(json.dumps((long_term_case if page == "long_term" else gates_case)(settings, flush)))
        return
    print(
        f"torch {torch.__version__}, one thread; long_term.MAX_STEP_WORK {long_term.MAX_STEP_WORK / 1e6:g} million "
        f"a round, gates.MAX_TRAINING_WORK {gates.MAX_TRAINING_WORK / 1e9:g} billion a click; load {os.getloadavg()}"
    )
    print(
        f"\nLong-term dependencies: rounds of live training (every model one step), {ROUNDS} of them; a live "
        "tick trains 0.8 s of each 1 s"
    )
    print(
        "| settings | work (million) | open: Jacobians at init, CPU s | round 1, CPU s (wall) | round, median CPU s | "
        "costliest round, CPU s (wall) | round 50 (scores the test set), CPU s | held at the budget (MB) | "
        "peak (MB) | load |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    session, slowest, flush_cases = 0.0, 0.0, []
    for name, settings in long_term_cases(args.before):
        r = run("long_term", settings)
        diverged = f" ({', '.join(r['diverged'])} diverged)" if r["diverged"] else ""
        print(
            f"| {name}{diverged} | {r['work'] / 1e6:,.0f} | {r['open_cpu']:.2f} | {r['first_cpu']:.2f} "
            f"({r['first_wall']:.2f}) | {r['median_cpu']:.3f} | {r['max_cpu']:.2f} ({r['max_wall']:.2f}) | "
            f"{r['recording_cpu']:.2f} | {r['held_mb']:.1f} | {r['peak_mb']:.0f} | {r['load']:.1f} |",
            flush=True,
        )
        if "unbounded" not in name:
            session, slowest = max(session, r["held_mb"]), max(slowest, r["max_cpu"], r["first_cpu"])
        flush_cases += [(name, settings)] if "parity" in name or "unbounded" in name else []
    print(
        f"\nThe costliest round the bound allows: {slowest:.2f} CPU s. One session holds at most its 4 models at "
        f"the budget: {session:.1f} MB; {SESSIONS} sessions: {SESSIONS * session:.0f} MB"
    )
    if args.flush:
        print("\nThe same with subnormal floats flushed to zero (torch.set_flush_denormal(True)):")
        for name, settings in flush_cases:
            r = run("long_term", settings, flush=True)
            print(
                f"| {name} | round, median CPU s {r['median_cpu']:.3f} | costliest {r['max_cpu']:.2f} | "
                f"load {r['load']:.1f} |",
                flush=True,
            )
    print(
        "\nLSTM gates: a click trains the LSTM and its tanh RNN to the budget (steps after the first: the median "
        "of 20, extrapolated)"
    )
    print(
        "| settings | work (billion) | first step, CPU s | step, median CPU s (wall) | costliest step, CPU s | "
        "the click, CPU s | held (MB) | peak (MB) | one reading (MB) | load |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    session, reading = 0.0, 0.0
    for name, settings in gates_cases(args.before):
        r = run("gates", settings)
        print(
            f"| {name} | {r['work'] / 1e9:,.1f} | {r['first_cpu']:.2f} | {r['step_cpu']:.3f} ({r['step_wall']:.3f}) | "
            f"{r['max_cpu']:.2f} | {r['click_cpu']:,.0f} | {r['held_mb']:.2f} | {r['peak_mb']:.0f} | "
            f"{r['reading_mb']:.2f} | {r['load']:.1f} |",
            flush=True,
        )
        if "unbounded" not in name:
            session, reading = max(session, r["held_mb"]), max(reading, r["reading_mb"])
    print(
        f"\nOne session holds at most its LSTM and tanh RNN: {session:.2f} MB; {SESSIONS} sessions: "
        f"{SESSIONS * session:.0f} MB. The readings' cache (shared by the process, {READINGS} entries) holds "
        f"at most {READINGS * reading:.0f} MB"
    )
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
