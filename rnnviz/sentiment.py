"""A sentiment classifier to train and read: words -> embedding (or one-hot) -> RNN / LSTM / GRU ->
a readout of the hidden states (the last one, or max- or average-pooling over all of them, padding
masked) -> a small MLP -> P(positive). Beside it, a bag-of-words logistic regression trained on the
same split through the same loop: it cannot see word order, so it gets negations backwards and late
cues wrong half the time, which an RNN reads.

`SentimentTrainer` is the lab's one training loop (training.Loop) over a prepared corpus (`Data`):
shuffled padded batches, epoch after epoch, each epoch's order drawn from the loop's seed stream; it
records the training accuracy of every batch and the test accuracy about 20 times. `evaluation`
scores a trained model on each kind of held-out sentence; `read_tweet` runs it on one typed text and
returns its prediction after every token (the readout applied to the prefix) and the hidden states.

The page opens on models trained ahead of time (SHIPPED, rnnviz.defaults): the LSTM and a tanh RNN with
each readout, a GRU with its last state, and the bag of words. On the generated corpus (rnnviz.corpora) they differ where the
lecture's account of memory leads one to expect (the lecture itself only offers pooling as an
alternative): the tanh RNN's last state forgets an early cue, the more so the farther it is, which its
pooled readouts and the LSTM keep; the bag of words gets negations backwards
(tests/test_sentiment.py). A model trained on the page is bounded: one step, its test score
included, may do at most MAX_STEP_WORK multiply-adds (step_work); SentimentTrainer refuses larger ones.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import nn

from rnnviz import corpora, settings, training
from rnnviz.corpora import MEMORY_KINDS, ORDER_KINDS, Corpus
from rnnviz.defaults import Default
from rnnviz.settings import setting

PAD, UNK = "<pad>", "<unk>"
KINDS = ("rnn", "lstm", "gru")  # the recurrent networks; "bow" is the bag-of-words baseline
READOUTS = ("last", "max", "average")
INPUTS = ("embedding", "one-hot")
UNITS = ("words", "characters")  # what one step of the RNN reads
MAX_ONE_HOT = 5000  # vocabulary size above which one-hot inputs are refused
TEST_CHUNK = 512  # held-out texts scored at once
# What one step of each kind of recurrent layer costs, in H x (input + H) multiply-adds: its weight
# blocks (tanh RNN 1, GRU 3, LSTM 4), but torch's GRU costs about as much as 5 on one core here
# (benchmarks/bounds_seq2seq_sentiment.py, counted with 3: its costliest sentiment step took 1.5
# times an LSTM's of the same count).
BLOCKS = {"rnn": 1, "gru": 5, "lstm": 4}
# One training step, the costliest included (one that also scores the model on the held-out texts:
# step_work), may do at most this many multiply-adds: at most 0.71 s of CPU on one core here, so that
# training on a click takes turns with the live training of other sessions in slices of about a tick
# (training.LIVE_LANE; benchmarks/bounds_seq2seq_sentiment.py). The shipped LSTM's settings do 1.3
# billion (0.13 s); the widgets' largest, an LSTM of 128 units reading characters, 21 billion (1.3 s): the
# page refuses it with a message.
MAX_STEP_WORK = 10_000_000_000
_TOKEN = re.compile(r"[a-z0-9']+|[!?#@]")


def tokenize(text: str, unit: str = "words") -> list[str]:
    """Lower-case words (and ! ? # @) of a text, or its lower-case characters."""
    if unit == "characters":
        return list(text.lower())
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class TokenVocabulary:
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
) -> TokenVocabulary:
    """The most frequent tokens of the texts (ties by first appearance), after <pad> and <unk>."""
    counts = Counter(t for text in texts for t in tokenize(text, unit))
    words = [w for w, c in counts.most_common(max_size) if c >= min_count]
    return TokenVocabulary((PAD, UNK, *words), unit)


def encode(
    texts: Sequence[str], vocab: TokenVocabulary, max_len: int = 50
) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded indices (N, L) and lengths (N,); texts are cut at max_len tokens, empty ones get <unk>."""
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
    kind: str = "lstm"  # rnn | lstm | gru | bow (the bag-of-words baseline: readout, inputs and sizes unused)
    readout: str = setting(
        "last",
        "readout of the hidden states",
        options=READOUTS,
        help="last: the final h_T; max / average: pooled over every h_t (padding masked)",
    )
    inputs: str = setting("embedding", "tokens as", options=INPUTS)
    tokens: str = setting(
        "words",
        "the RNN reads",
        options=UNITS,  # one RNN step per word, or per character
        help="One step per word, or one step per character (longer sequences, no unknown words).",
    )
    embed_dim: int = 32
    hidden_size: int = setting(64, "hidden units", 1, 128, 8)
    mlp_size: int = 32
    epochs: int = setting(4, "epochs", 1, 10, 1)
    batch_size: int = 64
    lr: float = 5e-3
    clip: float = 1.0
    seed: int = setting(
        0, "seed", 0, 9999, 1, help="Fixes the initialisation and the order of every epoch's batches."
    )
    # words (the longest generated sentence: 57 in training, 58 held out); characters: 5 times this
    max_len: int = 60

    @property
    def token_limit(self) -> int:
        """Tokens read of each text: max_len words, or 5 max_len characters (about as much text)."""
        return self.max_len if self.tokens == "words" else 5 * self.max_len

    @property
    def name(self) -> str:
        """What the model is, in a few words: "LSTM (last readout, embedding words)"."""
        if self.kind == "bow":
            return "bag of words"
        return f"{self.kind.upper()} ({self.readout} readout, {self.inputs} {self.tokens})"

    def __post_init__(self) -> None:
        settings.check(self)  # readout, inputs, tokens, hidden_size, epochs, seed: the page's controls
        checks = [
            (
                self.kind in (*KINDS, "bow"),
                f"kind must be one of {', '.join(KINDS)} or bow, got {self.kind!r}",
            ),
            (self.kind != "bow" or self.tokens == "words", "the bag of words counts words"),
            (
                min(self.embed_dim, self.hidden_size, self.mlp_size, self.batch_size, self.max_len) >= 1,
                "sizes must be at least 1",
            ),
            (math.isfinite(self.lr) and self.lr > 0, f"lr must be positive, got {self.lr}"),
            (
                math.isfinite(self.clip) and self.clip >= 0,
                f"clip must be 0 (off) or positive, got {self.clip}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


class SentimentRNN(nn.Module):
    """Embedding (or one-hot) -> RNN / LSTM / GRU -> readout -> MLP -> one logit. Initialised by the
    loop that trains it (training.initialise: torch's own rules, from the run's seed)."""

    def __init__(self, config: SentimentConfig, vocab_size: int):
        super().__init__()
        if config.inputs == "one-hot" and vocab_size > MAX_ONE_HOT:
            raise ValueError(
                f"one-hot inputs need a vocabulary of at most {MAX_ONE_HOT} words, got {vocab_size}"
            )
        self.config, self.vocab_size = config, vocab_size
        width = vocab_size if config.inputs == "one-hot" else config.embed_dim
        embedding = config.inputs == "embedding"
        self.embedding = nn.Embedding(vocab_size, config.embed_dim, padding_idx=0) if embedding else None
        rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[config.kind]
        self.rnn = rnn(width, config.hidden_size, batch_first=True)
        self.mlp = nn.Sequential(
            nn.Linear(config.hidden_size, config.mlp_size), nn.ReLU(), nn.Linear(config.mlp_size, 1)
        )

    def states(self, ids: torch.Tensor) -> torch.Tensor:
        """The hidden states (B, L, H); the states after a sequence's end are not used."""
        if self.embedding is None:
            x = nn.functional.one_hot(ids, self.vocab_size).float()  # (B, L, V)
        else:
            x = self.embedding(ids)  # (B, L, E)
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
        self.bias = nn.Parameter(torch.zeros(1))

    def initialise_from(self, generator: torch.Generator) -> None:
        """Logistic regression starts from zero weights (training.initialise asks every model)."""
        with torch.no_grad():
            self.weights.weight.zero_()
            self.bias.zero_()

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits (B,)."""
        return self.weights(ids).squeeze(-1) + self.bias


def build_model(config: SentimentConfig, vocab_size: int) -> nn.Module:
    """The network of the config (not initialised yet: the loop does it)."""
    return BagOfWords(vocab_size) if config.kind == "bow" else SentimentRNN(config, vocab_size)


@dataclass(frozen=True)
class Data:
    """A corpus ready to train on: its vocabulary, the training texts as token ids, the held-out texts
    encoded in chunks. Shared by every loop that trains on it; nobody writes to it."""

    train: Corpus
    test: Corpus
    vocab: TokenVocabulary
    limit: int  # tokens read of each text
    rows: tuple[tuple[int, ...], ...]  # the token ids of each training text
    labels: torch.Tensor  # (N,) float 0 / 1 of the training texts
    # (ids (n, L), lengths (n,)), TEST_CHUNK texts each
    test_chunks: tuple[tuple[torch.Tensor, torch.Tensor], ...]
    test_order: np.ndarray  # (N,) the held-out texts in the order of the chunks: shortest first


def prepare(
    train: Corpus, test: Corpus, unit: str = "words", limit: int = 50, vocab: TokenVocabulary | None = None
) -> Data:
    """Tokenize and encode a split once (the vocabulary from the training texts unless given)."""
    vocab = vocab or build_vocabulary(train.texts, unit=unit)
    rows = tuple(tuple(vocab.ids(vocab.tokenize(t)[:limit]) or [1]) for t in train.texts)
    # The held-out texts are chunked shortest first, so that each chunk is padded to about its own
    # length: reading characters, the longest sentence has 277 and the mean 69 (a third of the work).
    tested = [vocab.ids(vocab.tokenize(t)[:limit]) or [1] for t in test.texts]
    order = np.argsort([len(ids) for ids in tested], kind="stable")
    chunks = tuple(
        pad([tested[i] for i in order[s : s + TEST_CHUNK]]) for s in range(0, len(order), TEST_CHUNK)
    )
    labels = torch.as_tensor(train.labels, dtype=torch.float32)
    return Data(train, test, vocab, limit, rows, labels, chunks, order)


_DATA_LOCK = threading.Lock()  # sessions loading two defaults at once prepare the corpus once


def builtin_data(unit: str = "words", limit: int = 60) -> Data:
    """The built-in corpus (corpora.builtin: 8000 training, 2000 held-out sentences), prepared once per
    process (about 0.3 s here) and shared by every loop that reads it."""
    with _DATA_LOCK:
        return _builtin_data(unit, limit)


@functools.lru_cache(maxsize=4)
def _builtin_data(unit: str, limit: int) -> Data:
    return prepare(*corpora.builtin(), unit=unit, limit=limit)


def data_for(config: SentimentConfig) -> Data:
    """The built-in corpus as this config reads it."""
    return builtin_data(config.tokens, config.token_limit)


class SentimentTrainer(training.Loop):
    """The classifier of `config` trained on `data` by the lab's loop: shuffled padded batches, epoch
    after epoch (epoch e's order from the seed stream TRAIN, index e), binary cross-entropy, Adam with
    clipping; the training accuracy of every batch, the test accuracy about 20 times."""

    RECORDED = (*training.Loop.RECORDED, "train_accuracy")
    SHARED = ("data",)

    def __init__(self, config: SentimentConfig, data: Data, bounded: bool = True):
        """The classifier of config on data, untrained; ValueError with a plain message when one of its
        steps would not fit in a live tick (step_work above MAX_STEP_WORK), unless not `bounded` (a
        benchmark)."""
        if bounded and step_work(config, data) > MAX_STEP_WORK:
            raise ValueError(
                f"one training step of this {config.name}, with its test score, is {step_work(config, data) / 1e9:.0f} "
                f"billion multiply-adds; training takes turns with the other sessions' in ticks of 0.8 s, so the page "
                f"trains models of up to {MAX_STEP_WORK / 1e9:g} billion a step (at most about 0.7 s on one core). Fewer hidden "
                "units, a tanh RNN, or words instead of characters would fit"
            )
        unit = "words" if config.kind == "bow" else config.tokens
        if data.vocab.unit != unit or data.limit != config.token_limit:
            raise ValueError(
                f"this {config.name} reads {config.token_limit} {unit}; the data was prepared "
                f"as {data.limit} {data.vocab.unit}"
            )
        self.config, self.data = config, data
        self.per_epoch = math.ceil(len(data.rows) / config.batch_size)
        steps = config.epochs * self.per_epoch
        super().__init__(
            build_model(config, len(data.vocab)),
            self._step_loss,
            seed=config.seed,
            steps=steps,
            lr=config.lr,
            clip=config.clip,
            evaluate=self.evaluate,
            test_every=max(1, steps // 20),
        )
        self.train_accuracy: list[float] = []  # of the batch of each step
        self._epoch_order: tuple[int, torch.Tensor] | None = None  # (epoch, its permutation of the rows)

    @property
    def vocab(self) -> TokenVocabulary:
        return self.data.vocab

    def batch(self, k: int) -> torch.Tensor:
        """The rows of training step k (1, 2, ...): epoch (k - 1) // per_epoch, shuffled by its own seed."""
        epoch, index = divmod(k - 1, self.per_epoch)
        if self._epoch_order is None or self._epoch_order[0] != epoch:
            order = torch.randperm(
                len(self.data.rows), generator=training.generator(self.seed, training.TRAIN, epoch)
            )
            self._epoch_order = (epoch, order)
        return self._epoch_order[1].split(self.config.batch_size)[index]

    def _step_loss(self, k: int) -> torch.Tensor:
        batch = self.batch(k).tolist()
        ids, lengths = pad([self.data.rows[i] for i in batch])  # (B, longest), (B,)
        labels = self.data.labels[batch]  # (B,)
        logits = self.model(ids, lengths)  # (B,)
        self.train_accuracy.append(float(((logits > 0).float() == labels).float().mean()))
        return nn.functional.binary_cross_entropy_with_logits(logits, labels)

    def probabilities(self) -> np.ndarray:
        """P(positive) of every held-out text (N,)."""
        p = np.empty(len(self.data.test_order))
        p[self.data.test_order] = _predict_encoded(self.model, self.data.test_chunks)
        return p

    def evaluate(self) -> float:
        """The accuracy on the held-out texts (nan for none)."""
        if len(self.data.test) == 0:
            return float("nan")
        return float(np.mean((self.probabilities() > 0.5) == self.data.test.labels))

    def held_out_text(self) -> str:
        return f"test accuracy {100 * self.test_losses[-1]:.1f}%"


def step_work(config: SentimentConfig, data: Data) -> int:
    """Multiply-adds of the costliest training step on data, forward passes counted: one that also
    scores the model on the held-out texts (every test_every steps). Its batch forward and backward
    (about three forwards of batch_size texts as long as the longest), then every held-out chunk,
    each as long as its longest text, through the RNN (gate blocks x H x (input + H) a token, input:
    the embedding, or one-hot the vocabulary) and the MLP."""
    if config.kind == "bow":
        return (3 * config.batch_size + len(data.test)) * data.limit
    H, width = config.hidden_size, config.embed_dim if config.inputs == "embedding" else len(data.vocab)
    token = BLOCKS[config.kind] * H * (width + H)
    longest = max((len(r) for r in data.rows), default=1)
    tested = sum(ids.shape[0] * ids.shape[1] for ids, _ in data.test_chunks)
    return (3 * config.batch_size * longest + tested) * token + (
        3 * config.batch_size + len(data.test)
    ) * H * config.mlp_size


def trainer(config: SentimentConfig, data: Data | None = None) -> SentimentTrainer:
    """The classifier of `config`, untrained, on `data` (the built-in corpus unless given)."""
    return SentimentTrainer(config, data or data_for(config))


def upload_trainers(tweets: Corpus, seed: int = 0) -> tuple[SentimentTrainer, SentimentTrainer]:
    """The default LSTM and the bag of words, untrained, on a random 80 / 20 split of uploaded tweets
    (one vocabulary, from the training tweets, for both)."""
    data = prepare(*corpora.split(tweets, 0.2, seed=seed), limit=DEFAULT.token_limit)
    return trainer(DEFAULT, data), trainer(BAG_OF_WORDS, data)


def predict(model: nn.Module, vocab: TokenVocabulary, texts: Sequence[str], max_len: int = 50) -> np.ndarray:
    """P(positive) for each text (N,)."""
    return _predict_encoded(
        model, [encode(texts[s : s + TEST_CHUNK], vocab, max_len) for s in range(0, len(texts), TEST_CHUNK)]
    )


def _predict_encoded(model: nn.Module, chunks: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> np.ndarray:
    """P(positive) for chunks of already encoded texts (ids, lengths), concatenated (N,)."""
    model.eval()
    with torch.no_grad():
        out = [torch.sigmoid(model(ids, lengths)).numpy() for ids, lengths in chunks]
    return np.concatenate(out) if out else np.zeros(0)


@dataclass(frozen=True)
class Evaluation:
    """Test accuracy overall, on each kind of sentence and on the order and memory subsets, and the
    confusion matrix."""

    accuracy: float
    order_accuracy: (
        float  # on ORDER_KINDS (negation, late cue); nan when the corpus has none (uploaded tweets)
    )
    memory_accuracy: float  # on MEMORY_KINDS (early cue); nan likewise
    by_kind: dict[str, float]
    confusion: np.ndarray  # (2, 2): rows true negative / positive, columns predicted negative / positive


def evaluation(loop: SentimentTrainer, corpus: Corpus | None = None) -> Evaluation:
    """A trained classifier scored on `corpus` (its own held-out texts unless given)."""
    if corpus is None:
        corpus, p = loop.data.test, loop.probabilities()
    else:
        p = predict(loop.model, loop.vocab, corpus.texts, loop.data.limit)
    predicted = (p > 0.5).astype(int)
    right = predicted == corpus.labels
    kinds = np.asarray(corpus.kinds)

    def share(mask: np.ndarray) -> float:
        return float(right[mask].mean()) if mask.any() else float("nan")

    confusion = np.zeros((2, 2), dtype=int)
    np.add.at(confusion, (corpus.labels, predicted), 1)
    by_kind = {k: share(kinds == k) for k in dict.fromkeys(corpus.kinds)}
    return Evaluation(
        share(np.ones(len(corpus), bool)),
        share(np.isin(kinds, ORDER_KINDS)),
        share(np.isin(kinds, MEMORY_KINDS)),
        by_kind,
        confusion,
    )


KIND_NAMES = {"plain": "plain", "negation": "negation", "late_cue": "late cue", "early_cue": "early cue"}


def scores(result: Evaluation) -> dict[str, float]:
    """The accuracies of an evaluation by name (test, order subset, each kind), to 4 decimals."""
    return {
        "test_accuracy": round(result.accuracy, 4),
        "order_accuracy": round(result.order_accuracy, 4),
        **{f"{kind}_accuracy": round(value, 4) for kind, value in result.by_kind.items()},
    }


def accuracy_table(rows: dict[str, dict[str, float]]) -> dict[str, list]:
    """One row per model (its `scores`): the held-out accuracy overall and on each kind of sentence."""
    table: dict[str, list] = {"model": list(rows), "all": [r["test_accuracy"] for r in rows.values()]}
    for kind, label in KIND_NAMES.items():
        table[label] = [r.get(f"{kind}_accuracy", float("nan")) for r in rows.values()]
    return table


def shipped_scores() -> dict[str, dict[str, float]]:
    """The shipped models' scores on the held-out sentences, by model name, as measured when they were
    made (rnnviz/weights/NAME.json; tests/test_sentiment.py measures them again)."""
    from rnnviz import defaults  # imports this module: asked for here, not at import time

    return {SHIPPED[name].name: defaults.describe(name)["metrics"] for name in SHIPPED}


@dataclass(frozen=True)
class SentenceReading:
    """The model reading one text token by token (word by word, or character by character)."""

    tokens: tuple[str, ...]
    known: tuple[bool, ...]  # False: the word was read as <unk>
    probabilities: np.ndarray  # (T,) P(positive) from the readout of the first t words
    states: np.ndarray  # (T, H) the hidden states
    readout: str

    def table(self) -> dict[str, np.ndarray]:
        """One row per token: the token, whether it is known, P(positive) after it (for a CSV)."""
        return {
            "t": np.arange(1, len(self.tokens) + 1),
            "token": np.array(self.tokens, dtype=object),
            "known": np.array(self.known, dtype=int),
            "P(positive)": self.probabilities,
        }


def read_tweet(loop: SentimentTrainer, text: str) -> SentenceReading:
    """P(positive) after each token (the readout of the prefix: last state, running max or running
    mean) and the hidden states (T, H); unknown words are read as <unk>. ValueError for no words."""
    config, vocab = loop.config, loop.vocab
    if config.kind == "bow":
        raise ValueError("the bag of words has no hidden states to read")
    tokens = vocab.tokenize(text)[: config.token_limit]
    if not tokens:
        raise ValueError("Type at least one word.")
    model = loop.model
    ids = torch.tensor([vocab.ids(tokens)])  # (1, T)
    with torch.no_grad():
        h = model.states(ids)[0]  # (T, H)
        if config.readout == "last":
            pooled = h
        elif config.readout == "max":
            pooled = torch.cummax(h, dim=0).values
        else:
            pooled = torch.cumsum(h, dim=0) / torch.arange(1, len(tokens) + 1)[:, None]
        probabilities = torch.sigmoid(model.mlp(pooled).squeeze(-1))  # (T,)
    return SentenceReading(
        tuple(tokens), tuple(vocab.known(t) for t in tokens), probabilities.numpy(), h.numpy(), config.readout
    )


def snippet(config: SentimentConfig, text: str, seconds: float) -> str:
    """Notebook code that gets the page's model (a shipped default, loaded; another, trained again: about
    `seconds`) and reads `text` as the page does, ending with its `table` (SentenceReading.table)."""
    name = shipped_name(config)
    get = (
        f"loop = defaults.load({name!r})  # the shipped model the page shows"
        if name
        else f"loop = sentiment.trainer(sentiment.{config!r})  # on the generated corpus\n"
        f"loop.step(loop.steps)  # about {max(1, round(seconds))} s"
    )
    return f"""
from rnnviz import defaults, sentiment, training

training.set_threads(1)  # as the page: one thread, so the numbers match exactly
{get}
reading = sentiment.read_tweet(loop, {text!r})
table = reading.table()  # P(positive) after each token
"""


# --- the shipped defaults (rnnviz.defaults) ----------------------------------------------------------

DEFAULT = SentimentConfig()  # the page's default model: an LSTM reading words, its last state read out
BAG_OF_WORDS = SentimentConfig(kind="bow", epochs=10, lr=0.05, batch_size=128, clip=0.0)  # the baseline
# The models the page shows without a click, by default name: the LSTM and a tanh RNN with each readout
# (the RNN's last state forgets an early cue, its pooled readouts and the LSTM's last state keep it),
# a GRU's last state (the third kind beside them in the gradient horizon), and the bag of words.
# the third kind, for the gradient horizon (rnnviz.connectivity)
SHIPPED = {
    "sentiment": DEFAULT,
    "sentiment_max": replace(DEFAULT, readout="max"),
    "sentiment_average": replace(DEFAULT, readout="average"),
    "sentiment_rnn": replace(DEFAULT, kind="rnn"),
    "sentiment_rnn_max": replace(DEFAULT, kind="rnn", readout="max"),
    "sentiment_rnn_average": replace(DEFAULT, kind="rnn", readout="average"),
    "sentiment_gru": replace(DEFAULT, kind="gru"),
    "sentiment_bow": BAG_OF_WORDS,
}


def shipped_name(config: SentimentConfig) -> str | None:
    """The name of the shipped default trained at exactly these settings, if there is one."""
    return next((name for name, shipped in SHIPPED.items() if shipped == config), None)


# the check's held-out sample: 400 sentences from the held-out cues, generated with seed 99
SAMPLE = (
    400,
    99,
)


def held_out_sample() -> Corpus:
    """400 new sentences from the held-out cues (another sample than the test set's)."""
    n, seed = SAMPLE
    return corpora.generate(n, seed=seed, cues=corpora.cue_split(0)[1])


def measure(loop: SentimentTrainer) -> dict:
    """Test accuracy overall, on each kind and on the word-order subset; and on the check's sample."""
    return {
        **scores(evaluation(loop)),
        "sample_accuracy": round(evaluation(loop, held_out_sample()).accuracy, 4),
    }


def check(loop: SentimentTrainer) -> tuple[str, float]:
    """The accuracy on the small held-out sample, measured again."""
    return "sample_accuracy", evaluation(loop, held_out_sample()).accuracy


def _default(name: str) -> Default:
    config = SHIPPED[name]
    return Default(name, lambda: trainer(config), lambda: asdict(config), measure, check, tolerance=0.006)


DEFAULTS = [_default(name) for name in SHIPPED]
