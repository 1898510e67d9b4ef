"""Iterated maps, the lecture's "iterated functions": the logistic map f(x) = r x (1 - x) and one
tanh unit h <- tanh(w h + b), which is an RNN with no input.

    x_{t+1} = f(x_t),    f∘k = f ∘ f ∘ ... ∘ f (k times)
    (f∘k)'(x_0) = f'(x_{k-1}) ... f'(x_1) f'(x_0)         the chain rule along the orbit
    lambda = lim_{n -> inf} (1/n) sum_t log|f'(x_t)|       the Lyapunov exponent

The derivative of f∘k is the gradient dx_k/dx_0 that backprop through time carries back k steps:
it grows or shrinks like e^(lambda k). A cycle x_0 -> x_1 -> ... -> x_{p-1} -> x_0 (p = 1: a
fixed point) attracts nearby orbits when its multiplier prod_j f'(x_j) has |multiplier| < 1.
Overflow and NaN are results, not errors: everything runs under np.errstate."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from rnnviz import activations

ArrayFn = Callable[[np.ndarray], np.ndarray]

R_RANGE = (0.0, 4.0)  # the logistic map sends [0, 1] into itself exactly for these r
MAX_K = 100  # the page's largest k
FLOOR_LOG10 = -300.0  # a gradient below 1e-300 is said to have vanished (0 included)
CEILING_LOG10 = 300.0  # and one above 1e300 as exploded
PANELS = (1, 2, 3, 6)  # the lecture's f, f∘f, f∘3, f∘6
NEUTRAL_TOLERANCE = 1e-12  # |multiplier| within this of 1 is neutral: neither attracts nor repels


# --- the two maps ----------------------------------------------------------------------------------


def _numbers(x: np.ndarray | float) -> np.ndarray | float:
    """A float stays a float (one orbit steps in Python floats, see lyapunov); anything else an array."""
    return x if isinstance(x, float) else np.asarray(x, dtype=np.float64)


def logistic(x: np.ndarray | float, r: np.ndarray | float = 3.5) -> np.ndarray:
    """The lecture's iterated function f(x) = r x (1 - x) (r = 3.5 on the slide)."""
    x = _numbers(x)
    return r * x * (1.0 - x)


def logistic_prime(x: np.ndarray | float, r: np.ndarray | float = 3.5) -> np.ndarray:
    """f'(x) = r (1 - 2x), the logistic map's derivative: one factor of the chain rule."""
    return r * (1.0 - 2.0 * _numbers(x))


def tanh_unit(h: np.ndarray | float, w: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """One tanh unit with no input, h_{t+1} = tanh(w h_t + b): the lecture's RNN as an iterated map."""
    a = w * _numbers(h) + b
    return math.tanh(a) if isinstance(a, float) else np.tanh(a)


def tanh_unit_prime(h: np.ndarray | float, w: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """dh_{t+1}/dh_t = w (1 - h_{t+1}^2), the lecture's Jacobian for a single hidden unit."""
    return w * (1.0 - tanh_unit(h, w, b) ** 2)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")


@dataclass(frozen=True)
class LogisticMap:
    """f(x) = r x (1 - x) on [0, 1]."""

    r: float = 3.5
    variable: ClassVar[str] = "x"
    domain: ClassVar[tuple[float, float]] = (0.0, 1.0)
    # 0.5: the critical point any attracting cycle draws in
    starts: ClassVar[tuple[float, ...]] = (
        0.5,
        0.3,
        0.7,
    )

    def __post_init__(self) -> None:
        _check_range("r", self.r, *R_RANGE)

    def f(self, x: np.ndarray) -> np.ndarray:
        """f(x) = r x (1 - x)."""
        return logistic(x, self.r)

    def f_prime(self, x: np.ndarray) -> np.ndarray:
        """f'(x) = r (1 - 2x)."""
        return logistic_prime(x, self.r)

    @property
    def formula(self) -> str:
        """The map with its parameter, as plain text."""
        return f"f(x) = {self.r:g} x (1 − x)"


@dataclass(frozen=True)
class TanhUnit:
    """f(h) = tanh(w h + b) on [-1, 1]: one recurrent tanh unit with no input."""

    w: float = 2.0
    b: float = 0.0
    variable: ClassVar[str] = "h"
    domain: ClassVar[tuple[float, float]] = (-1.0, 1.0)
    starts: ClassVar[tuple[float, ...]] = (-0.999, -0.5, -0.05, 0.05, 0.5, 0.999)  # in every basin

    def __post_init__(self) -> None:
        _check_range("w", self.w, -100.0, 100.0)
        _check_range("b", self.b, -100.0, 100.0)

    def f(self, h: np.ndarray) -> np.ndarray:
        """f(h) = tanh(w h + b)."""
        return tanh_unit(h, self.w, self.b)

    def f_prime(self, h: np.ndarray) -> np.ndarray:
        """f'(h) = w (1 - tanh(w h + b)^2)."""
        return tanh_unit_prime(h, self.w, self.b)

    @property
    def formula(self) -> str:
        """The map with its parameters, as plain text."""
        return f"f(h) = tanh({self.w:g} h {'+' if self.b >= 0 else '−'} {abs(self.b):g})"


@dataclass(frozen=True)
class SigmoidUnit:
    """f(x) = w sigmoid(x) + b: the map of the loss-cliffs page's one-unit RNN (Pascanu et al. 2013),
    iterated from x_0. It sends every x into the open interval between b and b + w; the domain is
    that interval with room for the starts the page uses, x_0 = 0.5 in particular."""

    w: float = 5.0
    b: float = -2.5
    variable: ClassVar[str] = "x"

    def __post_init__(self) -> None:
        _check_range("w", self.w, -100.0, 100.0)
        _check_range("b", self.b, -100.0, 100.0)

    @property
    def domain(self) -> tuple[float, float]:
        low, high = min(self.b, self.b + self.w, -1.0), max(self.b, self.b + self.w, 2.0)
        return low - 0.5, high + 0.5

    @property
    def starts(self) -> tuple[float, ...]:
        """The domain's ends and a point either side of each fixed point: one in every basin. (For
        w > 0, f increases and each basin is an interval between fixed points; for w < 0 it decreases,
        has one fixed point, and orbits from beside it or from the ends find its attracting 2-cycle.)"""
        low, high = self.domain
        near = [p + d for c in fixed_points(self) for p in c.points for d in (-1e-3, 1e-3)]
        return (low, *near, high)

    def f(self, x: np.ndarray) -> np.ndarray:
        """f(x) = w sigmoid(x) + b."""
        return self.w * activations.sigmoid(x) + self.b

    def f_prime(self, x: np.ndarray) -> np.ndarray:
        """f'(x) = w sigmoid(x) (1 - sigmoid(x))."""
        s = activations.sigmoid(x)
        return self.w * s * (1.0 - s)

    @property
    def formula(self) -> str:
        return f"f(x) = {self.w:g} σ(x) {'+' if self.b >= 0 else '−'} {abs(self.b):g}"


Map = LogisticMap | TanhUnit | SigmoidUnit


# --- iterates and their derivatives ----------------------------------------------------------------


def _steps(k: int) -> int:
    k = operator.index(k)
    if k < 0:
        raise ValueError(f"k, the number of iterations, must be 0 or more, got {k}")
    return k


def iterate(f: ArrayFn, x: np.ndarray | float, k: int) -> np.ndarray:
    """f∘k(x), f applied k times, elementwise over x (the lecture's f∘k); k = 0 gives x."""
    k = _steps(k)
    if isinstance(x, float):  # one point: in floats (see lyapunov)
        for _ in range(k):
            x = f(x)
        return np.float64(x)
    x = np.array(x, dtype=np.float64)  # a copy: k = 0 hands back x's values, not x itself
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(k):
            x = np.asarray(f(x), dtype=np.float64)
    return x


def orbit(f: ArrayFn, x0: np.ndarray | float, k: int) -> np.ndarray:
    """The orbit x_0, x_1 = f(x_0), ..., x_k; shape (k + 1, *x0.shape)."""
    k = _steps(k)
    x = np.asarray(x0, dtype=np.float64)
    xs = np.empty((k + 1, *x.shape))  # (k + 1, *x0.shape)
    xs[0] = x
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(k):
            xs[t + 1] = f(xs[t])
    return xs


def derivative(f: ArrayFn, f_prime: ArrayFn, x: np.ndarray | float, k: int) -> np.ndarray:
    """d f∘k/dx = f'(x_{k-1}) ... f'(x_0), the chain rule along the orbit; may underflow to 0 or overflow."""
    xs = orbit(f, x, k)  # (k + 1, *x.shape)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.prod(f_prime(xs[:-1]), axis=0)  # k = 0: an empty product, 1


def log10_gains(
    f: ArrayFn, f_prime: ArrayFn, x0: np.ndarray | float, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The orbit and log10|dx_t/dx_0| for t = 0..k, both (k + 1, *x0.shape).

    The chain rule summed in log space never under- or overflows; it is -inf from the first step
    whose factor f'(x_t) is exactly 0."""
    xs = orbit(f, x0, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.log10(np.abs(f_prime(xs[:-1])))  # (k, *x0.shape)
    gains = np.concatenate([np.zeros((1, *xs.shape[1:])), np.cumsum(factors, axis=0)])
    return xs, gains


def cobweb(f: ArrayFn, x0: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The cobweb's corners from (x_0, x_0): up or down to the graph (x_t, x_{t+1}), across to the
    diagonal (x_{t+1}, x_{t+1}); two arrays (2k + 1,)."""
    xs = orbit(f, float(x0), k)  # (k + 1,)
    corner_x = np.repeat(xs, 2)[:-1]  # x0 x0 x1 x1 ... xk
    corner_y = np.repeat(xs, 2)[1:]  # x0 x1 x1 x2 ... xk
    return corner_x, corner_y


def first_step_beyond(log10_gain: np.ndarray) -> tuple[str, int] | None:
    """("vanished", t) or ("exploded", t): the first step t at which |dx_t/dx_0| left [1e-300, 1e300]."""
    for kind, beyond in (("vanished", log10_gain < FLOOR_LOG10), ("exploded", log10_gain > CEILING_LOG10)):
        if beyond.any():
            return kind, int(np.argmax(beyond))
    return None


# --- fixed points and cycles -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    """A periodic orbit x_0 -> ... -> x_{p-1} -> x_0 (p = 1: a fixed point) and its multiplier."""

    points: tuple[float, ...]  # in orbit order, starting from the smallest
    multiplier: float  # (f∘p)'(x_0) = f'(x_0) f'(x_1) ... f'(x_{p-1}), the same from every point

    @property
    def period(self) -> int:
        """p, the number of distinct points."""
        return len(self.points)

    @property
    def stability(self) -> str:
        """'attracting' when |multiplier| < 1, 'repelling' when > 1, else 'neutral'."""
        size = abs(self.multiplier)
        if abs(size - 1.0) <= NEUTRAL_TOLERANCE:
            return "neutral"
        return "attracting" if size < 1.0 else "repelling"


def _cycle(m: Map, points: np.ndarray) -> Cycle:
    start = int(np.argmin(points))
    points = np.roll(points, -start)
    with np.errstate(over="ignore", under="ignore"):
        multiplier = float(np.prod(m.f_prime(points)))
    return Cycle(tuple(float(p) for p in points), multiplier)


def _roots(g: ArrayFn, low: float, high: float, n: int = 4001, bisections: int = 60) -> np.ndarray:
    """Every zero of g on [low, high] where g changes sign between grid points or is 0 on one."""
    x = np.linspace(low, high, n)  # (n,)
    y = g(x)
    exact = x[y == 0.0]
    i = np.flatnonzero(np.sign(y[:-1]) * np.sign(y[1:]) < 0)  # a sign change inside (x_i, x_i+1)
    a, b, g_a = x[i], x[i + 1], y[i]
    for _ in range(bisections):  # 60 halvings take 5e-4 to below one float step
        mid = (a + b) / 2
        same = np.sign(g(mid)) == np.sign(g_a)
        a, b = np.where(same, mid, a), np.where(same, b, mid)
    return np.sort(np.concatenate([exact, (a + b) / 2]))


def fixed_points(m: Map) -> list[Cycle]:
    """Every x* = f(x*) in the map's domain with its multiplier f'(x*), left to right.

    Logistic: 0 (multiplier r) and 1 - 1/r for r >= 1 (multiplier 2 - r). Tanh unit: the roots of
    tanh(w h + b) - h, found numerically (one, or three when w > 1 and |b| is small)."""
    if isinstance(m, LogisticMap):
        xs = [0.0] + ([1.0 - 1.0 / m.r] if m.r > 1.0 else [])
    else:
        with np.errstate(over="ignore"):
            xs = list(_roots(lambda h: m.f(h) - h, *m.domain))
    return [_cycle(m, np.array([x])) for x in xs]


def attracting_cycles(m: Map, transient: int = 2000, max_period: int = 32, tol: float = 1e-9) -> list[Cycle]:
    """The attracting cycles (period up to max_period) that the orbits from m.starts settle on.

    Orbits that have not settled to within tol after `transient` steps (chaos, or a multiplier
    near ±1 and so a slow approach) give none."""
    settled = np.array([iterate(m.f, start, transient) for start in m.starts])  # (S,), each in floats
    tail = orbit(m.f, settled, 2 * max_period)  # (2P + 1, S)
    found: list[Cycle] = []
    for s in range(tail.shape[1]):
        path = tail[:, s]
        if not np.isfinite(path).all():
            continue
        for p in range(1, max_period + 1):
            if np.max(np.abs(path[p : p + max_period] - path[:max_period])) < tol:
                cycle = _cycle(m, path[:p])
                same = any(c.period == p and np.allclose(c.points, cycle.points, atol=1e-6) for c in found)
                if cycle.stability == "attracting" and not same:
                    found.append(cycle)
                break
    return sorted(found, key=lambda c: (c.period, c.points))


def lyapunov(
    f: ArrayFn, f_prime: ArrayFn, x0: np.ndarray | float, transient: int = 1000, iterations: int = 5000
) -> np.ndarray:
    """(1/n) sum_t log|f'(x_t)| over n = iterations steps after a transient, elementwise over x0:
    the per-step growth rate of the gradient along the orbit (-inf if it meets f' = 0)."""
    if isinstance(x0, float):  # one orbit (the page's): in floats, twenty times faster a step than 0-d arrays
        x, total = x0, 0.0
        for _ in range(_steps(transient)):
            x = f(x)
        for _ in range(_steps(iterations)):
            factor = abs(f_prime(x))
            total += math.log(factor) if factor != 0 else -math.inf
            x = f(x)
        return np.float64(total / max(iterations, 1))
    x = iterate(f, x0, transient)
    total = np.zeros_like(x)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for _ in range(_steps(iterations)):
            total += np.log(np.abs(f_prime(x)))
            x = f(x)
    return total / max(iterations, 1)


def lyapunov_exponent(
    r: np.ndarray | float, x0: float = 0.3, transient: int = 1000, iterations: int = 5000
) -> np.ndarray | float:
    """The logistic map's Lyapunov exponent, lim (1/n) sum_t log|r (1 - 2 x_t)|, at each r in [0, 4].

    From the fixed start x0 (deterministic); ln 2 at r = 4, negative where an attracting cycle
    exists, -inf where that cycle passes through x = 1/2. A float for a scalar r."""
    r_array = np.asarray(r, dtype=np.float64)
    if not np.all((r_array >= R_RANGE[0]) & (r_array <= R_RANGE[1])):
        raise ValueError("r must lie in [0, 4], where the logistic map sends [0, 1] into itself")
    x = np.full(r_array.shape, float(x0))
    result = lyapunov(
        lambda x: logistic(x, r_array), lambda x: logistic_prime(x, r_array), x, transient, iterations
    )
    return float(result) if result.ndim == 0 else result


# --- the bifurcation diagram -----------------------------------------------------------------------


@dataclass(frozen=True)
class Bifurcation:
    """Where orbits settle for each value of one parameter, and the Lyapunov exponent there."""

    parameter: str  # "r" or "w"
    values: np.ndarray  # (P,) the parameter values
    states: np.ndarray  # (B,) the centres of the state bins that split the domain
    visits: np.ndarray  # (B, P) how many of the last `keep` states of the orbits fall in each bin
    lyapunov: np.ndarray  # (S, P): from each start, the mean of log|f'| after the transient
    starts: tuple[float, ...]
    domain: tuple[float, float]  # the range of the states


def orbit_diagram(
    step: Callable[[np.ndarray, np.ndarray], np.ndarray],
    step_prime: Callable[[np.ndarray, np.ndarray], np.ndarray],
    parameter: str,
    values: np.ndarray,
    starts: tuple[float, ...],
    domain: tuple[float, float],
    iterations: int = 1000,
    keep: int = 200,
    bins: int = 300,
) -> Bifurcation:
    """Iterate x <- step(x, p) for every p in values from every start at once (vectorised).

    The last `keep` states of each orbit are counted into `bins` bins of the domain (a cycle of
    period p fills p bins; chaos smears over many); the Lyapunov exponent averages log|step_prime|
    over every step after the first fifth."""
    values = np.asarray(values, dtype=np.float64)
    p = values[None, :]  # (1, P)
    x = np.repeat(np.asarray(starts, dtype=np.float64)[:, None], len(values), axis=1)  # (S, P)
    kept = np.empty((keep, *x.shape))  # (keep, S, P)
    total = np.zeros_like(x)
    settle = iterations // 5
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for t in range(iterations):
            if t >= settle:
                total += np.log(np.abs(step_prime(x, p)))
            x = step(x, p)
            if t >= iterations - keep:
                kept[t - (iterations - keep)] = x
        low, high = domain
        level = np.floor((kept.reshape(-1, len(values)) - low) / (high - low) * bins)  # (keep * S, P)
    inside = np.isfinite(level)  # NaN and inf are not counted
    level = np.clip(np.where(inside, level, 0), 0, bins - 1).astype(np.int64)  # x = high goes in the top bin
    column = np.broadcast_to(np.arange(len(values)), level.shape)
    visits = np.bincount((level * len(values) + column)[inside], minlength=bins * len(values))
    states = low + (np.arange(bins) + 0.5) * (high - low) / bins
    return Bifurcation(
        parameter,
        values,
        states,
        visits.reshape(bins, len(values)).astype(np.uint16),
        total / (iterations - settle),
        tuple(starts),
        (low, high),
    )


def logistic_bifurcation(
    r_low: float = 2.5, r_high: float = 4.0, n: int = 1000, iterations: int = 1000
) -> Bifurcation:
    """The logistic map's bifurcation diagram and Lyapunov exponent over r in [r_low, r_high]."""
    _check_range("r from", r_low, *R_RANGE)
    _check_range("r to", r_high, *R_RANGE)
    if r_low >= r_high:
        raise ValueError(
            f"The range of r must run upwards: 'r from' ({r_low:g}) is not below 'r to' ({r_high:g})."
        )
    values = np.linspace(r_low, r_high, n)
    return orbit_diagram(logistic, logistic_prime, "r", values, (0.3,), LogisticMap.domain, iterations)


def tanh_bifurcation(
    b: float = 0.0, w_low: float = -4.0, w_high: float = 4.0, n: int = 1000, iterations: int = 1000
) -> Bifurcation:
    """One tanh unit's bifurcation diagram and Lyapunov exponent over w in [w_low, w_high], b fixed,
    from h_0 = -0.999 and +0.999 (so both attractors show where there are two)."""
    _check_range("w from", w_low, -100.0, 100.0)
    _check_range("w to", w_high, -100.0, 100.0)
    if w_low >= w_high:
        raise ValueError(
            f"The range of w must run upwards: 'w from' ({w_low:g}) is not below 'w to' ({w_high:g})."
        )
    values = np.linspace(w_low, w_high, n)
    return orbit_diagram(
        lambda h, w: tanh_unit(h, w, b),
        lambda h, w: tanh_unit_prime(h, w, b),
        "w",
        values,
        (-0.999, 0.999),
        TanhUnit.domain,
        iterations,
    )


# --- everything the page draws ---------------------------------------------------------------------


@dataclass(frozen=True)
class MapView:
    """One map, k and start: the iterates on a grid, their derivatives, the orbit, cycles, lambda."""

    map: Map
    k: int
    x0: float
    grid: np.ndarray  # (G,) points of the domain
    iterates: dict[int, np.ndarray]  # n -> f∘n on the grid, (G,), for n in PANELS and k
    log10_derivative: np.ndarray  # (G,) log10|d f∘k/dx| on the grid
    orbit: np.ndarray  # (k + 1,) x_0 .. x_k from x0
    log10_gain: np.ndarray  # (k + 1,) log10|dx_t/dx_0| along that orbit
    fixed_points: list[Cycle]
    cycles: list[Cycle]  # the attracting ones
    lyapunov: float  # along the orbit from x0, after a transient

    def table(self) -> dict[str, np.ndarray]:
        """The orbit from x0: t, x_t and log10 |dx_t/dx_0| for t = 0..k (for a CSV)."""
        return {
            "t": np.arange(self.k + 1),
            self.map.variable: self.orbit,
            "log10 |dx_t/dx_0|": self.log10_gain,
        }

    @property
    def beyond(self) -> tuple[str, int] | None:
        """("vanished", t) / ("exploded", t): where |dx_t/dx_0| first left [1e-300, 1e300]."""
        return first_step_beyond(self.log10_gain)


def explore(m: Map, k: int, x0: float, grid_points: int = 2001) -> MapView:
    """Everything the iterated-functions page shows for map m, k iterations and the start x0."""
    k = _steps(k)
    if not 1 <= k <= MAX_K:
        raise ValueError(f"k must be a whole number from 1 to {MAX_K}, got {k}")
    _check_range(f"{m.variable}0", x0, *m.domain)
    grid = np.linspace(*m.domain, grid_points)  # (G,)
    grid_orbit, grid_gains = log10_gains(m.f, m.f_prime, grid, max(k, max(PANELS)))  # (K + 1, G) each
    path, gain = log10_gains(m.f, m.f_prime, x0, k)  # (k + 1,) each
    return MapView(
        map=m,
        k=k,
        x0=float(x0),
        grid=grid,
        iterates={n: grid_orbit[n] for n in (*PANELS, k)},
        log10_derivative=grid_gains[k],
        orbit=path,
        log10_gain=gain,
        fixed_points=fixed_points(m),
        cycles=attracting_cycles(m),
        lyapunov=float(lyapunov(m.f, m.f_prime, x0, 500, 2000)),
    )


def cycle_table(view: MapView) -> dict[str, list]:
    """The fixed points and attracting cycles as table columns: where they are, their multiplier,
    stability, and what a gradient passing near them does once round the cycle."""
    columns: dict[str, list] = {
        "kind": [],
        "points": [],
        "multiplier": [],
        "stability": [],
        "a gradient near it": [],
    }
    for cycle in view.fixed_points + [c for c in view.cycles if c.period > 1]:
        size = abs(cycle.multiplier)
        effect = {
            "attracting": f"× {size:.3g} per round: vanishes"
            + (" slowly: long memory" if size > 0.9 else ""),
            "repelling": f"× {size:.3g} per round: explodes (orbits are pushed away)",
            "neutral": "× 1 per round: kept (the edge between vanishing and exploding)",
        }[cycle.stability]
        columns["kind"].append("fixed point" if cycle.period == 1 else f"{cycle.period}-cycle")
        columns["points"].append(", ".join(f"{p:.5f}" for p in cycle.points))
        columns["multiplier"].append(cycle.multiplier)
        columns["stability"].append(cycle.stability)
        columns["a gradient near it"].append(effect)
    return columns
