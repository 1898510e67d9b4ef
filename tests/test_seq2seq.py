"""The encoder-decoder: batches, decoding (greedy stops at <eos>, beam width 1 is greedy, beam search
is not exhaustive), teacher forcing equal to step-by-step decoding, a short run that beats chance, the
trainer on the lab's Loop (seed streams, seeded initialisation, clone, snapshot), readings, the shipped
defaults, and no eval/exec."""

import ast
import dataclasses
import io
import math
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnviz import defaults, seq2seq, training

ROOT = Path(__file__).resolve().parents[1]
SMALL = seq2seq.Seq2SeqConfig(task="reverse", length=5, hidden_size=32, embed_dim=16, steps=20, test_size=50)


@pytest.fixture(autouse=True)
def _one_thread():
    training.set_threads(1)


def test_batches_pad_and_reverse_sources_and_frame_targets_with_start_and_end():
    vocab = seq2seq.vocabulary("reverse")
    batch = seq2seq.make_batch(vocab, [("abc", "cba"), ("de", "ed")], reverse_source=True)
    assert vocab.text(batch.source[0].tolist()) == "cba" and vocab.text(batch.source[1].tolist()) == "ed"
    assert batch.source[1, 2] == seq2seq.PAD and batch.lengths.tolist() == [3, 2]
    assert batch.target_in[0].tolist() == [seq2seq.SOS, *vocab.ids("cba")]
    assert batch.target_out[1].tolist() == [*vocab.ids("ed"), seq2seq.EOS, seq2seq.PAD]
    with pytest.raises(ValueError):
        seq2seq.make_batch(vocab, [("", "x")])


def test_config_rejects_bad_settings_with_a_plain_message():
    for bad in [
        dict(task="translate"),
        dict(task="reverse", length=99),
        dict(kind="tcn"),
        dict(attention="cosine"),
        dict(lr=-1.0),
        dict(hidden_size=0),
        dict(clip=math.nan),
    ]:
        with pytest.raises(ValueError):
            seq2seq.Seq2SeqConfig(**bad)


@pytest.mark.parametrize("kind", seq2seq.KINDS)
def test_encoder_final_state_is_taken_at_each_sources_own_end(kind):
    config = dataclasses.replace(SMALL, kind=kind)
    model, vocab = seq2seq.Seq2Seq(config, 29), seq2seq.vocabulary("reverse")
    batch = seq2seq.make_batch(vocab, [("abcde", ""), ("ab", "")])
    memory, final, mask = model.encode(batch.source, batch.lengths)
    alone = seq2seq.make_batch(vocab, [("ab", "")])
    memory_alone, final_alone, _ = model.encode(alone.source, alone.lengths)
    torch.testing.assert_close(
        seq2seq.final_state_vector(final)[1], seq2seq.final_state_vector(final_alone)[0]
    )
    torch.testing.assert_close(memory[1, 1], seq2seq.final_state_vector(final)[1, : config.hidden_size])
    torch.testing.assert_close(memory[1, :2], memory_alone[0])
    assert (memory[1, 2:] == 0).all() and mask.tolist()[1] == [True, True, False, False, False]


@pytest.mark.parametrize("attention", seq2seq.ATTENTIONS)
@pytest.mark.parametrize("kind", seq2seq.KINDS)
def test_teacher_forcing_gives_what_decoding_step_by_step_gives(kind, attention):
    config = dataclasses.replace(SMALL, kind=kind, attention=attention)
    vocab = seq2seq.vocabulary("reverse")
    model = seq2seq.Seq2Seq(config, len(vocab)).eval()
    batch = seq2seq.make_batch(vocab, [("abcd", "dcba"), ("xyz", "zyx")])
    memory, state, mask = model.encode(batch.source, batch.lengths)
    with torch.no_grad():
        together, _, align = model.decoder(batch.target_in, state, memory, mask)  # (B, T, V)
        steps = []
        for t in range(batch.target_in.shape[1]):
            logits, state, _ = model.decoder(batch.target_in[:, t : t + 1], state, memory, mask)
            steps.append(logits)
    torch.testing.assert_close(together, torch.cat(steps, dim=1), rtol=1e-5, atol=1e-6)
    if attention != "none":
        torch.testing.assert_close(align.sum(-1), torch.ones(2, 5))
        assert (align[1, :, 3:] == 0).all()  # no weight on padding


def test_greedy_decoding_stops_at_eos():
    vocab = seq2seq.vocabulary("reverse")
    model = seq2seq.Seq2Seq(SMALL, len(vocab)).eval()
    batch = seq2seq.make_batch(vocab, [("abc", ""), ("hello", "")])
    with torch.no_grad():  # a readout that always writes 'q' unless... make <eos> win from the start
        model.decoder.readout.weight.zero_()
        model.decoder.readout.bias.zero_()
        model.decoder.readout.bias[seq2seq.EOS] = 5.0
    assert seq2seq.greedy(model, batch.source, batch.lengths, 12) == [[seq2seq.EOS], [seq2seq.EOS]]
    assert seq2seq.translate(model, vocab, ["abc"]) == [""]
    with torch.no_grad():  # now 'q' wins: it never stops, and decoding gives up at max_steps
        model.decoder.readout.bias[vocab.ids("q")[0]] = 9.0
    rows = seq2seq.greedy(model, batch.source, batch.lengths, 7)
    assert rows == [vocab.ids("q" * 7)] * 2
    reading = seq2seq.read(model, SMALL, "abc")
    assert not reading.finished and reading.output == "q" * seq2seq.max_output_length(3)


def test_trained_greedy_rows_end_at_their_first_eos():
    trainer = seq2seq.train(dataclasses.replace(SMALL, steps=60))
    batch = seq2seq.make_batch(trainer.vocab, trainer.test_pairs[:40])
    for row in seq2seq.greedy(trainer.model, batch.source, batch.lengths, 12):
        assert seq2seq.EOS not in row[:-1] and (row[-1] == seq2seq.EOS or len(row) == 12)


@pytest.mark.parametrize("attention", ["none", "general", "additive"])
@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_beam_search_of_width_one_is_greedy(kind, attention):
    config = dataclasses.replace(SMALL, kind=kind, attention=attention, seed=3)
    trainer = seq2seq.train(dataclasses.replace(config, steps=15))  # partly trained: varied outputs
    for source, _ in trainer.test_pairs[:25]:
        batch = seq2seq.make_batch(trainer.vocab, [(source, "")])
        greedy = seq2seq.greedy(trainer.model, batch.source, batch.lengths, 12)[0]
        beam = seq2seq.beam_search(trainer.model, batch.source, 1, 12)
        assert len(beam) == 1 and list(beam[0].ids) == greedy


def test_wider_beams_return_sorted_hypotheses_whose_scores_are_their_log_probabilities():
    trainer = seq2seq.train(dataclasses.replace(SMALL, steps=30, seed=1))
    batch = seq2seq.make_batch(trainer.vocab, [("abcd", "")])
    hypotheses = seq2seq.beam_search(trainer.model, batch.source, 4, 12)
    # the finished ones come first
    ended = [h.log_probability for h in hypotheses if h.ids[-1] == seq2seq.EOS]
    scores = [h.log_probability for h in hypotheses]
    assert 1 <= len(hypotheses) <= 4 and scores[: len(ended)] == sorted(ended, reverse=True)
    reading = seq2seq.read(trainer.model, trainer.config, "abcd", beam_width=4)
    assert reading.log_probability == pytest.approx(scores[0], abs=1e-4)
    assert reading.log_probability == pytest.approx(float(np.log(reading.chosen).sum()), abs=1e-4)
    with pytest.raises(ValueError):
        seq2seq.beam_search(trainer.model, batch.source, 6, 12)


def test_a_short_run_beats_chance_and_attention_reads_the_alignment():
    config = seq2seq.Seq2SeqConfig(
        task="reverse", length=4, hidden_size=64, attention="dot", steps=250, test_size=200, test_every=125
    )
    trainer = seq2seq.train(config)
    # chance: 1/26 per character, 26^-k for a whole string of k letters
    assert trainer.test_steps == [0, 125, 250] and trainer.test_chars[0] < 0.15
    assert trainer.test_chars[-1] > 0.6 and trainer.test_exact[-1] > 0.3, trainer.status()
    assert trainer.losses[-1] < trainer.losses[0] / 2
    reading = seq2seq.read(trainer.model, config, "abcd")
    assert reading.alignment.shape == (len(reading.tokens), 4)
    assert reading.encoder_states.shape == (4, 64) and reading.read == tuple("abcd")
    table = seq2seq.reading_table(reading)
    assert table["written"] == list(reading.tokens) and len(table) == 3 + 2 * 5
    step, by_length = trainer.by_length()  # recorded at the last score: the test and longer pairs by length
    assert step == 250 and by_length.lengths.tolist() == list(range(1, 4 + seq2seq.LONGER + 1))
    assert by_length.longest_trained == 4 and by_length.counts.sum() == 2 * config.test_size
    assert by_length.exact[:4].mean() > by_length.exact[4:].mean()  # longer than trained: worse
    pairs = trainer.scored_pairs
    again = seq2seq.by_length(
        config, pairs, seq2seq.translate(trainer.model, trainer.vocab, [s for s, _ in pairs])
    )
    np.testing.assert_array_equal(again.exact, by_length.exact)
    np.testing.assert_array_equal(again.chars, by_length.chars)


def test_training_is_deterministic_by_seed():
    first = seq2seq.train(dataclasses.replace(SMALL, steps=8, attention="general"))
    second = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, steps=8, attention="general"))
    second.step(3)
    second.step(5)  # in chunks, as the page trains
    assert first.losses == second.losses and first.test_exact == second.test_exact
    other = seq2seq.train(dataclasses.replace(SMALL, steps=8, attention="general", seed=1))
    assert other.losses != first.losses


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one character"),
        ("   ", "at least one character"),
        ("abC1", "'C' '1'"),
        ("a" * 11, "at most 10"),
    ],
)
def test_bad_typed_inputs_raise_a_plain_value_error(text, message):
    model = seq2seq.Seq2Seq(SMALL, len(seq2seq.vocabulary("reverse")))
    with pytest.raises(ValueError, match=message):
        seq2seq.read(model, SMALL, text)


@pytest.mark.parametrize("task", seq2seq.TASKS)
def test_memory_map_projects_final_states_with_each_tasks_properties(task):
    length = {"dates": 0, "execute": 2}.get(task, 6)
    config = seq2seq.Seq2SeqConfig(task=task, length=length, kind="lstm", hidden_size=16)
    memory = seq2seq.memory_map(seq2seq.Seq2Seq(config, len(seq2seq.vocabulary(task))), config, n=60)
    assert memory.coordinates.shape == (60, 2) and list(memory.properties) == list(seq2seq.PROPERTIES[task])
    assert 0 < memory.explained[1] <= memory.explained[0] and memory.explained.sum() <= 1
    assert all(len(values) == 60 for values in memory.properties.values())
    if task == "dates":
        assert set(memory.properties["month"]) <= set(seq2seq.tasks.MONTHS)


def test_no_eval_or_exec_anywhere_in_rnnviz():
    # Programs of the execute task are generated with their output; nothing runs text as code.
    for path in sorted(ROOT.glob("rnnviz/**/*.py")):
        tree = ast.parse(path.read_text())
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not names & {"eval", "exec", "compile", "__import__"}, path


def test_the_learning_rate_falls_on_a_cosine_to_its_floor_over_the_budget():
    trainer = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, steps=10, lr=0.01, lr_floor=0.1))
    assert trainer.learning_rate(0) == pytest.approx(0.01) and trainer.learning_rate(5) == pytest.approx(
        0.0055
    )
    assert trainer.learning_rate(10) == pytest.approx(0.001) and trainer.learning_rate(99) == pytest.approx(
        0.001
    )
    trainer.step(5)
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.0055)


def test_batches_and_test_sets_come_from_the_loops_seed_streams():
    trainer = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, seed=4))
    assert trainer.test_pairs == seq2seq.held_out_pairs(SMALL, 50, training.stream_seed(4, training.TEST, 0))
    assert trainer.longer_pairs == seq2seq.held_out_pairs(
        SMALL, 50, training.stream_seed(4, training.TEST, 1), longer=True
    )
    pairs = seq2seq.training_pairs(SMALL, SMALL.batch_size, trainer.batch_generator(7).initial_seed())
    expected = trainer.model.loss(seq2seq.make_batch(trainer.vocab, pairs))
    assert trainer.step_loss(7).item() == expected.item()


def test_two_threads_building_the_same_settings_get_identical_weights():
    # The Loop initialises from the seed with its own generator: no global seed for threads to share.
    built: list = [None] * 4

    def build(i: int) -> None:
        built[i] = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, attention="additive", seed=i % 2))

    threads = [threading.Thread(target=build, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for first, second in [(built[0], built[2]), (built[1], built[3])]:
        for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
            assert torch.equal(a, b), name
    assert not torch.equal(built[0].model.decoder.readout.weight, built[1].model.decoder.readout.weight)
    source = (ROOT / "rnnviz" / "seq2seq.py").read_text()
    assert "manual_seed" not in source and "_INIT_LOCK" not in source


def test_a_clone_trains_on_as_the_original_and_a_snapshot_restores_every_record():
    trainer = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, steps=40, test_every=10))
    trainer.step(15)
    copy = trainer.clone()
    # SHARED: data nobody writes
    assert copy.test_pairs is trainer.test_pairs and copy.model is not trainer.model
    trainer.step(25)
    copy.step(25)
    assert copy.losses == trainer.losses and copy.records().extra == trainer.records().extra
    buffer = io.BytesIO()
    torch.save(trainer.snapshot(), buffer)
    buffer.seek(0)
    restored = seq2seq.Seq2SeqLoop(trainer.config).restore(torch.load(buffer, weights_only=True))
    assert restored.records().extra == trainer.records().extra and restored.status() == trainer.status()
    assert (
        restored.status()
        == f"finished: step 40 of 40, held-out exact match {100 * trainer.test_exact[-1]:.1f}%"
    )
    assert set(trainer.records().extra) == {
        "test_exact",
        "test_chars",
        "longer_exact",
        "length_exact",
        "length_chars",
    }
    step, by_length = restored.by_length()
    assert step == 40 and by_length.exact.tolist() == trainer.length_exact[-1]


class ScriptedDecoder:
    """A stand-in for a model whose next-character probabilities depend on the last character only:
    `table` maps the last character ("<s>" at the start) to {next character or "<eos>": probability};
    a character without a row ends surely."""

    def __init__(self, vocab: seq2seq.SymbolVocabulary, table: dict[str, dict[str, float]]):
        def id_of(token: str) -> int:
            return {"<s>": seq2seq.SOS, "<eos>": seq2seq.EOS}.get(token) or vocab.ids(token)[0]

        self.log_p = torch.full((len(vocab), len(vocab)), -1e9)  # row: the last character
        self.log_p[:, seq2seq.EOS] = 0.0
        for last, nexts in table.items():
            self.log_p[id_of(last)] = -1e9
            for token, p in nexts.items():
                self.log_p[id_of(last), id_of(token)] = math.log(p)

    def eval(self):
        return self

    def encode(self, source, lengths):
        return (
            torch.zeros(1, source.shape[1], 1),
            torch.zeros(1, 1, 1),
            torch.ones(1, source.shape[1], dtype=torch.bool),
        )

    def decoder(self, last, state, memory, mask):
        return self.log_p[last[:, 0]][:, None], state.expand(1, last.shape[0], 1), None


def beams(table: dict, width: int, alpha: float = 0.0) -> list[tuple[str, float]]:
    vocab = seq2seq.vocabulary("reverse")
    source = seq2seq.make_batch(vocab, [("x", "")]).source
    found = seq2seq.beam_search(ScriptedDecoder(vocab, table), source, width, 6, length_alpha=alpha)
    return [(vocab.text(h.ids) + "<eos>" * (h.ids[-1:] == (seq2seq.EOS,)), h.log_probability) for h in found]


def test_beam_search_finds_a_probable_output_not_always_the_most_probable():
    # after <s>: a 0.6, b 0.4; after a: one of four at 0.25 each; after b: c surely; then <eos>
    table = {"<s>": {"a": 0.6, "b": 0.4}, "a": dict.fromkeys("cdef", 0.25), "b": {"c": 1.0}}
    ((greedy, p_greedy),) = beams(table, 1)  # a, then the first of four: P = 0.15
    assert greedy == "ac<eos>" and p_greedy == pytest.approx(math.log(0.15))
    wide = beams(table, 2)  # keeps b too, which then writes c surely: P = 0.4
    assert wide[0][0] == "bc<eos>" and wide[0][1] == pytest.approx(math.log(0.4))


def test_unnormalized_beam_search_favours_short_outputs_and_per_character_scores_do_not():
    # after <s>: <eos> 0.4 (the empty output), a 0.6; after a: b 0.6, c 0.4; after b: c 0.6, d 0.4
    table = {"<s>": {"<eos>": 0.4, "a": 0.6}, "a": {"b": 0.6, "c": 0.4}, "b": {"c": 0.6, "d": 0.4}}
    plain = beams(table, 2)  # every longer prefix already falls below P = 0.4 at its second character
    assert plain == [("<eos>", pytest.approx(math.log(0.4)))]
    per_character = beams(table, 2, alpha=1.0)  # "ac<eos>": log(0.6 * 0.4) / 3 = -0.48 beats log 0.4 = -0.92
    assert [text for text, _ in per_character] == ["ac<eos>", "<eos>"]
    assert per_character[0][1] == pytest.approx(math.log(0.24))
    assert seq2seq.length_score(
        seq2seq.Hypothesis((5, 6, seq2seq.EOS), math.log(0.24)), 1.0
    ) == pytest.approx(math.log(0.24) / 3)
    with pytest.raises(ValueError):
        beams(table, 2, alpha=-1.0)


def test_accuracy_by_length_groups_outputs_and_drops_rare_lengths():
    config = seq2seq.Seq2SeqConfig(task="reverse", length=3)
    pairs = [("ab", "ba")] * 10 + [("abc", "cba")] * 10 + [("abcd", "dcba")] * 3
    outputs = ["ba"] * 5 + ["bb"] * 5 + ["cba"] * 10 + ["dcba"] * 3
    grouped = seq2seq.by_length(config, pairs, outputs)
    assert grouped.lengths.tolist() == [2, 3] and grouped.counts.tolist() == [10, 10]
    assert grouped.exact.tolist() == [0.5, 1.0] and grouped.chars.tolist() == [0.75, 1.0]


def test_axis_correlations_and_their_sentence():
    rng = np.random.default_rng(0)
    year = rng.integers(1950, 2050, 200).astype(float)
    day = rng.integers(1, 29, 200).astype(float)
    coordinates = np.stack([-(year - year.mean()) / 10, day - day.mean() + rng.normal(0, 1, 200)], axis=1)
    century = ["19xx" if y < 2000 else "20xx" for y in year]
    properties = {
        "year": year.tolist(),
        "century": century,
        "month": ["January"] * 200,
        "day of the month": day.tolist(),
        "input length": [10] * 200,
    }
    mapped = seq2seq.MemoryMap(["x"] * 200, ["y"] * 200, coordinates, np.array([0.6, 0.2]), properties)
    r = seq2seq.axis_correlations(mapped)
    assert set(r) == {"year", "century", "day of the month", "input length"}  # not month: one value here
    in_1900s = np.array([c == "19xx" for c in century], dtype=float)  # two values: coded 0 and 1
    assert r["century"][0] == pytest.approx(abs(np.corrcoef(in_1900s, coordinates[:, 0])[0, 1]))
    assert 0.8 < r["century"][0] < r["year"][0]
    assert r["year"][0] == pytest.approx(1.0) and r["input length"].tolist() == [0.0, 0.0]
    assert r["day of the month"][1] == pytest.approx(abs(np.corrcoef(day, coordinates[:, 1])[0, 1]))
    assert seq2seq.axes_text(mapped) == (
        "the first axis (60% of the variance) correlates most with the year, |r| = 1.00; the second axis (20% of "
        f"the variance) correlates most with the day of the month, |r| = {r['day of the month'][1]:.2f}"
    )


def test_the_length_sentence_reads_the_measured_numbers():
    by = {
        "plain": [1, 0.93, 0.69, 0.41, 0.14],
        "reversed": [1, 0.7, 0.34, 0.02, 0],
        "attention": [1, 0.99, 0, 0, 0],
    }
    metrics = {
        f"seq2seq_reverse_{name}": {"exact_by_length": {str(k): v for k, v in zip(range(9, 14), values)}}
        for name, values in by.items()
    }
    assert seq2seq.length_comparison_text(metrics) == (
        "exact match at length 10, the longest in training, is plain 93%, source reversed 70%, general attention "
        "99%; at lengths 11 / 12 / 13, never seen: plain 69% / 41% / 14%; source reversed 34% / 2% / 0%; general "
        "attention 0% / 0% / 0% (200 held-out strings per length)"
    )


@pytest.mark.parametrize("name", ["plain", "reversed", "attention"])
def test_the_charts_points_of_the_shipped_reverse_models_count_the_inputs_the_caption_says(name):
    """The length chart's caption: about 50 inputs a length up to 10 and 100 beyond, hence a few points off."""
    step, measured = defaults.load(f"seq2seq_reverse_{name}").by_length()
    counts = dict(zip(measured.lengths.tolist(), measured.counts.tolist()))
    assert step == 4000 and sorted(counts) == list(range(1, 16))
    assert all(40 <= counts[k] <= 60 for k in range(1, 11)) and all(
        85 <= counts[k] <= 115 for k in range(11, 16)
    )


def test_the_shipped_defaults_are_the_pages_settings():
    assert seq2seq.default_name(seq2seq.Seq2SeqConfig()) == "seq2seq_dates"
    assert seq2seq.DEFAULT.steps == seq2seq.DEFAULT_BUDGET == seq2seq.REVERSE_DEFAULT.steps
    reverse = [seq2seq.SHIPPED[f"seq2seq_reverse_{name}"] for name in ("plain", "reversed", "attention")]
    assert [c.variant for c in reverse] == ["plain", "reversed", "general attention"]
    # the comparison's models
    assert all(c.variants() == reverse and seq2seq.default_name(c) for c in reverse)
    assert seq2seq.default_name(dataclasses.replace(seq2seq.DEFAULT, seed=1)) is None
    assert [d.name for d in seq2seq.DEFAULTS] == list(seq2seq.SHIPPED)


# --- bounds of live training (issue 19) and what the page says ------------------------------------------------


@pytest.mark.parametrize(
    "task, length, attention", [("execute", 2, "additive"), ("dates", 0, "general"), ("reverse", 6, "none")]
)
def test_decoding_to_score_cuts_outputs_but_gives_every_score_of_the_whole_decoding(task, length, attention):
    # Untrained models rarely write <eos>: the whole decoding runs to max_output_length, the cut stops
    # one character past each target.
    config = seq2seq.Seq2SeqConfig(
        task=task, length=length, hidden_size=32, attention=attention, test_size=300
    )
    loop = seq2seq.Seq2SeqLoop(config)
    pairs = loop.scored_pairs
    whole = seq2seq.translate(loop.model, loop.vocab, [s for s, _ in pairs], config.reverse_source)
    cut = seq2seq.decode_to_score(loop.model, loop.vocab, pairs, config.reverse_source)
    assert all(len(c) <= len(t) + 1 and w.startswith(c) for c, w, (_, t) in zip(cut, whole, pairs))
    assert sum(map(len, cut)) < sum(map(len, whole))  # it did cut
    assert seq2seq._score(pairs, cut) == seq2seq._score(pairs, whole)
    for a, b in zip(
        dataclasses.astuple(seq2seq.by_length(config, pairs, cut)),
        dataclasses.astuple(seq2seq.by_length(config, pairs, whole)),
    ):
        np.testing.assert_array_equal(a, b)


def test_the_held_out_loss_in_batches_is_the_loss_of_all_pairs_at_once():
    loop = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, attention="additive", test_size=150))
    assert [b.source.shape[0] for b in loop._test_batches] == [64, 64, 22]
    with torch.no_grad():
        whole = float(loop.model.loss(seq2seq.make_batch(loop.vocab, loop.test_pairs)))
    assert loop._test_loss() == pytest.approx(whole, rel=1e-6)


def test_the_longest_pairs_bound_every_task_and_length():
    for task, lengths in seq2seq.LENGTH_RANGE.items():
        for length in sorted({lengths[0], lengths[1]}):
            config = seq2seq.Seq2SeqConfig(task=task, length=length)
            source, target, longer_source, longer_target = seq2seq._longest(config)
            for seed in (5, 6):
                pairs = seq2seq.held_out_pairs(config, 3000, seed) + seq2seq.training_pairs(
                    config, 3000, seed
                )
                assert max(len(s) for s, _ in pairs) <= source and max(len(t) for _, t in pairs) <= target
                longer = pairs if task == "dates" else seq2seq.held_out_pairs(config, 3000, seed, longer=True)
                assert max(len(s) for s, _ in longer) <= longer_source, (task, length)
                assert max(len(t) for _, t in longer) <= longer_target, (task, length)


def test_a_step_too_large_for_a_live_tick_is_refused_with_a_plain_message():
    largest = seq2seq.Seq2SeqConfig(
        task="reverse", length=30, kind="lstm", hidden_size=256, attention="additive"
    )
    assert largest.step_work > 5 * seq2seq.MAX_STEP_WORK  # what a link could ask for before the bound
    with pytest.raises(ValueError, match=r"billion multiply-adds; live training runs in ticks of 0\.8 s"):
        seq2seq.Seq2SeqLoop(largest)
    assert seq2seq.Seq2SeqLoop(largest, bounded=False).config == largest  # a benchmark measures it
    # every shipped model trains here, and the page's defaults on every task
    assert all(c.step_work <= seq2seq.MAX_STEP_WORK for c in seq2seq.SHIPPED.values())
    for task, (_, longest) in seq2seq.LENGTH_RANGE.items():
        assert (
            seq2seq.Seq2SeqConfig(task=task, length=longest, hidden_size=64).step_work
            <= seq2seq.MAX_STEP_WORK
        )
    # the work: 3 forwards of the batch and one of the test pairs, then the scored pairs decoded
    config = seq2seq.Seq2SeqConfig(
        task="reverse", length=4, kind="rnn", hidden_size=8, embed_dim=2, test_size=10
    )
    per_pair = lambda S, T: S * 8 * 10 + T * (8 * 10 + 8 * 29)  # noqa: E731 -- encoder, decoder and readout
    assert config.step_work == (3 * 64 + 10) * per_pair(4, 5) + 20 * per_pair(9, 10)
    # keys once; W_1 h, 50 per (S, H) element, W_c
    additive = dataclasses.replace(config, attention="additive")
    per_pair = lambda S, T: S * 80 + S * 64 + T * (80 + 64 + 50 * S * 8 + 2 * 64 + 8 * 29)  # noqa: E731
    assert additive.step_work == (3 * 64 + 10) * per_pair(4, 5) + 20 * per_pair(9, 10)


def test_the_variants_of_the_length_comparison_are_the_shipped_ones_or_your_own():
    config = dataclasses.replace(SMALL, steps=10)
    variants = seq2seq.Variants()
    loaded = []
    models = variants.models(config, lambda name: loaded.append(name))
    assert [(c.variant, whose, m) for c, whose, m in models] == [
        ("reversed", "yours", None),
        ("general attention", "yours", None),
    ]
    assert variants.behind(config, 3) == config.variants()[1:] and variants.behind(config, 0) == []
    variants.catch_up(variants.behind(config, 3), 3)
    assert [m.step_count for _, _, m in variants.models(config, lambda name: None)] == [3, 3]
    assert variants.behind(config, 3) == [] and loaded == []
    loop = seq2seq.train(config, 3)
    names = [name for name, _ in variants.curves(config, loop, lambda name: None)]
    assert names == [
        "plain (this model, step 0)",
        "reversed (yours, step 0)",
        "general attention (yours, step 0)",
    ]
    assert seq2seq.catch_up_text(config.variants()[1:], 3) == (
        "Train the reversed and general attention variants to step 3 too, for the comparison"
    )
    shipped = seq2seq.REVERSE_DEFAULT
    whose = [w for _, w, _ in variants.models(shipped, lambda name: f"loaded {name}")]
    assert whose == ["shipped", "shipped"] and variants.own == {}  # another family: yours are dropped


def test_the_pages_sentences_read_the_records():
    loop = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, steps=10, test_every=5))
    assert seq2seq.progress(loop.records()) == (0.0, "step 0 of 10: not started")
    assert seq2seq.latest_scores(loop.records()) == dict.fromkeys(seq2seq.SCORES, "—")
    loop.step(5)
    records = loop.records()
    assert seq2seq.progress(records) == (0.5, "step 5 of 10: training")
    assert seq2seq.latest_scores(records)["held-out exact match"] == f"{100 * loop.test_exact[-1]:.1f}%"
    assert seq2seq.length_warning(SMALL, seq2seq.read(loop.model, SMALL, "abcdef")) == (
        "This input has 6 characters; no training input had more than 5."
    )
    assert seq2seq.length_warning(SMALL, seq2seq.read(loop.model, SMALL, "abcde")) is None
    assert seq2seq.shipped_text(loop).startswith(
        "The shipped model, trained ahead of time for 5 steps of 64 pairs"
    )


def test_steps_in_turns_take_the_live_lane_a_slice_at_a_time():
    loop = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, steps=30))
    held = []
    original = training.LIVE_LANE
    assert loop.step_in_turns(12, seconds=0.05) == 12 and loop.step_count == 12
    assert loop.step_in_turns(100) == 18 and loop.done  # the budget ends it
    other = seq2seq.Seq2SeqLoop(dataclasses.replace(SMALL, steps=30))
    with original:  # another session holds the lane: no step is taken until it is released
        thread = threading.Thread(target=lambda: held.append(other.step_in_turns(5, seconds=0.05)))
        thread.start()
        thread.join(0.3)
        assert other.step_count == 0 and thread.is_alive()
    thread.join(30)
    assert held == [5] and other.step_count == 5
