"""Hand-built RNNs from the lecture: the sum, compare and parity networks with weights set by hand.

All three are one small recurrence, written as the lecture draws it:

    h_t = phi_h(W_xh x_t + W_hh h_{t-1} + W_yh y_{t-1} + b_h)      hidden units, (H,)
    y_t = phi_y(W_hy h_t + b_y)                                    one output unit

The sum and compare networks carry their memory in h (W_hh = 1); the parity network carries it
in its output, which feeds back into the hidden units (W_yh), exactly as in the lecture's figure.
Beyond the lecture, `learn_parity` finds the parity weights by backprop through time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import torch

from rnnviz import activations, training
from rnnviz.parsing import parse_numbers

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda z: z,
    "threshold": lambda z: (z > 0).astype(np.float64),  # the lecture's h(x) = 1 if x > 0 else 0
    "logistic": activations.sigmoid,
}

MAX_SEQUENCE_LENGTH = 200  # typed sequences; longer ones are no more instructive, only slower
MAX_CHECK_LENGTH = 16  # the checker runs all 2^n sequences; 2^16 is 65,536, still instant


@dataclass(frozen=True)
class HandBuiltRNN:
    """One recurrent net with hand-set weights: the lecture's sum, compare and parity RNNs."""

    W_xh: np.ndarray  # (H, D) input -> hidden
    W_hh: np.ndarray  # (H, H) hidden at t-1 -> hidden
    W_yh: np.ndarray  # (H,)   output at t-1 -> hidden (the parity net's only recurrence)
    b_h: np.ndarray  # (H,)
    W_hy: np.ndarray  # (H,)   hidden -> output
    b_y: float
    hidden_activation: str
    output_activation: str

    def step(self, x_t: np.ndarray, h_prev: np.ndarray, y_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One time step for a batch: x_t (N, D), h_prev (N, H), y_prev (N,) -> h_t, y_t."""
        z_t = x_t @ self.W_xh.T + h_prev @ self.W_hh.T + y_prev[:, None] * self.W_yh + self.b_h
        h_t = ACTIVATIONS[self.hidden_activation](z_t)  # (N, H)
        y_t = ACTIVATIONS[self.output_activation](h_t @ self.W_hy + self.b_y)  # (N,)
        return h_t, y_t

    def run_batch(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unroll over inputs (N, T, D), from h_0 = 0 and y_0 = 0 -> hidden (N, T, H), outputs (N, T)."""
        n, T, _ = inputs.shape
        H = self.b_h.shape[0]
        hidden = np.zeros((n, T, H))
        outputs = np.zeros((n, T))
        h_t, y_t = np.zeros((n, H)), np.zeros(n)
        with np.errstate(over="ignore", invalid="ignore"):  # huge typed weights give inf: a result
            for t in range(T):
                h_t, y_t = self.step(inputs[:, t], h_t, y_t)
                hidden[:, t], outputs[:, t] = h_t, y_t
        return hidden, outputs

    def run(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unroll over one sequence: inputs (T,) or (T, D) -> hidden (T, H), outputs (T,)."""
        x = np.asarray(inputs, dtype=np.float64)
        x = x.reshape(len(x), -1)  # (T, D)
        hidden, outputs = self.run_batch(x[None])
        return hidden[0], outputs[0]


# --- the three networks; each weights class lists every number the page lets users edit -------


def _weight(default: float, label: str) -> float:
    return field(default=default, metadata={"label": label})


@dataclass(frozen=True)
class SumWeights:
    """The sum RNN (linear units): h_t = w_in x_t + w_rec h_{t-1} + b_h, y_t = w_out h_t + b_y."""

    w_in: float = _weight(1.0, "x → h")
    w_rec: float = _weight(1.0, "h(t-1) → h")
    b_h: float = _weight(0.0, "bias of h")
    w_out: float = _weight(1.0, "h → y")
    b_y: float = _weight(0.0, "bias of y")


@dataclass(frozen=True)
class CompareWeights:
    """The compare RNN: a linear h keeps (first total - second total); a logistic y reads its sign."""

    w_first: float = _weight(1.0, "first input → h")
    w_second: float = _weight(-1.0, "second input → h")
    w_rec: float = _weight(1.0, "h(t-1) → h")
    b_h: float = _weight(0.0, "bias of h")
    w_out: float = _weight(5.0, "h → y")
    b_y: float = _weight(0.0, "bias of y")


@dataclass(frozen=True)
class ParityWeights:
    """The parity RNN's nine numbers; the defaults are the lecture's solution (h1 = AND, h2 = OR)."""

    x_to_h1: float = _weight(1.0, "x → h₁")
    y_to_h1: float = _weight(1.0, "previous y → h₁")
    b_h1: float = _weight(-1.5, "bias of h₁")  # h1 fires only when both are 1: AND
    x_to_h2: float = _weight(1.0, "x → h₂")
    y_to_h2: float = _weight(1.0, "previous y → h₂")
    b_h2: float = _weight(-0.5, "bias of h₂")  # h2 fires when either is 1: OR
    h1_to_y: float = _weight(-1.0, "h₁ → y")
    h2_to_y: float = _weight(1.0, "h₂ → y")
    b_y: float = _weight(-0.5, "bias of y")  # y = h2 and not h1: XOR


WEIGHTS = {"parity": ParityWeights, "sum": SumWeights, "compare": CompareWeights}


def weight_labels(weights_class: type) -> dict[str, str]:
    """Field name -> label of each editable weight, in the order the lecture's figure reads."""
    return {f.name: f.metadata["label"] for f in fields(weights_class)}


def sum_network(weights: SumWeights | None = None) -> HandBuiltRNN:
    """The lecture's RNN that sums a sequence of scalars (all units linear)."""
    w = weights or SumWeights()
    return HandBuiltRNN(
        W_xh=np.array([[w.w_in]]),
        W_hh=np.array([[w.w_rec]]),
        W_yh=np.zeros(1),
        b_h=np.array([w.b_h]),
        W_hy=np.array([w.w_out]),
        b_y=w.b_y,
        hidden_activation="linear",
        output_activation="linear",
    )


def compare_network(weights: CompareWeights | None = None) -> HandBuiltRNN:
    """The lecture's RNN over pairs: y_t > 0.5 when the first inputs' total exceeds the second's."""
    w = weights or CompareWeights()
    return HandBuiltRNN(
        W_xh=np.array([[w.w_first, w.w_second]]),
        W_hh=np.array([[w.w_rec]]),
        W_yh=np.zeros(1),
        b_h=np.array([w.b_h]),
        W_hy=np.array([w.w_out]),
        b_y=w.b_y,
        hidden_activation="linear",
        output_activation="logistic",
    )


def parity_network(weights: ParityWeights | None = None) -> HandBuiltRNN:
    """The lecture's parity RNN: two binary threshold hidden units fed by x_t and y_{t-1}."""
    w = weights or ParityWeights()
    return HandBuiltRNN(
        W_xh=np.array([[w.x_to_h1], [w.x_to_h2]]),  # (2, 1)
        W_hh=np.zeros((2, 2)),  # the lecture's parity net has no hidden -> hidden connection
        W_yh=np.array([w.y_to_h1, w.y_to_h2]),
        b_h=np.array([w.b_h1, w.b_h2]),
        W_hy=np.array([w.h1_to_y, w.h2_to_y]),
        b_y=w.b_y,
        hidden_activation="threshold",
        output_activation="threshold",
    )


# --- targets -----------------------------------------------------------------------------------


def parity_bits(bits: np.ndarray) -> np.ndarray:
    """Parity of each prefix: entry t is 1 when bits[..., :t+1] holds an odd number of 1s."""
    return np.cumsum(bits, axis=-1) % 2


def xor_truth_table(weights: ParityWeights) -> list[dict[str, int]]:
    """The lecture's XOR table: y_{t-1}, x_t -> h1, h2, y_t from one step of the current weights."""
    net = parity_network(weights)
    y_prev = np.array([0.0, 0.0, 1.0, 1.0])
    x = np.array([[0.0], [1.0], [0.0], [1.0]])
    h, y = net.step(x, np.zeros((4, 2)), y_prev)
    return [
        {
            "y(t-1)": int(yp),
            "x(t)": int(xt),
            "h₁(t)": int(h1),
            "h₂(t)": int(h2),
            "y(t)": int(yt),
            "XOR": int(yp) ^ int(xt),
        }
        for yp, xt, (h1, h2), yt in zip(y_prev, x[:, 0], h, y)
    ]


@dataclass(frozen=True)
class ParityCheck:
    """The checker's verdict over every binary sequence of length 1 to max_length."""

    max_length: int
    n_sequences: int  # 2 + 4 + ... + 2^max_length
    n_wrong: int
    counterexamples: list[dict[str, str]]  # the first few wrong sequences, shortest first

    @property
    def correct(self) -> bool:
        return self.n_wrong == 0

    def summary(self) -> str:
        if self.correct:
            return f"Correct on all {self.n_sequences:,} sequences of length 1 to {self.max_length}."
        return (
            f"Wrong on {self.n_wrong:,} of {self.n_sequences:,} sequences of length 1 to "
            f"{self.max_length}; the shortest are listed."
        )


def all_bit_sequences(length: int) -> np.ndarray:
    """Every binary sequence of the given length, in counting order: shape (2^length, length)."""
    codes = np.arange(2**length)[:, None]  # (N, 1)
    return (codes >> np.arange(length - 1, -1, -1)) & 1  # (N, length), most significant bit first


def check_parity(weights: ParityWeights, max_length: int, n_examples: int = 5) -> ParityCheck:
    """Run the parity net on all 2^n sequences for n = 1..max_length; a sequence is right when
    every output y_t equals the parity of its first t bits.

    The network's y_t reads only the first t bits, so one run over the 2^max_length longest sequences
    answers for every shorter one too: in counting order, rows p 2^(max_length - t) (p = 0, 1, ...)
    begin with each sequence of length t once."""
    if not 1 <= max_length <= MAX_CHECK_LENGTH:
        raise ValueError(f"max_length must be between 1 and {MAX_CHECK_LENGTH}, got {max_length}")
    bits = all_bit_sequences(max_length)  # (N, max_length)
    parity = parity_bits(bits)
    _, outputs = parity_network(weights).run_batch(bits[:, :, None].astype(np.float64))  # (N, max_length)
    wrong_by = np.cumsum(outputs != parity, axis=1) > 0  # (N, max_length): wrong at step t or before
    n_sequences = n_wrong = 0
    counterexamples: list[dict[str, str]] = []
    for length in range(1, max_length + 1):
        rows = np.arange(0, len(bits), 2 ** (max_length - length))  # one row per sequence of this length
        wrong = wrong_by[rows, length - 1]
        n_sequences += len(rows)
        n_wrong += int(wrong.sum())
        for row in rows[wrong][: n_examples - len(counterexamples)]:
            counterexamples.append(
                {
                    "input": _bits_text(bits[row, :length]),
                    "parity": _bits_text(parity[row, :length]),
                    "network's y": _bits_text(outputs[row, :length]),
                }
            )
    return ParityCheck(max_length, n_sequences, n_wrong, counterexamples)


def _bits_text(values: np.ndarray) -> str:
    return " ".join(str(int(v)) if v in (0, 1) else f"{v:g}" for v in values)


# --- the unrolled computation, with the target beside the output --------------------------------


@dataclass(frozen=True)
class Unrolled:
    """What the page shows for one typed sequence: inputs, hidden units, output, target."""

    rows: dict[str, np.ndarray]  # name -> (T,), in drawing order; the output, then the target, last
    wrong: np.ndarray  # (T,) True where the output disagrees with the target

    def table(self) -> dict[str, np.ndarray]:
        """The unrolled rows as columns by step t = 1..T, and whether the output is wrong (for a CSV)."""
        return {"t": np.arange(1, len(self.wrong) + 1), **self.rows, "wrong": self.wrong.astype(int)}

    def summary(self) -> str:
        T = len(self.wrong)

        if not self.wrong.any():
            return f"The output matches the target at all {T} steps."
        steps = ", ".join(str(t) for t in np.flatnonzero(self.wrong)[:10] + 1)
        more = ", ..." if self.wrong.sum() > 10 else ""
        word = "step" if self.wrong.sum() == 1 else "steps"
        text = f"The output differs from the target at {word} {steps}{more} ({self.wrong.sum()} of {T})."
        overflow = self.first_overflow()
        if overflow is not None:
            text += f" The values exceeded 1e308 (float64's largest) at step {overflow}."
        return text

    def first_overflow(self) -> int | None:
        """The first step (from 1) at which some row is inf or NaN, or None."""
        finite = np.all([np.isfinite(row) for row in self.rows.values()], axis=0)  # (T,)
        return None if finite.all() else int(np.argmin(finite)) + 1


def unroll_parity(weights: ParityWeights, bits: np.ndarray) -> Unrolled:
    """Run the parity net on bits (T,) beside the true parity of each prefix."""
    hidden, y = parity_network(weights).run(bits)  # (T, 2), (T,)
    target = parity_bits(bits)
    rows = {
        "x (input)": bits,
        "h₁": hidden[:, 0],
        "h₂": hidden[:, 1],
        "y (output)": y,
        "parity so far": target,
    }
    return Unrolled(rows, wrong=y != target)


def unroll_sum(weights: SumWeights, x: np.ndarray) -> Unrolled:
    """Run the sum net on x (T,) beside the running sum."""
    hidden, y = sum_network(weights).run(x)  # (T, 1), (T,)
    target = np.cumsum(x)
    with np.errstate(invalid="ignore"):
        wrong = ~(np.abs(y - target) <= 1e-9 * (1.0 + np.abs(target)))  # NaN or inf counts as wrong
    return Unrolled({"x (input)": x, "h": hidden[:, 0], "y (output)": y, "sum so far": target}, wrong)


def unroll_compare(weights: CompareWeights, first: np.ndarray, second: np.ndarray) -> Unrolled:
    """Run the compare net on pairs (first_t, second_t) beside 'is the first total larger?'."""
    if len(first) != len(second):
        raise ValueError(
            f"The two sequences must have the same length; they have {len(first)} and {len(second)}."
        )
    hidden, y = compare_network(weights).run(np.stack([first, second], axis=1))  # (T, 1), (T,)
    target = (np.cumsum(first) > np.cumsum(second)).astype(np.float64)
    rows = {
        "first input": first,
        "second input": second,
        "h": hidden[:, 0],
        "y = P(first larger)": y,
        "first total larger?": target,
    }
    return Unrolled(rows, wrong=(y > 0.5) != (target == 1.0))


# --- typed input -------------------------------------------------------------------------------


def parse_bits(text: str) -> np.ndarray:
    """Bits typed as '0 1 1 0' or '0110' -> int array (T,); anything but 0 and 1 is refused."""
    compact = text.strip()
    if compact and set(compact) <= {"0", "1"}:  # '0110' without separators
        compact = " ".join(compact)
    values = parse_numbers(compact, name="bit sequence", max_length=MAX_SEQUENCE_LENGTH)
    bad = [(i, v) for i, v in enumerate(values, start=1) if v not in (0.0, 1.0)]
    if bad:
        position, value = bad[0]
        raise ValueError(f"Entry {position} of the bit sequence is {value:g}; bits are 0 or 1.")
    return values.astype(np.int64)


# --- beyond the lecture: learn the parity weights by backprop through time ---------------------


@dataclass(frozen=True)
class LearnedParity:
    """Weights found by BPTT on the sigmoid version of the net, and the losses along the way."""

    weights: ParityWeights  # of the start with the lowest final loss
    losses: np.ndarray  # (steps, starts) mean cross-entropy per output, in nats
    best_start: int

    def final_losses(self, last: int = 20) -> np.ndarray:
        """Each start's loss averaged over the last `last` steps (starts,): one batch's loss is noisy."""
        return self.losses[-last:].mean(axis=0)


class ParityStarts(torch.nn.Module):
    """The parity net with sigmoid units, `starts` independent copies side by side: theta (9, K, 1),
    one column of ParityWeights per start, drawn from N(0, 1)."""

    NAMES = tuple(f.name for f in fields(ParityWeights))

    def __init__(self, starts: int):
        super().__init__()
        self.theta = torch.nn.Parameter(torch.zeros(len(self.NAMES), starts, 1, dtype=torch.float64))

    def initialise_from(self, generator: torch.Generator) -> None:
        """Every weight of every start from N(0, 1) (training.initialise asks every model)."""
        with torch.no_grad():
            self.theta.normal_(0.0, 1.0, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The outputs y_t (K, B, T) of every start on bit strings x (B, T)."""
        w = dict(zip(self.NAMES, self.theta))  # each (K, 1), broadcast against the batch (B,)
        y_prev = torch.zeros(self.theta.shape[1], x.shape[0], dtype=torch.float64)  # (K, B)
        y_all = []
        for t in range(x.shape[1]):
            h1 = torch.sigmoid(w["x_to_h1"] * x[:, t] + w["y_to_h1"] * y_prev + w["b_h1"])  # (K, B)
            h2 = torch.sigmoid(w["x_to_h2"] * x[:, t] + w["y_to_h2"] * y_prev + w["b_h2"])  # (K, B)
            y_prev = torch.sigmoid(w["h1_to_y"] * h1 + w["h2_to_y"] * h2 + w["b_y"])  # (K, B)
            y_all.append(y_prev)
        return torch.stack(y_all, dim=2)  # (K, B, T)

    def losses(self, bits: torch.Tensor) -> torch.Tensor:
        """The mean cross-entropy per output (nats) of every start (K,) on bit strings (B, T)."""
        y = self(bits.double())  # (K, B, T)
        target = torch.cumsum(bits, dim=1).remainder(2).double()  # (B, T): the parity so far
        return torch.nn.functional.binary_cross_entropy(y, target.expand_as(y), reduction="none").mean(
            dim=(1, 2)
        )


class ParityLoop(training.Loop):
    """The starts trained together by the lab's loop: Adam, no clipping; step k's batch of random bit
    strings from the seed stream TRAIN, index k. The loss it steps on is the sum over starts (they
    share no weight, so each start's gradient is its own loss's); it records every start's loss."""

    RECORDED = (*training.Loop.RECORDED, "start_losses")

    def __init__(self, seed: int, steps: int, starts: int, lr: float, sequence_length: int, batch_size: int):
        self.sequence_length, self.batch_size = sequence_length, batch_size
        super().__init__(ParityStarts(starts), self.step_loss_of, seed=seed, steps=steps, lr=lr, clip=0.0)
        self.start_losses: list[list[float]] = []  # step k - 1: the loss of every start

    def step_loss_of(self, k: int) -> torch.Tensor:
        # (B, T)
        bits = torch.randint(0, 2, (self.batch_size, self.sequence_length), generator=self.batch_generator(k))
        per_start = self.model.losses(bits)  # (K,)
        self.start_losses.append(per_start.detach().tolist())
        return per_start.sum()  # BPTT through every y_{t-1} -> h_t edge; starts independent


def learn_parity(
    seed: int = 0,
    steps: int = 400,
    starts: int = 32,
    lr: float = 0.1,
    sequence_length: int = 10,
    batch_size: int = 64,
    on_progress: Callable[[int, int, float], None] | None = None,
) -> LearnedParity:
    """Train the parity net with sigmoid units by BPTT (torch autograd) from `starts` random
    starts at once (ParityLoop, the lab's loop) and keep the best; many starts stall near 0.56 or
    0.62 nats (plateaus, not shown to be local minima: tests/test_handbuilt.py). The threshold net
    then uses the learned numbers unchanged (sigmoid(z) > 1/2 exactly when z > 0).
    `on_progress(step, steps, best loss)` every 20 steps."""
    if not 1 <= steps <= 20_000:
        raise ValueError(f"steps must be between 1 and 20000, got {steps}")
    if not 1 <= starts <= 256:
        raise ValueError(f"starts must be between 1 and 256, got {starts}")
    loop = ParityLoop(seed, steps, starts, lr, sequence_length, batch_size)

    def report(loop: ParityLoop) -> None:
        if on_progress is not None and (loop.step_count % 20 == 0 or loop.done):
            on_progress(loop.step_count, steps, min(loop.start_losses[-1]))

    loop.step(steps, on_progress=report)
    losses = np.asarray(loop.start_losses)  # (steps, K)
    best = int(np.argmin(losses[-1]))
    final = loop.model.theta.detach()[:, best, 0]  # (9,)
    learned = ParityWeights(**{n: float(v) for n, v in zip(ParityStarts.NAMES, final)})
    return LearnedParity(weights=learned, losses=losses, best_start=best)


def weights_as_dict(weights: SumWeights | CompareWeights | ParityWeights) -> dict[str, float]:
    """The weights as a plain dict (for tables, the URL and notebooks)."""
    return asdict(weights)
