"""Text data for the sentiment lab: a corpus generated from templates, and a loader for Sentiment140 files.

The generated corpus is not real tweets: every sentence is filled in from templates, so that what
decides its label is known and a model can be scored on each kind of sentence separately:
- plain: one clause that says it ("the movie was really great");
- negation: a negated clause ("the food was not good", "i was never disappointed by the hotel"),
  whose sentiment word says the opposite of the label;
- late_cue: a clause of the opposite sentiment, then one that counts ("the acting was great, but
  the ending was awful"): both sentiment words in every such sentence, the later one decides;
- early_cue: the clause that counts first, then 4 to 51 neutral words ("the trip was awful and
  then we went home with my sister and her friends ..."): whatever reads only the last hidden state
  must carry the cue across all of them.
In these two kinds (ORDER_KINDS) word order decides: a negation's sentiment word says the opposite of
its label, so a bag of words that weighs words gets it backwards; a late cue holds one positive and one
negative word, so a bag of words can only guess. Labels: 1 positive, 0 negative.

The held-out sentences are built from cues (a subject with a sentiment word: "the movie ... great")
that no training sentence contains (`cue_split`): no held-out sentence, and no clause of one that
holds a sentiment word, is seen in training; the neutral phrases, openers and closers are shared, and
every word is seen.

`load_sentiment140` reads the CSV format of Sentiment140 (polarity, id, date, query, user, text;
no header; polarity 0 negative, 4 positive, 2 neutral rows skipped) from the bytes of an upload.

Character corpora, for the character-level language model: documents of real text that every Python
installation carries (the standard library's own source, found through sysconfig), rnnviz's own
source, or an uploaded UTF-8 file cut into documents; split into training and held-out documents.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import sysconfig
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SENTENCE_KINDS = ("plain", "negation", "late_cue", "early_cue")
ORDER_KINDS = ("negation", "late_cue")  # the kinds where word order decides the label: a bag of words cannot
MEMORY_KINDS = ("early_cue",)  # the kinds where the last hidden state must carry the cue across many words
MIX = (0.25, 0.25, 0.25, 0.25)  # the share of each kind
HELD_OUT_CUES = 0.2  # the share of cues (subject + sentiment word) kept for the held-out sentences
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # .streamlit/config.toml: server.maxUploadSize = 10 (MB)
SENTIMENT140_COLUMNS = ("polarity", "id", "date", "query", "user", "text")
SENTIMENT140_BALANCED = (
    "Sentiment140's training file is sorted by polarity (800,000 negative tweets, then 800,000 positive), so a "
    "file cut from its head is all negative. Take rows from both ends: "
    "`(head -n 10000 training.1600000.processed.noemoticon.csv; tail -n 10000 training.1600000.processed.noemoticon.csv)"
    " > balanced.csv` makes 20,000 tweets, half of each polarity, in about 3 MB (the limit is 10 MB)."
)

SUBJECTS = (
    "the movie",
    "the food",
    "this phone",
    "the service",
    "my day",
    "the show",
    "the hotel",
    "this album",
    "the game",
    "the concert",
    "the book",
    "the coffee",
    "the trip",
    "the acting",
    "the ending",
    "the weather",
)
POSITIVE = (
    "good",
    "great",
    "amazing",
    "wonderful",
    "lovely",
    "fantastic",
    "excellent",
    "fun",
    "awesome",
    "perfect",
    "brilliant",
    "nice",
)
NEGATIVE = (
    "bad",
    "awful",
    "terrible",
    "horrible",
    "boring",
    "disappointing",
    "poor",
    "dull",
    "rubbish",
    "awkward",
    "annoying",
    "lame",
)
# feelings, with the word that leads to their subject ("i was never disappointed by the hotel")
FEEL_POSITIVE = {
    "happy": "with",
    "impressed": "by",
    "pleased": "with",
    "excited": "about",
    "satisfied": "with",
}
FEEL_NEGATIVE = {"disappointed": "by", "bored": "by", "annoyed": "by", "upset": "about", "angry": "about"}
INTENSIFIERS = ("really", "so", "very", "totally", "super", "quite", "extremely")
NEGATORS = ("not", "never")
VERBS = ("was", "is")
OPENERS = ("omg", "honestly", "well", "ok", "so", "today", "wow", "just saw it")
CLOSERS = ("lol", "today", "tbh", "again", "#weekend", "for sure", "haha")
CONTRASTS = ("but", "but then", "however", "although in the end")
# neutral phrases: no sentiment in them, the same for both labels
NEUTRAL = (
    "and then we went home",
    "after a long day at work",
    "with my sister and her friends",
    "on the way back from the station",
    "while we waited for the bus",
    "before the rain started",
    "at the place near the park",
    "and we talked about the weekend",
    "and my brother drove us there",
    "on a tuesday night in march",
    "with two friends from school",
    "after we parked the car",
    "and we took the train back",
    "in the middle of the city",
    "while my phone was charging",
    "and i had a cup of tea",
    "then we walked along the river",
    "and everyone was there by eight",
    "after the meeting at the office",
    "and we sat near the window",
    "during the first week of june",
    "and the tickets were on the table",
    "with my parents and the dog",
    "and then i called my cousin",
)
TAIL_PHRASES = (1, 8)  # an early cue is followed by this many neutral phrases (4 to 51 words)

# (a feeling?, positive word?) -> (subject, word) pairs
Cues = dict[tuple[bool, bool], tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Corpus:
    """Sentences with labels (1 positive, 0 negative) and kinds (SENTENCE_KINDS, or "tweet" for an upload)."""

    texts: tuple[str, ...]
    labels: np.ndarray  # (N,) int64
    kinds: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, kinds: tuple[str, ...]) -> Corpus:
        """The sentences of the given kinds."""
        keep = [i for i, k in enumerate(self.kinds) if k in kinds]
        return Corpus(
            tuple(self.texts[i] for i in keep), self.labels[keep], tuple(self.kinds[i] for i in keep)
        )


def all_cues() -> Cues:
    """Every cue of the templates: a subject with a sentiment word, grouped by (feeling?, positive?)."""
    words = {
        (False, True): POSITIVE,
        (False, False): NEGATIVE,
        (True, True): FEEL_POSITIVE,
        (True, False): FEEL_NEGATIVE,
    }
    return {group: tuple((s, w) for w in options for s in SUBJECTS) for group, options in words.items()}


def cue_split(seed: int = 0, held_out: float = HELD_OUT_CUES) -> tuple[Cues, Cues]:
    """The cues of the training sentences and those of the held-out ones: a random share `held_out` of
    each group, the same for the same seed; no cue on both sides."""
    rng = np.random.default_rng([seed, 1])
    train, test = {}, {}
    for group, cues in all_cues().items():
        order = rng.permutation(len(cues))
        n_test = round(held_out * len(cues))
        test[group] = tuple(cues[i] for i in sorted(order[:n_test]))
        train[group] = tuple(cues[i] for i in sorted(order[n_test:]))
    return train, test


SENTIMENT_WORDS = frozenset((*POSITIVE, *NEGATIVE, *FEEL_POSITIVE, *FEEL_NEGATIVE))


def cue_distance(text: str) -> int:
    """How many words follow the last sentiment word of a generated sentence (-1: it has none): how
    far the last hidden state has to carry the cue."""
    words = text.replace(",", " ").split()
    last = max((i for i, w in enumerate(words) if w in SENTIMENT_WORDS), default=None)
    return -1 if last is None else len(words) - 1 - last


def _pick(rng: np.random.Generator, options) -> str:
    return options[int(rng.integers(len(options)))]


def _clause(rng: np.random.Generator, positive: bool, negated: bool, cues: Cues) -> str:
    """One clause whose meaning is `positive` (after the negation, if any)."""
    words_positive = positive != negated  # a negation flips the polarity of the word it negates
    verb = _pick(rng, VERBS)
    not_ = f"{_pick(rng, NEGATORS)} " if negated else ""
    if rng.random() < (0.4 if negated else 0.25):
        subject, feeling = _pick(rng, cues[(True, words_positive)])
        lead = (FEEL_POSITIVE if words_positive else FEEL_NEGATIVE)[feeling]
        return f"i {'am' if verb == 'is' else verb} {not_}{feeling} {lead} {subject}"
    subject, adjective = _pick(rng, cues[(False, words_positive)])
    intensifier = _pick(rng, INTENSIFIERS) + " " if rng.random() < 0.4 else ""
    return f"{subject} {verb} {not_}{intensifier}{adjective}"


def _neutral(rng: np.random.Generator, n: int) -> str:
    """n different neutral phrases, one after the other."""
    return " ".join(NEUTRAL[i] for i in rng.choice(len(NEUTRAL), size=n, replace=False))


def _sentence(rng: np.random.Generator, positive: bool, kind: str, cues: Cues) -> str:
    if kind == "plain":
        body = _clause(rng, positive, negated=False, cues=cues)
    elif kind == "negation":
        body = _clause(rng, positive, negated=True, cues=cues)
    elif kind == "late_cue":  # an opening clause of the opposite sentiment, then the one that counts
        first = _clause(rng, not positive, negated=False, cues=cues)
        body = f"{first}, {_pick(rng, CONTRASTS)} {_clause(rng, positive, negated=False, cues=cues)}"
    else:  # early_cue: the clause that counts, then many neutral words
        tail = _neutral(rng, int(rng.integers(TAIL_PHRASES[0], TAIL_PHRASES[1] + 1)))
        body = f"{_clause(rng, positive, negated=False, cues=cues)} {tail}"
    if rng.random() < 0.3:
        body = f"{_pick(rng, OPENERS)} {body}"
    if rng.random() < 0.3 and kind != "early_cue":  # an early cue's sentence ends on neutral words
        body = f"{body} {_pick(rng, CLOSERS)}"
    return body


def generate(n: int, seed: int = 0, mix: tuple[float, ...] = MIX, cues: Cues | None = None) -> Corpus:
    """n sentences from the templates, the same for the same seed, built from `cues` (all of them by
    default); within each kind half are positive."""
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if len(mix) != len(SENTENCE_KINDS) or min(mix) < 0 or sum(mix) <= 0:
        raise ValueError(
            f"mix must be {len(SENTENCE_KINDS)} non-negative weights, for {', '.join(SENTENCE_KINDS)}"
        )
    cues = all_cues() if cues is None else cues
    rng = np.random.default_rng(seed)
    counts = np.floor(np.asarray(mix) / sum(mix) * n / 2).astype(int) * 2  # even counts: balanced labels
    counts[0] += n - counts.sum()  # the rest (even when n is) to plain
    texts, labels, kinds = [], [], []
    for kind, count in zip(SENTENCE_KINDS, counts, strict=True):
        for i in range(int(count)):
            positive = i % 2 == 0
            texts.append(_sentence(rng, positive, kind, cues))
            labels.append(int(positive))
            kinds.append(kind)
    order = rng.permutation(len(texts))
    return Corpus(
        tuple(texts[i] for i in order),
        np.asarray(labels, dtype=np.int64)[order],
        tuple(kinds[i] for i in order),
    )


def builtin(n_train: int = 8000, n_test: int = 2000, seed: int = 0) -> tuple[Corpus, Corpus]:
    """The built-in corpus: training sentences and held-out ones, built from disjoint cues (cue_split)."""
    train_cues, test_cues = cue_split(seed)
    return generate(n_train, seed=2 * seed, cues=train_cues), generate(
        n_test, seed=2 * seed + 1, cues=test_cues
    )


def split(corpus: Corpus, test_fraction: float = 0.2, seed: int = 0) -> tuple[Corpus, Corpus]:
    """A random train / test split of a corpus (e.g. an uploaded one)."""
    train_idx, test_idx = _split_indices(len(corpus), test_fraction, seed, "sentences")

    def take(idx: np.ndarray) -> Corpus:
        return Corpus(
            tuple(corpus.texts[i] for i in idx), corpus.labels[idx], tuple(corpus.kinds[i] for i in idx)
        )

    return take(train_idx), take(test_idx)


def _split_indices(n: int, test_fraction: float, seed: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """A random split of range(n) into training and held-out indices, at least one on each side."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    if n < 2:
        raise ValueError(f"need at least 2 {what} to split")
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(max(1, round(n * test_fraction)), n - 1)
    return order[n_test:], order[:n_test]


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 10:
        raise ValueError(
            "This file looks like UTF-16 text; save it as UTF-8 or latin-1 (as Sentiment140 ships)."
        )
    if b"\x00" in data:
        raise ValueError("This file is binary, not a CSV text file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # Sentiment140's own encoding; every byte decodes
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n") + sum(
        1 for ch in sample if 0x7F <= ord(ch) < 0xA0
    )
    if controls > 0.01 * len(sample):
        raise ValueError("This file is binary (or in an unknown encoding), not a CSV text file.")
    return text


MAX_CSV_LINE_CHARS = 10_000  # a Sentiment140 row is a few hundred characters (see _bounded_lines)
MAX_CSV_ROWS = 200_000  # 10 MB of real tweets is about 70,000 rows


def _bounded_lines(text: str):
    """The lines of a CSV text, refusing one longer than MAX_CSV_LINE_CHARS or more lines than
    MAX_CSV_ROWS before the csv module splits them: a line of commas alone would be a row of
    millions of cells (80 MB of list for a 10 MB upload)."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_CSV_LINE_CHARS:
            raise ValueError(
                f"Line {number} has {len(line):,} characters; a Sentiment140 row has a few hundred "
                f"(the page reads lines of up to {MAX_CSV_LINE_CHARS:,})."
            )
        if number > MAX_CSV_ROWS:
            raise ValueError(
                f"The file has more than {MAX_CSV_ROWS:,} lines; the page reads up to that many "
                "(and trains on a sample of them)."
            )
        yield line


def load_sentiment140(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int | None = None) -> Corpus:
    """Texts and labels from the bytes of a Sentiment140 CSV (latin-1 or UTF-8); ValueError with a
    plain message for an empty, too large, binary or malformed file, or one of a single polarity
    (which says how to cut a balanced file). Neutral rows (2) are skipped. With max_rows, a random
    max_rows of the tweets (seed 0, in file order): not the first ones, which a file sorted by
    polarity would give all of one kind."""
    if len(data) == 0:
        raise ValueError("The file is empty.")
    if len(data) > max_bytes:
        raise ValueError(f"The file has {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.")
    text = _decode(data)
    texts, labels = [], []
    try:
        for line, row in enumerate(csv.reader(_bounded_lines(text)), start=1):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != 6:
                raise ValueError(
                    f"Line {line} has {len(row)} column(s); a Sentiment140 file has 6, without a header: "
                    + ", ".join(SENTIMENT140_COLUMNS)
                    + "."
                )
            polarity = row[0].strip().strip('"')
            if line == 1 and polarity.lower() == "polarity":
                continue  # a header row: tolerated
            if polarity not in ("0", "2", "4"):
                raise ValueError(
                    f"Line {line}: the polarity (first column) must be 0, 2 or 4, got {polarity[:20]!r}."
                )
            if polarity != "2":
                texts.append(row[5])
                labels.append(1 if polarity == "4" else 0)
    except csv.Error as error:
        raise ValueError(f"This is not a readable CSV file: {error}.") from None
    if not texts:
        raise ValueError("The file has no positive (4) or negative (0) tweets.")
    if len(set(labels)) < 2:
        only = "positive (4)" if labels[0] == 1 else "negative (0)"
        raise ValueError(f"The file has {only} tweets only; a classifier needs both. {SENTIMENT140_BALANCED}")
    if max_rows is not None and len(texts) > max_rows:
        keep = np.sort(np.random.default_rng(0).choice(len(texts), size=max_rows, replace=False))
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    return Corpus(tuple(texts), np.asarray(labels, dtype=np.int64), ("tweet",) * len(texts))


# --- Character corpora: documents of text for the character-level language model -------------------

# the default corpus: at most about 10 million characters of the standard library
STDLIB_MAX_CHARS = 10_000_000
# larger files (_pydecimal, typing, turtle, pydoc's topics) would crowd out the rest
STDLIB_MAX_FILE_CHARS = 100_000
# Folders never read: tests (test/, tests/: lib2to3/tests, idlelib/idle_test), installed packages, caches.
STDLIB_SKIPPED_FOLDERS = frozenset({"test", "tests", "idle_test", "site-packages", "__pycache__"})
# The 70 charmap codecs of encodings/ (cp1252.py, ...): tables generated by gencodec.py, 1.3 million characters of
# "'\x80' # 0x80 -> EURO SIGN" lines, not code anyone wrote; a held-out one would flatter the score.
GENERATED_MARK = "Python Character Mapping Codec"  # how each begins, after its opening quotes
MIN_UPLOAD_CHARS = 2_000  # less text than this cannot train (or test) a language model
UPLOAD_DOCUMENT_CHARS = 2_000  # an upload is cut at blank lines into documents of at least this


@dataclass(frozen=True)
class CharCorpus:
    """Documents of text (source files, or the pieces of an upload) with the names they came from."""

    name: str
    documents: tuple[str, ...]
    sources: tuple[str, ...]  # a file name per document

    def __len__(self) -> int:
        return len(self.documents)

    @property
    def chars(self) -> int:
        """The number of characters of all documents together."""
        return sum(len(d) for d in self.documents)


def stdlib_root() -> Path:
    """The folder of the standard library's source files (sysconfig's "stdlib" path)."""
    return Path(sysconfig.get_paths()["stdlib"])


def _read_sources(
    paths: list[Path], root: Path, max_chars: float, max_file_chars: float
) -> tuple[list[str], list[str]]:
    documents, sources, total = [], [], 0
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # unreadable or not UTF-8: skipped, the corpus is whatever reads
        if (
            not text.strip()
            or len(text) > max_file_chars
            or text[:40].lstrip('" ').startswith(GENERATED_MARK)
        ):
            continue
        documents.append(text)
        sources.append(path.relative_to(root).as_posix())
        total += len(text)
        if total >= max_chars:
            break
    return documents, sources


def stdlib_sources(root: Path | None = None) -> list[Path]:
    """Every .py file of the standard library, packages included (email/, json/, asyncio/, ...), but no
    tests and nothing installed (STDLIB_SKIPPED_FOLDERS), in a fixed pseudo-random order: by CRC-32 of the
    path inside the library, the same on every machine and Python version, and not alphabetical (which
    would give a corpus of a* to m* modules when it is cut)."""
    root = stdlib_root() if root is None else Path(root)
    paths = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in STDLIB_SKIPPED_FOLDERS]  # not walked into
        paths += [Path(folder, name) for name in files if name.endswith(".py")]
    named = [(path.relative_to(root).as_posix(), path) for path in paths]
    return [path for name, path in sorted(named, key=lambda pair: (zlib.crc32(pair[0].encode()), pair[0]))]


def stdlib_corpus(max_chars: int = STDLIB_MAX_CHARS, root: Path | None = None) -> CharCorpus:
    """Python's own standard library source (stdlib_sources: its modules and packages, no tests), every
    file of at most STDLIB_MAX_FILE_CHARS characters but the generated codec tables, in stdlib_sources'
    fixed order, up to about max_chars characters."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    root = stdlib_root() if root is None else Path(root)
    documents, sources = _read_sources(stdlib_sources(root), root, max_chars, STDLIB_MAX_FILE_CHARS)
    if len(documents) < 2:
        raise ValueError(
            f"found fewer than 2 readable .py files in {root}; this Python has no stdlib sources"
        )
    return CharCorpus(
        f"the standard library of Python {platform.python_version()}", tuple(documents), tuple(sources)
    )


def rnnviz_corpus() -> CharCorpus:
    """rnnviz's own source: the .py files of rnnviz/, pages/ and ui/, in name order."""
    repository = Path(__file__).resolve().parents[1]
    paths = [p for folder in ("rnnviz", "pages", "ui") for p in sorted((repository / folder).rglob("*.py"))]
    documents, sources = _read_sources(paths, repository, float("inf"), float("inf"))
    if len(documents) < 2:
        raise ValueError(f"found fewer than 2 readable .py files under {repository}")
    return CharCorpus("rnnviz's own source", tuple(documents), tuple(sources))


def _documents_of(text: str, min_chars: int) -> list[str]:
    """The text cut into documents of at least min_chars characters, at blank lines where it can be,
    else at line ends once a document reaches 4 * min_chars."""
    documents, lines, size = [], [], 0
    for line in text.splitlines(keepends=True):
        if size >= min_chars and (not line.strip() or size >= 4 * min_chars):
            documents.append("".join(lines))
            lines, size = [], 0
            if not line.strip():
                continue  # the blank line is where one document ends and the next begins
        lines.append(line)
        size += len(line)
    if lines:
        if documents and size < min_chars // 2:
            documents[-1] += "".join(lines)  # a short tail joins the last document
        else:
            documents.append("".join(lines))
    return documents


def load_text(data: bytes, name: str = "upload", max_bytes: int = MAX_UPLOAD_BYTES) -> CharCorpus:
    """A corpus from the bytes of an uploaded UTF-8 text file, cut at blank lines into documents of at
    least 2,000 characters (the last at least 1,000: _documents_of); ValueError with a plain message for
    an empty, too large, binary, non-UTF-8 or too short file."""
    if len(data) == 0:
        raise ValueError("The file is empty.")
    if len(data) > max_bytes:
        raise ValueError(f"The file has {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:100_000]:
        raise ValueError("This file is binary (or UTF-16), not UTF-8 text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"This file is not UTF-8 text (byte {error.start} cannot be decoded); save it as UTF-8."
        ) from None
    sample = text[:100_000]
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0x7F <= ord(ch) < 0xA0)
    if controls > 0.01 * len(sample):
        raise ValueError("This file is binary, not text: it is full of control characters.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text.strip()) < MIN_UPLOAD_CHARS:
        raise ValueError(
            f"The file has {len(text.strip()):,} characters of text; at least {MIN_UPLOAD_CHARS:,} are needed."
        )
    documents = _documents_of(text, UPLOAD_DOCUMENT_CHARS)
    return CharCorpus(name, tuple(documents), tuple(f"{name} (part {i + 1})" for i in range(len(documents))))


def split_documents(
    corpus: CharCorpus, test_fraction: float = 0.1, seed: int = 0
) -> tuple[CharCorpus, CharCorpus]:
    """Training and held-out documents: a random split by document, the same for the same seed;
    at least one document on each side."""
    train_idx, test_idx = _split_indices(len(corpus), test_fraction, seed, "documents")

    def take(idx: np.ndarray, part: str) -> CharCorpus:
        return CharCorpus(
            f"{corpus.name} ({part})",
            tuple(corpus.documents[i] for i in sorted(idx)),
            tuple(corpus.sources[i] for i in sorted(idx)),
        )

    return take(train_idx, "training"), take(test_idx, "held out")
