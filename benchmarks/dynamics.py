"""Time the Jacobian products of the exploding and vanishing gradients page.

    python benchmarks/dynamics.py [--H 256] [--T 1000] [--repeats 3] [--reruns 20] [--skip-torch]

1. rnnviz.dynamics.jacobians + product_norms on the page's RNN (Gaussian W_hh of spectral radius 1,
   tanh, input scale 0.1, seed 0) at H = 256, T = 1000, side by side with the same norms computed
   step by step with torch.autograd.functional.jacobian (float64), and how far the two agree.
2. The page's rerun with Streamlit's AppTest at its default settings (median), after a change of
   the first slider (w: the multivariate results come from the cache) and after a change of the
   spectral radius (everything is recomputed).

The first call of each is not timed: it pays for imports and, on a fresh VM, for the first touch of
the (T, H, H) array's 500 MB."""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np
import torch

from benchmarks.run import time_reruns
from rnnviz import activations, dynamics

PAGE = "pages/exploding_vanishing.py"
CONTRACT_TARGET_S = 1.5
SPEEDUP_TARGET = 5.0
RERUN_TARGET_MS = 150.0
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: "missing ScriptRunContext" not in record.getMessage()
)


def time_rnnviz(args: tuple, activation: str) -> tuple[float, float, np.ndarray]:
    """Seconds for jacobians and for product_norms, and the norms."""
    start = time.perf_counter()
    J = dynamics.jacobians(*args, activation)
    middle = time.perf_counter()
    norms = dynamics.product_norms(J)
    end = time.perf_counter()
    del J
    return middle - start, end - middle, norms


def time_torch(args: tuple, activation: str, vectorize: bool) -> tuple[float, np.ndarray]:
    """The same norms with torch: autograd's Jacobian of each step, the running product, its 2-norm."""
    W_hh, W_xh, b, xs, h0 = (torch.tensor(a, dtype=torch.float64) for a in args)
    phi = activations.torch_twin(activation)
    start = time.perf_counter()
    h, P, norms = h0, torch.eye(len(h0), dtype=torch.float64), []
    for x_t in xs:

        def step(h, x_t=x_t):
            return phi(W_hh @ h + W_xh @ x_t + b)

        J_t = torch.autograd.functional.jacobian(step, h, vectorize=vectorize)  # (H, H)
        P = J_t @ P
        norms.append(torch.linalg.matrix_norm(P, ord=2))
        h = step(h)
    return time.perf_counter() - start, torch.stack(norms).numpy()


def time_page(reruns: int, key: str) -> float:
    """Median ms of AppTest reruns of the page at its defaults, each after `key` moved to a new value."""
    return time_reruns(PAGE, reruns, key)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--H", type=int, default=256)
    parser.add_argument("--T", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of rnnviz (median)")
    parser.add_argument("--reruns", type=int, default=20, help="timed AppTest reruns per widget")
    parser.add_argument("--skip-torch", action="store_true", help="time rnnviz and the page only")
    args = parser.parse_args()

    settings = dynamics.Settings(H=args.H, T=args.T)  # the page's defaults, at this H and T
    rnn = settings.rnn()
    time_rnnviz(rnn, settings.activation)  # warm-up: not timed
    runs = [time_rnnviz(rnn, settings.activation) for _ in range(args.repeats)]
    jac_s = statistics.median(r[0] for r in runs)
    norms_s = statistics.median(r[1] for r in runs)
    total_s = statistics.median(r[0] + r[1] for r in runs)
    norms = runs[-1][2]

    print(
        f"Jacobian products of the page's RNN: H = {args.H}, T = {args.T}, {settings.kind} W_hh of spectral "
        f"radius {settings.radius:g}, {settings.activation}, input scale {settings.input_scale:g}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads\n"
    )
    print("| computation | seconds | vs rnnviz | target |")
    print("|---|---|---|---|")
    print(
        f"| rnnviz: `jacobians` + `product_norms` (median of {args.repeats}) | {total_s:.2f} "
        f"({jac_s:.2f} + {norms_s:.2f}) | 1× | < {CONTRACT_TARGET_S:g} s: "
        f"{'ok' if total_s < CONTRACT_TARGET_S else '**over**'} |"
    )
    if not args.skip_torch:
        for vectorize in (False, True):
            seconds, torch_norms = time_torch(rnn, settings.activation, vectorize)
            speedup = seconds / total_s
            agree = float(np.max(np.abs(torch_norms / norms - 1)))
            target = (
                f"≥ {SPEEDUP_TARGET:g}× slower: {'ok' if speedup >= SPEEDUP_TARGET else '**no**'}"
                if not vectorize
                else ""
            )
            print(
                f"| torch: per-step `autograd.functional.jacobian(vectorize={vectorize})`, product, "
                f"`matrix_norm(ord=2)` (max relative difference {agree:.1e}) | {seconds:.2f} | "
                f"{speedup:.1f}× slower | {target} |"
            )
    print()
    print("| page rerun at the defaults (AppTest) | median ms | target |")
    print("|---|---|---|")
    for key, what in (
        ("ev_w", "w moved: multivariate results cached"),
        ("ev_radius", "spectral radius moved: all recomputed"),
    ):
        ms = time_page(args.reruns, key)
        print(
            f"| {what} (median of {args.reruns}) | {ms:.1f} | < {RERUN_TARGET_MS:g} ms: "
            f"{'ok' if ms < RERUN_TARGET_MS else '**over**'} |"
        )


if __name__ == "__main__":
    main()
