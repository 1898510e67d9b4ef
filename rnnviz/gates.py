"""The LSTM's gates at work: each gate along one sequence, the memory cell's gradient path, and the
lecture's exercise (f_{t+1} = 1, i_{t+1} = 0, o_t = 0 pass the cell's gradient through unchanged).

Everything runs the trained torch.nn.LSTM again through rnnviz.cells.LSTM, in float64."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from rnnviz import models, training
from rnnviz.defaults import Default

GATES = ("i", "f", "o", "g", "c", "h")
EXAMPLES = 7  # the seed stream of the 100 held-out examples the page reads
# The page's default LSTM, shipped trained (rnnviz.defaults): the adding problem at T = 50, 32 units.
DEFAULT = training.TrainConfig(model=models.ModelConfig(kind="lstm", task="adding", hidden_size=32), T=50, steps=600,
                               seed=0, test_every=600, record_every=600)  # fmt: skip


def trainer(length: int, hidden: int, steps: int, seed: int) -> training.Trainer:
    """An LSTM on the adding problem, the page's settings, untrained."""
    return training.Trainer(training.TrainConfig(
        model=models.ModelConfig(kind="lstm", task="adding", hidden_size=hidden), T=length, steps=steps, seed=seed,
        test_every=steps, record_every=steps,
    ))  # fmt: skip


def default_trainer() -> training.Trainer:
    """The default LSTM, untrained (rnnviz.defaults trains it and restores it from its file)."""
    return training.Trainer(DEFAULT)


def measure(loop: training.Trainer) -> dict:
    """The test MSE on the trainer's 1000 held-out sequences (1/6 for always answering 1)."""
    return {"test_mse": round(loop.evaluate(), 6)}


def check(loop: training.Trainer) -> tuple[str, float]:
    """The test MSE again, on the page's 100 examples (another sample of the same task)."""
    c = loop.config
    x, y = models.make_batch(c.model.task, 100, c.T, training.stream_seed(c.seed, EXAMPLES))
    with torch.no_grad():
        return "test_mse", float(loop.model.loss(x, y))


DEFAULTS = [Default("lstm_gates", default_trainer, lambda: asdict(DEFAULT), measure, check, tolerance=0.01)]


@dataclass(frozen=True)
class GateView:
    """One example read by the LSTM: its inputs, every gate and state, the prediction."""

    x: np.ndarray  # (T, D) the inputs (adding problem: value, marker)
    target: float
    prediction: float
    gates: dict[str, np.ndarray]  # i, f, o, g, c, h, each (T, H)


    def table(self) -> dict[str, np.ndarray]:
        """Long format, one row per (t, unit): t, unit, and i, f, o, g, c, h (for a CSV)."""
        T, H = self.gates["h"].shape
        return {"t": np.repeat(np.arange(1, T + 1), H), "unit": np.tile(np.arange(H), T),
                **{name: values.reshape(-1) for name, values in self.gates.items()}}  # fmt: skip


def example(task: str, T: int, seed: int, index: int) -> tuple[torch.Tensor, torch.Tensor]:

    """Example `index` of a fixed set of held-out sequences: x (T, 1, D), y (1,)."""
    if not 0 <= index < 100:
        raise ValueError(f"index must be between 0 and 99, got {index}")
    x, y = models.make_batch(task, 100, T, training.stream_seed(seed, EXAMPLES))
    return x[:, index : index + 1], y[index : index + 1]


def gate_view(model: models.SequenceModel, x: torch.Tensor, y: torch.Tensor) -> GateView:
    """Run the model's LSTM step by step on x (T, 1, D) and keep every gate."""
    if model.config.kind != "lstm":
        raise ValueError(f"the gates page reads an LSTM, got {model.config.kind!r}")
    cell = model.instrumented()
    with torch.no_grad():
        output, record = cell(x.double())  # output (T, 1, H)
        prediction = model.head(output)
    return GateView(
        x=x[:, 0].double().numpy(), target=float(y[0]), prediction=float(prediction.reshape(-1)[0]),
        gates={name: record[name][:, 0].numpy() for name in GATES},
    )  # fmt: skip


def forget_path_log10(f: np.ndarray) -> np.ndarray:
    """log10 of dc_T/dc_t along the cell's own path, prod_{s=t+1}^{T} f_s, per unit: (T, H).

    Summed in logs: a product of 200 gates of 0.01 is 1e-400, below float64, and still drawn."""
    log_f = np.log10(np.clip(f, 1e-300, 1.0))  # (T, H)
    after = np.cumsum(log_f[::-1], axis=0)[::-1]  # entry t: sum over s >= t
    return np.concatenate([after[1:], np.zeros((1, f.shape[1]))], axis=0)  # sum over s > t


def tanh_rnn_path(hidden_size: int, x: torch.Tensor, seed: int) -> np.ndarray:
    """||dh_T/dh_t|| for a tanh RNN of the same size at initialisation, on the same example: (T,)."""
    rnn = models.SequenceModel(models.ModelConfig(kind="rnn", task="adding", hidden_size=hidden_size), seed=seed)
    return training.jacobian_norms(rnn, x)


@dataclass(frozen=True)
class Exercise:
    """The cell's gradient at steps t and t + 1, with the chosen gates forced."""

    t: int  # 0-based step
    c_bar_t: np.ndarray  # (H,) dL/dc_t
    c_bar_next: np.ndarray  # (H,) dL/dc_{t+1}
    forced: dict[str, float]

    @property
    def largest_difference(self) -> float:
        return float(np.max(np.abs(self.c_bar_t - self.c_bar_next)))


def exercise(
    model: models.SequenceModel, x: torch.Tensor, y: torch.Tensor, t: int,
    force_f: bool = True, force_i: bool = True, force_o: bool = True,
) -> Exercise:  # fmt: skip
    """The lecture's exercise by autograd: force f_{t+1} = 1, i_{t+1} = 0, o_t = 0 (each optional)
    and compare c_bar_t with c_bar_{t+1} on this example's loss."""
    T = x.shape[0]
    if not 0 <= t < T - 1:
        raise ValueError(f"t must be between 0 and {T - 2} so that step t + 1 exists, got {t}")
    overrides: dict[str, dict[int, float]] = {}
    if force_f:
        overrides.setdefault("f", {})[t + 1] = 1.0
    if force_i:
        overrides.setdefault("i", {})[t + 1] = 0.0
    if force_o:
        overrides.setdefault("o", {})[t] = 0.0
    cell = model.instrumented()
    H = model.config.hidden_size
    h0 = torch.zeros(1, H, dtype=torch.float64)
    c0 = torch.zeros(1, H, dtype=torch.float64, requires_grad=True)  # puts every c_t on autograd's graph
    cells_seen: list[torch.Tensor] = []
    output, _ = cell(x.double(), (h0, c0), overrides=overrides, watch_c=cells_seen)
    loss = model.task_loss(model.head(output), y.double())
    c_bar_t, c_bar_next = torch.autograd.grad(loss, [cells_seen[t], cells_seen[t + 1]])
    forced = {f"{name}_{step + 1}": value for name, steps in overrides.items() for step, value in steps.items()}
    return Exercise(t, c_bar_t[0].numpy(), c_bar_next[0].numpy(), forced)
