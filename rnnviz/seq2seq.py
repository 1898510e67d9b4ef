"""Sequence to sequence: the lecture's translation model. An encoder RNN reads the source one
character at a time and hands its final state, a fixed-size memory of the whole input, to a decoder
RNN with its own weights; the decoder starts from that state on a start token <s> and writes one
character at a time, feeding each back in, until it writes <eos>.

Options: the source read backwards (Sutskever, Vinyals and Le 2014 found that it helps), and, beyond
the lecture, Luong attention (2015): at every output step the decoder's state h_t scores every
encoder state s_j (dot: h_t . s_j; general: h_t W s_j; additive: v . tanh(W_1 h_t + W_2 s_j)), the
softmax of the scores is the alignment a_t, and the context c_t = sum_j a_tj s_j joins h_t in
tanh(W_c [c_t; h_t]) before the readout. The decoder then no longer has to keep everything in h.

Everything is batch-first and character-level: ids (B, S) for sources, (B, T) for targets. Training
uses teacher forcing and `rnnviz.training.Loop`; decoding is greedy or a beam search.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnviz import tasks
from rnnviz.models import batch_seed
from rnnviz.training import TEST, TRAIN, Loop

TASKS = tasks.SEQ2SEQ_TASKS
TASK_NAMES = {"dates": "date normalization", "reverse": "reverse a string", "sort": "sort digits",
              "execute": "learning to execute"}  # fmt: skip
KINDS = ("rnn", "gru", "lstm")
KIND_NAMES = {"rnn": "tanh RNN", "gru": "GRU", "lstm": "LSTM"}
ATTENTIONS = ("none", "dot", "general", "additive")
PAD, SOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<s>", "<eos>")
LONGER = 5  # reverse / sort: the held-out longer inputs have up to this many characters more
MAX_BEAM = 5
LENGTH_RANGE = {"reverse": (2, 30), "sort": (2, 30), "execute": (1, 4), "dates": (0, 0)}
MAX_INPUT = {"dates": 40, "execute": 90}  # typed inputs; reverse / sort: the held-out longer lengths
_INIT_LOCK = threading.Lock()  # a seed fixes the initialisation even with several sessions at once


# --- the task as data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seq2SeqConfig:
    task: str = "dates"  # dates | reverse | sort | execute
    length: int = 0  # reverse / sort: longest training string; execute: most digits of a number; dates: unused
    kind: str = "gru"  # rnn | gru | lstm, for both the encoder and the decoder
    hidden_size: int = 128
    embed_dim: int = 32
    attention: str = "none"  # none (the lecture's model) | dot | general | additive (Luong 2015)
    reverse_source: bool = False  # the encoder reads the source backwards (Sutskever et al. 2014)
    steps: int = 1500
    batch_size: int = 64
    lr: float = 5e-3
    lr_floor: float = 0.1  # the learning rate falls on a cosine to this fraction of lr at the end of the budget
    clip: float = 1.0
    seed: int = 0
    test_size: int = 500  # held-out pairs scored every test_every steps
    test_every: int = 0  # 0: a multiple of 10 that gives about 16 scores over the budget

    @property
    def score_every(self) -> int:
        """The steps between two held-out scores."""
        return self.test_every or max(10, self.steps // 160 * 10)

    def __post_init__(self) -> None:
        low, high = LENGTH_RANGE.get(self.task, (0, 0))
        checks = [
            (self.task in TASKS, f"task must be one of {', '.join(TASKS)}, got {self.task!r}"),
            (self.task == "dates" or low <= self.length <= high,
             f"length for {self.task} must be between {low} and {high}, got {self.length}"),
            (self.kind in KINDS, f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}"),
            (self.attention in ATTENTIONS,
             f"attention must be one of {', '.join(ATTENTIONS)}, got {self.attention!r}"),
            (1 <= self.hidden_size <= 1024 and 1 <= self.embed_dim <= 1024,
             "hidden_size and embed_dim must be 1 to 1024"),
            (self.steps >= 0 and self.batch_size >= 1 and self.test_size >= 1 and self.test_every >= 0,
             "steps and test_every must be >= 0; batch_size and test_size >= 1"),
            (math.isfinite(self.lr) and self.lr > 0, f"lr must be positive, got {self.lr}"),
            (0 <= self.lr_floor <= 1, f"lr_floor must be between 0 and 1, got {self.lr_floor}"),
            (math.isfinite(self.clip) and self.clip >= 0, f"clip must be 0 (off) or positive, got {self.clip}"),
        ]  # fmt: skip
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def variants(self) -> list[Seq2SeqConfig]:
        """The same model plain, reading backwards, and with attention (general, unless another score
        is chosen): the comparison of accuracy against input length."""
        score = "general" if self.attention == "none" else self.attention
        return [dataclasses.replace(self, reverse_source=False, attention="none"),
                dataclasses.replace(self, reverse_source=True, attention="none"),
                dataclasses.replace(self, reverse_source=False, attention=score)]  # fmt: skip

    @property
    def variant(self) -> str:
        """A short name of the architecture: 'plain', 'reversed', 'general attention', ..."""
        parts = (["reversed"] if self.reverse_source else []) + (
            [f"{self.attention} attention"] if self.attention != "none" else []
        )
        return ", ".join(parts) or "plain"


def training_pairs(config: Seq2SeqConfig, n: int, seed: int) -> list[tuple[str, str]]:
    """n (source, target) pairs of the task's training distribution."""
    L = config.length
    if config.task == "dates":
        return tasks.date_pairs(n, seed)
    if config.task == "reverse":
        return tasks.reverse_pairs(n, 1, L, seed)
    if config.task == "sort":
        return tasks.sort_pairs(n, 1, L, seed)
    return tasks.program_pairs(n, L, seed)


def held_out_pairs(config: Seq2SeqConfig, n: int, seed: int, longer: bool = False) -> list[tuple[str, str]]:
    """n test pairs: unseen days for dates; with `longer`, inputs longer than any in training
    (reverse / sort: LONGER more characters at most; execute: numbers with one more digit)."""
    L = config.length
    if config.task == "dates":
        return tasks.date_pairs(n, seed, held_out=True)
    if config.task in ("reverse", "sort"):
        make = tasks.reverse_pairs if config.task == "reverse" else tasks.sort_pairs
        return make(n, L + 1, L + LONGER, seed) if longer else make(n, 1, L, seed)
    return tasks.program_pairs(n, L + 1, seed, min_digits=L + 1) if longer else tasks.program_pairs(n, L, seed)


def longest_training_input(config: Seq2SeqConfig) -> int | None:
    """The longest source of the training distribution, in characters, where it is fixed by `length`."""
    return config.length if config.task in ("reverse", "sort") else None


def max_input_length(config: Seq2SeqConfig) -> int:
    """The longest typed input the page reads."""
    return MAX_INPUT.get(config.task, config.length + LONGER)


def max_output_length(source_length: int) -> int:
    """How many characters decoding may write before it gives up waiting for <eos>."""
    return max(source_length, 10) + 3


@dataclass(frozen=True)
class Vocabulary:
    """<pad>, <s>, <eos> and the task's characters; one vocabulary for sources and targets."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.tokens)})

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, text: str) -> list[int]:
        """The characters' indices; KeyError for a character outside the vocabulary."""
        return [self._index[c] for c in text]  # type: ignore[attr-defined]

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of text that are not in the vocabulary, in order of appearance."""
        return list(dict.fromkeys(c for c in text if c not in self._index))  # type: ignore[attr-defined]

    def text(self, ids: Sequence[int]) -> str:
        """The characters of ids up to the first <eos>, special tokens dropped."""
        out = []
        for i in ids:
            if i == EOS:
                break
            if i >= len(SPECIALS):
                out.append(self.tokens[i])
        return "".join(out)


def vocabulary(task: str) -> Vocabulary:
    """The task's vocabulary (tasks.SEQ2SEQ_ALPHABETS)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    return Vocabulary(SPECIALS + tuple(tasks.SEQ2SEQ_ALPHABETS[task]))


@dataclass(frozen=True)
class Batch:
    source: torch.Tensor  # (B, S) ids, padded with PAD, in the order the encoder reads them
    lengths: torch.Tensor  # (B,)
    target_in: torch.Tensor  # (B, T): <s> y_1 ... y_n, padded
    target_out: torch.Tensor  # (B, T): y_1 ... y_n <eos>, padded


def _pad(rows: list[list[int]]) -> torch.Tensor:
    ids = torch.full((len(rows), max((len(r) for r in rows), default=1)), PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
    return ids


def make_batch(vocab: Vocabulary, pairs: Sequence[tuple[str, str]], reverse_source: bool = False) -> Batch:
    """Padded id tensors of (source, target) pairs; sources reversed when the encoder reads backwards."""
    if not pairs or any(not s for s, _ in pairs):
        raise ValueError("a batch needs at least one pair, and every source at least one character")
    sources = [vocab.ids(s[::-1] if reverse_source else s) for s, _ in pairs]
    targets = [vocab.ids(t) for _, t in pairs]
    return Batch(_pad(sources), torch.tensor([len(s) for s in sources]), _pad([[SOS] + t for t in targets]),
                 _pad([t + [EOS] for t in targets]))  # fmt: skip


# --- the model --------------------------------------------------------------------------------------

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # h (1, B, H), or (h, c) for the LSTM
RNN_MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class Encoder(nn.Module):
    """Embedding -> RNN over the source; returns every state s_j and the final state."""

    def __init__(self, config: Seq2SeqConfig, vocab_size: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, config.embed_dim, padding_idx=PAD)
        self.rnn = RNN_MODULES[config.kind](config.embed_dim, config.hidden_size, batch_first=True)

    def forward(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, State]:
        """States (B, S, H), zero after each source's end, and the final state at each source's end."""
        x = self.embedding(source)  # (B, S, E)
        mask = (torch.arange(source.shape[1])[None, :] < lengths[:, None]).unsqueeze(-1)  # (B, S, 1)
        if isinstance(self.rnn, nn.LSTM):  # c_T is not among the outputs: packing stops each at its end
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            states, final = self.rnn(packed)
            states, _ = pad_packed_sequence(states, batch_first=True, total_length=source.shape[1])
            return states, final
        # RNN and GRU: the state is the output, and step t sees only inputs up to t, so the final
        # state is the output at each source's last character (about 30% faster than packing).
        states, _ = self.rnn(x)  # (B, S, H)
        final = states[torch.arange(source.shape[0]), lengths - 1][None]  # (1, B, H)
        return states * mask, final.contiguous()


class Decoder(nn.Module):
    """Embedding of the previous character -> RNN (started from the encoder's final state) -> with
    attention, tanh(W_c [c_t; h_t]) -> a linear readout to logits over the vocabulary."""

    def __init__(self, config: Seq2SeqConfig, vocab_size: int):
        super().__init__()
        H = config.hidden_size
        self.attention = config.attention
        self.embedding = nn.Embedding(vocab_size, config.embed_dim, padding_idx=PAD)
        self.rnn = RNN_MODULES[config.kind](config.embed_dim, H, batch_first=True)
        if self.attention == "general":
            self.W_a = nn.Linear(H, H, bias=False)
        if self.attention == "additive":
            self.W_1, self.W_2 = nn.Linear(H, H, bias=False), nn.Linear(H, H)
            self.v = nn.Linear(H, 1, bias=False)
        if self.attention != "none":
            self.W_c = nn.Linear(2 * H, H)
        self.readout = nn.Linear(H, vocab_size)

    def scores(self, h: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Attention scores (B, T, S) of decoder states h (B, T, H) against encoder states (B, S, H)."""
        if self.attention == "dot":
            return h @ memory.transpose(1, 2)
        if self.attention == "general":
            return h @ self.W_a(memory).transpose(1, 2)
        mixed = torch.tanh(self.W_1(h)[:, :, None] + self.W_2(memory)[:, None])  # (B, T, S, H)
        return self.v(mixed).squeeze(-1)

    def forward(self, target_in: torch.Tensor, state: State, memory: torch.Tensor, mask: torch.Tensor
                ) -> tuple[torch.Tensor, State, torch.Tensor | None]:  # fmt: skip
        """Logits (B, T, V), the state after the last step, and the alignment (B, T, S) or None.
        Attention is computed after the RNN step (Luong), so T steps at once (teacher forcing) give
        exactly what T single steps give."""
        h, state = self.rnn(self.embedding(target_in), state)  # (B, T, H)
        if self.attention == "none":
            return self.readout(h), state, None
        scores = self.scores(h, memory).masked_fill(~mask[:, None, :], float("-inf"))  # (B, T, S)
        alignment = torch.softmax(scores, dim=-1)
        context = alignment @ memory  # (B, T, H)
        attended = torch.tanh(self.W_c(torch.cat([context, h], dim=-1)))  # (B, T, H)
        return self.readout(attended), state, alignment


class Seq2Seq(nn.Module):
    """An encoder and a decoder, two networks with different weights."""

    def __init__(self, config: Seq2SeqConfig, vocab_size: int):
        super().__init__()
        self.config = config
        with _INIT_LOCK, torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.encoder = Encoder(config, vocab_size)
            self.decoder = Decoder(config, vocab_size)

    def encode(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, State, torch.Tensor]:
        """Encoder states (B, S, H), its final state (the decoder's first) and the source mask (B, S)."""
        memory, final = self.encoder(source, lengths)
        mask = torch.arange(source.shape[1])[None, :] < lengths[:, None]  # (B, S)
        return memory, final, mask

    def forward(self, batch: Batch) -> torch.Tensor:
        """Teacher-forced logits (B, T, V)."""
        memory, final, mask = self.encode(batch.source, batch.lengths)
        return self.decoder(batch.target_in, final, memory, mask)[0]

    def loss(self, batch: Batch) -> torch.Tensor:
        """Cross-entropy per target character (<eos> included, padding not), in nats."""
        logits = self(batch)
        return nn.functional.cross_entropy(logits.flatten(0, 1), batch.target_out.flatten(), ignore_index=PAD)


def final_state_vector(state: State) -> torch.Tensor:
    """The memory handed to the decoder as one vector per input (B, H); for the LSTM (B, 2H): h and c."""
    if isinstance(state, tuple):
        return torch.cat([state[0][0], state[1][0]], dim=-1)
    return state[0]


def _select(state: State, index: torch.Tensor) -> State:
    """The state of the batch rows `index` (beam search reorders and copies hypotheses)."""
    if isinstance(state, tuple):
        return state[0][:, index], state[1][:, index]
    return state[:, index]


# --- decoding ---------------------------------------------------------------------------------------


@torch.no_grad()
def greedy(model: Seq2Seq, source: torch.Tensor, lengths: torch.Tensor, max_steps: int) -> list[list[int]]:
    """The most probable next character at every step, fed back, until <eos> (included in each row)
    or max_steps characters; one list of ids per input."""
    model.eval()
    memory, state, mask = model.encode(source, lengths)
    B = source.shape[0]
    token = torch.full((B, 1), SOS, dtype=torch.long)
    rows: list[list[int]] = [[] for _ in range(B)]
    finished = torch.zeros(B, dtype=torch.bool)
    for _ in range(max_steps):
        logits, state, _ = model.decoder(token, state, memory, mask)  # (B, 1, V)
        token = logits.argmax(-1)  # (B, 1)
        for i in (~finished).nonzero().flatten().tolist():
            rows[i].append(int(token[i, 0]))
        finished |= token[:, 0] == EOS
        if finished.all():
            break
    return rows


@dataclass(frozen=True)
class Hypothesis:
    ids: tuple[int, ...]  # the characters written, <eos> last if finished
    log_probability: float  # sum of the log-probabilities of the characters


@torch.no_grad()
def beam_search(model: Seq2Seq, source: torch.Tensor, width: int, max_steps: int) -> list[Hypothesis]:
    """Beam search for one source (1, S): keep the `width` most probable prefixes at every step;
    return the finished hypotheses (and the unfinished at max_steps), most probable first. Scores
    are plain sums of log-probabilities, so width 1 is greedy decoding."""
    if not 1 <= width <= MAX_BEAM:
        raise ValueError(f"beam width must be between 1 and {MAX_BEAM}, got {width}")
    model.eval()
    memory, state, mask = model.encode(source, torch.tensor([source.shape[1]]))
    alive = [Hypothesis((), 0.0)]
    finished: list[Hypothesis] = []
    for _ in range(max_steps):
        n = len(alive)
        last = torch.tensor([[h.ids[-1] if h.ids else SOS] for h in alive])  # (n, 1)
        logits, state, _ = model.decoder(last, state, memory.expand(n, -1, -1), mask.expand(n, -1))
        log_p = torch.log_softmax(logits[:, 0], dim=-1)  # (n, V)
        total = torch.tensor([h.log_probability for h in alive])[:, None] + log_p  # (n, V)
        best = torch.topk(total.flatten(), min(width, total.numel()))
        live: list[tuple[Hypothesis, int]] = []  # a new prefix and the row of the state it continues
        for score, flat in zip(best.values.tolist(), best.indices.tolist()):
            row, token = divmod(flat, total.shape[1])
            hypothesis = Hypothesis(alive[row].ids + (token,), score)
            if token == EOS:
                finished.append(hypothesis)
            else:
                live.append((hypothesis, row))
        # Log-probabilities only fall as a prefix grows: once the best finished hypothesis beats
        # a live one, that one can never overtake it.
        best_finished = max((h.log_probability for h in finished), default=-math.inf)
        live = [(h, row) for h, row in live if h.log_probability > best_finished]
        alive = [h for h, _ in live]
        if not alive or len(finished) >= width:
            break
        state = _select(state, torch.tensor([row for _, row in live]))
    return sorted(finished + alive, key=lambda h: -h.log_probability)[:width]


def translate(model: Seq2Seq, vocab: Vocabulary, sources: Sequence[str], reverse_source: bool = False,
              beam_width: int = 1) -> list[str]:  # fmt: skip
    """The decoded output of each source (greedy in batches; beam search one by one)."""
    if not sources:
        return []
    if beam_width == 1:
        out = []
        for start in range(0, len(sources), 512):
            chunk = sources[start : start + 512]
            batch = make_batch(vocab, [(s, "") for s in chunk], reverse_source)
            steps = max_output_length(int(batch.lengths.max()))
            out += [vocab.text(ids) for ids in greedy(model, batch.source, batch.lengths, steps)]
        return out
    results = []
    for s in sources:
        batch = make_batch(vocab, [(s, "")], reverse_source)
        results.append(vocab.text(beam_search(model, batch.source, beam_width, max_output_length(len(s)))[0].ids))
    return results


def char_matches(output: str, target: str) -> int:
    """How many of the target's characters the output has right, position by position."""
    return sum(a == b for a, b in zip(output, target))


@dataclass(frozen=True)
class Score:
    exact: float  # the fraction of outputs equal to their target
    chars: float  # the fraction of target characters right, position by position


def score(model: Seq2Seq, vocab: Vocabulary, pairs: Sequence[tuple[str, str]], reverse_source: bool = False) -> Score:
    """Exact match and per-character accuracy of greedy decoding on the pairs."""
    outputs = translate(model, vocab, [s for s, _ in pairs], reverse_source)
    exact = np.mean([o == t for o, (_, t) in zip(outputs, pairs)]) if pairs else float("nan")
    total = sum(len(t) for _, t in pairs)
    chars = sum(char_matches(o, t) for o, (_, t) in zip(outputs, pairs)) / max(total, 1)
    return Score(float(exact), float(chars))


# --- training ---------------------------------------------------------------------------------------


class Trainer(Loop):
    """The lab's Loop on a seq2seq model: fresh training pairs every step (seeded by the step), and
    every test_every steps the held-out loss, exact match and per-character accuracy (greedy), on
    inputs like the training ones and on longer ones."""

    def __init__(self, config: Seq2SeqConfig):
        self.config, self.vocab = config, vocabulary(config.task)
        model = Seq2Seq(config, len(self.vocab))
        self.test_pairs = held_out_pairs(config, config.test_size, batch_seed(config.seed, TEST))
        longer_seed = batch_seed(config.seed, TEST, 1)
        self.longer_pairs = (None if config.task == "dates" else
                             held_out_pairs(config, config.test_size, longer_seed, longer=True))  # fmt: skip
        self._test_batch = make_batch(self.vocab, self.test_pairs, config.reverse_source)
        super().__init__(model, self._step_loss, seed=config.seed, steps=config.steps, lr=config.lr, clip=config.clip,
                         evaluate=self._test_loss, test_every=config.score_every)  # fmt: skip
        self.test_exact: list[float] = []  # at test_steps: exact match on the held-out pairs
        self.test_chars: list[float] = []  # per-character accuracy on them
        self.longer_exact: list[float] = []  # exact match on the longer held-out inputs (nan for dates)
        self._memo: tuple[int, dict[Any, Any]] = (0, {})
        self._by_length: tuple[int, LengthAccuracy] | None = None

    def _step_loss(self, k: int) -> torch.Tensor:
        c = self.config
        pairs = training_pairs(c, c.batch_size, batch_seed(c.seed, TRAIN, k))
        return self.model.loss(make_batch(self.vocab, pairs, c.reverse_source))

    @torch.no_grad()
    def _test_loss(self) -> float:
        self.model.eval()
        return float(self.model.loss(self._test_batch))

    def learning_rate(self, k: int) -> float:
        """The learning rate of step k + 1: a cosine from lr down to lr_floor * lr over the budget
        (Adam at a constant rate keeps jumping out of the good solutions it finds on these tasks)."""
        c = self.config
        progress = min(k / c.steps, 1.0) if c.steps else 1.0
        return c.lr * (c.lr_floor + (1 - c.lr_floor) * (1 + math.cos(math.pi * progress)) / 2)

    def _record(self) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate(self.step_count)
        before = len(self.test_steps)
        super()._record()
        if len(self.test_steps) > before:
            s = score(self.model, self.vocab, self.test_pairs, self.config.reverse_source)
            self.test_exact.append(s.exact)
            self.test_chars.append(s.chars)
            longer = (float("nan") if self.longer_pairs is None else
                      score(self.model, self.vocab, self.longer_pairs, self.config.reverse_source).exact)  # fmt: skip
            self.longer_exact.append(longer)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """compute() once per key and step count: readings of a model that has not moved are reused."""
        if self._memo[0] != self.step_count:
            self._memo = (self.step_count, {})
        if key not in self._memo[1]:
            self._memo[1][key] = compute()
        return self._memo[1][key]

    def by_length(self) -> tuple[int, LengthAccuracy]:
        """Accuracy against input length and the step it was measured at: measured again once the
        model has trained another scoring interval, or has finished (a live view redraws often)."""
        stale = self._by_length is None or (
            self.step_count != self._by_length[0]
            and (self.step_count - self._by_length[0] >= self.config.score_every or self.done)
        )
        if stale:
            self._by_length = (self.step_count, accuracy_by_length(self.model, self.config))
        return self._by_length

    def status(self) -> str:
        """One line: where the training is and how it is going."""
        if self.diverged is not None:
            return f"stopped at {self.diverged}"
        if not self.test_exact:
            return "not started"
        state = "finished" if self.done else "training"
        return (f"{state}: step {self.step_count} of {self.steps}, held-out exact match "
                f"{100 * self.test_exact[-1]:.1f}%")  # fmt: skip


def train(config: Seq2SeqConfig, steps: int | None = None) -> Trainer:
    """A Trainer for the config, trained `steps` steps (default: its whole budget)."""
    trainer = Trainer(config)
    trainer.step(config.steps if steps is None else steps)
    return trainer


# --- reading the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LengthAccuracy:
    """Greedy accuracy of a model on held-out inputs, grouped by the input's length in characters."""

    lengths: np.ndarray  # (n,)
    exact: np.ndarray  # (n,) exact match at each length
    chars: np.ndarray  # (n,) per-character accuracy
    counts: np.ndarray  # (n,) held-out inputs of each length
    longest_trained: int | None  # longest training input, where the task fixes it


def accuracy_by_length(model: Seq2Seq, config: Seq2SeqConfig, n: int = 600, seed: int = 1,
                       smallest_count: int = 10) -> LengthAccuracy:  # fmt: skip
    """Exact match and per-character accuracy by source length on held-out inputs, the longer ones
    included (reverse / sort: n inputs per length, 1 to length + LONGER; dates, execute: n inputs of
    each held-out set grouped by length, lengths with fewer than `smallest_count` inputs dropped)."""
    vocab = vocabulary(config.task)
    if config.task in ("reverse", "sort"):
        make = tasks.reverse_pairs if config.task == "reverse" else tasks.sort_pairs
        per_length = max(1, n // (config.length + LONGER))
        pairs = [p for k in range(1, config.length + LONGER + 1) for p in make(per_length, k, k, seed + k)]
    else:
        pairs = held_out_pairs(config, n, seed)
        if config.task == "execute":
            pairs += held_out_pairs(config, n, seed, longer=True)
    outputs = translate(model, vocab, [s for s, _ in pairs], config.reverse_source)
    lengths = np.array([len(s) for s, _ in pairs])
    right = np.array([o == t for o, (_, t) in zip(outputs, pairs)], dtype=float)
    matched = np.array([char_matches(o, t) for o, (_, t) in zip(outputs, pairs)], dtype=float)
    size = np.array([len(t) for _, t in pairs], dtype=float)
    rows = [k for k in np.unique(lengths) if (lengths == k).sum() >= min(smallest_count, n)]
    return LengthAccuracy(
        lengths=np.array(rows, dtype=int),
        exact=np.array([right[lengths == k].mean() for k in rows]),
        chars=np.array([matched[lengths == k].sum() / size[lengths == k].sum() for k in rows]),
        counts=np.array([(lengths == k).sum() for k in rows], dtype=int),
        longest_trained=longest_training_input(config),
    )  # fmt: skip


def check_input(config: Seq2SeqConfig, text: str) -> str:
    """The typed source, stripped of surrounding spaces; ValueError with a plain message when it is
    empty, too long, or holds characters outside the task's vocabulary."""
    source = text.strip()
    if not source:
        raise ValueError("Type an input: the encoder needs at least one character.")
    unknown = vocabulary(config.task).unknown(source)
    if unknown:
        shown = " ".join(repr(c) for c in unknown[:10])
        allowed = "".join(tasks.SEQ2SEQ_ALPHABETS[config.task])
        raise ValueError(f"Not in this task's vocabulary: {shown}. Use only these characters: {allowed!r}.")
    limit = max_input_length(config)
    if len(source) > limit:
        raise ValueError(f"The input has {len(source)} characters; at most {limit} are read for this task.")
    return source


@dataclass(frozen=True)
class Reading:
    """The model translating one typed input, step by step."""

    source: str
    read: tuple[str, ...]  # the characters in the order the encoder read them
    output: str  # the decoded characters, <eos> not included
    finished: bool  # the decoder wrote <eos> within max_output_length steps
    tokens: tuple[str, ...]  # the decoder's output tokens, "<eos>" included if written
    candidates: tuple[tuple[str, ...], ...]  # (T, k) the k most probable tokens at each output step
    probabilities: np.ndarray  # (T, k) their probabilities, given the output so far
    chosen: np.ndarray  # (T,) the probability of the token that was written
    log_probability: float  # of the whole output, <eos> included when written
    encoder_states: np.ndarray  # (S, H) the encoder's hidden state after each character read
    alignment: np.ndarray | None  # (T, S) attention weights of each output step over what was read
    beam_width: int


@torch.no_grad()
def read(model: Seq2Seq, config: Seq2SeqConfig, text: str, beam_width: int = 1, top: int = 5) -> Reading:
    """Decode one typed input (greedy, or beam search of the given width), then run the decoder over
    the chosen output once more to read, at every step, the top candidates with their probabilities
    and the attention; the encoder's states over the input. ValueError for bad input."""
    source = check_input(config, text)
    vocab = vocabulary(config.task)
    batch = make_batch(vocab, [(source, "")], config.reverse_source)
    best = beam_search(model, batch.source, beam_width, max_output_length(len(source)))[0]
    memory, state, mask = model.encode(batch.source, batch.lengths)  # memory (1, S, H)
    target_in = torch.tensor([[SOS, *best.ids[:-1]]]) if best.ids else torch.tensor([[SOS]])
    logits, _, alignment = model.decoder(target_in, state, memory, mask)  # (1, T, V)
    p = torch.softmax(logits[0], dim=-1)  # (T, V)
    k = min(top, p.shape[1])
    top_p, top_i = p.topk(k, dim=-1)  # (T, k)
    ids = list(best.ids)
    return Reading(
        source=source, read=tuple(source[::-1] if config.reverse_source else source),
        output=vocab.text(ids), finished=bool(ids) and ids[-1] == EOS,
        tokens=tuple(vocab.tokens[i] for i in ids),
        candidates=tuple(tuple(vocab.tokens[i] for i in row) for row in top_i.tolist()),
        probabilities=top_p.numpy(), chosen=p[torch.arange(len(ids)), torch.tensor(ids)].numpy(),
        log_probability=best.log_probability, encoder_states=memory[0].numpy(),
        alignment=None if alignment is None else alignment[0].numpy(), beam_width=beam_width,
    )  # fmt: skip


def reading_table(reading: Reading) -> dict[str, list]:
    """The decoding of one input as columns: step, written token, its probability, and the top
    candidates with theirs."""
    table: dict[str, list] = {"step": list(range(1, len(reading.tokens) + 1)), "written": list(reading.tokens),
                              "P(written)": [float(p) for p in reading.chosen]}  # fmt: skip
    for r in range(reading.probabilities.shape[1]):
        table[f"candidate {r + 1}"] = [row[r] for row in reading.candidates]
        table[f"P(candidate {r + 1})"] = [float(p) for p in reading.probabilities[:, r]]
    return table


# What the encoder's final state can be coloured by, per task (see `input_properties`).
PROPERTIES = {
    "dates": ("year", "month", "day of the month", "input length"),
    "reverse": ("last letter", "first letter", "input length"),
    "sort": ("smallest digit", "largest digit", "input length"),
    "execute": ("result", "has a loop", "input length"),
}
CATEGORICAL = {"month", "last letter", "first letter", "smallest digit", "largest digit", "has a loop"}


def input_properties(task: str, pairs: Sequence[tuple[str, str]]) -> dict[str, list]:
    """For each of PROPERTIES[task], its value for every (source, target) pair."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    sources, targets = [s for s, _ in pairs], [t for _, t in pairs]
    values: dict[str, list] = {"input length": [len(s) for s in sources]}
    if task == "dates":
        values["month"] = [tasks.MONTHS[int(t[5:7]) - 1] for t in targets]
        values["year"] = [int(t[:4]) for t in targets]
        values["day of the month"] = [int(t[8:10]) for t in targets]
    elif task == "reverse":
        values["last letter"], values["first letter"] = [s[-1] for s in sources], [s[0] for s in sources]
    elif task == "sort":
        values["smallest digit"], values["largest digit"] = [t[0] for t in targets], [t[-1] for t in targets]
    else:
        values["result"] = [int(t) for t in targets]
        values["has a loop"] = ["loop" if "for " in s else "no loop" for s in sources]
    return {name: values[name] for name in PROPERTIES[task]}


@dataclass(frozen=True)
class MemoryMap:
    """The encoder's final states of many held-out inputs, projected on their first two principal axes."""

    sources: list[str]
    targets: list[str]
    coordinates: np.ndarray  # (N, 2)
    explained: np.ndarray  # (2,) the fraction of the states' variance along each axis
    properties: dict[str, list] = field(default_factory=dict)  # name -> (N,) values


@torch.no_grad()
def memory_map(model: Seq2Seq, config: Seq2SeqConfig, n: int = 400, seed: int = 2) -> MemoryMap:
    """PCA of the memory the decoder starts from (the encoder's final state) over n held-out inputs."""
    if n < 3:
        raise ValueError(f"n must be at least 3, got {n}")
    pairs = held_out_pairs(config, n, seed)
    batch = make_batch(vocabulary(config.task), pairs, config.reverse_source)
    model.eval()
    states = final_state_vector(model.encode(batch.source, batch.lengths)[1]).double()  # (N, H) or (N, 2H)
    centred = states - states.mean(dim=0)
    _, singular, V = torch.linalg.svd(centred, full_matrices=False)  # rows of V: principal axes
    variance = singular**2
    explained = (variance[:2] / variance.sum().clamp_min(1e-300)).numpy()
    return MemoryMap([s for s, _ in pairs], [t for _, t in pairs], (centred @ V[:2].T).numpy(), explained,
                     input_properties(config.task, pairs))  # fmt: skip


# The page's default models, shipped trained (rnnviz.defaults): none yet, the page trains its own.
DEFAULTS: list = []
