"""Backprop through time by hand for the lecture's univariate RNN, line by line as on the slides.

Forward, for t = 1..T with h_0 = 0:

    z_t = u x_t + w h_{t-1}        h_t = phi(z_t)        r_t = v h_t        y_t = phi(r_t)
    L = sum_t (y_t - target_t)^2 / 2

Backward (the lecture's adjoints; a bar is dL/d of that quantity):

    L_bar = 1
    y_bar_t = L_bar (y_t - target_t)
    r_bar_t = y_bar_t phi'(r_t)
    h_bar_t = r_bar_t v + z_bar_{t+1} w          (z_bar_{T+1} = 0)
    z_bar_t = h_bar_t phi'(z_t)
    u_bar = sum_t z_bar_t x_t     v_bar = sum_t r_bar_t h_t     w_bar = sum_t z_bar_{t+1} h_t
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz import activations

ACTIVATIONS = ("tanh", "sigmoid", "linear", "relu")  # rnnviz.activations' four, in the page's order
MAX_T = 100  # the page's limit: the unrolled graph of 100 steps is already dense


@dataclass(frozen=True)
class BPTTResult:
    """Forward values, adjoints and parameter gradients of the univariate RNN; arrays are (T,)."""

    x: np.ndarray
    targets: np.ndarray
    z: np.ndarray
    h: np.ndarray
    r: np.ndarray
    y: np.ndarray
    y_bar: np.ndarray
    r_bar: np.ndarray
    h_bar: np.ndarray
    z_bar: np.ndarray
    u_bar: float
    v_bar: float
    w_bar: float
    loss: float

    @property
    def h_prev(self) -> np.ndarray:
        """h_{t-1} for t = 1..T (h_0 = 0): what w multiplies at step t."""
        return np.concatenate([[0.0], self.h[:-1]])

    def contributions(self) -> dict[str, np.ndarray]:
        """Each step's term of the parameter gradients: u_bar = sum of 'u', and so on; (T,) each.

        The w term of step t is z_bar_t h_{t-1}, the lecture's z_bar_{t+1} h_t shifted by one."""
        return {"u": self.z_bar * self.x, "v": self.r_bar * self.h, "w": self.z_bar * self.h_prev}

    @property
    def largest_magnitude(self) -> float:
        """The largest |number| among those autograd_difference compares: the scale of its rounding."""
        adjoints = np.concatenate([self.z_bar, self.h_bar, self.r_bar, self.y_bar])
        return float(
            max(np.max(np.abs(adjoints)), abs(self.loss), abs(self.u_bar), abs(self.v_bar), abs(self.w_bar))
        )

    def table(self) -> dict[str, np.ndarray]:
        """Every forward value and adjoint by step, as columns (for a table or a CSV)."""

        columns = ["x", "targets", "z", "h", "r", "y", "y_bar", "r_bar", "h_bar", "z_bar"]
        return {"t": np.arange(1, len(self.x) + 1), **{c: getattr(self, c) for c in columns}}


def _check(x: np.ndarray, targets: np.ndarray, activation: str) -> None:
    activations.check(activation)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError("x must be a non-empty sequence of numbers")
    if targets.shape != x.shape:
        raise ValueError(f"x and targets must have the same length; got {len(x)} and {len(targets)}")


def univariate(
    x: np.ndarray, targets: np.ndarray, u: float, v: float, w: float, activation: str = "tanh"
) -> BPTTResult:
    """The lecture's univariate RNN: forward pass, then backprop through time by hand."""
    x = np.asarray(x, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    _check(x, targets, activation)
    phi, phi_prime = activations.scalar(activation), lambda a: activations.phi_prime(a, activation)
    T = len(x)
    z, h, r, y = (np.zeros(T) for _ in range(4))
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is a result (inf), not a crash
        h_prev = 0.0
        for t in range(T):
            z[t] = u * x[t] + w * h_prev
            h[t] = phi(z[t])
            r[t] = v * h[t]
            y[t] = phi(r[t])
            h_prev = h[t]
        loss = float(np.sum((y - targets) ** 2) / 2)

        y_bar = y - targets  # L_bar = 1
        r_bar = y_bar * phi_prime(r)
        h_bar, z_bar = np.zeros(T), np.zeros(T)
        z_bar_next = 0.0  # z_bar_{T+1}: nothing after the last step
        for t in reversed(range(T)):
            h_bar[t] = r_bar[t] * v + z_bar_next * w
            z_bar[t] = h_bar[t] * phi_prime(z[t])
            z_bar_next = z_bar[t]
        h_prev_all = np.concatenate([[0.0], h[:-1]])
        u_bar = float(np.sum(z_bar * x))
        v_bar = float(np.sum(r_bar * h))
        w_bar = float(np.sum(z_bar * h_prev_all))
    return BPTTResult(x, targets, z, h, r, y, y_bar, r_bar, h_bar, z_bar, u_bar, v_bar, w_bar, loss)


def autograd_difference(result: BPTTResult, u: float, v: float, w: float, activation: str) -> float:
    """Largest |hand-computed - torch autograd| over the loss, every adjoint and u_bar, v_bar, w_bar
    (float64, the same numbers)."""
    import torch  # here, so that importing rnnviz.bptt stays light

    act = activations.torch_twin(activation)
    params = {
        k: torch.tensor(val, dtype=torch.float64, requires_grad=True) for k, val in zip("uvw", (u, v, w))
    }
    x = torch.tensor(result.x)
    targets = torch.tensor(result.targets)
    h_prev = torch.zeros((), dtype=torch.float64)
    nodes = {"z": [], "h": [], "r": [], "y": []}
    for t in range(len(result.x)):
        z = params["u"] * x[t] + params["w"] * h_prev
        h = act(z)
        r = params["v"] * h
        y = act(r)
        for name, node in zip("zhry", (z, h, r, y)):
            node.retain_grad()  # keep the adjoint of this intermediate value
            nodes[name].append(node)
        h_prev = h
    loss = torch.sum((torch.stack(nodes["y"]) - targets) ** 2) / 2
    loss.backward()
    hand = {"z_bar": result.z_bar, "h_bar": result.h_bar, "r_bar": result.r_bar, "y_bar": result.y_bar}
    differences = [abs(loss.item() - result.loss)]
    for name in "zhry":
        torch_bar = np.array([0.0 if n.grad is None else n.grad.item() for n in nodes[name]])
        differences.append(np.max(np.abs(torch_bar - hand[f"{name}_bar"])))
    for k, hand_bar in zip("uvw", (result.u_bar, result.v_bar, result.w_bar)):
        differences.append(abs(params[k].grad.item() - hand_bar))
    return float(np.max(differences))


def random_sequence(T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs x_t ~ N(0, 1) and targets ~ U(-1, 1), T of each, reproducible by seed."""
    if not 1 <= T <= MAX_T:
        raise ValueError(f"T must be between 1 and {MAX_T}, got {T}")
    rng = np.random.default_rng(seed)
    return rng.standard_normal(T), rng.uniform(-1.0, 1.0, T)
