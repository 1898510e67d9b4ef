"""A character-level language model, the lecture's "RNN for generation": characters -> embedding ->
RNN / GRU / LSTM (layers, hidden size) -> softmax over the vocabulary of characters.

At training time it is taught with teacher forcing: on truncated windows of the training text, each
step reads the true previous character and is scored (cross-entropy) on the true next one. At test
time it feeds on its own samples: a priming text, then one character drawn at a time (temperature,
top-k) and read back in, until a length or the end-of-sequence token <eos> that separates documents.

Losses are in nats inside the training loop (training.Loop) and shown in bits per character (nats /
ln 2), next to the unigram entropy of the corpus: the loss of a model that knows character
frequencies and nothing else.

The page's default model (DEFAULT on Python's standard library source) is trained ahead of time by
`python -m rnnviz.defaults char_lm` and shipped as weights (rnnviz.defaults, DEFAULTS below).
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch
from torch import nn

from rnnviz import activations, corpora, settings, training, uploads
from rnnviz.corpora import CharCorpus, split_documents
from rnnviz.defaults import Default
from rnnviz.settings import setting

EOS, UNK = "<eos>", "<unk>"  # ids 0 and 1: the end of a document, and every rare character
KINDS = ("lstm", "gru", "rnn")
MAX_VOCABULARY = 150  # characters kept (most frequent first); the rest are read as <unk>
MIN_COUNT = 5  # a character seen fewer times than this in the training text is <unk>
CHECKPOINT_CHARS = 300  # length of the sample taken at each checkpoint
CHECKPOINT_TEMPERATURE = 0.8
TOP = 5  # next-character candidates kept by `read`
FORMAT = "rnnviz-charlm"  # the tag of a saved model file
BUILTIN = ("python stdlib", "rnnviz source")  # the corpora that come with the lab (besides an upload)
# The standard library's modules and packages, no tests (corpora.stdlib_corpus): 8.5 million characters on
# Python 3.11.7, 3.3 times the top-level modules alone, on which the default LSTM of 256 units learned the
# training files better than it generalized (1.79 bits on them, 1.963 on held-out files after 4,000 steps).
STDLIB_CHARS = corpora.STDLIB_MAX_CHARS
PROBE_CHARS = 2000  # held-out characters over which hidden units are correlated with features of code
# One training step may do at most this much work (CharLMConfig.step_work): at most about 0.65 s on one
# core here, inside a live tick of 0.8 s. The default, an LSTM of 512 units on 32 windows of 128
# characters, does 4.6 billion (0.37 s); 256 units 1.2 billion (0.10 s).
MAX_STEP_WORK = 6_000_000_000
GATES = {"lstm": 4, "gru": 3, "rnn": 1}  # weight blocks per layer of each kind


def bits(nats: float | np.ndarray) -> float | np.ndarray:
    """A loss in nats per character as bits per character (divided by ln 2)."""
    return nats / math.log(2)


def is_checkpoint(step: int) -> bool:
    """Steps at which a sample is kept: 0, 100, 300, 500, ... (every 200 after the first 100)."""
    return step == 0 or (step >= 100 and (step - 100) % 200 == 0)


# --- Vocabulary and data ------------------------------------------------------------------------------

# the id streams: at most MAX_VOCABULARY + 2 = 152 ids, a byte a character (not int64's 8:
ID_DTYPE = np.uint8
# 40 sessions share one process)
CHUNK = 2**20  # code points counted or looked up at a time: numpy's int64 copies of them stay at 8 MB


def _code_points(text: str) -> np.ndarray:
    """The Unicode code points (T,) of text, as uint32 (lone surrogates included, as Python holds them)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@dataclass(frozen=True)
class CharVocabulary:
    """Characters -> ids: 0 is <eos>, 1 is <unk>, then the characters kept."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.tokens[:2] != (EOS, UNK) or any(len(t) != 1 for t in self.tokens[2:]):
            raise ValueError("a character vocabulary starts with <eos>, <unk>, then single characters")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("a character vocabulary holds each character once")
        codes = np.array([ord(t) for t in self.tokens[2:]], dtype=np.int64)
        # code point -> id, up to the largest kept; every code point past it is 1 (<unk>): one lookup a character
        table = np.ones(int(codes.max(initial=0)) + 2, dtype=ID_DTYPE)
        table[codes] = np.arange(2, len(self.tokens), dtype=ID_DTYPE)
        object.__setattr__(self, "_table", table)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> np.ndarray:
        """The ids (T,) of the characters of text, int64; characters not kept are 1 (<unk>)."""
        return self.encode_points(_code_points(text)).astype(np.int64)

    def encode_points(self, points: np.ndarray) -> np.ndarray:
        """The ids (T,) of code points (T,), as ID_DTYPE."""
        ids = np.empty(len(points), dtype=ID_DTYPE)
        # np.take makes int64 indices: 8 bytes a point, a chunk at a time
        for i in range(0, len(points), CHUNK):
            np.take(self._table, points[i : i + CHUNK], mode="clip", out=ids[i : i + CHUNK])  # type: ignore[attr-defined]
        return ids  # (a code point past the table's end takes its last entry: <unk>)

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of text that the vocabulary reads as <unk>, sorted."""
        return sorted({ch for ch, i in zip(text, self.encode(text)) if i == 1})

    def decode(self, ids: Sequence[int] | np.ndarray, eos: str = "␄", unk: str = "�") -> str:
        """The text of the ids, <eos> and <unk> written as the given marks."""
        marks = {0: eos, 1: unk}
        return "".join(marks.get(int(i), self.tokens[int(i)]) for i in ids)


def _joined_points(documents: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points (N,) of <eos> d1 <eos> d2 ... <eos> (each <eos> a 0 for now), and where the <eos>
    are: one encoding of the whole text, not one per document (8.5 million characters in 25 ms)."""
    points = _code_points("\0".join(["", *documents, ""]))  # (N,)
    ends = np.cumsum([0, *(len(d) + 1 for d in documents)])  # (D + 1,): the positions of the separators
    return points, ends


def _counts(points: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How often each code point occurs in the documents (the <eos> separators left out)."""
    counts = np.zeros(int(points.max(initial=0)) + 1, dtype=np.int64)  # (largest code point + 1,)
    for i in range(0, len(points), CHUNK):  # bincount makes int64 copies: 8 bytes a point, a chunk at a time
        part = np.bincount(points[i : i + CHUNK])
        counts[: len(part)] += part
    counts[0] -= len(ends)  # the separators, not characters of the text
    return counts


def _vocabulary(counts: np.ndarray, max_size: int, min_count: int) -> CharVocabulary:
    seen = np.flatnonzero(counts >= min_count)
    # the most frequent; ties by code point
    kept = sorted(seen.tolist(), key=lambda code: (-counts[code], code))[:max_size]
    return CharVocabulary((EOS, UNK, *(chr(code) for code in sorted(kept))))


def build_vocabulary(
    documents: Sequence[str], max_size: int = MAX_VOCABULARY, min_count: int = MIN_COUNT
) -> CharVocabulary:
    """<eos>, <unk>, then the characters seen at least min_count times (the max_size most frequent), in
    code point order: the ids do not depend on how often each character occurs, so a standard library
    of another Python version (the same characters, other counts) gives the same vocabulary, unless a rare
    character's count crosses min_count."""
    if max_size < 1:
        raise ValueError(f"max_size must be at least 1, got {max_size}")
    return _vocabulary(_counts(*_joined_points(documents)), max_size, min_count)


def _stream(points: np.ndarray, ends: np.ndarray, vocab: CharVocabulary) -> np.ndarray:
    ids = vocab.encode_points(points)  # (N,)
    ids[ends] = 0  # <eos>
    return ids


def stream(documents: Sequence[str], vocab: CharVocabulary) -> np.ndarray:
    """One id stream (N,) of the documents, each preceded by <eos> and the last followed by it:
    <eos> d1 <eos> d2 ... <eos>, so that <eos> both ends a document and starts the next."""
    return _stream(*_joined_points(documents), vocab)


def _entropy(counts: np.ndarray) -> float:
    if counts.sum() == 0:
        raise ValueError("need at least one character")
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def unigram_entropy(ids: np.ndarray, vocab_size: int) -> float:
    """-sum_c p(c) log2 p(c) over the frequencies p of the ids: the bits per character of the best
    model that ignores context, the baseline of a language model."""
    return _entropy(np.bincount(np.asarray(ids), minlength=vocab_size))  # (V,)


@dataclass(frozen=True)
class CharData:
    """A corpus ready to train on: its vocabulary, training and held-out id streams, and baseline."""

    name: str
    vocab: CharVocabulary
    train_ids: np.ndarray  # (N,) ID_DTYPE
    test_ids: np.ndarray  # (M,) ID_DTYPE
    test_documents: tuple[str, ...]
    entropy: float  # unigram entropy of the whole corpus (both splits), bits per character
    seed: int

    @property
    def chars(self) -> int:
        return len(self.train_ids) + len(self.test_ids)


def prepare(corpus: CharCorpus, seed: int = 0, test_fraction: float = 0.1) -> CharData:
    """Split the corpus by document (same seed, same split), build the vocabulary on the training
    documents, encode both splits."""
    train_set, test_set = split_documents(corpus, test_fraction, seed)
    train_points, test_points = _joined_points(train_set.documents), _joined_points(test_set.documents)
    train_counts = _counts(*train_points)
    vocab = _vocabulary(train_counts, MAX_VOCABULARY, MIN_COUNT)
    train_ids, test_ids = _stream(*train_points, vocab), _stream(*test_points, vocab)
    # the unigram entropy of both streams (the <eos> between files counted once), from the counts of code
    # points: counting 8.5 million ids again would cost 100 ms
    test_counts = _counts(*test_points)
    both = np.zeros(max(len(train_counts), len(test_counts)), dtype=np.int64)
    both[: len(train_counts)] += train_counts
    both[: len(test_counts)] += test_counts
    codes = np.flatnonzero(both)
    ids = np.bincount(vocab.encode_points(codes), weights=both[codes], minlength=len(vocab))  # (V,)
    # the <eos>: test_ids[0] is the end of the last training file
    ids[0] += len(train_points[1]) + len(test_points[1]) - 1
    return CharData(corpus.name, vocab, train_ids, test_ids, test_set.documents, _entropy(ids), seed)


@functools.lru_cache(maxsize=4)
def builtin_data(corpus: str, seed: int = 0) -> CharData:
    """A corpus that comes with the lab ("python stdlib", "rnnviz source"), split by `seed` and encoded;
    once per process (shared, never written to: the default model and the page read the same arrays)."""
    if corpus not in BUILTIN:
        raise ValueError(f"corpus must be one of {', '.join(BUILTIN)}, got {corpus!r}")
    return prepare(
        corpora.stdlib_corpus(STDLIB_CHARS) if corpus == "python stdlib" else corpora.rnnviz_corpus(), seed
    )


# --- The model ------------------------------------------------------------------------------------------

DEFAULT_STEPS = 3000  # the shipped default's budget: 39 minutes on a core shared with other jobs (bits per character: README)


@dataclass(frozen=True)
class CharLMConfig:
    kind: str = setting("lstm", "network", options=KINDS)  # lstm | gru | rnn (tanh)
    layers: int = setting(1, "layers", 1, 3, 1)
    # 512: 256 learned its training files better than it generalized (README)
    hidden_size: int = setting(512, "hidden units", 8, 512, 8)
    embed_dim: int = setting(32, "embedding size", 4, 128, 4)
    window: int = setting(
        128,
        "window (characters)",
        8,
        512,
        8,
        help="Training reads windows of this many characters: backprop through time is truncated there.",
    )
    batch_size: int = setting(32, "windows per step", 1, 256, 1)
    lr: float = setting(3e-3, "learning rate (Adam)", 1e-5, 0.1, 1e-4)
    # the learning rate falls on a cosine to this fraction of lr at the end of the budget
    lr_floor: float = 0.1
    # of the last layer's h_t before the softmax layer, in training only (against learning by heart)
    dropout: float = 0.1
    clip: float = 1.0  # largest gradient norm; 0: no clipping
    steps: int = setting(DEFAULT_STEPS, "budget (training steps)", 1, 20000, 10)
    seed: int = setting(
        0, "seed", 0, 9999, 1, help="Fixes the held-out split, the initialisation and every batch."
    )
    test_every: int = 50
    test_chars: int = 16384  # held-out characters scored every test_every steps (in windows of `window`)

    def __post_init__(self) -> None:
        settings.check(self)  # kind, sizes, lr, steps, seed: the ranges the page's controls show
        if not (math.isfinite(self.clip) and self.clip >= 0):
            raise ValueError(f"clip must be 0 (off) or positive, got {self.clip}")
        if not (0 < self.lr_floor <= 1 and 0 <= self.dropout < 1):
            raise ValueError(
                f"lr_floor must be in (0, 1] and dropout in [0, 1), got {self.lr_floor}, {self.dropout}"
            )
        if self.test_every < 1 or self.test_chars < 1:
            raise ValueError("test_every and test_chars must be at least 1")
        if self.step_work > MAX_STEP_WORK:
            raise ValueError(
                f"one training step of this model is {self.step_work / 1e9:.1f} billion multiply-adds, about "
                f"{self.step_work / 1e10:.1f} s on one core; live training runs in ticks of 0.8 s, so the page trains "
                f"models of up to {MAX_STEP_WORK / 1e9:g} billion a step (fewer layers or hidden units, or a shorter "
                "window)"
            )

    @property
    def step_work(self) -> int:
        """Multiply-adds of one training step's recurrent layers, forward: windows x characters x the sum
        over layers of gate blocks x H x (input + H). A step's time grows with it (about 0.065 to 0.11 s
        per billion here, on one thread, backward included)."""
        H, blocks = self.hidden_size, GATES[self.kind]
        per_character = sum(
            blocks * H * ((self.embed_dim if layer == 0 else H) + H) for layer in range(self.layers)
        )
        return self.batch_size * self.window * per_character


DEFAULT = CharLMConfig()  # the page's default model, on Python's standard library (DEFAULT_CORPUS, seed 0)
DEFAULT_CORPUS = "python stdlib"


_BUILDING = threading.Lock()  # see CharLM.__init__


class CharLM(nn.Module):
    """Embedding -> RNN / GRU / LSTM (config.layers deep) -> linear -> logits over the characters.

    The training loop initialises it from its seed (training.initialise), or a saved model's weights are
    loaded into it: what torch draws while building it is overwritten, and torch's global generator is
    left as it was (fork_rng), so no other code's numbers change."""

    def __init__(self, config: CharLMConfig, vocab_size: int):
        super().__init__()
        if vocab_size < 3:
            raise ValueError(f"vocab_size must be at least 3 (<eos>, <unk>, a character), got {vocab_size}")
        self.config, self.vocab_size = config, vocab_size
        # Not on the meta device: the first model of a process built there costs 1.3 s of imports
        # (torch's reference ops), which a first visit to the page would wait for. One build at a time,
        # so that each restores the global generator's state it found.
        with _BUILDING, torch.random.fork_rng(devices=[]):
            self.embedding = nn.Embedding(vocab_size, config.embed_dim)
            rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[config.kind]
            self.rnn = rnn(config.embed_dim, config.hidden_size, num_layers=config.layers, batch_first=True)
            self.head = nn.Linear(config.hidden_size, vocab_size)

    def forward(
        self, ids: torch.Tensor, state=None, dropout: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, object]:
        """Logits (B, T, V) of the next character after each of ids (B, T), the last layer's hidden
        states h_t (B, T, H), and the recurrent state to carry on from. With a `dropout` generator (in
        training), each h_t's units are dropped with probability config.dropout before the softmax layer,
        the mask drawn from that generator (never torch's global one, as nn.Dropout would)."""
        # h: (B, T, H); ids may come as bytes (ID_DTYPE)
        h, state = self.rnn(self.embedding(ids.long()), state)
        p = self.config.dropout
        if dropout is None or p == 0:
            return self.head(h), h, state
        kept = torch.rand(h.shape, generator=dropout) >= p  # (B, T, H)
        return self.head(h * kept / (1 - p)), h, state


def parameter_count(config: CharLMConfig, vocab_size: int) -> int:
    """The number of weights of CharLM(config, vocab_size), without building it."""
    E, H, blocks = config.embed_dim, config.hidden_size, GATES[config.kind]
    # W_ih, W_hh, 2 biases
    rnn = sum(blocks * H * ((E if layer == 0 else H) + H + 2) for layer in range(config.layers))
    return vocab_size * E + rnn + H * vocab_size + vocab_size


def _loss(model: CharLM, windows: torch.Tensor, dropout: torch.Generator | None = None) -> torch.Tensor:
    """Teacher forcing: read windows[:, :-1], score the true next characters windows[:, 1:] (nats)."""
    logits, _, _ = model(windows[:, :-1], dropout=dropout)  # (B, T, V)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))


def _windows(ids: torch.Tensor, n: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """n random windows (n, length) of the id stream."""
    if len(ids) < length + 1:
        raise ValueError(f"the text has {len(ids)} characters; a window needs {length + 1}")
    starts = torch.randint(0, len(ids) - length + 1, (n,), generator=generator)  # (n,)
    return ids[starts[:, None] + torch.arange(length)].long()  # (n, length)


class CharTrainer(training.Loop):
    """A CharLM trained by training.Loop on random windows of the training stream (teacher forcing,
    Adam on a cosine schedule, clipping, dropout): the windows of step k and then its dropout mask from
    the loop's stream (batch_generator(k)), the held-out windows from the seed's TEST stream. Besides the Loop's records it keeps a sample at every
    checkpoint step (sample_steps, samples)."""

    RECORDED = (*training.Loop.RECORDED, "sample_steps", "samples")
    SHARED = ("data", "_train", "_test")  # the corpus and its id tensors: read, never written

    def __init__(self, data: CharData, config: CharLMConfig):
        window = min(config.window, len(data.train_ids) - 1, len(data.test_ids) - 1)
        if window < 2:
            raise ValueError("the corpus is too short: each split needs at least 3 characters")
        self.data, self.config, self.window = data, config, window
        self._train = torch.from_numpy(data.train_ids)
        n_windows = max(1, config.test_chars // window)
        # (n, window + 1)
        self._test = _windows(
            torch.from_numpy(data.test_ids),
            n_windows,
            window + 1,
            training.generator(config.seed, training.TEST),
        )
        super().__init__(
            CharLM(config, len(data.vocab)),
            self._step_loss,
            seed=config.seed,
            steps=config.steps,
            lr=config.lr,
            clip=config.clip,
            evaluate=self.evaluate,
            test_every=config.test_every,
        )
        self.sample_steps: list[int] = []
        self.samples: list[str] = []  # the sample kept at each of sample_steps (<eos> written as ␄)

    def _step_loss(self, k: int) -> torch.Tensor:
        draw = self.batch_generator(k)  # the windows of step k, then its dropout mask
        windows = _windows(self._train, self.config.batch_size, self.window + 1, draw)  # (B, window + 1)
        return _loss(self.model, windows, dropout=draw)

    def learning_rate(self, k: int) -> float:
        """The learning rate of step k + 1: a cosine from lr down to lr_floor * lr over the budget."""
        c = self.config
        progress = min(k / c.steps, 1.0) if c.steps else 1.0
        return c.lr * (c.lr_floor + (1 - c.lr_floor) * (1 + math.cos(math.pi * progress)) / 2)

    def evaluate(self) -> float:
        """The mean cross-entropy (nats per character) on the fixed held-out windows."""
        with torch.no_grad():
            return float(_loss(self.model, self._test))

    def held_out_text(self) -> str:
        return f"held-out {bits(self.test_losses[-1]):.3f} bits per character"

    def _record(self) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate(self.step_count)
        super()._record()
        k = self.step_count
        if (is_checkpoint(k) or k == self.steps) and k not in self.sample_steps:
            s = sample(
                self.model,
                self.data.vocab,
                "",
                CHECKPOINT_CHARS,
                CHECKPOINT_TEMPERATURE,
                seed=self.config.seed,
            )
            self.sample_steps.append(k)
            self.samples.append(s.text)

    @property
    def sample_chars(self) -> int:
        """Characters scored by `evaluate`: the fixed sample of held-out windows."""
        return int(self._test[:, 1:].numel())

    @property
    def chars_per_step(self) -> int:
        """Characters scored in one training step (batch size x window)."""
        return self.config.batch_size * self.window


def trainer(data: CharData, config: CharLMConfig) -> CharTrainer:
    """A CharTrainer with its step 0 recorded (the untrained model's held-out loss and sample)."""
    loop = CharTrainer(data, config)
    loop.step(0)
    return loop


def loss_table(records: training.Records) -> dict[str, list]:
    """The loss curve as columns: step (0, 1, ...), training and held-out bits per character (held-out
    only at its test steps, else None)."""
    held_out = dict(zip(records.test_steps, records.test_values))
    steps = range(len(records.losses) + 1)
    return {
        "step": list(steps),
        "training bpc": [None] + [float(bits(x)) for x in records.losses],  # step 0 has no training loss
        "held-out bpc": [float(bits(held_out[k])) if k in held_out else None for k in steps],
    }


def headline_numbers(records: training.Records, entropy: float, chars_per_step: int) -> dict[str, str]:
    """The page's numbers of a run: the latest held-out bits per character, how far below the unigram
    entropy, the characters trained on, and how fast."""
    held = bits(records.test_values[-1]) if records.test_values else float("nan")
    chars = records.steps * chars_per_step
    return {
        "held-out bits per character": f"{held:.3f}",
        "below the unigram entropy": f"{100 * (1 - held / entropy):.0f}%",
        "characters trained on": f"{chars:,}",
        "characters per second": f"{chars / records.seconds:,.0f}" if chars and records.seconds else "—",
    }


def describe_data(data: CharData) -> str:
    """The corpus in one sentence: its size, vocabulary, held-out part and unigram entropy."""
    return (
        f"{data.name}: {data.chars:,} characters, a vocabulary of {len(data.vocab)} (with <eos> and <unk>), "
        f"{len(data.test_ids):,} characters held out ({len(data.test_documents):,} whole documents; both counts "
        "include one <eos> between documents and one at each end). Unigram entropy: "
        f"**{data.entropy:.3f} bits** per character."
    )


def describe_training(config: CharLMConfig) -> str:
    """How a step trains, in one sentence."""
    c = config
    return (
        f"Each step: {c.batch_size} random windows of {c.window} characters, read from a zero state; Adam at "
        f"{c.lr:g} falling on a cosine to {c.lr_floor:g} of it over the {c.steps:,} steps, the gradient's norm "
        f"clipped at {c.clip:g}"
        + (f", dropout {c.dropout:g} on h_t before the softmax layer" if c.dropout else "")
        + "."
    )


# What the page says about a run, beside its charts (here, so that the page holds widgets and layout).
INTRO = (
    "An RNN reads text one character at a time and predicts the next one: a softmax over the characters, "
    "trained with cross-entropy. At **training time** it is taught with *teacher forcing*: every step sees the "
    "true previous character. At **test time** it generates: it draws a character, feeds it back in as the next "
    "input, and goes on until it draws the end-of-sequence token `<eos>` (or reaches the length asked for). The "
    "text, unless you choose another: the source code of Python's standard library."
)
UPLOAD_HINT = (
    "Upload a UTF-8 text file: it is cut at blank lines into documents of at least 2,000 characters "
    "(the last at least 1,000), 10% of them held out."
)
FREE_CAPTION = (
    "The same prompt; after it, each step reads the character the model itself drew (at the temperature "
    "above), never the true text: its own mistakes become its input, which teacher forcing never showed it."
)
FEATURES_CAPTION = (
    f"The last layer's hidden units whose activation correlates most with simple features of code, over "
    f"{PROBE_CHARS:,} held-out characters: inside a string literal, indentation depth, depth of brackets."
)


def loss_caption(sample_chars: int) -> str:
    """What the loss chart shows."""
    return (
        "Cross-entropy in bits per character on the training windows (grey) and on a fixed sample of "
        f"{sample_chars:,} characters of held-out documents (blue). The dashed line is the unigram entropy of the "
        "whole corpus: the loss there of the best model that ignores context (the held-out documents alone have "
        "their own: 4.56 bits on the standard library, against 4.54); every bit below it is context the RNN has "
        "learned to use."
    )


def checkpoints_heading(seed: int) -> str:
    """The heading of the samples kept while training."""
    return (
        f"**Samples at checkpoints** (start of a document, temperature {CHECKPOINT_TEMPERATURE}, up to "
        f"{CHECKPOINT_CHARS} characters, seed {seed}); newest first:"
    )


def training_note(done: bool, diverged: bool, step_count: int, playing: bool) -> str | None:
    """What to do next with a run, or None."""
    if done and not diverged:
        return (
            "Trained to its budget. Restart to watch this model learn from scratch (samples at steps 100, 300, "
            "500, ... show noise turning into text like the corpus); a larger budget trains a new model from scratch."
        )
    if step_count < 100 and not playing:
        return "Press Play to train on: the samples at steps 100, 300, 500, ... show noise turning into text like the corpus."
    return None


def forced_caption(forced: TeacherForced) -> str:
    """What the training-time panel shows, with its numbers."""
    return (
        f"Each step reads the true previous character (the first {forced.n_prompt} cells are <eos> and the prompt). "
        f"Colour: the probability the model gave each true character. On the true continuation its top guess was "
        f"right {100 * forced.agreement:.0f}% of the time; over every character after <eos>, prompt included, "
        f"{forced.reading.bits:.2f} bits per character."
    )


def save_caption(config: CharLMConfig, vocab_size: int) -> str:
    """What a downloaded model file holds."""
    return (
        "torch.save of the weights and a plain dict of settings, characters and loss curve "
        f"({parameter_count(config, vocab_size) * 4 / 2**20:.1f} MB of weights; the page loads files up to 10 MB)."
    )


def reproduce(
    config: CharLMConfig, records: training.Records, corpus: str, upload_name: str | None = None
) -> str:
    """The Python that trains this run again in a notebook and gives loss_table's table (a built-in
    corpus by its name in BUILTIN, or the uploaded file by its name)."""
    data_code = (
        f"charlm.builtin_data({corpus!r}, {config.seed})"
        if upload_name is None
        else f"charlm.prepare(corpora.load_text(open({upload_name!r}, 'rb').read(), {upload_name!r}), {config.seed})"
    )
    return f"""
    from rnnviz import charlm, corpora, training

    training.set_threads(1)  # the page trains on one thread: the same numbers need the same thread count
    trainer = charlm.CharTrainer({data_code}, charlm.{config!r})
    trainer.step({records.steps})  # the page's {records.steps} steps took {records.seconds:.0f} s there (one thread, a shared machine)
    table = charlm.loss_table(trainer.records())
    """


# --- The shipped default (rnnviz.defaults) --------------------------------------------------------------


def default_trainer() -> CharTrainer:
    """The page's default model, untrained (rnnviz.defaults trains it, and restores it from its file)."""
    return CharTrainer(builtin_data(DEFAULT_CORPUS, DEFAULT.seed), DEFAULT)


def default_settings() -> dict:
    """The default's settings as plain data: the corpus, its vocabulary (the ids the weights were trained
    on) and the model's settings."""
    vocab = builtin_data(DEFAULT_CORPUS, DEFAULT.seed).vocab
    return {"corpus": DEFAULT_CORPUS, "vocabulary": "".join(vocab.tokens[2:]), **asdict(DEFAULT)}


def held_out_bits(model: CharLM, ids: np.ndarray, window: int, batch: int = 256) -> float:
    """Bits per character on a whole id stream (M,), as the model is trained and tested: cut into
    consecutive windows of window + 1 characters that overlap by one, each read from a zero state with
    teacher forcing, so that every character but the first is scored once."""
    ids_t = torch.from_numpy(np.asarray(ids, dtype=np.int64))
    starts = range(0, len(ids_t) - 1, window)
    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        pieces = [ids_t[s : s + window + 1] for s in starts]
        for length in sorted({len(p) for p in pieces}):  # the last piece may be shorter
            same = [p for p in pieces if len(p) == length]
            for i in range(0, len(same), batch):
                windows = torch.stack(same[i : i + batch])  # (b, length)
                logits, _, _ = model(windows[:, :-1])  # (b, length - 1, V)
                total += float(
                    nn.functional.cross_entropy(
                        logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1), reduction="sum"
                    )
                )
                count += windows[:, 1:].numel()
    return float(bits(total / count))


def measure(loop: CharTrainer) -> dict:
    """The default's held-out bits per character on the whole held-out split and on its fixed sample
    of test windows (what the page shows), and the corpus's unigram entropy."""
    with loop.lock:
        return {
            "held_out_bits": round(held_out_bits(loop.model, loop.data.test_ids, loop.window), 4),
            "held_out_chars": len(loop.data.test_ids) - 1,
            "sample_bits": round(float(bits(loop.evaluate())), 4),
            "sample_chars": loop.sample_chars,
            "unigram_entropy": round(loop.data.entropy, 4),
        }


def check(loop: CharTrainer) -> tuple[str, float]:
    """Bits per character again on the default's fixed sample of held-out windows (DEFAULT.test_chars characters)."""
    with loop.lock:
        return "sample_bits", float(bits(loop.evaluate()))


# The tolerance: on the Python that made the file the check gives the same number (to float rounding);
# another Python's standard library holds slightly different files, so another held-out sample.
# Weights only (no Adam moments, a third of the file): a copy trained on from it starts Adam afresh.
DEFAULTS = [
    Default(
        "char_lm", default_trainer, default_settings, measure, check, tolerance=0.05, with_optimizer=False
    )
]

# A GRU and a tanh RNN on the same corpus, windows and schedule, for the gradient horizon (rnnviz.connectivity)
# to compare with the LSTM: 256 units each (a GRU of 512 would take the weights near their 20 MB). The tanh
# RNN keeps the learning rate 3e-3: after 400 steps it was at 2.49 held-out bits with it, 2.88 with 1e-3.
COMPARED = {
    "char_lm": DEFAULT,
    "char_lm_gru": replace(DEFAULT, kind="gru", hidden_size=256),
    "char_lm_rnn": replace(DEFAULT, kind="rnn", hidden_size=256),
}


def _compared_default(name: str) -> Default:
    config = COMPARED[name]

    def build() -> CharTrainer:
        return CharTrainer(builtin_data(DEFAULT_CORPUS, config.seed), config)

    def settings() -> dict:
        vocab = builtin_data(DEFAULT_CORPUS, config.seed).vocab
        return {"corpus": DEFAULT_CORPUS, "vocabulary": "".join(vocab.tokens[2:]), **asdict(config)}

    return Default(name, build, settings, measure, check, tolerance=0.05, with_optimizer=False)


DEFAULTS += [_compared_default(name) for name in ("char_lm_gru", "char_lm_rnn")]


# --- Test time: sampling and reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    prompt_ids: np.ndarray  # (P,) <eos> then the prompt's characters
    ids: np.ndarray  # (L,) the characters drawn (the last may be <eos>)
    text: str  # the characters drawn, <eos> written as ␄


class _OneStep:
    """The model one character at a time, for sampling B sequences side by side: the cell's equations on
    the trained weights, with layer 0's input term W_ih e(x) + b_ih looked up per character. The
    matrix products go through torch (on its threads: one on the server), the gates through numpy: one
    step of torch's nn.LSTMCell costs about 170 microseconds at 256 units, these products about 25 (200 at
    512 units, for one sequence or two: the weights are read once). numpy's own product would run on
    every core OpenBLAS finds at 512 units: 15 times the CPU time on a busy machine (3.4 ms a product,
    measured here). It keeps, if asked (`keep`), the logits and the last layer's h_t after each
    character read by the sequences in `recording`, so that a sample is read back without a second pass."""

    def __init__(self, model: CharLM, keep: bool = False):
        self.model, self.kind, self.keep = model, model.config.kind, keep
        rnn = model.rnn
        weights = [
            [
                getattr(rnn, f"{name}_l{k}").detach()
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            ]
            for k in range(model.config.layers)
        ]
        W_ih0, _, b_ih0, _ = weights[0]
        # (V, G*H): layer 0's input term
        self.input_table = (model.embedding.weight.detach() @ W_ih0.T + b_ih0).numpy()
        self.layers = [(W_ih, W_hh, b_ih.numpy(), b_hh.numpy()) for W_ih, W_hh, b_ih, b_hh in weights]
        self.W_out, self.b_out = model.head.weight.detach(), model.head.bias.detach().numpy()  # (V, H), (V,)

    def read(self, prompts: list[np.ndarray]) -> np.ndarray:
        """Logits (B, V) after reading each of the B prompts (each (T_b,), in one pass of the whole model);
        the states are kept per layer, (B, H) each."""
        hs, cs, last = [], [], []
        # per sequence: (V,) after each character read
        self.logits: list[list[np.ndarray]] = [[] for _ in prompts]
        self.states: list[list[np.ndarray]] = [[] for _ in prompts]  # per sequence: the last layer's h_t (H,)
        for b, ids in enumerate(prompts):
            # (1, T, V), (1, T, H)
            logits, h_all, state = self.model(torch.as_tensor(ids, dtype=torch.long)[None])
            h, c = state if self.kind == "lstm" else (state, None)  # (L, 1, H) each
            hs.append(h[:, 0].numpy())
            cs.append(c[:, 0].numpy() if c is not None else None)
            last.append(logits[0, -1].numpy())
            if self.keep:
                self.logits[b] += list(logits[0].numpy())
                self.states[b] += list(h_all[0].numpy())
        self.h = [np.stack([h[k] for h in hs]) for k in range(len(self.layers))]  # each (B, H)
        self.c = (
            [np.stack([c[k] for c in cs]) for k in range(len(self.layers))] if self.kind == "lstm" else None
        )
        self.recording = set(range(len(prompts)))
        return np.stack(last)

    def step(self, chars: np.ndarray) -> np.ndarray:
        """Logits (B, V) after each sequence reads one more character, chars (B,) (torch's gate order:
        LSTM i f g o, GRU r z n)."""
        x = None
        for k, (W_ih, W_hh, b_ih, b_hh) in enumerate(self.layers):
            gi = self.input_table[chars] if k == 0 else _times(x, W_ih) + b_ih  # (B, G*H)
            gh = _times(self.h[k], W_hh) + b_hh  # (B, G*H)
            H = self.h[k].shape[1]
            if self.kind == "lstm":
                gates = gi + gh  # (B, 4H): i, f, g, o
                if_, g, o = (
                    activations.sigmoid(gates[:, : 2 * H]),
                    np.tanh(gates[:, 2 * H : 3 * H]),
                    activations.sigmoid(gates[:, 3 * H :]),
                )
                self.c[k] = if_[:, H:] * self.c[k] + if_[:, :H] * g
                self.h[k] = o * np.tanh(self.c[k])
            elif self.kind == "gru":
                rz = activations.sigmoid(gi[:, : 2 * H] + gh[:, : 2 * H])  # (B, 2H): r, z
                n = np.tanh(gi[:, 2 * H :] + rz[:, :H] * gh[:, 2 * H :])
                self.h[k] = (1 - rz[:, H:]) * n + rz[:, H:] * self.h[k]
            else:
                self.h[k] = np.tanh(gi + gh)
            x = self.h[k]
        logits = _times(x, self.W_out) + self.b_out  # (B, V)
        if self.keep:
            for b in self.recording:
                self.logits[b].append(logits[b])
                self.states[b].append(x[b])
        return logits


def _times(x: np.ndarray, W: torch.Tensor) -> np.ndarray:
    """x @ W.T for rows x (B, n) and a torch matrix W (m, n): (B, m), as numpy; W is read once for all B rows."""
    return (torch.from_numpy(x) @ W.T).numpy()


def _draw(logits: np.ndarray, temperature: float, top_k: int, rng: np.random.Generator) -> int:
    """One character from softmax(logits / temperature) over the top_k most likely (0: all); the most
    likely below temperature 0.01."""
    if temperature < 0.01:
        return int(logits.argmax())
    scaled = logits.astype(np.float64) / temperature  # (V,)
    if 0 < top_k < len(scaled):
        kth = np.partition(scaled, -top_k)[-top_k]
        scaled = np.where(scaled < kth, -np.inf, scaled)
    cumulative = np.cumsum(np.exp(scaled - scaled.max()))  # (V,): softmax's numerators, summed
    # the first character whose cumulative probability passes a uniform draw (never one of probability 0)
    return min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")), len(scaled) - 1)


@dataclass(frozen=True)
class Draw:
    """What to sample (the arguments of `sample`)."""

    prompt: str
    length: int
    temperature: float = 1.0
    top_k: int = 0
    seed: int = 0
    stop_at_eos: bool = True

    def __post_init__(self) -> None:
        if self.length < 0 or self.top_k < 0:
            raise ValueError(f"length and top_k must be at least 0, got {self.length}, {self.top_k}")
        if not (math.isfinite(self.temperature) and self.temperature >= 0):
            raise ValueError(f"temperature must be 0 or positive, got {self.temperature}")


def _sample(
    model: CharLM, vocab: CharVocabulary, draws: Sequence[Draw], keep: bool
) -> list[tuple[Sample, CharReading | None]]:
    """Each draw sampled, side by side (one step of the model for all of them), each from its own
    generator: the same characters as one at a time. With `keep`, each sample's CharReading too."""
    prompts = [np.concatenate([[0], vocab.encode(d.prompt)]).astype(np.int64) for d in draws]  # each (P_b,)
    # their own generators: never torch's or numpy's global one
    rngs = [np.random.default_rng(d.seed) for d in draws]
    drawn: list[list[int]] = [[] for _ in draws]
    model.eval()
    with torch.no_grad():
        steps = _OneStep(model, keep)
        logits = steps.read(prompts)  # (B, V)
        active = {b for b, d in enumerate(draws) if d.length > 0}
        while active:
            chars, finished = np.zeros(len(draws), dtype=np.int64), set()
            for b in sorted(active):
                d = draws[b]
                chars[b] = _draw(logits[b], d.temperature, d.top_k, rngs[b])
                drawn[b].append(int(chars[b]))
                if (chars[b] == 0 and d.stop_at_eos) or len(drawn[b]) == d.length:
                    finished.add(b)
            if finished == active and not keep:
                break  # nobody reads what comes after the last character
            steps.recording = set(active)  # each reading ends with what the model makes of its last character
            logits = steps.step(chars)
            active -= finished
    out = []
    for b, (prompt_ids, ids) in enumerate(zip(prompts, drawn)):
        sample = Sample(prompt_ids, np.asarray(ids, dtype=np.int64), vocab.decode(ids))
        reading = None
        if keep:
            reading = _reading(
                vocab,
                np.concatenate([sample.prompt_ids, sample.ids]),
                torch.from_numpy(np.stack(steps.logits[b])),
                np.stack(steps.states[b]),
            )
        out.append((sample, reading))
    return out


def sample(
    model: CharLM,
    vocab: CharVocabulary,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
    stop_at_eos: bool = True,
) -> Sample:
    """Generate: read <eos> (the start of a document) and the prompt, then draw `length` characters one
    at a time from softmax(logits / temperature) over the top_k most likely (0: all), reading each
    one back in. Temperature below 0.01 takes the most likely character (greedy)."""
    ((drawn, _),) = _sample(
        model, vocab, [Draw(prompt, length, temperature, top_k, seed, stop_at_eos)], keep=False
    )
    return drawn


def sample_and_read(
    model: CharLM,
    vocab: CharVocabulary,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
    stop_at_eos: bool = True,
) -> tuple[Sample, CharReading]:
    """`sample`, and the sample read back by the model that drew it (<eos>, the prompt, the characters
    drawn: as `read_sample` gives it), from the same pass: what the model computed while drawing."""
    return _sample(model, vocab, [Draw(prompt, length, temperature, top_k, seed, stop_at_eos)], keep=True)[0]


def samples_and_readings(
    model: CharLM, vocab: CharVocabulary, draws: Sequence[Draw]
) -> list[tuple[Sample, CharReading]]:
    """sample_and_read for several draws at once, side by side: the model's weights are read once per
    character for all of them (the page's two samples at a temperature cost about one)."""
    return _sample(model, vocab, draws, keep=True)


def describe_sample(drawn: Sample, temperature: float, top_k: int) -> str:
    """How a sample was drawn, in one sentence."""
    return (
        f"The priming text, then {len(drawn.ids)} characters drawn one at a time at temperature {temperature:g}"
        + (f" from the top {top_k}" if top_k else "")
        + (" (stopped at <eos>, ␄)" if drawn.ids[-1:].tolist() == [0] else "")
        + "."
    )


@dataclass(frozen=True)
class CharReading:
    """The model reading a sequence of characters with teacher forcing: at each position, what it
    expects next."""

    ids: np.ndarray  # (T,) the characters read (ids[0] is <eos>, the start of a document)
    chars: tuple[str, ...]  # (T,) how each is shown: <eos> ␄, <unk> �
    top_ids: np.ndarray  # (T, 5) the most likely next characters after position t
    top_chars: tuple[tuple[str, ...], ...]  # (T, 5)
    top_probabilities: np.ndarray  # (T, 5)
    p_next: np.ndarray  # (T - 1,) the probability the model gave the character that came next
    states: np.ndarray  # (T, H) the last layer's hidden state after reading position t

    @property
    def p_each(self) -> np.ndarray:
        """(T,) the probability of each character given the ones before it; NaN for the first."""
        return np.concatenate([[np.nan], self.p_next])

    @property
    def bits(self) -> float:
        """The mean -log2 p of the characters that came next (bits per character)."""
        return float(-np.log2(np.maximum(self.p_next, 1e-30)).mean()) if len(self.p_next) else float("nan")


def read(model: CharLM, vocab: CharVocabulary, ids: np.ndarray, top: int = TOP) -> CharReading:
    """Run the model over ids (T,) (teacher forcing: each step sees the true previous character) and
    record the top next characters, the probability of the actual next one, and h_t."""
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or len(ids) < 1:
        raise ValueError("read needs a non-empty sequence of ids")
    if ids.min() < 0 or ids.max() >= len(vocab):
        raise ValueError("ids out of the vocabulary's range")
    model.eval()
    with torch.no_grad():
        logits, h, _ = model(torch.from_numpy(ids)[None])  # (1, T, V), (1, T, H)
    return _reading(vocab, ids, logits[0], h[0].numpy(), top)


def _reading(
    vocab: CharVocabulary, ids: np.ndarray, logits: torch.Tensor, states: np.ndarray, top: int = TOP
) -> CharReading:
    """A CharReading of ids (T,) from the logits (T, V) after each of them and the states (T, H)."""
    with torch.no_grad():
        p = torch.softmax(logits, -1)  # (T, V)
        top_p, top_i = torch.topk(p, min(top, p.shape[-1]), dim=-1)  # (T, top)
        p_next = p[torch.arange(len(ids) - 1), torch.from_numpy(ids[1:])]  # (T - 1,)
    shown = [vocab.decode([i]) for i in range(len(vocab))]
    top_ids = top_i.numpy()
    return CharReading(
        ids,
        tuple(shown[i] for i in ids),
        top_ids,
        tuple(tuple(shown[i] for i in row) for row in top_ids),
        top_p.numpy(),
        p_next.numpy(),
        states,
    )


def read_sample(model: CharLM, vocab: CharVocabulary, drawn: Sample) -> CharReading:
    """A sample read back by the model that drew it: <eos>, the prompt, the characters drawn."""
    return read(model, vocab, np.concatenate([drawn.prompt_ids, drawn.ids]))


@dataclass(frozen=True)
class TeacherForced:
    """A prompt and its true continuation read with teacher forcing (each step sees the true previous
    character, as in training)."""

    prompt: str
    reading: CharReading  # <eos>, the prompt, the true continuation
    n_prompt: int  # positions of the prompt (with the leading <eos>)
    agreement: float  # fraction of the true continuation where the most likely character was right


@dataclass(frozen=True)
class TrainVersusTest:
    """One prompt continued twice: with teacher forcing (as in training) and by the model's own
    samples (as at test time)."""

    prompt: str
    teacher_forced: CharReading  # prompt + the true continuation
    free_running: CharReading  # prompt + the model's own continuation
    n_prompt: int  # positions of the prompt (with the leading <eos>) in both readings
    agreement: float  # fraction of the true continuation where the most likely character was right


def held_out_snippet(
    data: CharData, index: int, prompt_chars: int = 60, length: int = 200
) -> tuple[str, str]:
    """A prompt and its true continuation from the held-out text, starting at a line start; `index`
    picks which (the same index, the same snippet)."""
    if prompt_chars < 1 or length < 1:
        raise ValueError("prompt_chars and length must be at least 1")
    text, starts = _held_out_lines(data.test_documents)
    usable = starts[: np.searchsorted(starts, len(text) - prompt_chars - length, side="right")]
    usable = usable if len(usable) else np.zeros(1, dtype=np.int64)
    start = int(usable[np.random.default_rng(index).integers(len(usable))])
    piece = text[start : start + prompt_chars + length]
    return piece[:prompt_chars], piece[prompt_chars:]


@functools.lru_cache(maxsize=4)
def _held_out_lines(documents: tuple[str, ...]) -> tuple[str, np.ndarray]:
    """The held-out documents as one text, and where its non-blank lines start (ascending; found once
    per corpus: scanning a million characters on every call would cost ~10 ms)."""
    text = "\n\n".join(documents)
    starts = [0] + [
        i + 1 for i, ch in enumerate(text) if ch == "\n" and i + 1 < len(text) and text[i + 1].strip()
    ]
    return text, np.asarray(starts, dtype=np.int64)


def teacher_forced(model: CharLM, vocab: CharVocabulary, prompt: str, truth: str) -> TeacherForced:
    """The lecture's training-time behaviour: the prompt and its true continuation read with teacher
    forcing, and how often the model's top guess was the true next character."""
    if not truth:
        raise ValueError("the true continuation is empty")
    prompt_ids = np.concatenate([[0], vocab.encode(prompt)]).astype(np.int64)  # (P,)
    true_ids = vocab.encode(truth)
    forced = read(model, vocab, np.concatenate([prompt_ids, true_ids]))
    n = len(prompt_ids)
    guesses = forced.top_ids[n - 1 : -1, 0]  # the most likely next character at each true step
    return TeacherForced(prompt, forced, n, float(np.mean(guesses == true_ids)))


def free_running(
    model: CharLM, vocab: CharVocabulary, forced: TeacherForced, temperature: float = 0.8, seed: int = 0
) -> CharReading:
    """The lecture's test-time behaviour on the same prompt: a continuation as long as the true one,
    sampled from the model's own output and fed back in, read as it was drawn (sample_and_read)."""
    return samples_and_readings(model, vocab, [free_draw(forced, temperature, seed)])[0][1]


def free_draw(forced: TeacherForced, temperature: float = 0.8, seed: int = 0) -> Draw:
    """What free_running samples: the prompt, continued as long as the true continuation."""
    return Draw(
        forced.prompt, len(forced.reading.ids) - forced.n_prompt, temperature, 0, seed, stop_at_eos=False
    )


def train_versus_test(
    model: CharLM, vocab: CharVocabulary, prompt: str, truth: str, temperature: float = 0.8, seed: int = 0
) -> TrainVersusTest:
    """Both at once: teacher_forced and free_running on one prompt."""
    forced = teacher_forced(model, vocab, prompt, truth)
    free = free_running(model, vocab, forced, temperature, seed)
    return TrainVersusTest(prompt, forced.reading, free, forced.n_prompt, forced.agreement)


# --- Hidden units and simple features of code ---------------------------------------------------------------

FEATURES = ("inside a string", "indentation depth", "bracket depth")


def code_features(text: str) -> dict[str, np.ndarray]:
    """Per character (T,): 1 inside a string literal ('...', "...", triple-quoted; quotes included)
    else 0; the indentation (leading spaces / 4) of the character's line; the depth of (), [], {}
    outside strings and comments."""
    n = len(text)
    in_string, indent, depth = np.zeros(n), np.zeros(n), np.zeros(n)
    quote, comment, level, line_indent, i = "", False, 0, 0.0, 0
    while i < n:
        if i == 0 or text[i - 1] == "\n":
            end = text.find("\n", i)
            line = text[i : end if end >= 0 else n]
            line_indent = (len(line) - len(line.lstrip(" "))) / 4
        ch, width, inside = text[i], 1, False
        if quote:
            inside = True
            if ch == "\\":
                width = 2
            elif text.startswith(quote, i):
                width, quote = len(quote), ""
            elif ch == "\n" and len(quote) == 1:
                inside, quote = False, ""  # an unterminated one-line string ends with its line
        elif comment:
            comment = ch != "\n"
        elif ch == "#":
            comment = True
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            width, inside = len(quote), True
        elif ch in "([{":
            level += 1
        elif ch in ")]}":
            level = max(0, level - 1)
        stop = min(i + width, n)
        in_string[i:stop], indent[i:stop], depth[i:stop] = float(inside), line_indent, level
        i = stop
    return {"inside a string": in_string, "indentation depth": indent, "bracket depth": depth}


def unit_correlations(states: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson correlation (H,) of each hidden unit's h_t (T, H) with a feature (T,); 0 where either
    is constant."""
    states, feature = np.asarray(states, dtype=np.float64), np.asarray(feature, dtype=np.float64)
    if states.ndim != 2 or feature.shape != states.shape[:1]:
        raise ValueError(f"states must be (T, H) and feature (T,), got {states.shape} and {feature.shape}")
    s, f = states - states.mean(0), feature - feature.mean()
    norms = np.sqrt((s**2).sum(0) * (f**2).sum())  # (H,)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (s * f[:, None]).sum(0) / norms
    return np.where(norms > 1e-12, r, 0.0)


def feature_units(
    model: CharLM, vocab: CharVocabulary, text: str, top: int = 3
) -> dict[str, list[tuple[int, float]]]:
    """For each feature of code_features, the `top` hidden units (of the last layer) whose activation
    correlates most (by |r|) with it over the text: (unit, r) pairs."""
    reading = read(model, vocab, np.concatenate([[0], vocab.encode(text)]))
    features = code_features(text)
    out = {}
    for name in FEATURES:
        r = unit_correlations(reading.states[1:], features[name])  # states after each character of text
        best = np.argsort(-np.abs(r), kind="stable")[:top]
        out[name] = [(int(u), float(r[u])) for u in best]
    return out


def feature_table(units: dict[str, list[tuple[int, float]]]) -> dict[str, list]:
    """feature_units as a table: one row per (feature, unit) with its correlation r (3 decimals)."""
    rows = [(feature, u, round(r, 3)) for feature, pairs in units.items() for u, r in pairs]
    return {
        "feature": [f for f, _, _ in rows],
        "unit": [u for _, u, _ in rows],
        "correlation r": [r for _, _, r in rows],
    }


def probe_text(data: CharData, index: int) -> str:
    """PROBE_CHARS characters of held-out text from the start of snippet `index`: where hidden units are
    correlated with the features of code."""
    first, rest = held_out_snippet(data, index, 1, PROBE_CHARS - 1)
    return first + rest


COLOURS = ("probability", *FEATURES, "unit number")  # what the read text can be coloured by


def colouring(
    reading: CharReading, colour: str, unit: int, units: dict[str, list[tuple[int, float]]]
) -> tuple[int | None, str]:
    """What colours a read text (one of COLOURS): the hidden unit shown (None for the probability of each
    character; `unit` itself for "unit number", the model's last past its end; for a feature, the unit
    that feature_units found for it), and a sentence that says so."""
    if colour == "probability":
        return (
            None,
            "Colour: the probability the model gave each character before reading it (red: a surprise).",
        )
    if colour == "unit number":
        chosen = min(unit, reading.states.shape[1] - 1)
        return chosen, f"Colour: hidden unit {chosen}'s activation h_t after reading each character."
    chosen, r = units[colour][0]
    return chosen, (
        f"Colour: hidden unit {chosen}, the one most correlated with *{colour}* on {PROBE_CHARS:,} held-out "
        f"characters (r = {r:+.2f})."
    )


# --- Saving and loading -----------------------------------------------------------------------------------------

# The largest model CharLMConfig allows, by weights (a step's work bounds window x batch, not the size).
LARGEST = CharLMConfig(
    kind="lstm",
    layers=settings.of(CharLMConfig, "layers").high,
    hidden_size=settings.of(CharLMConfig, "hidden_size").high,
    embed_dim=settings.of(CharLMConfig, "embed_dim").high,
    window=settings.of(CharLMConfig, "window").low,
    batch_size=1,
)
RECORDS_BYTES = 4 * 2**20  # room for a file's loss curves (about 9 bytes a step: 400,000 steps)
MAX_FILE_BYTES = 4 * parameter_count(LARGEST, MAX_VOCABULARY + 2) + RECORDS_BYTES  # float32 weights + records


def to_bytes(trainer: CharTrainer) -> bytes:
    """The trained model as a file: torch.save of plain data only (config dict, characters, state_dict,
    loss curves), so that it loads with torch.load(weights_only=True)."""
    with trainer.lock:
        records = trainer.records()
        payload = {
            "format": FORMAT,
            "version": 1,
            "config": asdict(trainer.config),
            "tokens": list(trainer.data.vocab.tokens),
            "corpus": trainer.data.name,
            "entropy": trainer.data.entropy,
            "step": records.steps,
            "losses": [float(x) for x in records.losses],
            "test_steps": [int(k) for k in records.test_steps],
            "test_losses": [float(x) for x in records.test_values],
            "state_dict": {k: v.detach().clone() for k, v in trainer.model.state_dict().items()},
        }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


@dataclass
class Saved:
    """A model loaded from a file, with what its training recorded."""

    model: CharLM
    vocab: CharVocabulary
    config: CharLMConfig
    corpus: str
    entropy: float
    step: int
    losses: list[float]
    test_steps: list[int]
    test_losses: list[float]

    @property
    def description(self) -> str:
        c = self.config
        return f"the uploaded {c.kind.upper()} ({c.layers} × {c.hidden_size}, trained on {self.corpus}, step {self.step})"


# torch.save's records of a model file: 7 of metadata, one per tensor (15 at most), spare
MAX_FILE_RECORDS = 64


def _check_container(data: bytes) -> None:
    """ValueError unless data looks like a file of torch.save's kind and of a size this page's models
    can have (rnnviz.uploads: the zip's directory read first, bounded; stored records only, torch's
    names, at most MAX_FILE_BYTES in all). torch.load then allocates about the file's size at most."""
    if not data:
        raise ValueError("The file is empty.")
    uploads.check_torch_file(data, MAX_FILE_BYTES, MAX_FILE_RECORDS, max_pickle_bytes=RECORDS_BYTES + 2**20)


def from_bytes(data: bytes) -> Saved:
    """A model saved by to_bytes; ValueError with a plain message for anything else. Loaded with
    weights_only=True: a file can hold tensors and plain data, never code. Never allocates much more
    than the largest model CharLMConfig allows (the file, at most MAX_FILE_BYTES, is checked first)."""
    _check_container(data)
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - torch raises many kinds (pickle, zip, runtime) for a wrong file
        raise ValueError(
            "This is not a model file saved by this page (torch.load could not read it)."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(
            "This file was saved by torch, but not by this page: it holds no rnnviz character model."
        )
    try:
        names = {f.name for f in fields(CharLMConfig)}
        raw = payload["config"]
        if not isinstance(raw, dict) or not set(raw) <= names:
            raise ValueError("the settings are not those of a character model")
        config = CharLMConfig(**raw)
        vocab = CharVocabulary(tuple(str(t) for t in payload["tokens"]))
        if len(vocab) > MAX_VOCABULARY + 2:
            raise ValueError(f"the vocabulary has {len(vocab)} entries, more than {MAX_VOCABULARY + 2}")
        model = CharLM(config, len(vocab))
        model.load_state_dict(payload["state_dict"], strict=True)
        model.eval()
        return Saved(
            model,
            vocab,
            config,
            str(payload["corpus"]),
            float(payload["entropy"]),
            int(payload["step"]),
            [float(x) for x in payload["losses"]],
            [int(k) for k in payload["test_steps"]],
            [float(x) for x in payload["test_losses"]],
        )
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"This model file is damaged or from another version: {error}".strip()) from None
