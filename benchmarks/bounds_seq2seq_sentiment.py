"""Bounds of what one session can make the server do on the sequence-to-sequence and sentiment pages
(issue 19): the costliest training step the largest settings a link or a widget can ask for allow, its
time on one torch thread, and the memory one session's models hold.

Every case runs in a fresh process (`--case JSON`), so that its peak memory is its own: ru_maxrss after
torch is warm and the data loaded, and again after the model is built and has trained its steps. Times
are CPU seconds of that process (time.process_time: on one thread, the wall time a quiet core would
take; other processes on a busy machine stretch the wall time) beside the wall seconds, with the load
average of the machine when each case ran.

    python benchmarks/bounds_seq2seq_sentiment.py            # every case, about 5 minutes on one core
    python benchmarks/bounds_seq2seq_sentiment.py --before   # and the pages' largest settings, unbounded
"""

from __future__ import annotations

import argparse
import dataclasses
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

from rnnviz import seq2seq, sentiment, training

FLOAT_IN_A_LIST = 32  # bytes of one recorded number: a Python float (24) and its slot in a list (8)
SESSIONS = 40
SEQ2SEQ_LIMITS = dict(hidden=256, length={"reverse": 30, "sort": 30, "execute": 4, "dates": 0}, steps=10000)
SENTIMENT_LIMITS = dict(hidden=128, epochs=10)  # pages/sentiment.py's widgets


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def tensor_bytes(loop: training.Loop) -> int:
    """What a trained loop holds in tensors: the weights, their gradients and Adam's two moments."""
    weights = sum(p.numel() * p.element_size() for p in loop.model.parameters())
    grads = sum(p.grad.numel() * p.grad.element_size() for p in loop.model.parameters() if p.grad is not None)
    moments = sum(
        t.numel() * t.element_size()
        for state in loop.optimizer.state.values()
        for t in state.values()
        if isinstance(t, torch.Tensor)
    )
    return weights + grads + moments


def timed(action) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of action()."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def warm() -> None:
    """One torch thread, and the first optimizer built (it imports torch._dynamo, 2 to 5 s): not the step's."""
    training.set_threads(1)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def seq2seq_case(settings: dict) -> dict:
    """One seq2seq model at `settings`: its first step (which also scores it on the held-out pairs, the
    costliest step), then plain steps; what it holds, and at its whole budget."""
    warm()
    config = seq2seq.Seq2SeqConfig(**settings)
    before = max_rss_mb()
    loop = seq2seq.Seq2SeqLoop(config, bounded=False)
    scored_cpu, scored_wall = timed(lambda: loop.step(1))  # step 0's held-out score, then step 1
    plain = [timed(lambda: loop.step(1)) for _ in range(5)]
    scores = config.steps // config.score_every + 2
    per_score = 4 + 2 * len(loop.score_lengths)  # held-out loss, exact, chars, longer; by length
    records = FLOAT_IN_A_LIST * (2 * config.steps + scores * per_score)  # losses and grad norms every step
    return dict(
        step_work=config.step_work,
        scored_cpu=scored_cpu,
        scored_wall=scored_wall,
        step_cpu=statistics.median(c for c, _ in plain),
        step_wall=statistics.median(w for _, w in plain),
        held_mb=(tensor_bytes(loop) + records) / 2**20,
        peak_mb=max_rss_mb() - before,
    )


def sentiment_case(settings: dict) -> dict:
    """One sentiment model at `settings` on the built-in corpus (prepared once per process, shared by
    every session: its memory is the process's, not the session's): its first step (which scores the
    untrained model on the 2,000 held-out sentences, as every test_every-th step does), plain steps."""
    warm()
    config = sentiment.SentimentConfig(**settings)
    data_before = max_rss_mb()
    data = sentiment.data_for(config)
    before = max_rss_mb()
    loop = sentiment.SentimentTrainer(config, data, bounded=False)
    scored_cpu, scored_wall = timed(lambda: loop.step(1))
    plain = [timed(lambda: loop.step(1)) for _ in range(5)]
    # loss, norm, accuracy
    records = FLOAT_IN_A_LIST * (3 * loop.steps + 2 * (loop.steps // loop.test_every + 2))
    step_cpu = statistics.median(c for c, _ in plain)
    evaluations = loop.steps // loop.test_every + 1
    return dict(
        step_work=sentiment.step_work(config, data),
        scored_cpu=scored_cpu,
        scored_wall=scored_wall,
        step_cpu=step_cpu,
        step_wall=statistics.median(w for _, w in plain),
        steps=loop.steps,
        training_cpu=loop.steps * step_cpu + evaluations * max(scored_cpu - step_cpu, 0.0),
        held_mb=(tensor_bytes(loop) + records) / 2**20,
        peak_mb=max_rss_mb() - before,
        data_mb=before - data_before,
    )


def run(page: str, settings: dict) -> dict:
    """One case in a fresh process; its figures and the load average when it ran."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", json.dumps([page, settings])],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": os.getloadavg()[0]}


def largest_hidden(settings: dict) -> int:
    """The most hidden units (a multiple of 16 up to the widget's 256) the bound lets these settings train."""
    fits = [
        h
        for h in range(16, SEQ2SEQ_LIMITS["hidden"] + 1, 16)
        if seq2seq.Seq2SeqConfig(**{**settings, "hidden_size": h}).step_work <= seq2seq.MAX_STEP_WORK
    ]
    return max(fits, default=0)


def largest_seq2seq_model() -> tuple[float, str, dict]:
    """The most memory one seq2seq model the page trains can hold, over every setting its widgets and
    the bound allow (the most hidden units at the shortest strings): weights, gradients and Adam's two
    moments, float32 (16 bytes a parameter), and the records of the widget's largest budget."""
    most, named, largest = 0, "", {}
    for task, (low, high) in seq2seq.LENGTH_RANGE.items():
        for length in sorted({low, high} if task != "dates" else {0}):
            for kind in seq2seq.KINDS:
                for attention in seq2seq.ATTENTIONS:
                    settings = dict(task=task, length=length, kind=kind, attention=attention)
                    hidden = largest_hidden(settings)
                    config = seq2seq.Seq2SeqConfig(**settings, hidden_size=hidden)
                    model = seq2seq.Seq2Seq(config, len(seq2seq.vocabulary(task)))
                    parameters = sum(p.numel() for p in model.parameters())
                    if parameters > most:
                        most, largest = parameters, {**settings, "hidden_size": hidden}
                        named = f"{task}, length {length}, {seq2seq.KIND_NAMES[kind]} {hidden}, attention {attention}"
    # losses, grad norms; scores and test pairs
    records = FLOAT_IN_A_LIST * 2 * SEQ2SEQ_LIMITS["steps"] + 2**20
    return (16 * most + records) / 2**20, named, largest


def seq2seq_cases(before: bool) -> list[tuple[str, dict]]:
    """The page's default, and for each task at its longest strings (most digits): an LSTM with each
    attention and a GRU without and with the costliest, each with the most hidden units the bound
    allows, at the widget's largest budget."""
    cases = [("the shipped date model's settings", dataclasses.asdict(seq2seq.DEFAULT))]
    kinds = [("lstm", a) for a in seq2seq.ATTENTIONS] + [("gru", "none"), ("gru", "additive")]
    for task, length in SEQ2SEQ_LIMITS["length"].items():
        for kind, attention in kinds:
            settings = dict(
                task=task, length=length, kind=kind, attention=attention, steps=SEQ2SEQ_LIMITS["steps"]
            )
            hidden = largest_hidden(settings)
            cases.append(
                (
                    f"{task}, length {length}, {seq2seq.KIND_NAMES[kind]} {hidden}, attention {attention}",
                    {**settings, "hidden_size": hidden},
                )
            )
    _, named, most = largest_seq2seq_model()
    cases.append((f"the most parameters: {named}", {**most, "steps": SEQ2SEQ_LIMITS["steps"]}))
    if before:
        largest = dict(
            task="reverse", length=30, kind="lstm", attention="additive", hidden_size=256, steps=10000
        )
        cases.append(("unbounded: reverse, length 30, LSTM 256, additive attention (refused)", largest))
    return cases


def sentiment_cases(before: bool) -> list[tuple[str, dict]]:
    """The page's default, and for each network and input reading characters (the costliest tokens), 10
    epochs (the most): the most hidden units (a multiple of 8 up to the widget's 128) the bound allows."""
    cases = [("the shipped LSTM's settings", dataclasses.asdict(sentiment.DEFAULT))]
    for kind in sentiment.KINDS:
        for inputs in sentiment.INPUTS:
            settings = dict(kind=kind, inputs=inputs, epochs=SENTIMENT_LIMITS["epochs"], tokens="characters")
            data = sentiment.data_for(sentiment.SentimentConfig(**settings))
            fits = [
                h
                for h in range(8, SENTIMENT_LIMITS["hidden"] + 1, 8)
                if sentiment.step_work(sentiment.SentimentConfig(**settings, hidden_size=h), data)
                <= sentiment.MAX_STEP_WORK
            ]
            config = sentiment.SentimentConfig(**settings, hidden_size=max(fits))
            cases.append(
                (f"{config.name}, {config.hidden_size} units, 10 epochs", dataclasses.asdict(config))
            )
    if before:
        largest = sentiment.SentimentConfig(hidden_size=128, epochs=10, tokens="characters")
        cases.append(
            (
                "unbounded: LSTM reading characters, 128 units, 10 epochs (refused)",
                dataclasses.asdict(largest),
            )
        )
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", help="run one case (JSON [page, settings]) and print its figures")
    parser.add_argument("--before", action="store_true", help="also the pages' largest settings, unbounded")
    args = parser.parse_args()
    if args.case:
        page, settings = json.loads(args.case)
        print(json.dumps((seq2seq_case if page == "seq2seq" else sentiment_case)(settings)))
        return
    print(
        f"torch {torch.__version__}, one thread; MAX_STEP_WORK: seq2seq {seq2seq.MAX_STEP_WORK / 1e9:g} billion, "
        f"sentiment {sentiment.MAX_STEP_WORK / 1e9:g} billion multiply-adds"
    )
    header = (
        "| settings | work (billion) | costliest step, CPU s (wall) | plain step, CPU s (wall) | held (MB) | "
        "peak during a step (MB) | load |"
    )
    print(
        "\nSequence to sequence: the costliest step scores the model on its held-out pairs (every score_every steps)"
    )
    print(header + "\n|---|---|---|---|---|---|---|")
    session = 0.0
    for name, settings in seq2seq_cases(args.before):
        r = run("seq2seq", settings)
        print(
            f"| {name} | {r['step_work'] / 1e9:.1f} | {r['scored_cpu']:.2f} ({r['scored_wall']:.2f}) | "
            f"{r['step_cpu']:.3f} ({r['step_wall']:.3f}) | {r['held_mb']:.1f} | {r['peak_mb']:.0f} | {r['load']:.1f} |"
        )
        if "unbounded" not in name:
            session = max(session, r["held_mb"])
    # A session holds its model and, for the length comparison, its own models of the two other variants.
    most, named, _ = largest_seq2seq_model()
    print(
        f"\nThe most one model the page trains can hold: {most:.1f} MB ({named}; measured above: at most "
        f"{session:.1f} MB). One session holds at most 3 (its own and two variants): {3 * most:.0f} MB; "
        f"{SESSIONS} sessions: {SESSIONS * 3 * most / 1024:.2f} GB"
    )
    print(
        "\nSentiment: the costliest step scores the model on the 2,000 held-out sentences (every test_every steps)"
    )
    print(
        header.removesuffix(" load |") + " whole training, CPU s | load |\n|---|---|---|---|---|---|---|---|"
    )
    session = 0.0
    for name, settings in sentiment_cases(args.before):
        r = run("sentiment", settings)
        print(
            f"| {name} | {r['step_work'] / 1e9:.1f} | {r['scored_cpu']:.2f} ({r['scored_wall']:.2f}) | "
            f"{r['step_cpu']:.3f} ({r['step_wall']:.3f}) | {r['held_mb']:.1f} | {r['peak_mb']:.0f} | "
            f"{r['training_cpu']:.0f} ({r['steps']} steps) | {r['load']:.1f} |"
        )
        if "unbounded" not in name:
            session = max(session, r["held_mb"])
    print(
        f"\nThe built-in corpus, prepared once per process for words and once for characters: "
        f"{r['data_mb']:.0f} MB (characters)"
    )
    print(
        f"One session holds at most one model it trained: {session:.1f} MB; {SESSIONS} sessions: "
        f"{SESSIONS * session:.0f} MB"
    )


if __name__ == "__main__":
    main()
