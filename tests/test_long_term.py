"""rnnviz.long_term: the recorded runs of the long-term page (the IRNN leaves the baseline in the lecture's
run), the way a fresh run retraces them, and the readings the page takes from any run."""

import dataclasses

import numpy as np
import pytest
import torch
from apptest_helpers import decode

from rnnviz import defaults, long_term, models, training
from rnnviz.figures import training as figures
from rnnviz.models import ModelConfig
from rnnviz.training import TrainConfig, Trainer

training.set_threads(1)


def small(kind="irnn", **changes) -> TrainConfig:
    settings = (
        dict(batch_size=16, test_size=64, probe_size=4, record_every=5, test_every=5, steps=20) | changes
    )
    return TrainConfig(ModelConfig(kind, "adding", 8), T=10, **settings)


def test_every_model_at_the_defaults_and_the_lectures_settings_has_a_recorded_run():
    assert long_term.recorded(long_term.PAGE) == ["long_term_rnn", "long_term_irnn", "long_term_lstm"]
    assert long_term.recorded(long_term.LECTURE) == [
        "long_term_lecture_rnn",
        "long_term_lecture_irnn",
        "long_term_lecture_lstm",
    ]
    page = long_term.PAGE["lstm"]
    assert (page.T, page.steps, page.lr, page.clip, page.batch_size, page.model.hidden_size) == (
        100,
        1500,
        1e-2,
        1,
        64,
        64,
    )
    lecture = long_term.LECTURE["irnn"]
    assert (lecture.T, lecture.steps, lecture.lr, lecture.optimizer, lecture.record_every) == (
        100,
        6000,
        1e-3,
        "adam",
        100,
    )
    # the defaults, four times as long
    assert long_term.LECTURE == {
        kind: dataclasses.replace(config, steps=6000, record_every=100)
        for kind, config in long_term.PAGE.items()
    }
    assert long_term.recorded({"irnn": long_term.PAGE["irnn"], "lstm": small("lstm")}) is None
    assert long_term.recorded(long_term.settings(100, 1500, models.KINDS)) is None  # the GRU has no recording
    assert set(long_term.RECORDED.values()) <= set(defaults.names())


def test_long_runs_record_the_gradient_horizon_about_60_times():
    assert [long_term.record_every(steps) for steps in (10, 1500, 3000, 6000, 10000)] == [
        25,
        25,
        50,
        100,
        166,
    ]
    configs = long_term.configs(
        ["rnn", "lstm"], "adding", 20, 8, training.DEFAULT_LR, long_term.CLIP, 6000, 3
    )
    assert [c.record_every for c in configs.values()] == [100, 100] and configs["lstm"].seed == 3


def test_in_the_lectures_run_the_irnn_leaves_the_baseline_and_the_tanh_rnn_does_not():
    irnn, rnn = defaults.load("long_term_lecture_irnn"), defaults.load("long_term_lecture_rnn")
    assert irnn.config == long_term.LECTURE["irnn"] and irnn.step_count == irnn.config.steps == 6000
    assert irnn.test_losses[-1] < 0.01 and min(rnn.test_losses) > 0.15  # the baseline is 1/6
    assert long_term.check(irnn)[1] < 0.01 and long_term.check(rnn)[1] > 0.15  # on sequences never seen
    left = long_term.lecture_steps()
    assert left["rnn"] is None and 1500 < left["irnn"] == long_term.first_below(
        irnn.test_steps, irnn.test_losses, 0.05
    )
    assert left["irnn"] <= 4500 and left["lstm"] <= 1000
    # and at the page's defaults (the first 1,500 steps of the same runs) neither has left it
    assert (
        min(defaults.load("long_term_irnn").test_losses)
        > 0.1
        < min(defaults.load("long_term_rnn").test_losses)
    )
    np.testing.assert_array_equal(defaults.load("long_term_irnn").test_losses, irnn.test_losses[:31])


def test_the_loop_starts_the_irnn_at_the_identity_as_its_model_does():
    trainer = Trainer(small("irnn"), device="cpu")
    torch.testing.assert_close(trainer.model.rnn.weight_hh_l0.detach(), torch.eye(8))
    assert trainer.model.rnn.bias_hh_l0.abs().max() == 0 and trainer.model.rnn.weight_ih_l0.abs().max() < 0.01
    # every kind: the model SequenceModel builds from the seed, and the Jacobian's model
    for kind in models.KINDS:
        built = models.SequenceModel(small(kind, seed=5).model, seed=5).state_dict()
        for name, weight in Trainer(small(kind, seed=5), device="cpu").model.state_dict().items():
            assert torch.equal(weight, built[name]), (kind, name)


@pytest.mark.parametrize("T", [50, 100])
def test_at_the_lstms_learning_rate_the_irnn_explodes_at_step_2(T):
    config = dataclasses.replace(long_term.settings(T, 3000)["irnn"], lr=training.DEFAULT_LR["lstm"])
    trainer = Trainer(config, device="cpu")
    trainer.step(3)
    assert trainer.step_count == 1 and trainer.diverged.step == 2 and "exploded" in trainer.diverged.what


def test_one_adam_step_at_the_lstms_learning_rate_moves_irnn_weights_by_up_to_it():
    """The page's why: at the defaults one step at 1e-2 moves weights of W_hh = I by up to 0.01 each (Adam's
    first step is about the learning rate times the gradient's sign), to a norm of 1.21."""
    config = dataclasses.replace(long_term.PAGE["irnn"], lr=training.DEFAULT_LR["lstm"])
    trainer = Trainer(config, device="cpu")
    trainer.step(1)
    W_hh = trainer.model.rnn.weight_hh_l0.detach().double()  # (64, 64)
    change = (W_hh - torch.eye(64, dtype=torch.float64)).abs()
    assert change.max() == pytest.approx(0.01, rel=1e-5)  # no weight moves by more than the learning rate
    # by all of it; the others' gradients are tiny or 0
    assert round(float((change > 0.0099).double().mean()), 2) == 0.37
    norm = float(torch.linalg.matrix_norm(W_hh, ord=2))
    assert f"{norm:.3g}" == f"{long_term.IRNN_NORM_AFTER_ONE_STEP:.3g}"
    assert f"‖W_hh‖ becomes {long_term.IRNN_NORM_AFTER_ONE_STEP}" in long_term.default_run_text()


@pytest.mark.parametrize("kind", ["rnn", "irnn", "lstm"])
def test_play_retraces_the_recorded_run_step_for_step(kind):
    shipped = defaults.load(f"long_term_{kind}")
    fresh = Trainer(long_term.PAGE[kind], device="cpu")
    fresh.step(10)
    np.testing.assert_allclose(fresh.losses, shipped.losses[:10], rtol=1e-5)
    assert fresh.test_losses[0] == pytest.approx(shipped.test_losses[0], rel=1e-6)


@pytest.mark.parametrize("T", [10, 50, 100, 163, 200])
def test_the_shipped_jacobians_are_the_ones_computed_at_initialisation(T):
    for kind, config in long_term.settings(T, 1500).items():
        shipped = long_term.initial_jacobian(config)
        # read, not computed
        assert shipped is not training.initial_jacobian(config) and not shipped.flags.writeable
        np.testing.assert_allclose(
            shipped,
            training.initial_jacobian(config),
            rtol=1e-5,
            err_msg="the models changed: rerun `python -m rnnviz.long_term`",
        )
    other = long_term.settings(T, 1500)["rnn"]
    # not in the table
    other = dataclasses.replace(other, model=dataclasses.replace(other.model, hidden_size=32))
    assert long_term.initial_jacobian(other) is training.initial_jacobian(other)


def test_the_shipped_jacobians_cover_the_pages_slider():
    T = long_term.LENGTHS
    assert (T.start, T.stop - 1) == (10, 200) and len(long_term._table()) == 3 * len(T)


def test_readings_from_records_are_the_trainers_own_history_and_row():
    trainer = Trainer(small("lstm"), device="cpu")
    trainer.step(12)
    [history], [row] = long_term.readings([trainer])
    own = trainer.history()
    for field in (
        "steps",
        "losses",
        "test_steps",
        "test_losses",
        "horizon_steps",
        "horizons",
        "jacobian",
        "ledgers",
    ):
        np.testing.assert_array_equal(getattr(history, field), getattr(own, field))
    assert (history.name, history.kind, history.status, history.diverged) == (
        own.name,
        own.kind,
        own.status,
        None,
    )
    assert row == trainer.row() | {"seconds": row["seconds"]}
    untrained = long_term.histories([Trainer(small("rnn"))])[0]
    assert (
        untrained.horizons.shape == (0, 10)
        and len(untrained.losses) == 0
        and untrained.jacobian.shape == (10,)
    )


def test_outcome_says_where_a_run_left_the_baseline_or_that_it_did_not():
    def history(test_losses):
        steps = np.arange(len(test_losses)) * 50
        return training.History(
            "IRNN",
            "irnn",
            steps[1:],
            np.ones(max(len(steps) - 1, 0)),
            steps,
            np.array(test_losses),
            np.array([0]),
            np.zeros((1, 5)),
            None,
            None,
            "",
        )

    baseline = 1 / 6
    assert long_term.outcome(history([0.17, 0.06, 0.049, 0.002]), baseline) == (
        "IRNN is below 0.05 from step 100 (0.002 at step 150)"
    )
    assert long_term.outcome(history([0.17, 0.16]), baseline) == "IRNN stays above 0.05 (0.16 at step 50)"
    assert long_term.outcome(history([]), baseline) == "IRNN: not trained yet"
    assert long_term.first_below([0, 50, 100], [0.2, 0.04, 0.01], 0.05) == 50
    assert long_term.first_below([0, 50], [0.2, 0.1], 0.05) is None


def test_the_shipped_runs_metrics_are_their_records():
    for name in ("long_term_lstm", "long_term_lecture_irnn"):
        loop, metrics = defaults.load(name), defaults.describe(name)["metrics"]
        assert metrics["test_loss"] == pytest.approx(loop.test_losses[-1], abs=1e-6)
        assert metrics["first_step_below"] == long_term.first_below(loop.test_steps, loop.test_losses, 0.05)


def test_one_round_of_live_training_is_bounded_and_every_recorded_setting_is_within():
    # batch x L x H x (D + H), times the weight blocks: 1 (tanh RNN) + 1 (IRNN) + 4 (LSTM)
    assert long_term.step_work(long_term.PAGE) == 64 * 100 * 64 * (2 + 64) * 6 == 162_201_600
    for configs in (
        long_term.PAGE,
        long_term.LECTURE,
        long_term.settings(100, 1500, models.KINDS),
        long_term.settings(200, 1500),
    ):
        assert long_term.refusal(configs) is None
    largest = long_term.configs(
        models.KINDS, "copy", 200, 128, training.DEFAULT_LR, long_term.CLIP, 10000, 9999
    )
    assert long_term.step_work(largest) == 64 * 221 * 128 * (10 + 128) * (1 + 1 + 4 + 3)  # the largest link's
    message = long_term.refusal(largest)
    assert (
        message.startswith(
            "These settings cannot train here: one round of training (every model one step) is "
            "2,249 million multiply-adds"
        )
        and "up to 350 million a round" in message
    )


def test_the_pages_sentences_are_the_runs_own():
    shipped = long_term.histories([defaults.load(name) for name in long_term.recorded(long_term.PAGE)])
    text = long_term.recording_text(shipped, 1 / 6)
    assert text.startswith(
        "The recorded run of these settings, trained ahead of time: tanh RNN stays above 0.05"
    )
    assert long_term.reach_text(shipped) in text and text.endswith(
        "Play trains a fresh copy here, from step 0."
    )
    closing = long_term.default_run_text()
    assert "at T = 100 it too stays on the baseline for all 1,500 steps" in closing
    assert f"for 6,000 steps (the button above), {long_term.lecture_text()}." in closing
    live = long_term.reproduce(long_term.PAGE, None, 7)
    assert (
        "max_steps=7)  # the page's step 7" in live
        and "lr={'rnn': 0.001, 'irnn': 0.001, 'lstm': 0.01}" in live
    )
    assert "defaults.load(name) for name in ['long_term_rnn'" in long_term.reproduce(
        long_term.PAGE, ["long_term_rnn"], 0
    )


# --- the gradient ledger ---------------------------------------------------------------------------------


def test_the_marked_steps_are_those_of_the_first_probe_sequence():
    config = small("rnn", seed=3)
    x, _ = training.fixed_batch("adding", config.probe_size, config.T, 3, training.PROBE, "cpu")  # (L, B, 2)
    expected = (torch.nonzero(x[:, 0, 1]).flatten() + 1).tolist()
    assert list(long_term.probe_marked_steps(config)) == expected and len(expected) == 2
    assert expected[0] <= config.T // 2 < expected[1]  # one marker in each half
    copy = dataclasses.replace(config, model=ModelConfig("rnn", "copy", 8))
    assert long_term.probe_marked_steps(copy) == tuple(range(1, models.COPY_LENGTH + 1))
    assert (
        long_term.probe_marked_steps(dataclasses.replace(config, model=ModelConfig("rnn", "parity", 8))) == ()
    )


def test_the_ledger_figure_shows_each_lags_share_and_dots_the_marked_lags():
    trainer = Trainer(small("rnn", steps=10))
    trainer.step(10)
    history = long_term.histories([trainer])[0]
    marked = list(long_term.probe_marked_steps(trainer.config))
    heatmap = figures.gradient_ledger([history], marked).to_dict()
    # (3 recordings, L lags), log10 drawn
    shares = 10 ** np.array(decode(heatmap["data"][0]["z"]), dtype=float)
    np.testing.assert_allclose(np.nansum(shares, axis=1), 1.0)
    np.testing.assert_allclose(
        shares[:, ::-1][:, 1:], history.ledgers[:, 1:] / history.ledgers.sum(axis=1, keepdims=True)
    )
    # L = T = 10
    assert [shape["x0"] for shape in heatmap["layout"]["shapes"]] == [10 - m - 1 for m in marked]
    lines = figures.marked_shares([history], marked, "marker").to_dict()["data"]
    np.testing.assert_allclose(
        decode(lines[0]["y"]), history.ledgers[:, marked[0]] / history.ledgers.sum(axis=1)
    )
    text = long_term.ledger_text([history], marked, "adding")
    assert f"the first marker is at step {marked[0]}" in text and f"lag {10 - marked[0] - 1}" in text
    assert f"tanh RNN {history.ledgers[-1][marked[0]] / history.ledgers[-1].sum():.2g}" in text


def test_the_shipped_ledgers_show_what_the_readme_says():
    # the first marker's term at the end: vanished for the tanh RNN, kept by the IRNN's identity from
    # the start, and grown by the LSTM as it learned (README, the long-term page's row)
    share = {}
    for kind in ("rnn", "irnn", "lstm"):
        trainer = defaults.load(f"long_term_{kind}")
        m = long_term.probe_marked_steps(trainer.config)
        ledgers = long_term.histories([trainer])[0].ledgers
        share[kind] = ledgers[:, m[0]] / ledgers.sum(axis=1)  # (r,) over training; index m: t = m + 1
        assert m == (27, 59)
    assert share["rnn"][-1] < 1e-17 and 1e-3 < share["irnn"][0] < 1e-2 and 1e-3 < share["irnn"][-1] < 1e-2
    assert share["lstm"][0] < 1e-14 and 5e-4 < share["lstm"][-1] < 2e-3
