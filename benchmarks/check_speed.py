"""How long ``derive check`` takes on grad.tex, and its slowest rows.

    python benchmarks/check_speed.py [FILE]

Prints the total time (goal: under 3 s for grad.tex) and the time per chain
of the five slowest chains (goal: no row over 2 s), measured in one run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derive import check  # noqa: E402


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parents[2] / "shared" / "seeds" / "grad.tex")
    timings = []
    original = check._Checker._chain

    def timed(self, parts, *args):
        t = time.perf_counter()
        original(self, parts, *args)
        timings.append((time.perf_counter() - t, parts[0][2].line))

    check._Checker._chain = timed
    t0 = time.perf_counter()
    report = check.check_file(path)
    total = time.perf_counter() - t0
    check._Checker._chain = original
    s = report.summary()
    print(f"{path.name}: {s['rows']} rows checked in {total:.2f} s (goal: under 3 s)")
    print("slowest chains (seconds, first line):")
    for seconds, line in sorted(timings, reverse=True)[:5]:
        print(f"  {seconds:6.2f}  line {line}")
    worst = max((t for t, _ in timings), default=0.0)
    print(f"slowest chain: {worst:.2f} s (goal: no row over 2 s)")


if __name__ == "__main__":
    main()
