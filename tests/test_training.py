"""The models, the training loop and its instruments: against torch autograd, and on real training."""

import io
import math
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnviz import models, tasks, training
from rnnviz.figures import training as figures
from rnnviz.models import ModelConfig, SequenceModel
from rnnviz.training import TrainConfig, Trainer

training.set_threads(1)


def small(kind="lstm", task="adding", T=10, hidden=8, **changes) -> TrainConfig:
    settings = (
        dict(batch_size=16, test_size=64, probe_size=4, record_every=5, test_every=5, steps=40) | changes
    )
    return TrainConfig(ModelConfig(kind, task, hidden), T=T, **settings)


# --- models --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", models.TASKS)
def test_batches_are_time_major_and_follow_the_task(task):
    x, y = models.make_batch(task, 5, 12, seed=3)
    L = models.sequence_length(task, 12)
    assert x.shape == (L, 5, models.input_size(task)) and x.dtype == torch.float32
    if task == "copy":
        assert L == 12 + 21 and y.shape == (L, 5)
        tokens, targets = tasks.copy_task(5, 12, 3)
        np.testing.assert_array_equal(x.argmax(dim=2).T.numpy(), tokens)  # one-hot of the tokens
        np.testing.assert_array_equal(y.T.numpy(), targets)
    else:
        assert y.shape == (5,)
    model = SequenceModel(ModelConfig("gru", task, 6))
    prediction = model(x)
    assert prediction.shape == ((L, 5, 9) if task == "copy" else (5,))
    assert math.isfinite(model.loss(x, y).item())


def test_baselines_are_the_losses_of_answers_that_ignore_the_input():
    assert models.baseline("adding", 100) == pytest.approx(1 / 6)
    assert models.baseline("parity", 50) == pytest.approx(math.log(2))
    assert models.baseline("copy", 100) == pytest.approx(10 * math.log(8) / 121)
    x, y = models.make_batch("copy", 4000, 30, seed=0)
    # blanks until the delimiter, then uniform over the 8 symbols: the copy baseline, measured
    logits = torch.full((x.shape[0], 4000, 9), -1e9)
    logits[:41, :, 0] = 0.0
    logits[41:, :, 1:] = 0.0
    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
    assert loss.item() == pytest.approx(models.baseline("copy", 30), rel=1e-6)


def test_the_seed_fixes_the_model_whatever_torchs_global_generator_did():
    torch.manual_seed(1)
    a = SequenceModel(ModelConfig("lstm", "adding", 8), seed=5)
    torch.manual_seed(2)
    b = SequenceModel(ModelConfig("lstm", "adding", 8), seed=5)
    c = SequenceModel(ModelConfig("lstm", "adding", 8), seed=6)
    for p, q, r in zip(a.parameters(), b.parameters(), c.parameters()):
        torch.testing.assert_close(p, q)
        assert not torch.equal(p, r)
    irnn = SequenceModel(ModelConfig("irnn", "adding", 8), seed=5).rnn
    torch.testing.assert_close(irnn.weight_hh_l0.detach(), torch.eye(8))
    assert irnn.nonlinearity == "relu" and irnn.weight_ih_l0.abs().max() < 0.01


def test_configs_refuse_what_they_cannot_train():
    with pytest.raises(ValueError, match="kind must be one of"):
        ModelConfig("transformer")
    with pytest.raises(ValueError, match="lr must be a number from 1e-06 to 100, got nan"):
        TrainConfig(lr=float("nan"))
    with pytest.raises(ValueError, match="hidden_size must be a whole number from 1 to 128, got 129"):
        ModelConfig(hidden_size=129)
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")


# --- the instruments against autograd on the torch module -----------------------------------------------


def module_step_by_step(model: SequenceModel, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run model.rnn (double) one step at a time; return the states h (L, B, H) and each step's h_t."""
    state, hs = None, []
    for x_t in x:
        _, state = model.rnn(x_t[None], state)
        h_t = state[0][0] if isinstance(state, tuple) else state[0]  # (B, H)
        h_t.retain_grad()
        hs.append(h_t)
        if isinstance(state, tuple):
            state = (h_t[None], state[1])
        else:
            state = h_t[None]
    return torch.stack(hs), hs


@pytest.mark.parametrize("kind", models.KINDS)
@pytest.mark.parametrize("task", ["adding", "copy"])
def test_recorded_horizon_is_dL_dh_t_of_the_torch_module(kind, task):
    trainer = Trainer(small(kind, task, T=8))
    trainer.step(10)  # trained a little: not the initial weights
    x, y = trainer._fixed(trainer.config.probe_size, training.PROBE)
    recorded = trainer.horizons[-1]
    np.testing.assert_allclose(recorded, training.gradient_horizon(trainer.model, x, y))

    model = SequenceModel(trainer.config.model)
    model.load_state_dict(trainer.model.state_dict())
    model.double()
    h, hs = module_step_by_step(model, x.double())
    torch.testing.assert_close(h, model.rnn(x.double())[0])  # stepping gives the module's own output
    model.task_loss(model.head(h), y).backward()
    direct = np.array([h_t.grad.norm().item() for h_t in hs])
    assert len(recorded) == models.sequence_length(task, 8)
    np.testing.assert_allclose(recorded, direct, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("kind", models.KINDS)
def test_jacobian_norms_are_the_spectral_norms_of_dh_L_dh_t(kind):
    torch.manual_seed(0)
    model = SequenceModel(ModelConfig(kind, "adding", 5), seed=3).double()
    if kind == "irnn":  # away from the identity, so that the test sees more than ones
        with torch.no_grad():
            model.rnn.weight_hh_l0.add_(0.3 * torch.randn(5, 5, dtype=torch.float64))
            model.rnn.weight_ih_l0.normal_()
    x, _ = models.make_batch("adding", 1, 7, seed=1)
    x = x.double()
    _, hs = module_step_by_step(model, x)
    cell_states = None
    if kind == "lstm":  # c_t held fixed: run the module from (h_t, c_t)
        with torch.no_grad():
            cell_states = [model.rnn(x[: t + 1])[1][1] for t in range(7)]
    expected = []
    for t in range(7):

        def h_L(h_t, t=t):
            state = (h_t[None], cell_states[t]) if kind == "lstm" else h_t[None]
            return model.rnn(x[t + 1 :], state)[0][-1] if t < 6 else h_t

        J = torch.autograd.functional.jacobian(h_L, hs[t].detach())  # (1, H, 1, H)
        expected.append(torch.linalg.matrix_norm(J[0, :, 0], ord=2).item())
    np.testing.assert_allclose(training.jacobian_norms(model, x), expected, rtol=1e-9)
    assert expected[-1] == pytest.approx(1.0)


def test_at_initialisation_the_irnn_carries_the_gradient_and_the_tanh_rnn_loses_it():
    configs = training.side_by_side(
        ["rnn", "irnn"], "adding", 100, 64, training.DEFAULT_LR, {"rnn": 1, "irnn": 1}
    )
    rnn, irnn = (Trainer(c).initial_jacobian() for c in configs.values())
    assert rnn[0] < 1e-10 and irnn[0] > 0.5 and irnn[-1] == rnn[-1] == pytest.approx(1.0)


# --- the loop --------------------------------------------------------------------------------------------


def test_step_takes_exactly_n_steps_and_the_seed_fixes_every_loss():
    a, b = Trainer(small()), Trainer(small())
    assert a.step(7) == 7 and a.step_count == 7 and len(a.losses) == 7
    assert a.step(4) == 4 and a.step_count == 11
    for _ in range(11):
        b.step(1)  # single steps, as a Step button gives them
    assert a.losses == b.losses and a.test_losses == b.test_losses
    np.testing.assert_array_equal(np.stack(a.horizons), np.stack(b.horizons))
    assert a.horizon_steps == [0, 5, 10] and a.test_steps == [0, 5, 10]
    other = Trainer(small(seed=1))
    other.step(11)
    assert other.losses != a.losses


def test_the_budget_stops_the_trainer():
    trainer = Trainer(small(steps=12))
    assert trainer.step(100) == 12 and trainer.done and trainer.step(5) == 0
    assert trainer.test_steps[-1] == 12  # the final test loss is recorded at the end of the budget
    assert trainer.status().startswith("finished: step 12 of 12")


def test_trainers_trained_together_go_in_lockstep_and_stop_when_told():
    trainers = [Trainer(small(kind)) for kind in ("rnn", "lstm")]
    assert training.train_together(trainers, math.inf, max_steps=6) == 6
    assert [t.step_count for t in trainers] == [6, 6]
    assert training.train_together(trainers, seconds=0.0) == 0
    calls = []
    assert (
        training.train_together(trainers, math.inf, keep_going=lambda: len(calls) < 3 and not calls.append(1))
        == 3
    )
    assert [t.step_count for t in trainers] == [9, 9] and [t.history().name for t in trainers] == [
        "tanh RNN",
        "LSTM",
    ]


def test_two_threads_training_one_model_take_turns():
    # A Streamlit session can start a new run while the last one still trains: the model's lock serialises them.
    lstm = Trainer(small("lstm"))
    threads = [threading.Thread(target=training.train_together, args=([lstm], math.inf, 8)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alone = Trainer(small("lstm"))
    alone.step(16)
    assert lstm.step_count == 16 and lstm.losses == alone.losses


def test_a_huge_learning_rate_diverges_and_stops_with_a_message():
    trainer = Trainer(small("rnn", optimizer="sgd", lr=100.0, clip=0.0))
    taken = trainer.step(40)  # no exception
    assert trainer.diverged is not None and trainer.done and taken < 40
    assert trainer.diverged.step == taken + 1 == trainer.step_count + 1
    assert "training loss" in trainer.diverged.what and "training stopped" in str(trainer.diverged)
    assert trainer.step(5) == 0
    assert trainer.status().startswith(f"stopped at step {trainer.diverged.step}:")


def test_a_nan_in_the_weights_stops_the_trainer_at_the_next_step():
    trainer = Trainer(small("lstm"))
    trainer.step(3)
    with torch.no_grad():
        trainer.model.rnn.weight_hh_l0[0, 0] = float("nan")
    assert trainer.step(5) == 0
    assert str(trainer.diverged) == "step 4: the training loss became nan; training stopped"
    assert len(trainer.losses) == 3 and trainer.history().diverged.step == 4


def test_the_lstm_learns_a_short_adding_problem():
    config = TrainConfig(
        ModelConfig("lstm", "adding", 16), T=10, lr=1e-2, batch_size=64, steps=300, test_size=500
    )
    trainer = Trainer(config)
    trainer.step(300)
    assert trainer.test_losses[0] > 0.5  # untrained: worse than the baseline
    assert trainer.test_losses[-1] < 0.03 < models.baseline("adding", 10) / 5  # the baseline is 0.167


def test_history_and_figures():
    trainers = [Trainer(small(kind)) for kind in ("rnn", "irnn", "lstm")]
    histories = [t.history() for t in trainers]
    assert histories[0].horizons.shape == (0, 10) and histories[0].jacobian.shape == (10,)
    empty = figures.gradient_horizon(histories)
    assert empty.layout.annotations[-1].text.startswith("recorded once training starts")
    trainers[0].step(10)
    trainers[1].model.rnn.weight_hh_l0.data[0, 0] = float("inf")
    trainers[1].step(1)
    histories = [t.history() for t in trainers]
    assert histories[0].horizons.shape == (3, 10) and list(histories[0].horizon_steps) == [0, 5, 10]
    curves = figures.loss_curves(histories, 1 / 6, "baseline", "MSE")
    names = [trace.name for trace in curves.data]
    assert names == [
        "tanh RNN (training batch)",
        "tanh RNN (test set)",
        "IRNN (training batch)",
        "IRNN (test set)",
        "IRNN diverged",
        "LSTM (training batch)",
        "LSTM (test set)",
    ]
    assert curves.data[4].text[0] == "IRNN diverged at step 1" and curves.data[4].textposition == "top right"
    assert "step 1: the training loss became" in curves.data[4].hovertemplate
    assert curves.layout.yaxis.type == "log" and curves.layout.shapes[0].y0 == pytest.approx(1 / 6)
    horizon = figures.gradient_horizon(histories)
    heat = horizon.data[0]
    np.testing.assert_allclose(heat.z, np.log10(histories[0].horizons))
    assert list(heat.y) == [0, 5, 10] and list(heat.x) == list(range(1, 11))
    jacobian = figures.jacobian_at_init(histories)
    assert [t.name for t in jacobian.data] == [
        "tanh RNN",
        "IRNN",
        "LSTM",
    ] and jacobian.layout.yaxis.type == "log"


def test_live_training_waits_its_turn_in_the_lane():
    # Another session is training live: this one gets no step within its seconds, then its turn.
    trainer = Trainer(small(steps=1000))
    with training.LIVE_LANE:
        assert trainer.train_for(0.2) == 0
        assert training.train_together([trainer], seconds=0.2) == 0
    assert trainer.train_for(0.2) > 0
    assert training.train_together([trainer], seconds=0.2) > 0
    assert not training.LIVE_LANE.locked()


def test_a_loop_trains_any_module_and_stops_at_a_nan():
    # training.Loop on a bare linear regression: the loss falls; a NaN loss stops it, recorded.
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5])
    model = torch.nn.Linear(3, 1)
    loop = training.Loop(
        model,
        lambda k: ((model(x).squeeze(-1) - y) ** 2).mean(),
        seed=0,
        steps=200,
        lr=0.05,
        evaluate=lambda: float(((model(x).squeeze(-1) - y) ** 2).mean()),
        test_every=50,
    )
    assert loop.step(500) == 200 and loop.done
    assert loop.test_steps == [0, 50, 100, 150, 200] and loop.test_losses[-1] < 1e-3 < loop.test_losses[0]
    broken = training.Loop(
        model, lambda k: torch.tensor(float("nan"), requires_grad=True), seed=0, steps=5, lr=0.1
    )
    assert broken.step(5) == 0 and broken.diverged.step == 1 and "nan" in broken.diverged.what


class _Regression(training.Loop):
    """A loop on a small two-layer regression whose batches come from the loop's own stream."""

    TARGET = torch.tensor([1.0, -2.0, 0.5])

    def __init__(self, seed: int = 3):
        model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
        super().__init__(model, self._step_loss, seed=seed, steps=40, lr=0.01)

    def _step_loss(self, k: int) -> torch.Tensor:
        x = torch.randn(16, 3, generator=self.batch_generator(k))
        return ((self.model(x).squeeze(-1) - x @ self.TARGET) ** 2).mean()


def _regression_loop(seed: int = 3) -> training.Loop:
    return _Regression(seed)


def _weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return [t.detach().clone() for t in module.state_dict().values()]


def test_the_seed_alone_fixes_the_weights_whatever_other_threads_draw():
    # initialise draws from its own generator: another thread reseeding and drawing from torch's
    # global one at the same moment changes nothing.
    expected = _weights(_regression_loop().model)
    stop, results = threading.Event(), []

    def meddle():
        while not stop.is_set():
            torch.manual_seed(12345)
            torch.rand(100)

    meddler = threading.Thread(target=meddle)
    meddler.start()
    try:
        builders = [
            threading.Thread(target=lambda: results.append(_weights(_regression_loop().model)))
            for _ in range(4)
        ]
        for thread in builders:
            thread.start()
        for thread in builders:
            thread.join()
    finally:
        stop.set()
        meddler.join()
    assert len(results) == 4
    for weights in results:
        assert all(torch.equal(a, b) for a, b in zip(weights, expected))


def test_a_snapshot_without_the_optimizer_restores_the_weights_and_trains_on_with_a_fresh_one():
    original = _regression_loop()
    original.step(15)
    saved = io.BytesIO()
    torch.save(original.snapshot(with_optimizer=False), saved)
    snapshot = torch.load(io.BytesIO(saved.getvalue()), weights_only=True)
    assert snapshot["optimizer"] is None
    restored = _regression_loop().restore(snapshot)
    assert restored.step_count == 15 and restored.losses == original.losses
    assert all(torch.equal(a, b) for a, b in zip(_weights(restored.model), _weights(original.model)))
    # the same next step whether the optimizer was built before the restore or after it
    built_before = _regression_loop()
    built_before.optimizer
    fresh = built_before.restore(snapshot)
    fresh.step(1)
    restored.step(1)
    assert restored.losses[-1] == fresh.losses[-1]
    assert all(torch.equal(a, b) for a, b in zip(_weights(restored.model), _weights(fresh.model)))
    # ...which differs from the original's, whose Adam remembers 15 steps
    original.step(1)
    assert not all(torch.equal(a, b) for a, b in zip(_weights(restored.model), _weights(original.model)))


def test_a_clone_and_a_restored_snapshot_train_on_exactly_as_the_original():
    original = _regression_loop()
    original.step(15)
    twin = original.clone()
    saved = io.BytesIO()
    torch.save(original.snapshot(), saved)
    # at step 0
    restored = _regression_loop().restore(torch.load(io.BytesIO(saved.getvalue()), weights_only=True))
    # a restored loop builds its optimizer when it first steps: until then its clones and snapshots
    # carry the restored optimizer state
    clone_of_restored = restored.clone()
    resaved = _regression_loop().restore(restored.snapshot())
    for loop in (original, twin, restored, clone_of_restored, resaved):
        loop.step(10)
    assert twin.model is not original.model and twin.lock is not original.lock
    for other in (twin, restored, clone_of_restored, resaved):
        assert other.losses == original.losses and other.step_count == 25
        assert all(torch.equal(a, b) for a, b in zip(_weights(other.model), _weights(original.model)))
    assert original.records().losses == original.losses and original.records().status.startswith(
        "training: step 25"
    )


def test_loading_and_reading_a_default_builds_no_optimizer():
    """A shipped default is only read: no optimizer is built, so a first visit does not wait for the
    import of torch._dynamo that building the first optimizer of a process does (seconds)."""
    code = (
        "import sys, torch\n"
        "from rnnviz import defaults, gates\n"
        "loop = defaults.load('lstm_gates')\n"
        "gates.gate_view(loop.model, *gates.example('adding', 50, 0, 3))\n"
        "assert 'torch._dynamo' not in sys.modules, 'reading the default imported torch._dynamo'\n"
        "loop.clone().optimizer  # what training builds first\n"
        "assert 'torch._dynamo' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


@pytest.mark.parametrize("kind", ["rnn", "irnn", "lstm", "gru"])
def test_the_gradient_ledger_splits_dL_dW_hh_into_the_terms_of_each_step(kind):
    model = SequenceModel(ModelConfig(kind=kind, task="adding", hidden_size=6), seed=2).double()
    x, y = models.make_batch("adding", 5, 12, seed=4)
    x = x.double()
    # the terms themselves, through the cell, add up to what torch's own module gets for W_hh
    cell = model.instrumented(torch.float64)
    weights: list[torch.Tensor] = []
    h, _ = cell(x, weights=weights)
    terms = torch.autograd.grad(model.task_loss(model.head(h), y), weights)
    model.zero_grad()
    model.loss(x, y).backward()
    torch.testing.assert_close(sum(terms), model.rnn.weight_hh_l0.grad, rtol=1e-10, atol=1e-13)
    ledger = training.gradient_ledger(model, x, y)
    np.testing.assert_allclose(ledger, [float(t.norm()) for t in terms], rtol=1e-12)
    assert ledger[0] == 0.0  # step 1 multiplies h_0 = 0: nothing to learn from it
    assert ledger.shape == (models.sequence_length("adding", 12),)


def test_a_trainer_records_the_ledger_of_its_first_probe_sequence_beside_each_horizon():
    trainer = Trainer(small("rnn", steps=10))
    x, y = training.fixed_batch("adding", 4, 10, 0, training.PROBE, "cpu")  # the probe batch of seed 0
    # y (B,)
    at_start = training.gradient_ledger(SequenceModel(trainer.config.model, seed=0), x[:, :1], y[:1])
    trainer.step(10)
    history = trainer.history(with_jacobian=False)
    assert list(history.horizon_steps) == [0, 5, 10] and history.ledgers.shape == (3, 10)
    np.testing.assert_array_equal(history.ledgers[0], at_start)  # recorded before the first step
    assert not np.array_equal(history.ledgers[-1], at_start)
    assert trainer.records().extra["ledgers"][-1].tolist() == history.ledgers[-1].tolist()
