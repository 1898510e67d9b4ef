"""Torch models for the long-term-dependency tasks: one recurrent layer (tanh RNN, IRNN, LSTM or GRU)
and a linear readout, with each task's loss and its trivial baseline.

Everything is time-major, as torch.nn's recurrent modules and rnnviz.cells are: inputs x (L, B, D),
hidden states h (L, B, H). L is the length of a whole sequence: T for the adding problem and parity,
T + 2 * COPY_LENGTH + 1 for the copy task (symbols, T blanks, the delimiter, the recall).

    adding   x (L, B, 2) values and markers  -> readout(h_L), a number      MSE         baseline 1/6
    parity   x (L, B, 1) bits                -> readout(h_L), a logit       BCE         baseline ln 2
    copy     x (L, B, 10) one-hot tokens     -> readout(h_t) for every t    cross-entropy over 9 tokens,
                                                                             baseline tasks.copy_baseline(T)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from rnnviz import cells, settings, tasks
from rnnviz.settings import setting

TASKS = ("adding", "copy", "parity")
KINDS = ("rnn", "irnn", "lstm", "gru")
KIND_NAMES = {"rnn": "tanh RNN", "irnn": "IRNN", "lstm": "LSTM", "gru": "GRU"}
COPY_SYMBOLS = 8  # copy task: symbols 1..8, 0 the blank, 9 the delimiter
COPY_LENGTH = 10  # how many symbols the copy task shows and asks back
MAX_T = 1000


def default_device() -> str:
    """'cuda' when torch sees a GPU, else 'cpu'."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def _check_task(task: str, T: int) -> None:
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if not 2 <= T <= MAX_T:
        raise ValueError(f"T must be between 2 and {MAX_T}, got {T}")


def input_size(task: str) -> int:
    """D, the width of x_t: adding (value, marker), parity (bit), copy (one-hot over 10 tokens)."""
    return {"adding": 2, "parity": 1, "copy": COPY_SYMBOLS + 2}[task]


def output_size(task: str) -> int:
    """The readout's width: one number, one logit, or logits over blank + symbols."""
    return {"adding": 1, "parity": 1, "copy": COPY_SYMBOLS + 1}[task]


def sequence_length(task: str, T: int) -> int:
    """L, the number of steps the network runs for a task of length T."""
    return T + 2 * COPY_LENGTH + 1 if task == "copy" else T


def baseline(task: str, T: int) -> float:
    """The loss of the best answer that ignores the inputs: what 'learned nothing' looks like."""
    _check_task(task, T)
    if task == "adding":
        return tasks.ADDING_BASELINE_MSE  # always answer 1
    if task == "parity":
        return math.log(2.0)  # always answer 1/2
    return tasks.copy_baseline(T, COPY_SYMBOLS, COPY_LENGTH)


LOSS_NAMES = {
    "adding": "MSE",
    "parity": "binary cross-entropy (nats)",
    "copy": "cross-entropy per step (nats)",
}
BASELINE_NAMES = {
    "adding": "baseline: always answer 1 (MSE 1/6)",
    "parity": "baseline: always answer ½ (ln 2)",
    "copy": "baseline: blanks, then a uniform guess",
}


def make_batch(
    task: str, n: int, T: int, seed: int, device: str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """n sequences of the task as time-major tensors: x (L, n, D) float32; y (n,) float32, or for
    the copy task (L, n) token ids."""
    _check_task(task, T)
    if task == "adding":
        x, y = tasks.adding_problem(n, T, seed)  # (n, T, 2), (n,)
    elif task == "parity":
        x, y = tasks.parity_task(n, T, seed)  # (n, T, 1), (n,)
    else:
        tokens, y = tasks.copy_task(n, T, seed, COPY_SYMBOLS, COPY_LENGTH)  # (n, L), (n, L)
        x = np.eye(COPY_SYMBOLS + 2, dtype=np.float32)[tokens]  # (n, L, 10) one-hot
        y = y.T  # (L, n)
    x = torch.from_numpy(np.ascontiguousarray(np.swapaxes(x, 0, 1))).to(device)  # (L, n, D)
    return x, torch.from_numpy(np.ascontiguousarray(y)).to(device)


def marked_steps(task: str, x: torch.Tensor) -> list[int]:
    """The steps t (1-based) whose input the answer to one sequence x (L, 1, D) depends on in
    particular: the adding problem's two marked steps, the copy task's symbols (steps 1 .. COPY_LENGTH);
    none for parity, whose answer depends on every step alike."""
    if task == "adding":
        return [int(t) + 1 for t in torch.nonzero(x[:, 0, 1]).flatten()]
    if task == "copy":
        return list(range(1, COPY_LENGTH + 1))
    return []


@dataclass(frozen=True)
class ModelConfig:
    # rnn (tanh, torch's init) | irnn (relu, W_hh = I) | lstm | gru
    kind: str = setting("lstm", "network", options=KINDS)
    task: str = setting("adding", "Task", options=TASKS)  # sets D, the readout and the loss
    hidden_size: int = setting(64, "Hidden units", 1, 128, 4)
    irnn_input_std: float = 0.001  # Le et al. (2015): small random input weights, identity recurrence

    def __post_init__(self) -> None:
        settings.check(self)


class SequenceModel(torch.nn.Module):
    """A one-layer recurrent network and a linear readout: the readout sees h_L (adding, parity)
    or every h_t (copy)."""

    def __init__(self, config: ModelConfig, seed: int = 0):
        super().__init__()
        self.config = config
        D, H = input_size(config.task), config.hidden_size
        if config.kind == "irnn":
            self.rnn = cells.irnn_module(D, H, config.irnn_input_std)
        else:
            module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[config.kind]
            self.rnn = module(D, H)
        self.readout = torch.nn.Linear(H, output_size(config.task))
        self.initialise_from(torch.Generator().manual_seed(seed))

    @torch.no_grad()
    def initialise_from(self, generator: torch.Generator) -> None:
        """torch's own initialisation, drawn from `generator`, so that a seed fixes the model even
        while other threads use torch's global generator (each Streamlit session is a thread); the
        IRNN's own rule for its recurrent layer. training.initialise (the Loop) calls this."""
        H = self.config.hidden_size
        bound = 1.0 / math.sqrt(H)
        for name, weight in self.rnn.named_parameters():
            if self.config.kind == "irnn":  # Le et al.: W_hh = I, small input weights, zero biases
                if name == "weight_ih_l0":
                    weight.normal_(0.0, self.config.irnn_input_std, generator=generator)
            else:
                weight.uniform_(-bound, bound, generator=generator)  # what reset_parameters does
        # nn.Linear's kaiming_uniform(a=sqrt 5) on fan_in H is the same bound, 1/sqrt(H)
        self.readout.weight.uniform_(-bound, bound, generator=generator)
        self.readout.bias.uniform_(-bound, bound, generator=generator)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        """Hidden states h (L, B, H) -> predictions: (B,) for adding and parity, (L, B, 9) for copy."""
        W, b = self.readout.weight.to(h.dtype), self.readout.bias.to(h.dtype)  # float64 for the probe
        if self.config.task == "copy":
            return F.linear(h, W, b)  # (L, B, 9) logits
        return F.linear(h[-1], W, b).squeeze(-1)  # (B,) a number, or the logit of parity 1

    def task_loss(self, prediction: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The task's loss, averaged over the batch (and, for copy, over every step)."""
        if self.config.task == "adding":
            return F.mse_loss(prediction, y.to(prediction.dtype))
        if self.config.task == "parity":
            return F.binary_cross_entropy_with_logits(prediction, y.to(prediction.dtype))
        return F.cross_entropy(prediction.flatten(0, 1), y.flatten())  # (L B, 9) against (L B,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (L, B, D) -> predictions, as `head`."""
        h, _ = self.rnn(x)  # (L, B, H)
        return self.head(h)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The task loss of the batch (x, y)."""
        return self.task_loss(self(x), y)

    def instrumented(self, dtype: torch.dtype = torch.float64) -> cells.RNN | cells.LSTM | cells.GRU:
        """A copy of the recurrent layer as an instrumented rnnviz.cells cell, in `dtype`: float64 by
        default, so that vanishing gradients are seen down to 1e-300 rather than float32's 1e-38."""
        cell_class = {"rnn": cells.RNN, "irnn": cells.RNN, "lstm": cells.LSTM, "gru": cells.GRU}[
            self.config.kind
        ]
        cell = cell_class.from_torch(self.rnn)
        for name in ("W_ih", "W_hh", "b_ih", "b_hh"):
            setattr(cell, name, getattr(cell, name).to(dtype))
        return cell
