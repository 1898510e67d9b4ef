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
uses teacher forcing and `rnnviz.training.Loop` (Seq2SeqLoop); decoding is greedy or a beam search
(its finished outputs ranked by total log-probability, or per character: `length_alpha`).
The page's default models (DEFAULTS: the date model and the three reverse models of the length
comparison) are shipped trained, made by `python -m rnnviz.defaults`. A model the page trains live is
bounded: one step, its held-out score included, may do at most MAX_STEP_WORK multiply-adds
(Seq2SeqConfig.step_work), about one tick of live training; Seq2SeqLoop refuses larger ones.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnviz import defaults, settings, tasks, training
from rnnviz.settings import setting
from rnnviz.training import TEST, TRAIN, Loop

TASKS = tasks.SEQ2SEQ_TASKS
TASK_NAMES = {
    "dates": "date normalization",
    "reverse": "reverse a string",
    "sort": "sort digits",
    "execute": "learning to execute",
}
KINDS = ("rnn", "gru", "lstm")
KIND_NAMES = {"rnn": "tanh RNN", "gru": "GRU", "lstm": "LSTM"}
ATTENTIONS = ("none", "dot", "general", "additive")
PAD, SOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<s>", "<eos>")
LONGER = 5  # reverse / sort: the held-out longer inputs have up to this many characters more
MAX_BEAM = 5
LENGTH_ALPHA = 1.0  # the page's length normalization: finished outputs ranked by log P per character
LENGTH_RANGE = {"reverse": (2, 30), "sort": (2, 30), "execute": (1, 4), "dates": (0, 0)}
MAX_INPUT = {"dates": 40, "execute": 90}  # typed inputs; reverse / sort: the held-out longer lengths
SMALLEST_COUNT = 10  # accuracy by length: lengths with fewer held-out inputs than this are not shown
# What one step of each kind of recurrent layer costs, in H x (input + H) multiply-adds: its weight
# blocks (tanh RNN 1, GRU 3, LSTM 4), but torch's GRU costs about as much as 5 on one core here
# (benchmarks/bounds_seq2seq_sentiment.py, counted with 3: its costliest sentiment step took 1.5
# times an LSTM's of the same count).
BLOCKS = {"rnn": 1, "gru": 5, "lstm": 4}
# Live training runs in ticks of 0.8 s, so one step, the costliest included (one that also scores the
# model on the held-out pairs: Seq2SeqConfig.step_work), may do at most this many multiply-adds: at most
# about 0.8 s on one core here (benchmarks/bounds_seq2seq_sentiment.py). The shipped date model's
# settings do 5 billion (0.2 s); an LSTM of 256 units reversing strings of 30 letters with additive
# attention, the widgets' largest, 73 billion (4 s): the page refuses it with a message.
MAX_STEP_WORK = 8_000_000_000
# What the page says about each setting, beside its control (its help), and a typed input per task.
HELP = {
    "length": f"Training strings have 1 to this many characters; the held-out longer ones up to {LONGER} more.",
    "digits": "Programs use numbers of 1 to this many digits; the held-out longer ones one digit more.",
    "beam": "1: greedy decoding.",
    "normalize": "Beam search: rank the finished outputs by log-probability per character (<eos> included) "
    "instead of in total, which favours short outputs.",
}
EXAMPLES = {
    "dates": "Thursday, 26 November 2026",
    "reverse": "recurrent",
    "sort": "31415926",
    "execute": "a=12;for x in range(3):a+=7;print(a-5)",
}
# The budget of the page's default models: with the learning rate falling on a cosine over it, the
# date model gets all of 2,000 held-out days right (rnnviz/weights/seq2seq_dates.json; the target is 99%).
DEFAULT_BUDGET = 4000


# --- the task as data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seq2SeqConfig:
    task: str = setting(
        "dates",
        "Task",
        options=TASKS,
        help=(
            "dates: '26 Nov 2026' -> '2026-11-26', written 12 ways, a fifth in lower case, every 10th day of the calendar "
            "kept out of training; reverse a string; sort digits; execute a small program."
        ),
    )
    # reverse / sort: longest training string; execute: most digits of a number; dates: unused
    length: int = 0
    kind: str = setting("gru", "Encoder and decoder", options=KINDS)  # the same kind for both
    hidden_size: int = setting(128, "Hidden units", 8, 256, 8)
    embed_dim: int = 32
    attention: str = setting(
        "none",
        "Attention",
        options=ATTENTIONS,
        help=(
            "none: the decoder sees the input only through the encoder's final state (the lecture). "
            "dot / general / additive: Luong attention over every encoder state."
        ),
    )
    reverse_source: bool = setting(
        False,
        "Read the source backwards",
        help=(
            "Sutskever et al. (2014): in translation, where the output follows the input's order, it brings the "
            "input's first words close to the output's first. On the reverse task it does the opposite: the "
            "character to write first is then read first, farthest from the decoder."
        ),
    )
    steps: int = setting(
        DEFAULT_BUDGET,
        "Budget (training steps)",
        1,
        10_000,
        50,
        help="The learning rate falls on a cosine to a tenth over the budget.",
    )
    batch_size: int = 64
    lr: float = setting(5e-3, "Learning rate (Adam)", 1e-5, 0.1, 1e-4)
    # the learning rate falls on a cosine to this fraction of lr at the end of the budget
    lr_floor: float = 0.1
    clip: float = 1.0
    seed: int = setting(
        0, "Seed", 0, 9999, 1, help="Fixes the initialisation, every batch and the test sets."
    )
    test_size: int = 500  # held-out pairs scored every test_every steps
    test_every: int = 0  # 0: a multiple of 10 that gives about 16 scores over the budget

    @property
    def score_every(self) -> int:
        """The steps between two held-out scores."""
        return self.test_every or max(10, self.steps // 160 * 10)

    def __post_init__(self) -> None:
        # task, kind, attention, reverse_source, hidden_size, steps, lr, seed: the page's controls
        settings.check(self)
        low, high = LENGTH_RANGE[self.task]
        checks = [
            (
                self.task == "dates" or low <= self.length <= high,
                f"length for {self.task} must be between {low} and {high}, got {self.length}",
            ),
            (1 <= self.embed_dim <= 1024, "embed_dim must be 1 to 1024"),
            (
                self.batch_size >= 1 and self.test_size >= 1 and self.test_every >= 0,
                "test_every must be >= 0; batch_size and test_size >= 1",
            ),
            (0 <= self.lr_floor <= 1, f"lr_floor must be between 0 and 1, got {self.lr_floor}"),
            (
                math.isfinite(self.clip) and self.clip >= 0,
                f"clip must be 0 (off) or positive, got {self.clip}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def step_work(self) -> int:
        """Multiply-adds of the costliest training step, forward passes counted: one that also scores the
        model (every score_every steps). Its batch forward and backward (about three forwards of
        batch_size pairs), the held-out loss (test_size pairs, forward) and greedy decoding of every
        scored pair to one character past its target (decode_to_score, in chunks as long as their longest
        pair). A step's time grows with it (0.04 to 0.12 s per billion on one core here)."""
        source, target, longest_source, longest_target = _longest(self)
        vocab, scored = len(vocabulary(self.task)), self.test_size * (1 if self.task == "dates" else 2)
        trained = sequence_work(self, vocab, source, target + 1)
        return (3 * self.batch_size + self.test_size) * trained + scored * sequence_work(
            self, vocab, longest_source, longest_target + 1
        )

    def variants(self) -> list[Seq2SeqConfig]:
        """The same model plain, reading backwards, and with attention (general, unless another score
        is chosen): the comparison of accuracy against input length."""
        score = "general" if self.attention == "none" else self.attention
        return [
            dataclasses.replace(self, reverse_source=False, attention="none"),
            dataclasses.replace(self, reverse_source=True, attention="none"),
            dataclasses.replace(self, reverse_source=False, attention=score),
        ]

    @property
    def variant(self) -> str:
        """A short name of the architecture: 'plain', 'reversed', 'general attention', ..."""
        parts = (["reversed"] if self.reverse_source else []) + (
            [f"{self.attention} attention"] if self.attention != "none" else []
        )
        return ", ".join(parts) or "plain"


def sequence_work(config: Seq2SeqConfig, vocab_size: int, source: int, steps: int) -> int:
    """Multiply-adds of the model's forward pass over one pair: the encoder over `source` characters, the
    attention's keys once (general, additive), the decoder over `steps` output steps (its RNN, the
    attention over the source, the readout). Additive attention's element-wise work over (S, H) at every
    output step (a sum, tanh, v) costs about 50 multiply-adds of a matrix product per element here
    (benchmarks/bounds_seq2seq_sentiment.py)."""
    H, E = config.hidden_size, config.embed_dim
    rnn = BLOCKS[config.kind] * H * (E + H)  # one character through the RNN (as it costs)
    attention = {
        "none": 0,
        "dot": 2 * source * H,
        "general": 2 * source * H,
        "additive": H * H + 50 * source * H,
    }[config.attention]
    keys = source * H * H if config.attention in ("general", "additive") else 0
    combine = 2 * H * H if config.attention != "none" else 0  # W_c [c_t; h_t]
    return source * rnn + keys + steps * (rnn + attention + combine + H * vocab_size)


def _longest(config: Seq2SeqConfig) -> tuple[int, int, int, int]:
    """The longest source and target, in characters, of the pairs a run of config trains and is scored
    on, and of its longer held-out inputs (dates has none: the same again). For dates and execute, the
    longest of 5,000 pairs (tests/test_seq2seq.py checks them on other samples)."""
    L = config.length
    if config.task == "dates":
        return 29, 10, 29, 10
    if config.task in ("reverse", "sort"):
        return L, L, L + LONGER, L + LONGER
    return 39 + 4 * L, L + 2, 43 + 4 * L, L + 3  # programs of numbers with up to L digits (L + 1: longer)


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
    return (
        tasks.program_pairs(n, L + 1, seed, min_digits=L + 1) if longer else tasks.program_pairs(n, L, seed)
    )


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
class SymbolVocabulary:
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


def vocabulary(task: str) -> SymbolVocabulary:
    """The task's vocabulary (tasks.SEQ2SEQ_ALPHABETS)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    return SymbolVocabulary(SPECIALS + tuple(tasks.SEQ2SEQ_ALPHABETS[task]))


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


def make_batch(
    vocab: SymbolVocabulary, pairs: Sequence[tuple[str, str]], reverse_source: bool = False
) -> Batch:
    """Padded id tensors of (source, target) pairs; sources reversed when the encoder reads backwards."""
    if not pairs or any(not s for s, _ in pairs):
        raise ValueError("a batch needs at least one pair, and every source at least one character")
    sources = [vocab.ids(s[::-1] if reverse_source else s) for s, _ in pairs]
    targets = [vocab.ids(t) for _, t in pairs]
    return Batch(
        _pad(sources),
        torch.tensor([len(s) for s in sources]),
        _pad([[SOS] + t for t in targets]),
        _pad([t + [EOS] for t in targets]),
    )


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

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """What the scores compare the decoder's states with (B, S, H): the encoder states s_j (dot), W s_j
        (general), W_2 s_j (additive). They do not change while one input is decoded: greedy decoding
        computes them once, not at every output step (an LSTM of 256 units on 35 characters: 60% of its
        time saved with general attention, a third with additive; measured on one thread)."""
        if self.attention == "general":
            return self.W_a(memory)
        if self.attention == "additive":
            return self.W_2(memory)
        return memory

    def scores(self, h: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """Attention scores (B, T, S) of decoder states h (B, T, H) against the keys (B, S, H) of the
        encoder states."""
        if self.attention == "additive":
            mixed = torch.tanh(self.W_1(h)[:, :, None] + keys[:, None])  # (B, T, S, H)
            return self.v(mixed).squeeze(-1)
        return h @ keys.transpose(1, 2)

    def forward(
        self,
        target_in: torch.Tensor,
        state: State,
        memory: torch.Tensor,
        mask: torch.Tensor,
        keys: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, State, torch.Tensor | None]:
        """Logits (B, T, V), the state after the last step, and the alignment (B, T, S) or None (`keys`:
        self.keys(memory), when the caller has them). Attention is computed after the RNN step (Luong),
        so T steps at once (teacher forcing) give exactly what T single steps give."""
        h, state = self.rnn(self.embedding(target_in), state)  # (B, T, H)
        if self.attention == "none":
            return self.readout(h), state, None
        keys = self.keys(memory) if keys is None else keys
        scores = self.scores(h, keys).masked_fill(~mask[:, None, :], float("-inf"))  # (B, T, S)
        alignment = torch.softmax(scores, dim=-1)
        context = alignment @ memory  # (B, T, H)
        attended = torch.tanh(self.W_c(torch.cat([context, h], dim=-1)))  # (B, T, H)
        return self.readout(attended), state, alignment


class Seq2Seq(nn.Module):
    """An encoder and a decoder, two networks with different weights."""

    def __init__(self, config: Seq2SeqConfig, vocab_size: int):
        super().__init__()
        self.config = config
        # torch's own initialisation draws from its global generator here; the Loop draws it again
        # from the config's seed (training.initialise), so the same settings give the same model.
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
def greedy(
    model: Seq2Seq,
    source: torch.Tensor,
    lengths: torch.Tensor,
    max_steps: int,
    enough: Sequence[int] | None = None,
) -> list[list[int]]:
    """The most probable next character at every step, fed back, until <eos> (included in each row)
    or max_steps characters; one list of ids per input. With `enough` (one count per input), an input
    also stops once it has written that many characters (special tokens not counted)."""
    model.eval()
    memory, state, mask = model.encode(source, lengths)
    keys = model.decoder.keys(memory) if model.decoder.attention != "none" else None  # (B, S, H)
    B = source.shape[0]
    token = torch.full((B, 1), SOS, dtype=torch.long)
    rows: list[list[int]] = [[] for _ in range(B)]
    finished = torch.zeros(B, dtype=torch.bool)
    written, limit = torch.zeros(B, dtype=torch.long), None if enough is None else torch.tensor(list(enough))
    for _ in range(max_steps):
        logits, state, _ = model.decoder(token, state, memory, mask, keys)  # (B, 1, V)
        token = logits.argmax(-1)  # (B, 1)
        active = ~finished
        for i in active.nonzero().flatten().tolist():
            rows[i].append(int(token[i, 0]))
        finished |= token[:, 0] == EOS
        if limit is not None:
            written += active & (token[:, 0] >= len(SPECIALS))
            finished |= written >= limit
        if finished.all():
            break
    return rows


@dataclass(frozen=True)
class Hypothesis:
    ids: tuple[int, ...]  # the characters written, <eos> last if finished
    log_probability: float  # sum of the log-probabilities of the characters


@torch.no_grad()
def beam_search(
    model: Seq2Seq, source: torch.Tensor, width: int, max_steps: int, length_alpha: float = 0.0
) -> list[Hypothesis]:
    """Beam search for one source (1, S): keep the `width` most probable prefixes at every step;
    return the finished hypotheses, best first (then the unfinished, at max_steps). Prefixes compete by
    their sum of log-probabilities, so width 1 is greedy decoding; the finished outputs are ranked by
    length_score (the same sum unless `length_alpha` > 0).

    What it finds is an output of high probability, not the most probable one: a prefix dropped at
    one step may have led to a better output. And unnormalized (length_alpha 0) it favours short
    outputs: every character written adds a negative log-probability. With length_alpha = a the
    finished outputs are ranked by log P / length^a (Wu et al. 2016 divide by a smoothed length)."""
    if not 1 <= width <= MAX_BEAM:
        raise ValueError(f"beam width must be between 1 and {MAX_BEAM}, got {width}")
    if not (math.isfinite(length_alpha) and 0 <= length_alpha <= 2):
        raise ValueError(f"length_alpha must be between 0 and 2, got {length_alpha}")
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
        if length_alpha == 0:  # Log-probabilities only fall as a prefix grows: once the best finished
            # hypothesis beats a live one, that one can never overtake it. (Divided by a growing
            # length, a live one may: normalized, the search runs until `width` have finished.)
            best_finished = max((h.log_probability for h in finished), default=-math.inf)
            live = [(h, row) for h, row in live if h.log_probability > best_finished]
        alive = [h for h, _ in live]
        if not alive or len(finished) >= width:
            break
        state = _select(state, torch.tensor([row for _, row in live]))
    # The finished outputs first: a live prefix may score higher only because it has not ended yet.
    rank = lambda h: -length_score(h, length_alpha)  # noqa: E731
    return (sorted(finished, key=rank) + sorted(alive, key=rank))[:width]


def length_score(hypothesis: Hypothesis, alpha: float) -> float:
    """log P / length^alpha, the length counting <eos> when written: the plain log-probability at
    alpha 0, the mean log-probability per character at alpha 1."""
    return hypothesis.log_probability / max(len(hypothesis.ids), 1) ** alpha


def translate(
    model: Seq2Seq,
    vocab: SymbolVocabulary,
    sources: Sequence[str],
    reverse_source: bool = False,
    beam_width: int = 1,
    enough: Sequence[int] | None = None,
) -> list[str]:
    """The decoded output of each source (greedy in batches; beam search one by one). `enough`: greedy
    decoding of each source may stop after that many characters (see `decode_to_score`)."""
    if not sources:
        return []
    if beam_width == 1:
        out = []
        for start in range(0, len(sources), 512):
            chunk = sources[start : start + 512]
            batch = make_batch(vocab, [(s, "") for s in chunk], reverse_source)
            steps = max_output_length(int(batch.lengths.max()))
            limits = None if enough is None else enough[start : start + 512]
            out += [vocab.text(ids) for ids in greedy(model, batch.source, batch.lengths, steps, limits)]
        return out
    results = []
    for s in sources:
        batch = make_batch(vocab, [(s, "")], reverse_source)
        results.append(
            vocab.text(beam_search(model, batch.source, beam_width, max_output_length(len(s)))[0].ids)
        )
    return results


def char_matches(output: str, target: str) -> int:
    """How many of the target's characters the output has right, position by position."""
    return sum(a == b for a, b in zip(output, target))


@dataclass(frozen=True)
class Score:
    exact: float  # the fraction of outputs equal to their target
    chars: float  # the fraction of target characters right, position by position


def _score(pairs: Sequence[tuple[str, str]], outputs: Sequence[str]) -> Score:
    """Exact match and per-character accuracy of the outputs (nan for no pairs)."""
    exact = np.mean([o == t for o, (_, t) in zip(outputs, pairs)]) if pairs else float("nan")
    total = sum(len(t) for _, t in pairs)
    chars = sum(char_matches(o, t) for o, (_, t) in zip(outputs, pairs)) / max(total, 1)
    return Score(float(exact), float(chars))


def decode_to_score(
    model: Seq2Seq, vocab: SymbolVocabulary, pairs: Sequence[tuple[str, str]], reverse_source: bool = False
) -> list[str]:
    """Greedy outputs of the pairs' sources, each cut once it has one character more than its target:
    from there on it can neither equal the target nor match more of its characters, so every score
    (_score, by_length) is what the whole decoding gives. A model that has not learnt to stop would
    otherwise write max_output_length characters: a program's output is a few digits, its source up to
    90 characters."""
    return translate(
        model, vocab, [s for s, _ in pairs], reverse_source, enough=[len(t) + 1 for _, t in pairs]
    )


def score(
    model: Seq2Seq, vocab: SymbolVocabulary, pairs: Sequence[tuple[str, str]], reverse_source: bool = False
) -> Score:
    """Exact match and per-character accuracy of greedy decoding on the pairs."""
    return _score(pairs, decode_to_score(model, vocab, pairs, reverse_source))


# --- accuracy against input length -------------------------------------------------------------------


@dataclass(frozen=True)
class LengthAccuracy:
    """Greedy accuracy of a model on held-out inputs, grouped by the input's length in characters."""

    lengths: np.ndarray  # (n,)
    exact: np.ndarray  # (n,) exact match at each length
    chars: np.ndarray  # (n,) per-character accuracy
    counts: np.ndarray  # (n,) held-out inputs of each length
    longest_trained: int | None  # longest training input, where the task fixes it


def by_length(
    config: Seq2SeqConfig,
    pairs: Sequence[tuple[str, str]],
    outputs: Sequence[str],
    smallest_count: int = SMALLEST_COUNT,
) -> LengthAccuracy:
    """Exact match and per-character accuracy of the outputs, grouped by source length; lengths with
    fewer than `smallest_count` pairs are left out."""
    lengths = np.array([len(s) for s, _ in pairs])
    right = np.array([o == t for o, (_, t) in zip(outputs, pairs)], dtype=float)
    matched = np.array([char_matches(o, t) for o, (_, t) in zip(outputs, pairs)], dtype=float)
    size = np.array([len(t) for _, t in pairs], dtype=float)
    rows = [k for k in np.unique(lengths) if (lengths == k).sum() >= min(smallest_count, len(pairs))]
    return LengthAccuracy(
        lengths=np.array(rows, dtype=int),
        exact=np.array([right[lengths == k].mean() for k in rows]),
        chars=np.array([matched[lengths == k].sum() / size[lengths == k].sum() for k in rows]),
        counts=np.array([(lengths == k).sum() for k in rows], dtype=int),
        longest_trained=longest_training_input(config),
    )


def length_pairs(config: Seq2SeqConfig, n: int, seed: int) -> list[tuple[str, str]]:
    """Held-out inputs of every length, the longer ones included (reverse / sort: n // (length +
    LONGER) inputs of each length 1 to length + LONGER; dates: n held-out days; execute: n programs
    like the training ones and n with numbers one digit longer)."""
    if config.task in ("reverse", "sort"):
        make = tasks.reverse_pairs if config.task == "reverse" else tasks.sort_pairs
        per_length = max(1, n // (config.length + LONGER))
        return [p for k in range(1, config.length + LONGER + 1) for p in make(per_length, k, k, seed + k)]
    pairs = held_out_pairs(config, n, seed)
    return pairs + held_out_pairs(config, n, seed, longer=True) if config.task == "execute" else pairs


def accuracy_by_length(model: Seq2Seq, config: Seq2SeqConfig, n: int = 600, seed: int = 1) -> LengthAccuracy:
    """Exact match and per-character accuracy by source length on held-out inputs (length_pairs),
    decoded greedily."""
    pairs = length_pairs(config, n, seed)
    return by_length(
        config, pairs, decode_to_score(model, vocabulary(config.task), pairs, config.reverse_source)
    )


# --- training ---------------------------------------------------------------------------------------


class Seq2SeqLoop(Loop):
    """The lab's Loop on a seq2seq model: fresh training pairs every step (the Loop's TRAIN stream),
    the learning rate falling on a cosine over the budget, and every `score_every` steps the held-out
    loss and what greedy decoding gets right on the held-out pairs (the TEST stream): exact match, per
    character, exact match on inputs longer than any in training, and both by input length."""

    RECORDED = (*Loop.RECORDED, "test_exact", "test_chars", "longer_exact", "length_exact", "length_chars")
    SHARED = ("vocab", "test_pairs", "longer_pairs", "_test_batches")  # read, never written

    def __init__(self, config: Seq2SeqConfig, bounded: bool = True):
        """A run of config, untrained; ValueError with a plain message when one of its steps would not fit
        in a live tick (config.step_work above MAX_STEP_WORK), unless not `bounded` (a benchmark)."""
        if bounded and config.step_work > MAX_STEP_WORK:
            raise ValueError(too_large_text(config))
        self.config, self.vocab = config, vocabulary(config.task)
        self.test_pairs = held_out_pairs(config, config.test_size, training.stream_seed(config.seed, TEST, 0))
        longer_seed = training.stream_seed(config.seed, TEST, 1)
        self.longer_pairs = (
            None
            if config.task == "dates"
            else held_out_pairs(config, config.test_size, longer_seed, longer=True)
        )
        # The held-out loss is taken in batches of the training's size: all 500 pairs at once through
        # additive attention would hold (500, T, S, H) floats, about 1 GB at 256 units and 30 characters.
        self._test_batches = tuple(
            make_batch(self.vocab, self.test_pairs[i : i + config.batch_size], config.reverse_source)
            for i in range(0, len(self.test_pairs), config.batch_size)
        )
        super().__init__(
            Seq2Seq(config, len(self.vocab)),
            self._step_loss,
            seed=config.seed,
            steps=config.steps,
            lr=config.lr,
            clip=config.clip,
            evaluate=self._test_loss,
            test_every=config.score_every,
        )
        self.test_exact: list[float] = []  # at test_steps: exact match on the held-out pairs
        self.test_chars: list[float] = []  # per-character accuracy on them
        self.longer_exact: list[float] = []  # exact match on the longer held-out inputs (nan for dates)
        self.length_exact: list[list[float]] = []  # at test_steps: exact match at each of score_lengths
        self.length_chars: list[list[float]] = []  # per-character accuracy at each of them
        scored = by_length(config, self.scored_pairs, [t for _, t in self.scored_pairs])
        self.score_lengths, self.score_counts = scored.lengths, scored.counts  # (n,) each

    @property
    def scored_pairs(self) -> list[tuple[str, str]]:
        """Every held-out pair decoded at a score: the test pairs, then the longer ones."""
        return self.test_pairs + (self.longer_pairs or [])

    def _step_loss(self, k: int) -> torch.Tensor:
        c = self.config
        pairs = training_pairs(c, c.batch_size, training.stream_seed(self.seed, TRAIN, k))
        return self.model.loss(make_batch(self.vocab, pairs, c.reverse_source))

    @torch.no_grad()
    def _test_loss(self) -> float:
        """Cross-entropy per target character over all the held-out pairs (a mean over characters)."""
        self.model.eval()
        total, characters = 0.0, 0
        for batch in self._test_batches:
            n = int((batch.target_out != PAD).sum())
            total, characters = total + n * float(self.model.loss(batch)), characters + n
        return total / characters

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
        if len(self.test_steps) > before:  # one greedy decoding of every held-out pair gives every number
            pairs = self.scored_pairs
            outputs = decode_to_score(self.model, self.vocab, pairs, self.config.reverse_source)
            n = len(self.test_pairs)
            test, longer = _score(pairs[:n], outputs[:n]), _score(pairs[n:], outputs[n:])
            self.test_exact.append(test.exact)
            self.test_chars.append(test.chars)
            self.longer_exact.append(longer.exact)
            grouped = by_length(self.config, pairs, outputs)
            self.length_exact.append(grouped.exact.tolist())
            self.length_chars.append(grouped.chars.tolist())

    def held_out_text(self) -> str:
        """The latest held-out number in words."""
        return f"held-out exact match {100 * self.test_exact[-1]:.1f}%"

    def by_length(self) -> tuple[int, LengthAccuracy] | None:
        """Accuracy against input length at the latest held-out score, and that score's step (None
        before the first): the test pairs and the longer ones, grouped by length."""
        with self.lock:
            if not self.length_exact:
                return None
            return self.test_steps[-1], LengthAccuracy(
                self.score_lengths,
                np.array(self.length_exact[-1]),
                np.array(self.length_chars[-1]),
                self.score_counts,
                longest_training_input(self.config),
            )


def too_large_text(config: Seq2SeqConfig) -> str:
    """Why a model this large does not train on the page, and what would."""
    return (
        f"one training step of this model, with its held-out score, is {config.step_work / 1e9:.0f} billion "
        f"multiply-adds; live training runs in ticks of 0.8 s, so the page trains models of up to "
        f"{MAX_STEP_WORK / 1e9:g} billion a step (about 0.8 s on one core). Fewer hidden units, shorter "
        "strings (fewer digits), a tanh RNN, or a cheaper attention (none, dot) would fit"
    )


def train(config: Seq2SeqConfig, steps: int | None = None) -> Seq2SeqLoop:
    """A Seq2SeqLoop for the config, trained `steps` steps (default: its whole budget)."""
    trainer = Seq2SeqLoop(config)
    trainer.step(config.steps if steps is None else steps)
    return trainer


# --- reading the model ------------------------------------------------------------------------------


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
class Decoding:
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
    length_alpha: float  # finished outputs ranked by log_probability / length^length_alpha


@torch.no_grad()
def read(
    model: Seq2Seq,
    config: Seq2SeqConfig,
    text: str,
    beam_width: int = 1,
    top: int = 5,
    length_alpha: float = 0.0,
) -> Decoding:
    """Decode one typed input (greedy, or beam search of the given width, its finished outputs ranked
    by log P / length^length_alpha), then run the decoder over the chosen output once more to read, at
    every step, the top candidates with their probabilities and the attention; the encoder's states
    over the input. ValueError for bad input."""
    source = check_input(config, text)
    vocab = vocabulary(config.task)
    batch = make_batch(vocab, [(source, "")], config.reverse_source)
    best = beam_search(model, batch.source, beam_width, max_output_length(len(source)), length_alpha)[0]
    memory, state, mask = model.encode(batch.source, batch.lengths)  # memory (1, S, H)
    target_in = torch.tensor([[SOS, *best.ids[:-1]]]) if best.ids else torch.tensor([[SOS]])
    logits, _, alignment = model.decoder(target_in, state, memory, mask)  # (1, T, V)
    p = torch.softmax(logits[0], dim=-1)  # (T, V)
    k = min(top, p.shape[1])
    top_p, top_i = p.topk(k, dim=-1)  # (T, k)
    ids = list(best.ids)
    return Decoding(
        source=source,
        read=tuple(source[::-1] if config.reverse_source else source),
        output=vocab.text(ids),
        finished=bool(ids) and ids[-1] == EOS,
        tokens=tuple(vocab.tokens[i] for i in ids),
        candidates=tuple(tuple(vocab.tokens[i] for i in row) for row in top_i.tolist()),
        probabilities=top_p.numpy(),
        chosen=p[torch.arange(len(ids)), torch.tensor(ids)].numpy(),
        log_probability=best.log_probability,
        encoder_states=memory[0].numpy(),
        alignment=None if alignment is None else alignment[0].numpy(),
        beam_width=beam_width,
        length_alpha=length_alpha,
    )


def reading_text(reading: Decoding) -> str:
    """One line (markdown): the input, the output, how it was decoded and its log-probability."""
    verdict = "" if reading.finished else f" (no `<eos>` within {len(reading.tokens)} characters: cut there)"
    search = "greedy decoding" if reading.beam_width == 1 else f"beam search of width {reading.beam_width}"
    if reading.beam_width > 1 and reading.length_alpha > 0:
        power = "" if reading.length_alpha == 1 else f"^{reading.length_alpha:g}"
        search += f", ranked by log-probability / length{power}"
    return (
        f"**{reading.source}** → **`{reading.output}`**{verdict}: {search}, log-probability "
        f"{reading.log_probability:.2f} over {len(reading.tokens)} tokens"
    )


def snippet(
    config: Seq2SeqConfig, step: int, source: str, beam_width: int, length_alpha: float, shipped: str | None
) -> str:
    """Notebook code that gets the page's model (the shipped default `shipped`, loaded; another, trained
    again to `step`) and reads `source` as the page does, ending with its `table` (reading_table)."""
    dates = defaults.describe("seq2seq_dates")  # its sidecar: how long the shipped date model took to train
    get = (
        f"loop = defaults.load({shipped!r})  # the shipped model the page shows"
        if shipped
        else f"loop = seq2seq.train(config, steps={step})  # trains it again (the shipped date model's "
        f"{dates['steps']:,} steps took {dates['training_seconds']:.0f} s on one core of a busy machine)"
    )
    return f"""
from rnnviz import defaults, seq2seq, training

training.set_threads(1)  # as the page: one thread, so the numbers match exactly
config = seq2seq.{config!r}
{get}
reading = seq2seq.read(loop.model, config, {source!r}, beam_width={beam_width}, length_alpha={length_alpha!r})
table = seq2seq.reading_table(reading)
"""


def reading_table(reading: Decoding) -> dict[str, list]:
    """The decoding of one input as columns: step, written token, its probability, and the top
    candidates with theirs."""
    table: dict[str, list] = {
        "step": list(range(1, len(reading.tokens) + 1)),
        "written": list(reading.tokens),
        "P(written)": [float(p) for p in reading.chosen],
    }
    for r in range(reading.probabilities.shape[1]):
        table[f"candidate {r + 1}"] = [row[r] for row in reading.candidates]
        table[f"P(candidate {r + 1})"] = [float(p) for p in reading.probabilities[:, r]]
    return table


# What the encoder's final state can be coloured by, per task (see `input_properties`).
PROPERTIES = {
    "dates": ("year", "century", "month", "day of the month", "input length"),
    "reverse": ("last letter", "first letter", "input length"),
    "sort": ("smallest digit", "largest digit", "input length"),
    "execute": ("result", "has a loop", "input length"),
}
CATEGORICAL = {
    "century",
    "month",
    "last letter",
    "first letter",
    "smallest digit",
    "largest digit",
    "has a loop",
}


def input_properties(task: str, pairs: Sequence[tuple[str, str]]) -> dict[str, list]:
    """For each of PROPERTIES[task], its value for every (source, target) pair."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    sources, targets = [s for s, _ in pairs], [t for _, t in pairs]
    values: dict[str, list] = {"input length": [len(s) for s in sources]}
    if task == "dates":
        values["month"] = [tasks.MONTHS[int(t[5:7]) - 1] for t in targets]
        values["year"] = [int(t[:4]) for t in targets]
        values["century"] = [f"{t[:2]}xx" for t in targets]
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
    return MemoryMap(
        [s for s, _ in pairs],
        [t for _, t in pairs],
        (centred @ V[:2].T).numpy(),
        explained,
        input_properties(config.task, pairs),
    )


def axis_correlations(memory: MemoryMap) -> dict[str, np.ndarray]:
    """|Pearson r| of each numeric property of the inputs (year, day, length, result), and of each
    property with two values (century, has a loop: coded 0 and 1, the point-biserial r), with the first
    and the second principal axis, (2,) each: how much of what an axis orders the memory by is that
    property (the sign of a principal axis is arbitrary, so only the size says anything)."""
    out = {}
    for name, values in memory.properties.items():
        if name in CATEGORICAL:
            if len(set(values)) != 2:
                continue
            v = np.array([value == min(values) for value in values], dtype=float)
        else:
            v = np.asarray(values, dtype=float)
        out[name] = np.array([abs(_correlation(v, memory.coordinates[:, axis])) for axis in (0, 1)])
    return out


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def axes_text(memory: MemoryMap) -> str:
    """What the two principal axes of this memory map line up with, measured: the property most
    correlated with each, its |r| and the axis's share of the variance."""
    correlations = axis_correlations(memory)
    parts = []
    for axis, which in enumerate(("first", "second")):
        name = max(correlations, key=lambda n: correlations[n][axis])
        parts.append(
            f"the {which} axis ({100 * memory.explained[axis]:.0f}% of the variance) correlates most "
            f"with the {name}, |r| = {correlations[name][axis]:.2f}"
        )
    return "; ".join(parts)


# --- the page's default models, shipped trained (rnnviz.defaults) -----------------------------------

# The date model the page opens on (GRU, 128 units, DEFAULT_BUDGET steps), and the three reverse models
# of the length comparison: trained on strings of 1 to 10 letters, plain, source reversed, attention.
DEFAULT = Seq2SeqConfig()
REVERSE_DEFAULT = Seq2SeqConfig(task="reverse", length=10)
SHIPPED = {
    "seq2seq_dates": DEFAULT,
    **{
        f"seq2seq_reverse_{name}": config
        for name, config in zip(("plain", "reversed", "attention"), REVERSE_DEFAULT.variants())
    },
}
MEASURED, CHECKED = 2, 3  # the TEST-stream indices of the held-out samples the defaults are measured on
MEASURE_SIZE, CHECK_SIZE = 2000, 200


def default_name(config: Seq2SeqConfig) -> str | None:
    """The shipped default trained at exactly these settings, if there is one."""
    return next((name for name, shipped in SHIPPED.items() if shipped == config), None)


def measure(loop: Seq2SeqLoop) -> dict:
    """Exact match and per-character accuracy of greedy decoding on MEASURE_SIZE held-out pairs (dates:
    days never seen in training; reverse: strings of the training lengths), the same on the CHECK_SIZE
    pairs of the tests' check; for reverse also exact match by length, 1 to 15, on 200 strings each."""
    c = loop.config
    with loop.lock:
        full = score(
            loop.model,
            loop.vocab,
            held_out_pairs(c, MEASURE_SIZE, training.stream_seed(c.seed, TEST, MEASURED)),
            c.reverse_source,
        )
        metrics = {
            "exact_match": round(full.exact, 4),
            "char_accuracy": round(full.chars, 4),
            "check_exact_match": check(loop)[1],
        }
        if c.task != "dates":
            lengths = accuracy_by_length(
                loop.model, c, n=200 * (c.length + LONGER), seed=training.stream_seed(c.seed, TEST, MEASURED)
            )
            metrics["exact_by_length"] = {
                str(k): round(float(v), 4) for k, v in zip(lengths.lengths, lengths.exact)
            }
    return metrics


def check(loop: Seq2SeqLoop) -> tuple[str, float]:
    """Exact match of greedy decoding on CHECK_SIZE held-out pairs (a fixed sample of the TEST stream)."""
    c = loop.config
    pairs = held_out_pairs(c, CHECK_SIZE, training.stream_seed(c.seed, TEST, CHECKED))
    with loop.lock:
        return "check_exact_match", round(score(loop.model, loop.vocab, pairs, c.reverse_source).exact, 4)


def _default(name: str) -> defaults.Default:
    config = SHIPPED[name]
    # Two decodings of 200 that differ may flip 4 borderline outputs (a torch or CPU that rounds
    # otherwise) before the check fails: a real change of the model moves far more.
    return defaults.Default(
        name, lambda: Seq2SeqLoop(config), lambda: asdict(config), measure, check, tolerance=0.02
    )


DEFAULTS = [_default(name) for name in SHIPPED]


def length_comparison_text(metrics: dict[str, dict] | None = None) -> str:
    """What the shipped reverse models show about attention and length, from their exact match by
    length as measured when they were made (`metrics`: name -> metrics; default: their sidecars)."""
    labels = {
        "seq2seq_reverse_plain": "plain",
        "seq2seq_reverse_reversed": "source reversed",
        "seq2seq_reverse_attention": "general attention",
    }
    if metrics is None:
        metrics = {name: defaults.describe(name)["metrics"] for name in labels}
    at = {label: metrics[name]["exact_by_length"] for name, label in labels.items()}
    longest = REVERSE_DEFAULT.length
    beyond = range(longest + 1, longest + 4)
    inside = ", ".join(f"{label} {100 * at[label][str(longest)]:.0f}%" for label in at)
    later = "; ".join(
        f"{label} " + " / ".join(f"{100 * at[label][str(k)]:.0f}%" for k in beyond) for label in at
    )
    return (
        f"exact match at length {longest}, the longest in training, is {inside}; at lengths "
        f"{' / '.join(map(str, beyond))}, never seen: {later} (200 held-out strings per length)"
    )


# --- what the page shows beside a model: the length comparison's models, its sentences -------------


class Variants:
    """The models a session compares against input length (Seq2SeqConfig.variants): for each variant
    of the page's settings other than the settings themselves, the shipped model at those settings if
    there is one, else the session's own, trained on request to the step of the model it is compared
    with. A session keeps one of these; the shipped models are only read."""

    def __init__(self) -> None:
        self.own: dict[Seq2SeqConfig, Seq2SeqLoop] = {}  # the session's variant models, by settings

    def models(
        self, config: Seq2SeqConfig, load: Callable[[str], Seq2SeqLoop]
    ) -> list[tuple[Seq2SeqConfig, str, Seq2SeqLoop | None]]:
        """(settings, whose, model) of each other variant: "shipped" (loaded by `load(name)`) or "yours"
        (None until trained). The session's models of another family of settings are dropped."""
        for old in [c for c in self.own if c not in config.variants()]:
            del self.own[old]
        named = [(c, default_name(c)) for c in config.variants() if c != config]
        return [
            (c, "shipped" if name else "yours", load(name) if name else self.own.get(c)) for c, name in named
        ]

    def behind(self, config: Seq2SeqConfig, step: int) -> list[Seq2SeqConfig]:
        """The variants the session trains itself that stand before `step` (untrained ones included; not
        those too large to train here, see Seq2SeqLoop)."""
        return [
            c
            for c in config.variants()
            if c != config
            and default_name(c) is None
            and c.step_work <= MAX_STEP_WORK
            and (self.own[c].step_count if c in self.own else 0) < step
        ]

    def catch_up(self, configs: Sequence[Seq2SeqConfig], step: int) -> None:
        """Train the session's models of these variants (built if need be) to `step`."""
        for c in configs:
            loop = self.own.setdefault(c, Seq2SeqLoop(c))
            loop.step_in_turns(step - loop.step_count)

    def curves(
        self, config: Seq2SeqConfig, loop: Seq2SeqLoop, load: Callable[[str], Seq2SeqLoop]
    ) -> list[tuple[str, LengthAccuracy]]:
        """Accuracy against input length of `loop` (the page's model, at `config`) and of every variant
        scored yet, each named by its variant, whose it is and the step of its latest score."""
        models = [(config, "this model", loop), *self.models(config, load)]
        return [
            (f"{c.variant} ({whose}, step {measured[0]})", measured[1])
            for c, whose, other in models
            if other is not None and (measured := other.by_length()) is not None
        ]


def progress(records: training.Records) -> tuple[float, str]:
    """A progress bar of a run: the share of the budget spent, and "step k of n: training" (or finished,
    not started, stopped)."""
    share = min(records.steps / records.budget, 1.0) if records.budget else 1.0
    return share, f"step {records.steps} of {records.budget}: {records.status.split(':', 1)[0]}"


SCORES = {
    "held-out exact match": "test_exact",
    "held-out per character": "test_chars",
    "longer inputs, exact match": "longer_exact",
}


def latest_scores(records: training.Records) -> dict[str, str]:
    """The latest held-out scores of a run by label, as percentages ("—" before the first score, and for
    the longer inputs of a task that has none)."""
    latest = {label: (records.extra[name][-1:] or [math.nan])[0] for label, name in SCORES.items()}
    return {label: "—" if math.isnan(value) else f"{100 * value:.1f}%" for label, value in latest.items()}


def catch_up_text(behind: Sequence[Seq2SeqConfig], step: int) -> str:
    """The label of the button that trains the session's variants (Variants.behind) to `step`."""
    names = " and ".join(c.variant for c in behind)
    return f"Train the {names} variant{'s' * (len(behind) > 1)} to step {step} too, for the comparison"


def shipped_text(loop: Seq2SeqLoop) -> str:
    """What the shipped model at the page's settings is: its training, measured when it was made."""
    return (
        f"The shipped model, trained ahead of time for {loop.step_count} steps of {loop.config.batch_size} "
        f"pairs ({loop.seconds:.0f} s on one core of a busy machine) and read by every visitor. Restart, then Play, to train a "
        "copy of your own live; change any setting to train another."
    )


def length_warning(config: Seq2SeqConfig, reading: Decoding) -> str | None:
    """A warning when the typed input is longer than any training input (where the task fixes that)."""
    longest = longest_training_input(config)
    if longest is None or len(reading.source) <= longest:
        return None
    return f"This input has {len(reading.source)} characters; no training input had more than {longest}."


def memory_caption(memory: MemoryMap, config: Seq2SeqConfig, step: int) -> str:
    """The memory map's caption: what it shows and what its axes line up with on this model (axes_text)."""
    return (
        f"The encoder's final state, the memory the decoder starts from, for {len(memory.sources)} held-out "
        "inputs, projected on its two principal axes (PCA); hover a point to see its input. Measured on this "
        f"model ({config.variant}, seed {config.seed}, step {step}): {axes_text(memory)}."
    )
