"""Time the app: each page's rerun after a widget change, and the server's cold start.

    python benchmarks/run.py [--reruns 20] [--cold-starts 3]

Prints one markdown table, each number beside its target. Reruns are timed in-process with
Streamlit's AppTest (the script's own work: widgets, computation, figures; no browser, no network).
The cold start is wall-clock time from launching `streamlit run app.py` to the first page drawn in
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # the pages import ui/ and rnnviz/ from the repository's root

from streamlit.testing.v1 import AppTest  # after sys.path is set up

from benchmarks.serve_load import ANALYSIS, MODELS, TEXTS
from harness.serve import CHROMIUM, CHROMIUM_ARGS, serve_app

# Quiet: outside a script thread Streamlit warns "missing ScriptRunContext", meaningless here. A
# filter, not a level: Streamlit resets its loggers' levels when AppTest loads its config.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: "missing ScriptRunContext" not in record.getMessage()
)

PAGE_FILES = ["app.py"] + sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "pages").glob("*.py"))
MOST_MOVED = {f"pages/{page}.py": key for page, key in {**ANALYSIS, **MODELS}.items()}  # path -> widget key
RERUN_TARGETS_MS = {
    "pages/hand_built_rnns.py": 100.0,
    "pages/backprop_through_time.py": 150.0,
    "pages/loss_cliffs.py": 150.0,
    "pages/iterated_functions.py": 150.0,
    "pages/lstm_gates.py": 150.0,
    "pages/exploding_vanishing.py": 150.0,
}


def _loss_surface() -> None:
    from rnnviz import landscape

    landscape.loss_surface((-2.0, 8.0), (-6.0, 2.0), T=50, n=200)


def _bifurcation() -> None:
    from rnnviz import maps

    maps.logistic_bifurcation(2.5, 4.0)


def _jacobian_products() -> None:
    from rnnviz import dynamics

    settings = dynamics.Settings(H=256, T=1000)
    dynamics.product_norms(dynamics.jacobians(*settings.rnn(), settings.activation))


def _bptt() -> None:
    from rnnviz import bptt

    bptt.univariate(*bptt.random_sequence(100, 0), u=0.5, v=1.0, w=0.9, activation="tanh")


def _parity_checker() -> None:
    from rnnviz import handbuilt

    handbuilt.check_parity(handbuilt.ParityWeights(), 16)


# The analysis pages' kernels: (what, function, target in seconds); each timed as the best of 5.
KERNELS = [
    ("parity checker, all 131,070 bit strings up to length 16", _parity_checker, 0.5),
    ("BPTT by hand, T = 100", _bptt, 0.05),
    ("jacobians + product_norms, H = 256, T = 1000", _jacobian_products, 5.0),
    ("logistic bifurcation + Lyapunov, 1000 r x 1000 iterations", _bifurcation, 0.5),
    ("loss surface, 200 x 200 grid, T = 50", _loss_surface, 1.0),
]
COLD_START_TARGET_S = 8.0
# Cold starts: (URL path, what "rendered" means there, its label). The home page is what
# `streamlit run app.py` opens; a shared link lands straight on a page and waits for its chart.
COLD_STARTS = [
    (
        "/",
        '[data-testid="stMain"] [data-testid="stMarkdown"], [data-testid="stMain"] .js-plotly-plot',
        "home page, first markdown visible",
    ),
    (
        "/hand_built_rnns",
        '[data-testid="stMain"] .js-plotly-plot',
        "link to the hand-built page, chart drawn",
    ),
]


# --- training throughput: each model page's training against a plain torch loop -------------------


def _adding(T: int, hidden: int) -> tuple[Callable[[int], float], Callable[[int], float]]:
    """The long-term and gates pages' LSTM on the adding problem: rnnviz's Trainer (with its
    recording) and the bare torch loop over the same model, optimizer, clipping and batches."""
    from benchmarks.training import plain_loop, recorded_loop
    from rnnviz import models, training

    config = training.TrainConfig(models.ModelConfig("lstm", "adding", hidden), T=T, steps=10**6)
    return (lambda n: recorded_loop(config, n)), (lambda n: plain_loop(config, n))


def _sentiment() -> tuple[Callable[[int], float], Callable[[int], float]]:
    """The sentiment page's default LSTM: rnnviz's training (Loop, test accuracy 20 times) against
    the bare torch loop over the same padded batches."""
    from benchmarks.sentiment import plain_steps, rnnviz_steps

    return rnnviz_steps, plain_steps


def _char_lm() -> tuple[Callable[[int], float], Callable[[int], float]]:
    """The language model page's default LSTM on Python's standard library source."""
    from benchmarks.charlm import plain_steps, rnnviz_steps

    return rnnviz_steps, plain_steps


def _seq2seq() -> tuple[Callable[[int], float], Callable[[int], float]]:
    """The sequence-to-sequence page's default date model."""
    from benchmarks.seq2seq import plain_steps, rnnviz_steps

    return rnnviz_steps, plain_steps


# (page, what is trained, steps timed, (items per step, their name), a factory of (rnnviz loop, plain loop): each
# a function timing n steps)
THROUGHPUT = [
    (
        "long-term dependencies",
        "LSTM, adding problem T = 100, hidden 64",
        100,
        (64, "sequences"),
        lambda: _adding(100, 64),
    ),
    ("LSTM gates", "LSTM, adding problem T = 50, hidden 32", 100, (64, "sequences"), lambda: _adding(50, 32)),
    ("sentiment", "LSTM, words, hidden 64: one epoch", 125, (64, "sentences"), _sentiment),
    (
        "character language model",
        "LSTM, hidden 256, 32 windows of 128 characters",
        30,
        (32 * 128, "characters"),
        _char_lm,
    ),
    ("sequence to sequence", "GRU encoder-decoder, hidden 128, dates", 100, (64, "dates"), _seq2seq),
]


def throughput() -> list[tuple[str, str, str, str, str]]:
    """Rows: page, what, rnnviz steps/s (sequences/s), plain torch steps/s, rnnviz / plain; the
    better of two runs of each."""
    from rnnviz import training

    training.set_threads(1)  # as the pages train
    rows = []
    for page, what, steps, (per_step, items), factory in THROUGHPUT:
        ours, plain = factory()
        ours(3), plain(3)  # warm up
        rate = {
            name: steps / min(loop(steps) for _ in range(2))
            for name, loop in (("ours", ours), ("plain", plain))
        }
        rows.append(
            (
                page,
                f"{what}, {steps} steps",
                f"{rate['ours']:.1f} steps/s ({rate['ours'] * per_step:,.0f} {items}/s)",
                f"{rate['plain']:.1f} steps/s",
                f"{rate['ours'] / rate['plain']:.2f}",
            )
        )
    return rows


# --- reruns (AppTest) -----------------------------------------------------------------------------


def changing_values(current: float, low: float, high: float, step: float, count: int) -> list[float]:
    """`count` valid values for a number widget, each different from the one before it.

    They walk outwards from the current value (current + step, current - step, current + 2 step,
    ...), so that most reruns see a value they have not seen: st.cache_data hits would flatter
    the timing."""
    candidates = []
    for k in range(1, count + 1):
        for value in (current + k * step, current - k * step):
            if low <= value <= high:
                candidates.append(type(current)(value))  # an int widget stays int
    if not candidates:
        raise ValueError(f"no valid value besides {current} in [{low}, {high}]")
    if len(candidates) == 1:  # a two-value range: flip between the two
        candidates.append(current)
    return [candidates[i % len(candidates)] for i in range(count)]


def widget_by_key(at: AppTest, key: str):
    """The widget with this key, whatever its kind."""
    for kind in ("slider", "number_input", "text_input", "select_slider", "selectbox", "radio"):
        try:
            return getattr(at, kind)(key=key)
        except KeyError:
            continue
    raise KeyError(f"no widget with key {key!r}")


def time_reruns(
    path: str, reruns: int, key: str | None = None, query: dict[str, str] | None = None
) -> tuple[float, str]:
    """Median ms of `reruns` reruns of the page (opened with `query`) after each change of the widget
    `key` (None: rerun unchanged). The first run (imports, cold caches) is not timed."""
    at = AppTest.from_file(str(REPO_ROOT / path), default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    if at.exception:
        raise RuntimeError(f"{path} raised on its first run: {at.exception[0].message}")
    widget = widget_by_key(at, key) if key else None
    if widget is None:
        values, changed = [None] * reruns, "unchanged rerun"
    elif widget.type == "text_input":
        values, changed = (
            [TEXTS[key][i % len(TEXTS[key])] for i in range(reruns)],
            f"text_input `{widget.key}`",
        )
    else:
        values = changing_values(widget.value, widget.min, widget.max, widget.step, reruns)
        changed = f"{widget.type} `{widget.key}`"
    times_ms = []
    for value in values:
        if value is not None:
            # Look the widget up again: each run rebuilds the element tree.
            getattr(at, widget.type)(key=widget.key).set_value(value)
        start = time.perf_counter()
        at.run()
        times_ms.append((time.perf_counter() - start) * 1000)
        if at.exception:
            raise RuntimeError(f"{path} raised after a change to {value}: {at.exception[0].message}")
    return statistics.median(times_ms), changed


# --- cold start (server + headless Chromium) ------------------------------------------------------


def time_cold_start(browser, url_path: str, ready: str, timeout_s: float = 60) -> float:
    """Seconds from launching `streamlit run app.py` to the page at `url_path` showing `ready`.

    The browser is launched beforehand: its own start-up is not the app's."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        start = time.perf_counter()
        with serve_app(timeout_s=timeout_s) as base_url:  # the page can only be asked for once it listens
            page = context.new_page()
            page.goto(base_url + url_path, timeout=timeout_s * 1000)
            page.locator(ready).first.wait_for(state="visible", timeout=timeout_s * 1000)
            return time.perf_counter() - start
    finally:
        context.close()


def cold_starts(count: int) -> list[tuple[str, float]] | str:
    """(label, median seconds) of each of COLD_STARTS, or why they could not be timed."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"skipped: {CHROMIUM} not found (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return [
                (
                    f"`{url_path}`, {label}",
                    statistics.median(time_cold_start(browser, url_path, ready) for _ in range(count)),
                )
                for url_path, ready, label in COLD_STARTS
            ]
        finally:
            browser.close()


# --- the table ------------------------------------------------------------------------------------


def verdict(value: float, target: float | None) -> str:
    return "" if target is None else ("ok" if value < target else "**over**")


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=20, help="timed reruns per page (default 20)")
    parser.add_argument("--cold-starts", type=int, default=3, help="server launches to time (default 3)")
    parser.add_argument(
        "--no-throughput", dest="throughput", action="store_false", help="skip the training throughput table"
    )
    args = parser.parse_args()

    rows = []  # (what, measured, value, target, verdict)
    for path in PAGE_FILES:
        median_ms, changed = time_reruns(path, args.reruns, MOST_MOVED.get(path))  # the home page: unchanged
        target = RERUN_TARGETS_MS.get(path)
        rows.append(
            (
                f"rerun `{path}` (median of {args.reruns}; {changed})",
                f"{median_ms:.1f} ms",
                "—" if target is None else f"< {target:.0f} ms",
                verdict(median_ms, target),
            )
        )

    for what, kernel, target_s in KERNELS:
        kernel()  # warm up: imports, caches
        best = min(_timed(kernel) for _ in range(5))
        rows.append(
            (
                f"kernel: {what} (best of 5)",
                f"{best * 1000:.1f} ms",
                f"< {target_s * 1000:.0f} ms",
                verdict(best, target_s),
            )
        )

    starts = cold_starts(args.cold_starts)
    if isinstance(starts, str):
        rows.append(("cold start `streamlit run app.py`", starts, f"< {COLD_START_TARGET_S:.0f} s", ""))
    else:
        for label, seconds in starts:
            rows.append(
                (
                    f"cold start `streamlit run app.py` → {label} (median of {args.cold_starts})",
                    f"{seconds:.2f} s",
                    f"< {COLD_START_TARGET_S:.0f} s",
                    verdict(seconds, COLD_START_TARGET_S),
                )
            )

    print("| measurement | value | target | |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.throughput:
        print(
            "\nTraining throughput, torch on one thread as the pages use it: each page's training in rnnviz "
            "(records, test evaluations) against a bare torch loop on the same model and batches.\n"
        )
        print("| page | trained | rnnviz | plain torch loop | rnnviz / plain |")
        print("|---|---|---|---|---|")
        for row in throughput():
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
