"""Each activation once (rnnviz.activations): φ and φ′ against torch autograd, γ as the sup of |φ′|,
φ′ precise where the unit saturates."""

import math

import numpy as np
import pytest
import torch

from rnnviz import activations

Z = np.concatenate([np.linspace(-30, 30, 601), [-700.0, -1e-9, 0.0, 1e-9, 700.0]])  # 0.1 apart, and extremes


@pytest.mark.parametrize("activation", activations.NAMES)
def test_phi_and_phi_prime_are_torchs_function_and_its_gradient(activation):
    z = torch.tensor(Z, requires_grad=True)
    twin = activations.torch_twin(activation)(z)
    (gradient,) = torch.autograd.grad(twin.sum(), z)
    # to within one rounding of a number near 1 (torch's tanh′ is 1 − tanh², which is 0 from |z| = 19 on:
    # ours keeps its relative precision there, see below)
    np.testing.assert_allclose(
        activations.phi(Z, activation), twin.detach().numpy(), rtol=1e-15, atol=2.3e-16
    )
    np.testing.assert_allclose(
        activations.phi_prime(Z, activation), gradient.numpy(), rtol=1e-12, atol=2.3e-16
    )
    scalar = activations.scalar(activation)
    assert [scalar(float(z)) for z in Z] == pytest.approx(
        activations.phi(Z, activation).tolist(), rel=1e-15, abs=2.3e-16
    )


@pytest.mark.parametrize("activation", activations.NAMES)
def test_gamma_is_the_largest_phi_prime(activation):
    slopes = activations.phi_prime(np.linspace(-10, 10, 200_001), activation)  # z = 0 is on the grid
    assert slopes.max() == pytest.approx(activations.GAMMA[activation], rel=1e-12)


def test_phi_prime_keeps_its_precision_where_the_unit_saturates():
    # 1 - tanh² gives 0
    assert activations.phi_prime(20.0, "tanh") == pytest.approx(4 * math.exp(-40), rel=1e-12)
    assert 1.0 - math.tanh(20.0) ** 2 == 0.0
    assert activations.phi_prime(-40.0, "sigmoid") == pytest.approx(math.exp(-40), rel=1e-12)
    assert activations.phi_prime(1000.0, "tanh") == 0.0  # below float64's smallest: 0, no warning


def test_sigmoid_never_overflows_and_keeps_floats_and_dtypes():
    with np.errstate(all="raise"):
        assert activations.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]
    assert type(activations.sigmoid(2.0)) is float and activations.sigmoid(2.0) == pytest.approx(
        1 / (1 + math.exp(-2))
    )
    assert activations.sigmoid(np.float32([1.0])).dtype == np.float32


def test_an_unknown_activation_is_refused_with_the_names():
    for call in (
        lambda: activations.phi(0.0, "gelu"),
        lambda: activations.torch_twin("gelu"),
        lambda: activations.scalar("gelu"),
    ):
        with pytest.raises(
            ValueError, match="activation must be one of linear, tanh, sigmoid, relu; got 'gelu'"
        ):
            call()
