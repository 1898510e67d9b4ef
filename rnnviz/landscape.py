"""Loss cliffs and gradient clipping on the single-unit RNN of Pascanu, Mikolov and Bengio (2013).

The network has one unit and no input; its two parameters are the recurrent weight w and the bias b:

    x_0 = 0.5,    x_t = w sigmoid(x_{t-1}) + b    (t = 1..T),    E = (sigmoid(x_T) - 0.7)^2

Iterating the map makes E nearly flat almost everywhere, with cliffs where x_T switches between
the map's attractors: there the gradient is huge, and one unclipped step throws the parameters far
away. The gradient is computed in closed form by forward-mode differentiation (dx_t/dw and dx_t/db
carried along the recurrence), vectorised over a whole grid of (w, b); the tests check it against
torch autograd. One point (a step of gradient descent) takes the same lines in Python floats:
numpy spends about a microsecond per call on an array of one element, twenty times the arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

X0 = 0.5  # the initial state
TARGET = 0.7  # what sigmoid(x_T) should be
CLIPPINGS = ("none", "norm", "elementwise")
MAX_T = 200


def _sigmoid(a: np.ndarray, tanh=np.tanh) -> np.ndarray:
    return 0.5 * (1.0 + tanh(0.5 * a))  # the same function, with no overflow for large |a|


def loss_and_gradient(w: np.ndarray, b: np.ndarray, T: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E(w, b) and its gradient (dE/dw, dE/db) after T steps, elementwise over arrays of w and b
    (floats for a single point)."""
    if not 1 <= T <= MAX_T:
        raise ValueError(f"T must be between 1 and {MAX_T}, got {T}")
    if np.ndim(w) == 0 and np.ndim(b) == 0:  # one point: the same lines in floats (see above)
        w, b, x, dx_dw, dx_db, tanh = float(w), float(b), X0, 0.0, 0.0, math.tanh
    else:
        w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
        x = np.full(w.shape, X0)
        dx_dw = np.zeros(w.shape)  # d x_t / d w, carried forward with x_t
        dx_db = np.zeros(w.shape)
        tanh = np.tanh
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(T):
            s = _sigmoid(x, tanh)
            ds = s * (1.0 - s)  # sigmoid'(x_{t-1})
            dx_dw, dx_db = s + w * ds * dx_dw, 1.0 + w * ds * dx_db
            x = w * s + b
        s = _sigmoid(x, tanh)
        dE_dx = 2.0 * (s - TARGET) * s * (1.0 - s)  # dE / d x_T
        return (s - TARGET) ** 2, dE_dx * dx_dw, dE_dx * dx_db


@dataclass(frozen=True)
class Surface:
    """The loss and the gradient's norm over a grid; rows follow b, columns follow w."""

    w: np.ndarray  # (n_w,)
    b: np.ndarray  # (n_b,)
    loss: np.ndarray  # (n_b, n_w)
    grad_norm: np.ndarray  # (n_b, n_w)


def loss_surface(w_range: tuple[float, float], b_range: tuple[float, float], T: int = 50, n: int = 200) -> Surface:
    """E over an n x n grid of (w, b), the lecture's loss landscape with its cliffs."""
    if not (w_range[0] < w_range[1] and b_range[0] < b_range[1]):
        raise ValueError(f"each range must go from low to high; got w {w_range}, b {b_range}")
    if not 2 <= n <= 1000:
        raise ValueError(f"n must be between 2 and 1000, got {n}")
    w, b = np.linspace(*w_range, n), np.linspace(*b_range, n)
    loss, dE_dw, dE_db = loss_and_gradient(w[None, :], b[:, None], T)  # each (n, n)
    return Surface(w, b, loss, np.hypot(dE_dw, dE_db))


def clip_by_norm(g: np.ndarray, eta: float) -> np.ndarray:
    """The lecture's clipping: g <- eta g / ||g|| when ||g|| > eta; direction kept, norm capped."""
    if not eta > 0:
        raise ValueError(f"eta must be positive, got {eta}")
    norm = float(np.linalg.norm(g))
    return g * (eta / norm) if norm > eta else g


def clip_elementwise(g: np.ndarray, eta: float) -> np.ndarray:
    """Each component clipped to [-eta, eta]: the norm is capped, the direction is not kept."""
    if not eta > 0:
        raise ValueError(f"eta must be positive, got {eta}")
    return np.clip(g, -eta, eta)


@dataclass(frozen=True)
class Path:
    """Gradient descent from a start: parameters and loss at each step, gradient norm before each."""

    clipping: str
    w: np.ndarray  # (steps + 1,)
    b: np.ndarray  # (steps + 1,)
    loss: np.ndarray  # (steps + 1,)
    grad_norm: np.ndarray  # (steps,) of the raw gradient, before clipping

    def table(self) -> dict[str, np.ndarray]:
        """The path by step: w, b, loss, and the raw gradient norm before the step (NaN after the last)."""
        return {"clipping": np.full(len(self.w), self.clipping), "step": np.arange(len(self.w)), "w": self.w,
                "b": self.b, "loss": self.loss, "grad norm": np.append(self.grad_norm, np.nan)}  # fmt: skip

    def summary(self) -> str:
        longest = np.hypot(np.diff(self.w), np.diff(self.b))  # (steps,)

        k = int(np.argmax(longest)) if len(longest) else 0
        jump = f"; its longest step, {longest[k]:.3g}, came at step {k + 1}" if len(longest) else ""
        return f"{self.clipping}: final loss {self.loss[-1]:.4g} at w = {self.w[-1]:.3g}, b = {self.b[-1]:.3g}{jump}"


def descend(
    start: tuple[float, float], lr: float, steps: int, T: int = 50, clipping: str = "none", eta: float = 1.0
) -> Path:
    """Gradient descent on E from start = (w, b), optionally clipping each gradient first."""
    if clipping not in CLIPPINGS:
        raise ValueError(f"clipping must be one of {', '.join(CLIPPINGS)}, got {clipping!r}")
    if not 0 <= steps <= 10_000:
        raise ValueError(f"steps must be between 0 and 10000, got {steps}")
    clip = {"none": lambda g: g, "norm": lambda g: clip_by_norm(g, eta), "elementwise": lambda g: clip_elementwise(g, eta)}
    w, b = float(start[0]), float(start[1])  # one point a step: floats (see the opening comment)
    ws, bs, losses, norms = [w], [b], [], []
    for _ in range(steps):
        loss, dE_dw, dE_db = loss_and_gradient(w, b, T)
        if not (math.isfinite(dE_dw) and math.isfinite(dE_db)):
            break  # a NaN or infinite gradient ends the path where it is
        losses.append(loss)
        norms.append(math.hypot(dE_dw, dE_db))
        step_w, step_b = clip[clipping](np.array([dE_dw, dE_db]))
        w, b = w - lr * float(step_w), b - lr * float(step_b)
        ws.append(w)
        bs.append(b)
    losses.append(loss_and_gradient(w, b, T)[0])
    return Path(clipping, np.array(ws), np.array(bs), np.array(losses), np.array(norms))


def paths_table(paths: list[Path]) -> dict[str, np.ndarray]:
    """Several descents one below the other, as one table (for a CSV)."""
    tables = [path.table() for path in paths]
    return {name: np.concatenate([table[name] for table in tables]) for name in tables[0]}


def loss_slice(
b: float, w_range: tuple[float, float], T: int = 50, n: int = 2000) -> dict[str, np.ndarray]:
    """E and dE/dw along w at a fixed b: a cross-section through the cliff."""
    w = np.linspace(*w_range, n)
    loss, dE_dw, _ = loss_and_gradient(w, np.full(n, float(b)), T)
    return {"w": w, "loss": loss, "dE_dw": dE_dw}
