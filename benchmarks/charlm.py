"""Character-level language model: corpus load time, training throughput of rnnviz (torch, batched
windows) against the classic minimal char-RNN in numpy (Karpathy's min-char-rnn: one sequence of 25
characters at a time, Adagrad) of the same hidden size on the same text, and the held-out loss
against the unigram entropy after 3 minutes of training with the page's defaults.

Run: PYTHONPATH=. python benchmarks/charlm.py [--seconds 20] [--budget 180] [--quick]
(--quick skips the 3-minute run). The machine's load (uptime) is printed first and last: the
numbers are only comparable on an idle machine.
"""

import argparse
import os
import statistics
import subprocess
import time

import numpy as np

from rnnviz import charlm, corpora, training


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def min_char_rnn(data: np.ndarray, vocab_size: int, hidden_size: int, seconds: float, seq_length: int = 25,
                 learning_rate: float = 1e-1, seed: int = 0) -> tuple[float, float]:  # fmt: skip
    """Karpathy's min-char-rnn (tanh RNN, one-hot inputs, Adagrad, gradients clipped to [-5, 5]),
    trained one sequence at a time for `seconds`; returns (characters per second, the mean loss in
    bits per character over the last 100 sequences)."""
    rng = np.random.default_rng(seed)
    H, V = hidden_size, vocab_size
    Wxh, Whh, Why = rng.standard_normal((H, V)) * 0.01, rng.standard_normal((H, H)) * 0.01, rng.standard_normal((V, H)) * 0.01
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


def rnnviz_throughput(data: charlm.CharData, config: charlm.CharLMConfig, seconds: float) -> tuple[float, int]:
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
    model = training.initialise(charlm.CharLM(config, len(data.vocab)), config.seed)  # CharLM is built uninitialised
    ids = torch.from_numpy(data.train_ids)
    generator = torch.Generator().manual_seed(0)

    def step_loss(k: int) -> torch.Tensor:
        starts = torch.randint(0, len(ids) - config.window, (config.batch_size,), generator=generator)
        windows = ids[starts[:, None] + torch.arange(config.window + 1)]  # (B, window + 1)
        logits, _, _ = model(windows[:, :-1], dropout=generator)  # (B, window, V)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))

    return time_plain_steps(model, config.lr, config.clip, step_loss, n)


def main() -> None:
    """Print the load, the corpus load time, the throughput table and the 3-minute run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of each throughput measurement")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds of the default training run")
    parser.add_argument("--quick", action="store_true", help="skip the default training run")
    args = parser.parse_args()
    training.set_threads(1)
    print("load before:", uptime())
    times = []
    for _ in range(3):
        start = time.perf_counter()
        data = charlm.prepare(corpora.stdlib_corpus(charlm.STDLIB_CHARS))
        times.append(time.perf_counter() - start)
    print(f"default corpus: {data.chars:,} characters, vocabulary {len(data.vocab)}, unigram entropy "
          f"{data.entropy:.3f} bits; load + split + encode: median {statistics.median(times) * 1000:.0f} ms")  # fmt: skip

    default = charlm.CharLMConfig()
    H = default.hidden_size
    numpy_rate, numpy_bits = min_char_rnn(data.train_ids, len(data.vocab), H, args.seconds)
    rows = [(f"numpy min-char-rnn, tanh RNN {H}, 1 sequence of 25", numpy_rate)]
    for name, config in [(f"rnnviz, tanh RNN {H} (the same network)", charlm.CharLMConfig(kind="rnn")),
                         (f"rnnviz, LSTM {H} (the page's default)", default)]:  # fmt: skip
        rate, _ = rnnviz_throughput(data, config, args.seconds)
        rows.append((name, rate))
    print(f"\n{'training throughput (1 thread)':<48}{'chars/s':>10}{'x numpy':>9}")
    for name, rate in rows:
        print(f"{name:<48}{rate:>10,.0f}{rate / numpy_rate:>9.1f}")
    print(f"(min-char-rnn's loss after {args.seconds:.0f} s: {numpy_bits:.2f} bits per character on its training text)")

    if not args.quick:
        trainer = charlm.CharTrainer(data, default)
        start, marks = time.perf_counter(), []
        while time.perf_counter() - start < args.budget and not trainer.done:
            trainer.step(default.test_every)
            marks.append((trainer.step_count, time.perf_counter() - start, charlm.bits(trainer.test_losses[-1])))
        held = marks[-1][2]
        print(f"\ndefault LSTM, {args.budget:.0f} s of training: {trainer.step_count} steps, "
              f"{trainer.step_count * trainer.chars_per_step / trainer.seconds:,.0f} chars/s with evaluation")  # fmt: skip
        for step, seconds, value in marks[:: max(1, len(marks) // 8)] + marks[-1:]:
            print(f"  step {step:>5} at {seconds:>5.0f} s: held-out {value:.3f} bits per character")
        below = 1 - held / data.entropy
        reached = next((m for m in marks if m[2] <= 0.6 * data.entropy), None)
        when = f"reached at step {reached[0]}, {reached[1]:.0f} s" if reached else "not reached"
        print(f"held-out {held:.3f} bpc vs unigram entropy {data.entropy:.3f}: {100 * below:.0f}% below "
              f"(target 40%: {when})")  # fmt: skip
        print("sample:", trainer.samples[-1][:300].replace("\n", "\n  "))
    print("\nload after:", uptime())


if __name__ == "__main__":
    main()
