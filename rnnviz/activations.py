"""The activations of the lab, each once: φ, its derivative φ′, γ = sup |φ′| and torch's twin.

The lecture's recurrence is h_t = φ(z_t). Backprop through it multiplies by φ′(z_t) at every step,
and γ bounds those factors: ‖∂h_(t+1)/∂h_t‖ ≤ γ ‖W_hh‖ (Pascanu, Mikolov and Bengio 2013).

φ′ is written to keep its relative precision where the unit saturates: tanh′(20) = 1/cosh²(20) =
1.7e-17, where 1 − tanh(20)² = 1 − 1.0 = 0. relu′(0) = 0, as in torch."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

NAMES = ("linear", "tanh", "sigmoid", "relu")
GAMMA = {"linear": 1.0, "tanh": 1.0, "sigmoid": 0.25, "relu": 1.0}  # sup |φ′(z)| over z


def check(activation: str) -> None:
    """ValueError with a plain message unless `activation` is one of NAMES."""
    if activation not in NAMES:
        raise ValueError(f"activation must be one of {', '.join(NAMES)}; got {activation!r}")


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), computed as (1 + tanh(z/2)) / 2: no overflow at any z, an absolute error
    within one rounding of 1 (not a relative one far left, where σ is below 1e-13: a state, not a
    factor; φ′ is computed apart). A float gives a float (math.tanh), an array an array of its dtype."""
    if isinstance(z, float):
        return 0.5 * (1.0 + math.tanh(0.5 * z))
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))


def phi(z: np.ndarray, activation: str) -> np.ndarray:
    """φ(z), elementwise, in float64."""
    check(activation)
    z = np.asarray(z, dtype=np.float64)
    if activation == "tanh":
        return np.tanh(z)
    if activation == "sigmoid":
        return sigmoid(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    return z.copy()


def phi_prime(z: np.ndarray, activation: str) -> np.ndarray:
    """φ′(z), elementwise, in float64, with its relative precision kept where the unit saturates."""
    check(activation)
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        if activation == "tanh":
            return 1.0 / np.cosh(z) ** 2  # cosh overflows to inf beyond |z| ~ 710: 1/inf = 0
        if activation == "sigmoid":
            e = np.exp(-np.abs(z))  # σ′(z) = e^(−|z|) / (1 + e^(−|z|))², even in z
            return e / (1.0 + e) ** 2
    if activation == "relu":
        return (z > 0).astype(np.float64)
    return np.ones_like(z)


def scalar(activation: str) -> Callable[[float], float]:
    """φ on one float, without numpy's per-call cost (a loop over T steps of one unit)."""
    check(activation)
    return {"linear": lambda z: z, "tanh": math.tanh, "sigmoid": sigmoid, "relu": lambda z: max(z, 0.0)}[
        activation
    ]


def torch_twin(activation: str) -> Callable:
    """The same φ on torch tensors (autograd's reference in the tests and the checks)."""
    check(activation)
    import torch  # here, so that importing rnnviz.activations (and the analysis pages) stays light

    return {"linear": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}[
        activation
    ]
