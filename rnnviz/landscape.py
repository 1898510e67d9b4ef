"""Loss cliffs and gradient clipping on the single-unit RNN of Pascanu, Mikolov and Bengio (2013).

The network has one unit and no input; its two parameters are the recurrent weight w and the bias b:

    x_0 = 0.5,    x_t = w sigmoid(x_{t-1}) + b    (t = 1..T),    E = (sigmoid(x_T) - 0.7)^2

Iterating the map makes E nearly flat almost everywhere, with cliffs where x_T switches between
the map's attractors: there the gradient is huge, and one unclipped step throws the parameters far
away. On the plateaus the gradient has vanished, and clipping (which only shortens gradients
longer than eta) leaves it as it is.

Where the cliff lies depends on the start x_0: the lecture's "the gradient will explode on some
inputs and vanish on others. In expectation, the cost may be fairly smooth". The mean of E over N
starts x_0 ~ N(0.5, 1) (`random_starts`) replaces one cliff of height about 0.3 by N steps of
about 1/N of it, at different places. The gradient is computed in closed form by forward-mode differentiation (dx_t/dw and dx_t/db
carried along the recurrence), vectorised over a whole grid of (w, b); the tests check it against
torch autograd. One point (a step of gradient descent) takes the same lines in Python floats:
numpy spends about a microsecond per call on an array of one element, twenty times the arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnviz import activations, maps

X0 = 0.5  # the initial state
TARGET = 0.7  # what sigmoid(x_T) should be
CLIPPINGS = ("none", "norm", "elementwise")
MAX_T = 200
MAX_STARTS = 16  # the most starts x_0 a loss is averaged over: a map costs N times one start's
START_SPREAD = 1.0  # random starts x_0 ~ N(X0, START_SPREAD^2)


def loss_and_gradient(
    w: np.ndarray, b: np.ndarray, T: int = 50, x0: np.ndarray | float = X0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E(w, b) and its gradient (dE/dw, dE/db) after T steps from x0, elementwise over arrays of w, b
    and x0 (floats for a single point)."""
    if not 1 <= T <= MAX_T:
        raise ValueError(f"T must be between 1 and {MAX_T}, got {T}")
    if np.ndim(w) == 0 and np.ndim(b) == 0 and np.ndim(x0) == 0:  # one point: the same lines in floats
        w, b, x, dx_dw, dx_db = float(w), float(b), float(x0), 0.0, 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(T):
                s = activations.sigmoid(x)
                ds = s * (1.0 - s)  # sigmoid'(x_{t-1})
                dx_dw, dx_db = s + w * ds * dx_dw, 1.0 + w * ds * dx_db  # d x_t / d w and d b
                x = w * s + b
    else:
        # copies, not broadcast views: numpy loops over a contiguous array twice as fast
        w, b, x = (
            np.array(a) for a in np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (w, b, x0)))
        )
        x, dx_dw, dx_db = _iterate_arrays(w, b, x, T)
    with np.errstate(over="ignore", invalid="ignore"):
        s = activations.sigmoid(x)
        dE_dx = 2.0 * (s - TARGET) * s * (1.0 - s)  # dE / d x_T
        return (s - TARGET) ** 2, dE_dx * dx_dw, dE_dx * dx_db


def _iterate_arrays(
    w: np.ndarray, b: np.ndarray, x: np.ndarray, T: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x_T, dx_T/dw and dx_T/db from x = x_0, the float lines above operation for operation (the same
    bits), in place: with small arrays (a descent's), numpy's cost is per call and per new array."""
    dx_dw, dx_db = np.zeros(x.shape), np.zeros(x.shape)  # d x_t / d w and d b, carried with x_t
    s, factor = np.empty(x.shape), np.empty(x.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(T):
            np.multiply(x, 0.5, out=s)
            np.tanh(s, out=s)
            s += 1.0
            s *= 0.5  # sigmoid(x_{t-1}), as activations.sigmoid
            np.subtract(1.0, s, out=factor)
            factor *= s
            factor *= w  # w sigmoid'(x_{t-1})
            dx_dw *= factor
            dx_dw += s
            dx_db *= factor
            dx_db += 1.0
            np.multiply(w, s, out=x)
            x += b
    return x, dx_dw, dx_db


def random_starts(n: int, seed: int = 0) -> np.ndarray:
    """The starts x_0 a loss is averaged over: the paper's 0.5 alone for n = 1, else n draws from
    N(0.5, 1) by the seed: shape (n,)."""
    if not (isinstance(n, (int, np.integer)) and 1 <= n <= MAX_STARTS):
        raise ValueError(f"the number of starts must be a whole number from 1 to {MAX_STARTS}, got {n}")
    if n == 1:
        return np.array([X0])
    return X0 + START_SPREAD * np.random.default_rng(seed).standard_normal(n)


_CHUNK = 1 << 18  # points x starts evaluated at once: a few MB per temporary array


def mean_loss_and_gradient(
    w: np.ndarray, b: np.ndarray, T: int, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mean over the starts x_0 (S,) of E and of its gradient, elementwise over w and b: the
    lecture's cost "in expectation" over the inputs (the mean's gradient is the gradient's mean)."""
    starts = np.asarray(starts, dtype=np.float64)
    if starts.ndim != 1 or len(starts) == 0 or not np.all(np.isfinite(starts)):
        raise ValueError("starts must be a non-empty sequence of finite numbers")
    if len(starts) == 1:
        return loss_and_gradient(w, b, T, float(starts[0]))
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    per_chunk = max(1, _CHUNK // max(w.size, 1))
    totals = [np.zeros(w.shape) for _ in range(3)]
    with np.errstate(invalid="ignore"):
        for first in range(0, len(starts), per_chunk):
            chunk = starts[first : first + per_chunk]  # (C,)
            values = loss_and_gradient(w[..., None], b[..., None], T, chunk)  # 3 x (*w.shape, C)
            for total, value in zip(totals, values):
                total += value.sum(axis=-1)
    E, dE_dw, dE_db = (total / len(starts) for total in totals)
    return E, dE_dw, dE_db


@dataclass(frozen=True)
class Surface:
    """The loss and the gradient's norm over a grid; rows follow b, columns follow w."""

    w: np.ndarray  # (n_w,)
    b: np.ndarray  # (n_b,)
    loss: np.ndarray  # (n_b, n_w)
    grad_norm: np.ndarray  # (n_b, n_w)
    starts: int = 1  # how many starts x_0 the loss is the mean over (1: x_0 = 0.5)


def loss_surface(
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    T: int = 50,
    n: int = 200,
    starts: np.ndarray = (X0,),
) -> Surface:
    """E over an n x n grid of (w, b), the lecture's loss landscape with its cliffs; with several
    starts x_0, the mean of E over them."""
    if not (w_range[0] < w_range[1] and b_range[0] < b_range[1]):
        raise ValueError(f"each range must go from low to high; got w {w_range}, b {b_range}")
    if not 2 <= n <= 1000:
        raise ValueError(f"n must be between 2 and 1000, got {n}")
    w, b = np.linspace(*w_range, n), np.linspace(*b_range, n)
    loss, dE_dw, dE_db = mean_loss_and_gradient(w[None, :], b[:, None], T, starts)  # each (n, n)
    return Surface(w, b, loss, np.hypot(dE_dw, dE_db), len(starts))


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
    final_grad_norm: float = math.nan  # of the gradient where the path ends (NaN if not finite)

    def table(self) -> dict[str, np.ndarray]:
        """The path by step: w, b, loss, and the raw gradient norm before the step (NaN after the last)."""
        return {
            "clipping": np.full(len(self.w), self.clipping),
            "step": np.arange(len(self.w)),
            "w": self.w,
            "b": self.b,
            "loss": self.loss,
            "grad norm": np.append(self.grad_norm, np.nan),
        }

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
    clip = {
        "none": lambda g: g,
        "norm": lambda g: clip_by_norm(g, eta),
        "elementwise": lambda g: clip_elementwise(g, eta),
    }
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
    loss, dE_dw, dE_db = loss_and_gradient(w, b, T)
    losses.append(loss)
    return Path(clipping, np.array(ws), np.array(bs), np.array(losses), np.array(norms), _norm(dE_dw, dE_db))


def _norm(dE_dw: float, dE_db: float) -> float:
    norm = math.hypot(dE_dw, dE_db)
    return norm if math.isfinite(norm) else math.nan


def descents(
    start: tuple[float, float],
    lr: float,
    steps: int,
    T: int = 50,
    eta: float = 1.0,
    starts: np.ndarray = (X0,),
) -> list[Path]:
    """The three descents of CLIPPINGS from start, on E averaged over the starts x_0 (one start:
    `descend` for each). With several, the three go together, one array (3, S) a step: numpy's
    cost is per call, so three paths in one call take the time of one."""
    starts = np.asarray(starts, dtype=np.float64)
    if len(starts) == 1 and starts[0] == X0:
        return [descend(start, lr, steps, T, clipping, eta) for clipping in CLIPPINGS]
    if not 0 <= steps <= 10_000:
        raise ValueError(f"steps must be between 0 and 10000, got {steps}")
    clip = {
        "none": lambda g: g,
        "norm": lambda g: clip_by_norm(g, eta),
        "elementwise": lambda g: clip_elementwise(g, eta),
    }
    n = len(CLIPPINGS)
    w, b = np.full(n, float(start[0])), np.full(n, float(start[1]))  # (3,) the paths' points
    ws, bs, losses, norms = (
        [[w[i]] for i in range(n)],
        [[b[i]] for i in range(n)],
        [[] for _ in range(n)],
        [[] for _ in range(n)],
    )
    going = np.ones(n, dtype=bool)  # a NaN or infinite gradient ends a path where it is
    final = np.full((n, 3), np.nan)  # each path's E, dE/dw, dE/db where it ended
    for _ in range(steps + 1):
        E, dE_dw, dE_db = mean_loss_and_gradient(w, b, T, starts)  # each (3,): the three paths at once
        for i, clipping in enumerate(CLIPPINGS):
            if not going[i]:
                continue
            finite = math.isfinite(dE_dw[i]) and math.isfinite(dE_db[i])
            if not finite or len(norms[i]) == steps:
                going[i] = False
                final[i] = E[i], dE_dw[i], dE_db[i]
                continue
            losses[i].append(float(E[i]))
            norms[i].append(math.hypot(dE_dw[i], dE_db[i]))
            step_w, step_b = clip[clipping](np.array([dE_dw[i], dE_db[i]]))
            w[i], b[i] = w[i] - lr * float(step_w), b[i] - lr * float(step_b)
            ws[i].append(float(w[i]))
            bs[i].append(float(b[i]))
        if not going.any():
            break
    return [
        Path(
            clipping,
            np.array(ws[i]),
            np.array(bs[i]),
            np.array(losses[i] + [float(final[i, 0])]),
            np.array(norms[i]),
            _norm(final[i, 1], final[i, 2]),
        )
        for i, clipping in enumerate(CLIPPINGS)
    ]


PLATEAU_NORM = 1e-3  # a gradient shorter than this where a descent ends: it has stopped on a plateau


def clipping_and_vanishing(paths: list[Path], lr: float, eta: float) -> str | None:
    """When the unclipped descent ends on a plateau (gradient below PLATEAU_NORM and no longer than
    eta), what clipping does there: nothing (the lecture: clipping solves the exploding gradient
    problem, not the vanishing one). None otherwise."""
    plain = next(path for path in paths if path.clipping == "none")
    g = plain.final_grad_norm
    if not (math.isfinite(g) and g < PLATEAU_NORM and g <= eta):
        return None
    return (
        f"Unclipped, the descent ends on a plateau at w = {plain.w[-1]:.3g}, b = {plain.b[-1]:.3g} "
        f"(loss {plain.loss[-1]:.3g}), where the gradient has vanished to a norm of {g:.2g}: a step moves "
        f"(w, b) by lr × ‖g‖ = {lr * g:.2g}. Clipping shortens only gradients longer than η = {eta:g}, so "
        "from there a clipped descent would take exactly the same steps: clipping cures exploding "
        "gradients, not vanishing ones."
    )


def paths_table(paths: list[Path]) -> dict[str, np.ndarray]:
    """Several descents one below the other, as one table (for a CSV)."""
    tables = [path.table() for path in paths]
    return {name: np.concatenate([table[name] for table in tables]) for name in tables[0]}


def loss_slice(
    b: float, w_range: tuple[float, float], T: int = 50, n: int = 2000, starts: np.ndarray = (X0,)
) -> dict[str, np.ndarray]:
    """E and dE/dw along w at a fixed b (averaged over the starts x_0): a cross-section through the cliff."""
    w = np.linspace(*w_range, n)
    loss, dE_dw, _ = mean_loss_and_gradient(w, np.full(n, float(b)), T, starts)
    return {"w": w, "loss": loss, "dE_dw": dE_dw}


@dataclass(frozen=True)
class Steepness:
    """How a slice's steepest place compares with the rest of it."""

    jump: float  # the largest |E(w_{i+1}) - E(w_i)| between neighbouring samples
    jump_w: float  # halfway between those two samples
    spacing: float  # the samples' spacing in w
    peak: float  # the largest |dE/dw| at a sample (a wall thinner than the spacing may fall between samples)
    median: float  # the median |dE/dw| over the slice

    def text(self) -> str:
        """The numbers as a sentence."""
        return (
            f"E changes by up to {self.jump:.2g} between neighbouring samples {self.spacing:.2g} apart (at w ≈ "
            f"{self.jump_w:.3f}); |dE/dw| reaches {self.peak:.3g} at a sample, against a median of "
            f"{self.median:.2g}"
        )


def steepness(cut: dict[str, np.ndarray]) -> Steepness:
    """The slice's largest jump in E between samples, its largest |dE/dw| and the median |dE/dw|."""
    with np.errstate(invalid="ignore"):
        jumps = np.abs(np.diff(cut["loss"]))  # (n - 1,)
        magnitude = np.abs(cut["dE_dw"])
    i = int(np.nanargmax(jumps)) if np.isfinite(jumps).any() else 0
    finite = magnitude[np.isfinite(magnitude)]
    return Steepness(
        jump=float(jumps[i]),
        jump_w=float((cut["w"][i] + cut["w"][i + 1]) / 2),
        spacing=float(cut["w"][1] - cut["w"][0]),
        peak=float(finite.max()) if finite.size else math.nan,
        median=float(np.median(finite)) if finite.size else math.nan,
    )


# --- the map behind the cliff ----------------------------------------------------------------------
#
# E depends on (w, b) through x_T, the T-th iterate of f(x) = w sigmoid(x) + b from x_0. For w > 0, f
# increases: every orbit climbs or falls monotonically to an attracting fixed point, and the basins
# of two attractors meet at a repelling fixed point between them. A cliff is where that boundary
# crosses x_0: on one side x_T goes to one attractor, on the other to the other. For w < 0, f
# decreases and f∘f increases: beside a repelling fixed point, orbits go to an attracting 2-cycle,
# from its two sides in opposite phases, so x_T jumps from one of the cycle's points to the other
# (at w = -6: a jump of 0.20 in E). For a fixed w the fixed points x* are where
# b = x* - w sigmoid(x*), a curve in closed form; x_0 itself is the repelling fixed point at
# b = x_0 - w sigmoid(x_0), whenever |w| sigmoid'(x_0) > 1.


@dataclass(frozen=True)
class CliffMap:
    """The map x -> w sigmoid(x) + b at one (w, b), its fixed points and their basins, the orbit from
    x_0; and, along b at this w, the curve of fixed points and the b of the cliff through x_0."""

    unit: maps.SigmoidUnit
    x0: float
    T: int
    grid: np.ndarray  # (G,) x over the map's domain
    image: np.ndarray  # (G,) f(x) on the grid
    cobweb: tuple[np.ndarray, np.ndarray]  # the cobweb from x_0, T steps (2T + 1,) each
    fixed_points: list[maps.Cycle]
    attractors: list[maps.Cycle]  # the attracting cycles (for w > 0: fixed points)
    basin: np.ndarray  # (G,) the index in attractors that each grid point's orbit goes to (-1: none)
    x0_basin: int  # the same for x_0
    branch_x: np.ndarray  # (n,) x* along the curve of fixed points at this w
    branch_b: np.ndarray  # (n,) the b at which x* is fixed: x* - w sigmoid(x*)
    branch_attracting: np.ndarray  # (n,) bool: |w sigmoid'(x*)| < 1
    cliff_b: float | None  # the b at which x_0 is a repelling fixed point (None: at this w it cannot be)

    def summary(self) -> str:
        """What the picture shows, in a sentence or two."""
        u, parts = self.unit, []
        if 0 <= self.x0_basin < len(self.attractors):
            goes = self.attractors[self.x0_basin]
            where = ", ".join(f"{p:.3g}" for p in goes.points)
            kind = "fixed point" if goes.period == 1 else f"{goes.period}-cycle"
            parts.append(
                f"From x₀ = {self.x0:g} the orbit goes to the attracting {kind} {where}"
                f"{f' (one of {len(self.attractors)})' if len(self.attractors) > 1 else ''}."
            )
        repellers = [c.points[0] for c in self.fixed_points if c.stability == "repelling"]
        if len(self.attractors) > 1 and repellers:
            parts.append(
                f"The basins meet at the repelling fixed point {', '.join(f'{r:.3g}' for r in repellers)}."
            )
        if self.cliff_b is None:
            parts.append(
                f"At w = {u.w:g} no b puts a cliff through x₀: |w| σ′(x₀) ≤ 1, so as a fixed point x₀ "
                "would not repel."
            )
        else:
            side = "below" if u.b < self.cliff_b else "above"
            phases = (
                "; w < 0: orbits either side of it reach the 2-cycle in opposite phases" if u.w < 0 else ""
            )
            parts.append(
                f"At w = {u.w:g} the cliff is at b = {self.cliff_b:.4g}, where x₀ is the repelling fixed "
                f"point (b = x₀ − w σ(x₀){phases}); b = {u.b:g} is {side} it."
            )
        return " ".join(parts)


def cliff_map(
    w: float, b: float, T: int = 50, x0: float = X0, grid_points: int = 201, settle: int = 500
) -> CliffMap:
    """Everything the loss-cliffs page draws of the map behind the cliff at (w, b)."""
    unit = maps.SigmoidUnit(float(w), float(b))
    grid = np.linspace(*unit.domain, grid_points)  # (G,)
    attractors = maps.attracting_cycles(unit, transient=settle)
    settled = maps.iterate(unit.f, np.append(grid, x0), settle)  # (G + 1,) where each orbit ends up
    basin = np.full(settled.shape, -1)
    for i, cycle in enumerate(attractors):
        near = np.min(np.abs(settled[:, None] - np.array(cycle.points)[None, :]), axis=1) < 1e-6
        basin[near] = i
    x_star = np.linspace(min(unit.domain[0], -12.0), max(unit.domain[1], 12.0), 2001)  # (n,) candidates x*
    sigma = activations.sigmoid(x_star)
    s0 = activations.sigmoid(x0)
    cliff = x0 - w * s0 if abs(w) * s0 * (1 - s0) > 1 else None  # |multiplier| > 1: x_0 repels
    return CliffMap(
        unit=unit,
        x0=float(x0),
        T=T,
        grid=grid,
        image=unit.f(grid),
        cobweb=maps.cobweb(unit.f, x0, T),
        fixed_points=maps.fixed_points(unit),
        attractors=attractors,
        basin=basin[:-1],
        x0_basin=int(basin[-1]),
        branch_x=x_star,
        branch_b=x_star - w * sigma,
        branch_attracting=np.abs(w * sigma * (1 - sigma)) < 1,
        cliff_b=None if cliff is None else float(cliff),
    )
