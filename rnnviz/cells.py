"""Instrumented recurrent cells: the same numbers as torch.nn's RNN, LSTM and GRU, with every gate
and state of every step recorded.

Training uses the fast torch.nn modules; these cells copy a module's weights (`from_torch`) and
rerun it step by step, written as the lecture writes it, so that a page can show the gates. Inputs
are time-major, x of shape (T, B, D); every record entry is (T, B, H). Pass a list as `watch` and
each step's h_t (B, H), as the recurrence uses it, is appended to it: torch.autograd.grad(loss, watch)
then gives dL/dh_t for every t, all paths from h_t to the loss included (the record's stacked "h"
only sees the direct ones). Pass a list as `weights` and each step uses a copy of its own of W_hh
(a leaf that requires grad), appended to the list: torch.autograd.grad(loss, weights) then splits
dL/dW_hh into the terms of each step, which add up to it.

The LSTM, as in the lecture (torch stores the same rows in the order i, f, g, o):

    (i_t, f_t, o_t, g_t) = (sigma, sigma, sigma, tanh)(W [x_t; h_{t-1}] + b)
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

Record = dict[str, torch.Tensor]


def _as_tensor(x, like: torch.Tensor) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=like.dtype, device=like.device)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (T, B, D), got {tuple(x.shape)}")
    return x


def _single_layer(module: torch.nn.RNNBase) -> None:
    if module.num_layers != 1 or module.bidirectional or module.batch_first or module.proj_size:
        raise ValueError(
            "from_torch copies a one-layer, one-direction, time-major module without projections"
        )


def _weights(module: torch.nn.RNNBase) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(W_ih, W_hh, b_ih, b_hh) of layer 0, detached copies (zeros where the module has no bias)."""
    W_ih, W_hh = module.weight_ih_l0.detach().clone(), module.weight_hh_l0.detach().clone()
    if module.bias:
        return W_ih, W_hh, module.bias_ih_l0.detach().clone(), module.bias_hh_l0.detach().clone()
    zeros = torch.zeros(W_ih.shape[0], dtype=W_ih.dtype, device=W_ih.device)
    return W_ih, W_hh, zeros, zeros.clone()


def _step_weight(W_hh: torch.Tensor, weights: list | None) -> torch.Tensor:
    """W_hh itself, or (with a `weights` list) a copy for this step alone, kept in the list."""
    if weights is None:
        return W_hh
    weights.append(W_hh.detach().clone().requires_grad_(True))
    return weights[-1]


@dataclass
class RNN:
    """h_t = phi(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), phi = tanh, or relu for the IRNN."""

    W_ih: torch.Tensor  # (H, D)
    W_hh: torch.Tensor  # (H, H)
    b_ih: torch.Tensor  # (H,)
    b_hh: torch.Tensor  # (H,)
    nonlinearity: str = "tanh"

    @classmethod
    def from_torch(cls, module: torch.nn.RNN) -> RNN:
        """Copy a one-layer torch.nn.RNN (tanh or relu)."""
        _single_layer(module)
        return cls(*_weights(module), nonlinearity=module.nonlinearity)

    def __call__(
        self, x, h0: torch.Tensor | None = None, *, watch: list | None = None, weights: list | None = None
    ) -> tuple[torch.Tensor, Record]:
        """Run over x (T, B, D) -> output (T, B, H) and record {z, h}, z the pre-activation."""
        x = _as_tensor(x, self.W_ih)
        H = self.W_hh.shape[0]
        h = torch.zeros(x.shape[1], H, dtype=x.dtype, device=x.device) if h0 is None else h0  # (B, H)
        phi = torch.tanh if self.nonlinearity == "tanh" else torch.relu
        zs, hs = [], []
        for x_t in x:  # x_t: (B, D)
            W_hh = _step_weight(self.W_hh, weights)
            z = x_t @ self.W_ih.T + self.b_ih + h @ W_hh.T + self.b_hh  # (B, H)
            h = phi(z)
            if watch is not None:
                watch.append(h)
            zs.append(z)
            hs.append(h)
        output = torch.stack(hs)  # (T, B, H)
        return output, {"z": torch.stack(zs), "h": output}


def irnn_module(input_size: int, hidden_size: int, input_std: float = 0.001) -> torch.nn.RNN:
    """The IRNN of Le, Jaitly and Hinton (2015): ReLU units, recurrent weights initialised to the
    identity and biases to zero, so that each step starts out copying its state forward."""
    module = torch.nn.RNN(input_size, hidden_size, nonlinearity="relu")
    with torch.no_grad():
        module.weight_hh_l0.copy_(torch.eye(hidden_size))
        module.weight_ih_l0.normal_(0.0, input_std)
        module.bias_ih_l0.zero_()
        module.bias_hh_l0.zero_()
    return module


class _CopiesTorch:
    """from_torch for the gated cells, whose fields are exactly (W_ih, W_hh, b_ih, b_hh)."""

    @classmethod
    def from_torch(cls, module: torch.nn.RNNBase):
        """Copy a one-layer torch.nn.LSTM or GRU; calling the copy gives the module's output."""
        _single_layer(module)
        return cls(*_weights(module))


@dataclass
class LSTM(_CopiesTorch):
    """The lecture's LSTM; weights kept in torch's layout (rows i, f, g, o), read by gate name."""

    W_ih: torch.Tensor  # (4H, D)
    W_hh: torch.Tensor  # (4H, H)
    b_ih: torch.Tensor  # (4H,)
    b_hh: torch.Tensor  # (4H,)

    def __call__(
        self,
        x,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
        *,
        watch: list | None = None,
        watch_c: list | None = None,
        overrides: dict[str, dict[int, float]] | None = None,
        weights: list | None = None,
    ) -> tuple[torch.Tensor, Record]:
        """Run over x (T, B, D) -> output h (T, B, H) and record {i, f, o, g, c, h}, each (T, B, H).
        `watch` receives each h_t (c_t is not watched: dL/dh_t holds c_t fixed), `watch_c` each c_t.
        `overrides` forces gates at chosen steps, e.g. {"f": {5: 1.0}} sets f_5 = 1 (steps from 0)."""
        x = _as_tensor(x, self.W_ih)
        H = self.W_hh.shape[1]
        B = x.shape[1]
        zeros = torch.zeros(B, H, dtype=x.dtype, device=x.device)
        h, c = state if state is not None else (zeros, zeros)
        record: dict[str, list[torch.Tensor]] = {k: [] for k in "ifogch"}
        for step, x_t in enumerate(x):
            W_hh = _step_weight(self.W_hh, weights)
            a = x_t @ self.W_ih.T + self.b_ih + h @ W_hh.T + self.b_hh  # (B, 4H): W [x_t; h_{t-1}] + b
            i, f, g, o = a.split(H, dim=1)  # torch's row order
            i, f, o, g = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o), torch.tanh(g)
            if overrides:
                gate = {"i": i, "f": f, "o": o, "g": g}
                for name, steps in overrides.items():
                    if step in steps:
                        gate[name] = torch.full_like(gate[name], steps[step])
                i, f, o, g = gate["i"], gate["f"], gate["o"], gate["g"]
            c = f * c + i * g  # (B, H)
            h = o * torch.tanh(c)  # (B, H)
            if watch is not None:
                watch.append(h)
            if watch_c is not None:
                watch_c.append(c)
            for name, value in zip("ifogch", (i, f, o, g, c, h)):
                record[name].append(value)
        stacked = {name: torch.stack(values) for name, values in record.items()}  # each (T, B, H)
        return stacked["h"], stacked


@dataclass
class GRU(_CopiesTorch):
    """torch's GRU: r, z gates; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h = (1 - z) n + z h."""

    W_ih: torch.Tensor  # (3H, D), rows r, z, n
    W_hh: torch.Tensor  # (3H, H)
    b_ih: torch.Tensor  # (3H,)
    b_hh: torch.Tensor  # (3H,)

    def __call__(
        self, x, h0: torch.Tensor | None = None, *, watch: list | None = None, weights: list | None = None
    ) -> tuple[torch.Tensor, Record]:
        """Run over x (T, B, D) -> output (T, B, H) and record {r, z, n, h}, each (T, B, H)."""
        x = _as_tensor(x, self.W_ih)
        H = self.W_hh.shape[1]
        h = torch.zeros(x.shape[1], H, dtype=x.dtype, device=x.device) if h0 is None else h0
        record: dict[str, list[torch.Tensor]] = {k: [] for k in "rznh"}
        for x_t in x:
            a_x = x_t @ self.W_ih.T + self.b_ih  # (B, 3H)
            a_h = h @ _step_weight(self.W_hh, weights).T + self.b_hh  # (B, 3H)
            r = torch.sigmoid(a_x[:, :H] + a_h[:, :H])
            z = torch.sigmoid(a_x[:, H : 2 * H] + a_h[:, H : 2 * H])
            n = torch.tanh(a_x[:, 2 * H :] + r * a_h[:, 2 * H :])
            h = (1 - z) * n + z * h
            if watch is not None:
                watch.append(h)
            for name, value in zip("rznh", (r, z, n, h)):
                record[name].append(value)
        stacked = {name: torch.stack(values) for name, values in record.items()}
        return stacked["h"], stacked
