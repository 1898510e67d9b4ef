"""rnnviz: an interactive lab for the gradient dynamics of recurrent networks.

Entry point: page config, navigation over pages/, and the home page, a map of the lab; for
`streamlit run app.py`, also the server's App, which loads the shipped models at start-up."""

import streamlit as st

# Every page of the lab: file, title, icon, what it shows, the lecture idea it belongs to.
PAGES = [
    (
        "pages/hand_built_rnns.py",
        "Hand-built RNNs",
        ":material/cable:",
        (
            "The sum, compare and parity networks with every weight editable, unrolled step by "
            "step; a checker over every bit string up to length n, and the parity weights learned by "
            "backprop through time."
        ),
        "Hand-built RNNs (binary threshold units, the parity truth tables)",
    ),
    (
        "pages/backprop_through_time.py",
        "Backprop through time",
        ":material/undo:",
        (
            "The univariate RNN unrolled into its computation graph, every forward value and adjoint "
            "on hover, ū, v̄, w̄ as sums of per-step terms, and a cross-check against torch autograd."
        ),
        "Backprop through time (the adjoints of the unrolled graph, weight sharing)",
    ),
    (
        "pages/exploding_vanishing.py",
        "Exploding and vanishing gradients",
        ":material/swap_vert:",
        (
            "The lecture's ∂h_T/∂h₁ = w^(T−1) on a log axis, with its 117.4 and 0.00515 one click away; "
            "the φ′(z_t) factors along a tanh, sigmoid or relu trajectory; for H units (up to 256, T up "
            "to 1000) the norm of ∂h_t/∂h₀ against the Pascanu bound, its singular values, the "
            "eigenvalues of W_hh and a t × k map of ‖∂h_t/∂h_k‖, also far beyond float64; for two units, the "
            "ellipse that ∂h_t/∂h₀ makes of a circle of directions, collapsing onto a line."
        ),
        "Exploding and vanishing gradients (why products of Jacobians blow up or die out)",
    ),
    (
        "pages/iterated_functions.py",
        "Iterated functions",
        ":material/cyclone:",
        (
            "The lecture's f(x) = 3.5x(1 − x) and one tanh unit h ← tanh(w h + b) iterated: f, f∘f, f∘3, "
            "f∘6 and f∘k up to k = 100, a cobweb, |d f∘k/dx| on a log axis exploding or vanishing, fixed "
            "points and cycles with their multipliers, the bifurcation diagram with the Lyapunov exponent."
        ),
        "Iterated functions (fixed points; derivatives that become very large or very small)",
    ),
    (
        "pages/loss_cliffs.py",
        "Loss cliffs and clipping",
        ":material/landscape:",
        (
            "The loss of a one-unit RNN over (w, b) as a map and a 3D surface with its cliff; gradient "
            "descent from any start without clipping, clipped by norm and elementwise, side by side; the loss "
            "averaged over random starts; the map behind the cliff, its fixed points and their basins."
        ),
        "Loss cliffs and gradient clipping (Pascanu, Mikolov and Bengio, 2013)",
    ),
    (
        "pages/long_term_dependencies.py",
        "Long-term dependencies",
        ":material/memory:",
        (
            "A tanh RNN, an IRNN and an LSTM (GRU optional) side by side on the adding, copy or parity task: "
            "recorded runs at once (and the lecture's long run, in which the IRNN leaves the baseline), Play to "
            "train your own; loss curves against the trivial baseline, the gradient horizon ‖dL/dhₜ‖ over time "
            "step and training step, and ‖dh_T/dhₜ‖ at initialization."
        ),
        "Long-term dependencies: identity initialization (IRNN) and the LSTM's memory cell",
    ),
    (
        "pages/lstm_gates.py",
        "LSTM gates",
        ":material/door_open:",
        (
            "An LSTM trained on the adding problem read step by step: i, f, o, g, c and h over time for one "
            "sequence, the product of forget gates against a tanh RNN's ‖dh_T/dhₜ‖ before and after training, "
            "and the lecture's exercise by autograd (f = 1 and o = 0 pass the cell's gradient through "
            "unchanged; i = 0 keeps its value)."
        ),
        "LSTM (the memory cell and its gates)",
    ),
    (
        "pages/sentiment.py",
        "Sentiment: an RNN reads a sentence",
        ":material/sentiment_satisfied:",
        (
            "An LSTM / GRU / RNN trained on generated sentences with negations, late cues and early cues, "
            "beside a bag-of-words baseline; a typed sentence read word by word; a Sentiment140 file uploaded "
            "and trained on."
        ),
        "RNN for prediction: sentiment classification (last state vs max / average pooling)",
    ),
    (
        "pages/char_language_model.py",
        "RNN for generation: a character language model",
        ":material/edit_note:",
        (
            "A char-RNN (LSTM / GRU / RNN) on Python's standard library source, shipped trained and trained "
            "further live (or on rnnviz's own source, or your text): loss in bits per character against the unigram entropy, samples kept at checkpoints, "
            "teacher forcing beside free-running sampling on the same prompt, top-5 next characters on hover, text "
            "coloured by a hidden unit (found by correlation with strings, indentation, brackets), download and "
            "upload of the model."
        ),
        "RNN for generation (teacher forcing at training time, own samples at test time, <EOS>)",
    ),
    (
        "pages/sequence_to_sequence.py",
        "Sequence to sequence",
        ":material/translate:",
        (
            "An encoder RNN reads a date, a string or a tiny program into one fixed-size state; a decoder with "
            "other weights writes the answer until <eos>. Shipped trained; a typed input decoded step by step "
            "(greedy or beam) with its top candidates, the encoder's states, the attention's alignment, a PCA "
            "map of the memory, and accuracy against input length: plain, reversed, with attention."
        ),
        "Sequence to sequence (translation: the encoder memorizes, the decoder writes from the end token on)",
    ),
]


def home() -> None:
    """The map of the lab: each page, what it shows and where it sits in the lecture."""
    st.title("rnnviz: recurrent networks, from the inside")
    st.markdown(
        "An interactive lab that follows the lecture on recurrent neural networks concept by "
        "concept. Move a slider, and what changes is computed on the spot: hidden states, outputs, "
        "gradients. Every setting lives in the address bar, so a copied link reopens exactly what "
        "you see."
    )
    for path, title, icon, shows, idea in PAGES:
        with st.container(border=True):
            st.page_link(path, label=title, icon=icon)
            st.markdown(f"{shows}  \n*Lecture:* {idea}")


if __name__ == "__main__":  # a session's run of this script
    st.set_page_config(page_title="rnnviz", page_icon=":material/cycle:", layout="wide")
    navigation = st.navigation(
        [st.Page(home, title="Home", icon=":material/home:", default=True)]
        + [st.Page(path, title=title, icon=icon) for path, title, icon, _, _ in PAGES]
    )
    navigation.run()
else:
    # `streamlit run app.py` finds this App, imports this file once and serves it (Streamlit's ASGI mode;
    # sessions still run it as __main__): before the first visitor, it imports what the pages use and
    # loads every shipped model, so that the first visitors of a fresh server wait for neither.
    from ui.models import loaded_at_start

    app = st.App("app.py", lifespan=loaded_at_start)
