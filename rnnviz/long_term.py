"""The long-term dependencies page: a tanh RNN, an IRNN and an LSTM (and a GRU) trained side by side.

The training is rnnviz.training's (Trainer, train_together); this module holds what the page shows
from it ready-made and reads any run the same way:
- the recorded runs, shipped as weights with their records (rnnviz.defaults): the tanh RNN, the IRNN
  and the LSTM at the page's defaults (PAGE), and at the lecture's settings (LECTURE), a four times
  longer run in which the IRNN leaves the baseline and the tanh RNN does not (benchmarks/training.py
  --irnn, on 3 seeds);
- ||dh_L/dh_t|| at initialisation for every length T of the page's slider at the default model
  settings (JACOBIANS, shipped too; `python -m rnnviz.long_term` makes it again): moving T reads it
  instead of running three networks backwards;
- the readings of a run, from each trainer's `records()` (a consistent copy taken under its lock):
  histories for the figures, table rows, and what the run shows in words."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from rnnviz import models, training
from rnnviz.defaults import WEIGHTS, Default
from rnnviz.training import History, TrainConfig, Trainer

TASK, HIDDEN, SEED = "adding", 64, 0
SHOWN = ("rnn", "irnn", "lstm")  # the models the page shows unless asked for the GRU too
CLIP = dict.fromkeys(models.KINDS, training.DEFAULT_CLIP)
HORIZON_ROWS = 60  # about this many recordings of the gradient horizon in a run, whatever its budget
CHECK = 3  # the seed stream of the sequences on which the tests measure a shipped run again
CHECK_SIZE = 200
LEFT = 0.3  # a run has left the baseline once its test loss is below this fraction of it (adding: 0.05)


def record_every(steps: int) -> int:
    """How often a run of `steps` steps records its gradient horizon: every 25 steps, or less often
    in long runs (a 6,000-step run every 100), so that a run holds about HORIZON_ROWS rows."""
    return max(25, steps // HORIZON_ROWS)


def configs(
    kinds: Sequence[str],
    task: str,
    T: int,
    hidden_size: int,
    lr: dict[str, float],
    clip: dict[str, float],
    steps: int,
    seed: int,
    optimizer: str = "adam",
) -> dict[str, TrainConfig]:
    """One config per kind of network (training.side_by_side), recording as record_every says."""
    side = training.side_by_side(
        kinds, task, T, hidden_size, lr, clip, steps=steps, seed=seed, optimizer=optimizer
    )
    return {
        kind: dataclasses.replace(config, record_every=record_every(steps)) for kind, config in side.items()
    }


def settings(T: int, steps: int, kinds: Sequence[str] = SHOWN) -> dict[str, TrainConfig]:
    """The page's models on the adding problem at length T for `steps` steps, each at its Adam
    learning rate (training.DEFAULT_LR: 1e-3 for the RNNs, 1e-2 for the LSTM), clipped at 1,
    hidden 64, batch 64, seed 0."""
    return configs(kinds, TASK, T, HIDDEN, training.DEFAULT_LR, CLIP, steps, SEED)


# The page's defaults: at T = 100 within 1,500 steps only the LSTM leaves the baseline.
PAGE = settings(T=100, steps=1500)
# The lecture's settings (the "lecture" preset): the defaults with four times the budget. At T = 100
# the IRNN is below 0.05 from step 2,750 to 4,250 on every seed tried, the tanh RNN stays at the
# baseline for all 6,000 steps on every one (benchmarks/training.py --irnn).
LECTURE = settings(T=100, steps=6000)
RECORDED: dict[TrainConfig, str] = {
    **{config: f"long_term_{kind}" for kind, config in PAGE.items()},
    **{config: f"long_term_lecture_{kind}" for kind, config in LECTURE.items()},
}


def recorded(configs: dict[str, TrainConfig]) -> list[str] | None:
    """The names of the shipped runs of these settings, one per model in order; None unless every
    model of them has one."""
    names = [RECORDED.get(config) for config in configs.values()]
    return None if None in names else names


# --- what one round of live training may cost -----------------------------------------------------------

BLOCKS = {"rnn": 1, "irnn": 1, "lstm": 4, "gru": 3}  # weight blocks of each kind's recurrence (its gates)
# One round of live training (every model one step) may do at most this much work (step_work), so that a
# round fits inside a live tick of 1 s (of which 0.8 s trains). The time of a multiply-add is not fixed:
# a network whose gradient vanishes fills its backward pass with subnormal floats, several times slower
# (parity at T = 200, 128 units, all four models: a median round of 1.2 s of one core, 0.28 s with
# subnormals flushed to zero). At this bound a round takes 0.05 to 0.50 s (the median), one that scores the test
# set (every 50 steps) up to about 1 s; only the first, which also records step 0, takes longer, up to
# 1.5 s (benchmarks/bounds_long_term_gates.py). The defaults do 162 million (243 million with the GRU); the
# largest settings a link can ask for, 2,249 million.
MAX_STEP_WORK = 350_000_000


def step_work(configs: dict[str, TrainConfig]) -> int:
    """Multiply-adds of one round of training in the recurrent layers, forward: the sum over the models
    of batch x L x blocks x H x (D + H) (as charlm.CharLMConfig.step_work)."""
    work = 0
    for config in configs.values():
        task, H = config.model.task, config.model.hidden_size
        L, D = models.sequence_length(task, config.T), models.input_size(task)
        work += config.batch_size * L * BLOCKS[config.model.kind] * H * (D + H)
    return work


def refusal(configs: dict[str, TrainConfig]) -> str | None:
    """Why these settings cannot train live on the page (a round larger than MAX_STEP_WORK), or None."""
    work = step_work(configs)
    if work <= MAX_STEP_WORK:
        return None
    return (
        f"These settings cannot train here: one round of training (every model one step) is "
        f"{work / 1e6:,.0f} million multiply-adds, and live training runs in ticks of 0.8 s on one "
        f"core, so the page trains up to {MAX_STEP_WORK / 1e6:,.0f} million a round. Fewer hidden "
        "units, a shorter T or leaving out the GRU brings it within."
    )


# --- the shipped runs (rnnviz.defaults) ---------------------------------------------------------------


def check_batch(config: TrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """CHECK_SIZE sequences of the task that neither training nor the test set uses."""
    return models.make_batch(
        config.model.task, CHECK_SIZE, config.T, training.stream_seed(config.seed, CHECK)
    )


def check(loop: Trainer) -> tuple[str, float]:
    """The loss on the check sequences, measured again."""
    x, y = check_batch(loop.config)
    with loop.lock, torch.no_grad():
        return "check_loss", float(loop.model.loss(x.to(loop.device), y.to(loop.device)))


def measure(loop: Trainer) -> dict:
    """The test loss at the end (1000 held-out sequences), the best one, the first step below LEFT
    times the baseline, and the check loss."""
    records = loop.records()
    below = first_below(records.test_steps, records.test_values, LEFT * loop.baseline)
    return {
        "test_loss": round(records.test_values[-1], 6),
        "best_test_loss": round(min(records.test_values), 6),
        "first_step_below": below,
        "level": round(LEFT * loop.baseline, 6),
        "check_loss": round(check(loop)[1], 6),
    }


def _default(name: str, config: TrainConfig) -> Default:
    return Default(
        name, lambda: Trainer(config, device="cpu"), lambda: asdict(config), measure, check, tolerance=1e-4
    )


DEFAULTS = [_default(name, config) for config, name in RECORDED.items()]


# --- the Jacobian at initialisation, for every length of the page's slider -----------------------------

JACOBIANS = WEIGHTS / "long_term_jacobians.pt"
LENGTHS = range(10, 201)  # the page's slider of T


def _jacobian_key(config: TrainConfig) -> tuple:
    """What fixes the Jacobian at initialisation: the model, the length, the seed, the probe batch."""
    return config.model, config.T, config.seed, config.probe_size


def make_jacobians(path: Path = JACOBIANS) -> None:
    """Compute ||dh_L/dh_t|| at initialisation (training.initial_jacobian) of the page's models at
    their default settings for every T in LENGTHS, and save them: log10, float32, one flat tensor
    per kind (T = 10, 11, ... one after the other). About a minute on one thread."""
    # settings(T, 1): the budget is not part of the Jacobian's key (_jacobian_key); any budget will do
    table = {
        kind: torch.from_numpy(
            np.concatenate(
                [np.log10(training.initial_jacobian(settings(T, 1)[kind])) for T in LENGTHS]
            ).astype(np.float32)
        )
        for kind in SHOWN
    }
    torch.save({"lengths": [LENGTHS.start, LENGTHS.stop], "log10": table}, path)


@functools.cache
def _table() -> dict:
    """The shipped Jacobians by their key (_jacobian_key), read once per process; empty if the file is
    missing or does not cover LENGTHS."""
    if not JACOBIANS.exists():
        return {}
    saved = torch.load(JACOBIANS, weights_only=True)
    if saved["lengths"] != [LENGTHS.start, LENGTHS.stop]:
        return {}
    table, ends = {}, np.cumsum([0] + [models.sequence_length(TASK, T) for T in LENGTHS])
    for kind, flat in saved["log10"].items():
        norms = 10.0 ** flat.numpy().astype(np.float64)  # (sum of the lengths,)
        for T, start, end in zip(LENGTHS, ends[:-1], ends[1:]):
            curve = norms[start:end]  # (L,)
            curve.flags.writeable = False
            table[_jacobian_key(settings(T, 1, (kind,))[kind])] = curve  # any budget: see make_jacobians
    return table


def initial_jacobian(config: TrainConfig) -> np.ndarray:
    """||dh_L/dh_t|| at initialisation on the first probe sequence (L,), read-only: read from the
    shipped table at the page's default model settings (to float32's precision), else computed
    (training.initial_jacobian, once per settings in a process)."""
    shipped = _table().get(_jacobian_key(config))
    return shipped if shipped is not None else training.initial_jacobian(config)


# --- readings ------------------------------------------------------------------------------------------


def first_below(steps: Sequence[int], losses: Sequence[float], level: float) -> int | None:
    """The first of `steps` whose loss is below `level`, or None."""
    return next((int(step) for step, loss in zip(steps, losses) if loss < level), None)


def history(config: TrainConfig, records: training.Records) -> History:
    """A run's records (`trainer.records()`: one copy, taken under its lock) as arrays, with the
    Jacobian at initialisation of its settings."""
    L = models.sequence_length(config.model.task, config.T)
    horizons, ledgers = records.extra["horizons"], records.extra["ledgers"]
    return History(
        name=models.KIND_NAMES[config.model.kind],
        kind=config.model.kind,
        steps=np.arange(1, len(records.losses) + 1),
        losses=np.array(records.losses),
        test_steps=np.array(records.test_steps, dtype=int),
        test_losses=np.array(records.test_values),
        horizon_steps=np.array(records.extra["horizon_steps"], dtype=int),
        horizons=np.stack(horizons) if horizons else np.empty((0, L)),
        jacobian=initial_jacobian(config),
        diverged=records.diverged,
        status=records.status,
        ledgers=np.stack(ledgers) if ledgers else np.empty((0, L)),
    )


def row(config: TrainConfig, records: training.Records) -> dict:
    """A row for a table: the model, its settings and its latest numbers."""
    tests = records.test_values
    return {
        "model": models.KIND_NAMES[config.model.kind],
        "optimizer": config.optimizer,
        "lr": config.lr,
        "clip": config.clip or None,
        "steps": records.steps,
        "test loss": tests[-1] if tests else None,
        "best test loss": min(tests) if tests else None,
        "seconds": round(records.seconds, 1),
        "status": records.status,
    }


def readings(trainers: Sequence[Trainer]) -> tuple[list[History], list[dict]]:
    """The histories (for the figures) and rows (for the table) of the trainers, each read once."""
    records = [trainer.records() for trainer in trainers]
    return (
        [history(t.config, r) for t, r in zip(trainers, records)],
        [row(t.config, r) for t, r in zip(trainers, records)],
    )


def histories(trainers: Sequence[Trainer]) -> list[History]:
    """The histories of the trainers (see readings)."""
    return readings(trainers)[0]


def outcome(history: History, baseline: float) -> str:
    """What a run shows, in words: the first test step below LEFT times the baseline, or that there
    was none, with the test loss at the end."""
    if not len(history.test_losses):
        return f"{history.name}: not trained yet"
    end = f"{history.test_losses[-1]:.3g} at step {history.test_steps[-1]:,}"
    below = first_below(history.test_steps, history.test_losses, LEFT * baseline)
    if below is None:
        return f"{history.name} stays above {LEFT * baseline:.3g} ({end})"
    return f"{history.name} is below {LEFT * baseline:.3g} from step {below:,} ({end})"


def reach(history: History) -> tuple[float, float] | None:
    """How far back the gradient reaches, at the first and the last recording of the gradient
    horizon: ||dL/dh_1|| / ||dL/dh_L|| on the probe batch (1: the first step's state counts as much as
    the last one's; 1e-20: not at all); None before the first recording."""
    if not len(history.horizons):
        return None
    first, last = history.horizons[0], history.horizons[-1]  # (L,) each
    return float(first[0] / first[-1]), float(last[0] / last[-1])


def reach_text(histories: Sequence[History]) -> str:
    """reach() of each run in words: "tanh RNN 2e-21 → 3e-24, IRNN 0.7 → 0.2, ..."."""
    parts = []
    for history in histories:
        ratios = reach(history)
        if ratios is not None:
            parts.append(f"{history.name} {ratios[0]:.1g} → {ratios[1]:.1g}")
    return ", ".join(parts)


@functools.cache
def lecture_steps() -> dict[str, int | None]:
    """The first test step below LEFT times the baseline in each recorded run at the lecture's
    settings (from their sidecars, rnnviz.defaults.describe), by kind; None: never within the budget."""
    from rnnviz import defaults  # (rnnviz.defaults imports this module to collect DEFAULTS)

    return {
        kind: defaults.describe(name)["metrics"]["first_step_below"]
        for kind, name in zip(LECTURE, recorded(LECTURE))
    }


def lecture_text() -> str:
    """What the lecture's recorded runs show, in words: "the IRNN is below 0.05 from step 4,150, the
    tanh RNN never, the LSTM from step 700"."""
    steps, level = lecture_steps(), LEFT * models.baseline(TASK, LECTURE["irnn"].T)

    def when(kind: str) -> str:
        return "never" if steps[kind] is None else f"from step {steps[kind]:,}"

    return (
        f"the IRNN is below {level:.2g} {when('irnn')}, the tanh RNN {when('rnn')}, the LSTM {when('lstm')}"
    )


# --- the gradient ledger: dL/dW_hh by lag ---------------------------------------------------------------

MARKED = {"adding": "marker", "copy": "symbol"}  # what models.marked_steps finds in each task


@functools.lru_cache(maxsize=64)
def probe_marked_steps(config: TrainConfig) -> tuple[int, ...]:
    """The marked steps of the first probe sequence, whose gradient ledger the trainers record."""
    x, _ = training.fixed_batch(
        config.model.task, config.probe_size, config.T, config.seed, training.PROBE, "cpu"
    )
    return tuple(models.marked_steps(config.model.task, x[:, :1]))  # x (L, B, D)


def ledger_text(histories: Sequence[History], marked: Sequence[int], task: str) -> str:
    """What the ledger shows at the last recording, in words: the share of the terms' norms of the term
    where W_hh first multiplies a state that holds the first marked input (t = m + 1), model by model."""
    recorded = [h for h in histories if h.ledgers is not None and len(h.ledgers)]
    if not marked or task not in MARKED or not recorded:
        return "Parity depends on every step alike: no step is marked." if task == "parity" else ""
    m, L = marked[0], recorded[0].ledgers.shape[1]
    # index m: t = m + 1
    shares = ", ".join(f"{h.name} {h.ledgers[-1][m] / h.ledgers[-1].sum():.2g}" for h in recorded)
    return (
        f"On the probe sequence the first {MARKED[task]} is at step {m}. The term of dL/dW_hh where W_hh "
        f"first multiplies a state that holds it (t = {m + 1}, lag {L - m - 1}) has this share of the terms' "
        f"norms summed at the last recording: {shares}."
    )


def recording_text(histories: Sequence[History], baseline: float) -> str:
    """What a recorded run shows, in words (the page's note above its charts): each model's outcome
    and how far back its gradient reaches, at step 0 and at the end."""
    outcomes = "; ".join(outcome(history, baseline) for history in histories)
    return (
        f"The recorded run of these settings, trained ahead of time: {outcomes}. How far back the "
        f"gradient reaches, ‖dL/dh₁‖ / ‖dL/dh_L‖ at step 0 → at the end: {reach_text(histories)}. "
        "Play trains a fresh copy here, from step 0."
    )


# ||W_hh||_2 of the IRNN after one Adam step at the LSTM's learning rate (1e-2), at the page's defaults:
# I + a change of 0.01 in 37% of the weights, less in the others (tests/test_long_term.py).
IRNN_NORM_AFTER_ONE_STEP = 1.21


def default_run_text() -> str:
    """What the default run shows, and why (markdown, the page's closing paragraph): the IRNN's
    Jacobian is near 1 at initialisation, and yet at the defaults it learns nothing, because its
    learning rate must be small; the lecture's longer run, and the LSTM."""
    lr, page = {kind: f"{training.DEFAULT_LR[kind]:g}" for kind in SHOWN}, PAGE["irnn"]
    return (
        "**What the default run shows, and why.** At torch's initialisation the tanh RNN's ‖dh_L/dhₜ‖ "
        "falls geometrically with L − t (right), so the loss at the end hardly depends on the marked "
        "numbers far back: nothing to follow, and it stays on the baseline. The IRNN starts at W_hh = I, "
        "its Jacobian product near 1: the gradient reaches back from the start, and yet at "
        f"T = {page.T} it too stays on the baseline for all {page.steps:,} steps. Its ReLU units pass their state "
        "on through W_hh at every step, so a change of W_hh compounds over the T steps: one Adam step at the "
        f"LSTM's learning rate moves weights of W_hh by up to {lr['lstm']} each (Adam's first step is the learning "
        f"rate for any gradient that is not tiny), ‖W_hh‖ becomes {IRNN_NORM_AFTER_ONE_STEP} "
        f"(at the defaults) and the loss explodes at step 2. So it is trained at {lr['irnn']}, and at that rate "
        "it needs thousands of steps. In the lecture's recorded run, the same settings for "
        f"{LECTURE['irnn'].steps:,} steps (the button above), {lecture_text()}. The LSTM's ‖dh_L/dhₜ‖ at "
        "initialisation vanishes too (through hₜ, with its cell held fixed), yet it learns within the "
        "budget: its gradient horizon (left) reaches back once it has trained."
    )


def reproduce(configs: dict[str, TrainConfig], names: Sequence[str] | None, step: int) -> str:
    """The notebook code that makes the page's table of test losses: from the shipped runs `names` (a
    recording), else by training `configs` (one per model, as `configs()` makes them) to `step`."""
    if names is not None:
        return f"""
from rnnviz import defaults, long_term, training

# the recorded runs of these settings, shipped with the lab (`python -m rnnviz.defaults NAME` trains one again)
trainers = [defaults.load(name) for name in {list(names)!r}]
table = training.test_loss_table(long_term.histories(trainers))
"""
    c = next(iter(configs.values()))
    lr = {kind: config.lr for kind, config in configs.items()}
    clip = {kind: config.clip for kind, config in configs.items()}
    return f"""
from rnnviz import long_term, training

training.set_threads(1)  # the lab trains on one thread; the numbers match it
configs = long_term.configs({list(configs)!r}, {c.model.task!r}, {c.T}, {c.model.hidden_size}, lr={lr!r},
                            clip={clip!r}, steps={c.steps}, seed={c.seed}, optimizer={c.optimizer!r})
trainers = [training.Trainer(config, device="cpu") for config in configs.values()]
training.train_together(trainers, float("inf"), max_steps={step})  # the page's step {step}
table = training.test_loss_table(long_term.histories(trainers))
"""


if __name__ == "__main__":
    training.set_threads(1)
    make_jacobians()
    print(f"wrote {JACOBIANS} ({JACOBIANS.stat().st_size / 2**20:.3f} MB)")
