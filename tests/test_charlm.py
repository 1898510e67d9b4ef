"""The character-level language model: corpora, vocabulary, entropy, training, sampling, saving."""

import dataclasses
import io
import math
import subprocess
import threading
import zipfile
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnviz import charlm, corpora, defaults, training

ROOT = Path(__file__).resolve().parents[1]
TINY = charlm.CharLMConfig(
    kind="lstm",
    layers=1,
    hidden_size=32,
    embed_dim=8,
    window=32,
    batch_size=16,
    lr=1e-2,
    steps=200,
    test_every=20,
    test_chars=512,
)


@pytest.fixture(scope="module")
def data() -> charlm.CharData:
    return charlm.prepare(corpora.stdlib_corpus(), seed=0)


@pytest.fixture(scope="module")
def trained(data) -> charlm.CharTrainer:
    training.set_threads(1)
    trainer = charlm.CharTrainer(data, TINY)
    trainer.step(80)
    return trainer


def test_the_stdlib_corpus_is_found_by_a_fresh_interpreter(tmp_path):
    # -I: isolated mode (no PYTHONPATH, no user site, cwd not on the path), from an empty folder
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from rnnviz import corpora\n"
        "c = corpora.stdlib_corpus(); print(len(c), c.chars, c.sources[0])"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    n_documents, n_chars, first = out.stdout.split()
    assert (
        int(n_documents) >= 20
        and 1_000_000 <= int(n_chars) < corpora.STDLIB_MAX_CHARS + corpora.STDLIB_MAX_FILE_CHARS
    )
    assert first.endswith(".py")
    again = corpora.stdlib_corpus()
    assert again.sources == corpora.stdlib_corpus().sources and again.sources[0] == first  # deterministic


def test_a_folder_without_sources_is_a_plain_error(tmp_path):
    with pytest.raises(ValueError, match="no stdlib sources"):
        corpora.stdlib_corpus(root=tmp_path)


def test_the_split_is_by_document_and_fixed_by_the_seed():
    corpus = corpora.CharCorpus(
        "c", tuple(f"doc {i}" for i in range(20)), tuple(f"{i}.py" for i in range(20))
    )
    train, test = corpora.split_documents(corpus, 0.1, seed=3)
    assert len(test) == 2 and len(train) == 18 and set(train.documents).isdisjoint(test.documents)
    assert corpora.split_documents(corpus, 0.1, seed=3) == (train, test)
    assert corpora.split_documents(corpus, 0.1, seed=4)[1] != test


def test_the_loss_captions_numbers_the_unigram_entropy_of_the_corpus_and_of_its_held_out_part(data):
    # the dashed line is the whole corpus's entropy; the held-out documents alone have their own (loss_caption)
    # the characters scored, each <eos> after a file
    held_out = charlm.unigram_entropy(data.test_ids[1:], len(data.vocab))
    assert (round(held_out, 2), round(data.entropy, 2)) == (4.56, 4.54)
    assert "4.56 bits on the standard library, against 4.54" in charlm.loss_caption(16384)


def test_unigram_entropy_against_the_closed_form():
    vocab = charlm.build_vocabulary(["ab"], min_count=1)
    ids = charlm.stream(["ab", "ab"], vocab)  # <eos> a b <eos> a b <eos>: p = 3/7, 2/7, 2/7
    assert ids.tolist() == [0, 2, 3, 0, 2, 3, 0]
    expected = -(3 / 7 * math.log2(3 / 7) + 2 * (2 / 7) * math.log2(2 / 7))
    assert charlm.unigram_entropy(ids, len(vocab)) == pytest.approx(expected, abs=1e-12)
    assert charlm.unigram_entropy(np.array([2, 2, 3, 4]), 5) == pytest.approx(1.5, abs=1e-12)
    assert charlm.unigram_entropy(np.array([7, 7]), 8) == 0.0


def test_rare_characters_are_unknown_and_text_round_trips():
    vocab = charlm.build_vocabulary(["aaaaabbbbbé"], min_count=5)
    assert vocab.tokens == ("<eos>", "<unk>", "a", "b")
    # in code point order, whatever the counts: another Python's stdlib (same characters) gives the same ids
    assert charlm.build_vocabulary(["bbbbbbaaaaa"], min_count=5) == charlm.build_vocabulary(
        ["abababababa"], min_count=5
    )
    assert charlm.build_vocabulary(["ccccccbbbbbbbaaaaaaaa"], max_size=2, min_count=1).tokens[2:] == (
        "a",
        "b",
    )
    assert vocab.encode("abéz").tolist() == [2, 3, 1, 1]
    assert vocab.decode([0, 2, 1, 3]) == "␄a�b"
    assert vocab.encode("").tolist() == []


def test_the_default_data_is_large_and_a_byte_a_character(data):
    assert data.chars > 5_000_000 and 60 <= len(data.vocab) <= charlm.MAX_VOCABULARY + 2
    assert 3.5 < data.entropy < 6  # source code: about 4.5 bits per character
    # 40 sessions share one process: the streams hold a byte a character, not the 8 of int64
    assert data.train_ids.dtype == data.test_ids.dtype == np.uint8 and charlm.MAX_VOCABULARY + 2 <= 256
    assert data.train_ids.nbytes + data.test_ids.nbytes == data.chars


def test_prepare_counts_and_encodes_as_the_plain_definitions_do():
    from collections import Counter

    # non-ASCII, beyond the BMP, rare
    documents = [
        "aab\n",
        "€€€€€ x",
        "bbbbbb",
        "é",
        "aaaa a",
        "ccc😀😀😀😀😀",
    ]
    corpus = corpora.CharCorpus("c", tuple(documents), tuple(f"{i}.txt" for i in range(len(documents))))
    prepared = charlm.prepare(corpus, seed=1, test_fraction=0.3)
    train, test = corpora.split_documents(corpus, 0.3, seed=1)
    counts = Counter("".join(train.documents))
    kept = sorted(ch for ch, n in counts.items() if n >= charlm.MIN_COUNT)
    assert (
        prepared.vocab.tokens
        == (charlm.EOS, charlm.UNK, *kept)
        == charlm.build_vocabulary(train.documents).tokens
    )

    def plain_stream(docs):  # <eos> d1 <eos> d2 ... <eos>, character by character
        ids = [0]
        for d in docs:
            ids += [prepared.vocab.tokens.index(ch) if ch in kept else 1 for ch in d] + [0]
        return ids

    assert prepared.train_ids.tolist() == plain_stream(train.documents)
    assert prepared.test_ids.tolist() == plain_stream(test.documents)
    both = np.concatenate([prepared.train_ids, prepared.test_ids[1:]])  # the <eos> between the splits once
    assert prepared.entropy == pytest.approx(charlm.unigram_entropy(both, len(prepared.vocab)), abs=1e-12)
    # a kept character, one never seen ("z": inside the lookup table) and one past the table's end
    first = kept[0]
    assert prepared.vocab.encode(first + "z\U0010ffff").tolist() == [prepared.vocab.tokens.index(first), 1, 1]


def test_a_short_run_lowers_the_loss(trained, data):
    first, last = charlm.bits(trained.test_losses[0]), charlm.bits(trained.test_losses[-1])
    assert first == pytest.approx(math.log2(len(data.vocab)), abs=0.3)  # untrained: about uniform
    assert last < first - 2.0 and last < data.entropy + 0.3
    assert trained.test_steps == [0, 20, 40, 60, 80] and len(trained.losses) == 80
    assert trained.sample_steps == [0] and len(trained.samples[0]) > 0


def test_a_clone_trains_on_exactly_like_the_original_and_shares_the_corpus(data):
    training.set_threads(1)
    straight = charlm.CharTrainer(data, TINY)
    straight.step(12)
    half = charlm.CharTrainer(data, TINY)
    half.step(7)
    twin = half.clone()
    twin.step(5)
    assert twin.losses == straight.losses and twin.test_losses == straight.test_losses
    assert half.step_count == 7  # the original did not move
    # SHARED, not copied
    assert twin.data is half.data and twin._train is half._train and twin._test is half._test
    assert twin.lock is not half.lock
    table = charlm.loss_table(straight.records())
    assert table["step"] == list(range(13)) and table["training bpc"][0] is None
    assert (
        table["held-out bpc"][0] == charlm.bits(straight.test_losses[0]) and table["held-out bpc"][1] is None
    )


def test_temperature_near_zero_is_greedy(trained, data):
    model, vocab = trained.model, data.vocab
    drawn = charlm.sample(model, vocab, "def ", 60, temperature=0.001, seed=1, stop_at_eos=False)
    assert (
        charlm.sample(model, vocab, "def ", 60, temperature=0.0, seed=2, stop_at_eos=False).text == drawn.text
    )
    reading = charlm.read(model, vocab, np.concatenate([drawn.prompt_ids, drawn.ids]))
    n = len(drawn.prompt_ids)
    assert reading.top_ids[n - 1 : -1, 0].tolist() == drawn.ids.tolist()  # each the most likely next


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_sampling_steps_the_cell_equations_as_torch_runs_the_layers(kind, data):
    model = training.initialise(
        charlm.CharLM(charlm.CharLMConfig(kind=kind, layers=2, hidden_size=24, embed_dim=8), len(data.vocab)),
        seed=5,
    )
    ids = data.test_ids[:40]
    with torch.no_grad():
        whole, _, _ = model(torch.from_numpy(ids)[None])  # (1, 40, V)
        one = charlm._OneStep(model)
        # after ids[:10], [:11], ...
        stepped = [one.read([ids[:10]])[0]] + [one.step(np.array([i]))[0] for i in ids[10:]]
    assert np.allclose(np.stack(stepped), whole[0, 9:].numpy(), atol=1e-5)
    before = (torch.random.get_rng_state(), np.random.get_state()[1].copy())
    charlm.sample(model, data.vocab, "def ", 30, temperature=1.0, seed=0)
    assert (
        torch.equal(torch.random.get_rng_state(), before[0]) and (np.random.get_state()[1] == before[1]).all()
    )


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_a_sample_read_as_it_is_drawn_is_the_sample_read_back(kind, data):
    model = training.initialise(
        charlm.CharLM(charlm.CharLMConfig(kind=kind, layers=2, hidden_size=24, embed_dim=8), len(data.vocab)),
        seed=3,
    )
    for stop, seed in [(True, 0), (True, 1), (False, 2)]:
        drawn, reading = charlm.sample_and_read(
            model, data.vocab, "def ", 60, 1.5, seed=seed, stop_at_eos=stop
        )
        alone = charlm.sample(model, data.vocab, "def ", 60, 1.5, seed=seed, stop_at_eos=stop)
        assert drawn.ids.tolist() == alone.ids.tolist() and drawn.text == alone.text  # the same draws
        again = charlm.read_sample(model, data.vocab, drawn)  # a second pass, through torch's layers
        assert (
            reading.ids.tolist() == again.ids.tolist() and reading.top_ids.tolist() == again.top_ids.tolist()
        )
        assert np.allclose(reading.states, again.states, atol=1e-5) and np.allclose(
            reading.p_next, again.p_next, atol=1e-5
        )
    # <eos> was met
    assert any(charlm.sample(model, data.vocab, "", 300, 1.5, seed=s).ids[-1] == 0 for s in range(20))


@pytest.mark.parametrize("kind", charlm.KINDS)
def test_samples_drawn_side_by_side_are_those_drawn_one_at_a_time(kind, data):
    model = training.initialise(
        charlm.CharLM(charlm.CharLMConfig(kind=kind, layers=2, hidden_size=24, embed_dim=8), len(data.vocab)),
        seed=4,
    )
    draws = [
        charlm.Draw("def ", 60, 1.5, 0, 1, True),
        charlm.Draw("import os\n", 90, 0.7, 3, 2, False),
        charlm.Draw("", 0),
        charlm.Draw("x", 40, 0.0, 0, 0, True),
    ]
    for draw, (drawn, reading) in zip(
        draws, charlm.samples_and_readings(model, data.vocab, draws), strict=True
    ):
        alone = charlm.sample(
            model,
            data.vocab,
            draw.prompt,
            draw.length,
            draw.temperature,
            draw.top_k,
            draw.seed,
            draw.stop_at_eos,
        )
        assert drawn.ids.tolist() == alone.ids.tolist() and len(drawn.ids) <= draw.length
        again = charlm.read_sample(model, data.vocab, alone)
        assert reading.ids.tolist() == again.ids.tolist() and np.allclose(
            reading.states, again.states, atol=1e-5
        )
    with pytest.raises(ValueError, match="temperature"):
        charlm.Draw("def ", 10, temperature=-1.0)


def test_top_k_never_samples_outside_the_k(trained, data):
    model, vocab = trained.model, data.vocab
    for seed in range(5):
        drawn = charlm.sample(
            model, vocab, "import ", 80, temperature=5.0, top_k=3, seed=seed, stop_at_eos=False
        )
        reading = charlm.read(model, vocab, np.concatenate([drawn.prompt_ids, drawn.ids]))
        n = len(drawn.prompt_ids)
        for position, char in enumerate(drawn.ids):
            assert char in reading.top_ids[n - 1 + position, :3]
    hot = charlm.sample(model, vocab, "import ", 200, temperature=5.0, seed=0, stop_at_eos=False)
    assert len(set(hot.ids.tolist())) > 10  # without top-k the hot samples do spread


def test_sampling_stops_at_eos_when_asked(trained, data):
    for seed in range(40):
        drawn = charlm.sample(trained.model, data.vocab, "", 300, temperature=1.5, seed=seed)
        if 0 in drawn.ids.tolist():
            assert drawn.ids[-1] == 0 and drawn.ids.tolist().count(0) == 1 and drawn.text.endswith("␄")
            return
    pytest.fail("no sample reached <eos>")


def test_a_saved_model_loads_back_to_identical_outputs(trained, data):
    saved = charlm.from_bytes(charlm.to_bytes(trained))
    assert saved.vocab == data.vocab and saved.config == trained.config and saved.step == 80
    assert saved.losses == trained.losses and saved.test_losses == trained.test_losses
    assert saved.description == f"the uploaded LSTM (1 × 32, trained on {data.name}, step 80)"
    ids = torch.from_numpy(data.test_ids[:200])[None]
    with torch.no_grad():
        assert torch.equal(saved.model(ids)[0], trained.model(ids)[0])


class Payload:
    ran = False

    def __reduce__(self):
        return (setattr, (Payload, "ran", True))


@pytest.mark.parametrize("content", [b"", b"not a model at all", "pickle", "plain dict", "wrong shapes"])
def test_a_bad_model_file_is_a_plain_error(trained, content):
    if content == "pickle":  # code in a pickle: weights_only refuses to run it
        buffer = io.BytesIO()
        torch.save({"format": charlm.FORMAT, "x": Payload()}, buffer)
        content = buffer.getvalue()
    elif content == "plain dict":
        buffer = io.BytesIO()
        torch.save({"weights": torch.zeros(3)}, buffer)
        content = buffer.getvalue()
    elif content == "wrong shapes":
        payload = torch.load(io.BytesIO(charlm.to_bytes(trained)), weights_only=True)
        payload["config"]["hidden_size"] = 64
        buffer = io.BytesIO()
        torch.save(payload, buffer)
        content = buffer.getvalue()
    with pytest.raises(ValueError):
        charlm.from_bytes(content)
    assert not Payload.ran


def test_uploaded_text_is_checked_and_cut_into_documents():
    for junk, message in [
        (b"", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"caf\xe9 " * 1000, "not UTF-8"),
        ("\ufeffshort text".encode("utf-16"), "binary"),
        (b"x = 1\n" * 100, "at least 2,000"),
    ]:
        with pytest.raises(ValueError, match=message):
            corpora.load_text(junk)
    paragraph = ("word " * 99 + "end.\n") * 3  # 1,500 characters
    corpus = corpora.load_text(("\n".join([paragraph] * 8)).encode())
    assert len(corpus) == 4 and all(len(d) >= corpora.UPLOAD_DOCUMENT_CHARS for d in corpus.documents)
    assert "".join(corpus.documents).count("end.") == 24


def test_code_features_on_a_small_program():
    text = 'def f(a, "x(y"):\n    return [1] # (c\n'
    features = charlm.code_features(text)
    inside = "".join(str(int(v)) for v in features["inside a string"])
    assert inside == "0000000001111100000000000000000000000000"[: len(text)]
    # "(" in a string does not count
    assert features["bracket depth"].tolist()[4:17] == [
        0,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        0,
        0,
        0,
    ]
    assert features["indentation depth"].tolist() == [0] * 17 + [1] * (len(text) - 17)


def test_unit_correlations_closed_form():
    feature = np.array([0.0, 1.0, 0.0, 1.0])
    states = np.stack([feature, -2 * feature + 1, np.ones(4)], axis=1)  # (T, H): r = 1, -1, constant
    assert charlm.unit_correlations(states, feature).tolist() == pytest.approx([1.0, -1.0, 0.0])


def test_train_versus_test_uses_the_same_prompt(trained, data):
    prompt, truth = charlm.held_out_snippet(data, 4, 30, 50)
    assert (
        (prompt, truth) == charlm.held_out_snippet(data, 4, 30, 50) and len(prompt) == 30 and len(truth) == 50
    )
    versus = charlm.train_versus_test(trained.model, data.vocab, prompt, truth, 0.8, seed=0)
    n = versus.n_prompt
    assert n == 31 and versus.teacher_forced.ids[:n].tolist() == versus.free_running.ids[:n].tolist()
    assert len(versus.teacher_forced.ids) == len(versus.free_running.ids) == 81
    assert 0 <= versus.agreement <= 1


def test_the_two_halves_of_train_versus_test(trained, data):
    # the page caches them apart: the teacher-forced reading does not depend on the temperature
    model, vocab = trained.model, data.vocab
    prompt, truth = charlm.held_out_snippet(data, 4, 30, 50)
    forced = charlm.teacher_forced(model, vocab, prompt, truth)
    free = charlm.free_running(model, vocab, forced, 0.8, seed=3)
    both = charlm.train_versus_test(model, vocab, prompt, truth, 0.8, seed=3)
    assert (
        forced.reading.ids.tolist() == both.teacher_forced.ids.tolist() == [0, *vocab.encode(prompt + truth)]
    )
    assert free.ids.tolist() == both.free_running.ids.tolist() and forced.n_prompt == both.n_prompt == 31
    own = charlm.sample(model, vocab, prompt, 50, 0.8, seed=3, stop_at_eos=False)  # what the model drew
    assert free.ids[31:].tolist() == own.ids.tolist()
    # its top guess before each true character
    right = forced.reading.top_ids[30:-1, 0] == forced.reading.ids[31:]
    assert forced.agreement == both.agreement == pytest.approx(right.mean())
    # the caption's two numbers: the agreement on the continuation, the bits over every character after <eos>
    said = charlm.forced_caption(forced)
    assert (
        f"right {100 * forced.agreement:.0f}% of the time" in said
        and f"{forced.reading.bits:.2f} bits" in said
    )
    assert len(forced.reading.p_next) == 30 + 50 and forced.reading.bits == pytest.approx(
        -np.log2(forced.reading.p_next.astype(np.float64)).mean(), abs=1e-5
    )
    with pytest.raises(ValueError, match="empty"):
        charlm.teacher_forced(model, vocab, prompt, "")


def test_the_sentences_that_describe_data_samples_and_a_run(trained, data):
    said = charlm.describe_data(data)
    assert (
        f"{data.chars:,} characters, a vocabulary of {len(data.vocab)}" in said
        and f"{data.entropy:.3f} bits" in said
    )
    # the counts are of the id streams: the documents' characters and an <eos> before, between and after them
    train, test = corpora.split_documents(corpora.stdlib_corpus(charlm.STDLIB_CHARS), 0.1, 0)
    assert (
        data.chars == train.chars + test.chars + len(train) + len(test) + 2
        and "include one <eos> between documents" in said
    )
    assert (
        f"{len(data.test_ids):,} characters held out" in said
        and len(data.test_ids) == test.chars + len(test) + 1
    )
    stopped = charlm.Sample(np.array([0]), np.array([5, 7, 0]), "ab␄")
    assert charlm.describe_sample(stopped, 0.8, 5) == (
        "The priming text, then 3 characters drawn one at a time at "
        "temperature 0.8 from the top 5 (stopped at <eos>, ␄)."
    )
    assert charlm.describe_sample(charlm.Sample(np.array([0]), np.array([5]), "a"), 1.0, 0).endswith(
        "temperature 1."
    )
    assert charlm.describe_training(TINY) == (
        "Each step: 16 random windows of 32 characters, read from a zero state; Adam "
        "at 0.01 falling on a cosine to 0.1 of it over the 200 steps, the gradient's "
        "norm clipped at 1, dropout 0.1 on h_t before the softmax layer."
    )
    code = charlm.reproduce(TINY, trained.records(), "cats.txt", upload_name="cats.txt")
    assert "charlm.prepare(corpora.load_text(open('cats.txt', 'rb').read(), 'cats.txt'), 0)" in code
    assert "trainer.step(80)" in code and f"charlm.{TINY!r}" in code


def test_bad_settings_are_plain_errors(data):
    for bad in [dict(kind="tcn"), dict(layers=0), dict(hidden_size=10_000), dict(lr=0.0), dict(clip=-1.0)]:
        with pytest.raises(ValueError):
            charlm.CharLMConfig(**bad)
    with pytest.raises(ValueError):
        charlm.sample(charlm.CharLM(TINY, len(data.vocab)), data.vocab, "", 10, temperature=-1)


def test_unknown_characters_probabilities_and_the_feature_table():
    vocab = charlm.CharVocabulary((charlm.EOS, charlm.UNK, "a", "b"))
    assert vocab.unknown("abcab€c") == ["c", "€"]
    reading = charlm.CharReading(
        ids=np.array([0, 2, 3]),
        chars=("␄", "a", "b"),
        top_ids=np.zeros((3, 5), int),
        top_chars=(("a",) * 5,) * 3,
        top_probabilities=np.zeros((3, 5)),
        p_next=np.array([0.5, 0.25]),
        states=np.zeros((3, 4)),
    )
    assert np.isnan(reading.p_each[0]) and reading.p_each[1:].tolist() == [0.5, 0.25]

    table = charlm.feature_table({"inside a string": [(3, 0.51234), (7, -0.2)], "bracket depth": [(1, 0.9)]})
    assert table == {
        "feature": ["inside a string", "inside a string", "bracket depth"],
        "unit": [3, 7, 1],
        "correlation r": [0.512, -0.2, 0.9],
    }


def test_two_threads_building_the_same_settings_get_identical_weights_and_leave_the_global_generator_alone(
    data,
):
    before = torch.random.get_rng_state()
    built: list = [None, None]

    def build(i: int) -> None:
        built[i] = charlm.CharTrainer(data, TINY)

    threads = [threading.Thread(target=build, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = (t.model.state_dict() for t in built)
    assert all(torch.equal(first[name], second[name]) and torch.isfinite(first[name]).all() for name in first)
    assert torch.equal(torch.random.get_rng_state(), before)  # nothing drawn from torch's global generator
    assert built[0].status() == "not started"
    built[0].step(0)
    assert (
        built[0].status()
        == f"training: step 0 of 200, held-out {charlm.bits(built[0].test_losses[0]):.3f} bits per character"
    )


def test_training_draws_its_dropout_from_the_step_and_its_learning_rate_falls_on_a_cosine(data):
    before = torch.random.get_rng_state()
    loop = charlm.CharTrainer(data, dataclasses.replace(TINY, steps=4))
    loop.step(2)
    assert torch.equal(torch.random.get_rng_state(), before)  # the masks come from the step's generator
    again = charlm.CharTrainer(data, dataclasses.replace(TINY, steps=4))
    again.step(2)
    assert again.losses == loop.losses
    plain = charlm.CharTrainer(data, dataclasses.replace(TINY, steps=4, dropout=0.0))
    plain.step(2)
    assert plain.losses[0] != loop.losses[0]  # the same weights and windows, a different mask
    assert [loop.learning_rate(k) for k in (0, 2, 4, 9)] == pytest.approx([1e-2, 5.5e-3, 1e-3, 1e-3])
    # what step 3 will use
    assert loop.optimizer.param_groups[0]["lr"] == pytest.approx(loop.learning_rate(2))
    with torch.no_grad():  # without a generator (reading, sampling, the held-out loss) nothing is dropped
        ids = torch.from_numpy(data.test_ids[:50])[None]
        assert torch.equal(loop.model(ids)[0], loop.model(ids)[0])
    for bad in [dict(dropout=1.0), dict(lr_floor=0.0)]:
        with pytest.raises(ValueError):
            charlm.CharLMConfig(**bad)


@pytest.mark.parametrize(
    "config",
    [
        TINY,
        charlm.DEFAULT,
        charlm.LARGEST,
        charlm.CharLMConfig(kind="gru", layers=2, hidden_size=24),
        charlm.CharLMConfig(kind="rnn", layers=3, hidden_size=16, embed_dim=4),
    ],
)
def test_parameter_count_is_the_models(config):
    assert charlm.parameter_count(config, 98) == sum(
        p.numel() for p in charlm.CharLM(config, 98).parameters()
    )


def test_held_out_bits_scores_every_character_once(trained, data):
    ids = data.test_ids[:301]  # 300 scored characters: windows of 32 (+1), the last one of 12
    whole = charlm.held_out_bits(trained.model, ids, window=32, batch=4)
    pieces = [charlm.read(trained.model, data.vocab, ids[s : s + 33]) for s in range(0, 300, 32)]
    nats = -np.concatenate([np.log(p.p_next.astype(np.float64)) for p in pieces])
    assert len(nats) == 300 and whole == pytest.approx(nats.mean() / math.log(2), abs=1e-5)
    one_window = charlm.read(trained.model, data.vocab, ids)
    assert charlm.held_out_bits(trained.model, ids, window=300) == pytest.approx(one_window.bits, abs=1e-5)


def test_the_page_numbers_of_a_run(trained, data):
    numbers = charlm.headline_numbers(trained.records(), data.entropy, trained.chars_per_step)
    held = charlm.bits(trained.test_losses[-1])
    assert numbers == {
        "held-out bits per character": f"{held:.3f}",
        "below the unigram entropy": f"{100 * (1 - held / data.entropy):.0f}%",
        "characters trained on": f"{80 * 16 * 32:,}",
        "characters per second": f"{80 * 16 * 32 / trained.seconds:,.0f}",
    }
    untrained = charlm.trainer(data, TINY).records()
    assert charlm.headline_numbers(untrained, data.entropy, 512)["characters per second"] == "—"


def test_colouring_says_which_unit_colours_the_text(trained, data):
    text = charlm.probe_text(data, 3)
    assert len(text) == charlm.PROBE_CHARS and text == charlm.probe_text(data, 3)
    units = charlm.feature_units(trained.model, data.vocab, text)
    reading = charlm.read(trained.model, data.vocab, np.array([0, 5, 6, 7]))
    assert charlm.colouring(reading, "probability", 5, units)[0] is None
    assert charlm.colouring(reading, "unit number", 5, units)[0] == 5
    # the last there is
    assert charlm.colouring(reading, "unit number", 999, units)[0] == TINY.hidden_size - 1
    unit, said = charlm.colouring(reading, "bracket depth", 0, units)
    assert unit == units["bracket depth"][0][0] and f"r = {units['bracket depth'][0][1]:+.2f}" in said


def _saved_bytes(payload, **options) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer, **options)
    return buffer.getvalue()


def test_a_file_is_refused_before_torch_reads_it_unless_it_is_torch_saves_plain_zip(trained):
    good = charlm.to_bytes(trained)
    payload = torch.load(io.BytesIO(good), weights_only=True)
    # torch's older format: its pickle declares storage sizes that torch.load would allocate before reading
    with pytest.raises(ValueError, match="not a zip archive"):
        charlm.from_bytes(_saved_bytes(payload, _use_new_zipfile_serialization=False))
    squeezed = io.BytesIO()  # the same parts, deflated: a compressed part could unpack to any size
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(squeezed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            target.writestr(part.filename, source.read(part.filename))
    with pytest.raises(ValueError, match="compressed"):
        charlm.from_bytes(squeezed.getvalue())
    with pytest.raises(ValueError, match="largest model this page can build"):
        charlm.from_bytes(good + bytes(charlm.MAX_FILE_BYTES))
    assert (
        charlm.MAX_FILE_BYTES
        < 4 * charlm.parameter_count(charlm.LARGEST, charlm.MAX_VOCABULARY + 2) + 5 * 2**20
    )
    assert charlm.from_bytes(good).step == 80


def test_the_largest_model_the_page_builds_saves_and_loads_back():
    vocab = charlm.CharVocabulary(
        (charlm.EOS, charlm.UNK, *(chr(c) for c in range(32, 32 + charlm.MAX_VOCABULARY)))
    )
    data = charlm.CharData(
        "synthetic", vocab, np.arange(3000) % len(vocab), np.arange(600) % len(vocab), ("x",), 7.0, 0
    )
    largest = charlm.CharTrainer(data, dataclasses.replace(charlm.LARGEST, steps=1))
    assert len(charlm.to_bytes(largest)) <= charlm.MAX_FILE_BYTES
    assert charlm.from_bytes(charlm.to_bytes(largest)).config == largest.config


def test_the_shipped_default_is_registered_with_its_corpus_and_vocabulary():
    default = defaults.get("char_lm")
    settings = default.settings()
    data = charlm.builtin_data("python stdlib", 0)
    assert settings["corpus"] == "python stdlib" and settings["vocabulary"] == "".join(data.vocab.tokens[2:])
    assert {k: v for k, v in settings.items() if k not in ("corpus", "vocabulary")} == dataclasses.asdict(
        charlm.DEFAULT
    )
    loop = default.build()
    assert loop.data is data and loop.config == charlm.DEFAULT and loop.step_count == 0


def test_a_training_step_too_large_for_a_live_tick_is_refused_with_a_message():
    assert charlm.DEFAULT.step_work == 32 * 128 * 4 * 512 * (32 + 512)  # batch x window x gates x H x (E + H)
    assert charlm.DEFAULT.step_work < charlm.MAX_STEP_WORK  # the default trains live too
    with pytest.raises(ValueError, match=r"13\.2 billion"):
        dataclasses.replace(charlm.DEFAULT, layers=2)  # two layers of 512 do not
    with pytest.raises(ValueError, match=r"87\.0 billion multiply-adds"):
        charlm.CharLMConfig(layers=3, hidden_size=512, window=512)  # a link's worst case: 8.7 s a step
    assert charlm.LARGEST.step_work <= charlm.MAX_STEP_WORK  # the largest model by weights still loads


def test_the_page_refuses_a_link_to_a_step_too_large_with_a_message():
    from apptest_helpers import run_app

    at = run_app(
        "pages/char_language_model.py", query={"clm_layers": "3", "clm_hidden": "512", "clm_window": "512"}
    )
    assert not at.exception
    assert any(
        "cannot train here" in error.value and "billion multiply-adds" in error.value for error in at.error
    )
