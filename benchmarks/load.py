"""A classroom arriving at once: many browser sessions on one server, some of them training.

One `streamlit run app.py` on 127.0.0.1 and one headless Chromium with one context per session (its
own cookies, its own Streamlit session). Most sessions move a control of an analysis page again and
again and time each change until their chart shows new data; a few start live training (Play) at
the same time. Bounded in time and count: every session stops after --moves moves or --seconds.

Reports the errors (exceptions shown on a page, page crashes, charts that never updated: must be 0),
the median and 95th percentile time from a control change to the chart's update, the server's peak
resident memory (must stay under 3 GB), and whether the server goes quiet once the training
sessions close (their training stops with them).

    python benchmarks/load.py                  # 20 sessions, 3 of them training

Server and browsers share the machine: on 2 cores the 20 browsers' rendering costs more CPU than the
server (the report gives the server's share). --pin puts the server on core 0 and the browsers on
the others (taskset), as in a class where the browsers are on the students' machines.
    python benchmarks/load.py --sessions 5 --trainers 1 --moves 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # every script here: the checkout first

from harness.browsing import APP_IDLE, EXCEPTION, READ_PLOT
from harness.serve import CHROMIUM, CHROMIUM_ARGS, cpu_seconds, rss_bytes, serve_app_process

MEMORY_LIMIT = 3 * 2**30
UPDATE_TIMEOUT_MS = 120_000  # a chart that has not updated after this counts as an error
ARRIVAL_TIMEOUT_MS = 300_000  # the page and its first chart, with everyone else arriving too
FOREGROUND = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
ARRIVAL_GAP_S = 1.0  # sessions arrive one a second, as a class opening a shared link

# The analysis pages: (page, slider moved by arrow keys, the chart it changes). Sessions take them in turn.
ANALYSIS = [
    ("backprop_through_time", "bptt_w", "bptt_gradients"),
    ("exploding_vanishing", "ev_w", "ev_linear"),
    ("iterated_functions", "maps_r", "maps_panels"),
    ("loss_cliffs", "cliff_start_w", "cliff_norms"),
    ("lstm_gates", "gates_example", "gates_heatmaps"),
]
# The training sessions: the long-term dependencies page (three networks side by side), Play.
TRAINING = ("long_term_dependencies", "ltd_loss")


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds from a key press to the chart's update
    errors: list[str] = field(default_factory=list)
    trained_steps: list[int] = field(default_factory=list)


async def open_page(page: Page, url: str, chart: str) -> str:
    """Go to the page and wait for its chart; the chart's data."""
    await page.goto(url, wait_until="commit", timeout=ARRIVAL_TIMEOUT_MS)
    await page.locator(f".st-key-{chart} .js-plotly-plot").first.wait_for(timeout=ARRIVAL_TIMEOUT_MS)
    await page.locator(APP_IDLE).wait_for(timeout=ARRIVAL_TIMEOUT_MS)
    handle = await page.wait_for_function(READ_PLOT, arg=[chart, None], timeout=ARRIVAL_TIMEOUT_MS)
    return await handle.json_value()


async def analysis_session(
    browser: Browser, url: str, index: int, moves: int, deadline: float, results: Results
):
    name, slider, chart = ANALYSIS[index % len(ANALYSIS)]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UPDATE_TIMEOUT_MS)  # clicks and key presses wait as long as a chart may
    page = await context.new_page()
    page.on("pageerror", lambda error: results.errors.append(f"session {index} ({name}): page error {error}"))
    try:
        await asyncio.sleep(index * ARRIVAL_GAP_S)
        shown = await open_page(page, f"{url}/{name}", chart)
        thumb = page.locator(f'.st-key-{slider} input[type="range"]')
        for move in range(moves):
            if time.monotonic() > deadline:
                break
            await thumb.focus()
            start = time.perf_counter()
            await thumb.press("ArrowRight" if move % 2 == 0 else "ArrowLeft")  # to and fro: always a change
            handle = await page.wait_for_function(READ_PLOT, arg=[chart, shown], timeout=UPDATE_TIMEOUT_MS)
            results.latencies.append(time.perf_counter() - start)
            shown = await handle.json_value()
            await page.locator(APP_IDLE).wait_for(timeout=UPDATE_TIMEOUT_MS)
        if await page.locator(EXCEPTION).count():
            results.errors.append(f"session {index} ({name}): an exception is shown")
    except PlaywrightError as error:  # a timeout or a crash: an error of the run, not of the script
        results.errors.append(
            f"session {index} ({name}): {type(error).__name__}: {str(error).splitlines()[0]}"
        )
    finally:
        await context.close()


async def training_session(browser: Browser, url: str, index: int, stop: asyncio.Event, results: Results):
    name, chart = TRAINING
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UPDATE_TIMEOUT_MS)  # clicks and key presses wait as long as a chart may
    page = await context.new_page()
    page.on("pageerror", lambda error: results.errors.append(f"trainer {index}: page error {error}"))
    try:
        await open_page(page, f"{url}/{name}?ltd_seed={index}", chart)  # its own models: one trainer each
        await page.get_by_role("button", name="Play").click()
        await stop.wait()
        text = await page.locator('[data-testid="stProgress"]').first.inner_text()
        results.trained_steps.append(int(text.split()[1]))  # "step 123 of 1500"
        if await page.locator(EXCEPTION).count():
            results.errors.append(f"trainer {index}: an exception is shown")
    except (PlaywrightError, ValueError) as error:
        results.errors.append(f"trainer {index}: {type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        await context.close()  # the session ends while its models train


def watch_memory(pid: int, peak: list[int], stop: threading.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes(pid))
        time.sleep(0.2)


def pin(server_pid: int) -> str:
    """Server (every thread) on core 0, this process and the browsers it starts on the others."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return "not pinned: one core"
    subprocess.run(
        ["taskset", "-a", "-p", "-c", str(cores[0]), str(server_pid)], check=True, capture_output=True
    )
    os.sched_setaffinity(0, set(cores[1:]))
    return f"server on core {cores[0]}, browsers on core(s) {', '.join(map(str, cores[1:]))}"


async def run(sessions: int, trainers: int, moves: int, seconds: float, pinned: bool) -> None:
    results, peak = Results(), [0]
    with serve_app_process(Path("/tmp/rnnviz-load.log")) as (url, server):
        placement = pin(server.pid) if pinned else "not pinned: server and browsers share every core"
        cpu_at_start = cpu_seconds(server.pid)
        stop_watch = threading.Event()
        watcher = threading.Thread(target=watch_memory, args=(server.pid, peak, stop_watch), daemon=True)
        watcher.start()
        async with async_playwright() as playwright:
            # Every session is a student's tab in front of them: no background throttling of its timers.
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS + FOREGROUND
            )
            start = time.monotonic()
            deadline = start + seconds
            stop_training = asyncio.Event()
            training = [
                asyncio.create_task(training_session(browser, url, i, stop_training, results))
                for i in range(trainers)
            ]
            await asyncio.sleep(5)  # let the trainers press Play first: the others arrive and move under load
            await asyncio.gather(
                *(
                    analysis_session(browser, url, i, moves, deadline, results)
                    for i in range(sessions - trainers)
                )
            )
            analysis_seconds = time.monotonic() - start
            server_cpu = (cpu_seconds(server.pid) - cpu_at_start) / analysis_seconds
            stop_training.set()
            await asyncio.gather(*training)
            await browser.close()
        # Once every session has closed, their training must stop: the server goes quiet.
        await asyncio.sleep(3)
        before = cpu_seconds(server.pid)
        await asyncio.sleep(5)
        idle_cpu = (cpu_seconds(server.pid) - before) / 5
        stop_watch.set()
        watcher.join()

    lat = sorted(results.latencies)
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))] if lat else float("nan")
    print(
        f"{sessions} sessions ({trainers} training on the {TRAINING[0]} page, {sessions - trainers} moving "
        f"sliders on {len(ANALYSIS)} analysis pages), {analysis_seconds:.0f} s; {placement}"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| errors | {len(results.errors)} |")
    print(f"| control changes timed | {len(lat)} |")
    if lat:
        print(f"| control change to chart update, median | {1000 * statistics.median(lat):.0f} ms |")
        print(f"| control change to chart update, 95th percentile | {1000 * p95:.0f} ms |")
        print(f"| slowest | {1000 * lat[-1]:.0f} ms |")
    print(
        f"| training steps reached by the training sessions | {', '.join(map(str, results.trained_steps))} |"
    )
    print(f"| server CPU while the sessions ran | {100 * server_cpu:.0f}% of a core |")
    print(f"| server peak memory (RSS) | {peak[0] / 2**20:.0f} MB (limit {MEMORY_LIMIT / 2**20:.0f} MB) |")
    print(f"| server CPU once all sessions closed | {100 * idle_cpu:.1f}% of a core |")
    for error in results.errors:
        print("error:", error)
    if results.errors or peak[0] >= MEMORY_LIMIT:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--trainers", type=int, default=3)
    parser.add_argument("--moves", type=int, default=10, help="control changes per analysis session")
    parser.add_argument("--seconds", type=float, default=240, help="stop moving after this long")
    parser.add_argument("--pin", action="store_true", help="server on core 0, browsers on the other cores")
    args = parser.parse_args()
    if not 0 <= args.trainers < args.sessions:
        parser.error("--trainers must be at least 0 and fewer than --sessions")
    asyncio.run(run(args.sessions, args.trainers, args.moves, args.seconds, args.pin))


if __name__ == "__main__":
    main()
