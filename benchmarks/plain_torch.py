"""The yardstick of every training-throughput comparison: a bare torch loop, nothing recorded."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def time_plain_steps(
    model: torch.nn.Module, lr: float, clip: float, step_loss: Callable[[int], torch.Tensor], n: int
) -> float:
    """Seconds for n steps k = 1..n of: loss = step_loss(k) (batch and forward), backward, clip the
    gradient's norm, Adam. The loss is read each step, as every training loop of the lab does."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    start = time.perf_counter()
    for k in range(1, n + 1):
        loss = step_loss(k)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip if clip > 0 else float("inf"))
        optimizer.step()
        loss.item()
    return time.perf_counter() - start
