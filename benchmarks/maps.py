"""Time the iterated-functions page: the bifurcation diagram, its parts, and the page's reruns.

    python benchmarks/maps.py [--repeats 20]

Prints one markdown table, each number beside its target. The bifurcation diagram is 1000 values
of r by 1000 iterations, vectorised over r (target < 0.5 s). Reruns are timed in-process with
Streamlit's AppTest, as in benchmarks/run.py: after each change of a widget to a value it has not
had (so the page's st.cache_data misses, except for the bifurcation diagram, which depends on the
range only), and unchanged (every cache hits)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.run import time_reruns  # also quiets Streamlit's "missing ScriptRunContext"
from rnnviz import maps
from rnnviz.figures import maps as figures

PAGE_PATH = "pages/iterated_functions.py"
BIFURCATION_TARGET_S = 0.5
RERUN_TARGET_MS = 150.0


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls, after one untimed call (imports, first allocations)."""
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rerun_ms(repeats: int, query: dict[str, str] | None = None, slider: str | None = None) -> float:
    """Median ms of page reruns, each after `slider` moved to a new value (or unchanged if None)."""
    return time_reruns(PAGE_PATH, repeats, slider, query)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each measurement (default 20)")
    args = parser.parse_args()
    n = args.repeats

    rows = []  # (what, value, target)
    for what, work in (
        (
            "logistic bifurcation + Lyapunov, 1000 r × 1000 iterations",
            lambda: maps.logistic_bifurcation(2.5, 4.0),
        ),
        (
            "tanh-unit bifurcation + Lyapunov, 1000 w × 1000 iterations × 2 starts",
            lambda: maps.tanh_bifurcation(0.0),
        ),
    ):
        seconds = median_seconds(work, n)
        rows.append(
            (
                f"{what} (median of {n})",
                f"{seconds * 1000:.1f} ms",
                f"< {BIFURCATION_TARGET_S * 1000:.0f} ms",
                seconds < BIFURCATION_TARGET_S,
            )
        )
    seconds = median_seconds(lambda: maps.lyapunov_exponent(4.0), n)
    rows.append(
        (
            f"`lyapunov_exponent(4.0)`, 1000 + 5000 steps (median of {n})",
            f"{seconds * 1000:.1f} ms",
            "—",
            None,
        )
    )
    seconds = median_seconds(lambda: maps.explore(maps.LogisticMap(3.5), 40, 0.1), n)
    rows.append(
        (
            f"`explore`: iterates on 2001 points, cycles, λ at r = 3.5, k = 40 (median of {n})",
            f"{seconds * 1000:.1f} ms",
            "—",
            None,
        )
    )
    view = maps.explore(maps.LogisticMap(3.5), 40, 0.1)
    diagram = maps.logistic_bifurcation()
    build = [
        figures.lecture_panels,
        figures.iterate_graph,
        figures.cobweb,
        figures.derivative_over_domain,
        figures.gradient_through_time,
    ]
    seconds = median_seconds(
        lambda: [b(view) for b in build] + [figures.bifurcation(diagram, 3.5, view.cycles)], n
    )
    rows.append((f"the page's six figures built (median of {n})", f"{seconds * 1000:.1f} ms", "—", None))

    for label, query, slider in (
        ("unchanged, defaults (every cache hits)", None, None),
        ("after `maps_r` moved (from 3.5 by 0.001 steps)", None, "maps_r"),
        ("after `maps_k` moved (from 40)", None, "maps_k"),
        ("tanh unit, after `maps_w` moved (from 2)", {"maps_map": "tanh unit"}, "maps_w"),
    ):
        ms = rerun_ms(n, query, slider)
        rows.append(
            (
                f"rerun `pages/iterated_functions.py`, {label} (median of {n})",
                f"{ms:.1f} ms",
                f"< {RERUN_TARGET_MS:.0f} ms",
                ms < RERUN_TARGET_MS,
            )
        )

    print("| measurement | value | target | |")
    print("|---|---|---|---|")
    for what, value, target, ok in rows:
        print(f"| {what} | {value} | {target} | {'' if ok is None else ('ok' if ok else '**over**')} |")


if __name__ == "__main__":
    main()
