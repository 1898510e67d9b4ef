"""Serve the real app as the README says and find the browser: for the browser tests and the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
# Quiet, sandbox-free headless Chromium: no GPU, no QUIC, no background calls home (no network here).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serve_app(log_path: Path | None = None, timeout_s: float = 60) -> Iterator[str]:
    """Start `streamlit run app.py` on a free port, wait until it is healthy, yield its base URL,
    stop it at the end. Raises RuntimeError (with the log's tail) if it does not come up."""
    with serve_app_process(log_path, timeout_s) as (base_url, _):
        yield base_url


def rss_bytes(pid: int) -> int:
    """The resident memory of a process (Linux /proc), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve_app_process(
    log_path: Path | None = None, timeout_s: float = 60, script: str = "app.py", options: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """serve_app, yielding the server process too (for its memory and CPU time). `script` is run from
    the repository's root, so the project's .streamlit/config.toml applies; `options` are more
    `--section.option value` words for `streamlit run`."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        *options,
    ]
    # The log goes to a file, not a pipe: nobody reads a pipe while the app runs, and a full one blocks.
    with open(log_path or "/dev/null", "wb") as log:
        server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    log_tail = (lambda: _tail(log_path)) if log_path else (lambda: "(no log kept)")
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {server.returncode}:\n{log_tail()}")
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:  # not listening yet (connection refused, reset, or timed out)
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {timeout_s} s:\n{log_tail()}")
            time.sleep(0.05)
        yield base_url, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
