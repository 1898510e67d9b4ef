"""Connectivity in trained models: how strongly each earlier input reaches a prediction.

A model reads inputs x_0, ..., x_t (the embedding row of each character or word, or its one-hot
vector when the model reads one-hot) and gives a score s_t after position t: for the character LM
s_t = log p(x_{t+1} | x_0..x_t), the log-probability of the character that actually came next; for
the sentiment RNN the log-odds after word t (the readout of the words so far), s_t =
log p(positive) − log p(negative), the logit. (Not log p(predicted label): its gradient is the logit's
times 1 − p(label), which a confident classifier holds near 1e-5 on most sentences, so it would measure
confidence rather than reach, and the mean over sentences would be that of the few uncertain ones.) The
connectivity of position t to an earlier position k is the norm of the gradient

    c_{t,k} = ‖∂s_t / ∂x_k‖,    k = 0, ..., t,

computed by torch autograd on the model as it is. Through the recurrence, ∂s_t/∂x_k goes through
∂h_t/∂h_{k+1} = J_{t−1} ⋯ J_{k+1}, the lecture's Jacobian product, so it reaches back only as far as
that product lets it (Distill's "Visualizing memorization in RNNs" shows the same quantity,
precomputed). A small c_{t,k} says that a small change of x_k would barely move s_t now; it does not
say that what x_k carried is lost (a state that holds it firmly is insensitive too).

The gradient horizon averages it over many predictions: B held-out windows, each scored at its last
position, c(d) = mean over windows of ‖∂s / ∂x_{t−d}‖ against the distance d. The windows are read
side by side in one forward and one backward pass: they do not interact, so the gradient of the sum
of their log-probabilities with respect to window b's inputs is window b's own gradient.

    >>> norms = char_gradients(model, ids, t=80)          # (81,) c_{80,k}
    >>> curve = char_horizon(model, held_out_windows(data, 64, 128))
    >>> curve.fall()                                      # first distance where c(d) < 1e-3 c(1)"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from rnnviz import charlm, defaults, training
from rnnviz.charlm import CharData, CharLM
from rnnviz.sentiment import SentimentConfig, SentimentRNN, SentimentTrainer

HORIZON_WINDOWS = 64  # held-out windows averaged in a character model's horizon
MIN_PREDICTIONS = 20  # a distance that fewer predictions reach is left out of a horizon: too few to average
FALL = 1e-3  # the horizon's summary: the first distance at which c(d) falls below FALL x c(1)
# the shipped models compared
CHAR_DEFAULTS = {
    "LSTM": "char_lm",
    "GRU": "char_lm_gru",
    "tanh RNN": "char_lm_rnn",
}
# last-state readout
SENTIMENT_DEFAULTS = {
    "LSTM": "sentiment",
    "GRU": "sentiment_gru",
    "tanh RNN": "sentiment_rnn",
}


def _frozen(model: nn.Module) -> dict[str, torch.Tensor]:
    """The module's weights detached, for torch.func.functional_call: autograd then differentiates with
    respect to the inputs alone, and the shared model is used as it is (nothing on it is switched)."""
    return {name: value.detach() for name, value in model.state_dict(keep_vars=True).items()}


def _input_norms(
    x: torch.Tensor, score: Callable[[torch.Tensor], torch.Tensor]
) -> tuple[np.ndarray, np.ndarray]:
    """‖∂score_b / ∂x[b, k]‖ (B, L) and score (B,) for inputs x (B, L, D) of B independent sequences:
    one backward pass of the summed scores."""
    x = x.detach().requires_grad_(True)  # (B, L, D)
    s = score(x)  # (B,)
    (grad,) = torch.autograd.grad(s.sum(), x)  # (B, L, D): row b is window b's own gradient
    return grad.norm(dim=-1).numpy(), s.detach().numpy()


# --- the character LM: s_t = log p(x_{t+1} | x_0..x_t) ---------------------------------------------------


def _char_score(model: CharLM, targets: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    rnn, head = _frozen(model.rnn), _frozen(model.head)

    def score(x: torch.Tensor) -> torch.Tensor:  # x: (B, L, E) the embedded characters read
        h, _ = torch.func.functional_call(model.rnn, rnn, (x,))  # (B, L, H)
        logits = torch.func.functional_call(model.head, head, (h[:, -1],))  # (B, V) after the last character
        log_p = torch.log_softmax(logits, dim=-1)  # (B, V)
        return log_p.gather(1, targets[:, None]).squeeze(1)  # (B,)

    return score


def char_window_norms(model: CharLM, windows: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """For windows (B, L + 1) of character ids: ‖∂ log p(windows[b, L]) / ∂e_k‖ (B, L), e_k the embedding
    row of windows[b, k] read before it, and the log-probabilities (B,)."""
    windows = torch.as_tensor(windows, dtype=torch.long)
    if windows.ndim != 2 or windows.shape[1] < 2:
        raise ValueError("windows must be (B, L + 1) with L >= 1")
    x = model.embedding.weight.detach()[windows[:, :-1]]  # (B, L, E)
    return _input_norms(x, _char_score(model, windows[:, -1]))


def char_gradients(model: CharLM, ids: Sequence[int], t: int, context: int | None = None) -> np.ndarray:
    """c_{t,k} = ‖∂ log p(ids[t+1] | context) / ∂e_k‖ (t + 1,): how strongly each character read reaches the
    probability of the character that actually came next. The context is the last `context` characters up to
    t (the model's training window by default), read from a zero state as in training, so that a position
    costs the same anywhere in a long text; NaN for the characters before it."""
    ids = np.asarray(ids, dtype=np.int64)
    context = context or model.config.window
    if not 0 <= t < len(ids) - 1:
        raise ValueError(f"t must be from 0 to {len(ids) - 2} (a next character to score), got {t}")
    start = max(0, t + 1 - context)
    with torch.enable_grad():
        norms, _ = char_window_norms(model, torch.from_numpy(ids[start : t + 2])[None])  # (1, t + 1 - start)
    return np.concatenate([np.full(start, np.nan), norms[0]])


def held_out_windows(
    data: CharData, n: int = HORIZON_WINDOWS, length: int = charlm.DEFAULT.window, seed: int = 0
) -> torch.Tensor:
    """n windows (n, length + 1) of the held-out text at random places (from the seed's TEST stream)."""
    length = min(length, len(data.test_ids) - 1)  # a short uploaded text: shorter windows
    return charlm._windows(
        torch.from_numpy(data.test_ids), n, length + 1, training.generator(seed, training.TEST)
    )


# --- the sentiment RNN: s_t = the log-odds after word t ----------------------------------------------------


def _sentence_inputs(model: SentimentRNN, ids: torch.Tensor) -> torch.Tensor:
    """x_k (B, L, D): the embedding row of each word, or its one-hot vector."""
    if model.embedding is None:
        return nn.functional.one_hot(ids, model.vocab_size).to(model.mlp[0].weight.dtype)  # (B, L, V)
    return model.embedding(ids)  # (B, L, E)


def _sentence_score(model: SentimentRNN, lengths: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    def score(x: torch.Tensor) -> torch.Tensor:
        h = model.rnn(x)[0]  # (B, L, H)
        # (B,) the log-odds: P(positive) = sigmoid(logit)
        return model.mlp(model.pool(h, lengths)).squeeze(-1)

    return score


def sentence_norms(
    model: SentimentRNN, ids: torch.Tensor, lengths: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """For padded sentences ids (B, L) of the given lengths (B,): ‖∂ logit / ∂x_k‖ (B, L), the log-odds from
    the readout of each whole sentence (0 past its end), and the logits (B,)."""
    ids, lengths = torch.as_tensor(ids, dtype=torch.long), torch.as_tensor(lengths, dtype=torch.long)
    with torch.enable_grad():
        return _input_norms(_sentence_inputs(model, ids), _sentence_score(model, lengths))


def word_gradients(model: SentimentRNN, ids: Sequence[int], t: int) -> tuple[np.ndarray, float]:
    """c_{t,k} = ‖∂ logit / ∂x_k‖ for k = 0..t (t + 1,), the logit being the log-odds log p(positive) −
    log p(negative) the model gives after word t (the readout of the words so far), and that logit."""
    ids = np.asarray(ids, dtype=np.int64)
    if not 0 <= t < len(ids):
        raise ValueError(f"t must be from 0 to {len(ids) - 1}, got {t}")
    norms, logit = sentence_norms(model, torch.from_numpy(ids[: t + 1])[None], torch.tensor([t + 1]))
    return norms[0], float(logit[0])


# --- the horizon ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Horizon:
    """The mean connectivity c(d) over many predictions, against the distance d = t − k."""

    distances: np.ndarray  # (D,) 0, 1, ..., D − 1
    mean: np.ndarray  # (D,) mean of ‖∂s/∂x_{t−d}‖ over the predictions that reach back d positions
    counts: np.ndarray  # (D,) how many predictions reach back d positions

    def fall(self, factor: float = FALL) -> int | None:
        """The first distance d ≥ 1 at which c(d) < factor x c(1); None if it stays above within D."""
        below = np.flatnonzero(self.mean[1:] < factor * self.mean[1]) + 1
        return int(below[0]) if len(below) else None

    def ratio(self, d: int) -> float:
        """c(d) / c(1)."""
        return float(self.mean[d] / self.mean[1])


def _horizon(norms: np.ndarray, lengths: np.ndarray, min_predictions: int = MIN_PREDICTIONS) -> Horizon:
    """Mean over rows of norms (B, L), row b read right to left from its last position lengths[b] − 1; the
    distances that fewer than min_predictions rows reach (all B, if fewer) left out."""
    B, L = norms.shape
    d = lengths[:, None] - 1 - np.arange(L)[None, :]  # (B, L) distance of position k from the scored one
    valid = d >= 0
    sums = np.bincount(d[valid], weights=norms[valid], minlength=L)[:L]
    counts = np.bincount(d[valid], minlength=L)[:L]
    keep = counts >= min(min_predictions, B)
    return Horizon(np.arange(L)[keep], sums[keep] / counts[keep], counts[keep])


def char_horizon(model: CharLM, windows: torch.Tensor) -> Horizon:
    """c(d) over windows (B, L + 1), each scored at its last character: one forward and backward pass."""
    with torch.enable_grad():
        norms, _ = char_window_norms(model, windows)  # (B, L)
    return _horizon(norms, np.full(len(norms), norms.shape[1]))


def sentence_horizon(
    model: SentimentRNN,
    chunks: Sequence[tuple[torch.Tensor, torch.Tensor]],
    min_predictions: int = MIN_PREDICTIONS,
) -> Horizon:
    """c(d) over held-out sentences (chunks of padded ids (n, L) and lengths (n,)), each scored at its end
    (the log-odds from the whole sentence), at the distances that min_predictions of them reach: one forward
    and backward pass per chunk."""
    width = max(int(ids.shape[1]) for ids, _ in chunks)
    rows, lengths = [], []
    for ids, chunk_lengths in chunks:
        norms, _ = sentence_norms(model, ids, chunk_lengths)  # (n, L)
        rows.append(np.pad(norms, ((0, 0), (0, width - norms.shape[1]))))
        lengths.append(chunk_lengths.numpy())
    return _horizon(np.concatenate(rows), np.concatenate(lengths), min_predictions)


def horizon_table(curves: dict[str, Horizon]) -> dict[str, list]:
    """One row per model and distance: the mean gradient norm, c(d) / c(1), how many predictions."""
    table: dict[str, list] = {
        "model": [],
        "distance": [],
        "mean gradient norm": [],
        "relative to distance 1": [],
        "predictions": [],
    }
    for name, curve in curves.items():
        for d, value, count in zip(curve.distances, curve.mean, curve.counts):
            table["model"].append(name)
            table["distance"].append(int(d))
            table["mean gradient norm"].append(float(value))
            table["relative to distance 1"].append(float(value / curve.mean[1]))
            table["predictions"].append(int(count))
    return table


def held_out_char_horizon(loop: charlm.CharTrainer) -> Horizon:
    """The horizon of a trained character model on its corpus's held-out text (HORIZON_WINDOWS windows of
    128 characters, the shipped models' training window, from seed 0's TEST stream): the same windows for every
    model of a corpus."""
    return char_horizon(loop.model, held_out_windows(loop.data))


def held_out_sentence_horizon(loop: SentimentTrainer) -> Horizon:
    """The horizon of a trained sentiment model over its held-out sentences (2000), each scored at its end."""
    return sentence_horizon(loop.model, loop.data.test_chunks)


# The pages' comparisons: the shipped models of each page and how each one's horizon is measured. Their horizons
# are computed ahead of time (`python -m rnnviz.connectivity`, about 2 s) and shipped in HORIZONS: a page reads
# them, no visitor and no server start waits for them; tests/test_connectivity.py holds them to the models.
COMPARED = {
    "char": (CHAR_DEFAULTS, held_out_char_horizon),
    "sentiment": (SENTIMENT_DEFAULTS, held_out_sentence_horizon),
}
HORIZONS = defaults.WEIGHTS / "horizons.pt"


def make_horizons(path: Path = HORIZONS) -> None:
    """Measure the horizon of every model the pages compare and save them (float64, a few KB)."""
    table = {}
    for names, horizon in COMPARED.values():
        for name in names.values():
            curve = horizon(defaults.load(name))
            table[name] = {
                field: torch.from_numpy(getattr(curve, field)) for field in ("distances", "mean", "counts")
            }
    torch.save(table, path)


@functools.cache
def _shipped() -> dict[str, Horizon]:
    """The shipped horizons by default name, read once per process (read-only arrays); empty without the file."""
    if not HORIZONS.exists():
        return {}
    curves = {}
    for name, fields in torch.load(HORIZONS, weights_only=True).items():
        arrays = {field: tensor.numpy() for field, tensor in fields.items()}
        for array in arrays.values():
            array.flags.writeable = False
        curves[name] = Horizon(**arrays)
    return curves


def shipped_horizons(page: str) -> dict[str, Horizon]:
    """The horizons of the shipped models a page compares ("char" or "sentiment"), by kind of network: read,
    not computed; a model missing from the file (rerun `python -m rnnviz.connectivity`) is left out."""
    names, _ = COMPARED[page]
    return {kind: _shipped()[name] for kind, name in names.items() if name in _shipped()}


def horizon_sentence(curves: dict[str, Horizon]) -> str:
    """What the curves show, in one sentence with their numbers: c(d) / c(1) at the farthest distance they share,
    and the first distance where it falls below FALL (c(d) is the mean gradient at distance d)."""
    if not curves:
        return ""
    far = int(min(curve.distances[-1] for curve in curves.values()))
    ratios = ", ".join(f"{name} {curve.ratio(far):.2g}" for name, curve in curves.items())
    falls = [
        f"the {name}'s from distance {curve.fall()}"
        for name, curve in curves.items()
        if curve.fall() is not None
    ]
    below = (
        f"; below {FALL:g} × c(1): " + ", ".join(falls) if falls else f"; none falls below {FALL:g} × c(1)"
    )
    return f"At distance {far}, c({far}) / c(1) is: {ratios}{below}."


def char_text_caption(context: int) -> str:
    """How to read the coloured text (the gradient's context: `context` characters)."""
    return (
        "Each character up to position t coloured by how much its input vector x_k (its embedding row) moves the "
        "log-probability the model gives the character that actually came next: ‖∂ log p(next) / ∂x_k‖, log10. "
        "Bright: a small change of that character would move the prediction most; dark: it would barely move it now "
        "(not the same as forgotten: a state that holds a character firmly is insensitive to it too). Move t into a string "
        "or after an open bracket and see how far back the bright part goes. The gradient is taken over the last "
        f"{context} characters (the training window), read from a zero state as in training; blank cells further "
        "back are outside it."
    )


def char_horizon_sentence(curves: dict[str, Horizon]) -> str:
    """The shipped character models' sizes and held-out bits per character (their sidecars), and what their
    curves show."""
    bits = ", ".join(
        f"{defaults.describe(name)['metrics']['held_out_bits']:.3f}" for name in CHAR_DEFAULTS.values()
    )
    return (
        "The LSTM has 512 units, the GRU and the tanh RNN 256 (the same corpus, windows and schedule; held-out "
        f"{bits} bits per character); 64 held-out windows of 128 characters. {horizon_sentence(curves)}"
    )


# a held-out early cue
EARLY_CUE = "the service is fantastic and we sat near the window with two friends from school"
SENTENCE_CAPTION = (
    "Each word up to the picked one coloured by ‖∂ logit / ∂x_k‖, log10: the logit is the log-odds "
    "log p(positive) − log p(negative) after the picked word (from the readout of the words so far), x_k the word's "
    "input vector (embedding row, or one-hot). (The gradient of log p(label) is this times 1 − p(label): near 1e-5 "
    "for a confident model, it would show confidence rather than reach.) A dark cell says that a small change of "
    f"that word would barely move the answer now, not that the word was forgotten. Type *{EARLY_CUE}* and compare "
    "the networks: the tanh RNN's gradient is within a factor of 10 over every word and it answers negative; the shipped LSTM "
    "answers positive with P > 0.99 while its gradient to *fantastic* is under a tenth of that to the last word."
)
HORIZON_CAPTION = (
    "The same gradient averaged over many predictions, against how far back the input is (t − k), log y axis. A "
    "steep fall means that inputs a few steps back barely move the prediction (the Jacobian product vanishes); a "
    "flat line means that they still do; a rising one, that far inputs move it more than near ones. "
)


def sentence_horizon_sentence(curves: dict[str, Horizon]) -> str:
    """The shipped sentiment models, what their curves show, and their accuracy on early cues (their sidecars):
    a gradient that reaches far back is not a cue kept."""
    early = ", ".join(
        f"{kind} {100 * defaults.describe(name)['metrics']['early_cue_accuracy']:.1f}%"
        for kind, name in SENTIMENT_DEFAULTS.items()
    )
    return (
        "The shipped LSTM, GRU and tanh RNN (64 units, last-state readout), each of the 2000 held-out sentences "
        f"scored at its last word (fewer sentences reach far back: the hover counts them). {horizon_sentence(curves)} "
        f"Held-out early cues right: {early}. The flattest line is the tanh RNN's, the one that loses early cues: "
        "a gradient that reaches far back is not a cue kept."
    )


def char_table(chars: Sequence[str], norms: np.ndarray, t: int) -> dict[str, list]:
    """The per-text view's numbers: each position k ≤ t, its character, t − k and ‖∂ log p(next) / ∂x_k‖
    (NaN outside the gradient's context)."""
    return {
        "k": list(range(t + 1)),
        "character": list(chars[: t + 1]),
        "distance t − k": [t - k for k in range(t + 1)],
        "gradient norm": [float(n) for n in norms],
    }


def word_table(tokens: Sequence[str], norms: np.ndarray, t: int) -> dict[str, list]:
    """As char_table, for the words of a sentence."""
    return {
        "k": list(range(t + 1)),
        "word": list(tokens[: t + 1]),
        "distance t − k": [t - k for k in range(t + 1)],
        "gradient norm": [float(n) for n in norms],
    }


def char_model_code(
    name: str | None,
    config: charlm.CharLMConfig,
    steps: int,
    corpus: str,
    upload_name: str | None = None,
    model_file: str | None = None,
) -> str:
    """Notebook lines that give `model` and `vocab` as the char LM page has them: a model file loaded there, a
    shipped default by name, or the session's model trained again (its corpus, settings and steps: training
    on one thread is deterministic, so the same steps give the same weights)."""
    if model_file:
        return (
            f"saved = charlm.from_bytes(open({model_file!r}, 'rb').read())  # the model file loaded on the page\n"
            "model, vocab = saved.model, saved.vocab"
        )
    if name:
        return f"loop = defaults.load({name!r})\nmodel, vocab = loop.model, loop.data.vocab"
    data = (
        f"charlm.builtin_data({corpus!r}, {config.seed})"
        if upload_name is None
        else f"charlm.prepare(corpora.load_text(open({upload_name!r}, 'rb').read(), {upload_name!r}), {config.seed})"
    )
    return (
        f"loop = charlm.CharTrainer({data}, charlm.{config!r})\n"
        f"loop.step({steps})  # the page's {steps} steps\nmodel, vocab = loop.model, loop.data.vocab"
    )


def char_snippet(model_code: str, ids: np.ndarray, t: int) -> str:
    """Notebook code that recomputes the per-text numbers at position t of the page's model (char_model_code);
    ends with `table` (char_table)."""
    return f"""
from rnnviz import charlm, connectivity, corpora, defaults, training

training.set_threads(1)
{model_code}
ids = {[int(i) for i in ids]}  # the text as character ids (0: <eos>)
norms = connectivity.char_gradients(model, ids, t={t})  # ‖∂ log p(next) / ∂x_k‖, k = 0..{t}
chars = list(vocab.decode(ids))
table = connectivity.char_table(chars, norms, t={t})
"""


def char_horizon_snippet(model_code: str | None) -> str:
    """Notebook code that recomputes the horizons: the shipped three, and the page's own model's (model_code)
    when the page draws it; ends with `table` (horizon_table)."""
    own = (
        ""
        if model_code is None
        else (
            f"{model_code}\ncurves['this model'] = connectivity.char_horizon(model, connectivity.held_out_windows(loop.data))\n"
        )
    )
    return f"""
from rnnviz import charlm, connectivity, corpora, defaults, training

training.set_threads(1)
curves = {{kind: connectivity.held_out_char_horizon(defaults.load(name))
          for kind, name in connectivity.CHAR_DEFAULTS.items()}}
{own}table = connectivity.horizon_table(curves)
"""


def sentiment_loop_code(config: SentimentConfig, name: str | None) -> str:
    """Notebook lines that give `loop` as the sentiment page has it: a shipped default by name, or the session's
    model trained again (deterministic on one thread: the same weights)."""
    if name:
        return f"loop = defaults.load({name!r})  # the shipped model the page shows"
    return f"loop = sentiment.trainer(sentiment.{config!r})\nloop.step(loop.steps)  # trained again, as on the page"


def sentence_snippet(loop_code: str, text: str, t: int) -> str:
    """Notebook code that recomputes the sentiment page's per-text numbers; ends with `table` (word_table)."""
    return f"""
from rnnviz import connectivity, defaults, sentiment, training

training.set_threads(1)
{loop_code}
tokens = loop.vocab.tokenize({text!r})[: loop.config.token_limit]
norms, logit = connectivity.word_gradients(loop.model, loop.vocab.ids(tokens), t={t})
table = connectivity.word_table(tokens, norms, t={t})
"""


def sentence_horizon_snippet(loop_code: str | None) -> str:
    """Notebook code that recomputes the sentiment horizons (and the page's own model's, when it draws it)."""
    own = (
        ""
        if loop_code is None
        else f"{loop_code}\ncurves['this model'] = connectivity.held_out_sentence_horizon(loop)\n"
    )
    return f"""
from rnnviz import connectivity, defaults, sentiment, training

training.set_threads(1)
curves = {{kind: connectivity.held_out_sentence_horizon(defaults.load(name))
          for kind, name in connectivity.SENTIMENT_DEFAULTS.items()}}
{own}table = connectivity.horizon_table(curves)
"""


if __name__ == "__main__":
    training.set_threads(1)
    make_horizons()
    print(f"wrote {HORIZONS}")
