"""The LSTM gates page's numbers: gates in range, the forget-gate path, the lecture's exercise."""

import functools

import numpy as np
import pytest
import torch
from apptest_helpers import chart_keys, run_app
from test_defaults import snapshot_bytes

from rnnviz import defaults, gates, models, training
from rnnviz.figures import gates as figures
from ui import models as ui_models

PAGE = "pages/lstm_gates.py"


@pytest.fixture(scope="module")
def lstm():
    """An untrained LSTM: the exercise's identity holds for any weights."""
    return models.SequenceModel(models.ModelConfig(kind="lstm", task="adding", hidden_size=6), seed=1)


def test_gate_view_reads_the_lstm_and_gates_are_in_range(lstm):
    x, y = gates.example("adding", 20, seed=0, index=4)
    view = gates.gate_view(lstm, x, y)
    assert view.x.shape == (20, 2) and view.gates["c"].shape == (20, 6)
    for name in "ifo":
        assert ((view.gates[name] > 0) & (view.gates[name] < 1)).all()
    assert (np.abs(view.gates["g"]) < 1).all()
    with torch.no_grad():
        assert view.prediction == pytest.approx(float(lstm(x.float())[0]), abs=1e-5)  # same as the module
    assert view.target == pytest.approx(float((x[:, 0, 0] * x[:, 0, 1]).sum()), abs=1e-6)


def test_forget_path_is_the_product_of_later_forget_gates():
    f = np.random.default_rng(0).uniform(0.05, 1.0, (8, 3))
    path = gates.forget_path_log10(f)
    for t in range(8):
        np.testing.assert_allclose(10 ** path[t], np.prod(f[t + 1 :], axis=0))
    assert np.isfinite(gates.forget_path_log10(np.full((300, 1), 0.01))).all()  # 1e-598: still drawn


@pytest.fixture(scope="module")
def trained():
    """The page's shipped default LSTM (trained 600 steps, torch's initial biases)."""
    return defaults.load("lstm_gates").model


def test_exercise_forced_gates_pass_the_cell_gradient_unchanged(lstm):
    x, y = gates.example("adding", 20, seed=0, index=1)
    forced = gates.exercise(lstm, x, y, t=7)
    assert forced.largest_difference == 0.0 and np.abs(forced.c_bar_t).max() > 0
    assert forced.forced == {"f_9": 1.0, "i_9": 0.0, "o_8": 0.0}
    free = gates.exercise(lstm, x, y, t=7, force_f=False, force_i=False, force_o=False)
    assert free.largest_difference > 1e-6  # without the forcing they differ
    with pytest.raises(ValueError, match="t must be between 0 and 18"):
        gates.exercise(lstm, x, y, t=19)


@pytest.mark.parametrize("which", ["untrained", "trained"])
@pytest.mark.parametrize("t", [0, 5, 9, 20, 40])
def test_f_and_o_make_the_gradients_equal_and_i_does_not_enter(which, t, trained):
    """The adjoint c_bar_t = f_{t+1} c_bar_{t+1} + h_bar_t o_t tanh'(c_t) has no i_{t+1} in it."""
    model = (
        trained
        if which == "trained"
        else models.SequenceModel(models.ModelConfig(kind="lstm", task="adding", hidden_size=32), seed=3)
    )
    x, y = gates.example("adding", 50, seed=0, index=2)
    i_free = gates.exercise(model, x, y, t, force_f=True, force_i=False, force_o=True)
    assert i_free.largest_difference == 0.0 and np.abs(i_free.c_bar_t).max() > 0  # exactly, not nearly
    assert i_free.forward_change > 1e-3  # i_{t+1} free: c_{t+1} moved, the gradient did not
    all_three = gates.exercise(model, x, y, t)
    assert all_three.largest_difference == 0.0 and all_three.forward_change == 0.0  # i = 0 keeps the value
    f_free = gates.exercise(model, x, y, t, force_f=False, force_i=True, force_o=True)
    o_free = gates.exercise(model, x, y, t, force_f=True, force_i=True, force_o=False)
    scale = np.abs(all_three.c_bar_next).max()  # the gradient itself vanishes early in an untrained LSTM
    assert f_free.largest_difference > 1e-3 * scale and o_free.largest_difference > 1e-3 * scale
    assert "exactly equal" in i_free.verdict() and "is free and does not matter" in i_free.verdict()
    assert "Force $f_" in f_free.verdict() and "does not enter the gradient" in o_free.verdict()


@pytest.mark.parametrize("forcing", [(False, False, False), (True, False, False), (False, True, True)])
def test_the_adjoints_two_terms_add_up_to_autograds_gradient(lstm, forcing):
    x, y = gates.example("adding", 20, seed=0, index=5)
    result = gates.exercise(lstm, x, y, 6, *forcing)
    np.testing.assert_allclose(result.carried + result.through_h, result.c_bar_t, rtol=1e-12, atol=1e-15)
    if not forcing[2]:  # o_t free: the path through h_t is there
        assert np.abs(result.through_h).max() > 1e-9


def test_forget_bias_one_sets_b_f_and_keeps_torchs_other_draws():
    plain, biased = gates.trainer(20, 6, 10, seed=4), gates.trainer(20, 6, 10, seed=4, forget_bias=1.0)
    H = 6
    for name, weight in plain.model.state_dict().items():
        other = biased.model.state_dict()[name]
        if name in ("rnn.bias_ih_l0", "rnn.bias_hh_l0"):
            expected = 1.0 if name == "rnn.bias_ih_l0" else 0.0
            assert (other[H : 2 * H] == expected).all()
            assert torch.equal(other[:H], weight[:H]) and torch.equal(other[2 * H :], weight[2 * H :])
        else:
            assert torch.equal(other, weight)
    x, y = gates.example("adding", 20, seed=0, index=0)
    f = gates.gate_view(biased.model, x, y).gates["f"]
    assert f.mean() > 0.7 > 0.55 > gates.gate_view(plain.model, x, y).gates["f"].mean()
    assert biased.clone().forget_bias == 1.0


def test_memory_paths_and_the_summary_match_a_direct_product(lstm):
    x, y = gates.example("adding", 30, seed=0, index=6)
    biased = gates.trainer(30, 6, 10, seed=1, forget_bias=1.0).model
    rnn0 = gates.rnn_trainer(30, 6, 10, seed=1).model
    rnn1 = models.SequenceModel(models.ModelConfig(kind="rnn", task="adding", hidden_size=6), seed=9)
    paths = gates.memory_paths({"initial": lstm, "trained": biased}, {"initial": rnn0, "trained": rnn1}, x)[0]
    rows = paths.table()
    assert rows["stage"] == ["initial", "trained"]
    for row, (stage, model, rnn) in enumerate((("initial", lstm, rnn0), ("trained", biased, rnn1))):
        f = gates.gate_view(model, x, y).gates["f"]  # (T, H)
        whole = np.prod(f[1:], axis=0)  # dc_T/dc_1 along the cell, per unit, multiplied out
        np.testing.assert_allclose(10 ** paths.forget_log10[stage][0], whole, rtol=1e-10)
        assert paths.kept(stage) == int((whole >= 0.1).sum())
        assert rows["units keeping memory"][row] == f"{int((whole >= 0.1).sum())} of 6"
        middle = np.sort(whole)[2:4]  # 6 units: the median is the geometric mean of the middle two
        assert rows["∏ f, step T to 1: median unit"][row] == f"{np.sqrt(middle.prod()):.2g}"
        assert (
            rows["best unit"][row] == f"{whole.max():.2g}" and rows["LSTM: mean f"][row] == f"{f.mean():.3f}"
        )
        norms = training.jacobian_norms(rnn, x)
        np.testing.assert_allclose(paths.rnn_norms[stage], norms, rtol=1e-10)  # by hand against autograd
        assert rows["tanh RNN: ‖dh_T/dh_1‖"][row] == f"{norms[0]:.2g}"


def test_memory_paths_of_a_batch_are_each_sequences_own(lstm):
    x, y = models.make_batch("adding", 3, 15, seed=5)  # (15, 3, 2)
    rnn = models.SequenceModel(models.ModelConfig(kind="rnn", task="adding", hidden_size=6), seed=2)
    batch = gates.memory_paths({"trained": lstm}, {"trained": rnn}, x)
    for b, paths in enumerate(batch):
        one = gates.memory_paths({"trained": lstm}, {"trained": rnn}, x[:, b : b + 1])[0]
        np.testing.assert_allclose(paths.forget_log10["trained"], one.forget_log10["trained"], rtol=1e-12)
        np.testing.assert_allclose(
            paths.rnn_norms["trained"], training.jacobian_norms(rnn, x[:, b : b + 1]), rtol=1e-10
        )


@functools.cache
def default_paths(forget_bias: float | None) -> list[gates.MemoryPaths]:
    """The memory paths the page shows at its defaults, from the shipped models: one per example."""
    x, _ = gates.examples("adding", 50, 0)
    lstm = {
        "initial": gates.default_trainer(forget_bias).model,
        "trained": defaults.load(gates.default_name(forget_bias)).model,
    }
    rnn = {
        "initial": training.Trainer(gates.DEFAULT_RNN).model,
        "trained": defaults.load("lstm_gates_rnn").model,
    }
    return gates.memory_paths(lstm, rnn, x)


@pytest.mark.parametrize("index", range(100))
def test_what_the_caption_says_of_the_defaults_holds_on_every_example(index):
    plain, biased = default_paths(None)[index], default_paths(1.0)[index]
    median = {
        name: {stage: 10 ** np.median(p.forget_log10[stage][0]) for stage in gates.STAGES}
        for name, p in (("plain", plain), ("biased", biased))
    }
    assert 0.45 < plain.mean_f["initial"] < 0.55  # f starts near 0.5
    # the caption: training makes one unit keep
    assert plain.kept("initial") == 0 and plain.kept("trained") == 1
    assert (biased.kept("initial"), biased.kept("trained")) == (0, 2)  # the README's
    assert 0.7 < biased.mean_f["initial"] < 0.76  # near sigmoid(1) = 0.73
    for stage in gates.STAGES:  # the median unit against the RNN, before and after training
        assert median["plain"][stage] < plain.rnn_norms[stage][0] < median["biased"][stage]


def test_the_unit_that_keeps_its_memory_carries_the_sum():
    """The heatmaps' caption: at the defaults unit 2 keeps its memory, writes at the marks, holds the sum."""
    model = defaults.load("lstm_gates").model
    x, y = gates.examples("adding", 50, 0)  # (50, 100, 2), (100,)
    with torch.no_grad():
        _, record = model.instrumented()(x.double())
    f, i, c = (record[name].numpy() for name in "fic")  # each (T, B, H)
    kept = np.flatnonzero((np.prod(f[1:], axis=0) >= gates.KEEPS).all(axis=0))  # on every example
    assert list(kept) == [2]
    marked = x[:, :, 1].numpy() == 1  # (T, B)
    assert i[:, :, 2][marked].mean() > 0.5 > 0.1 > i[:, :, 2][~marked].mean()
    assert f[:, :, 2].mean() > 0.99 and abs(np.corrcoef(c[-1, :, 2], y.numpy())[0, 1]) > 0.99


def shown_table(at) -> dict[str, list]:
    """The memory path's table as the page shows it, column by column."""
    return {name: [str(v) for v in column] for name, column in at.table[0].value.items()}


def test_page_shows_the_defaults_memory_paths_and_the_exercise():
    at = run_app(PAGE, timeout=180)
    assert not at.exception
    assert chart_keys(at) == ["gates_heatmaps", "gates_memory", "gates_exercise"]
    expected = default_paths(None)[0].table()
    assert shown_table(at) == expected
    assert "exactly equal" in at.success[0].value
    at.checkbox(key="gates_force_i").uncheck().run()  # i free: still exactly equal
    assert (
        "exactly equal" in at.success[0].value
        and "$i_{11}$ is free and does not matter" in at.success[0].value
    )
    at.checkbox(key="gates_force_f").uncheck().run()
    assert "Force $f_{11} = 1$ and $o_{10} = 0$ to make them equal" in at.info[-1].value
    assert "Force all three gates" not in at.info[-1].value


def test_forget_bias_one_opens_its_shipped_default():
    at = run_app(PAGE, query={"gates_forget_bias": "1", "gates_example": "4"}, timeout=180)
    assert not at.exception and chart_keys(at) == ["gates_heatmaps", "gates_memory", "gates_exercise"]
    expected = default_paths(1.0)[4].table()
    assert shown_table(at) == expected
    assert "test MSE 0.0020" in at.caption[0].value  # lstm_gates_bias1.json: 0.001989


def test_other_settings_wait_for_a_click():
    at = run_app(PAGE, query={"gates_hidden": "8", "gates_steps": "50", "gates_T": "10"})
    assert "not trained yet" in at.info[0].value and not chart_keys(at)
    at.button[0].click().run(timeout=120)
    assert chart_keys(at) == ["gates_heatmaps", "gates_memory", "gates_exercise"] and not at.exception


def test_memory_chart_draws_both_stages_from_the_paths():
    paths = default_paths(None)[0]
    traces = figures.memory_path(paths).data
    for stage, axis in (("initial", "x"), ("trained", "x2")):
        drawn = {t.name: t for t in traces if t.xaxis == axis and t.name}
        best = drawn["LSTM: ∏ f = dc_T/dc_t along the cell, the largest over units"].y
        np.testing.assert_allclose(best, 10.0 ** paths.forget_log10[stage].max(axis=1))
        np.testing.assert_allclose(drawn["tanh RNN: ‖dh_T/dh_t‖"].y, paths.rnn_norms[stage])


def test_a_session_reading_the_page_leaves_the_other_shared_defaults_unchanged():
    shipped = {name: snapshot_bytes(defaults.load(name)) for name in ("lstm_gates_bias1", "lstm_gates_rnn")}
    at = run_app(
        PAGE, query={"gates_forget_bias": "1", "gates_example": "7", "gates_force_o": "false"}, timeout=120
    )
    assert not at.exception
    for name, expected in shipped.items():
        assert snapshot_bytes(ui_models.shared(name)) == expected


def test_a_click_trains_a_bounded_work_and_the_defaults_are_within():
    # steps x T x (batch x (4 + 1) blocks x H x (D + H) + the fixed cost of a time step)
    assert gates.training_work(50, 32, 600) == 600 * 50 * (64 * 5 * 32 * 34 + gates.STEP_OVERHEAD)
    for settings in ((50, 32, 600), (50, 32, 3000), (200, 32, 600), (50, 64, 600), (10, 4, 50)):
        assert gates.refusal(*settings) is None, settings
    message = gates.refusal(200, 128, 3000)  # the largest settings a link can ask for
    assert (
        message.startswith(
            "These settings cannot train here: training the LSTM and its tanh RNN would cost "
            "3,435 billion multiply-adds"
        )
        and "up to 120 billion on a click" in message
    )


def test_the_largest_link_is_refused_with_a_message_and_no_button():
    at = run_app(
        PAGE, query={"gates_T": "200", "gates_hidden": "128", "gates_steps": "10000", "gates_seed": "9999"}
    )
    assert not at.exception and not chart_keys(at) and not at.button
    assert len(at.warning) == 1 and at.warning[0].value.startswith("These settings cannot train here")


@pytest.mark.parametrize(
    "query",
    [
        {"gates_T": "210"},
        {"gates_hidden": "132"},
        {"gates_steps": "10010"},
        {"gates_example": "100"},
        {"gates_t": "200"},
    ],
)
def test_links_beyond_the_widgets_limits_fall_back_to_the_defaults_with_a_warning(query):
    at = run_app(PAGE, query=query, timeout=180)
    assert not at.exception and "malformed or out of range" in at.warning[0].value
    assert chart_keys(at) == ["gates_heatmaps", "gates_memory", "gates_exercise"]  # the shipped default
