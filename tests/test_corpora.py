"""The generated sentiment corpus, the Sentiment140 loader and the standard library as a character corpus."""

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
    for kind in corpora.SENTENCE_KINDS:
        assert (kinds == kind).sum() > 200 and corpus.labels[kinds == kind].mean() == 0.5


def test_the_corpus_has_negations_and_late_cues():
    corpus = corpora.generate(400, seed=1)
    negations = corpus.subset(("negation",))
    assert all(" not " in f" {t} " or " never " in f" {t} " for t in negations.texts)
    late = corpus.subset(("late_cue",))
    assert all("," in t for t in late.texts)
    assert set(corpus.subset(corpora.ORDER_KINDS).kinds) == set(corpora.ORDER_KINDS)


def test_the_held_out_sentences_share_no_sentence_and_no_cue_with_training_but_every_word():
    train, test = corpora.builtin()
    assert len(train) == 8000 and len(test) == 2000
    assert not set(train.texts) & set(test.texts)
    train_cues, test_cues = corpora.cue_split(0)
    for group, cues in corpora.all_cues().items():
        assert set(train_cues[group]) | set(test_cues[group]) == set(cues)
        assert not set(train_cues[group]) & set(test_cues[group]) and len(test_cues[group]) == round(
            0.2 * len(cues)
        )

    def cues_in(text: str) -> set[tuple[str, str]]:
        # a cue is a subject and a sentiment word in one clause (clauses are cut at commas)
        return {
            (subject, word)
            for clause in text.split(",")
            for subject in corpora.SUBJECTS
            for word in corpora.SENTIMENT_WORDS
            if f"{subject} " in f"{clause} " and f" {word} " in f" {clause} "
        }

    seen = set().union(*map(cues_in, train.texts))
    held_out = set().union(*map(cues_in, test.texts))
    assert held_out and not seen & held_out
    assert all(cues_in(t) for t in test.texts)  # every held-out sentence has its cue
    assert {w for t in test.texts for w in t.replace(",", " ").split()} <= {
        w for t in train.texts for w in t.replace(",", " ").split()
    }


def test_order_kinds_defeat_a_bag_of_words_and_early_cues_need_memory():
    corpus = corpora.generate(2000, seed=4)
    positive_words = set(corpora.POSITIVE) | set(corpora.FEEL_POSITIVE)
    negative_words = set(corpora.NEGATIVE) | set(corpora.FEEL_NEGATIVE)
    for text, label, kind in zip(corpus.texts, corpus.labels, corpus.kinds, strict=True):
        words = text.replace(",", " ").split()
        n_positive, n_negative = (
            sum(w in positive_words for w in words),
            sum(w in negative_words for w in words),
        )
        if kind == "negation":  # the one sentiment word says the opposite of the label
            assert (n_positive, n_negative) == ((0, 1) if label else (1, 0))
        elif kind == "late_cue":  # one of each: the words alone cannot tell
            assert (n_positive, n_negative) == (1, 1)
        else:  # plain, early cue: one word, the label's
            assert (n_positive, n_negative) == ((1, 0) if label else (0, 1))
    # a tail: 1 to 8 different phrases
    phrase_words = sorted(len(phrase.split()) for phrase in corpora.NEUTRAL)
    # 4 to 51 words
    assert corpora.TAIL_PHRASES == (1, 8) and phrase_words[0] == 4 and sum(phrase_words[-8:]) == 51
    distances = [corpora.cue_distance(t) for t in corpus.subset(("early_cue",)).texts]
    assert min(distances) >= 4 and max(distances) <= 55 and np.mean(distances) > 20
    # elsewhere the cue ends a sentence, give or take "about the show" and a closer ("for sure")
    assert max(corpora.cue_distance(t) for t in corpus.subset(("plain", "negation", "late_cue")).texts) <= 5


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
        (b'"4","1","d","q","u","only positive"\n', "positive .4. tweets only.*head -n 10000.*tail -n 10000"),
        (b'"2","1","d","q","u","neutral"\n', "no positive"),
    ],
)
def test_loader_rejects_bad_files_with_a_plain_message(data, message):
    with pytest.raises(ValueError, match=message):
        corpora.load_sentiment140(data)


def test_loader_refuses_files_over_the_size_limit():
    with pytest.raises(ValueError, match="limit"):
        corpora.load_sentiment140(GOOD.encode() * 10, max_bytes=100)


def test_a_file_sorted_by_polarity_is_sampled_from_both_ends_when_cut():
    rows = [f'"{0 if i < 900 else 4}","{i}","d","q","u","tweet {i}"' for i in range(1000)]
    tweets = corpora.load_sentiment140("\n".join(rows).encode(), max_rows=200)
    assert len(tweets) == 200 and 0 < tweets.labels.sum() < 200  # the first 200 rows would all be negative
    assert list(tweets.texts) == sorted(tweets.texts, key=lambda t: int(t.split()[1]))  # in file order


def test_the_balanced_cut_the_page_suggests_fits_the_upload_limit():
    # 20,000 rows of Sentiment140 (238.8 MB for 1.6 million: about 150 bytes a row, 3 MB; 200 here) stay under 10 MB
    assert "head -n 10000" in corpora.SENTIMENT140_BALANCED and 20_000 * 200 < corpora.MAX_UPLOAD_BYTES


# --- The standard library as a character corpus ---------------------------------------------------------


def test_the_stdlib_corpus_reads_packages_but_no_tests_nothing_installed_and_no_generated_tables():
    corpus = corpora.stdlib_corpus()
    folders = {source.split("/")[0] for source in corpus.sources if "/" in source}
    assert {"email", "json", "asyncio", "importlib", "xml"} <= folders  # packages, read recursively
    parts = {part for source in corpus.sources for part in source.split("/")[:-1]}
    assert not parts & corpora.STDLIB_SKIPPED_FOLDERS  # no test/, tests/, idle_test/, site-packages/
    assert "encodings/cp1252.py" not in corpus.sources and "encodings/idna.py" in corpus.sources
    assert all(0 < len(d) <= corpora.STDLIB_MAX_FILE_CHARS for d in corpus.documents)
    assert len(set(corpus.sources)) == len(corpus) and all(s.endswith(".py") for s in corpus.sources)
    # Python 3.11 (the version this lab is made on) holds about 8.5 million characters in 650 such files
    assert 5_000_000 < corpus.chars <= corpora.STDLIB_MAX_CHARS and len(corpus) > 400


def test_the_stdlib_corpus_is_cut_in_a_fixed_order_at_its_cap(tmp_path):
    for name in [
        "a.py",
        "b.py",
        "pkg/c.py",
        "pkg/tests/test_c.py",
        "test/test_a.py",
        "site-packages/x/y.py",
        "pkg/idle_test/z.py",
        "enc/cp1.py",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n" + "x = 1\n" * 10)
    (tmp_path / "enc/cp1.py").write_text('""" Python Character Mapping Codec cp1 generated from x\n"""\n')
    (tmp_path / "notes.txt").write_text("not python")
    corpus = corpora.stdlib_corpus(root=tmp_path)
    assert sorted(corpus.sources) == ["a.py", "b.py", "pkg/c.py"]
    assert corpora.stdlib_corpus(root=tmp_path).sources == corpus.sources  # the same order every time
    # stops at the file that passes the cap
    two = corpora.stdlib_corpus(max_chars=len(corpus.documents[0]) + 1, root=tmp_path)
    assert two.sources == corpus.sources[:2]
    with pytest.raises(ValueError, match="fewer than 2"):
        corpora.stdlib_corpus(max_chars=1, root=tmp_path)
