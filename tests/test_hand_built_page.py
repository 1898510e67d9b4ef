"""The hand-built page's account of the parity learner's stalled starts (issue 15.6)."""

from apptest_helpers import run_app

from rnnviz import handbuilt


def test_the_caption_gives_the_stalled_starts_measured_losses_and_claims_no_local_minimum():
    at = run_app("pages/hand_built_rnns.py")
    next(b for b in at.button if b.label == "Learn the parity weights").click().run(timeout=120)
    assert not at.exception, at.exception
    final = handbuilt.learn_parity(seed=0, steps=400).final_losses()  # the page's defaults
    stuck = final[final > 0.3]
    caption = next(c.value for c in at.caption if "stalled" in c.value)
    assert (
        f"{len(stuck)} of 32 starts stalled above 0.3 nats, at {stuck.min():.2f} to {stuck.max():.2f} nats"
        in caption
    )
    assert 0.55 < stuck.min() and stuck.max() < 0.65
    assert "Nothing shows these are local minima" in caption and "caught in a local minimum" not in caption
