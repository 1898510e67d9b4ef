"""A config's settings, written once beside its fields: label, range, step and help of each field a
person may set.

    @dataclass(frozen=True)
    class CharLMConfig:
        hidden_size: int = setting(512, "hidden units", 8, 512, 8)

    check(config)   raises ValueError for a value outside its range (the config's __post_init__ calls it)
    of(CharLMConfig, "hidden_size")  -> Setting: what the app draws its control from (ui.controls)

One table for both sides, as in TensorFlow Playground's state.ts: a page's slider cannot allow what
the config refuses, and a notebook user gets the same limits and messages as the page."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One settable field: a number from low to high (a whole number when the default is one), one of
    `options`, or yes or no (a bool default); low, high and step are only for numbers."""

    name: str
    label: str
    default: Any
    low: float = 0
    high: float = 0
    step: float = 1
    options: tuple[str, ...] = ()
    help: str | None = None

    def problem(self, value: Any) -> str | None:
        """Why this value is refused, or None."""
        if self.options:
            return (
                None if value in self.options else f"must be one of {', '.join(self.options)}, got {value!r}"
            )
        if isinstance(self.default, bool):
            return None if isinstance(value, bool) else f"must be True or False, got {value!r}"
        whole = isinstance(self.default, int) and not isinstance(self.default, bool)
        kind = "a whole number" if whole else "a number"
        number = isinstance(value, numbers.Real) and not isinstance(value, bool)  # numpy's numbers too
        fits = number and math.isfinite(value) and self.low <= value <= self.high
        if fits and (not whole or value == int(value)):
            return None
        return f"must be {kind} from {self.low:g} to {self.high:g}, got {value!r}"


def setting(
    default: Any,
    label: str,
    low: float = 0,
    high: float = 0,
    step: float = 1,
    *,
    options: tuple[str, ...] = (),
    help: str | None = None,
) -> Any:
    """A dataclass field whose metadata is its Setting (the name is filled in by `of`)."""
    spec = Setting("", label, default, low, high, step, tuple(options), help)
    return field(default=default, metadata={"setting": spec})


def of(config_class: type, name: str) -> Setting:
    """The Setting of one field of a config class."""
    settable = all_of(config_class)
    if name not in settable:
        raise KeyError(f"{config_class.__name__}.{name} has no setting")
    return settable[name]


def all_of(config_class: type) -> dict[str, Setting]:
    """Every settable field of a config class, by name, in the class's order."""
    return {
        f.name: replace(f.metadata["setting"], name=f.name)
        for f in fields(config_class)
        if "setting" in f.metadata
    }


def check(config: Any) -> None:
    """Raise ValueError naming the first field whose value is outside its setting."""
    for name, spec in all_of(type(config)).items():
        problem = spec.problem(getattr(config, name))
        if problem:
            raise ValueError(f"{name} {problem}")
