"""`pip install .` gives a notebook user the rnnviz package alone, with its shipped weights: the wheel
is built, installed into a fresh virtual environment outside the checkout, and the README's
notebook example runs there."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The README's "Use rnnviz in a notebook" example, with its printed answers checked.
EXAMPLE = """
import rnnviz
from rnnviz import defaults, handbuilt

hidden, y = handbuilt.parity_network().run([0, 1, 0, 1, 1, 0, 1, 0, 1, 1])
assert y.tolist() == [0, 1, 1, 0, 1, 1, 0, 0, 1, 0], y
assert handbuilt.check_parity(handbuilt.ParityWeights(), 16).summary() == "Correct on all 131,070 sequences of length 1 to 16."
defaults.load("lstm_gates")  # the shipped weights came with the package
print(rnnviz.__file__)
"""


def test_the_wheel_holds_rnnviz_alone_and_the_readme_example_runs_from_it(tmp_path):
    # No build isolation and no index: the build uses the setuptools installed here, nothing is downloaded.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "dist").glob("rnnviz-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"rnnviz", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}, tops
    assert "rnnviz/weights/lstm_gates.pt" in zipfile.ZipFile(wheel).namelist()

    # A fresh environment that sees this machine's numpy, torch, plotly and pip, not the checkout.
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-index", "-q", str(wheel)], check=True, cwd=tmp_path)
    out = subprocess.run(
        [python, "-c", EXAMPLE], check=True, cwd=tmp_path, capture_output=True, text=True
    ).stdout
    assert Path(out.strip()).is_relative_to(venv), out  # imported from the installed wheel
