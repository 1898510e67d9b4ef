"""The geometry of Jacobian products: what ∂h_t/∂h_k does to a circle of directions.

A 2-unit RNN, h_{t+1} = φ(W_hh h_t + x_{t+1} + b), so that a picture shows everything: a small
perturbation δ of h_k reaches step t as P_t δ, with P_t = ∂h_t/∂h_k = J_{t−1} ⋯ J_k the product of
the step Jacobians J_t = ∂h_{t+1}/∂h_t = diag(φ′(z_{t+1})) W_hh (rnnviz.dynamics.jacobians). P_t
maps the unit circle of directions at h_k to an ellipse: its semi-axes are the singular values
σ₁ ≥ σ₂ of P_t, along its left singular vectors. The norm the page plots elsewhere is σ₁; the
ellipse also shows σ₂/σ₁, which falls towards 0 along a product whenever the two directions grow at
different rates (Oseledets; not for a rotation or a multiple of the identity with linear units, where
it stays 1): the ellipse collapses onto a line, and whatever direction a perturbation had at h_k, it
arrives along the same one. The gradient forgets not only how big it was but where it came from.

    >>> view = product_ellipses([[1.2, -0.6], [0.6, 0.9]], "tanh", T=40)
    >>> view.sigma[-1], view.flatness[-1]   # σ₁, σ₂ of ∂h_40/∂h_0; σ₂/σ₁"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from rnnviz import activations, dynamics

MAX_T = 200  # 2 x 2 matrices with entries up to 3 have norm at most 6: products stay inside float64 (6^200 ~ 1e156)
CIRCLE_POINTS = 73  # the unit circle, closed (the first point again at the end)


@dataclass(frozen=True)
class ProductEllipses:
    """P_t = ∂h_t/∂h_k for t = k, ..., T applied to the unit circle at h_k."""

    steps: np.ndarray  # (n,) t = k, k + 1, ..., T
    products: np.ndarray  # (n, 2, 2) P_t; P_k = I
    sigma: np.ndarray  # (n, 2) singular values σ₁ ≥ σ₂ of P_t
    axes: np.ndarray  # (n, 2, 2) left singular vectors of P_t (columns): the ellipse's axes
    sources: np.ndarray  # (n, 2) the right singular vector of σ₁: the direction at h_k that grows most
    circle: np.ndarray  # (CIRCLE_POINTS, 2) the unit circle of directions at h_k
    states: np.ndarray  # (T + 1, 2) the trajectory h_0, ..., h_T

    @property
    def ellipses(self) -> np.ndarray:
        """(n, CIRCLE_POINTS, 2): the image P_t δ of every δ on the circle."""
        return np.einsum("nij,pj->npi", self.products, self.circle)

    @property
    def shapes(self) -> np.ndarray:
        """The ellipses divided by their σ₁ (0 where σ₁ is 0): their shape, whatever their size."""
        scale = np.where(self.sigma[:, :1] > 0, self.sigma[:, :1], 1.0)  # (n, 1)
        return self.ellipses / scale[:, :, None]

    def summary(self) -> str:
        """What the last step shows, in a sentence: the two singular values and, once the ellipse is
        nearly a line (σ₂/σ₁ < 0.01), the line every direction arrives along."""
        (s1, s2), T, ratio = self.sigma[-1], self.steps[-1], self.flatness[-1]
        said = (
            f"After T = {T} steps: σ₁ = {s1:.3g} (the norm of ∂h_T/∂h_{self.steps[0]}: the gain of the direction "
            f"that grows most), σ₂ = {s2:.3g}, σ₂/σ₁ = {ratio:.3g}"
        )
        if s1 == 0:
            return f"After T = {T} steps: ∂h_T/∂h_{self.steps[0]} is 0: every direction is lost, not only its size."
        if not ratio < 0.01:
            return said + ": the ellipse is not (or not yet) a line."
        (u1, u2), (v1, v2) = self.axes[-1][:, 0], self.sources[-1]
        return (
            f"{said}. Every direction at h_{self.steps[0]} arrives at h_T along nearly the same line, ({u1:.3f}, {u2:.3f}), "
            f"whatever it was: the one that grows most started as ({v1:.3f}, {v2:.3f})."
        )

    @property
    def flatness(self) -> np.ndarray:
        """σ₂/σ₁ per step: 1 for a circle, 0 for a line (nan where σ₁ is 0)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sigma[:, 1] / self.sigma[:, 0]


def product_ellipses(
    W_hh: ArrayLike,
    activation: str = "tanh",
    T: int = 40,
    k: int = 0,
    b: ArrayLike = (0.0, 0.0),
    input_scale: float = 0.5,
    seed: int = 0,
    h0: ArrayLike = (0.1, -0.1),
) -> ProductEllipses:
    """The ellipses of ∂h_t/∂h_k for t = k..T along the trajectory from h0 driven by inputs
    x_t ~ N(0, input_scale² I) drawn from `seed` (input_scale 0: no input)."""
    W_hh = np.asarray(W_hh, dtype=float)
    if W_hh.shape != (2, 2) or not np.all(np.isfinite(W_hh)):
        raise ValueError(f"W_hh must be a finite 2 x 2 matrix, got {W_hh.tolist()}")
    if not (1 <= T <= MAX_T and 0 <= k < T):
        raise ValueError(f"need 1 <= T <= {MAX_T} and 0 <= k < T, got T = {T}, k = {k}")
    if not (np.isfinite(input_scale) and input_scale >= 0):
        raise ValueError(f"input_scale must be 0 or positive, got {input_scale}")
    xs = input_scale * np.random.default_rng(seed).standard_normal((T, 2))  # (T, 2) x_1 .. x_T
    h0 = np.asarray(h0, dtype=float)
    J = dynamics.jacobians(W_hh, np.eye(2), np.asarray(b, dtype=float), xs, h0, activation)  # (T, 2, 2)
    states = [h0]
    for t in range(T):  # the trajectory, for the picture of where h_k is
        states.append(activations.phi(W_hh @ states[-1] + xs[t] + b, activation))
    products = [np.eye(2)]
    for t in range(k, T):
        products.append(J[t] @ products[-1])  # P_{t+1} = J_t P_t
    products = np.array(products)  # (n, 2, 2)
    U, sigma, Vt = np.linalg.svd(products)  # (n, 2, 2), (n, 2), (n, 2, 2)
    angles = np.linspace(0.0, 2 * np.pi, CIRCLE_POINTS)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (CIRCLE_POINTS, 2)
    return ProductEllipses(np.arange(k, T + 1), products, sigma, U, Vt[:, 0, :], circle, np.array(states))
