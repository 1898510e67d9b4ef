"""Instrumented cells against torch.nn, and the synthetic tasks' targets."""

import numpy as np
import pytest
import torch

from rnnviz import cells, tasks


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_lstm_from_torch_gives_the_module_output_and_the_lecture_equations():
    module = torch.nn.LSTM(3, 5).double()
    x = torch.randn(7, 4, 3, dtype=torch.float64)  # (T, B, D)
    output, record = cells.LSTM.from_torch(module)(x)
    expected, (_, c_T) = module(x)
    assert output.shape == (7, 4, 5)
    torch.testing.assert_close(output, expected.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(record["c"][-1], c_T[0].detach(), rtol=1e-12, atol=1e-12)
    for name in "ifogch":
        assert record[name].shape == (7, 4, 5)
    c_prev = torch.cat([torch.zeros(1, 4, 5, dtype=torch.float64), record["c"][:-1]])
    torch.testing.assert_close(record["c"], record["f"] * c_prev + record["i"] * record["g"])
    torch.testing.assert_close(record["h"], record["o"] * torch.tanh(record["c"]))
    assert ((record["f"] > 0) & (record["f"] < 1)).all() and (record["g"].abs() < 1).all()


def test_lstm_gate_order_is_mapped_from_torchs_i_f_g_o():
    module = torch.nn.LSTM(1, 1, bias=False).double()
    with torch.no_grad():  # rows i, f, g, o: only g gets an input weight
        module.weight_ih_l0.copy_(torch.tensor([[0.0], [0.0], [2.0], [0.0]]))
        module.weight_hh_l0.zero_()
    _, record = cells.LSTM.from_torch(module)(torch.ones(1, 1, 1, dtype=torch.float64))
    assert record["g"].item() == pytest.approx(np.tanh(2.0)) and record["o"].item() == pytest.approx(0.5)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_and_gru_from_torch(nonlinearity):
    x = torch.randn(6, 3, 2)
    rnn = torch.nn.RNN(2, 4, nonlinearity=nonlinearity)
    torch.testing.assert_close(cells.RNN.from_torch(rnn)(x)[0], rnn(x)[0].detach())
    gru = torch.nn.GRU(2, 4)
    output, record = cells.GRU.from_torch(gru)(x)
    torch.testing.assert_close(output, gru(x)[0].detach())
    assert set(record) == {"r", "z", "n", "h"}


def test_irnn_starts_as_the_identity_map():
    module = cells.irnn_module(2, 8)
    torch.testing.assert_close(module.weight_hh_l0.detach(), torch.eye(8))
    h0 = torch.rand(1, 1, 8)
    output, _ = module(torch.zeros(5, 1, 2), h0)
    torch.testing.assert_close(output[-1, 0], h0[0, 0])  # no input: the state is carried unchanged


def test_from_torch_refuses_stacked_modules():
    with pytest.raises(ValueError, match="one-layer"):
        cells.LSTM.from_torch(torch.nn.LSTM(2, 3, num_layers=2))


def test_adding_problem_marks_two_values_and_sums_them():
    x, y = tasks.adding_problem(2000, 50, seed=1)
    assert x.shape == (2000, 50, 2) and y.shape == (2000,)
    markers = x[:, :, 1]
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, :25].sum(axis=1) == 1).all()  # one in each half
    np.testing.assert_allclose(y, (x[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(tasks.ADDING_BASELINE_MSE, abs=0.01)
    np.testing.assert_array_equal(tasks.adding_problem(3, 10, 7)[0], tasks.adding_problem(3, 10, 7)[0])


def test_copy_and_parity_tasks():
    x, y = tasks.copy_task(5, T=20, seed=0)
    assert x.shape == y.shape == (5, 10 + 20 + 1 + 10)
    np.testing.assert_array_equal(y[:, -10:], x[:, :10])
    assert (x[:, 30] == 9).all() and (y[:, :31] == 0).all()
    assert tasks.copy_baseline(100) == pytest.approx(10 * np.log(8) / 121)
    bits, parity = tasks.parity_task(100, 12, seed=3)
    np.testing.assert_array_equal(parity, bits[:, :, 0].sum(axis=1) % 2)
    with pytest.raises(ValueError, match="T must be at least 2"):
        tasks.adding_problem(1, 1, 0)


@pytest.mark.parametrize(
    "cell_class, module",
    [(cells.RNN, torch.nn.RNN(2, 3)), (cells.LSTM, torch.nn.LSTM(2, 3)), (cells.GRU, torch.nn.GRU(2, 3))],
)
def test_watch_collects_each_step_state_inside_the_autograd_graph(cell_class, module):
    x = torch.randn(5, 4, 2, requires_grad=True)
    watched = []
    output, _ = cell_class.from_torch(module)(x, watch=watched)
    assert len(watched) == 5 and all(torch.equal(h, output[t]) for t, h in enumerate(watched))
    # dL/dh_0 for L = sum(h_T) is nonzero only through the later steps, which stacking alone would miss
    (grad,) = torch.autograd.grad(output[-1].sum(), watched[0])
    assert grad.abs().sum() > 0
