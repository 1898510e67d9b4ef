"""The LSTM gates page's numbers: gates in range, the forget-gate path, the lecture's exercise."""

import numpy as np
import pytest
import torch
from apptest_helpers import chart_keys, run_app

from rnnviz import gates, models

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


def test_exercise_forced_gates_pass_the_cell_gradient_unchanged(lstm):
    x, y = gates.example("adding", 20, seed=0, index=1)
    forced = gates.exercise(lstm, x, y, t=7)
    assert forced.largest_difference == 0.0 and np.abs(forced.c_bar_t).max() > 0
    assert forced.forced == {"f_9": 1.0, "i_9": 0.0, "o_8": 0.0}
    free = gates.exercise(lstm, x, y, t=7, force_f=False, force_i=False, force_o=False)
    assert free.largest_difference > 1e-6  # without the forcing they differ
    with pytest.raises(ValueError, match="t must be between 0 and 18"):
        gates.exercise(lstm, x, y, t=19)


def test_page_trains_the_default_lstm_and_shows_the_exercise():
    at = run_app(PAGE, timeout=180)
    assert not at.exception
    assert chart_keys(at) == ["gates_heatmaps", "gates_memory", "gates_exercise"]
    assert "exactly equal" in at.success[0].value
    at.checkbox(key="gates_force_f").uncheck().run()
    assert "Force all three gates" in at.info[0].value


def test_other_settings_wait_for_a_click():
    at = run_app(PAGE, query={"gates_hidden": "8", "gates_steps": "50", "gates_T": "10"})
    assert "not trained yet" in at.info[0].value and not chart_keys(at)
    at.button[0].click().run(timeout=120)
    assert chart_keys(at) == ["gates_heatmaps", "gates_memory", "gates_exercise"] and not at.exception
