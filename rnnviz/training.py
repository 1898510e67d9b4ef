"""One training loop for every model of the lab, and the gradient instruments it records.

A `Trainer` trains a `models.SequenceModel` (the fast torch.nn module) with Adam or SGD, clipping the
gradient by its norm, on fresh batches drawn from the task with seeds derived from one seed. It
steps in chunks (`trainer.step(n)`), so a page can show progress, pause, resume and single-step. It
records the training loss of every step, the loss on a fixed held-out test set every `test_every`
steps, and, every `record_every` steps, the gradient horizon: ||dL/dh_t|| for every t on a fixed
probe batch, computed by autograd through an instrumented copy of the network (rnnviz.cells, float64).

A NaN, an infinity or a loss above `explode_above` stops that trainer and records what happened at
which step; nothing raises.
"""

from __future__ import annotations

import copy
import functools
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from rnnviz import models, settings
from rnnviz.models import ModelConfig, SequenceModel
from rnnviz.settings import setting

OPTIMIZERS = ("adam", "sgd")
# Adam learning rates of each kind of network on the adding problem (benchmarks/training.py): the LSTM and
# the GRU learn at 1e-2; the IRNN learns at 1e-3 and explodes at 1e-2; the tanh RNN gets the IRNN's rate
# (at which it stays on the baseline at T = 100; other rates were not measured).
DEFAULT_LR = {"rnn": 1e-3, "irnn": 1e-3, "lstm": 1e-2, "gru": 1e-2}
DEFAULT_CLIP = 1.0
TRAIN, TEST, PROBE = 0, 1, 2  # the seed streams of a run's batches (stream_seed); initialise uses the seed
# Live training (train_for, train_together for some seconds) takes turns through one lane per
# process: however many sessions press Play, live training holds about one core's worth of the
# server's Python, and every other session's page keeps the rest.
LIVE_LANE = threading.Lock()


def set_threads(n: int = 1) -> None:
    """Give torch n intra-op threads. Small recurrent models run fastest on one: their matrices are
    too small to share out, and several sessions (or test workers) then each get a core."""
    torch.set_num_threads(n)


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    T: int = 100  # the task's length; the network runs models.sequence_length(task, T) steps
    optimizer: str = setting("adam", "Optimizer", options=OPTIMIZERS)  # adam | sgd (plain, no momentum)
    lr: float = setting(1e-2, "learning rate", 1e-6, 100.0, 1e-4)
    # the largest gradient norm (torch.nn.utils.clip_grad_norm_)
    clip: float = setting(
        DEFAULT_CLIP,
        "clip at norm",
        0.0,
        1e4,
        0.1,
        help="Gradients longer than this are scaled down to it; 0 switches clipping off.",
    )
    batch_size: int = 64
    steps: int = setting(1500, "Budget (training steps)", 1, 10_000, 10)  # the trainer stops here
    seed: int = setting(
        0, "Seed", 0, 9999, 1, help="Fixes every model's initialisation, the batches, the test set."
    )
    test_size: int = 1000
    test_every: int = 50
    probe_size: int = 32  # sequences of the probe batch on which dL/dh_t is recorded
    record_every: int = 25  # the gradient horizon is recorded at step 0 and every this many steps
    explode_above: float = 1e4  # a training loss above this counts as exploded

    def __post_init__(self) -> None:
        settings.check(self)  # optimizer, lr, clip, steps, seed: the pages' controls
        checks = [
            (2 <= self.T <= models.MAX_T, f"T must be between 2 and {models.MAX_T}, got {self.T}"),
            (
                min(self.batch_size, self.test_size, self.probe_size) >= 1,
                "batch, test, probe sizes must be >= 1",
            ),
            (
                self.test_every >= 1 and self.record_every >= 1,
                "test_every and record_every must be at least 1",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


@dataclass(frozen=True)
class Divergence:
    """What stopped a trainer: the step and what its numbers did there."""

    step: int
    what: str

    def __str__(self) -> str:
        return f"step {self.step}: {self.what}"


def stream_seed(seed: int, stream: int, index: int = 0) -> int:
    """A seed for item `index` (batch k, say) of a stream (TRAIN, TEST, PROBE, ...), derived from a run's
    seed: every random draw of a run comes from its own stream, never from torch's global generator."""
    return int(np.random.SeedSequence([seed, stream, index]).generate_state(1)[0])


def generator(seed: int, stream: int, index: int = 0) -> torch.Generator:
    """A torch generator for item `index` of a stream (see stream_seed)."""
    return torch.Generator().manual_seed(stream_seed(seed, stream, index))


@torch.no_grad()
def initialise(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    """torch's own initialisation of every layer of `module`, in the order torch would draw it, but
    from a generator of `seed` instead of torch's global one: two sessions (threads) building models
    at the same moment could otherwise draw each other's numbers, and a shared link would not always
    rebuild the same model. A module with a rule of its own (the IRNN's identity) defines
    `initialise_from(generator)` and initialises itself and its layers. Returns the module."""
    _initialise(module, torch.Generator().manual_seed(seed))
    return module


def _initialise(layer: torch.nn.Module, draw: torch.Generator) -> None:
    if hasattr(layer, "initialise_from"):
        layer.initialise_from(draw)
        return
    if isinstance(layer, (torch.nn.RNNBase, torch.nn.RNNCellBase)):
        bound = 1.0 / math.sqrt(layer.hidden_size)  # what their reset_parameters does
        for weight in layer.parameters():
            weight.uniform_(-bound, bound, generator=draw)
    elif isinstance(layer, torch.nn.Linear):
        bound = 1.0 / math.sqrt(layer.in_features)  # kaiming_uniform(a=sqrt 5) comes to this bound
        layer.weight.uniform_(-bound, bound, generator=draw)
        if layer.bias is not None:
            layer.bias.uniform_(-bound, bound, generator=draw)
    elif isinstance(layer, (torch.nn.Embedding, torch.nn.EmbeddingBag)):
        layer.weight.normal_(0.0, 1.0, generator=draw)
        if layer.padding_idx is not None:
            layer.weight[layer.padding_idx].zero_()
    for child in layer.children():
        _initialise(child, draw)


@functools.lru_cache(maxsize=16)
def fixed_batch(
    task: str, n: int, T: int, seed: int, stream: int, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """The held-out test set (stream TEST) or the probe batch (stream PROBE): the same for every
    model trained with the same seed; shared, never written to."""
    return models.make_batch(task, n, T, stream_seed(seed, stream), device)


def gradient_horizon(model: SequenceModel, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """||dL/dh_t|| for t = 1..L (array (L,)): how strongly the loss on the batch (x, y) depends on
    each step's hidden state, every path through later steps included (for the LSTM, dL/dh_t with
    c_t held fixed). The norm is over the whole (B, H) gradient of the batch-mean loss. Computed in
    float64 by autograd through the instrumented cell (rnnviz.cells), which copies the module."""
    cell = model.instrumented(torch.float64)
    x = x.to(torch.float64).requires_grad_(True)  # so that every h_t is in the autograd graph
    watched: list[torch.Tensor] = []  # h_t (B, H) for each t
    h, _ = cell(x, watch=watched)  # (L, B, H)
    loss = model.task_loss(model.head(h), y)
    grads = torch.autograd.grad(loss, watched)  # dL/dh_t, each (B, H)
    return torch.stack([g.norm() for g in grads]).cpu().numpy()  # (L,)


def gradient_ledger(model: SequenceModel, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """||dL/dW_hh|| split by step: for t = 1..L (array (L,)), the Frobenius norm of the part of the
    gradient that W_hh gets from its use at step t, where it multiplies h_{t-1}; the parts add up to
    dL/dW_hh. The part of step t, at lag L - t from the loss, is dL/dz_t h_{t-1}^T for the tanh RNN: the
    first part in which what an input before step t wrote into h_{t-1} meets the gradient from the loss
    (later parts see it only as far as the forward pass carries it on). Float64, by autograd through the
    instrumented cell with a copy of W_hh for each step (rnnviz.cells)."""
    cell = model.instrumented(torch.float64)
    weights: list[torch.Tensor] = []  # W_hh as used at step t, (H, H) or (gates H, H)
    h, _ = cell(x.to(torch.float64), weights=weights)  # (L, B, H)
    loss = model.task_loss(model.head(h), y)
    terms = torch.autograd.grad(loss, weights)  # each like W_hh
    return torch.stack([term.norm() for term in terms]).cpu().numpy()  # (L,)


def jacobian_norms(model: SequenceModel, x: torch.Tensor) -> np.ndarray:
    """||dh_L/dh_t||_2 for t = 1..L (array (L,), the last entry 1): the spectral norm of the
    lecture's Jacobian product over one sequence x (L, 1, D), in float64. For the LSTM it is the
    Jacobian with respect to h_t with c_t held fixed (the path from h_t runs on into c_{t+1})."""
    cell = model.instrumented(torch.float64)
    H = model.config.hidden_size
    x = x[:, :1].to(torch.float64).expand(-1, H, -1).contiguous().requires_grad_(True)  # (L, H, D): H copies
    watched: list[torch.Tensor] = []
    h, _ = cell(x, watch=watched)  # (L, H, H)
    # Copy b of the sequence asks for row b of the Jacobian: d h_L[b] / d h_t, so one backward
    # pass through the batch of H copies gives every row at once.
    grads = torch.autograd.grad(h[-1].diagonal().sum(), watched)  # each (H, H): dh_L / dh_t
    return torch.linalg.matrix_norm(torch.stack(grads), ord=2).cpu().numpy()  # (L,)


@dataclass(frozen=True)
class History:
    """What a trainer recorded, as arrays."""

    name: str  # "LSTM"
    kind: str  # "lstm"
    steps: np.ndarray  # (k,) 1..k
    losses: np.ndarray  # (k,) the training loss of each step
    test_steps: np.ndarray  # (m,)
    test_losses: np.ndarray  # (m,)
    horizon_steps: np.ndarray  # (r,) the training steps at which the horizon was recorded
    horizons: np.ndarray  # (r, L) ||dL/dh_t|| on the probe batch
    jacobian: np.ndarray | None  # (L,) ||dh_L/dh_t|| at initialisation
    diverged: Divergence | None
    status: str
    ledgers: np.ndarray | None = None  # (r, L) ||the part of dL/dW_hh from step t||, first probe sequence


@dataclass(frozen=True)
class Records:
    """What a training run has recorded, copied out of it: a page reads this, never the live lists."""

    steps: int  # the steps taken
    budget: int
    losses: list[float]  # the training loss of step k at index k - 1
    grad_norms: list[float]  # the gradient's norm before clipping, per step
    test_steps: list[int]
    test_values: list[float]  # the held-out number (a loss, or an accuracy) at test_steps
    seconds: float  # wall time spent training
    diverged: Divergence | None
    status: str  # one line: where the training is and how it is going
    extra: dict  # what the kind of model records besides (samples, horizons, accuracies): name -> list


class Loop:
    """The lab's one training loop: any torch module, trained in chunks of steps (`loop.step(n)`), so
    that a page can show progress, pause, resume and single-step.

    It owns what makes a run reproducible and safe to share: it initialises the model from `seed`
    (`initialise`, never torch's global generator); `step_loss(k)` gives the loss of training step k
    (1, 2, ...) and draws its batch from `generator(seed, TRAIN, k)`; `lock` is held by whoever
    steps or reads the model (a Streamlit session may start a new run while the last one still
    trains). Each step: backward, clip the gradient by its norm, an Adam or SGD update. It records
    the training loss and the gradient norm of every step and, when `evaluate` is given, a held-out
    number every `test_every` steps (at step 0 too); subclasses name more lists in `RECORDED`. A NaN,
    an infinity or a loss above `explode_above` stops the loop and records what happened at which
    step; nothing raises. `snapshot()` and `restore()` carry a run to a file and back; `clone()` is an
    independent copy that trains on as this one would (for that, `step_loss` and `evaluate` are the
    loop's own methods, which the copy re-binds; a closure would keep reading the original)."""

    RECORDED: tuple[str, ...] = ("losses", "grad_norms", "test_steps", "test_losses")
    SHARED: tuple[str, ...] = ()  # attributes a clone shares instead of copying (data, never written)

    def __init__(
        self,
        model: torch.nn.Module,
        step_loss: Callable[[int], torch.Tensor],
        *,
        seed: int,
        steps: int,
        lr: float,
        clip: float = DEFAULT_CLIP,
        optimizer: str = "adam",
        evaluate: Callable[[], float] | None = None,
        test_every: int = 50,
        explode_above: float = 1e4,
    ):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be adam or sgd, got {optimizer!r}")
        if not (math.isfinite(lr) and lr > 0) or not (math.isfinite(clip) and clip >= 0) or test_every < 1:
            raise ValueError(
                f"lr must be positive, clip 0 or positive, test_every >= 1; got {lr}, {clip}, {test_every}"
            )
        self.model, self.step_loss, self.evaluate_fn = initialise(model, seed), step_loss, evaluate
        self.seed, self.steps, self.clip, self.test_every, self.explode_above = (
            seed,
            steps,
            clip,
            test_every,
            explode_above,
        )
        self._optimizer_kind, self._lr = optimizer, lr
        self._optimizer: torch.optim.Optimizer | None = None  # built when first needed: see `optimizer`
        self._optimizer_state: dict | None = None  # a restored optimizer state, waiting for the optimizer
        self.lock = threading.RLock()
        self.step_count = 0
        self.losses: list[float] = []  # the training loss of step k at index k - 1
        self.grad_norms: list[float] = []  # the gradient's norm before clipping, per step
        self.test_steps: list[int] = []
        self.test_losses: list[float] = []  # what `evaluate` returned at test_steps
        self.diverged: Divergence | None = None
        self.seconds = 0.0  # wall time spent in step()
        self._started = False

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """The optimizer, built on first use: a loop that is only read (a shipped default) never
        builds one, and building the first one in a process imports torch._dynamo (2-5 s), which a
        first visit should not wait for."""
        if self._optimizer is None:
            optimizers = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
            self._optimizer = optimizers[self._optimizer_kind](self.model.parameters(), lr=self._lr)
            if self._optimizer_state is not None:
                self._optimizer.load_state_dict(self._optimizer_state)
                self._optimizer_state = None
        return self._optimizer

    @property
    def done(self) -> bool:
        """The budget is spent or the training diverged."""
        return self.diverged is not None or self.step_count >= self.steps

    def batch_generator(self, k: int) -> torch.Generator:
        """The generator of training step k's batch: the same k, the same batch, in any session."""
        return generator(self.seed, TRAIN, k)

    def _record(self) -> None:
        """After step k (and at k = 0): the held-out number on its schedule. Subclasses add theirs."""
        k = self.step_count
        if self.evaluate_fn is not None and (k % self.test_every == 0 or k == self.steps):
            self.test_steps.append(k)
            self.test_losses.append(float(self.evaluate_fn()))

    def _one_step(self) -> None:
        k = self.step_count + 1
        self.model.train()
        loss = self.step_loss(k)
        value = loss.item()
        if not math.isfinite(value) or value > self.explode_above:
            kind = "exploded" if math.isfinite(value) else "became"
            self.diverged = Divergence(k, f"the training loss {kind} {value:.3g}; training stopped")
            return
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        max_norm = self.clip if self.clip > 0 else math.inf
        grad_norm = float(torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm))
        if not math.isfinite(grad_norm):
            self.diverged = Divergence(
                k, f"the gradient norm became {grad_norm} (loss {value:.3g}); training stopped"
            )
            return
        self.optimizer.step()
        self.step_count = k
        self.losses.append(value)
        self.grad_norms.append(grad_norm)

    def step(self, n: int = 1, on_progress: Callable[[Loop], None] | None = None) -> int:
        """Train n more steps (fewer if the budget runs out or the training diverges); return how
        many were taken. `on_progress(loop)` is called after each one."""
        start, taken = time.perf_counter(), 0
        with self.lock:
            try:
                if not self._started and not self.done:
                    self._started = True
                    self.model.eval()
                    self._record()  # step 0: the untrained network
                while taken < n and not self.done:
                    self._one_step()
                    if self.diverged is not None:
                        break
                    taken += 1
                    self._record()
                    if on_progress is not None:
                        on_progress(self)
            except (RuntimeError, FloatingPointError) as error:  # e.g. a linear-algebra failure on inf
                self.diverged = Divergence(self.step_count + 1, f"torch failed: {error}")
            finally:
                self.model.eval()
            self.seconds += time.perf_counter() - start
        return taken

    def train_for(
        self,
        seconds: float,
        keep_going: Callable[[], bool] | None = None,
        on_progress: Callable[[Loop], None] | None = None,
    ) -> int:
        """Step for about `seconds` of wall time, while `keep_going()` says so; the steps taken. Waits
        its turn on LIVE_LANE within those seconds (0 steps if it never comes)."""
        start, taken = time.perf_counter(), 0
        if not LIVE_LANE.acquire(timeout=seconds):
            return 0
        try:
            while (
                not self.done
                and time.perf_counter() - start < seconds
                and (keep_going is None or keep_going())
            ):
                taken += self.step(1, on_progress)
        finally:
            LIVE_LANE.release()
        return taken

    def step_in_turns(self, n: int, seconds: float = 0.8) -> int:
        """Train n more steps (fewer if the budget runs out) in slices of about `seconds` that take turns
        on LIVE_LANE with the live training of other sessions: a press of Step of 1,000 steps, or a
        click that trains a whole budget, holds the lane no longer than a tick at a time."""
        start, target = self.step_count, self.step_count + n
        while self.step_count < target and not self.done:
            self.train_for(seconds, keep_going=lambda: self.step_count < target)
        return self.step_count - start

    # --- reading, saving, copying -------------------------------------------------------------------

    def status(self) -> str:
        """One line: where the training is and how it is going."""
        if self.diverged is not None:
            return f"stopped at {self.diverged}"
        if not self._started:
            return "not started"
        state = "finished" if self.done else "training"
        latest = f", {self.held_out_text()}" if self.test_losses else ""
        return f"{state}: step {self.step_count} of {self.steps}{latest}"

    def held_out_text(self) -> str:
        """The latest held-out number in words (subclasses say what it is)."""
        return f"test loss {self.test_losses[-1]:.4g}"

    def records(self) -> Records:
        """A copy of everything recorded so far (under the lock)."""
        with self.lock:
            extra = {name: list(getattr(self, name)) for name in self.RECORDED[len(Loop.RECORDED) :]}
            return Records(
                self.step_count,
                self.steps,
                list(self.losses),
                list(self.grad_norms),
                list(self.test_steps),
                list(self.test_losses),
                self.seconds,
                self.diverged,
                self.status(),
                extra,
            )

    def snapshot(self, with_optimizer: bool = True) -> dict:
        """The run as plain data (tensors, numbers, strings, lists, dicts), for torch.save and a
        load with weights_only=True: the model's and the optimizer's state, the counters, the records.
        Without the optimizer (a file a third the size for Adam), a restored loop trains on with fresh
        moment estimates."""
        with self.lock:
            if not with_optimizer:
                optimizer = None
            elif self._optimizer is None and self._optimizer_state is not None:
                optimizer = copy.deepcopy(self._optimizer_state)
            else:
                optimizer = copy.deepcopy(self.optimizer.state_dict())
            return {
                "model": {name: t.detach().clone() for name, t in self.model.state_dict().items()},
                "optimizer": optimizer,
                "step_count": self.step_count,
                "seconds": self.seconds,
                "started": self._started,
                "diverged": None if self.diverged is None else [self.diverged.step, self.diverged.what],
                "records": {name: _plain(getattr(self, name)) for name in self.RECORDED},
            }

    def restore(self, snapshot: dict) -> Loop:
        """Take over a snapshot's state (of a loop built with the same settings); returns self."""
        with self.lock:
            self.model.load_state_dict(snapshot["model"], strict=True)
            if self._optimizer is None:
                self._optimizer_state = snapshot["optimizer"]  # loaded into the optimizer when one is built
            elif snapshot["optimizer"] is not None:
                self._optimizer.load_state_dict(snapshot["optimizer"])
            self.step_count, self.seconds, self._started = (
                snapshot["step_count"],
                snapshot["seconds"],
                snapshot["started"],
            )
            self.diverged = None if snapshot["diverged"] is None else Divergence(*snapshot["diverged"])
            for name in self.RECORDED:
                setattr(self, name, _unplain(snapshot["records"][name]))
            self.model.eval()
        return self

    def clone(self) -> Loop:
        """An independent copy (weights, optimizer state, records) that trains on as this one would;
        what SHARED names (data that nobody writes) is shared, not copied."""
        with self.lock:
            memo = {id(getattr(self, name)): getattr(self, name) for name in self.SHARED}
            memo[id(self.lock)] = threading.RLock()
            return copy.deepcopy(self, memo)


def _plain(value):
    """Records as plain data: numpy arrays become tensors (torch.load(weights_only=True) takes those)."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _unplain(value):
    if isinstance(value, torch.Tensor):
        return value.numpy()
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


class Trainer(Loop):
    """Trains one SequenceModel on a synthetic task and records, besides the Loop's losses and test
    losses, the gradient horizon every `record_every` steps.

    Built cheaply (no training, no recording) so that a page can make one on every settings change."""

    RECORDED = (*Loop.RECORDED, "horizon_steps", "horizons", "ledgers")

    def __init__(self, config: TrainConfig, device: str | None = None):
        self.config = config
        self.device = device or models.default_device()
        model = SequenceModel(config.model, seed=config.seed).to(self.device)
        super().__init__(
            model,
            self._step_loss,
            seed=config.seed,
            steps=config.steps,
            lr=config.lr,
            clip=config.clip,
            optimizer=config.optimizer,
            evaluate=self.evaluate,
            test_every=config.test_every,
            explode_above=config.explode_above,
        )
        self.horizon_steps: list[int] = []
        self.horizons: list[np.ndarray] = []  # each (L,): ||dL/dh_t|| on the probe batch
        self.ledgers: list[np.ndarray] = []  # each (L,): the parts of dL/dW_hh by step, first probe sequence
        self._jacobian: np.ndarray | None = None

    # --- the fixed batches ---------------------------------------------------------------------------

    def _fixed(self, n: int, stream: int) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.config
        return fixed_batch(c.model.task, n, c.T, c.seed, stream, self.device)

    def _step_loss(self, k: int) -> torch.Tensor:
        c = self.config
        x, y = models.make_batch(c.model.task, c.batch_size, c.T, stream_seed(c.seed, TRAIN, k), self.device)
        return self.model.loss(x, y)

    @property
    def name(self) -> str:
        return models.KIND_NAMES[self.config.model.kind]

    @property
    def baseline(self) -> float:
        """The task's trivial loss (adding 1/6, parity ln 2, copy: tasks.copy_baseline)."""
        return models.baseline(self.config.model.task, self.config.T)

    # --- the instruments -------------------------------------------------------------------------------

    def evaluate(self) -> float:
        """The loss on the held-out test set."""
        x, y = self._fixed(self.config.test_size, TEST)
        with torch.no_grad():
            return float(self.model.loss(x, y))

    def initial_jacobian(self) -> np.ndarray:
        """||dh_L/dh_t|| at initialisation, on the first probe sequence (computed once per settings in
        this process: the seed fixes the initial model, so every trainer of these settings shares it)."""
        if self._jacobian is None:
            self._jacobian = initial_jacobian(self.config)
        return self._jacobian

    def _record(self) -> None:
        c = self.config
        if self.step_count % c.record_every == 0:
            x, y = self._fixed(c.probe_size, PROBE)  # x (L, B, D)
            self.horizon_steps.append(self.step_count)
            self.horizons.append(gradient_horizon(self.model, x, y))
            # on one sequence, whose marked steps are known; y is (B,) or, for copy, (L, B)
            self.ledgers.append(gradient_ledger(self.model, x[:, :1], y[..., :1]))
        super()._record()

    # --- reading the results ---------------------------------------------------------------------------

    def history(self, with_jacobian: bool = True) -> History:
        """A snapshot of the records as numpy arrays, for figures and notebooks."""
        L = models.sequence_length(self.config.model.task, self.config.T)
        horizons = np.stack(self.horizons) if self.horizons else np.empty((0, L))
        ledgers = np.stack(self.ledgers) if self.ledgers else np.empty((0, L))
        return History(
            name=self.name,
            kind=self.config.model.kind,
            steps=np.arange(1, len(self.losses) + 1),
            losses=np.array(self.losses),
            test_steps=np.array(self.test_steps, dtype=int),
            test_losses=np.array(self.test_losses),
            horizon_steps=np.array(self.horizon_steps, dtype=int),
            horizons=horizons,
            ledgers=ledgers,
            jacobian=self.initial_jacobian() if with_jacobian else None,
            diverged=self.diverged,
            status=self.status(),
        )

    def row(self) -> dict:
        """A row for a table: the model, its settings and its latest numbers."""
        c = self.config
        return {
            "model": self.name,
            "optimizer": c.optimizer,
            "lr": c.lr,
            "clip": c.clip or None,
            "steps": self.step_count,
            "test loss": self.test_losses[-1] if self.test_losses else None,
            "best test loss": min(self.test_losses) if self.test_losses else None,
            "seconds": round(self.seconds, 1),
            "status": self.status(),
        }


@functools.lru_cache(maxsize=64)
def initial_jacobian(config: TrainConfig) -> np.ndarray:
    """||dh_L/dh_t|| for the model these settings initialise, on the first probe sequence (read-only)."""
    x, _ = fixed_batch(config.model.task, config.probe_size, config.T, config.seed, PROBE, "cpu")
    norms = jacobian_norms(SequenceModel(config.model, seed=config.seed), x)
    norms.flags.writeable = False
    return norms


def test_loss_table(histories: Sequence[History]) -> dict[str, np.ndarray]:
    """Every model's test loss at its test steps, one below the other (for a CSV)."""
    return {
        "model": np.concatenate([np.full(len(h.test_steps), h.name) for h in histories]),
        "step": np.concatenate([h.test_steps for h in histories]),
        "test loss": np.concatenate([h.test_losses for h in histories]),
    }


def train_together(
    trainers: Sequence[Trainer],
    seconds: float,
    max_steps: int | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> int:
    """Step the trainers in lockstep, one step each in turn, for about `seconds` of wall time, at
    most `max_steps` rounds, and while `keep_going()` says so; return the rounds taken. Those that
    are done are skipped. Training for a finite time is live training: it waits its turn on
    LIVE_LANE within those seconds."""
    if math.isfinite(seconds):
        start = time.perf_counter()
        if not LIVE_LANE.acquire(timeout=seconds):
            return 0
        try:
            left = seconds - (time.perf_counter() - start)
            return train_together(
                trainers, math.inf, max_steps, _until(time.perf_counter() + left, keep_going)
            )
        finally:
            LIVE_LANE.release()
    start, rounds = time.perf_counter(), 0
    while (max_steps is None or rounds < max_steps) and time.perf_counter() - start < seconds:
        active = [t for t in trainers if not t.done]
        if not active or (keep_going is not None and not keep_going()):
            break
        for trainer in active:
            trainer.step(1)
        rounds += 1
    return rounds


def _until(deadline: float, keep_going: Callable[[], bool] | None) -> Callable[[], bool]:
    """keep_going, and only until the clock passes the deadline."""
    return lambda: time.perf_counter() < deadline and (keep_going is None or keep_going())


def side_by_side(
    kinds: Sequence[str],
    task: str,
    T: int,
    hidden_size: int,
    lr: dict[str, float],
    clip: dict[str, float],
    steps: int = 1500,
    seed: int = 0,
    optimizer: str = "adam",
    batch_size: int = 64,
) -> dict[str, TrainConfig]:
    """One config per kind of network, on the same task, length, data and seed; lr and clip per kind."""
    return {
        kind: TrainConfig(
            ModelConfig(kind, task, hidden_size),
            T=T,
            optimizer=optimizer,
            lr=lr[kind],
            clip=clip[kind],
            batch_size=batch_size,
            steps=steps,
            seed=seed,
        )
        for kind in kinds
    }
