"""A sentiment classifier to train and read: words -> embedding (or one-hot) -> RNN / LSTM / GRU ->
a readout of the hidden states (the last one, or max- or average-pooling over all of them, padding
masked) -> a small MLP -> P(positive). Beside it, a bag-of-words logistic regression trained on the
same split: it cannot see word order, so it fails on negations and late cues that the RNN reads.

`read_tweet` runs a trained model on one typed text and returns its prediction after every word
(the readout applied to the prefix) and the hidden states (T, H).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from rnnviz import training
from rnnviz.corpora import ORDER_KINDS, Corpus

PAD, UNK = "<pad>", "<unk>"
KINDS = ("rnn", "lstm", "gru")
READOUTS = ("last", "max", "average")
INPUTS = ("embedding", "one-hot")
UNITS = ("words", "characters")  # what one step of the RNN reads
MAX_ONE_HOT = 5000  # vocabulary size above which one-hot inputs are refused
_TOKEN = re.compile(r"[a-z0-9']+|[!?#@]")


def tokenize(text: str, unit: str = "words") -> list[str]:
    """Lower-case words (and ! ? # @) of a text, or its lower-case characters."""
    if unit == "characters":
        return list(text.lower())
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """Token (word or character) -> index; 0 is padding, 1 the unknown token."""

    words: tuple[str, ...]
    unit: str = "words"  # words | characters: how texts are cut into tokens

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.words)

    def tokenize(self, text: str) -> list[str]:
        """The text cut into this vocabulary's tokens."""
        return tokenize(text, self.unit)

    def ids(self, tokens: Sequence[str]) -> list[int]:
        """The indices of the tokens, 1 (<unk>) for words not in the vocabulary."""
        return [self._index.get(t, 1) for t in tokens]  # type: ignore[attr-defined]

    def known(self, token: str) -> bool:
        """Whether the word is in the vocabulary."""
        return token in self._index  # type: ignore[attr-defined]


def build_vocabulary(
    texts: Sequence[str], max_size: int = 20000, min_count: int = 1, unit: str = "words"
) -> Vocabulary:
    """The most frequent tokens of the texts (ties by first appearance), after <pad> and <unk>."""
    counts = Counter(t for text in texts for t in tokenize(text, unit))
    words = [w for w, c in counts.most_common(max_size) if c >= min_count]
    return Vocabulary((PAD, UNK, *words), unit)


def encode(texts: Sequence[str], vocab: Vocabulary, max_len: int = 50) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded indices (N, L) and lengths (N,); texts are cut at max_len words, empty ones get <unk>."""
    return pad([vocab.ids(vocab.tokenize(t)[:max_len]) or [1] for t in texts])


def pad(rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of token ids as one 0-padded tensor (N, longest) and their lengths (N,)."""
    lengths = torch.tensor([len(r) for r in rows], dtype=torch.long)
    ids = torch.zeros(len(rows), int(lengths.max()) if rows else 1, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
    return ids, lengths


@dataclass(frozen=True)
class SentimentConfig:
    kind: str = "lstm"  # rnn | lstm | gru
    readout: str = "last"  # last | max | average
    inputs: str = "embedding"  # embedding | one-hot
    tokens: str = "words"  # words | characters: one RNN step per word, or per character
    embed_dim: int = 32
    hidden_size: int = 64
    mlp_size: int = 32
    epochs: int = 4
    batch_size: int = 64
    lr: float = 5e-3
    clip: float = 1.0
    seed: int = 0
    max_len: int = 50  # words; a text read by characters is cut at 5 times this

    @property
    def token_limit(self) -> int:
        """Tokens read of each text: max_len words, or 5 max_len characters (about as much text)."""
        return self.max_len if self.tokens == "words" else 5 * self.max_len

    def __post_init__(self) -> None:
        checks = [
            (self.kind in KINDS, f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}"),
            (self.readout in READOUTS, f"readout must be one of {', '.join(READOUTS)}, got {self.readout!r}"),
            (self.inputs in INPUTS, f"inputs must be embedding or one-hot, got {self.inputs!r}"),
            (self.tokens in UNITS, f"tokens must be words or characters, got {self.tokens!r}"),
            (min(self.embed_dim, self.hidden_size, self.mlp_size, self.batch_size, self.max_len) >= 1,
             "sizes must be at least 1"),
            (self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}"),
            (math.isfinite(self.lr) and self.lr > 0, f"lr must be positive, got {self.lr}"),
            (math.isfinite(self.clip) and self.clip >= 0, f"clip must be 0 (off) or positive, got {self.clip}"),
        ]  # fmt: skip
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


class SentimentRNN(nn.Module):
    """Embedding (or one-hot) -> RNN / LSTM / GRU -> readout -> MLP -> one logit."""

    def __init__(self, config: SentimentConfig, vocab_size: int):
        super().__init__()
        if config.inputs == "one-hot" and vocab_size > MAX_ONE_HOT:
            raise ValueError(
                f"one-hot inputs need a vocabulary of at most {MAX_ONE_HOT} words, got {vocab_size}"
            )
        self.config, self.vocab_size = config, vocab_size
        torch.manual_seed(config.seed)
        width = vocab_size if config.inputs == "one-hot" else config.embed_dim
        self.embedding = (
            nn.Embedding(vocab_size, config.embed_dim, padding_idx=0)
            if config.inputs == "embedding"
            else None
        )
        rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[config.kind]
        self.rnn = rnn(width, config.hidden_size, batch_first=True)
        self.mlp = nn.Sequential(
            nn.Linear(config.hidden_size, config.mlp_size), nn.ReLU(), nn.Linear(config.mlp_size, 1)
        )

    def states(self, ids: torch.Tensor) -> torch.Tensor:
        """The hidden states (B, L, H); the states after a sequence's end are not used."""
        if self.embedding is None:
            x = nn.functional.one_hot(ids, self.vocab_size).float()
        else:
            x = self.embedding(ids)
        return self.rnn(x)[0]

    def pool(self, h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The readout (B, H) of the states h (B, L, H) of sequences of the given lengths."""
        steps = torch.arange(h.shape[1], device=h.device)
        mask = (steps[None, :] < lengths[:, None]).unsqueeze(-1)  # (B, L, 1)
        if self.config.readout == "last":
            return h[torch.arange(h.shape[0]), lengths - 1]
        if self.config.readout == "max":
            return h.masked_fill(~mask, float("-inf")).amax(dim=1)
        return (h * mask).sum(dim=1) / lengths[:, None].to(h.dtype)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits (B,) of P(positive)."""
        return self.mlp(self.pool(self.states(ids), lengths)).squeeze(-1)


class BagOfWords(nn.Module):
    """Logistic regression on word counts: P(positive) = sigmoid(sum of the words' weights + b)."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.weights = nn.EmbeddingBag(vocab_size, 1, mode="sum", padding_idx=0)
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(1))

    def initialise_from(self, generator: torch.Generator) -> None:
        """Logistic regression starts from zero weights (training.initialise asks every model)."""
        with torch.no_grad():
            self.weights.weight.zero_()
            self.bias.zero_()

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits (B,)."""
        return self.weights(ids).squeeze(-1) + self.bias


@dataclass
class Trained:
    """A trained model with its vocabulary and what its training recorded (per epoch)."""

    model: nn.Module
    vocab: Vocabulary
    config: SentimentConfig
    losses: list[float] = field(default_factory=list)  # the training loss of every batch
    train_accuracy: list[float] = field(default_factory=list)  # of every batch
    test_steps: list[int] = field(default_factory=list)  # the batches after which the test set was scored
    test_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _batches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    return list(torch.randperm(n, generator=generator).split(batch_size))


def predict(model: nn.Module, vocab: Vocabulary, texts: Sequence[str], max_len: int = 50) -> np.ndarray:
    """P(positive) for each text (N,)."""
    return _predict_encoded(model, [encode(texts[s : s + 512], vocab, max_len) for s in range(0, len(texts), 512)])


def _predict_encoded(model: nn.Module, chunks: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> np.ndarray:
    """P(positive) for chunks of already encoded texts (ids, lengths), concatenated (N,)."""
    model.eval()
    with torch.no_grad():
        out = [torch.sigmoid(model(ids, lengths)).numpy() for ids, lengths in chunks]
    return np.concatenate(out) if out else np.zeros(0)


def accuracy(model: nn.Module, vocab: Vocabulary, corpus: Corpus, max_len: int = 50) -> float:
    """The fraction of the corpus classified right (0.5 threshold); nan for an empty corpus."""
    if len(corpus) == 0:
        return float("nan")
    return float(np.mean((predict(model, vocab, corpus.texts, max_len) > 0.5) == corpus.labels))


def _fit(model: nn.Module, vocab: Vocabulary, train: Corpus, test: Corpus, epochs: int, batch_size: int, lr: float,
         clip: float, seed: int, max_len: int, progress: Callable[[float, str], None] | None, record: Trained) -> Trained:  # fmt: skip
    """Train with the lab's one loop (training.Loop): shuffled padded batches, epoch after epoch."""
    generator = torch.Generator().manual_seed(seed)
    rows = [vocab.ids(vocab.tokenize(t)[:max_len]) or [1] for t in train.texts]
    labels = torch.as_tensor(train.labels, dtype=torch.float32)
    per_epoch = math.ceil(len(rows) / batch_size)
    order = [batch for _ in range(epochs) for batch in _batches(len(rows), batch_size, generator)]  # step k - 1
    total = len(order)
    test_every = max(1, total // 20)  # about 20 points on the test-accuracy curve

    def step_loss(k: int) -> torch.Tensor:
        batch = order[k - 1]
        ids, lengths = pad([rows[i] for i in batch.tolist()])  # (B, longest), (B,)
        logits = model(ids, lengths)  # (B,)

        record.train_accuracy.append(float(((logits > 0).float() == labels[batch]).float().mean()))
        return nn.functional.binary_cross_entropy_with_logits(logits, labels[batch])

    def report(loop: training.Loop) -> None:
        if progress is not None and (loop.step_count % test_every == 0 or loop.done):
            epoch = (loop.step_count - 1) // per_epoch + 1
            progress(loop.step_count / total, f"epoch {epoch} of {epochs}: test accuracy {loop.test_losses[-1]:.3f}")

    # The test set is tokenized once, not at each of its ~20 evaluations.
    test_chunks = [encode(test.texts[s : s + 512], vocab, max_len) for s in range(0, len(test), 512)]

    def test_accuracy() -> float:
        if len(test) == 0:
            return float("nan")
        return float(np.mean((_predict_encoded(model, test_chunks) > 0.5) == test.labels))

    loop = training.Loop(model, step_loss, seed=seed, steps=total, lr=lr, clip=clip, test_every=test_every,
                         evaluate=test_accuracy)  # fmt: skip

    loop.step(total, on_progress=report)
    record.losses, record.seconds = loop.losses, loop.seconds
    record.test_steps, record.test_accuracy = loop.test_steps[1:], loop.test_losses[1:]  # after training began
    model.eval()
    return record


def train(config: SentimentConfig, train_set: Corpus, test_set: Corpus,
          progress: Callable[[float, str], None] | None = None, vocab: Vocabulary | None = None) -> Trained:  # fmt: skip
    """Train the RNN classifier on train_set with Adam, clipping and shuffled padded batches;
    progress(fraction, message) is called along the way."""
    vocab = vocab or build_vocabulary(train_set.texts, unit=config.tokens)
    model = SentimentRNN(config, len(vocab))
    record = Trained(model, vocab, config)
    return _fit(model, vocab, train_set, test_set, config.epochs, config.batch_size, config.lr, config.clip,
                config.seed, config.token_limit, progress, record)  # fmt: skip


def train_bag_of_words(train_set: Corpus, test_set: Corpus, epochs: int = 10, seed: int = 0,
                       vocab: Vocabulary | None = None) -> Trained:  # fmt: skip
    """The bag-of-words logistic-regression baseline on the same split (Adam on minibatches)."""
    vocab = vocab or build_vocabulary(train_set.texts)
    torch.manual_seed(seed)
    model = BagOfWords(len(vocab))
    config = SentimentConfig(epochs=epochs, seed=seed, clip=0.0, lr=0.05, batch_size=128)
    record = Trained(model, vocab, config)
    return _fit(model, vocab, train_set, test_set, epochs, 128, 0.05, 0.0, seed, 50, None, record)


@dataclass(frozen=True)
class Evaluation:
    """Test accuracy overall and on the negation / late-cue subset, and the confusion matrix."""

    accuracy: float
    order_accuracy: float  # on ORDER_KINDS; nan when the corpus has none (uploaded tweets)
    by_kind: dict[str, float]
    confusion: np.ndarray  # (2, 2): rows true negative / positive, columns predicted negative / positive


def evaluate(trained: Trained, corpus: Corpus) -> Evaluation:
    """Accuracy overall, on each kind and on the order subset; the confusion matrix."""
    predicted = (predict(trained.model, trained.vocab, corpus.texts, trained.config.token_limit) > 0.5).astype(int)
    right = predicted == corpus.labels
    kinds = np.asarray(corpus.kinds)
    by_kind = {k: float(right[kinds == k].mean()) for k in dict.fromkeys(corpus.kinds)}
    order = np.isin(kinds, ORDER_KINDS)
    confusion = np.zeros((2, 2), dtype=int)
    np.add.at(confusion, (corpus.labels, predicted), 1)
    return Evaluation(float(right.mean()), float(right[order].mean()) if order.any() else float("nan"),
                      by_kind, confusion)  # fmt: skip


@dataclass(frozen=True)
class Reading:
    """The model reading one text word by word."""

    tokens: tuple[str, ...]
    known: tuple[bool, ...]  # False: the word was read as <unk>
    probabilities: np.ndarray  # (T,) P(positive) from the readout of the first t words
    states: np.ndarray  # (T, H) the hidden states
    readout: str

    def table(self) -> dict[str, np.ndarray]:
        """One row per token: the token, whether it is known, P(positive) after it (for a CSV)."""
        return {"t": np.arange(1, len(self.tokens) + 1), "token": np.array(self.tokens, dtype=object),
                "known": np.array(self.known, dtype=int), "P(positive)": self.probabilities}  # fmt: skip


def read_tweet(
trained: Trained, text: str) -> Reading:
    """P(positive) after each word (the readout of the prefix: last state, running max or running
    mean) and the hidden states (T, H); unknown words are read as <unk>. ValueError for no words."""
    tokens = trained.vocab.tokenize(text)[: trained.config.token_limit]
    if not tokens:
        raise ValueError("Type at least one word.")
    model = trained.model
    ids = torch.tensor([trained.vocab.ids(tokens)])
    with torch.no_grad():
        h = model.states(ids)[0]  # (T, H)
        if trained.config.readout == "last":
            pooled = h
        elif trained.config.readout == "max":
            pooled = torch.cummax(h, dim=0).values
        else:
            pooled = torch.cumsum(h, dim=0) / torch.arange(1, len(tokens) + 1)[:, None]
        probabilities = torch.sigmoid(model.mlp(pooled).squeeze(-1))
    return Reading(tuple(tokens), tuple(trained.vocab.known(t) for t in tokens), probabilities.numpy(), h.numpy(),
                   trained.config.readout)  # fmt: skip


# The page's default models, shipped trained (rnnviz.defaults): none yet, the page trains its own.
DEFAULTS: list = []
