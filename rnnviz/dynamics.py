"""Exploding and vanishing gradients: the Jacobians dh_{t+1}/dh_t of an RNN, their products and norms.

The lecture's recurrence, with one hidden unit and with H of them; in both, z_t is what produces
h_t (the lecture's indexing, h_t = f(h_{t-1}, x_t)):

    h_t = phi(z_t),  z_t = w h_{t-1} + u x_t + b                univariate; h_0 = 0
    h_t = phi(z_t),  z_t = W_hh h_{t-1} + W_xh x_t + b          multivariate, h_t of shape (H,)

Backprop multiplies one Jacobian per step:

    dh_T/dh_1 = w^(T-1) phi'(z_2) ... phi'(z_T)        (= w^(T-1) for linear units)
    J_t = dh_{t+1}/dh_t = diag(phi'(z_{t+1})) W_hh
    dh_t/dh_k = J_{t-1} ... J_k,  ||dh_t/dh_k|| <= (gamma sigma_max(W_hh))^(t-k)   (Pascanu et al. 2013)

Arrays count from 0: the inputs x_1 .. x_T are xs[0] .. xs[T-1], and jacobians(...)[t] is J_t,
for t = 0 .. T-1, made of phi'(z_{t+1}).

Norms far outside float64 are results, not errors: every product is kept as (matrix of Frobenius
norm 1, natural log of its scale), and norms are reported as logs (log10 for display). The norms of
long products come from rnnviz.spectral, the text of such numbers from rnnviz.magnitudes, φ and φ′
from rnnviz.activations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from rnnviz import activations, settings, spectral
from rnnviz.magnitudes import format_log10, latex_number
from rnnviz.settings import setting
from rnnviz.activations import GAMMA, phi_prime

ACTIVATIONS = activations.NAMES
MATRIX_KINDS = ("gaussian", "orthogonal", "identity")
MAX_H = 256
MAX_T = 1000
MAX_RADIUS = 3.0
MAX_INPUT_SCALE = 3.0
OVERFLOW_LOG10 = 308.0  # float64's largest is 1.8e308
UNDERFLOW_LOG10 = -300.0  # float64's smallest normal is 2.2e-308; we say 1e-300
EDGE_RATE = 0.01  # |mean log ratio per step| below this: "near the edge" (a factor within 1% a step)
LN10 = math.log(10.0)
RESOLVED = 1e-12  # singular values of a product formed in float64 below this times the largest are noise


# --- the lecture's univariate RNN ------------------------------------------------------------------


@dataclass(frozen=True)
class LectureCase:
    """One of the lecture's two numbers, and what it is exactly."""

    name: str  # "exploding" / "vanishing"
    w: float
    printed: str  # as the lecture prints it

    @property
    def fifty_factors(self) -> float:
        """w^50: what the lecture's number is."""
        return self.w**50

    @property
    def formula_at_50(self) -> float:
        """w^(T-1) at T = 50: what the lecture's formula gives at its T."""
        return self.w**49

    def note(self) -> str:
        """What the lecture's number is exactly, and what its formula gives at its T = 50."""
        return (
            f"The lecture's {self.name} number {self.printed} is {self.w:g}⁵⁰ = {self.fifty_factors:.4g}: "
            f"fifty factors of w, i.e. ∂h₅₁/∂h₁ in the formula w^(T−1) (or ∂h₅₀/∂h₀, fifty steps "
            f"from h₀). The formula at the lecture's T = 50 gives {self.w:g}⁴⁹ = {self.formula_at_50:.4g}."
        )


LECTURE_CASES = (LectureCase("exploding", 1.1, "117.4"), LectureCase("vanishing", 0.9, "0.00515"))
LECTURE_T = 51  # T at which w^(T-1) = w^50, the lecture's numbers


def _check_univariate(w: float, T: int) -> None:
    if not (math.isfinite(w) and abs(w) <= 1e6):
        raise ValueError(f"w must be a finite number of size at most 1e6; got {w}")
    if not (isinstance(T, (int, np.integer)) and 1 <= T <= MAX_T):
        raise ValueError(f"T must be a whole number from 1 to {MAX_T}; got {T}")


def _first_step(
    log10_values: np.ndarray, first: int, above: float | None = None, below: float | None = None
) -> int | None:
    """The step (numbered from `first`) at which log10_values first exceeds `above` / falls below `below`."""
    with np.errstate(invalid="ignore"):
        hits = log10_values > above if above is not None else log10_values < below
    return int(np.argmax(hits)) + first if hits.any() else None


@dataclass(frozen=True)
class UnivariateLinear:
    """dh_T/dh_1 = w^(T-1) of the linear one-unit RNN, for T = 1 .. T_max."""

    w: float
    T: np.ndarray  # (T_max,) 1, 2, ..., T_max
    log10_abs: np.ndarray  # (T_max,) log10 |w^(T-1)|; -inf where it is exactly 0 (w = 0)
    sign: np.ndarray  # (T_max,) +1 or -1 (w < 0 alternates), 0 where exactly 0

    @property
    def value_text(self) -> str:
        """The value at the last T, signed, formatted also beyond float64."""
        return _signed(self.sign[-1], self.log10_abs[-1])

    def latex(self) -> str:
        """The chosen T's formula with its numbers, for st.latex."""
        T = int(self.T[-1])
        value = latex_number(float(self.sign[-1]), float(self.log10_abs[-1]))
        return (
            rf"\frac{{\partial h_{{{T}}}}}{{\partial h_1}} = w^{{T-1}} = ({self.w:g})^{{{T - 1}}} = {value}"
        )

    def notes(self) -> list[str]:
        """Where the value leaves float64's range, as plain sentences."""
        return _range_notes(self.log10_abs, first=1, what="w^(T−1)", index="T")


def _signed(sign: float, log10_abs: float) -> str:
    text = format_log10(log10_abs)
    return "-" + text if sign < 0 and text != "0" else text


def _range_notes(log10_values: np.ndarray, first: int, what: str, index: str) -> list[str]:
    notes = []
    over = _first_step(log10_values, first, above=OVERFLOW_LOG10)
    if over is not None:
        notes.append(
            f"{what} exceeded 1e308 at {index} = {over} (float64 ends at 1.8e308); "
            "from there on it is carried as a logarithm."
        )
    under = _first_step(log10_values, first, below=UNDERFLOW_LOG10)
    if under is not None:
        zeros = np.flatnonzero(log10_values == -np.inf)
        zero = int(zeros[0]) + first if len(zeros) else None
        exact = f" and is exactly 0 from {index} = {zero}" if zero is not None else ""
        notes.append(
            f"{what} fell below 1e-300 at {index} = {under}{exact} (float64's smallest normal "
            "number is 2.2e-308); from there on it is carried as a logarithm."
        )
    return notes


def univariate_linear(w: float, T: int) -> UnivariateLinear:
    """The lecture's dh_T/dh_1 = w^(T-1) for linear units, at every T from 1 to T."""
    _check_univariate(w, T)
    steps = np.arange(1, T + 1)
    powers = steps - 1  # (T,) the exponent T-1
    with np.errstate(divide="ignore"):
        log10_w = math.log10(abs(w)) if w != 0 else -math.inf
    with np.errstate(invalid="ignore"):  # 0 * -inf where T = 1 and w = 0: taken care of by where
        log10_abs = np.where(powers == 0, 0.0, powers * log10_w)  # w^0 = 1, also for w = 0
    sign = np.where(log10_abs == -np.inf, 0.0, np.where((w < 0) & (powers % 2 == 1), -1.0, 1.0))
    return UnivariateLinear(w=w, T=steps, log10_abs=log10_abs, sign=sign)


@dataclass(frozen=True)
class UnivariateNonlinear:
    """h_t = phi(w h_{t-1} + u x_t + b) from h_0 = 0, and dh_T/dh_1 along its trajectory."""

    w: float
    activation: str
    x: np.ndarray  # (T,) inputs x_1 .. x_T
    z: np.ndarray  # (T,) z_1 .. z_T
    h: np.ndarray  # (T,) h_1 .. h_T
    dphi: np.ndarray  # (T,) phi'(z_1) .. phi'(z_T); dh_T/dh_1 uses phi'(z_2) .. phi'(z_T)
    log10_abs: np.ndarray  # (T,) log10 |dh_T/dh_1| for T = 1 .. T; -inf where exactly 0
    sign: np.ndarray  # (T,)
    linear: UnivariateLinear  # w^(T-1), the same product without the phi' factors

    def summary(self) -> str:
        """One sentence comparing the nonlinear product with w^(T-1) at the last T."""
        T = len(self.h)
        value = _signed(self.sign[-1], self.log10_abs[-1])
        linear = self.linear.value_text
        if T == 1:
            return "At T = 1 both are ∂h₁/∂h₁ = 1: there is no step to multiply yet."
        factors_log10 = float(np.sum(np.log10(self.dphi[1:]))) if np.all(self.dphi[1:] > 0) else -math.inf
        product = format_log10(factors_log10)
        text = (
            f"At T = {T}: ∂h_T/∂h₁ = {value} with {self.activation} units, against w^(T−1) = {linear} "
            f"for linear ones: the {T - 1} factors φ′(z₂) ⋯ φ′(z_T) multiply to {product}"
        )
        if factors_log10 == -math.inf:
            zero = int(np.argmax(self.dphi[1:] == 0)) + 2
            reason = "the unit is off (z ≤ 0)" if self.activation == "relu" else "the unit is saturated"
            return text + f"; φ′(z_{zero}) = 0 exactly ({reason}), so the gradient is 0 from T = {zero}."
        mean = float(np.mean(self.dphi[1:]))
        return text + f" (their mean is {mean:.3g}; γ = {GAMMA[self.activation]:g} is the largest φ′ can be)."

    def table(self) -> dict[str, np.ndarray]:
        """By T = 1..T: the trajectory, phi'(z_T) and log10 |dh_T/dh_1| with and without the phi' factors."""
        return {
            "T": np.arange(1, len(self.h) + 1),
            "x": self.x,
            "z": self.z,
            "h": self.h,
            "phi'(z)": self.dphi,
            "log10 |dh_T/dh_1|": self.log10_abs,
            "sign": self.sign,
            "log10 |w^(T-1)|": self.linear.log10_abs,
        }

    def notes(self) -> list[str]:
        """Where the product (and, for relu, the state) leaves float64's range."""
        notes = _range_notes(self.log10_abs, first=1, what="∂h_T/∂h₁", index="T")
        if not np.all(np.isfinite(self.h)):
            step = int(np.argmin(np.isfinite(self.h))) + 1
            notes.append(
                f"The state h_t itself exceeded 1e308 at t = {step} (relu, w > 1); "
                "φ′ stays 1 there, so the product is still exact."
            )
        return notes


def univariate_nonlinear(
    w: float,
    T: int,
    activation: str = "tanh",
    u: float = 1.0,
    b: float = 0.0,
    inputs: str = "random",
    seed: int = 0,
) -> UnivariateNonlinear:
    """The lecture's dh_T/dh_1 = w^(T-1) phi'(z_2)...phi'(z_T) along h_t = phi(w h_{t-1} + u x_t + b)."""
    _check_univariate(w, T)
    activations.check(activation)
    for name, value in (("u", u), ("b", b)):
        if not (math.isfinite(value) and abs(value) <= 1e6):
            raise ValueError(f"{name} must be a finite number of size at most 1e6; got {value}")
    if inputs not in ("random", "zero"):
        raise ValueError(f"inputs must be 'random' or 'zero'; got {inputs!r}")
    x = np.random.default_rng(seed).standard_normal(T) if inputs == "random" else np.zeros(T)
    z, h = np.zeros(T), np.zeros(T)
    unit = activations.scalar(activation)
    h_prev = 0.0
    with np.errstate(over="ignore"):  # a relu state may pass 1e308: inf is the result
        for t in range(T):
            z[t] = w * h_prev + u * x[t] + b
            h[t] = h_prev = unit(float(z[t]))
    dphi = phi_prime(z, activation)  # (T,)
    with np.errstate(divide="ignore"):
        step_log10 = np.log10(np.abs(w * dphi[1:]))  # (T-1,) log10 |dh_t/dh_{t-1}|, t = 2..T
    log10_abs = np.concatenate([[0.0], np.cumsum(step_log10)])  # (T,)
    negative = np.concatenate([[0], np.cumsum(w * dphi[1:] < 0)])  # how many negative factors so far
    sign = np.where(log10_abs == -np.inf, 0.0, np.where(negative % 2 == 1, -1.0, 1.0))
    return UnivariateNonlinear(
        w=w,
        activation=activation,
        x=x,
        z=z,
        h=h,
        dphi=dphi,
        log10_abs=log10_abs,
        sign=sign,
        linear=univariate_linear(w, T),
    )


# --- Jacobians of the multivariate RNN (the contract) -----------------------------------------------


def _as_matrix(name: str, value, shape: tuple[int | None, ...]) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != len(shape) or any(s is not None and n != s for n, s in zip(array.shape, shape)):
        expected = "(" + ", ".join("·" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {expected}; got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers only")
    return array


def _check_rnn(W_hh, W_xh, b, xs, h0, activation):
    activations.check(activation)
    W_hh = _as_matrix("W_hh", W_hh, (None, None))
    H = W_hh.shape[0]
    if W_hh.shape != (H, H) or H == 0:
        raise ValueError(f"W_hh must be square (H, H) with H >= 1; got {W_hh.shape}")
    W_xh = _as_matrix("W_xh", W_xh, (H, None))
    xs = np.asarray(xs, dtype=np.float64)
    if xs.ndim == 1 and W_xh.shape[1] == 1:  # a sequence of scalars
        xs = xs[:, None]
    xs = _as_matrix("xs", xs, (None, W_xh.shape[1]))
    return W_hh, W_xh, _as_matrix("b", b, (H,)), xs, _as_matrix("h0", h0, (H,))


def _dphi_along(
    W_hh: np.ndarray, W_xh: np.ndarray, b: np.ndarray, xs: np.ndarray, h0: np.ndarray, activation: str
) -> np.ndarray:
    """phi'(z_1) .. phi'(z_T) along h_t = phi(z_t), z_t = W_hh h_{t-1} + W_xh x_t + b, xs[t] = x_{t+1}:
    shape (T, H), row t is phi'(z_{t+1}), the factor of J_t."""
    drive = xs @ W_xh.T + b  # (T, H) row t: the input's part of z_{t+1}
    T, H = drive.shape
    if activation == "linear":
        return np.ones((T, H))  # phi' = 1 whatever the state, even one beyond float64
    h = h0.copy()  # (H,)
    if activation in ("tanh", "sigmoid"):  # the state stays in [-1, 1]: no overflow
        z = np.empty((T, H))
        unit = np.tanh if activation == "tanh" else activations.sigmoid
        for t in range(T):
            z[t] = W_hh @ h + drive[t]  # (H,) z_{t+1}, from h = h_t
            h = unit(z[t])
        return phi_prime(z, activation)
    dphi = np.empty((T, H))
    # relu: h = s * u with the scale s >= 1 kept apart, so that a state beyond float64 keeps its
    # sign pattern (all that relu' needs); s stays 1, and the arithmetic plain, until |h| > 1e100.
    log_s = 0.0
    for t in range(T):
        z = W_hh @ h + (drive[t] if log_s == 0.0 else drive[t] * math.exp(-log_s))  # z_{t+1} / s
        dphi[t] = z > 0
        h = np.maximum(z, 0.0)
        top = float(np.max(h))
        if top > 1e100:
            h /= top
            log_s += math.log(top)
    return dphi


def jacobians(
    W_hh: ArrayLike, W_xh: ArrayLike, b: ArrayLike, xs: ArrayLike, h0: ArrayLike, activation: str
) -> np.ndarray:
    """J_t = dh_{t+1}/dh_t = diag(phi'(z_{t+1})) W_hh for t = 0..T-1, where h_{t+1} = phi(z_{t+1}),
    z_{t+1} = W_hh h_t + W_xh x_{t+1} + b and xs[t] = x_{t+1}, from h0: shape (T, H, H)."""
    W_hh, W_xh, b, xs, h0 = _check_rnn(W_hh, W_xh, b, xs, h0, activation)
    dphi = _dphi_along(W_hh, W_xh, b, xs, h0, activation)  # (T, H) row t: phi'(z_{t+1})
    return dphi[:, :, None] * W_hh[None, :, :]  # (T, H, H): row i of W_hh times phi'(z_{t+1})_i


# --- spectral norms of long products (the engine: rnnviz.spectral) ------------------------------


def log_product_norms(J: ArrayLike) -> np.ndarray:
    """ln of the spectral norm of J[t] @ ... @ J[0] for each t, also far beyond float64: shape (T,)."""
    J = np.asarray(J, dtype=np.float64)
    if J.ndim != 3 or J.shape[1] != J.shape[2] or J.shape[1] == 0:
        raise ValueError(f"J must have shape (T, H, H) with H >= 1; got {J.shape}")
    if not np.all(np.isfinite(J)):
        raise ValueError("J must hold finite numbers only")
    T, H, _ = J.shape
    if T == 0:
        return np.zeros(0)
    return spectral.chain_log_norms(lambda t, P: J[t] @ P, T, H)[0]


def product_norms(J: ArrayLike) -> np.ndarray:
    """Spectral norm of J[t] @ J[t-1] @ ... @ J[0], i.e. of dh_{t+1}/dh_0, for each t: shape (T,)."""
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(log_product_norms(J))  # inf / 0 where the norm leaves float64; see log_product_norms


# --- the multivariate experiment of the page ---------------------------------------------------------


def _check_matrix(kind: str, H: int, radius: float, seed: int) -> None:
    if kind not in MATRIX_KINDS:
        raise ValueError(f"kind must be one of {', '.join(MATRIX_KINDS)}; got {kind!r}")
    if not (isinstance(H, (int, np.integer)) and 1 <= H <= MAX_H):
        raise ValueError(f"H must be a whole number from 1 to {MAX_H}; got {H}")
    if not (math.isfinite(radius) and 0 <= radius <= MAX_RADIUS):
        raise ValueError(f"radius must be from 0 to {MAX_RADIUS:g}; got {radius}")
    if not (isinstance(seed, (int, np.integer)) and seed >= 0):
        raise ValueError(f"seed must be a whole number >= 0; got {seed}")


def recurrent_matrix(kind: str, H: int, radius: float, seed: int = 0) -> np.ndarray:
    """W_hh (H, H): Gaussian rescaled to spectral radius `radius`, or radius times orthogonal or identity."""
    _check_matrix(kind, H, radius, seed)
    if kind == "identity":
        return radius * np.eye(H)
    G = np.random.default_rng(seed).standard_normal((H, H))  # (H, H)
    if kind == "orthogonal":
        Q, R = np.linalg.qr(G)
        return radius * Q * np.sign(np.diag(R))  # Haar-distributed orthogonal
    return radius * G / np.max(np.abs(np.linalg.eigvals(G)))


@dataclass(frozen=True)
class Settings:
    """The multivariate experiment: a random RNN, its inputs, and how long to run it."""

    H: int = setting(64, "H (hidden units)", 1, MAX_H, 1)
    T: int = setting(200, "T (time steps)", 1, MAX_T, 1)
    kind: str = setting(
        "gaussian",
        "W_hh",
        options=MATRIX_KINDS,
        help="gaussian: random, rescaled to the spectral radius; orthogonal or identity: times the radius",
    )
    radius: float = setting(1.0, "Spectral radius of W_hh", 0.0, MAX_RADIUS, 0.05)
    activation: str = setting("tanh", "Activation φ", options=ACTIVATIONS)
    # W_xh = input_scale * I and x_t ~ N(0, I): each unit's drive has this std
    input_scale: float = setting(
        0.1,
        "Input scale",
        0.0,
        MAX_INPUT_SCALE,
        0.1,
        help="W_xh = scale × I and x_t ~ N(0, I): each unit gets an input of this standard deviation",
    )
    seed: int = setting(0, "Seed", 0, 9999, 1)

    def __post_init__(self):
        settings.check(self)  # the page's controls: H, T, kind, radius, activation, input_scale, seed

    def rnn(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """W_hh (H, H), W_xh (H, H), b (H,), xs (T, H) (xs[t] = x_{t+1}), h0 (H,) of this experiment;
        h0 = 0, b = 0."""
        W_hh = recurrent_matrix(self.kind, self.H, self.radius, self.seed)
        xs = np.random.default_rng([self.seed, 1]).standard_normal((self.T, self.H))  # (T, H)
        return W_hh, self.input_scale * np.eye(self.H), np.zeros(self.H), xs, np.zeros(self.H)


@dataclass(frozen=True)
class Dynamics:
    """Everything the page shows about one multivariate setting."""

    settings: Settings
    log10_norms: np.ndarray  # (T+1,) log10 ||dh_t/dh_0|| for t = 0..T (t = 0: the identity, 0)
    log10_bound: np.ndarray  # (T+1,) log10 (gamma sigma_max)^t
    sigma_max: float  # largest singular value of W_hh
    gamma: float
    eigenvalues: np.ndarray  # (H,) complex, of W_hh
    log10_singular_values: np.ndarray  # (H,) of dh_T/dh_0, largest first; -inf: exactly 0
    resolved: int  # how many of them float64 resolves (>= RESOLVED times the largest)
    grid: np.ndarray  # (n,) the steps of the heatmap grid, 0..T
    log10_heatmap: np.ndarray  # (n, n) [i, j] = log10 ||dh_{grid i}/dh_{grid j}||; NaN for j > i
    rate: float  # mean over t of ln(||dh_t/dh_0|| / ||dh_{t-1}/dh_0||), per step
    notes: list[str] = field(default_factory=list)

    def table(self) -> dict[str, np.ndarray]:
        """By t = 0..T: log10 ||dh_t/dh_0|| and log10 of the bound (gamma sigma_max)^t (for a CSV)."""
        return {
            "t": np.arange(len(self.log10_norms)),
            "log10 ||dh_t/dh_0||": self.log10_norms,
            "log10 bound": self.log10_bound,
        }

    @property
    def unresolved(self) -> int:
        """How many singular values of dh_T/dh_0 are below float64's rounding of the product."""
        return len(self.log10_singular_values) - self.resolved

    @property
    def verdict(self) -> str:
        """'explodes', 'vanishes' or 'near the edge', from the measured rate."""
        if self.rate > EDGE_RATE:
            return "explodes"
        if self.rate < -EDGE_RATE:
            return "vanishes"
        return "near the edge"

    def summary(self) -> str:
        """Two sentences from the numbers: the measured growth rate and what the bound says."""
        s = self.settings
        final = format_log10(float(self.log10_norms[-1]), 3)
        if self.rate == -math.inf:
            zero = int(np.argmax(self.log10_norms == -np.inf))
            first = (
                f"This setting vanishes: ∂h_t/∂h₀ is exactly 0 from t = {zero} on (φ′ factors that are "
                "exactly 0, of relu units switched off or of saturated units whose φ′ underflows, leave no "
                "path back to h₀; or W_hh = 0)."
            )
        else:
            factor = math.exp(self.rate)
            change = "grows" if self.rate >= 0 else "shrinks"
            verdict = {
                "explodes": "this setting explodes",
                "vanishes": "this setting vanishes",
                "near the edge": f"this setting sits near the edge (|rate| < {EDGE_RATE:g} per step)",
            }
            first = (
                f"Measured growth rate: {self.rate:+.4f} per step (the mean over t of ln(‖∂h_t/∂h₀‖ / "
                f"‖∂h_(t−1)/∂h₀‖)), a factor {factor:.4g} a step; over {s.T} step{'s' if s.T > 1 else ''} the norm "
                f"{change} to {final}: {verdict[self.verdict]}."
            )
        product = self.gamma * self.sigma_max
        if product < 1:
            second = (
                f"The bound's base γ·σ_max(W_hh) = {self.gamma:g} × {self.sigma_max:.3g} = {product:.3g} "
                "is below 1, which guarantees vanishing."
            )
        else:
            second = (
                f"The bound's base γ·σ_max(W_hh) = {self.gamma:g} × {self.sigma_max:.3g} = {product:.3g} "
                "is at least 1, so the bound does not rule out exploding (γ σ_max < 1 is sufficient for "
                "vanishing, not necessary)."
            )
        return first + " " + second


HEATMAP_POINTS = 21  # grid points in t and in k: at most 21 x 21 cells (each one a product and its norm)


def heatmap_grid(T: int, points: int = HEATMAP_POINTS) -> np.ndarray:
    """The steps 0..T at which the t x k heatmap is computed: evenly spaced, both ends included."""
    return np.unique(np.round(np.linspace(0, T, min(points, T + 1))).astype(int))


def _heatmap(W_hh: np.ndarray, dphi: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """log10 ||dh_{g_i}/dh_{g_j}|| for grid points g (n,), j <= i; NaN above the diagonal: (n, n)."""
    n, H = len(grid), W_hh.shape[0]
    out = np.full((n, n), np.nan)
    np.fill_diagonal(out, 0.0)  # dh_t/dh_t = I
    chains = np.empty((0, H, H))  # chains[j] = dh_{grid i}/dh_{grid j} for the current i, rescaled
    log_scale = np.zeros(0)
    tracker = spectral.NormTracker(H, seed=1)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for i in range(1, n):
            segment = np.eye(H)  # (H, H) dh_{grid i}/dh_{grid i-1}, rescaled
            segment_log = 0.0
            for t in range(grid[i - 1], grid[i]):
                segment = dphi[t][:, None] * (W_hh @ segment)  # J_t @ segment
                frobenius = math.sqrt(float(np.vdot(segment, segment)))
                if frobenius == 0.0:  # exactly 0 (and so is every chain through it)
                    segment_log = -math.inf
                    break
                segment *= 1.0 / frobenius
                segment_log += math.log(frobenius)
                if t % 8 == 0:
                    spectral.flush_tiny(segment)
            segment = segment[None]  # (1, H, H)
            chains = np.concatenate([segment @ chains, segment])  # (i, H, H): a new chain starts at i-1
            log_scale = np.concatenate([log_scale + segment_log, [segment_log]])  # (i,)
            spectral.rescale(chains, log_scale)
            out[i, :i] = (log_scale + 0.5 * np.log(tracker.sigma2(chains))) / LN10
    return out


def analyse(settings: Settings) -> Dynamics:
    """||dh_t/dh_0|| for every t with the Pascanu bound, sigma_i(dh_T/dh_0), eig(W_hh), ||dh_t/dh_k|| on a grid."""
    s = settings
    W_hh, W_xh, b, xs, h0 = s.rnn()
    dphi = _dphi_along(W_hh, W_xh, b, xs, h0, s.activation)  # (T, H) row t: phi'(z_{t+1})

    def step(t: int, P: np.ndarray) -> np.ndarray:
        """J_t @ P = diag(phi'(z_{t+1})) W_hh P, without forming J_t."""
        return dphi[t][:, None] * (W_hh @ P)

    log_norms, last, last_log = spectral.chain_log_norms(step, s.T, s.H)  # ln ||dh_{t+1}/dh_0||, t = 0..T-1
    grid = heatmap_grid(s.T)
    log10_heatmap = _heatmap(W_hh, dphi, grid)
    log10_norms = np.concatenate([[0.0], log_norms / LN10])  # (T+1,)
    sigma_max = float(np.linalg.norm(W_hh, 2))
    gamma = GAMMA[s.activation]
    with np.errstate(divide="ignore", invalid="ignore"):  # W_hh = 0: the bound is 0 from t = 1
        log10_base = math.log10(gamma * sigma_max) if gamma * sigma_max > 0 else -math.inf
        log10_bound = np.where(np.arange(s.T + 1) == 0, 0.0, np.arange(s.T + 1) * log10_base)
        singular = np.linalg.svd(last, compute_uv=False)  # (H,) of the rescaled dh_T/dh_0
        log10_singular = np.log10(singular) + last_log / LN10 if last_log > -np.inf else np.full(s.H, -np.inf)
    resolved = int(np.sum(singular >= RESOLVED * singular[0])) if singular[0] > 0 else 0
    eigenvalues = np.linalg.eigvals(W_hh)
    with np.errstate(invalid="ignore"):
        ratios = np.diff(log_norms, prepend=0.0)  # ln of ||dh_t/dh_0|| / ||dh_{t-1}/dh_0||, t = 1..T
    rate = float(np.mean(ratios)) if np.all(np.isfinite(log_norms)) else -math.inf
    notes = _range_notes(log10_norms, first=0, what="‖∂h_t/∂h₀‖", index="t")
    return Dynamics(
        settings=s,
        log10_norms=log10_norms,
        log10_bound=log10_bound,
        sigma_max=sigma_max,
        gamma=gamma,
        eigenvalues=eigenvalues,
        log10_singular_values=log10_singular,
        resolved=resolved,
        grid=grid,
        log10_heatmap=log10_heatmap,
        rate=rate,
        notes=notes,
    )
