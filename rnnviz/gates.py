"""The LSTM's gates at work: each gate along one sequence, the memory cell's gradient path at
initialisation and after training (beside a tanh RNN's), and the lecture's exercise.

The exercise: the cell's adjoint is

    c_bar_t = f_{t+1} * c_bar_{t+1} + h_bar_t * o_t * tanh'(c_t)

(h_bar_t = dL/dh_t over every later path; no peepholes, so c_t reaches the loss only through c_{t+1}
and h_t). Forcing f_{t+1} = 1 makes the first term c_bar_{t+1}; forcing o_t = 0 removes the second:
then c_bar_t = c_bar_{t+1} exactly, whatever i_{t+1} is. The lecture's third condition, i_{t+1} = 0,
keeps the forward value (c_{t+1} = c_t, with f_{t+1} = 1): the three conditions are sufficient, two
of them are what the gradient needs.

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
DEFAULT = training.TrainConfig(
    model=models.ModelConfig(kind="lstm", task="adding", hidden_size=32),
    T=50,
    steps=600,
    seed=0,
    test_every=600,
    record_every=600,
)
# Its control, the forget-gate bias of 1 at initialisation (Gers et al. 2000; Jozefowicz et al. 2015):
# sigmoid(1) = 0.73, so each f starts nearer 1 than torch's sigmoid(about 0) = 0.5.
# None: torch's own draw, b_f = b_ih + b_hh, each uniform on +-1/sqrt(H): their sum lies within
# +-2/sqrt(H) (+-0.35 at 32 units) and is most often near 0 (sigmoid of about 0: f near 0.5).
FORGET_BIASES = (None, 1.0)
# The tanh RNN the memory path is compared with: the same task, size, batches and budget, at its Adam
# learning rate on the long-term page (training.DEFAULT_LR, 1e-3).
DEFAULT_RNN = training.TrainConfig(
    model=models.ModelConfig(kind="rnn", task="adding", hidden_size=32),
    T=50,
    steps=600,
    seed=0,
    lr=training.DEFAULT_LR["rnn"],
    test_every=600,
    record_every=600,
)
# A unit keeps its memory over the sequence when at least this much of c_1 reaches c_T along the
# cell: prod_{s=2}^{T} f_s >= 0.1, a geometric mean of f of at least 0.1^(1/49) = 0.954 at T = 50.
KEEPS = 0.1
STAGES = ("initial", "trained")


class ForgetBiasTrainer(training.Trainer):
    """training.Trainer for the page's LSTM, with the forget gate's bias set at initialisation (None:
    torch's own draw, kept as it is; else b_f = forget_bias, split as b_ih = forget_bias, b_hh = 0)."""

    def __init__(
        self, config: training.TrainConfig, forget_bias: float | None = None, device: str | None = None
    ):
        super().__init__(config, device)  # initialises the model from config.seed
        self.forget_bias = forget_bias
        if forget_bias is not None:
            set_forget_bias(self.model, forget_bias)


@torch.no_grad()
def set_forget_bias(model: models.SequenceModel, value: float) -> None:
    """b_f = value for every unit of the model's LSTM (torch's rows are i, f, g, o)."""
    H = model.config.hidden_size
    model.rnn.bias_ih_l0[H : 2 * H] = value
    model.rnn.bias_hh_l0[H : 2 * H] = 0.0


def trainer(
    length: int, hidden: int, steps: int, seed: int, forget_bias: float | None = None
) -> ForgetBiasTrainer:
    """An LSTM on the adding problem, the page's settings, untrained."""
    return ForgetBiasTrainer(
        training.TrainConfig(
            model=models.ModelConfig(kind="lstm", task="adding", hidden_size=hidden),
            T=length,
            steps=steps,
            seed=seed,
            test_every=max(steps, 1),
            record_every=max(steps, 1),  # tested and recorded at the start and the end
        ),
        forget_bias,
    )


def rnn_trainer(length: int, hidden: int, steps: int, seed: int) -> training.Trainer:
    """The tanh RNN the page compares with, at the page's settings, untrained."""
    return training.Trainer(
        training.TrainConfig(
            model=models.ModelConfig(kind="rnn", task="adding", hidden_size=hidden),
            T=length,
            steps=steps,
            seed=seed,
            lr=DEFAULT_RNN.lr,
            test_every=max(steps, 1),
            record_every=max(steps, 1),
        )
    )


def default_trainer(forget_bias: float | None = None) -> ForgetBiasTrainer:
    """The default LSTM, untrained (rnnviz.defaults trains it and restores it from its file)."""
    return ForgetBiasTrainer(DEFAULT, forget_bias)


def default_name(forget_bias: float | None) -> str:
    """The shipped default of the page's default settings with this forget-gate bias."""
    return {None: "lstm_gates", 1.0: "lstm_gates_bias1"}[forget_bias]


# The page trains other settings than the defaults' on a click, the LSTM and its tanh RNN to the whole
# budget in one go (not in live ticks): the work of a click (training_work) is bounded, so that a link
# cannot ask for hours of a core (T = 200, 128 units, 3,000 steps: 3,435 billion). The time of a
# multiply-add is not fixed: a network whose gradient vanishes fills its backward pass with subnormal
# floats, several times slower. benchmarks/bounds_long_term_gates.py measures a click at the defaults
# (22 billion, 7 to 8 s of one core) and at the bound (up to about 3 minutes at T = 200 and 128 units).
# Each time step also costs a fixed amount that does not grow with H (torch's dispatch of the LSTM's and
# the RNN's step, forward and backward): counted as STEP_OVERHEAD multiply-adds of the same time.
STEP_OVERHEAD = 400_000
MAX_TRAINING_WORK = 120_000_000_000


def training_work(length: int, hidden: int, steps: int) -> int:
    """The work of training the page's LSTM and its tanh RNN for `steps` steps, in multiply-adds of their
    recurrent layers, forward: steps x T x (batch x (4 + 1) blocks x H x (D + H) + STEP_OVERHEAD)."""
    D = models.input_size("adding")
    return steps * length * (DEFAULT.batch_size * 5 * hidden * (D + hidden) + STEP_OVERHEAD)


def refusal(length: int, hidden: int, steps: int) -> str | None:
    """Why the page will not train these settings (more than MAX_TRAINING_WORK), or None."""
    work = training_work(length, hidden, steps)
    if work <= MAX_TRAINING_WORK:
        return None
    return (
        f"These settings cannot train here: training the LSTM and its tanh RNN would cost "
        f"{work / 1e9:,.0f} billion multiply-adds, and the page trains up to "
        f"{MAX_TRAINING_WORK / 1e9:,.0f} billion on a click (a few minutes of one core at most). Fewer "
        "steps, fewer hidden units or a shorter T brings it within."
    )


def measure(loop: training.Trainer) -> dict:
    """The test MSE on the trainer's 1000 held-out sequences (1/6 for always answering 1)."""
    return {"test_mse": round(loop.evaluate(), 6)}


def check(loop: training.Trainer) -> tuple[str, float]:
    """The test MSE again, on the page's 100 examples (another sample of the same task)."""
    c = loop.config
    x, y = models.make_batch(c.model.task, 100, c.T, training.stream_seed(c.seed, EXAMPLES))
    with torch.no_grad():
        return "test_mse", float(loop.model.loss(x, y))


def measure_rnn(loop: training.Trainer) -> dict:
    """The tanh RNN's test MSE, and its MSE on the page's 100 examples (what check re-measures: near the
    baseline, 100 sequences alone are 0.02 off the 1000 of the test set)."""
    return {**measure(loop), "check_mse": round(check(loop)[1], 6)}


DEFAULTS = [
    Default("lstm_gates", default_trainer, lambda: asdict(DEFAULT), measure, check, tolerance=0.01),
    Default(
        "lstm_gates_bias1",
        lambda: default_trainer(forget_bias=1.0),
        lambda: {**asdict(DEFAULT), "forget_bias": 1.0},
        measure,
        check,
        tolerance=0.01,
    ),
    Default(
        "lstm_gates_rnn",
        lambda: training.Trainer(DEFAULT_RNN),
        lambda: asdict(DEFAULT_RNN),
        measure_rnn,
        lambda loop: ("check_mse", check(loop)[1]),
        tolerance=1e-4,
    ),
]


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
        return {
            "t": np.repeat(np.arange(1, T + 1), H),
            "unit": np.tile(np.arange(H), T),
            **{name: values.reshape(-1) for name, values in self.gates.items()},
        }


def examples(task: str, T: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The fixed set of 100 held-out sequences the page reads: x (T, 100, D), y (100,)."""
    return models.make_batch(task, 100, T, training.stream_seed(seed, EXAMPLES))


def example(task: str, T: int, seed: int, index: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Example `index` of the 100 held-out sequences (examples): x (T, 1, D), y (1,)."""
    if not 0 <= index < 100:
        raise ValueError(f"index must be between 0 and 99, got {index}")
    x, y = examples(task, T, seed)
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
        x=x[:, 0].double().numpy(),
        target=float(y[0]),
        prediction=float(prediction.reshape(-1)[0]),
        gates={name: record[name][:, 0].numpy() for name in GATES},
    )


def forget_path_log10(f: np.ndarray) -> np.ndarray:
    """log10 of dc_T/dc_t along the cell's own path, prod_{s=t+1}^{T} f_s, per unit: (T, H).

    Summed in logs: a product of 200 gates of 0.01 is 1e-400, below float64, and still drawn."""
    log_f = np.log10(np.clip(f, 1e-300, 1.0))  # (T, H)
    after = np.cumsum(log_f[::-1], axis=0)[::-1]  # entry t: sum over s >= t
    return np.concatenate([after[1:], np.zeros((1, f.shape[1]))], axis=0)  # sum over s > t


@dataclass(frozen=True)
class MemoryPaths:
    """How much of a gradient at step T reaches step t, for t = 1..T, in the LSTM and the tanh RNN of
    the same settings, at initialisation ("initial") and after training ("trained"), on one example.

    For the LSTM it is the direct cell path with the gates held fixed, dc_T/dc_t along c alone:
    prod_{s=t+1}^{T} f_s per unit (the paths through h_t and the gates are left out). For the tanh RNN
    it is the whole Jacobian's norm ||dh_T/dh_t||."""

    forget_log10: dict[str, np.ndarray]  # stage -> (T, H) log10 prod_{s>t} f_s (forget_path_log10)
    mean_f: dict[str, float]  # stage -> the mean forget gate over steps and units
    rnn_norms: dict[str, np.ndarray]  # stage -> (T,) ||dh_T/dh_t||

    def units(self) -> int:
        return self.forget_log10["trained"].shape[1]

    def kept(self, stage: str) -> int:
        """The units that keep their memory: prod_{s=2}^{T} f_s >= KEEPS (from c_1 to c_T)."""
        return int(np.sum(self.forget_log10[stage][0] >= np.log10(KEEPS)))

    def table(self) -> dict[str, list]:
        """One row per stage: the LSTM's mean f, how many units keep their memory, prod f from step T
        back to step 1 for the median and the best unit, and the tanh RNN's ||dh_T/dh_1|| (a table).
        The median is taken in log scale: with an even number of units, the geometric mean of the two
        middle ones (as the chart's median line)."""
        columns = (
            "stage",
            "LSTM: mean f",
            "units keeping memory",
            "∏ f, step T to 1: median unit",
            "best unit",
            "tanh RNN: ‖dh_T/dh_1‖",
        )
        rows: dict[str, list] = {name: [] for name in columns}
        for stage in STAGES:
            whole = self.forget_log10[stage][0]  # (H,) log10 of dc_T/dc_1 along the cell
            rows["stage"].append(stage)
            rows["LSTM: mean f"].append(f"{self.mean_f[stage]:.3f}")
            rows["units keeping memory"].append(f"{self.kept(stage)} of {self.units()}")
            rows["∏ f, step T to 1: median unit"].append(f"{10.0 ** np.median(whole):.2g}")
            rows["best unit"].append(f"{10.0 ** whole.max():.2g}")
            rows["tanh RNN: ‖dh_T/dh_1‖"].append(f"{self.rnn_norms[stage][0]:.2g}")
        return rows


def memory_paths(
    lstm: dict[str, models.SequenceModel], rnn: dict[str, models.SequenceModel], x: torch.Tensor
) -> list[MemoryPaths]:
    """The memory paths of the LSTM and the tanh RNN, each given by stage ("initial", "trained"), on
    each sequence of x (T, B, D): one MemoryPaths per sequence, all computed in one batch."""
    forget_log10, mean_f, rnn_norms = {}, {}, {}
    for stage, model in lstm.items():
        with torch.no_grad():
            _, record = model.instrumented()(x.double())
        f = record["f"].numpy()  # (T, B, H)
        forget_log10[stage] = [forget_path_log10(f[:, b]) for b in range(x.shape[1])]  # each (T, H)
        mean_f[stage] = f.mean(axis=(0, 2))  # (B,)
    for stage, model in rnn.items():
        rnn_norms[stage] = jacobian_norms(model, x)  # (B, T)
    return [
        MemoryPaths(
            {s: forget_log10[s][b] for s in lstm},
            {s: float(mean_f[s][b]) for s in lstm},
            {s: rnn_norms[s][b] for s in rnn},
        )
        for b in range(x.shape[1])
    ]


def jacobian_norms(model: models.SequenceModel, x: torch.Tensor) -> np.ndarray:
    """||dh_T/dh_t||_2 for t = 1..T and each sequence of x (T, B, D), for a tanh RNN: (B, T).

    The lecture's Jacobian product by hand, dh_T/dh_t = J_T J_{T-1} ... J_{t+1} with
    J_s = dh_s/dh_{s-1} = diag(1 - h_s^2) W_hh, multiplied from step T backwards in float64 (the
    twin of training.jacobian_norms, autograd's, at a tenth of its cost)."""
    if model.config.kind != "rnn":
        raise ValueError(f"the Jacobian by hand is the tanh RNN's, got {model.config.kind!r}")
    cell = model.instrumented()
    with torch.no_grad():
        h, _ = cell(x.double())  # (T, B, H)
    h, W_hh = h.numpy(), cell.W_hh.numpy()  # (T, B, H), (H, H)
    T, B, H = h.shape
    product = np.broadcast_to(np.eye(H), (B, H, H)).copy()  # dh_T/dh_T
    norms = np.ones((B, T))
    for t in range(T - 2, -1, -1):  # 0-based: dh_T/dh_t = dh_T/dh_{t+1} J_{t+1}
        product = product @ ((1.0 - h[t + 1] ** 2)[:, :, None] * W_hh)  # (B, H, H)
        norms[:, t] = np.linalg.norm(product, ord=2, axis=(1, 2))
    return norms


@dataclass(frozen=True)
class Exercise:
    """The cell's gradient at steps t and t + 1, with the chosen gates forced, and the two terms of its
    adjoint equation: c_bar_t = f_{t+1} * c_bar_{t+1} + h_bar_t * o_t * tanh'(c_t)."""

    t: int  # 0-based step
    c_bar_t: np.ndarray  # (H,) dL/dc_t, by autograd
    c_bar_next: np.ndarray  # (H,) dL/dc_{t+1}, by autograd
    forced: dict[str, float]
    carried: np.ndarray  # (H,) f_{t+1} * c_bar_{t+1}: the path along the cell
    through_h: np.ndarray  # (H,) h_bar_t * o_t * tanh'(c_t): the path through h_t
    c_t: np.ndarray  # (H,) the forward values c_t and c_{t+1}
    c_next: np.ndarray

    @property
    def largest_difference(self) -> float:
        """max over units of |c_bar_t - c_bar_{t+1}|."""
        return float(np.max(np.abs(self.c_bar_t - self.c_bar_next)))

    @property
    def forward_change(self) -> float:
        """max over units of |c_{t+1} - c_t|: 0 when f_{t+1} = 1 and i_{t+1} = 0."""
        return float(np.max(np.abs(self.c_next - self.c_t)))

    def verdict(self) -> str:
        """What the forced gates did, in words (markdown with LaTeX), with the numbers."""
        t = self.t + 1  # the page counts steps from 1
        f, i, o = (f"{name}_{step}" in self.forced for name, step in (("f", t + 1), ("i", t + 1), ("o", t)))
        said = (
            rf"Largest $|\bar c_{{{t}}} - \bar c_{{{t + 1}}}|$ over the units: {self.largest_difference:.3g}"
        )
        value = rf" The forward value: largest $|c_{{{t + 1}}} - c_{{{t}}}|$ = {self.forward_change:.3g}" + (
            " (f and i forced: the cell keeps its content)."
            if f and i
            else rf" ($f_{{{t + 1}}} = 1$ and $i_{{{t + 1}}} = 0$ together keep it: $c_{{{t + 1}}} = c_{{{t}}}$)."
        )
        if self.largest_difference == 0.0:
            why = (
                rf" — exactly equal: $f_{{{t + 1}}} = 1$ passes $\bar c_{{{t + 1}}}$ on whole and $o_{{{t}}} = 0$ "
                rf"removes the path through $h_{{{t}}}$."
            )
            if not i:
                why += rf" $i_{{{t + 1}}}$ is free and does not matter: it is not in the adjoint."
            return said + why + value
        missing = []
        if not f:
            gap = np.max(np.abs(self.carried - self.c_bar_next))
            missing.append(
                rf"$f_{{{t + 1}}}$ is free, so the cell passes on $f_{{{t + 1}}} \circ \bar c_{{{t + 1}}}$, "
                rf"not $\bar c_{{{t + 1}}}$ (they differ by up to {gap:.3g})"
            )
        if not o:
            missing.append(
                rf"$o_{{{t}}}$ is free, so the path through $h_{{{t}}}$ adds up to "
                rf"{np.max(np.abs(self.through_h)):.3g}"
            )
        return (
            said
            + ". "
            + "; ".join(missing)
            + rf". Force $f_{{{t + 1}}} = 1$ and $o_{{{t}}} = 0$ to make them "
            rf"equal ($i_{{{t + 1}}}$ does not enter the gradient)." + value
        )


def exercise(
    model: models.SequenceModel,
    x: torch.Tensor,
    y: torch.Tensor,
    t: int,
    force_f: bool = True,
    force_i: bool = True,
    force_o: bool = True,
) -> Exercise:
    """The lecture's exercise by autograd: force f_{t+1} = 1, i_{t+1} = 0, o_t = 0 (each optional)
    and compare c_bar_t with c_bar_{t+1} on this example's loss; the adjoint's two terms beside."""
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
    cells_seen: list[torch.Tensor] = []  # c_t (1, H) for each t
    states_seen: list[torch.Tensor] = []  # h_t (1, H) for each t
    output, record = cell(x.double(), (h0, c0), overrides=overrides, watch=states_seen, watch_c=cells_seen)
    loss = model.task_loss(model.head(output), y.double())
    c_bar_t, c_bar_next, h_bar_t = torch.autograd.grad(
        loss, [cells_seen[t], cells_seen[t + 1], states_seen[t]]
    )
    with torch.no_grad():
        f_next, o_t, c_t = record["f"][t + 1, 0], record["o"][t, 0], record["c"][t, 0]  # each (H,)
        carried = f_next * c_bar_next[0]
        through_h = h_bar_t[0] * o_t * (1.0 - torch.tanh(c_t) ** 2)
    forced = {
        f"{name}_{step + 1}": value for name, steps in overrides.items() for step, value in steps.items()
    }
    return Exercise(
        t,
        c_bar_t[0].numpy(),
        c_bar_next[0].numpy(),
        forced,
        carried.numpy(),
        through_h.numpy(),
        c_t.detach().numpy(),
        record["c"][t + 1, 0].detach().numpy(),
    )
