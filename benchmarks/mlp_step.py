"""One training epoch of the generated mlp:784,128,10 trainer against hand-written NumPy.

    python benchmarks/mlp_step.py [--samples 12800] [--batch 256] [--threads 1] [--repeat 5]

Synthetic data (seeded), mini-batches of 256, plain gradient descent. Both
epochs use the same batches and the same update; only the gradient differs:
the generated ``grad`` against a careful hand-written backprop of the same
network (sigmoid hidden layer, softmax with cross-entropy). BLAS threads are
fixed before NumPy loads. Prints the time of each, their ratio (goal: at
most 1.05) and the relative difference of the final costs (goal: 1e-6), in
float32 and float64.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=12800)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lr", type=float, default=0.5)
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before numpy is imported
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numpy as np

    from derive.codegen import load
    from derive.derivation import derive
    from derive.models import get_model

    model = get_model("mlp:784,128,10")
    t0 = time.perf_counter()
    trainer = load(derive(model))
    print(f"derive + verify + load: {time.perf_counter() - t0:.2f} s; BLAS threads: "
          f"{args.threads}; {args.samples} samples, batches of {args.batch}")

    def hand_written(theta, data):
        W1, b1, W2, b2 = theta["W1"], theta["b1"], theta["W2"], theta["b2"]
        A0 = data["X"].T
        A1 = 1.0 / (1.0 + np.exp(-(W1 @ A0 + b1)))
        Z2 = W2 @ A1 + b2
        E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
        A2 = E / E.sum(axis=0, keepdims=True)
        d2 = (A2 - data["Y"].T) / A0.shape[1]
        d1 = (W2.T @ d2) * (A1 * (1.0 - A1))
        return {"W1": d1 @ A0.T, "b1": d1.sum(axis=1, keepdims=True),
                "W2": d2 @ A1.T, "b2": d2.sum(axis=1, keepdims=True)}

    def epoch(grad, theta, batches):
        theta = {k: v.copy() for k, v in theta.items()}
        for batch in batches:
            g = grad(theta, batch)
            for k in theta:
                theta[k] -= args.lr * g[k]
        return theta

    print(f"\n{'dtype':8} {'generated (s)':>14} {'hand-written (s)':>17} {'ratio':>7} "
          f"{'cost rel. diff':>15}")
    worst = 0.0
    for dtype in (np.float32, np.float64):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(args.samples, 784)).astype(dtype)
        Y = np.eye(10, dtype=dtype)[rng.integers(0, 10, args.samples)]
        order = rng.permutation(args.samples)
        batches = [{"X": X[order[k:k + args.batch]], "Y": Y[order[k:k + args.batch]]}
                   for k in range(0, args.samples, args.batch)]
        theta0 = {k: v.astype(dtype) for k, v in model.initial(rng).items()}
        times = {"gen": float("inf"), "hand": float("inf")}
        for _ in range(args.repeat):  # alternate, so that noise hits both alike
            for label, grad in (("gen", trainer.grad), ("hand", hand_written)):
                t = time.perf_counter()
                out = epoch(grad, theta0, batches)
                times[label] = min(times[label], time.perf_counter() - t)
                if label == "gen":
                    ours = out
                else:
                    theirs = out
        data = {"X": X, "Y": Y}
        a, b = trainer.cost(ours, data), trainer.cost(theirs, data)
        diff = abs(a - b) / abs(b)
        ratio = times["gen"] / times["hand"]
        worst = max(worst, ratio)
        print(f"{np.dtype(dtype).name:8} {times['gen']:14.4f} {times['hand']:17.4f} "
              f"{ratio:7.3f} {diff:15.2e}")
    print(f"\nworst ratio generated / hand-written: {worst:.3f} (goal: at most 1.05)")


if __name__ == "__main__":
    main()
