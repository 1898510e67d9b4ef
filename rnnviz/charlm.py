"""A character-level language model, the lecture's "RNN for generation": characters -> embedding ->
RNN / GRU / LSTM (layers, hidden size) -> softmax over the vocabulary of characters.

At training time it is taught with teacher forcing: on truncated windows of the training text, each
step reads the true previous character and is scored (cross-entropy) on the true next one. At test
time it feeds on its own samples: a priming text, then one character drawn at a time (temperature,
top-k) and read back in, until a length or the end-of-sequence token <eos> that separates documents.

Losses are in nats inside the training loop (training.Loop) and shown in bits per character (nats /
ln 2), next to the unigram entropy of the corpus: the loss of a model that knows character
frequencies and nothing else.
"""

from __future__ import annotations

import functools
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch
from torch import nn

from rnnviz import training
from rnnviz.corpora import CharCorpus, split_documents

EOS, UNK = "<eos>", "<unk>"  # ids 0 and 1: the end of a document, and every rare character
KINDS = ("lstm", "gru", "rnn")
MAX_VOCABULARY = 150  # characters kept (most frequent first); the rest are read as <unk>
MIN_COUNT = 5  # a character seen fewer times than this in the training text is <unk>
CHECKPOINT_CHARS = 300  # length of the sample taken at each checkpoint
CHECKPOINT_TEMPERATURE = 0.8
TOP = 5  # next-character candidates kept by `read`
FORMAT = "rnnviz-charlm"  # the tag of a saved model file
TRAIN_STREAM, TEST_STREAM = 0, 1  # seed streams (models.batch_seed-like) of batches and held-out windows
LIMITS = {"layers": (1, 3), "hidden_size": (8, 512), "embed_dim": (4, 128), "window": (8, 512),
          "batch_size": (1, 256)}  # fmt: skip


def bits(nats: float | np.ndarray) -> float | np.ndarray:
    """A loss in nats per character as bits per character (divided by ln 2)."""
    return nats / math.log(2)


def is_checkpoint(step: int) -> bool:
    """Steps at which a sample is kept: 0, 100, 300, 500, ... (every 200 after the first 100)."""
    return step == 0 or (step >= 100 and (step - 100) % 200 == 0)


# --- Vocabulary and data ------------------------------------------------------------------------------


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
        order = np.argsort(codes)
        object.__setattr__(self, "_codes", codes[order])  # sorted code points, for searchsorted
        object.__setattr__(self, "_ids", order + 2)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> np.ndarray:
        """The ids (T,) of the characters of text; characters not kept are 1 (<unk>)."""
        if not text:
            return np.zeros(0, dtype=np.int64)
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)  # (T,)
        codes, ids = self._codes, self._ids  # type: ignore[attr-defined]
        where = np.clip(np.searchsorted(codes, points), 0, max(len(codes) - 1, 0))
        if len(codes) == 0:
            return np.ones(len(points), dtype=np.int64)
        return np.where(codes[where] == points, ids[where], 1).astype(np.int64)

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of text that the vocabulary reads as <unk>, sorted."""
        return sorted({ch for ch, i in zip(text, self.encode(text)) if i == 1})

    def decode(self, ids: Sequence[int] | np.ndarray, eos: str = "␄", unk: str = "�") -> str:
        """The text of the ids, <eos> and <unk> written as the given marks."""
        marks = {0: eos, 1: unk}
        return "".join(marks.get(int(i), self.tokens[int(i)]) for i in ids)


def build_vocabulary(documents: Sequence[str], max_size: int = MAX_VOCABULARY, min_count: int = MIN_COUNT) -> CharVocabulary:
    """<eos>, <unk> and the most frequent characters of the documents (ties by code point)."""
    if max_size < 1:
        raise ValueError(f"max_size must be at least 1, got {max_size}")
    counts: Counter[str] = Counter()
    for document in documents:
        counts.update(document)
    kept = sorted((c for c in counts.items() if c[1] >= min_count), key=lambda c: (-c[1], c[0]))[:max_size]
    return CharVocabulary((EOS, UNK, *(ch for ch, _ in kept)))


def stream(documents: Sequence[str], vocab: CharVocabulary) -> np.ndarray:
    """One id stream (N,) of the documents, each preceded by <eos> and the last followed by it:
    <eos> d1 <eos> d2 ... <eos>, so that <eos> both ends a document and starts the next."""
    parts = [np.zeros(1, dtype=np.int64)]
    for document in documents:
        parts += [vocab.encode(document), np.zeros(1, dtype=np.int64)]
    return np.concatenate(parts)


def unigram_entropy(ids: np.ndarray, vocab_size: int) -> float:
    """-sum_c p(c) log2 p(c) over the frequencies p of the ids: the bits per character of the best
    model that ignores context, the baseline of a language model."""
    ids = np.asarray(ids)
    if ids.size == 0:
        raise ValueError("need at least one character")
    p = np.bincount(ids, minlength=vocab_size) / ids.size  # (V,)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@dataclass(frozen=True)
class CharData:
    """A corpus ready to train on: its vocabulary, training and held-out id streams, and baseline."""

    name: str
    vocab: CharVocabulary
    train_ids: np.ndarray  # (N,) int64
    test_ids: np.ndarray  # (M,) int64
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
    vocab = build_vocabulary(train_set.documents)
    train_ids, test_ids = stream(train_set.documents, vocab), stream(test_set.documents, vocab)
    entropy = unigram_entropy(np.concatenate([train_ids, test_ids[1:]]), len(vocab))
    return CharData(corpus.name, vocab, train_ids, test_ids, test_set.documents, entropy, seed)


# --- The model ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CharLMConfig:
    kind: str = "lstm"  # lstm | gru | rnn (tanh)
    layers: int = 1
    hidden_size: int = 256
    embed_dim: int = 32
    window: int = 128  # characters per training window: backprop through time is truncated here
    batch_size: int = 32  # windows per step
    lr: float = 3e-3  # Adam
    clip: float = 1.0  # largest gradient norm; 0: no clipping
    steps: int = 3000  # the budget
    seed: int = 0  # fixes the initialisation, every batch and the held-out windows
    test_every: int = 50
    test_chars: int = 4096  # held-out characters scored every test_every steps (in windows of `window`)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if not (isinstance(value, int) and low <= value <= high):
                raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be positive, got {self.lr}")
        if not (math.isfinite(self.clip) and self.clip >= 0):
            raise ValueError(f"clip must be 0 (off) or positive, got {self.clip}")
        if self.steps < 0 or self.test_every < 1 or self.test_chars < 1:
            raise ValueError("steps must be at least 0, test_every and test_chars at least 1")


class CharLM(nn.Module):
    """Embedding -> RNN / GRU / LSTM (config.layers deep) -> linear -> logits over the characters."""

    def __init__(self, config: CharLMConfig, vocab_size: int):
        super().__init__()
        if vocab_size < 3:
            raise ValueError(f"vocab_size must be at least 3 (<eos>, <unk>, a character), got {vocab_size}")
        self.config, self.vocab_size = config, vocab_size
        torch.manual_seed(config.seed)
        self.embedding = nn.Embedding(vocab_size, config.embed_dim)
        rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[config.kind]
        self.rnn = rnn(config.embed_dim, config.hidden_size, num_layers=config.layers, batch_first=True)
        self.head = nn.Linear(config.hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state=None) -> tuple[torch.Tensor, torch.Tensor, object]:
        """Logits (B, T, V) of the next character after each of ids (B, T), the last layer's hidden
        states h_t (B, T, H), and the recurrent state to carry on from."""
        h, state = self.rnn(self.embedding(ids), state)  # h: (B, T, H)
        return self.head(h), h, state


def _loss(model: CharLM, windows: torch.Tensor) -> torch.Tensor:
    """Teacher forcing: read windows[:, :-1], score the true next characters windows[:, 1:] (nats)."""
    logits, _, _ = model(windows[:, :-1])  # (B, T, V)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))


def _windows(ids: torch.Tensor, n: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """n random windows (n, length) of the id stream."""
    if len(ids) < length + 1:
        raise ValueError(f"the text has {len(ids)} characters; a window needs {length + 1}")
    starts = torch.randint(0, len(ids) - length + 1, (n,), generator=generator)  # (n,)
    return ids[starts[:, None] + torch.arange(length)]  # (n, length)


def _seed(seed: int, stream: int, step: int = 0) -> int:
    return (seed * 1_000_003 + stream * 7_919 + step) % (2**63)


class CharTrainer(training.Loop):
    """A CharLM trained with training.Loop on random windows of the training stream (teacher forcing,
    Adam, clipping); besides the Loop's records it keeps a sample at every checkpoint step.

    `lock` guards every use of the model: a Streamlit session may start a new run while the last
    one still trains."""

    def __init__(self, data: CharData, config: CharLMConfig):
        window = min(config.window, len(data.train_ids) - 1, len(data.test_ids) - 1)
        if window < 2:
            raise ValueError("the corpus is too short: each split needs at least 3 characters")
        self.data, self.config, self.window = data, config, window
        self._train = torch.from_numpy(data.train_ids)
        generator = torch.Generator().manual_seed(_seed(config.seed, TEST_STREAM))
        n_windows = max(1, config.test_chars // window)
        self._test = _windows(torch.from_numpy(data.test_ids), n_windows, window + 1, generator)  # (n, window + 1)
        super().__init__(CharLM(config, len(data.vocab)), self._step_loss, seed=config.seed, steps=config.steps, lr=config.lr,
                         clip=config.clip, evaluate=self.evaluate, test_every=config.test_every)  # fmt: skip
        self.sample_steps: list[int] = []
        self.samples: list[str] = []  # the sample kept at each of sample_steps (<eos> written as ␄)

    def _step_loss(self, k: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(_seed(self.config.seed, TRAIN_STREAM, k))
        return _loss(self.model, _windows(self._train, self.config.batch_size, self.window + 1, generator))

    def evaluate(self) -> float:
        """The mean cross-entropy (nats per character) on the fixed held-out windows."""
        with torch.no_grad():
            return float(_loss(self.model, self._test))

    def _record(self) -> None:
        super()._record()
        k = self.step_count
        if is_checkpoint(k) and k not in self.sample_steps:
            s = sample(self.model, self.data.vocab, "", CHECKPOINT_CHARS, CHECKPOINT_TEMPERATURE, seed=self.config.seed)
            self.sample_steps.append(k)
            self.samples.append(s.text)

    @property
    def chars_per_step(self) -> int:
        """Characters scored in one training step (batch size x window)."""
        return self.config.batch_size * self.window

    def clone(self) -> CharTrainer:
        """An independent copy (weights, optimizer state, records) that trains on as this one would."""
        with self.lock:
            twin = CharTrainer(self.data, self.config)
            twin.model.load_state_dict(self.model.state_dict())
            twin.optimizer.load_state_dict(self.optimizer.state_dict())
            for name in ("step_count", "diverged", "seconds", "_started"):
                setattr(twin, name, getattr(self, name))
            for name in ("losses", "grad_norms", "test_steps", "test_losses", "sample_steps", "samples"):
                setattr(twin, name, list(getattr(self, name)))
            return twin


def loss_table(losses: Sequence[float], test_steps: Sequence[int], test_losses: Sequence[float]) -> dict[str, list]:
    """The loss curve as columns: step (0, 1, ...), training and held-out bits per character (held-out
    only at its test steps, else None)."""
    held_out = dict(zip(test_steps, test_losses))
    steps = range(len(losses) + 1)
    return {
        "step": list(steps),
        "training bpc": [None] + [float(bits(x)) for x in losses],  # step 0 has no training loss
        "held-out bpc": [float(bits(held_out[k])) if k in held_out else None for k in steps],
    }


# --- Test time: sampling and reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    prompt_ids: np.ndarray  # (P,) <eos> then the prompt's characters
    ids: np.ndarray  # (L,) the characters drawn (the last may be <eos>)
    text: str  # the characters drawn, <eos> written as ␄


class _OneStep:
    """The model one character at a time, for sampling: torch's nn.LSTMCell / GRUCell / RNNCell on the
    trained layers' own parameters (shared, not copied). Calling the whole nn.LSTM on a sequence of one
    costs about five times as much a step (330 against 70 microseconds at 256 units)."""

    CELLS = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn": nn.RNNCell}

    def __init__(self, model: CharLM):
        self.model, self.kind = model, model.config.kind
        self.cells = []
        for layer in range(model.config.layers):
            rnn = model.rnn
            cell = self.CELLS[self.kind](rnn.input_size if layer == 0 else rnn.hidden_size, rnn.hidden_size)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                setattr(cell, name, getattr(rnn, f"{name}_l{layer}"))
            self.cells.append(cell)

    def read(self, ids: np.ndarray) -> torch.Tensor:
        """Logits (V,) after reading ids (T,) in one pass of the whole model; the state is kept per layer."""
        logits, _, state = self.model(torch.as_tensor(ids, dtype=torch.long)[None])  # (1, T, V)
        h, c = state if self.kind == "lstm" else (state, None)  # (L, 1, H) each
        self.state = [(h[k], c[k]) if c is not None else h[k] for k in range(len(self.cells))]
        return logits[0, -1]

    def step(self, char: int) -> torch.Tensor:
        """Logits (V,) after reading one more character."""
        x = self.model.embedding.weight[char][None]  # (1, E)
        for k, cell in enumerate(self.cells):
            self.state[k] = cell(x, self.state[k])
            x = self.state[k][0] if self.kind == "lstm" else self.state[k]  # (1, H)
        return self.model.head(x)[0]


def sample(model: CharLM, vocab: CharVocabulary, prompt: str, length: int, temperature: float = 1.0,
           top_k: int = 0, seed: int = 0, stop_at_eos: bool = True) -> Sample:  # fmt: skip
    """Generate: read <eos> (the start of a document) and the prompt, then draw `length` characters one
    at a time from softmax(logits / temperature) over the top_k most likely (0: all), reading each
    one back in. Temperature below 0.01 takes the most likely character (greedy)."""
    if length < 0 or top_k < 0:
        raise ValueError(f"length and top_k must be at least 0, got {length}, {top_k}")
    if not (math.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"temperature must be 0 or positive, got {temperature}")
    prompt_ids = np.concatenate([[0], vocab.encode(prompt)]).astype(np.int64)  # (P,)
    generator = torch.Generator().manual_seed(seed)
    drawn: list[int] = []
    model.eval()
    with torch.no_grad():
        steps = _OneStep(model)
        logits = steps.read(prompt_ids)
        for _ in range(length):
            if temperature < 0.01:
                choice = int(logits.argmax())
            else:
                scaled = logits / temperature  # (V,)
                if 0 < top_k < len(scaled):
                    kth = torch.topk(scaled, top_k).values[-1]
                    scaled = scaled.masked_fill(scaled < kth, -math.inf)
                choice = int(torch.multinomial(torch.softmax(scaled, -1), 1, generator=generator))
            drawn.append(choice)
            if choice == 0 and stop_at_eos:
                break
            logits = steps.step(choice)
    ids = np.asarray(drawn, dtype=np.int64)
    return Sample(prompt_ids, ids, vocab.decode(ids))


@dataclass(frozen=True)
class Reading:
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


def read(model: CharLM, vocab: CharVocabulary, ids: np.ndarray, top: int = TOP) -> Reading:
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
        p = torch.softmax(logits[0], -1)  # (T, V)
        top_p, top_i = torch.topk(p, min(top, p.shape[-1]), dim=-1)  # (T, top)
        p_next = p[torch.arange(len(ids) - 1), torch.from_numpy(ids[1:])]  # (T - 1,)
    shown = [vocab.decode([i]) for i in range(len(vocab))]
    top_ids = top_i.numpy()
    return Reading(ids, tuple(shown[i] for i in ids), top_ids, tuple(tuple(shown[i] for i in row) for row in top_ids),
                   top_p.numpy(), p_next.numpy(), h[0].numpy())  # fmt: skip


@dataclass(frozen=True)
class TrainVersusTest:
    """One prompt continued twice: with teacher forcing (each step sees the true previous character,
    as in training) and by the model's own samples (as at test time)."""

    prompt: str
    teacher_forced: Reading  # prompt + the true continuation
    free_running: Reading  # prompt + the model's own continuation
    n_prompt: int  # positions of the prompt (with the leading <eos>) in both readings
    agreement: float  # fraction of the true continuation where the most likely character was right


def held_out_snippet(data: CharData, index: int, prompt_chars: int = 60, length: int = 200) -> tuple[str, str]:
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
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n" and i + 1 < len(text) and text[i + 1].strip()]
    return text, np.asarray(starts, dtype=np.int64)


def train_versus_test(model: CharLM, vocab: CharVocabulary, prompt: str, truth: str, temperature: float = 0.8,
                      seed: int = 0) -> TrainVersusTest:  # fmt: skip
    """The lecture's training-time vs test-time behaviour on one prompt: the true continuation read
    with teacher forcing, and a continuation of the same length sampled from the model's own output."""
    if not truth:
        raise ValueError("the true continuation is empty")
    prompt_ids = np.concatenate([[0], vocab.encode(prompt)]).astype(np.int64)  # (P,)
    true_ids = vocab.encode(truth)
    forced = read(model, vocab, np.concatenate([prompt_ids, true_ids]))
    own = sample(model, vocab, prompt, len(true_ids), temperature, seed=seed, stop_at_eos=False)
    free = read(model, vocab, np.concatenate([prompt_ids, own.ids]))
    n = len(prompt_ids)
    guesses = forced.top_ids[n - 1 : -1, 0]  # the most likely next character at each true step
    return TrainVersusTest(prompt, forced, free, n, float(np.mean(guesses == true_ids)))


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


def feature_units(model: CharLM, vocab: CharVocabulary, text: str, top: int = 3) -> dict[str, list[tuple[int, float]]]:
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
    return {"feature": [f for f, _, _ in rows], "unit": [u for _, u, _ in rows], "correlation r": [r for _, _, r in rows]}


# --- Saving and loading -----------------------------------------------------------------------------------------



def to_bytes(trainer: CharTrainer) -> bytes:
    """The trained model as a file: torch.save of plain data only (config dict, characters, state_dict,
    records), so that it loads with torch.load(weights_only=True)."""
    with trainer.lock:
        payload = {
            "format": FORMAT, "version": 1, "config": asdict(trainer.config), "tokens": list(trainer.data.vocab.tokens),
            "corpus": trainer.data.name, "entropy": trainer.data.entropy, "step": trainer.step_count,
            "losses": [float(x) for x in trainer.losses], "test_steps": [int(k) for k in trainer.test_steps],
            "test_losses": [float(x) for x in trainer.test_losses],
            "state_dict": {k: v.detach().clone() for k, v in trainer.model.state_dict().items()},
        }  # fmt: skip
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


def from_bytes(data: bytes) -> Saved:
    """A model saved by to_bytes; ValueError with a plain message for anything else. Loaded with
    weights_only=True: a file can hold tensors and plain data, never code."""
    if not data:
        raise ValueError("The file is empty.")
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - torch raises many kinds (pickle, zip, runtime) for a wrong file
        raise ValueError("This is not a model file saved by this page (torch.load could not read it).") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("This file was saved by torch, but not by this page: it holds no rnnviz character model.")
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
        return Saved(model, vocab, config, str(payload["corpus"]), float(payload["entropy"]), int(payload["step"]),
                     [float(x) for x in payload["losses"]], [int(k) for k in payload["test_steps"]],
                     [float(x) for x in payload["test_losses"]])  # fmt: skip
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"This model file is damaged or from another version: {error}".strip()) from None


# The page's default models, shipped trained (rnnviz.defaults): none yet, the page trains its own.
DEFAULTS: list = []
