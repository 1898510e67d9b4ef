"""The hand-built networks against the lecture's truth tables and independent loops."""

import itertools

import numpy as np
import pytest
import torch

from rnnviz import handbuilt
from rnnviz.handbuilt import CompareWeights, ParityWeights, SumWeights


def parity_by_loop(bits):
    """Each parity bit is the XOR of the input and the previous parity bit (the lecture's rule)."""
    out, p = [], 0
    for b in bits:
        p ^= int(b)
        out.append(p)
    return out


def test_lecture_example_parity_bits():
    # The lecture's input 0 1 0 1 1 0 1 0 1 1 starts with parity bits 0 1 1 0 1 1.
    hidden, y = handbuilt.parity_network().run([0, 1, 0, 1, 1, 0, 1, 0, 1, 1])
    assert hidden.shape == (10, 2) and y.shape == (10,)
    assert y.tolist() == [0, 1, 1, 0, 1, 1, 0, 0, 1, 0]


@pytest.mark.parametrize("length", range(1, 13))
def test_parity_network_is_right_on_every_sequence_up_to_12(length):
    net = handbuilt.parity_network()
    for bits in itertools.product([0, 1], repeat=length):
        _, y = net.run(bits)
        assert y.tolist() == parity_by_loop(bits), bits


def test_xor_truth_table_is_the_lecture_table():
    # (y(t-1), x(t)) -> h1, h2, y(t), row by row as in the lecture.
    lecture = [(0, 0, 0, 0, 0), (0, 1, 0, 1, 1), (1, 0, 0, 1, 1), (1, 1, 1, 1, 0)]
    rows = handbuilt.xor_truth_table(ParityWeights())
    assert [(r["y(t-1)"], r["x(t)"], r["h₁(t)"], r["h₂(t)"], r["y(t)"]) for r in rows] == lecture
    assert all(r["XOR"] == r["y(t)"] for r in rows)


def test_hidden_units_follow_the_truth_table_along_a_sequence():
    bits = [1, 1, 0, 1, 0, 0]
    hidden, y = handbuilt.parity_network().run(bits)
    y_prev = [0] + y[:-1].astype(int).tolist()
    assert hidden[:, 0].tolist() == [float(a and b) for a, b in zip(y_prev, bits)]  # AND
    assert hidden[:, 1].tolist() == [float(a or b) for a, b in zip(y_prev, bits)]  # OR


def test_threshold_unit_is_zero_at_zero():
    # h(x) = 1 if x > 0 else 0: a bias of exactly 0 with input 0 must not fire.
    weights = ParityWeights(b_h1=0.0, b_h2=0.0, b_y=0.0)
    hidden, y = handbuilt.parity_network(weights).run([0])
    assert hidden.tolist() == [[0.0, 0.0]] and y.tolist() == [0.0]


def test_sum_network_sums():
    x = np.random.default_rng(0).integers(-9, 10, size=30).astype(float)
    hidden, y = handbuilt.sum_network().run(x)
    assert hidden.shape == (30, 1) and y.shape == (30,)
    np.testing.assert_array_equal(y, np.cumsum(x))
    # w_rec = 0.5 forgets: h_t = x_t + h_{t-1} / 2
    _, y_leaky = handbuilt.sum_network(SumWeights(w_rec=0.5)).run([4.0, 0.0, 0.0])
    assert y_leaky.tolist() == [4.0, 2.0, 1.0]


def test_compare_network_says_which_total_is_larger():
    rng = np.random.default_rng(1)
    first, second = rng.integers(0, 5, 40).astype(float), rng.integers(0, 5, 40).astype(float)
    hidden, y = handbuilt.compare_network().run(np.stack([first, second], axis=1))
    assert hidden.shape == (40, 1) and y.shape == (40,)
    np.testing.assert_allclose(hidden[:, 0], np.cumsum(first) - np.cumsum(second))
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-5 * (np.cumsum(first) - np.cumsum(second)))))
    unrolled = handbuilt.unroll_compare(CompareWeights(), first, second)
    assert not unrolled.wrong.any()


def test_all_bit_sequences_counts_in_order():
    assert handbuilt.all_bit_sequences(3).tolist() == [list(b) for b in itertools.product([0, 1], repeat=3)]


def test_checker_counts_and_finds_counterexamples():
    assert handbuilt.check_parity(ParityWeights(), 16).summary() == (
        "Correct on all 131,070 sequences of length 1 to 16."
    )
    broken = ParityWeights(b_h1=-0.5)  # h1 = OR too: y = 0 always
    net = handbuilt.parity_network(broken)
    expected_wrong = sum(
        net.run(bits)[1].tolist() != parity_by_loop(bits)
        for n in range(1, 7)
        for bits in itertools.product([0, 1], repeat=n)
    )
    check = handbuilt.check_parity(broken, 6)
    assert (check.n_sequences, check.n_wrong) == (126, expected_wrong) and expected_wrong > 0
    assert check.counterexamples[0] == {"input": "1", "parity": "1", "network's y": "0"}
    assert len(check.counterexamples) == 5


@pytest.mark.parametrize("n", [0, 17])
def test_checker_refuses_out_of_range_lengths(n):
    with pytest.raises(ValueError, match="between 1 and 16"):
        handbuilt.check_parity(ParityWeights(), n)


@pytest.mark.parametrize(
    "text, bits", [("0 1 1 0", [0, 1, 1, 0]), ("0110", [0, 1, 1, 0]), (" 1,0;1 ", [1, 0, 1])]
)
def test_parse_bits_accepts(text, bits):
    assert handbuilt.parse_bits(text).tolist() == bits


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("0 1 2", "Entry 3 .* is 2"),
        ("0 x", "'x', is not a number"),
        ("1 " * 201, "at most 200"),
        ("0 nan", "finite"),
        ("1e400", "finite"),
    ],
)
def test_parse_bits_refuses_with_a_plain_message(text, message):
    with pytest.raises(ValueError, match=message):
        handbuilt.parse_bits(text)


def test_unroll_marks_wrong_steps_and_refuses_unequal_pairs():
    unrolled = handbuilt.unroll_parity(ParityWeights(b_y=-5.0), np.array([1, 0, 1]))  # y never fires
    assert unrolled.wrong.tolist() == [True, True, False]
    assert unrolled.summary() == "The output differs from the target at steps 1, 2 (2 of 3)."
    assert handbuilt.unroll_sum(SumWeights(), np.array([1.0, 2.0])).summary() == (
        "The output matches the target at all 2 steps."
    )
    with pytest.raises(ValueError, match="same length"):
        handbuilt.unroll_compare(CompareWeights(), np.ones(3), np.ones(2))


def test_huge_weights_overflow_to_a_result_not_a_crash():
    _, y = handbuilt.sum_network(SumWeights(w_rec=1000.0)).run([1e6] * 200)
    assert not np.isfinite(y[-1])  # inf, or NaN once inf meets a zero weight
    # h_t = 1e6 (1000^t - 1) / 999 passes 1e308 first at t = 102
    unrolled = handbuilt.unroll_sum(SumWeights(w_rec=1000.0), np.full(200, 1e6))
    assert unrolled.wrong[-1] and unrolled.first_overflow() == 102
    assert unrolled.summary().endswith("The values exceeded 1e308 (float64's largest) at step 102.")


def test_learned_parity_weights_pass_the_checker():
    learned = handbuilt.learn_parity(seed=0, steps=400)
    assert learned.losses.shape == (400, 32)
    assert learned.losses[-1, learned.best_start] < 0.05 < np.log(2)
    assert handbuilt.check_parity(learned.weights, 16).correct


def test_learn_parity_reports_progress_and_refuses_bad_settings():
    seen = []
    handbuilt.learn_parity(steps=40, starts=2, on_progress=lambda s, n, loss: seen.append((s, n)))
    assert seen == [(20, 40), (40, 40)]
    with pytest.raises(ValueError, match="steps"):
        handbuilt.learn_parity(steps=0)


def test_stalled_parity_starts_sit_on_plateaus_not_shown_to_be_minima():
    # What the page says of the starts that stall (issue 15.6), computed at seed 0 on all 1,024 strings of length 10.
    loop = handbuilt.ParityLoop(seed=0, steps=400, starts=32, lr=0.1, sequence_length=10, batch_size=64)
    loop.step(400)
    bits = torch.tensor(handbuilt.all_bit_sequences(10))  # (1024, 10)
    target = torch.cumsum(bits, dim=1).remainder(2).double()  # (1024, 10)

    def loss(theta: torch.Tensor) -> torch.Tensor:  # one start's full-batch loss, theta (9,)
        y = torch.func.functional_call(
            handbuilt.ParityStarts(1), {"theta": theta.reshape(9, 1, 1)}, (bits.double(),)
        )
        return torch.nn.functional.binary_cross_entropy(y[0], target)

    thetas = loop.model.theta.detach()[:, :, 0].T  # (32, 9)
    full = np.array([float(loss(theta)) for theta in thetas])
    stalled = np.flatnonzero(full > 0.3)  # the page's threshold; the others are below 0.11
    assert len(stalled) == 23 and np.all(full[full <= 0.3] < 0.11)
    # two plateaus, below guessing (ln 2 = 0.693): near 0.56 and near 0.62 nats
    assert all(0.55 < full[k] < 0.575 or 0.615 < full[k] < 0.625 for k in stalled)
    assert (full[stalled] < 0.6).sum() >= 5 and (full[stalled] > 0.6).sum() >= 5
    smallest, norms = [], []
    for k in stalled[np.argsort(full[stalled])]:  # every stalled start, lower plateau first
        theta = thetas[k].clone().requires_grad_(True)
        norms.append(float(torch.autograd.grad(loss(theta), theta)[0].norm()))
        smallest.append(float(torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, thetas[k]))[0]))
    assert 9e-4 < min(norms) and max(norms) < 1.1e-2  # small, not zero (README: 1e-3 to 1e-2)
    assert -7e-4 < min(smallest) and max(smallest) < 1.3e-4  # nearly flat in some direction: a plateau
    upper = [e for e, loss_k in zip(smallest, np.sort(full[stalled])) if loss_k > 0.6]
    # on the upper plateau a direction that goes down: not a minimum
    assert len(upper) >= 5 and max(upper) < 0
