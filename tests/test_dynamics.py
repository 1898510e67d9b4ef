"""rnnviz.dynamics against torch autograd, explicit matrix products and the lecture's numbers."""

import math

import numpy as np
import pytest
import torch

from rnnviz import activations, dynamics
from rnnviz.dynamics import Settings
from rnnviz.figures import dynamics as figures


def random_rnn(rng, H, D, T, weight_scale=1.5):
    W_hh = rng.standard_normal((H, H)) * weight_scale / np.sqrt(H)
    W_xh = rng.standard_normal((H, D))
    return W_hh, W_xh, rng.standard_normal(H) * 0.3, rng.standard_normal((T, D)), rng.standard_normal(H)


def torch_jacobians(W_hh, W_xh, b, xs, h0, activation):
    """J_t = dh_{t+1}/dh_t by torch autograd (float64), one step at a time along the trajectory."""
    W_hh, W_xh, b, xs, h = (torch.tensor(a, dtype=torch.float64) for a in (W_hh, W_xh, b, xs, h0))
    phi = activations.torch_twin(activation)
    out = []
    for x_t in xs:

        def step(h, x_t=x_t):
            return phi(W_hh @ h + W_xh @ x_t + b)

        out.append(torch.autograd.functional.jacobian(step, h))
        h = step(h)
    return torch.stack(out).numpy()


def explicit_norms(J):
    """||J[t] @ ... @ J[0]||_2 by forming each product and taking np.linalg.norm(., 2)."""
    P, norms = np.eye(J.shape[1]), []
    for J_t in J:
        P = J_t @ P
        norms.append(np.linalg.norm(P, 2))
    return np.array(norms)


# --- jacobians: the contract ------------------------------------------------------------------


@pytest.mark.parametrize("activation", dynamics.ACTIVATIONS)
@pytest.mark.parametrize("seed", range(4))
def test_jacobians_match_torch_autograd(activation, seed):
    rng = np.random.default_rng(seed)
    H, D, T = rng.integers(2, 9), rng.integers(1, 4), rng.integers(1, 12)
    args = random_rnn(rng, H, D, T)
    J = dynamics.jacobians(*args, activation)
    assert J.shape == (T, H, H) and J.dtype == np.float64
    np.testing.assert_allclose(J, torch_jacobians(*args, activation), rtol=1e-12, atol=1e-15)


def test_jacobians_are_diag_phi_prime_times_W_hh_along_the_trajectory():
    rng = np.random.default_rng(7)
    W_hh, W_xh, b, xs, h0 = random_rnn(rng, 4, 2, 5)
    J = dynamics.jacobians(W_hh, W_xh, b, xs, h0, "tanh")
    h = h0
    for t in range(5):
        z = W_hh @ h + W_xh @ xs[t] + b
        np.testing.assert_allclose(J[t], np.diag(1 - np.tanh(z) ** 2) @ W_hh, rtol=1e-12)
        h = np.tanh(z)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_jacobian_indexing_is_the_lectures_dh_t_plus_1_dh_t_equals_diag_phi_prime_z_t_plus_1_W_hh(activation):
    """The lecture's indexing, as the page and the docstrings state it: h_t = phi(z_t), z_t = W_hh h_{t-1}
    + W_xh x_t + b from h_0, the inputs x_1..x_T in xs[0]..xs[T-1]. Autograd through the whole unrolled
    sequence gives dh_t/dh_k; J[t] is dh_{t+1}/dh_t = diag(phi'(z_{t+1})) W_hh, with z_{t+1} the one
    that produces h_{t+1}, and products of the J are the Jacobians between any two states."""
    rng = np.random.default_rng(11)
    T, H = 6, 4
    W_hh, W_xh, b, xs, h0 = random_rnn(rng, H, 3, T)
    J = dynamics.jacobians(W_hh, W_xh, b, xs, h0, activation)
    phi = activations.torch_twin(activation)
    W_hh_t, W_xh_t, b_t, xs_t = (torch.tensor(a, dtype=torch.float64) for a in (W_hh, W_xh, b, xs))

    def unroll(h_k, k, t):
        """h_t from h_k: steps k+1..t, step s taking x_s = xs[s - 1]."""
        for s in range(k + 1, t + 1):
            h_k = phi(W_hh_t @ h_k + W_xh_t @ xs_t[s - 1] + b_t)  # h_s = phi(z_s)
        return h_k

    h, z = [torch.tensor(h0, dtype=torch.float64)], [None]  # h[t] = h_t, z[t] = z_t (z_0 does not exist)
    for t in range(1, T + 1):
        z.append(W_hh_t @ h[-1] + W_xh_t @ xs_t[t - 1] + b_t)
        h.append(phi(z[-1]))
    z_1_to_T = torch.stack(z[1:]).requires_grad_()
    phi_prime = torch.autograd.grad(phi(z_1_to_T).sum(), z_1_to_T)[0].numpy()  # (T, H) row t-1: phi'(z_t)
    for t in range(T):
        np.testing.assert_allclose(J[t], np.diag(phi_prime[t]) @ W_hh, rtol=1e-12)  # diag(phi'(z_{t+1})) W_hh
        if t > 0:  # the other reading, diag(phi'(z_t)) W_hh, is a different matrix
            assert not np.allclose(J[t], np.diag(phi_prime[t - 1]) @ W_hh, rtol=1e-3)
    for k in range(T):
        for t in range(k + 1, T + 1):
            autograd = torch.autograd.functional.jacobian(lambda h_k: unroll(h_k, k, t), h[k]).numpy()
            product = np.linalg.multi_dot([np.eye(H), *J[k:t][::-1]])  # J_{t-1} ... J_k
            np.testing.assert_allclose(product, autograd, rtol=1e-10, atol=1e-14)  # dh_t/dh_k


def test_the_pages_norms_are_those_of_dh_t_dh_0_by_autograd():
    """analyse's log10_norms[t] is log10 ||dh_t/dh_0|| of the page's RNN (t = 0..T), by torch autograd."""
    settings = Settings(H=5, T=12, kind="gaussian", radius=1.4, activation="tanh", input_scale=1.0, seed=3)
    W_hh, W_xh, b, xs, h0 = (torch.tensor(a, dtype=torch.float64) for a in settings.rnn())

    def h_t(h, t):
        for s in range(1, t + 1):
            h = torch.tanh(W_hh @ h + W_xh @ xs[s - 1] + b)
        return h

    norms = [
        np.linalg.norm(torch.autograd.functional.jacobian(lambda h: h_t(h, t), h0).numpy(), 2)
        for t in range(settings.T + 1)
    ]
    np.testing.assert_allclose(10 ** dynamics.analyse(settings).log10_norms, norms, rtol=1e-9)


def test_relu_jacobians_keep_their_sign_pattern_when_the_state_passes_float64():
    # h_{t+1} = relu(3 h_t + 1) from h_0 = 1: h_t ~ 3^t passes 1e308 near t = 646; relu' stays 1
    J = dynamics.jacobians([[3.0]], [[1.0]], [0.0], np.ones((1000, 1)), [1.0], "relu")
    assert np.all(J == 3.0)
    J = dynamics.jacobians([[-3.0]], [[1.0]], [0.0], np.ones((10, 1)), [1.0], "relu")
    assert J[:, 0, 0].tolist() == [0.0] + [-3.0, 0.0] * 4 + [-3.0]  # z alternates -2, 1, -2, ...


def test_jacobians_accept_a_sequence_of_scalars_and_refuse_bad_arguments():
    J = dynamics.jacobians([[0.5]], [[1.0]], [0.0], [1.0, 2.0], [0.0], "linear")
    assert J.shape == (2, 1, 1) and np.all(J == 0.5)
    good = ([[0.5]], [[1.0]], [0.0], [[1.0]], [0.0])
    with pytest.raises(ValueError, match="activation must be one of"):
        dynamics.jacobians(*good, "softplus")
    with pytest.raises(ValueError, match="W_hh must be square"):
        dynamics.jacobians(np.ones((2, 3)), *good[1:], "tanh")
    with pytest.raises(ValueError, match=r"xs must have shape \(·, 1\)"):
        dynamics.jacobians(good[0], good[1], good[2], np.ones((3, 2)), good[4], "tanh")
    with pytest.raises(ValueError, match="h0 must have shape"):
        dynamics.jacobians(*good[:4], [0.0, 0.0], "tanh")
    with pytest.raises(ValueError, match="finite"):
        dynamics.jacobians([[np.nan]], *good[1:], "tanh")


def test_phi_prime_keeps_relative_precision_when_saturated():
    assert dynamics.phi_prime(20.0, "tanh") == pytest.approx(4 * math.exp(-40), rel=1e-12)
    assert dynamics.phi_prime(-40.0, "sigmoid") == pytest.approx(math.exp(-40), rel=1e-12)
    assert dynamics.phi_prime(np.array([-1.0, 0.0, 2.0]), "relu").tolist() == [0.0, 0.0, 1.0]
    assert dynamics.phi_prime(1000.0, "tanh") == 0.0  # below float64's smallest: 0


# --- product_norms: the contract ---------------------------------------------------------------


def stacks(rng, H, T):
    """Products that make a norm estimate's life hard: degenerate, near-degenerate, rank-deficient."""
    orthogonal = [np.linalg.qr(rng.standard_normal((H, H)))[0] for _ in range(T)]
    return {
        "gaussian": rng.standard_normal((T, H, H)) / np.sqrt(H),
        "orthogonal (all singular values equal)": np.stack(orthogonal),
        "orthogonal times tanh-like diagonals": np.stack(
            [rng.uniform(0.2, 1.0, H)[:, None] * Q for Q in orthogonal]
        ),
        "diagonal, the top unit changing": np.stack([np.diag(rng.uniform(0.5, 1.5, H)) for _ in range(T)]),
        "diagonal, nearly equal": np.stack([np.diag(0.25 + 1e-6 * rng.standard_normal(H)) for _ in range(T)]),
        "permuted diagonal": np.stack(
            [np.diag(rng.uniform(0.5, 1.5, H))[rng.permutation(H)] for _ in range(T)]
        ),
        "near identity": np.eye(H) + 1e-3 * rng.standard_normal((T, H, H)),
        "relu masks": (rng.random((T, H)) < 0.6)[:, :, None] * rng.standard_normal((H, H)) * 1.5 / np.sqrt(H),
    }


@pytest.mark.parametrize("H", [1, 7, 40, 96])  # 96: the iterative path; up to 64: exact eigenvalues
def test_product_norms_match_explicit_products(H):
    rng = np.random.default_rng(H)
    T = 40 if H < 96 else 30
    for name, J in stacks(rng, H, T).items():
        norms = dynamics.product_norms(J)
        assert norms.shape == (T,), name
        np.testing.assert_allclose(norms, explicit_norms(J), rtol=1e-9, err_msg=name)


@pytest.mark.parametrize("kind", dynamics.MATRIX_KINDS)
@pytest.mark.parametrize("activation", dynamics.ACTIVATIONS)
def test_product_norms_match_explicit_products_on_the_pages_rnns(kind, activation):
    # H = 80 takes the iterative path; the input scales cover saturated and nearly linear units
    for radius, scale in ((1.0, 1.0), (2.5, 0.1), (1.0, 0.001)):
        J = dynamics.jacobians(
            *Settings(
                H=80, T=60, kind=kind, radius=radius, activation=activation, input_scale=scale, seed=3
            ).rnn(),
            activation,
        )
        np.testing.assert_allclose(dynamics.product_norms(J), explicit_norms(J), rtol=1e-9)


def test_product_norms_far_beyond_float64_are_inf_and_0_and_exact_as_logs():
    J = np.repeat((10.0 * np.eye(3))[None], 400, axis=0)  # ||J_t ... J_0|| = 10^(t+1)
    assert np.all(np.isinf(dynamics.product_norms(J)[308:]))  # 10^309 and beyond
    np.testing.assert_allclose(dynamics.log_product_norms(J), np.arange(1, 401) * math.log(10), rtol=1e-13)
    small = dynamics.product_norms(J / 100)  # 10^-(t+1): float64 ends (below its denormals) near 1e-324
    assert small[299] == pytest.approx(1e-300, rel=1e-12) and np.all(small[330:] == 0)
    np.testing.assert_allclose(
        dynamics.log_product_norms(J / 100), -np.arange(1, 401) * math.log(10), rtol=1e-13
    )


def test_product_norms_of_a_product_that_becomes_exactly_zero():
    J = np.stack([np.eye(2), np.diag([1.0, 0.0]), np.diag([0.0, 5.0]), np.eye(2)])
    norms = dynamics.product_norms(J)
    np.testing.assert_allclose(norms[:2], 1.0, rtol=1e-15)
    np.testing.assert_array_equal(norms[2:], 0.0)
    assert dynamics.product_norms(np.zeros((0, 3, 3))).shape == (0,)
    with pytest.raises(ValueError, match=r"J must have shape \(T, H, H\)"):
        dynamics.product_norms(np.ones((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        dynamics.product_norms(np.full((2, 2, 2), np.inf))


# --- the bound of Pascanu, Mikolov and Bengio ----------------------------------------------------


@pytest.mark.parametrize("activation", dynamics.ACTIVATIONS)
def test_the_bound_holds_on_random_rnns(activation):
    rng = np.random.default_rng(11)
    for _ in range(5):
        W_hh, W_xh, b, xs, h0 = random_rnn(rng, 6, 2, 15, weight_scale=rng.uniform(0.5, 3))
        J = dynamics.jacobians(W_hh, W_xh, b, xs, h0, activation)
        base = dynamics.GAMMA[activation] * np.linalg.norm(W_hh, 2)
        for k in range(0, 15, 3):
            norms = explicit_norms(J[k:])  # ||dh_t/dh_k|| for t = k+1 .. 15
            assert np.all(norms <= base ** np.arange(1, 16 - k) * (1 + 1e-12))
    # and it is reached: linear units with a symmetric W_hh
    W = rng.standard_normal((5, 5))
    W = W + W.T
    J = dynamics.jacobians(W, np.zeros((5, 1)), np.zeros(5), np.zeros((10, 1)), np.zeros(5), "linear")
    np.testing.assert_allclose(
        dynamics.product_norms(J), np.linalg.norm(W, 2) ** np.arange(1, 11), rtol=1e-10
    )


@pytest.mark.parametrize("activation", dynamics.ACTIVATIONS)
def test_the_pages_norms_and_heatmap_stay_under_the_bound(activation):
    result = dynamics.analyse(Settings(H=20, T=120, radius=2.0, activation=activation, input_scale=0.5))
    assert np.all(result.log10_norms <= result.log10_bound + 1e-9)
    g = result.grid
    cells = np.tril_indices(len(g), -1)
    bound = (g[cells[0]] - g[cells[1]]) * math.log10(result.gamma * result.sigma_max)
    heat = result.log10_heatmap[cells]
    assert np.all(heat[np.isfinite(heat)] <= bound[np.isfinite(heat)] + 1e-9)


# --- the lecture's univariate numbers ---------------------------------------------------------


def test_the_lectures_numbers_are_fifty_factors_of_w():
    exploding, vanishing = dynamics.LECTURE_CASES
    assert f"{1.1**50:.5g}" == "117.39" and f"{0.9**50:.4g}" == "0.005154"
    assert (exploding.w, exploding.printed, vanishing.w, vanishing.printed) == (1.1, "117.4", 0.9, "0.00515")
    assert f"{exploding.fifty_factors:.4g}" == exploding.printed  # 1.1^50 = 117.39
    assert f"{vanishing.fifty_factors:.3g}" == vanishing.printed  # 0.9^50 = 0.005154
    assert f"{exploding.formula_at_50:.4g}" == "106.7" and f"{vanishing.formula_at_50:.4g}" == "0.005726"
    assert exploding.note() == (
        "The lecture's exploding number 117.4 is 1.1⁵⁰ = 117.4: fifty factors of w, i.e. ∂h₅₁/∂h₁ in the "
        "formula w^(T−1) (or ∂h₅₀/∂h₀, fifty steps from h₀). The formula at the lecture's T = 50 gives "
        "1.1⁴⁹ = 106.7."
    )
    assert "0.9⁵⁰ = 0.005154" in vanishing.note() and "0.9⁴⁹ = 0.005726" in vanishing.note()


def test_univariate_linear_is_w_to_the_T_minus_1():
    at_51 = dynamics.univariate_linear(1.1, dynamics.LECTURE_T)
    assert at_51.value_text == "117.4" and at_51.T.tolist() == list(range(1, 52))
    np.testing.assert_allclose(10**at_51.log10_abs, 1.1 ** np.arange(51), rtol=1e-12)
    assert at_51.latex().endswith(r"= (1.1)^{50} = 117.4")
    assert dynamics.univariate_linear(1.1, 50).value_text == "106.7"
    assert dynamics.univariate_linear(0.9, 51).value_text == "0.005154"
    assert dynamics.univariate_linear(0.9, 50).value_text == "0.005726"
    assert (
        dynamics.univariate_linear(-2.0, 4).value_text == "-8"
        and dynamics.univariate_linear(-2.0, 5).value_text == "16"
    )
    zero = dynamics.univariate_linear(0.0, 3)
    assert zero.value_text == "0" and zero.log10_abs.tolist() == [0.0, -np.inf, -np.inf]


def test_overflow_and_underflow_are_reported_at_the_right_T():
    # 3^(T-1) > 1e308 first at T - 1 = 646 (646 log10 3 = 308.2; 645 log10 3 = 307.7)
    huge = dynamics.univariate_linear(3.0, 1000)
    assert huge.notes() == [
        "w^(T−1) exceeded 1e308 at T = 647 (float64 ends at 1.8e308); from there on it is carried as a logarithm."
    ]
    assert huge.value_text == "4.407e+476" and huge.latex().endswith(r"4.407 \times 10^{476}")
    assert 3.0**645 < 1e308 < 3.0**646
    # 0.5^(T-1) < 1e-300 first at T - 1 = 997
    tiny = dynamics.univariate_linear(0.5, 1000)
    assert 0.5**996 > 1e-300 > 0.5**997
    expected = (
        "w^(T−1) fell below 1e-300 at T = 998 (float64's smallest normal number is 2.2e-308); from there "
        "on it is carried as a logarithm."
    )
    assert tiny.notes() == [expected]
    assert "exactly 0 from T = 2" in dynamics.univariate_linear(0.0, 5).notes()[0]
    assert dynamics.univariate_linear(1.1, 50).notes() == []


def test_multivariate_overflow_and_underflow_are_reported_at_the_right_step():
    # identity W_hh, linear units: dh_t/dh_0 = r^t I exactly
    up = dynamics.analyse(Settings(H=3, T=1000, kind="identity", radius=3.0, activation="linear"))
    np.testing.assert_allclose(up.log10_norms, np.arange(1001) * math.log10(3.0), rtol=1e-12)
    assert up.notes[0].startswith("‖∂h_t/∂h₀‖ exceeded 1e308 at t = 646 (float64 ends at 1.8e308)")
    down = dynamics.analyse(Settings(H=3, T=1000, kind="identity", radius=0.5, activation="linear"))
    assert down.notes[0].startswith("‖∂h_t/∂h₀‖ fell below 1e-300 at t = 997 (")
    zero = dynamics.analyse(Settings(H=3, T=10, radius=0.0))
    assert "exactly 0 from t = 1" in zero.notes[0] and zero.rate == -math.inf
    assert zero.summary().startswith("This setting vanishes: ∂h_t/∂h₀ is exactly 0 from t = 1 on")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_univariate_nonlinear_matches_torch_autograd(activation):
    w, u, b, T = 1.3, 0.8, 0.2, 25
    result = dynamics.univariate_nonlinear(w, T, activation, u=u, b=b, inputs="random", seed=4)
    phi = activations.torch_twin(activation)
    x = torch.tensor(result.x)
    h1 = phi(torch.tensor(u * result.x[0] + b, dtype=torch.float64)).detach().requires_grad_()
    h = h1
    for t in range(1, T):
        h = phi(w * h + u * x[t] + b)
    (grad,) = torch.autograd.grad(h, h1)
    assert float(h.detach()) == pytest.approx(result.h[-1], rel=1e-12)
    value = result.sign[-1] * 10 ** result.log10_abs[-1]
    assert value == pytest.approx(float(grad), rel=1e-10, abs=1e-300)


def test_univariate_nonlinear_tanh_at_zero_is_linear_and_saturation_shrinks_it():
    still = dynamics.univariate_nonlinear(1.1, 51, "tanh", inputs="zero", b=0.0)  # h stays at 0: phi' = 1
    np.testing.assert_allclose(still.log10_abs, still.linear.log10_abs, rtol=1e-14)
    driven = dynamics.univariate_nonlinear(1.1, 51, "tanh", u=1.0, inputs="random", seed=0)
    assert driven.log10_abs[-1] < still.log10_abs[-1] - 20  # 117.4 falls below 1e-18
    assert driven.summary().startswith("At T = 51: ∂h_T/∂h₁ = ")
    assert (
        "against w^(T−1) = 117.4 for linear ones: the 50 factors φ′(z₂) ⋯ φ′(z_T) multiply to"
        in driven.summary()
    )
    off = dynamics.univariate_nonlinear(1.1, 10, "relu", u=1.0, b=-5.0)  # z < 0 always: relu off
    assert "φ′(z_2) = 0 exactly (the unit is off (z ≤ 0)), so the gradient is 0 from T = 2." in off.summary()
    sigmoid = dynamics.univariate_nonlinear(1.1, 30, "sigmoid", inputs="zero")
    assert np.all(sigmoid.dphi <= 0.25)  # gamma = 1/4: shrinks for any |w| < 4


def test_univariate_settings_out_of_range_are_refused():
    with pytest.raises(ValueError, match="T must be a whole number from 1 to 1000"):
        dynamics.univariate_linear(1.1, 0)
    with pytest.raises(ValueError, match="w must be a finite number"):
        dynamics.univariate_linear(float("nan"), 5)
    with pytest.raises(ValueError, match="inputs must be 'random' or 'zero'"):
        dynamics.univariate_nonlinear(1.1, 5, inputs="ones")
    with pytest.raises(ValueError, match="H must be a whole number from 1 to 256"):
        Settings(H=300)
    with pytest.raises(ValueError, match="kind must be one of"):
        dynamics.recurrent_matrix("banded", 4, 1.0)


# --- the multivariate experiment -----------------------------------------------------------------


@pytest.mark.parametrize("kind", dynamics.MATRIX_KINDS)
def test_recurrent_matrix_has_the_chosen_spectral_radius(kind):
    W = dynamics.recurrent_matrix(kind, 50, 1.3, seed=2)
    assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(1.3, rel=1e-10)
    if kind != "gaussian":
        np.testing.assert_allclose(W.T @ W, 1.3**2 * np.eye(50), atol=1e-12)


def test_analyse_matches_the_contract_functions_and_the_heatmap_matches_the_curve():
    settings = Settings(H=30, T=90, kind="orthogonal", radius=1.1, activation="tanh", input_scale=0.5, seed=5)
    result = dynamics.analyse(settings)
    J = dynamics.jacobians(*settings.rnn(), "tanh")
    np.testing.assert_allclose(10 ** result.log10_norms[1:], explicit_norms(J), rtol=1e-9)
    assert result.log10_norms[0] == 0.0  # dh_0/dh_0 = I
    grid = result.grid
    assert grid[0] == 0 and grid[-1] == 90 and len(grid) == dynamics.HEATMAP_POINTS
    np.testing.assert_allclose(result.log10_heatmap[:, 0], result.log10_norms[grid], atol=1e-9)
    assert np.all(np.diag(result.log10_heatmap) == 0) and np.all(
        np.isnan(result.log10_heatmap[np.triu_indices(len(grid), 1)])
    )
    i, j = 15, 4  # one cell by hand: ||J_{g_i - 1} ... J_{g_j}||
    np.testing.assert_allclose(
        10 ** result.log10_heatmap[i, j], explicit_norms(J[grid[j] : grid[i]])[-1], rtol=1e-9
    )
    P = np.linalg.multi_dot(J[::-1])  # dh_T/dh_0
    singular = np.linalg.svd(P, compute_uv=False)  # resolved: down to 1e-12 of the largest, as drawn
    assert 0 < result.resolved < 30 and singular[result.resolved - 1] >= 1e-12 * singular[0]
    shown = 10 ** result.log10_singular_values[: result.resolved]
    np.testing.assert_allclose(shown[:5], singular[:5], rtol=1e-9)
    np.testing.assert_allclose(shown, singular[: result.resolved], rtol=0, atol=1e-14 * singular[0])
    np.testing.assert_allclose(
        np.sort_complex(result.eigenvalues), np.sort_complex(np.linalg.eigvals(settings.rnn()[0]))
    )
    assert result.sigma_max == pytest.approx(np.linalg.norm(settings.rnn()[0], 2))


@pytest.mark.parametrize("radius, verdict", [(1.02, "explodes"), (1.005, "near the edge"), (0.9, "vanishes")])
def test_growth_rate_is_the_mean_log_ratio_and_names_the_regime(radius, verdict):
    result = dynamics.analyse(Settings(H=4, T=50, kind="identity", radius=radius, activation="linear"))
    assert result.rate == pytest.approx(math.log(radius), rel=1e-10)  # every ratio is the radius
    assert result.verdict == verdict
    assert f"a factor {radius:.4g} a step" in result.summary()
    assert result.resolved == 4 and result.unresolved == 0  # r^T I: all singular values equal
    np.testing.assert_allclose(result.log10_singular_values, 50 * math.log10(radius), rtol=1e-12)
    gaussian = dynamics.analyse(Settings())
    assert "at least 1, so the bound does not rule out exploding" in gaussian.summary()
    sigmoid = dynamics.analyse(Settings(activation="sigmoid", radius=1.0))
    assert sigmoid.verdict == "vanishes" and "below 1, which guarantees vanishing" in sigmoid.summary()


@pytest.mark.parametrize("activation", dynamics.ACTIVATIONS)
def test_extremes_give_numbers_not_nan(activation):
    result = dynamics.analyse(Settings(H=40, T=1000, radius=3.0, activation=activation, input_scale=3.0))
    assert not np.any(np.isnan(result.log10_norms)) and not np.any(np.isnan(result.log10_bound))
    assert result.summary() and len(figures.norms(result).data) == 2


# --- figures -------------------------------------------------------------------------------------


def test_figures_draw_log10_with_power_of_ten_ticks_and_exact_zeros_on_a_floor():
    assert figures.power_ticks(np.array([-0.2, 2.3])) == dict(
        tickvals=[-1, 0, 1, 2, 3], ticktext=["10<sup>−1</sup>", "1", "10", "10<sup>2</sup>", "10<sup>3</sup>"]
    )
    fig = figures.linear_product(dynamics.univariate_linear(3.0, 1000))
    line, marker = fig.data
    assert line.y[-1] == pytest.approx(999 * math.log10(3.0)) and marker.text == ("4.407e+476",)
    assert line.customdata[646] == f"{3.0**646:.4g}" == "1.661e+308"  # T = 647: just past 1e308
    assert line.customdata[-1] == "4.407e+476"  # far beyond float64, in the hover text
    zero = figures.linear_product(dynamics.univariate_linear(0.0, 5))
    line, marker, crosses = zero.data
    floor = zero.layout.yaxis.tickvals[0]
    assert zero.layout.yaxis.ticktext[0] == "0" and floor < 0
    assert list(line.y) == [0.0, None, None, None, floor] and marker.text == ("0",)
    assert list(crosses.x) == [2, 3, 4, 5] and set(crosses.y) == {floor}
    result = dynamics.analyse(Settings(H=3, T=10, radius=0.0))  # W_hh = 0: everything after t = 0 is 0
    norms = figures.norms(result)
    assert [trace.name for trace in norms.data][-2:] == ["bound = 0", "‖∂h_t/∂h₀‖ = 0"]
    assert "every singular value is 0" in figures.singular_values(result).layout.annotations[0].text
    heat = figures.heatmap(result).data[0]
    assert heat.z[1][0] == heat.zmin and heat.customdata[1][0] == "0 exactly"


def test_nonlinear_figure_shows_both_products_and_the_phi_prime_factors():
    result = dynamics.univariate_nonlinear(1.1, 30, "sigmoid", inputs="zero")
    linear, sigmoid, factors = figures.nonlinear_product(result).data
    np.testing.assert_allclose(linear.y, np.arange(30) * math.log10(1.1))
    np.testing.assert_allclose(sigmoid.y, result.log10_abs)
    assert list(factors.x) == list(range(2, 31))
    # sigmoid' = h (1 - h)
    np.testing.assert_allclose(factors.y, result.h[1:] * (1 - result.h[1:]), rtol=1e-12)
    assert max(factors.y) <= 0.25
