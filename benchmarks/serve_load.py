"""A class on one server, measured over Streamlit's own protocol.

Each session is what a browser tab is to the server, without the browser: it fetches the page's
HTML, opens the websocket `/_stcore/stream`, sends the `BackMsg` a tab sends (`rerun_script` with the
page, the query string, every widget state it holds, the hashes of the messages it has cached, and
the fragment of the moved widget), and reads the server's `ForwardMsg`s up to `script_finished`.
It keeps what a tab keeps: the page's script hash, the query string the server writes back
(`bind="query-params"`), the widgets it has been sent (their ids, ranges and fragments), and the
large messages it may be sent again by reference. The client costs almost nothing, so what is timed
is the server: Streamlit's own work and the lab's scripts.

Scenarios, all in one run, each on the same server (the floor on its own):
- floor: one session on `benchmarks/floor_app.py` (one slider, one plotly line) served with the
  project's own config; every other figure is read against its median.
- single: one session per page, opening it and moving its most-used control.
- class: 40 sessions arriving within 10 s, spread over the five analysis pages, each moving its
  page's slider about once a second.
- models: 20 sessions on the five model pages, moving controls that do not train.
- first: for each model page, a fresh server (no page opened yet; started as the README says, it
  answers its health check once it has loaded the shipped models, and the row says how long after
  its start) and 10 sessions arriving within 5 s that open that page: how long the first visitors
  of the day wait for it to draw.
- soak (--soak SECONDS): 20 analysis sessions for that long, the server's memory read every 10 s.

For each: page opens (HTML to the first `script_finished`) and moves (send to `script_finished`):
p50, p95, max; exception elements seen; sessions dropped (closed, or no answer within 30 s); the
server's CPU (cores) and peak resident memory.

    python benchmarks/serve_load.py                 # everything but the soak, about 6 minutes
    python benchmarks/serve_load.py --soak 600      # ... and a 10-minute soak of 20 sessions
    python benchmarks/serve_load.py --only single   # one scenario
    python benchmarks/serve_load.py --url http://127.0.0.1:8080 --pids 101 102   # an app served elsewhere
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import http.cookiejar
import random
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # every script here: the checkout first, then its packages

from harness.serve import cpu_seconds, rss_bytes, serve_app_process

ANSWER_TIMEOUT_S = 30.0  # a run not finished after this: the session counts as dropped
WARM_UP_TIMEOUT_S = 300.0  # a page's first open (generous: a model page's first readings, a busy machine)
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
REPLICA_COOKIE = "rnnviz_replica"  # deploy/haproxy.cfg
WIDGETS = ("slider", "number_input", "text_input", "radio", "checkbox", "button", "selectbox")

# Each page and the control its users move most. Analysis pages compute on the spot; on the model
# pages these controls read a trained model, they do not train one.
ANALYSIS = {
    "hand_built_rnns": "hb_parity_x_to_h1",
    "backprop_through_time": "bptt_w",
    "exploding_vanishing": "ev_w",
    "iterated_functions": "maps_r",
    "loss_cliffs": "cliff_start_w",
}
MODELS = {
    "lstm_gates": "gates_example",
    "sentiment": "sent_tweet",
    "char_language_model": "clm_temperature",
    "sequence_to_sequence": "s2s_beam",
    "long_term_dependencies": "ltd_T",
}
TEXTS = {  # what a text box is set to, in turn
    "sent_tweet": [
        "what a great film",
        "not good at all",
        "awful, but the ending was wonderful",
        "never disappointed",
        "the plot was dull and the acting worse",
        "i loved every minute",
    ],
}


@dataclass
class Widget:
    id: str
    kind: str  # the Element field: slider, number_input, ...
    proto: object  # its proto as the server sent it (range, step, default, options)
    fragment_id: str  # the fragment it is drawn in ("" for none): a move reruns that fragment only


@dataclass
class Tally:
    """What one scenario measured."""

    opens: list[float] = field(default_factory=list)  # seconds
    moves: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    replicas: list[str] = field(default_factory=list)  # the replica of each session (behind HAProxy)


class Dropped(Exception):
    """The server closed the session or did not answer in time."""


class Session:
    """One browser tab's side of the protocol."""

    def __init__(self, base_url: str, page: str, query: str = ""):
        self.base_url, self.page, self.query = base_url, page, query
        self.page_script_hash = ""
        self.widgets: dict[str, Widget] = {}  # by user key
        self.states: dict[str, WidgetState] = {}  # by widget id: what this tab has set
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash -> (message, run it was last used in)
        self.runs = 0
        self.max_cache_age = 2  # the server's global.maxCachedMessageAge, sent in new_session
        self.errors: list[str] = []
        self.socket = None
        self.replica = ""  # behind deploy/serve.sh: the replica HAProxy's cookie keeps this tab on

    async def open(self, timeout: float = ANSWER_TIMEOUT_S) -> float:
        """Fetch the page as a browser does, connect, run the page; seconds to its script_finished."""
        start = time.perf_counter()
        path = f"{self.base_url}/{self.page}" + (f"?{self.query}" if self.query else "")
        # A cookie jar per tab: behind a load balancer its cookie keeps the tab on one replica.
        cookies = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        await asyncio.to_thread(_get, opener, path)
        await asyncio.to_thread(_get, opener, f"{self.base_url}/_stcore/host-config")
        headers = {"Origin": self.base_url}
        self.replica = next((cookie.value for cookie in cookies if cookie.name == REPLICA_COOKIE), "")
        if len(cookies):
            headers["Cookie"] = "; ".join(f"{cookie.name}={cookie.value}" for cookie in cookies)
        ws_url = self.base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = await websockets.connect(
            ws_url, subprotocols=["streamlit"], max_size=None, additional_headers=headers
        )
        await self._run(page_name=self.page, timeout=timeout)
        return time.perf_counter() - start

    async def move(self, key: str, value) -> float:
        """Set a widget as the browser does when it is moved; seconds until the rerun has finished."""
        widget = self.widgets[key]
        state = WidgetState(id=widget.id)
        if widget.kind == "slider":
            state.double_array_value.data[:] = [float(value)]
        elif widget.kind == "number_input":
            state.double_value = float(value)
        elif widget.kind in ("text_input", "radio", "selectbox"):
            state.string_value = str(value)
        elif widget.kind == "checkbox":
            state.bool_value = bool(value)
        else:
            state.trigger_value = True
        self.states[widget.id] = state
        if getattr(widget.proto, "query_param_key", ""):  # the tab writes a bound widget into its URL
            params = dict(urllib.parse.parse_qsl(self.query))
            params[widget.proto.query_param_key] = f"{value:g}" if isinstance(value, float) else str(value)
            self.query = urllib.parse.urlencode(params)
        start = time.perf_counter()
        await self._run(fragment_id=widget.fragment_id)
        if widget.kind == "button":
            del self.states[widget.id]  # a trigger is sent once
        return time.perf_counter() - start

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def _run(
        self, page_name: str = "", fragment_id: str = "", timeout: float = ANSWER_TIMEOUT_S
    ) -> None:
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query
        client.page_script_hash = self.page_script_hash
        client.page_name = page_name
        client.fragment_id = fragment_id
        client.widget_states.widgets.extend(self.states.values())
        client.cached_message_hashes.extend(self.cache)
        client.context_info.timezone = "UTC"
        client.context_info.locale = "en-US"
        try:
            await self.socket.send(message.SerializeToString())
            await asyncio.wait_for(self._read_until_finished(), timeout)
        except (TimeoutError, websockets.ConnectionClosed) as error:
            raise Dropped(f"{self.page}: {type(error).__name__} {error}") from None

    async def _read_until_finished(self) -> None:
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            if self._read(message):
                return

    def _read(self, message: ForwardMsg) -> bool:
        """Keep what a tab keeps from one message; True once the run has finished."""
        kind = message.WhichOneof("type")
        if kind == "ref_hash":  # a large message sent before: the tab draws its cached copy
            if message.ref_hash not in self.cache:
                self.errors.append(f"{self.page}: a reference to a message never sent")
                return False
            message, _ = self.cache[message.ref_hash]
            kind = message.WhichOneof("type")
        if message.metadata.cacheable:
            self.cache[message.hash] = (message, self.runs)
        if kind == "new_session":
            self.max_cache_age = message.new_session.config.max_cached_message_age or self.max_cache_age
        elif kind == "navigation":  # st.navigation says which page ran: reruns name it
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            element_kind = element.WhichOneof("type")
            if element_kind == "exception":
                self.errors.append(f"{self.page}: {element.exception.type}: {element.exception.message}")
            elif element_kind in WIDGETS:
                proto = getattr(element, element_kind)
                if proto.id.startswith("$$ID-") and proto.id.count("-") >= 2:
                    key = proto.id.split("-", 2)[2]
                    self.widgets[key] = Widget(proto.id, element_kind, proto, message.delta.fragment_id)
        elif kind == "script_finished" and message.script_finished in FINISHED:
            self.runs += 1
            self.cache = {
                h: (m, run) for h, (m, run) in self.cache.items() if self.runs - run <= self.max_cache_age
            }
            return True
        return False


def _get(opener: urllib.request.OpenerDirector, url: str) -> None:
    with opener.open(url, timeout=ANSWER_TIMEOUT_S) as response:
        response.read()


def values_of(widget: Widget, rng: random.Random):
    """An endless walk of the values a user sets: a number swept to and fro over its whole range a few
    notches at a time (so that values seldom repeat and caches seldom answer), a text retyped."""
    if widget.kind in ("slider", "number_input"):
        proto = widget.proto
        value = proto.default[0] if widget.kind == "slider" else proto.default
        step = proto.step or 1.0
        low = proto.min if widget.kind == "slider" or proto.has_min else value - 100 * step
        high = proto.max if widget.kind == "slider" or proto.has_max else value + 100 * step
        direction = rng.choice([-1, 1])
        while True:
            value += direction * rng.choice([1, 2, 3]) * step
            if not low <= value <= high:
                value, direction = min(high, max(low, value)), -direction
            yield round(value, 10)
    elif widget.kind == "text_input":
        texts = TEXTS[widget.id.split("-", 2)[2]]
        turn = rng.randrange(len(texts))
        while True:
            turn += 1
            yield texts[turn % len(texts)]
    else:
        raise ValueError(f"no walk for a {widget.kind}")


async def session_life(
    base_url: str,
    page: str,
    key: str,
    seed: int,
    delay: float,
    moves: int,
    period: float,
    deadline: float,
    tally: Tally,
) -> None:
    """Arrive after `delay`, open the page, move `key` every `period` seconds (after the last move has
    finished) until `moves` moves or `deadline`."""
    await asyncio.sleep(delay)
    rng = random.Random(seed)
    session = Session(base_url, page)
    try:
        tally.opens.append(await session.open())
        tally.replicas.append(session.replica)
        walk = values_of(session.widgets[key], rng)
        for _ in range(moves):
            if time.monotonic() > deadline:
                break
            sent = time.monotonic()
            tally.moves.append(await session.move(key, next(walk)))
            await asyncio.sleep(max(0.0, sent + period * rng.uniform(0.8, 1.2) - time.monotonic()))
    except Dropped as error:
        tally.dropped.append(str(error))
    except KeyError as error:
        tally.errors.append(f"{page}: no widget {error} on the page")
    finally:
        tally.errors.extend(session.errors)
        await session.close()


class ServerWatch:
    """The server's CPU time and peak resident memory over a stretch of time (read every 0.2 s); for
    several processes (replicas), their sums."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def rss(self) -> int:
        return sum(rss_bytes(pid) for pid in self.pids)

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def cpu_each(self) -> list[float]:
        return [cpu_seconds(pid) for pid in self.pids]

    def __enter__(self) -> ServerWatch:
        self.peak, self.samples = self.rss(), []
        self.cpu_start, self.wall_start = self.cpu(), time.monotonic()
        self.cpu_each_start = self.cpu_each()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            rss = self.rss()
            self.peak = max(self.peak, rss)
            self.samples.append((time.monotonic() - self.wall_start, rss))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.wall = time.monotonic() - self.wall_start
        self.cores = (self.cpu() - self.cpu_start) / self.wall
        self.cores_each = [
            (end - start) / self.wall for start, end in zip(self.cpu_each_start, self.cpu_each())
        ]


@dataclass
class Row:
    scenario: str
    tally: Tally
    cores: float
    peak_mb: float
    seconds: float
    cores_each: list[float] = field(default_factory=list)  # per server process (replicas)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) in milliseconds; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def crowd(
    base_url: str,
    pages: dict[str, str],
    sessions: int,
    arrive_within: float,
    moves: int,
    period: float,
    seconds: float,
    first_seed: int = 0,
) -> Tally:
    """`sessions` sessions arriving evenly within `arrive_within` seconds, taking the pages in turn."""
    tally, names = Tally(), list(pages)
    deadline = time.monotonic() + arrive_within + seconds
    gap = arrive_within / max(1, sessions - 1) if sessions > 1 else 0.0
    await asyncio.gather(
        *(
            session_life(
                base_url,
                names[i % len(names)],
                pages[names[i % len(names)]],
                first_seed + i,
                i * gap,
                moves,
                period,
                deadline,
                tally,
            )
            for i in range(sessions)
        )
    )
    return tally


async def first_visits(base_url: str, page: str, sessions: int, arrive_within: float) -> Tally:
    """`sessions` sessions arriving evenly within `arrive_within` seconds, each opening `page` once."""
    tally = Tally()

    async def visit(delay: float) -> None:
        await asyncio.sleep(delay)
        session = Session(base_url, page)
        try:
            tally.opens.append(await session.open(timeout=WARM_UP_TIMEOUT_S))
        except Dropped as error:
            tally.dropped.append(str(error))
        finally:
            tally.errors.extend(session.errors)
            await session.close()

    gap = arrive_within / max(1, sessions - 1)
    await asyncio.gather(*(visit(i * gap) for i in range(sessions)))
    return tally


async def measured(pids: list[int], scenario: str, work: Callable[[], Awaitable[Tally]]) -> Row:
    with ServerWatch(pids) as watch:
        tally = await work()
    row = Row(scenario, tally, watch.cores, watch.peak / 2**20, watch.wall, watch.cores_each)
    print(
        f"  {scenario}: {len(tally.opens)} opens, p95 {pct(tally.opens, 0.95):.0f} ms; "
        f"{len(tally.moves)} moves, p50 {pct(tally.moves, 0.5):.0f} ms, "
        f"p95 {pct(tally.moves, 0.95):.0f} ms; {len(tally.errors)} errors, {len(tally.dropped)} dropped",
        flush=True,
    )
    return row


@contextmanager
def serve(
    script: str, log: str, url: str | None = None, pids: list[int] | None = None
) -> Iterator[tuple[str, list[int]]]:
    """Serve `script` here for the run (base URL and the server's pid); or, with `url`, use a server
    that is already running (a load balancer in front of replicas, say), whose processes are `pids`."""
    if url:
        yield url.rstrip("/"), pids or []
        return
    with serve_app_process(Path(f"/tmp/rnnviz-serve-load-{log}.log"), timeout_s=120, script=script) as (
        base,
        server,
    ):
        yield base, [server.pid]


async def warm_up(base_url: str, pages: list[str]) -> None:
    """Open each page once, untimed: what a page computes on its first visit (its first readings of a
    shipped model, cached for everyone after) is not what the scenarios time."""
    for page in pages:
        session = Session(base_url, page)
        try:
            await session.open(timeout=WARM_UP_TIMEOUT_S)
        finally:
            await session.close()


def report(rows: list[Row], floor_ms: float, soak: list[tuple[float, int]] | None) -> None:
    print()
    print(f"Floor: the median move on a page with one slider and one plotly line is {floor_ms:.0f} ms.")
    print()
    print(
        "| scenario | opens | open p50 / p95 / max (ms) | moves (per s) | move p50 / p95 / max (ms) "
        "| p50 / floor | errors | dropped | server CPU (cores) | peak RSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        t = row.tally
        print(
            f"| {row.scenario} | {len(t.opens)} | {pct(t.opens, 0.5):.0f} / {pct(t.opens, 0.95):.0f} / "
            f"{pct(t.opens, 1):.0f} | {len(t.moves)} ({len(t.moves) / row.seconds:.1f}) | {pct(t.moves, 0.5):.0f} / "
            f"{pct(t.moves, 0.95):.0f} / {pct(t.moves, 1):.0f} | {pct(t.moves, 0.5) / floor_ms:.1f} | {len(t.errors)} "
            f"| {len(t.dropped)} | {row.cores:.2f} | {row.peak_mb:.0f} |"
        )
    for row in rows:
        if len(row.cores_each) > 1:
            sessions = collections.Counter(row.tally.replicas)
            print(
                f"{row.scenario}: the server processes used "
                + ", ".join(f"{c:.2f}" for c in row.cores_each)
                + " cores; sessions per replica: "
                + ", ".join(f"{r or '?'} {n}" for r, n in sorted(sessions.items()))
            )
    for row in rows:
        for line in (row.tally.errors + row.tally.dropped)[:5]:
            print(f"{row.scenario}: {line}")
    if soak:
        print()
        print(
            "Soak, resident memory of the server (MB) by minute:",
            ", ".join(f"{t / 60:.0f}: {rss / 2**20:.0f}" for t, rss in soak),
        )


async def main_async(args: argparse.Namespace) -> None:
    only = set(args.only or ["floor", "single", "class", "models", "first"])
    rows: list[Row] = []
    floor_ms = float("nan")
    if "floor" in only:
        print("floor page", flush=True)
        with serve("benchmarks/floor_app.py", "floor") as (base_url, pids):
            await warm_up(base_url, [""])
            floor = await measured(
                pids,
                "floor page, 1 session",
                lambda: crowd(base_url, {"": "floor_f"}, 1, 0, args.moves, 0.1, 600),
            )
            floor_ms = pct(floor.tally.moves, 0.5)
            rows.append(floor)
            if "class" in only:
                rows.append(
                    await measured(
                        pids,
                        "floor page, 40 sessions",
                        lambda: crowd(base_url, {"": "floor_f"}, 40, 10, 10**6, args.period, args.seconds),
                    )
                )
    if "first" in only and not args.url:
        for page in MODELS:  # a fresh server for each: nothing loaded, nothing cached
            print(f"first visits: {page}", flush=True)
            started = time.monotonic()
            with serve("app.py", f"first-{page}") as (base_url, pids):
                # the server answers its health check once it has loaded the shipped models (app.py)
                scenario = f"{page}: 10 first visits within 5 s on a fresh server (healthy {time.monotonic() - started:.1f} s after start)"
                rows.append(await measured(pids, scenario, lambda: first_visits(base_url, page, 10, 5.0)))
    soak_samples = None
    if only <= {"floor", "first"}:
        report(rows, floor_ms, None)
        return
    print("app", flush=True)
    with serve("app.py", "app", args.url, args.pids) as (base_url, pids):
        await warm_up(base_url, list(ANALYSIS) + list(MODELS))
        if "single" in only:
            for page, key in {**ANALYSIS, **MODELS}.items():
                rows.append(
                    await measured(
                        pids,
                        f"{page} `{key}`, 1 session",
                        lambda: crowd(base_url, {page: key}, 1, 0, args.moves, 0.1, 600),
                    )
                )
        if "class" in only:
            rows.append(
                await measured(
                    pids,
                    "5 analysis pages, 40 sessions arriving in 10 s",
                    lambda: crowd(
                        base_url, ANALYSIS, 40, 10, 10**6, args.period, args.seconds, first_seed=100
                    ),
                )
            )
        if "models" in only:
            rows.append(
                await measured(
                    pids,
                    "5 model pages, 20 sessions arriving in 10 s",
                    lambda: crowd(
                        base_url, MODELS, 20, 10, 10**6, args.reading_period, args.seconds, first_seed=200
                    ),
                )
            )
        if args.soak:
            with ServerWatch(pids) as watch:
                tally = await crowd(base_url, ANALYSIS, 20, 10, 10**6, 1.0, args.soak, first_seed=300)
            rows.append(
                Row(
                    f"soak: 20 sessions for {args.soak:.0f} s",
                    tally,
                    watch.cores,
                    watch.peak / 2**20,
                    watch.wall,
                )
            )
            soak_samples = [(t, rss) for t, rss in watch.samples if int(t) % 60 == 0 and t - int(t) < 0.2]
    report(rows, floor_ms, soak_samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--moves", type=int, default=30, help="moves per page in the one-session scenarios")
    parser.add_argument("--seconds", type=float, default=60, help="how long the crowds move after arriving")
    parser.add_argument(
        "--period",
        type=float,
        default=1.0,
        help="seconds between a session's moves in the 40-session crowds (0: as fast as answered)",
    )
    parser.add_argument(
        "--reading-period",
        type=float,
        default=2.0,
        help="seconds between a session's moves on the model pages (reading a model is slower)",
    )
    parser.add_argument("--soak", type=float, default=0, help="seconds of a 20-session soak (0: none)")
    parser.add_argument("--only", nargs="*", choices=["floor", "single", "class", "models", "first"])
    parser.add_argument(
        "--url",
        help="measure the app already served here (e.g. a load balancer) instead of "
        "starting one; the floor page is still served on its own",
    )
    parser.add_argument(
        "--pids", type=int, nargs="*", help="with --url: the server processes to watch (CPU, RSS)"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
