"""How reliably BPTT finds parity weights: seeds 0..N-1 at the page's defaults.

    python benchmarks/learn_parity.py [--seeds 20]

For each seed: seconds, how many of the random starts end below 0.05 nats, and whether the kept
weights, thresholded, pass the checker on every sequence up to length 16."""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnnviz import handbuilt

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--seeds", type=int, default=20)
args = parser.parse_args()

import torch  # noqa: F401  (imported once here so that the first seed's time is the training's)

print("| seed | seconds | starts below 0.05 nats | checker, length 1 to 16 |\n|---|---|---|---|")
passed = 0
for seed in range(args.seeds):
    start = time.perf_counter()
    learned = handbuilt.learn_parity(seed=seed)
    seconds = time.perf_counter() - start
    check = handbuilt.check_parity(learned.weights, 16)
    passed += check.correct
    good = int((learned.losses[-1] < 0.05).sum())
    print(f"| {seed} | {seconds:.2f} | {good} of {learned.losses.shape[1]} | {check.summary()} |")
print(f"\n{passed} of {args.seeds} seeds pass the checker.")
