"""Time to derive (and verify) every partial of chain:M, against flat sympy.diff.

    python benchmarks/derive_depth.py [--max 64] [--flat-max 16]

Prints, for M = 1, 2, 4, ..., the seconds `derive` takes for all 2M partials
of chain:M, verification included, then the ratio t(max)/t(max/2): linear
growth gives about 2. For comparison it times sympy.diff of the flattened cost
for every parameter, up to --flat-max (that grows like M³).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402

from derive.derivation import derive  # noqa: E402
from derive.models import chain  # noqa: E402


def best_of(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max", type=int, default=64)
    ap.add_argument("--flat-max", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sys.setrecursionlimit(20000)
    sizes = [1 << k for k in range(args.max.bit_length()) if 1 << k <= args.max]
    times = {}
    print(f"{'M':>4} {'derive+verify (s)':>18} {'mode':>8} {'flat sympy.diff (s)':>20}")
    for m in sizes:
        model = chain(m)
        times[m] = best_of(lambda: derive(model), args.repeat)
        mode = derive(model, verify=False).mode
        flat = ""
        if m <= args.flat_max:
            cost = model.flat_cost()
            flat = f"{best_of(lambda: [sp.diff(cost, p) for p in model.params], 1):.3f}"
        print(f"{m:>4} {times[m]:>18.3f} {mode:>8} {flat:>20}")
    top = sizes[-1]
    if top >= 2:
        print(f"ratio t({top})/t({top // 2}) = {times[top] / times[top // 2]:.2f} "
              f"(linear growth: about 2)")
    print(f"chain:{top}: {times[top]:.2f} s (goal: under 2 s for chain:64)")


if __name__ == "__main__":
    main()
