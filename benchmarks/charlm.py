"""Character-level language model: the corpus's load time and memory (what a first visit to the page
pays), the shipped default's sampling time (what a move of the temperature slider costs), training
throughput of rnnviz (torch, batched windows) against the classic minimal char-RNN in numpy
(Karpathy's min-char-rnn: one sequence of 25 characters at a time, Adagrad) of the same hidden size on
the same text, and the held-out loss against the unigram entropy after 3 minutes of training with the
page's defaults.

Run: python benchmarks/charlm.py [--seconds 20] [--budget 180] [--quick]
(--quick skips the 3-minute run). Times are CPU seconds of this process on one torch thread (the
server's setting) unless said otherwise; the machine's load (uptime) is printed first and last: the
wall-clock numbers are only comparable on an idle machine.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # every script here: the checkout first

import numpy as np

from rnnviz import charlm, training


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def min_char_rnn(
    data: np.ndarray,
    vocab_size: int,
    hidden_size: int,
    seconds: float,
    seq_length: int = 25,
    learning_rate: float = 1e-1,
    seed: int = 0,
) -> tuple[float, float]:
    """Karpathy's min-char-rnn (tanh RNN, one-hot inputs, Adagrad, gradients clipped to [-5, 5]),
    trained one sequence at a time for `seconds`; returns (characters per second, the mean loss in
    bits per character over the last 100 sequences)."""
    rng = np.random.default_rng(seed)
    H, V = hidden_size, vocab_size
    Wxh, Whh, Why = (
        rng.standard_normal((H, V)) * 0.01,
        rng.standard_normal((H, H)) * 0.01,
        rng.standard_normal((V, H)) * 0.01,
    )
    bh, by = np.zeros((H, 1)), np.zeros((V, 1))
    memory = [np.zeros_like(p) for p in (Wxh, Whh, Why, bh, by)]
    hprev, p, chars, recent = np.zeros((H, 1)), 0, 0, []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if p + seq_length + 1 >= len(data):
            hprev, p = np.zeros((H, 1)), 0
        inputs, targets = data[p : p + seq_length], data[p + 1 : p + seq_length + 1]
        xs, hs, ps = {}, {-1: np.copy(hprev)}, {}
        loss = 0.0
        for t in range(seq_length):  # forward, one character at a time
            xs[t] = np.zeros((V, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
            y = Why @ hs[t] + by
            ps[t] = np.exp(y - y.max()) / np.sum(np.exp(y - y.max()))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby, dhnext = np.zeros_like(bh), np.zeros_like(by), np.zeros_like(hprev)
        for t in reversed(range(seq_length)):  # backprop through time
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += dy @ hs[t].T
            dby += dy
            dh = Why.T @ dy + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += dhraw @ xs[t].T
            dWhh += dhraw @ hs[t - 1].T
            dhnext = Whh.T @ dhraw
        for param, grad, mem in zip((Wxh, Whh, Why, bh, by), (dWxh, dWhh, dWhy, dbh, dby), memory):
            np.clip(grad, -5, 5, out=grad)
            mem += grad * grad
            param += -learning_rate * grad / np.sqrt(mem + 1e-8)  # Adagrad
        hprev, p, chars = hs[seq_length - 1], p + seq_length, chars + seq_length
        recent = (recent + [loss / seq_length])[-100:]
    return chars / (time.perf_counter() - start), float(charlm.bits(np.mean(recent)))


def rnnviz_throughput(
    data: charlm.CharData, config: charlm.CharLMConfig, seconds: float
) -> tuple[float, int]:
    """Characters per second of CharTrainer (training steps only), and the steps taken."""
    trainer = charlm.CharTrainer(data, config)
    trainer.step(1)  # step 0's evaluation and sample, and torch's first-call warm-up
    start_steps, start = trainer.step_count, time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer._one_step()  # the training step alone, without the held-out evaluation
    steps = trainer.step_count - start_steps
    return steps * trainer.chars_per_step / (time.perf_counter() - start), steps


def _default_data() -> charlm.CharData:
    return charlm.builtin_data(charlm.DEFAULT_CORPUS, seed=0)  # the page's corpus, once per process


def rnnviz_steps(n: int) -> float:
    """Seconds for n steps of the page's default CharTrainer, records included (held-out loss every
    50 steps, a sample at each checkpoint), after its step 0."""
    trainer = charlm.CharTrainer(_default_data(), charlm.CharLMConfig())
    trainer.step(1)
    start = time.perf_counter()
    trainer.step(n)
    return time.perf_counter() - start


def plain_steps(n: int) -> float:
    """Seconds for n steps of a bare torch loop on the same model and windows: forward (with the same
    dropout), loss, backward, clip, Adam; nothing recorded (and no learning-rate schedule)."""
    import torch

    from benchmarks.plain_torch import time_plain_steps

    data, config = _default_data(), charlm.CharLMConfig()
    # CharLM is built uninitialised
    model = training.initialise(charlm.CharLM(config, len(data.vocab)), config.seed)
    ids = torch.from_numpy(data.train_ids)
    generator = torch.Generator().manual_seed(0)

    def step_loss(k: int) -> torch.Tensor:
        starts = torch.randint(0, len(ids) - config.window, (config.batch_size,), generator=generator)
        # (B, window + 1); the ids are bytes
        windows = ids[starts[:, None] + torch.arange(config.window + 1)].long()
        logits, _, _ = model(windows[:, :-1], dropout=generator)  # (B, window, V)
        return torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1)
        )

    return time_plain_steps(model, config.lr, config.clip, step_loss, n)


LOAD = """
import time, tracemalloc, sys
from rnnviz import charlm
if sys.argv[1] == "memory":
    tracemalloc.start()  # slows Python's allocations: the time is measured in another process
start, cpu = time.perf_counter(), time.process_time()
data = charlm.builtin_data(charlm.DEFAULT_CORPUS, 0)
print(time.perf_counter() - start, time.process_time() - cpu, *tracemalloc.get_traced_memory(), data.chars,
      len(data.test_documents), len(data.test_ids) - 1, len(data.vocab), data.entropy)
"""


def corpus_load(repeats: int = 5) -> None:
    """The default corpus read, split and encoded, each time in a fresh process (as on a first visit):
    the median time, and the memory it holds and its peak on the way (tracemalloc)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root}

    def run(what: str) -> list[float]:
        out = subprocess.run(
            [sys.executable, "-c", LOAD, what], env=env, capture_output=True, text=True, check=True
        )
        return [float(x) for x in out.stdout.split()]

    times = [run("time") for _ in range(repeats)]
    wall, cpu = statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)
    _, _, held, peak, chars, files, held_out, vocab, entropy = run("memory")
    print(
        f"default corpus: {chars:,.0f} characters, {files:.0f} held-out files ({held_out:,.0f} characters), vocabulary "
        f"{vocab:.0f}, unigram entropy {entropy:.3f} bits"
    )
    print(
        f"  charlm.builtin_data in a fresh process: median of {repeats} {cpu * 1000:.0f} ms CPU ({wall * 1000:.0f} ms "
        f"wall); holds {held / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB on the way"
    )


def sampling_times(repeats: int = 9) -> None:
    """The shipped default (rnnviz.defaults.load) sampling 300 characters, and what a move of the
    temperature slider computes: the free-running continuation of the held-out snippet (200
    characters) and the sample of 300, both read as drawn, side by side as the page draws them and one
    after the other; median CPU ms."""
    from rnnviz import defaults

    training.set_threads(1)  # the server's setting (ui.models)
    loop = defaults.load("char_lm")
    model, data = loop.model, loop.data
    forced = charlm.teacher_forced(model, data.vocab, *charlm.held_out_snippet(data, 0, 60, 200))
    cases = {
        "sample 300 characters": lambda t: charlm.sample(model, data.vocab, "def ", 300, t, 0, 0, True),
        "temperature move (the page's call): free-running 200 and sample 300, side by side, both read": lambda t: (
            charlm.samples_and_readings(
                model,
                data.vocab,
                [charlm.free_draw(forced, t, seed=0), charlm.Draw("def ", 300, t, 0, 0, True)],
            )
        ),
        "the same one after the other": lambda t: (
            charlm.free_running(model, data.vocab, forced, t, seed=0),
            charlm.sample_and_read(model, data.vocab, "def ", 300, t, 0, 0, True),
        ),
    }
    print(f"shipped default ({model.config.hidden_size} units), one torch thread:")
    for name, compute in cases.items():
        times = []
        for i in range(repeats):
            cpu = time.process_time()
            compute(0.5 + 0.1 * i)  # another temperature each time, as the slider moves
            times.append(time.process_time() - cpu)
        print(f"  {name}: median {statistics.median(times) * 1000:.0f} ms CPU (min {min(times) * 1000:.0f})")


def main() -> None:
    """Print the load, the corpus load time, the throughput table and the 3-minute run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of each throughput measurement")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds of the default training run")
    parser.add_argument("--quick", action="store_true", help="skip the default training run")
    args = parser.parse_args()
    training.set_threads(1)
    print("load before:", uptime())
    corpus_load()
    sampling_times()
    data = _default_data()

    default = charlm.CharLMConfig()
    H = default.hidden_size
    numpy_rate, numpy_bits = min_char_rnn(data.train_ids, len(data.vocab), H, args.seconds)
    rows = [(f"numpy min-char-rnn, tanh RNN {H}, 1 sequence of 25", numpy_rate)]
    for name, config in [
        (f"rnnviz, tanh RNN {H} (the same network)", charlm.CharLMConfig(kind="rnn")),
        (f"rnnviz, LSTM {H} (the page's default)", default),
    ]:
        rate, _ = rnnviz_throughput(data, config, args.seconds)
        rows.append((name, rate))
    print(f"\n{'training throughput (1 thread)':<48}{'chars/s':>10}{'x numpy':>9}")
    for name, rate in rows:
        print(f"{name:<48}{rate:>10,.0f}{rate / numpy_rate:>9.1f}")
    print(
        f"(min-char-rnn's loss after {args.seconds:.0f} s: {numpy_bits:.2f} bits per character on its training text)"
    )

    if not args.quick:
        trainer = charlm.CharTrainer(data, default)
        start, marks = time.perf_counter(), []
        while time.perf_counter() - start < args.budget and not trainer.done:
            trainer.step(default.test_every)
            marks.append(
                (trainer.step_count, time.perf_counter() - start, charlm.bits(trainer.test_losses[-1]))
            )
        held = marks[-1][2]
        print(
            f"\ndefault LSTM, {args.budget:.0f} s of training: {trainer.step_count} steps, "
            f"{trainer.step_count * trainer.chars_per_step / trainer.seconds:,.0f} chars/s with evaluation"
        )
        for step, seconds, value in marks[:: max(1, len(marks) // 8)] + marks[-1:]:
            print(f"  step {step:>5} at {seconds:>5.0f} s: held-out {value:.3f} bits per character")
        below = 1 - held / data.entropy
        reached = next((m for m in marks if m[2] <= 0.6 * data.entropy), None)
        when = f"reached at step {reached[0]}, {reached[1]:.0f} s" if reached else "not reached"
        print(
            f"held-out {held:.3f} bpc vs unigram entropy {data.entropy:.3f}: {100 * below:.0f}% below "
            f"(target 40%: {when})"
        )
        print("sample:", trainer.samples[-1][:300].replace("\n", "\n  "))
    print("\nload after:", uptime())


if __name__ == "__main__":
    main()
