"""Finite differences against gradient descent on NAND, in C and in generated code.

    python benchmarks/fd_vs_gd.py [--epochs 8000000] [--repeat 3]

Reproduces the seed's timing (000_..., section 1.2.2: 8,000,000 epochs of one
sigmoid neuron learning NAND; FD 1.556 s, GD 0.473 s, ratio 3.29, in C) and, in
the same run, times derive's generated numba trainer against the plain C
gradient-descent loop in benchmarks/c/nand.c:

1. compiles benchmarks/c/nand.c with ``cc -O2`` (skipped, with a note, when
   there is no C compiler);
2. C forward finite differences (eps 1e-1, the seed's method) and C analytic
   gradient descent, best of --repeat, and their ratio;
3. the generated numba trainer's fused loop (``_train``) and a numba
   finite-difference loop built on the generated jitted ``_cost``, and their
   ratio;
4. generated numba GD / C GD (goal: at most 1.10) and the relative difference
   of their final costs (must be at most 1e-12: same start, same lr);
5. the generated NumPy trainer on fewer epochs, extrapolated, for context.

Every contender runs once per repeat, round-robin, so a noisy neighbour slows
all of them alike; the best time counts. Exit code 1 when the final costs of C
GD and numba GD disagree.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402

from derive.codegen import load  # noqa: E402
from derive.derivation import derive  # noqa: E402
from derive.models import get_model  # noqa: E402

C_SOURCE = ROOT / "benchmarks" / "c" / "nand.c"
C_FLAGS = ["-O2"]
EPS = 1e-1  # the seed's finite-difference step
SEED = {"fd": 1.556, "gd": 0.473}  # seconds, 000_..., section 1.2.2
GOAL = 1.10  # generated numba GD / C GD
AGREE = 1e-12  # relative, final cost of C GD vs numba GD


# -- C ---------------------------------------------------------------------

def find_compiler():
    cc = os.environ.get("CC") or "cc"
    path = shutil.which(cc)
    if path is None:
        return None, None
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True,
                                 check=False).stdout.splitlines()[0]
    except (OSError, IndexError):
        version = "unknown version"
    return path, version


def compile_c(cc, outdir):
    exe = Path(outdir) / "nand"
    cmd = [cc, *C_FLAGS, "-o", str(exe), str(C_SOURCE), "-lm"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"compiling {C_SOURCE} failed:\n{' '.join(cmd)}\n{done.stderr}")
    return exe, cmd


def run_c(exe, method, epochs, lr, start):
    """(seconds of the training loop, final cost, final theta) from one run."""
    args = [str(exe), method, str(epochs), repr(lr), *(repr(v) for v in start)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split("\n")
    *theta, cost = (float(v) for v in out[0].split())
    return float(out[1]), cost, theta


# -- numba -----------------------------------------------------------------

def make_numba_fd(cost_fn):
    """The seed's forward differences as one @njit loop over the generated _cost."""
    import numba

    @numba.njit(cache=False)
    def fd_train(theta_vec, x, y, z, lr, epochs, eps):
        th = theta_vec.copy()
        m = th.shape[0]
        g = numpy.empty(m)
        for _ in range(epochs):
            c = cost_fn(th, x, y, z)
            for p in range(m):
                saved = th[p]
                th[p] = saved + eps
                g[p] = (cost_fn(th, x, y, z) - c) / eps
                th[p] = saved
            for p in range(m):
                th[p] -= lr * g[p]
        return th

    return fd_train


# -- timing ----------------------------------------------------------------

def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rel(a, b):
    return abs(a - b) / abs(b) if b else abs(a - b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=8_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-1, help="the seed's rate (default 0.1)")
    ap.add_argument("--start", type=float, nargs=3, default=(0.3, -0.7, 0.1),
                    metavar=("W1", "W2", "B"))
    ap.add_argument("--numpy-epochs", type=int, default=200_000,
                    help="epochs for the NumPy row, extrapolated to --epochs (0 skips it)")
    args = ap.parse_args()
    if args.epochs <= 0 or args.repeat <= 0 or args.lr <= 0:
        ap.error("--epochs, --repeat and --lr must be positive")
    epochs, lr, start = args.epochs, args.lr, tuple(args.start)

    model = get_model("neuron")
    derivs = derive(model)
    data = {k: numpy.array(v, dtype=numpy.float64) for k, v in model.datasets["nand"].items()}
    print(f"FD vs GD: one sigmoid neuron learning NAND, {epochs:,} epochs, lr {lr:g}, "
          f"start w1={start[0]:g} w2={start[1]:g} b={start[2]:g}, FD eps {EPS:g}, "
          f"best of {args.repeat}")
    print(f"seed (000_..., 1.2.2, C, Ryzen 7 7840HS): FD {SEED['fd']} s, GD {SEED['gd']} s, "
          f"ratio {SEED['fd'] / SEED['gd']:.2f}")

    contenders = {}  # label -> callable returning (seconds, final cost)

    # C
    cc, version = find_compiler()
    tmp = tempfile.TemporaryDirectory(prefix="fd_vs_gd_")
    if cc is None:
        print("C compiler: none found (set CC or install cc); the C rows are skipped")
    else:
        exe, cmd = compile_c(cc, tmp.name)
        print(f"C compiler: {cc} ({version}); flags: {' '.join(C_FLAGS)} (-lm); "
              f"double precision; timed inside the program (CLOCK_MONOTONIC, loop only)")
        for method in ("fd", "gd"):
            contenders[f"C {method}"] = (
                lambda m=method: run_c(exe, m, epochs, lr, start)[:2])

    # generated numba
    import numba
    trainer = load(derivs, "numba")
    cols = tuple(numpy.ascontiguousarray(data[d]) for d in trainer.DATA)
    theta0 = numpy.array(start, dtype=numpy.float64)
    fd_train = make_numba_fd(trainer._cost)
    compile_s, _ = timed(lambda: (trainer._train(theta0, *cols, lr, 2),
                                  fd_train(theta0, *cols, lr, 2, EPS)))
    print(f"numba {numba.__version__}: generated _train and the FD loop compiled in "
          f"{compile_s:.1f} s (warm-up, not timed below); timed around the call")

    def numba_row(train, cost):
        def run():
            seconds, th = timed(lambda: train(theta0, *cols, lr, epochs))
            return seconds, float(cost(th, *cols))
        return run

    contenders["numba fd"] = numba_row(lambda th, x, y, z, lr_, n: fd_train(th, x, y, z, lr_, n,
                                                                              EPS),
                                       trainer._cost)
    contenders["numba gd"] = numba_row(trainer._train, trainer._cost)

    times = {k: math.inf for k in contenders}
    costs = {}
    for _ in range(args.repeat):
        for label, run in contenders.items():
            seconds, cost = run()
            times[label] = min(times[label], seconds)
            costs[label] = cost

    # generated NumPy, fewer epochs
    np_row = None
    if args.numpy_epochs > 0:
        np_trainer = load(derivs, "numpy")
        theta_d = dict(zip(np_trainer.PARAMS, start))
        n_np = min(args.numpy_epochs, epochs)
        best = math.inf
        for _ in range(args.repeat):
            seconds, th = timed(lambda: np_trainer.train(theta_d, data, lr, n_np))
            best = min(best, seconds)
        np_row = (best * epochs / n_np, best, n_np)

    # the table
    base = times.get("C gd")
    labels = {
        "C fd": "C, finite differences (seed's method)",
        "C gd": "C, gradient descent (hand-written)",
        "numba fd": "numba, finite differences on generated _cost",
        "numba gd": "numba, generated _train (fused GD loop)",
    }
    print()
    print(f"{'method':<50} {'seconds':>9} {'vs C GD':>8}  final cost")
    print("-" * 95)
    for key in ("C fd", "C gd", "numba fd", "numba gd"):
        if key in times:
            vs = f"{times[key] / base:7.2f}x" if base else f"{'-':>8}"
            print(f"{labels[key]:<50} {times[key]:9.3f} {vs}  {costs[key]:.17g}")
    if np_row:
        est, real, n_np = np_row
        vs = f"{est / base:7.0f}x" if base else f"{'-':>8}"
        print(f"{'numpy, generated train (GD), EXTRAPOLATED':<50} {est:9.1f} {vs}  "
              f"(measured {real:.2f} s for {n_np:,} epochs, x{epochs / n_np:g})")

    print()
    print("ratios")
    if base:
        print(f"  C FD / C GD             {times['C fd'] / base:6.2f}   "
              f"(the seed measured {SEED['fd'] / SEED['gd']:.2f} in C)")
    print(f"  numba FD / numba GD     {times['numba fd'] / times['numba gd']:6.2f}")
    status = 0
    if base:
        r = times["numba gd"] / base
        print(f"  numba GD / C GD         {r:6.2f}   goal <= {GOAL:.2f}: "
              f"{'met' if r <= GOAL else 'NOT met'}")
        d = rel(costs["numba gd"], costs["C gd"])
        ok = d <= AGREE
        status = 0 if ok else 1
        print(f"  final cost, numba GD vs C GD: relative difference {d:.3g} "
              f"(must be <= {AGREE:g}): {'ok' if ok else 'FAILED'}")
        print(f"  final cost, numba FD vs C FD: relative difference "
              f"{rel(costs['numba fd'], costs['C fd']):.3g} (for information)")

    tmp.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
