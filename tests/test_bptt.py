"""BPTT by hand against torch autograd (float64), closed forms, and the lecture's formulas."""

import dataclasses

import numpy as np
import pytest
import torch

from rnnviz import activations, bptt


def torch_twin(x, targets, u, v, w, activation):
    """The same RNN written once more in torch; autograd gives every gradient."""
    phi = activations.torch_twin(activation)
    p = {k: torch.tensor(val, dtype=torch.float64, requires_grad=True) for k, val in zip("uvw", (u, v, w))}
    h = torch.zeros((), dtype=torch.float64)
    zs, hs = [], []
    loss = 0.0
    for x_t, target_t in zip(torch.tensor(x), torch.tensor(targets)):
        z = p["u"] * x_t + p["w"] * h
        z.retain_grad()
        h = phi(z)
        h.retain_grad()
        y = phi(p["v"] * h)
        zs.append(z)
        hs.append(h)
        loss = loss + (y - target_t) ** 2 / 2
    loss.backward()
    return {
        "loss": loss.item(),
        "u_bar": p["u"].grad.item(),
        "v_bar": p["v"].grad.item(),
        "w_bar": p["w"].grad.item(),
        "z_bar": np.array([z.grad.item() for z in zs]),
        "h_bar": np.array([h.grad.item() for h in hs]),
    }


@pytest.mark.parametrize("activation", bptt.ACTIVATIONS)
@pytest.mark.parametrize("seed", range(5))
def test_bptt_matches_autograd(activation, seed):
    rng = np.random.default_rng(seed)
    T = int(rng.integers(1, 60))
    x, targets = rng.standard_normal(T), rng.uniform(-1, 1, T)
    u, v, w = rng.uniform(-2, 2, 3)
    if activation == "relu":
        v = abs(v) + 0.1  # so that relu(r) is not always 0 and the gradients are not all zero
    result = bptt.univariate(x, targets, u, v, w, activation)
    twin = torch_twin(x, targets, u, v, w, activation)
    for name in ("loss", "u_bar", "v_bar", "w_bar"):
        assert getattr(result, name) == pytest.approx(twin[name], rel=1e-12, abs=1e-12), name
    np.testing.assert_allclose(result.z_bar, twin["z_bar"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.h_bar, twin["h_bar"], rtol=1e-12, atol=1e-12)
    assert abs(result.u_bar) + abs(result.v_bar) + abs(result.w_bar) > 1e-6  # a real check, not 0 = 0
    assert bptt.autograd_difference(result, u, v, w, activation) < 1e-10


def test_autograd_difference_sees_a_wrong_adjoint():
    result = bptt.univariate([1.0, -0.5, 2.0], [0.2, 0.1, -0.3], 0.5, 1.2, 0.8)
    broken = dataclasses.replace(result, h_bar=result.h_bar + np.array([0.0, 1e-3, 0.0]))
    assert bptt.autograd_difference(broken, 0.5, 1.2, 0.8, "tanh") == pytest.approx(1e-3, rel=1e-6)


def test_one_linear_step_closed_form():
    # T = 1, linear: y = v u x, L = (v u x - t)^2 / 2
    x, t, u, v = 2.0, 0.5, 0.3, -1.5
    result = bptt.univariate([x], [t], u, v, 0.7, "linear")
    error = v * u * x - t
    assert result.loss == pytest.approx(error**2 / 2)
    assert (result.u_bar, result.v_bar, result.w_bar) == pytest.approx((error * v * x, error * u * x, 0.0))


def test_two_linear_steps_follow_the_lecture_recursion():
    # h_bar_1 = r_bar_1 v + z_bar_2 w: the gradient of the second loss reaches step 1 through w.
    x, targets, u, v, w = np.array([1.0, 0.0]), np.array([0.0, 1.0]), 1.0, 1.0, 0.5
    r = bptt.univariate(x, targets, u, v, w, "linear")
    assert r.h.tolist() == [1.0, 0.5] and r.y.tolist() == [1.0, 0.5]
    assert r.y_bar.tolist() == [1.0, -0.5]
    assert r.z_bar.tolist() == [1.0 + (-0.5) * 0.5, -0.5]  # [0.75, -0.5]
    assert r.w_bar == pytest.approx(-0.5 * 1.0)  # z_bar_2 h_1


@pytest.mark.parametrize("activation", bptt.ACTIVATIONS)
def test_the_recursion_starts_from_z_bar_T_plus_1_equal_to_0(activation):
    """What the page states: z_bar_{T+1} = 0, so h_bar_T = r_bar_T v; every earlier h_bar_t adds z_bar_{t+1} w."""
    x, targets = bptt.random_sequence(12, seed=4)
    u, v, w = 0.7, -1.3, 1.2
    r = bptt.univariate(x, targets, u, v, w, activation)
    z_bar_next = np.append(r.z_bar[1:], 0.0)  # z_bar_2 .. z_bar_T, z_bar_{T+1} = 0
    np.testing.assert_array_equal(r.h_bar, r.r_bar * v + z_bar_next * w)
    assert r.h_bar[-1] == r.r_bar[-1] * v
    assert bptt.autograd_difference(r, u, v, w, activation) < 1e-12  # and autograd agrees


def test_contributions_sum_to_the_gradients_and_the_table_has_every_column():
    x, targets = bptt.random_sequence(30, seed=3)
    r = bptt.univariate(x, targets, 0.4, -0.8, 1.1, "tanh")
    terms = r.contributions()
    assert (terms["u"].sum(), terms["v"].sum(), terms["w"].sum()) == pytest.approx(
        (r.u_bar, r.v_bar, r.w_bar)
    )
    assert list(r.table()) == ["t", "x", "targets", "z", "h", "r", "y", "y_bar", "r_bar", "h_bar", "z_bar"]


def test_random_sequences_are_reproducible_and_bounded():
    a, b = bptt.random_sequence(10, 7), bptt.random_sequence(10, 7)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], bptt.random_sequence(10, 8)[0])
    with pytest.raises(ValueError, match="between 1 and 100"):
        bptt.random_sequence(101, 0)


@pytest.mark.parametrize(
    "args, message",
    [
        (([], []), "non-empty"),
        (([1.0, 2.0], [1.0]), "same length"),
        (([1.0], [1.0], "softplus"), "activation"),
    ],
)
def test_bad_arguments_get_plain_messages(args, message):
    x, targets, *activation = args
    with pytest.raises(ValueError, match=message):
        bptt.univariate(x, targets, 1.0, 1.0, 1.0, *activation)


def test_large_weights_overflow_to_inf_without_raising():
    r = bptt.univariate(np.full(100, 1e6), np.zeros(100), 3.0, 3.0, 3.0, "linear")
    assert np.isfinite(r.y).all() and r.y[-1] > 1e50  # 3^100 is about 5e47: big, still finite
    r = bptt.univariate(np.full(3, 1e200), np.zeros(3), 1e200, 1.0, 1.0, "linear")
    assert np.isinf(r.loss)


def test_largest_magnitude_is_the_scale_of_the_compared_numbers():
    result = bptt.univariate(np.array([1.0, 0.5]), np.array([0.0, 1.0]), 0.5, 1.0, 0.9, "linear")
    numbers = np.concatenate(
        [
            result.z_bar,
            result.h_bar,
            result.r_bar,
            result.y_bar,
            [result.loss, result.u_bar, result.v_bar, result.w_bar],
        ]
    )
    assert result.largest_magnitude == np.max(np.abs(numbers)) > 0
