"""Sequences typed by users: parsed into arrays, or refused with a message a student can act on."""

from __future__ import annotations

import re

import numpy as np

_SEPARATORS = re.compile(r"[\s,;]+")
LARGEST_ENTRY = 1e6  # typed values beyond this only overflow the pages' charts


def parse_numbers(text: str, name: str = "sequence", max_length: int = 200) -> np.ndarray:
    """Numbers typed as '1 2.5 -3' (spaces, commas or semicolons) -> array (T,); plain errors."""
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if not tokens:
        raise ValueError(f"The {name} is empty: type numbers separated by spaces, e.g. 1 2 3.")
    if len(tokens) > max_length:
        raise ValueError(f"The {name} has {len(tokens)} entries; at most {max_length} are allowed.")
    values = []
    for position, token in enumerate(tokens, start=1):
        try:
            value = float(token)
        except ValueError:
            raise ValueError(f"Entry {position} of the {name}, '{token}', is not a number.") from None
        if not np.isfinite(value) or abs(value) > LARGEST_ENTRY:
            raise ValueError(
                f"Entry {position} of the {name}, '{token}', must be a finite number of size at most 1e6."
            )
        values.append(value)
    return np.array(values)
