"""The lab's default models, trained ahead of time and shipped as weights.

Each model page opens on one of these, so that no visitor waits for a training (from 4 seconds of
one core, the LSTM gates page's, to 40 minutes, the character LM's: their sidecars). One script makes
them all, reproducibly (the same code, seeds and torch give the same numbers, up to how a CPU rounds:
the tests measure each again within a tolerance):

    python -m rnnviz.defaults              # every default, one after another
    python -m rnnviz.defaults char_lm      # one of them

For each default it writes rnnviz/weights/NAME.pt, a `training.Loop.snapshot()` (weights, optimizer
state unless the default leaves it out, counters, records: tensors and plain data, loaded with `torch.load(weights_only=True)`), and
NAME.json beside it: the settings, the metrics measured at the end, the training time, the torch and
Python versions. `load(NAME)` rebuilds the loop from the code's own default settings and restores
the snapshot into it; if the code's settings or the model's shape no longer match the file, it says
to rerun the script for that name.

Each model module lists its defaults (`DEFAULTS`, a list of `Default`): how to build the loop at the
code's default settings, and how to measure it (fully when it is made, quickly in the tests);
`_defaults()` below collects them, in the order the script makes them."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from rnnviz import training

WEIGHTS = Path(__file__).resolve().parent / "weights"
MAX_TOTAL_MB = 20.0  # what the repository may hold in weights, all defaults together


@dataclass(frozen=True)
class Default:
    """One default model: `build()` a fresh loop at the code's default settings (their `settings()` as
    plain data), train it to its budget, `measure(loop)` its metrics (a dict of numbers); `check(loop)`
    re-measures one of them on a small held-out sample, for the tests: (name, value)."""

    name: str
    build: Callable[[], training.Loop]
    settings: Callable[[], dict]
    measure: Callable[[training.Loop], dict]
    check: Callable[[training.Loop], tuple[str, float]]
    tolerance: float  # how far check's value may be from the measured one (absolute)
    threads: int = 1  # torch threads while training: the lab trains on one
    with_optimizer: bool = True  # the optimizer's state in the file too (Adam's: twice the weights' size)

    @property
    def path(self) -> Path:
        return WEIGHTS / f"{self.name}.pt"

    @property
    def sidecar(self) -> Path:
        return WEIGHTS / f"{self.name}.json"


def _defaults() -> list[Default]:
    """Every default of the lab. (The model modules are imported here, when first asked for, so that
    importing rnnviz.defaults stays cheap.)"""
    from rnnviz import charlm, gates, long_term, sentiment, seq2seq

    return [*gates.DEFAULTS, *sentiment.DEFAULTS, *long_term.DEFAULTS, *seq2seq.DEFAULTS, *charlm.DEFAULTS]


_REGISTRY: dict[str, Default] = {}


def _registry() -> dict[str, Default]:
    if not _REGISTRY:
        _REGISTRY.update((default.name, default) for default in _defaults())
    return _REGISTRY


def names() -> list[str]:
    """The names of the defaults, in the order the script makes them."""
    return list(_registry())


def get(name: str) -> Default:
    """The default called `name`."""
    return _registry()[name]


class OutOfDate(ValueError):
    """A weights file that the code can no longer take: rerun `python -m rnnviz.defaults NAME`."""


def describe(name: str) -> dict:
    """The sidecar of a default: settings, metrics, seconds, versions."""
    default = _registry()[name]
    return json.loads(default.sidecar.read_text())


def load(name: str) -> training.Loop:
    """The default `name`, rebuilt at the code's settings and restored from its weights file."""
    default = _registry()[name]
    rerun = f"rerun `python -m rnnviz.defaults {name}`"
    if not default.path.exists() or not default.sidecar.exists():
        raise OutOfDate(f"{default.path.name} is missing: {rerun}")
    if describe(name)["settings"] != _plain_json(default.settings()):
        raise OutOfDate(
            f"the settings in {default.sidecar.name} are not the code's defaults any more: {rerun}"
        )
    loop = default.build()
    try:
        loop.restore(torch.load(default.path, map_location="cpu", weights_only=True))
    except (RuntimeError, KeyError, ValueError) as error:
        raise OutOfDate(
            f"{default.path.name} does not fit the model in the code ({error}): {rerun}"
        ) from None
    return loop


def make(name: str) -> dict:
    """Train the default `name` to its budget and write its weights and sidecar; the sidecar."""
    default = _registry()[name]
    training.set_threads(default.threads)
    loop = default.build()
    start = time.perf_counter()
    loop.step(loop.steps)
    seconds = time.perf_counter() - start
    WEIGHTS.mkdir(exist_ok=True)
    torch.save(loop.snapshot(default.with_optimizer), default.path)
    sidecar = {
        "name": name,
        "settings": _plain_json(default.settings()),
        "metrics": default.measure(loop),
        "steps": loop.step_count,
        "status": loop.status(),
        "training_seconds": round(seconds, 1),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "file_mb": round(default.path.stat().st_size / 2**20, 3),
    }
    default.sidecar.write_text(json.dumps(sidecar, indent=2) + "\n")
    return sidecar


def _plain_json(value):
    """Settings as JSON sees them (tuples as lists), so that the file and the code compare equal."""
    return json.loads(json.dumps(value))


def total_mb() -> float:
    """The size of every weights file together."""
    return sum(path.stat().st_size for path in WEIGHTS.glob("*.pt")) / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help=f"which defaults (all: {', '.join(_registry())})")
    names = parser.parse_args(argv).names or list(_registry())
    for name in names:
        if name not in _registry():
            sys.exit(f"no default called {name!r}; the defaults are {', '.join(_registry())}")
        print(f"training {name}...", flush=True)
        sidecar = make(name)
        print(f"  {sidecar['status']}; {sidecar['training_seconds']} s; {sidecar['metrics']}", flush=True)
    print(f"weights in all: {total_mb():.2f} MB (at most {MAX_TOTAL_MB:g})")


if __name__ == "__main__":
    main()
