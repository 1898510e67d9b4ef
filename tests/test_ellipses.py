"""The ellipses of Jacobian products: ∂h_t/∂h_k against torch autograd on the unrolled 2-unit RNN,
closed forms for a linear diagonal network, and the ellipse's axes against its singular values."""

import numpy as np
import pytest
import torch

from rnnviz import activations, ellipses

W = [[1.2, -0.6], [0.6, 0.9]]  # a rotation-and-stretch: complex eigenvalues of modulus about 1.2


def unrolled_jacobian(W_hh, activation, xs, h0, b, k, t):
    """∂h_t/∂h_k by autograd (float64) through h_{s+1} = φ(W h_s + x_{s+1} + b)."""
    W_hh, xs, b = (torch.tensor(np.asarray(a, dtype=float)) for a in (W_hh, xs, b))
    phi = activations.torch_twin(activation)
    h = torch.tensor(np.asarray(h0, dtype=float))
    for s in range(k):
        h = phi(W_hh @ h + xs[s] + b)

    def run(hk):
        for s in range(k, t):
            hk = phi(W_hh @ hk + xs[s] + b)
        return hk

    return torch.autograd.functional.jacobian(run, h).numpy()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_each_product_is_dh_t_dh_k_of_the_unrolled_network(activation):
    view = ellipses.product_ellipses(W, activation, T=25, k=4, b=(0.1, -0.2), input_scale=0.7, seed=3)
    xs = 0.7 * np.random.default_rng(3).standard_normal((25, 2))
    for i, t in enumerate(view.steps):
        expected = unrolled_jacobian(W, activation, xs, (0.1, -0.1), (0.1, -0.2), 4, t)
        np.testing.assert_allclose(view.products[i], expected, rtol=1e-10, atol=1e-14)


def test_the_ellipse_has_the_singular_values_as_semi_axes_along_the_left_singular_vectors():
    view = ellipses.product_ellipses(W, "tanh", T=30, input_scale=0.5, seed=1)
    for i in np.flatnonzero(view.flatness > 1e-4):  # where σ₂ is not lost in rounding against σ₁
        points = view.ellipses[i]  # (P, 2)
        along = points @ view.axes[i]  # coordinates along the two axes
        # every image point lies on the ellipse (x/σ₁)² + (y/σ₂)² = 1 ...
        np.testing.assert_allclose(
            (along[:, 0] / view.sigma[i, 0]) ** 2 + (along[:, 1] / view.sigma[i, 1]) ** 2, 1.0, rtol=1e-9
        )
        # ... and reaches its ends: the longest image is σ₁ (to the circle's resolution)
        lengths = np.linalg.norm(points, axis=1)
        assert view.sigma[i, 1] * (1 - 1e-9) <= lengths.min() and lengths.max() <= view.sigma[i, 0] * (
            1 + 1e-9
        )
        assert lengths.max() >= view.sigma[i, 0] * np.cos(np.pi / (ellipses.CIRCLE_POINTS - 1))


def test_a_linear_diagonal_network_gives_the_closed_form():
    view = ellipses.product_ellipses([[1.1, 0.0], [0.0, 0.5]], "linear", T=12, k=2)
    n = view.steps - 2  # factors of W in ∂h_t/∂h_2
    np.testing.assert_allclose(view.sigma, np.stack([1.1**n, 0.5**n], axis=1), rtol=1e-12)
    np.testing.assert_allclose(view.flatness, (0.5 / 1.1) ** n, rtol=1e-12)
    np.testing.assert_allclose(np.abs(view.sources[-1]), [1.0, 0.0])  # the first unit's direction grows


def test_a_long_tanh_product_collapses_onto_a_line():
    view = ellipses.product_ellipses(W, "tanh", T=80, input_scale=0.5)
    assert view.flatness[0] == 1.0  # P_k = I: the circle itself
    assert view.flatness[-1] < 1e-6  # ∂h_80/∂h_0 has rank one to six digits
    np.testing.assert_allclose(np.linalg.norm(view.shapes, axis=2).max(axis=1), 1.0, rtol=1e-3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(W_hh=[[1, 2, 3]]), "2 x 2"),
        (dict(W_hh=[[np.nan, 0], [0, 1]]), "finite"),
        (dict(W_hh=W, T=0), "T"),
        (dict(W_hh=W, T=10, k=10), "k"),
        (dict(W_hh=W, input_scale=-1.0), "input_scale"),
    ],
)
def test_bad_settings_are_refused_with_a_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ellipses.product_ellipses(**kwargs)


def test_the_figure_is_valid_plotly_and_its_slider_holds_every_steps_ellipse():
    import base64

    import plotly.graph_objects as go

    from rnnviz.figures import ellipses as figures

    view = ellipses.product_ellipses(W, "tanh", T=30, k=5)
    spec = figures.product_ellipses(view, start_at=12).to_dict()
    go.Figure(spec)  # plotly.py's validation of every property
    (slider,) = spec["layout"]["sliders"]
    assert [step["label"] for step in slider["steps"]] == [str(t) for t in range(5, 31)]
    assert slider["steps"][slider["active"]]["label"] == "12"
    for step, shape in zip(slider["steps"], view.shapes):
        x = step["args"][0]["x"][0]
        np.testing.assert_allclose(
            np.frombuffer(base64.b64decode(x["bdata"]), np.float32), shape[:, 0], atol=1e-6
        )


def test_the_summary_says_the_singular_values_and_the_line_only_once_it_is_one():
    long = ellipses.product_ellipses(W, "tanh", T=40)
    assert f"σ₂/σ₁ = {long.flatness[-1]:.3g}" in long.summary() and "nearly the same line" in long.summary()
    short = ellipses.product_ellipses(W, "tanh", T=1)
    assert short.flatness[-1] > 0.01 and "is not (or not yet) a line" in short.summary()
    assert (
        "is 0: every direction is lost" in ellipses.product_ellipses([[0, 0], [0, 0]], "tanh", T=5).summary()
    )
