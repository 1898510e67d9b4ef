"""Hand-built RNNs: the lecture's sum, compare and parity networks, with every weight editable."""

from dataclasses import fields

import streamlit as st

from rnnviz import handbuilt, training
from rnnviz.figures import handbuilt as figures
from rnnviz.parsing import parse_numbers
from ui.controls import Choice, Number, Text, set_values, warn_about_bad_link, widget
from ui.share import offer
from ui.tables import markdown_table
from ui.shell import run_inside_app


def weight_controls(network: str) -> list[Number]:
    """One number box per weight and bias of the network; defaults are the lecture's values."""
    weights_class = handbuilt.WEIGHTS[network]
    labels = handbuilt.weight_labels(weights_class)
    return [
        Number(f"hb_{network}_{f.name}", labels[f.name], f.default, -1000.0, 1000.0, 0.5, format="%.3f")
        for f in fields(weights_class)
    ]


# The controls' table, one control a line, as written (not reflowed by ruff format).
# fmt: off
NETWORK = Choice("hb_network", "Network", ("parity", "sum", "compare"), "parity")
WEIGHTS = {name: weight_controls(name) for name in handbuilt.WEIGHTS}
BITS = Text("hb_bits", "Input bits", "0 1 0 1 1 0 1 0 1 1", help="0s and 1s, e.g. 0 1 1 0 or 0110")
SUM_INPUTS = Text("hb_sum_x", "Input numbers", "1 2 -0.5 3 1.5")
FIRST = Text("hb_compare_first", "First numbers", "1 0 3 0 1")
SECOND = Text("hb_compare_second", "Second numbers", "0 2 1 2 0")
CHECK_LENGTH = Number("hb_check_n", "Check all sequences up to length n", 10, 1, handbuilt.MAX_CHECK_LENGTH, 1, slider=True)
LEARN_SEED = Number("hb_learn_seed", "Seed", 0, 0, 9999, 1)
LEARN_STEPS = Number("hb_learn_steps", "Adam steps", 400, 50, 3000, 50)
CONTROLS = [NETWORK, *(c for controls in WEIGHTS.values() for c in controls), BITS, SUM_INPUTS, FIRST, SECOND, CHECK_LENGTH,
            LEARN_SEED, LEARN_STEPS]
# fmt: on


@st.cache_resource(max_entries=64, show_spinner="Running every sequence...")
def check_parity(weights: handbuilt.ParityWeights, max_length: int) -> handbuilt.ParityCheck:
    return handbuilt.check_parity(weights, max_length)


run_inside_app()
st.title("Hand-built RNNs")
st.markdown(
    "Before we learn RNN weights, we set them by hand. Each network below is the lecture's: the "
    "**sum** RNN adds up its inputs, the **compare** RNN says which of two running totals is larger, "
    "and the **parity** RNN, made of binary threshold units (h(x) = 1 if x > 0, else 0), says whether "
    "it has seen an odd number of 1s. Change any weight and watch the unrolled computation."
)
if "hb_learned_weights" in st.session_state:  # the learner below finished on the previous run
    set_values(st.session_state.pop("hb_learned_weights"))
warn_about_bad_link(CONTROLS)
network = widget(NETWORK)  # outside the fragments: a new network redraws the whole page


def read_inputs(network: str) -> tuple[dict, str] | None:
    """The typed inputs of the network (as unroll_* takes them) and the Python that gives them; None,
    with a message, if they do not parse."""
    try:
        if network == "parity":
            bits = handbuilt.parse_bits(widget(BITS))
            return {"bits": bits}, f"np.array({bits.tolist()!r})"
        if network == "sum":
            x = parse_numbers(widget(SUM_INPUTS))
            return {"x": x}, f"np.array({x.tolist()!r})"
        first_col, second_col = st.columns(2)
        first = parse_numbers(widget(FIRST, first_col), name="first sequence")
        second = parse_numbers(widget(SECOND, second_col), name="second sequence")
        return {
            "first": first,
            "second": second,
        }, f"np.array({first.tolist()!r}), np.array({second.tolist()!r})"
    except ValueError as error:
        st.error(str(error))
        return None


@st.fragment
def network_and_checks(network: str, inputs: tuple[dict, str] | None, check_length: int) -> None:
    """The weights, the control everyone moves, and everything computed from them: a weight's move
    reruns this alone (the inputs and the checker's length are above, and rerun the page)."""
    weights_col, unrolled_col = st.columns([2, 3], gap="large")
    with weights_col:
        grid = st.columns(3)
        controls = WEIGHTS[network]
        values = {
            c.key.removeprefix(f"hb_{network}_"): widget(c, grid[i % 3]) for i, c in enumerate(controls)
        }
        weights = handbuilt.WEIGHTS[network](**values)
        st.plotly_chart(figures.network_diagram(weights), width="stretch", key="hb_diagram")
    with unrolled_col:
        try:
            unrolled = UNROLL[network](weights, *inputs[0].values()) if inputs else None
        except ValueError as error:  # e.g. the compare network's two sequences of different lengths
            st.error(str(error))
            unrolled = None
        if unrolled is not None:
            st.plotly_chart(
                figures.unrolled(unrolled.rows, unrolled.wrong), width="stretch", key="hb_unrolled"
            )
            (st.success if not unrolled.wrong.any() else st.warning)(unrolled.summary())
            offer(
                unrolled.table(),
                f"""
            import numpy as np
            from rnnviz import handbuilt, training

            weights = handbuilt.{weights!r}
            unrolled = handbuilt.{UNROLL[network].__name__}(weights, {inputs[1]})
            table = unrolled.table()  # by step: the inputs, the hidden units, the output, the target
            """,
                name="hand_built",
            )
    if network == "parity":
        table_col, check_col = st.columns(2)
        with table_col:
            st.subheader("XOR truth table")
            st.markdown(markdown_table(handbuilt.xor_truth_table(weights)))
        with check_col:
            st.subheader("Checker")
            check = check_parity(weights, check_length)
            (st.success if check.correct else st.error)(check.summary())
            if not check.correct:
                st.markdown(markdown_table(check.counterexamples))


UNROLL = {"parity": handbuilt.unroll_parity, "sum": handbuilt.unroll_sum, "compare": handbuilt.unroll_compare}


@st.fragment
def learn_parity() -> None:
    """Learning the parity weights: its own controls; the weights it finds go into the boxes above."""
    st.subheader("Beyond the lecture: learn the weights by backprop through time")
    st.markdown(
        "We don't usually set weights by hand. This trains the same network with sigmoid units in "
        "place of thresholds (so it has gradients) from 32 random starts at once on random bit "
        "strings of length 10, keeps the start with the lowest loss at the last step, puts its weights above "
        "(a threshold unit fires exactly when its sigmoid exceeds ½) and runs the checker."
    )
    seed_col, steps_col = st.columns(2)
    seed, steps = widget(LEARN_SEED, seed_col), widget(LEARN_STEPS, steps_col)
    if st.button("Learn the parity weights", type="primary"):
        training.set_threads(1)  # one core for this session's training, the other for everyone else

        progress = st.progress(0.0, text="Training...")
        learned = handbuilt.learn_parity(
            seed=seed,
            steps=steps,
            on_progress=lambda step, total, loss: progress.progress(
                step / total, text=f"step {step} of {total}: best loss {loss:.4f} nats"
            ),
        )
        st.session_state["hb_learned"] = learned
        learned_values = handbuilt.weights_as_dict(learned.weights)
        st.session_state["hb_learned_weights"] = {f"hb_parity_{k}": v for k, v in learned_values.items()}
        st.rerun(scope="app")  # the weights above are in the other fragment
    if "hb_learned" in st.session_state:
        learned = st.session_state["hb_learned"]
        final = learned.final_losses()
        stuck = final[final > 0.3]
        stalled = (
            f", at {stuck.min():.2f} to {stuck.max():.2f} nats (guessing gives ln 2 = 0.69)"
            if len(stuck)
            else ""
        )
        st.caption(
            f"Loss of every start (grey) and the one kept (blue). {len(stuck)} of {len(final)} starts stalled above "
            f"0.3 nats{stalled}. Nothing shows these are local minima: where the starts of seed 0 stall, the gradient "
            "on all 1,024 strings is small but not zero and the loss nearly flat along one direction (the Hessian's "
            "smallest eigenvalue within ±0.001, below 0 on the upper plateau, where the loss still goes down): "
            "plateaus. The 2-2-1 XOR network is known to have no strict local minima, only plateaus and saddles "
            "(Sprinkhuizen-Kuyper and Boers 1996; Hamey 1998). The kept one's weights are in the boxes above "
            "(shown to 3 decimals, used in full)."
        )
        st.plotly_chart(
            figures.learning_curves(learned.losses, learned.best_start), width="stretch", key="hb_learning"
        )


weights_col, unrolled_col = st.columns([2, 3], gap="large")
with weights_col:
    st.subheader("Weights")
    st.caption("The diagram is one time step of the network: edges carry their weights, blue > 0, red < 0.")
    controls = WEIGHTS[network]
    st.button("Use the lecture's solution", on_click=set_values, args=({c.key: c.default for c in controls},))
with unrolled_col:
    st.subheader("The unrolled computation")
    inputs = read_inputs(network)
    st.caption(
        "One column per time step, the same weights at every step. Shading is each row's value relative to its "
        "own range; a red box marks an output that disagrees with the target."
        + (
            " Beneath: the XOR table, one step of the network from each (previous y, x): y should be their XOR; "
            "and the checker, which runs every sequence up to the length set here."
            if network == "parity"
            else ""
        )
    )
    check_length = widget(CHECK_LENGTH) if network == "parity" else 0
network_and_checks(network, inputs, check_length)
if network == "parity":
    learn_parity()
