"""Spectral norms of long products of matrices, also far beyond float64: the engine behind
rnnviz.dynamics' ||dh_t/dh_k||.

A product of Jacobians is carried as P / ||P||_F (so its entries stay in float64's range) and
log ||P||_F. The spectral norm of the rescaled matrix lies in [1/sqrt(H), 1]. A full SVD of
every product (ms each at H = 256) would be too slow, so:
  H <= _EXACT_MAX_H: exact, the top eigenvalue of P^T P (batched LAPACK; as fast as iterating).
  larger H, each new product P_t = J_t P_{t-1} in turn:
  1. Rayleigh-Ritz on the previous product's top right singular vectors V (they converge along
     a product: Oseledets). If the energy of P outside span V is below 1e-11 of the top Ritz
     value, the result is certified (see _certified): long products are nearly of low rank.
  2. Otherwise block subspace iteration on P^T P from V plus two fresh random vectors (they
     catch a direction that overtakes the old top one), until the top Ritz value's projected
     further rise (from its geometric rate, capped near 1) is below 1e-11 relative and no other
     Ritz value is on course to pass it.
  3. Otherwise (near-degenerate top singular values, where iterating is slow) the exact top
     eigenvalue of P^T P; the next 7 products go straight there (after step 1).
Tested against np.linalg.norm(P, 2) to 1e-9 on degenerate, near-degenerate, diagonal (the top
unit changing), relu-masked and Gaussian products; the worst seen is 5e-11."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

_EXACT_MAX_H = 64
_BLOCK = 6  # warm-started Ritz vectors
_PROBES = 2  # fresh random vectors
_TOL = 1e-11  # relative, on sigma^2
_MAX_ITER = 10
_RATE_CAP = 1.0 - 1e-6
_EPS = np.finfo(np.float64).eps
_TINY = 1e-300  # entries of a rescaled product below this are set to 0 (denormals are slow)


def _exact_sigma2(P: np.ndarray) -> np.ndarray:
    """Largest eigenvalue of P^T P for each P (B, H, H): the squared spectral norms, exactly."""
    gram = np.swapaxes(P, 1, 2) @ P  # (B, H, H)
    return np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0)


def _converged(previous2: np.ndarray, previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    """From the Ritz values sigma^2 (B, k) of three successive iterations: which are done."""
    top = current[:, :1]  # (B, 1)
    rise = np.maximum(current - previous, 0.0)  # (B, k)
    rise_before = np.maximum(previous - previous2, 0.0)
    noise = 4 * _EPS * top
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(rise_before > noise, np.minimum(rise / rise_before, _RATE_CAP), _RATE_CAP)
    still_to_rise = np.where(rise <= noise, 0.0, rise * rate / (1.0 - rate))  # geometric tail
    top_done = still_to_rise[:, 0] <= _TOL * top[:, 0]
    no_overtaking = np.all(current[:, 1:] + still_to_rise[:, 1:] < top * (1.0 + _TOL), axis=1)
    return top_done & no_overtaking


def _certified(P: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rayleigh-Ritz of P (B, H, H) on the orthonormal columns V (B, H, b), and which results are
    exact to _TOL. For unit x = a q + c w (q in span V, w orthogonal to it, a^2 + c^2 = 1):
    ||P x|| <= |a| theta_1 + |c| e <= sqrt(theta_1^2 + e^2), with theta_1 the top Ritz value and
    e^2 = ||P||_F^2 - ||P V||_F^2 the energy of P outside span V. So theta_1 <= sigma_max <=
    sqrt(theta_1^2 + e^2): once the product is (nearly) of rank b, one product P V certifies it."""
    Y = P @ V  # (B, H, b)
    ritz2, Z = np.linalg.eigh(np.swapaxes(Y, 1, 2) @ Y)  # ascending
    ritz2, Z = ritz2[:, ::-1], Z[:, :, ::-1]
    outside = np.maximum(np.einsum("bij,bij->b", P, P) - np.sum(ritz2, axis=1), 0.0)  # e^2, (B,)
    return outside <= _TOL * ritz2[:, 0], ritz2, Z


def _iterative_sigma2(
    P: np.ndarray, V: np.ndarray | None, rng: np.random.Generator, max_iter: int = _MAX_ITER
) -> tuple[np.ndarray, np.ndarray, int]:
    """Squared spectral norms of P (B, H, H), each of Frobenius norm 1, the top right singular
    vectors (B, H, _BLOCK) to warm-start the next product with, and how many were computed exactly.
    V: the previous vectors, or None. max_iter = 0: certify or compute exactly, no iterations."""
    B, H, _ = P.shape
    sigma2 = np.empty(B)
    V_next = np.empty((B, H, _BLOCK))
    active = np.arange(B)  # the products still to do; P_active, Q, history follow them
    P_active = P
    if V is not None:  # certified in one step when P lives (nearly) in the span of V: see _certified
        done, ritz2, Z = _certified(P, V)
        sigma2[done], V_next[done] = ritz2[done, 0], (V[done] @ Z[done])
        if done.all():
            return sigma2, V_next, 0
        active, P_active, V = active[~done], P[~done], V[~done]
        if max_iter == 0:
            sigma2[active], V_next[active] = _exact_sigma2(P_active), V
            return sigma2, V_next, len(active)
    X = rng.standard_normal((len(active), H, _BLOCK + _PROBES))  # (b, H, k)
    if V is not None:
        X[:, :, :_BLOCK] = V
    Q = np.linalg.qr(X)[0]  # (b, H, k) orthonormal columns
    history: list[np.ndarray] = []
    for iteration in range(max(max_iter, 3)):
        Y = P_active @ Q  # (b, H, k)
        ritz2, Z = np.linalg.eigh(np.swapaxes(Y, 1, 2) @ Y)  # Rayleigh-Ritz on span(Q); ascending
        ritz2, Z = ritz2[:, ::-1], Z[:, :, ::-1]  # (b, k), (b, k, k) largest first
        history = [*history[-2:], ritz2]
        if iteration >= 2:
            done = _converged(*history)  # (b,)
            if done.any():
                sigma2[active[done]] = ritz2[done, 0]
                V_next[active[done]] = (Q[done] @ Z[done])[:, :, :_BLOCK]
                if done.all():
                    return sigma2, V_next, 0
                left = ~done
                active, P_active, Q, Y, Z = active[left], P_active[left], Q[left], Y[left], Z[left]
                history = [h[left] for h in history]
        if iteration + 1 < max(max_iter, 3):
            Q = np.linalg.qr(np.swapaxes(P_active, 1, 2) @ (Y @ Z))[0]  # P^T P on the Ritz vectors
    # not converged: near-degenerate top singular values, where iterating is slow; exactly then
    sigma2[active] = np.maximum(_exact_sigma2(P_active), history[-1][:, 0])
    V_next[active] = (Q @ Z)[:, :, :_BLOCK]
    return sigma2, V_next, len(active)


def rescale(P: np.ndarray, log_scale: np.ndarray, flush: bool = True) -> None:
    """Divide each P[i] (B, H, H) by its Frobenius norm, in place, adding its log to log_scale (B,);
    with `flush`, set entries below 1e-300 of it to 0 (denormal numbers make matmul 100x slower)."""
    frobenius = np.sqrt(np.einsum("bij,bij->b", P, P))  # (B,)
    with np.errstate(divide="ignore"):
        log_scale += np.log(frobenius)  # -inf once a product is exactly 0
    if np.all(frobenius > 0):
        P /= frobenius[:, None, None]
    else:
        P[frobenius > 0] /= frobenius[frobenius > 0, None, None]
    if flush:
        flush_tiny(P)


def flush_tiny(P: np.ndarray) -> None:
    """Set the entries of P below 1e-300 (of a product of Frobenius norm 1) to 0, in place."""
    tiny = np.abs(P) < _TINY
    if tiny.any():
        P[tiny] = 0.0


class NormTracker:
    """Spectral norms of B products that each grow by one factor at a time, warm-starting each norm
    from the previous one's singular vectors (iterative path) or batching them (exact path)."""

    def __init__(self, H: int, seed: int = 0):
        self.exact = H <= _EXACT_MAX_H
        self.rng = np.random.default_rng(seed)
        self.V: np.ndarray | None = None
        self.skip = 0  # after a product needed the exact path, the next ones go straight there

    def sigma2(self, P: np.ndarray) -> np.ndarray:
        """Squared spectral norms of P (B, H, H), each of Frobenius norm 1 (or 0)."""
        if self.exact:
            return _exact_sigma2(P)
        B = P.shape[0]
        V = self.V
        if V is not None and V.shape[0] < B:  # products that joined: start them from random vectors
            fresh = np.linalg.qr(self.rng.standard_normal((B - V.shape[0], P.shape[1], _BLOCK)))[0]
            V = np.concatenate([V, fresh])
        sigma2, self.V, n_exact = _iterative_sigma2(P, V, self.rng, 0 if self.skip else _MAX_ITER)
        if B == 1:  # one long product (near-degenerate spectra stay so for a while): retry every 8th
            self.skip = self.skip - 1 if self.skip else (7 if n_exact else 0)
        return sigma2


def chain_log_norms(
    step: Callable[[int, np.ndarray], np.ndarray], T: int, H: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """ln ||J_t ... J_0|| for t = 0..T-1, where step(t, P) returns J_t @ P; also the last product,
    rescaled to Frobenius norm 1, and the natural log of its scale."""
    log_norms = np.empty(T)
    P = np.eye(H)  # (H, H) the product so far, of Frobenius norm 1
    log_scale = 0.0  # ln of its scale
    tracker = NormTracker(H)
    batch = np.empty((min(64, T), H, H)) if tracker.exact else None  # the exact path batches LAPACK
    pending = 0

    def flush_batch(t: int) -> None:  # the exact norms of the products t - pending + 1 .. t
        with np.errstate(divide="ignore"):
            log_norms[t - pending + 1 : t + 1] += 0.5 * np.log(_exact_sigma2(batch[:pending]))

    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for t in range(T):
            P = step(t, P)  # (H, H)
            frobenius = math.sqrt(float(np.vdot(P, P)))
            if frobenius == 0.0:  # exactly 0: so is every later product
                if pending:
                    flush_batch(t - 1)
                log_norms[t:] = -np.inf
                return log_norms, P, -math.inf
            P *= 1.0 / frobenius
            log_scale += math.log(frobenius)
            if t % 8 == 0:
                flush_tiny(P)
            log_norms[t] = log_scale
            if batch is None:
                log_norms[t] += 0.5 * math.log(tracker.sigma2(P[None])[0])
            else:
                batch[pending] = P
                pending += 1
                if pending == len(batch) or t == T - 1:
                    flush_batch(t)
                    pending = 0
    return log_norms, P, log_scale
