"""The encoder-decoder: batches, decoding (greedy stops at <eos>, beam width 1 is greedy), teacher
forcing equal to step-by-step decoding, a short run that beats chance, readings, and no eval/exec."""

import ast
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnviz import seq2seq, training

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
    for bad in [dict(task="translate"), dict(task="reverse", length=99), dict(kind="tcn"), dict(attention="cosine"),
                dict(lr=-1.0), dict(hidden_size=0), dict(clip=math.nan)]:  # fmt: skip
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
    torch.testing.assert_close(seq2seq.final_state_vector(final)[1], seq2seq.final_state_vector(final_alone)[0])
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
    scores = [h.log_probability for h in hypotheses]
    assert 1 <= len(hypotheses) <= 4 and scores == sorted(scores, reverse=True)
    reading = seq2seq.read(trainer.model, trainer.config, "abcd", beam_width=4)
    assert reading.log_probability == pytest.approx(scores[0], abs=1e-4)
    assert reading.log_probability == pytest.approx(float(np.log(reading.chosen).sum()), abs=1e-4)
    with pytest.raises(ValueError):
        seq2seq.beam_search(trainer.model, batch.source, 6, 12)


def test_a_short_run_beats_chance_and_attention_reads_the_alignment():
    config = seq2seq.Seq2SeqConfig(task="reverse", length=4, hidden_size=64, attention="dot", steps=250,
                                   test_size=200, test_every=125)  # fmt: skip
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
    step, by_length = trainer.by_length()
    assert step == 250 and trainer.by_length()[1] is by_length  # measured once per step count
    assert by_length.lengths.tolist() == list(range(1, 4 + seq2seq.LONGER + 1)) and by_length.longest_trained == 4
    assert by_length.exact[:4].mean() > by_length.exact[4:].mean()  # longer than trained: worse


def test_training_is_deterministic_by_seed():
    first = seq2seq.train(dataclasses.replace(SMALL, steps=8, attention="general"))
    second = seq2seq.Trainer(dataclasses.replace(SMALL, steps=8, attention="general"))
    second.step(3)
    second.step(5)  # in chunks, as the page trains
    assert first.losses == second.losses and first.test_exact == second.test_exact
    other = seq2seq.train(dataclasses.replace(SMALL, steps=8, attention="general", seed=1))
    assert other.losses != first.losses


@pytest.mark.parametrize(
    "text, message",
    [("", "at least one character"), ("   ", "at least one character"), ("abC1", "'C' '1'"),
     ("a" * 11, "at most 10")],
)  # fmt: skip
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
    trainer = seq2seq.Trainer(dataclasses.replace(SMALL, steps=10, lr=0.01, lr_floor=0.1))
    assert trainer.learning_rate(0) == pytest.approx(0.01) and trainer.learning_rate(5) == pytest.approx(0.0055)
    assert trainer.learning_rate(10) == pytest.approx(0.001) and trainer.learning_rate(99) == pytest.approx(0.001)
    trainer.step(5)
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.0055)
