"""The generated sentiment corpus and the Sentiment140 loader."""

import numpy as np
import pytest

from rnnviz import corpora


def test_generator_is_deterministic_by_seed():
    a, b, c = corpora.generate(300, seed=5), corpora.generate(300, seed=5), corpora.generate(300, seed=6)
    assert a.texts == b.texts and np.array_equal(a.labels, b.labels) and a.kinds == b.kinds
    assert a.texts != c.texts


def test_labels_are_balanced_overall_and_within_each_kind():
    corpus = corpora.generate(1000, seed=0)
    assert corpus.labels.mean() == 0.5 and len(corpus) == 1000
    kinds = np.asarray(corpus.kinds)
    for kind in corpora.KINDS:
        assert (kinds == kind).sum() > 200 and corpus.labels[kinds == kind].mean() == 0.5


def test_the_corpus_has_negations_and_late_cues():
    corpus = corpora.generate(400, seed=1)
    negations = corpus.subset(("negation",))
    assert all(" not " in f" {t} " or " never " in f" {t} " for t in negations.texts)
    late = corpus.subset(("late_cue",))
    assert all("," in t for t in late.texts)
    assert set(corpus.subset(corpora.ORDER_KINDS).kinds) == set(corpora.ORDER_KINDS)


def test_builtin_train_and_test_splits_differ():
    train, test = corpora.builtin(n_train=200, n_test=100, seed=0)
    assert len(train) == 200 and len(test) == 100 and train.texts[:20] != test.texts[:20]


GOOD = (
    '"0","1467810369","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","_TheSpecialOne_","@switchfoot awww, that\'s a bummer"\n'
    '"4","1467822272","Mon Apr 06 22:22:45 PDT 2009","NO_QUERY","ersle","I LOVE @Health4UandPets u guys r the best!! caf\xe9"\n'
    '"2","1467822273","Mon Apr 06 22:22:46 PDT 2009","NO_QUERY","x","neutral, skipped"\n'
)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_loader_reads_a_good_file(encoding):
    corpus = corpora.load_sentiment140(GOOD.encode(encoding))
    assert corpus.labels.tolist() == [0, 1]
    assert corpus.texts[1].endswith("best!! caf\xe9") and "bummer" in corpus.texts[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"a,b,c\n1,2,3\n", "6"),
        (b'"7","1","d","q","u","text"\n', "polarity"),
        (GOOD.encode("utf-16"), "UTF-16"),
        (bytes(range(256)) * 40, "binary"),
        (
            b"\x89PNG\r\n\x1a\n" + bytes(np.random.default_rng(0).integers(1, 256, 3000, dtype=np.uint8)),
            "binary",
        ),
        (b'"4","1","d","q","u","only positive"\n', "one polarity"),
        (b'"2","1","d","q","u","neutral"\n', "no positive"),
    ],
)
def test_loader_rejects_bad_files_with_a_plain_message(data, message):
    with pytest.raises(ValueError, match=message):
        corpora.load_sentiment140(data)


def test_loader_refuses_files_over_the_size_limit():
    with pytest.raises(ValueError, match="limit"):
        corpora.load_sentiment140(GOOD.encode() * 10, max_bytes=100)
