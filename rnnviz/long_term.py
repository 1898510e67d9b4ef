"""The long-term dependencies page: a tanh RNN, an IRNN and an LSTM trained side by side.

The training itself is rnnviz.training's (Trainer, Comparison); this module holds what the page shows
from it ready-made: its default runs, shipped as weights with their records (rnnviz.defaults)."""

from __future__ import annotations

# The page's default runs, shipped trained (rnnviz.defaults): none yet, the page trains its own.
DEFAULTS: list = []
